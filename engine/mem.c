/* The memory model: page frames, pageblocks, zones, buddy free lists,
 * watermarks and the mm/vmstat.c fragmentation formulas.  See mem.h for
 * what this module owns and what it leaves to the allocator and policies.
 *
 * Mirrors mm/page_alloc.c of v6.1 unless a comment says otherwise.
 */
#include "engine/mem.h"

#include <glib.h>
#include <string.h>

static const char *const zone_names[FS_MAX_ZONES] = {"DMA", "DMA32", "Normal", "Movable"};

/* ---- free lists ------------------------------------------------------------ */

static inline FsiZone *zone_of(FsiMem *m, uint64_t pfn) {
  uint32_t z = fsi_pfn_zone(m, pfn);
  g_assert(z != FSI_NIL);
  return &m->zones[z];
}

/* Free-page accounting follows the list a block sits on, as
 * __mod_zone_freepage_state() does with the list's migratetype: ISOLATE
 * lists are outside NR_FREE_PAGES. */
static inline void account_freepages(FsiZone *z, int64_t nr, uint32_t mt) {
  if (mt == FS_MIGRATE_ISOLATE) return;
  z->nr_free_pages += (uint64_t)nr;
  if (mt == FS_MIGRATE_CMA) z->nr_free_cma += (uint64_t)nr;
  if (mt == FS_MIGRATE_HIGHATOMIC) z->nr_free_highatomic += (uint64_t)nr;
}

static void list_add(FsiMem *m, FsiZone *z, uint64_t pfn, uint32_t order, uint32_t mt, bool tail) {
  FsiFreeArea *area = &z->free_area[order];
  FsiPage *p = &m->pages[pfn];
  uint32_t idx = (uint32_t)pfn;
  p->flags = FSI_PG_BUDDY;
  p->order = (uint8_t)order;
  p->mt = (uint8_t)mt;
  p->alloc = FSI_NIL;
  if (area->head[mt] == FSI_NIL) {
    p->next = p->prev = FSI_NIL;
    area->head[mt] = area->tail[mt] = idx;
  } else if (tail) {
    p->prev = area->tail[mt];
    p->next = FSI_NIL;
    m->pages[area->tail[mt]].next = idx;
    area->tail[mt] = idx;
  } else {
    p->next = area->head[mt];
    p->prev = FSI_NIL;
    m->pages[area->head[mt]].prev = idx;
    area->head[mt] = idx;
  }
  area->count[mt]++;
  area->nr_free++;
  account_freepages(z, (int64_t)1 << order, mt);
  m->buddy_ops++;
}

static void list_del(FsiMem *m, FsiZone *z, uint64_t pfn) {
  FsiPage *p = &m->pages[pfn];
  g_assert(p->flags & FSI_PG_BUDDY);
  uint32_t order = p->order, mt = p->mt;
  FsiFreeArea *area = &z->free_area[order];
  if (p->prev != FSI_NIL) m->pages[p->prev].next = p->next;
  else area->head[mt] = p->next;
  if (p->next != FSI_NIL) m->pages[p->next].prev = p->prev;
  else area->tail[mt] = p->prev;
  p->next = p->prev = FSI_NIL;
  p->flags = 0;
  area->count[mt]--;
  area->nr_free--;
  account_freepages(z, -((int64_t)1 << order), mt);
  m->buddy_ops++;
}

/* ---- set-up ----------------------------------------------------------------- */

void fsi_set_pageblock_mt(FsiMem *m, uint64_t pfn, uint32_t mt) {
  g_assert(mt < FS_MIGRATE_TYPES);
  m->blocks[pfn >> m->pageblock_order].mt = (uint8_t)mt;
}

static bool pfn_reserved_range(const FsiMemConfig *c, uint64_t pfn) {
  return pfn < c->reserved_low_pages || pfn >= c->total_pages - c->memmap_pages;
}

void fsi_mem_init(FsiMem *m, const FsiMemConfig *cfg) {
  memset(m, 0, sizeof *m);
  m->cfg = *cfg;
  g_assert(cfg->max_order <= FS_MAX_ORDER && cfg->pageblock_order <= cfg->max_order);
  g_assert(cfg->total_pages > 0 && cfg->total_pages <= (uint64_t)UINT32_MAX);
  m->max_order = cfg->max_order;
  m->pageblock_order = cfg->pageblock_order;
  m->pageblock_nr_pages = (uint64_t)1 << cfg->pageblock_order;
  /* Round the page array up to a whole max-order block so buddy arithmetic
   * never indexes past it; the excess is outside every zone. */
  uint64_t align = (uint64_t)1 << cfg->max_order;
  m->nr_pages = (cfg->total_pages + align - 1) / align * align;
  m->pages = g_new0(FsiPage, m->nr_pages);
  m->nr_blocks = m->nr_pages >> cfg->pageblock_order;
  m->blocks = g_new0(FsiPageblock, m->nr_blocks);
  for (uint64_t b = 0; b < m->nr_blocks; b++) m->blocks[b].mt = FS_MIGRATE_MOVABLE; /* memmap_init_range */

  m->nr_zones = 0;
  for (uint32_t i = 0; i < FS_MAX_ZONES; i++) {
    FsiZone *z = &m->zones[i];
    g_strlcpy(z->name, zone_names[i], sizeof z->name);
    z->idx = i;
    z->start_pfn = cfg->zone_start[i];
    z->end_pfn = cfg->zone_end[i];
    for (uint32_t o = 0; o < FS_NR_ORDERS; o++)
      for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) z->free_area[o].head[t] = z->free_area[o].tail[t] = FSI_NIL;
    if (z->end_pfn > z->start_pfn) {
      z->present_pages = z->end_pfn - z->start_pfn;
      uint64_t reserved = 0;
      uint64_t lo_end = MIN(z->end_pfn, cfg->reserved_low_pages);
      if (lo_end > z->start_pfn) reserved += lo_end - z->start_pfn;
      uint64_t top = cfg->total_pages - cfg->memmap_pages;
      uint64_t hi_start = MAX(z->start_pfn, top);
      if (z->end_pfn > hi_start) reserved += z->end_pfn - hi_start;
      z->managed_pages = z->present_pages - MIN(reserved, z->present_pages);
      m->nr_zones = i + 1;
    }
  }
  /* Reserved pages: only these frames are written at set-up, so a large
   * machine's page array stays untouched (lazily zeroed) until used. */
  for (uint64_t pfn = 0; pfn < m->nr_pages; pfn++) {
    if (pfn >= cfg->reserved_low_pages && pfn < cfg->total_pages - cfg->memmap_pages) {
      pfn = cfg->total_pages - cfg->memmap_pages - 1;
      continue;
    }
    m->pages[pfn].flags = FSI_PG_RESERVED;
    m->pages[pfn].alloc = FSI_NIL;
    m->blocks[pfn >> cfg->pageblock_order].nr_reserved++;
  }
}

void fsi_mem_destroy(FsiMem *m) {
  g_free(m->pages);
  g_free(m->blocks);
  memset(m, 0, sizeof *m);
}

void fsi_mem_boot_free(FsiMem *m) {
  for (uint32_t zi = 0; zi < m->nr_zones; zi++) {
    FsiZone *z = &m->zones[zi];
    uint64_t pfn = z->start_pfn;
    while (pfn < z->end_pfn) {
      if (pfn_reserved_range(&m->cfg, pfn)) {
        pfn++;
        continue;
      }
      uint32_t o = m->max_order;
      for (;;) {
        uint64_t n = (uint64_t)1 << o;
        bool fits = (pfn & (n - 1)) == 0 && pfn + n <= z->end_pfn && !pfn_reserved_range(&m->cfg, pfn + n - 1) &&
                    !(pfn < m->cfg.reserved_low_pages);
        if (fits || o == 0) break;
        o--;
      }
      /* __free_pages_core() frees boot memory with FPI_TO_TAIL, so the
       * lowest pfns are at the head of each list. */
      uint32_t mt = fsi_get_pageblock_mt(m, pfn);
      fsi_free_one_page_fpi(m, pfn, o, mt, true, NULL);
      pfn += (uint64_t)1 << o;
    }
  }
  m->buddy_ops = 0;
}

uint64_t fsi_int_sqrt(uint64_t x) {
  uint64_t r = 0, bit = (uint64_t)1 << 62;
  while (bit > x) bit >>= 2;
  while (bit) {
    if (x >= r + bit) {
      x -= r + bit;
      r = (r >> 1) + bit;
    } else {
      r >>= 1;
    }
    bit >>= 2;
  }
  return r;
}

/* calculate_min_free_kbytes(): 4 * sqrt(lowmem_kbytes), clamped [128, 262144]. */
uint64_t fsi_calculate_min_free_kbytes(uint64_t lowmem_kbytes) {
  uint64_t v = fsi_int_sqrt(lowmem_kbytes * 16);
  return CLAMP(v, (uint64_t)128, (uint64_t)262144);
}

void fsi_mem_setup_watermarks(FsiMem *m) {
  uint64_t kb_per_page = m->cfg.page_size / 1024;
  if (m->cfg.min_free_kbytes >= 0) {
    m->min_free_kbytes = (uint64_t)m->cfg.min_free_kbytes;
  } else {
    /* nr_free_buffer_pages(): managed minus high watermark of the zones
     * GFP_USER may use (<= NORMAL); watermarks are still zero at boot. */
    uint64_t lowmem = 0;
    for (uint32_t i = 0; i <= FS_ZONE_NORMAL && i < m->nr_zones; i++) {
      const FsiZone *z = &m->zones[i];
      if (z->managed_pages > z->wmark[FSI_WMARK_HIGH]) lowmem += z->managed_pages - z->wmark[FSI_WMARK_HIGH];
    }
    m->min_free_kbytes = fsi_calculate_min_free_kbytes(lowmem * kb_per_page);
  }
  /* __setup_per_zone_wmarks() of 6.1: ZONE_MOVABLE takes a proportional min
   * like the kernel zones (no HIGHMEM on 64-bit). */
  uint64_t pages_min = m->min_free_kbytes / kb_per_page;
  uint64_t lowmem_pages = 0;
  for (uint32_t i = 0; i < m->nr_zones; i++) lowmem_pages += m->zones[i].managed_pages;
  for (uint32_t i = 0; i < m->nr_zones; i++) {
    FsiZone *z = &m->zones[i];
    if (!lowmem_pages || !z->managed_pages) {
      memset(z->wmark, 0, sizeof z->wmark);
      continue;
    }
    uint64_t tmp = pages_min * z->managed_pages / lowmem_pages;
    z->wmark[FSI_WMARK_MIN] = tmp;
    uint64_t gap = MAX(tmp >> 2, z->managed_pages * m->cfg.watermark_scale_factor / 10000);
    z->wmark[FSI_WMARK_LOW] = tmp + gap;
    z->wmark[FSI_WMARK_HIGH] = tmp + 2 * gap;
    z->watermark_boost = 0;
  }
  /* setup_per_zone_lowmem_reserve() */
  for (uint32_t i = 0; i < FS_MAX_ZONES; i++) {
    FsiZone *z = &m->zones[i];
    uint64_t managed = 0;
    bool clear = !m->cfg.lowmem_reserve_ratio[i] || !z->managed_pages;
    for (uint32_t j = 0; j < FS_MAX_ZONES; j++) z->lowmem_reserve[j] = 0;
    for (uint32_t j = i + 1; j < FS_MAX_ZONES; j++) {
      managed += m->zones[j].managed_pages;
      z->lowmem_reserve[j] = clear ? 0 : managed / m->cfg.lowmem_reserve_ratio[i];
    }
  }
}

/* ---- buddy mechanics ---------------------------------------------------------- */

/* expand(): halve [pfn, 2^high) down to 2^low; the upper half of each split
 * goes back on mt's list, the caller keeps the lowest-addressed piece. */
static void expand(FsiMem *m, FsiZone *z, uint64_t pfn, uint32_t low, uint32_t high, uint32_t mt) {
  while (high > low) {
    high--;
    list_add(m, z, pfn + ((uint64_t)1 << high), high, mt, false);
  }
}

uint64_t fsi_rmqueue_smallest(FsiMem *m, uint32_t zone, uint32_t order, uint32_t mt) {
  FsiZone *z = &m->zones[zone];
  for (uint32_t o = order; o <= m->max_order; o++) {
    uint32_t head = z->free_area[o].head[mt];
    if (head == FSI_NIL) continue;
    list_del(m, z, head);
    expand(m, z, head, order, o, mt);
    return head;
  }
  return FS_PFN_NONE;
}

bool fsi_take_free_block(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t expand_mt) {
  if (pfn >= m->nr_pages) return false;
  FsiPage *p = &m->pages[pfn];
  if (!(p->flags & FSI_PG_BUDDY) || p->order < order || expand_mt >= FS_MIGRATE_TYPES) return false;
  FsiZone *z = zone_of(m, pfn);
  uint32_t high = p->order;
  list_del(m, z, pfn);
  expand(m, z, pfn, order, high, expand_mt);
  return true;
}

/* buddy_merge_likely(): if the buddy of the block one order up is free, the
 * block just freed will probably merge soon, so queue it at the tail where
 * allocation (which takes the head) leaves it alone a while longer. */
static bool buddy_merge_likely(FsiMem *m, const FsiZone *z, uint64_t pfn, uint32_t order) {
  if (order + 1 >= m->max_order) return false;
  uint64_t higher = pfn & ~((uint64_t)1 << order);
  uint64_t higher_buddy = higher ^ ((uint64_t)1 << (order + 1));
  if (higher_buddy < z->start_pfn || higher_buddy >= z->end_pfn) return false;
  const FsiPage *b = &m->pages[higher_buddy];
  return (b->flags & FSI_PG_BUDDY) && b->order == order + 1;
}

uint64_t fsi_free_one_page(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t mt, uint32_t *ret_order) {
  return fsi_free_one_page_fpi(m, pfn, order, mt, false, ret_order);
}

uint64_t fsi_free_one_page_fpi(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t mt, bool to_tail,
                               uint32_t *ret_order) {
  FsiZone *z = zone_of(m, pfn);
  while (order < m->max_order) {
    uint64_t buddy = pfn ^ ((uint64_t)1 << order);
    if (buddy < z->start_pfn || buddy >= z->end_pfn) break;
    const FsiPage *b = &m->pages[buddy];
    if (!(b->flags & FSI_PG_BUDDY) || b->order != order) break;
    /* Above pageblock order the halves are different pageblocks: HIGHATOMIC,
     * CMA and ISOLATE blocks must not merge into another type's block. */
    if (order >= m->pageblock_order) {
      uint32_t bmt = fsi_get_pageblock_mt(m, buddy);
      if (mt != bmt && (!fs_migratetype_is_mergeable(mt) || !fs_migratetype_is_mergeable(bmt))) break;
    }
    list_del(m, z, buddy);
    pfn &= buddy;
    order++;
  }
  list_add(m, z, pfn, order, mt, to_tail || buddy_merge_likely(m, z, pfn, order));
  if (ret_order) *ret_order = order;
  return pfn;
}

bool fsi_move_free_block(FsiMem *m, uint64_t pfn, uint32_t mt) {
  if (pfn >= m->nr_pages || mt >= FS_MIGRATE_TYPES) return false;
  FsiPage *p = &m->pages[pfn];
  if (!(p->flags & FSI_PG_BUDDY)) return false;
  FsiZone *z = zone_of(m, pfn);
  uint32_t order = p->order;
  list_del(m, z, pfn);
  list_add(m, z, pfn, order, mt, true); /* move_to_free_list() uses list_move_tail */
  return true;
}

bool fsi_move_freepages_block(FsiMem *m, uint64_t pfn, uint32_t mt, uint64_t *ret_free, uint64_t *ret_movable) {
  uint64_t start = pfn & ~(m->pageblock_nr_pages - 1);
  uint64_t end = start + m->pageblock_nr_pages; /* exclusive */
  uint32_t zi = fsi_pfn_zone(m, start);
  if (zi == FSI_NIL || fsi_pfn_zone(m, end - 1) != zi || mt >= FS_MIGRATE_TYPES) return false;
  uint64_t nfree = 0, nmovable = 0;
  for (uint64_t p = start; p < end;) {
    FsiPage *pg = &m->pages[p];
    if (pg->flags & FSI_PG_BUDDY) {
      uint32_t o = pg->order;
      fsi_move_free_block(m, p, mt);
      nfree += (uint64_t)1 << o;
      p += (uint64_t)1 << o;
      continue;
    }
    if ((pg->flags & FSI_PG_ALLOC) && m->alloc_movable && m->alloc_movable(m->alloc_movable_ctx, pg->alloc))
      nmovable++;
    p++;
  }
  if (ret_free) *ret_free = nfree;
  if (ret_movable) *ret_movable = nmovable;
  return true;
}

/* ---- allocation bookkeeping --------------------------------------------------- */

static void census_add(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t alloc_mt, int sign) {
  uint64_t n = (uint64_t)1 << order;
  g_assert(alloc_mt < FS_MIGRATE_PCPTYPES);
  for (uint64_t p = pfn; p < pfn + n;) {
    uint64_t block_end = (p | (m->pageblock_nr_pages - 1)) + 1;
    uint64_t chunk = MIN(block_end, pfn + n) - p;
    FsiPageblock *b = fsi_pageblock(m, p);
    b->nr_alloc[alloc_mt] = (uint16_t)(b->nr_alloc[alloc_mt] + sign * (int)chunk);
    p += chunk;
  }
}

void fsi_mark_allocated(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t alloc_id, uint32_t alloc_mt) {
  uint64_t n = (uint64_t)1 << order;
  for (uint64_t i = 0; i < n; i++) {
    FsiPage *p = &m->pages[pfn + i];
    p->flags = (uint8_t)(FSI_PG_ALLOC | (i == 0 ? FSI_PG_HEAD : 0));
    p->order = (uint8_t)order;
    p->alloc = alloc_id;
    p->mt = (uint8_t)alloc_mt;
  }
  census_add(m, pfn, order, alloc_mt, +1);
}

void fsi_mark_unallocated(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t alloc_mt) {
  uint64_t n = (uint64_t)1 << order;
  for (uint64_t i = 0; i < n; i++) {
    FsiPage *p = &m->pages[pfn + i];
    p->flags = 0;
    p->alloc = FSI_NIL;
    p->order = 0;
  }
  census_add(m, pfn, order, alloc_mt, -1);
}

/* ---- watermarks ------------------------------------------------------------ */

bool fsi_zone_watermark_ok(const FsiMem *m, uint32_t zone, uint32_t order, uint64_t mark,
                           uint32_t highest_zoneidx, uint32_t alloc_flags, int64_t free_pages) {
  const FsiZone *z = &m->zones[zone];
  int64_t free = free_pages - (((int64_t)1 << order) - 1);
  int64_t min = (int64_t)mark;
  bool harder = alloc_flags & (FS_ALLOC_HARDER | FS_ALLOC_OOM);

  if (m->cfg.old_watermark_check) {
    /* <= 4.3: reserves are not set aside; lower orders are discounted. */
    if (!(alloc_flags & FS_ALLOC_CMA)) free -= (int64_t)z->nr_free_cma;
    if (alloc_flags & FS_ALLOC_HIGH) min -= min / 2;
    if (alloc_flags & FS_ALLOC_HARDER) min -= min / 4;
    if (free <= min + (int64_t)z->lowmem_reserve[highest_zoneidx]) return false;
    for (uint32_t o = 0; o < order; o++) {
      free -= (int64_t)(z->free_area[o].nr_free << o);
      min >>= 1;
      if (free <= min) return false;
    }
    return true;
  }

  if (!harder) free -= (int64_t)z->nr_reserved_highatomic;
  if (!(alloc_flags & FS_ALLOC_CMA)) free -= (int64_t)z->nr_free_cma;
  if (alloc_flags & FS_ALLOC_HIGH) min -= min / 2;
  if (harder) min -= (alloc_flags & FS_ALLOC_OOM) ? min / 2 : min / 4;
  if (free <= min + (int64_t)z->lowmem_reserve[highest_zoneidx]) return false;
  if (!order) return true;
  /* 4.4+: no per-order discounting, only "is there a block of the order". */
  for (uint32_t o = order; o <= m->max_order; o++) {
    const FsiFreeArea *area = &z->free_area[o];
    if (!area->nr_free) continue;
    for (uint32_t t = 0; t < FS_MIGRATE_PCPTYPES; t++)
      if (area->count[t]) return true;
    if ((alloc_flags & FS_ALLOC_CMA) && area->count[FS_MIGRATE_CMA]) return true;
    if (harder && area->count[FS_MIGRATE_HIGHATOMIC]) return true;
  }
  return false;
}

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
