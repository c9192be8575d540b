/* The engine's observer interface (engine/run.h): what the engine reports,
 * and that reporting changes nothing.  results/output.c writes a run's CSV
 * files through the same calls these test observers receive. */
#include <string.h>

#include "engine/core/error.h"
#include "engine/run.h"
#include "workloads/workload.h"

typedef struct {
  uint64_t allocs, alloc_ok, alloc_failed, ooms, extfrag, extfrag_fragmenting, samples, ends;
  uint64_t last_sample_ns, sample_interval_ns;
  bool samples_regular, end_after_samples;
} Counts;

static void on_alloc(void *data, FsiRun *run, const FsiRequest *rq, const FsiAllocResult *res, uint32_t mt) {
  Counts *c = data;
  (void)run;
  (void)mt;
  c->allocs++;
  if (res->via == FSI_VIA_FAILED) {
    c->alloc_failed++;
    g_assert_true(res->handle == FSI_HANDLE_NONE);
  } else {
    c->alloc_ok++;
    g_assert_true(res->handle != FSI_HANDLE_NONE);
    g_assert_cmpuint(res->pfn % ((uint64_t)1 << rq->order), ==, 0); /* buddy alignment */
  }
}
static void on_oom(void *data, FsiRun *run, uint32_t victim, uint64_t pages, const FsAllocRequest *req) {
  (void)run;
  (void)victim;
  (void)pages;
  (void)req;
  ((Counts *)data)->ooms++;
}
static void on_extfrag(void *data, FsiRun *run, const FsiExtfragEvent *ev) {
  Counts *c = data;
  c->extfrag++;
  if (ev->fallback_order < run->mem.pageblock_order) c->extfrag_fragmenting++;
  g_assert_cmpuint(ev->alloc_mt, !=, ev->fallback_mt);
}
static void on_sample(void *data, FsiRun *run) {
  Counts *c = data;
  if (c->samples == 0) c->samples_regular = run->now_ns == 0;
  else if (run->now_ns != c->last_sample_ns + c->sample_interval_ns) c->samples_regular = false;
  c->last_sample_ns = run->now_ns;
  c->samples++;
}
static void on_end(void *data, FsiRun *run) {
  Counts *c = data;
  c->ends++;
  c->end_after_samples = c->samples > 0 && run->now_ns >= c->last_sample_ns;
}

static const FsiObserverOps all_ops = {on_alloc, on_oom, on_extfrag, on_sample, on_end};
static const FsiObserverOps alloc_only = {.alloc = on_alloc};

typedef struct {
  FsiConfig *cfg;
  FsiStack *stack;
  FsiRun *run;
} Setup;

/* churn on linux-6.1 under pressure: fallbacks and (with fill > 1) OOM kills */
static void setup(Setup *s, const char *stack, const char *fill) {
  GError *e = NULL;
  s->cfg = fsi_config_new();
  const FsiWorkloadInfo *wi = NULL;
  g_assert_true(fsi_workload_resolve("churn", s->cfg, &wi, &e));
  g_assert_no_error(e);
  const char *sets[] = {"machine.memory=128M", "sim.duration=3s", "sim.sample_interval=250ms", "workload.think=50us",
                        NULL};
  for (const char *const *st = sets; *st; st++) g_assert_true(fsi_config_set(s->cfg, *st, "test", &e));
  char *f = g_strdup_printf("workload.fill=%s", fill);
  g_assert_true(fsi_config_set(s->cfg, f, "test", &e));
  g_free(f);
  s->stack = fsi_stack_load(stack, NULL, s->cfg->kf, &e);
  g_assert_no_error(e);
  FsiWorkload wl = {0};
  g_assert_true(wi->create(s->cfg, &wl, &e));
  s->run = fsi_run_new(s->cfg, s->stack, &wl, 7, &e);
  g_assert_no_error(e);
}

static void teardown(Setup *s) {
  fsi_run_free(s->run);
  fsi_stack_free(s->stack);
  fsi_config_free(s->cfg);
}

/* Every request, extfrag event and OOM kill the engine counts is reported,
 * once; samples come at 0, interval, 2*interval... and the end after them. */
static void test_reports_everything(void) {
  Setup s;
  setup(&s, "linux-6.1", "3");
  Counts c = {0};
  c.sample_interval_ns = s.run->sample_interval_ns;
  g_assert_true(fsi_run_observe(s.run, &all_ops, &c));
  GError *e = NULL;
  g_assert_true(fsi_run_execute(s.run, &e));
  g_assert_no_error(e);
  const uint64_t *k = s.run->stats.c;
  g_assert_cmpuint(c.allocs, >, 1000);
  g_assert_cmpuint(c.allocs, ==, k[FSI_C_fs_alloc_requests]);
  g_assert_cmpuint(c.alloc_ok, ==, k[FSI_C_fs_alloc_success]);
  g_assert_cmpuint(c.alloc_failed, ==, k[FSI_C_fs_alloc_fail]);
  g_assert_cmpuint(c.extfrag, >, 0);
  g_assert_cmpuint(c.extfrag, ==, k[FSI_C_fs_extfrag_events]);
  g_assert_cmpuint(c.extfrag_fragmenting, ==, k[FSI_C_fs_extfrag_fragmenting]);
  g_assert_cmpuint(c.ooms, >, 0);
  g_assert_cmpuint(c.ooms, ==, k[FSI_C_oom_kill]);
  g_assert_cmpuint(c.samples, ==, 3000 / 250); /* 0 .. 2.75 s; the end event comes first at 3 s */
  g_assert_true(c.samples_regular);
  g_assert_cmpuint(c.ends, ==, 1);
  g_assert_true(c.end_after_samples);
  teardown(&s);
}

/* Observing changes nothing: the same run with and without observers ends
 * in the same state, event for event. */
static void test_observing_changes_nothing(void) {
  Setup a, b;
  setup(&a, "linux-6.1", "1.2");
  setup(&b, "linux-6.1", "1.2");
  Counts c1 = {0}, c2 = {0};
  g_assert_true(fsi_run_observe(b.run, &all_ops, &c1));
  g_assert_true(fsi_run_observe(b.run, &alloc_only, &c2));
  g_assert_true(fsi_run_execute(a.run, NULL));
  g_assert_true(fsi_run_execute(b.run, NULL));
  g_assert_cmpuint(a.run->events, ==, b.run->events);
  g_assert_cmpmem(a.run->stats.c, sizeof(uint64_t) * FSI_NR_COUNTERS, b.run->stats.c, sizeof(uint64_t) * FSI_NR_COUNTERS);
  /* two observers see the same allocations; the one without other hooks only those */
  g_assert_cmpuint(c1.allocs, ==, c2.allocs);
  g_assert_cmpuint(c2.samples + c2.ends + c2.extfrag, ==, 0);
  teardown(&a);
  teardown(&b);
}

/* A run that fails reports no end: the end means "complete". */
static void test_no_end_on_failure(void) {
  Setup s;
  setup(&s, "vanilla", "0.5");
  Counts c = {0};
  g_assert_true(fsi_run_observe(s.run, &all_ops, &c));
  fsi_run_failf(s.run, "stopped by the test");
  GError *e = NULL;
  g_assert_false(fsi_run_execute(s.run, &e));
  g_assert_error(e, FSI_ERROR, FSI_ERROR_RUN);
  g_error_free(e);
  g_assert_cmpuint(c.ends, ==, 0);
  teardown(&s);
}

/* A request above the machine's max_order (a trace from a machine with a
 * larger MAX_ORDER) fails cleanly: reported, counted as a failure, and no
 * per-order statistic is written out of range. */
static void test_order_above_max(void) {
  Setup s;
  setup(&s, "vanilla", "0.5");
  Counts c = {0};
  g_assert_true(fsi_run_observe(s.run, &all_ops, &c));
  for (uint32_t order = s.run->mem.max_order + 1; order < 40; order += 7) {
    FsiRequest rq = {order, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE, 0, false, false, false, false};
    FsiAllocResult r = fsi_run_alloc(s.run, &rq);
    g_assert_true(r.handle == FSI_HANDLE_NONE);
    g_assert_cmpuint(r.via, ==, FSI_VIA_FAILED);
  }
  g_assert_cmpuint(c.alloc_failed, ==, 5); /* orders 11, 18, 25, 32, 39 */
  g_assert_cmpuint(s.run->stats.c[FSI_C_fs_alloc_fail], ==, 5);
  for (uint32_t o = 0; o < FS_NR_ORDERS; o++) g_assert_cmpuint(s.run->stats.attempts[o] + s.run->stats.fail[o], ==, 0);
  teardown(&s);
}

static void test_observer_limit(void) {
  Setup s;
  setup(&s, "vanilla", "0.5");
  Counts c = {0};
  for (int i = 0; i < FSI_MAX_OBSERVERS; i++) g_assert_true(fsi_run_observe(s.run, &alloc_only, &c));
  g_assert_false(fsi_run_observe(s.run, &alloc_only, &c));
  teardown(&s);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/observers/reports-everything", test_reports_everything);
  g_test_add_func("/observers/observing-changes-nothing", test_observing_changes_nothing);
  g_test_add_func("/observers/no-end-on-failure", test_no_end_on_failure);
  g_test_add_func("/observers/limit", test_observer_limit);
  g_test_add_func("/observers/order-above-max", test_order_above_max);
  return g_test_run();
}
