/* Watermark arithmetic against the reference's worked numbers: the
 * calculate_min_free_kbytes() table, __setup_per_zone_wmarks() on a 4 GiB
 * machine, lowmem_reserve, and both watermark checks. */
#include <string.h>

#include "engine/mm/mmzone.h"
#include "helpers.h"

static void test_min_free_kbytes_table(void) {
  /* the table in mm/page_alloc.c's comment */
  static const uint64_t table[][2] = {
      {16 * 1024, 512},       {64 * 1024, 1024},        {256 * 1024, 2048},
      {1024 * 1024, 4096},    {4096 * 1024, 8192},      {16384 * 1024, 16384},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(table); i++)
    g_assert_cmpuint(fsi_calculate_min_free_kbytes(table[i][0]), ==, table[i][1]);
  g_assert_cmpuint(fsi_calculate_min_free_kbytes(100), ==, 128);                  /* clamp low */
  g_assert_cmpuint(fsi_calculate_min_free_kbytes((uint64_t)16 << 30), ==, 262144); /* clamp high: 16 TiB */
  g_assert_cmpuint(fsi_int_sqrt(66043904), ==, 8126);
  g_assert_cmpuint(fsi_int_sqrt(0), ==, 0);
  g_assert_cmpuint(fsi_int_sqrt(UINT64_MAX), ==, 4294967295u);
}

/* A 4 GiB machine as fragsim boots it by default: DMA [0,16M) with 1 MiB
 * reserved, DMA32 up to 4 GiB with the memmap (1/64) reserved at the top. */
static void boot_4g(FsiMem *m, bool old_check) {
  FsiMemConfig c;
  ft_mem_config(&c, 1048576, 4096);
  c.reserved_low_pages = 256;
  c.memmap_pages = 16384;
  c.old_watermark_check = old_check;
  fsi_mem_init(m, &c);
  fsi_mem_boot_free(m);
  fsi_mem_setup_watermarks(m);
}

static void test_per_zone_wmarks(void) {
  FsiMem m;
  boot_4g(&m, false);
  g_assert_cmpuint(m.zones[0].managed_pages, ==, 3840);
  g_assert_cmpuint(m.zones[1].managed_pages, ==, 1028096);
  /* lowmem_kbytes = (3840 + 1028096) * 4 = 4127744; sqrt(16x) = 8126 */
  g_assert_cmpuint(m.min_free_kbytes, ==, 8126);
  /* pages_min = 2031; DMA: 2031*3840/1031936 = 7, gap max(7/4, 3840*10/10000=3) = 3 */
  g_assert_cmpuint(m.zones[0].wmark[FSI_WMARK_MIN], ==, 7);
  g_assert_cmpuint(m.zones[0].wmark[FSI_WMARK_LOW], ==, 10);
  g_assert_cmpuint(m.zones[0].wmark[FSI_WMARK_HIGH], ==, 13);
  /* DMA32: 2031*1028096/1031936 = 2023, gap max(505, 1028) = 1028 */
  g_assert_cmpuint(m.zones[1].wmark[FSI_WMARK_MIN], ==, 2023);
  g_assert_cmpuint(m.zones[1].wmark[FSI_WMARK_LOW], ==, 3051);
  g_assert_cmpuint(m.zones[1].wmark[FSI_WMARK_HIGH], ==, 4079);
  /* lowmem_reserve: DMA protects itself by 1/256 of everything above it */
  g_assert_cmpuint(m.zones[0].lowmem_reserve[0], ==, 0);
  g_assert_cmpuint(m.zones[0].lowmem_reserve[1], ==, 1028096 / 256);
  g_assert_cmpuint(m.zones[0].lowmem_reserve[3], ==, 1028096 / 256);
  g_assert_cmpuint(m.zones[1].lowmem_reserve[2], ==, 0);
  /* boost raises every mark */
  m.zones[1].watermark_boost = 512;
  g_assert_cmpuint(fsi_wmark(&m.zones[1], FSI_WMARK_HIGH), ==, 4079 + 512);
  fsi_mem_destroy(&m);
}

/* A 32-bit machine as the 2006 comparison ran (1.5 GiB, x86-32): DMA
 * [0,16M) with 1 MiB reserved, no DMA32, Normal up to 896M, HighMem above it
 * with the memmap (1/64) at the top.  min_free_kbytes comes from lowmem
 * alone and is shared by the lowmem zones; HighMem's min is managed/1024
 * clamped to 32..128, its distances the proportional ones
 * (__setup_per_zone_wmarks()); Normal protects itself from HighMem requests
 * by 1/32 of HighMem. */
static void test_per_zone_wmarks_highmem(void) {
  FsiMemConfig c;
  ft_mem_config(&c, 393216, 4096);
  c.zone_end[FS_ZONE_DMA32] = 4096; /* empty */
  c.zone_start[FS_ZONE_NORMAL] = 4096;
  c.zone_end[FS_ZONE_NORMAL] = 229376;
  c.zone_start[FS_ZONE_HIGHMEM] = 229376;
  c.zone_end[FS_ZONE_HIGHMEM] = 393216;
  for (int z = FS_ZONE_MOVABLE; z < FS_MAX_ZONES; z++) c.zone_start[z] = c.zone_end[z] = 393216;
  c.highmem = true;
  c.reserved_low_pages = 256;
  c.memmap_pages = 6144;
  FsiMem m;
  fsi_mem_init(&m, &c);
  fsi_mem_boot_free(&m);
  fsi_mem_setup_watermarks(&m);
  g_assert_cmpuint(m.zones[FS_ZONE_DMA].managed_pages, ==, 3840);
  g_assert_cmpuint(m.zones[FS_ZONE_NORMAL].managed_pages, ==, 225280);
  g_assert_cmpuint(m.zones[FS_ZONE_HIGHMEM].managed_pages, ==, 157696);
  g_assert_cmpstr(m.zones[FS_ZONE_HIGHMEM].name, ==, "HighMem");
  /* lowmem_kbytes = (3840 + 225280) * 4 = 916480; sqrt(16x) = 3829: 957 pages */
  g_assert_cmpuint(m.min_free_kbytes, ==, 3829);
  /* DMA: 957*3840/229120 = 16, gap max(4, 3) = 4 */
  g_assert_cmpuint(m.zones[FS_ZONE_DMA].wmark[FSI_WMARK_MIN], ==, 16);
  g_assert_cmpuint(m.zones[FS_ZONE_DMA].wmark[FSI_WMARK_HIGH], ==, 24);
  /* Normal: 957*225280/229120 = 940, gap max(235, 225) = 235 */
  g_assert_cmpuint(m.zones[FS_ZONE_NORMAL].wmark[FSI_WMARK_MIN], ==, 940);
  g_assert_cmpuint(m.zones[FS_ZONE_NORMAL].wmark[FSI_WMARK_LOW], ==, 1175);
  g_assert_cmpuint(m.zones[FS_ZONE_NORMAL].wmark[FSI_WMARK_HIGH], ==, 1410);
  /* HighMem: min 157696/1024 = 154 capped at 128; tmp 957*157696/229120 =
   * 658, gap max(164, 157) = 164 (the 64-bit formula would give min 658) */
  g_assert_cmpuint(m.zones[FS_ZONE_HIGHMEM].wmark[FSI_WMARK_MIN], ==, 128);
  g_assert_cmpuint(m.zones[FS_ZONE_HIGHMEM].wmark[FSI_WMARK_LOW], ==, 292);
  g_assert_cmpuint(m.zones[FS_ZONE_HIGHMEM].wmark[FSI_WMARK_HIGH], ==, 456);
  g_assert_true(fsi_zone_is_highmem(&m, FS_ZONE_HIGHMEM) && fsi_zone_is_highmem(&m, FS_ZONE_MOVABLE));
  g_assert_false(fsi_zone_is_highmem(&m, FS_ZONE_NORMAL));
  /* lowmem_reserve: DMA 1/256 of what is above it, Normal 1/32 of HighMem,
   * HighMem none (ratio 0) */
  g_assert_cmpuint(m.zones[FS_ZONE_DMA].lowmem_reserve[FS_ZONE_NORMAL], ==, 225280 / 256);
  g_assert_cmpuint(m.zones[FS_ZONE_DMA].lowmem_reserve[FS_ZONE_HIGHMEM], ==, (225280 + 157696) / 256);
  g_assert_cmpuint(m.zones[FS_ZONE_NORMAL].lowmem_reserve[FS_ZONE_HIGHMEM], ==, 157696 / 32);
  g_assert_cmpuint(m.zones[FS_ZONE_NORMAL].lowmem_reserve[FS_ZONE_MOVABLE], ==, 157696 / 32);
  g_assert_cmpuint(m.zones[FS_ZONE_HIGHMEM].lowmem_reserve[FS_ZONE_MOVABLE], ==, 0);
  fsi_mem_destroy(&m);
}

static void test_watermark_scale_factor(void) {
  FsiMem m;
  boot_4g(&m, false);
  m.cfg.watermark_scale_factor = 100; /* 1% */
  fsi_mem_setup_watermarks(&m);
  g_assert_cmpuint(m.zones[1].wmark[FSI_WMARK_LOW] - m.zones[1].wmark[FSI_WMARK_MIN], ==, 10280);
  m.cfg.min_free_kbytes = 65536; /* a user-set value is kept */
  fsi_mem_setup_watermarks(&m);
  g_assert_cmpuint(m.min_free_kbytes, ==, 65536);
  g_assert_cmpuint(m.zones[1].wmark[FSI_WMARK_MIN], ==, 16384ull * 1028096 / 1031936);
  fsi_mem_destroy(&m);
}

/* The modern check: free must exceed min + lowmem_reserve after removing
 * 2^order - 1 and what the caller may not use; high orders only need one
 * block of a usable type. */
static void test_modern_check(void) {
  FsiMem m;
  boot_4g(&m, false);
  int64_t free = (int64_t)m.zones[1].nr_free_pages;
  g_assert_true(fsi_zone_watermark_ok(&m, 1, 0, (uint64_t)free - 1, 1, 0, free));
  g_assert_false(fsi_zone_watermark_ok(&m, 1, 0, (uint64_t)free, 1, 0, free));
  /* __GFP_HIGH halves the mark */
  g_assert_true(fsi_zone_watermark_ok(&m, 1, 0, (uint64_t)free * 2 - 2, 1, FS_ALLOC_HIGH, free));
  /* ALLOC_HARDER takes another quarter: mark*3/8 */
  g_assert_true(fsi_zone_watermark_ok(&m, 1, 0, 2048, 1, FS_ALLOC_HIGH | FS_ALLOC_HARDER, 769));
  g_assert_false(fsi_zone_watermark_ok(&m, 1, 0, 2048, 1, FS_ALLOC_HIGH | FS_ALLOC_HARDER, 768));
  /* lowmem_reserve: a NORMAL-capable request falling back into DMA */
  int64_t dfree = (int64_t)m.zones[0].nr_free_pages;
  g_assert_true(fsi_zone_watermark_ok(&m, 0, 0, 7, 0, 0, dfree));
  g_assert_false(fsi_zone_watermark_ok(&m, 0, 0, 7, 1, 0, dfree));
  /* highatomic reserve is unusable without ALLOC_HARDER */
  m.zones[1].nr_reserved_highatomic = (uint64_t)free - 100;
  g_assert_false(fsi_zone_watermark_ok(&m, 1, 0, 200, 1, 0, free));
  g_assert_true(fsi_zone_watermark_ok(&m, 1, 0, 200, 1, FS_ALLOC_HARDER, free));
  m.zones[1].nr_reserved_highatomic = 0;
  /* order > 0 needs a block of a usable type; empty high lists fail */
  g_assert_true(fsi_zone_watermark_ok(&m, 1, 10, 100, 1, 0, free));
  uint64_t last = FS_PFN_NONE, pfn;
  while ((pfn = fsi_rmqueue_smallest(&m, 1, 10, FS_MIGRATE_MOVABLE)) != FS_PFN_NONE) last = pfn;
  fsi_free_one_page(&m, last + 512, 9, FS_MIGRATE_MOVABLE, NULL);
  free = (int64_t)m.zones[1].nr_free_pages;
  g_assert_cmpint(free, ==, 512);
  g_assert_false(fsi_zone_watermark_ok(&m, 1, 10, 0, 1, 0, free));
  g_assert_true(fsi_zone_watermark_ok(&m, 1, 9, 0, 1, 0, free));
  fsi_mem_destroy(&m);
}

/* Pre-4.4: lower orders are discounted and the mark halves per order. */
static void test_old_check(void) {
  FsiMem m;
  FsiMemConfig c;
  ft_mem_config(&c, 16384, 16384); /* one zone: DMA */
  c.old_watermark_check = true;
  fsi_mem_init(&m, &c);
  /* 1000 free order-0 pages at even pfns: no merging */
  for (uint64_t i = 0; i < 1000; i++) fsi_free_one_page(&m, 2 * i, 0, FS_MIGRATE_MOVABLE, NULL);
  int64_t free = (int64_t)m.zones[0].nr_free_pages;
  g_assert_cmpint(free, ==, 1000);
  g_assert_true(fsi_zone_watermark_ok(&m, 0, 0, 100, 0, 0, free));
  /* order 1: free-1 = 999 > 100, then minus 1000 order-0 pages: -1 <= 50 */
  g_assert_false(fsi_zone_watermark_ok(&m, 0, 1, 100, 0, 0, free));
  /* the modern check fails too, but only because no order-1 block exists */
  m.cfg.old_watermark_check = false;
  g_assert_false(fsi_zone_watermark_ok(&m, 0, 1, 100, 0, 0, free));
  /* add 100 order-1 blocks: old check: 1199 > 100; minus 1000 = 199 > 50: pass */
  m.cfg.old_watermark_check = true;
  for (uint64_t i = 0; i < 100; i++) fsi_free_one_page(&m, 4096 + 4 * i, 1, FS_MIGRATE_MOVABLE, NULL);
  free = (int64_t)m.zones[0].nr_free_pages;
  g_assert_true(fsi_zone_watermark_ok(&m, 0, 1, 100, 0, 0, free));
  /* order 2: 1197 > 100; -1000 -> 197 > 50; -200 -> -3 <= 25: fail */
  g_assert_false(fsi_zone_watermark_ok(&m, 0, 2, 100, 0, 0, free));
  fsi_mem_destroy(&m);
}

/* vm.min_free_kbytes written while running (a workload phase's set =):
 * the watermarks become those of a machine booted with the value, and the
 * boosts are cleared, as setup_per_zone_wmarks() does; a bad value is
 * refused naming the key, and checking (apply = false) changes nothing. */
static void test_sysctl_min_free_kbytes(void) {
  const char *base[] = {"machine.memory=1G", NULL};
  const char *booted[] = {"vm.min_free_kbytes=1024", NULL};
  FsiRun *run = ft_run_new("linux-6.1", base, NULL);
  FsiRun *ref = ft_run_new("linux-6.1", base, booted);
  uint32_t last = run->mem.nr_zones - 1;
  uint64_t before = run->mem.zones[last].wmark[FSI_WMARK_MIN];
  g_assert_cmpuint(before, >, ref->mem.zones[last].wmark[FSI_WMARK_MIN]);
  GError *e = NULL;
  g_assert_true(fsi_run_set_param(run, "vm.min_free_kbytes", "1024", false, &e));
  g_assert_cmpuint(run->mem.zones[last].wmark[FSI_WMARK_MIN], ==, before);
  run->mem.zones[last].watermark_boost = 100;
  g_assert_true(fsi_run_set_param(run, "vm.min_free_kbytes", "1024", true, &e));
  g_assert_no_error(e);
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) {
    for (int w = 0; w < 3; w++) g_assert_cmpuint(run->mem.zones[z].wmark[w], ==, ref->mem.zones[z].wmark[w]);
    g_assert_cmpuint(run->mem.zones[z].watermark_boost, ==, 0);
  }
  g_assert_cmpuint(run->mem.min_free_kbytes, ==, 1024);
  g_assert_false(fsi_run_set_param(run, "vm.min_free_kbytes", "lots", true, &e));
  ft_assert_has(e->message, "vm.min_free_kbytes");
  ft_assert_has(e->message, "not a number");
  g_clear_error(&e);
  g_assert_false(fsi_run_set_param(run, "vm.min_free_kbytes", "1048576", true, &e));
  ft_assert_has(e->message, "not below the machine's memory");
  g_clear_error(&e);
  g_assert_cmpuint(run->mem.min_free_kbytes, ==, 1024);
  ft_run_free(run);
  ft_run_free(ref);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/watermark/min-free-kbytes/table", test_min_free_kbytes_table);
  g_test_add_func("/watermark/per-zone/4g", test_per_zone_wmarks);
  g_test_add_func("/watermark/per-zone/scale-factor", test_watermark_scale_factor);
  g_test_add_func("/watermark/per-zone/highmem", test_per_zone_wmarks_highmem);
  g_test_add_func("/watermark/sysctl/min-free-kbytes", test_sysctl_min_free_kbytes);
  g_test_add_func("/watermark/check/modern", test_modern_check);
  g_test_add_func("/watermark/check/pre-4.4", test_old_check);
  return g_test_run();
}
