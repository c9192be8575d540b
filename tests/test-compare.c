/* Tests for `fragsim compare`: the aggregation math (mean, sd, t-based CI)
 * on hand-computed inputs, the tidy CSV writer and libcsv reader, run
 * numbering, and end to end through $FRAGSIM_BIN: -j1 and -j2 give
 * byte-identical files, an interrupted comparison resumes redoing only the
 * missing run, and --run N for every N plus --collect equals a plain
 * compare.  Runs are kept short (2 s simulated, 256 MiB). */
#include "results/compare.h"

#include "engine/core/error.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"

/* ---- helpers ------------------------------------------------------------------ */

static char *tmp_root; /* removed at the end */

static char *tmp_path(const char *name) { return g_build_filename(tmp_root, name, NULL); }

#define SHORT "--set", "sim.duration=2s", "--set", "machine.memory=256M"
#define DESIGN "-w", "churn", "-p", "vanilla", "-p", "nogroup", "-r", "3", SHORT

static void assert_files_equal(const char *a, const char *b) {
  char *x = ft_read(a), *y = ft_read(b);
  g_assert_cmpstr(x, ==, y);
  g_free(x);
  g_free(y);
}

/* A plain -j1 comparison, made once and shared as the reference. */
static const char *reference_dir(void) {
  static char *dir;
  if (!dir) {
    dir = tmp_path("ref-j1");
    const char *args[] = {"compare", DESIGN, "-j1", "-q", "-o", dir, NULL};
    g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  }
  return dir;
}

/* ---- aggregation math ------------------------------------------------------------ */

static void test_t975(void) {
  /* exact values from the regularized incomplete beta function */
  g_assert_cmpfloat_with_epsilon(fsi_t975(1), 12.706204736, 1e-8);
  g_assert_cmpfloat_with_epsilon(fsi_t975(2), 4.302652730, 1e-8);
  g_assert_cmpfloat_with_epsilon(fsi_t975(4), 2.776445105, 1e-8);
  g_assert_cmpfloat_with_epsilon(fsi_t975(30), 2.042272456, 1e-8);
  /* beyond the table: Cornish-Fisher */
  g_assert_cmpfloat_with_epsilon(fsi_t975(31), 2.039513446, 1e-7);
  g_assert_cmpfloat_with_epsilon(fsi_t975(40), 2.021075390, 1e-7);
  g_assert_cmpfloat_with_epsilon(fsi_t975(120), 1.979930405, 1e-8);
  g_assert_cmpfloat_with_epsilon(fsi_t975(1000), 1.962339081, 1e-8);
  for (guint df = 1; df < 500; df++) {
    g_assert_cmpfloat(fsi_t975(df + 1), <, fsi_t975(df));
    g_assert_cmpfloat(fsi_t975(df), >, 1.959963984);
  }
}

static void test_agg_n5(void) {
  /* 1..5: mean 3; squared deviations 4+1+0+1+4 = 10, sd = sqrt(10/4) =
   * 1.58113883; se = sd/sqrt(5) = 0.707106781; t(0.975, 4) = 2.776445105;
   * half-width 1.963243161, CI [1.036756839, 4.963243161]. */
  const double v[] = {1, 2, 3, 4, 5};
  FsiAgg a;
  fsi_agg_compute(v, G_N_ELEMENTS(v), &a);
  g_assert_cmpuint(a.n, ==, 5);
  g_assert_cmpfloat_with_epsilon(a.mean, 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(a.sd, 1.58113883, 1e-8);
  g_assert_cmpfloat_with_epsilon(a.ci95_lo, 1.036756839, 1e-8);
  g_assert_cmpfloat_with_epsilon(a.ci95_hi, 4.963243161, 1e-8);
}

static void test_agg_n2(void) {
  /* 10, 14: sd = sqrt(8); half = 12.7062047 * 2 = 25.41240947 */
  const double v[] = {10, 14};
  FsiAgg a;
  fsi_agg_compute(v, 2, &a);
  g_assert_cmpuint(a.n, ==, 2);
  g_assert_cmpfloat_with_epsilon(a.sd, 2.828427125, 1e-8);
  g_assert_cmpfloat_with_epsilon(a.ci95_lo, -13.41240947, 1e-7);
  g_assert_cmpfloat_with_epsilon(a.ci95_hi, 37.41240947, 1e-7);
}

static void test_agg_n1(void) {
  const double v[] = {7};
  FsiAgg a;
  fsi_agg_compute(v, 1, &a);
  g_assert_cmpuint(a.n, ==, 1);
  g_assert_cmpfloat(a.mean, ==, 7);
  g_assert_true(isnan(a.sd) && isnan(a.ci95_lo) && isnan(a.ci95_hi));
}

static void test_agg_nan_skipped(void) {
  /* e.g. huge_success_pct of seeds that made no huge request */
  const double v[] = {NAN, 2, NAN, 4, INFINITY};
  FsiAgg a;
  fsi_agg_compute(v, G_N_ELEMENTS(v), &a);
  g_assert_cmpuint(a.n, ==, 2);
  g_assert_cmpfloat_with_epsilon(a.mean, 3.0, 1e-12);
  const double none[] = {NAN, NAN};
  fsi_agg_compute(none, 2, &a);
  g_assert_cmpuint(a.n, ==, 0);
  g_assert_true(isnan(a.mean) && isnan(a.sd));
  fsi_agg_compute(NULL, 0, &a);
  g_assert_cmpuint(a.n, ==, 0);
}

static void test_agg_constant(void) {
  const double v[] = {100, 100, 100};
  FsiAgg a;
  fsi_agg_compute(v, 3, &a);
  g_assert_cmpfloat(a.sd, ==, 0);
  g_assert_cmpfloat(a.ci95_lo, ==, 100);
  g_assert_cmpfloat(a.ci95_hi, ==, 100);
}

/* ---- the tidy writer and the reader ------------------------------------------------ */

static FsiDesign *two_stack_design(void) {
  FsiDesign *d = fsi_design_new();
  g_ptr_array_add(d->workloads, g_strdup("churn"));
  g_ptr_array_add(d->stacks, g_strdup("a"));
  g_ptr_array_add(d->stacks, g_strdup("b+c"));
  guint64 s = 1;
  g_array_append_val(d->seeds, s);
  GError *e = NULL;
  g_assert_true(fsi_design_finish(d, &e));
  g_assert_no_error(e);
  return d;
}

static void test_csv_writer(void) {
  FsiDesign *d = two_stack_design();
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(FsiCompareRow));
  const double v5[] = {1, 2, 3, 4, 5}, v1[] = {7}, v0[] = {NAN}, vneg[] = {-0.0, -0.0};
  FsiCompareRow r = {0, 0, g_strdup("m"), {0}};
  fsi_agg_compute(v5, 5, &r.agg);
  g_array_append_val(rows, r);
  r = (FsiCompareRow){0, 1, g_strdup("m"), {0}};
  fsi_agg_compute(v1, 1, &r.agg);
  g_array_append_val(rows, r);
  r = (FsiCompareRow){0, 1, g_strdup("huge_success_pct"), {0}};
  fsi_agg_compute(v0, 1, &r.agg);
  g_array_append_val(rows, r);
  r = (FsiCompareRow){0, 1, g_strdup("z"), {0}};
  fsi_agg_compute(vneg, 2, &r.agg);
  g_array_append_val(rows, r);
  char *path = tmp_path("writer.csv");
  GError *e = NULL;
  g_assert_true(fsi_compare_write_csv(d, rows, path, &e));
  g_assert_no_error(e);
  char *text = ft_read(path);
  g_assert_cmpstr(text, ==,
                  "workload,stack,metric,n,mean,sd,ci95_lo,ci95_hi\n"
                  "churn,a,m,5,3,1.58113883,1.036756839,4.963243161\n"
                  "churn,b+c,m,1,7,,,\n"
                  "churn,b+c,huge_success_pct,0,,,,\n"
                  "churn,b+c,z,2,0,0,0,0\n");
  /* no temporary left beside it */
  GDir *dir = g_dir_open(tmp_root, 0, NULL);
  const char *n;
  while ((n = g_dir_read_name(dir))) g_assert_null(strstr(n, "writer.csv.tmp"));
  g_dir_close(dir);
  g_free(text);
  g_free(path);
  fsi_compare_rows_free(rows);
  fsi_design_free(d);
}

static void test_csv_reader(void) {
  char *path = tmp_path("read.csv");
  g_assert_true(g_file_set_contents(path, "a,b,c\n1,,\"x,\"\"y\"\"\"\n2.5,nan,\n", -1, NULL));
  GError *e = NULL;
  FsiTable *t = fsi_table_read(path, &e);
  g_assert_no_error(e);
  g_assert_cmpuint(t->rows->len, ==, 2);
  g_assert_cmpint(fsi_table_col(t, "c"), ==, 2);
  g_assert_cmpint(fsi_table_col(t, "d"), ==, -1);
  g_assert_cmpstr(fsi_table_get(t, 0, 0), ==, "1");
  g_assert_null(fsi_table_get(t, 0, 1));
  g_assert_cmpstr(fsi_table_get(t, 0, 2), ==, "x,\"y\"");
  double v;
  g_assert_true(fsi_parse_number(fsi_table_get(t, 1, 0), &v) && v == 2.5);
  g_assert_true(fsi_parse_number(fsi_table_get(t, 0, 1), &v) && isnan(v));
  g_assert_false(fsi_parse_number("12abc", &v));
  fsi_table_free(t);

  /* ragged and malformed files name the file and line */
  g_assert_true(g_file_set_contents(path, "a,b\n1,2\n3\n", -1, NULL));
  g_assert_null(fsi_table_read(path, &e));
  g_assert_error(e, FSI_ERROR, FSI_ERROR_IO);
  g_assert_nonnull(strstr(e->message, "read.csv line 3"));
  g_clear_error(&e);
  g_assert_true(g_file_set_contents(path, "a,b\n1,\"2\n", -1, NULL));
  g_assert_null(fsi_table_read(path, &e));
  g_assert_error(e, FSI_ERROR, FSI_ERROR_IO);
  g_assert_nonnull(strstr(e->message, "read.csv"));
  g_clear_error(&e);
  char *missing = tmp_path("no-such.csv");
  g_assert_null(fsi_table_read(missing, &e));
  g_assert_error(e, FSI_ERROR, FSI_ERROR_NOT_FOUND);
  g_clear_error(&e);
  g_free(missing);
  g_free(path);
}

/* ---- design ---------------------------------------------------------------------- */

static void test_design_numbering(void) {
  FsiDesign *d = fsi_design_new();
  g_ptr_array_add(d->workloads, g_strdup("w0"));
  g_ptr_array_add(d->workloads, g_strdup("w1"));
  g_ptr_array_add(d->stacks, g_strdup("s0"));
  g_ptr_array_add(d->stacks, g_strdup("/opt/p/my policy.so"));
  g_ptr_array_add(d->stacks, g_strdup(".hidden"));
  guint64 seeds[] = {7, 3};
  g_array_append_vals(d->seeds, seeds, 2);
  GError *e = NULL;
  g_assert_true(fsi_design_finish(d, &e));
  g_assert_cmpuint(fsi_design_n_runs(d), ==, 12);
  guint w, s, k;
  /* workload-major, then stack, then seed */
  fsi_design_run(d, 0, &w, &s, &k);
  g_assert_true(w == 0 && s == 0 && k == 0);
  fsi_design_run(d, 1, &w, &s, &k);
  g_assert_true(w == 0 && s == 0 && k == 1);
  fsi_design_run(d, 5, &w, &s, &k);
  g_assert_true(w == 0 && s == 2 && k == 1);
  fsi_design_run(d, 6, &w, &s, &k);
  g_assert_true(w == 1 && s == 0 && k == 0);
  fsi_design_run(d, 11, &w, &s, &k);
  g_assert_true(w == 1 && s == 2 && k == 1);
  char *rd = fsi_design_run_dir(d, "out", 3);
  g_assert_cmpstr(rd, ==, "out/runs/w0/_opt_p_my_policy.so/s3");
  g_free(rd);
  rd = fsi_design_run_dir(d, "out", 4);
  g_assert_cmpstr(rd, ==, "out/runs/w0/_.hidden/s7");
  g_free(rd);

  /* the manifest round-trips, separators and all */
  g_ptr_array_add(d->sets, g_strdup("workload.mix=a;b"));
  g_ptr_array_add(d->sets, g_strdup("sim.duration=2s"));
  char *ini = tmp_path("design.ini");
  g_assert_true(fsi_design_save(d, ini, &e));
  g_assert_no_error(e);
  FsiDesign *back = fsi_design_load(ini, &e);
  g_assert_no_error(e);
  g_assert_cmpuint(back->stacks->len, ==, 3);
  g_assert_cmpstr(g_ptr_array_index(back->stacks, 1), ==, "/opt/p/my policy.so");
  g_assert_cmpstr(g_ptr_array_index(back->stack_dirs, 1), ==, "_opt_p_my_policy.so");
  g_assert_cmpuint(back->sets->len, ==, 2);
  g_assert_cmpstr(g_ptr_array_index(back->sets, 0), ==, "workload.mix=a;b");
  g_assert_cmpuint(g_array_index(back->seeds, guint64, 0), ==, 7);
  g_assert_cmpuint(g_array_index(back->seeds, guint64, 1), ==, 3);
  fsi_design_free(back);
  g_free(ini);
  fsi_design_free(d);

  d = fsi_design_new();
  g_ptr_array_add(d->workloads, g_strdup("w"));
  g_ptr_array_add(d->stacks, g_strdup("a/b"));
  g_ptr_array_add(d->stacks, g_strdup("a_b"));
  g_array_append_vals(d->seeds, seeds, 1);
  g_assert_false(fsi_design_finish(d, &e));
  g_assert_error(e, FSI_ERROR, FSI_ERROR_CONFIG);
  g_assert_nonnull(strstr(e->message, "share the run directory name"));
  g_clear_error(&e);
  fsi_design_free(d);

  g_assert_true(fsi_compare_is_work_metric("pgscan_kswapd"));
  g_assert_true(fsi_compare_is_work_metric("pgmigrate_success"));
  g_assert_true(fsi_compare_is_work_metric("compaction.compact_migrate_scanned"));
  g_assert_false(fsi_compare_is_work_metric("pgfree"));
  g_assert_false(fsi_compare_is_work_metric("free_migratetype"));
}

/* ---- end to end ---------------------------------------------------------------------- */

static void test_jobs_identical(void) {
  const char *ref = reference_dir();
  char *dir = tmp_path("j2");
  char *out = NULL;
  const char *args[] = {"compare", DESIGN, "-j2", "-o", dir, NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "ran 6 of 6 runs (0 already complete)"));
  /* the summary table shows the headline metrics for both stacks */
  g_assert_nonnull(strstr(out, "huge_success_pct"));
  g_assert_nonnull(strstr(out, "stall_p99_ns"));
  g_assert_nonnull(strstr(out, "nogroup"));
  g_free(out);
  char *a = g_build_filename(ref, "compare.csv", NULL), *b = g_build_filename(dir, "compare.csv", NULL);
  assert_files_equal(a, b);
  char *text = ft_read(a);
  g_assert_true(g_str_has_prefix(text, "workload,stack,metric,n,mean,sd,ci95_lo,ci95_hi\n"));
  g_assert_nonnull(strstr(text, "\nchurn,vanilla,huge_success_pct,3,"));
  g_assert_nonnull(strstr(text, "\nchurn,nogroup,huge_success_pct,3,"));
  g_assert_null(strstr(text, ",seed,"));
  g_free(text);
  g_free(a);
  g_free(b);
  a = g_build_filename(ref, "compare.ini", NULL);
  b = g_build_filename(dir, "compare.ini", NULL);
  assert_files_equal(a, b);
  text = ft_read(a);
  g_assert_nonnull(strstr(text, "stacks=vanilla;nogroup;"));
  g_assert_nonnull(strstr(text, "seeds=1;2;3;"));
  g_assert_nonnull(strstr(text, "sets=sim.duration=2s;machine.memory=256M;"));
  g_assert_nonnull(strstr(text, "fragsim_version="));
  g_free(text);
  g_free(a);
  g_free(b);
  g_free(dir);
}

typedef struct {
  dev_t dev;
  ino_t ino;
  struct timespec mtime;
} Stamp;

static Stamp stamp(const char *path) {
  struct stat st;
  g_assert_cmpint(stat(path, &st), ==, 0);
  return (Stamp){st.st_dev, st.st_ino, st.st_mtim};
}

static void test_resume(void) {
  char *dir = tmp_path("resume");
  const char *args[] = {"compare", DESIGN, "-j2", "-q", "-o", dir, NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  const char *leaves[] = {"vanilla/s1", "vanilla/s2", "vanilla/s3", "nogroup/s1", "nogroup/s2", "nogroup/s3"};
  Stamp before[G_N_ELEMENTS(leaves)];
  for (unsigned i = 0; i < G_N_ELEMENTS(leaves); i++) {
    char *p = g_build_filename(dir, "runs", "churn", leaves[i], "summary.csv", NULL);
    before[i] = stamp(p);
    g_free(p);
  }
  char *csv = g_build_filename(dir, "compare.csv", NULL);
  char *first = ft_read(csv);

  /* what a kill leaves: one run never renamed into place (its temporary
   * directory still there) and no compare.csv */
  char *victim = g_build_filename(dir, "runs", "churn", "nogroup", "s2", NULL);
  ft_rm_tree(victim);
  char *stale = g_build_filename(dir, "runs", "churn", "nogroup", ".s2.tmp-999999", NULL);
  g_assert_cmpint(g_mkdir_with_parents(stale, 0777), ==, 0);
  g_unlink(csv);

  char *out = NULL;
  const char *again[] = {"compare", DESIGN, "-j2", "-o", dir, NULL};
  g_assert_cmpint(ft_fragsim(again, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "ran 1 of 6 runs (5 already complete)"));
  g_free(out);
  for (unsigned i = 0; i < G_N_ELEMENTS(leaves); i++) {
    char *p = g_build_filename(dir, "runs", "churn", leaves[i], "summary.csv", NULL);
    Stamp now = stamp(p);
    if (!strcmp(leaves[i], "nogroup/s2")) {
      g_assert_true(g_file_test(p, G_FILE_TEST_IS_REGULAR)); /* redone */
    } else {
      /* untouched: same file, same modification time */
      g_assert_true(now.dev == before[i].dev && now.ino == before[i].ino);
      g_assert_true(now.mtime.tv_sec == before[i].mtime.tv_sec && now.mtime.tv_nsec == before[i].mtime.tv_nsec);
    }
    g_free(p);
  }
  char *second = ft_read(csv);
  g_assert_cmpstr(first, ==, second);

  /* a third run has nothing to do */
  g_assert_cmpint(ft_fragsim(again, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "ran 0 of 6 runs (6 already complete)"));
  g_free(out);
  g_free(first);
  g_free(second);
  g_free(stale);
  g_free(victim);
  g_free(csv);
  g_free(dir);
}

static void test_cluster(void) {
  const char *ref = reference_dir();
  char *dir = tmp_path("cluster");
  char *out = NULL;
  const char *list[] = {"compare", DESIGN, "-o", dir, "--list-runs", NULL};
  g_assert_cmpint(ft_fragsim(list, NULL, &out, NULL), ==, 0);
  char **lines = g_strsplit(g_strchomp(out), "\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 6);
  const char *expect[][3] = {{"vanilla", "1", "todo"}, {"vanilla", "2", "todo"}, {"vanilla", "3", "todo"},
                             {"nogroup", "1", "todo"}, {"nogroup", "2", "todo"}, {"nogroup", "3", "todo"}};
  for (guint i = 0; i < 6; i++) {
    char **f = g_strsplit(lines[i], "\t", -1);
    g_assert_cmpuint(g_strv_length(f), ==, 6);
    char *num = g_strdup_printf("%u", i);
    g_assert_cmpstr(f[0], ==, num);
    g_assert_cmpstr(f[1], ==, "churn");
    g_assert_cmpstr(f[2], ==, expect[i][0]);
    g_assert_cmpstr(f[3], ==, expect[i][1]);
    g_assert_cmpstr(f[5], ==, expect[i][2]);
    g_free(num);
    g_strfreev(f);
  }
  g_strfreev(lines);
  g_free(out);
  /* listing writes nothing */
  g_assert_false(g_file_test(dir, G_FILE_TEST_EXISTS));

  /* array tasks finish in any order */
  for (int n = 5; n >= 0; n--) {
    char *num = g_strdup_printf("%d", n);
    const char *run[] = {"compare", DESIGN, "-o", dir, "--run", num, NULL};
    g_assert_cmpint(ft_fragsim(run, NULL, NULL, NULL), ==, 0);
    g_free(num);
  }
  const char *collect[] = {"compare", DESIGN, "-o", dir, "--collect", "-q", NULL};
  g_assert_cmpint(ft_fragsim(collect, NULL, NULL, NULL), ==, 0);
  char *a = g_build_filename(ref, "compare.csv", NULL), *b = g_build_filename(dir, "compare.csv", NULL);
  assert_files_equal(a, b);
  g_free(a);
  g_free(b);
  a = g_build_filename(ref, "compare.ini", NULL);
  b = g_build_filename(dir, "compare.ini", NULL);
  assert_files_equal(a, b);
  g_free(a);
  g_free(b);
  g_assert_cmpint(ft_fragsim(list, NULL, &out, NULL), ==, 0);
  g_assert_null(strstr(out, "todo"));
  g_free(out);

  /* a finished run is not redone */
  const char *rerun[] = {"compare", DESIGN, "-o", dir, "--run", "2", NULL};
  g_assert_cmpint(ft_fragsim(rerun, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "already complete"));
  g_free(out);
  g_free(dir);
}

/* More seeds later: the finished runs are kept, only the new ones run. */
static void test_extend(void) {
  char *dir = tmp_path("extend"), *out = NULL;
  const char *two[] = {"compare", "-w", "churn", "-p", "vanilla", "-p", "nogroup", "-r", "2", SHORT, "-j2", "-o", dir, NULL};
  g_assert_cmpint(ft_fragsim(two, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "ran 4 of 4 runs (0 already complete)"));
  g_free(out);
  const char *three[] = {"compare", DESIGN, "-j2", "-o", dir, NULL};
  g_assert_cmpint(ft_fragsim(three, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "ran 2 of 6 runs (4 already complete)"));
  g_free(out);
  /* the result is that of the three-seed design */
  char *a = g_build_filename(reference_dir(), "compare.csv", NULL), *b = g_build_filename(dir, "compare.csv", NULL);
  assert_files_equal(a, b);
  g_free(a);
  g_free(b);
  g_free(dir);
}

static void test_errors(void) {
  char *dir = tmp_path("errors"), *err = NULL;
  /* --collect with runs missing names them */
  const char *collect[] = {"compare", DESIGN, "-o", dir, "--collect", NULL};
  g_assert_cmpint(ft_fragsim(collect, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "fragsim: compare: "));
  g_assert_nonnull(strstr(err, "6 of 6 runs are not complete (run numbers 0-5"));
  g_free(err);

  const char *no_o[] = {"compare", "-w", "churn", "-p", "vanilla", NULL};
  g_assert_cmpint(ft_fragsim(no_o, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "fragsim: compare: -w WORKLOAD, -p STACK and -o DIR are required"));
  g_free(err);

  const char *bad_run[] = {"compare", DESIGN, "-o", dir, "--run", "6", NULL};
  g_assert_cmpint(ft_fragsim(bad_run, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "--run: there is no run 6; this comparison has runs 0..5"));
  g_free(err);

  const char *both[] = {"compare", DESIGN, "-o", dir, "--run", "1", "--collect", NULL};
  g_assert_cmpint(ft_fragsim(both, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "exclude each other"));
  g_free(err);

  /* a misspelt stack fails before anything runs or is written */
  char *dir2 = tmp_path("errors-stack");
  const char *bad_stack[] = {"compare", "-w", "churn", "-p", "vanilla", "-p", "no-such-stack", "-r", "2", SHORT,
                             "-o", dir2, NULL};
  g_assert_cmpint(ft_fragsim(bad_stack, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "fragsim: compare: "));
  g_assert_nonnull(strstr(err, "no-such-stack"));
  g_assert_false(g_file_test(dir2, G_FILE_TEST_EXISTS));
  g_free(err);

  const char *bad_set[] = {"compare", "-w", "churn", "-p", "vanilla", "--set", "sim.no_such_key=1", "-o", dir2, NULL};
  g_assert_cmpint(ft_fragsim(bad_set, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "no_such_key"));
  g_free(err);

  /* other --set values into a directory made with different ones */
  const char *ref = reference_dir();
  const char *other[] = {"compare", "-w", "churn", "-p", "vanilla", "-p", "nogroup", "-r", "3", "--set", "sim.duration=3s",
                         "--set", "machine.memory=256M", "-o", ref, NULL};
  g_assert_cmpint(ft_fragsim(other, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "compare.ini was made with --set sim.duration=2s"));
  g_free(err);
  g_free(dir2);
  g_free(dir);
}

static void test_seed_options(void) {
  char *dir = tmp_path("seeds"), *out = NULL;
  const char *base[] = {"compare", "-w", "churn", "-p", "vanilla", "-r", "2", "--seed-base", "10", "-o", dir,
                        "--list-runs", NULL};
  g_assert_cmpint(ft_fragsim(base, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "0\tchurn\tvanilla\t10\t"));
  g_assert_nonnull(strstr(out, "1\tchurn\tvanilla\t11\t"));
  g_free(out);
  const char *list[] = {"compare", "-w", "churn", "-pvanilla,nogroup", "--seed-list", "5,1..2", "-o", dir,
                        "--list-runs", NULL};
  g_assert_cmpint(ft_fragsim(list, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "0\tchurn\tvanilla\t5\t"));
  g_assert_nonnull(strstr(out, "2\tchurn\tvanilla\t2\t"));
  g_assert_nonnull(strstr(out, "5\tchurn\tnogroup\t2\t"));
  g_free(out);
  char *err = NULL;
  const char *dup[] = {"compare", "-w", "churn", "-p", "vanilla", "--seed-list", "1,1", "-o", dir, "--list-runs", NULL};
  g_assert_cmpint(ft_fragsim(dup, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "seed 1 is given twice"));
  g_free(err);
  g_free(dir);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tmp_root = ft_tmpdir("fragsim-compare");

  g_test_add_func("/compare/t975", test_t975);
  g_test_add_func("/compare/aggregate/n5-hand-computed", test_agg_n5);
  g_test_add_func("/compare/aggregate/n2", test_agg_n2);
  g_test_add_func("/compare/aggregate/n1-no-ci", test_agg_n1);
  g_test_add_func("/compare/aggregate/nan-skipped", test_agg_nan_skipped);
  g_test_add_func("/compare/aggregate/constant", test_agg_constant);
  g_test_add_func("/compare/csv/writer", test_csv_writer);
  g_test_add_func("/compare/csv/reader", test_csv_reader);
  g_test_add_func("/compare/design/numbering", test_design_numbering);
  g_test_add_func("/compare/e2e/j1-equals-j2", test_jobs_identical);
  g_test_add_func("/compare/e2e/resume", test_resume);
  g_test_add_func("/compare/e2e/run-n-and-collect", test_cluster);
  g_test_add_func("/compare/e2e/seed-options", test_seed_options);
  g_test_add_func("/compare/e2e/extend", test_extend);
  g_test_add_func("/compare/e2e/errors", test_errors);
  int rc = g_test_run();
  ft_rm_tree(tmp_root);
  g_free(tmp_root);
  return rc;
}
