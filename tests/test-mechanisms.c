/* Exact tests of single mechanisms that the decision and effect tests of the
 * policy files leave unchecked, found by the mutation check
 * (tests/mutation/mutants, docs/testing.md): each test here kills at least
 * one planted bug that the rest of the suite let through.  Each checks the
 * mechanism against the kernel's own rule (v6.1 mm/page_alloc.c and
 * mm/compaction.c unless a comment says otherwise), not against the patch.
 *
 * Like the policy decision tests, they drive a 64 MiB machine in-process
 * with no workload: build a free-list situation (allocate, free, hide free
 * memory by isolating it), make one request or call one hook, and check the
 * outcome page by page.  Invariants are checked after every step.  The whole
 * file runs in well under a second.
 */
#include <string.h>

#include "engine/mm/mmzone.h"
#include "engine/mm/migrate.h"
#include "engine/mm/vmscan.h"
#include "engine/run.h"
#include "cli/runner.h"
#include "helpers.h"

#define PB 512u

/* ---- scaffolding ----------------------------------------------------------------- */

typedef struct {
  FsiRun *run;
} Fx;

/* A run of `stack` with no workload: 64M, no per-CPU lists, then sets. */
static const char *const mech_base[] = {"machine.memory=64M", "vm.pcp=false", "sim.duration=1s", NULL};
static void fx_open(Fx *fx, const char *stack, const char *const *sets) { fx->run = ft_run_new(stack, mech_base, sets); }
static void fx_close(Fx *fx) { ft_run_free(fx->run); }

static FsiAllocResult alloc_unchecked(FsiRun *run, uint32_t kind, uint32_t gfp, uint32_t order, bool pinned) {
  FsiRequest rq = {order, kind, gfp, 1, pinned, false, false, false};
  return fsi_run_alloc(run, &rq);
}

static FsiAllocResult alloc(FsiRun *run, uint32_t kind, uint32_t gfp, uint32_t order, bool pinned) {
  FsiAllocResult r = alloc_unchecked(run, kind, gfp, order, pinned);
  ft_check(run);
  return r;
}

/* No reclaim, no kswapd: a request is served from the free lists or fails. */
static uint32_t noreclaim_gfp(uint32_t kind) { return fsi_kind_gfp(kind) & ~FS_GFP_RECLAIM; }

static uint64_t count_at(FsiRun *run, uint32_t zone, uint32_t order, uint32_t mt) {
  return run->mem.zones[zone].free_area[order].count[mt];
}

/* Isolates every free block: from here the only free memory is what the test releases. */
static void hide_all_free(FsiRun *run) {
  FsiMem *m = &run->mem;
  for (uint64_t pfn = 0; pfn < m->nr_pages; pfn++)
    if (m->pages[pfn].flags & FSI_PG_BUDDY) g_assert_true(fsi_isolate_free_block(run, pfn, false));
  for (uint32_t z = 0; z < m->nr_zones; z++) g_assert_cmpuint(m->zones[z].nr_free_pages, ==, 0);
  ft_check(run);
}

/* The heads of hidden (isolated) blocks of exactly `order` in zone, lowest first. */
static GArray *hidden_blocks(FsiRun *run, uint32_t zone, uint32_t order) {
  FsiMem *m = &run->mem;
  GArray *a = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  for (uint64_t pfn = m->zones[zone].start_pfn; pfn < m->zones[zone].end_pfn; pfn++)
    if ((m->pages[pfn].flags & FSI_PG_ISOLATED) && m->pages[pfn].order == order && !(pfn & ((1u << order) - 1)))
      g_array_append_val(a, pfn);
  return a;
}

/* Gives a hidden block back to the buddy lists as a free block of type mt:
 * its pageblocks become mt first, so it lands on mt's list. */
static void release_as(FsiRun *run, uint64_t pfn, uint32_t order, uint32_t mt) {
  for (uint64_t p = pfn; p < pfn + ((uint64_t)1 << order); p += PB) fsi_set_pageblock_mt(&run->mem, p, mt);
  fsi_release_isolated(run, pfn);
  ft_check(run);
}

/* One Normal zone, watermarks out of the way, no ALLOC_NOFRAGMENT: only the
 * fallback rules decide. */
static const char *const one_normal_zone[] = {"machine.dma_limit=0", "machine.dma32_limit=0", "vm.min_free_kbytes=0",
                                              "vm.watermark_scale_factor=1", "migratetype.nofragment=false", NULL};

static const char *const mt_names[FS_MIGRATE_TYPES] = {"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"};

/* A kind whose gfp_migratetype() is mt. */
static uint32_t kind_of(uint32_t mt) {
  switch (mt) {
  case FS_MIGRATE_UNMOVABLE: return FS_KIND_PAGETABLE;
  case FS_MIGRATE_RECLAIMABLE: return FS_KIND_SLAB_RECLAIMABLE;
  default: return FS_KIND_ANON;
  }
}

/* ---- the migratetype fallback order ----------------------------------------------- */

/* The kernel's fallbacks[] (mm/page_alloc.c, 4.4 to 6.15), written out here
 * so a change to the policy's copy cannot change the expectation too. */
static const uint32_t kernel_fallbacks[FS_MIGRATE_PCPTYPES][2] = {
    [FS_MIGRATE_UNMOVABLE] = {FS_MIGRATE_RECLAIMABLE, FS_MIGRATE_MOVABLE},
    [FS_MIGRATE_MOVABLE] = {FS_MIGRATE_RECLAIMABLE, FS_MIGRATE_UNMOVABLE},
    [FS_MIGRATE_RECLAIMABLE] = {FS_MIGRATE_UNMOVABLE, FS_MIGRATE_MOVABLE},
};

/* A request of start_mt whose own lists are empty, with one free max-order
 * block on the list of each type in `offered` (and nothing else free):
 * returns the type whose block the fallback took (the one whose list lost
 * it), or -1. */
static int fallback_taken(const char *rules, uint32_t start_mt, const uint32_t *offered, unsigned n_offered) {
  Fx fx;
  char *r = g_strdup_printf("migratetype.rules=%s", rules);
  const char *sets[8];
  unsigned n = 0;
  for (const char *const *s = one_normal_zone; *s; s++) sets[n++] = *s;
  sets[n++] = r;
  sets[n] = NULL;
  fx_open(&fx, "migratetype", sets);
  g_free(r);
  FsiRun *run = fx.run;
  uint32_t top = run->mem.max_order;
  hide_all_free(run);
  GArray *blocks = hidden_blocks(run, FS_ZONE_NORMAL, top);
  g_assert_cmpuint(blocks->len, >=, n_offered);
  for (unsigned i = 0; i < n_offered; i++) release_as(run, g_array_index(blocks, uint64_t, i), top, offered[i]);
  g_array_free(blocks, TRUE);
  for (unsigned i = 0; i < n_offered; i++) g_assert_cmpuint(count_at(run, FS_ZONE_NORMAL, top, offered[i]), ==, 1);
  g_assert_cmpuint(count_at(run, FS_ZONE_NORMAL, top, start_mt), ==, 0);

  uint64_t events = run->stats.c[FSI_C_fs_extfrag_events];
  FsiAllocResult a = alloc(run, kind_of(start_mt), noreclaim_gfp(kind_of(start_mt)), 0, false);
  g_assert_cmpuint(a.handle, !=, FSI_HANDLE_NONE);
  g_assert_cmpuint(fsi_run_lookup(run, a.handle)->list_mt, ==, start_mt);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_extfrag_events], ==, events + 1);
  int taken = -1;
  for (unsigned i = 0; i < n_offered; i++) {
    if (count_at(run, FS_ZONE_NORMAL, top, offered[i])) continue;
    g_assert_cmpint(taken, ==, -1); /* exactly one list lost its block */
    taken = (int)offered[i];
  }
  /* a whole max-order block changes owner: both its pageblocks are the requester's now */
  g_assert_cmpuint(fsi_get_pageblock_mt(&run->mem, a.pfn), ==, start_mt);
  fx_close(&fx);
  return taken;
}

/* __rmqueue_fallback() (6.1) and __rmqueue_claim() (6.15) walk the row of
 * fallbacks[] for the requesting type: with both other types offering a
 * block, the first of the row is taken; with only the second, the second.
 * Checked row by row for the three pcp types. */
static void test_fallback_order(gconstpointer data) {
  const char *rules = data;
  for (uint32_t mt = 0; mt < FS_MIGRATE_PCPTYPES; mt++) {
    const uint32_t *row = kernel_fallbacks[mt];
    if (g_test_verbose()) g_test_message("%s: %s -> %s, %s", rules, mt_names[mt], mt_names[row[0]], mt_names[row[1]]);
    /* offered in both orders, so the list order of the offer cannot decide */
    uint32_t both[2] = {row[0], row[1]}, both_rev[2] = {row[1], row[0]};
    g_assert_cmpint(fallback_taken(rules, mt, both, 2), ==, (int)row[0]);
    g_assert_cmpint(fallback_taken(rules, mt, both_rev, 2), ==, (int)row[0]);
    g_assert_cmpint(fallback_taken(rules, mt, &row[1], 1), ==, (int)row[1]);
  }
}

/* ---- the steal threshold for movable requests -------------------------------------- */

/* can_steal_fallback() (6.1) / should_try_claim_block() (6.15): a movable
 * request may claim a foreign pageblock when the buddy it falls back to is
 * of at least pageblock_order / 2 (order 4 of 9).  The block here is
 * UNMOVABLE and exactly half free, in sixteen order-`buddy_order` pieces
 * (every other 2^buddy_order-page slot, so none merge) when buddy_order is
 * 4; with order-3 pieces the same sixteen slots are half as large, and the
 * block could not be claimed on the free count anyway, so the order-4 case
 * is the one that tells whether the order test lets the claim happen. */
static void test_steal_order(gconstpointer data) {
  const char *rules = data;
  Fx fx;
  char *r = g_strdup_printf("migratetype.rules=%s", rules);
  const char *sets[8];
  unsigned n = 0;
  for (const char *const *s = one_normal_zone; *s; s++) sets[n++] = *s;
  sets[n++] = r;
  sets[n] = NULL;
  fx_open(&fx, "migratetype", sets);
  g_free(r);
  FsiRun *run = fx.run;
  hide_all_free(run);
  GArray *blocks = hidden_blocks(run, FS_ZONE_NORMAL, run->mem.max_order);
  g_assert_cmpuint(blocks->len, >=, 1);
  uint64_t base = g_array_index(blocks, uint64_t, 0);
  g_array_free(blocks, TRUE);
  /* one UNMOVABLE pageblock with every page allocated unmovable ... */
  release_as(run, base, run->mem.max_order, FS_MIGRATE_UNMOVABLE);
  FsiHandle *h = g_new0(FsiHandle, PB);
  for (uint32_t i = 0; i < PB; i++) {
    FsiAllocResult a = alloc_unchecked(run, FS_KIND_PAGETABLE, noreclaim_gfp(FS_KIND_PAGETABLE), 0, false);
    g_assert_cmpuint(a.handle, !=, FSI_HANDLE_NONE);
    g_assert_cmpuint(a.pfn, ==, base + i);
    h[i] = a.handle;
  }
  /* ... the other half of the max-order block hidden again ... */
  hide_all_free(run);
  /* ... then half of it freed as order-4 pieces at every other 16-page slot */
  uint32_t piece = 1u << (run->mem.pageblock_order / 2);
  for (uint32_t off = 0; off < PB; off += 2 * piece)
    for (uint32_t i = off; i < off + piece; i++) fsi_run_free_handle(run, h[i]);
  ft_check(run);
  g_assert_cmpuint(count_at(run, FS_ZONE_NORMAL, run->mem.pageblock_order / 2, FS_MIGRATE_UNMOVABLE), ==, PB / 2 / piece);
  g_assert_cmpuint(run->mem.zones[FS_ZONE_NORMAL].nr_free_pages, ==, PB / 2);
  FsiAllocResult a = alloc(run, FS_KIND_ANON, noreclaim_gfp(FS_KIND_ANON), 0, false);
  g_assert_cmpuint(a.handle, !=, FSI_HANDLE_NONE);
  g_assert_cmpuint(a.pfn / PB, ==, base / PB);
  /* order 4 may claim, and half free is enough: the block is MOVABLE now */
  g_assert_cmpuint(fsi_get_pageblock_mt(&run->mem, base), ==, FS_MIGRATE_MOVABLE);
  g_assert_cmpint(ft_counter(run, "migratetype.claimed_pageblocks"), >=, 1);
  g_assert_cmpint(ft_counter(run, "migratetype.claims_declined"), ==, 0);
  g_free(h);
  fx_close(&fx);
}

/* ---- the merge rule above pageblock order, per migratetype ----------------------------- */

/* 64 MiB in one zone (DMA32), nothing reserved, nothing freed yet. */
static void mem_new(FsiMem *m) {
  FsiMemConfig c;
  memset(&c, 0, sizeof c);
  c.total_pages = 16384;
  c.page_size = 4096;
  c.max_order = 10;
  c.pageblock_order = 9;
  c.zone_start[0] = c.zone_end[0] = 0;
  c.zone_start[1] = 0;
  c.zone_end[1] = 16384;
  for (int z = 2; z < FS_MAX_ZONES; z++) c.zone_start[z] = c.zone_end[z] = 16384;
  c.watermark_scale_factor = 10;
  c.min_free_kbytes = -1;
  c.lowmem_reserve_ratio[0] = c.lowmem_reserve_ratio[1] = 256;
  c.lowmem_reserve_ratio[2] = 32;
  fsi_mem_init(m, &c);
}

/* Frees the two pageblocks of the order-10 block at base (low typed lo_mt,
 * high typed hi_mt), in the given order, each to its own type's list, and
 * returns the order of the block the second free ended in. */
static uint32_t free_pair(uint64_t base, uint32_t lo_mt, uint32_t hi_mt, bool high_first) {
  FsiMem m;
  mem_new(&m);
  fsi_set_pageblock_mt(&m, base, lo_mt);
  fsi_set_pageblock_mt(&m, base + PB, hi_mt);
  uint32_t order = 0;
  uint64_t first = high_first ? base + PB : base, second = high_first ? base : base + PB;
  fsi_free_one_page(&m, first, 9, fsi_get_pageblock_mt(&m, first), &order);
  g_assert_cmpuint(order, ==, 9);
  fsi_free_one_page(&m, second, 9, fsi_get_pageblock_mt(&m, second), &order);
  if (order == 9) {
    /* not merged: each half sits on its own type's list */
    g_assert_cmpuint(m.zones[1].free_area[9].count[lo_mt], ==, lo_mt == hi_mt ? 2 : 1);
    g_assert_cmpuint(m.zones[1].free_area[9].count[hi_mt], ==, lo_mt == hi_mt ? 2 : 1);
  }
  fsi_mem_destroy(&m);
  return order;
}

/* __free_one_page(): above pageblock order the two halves are different
 * pageblocks, and a block of a type without fallbacks (HIGHATOMIC, CMA,
 * ISOLATE: !migratetype_is_mergeable) never merges with a block of another
 * type, whichever half is freed first and whichever type the other half is.
 * The same type merges, and any two mergeable types merge. */
static void test_merge_rule(gconstpointer data) {
  uint32_t mt = GPOINTER_TO_UINT(data);
  for (uint32_t other = 0; other < FS_MIGRATE_TYPES; other++)
    for (int high_first = 0; high_first < 2; high_first++) {
      uint32_t want = other == mt ? 10 : 9;
      g_assert_cmpuint(free_pair(8192, mt, other, high_first), ==, want);
      g_assert_cmpuint(free_pair(8192, other, mt, high_first), ==, want);
    }
}

static void test_merge_mergeable(void) {
  for (uint32_t a = 0; a < FS_MIGRATE_PCPTYPES; a++)
    for (uint32_t b = 0; b < FS_MIGRATE_PCPTYPES; b++) {
      g_assert_cmpuint(free_pair(8192, a, b, false), ==, 10);
      g_assert_cmpuint(free_pair(8192, a, b, true), ==, 10);
    }
}

/* ---- the compaction free scanner ------------------------------------------------------- */

/* compact_memory (whole zone, MIGRATE_SYNC): memory is full of pinned
 * pages, with T movable pages in block 1 and exactly one free page in each
 * of the T pageblocks the free scanner may use (block 3 up to the top:
 * isolate_freepages() stops at pageblock_end_pfn(migrate_pfn), and the
 * migrate scanner stands at the start of block 2 once block 1 is done).
 * Every movable page needs one of those free pages, so the free scanner
 * must take the free page of every pageblock from the top of the zone down
 * to the migration scanner: afterwards every one of those blocks is full. */
static void test_free_scanner_every_block(void) {
  Fx fx;
  const char *sets[] = {"machine.dma_limit=0", "vm.min_free_kbytes=0", NULL};
  fx_open(&fx, "migratetype+compaction", sets);
  FsiRun *run = fx.run;
  FsiMem *m = &run->mem;
  const FsiZone *z = &m->zones[FS_ZONE_DMA32];
  g_assert_cmpuint(z->start_pfn % PB, ==, 0);
  FsiHandle *by_pfn = g_new0(FsiHandle, m->nr_pages);
  for (;;) {
    FsiAllocResult a = alloc_unchecked(run, FS_KIND_ANON, noreclaim_gfp(FS_KIND_ANON), 0, true);
    if (!a.handle) break;
    by_pfn[a.pfn] = a.handle;
  }
  ft_check(run);
  g_assert_cmpuint(z->nr_free_pages, ==, 0);
  uint64_t b0 = z->start_pfn / PB, last = (z->end_pfn - 1) / PB;
  uint64_t mig = b0 + 1, first_target = mig + 2;
  /* the target blocks: every block above that holds a page to free (the
   * memmap may fill most of the top one; a block of nothing but reserved
   * pages would hold no free page for anyone) */
  uint64_t *target_pfn = g_new0(uint64_t, last + 1);
  uint32_t targets = 0;
  for (uint64_t b = first_target; b <= last; b++)
    for (uint64_t pfn = b * PB; pfn < (b + 1) * PB && !target_pfn[b]; pfn++)
      if (by_pfn[pfn]) {
        target_pfn[b] = pfn;
        targets++;
      }
  g_assert_cmpuint(targets, >=, last - first_target);
  /* block 1: T movable pages, in place of pinned ones */
  for (uint32_t i = 0; i < targets; i++) {
    g_assert_cmpuint(by_pfn[mig * PB + i], !=, 0);
    fsi_run_free_handle(run, by_pfn[mig * PB + i]);
  }
  for (uint32_t i = 0; i < targets; i++) {
    FsiAllocResult a = alloc(run, FS_KIND_ANON, noreclaim_gfp(FS_KIND_ANON), 0, false);
    g_assert_cmpuint(a.pfn, >=, mig * PB);
    g_assert_cmpuint(a.pfn, <, mig * PB + targets);
  }
  /* block 0: some free pages the free scanner never reaches, so that
   * isolating the last target does not meet the watermark */
  for (uint64_t pfn = b0 * PB; pfn < b0 * PB + PB && z->nr_free_pages < 64; pfn++)
    if (by_pfn[pfn]) fsi_run_free_handle(run, by_pfn[pfn]);
  g_assert_cmpuint(z->nr_free_pages, ==, 64);
  /* one free page in every target block */
  for (uint64_t b = first_target; b <= last; b++)
    if (target_pfn[b]) fsi_run_free_handle(run, by_pfn[target_pfn[b]]);
  ft_check(run);
  g_assert_cmpuint(z->nr_free_pages, ==, 64 + targets);

  fsi_run_compact_memory(run);
  ft_check(run);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, targets);
  for (uint64_t b = first_target; b <= last; b++) {
    uint64_t free_here = 0;
    for (uint64_t pfn = b * PB; pfn < (b + 1) * PB; pfn++)
      if (m->pages[pfn].flags & FSI_PG_BUDDY) free_here += (uint64_t)1 << m->pages[pfn].order;
    if (free_here)
      g_test_message("pageblock %" G_GUINT64_FORMAT " still has %" G_GUINT64_FORMAT " free pages: not scanned", b, free_here);
    g_assert_cmpuint(free_here, ==, 0);
  }
  /* the movable pages left block 1 */
  g_assert_cmpuint(z->nr_free_pages, ==, 64 + targets);
  g_free(target_pfn);
  g_free(by_pfn);
  fx_close(&fx);
}

/* ---- CMA: the half-free rule ------------------------------------------------------------ */

/* __rmqueue() (6.1): an ALLOC_CMA request takes MIGRATE_CMA pages first when
 * the zone's free CMA pages are more than half of all its free pages
 * (NR_FREE_CMA_PAGES > NR_FREE_PAGES / 2), else its own lists first.  Free
 * memory is built exactly: max-order blocks of the CMA area and of normal
 * memory, and for "just over half" one normal page taken away. */
static bool movable_served_from_cma(uint32_t normal_blocks, uint32_t cma_blocks, bool one_less_normal) {
  Fx fx;
  const char *sets[] = {"machine.dma_limit=0", "vm.min_free_kbytes=0", NULL};
  fx_open(&fx, "cma+migratetype", sets);
  FsiRun *run = fx.run;
  const FsiZone *z = &run->mem.zones[FS_ZONE_DMA32];
  uint32_t top = run->mem.max_order;
  hide_all_free(run);
  GArray *blocks = hidden_blocks(run, FS_ZONE_DMA32, top);
  uint32_t nn = 0, nc = 0;
  for (guint i = 0; i < blocks->len; i++) {
    uint64_t pfn = g_array_index(blocks, uint64_t, i);
    bool cma = fsi_get_pageblock_mt(&run->mem, pfn) == FS_MIGRATE_CMA;
    if (cma && nc < cma_blocks) {
      fsi_release_isolated(run, pfn);
      nc++;
    } else if (!cma && nn < normal_blocks) {
      fsi_release_isolated(run, pfn);
      nn++;
    }
  }
  g_array_free(blocks, TRUE);
  g_assert_cmpuint(nn, ==, normal_blocks);
  g_assert_cmpuint(nc, ==, cma_blocks);
  ft_check(run);
  if (one_less_normal) {
    /* an unmovable page: its own lists are empty, it may not use CMA, so it
     * falls back into (and claims) a normal block */
    FsiAllocResult u = alloc(run, FS_KIND_PAGETABLE, noreclaim_gfp(FS_KIND_PAGETABLE), 0, false);
    g_assert_cmpuint(u.handle, !=, FSI_HANDLE_NONE);
    g_assert_cmpuint(fsi_get_pageblock_mt(&run->mem, u.pfn), !=, FS_MIGRATE_CMA);
    /* and the rest of what it split off goes back on a normal list, hidden away
     * but for the pages of one normal block minus that page */
  }
  uint64_t want_cma = (uint64_t)cma_blocks << top;
  g_assert_cmpuint(z->nr_free_cma, ==, want_cma);
  g_assert_cmpuint(z->nr_free_pages, ==, ((uint64_t)(normal_blocks + cma_blocks) << top) - (one_less_normal ? 1 : 0));
  FsiAllocResult a = alloc(run, FS_KIND_ANON, noreclaim_gfp(FS_KIND_ANON), 0, false);
  g_assert_cmpuint(a.handle, !=, FSI_HANDLE_NONE);
  bool from_cma = fsi_get_pageblock_mt(&run->mem, a.pfn) == FS_MIGRATE_CMA;
  fx_close(&fx);
  return from_cma;
}

static void test_cma_half_free(void) {
  /* exactly half: not more than half, own lists first */
  g_assert_false(movable_served_from_cma(1, 1, false));
  /* less than half */
  g_assert_false(movable_served_from_cma(2, 1, false));
  /* one page over half */
  g_assert_true(movable_served_from_cma(1, 1, true));
  /* two thirds */
  g_assert_true(movable_served_from_cma(1, 2, false));
}

/* ---- compaction deferral: compact_order_failed ------------------------------------------ */

/* Memory full of pinned anonymous pages with 3 of every 4 freed (pfn % 4):
 * plenty free, nothing of order >= 2, nothing compaction can move. */
static void fill_pinned_fragmented(FsiRun *run, uint32_t zone) {
  FsiMem *m = &run->mem;
  GArray *h = g_array_new(FALSE, FALSE, sizeof(FsiAllocResult));
  for (;;) {
    FsiAllocResult a = alloc_unchecked(run, FS_KIND_ANON, noreclaim_gfp(FS_KIND_ANON), 0, true);
    if (!a.handle) break;
    g_array_append_val(h, a);
  }
  for (guint i = 0; i < h->len; i++) {
    FsiAllocResult *a = &g_array_index(h, FsiAllocResult, i);
    if (a->pfn % 4) fsi_run_free_handle(run, a->handle);
  }
  g_array_free(h, TRUE);
  ft_check(run);
  for (uint32_t o = 2; o <= m->max_order; o++) g_assert_cmpuint(m->zones[zone].free_area[o].nr_free, ==, 0);
}

/* The compaction policy's FS_STAGE_COMPACT hook for a movable request of
 * order at priority prio, as the slow path calls it; returns the result it
 * reported (FS_COMPACT_*). */
static int direct_compact(FsiRun *run, uint32_t zone, uint32_t order, int prio) {
  FsiSlot *s = ft_slot(run, "compaction");
  FsAllocRequest req = {.order = order,
                        .gfp = FS_GFP_TRANSHUGE,
                        .alloc_flags = FS_ALLOC_WMARK_MIN,
                        .migratetype = FS_MIGRATE_MOVABLE,
                        .highest_zoneidx = zone,
                        .kind = FS_KIND_THP,
                        .task = 1,
                        .compact_priority = prio};
  uint64_t pfn = FS_PFN_NONE;
  run->ntaken = 0;
  run->compact_result = -1;
  FsStageResult r = s->policy->ops.slowpath_stage(s->state, FS_STAGE_COMPACT, &req, &pfn);
  g_assert_cmpint(r, !=, FS_STAGE_CAPTURED);
  ft_check(run);
  return run->compact_result;
}

/* defer_compaction() only ever lowers compact_order_failed, which starts at
 * 0 and is raised only by a success (compaction_defer_reset(): order + 1);
 * compaction_deferred() defers every order at or above it.  So on a fresh
 * zone one synchronous failure at order 9 defers the next attempt at order 4
 * too: after k = 1 failure, 2^1 - 1 = 1 attempt is skipped, then the next runs. */
static void test_defer_order_failed(void) {
  Fx fx;
  const char *sets[] = {"machine.dma_limit=0", "vm.min_free_kbytes=0", NULL};
  fx_open(&fx, "vanilla+compaction", sets);
  FsiRun *run = fx.run;
  fill_pinned_fragmented(run, FS_ZONE_DMA32);
  int r = direct_compact(run, FS_ZONE_DMA32, 9, 1);
  g_assert_true(r == FS_COMPACT_COMPLETE || r == FS_COMPACT_PARTIAL_SKIPPED);
  g_assert_cmpint(ft_counter(run, "compaction.compact_deferred"), ==, 0);
  g_assert_cmpint(direct_compact(run, FS_ZONE_DMA32, 4, 1), ==, FS_COMPACT_DEFERRED);
  g_assert_cmpint(ft_counter(run, "compaction.compact_deferred"), ==, 1);
  g_assert_cmpint(direct_compact(run, FS_ZONE_DMA32, 4, 1), !=, FS_COMPACT_DEFERRED);
  g_assert_cmpint(ft_counter(run, "compaction.compact_deferred"), ==, 1);
  fx_close(&fx);
}

/* ---- kswapd: woken for the order it is asked for ------------------------------------------ */

/* wakeup_kswapd(): kswapd stays asleep only if the node is balanced at the
 * requested order (pgdat_balanced(pgdat, order, highest_zoneidx)) and not
 * boosted.  Half of memory free, all of it in order-0 blocks: balanced for
 * order 0, not for order 9 (no free block of that order). */
static void test_kswapd_wake_order(void) {
  Fx fx;
  const char *sets[] = {"machine.dma_limit=0", "vm.min_free_kbytes=0", NULL};
  fx_open(&fx, "migratetype", sets);
  FsiRun *run = fx.run;
  GArray *h = g_array_new(FALSE, FALSE, sizeof(FsiAllocResult));
  for (;;) {
    FsiAllocResult a = alloc_unchecked(run, FS_KIND_ANON, noreclaim_gfp(FS_KIND_ANON), 0, false);
    if (!a.handle) break;
    g_array_append_val(h, a);
  }
  for (guint i = 0; i < h->len; i++)
    if (g_array_index(h, FsiAllocResult, i).pfn % 2) fsi_run_free_handle(run, g_array_index(h, FsiAllocResult, i).handle);
  g_array_free(h, TRUE);
  ft_check(run);
  const FsiZone *z = &run->mem.zones[FS_ZONE_DMA32];
  for (uint32_t o = 1; o <= run->mem.max_order; o++) g_assert_cmpuint(z->free_area[o].nr_free, ==, 0);
  g_assert_cmpuint(z->wmark[FSI_WMARK_HIGH], >, 0);
  g_assert_cmpuint(z->nr_free_pages, >, 4 * z->wmark[FSI_WMARK_HIGH]);
  g_assert_cmpuint(z->watermark_boost, ==, 0);
  g_assert_false(run->rc.kswapd_awake);
  uint64_t wakes = run->stats.c[FSI_C_fs_kswapd_wake];
  fsi_wakeup_kswapd(run, 0, FS_ZONE_DMA32);
  g_assert_false(run->rc.kswapd_awake);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_kswapd_wake], ==, wakes);
  fsi_wakeup_kswapd(run, 9, FS_ZONE_DMA32);
  g_assert_true(run->rc.kswapd_awake);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_kswapd_wake], ==, wakes + 1);
  fx_close(&fx);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/mechanisms/fallback/order/6.1", "6.1", test_fallback_order);
  g_test_add_data_func("/mechanisms/fallback/order/6.15", "6.15", test_fallback_order);
  g_test_add_data_func("/mechanisms/steal/movable-order/6.1", "6.1", test_steal_order);
  g_test_add_data_func("/mechanisms/steal/movable-order/6.15", "6.15", test_steal_order);
  g_test_add_data_func("/mechanisms/merge/highatomic", GUINT_TO_POINTER(FS_MIGRATE_HIGHATOMIC), test_merge_rule);
  g_test_add_data_func("/mechanisms/merge/cma", GUINT_TO_POINTER(FS_MIGRATE_CMA), test_merge_rule);
  g_test_add_data_func("/mechanisms/merge/isolate", GUINT_TO_POINTER(FS_MIGRATE_ISOLATE), test_merge_rule);
  g_test_add_func("/mechanisms/merge/mergeable", test_merge_mergeable);
  g_test_add_func("/mechanisms/compaction/free-scanner-every-block", test_free_scanner_every_block);
  g_test_add_func("/mechanisms/compaction/defer-order-failed", test_defer_order_failed);
  g_test_add_func("/mechanisms/kswapd/wake-order", test_kswapd_wake_order);
  g_test_add_func("/mechanisms/cma/half-free", test_cma_half_free);
  return g_test_run();
}
