/* compaction: direct memory compaction (2.6.35+, as in ~v6.5 mm/compaction.c).
 *
 * At the slow path's two compaction stages (FS_STAGE_EARLY_COMPACT, always
 * async, and FS_STAGE_COMPACT at the request's compact_priority) this runs
 * try_to_compact_pages(): for each zone from the request's highest down,
 * unless deferred, compaction_suitable() (order-0 watermark plus
 * compact_gap, then the fragmentation index against extfrag_threshold for
 * costly orders) and compact_zone(), whose migration scanner moves movable
 * pages from the bottom of the zone into free pages the free scanner takes
 * from the top.  Priorities as enum compact_priority: ASYNC (2) uses only
 * same-type source blocks and honours skip hints, SYNC_LIGHT (1) takes any
 * block, SYNC_FULL (0) scans the whole zone ignoring skip hints, block
 * suitability and deferral.  Every stage reports its result with
 * report_compact_result (the engine's should_compact_retry needs it).
 *
 * It also owns two things the kernel does elsewhere: reset_isolation_suitable()
 * when kswapd goes to sleep (kswapd_done), and /proc/sys/vm/compact_memory
 * (the compact_memory hook).  The machinery is policies/common/compact-core.c,
 * shared with kcompactd; the per-zone cached pfns and deferral state are
 * one per zone for both (a host shared area, parameter shared_state), as the
 * kernel keeps them in struct zone, and skip bits live in the engine.
 * docs/policies.md lists the simplifications.
 */

#include <fragsim/policy.h>

#include "compact-core.h"

enum { PARAM_EXTFRAG_THRESHOLD, PARAM_SCAN_NS, PARAM_CAPTURE, PARAM_NOGROUP_TARGETS, PARAM_FAST_SEARCH, PARAM_SHARED_STATE, PARAM_RESCAN, PARAM_FAST_FIND_REFUSED, PARAM_TRACE, PARAM_DRAIN_BLOCK, PARAM_ERA, N_PARAMS };

static const char *const era_choices[] = {"6.1", "2.6.35", NULL};

static const FsParamSpec compaction_params[] = {
    [PARAM_EXTFRAG_THRESHOLD] = {.name = "extfrag_threshold",
                                 .type = FS_PARAM_INT,
                                 .default_value = "500",
                                 .help = "vm.extfrag_threshold: costly orders are not compacted while the "
                                         "fragmentation index is 0..this (failure for lack of memory)",
                                 .min = 0,
                                 .max = 1000},
    [PARAM_SCAN_NS] = {.name = "scan_ns",
                       .type = FS_PARAM_INT,
                       .default_value = "40",
                       .help = "cost of one pfn looked at by either scanner (migration is charged by the engine)",
                       .min = 0,
                       .max = 1e9},
    [PARAM_CAPTURE] = {.name = "capture",
                       .type = FS_PARAM_BOOL,
                       .default_value = "true",
                       .help = "take the block compaction frees for the compacting request (5.1+); "
                               "false: leave it on the free lists for the retry",
                       .min = 1,
                       .max = 0},
    [PARAM_NOGROUP_TARGETS] = {.name = "nogroup_targets",
                               .type = FS_PARAM_BOOL,
                               .default_value = "true",
                               .help = "with grouping by mobility disabled (no MOVABLE pageblocks), every "
                                       "block is a migration target; false: the kernel's MOVABLE/CMA rule",
                               .min = 1,
                               .max = 0},
    FSC_PARAM_FAST_SEARCH(PARAM_FAST_SEARCH),
    FSC_PARAM_SHARED_STATE(PARAM_SHARED_STATE),
    FSC_PARAM_RESCAN(PARAM_RESCAN),
    FSC_PARAM_FAST_FIND_REFUSED(PARAM_FAST_FIND_REFUSED),
    FSC_PARAM_TRACE(PARAM_TRACE),
    [PARAM_DRAIN_BLOCK] = {.name = "drain_block",
                           .type = FS_PARAM_BOOL,
                           .default_value = "true",
                           .help = "compact_zone() drains this CPU's pcp lists when the migration scanner leaves a "
                                   "cc->order-aligned block (3.19+); false: once, after direct compaction (before 3.19)",
                           .min = 1,
                           .max = 0},
    [PARAM_ERA] = {.name = "era",
                   .type = FS_PARAM_ENUM,
                   .default_value = "6.1",
                   .help = "6.1: direct compaction as read in 6.1 (priorities, cached scanner pfns, skip bits, "
                           "deferral after a synchronous run that scanned to the end); 2.6.35 (2.6.35-2.6.37): every "
                           "run synchronous and from the zone's two ends (no cached pfns, no skip bits), the preferred "
                           "zone deferred after any run whose allocation then failed, no lowmem reserve in the room test and "
                           "2.6.35's compact_finished(); pair it with vm.direct_compact=2.6.35",
                   .min = 1,
                   .max = 0,
                   .choices = era_choices},
    [N_PARAMS] = {0},
};

enum {
  C_STALL,
  C_SUCCESS,
  C_FAIL,
  C_MIGRATE_SCANNED,
  C_FREE_SCANNED,
  C_ISOLATED,
  C_CAPTURED,
  C_DEFERRED,
  C_SKIPPED,
  C_FRAGINDEX,
  C_MANUAL,
  N_COUNTERS
};

static const char *const counter_names[N_COUNTERS] = {
    "compact_stall",           "compact_success", "compact_fail",      "compact_migrate_scanned",
    "compact_free_scanned",    "compact_isolated", "compact_captured", "compact_deferred",
    "compact_skipped",         "compact_fragindex_skipped", "compact_manual",
};
static const char *const counter_help[N_COUNTERS] = {
    "direct compactions that ran in at least one zone (result other than SKIPPED)",
    "direct compactions after which the allocation succeeded (captured, or the zone passes its watermark)",
    "direct compactions after which the allocation still could not be served",
    "pfns scanned by the migration scanner (direct and manual compaction)",
    "pfns scanned by the free scanner (direct and manual compaction)",
    "pages isolated by both scanners",
    "requests handed the block a compaction free merged to their order (compaction_capture)",
    "zones skipped because compaction was deferred there",
    "direct compactions skipped in every zone (compaction_suitable failed: reclaim first)",
    "zones refused by the fragmentation index (failure for lack of memory, extfrag_threshold)",
    "compact_memory requests (echo 1 > /proc/sys/vm/compact_memory)",
};

typedef struct {
  const FsHostApi *api;
  FsHost *host;
  bool capture;
  FscCore core;
  int counter[N_COUNTERS];
} Compaction;

static void *compaction_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  (void)error;
  Compaction *s = g_new0(Compaction, 1);
  s->api = api;
  s->host = host;
  s->capture = values[PARAM_CAPTURE].b;
  fsc_init(&s->core, api, host, (uint64_t)values[PARAM_SCAN_NS].i, (int)values[PARAM_EXTFRAG_THRESHOLD].i,
           values[PARAM_NOGROUP_TARGETS].b);
  fsc_set_search(&s->core, values[PARAM_FAST_SEARCH].b, values[PARAM_SHARED_STATE].b);
  fsc_set_trace(&s->core, values[PARAM_TRACE].b);
  fsc_set_rescan(&s->core, values[PARAM_RESCAN].b);
  fsc_set_fast_find_refused(&s->core, values[PARAM_FAST_FIND_REFUSED].b);
  s->core.drain_block = values[PARAM_DRAIN_BLOCK].b;
  s->core.v2635 = values[PARAM_ERA].i == 1;
  for (int i = 0; i < N_COUNTERS; i++) s->counter[i] = api->counter_register(host, counter_names[i], counter_help[i]);
  return s;
}

static void compaction_destroy(void *state) {
  Compaction *s = state;
  fsc_clear(&s->core);
  g_free(s);
}

static void compaction_boot_done(void *state) { fsc_boot_done(&((Compaction *)state)->core); }

static void count(Compaction *s, int c, uint64_t n) {
  if (n) s->api->counter_add(s->host, s->counter[c], (int64_t)n);
}

#define HOST_HAS_DRAIN(s)                                                                                         \
  ((s)->api->size >= offsetof(FsHostApi, drain_local_pages) + sizeof(((FsHostApi *)0)->drain_local_pages))

static void count_scanned(Compaction *s, const FscControl *cc) {
  count(s, C_MIGRATE_SCANNED, cc->migrate_scanned);
  count(s, C_FREE_SCANNED, cc->free_scanned);
  count(s, C_ISOLATED, cc->isolated);
}

/* The first zone at or below highest_zoneidx from which the allocator's
 * retry would succeed (its watermark check passes at the order): how
 * compact_success / compact_fail are told apart when compaction did not
 * capture.  Returns the zone or -1. */
static int zone_would_serve(Compaction *s, const FsAllocRequest *req) {
  FsZoneInfo zi;
  for (int z = (int)MIN(req->highest_zoneidx, s->core.nr_zones - 1); z >= 0; z--) {
    if (!s->api->zone_info(s->host, (uint32_t)z, &zi) || !zi.populated) continue;
    if (s->api->zone_watermark_ok(s->host, (uint32_t)z, req->order, fsc_wmark(&zi, req->alloc_flags),
                                  req->highest_zoneidx, req->alloc_flags))
      return z;
  }
  return -1;
}

/* What __alloc_pages_direct_compact() counted after a run: nothing (every
 * zone skipped), compact_success or compact_fail. */
typedef enum { DIRECT_COUNTED_NONE, DIRECT_COUNTED_SUCCESS, DIRECT_COUNTED_FAIL } DirectCounted;

static FsStageResult direct_outcome(Compaction *s, const FsAllocRequest *req, FsCompactResult rc, bool all_skipped,
                                    uint64_t migrated, uint64_t captured, int captured_zone, int reset_zone,
                                    uint64_t *ret_pfn, DirectCounted *ret_counted);

/* compact_zone_order(): one zone for a direct compaction, with the
 * request's type, flags and zone index; whole: from the zone's ends, skip
 * bits ignored; any_block: every block a migration target (SYNC_FULL). */
static FsCompactResult compact_zone_order(Compaction *s, const FsAllocRequest *req, uint32_t zone, FscMode mode,
                                          bool whole, bool any_block, FscControl *cc) {
  fsc_control_init(&s->core, cc, zone, (int)req->order);
  cc->migratetype = req->migratetype;
  cc->alloc_flags = req->alloc_flags;
  cc->highest_zoneidx = req->highest_zoneidx;
  cc->mode = mode;
  cc->direct = true;
  cc->capture = s->capture && !s->core.v2635; /* capture came in 5.1 */
  cc->whole_zone = cc->ignore_skip_hint = whole;
  cc->ignore_block_suitable = any_block;
  FsCompactResult status = fsc_compact_zone(&s->core, cc);
  count_scanned(s, cc);
  if (cc->suitable_by_fragindex_failed) count(s, C_FRAGINDEX, 1);
  return status;
}

/* The trace line of one try_to_compact_pages(). */
static void trace_direct(Compaction *s, const FsAllocRequest *req, const char *prio, FsStage stage,
                         FsCompactResult rc, DirectCounted counted, FsStageResult out, uint64_t migrated) {
  static const char *const outcomes[] = {[FS_STAGE_NOTHING] = "fail", [FS_STAGE_PROGRESS] = "progress",
                                         [FS_STAGE_SKIPPED] = "skipped", [FS_STAGE_CAPTURED] = "captured"};
  static const char *const counteds[] = {[DIRECT_COUNTED_NONE] = "none", [DIRECT_COUNTED_SUCCESS] = "success",
                                         [DIRECT_COUNTED_FAIL] = "fail"};
  fsc_trace(&s->core,
            "try_to_compact_pages order=%u prio=%s stage=%s result=%s counted=%s outcome=%s migrated=%" G_GUINT64_FORMAT,
            req->order, prio, stage == FS_STAGE_EARLY_COMPACT ? "early" : "compact", fsc_status_name(rc),
            counteds[counted], out < G_N_ELEMENTS(outcomes) && outcomes[out] ? outcomes[out] : "?", migrated);
}

/* try_to_compact_pages() and __alloc_pages_direct_compact(). */
static FsStageResult direct_compact(Compaction *s, FsStage stage, const FsAllocRequest *req, uint64_t *ret_pfn) {
  FscCore *c = &s->core;
  /* may_perform_io: compaction needs __GFP_IO (GFP_NOIO callers skip it) */
  if (!(req->gfp & FS_GFP_IO)) {
    s->api->report_compact_result(s->host, FS_COMPACT_SKIPPED);
    return FS_STAGE_SKIPPED;
  }
  int prio = CLAMP(req->compact_priority, FSC_PRIO_SYNC_FULL, FSC_PRIO_ASYNC);
  FsCompactResult rc = FS_COMPACT_SKIPPED;
  uint64_t migrated = 0;
  uint64_t captured = FS_PFN_NONE;
  int captured_zone = -1;
  bool all_skipped = true;
  for (int z = (int)MIN(req->highest_zoneidx, c->nr_zones - 1); z >= 0; z--) {
    FsZoneInfo zi;
    if (!s->api->zone_info(s->host, (uint32_t)z, &zi) || !zi.populated) continue;
    if (prio > FSC_PRIO_SYNC_FULL && fsc_compaction_deferred(c, (uint32_t)z, req->order)) {
      count(s, C_DEFERRED, 1);
      fsc_trace(c, "deferred who=direct zone=%s order=%u", s->api->zone_name(s->host, (uint32_t)z), req->order);
      rc = MAX(rc, FS_COMPACT_DEFERRED);
      continue;
    }
    FscControl cc;
    bool full = prio == FSC_PRIO_SYNC_FULL;
    FsCompactResult status = compact_zone_order(s, req, (uint32_t)z,
                                                prio == FSC_PRIO_ASYNC ? FSC_MODE_ASYNC : FSC_MODE_SYNC_LIGHT, full,
                                                full, &cc);
    migrated += cc.migrated;
    if (status != FS_COMPACT_SKIPPED) all_skipped = false;
    rc = MAX(rc, status);
    if (status == FS_COMPACT_SUCCESS) {
      fsc_defer_reset(c, (uint32_t)z, req->order, false);
      if (cc.captured_pfn != FS_PFN_NONE) {
        captured = cc.captured_pfn;
        captured_zone = z;
      }
      break;
    }
    /* a synchronous attempt that scanned to the end without success: back off */
    if (prio != FSC_PRIO_ASYNC && (status == FS_COMPACT_COMPLETE || status == FS_COMPACT_PARTIAL_SKIPPED))
      fsc_defer_compaction(c, (uint32_t)z, req->order);
  }
  s->api->report_compact_result(s->host, rc);
  DirectCounted counted = DIRECT_COUNTED_NONE;
  FsStageResult out =
      direct_outcome(s, req, rc, all_skipped, migrated, captured, captured_zone, -1, ret_pfn, &counted);
  if (c->trace) trace_direct(s, req, fsc_prio_name(prio), stage, rc, counted, out, migrated);
  return out;
}

/* The rest of __alloc_pages_direct_compact(): compact_success or
 * compact_fail, and what the slow path is told.  A success resets the
 * deferral of reset_zone (2.6.35: the preferred zone), or with -1 of the
 * zone that captured or will serve (6.1). */
static FsStageResult direct_outcome(Compaction *s, const FsAllocRequest *req, FsCompactResult rc, bool all_skipped,
                                    uint64_t migrated, uint64_t captured, int captured_zone, int reset_zone,
                                    uint64_t *ret_pfn, DirectCounted *ret_counted) {
  FscCore *c = &s->core;
  if (rc == FS_COMPACT_SKIPPED) {
    if (all_skipped) count(s, C_SKIPPED, 1);
    return FS_STAGE_SKIPPED;
  }
  count(s, C_STALL, 1);
  *ret_counted = DIRECT_COUNTED_SUCCESS;
  /* before 3.19 __alloc_pages_direct_compact() drained this CPU's lists
   * once, after compaction ("page migration frees to the PCP lists but we
   * want merging") */
  if (!c->drain_block && HOST_HAS_DRAIN(s))
    for (uint32_t z = 0; z < c->nr_zones; z++) s->api->drain_local_pages(s->host, z);
  if (captured != FS_PFN_NONE) {
    count(s, C_SUCCESS, 1);
    count(s, C_CAPTURED, 1);
    c->zone[captured_zone].blockskip_flush = false;
    fsc_defer_reset(c, (uint32_t)(reset_zone >= 0 ? reset_zone : captured_zone), req->order, true);
    *ret_pfn = captured;
    return FS_STAGE_CAPTURED;
  }
  /* No capture: the engine retries the free lists after PROGRESS.  Whether
   * that will succeed is what its watermark check says now. */
  int z = zone_would_serve(s, req);
  if (z >= 0) {
    count(s, C_SUCCESS, 1);
    c->zone[z].blockskip_flush = false;
    fsc_defer_reset(c, (uint32_t)(reset_zone >= 0 ? reset_zone : z), req->order, true);
    return FS_STAGE_PROGRESS;
  }
  count(s, C_FAIL, 1);
  *ret_counted = DIRECT_COUNTED_FAIL;
  if (rc == FS_COMPACT_DEFERRED && !migrated) return FS_STAGE_SKIPPED;
  return migrated ? FS_STAGE_PROGRESS : FS_STAGE_NOTHING;
}

/* 2.6.35's __alloc_pages_direct_compact() and try_to_compact_pages():
 * nothing while the preferred zone (the first of the zonelist) is deferred;
 * then nothing for the "cheaper" orders (up to PAGE_ALLOC_COSTLY_ORDER: the
 * page allocator was assumed to serve them without compaction; 2.6.37 let
 * every order compact) or without __GFP_FS and __GFP_IO; past those tests
 * every call is a COMPACTSTALL, even one that every zone skips.  Then, zone
 * by zone from the highest, a synchronous compact_zone() from the zone's two
 * ends (skip bits did not exist), until a zone passes its low watermark plus
 * 1 << order at the order.  If the allocation that follows fails, the
 * preferred zone is deferred, whatever the scanners reported (3.18+ defers
 * only a run that scanned the whole zone); if it succeeds, its deferral is
 * reset. */
static FsStageResult direct_compact_2635(Compaction *s, FsStage stage, const FsAllocRequest *req,
                                         uint64_t *ret_pfn) {
  FscCore *c = &s->core;
  int preferred = -1;
  for (int z = (int)MIN(req->highest_zoneidx, c->nr_zones - 1); z >= 0 && preferred < 0; z--) {
    FsZoneInfo zi;
    if (s->api->zone_info(s->host, (uint32_t)z, &zi) && zi.populated) preferred = z;
  }
  if (preferred < 0) {
    s->api->report_compact_result(s->host, FS_COMPACT_SKIPPED);
    return FS_STAGE_SKIPPED;
  }
  if (fsc_compaction_deferred(c, (uint32_t)preferred, req->order)) {
    count(s, C_DEFERRED, 1);
    fsc_trace(c, "deferred who=direct zone=%s order=%u", s->api->zone_name(s->host, (uint32_t)preferred), req->order);
    s->api->report_compact_result(s->host, FS_COMPACT_DEFERRED);
    return FS_STAGE_SKIPPED;
  }
  if (req->order <= FSC_COSTLY_ORDER || (req->gfp & (FS_GFP_FS | FS_GFP_IO)) != (FS_GFP_FS | FS_GFP_IO)) {
    s->api->report_compact_result(s->host, FS_COMPACT_SKIPPED);
    return FS_STAGE_SKIPPED;
  }
  FsCompactResult rc = FS_COMPACT_SKIPPED;
  uint64_t migrated = 0;
  bool all_skipped = true;
  for (int z = preferred; z >= 0; z--) {
    FsZoneInfo zi;
    if (!s->api->zone_info(s->host, (uint32_t)z, &zi) || !zi.populated) continue;
    FscControl cc;
    FsCompactResult status = compact_zone_order(s, req, (uint32_t)z, FSC_MODE_SYNC, true, false, &cc);
    migrated += cc.migrated;
    if (status != FS_COMPACT_SKIPPED) all_skipped = false;
    rc = MAX(rc, status);
    if (status == FS_COMPACT_SUCCESS) break;
  }
  /* counted before the zones were tried: direct_outcome() counts no stall
   * when every zone skipped */
  if (rc == FS_COMPACT_SKIPPED) count(s, C_STALL, 1);
  s->api->report_compact_result(s->host, rc);
  DirectCounted counted = DIRECT_COUNTED_NONE;
  FsStageResult out =
      direct_outcome(s, req, rc, all_skipped, migrated, FS_PFN_NONE, -1, preferred, ret_pfn, &counted);
  if (counted == DIRECT_COUNTED_FAIL) fsc_defer_compaction(c, (uint32_t)preferred, req->order);
  if (c->trace) trace_direct(s, req, "sync", stage, rc, counted, out, migrated);
  return out;
}

static FsStageResult compaction_slowpath_stage(void *state, FsStage stage, const FsAllocRequest *req,
                                               uint64_t *ret_pfn) {
  if (stage != FS_STAGE_EARLY_COMPACT && stage != FS_STAGE_COMPACT) return FS_STAGE_NOTHING;
  /* __alloc_pages_direct_compact(): nothing to do for order 0 */
  if (!req->order) return FS_STAGE_NOTHING;
  if (((Compaction *)state)->core.v2635) return direct_compact_2635(state, stage, req, ret_pfn);
  return direct_compact(state, stage, req, ret_pfn);
}

/* compaction_suitable(zone, order, 0, highest_zoneidx) for reclaim: the
 * min watermark at the order first (the allocation would already succeed),
 * then the order-0 room and the fragmentation index. */
static int compaction_compaction_suitable(void *state, uint32_t zone, uint32_t order, uint32_t highest_zoneidx) {
  Compaction *s = state;
  FsZoneInfo zi;
  if (!s->api->zone_info(s->host, zone, &zi) || !zi.populated) return FS_COMPACT_SKIPPED;
  if (s->api->zone_watermark_ok(s->host, zone, order, zi.wmark_min, highest_zoneidx, 0)) return FS_COMPACT_SUCCESS;
  return fsc_compaction_suitable(&s->core, zone, order, highest_zoneidx, NULL) ? FS_COMPACT_CONTINUE
                                                                                : FS_COMPACT_SKIPPED;
}

/* kswapd_try_to_sleep() -> reset_isolation_suitable(): once kswapd has
 * balanced the node, the skip bits of zones where a direct compaction
 * scanned to the end are cleared. */
static void compaction_kswapd_done(void *state, uint32_t order, uint32_t highest_zoneidx) {
  (void)order;
  (void)highest_zoneidx;
  fsc_reset_isolation_suitable(&((Compaction *)state)->core);
}

/* compact_node() for every zone: order -1, MIGRATE_SYNC, the whole zone,
 * skip hints ignored; runs until the scanners meet. */
static void compaction_compact_memory(void *state) {
  Compaction *s = state;
  count(s, C_MANUAL, 1);
  for (uint32_t z = 0; z < s->core.nr_zones; z++) {
    FsZoneInfo zi;
    if (!s->api->zone_info(s->host, z, &zi) || !zi.populated) continue;
    FscControl cc;
    fsc_control_init(&s->core, &cc, z, -1);
    cc.mode = FSC_MODE_SYNC;
    cc.whole_zone = cc.ignore_skip_hint = true;
    fsc_compact_zone(&s->core, &cc);
    count_scanned(s, &cc);
  }
}

static const FsPolicyOps compaction_ops = {
    .abi = FS_ABI_INIT,
    .name = "compaction",
    .summary = "direct memory compaction: migration and free scanners, priorities, deferral, skip bits, capture",
    .params = compaction_params,
    .create = compaction_create,
    .destroy = compaction_destroy,
    .boot_done = compaction_boot_done,
    .slowpath_stage = compaction_slowpath_stage,
    .compaction_suitable = compaction_compaction_suitable,
    .kswapd_done = compaction_kswapd_done,
    .compact_memory = compaction_compact_memory,
};

FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(compaction)(void);
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(compaction)(void) { return &compaction_ops; }
