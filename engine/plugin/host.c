/* The host table: every service a policy may call (include/fragsim/policy.h),
 * implemented on the run.  Each entry checks what a policy hands it (zone,
 * pfn, order, migratetype) and stops the run with an error naming the policy
 * and the call when it is out of range; then it calls the memory model.
 * Nothing else in the engine is reachable from a policy.
 */
#include "engine/plugin/host.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/mm/migrate.h"
#include "engine/mm/oom_kill.h"
#include "engine/mm/page_isolation.h"
#include "engine/mm/pcp.h"
#include "engine/mm/slub.h"
#include "engine/mm/vmscan.h"

/* ---- host services -------------------------------------------------------------- */

#define RUN(h) ((h)->run)

static const char *host_policy(FsHost *h) { return h->run->slots[h->slot].policy->name; }

static bool check_zone(FsHost *h, const char *fn, uint32_t zone) {
  if (zone < h->run->mem.nr_zones) return true;
  fsi_run_failf(h->run, "policy \"%s\": %s() called with zone %u (the machine has %u)", host_policy(h), fn, zone,
                h->run->mem.nr_zones);
  return false;
}

static bool check_pfn(FsHost *h, const char *fn, uint64_t pfn) {
  if (pfn < h->run->mem.cfg.total_pages) return true;
  fsi_run_failf(h->run, "policy \"%s\": %s() called with pfn %" G_GUINT64_FORMAT " beyond the last pfn %" G_GUINT64_FORMAT,
                host_policy(h), fn, pfn, h->run->mem.cfg.total_pages - 1);
  return false;
}

static bool check_order_mt(FsHost *h, const char *fn, uint32_t order, uint32_t mt) {
  if (order <= h->run->mem.max_order && mt < FS_MIGRATE_TYPES) return true;
  fsi_run_failf(h->run, "policy \"%s\": %s() called with order %u, migratetype %u", host_policy(h), fn, order, mt);
  return false;
}

static uint64_t h_now_ns(FsHost *h) { return RUN(h)->now_ns; }
static uint64_t h_random_u64(FsHost *h) { return fsi_rng_u64(&RUN(h)->slots[h->slot].rng); }
static double h_random_double(FsHost *h) { return fsi_rng_double(&RUN(h)->slots[h->slot].rng); }

static void h_log(FsHost *h, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_debug("[%" G_GUINT64_FORMAT " ns] %s: %s", RUN(h)->now_ns, host_policy(h), msg);
  g_free(msg);
}

static uint32_t h_max_order(FsHost *h) { return RUN(h)->mem.max_order; }
static uint32_t h_pageblock_order(FsHost *h) { return RUN(h)->mem.pageblock_order; }
static uint32_t h_nr_zones(FsHost *h) { return RUN(h)->mem.nr_zones; }
static uint64_t h_total_pages(FsHost *h) { return RUN(h)->mem.cfg.total_pages; }

static bool h_zone_info(FsHost *h, uint32_t zone, FsZoneInfo *ret) {
  if (zone >= RUN(h)->mem.nr_zones) return false;
  const FsiZone *z = &RUN(h)->mem.zones[zone];
  ret->start_pfn = z->start_pfn;
  ret->end_pfn = z->end_pfn;
  ret->present_pages = z->present_pages;
  ret->managed_pages = z->managed_pages;
  ret->wmark_min = fsi_wmark(z, FSI_WMARK_MIN);
  ret->wmark_low = fsi_wmark(z, FSI_WMARK_LOW);
  ret->wmark_high = fsi_wmark(z, FSI_WMARK_HIGH);
  ret->watermark_boost = z->watermark_boost;
  ret->nr_free_pages = z->nr_free_pages;
  ret->nr_free_cma = z->nr_free_cma;
  ret->nr_reserved_highatomic = z->nr_reserved_highatomic;
  ret->populated = fsi_zone_populated(z);
  return true;
}

static const char *h_zone_name(FsHost *h, uint32_t zone) {
  return zone < RUN(h)->mem.nr_zones ? RUN(h)->mem.zones[zone].name : "?";
}

static uint32_t h_get_pageblock_mt(FsHost *h, uint64_t pfn) {
  return check_pfn(h, "get_pageblock_migratetype", pfn) ? fsi_get_pageblock_mt(&RUN(h)->mem, pfn) : 0;
}

static void h_set_pageblock_mt(FsHost *h, uint64_t pfn, uint32_t mt) {
  if (!check_pfn(h, "set_pageblock_migratetype", pfn) || !check_order_mt(h, "set_pageblock_migratetype", 0, mt)) return;
  fsi_set_pageblock_mt(&RUN(h)->mem, pfn, mt);
}

static bool h_get_skip(FsHost *h, uint64_t pfn) {
  return check_pfn(h, "get_pageblock_skip", pfn) && fsi_pageblock(&RUN(h)->mem, pfn)->skip;
}

static void h_set_skip(FsHost *h, uint64_t pfn, bool skip) {
  if (check_pfn(h, "set_pageblock_skip", pfn)) fsi_pageblock(&RUN(h)->mem, pfn)->skip = skip;
}

static uint64_t h_free_count(FsHost *h, uint32_t zone, uint32_t order, uint32_t mt) {
  if (!check_zone(h, "free_count", zone) || !check_order_mt(h, "free_count", order, mt)) return 0;
  return RUN(h)->mem.zones[zone].free_area[order].count[mt];
}

static uint64_t h_nr_free(FsHost *h, uint32_t zone, uint32_t order) {
  if (!check_zone(h, "nr_free", zone) || !check_order_mt(h, "nr_free", order, 0)) return 0;
  return RUN(h)->mem.zones[zone].free_area[order].nr_free;
}

static uint64_t h_free_list_first(FsHost *h, uint32_t zone, uint32_t order, uint32_t mt) {
  if (!check_zone(h, "free_list_first", zone) || !check_order_mt(h, "free_list_first", order, mt)) return FS_PFN_NONE;
  uint32_t head = RUN(h)->mem.zones[zone].free_area[order].head[mt];
  return head == FSI_NIL ? FS_PFN_NONE : head;
}

static void note_taken(FsiRun *run, uint64_t pfn) {
  if (run->ntaken < G_N_ELEMENTS(run->taken_pfn)) run->taken_pfn[run->ntaken] = pfn;
  run->ntaken++;
}

static uint64_t h_rmqueue_smallest(FsHost *h, uint32_t zone, uint32_t order, uint32_t mt) {
  if (!check_zone(h, "rmqueue_smallest", zone) || !check_order_mt(h, "rmqueue_smallest", order, mt)) return FS_PFN_NONE;
  uint64_t pfn = fsi_rmqueue_smallest(&RUN(h)->mem, zone, order, mt);
  if (pfn != FS_PFN_NONE) note_taken(RUN(h), pfn);
  return pfn;
}

static uint64_t h_take_free_block(FsHost *h, uint64_t pfn, uint32_t order, uint32_t expand_mt) {
  if (!check_pfn(h, "take_free_block", pfn) || !check_order_mt(h, "take_free_block", order, expand_mt))
    return FS_PFN_NONE;
  if (!fsi_take_free_block(&RUN(h)->mem, pfn, order, expand_mt)) return FS_PFN_NONE;
  note_taken(RUN(h), pfn);
  return pfn;
}

static bool h_move_free_block(FsHost *h, uint64_t pfn, uint32_t mt) {
  if (!check_pfn(h, "move_free_block", pfn) || !check_order_mt(h, "move_free_block", 0, mt)) return false;
  return fsi_move_free_block(&RUN(h)->mem, pfn, mt);
}

static bool h_move_freepages_block(FsHost *h, uint64_t pfn, uint32_t mt, uint64_t *ret_free, uint64_t *ret_movable) {
  if (!check_pfn(h, "move_freepages_block", pfn) || !check_order_mt(h, "move_freepages_block", 0, mt)) return false;
  return fsi_move_freepages_block(&RUN(h)->mem, pfn, mt, ret_free, ret_movable);
}

static bool h_zone_watermark_ok(FsHost *h, uint32_t zone, uint32_t order, uint64_t mark, uint32_t highest_zoneidx,
                                uint32_t alloc_flags) {
  if (!check_zone(h, "zone_watermark_ok", zone) || !check_order_mt(h, "zone_watermark_ok", order, 0)) return false;
  if (highest_zoneidx >= FS_MAX_ZONES) highest_zoneidx = FS_MAX_ZONES - 1;
  return fsi_zone_watermark_ok(&RUN(h)->mem, zone, order, mark, highest_zoneidx, alloc_flags,
                               (int64_t)RUN(h)->mem.zones[zone].nr_free_pages);
}

/* The page frames' view of pfn: its state and the head and order of its
 * free block or allocation (allocations are naturally aligned, which
 * --check verifies). */
static FsPageState frame_extent(const FsiMem *m, uint64_t pfn, uint64_t *head_pfn, uint32_t *order) {
  const FsiPage *p = &m->pages[pfn];
  if (p->flags & FSI_PG_RESERVED) {
    *head_pfn = pfn;
    *order = 0;
    return FS_PAGE_RESERVED;
  }
  if (p->flags & FSI_PG_ALLOC) {
    *order = p->order;
    *head_pfn = pfn & ~(((uint64_t)1 << p->order) - 1);
    return FS_PAGE_ALLOCATED;
  }
  /* a free page: find the head of its buddy block by alignment */
  *head_pfn = 0;
  *order = 0;
  for (uint32_t o = 0; o <= m->max_order; o++) {
    uint64_t head = pfn & ~(((uint64_t)1 << o) - 1);
    const FsiPage *hp = &m->pages[head];
    if ((hp->flags & (FSI_PG_BUDDY | FSI_PG_PCP | FSI_PG_ISOLATED)) && hp->order >= o &&
        pfn < head + ((uint64_t)1 << hp->order)) {
      *head_pfn = head;
      *order = hp->order;
      if (hp->flags & FSI_PG_ISOLATED) return FS_PAGE_ISOLATED;
      if (hp->flags & FSI_PG_PCP) return FS_PAGE_PCP;
      break;
    }
  }
  return FS_PAGE_FREE;
}

/* how many frames ahead h_page_info() prefetches an allocation object */
#define PAGE_INFO_PREFETCH 8u

static bool h_page_info(FsHost *h, uint64_t pfn, FsPageInfo *ret) {
  FsiRun *run = RUN(h);
  if (pfn >= run->mem.cfg.total_pages) return false;
  memset(ret, 0, sizeof *ret);
  ret->zone = fsi_pfn_zone(&run->mem, pfn);
  ret->pageblock_mt = fsi_get_pageblock_mt(&run->mem, pfn);
  ret->state = frame_extent(&run->mem, pfn, &ret->head_pfn, &ret->order);
  if (ret->state == FS_PAGE_ALLOCATED) {
    /* the callers walk pfns upwards (lumpy's block, the scanners): start
     * loading the allocation object of a frame some way ahead, the cache
     * miss each of these calls pays (the page frames themselves are read in
     * sequence); the next allocation's would arrive too late */
    uint64_t ahead = ret->head_pfn + ((uint64_t)PAGE_INFO_PREFETCH << ret->order);
    if (ahead < run->mem.cfg.total_pages && (run->mem.pages[ahead].flags & FSI_PG_ALLOC))
      __builtin_prefetch(&run->allocs[run->mem.pages[ahead].alloc]);
    const FsiAlloc *a = &run->allocs[run->mem.pages[pfn].alloc];
    ret->kind = a->kind;
    ret->alloc_mt = a->alloc_mt;
    ret->pinned = a->flags & FSI_AF_PINNED;
    ret->movable = fsi_alloc_is_movable(a) && !ret->pinned;
  }
  return true;
}

static int h_page_extent(FsHost *h, uint64_t pfn, uint64_t *ret_head_pfn, uint32_t *ret_order) {
  FsiRun *run = RUN(h);
  if (pfn >= run->mem.cfg.total_pages) return -1;
  return (int)frame_extent(&run->mem, pfn, ret_head_pfn, ret_order);
}

static int h_counter_register(FsHost *h, const char *name, const char *help) {
  return fsi_stats_register(&RUN(h)->stats, host_policy(h), name, help);
}

static void h_counter_add(FsHost *h, int counter, int64_t delta) {
  FsiStats *s = &RUN(h)->stats;
  if (counter < 0 || (guint)counter >= s->pol_values->len) {
    fsi_run_failf(RUN(h), "policy \"%s\": counter_add() with unregistered counter %d", host_policy(h), counter);
    return;
  }
  g_array_index(s->pol_values, int64_t, counter) += delta;
}

static void h_timer_add(FsHost *h, uint64_t delay_ns, uint64_t cookie) {
  fsi_eventq_push(&RUN(h)->q, RUN(h)->now_ns + delay_ns, FSI_EV_TIMER, h->slot, cookie);
}

static void h_charge_ns(FsHost *h, uint64_t ns) { RUN(h)->charged_ns += ns; }

static uint64_t h_charged_ns(FsHost *h) { return RUN(h)->charged_ns; }

static bool h_isolate_free_block(FsHost *h, uint64_t pfn) {
  return check_pfn(h, "isolate_free_block", pfn) && fsi_isolate_free_block(RUN(h), pfn, true);
}

static void h_release_isolated(FsHost *h, uint64_t pfn) {
  if (check_pfn(h, "release_isolated", pfn)) fsi_release_isolated(RUN(h), pfn);
}

static int h_migrate_page(FsHost *h, uint64_t src, uint64_t dst) {
  if (!check_pfn(h, "migrate_page", src) || !check_pfn(h, "migrate_page", dst)) return FS_MIGRATE_ETARGET;
  return fsi_migrate_page(RUN(h), src, dst);
}

static int h_isolate_migratable(FsHost *h, uint64_t pfn, uint32_t mode) {
  if (!check_pfn(h, "isolate_migratable", pfn)) return FS_MIGRATE_ENOTHEAD;
  return fsi_isolate_migratable(RUN(h), pfn, mode);
}

static int h_alloc_contig_range(FsHost *h, uint64_t start, uint64_t nr, uint32_t mt, uint32_t task, uint64_t *ret) {
  if (!nr || !check_pfn(h, "alloc_contig_range", start) || !check_pfn(h, "alloc_contig_range", start + nr - 1) ||
      !check_order_mt(h, "alloc_contig_range", 0, mt))
    return -FS_EBUSY;
  FsiHandle hd = FSI_HANDLE_NONE;
  int r = fsi_alloc_contig_range(RUN(h), start, nr, mt, task, &hd);
  if (!r && ret) *ret = hd;
  if (!r) {
    FsiRun *run = RUN(h);
    if (run->ncontig_issued < G_N_ELEMENTS(run->contig_issued)) run->contig_issued[run->ncontig_issued] = hd;
    run->ncontig_issued++;
  }
  return r;
}

static void h_free_contig_range(FsHost *h, uint64_t handle) { fsi_free_contig_range(RUN(h), handle); }

static void h_drain_all_pages(FsHost *h, uint32_t zone) {
  if (check_zone(h, "drain_all_pages", zone)) fsi_pcp_drain_zone(RUN(h), zone);
}

static void h_report_compact_result(FsHost *h, int result) {
  if (result < FS_COMPACT_NOT_SUITABLE_ZONE || result > FS_COMPACT_SUCCESS) {
    fsi_run_failf(RUN(h), "policy \"%s\": report_compact_result(%d) at t=%" G_GUINT64_FORMAT " ns: not a compact result",
                  host_policy(h), result, RUN(h)->now_ns);
    return;
  }
  RUN(h)->compact_result = MAX(RUN(h)->compact_result, result);
}

static void h_trace_extfrag(FsHost *h, uint64_t pfn, uint32_t alloc_order, uint32_t fallback_order, uint32_t alloc_mt,
                            uint32_t fallback_mt, bool change_ownership) {
  FsiRun *run = RUN(h);
  run->stats.c[FSI_C_fs_extfrag_events]++;
  if (fallback_order < run->mem.pageblock_order) run->stats.c[FSI_C_fs_extfrag_fragmenting]++;
  if (run->obs_mask & FSI_OBS_extfrag) {
    FsiExtfragEvent ev = {pfn, alloc_order, fallback_order, alloc_mt, fallback_mt, change_ownership};
    FSI_NOTIFY(run, extfrag, &ev);
  }
}

/* boost_watermark(): mm/page_alloc.c */
static bool h_boost_watermark(FsHost *h, uint32_t zone, bool may_wake) {
  FsiRun *run = RUN(h);
  if (!check_zone(h, "boost_watermark", zone)) return false;
  FsiZone *z = &run->mem.zones[zone];
  if (!run->boost_factor || run->mem.pageblock_nr_pages * 4 > z->managed_pages) return false;
  uint64_t max_boost = z->wmark[FSI_WMARK_HIGH] * run->boost_factor / 10000;
  max_boost = MAX(run->mem.pageblock_nr_pages, max_boost);
  z->watermark_boost = MIN(z->watermark_boost + run->mem.pageblock_nr_pages, max_boost);
  if (may_wake) z->boosted_wake = true;
  run->stats.c[FSI_C_fs_watermark_boost]++;
  return true;
}

static void h_highatomic_reserve_add(FsHost *h, uint32_t zone, int64_t delta) {
  if (!check_zone(h, "highatomic_reserve_add", zone)) return;
  FsiZone *z = &RUN(h)->mem.zones[zone];
  int64_t v = (int64_t)z->nr_reserved_highatomic + delta;
  z->nr_reserved_highatomic = v < 0 ? 0 : (uint64_t)v;
}

static uint64_t h_reclaimable_pages(FsHost *h) {
  FsiRun *run = RUN(h);
  uint64_t n = run->rc.lru_pages[FSI_LRU_INACTIVE_FILE] + run->rc.lru_pages[FSI_LRU_ACTIVE_FILE] +
               fsi_slab_pages(run, FS_KIND_SLAB_RECLAIMABLE);
  if (run->rc.swap_used < run->rc.swap_pages)
    n += MIN(run->rc.lru_pages[FSI_LRU_INACTIVE_ANON] + run->rc.lru_pages[FSI_LRU_ACTIVE_ANON],
             run->rc.swap_pages - run->rc.swap_used);
  return n;
}

static bool h_kswapd_running(FsHost *h) { return RUN(h)->rc.kswapd_awake && !RUN(h)->rc.kswapd_napping; }

static int h_buddy_order(FsHost *h, uint64_t pfn) {
  if (pfn >= RUN(h)->mem.cfg.total_pages) return -1;
  const FsiPage *p = &RUN(h)->mem.pages[pfn];
  return (p->flags & FSI_PG_BUDDY) ? p->order : -1;
}

static uint64_t h_reclaim_pfn(FsHost *h, uint64_t pfn, bool sync) {
  if (!check_pfn(h, "reclaim_pfn", pfn)) return 0;
  return fsi_reclaim_pfn(RUN(h), pfn, sync, RUN(h)->in_kswapd);
}

static bool h_page_writeback(FsHost *h, uint64_t pfn) {
  FsiRun *run = RUN(h);
  if (!check_pfn(h, "page_writeback", pfn)) return false;
  const FsiPage *p = &run->mem.pages[pfn];
  return (p->flags & FSI_PG_ALLOC) && (run->allocs[p->alloc].flags2 & FSI_AF2_WRITEBACK);
}

static void h_reclaim_credit(FsHost *h, uint64_t pages) {
  FsiRun *run = RUN(h);
  if (run->rc.in_reclaim_tag) run->rc.tag_credit += pages;
}

/* ---- ABI 1.3: free-list walks and shared areas ---- */

static void h_capture_begin(FsHost *h, uint32_t zone, uint32_t order) {
  FsiRun *run = RUN(h);
  if (!check_zone(h, "capture_begin", zone) || !check_order_mt(h, "capture_begin", order, 0)) return;
  if (run->mem.capc.active) {
    fsi_run_failf(run, "policy \"%s\": capture_begin at t=%" G_GUINT64_FORMAT " ns while a capture is active",
                  host_policy(h), run->now_ns);
    return;
  }
  run->mem.capc.active = true;
  run->mem.capc.zone = zone;
  run->mem.capc.order = order;
  run->mem.capc.page = FS_PFN_NONE;
}

static uint64_t h_capture_page(FsHost *h) {
  FsiRun *run = RUN(h);
  return run->mem.capc.active ? run->mem.capc.page : FS_PFN_NONE;
}

static uint64_t h_capture_end(FsHost *h) {
  FsiRun *run = RUN(h);
  if (!run->mem.capc.active) return FS_PFN_NONE;
  uint64_t pfn = run->mem.capc.page;
  run->mem.capc.active = false;
  run->mem.capc.page = FS_PFN_NONE;
  if (pfn != FS_PFN_NONE) note_taken(run, pfn);
  return pfn;
}

static void h_drain_local_pages(FsHost *h, uint32_t zone) {
  if (check_zone(h, "drain_local_pages", zone)) fsi_pcp_drain_local(RUN(h), RUN(h)->current_task, zone);
}

static uint64_t h_free_list_last(FsHost *h, uint32_t zone, uint32_t order, uint32_t mt) {
  if (!check_zone(h, "free_list_last", zone) || !check_order_mt(h, "free_list_last", order, mt)) return FS_PFN_NONE;
  uint32_t tail = RUN(h)->mem.zones[zone].free_area[order].tail[mt];
  return tail == FSI_NIL ? FS_PFN_NONE : tail;
}

static const FsiPage *listed(FsHost *h, uint64_t pfn) {
  if (pfn >= RUN(h)->mem.cfg.total_pages) return NULL;
  const FsiPage *p = &RUN(h)->mem.pages[pfn];
  return (p->flags & FSI_PG_BUDDY) ? p : NULL;
}

static uint64_t h_free_list_next(FsHost *h, uint64_t pfn) {
  const FsiPage *p = listed(h, pfn);
  return !p || p->next == FSI_NIL ? FS_PFN_NONE : p->next;
}

static uint64_t h_free_list_prev(FsHost *h, uint64_t pfn) {
  const FsiPage *p = listed(h, pfn);
  return !p || p->prev == FSI_NIL ? FS_PFN_NONE : p->prev;
}

/* Rotation keeps every block on its list, so counts and free pages do not change. */
static bool h_free_list_rotate(FsHost *h, uint64_t pfn) {
  FsiMem *m = &RUN(h)->mem;
  if (!listed(h, pfn)) return false;
  FsiPage *p = &m->pages[pfn];
  FsiFreeArea *area = &m->zones[fsi_pfn_zone(m, pfn)].free_area[p->order];
  uint32_t mt = p->mt, idx = (uint32_t)pfn;
  if (area->head[mt] == idx) return true;
  uint32_t old_head = area->head[mt], old_tail = area->tail[mt], before = p->prev;
  m->pages[old_tail].next = old_head;
  m->pages[old_head].prev = old_tail;
  m->pages[before].next = FSI_NIL;
  p->prev = FSI_NIL;
  area->head[mt] = idx;
  area->tail[mt] = before;
  return true;
}

static void *h_shared_area(FsHost *h, const char *key, size_t size) {
  FsiRun *run = RUN(h);
  if (!run->shared_areas) run->shared_areas = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  size_t *area = g_hash_table_lookup(run->shared_areas, key);
  if (area) {
    if (area[0] == size) return area + 1;
    fsi_run_failf(run, "policy \"%s\": shared_area(\"%s\") asked with %zu bytes, first asked with %zu", host_policy(h),
                  key, size, area[0]);
    return NULL;
  }
  area = g_malloc0(sizeof(size_t) + size + 16);
  area[0] = size;
  g_hash_table_insert(run->shared_areas, g_strdup(key), area);
  return area + 1;
}

const FsHostApi fsi_host_api = {
    .size = sizeof(FsHostApi),
    .now_ns = h_now_ns,
    .random_u64 = h_random_u64,
    .random_double = h_random_double,
    .log = h_log,
    .max_order = h_max_order,
    .pageblock_order = h_pageblock_order,
    .nr_zones = h_nr_zones,
    .zone_info = h_zone_info,
    .zone_name = h_zone_name,
    .total_pages = h_total_pages,
    .get_pageblock_migratetype = h_get_pageblock_mt,
    .set_pageblock_migratetype = h_set_pageblock_mt,
    .get_pageblock_skip = h_get_skip,
    .set_pageblock_skip = h_set_skip,
    .free_count = h_free_count,
    .nr_free = h_nr_free,
    .free_list_first = h_free_list_first,
    .rmqueue_smallest = h_rmqueue_smallest,
    .take_free_block = h_take_free_block,
    .move_free_block = h_move_free_block,
    .move_freepages_block = h_move_freepages_block,
    .zone_watermark_ok = h_zone_watermark_ok,
    .page_info = h_page_info,
    .counter_register = h_counter_register,
    .counter_add = h_counter_add,
    .timer_add = h_timer_add,
    .charge_ns = h_charge_ns,
    .isolate_free_block = h_isolate_free_block,
    .release_isolated = h_release_isolated,
    .migrate_page = h_migrate_page,
    .alloc_contig_range = h_alloc_contig_range,
    .free_contig_range = h_free_contig_range,
    .drain_all_pages = h_drain_all_pages,
    .report_compact_result = h_report_compact_result,
    .reclaim_pfn = h_reclaim_pfn,
    .trace_extfrag = h_trace_extfrag,
    .boost_watermark = h_boost_watermark,
    .highatomic_reserve_add = h_highatomic_reserve_add,
    .reclaimable_pages = h_reclaimable_pages,
    .kswapd_running = h_kswapd_running,
    .buddy_order = h_buddy_order,
    .reclaim_credit = h_reclaim_credit,
    .free_list_last = h_free_list_last,
    .free_list_next = h_free_list_next,
    .free_list_prev = h_free_list_prev,
    .free_list_rotate = h_free_list_rotate,
    .shared_area = h_shared_area,
    .capture_begin = h_capture_begin,
    .capture_page = h_capture_page,
    .capture_end = h_capture_end,
    .drain_local_pages = h_drain_local_pages,
    .isolate_migratable = h_isolate_migratable,
    .page_extent = h_page_extent,
    .charged_ns = h_charged_ns,
    .page_writeback = h_page_writeback,
};
