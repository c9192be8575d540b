/* Transparent huge page faults outside MADV_HUGEPAGE (#13 item 6): the
 * sysfs settings vm.thp_enabled and vm.thp_defrag (and their writes at a
 * phase start), a region's madvise state (phase thp_madvise, stream
 * madvise for kind thp), hugepage_vma_check() (is a THP attempted at all)
 * and vma_thp_gfp_mask() (how hard it tries), with the fallback to a base
 * page when the THP allocation fails.
 *
 * Decision tests run a small workload with a kind thp stream and check the
 * accounting and which faults compact; the effect test runs thpcompact
 * with a region that is not madvised under each setting, on seeds 1-3
 * (ft_effect), and asserts the direction and a measured band. */
#include <math.h>
#include <string.h>

#include "cli/runner.h"
#include "helpers.h"

/* ---- a kind thp stream ------------------------------------------------------------ */

/* 64M: an anonymous fill of 60% with lifetime forever, half of it freed page
 * by page (free memory exists, in no free pageblock), then THP faults of a
 * kind thp stream, each held 200 ms (about 40M held: some fall back). */
static const char *stream_wl =
    "[workload]\nname = thp-stream\nphases = fill, holes, fault\n"
    "[machine]\nmemory = 64M\ncpus = 2\n"
    "[phase.fill]\nduration = 2s\nstreams = region\n"
    "[phase.holes]\nduration = 100ms\nfragment_stream = region\nfragment_fraction = 0.5\n"
    "[phase.fault]\nduration = 1s\nstreams = t\n"
    "[stream.region]\nkind = anon\ntasks = 2\nthink = 10us\nlifetime = forever\nfootprint = 0.6\nfill = true\n"
    "[stream.t]\nkind = thp\norders = 9\ntasks = 1\nthink = 10ms\nlifetime = fixed:200ms\n";

static void run_stream(const char *const *sets, FsiRunResult *res) {
  char *dir = ft_tmpdir("fragsim-thp");
  char *path = ft_write_in(dir, "thp-stream.ini", stream_wl);
  FsiRunSpec spec = {path, "linux-6.1", 1, sets, NULL, NULL, false, false, false, false};
  GError *e = NULL;
  bool ok = fsi_run_one(&spec, res, &e);
  g_assert_no_error(e);
  g_assert_true(ok);
  ft_rm_tree(dir);
  g_free(path);
  g_free(dir);
}

/* A madvised kind thp stream: every request is one THP fault, allocated or
 * fallen back to a base page (which succeeds: no request fails), and the
 * faults compact directly (GFP_TRANSHUGE under defrag = madvise). */
static void test_stream_madvised(void) {
  const char *sets[] = {"stream.t.madvise=true", NULL};
  FsiRunResult r = {0};
  run_stream(sets, &r);
  double attempts = ft_column(&r, "stream_t_attempts");
  double alloc = ft_column(&r, "stream_t_thp_fault_alloc"), fallback = ft_column(&r, "stream_t_thp_fault_fallback");
  g_test_message("madvised: attempts %g, thp_fault_alloc %g, fallback %g, compact_stall %g", attempts, alloc, fallback,
                 ft_column(&r, "compaction.compact_stall"));
  g_assert_cmpfloat(attempts, >, 50);
  g_assert_cmpfloat(alloc + fallback, ==, attempts);
  g_assert_cmpfloat(alloc, >, 0);
  g_assert_cmpfloat(fallback, >, 0);
  g_assert_cmpfloat(ft_column(&r, "stream_t_failures"), ==, 0);
  g_assert_cmpfloat(ft_column(&r, "compaction.compact_stall"), >, 0);
  fsi_run_result_clear(&r);
}

/* The same stream not madvised under the defaults (enabled = always,
 * defrag = madvise): THP faults still, GFP_TRANSHUGE_LIGHT: no direct
 * compaction at all. */
static void test_stream_not_madvised(void) {
  FsiRunResult r = {0};
  run_stream(NULL, &r);
  double attempts = ft_column(&r, "stream_t_attempts");
  double alloc = ft_column(&r, "stream_t_thp_fault_alloc"), fallback = ft_column(&r, "stream_t_thp_fault_fallback");
  g_test_message("not madvised: attempts %g, thp_fault_alloc %g, fallback %g", attempts, alloc, fallback);
  g_assert_cmpfloat(alloc + fallback, ==, attempts);
  g_assert_cmpfloat(fallback, >, 0);
  g_assert_cmpfloat(ft_column(&r, "stream_t_failures"), ==, 0);
  g_assert_cmpfloat(ft_column(&r, "compaction.compact_stall"), ==, 0);
  fsi_run_result_clear(&r);
}

/* enabled = madvise and a region that is not madvised, or enabled = never
 * even for a madvised one: hugepage_vma_check() refuses, no THP is tried
 * (neither counter moves) and each fault maps a base page. */
static void test_stream_no_thp(void) {
  const char *madvise_only[] = {"vm.thp_enabled=madvise", NULL};
  const char *never[] = {"vm.thp_enabled=never", "stream.t.madvise=true", NULL};
  const char *const *cases[] = {madvise_only, never};
  for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
    FsiRunResult r = {0};
    run_stream(cases[i], &r);
    g_assert_cmpfloat(ft_column(&r, "stream_t_attempts"), >, 50);
    g_assert_cmpfloat(ft_column(&r, "stream_t_thp_fault_alloc"), ==, 0);
    g_assert_cmpfloat(ft_column(&r, "stream_t_thp_fault_fallback"), ==, 0);
    g_assert_cmpfloat(ft_column(&r, "stream_t_failures"), ==, 0);
    g_assert_cmpfloat(ft_column(&r, "compaction.compact_stall"), ==, 0);
    fsi_run_result_clear(&r);
  }
}

static void expect_error(const char *const *sets, const char *fragment) {
  char *dir = ft_tmpdir("fragsim-thp");
  char *path = ft_write_in(dir, "thp-stream.ini", stream_wl);
  FsiRunSpec spec = {path, "linux-6.1", 1, sets, NULL, NULL, false, false, false, true};
  GError *e = NULL;
  g_assert_false(fsi_run_one(&spec, NULL, &e));
  g_assert_nonnull(e);
  ft_assert_has(e->message, fragment);
  g_error_free(e);
  ft_rm_tree(dir);
  g_free(path);
  g_free(dir);
}

/* Bad settings name the key and say what is expected. */
static void test_errors(void) {
  const char *a[] = {"vm.thp_defrag=sometimes", NULL};
  expect_error(a, "vm.thp_defrag");
  const char *b[] = {"vm.thp_enabled=yes", NULL};
  expect_error(b, "vm.thp_enabled");
  const char *c[] = {"phase.fault.thp_enabled=sometimes", NULL};
  expect_error(c, "one of always, madvise, never");
  const char *d[] = {"phase.fault.thp_defrag=sometimes", NULL};
  expect_error(d, "one of always, defer, defer+madvise, madvise, never");
  const char *f[] = {"stream.region.madvise=true", NULL};
  expect_error(f, "madvise is for kind thp streams");
  const char *g[] = {"phase.fault.thp_madvise=perhaps", NULL};
  expect_error(g, "phase.fault.thp_madvise");
}

/* ---- effect: defrag and enabled for a region that is not madvised ----------------- */

#define EFFECT_SEEDS 3

/* thpcompact on linux-6.1 (256M, 60 THP faults into a fragmented region
 * with page cache competing), the faulting region NOT madvised, under
 * defrag = madvise (the default: GFP_TRANSHUGE_LIGHT), always
 * (GFP_TRANSHUGE | __GFP_NORETRY: direct compaction, async, given up when
 * compaction is deferred or skipped) and defer (GFP_TRANSHUGE_LIGHT |
 * __GFP_KSWAPD_RECLAIM: kswapd and through it kcompactd), then
 * enabled = never, enabled = madvise (no THP for this region), and the
 * region madvised under the defaults (GFP_TRANSHUGE: what every THP fault
 * was before #13 item 6).
 * Measured (seeds 1-3) with ./build/tests/test-thp --verbose -p /thp/effect:
 *   thp_fault_alloc    madvise 21, 22, 22 (21.7); always 27, 28, 27 (27.3);
 *                      defer 36, 37, 36 (36.3); never 0; enabled=madvise 0;
 *                      madvised 32, 33, 33 (32.7)
 *   compact_stall      madvise 0; always 11, 12, 11 (11.3); defer 0;
 *                      madvised 68, 66, 66 (66.7): with the 4.7
 *                      reclaim/compaction handshake (#13 item 2) a madvised
 *                      fault, without __GFP_NORETRY, retries compaction
 *                      (before it: 27, 29, 28 allocated, 11, 12, 12 stalls)
 *   latency_p99_ns_o9  madvise 160; always 1045140, 3213080, 1027480
 *                      (1.762e6); defer 160
 *   kcompactd wakes    madvise 0; always 0; defer 24, 23, 24 (23.7)
 * Asserted: the direction (always allocates more than madvise, stalls
 * where madvise never does, and its p99 is over 100x madvise's; defer
 * stalls never and wakes kcompactd; never and enabled=madvise give no THP)
 * and each mean in a band of at least twice the seed spread: allocations
 * +-3 (spread 1), stalls +-3 (spread 1), the always p99 within
 * [0.5e6, 6e6] (spread 2.2e6: the slowest fault is chaotic), wakes +-4.
 * After #14 items 1-2 (fast free-list searches, one compaction state per
 * zone shared with kcompactd) only the madvised arm moved: allocated
 * 32.7 -> 50, 56, 36 (47.3), stalls 66.7 -> 49, 42, 62 (51); its seeds now
 * spread 20 both ways, so its bands are mean +- that spread.
 * #14 item 6 (kcompactd's work takes time, in compact_zone() rounds; its
 * proactive runs stop when kswapd starts and then back off 32 s) moved
 * every arm that depends on the free blocks proactive compaction used to
 * make at one instant: madvise allocated 9, 17, 17 (14.3, was 21.7);
 * always 20, 19, 13 (17.3, was 27.3) with 56, 63, 99 stalls (72.7, was
 * 11.3), p99 1.74e6, 1.52e6, 1.04e6; madvised 19, 19, 13 (17, was 47.3)
 * with 88, 87, 100 stalls (91.7, was 51).  defer (22 kcompactd wakes, 37.3
 * allocated) did not move.  Bands: mean +- the seed spread; always still
 * allocates more than madvise on the mean (not on seed 3), no longer by 3. */
static void test_effect_defrag(void) {
  const char *base = "machine.memory=256M";
  const char *madvise[] = {base, "phase.fault.thp_faults=60", NULL};
  const char *always[] = {base, "phase.fault.thp_faults=60", "phase.fault.thp_defrag=always", NULL};
  const char *defer[] = {base, "phase.fault.thp_faults=60", "phase.fault.thp_defrag=defer", NULL};
  const char *never[] = {base, "phase.fault.thp_faults=60", "vm.thp_enabled=never", NULL};
  const char *en_madvise[] = {base, "phase.fault.thp_faults=60", "phase.fault.thp_enabled=madvise", NULL};
  const char *madvised[] = {base, "phase.fault.thp_faults=60", "phase.fault.thp_madvise=true", NULL};
  /* thpcompact's fault phase madvises: the first five arms undo it */
  const char *const *arm_sets[] = {madvise, always, defer, never, en_madvise};
  char **owned[5];
  FtArm arms[6];
  for (unsigned a = 0; a < 5; a++) {
    GPtrArray *v = g_ptr_array_new();
    for (const char *const *s = arm_sets[a]; *s; s++) g_ptr_array_add(v, g_strdup(*s));
    g_ptr_array_add(v, g_strdup("phase.fault.thp_madvise=false"));
    g_ptr_array_add(v, NULL);
    owned[a] = (char **)g_ptr_array_free(v, FALSE);
    arms[a] = (FtArm){"linux-6.1", (const char *const *)owned[a]};
  }
  arms[5] = (FtArm){"linux-6.1", madvised};
  const char *cols[] = {"phase_fault_thp_fault_alloc", "phase_fault_thp_fault_fallback", "compaction.compact_stall",
                        "latency_p99_ns_o9", "kcompactd.compact_daemon_wake", NULL};
  enum { ALLOC, FALLBACK, STALL, P99, WAKE, NC };
  double m[6][NC];
  ft_effect("thpcompact", arms, 6, cols, EFFECT_SEEDS, &m[0][0]);
  for (unsigned a = 0; a < 5; a++) g_strfreev(owned[a]);
  enum { MADVISE, ALWAYS, DEFER, NEVER, EN_MADVISE, MADVISED };
  /* every fault is a THP attempt, allocated or fallen back */
  for (unsigned a = MADVISE; a <= DEFER; a++) g_assert_cmpfloat(fabs(m[a][ALLOC] + m[a][FALLBACK] - 60), <, 1e-9);
  /* defrag = madvise: no direct compaction for a region that is not madvised */
  ft_assert_band("madvise: thp_fault_alloc", m[MADVISE][ALLOC], 6.3, 22.3);
  g_assert_cmpfloat(m[MADVISE][STALL], ==, 0);
  /* defrag = always: it compacts, allocates more and waits longer */
  ft_assert_band("always: thp_fault_alloc", m[ALWAYS][ALLOC], 10.3, 24.3);
  ft_assert_band("always: compact_stall", m[ALWAYS][STALL], 29.7, 115.7);
  ft_assert_band("always: latency_p99_ns_o9", m[ALWAYS][P99], 0.5e6, 6e6);
  g_assert_cmpfloat(m[ALWAYS][ALLOC], >, m[MADVISE][ALLOC]);
  g_assert_cmpfloat(m[ALWAYS][P99], >, 100 * m[MADVISE][P99]);
  /* defer: no stall, kcompactd woken, which compacts for the later faults */
  g_assert_cmpfloat(m[DEFER][STALL], ==, 0);
  g_assert_cmpfloat(m[MADVISE][WAKE], ==, 0);
  ft_assert_band("defer: kcompactd wakes", m[DEFER][WAKE], 19.7, 27.7);
  ft_assert_band("defer: thp_fault_alloc", m[DEFER][ALLOC], 33.3, 39.3);
  /* no THP attempted at all */
  for (unsigned a = NEVER; a <= EN_MADVISE; a++) {
    g_assert_cmpfloat(m[a][ALLOC], ==, 0);
    g_assert_cmpfloat(m[a][FALLBACK], ==, 0);
    g_assert_cmpfloat(m[a][STALL], ==, 0);
  }
  /* madvised, the defaults: GFP_TRANSHUGE compacts as defrag = always does */
  ft_assert_band("madvised: thp_fault_alloc", m[MADVISED][ALLOC], 11, 23);
  ft_assert_band("madvised: compact_stall", m[MADVISED][STALL], 78.7, 104.7);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/thp/stream/madvised", test_stream_madvised);
  g_test_add_func("/thp/stream/not-madvised", test_stream_not_madvised);
  g_test_add_func("/thp/stream/no-thp", test_stream_no_thp);
  g_test_add_func("/thp/errors", test_errors);
  g_test_add_func("/thp/effect/defrag", test_effect_defrag);
  return g_test_run();
}
