/* fsi_run_one(): configuration, stack, workload, run, output; see runner.h. */
#include "cli/runner.h"

#include <string.h>

#include <unistd.h>

#include "cli/isolate.h"
#include "engine/core/error.h"
#include "engine/run.h"
#include "results/output.h"
#include "workloads/workload.h"

void fsi_run_result_clear(FsiRunResult *r) {
  if (r->columns) g_ptr_array_unref(r->columns);
  if (r->values) g_array_unref(r->values);
  memset(r, 0, sizeof *r);
}

bool fsi_run_one(const FsiRunSpec *spec, FsiRunResult *ret_result, GError **error) {
  return fsi_run_one_timed(spec, 0, NULL, ret_result, error);
}

bool fsi_run_one_timed(const FsiRunSpec *spec, uint64_t timeout_ns, const char *timeout_text,
                       FsiRunResult *ret_result, GError **error) {
  bool ok = false;
  FsiConfig *cfg = fsi_config_new();
  FsiStack *stack = NULL;
  FsiRun *run = NULL;
  FsiOutput *out = NULL;
  FsiWatchdog *dog = NULL;
  GError *e = NULL;
  gint64 t0 = g_get_monotonic_time();

  /* precedence: engine defaults < workload file < the stack's settings < --set */
  const FsiWorkloadInfo *wi = NULL;
  if (!fsi_workload_resolve(spec->workload, cfg, &wi, &e)) goto out;
  for (const char *const *s = spec->sets; s && *s; s++)
    if (!fsi_config_set(cfg, *s, "--set", &e)) goto out;
  if (spec->check) fsi_config_set_value(cfg, "sim", "check", "true", "--set (--check)");
  /* a named stack's settings (e.g. highatomic.mode=reserve for 2.6.24) are
   * defaults: what the user set explicitly wins */
  GKeyFile *stacks = fsi_stacks_load(&e);
  if (!stacks) goto out;
  char **settings = fsi_stack_settings(stacks, spec->stack);
  g_key_file_unref(stacks);
  for (char **st = settings; *st && !e; st++) {
    char *section, *key, *value;
    if (!fsi_config_split(*st, &section, &key, &value)) {
      g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "stack \"%s\": setting \"%s\" is not section.key=value", spec->stack, *st);
      break;
    }
    const char *origin_now = fsi_config_origin(cfg, section, key);
    if (!g_str_has_prefix(origin_now, "--set")) {
      char *origin = g_strdup_printf("stack %s", spec->stack);
      fsi_config_set_value(cfg, section, key, value, origin);
      g_free(origin);
    }
    g_free(section);
    g_free(key);
    g_free(value);
  }
  g_strfreev(settings);
  if (e) goto out;
  stack = fsi_stack_load(spec->stack, spec->policy_path, cfg->kf, &e);
  if (!stack) goto out;
  GPtrArray *extra = g_ptr_array_new();
  g_ptr_array_add(extra, "workload");
  gsize ng = 0;
  char **groups = g_key_file_get_groups(cfg->kf, &ng);
  for (gsize i = 0; i < ng; i++)
    if (g_str_has_prefix(groups[i], "phase.") || g_str_has_prefix(groups[i], "stream.")) g_ptr_array_add(extra, groups[i]);
  for (unsigned i = 0; i < stack->n; i++) g_ptr_array_add(extra, stack->v[i].name);
  g_ptr_array_add(extra, NULL);
  bool valid = fsi_config_validate(cfg, (const char *const *)extra->pdata, &e);
  g_ptr_array_free(extra, TRUE);
  g_strfreev(groups);
  if (!valid) goto out;
  FsiWorkload wl = {0};
  if (!wi->create(cfg, &wl, &e)) goto out;
  run = fsi_run_new(cfg, stack, &wl, spec->seed, &e);
  if (!run) goto out;
  run->progress = spec->progress;
  if (spec->validate_only) {
    ok = true;
    goto out;
  }
  if (spec->outdir) {
    out = fsi_output_open(run, spec->outdir, spec->force, &e);
    if (!out) goto out;
  }
  if (timeout_ns) {
    /* the temporary directory fsi_output_open made (csvout.c's naming),
     * for the watchdog to remove if it has to end the process */
    char *tmpdir = NULL;
    if (spec->outdir) {
      char *final = g_strdup(spec->outdir);
      size_t len = strlen(final);
      while (len > 1 && G_IS_DIR_SEPARATOR(final[len - 1])) final[--len] = '\0';
      char *parent = g_path_get_dirname(final), *base = g_path_get_basename(final);
      char *name = g_strdup_printf(".%s.tmp-%ld", base, (long)getpid());
      tmpdir = g_build_filename(parent, name, NULL);
      g_free(name);
      g_free(parent);
      g_free(base);
      g_free(final);
    }
    dog = fsi_watchdog_start(run, timeout_ns, timeout_text ? timeout_text : "the --timeout", tmpdir);
    g_free(tmpdir);
  }
  bool executed = fsi_run_execute(run, &e);
  fsi_watchdog_stop(dog);
  if (!executed) goto out;
  if (out) {
    FsiOutput *o = out;
    out = NULL;
    if (!fsi_output_finish(o, run, &e)) goto out;
  }
  if (ret_result) {
    memset(ret_result, 0, sizeof *ret_result);
    ret_result->events = run->events;
    ret_result->sim_ns = run->now_ns;
    ret_result->wall_s = (double)(g_get_monotonic_time() - t0) / 1e6;
    ret_result->columns = fsi_summary_columns(run);
    ret_result->values = fsi_summary_values(run);
  }
  ok = true;
out:
  if (e) g_propagate_error(error, e);
  if (out) fsi_output_abort(out); /* an unfinished directory is removed */
  fsi_run_free(run);
  fsi_stack_free(stack);
  fsi_config_free(cfg);
  return ok;
}
