/* The engine's GError domain.  Setup code returns bool and takes GError **
 * last; messages name the file, line, key or plugin at fault. */
#ifndef FS_ERROR_H
#define FS_ERROR_H

#include <glib.h>

#define FSI_ERROR (fsi_error_quark())
GQuark fsi_error_quark(void);

typedef enum {
  FSI_ERROR_NOT_FOUND = 1, /* policy, stack, workload or file not found */
  FSI_ERROR_SYMBOL,        /* module lacks its entry function */
  FSI_ERROR_ABI,           /* ABI block mismatch */
  FSI_ERROR_HOOK,          /* a required hook is missing */
  FSI_ERROR_PARAM,         /* bad parameter table, unknown or malformed parameter */
  FSI_ERROR_NAME,          /* table name differs from the file name */
  FSI_ERROR_CONFIG,        /* bad configuration key or value */
  FSI_ERROR_IO,            /* cannot write results */
  FSI_ERROR_RUN,           /* a policy misbehaved during a run */
  FSI_ERROR_EXISTS,        /* result directory already exists */
  FSI_ERROR_INTERRUPTED,   /* SIGINT or SIGTERM (fsi_run_interrupt) */
  FSI_ERROR_TIMEOUT        /* the run's wall-clock limit passed (fsi_run_timeout) */
} FsiErrorCode;

/* For "did you mean": the name of known[0..n) closest to name (edit
 * distance), or NULL if none is close enough to be a likely typo. */
const char *fsi_nearest_name(const char *name, const char *const *known, guint n);

#endif
