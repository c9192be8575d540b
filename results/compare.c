/* Comparisons as data: the design (workloads x stacks x seeds, numbered),
 * reading run directories back, aggregation over seeds into the tidy
 * compare.csv, and the summary table.  Running the comparison is the
 * command's job (cli/compare.c); see compare.h and docs/comparing.md.
 *
 * Aggregation never sees the order runs finished in (compare.h).
 */
#include "results/compare.h"

#include <csv.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/core/config.h"
#include "engine/core/error.h"
#include "results/csvout.h"
#include "results/rundir.h"
#include "results/table.h"

#ifndef FRAGSIM_VERSION
#include "fragsim-config.h"
#endif

/* ---- aggregation ----------------------------------------------------------- */

/* t(0.975, df) for df = 1..30, computed to 12 digits from the regularized
 * incomplete beta function (mpmath); the usual printed tables agree to the
 * 3 decimals they show. */
static const double t975_table[30] = {
    12.7062047362, 4.30265272975, 3.18244630528, 2.7764451052,  2.57058183564, 2.44691185114,
    2.36462425159, 2.3060041352,  2.2621571628,  2.22813885199, 2.20098516009, 2.17881282967,
    2.16036865646, 2.14478668792, 2.13144954556, 2.11990529922, 2.10981557783, 2.10092204024,
    2.09302405441, 2.08596344727, 2.07961384473, 2.0738730679,  2.06865761042, 2.06389856163,
    2.05953855275, 2.05552943864, 2.05183051648, 2.0484071418,  2.04522964213, 2.0422724563,
};

/* Beyond 30 df the Cornish-Fisher expansion of t in powers of 1/df around
 * the normal quantile (Abramowitz & Stegun 26.7.5) is within 4e-8 of the
 * exact value, where the plain normal approximation would be 4% low at
 * df = 31. */
double fsi_t975(guint df) {
  g_return_val_if_fail(df >= 1, NAN);
  if (df <= 30) return t975_table[df - 1];
  const double z = 1.959963984540054;
  const double z3 = z * z * z, z5 = z3 * z * z, z7 = z5 * z * z, z9 = z7 * z * z;
  const double g1 = (z3 + z) / 4;
  const double g2 = (5 * z5 + 16 * z3 + 3 * z) / 96;
  const double g3 = (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / 384;
  const double g4 = (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / 92160;
  double v = df;
  return z + g1 / v + g2 / (v * v) + g3 / (v * v * v) + g4 / (v * v * v * v);
}

/* Two passes rather than a running (Welford) sum: the inputs are a handful
 * of seeds, and the two-pass form is the textbook one a reader can check by
 * hand. */
void fsi_agg_compute(const double *values, gsize len, FsiAgg *ret_agg) {
  FsiAgg a = {0, NAN, NAN, NAN, NAN};
  double sum = 0;
  for (gsize i = 0; i < len; i++)
    if (isfinite(values[i])) {
      sum += values[i];
      a.n++;
    }
  if (a.n > 0) a.mean = sum / a.n;
  if (a.n > 1) {
    double ss = 0;
    for (gsize i = 0; i < len; i++)
      if (isfinite(values[i])) ss += (values[i] - a.mean) * (values[i] - a.mean);
    a.sd = sqrt(ss / (a.n - 1));
    double half = fsi_t975(a.n - 1) * a.sd / sqrt((double)a.n);
    a.ci95_lo = a.mean - half;
    a.ci95_hi = a.mean + half;
  }
  *ret_agg = a;
}

/* ---- reading CSV ------------------------------------------------------------- */

typedef struct {
  const char *path;
  FsiCsvRowFunc fn;
  gpointer user;
  GPtrArray *fields;
  guint line;
  GError *error;
} CsvReader;

static void csv_field_cb(void *s, size_t len, void *data) {
  CsvReader *r = data;
  (void)len;
  g_ptr_array_add(r->fields, s ? g_strdup(s) : NULL);
}

/* libcsv cannot be stopped from a callback, so after an error the rest of
 * the file is parsed and ignored. */
static void csv_row_cb(int c, void *data) {
  CsvReader *r = data;
  (void)c;
  r->line++;
  if (!r->error) {
    g_ptr_array_add(r->fields, NULL);
    r->fn(r->line, r->fields->len - 1, (char **)r->fields->pdata, r->user, &r->error);
  }
  g_ptr_array_set_size(r->fields, 0);
}

bool fsi_csv_read(const char *path, FsiCsvRowFunc fn, gpointer user, GError **error) {
  FILE *fp = g_fopen(path, "rb");
  if (!fp) {
    int saved = errno;
    g_set_error(error, FSI_ERROR, saved == ENOENT ? FSI_ERROR_NOT_FOUND : FSI_ERROR_IO, "cannot read %s: %s", path,
                g_strerror(saved));
    return false;
  }
  struct csv_parser p;
  csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL | CSV_EMPTY_IS_NULL);
  CsvReader r = {path, fn, user, g_ptr_array_new_with_free_func(g_free), 0, NULL};
  char buf[65536];
  size_t got;
  bool ok = true;
  while (ok && (got = fread(buf, 1, sizeof buf, fp)) > 0)
    if (csv_parse(&p, buf, got, csv_field_cb, csv_row_cb, &r) != got) ok = false;
  if (ok && ferror(fp)) {
    g_set_error(&r.error, FSI_ERROR, FSI_ERROR_IO, "cannot read %s: %s", path, g_strerror(errno));
  } else if (!ok || csv_fini(&p, csv_field_cb, csv_row_cb, &r) != 0) {
    if (!r.error)
      g_set_error(&r.error, FSI_ERROR, FSI_ERROR_IO, "%s line %u: malformed CSV (%s)", path, r.line + 1,
                  csv_strerror(csv_error(&p)));
  }
  csv_free(&p);
  fclose(fp);
  g_ptr_array_unref(r.fields);
  if (r.error) {
    g_propagate_error(error, r.error);
    return false;
  }
  return true;
}

static bool table_row(guint line, guint nfields, char **fields, gpointer user, GError **error) {
  FsiTable *t = user;
  if (line == 1) {
    for (guint i = 0; i < nfields; i++) g_ptr_array_add(t->header, g_strdup(fields[i] ? fields[i] : ""));
    return true;
  }
  if (nfields != t->header->len) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s line %u: %u fields, the header has %u", t->path, line, nfields,
                t->header->len);
    return false;
  }
  char **row = g_new0(char *, nfields + 1);
  for (guint i = 0; i < nfields; i++) row[i] = g_strdup(fields[i]);
  g_ptr_array_add(t->rows, row);
  return true;
}

/* Rows may hold NULLs (empty fields) in the middle, so g_strfreev would
 * stop early: free by the header's length. */
void fsi_table_free(FsiTable *t) {
  if (!t) return;
  for (guint r = 0; r < t->rows->len; r++) {
    char **row = g_ptr_array_index(t->rows, r);
    for (guint i = 0; i < t->header->len; i++) g_free(row[i]);
    g_free(row);
  }
  g_ptr_array_unref(t->rows);
  g_ptr_array_unref(t->header);
  g_free(t->path);
  g_free(t);
}

FsiTable *fsi_table_read(const char *path, GError **error) {
  FsiTable *t = g_new0(FsiTable, 1);
  t->path = g_strdup(path);
  t->header = g_ptr_array_new_with_free_func(g_free);
  t->rows = g_ptr_array_new();
  if (!fsi_csv_read(path, table_row, t, error)) {
    fsi_table_free(t);
    return NULL;
  }
  if (t->header->len == 0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s is empty (no header)", path);
    fsi_table_free(t);
    return NULL;
  }
  return t;
}

int fsi_table_col(const FsiTable *t, const char *name) {
  for (guint i = 0; i < t->header->len; i++)
    if (!strcmp(g_ptr_array_index(t->header, i), name)) return (int)i;
  return -1;
}

const char *fsi_table_get(const FsiTable *t, guint row, int col) {
  if (col < 0 || row >= t->rows->len) return NULL;
  return ((char **)g_ptr_array_index(t->rows, row))[col];
}

bool fsi_parse_number(const char *s, double *ret_value) {
  if (!s || !*s) {
    *ret_value = NAN;
    return true;
  }
  char *end = NULL;
  double v = g_ascii_strtod(s, &end);
  if (end == s || *end) return false;
  *ret_value = v;
  return true;
}

/* ---- design ----------------------------------------------------------------------- */

FsiDesign *fsi_design_new(void) {
  FsiDesign *d = g_new0(FsiDesign, 1);
  d->workloads = g_ptr_array_new_with_free_func(g_free);
  d->stacks = g_ptr_array_new_with_free_func(g_free);
  d->workload_dirs = g_ptr_array_new_with_free_func(g_free);
  d->stack_dirs = g_ptr_array_new_with_free_func(g_free);
  d->seeds = g_array_new(FALSE, FALSE, sizeof(guint64));
  d->sets = g_ptr_array_new_with_free_func(g_free);
  d->version = g_strdup(FRAGSIM_VERSION);
  return d;
}

void fsi_design_free(FsiDesign *d) {
  if (!d) return;
  g_ptr_array_unref(d->workloads);
  g_ptr_array_unref(d->stacks);
  g_ptr_array_unref(d->workload_dirs);
  g_ptr_array_unref(d->stack_dirs);
  g_array_unref(d->seeds);
  g_ptr_array_unref(d->sets);
  g_free(d->version);
  g_free(d->inputs);
  g_free(d);
}

/* Stack specs may be paths to modules ("/x/foo.so") and workloads paths to
 * files; the run directory needs one safe path component per name. */
char *fsi_compare_dirname(const char *name) {
  GString *s = g_string_new(NULL);
  for (const char *p = name; *p; p++)
    g_string_append_c(s, (g_ascii_isalnum(*p) || strchr("._+-", *p)) ? *p : '_');
  if (s->len == 0 || s->str[0] == '.') g_string_prepend_c(s, '_');
  return g_string_free(s, FALSE);
}

static bool fill_dirs(GPtrArray *names, GPtrArray *dirs, const char *what, GError **error) {
  g_ptr_array_set_size(dirs, 0);
  for (guint i = 0; i < names->len; i++) {
    const char *n = g_ptr_array_index(names, i);
    char *dn = fsi_compare_dirname(n);
    for (guint j = 0; j < i; j++) {
      if (!strcmp(n, g_ptr_array_index(names, j))) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s \"%s\" is given twice", what, n);
        g_free(dn);
        return false;
      }
      if (!strcmp(dn, g_ptr_array_index(dirs, j))) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%ss \"%s\" and \"%s\" would share the run directory name \"%s\"",
                    what, (char *)g_ptr_array_index(names, j), n, dn);
        g_free(dn);
        return false;
      }
    }
    g_ptr_array_add(dirs, dn);
  }
  return true;
}

bool fsi_design_finish(FsiDesign *d, GError **error) {
  if (!d->workloads->len || !d->stacks->len || !d->seeds->len) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "a comparison needs at least one workload, stack and seed");
    return false;
  }
  for (guint i = 0; i < d->seeds->len; i++)
    for (guint j = 0; j < i; j++)
      if (g_array_index(d->seeds, guint64, i) == g_array_index(d->seeds, guint64, j)) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "seed %" G_GUINT64_FORMAT " is given twice",
                    g_array_index(d->seeds, guint64, i));
        return false;
      }
  return fill_dirs(d->workloads, d->workload_dirs, "workload", error) &&
         fill_dirs(d->stacks, d->stack_dirs, "stack", error);
}

guint fsi_design_n_runs(const FsiDesign *d) { return d->workloads->len * d->stacks->len * d->seeds->len; }

void fsi_design_run(const FsiDesign *d, guint n, guint *ret_w, guint *ret_s, guint *ret_seed) {
  guint ns = d->seeds->len, nst = d->stacks->len;
  *ret_seed = n % ns;
  *ret_s = (n / ns) % nst;
  *ret_w = n / (ns * nst);
}

char *fsi_design_run_dir(const FsiDesign *d, const char *dir, guint n) {
  guint w, s, k;
  fsi_design_run(d, n, &w, &s, &k);
  char *leaf = g_strdup_printf("s%" G_GUINT64_FORMAT, g_array_index(d->seeds, guint64, k));
  char *path = g_build_filename(dir, "runs", (char *)g_ptr_array_index(d->workload_dirs, w),
                                (char *)g_ptr_array_index(d->stack_dirs, s), leaf, NULL);
  g_free(leaf);
  return path;
}

static void set_list(GKeyFile *kf, const char *key, GPtrArray *a) {
  g_key_file_set_string_list(kf, "compare", key, (const char *const *)a->pdata, a->len);
}

bool fsi_design_save(const FsiDesign *d, const char *path, GError **error) {
  GKeyFile *kf = g_key_file_new();
  g_key_file_set_comment(kf, NULL, NULL,
                         " fragsim compare manifest: the design of this comparison.\n"
                         " Runs are numbered from 0, workload-major, then stack, then seed, and live in\n"
                         " runs/<workload_dir>/<stack_dir>/s<seed>.  Plot colours follow the order of stacks.",
                         NULL);
  g_key_file_set_string(kf, "compare", "fragsim_version", d->version);
  if (d->inputs) g_key_file_set_string(kf, "compare", "inputs", d->inputs);
  set_list(kf, "workloads", d->workloads);
  set_list(kf, "stacks", d->stacks);
  GPtrArray *seeds = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < d->seeds->len; i++)
    g_ptr_array_add(seeds, g_strdup_printf("%" G_GUINT64_FORMAT, g_array_index(d->seeds, guint64, i)));
  set_list(kf, "seeds", seeds);
  g_ptr_array_unref(seeds);
  set_list(kf, "sets", d->sets);
  g_key_file_set_integer(kf, "compare", "runs", (int)fsi_design_n_runs(d));
  set_list(kf, "workload_dirs", d->workload_dirs);
  set_list(kf, "stack_dirs", d->stack_dirs);
  gsize len;
  char *text = g_key_file_to_data(kf, &len, NULL);
  bool ok = g_file_set_contents(path, text, (gssize)len, error);
  if (!ok) g_prefix_error(error, "writing %s: ", path);
  g_free(text);
  g_key_file_unref(kf);
  return ok;
}

static bool get_list(GKeyFile *kf, const char *path, const char *key, GPtrArray *out, bool required, GError **error) {
  GError *e = NULL;
  gsize n = 0;
  char **v = g_key_file_get_string_list(kf, "compare", key, &n, &e);
  if (!v) {
    if (!required && g_error_matches(e, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)) {
      g_error_free(e);
      return true;
    }
    /* an empty value is an empty list, not an error */
    if (g_error_matches(e, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE) || !e) {
      g_clear_error(&e);
      return true;
    }
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: key %s: %s", path, key, e->message);
    g_error_free(e);
    return false;
  }
  for (gsize i = 0; i < n; i++) g_ptr_array_add(out, g_strdup(v[i]));
  g_strfreev(v);
  return true;
}

FsiDesign *fsi_design_load(const char *path, GError **error) {
  GKeyFile *kf = g_key_file_new();
  GError *e = NULL;
  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_KEEP_COMMENTS, &e)) {
    g_set_error(error, FSI_ERROR, g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT) ? FSI_ERROR_NOT_FOUND : FSI_ERROR_IO,
                "cannot read %s: %s", path, e->message);
    g_error_free(e);
    g_key_file_unref(kf);
    return NULL;
  }
  FsiDesign *d = fsi_design_new();
  GPtrArray *seeds = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *wd = g_ptr_array_new_with_free_func(g_free), *sd = g_ptr_array_new_with_free_func(g_free);
  bool ok = get_list(kf, path, "workloads", d->workloads, true, error) &&
            get_list(kf, path, "stacks", d->stacks, true, error) && get_list(kf, path, "seeds", seeds, true, error) &&
            get_list(kf, path, "sets", d->sets, false, error) && get_list(kf, path, "workload_dirs", wd, false, error) &&
            get_list(kf, path, "stack_dirs", sd, false, error);
  char *ver = ok ? g_key_file_get_string(kf, "compare", "fragsim_version", NULL) : NULL;
  if (ver) {
    g_free(d->version);
    d->version = ver;
  }
  if (ok) d->inputs = g_key_file_get_string(kf, "compare", "inputs", NULL);
  for (guint i = 0; ok && i < seeds->len; i++) {
    guint64 v;
    if (!g_ascii_string_to_unsigned(g_ptr_array_index(seeds, i), 10, 0, G_MAXUINT64, &v, NULL)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: key seeds: \"%s\" is not a seed", path,
                  (char *)g_ptr_array_index(seeds, i));
      ok = false;
    } else {
      g_array_append_val(d->seeds, v);
    }
  }
  if (ok && !fsi_design_finish(d, error)) {
    g_prefix_error(error, "%s: ", path);
    ok = false;
  }
  /* The directory names recorded are the ones the runs were written under;
   * they win over today's sanitising rule should it ever change. */
  if (ok && wd->len == d->workloads->len)
    for (guint i = 0; i < wd->len; i++) {
      g_free(d->workload_dirs->pdata[i]);
      d->workload_dirs->pdata[i] = g_strdup(g_ptr_array_index(wd, i));
    }
  if (ok && sd->len == d->stacks->len)
    for (guint i = 0; i < sd->len; i++) {
      g_free(d->stack_dirs->pdata[i]);
      d->stack_dirs->pdata[i] = g_strdup(g_ptr_array_index(sd, i));
    }
  g_ptr_array_unref(seeds);
  g_ptr_array_unref(wd);
  g_ptr_array_unref(sd);
  g_key_file_unref(kf);
  if (!ok) {
    fsi_design_free(d);
    return NULL;
  }
  return d;
}

/* ---- aggregation over runs ---------------------------------------------------------- */

bool fsi_compare_is_work_metric(const char *name) {
  return strstr(name, "pgscan") || strstr(name, "pgsteal") || (strstr(name, "migrate") && !strstr(name, "migratetype"));
}

void fsi_compare_rows_free(GArray *rows) {
  if (!rows) return;
  for (guint i = 0; i < rows->len; i++) {
    g_free(g_array_index(rows, FsiCompareRow, i).metric);
    g_free(g_array_index(rows, FsiCompareRow, i).values);
  }
  g_array_unref(rows);
}

/* Lists missing run numbers compactly ("3, 7-9, 12"). */
static char *ranges_text(GArray *nums) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < nums->len;) {
    guint a = g_array_index(nums, guint, i), j = i;
    while (j + 1 < nums->len && g_array_index(nums, guint, j + 1) == g_array_index(nums, guint, j) + 1) j++;
    guint b = g_array_index(nums, guint, j);
    if (s->len) g_string_append(s, ", ");
    if (a == b) g_string_append_printf(s, "%u", a);
    else g_string_append_printf(s, "%u-%u", a, b);
    i = j + 1;
  }
  return g_string_free(s, FALSE);
}

GArray *fsi_compare_collect(const FsiDesign *d, const char *dir, GError **error) {
  guint nruns = fsi_design_n_runs(d), nseeds = d->seeds->len;
  GArray *missing = g_array_new(FALSE, FALSE, sizeof(guint));
  for (guint n = 0; n < nruns; n++) {
    char *rd = fsi_design_run_dir(d, dir, n);
    if (!fsi_rundir_done(rd)) g_array_append_val(missing, n);
    g_free(rd);
  }
  if (missing->len) {
    char *list = ranges_text(missing);
    char *first = fsi_design_run_dir(d, dir, g_array_index(missing, guint, 0));
    g_set_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND,
                "%u of %u runs are not complete (run numbers %s; the first is %s); run them with --run N or a plain compare",
                missing->len, nruns, list, first);
    g_free(first);
    g_free(list);
    g_array_unref(missing);
    return NULL;
  }
  g_array_unref(missing);

  GArray *rows = g_array_new(FALSE, FALSE, sizeof(FsiCompareRow));
  for (guint g = 0; g < nruns / nseeds; g++) {
    /* metric -> values[seed]; metric order is the header order of the first
     * seed, extended by any column a later seed adds */
    GPtrArray *metrics = g_ptr_array_new_with_free_func(g_free);
    GHashTable *vals = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    guint w = 0, s = 0, k = 0;
    for (guint k2 = 0; k2 < nseeds; k2++) {
      guint n = g * nseeds + k2;
      fsi_design_run(d, n, &w, &s, &k);
      char *rd = fsi_design_run_dir(d, dir, n);
      FsiRunSummary *rs = fsi_run_summary_read(rd, error);
      g_free(rd);
      bool ok = rs != NULL;
      if (ok && rs->seed != g_array_index(d->seeds, guint64, k)) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s is not the result of seed %" G_GUINT64_FORMAT " (its seed is %" G_GUINT64_FORMAT ")",
                    rs->path, g_array_index(d->seeds, guint64, k), rs->seed);
        ok = false;
      }
      for (guint c = 0; ok && c < rs->metrics->len; c++) {
        const char *name = g_ptr_array_index(rs->metrics, c);
        double *arr = g_hash_table_lookup(vals, name);
        if (!arr) {
          char *key = g_strdup(name);
          g_ptr_array_add(metrics, key);
          arr = g_new(double, nseeds);
          for (guint i = 0; i < nseeds; i++) arr[i] = NAN;
          g_hash_table_insert(vals, key, arr);
        }
        arr[k2] = g_array_index(rs->values, double, c);
      }
      fsi_run_summary_free(rs);
      if (!ok) {
        g_hash_table_unref(vals);
        g_ptr_array_unref(metrics);
        fsi_compare_rows_free(rows);
        return NULL;
      }
    }
    for (guint m = 0; m < metrics->len; m++) {
      const char *name = g_ptr_array_index(metrics, m);
      double *v = g_hash_table_lookup(vals, name);
      FsiCompareRow r = {w, s, g_strdup(name), {0}, g_memdup2(v, sizeof(double) * nseeds)};
      fsi_agg_compute(v, nseeds, &r.agg);
      g_array_append_val(rows, r);
    }
    g_hash_table_unref(vals);
    g_ptr_array_unref(metrics);
  }
  return rows;
}

/* Ten significant digits: enough that a mean of integer counters over a few
 * seeds is exact, while keeping the files readable. */
static void csv_value(FsiCsv *c, double v) {
  if (!isfinite(v)) {
    fsi_csv_str(c, "");
    return;
  }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  g_ascii_formatd(buf, sizeof buf, "%.10g", v == 0 ? 0.0 : v); /* no "-0" */
  fsi_csv_str(c, buf);
}

/* CSV files of a comparison are written under a temporary name beside
 * their final one and renamed, so a reader never sees half a file. */
static FsiCsv *open_tmp(const char *path, char **ret_tmp, GError **error) {
  char *dir = g_path_get_dirname(path), *base = g_path_get_basename(path);
  char *tmpname = g_strdup_printf(".%s.tmp-%ld", base, (long)getpid());
  *ret_tmp = g_build_filename(dir, tmpname, NULL);
  g_free(tmpname);
  g_free(base);
  g_free(dir);
  FsiCsv *c = fsi_csv_open(*ret_tmp, error);
  if (!c) g_clear_pointer(ret_tmp, g_free);
  return c;
}

static bool close_tmp(FsiCsv *c, char *tmp, const char *path, GError **error) {
  bool ok = fsi_csv_close(c, error);
  if (ok && g_rename(tmp, path) != 0) {
    int saved = errno;
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "cannot rename %s to %s: %s", tmp, path, g_strerror(saved));
    ok = false;
  }
  if (!ok) g_unlink(tmp);
  g_free(tmp);
  return ok;
}

bool fsi_compare_write_csv(const FsiDesign *d, const GArray *rows, const char *path, GError **error) {
  char *tmp;
  FsiCsv *c = open_tmp(path, &tmp, error);
  if (!c) return false;
  const char *cols[] = {"workload", "stack", "metric", "n", "mean", "sd", "ci95_lo", "ci95_hi", NULL};
  fsi_csv_header(c, cols);
  for (guint i = 0; i < rows->len; i++) {
    const FsiCompareRow *r = &g_array_index(rows, FsiCompareRow, i);
    fsi_csv_str(c, g_ptr_array_index(d->workloads, r->w));
    fsi_csv_str(c, g_ptr_array_index(d->stacks, r->s));
    fsi_csv_str(c, r->metric);
    fsi_csv_u64(c, r->agg.n);
    csv_value(c, r->agg.mean);
    csv_value(c, r->agg.sd);
    csv_value(c, r->agg.ci95_lo);
    csv_value(c, r->agg.ci95_hi);
    fsi_csv_end_row(c);
  }
  return close_tmp(c, tmp, path, error);
}

/* A run's value as summary.csv wrote it: integers exactly, others had six
 * significant digits there, which ten reproduce. */
static void run_value(FsiCsv *c, double v) {
  if (isfinite(v) && v == floor(v) && fabs(v) < 9e15) fsi_csv_i64(c, (int64_t)v);
  else csv_value(c, v);
}

bool fsi_compare_write_runs(const FsiDesign *d, const char *dir, const char *path, GError **error) {
  char *tmp;
  FsiCsv *c = open_tmp(path, &tmp, error);
  if (!c) return false;
  const char *cols[] = {"workload", "stack", "seed", "metric", "value", NULL};
  fsi_csv_header(c, cols);
  bool ok = true;
  for (guint n = 0; ok && n < fsi_design_n_runs(d); n++) {
    guint w, s, k;
    fsi_design_run(d, n, &w, &s, &k);
    char *rd = fsi_design_run_dir(d, dir, n);
    FsiRunSummary *rs = fsi_run_summary_read(rd, error);
    g_free(rd);
    if (!rs) {
      ok = false;
      break;
    }
    char seed[32];
    g_snprintf(seed, sizeof seed, "%" G_GUINT64_FORMAT, g_array_index(d->seeds, guint64, k));
    for (guint m = 0; m < rs->metrics->len; m++) {
      fsi_csv_str(c, g_ptr_array_index(d->workloads, w));
      fsi_csv_str(c, g_ptr_array_index(d->stacks, s));
      fsi_csv_str(c, seed);
      fsi_csv_str(c, g_ptr_array_index(rs->metrics, m));
      run_value(c, g_array_index(rs->values, double, m));
      fsi_csv_end_row(c);
    }
    fsi_run_summary_free(rs);
  }
  if (!ok) {
    fsi_csv_close(c, NULL);
    g_unlink(tmp);
    g_free(tmp);
    return false;
  }
  return close_tmp(c, tmp, path, error);
}

bool fsi_compare_write_results(const FsiDesign *d, const char *dir, const GArray *rows, GError **error) {
  char *csv = g_build_filename(dir, "compare.csv", NULL), *runs = g_build_filename(dir, "runs.csv", NULL);
  char *md = g_build_filename(dir, "table.md", NULL);
  bool ok = fsi_compare_write_csv(d, rows, csv, error) && fsi_compare_write_runs(d, dir, runs, error);
  if (ok) {
    char *text = fsi_compare_table(d, dir, rows);
    ok = g_file_set_contents(md, text, -1, error);
    if (!ok) g_prefix_error(error, "writing %s: ", md);
    g_free(text);
  }
  g_free(csv);
  g_free(runs);
  g_free(md);
  return ok;
}

/* ---- the summary table ------------------------------------------------------------ */

void fsi_compare_print_table(const FsiDesign *d, const char *dir, const GArray *rows) {
  char *text = fsi_compare_table(d, dir, rows);
  fputs(text, stdout);
  g_free(text);
}
