/* The slow path around a high-order request (issue 13, items 2, 3 and 8):
 * the reclaim/compaction handshake for costly orders, and the unreserve and
 * pcp drain after each direct reclaim that made progress.  Each test runs
 * the same machine and seed with and without the mechanism (the stack
 * setting an older kernel used) and asserts the kernel's shape. */
#include <string.h>

#include "engine/mm/vmscan.h"
#include "engine/plugin/loader.h"
#include "engine/run.h"
#include "workloads/workload.h"
#include "helpers.h"

typedef void (*StartFn)(FsiRun *run);

static bool script_start(FsiRun *run, void *state, GError **error) {
  (void)error;
  ((StartFn *)state)[0](run);
  return true;
}
static void script_step(FsiRun *run, void *state, uint32_t task) {
  (void)run;
  (void)state;
  (void)task;
}

/* One zone (no DMA: on so small a machine it alone balances the node), no
 * swap, no pcp lists unless a test asks. */
static const char *const base[] = {"machine.memory=128M", "sim.duration=2s", "machine.dma_limit=0", "vm.pcp=false",
                                   NULL};

static FsiRun *new_run_on(const char *const *machine, const char *stack, const char *const *sets, StartFn start) {
  StartFn *st = g_new0(StartFn, 1);
  st[0] = start;
  FsiWorkload wl = {"script", st, script_start, script_step, g_free};
  FtRunSpec spec = {.stack = stack, .base = machine, .sets = sets, .workload = &wl, .tasks = 2};
  GError *e = NULL;
  FsiRun *run = ft_run_new_full(&spec, &e);
  g_assert_no_error(e);
  run->workload.start(run, run->workload.state, NULL);
  return run;
}

static FsiRun *new_run(const char *stack, const char *const *sets, StartFn start) {
  return new_run_on(base, stack, sets, start);
}

static const FsiZone *dma32(FsiRun *run) { return &run->mem.zones[FS_ZONE_DMA32]; }

/* Fill the zone below its min watermark with page cache and anonymous
 * memory, one page each in turn, allocated without direct reclaim: every
 * pageblock ends up half clean page cache (reclaimable), half anonymous
 * (not reclaimable without swap, but movable).  Reclaim alone can then free
 * only single pages; a huge page needs compaction, and compaction needs
 * compact_gap free pages above the low watermark first. */
static void fill_mixed_ref(FsiRun *run, bool referenced) {
  FsiRequest file = {.kind = FS_KIND_FILE, .gfp = FS_GFP_HIGHUSER_MOVABLE & ~FS_GFP_RECLAIM, .referenced = referenced};
  FsiRequest anon = {0, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE & ~FS_GFP_RECLAIM, 0, false, false, false, false};
  const FsiZone *z = dma32(run);
  for (int i = 0; z->nr_free_pages > z->wmark[FSI_WMARK_MIN]; i++)
    if (!fsi_run_alloc(run, i & 1 ? &anon : &file).handle) break;
}
static void fill_mixed(FsiRun *run) { fill_mixed_ref(run, false); }

typedef struct {
  bool ok;
  FsiVia via;
  uint64_t pgsteal_direct, allocstall, passes, ready, retries;
  uint64_t free_after;
} Costly;

/* One hugetlb page (order 9, GFP_HIGHUSER_MOVABLE | __GFP_RETRY_MAYFAIL)
 * on the filled machine, without letting kswapd run. */
static Costly costly_request(const char *stack, const char *const *sets) {
  FsiRun *run = new_run(stack, sets, fill_mixed);
  ft_check(run);
  Costly c = {0};
  uint64_t steal0 = run->stats.c[FSI_C_pgsteal_direct], stall0 = run->stats.c[FSI_C_allocstall_dma32];
  FsiRequest rq = {9, FS_KIND_HUGETLB, fsi_kind_gfp(FS_KIND_HUGETLB), 1, false, false, false, false};
  FsiAllocResult r = fsi_run_alloc(run, &rq);
  c.ok = r.handle != FSI_HANDLE_NONE;
  c.via = r.via;
  c.pgsteal_direct = run->stats.c[FSI_C_pgsteal_direct] - steal0;
  c.allocstall = run->stats.c[FSI_C_allocstall_dma32] - stall0;
  c.passes = run->stats.c[FSI_C_fs_reclaim_compaction_passes];
  c.ready = run->stats.c[FSI_C_fs_reclaim_compaction_ready];
  c.retries = run->stats.c[FSI_C_fs_compact_retry_reclaim];
  c.free_after = dma32(run)->nr_free_pages;
  g_test_message("%s %s: %s via %s, pgsteal_direct %" G_GUINT64_FORMAT ", allocstall %" G_GUINT64_FORMAT
                 ", continue passes %" G_GUINT64_FORMAT ", compaction_ready %" G_GUINT64_FORMAT
                 ", compact retries %" G_GUINT64_FORMAT,
                 stack, sets && sets[0] ? sets[0] : "(default)", c.ok ? "success" : "failure", fsi_via_names[c.via],
                 c.pgsteal_direct, c.allocstall, c.passes, c.ready, c.retries);
  ft_check(run);
  ft_run_free(run);
  return c;
}

/* Item 2: with compaction skipped for want of order-0 pages, 6.1 keeps
 * reclaiming (should_continue_reclaim within a pass, and should_compact_retry
 * -> compaction_zonelist_suitable across passes) until compaction can run,
 * then compacts and succeeds.  Without the handshake (2.6.35) each direct
 * reclaim frees 32 pages and the request, __GFP_REPEAT then (the pool's
 * flag; __GFP_RETRY_MAYFAIL here), retries only until its reclaims have
 * freed 2^order pages in all (should_alloc_retry()), then gives up: 512
 * pages in 16 reclaims, never enough for compaction to run. */
static void test_costly_reclaims_until_compaction(void) {
  const char *off[] = {"vm.reclaim_compaction=off", NULL};
  const char *on[] = {"vm.reclaim_compaction=4.7", NULL};
  Costly a = costly_request("migratetype+compaction", off);
  Costly b = costly_request("migratetype+compaction", on);
  /* without: reclaims of SWAP_CLUSTER_MAX pages until 2^9 are freed,
   * compaction skipped every time, fail */
  g_assert_false(a.ok);
  g_assert_cmpuint(a.allocstall, ==, 16);
  g_assert_cmpuint(a.pgsteal_direct, >=, 1u << 9);
  g_assert_cmpuint(a.pgsteal_direct, <, (1u << 9) + 32);
  g_assert_cmpuint(a.passes + a.ready + a.retries, ==, 0);
  /* with: reclaim went on past 32 pages, at least compact_gap(9) = 1024,
   * and the request was served by compaction */
  g_assert_true(b.ok);
  g_assert_cmpuint(b.via, ==, FSI_VIA_COMPACT);
  g_assert_cmpuint(b.passes, >, 0);
  g_assert_cmpuint(b.pgsteal_direct, >=, 2u << 9);
  /* and not far beyond: reclaim stops once compaction is suitable
   * (low + compact_gap), it does not empty the page cache */
  g_assert_cmpuint(b.pgsteal_direct, <, 4u << 9);
}

/* The reclaim side alone (3.2-4.6: should_continue_reclaim and
 * compaction_ready, but no compaction_zonelist_suitable retry) already
 * reclaims for compaction within one direct reclaim call. */
static void test_reclaim_side_alone(void) {
  const char *mid[] = {"vm.reclaim_compaction=3.2", NULL};
  Costly c = costly_request("migratetype+compaction", mid);
  g_assert_cmpuint(c.retries, ==, 0);
  g_assert_cmpuint(c.passes, >, 0);
  g_assert_cmpuint(c.pgsteal_direct, >=, 2u << 9);
}

/* Without compaction in the stack there is nothing to hand over to: reclaim
 * is the 32-page pass it always was (in_reclaim_compaction() needs
 * CONFIG_COMPACTION). */
static void test_no_compaction_no_handshake(void) {
  const char *on[] = {"vm.reclaim_compaction=4.7", NULL};
  Costly c = costly_request("migratetype", on);
  g_assert_false(c.ok);
  g_assert_cmpuint(c.passes + c.ready + c.retries, ==, 0);
  g_assert_cmpuint(c.pgsteal_direct, <=, 32);
}

/* A named stack with its stacks.ini settings, as fragsim run applies them. */
static Costly stack_request(const char *stack) {
  GError *e = NULL;
  GKeyFile *kf = fsi_stacks_load(&e);
  g_assert_no_error(e);
  char **sets = fsi_stack_settings(kf, stack);
  Costly c = costly_request(stack, (const char *const *)sets);
  g_strfreev(sets);
  g_key_file_free(kf);
  return c;
}

/* The named stacks: 2.6.35 has no handshake, 4.4 the reclaim side, 6.1 all. */
static void test_stacks(void) {
  Costly old = stack_request("linux-2.6.35");
  Costly mid = stack_request("linux-4.4");
  Costly now = stack_request("linux-6.1");
  g_assert_cmpuint(old.passes + old.ready + old.retries, ==, 0);
  g_assert_cmpuint(mid.retries, ==, 0);
  g_assert_cmpuint(mid.passes, >, 0);
  g_assert_true(now.ok);
  g_assert_cmpuint(now.pgsteal_direct, >=, 2u << 9);
}

/* ---- item 8: the unreserve and drain after direct reclaim ------------------------- */

/* Nothing reclaimable: the zone is full of anonymous memory and there is no
 * swap. */
static void fill_anon(FsiRun *run) {
  FsiRequest anon = {0, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE & ~FS_GFP_RECLAIM, 0, false, false, false, false};
  const FsiZone *z = dma32(run);
  while (z->nr_free_pages > z->wmark[FSI_WMARK_MIN])
    if (!fsi_run_alloc(run, &anon).handle) break;
}

/* One request that makes exactly one direct reclaim call and fails: the
 * zone drains it caused.  A costly request without __GFP_RETRY_MAYFAIL, or
 * any with __GFP_NORETRY, gives up after one call. */
static uint64_t one_call_drains(FsiRun *run, uint32_t order, uint32_t gfp) {
  uint64_t drains = run->stats.c[FSI_C_fs_pcp_drain];
  uint64_t stalls = run->stats.c[FSI_C_allocstall_dma32];
  FsiRequest rq = {order, FS_KIND_DEVICE, gfp, 1, false, false, false, false};
  g_assert_cmpuint(fsi_run_alloc(run, &rq).handle, ==, FSI_HANDLE_NONE);
  g_assert_cmpuint(run->stats.c[FSI_C_allocstall_dma32] - stalls, ==, 1);
  return run->stats.c[FSI_C_fs_pcp_drain] - drains;
}

/* __alloc_pages_direct_reclaim() returns at once when reclaim made no
 * progress: no unreserve_highatomic_pageblock(), no drain_all_pages().  (It
 * was run once per request whatever the progress.) */
static void test_no_progress_no_drain(void) {
  const char *sets[] = {"vm.pcp=true", NULL};
  FsiRun *run = new_run("linux-6.1", sets, fill_anon);
  /* costly, no __GFP_RETRY_MAYFAIL: one reclaim call, then give up */
  g_assert_cmpuint(one_call_drains(run, 4, FS_GFP_KERNEL), ==, 0);
  ft_check(run);
  ft_run_free(run);
}

/* 2.6.35 and before drained after every direct reclaim call for order > 0,
 * before the retry and whatever the progress: the costly request of
 * no-progress-no-drain, which 6.1 does not drain for, drains once. */
static void test_no_progress_drain_2635(void) {
  const char *sets[] = {"vm.pcp=true", "vm.direct_reclaim_drain=2.6.35", NULL};
  FsiRun *run = new_run("linux-6.1", sets, fill_anon);
  g_assert_cmpuint(one_call_drains(run, 4, FS_GFP_KERNEL), ==, run->mem.nr_zones);
  ft_check(run);
  ft_run_free(run);
}

/* The 2005-2006 list-based anti-fragmentation patches (v21, v22) drained
 * every CPU's lists after each direct reclaim call for an order above
 * PAGE_ALLOC_COSTLY_ORDER (drain_all_local_pages() when order > 3), whatever
 * the progress, and never for the orders below: the costly request drains
 * once, an order-2 request that reclaims once (__GFP_NORETRY) not at all,
 * where 2.6.35's drain would. */
static void test_drain_v22(void) {
  const char *sets[] = {"vm.pcp=true", "vm.direct_reclaim_drain=v22", NULL};
  FsiRun *run = new_run("linux-6.1", sets, fill_anon);
  g_assert_cmpuint(one_call_drains(run, 4, FS_GFP_KERNEL), ==, run->mem.nr_zones);
  g_assert_cmpuint(one_call_drains(run, 2, FS_GFP_KERNEL | FS_GFP_NORETRY), ==, 0);
  ft_check(run);
  ft_run_free(run);
}

/* With progress on every call, every call whose retry fails drains (and
 * unreserves) again: the drain count follows the reclaim calls, not the
 * request.  A hugetlb page on the half page-cache machine under 2.6.35's
 * lumpy reclaim makes several direct reclaim calls, each with progress.
 * (Every kernel since 2.6.36 drains per call, `drained` being local to
 * __alloc_pages_direct_reclaim(); fragsim drained once per request.) */
static void test_drain_per_reclaim_call(void) {
  GError *e = NULL;
  GKeyFile *kf = fsi_stacks_load(&e);
  g_assert_no_error(e);
  char **st = fsi_stack_settings(kf, "linux-2.6.35");
  GPtrArray *sets = g_ptr_array_new();
  for (char **p = st; *p; p++) g_ptr_array_add(sets, *p);
  g_ptr_array_add(sets, (char *)"vm.pcp=true");
  /* the 2.6.36+ drain (2.6.35's own drained before the retry, see below) */
  g_ptr_array_add(sets, (char *)"vm.direct_reclaim_drain=2.6.36");
  g_ptr_array_add(sets, NULL);
  FsiRun *run = new_run("linux-2.6.35", (const char *const *)sets->pdata, fill_mixed);
  uint64_t drains = run->stats.c[FSI_C_fs_pcp_drain];
  uint64_t stalls = run->stats.c[FSI_C_allocstall_dma32];
  FsiRequest rq = {9, FS_KIND_HUGETLB, fsi_kind_gfp(FS_KIND_HUGETLB), 1, false, false, false, false};
  FsiAllocResult r = fsi_run_alloc(run, &rq);
  uint64_t calls = run->stats.c[FSI_C_allocstall_dma32] - stalls;
  uint64_t drained = run->stats.c[FSI_C_fs_pcp_drain] - drains;
  g_test_message("hugetlb page: %s via %s, %" G_GUINT64_FORMAT " reclaim calls, %" G_GUINT64_FORMAT " zone drains",
                 r.handle ? "success" : "failure", fsi_via_names[r.via], calls, drained);
  g_assert_cmpuint(calls, >=, 2);
  /* drain_all_pages() drains each zone: nr_zones per call that drained; the
   * last call may have been served before the drain */
  uint32_t nz = run->mem.nr_zones;
  g_assert_cmpuint(drained, >=, (calls - 1) * nz);
  g_assert_cmpuint(drained, <=, calls * nz);
  ft_check(run);
  ft_run_free(run);
  g_ptr_array_free(sets, TRUE);
  g_strfreev(st);
  g_key_file_free(kf);
}


/* ---- issue 13 item 3: the slow path takes time ------------------------------------ */

/* A script whose tasks run as events (fsi_run_advance), so a request made
 * from a task's step can sleep while the other events run. */
typedef struct {
  GArray *anon;          /* task 0's anonymous pages, in allocation order */
  FsiAllocResult res;    /* task 1's request */
  uint64_t asked_ns, done_ns;
  uint32_t order, gfp;
  uint64_t hogged, hog_fails;
} Timed;

static Timed timed;

static void timed_step(FsiRun *run, void *state, uint32_t task) {
  (void)state;
  if (task == 1) {
    FsiRequest rq = {timed.order, FS_KIND_SLAB_UNMOVABLE, timed.gfp, 1, false, false, false, false};
    timed.asked_ns = run->now_ns;
    timed.res = fsi_run_alloc(run, &rq);
    timed.done_ns = run->now_ns;
    return;
  }
  /* an interrupt-time consumer (GFP_ATOMIC page cache: reclaimable again,
   * so reclaim always has something to free) */
  FsiRequest at = {0, FS_KIND_FILE, FS_GFP_ATOMIC_MASK | FS_GFP_NOWARN, 0, false, false, false, false};
  while (fsi_run_alloc(run, &at).handle) timed.hogged++;
  timed.hog_fails++;
  fsi_run_wake_task(run, 0, run->now_ns + 1000);
}

static bool timed_start(FsiRun *run, void *state, GError **error) {
  (void)state;
  (void)error;
  /* task 0's anonymous memory (no swap) and dirty page cache in turn:
   * direct reclaim, which does not write back, frees nothing, while the
   * dirty pages count as reclaimable, so should_reclaim_retry() keeps
   * going until MAX_RECLAIM_RETRIES */
  FsiRequest anon = {0, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE & ~FS_GFP_RECLAIM, 0, false, false, false, false};
  FsiRequest dirty = {0, FS_KIND_FILE, FS_GFP_HIGHUSER_MOVABLE & ~FS_GFP_RECLAIM, 0, false, false, true, false};
  const FsiZone *z = dma32(run);
  for (int i = 0; z->nr_free_pages > z->wmark[FSI_WMARK_MIN]; i++) {
    FsiAllocResult r = fsi_run_alloc(run, i & 1 ? &dirty : &anon);
    if (!r.handle) break;
    if (!(i & 1)) g_array_append_val(timed.anon, r.handle);
  }
  return true;
}

static FsiRun *timed_run(const char *const *sets) {
  if (timed.anon) g_array_unref(timed.anon);
  memset(&timed, 0, sizeof timed);
  timed.anon = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  FsiWorkload wl = {"timed", NULL, timed_start, timed_step, NULL};
  FtRunSpec spec = {.stack = "linux-6.1", .base = base, .sets = sets, .workload = &wl, .tasks = 2};
  GError *e = NULL;
  FsiRun *run = ft_run_new_full(&spec, &e);
  g_assert_no_error(e);
  run->workload.start(run, run->workload.state, NULL);
  return run;
}

typedef struct {
  bool ok;
  FsiVia via;
  uint64_t latency, elapsed, oom, fail, livelock, sleeps;
} TimedOut;

static TimedOut timed_out(FsiRun *run, const char *what) {
  TimedOut o = {timed.res.handle != FSI_HANDLE_NONE, timed.res.via, timed.res.latency_ns,
                timed.done_ns - timed.asked_ns, run->stats.c[FSI_C_oom_kill], run->stats.c[FSI_C_fs_alloc_fail],
                run->stats.c[FSI_C_fs_alloc_livelock], run->stats.c[FSI_C_fs_slowpath_sleeps]};
  g_test_message("%s: %s via %s, latency %" G_GUINT64_FORMAT " ns, clock moved %" G_GUINT64_FORMAT
                 " ns, oom kills %" G_GUINT64_FORMAT ", failures %" G_GUINT64_FORMAT ", livelocks %" G_GUINT64_FORMAT
                 ", sleeps %" G_GUINT64_FORMAT ", hogged %" G_GUINT64_FORMAT,
                 what, o.ok ? "success" : "no page", fsi_via_names[o.via], o.latency, o.elapsed, o.oom, o.fail,
                 o.livelock, o.sleeps, timed.hogged);
  return o;
}

/* Task 1 asks for an order-0 GFP_KERNEL page on a zone below min, half
 * anonymous memory (no swap), half dirty page cache.  Direct reclaim
 * cannot write back, so it makes no progress while the dirty pages count
 * as reclaimable.  At one instant the request runs out its
 * MAX_RECLAIM_RETRIES loops and kills task 0 (kswapd, woken, has not run).
 * Sleeping between retries (for the reclaim it did and a jiffy of
 * reclaim_throttle(VMSCAN_THROTTLE_NOPROGRESS)), it lets kswapd write back
 * and reclaim meanwhile, and its retry is served without a kill; its
 * latency is the time from request to completion. */
static TimedOut kswapd_while_asking(const char *mode, uint64_t *kswapd_steal) {
  const char *sets[] = {mode, NULL};
  FsiRun *run = timed_run(sets);
  timed.order = 0;
  timed.gfp = FS_GFP_KERNEL;
  uint64_t steal0 = run->stats.c[FSI_C_pgsteal_kswapd];
  fsi_run_wake_task(run, 1, 1000);
  g_assert_true(fsi_run_advance(run, 1000));
  *kswapd_steal = run->stats.c[FSI_C_pgsteal_kswapd] - steal0;
  TimedOut o = timed_out(run, mode);
  g_test_message("  kswapd reclaimed %" G_GUINT64_FORMAT " pages by the request's completion", *kswapd_steal);
  ft_check(run);
  ft_run_free(run);
  return o;
}

static void test_kswapd_during_sleep(void) {
  uint64_t sa, sb;
  TimedOut a = kswapd_while_asking("vm.slowpath=instant", &sa);
  TimedOut b = kswapd_while_asking("vm.slowpath=continuation", &sb);
  /* measured (seed 1): instant: served after 1 OOM kill, latency 22.8 ms
   * (20 ms of it the throttle wait, at one instant), clock moved 0, kswapd
   * reclaimed 0; continuation: served via slowpath after 1 sleep, 0 kills,
   * latency 5.27 ms = clock moved 5.27 ms (+ the retry's own cost) */
  g_assert_true(a.ok);
  g_assert_cmpuint(a.oom, ==, 1);
  g_assert_cmpuint(a.sleeps, ==, 0);
  g_assert_cmpuint(a.elapsed, ==, 0);
  g_assert_cmpuint(sa, ==, 0);
  g_assert_true(b.ok);
  g_assert_cmpuint(b.oom, ==, 0);
  g_assert_cmpuint(b.via, ==, FSI_VIA_SLOWPATH);
  g_assert_cmpuint(sb, >, 0);
  g_assert_cmpuint(b.sleeps, >=, 1);
  /* at least the jiffy it slept, and the clock moved by all but the retry's cost */
  ft_assert_band("continuation latency (ms)", (double)b.latency / 1e6, 4.0, 10.0);
  g_assert_cmpuint(b.latency, >=, b.elapsed);
  g_assert_cmpuint(b.latency - b.elapsed, <, 100000);
}

/* A livelock: the zone is below min and an interrupt-time consumer
 * (GFP_ATOMIC, allowed into the min reserve) takes every page reclaim frees
 * while the requester sleeps, and its page cache is reclaimable again, so
 * reclaim always makes progress and should_reclaim_retry() never gives up.
 * At one instant nobody runs between the retries: the request runs out its
 * retries on the dirty pages and is served after an OOM kill.  Taking time,
 * it loops until vm.slowpath_livelock and is reported as a livelock, not as
 * a failure of the allocator.  Measured (seed 1): instant served after 1
 * kill, latency 24.1 ms at one instant; continuation no page via livelock
 * after 1131 sleeps, latency 50.009 ms, 0 kills (62.0 ms with the bounded
 * device queue). */
static TimedOut hogged(const char *mode) {
  const char *sets[] = {mode, "vm.slowpath_livelock=50ms", "sim.duration=1s", NULL};
  FsiRun *run = timed_run(sets);
  timed.order = 0;
  timed.gfp = FS_GFP_KERNEL;
  fsi_run_wake_task(run, 0, 0);
  fsi_run_wake_task(run, 1, 1000);
  g_assert_true(fsi_run_advance(run, 100000000));
  TimedOut o = timed_out(run, mode);
  ft_check(run);
  ft_run_free(run);
  return o;
}

static void test_livelock(void) {
  TimedOut a = hogged("vm.slowpath=instant");
  TimedOut b = hogged("vm.slowpath=continuation");
  g_assert_true(a.ok);
  g_assert_cmpuint(a.livelock, ==, 0);
  g_assert_false(b.ok);
  g_assert_cmpuint(b.via, ==, FSI_VIA_LIVELOCK);
  g_assert_cmpuint(b.livelock, ==, 1);
  /* the only failures are the consumer's, one per step */
  g_assert_cmpuint(b.fail, ==, timed.hog_fails);
  g_assert_cmpuint(b.oom, ==, 0);
  /* given up at the limit, not before; the last step may run past it by
   * its own length, which since vm.writeback_queue_pages includes waiting
   * for room in the device's queue (measured 62.0 ms; 50.009 before) */
  ft_assert_band("livelocked request's latency (ms)", (double)b.latency / 1e6, 50.0, 65.0);
}

/* vm.zone_reclaimable_free (6.1.y stable, 6.13+): zone_reclaimable_pages()
 * counts a zone's free pages when nothing in it is reclaimable.  The
 * machine: both zones full of anonymous memory (no swap: nothing
 * reclaimable), DMA taken down to its min by GFP_DMA anonymous pages (no
 * lowmem reserve applies to a DMA request), then one DMA
 * pageblock freed whole.  DMA holds a free order-9 block, but a movable
 * order-9 request may not take it: 512 free pages minus 511 is below DMA's
 * min plus its lowmem reserve for DMA32 requests.  Counting the free pages
 * twice, should_reclaim_retry() passes on DMA every time and the request
 * loops until MAX_RECLAIM_RETRIES, 17 direct reclaims (the harness's
 * compact-then-hugetlb run: 16 reclaim_retry_zone passes on DMA, available
 * = 2 x free); mainline 6.1 gives up after the first. */
static const char *const base_dma[] = {"machine.memory=128M", "sim.duration=2s", "vm.pcp=false", NULL};
static GArray *trap_handles;

static void fill_dma_trap(FsiRun *run) {
  FsiRequest anon = {0, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE & ~FS_GFP_RECLAIM, 0, false, false, false, false};
  FsiRequest dma = {0, FS_KIND_ANON, (FS_GFP_HIGHUSER_MOVABLE | FS_GFP_DMA) & ~(FS_GFP_RECLAIM | FS_GFP_HIGHMEM), 0,
                    false, false, false, false};
  const FsiRequest *rq[2] = {&anon, &dma};
  for (int k = 0; k < 2; k++)
    for (;;) {
      FsiAllocResult r = fsi_run_alloc(run, rq[k]);
      if (r.handle == FSI_HANDLE_NONE) break;
      if (r.zone == FS_ZONE_DMA) g_array_append_val(trap_handles, r);
    }
  /* free the second-highest DMA pageblock whole */
  uint64_t block = (run->mem.zones[FS_ZONE_DMA].end_pfn >> 9) - 2;
  for (guint i = 0; i < trap_handles->len; i++) {
    FsiAllocResult *r = &g_array_index(trap_handles, FsiAllocResult, i);
    if (r->pfn >> 9 == block) fsi_run_free_handle(run, r->handle);
  }
}

static void test_zone_reclaimable_free(void) {
  uint64_t stalls[2];
  bool ok[2];
  for (int on = 0; on < 2; on++) {
    const char *sets[] = {on ? "vm.zone_reclaimable_free=true" : "vm.zone_reclaimable_free=false", NULL};
    trap_handles = g_array_new(FALSE, FALSE, sizeof(FsiAllocResult));
    FsiRun *run = new_run_on(base_dma, "linux-6.1", sets, fill_dma_trap);
    ft_check(run);
    const FsiZone *dma = &run->mem.zones[FS_ZONE_DMA];
    /* the trap: a free order-9 block in DMA, which the request cannot take */
    g_assert_cmpuint(dma->free_area[9].nr_free + dma->free_area[10].nr_free, >=, 1);
    g_assert_cmpuint(dma->nr_free_pages - 511, <, dma->wmark[FSI_WMARK_MIN] + dma->lowmem_reserve[FS_ZONE_DMA32]);
    g_assert_cmpuint(2 * dma->nr_free_pages - 511, >=, dma->wmark[FSI_WMARK_MIN] + dma->lowmem_reserve[FS_ZONE_DMA32]);
    g_assert_cmpuint(fsi_zone_reclaimable_pages(run, FS_ZONE_DMA), ==, on ? dma->nr_free_pages : 0);
    uint64_t stall0 = run->stats.c[FSI_C_allocstall_dma32] + run->stats.c[FSI_C_allocstall_movable];
    FsiRequest rq = {9, FS_KIND_HUGETLB, fsi_kind_gfp(FS_KIND_HUGETLB), 1, false, false, false, false};
    FsiAllocResult r = fsi_run_alloc(run, &rq);
    ok[on] = r.handle != FSI_HANDLE_NONE;
    stalls[on] = run->stats.c[FSI_C_allocstall_dma32] + run->stats.c[FSI_C_allocstall_movable] - stall0;
    g_test_message("zone_reclaimable_free=%d: %s, %" G_GUINT64_FORMAT " direct reclaims", on, ok[on] ? "ok" : "failed",
                   stalls[on]);
    ft_check(run);
    ft_run_free(run);
    g_array_free(trap_handles, TRUE);
  }
  g_assert_false(ok[0]);
  g_assert_false(ok[1]);
  g_assert_cmpuint(stalls[0], <=, 2);
  g_assert_cmpuint(stalls[1], ==, 17);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/slowpath/costly-reclaims-until-compaction", test_costly_reclaims_until_compaction);
  g_test_add_func("/slowpath/reclaim-side-alone", test_reclaim_side_alone);
  g_test_add_func("/slowpath/no-compaction-no-handshake", test_no_compaction_no_handshake);
  g_test_add_func("/slowpath/stacks", test_stacks);
  g_test_add_func("/slowpath/no-progress-no-drain", test_no_progress_no_drain);
  g_test_add_func("/slowpath/no-progress-drain/2.6.35", test_no_progress_drain_2635);
  g_test_add_func("/slowpath/no-progress-drain/v22", test_drain_v22);
  g_test_add_func("/slowpath/drain-per-reclaim-call", test_drain_per_reclaim_call);
  g_test_add_func("/slowpath/continuation/kswapd-during-sleep", test_kswapd_during_sleep);
  g_test_add_func("/slowpath/continuation/livelock", test_livelock);
  g_test_add_func("/slowpath/zone-reclaimable-free", test_zone_reclaimable_free);
  return g_test_run();
}
