/* The result directory of one run: run.ini, summary.csv, timeseries.csv,
 * allocs.csv, pageblocks.csv.  Written under a temporary name and renamed
 * when complete (see csvout.h). */
#ifndef FS_OUTPUT_H
#define FS_OUTPUT_H

#include <stdio.h>

#include "engine/run.h"

typedef struct FsiOutput FsiOutput;

FsiOutput *fsi_output_open(FsiRun *run, const char *dir, bool overwrite, GError **error);
void fsi_output_alloc(FsiOutput *o, FsiRun *run, const FsiRequest *rq, const FsiAllocResult *res, uint32_t mt);
void fsi_output_sample(FsiOutput *o, FsiRun *run);
void fsi_output_extfrag(FsiOutput *o, FsiRun *run, uint64_t pfn, uint32_t alloc_order, uint32_t fallback_order,
                        uint32_t alloc_mt, uint32_t fallback_mt, bool change_ownership);
void fsi_output_oom(FsiOutput *o, FsiRun *run, uint32_t victim, uint64_t pages, const FsAllocRequest *req);
/* Writes summary.csv and run.ini, closes everything and renames into place. Frees o. */
bool fsi_output_finish(FsiOutput *o, FsiRun *run, GError **error);
void fsi_output_abort(FsiOutput *o);

/* Summary metrics in column order: names, and values for a finished run. */
GPtrArray *fsi_summary_columns(FsiRun *run);            /* of char*, owned */
GArray *fsi_summary_values(FsiRun *run);                /* of double */
/* Describes every metric for `fragsim list metrics`. */
void fsi_print_metrics(FILE *fp);

#endif
