/* kcompactd: the per-node compaction daemon (4.6+) and proactive
 * compaction (5.9+), as in 6.1's mm/compaction.c (reference §8).
 *
 * Wake-ups (wakeup_kcompactd()): kswapd going to sleep (kswapd_done: the
 * order kswapd was woken for, or pageblock order after boosted reclaim), and
 * wakeup_kswapd() for a caller without __GFP_DIRECT_RECLAIM that found the
 * node balanced or hopeless (the wakeup_kcompactd hook, 4.16+; alloc_wake).
 * Order 0 is ignored; the request is recorded, and the daemon woken only if
 * it sleeps and some zone fails the order's min watermark and passes
 * compaction_suitable() (kcompactd_node_suitable).  A request recorded while
 * it works is run when the work ends, as kcompactd_work_requested() makes
 * the kthread's loop do.
 *
 * The work, kcompactd_do_work(), compacts each zone up to the requested one
 * at MIGRATE_SYNC_LIGHT with skip hints honoured, deferral and back-off as
 * direct compaction has them, and drains the per-CPU lists of a zone where it
 * failed.  It takes the daemon's time (timed): one compact_zone() round per
 * timer step (an isolate_migratepages() block of at most COMPACT_CLUSTER_MAX
 * pages and its migrate_pages() batch), the next step set after what the
 * round charged (scanning, migration), so allocations, kswapd and direct
 * compaction run between the rounds as they do beside the kthread.  The
 * isolated free pages and the scanner positions stay with it between rounds.
 * timed=false runs the whole work at one instant (the old model).
 *
 * With proactiveness > 0 it also wakes every 500 ms
 * (HPAGE_FRAG_CHECK_INTERVAL_MSEC) and, if kswapd is not running and the
 * node's fragmentation score (the free pages not in pageblock-order blocks,
 * in percent, zones weighted by present pages) is above
 * min(max(100 - proactiveness, 5) + 10, 100), compacts every zone whole
 * (order -1, skip hints ignored) until its own score is at most
 * max(100 - proactiveness, 5), in timed rounds too.  A run that does not
 * lower the node score backs off to 500 ms << COMPACT_MAX_DEFER_SHIFT = 32 s.
 * The first timeout fires first_check_ns after the run starts: a machine's
 * kthread has been waking every 500 ms since boot, so where its timer stands
 * when a workload begins is arbitrary (the kernel harness sets it from the
 * guest's trace).  The kernel's timeouts land on the timer wheel's 32 ms
 * granularity (125 jiffies at HZ=250) and run late by the scheduling delay;
 * fragsim's are exactly 500 ms.
 * Writing a non-zero proactiveness wakes it for a check at once
 * (compaction_proactiveness_sysctl_handler; sysctl_wake).
 *
 * The scanners are policies/common/compact-core.c, compiled into this
 * module too; the per-zone state (cached pfns, deferral) is shared with
 * `compaction` through the host (shared_state), skip bits live in the
 * engine.  Work done in the timer hook is charged with charge_ns like any
 * other (daemon time), and the scanning is also counted here
 * (compact_daemon_scan_ns).
 */
#include <fragsim/policy.h>

#include "compact-core.h"

/* HPAGE_FRAG_CHECK_INTERVAL_MSEC */
#define CHECK_INTERVAL_NS (500ull * 1000 * 1000)

enum {
  PARAM_PROACTIVENESS,
  PARAM_EXTFRAG_THRESHOLD,
  PARAM_SCAN_NS,
  PARAM_NOGROUP_TARGETS,
  PARAM_FAST_SEARCH,
  PARAM_SHARED_STATE,
  PARAM_RESCAN,
  PARAM_FAST_FIND_REFUSED,
  PARAM_TRACE,
  PARAM_TIMED,
  PARAM_ALLOC_WAKE,
  PARAM_SYSCTL_WAKE,
  PARAM_RECHECK,
  PARAM_FIRST_CHECK,
  N_PARAMS
};

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
    [PARAM_TIMED] = {.name = "timed",
                     .type = FS_PARAM_BOOL,
                     .default_value = "true",
                     .help = "the daemon's work takes simulated time: one compact_zone() round (an "
                             "isolate_migratepages() block and its migrate_pages() batch) per step, the next step "
                             "after the round's cost; false: the whole work at one instant (the old model)",
                     .min = 1,
                     .max = 0},
    [PARAM_ALLOC_WAKE] = {.name = "alloc_wake",
                          .type = FS_PARAM_BOOL,
                          .default_value = "true",
                          .help = "wakeup_kswapd() wakes kcompactd for a caller that cannot reclaim directly when "
                                  "the node is balanced or hopeless (4.16+); false: only kswapd wakes it",
                          .min = 1,
                          .max = 0},
    [PARAM_SYSCTL_WAKE] = {.name = "sysctl_wake",
                           .type = FS_PARAM_BOOL,
                           .default_value = "true",
                           .help = "a non-zero write of proactiveness wakes kcompactd for a proactive check at "
                                   "once (5.15+ compaction_proactiveness_sysctl_handler); false: the next "
                                   "500 ms timeout sees it",
                           .min = 1,
                           .max = 0},
    [PARAM_RECHECK] = {.name = "recheck",
                       .type = FS_PARAM_BOOL,
                       .default_value = "true",
                       .help = "the kthread's wait re-tests kcompactd_work_requested() after its work and when it "
                               "times out, so an order recorded meanwhile (or while the node was not suitable) is "
                               "worked on then; false: only a wake-up starts the work (the old model)",
                       .min = 1,
                       .max = 0},
    [PARAM_FIRST_CHECK] = {.name = "first_check_ns",
                           .type = FS_PARAM_INT,
                           .default_value = "500000000",
                           .help = "when the 500 ms proactive timer first fires, from the start of the run: where "
                                   "the kthread's periodic wait stands relative to the workload (in a real machine "
                                   "set by how long boot took; the kernel harness reads it from the guest's trace)",
                           .min = 1,
                           .max = 1000000000},
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
  C_ALLOC_WAKE,
  C_STEPS,
  N_COUNTERS
};

static const char *const counter_names[N_COUNTERS] = {
    "compact_daemon_wake",      "compact_daemon_migrate_scanned", "compact_daemon_free_scanned",
    "compact_daemon_isolated",  "compact_daemon_success",         "compact_daemon_deferred",
    "compact_daemon_scan_ns",   "proactive_checks",               "proactive_runs",
    "proactive_backoff",        "fragmentation_score",            "compact_daemon_alloc_wake",
    "compact_daemon_steps",
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
    "wake-ups from wakeup_kswapd() for a caller without direct reclaim (node balanced or hopeless)",
    "compact_zone() rounds run as steps of their own in the daemon's time (timed)",
};

enum { COOKIE_WORK = 0, COOKIE_TIMEOUT = 1, COOKIE_STEP = 2 };

/* What the kthread is doing: asleep, kcompactd_do_work(), or
 * proactive_compact_node(). */
typedef enum { JOB_NONE = 0, JOB_WORK, JOB_PROACTIVE } Job;

typedef struct {
  const FsHostApi *api;
  FsHost *host;
  FscCore core;
  uint32_t proactiveness;
  bool timed;               /* parameter: the work takes time, in compact_zone() rounds */
  bool alloc_wake;          /* parameter: wakeup_kswapd() wakes it for non-direct-reclaim callers (4.16+) */
  uint64_t first_check_ns;  /* parameter: the first proactive timeout's delay from boot */
  bool sysctl_wake;         /* parameter: writing proactiveness wakes it (compaction_proactiveness_sysctl_handler) */
  bool recheck;             /* parameter: the wait re-tests kcompactd_work_requested() */
  uint32_t max_order;       /* kcompactd_max_order: 0 = no request */
  uint32_t highest_zoneidx; /* kcompactd_highest_zoneidx */
  bool work_pending;        /* woken: the work timer is set */
  bool trigger;             /* pgdat->proactive_compact_trigger: woken by a proactiveness write */
  uint64_t timeout_gen;     /* only the newest timeout timer counts */
  int64_t score;            /* value of the fragmentation_score counter */
  /* the job in progress (timed: across timer steps) */
  Job job;
  uint32_t job_order, job_highest; /* cc.order and cc.highest_zoneidx of kcompactd_do_work() */
  uint32_t zone;                   /* the zone being compacted, or the next one to look at */
  bool in_zone;                    /* cc holds a compact_zone() between begin and end */
  uint32_t prev_score;             /* node score before the proactive run */
  FscControl cc;
  int counter[N_COUNTERS];
} Kcompactd;

static void *kcompactd_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  (void)error;
  Kcompactd *s = g_new0(Kcompactd, 1);
  s->api = api;
  s->host = host;
  s->proactiveness = (uint32_t)values[PARAM_PROACTIVENESS].i;
  /* a host before ABI 1.7 cannot tell a step's cost: the work stays instant */
  s->timed = values[PARAM_TIMED].b && api->size >= offsetof(FsHostApi, charged_ns) + sizeof api->charged_ns;
  s->alloc_wake = values[PARAM_ALLOC_WAKE].b;
  s->sysctl_wake = values[PARAM_SYSCTL_WAKE].b;
  s->recheck = values[PARAM_RECHECK].b;
  s->first_check_ns = (uint64_t)values[PARAM_FIRST_CHECK].i;
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
  s->api->timer_add(s->host, delay_ns, (s->timeout_gen << 2) | COOKIE_TIMEOUT);
}

static void kcompactd_boot_done(void *state) {
  Kcompactd *s = state;
  fsc_boot_done(&s->core);
  s->highest_zoneidx = s->core.nr_zones - 1;
  /* proactiveness 0: MAX_SCHEDULE_TIMEOUT, only kswapd wakes it */
  if (s->proactiveness) schedule_timeout(s, s->first_check_ns);
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

/* wakeup_kcompactd(): the request is recorded whatever happens; the daemon
 * is woken only if it sleeps (not working, not already woken) and the node
 * is suitable.  A request made while it works is picked up when the work
 * ends (kcompactd_work_requested()).  Returns whether it woke it. */
static bool wakeup_kcompactd(Kcompactd *s, uint32_t order, uint32_t highest_zoneidx) {
  if (!order) return false;
  if (s->max_order < order) s->max_order = order;
  if (s->highest_zoneidx > highest_zoneidx) s->highest_zoneidx = highest_zoneidx;
  if (s->work_pending || s->job != JOB_NONE) return false;
  if (!node_suitable(s)) return false;
  s->work_pending = true;
  s->api->timer_add(s->host, 0, COOKIE_WORK);
  return true;
}

/* from kswapd_try_to_sleep() (and the end of boosted balance_pgdat()) */
static void kcompactd_kswapd_done(void *state, uint32_t order, uint32_t highest_zoneidx) {
  wakeup_kcompactd(state, order, highest_zoneidx);
}

/* from wakeup_kswapd(): a caller without direct reclaim found the node
 * balanced (or hopeless), so kcompactd rather than kswapd (4.16+) */
static void kcompactd_wakeup_hook(void *state, uint32_t order, uint32_t highest_zoneidx) {
  Kcompactd *s = state;
  if (!s->alloc_wake) return;
  if (wakeup_kcompactd(s, order, highest_zoneidx)) count(s, C_ALLOC_WAKE, 1);
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

/* ---- the work, zone by zone and round by round ---------------------------- */

/* kcompactd_do_work()'s verdict on one zone's compact_zone(). */
static void work_zone_done(Kcompactd *s, FsCompactResult status) {
  FscCore *c = &s->core;
  count_scanned(s, &s->cc);
  if (status == FS_COMPACT_SUCCESS) {
    count(s, C_SUCCESS, 1);
    fsc_defer_reset(c, s->zone, s->job_order, false);
  } else if (status == FS_COMPACT_PARTIAL_SKIPPED || status == FS_COMPACT_COMPLETE) {
    /* pages sitting on per-CPU lists may be what keeps blocks apart */
    s->api->drain_all_pages(s->host, s->zone);
    fsc_defer_compaction(c, s->zone, s->job_order);
  }
}

static void zone_done(Kcompactd *s, FsCompactResult status) {
  if (s->job == JOB_WORK) work_zone_done(s, status);
  else count_scanned(s, &s->cc);
}

/* The next zone to compact: sets up cc and begins compact_zone() on it.
 * Zones whose compaction ends at once are finished here.  False: none left. */
static bool next_zone(Kcompactd *s) {
  FscCore *c = &s->core;
  for (; s->job == JOB_WORK ? s->zone <= s->job_highest && s->job_order : s->zone < c->nr_zones; s->zone++) {
    FsZoneInfo zi;
    uint32_t z = s->zone;
    if (!s->api->zone_info(s->host, z, &zi) || !zi.populated) continue;
    FscControl *cc = &s->cc;
    if (s->job == JOB_WORK) {
      if (fsc_compaction_deferred(c, z, s->job_order)) {
        count(s, C_DEFERRED, 1);
        fsc_trace(c, "deferred who=kcompactd zone=%s order=%u", s->api->zone_name(s->host, z), s->job_order);
        continue;
      }
      if (fsc_suit_allocation_order(c, z, s->job_order, z, FS_ALLOC_WMARK_MIN) != FS_COMPACT_CONTINUE) continue;
      fsc_control_init(c, cc, z, (int)s->job_order);
      /* GFP_KERNEL: gfp_migratetype() is UNMOVABLE, so success is a block on
       * the UNMOVABLE lists or a claimable one on another type's */
      cc->migratetype = FS_MIGRATE_UNMOVABLE;
      cc->alloc_flags = FS_ALLOC_WMARK_MIN;
      cc->highest_zoneidx = s->job_highest;
      cc->mode = FSC_MODE_SYNC_LIGHT;
    } else {
      /* proactive_compact_node() */
      fsc_control_init(c, cc, z, -1);
      cc->mode = FSC_MODE_SYNC_LIGHT;
      cc->whole_zone = cc->ignore_skip_hint = cc->proactive = true;
      cc->proactive_low = (int)wmark_low(s);
    }
    FsCompactResult r = fsc_compact_zone_begin(c, cc);
    if (r == FS_COMPACT_CONTINUE) {
      s->in_zone = true;
      return true;
    }
    zone_done(s, r);
  }
  return false;
}

static void after_job(Kcompactd *s, uint64_t timeout);

/* The end of kcompactd_do_work() or of a proactive run. */
static void finish_job(Kcompactd *s) {
  Job job = s->job;
  s->job = JOB_NONE;
  if (job == JOB_WORK) {
    /* a higher order requested meanwhile stays for the next round */
    if (s->max_order <= s->job_order) s->max_order = 0;
    if (s->highest_zoneidx >= s->job_highest) s->highest_zoneidx = s->core.nr_zones - 1;
    after_job(s, CHECK_INTERVAL_NS);
    return;
  }
  uint32_t after = node_score(s);
  count(s, C_SCORE, (int64_t)after - s->score);
  s->score = after;
  uint64_t timeout = CHECK_INTERVAL_NS;
  /* no progress: the next check after 500 ms << COMPACT_MAX_DEFER_SHIFT */
  if (after >= s->prev_score) {
    count(s, C_PROACTIVE_BACKOFF, 1);
    timeout <<= FSC_MAX_DEFER_SHIFT;
  }
  s->trigger = false;
  after_job(s, timeout);
}

/* Runs the job: in instant mode to its end, in timed mode one
 * compact_zone() round, then the step timer is set after the round's cost
 * (everything charged in this hook: scanning, migration, draining). */
static void run_job(Kcompactd *s) {
  for (;;) {
    if (!s->in_zone && !next_zone(s)) {
      finish_job(s);
      return;
    }
    FsCompactResult r = fsc_compact_zone_step(&s->core, &s->cc);
    if (r != FS_COMPACT_CONTINUE) {
      r = fsc_compact_zone_end(&s->core, &s->cc, r);
      s->in_zone = false;
      zone_done(s, r);
      s->zone++;
    }
    if (s->timed) {
      count(s, C_STEPS, 1);
      s->api->timer_add(s->host, s->api->charged_ns(s->host), COOKIE_STEP);
      return;
    }
  }
}

/* kcompactd_do_work() begins */
static void start_work(Kcompactd *s) {
  count(s, C_WAKE, 1);
  s->job = JOB_WORK;
  s->job_order = s->max_order;
  s->job_highest = MIN(s->highest_zoneidx, s->core.nr_zones - 1);
  s->zone = 0;
  s->in_zone = false;
  fsc_trace(&s->core, "kcompactd_wake order=%u highest_zoneidx=%u", s->job_order, s->job_highest);
  run_job(s);
}

/* The timeout branch of kcompactd()'s loop: should_proactive_compact_node(),
 * then proactive_compact_node() as a job. */
static void proactive_check(Kcompactd *s) {
  count(s, C_PROACTIVE_CHECKS, 1);
  uint32_t score = node_score(s);
  count(s, C_SCORE, (int64_t)score - s->score);
  s->score = score;
  if (s->api->kswapd_running(s->host) || score <= wmark_high(s)) {
    s->trigger = false;
    after_job(s, CHECK_INTERVAL_NS);
    return;
  }
  count(s, C_PROACTIVE_RUNS, 1);
  s->prev_score = score;
  s->job = JOB_PROACTIVE;
  s->zone = 0;
  s->in_zone = false;
  run_job(s);
}

/* Back in kcompactd()'s loop: wait_event_freezable_timeout() on
 * kcompactd_work_requested().  A request recorded during the work (an order
 * above the one just done, or one recorded while the node was not suitable)
 * or a proactiveness write makes the condition true at once: the work, or
 * the proactive check, runs again now.  Otherwise it sleeps with the timeout
 * (none with proactiveness 0). */
static void after_job(Kcompactd *s, uint64_t timeout) {
  if (s->trigger && s->proactiveness) {
    schedule_timeout(s, 0);
  } else if (s->recheck && s->max_order && !s->trigger) {
    s->work_pending = true;
    s->api->timer_add(s->host, 0, COOKIE_WORK);
  } else if (s->proactiveness) {
    schedule_timeout(s, timeout);
  }
}

static void kcompactd_timer(void *state, uint64_t cookie) {
  Kcompactd *s = state;
  switch (cookie & 3) {
  case COOKIE_WORK:
    s->work_pending = false;
    if (s->job == JOB_NONE) start_work(s);
    return;
  case COOKIE_STEP:
    if (s->job != JOB_NONE) run_job(s);
    return;
  default:
    /* a timeout while the daemon works is no wake-up: the work's end sets
     * a new one */
    if ((cookie >> 2) != s->timeout_gen || !s->proactiveness || s->job != JOB_NONE || s->work_pending) return;
    /* the wait's condition is tested again when it times out: an order
     * recorded while the node was not suitable makes this a work round */
    if (s->recheck && s->max_order && !s->trigger) start_work(s);
    else proactive_check(s);
  }
}

/* A write to vm.compaction_proactiveness (or to another of kcompactd's
 * knobs) while the run goes on.  compaction_proactiveness_sysctl_handler()
 * (5.15+, sysctl_wake): a non-zero value sets proactive_compact_trigger and
 * wakes kcompactd, which runs the proactive check at once (with the new
 * thresholds; after its work if it is working) and then sleeps its default
 * 500 ms timeout, forgetting any back-off; writing 0 wakes nobody: the
 * pending timeout finds proactiveness 0 and kcompactd sleeps until kswapd
 * wakes it.  Without sysctl_wake the next timeout sees the new value (none
 * is pending if proactiveness was 0: the next work wake-up sets one). */
static bool kcompactd_param_changed(void *state, uint32_t index, const FsParamValue *value) {
  Kcompactd *s = state;
  switch (index) {
  case PARAM_PROACTIVENESS:
    s->proactiveness = (uint32_t)value->i;
    if (s->proactiveness && s->sysctl_wake && !s->trigger) {
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
    .wakeup_kcompactd = kcompactd_wakeup_hook,
};

FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(kcompactd)(void);
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(kcompactd)(void) { return &kcompactd_ops; }
