/* CSV output (through libcsv's quoting) and the run directory life cycle.
 *
 * A result directory is written under a temporary sibling name
 * (".<name>.tmp-<pid>") and renamed into place only when complete, so a
 * directory that exists under its final name is always whole.  An existing
 * final directory is never overwritten silently: begin fails with a clear
 * error unless `overwrite` is set, in which case the old one is removed only
 * at commit time.
 */
#ifndef FS_CSVOUT_H
#define FS_CSVOUT_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct {
  FILE *fp;
  char *path;
  unsigned ncols;  /* set by the header row; rows must match */
  unsigned col;    /* column of the row being written */
  bool failed;     /* a write error happened (reported at close) */
} FsiCsv;

FsiCsv *fsi_csv_open(const char *path, GError **error);
/* Header: NULL-terminated column names. */
void fsi_csv_header(FsiCsv *c, const char *const *cols);
/* Field writers append one field to the current row (comma handling is internal). */
void fsi_csv_str(FsiCsv *c, const char *s);   /* quoted per RFC 4180 only when needed */
void fsi_csv_u64(FsiCsv *c, uint64_t v);
void fsi_csv_i64(FsiCsv *c, int64_t v);
void fsi_csv_double(FsiCsv *c, double v);     /* "%.17g" is too noisy: "%.6g"; NaN -> "" */
void fsi_csv_fixed(FsiCsv *c, double v, int decimals); /* "%.*f" */
void fsi_csv_end_row(FsiCsv *c);              /* asserts the field count equals ncols */
/* Flushes and closes; false with error on any write failure. Frees c either way. */
bool fsi_csv_close(FsiCsv *c, GError **error);

typedef struct {
  char *final_path;
  char *tmp_path;
  bool overwrite;
} FsiRunDir;

/* Creates the temporary directory (parents as needed). */
FsiRunDir *fsi_rundir_begin(const char *final_path, bool overwrite, GError **error);
/* Path of a file inside the temporary directory (g_free it). */
char *fsi_rundir_file(const FsiRunDir *d, const char *name);
/* Renames into place. Frees d. */
bool fsi_rundir_commit(FsiRunDir *d, GError **error);
/* Removes the temporary directory and everything in it. Frees d. */
void fsi_rundir_abort(FsiRunDir *d);

#endif
