/* The result directory of one run: run.ini, summary.csv, timeseries.csv,
 * allocs.csv, pageblocks.csv.  Written under a temporary name and renamed
 * when complete (see csvout.h). */
#ifndef FS_OUTPUT_H
#define FS_OUTPUT_H

#include <stdio.h>

#include "engine/run.h"

typedef struct FsiOutput FsiOutput;

/* Opens the directory (under a temporary name) and attaches the writer to
 * the run as an observer; call before fsi_run_execute(). */
FsiOutput *fsi_output_open(FsiRun *run, const char *dir, bool overwrite, GError **error);
/* After a run that ended without error: writes summary.csv and run.ini, closes
 * everything and renames the directory into place.  Frees o. */
bool fsi_output_finish(FsiOutput *o, FsiRun *run, GError **error);
/* Closes and removes the unfinished directory.  Frees o. */
void fsi_output_abort(FsiOutput *o);

/* Summary metrics in column order: names, and values for a finished run. */
GPtrArray *fsi_summary_columns(FsiRun *run);            /* of char*, owned */
GArray *fsi_summary_values(FsiRun *run);                /* of double */
/* Describes every metric for `fragsim list metrics`. */
void fsi_print_metrics(FILE *fp);

#endif
