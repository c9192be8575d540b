/* Head-to-head comparisons: the design of a comparison (workloads x stacks x
 * seeds, numbered for cluster arrays), reading run directories back with
 * libcsv, the aggregation over seeds (mean, sd, t-based 95% CI) and the tidy
 * compare.csv and runs.csv writers.  `fragsim compare` and `fragsim plot` share it.
 *
 * It runs nothing (cli/compare.c does), and it never aggregates in the
 * order runs finish: every aggregate is computed
 * from the runs' summary.csv files read back in run-number order, so -j1,
 * -jN and a cluster array followed by --collect give byte-identical files.
 */
#ifndef FS_COMPARE_H
#define FS_COMPARE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* ---- aggregation ----------------------------------------------------------- */

/**
 * FsiAgg:
 * @n: values aggregated (NaN and missing values are skipped, not counted)
 * @mean: NaN when n == 0
 * @sd: sample standard deviation (n - 1 denominator); NaN when n < 2
 * @ci95_lo, @ci95_hi: mean -/+ t(0.975, n-1) * sd / sqrt(n); NaN when n < 2
 */
typedef struct {
  guint n;
  double mean, sd, ci95_lo, ci95_hi;
} FsiAgg;

/* Student-t 0.975 quantile for df degrees of freedom (df >= 1): a table
 * for df 1..30, the Cornish-Fisher expansion beyond (error < 4e-8). */
double fsi_t975(guint df);
void fsi_agg_compute(const double *values, gsize len, FsiAgg *ret_agg);

/* ---- reading CSV ------------------------------------------------------------- */

/* Called once per record; line 1 is the header.  Empty fields are NULL. */
typedef bool (*FsiCsvRowFunc)(guint line, guint nfields, char **fields, gpointer user, GError **error);
/* Streams a CSV file through libcsv's strict parser. */
bool fsi_csv_read(const char *path, FsiCsvRowFunc fn, gpointer user, GError **error);

/* A whole (small) CSV file: header and rows of header->len fields each. */
typedef struct {
  char *path;
  GPtrArray *header; /* char* */
  GPtrArray *rows;   /* char** of header->len entries, NULL for empty fields */
} FsiTable;

FsiTable *fsi_table_read(const char *path, GError **error);
int fsi_table_col(const FsiTable *t, const char *name); /* -1 when absent */
const char *fsi_table_get(const FsiTable *t, guint row, int col);
void fsi_table_free(FsiTable *t);

/* A field as a number: empty/NULL is NaN (and true); "abc" is false. */
bool fsi_parse_number(const char *s, double *ret_value);

/* ---- the design of a comparison ------------------------------------------------ */

typedef struct {
  GPtrArray *workloads;     /* char*, as given on the command line */
  GPtrArray *stacks;        /* char*, as given; their order fixes plot colours */
  GPtrArray *workload_dirs; /* directory names (fsi_compare_dirname) */
  GPtrArray *stack_dirs;
  GArray *seeds;            /* guint64 */
  GPtrArray *sets;          /* "section.key=value", in order */
  char *version;            /* fragsim version that wrote the manifest */
  char *inputs;             /* digest of what the runs are made from (cli/compare.c), or NULL */
} FsiDesign;

FsiDesign *fsi_design_new(void);
void fsi_design_free(FsiDesign *d);
/* Fills the directory names; rejects duplicates and directory-name clashes. */
bool fsi_design_finish(FsiDesign *d, GError **error);
guint fsi_design_n_runs(const FsiDesign *d);
/* Run n in workload-major, then stack, then seed order. */
void fsi_design_run(const FsiDesign *d, guint n, guint *ret_w, guint *ret_s, guint *ret_seed);
/* DIR/runs/<workload>/<stack>/s<seed> (g_free it). */
char *fsi_design_run_dir(const FsiDesign *d, const char *dir, guint n);
/* A name made safe as one path component: [A-Za-z0-9._+-], others become '_'. */
char *fsi_compare_dirname(const char *name);
/* compare.ini, written atomically. */
bool fsi_design_save(const FsiDesign *d, const char *path, GError **error);
FsiDesign *fsi_design_load(const char *path, GError **error);

/* ---- aggregation over a comparison's runs ------------------------------------------ */

typedef struct {
  guint w, s;   /* indices into the design */
  char *metric;
  FsiAgg agg;
  double *values; /* per seed in design order, NaN where a run has no value; NULL if unknown */
} FsiCompareRow;

/* Reads every run's summary.csv in run order and aggregates per (workload,
 * stack, metric).  Fails, listing them, when runs are missing. */
GArray *fsi_compare_collect(const FsiDesign *d, const char *dir, GError **error);
void fsi_compare_rows_free(GArray *rows);
/* The tidy compare.csv: workload,stack,metric,n,mean,sd,ci95_lo,ci95_hi.
 * Written under a temporary name and renamed. */
bool fsi_compare_write_csv(const FsiDesign *d, const GArray *rows, const char *path, GError **error);

/* runs.csv, the tidy per-run data: workload,stack,seed,metric,value, one row
 * per metric of every run's summary.csv, in run order and column order.
 * Written under a temporary name and renamed. */
bool fsi_compare_write_runs(const FsiDesign *d, const char *dir, const char *path, GError **error);

/* Everything a collected comparison writes into dir: compare.csv, runs.csv
 * and table.md (the table of fsi_compare_print_table). */
bool fsi_compare_write_results(const FsiDesign *d, const char *dir, const GArray *rows, GError **error);

/* The table on stdout (results/table.h): per workload its headline first,
 * then the other metrics, mean ± 95% CI per stack and the paired
 * difference of every stack from the first.  dir: the comparison directory,
 * where the workloads' headlines are read (NULL: the default headline). */
void fsi_compare_print_table(const FsiDesign *d, const char *dir, const GArray *rows);

/* Metrics that measure work: names containing pgscan, pgsteal or migrate
 * (not migratetype), e.g. pgscan_kswapd, pgmigrate_success. */
bool fsi_compare_is_work_metric(const char *name);

#endif
