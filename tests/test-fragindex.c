/* The mm/vmstat.c fragmentation formulas against hand-computed values. */
#include "engine/mm/mmzone.h"

/* Reference §11.4 worked example: {order0: 1000, order9: 2}. */
static void test_worked_example(void) {
  uint64_t nr[FS_NR_ORDERS] = {0};
  nr[0] = 1000;
  nr[9] = 2;
  FsiContigInfo ci;
  fsi_fill_contig_page_info(nr, 10, 9, &ci);
  g_assert_cmpuint(ci.free_pages, ==, 2024);
  g_assert_cmpuint(ci.free_blocks_total, ==, 1002);
  g_assert_cmpuint(ci.free_blocks_suitable, ==, 2);
  /* proactive score: (2024 - 1024) * 100 / 2024 = 49 */
  g_assert_cmpint(fsi_extfrag_for_order(nr, 10, 9), ==, 49);
  /* unusable index: (2024 - 1024) * 1000 / 2024 = 494 */
  g_assert_cmpint(fsi_unusable_free_index(nr, 10, 9), ==, 494);
  g_assert_cmpint(fsi_unusable_free_index(nr, 10, 0), ==, 0);
  /* a suitable block exists: -1000 */
  g_assert_cmpint(fsi_fragmentation_index(nr, 10, 9), ==, -1000);
  /* order 10: 1000 - (1000 + 2024000/1024) / 1002 = 1000 - 2976/1002 = 998 */
  g_assert_cmpint(fsi_fragmentation_index(nr, 10, 10), ==, 998);
  g_assert_cmpint(fsi_unusable_free_index(nr, 10, 10), ==, 1000);
}

static void test_empty(void) {
  uint64_t nr[FS_NR_ORDERS] = {0};
  g_assert_cmpint(fsi_fragmentation_index(nr, 10, 9), ==, 0);
  g_assert_cmpint(fsi_unusable_free_index(nr, 10, 9), ==, 1000);
  g_assert_cmpint(fsi_extfrag_for_order(nr, 10, 9), ==, 0);
}

/* Lack of memory, not fragmentation: one order-3 block asked at order 9.
 * 1000 - (1000 + 8000/512) / 1 = 1000 - 1015 = -15 (the kernel's integer
 * arithmetic can dip below 0 when there are very few blocks). */
static void test_lack_of_memory(void) {
  uint64_t nr[FS_NR_ORDERS] = {0};
  nr[3] = 1;
  g_assert_cmpint(fsi_fragmentation_index(nr, 10, 9), ==, -15);
  g_assert_cmpint(fsi_unusable_free_index(nr, 10, 3), ==, 0);
  g_assert_cmpint(fsi_unusable_free_index(nr, 10, 4), ==, 1000);
}

/* Many tiny blocks: fragmentation.  4096 order-0 blocks, order 4 asked:
 * 1000 - (1000 + 4096000/16) / 4096 = 1000 - 257000/4096 = 1000 - 62 = 938 */
static void test_fragmented(void) {
  uint64_t nr[FS_NR_ORDERS] = {0};
  nr[0] = 4096;
  g_assert_cmpint(fsi_fragmentation_index(nr, 10, 4), ==, 938);
  /* half the memory in order-4 blocks: unusable at 4 = 4096*1000/8192 = 500 */
  nr[4] = 256;
  g_assert_cmpint(fsi_unusable_free_index(nr, 10, 4), ==, 500);
  g_assert_cmpint(fsi_extfrag_for_order(nr, 10, 4), ==, 50);
  /* at order 5 nothing is suitable: 1000 - (1000 + 8192000/32) / 4352 = 1000 - 257000/4352 = 941 */
  g_assert_cmpint(fsi_fragmentation_index(nr, 10, 5), ==, 941);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/fragindex/worked-example", test_worked_example);
  g_test_add_func("/fragindex/empty-zone", test_empty);
  g_test_add_func("/fragindex/lack-of-memory", test_lack_of_memory);
  g_test_add_func("/fragindex/fragmented", test_fragmented);
  return g_test_run();
}
