/* compact-core: see compact-core.h for what this file owns and leaves out.
 *
 * Mirrors mm/compaction.c of ~v6.5 (reference §7), with one deliberate
 * difference each where a comment says so.  Scanners walk pfns only through
 * buddy_order() and page_info(), skipping whole free blocks and allocations
 * by their order, so a pass costs what the kernel's does: proportional to
 * the pfns it covers, never to all of memory per allocation.
 */
#include "compact-core.h"

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* ---- geometry ----------------------------------------------------------------- */

static inline uint64_t pb_start(const FscCore *c, uint64_t pfn) { return pfn & ~(c->pageblock_nr_pages - 1); }
static inline uint64_t pb_end(const FscCore *c, uint64_t pfn) { return pb_start(c, pfn) + c->pageblock_nr_pages; }
static inline uint64_t align_up(uint64_t pfn, uint64_t n) { return (pfn + n - 1) & ~(n - 1); }

/* The first pfn of the zone's last pageblock: where a whole-zone free scan starts. */
static uint64_t last_block(const FscCore *c, const FscControl *cc) {
  uint64_t b = pb_start(c, cc->zone_end - 1);
  return b < cc->zone_start ? cc->zone_start : b;
}

void fsc_init(FscCore *c, const FsHostApi *api, FsHost *host, uint64_t scan_ns, int extfrag_threshold,
              bool nogroup_targets) {
  memset(c, 0, sizeof *c);
  c->api = api;
  c->host = host;
  c->scan_ns = scan_ns;
  c->extfrag_threshold = extfrag_threshold;
  c->nogroup_targets = nogroup_targets;
  c->drain_block = true;
  c->zone = c->own_zone;
  c->freepages = g_array_new(FALSE, FALSE, sizeof(FscPiece));
  c->migratepages = g_array_new(FALSE, FALSE, sizeof(uint64_t));
}

void fsc_set_search(FscCore *c, bool fast_search, bool shared_state) {
  c->fast_search = fast_search;
  c->shared_state = shared_state;
}

void fsc_set_trace(FscCore *c, bool trace) { c->trace = trace; }
void fsc_set_rescan(FscCore *c, bool rescan) { c->rescan = rescan; }
void fsc_set_fast_find_refused(FscCore *c, bool refused) { c->fast_find_refused = refused; }

const char *fsc_status_name(int status) {
  /* compaction_status_string, in enum compact_result's order */
  static const char *const names[] = {"not_suitable_zone", "skipped", "deferred", "no_suitable_page", "continue",
                                      "complete", "partial_skipped", "contended", "success"};
  return status >= 0 && status < (int)G_N_ELEMENTS(names) ? names[status] : "?";
}

const char *fsc_prio_name(int prio) {
  static const char *const names[] = {"sync_full", "sync_light", "async"};
  return prio >= 0 && prio < (int)G_N_ELEMENTS(names) ? names[prio] : "?";
}

void fsc_trace(FscCore *c, const char *fmt, ...) {
  if (!c->trace) return;
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_printerr("trace: t=%" G_GUINT64_FORMAT " %s\n", c->api->now_ns(c->host), msg);
  g_free(msg);
}

/* The host's shared area needs ABI 1.3; an older engine gets the old model. */
static bool host_has(const FscCore *c, size_t end) { return c->api->size >= end; }
#define HOST_HAS(c, member) host_has(c, offsetof(FsHostApi, member) + sizeof(((FsHostApi *)0)->member))

/* The state and extent of what holds pfn, from the page frames alone where
 * the engine offers that (page_extent, ABI 1.6), else from page_info().
 * -1 outside memory.  The scanners step over pages with this and read the
 * allocation (page_info) only where they would isolate it. */
/* Whether an allocation of order > 0 is a compound page (__GFP_COMP): the
 * scanners skip a compound page in one step and count it once, as they
 * count a free buddy block, but walk a plain multi-page allocation page by
 * page.  Folios, THP, hugetlb and slab pages are compound; a module's
 * alloc_pages(), DMA/CMA buffers, kernel stacks and page-table pages are not. */
static bool kind_is_compound(uint32_t kind) {
  switch (kind) {
  case FS_KIND_PAGETABLE:
  case FS_KIND_KERNEL_STACK:
  case FS_KIND_DEVICE:
  case FS_KIND_MODULE:
  case FS_KIND_PIPE:
  case FS_KIND_ZSMALLOC: return false;
  default: return true;
  }
}

static int extent_of(const FscCore *c, uint64_t pfn, uint64_t *head, uint32_t *order) {
  if (c->has_extent) return c->api->page_extent(c->host, pfn, head, order);
  FsPageInfo pi;
  if (!c->api->page_info(c->host, pfn, &pi)) return -1;
  *head = pi.head_pfn;
  *order = pi.order;
  return (int)pi.state;
}

void fsc_clear(FscCore *c) {
  if (c->freepages) g_array_free(c->freepages, TRUE);
  if (c->migratepages) g_array_free(c->migratepages, TRUE);
  c->freepages = c->migratepages = NULL;
}

/* With grouping by mobility disabled (page_group_by_mobility_disabled, the
 * vanilla stack) every pageblock is UNMOVABLE, and the kernel's
 * suitable_migration_target() accepts only MOVABLE and CMA blocks: below
 * SYNC_FULL the free scanner would find no target at all, so compaction
 * would never run for costly orders.  The grouping state is a boot-time
 * fact here (no policy creates MOVABLE blocks later if none exist at boot),
 * so it is read once.  nogroup_targets (default on) treats every pcp-type
 * block as a target in that case; off gives the kernel's literal rule. */
void fsc_boot_done(FscCore *c) {
  const FsHostApi *api = c->api;
  c->nr_zones = MIN(api->nr_zones(c->host), (uint32_t)FS_MAX_ZONES);
  c->pageblock_order = api->pageblock_order(c->host);
  c->max_order = api->max_order(c->host);
  c->pageblock_nr_pages = (uint64_t)1 << c->pageblock_order;
  c->grouping_disabled = true;
  c->zone = c->own_zone;
  if (c->shared_state && HOST_HAS(c, shared_area)) {
    FscZone *shared = api->shared_area(c->host, "compact-core/zones", sizeof(FscZone) * FS_MAX_ZONES);
    if (shared) c->zone = shared;
  }
  if (c->fast_search && !HOST_HAS(c, free_list_rotate)) c->fast_search = false;
  c->has_extent = HOST_HAS(c, page_extent);
  for (uint32_t z = 0; z < c->nr_zones; z++) {
    FsZoneInfo zi;
    FscZone *fz = &c->zone[z];
    memset(fz, 0, sizeof *fz);
    if (!api->zone_info(c->host, z, &zi) || zi.end_pfn <= zi.start_pfn) continue;
    fz->cached_migrate_pfn[0] = fz->cached_migrate_pfn[1] = zi.start_pfn;
    uint64_t lb = pb_start(c, zi.end_pfn - 1);
    fz->cached_free_pfn = lb < zi.start_pfn ? zi.start_pfn : lb;
    for (uint64_t pfn = pb_start(c, zi.start_pfn); pfn < zi.end_pfn && c->grouping_disabled; pfn += c->pageblock_nr_pages)
      if (api->get_pageblock_migratetype(c->host, MAX(pfn, zi.start_pfn)) == FS_MIGRATE_MOVABLE)
        c->grouping_disabled = false;
  }
  /* The fast searches read only the MOVABLE free lists, which are empty
   * without grouping: each would fail and (direct compaction's first
   * search) move the free scanner halfway to the migration scanner, so with
   * nogroup_targets (the model's extension that lets compaction work
   * without grouping) they are off and the linear scanners do the work. */
  if (c->grouping_disabled && c->nogroup_targets) c->fast_search = false;
}

void fsc_control_init(FscCore *c, FscControl *cc, uint32_t zone, int order) {
  (void)c;
  memset(cc, 0, sizeof *cc);
  cc->order = order;
  cc->zone = zone;
  cc->migratetype = FS_MIGRATE_UNMOVABLE;
  cc->alloc_flags = FS_ALLOC_WMARK_MIN | FS_ALLOC_CMA;
  cc->highest_zoneidx = zone;
  cc->mode = FSC_MODE_SYNC_LIGHT;
  cc->captured_pfn = FS_PFN_NONE;
}

uint64_t fsc_wmark(const FsZoneInfo *zi, uint32_t alloc_flags) {
  switch (alloc_flags & FS_ALLOC_WMARK_MASK) {
  case FS_ALLOC_WMARK_LOW: return zi->wmark_low;
  case FS_ALLOC_WMARK_HIGH: return zi->wmark_high;
  default: return zi->wmark_min;
  }
}

/* ---- fragmentation index (mm/vmstat.c) --------------------------------------------- */

typedef struct {
  uint64_t free_blocks_total, free_pages, free_blocks_suitable;
} ContigInfo;

/* fill_contig_page_info(): every migratetype's blocks count. */
static void fill_contig_page_info(FscCore *c, uint32_t zone, uint32_t order, ContigInfo *ret) {
  memset(ret, 0, sizeof *ret);
  for (uint32_t o = 0; o <= c->max_order; o++) {
    uint64_t n = c->api->nr_free(c->host, zone, o);
    ret->free_blocks_total += n;
    ret->free_pages += n << o;
    if (o >= order) ret->free_blocks_suitable += n << (o - order);
  }
}

int fsc_fragmentation_index(FscCore *c, uint32_t zone, uint32_t order) {
  ContigInfo info;
  fill_contig_page_info(c, zone, order, &info);
  if (!info.free_blocks_total) return 0;
  if (info.free_blocks_suitable) return -1000;
  return (int)(1000 - (1000 + info.free_pages * 1000 / ((uint64_t)1 << order)) / info.free_blocks_total);
}

int fsc_extfrag_for_order(FscCore *c, uint32_t zone, uint32_t order) {
  ContigInfo info;
  fill_contig_page_info(c, zone, order, &info);
  if (!info.free_pages) return 0;
  return (int)((info.free_pages - (info.free_blocks_suitable << order)) * 100 / info.free_pages);
}

/* ---- suitability and deferral ------------------------------------------------------ */

bool fsc_compaction_suitable(FscCore *c, uint32_t zone, uint32_t order, uint32_t highest_zoneidx,
                             bool *ret_fragindex) {
  FsZoneInfo zi;
  if (ret_fragindex) *ret_fragindex = false;
  if (!c->api->zone_info(c->host, zone, &zi) || !zi.populated) return false;
  /* __compaction_suitable(): room for the free scanner, compact_gap(order)
   * = 2 << order above the low (costly) or min watermark, at order 0 and
   * counting CMA pages as free.  2.6.35's try_to_compact_pages() asked for
   * the low watermark plus 2 << order whatever the order, against no
   * lowmem reserve (classzone 0, no alloc flags). */
  if (c->v2635) {
    if (!c->api->zone_watermark_ok(c->host, zone, 0, zi.wmark_low + ((uint64_t)2 << order), 0, 0)) return false;
  } else {
    uint64_t mark = (order > FSC_COSTLY_ORDER ? zi.wmark_low : zi.wmark_min) + ((uint64_t)2 << order);
    if (!c->api->zone_watermark_ok(c->host, zone, 0, mark, highest_zoneidx, FS_ALLOC_CMA)) return false;
  }
  /* For costly orders, a low fragmentation index says the failure is for
   * lack of memory, not fragmentation: reclaim, don't compact.  -1000 (a
   * block of the order exists) does not block. */
  if (order > FSC_COSTLY_ORDER) {
    int fi = fsc_fragmentation_index(c, zone, order);
    if (fi >= 0 && fi <= c->extfrag_threshold) {
      if (ret_fragindex) *ret_fragindex = true;
      return false;
    }
  }
  return true;
}

/* compaction_suit_allocation_order() (6.5).  Both refusals of
 * compaction_suitable() become COMPACT_SKIPPED for the caller, as in every
 * kernel since 4.x (NOT_SUITABLE_ZONE only reaches the tracepoint). */
FsCompactResult fsc_suit_allocation_order(FscCore *c, uint32_t zone, uint32_t order, uint32_t highest_zoneidx,
                                          uint32_t alloc_flags) {
  FsZoneInfo zi;
  if (!c->api->zone_info(c->host, zone, &zi) || !zi.populated) return FS_COMPACT_SKIPPED;
  if (c->api->zone_watermark_ok(c->host, zone, order, fsc_wmark(&zi, alloc_flags), highest_zoneidx, alloc_flags))
    return FS_COMPACT_SUCCESS;
  if (!fsc_compaction_suitable(c, zone, order, highest_zoneidx, NULL)) return FS_COMPACT_SKIPPED;
  return FS_COMPACT_CONTINUE;
}

/* defer_compaction() */
void fsc_defer_compaction(FscCore *c, uint32_t zone, uint32_t order) {
  FscZone *z = &c->zone[zone];
  z->considered = 0;
  if (++z->defer_shift > FSC_MAX_DEFER_SHIFT) z->defer_shift = FSC_MAX_DEFER_SHIFT;
  if (order < z->order_failed) z->order_failed = order;
}

/* compaction_deferred(): after k failures, skip the next 2^k - 1 attempts. */
bool fsc_compaction_deferred(FscCore *c, uint32_t zone, uint32_t order) {
  FscZone *z = &c->zone[zone];
  uint32_t limit = 1u << z->defer_shift;
  /* compact_order_failed came in 3.4: 2.6.35 deferred every order, and
   * every call counted towards the limit */
  if (!c->v2635 && order < z->order_failed) return false;
  if (++z->considered >= limit) {
    z->considered = limit;
    return false;
  }
  return true;
}

/* compaction_defer_reset() */
void fsc_defer_reset(FscCore *c, uint32_t zone, uint32_t order, bool alloc_success) {
  FscZone *z = &c->zone[zone];
  if (alloc_success) {
    z->considered = 0;
    z->defer_shift = 0;
  }
  if (order >= z->order_failed) z->order_failed = order + 1;
}

/* compaction_restarting(): deferred to the limit, so the skip bits are
 * probably stale: clear them before this attempt. */
static bool compaction_restarting(FscCore *c, uint32_t zone, uint32_t order) {
  FscZone *z = &c->zone[zone];
  if (order < z->order_failed) return false;
  return z->defer_shift == FSC_MAX_DEFER_SHIFT && z->considered >= (1u << FSC_MAX_DEFER_SHIFT);
}

/* Whether a pageblock's skip bit is persistent: it is headed by an
 * allocation of pageblock order or more (pageblock_skip_persistent()). */
static bool skip_persistent(const FscCore *c, uint64_t pfn) {
  uint64_t head;
  uint32_t order;
  return extent_of(c, pfn, &head, &order) == FS_PAGE_ALLOCATED && order >= c->pageblock_order;
}

/* Whether pfn lies in an allocation on an LRU list (PageLRU). */
static bool page_lru(const FscCore *c, uint64_t pfn) {
  uint64_t head;
  uint32_t order;
  FsPageInfo pi;
  if (extent_of(c, pfn, &head, &order) != FS_PAGE_ALLOCATED || !c->api->page_info(c->host, head, &pi)) return false;
  return fs_kind_on_lru(pi.kind);
}

/* __reset_isolation_pfn(): whether the block holding pfn is a place for a
 * scanner to restart.  A block already clear needs no look once both
 * kinds count; a free-side block must be MOVABLE until one is found;
 * otherwise every 8th pfn (1 << PAGE_ALLOC_COSTLY_ORDER) is sampled for an
 * LRU page (check_source) or the head of a free block (check_target), and
 * the skip bit is cleared only when a sample finds one. */
static bool reset_isolation_pfn(FscCore *c, const FsZoneInfo *zi, uint64_t pfn, bool check_source,
                                bool check_target) {
  const FsHostApi *api = c->api;
  if (pfn < zi->start_pfn || pfn >= zi->end_pfn || skip_persistent(c, pfn)) return false;
  uint64_t block = MAX(pb_start(c, pfn), zi->start_pfn), last = MIN(pb_end(c, pfn), zi->end_pfn) - 1;
  if (check_source && check_target && !api->get_pageblock_skip(c->host, block)) return true;
  if (!check_source && check_target && api->get_pageblock_migratetype(c->host, block) != FS_MIGRATE_MOVABLE)
    return false;
  for (uint64_t p = block; p <= last; p += (uint64_t)1 << FSC_COSTLY_ORDER) {
    if ((check_source && page_lru(c, p)) || (check_target && api->buddy_order(c->host, p) >= 0)) {
      api->set_pageblock_skip(c->host, block, false);
      return true;
    }
  }
  return false;
}

/* __reset_isolation_suitable().  With the 5.1+ selective clearing (on with
 * the fast searches, from the same series): the zone is walked from both
 * ends at once, a block at a time, until the walks meet.  The lowest block
 * with an LRU page becomes the migration scanner's restart (and
 * compact_init_migrate_pfn), the highest MOVABLE block with a free page the
 * free scanner's (compact_init_free_pfn, from where a fast search looks
 * deeper); once its end is found, each walk also takes a block with either.
 * Blocks where no sample finds one keep their skip bit.  If either end is
 * not found the cached positions are left where the walks met.  Before
 * 5.1: every skip bit not persistent is cleared and the positions go back
 * to the zone's ends. */
void fsc_reset_isolation_suitable_zone(FscCore *c, uint32_t zone) {
  const FsHostApi *api = c->api;
  FsZoneInfo zi;
  FscZone *z = &c->zone[zone];
  if (!api->zone_info(c->host, zone, &zi) || zi.end_pfn <= zi.start_pfn) return;
  z->blockskip_flush = false;
  if (c->fast_search) {
    uint64_t migrate_pfn = zi.start_pfn, free_pfn = zi.end_pfn - 1;
    uint64_t reset_migrate = free_pfn, reset_free = migrate_pfn;
    bool source_set = false, free_set = false;
    for (; migrate_pfn < free_pfn; migrate_pfn += c->pageblock_nr_pages) {
      if (reset_isolation_pfn(c, &zi, migrate_pfn, true, source_set) && migrate_pfn < reset_migrate) {
        source_set = true;
        reset_migrate = migrate_pfn;
        z->init_migrate_pfn = z->cached_migrate_pfn[0] = z->cached_migrate_pfn[1] = reset_migrate;
      }
      if (reset_isolation_pfn(c, &zi, free_pfn, free_set, true) && free_pfn > reset_free) {
        free_set = true;
        reset_free = free_pfn;
        z->init_free_pfn = z->cached_free_pfn = reset_free;
      }
      if (free_pfn < c->pageblock_nr_pages) break;
      free_pfn -= c->pageblock_nr_pages;
    }
    if (reset_migrate >= reset_free) {
      z->cached_migrate_pfn[0] = z->cached_migrate_pfn[1] = migrate_pfn;
      z->cached_free_pfn = free_pfn;
    }
    return;
  }
  for (uint64_t pfn = pb_start(c, zi.start_pfn); pfn < zi.end_pfn; pfn += c->pageblock_nr_pages) {
    uint64_t p = MAX(pfn, zi.start_pfn);
    if (api->get_pageblock_skip(c->host, p) && !skip_persistent(c, p)) api->set_pageblock_skip(c->host, p, false);
  }
  z->cached_migrate_pfn[0] = z->cached_migrate_pfn[1] = zi.start_pfn;
  uint64_t lb = pb_start(c, zi.end_pfn - 1);
  z->cached_free_pfn = lb < zi.start_pfn ? zi.start_pfn : lb;
  z->init_migrate_pfn = z->cached_migrate_pfn[0];
  z->init_free_pfn = z->cached_free_pfn;
}

void fsc_reset_isolation_suitable(FscCore *c) {
  for (uint32_t z = 0; z < c->nr_zones; z++)
    if (c->zone[z].blockskip_flush) fsc_reset_isolation_suitable_zone(c, z);
}

/* ---- the migration scanner (§7.5) ------------------------------------------------------- */

static bool scanners_met(const FscCore *c, const FscControl *cc) {
  return (cc->free_pfn >> c->pageblock_order) <= (cc->migrate_pfn >> c->pageblock_order);
}

/* update_cached_migrate(): pfn is the end of the block just finished. */
static void update_cached_migrate(FscCore *c, FscControl *cc, uint64_t pfn) {
  FscZone *z = &c->zone[cc->zone];
  pfn = pb_end(c, pfn - 1);
  if (pfn > z->cached_migrate_pfn[0]) z->cached_migrate_pfn[0] = pfn;
  if (cc->mode != FSC_MODE_ASYNC && pfn > z->cached_migrate_pfn[1]) z->cached_migrate_pfn[1] = pfn;
}

/* suitable_migration_source(): async direct compaction only takes pages
 * from blocks of the request's own type (MOVABLE requests: MOVABLE or CMA)
 * so it does not pull foreign blocks apart for a quick win.  Under vanilla
 * every request and block is UNMOVABLE, so the rule holds trivially. */
static bool suitable_migration_source(FscCore *c, const FscControl *cc, uint64_t block_pfn) {
  if (cc->mode != FSC_MODE_ASYNC || !cc->direct) return true;
  uint32_t mt = c->api->get_pageblock_migratetype(c->host, block_pfn);
  if (cc->migratetype == FS_MIGRATE_MOVABLE) return mt == FS_MIGRATE_MOVABLE || mt == FS_MIGRATE_CMA;
  return mt == cc->migratetype;
}

/* What isolate_migratepages_block() would isolate.  Allocations of the
 * requested order or more (pageblock order for whole-zone compaction) are
 * skipped: moving them cannot make a block of that order.  The rest is the
 * engine's per-page test (ABI 1.5 isolate_migratable): compound pages per
 * vm.compaction_large_folios (6.1 skips every one; ~6.9+ migrates large
 * folios below the order), LRU or movable-ops pages only, pinned anon pages
 * refused, and in async mode pages under writeback and dirty page cache
 * without migrate_folio; a taken page's isolation is charged there.  An
 * older engine gives the old test: page_info's movable (any order below the
 * limit). */
static bool can_isolate(const FscCore *c, const FscControl *cc, uint64_t pfn, const FsPageInfo *pi) {
  uint32_t limit = cc->order > 0 ? (uint32_t)cc->order : c->pageblock_order;
  if (pi->order >= limit) return false;
  if (!HOST_HAS(c, isolate_migratable)) return pi->movable;
  uint32_t mode = cc->mode == FSC_MODE_ASYNC       ? FS_MIGRATE_MODE_ASYNC
                  : cc->mode == FSC_MODE_SYNC_LIGHT ? FS_MIGRATE_MODE_SYNC_LIGHT
                                                    : FS_MIGRATE_MODE_SYNC;
  return c->api->isolate_migratable(c->host, pfn, mode) == FS_MIGRATE_OK;
}

/* isolate_migratepages_block() on [low_pfn, end_pfn) of one pageblock.
 * Returns where it stopped.  at_block_start: the call covers the block from
 * its first pfn, so it may mark the block skip (the kernel's valid_page). */
static uint64_t isolate_migratepages_block(FscCore *c, FscControl *cc, uint64_t low_pfn, uint64_t end_pfn,
                                           bool at_block_start) {
  const FsHostApi *api = c->api;
  /* Direct async compaction works in cc->order-aligned chunks: one
   * isolation failure means the chunk cannot become free, so what was
   * isolated in it goes back and the scan moves to the next chunk. */
  bool skip_on_failure = cc->direct && cc->mode == FSC_MODE_ASYNC && cc->order > 0;
  uint64_t chunk = skip_on_failure ? (uint64_t)1 << cc->order : 1;
  uint64_t next_skip_pfn = skip_on_failure ? align_up(low_pfn + 1, chunk) : 0;
  uint64_t nr_isolated = 0, scanned = 0;
  guint first = c->migratepages->len;
  uint64_t pfn = low_pfn;
  /* 6.1: the skip bit is checked again where the block starts (the
   * caller's check is bypassed for a fast-found block, whose bit the fast
   * search itself set): a marked block is given up at once */
  if (c->fast_find_refused && at_block_start && !cc->ignore_skip_hint &&
      api->get_pageblock_skip(c->host, MAX(pb_start(c, low_pfn), cc->zone_start))) {
    update_cached_migrate(c, cc, end_pfn);
    return end_pfn;
  }
  while (pfn < end_pfn) {
    if (skip_on_failure && pfn >= next_skip_pfn) {
      if (nr_isolated) break; /* a whole chunk isolated cleanly: migrate it now */
      next_skip_pfn = align_up(pfn + 1, chunk);
    }
    uint64_t step = 1;
    bool fail = false;
    bool counted_once = false; /* the kernel's loop passes it in one iteration */
    int bo = api->buddy_order(c->host, pfn);
    if (bo >= 0) {
      step = (uint64_t)1 << bo;
      counted_once = true;
    } else {
      uint64_t head;
      uint32_t order;
      int state = extent_of(c, pfn, &head, &order);
      if (state < 0) break;
      switch (state) {
      case FS_PAGE_ALLOCATED: {
        step = head + ((uint64_t)1 << order) - pfn;
        if (head != pfn) break; /* judged where it starts */
        FsPageInfo pi;
        if (api->page_info(c->host, pfn, &pi) && can_isolate(c, cc, pfn, &pi)) {
          g_array_append_val(c->migratepages, pfn);
          nr_isolated += (uint64_t)1 << pi.order;
        } else {
          fail = true;
          counted_once = order > 0 && kind_is_compound(pi.kind);
        }
        break;
      }
      case FS_PAGE_FREE:
      case FS_PAGE_PCP:
      case FS_PAGE_ISOLATED: step = head + ((uint64_t)1 << order) - pfn; break;
      case FS_PAGE_RESERVED:
      default: fail = true; break;
      }
    }
    if (!step) step = 1;
    /* nr_scanned as the kernel counts it: one per loop iteration, where a
     * free buddy block and a compound page not taken are passed in one
     * iteration, and an isolated page counts all its pages */
    scanned += counted_once ? 1 : MIN(pfn + step, end_pfn) - pfn;
    pfn += step;
    if (fail && skip_on_failure) {
      if (nr_isolated) {
        g_array_set_size(c->migratepages, first);
        nr_isolated = 0;
      }
      if (pfn < next_skip_pfn) {
        pfn = next_skip_pfn;
        next_skip_pfn += chunk;
      }
    }
    /* a rescan takes the rest of the block in one round */
    if (nr_isolated >= FSC_CLUSTER_MAX && !cc->rescan) break;
  }
  if (pfn > end_pfn) pfn = end_pfn;
  cc->migrate_scanned += scanned;
  cc->isolated += nr_isolated;
  /* Nothing isolated in a whole block, or (5.1+) a rescan reached its end:
   * remember to skip it next time, and move the cached start past it.  The
   * pages a rescan isolated are migrated now; scanning the block again soon
   * would find what failed to migrate, or the free pages the migration left,
   * being allocated before the block is clear. */
  if (pfn == end_pfn && (!nr_isolated || cc->rescan)) {
    if (at_block_start) api->set_pageblock_skip(c->host, MAX(pb_start(c, end_pfn - 1), cc->zone_start), true);
    update_cached_migrate(c, cc, end_pfn);
  }
  return pfn;
}

typedef enum { ISOLATE_NONE, ISOLATE_SUCCESS } IsolateResult;

/* ---- the fast searches (5.1+) ------------------------------------------------------ */

/* freelist_scan_limit(): how many free-list entries a fast search looks at,
 * halved after each failed search. */
static uint32_t freelist_scan_limit(const FscControl *cc) {
  return (FSC_CLUSTER_MAX >> MIN(cc->fast_search_fail, 31u)) + 1;
}

/* move_freelist_tail(): the entries up to and including pfn go to the
 * tail, so the next forward search starts past them. */
static void move_freelist_tail(FscCore *c, uint64_t pfn) {
  const FsHostApi *api = c->api;
  if (api->free_list_prev(c->host, pfn) == FS_PFN_NONE) return; /* first: the kernel leaves the list */
  uint64_t next = api->free_list_next(c->host, pfn);
  if (next != FS_PFN_NONE) api->free_list_rotate(c->host, next);
}

/* move_freelist_head(): the entries before pfn go to the tail, so the next
 * reverse search starts with the ones not yet looked at. */
static void move_freelist_head(FscCore *c, uint64_t pfn) {
  if (c->api->free_list_next(c->host, pfn) == FS_PFN_NONE) return; /* last: unchanged */
  c->api->free_list_rotate(c->host, pfn);
}

/* update_fast_start_pfn() / reinit_migrate_pfn(): remember the lowest
 * block a fast search found, where a linear scan restarts when a later
 * search fails. */
static void update_fast_start_pfn(FscControl *cc, uint64_t pfn) {
  if (cc->fast_start_pfn == FS_PFN_NONE) return;
  cc->fast_start_pfn = cc->fast_start_pfn ? MIN(cc->fast_start_pfn, pfn) : pfn;
}

static uint64_t reinit_migrate_pfn(FscControl *cc) {
  if (!cc->fast_start_pfn || cc->fast_start_pfn == FS_PFN_NONE) return cc->migrate_pfn;
  cc->migrate_pfn = cc->fast_start_pfn;
  cc->fast_start_pfn = FS_PFN_NONE;
  return cc->migrate_pfn;
}

/* fast_find_migrateblock(): for costly orders, a short search of the
 * MOVABLE free lists (orders order-1 down to PAGE_ALLOC_COSTLY_ORDER) for a
 * free block in the lower part of the scan space whose pageblock is not
 * marked skip: that pageblock already has a large free piece, so emptying it
 * needs fewer migrations.  The block found is marked skip (so concurrent and
 * later searches pass it) and the list rotated past it.  Direct compaction
 * uses it only for MOVABLE requests; full-zone passes (skip hints ignored)
 * and continuations inside a block keep the linear position.  List entries
 * looked at count as migrate_scanned, as in the kernel. */
static uint64_t fast_find_migrateblock(FscCore *c, FscControl *cc) {
  const FsHostApi *api = c->api;
  uint32_t limit = freelist_scan_limit(cc), nr_scanned = 0;
  uint64_t pfn = cc->migrate_pfn;
  bool found = false;
  if (cc->ignore_skip_hint) return pfn;
  if (pfn != cc->zone_start && pfn != pb_start(c, pfn)) return pfn;
  if (cc->order <= (int)FSC_COSTLY_ORDER) return pfn;
  if (cc->direct && cc->migratetype != FS_MIGRATE_MOVABLE) return pfn;
  /* the first half of the scan space at the start, then the first eighth,
   * so a block about to become a migration target is not taken as a source */
  uint64_t distance = cc->free_pfn > cc->migrate_pfn ? (cc->free_pfn - cc->migrate_pfn) >> 1 : 0;
  if (cc->migrate_pfn != cc->zone_start) distance >>= 2;
  uint64_t high_pfn = pb_start(c, cc->migrate_pfn + distance);
  for (int order = cc->order - 1; order >= (int)FSC_COSTLY_ORDER && !found && nr_scanned < limit; order--) {
    if (!api->nr_free(c->host, cc->zone, (uint32_t)order)) continue;
    uint64_t fp = api->free_list_first(c->host, cc->zone, (uint32_t)order, FS_MIGRATE_MOVABLE);
    while (fp != FS_PFN_NONE) {
      uint64_t next = api->free_list_next(c->host, fp);
      if (nr_scanned++ >= limit) {
        move_freelist_tail(c, fp);
        break;
      }
      if (fp < high_pfn) {
        if (!api->get_pageblock_skip(c->host, fp)) {
          move_freelist_tail(c, fp);
          update_fast_start_pfn(cc, fp);
          pfn = MAX(pb_start(c, fp), cc->zone_start);
          cc->fast_search_fail = 0;
          found = true;
          api->set_pageblock_skip(c->host, pfn, true);
          break;
        }
      }
      fp = next;
    }
  }
  cc->migrate_scanned += nr_scanned;
  if (!found) {
    cc->fast_search_fail++;
    pfn = reinit_migrate_pfn(cc);
  }
  return pfn;
}

/* isolate_migratepages(): from migrate_pfn, the first suitable block below
 * the free scanner; one block per call. */
static IsolateResult isolate_migratepages(FscCore *c, FscControl *cc) {
  const FsHostApi *api = c->api;
  uint64_t low_pfn = c->fast_search ? fast_find_migrateblock(c, cc) : cc->migrate_pfn;
  /* the fast search marked its block skip: do not let that bit refuse it */
  bool fast_find_block = low_pfn != cc->migrate_pfn && !cc->fast_search_fail;
  uint64_t block_start = MAX(pb_start(c, low_pfn), cc->zone_start);
  uint64_t block_end = pb_end(c, low_pfn);
  for (; block_end <= cc->free_pfn;
       fast_find_block = false, low_pfn = block_end, block_start = block_end, block_end += c->pageblock_nr_pages) {
    uint64_t end = MIN(block_end, cc->zone_end);
    bool at_start = low_pfn == block_start;
    /* the skip bit is checked once, where the block starts */
    if (at_start && !fast_find_block && !cc->ignore_skip_hint && api->get_pageblock_skip(c->host, block_start))
      continue;
    if (!suitable_migration_source(c, cc, block_start)) {
      update_cached_migrate(c, cc, end);
      continue;
    }
    cc->migrate_pfn = isolate_migratepages_block(c, cc, low_pfn, end, at_start);
    return c->migratepages->len ? ISOLATE_SUCCESS : ISOLATE_NONE;
  }
  cc->migrate_pfn = low_pfn;
  return ISOLATE_NONE;
}

/* ---- the free scanner (§7.6) --------------------------------------------------------- */

/* __isolate_free_page(): a free block of at least half a pageblock taken
 * as a target makes its pageblock(s) MOVABLE if they are of a mergeable
 * type (not CMA, ISOLATE or a reserve); set_pageblock_migratetype() keeps
 * every block UNMOVABLE while grouping by mobility is disabled.  (The
 * engine's isolate_free_block leaves this to the isolating policy.) */
static void isolated_block_retype(FscCore *c, uint64_t pfn, uint32_t order) {
  if (order + 1 < c->pageblock_order || c->grouping_disabled) return;
  uint64_t end = pfn + ((uint64_t)1 << order);
  for (uint64_t b = pb_start(c, pfn); b < end; b += c->pageblock_nr_pages)
    if (fs_migratetype_is_mergeable(c->api->get_pageblock_migratetype(c->host, b)))
      c->api->set_pageblock_migratetype(c->host, b, FS_MIGRATE_MOVABLE);
}

/* suitable_migration_target(): never break up a free pageblock-sized
 * block; otherwise MOVABLE and CMA blocks, any block when
 * ignore_block_suitable (SYNC_FULL), and see fsc_boot_done() for vanilla.
 * ISOLATE blocks belong to a range isolator and are never targets. */
static bool suitable_migration_target(FscCore *c, const FscControl *cc, uint64_t block_pfn) {
  const FsHostApi *api = c->api;
  int bo = api->buddy_order(c->host, block_pfn);
  uint32_t mt = api->get_pageblock_migratetype(c->host, block_pfn);
  /* 2.6.35: never a RESERVE or ISOLATE block; a free pageblock of any
   * other type is a target ("a large free page"); else MOVABLE blocks */
  if (c->v2635 && (mt == FS_MIGRATE_RESERVE || mt == FS_MIGRATE_ISOLATE)) return false;
  if (c->v2635 && bo >= (int)c->pageblock_order) return true;
  if (bo >= (int)c->pageblock_order) return false;
  if (mt == FS_MIGRATE_ISOLATE) return false;
  if (cc->ignore_block_suitable) return true;
  if (mt == FS_MIGRATE_MOVABLE || mt == FS_MIGRATE_CMA) return true;
  return c->grouping_disabled && c->nogroup_targets && mt < FS_MIGRATE_PCPTYPES;
}

static uint64_t freepages_pages(const FscCore *c) {
  uint64_t n = 0;
  for (guint i = 0; i < c->freepages->len; i++) n += (uint64_t)1 << g_array_index(c->freepages, FscPiece, i).order;
  return n;
}

/* isolate_freepages_block() from *start to end, looking at every stride'th
 * pfn: every free buddy headed at a pfn looked at is taken whole
 * (__isolate_free_page, which may refuse for the watermark) until *have
 * reaches want; after a taken block or a compound page the walk goes on
 * stride pages past its end, so the sampling grid moves.  A free block
 * whose head falls between looked-at pfns is not seen.  Returns false if
 * the watermark refused. */
static bool isolate_freepages_block(FscCore *c, FscControl *cc, uint64_t *start, uint64_t end, uint64_t want,
                                    uint64_t *have, uint32_t stride) {
  const FsHostApi *api = c->api;
  uint64_t pfn = *start;
  bool ok = true;
  while (pfn < end) {
    /* nr_scanned as the kernel counts it: one per pfn looked at, a taken
     * free block all its pages, a compound page once */
    cc->free_scanned++;
    int bo = api->buddy_order(c->host, pfn);
    if (bo >= 0) {
      if (!api->isolate_free_block(c->host, pfn)) {
        ok = false;
        break;
      }
      isolated_block_retype(c, pfn, (uint32_t)bo);
      cc->free_scanned += ((uint64_t)1 << bo) - 1;
      FscPiece piece = {pfn, (uint32_t)bo};
      g_array_append_val(c->freepages, piece);
      *have += (uint64_t)1 << bo;
      cc->isolated += (uint64_t)1 << bo;
      if (*have >= want) {
        pfn += (uint64_t)1 << bo;
        break;
      }
      pfn += ((uint64_t)1 << bo) - 1 + stride;
      continue;
    }
    uint64_t head;
    uint32_t order;
    int state = extent_of(c, pfn, &head, &order);
    if (state < 0) break;
    uint64_t next = pfn + 1;
    if (state != FS_PAGE_RESERVED) next = MAX(next, head + ((uint64_t)1 << order));
    bool once = false;
    if (state == FS_PAGE_ALLOCATED && head == pfn && order > 0) {
      FsPageInfo pi;
      once = api->page_info(c->host, pfn, &pi) && kind_is_compound(pi.kind);
    }
    if (once) {
      pfn = next - 1 + stride;
      continue;
    }
    /* each pfn looked at inside the extent fails on its own */
    uint64_t visits = (MIN(next, end) - pfn + stride - 1) / stride;
    cc->free_scanned += visits - 1;
    pfn += visits * stride;
  }
  *start = MIN(pfn, end);
  return ok;
}

/* next_search_order(): orders are searched round-robin from search_order
 * down, wrapping to order-1; -1 once the wrap reaches where it began (which
 * moves search_order one down for the next search). */
static int next_search_order(FscControl *cc, int order) {
  if (--order < 0) order = cc->order - 1;
  if (order == cc->search_order) {
    if (--cc->search_order < 0) cc->search_order = cc->order - 1;
    return -1;
  }
  return order;
}

/* fast_isolate_around(): after a fast hit, the rest of that pageblock is
 * scanned for more targets (not for async direct compaction); left short
 * of what migration needs, the block is marked skip. */
static void fast_isolate_around(FscCore *c, FscControl *cc, uint64_t pfn, uint64_t want, uint64_t *have) {
  if (*have >= want) return;
  if (cc->direct && cc->mode == FSC_MODE_ASYNC) return;
  uint64_t block = MAX(pb_start(c, pfn), cc->zone_start), start = block;
  uint64_t end = MIN(pb_end(c, pfn), cc->zone_end);
  if (c->api->get_pageblock_migratetype(c->host, block) == FS_MIGRATE_ISOLATE) return;
  if (!isolate_freepages_block(c, cc, &start, end, want, have, 1)) cc->contended = true;
  /* full or nearly full: skip it in future */
  if (*have < want) c->api->set_pageblock_skip(c->host, block, true);
}

/* fast_isolate_freepages(): before the linear free scanner, a short search
 * of the MOVABLE free lists (orders below the requested one, round-robin
 * from where the last hit was) from their tails for a free block in the top
 * quarter of the space between the scanners, taking one in the top half if
 * the search is going badly; the first search of a pass (free_pfn still at
 * compact_init_free_pfn) looks deeper, and if it finds nothing moves the
 * free scanner straight to the highest block seen (or, for direct
 * compaction, to the middle).  The highest block seen also lowers the
 * zone's cached free pfn.  List entries looked at (and the pages of the
 * block taken) count as free_scanned.  Returns whether it isolated. */
static bool fast_isolate_freepages(FscCore *c, FscControl *cc, uint64_t want, uint64_t *have) {
  const FsHostApi *api = c->api;
  FscZone *z = &c->zone[cc->zone];
  if (cc->order <= 0 || cc->free_pfn <= cc->migrate_pfn) return false;
  cc->fast_calls++;
  uint32_t limit = MAX(1u, freelist_scan_limit(cc) >> 1), nr_scanned = 0;
  bool scan_start = false;
  if (cc->free_pfn >= z->init_free_pfn) {
    limit = (uint32_t)(c->pageblock_nr_pages >> 1);
    scan_start = true;
  }
  uint64_t distance = cc->free_pfn - cc->migrate_pfn;
  uint64_t low_pfn = pb_start(c, cc->free_pfn - (distance >> 2));
  uint64_t min_pfn = pb_start(c, cc->free_pfn - (distance >> 1));
  uint64_t highest = 0, page = FS_PFN_NONE;
  bool isolated = false;
  cc->search_order = MIN(cc->order - 1, cc->search_order);
  for (int order = cc->search_order; page == FS_PFN_NONE && order >= 0; order = next_search_order(cc, order)) {
    if (!api->nr_free(c->host, cc->zone, (uint32_t)order)) continue;
    uint32_t order_scanned = 0;
    uint64_t high_pfn = 0;
    uint64_t fp = api->free_list_last(c->host, cc->zone, (uint32_t)order, FS_MIGRATE_MOVABLE);
    for (; fp != FS_PFN_NONE; fp = api->free_list_prev(c->host, fp)) {
      order_scanned++;
      nr_scanned++;
      if (fp >= highest) highest = MAX(pb_start(c, fp), cc->zone_start);
      if (fp >= low_pfn) {
        cc->fast_search_fail = 0;
        cc->search_order = order;
        page = fp;
        break;
      }
      if (fp >= min_pfn && fp > high_pfn) {
        high_pfn = fp;
        limit >>= 1; /* a candidate: shorten the search */
      }
      if (order_scanned >= limit) break;
    }
    if (page == FS_PFN_NONE && high_pfn) page = fp = high_pfn;
    if (fp != FS_PFN_NONE) move_freelist_head(c, fp);
    if (page != FS_PFN_NONE) {
      if (api->isolate_free_block(c->host, page)) {
        isolated_block_retype(c, page, (uint32_t)order);
        FscPiece piece = {page, (uint32_t)order};
        g_array_append_val(c->freepages, piece);
        *have += (uint64_t)1 << order;
        cc->isolated += (uint64_t)1 << order;
        nr_scanned += (1u << order) - 1;
        cc->fast_isolated += (uint64_t)1 << order;
        cc->fast_hits++;
        isolated = true;
      } else {
        /* refused for the watermark: stop searching */
        order = cc->search_order + 1;
        page = FS_PFN_NONE;
      }
    }
    if (order_scanned >= limit) limit = MAX(1u, limit >> 1);
  }
  if (page == FS_PFN_NONE) {
    cc->fast_search_fail++;
    if (scan_start) {
      if (highest >= min_pfn) {
        page = highest;
        cc->free_pfn = highest;
      } else if (cc->direct && min_pfn >= cc->zone_start && min_pfn < cc->zone_end) {
        page = min_pfn;
        cc->free_pfn = min_pfn;
      }
    }
  }
  if (highest && highest >= z->cached_free_pfn) z->cached_free_pfn = MAX(highest - c->pageblock_nr_pages, cc->zone_start);
  cc->free_scanned += nr_scanned;
  cc->fast_scanned += nr_scanned;
  if (page != FS_PFN_NONE) {
    uint64_t before = *have;
    fast_isolate_around(c, cc, page, want, have);
    isolated = isolated || *have > before;
  }
  return isolated;
}

/* isolate_freepages(): from free_pfn down to the block above the migration
 * scanner, until want pages are isolated.  A fully scanned block is marked
 * skip and lowers the cached free pfn.  Deliberate difference: when
 * __isolate_free_page refuses for the watermark the scan stops and the run
 * ends CONTENDED, where the kernel would scan on (refused everywhere) to the
 * migration scanner and end PARTIAL_SKIPPED. */
static int find_piece(const FscCore *c, uint32_t order);

static void isolate_freepages(FscCore *c, FscControl *cc, uint64_t want, uint32_t min_order) {
  const FsHostApi *api = c->api;
  FscZone *z = &c->zone[cc->zone];
  int64_t pb = (int64_t)c->pageblock_nr_pages;
  uint64_t have = freepages_pages(c);
  /* the fast search first; the linear scan only if it found no target that
   * fits (the kernel migrates base pages only, so any hit fits there) */
  if (c->fast_search && fast_isolate_freepages(c, cc, want, &have) && find_piece(c, min_order) >= 0) return;
  if (cc->contended) return;
  int64_t block_start = (int64_t)pb_start(c, cc->free_pfn);
  int64_t isolate_start = (int64_t)cc->free_pfn;
  int64_t block_end = MIN(block_start + pb, (int64_t)cc->zone_end);
  int64_t low_pfn = (int64_t)pb_end(c, cc->migrate_pfn);
  /* 5.1+ (with the free-list searches, from the same series): the scanner
   * samples a block every stride pages, COMPACT_CLUSTER_MAX for async
   * compaction and 1 otherwise, back to 1 after a block that gave targets
   * and doubled (up to COMPACT_CLUSTER_MAX) after one that gave none */
  uint32_t stride = c->fast_search && cc->mode == FSC_MODE_ASYNC ? FSC_CLUSTER_MAX : 1;
  for (; block_start >= low_pfn; block_end = block_start, block_start -= pb, isolate_start = block_start) {
    if (block_start < (int64_t)cc->zone_start) continue;
    if (!suitable_migration_target(c, cc, (uint64_t)block_start)) continue;
    if (!cc->ignore_skip_hint && api->get_pageblock_skip(c->host, (uint64_t)block_start)) continue;
    uint64_t pos = (uint64_t)isolate_start, before = have;
    bool ok = isolate_freepages_block(c, cc, &pos, (uint64_t)block_end, want, &have, stride);
    isolate_start = (int64_t)pos;
    if (isolate_start == block_end) {
      /* update_pageblock_skip(): scanned to the end */
      api->set_pageblock_skip(c->host, (uint64_t)block_start, true);
      int64_t below = MAX(block_start - pb, (int64_t)cc->zone_start);
      if ((uint64_t)below < z->cached_free_pfn) z->cached_free_pfn = (uint64_t)below;
    }
    if (!ok) {
      cc->contended = true;
      break;
    }
    if (have >= want) {
      if (isolate_start >= block_end) isolate_start = block_start - pb;
      break;
    }
    if (c->fast_search) stride = have > before ? 1 : MIN(FSC_CLUSTER_MAX, stride << 1);
  }
  cc->free_pfn = isolate_start < 0 ? 0 : (uint64_t)isolate_start;
}

/* Index of the smallest isolated piece of at least order, or -1. */
static int find_piece(const FscCore *c, uint32_t order) {
  int best = -1;
  uint32_t best_order = UINT32_MAX;
  for (guint i = 0; i < c->freepages->len; i++) {
    uint32_t o = g_array_index(c->freepages, FscPiece, i).order;
    if (o >= order && o < best_order) {
      best = (int)i;
      best_order = o;
      if (o == order) break;
    }
  }
  return best;
}

/* The engine carves an order-k target from the head of an isolated block
 * (migrate.c carve_isolated): the rest stays isolated as pieces at
 * head + 2^j of order j, for j = k .. o-1.  Mirror that here. */
static void carve_piece(FscCore *c, guint idx, uint32_t order) {
  FscPiece p = g_array_index(c->freepages, FscPiece, idx);
  g_array_remove_index_fast(c->freepages, idx);
  for (uint32_t j = order; j < p.order; j++) {
    FscPiece rest = {p.pfn + ((uint64_t)1 << j), j};
    g_array_append_val(c->freepages, rest);
  }
}

/* migrate_pages() with compaction_alloc() as the target allocator: each
 * isolated source moves into the smallest isolated piece that fits, asking
 * the free scanner for more when none does.  Returns true for -ENOMEM (no
 * free target at all could be found). */
static bool migrate_pages(FscCore *c, FscControl *cc) {
  const FsHostApi *api = c->api;
  bool nomem = false;
  uint64_t remaining = 0;
  FsPageInfo pi;
  for (guint i = 0; i < c->migratepages->len; i++)
    if (api->page_info(c->host, g_array_index(c->migratepages, uint64_t, i), &pi)) remaining += (uint64_t)1 << pi.order;
  /* mm_compaction_migratepages' nr_failed is cc->nr_migratepages less what
   * migrated: the pages left untried after -ENOMEM count as failed there */
  const uint64_t batch = remaining, migrated_before = cc->migrated;
  for (guint i = 0; i < c->migratepages->len && !nomem; i++) {
    uint64_t src = g_array_index(c->migratepages, uint64_t, i);
    if (!api->page_info(c->host, src, &pi) || pi.state != FS_PAGE_ALLOCATED || pi.head_pfn != src) continue;
    uint32_t order = pi.order;
    int idx = find_piece(c, order);
    if (idx < 0 && !cc->contended && !scanners_met(c, cc)) {
      isolate_freepages(c, cc, freepages_pages(c) + remaining, order);
      idx = find_piece(c, order);
    }
    remaining -= (uint64_t)1 << order;
    if (idx < 0) {
      /* pieces too small for this one are no use to it; none at all is -ENOMEM */
      cc->migrate_failed += (uint64_t)1 << order;
      if (!c->freepages->len) nomem = true;
      continue;
    }
    uint64_t dst = g_array_index(c->freepages, FscPiece, idx).pfn;
    int r = api->migrate_page(c->host, src, dst);
    if (r == FS_MIGRATE_OK) {
      carve_piece(c, (guint)idx, order);
      cc->migrated += (uint64_t)1 << order;
    } else {
      cc->migrate_failed += (uint64_t)1 << order;
    }
  }
  g_array_set_size(c->migratepages, 0);
  cc->unmoved += batch - (cc->migrated - migrated_before);
  return nomem;
}

/* ---- finishing ------------------------------------------------------------------------ */

/* 2.6.35's compact_finished() after the scanners and the signal: not done
 * while the zone fails the low watermark plus 1 << order at the order (no
 * lowmem reserve); then done when a free block of the order or larger is on
 * the request's own list, or one of pageblock order or larger on any list
 * (its allocation would take the block's type).  Checked after every
 * migration round, not only at pageblock boundaries (4.x+). */
static FsCompactResult compact_finished_2635(FscCore *c, const FscControl *cc) {
  const FsHostApi *api = c->api;
  FsZoneInfo zi;
  if (!api->zone_info(c->host, cc->zone, &zi)) return FS_COMPACT_NO_SUITABLE_PAGE;
  uint64_t mark = zi.wmark_low + ((uint64_t)1 << cc->order);
  if (!api->zone_watermark_ok(c->host, cc->zone, (uint32_t)cc->order, mark, 0, 0)) return FS_COMPACT_NO_SUITABLE_PAGE;
  for (uint32_t o = (uint32_t)cc->order; o <= c->max_order; o++) {
    if (api->free_count(c->host, cc->zone, o, cc->migratetype)) return FS_COMPACT_SUCCESS;
    if (o >= c->pageblock_order)
      for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++)
        if (api->free_count(c->host, cc->zone, o, t)) return FS_COMPACT_SUCCESS;
  }
  return FS_COMPACT_NO_SUITABLE_PAGE;
}

/* __compact_finished().  The "claimable fallback" test
 * (find_suitable_fallback(..., only_claimable)) is approximated without the
 * fallback table: a free block of at least the order on another pcp type's
 * list that can_steal_fallback() (6.15: should_try_claim_block()) would let
 * the request claim: any order for UNMOVABLE and RECLAIMABLE requests, at
 * least pageblock_order / 2 for MOVABLE ones.  Whether the stack's grouping
 * policy would then claim it is its own business. */
static FsCompactResult compact_finished(FscCore *c, FscControl *cc) {
  const FsHostApi *api = c->api;
  if (cc->contended) return FS_COMPACT_CONTENDED;
  if (scanners_met(c, cc)) {
    FscZone *z = &c->zone[cc->zone];
    z->cached_migrate_pfn[0] = z->cached_migrate_pfn[1] = cc->zone_start;
    z->cached_free_pfn = last_block(c, cc);
    /* kswapd clears the skip bits when it next goes to sleep */
    if (cc->direct) z->blockskip_flush = true;
    return cc->whole_zone ? FS_COMPACT_COMPLETE : FS_COMPACT_PARTIAL_SKIPPED;
  }
  if (cc->proactive) {
    if (api->kswapd_running(c->host)) return FS_COMPACT_PARTIAL_SKIPPED;
    return fsc_extfrag_for_order(c, cc->zone, c->pageblock_order) > cc->proactive_low ? FS_COMPACT_CONTINUE
                                                                                        : FS_COMPACT_SUCCESS;
  }
  if (cc->order < 0) return FS_COMPACT_CONTINUE;
  if (c->v2635) return compact_finished_2635(c, cc);
  /* always finish the pageblock being scanned */
  if (cc->migrate_pfn & (c->pageblock_nr_pages - 1)) return FS_COMPACT_CONTINUE;
  uint32_t mt = cc->migratetype;
  for (uint32_t o = (uint32_t)cc->order; o <= c->max_order; o++) {
    if (api->free_count(c->host, cc->zone, o, mt)) return FS_COMPACT_SUCCESS;
    if (mt == FS_MIGRATE_MOVABLE && api->free_count(c->host, cc->zone, o, FS_MIGRATE_CMA)) return FS_COMPACT_SUCCESS;
    bool claimable = o >= c->pageblock_order / 2 || mt == FS_MIGRATE_UNMOVABLE || mt == FS_MIGRATE_RECLAIMABLE;
    if (claimable && mt < FS_MIGRATE_PCPTYPES)
      for (uint32_t t = 0; t < FS_MIGRATE_PCPTYPES; t++)
        if (t != mt && api->free_count(c->host, cc->zone, o, t)) return FS_COMPACT_SUCCESS;
  }
  return FS_COMPACT_NO_SUITABLE_PAGE;
}

/* Capture (5.1+): compact_zone_order() points the task's capture_control
 * at its compact_control for the whole of compact_zone(); the engine's free
 * path (__free_one_page -> compaction_capture) then hands over the first
 * block whose merge reaches exactly cc->order in this zone, with the kernel's
 * type rules (no CMA or ISOLATE, no MOVABLE below pageblock order).  Only
 * direct compaction captures: kcompactd is a kernel thread (task_capc). */
static bool capture_on(const FscCore *c, const FscControl *cc) {
  return cc->capture && cc->direct && cc->order > 0 && HOST_HAS(c, capture_end);
}

/* ---- compact_zone ------------------------------------------------------------------------ */

/* The trace: one line per compact_zone() call, the fields of the kernel's
 * mm_compaction_begin/end plus the scanners' work (the kernel's isolate_*
 * events summed) and mm_compaction_migratepages' counts. */
static void trace_compact_zone(FscCore *c, const FscControl *cc, FsCompactResult ret) {
  if (!c->trace) return;
  static const char *const modes[] = {"async", "sync_light", "sync"};
  const char *who = cc->direct ? "direct" : cc->proactive ? "proactive" : cc->order < 0 ? "manual" : "kcompactd";
  fsc_trace(c,
            "compact_zone who=%s zone=%s order=%d mode=%s whole_zone=%d status=%s"
            " migrate_pfn=0x%" G_GINT64_MODIFIER "x->0x%" G_GINT64_MODIFIER "x"
            " free_pfn=0x%" G_GINT64_MODIFIER "x->0x%" G_GINT64_MODIFIER "x"
            " migrate_scanned=%" G_GUINT64_FORMAT " free_scanned=%" G_GUINT64_FORMAT
            " isolated=%" G_GUINT64_FORMAT " migrated=%" G_GUINT64_FORMAT " failed=%" G_GUINT64_FORMAT
            " captured=%d fast_scanned=%" G_GUINT64_FORMAT " fast_isolated=%" G_GUINT64_FORMAT
            " fast_hits=%" G_GUINT64_FORMAT " fast_calls=%" G_GUINT64_FORMAT,
            who, c->api->zone_name(c->host, cc->zone), cc->order, modes[cc->mode], cc->whole_zone,
            fsc_status_name(ret), cc->start_migrate_pfn, cc->migrate_pfn, cc->start_free_pfn, cc->free_pfn,
            cc->migrate_scanned, cc->free_scanned, cc->isolated, cc->migrated, cc->unmoved,
            cc->captured_pfn != FS_PFN_NONE, cc->fast_scanned, cc->fast_isolated, cc->fast_hits, cc->fast_calls);
}

static FsCompactResult compact_zone_begin(FscCore *c, FscControl *cc) {
  const FsHostApi *api = c->api;
  FsZoneInfo zi;
  if (cc->zone >= c->nr_zones || !api->zone_info(c->host, cc->zone, &zi) || !zi.populated ||
      zi.end_pfn <= zi.start_pfn)
    return FS_COMPACT_SKIPPED;
  cc->zone_start = zi.start_pfn;
  cc->zone_end = zi.end_pfn;
  FscZone *z = &c->zone[cc->zone];
  int sync = cc->mode != FSC_MODE_ASYNC;

  if (cc->order >= 0) {
    FsCompactResult r =
        fsc_suit_allocation_order(c, cc->zone, (uint32_t)cc->order, cc->highest_zoneidx, cc->alloc_flags);
    if (r == FS_COMPACT_SKIPPED) {
      bool fragindex = false;
      fsc_compaction_suitable(c, cc->zone, (uint32_t)cc->order, cc->highest_zoneidx, &fragindex);
      cc->suitable_by_fragindex_failed = fragindex;
    }
    if (r != FS_COMPACT_CONTINUE) return r;
    /* __reset_isolation_suitable() does nothing unless a direct compaction
     * left compact_blockskip_flush set (its scanners met) */
    if (compaction_restarting(c, cc->zone, (uint32_t)cc->order) && z->blockskip_flush)
      fsc_reset_isolation_suitable_zone(c, cc->zone);
  }

  /* Scanner start: the whole zone, or where the last compaction stopped. */
  if (cc->whole_zone) {
    cc->migrate_pfn = cc->zone_start;
    cc->free_pfn = last_block(c, cc);
  } else {
    cc->free_pfn = z->cached_free_pfn;
    cc->migrate_pfn = z->cached_migrate_pfn[sync];
    if (cc->free_pfn < cc->zone_start || cc->free_pfn >= cc->zone_end) {
      cc->free_pfn = last_block(c, cc);
      z->cached_free_pfn = cc->free_pfn;
    }
    if (cc->migrate_pfn < cc->zone_start || cc->migrate_pfn >= cc->zone_end) {
      cc->migrate_pfn = cc->zone_start;
      z->cached_migrate_pfn[0] = z->cached_migrate_pfn[1] = cc->migrate_pfn;
    }
    /* 5.x+: a run that starts where the last reset put the migration
     * scanner counts as a whole-zone pass (compact_init_migrate_pfn, 0 until
     * the zone's first reset as in the kernel); the linear-only stacks keep
     * the older test against the zone start */
    uint64_t init = c->fast_search ? z->init_migrate_pfn : cc->zone_start;
    if (cc->migrate_pfn <= init) cc->whole_zone = true;
  }
  cc->start_migrate_pfn = cc->migrate_pfn;
  cc->start_free_pfn = cc->free_pfn;
  cc->fast_start_pfn = 0;
  cc->search_order = cc->order > 0 ? cc->order - 1 : 0;
  g_array_set_size(c->freepages, 0);
  g_array_set_size(c->migratepages, 0);

  cc->capturing = capture_on(c, cc);
  if (cc->capturing) api->capture_begin(c->host, cc->zone, (uint32_t)cc->order);
  /* compact_zone()'s last_migrated_pfn: where the last round that isolated
   * something started, until the scanner leaves that cc->order-aligned
   * block (0: none).  It decides the 5.1+ rescan (the next round continues
   * that block) and, 3.19+, the drain of the pages migrated from it that
   * wait on this CPU's pcp lists. */
  cc->drain = c->drain_block && cc->order > 0 && HOST_HAS(c, drain_local_pages);
  cc->undrained = false;
  cc->last_migrated_pfn = 0;
  cc->charged_scanned = 0;
  return FS_COMPACT_CONTINUE;
}

FsCompactResult fsc_compact_zone_begin(FscCore *c, FscControl *cc) {
  cc->start_migrate_pfn = cc->start_free_pfn = FS_PFN_NONE;
  FsCompactResult ret = compact_zone_begin(c, cc);
  if (ret != FS_COMPACT_CONTINUE) trace_compact_zone(c, cc, ret);
  return ret;
}

/* One round of compact_zone()'s loop: compact_finished(), then one
 * isolate_migratepages() (at most a pageblock, COMPACT_CLUSTER_MAX pages)
 * and its migrate_pages() batch, the check_drain and the capture test.  The
 * scanner cost of the round is charged here. */
FsCompactResult fsc_compact_zone_step(FscCore *c, FscControl *cc) {
  const FsHostApi *api = c->api;
  FsCompactResult ret = compact_finished(c, cc);
  if (ret != FS_COMPACT_CONTINUE && ret != FS_COMPACT_NO_SUITABLE_PAGE) goto out;
  ret = FS_COMPACT_CONTINUE;
  uint64_t order_chunk = (uint64_t)1 << (cc->order > 0 ? (uint32_t)cc->order : 0u);
  uint64_t iteration_start = cc->migrate_pfn;
  cc->rescan = c->rescan && pb_start(c, cc->last_migrated_pfn) == pb_start(c, iteration_start);
  if (isolate_migratepages(c, cc) != ISOLATE_NONE) {
    cc->undrained = true;
    cc->last_migrated_pfn = iteration_start;
    uint64_t failed_before = cc->migrate_failed;
    bool nomem = migrate_pages(c, cc);
    if (nomem && !scanners_met(c, cc)) {
      ret = FS_COMPACT_CONTENDED;
      goto out;
    }
    /* a failed migration in async direct compaction: no rescan of this
     * block, and no drain ("draining pcplists is useless in this case") */
    if (cc->migrate_failed > failed_before && cc->direct && cc->mode == FSC_MODE_ASYNC) {
      /* 4.6+ (with skip_on_failure): a page of the current order-aligned
       * chunk failed to migrate, so the rest of that chunk is skipped */
      if (cc->order > 0 && cc->migrate_pfn > cc->zone_start)
        cc->migrate_pfn = MIN(align_up(cc->migrate_pfn, (uint64_t)1 << cc->order), cc->free_pfn);
      cc->last_migrated_pfn = 0;
      cc->undrained = false;
    }
  }
  /* check_drain: the migration scanner has left the cc->order-aligned
   * block it last migrated from: flush the freed pages so they merge
   * (and compact_finished() or the capture sees the block) */
  if (cc->order > 0 && cc->last_migrated_pfn && cc->last_migrated_pfn < (cc->migrate_pfn & ~(order_chunk - 1))) {
    if (cc->drain && cc->undrained) api->drain_local_pages(c->host, cc->zone);
    cc->undrained = false;
    cc->last_migrated_pfn = 0;
  }
  /* stop if a page has been captured */
  if (cc->capturing && api->capture_page(c->host) != FS_PFN_NONE) ret = FS_COMPACT_SUCCESS;
out:;
  uint64_t scanned = cc->migrate_scanned + cc->free_scanned;
  api->charge_ns(c->host, (scanned - cc->charged_scanned) * c->scan_ns);
  cc->charged_scanned = scanned;
  return ret;
}

FsCompactResult fsc_compact_zone_end(FscCore *c, FscControl *cc, FsCompactResult ret) {
  const FsHostApi *api = c->api;
  FscZone *z = &c->zone[cc->zone];
  /* release_freepages(): unused targets go back; the cached free pfn moves
   * back up to the highest of them, never down. */
  uint64_t highest = 0;
  for (guint i = 0; i < c->freepages->len; i++) {
    FscPiece p = g_array_index(c->freepages, FscPiece, i);
    api->release_isolated(c->host, p.pfn);
    highest = MAX(highest, p.pfn);
  }
  if (c->freepages->len) {
    uint64_t fp = MAX(pb_start(c, highest), cc->zone_start);
    if (fp > z->cached_free_pfn) z->cached_free_pfn = fp;
  }
  g_array_set_size(c->freepages, 0);
  g_array_set_size(c->migratepages, 0);
  /* compact_zone_order(): hide the capture control (the released targets
   * above could still be captured), then a captured block means success
   * whatever compact_zone() returned */
  if (cc->capturing) {
    cc->captured_pfn = api->capture_end(c->host);
    cc->capturing = false;
    if (cc->captured_pfn != FS_PFN_NONE) ret = FS_COMPACT_SUCCESS;
  }
  trace_compact_zone(c, cc, ret);
  return ret;
}

FsCompactResult fsc_compact_zone(FscCore *c, FscControl *cc) {
  FsCompactResult ret = fsc_compact_zone_begin(c, cc);
  if (ret != FS_COMPACT_CONTINUE) return ret;
  while ((ret = fsc_compact_zone_step(c, cc)) == FS_COMPACT_CONTINUE) {
  }
  return fsc_compact_zone_end(c, cc, ret);
}
