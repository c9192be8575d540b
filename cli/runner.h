/* Running one (workload, stack, seed, overrides) into a result directory:
 * the unit that `fragsim run`, `fragsim compare` and `fragsim check-policy`
 * share.  Thread-safe: everything lives in the run; nothing global changes. */
#ifndef FS_RUNNER_H
#define FS_RUNNER_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct {
  const char *workload;     /* preset name */
  const char *stack;        /* stack spec */
  uint64_t seed;
  const char *const *sets;  /* "section.key=value", NULL-terminated, may be NULL */
  const char *outdir;       /* NULL: run without writing files */
  const char *policy_path;  /* --policy-path, may be NULL */
  bool check;               /* invariant checker */
  bool force;               /* replace an existing outdir */
  bool progress;            /* progress line on stderr */
  bool validate_only;       /* set up everything (workload, stack, machine), run nothing */
} FsiRunSpec;

typedef struct {
  uint64_t events;
  uint64_t sim_ns;
  double wall_s;
  GPtrArray *columns;       /* summary column names (char*, owned) */
  GArray *values;           /* double, parallel to columns */
} FsiRunResult;

bool fsi_run_one(const FsiRunSpec *spec, FsiRunResult *ret_result /* nullable */, GError **error);
/* The same with a wall-clock limit (--timeout; 0: none): the run stops
 * with FSI_ERROR_TIMEOUT, or, if a hook never returns, the process reports
 * it and exits (fsi_watchdog_start in isolate.h).  timeout_text is how the
 * user gave it, for messages ("--timeout 2s"). */
bool fsi_run_one_timed(const FsiRunSpec *spec, uint64_t timeout_ns, const char *timeout_text,
                       FsiRunResult *ret_result, GError **error);
void fsi_run_result_clear(FsiRunResult *r);

#endif
