/* Shared test helpers; see helpers.h. */
#include "helpers.h"
#include "workloads/workload.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

/* ---- files and directories ------------------------------------------------------- */

char *ft_tmpdir(const char *prefix) {
  g_autofree char *tmpl = g_strdup_printf("%s-XXXXXX", prefix);
  GError *e = NULL;
  char *d = g_dir_make_tmp(tmpl, &e);
  g_assert_no_error(e);
  return d;
}

void ft_rm_tree(const char *path) {
  GStatBuf st;
  if (g_lstat(path, &st) != 0) return;
  if (S_ISDIR(st.st_mode)) {
    GDir *dir = g_dir_open(path, 0, NULL);
    g_assert_nonnull(dir);
    const char *name;
    while ((name = g_dir_read_name(dir))) {
      char *child = g_build_filename(path, name, NULL);
      ft_rm_tree(child);
      g_free(child);
    }
    g_dir_close(dir);
    g_assert_cmpint(g_rmdir(path), ==, 0);
  } else {
    g_assert_cmpint(g_unlink(path), ==, 0);
  }
}

char *ft_read(const char *path) {
  char *text = NULL;
  GError *e = NULL;
  if (!g_file_get_contents(path, &text, NULL, &e)) g_error("%s", e->message);
  return text;
}

char *ft_read_in(const char *dir, const char *name) {
  g_autofree char *p = g_build_filename(dir, name, NULL);
  return ft_read(p);
}

void ft_write(const char *path, const char *text) {
  GError *e = NULL;
  g_file_set_contents(path, text, -1, &e);
  g_assert_no_error(e);
}

char *ft_write_in(const char *dir, const char *name, const char *text) {
  char *p = g_build_filename(dir, name, NULL);
  ft_write(p, text);
  return p;
}

char *ft_fixture_dir(void) {
  const char *env = g_getenv("FRAGSIM_FIXTURE_DIR");
  return env ? g_strdup(env) : g_test_build_filename(G_TEST_BUILT, "fixtures", NULL);
}

char *ft_fixture(const char *name) {
  g_autofree char *dir = ft_fixture_dir();
  return g_strdup_printf("%s/%s.%s", dir, name, G_MODULE_SUFFIX);
}

void ft_assert_has_impl(const char *file, int line, const char *func, const char *msg, const char *frag) {
  if (msg && strstr(msg, frag)) return;
  g_autofree char *m = g_strdup_printf("lacks \"%s\": %s", frag, msg ? msg : "(null)");
  g_assertion_message(G_LOG_DOMAIN, file, line, func, m);
}

/* ---- the fragsim binary ------------------------------------------------------------- */

int ft_fragsim_status(const char *const *args, const char *const *env, char **ret_out, char **ret_err) {
  const char *bin = g_getenv("FRAGSIM_BIN");
  if (!bin) g_error("FRAGSIM_BIN is not set (meson sets it to the fragsim it built)");
  GPtrArray *argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)bin);
  for (const char *const *a = args; *a; a++) g_ptr_array_add(argv, (char *)*a);
  g_ptr_array_add(argv, NULL);
  char **envp = g_get_environ();
  for (const char *const *v = env; v && *v; v++) {
    const char *eq = strchr(*v, '=');
    g_assert_nonnull(eq);
    g_autofree char *name = g_strndup(*v, (gsize)(eq - *v));
    envp = g_environ_setenv(envp, name, eq + 1, TRUE);
  }
  char *out = NULL, *err = NULL;
  gint status = 0;
  GError *e = NULL;
  g_spawn_sync(NULL, (char **)argv->pdata, envp, G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &out, &err, &status, &e);
  g_assert_no_error(e);
  g_strfreev(envp);
  g_ptr_array_free(argv, TRUE);
  if (g_test_verbose()) g_printerr("%s%s", out, err);
  if (ret_out) *ret_out = out;
  else g_free(out);
  if (ret_err) *ret_err = err;
  else g_free(err);
  return status;
}

int ft_fragsim(const char *const *args, const char *const *env, char **ret_out, char **ret_err) {
  char *err = NULL;
  int status = ft_fragsim_status(args, env, ret_out, &err);
  if (!WIFEXITED(status)) g_error("fragsim did not exit (wait status 0x%x); stderr: %s", status, err);
  if (ret_err) *ret_err = err;
  else g_free(err);
  return WEXITSTATUS(status);
}

/* ---- in-process runs ---------------------------------------------------------------- */

void ft_config_set(FsiConfig *cfg, const char *const *sets) {
  for (const char *const *s = sets; s && *s; s++) {
    GError *e = NULL;
    if (!fsi_config_set(cfg, *s, "test", &e)) g_error("--set %s: %s", *s, e ? e->message : "refused");
  }
}

static bool none_start(FsiRun *run, void *state, GError **error) {
  (void)run, (void)state, (void)error;
  return true;
}

static void none_step(FsiRun *run, void *state, uint32_t task) { (void)run, (void)state, (void)task; }

FsiRun *ft_run_new_full(const FtRunSpec *spec, GError **error) {
  FsiConfig *cfg = fsi_config_new();
  ft_config_set(cfg, spec->base);
  ft_config_set(cfg, spec->sets);
  GError *e = NULL;
  FsiStack *stack = fsi_stack_load(spec->stack, NULL, cfg->kf, &e);
  g_assert_no_error(e);
  FsiWorkload none = {.name = "none", .start = none_start, .task_step = none_step};
  FsiRun *run = fsi_run_new(cfg, stack, spec->workload ? spec->workload : &none, spec->seed ? spec->seed : 1, error);
  if (!run) {
    fsi_stack_free(stack);
    fsi_config_free(cfg);
    return NULL;
  }
  if (spec->tasks) fsi_run_set_tasks(run, spec->tasks);
  return run;
}

FsiRun *ft_run_new(const char *stack, const char *const *base, const char *const *sets) {
  FtRunSpec spec = {.stack = stack, .base = base, .sets = sets, .tasks = 2};
  GError *e = NULL;
  FsiRun *run = ft_run_new_full(&spec, &e);
  g_assert_no_error(e);
  ft_check(run);
  return run;
}

void ft_run_free(FsiRun *run) {
  if (!run) return;
  FsiConfig *cfg = run->cfg;
  FsiStack *stack = run->stack;
  fsi_run_free(run);
  fsi_stack_free(stack);
  fsi_config_free(cfg);
}

void ft_check(FsiRun *run) {
  GError *e = NULL;
  if (!fsi_check_invariants(run, &e)) g_error("invariant: %s", e->message);
  if (run->error) g_error("the run failed: %s", run->error->message);
}

int64_t ft_counter(FsiRun *run, const char *name) {
  for (guint i = 0; i < run->stats.pol_names->len; i++)
    if (!strcmp(g_ptr_array_index(run->stats.pol_names, i), name)) return g_array_index(run->stats.pol_values, int64_t, i);
  g_error("no policy counter %s", name);
  return 0;
}

FsiSlot *ft_slot(FsiRun *run, const char *policy) {
  for (uint32_t i = 0; i < run->nslots; i++)
    if (!strcmp(run->slots[i].policy->name, policy)) return &run->slots[i];
  g_error("no policy %s in the stack", policy);
  return NULL;
}

uint64_t ft_pfn_of(FsiRun *run, FsiHandle h) {
  FsiAlloc *a = fsi_run_lookup(run, h);
  g_assert_nonnull(a);
  return a->pfn;
}

void ft_mem_config(FsiMemConfig *c, uint64_t total_pages, uint64_t dma_end) {
  memset(c, 0, sizeof *c);
  c->total_pages = total_pages;
  c->page_size = 4096;
  c->max_order = 10;
  c->pageblock_order = 9;
  c->zone_start[0] = 0;
  c->zone_end[0] = dma_end;
  c->zone_start[1] = dma_end;
  c->zone_end[1] = total_pages;
  for (int z = 2; z < FS_MAX_ZONES; z++) c->zone_start[z] = c->zone_end[z] = total_pages;
  c->watermark_scale_factor = 10;
  c->min_free_kbytes = -1;
  c->lowmem_reserve_ratio[0] = c->lowmem_reserve_ratio[1] = 256;
  c->lowmem_reserve_ratio[2] = 32;
}

/* ---- results ---------------------------------------------------------------------- */

double ft_column(const FsiRunResult *r, const char *name) {
  for (guint i = 0; i < r->columns->len; i++)
    if (!strcmp(g_ptr_array_index(r->columns, i), name)) return g_array_index(r->values, double, i);
  g_error("no summary column %s", name);
  return NAN;
}

typedef struct {
  const char *workload;
  const FtArm *arm;
  const char *const *cols;
  uint64_t seed;
  double *values; /* one per col */
  GError *error;
} Job;

/* Effect runs already made by this test program, by (workload, stack,
 * sets, seed): a run is a pure function of them, so an arm two tests share
 * (a stack on a preset as written, say) runs once and both get its values.
 * Nothing is asserted less; the suite just stops repeating itself. */
typedef struct {
  GPtrArray *columns; /* char * */
  GArray *values;     /* double */
} CachedRun;

static GMutex effect_cache_lock;
static GHashTable *effect_cache;

static void cached_run_free(gpointer p) {
  CachedRun *c = p;
  g_ptr_array_unref(c->columns);
  g_array_unref(c->values);
  g_free(c);
}

static char *effect_key(const char *workload, const char *stack, const char *const *sets, uint64_t seed) {
  GString *k = g_string_new(NULL);
  g_string_append_printf(k, "%s\x1f%s\x1f%" G_GUINT64_FORMAT, workload, stack, seed);
  for (const char *const *s = sets; s && *s; s++) g_string_append_printf(k, "\x1f%s", *s);
  return g_string_free(k, FALSE);
}

static void job_values(Job *j, const GPtrArray *columns, const GArray *values) {
  for (unsigned c = 0; j->cols[c]; c++) {
    bool found = false;
    for (guint i = 0; i < columns->len && !found; i++)
      if (!strcmp(g_ptr_array_index(columns, i), j->cols[c])) {
        j->values[c] = g_array_index(values, double, i);
        found = true;
      }
    if (!found) j->values[c] = NAN; /* not in this arm's summary (its stack lacks the policy) */
  }
}

static void job_run(gpointer data, gpointer unused) {
  (void)unused;
  Job *j = data;
  /* The effect tests shrink presets (machine.memory=128M and shorter
   * phases) and measured their bands on the presets as written: a preset
   * (a workload file) is run unscaled (workload.scale=none) */
  GPtrArray *sets = g_ptr_array_new();
  if (!fsi_workload_find(j->workload) && !g_str_has_suffix(j->workload, ".trace")) g_ptr_array_add(sets, "workload.scale=none");
  for (const char *const *s = j->arm->sets; s && *s; s++) g_ptr_array_add(sets, (gpointer)*s);
  g_ptr_array_add(sets, NULL);
  char *key = effect_key(j->workload, j->arm->stack, (const char *const *)sets->pdata, j->seed);
  g_mutex_lock(&effect_cache_lock);
  CachedRun *hit = effect_cache ? g_hash_table_lookup(effect_cache, key) : NULL;
  if (hit) job_values(j, hit->columns, hit->values);
  g_mutex_unlock(&effect_cache_lock);
  if (hit) {
    g_free(key);
    g_ptr_array_free(sets, TRUE);
    return;
  }
  FsiRunSpec spec = {.workload = j->workload, .stack = j->arm->stack, .seed = j->seed, .sets = (const char *const *)sets->pdata};
  FsiRunResult res;
  bool ok = fsi_run_one(&spec, &res, &j->error);
  g_ptr_array_free(sets, TRUE);
  if (!ok) {
    g_free(key);
    return;
  }
  job_values(j, res.columns, res.values);
  CachedRun *c = g_new(CachedRun, 1);
  c->columns = g_ptr_array_ref(res.columns);
  c->values = g_array_ref(res.values);
  g_mutex_lock(&effect_cache_lock);
  if (!effect_cache) effect_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cached_run_free);
  g_hash_table_replace(effect_cache, key, c);
  g_mutex_unlock(&effect_cache_lock);
  fsi_run_result_clear(&res);
}

/* Threads for effect runs: one per CPU, or FT_EFFECT_THREADS (meson sets
 * 1: it runs a test program per CPU itself, and more threads than CPUs only
 * slow each run down). */
static gint effect_threads(void) {
  const char *env = g_getenv("FT_EFFECT_THREADS");
  gint64 n = env ? g_ascii_strtoll(env, NULL, 10) : 0;
  return n > 0 ? (gint)MIN(n, 64) : (gint)MAX(1u, g_get_num_processors());
}

void ft_effect(const char *workload, const FtArm *arms, unsigned narms, const char *const *cols, unsigned nseeds,
               double *ret_mean) {
  unsigned ncols = g_strv_length((char **)cols), njobs = narms * nseeds;
  Job *jobs = g_new0(Job, njobs);
  double *values = g_new0(double, (gsize)njobs * ncols);
  /* one run per CPU at a time: more threads than CPUs only slow each run
   * down (measured: six at once on two CPUs took 1.8 times the CPU time) */
  gint64 t0 = g_get_monotonic_time();
  GThreadPool *pool = g_thread_pool_new(job_run, NULL, effect_threads(), TRUE, NULL);
  for (unsigned i = 0; i < njobs; i++) {
    jobs[i] = (Job){workload, &arms[i / nseeds], cols, 1 + i % nseeds, values + (gsize)i * ncols, NULL};
    g_thread_pool_push(pool, &jobs[i], NULL);
  }
  g_thread_pool_free(pool, FALSE, TRUE);
  /* what the suite's time goes on (docs/testing.md: the README's test
   * command has a budget): grep the logs for "effect time" */
  g_test_message("effect time %s %s: %u runs, %.1f s", g_test_get_path(), workload, njobs,
                 (double)(g_get_monotonic_time() - t0) / 1e6);
  for (unsigned i = 0; i < narms * ncols; i++) ret_mean[i] = 0;
  for (unsigned i = 0; i < njobs; i++) {
    g_assert_no_error(jobs[i].error);
    for (unsigned c = 0; c < ncols; c++) {
      g_test_message("%s arm %u [%s] seed %" G_GUINT64_FORMAT ": %s = %g", workload, i / nseeds, jobs[i].arm->stack,
                     jobs[i].seed, cols[c], jobs[i].values[c]);
      ret_mean[(i / nseeds) * ncols + c] += jobs[i].values[c] / nseeds;
    }
  }
  for (unsigned a = 0; a < narms; a++)
    for (unsigned c = 0; c < ncols; c++)
      g_test_message("%s arm %u [%s] mean %s = %g", workload, a, arms[a].stack, cols[c], ret_mean[a * ncols + c]);
  g_free(values);
  g_free(jobs);
}

void ft_assert_band_impl(const char *file, int line, const char *func, const char *what, double value, double lo,
                         double hi) {
  if (value >= lo && value <= hi) return;
  g_autofree char *m = g_strdup_printf("%s = %g, outside the band [%g, %g]", what, value, lo, hi);
  /* FT_BANDS_REPORT=1 (re-banding after a model change, docs/testing.md):
   * report every band missed in one pass instead of stopping at the first */
  if (g_getenv("FT_BANDS_REPORT")) {
    g_printerr("BAND-MISS %s:%d %s: %s\n", file, line, func, m);
    return;
  }
  g_assertion_message(G_LOG_DOMAIN, file, line, func, m);
}
