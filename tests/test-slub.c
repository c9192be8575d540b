/* Slab pages (engine/mm/slub.c): the preferred order is opportunistic. */
#include "engine/mm/slub.h"
#include "engine/mm/vmscan.h"
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

static uint32_t obj_index(FsiHandle h) { return (uint32_t)(h & 0xffffffffu); }

/* Whether object o is on its cache's LRU (walked from the head). */
static bool on_lru(const FsiRun *run, const FsiSlabCache *c, FsiHandle h) {
  for (uint32_t o = c->lru_head; o != FSI_NIL; o = run->rc.objs[o].lru_next)
    if (o == obj_index(h)) return true;
  return false;
}

/* fsi_slab_hold(): d_instantiate()'s reference.  The inode a dentry holds
 * leaves the inode LRU and is not shrunk while the dentry lives; the
 * dentry pruned (dput -> iput_final -> inode_add_lru), the inode joins the
 * LRU and is shrinkable.  A holder gone after its inode was freed and the
 * slot reused leaves the new object alone. */
static void test_hold(void) {
  const char *sets[] = {"machine.memory=128M", "machine.dma_limit=0", "vm.pcp=false", NULL};
  FsiRun *run = ft_run_new("vanilla", NULL, sets);
  int di = fsi_slab_cache_find(run, "dentry"), ii = fsi_slab_cache_find(run, "inode");
  g_assert_cmpint(di, >=, 0);
  g_assert_cmpint(ii, >=, 0);
  const FsiSlabCache *dc = &run->rc.caches[di], *ic = &run->rc.caches[ii];
  FsiHandle d = fsi_slab_alloc_ex(run, (uint32_t)di, 0, true, false, NULL); /* an open file's */
  FsiHandle in = fsi_slab_alloc(run, (uint32_t)ii, 0, NULL);
  g_assert_true(on_lru(run, ic, in));
  g_assert_false(fsi_slab_hold(run, d, d));
  g_assert_true(fsi_slab_hold(run, d, in));
  g_assert_false(on_lru(run, ic, in));
  g_assert_cmpuint(ic->nr_in_use, ==, 1);
  g_assert_false(fsi_slab_hold(run, d, in)); /* already held, and the holder holds one */
  /* the shrinkers see neither */
  fsi_shrink_slab(run, 0);
  g_assert_true(fsi_slab_live(run, d));
  g_assert_true(fsi_slab_live(run, in));
  /* the dentry goes (the file closed and the dentry killed): the inode joins
   * the LRU, and the next shrink takes it */
  fsi_slab_free(run, d);
  g_assert_true(on_lru(run, ic, in));
  g_assert_cmpuint(ic->nr_in_use, ==, 0);
  fsi_shrink_slab(run, 0);
  g_assert_false(fsi_slab_live(run, in));
  g_assert_cmpuint(dc->nr_objects + ic->nr_objects, ==, 0);

  /* the held inode freed first (an unlinked file), its slot reused */
  d = fsi_slab_alloc(run, (uint32_t)di, 0, NULL);
  in = fsi_slab_alloc(run, (uint32_t)ii, 0, NULL);
  g_assert_true(fsi_slab_hold(run, d, in));
  fsi_slab_free(run, in);
  g_assert_cmpuint(ic->nr_in_use, ==, 0);
  FsiHandle other = fsi_slab_alloc(run, (uint32_t)ii, 0, NULL);
  g_assert_cmpuint(obj_index(other), ==, obj_index(in));
  fsi_slab_free(run, d);
  g_assert_true(fsi_slab_live(run, other));
  g_assert_cmpuint(run->rc.objs[obj_index(other)].live, ==, 1);
  g_assert_cmpuint(ic->lru_head, ==, obj_index(other));
  g_assert_cmpuint(ic->lru_tail, ==, obj_index(other));
  fsi_slab_free(run, other);

  /* a cached dentry pruned by the shrinker lets go of its inode, which the
   * same super_cache_scan() prunes after the dentries */
  d = fsi_slab_alloc(run, (uint32_t)di, 0, NULL);
  in = fsi_slab_alloc(run, (uint32_t)ii, 0, NULL);
  g_assert_true(fsi_slab_hold(run, d, in));
  fsi_shrink_slab(run, 0);
  g_assert_false(fsi_slab_live(run, d));
  g_assert_false(fsi_slab_live(run, in));
  ft_run_free(run);
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
  g_test_add_func("/slub/hold/dentry-inode", test_hold);
  g_test_add_func("/slub/calculate-order", test_calculate_order);
  return g_test_run();
}
