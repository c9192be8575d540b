/* Tests for `fragsim compare`: the aggregation math (mean, sd, t-based CI)
 * on hand-computed inputs, the tidy CSV writer and libcsv reader, run
 * numbering, and end to end through $FRAGSIM_BIN: -j1 and -j2 give
 * byte-identical files, an interrupted comparison resumes redoing only the
 * missing run, and --run N for every N plus --collect equals a plain
 * compare.  The table: paired differences from the baseline with their
 * CI on hand-computed inputs, significance markers, folded rows, the
 * headline; runs.csv holds every value of every run.  Runs are kept short
 * (2 s simulated, 256 MiB). */
#include "results/compare.h"
#include "results/table.h"

#include "engine/core/error.h"
#include "results/rundir.h"

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
  FsiCompareRow r = {0, 0, g_strdup("m"), {0}, NULL};
  fsi_agg_compute(v5, 5, &r.agg);
  g_array_append_val(rows, r);
  r = (FsiCompareRow){0, 1, g_strdup("m"), {0}, NULL};
  fsi_agg_compute(v1, 1, &r.agg);
  g_array_append_val(rows, r);
  r = (FsiCompareRow){0, 1, g_strdup("huge_success_pct"), {0}, NULL};
  fsi_agg_compute(v0, 1, &r.agg);
  g_array_append_val(rows, r);
  r = (FsiCompareRow){0, 1, g_strdup("z"), {0}, NULL};
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


/* ---- paired differences and the table ------------------------------------------------ */

static void test_paired_diff(void) {
  /* per-seed differences 3, 2, 4: mean 3, sd 1, half-width t(0.975, 2) /
   * sqrt(3) = 4.30265272975 / 1.7320508076 = 2.484137712; the interval
   * [0.515862288, 5.484137712] excludes 0.  Unpaired, the two means' own
   * intervals (12 ± 4.97, 15 ± 6.57) overlap: pairing is what sees it. */
  const double base[] = {10, 12, 14}, x[] = {13, 14, 18};
  FsiAgg d;
  fsi_paired_diff(x, base, 3, &d);
  g_assert_cmpuint(d.n, ==, 3);
  g_assert_cmpfloat_with_epsilon(d.mean, 3.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(d.sd, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon(d.ci95_lo, 0.515862288, 1e-8);
  g_assert_cmpfloat_with_epsilon(d.ci95_hi, 5.484137712, 1e-8);
  g_assert_true(fsi_diff_significant(&d));
  /* differences 1, -2, 2: mean 1/3, sd sqrt(78/18) = 2.081665999, half
   * 5.171145013: [-4.837811679, 5.504478346] holds 0 */
  const double y[] = {11, 10, 16};
  fsi_paired_diff(y, base, 3, &d);
  g_assert_cmpfloat_with_epsilon(d.mean, 1.0 / 3, 1e-12);
  g_assert_cmpfloat_with_epsilon(d.sd, 2.081665999, 1e-8);
  g_assert_cmpfloat_with_epsilon(d.ci95_lo, -4.837811679, 1e-8);
  g_assert_cmpfloat_with_epsilon(d.ci95_hi, 5.504478346, 1e-8);
  g_assert_false(fsi_diff_significant(&d));
  /* a downward difference is significant too */
  fsi_paired_diff(base, x, 3, &d);
  g_assert_cmpfloat_with_epsilon(d.ci95_hi, -0.515862288, 1e-8);
  g_assert_true(fsi_diff_significant(&d));
  /* only seeds where both have a value pair up; one pair has no interval */
  const double a[] = {1, NAN, 3}, b[] = {0, 5, NAN};
  fsi_paired_diff(a, b, 3, &d);
  g_assert_cmpuint(d.n, ==, 1);
  g_assert_cmpfloat(d.mean, ==, 1);
  g_assert_false(fsi_diff_significant(&d));
  /* identical stacks: a difference of exactly 0 is never significant */
  fsi_paired_diff(base, base, 3, &d);
  g_assert_cmpfloat(d.mean, ==, 0);
  g_assert_false(fsi_diff_significant(&d));
}

static void test_metric_info(void) {
  FsiMetricInfo i;
  fsi_metric_info("phase_pass1_huge_success_pct", &i);
  g_assert_cmpstr(i.label, ==, "pass1: huge page success");
  g_assert_true(i.unit == FSI_UNIT_PCT && i.better == FSI_BETTER_HIGHER && !i.quantile);
  g_free(i.label);
  fsi_metric_info("latency_p99_ns_o9", &i);
  g_assert_cmpstr(i.label, ==, "order-9 latency p99");
  g_assert_true(i.unit == FSI_UNIT_NS && i.better == FSI_BETTER_LOWER && i.quantile);
  g_free(i.label);
  fsi_metric_info("phase_step18_nr_hugepages", &i);
  g_assert_cmpstr(i.label, ==, "step18: huge page pool");
  g_assert_true(i.better == FSI_BETTER_HIGHER);
  g_free(i.label);
  fsi_metric_info("unusable_huge", &i);
  g_assert_true(i.unit == FSI_UNIT_X1000 && i.better == FSI_BETTER_LOWER);
  g_free(i.label);
  /* unknown: its own name; work is a cost */
  fsi_metric_info("kcompactd.compact_daemon_isolated", &i);
  g_assert_cmpstr(i.label, ==, "kcompactd.compact_daemon_isolated");
  g_assert_true(i.better == FSI_BETTER_NONE);
  g_free(i.label);
  fsi_metric_info("mypolicy.pages_migrated", &i);
  g_assert_true(i.better == FSI_BETTER_LOWER);
  g_free(i.label);
}

static void add_row(GArray *rows, guint s, const char *metric, const double *v, guint n) {
  FsiCompareRow r = {0, s, g_strdup(metric), {0}, g_memdup2(v, sizeof(double) * n)};
  fsi_agg_compute(v, n, &r.agg);
  g_array_append_val(rows, r);
}

/* The line of the table whose label starts with label. */
static char *table_line_of(const char *table, const char *label) {
  char *key = g_strdup_printf("\n| %s", label);
  const char *at = strstr(table, key);
  g_free(key);
  if (!at) return NULL;
  at++;
  const char *end = strchr(at, '\n');
  return g_strndup(at, (gsize)(end - at));
}

static void test_table(void) {
  FsiDesign *d = fsi_design_new();
  g_ptr_array_add(d->workloads, g_strdup("w"));
  g_ptr_array_add(d->stacks, g_strdup("base"));
  g_ptr_array_add(d->stacks, g_strdup("new"));
  for (guint64 k = 1; k <= 3; k++) g_array_append_val(d->seeds, k);
  GError *e = NULL;
  g_assert_true(fsi_design_finish(d, &e));
  /* the workload's headline, as its first run's run.ini records it: a
   * metric no run has is reported, not silently dropped */
  char *dir = tmp_path("table");
  char *rd = fsi_design_run_dir(d, dir, 0);
  g_assert_cmpint(g_mkdir_with_parents(rd, 0777), ==, 0);
  g_free(ft_write_in(rd, "run.ini", "[workload]\nname=w\nheadline = fs_alloc_fail, phase_p_huge_success_pct,no_such, stall_p99_ns,fragindex_huge\n"));

  GArray *rows = g_array_new(FALSE, FALSE, sizeof(FsiCompareRow));
  const double b_pct[] = {10, 12, 14}, n_pct[] = {13, 14, 18};
  const double b_fail[] = {5, 5, 5}, n_fail[] = {6, 4, 5};
  const double zero[] = {0, 0, 0};
  const double b_stall[] = {2e6, 2e6, 2e6}, n_stall[] = {1e6, 1e6, 1e6};
  const double b_fi[] = {100, 100, 100}, n_fi[] = {200, 210, 190};
  const double b_frac[] = {500, 250, 750}, n_frac[] = {1500, 1500, 1500};
  const double n_mig[] = {10, 10, 10};
  add_row(rows, 0, "phase_p_huge_success_pct", b_pct, 3);
  add_row(rows, 0, "fs_alloc_fail", b_fail, 3);
  add_row(rows, 0, "stream_x_failures", zero, 3);
  add_row(rows, 0, "stall_p99_ns", b_stall, 3);
  add_row(rows, 0, "fragindex_huge", b_fi, 3);
  add_row(rows, 0, "pgmigrate_success", zero, 3);
  add_row(rows, 0, "pgscan_kswapd", zero, 3);
  add_row(rows, 0, "phase_p_huge_latency_p50_ns", b_frac, 3);
  add_row(rows, 1, "phase_p_huge_latency_p50_ns", n_frac, 3);
  add_row(rows, 1, "phase_p_huge_success_pct", n_pct, 3);
  add_row(rows, 1, "fs_alloc_fail", n_fail, 3);
  add_row(rows, 1, "stream_x_failures", zero, 3);
  add_row(rows, 1, "stall_p99_ns", n_stall, 3);
  add_row(rows, 1, "fragindex_huge", n_fi, 3);
  add_row(rows, 1, "pgmigrate_success", n_mig, 3);
  add_row(rows, 1, "pgscan_kswapd", zero, 3);
  char *t = fsi_compare_table(d, dir, rows);
  g_test_message("%s", t);

  g_assert_true(g_str_has_prefix(t, "## w: 3 seeds, baseline base\n"));
  /* the header: each stack after the baseline has its difference column */
  g_assert_nonnull(strstr(t, "\n| metric "));
  g_assert_nonnull(strstr(t, " Δ new |\n"));
  /* headline first, in its order */
  const char *l1 = strstr(t, "| failed allocations"), *l2 = strstr(t, "| p: huge page success (%)");
  const char *l3 = strstr(t, "| allocation latency p99");
  g_assert_true(l1 && l2 && l3 && l1 < l2 && l2 < l3);
  g_assert_nonnull(strstr(t, "- warning: headline metric no_such is not a metric of these runs"));
  g_assert_nonnull(strstr(t, "the first 4 rows: the workload's headline (headline in its [workload] section)"));
  g_assert_null(table_line_of(t, "no_such")); /* a headline no run has: a warning, no empty row */

  /* 12 ± 4.97 and 15 ± 6.57 overlap; the paired difference +3 ± 2.48 is
   * significant and higher is better; no decimals: every mean is whole */
  char *line = table_line_of(t, "p: huge page success (%)");
  g_assert_nonnull(strstr(line, " 12 ± 5 |"));
  g_assert_nonnull(strstr(line, " 15 ± 7 |"));
  g_assert_nonnull(strstr(line, " +3 ± 2 ▲ |"));
  g_free(line);
  /* not significant: no marker (1 - 1 + 0: mean 0, CI ±2.48) */
  line = table_line_of(t, "failed allocations");
  g_assert_nonnull(strstr(line, " 0 ± 2"));
  g_assert_null(strstr(line, "▲"));
  g_assert_null(strstr(line, "▼"));
  g_assert_null(strstr(line, "*"));
  g_free(line);
  /* latency in ms, labelled as a bucket bound; lower is better */
  line = table_line_of(t, "allocation latency p99 (ms, bucket bound)");
  g_assert_nonnull(line);
  g_assert_nonnull(strstr(line, " -1 ± 0 ▲ |"));
  g_free(line);
  /* ns below 1 ms: µs, three significant digits for the row's largest
   * mean (1.5 µs: 2 decimals); sd 0.25 µs gives a half-width of 0.62 both
   * for the baseline and for the differences 1, 1.25, 0.75 */
  line = table_line_of(t, "p: huge page latency p50 (µs, bucket bound)");
  g_assert_nonnull(line);
  g_assert_nonnull(strstr(line, " 0.50 ± 0.62 |"));
  g_assert_nonnull(strstr(line, " 1.50 ± 0.00 |"));
  g_assert_nonnull(strstr(line, " +1.00 ± 0.62 ▼ |"));
  g_free(line);
  /* no better direction: '*' */
  line = table_line_of(t, "fragmentation index, huge order (×1000)");
  g_assert_nonnull(strstr(line, " +100 ± 25 * |"));
  g_free(line);
  /* work is a cost: more of it is worse */
  line = table_line_of(t, "pages migrated");
  g_assert_nonnull(strstr(line, " +10 ± 0 ▼ |"));
  g_free(line);
  /* rows of zeros are folded and counted */
  g_assert_null(strstr(t, "stream x"));
  g_assert_null(strstr(t, "pages scanned"));
  g_assert_nonnull(strstr(t, "not shown: 2 rows 0 for every stack"));
  g_assert_nonnull(strstr(t, "▲ significantly better, ▼ significantly worse than base"));
  g_assert_nonnull(strstr(t, "bucket bound: a latency quantile is the upper bound of its histogram bucket"));
  g_free(t);

  /* a stack missing a metric: "–", and no difference */
  const double only[] = {1, 2, 3};
  add_row(rows, 0, "polluted_blocks", only, 3);
  t = fsi_compare_table(d, NULL, rows);
  line = table_line_of(t, "polluted pageblocks");
  g_assert_nonnull(strstr(line, " 2 ± 2 |"));
  g_assert_true(g_str_has_suffix(line, " –   |"));
  g_assert_nonnull(strstr(strstr(line, "–") + 1, "–"));
  g_free(line);
  /* without a declared headline the default one leads */
  g_assert_nonnull(strstr(t, "(the default: the workload declares none)"));
  g_free(t);

  /* one stack, one seed: no differences, no interval */
  fsi_design_free(d);
  d = fsi_design_new();
  g_ptr_array_add(d->workloads, g_strdup("w"));
  g_ptr_array_add(d->stacks, g_strdup("base"));
  guint64 one = 1;
  g_array_append_val(d->seeds, one);
  g_assert_true(fsi_design_finish(d, &e));
  fsi_compare_rows_free(rows);
  rows = g_array_new(FALSE, FALSE, sizeof(FsiCompareRow));
  add_row(rows, 0, "fs_alloc_fail", b_fail, 1);
  t = fsi_compare_table(d, NULL, rows);
  g_assert_null(strstr(t, "Δ"));
  line = table_line_of(t, "failed allocations");
  g_assert_nonnull(strstr(line, " 5 |"));
  g_free(line);
  g_free(t);
  fsi_compare_rows_free(rows);
  fsi_design_free(d);
  g_free(rd);
  g_free(dir);
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
  /* the table (churn declares no headline: the default one) with the
   * difference of nogroup from vanilla; what it prints is table.md */
  g_assert_nonnull(strstr(out, "## churn: 3 seeds, baseline vanilla\n"));
  g_assert_nonnull(strstr(out, "| huge page success (%)"));
  g_assert_nonnull(strstr(out, "| allocation latency p99 ("));
  g_assert_nonnull(strstr(out, " Δ nogroup |\n"));
  g_assert_null(strstr(out, "stall_p99_ns"));
  char *md = g_build_filename(dir, "table.md", NULL), *md_text = ft_read(md);
  g_assert_nonnull(strstr(out, md_text));
  g_free(md_text);
  char *md_ref = g_build_filename(ref, "table.md", NULL);
  assert_files_equal(md_ref, md);
  g_free(md_ref);
  g_free(md);
  g_free(out);
  char *runs_a = g_build_filename(ref, "runs.csv", NULL), *runs_b = g_build_filename(dir, "runs.csv", NULL);
  assert_files_equal(runs_a, runs_b);
  g_free(runs_a);
  g_free(runs_b);
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


/* runs.csv: one row per metric of every run, the values as the runs'
 * summary.csv files have them. */
static void test_runs_csv(void) {
  const char *ref = reference_dir();
  char *path = g_build_filename(ref, "runs.csv", NULL);
  GError *e = NULL;
  FsiTable *t = fsi_table_read(path, &e);
  g_assert_no_error(e);
  g_assert_cmpuint(t->header->len, ==, 5);
  const char *cols[] = {"workload", "stack", "seed", "metric", "value"};
  for (unsigned i = 0; i < 5; i++) g_assert_cmpstr(g_ptr_array_index(t->header, i), ==, cols[i]);
  /* workloads x stacks x seeds x metrics: each stack's seeds have the same
   * metrics (its policies' counters differ from another stack's) */
  const char *stacks[] = {"vanilla", "nogroup"};
  guint expect = 0, seen = 0;
  for (unsigned s = 0; s < 2; s++) {
    guint nmetrics = 0;
    for (guint k = 1; k <= 3; k++) {
      char *leaf = g_strdup_printf("s%u", k);
      char *rd = g_build_filename(ref, "runs", "churn", stacks[s], leaf, NULL);
      FsiRunSummary *rs = fsi_run_summary_read(rd, &e);
      g_assert_no_error(e);
      if (k == 1) nmetrics = rs->metrics->len;
      g_assert_cmpuint(rs->metrics->len, ==, nmetrics);
      /* every value of the run is there, in its column order */
      for (guint m = 0; m < rs->metrics->len; m++, seen++) {
        g_assert_cmpstr(fsi_table_get(t, seen, 0), ==, "churn");
        g_assert_cmpstr(fsi_table_get(t, seen, 1), ==, stacks[s]);
        g_assert_cmpstr(fsi_table_get(t, seen, 2), ==, leaf + 1);
        g_assert_cmpstr(fsi_table_get(t, seen, 3), ==, g_ptr_array_index(rs->metrics, m));
        double v, want = g_array_index(rs->values, double, m);
        g_assert_true(fsi_parse_number(fsi_table_get(t, seen, 4), &v));
        if (isnan(want)) g_assert_true(isnan(v));
        else g_assert_cmpfloat(v, ==, want);
      }
      fsi_run_summary_free(rs);
      g_free(rd);
      g_free(leaf);
    }
    g_assert_cmpuint(nmetrics, >, 100);
    expect += 1 * 3 * nmetrics;
  }
  g_assert_cmpuint(t->rows->len, ==, expect);
  /* an integer counter is written exactly, as in summary.csv */
  char *sum = g_build_filename(ref, "runs", "churn", "vanilla", "s2", NULL);
  FsiRunSummary *rs = fsi_run_summary_read(sum, &e);
  for (guint m = 0; m < rs->metrics->len; m++)
    if (!strcmp(g_ptr_array_index(rs->metrics, m), "events")) {
      char *text = g_strdup_printf("%.0f", g_array_index(rs->values, double, m));
      gboolean found = FALSE;
      for (guint r = 0; r < t->rows->len; r++)
        if (!g_strcmp0(fsi_table_get(t, r, 1), "vanilla") && !g_strcmp0(fsi_table_get(t, r, 2), "2") &&
            !g_strcmp0(fsi_table_get(t, r, 3), "events"))
          found = !g_strcmp0(fsi_table_get(t, r, 4), text);
      g_assert_true(found);
      g_free(text);
    }
  fsi_run_summary_free(rs);
  g_free(sum);
  fsi_table_free(t);
  g_free(path);
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

/* Finished runs are reused only when what they are made from is the same:
 * a workload file edited after the runs (as a rebuilt fragsim, an edited
 * stack or a new policy module would) makes the next compare into the same
 * directory refuse, naming what may have changed; --force redoes the runs;
 * --collect still gathers the finished ones. */
static void test_stale_inputs(void) {
  char *dir = tmp_path("stale");
  char *wl = tmp_path("tiny.ini");
  const char *text = "[workload]\nname = tiny\nphases = p\n[machine]\nmemory = 64M\n[phase.p]\nduration = 200ms\n"
                     "streams = s\n[stream.s]\nkind = anon\ntasks = 1\nthink = %s\nlifetime = exp:50ms\n";
  char *t1 = g_strdup_printf(text, "1ms");
  g_assert_true(g_file_set_contents(wl, t1, -1, NULL));
  const char *args[] = {"compare", "-w", wl, "-p", "vanilla", "-r", "1", "-o", dir, NULL};
  char *out = NULL, *err = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "ran 0 of 1 runs (1 already complete)"));
  g_free(out);
  char *t2 = g_strdup_printf(text, "2ms");
  g_assert_true(g_file_set_contents(wl, t2, -1, NULL));
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "was made from other inputs"));
  g_assert_nonnull(strstr(err, "a workload file"));
  g_assert_nonnull(strstr(err, "--force"));
  g_free(err);
  const char *collect[] = {"compare", "-w", wl, "-p", "vanilla", "-r", "1", "-o", dir, "--collect", NULL};
  g_assert_cmpint(ft_fragsim(collect, NULL, NULL, NULL), ==, 0);
  const char *force[] = {"compare", "-w", wl, "-p", "vanilla", "-r", "1", "-o", dir, "--force", NULL};
  g_assert_cmpint(ft_fragsim(force, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "ran 1 of 1 runs"));
  g_free(out);
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 0);
  g_assert_nonnull(strstr(out, "ran 0 of 1 runs (1 already complete)"));
  g_free(out);
  g_free(t1);
  g_free(t2);
  g_free(wl);
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
  /* and the per-run data and the table */
  const char *more[] = {"runs.csv", "table.md"};
  for (unsigned i = 0; i < G_N_ELEMENTS(more); i++) {
    a = g_build_filename(ref, more[i], NULL);
    b = g_build_filename(dir, more[i], NULL);
    assert_files_equal(a, b);
    g_free(a);
    g_free(b);
  }
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
  g_test_add_func("/compare/table/paired-difference", test_paired_diff);
  g_test_add_func("/compare/table/metric-info", test_metric_info);
  g_test_add_func("/compare/table/markers-folding-headline", test_table);
  g_test_add_func("/compare/e2e/j1-equals-j2", test_jobs_identical);
  g_test_add_func("/compare/e2e/runs-csv", test_runs_csv);
  g_test_add_func("/compare/e2e/resume", test_resume);
  g_test_add_func("/compare/e2e/run-n-and-collect", test_cluster);
  g_test_add_func("/compare/e2e/stale-inputs", test_stale_inputs);
  g_test_add_func("/compare/e2e/seed-options", test_seed_options);
  g_test_add_func("/compare/e2e/extend", test_extend);
  g_test_add_func("/compare/e2e/errors", test_errors);
  int rc = g_test_run();
  ft_rm_tree(tmp_root);
  g_free(tmp_root);
  return rc;
}
