/* What the test programs share (tests/meson.build links helpers.c into
 * every one): scratch directories and files, the fragsim binary run as a
 * user runs it, in-process runs set up from --set style overrides, reading
 * a run's results, and effect runs over several seeds.
 *
 * Every helper asserts what it needs (a file it reads exists, an override is
 * accepted, a run starts): a test that calls one fails there, at the helper,
 * instead of going on with a half-built situation. */
#ifndef FS_TESTS_HELPERS_H
#define FS_TESTS_HELPERS_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/mm/mmzone.h"
#include "engine/run.h"
#include "cli/runner.h"

/* ---- files and directories ------------------------------------------------------- */

/* A new private directory "<prefix>-XXXXXX" under the system's temporary directory. */
char *ft_tmpdir(const char *prefix);
/* Removes path and everything below it, without following symbolic links;
 * a path that does not exist is not an error, one that cannot be removed is. */
void ft_rm_tree(const char *path);
/* A whole file; the test fails if it cannot be read. */
char *ft_read(const char *path);
char *ft_read_in(const char *dir, const char *name);
/* Writes text to path (replacing it); the test fails if it cannot. */
void ft_write(const char *path, const char *text);
/* The same to dir/name; returns the path. */
char *ft_write_in(const char *dir, const char *name, const char *text);
/* The fixture modules' directory: $FRAGSIM_FIXTURE_DIR, else fixtures/
 * next to the test program. */
char *ft_fixture_dir(void);
/* The path of fixture module `name`. */
char *ft_fixture(const char *name);

/* msg contains frag; otherwise the test fails showing both. */
#define ft_assert_has(msg, frag) ft_assert_has_impl(__FILE__, __LINE__, G_STRFUNC, (msg), (frag))
void ft_assert_has_impl(const char *file, int line, const char *func, const char *msg, const char *frag);

/* ---- the fragsim binary ($FRAGSIM_BIN, which meson sets) -------------------------- */

/* Runs fragsim with args (NULL-terminated), stdin from /dev/null, env
 * (NULL-terminated "NAME=value", may be NULL) added to the environment;
 * returns the exit code.  Output goes to ret_out / ret_err when not NULL
 * (and to stderr under --verbose).  A fragsim killed by a signal fails the
 * test: no caller expects a crash, not even one expecting an error. */
int ft_fragsim(const char *const *args, const char *const *env, char **ret_out, char **ret_err);
/* The same, for a fragsim that may die of a signal (a crashing policy):
 * returns the raw wait status (WIFSIGNALED, WTERMSIG ...). */
int ft_fragsim_status(const char *const *args, const char *const *env, char **ret_out, char **ret_err);

/* ---- in-process runs ---------------------------------------------------------------- */

/* Overrides for stress-highalloc and ols2006-highalloc: their passes end when
 * their time is up, attempts made or not (hugepage_complete = false), so
 * that an effect test cutting the run short measures one fixed span. */
#define FT_TIMED_PASSES                                                                                           \
  "phase.pass1.hugepage_complete=false", "phase.pass2.hugepage_complete=false", "phase.rest.hugepage_complete=false"
/* ols2006-highalloc's tasks pinned to their CPUs (task % cpus), as the
 * effect tests measured before the preset let the scheduler move them
 * (machine.task_migration, stop 27) */
#define FT_OLS2006_PINNED "machine.task_migration=0s"
/* ols2006-highalloc's build and timed first pass only: the later phases cut
 * to a millisecond (the effect tests that measure the load) */
#define FT_OLS2006_PASS1                                                                                           \
  FT_TIMED_PASSES, FT_OLS2006_PINNED, "phase.pass2.duration=1ms", "phase.wait.duration=1ms",                  \
      "phase.settle.duration=1ms", "phase.rest.duration=1ms"

/* Applies every "section.key=value" of sets (NULL-terminated, may be NULL)
 * to cfg; the test fails on one the configuration refuses. */
void ft_config_set(FsiConfig *cfg, const char *const *sets);

typedef struct {
  const char *stack;       /* stack spec */
  const char *const *base; /* the test file's defaults (may be NULL) */
  const char *const *sets; /* the test's own, applied after base (may be NULL) */
  FsiWorkload *workload;   /* NULL: none (a workload that does nothing) */
  uint64_t seed;           /* 0: seed 1 */
  uint32_t tasks;          /* fsi_run_set_tasks before anything runs; 0: leave it to the workload */
} FtRunSpec;

/* A run as spec describes it (not started: events run only when the test
 * advances or executes it).  It owns its configuration and stack: free it
 * with ft_run_free.  NULL with error when the engine refuses the machine. */
FsiRun *ft_run_new_full(const FtRunSpec *spec, GError **error);
/* The common case: stack with base then sets, no workload, seed 1, two
 * tasks; asserts that it starts and that the invariants hold. */
FsiRun *ft_run_new(const char *stack, const char *const *base, const char *const *sets);
/* The run, its stack and its configuration. */
void ft_run_free(FsiRun *run);

/* The invariant checker passes and the run has no error. */
void ft_check(FsiRun *run);
/* A policy counter of the run (as in summary.csv, "policy.name"). */
int64_t ft_counter(FsiRun *run, const char *name);
/* The stack's slot running policy. */
FsiSlot *ft_slot(FsiRun *run, const char *policy);
/* The first page frame of a live allocation. */
uint64_t ft_pfn_of(FsiRun *run, FsiHandle h);

/* A bare buddy model of total_pages: DMA [0, dma_end), DMA32 [dma_end,
 * total_pages), 4 KiB pages, max order 10, pageblock order 9, nothing
 * reserved, the kernel's default watermark and lowmem_reserve settings. */
void ft_mem_config(FsiMemConfig *c, uint64_t total_pages, uint64_t dma_end);

/* ---- results ---------------------------------------------------------------------- */

/* A summary column of a finished run; the test fails if there is none. */
double ft_column(const FsiRunResult *r, const char *name);

/* One side of an effect test: a stack and its overrides. */
typedef struct {
  const char *stack;
  const char *const *sets;
} FtArm;

/* Runs workload under each of the narms arms on seeds 1..nseeds, one run
 * per CPU at a time in threads (results do not depend on it: each run is
 * deterministic per seed), and sets ret_mean[a * ncols + c] to the mean of column c of
 * cols (NULL-terminated) under arm a; a column an arm's summary lacks (a
 * policy counter of a policy not in its stack) is NaN, which fails any
 * comparison made with it.  Each value and mean is printed with --verbose,
 * which is how the "Measured" comments are made. */
void ft_effect(const char *workload, const FtArm *arms, unsigned narms, const char *const *cols, unsigned nseeds,
               double *ret_mean);

/* value lies in [lo, hi]; the message names what was measured. */
#define ft_assert_band(what, value, lo, hi) ft_assert_band_impl(__FILE__, __LINE__, G_STRFUNC, (what), (value), (lo), (hi))
void ft_assert_band_impl(const char *file, int line, const char *func, const char *what, double value, double lo,
                         double hi);

#endif
