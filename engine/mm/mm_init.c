/* Boot-time memory set-up of one node: the page array, zone spans and
 * managed pages (reserved low memory and the memmap taken out), the boot
 * free of all memory into the buddy allocator, min_free_kbytes, the
 * watermarks and the lowmem reserves.
 *
 * In v6.1 this is in mm/page_alloc.c (free_area_init, memblock_free_all,
 * __setup_per_zone_wmarks, setup_per_zone_lowmem_reserve); 6.4 moved the
 * memmap part to mm/mm_init.c, whose name this file takes.  The run's own
 * boot sequence (machine configuration, the policies' boot layout) is in
 * engine/run.c.
 */
#include "engine/mm/mmzone.h"

#include <glib.h>
#include <string.h>

static const char *const zone_names[FS_MAX_ZONES] = {"DMA", "DMA32", "Normal", "HighMem", "Movable"};

static bool pfn_reserved_range(const FsiMemConfig *c, uint64_t pfn) {
  if (pfn < c->reserved_low_pages || pfn >= c->total_pages - c->memmap_pages) return true;
  for (uint32_t i = 0; i < c->nr_reserved_ranges; i++)
    if (pfn >= c->reserved_start[i] && pfn < c->reserved_end[i]) return true;
  return false;
}

/* pages of [start, end) in the reserved ranges (which do not overlap) */
static uint64_t ranges_overlap(const FsiMemConfig *c, uint64_t start, uint64_t end) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < c->nr_reserved_ranges; i++) {
    uint64_t lo = MAX(start, c->reserved_start[i]), hi = MIN(end, c->reserved_end[i]);
    if (hi > lo) n += hi - lo;
  }
  return n;
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
      /* machine.reserved ranges are checked by the configuration not to
       * overlap each other, the low reserve or the memmap */
      reserved += ranges_overlap(cfg, z->start_pfn, z->end_pfn);
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
  for (uint32_t i = 0; i < cfg->nr_reserved_ranges; i++) {
    for (uint64_t pfn = cfg->reserved_start[i]; pfn < cfg->reserved_end[i] && pfn < m->nr_pages; pfn++) {
      if (m->pages[pfn].flags & FSI_PG_RESERVED) continue;
      m->pages[pfn].flags = FSI_PG_RESERVED;
      m->pages[pfn].alloc = FSI_NIL;
      m->blocks[pfn >> cfg->pageblock_order].nr_reserved++;
    }
  }
}

void fsi_mem_destroy(FsiMem *m) {
  if (m->touched) g_free(m->touched->v);
  g_free(m->touched);
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
                    !(pfn < m->cfg.reserved_low_pages) && !ranges_overlap(&m->cfg, pfn, pfn + n);
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
  /* __setup_per_zone_wmarks() of 6.1: min_free_kbytes is shared among the
   * lowmem zones in proportion to their size (ZONE_MOVABLE is lowmem on
   * 64-bit); a highmem zone's min is managed / 1024 clamped to [32, 128]
   * (neither __GFP_HIGH nor PF_MEMALLOC allocations need highmem), while its
   * low and high distances are the proportional ones, as for every zone. */
  uint64_t pages_min = m->min_free_kbytes / kb_per_page;
  uint64_t lowmem_pages = 0;
  for (uint32_t i = 0; i < m->nr_zones; i++)
    if (!fsi_zone_is_highmem(m, i)) lowmem_pages += m->zones[i].managed_pages;
  for (uint32_t i = 0; i < m->nr_zones; i++) {
    FsiZone *z = &m->zones[i];
    if (!lowmem_pages || !z->managed_pages) {
      memset(z->wmark, 0, sizeof z->wmark);
      continue;
    }
    uint64_t tmp = pages_min * z->managed_pages / lowmem_pages;
    z->wmark[FSI_WMARK_MIN] = fsi_zone_is_highmem(m, i) ? CLAMP(z->managed_pages / 1024, (uint64_t)32, (uint64_t)128) : tmp;
    uint64_t gap = MAX(tmp >> 2, z->managed_pages * m->cfg.watermark_scale_factor / 10000);
    z->wmark[FSI_WMARK_LOW] = z->wmark[FSI_WMARK_MIN] + gap;
    z->wmark[FSI_WMARK_HIGH] = z->wmark[FSI_WMARK_MIN] + 2 * gap;
    z->watermark_boost = 0;
  }
  /* setup_per_zone_lowmem_reserve(), or the protection arrays given */
  if (m->cfg.lowmem_reserve_given) {
    for (uint32_t i = 0; i < FS_MAX_ZONES; i++)
      for (uint32_t j = 0; j < FS_MAX_ZONES; j++) m->zones[i].lowmem_reserve[j] = m->cfg.lowmem_reserve[i][j];
    return;
  }
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
