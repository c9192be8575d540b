/* kcompactd: the per-node compaction daemon (4.6+) and proactive
 * compaction (5.9+), as in ~v6.5 mm/compaction.c (reference §8).
 *
 * kswapd wakes it when it goes to sleep (kswapd_done: the order kswapd was
 * woken for, or pageblock order after boosted reclaim; order 0 is ignored),
 * if some zone fails the order's min watermark and passes
 * compaction_suitable() (kcompactd_node_suitable).  The work then runs on a
 * timer of its own, so it happens in the daemon's time, not in kswapd's or
 * an allocating task's: kcompactd_do_work() compacts each zone up to the
 * requested one at MIGRATE_SYNC_LIGHT with skip hints honoured, deferral
 * and back-off as direct compaction has them, and drains the per-CPU lists
 * of a zone where it failed.
 *
 * With proactiveness > 0 it also wakes every 500 ms
 * (HPAGE_FRAG_CHECK_INTERVAL_MSEC) and, if kswapd is not running and the
 * node's fragmentation score (the free pages not in pageblock-order blocks,
 * in percent, zones weighted by present pages) is above
 * min(max(100 - proactiveness, 5) + 10, 100), compacts every zone whole
 * (order -1, skip hints ignored) until its own score is at most
 * max(100 - proactiveness, 5).  A run that does not lower the node score
 * backs off to 500 ms << COMPACT_MAX_DEFER_SHIFT = 32 s.
 *
 * The scanners are policies/common/compact-core.c, compiled into this
 * module too: stacked with `compaction` each keeps its own cached pfns and
 * deferral state (one per zone in the kernel); skip bits are shared through
 * the engine.  Work done in the timer hook is charged with charge_ns like
 * any other, and also counted here (compact_daemon_scan_ns).
 */
#include <fragsim/policy.h>

#include "compact-core.h"

/* HPAGE_FRAG_CHECK_INTERVAL_MSEC */
#define CHECK_INTERVAL_NS (500ull * 1000 * 1000)

enum { PARAM_PROACTIVENESS, PARAM_EXTFRAG_THRESHOLD, PARAM_SCAN_NS, PARAM_NOGROUP_TARGETS, PARAM_FAST_SEARCH, PARAM_SHARED_STATE, PARAM_RESCAN, PARAM_FAST_FIND_REFUSED, PARAM_TRACE, N_PARAMS };

static const FsParamSpec kcompactd_params[] = {
    [PARAM_PROACTIVENESS] = {.name = "proactiveness",
                             .type = FS_PARAM_INT,
                             .default_value = "20",
                             .help = "vm.compaction_proactiveness (5.9+): 0 disables proactive compaction "
                                     "(4.6-5.8 behaviour)",
                             .min = 0,
                             .max = 100},
    [PARAM_EXTFRAG_THRESHOLD] = {.name = "extfrag_threshold",
                                 .type = FS_PARAM_INT,
                                 .default_value = "500",
                                 .help = "vm.extfrag_threshold for kcompactd's compaction_suitable() (keep it "
                                         "equal to compaction.extfrag_threshold)",
                                 .min = 0,
                                 .max = 1000},
    [PARAM_SCAN_NS] = {.name = "scan_ns",
                       .type = FS_PARAM_INT,
                       .default_value = "40",
                       .help = "cost of one pfn looked at by either scanner (daemon time)",
                       .min = 0,
                       .max = 1e9},
    [PARAM_NOGROUP_TARGETS] = {.name = "nogroup_targets",
                               .type = FS_PARAM_BOOL,
                               .default_value = "true",
                               .help = "with grouping by mobility disabled, every block is a migration target "
                                       "(see compaction.nogroup_targets)",
                               .min = 1,
                               .max = 0},
    FSC_PARAM_FAST_SEARCH(PARAM_FAST_SEARCH),
    FSC_PARAM_SHARED_STATE(PARAM_SHARED_STATE),
    FSC_PARAM_RESCAN(PARAM_RESCAN),
    FSC_PARAM_FAST_FIND_REFUSED(PARAM_FAST_FIND_REFUSED),
    FSC_PARAM_TRACE(PARAM_TRACE),
    [N_PARAMS] = {0},
};

enum {
  C_WAKE,
  C_MIGRATE_SCANNED,
  C_FREE_SCANNED,
  C_ISOLATED,
  C_SUCCESS,
  C_DEFERRED,
  C_SCAN_NS,
  C_PROACTIVE_CHECKS,
  C_PROACTIVE_RUNS,
  C_PROACTIVE_BACKOFF,
  C_SCORE,
  N_COUNTERS
};

static const char *const counter_names[N_COUNTERS] = {
    "compact_daemon_wake",      "compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
    "compact_daemon_isolated",  "compact_daemon_success",         "compact_daemon_deferred",
    "compact_daemon_scan_ns",   "proactive_checks",               "proactive_runs",
    "proactive_backoff",        "fragmentation_score",
};
static const char *const counter_help[N_COUNTERS] = {
    "kcompactd_do_work runs (woken by kswapd for an order > 0)",
    "pfns scanned by kcompactd's migration scanner, proactive runs included",
    "pfns scanned by kcompactd's free scanner, proactive runs included",
    "pages isolated by kcompactd's scanners",
    "zones kcompactd compacted to success for the requested order",
    "zones kcompactd skipped because compaction was deferred there",
    "scanner time charged in kcompactd's own time (migration is charged by the engine)",
    "500 ms proactive checks",
    "proactive compactions (node score above the high threshold, kswapd not running)",
    "proactive compactions that did not lower the node score (next check after 32 s)",
    "node fragmentation score at the last proactive check (0..100; a level, not a sum)",
};

enum { COOKIE_WORK = 0, COOKIE_TIMEOUT = 1 };

typedef struct {
  const FsHostApi *api;
  FsHost *host;
  FscCore core;
  uint32_t proactiveness;
  uint32_t max_order;       /* kcompactd_max_order: 0 = no request */
  uint32_t highest_zoneidx; /* kcompactd_highest_zoneidx */
  bool work_pending;        /* woken: the work timer is set */
  bool trigger;             /* pgdat->proactive_compact_trigger: woken by a proactiveness write */
  uint64_t timeout_gen;     /* only the newest timeout timer counts */
  int64_t score;            /* value of the fragmentation_score counter */
  int counter[N_COUNTERS];
} Kcompactd;

static void *kcompactd_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  (void)error;
  Kcompactd *s = g_new0(Kcompactd, 1);
  s->api = api;
  s->host = host;
  s->proactiveness = (uint32_t)values[PARAM_PROACTIVENESS].i;
  fsc_init(&s->core, api, host, (uint64_t)values[PARAM_SCAN_NS].i, (int)values[PARAM_EXTFRAG_THRESHOLD].i,
           values[PARAM_NOGROUP_TARGETS].b);
  fsc_set_search(&s->core, values[PARAM_FAST_SEARCH].b, values[PARAM_SHARED_STATE].b);
  fsc_set_trace(&s->core, values[PARAM_TRACE].b);
  fsc_set_rescan(&s->core, values[PARAM_RESCAN].b);
  fsc_set_fast_find_refused(&s->core, values[PARAM_FAST_FIND_REFUSED].b);
  for (int i = 0; i < N_COUNTERS; i++) s->counter[i] = api->counter_register(host, counter_names[i], counter_help[i]);
  return s;
}

static void kcompactd_destroy(void *state) {
  Kcompactd *s = state;
  fsc_clear(&s->core);
  g_free(s);
}

static void count(Kcompactd *s, int c, int64_t n) {
  if (n) s->api->counter_add(s->host, s->counter[c], n);
}

static void count_scanned(Kcompactd *s, const FscControl *cc) {
  count(s, C_MIGRATE_SCANNED, (int64_t)cc->migrate_scanned);
  count(s, C_FREE_SCANNED, (int64_t)cc->free_scanned);
  count(s, C_ISOLATED, (int64_t)cc->isolated);
  count(s, C_SCAN_NS, (int64_t)((cc->migrate_scanned + cc->free_scanned) * s->core.scan_ns));
}

/* The kthread's sleep with a timeout: a new one supersedes the old, which
 * still fires but is ignored. */
static void schedule_timeout(Kcompactd *s, uint64_t delay_ns) {
  s->timeout_gen++;
  s->api->timer_add(s->host, delay_ns, (s->timeout_gen << 1) | COOKIE_TIMEOUT);
}

static void kcompactd_boot_done(void *state) {
  Kcompactd *s = state;
  fsc_boot_done(&s->core);
  s->highest_zoneidx = s->core.nr_zones - 1;
  /* proactiveness 0: MAX_SCHEDULE_TIMEOUT, only kswapd wakes it */
  if (s->proactiveness) schedule_timeout(s, CHECK_INTERVAL_NS);
}

/* kcompactd_node_suitable(): a zone that fails the order's min watermark
 * but could be compacted. */
static bool node_suitable(Kcompactd *s) {
  for (uint32_t z = 0; z <= s->highest_zoneidx && z < s->core.nr_zones; z++) {
    FsZoneInfo zi;
    if (!s->api->zone_info(s->host, z, &zi) || !zi.populated) continue;
    if (fsc_suit_allocation_order(&s->core, z, s->max_order, s->highest_zoneidx, FS_ALLOC_WMARK_MIN) ==
        FS_COMPACT_CONTINUE)
      return true;
  }
  return false;
}

/* wakeup_kcompactd() from kswapd_try_to_sleep(). */
static void kcompactd_kswapd_done(void *state, uint32_t order, uint32_t highest_zoneidx) {
  Kcompactd *s = state;
  if (!order) return;
  if (s->max_order < order) s->max_order = order;
  if (s->highest_zoneidx > highest_zoneidx) s->highest_zoneidx = highest_zoneidx;
  if (s->work_pending) return; /* already woken: it picks the order up */
  if (!node_suitable(s)) return;
  s->work_pending = true;
  s->api->timer_add(s->host, 0, COOKIE_WORK);
}

/* kcompactd_do_work() */
static void do_work(Kcompactd *s) {
  FscCore *c = &s->core;
  uint32_t order = s->max_order, highest = MIN(s->highest_zoneidx, c->nr_zones - 1);
  count(s, C_WAKE, 1);
  fsc_trace(c, "kcompactd_wake order=%u highest_zoneidx=%u", order, highest);
  for (uint32_t z = 0; z <= highest && order; z++) {
    FsZoneInfo zi;
    if (!s->api->zone_info(s->host, z, &zi) || !zi.populated) continue;
    if (fsc_compaction_deferred(c, z, order)) {
      count(s, C_DEFERRED, 1);
      fsc_trace(c, "deferred who=kcompactd zone=%s order=%u", s->api->zone_name(s->host, z), order);
      continue;
    }
    if (fsc_suit_allocation_order(c, z, order, z, FS_ALLOC_WMARK_MIN) != FS_COMPACT_CONTINUE) continue;
    FscControl cc;
    fsc_control_init(c, &cc, z, (int)order);
    /* GFP_KERNEL: gfp_migratetype() is UNMOVABLE, so success is a block on
     * the UNMOVABLE lists or a claimable one on another type's */
    cc.migratetype = FS_MIGRATE_UNMOVABLE;
    cc.alloc_flags = FS_ALLOC_WMARK_MIN;
    cc.highest_zoneidx = highest;
    cc.mode = FSC_MODE_SYNC_LIGHT;
    FsCompactResult status = fsc_compact_zone(c, &cc);
    count_scanned(s, &cc);
    if (status == FS_COMPACT_SUCCESS) {
      count(s, C_SUCCESS, 1);
      fsc_defer_reset(c, z, order, false);
    } else if (status == FS_COMPACT_PARTIAL_SKIPPED || status == FS_COMPACT_COMPLETE) {
      /* pages sitting on per-CPU lists may be what keeps blocks apart */
      s->api->drain_all_pages(s->host, z);
      fsc_defer_compaction(c, z, order);
    }
  }
  /* a higher order requested meanwhile stays for the next round */
  if (s->max_order <= order) s->max_order = 0;
  if (s->highest_zoneidx >= highest) s->highest_zoneidx = c->nr_zones - 1;
}

/* fragmentation_score_node(): zone scores (extfrag_for_order at the
 * pageblock order, COMPACTION_HPAGE_ORDER) weighted by present pages. */
static uint32_t node_score(Kcompactd *s) {
  uint64_t node_present = 0, score = 0;
  FsZoneInfo zi;
  for (uint32_t z = 0; z < s->core.nr_zones; z++)
    if (s->api->zone_info(s->host, z, &zi) && zi.populated) node_present += zi.present_pages;
  for (uint32_t z = 0; z < s->core.nr_zones; z++) {
    if (!s->api->zone_info(s->host, z, &zi) || !zi.populated) continue;
    score += zi.present_pages * (uint64_t)fsc_extfrag_for_order(&s->core, z, s->core.pageblock_order) /
             (node_present + 1);
  }
  return (uint32_t)score;
}

static uint32_t wmark_low(const Kcompactd *s) { return MAX(100u - s->proactiveness, 5u); }
static uint32_t wmark_high(const Kcompactd *s) { return MIN(wmark_low(s) + 10u, 100u); }

/* proactive_compact_node() */
static void proactive_compact_node(Kcompactd *s) {
  for (uint32_t z = 0; z < s->core.nr_zones; z++) {
    FsZoneInfo zi;
    if (!s->api->zone_info(s->host, z, &zi) || !zi.populated) continue;
    FscControl cc;
    fsc_control_init(&s->core, &cc, z, -1);
    cc.mode = FSC_MODE_SYNC_LIGHT;
    cc.whole_zone = cc.ignore_skip_hint = cc.proactive = true;
    cc.proactive_low = (int)wmark_low(s);
    fsc_compact_zone(&s->core, &cc);
    count_scanned(s, &cc);
  }
}

/* The timeout branch of kcompactd()'s loop: should_proactive_compact_node()
 * and the back-off.  Returns the next timeout. */
static uint64_t proactive_check(Kcompactd *s) {
  count(s, C_PROACTIVE_CHECKS, 1);
  uint32_t score = node_score(s);
  count(s, C_SCORE, (int64_t)score - s->score);
  s->score = score;
  if (s->api->kswapd_running(s->host) || score <= wmark_high(s)) return CHECK_INTERVAL_NS;
  count(s, C_PROACTIVE_RUNS, 1);
  proactive_compact_node(s);
  uint32_t after = node_score(s);
  count(s, C_SCORE, (int64_t)after - s->score);
  s->score = after;
  if (after >= score) {
    count(s, C_PROACTIVE_BACKOFF, 1);
    return CHECK_INTERVAL_NS << FSC_MAX_DEFER_SHIFT;
  }
  return CHECK_INTERVAL_NS;
}

static void kcompactd_timer(void *state, uint64_t cookie) {
  Kcompactd *s = state;
  if ((cookie & 1) == COOKIE_WORK) {
    s->work_pending = false;
    do_work(s);
    /* woken for work: the timeout starts afresh (a back-off is forgotten) */
    if (s->proactiveness) schedule_timeout(s, CHECK_INTERVAL_NS);
    return;
  }
  if ((cookie >> 1) != s->timeout_gen || !s->proactiveness) return;
  schedule_timeout(s, proactive_check(s));
  s->trigger = false;
}

/* A write to vm.compaction_proactiveness (or to another of kcompactd's
 * knobs) while the run goes on.  compaction_proactiveness_sysctl_handler()
 * (5.18+, so 6.1): a non-zero value sets proactive_compact_trigger and wakes
 * kcompactd, which runs the proactive check at once (with the new
 * thresholds) and then sleeps its default 500 ms timeout, forgetting any
 * back-off; writing 0 wakes nobody: the pending timeout finds proactiveness
 * 0 and kcompactd sleeps until kswapd wakes it. */
static bool kcompactd_param_changed(void *state, uint32_t index, const FsParamValue *value) {
  Kcompactd *s = state;
  switch (index) {
  case PARAM_PROACTIVENESS:
    s->proactiveness = (uint32_t)value->i;
    if (s->proactiveness && !s->trigger) {
      s->trigger = true;
      schedule_timeout(s, 0);
    }
    return true;
  case PARAM_EXTFRAG_THRESHOLD: s->core.extfrag_threshold = (int)value->i; return true;
  case PARAM_SCAN_NS: s->core.scan_ns = (uint64_t)value->i; return true;
  default: return false; /* nogroup_targets: a build-time choice of the model */
  }
}

static const FsPolicyOps kcompactd_ops = {
    .abi = FS_ABI_INIT,
    .name = "kcompactd",
    .summary = "kcompactd: background compaction woken by kswapd, and proactive compaction (proactiveness)",
    .params = kcompactd_params,
    .create = kcompactd_create,
    .destroy = kcompactd_destroy,
    .boot_done = kcompactd_boot_done,
    .kswapd_done = kcompactd_kswapd_done,
    .timer = kcompactd_timer,
    .param_changed = kcompactd_param_changed,
};

FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(kcompactd)(void);
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(kcompactd)(void) { return &kcompactd_ops; }
