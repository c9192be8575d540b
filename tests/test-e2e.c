/* End-to-end: the fragsim binary as a user runs it.  A seeded run under the
 * invariant checker, determinism (same seed: byte-identical files; another
 * seed: different), clear errors for bad input with no result directory
 * left behind, and the machine-size range (64 MiB .. 1 TiB). */
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/wait.h>
#include <stdbool.h>
#include <string.h>

#include "helpers.h"

static const char *files[] = {"run.ini", "summary.csv", "timeseries.csv", "allocs.csv", "pageblocks.csv"};

static void run_small(const char *out, const char *seed, bool check) {
  /* the checker walks every page after every event: keep that run tiny */
  const char *args[] = {"run", "-w", "churn", "-p", "vanilla", "-s", seed, "-o", out, "-q",
                        "--set", check ? "machine.memory=64M" : "machine.memory=128M",
                        "--set", check ? "sim.duration=1s" : "sim.duration=2s",
                        "--set", check ? "workload.think=100us" : "workload.think=20us",
                        "--set", "workload.huge_interval=20ms", "--set", "sim.sample_interval=250ms",
                        check ? "--check" : NULL, NULL};
  char *err = NULL;
  int status = ft_fragsim(args, NULL, NULL, &err);
  if (status != 0) g_printerr("stderr: %s\n", err);
  g_assert_cmpint(status, ==, 0);
  g_free(err);
}

static void test_run_checked(void) {
  char *d = ft_tmpdir("fragsim-e2e");
  char *out = g_build_filename(d, "r", NULL);
  run_small(out, "1", true);
  for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
    char *c = ft_read_in(out, files[i]);
    g_assert_cmpuint(strlen(c), >, 10);
    g_free(c);
  }
  char *summary = ft_read_in(out, "summary.csv");
  g_assert_true(g_str_has_prefix(summary, "workload,stack,seed,"));
  g_assert_nonnull(strstr(summary, "\nchurn,vanilla,1,"));
  g_free(summary);
  char *ini = ft_read_in(out, "run.ini");
  g_assert_nonnull(strstr(ini, "memory=64M"));
  g_assert_nonnull(strstr(ini, "policies=nogroup"));
  g_assert_nonnull(strstr(ini, "version="));
  g_free(ini);
  /* [modules]: the checksum of the module file that ran, and its ABI */
  GKeyFile *kf = g_key_file_new();
  char *ini_path = g_build_filename(out, "run.ini", NULL);
  g_assert_true(g_key_file_load_from_file(kf, ini_path, G_KEY_FILE_NONE, NULL));
  char *mod = g_key_file_get_string(kf, "modules", "nogroup", NULL);
  char *so = g_build_filename(g_getenv("FRAGSIM_POLICY_PATH"), "nogroup.so", NULL), *image = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(so, &image, &len, NULL));
  char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)image, len);
  char *want = g_strdup_printf("sha256:%s abi:%d.%d", sum, FS_ABI_MAJOR, FS_ABI_MINOR);
  g_assert_cmpstr(mod, ==, want);
  g_free(want);
  g_free(sum);
  g_free(image);
  g_free(so);
  g_free(mod);
  g_free(ini_path);
  g_key_file_unref(kf);
  /* nothing but the result directory: the temporary one was renamed */
  GDir *dir = g_dir_open(d, 0, NULL);
  const char *n;
  unsigned count = 0;
  while ((n = g_dir_read_name(dir))) {
    count++;
    g_assert_cmpstr(n, ==, "r");
  }
  g_dir_close(dir);
  g_assert_cmpuint(count, ==, 1);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

/* pageblocks.csv's pcp_pages: the free pages on the CPUs' per-CPU lists, in
 * no other column (free_pages is the buddy lists'): some at the end of a
 * churn with the lists, none with vm.pcp=false; a block's pages are never
 * counted twice. */
static uint64_t pcp_pages_at_end(const char *out, const char *pcp_setting) {
  const char *args[] = {"run", "-w", "churn", "-p", "vanilla", "-s", "1", "-o", out, "-q", "-f",
                        "--set", "machine.memory=128M", "--set", "sim.duration=2s", "--set", "workload.think=20us",
                        "--set", pcp_setting, NULL};
  char *err = NULL;
  int status = ft_fragsim(args, NULL, NULL, &err);
  if (status != 0) g_printerr("stderr: %s\n", err);
  g_assert_cmpint(status, ==, 0);
  g_free(err);
  char *csv = ft_read_in(out, "pageblocks.csv");
  char **lines = g_strsplit(csv, "\n", -1);
  g_assert_true(g_str_has_suffix(lines[0], ",reserved_pages,mixed,pcp_pages"));
  const char *last_t = NULL;
  for (guint i = 1; lines[i] && *lines[i]; i++) last_t = lines[i];
  g_assert_nonnull(last_t);
  char *t_end = g_strndup(last_t, (gsize)(strchr(last_t, ',') - last_t));
  uint64_t pcp = 0;
  for (guint i = 1; lines[i] && *lines[i]; i++) {
    char **f = g_strsplit(lines[i], ",", -1);
    g_assert_cmpuint(g_strv_length(f), ==, 13);
    uint64_t used = 0;
    for (guint c = 6; c <= 10; c++) used += g_ascii_strtoull(f[c], NULL, 10);
    used += g_ascii_strtoull(f[12], NULL, 10);
    g_assert_cmpuint(used, <=, 512); /* pageblock order 9 */
    if (!strcmp(f[0], t_end)) pcp += g_ascii_strtoull(f[12], NULL, 10);
    g_strfreev(f);
  }
  g_free(t_end);
  g_strfreev(lines);
  g_free(csv);
  return pcp;
}

static void test_pageblocks_pcp(void) {
  char *d = ft_tmpdir("fragsim-e2e");
  char *with = g_build_filename(d, "with", NULL), *without = g_build_filename(d, "without", NULL);
  g_assert_cmpuint(pcp_pages_at_end(with, "vm.pcp=true"), >, 0);
  g_assert_cmpuint(pcp_pages_at_end(without, "vm.pcp=false"), ==, 0);
  ft_rm_tree(d);
  g_free(with);
  g_free(without);
  g_free(d);
}

static void test_determinism(void) {
  char *d = ft_tmpdir("fragsim-e2e");
  char *a = g_build_filename(d, "a", NULL), *b = g_build_filename(d, "b", NULL), *c = g_build_filename(d, "c", NULL);
  run_small(a, "42", false);
  run_small(b, "42", false);
  run_small(c, "43", false);
  for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
    char *fa = ft_read_in(a, files[i]), *fb = ft_read_in(b, files[i]);
    g_assert_cmpstr(fa, ==, fb);
    g_free(fa);
    g_free(fb);
  }
  char *fa = ft_read_in(a, "allocs.csv"), *fc = ft_read_in(c, "allocs.csv");
  g_assert_cmpstr(fa, !=, fc);
  g_free(fa);
  g_free(fc);
  ft_rm_tree(d);
  g_free(a);
  g_free(b);
  g_free(c);
  g_free(d);
}

static void expect_error(const char *const *args, const char *fragment) {
  char *err = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, &err), !=, 0);
  if (!strstr(err, fragment)) g_error("expected \"%s\" in stderr: %s", fragment, err);
  g_assert_true(g_str_has_prefix(err, "fragsim: "));
  g_free(err);
}

static void test_errors(void) {
  char *d = ft_tmpdir("fragsim-e2e");
  char *out = g_build_filename(d, "x", NULL);
  const char *unknown_key[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "machine.bogus=1", NULL};
  expect_error(unknown_key, "machine.bogus");
  const char *bad_value[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "machine.memory=lots", NULL};
  expect_error(bad_value, "machine.memory");
  const char *too_small[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "machine.memory=16M", NULL};
  expect_error(too_small, "64M");
  const char *bad_wl_key[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "workload.fil=0.5", NULL};
  expect_error(bad_wl_key, "workload.fil");
  const char *bad_section[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "compaction.x=1", NULL};
  expect_error(bad_section, "[compaction]");
  const char *no_wl[] = {"run", "-w", "nonesuch", "-p", "vanilla", "-o", out, NULL};
  expect_error(no_wl, "nonesuch");
  const char *no_policy[] = {"run", "-w", "churn", "-p", "vanilla+nopolicy", "-o", out, NULL};
  expect_error(no_policy, "nopolicy");
  const char *bad_set[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "memory", NULL};
  expect_error(bad_set, "section.key=value");
  const char *bad_duration[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "sim.duration=10", NULL};
  expect_error(bad_duration, "unit");
  /* #16: names GLib's ini cannot hold were dropped with a GLib warning */
  const char *bad_name[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "sim.dur[ation=1s", NULL};
  expect_error(bad_name, "the key may contain only");
  const char *ctl_value[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "sim.duration=1s\n[x]", NULL};
  expect_error(ctl_value, "no control characters");
  const char *zero_duration[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "sim.duration=0s", NULL};
  expect_error(zero_duration, "sim.duration must be greater than zero");
  const char *huge_reserve[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "vm.min_free_kbytes=99999999",
                                NULL};
  expect_error(huge_reserve, "vm.min_free_kbytes 99999999 is not below the machine's memory");
  const char *jobs0[] = {"compare", "-w", "churn", "-p", "vanilla", "-o", out, "-j", "0", NULL};
  expect_error(jobs0, "-j/--jobs: 0 is not a number of jobs");
  const char *run_m1[] = {"compare", "-w", "churn", "-p", "vanilla", "-o", out, "--run", "-1", NULL};
  expect_error(run_m1, "--run: -1 is not a run number");
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  /* an existing directory is never overwritten silently */
  run_small(out, "1", false);
  const char *again[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "-q", "--set", "sim.duration=1s", NULL};
  expect_error(again, "exists");
  const char *forced[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "-q", "-f", "--set", "sim.duration=1s",
                          "--set", "machine.memory=64M", NULL};
  g_assert_cmpint(ft_fragsim(forced, NULL, NULL, NULL), ==, 0);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

/* #16: SIGINT stops a run at its next event: exit 130, a message naming
 * the directory, and no directory (nor its hidden temporary) left. */
static void test_interrupt(void) {
  char *d = ft_tmpdir("fragsim-e2e");
  char *out = g_build_filename(d, "int", NULL);
  char *errpath = g_build_filename(d, "stderr", NULL);
  const char *bin = g_getenv("FRAGSIM_BIN");
  g_assert_nonnull(bin);
  /* a run far longer than the test: only the signal can end it */
  char *cmd = g_strdup_printf("exec '%s' run -q -w churn -p vanilla -o '%s' --set sim.duration=100000s 2>'%s'", bin, out,
                              errpath);
  const char *argv[] = {"/bin/sh", "-c", cmd, NULL};
  GPid pid;
  GError *e = NULL;
  g_assert_true(g_spawn_async(NULL, (char **)argv, NULL, G_SPAWN_DO_NOT_REAP_CHILD, NULL, NULL, &pid, &e));
  g_assert_no_error(e);
  /* wait until it runs (its temporary directory appears), then interrupt */
  bool started = false;
  for (int i = 0; i < 600 && !started; i++) {
    GDir *dir = g_dir_open(d, 0, NULL);
    const char *n;
    while (dir && (n = g_dir_read_name(dir)))
      if (g_str_has_prefix(n, ".int")) started = true;
    if (dir) g_dir_close(dir);
    if (!started) g_usleep(100000);
  }
  g_assert_true(started);
  kill(pid, SIGINT);
  int status = 0;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  g_spawn_close_pid(pid);
  g_assert_true(WIFEXITED(status));
  g_assert_cmpint(WEXITSTATUS(status), ==, 130);
  char *err = NULL;
  g_assert_true(g_file_get_contents(errpath, &err, NULL, NULL));
  if (!strstr(err, "not written: interrupted by SIGINT")) g_error("unexpected stderr: %s", err);
  /* nothing left but the captured stderr */
  GDir *dir = g_dir_open(d, 0, NULL);
  const char *n;
  while ((n = g_dir_read_name(dir)))
    if (strcmp(n, "stderr")) g_error("left behind after the interrupt: %s", n);
  g_dir_close(dir);
  g_free(err);
  g_free(cmd);
  ft_rm_tree(d);
  g_free(errpath);
  g_free(out);
  g_free(d);
}

/* #16: a timer re-armed with no delay stops simulated time; the watchdog
 * ends the run with an error naming the policy, instead of hanging. */
static void test_watchdog(void) {
  char *d = ft_tmpdir("fragsim-e2e");
  char *out = g_build_filename(d, "w", NULL);
  const char *args[] = {"run", "-q", "-w", "churn", "-p", "vanilla+spinner", "-o", out, "--policy-path",
                        g_getenv("FRAGSIM_FIXTURE_DIR"), "--set", "sim.duration=1s", "--set", "sim.stall_events=100000",
                        "--set", "machine.memory=64M", NULL};
  char *err = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, &err), ==, 1);
  if (!strstr(err, "simulated time stopped at t=0.001") || !strstr(err, "a timer of policy \"spinner\""))
    g_error("unexpected stderr: %s", err);
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  g_free(err);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

/* 1 TiB boots and runs: the page array is lazily touched. */
static void test_terabyte(void) {
  if (g_getenv("FRAGSIM_SANITIZE")) {
    g_test_skip("1 TiB page array is too large under AddressSanitizer");
    return;
  }
  char *d = ft_tmpdir("fragsim-e2e");
  char *out = g_build_filename(d, "t", NULL);
  const char *args[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "-q", "--set", "machine.memory=1T",
                        "--set", "sim.duration=2ms", "--set", "output.pageblocks=false", "--set",
                        "output.timeseries=false", NULL};
  char *err = NULL;
  int status = ft_fragsim(args, NULL, NULL, &err);
  if (status) g_printerr("%s", err);
  g_assert_cmpint(status, ==, 0);
  g_free(err);
  char *ini = ft_read_in(out, "run.ini");
  g_assert_nonnull(strstr(ini, "total_pages=268435456"));
  g_assert_nonnull(strstr(ini, "min_free_kbytes=130043"));
  g_free(ini);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

/* More memory wanted than exists and no swap: OOM kills are recorded, the run completes. */
static void test_oom_recorded(void) {
  char *d = ft_tmpdir("fragsim-e2e");
  char *out = g_build_filename(d, "oom", NULL);
  const char *args[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "-q", "--set", "machine.memory=64M",
                        "--set", "sim.duration=5s", "--set", "workload.fill=3", "--set", "workload.think=50us", NULL};
  char *err = NULL;
  int status = ft_fragsim(args, NULL, NULL, &err);
  if (status) g_printerr("%s", err);
  g_assert_cmpint(status, ==, 0);
  g_free(err);
  char *oom = ft_read_in(out, "oom.csv");
  g_assert_true(g_str_has_prefix(oom, "time_ns,victim_task,pages_freed,trigger_task,order,gfp\n"));
  g_assert_nonnull(strchr(strchr(oom, '\n') + 1, '\n')); /* at least one row */
  g_free(oom);
  ft_rm_tree(d);
  g_free(out);
  g_free(d);
}

/* Without -o a run goes to fragsim-out/<workload>-<stack>-s<seed>, one
 * directory whatever the stack: a module path stands for its base name. */
static void test_default_outdir(void) {
  g_autofree char *dir = ft_tmpdir("outdir");
  g_autofree char *cwd = g_get_current_dir();
  g_autofree char *module = g_build_filename(g_getenv("FRAGSIM_POLICY_PATH"), "lumpy.so", NULL);
  g_autofree char *stack = g_strdup_printf("vanilla+%s", module);
  g_assert_cmpint(g_chdir(dir), ==, 0);
  const char *args[] = {"run", "-w", "churn", "-p", stack, "-s3", "--set", "sim.duration=100ms", "-q", NULL};
  int rc = ft_fragsim(args, NULL, NULL, NULL);
  g_assert_cmpint(g_chdir(cwd), ==, 0);
  g_assert_cmpint(rc, ==, 0);
  g_autofree char *summary = g_build_filename(dir, "fragsim-out", "churn-vanilla+lumpy-s3", "summary.csv", NULL);
  g_assert_true(g_file_test(summary, G_FILE_TEST_IS_REGULAR));
  ft_rm_tree(dir);
}

static void test_list(void) {
  const char *args[] = {"list", NULL};
  char *out = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "nogroup"));
  g_assert_nonnull(strstr(out, "vanilla"));
  g_assert_nonnull(strstr(out, "churn"));
  g_assert_nonnull(strstr(out, "unusable_huge"));
  g_free(out);
  const char *help[] = {"run", "--help", NULL};
  g_assert_cmpint(ft_fragsim(help, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "--set"));
  g_free(out);
}

/* Off a terminal (a log, CI, a batch job) run and compare print a plain
 * progress line every FRAGSIM_PROGRESS_SECONDS (10 s by default; 0 here:
 * at every check, every 65536 events), with the simulated time done; the
 * results are the same as without. */
static void test_progress_plain(void) {
  char *d = ft_tmpdir("fragsim-progress");
  char *out = g_build_filename(d, "r", NULL), *cmp = g_build_filename(d, "c", NULL);
  const char *env[] = {"FRAGSIM_PROGRESS_SECONDS=0", NULL};
  const char *run[] = {"run", "-w", "churn", "-p", "vanilla", "-o", out, "--set", "machine.memory=64M",
                       "--set", "sim.duration=2s", NULL};
  char *err = NULL, *sout = NULL;
  g_assert_cmpint(ft_fragsim(run, env, &sout, &err), ==, 0);
  ft_assert_has(err, "fragsim: run: churn [vanilla] ");
  ft_assert_has(err, "%  sim ");
  ft_assert_has(err, "M ev/s  ETA ");
  g_assert_null(strchr(err, '\r'));
  g_free(err);
  g_free(sout);
  const char *compare[] = {"compare", "-w", "churn", "-p", "vanilla", "-r", "2", "-j", "1", "-o", cmp,
                           "--set", "machine.memory=64M", "--set", "sim.duration=5s", NULL};
  g_assert_cmpint(ft_fragsim(compare, env, &sout, &err), ==, 0);
  ft_assert_has(err, "fragsim: compare: ");
  ft_assert_has(err, " runs done  elapsed ");
  g_assert_null(strchr(err, '\r'));
  g_free(err);
  g_free(sout);
  ft_rm_tree(d);
  g_free(out);
  g_free(cmp);
  g_free(d);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/e2e/run/checked", test_run_checked);
  g_test_add_func("/e2e/run/deterministic", test_determinism);
  g_test_add_func("/e2e/run/pageblocks-pcp", test_pageblocks_pcp);
  g_test_add_func("/e2e/run/errors", test_errors);
  g_test_add_func("/e2e/run/terabyte", test_terabyte);
  g_test_add_func("/e2e/run/interrupt", test_interrupt);
  g_test_add_func("/e2e/run/watchdog", test_watchdog);
  g_test_add_func("/e2e/run/oom-recorded", test_oom_recorded);
  g_test_add_func("/e2e/run/default-outdir", test_default_outdir);
  g_test_add_func("/e2e/list", test_list);
  g_test_add_func("/e2e/progress/plain", test_progress_plain);
  return g_test_run();
}
