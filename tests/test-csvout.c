/* Unit tests for CSV output (exact text, quoting, number formatting, error
 * reporting) and the result-directory life cycle (begin/commit/abort,
 * refusal to overwrite, stale temporaries), and the scope column of a
 * run's timeseries.csv. */
#include "results/csvout.h"
#include "results/compare.h"

#include "engine/core/error.h"

#include <glib/gstdio.h>
#include <locale.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* ---- helpers -------------------------------------------------------------- */

typedef struct {
  char *dir; /* private temporary directory, removed after each test */
} Fixture;

static void fixture_setup(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  f->dir = ft_tmpdir("fragsim-csvout");
}

static void fixture_teardown(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  ft_rm_tree(f->dir);
  g_free(f->dir);
}

static int cmp_names(gconstpointer a, gconstpointer b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sorted names in a directory, joined by spaces ("" when empty). */
static char *list_dir(const char *path) {
  GDir *dir = g_dir_open(path, 0, NULL);
  g_assert_nonnull(dir);
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(dir))) g_ptr_array_add(names, g_strdup(name));
  g_dir_close(dir);
  g_ptr_array_sort(names, cmp_names);
  g_ptr_array_add(names, NULL);
  char *joined = g_strjoinv(" ", (char **)names->pdata);
  g_ptr_array_free(names, TRUE);
  return joined;
}

/* Writes a one-row CSV through `fill` and returns the text after the
 * header line. */
typedef void (*FillFunc)(FsiCsv *c);

static char *one_row(const char *dir, unsigned ncols, FillFunc fill) {
  static const char *const cols[] = {"a", "b", "c", "d", "e", "f", "g", "h", NULL};
  g_assert_cmpuint(ncols, <, G_N_ELEMENTS(cols));
  const char *header[G_N_ELEMENTS(cols)];
  for (unsigned i = 0; i < ncols; i++) header[i] = cols[i];
  header[ncols] = NULL;

  char *path = g_build_filename(dir, "row.csv", NULL);
  GError *err = NULL;
  FsiCsv *c = fsi_csv_open(path, &err);
  g_assert_no_error(err);
  fsi_csv_header(c, header);
  fill(c);
  fsi_csv_end_row(c);
  g_assert_true(fsi_csv_close(c, &err));
  g_assert_no_error(err);

  char *text = ft_read(path);
  g_free(path);
  char *nl = strchr(text, '\n');
  g_assert_nonnull(nl);
  char *row = g_strdup(nl + 1);
  g_free(text);
  return row;
}

/* ---- CSV ------------------------------------------------------------------ */

static void test_csv_roundtrip(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *path = g_build_filename(f->dir, "stats.csv", NULL);
  GError *err = NULL;
  FsiCsv *c = fsi_csv_open(path, &err);
  g_assert_no_error(err);
  g_assert_nonnull(c);

  static const char *const cols[] = {"time_ns", "zone", "delta", "frag", "pct", NULL};
  fsi_csv_header(c, cols);
  g_assert_cmpuint(c->ncols, ==, 5);
  for (int i = 0; i < 3; i++) {
    fsi_csv_u64(c, (uint64_t)i * 1000000);
    fsi_csv_str(c, i == 1 ? "DMA32" : "Normal");
    fsi_csv_i64(c, -i);
    fsi_csv_double(c, 0.25 * i);
    fsi_csv_fixed(c, 100.0 / 3.0 * i, 2);
    fsi_csv_end_row(c);
  }
  g_assert_true(fsi_csv_close(c, &err));
  g_assert_no_error(err);

  char *text = ft_read(path);
  g_assert_cmpstr(text, ==,
                  "time_ns,zone,delta,frag,pct\n"
                  "0,Normal,0,0,0.00\n"
                  "1000000,DMA32,-1,0.25,33.33\n"
                  "2000000,Normal,-2,0.5,66.67\n");
  g_free(text);
  g_free(path);
}

static void fill_quoting(FsiCsv *c) {
  fsi_csv_str(c, "plain");
  fsi_csv_str(c, "a,\"b\"");
  fsi_csv_str(c, "two\nlines");
  fsi_csv_str(c, "cr\r");
  fsi_csv_str(c, "");
  fsi_csv_str(c, NULL);
  fsi_csv_str(c, "it's; fine");
}

static void test_csv_quoting(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *row = one_row(f->dir, 7, fill_quoting);
  g_assert_cmpstr(row, ==, "plain,\"a,\"\"b\"\"\",\"two\nlines\",\"cr\r\",,,it's; fine\n");
  g_free(row);
}

static void fill_doubles(FsiCsv *c) {
  fsi_csv_double(c, 0.5);
  fsi_csv_double(c, 1e-7);
  fsi_csv_double(c, NAN);
  fsi_csv_double(c, INFINITY);
  fsi_csv_double(c, -INFINITY);
  fsi_csv_double(c, 123456789.0);
  fsi_csv_double(c, -0.125);
  fsi_csv_double(c, 1.0 / 3.0);
}

static void test_csv_doubles(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *row = one_row(f->dir, 8, fill_doubles);
  g_assert_cmpstr(row, ==, "0.5,1e-07,,,,1.23457e+08,-0.125,0.333333\n");
  g_free(row);
}

static void fill_fixed(FsiCsv *c) {
  fsi_csv_fixed(c, 3.14159, 2);
  fsi_csv_fixed(c, 2.5, 0);
  fsi_csv_fixed(c, -0.0001, 3);
  fsi_csv_fixed(c, NAN, 2);
  fsi_csv_fixed(c, 7.0, 4);
  fsi_csv_fixed(c, 1e300, 2);
}

static void test_csv_fixed(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *row = one_row(f->dir, 6, fill_fixed);
  char *big = g_strdup_printf("%.2f", 1e300); /* C locale here: the reference */
  char *want = g_strdup_printf("3.14,2,-0.000,,7.0000,%s\n", big);
  g_assert_cmpstr(row, ==, want);
  g_assert_cmpuint(strlen(big), ==, 304);
  g_free(want);
  g_free(big);
  g_free(row);
}

static void fill_integers(FsiCsv *c) {
  fsi_csv_u64(c, 0);
  fsi_csv_u64(c, UINT64_MAX);
  fsi_csv_i64(c, INT64_MIN);
  fsi_csv_i64(c, INT64_MAX);
}

static void test_csv_integers(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *row = one_row(f->dir, 4, fill_integers);
  g_assert_cmpstr(row, ==,
                  "0,18446744073709551615,-9223372036854775808,9223372036854775807\n");
  g_free(row);
}

static void fill_locale(FsiCsv *c) {
  fsi_csv_double(c, 0.5);
  fsi_csv_fixed(c, 1234.5, 1);
}

/* A decimal-comma locale must not leak into the files.  The locale is a
 * requirement of the test set-up (scripts/deps.sh generates de_DE.UTF-8):
 * without it this test cannot tell a leak from no leak, so it fails. */
static void test_csv_locale(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "fr_FR.utf8",
                                        "de_DE", "fr_FR"};
  char *saved = g_strdup(setlocale(LC_NUMERIC, NULL));
  const char *found = NULL;
  for (guint i = 0; i < G_N_ELEMENTS(locales) && !found; i++)
    if (setlocale(LC_NUMERIC, locales[i])) found = locales[i];
  if (!found)
    g_error("no decimal-comma locale is installed (tried de_DE.UTF-8 and fr_FR.UTF-8): "
            "./scripts/test.sh generates de_DE.UTF-8 through scripts/deps.sh");
  /* the locale really writes decimal commas, so a leak would show */
  g_assert_cmpstr(localeconv()->decimal_point, ==, ",");
  char probe[16];
  snprintf(probe, sizeof probe, "%.1f", 1234.5);
  g_assert_cmpstr(probe, ==, "1234,5");
  g_test_message("LC_NUMERIC=%s", found);
  char *row = one_row(f->dir, 2, fill_locale);
  setlocale(LC_NUMERIC, saved);
  g_assert_cmpstr(row, ==, "0.5,1234.5\n");
  g_free(row);
  g_free(saved);
}

static void test_csv_field_count(void) {
  if (g_test_subprocess()) {
    FsiCsv *c = fsi_csv_open("/dev/null", NULL);
    static const char *const cols[] = {"a", "b", NULL};
    fsi_csv_header(c, cols);
    fsi_csv_u64(c, 1);
    fsi_csv_end_row(c); /* one field short: must be fatal under test */
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed();
  g_test_trap_assert_stderr("*/dev/null: row has 1 fields, header has 2*");
}

/* /dev/full accepts open and buffers writes, then fails with ENOSPC on
 * flush: the error must surface at close, naming the file. */
static void test_csv_write_error(void) {
  if (!g_file_test("/dev/full", G_FILE_TEST_EXISTS)) {
    g_test_skip("no /dev/full");
    return;
  }
  GError *err = NULL;
  FsiCsv *c = fsi_csv_open("/dev/full", &err);
  g_assert_no_error(err);
  static const char *const cols[] = {"x", NULL};
  fsi_csv_header(c, cols);
  for (int i = 0; i < 100000; i++) {
    fsi_csv_u64(c, (uint64_t)i);
    fsi_csv_end_row(c);
  }
  g_assert_false(fsi_csv_close(c, &err));
  g_assert_error(err, FSI_ERROR, FSI_ERROR_IO);
  g_assert_nonnull(strstr(err->message, "/dev/full"));
  g_error_free(err);
}

static void test_csv_open_error(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *path = g_build_filename(f->dir, "missing", "x.csv", NULL);
  GError *err = NULL;
  g_assert_null(fsi_csv_open(path, &err));
  g_assert_error(err, FSI_ERROR, FSI_ERROR_IO);
  g_assert_nonnull(strstr(err->message, path));
  g_error_free(err);
  g_free(path);
}

/* ---- run directory -------------------------------------------------------- */

static void write_result(FsiRunDir *d, const char *name, const char *text) {
  char *path = fsi_rundir_file(d, name);
  ft_write(path, text);
  g_free(path);
}

static void test_rundir_commit(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  /* parents are created as needed */
  char *final = g_build_filename(f->dir, "results", "run1", NULL);
  char *parent = g_build_filename(f->dir, "results", NULL);
  GError *err = NULL;
  FsiRunDir *d = fsi_rundir_begin(final, false, &err);
  g_assert_no_error(err);
  g_assert_nonnull(d);
  g_assert_false(g_file_test(final, G_FILE_TEST_EXISTS));
  g_assert_true(g_file_test(d->tmp_path, G_FILE_TEST_IS_DIR));

  /* the temporary is a hidden sibling, so the commit is a plain rename */
  char *tmp_dir = g_path_get_dirname(d->tmp_path);
  char *tmp_base = g_path_get_basename(d->tmp_path);
  char *want_base = g_strdup_printf(".run1.tmp-%ld", (long)getpid());
  g_assert_cmpstr(tmp_dir, ==, parent);
  g_assert_cmpstr(tmp_base, ==, want_base);
  g_free(want_base);
  g_free(tmp_base);
  g_free(tmp_dir);

  char *csv_path = fsi_rundir_file(d, "summary.csv");
  FsiCsv *c = fsi_csv_open(csv_path, &err);
  g_assert_no_error(err);
  static const char *const cols[] = {"k", "v", NULL};
  fsi_csv_header(c, cols);
  fsi_csv_str(c, "pages");
  fsi_csv_u64(c, 42);
  fsi_csv_end_row(c);
  g_assert_true(fsi_csv_close(c, &err));
  g_free(csv_path);
  write_result(d, "config.ini", "[run]\n");

  g_assert_true(fsi_rundir_commit(d, &err));
  g_assert_no_error(err);

  char *listing = list_dir(parent);
  g_assert_cmpstr(listing, ==, "run1");
  g_free(listing);
  listing = list_dir(final);
  g_assert_cmpstr(listing, ==, "config.ini summary.csv");
  g_free(listing);
  char *summary = g_build_filename(final, "summary.csv", NULL);
  char *text = ft_read(summary);
  g_assert_cmpstr(text, ==, "k,v\npages,42\n");
  g_free(text);
  g_free(summary);
  g_free(parent);
  g_free(final);
}

static void test_rundir_exists(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *final = g_build_filename(f->dir, "run", NULL);
  g_assert_cmpint(g_mkdir(final, 0755), ==, 0);
  char *old = g_build_filename(final, "old.csv", NULL);
  ft_write(old, "old\n");

  GError *err = NULL;
  g_assert_null(fsi_rundir_begin(final, false, &err));
  g_assert_error(err, FSI_ERROR, FSI_ERROR_EXISTS);
  g_assert_nonnull(strstr(err->message, final));
  g_assert_nonnull(strstr(err->message, "--force"));
  g_clear_error(&err);

  /* also with a trailing slash, and nothing was created or touched */
  char *slashed = g_strconcat(final, "/", NULL);
  g_assert_null(fsi_rundir_begin(slashed, false, &err));
  g_assert_error(err, FSI_ERROR, FSI_ERROR_EXISTS);
  g_clear_error(&err);
  char *listing = list_dir(f->dir);
  g_assert_cmpstr(listing, ==, "run");
  g_free(listing);
  char *text = ft_read(old);
  g_assert_cmpstr(text, ==, "old\n");
  g_free(text);
  g_free(slashed);
  g_free(old);
  g_free(final);
}

static void test_rundir_overwrite(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *final = g_build_filename(f->dir, "run", NULL);
  char *sub = g_build_filename(final, "plots", NULL);
  g_assert_cmpint(g_mkdir_with_parents(sub, 0755), ==, 0);
  char *old = g_build_filename(sub, "old.png", NULL);
  ft_write(old, "png");

  GError *err = NULL;
  FsiRunDir *d = fsi_rundir_begin(final, true, &err);
  g_assert_no_error(err);
  /* the old results survive until the new ones are complete */
  g_assert_true(g_file_test(old, G_FILE_TEST_EXISTS));
  write_result(d, "new.csv", "new\n");
  g_assert_true(fsi_rundir_commit(d, &err));
  g_assert_no_error(err);

  char *listing = list_dir(f->dir);
  g_assert_cmpstr(listing, ==, "run");
  g_free(listing);
  listing = list_dir(final);
  g_assert_cmpstr(listing, ==, "new.csv");
  g_free(listing);

  /* overwrite with nothing to replace behaves like a plain commit */
  char *other = g_build_filename(f->dir, "fresh", NULL);
  d = fsi_rundir_begin(other, true, &err);
  g_assert_no_error(err);
  g_assert_true(fsi_rundir_commit(d, &err));
  g_assert_no_error(err);
  g_assert_true(g_file_test(other, G_FILE_TEST_IS_DIR));

  g_free(other);
  g_free(old);
  g_free(sub);
  g_free(final);
}

static void test_rundir_abort(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *final = g_build_filename(f->dir, "run", NULL);
  GError *err = NULL;
  FsiRunDir *d = fsi_rundir_begin(final, false, &err);
  g_assert_no_error(err);
  write_result(d, "a.csv", "a\n");
  char *nested = fsi_rundir_file(d, "plots");
  g_assert_cmpint(g_mkdir(nested, 0755), ==, 0);
  char *deep = g_build_filename(nested, "p.dat", NULL);
  ft_write(deep, "1 2\n");

  /* a symlink inside is removed, never followed */
  char *outside = g_build_filename(f->dir, "keep.txt", NULL);
  ft_write(outside, "keep\n");
  char *link = fsi_rundir_file(d, "link");
  g_assert_cmpint(symlink(outside, link), ==, 0);
  char *dirlink = fsi_rundir_file(d, "dirlink");
  g_assert_cmpint(symlink(f->dir, dirlink), ==, 0);

  fsi_rundir_abort(d);
  char *listing = list_dir(f->dir);
  g_assert_cmpstr(listing, ==, "keep.txt");
  g_free(listing);
  char *text = ft_read(outside);
  g_assert_cmpstr(text, ==, "keep\n");
  g_free(text);

  fsi_rundir_abort(NULL);
  g_free(dirlink);
  g_free(link);
  g_free(outside);
  g_free(deep);
  g_free(nested);
  g_free(final);
}

/* A temporary left by an earlier run with our pid is replaced, not reused. */
static void test_rundir_stale_tmp(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *final = g_build_filename(f->dir, "run", NULL);
  char *stale_name = g_strdup_printf(".run.tmp-%ld", (long)getpid());
  char *stale = g_build_filename(f->dir, stale_name, "sub", NULL);
  g_assert_cmpint(g_mkdir_with_parents(stale, 0755), ==, 0);
  char *junk = g_build_filename(stale, "junk.csv", NULL);
  ft_write(junk, "junk\n");

  GError *err = NULL;
  FsiRunDir *d = fsi_rundir_begin(final, false, &err);
  g_assert_no_error(err);
  char *listing = list_dir(d->tmp_path);
  g_assert_cmpstr(listing, ==, "");
  g_free(listing);
  g_assert_true(fsi_rundir_commit(d, &err));
  listing = list_dir(f->dir);
  g_assert_cmpstr(listing, ==, "run");
  g_free(listing);

  g_free(junk);
  g_free(stale);
  g_free(stale_name);
  g_free(final);
}


/* timeseries.csv: every sample has one row per populated zone (scope = the
 * zone's name) and one node-wide row (scope = node) that sums them. */
static void test_timeseries_scope(Fixture *f, G_GNUC_UNUSED gconstpointer data) {
  char *run = g_build_filename(f->dir, "run", NULL);
  const char *args[] = {"run", "-q", "-w", "churn", "-p", "vanilla", "-s", "1", "-o", run, "--set", "sim.duration=3s",
                        "--set", "machine.memory=256M", NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  char *path = g_build_filename(run, "timeseries.csv", NULL);
  GError *e = NULL;
  FsiTable *t = fsi_table_read(path, &e);
  g_assert_no_error(e);
  g_assert_cmpint(fsi_table_col(t, "time_ns"), ==, 0);
  g_assert_cmpint(fsi_table_col(t, "scope"), ==, 1);
  g_assert_cmpint(fsi_table_col(t, "zone"), ==, -1);
  int free_col = fsi_table_col(t, "nr_free_pages");
  guint samples = 0;
  for (guint r = 0; r < t->rows->len;) {
    const char *time = fsi_table_get(t, r, 0);
    double zones_free = 0, v;
    guint nzones = 0;
    GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
    /* the zones of one sample, then its node row */
    for (; r < t->rows->len && strcmp(fsi_table_get(t, r, 1), "node"); r++) {
      g_assert_cmpstr(fsi_table_get(t, r, 0), ==, time);
      const char *scope = fsi_table_get(t, r, 1);
      g_assert_true(!strcmp(scope, "DMA") || !strcmp(scope, "DMA32") || !strcmp(scope, "Normal") ||
                    !strcmp(scope, "Movable"));
      g_assert_false(g_hash_table_contains(seen, scope));
      g_hash_table_add(seen, (gpointer)scope);
      g_assert_true(fsi_parse_number(fsi_table_get(t, r, free_col), &v));
      zones_free += v;
      nzones++;
    }
    g_hash_table_unref(seen);
    g_assert_cmpuint(nzones, >=, 1);
    g_assert_cmpuint(r, <, t->rows->len);
    g_assert_cmpstr(fsi_table_get(t, r, 0), ==, time);
    g_assert_true(fsi_parse_number(fsi_table_get(t, r, free_col), &v));
    g_assert_cmpfloat(v, ==, zones_free);
    r++;
    samples++;
  }
  g_assert_cmpuint(samples, >=, 4); /* 0 s, 1 s, 2 s, 3 s */
  fsi_table_free(t);
  g_free(path);
  g_free(run);
}

static void test_rundir_invalid(void) {
  static const char *const bad[] = {".", "..", "/", "", "results/.."};
  for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
    GError *err = NULL;
    g_assert_null(fsi_rundir_begin(bad[i], true, &err));
    g_assert_error(err, FSI_ERROR, FSI_ERROR_IO);
    g_error_free(err);
  }
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_setup, fn, fixture_teardown)
  ADD("/csvout/csv/roundtrip", test_csv_roundtrip);
  ADD("/csvout/csv/quoting", test_csv_quoting);
  ADD("/csvout/csv/doubles", test_csv_doubles);
  ADD("/csvout/csv/fixed", test_csv_fixed);
  ADD("/csvout/csv/integers", test_csv_integers);
  ADD("/csvout/csv/locale", test_csv_locale);
  g_test_add_func("/csvout/csv/field-count", test_csv_field_count);
  ADD("/csvout/csv/open-error", test_csv_open_error);
  g_test_add_func("/csvout/csv/write-error", test_csv_write_error);
  ADD("/csvout/rundir/commit", test_rundir_commit);
  ADD("/csvout/rundir/exists", test_rundir_exists);
  ADD("/csvout/rundir/overwrite", test_rundir_overwrite);
  ADD("/csvout/rundir/abort", test_rundir_abort);
  ADD("/csvout/rundir/stale-tmp", test_rundir_stale_tmp);
  g_test_add_func("/csvout/rundir/invalid-name", test_rundir_invalid);
  ADD("/csvout/timeseries/scope", test_timeseries_scope);
#undef ADD
  return g_test_run();
}
