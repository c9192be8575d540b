/* The kernel's fragmentation metrics (mm/vmstat.c, v6.1), with their
 * formulas unchanged so a paper can cite the kernel's definition:
 * fill_contig_page_info(), __fragmentation_index(), unusable_free_index(),
 * extfrag_for_order(), and the pagetypeinfo block census (blocks per
 * migratetype, mixed blocks as page_owner's pagetypeinfo_showmixedcount
 * counts them).
 */
#include "engine/mm/mmzone.h"

#include <glib.h>
#include <string.h>

/* ---- fragmentation metrics (mm/vmstat.c) -------------------------------------- */

void fsi_fill_contig_page_info(const uint64_t *nr_free, uint32_t max_order, uint32_t order, FsiContigInfo *ret) {
  memset(ret, 0, sizeof *ret);
  for (uint32_t o = 0; o <= max_order; o++) {
    ret->free_blocks_total += nr_free[o];
    ret->free_pages += nr_free[o] << o;
    if (o >= order) ret->free_blocks_suitable += nr_free[o] << (o - order);
  }
}

int fsi_fragmentation_index(const uint64_t *nr_free, uint32_t max_order, uint32_t order) {
  FsiContigInfo info;
  fsi_fill_contig_page_info(nr_free, max_order, order, &info);
  uint64_t requested = (uint64_t)1 << order;
  if (!info.free_blocks_total) return 0;
  if (info.free_blocks_suitable) return -1000;
  return (int)(1000 - (1000 + info.free_pages * 1000 / requested) / info.free_blocks_total);
}

int fsi_unusable_free_index(const uint64_t *nr_free, uint32_t max_order, uint32_t order) {
  FsiContigInfo info;
  fsi_fill_contig_page_info(nr_free, max_order, order, &info);
  if (!info.free_pages) return 1000;
  return (int)((info.free_pages - (info.free_blocks_suitable << order)) * 1000 / info.free_pages);
}

int fsi_extfrag_for_order(const uint64_t *nr_free, uint32_t max_order, uint32_t order) {
  FsiContigInfo info;
  fsi_fill_contig_page_info(nr_free, max_order, order, &info);
  if (!info.free_pages) return 0;
  return (int)((info.free_pages - (info.free_blocks_suitable << order)) * 100 / info.free_pages);
}

void fsi_zone_nr_free(const FsiMem *m, uint32_t zone, uint64_t *ret_nr_free) {
  for (uint32_t o = 0; o < FS_NR_ORDERS; o++) ret_nr_free[o] = o <= m->max_order ? m->zones[zone].free_area[o].nr_free : 0;
}

void fsi_block_census(const FsiMem *m, uint32_t zone, FsiBlockCensus *ret) {
  memset(ret, 0, sizeof *ret);
  const FsiZone *z = &m->zones[zone];
  if (z->end_pfn <= z->start_pfn) return;
  uint64_t first = z->start_pfn >> m->pageblock_order;
  uint64_t last = (z->end_pfn - 1) >> m->pageblock_order;
  for (uint64_t bi = first; bi <= last; bi++) {
    const FsiPageblock *b = &m->blocks[bi];
    uint32_t mt = b->mt;
    ret->blocks[mt]++;
    /* pagetypeinfo's mixed count: a block holding a page whose allocation
     * migratetype differs from the block's.  CMA blocks are judged and
     * counted as MOVABLE. */
    uint32_t as = mt == FS_MIGRATE_CMA ? FS_MIGRATE_MOVABLE : mt;
    bool mixed = false;
    for (uint32_t t = 0; t < FS_MIGRATE_PCPTYPES; t++)
      if (t != as && b->nr_alloc[t]) mixed = true;
    if (mixed) {
      ret->mixed[as]++;
      ret->mixed_total++;
    }
    if (b->nr_alloc[FS_MIGRATE_UNMOVABLE] || b->nr_alloc[FS_MIGRATE_RECLAIMABLE]) ret->polluted++;
  }
}
