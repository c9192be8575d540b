/* #16, a broken policy never takes others down: the fragsim binary with the
 * fixtures crasher (SIGSEGV), aborter (abort()) and hanger (never returns),
 * each misbehaving in a chosen hook (tests/fixtures/crasher.c).
 *
 * - `run` dies of the signal after one line naming the signal, the policy,
 *   the hook, the simulated time, workload, stack and seed;
 * - `compare` runs each run in a child process: the crashing runs are
 *   reported with run number, workload, stack, seed, signal, policy and
 *   hook, the other runs finish and are kept (byte-identical to a
 *   comparison without the broken stacks), the exit status is 1 with the
 *   --run N commands to redo, and the same command resumes;
 * - `--timeout` stops a hook that never returns and names it (run and
 *   compare), and a run that is merely long without blaming a policy;
 * - `check-policy` turns a crashing plugin into FAIL lines naming the hook;
 * - the engine refuses a contig_request success with a handle it never issued.
 *
 * Under AddressSanitizer a SIGSEGV would be ASan's to report: the children
 * run with handle_segv=0 so fragsim's own handler reports it. */
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "helpers.h"

#define SMALL "--set", "machine.memory=128M", "--set", "sim.duration=1s"

static char *asan_env;
static const char *crash_env[2];

/* ASAN_OPTIONS as meson set it, plus handle_segv=0 */
static void init_env(void) {
  const char *old = g_getenv("ASAN_OPTIONS");
  asan_env = g_strdup_printf("ASAN_OPTIONS=%s%shandle_segv=0", old ? old : "", old && *old ? ":" : "");
  crash_env[0] = asan_env;
  crash_env[1] = NULL;
}

/* Nothing in dir but what `keep` names (NULL-terminated, may be NULL):
 * no temporary directory of a crashed or timed-out run. */
static void assert_no_tmp(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  if (!d) return;
  const char *n;
  while ((n = g_dir_read_name(d))) {
    if (n[0] == '.' && strstr(n, ".tmp-")) g_error("left behind in %s: %s", dir, n);
    char *p = g_build_filename(dir, n, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR)) assert_no_tmp(p);
    g_free(p);
  }
  g_dir_close(d);
}

/* A crashing run names signal, policy, hook, time and identity, removes
 * its unfinished result directory, then dies of the signal (exit 128 +
 * signal in a shell). */
static void crash_run(const char *policy, const char *hook, int sig, const char *signame, const char *at) {
  char *d = ft_tmpdir("fragsim-isolate");
  char *out = g_build_filename(d, "r", NULL);
  char *stack = g_strdup_printf("vanilla+%s", policy);
  char *set_hook = g_strdup_printf("%s.hook=%s", policy, hook);
  const char *args[] = {"run", "-q", "-w", "churn", "-p", stack, "-s", "3", "-o", out, "--policy-path",
                        g_getenv("FRAGSIM_FIXTURE_DIR"), SMALL, "--set", set_hook, NULL};
  char *err = NULL;
  int status = ft_fragsim_status(args, crash_env, NULL, &err);
  if (!WIFSIGNALED(status) || WTERMSIG(status) != sig)
    g_error("expected death by %s, wait status 0x%x; stderr: %s", signame, status, err);
  char *line = g_strdup_printf("fragsim: run crashed: %s in policy '%s' hook '%s' at %s", signame, policy, hook, at);
  ft_assert_has(err, line);
  g_free(line);
  line = g_strdup_printf(" s (workload churn, stack %s, seed 3)\n", stack);
  ft_assert_has(err, line);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  /* the handler removed the unfinished result directory */
  assert_no_tmp(d);
  g_free(line);
  g_free(err);
  g_free(set_hook);
  g_free(stack);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

static void test_run_segv_timer(void) { crash_run("crasher", "timer", SIGSEGV, "SIGSEGV", "t=0.001000 s"); }

static void test_run_segv_alloc_done(void) { crash_run("crasher", "alloc_done", SIGSEGV, "SIGSEGV", "t=0."); }

static void test_run_abort_freed(void) { crash_run("aborter", "freed", SIGABRT, "SIGABRT", "t=0."); }

static void test_run_segv_create(void) {
  /* before the run: the policy's create, at boot */
  crash_run("crasher", "create", SIGSEGV, "SIGSEGV", "t=0.000000 s");
}

/* --timeout: a hook that never returns is named, the process ends, and
 * neither the result nor its temporary directory is left. */
static void test_run_timeout_hang(void) {
  char *d = ft_tmpdir("fragsim-isolate");
  char *out = g_build_filename(d, "r", NULL);
  const char *args[] = {"run", "-q", "-w", "churn", "-p", "vanilla+hanger", "-o", out, "--policy-path",
                        g_getenv("FRAGSIM_FIXTURE_DIR"), SMALL, "--set", "hanger.after=100", "--timeout", "1s", NULL};
  char *err = NULL;
  gint64 t0 = g_get_monotonic_time();
  g_assert_cmpint(ft_fragsim(args, crash_env, NULL, &err), ==, 1);
  double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
  ft_assert_has(err, "fragsim: run timed out: --timeout 1s of wall clock passed");
  ft_assert_has(err, "in policy 'hanger' hook 'alloc_done' at t=");
  ft_assert_has(err, "(workload churn, stack vanilla+hanger, seed 1)");
  g_assert_cmpfloat(wall, <, 30);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  assert_no_tmp(d);
  g_free(err);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

/* A run that is only long stops at its next event, blaming no policy. */
static void test_run_timeout_long(void) {
  char *d = ft_tmpdir("fragsim-isolate");
  char *out = g_build_filename(d, "r", NULL);
  const char *args[] = {"run", "-q", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "machine.memory=128M",
                        "--set", "sim.duration=100000s", "--timeout", "1s", NULL};
  char *err = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, &err), ==, 1);
  ft_assert_has(err, "not written: timed out: --timeout 1s of wall clock passed while running in the engine");
  ft_assert_has(err, "not stuck in a policy");
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  assert_no_tmp(d);
  g_free(err);

  const char *bad[] = {"run", "-q", "-w", "churn", "-p", "vanilla", "-o", out, "--timeout", "0s", NULL};
  g_assert_cmpint(ft_fragsim(bad, NULL, NULL, &err), ==, 1);
  ft_assert_has(err, "--timeout: \"0s\" is not a wall-clock duration above zero");
  g_free(err);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

static void assert_same_file(const char *a, const char *b) {
  char *x = ft_read(a), *y = ft_read(b);
  g_assert_cmpstr(x, ==, y);
  g_free(x);
  g_free(y);
}

/* compare: runs 2, 3 (crasher) and 6, 7 (aborter) die; runs 0, 1, 4, 5
 * finish, are kept, and equal those of a comparison without the broken
 * stacks; exit 1 naming each broken run and how to redo it; the same
 * command resumes, redoing only those. */
static void test_compare_crash(void) {
  char *d = ft_tmpdir("fragsim-isolate");
  char *cmp = g_build_filename(d, "cmp", NULL), *good = g_build_filename(d, "good", NULL);
  const char *fixtures = g_getenv("FRAGSIM_FIXTURE_DIR");
  const char *args[] = {"compare", "-w", "churn", "-p", "vanilla", "-p", "vanilla+crasher", "-p", "nogroup", "-p",
                        "vanilla+aborter", "-r", "2", "-j", "2", "-o", cmp, "--policy-path", fixtures, SMALL, NULL};
  char *out = NULL, *err = NULL;
  g_assert_cmpint(ft_fragsim(args, crash_env, &out, &err), ==, 1);
  ft_assert_has(out, "compare: ran 4 of 8 runs (0 already complete)");
  ft_assert_has(err, "fragsim: compare: run 2 (churn, vanilla+crasher, seed 1) crashed: SIGSEGV in policy 'crasher' "
                     "hook 'alloc_done' at t=");
  ft_assert_has(err, "fragsim: compare: run 3 (churn, vanilla+crasher, seed 2) crashed: SIGSEGV in policy 'crasher'");
  ft_assert_has(err, "fragsim: compare: run 6 (churn, vanilla+aborter, seed 1) crashed: SIGABRT in policy 'aborter' "
                     "hook 'alloc_done' at t=");
  ft_assert_has(err, "fragsim: compare: run 7 (churn, vanilla+aborter, seed 2) crashed: SIGABRT");
  ft_assert_has(err, "4 of 8 runs failed (run numbers 2, 3, 6, 7); the other runs are complete and kept");
  ft_assert_has(err, " -o ");
  ft_assert_has(err, " --run 2\n");
  ft_assert_has(err, " --run 7");
  char *csv = g_build_filename(cmp, "compare.csv", NULL);
  g_assert_false(g_file_test(csv, G_FILE_TEST_EXISTS));
  g_free(csv);
  assert_no_tmp(cmp);
  g_free(out);
  g_free(err);

  /* the kept runs are those of a comparison without the broken stacks */
  const char *plain[] = {"compare", "-w", "churn", "-p", "vanilla", "-p", "nogroup", "-r", "2", "-j", "1", "-q",
                         "-o", good, SMALL, NULL};
  g_assert_cmpint(ft_fragsim(plain, NULL, NULL, NULL), ==, 0);
  const char *leaves[] = {"vanilla/s1", "vanilla/s2", "nogroup/s1", "nogroup/s2"};
  const char *files[] = {"summary.csv", "timeseries.csv", "allocs.csv", "pageblocks.csv"};
  for (unsigned i = 0; i < G_N_ELEMENTS(leaves); i++)
    for (unsigned f = 0; f < G_N_ELEMENTS(files); f++) {
      char *a = g_build_filename(cmp, "runs", "churn", leaves[i], files[f], NULL);
      char *b = g_build_filename(good, "runs", "churn", leaves[i], files[f], NULL);
      assert_same_file(a, b);
      g_free(a);
      g_free(b);
    }

  /* the same command resumes: only the broken runs run again */
  g_assert_cmpint(ft_fragsim(args, crash_env, &out, &err), ==, 1);
  ft_assert_has(out, "compare: ran 0 of 8 runs (4 already complete)");
  ft_assert_has(err, "4 of 4 runs failed (run numbers 2, 3, 6, 7)");
  g_free(out);
  g_free(err);
  ft_rm_tree(d);
  g_free(cmp);
  g_free(good);
  g_free(d);
}

/* compare --timeout: the hanging run is stopped and named, the other kept. */
static void test_compare_timeout(void) {
  char *d = ft_tmpdir("fragsim-isolate");
  char *cmp = g_build_filename(d, "cmp", NULL);
  /* the good run is short, so that even under a sanitizer it ends well
   * inside the limit */
  const char *args[] = {"compare", "-q", "-w", "churn", "-p", "vanilla+hanger", "-p", "vanilla", "-r", "1", "-j", "2",
                        "-o", cmp, "--policy-path", g_getenv("FRAGSIM_FIXTURE_DIR"), "--set", "machine.memory=64M",
                        "--set", "sim.duration=50ms", "--timeout", "5s", NULL};
  char *err = NULL;
  g_assert_cmpint(ft_fragsim(args, crash_env, NULL, &err), ==, 1);
  ft_assert_has(err, "fragsim: compare: run 0 (churn, vanilla+hanger, seed 1) timed out: --timeout 5s of wall clock "
                     "passed");
  ft_assert_has(err, "in policy 'hanger' hook 'alloc_done' at t=");
  ft_assert_has(err, "1 of 2 runs failed (run number 0)");
  char *kept = g_build_filename(cmp, "runs", "churn", "vanilla", "s1", "summary.csv", NULL);
  g_assert_true(g_file_test(kept, G_FILE_TEST_IS_REGULAR));
  assert_no_tmp(cmp);
  g_free(kept);
  g_free(err);
  ft_rm_tree(d);
  g_free(cmp);
  g_free(d);
}

static char *line_with(const char *text, const char *prefix) {
  const char *p = strstr(text, prefix);
  if (!p) return NULL;
  const char *e = strchr(p, '\n');
  return e ? g_strndup(p, (gsize)(e - p)) : g_strdup(p);
}

/* check-policy: a crashing plugin fails the checks that call it, naming the
 * hook, and check-policy itself finishes with exit 1. */
static void test_check_policy_crasher(void) {
  char *path = ft_fixture("crasher");
  const char *args[] = {"check-policy", path, NULL};
  char *out = NULL;
  g_assert_cmpint(ft_fragsim(args, crash_env, &out, NULL), ==, 1);
  char *load = line_with(out, "ok   load: "), *table = line_with(out, "ok   table: ");
  char *life = line_with(out, "FAIL create/destroy: "), *run = line_with(out, "FAIL run vanilla+crasher: ");
  char *dev = line_with(out, "FAIL device hooks vanilla+crasher: ");
  g_assert_nonnull(load);
  g_assert_nonnull(table);
  g_assert_nonnull(life);
  g_assert_nonnull(run);
  g_assert_nonnull(dev);
  ft_assert_has(run, "the check crashed: SIGSEGV in policy 'crasher' hook 'alloc_done' at t=");
  ft_assert_has(life, "SIGSEGV in policy 'crasher' hook 'alloc_done'");
  ft_assert_has(out, "crasher.so: ");
  ft_assert_has(out, " checks failed");
  g_free(load);
  g_free(table);
  g_free(life);
  g_free(run);
  g_free(dev);
  g_free(out);
  g_free(path);
}

/* check-policy --timeout: a hook that never returns fails its check. */
static void test_check_policy_hanger(void) {
  char *path = ft_fixture("hanger");
  const char *args[] = {"check-policy", path, "--timeout", "1s", NULL};
  char *out = NULL;
  g_assert_cmpint(ft_fragsim(args, crash_env, &out, NULL), ==, 1);
  char *run = line_with(out, "FAIL run vanilla+hanger: ");
  g_assert_nonnull(run);
  ft_assert_has(run, "did not finish within --timeout (1 s): still running in policy 'hanger' hook 'alloc_done'");
  g_free(run);
  g_free(out);
  g_free(path);
}

/* A contig_request success with a handle the engine never issued is a
 * policy error naming the policy, not a served request. */
static void test_contig_bad_handle(void) {
  char *d = ft_tmpdir("fragsim-isolate");
  char *out = g_build_filename(d, "r", NULL);
  const char *args[] = {"run", "-q", "-w", "cma-device", "-p", "vanilla+crasher", "-o", out, "--policy-path",
                        g_getenv("FRAGSIM_FIXTURE_DIR"), "--set", "machine.memory=128M", "--set",
                        "phase.load.duration=200ms", "--set", "phase.device.duration=1s", "--set",
                        "crasher.hook=contig_request", "--set", "crasher.how=badcontig", NULL};
  char *err = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, &err), ==, 1);
  ft_assert_has(err, "policy \"crasher\": hook contig_request at t=");
  ft_assert_has(err, "which is not a range of at least that many pages");
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  g_free(err);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

/* alloc_flags and adjust_gfp returning bits the header does not define are
 * refused: the run fails naming the policy, the hook and the value. */
static void garbage(const char *hook, const char *expect) {
  char *d = ft_tmpdir("fragsim-isolate");
  char *out = g_build_filename(d, "r", NULL);
  char *set_hook = g_strdup_printf("crasher.hook=%s", hook);
  const char *args[] = {"run", "-q", "-w", "churn", "-p", "vanilla+crasher", "-o", out, "--policy-path",
                        g_getenv("FRAGSIM_FIXTURE_DIR"), SMALL, "--set", set_hook, "--set", "crasher.how=garbage", NULL};
  char *err = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, &err), ==, 1);
  ft_assert_has(err, expect);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  assert_no_tmp(d);
  g_free(err);
  g_free(set_hook);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

static void test_garbage_alloc_flags(void) {
  garbage("alloc_flags", "policy \"crasher\": hook alloc_flags at t=0 ns returned 0xffffffff (expected FS_ALLOC_* flags");
}

static void test_garbage_adjust_gfp(void) {
  garbage("adjust_gfp", "policy \"crasher\": hook adjust_gfp at t=0 ns returned gfp 0xffffffff (expected FS_GFP_* flags");
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  init_env();
  g_test_add_func("/isolate/run/segv-in-timer", test_run_segv_timer);
  g_test_add_func("/isolate/values/alloc-flags", test_garbage_alloc_flags);
  g_test_add_func("/isolate/values/adjust-gfp", test_garbage_adjust_gfp);
  g_test_add_func("/isolate/run/segv-in-alloc-done", test_run_segv_alloc_done);
  g_test_add_func("/isolate/run/segv-in-create", test_run_segv_create);
  g_test_add_func("/isolate/run/abort-in-freed", test_run_abort_freed);
  g_test_add_func("/isolate/run/timeout-hang", test_run_timeout_hang);
  g_test_add_func("/isolate/run/timeout-long", test_run_timeout_long);
  g_test_add_func("/isolate/compare/crash", test_compare_crash);
  g_test_add_func("/isolate/compare/timeout", test_compare_timeout);
  g_test_add_func("/isolate/check-policy/crasher", test_check_policy_crasher);
  g_test_add_func("/isolate/check-policy/hanger", test_check_policy_hanger);
  g_test_add_func("/isolate/contig/bad-handle", test_contig_bad_handle);
  int rc = g_test_run();
  g_free(asan_env);
  return rc;
}
