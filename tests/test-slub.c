/* Slab pages (engine/mm/slub.c): the preferred order is opportunistic. */
#include "engine/mm/slub.h"
#include "engine/run.h"
#include "helpers.h"

typedef struct {
  FsiRun *run;
} Setup;

/* 128 MiB, one zone, no pcp lists; every page allocated at order 0, then
 * those at even pfns freed: half the memory free, no free block above order 0. */
static void setup_fragmented(Setup *s) {
  const char *sets[] = {"machine.memory=128M", "machine.dma_limit=0", "machine.cpus=2", "vm.pcp=false", NULL};
  s->run = ft_run_new("vanilla", NULL, sets);
  FsiRequest rq = {0, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE & ~FS_GFP_RECLAIM, 0, false, false, false, false};
  GArray *h = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  for (;;) {
    FsiAllocResult r = fsi_run_alloc(s->run, &rq);
    if (!r.handle) break;
    g_array_append_val(h, r.handle);
  }
  /* what the watermarks kept back: taken off the lists page by page and
   * left out of every count (this test never runs the checker) */
  const FsiZone *z = &s->run->mem.zones[FS_ZONE_DMA32];
  for (int o = (int)s->run->mem.max_order; o >= 0; o--) /* from the top: a split leaves pieces below */
    for (uint32_t mt = 0; mt < FS_MIGRATE_TYPES; mt++)
      while (z->free_area[o].head[mt] != FSI_NIL)
        g_assert_true(fsi_take_free_block(&s->run->mem, z->free_area[o].head[mt], 0, mt));
  for (guint i = 0; i < h->len; i++) {
    FsiHandle x = g_array_index(h, FsiHandle, i);
    if (fsi_run_lookup(s->run, x)->pfn % 2 == 0) fsi_run_free_handle(s->run, x); /* its buddy stays */
  }
  g_array_unref(h);
  for (uint32_t o = 1; o <= s->run->mem.max_order; o++) g_assert_cmpuint(z->free_area[o].nr_free, ==, 0);
  g_assert_cmpuint(z->nr_free_pages, >, z->wmark[FSI_WMARK_HIGH]);
  g_assert_false(s->run->rc.kswapd_awake);
}

static void teardown(Setup *s) { ft_run_free(s->run); }

/* allocate_slab() since 5.17: the attempt at the cache's order neither
 * reclaims nor wakes kswapd; the slab comes from the minimum order. */
static void test_opportunistic_order(void) {
  Setup s;
  setup_fragmented(&s);
  int ci = fsi_slab_cache_find(s.run, "kmalloc-1k");
  g_assert_cmpint(ci, >=, 0);
  const FsiSlabCache *c = &s.run->rc.caches[ci];
  g_assert_cmpuint(c->order, >, c->min_order); /* 2 CPUs: 12 objects of 1 KiB want order 2 */
  const uint64_t *k = s.run->stats.c;
  uint64_t wakes = k[FSI_C_fs_kswapd_wake], fails = k[FSI_C_fs_alloc_fail], steal = k[FSI_C_pgsteal_direct];
  uint64_t lat = 0;
  FsiHandle obj = fsi_slab_alloc(s.run, (uint32_t)ci, 0, &lat);
  g_assert_true(obj != FSI_HANDLE_NONE);
  g_assert_cmpuint(c->nr_slab_pages, ==, 1 << c->min_order); /* the fallback order */
  g_assert_cmpuint(k[FSI_C_fs_alloc_fail], ==, fails + 1);   /* the opportunistic attempt */
  g_assert_cmpuint(k[FSI_C_fs_kswapd_wake], ==, wakes);
  g_assert_false(s.run->rc.kswapd_awake || s.run->rc.kswapd_pending);
  g_assert_cmpuint(k[FSI_C_pgsteal_direct], ==, steal);
  teardown(&s);

  /* the control: in the same state an order-2 GFP_KERNEL request that may
   * reclaim (the pre-5.17 slab attempt kept __GFP_KSWAPD_RECLAIM) wakes kswapd */
  setup_fragmented(&s);
  wakes = s.run->stats.c[FSI_C_fs_kswapd_wake];
  FsiRequest rq = {2, FS_KIND_SLAB_UNMOVABLE, FS_GFP_KERNEL | FS_GFP_NORETRY | FS_GFP_NOWARN, 0, false, false, false, false};
  rq.gfp &= ~FS_GFP_DIRECT_RECLAIM;
  fsi_run_alloc(s.run, &rq);
  g_assert_cmpuint(s.run->stats.c[FSI_C_fs_kswapd_wake], >, wakes);
  teardown(&s);
}

/* calculate_order() of 6.1: min_objects = 4 * (fls(nr_cpus) + 1), and the
 * smallest order from get_order(min_objects * size) whose leftover is at
 * most 1/16 of the slab (then 1/8, 1/4, then one object fewer).  A 632-byte
 * object (struct inode) fills an order-1 slab with 12 but leaves 608 bytes
 * (over 1/16), so it takes order 2 (25 objects, 584 left); powers of two
 * leave nothing and stop at the first order that fits min_objects. */
static void test_calculate_order(void) {
  static const struct {
    const char *cpus;
    uint32_t size, order;
  } cases[] = {
      {"machine.cpus=1", 632, 2}, {"machine.cpus=1", 576, 1}, {"machine.cpus=1", 776, 1},
      {"machine.cpus=1", 192, 0}, {"machine.cpus=1", 1024, 1}, {"machine.cpus=2", 632, 2},
      {"machine.cpus=2", 1024, 2}, {"machine.cpus=2", 4096, 3}, /* min_objects capped at 8 by slub_max_order 3 */
      {"machine.cpus=4", 256, 0},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
    const char *sets[] = {"machine.memory=128M", cases[i].cpus, NULL};
    FsiRun *run = ft_run_new("vanilla", NULL, sets);
    uint32_t c = fsi_slab_cache_add(run, "test", FS_KIND_SLAB_UNMOVABLE, cases[i].size);
    g_assert_cmpuint(run->rc.caches[c].order, ==, cases[i].order);
    ft_run_free(run);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/slub/opportunistic-order/no-reclaim-no-kswapd", test_opportunistic_order);
  g_test_add_func("/slub/calculate-order", test_calculate_order);
  return g_test_run();
}
