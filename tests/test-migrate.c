/* Isolation and migration (engine/migrate.c) on a real run of the vanilla
 * stack: isolated free blocks, migrate_page and migrate_away keep the
 * owner's handle, alloc_contig_range takes exactly its range or undoes
 * everything (pinned, unmovable, CMA, out of targets), offline/online.
 * The invariant checker runs after every operation.
 *
 * The 64 MiB machine: DMA [0, 4096) with 256 firmware pages, DMA32
 * [4096, 16384) with the memmap reserved at [16128, 16384); pageblocks of
 * 512 pages, max order 10.  Vanilla (nogroup) types every block UNMOVABLE. */
#include <string.h>

#include "engine/mm/memory_hotplug.h"
#include "engine/mm/migrate.h"
#include "engine/mm/page_isolation.h"
#include "engine/mm/pcp.h"
#include "helpers.h"

#define PB 512u
#define RANGE 4096u /* the first pageblock of DMA32: no reserved pages */
#define NSMALL 600u

typedef struct {
  FsiRun *run;
  uint64_t boot_nr_free[FS_MAX_ZONES][FS_NR_ORDERS];
  uint64_t boot_free;
  FsiHandle small[NSMALL];
  FsiHandle filler[2];
} Fx;

static void drain(FsiRun *run) {
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) fsi_pcp_drain_zone(run, z);
}

static uint64_t total_free(FsiRun *run) {
  uint64_t n = 0;
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) n += run->mem.zones[z].nr_free_pages;
  return n;
}

static void snapshot(FsiRun *run, uint64_t nr_free[FS_MAX_ZONES][FS_NR_ORDERS]) {
  memset(nr_free, 0, sizeof(uint64_t) * FS_MAX_ZONES * FS_NR_ORDERS);
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) fsi_zone_nr_free(&run->mem, z, nr_free[z]);
}

static void assert_like_boot(Fx *fx) {
  uint64_t now[FS_MAX_ZONES][FS_NR_ORDERS];
  drain(fx->run);
  snapshot(fx->run, now);
  g_assert_cmpuint(total_free(fx->run), ==, fx->boot_free);
  g_assert_cmpmem(now, sizeof now, fx->boot_nr_free, sizeof now);
}

/* Nothing is left isolated: no ISOLATE pageblock, nothing on ISOLATE lists. */
static void assert_no_isolation(FsiRun *run) {
  FsiMem *m = &run->mem;
  for (uint64_t b = 0; b < m->nr_blocks; b++) g_assert_cmpuint(m->blocks[b].mt, !=, FS_MIGRATE_ISOLATE);
  for (uint32_t z = 0; z < m->nr_zones; z++)
    for (uint32_t o = 0; o <= m->max_order; o++) g_assert_cmpuint(m->zones[z].free_area[o].count[FS_MIGRATE_ISOLATE], ==, 0);
}

static FsiHandle alloc_kind(FsiRun *run, uint32_t kind, uint32_t order, bool pinned) {
  FsiRequest rq = {0};
  rq.order = order;
  rq.kind = kind;
  rq.gfp = fsi_kind_gfp(kind);
  rq.task = 0;
  rq.pinned = pinned;
  FsiAllocResult res = fsi_run_alloc(run, &rq);
  g_assert_cmpuint(res.handle, !=, FSI_HANDLE_NONE);
  ft_check(run);
  return res.handle;
}

/* data: "pcp" keeps the per-CPU lists on; the other tests turn them off
 * so pages land where the buddy allocator alone puts them. */
static void fx_setup(Fx *fx, gconstpointer data) {
  memset(fx, 0, sizeof *fx);
  const char *sets[] = {"machine.memory=64M", data && !strcmp(data, "pcp") ? "vm.pcp=true" : "vm.pcp=false", NULL};
  fx->run = ft_run_new("vanilla", sets, NULL);
  g_assert_cmpuint(fx->run->mem.pageblock_nr_pages, ==, PB);
  drain(fx->run);
  snapshot(fx->run, fx->boot_nr_free);
  fx->boot_free = total_free(fx->run);
  ft_check(fx->run);
}

static void fx_teardown(Fx *fx, gconstpointer data) {
  (void)data;
  ft_run_free(fx->run);
}

/* The order-9 and order-8 remainders below the memmap go first (smallest
 * block first), then NSMALL order-0 anon pages fill [4096, 4096+NSMALL);
 * every third is freed again so the range is a mix of free and in-use. */
static void populate(Fx *fx) {
  fx->filler[0] = alloc_kind(fx->run, FS_KIND_ANON, 9, false);
  fx->filler[1] = alloc_kind(fx->run, FS_KIND_ANON, 8, false);
  for (uint32_t i = 0; i < NSMALL; i++) fx->small[i] = alloc_kind(fx->run, FS_KIND_ANON, 0, false);
  g_assert_cmpuint(ft_pfn_of(fx->run, fx->small[0]), ==, RANGE);
  g_assert_cmpuint(ft_pfn_of(fx->run, fx->small[NSMALL - 1]), ==, RANGE + NSMALL - 1);
  for (uint32_t i = 0; i < NSMALL; i += 3) {
    fsi_run_free_handle(fx->run, fx->small[i]);
    fx->small[i] = FSI_HANDLE_NONE;
    ft_check(fx->run);
  }
}

static void free_all(Fx *fx) {
  for (uint32_t i = 0; i < NSMALL; i++)
    if (fx->small[i]) fsi_run_free_handle(fx->run, fx->small[i]);
  for (uint32_t i = 0; i < G_N_ELEMENTS(fx->filler); i++)
    if (fx->filler[i]) fsi_run_free_handle(fx->run, fx->filler[i]);
  memset(fx->small, 0, sizeof fx->small);
  memset(fx->filler, 0, sizeof fx->filler);
  ft_check(fx->run);
}

static uint32_t live_in(Fx *fx, uint64_t start, uint64_t end) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < NSMALL; i++)
    if (fx->small[i] && ft_pfn_of(fx->run, fx->small[i]) >= start && ft_pfn_of(fx->run, fx->small[i]) < end) n++;
  return n;
}

/* First free block head of at least min_order in zone z. */
static uint64_t find_free_block(FsiRun *run, uint32_t z, uint32_t min_order) {
  FsiMem *m = &run->mem;
  for (uint64_t pfn = m->zones[z].start_pfn; pfn < m->zones[z].end_pfn; pfn++)
    if ((m->pages[pfn].flags & FSI_PG_BUDDY) && m->pages[pfn].order >= min_order) return pfn;
  g_assert_not_reached();
}

/* ---- isolated free blocks ---------------------------------------------------------- */

static void test_isolate_round_trip(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  FsiMem *m = &run->mem;
  FsiZone *z = &m->zones[FS_ZONE_DMA32];
  uint64_t pfn = find_free_block(run, FS_ZONE_DMA32, 4);
  uint32_t order = m->pages[pfn].order;
  uint64_t free0 = z->nr_free_pages;

  g_assert_true(fsi_isolate_free_block(run, pfn, true));
  ft_check(run);
  g_assert_cmpuint(m->pages[pfn].flags, ==, FSI_PG_ISOLATED);
  g_assert_cmpuint(m->pages[pfn].order, ==, order);
  g_assert_cmpuint(z->nr_free_pages, ==, free0 - ((uint64_t)1 << order));
  g_assert_false(fsi_isolate_free_block(run, pfn, true));     /* no longer a free buddy */
  g_assert_false(fsi_isolate_free_block(run, pfn + 1, false)); /* a tail */
  g_assert_false(fsi_isolate_free_block(run, 0, false));       /* reserved */

  fsi_release_isolated(run, pfn);
  ft_check(run);
  g_assert_cmpuint(z->nr_free_pages, ==, free0);
  g_assert_true(m->pages[pfn].flags & FSI_PG_BUDDY);
  assert_like_boot(fx);

  /* __isolate_free_page obeys min_wmark + 2^order at order 0 */
  uint64_t saved = z->wmark[FSI_WMARK_MIN];
  z->wmark[FSI_WMARK_MIN] = z->nr_free_pages;
  g_assert_false(fsi_isolate_free_block(run, pfn, true));
  g_assert_true(fsi_isolate_free_block(run, pfn, false));
  z->wmark[FSI_WMARK_MIN] = saved;
  ft_check(run);
  fsi_release_isolated(run, pfn);
  fsi_release_isolated(run, pfn); /* not isolated any more: ignored */
  ft_check(run);
  assert_like_boot(fx);
}

/* ---- migrate_page / migrate_away ------------------------------------------------------ */

static void test_migrate_page_handle_follows(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  FsiMem *m = &run->mem;
  FsiHandle h = alloc_kind(run, FS_KIND_ANON, 2, false);
  uint32_t id = (uint32_t)(h & 0xffffffffu);
  uint64_t src = ft_pfn_of(run, h);
  uint64_t ih = find_free_block(run, FS_ZONE_DMA32, 4);
  g_assert_true(fsi_isolate_free_block(run, ih, true));
  uint32_t iorder = m->pages[ih].order;
  ft_check(run);

  /* target errors first: misaligned, not isolated, no room */
  g_assert_cmpint(fsi_migrate_page(run, src, ih + 1), ==, FS_MIGRATE_ETARGET);
  g_assert_cmpint(fsi_migrate_page(run, src, src), ==, FS_MIGRATE_ETARGET);
  g_assert_cmpint(fsi_migrate_page(run, src, m->cfg.total_pages + 8), ==, FS_MIGRATE_ETARGET);
  /* source errors: a tail, a free page */
  g_assert_cmpint(fsi_migrate_page(run, src + 1, ih), ==, FS_MIGRATE_ENOTHEAD);
  g_assert_cmpint(fsi_migrate_page(run, ih, ih), ==, FS_MIGRATE_ENOTHEAD);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, 0);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_fail], ==, 0);

  uint64_t free_before = total_free(run);
  run->charged_ns = 0;
  uint64_t dst = ih + 8;
  g_assert_cmpint(fsi_migrate_page(run, src, dst), ==, FS_MIGRATE_OK);
  ft_check(run);
  FsiAlloc *a = fsi_run_lookup(run, h);
  g_assert_nonnull(a);
  g_assert_cmpuint(a->pfn, ==, dst);
  g_assert_cmpuint(a->zone, ==, FS_ZONE_DMA32);
  g_assert_cmpuint(m->pages[dst].flags, ==, FSI_PG_ALLOC | FSI_PG_HEAD);
  g_assert_cmpuint(m->pages[dst].alloc, ==, id);
  for (uint64_t p = src; p < src + 4; p++) g_assert_false(m->pages[p].flags & FSI_PG_ALLOC);
  g_assert_cmpuint(total_free(run), ==, free_before + 4); /* the old frames are free */
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, 4);
  /* one folio: unmap and remap once, the copy per base page (#14 item 4) */
  g_assert_cmpuint(run->charged_ns, ==,
                   (uint64_t)fsi_config_int(run->cfg, "cost", "migrate_unmap_ns") +
                       4 * (uint64_t)fsi_config_int(run->cfg, "cost", "migrate_ns") +
                       (uint64_t)fsi_config_int(run->cfg, "cost", "migrate_remap_ns"));

  /* the rest of the isolated block stays isolated, in aligned pieces */
  uint64_t isolated = 0;
  for (uint64_t p = ih; p < ih + ((uint64_t)1 << iorder); p++)
    if (m->pages[p].flags & FSI_PG_ISOLATED) {
      g_assert_cmpuint(p & (((uint64_t)1 << m->pages[p].order) - 1), ==, 0);
      isolated += (uint64_t)1 << m->pages[p].order;
    }
  g_assert_cmpuint(isolated, ==, ((uint64_t)1 << iorder) - 4);
  g_assert_true(m->pages[ih].flags & FSI_PG_ISOLATED);
  g_assert_cmpuint(m->pages[ih].order, ==, 3);

  /* an order-4 allocation does not fit the order-3 piece at ih */
  FsiHandle big = alloc_kind(run, FS_KIND_ANON, 4, false);
  g_assert_cmpint(fsi_migrate_page(run, ft_pfn_of(run, big), ih), ==, FS_MIGRATE_ETARGET);
  /* ...but the order-2 one moves on into it */
  g_assert_cmpint(fsi_migrate_page(run, dst, ih + 4), ==, FS_MIGRATE_OK);
  g_assert_cmpuint(ft_pfn_of(run, h), ==, ih + 4);
  ft_check(run);

  for (uint64_t p = ih; p < ih + ((uint64_t)1 << iorder); p++)
    if (m->pages[p].flags & FSI_PG_ISOLATED) fsi_release_isolated(run, p);
  ft_check(run);
  fsi_run_free_handle(run, h);
  fsi_run_free_handle(run, big);
  ft_check(run);
  assert_like_boot(fx);
}

static void test_migrate_page_refused(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  FsiHandle pinned = alloc_kind(run, FS_KIND_ANON, 0, true);
  FsiHandle slab = alloc_kind(run, FS_KIND_SLAB_UNMOVABLE, 1, false);
  uint64_t pp = ft_pfn_of(run, pinned), sp = ft_pfn_of(run, slab);
  uint64_t ih = find_free_block(run, FS_ZONE_DMA32, 4);
  g_assert_true(fsi_isolate_free_block(run, ih, true));

  g_assert_cmpint(fsi_migrate_page(run, pp, ih), ==, FS_MIGRATE_EPINNED);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_fail], ==, 1);
  g_assert_cmpint(fsi_migrate_page(run, sp, ih), ==, FS_MIGRATE_EUNMOVABLE);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_fail], ==, 3);
  g_assert_cmpint(fsi_migrate_away(run, pp), ==, FS_MIGRATE_EPINNED);
  g_assert_cmpint(fsi_migrate_away(run, sp), ==, FS_MIGRATE_EUNMOVABLE);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, 0);
  g_assert_false(fsi_alloc_migratable(run, fsi_run_lookup(run, pinned)));
  g_assert_false(fsi_alloc_migratable(run, fsi_run_lookup(run, slab)));
  g_assert_cmpuint(ft_pfn_of(run, pinned), ==, pp);
  g_assert_cmpuint(ft_pfn_of(run, slab), ==, sp);
  g_assert_true(run->mem.pages[ih].flags & FSI_PG_ISOLATED); /* untouched */
  ft_check(run);

  fsi_release_isolated(run, ih);
  fsi_run_free_handle(run, pinned);
  fsi_run_free_handle(run, slab);
  ft_check(run);
  assert_like_boot(fx);
}

/* isolate_migratepages_block()'s per-page test (fsi_isolate_migratable,
 * ABI 1.4 isolate_migratable) and migrate_pages()' failures with their
 * costs (#14 items 3-4).  Flags set by hand are cleared again before the
 * invariant checker runs (it counts dirty and writeback pages). */
static void test_isolate_migratable(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  const uint32_t A = FS_MIGRATE_MODE_ASYNC, L = FS_MIGRATE_MODE_SYNC_LIGHT;
  FsiHandle anon = alloc_kind(run, FS_KIND_ANON, 0, false);
  FsiHandle anon2 = alloc_kind(run, FS_KIND_ANON, 2, false);
  FsiHandle pinned_anon = alloc_kind(run, FS_KIND_ANON, 0, true);
  FsiHandle pinned_file = alloc_kind(run, FS_KIND_FILE, 0, true);
  FsiHandle file = alloc_kind(run, FS_KIND_FILE, 0, false);
  FsiHandle slab = alloc_kind(run, FS_KIND_SLAB_UNMOVABLE, 0, false);
  uint64_t iso = run->cost.isolate_page, attempt = run->cost.migrate_unmap + run->cost.migrate_remap;
  g_assert_cmpuint(iso, >, 0);
  g_assert_cmpuint(attempt, >, 0);

  /* an LRU page: taken in every mode, its isolation charged */
  run->charged_ns = 0;
  g_assert_cmpint(fsi_isolate_migratable(run, ft_pfn_of(run, anon), A), ==, FS_MIGRATE_OK);
  g_assert_cmpuint(run->charged_ns, ==, iso);
  g_assert_cmpint(fsi_isolate_migratable(run, ft_pfn_of(run, anon2) + 1, A), ==, FS_MIGRATE_ENOTHEAD);
  g_assert_cmpint(fsi_isolate_migratable(run, ft_pfn_of(run, slab), L), ==, FS_MIGRATE_EUNMOVABLE);
  /* compound: 6.1 skips it (the default), large folios take it */
  run->charged_ns = 0;
  g_assert_false(run->compact_large_folios);
  g_assert_cmpint(fsi_isolate_migratable(run, ft_pfn_of(run, anon2), L), ==, FS_MIGRATE_ECOMPOUND);
  g_assert_cmpuint(run->charged_ns, ==, 0);
  run->compact_large_folios = true;
  g_assert_cmpint(fsi_isolate_migratable(run, ft_pfn_of(run, anon2), L), ==, FS_MIGRATE_OK);
  g_assert_cmpuint(run->charged_ns, ==, 4 * iso);
  run->compact_large_folios = false;

  /* pins: an anon page is refused at isolation; page cache is isolated and
   * fails in migration with -EAGAIN on each of the 10 passes, counted once */
  uint64_t ih = find_free_block(run, FS_ZONE_DMA32, 4);
  g_assert_true(fsi_isolate_free_block(run, ih, true));
  run->charged_ns = 0;
  g_assert_cmpint(fsi_isolate_migratable(run, ft_pfn_of(run, pinned_anon), L), ==, FS_MIGRATE_EPINNED);
  g_assert_cmpuint(run->charged_ns, ==, 0);
  g_assert_cmpint(fsi_isolate_migratable(run, ft_pfn_of(run, pinned_file), L), ==, FS_MIGRATE_OK);
  run->charged_ns = 0;
  uint64_t fail0 = run->stats.c[FSI_C_pgmigrate_fail];
  g_assert_cmpint(fsi_migrate_page(run, ft_pfn_of(run, pinned_file), ih), ==, FS_MIGRATE_EPINNED);
  g_assert_cmpuint(run->charged_ns, ==, 10 * attempt);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_fail], ==, fail0 + 1);
  /* a pinned anon page reaching migration (alloc_contig_range's
   * simplification) costs nothing: the kernel never isolates it */
  run->charged_ns = 0;
  g_assert_cmpint(fsi_migrate_page(run, ft_pfn_of(run, pinned_anon), ih), ==, FS_MIGRATE_EPINNED);
  g_assert_cmpuint(run->charged_ns, ==, 0);

  /* writeback: async does not isolate it; sync-light does, and migration
   * fails at once (-EBUSY, no retry, before the unmap) */
  FsiAlloc *fa = fsi_run_lookup(run, file);
  uint64_t fp = ft_pfn_of(run, file);
  fa->flags2 |= FSI_AF2_WRITEBACK;
  g_assert_cmpint(fsi_isolate_migratable(run, fp, A), ==, FS_MIGRATE_EWRITEBACK);
  g_assert_cmpint(fsi_isolate_migratable(run, fp, L), ==, FS_MIGRATE_OK);
  run->charged_ns = 0;
  g_assert_cmpint(fsi_migrate_page(run, fp, ih), ==, FS_MIGRATE_EWRITEBACK);
  g_assert_cmpuint(run->charged_ns, ==, 0);
  fa->flags2 &= (uint8_t)~FSI_AF2_WRITEBACK;

  /* dirty page cache: with migrate_folio (the default) it is taken and
   * moves; without, async skips it and migration fails once after the unmap */
  fa->flags |= FSI_AF_DIRTY;
  g_assert_true(run->file_migrate_folio);
  g_assert_cmpint(fsi_isolate_migratable(run, fp, A), ==, FS_MIGRATE_OK);
  run->file_migrate_folio = false;
  g_assert_cmpint(fsi_isolate_migratable(run, fp, A), ==, FS_MIGRATE_EDIRTY);
  g_assert_cmpint(fsi_isolate_migratable(run, fp, L), ==, FS_MIGRATE_OK);
  run->charged_ns = 0;
  fail0 = run->stats.c[FSI_C_pgmigrate_fail];
  g_assert_cmpint(fsi_migrate_page(run, fp, ih), ==, FS_MIGRATE_EDIRTY);
  g_assert_cmpuint(run->charged_ns, ==, attempt);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_fail], ==, fail0 + 1);
  g_assert_cmpuint(ft_pfn_of(run, file), ==, fp);
  run->file_migrate_folio = true;
  run->charged_ns = 0;
  g_assert_cmpint(fsi_migrate_page(run, fp, ih), ==, FS_MIGRATE_OK);
  g_assert_cmpuint(run->charged_ns, ==, attempt + run->cost.migrate);
  fa = fsi_run_lookup(run, file);
  fa->flags &= (uint8_t)~FSI_AF_DIRTY;
  ft_check(run);

  fsi_release_isolated(run, ih);
  FsiHandle all[] = {anon, anon2, pinned_anon, pinned_file, file, slab};
  for (guint i = 0; i < G_N_ELEMENTS(all); i++) fsi_run_free_handle(run, all[i]);
  ft_check(run);
}

static void test_migrate_away(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  FsiHandle h0 = alloc_kind(run, FS_KIND_ANON, 0, false);
  FsiHandle thp = alloc_kind(run, FS_KIND_THP, 9, false);
  g_assert_true(fsi_alloc_migratable(run, fsi_run_lookup(run, h0)));
  uint64_t p0 = ft_pfn_of(run, h0), pt = ft_pfn_of(run, thp);
  uint64_t free_before = total_free(run);

  g_assert_cmpint(fsi_migrate_away(run, p0), ==, FS_MIGRATE_OK);
  ft_check(run);
  g_assert_cmpuint(ft_pfn_of(run, h0), !=, p0);
  g_assert_false(run->mem.pages[p0].flags & FSI_PG_ALLOC);
  g_assert_cmpint(fsi_migrate_away(run, pt), ==, FS_MIGRATE_OK);
  ft_check(run);
  g_assert_cmpuint(ft_pfn_of(run, thp), !=, pt);
  g_assert_cmpuint(ft_pfn_of(run, thp) & (PB - 1), ==, 0);
  g_assert_cmpuint(total_free(run), ==, free_before);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, 1 + PB);
  g_assert_cmpint(fsi_migrate_away(run, p0), ==, FS_MIGRATE_ENOTHEAD); /* nothing there now */

  fsi_run_free_handle(run, h0);
  fsi_run_free_handle(run, thp);
  ft_check(run);
  assert_like_boot(fx);
}

/* ---- alloc_contig_range ---------------------------------------------------------------- */

/* Every page of [start, end) belongs to a CONTIG chunk of the handle's chain. */
static void assert_contig(FsiRun *run, FsiHandle h, uint64_t start, uint64_t end) {
  FsiAlloc *first = fsi_run_lookup(run, h);
  g_assert_nonnull(first);
  g_assert_cmpuint(first->pfn, ==, start);
  uint64_t covered = 0, expect = start;
  for (uint32_t id = (uint32_t)(h & 0xffffffffu); id != FSI_NIL; id = run->allocs[id].lru_next) {
    FsiAlloc *a = &run->allocs[id];
    g_assert_cmpuint(a->flags, ==, FSI_AF_LIVE | FSI_AF_RESIDENT | FSI_AF_CONTIG);
    g_assert_cmpuint(a->kind, ==, FS_KIND_DEVICE);
    g_assert_cmpuint(a->lru, ==, FSI_LRU_NONE);
    g_assert_cmpuint(a->task, ==, 1);
    g_assert_cmpuint(a->pfn, ==, expect);
    g_assert_cmpuint(a->pfn & (((uint64_t)1 << a->order) - 1), ==, 0);
    expect += (uint64_t)1 << a->order;
    covered += (uint64_t)1 << a->order;
  }
  g_assert_cmpuint(covered, ==, end - start);
  for (uint64_t p = start; p < end; p++) {
    const FsiPage *pg = &run->mem.pages[p];
    g_assert_true(pg->flags & FSI_PG_ALLOC);
    g_assert_true(run->allocs[pg->alloc].flags & FSI_AF_CONTIG);
  }
}

static void contig_case(Fx *fx, uint64_t start, uint64_t nr) {
  FsiRun *run = fx->run;
  populate(fx);
  uint64_t end = start + nr;
  uint32_t moving = live_in(fx, start, end);
  g_assert_cmpuint(moving, >, 0);
  uint64_t free_before = total_free(run);
  FsiHandle h = FSI_HANDLE_NONE;
  run->charged_ns = 0;

  g_assert_cmpint(fsi_alloc_contig_range(run, start, nr, FS_MIGRATE_MOVABLE, 1, &h), ==, 0);
  ft_check(run);
  assert_contig(run, h, start, end);
  assert_no_isolation(run);
  g_assert_cmpuint(live_in(fx, start, end), ==, 0); /* every owner's handle followed its page out */
  g_assert_cmpuint(total_free(run), ==, free_before - nr);
  g_assert_cmpuint(fsi_get_pageblock_mt(&run->mem, start), ==, FS_MIGRATE_UNMOVABLE);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_contig_success], ==, 1);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, moving);
  /* the fixed part (page_isolation.c; docs/model.md) plus, per page moved
   * (order 0: one folio each), its isolation and its migration's unmap,
   * copy and remap */
  uint64_t pbn = run->mem.pageblock_nr_pages;
  uint64_t nb = (((end + pbn - 1) & ~(pbn - 1)) - (start & ~(pbn - 1))) / pbn;
  uint64_t fixed = nb * pbn * run->cost.pfn_walk + 2 * nb * run->cost.pageblock_move +
                   2 * run->ncpus * run->cost.drain_cpu + run->cost.rcu_expedited + 2 * nr * run->cost.pfn_walk;
  g_assert_cmpuint(fixed, >, 0);
  g_assert_cmpuint(run->charged_ns, ==,
                   fixed + moving * ((uint64_t)fsi_config_int(run->cfg, "cost", "migrate_ns") + run->cost.migrate_unmap +
                                     run->cost.migrate_remap + run->cost.isolate_page));
  /* pages just outside the range are not part of it */
  if (start > 0 && (run->mem.pages[start - 1].flags & FSI_PG_ALLOC))
    g_assert_false(run->allocs[run->mem.pages[start - 1].alloc].flags & FSI_AF_CONTIG);
  if (run->mem.pages[end].flags & FSI_PG_ALLOC)
    g_assert_false(run->allocs[run->mem.pages[end].alloc].flags & FSI_AF_CONTIG);

  fsi_free_contig_range(run, h);
  ft_check(run);
  g_assert_null(fsi_run_lookup(run, h));
  g_assert_cmpuint(total_free(run), ==, free_before);
  free_all(fx);
  assert_like_boot(fx);
}

static void test_contig_pageblock(Fx *fx, gconstpointer data) {
  (void)data;
  contig_case(fx, RANGE, PB);
}

static void test_contig_unaligned(Fx *fx, gconstpointer data) {
  (void)data;
  contig_case(fx, RANGE + 4, 300); /* inside one pageblock */
}

static void test_contig_two_blocks(Fx *fx, gconstpointer data) {
  (void)data;
  contig_case(fx, RANGE + 400, 300); /* straddles the pageblock edge at 4608 */
}

/* A pinned page: isolation succeeds, migration of its cluster fails five
 * times, and everything is undone. */
static void test_contig_pinned(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  populate(fx);
  fsi_run_free_handle(run, fx->small[100]);
  fx->small[100] = alloc_kind(run, FS_KIND_ANON, 0, true);
  uint64_t pp = ft_pfn_of(run, fx->small[100]);
  g_assert_cmpuint(pp, ==, RANGE + 100);
  uint64_t free_before = total_free(run);
  FsiHandle h = 42;

  g_assert_cmpint(fsi_alloc_contig_range(run, RANGE, PB, FS_MIGRATE_MOVABLE, 1, &h), ==, -FS_EBUSY);
  ft_check(run);
  g_assert_cmpuint(h, ==, 42); /* untouched on failure */
  assert_no_isolation(run);
  g_assert_cmpuint(fsi_get_pageblock_mt(&run->mem, RANGE), ==, FS_MIGRATE_UNMOVABLE);
  g_assert_cmpuint(ft_pfn_of(run, fx->small[100]), ==, pp);
  g_assert_cmpuint(total_free(run), ==, free_before); /* migrations are free-neutral */
  g_assert_cmpuint(run->stats.c[FSI_C_fs_contig_fail], ==, 1);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_contig_success], ==, 0);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_fail], ==, 5);

  free_all(fx);
  assert_like_boot(fx);
}

/* An unmovable page makes the pageblock unisolatable for a non-CMA caller:
 * nothing moves and nothing changes. */
static void test_contig_unmovable(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  populate(fx);
  fsi_run_free_handle(run, fx->small[304]);
  fx->small[304] = alloc_kind(run, FS_KIND_SLAB_UNMOVABLE, 0, false);
  g_assert_cmpuint(ft_pfn_of(run, fx->small[304]), ==, RANGE + 304);
  uint64_t before[FS_MAX_ZONES][FS_NR_ORDERS], after[FS_MAX_ZONES][FS_NR_ORDERS];
  snapshot(run, before);
  FsiHandle h = FSI_HANDLE_NONE;

  g_assert_cmpint(fsi_alloc_contig_range(run, RANGE + 8, 16, FS_MIGRATE_MOVABLE, 1, &h), ==, -FS_EBUSY);
  ft_check(run);
  snapshot(run, after);
  g_assert_cmpmem(before, sizeof before, after, sizeof after);
  assert_no_isolation(run);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, 0);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_contig_fail], ==, 1);
  /* the next pageblock is clean */
  g_assert_cmpint(fsi_alloc_contig_range(run, RANGE + PB, 16, FS_MIGRATE_MOVABLE, 1, &h), ==, 0);
  ft_check(run);
  fsi_free_contig_range(run, h);
  free_all(fx);
  assert_like_boot(fx);
}

/* 6.1's has_unmovable_pages: a CMA block is isolatable only by a CMA
 * caller, and then even unmovable pages pass isolation (and fail later). */
static void test_contig_cma(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  FsiMem *m = &run->mem;
  populate(fx);
  /* vanilla never allocates from CMA lists: place the pages, then retype */
  fsi_run_free_handle(run, fx->small[52]);
  fx->small[52] = alloc_kind(run, FS_KIND_SLAB_UNMOVABLE, 0, false);
  g_assert_cmpuint(ft_pfn_of(run, fx->small[52]), ==, RANGE + 52);
  uint32_t moving = live_in(fx, RANGE, RANGE + PB) - 1; /* all but the slab page */
  fsi_set_pageblock_mt(m, RANGE, FS_MIGRATE_CMA);
  g_assert_true(fsi_move_freepages_block(m, RANGE, FS_MIGRATE_CMA, NULL, NULL));
  ft_check(run);
  FsiHandle h = FSI_HANDLE_NONE;

  g_assert_cmpint(fsi_alloc_contig_range(run, RANGE, PB, FS_MIGRATE_MOVABLE, 1, &h), ==, -FS_EBUSY);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, 0);
  g_assert_cmpint(fsi_alloc_contig_range(run, RANGE, PB, FS_MIGRATE_CMA, 1, &h), ==, -FS_EBUSY);
  ft_check(run);
  assert_no_isolation(run);
  g_assert_cmpuint(fsi_get_pageblock_mt(m, RANGE), ==, FS_MIGRATE_CMA);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, moving); /* the movable ones left */
  g_assert_cmpuint(ft_pfn_of(run, fx->small[52]), ==, RANGE + 52);
  g_assert_cmpuint(h, ==, FSI_HANDLE_NONE);

  fsi_run_free_handle(run, fx->small[52]);
  fx->small[52] = FSI_HANDLE_NONE;
  g_assert_cmpuint(m->zones[FS_ZONE_DMA32].nr_free_cma, ==, PB);
  g_assert_cmpint(fsi_alloc_contig_range(run, RANGE, PB, FS_MIGRATE_CMA, 1, &h), ==, 0);
  ft_check(run);
  assert_contig(run, h, RANGE, RANGE + PB);
  g_assert_cmpuint(fsi_get_pageblock_mt(m, RANGE), ==, FS_MIGRATE_CMA);
  g_assert_cmpuint(m->zones[FS_ZONE_DMA32].nr_free_cma, ==, 0);
  fsi_free_contig_range(run, h);
  ft_check(run);
  g_assert_cmpuint(m->zones[FS_ZONE_DMA32].nr_free_cma, ==, PB);
  free_all(fx);
}

static void test_contig_enomem(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  populate(fx);
  uint64_t saved[FS_MAX_ZONES];
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) {
    saved[z] = run->mem.zones[z].wmark[FSI_WMARK_MIN];
    run->mem.zones[z].wmark[FSI_WMARK_MIN] = run->mem.zones[z].managed_pages; /* no target passes */
  }
  FsiHandle h = FSI_HANDLE_NONE;
  g_assert_cmpint(fsi_alloc_contig_range(run, RANGE, PB, FS_MIGRATE_MOVABLE, 1, &h), ==, -FS_ENOMEM);
  ft_check(run);
  assert_no_isolation(run);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_contig_fail], ==, 1);
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) run->mem.zones[z].wmark[FSI_WMARK_MIN] = saved[z];
  free_all(fx);
  assert_like_boot(fx);
}

static void test_contig_bad_range(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  FsiHandle h = FSI_HANDLE_NONE;
  /* reserved pages (firmware, memmap), zone-crossing, empty, beyond memory */
  g_assert_cmpint(fsi_alloc_contig_range(run, 256, 16, FS_MIGRATE_MOVABLE, 1, &h), ==, -FS_EBUSY);
  g_assert_cmpint(fsi_alloc_contig_range(run, 15872, 16, FS_MIGRATE_MOVABLE, 1, &h), ==, -FS_EBUSY);
  g_assert_cmpint(fsi_alloc_contig_range(run, 4000, 200, FS_MIGRATE_MOVABLE, 1, &h), ==, -FS_EBUSY);
  g_assert_cmpint(fsi_alloc_contig_range(run, RANGE, 0, FS_MIGRATE_MOVABLE, 1, &h), ==, -FS_EBUSY);
  g_assert_cmpint(fsi_alloc_contig_range(run, 16380, 100, FS_MIGRATE_MOVABLE, 1, &h), ==, -FS_EBUSY);
  g_assert_cmpuint(h, ==, FSI_HANDLE_NONE);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_contig_fail], ==, 5);
  ft_check(run);
  assert_no_isolation(run);
  assert_like_boot(fx);
  /* a whole max-order block in one piece */
  g_assert_cmpint(fsi_alloc_contig_range(run, 8192, 1024, FS_MIGRATE_MOVABLE, 1, &h), ==, 0);
  ft_check(run);
  g_assert_cmpuint(fsi_run_lookup(run, h)->order, ==, 10);
  g_assert_cmpuint(fsi_run_lookup(run, h)->lru_next, ==, FSI_NIL);
  fsi_free_contig_range(run, h);
  ft_check(run);
  assert_like_boot(fx);
}

/* On an idle machine each pageblock is half of a free max-order block: the
 * isolation splits it at the pageblock edge and the undo merges it back. */
static void test_split_max_order_block(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  FsiMem *m = &run->mem;
  g_assert_true(m->pages[8192].flags & FSI_PG_BUDDY);
  g_assert_cmpuint(m->pages[8192].order, ==, 10);
  FsiHandle h = FSI_HANDLE_NONE;
  g_assert_cmpint(fsi_alloc_contig_range(run, 8192 + 40, 16, FS_MIGRATE_MOVABLE, 1, &h), ==, 0);
  ft_check(run);
  assert_contig(run, h, 8192 + 40, 8192 + 56);
  assert_no_isolation(run);
  g_assert_cmpuint(total_free(run), ==, fx->boot_free - 16);
  g_assert_true(m->pages[8704].flags & FSI_PG_BUDDY); /* the untouched half */
  g_assert_cmpuint(m->pages[8704].order, ==, 9);
  fsi_free_contig_range(run, h);
  ft_check(run);
  assert_like_boot(fx);

  g_assert_cmpint(fsi_offline_pages(run, 8704, PB), ==, 0); /* the upper half */
  ft_check(run);
  g_assert_true(m->pages[8192].flags & FSI_PG_BUDDY);
  g_assert_cmpuint(m->pages[8192].order, ==, 9);
  g_assert_cmpint(fsi_online_pages(run, 8704, PB), ==, 0);
  ft_check(run);
  assert_like_boot(fx);
}

/* ---- memory offline / online ------------------------------------------------------------ */

static void test_offline_online(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  FsiMem *m = &run->mem;
  FsiZone *z = &m->zones[FS_ZONE_DMA32];
  populate(fx);
  uint32_t moving = live_in(fx, RANGE, RANGE + PB);
  uint64_t present0 = z->present_pages, managed0 = z->managed_pages, min_kb0 = m->min_free_kbytes;
  uint64_t free_before = total_free(run);

  g_assert_cmpint(fsi_offline_pages(run, RANGE, PB), ==, 0);
  ft_check(run);
  assert_no_isolation(run);
  g_assert_cmpuint(z->present_pages, ==, present0 - PB);
  g_assert_cmpuint(z->managed_pages, ==, managed0 - PB);
  g_assert_cmpuint(total_free(run), ==, free_before - PB);
  g_assert_cmpuint(live_in(fx, RANGE, RANGE + PB), ==, 0);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, moving);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_offline_success], ==, 1);
  for (uint64_t p = RANGE; p < RANGE + PB; p++) g_assert_true(m->pages[p].flags & FSI_PG_RESERVED);
  g_assert_cmpuint(fsi_pageblock(m, RANGE)->nr_reserved, ==, PB);
  /* watermarks recomputed from the new managed counts */
  g_assert_cmpuint(m->min_free_kbytes, <, min_kb0);
  uint64_t lowmem = 0;
  for (uint32_t i = 0; i < m->nr_zones; i++) lowmem += m->zones[i].managed_pages;
  g_assert_cmpuint(z->wmark[FSI_WMARK_MIN], ==, (m->min_free_kbytes / 4) * z->managed_pages / lowmem);

  /* offline pages are reserved: offlining them again is refused */
  g_assert_cmpint(fsi_offline_pages(run, RANGE, PB), ==, -FS_EBUSY);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_offline_fail], ==, 1);
  /* only offline pages can be onlined */
  g_assert_cmpint(fsi_online_pages(run, RANGE + PB, PB), ==, -FS_EBUSY);
  g_assert_cmpint(fsi_online_pages(run, 15872, PB), ==, -FS_EBUSY); /* the memmap */
  g_assert_cmpint(fsi_online_pages(run, RANGE, PB / 2), ==, -FS_EBUSY); /* not a pageblock */

  g_assert_cmpint(fsi_online_pages(run, RANGE, PB), ==, 0);
  ft_check(run);
  g_assert_cmpuint(z->present_pages, ==, present0);
  g_assert_cmpuint(z->managed_pages, ==, managed0);
  g_assert_cmpuint(total_free(run), ==, free_before);
  g_assert_cmpuint(fsi_pageblock(m, RANGE)->nr_reserved, ==, 0);
  g_assert_cmpuint(fsi_get_pageblock_mt(m, RANGE), ==, FS_MIGRATE_UNMOVABLE);
  g_assert_cmpint(fsi_online_pages(run, RANGE, PB), ==, -FS_EBUSY); /* already online */
  free_all(fx);
  assert_like_boot(fx);
}

static void test_offline_refused(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  FsiMem *m = &run->mem;
  FsiZone *z = &m->zones[FS_ZONE_DMA32];
  populate(fx);
  uint64_t present0 = z->present_pages, managed0 = z->managed_pages;

  /* an unmovable page: the block cannot be isolated, nothing changes */
  fsi_run_free_handle(run, fx->small[34]);
  fx->small[34] = alloc_kind(run, FS_KIND_PAGETABLE, 0, false);
  g_assert_cmpuint(ft_pfn_of(run, fx->small[34]), ==, RANGE + 34);
  uint64_t before[FS_MAX_ZONES][FS_NR_ORDERS], after[FS_MAX_ZONES][FS_NR_ORDERS];
  snapshot(run, before);
  g_assert_cmpint(fsi_offline_pages(run, RANGE, PB), ==, -FS_EBUSY);
  ft_check(run);
  snapshot(run, after);
  g_assert_cmpmem(before, sizeof before, after, sizeof after);
  g_assert_cmpuint(run->stats.c[FSI_C_pgmigrate_success], ==, 0);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_offline_fail], ==, 1);
  fsi_run_free_handle(run, fx->small[34]);
  fx->small[34] = FSI_HANDLE_NONE;

  /* a pinned page: migration keeps failing, the isolation is undone */
  fsi_run_free_handle(run, fx->small[64]);
  fx->small[64] = alloc_kind(run, FS_KIND_ANON, 0, true);
  uint64_t pp = ft_pfn_of(run, fx->small[64]);
  g_assert_cmpuint(pp >> 9, ==, RANGE >> 9);
  g_assert_cmpint(fsi_offline_pages(run, RANGE, PB), ==, -FS_EBUSY);
  ft_check(run);
  assert_no_isolation(run);
  g_assert_cmpuint(ft_pfn_of(run, fx->small[64]), ==, pp);
  g_assert_cmpuint(z->present_pages, ==, present0);
  g_assert_cmpuint(z->managed_pages, ==, managed0);
  g_assert_cmpuint(fsi_get_pageblock_mt(m, RANGE), ==, FS_MIGRATE_UNMOVABLE);
  g_assert_cmpuint(run->stats.c[FSI_C_fs_offline_fail], ==, 2);

  /* reserved pages, unaligned and zone-crossing ranges */
  g_assert_cmpint(fsi_offline_pages(run, 0, PB), ==, -FS_EBUSY);
  g_assert_cmpint(fsi_offline_pages(run, RANGE + 1, PB), ==, -FS_EBUSY);
  g_assert_cmpint(fsi_offline_pages(run, RANGE - PB, 2 * PB), ==, -FS_EBUSY);
  ft_check(run);
  assert_no_isolation(run);
  free_all(fx);
  assert_like_boot(fx);
}

/* With pcp lists on, pages of the range cached on them are drained into
 * the isolated blocks; everything still comes back. */
static void test_contig_offline_pcp(Fx *fx, gconstpointer data) {
  (void)data;
  FsiRun *run = fx->run;
  fx->filler[0] = alloc_kind(run, FS_KIND_ANON, 9, false);
  fx->filler[1] = alloc_kind(run, FS_KIND_ANON, 8, false);
  for (uint32_t i = 0; i < NSMALL; i++) fx->small[i] = alloc_kind(run, FS_KIND_ANON, 0, false);
  for (uint32_t i = 0; i < NSMALL; i += 3) {
    fsi_run_free_handle(run, fx->small[i]);
    fx->small[i] = FSI_HANDLE_NONE;
    ft_check(run);
  }
  uint64_t start = ft_pfn_of(run, fx->small[1]) & ~(uint64_t)(PB - 1);
  FsiHandle h = FSI_HANDLE_NONE;
  g_assert_cmpint(fsi_alloc_contig_range(run, start + 10, 700, FS_MIGRATE_MOVABLE, 1, &h), ==, 0);
  ft_check(run);
  assert_contig(run, h, start + 10, start + 710);
  assert_no_isolation(run);
  g_assert_cmpint(fsi_offline_pages(run, start + 2 * PB, PB), ==, 0);
  ft_check(run);
  g_assert_cmpint(fsi_online_pages(run, start + 2 * PB, PB), ==, 0);
  ft_check(run);
  fsi_free_contig_range(run, h);
  ft_check(run);
  free_all(fx);
  assert_like_boot(fx);
}

/* The same operations on two runs leave identical page frames. */
static void test_deterministic(Fx *fx, gconstpointer data) {
  Fx other;
  fx_setup(&other, data);
  Fx *runs[2] = {fx, &other};
  for (int i = 0; i < 2; i++) {
    FsiHandle h = FSI_HANDLE_NONE;
    populate(runs[i]);
    g_assert_cmpint(fsi_alloc_contig_range(runs[i]->run, RANGE + 100, 700, FS_MIGRATE_MOVABLE, 1, &h), ==, 0);
    g_assert_cmpint(fsi_offline_pages(runs[i]->run, RANGE + 2 * PB, PB), ==, 0);
    ft_check(runs[i]->run);
  }
  g_assert_cmpmem(fx->run->mem.pages, fx->run->mem.nr_pages * sizeof(FsiPage), other.run->mem.pages,
                  other.run->mem.nr_pages * sizeof(FsiPage));
  fx_teardown(&other, data);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
  ADD("/migrate/isolate/round-trip", test_isolate_round_trip);
  ADD("/migrate/page/handle-follows", test_migrate_page_handle_follows);
  ADD("/migrate/page/pinned-and-unmovable", test_migrate_page_refused);
  ADD("/migrate/page/isolate-and-fail", test_isolate_migratable);
  ADD("/migrate/away", test_migrate_away);
  ADD("/migrate/contig/pageblock", test_contig_pageblock);
  ADD("/migrate/contig/unaligned", test_contig_unaligned);
  ADD("/migrate/contig/across-pageblock-edge", test_contig_two_blocks);
  ADD("/migrate/contig/pinned", test_contig_pinned);
  ADD("/migrate/contig/unmovable", test_contig_unmovable);
  ADD("/migrate/contig/cma", test_contig_cma);
  ADD("/migrate/contig/enomem", test_contig_enomem);
  ADD("/migrate/contig/bad-range", test_contig_bad_range);
  ADD("/migrate/contig/split-max-order-block", test_split_max_order_block);
  ADD("/migrate/offline/online", test_offline_online);
  ADD("/migrate/offline/refused", test_offline_refused);
  ADD("/migrate/deterministic", test_deterministic);
  g_test_add("/migrate/pcp/contig-and-offline", Fx, "pcp", fx_setup, test_contig_offline_pcp, fx_teardown);
#undef ADD
  return g_test_run();
}
