/* Unit tests of the buddy model (engine/mem.c): split and merge at order 0,
 * the top order, the pageblock edge and the zone edge; head/tail insertion;
 * move_freepages_block; the pageblock census. */
#include <string.h>

#include "engine/core/bigmem.h"
#include "engine/mm/mmzone.h"
#include "helpers.h"

#define KB 1024ull

/* 64 MiB, DMA [0, dma_end), DMA32 [dma_end, 16384), nothing reserved. */
static void mem_new(FsiMem *m, uint64_t dma_end, bool boot) {
  FsiMemConfig c;
  ft_mem_config(&c, 16384, dma_end);
  fsi_mem_init(m, &c);
  if (boot) {
    fsi_mem_boot_free(m);
    fsi_mem_setup_watermarks(m);
  }
}

static uint64_t zone_free_pages_by_lists(FsiMem *m, uint32_t z) {
  uint64_t n = 0;
  for (uint32_t o = 0; o <= m->max_order; o++)
    for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) n += m->zones[z].free_area[o].count[t] << o;
  return n;
}

static void test_boot_all_free(void) {
  FsiMem m;
  mem_new(&m, 4096, true);
  g_assert_cmpuint(m.nr_zones, ==, 2);
  g_assert_cmpuint(m.zones[0].free_area[10].nr_free, ==, 4);
  g_assert_cmpuint(m.zones[1].free_area[10].nr_free, ==, 12);
  g_assert_cmpuint(m.zones[1].free_area[10].count[FS_MIGRATE_MOVABLE], ==, 12);
  g_assert_cmpuint(m.zones[1].nr_free_pages, ==, 12288);
  g_assert_cmpuint(zone_free_pages_by_lists(&m, 1), ==, 12288);
  g_assert_cmpuint(sizeof(FsiPage), <=, 16);
  fsi_mem_destroy(&m);
}

/* __rmqueue_smallest + expand: the lowest piece is returned, each upper
 * half goes back one order lower. */
static void test_split_order0(void) {
  FsiMem m;
  mem_new(&m, 4096, true);
  uint64_t pfn = fsi_rmqueue_smallest(&m, 1, 0, FS_MIGRATE_MOVABLE);
  g_assert_cmpuint(pfn, ==, 4096);
  for (uint32_t o = 0; o < 10; o++) {
    g_assert_cmpuint(m.zones[1].free_area[o].nr_free, ==, 1);
    g_assert_cmpuint(m.zones[1].free_area[o].head[FS_MIGRATE_MOVABLE], ==, 4096 + (1u << o));
  }
  g_assert_cmpuint(m.zones[1].free_area[10].nr_free, ==, 11);
  g_assert_cmpuint(m.zones[1].nr_free_pages, ==, 12287);
  /* merge back all the way to the top order */
  uint32_t order;
  uint64_t head = fsi_free_one_page(&m, pfn, 0, FS_MIGRATE_MOVABLE, &order);
  g_assert_cmpuint(head, ==, 4096);
  g_assert_cmpuint(order, ==, 10);
  for (uint32_t o = 0; o < 10; o++) g_assert_cmpuint(m.zones[1].free_area[o].nr_free, ==, 0);
  g_assert_cmpuint(m.zones[1].free_area[10].nr_free, ==, 12);
  fsi_mem_destroy(&m);
}

static void test_top_order(void) {
  FsiMem m;
  mem_new(&m, 4096, true);
  uint64_t a = fsi_rmqueue_smallest(&m, 1, 10, FS_MIGRATE_MOVABLE);
  uint64_t b = fsi_rmqueue_smallest(&m, 1, 10, FS_MIGRATE_MOVABLE);
  g_assert_cmpuint(a, ==, 4096);
  g_assert_cmpuint(b, ==, 5120);
  g_assert_cmpuint(m.zones[1].free_area[10].nr_free, ==, 10);
  for (uint32_t o = 0; o < 10; o++) g_assert_cmpuint(m.zones[1].free_area[o].nr_free, ==, 0);
  /* two free max-order buddies never merge beyond MAX_PAGE_ORDER */
  uint32_t order;
  fsi_free_one_page(&m, a, 10, FS_MIGRATE_MOVABLE, &order);
  g_assert_cmpuint(order, ==, 10);
  fsi_free_one_page(&m, b, 10, FS_MIGRATE_MOVABLE, &order);
  g_assert_cmpuint(order, ==, 10);
  g_assert_cmpuint(m.zones[1].free_area[10].nr_free, ==, 12);
  /* an order above max fails cleanly: no block, nothing taken or split */
  g_assert_cmpuint(fsi_rmqueue_smallest(&m, 1, 11, FS_MIGRATE_MOVABLE), ==, FS_PFN_NONE);
  g_assert_cmpuint(fsi_rmqueue_smallest(&m, 1, FS_NR_ORDERS + 5, FS_MIGRATE_MOVABLE), ==, FS_PFN_NONE);
  g_assert_cmpuint(m.zones[1].free_area[10].nr_free, ==, 12);
  g_assert_cmpuint(m.zones[1].nr_free_pages, ==, 12288);
  for (uint32_t o = 0; o < 10; o++) g_assert_cmpuint(m.zones[1].free_area[o].nr_free, ==, 0);
  fsi_mem_destroy(&m);
}

/* Above pageblock order the halves are different pageblocks: mergeable
 * types (UNMOVABLE, MOVABLE, RECLAIMABLE) merge with one another, and any
 * type with itself; HIGHATOMIC, CMA and ISOLATE do not merge with another
 * type.  Each pair is freed in both orders (the second block freed is the
 * one whose buddy is checked). */
static const struct {
  uint32_t a, b;
  bool merge;
} merge_cases[] = {
    {FS_MIGRATE_MOVABLE, FS_MIGRATE_CMA, false},         {FS_MIGRATE_MOVABLE, FS_MIGRATE_HIGHATOMIC, false},
    {FS_MIGRATE_UNMOVABLE, FS_MIGRATE_ISOLATE, false},   {FS_MIGRATE_RECLAIMABLE, FS_MIGRATE_CMA, false},
    {FS_MIGRATE_HIGHATOMIC, FS_MIGRATE_CMA, false},      {FS_MIGRATE_CMA, FS_MIGRATE_ISOLATE, false},
    {FS_MIGRATE_UNMOVABLE, FS_MIGRATE_MOVABLE, true},    {FS_MIGRATE_RECLAIMABLE, FS_MIGRATE_MOVABLE, true},
    {FS_MIGRATE_UNMOVABLE, FS_MIGRATE_RECLAIMABLE, true}, {FS_MIGRATE_HIGHATOMIC, FS_MIGRATE_HIGHATOMIC, true},
    {FS_MIGRATE_CMA, FS_MIGRATE_CMA, true},              {FS_MIGRATE_ISOLATE, FS_MIGRATE_ISOLATE, true},
};

static void test_merge_pageblock_edge(void) {
  for (unsigned i = 0; i < G_N_ELEMENTS(merge_cases); i++)
    for (int reversed = 0; reversed < 2; reversed++) {
      uint32_t first = reversed ? merge_cases[i].b : merge_cases[i].a;
      uint32_t second = reversed ? merge_cases[i].a : merge_cases[i].b;
      g_test_message("pageblock types %u then %u: %s", first, second, merge_cases[i].merge ? "merge" : "stay apart");
      FsiMem m;
      mem_new(&m, 4096, false);
      /* pfn 8192..8703 and 8704..9215 are two pageblocks of one order-10 block */
      fsi_set_pageblock_mt(&m, 8192, first);
      fsi_set_pageblock_mt(&m, 8704, second);
      uint32_t order;
      fsi_free_one_page(&m, 8192, 9, first, &order);
      g_assert_cmpuint(order, ==, 9);
      uint64_t head = fsi_free_one_page(&m, 8704, 9, second, &order);
      FsiZone *z = &m.zones[1];
      if (merge_cases[i].merge) {
        g_assert_cmpuint(order, ==, 10);
        g_assert_cmpuint(head, ==, 8192);
        g_assert_cmpuint(z->free_area[10].nr_free, ==, 1);
        g_assert_cmpuint(z->free_area[9].nr_free, ==, 0);
        /* the merged block is listed under the type of the block freed last */
        g_assert_cmpuint(z->free_area[10].count[second], ==, 1);
      } else {
        g_assert_cmpuint(order, ==, 9);
        g_assert_cmpuint(head, ==, 8704);
        g_assert_cmpuint(z->free_area[10].nr_free, ==, 0);
        g_assert_cmpuint(z->free_area[9].nr_free, ==, 2);
        g_assert_cmpuint(z->free_area[9].count[first], ==, 1);
        g_assert_cmpuint(z->free_area[9].count[second], ==, 1);
      }
      /* what is free: both blocks (ISOLATE lists do not count), CMA apart */
      uint64_t cma = (first == FS_MIGRATE_CMA) + (second == FS_MIGRATE_CMA);
      uint64_t isolated = (first == FS_MIGRATE_ISOLATE) + (second == FS_MIGRATE_ISOLATE);
      g_assert_cmpuint(z->nr_free_cma, ==, 512 * cma);
      g_assert_cmpuint(z->nr_free_pages, ==, 512 * (2 - isolated));
      fsi_mem_destroy(&m);
    }
  /* below pageblock order the type of the block does not matter */
  FsiMem m;
  mem_new(&m, 4096, false);
  fsi_set_pageblock_mt(&m, 10240, FS_MIGRATE_HIGHATOMIC);
  uint32_t order;
  fsi_free_one_page(&m, 10240, 0, FS_MIGRATE_UNMOVABLE, &order);
  fsi_free_one_page(&m, 10241, 0, FS_MIGRATE_MOVABLE, &order);
  g_assert_cmpuint(order, ==, 1);
  fsi_mem_destroy(&m);
}

/* Buddies in different zones never merge, even when aligned. */
static void test_merge_zone_edge(void) {
  FsiMem m;
  mem_new(&m, 4608, true); /* DMA ends half-way through an order-10 block */
  g_assert_cmpuint(m.zones[0].free_area[9].nr_free, ==, 1);
  g_assert_cmpuint(m.zones[0].free_area[9].head[FS_MIGRATE_MOVABLE], ==, 4096);
  g_assert_cmpuint(m.zones[1].free_area[9].nr_free, ==, 1);
  g_assert_cmpuint(m.zones[1].free_area[9].head[FS_MIGRATE_MOVABLE], ==, 4608);
  uint64_t pfn = fsi_rmqueue_smallest(&m, 1, 9, FS_MIGRATE_MOVABLE);
  g_assert_cmpuint(pfn, ==, 4608);
  uint32_t order;
  fsi_free_one_page(&m, pfn, 9, FS_MIGRATE_MOVABLE, &order);
  g_assert_cmpuint(order, ==, 9);
  g_assert_cmpuint(fsi_pfn_zone(&m, 4607), ==, 0);
  g_assert_cmpuint(fsi_pfn_zone(&m, 4608), ==, 1);
  fsi_mem_destroy(&m);
}

/* buddy_merge_likely(): a block whose next-higher buddy is free goes to the
 * tail; allocation takes the head. */
static void test_tail_insertion(void) {
  FsiMem m;
  mem_new(&m, 4096, false);
  uint64_t b = 8192;
  uint32_t order;
  FsiFreeArea *o1 = &m.zones[1].free_area[1];
  fsi_free_one_page(&m, b + 12, 2, FS_MIGRATE_MOVABLE, &order); /* 12..15 free at order 2 */
  fsi_free_one_page(&m, b + 2, 1, FS_MIGRATE_MOVABLE, &order);  /* no free higher buddy: head */
  fsi_free_one_page(&m, b + 10, 1, FS_MIGRATE_MOVABLE, &order); /* 8..11's buddy 12 is free: tail */
  g_assert_cmpuint(order, ==, 1);
  g_assert_cmpuint(o1->head[FS_MIGRATE_MOVABLE], ==, b + 2);
  g_assert_cmpuint(o1->tail[FS_MIGRATE_MOVABLE], ==, b + 10);
  fsi_free_one_page(&m, b + 18, 1, FS_MIGRATE_MOVABLE, &order); /* head */
  g_assert_cmpuint(o1->head[FS_MIGRATE_MOVABLE], ==, b + 18);
  g_assert_cmpuint(o1->tail[FS_MIGRATE_MOVABLE], ==, b + 10);
  g_assert_cmpuint(fsi_rmqueue_smallest(&m, 1, 1, FS_MIGRATE_MOVABLE), ==, b + 18);
  fsi_mem_destroy(&m);
}

static bool all_movable(void *ctx, uint32_t id) {
  (void)ctx;
  return id != 7;
}

static void test_move_freepages_block(void) {
  FsiMem m;
  mem_new(&m, 4096, true);
  m.alloc_movable = all_movable;
  uint64_t pfn = fsi_rmqueue_smallest(&m, 1, 0, FS_MIGRATE_MOVABLE);
  fsi_mark_allocated(&m, pfn, 0, 3, FS_MIGRATE_MOVABLE);
  uint64_t pfn2 = fsi_rmqueue_smallest(&m, 1, 0, FS_MIGRATE_MOVABLE);
  fsi_mark_allocated(&m, pfn2, 0, 7, FS_MIGRATE_UNMOVABLE);
  uint64_t nfree = 0, nmov = 0;
  g_assert_true(fsi_move_freepages_block(&m, pfn + 100, FS_MIGRATE_UNMOVABLE, &nfree, &nmov));
  g_assert_cmpuint(nfree, ==, 510);
  g_assert_cmpuint(nmov, ==, 1);
  /* every free block of that pageblock moved; the other half did not */
  for (uint32_t o = 0; o < 9; o++) g_assert_cmpuint(m.zones[1].free_area[o].count[FS_MIGRATE_MOVABLE], ==, 0);
  g_assert_cmpuint(m.zones[1].free_area[9].count[FS_MIGRATE_MOVABLE], ==, 1);
  g_assert_cmpuint(m.zones[1].free_area[9].head[FS_MIGRATE_MOVABLE], ==, 4096 + 512);
  g_assert_cmpuint(m.zones[1].nr_free_pages, ==, 12286);
  /* a pageblock straddling a zone boundary is refused */
  FsiMem m2;
  mem_new(&m2, 4096 + 256, true);
  g_assert_false(fsi_move_freepages_block(&m2, 4096, FS_MIGRATE_UNMOVABLE, NULL, NULL));
  fsi_mem_destroy(&m2);
  fsi_mem_destroy(&m);
}

static void test_take_free_block(void) {
  FsiMem m;
  mem_new(&m, 4096, true);
  g_assert_true(fsi_take_free_block(&m, 5120, 3, FS_MIGRATE_UNMOVABLE));
  for (uint32_t o = 3; o < 10; o++) g_assert_cmpuint(m.zones[1].free_area[o].count[FS_MIGRATE_UNMOVABLE], ==, 1);
  g_assert_cmpuint(m.zones[1].free_area[10].nr_free, ==, 11);
  g_assert_false(fsi_take_free_block(&m, 5120, 3, FS_MIGRATE_UNMOVABLE)); /* no longer free */
  fsi_mem_destroy(&m);
}

static void test_census(void) {
  FsiMem m;
  mem_new(&m, 4096, true);
  FsiBlockCensus c;
  fsi_block_census(&m, 1, &c);
  g_assert_cmpuint(c.blocks[FS_MIGRATE_MOVABLE], ==, 24);
  g_assert_cmpuint(c.mixed_total, ==, 0);
  uint64_t a = fsi_rmqueue_smallest(&m, 1, 0, FS_MIGRATE_MOVABLE);
  fsi_mark_allocated(&m, a, 0, 1, FS_MIGRATE_MOVABLE);
  fsi_block_census(&m, 1, &c);
  g_assert_cmpuint(c.mixed_total, ==, 0);
  uint64_t b = fsi_rmqueue_smallest(&m, 1, 0, FS_MIGRATE_MOVABLE);
  fsi_mark_allocated(&m, b, 0, 2, FS_MIGRATE_UNMOVABLE);
  fsi_block_census(&m, 1, &c);
  g_assert_cmpuint(c.mixed_total, ==, 1);
  g_assert_cmpuint(c.mixed[FS_MIGRATE_MOVABLE], ==, 1);
  g_assert_cmpuint(c.polluted, ==, 1);
  fsi_mark_unallocated(&m, b, 0, FS_MIGRATE_UNMOVABLE);
  fsi_block_census(&m, 1, &c);
  g_assert_cmpuint(c.mixed_total, ==, 0);
  g_assert_cmpuint(c.polluted, ==, 0);
  /* an order-10 allocation counts in both of its pageblocks */
  uint64_t big = fsi_rmqueue_smallest(&m, 1, 10, FS_MIGRATE_MOVABLE);
  fsi_mark_allocated(&m, big, 10, 3, FS_MIGRATE_RECLAIMABLE);
  fsi_block_census(&m, 1, &c);
  g_assert_cmpuint(c.mixed_total, ==, 2);
  g_assert_cmpuint(m.blocks[big >> 9].nr_alloc[FS_MIGRATE_RECLAIMABLE], ==, 512);
  g_assert_cmpuint(m.blocks[(big >> 9) + 1].nr_alloc[FS_MIGRATE_RECLAIMABLE], ==, 512);
  fsi_mem_destroy(&m);
}

static void test_reserved(void) {
  FsiMem m;
  FsiMemConfig c;
  ft_mem_config(&c, 16384, 4096);
  c.reserved_low_pages = 256;
  c.memmap_pages = 256;
  fsi_mem_init(&m, &c);
  fsi_mem_boot_free(&m);
  g_assert_cmpuint(m.zones[0].managed_pages, ==, 4096 - 256);
  g_assert_cmpuint(m.zones[1].managed_pages, ==, 12288 - 256);
  g_assert_cmpuint(m.zones[0].nr_free_pages, ==, 4096 - 256);
  g_assert_cmpuint(m.zones[1].nr_free_pages, ==, 12288 - 256);
  g_assert_true(m.pages[0].flags & FSI_PG_RESERVED);
  g_assert_true(m.pages[16383].flags & FSI_PG_RESERVED);
  g_assert_false(m.pages[256].flags & FSI_PG_RESERVED);
  /* 256..511 is free in order-8 at most: it is aligned to 256 only */
  g_assert_true(m.pages[256].flags & FSI_PG_BUDDY);
  g_assert_cmpuint(m.pages[256].order, ==, 8);
  g_assert_cmpuint(m.blocks[0].nr_reserved, ==, 256);
  fsi_mem_destroy(&m);
}

static void capc_set(FsiMem *m, uint32_t zone, uint32_t order) {
  m->capc.active = true;
  m->capc.zone = zone;
  m->capc.order = order;
  m->capc.page = FS_PFN_NONE;
}

/* compaction_capture() in __free_one_page: with a capture control set, the
 * free whose merge passes through exactly the control's order is taken off
 * (on no list, not counted free), in the control's zone only, once; a free
 * that starts above the order, merges to another order, or lands in a
 * MOVABLE block below pageblock order, a CMA block or another zone is not
 * captured and is listed as usual. */
static void test_capture(void) {
  FsiMem m;
  mem_new(&m, 4096, true);
  uint32_t order;
  /* an UNMOVABLE pageblock at 4096, taken whole, freed in pieces */
  uint64_t pb = fsi_rmqueue_smallest(&m, 1, 9, FS_MIGRATE_MOVABLE);
  g_assert_cmpuint(pb, ==, 4096);
  fsi_set_pageblock_mt(&m, pb, FS_MIGRATE_UNMOVABLE);
  capc_set(&m, 1, 4);
  /* order 3 with no free buddy: merges to 3, not 4 */
  g_assert_cmpuint(fsi_free_one_page(&m, pb, 3, FS_MIGRATE_UNMOVABLE, &order), ==, pb);
  g_assert_cmpuint(order, ==, 3);
  g_assert_cmpuint(m.capc.page, ==, FS_PFN_NONE);
  uint64_t free_before = m.zones[1].nr_free_pages;
  /* its buddy: the merge reaches order 4 and stops there, captured */
  g_assert_cmpuint(fsi_free_one_page(&m, pb + 8, 3, FS_MIGRATE_UNMOVABLE, &order), ==, FS_PFN_NONE);
  g_assert_cmpuint(order, ==, 4);
  g_assert_cmpuint(m.capc.page, ==, pb);
  g_assert_cmpuint(m.zones[1].free_area[3].nr_free, ==, 0);
  g_assert_cmpuint(m.zones[1].free_area[4].nr_free, ==, 0);
  g_assert_cmpuint(m.zones[1].nr_free_pages, ==, free_before - 8);
  g_assert_cmpuint(m.pages[pb].flags, ==, 0);
  /* one page only: the next order-4 block is listed */
  g_assert_cmpuint(fsi_free_one_page(&m, pb + 16, 4, FS_MIGRATE_UNMOVABLE, &order), ==, pb + 16);
  g_assert_cmpuint(order, ==, 4);
  g_assert_cmpuint(m.capc.page, ==, pb);
  /* a block above the order never passes through it */
  capc_set(&m, 1, 4);
  g_assert_cmpuint(fsi_free_one_page(&m, pb + 32, 5, FS_MIGRATE_UNMOVABLE, &order), ==, pb + 32);
  g_assert_cmpuint(order, ==, 5);
  g_assert_cmpuint(m.capc.page, ==, FS_PFN_NONE);
  /* another zone's control: not captured */
  capc_set(&m, 0, 4);
  g_assert_cmpuint(fsi_free_one_page(&m, pb + 64, 4, FS_MIGRATE_UNMOVABLE, &order), ==, pb + 64);
  g_assert_cmpuint(m.capc.page, ==, FS_PFN_NONE);

  /* a MOVABLE pageblock at 4608: not below pageblock order ... */
  uint64_t mv = fsi_rmqueue_smallest(&m, 1, 9, FS_MIGRATE_MOVABLE);
  g_assert_cmpuint(mv, ==, 4608);
  capc_set(&m, 1, 4);
  fsi_free_one_page(&m, mv, 3, FS_MIGRATE_MOVABLE, &order);
  g_assert_cmpuint(fsi_free_one_page(&m, mv + 8, 3, FS_MIGRATE_MOVABLE, &order), ==, mv);
  g_assert_cmpuint(order, ==, 4);
  g_assert_cmpuint(m.capc.page, ==, FS_PFN_NONE);
  g_assert_cmpuint(m.zones[1].free_area[4].count[FS_MIGRATE_MOVABLE], ==, 1);
  /* ... but at pageblock order a MOVABLE block is captured */
  capc_set(&m, 1, 9);
  for (uint32_t o = 4; o < 8; o++) fsi_free_one_page(&m, mv + (1u << o), o, FS_MIGRATE_MOVABLE, &order);
  g_assert_cmpuint(m.capc.page, ==, FS_PFN_NONE);
  g_assert_cmpuint(fsi_free_one_page(&m, mv + 256, 8, FS_MIGRATE_MOVABLE, &order), ==, FS_PFN_NONE);
  g_assert_cmpuint(order, ==, 9);
  g_assert_cmpuint(m.capc.page, ==, mv);

  /* a CMA pageblock at 5120 reaching order 9: never captured */
  uint64_t cma = fsi_rmqueue_smallest(&m, 1, 9, FS_MIGRATE_MOVABLE);
  g_assert_cmpuint(cma, ==, 5120);
  fsi_set_pageblock_mt(&m, cma, FS_MIGRATE_CMA);
  capc_set(&m, 1, 9);
  fsi_free_one_page(&m, cma, 8, FS_MIGRATE_CMA, &order);
  g_assert_cmpuint(fsi_free_one_page(&m, cma + 256, 8, FS_MIGRATE_CMA, &order), ==, cma);
  g_assert_cmpuint(order, ==, 9);
  g_assert_cmpuint(m.capc.page, ==, FS_PFN_NONE);
  g_assert_cmpuint(m.zones[1].free_area[9].count[FS_MIGRATE_CMA], ==, 1);
  /* no control: an UNMOVABLE order-4 merge is listed */
  m.capc.active = false;
  g_assert_cmpuint(fsi_free_one_page(&m, pb + 80, 4, FS_MIGRATE_UNMOVABLE, &order), !=, FS_PFN_NONE);
  fsi_mem_destroy(&m);
}

/* The big arrays' allocator: zeroed, growth keeps the contents and zeroes
 * the rest, at sizes below and above the huge page size (2 MiB: mapped
 * aligned to it), and across it. */
static void test_bigmem(void) {
  const size_t sizes[] = {100, (size_t)3 << 20};
  for (unsigned i = 0; i < G_N_ELEMENTS(sizes); i++) {
    size_t n = sizes[i];
    unsigned char *p = fsi_big_alloc0(n);
    for (size_t k = 0; k < n; k++) g_assert_cmpuint(p[k], ==, 0);
    for (size_t k = 0; k < n; k++) p[k] = (unsigned char)(k * 7 + 1);
    if (n >= ((size_t)2 << 20)) g_assert_cmpuint((uintptr_t)p % ((size_t)2 << 20), ==, 0);
    size_t m = 2 * n + 5;
    p = fsi_big_realloc(p, n, m);
    for (size_t k = 0; k < n; k++) g_assert_cmpuint(p[k], ==, (unsigned char)(k * 7 + 1));
    for (size_t k = n; k < m; k++) g_assert_cmpuint(p[k], ==, 0);
    /* to a bigger mapping (from the heap, the first time) */
    size_t big = m + ((size_t)5 << 20);
    p = fsi_big_realloc(p, m, big);
    g_assert_cmpuint((uintptr_t)p % ((size_t)2 << 20), ==, 0);
    for (size_t k = 0; k < n; k++) g_assert_cmpuint(p[k], ==, (unsigned char)(k * 7 + 1));
    g_assert_cmpuint(p[big - 1], ==, 0);
    fsi_big_free(p, big);
  }
  fsi_big_free(fsi_big_realloc(NULL, 0, 10), 10);
  fsi_big_free(NULL, (size_t)4 << 20);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/mem/bigmem", test_bigmem);
  g_test_add_func("/mem/boot/all-free", test_boot_all_free);
  g_test_add_func("/mem/split/order-0", test_split_order0);
  g_test_add_func("/mem/split/top-order", test_top_order);
  g_test_add_func("/mem/merge/across-pageblock", test_merge_pageblock_edge);
  g_test_add_func("/mem/merge/zone-edge", test_merge_zone_edge);
  g_test_add_func("/mem/free/tail-insertion", test_tail_insertion);
  g_test_add_func("/mem/move-freepages-block", test_move_freepages_block);
  g_test_add_func("/mem/take-free-block", test_take_free_block);
  g_test_add_func("/mem/capture", test_capture);
  g_test_add_func("/mem/census/mixed-and-polluted", test_census);
  g_test_add_func("/mem/boot/reserved", test_reserved);
  return g_test_run();
}
