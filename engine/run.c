/* A run: boot, the event loop, and the host services policies call.
 * See run.h for what a run owns. */
#include "engine/run.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/error.h"
#include "engine/migrate.h"
#include "engine/pcp.h"
#include "engine/reclaim.h"
#include "results/output.h"

/* Each policy gets its own host handle, so the engine knows which policy a
 * call comes from (its random stream, its counters, its timers). */
struct FsHost {
  FsiRun *run;
  uint32_t slot;
};

void fsi_run_fail(FsiRun *run, GError *error) {
  if (!run->error) run->error = error;
  else g_error_free(error);
  run->stop = true;
}

void fsi_run_failf(FsiRun *run, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fsi_run_fail(run, g_error_new_literal(FSI_ERROR, FSI_ERROR_RUN, msg));
  g_free(msg);
}

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

static bool h_page_info(FsHost *h, uint64_t pfn, FsPageInfo *ret) {
  FsiRun *run = RUN(h);
  if (pfn >= run->mem.cfg.total_pages) return false;
  memset(ret, 0, sizeof *ret);
  const FsiPage *p = &run->mem.pages[pfn];
  ret->zone = fsi_pfn_zone(&run->mem, pfn);
  ret->pageblock_mt = fsi_get_pageblock_mt(&run->mem, pfn);
  if (p->flags & FSI_PG_RESERVED) {
    ret->state = FS_PAGE_RESERVED;
    ret->head_pfn = pfn;
  } else if (p->flags & FSI_PG_ALLOC) {
    const FsiAlloc *a = &run->allocs[p->alloc];
    ret->state = FS_PAGE_ALLOCATED;
    ret->order = a->order;
    ret->head_pfn = a->pfn;
    ret->kind = a->kind;
    ret->alloc_mt = a->alloc_mt;
    ret->pinned = a->flags & FSI_AF_PINNED;
    ret->movable = fsi_alloc_is_movable(a) && !ret->pinned;
  } else {
    /* a free page: find the head of its buddy block by alignment */
    ret->state = FS_PAGE_FREE;
    for (uint32_t o = 0; o <= run->mem.max_order; o++) {
      uint64_t head = pfn & ~(((uint64_t)1 << o) - 1);
      const FsiPage *hp = &run->mem.pages[head];
      if ((hp->flags & (FSI_PG_BUDDY | FSI_PG_PCP | FSI_PG_ISOLATED)) && hp->order >= o &&
          pfn < head + ((uint64_t)1 << hp->order)) {
        ret->head_pfn = head;
        ret->order = hp->order;
        if (hp->flags & FSI_PG_ISOLATED) ret->state = FS_PAGE_ISOLATED;
        if (hp->flags & FSI_PG_PCP) ret->state = FS_PAGE_PCP;
        break;
      }
    }
  }
  return true;
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

static int h_alloc_contig_range(FsHost *h, uint64_t start, uint64_t nr, uint32_t mt, uint32_t task, uint64_t *ret) {
  if (!nr || !check_pfn(h, "alloc_contig_range", start) || !check_pfn(h, "alloc_contig_range", start + nr - 1) ||
      !check_order_mt(h, "alloc_contig_range", 0, mt))
    return -FS_EBUSY;
  FsiHandle hd = FSI_HANDLE_NONE;
  int r = fsi_alloc_contig_range(RUN(h), start, nr, mt, task, &hd);
  if (!r && ret) *ret = hd;
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
  if (run->out) fsi_output_extfrag(run->out, run, pfn, alloc_order, fallback_order, alloc_mt, fallback_mt, change_ownership);
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
};

/* ---- boot ---------------------------------------------------------------------- */

static bool alloc_movable_cb(void *ctx, uint32_t id) {
  FsiRun *run = ctx;
  return id < run->nallocs && fsi_alloc_is_movable(&run->allocs[id]);
}

static bool build_mem_config(FsiRun *run, FsiMemConfig *mc, GError **error) {
  FsiConfig *cfg = run->cfg;
  memset(mc, 0, sizeof *mc);
  uint64_t page_size = fsi_config_size(cfg, "machine", "page_size");
  uint64_t memory = fsi_config_size(cfg, "machine", "memory");
  if (page_size < 1024 || (page_size & (page_size - 1))) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: machine.page_size: %" G_GUINT64_FORMAT
                " is not a power of two of at least 1K", fsi_config_origin(cfg, "machine", "page_size"), page_size);
    return false;
  }
  if (memory < ((uint64_t)64 << 20) || memory > ((uint64_t)16 << 40)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: machine.memory: %" G_GUINT64_FORMAT " bytes is outside the supported 64M .. 16T",
                fsi_config_origin(cfg, "machine", "memory"), memory);
    return false;
  }
  mc->page_size = (uint32_t)page_size;
  mc->total_pages = memory / page_size;
  mc->max_order = (uint32_t)fsi_config_int(cfg, "machine", "max_order");
  mc->pageblock_order = (uint32_t)fsi_config_int(cfg, "machine", "pageblock_order");
  if (mc->pageblock_order > mc->max_order) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: machine.pageblock_order %u exceeds machine.max_order %u",
                fsi_config_origin(cfg, "machine", "pageblock_order"), mc->pageblock_order, mc->max_order);
    return false;
  }
  if (mc->total_pages > UINT32_MAX - ((uint64_t)1 << mc->max_order)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "machine.memory: more than 2^32 pages per node");
    return false;
  }
  uint64_t block = (uint64_t)1 << mc->max_order;
  uint64_t dma = fsi_config_size(cfg, "machine", "dma_limit") / page_size;
  uint64_t dma32 = fsi_config_size(cfg, "machine", "dma32_limit") / page_size;
  dma = MIN(dma / block * block, mc->total_pages);
  dma32 = MAX(MIN(dma32 / block * block, mc->total_pages), dma);
  mc->zone_start[FS_ZONE_DMA] = 0;
  mc->zone_end[FS_ZONE_DMA] = dma;
  mc->zone_start[FS_ZONE_DMA32] = dma;
  mc->zone_end[FS_ZONE_DMA32] = dma32;
  mc->zone_start[FS_ZONE_NORMAL] = dma32;
  mc->zone_end[FS_ZONE_NORMAL] = mc->total_pages;
  mc->zone_start[FS_ZONE_MOVABLE] = mc->total_pages;
  mc->zone_end[FS_ZONE_MOVABLE] = mc->total_pages;
  mc->reserved_low_pages = fsi_config_size(cfg, "machine", "reserved_low") / page_size;
  uint64_t memmap_bytes = mc->total_pages * (uint64_t)fsi_config_int(cfg, "machine", "memmap_bytes_per_page");
  mc->memmap_pages = (memmap_bytes + page_size - 1) / page_size;
  if (mc->reserved_low_pages + mc->memmap_pages >= mc->total_pages / 2) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "machine: reserved_low and the memmap leave less than half of memory");
    return false;
  }
  mc->watermark_scale_factor = (uint32_t)fsi_config_int(cfg, "vm", "watermark_scale_factor");
  mc->min_free_kbytes = fsi_config_int(cfg, "vm", "min_free_kbytes");
  char *ratio = fsi_config_string(cfg, "vm", "lowmem_reserve_ratio");
  char **parts = g_strsplit(ratio, ",", -1);
  bool ok = g_strv_length(parts) == FS_MAX_ZONES;
  for (unsigned i = 0; ok && i < FS_MAX_ZONES; i++) {
    char *end;
    gint64 v = g_ascii_strtoll(g_strstrip(parts[i]), &end, 10);
    if (*end || !*parts[i] || v < 0 || v > 1 << 20) ok = false;
    else mc->lowmem_reserve_ratio[i] = (uint32_t)v;
  }
  if (!ok)
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: vm.lowmem_reserve_ratio: \"%s\" is not four non-negative integers (DMA,DMA32,Normal,Movable)",
                fsi_config_origin(cfg, "vm", "lowmem_reserve_ratio"), ratio);
  g_strfreev(parts);
  g_free(ratio);
  char *wc = fsi_config_string(cfg, "vm", "watermark_check");
  mc->old_watermark_check = !strcmp(wc, "pre-4.4");
  g_free(wc);
  return ok;
}

/* A policy's boot_layout may carve ZONE_MOVABLE or declare CMA areas; the
 * result must still be a partition of memory into ordered zones. */
static bool apply_boot_layout(FsiRun *run, FsiMemConfig *mc, GError **error) {
  FsBootLayout lay = {0};
  lay.total_pages = mc->total_pages;
  memcpy(lay.zone_start, mc->zone_start, sizeof lay.zone_start);
  memcpy(lay.zone_end, mc->zone_end, sizeof lay.zone_end);
  lay.pageblock_order = mc->pageblock_order;
  lay.max_order = mc->max_order;
  lay.page_size = mc->page_size;
  for (uint32_t i = 0; i < run->nslots; i++) {
    const FsPolicyOps *ops = &run->slots[i].policy->ops;
    if (!ops->boot_layout) continue;
    run->current_slot = (int32_t)i;
    ops->boot_layout(run->slots[i].state, &lay);
    run->current_slot = -1;
    uint64_t prev = 0;
    bool ok = lay.nr_cma_areas <= G_N_ELEMENTS(lay.cma_start);
    for (uint32_t z = 0; ok && z < FS_MAX_ZONES; z++) {
      if (lay.zone_start[z] != prev || lay.zone_end[z] < lay.zone_start[z]) ok = false;
      prev = lay.zone_end[z];
    }
    if (!ok || prev != mc->total_pages) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                  "policy \"%s\": hook boot_layout left zones that do not partition pfns 0..%" G_GUINT64_FORMAT
                  " in order (or declared more than 8 CMA areas)",
                  run->slots[i].policy->name, mc->total_pages);
      return false;
    }
  }
  memcpy(mc->zone_start, lay.zone_start, sizeof lay.zone_start);
  memcpy(mc->zone_end, lay.zone_end, sizeof lay.zone_end);
  return true;
}

static void call_simple_hook(FsiRun *run, size_t offset) {
  for (uint32_t i = 0; i < run->nslots; i++) {
    void (*fn)(void *) = *(void (**)(void *))((char *)&run->slots[i].policy->ops + offset);
    if (!fn) continue;
    run->current_slot = (int32_t)i;
    fn(run->slots[i].state);
    run->current_slot = -1;
  }
}

void fsi_run_set_tasks(FsiRun *run, uint32_t n) {
  g_free(run->tasks);
  run->ntasks = n;
  run->tasks = g_new0(FsiTask, n);
  for (uint32_t i = 0; i < n; i++) fsi_rng_seed(&run->tasks[i].rng, run->seed, "task", i);
}

FsiRun *fsi_run_new(FsiConfig *cfg, FsiStack *stack, FsiWorkload *wl, uint64_t seed, GError **error) {
  FsiRun *run = g_new0(FsiRun, 1);
  run->cfg = cfg;
  run->seed = seed;
  run->stack = stack;
  run->workload = *wl;
  run->current_slot = -1;
  run->current_task = FSI_NIL;
  fsi_eventq_init(&run->q);
  fsi_stats_init(&run->stats);
  fsi_rng_seed(&run->engine_rng, seed, "engine", 0);
  run->check = fsi_config_bool(cfg, "sim", "check");
  run->end_ns = fsi_config_duration(cfg, "sim", "duration");
  run->sample_interval_ns = fsi_config_duration(cfg, "sim", "sample_interval");
  if (run->sample_interval_ns == 0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: sim.sample_interval must be greater than zero",
                fsi_config_origin(cfg, "sim", "sample_interval"));
    goto fail;
  }

  bool has_mapping = false;
  run->nslots = stack->n;
  run->slots = g_new0(FsiSlot, stack->n);
  for (uint32_t i = 0; i < stack->n; i++) {
    FsiSlot *s = &run->slots[i];
    s->policy = &stack->v[i];
    if (s->policy->ops.gfp_to_migratetype) has_mapping = true;
    if (s->policy->ops.reclaim_tag) run->has_reclaim_tag = true;
    char *comp = g_strdup_printf("policy:%s", s->policy->name);
    fsi_rng_seed(&s->rng, seed, comp, 0);
    g_free(comp);
  }
  if (!has_mapping) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "stack \"%s\": no policy maps gfp to a migratetype (add nogroup for vanilla, or migratetype)",
                stack->spec);
    goto fail;
  }

  FsiMemConfig mc;
  if (!build_mem_config(run, &mc, error)) goto fail;
  /* Policies are created before boot: boot_layout needs their parameters. */
  for (uint32_t i = 0; i < run->nslots; i++) {
    FsiSlot *s = &run->slots[i];
    FsHost *host = g_new0(FsHost, 1);
    host->run = run;
    host->slot = i;
    s->host = host;
    GError *e = NULL;
    run->current_slot = (int32_t)i;
    s->state = s->policy->ops.create(&fsi_host_api, host, s->policy->values, &e);
    run->current_slot = -1;
    if (e || !s->state) {
      if (e) {
        g_propagate_prefixed_error(error, e, "policy \"%s\": create: ", s->policy->name);
      } else {
        g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "policy \"%s\": create returned NULL without an error",
                    s->policy->name);
      }
      s->state = NULL;
      goto fail;
    }
  }
  if (!apply_boot_layout(run, &mc, error)) goto fail;
  fsi_mem_init(&run->mem, &mc);
  run->ncpus = (uint32_t)fsi_config_int(cfg, "machine", "cpus");
  run->costly_order = (uint32_t)fsi_config_int(cfg, "vm", "costly_order");
  run->compact_result = -1;
  run->cost.alloc_base = (uint64_t)fsi_config_int(cfg, "cost", "alloc_base_ns");
  run->cost.buddy_op = (uint64_t)fsi_config_int(cfg, "cost", "buddy_op_ns");
  run->cost.scan = (uint64_t)fsi_config_int(cfg, "cost", "scan_ns");
  run->cost.reclaim_clean = (uint64_t)fsi_config_int(cfg, "cost", "reclaim_clean_ns");
  run->cost.reclaim_dirty = (uint64_t)fsi_config_int(cfg, "cost", "reclaim_dirty_ns");
  run->cost.reclaim_swap = (uint64_t)fsi_config_int(cfg, "cost", "reclaim_swap_ns");
  run->cost.migrate = (uint64_t)fsi_config_int(cfg, "cost", "migrate_ns");
  run->cost.pageblock_move = (uint64_t)fsi_config_int(cfg, "cost", "pageblock_move_ns");
  run->cost.shrink_object = (uint64_t)fsi_config_int(cfg, "cost", "shrink_object_ns");
  run->cost.throttle = (uint64_t)fsi_config_int(cfg, "cost", "throttle_ns");
  run->cost.oom_kill = (uint64_t)fsi_config_int(cfg, "cost", "oom_kill_ns");
  run->boost_factor = (uint64_t)fsi_config_int(cfg, "vm", "watermark_boost_factor");
  fsi_reclaim_init(run);
  run->mem.alloc_movable = alloc_movable_cb;
  run->mem.alloc_movable_ctx = run;
  call_simple_hook(run, G_STRUCT_OFFSET(FsPolicyOps, boot_pageblocks));
  fsi_mem_boot_free(&run->mem);
  fsi_mem_setup_watermarks(&run->mem);
  if (fsi_config_bool(cfg, "vm", "pcp")) fsi_pcp_init(run);
  call_simple_hook(run, G_STRUCT_OFFSET(FsPolicyOps, boot_done));
  if (run->stop) {
    g_propagate_error(error, run->error);
    run->error = NULL;
    goto fail;
  }
  fsi_run_set_tasks(run, (uint32_t)fsi_config_int(cfg, "machine", "cpus"));
  return run;
fail:
  fsi_run_free(run);
  return NULL;
}

void fsi_run_free(FsiRun *run) {
  if (!run) return;
  for (uint32_t i = 0; i < run->nslots; i++) {
    FsiSlot *s = &run->slots[i];
    if (s->state) s->policy->ops.destroy(s->state);
    g_free(s->host);
  }
  g_free(run->slots);
  if (run->workload.destroy && run->workload.state) run->workload.destroy(run->workload.state);
  if (run->out) fsi_output_abort(run->out);
  fsi_reclaim_destroy(run);
  fsi_pcp_destroy(run);
  fsi_mem_destroy(&run->mem);
  fsi_eventq_clear(&run->q);
  fsi_stats_clear(&run->stats);
  g_free(run->allocs);
  g_free(run->free_ids);
  g_free(run->tasks);
  if (run->error) g_error_free(run->error);
  g_free(run);
}

/* ---- event loop ---------------------------------------------------------------- */

void fsi_run_wake_task(FsiRun *run, uint32_t task, uint64_t at_ns) {
  g_assert(task < run->ntasks);
  fsi_eventq_push(&run->q, MAX(at_ns, run->now_ns), FSI_EV_TASK, task, 0);
}

void fsi_run_free_after(FsiRun *run, FsiHandle h, uint64_t delay_ns) {
  fsi_eventq_push(&run->q, run->now_ns + delay_ns, FSI_EV_FREE, (uint32_t)(h & 0xffffffffu), h >> 32);
}

static void progress(FsiRun *run, gint64 t0, bool final) {
  double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
  double frac = run->end_ns ? (double)run->now_ns / (double)run->end_ns : 1.0;
  fprintf(stderr, "\r%s [%s] %5.1f%%  sim %.1fs  %.2fM events  %.2fM ev/s  ETA %.0fs   %s",
          run->workload.name, run->stack->spec, 100.0 * frac, (double)run->now_ns / 1e9, (double)run->events / 1e6,
          wall > 0 ? (double)run->events / wall / 1e6 : 0.0, frac > 0 ? wall / frac - wall : 0.0, final ? "\n" : "");
  fflush(stderr);
}

static void dispatch(FsiRun *run, const FsiEvent *ev) {
  run->now_ns = ev->time_ns;
  run->events++;
  switch (ev->type) {
  case FSI_EV_END: run->stop = true; break;
  case FSI_EV_TASK: run->workload.task_step(run, run->workload.state, ev->arg); break;
  case FSI_EV_FREE: fsi_run_free_handle(run, ((uint64_t)ev->data << 32) | ev->arg); break;
  case FSI_EV_SLAB_FREE: fsi_slab_free(run, ((uint64_t)ev->data << 32) | ev->arg); break;
  case FSI_EV_KSWAPD:
    run->in_kswapd = true;
    run->charged_ns = 0;
    fsi_kswapd_event(run, ev->data);
    run->in_kswapd = false;
    break;
  case FSI_EV_TIMER: {
    FsiSlot *s = &run->slots[ev->arg];
    if (s->policy->ops.timer) {
      run->current_slot = (int32_t)ev->arg;
      run->charged_ns = 0;
      s->policy->ops.timer(s->state, ev->data);
      run->current_slot = -1;
      /* a timer is a daemon's work (kcompactd): its time is its own */
      run->stats.c[FSI_C_fs_policy_daemon_ns] += run->charged_ns;
    }
    break;
  }
  case FSI_EV_SAMPLE:
    if (run->out) fsi_output_sample(run->out, run);
    fsi_eventq_push(&run->q, run->now_ns + run->sample_interval_ns, FSI_EV_SAMPLE, 0, 0);
    break;
  default: g_assert_not_reached();
  }
  if (run->check && !run->error) {
    GError *e = NULL;
    if (!fsi_check_invariants(run, &e)) {
      g_prefix_error(&e, "invariant violated after event %" G_GUINT64_FORMAT " (type %u) at t=%" G_GUINT64_FORMAT " ns: ",
                     run->events, ev->type, run->now_ns);
      fsi_run_fail(run, e);
    }
  }
}

bool fsi_run_advance(FsiRun *run, uint64_t until_ns) {
  FsiEvent ev;
  while (!run->stop) {
    const FsiEvent *next = fsi_eventq_peek(&run->q);
    if (!next || next->time_ns > until_ns) break;
    fsi_eventq_pop(&run->q, &ev);
    dispatch(run, &ev);
  }
  if (!run->stop && run->now_ns < until_ns) run->now_ns = until_ns;
  return !run->error;
}

bool fsi_run_execute(FsiRun *run, GError **error) {
  bool tty = run->progress && isatty(STDERR_FILENO);
  gint64 t0 = g_get_monotonic_time(), last = t0;
  fsi_eventq_push(&run->q, run->end_ns, FSI_EV_END, 0, 0);
  fsi_eventq_push(&run->q, 0, FSI_EV_SAMPLE, 0, 0);
  if (!run->workload.start(run, run->workload.state, error)) return false;
  if (run->check && !fsi_check_invariants(run, error)) return false;

  FsiEvent ev;
  while (!run->stop && fsi_eventq_pop(&run->q, &ev)) {
    dispatch(run, &ev);
    if (tty && (run->events & 0xffff) == 0) {
      gint64 now = g_get_monotonic_time();
      if (now - last > 500000) {
        progress(run, t0, false);
        last = now;
      }
    }
  }
  if (tty) progress(run, t0, true);
  if (run->error) {
    g_propagate_error(error, run->error);
    run->error = NULL;
    return false;
  }
  return true;
}
