/* The comparison table researchers read (`fragsim compare` prints it and
 * writes it to DIR/table.md): per workload, its headline metrics first (the
 * preset's `[workload] headline`), every row labelled with its unit and
 * scale and printed in one number format, and for every stack after the
 * first (the baseline) the paired difference from the baseline over the
 * common seeds with its t-based 95% interval, marked when significant.
 *
 * What a metric means for the table (its label, unit, and which direction
 * is better) is declared once, in the rule table of table.c.
 */
#ifndef FS_RESULTS_TABLE_H
#define FS_RESULTS_TABLE_H

#include <glib.h>
#include <stdbool.h>

#include "results/compare.h"

typedef enum {
  FSI_BETTER_NONE = 0,   /* no better direction: a significant change is marked '*' */
  FSI_BETTER_HIGHER = 1, /* e.g. huge page success */
  FSI_BETTER_LOWER = -1, /* e.g. failures, latency, pages scanned (work) */
} FsiBetter;

typedef enum {
  FSI_UNIT_COUNT,  /* events or objects: no unit in the label */
  FSI_UNIT_PCT,    /* percent */
  FSI_UNIT_X1000,  /* an index on the kernel's 0..1 (or -1..1) scale, times 1000 */
  FSI_UNIT_PAGES,  /* base pages */
  FSI_UNIT_NS,     /* a time in ns: the table shows µs, ms or s, one per row */
} FsiUnit;

typedef struct {
  char *label;     /* human name without the unit, e.g. "pass1: huge page success" */
  FsiUnit unit;
  FsiBetter better;
  bool quantile;   /* a latency histogram quantile: a bucket's upper bound */
} FsiMetricInfo;

/* Fills ret_info for a summary.csv metric (g_free ret_info->label).  Names
 * no rule knows get their own name as label, no direction (work metrics:
 * lower is better) and ns as unit when they end in _ns. */
void fsi_metric_info(const char *metric, FsiMetricInfo *ret_info);

/* The headline the table shows first when a workload declares none. */
extern const char *const fsi_default_headline[];

/* How a Δ cell is marked: significantly better or worse than the baseline
 * (in the metric's better direction), significant with no better direction
 * ('*'), or not significant. */
typedef enum {
  FSI_MARK_NONE = 0,
  FSI_MARK_BETTER,      /* ▲ */
  FSI_MARK_WORSE,       /* ▼ */
  FSI_MARK_SIGNIFICANT, /* * */
} FsiMark;

/* "▲", "▼", "*" or "" (NONE). */
const char *fsi_mark_symbol(FsiMark mark);

/* The paired difference x - base over the seeds where both are numbers:
 * mean, sd and t-based 95% CI of the per-seed differences (FsiAgg). */
void fsi_paired_diff(const double *x, const double *base, gsize len, FsiAgg *ret_diff);
/* At least two pairs and the 95% interval excludes 0. */
bool fsi_diff_significant(const FsiAgg *diff);

/* The headline of workload w: the `headline` key of [workload] in its
 * first run's run.ini (the preset's, or a --set), as a NULL-terminated
 * list (g_strfreev it); NULL when it declares none or dir is NULL.  The
 * table and `fragsim plot`'s diff figure show these metrics first. */
char **fsi_workload_headline(const FsiDesign *d, const char *dir, guint w);

/* The table of every workload as markdown text (padded so it also reads as
 * plain text).  dir is the comparison directory, where each workload's
 * headline is read from its first run's run.ini; NULL uses the default
 * headline.  g_free the result. */
char *fsi_compare_table(const FsiDesign *d, const char *dir, const GArray *rows);

/* The same table for workload w as an HTML fragment (<table> with a
 * caption, then the notes as <ul>): the same cells as the markdown, every
 * text HTML-escaped, a Δ cell's marker in <span class="mark"> and the cell
 * classed better, worse or signif; headline rows have class "headline".
 * g_free the result. */
char *fsi_compare_table_html(const FsiDesign *d, const char *dir, const GArray *rows, guint w);

#endif
