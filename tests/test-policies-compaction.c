/* The compaction-family policies: compaction (direct compaction), kcompactd
 * (background and proactive compaction), lumpy (lumpy reclaim) and cma (the
 * contiguous memory allocator).
 *
 * Decision tests drive a 64 MiB machine in-process with no workload: the
 * test fragments memory (fill it with base pages, hide what is left free by
 * isolating it, free a pattern of the pages), makes one request or calls
 * one hook, and checks what the policy did.  The invariants are checked
 * after every step.
 *
 * Effect tests run a workload preset through fsi_run_one with and without
 * the policy, on seeds 1-3 (in threads, ft_effect), and assert the effect
 * the kernel mechanism is known for: each mean within a band around what
 * was measured (the values and the reason for each band's width are in the
 * test's comment; --verbose prints them), and the effect's size.
 */
#include <math.h>
#include <string.h>

#include "engine/mm/memory_hotplug.h"
#include "engine/mm/migrate.h"
#include "engine/mm/page_isolation.h"
#include "engine/run.h"
#include "cli/runner.h"
#include "helpers.h"
#include "policies/common/compact-core.h"

#define PB 512u
#define ZONE FS_ZONE_DMA32 /* with machine.dma_limit=0 the only zone */

static inline uint64_t pb_of(uint64_t pfn) { return pfn / PB; }

/* ---- scaffolding ----------------------------------------------------------------- */

typedef struct {
  FsiRun *run;
  GArray *handles; /* FsiHandle of the base pages fill() allocated */
} Fx;

/* A run of `stack` with no workload on 64M in one zone (DMA32) and no
 * per-CPU lists; sets come after those defaults. */
static void fx_open(Fx *fx, const char *stack, const char *const *sets) {
  const char *base[] = {"machine.memory=64M", "machine.dma_limit=0", "vm.pcp=false", "sim.duration=60s", NULL};
  fx->run = ft_run_new(stack, base, sets);
  fx->handles = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
}

static void fx_close(Fx *fx) {
  g_array_free(fx->handles, TRUE);
  ft_run_free(fx->run);
}

/* A migratetype+compaction fixture with compaction.era=era; true for 2.6.35. */
static bool era_open(Fx *fx, const char *era) {
  g_autofree char *set = g_strdup_printf("compaction.era=%s", era);
  const char *sets[] = {set, NULL};
  fx_open(fx, "migratetype+compaction", sets);
  return !strcmp(era, "2.6.35");
}

static FsiAllocResult alloc_req(FsiRun *run, uint32_t order, uint32_t kind, uint32_t gfp, bool pinned) {
  FsiRequest rq = {order, kind, gfp, 1, pinned, false, false, false};
  FsiAllocResult r = fsi_run_alloc(run, &rq);
  ft_check(run);
  return r;
}

/* Fills memory with order-0 pages of kind (no reclaim, no kswapd) until an
 * allocation fails, then hides what is still free by isolating it: from
 * here the only free memory is what the test frees.  First the pageblocks
 * next to reserved memory (firmware below, the memmap on top; the only
 * ones with free blocks below pageblock order after boot, which the
 * allocator takes first) get zsmalloc pages (movable, never on an LRU), so
 * the LRU's oldest pages (where reclaim takes its tag pages) are in a block
 * with no reserved page. */
static void fill(Fx *fx, uint32_t kind, bool pinned) {
  FsiRun *run = fx->run;
  uint32_t gfp = fsi_kind_gfp(kind) & ~FS_GFP_RECLAIM;
  for (;;) {
    bool small = false;
    for (uint32_t o = 0; o < 9; o++) small |= run->mem.zones[ZONE].free_area[o].nr_free > 0;
    if (!small) break;
    FsiRequest rq = {0, FS_KIND_ZSMALLOC, fsi_kind_gfp(FS_KIND_ZSMALLOC) & ~FS_GFP_RECLAIM, 0, false, false, false, false};
    g_assert_cmpuint(fsi_run_alloc(run, &rq).handle, !=, 0);
  }
  for (;;) {
    FsiRequest rq = {0, kind, gfp, 0, pinned, false, false, false};
    FsiAllocResult r = fsi_run_alloc(run, &rq);
    if (!r.handle) break;
    g_array_append_val(fx->handles, r.handle);
  }
  FsiMem *m = &run->mem;
  for (uint64_t pfn = 0; pfn < m->nr_pages; pfn++)
    if (m->pages[pfn].flags & FSI_PG_BUDDY) g_assert_true(fsi_isolate_free_block(run, pfn, false));
  g_assert_cmpuint(m->zones[ZONE].nr_free_pages, ==, 0);
  ft_check(run);
}

/* Gives back what fill() hid. */
static void unhide(Fx *fx) {
  FsiMem *m = &fx->run->mem;
  for (uint64_t pfn = 0; pfn < m->nr_pages; pfn++)
    if (m->pages[pfn].flags & FSI_PG_ISOLATED) fsi_release_isolated(fx->run, pfn);
  ft_check(fx->run);
}

/* Frees every filled page whose pfn is not a multiple of keep_every: the
 * gupta pattern (keep_every 4: 3/4 of every pageblock free, in blocks of
 * order 0 and 1). */
static void fragment(Fx *fx, uint32_t keep_every) {
  for (guint i = 0; i < fx->handles->len; i++) {
    FsiHandle *h = &g_array_index(fx->handles, FsiHandle, i);
    if (*h && ft_pfn_of(fx->run, *h) % keep_every) {
      fsi_run_free_handle(fx->run, *h);
      *h = FSI_HANDLE_NONE;
    }
  }
  ft_check(fx->run);
}

static uint64_t free_blocks_at_least(FsiRun *run, uint32_t order) {
  uint64_t n = 0;
  for (uint32_t o = order; o <= run->mem.max_order; o++) n += run->mem.zones[ZONE].free_area[o].nr_free << (o - order);
  return n;
}

static int zone_extfrag(FsiRun *run) {
  uint64_t nr_free[FS_NR_ORDERS];
  fsi_zone_nr_free(&run->mem, ZONE, nr_free);
  return fsi_extfrag_for_order(nr_free, run->mem.max_order, run->mem.pageblock_order);
}

/* Calls the compaction policy's slow-path hook directly at a priority, as
 * the engine's compaction stage would; a captured block goes straight back. */
static FsStageResult compact_stage(FsiRun *run, uint32_t order, uint32_t mt, int prio) {
  FsiSlot *s = ft_slot(run, "compaction");
  FsAllocRequest req = {.order = order,
                        .gfp = FS_GFP_TRANSHUGE,
                        .alloc_flags = FS_ALLOC_WMARK_MIN,
                        .migratetype = mt,
                        .highest_zoneidx = ZONE,
                        .kind = FS_KIND_THP,
                        .task = 1,
                        .compact_priority = prio};
  uint64_t pfn = FS_PFN_NONE;
  run->ntaken = 0;
  run->compact_result = -1;
  FsStageResult r = s->policy->ops.slowpath_stage(s->state, FS_STAGE_COMPACT, &req, &pfn);
  if (r == FS_STAGE_CAPTURED) fsi_free_one_page(&run->mem, pfn, order, fsi_get_pageblock_mt(&run->mem, pfn), NULL);
  ft_check(run);
  return r;
}

static uint32_t thp_gfp(void) { return FS_GFP_TRANSHUGE; }

/* ---- compaction ---------------------------------------------------------------------- */

/* 3/4 of memory free in order-0 and order-1 blocks: a huge page needs
 * compaction.  With it, async compaction at the early stage migrates a
 * pageblock's movable pages out and hands the block to the request
 * (capture); without it the request fails (nothing is reclaimable). */
static void test_compaction_capture(gconstpointer data) {
  const char *stack = data;
  for (int with = 0; with < 2; with++) {
    Fx fx;
    char *spec = g_strdup_printf("%s%s", stack, with ? "+compaction" : "");
    fx_open(&fx, spec, NULL);
    fill(&fx, FS_KIND_ANON, false);
    fragment(&fx, 4);
    g_assert_cmpuint(free_blocks_at_least(fx.run, 2), ==, 0);
    FsiAllocResult r = alloc_req(fx.run, 9, FS_KIND_THP, thp_gfp(), false);
    if (!with) {
      g_assert_cmpuint(r.handle, ==, FSI_HANDLE_NONE);
    } else {
      g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
      g_assert_cmpint(r.via, ==, FSI_VIA_EARLY_COMPACT);
      g_assert_cmpint(ft_counter(fx.run, "compaction.compact_captured"), ==, 1);
      g_assert_cmpint(ft_counter(fx.run, "compaction.compact_success"), ==, 1);
      g_assert_cmpint(ft_counter(fx.run, "compaction.compact_stall"), ==, 1);
      g_assert_cmpuint(fx.run->stats.c[FSI_C_pgmigrate_success], >=, PB / 4 - 8);
      g_assert_cmpint(ft_counter(fx.run, "compaction.compact_migrate_scanned"), >=, PB / 2);
      g_assert_cmpint(ft_counter(fx.run, "compaction.compact_free_scanned"), >, 0);
      /* the unused targets went back: everything isolated is accounted for */
      g_assert_cmpint(ft_counter(fx.run, "compaction.compact_isolated"), >=,
                      (int64_t)fx.run->stats.c[FSI_C_pgmigrate_success]);
      g_assert_cmpuint(r.latency_ns, >, fx.run->stats.c[FSI_C_pgmigrate_success] * 1000);
    }
    g_free(spec);
    fx_close(&fx);
  }
}

/* Pinned pages cannot move: every attempt fails, synchronous failures defer
 * compaction (2^k - 1 attempts skipped after k failures), the async run
 * never defers, and SYNC_FULL ignores the deferral. */
static void test_compaction_pinned_defer(void) {
  Fx fx;
  fx_open(&fx, "vanilla+compaction", NULL);
  fill(&fx, FS_KIND_ANON, true);
  fragment(&fx, 4);
  for (int i = 0; i < 6; i++) g_assert_cmpuint(alloc_req(fx.run, 9, FS_KIND_THP, thp_gfp(), false).handle, ==, 0);
  g_assert_cmpuint(fx.run->stats.c[FSI_C_pgmigrate_success], ==, 0);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_success"), ==, 0);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_fail"), >, 0);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_deferred"), >, 0);
  /* after the failures, skip bits are set on the blocks the scanners gave up on */
  uint64_t skipped = 0;
  for (uint64_t b = 0; b < fx.run->mem.nr_pages / PB; b++) skipped += fx.run->mem.blocks[b].skip ? 1 : 0;
  g_assert_cmpuint(skipped, >, 0);

  /* SYNC_LIGHT attempts hit the deferral sooner or later; SYNC_FULL never */
  int64_t deferred = ft_counter(fx.run, "compaction.compact_deferred");
  for (int i = 0; i < 64 && ft_counter(fx.run, "compaction.compact_deferred") == deferred; i++)
    compact_stage(fx.run, 9, FS_MIGRATE_UNMOVABLE, 1);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_deferred"), ==, deferred + 1);
  g_assert_cmpint(fx.run->compact_result, ==, FS_COMPACT_DEFERRED);
  deferred = ft_counter(fx.run, "compaction.compact_deferred");
  int64_t scanned = ft_counter(fx.run, "compaction.compact_migrate_scanned");
  g_assert_cmpint(compact_stage(fx.run, 9, FS_MIGRATE_UNMOVABLE, 0), !=, FS_STAGE_CAPTURED);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_deferred"), ==, deferred);
  /* whole zone, skip hints ignored: it scanned every block again (each
   * allocated pfn is one iteration, a free block one for all its pages) */
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_migrate_scanned") - scanned, >=,
                  (int64_t)(fx.run->mem.zones[ZONE].end_pfn - 2 * PB - fx.run->mem.zones[ZONE].nr_free_pages));
  g_assert_cmpint(fx.run->compact_result, ==, FS_COMPACT_COMPLETE);

  /* kswapd going to sleep clears the skip bits of a zone a direct
   * compaction finished (reset_isolation_suitable) */
  FsiSlot *s = ft_slot(fx.run, "compaction");
  s->policy->ops.kswapd_done(s->state, 0, ZONE);
  skipped = 0;
  for (uint64_t b = 0; b < fx.run->mem.nr_pages / PB; b++) skipped += fx.run->mem.blocks[b].skip ? 1 : 0;
  g_assert_cmpuint(skipped, ==, 0);
  fx_close(&fx);
}

/* Grouping by mobility: an unmovable order-2 request.  Async compaction
 * (the early stage) only takes pages from blocks of the request's own type
 * and there are only MOVABLE blocks, so it migrates nothing; the later
 * SYNC_LIGHT stage takes them from any block, and the request is served by
 * the fallback from the block compaction freed. */
static void test_compaction_async_same_type(void) {
  Fx fx;
  fx_open(&fx, "migratetype+compaction", NULL);
  fill(&fx, FS_KIND_ANON, false);
  fragment(&fx, 4);
  FsiAllocResult r = alloc_req(fx.run, 2, FS_KIND_KERNEL_STACK, FS_GFP_KERNEL & ~FS_GFP_KSWAPD_RECLAIM, false);
  g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
  g_assert_cmpint(r.via, ==, FSI_VIA_COMPACT);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_stall"), ==, 2);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_fail"), ==, 1);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_success"), ==, 1);
  g_assert_cmpuint(fx.run->stats.c[FSI_C_pgmigrate_success], >, 0);
  fx_close(&fx);
}

/* vm.direct_compact: the same unmovable order-2 request.  2.6.38 and later
 * try an asynchronous compaction first, which fails (same-type rule), and a
 * SYNC_LIGHT one after direct reclaim, which succeeds; 2.6.35 compacted
 * synchronously at the top of the loop, before any reclaim, and succeeds at
 * once: one stall, no failure, no direct reclaim. */
static void test_compaction_direct_compact(gconstpointer data) {
  const char *mode = data;
  g_autofree char *set = g_strdup_printf("vm.direct_compact=%s", mode);
  const char *sets[] = {set, NULL};
  Fx fx;
  fx_open(&fx, "migratetype+compaction", sets);
  fill(&fx, FS_KIND_ANON, false);
  fragment(&fx, 4);
  FsiAllocResult r = alloc_req(fx.run, 2, FS_KIND_KERNEL_STACK, FS_GFP_KERNEL & ~FS_GFP_KSWAPD_RECLAIM, false);
  g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
  g_assert_cmpint(r.via, ==, FSI_VIA_COMPACT);
  bool old = !strcmp(mode, "2.6.35");
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_stall"), ==, old ? 1 : 2);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_fail"), ==, old ? 0 : 1);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_success"), ==, 1);
  g_assert_cmpuint(fx.run->stats.c[FSI_C_allocstall_dma32], ==, old ? 0 : 1);
  fx_close(&fx);
}

/* compaction.era: 6.1 keeps the scanners' positions and the skip bits
 * between runs, so a run after a failed one starts where that one left the
 * zone and passes over the blocks it marked; 2.6.35 had neither, and every
 * run that is not deferred scans the zone from its two ends again.  Pinned
 * pages: every run fails after scanning the zone to its end, and defers the
 * next run in both eras.  Measured, pfns scanned by the first run and by
 * the third (the second is deferred): 6.1 12489 and 492, 2.6.35 12199 and
 * 11947. */
static void test_compaction_era(gconstpointer data) {
  const char *era = data;
  Fx fx;
  bool old = era_open(&fx, era);
  fill(&fx, FS_KIND_ANON, true);
  fragment(&fx, 4);
  int64_t s0 = ft_counter(fx.run, "compaction.compact_migrate_scanned");
  g_assert_cmpint(compact_stage(fx.run, 9, FS_MIGRATE_MOVABLE, 1), !=, FS_STAGE_CAPTURED);
  g_assert_cmpint(fx.run->compact_result, ==, FS_COMPACT_COMPLETE);
  int64_t first = ft_counter(fx.run, "compaction.compact_migrate_scanned") - s0;
  g_assert_cmpint(first, >, 0);
  compact_stage(fx.run, 9, FS_MIGRATE_MOVABLE, 1);
  g_assert_cmpint(fx.run->compact_result, ==, FS_COMPACT_DEFERRED);
  int64_t s1 = ft_counter(fx.run, "compaction.compact_migrate_scanned");
  compact_stage(fx.run, 9, FS_MIGRATE_MOVABLE, 1);
  int64_t third = ft_counter(fx.run, "compaction.compact_migrate_scanned") - s1;
  g_test_message("%s: migrate_scanned first %" G_GINT64_FORMAT ", third %" G_GINT64_FORMAT, era, first, third);
  if (old) {
    g_assert_cmpint(fx.run->compact_result, ==, FS_COMPACT_COMPLETE);
    /* not to the pfn: the first run's released targets merged differently,
     * and a free block is one step of the scanner whatever its order */
    g_assert_cmpint(third, >=, first * 9 / 10);
  } else {
    g_assert_cmpint(third, <, first / 2);
  }
  fx_close(&fx);
}

/* compaction.era: 2.6.35's try_to_compact_pages() left the "cheaper"
 * orders, up to PAGE_ALLOC_COSTLY_ORDER, to the page allocator (2.6.37 let
 * every order compact): an order-3 request neither stalls nor scans, where
 * 6.1 compacts for it.  Its deferral test still ran first, and before 3.4's
 * compact_order_failed it counted every order towards the preferred zone's
 * limit: after an order-9 run fails, 6.1 does not defer the order-3 request
 * (its order-3 success raised compact_order_failed to 4), 2.6.35 defers it
 * as it would an order-9 one.  And 2.6.35 counted a
 * COMPACTSTALL for every call past its order and gfp tests, even one every
 * zone skipped. */
static void test_compaction_era_costly(gconstpointer data) {
  Fx fx;
  bool old = era_open(&fx, data);
  fill(&fx, FS_KIND_ANON, true);
  /* a full zone: no room for the free scanner, every zone skipped; 2.6.35
   * counted the call a stall all the same, 6.1 does not */
  compact_stage(fx.run, 9, FS_MIGRATE_MOVABLE, 1);
  g_assert_cmpint(fx.run->compact_result, ==, FS_COMPACT_SKIPPED);
  int64_t stalls = ft_counter(fx.run, "compaction.compact_stall");
  g_assert_cmpint(stalls, ==, old ? 1 : 0);
  fragment(&fx, 4);
  compact_stage(fx.run, 3, FS_MIGRATE_MOVABLE, 1);
  g_assert_cmpint(fx.run->compact_result, ==, old ? FS_COMPACT_SKIPPED : FS_COMPACT_SUCCESS);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_stall"), ==, stalls + (old ? 0 : 1));
  int64_t scanned = ft_counter(fx.run, "compaction.compact_migrate_scanned");
  if (old)
    g_assert_cmpint(scanned, ==, 0);
  else
    g_assert_cmpint(scanned, >, 0);
  /* pinned pages: the order-9 run fails and defers the zone */
  compact_stage(fx.run, 9, FS_MIGRATE_MOVABLE, 1);
  g_assert_cmpint(fx.run->compact_result, ==, FS_COMPACT_COMPLETE);
  int64_t deferred = ft_counter(fx.run, "compaction.compact_deferred");
  compact_stage(fx.run, 3, FS_MIGRATE_MOVABLE, 1);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_deferred"), ==, deferred + (old ? 1 : 0));
  fx_close(&fx);
}

/* compaction.era: the deferral's order.  After an order-9 success (which
 * raises compact_order_failed to 10) and an order-9 failure (which lowers
 * it to 9 and defers the zone), 6.1 does not defer a request of a lower
 * order (3.4+: "compaction was successful at that order before"); 2.6.35
 * had no compact_order_failed and deferred it as any other.  The success:
 * movable pages, a quarter of them left, migrate; the failure: every block
 * isolated, so the free scanner finds no target. */
static void test_compaction_era_defer_order(gconstpointer data) {
  Fx fx;
  bool old = era_open(&fx, data);
  fill(&fx, FS_KIND_ANON, false);
  fragment(&fx, 4);
  compact_stage(fx.run, 9, FS_MIGRATE_MOVABLE, 1);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_success"), ==, 1);
  /* take what the success freed, then leave no target */
  FsiAllocResult r = alloc_req(fx.run, 9, FS_KIND_THP, FS_GFP_TRANSHUGE & ~FS_GFP_RECLAIM, true);
  g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
  FsiMem *m = &fx.run->mem;
  for (uint64_t p = m->zones[ZONE].start_pfn; p + PB <= m->zones[ZONE].end_pfn; p += PB)
    fsi_set_pageblock_mt(m, p, FS_MIGRATE_ISOLATE);
  compact_stage(fx.run, 9, FS_MIGRATE_MOVABLE, 1);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_fail"), ==, 1);
  int64_t deferred = ft_counter(fx.run, "compaction.compact_deferred");
  compact_stage(fx.run, 4, FS_MIGRATE_MOVABLE, 1);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_deferred"), ==, deferred + (old ? 1 : 0));
  fx_close(&fx);
}

/* __isolate_free_page(): a target of at least half a pageblock makes its
 * block MOVABLE (if it is a mergeable type).  A SYNC_FULL compaction takes
 * targets from any block: the blocks above one UNMOVABLE block B are made
 * ISOLATE (never targets), B's upper half is freed (an order-8 buddy) and
 * the blocks below it are fragmented, so the free scanner's first target
 * is B's half: B becomes MOVABLE; a smaller piece would leave it. */
static void test_compaction_target_retype(void) {
  /* the linear free scanner (the fast search reads only MOVABLE lists) */
  const char *sets[] = {"compaction.fast_search=false", NULL};
  Fx fx;
  fx_open(&fx, "migratetype+compaction", sets);
  fill(&fx, FS_KIND_ANON, false);
  FsiMem *m = &fx.run->mem;
  uint64_t zs = m->zones[ZONE].start_pfn, ze = m->zones[ZONE].end_pfn;
  uint64_t b = (zs + (ze - zs) / 2) & ~(uint64_t)(PB - 1);
  for (uint64_t p = b + PB; p + PB <= ze; p += PB) fsi_set_pageblock_mt(m, p, FS_MIGRATE_ISOLATE);
  fsi_set_pageblock_mt(m, b, FS_MIGRATE_UNMOVABLE);
  for (guint i = 0; i < fx.handles->len; i++) {
    FsiHandle *h = &g_array_index(fx.handles, FsiHandle, i);
    uint64_t pfn = ft_pfn_of(fx.run, *h);
    if ((pfn >= b + PB / 2 && pfn < b + PB) || (pfn < b && pfn % 4)) {
      fsi_run_free_handle(fx.run, *h);
      *h = FSI_HANDLE_NONE;
    }
  }
  ft_check(fx.run);
  g_assert_cmpint(fsi_get_pageblock_mt(m, b), ==, FS_MIGRATE_UNMOVABLE);
  compact_stage(fx.run, 9, FS_MIGRATE_MOVABLE, 0);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_isolated"), >, 0);
  g_assert_cmpint(fsi_get_pageblock_mt(m, b), ==, FS_MIGRATE_MOVABLE);
  fx_close(&fx);
}

/* compaction_suitable(): free memory only in order-8 blocks has a
 * fragmentation index below 500 (failure for lack of memory), so a huge page
 * request is not compacted; with extfrag_threshold 0 it is, and succeeds. */
static void test_compaction_fragindex(void) {
  for (int threshold0 = 0; threshold0 < 2; threshold0++) {
    Fx fx;
    const char *sets[] = {threshold0 ? "compaction.extfrag_threshold=0" : "compaction.extfrag_threshold=500", NULL};
    fx_open(&fx, "vanilla+compaction", sets);
    fill(&fx, FS_KIND_ANON, false);
    /* free the upper half of every pageblock */
    for (guint i = 0; i < fx.handles->len; i++) {
      FsiHandle *h = &g_array_index(fx.handles, FsiHandle, i);
      if (ft_pfn_of(fx.run, *h) % PB >= PB / 2) {
        fsi_run_free_handle(fx.run, *h);
        *h = FSI_HANDLE_NONE;
      }
    }
    ft_check(fx.run);
    uint64_t nr_free[FS_NR_ORDERS];
    fsi_zone_nr_free(&fx.run->mem, ZONE, nr_free);
    int fi = fsi_fragmentation_index(nr_free, fx.run->mem.max_order, 9);
    g_assert_cmpint(fi, >, 0);
    g_assert_cmpint(fi, <=, 500);
    FsiAllocResult r = alloc_req(fx.run, 9, FS_KIND_THP, thp_gfp(), false);
    if (!threshold0) {
      g_assert_cmpuint(r.handle, ==, FSI_HANDLE_NONE);
      g_assert_cmpint(ft_counter(fx.run, "compaction.compact_fragindex_skipped"), >, 0);
      g_assert_cmpint(ft_counter(fx.run, "compaction.compact_stall"), ==, 0);
      g_assert_cmpuint(fx.run->stats.c[FSI_C_pgmigrate_success], ==, 0);
    } else {
      g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
      g_assert_cmpint(ft_counter(fx.run, "compaction.compact_fragindex_skipped"), ==, 0);
    }
    fx_close(&fx);
  }
}

/* Too little free memory for the free scanner (the order-0 watermark plus
 * compact_gap): compaction is skipped, no stall is counted. */
static void test_compaction_skipped_low_memory(void) {
  Fx fx;
  fx_open(&fx, "vanilla+compaction", NULL);
  fill(&fx, FS_KIND_ANON, false);
  fragment(&fx, 2); /* half of the pages ... */
  /* ... then take most of them again: free drops below min + 2 << 9 */
  const FsiZone *z = &fx.run->mem.zones[ZONE];
  while (z->nr_free_pages > z->wmark[FSI_WMARK_MIN] + 600) {
    FsiRequest rq = {0, FS_KIND_PAGETABLE, FS_GFP_KERNEL & ~FS_GFP_RECLAIM, 0, false, false, false, false};
    g_assert_cmpuint(fsi_run_alloc(fx.run, &rq).handle, !=, 0);
  }
  FsiAllocResult r = alloc_req(fx.run, 9, FS_KIND_THP, thp_gfp(), false);
  g_assert_cmpuint(r.handle, ==, FSI_HANDLE_NONE);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_skipped"), >, 0);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_stall"), ==, 0);
  fx_close(&fx);
}

/* echo 1 > /proc/sys/vm/compact_memory: the whole zone, until the
 * scanners meet.  The pages in use (a quarter of every pageblock) end up
 * packed into as few pageblocks as they fill: every pageblock without
 * reserved memory that the packed pages do not need comes out free.
 * Measured (./build/tests/test-policies-compaction --verbose -p
 * /compaction/compact-memory): 4290 pages in use, 2 pageblocks with reserved
 * pages, 21 of 32 pageblocks free = the ideal 32 - 2 - ceil(4290/512);
 * 2944 pages migrated.  Asserted: exactly the ideal (a direct result of the
 * two scanners: the free scanner skipping every other pageblock left 17),
 * and migrations between the least possible (the 128 in-use pages of each
 * pageblock freed) and 10% over what was measured. */
static void test_compaction_compact_memory(void) {
  Fx fx;
  fx_open(&fx, "vanilla+compaction", NULL);
  fill(&fx, FS_KIND_ANON, false);
  fragment(&fx, 4);
  g_assert_cmpuint(free_blocks_at_least(fx.run, 9), ==, 0);
  FsiMem *m = &fx.run->mem;
  uint64_t used = 0, reserved_blocks = 0;
  for (uint64_t b = 0; b < m->nr_blocks; b++) {
    bool reserved = false;
    for (uint64_t p = b * PB; p < (b + 1) * PB; p++) {
      reserved |= (m->pages[p].flags & FSI_PG_RESERVED) != 0;
      used += (m->pages[p].flags & FSI_PG_ALLOC) != 0;
    }
    reserved_blocks += reserved;
  }
  uint64_t blocks = fx.run->mem.zones[ZONE].end_pfn / PB;
  uint64_t ideal = blocks - reserved_blocks - (used + PB - 1) / PB;
  fsi_run_compact_memory(fx.run);
  ft_check(fx.run);
  uint64_t free_blocks = free_blocks_at_least(fx.run, 9), migrated = fx.run->stats.c[FSI_C_pgmigrate_success];
  g_test_message("compact_memory: %" G_GUINT64_FORMAT " pages in use, %" G_GUINT64_FORMAT
                 " pageblocks with reserved pages; %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                 " pageblocks free (ideal %" G_GUINT64_FORMAT "), %" G_GUINT64_FORMAT " pages migrated",
                 used, reserved_blocks, free_blocks, blocks, ideal, migrated);
  g_assert_cmpuint(ideal, ==, 21);
  g_assert_cmpuint(free_blocks, ==, ideal);
  ft_assert_band("pages migrated", (double)migrated, (double)free_blocks * PB / 4, 2944 * 1.1);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_manual"), ==, 1);
  g_assert_cmpint(ft_counter(fx.run, "compaction.compact_stall"), ==, 0);
  fx_close(&fx);
}

/* The 5.1+ fast searches on a machine of MOVABLE blocks, each 3/4 free in
 * order-0 and order-1 pieces: one SYNC_LIGHT compaction for a MOVABLE
 * huge page, with and without them.  fast_find_migrateblock() looks at the
 * MOVABLE lists of orders 8..3 (all empty here: the search fails and counts
 * nothing), and fast_isolate_freepages() takes its targets from the order-0
 * and order-1 lists near the top of the zone instead of walking the top
 * pageblock pfn by pfn, one list search per target piece (async or not,
 * the pieces are order 0 and 1), so the free scanner counts list entries
 * looked at plus the pages taken.  Measured: free_scanned 896 (linear) ->
 * 3360 (fast), migrate_scanned 1021 -> 1792, 384 pages migrated either
 * way; the result does not change (both capture the block).  Asserted: the
 * same migration, and the fast searches covering more free pfns (the
 * kernel's free scanner covers several times fragsim's linear one). */
static void test_compaction_fast_search(void) {
  int64_t free_scanned[2], migrated[2];
  for (int fast = 0; fast < 2; fast++) {
    Fx fx;
    const char *sets[] = {"kcompactd.proactiveness=0", fast ? "compaction.fast_search=true" : "compaction.fast_search=false",
                          NULL};
    fx_open(&fx, "migratetype+compaction", sets);
    fill(&fx, FS_KIND_ANON, false);
    fragment(&fx, 4);
    g_assert_cmpint(compact_stage(fx.run, 9, FS_MIGRATE_MOVABLE, 1), ==, FS_STAGE_CAPTURED);
    free_scanned[fast] = ft_counter(fx.run, "compaction.compact_free_scanned");
    migrated[fast] = (int64_t)fx.run->stats.c[FSI_C_pgmigrate_success];
    if (g_test_verbose())
      g_printerr("fast_search=%d: free_scanned %" G_GINT64_FORMAT " migrate_scanned %" G_GINT64_FORMAT
                 " migrated %" G_GINT64_FORMAT "\n",
                 fast, free_scanned[fast], ft_counter(fx.run, "compaction.compact_migrate_scanned"), migrated[fast]);
    fx_close(&fx);
  }
  g_assert_cmpint(migrated[0], ==, migrated[1]);
  g_assert_cmpint(free_scanned[1], >, free_scanned[0] * 2);
}

/* The per-zone compaction state the compaction policies share (NULL with
 * shared_state off: each keeps its own). */
static const FscZone *shared_zone(FsiRun *run, uint32_t zone) {
  if (!run->shared_areas) return NULL;
  const size_t *area = g_hash_table_lookup(run->shared_areas, "compact-core/zones");
  return area ? (const FscZone *)(area + 1) + zone : NULL;
}

/* One compaction state per zone (struct zone's compact_defer_shift,
 * compact_considered, compact_order_failed, compact_cached_*_pfn) for
 * direct compaction and kcompactd.  Pinned pages: a SYNC_LIGHT direct
 * compaction at order 9 scans the zone, migrates nothing and defers the
 * zone at order 9.  kcompactd, woken at order 9, then finds the zone
 * deferred (compaction_deferred() in kcompactd_do_work) and scans nothing.
 * With shared_state off it keeps its own deferral and scans the zone again. */
static void test_compaction_shared_state(void) {
  int64_t daemon_scanned[2], daemon_deferred[2];
  for (int shared = 0; shared < 2; shared++) {
    Fx fx;
    const char *sets[] = {"kcompactd.proactiveness=0", shared ? "compaction.shared_state=true" : "compaction.shared_state=false",
                          shared ? "kcompactd.shared_state=true" : "kcompactd.shared_state=false", NULL};
    fx_open(&fx, "vanilla+compaction+kcompactd", sets);
    fill(&fx, FS_KIND_ANON, true);
    fragment(&fx, 4);
    const FscZone *z = shared_zone(fx.run, ZONE);
    g_assert_true(shared ? z != NULL : z == NULL);
    g_assert_cmpint(compact_stage(fx.run, 9, FS_MIGRATE_UNMOVABLE, 1), !=, FS_STAGE_CAPTURED);
    g_assert_cmpint(ft_counter(fx.run, "compaction.compact_migrate_scanned"), >, 0);
    if (z) {
      g_assert_cmpuint(z->defer_shift, ==, 1); /* defer_compaction() by direct compaction */
      g_assert_true(z->blockskip_flush);       /* its scanners met */
    }
    FsiSlot *s = ft_slot(fx.run, "kcompactd");
    s->policy->ops.kswapd_done(s->state, 9, ZONE);
    /* its work takes the daemon's time (timed): a second is plenty */
    g_assert_true(fsi_run_advance(fx.run, fx.run->now_ns + 1000 * 1000 * 1000ull));
    ft_check(fx.run);
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_wake"), ==, 1);
    daemon_scanned[shared] = ft_counter(fx.run, "kcompactd.compact_daemon_migrate_scanned");
    daemon_deferred[shared] = ft_counter(fx.run, "kcompactd.compact_daemon_deferred");
    if (z) g_assert_cmpuint(z->considered, ==, 1); /* kcompactd's look counted in the zone's state */
    fx_close(&fx);
  }
  g_assert_cmpint(daemon_deferred[0], ==, 0);
  g_assert_cmpint(daemon_scanned[0], >, 0);
  g_assert_cmpint(daemon_deferred[1], ==, 1);
  g_assert_cmpint(daemon_scanned[1], ==, 0);
}

/* ---- kcompactd ------------------------------------------------------------------------ */

/* kswapd_done with an order wakes kcompactd, whose work runs on its own
 * timer (same instant, later event); order 0 does not wake it. */
static void test_kcompactd_wake(void) {
  Fx fx;
  const char *sets[] = {"kcompactd.proactiveness=0", NULL};
  fx_open(&fx, "vanilla+kcompactd", sets);
  fill(&fx, FS_KIND_ANON, false);
  fragment(&fx, 4);
  FsiSlot *s = ft_slot(fx.run, "kcompactd");
  s->policy->ops.kswapd_done(s->state, 0, ZONE);
  g_assert_true(fsi_run_advance(fx.run, fx.run->now_ns + 1000));
  g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_wake"), ==, 0);
  s->policy->ops.kswapd_done(s->state, 9, ZONE);
  g_assert_cmpuint(free_blocks_at_least(fx.run, 9), ==, 0); /* not in kswapd's time */
  /* its work takes the daemon's time (timed): a second is plenty */
  g_assert_true(fsi_run_advance(fx.run, fx.run->now_ns + 1000 * 1000 * 1000ull));
  ft_check(fx.run);
  g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_wake"), ==, 1);
  g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_success"), ==, 1);
  g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_migrate_scanned"), >, 0);
  g_assert_cmpuint(free_blocks_at_least(fx.run, 9), >=, 1);
  g_assert_cmpint(ft_counter(fx.run, "kcompactd.proactive_checks"), ==, 0);
  fx_close(&fx);
}

/* kcompactd's work takes time (timed, the default): woken at order 9 on a
 * fragmented zone, it compacts one compact_zone() round per step, the next
 * after the round's cost.  Well before the work's whole cost has passed it
 * is mid-zone: no success yet, pages already moved out of the zone's lower
 * half (the zone a direct compaction starting now would find), and an
 * allocation is served in between.  It then finishes as the instant model
 * does, with the same work done.  timed=false (the old model) has done it
 * all at the wake-up's instant. */
/* Allocated pages in the lower half of the zone (the migration scanner's side). */
static uint64_t low_half_allocated(FsiRun *run) {
  const FsiZone *zn = &run->mem.zones[ZONE];
  uint64_t n = 0;
  for (uint64_t pfn = zn->start_pfn; pfn < zn->start_pfn + (zn->end_pfn - zn->start_pfn) / 2; pfn++)
    n += (run->mem.pages[pfn].flags & FSI_PG_ALLOC) != 0;
  return n;
}

static void test_kcompactd_timed(void) {
  uint64_t cost = 0;
  int64_t scanned[2];
  for (int timed = 0; timed < 2; timed++) {
    Fx fx;
    const char *sets[] = {"kcompactd.proactiveness=0", timed ? "kcompactd.timed=true" : "kcompactd.timed=false", NULL};
    fx_open(&fx, "vanilla+compaction+kcompactd", sets);
    fill(&fx, FS_KIND_ANON, false);
    fragment(&fx, 4);
    FsiSlot *s = ft_slot(fx.run, "kcompactd");
    uint64_t t0 = fx.run->now_ns, d0 = fx.run->stats.c[FSI_C_fs_policy_daemon_ns], low0 = low_half_allocated(fx.run);
    s->policy->ops.kswapd_done(s->state, 9, ZONE);
    if (!timed) {
      g_assert_true(fsi_run_advance(fx.run, t0));
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_success"), ==, 1);
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_steps"), ==, 0);
      cost = fx.run->stats.c[FSI_C_fs_policy_daemon_ns] - d0;
      g_assert_cmpuint(cost, >, 100 * 1000); /* several blocks scanned and migrated */
    } else {
      g_assert_true(fsi_run_advance(fx.run, t0 + cost / 2));
      ft_check(fx.run);
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_wake"), ==, 1);
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_success"), ==, 0);
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_steps"), >, 1);
      /* pages already moved from the zone's bottom to its top: what a
       * direct compaction starting now finds */
      g_assert_cmpuint(low_half_allocated(fx.run), <, low0);
      FsiAllocResult r = alloc_req(fx.run, 0, FS_KIND_ANON, fsi_kind_gfp(FS_KIND_ANON) & ~FS_GFP_RECLAIM, false);
      g_assert_cmpuint(r.handle, !=, 0);
      g_assert_true(fsi_run_advance(fx.run, t0 + 1000 * 1000 * 1000ull));
      ft_check(fx.run);
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_success"), ==, 1);
      /* the work's time is its cost: about the instant model's */
      uint64_t c1 = fx.run->stats.c[FSI_C_fs_policy_daemon_ns] - d0;
      g_assert_cmpuint(c1, >, cost / 2);
      g_assert_cmpuint(c1, <, cost * 2);
    }
    scanned[timed] = ft_counter(fx.run, "kcompactd.compact_daemon_migrate_scanned");
    g_assert_cmpuint(free_blocks_at_least(fx.run, 9), >=, 1);
    fx_close(&fx);
  }
  g_assert_cmpint(scanned[1], >, scanned[0] / 2);
  g_assert_cmpint(scanned[1], <, scanned[0] * 2);
}

/* wakeup_kswapd() on a hopeless node (kswapd failed MAX_RECLAIM_RETRIES
 * times) for a request without direct reclaim (a THP fault with
 * defrag=defer: GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM): 6.1 wakes
 * kcompactd, which makes the huge page the fault could not get; with
 * alloc_wake off (before 4.16) nothing runs and the zone stays fragmented. */
static void test_kcompactd_alloc_wake(void) {
  for (int with = 0; with < 2; with++) {
    Fx fx;
    const char *sets[] = {"kcompactd.proactiveness=0", with ? "kcompactd.alloc_wake=true" : "kcompactd.alloc_wake=false",
                          NULL};
    fx_open(&fx, "vanilla+kcompactd", sets);
    fill(&fx, FS_KIND_ANON, false);
    fragment(&fx, 4);
    fx.run->rc.kswapd_failures = 16; /* MAX_RECLAIM_RETRIES */
    uint32_t gfp = FS_GFP_TRANSHUGE_LIGHT | FS_GFP_KSWAPD_RECLAIM;
    g_assert_cmpuint(alloc_req(fx.run, 9, FS_KIND_THP, gfp, false).handle, ==, 0);
    g_assert_true(fsi_run_advance(fx.run, fx.run->now_ns + 1000 * 1000 * 1000ull));
    ft_check(fx.run);
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_alloc_wake"), ==, with);
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_wake"), ==, with);
    if (with) g_assert_cmpuint(free_blocks_at_least(fx.run, 9), >=, 1);
    else g_assert_cmpuint(free_blocks_at_least(fx.run, 9), ==, 0);
    g_assert_cmpuint(alloc_req(fx.run, 9, FS_KIND_THP, gfp, false).handle != 0, ==, with);
    fx_close(&fx);
  }
}

/* Writing a non-zero proactiveness (from 0) wakes kcompactd for a
 * proactive check at once (compaction_proactiveness_sysctl_handler, 5.15+),
 * which compacts the fragmented node; without sysctl_wake (5.9) kcompactd
 * sleeps without a timeout (proactiveness was 0) and nothing happens. */
static void test_kcompactd_sysctl_wake(void) {
  for (int wake = 0; wake < 2; wake++) {
    Fx fx;
    const char *sets[] = {"kcompactd.proactiveness=0", wake ? "kcompactd.sysctl_wake=true" : "kcompactd.sysctl_wake=false",
                          NULL};
    fx_open(&fx, "vanilla+kcompactd", sets);
    fill(&fx, FS_KIND_ANON, false);
    fragment(&fx, 4);
    FsiSlot *s = ft_slot(fx.run, "kcompactd");
    FsParamValue v = {.i = 20};
    g_assert_true(s->policy->ops.param_changed(s->state, 0 /* proactiveness */, &v));
    g_assert_true(fsi_run_advance(fx.run, fx.run->now_ns + 100 * 1000 * 1000ull));
    ft_check(fx.run);
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.proactive_checks"), ==, wake);
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.proactive_runs"), ==, wake);
    if (wake) g_assert_cmpint(zone_extfrag(fx.run), <=, 80);
    else g_assert_cmpint(zone_extfrag(fx.run), ==, 100);
    fx_close(&fx);
  }
}

/* A wake-up while kcompactd works (here: mid-way through a timed proactive
 * run) only records the order; the kthread's loop re-tests
 * kcompactd_work_requested() when the run ends and does the work then
 * (recheck).  Without recheck the recorded order waits for the next
 * wake-up: no kcompactd_do_work() at all. */
static void test_kcompactd_recheck(void) {
  for (int recheck = 0; recheck < 2; recheck++) {
    Fx fx;
    const char *sets[] = {"kcompactd.proactiveness=20", recheck ? "kcompactd.recheck=true" : "kcompactd.recheck=false",
                          NULL};
    fx_open(&fx, "vanilla+kcompactd", sets);
    fill(&fx, FS_KIND_ANON, false);
    fragment(&fx, 4);
    /* the first 500 ms check starts a proactive run, one round per step */
    g_assert_true(fsi_run_advance(fx.run, 500 * 1000 * 1000ull + 1000));
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.proactive_runs"), ==, 1);
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_steps"), >=, 1);
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_migrate_scanned"), ==, 0); /* mid-zone */
    FsiSlot *s = ft_slot(fx.run, "kcompactd");
    s->policy->ops.kswapd_done(s->state, 9, ZONE);
    g_assert_true(fsi_run_advance(fx.run, 900 * 1000 * 1000ull));
    ft_check(fx.run);
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_migrate_scanned"), >, 0); /* the run ended */
    g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_wake"), ==, recheck);
    fx_close(&fx);
  }
}

/* Proactive compaction: a fragmented idle node (score 100 > 90) is
 * compacted within one 500 ms check until the zone scores <= 80; with
 * proactiveness 0 nothing happens. */
static void test_kcompactd_proactive(void) {
  for (int p = 0; p < 2; p++) {
    Fx fx;
    const char *sets[] = {p ? "kcompactd.proactiveness=20" : "kcompactd.proactiveness=0", NULL};
    fx_open(&fx, "vanilla+kcompactd", sets);
    fill(&fx, FS_KIND_ANON, false);
    fragment(&fx, 4);
    g_assert_cmpint(zone_extfrag(fx.run), ==, 100);
    g_assert_true(fsi_run_advance(fx.run, 1100 * 1000 * 1000ull));
    ft_check(fx.run);
    if (!p) {
      g_assert_cmpint(zone_extfrag(fx.run), ==, 100);
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.proactive_checks"), ==, 0);
    } else {
      g_assert_cmpint(zone_extfrag(fx.run), <=, 80);
      g_assert_cmpint(zone_extfrag(fx.run), >, 40); /* it stops at the low mark, not at 0 */
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.proactive_checks"), ==, 2);
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.proactive_runs"), ==, 1);
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.fragmentation_score"), <=, 80);
      g_assert_cmpint(ft_counter(fx.run, "kcompactd.compact_daemon_wake"), ==, 0);
    }
    fx_close(&fx);
  }
}

/* ---- lumpy ---------------------------------------------------------------------------- */

/* Half of every pageblock free, the rest anonymous with swap: a huge page
 * request's direct reclaim takes a tag page and lumpy reclaim swaps out its
 * whole block, which then merges; ordinary reclaim frees 32 scattered pages
 * and the costly request fails. */
static void test_lumpy_block(void) {
  for (int with = 0; with < 2; with++) {
    Fx fx;
    const char *sets[] = {"vm.swap=64M", NULL};
    fx_open(&fx, with ? "vanilla+lumpy" : "vanilla", sets);
    fill(&fx, FS_KIND_ANON, false);
    fragment(&fx, 2);
    FsiAllocResult r = alloc_req(fx.run, 9, FS_KIND_THP, thp_gfp(), false);
    if (!with) {
      g_assert_cmpuint(r.handle, ==, FSI_HANDLE_NONE);
    } else {
      g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
      g_assert_cmpint(r.via, ==, FSI_VIA_RECLAIM);
      g_assert_cmpint(ft_counter(fx.run, "lumpy.lumpy_taken"), >=, PB / 2 - 2);
      g_assert_cmpint(ft_counter(fx.run, "lumpy.lumpy_failed"), ==, 0);
      /* one block ends the invocation (its pages count toward the target),
       * not a block per tag page */
      g_assert_cmpint(ft_counter(fx.run, "lumpy.lumpy_blocks"), <=, 2);
    }
    fx_close(&fx);
  }
}

/* The same request: with credit (every stack) the block's pages count
 * toward direct reclaim's 32 pages, so the block ends it and every page
 * direct reclaim took is lumpy's; without (lumpy.credit=false, the model
 * before) the engine reclaims its own 32 pages on top. */
static void test_lumpy_credit(gconstpointer data) {
  bool credit = GPOINTER_TO_INT(data);
  Fx fx;
  /* zram-like swap: the engine's own reclaim frees what it swaps in the
   * call, so without credit its 32 pages come on top of lumpy's */
  const char *sets[] = {"vm.swap=64M", "vm.swap_io=sync", credit ? "lumpy.credit=true" : "lumpy.credit=false", NULL};
  fx_open(&fx, "vanilla+lumpy", sets);
  fill(&fx, FS_KIND_ANON, false);
  fragment(&fx, 2);
  FsiAllocResult r = alloc_req(fx.run, 9, FS_KIND_THP, thp_gfp(), false);
  g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
  int64_t lumpy = ft_counter(fx.run, "lumpy.lumpy_freed");
  uint64_t direct = fx.run->stats.c[FSI_C_pgsteal_direct];
  g_test_message("credit=%d: lumpy freed %" G_GINT64_FORMAT ", pgsteal_direct %" G_GUINT64_FORMAT, credit, lumpy,
                 direct);
  g_assert_cmpint(lumpy, >=, PB / 2 - 2);
  if (credit) g_assert_cmpuint(direct, ==, (uint64_t)lumpy);
  else g_assert_cmpuint(direct, >=, (uint64_t)lumpy + 32);
  fx_close(&fx);
}

/* One unmovable page in every pageblock: 3.x aborts each block at it, 2.6.35
 * skips it and reclaims the rest of the block (in vain). */
static void test_lumpy_abort(gconstpointer data) {
  const char *mode = data;
  Fx fx;
  char *m = g_strdup_printf("lumpy.mode=%s", mode);
  const char *sets[] = {"vm.swap=64M", m, NULL};
  fx_open(&fx, "vanilla+lumpy", sets);
  fill(&fx, FS_KIND_ANON, false);
  /* put a page table page at offset 200 of every block: free the anon page
   * there; with nothing else free, the page tables land exactly there */
  uint32_t nblocks = 0;
  for (guint i = 0; i < fx.handles->len; i++) {
    FsiHandle *h = &g_array_index(fx.handles, FsiHandle, i);
    if (ft_pfn_of(fx.run, *h) % PB == 200) {
      fsi_run_free_handle(fx.run, *h);
      *h = FSI_HANDLE_NONE;
      nblocks++;
    }
  }
  /* so few free pages are below every watermark: waive them meanwhile */
  FsiZone *z = &fx.run->mem.zones[ZONE];
  uint64_t saved[3];
  memcpy(saved, z->wmark, sizeof saved);
  memset(z->wmark, 0, sizeof z->wmark);
  for (uint32_t i = 0; i < nblocks; i++) {
    FsiAllocResult r = alloc_req(fx.run, 0, FS_KIND_PAGETABLE, FS_GFP_KERNEL & ~FS_GFP_RECLAIM, false);
    g_assert_cmpuint(r.pfn % PB, ==, 200);
  }
  memcpy(z->wmark, saved, sizeof saved);
  fragment(&fx, 2);
  FsiAllocResult r = alloc_req(fx.run, 9, FS_KIND_THP, thp_gfp(), false);
  g_assert_cmpuint(r.handle, ==, FSI_HANDLE_NONE);
  int64_t taken = ft_counter(fx.run, "lumpy.lumpy_taken"), failed = ft_counter(fx.run, "lumpy.lumpy_failed");
  int64_t blocks = ft_counter(fx.run, "lumpy.lumpy_blocks");
  g_test_message("lumpy %s: blocks %" G_GINT64_FORMAT ", taken %" G_GINT64_FORMAT ", failed %" G_GINT64_FORMAT, mode,
                 blocks, taken, failed);
  g_assert_cmpint(blocks, >, 0);
  g_assert_cmpint(failed, >=, blocks - 1);
  if (!strcmp(mode, "3.x")) g_assert_cmpint(taken, <=, blocks * 101); /* at most the pages before offset 200 */
  else g_assert_cmpint(taken, >=, (blocks - 1) * 200);
  g_free(m);
  fx_close(&fx);
}

/* ---- cma ---------------------------------------------------------------------------- */

/* The area: pageblock-aligned, MIGRATE_CMA, at the top of the zone but below
 * the memmap the engine reserves there. */
static uint64_t cma_area(FsiRun *run, uint64_t *ret_end) {
  uint64_t start = UINT64_MAX, end = 0;
  for (uint64_t pfn = 0; pfn < run->mem.nr_pages; pfn += PB)
    if (fsi_get_pageblock_mt(&run->mem, pfn) == FS_MIGRATE_CMA) {
      start = MIN(start, pfn);
      end = pfn + PB;
    }
  *ret_end = end;
  return start;
}

static void test_cma_area(void) {
  Fx fx;
  fx_open(&fx, "vanilla+cma", NULL);
  uint64_t end, start = cma_area(fx.run, &end);
  g_assert_cmpuint(end - start, ==, 4096); /* 16M */
  g_assert_cmpint(ft_counter(fx.run, "cma.cma_area_pages"), ==, 4096);
  for (uint64_t pfn = start; pfn < end; pfn++) g_assert_false(fx.run->mem.pages[pfn].flags & FSI_PG_RESERVED);
  /* 4 MiB-aligned, right below the 4 MiB block where the memmap starts */
  g_assert_cmpuint(start % 1024, ==, 0);
  bool reserved_above = false;
  for (uint64_t pfn = end; pfn < end + 1024; pfn++) reserved_above |= fx.run->mem.pages[pfn].flags & FSI_PG_RESERVED;
  g_assert_true(reserved_above);
  g_assert_cmpuint(fx.run->mem.zones[ZONE].nr_free_cma, ==, 4096);
  fx_close(&fx);

  const char *none[] = {"cma.size=0", NULL};
  fx_open(&fx, "vanilla+cma", none);
  g_assert_cmpuint(fx.run->mem.zones[ZONE].nr_free_cma, ==, 0);
  g_assert_cmpint(ft_counter(fx.run, "cma.cma_area_pages"), ==, 0);
  fx_close(&fx);
}

/* Only movable allocations use the area: unmovable ones never land there
 * (the watermark check does not count its free pages for them), movable
 * ones take it, first when it holds over half the free memory. */
static void test_cma_movable_only(void) {
  Fx fx;
  fx_open(&fx, "cma+migratetype", NULL);
  uint64_t end, start = cma_area(fx.run, &end);
  for (;;) {
    FsiRequest rq = {0, FS_KIND_PAGETABLE, FS_GFP_KERNEL & ~FS_GFP_RECLAIM, 0, false, false, false, false};
    FsiAllocResult r = fsi_run_alloc(fx.run, &rq);
    if (!r.handle) break;
    g_assert_true(r.pfn < start || r.pfn >= end);
  }
  ft_check(fx.run);
  g_assert_cmpuint(fx.run->mem.zones[ZONE].nr_free_cma, ==, end - start);
  /* now the area is nearly all the free memory: movable requests take it */
  FsiAllocResult r = alloc_req(fx.run, 0, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE & ~FS_GFP_RECLAIM, false);
  g_assert_cmpuint(r.handle, !=, 0);
  g_assert_cmpuint(r.pfn, >=, start);
  g_assert_cmpuint(r.pfn, <, end);
  fx_close(&fx);
}

/* cma_alloc(): ranges come from the area (its movable tenants migrate
 * out), aligned; a full area fails; a freed range is found again; pinned
 * pages make candidates -EBUSY, the request moves on, and fails only when
 * every candidate is pinned. */
static void test_cma_alloc(void) {
  Fx fx;
  fx_open(&fx, "cma+migratetype", NULL);
  uint64_t end, start = cma_area(fx.run, &end);
  /* movable memory everywhere, the area included; then room for targets */
  fill(&fx, FS_KIND_ANON, false);
  unhide(&fx);
  fragment(&fx, 2);

  /* pin one allocated page in each 256-page window but the last */
  uint64_t windows = (end - start) / 256;
  GArray *pinned = g_array_new(FALSE, FALSE, sizeof(uint32_t));
  for (uint64_t w = 0; w + 1 < windows; w++) {
    uint64_t pfn = start + w * 256;
    while (!(fx.run->mem.pages[pfn].flags & FSI_PG_ALLOC)) pfn++;
    g_assert_cmpuint(pfn, <, start + (w + 1) * 256);
    uint32_t id = fx.run->mem.pages[pfn].alloc;
    fx.run->allocs[id].flags |= FSI_AF_PINNED;
    g_array_append_val(pinned, id);
  }
  FsiAllocResult d = fsi_run_contig(fx.run, 256, 1);
  ft_check(fx.run);
  g_assert_cmpuint(d.handle, !=, 0);
  g_assert_cmpuint(d.pfn, ==, end - 256);
  g_assert_cmpint(ft_counter(fx.run, "cma.cma_alloc_busy"), ==, (int64_t)windows - 1);
  g_assert_cmpuint(fx.run->stats.c[FSI_C_pgmigrate_success], >, 0);
  /* now the last window is taken too: every candidate is busy */
  FsiAllocResult e = fsi_run_contig(fx.run, 256, 1);
  ft_check(fx.run);
  g_assert_cmpuint(e.handle, ==, 0);
  g_assert_cmpint(ft_counter(fx.run, "cma.cma_alloc_fail"), ==, 1);
  g_assert_cmpint(ft_counter(fx.run, "cma.cma_alloc_busy"), ==, 2 * ((int64_t)windows - 1));
  for (guint i = 0; i < pinned->len; i++) fx.run->allocs[g_array_index(pinned, uint32_t, i)].flags &= ~FSI_AF_PINNED;
  g_array_free(pinned, TRUE);
  fsi_run_free_contig(fx.run, d.handle);
  ft_check(fx.run);

  /* unpinned: two 8M ranges fill the 16M area, aligned */
  FsiAllocResult a = fsi_run_contig(fx.run, 2048, 1);
  ft_check(fx.run);
  g_assert_cmpuint(a.handle, !=, 0);
  g_assert_cmpuint(a.pfn, >=, start);
  g_assert_cmpuint(a.pfn + 2048, <=, end);
  g_assert_cmpuint(a.pfn % 256, ==, 0);
  FsiAllocResult b = fsi_run_contig(fx.run, 2048, 1);
  g_assert_cmpuint(b.handle, !=, 0);
  FsiAllocResult c = fsi_run_contig(fx.run, 256, 1); /* the area is full */
  g_assert_cmpuint(c.handle, ==, 0);
  g_assert_cmpint(ft_counter(fx.run, "cma.cma_alloc_nomem"), ==, 1);
  fsi_run_free_contig(fx.run, a.handle);
  ft_check(fx.run);
  c = fsi_run_contig(fx.run, 256, 1);
  g_assert_cmpuint(c.handle, !=, 0);
  g_assert_cmpuint(c.pfn, ==, a.pfn); /* the bitmap forgot the freed range */
  fsi_run_free_contig(fx.run, b.handle);
  fsi_run_free_contig(fx.run, c.handle);
  ft_check(fx.run);
  g_assert_cmpint(ft_counter(fx.run, "cma.cma_alloc_success"), ==, 4);
  g_assert_cmpint(ft_counter(fx.run, "cma.cma_alloc_fail"), ==, 2);
  fx_close(&fx);
}

/* ---- effects of each mechanism ------------------------------------------------------ */

#define EFFECT_SEEDS 3

/* How the bands below are chosen.  A run is deterministic per seed, so the
 * means move only when the model changes.  A change that leaves the
 * mechanism alone still re-draws the load, as another seed would: each band
 * is at least twice the seed-to-seed spread around the measured mean (and
 * at least 5-10% of it), so such a change passes, while a mechanism that
 * loses a good part of its effect falls outside.  Every value was measured
 * with ./build/tests/test-policies-compaction --verbose -r /effect (each
 * run's value and the means are printed). */

/* stress-highalloc on the 4.4 kernel with and without compaction: huge
 * page success under load rises.
 * Measured (seeds 1-3, preset with 256 MiB swap, huge pages of kind module
 * since #13 item 1) with ./build/tests/test-policies-compaction --verbose
 * -p /effect/compaction/stress-highalloc: passes 1+2 success 2/2, 1.6/2,
 * 1.8/2.2 % (sum of means 3.9) -> 70.2/70, 70/67.6, 70.2/68.6 % (138.9);
 * pgsteal_direct 31912, 31879, 31801 (31864) -> 49881, 44182, 22434
 * (38832).  Since #13 item 2 (the reclaim/compaction handshake of 3.2-4.6:
 * should_continue_reclaim() reclaims until compaction_suitable(), and
 * compaction_ready() stops it) 4.4 with compaction reclaims as much as
 * without it or more (before the handshake: 11398, 0.36x), and the amount
 * depends on the load (spread 27k), so direct reclaim is only bounded
 * loosely here; the published 2010 comparison (2.6.35's compaction against
 * lumpy reclaim alone) is test_effect_compaction_2010.  Asserted: the sums
 * within 10 points (spread 2.6), direct reclaim without compaction within
 * 10% (spread 0.1k), with compaction between the two-sided band of twice
 * its spread, and compaction taking at least 100 points.
 * With 2.6.38-4.7's kswapd balance rule on linux-4.4 (vm.kswapd_balance=
 * quarter, stop 19; the arm without compaction has it too): success
 * 2/2, 2/2.2, 2.4/2.4 % (4.3) -> 73.8/74.4, 74.2/74.2, 74/74.6 % (148.4);
 * pgsteal_direct 32062, 31744, 31527 (31778) -> 70997, 67340, 72256
 * (70198; seed 1 gave 86000 with the 4.8+ rule at this commit, the
 * amount moves with the load as said).  The band with compaction is kept
 * at the old spread (27k) either side of the new mean.
 * With the file-only scan while page cache is plentiful (vm.scan_file_first,
 * 3.8+, both arms, stop 30): pgsteal_direct without compaction 31493,
 * 31462, 31432 (31462), with 44149, 33680, 25601 (34477); success 1.87/2.07
 * -> 73.8/74.13 %.  The band with compaction kept at 27k either side of the
 * new mean; the others hold.
 * Stop 31 (get_scan_count()'s SCAN_FRACT with 4.4's scanned/rotated
 * balance, the active anon list's aging, SCAN_ANON while page cache is
 * tiny): with compaction pgsteal_direct 49107, 68560, 72493 (63387);
 * without 31375, 31443, 31423 (31414); success 2.07/2.07 -> 74.27/74.47 %.
 * The band with compaction moved to the new mean, 27k either side; the
 * others hold. */
static void test_effect_compaction(void) {
  /* linux-4.4's settings, without compaction */
  const char *without[] = {"migratetype.nofragment=false", "vm.watermark_boost_factor=0", "vm.pcp_high_order=false",
                           "vm.shrinker_defer=full", "vm.pcp_sizing=2.6", "vm.kswapd_balance=quarter", NULL};
  const FtArm arms[] = {{"migratetype+highatomic", without}, {"linux-4.4", NULL}};
  const char *cols[] = {"phase_pass1_huge_success_pct", "phase_pass2_huge_success_pct", "pgsteal_direct", NULL};
  double m[2][3];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("without compaction: passes 1+2 success %", m[0][0] + m[0][1], 0, 13.9);
  ft_assert_band("with compaction: passes 1+2 success %", m[1][0] + m[1][1], 138.4, 158.4);
  ft_assert_band("without compaction: pgsteal_direct", m[0][2], 28600, 34960);
  ft_assert_band("with compaction: pgsteal_direct", m[1][2], 36400, 90400);
  g_assert_cmpfloat(m[1][0] + m[1][1], >, m[0][0] + m[0][1] + 100);
}

/* The 2010 result (Gorman, "Memory Compaction v8", 2.6.35 against 2.6.34's
 * lumpy reclaim alone): with compaction a similar or better success under
 * load, with fewer pages reclaimed.  Here linux-2.6.34 (grouping, reserve,
 * lumpy reclaim: 2.6.34's allocator as far as fragsim models it) against
 * linux-2.6.35 (the same plus compaction, tried before direct reclaim).
 * Measured with ./build/tests/test-policies-compaction --verbose -p
 * /effect/compaction/2010: passes 1+2 60/60.8, 59.2/63, 61.8/62 % (sum of
 * means 122.3) -> 68.2/69.8, 68.6/69.8, 69/69.6 % (138.3); pgsteal_direct
 * 214578, 213742, 215826 (214715) -> 163780, 167853, 162476 (164703,
 * 0.77x).  The published shape is at least 2x fewer pages reclaimed; the
 * preset's load keeps free memory below compaction_suitable()'s gap most of
 * the time, so 2.6.35 falls back to lumpy reclaim (see docs/validation.md).
 * After the rest of #13 (kswapd's 2.6.x high-order loop/sweep, the
 * shrinker's full deferral, lumpy's credit, writeback, the per-era pcp
 * sizing, the slow path's sleeps): 54.8/70.4, 53.8/68.4, 52/69.2 % (122.9)
 * -> 70.4/70.6, 69.2/70.6, 68.8/70.4 % (140); pgsteal_direct 227758,
 * 232822, 228802 (229794) -> 78100, 101801, 113949 (97950, 0.43x): the
 * published shape now holds under load.  Asserted: the sums within 8
 * points (spreads 4 and 1.8), direct reclaim within 10% without compaction
 * (spread 5k) and within its spread of 36k with it, compaction no worse by
 * success and reclaiming under half.  With #14 items 1-2 merged (6.1's
 * compact_blockskip_flush rule for clearing skip bits; 2.6.35 keeps the
 * linear scanners): pgsteal_direct 78100, 90555, 109973 (92876, 0.40x),
 * success unchanged; inside the bands.
 * #14 item 5: migrated pages now go through the pcp lists and 2.6.35
 * drains them only after direct compaction (drain_pages() in
 * __alloc_pages_direct_compact before 3.19), so during the run
 * compact_finished() sees fewer merged blocks and more requests fall back
 * to lumpy reclaim: with compaction pgsteal_direct 78100, 90555, 109973
 * (92876, 0.40x) -> 139219, 133270, 153635 (142041, 0.62x); success
 * 69.6/70.6, 70.4/70.4, 68.8/70.4 % (140), unchanged.  The published 2x
 * is no longer reached; re-banded to twice the new spread (20k) either
 * side, reclaim asserted under 0.75x of lumpy alone (was 0.5x).
 * Stop 21: the baseline is linux-2.6.34 (2.6.24's policies with 2.6.35's
 * kswapd sweep and split LRU), so that the arms differ by compaction alone
 * (linux-2.6.24's kswapd loops at the order, as before 2.6.29), and the
 * passes make all their attempts (hugepage_complete): means 60.5/73.4 %
 * (133.9), pgsteal_direct 216123 -> 74.3/78.5 % (152.7), 129874 (0.60x);
 * inside the bands.
 * Stop 22: pages reclaim frees go to the reclaimer's per-CPU lists, not
 * their owner's (vm.reclaim_free_cpu): lumpy alone 61.5/72.7 % (134.2),
 * pgsteal_direct 216404; with compaction 74.6/74.8, 74.6/74.8, 74.0/74.8 %
 * (149.2), pgsteal_direct 134808, 150053, 148134 (144332, 0.67x).  The
 * with-compaction reclaim band re-drawn at twice the spread (15.2k) either
 * side. */
/* The 2.6.x effect tests below were measured with 4.8+'s kswapd balance rule;
 * each arm pins it (vm.kswapd_balance=any) so that what they measure stays the
 * mechanism under test alone.  The stacks' own rule, all zones before 2.6.38,
 * is tested by /effect/kswapd/balance-all.  They were also measured before
 * swap-out went through the device and before the anonymous LRU's eras
 * (stop 20), and pin that model too (PRE_DISK_SWAP: a synchronous swap
 * device, an unbounded device queue, new anonymous pages on the inactive
 * list), before reclaim's congestion naps (stop 22: vm.reclaim_nap=none),
 * and while every direct reclaim pass stopped at its 32 pages (stop 30:
 * vm.direct_reclaim_cut=always, where 2.6.34 and 2.6.35 have below-def);
 * the disk, the eras, the naps and the cut are measured by /effect/writeback/swap-disk,
 * /effect/writeback/queue, /effect/reclaim/anon-lru,
 * /effect/reclaim/congestion-nap and /effect/reclaim/direct-reclaim-cut, and the published
 * shapes under the stacks' full settings by scripts/shapes.py
 * (docs/validation.md). */
#define PRE_DISK_SWAP                                                                                          \
  "vm.swap_io=sync", "vm.writeback_queue_pages=0", "vm.anon_lru=5.9", "vm.reclaim_nap=none", "vm.direct_reclaim_cut=always"
static void test_effect_compaction_2010(void) {
  const char *any[] = {"vm.kswapd_balance=any", PRE_DISK_SWAP, NULL};
  const FtArm arms[] = {{"linux-2.6.34", any}, {"linux-2.6.35", any}};
  const char *cols[] = {"phase_pass1_huge_success_pct", "phase_pass2_huge_success_pct", "pgsteal_direct", NULL};
  double m[2][3];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  /* After #14 item 3 (the preset's anon and page cache order 0 only):
   * success 135.4, 136, 134.4 (135.3) -> 149.4, 149.2, 148.8 (149.1) %;
   * pgsteal_direct 215165, 212239, 220549 (215984) -> 60535, 75583, 74935
   * (70351).  Same widths around the new means (pgsteal: 10%).
   * Stop 32 (lumpy reclaim passes over anonymous neighbours while no swap
   * slot is free, without scanning them): lumpy alone 68.2/74.6,
   * 69.4/74.6, 67.2/74.8 % (142.9), pgsteal_direct 238126, 243399, 243123
   * (241549); with compaction 149.3 %, 140551, 142592, 147342 (143495,
   * 0.59x).  The lumpy-alone reclaim band re-drawn at 10%.
   * Stop 35 (2.6.35's own compaction, compaction.era and
   * vm.direct_compact: synchronous, from the zone's ends, before each
   * direct reclaim): with compaction pgsteal_direct 65086, 48870, 74126
   * (62694, 0.25x of lumpy alone's 252648, 254302, 244558); success 149.6,
   * 149.4, 149.6 %.  Band kept at the first measurement's (42200-117800,
   * an earlier form of the change that gave 80021), and the published
   * shape, at most half the reclaim, asserted again. */
  ft_assert_band("lumpy alone: passes 1+2 success %", m[0][0] + m[0][1], 127.3, 143.3);
  ft_assert_band("with compaction: passes 1+2 success %", m[1][0] + m[1][1], 141.1, 157.1);
  ft_assert_band("lumpy alone: pgsteal_direct", m[0][2], 217400, 265700);
  ft_assert_band("with compaction: pgsteal_direct", m[1][2], 42200, 117800);
  g_assert_cmpfloat(m[1][0] + m[1][1], >=, m[0][0] + m[0][1]);
  g_assert_cmpfloat(m[1][2], <, m[0][2] * 0.5);
}

/* vanilla (no grouping) with and without compaction: unmovable pages are in
 * nearly every pageblock, so compaction helps little, but it must work.
 * Measured: pass 2 success 1.4, 1.2, 1.2 % (mean 1.27) -> 13.6, 12.8, 13 %
 * (13.13); pages migrated 0 -> 198652, 204083, 196499 (199745).  Asserted:
 * pass 2 within 2 points of each mean (spread 0.4), nothing migrated
 * without compaction, and the pages migrated within 10% (spread 4k): the
 * old floor of 1,000 let compaction lose 99% of its work unnoticed.
 * With the uncut direct reclaim at DEF_PRIORITY (vm.direct_reclaim_cut=
 * below-def, stop 30): pass 2 1, 1, 1.4 % (1.13) -> 13.2, 16, 16.4 %
 * (15.2); migrated 210635, 218507, 201852 (210331).  The compaction arm's
 * pass 2 band re-drawn at its mean +- the new seed spread (3.2).
 * With the file-only scan while page cache is plentiful (vm.scan_file_first,
 * stop 30): pass 2 1.2, 1.4, 1.2 % -> 14.4, 13.8, 12.4 % (13.53); migrated
 * 280486, 252372, 257896 (263585).  The migrated band re-drawn at 10%
 * around the new mean. */
static void test_effect_compaction_vanilla(void) {
  const FtArm arms[] = {{"vanilla", NULL}, {"vanilla+compaction", NULL}};
  const char *cols[] = {"phase_pass2_huge_success_pct", "pgmigrate_success", NULL};
  double m[2][2];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("vanilla pass 2 success %", m[0][0], 0, 3.27);
  ft_assert_band("vanilla+compaction pass 2 success %", m[1][0], 12.0, 18.4);
  g_assert_cmpfloat(m[0][1], ==, 0);
  ft_assert_band("vanilla+compaction pgmigrate_success", m[1][1], 237200, 290000);
}

/* gupta-fragmenter on 5.9 with proactiveness 20 versus 0: kcompactd
 * defragments during the idle phase, so the huge page requests find free
 * pageblocks instead of compacting directly.
 * Measured (seeds 1-3, the same on every seed: the fragmenter's pattern is
 * fixed): request latency p50 442367 ns -> 123 ns; direct compaction
 * stalls 76 -> 0; every request served either way.  Asserted: p50 and
 * stalls within 10% without proactive compaction, p50 under 200 ns and no
 * stall with it, 100% served. */
static void test_effect_proactive(void) {
  const char *off[] = {"kcompactd.proactiveness=0", NULL};
  const FtArm arms[] = {{"linux-5.9", off}, {"linux-5.9", NULL}};
  const char *cols[] = {"phase_request_huge_latency_p50_ns", "compaction.compact_stall",
                        "phase_request_huge_success_pct", NULL};
  double m[2][3];
  ft_effect("gupta-fragmenter", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("proactiveness 0: p50 ns", m[0][0], 398130, 486604);
  ft_assert_band("proactiveness 0: compact_stall", m[0][1], 68, 84);
  ft_assert_band("proactiveness 20: p50 ns", m[1][0], 0, 200);
  g_assert_cmpfloat(m[1][1], ==, 0);
  g_assert_cmpfloat(m[0][2], ==, 100);
  g_assert_cmpfloat(m[1][2], ==, 100);
}

/* stress-highalloc on 6.1 with the 5.1+ fast searches off (linear
 * scanners only, as 4.4-5.0) and on.
 * Measured with ./build/tests/test-policies-compaction --verbose -p
 * /effect/compaction/fast-search: compact_free_scanned 8.34M, 7.63M, 11.07M
 * (mean 9.01M) -> 11.57M, 15.49M, 16.74M (14.60M); compact_migrate_scanned
 * 924k, 848k, 1048k (940k) -> 1416k, 1428k, 1706k (1516k); compact_success
 * 178, 184, 190 (184) -> 156, 162, 162 (160); compact_stall 1168, 1171,
 * 1169 -> 1134, 1158, 1133; huge_success_pct 70.7, 70.5, 71.7 -> 69, 69.1,
 * 70.  The free-list searches look at list entries and take whole free
 * blocks below the request's order one search at a time, and a first search
 * that finds nothing pulls the free scanner down to the middle of the
 * space, so both scanners count more and direct compaction succeeds a
 * little less often.  Asserted: each mean within twice its seed spread
 * (scanned counts) or 5-10% (success), fast above linear by 1.3x on both
 * scanned counts, and fewer successes.
 * After #14 items 3-4 (the preset's anon and page cache streams order 0
 * only; 6.1 skipping compound pages; async direct compaction skipping the
 * rest of a chunk after a failed migration), measured the same way:
 * compact_free_scanned 5.02M, 5.75M, 5.09M (5.28M) -> 7.54M, 6.94M, 7.11M
 * (7.20M); compact_migrate_scanned 392k, 380k, 423k (398k) -> 534k, 499k,
 * 548k (527k); compact_success 166, 166, 163 (165) -> 176, 175, 172 (174).
 * Both scanners cover about half as much (which of the three changes
 * does most was not measured), and the fast searches no longer cost
 * successes: the old "fewer successes" was a property of that load, not
 * of the searches.  Asserted: each mean within twice its seed spread or 5%, fast
 * above linear by 1.25x on both scanned counts. */
/* After the rest of #14 (exact capture, migrated pages through the pcp
 * lists, isolation per era, and linux-6.1 with the rescan rule and the
 * refused fast-found block on), measured the same way: free scanned linear
 * 5.98, 6.15, 7.62M (6.58M) / fast 11.66, 11.65, 10.89M (11.40M); migrate
 * scanned 411k, 361k, 541k (437k) / 877k, 822k, 656k (785k); successes
 * 183, 175, 183 (180.3) / 180, 163, 168 (170.3).  Bands: mean +- the seed
 * spread; the direction (the fast searches scan more) is unchanged. */
/* Re-measured for #14 item 6 (kcompactd's work takes time, in
 * compact_zone() rounds; wakeup_kswapd() wakes it; its loop re-tests
 * kcompactd_work_requested()): direct compaction now finds zones kcompactd
 * is part-way through, and the proactive runs kswapd interrupts no longer
 * clean the zone at one instant.  Free scanned linear 4.14, 4.86, 5.67M
 * (4.89M, was 6.58M) / fast 6.95, 7.19, 7.26M (7.13M, was 11.40M); migrate
 * scanned 540k, 507k, 527k (525k) / 1010k, 1112k, 736k (952k); successes
 * 287, 276, 279 (280.7) / 260, 265, 266 (263.7), was 180.3 / 170.3.  Bands:
 * mean +- the seed spread, at least 10% (5% for successes); the direction
 * (the fast searches scan more) is unchanged. */
/* Re-measured once the scanners count as the kernel's nr_scanned (a free
 * block one iteration of the migration scanner, a free block taken all its
 * pages by the free scanner): free scanned linear 4.12, 6.16, 6.45M (5.58M)
 * / fast 6.85, 7.18, 6.40M (6.81M); migrate scanned 258k, 298k, 358k
 * (305k) / 714k, 701k, 502k (639k); successes 277, 281, 265 (274.3) / 256,
 * 252, 254 (254).  The fast searches still scan more on the mean (free
 * 1.22x, no longer 1.25x and not on seed 3; migrate 2.1x).  Bands: mean
 * +- the seed spread (5% at least for successes); asserted: free scanned
 * more on the mean, migrate scanned at least 1.25x. */
/* With the free scanner's 5.1+ sampling stride (on with the fast searches,
 * so only the fast arm samples): free scanned linear 4.78, 5.17, 4.20M
 * (4.72M) / fast 5.30, 5.10, 5.34M (5.25M, was 6.81M); migrate scanned
 * 308k, 273k, 230k (270k) / 709k, 718k, 643k (690k); successes 232, 270,
 * 273 (258.3) / 259, 254, 248 (253.7).  The fast band re-drawn at 10%
 * around its mean; the others hold and the directions are unchanged. */
/* With 6.1's selective __reset_isolation_suitable() (on with the fast
 * searches, so only the fast arm): migrate scanned 353k, 385k, 462k (400k,
 * was 690k): blocks where no sample finds an LRU or free page keep their
 * skip bit, and a reset that finds no LRU block leaves the scanners met.
 * Free scanned 4.99, 4.76, 5.40M (5.05M), successes 257, 256, 246 (253);
 * the linear arm is unchanged.  The fast migrate band re-drawn at mean +-
 * the seed spread; the directions hold. */
/* With swap-out written by the device (vm.swap_io=async, a bounded queue):
 * free scanned linear 5.25, 5.49, 5.80M (5.51M) / fast 4.22, 4.58, 4.84M
 * (4.55M); migrate scanned 251k, 313k, 359k (307k) / 566k, 436k, 529k
 * (510k); successes 264, 246, 257 (255.7) / 243, 243, 247 (244.3).  The
 * fast free scanner now covers less than the linear one on every seed (the
 * "more" was a property of the load again, as the successes were before);
 * that direction is no longer asserted, the migrate one (1.66x) is.  Bands:
 * mean +- the seed spread, at least 10% (5% for successes).
 * With node-list reclaim skipping pages above reclaim_idx (stop 25: kswapd
 * woken for a boosted ZONE_DMA reclaims DMA alone): fast free scanned 4.52,
 * 5.61, 5.33M (5.15M), migrate 372k, 462k, 376k (403k), successes 269, 247,
 * 257 (257.7); linear 6.21, 4.90, 5.26M (5.46M), 319k, 355k, 257k (310k),
 * 252, 259, 258 (256.3).  The fast free and success bands re-centred (same
 * widths); the others hold.
 * With 2.6.29+'s uncut direct reclaim at DEF_PRIORITY (vm.direct_reclaim_cut=
 * below-def, the default since stop 30): linear free scanned 5.43, 4.47,
 * 3.94M (4.61M), migrate 290k, 312k, 276k (292k), successes 255, 273, 282
 * (270); fast 4.70, 4.99, 3.93M (4.54M), 365k, 362k, 453k (393k), 257,
 * 252, 250 (253).  The free bands and the fast migrate band re-drawn at
 * mean +- the seed spread; the others hold, and so does the direction.
 * With 3.8+'s file-only scan while page cache is plentiful
 * (vm.scan_file_first, on for 4.4+ since stop 30: less anonymous memory
 * swapped): linear free scanned 2.72, 3.09, 2.53M (2.78M), migrate 443k,
 * 474k, 365k (427k), successes 290, 278, 282 (283.3); fast 4.55, 3.73,
 * 4.41M (4.23M), 487k, 462k, 531k (493k), 239, 244, 257 (246.7).  The fast
 * migrate scanner now covers 1.15x the linear one on the mean, and less on
 * seed 2 (the 1.25x was the load's, as the free scanner's "more" was
 * before); only "more on the mean" is asserted.  Bands re-drawn by the
 * rule above (mean +- the seed spread, at least 10%, 5% for successes).
 * At stop 31 (get_scan_count()'s SCAN_FRACT shares adding up to one, with
 * 6.1's cost feedback, vm.scan_balance, and the active anon list's aging,
 * vm.age_anon, at the end of shrink_lruvec(); with kswapd's
 * age_active_anon() too, every band and direction below holds): linear free
 * scanned 5.39, 3.50, 4.03M (4.31M), migrate 587k, 472k, 419k (493k),
 * successes 322, 294, 284 (300); fast 5.64, 5.15, 5.11M (5.30M), 699k,
 * 498k, 623k (607k), 271, 249, 276 (265.3).  Every band re-drawn by the
 * rule (on the figures before the aging, which they also hold); the
 * direction holds on the mean and on every seed. */
static void test_effect_fast_search(void) {
  const char *linear[] = {"compaction.fast_search=false", "kcompactd.fast_search=false", NULL};
  const FtArm arms[] = {{"linux-6.1", linear}, {"linux-6.1", NULL}};
  const char *cols[] = {"compaction.compact_free_scanned", "compaction.compact_migrate_scanned",
                        "compaction.compact_success", NULL};
  double m[2][3];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("linear: compact_free_scanned", m[0][0], 2.57e6, 6.34e6);
  ft_assert_band("fast: compact_free_scanned", m[1][0], 4.21e6, 6.02e6);
  ft_assert_band("linear: compact_migrate_scanned", m[0][1], 420e3, 687e3);
  ft_assert_band("fast: compact_migrate_scanned", m[1][1], 454e3, 798e3);
  ft_assert_band("linear: compact_success", m[0][2], 268, 324);
  ft_assert_band("fast: compact_success", m[1][2], 245, 292);
  g_assert_cmpfloat(m[1][1], >, m[0][1]);
}

/* thpcompact on 6.1 without and with the 5.1+ rescan rule
 * (compaction.rescan, kcompactd.rescan: a round that continues the block
 * the previous round migrated from takes the rest of the block and passes
 * it, so the next compaction does not start inside it again).
 * Measured with ./build/tests/test-policies-compaction --verbose -p
 * /effect/compaction/rescan: compact_migrate_scanned 12497, 12635, 14205
 * (mean 13112) -> 8433, 8507, 6201 (7714); compact_free_scanned 29080,
 * 25171, 48426 (34226) -> 21457, 19812, 24237 (21835); compact_success 12
 * of 12 in both.  Asserted: each mean within twice its seed spread, the
 * migration scanner's work below 0.8x, and the successes unchanged. */
/* Re-measured once linux-6.1 turned the rule and the refused fast-found
 * block on (the arms now set rescan explicitly): migrate scanned without
 * 9033, 9214, 13818 (10688) -> 4334, 6874, 7549 (6252); successes 12, 12,
 * 14 -> 8, 8, 10: with 6.1's refusal, the rescan also costs successes
 * (the rest of a block is taken, then passed).  Bands: mean +- the seed
 * spread; asserted: less scanned and fewer successes with the rule. */
/* Re-measured for #14 item 6 (kcompactd's work takes time): its proactive
 * runs, stopped when kswapd starts (__compact_finished()) and then backed
 * off 32 s for not lowering the score, no longer keep the zone clean at one
 * instant, so direct compaction works much more.  Without: migrate scanned
 * 32.8k, 80.0k, 71.6k (61.5k, was 10.7k), successes 26, 70, 62 (52.7, was
 * 12); rescan: 6.9k, 10.4k, 21.5k (12.9k, was 6.3k), 3, 7, 8 (6, was 8.7).
 * Bands: mean +- the seed spread; the directions are unchanged. */
/* Once the scanners count as the kernel's nr_scanned (a free block is one
 * iteration): without the rule migrate scanned 7427, 12125, 11694 (10415) /
 * with it 2332, 1642, 1598 (1857); successes 22, 66, 69 (52.3) / 11, 3, 5
 * (6.3).  Bands: mean +- the seed spread. */
static void test_effect_rescan(void) {
  const char *without[] = {"compaction.rescan=false", "kcompactd.rescan=false", NULL};
  const char *rescan[] = {"compaction.rescan=true", "kcompactd.rescan=true", NULL};
  const FtArm arms[] = {{"linux-6.1", without}, {"linux-6.1", rescan}};
  const char *cols[] = {"compaction.compact_migrate_scanned", "compaction.compact_success", NULL};
  double m[2][2];
  ft_effect("thpcompact", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("without: compact_migrate_scanned", m[0][0], 5700, 15100);
  ft_assert_band("rescan: compact_migrate_scanned", m[1][0], 1100, 2600);
  ft_assert_band("without: compact_success", m[0][1], 5, 99);
  ft_assert_band("rescan: compact_success", m[1][1], 1, 14.3);
  g_assert_cmpfloat(m[1][0], <, m[0][0] * 0.8);
  g_assert_cmpfloat(m[1][1], <, m[0][1]);
}

/* 6.1 without and with its refusal of the block fast_find_migrateblock()
 * found (compaction.fast_find_refused, kcompactd.fast_find_refused); on
 * compaction2010 until stop 18, on thpcompact since (the last comment).
 * Measured with ./build/tests/test-policies-compaction --verbose -p
 * /effect/compaction/fast-find-refused: compact_success 130, 120, 144
 * (mean 131.3) -> 103, 108, 113 (108); compact_stall 260, 256, 207 (241)
 * -> 339, 289, 375 (334.3); compact_migrate_scanned 332k, 477k, 256k
 * (355k) -> 569k, 784k, 1015k (789k); huge_success_pct 99.2 -> 98.5.
 * The blocks the fast search finds are given up, so direct compaction
 * works through the zone linearly and passes blocks with free pieces it
 * would have emptied: fewer successes, more stalls and more scanning.
 * Asserted: each mean within twice its seed spread, successes below 0.9x
 * and stalls above 1.2x. */
/* Re-measured with the rescan rule and capture's pcp path (the arms now
 * set the parameter explicitly): without, successes 152, 142, 216 (170),
 * stalls 216, 340, 361 (305.7); refused 131, 167, 143 (147), 356, 323, 353
 * (344).  Bands: mean +- the seed spread; asserted: at least 10% fewer
 * successes and more stalls when the found block is refused. */
/* Re-measured for #14 item 6 (kcompactd's work takes time): without,
 * successes 212, 157, 215 (194.7), stalls 294, 293, 265 (284); refused 197,
 * 116, 149 (154), 329, 209, 364 (300.7).  Bands: mean +- the seed spread;
 * the directions are unchanged. */
/* Once the scanners count as the kernel's nr_scanned: without the refusal
 * successes 193, 155, 192 (180), stalls 282, 337, 293 (304), migrate
 * scanned 70k, 64k, 137k (90k); refused 193, 149, 152 (164.7), 317, 245,
 * 319 (293.7), 302k, 285k, 262k (283k).  What marks the mechanism on every
 * seed is the linear sweep: 1.9-4.5x the pfns scanned; successes fall on
 * the mean (-8.5%, no longer 10%) and the stalls no longer move beyond the
 * seed spread.  Bands: mean +- the seed spread; asserted: at least 2x the
 * migrate scanned and fewer successes on the mean. */
/* With the free scanner's 5.1+ sampling stride: without the refusal
 * successes 154, 211, 168 (177.7), stalls 278, 298, 331 (302.3), migrate
 * scanned 209k, 74k, 224k (169k); refused 180, 137, 168 (161.7), 313, 334,
 * 386 (344.3), 188k, 166k, 387k (247k).  The free scanner now samples, so
 * it finds fewer targets a block, the scanners meet sooner and compaction
 * without the refusal also sweeps more (169k, was 90k): the refusal's
 * linear sweep is 1.46x on the mean, and no longer on every seed (seed 1:
 * 188k vs 209k).  Bands: mean +- the seed spread; asserted: fewer
 * successes and at least 1.25x the migrate scanned on the mean. */
/* With 6.1's selective __reset_isolation_suitable() the refusal's effect
 * on compaction2010 turned over: successes 137, 141, 150 (142.7) without
 * and 173, 156, 156 (161.7) refused, migrate scanned 96.9k, 36.2k, 66.5k
 * (66.5k) against 79.0k, 68.7k, 86.6k (78.1k, 1.17x): once fewer skip bits
 * are cleared, the refused blocks' linear sweep no longer costs successes
 * there.  The test moved to thpcompact (mmtests' protocol: fault THP into
 * a fragmented zone), where the kernel's trace of the same mechanism
 * (docs/validation.md, disagreement 2) shows what it does: the found block
 * is given up, the scanner sweeps on, fewer compactions succeed.  Measured:
 * compact_success 15, 15, 9 (13) -> 5, 8, 5 (6); compact_migrate_scanned
 * 1554, 1328, 746 (1209) -> 2424, 1729, 1402 (1852); huge_success_pct
 * 99.5, 100, 100 (99.83) -> 97.5, 97.5, 98 (97.67); each on every seed.
 * Bands: mean +- the seed spread (at least 1 point for success);
 * asserted: under 0.7x the successes, at least 1.25x the migrate scanned
 * and fewer huge pages. */
static void test_effect_fast_find_refused(void) {
  const char *without[] = {"compaction.fast_find_refused=false", "kcompactd.fast_find_refused=false", NULL};
  const char *refused[] = {"compaction.fast_find_refused=true", "kcompactd.fast_find_refused=true", NULL};
  const FtArm arms[] = {{"linux-6.1", without}, {"linux-6.1", refused}};
  const char *cols[] = {"compaction.compact_success", "compaction.compact_migrate_scanned", "huge_success_pct", NULL};
  double m[2][3];
  ft_effect("thpcompact", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("without: compact_success", m[0][0], 7, 19);
  ft_assert_band("refused: compact_success", m[1][0], 3, 9);
  ft_assert_band("without: compact_migrate_scanned", m[0][1], 401, 2017);
  ft_assert_band("refused: compact_migrate_scanned", m[1][1], 830, 2874);
  ft_assert_band("without: huge_success_pct", m[0][2], 98.8, 100);
  ft_assert_band("refused: huge_success_pct", m[1][2], 96.7, 98.7);
  g_assert_cmpfloat(m[1][0], <, 0.7 * m[0][0]);
  g_assert_cmpfloat(m[1][1], >=, 1.25 * m[0][1]);
  g_assert_cmpfloat(m[1][2], <, m[0][2]);
}

/* __reset_isolation_suitable(), 5.1+ against before.  A zone of anonymous
 * pages with every skip bit set and one pageblock freed near the top (the
 * blocks next to reserved memory hold zsmalloc pages: movable, never on an
 * LRU).  6.1 (with the fast searches) walks in from both ends: the first
 * block with an LRU page becomes the migration scanner's restart, the
 * highest MOVABLE block with a free page (the freed one; the full blocks
 * above it have none) the free scanner's restart and compact_init_free_pfn,
 * and the blocks where no sample finds either keep their bit.  Before 5.1
 * every bit is cleared and the scanners restart at the zone's ends. */
static void test_compaction_reset_selective(void) {
  for (int fast = 0; fast < 2; fast++) {
    Fx fx;
    const char *sets[] = {fast ? "compaction.fast_search=true" : "compaction.fast_search=false",
                          "compaction.shared_state=true", NULL};
    fx_open(&fx, "migratetype+compaction", sets);
    fill(&fx, FS_KIND_ANON, false);
    FsiMem *m = &fx.run->mem;
    const FsiZone *zn = &m->zones[ZONE];
    uint64_t first = pb_of(zn->start_pfn), last = pb_of(zn->end_pfn - 1);
    uint64_t freed = last - 3; /* a full block of anonymous pages, three from the top */
    for (guint i = 0; i < fx.handles->len; i++) {
      FsiHandle *h = &g_array_index(fx.handles, FsiHandle, i);
      if (*h && pb_of(ft_pfn_of(fx.run, *h)) == freed) {
        fsi_run_free_handle(fx.run, *h);
        *h = FSI_HANDLE_NONE;
      }
    }
    ft_check(fx.run);
    /* the lowest block holding an anonymous page */
    uint64_t lru = last;
    for (guint i = 0; i < fx.handles->len; i++) {
      FsiHandle h = g_array_index(fx.handles, FsiHandle, i);
      if (h) lru = MIN(lru, pb_of(ft_pfn_of(fx.run, h)));
    }
    g_assert_cmpuint(lru, <, freed);
    for (uint64_t b = first; b <= last; b++) m->blocks[b].skip = true;
    FscZone *z = (FscZone *)shared_zone(fx.run, ZONE);
    g_assert_nonnull(z);
    z->blockskip_flush = true;
    FsiSlot *s = ft_slot(fx.run, "compaction");
    s->policy->ops.kswapd_done(s->state, 0, ZONE);
    uint64_t kept = 0, kept_above = 0;
    for (uint64_t b = first; b <= last; b++) {
      kept += m->blocks[b].skip ? 1 : 0;
      kept_above += b > freed && m->blocks[b].skip ? 1 : 0;
    }
    g_assert_false(z->blockskip_flush);
    if (fast) {
      g_assert_false(m->blocks[freed].skip);
      g_assert_false(m->blocks[lru].skip);
      g_assert_cmpuint(kept_above, ==, last - freed); /* full, no free page: kept */
      g_assert_cmpuint(z->cached_migrate_pfn[0], ==, MAX(lru * PB, zn->start_pfn));
      g_assert_cmpuint(z->init_migrate_pfn, ==, z->cached_migrate_pfn[0]);
      g_assert_cmpuint(z->cached_free_pfn, ==, zn->end_pfn - 1 - (last - freed) * PB);
      g_assert_cmpuint(pb_of(z->init_free_pfn), ==, freed);
    } else {
      g_assert_cmpuint(kept, ==, 0);
      g_assert_cmpuint(z->cached_migrate_pfn[0], ==, zn->start_pfn);
      g_assert_cmpuint(z->cached_free_pfn, ==, last * PB);
    }
    fx_close(&fx);
  }
}

/* stress-highalloc on 6.1 with one compaction state per policy (the old
 * model) and one per zone shared by direct compaction and kcompactd.
 * Measured with ./build/tests/test-policies-compaction --verbose -p
 * /effect/compaction/shared-state: direct compaction's compact_deferred
 * 768, 786, 800 (mean 785) -> 1440, 1088, 1223 (1250): it now sees the
 * deferrals kcompactd's failures set; its compact_migrate_scanned 3.52M,
 * 3.14M, 3.58M (3.41M) -> 1.42M, 1.43M, 1.71M (1.52M): it starts where
 * kcompactd left the zone's cached pfns and is deferred more often;
 * kcompactd's compact_daemon_migrate_scanned 1.10M, 1.08M, 1.04M (1.08M)
 * -> 1.56M, 1.64M, 1.47M (1.56M); huge_success_pct 76.9, 77.1, 76.9
 * (77.0) -> 69, 69.1, 70 (69.4).  Asserted: each mean within twice its
 * seed spread (at least 10%, 2 points for the percentages), direct
 * compaction deferred at least 1.2x as often and scanning under 0.6x, and
 * at least 4 points fewer huge pages.
 * After #14 items 3-4 (the preset's anon and page cache order 0 only; 6.1
 * skipping compound pages; the async chunk skip after a failed migration),
 * measured the same way: compact_deferred 346, 537, 443 (442) -> 811, 936,
 * 1272 (1006); compact_migrate_scanned 2.07M, 2.01M, 1.91M (2.00M) -> 534k,
 * 499k, 548k (527k); huge_success_pct 84.6, 81.6, 82 (82.7) -> 75.8,
 * 75.67, 73 (74.8).  Same directions, larger ratios; bands re-drawn at
 * twice the seed spreads. */
/* Re-measured after the rest of #14 (capture, the pcp path, isolation per
 * era, rescan and the refused fast-found block on in linux-6.1): separate
 * deferred 440, 662, 641 (581), migrate scanned 1.85, 1.92, 1.75M (1.84M),
 * huge 82, 81.9, 82.1 %; shared 1176, 1151, 1353 (1227), 877k, 822k, 656k
 * (785k), 73.3, 73, 72.8 %.  Bands: mean +- the seed spread (success: +-1
 * point, its spread being under 0.5); the directions are unchanged. */
/* Re-measured for #14 item 6 (kcompactd's work takes time): separate
 * deferred 456, 609, 688 (584.3), migrate scanned 1.91, 1.87, 1.91M
 * (1.90M), huge 81.2, 81.27, 81.4 %; shared 815, 1025, 971 (937, was
 * 1227), 1010k, 1112k, 736k (952k, was 785k), 76.2, 75.73, 75.6 % (was
 * 73 %).  Bands: mean +- the seed spread (at least 10% for the scanned
 * pages, 1 point for success); the directions are unchanged. */
/* Once the scanners count as the kernel's nr_scanned: separate migrate
 * scanned 1.37M, 1.63M, 1.55M (1.51M, was about 1.9M; band mean +- the
 * seed spread); the other bands hold. */
/* With the free scanner's 5.1+ sampling stride: shared huge 74.8, 75.33,
 * 73.6 % (74.58 %, was about 75.9 %); band re-drawn at mean +- the seed
 * spread; separate 81.47, 80.8, 81.6 % and the other bands hold. */
/* With 6.1's selective __reset_isolation_suitable(): separate deferred 609,
 * 849, 644 (700.7), migrate scanned 1.106M, 0.715M, 1.197M (1.006M, was
 * 1.51M), huge 81.67, 77.33, 81.13 % (80.04); shared 931, 924, 1061 (972),
 * 353k, 385k, 462k (400k, was about 690k), 75.33, 74.73, 74.6 % (74.89).
 * Fewer skip bits cleared, less scanning in both arms.  The scanned bands
 * and the separate success band re-drawn at mean +- the seed spread; the
 * directions hold on the mean (success: 5.2 points, 2.6 on seed 2). */
/* With swap-out written by the device (vm.swap_io=async, a bounded queue):
 * separate deferred 771, 550, 816 (712.3), migrate scanned 1.762M, 1.696M,
 * 1.680M (1.713M), huge 79.53, 80.6, 80.07 % (80.07); shared 1111, 1067,
 * 1234 (1137.3), 566k, 436k, 529k (510k), 72.67, 72.33, 72.33 % (72.44).
 * Bands re-drawn at mean +- the seed spread (at least 10% for the scanned
 * pages, 1 point for success); the directions hold.
 * Stop 22 (reclaim frees to the reclaimer's per-CPU lists): separate
 * deferred 906, 623, 762 (763.7), migrate scanned 1.703M, 1.172M, 1.377M
 * (1.417M), huge 79.4, 80.07, 80.47 % (79.98); shared 1061, 937, 999
 * (999), 382k, 457k, 431k (423k), 74.4, 73.4, 71.6 % (73.13).  The
 * separate scanned band re-drawn at mean +- the seed spread (531k), the
 * shared success band at +- its spread (2.8 points); the directions hold.
 * Stop 31 (get_scan_count()'s SCAN_FRACT shares adding up to one, with
 * 6.1's cost feedback, vm.scan_balance, and the active anon list's aging,
 * vm.age_anon, at the end of shrink_lruvec(); with kswapd's
 * age_active_anon() too, every band and direction below holds): separate
 * deferred 486, 505, 469 (486.7), migrate scanned 1.473M, 1.111M, 1.577M
 * (1.387M), huge 79.93, 79.13, 80.13 % (79.73); shared 689, 805, 835
 * (776.3), 699k, 498k, 623k (607k), 76.33, 75.67, 77.47 % (76.49).  Shared
 * success is lower on every seed by 2.7-3.6 points (3.2 on the mean, was
 * 6.9): the success assertion is now 2 points; the shared success band
 * re-drawn at mean +- 1.5 points; the others hold. */
static void test_effect_shared_state(void) {
  const char *separate[] = {"compaction.shared_state=false", "kcompactd.shared_state=false", NULL};
  const FtArm arms[] = {{"linux-6.1", separate}, {"linux-6.1", NULL}};
  const char *cols[] = {"compaction.compact_deferred", "compaction.compact_migrate_scanned", "huge_success_pct", NULL};
  double m[2][3];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("separate: compact_deferred", m[0][0], 352, 817);
  ft_assert_band("shared: compact_deferred", m[1][0], 727, 1147);
  ft_assert_band("separate: compact_migrate_scanned", m[0][1], 886e3, 1948e3);
  ft_assert_band("shared: compact_migrate_scanned", m[1][1], 380e3, 640e3);
  ft_assert_band("separate: huge_success_pct", m[0][2], 75.7, 84.4);
  ft_assert_band("shared: huge_success_pct", m[1][2], 75.2, 78.3);
  g_assert_cmpfloat(m[1][0], >, m[0][0] * 1.2);
  g_assert_cmpfloat(m[1][1], <, m[0][1] * 0.6);
  g_assert_cmpfloat(m[1][2], <, m[0][2] - 2);
}

/* stress-highalloc on 6.1 with the order mix the preset had before #14
 * item 3 (anon 0:95, 1:3, 2:2; page cache 0:97, 1:2, 2:1), compaction's
 * migration scanner skipping every compound page (vm.compaction_large_folios
 * =false: 6.1's isolate_migratepages_block) and taking those below the
 * requested order (true: large folios, linux-6.15).  The scattered order-1/2
 * user pages pin their chunks when skipped, so fewer huge pages form.
 * Measured with ./build/tests/test-policies-compaction --verbose -p
 * /effect/compaction/large-folios: huge_success_pct 50.2, 50.73, 49.27
 * (50.07) -> 69.93, 69.93, 69.4 (69.75); pgmigrate_success 324727, 307634,
 * 311288 (314550) -> 391839, 372650, 376823 (380437).  Asserted: success
 * within 3.5 points (spreads 1.5 and 0.5), migrations within 2x their
 * spreads (17k, 19k), large folios adding at least 12 points and 10% more
 * migrations. */
/* Re-measured after the rest of #14 (capture, the pcp path, rescan and the
 * refused fast-found block on in linux-6.1): huge 46.8, 47.7, 50.3 (48.3)
 * -> 67.2, 69.6, 69.7 (68.8) %; pgmigrate_success 296k, 311k, 341k (316k)
 * -> 319k, 311k, 315k (315k): with 6.1's refused fast-found block the
 * large folios no longer add migrations, only successes.  Bands: mean +-
 * the seed spread; the migration-count direction is no longer asserted. */
/* Re-measured for #14 item 6 (kcompactd's work takes time): huge 47.67,
 * 47.93, 47 (47.53) -> 70, 69.53, 69.2 (69.58) %, inside the bands;
 * pgmigrate_success 318k, 327k, 326k (324k) -> 331k, 335k, 335k (333.6k,
 * was 315k).  The large-folio migrations' band is now mean +- 5% (spread
 * 4k). */
/* With 6.1's selective __reset_isolation_suitable(): huge 50.13, 47.87,
 * 49.13 (49.04) -> 71.93, 72.8, 70.07 (71.6) %; pgmigrate_success 304k,
 * 352k, 307k (321k) -> 309k, 321k, 345k (325k).  The large-folio success
 * band re-drawn at mean +- the seed spread; the rest hold. */
/* With swap-out written by the device (vm.swap_io=async, a bounded
 * queue): huge 50.33, 47.73, 46.47 (48.18) -> 66.73, 68.47, 67.6
 * (67.6) %; pgmigrate_success 331.6k, 356.3k, 367.4k (351.8k) -> 307.8k,
 * 374.8k, 361.0k (347.9k).
 * Bands: mean +- the seed spread (at least 5%); the rest hold.
 * With the file-only scan while page cache is plentiful (vm.scan_file_first,
 * stop 30): huge 43.87, 46.33, 43.93 (44.71) -> 68.53, 71.6, 68.67
 * (69.6) %; pgmigrate_success 372.8k, 335.3k, 368.8k (358.9k) -> 314.4k,
 * 295.1k, 332.3k (313.9k).  The compound-skipped success band re-centred
 * (same width); the rest hold.
 * Stop 31 (get_scan_count()'s SCAN_FRACT shares adding up to one, with
 * 6.1's cost feedback, vm.scan_balance, and the active anon list's aging,
 * vm.age_anon, at the end of shrink_lruvec(); with kswapd's
 * age_active_anon() too, every band and direction below holds): huge 45.53,
 * 46.2, 50.0 (47.24) -> 71.87, 71.47, 73.87 (72.4) %; pgmigrate_success
 * 368.9k, 314.7k, 323.0k (335.5k) -> 318.5k, 307.5k, 332.0k (319.3k).  The
 * large-folio success band re-centred (same width); the rest hold. */
static void test_effect_large_folios(void) {
  const char *mix = "stream.compiler.orders=0:95, 1:3, 2:2";
  const char *mix_file = "stream.pagecache.orders=0:97, 1:2, 2:1";
  const char *skip[] = {mix, mix_file, "vm.compaction_large_folios=false", NULL};
  const char *take[] = {mix, mix_file, "vm.compaction_large_folios=true", NULL};
  const FtArm arms[] = {{"linux-6.1", skip}, {"linux-6.1", take}};
  const char *cols[] = {"huge_success_pct", "pgmigrate_success", NULL};
  double m[2][2];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("compound skipped: huge_success_pct", m[0][0], 41.2, 48.2);
  ft_assert_band("large folios: huge_success_pct", m[1][0], 68.4, 75.3);
  ft_assert_band("compound skipped: pgmigrate_success", m[0][1], 270000, 380000);
  ft_assert_band("large folios: pgmigrate_success", m[1][1], 280000, 415000);
  g_assert_cmpfloat(m[1][0], >, m[0][0] + 12);
}

/* stress-highalloc on 6.1 (30% of its page cache written) with the page
 * cache's filesystem having a migrate_folio callback (ext4, xfs: the
 * default) and without one (vm.file_migrate_folio=false): async compaction
 * then does not isolate dirty page cache (ISOLATE_ASYNC_MIGRATE) and
 * sync-light migration of it fails (fallback_migrate_folio: -EBUSY).
 * Measured with ./build/tests/test-policies-compaction --verbose -p
 * /effect/compaction/file-migrate-folio: huge_success_pct 75.8, 75.67, 73
 * (74.82) -> 68.87, 65.33, 65.73 (66.64); pgmigrate_fail 2, 2, 4 (2.7) ->
 * 81744, 68375, 103957 (84692).  Asserted: success within twice the seed
 * spread (2.8, 3.5), failures at most 20 with the callback and within twice
 * the spread (35.6k) without, at least 4 points fewer huge pages without. */
/* With the free scanner's 5.1+ sampling stride: with the callback
 * pgmigrate_fail 192, 3, 67 (87.3: pages under writeback or pinned, the
 * only failures with the callback; compaction sweeps more of the zone
 * now, 690k pfns scanned on this preset where 639k before), huge 74.8,
 * 75.33, 73.6 %; without 132971,
 * 127256, 164398 (141.5k), 62.93, 61.67, 62.47 %.  The band for failures
 * with the callback is now at most 400 (under 0.3% of the failures
 * without); the others hold. */
/* With swap-out written by the device (vm.swap_io=async): anonymous pages
 * in the swap cache under writeback now fail migration too (-EBUSY, as
 * page cache under writeback does): with the callback pgmigrate_fail 1951,
 * 2354, 1603 (1969), huge 72.67, 72.33, 72.33 %; without 100097, 105392,
 * 164611 (123.4k), 62.8, 63.73, 63.4 %.  The band for failures with the
 * callback is now at most 3000 (under 2.5% of the failures without).
 * With the uncut direct reclaim at DEF_PRIORITY (vm.direct_reclaim_cut=
 * below-def, stop 30): with the callback pgmigrate_fail 2766, 3304, 3370
 * (3147), huge 74.07, 72.6, 73.2 %; without 110522, 138745, 115842
 * (121.7k), 62.53, 60.53, 57.33 %.  The band for failures with the
 * callback is now at most 4500 (under 4% of the failures without).
 * With the file-only scan while page cache is plentiful (vm.scan_file_first,
 * stop 30): with the callback pgmigrate_fail 6703, 8170, 9298 (8057), huge
 * 73.6, 72.93, 73.8 %; without 90079, 44151, 35473 (56.6k), 68.93, 70,
 * 67.4 %.  The band for failures with the callback is now at most 12000
 * (under a quarter of the failures without); the others hold. */
static void test_effect_file_migrate_folio(void) {
  const char *without[] = {"vm.file_migrate_folio=false", NULL};
  const FtArm arms[] = {{"linux-6.1", NULL}, {"linux-6.1", without}};
  const char *cols[] = {"huge_success_pct", "pgmigrate_fail", NULL};
  double m[2][2];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("migrate_folio: huge_success_pct", m[0][0], 69.2, 80.4);
  ft_assert_band("no migrate_folio: huge_success_pct", m[1][0], 59.6, 73.6);
  ft_assert_band("migrate_folio: pgmigrate_fail", m[0][1], 0, 12000);
  ft_assert_band("no migrate_folio: pgmigrate_fail", m[1][1], 13500, 156000);
  g_assert_cmpfloat(m[1][0], <, m[0][0] - 4);
}

/* stress-highalloc on 2.6.23 (grouping) with and without lumpy reclaim,
 * with 1G of swap (lumpy cannot take anonymous neighbours without it):
 * huge page success under load rises a lot, at the cost of many more pages
 * reclaimed directly.
 * Measured (huge pages of kind module since #13 item 1) with
 * ./build/tests/test-policies-compaction --verbose -p
 * /effect/lumpy/stress-highalloc: passes 1+2 success 1/2, 1/1.4, 1/1.6 %
 * (sum of means 2.7) -> 88.4/87.4, 81.8/87.4, 87.2/88 % (173.4);
 * pgsteal_direct 31777, 31915, 31925 (31872) -> 212323, 221510, 221203
 * (218345); pswpout 789939, 795502, 795250 (793564) -> 673501, 654262,
 * 675541 (667768).  Asserted: the success sums within 6 and 13 points
 * (spreads 0.6 and 6.6), direct reclaim within 10% (spread up to 9k),
 * swap-out within 5% (spread 21k), lumpy adding at least 150 points and 6
 * times the direct reclaim (measured 6.9).
 * Swap-out: the old assertion, lumpy raising pswpout by 10%, measured the
 * bug #13 item 1 removed: with the requests of THP kind (--set
 * phase.{pass1,pass2,rest}.hugepage_kind=thp, seed 1) lumpy swapped the
 * test's own held huge pages out (pass 1: 490 successes on 317 distinct
 * blocks) and pswpout rose 672024 -> 782050.  With pages that cannot be
 * reclaimed, lumpy serves the order-9 requests from direct reclaim, so a
 * failing request wakes kswapd at order 9 far less often (fs_kswapd_wake
 * 1464 -> 716, seed 1) and kswapd's reclaim falls (pgsteal_kswapd 1472814
 * -> 1179419), which more than offsets the anonymous neighbours lumpy
 * swaps: asserted, swap-out falls by at least 5% (measured 16%).
 * After #13 items 5 and 7 (the without arm is now 2.6.23 less lumpy:
 * vm.kswapd_high_order=sweep and vm.shrinker_defer=full as the stack sets;
 * lumpy's blocks credited to the reclaimer), measured the same way: passes
 * 1+2 success 50.6, 51.6, 49.4 (50.5) -> 191.8, 192, 191.8 (191.9) %:
 * kswapd's 2.6.23 sweep alone keeps reclaiming at order 9 and makes huge
 * pages without lumpy too; pgsteal_direct 27728, 27585, 27840 (27718) ->
 * 255325, 252040, 254518 (253961); pswpout 872931, 867617, 876709 (872419)
 * -> 822480, 819612, 817689 (819927).  Asserted: success within 6 points
 * (spreads 2.2 and 0.2), direct reclaim within 10% (spreads 255 and 3.3k),
 * swap-out within 5% (spreads 9.1k and 4.8k); lumpy adding at least 100
 * points (measured 141) and 6 times the direct reclaim (9.2), and lowering
 * swap-out by at least 3% (measured 6%).
 * After the merge of the rest of #13 (the without arm carries 2.6.23's era
 * settings: kswapd's pre-2.6.29 high-order loop, the 2.6 pcp sizing, the
 * per-call drain; async writeback, the slow path's sleeps): success 86.2,
 * 88, 87.2 (87.1) -> 191.4, 191.4, 191.8 (191.5) %: kswapd looping at
 * order 9 makes many huge pages without lumpy; pgsteal_direct 23018, 22956,
 * 22746 (22907) -> 108526, 107593, 109467 (108529); pswpout 894217,
 * 892844, 896482 (894514) -> 919580, 915038, 922701 (919106).  Asserted:
 * success within 6 points (spreads 1.8, 0.4), direct reclaim within 10%,
 * swap-out within 5%; lumpy adding at least 80 points (measured 104), 3
 * times the direct reclaim (4.7) and some swap-out (measured +2.7%).
 * After #14 item 3 (the preset's anon and page cache streams order 0 only),
 * measured the same way: success 96, 97.6, 92.4 (95.3) -> 191.8, 191.4, 192
 * (191.7) %; pgsteal_direct 21695, 22176, 21923 (21931) -> 105955, 108901,
 * 101902 (105586); pswpout 813354, 813529, 814957 (813947) -> 833049,
 * 833341, 834533 (833641).  Without the order-1/2 user pages, grouping
 * alone makes more huge pages; lumpy still adds 96 points, 4.8 times the
 * direct reclaim and +2.4% swap-out.  Bands: success within twice the
 * spread (5.2) or 6 points, reclaim within 10% or twice the spread, swap-out
 * within 5%.
 * Stop 22 (reclaim frees to the reclaimer's per-CPU lists, not the owner's):
 * success 70.4, 68.2, 69.4 (69.3) -> 192, 192, 191.6 (191.9) %;
 * pgsteal_direct 22129, 22353, 22167 (22216) -> 101567, 99547, 98451
 * (99855); pswpout 828104, 832400, 833187 (831230) -> 835606, 836432,
 * 839771 (837270).  The pages kswapd frees no longer go straight back to
 * the compiles' CPUs, so grouping alone makes fewer huge pages under load;
 * lumpy adds 123 points.  The without arm's success band re-drawn at 6
 * points around it. */
static void test_effect_lumpy(void) {
  const char *without[] = {"migratetype.nofragment=false", "vm.watermark_boost_factor=0",
                           "vm.watermark_check=pre-4.4", "vm.kswapd_high_order=loop", "vm.shrinker_defer=full",
                           "vm.pcp_high_order=false", "vm.reclaim_compaction=off", "vm.direct_reclaim_drain=2.6.35",
                           "vm.pcp_sizing=2.6", "vm.thp_enabled=never", "vm.swap=1G", PRE_DISK_SWAP, NULL};
  const char *with[] = {"vm.swap=1G", "vm.kswapd_balance=any", PRE_DISK_SWAP, NULL}; /* see test_effect_compaction_2010 */
  const FtArm arms[] = {{"migratetype", without}, {"linux-2.6.23", with}};
  const char *cols[] = {"phase_pass1_huge_success_pct", "phase_pass2_huge_success_pct", "pgsteal_direct", "pswpout",
                        NULL};
  double m[2][4];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("without lumpy: passes 1+2 success %", m[0][0] + m[0][1], 63.3, 75.3);
  ft_assert_band("with lumpy: passes 1+2 success %", m[1][0] + m[1][1], 185.7, 197.7);
  ft_assert_band("without lumpy: pgsteal_direct", m[0][2], 19738, 24124);
  ft_assert_band("with lumpy: pgsteal_direct", m[1][2], 91600, 119600);
  ft_assert_band("without lumpy: pswpout", m[0][3], 773250, 854644);
  ft_assert_band("with lumpy: pswpout", m[1][3], 791959, 875323);
  g_assert_cmpfloat(m[1][0] + m[1][1], >, m[0][0] + m[0][1] + 80);
  g_assert_cmpfloat(m[1][2], >, m[0][2] * 3);
  g_assert_cmpfloat(m[1][3], >, m[0][3]);
}

/* Lumpy reclaim's frees credited to the reclaimer (#13 item 7):
 * stress-highalloc on 2.6.23 with 1G of swap, lumpy.credit=false (the
 * model before: direct reclaim went on to reclaim its own 32 pages after
 * each block) against the default.  Measured with
 * ./build/tests/test-policies-compaction --verbose -p /effect/lumpy/credit:
 * pages per direct reclaim (pgsteal_direct / allocstall_dma32) without
 * credit 224946/437 = 514.8, 219226/429 = 511.0, 222613/440 = 505.9 (mean
 * of the columns 510.6), with it 255325/713 = 358.1, 252040/725 = 347.6,
 * 254518/716 = 355.5 (353.7); passes 1+2 success 174.2, 184.6, 174.4 (177.7)
 * -> 191.8, 192, 191.8 (191.9) %.  The total pgsteal_direct rises (222262
 * -> 253961) because a credited reclaimer returns to the allocator after
 * one block and stalls more often (allocstall 435 -> 718).  Asserted: pages
 * per direct reclaim within 21 of the means (spreads 9 and 10.5), falling
 * by at least 20% (measured 31%); success within 20 and 4 points (spreads
 * 10.4 and 0.2), rising.
 * After the merge of the rest of #13 (2.6.23's kswapd loop keeps reclaiming
 * at order 9, so direct reclaim is rarer and both arms reach the same
 * success): pages per direct reclaim 155454/617 = 252, 154171/605 = 254.8,
 * 151557/609 = 248.9 (mean of the columns 251.9) -> 108526/714 = 152,
 * 107593/705 = 152.6, 109467/711 = 154 (152.9); success 191.4, 192, 192.4
 * (191.9) -> 191.4, 191.4, 191.8 (191.5) %.  Asserted: pages per direct
 * reclaim within 12 (spreads 5.9 and 2), falling by at least 20% (measured
 * 39%); success within 4 points, no longer rising (both at the ceiling).
 * With the stack's per-zone LRU lists (stop 24): 149636/560 = 267.2,
 * 150558/564 = 266.9, 144510/561 = 257.6 (263.9) -> 96779/667 = 145.1,
 * 105219/665 = 158.2, 97204/664 = 146.4 (149.9), falling 43%; success
 * 192.0, 192.2, 192.2 (192.1) -> 191.8, 191.8, 192.0 (191.9) %; the bands
 * kept as wide, moved to the new means.
 * Stop 33 (before 3.2 direct reclaim writes the dirty page cache it meets,
 * vm.reclaim_write_file=any): 142666/600 = 237.8, 131929/600 = 219.9,
 * 131970/596 = 221.4 (226.4) -> 111169/684 = 162.5, 107660/676 = 159.3,
 * 111453/676 = 164.9 (162.2), falling 28%; success 191.6 -> 191.4 %; the
 * per-reclaim bands kept as wide, moved to the new means. */
static void test_effect_lumpy_credit(void) {
  const char *off[] = {"vm.swap=1G", "lumpy.credit=false", "vm.kswapd_balance=any", PRE_DISK_SWAP, NULL};
  const char *on[] = {"vm.swap=1G", "vm.kswapd_balance=any", PRE_DISK_SWAP, NULL}; /* see test_effect_compaction_2010 */
  const FtArm arms[] = {{"linux-2.6.23", off}, {"linux-2.6.23", on}};
  const char *cols[] = {"pgsteal_direct", "allocstall_dma32", "phase_pass1_huge_success_pct",
                        "phase_pass2_huge_success_pct", NULL};
  double m[2][4];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  double per[2] = {m[0][0] / m[0][1], m[1][0] / m[1][1]};
  g_test_message("pages per direct reclaim: %.1f -> %.1f", per[0], per[1]);
  ft_assert_band("without credit: pages per direct reclaim", per[0], 214.4, 238.4);
  ft_assert_band("with credit: pages per direct reclaim", per[1], 150.2, 174.2);
  ft_assert_band("without credit: passes 1+2 success %", m[0][2] + m[0][3], 188.1, 196.1);
  ft_assert_band("with credit: passes 1+2 success %", m[1][2] + m[1][3], 187.9, 195.9);
  g_assert_cmpfloat(per[1], <, per[0] * 0.8);
}

/* kswapd's high order in 2.6.23-2.6.37 (vm.kswapd_high_order=sweep, the
 * 2.6.x stacks' setting) against 4.8+'s compact_gap reset, on the 2.6.23
 * stack with 1G of swap: kswapd keeps the order far longer, so it runs many
 * more balance_pgdat passes (pageoutrun) and lumpy-reclaims more blocks.
 * Measured with ./build/tests/test-policies-compaction --verbose -p
 * /effect/kswapd/high-order-sweep: pageoutrun 1139, 1339, 1190 (mean
 * 1222.7) -> 11082, 12475, 10468 (11341.7); lumpy blocks 4972, 6243, 5240
 * (5485) -> 19852, 22559, 20330 (20913.7); pgsteal_kswapd 1283930,
 * 1271680, 1272330 (1275980) -> 1300620, 1302070, 1298960 (1300550);
 * success about the same (94.4/95.1 -> 96/95.9 %).  Asserted: each within
 * twice its spread of the mean (pageoutrun 200 and 2007, blocks 1271 and
 * 2707, pgsteal_kswapd 12k and 3k), pageoutrun at least 5 times (measured
 * 9.3) and lumpy blocks twice (3.8) what compact-gap gives, and kswapd
 * reclaiming more.
 * After the merge of the rest of #13 (2.6.23 itself now loops; the sweep arm
 * sets sweep explicitly): pageoutrun 1205, 1196, 1310 (1237) -> 12833,
 * 12512, 16713 (14019); lumpy blocks 6911, 6197, 7502 (6870) -> 32481,
 * 31511, 37608 (33867); pgsteal_kswapd 1.3435M, 1.3360M, 1.3339M (1.3378M)
 * -> 1.5457M, 1.5442M, 1.5518M (1.5472M).  Bands twice the spreads.
 * After #14 item 3 (the preset's anon and page cache order 0 only):
 * pageoutrun 1184, 1187, 1214 (1195) -> 11149, 11389, 23378 (15305);
 * lumpy blocks 6240, 7182, 6927 (6783) -> 22744, 24500, 18004 (21749);
 * pgsteal_kswapd 1.2448M, 1.2600M, 1.2503M (1.2517M) -> 1.4242M, 1.4247M,
 * 1.4386M (1.4292M).  Fewer order-1/2 requests: kswapd reclaims less in
 * both arms; the sweep arm's pageoutrun and blocks vary more (seed 3).
 * Bands twice the spreads (pgsteal_kswapd: 3%).
 * Stop 22 (reclaim frees to the reclaimer's per-CPU lists): compact-gap
 * pageoutrun 1795, 1820, 1894 (1836), lumpy blocks 6299, 6451, 6266,
 * pgsteal_kswapd 1.2502M, 1.2487M, 1.2565M; sweep 11691, 11754, 11709
 * (11718, 6.4x), 21279, 20171, 18210, 1.4301M, 1.4353M, 1.4458M.  The
 * compact-gap pageoutrun band re-drawn at twice the spread; the others
 * hold.
 * Stop 33 (before 3.2 direct reclaim writes the dirty page cache it meets,
 * vm.reclaim_write_file=any): compact-gap pageoutrun 1791, 1821, 2687
 * (2100), lumpy blocks 7250, 7247, 7613, pgsteal_kswapd 1.2681M, 1.2766M,
 * 1.2758M; sweep 12287, 12277, 12473 (12346, 5.9x), 22208, 19512, 25106,
 * 1.4128M, 1.4148M, 1.4198M.  Seed 3's compact-gap arm runs half as many
 * passes again; its band re-drawn at twice the spread; the others hold. */
static void test_effect_kswapd_sweep(void) {
  const char *gap[] = {"vm.swap=1G", "vm.kswapd_high_order=compact-gap", "vm.kswapd_balance=any", PRE_DISK_SWAP,
                       NULL};
  const char *sweep[] = {"vm.swap=1G", "vm.kswapd_high_order=sweep", "vm.kswapd_balance=any", PRE_DISK_SWAP, NULL};
  const FtArm arms[] = {{"linux-2.6.23", gap}, {"linux-2.6.23", sweep}};
  const char *cols[] = {"pageoutrun", "pgsteal_kswapd", "lumpy.lumpy_blocks", "phase_pass1_huge_success_pct",
                        "phase_pass2_huge_success_pct", NULL};
  double m[2][5];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("compact-gap: pageoutrun", m[0][0], 300, 3900);
  ft_assert_band("sweep: pageoutrun", m[1][0], 5600, 40000);
  ft_assert_band("compact-gap: lumpy blocks", m[0][2], 4260, 9480);
  ft_assert_band("sweep: lumpy blocks", m[1][2], 8700, 40000);
  ft_assert_band("compact-gap: pgsteal_kswapd", m[0][1], 1214000, 1289000);
  ft_assert_band("sweep: pgsteal_kswapd", m[1][1], 1400000, 1460000);
  g_assert_cmpfloat(m[1][0], >, m[0][0] * 5);
  g_assert_cmpfloat(m[1][2], >, m[0][2] * 2);
  g_assert_cmpfloat(m[1][1], >, m[0][1]);
}

/* Before 2.6.29 (vm.kswapd_high_order=loop, the 2.6.16-2.6.24 stacks)
 * kswapd never dropped a high order it could not balance: after every sweep
 * that reclaimed anything it started again at the same order.  2.6.29's
 * "stop kswapd's infinite loop" (sweep) drops it after a sweep under 32
 * pages.  On linux-2.6.24 (lumpy reclaim) the two hardly differ (seeds 1-3:
 * pageoutrun 17826 -> 18937, pgsteal_kswapd 1.036M -> 1.033M, success the
 * same): kswapd balances at order 9 soon.  Without lumpy reclaim
 * (linux-2.6.16, 512M), where kswapd rarely balances at order 9, loop runs
 * more balance_pgdat passes (seed 1: 31776 -> 33820), the reclaim itself
 * is the same (every sweep under load reclaims 32 pages or more, so sweep
 * keeps the order too).  Measured with
 * ./build/tests/test-policies-compaction --verbose -p
 * /effect/kswapd/high-order-loop: see the assertion. */
static void test_effect_kswapd_loop(void) {
  const char *sweep[] = {"machine.memory=512M", "vm.kswapd_high_order=sweep", "vm.kswapd_balance=any", PRE_DISK_SWAP,
                         NULL};
  const char *loop[] = {"machine.memory=512M", "vm.kswapd_balance=any", PRE_DISK_SWAP, NULL}; /* see test_effect_compaction_2010 */
  const FtArm arms[] = {{"linux-2.6.16", sweep}, {"linux-2.6.16", loop}};
  const char *cols[] = {"pageoutrun", "pgsteal_kswapd", "phase_pass1_huge_success_pct", "phase_pass2_huge_success_pct",
                        NULL};
  double m[2][4];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  /* measured: pageoutrun 31776, 31798, 31650 (31741) -> 33820, 33947,
   * 34317 (34028); pgsteal_kswapd 1.3907M -> 1.3913M; success 0.07/0.2 % on
   * both.  Bands twice the spreads (148, 497).  After #14 item 3 (the
   * preset's anon and page cache order 0 only): 31323, 31301, 31296 (31307)
   * -> 33847, 34061, 33804 (33904); pgsteal_kswapd 1.3255M -> 1.3259M;
   * success unchanged.  Bands kept as wide, moved to the new means.  At
   * stop 23 (2.6.16's vm.dirty_ratio of 40, and the models changed since):
   * 31533, 31621, 31565 (31573) -> 34097, 34348, 34258 (34234);
   * pgsteal_kswapd 1.3253M -> 1.3259M; inside the bands.  At stop 24
   * (per-zone LRU lists): 31647, 31704, 31677 (31676) -> 34255, 34343,
   * 34033 (34210); pgsteal_kswapd 1.3261M -> 1.3265M; sweep's band kept as
   * wide, moved to its new mean.  At stop 29 (2.6.16's per-zone reclaim
   * targets, vm.zone_reclaim_target: a pass stops each zone at 32 pages of
   * its own, so more passes): 32668, 32717, 32770 (32718) -> 34800, 35148,
   * 35511 (35153); pgsteal_kswapd 1.2913M -> 1.2917M; both bands kept as
   * wide, moved to the new means.  At stop 31 (PRE_DISK_SWAP's 5.9 anon
   * LRU with get_scan_count()'s SCAN_FRACT shares adding up to one, and
   * 6.1's cost feedback, and the active anon list's aging): 30702, 30783,
   * 30773 (30753) -> 31521, 31535, 31552 (31536: 1.025x); pgsteal_kswapd
   * 1.2583M -> 1.2563M; both bands kept as wide, moved to the means
   * measured before the aging (30781, 31584), which hold these.  Stop 32
   * (2.6.16 keeps pages under writeback and unwritten dirty page cache on
   * the inactive list, vm.reclaim_writeback=keep): 29803, 29856, 29933
   * (29864) -> 31164, 31114, 31029 (31102: 1.041x); pgsteal_kswapd 1.2582M
   * -> 1.2563M; sweep's band kept as wide, moved to its new mean.  Stop
   * 33 (before 3.2 direct reclaim writes the dirty page cache it meets,
   * vm.reclaim_write_file=any): 29424, 29467, 29396 (29429) -> 30572, 30504,
   * 30596 (30557: 1.038x); pgsteal_kswapd 1.2564M -> 1.2565M; both bands
   * kept as wide, moved to the new means. */
  ft_assert_band("sweep: pageoutrun", m[0][0], 29133, 29725);
  ft_assert_band("loop: pageoutrun", m[1][0], 29563, 31551);
  g_assert_cmpfloat(m[1][0], >, m[0][0] * 1.02);
  g_assert_cmpfloat(m[1][1], >=, m[0][1] * 0.98);
}

/* cma-device with the page cache footprint below memory (lifetime 10s: the
 * preset's 60s keeps reclaim so busy that the engine's migration targets,
 * taken without reclaim, run out): the CMA area serves every request when
 * nothing is pinned, and the preset's pinned pages make some fail -EBUSY.
 * Measured: without pins 40 of 40 served by the area on every seed, no
 * busy candidate; with them 24, 37, 29 served (mean 30), busy candidates
 * 162, 27, 55 (81); after alloc_contig_range's fixed costs (each request
 * now takes tens of microseconds more, so the device task's timing against
 * the churn moves) 24, 29, 30 served (27.7), 159, 73, 91 busy (107.7), the
 * bands unchanged.  Asserted: exactly 40 by the area and none busy without
 * pins (nothing can make a candidate busy); with pins, every request
 * either served or failed, between 20 and 38 served (twice the spread of
 * 5.5 around the mean) and between 20 and 200 busy candidates. */
static void test_effect_cma(void) {
  const char *nopin[] = {"stream.pagecache.lifetime=exp:10s", "stream.pinned.pinned=0", NULL};
  const char *pin[] = {"stream.pagecache.lifetime=exp:10s", NULL};
  const FtArm arms[] = {{"cma+linux-4.4", nopin}, {"cma+linux-4.4", pin}};
  const char *cols[] = {"phase_device_contig_success", "phase_device_contig_fail", "cma.cma_alloc_busy",
                        "cma.cma_alloc_success", NULL};
  double m[2][4];
  ft_effect("cma-device", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  g_assert_cmpfloat(m[0][0], ==, 40);
  g_assert_cmpfloat(m[0][3], ==, 40); /* served by the area, not the zone search */
  g_assert_cmpfloat(m[0][2], ==, 0);
  g_assert_cmpfloat(m[1][0] + m[1][1], ==, 40);
  g_assert_cmpfloat(m[1][3], ==, m[1][0]);
  ft_assert_band("pinned: served", m[1][0], 20, 38);
  ft_assert_band("pinned: busy candidates", m[1][2], 20, 200);
}

/* compaction2010 on 6.1 with and without capture (compaction.capture;
 * capture_control, 5.1+).  With it, the block a direct compaction frees
 * goes to the compacting request as it merges to the request's order, so
 * practically every successful compaction is a capture; without it the
 * request retries the free lists.
 * Measured with ./build/tests/test-policies-compaction --verbose -p
 * /effect/compaction/capture: compact_captured 0, 0, 0 -> 148, 195, 169
 * (mean 170.7); compact_success 130, 187, 173 (163.3) -> 148, 195, 169
 * (170.7); compact_stall 283, 271, 308 (287.3) -> 275, 365, 313 (317.7).
 * The success counts move within their seed spread (57): which blocks form
 * is the same, only who takes them changes.  Asserted: no capture without
 * it; with it captures within the seed spread (47) either side and at least 90%
 * of the successes; success within its spread (57) either side in both arms.
 * Stop 22 (reclaim frees to the reclaimer's per-CPU lists): compact_success
 * without 66, 60, 190 (105.3); with, every success a capture: 75, 63, 224
 * (120.7).  Seed 3 compacts three times as often as the others in both
 * arms; bands re-drawn at the new means, wide enough for that spread (down
 * to 40, so that a capture that stops working still fails). */
static void test_effect_capture(void) {
  const char *off[] = {"compaction.capture=false", NULL};
  const FtArm arms[] = {{"linux-6.1", off}, {"linux-6.1", NULL}};
  const char *cols[] = {"compaction.compact_captured", "compaction.compact_success", NULL};
  double m[2][2];
  ft_effect("compaction2010", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("without capture: compact_captured", m[0][0], 0, 0);
  ft_assert_band("with capture: compact_captured", m[1][0], 40, 280);
  ft_assert_band("without capture: compact_success", m[0][1], 30, 270);
  ft_assert_band("with capture: compact_success", m[1][1], 40, 280);
  g_assert_cmpfloat(m[1][0], >=, 0.9 * m[1][1]);
}

/* Migrated pages freed straight to the buddy lists (the old model) and
 * through the pcp lists as put_page() frees them (vm.migrate_free_pcp), on
 * linux-2.6.35, which drained this CPU's lists only once, after direct
 * compaction (__alloc_pages_direct_compact(); the per-block drain came in
 * 3.19).  A migrated block merges only when its pages are pushed off the
 * lists, so compact_finished() sees the huge page late: compactions run
 * longer, consume more free targets, and more of them end without a page,
 * which direct reclaim then makes up for.  compaction2010, seeds 1-3,
 * buddy -> pcp: compact_success 153, 155, 145 (151) -> 107, 100, 127
 * (111.3); pgsteal_direct 23977, 25584, 25230 (24930) -> 56257, 56833,
 * 46303 (53131), 1.8-2.4x on every seed; huge_success_pct 99.78 in both.
 * Measured with 4.8+'s kswapd balance rule, pinned (see
 * test_effect_compaction_2010); with the stack's own (all zones) seed 2
 * reclaims nothing directly in either arm and the effect shows on seeds 1
 * and 3 only: pgsteal_direct 21411 -> 37608, 21116 -> 37699.
 * (On 6.1, with the per-block drain, the lists moved compact_stall by less
 * than the seed spread, in either direction as the model changed: 244 ->
 * 318 at stop 12, 371 -> 294 once the scanners counted as the kernel does;
 * not a test of the mechanism.)  Bands: mean +- twice the seed spread;
 * asserted: fewer successes and at least 1.4x the direct reclaim through
 * the lists.  Stop 22 (reclaim frees to the reclaimer's per-CPU lists):
 * compact_success 159, 163, 151 (157.7) -> 89, 138, 113 (113.3);
 * pgsteal_direct 33032, 29642, 35920 (32865) -> 68972, 54892, 63263
 * (62376), 1.9x; the buddy arm's reclaim band re-drawn at twice its spread
 * (6.3k).  Stop 26 (pgsteal_* count LRU pages only, not the slab pages the
 * shrinkers free): compact_success 137, 137, 144 -> 75, 81, 101;
 * pgsteal_direct 16754, 16870, 18252 (17292) -> 44489, 40325, 45370
 * (43395), 2.5x; the buddy arm's band re-drawn at twice its spread.
 * Stop 35 (2.6.35's own compaction: synchronous, from the zone's ends,
 * before each direct reclaim): compaction serves nearly every step and
 * direct reclaim is small in both arms: compact_success 163, 162, 170 (165)
 * -> 153, 154, 151 (152.7), fewer on every seed; pgsteal_direct 1486, 3491,
 * 998 (1992) -> 9853, 8021, 9212 (9029), 4.5x.  The reclaim bands drawn
 * from 0, at the first measurement's width (an earlier form of the change:
 * 1151 -> 5733). */
static void test_effect_migrate_free_pcp(void) {
  const char *buddy[] = {"vm.migrate_free_pcp=false", "vm.kswapd_balance=any", "vm.reclaim_nap=none", NULL};
  const char *pcp[] = {"vm.kswapd_balance=any", "vm.reclaim_nap=none", NULL}; /* see test_effect_compaction_2010 */
  const FtArm arms[] = {{"linux-2.6.35", buddy}, {"linux-2.6.35", pcp}};
  const char *cols[] = {"compaction.compact_success", "pgsteal_direct", NULL};
  double m[2][2];
  ft_effect("compaction2010", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("buddy: compact_success", m[0][0], 131, 171);
  ft_assert_band("pcp: compact_success", m[1][0], 57, 166);
  ft_assert_band("buddy: pgsteal_direct", m[0][1], 0, 3600);
  ft_assert_band("pcp: pgsteal_direct", m[1][1], 0, 19200);
  g_assert_cmpfloat(m[1][0], <, m[0][0]);
  g_assert_cmpfloat(m[1][1], >=, 1.4 * m[0][1]);
}

/* kswapd's balance rule (vm.kswapd_balance): before 2.6.38 balance_pgdat()
 * went on until every zone up to the highest failing one passed the high
 * watermark at the order; 4.8+'s pgdat_balanced() stops at the first
 * eligible zone that does.  On linux-2.6.35 (DMA and DMA32 on 1 GiB),
 * stress-highalloc: with "any" one zone passing (a lightly used DMA zone
 * can) lets kswapd sleep while DMA32 has no free huge page, and the passes'
 * allocations reclaim directly; with "all" (the stack's) kswapd reclaims
 * until DMA32 has one too.  Measured, seeds 1-3, any -> all, with the
 * stack's per-zone LRU lists (stop 24): pgsteal_direct 129117, 130762,
 * 140831 (133570) -> 124183, 114890, 121300 (120124), fewer on every seed;
 * pgsteal_kswapd 1.049M, 1.051M, 1.039M (1.046M) -> 1.059M, 1.072M, 1.069M
 * (1.067M), more on every seed.  With the node's lists (before stop 24) the
 * effect was larger (direct 129874 -> 83681): kswapd, reclaiming the node's
 * oldest pages, had to free far more before DMA32 held a huge page; with
 * each zone shrunk by its own lists it gets there sooner.  Bands: mean +-
 * the seed spread, at least 10%; asserted: at most 95% of the direct
 * reclaim and more kswapd reclaim with "all".
 * Measured, and pinned, with kswapd shrinking every zone up to the waker's
 * (vm.kswapd_zones=classzone, fragsim before stop 28).  2.6.35's own
 * balance_pgdat() (8high, the stack's) shrinks only the zones up to the
 * highest failing one: once DMA32 holds a free huge page and DMA does not,
 * "all" keeps kswapd on DMA alone, so the rule no longer frees DMA32's
 * blocks for the passes and its effect here is within the seed spread:
 * any -> all, pgsteal_direct 126937, 129150, 139167 (131751) -> 128356,
 * 127414, 135297 (130356); on compaction2010 (linux-2.6.34) 51092, 50896,
 * 50102 -> 48210, 47493, 53372.  /reclaim/kswapd/balance-rule tests the
 * rule itself.
 * Stop 32: with 2.6.35's keep_locked for pages under writeback and dirty
 * page cache (vm.reclaim_writeback=keep, the stack's), the rule's effect is
 * within the seed spread here too: any -> all, pgsteal_direct 131230,
 * 108889, 152311 (130810) -> 123892, 135792, 128513 (129399).  Both arms
 * pin 4.13+'s activate_locked, under which this was measured.
 * Stop 33: with 2.6.35's direct reclaim writing the dirty page cache it
 * meets (vm.reclaim_write_file=any, the stack's) the rule's effect is gone
 * here too (seeds 1-3, pgsteal_direct on the mean: 143119 -> 148154).  Both
 * arms pin 3.2+'s kswapd-only writes, under which this was measured.
 * Stop 34: lumpy reclaim's passes write page cache only as their reclaimer
 * may (from 3.2, in direct reclaim, never), and under the pins above the
 * effect went too (pgsteal_direct 121199 -> 123397).  Under the stack's own
 * settings, every pin dropped (8high, keep_locked, direct reclaim writing
 * page cache, the disk), it is back: any -> all, pgsteal_direct 148498,
 * 152177, 141585 (147420) -> 134710, 143513, 136444 (138222, 0.94x), fewer
 * on every seed; pgsteal_kswapd 1.132M, 1.178M, 1.149M (1.153M) -> 1.174M,
 * 1.150M, 1.152M (1.159M), more on the mean only (on compaction2010, the
 * same stack: direct 43258 -> 40397 and kswapd 91083 -> 93944, on every
 * seed).  The arms are now the stack as it is, with and without the rule.
 * Stop 35: with 2.6.35's own compaction (synchronous, from the zone's
 * ends, before each direct reclaim) the direct reclaim no longer tells the
 * rules apart on stress-highalloc (any -> all, seeds 1-3, in a first form
 * of the change: 106625, 124751, 118779 (116718) -> 113549, 125617, 124680
 * (121282)), nor on
 * compaction2010, nor on stress-highalloc under linux-2.6.34 (255809-262453
 * -> 251608-258277).  What the rule does, keep kswapd at work until every
 * zone up to the highest failing one is balanced, shows in kswapd itself:
 * on compaction2010 (linux-2.6.35, as it is), any -> all, kswapd's working
 * time 335.3, 335.5, 338.4 ms (336.4) -> 393.2, 392.9, 395.7 ms (393.9),
 * longer on every seed, in fewer wake-ups (415, 442, 429 -> 408, 418, 401).
 * Bands: mean +- 10% (the spreads are smaller); asserted: at least 1.1x the
 * working time and fewer wake-ups with "all". */
static void test_effect_kswapd_balance(void) {
  const char *any[] = {"vm.kswapd_balance=any", NULL};
  const FtArm arms[] = {{"linux-2.6.35", any}, {"linux-2.6.35", NULL}};
  const char *cols[] = {"fs_kswapd_ns", "fs_kswapd_wake", NULL};
  double m[2][2];
  ft_effect("compaction2010", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("any: fs_kswapd_ns", m[0][0], 305.4e6, 373.2e6);
  ft_assert_band("all: fs_kswapd_ns", m[1][0], 355.1e6, 434.0e6);
  ft_assert_band("any: fs_kswapd_wake", m[0][1], 388, 474);
  ft_assert_band("all: fs_kswapd_wake", m[1][1], 365, 447);
  g_assert_cmpfloat(m[1][0], >=, 1.1 * m[0][0]);
  g_assert_cmpfloat(m[1][1], <, m[0][1]);
}

/* compaction.era and vm.direct_compact: 2.6.35's direct compaction against
 * 6.1's structure on the same stack.  2.6.35 compacted synchronously at the
 * top of every slow-path loop, before direct reclaim, from the zone's two
 * ends each time, and deferred the preferred zone after any failed run;
 * 6.1's structure (2.6.38+) tries async first and sync after each direct
 * reclaim, resumes at the cached scanner positions and passes the blocks
 * with skip bits.  stress-highalloc on linux-2.6.35, seeds 1-3, 6.1 ->
 * 2.6.35: compact_success 231, 216, 223 (223.3) -> 324, 305, 308 (312.3),
 * more on every seed; compact_migrate_scanned 611707, 548723, 583259
 * (581230) -> 30.44M, 29.02M, 27.97M (29.15M): every run rescans the
 * zone's start; pgsteal_direct 134710, 143513, 136444 (138222) -> 120433,
 * 136626, 125897 (127652), fewer on every seed.  Bands: mean +- the seed
 * spread, at least 10%; asserted: at least 1.2x the successes, 10x the
 * pfns scanned, and less direct reclaim. */
static void test_effect_compaction_era(void) {
  const char *modern[] = {"compaction.era=6.1", "vm.direct_compact=2.6.38", NULL};
  const FtArm arms[] = {{"linux-2.6.35", modern}, {"linux-2.6.35", NULL}};
  const char *cols[] = {"pgsteal_direct", "compaction.compact_migrate_scanned", "compaction.compact_success", NULL};
  double m[2][3];
  ft_effect("stress-highalloc", arms, 2, cols, EFFECT_SEEDS, &m[0][0]);
  ft_assert_band("6.1: pgsteal_direct", m[0][0], 124400, 152000);
  ft_assert_band("2.6.35: pgsteal_direct", m[1][0], 111500, 143800);
  ft_assert_band("6.1: compact_migrate_scanned", m[0][1], 518200, 644300);
  ft_assert_band("2.6.35: compact_migrate_scanned", m[1][1], 26.2e6, 32.1e6);
  ft_assert_band("6.1: compact_success", m[0][2], 201, 246);
  ft_assert_band("2.6.35: compact_success", m[1][2], 281, 344);
  g_assert_cmpfloat(m[1][0], <, m[0][0]);
  g_assert_cmpfloat(m[1][1], >=, 10 * m[0][1]);
  g_assert_cmpfloat(m[1][2], >=, 1.2 * m[0][2]);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_data_func("/compaction/capture/vanilla", "vanilla", test_compaction_capture);
  g_test_add_data_func("/compaction/capture/migratetype", "migratetype", test_compaction_capture);
  g_test_add_func("/compaction/pinned-defer-sync-full", test_compaction_pinned_defer);
  g_test_add_func("/compaction/async-same-type", test_compaction_async_same_type);
  g_test_add_data_func("/compaction/direct-compact/2.6.38", "2.6.38", test_compaction_direct_compact);
  g_test_add_data_func("/compaction/direct-compact/2.6.35", "2.6.35", test_compaction_direct_compact);
  g_test_add_func("/compaction/target-retype", test_compaction_target_retype);
  g_test_add_data_func("/compaction/era/6.1", "6.1", test_compaction_era);
  g_test_add_data_func("/compaction/era/2.6.35", "2.6.35", test_compaction_era);
  g_test_add_data_func("/compaction/era-costly/6.1", "6.1", test_compaction_era_costly);
  g_test_add_data_func("/compaction/era-costly/2.6.35", "2.6.35", test_compaction_era_costly);
  g_test_add_data_func("/compaction/era-defer-order/6.1", "6.1", test_compaction_era_defer_order);
  g_test_add_data_func("/compaction/era-defer-order/2.6.35", "2.6.35", test_compaction_era_defer_order);
  g_test_add_func("/compaction/suitable/fragindex", test_compaction_fragindex);
  g_test_add_func("/compaction/suitable/low-memory", test_compaction_skipped_low_memory);
  g_test_add_func("/compaction/compact-memory", test_compaction_compact_memory);
  g_test_add_func("/compaction/shared-state", test_compaction_shared_state);
  g_test_add_func("/compaction/reset-selective", test_compaction_reset_selective);
  g_test_add_func("/compaction/fast-search", test_compaction_fast_search);
  g_test_add_func("/kcompactd/wake", test_kcompactd_wake);
  g_test_add_func("/kcompactd/proactive", test_kcompactd_proactive);
  g_test_add_func("/kcompactd/timed", test_kcompactd_timed);
  g_test_add_func("/kcompactd/alloc-wake", test_kcompactd_alloc_wake);
  g_test_add_func("/kcompactd/sysctl-wake", test_kcompactd_sysctl_wake);
  g_test_add_func("/kcompactd/recheck", test_kcompactd_recheck);
  g_test_add_func("/lumpy/block", test_lumpy_block);
  g_test_add_data_func("/lumpy/credit/on", GINT_TO_POINTER(1), test_lumpy_credit);
  g_test_add_data_func("/lumpy/credit/off", GINT_TO_POINTER(0), test_lumpy_credit);
  g_test_add_data_func("/lumpy/abort/3.x", "3.x", test_lumpy_abort);
  g_test_add_data_func("/lumpy/abort/2.6.35", "2.6.35", test_lumpy_abort);
  g_test_add_func("/cma/area", test_cma_area);
  g_test_add_func("/cma/movable-only", test_cma_movable_only);
  g_test_add_func("/cma/alloc-busy-and-full", test_cma_alloc);
  g_test_add_func("/effect/compaction/stress-highalloc", test_effect_compaction);
  g_test_add_func("/effect/compaction/2010", test_effect_compaction_2010);
  g_test_add_func("/effect/compaction/capture", test_effect_capture);
  g_test_add_func("/effect/compaction/migrate-free-pcp", test_effect_migrate_free_pcp);
  g_test_add_func("/effect/kswapd/balance-all", test_effect_kswapd_balance);
  g_test_add_func("/effect/compaction/era-2.6.35", test_effect_compaction_era);
  g_test_add_func("/effect/compaction/stress-highalloc-vanilla", test_effect_compaction_vanilla);
  g_test_add_func("/effect/kcompactd/gupta-fragmenter", test_effect_proactive);
  g_test_add_func("/effect/compaction/fast-search", test_effect_fast_search);
  g_test_add_func("/effect/compaction/shared-state", test_effect_shared_state);
  g_test_add_func("/effect/compaction/rescan", test_effect_rescan);
  g_test_add_func("/effect/compaction/fast-find-refused", test_effect_fast_find_refused);
  g_test_add_func("/effect/compaction/large-folios", test_effect_large_folios);
  g_test_add_func("/effect/compaction/file-migrate-folio", test_effect_file_migrate_folio);
  g_test_add_func("/effect/lumpy/stress-highalloc", test_effect_lumpy);
  g_test_add_func("/effect/lumpy/credit", test_effect_lumpy_credit);
  g_test_add_func("/effect/kswapd/high-order-sweep", test_effect_kswapd_sweep);
  g_test_add_func("/effect/kswapd/high-order-loop", test_effect_kswapd_loop);
  g_test_add_func("/effect/cma/cma-device", test_effect_cma);
  return g_test_run();
}
