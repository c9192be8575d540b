/* Reading a run directory back: the one reader of a run's summary.csv that
 * `fragsim compare` (aggregation) and `fragsim plot` share, so the two can
 * never disagree on what a run's result is.
 */
#ifndef FS_RESULTS_RUNDIR_H
#define FS_RESULTS_RUNDIR_H

#include <glib.h>
#include <stdbool.h>

typedef struct {
  char *path;         /* the summary.csv read, for messages */
  char *workload;
  char *stack;
  guint64 seed;
  GPtrArray *metrics; /* char*: the columns after workload, stack and seed, in file order */
  GArray *values;     /* double, parallel to metrics; NaN for an empty field */
} FsiRunSummary;

/* Whether a run directory is complete: its summary.csv exists (directories
 * are renamed into place only when complete). */
bool fsi_rundir_done(const char *rundir);
/* Reads RUNDIR/summary.csv: one data row, the workload, stack and seed
 * columns present, every other field a number or empty. */
FsiRunSummary *fsi_run_summary_read(const char *rundir, GError **error);
void fsi_run_summary_free(FsiRunSummary *s);

#endif
