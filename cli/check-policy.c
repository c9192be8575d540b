/* The policy contract and `fragsim check-policy` (see check-policy.h).
 *
 * Every run here is the same short, fixed run, small enough for a test
 * suite and sized so that allocations reach the slow path and fail now and
 * then: a hook that is never called is a hook the contract did not check.
 * The engine judges hook return values and the invariants during those runs;
 * this file only arranges the runs and reports what they found.
 */
#include "cli/check-policy.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HAVE_MALLINFO2 1
#endif

#include "cli/commands.h"
#include "cli/options.h"
#include "cli/isolate.h"
#include "engine/core/error.h"
#include "engine/run.h"
#include "cli/runner.h"
#include "workloads/workload.h"

#define CONTRACT_WORKLOAD "churn"
#define CONTRACT_SEED 1
#define LIFECYCLE_WARMUP 20
#define LIFECYCLE_CYCLES 100
/* Below one allocation a cycle: whatever a cycle leaks, malloc rounds it up
 * to a 32-byte chunk, so a real leak grows by at least twice this. */
#define LIFECYCLE_SLACK_BYTES_PER_CYCLE 16

/* 64M is the smallest machine the engine accepts, which keeps --check (a
 * full walk of memory after every event) affordable.  A footprint of 1.5
 * times memory keeps reclaim busy, so requests reach the slow path and some
 * fail within 500 ms, and a pageblock-order attempt every 25 ms takes the
 * largest blocks through the slow-path stages (and, on stacks with more than
 * one free list, through fallback). */
#define CONTRACT_MACHINE "machine.memory=64M", "workload.fill=1.5", "workload.huge_interval=25ms"
static const char *const checked_sets[] = {CONTRACT_MACHINE, "sim.duration=500ms", NULL};
static const char *const determinism_sets[] = {CONTRACT_MACHINE, "sim.duration=1s", NULL};
static const char *const lifecycle_sets[] = {CONTRACT_MACHINE, "sim.duration=1ms", NULL};

/* ---- the contract object -------------------------------------------------------- */

FsiContract *fsi_contract_new(const char *module, const char *policy_path) {
  FsiContract *c = g_new0(FsiContract, 1);
  c->module = g_strdup(module);
  c->policy_path = g_strdup(policy_path);
  c->stacks = g_array_new(FALSE, TRUE, sizeof(FsiContractStack));
  return c;
}

static void clear_stack(FsiContractStack *s) {
  g_free(s->spec);
  g_free(s->without);
  g_free(s->without_label);
  g_free(s->label);
  g_free(s->why);
}

void fsi_contract_free(FsiContract *c) {
  if (!c) return;
  for (guint i = 0; i < c->stacks->len; i++) clear_stack(&g_array_index(c->stacks, FsiContractStack, i));
  g_array_free(c->stacks, TRUE);
  if (c->loaded) fsi_policy_unload(&c->policy);
  if (c->table_error) g_error_free(c->table_error);
  g_free(c->module);
  g_free(c->policy_path);
  g_free(c);
}

static bool need_loaded(const FsiContract *c, GError **error) {
  if (c->loaded) return true;
  g_set_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND, "\"%s\" did not load, so this check cannot run", c->module);
  return false;
}

static const FsiContractStack *stack_at(const FsiContract *c, guint i, GError **error) {
  if (i < c->stacks->len) return &g_array_index(c->stacks, FsiContractStack, i);
  g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "no stack %u in the contract's plan (it has %u)", i, c->stacks->len);
  return NULL;
}

/* ---- load and table ------------------------------------------------------------- */

bool fsi_contract_load(FsiContract *c, char **ret_detail, GError **error) {
  g_return_val_if_fail(!c->opened, false);
  g_auto(GStrv) search = fsi_policy_search_path(c->policy_path);
  GError *e = NULL;
  if (fsi_policy_load(c->module, search, &c->policy, &e)) {
    c->loaded = c->opened = true;
    *ret_detail = g_strdup_printf("%s opens and exports fragsim_policy_%s_get_ops()", c->policy.path, c->policy.name);
    return true;
  }
  /* The loader opens the module and calls its entry before it judges the
   * table, so these codes mean the first step worked: the table check
   * reports them, and a user sees which of the two is wrong. */
  if (e->domain == FSI_ERROR && (e->code == FSI_ERROR_ABI || e->code == FSI_ERROR_HOOK ||
                                 e->code == FSI_ERROR_NAME || e->code == FSI_ERROR_PARAM)) {
    c->opened = true;
    c->table_error = e;
    *ret_detail = g_strdup_printf("%s opens and exports its entry function", c->module);
    return true;
  }
  g_propagate_error(error, e);
  return false;
}

static void append_hook(GString *s, const char *name, bool set) {
  if (set) g_string_append_printf(s, "%s%s", s->len ? ", " : "", name);
}

bool fsi_contract_table(FsiContract *c, char **ret_detail, GError **error) {
  if (c->table_error) {
    g_propagate_error(error, g_error_copy(c->table_error));
    return false;
  }
  if (!need_loaded(c, error)) return false;
  const FsiPolicy *p = &c->policy;
  const FsPolicyOps *ops = &p->ops;

  /* What the loader accepts but users would miss: `fragsim list` shows the
   * summary and each parameter's help, and run.ini is line oriented. */
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
  if (!ops->summary || !*ops->summary)
    g_ptr_array_add(problems, g_strdup("the table has no summary"));
  else if (strchr(ops->summary, '\n'))
    g_ptr_array_add(problems, g_strdup("the summary is more than one line"));
  for (unsigned i = 0; i < p->nparams; i++)
    if (!ops->params[i].help || !*ops->params[i].help)
      g_ptr_array_add(problems, g_strdup_printf("parameter \"%s\" has no help text", ops->params[i].name));
  if (problems->len) {
    g_ptr_array_add(problems, NULL);
    g_autofree char *msg = g_strjoinv("; ", (char **)problems->pdata);
    g_set_error(error, FSI_ERROR, FSI_ERROR_PARAM, "policy \"%s\" (%s): %s", p->name, p->path, msg);
    return false;
  }

  /* Every hook of FsPolicyOps, in table order: extend it when one is appended. */
  GString *hooks = g_string_new(NULL);
#define HOOK(h) append_hook(hooks, #h, ops->h != NULL)
  HOOK(create);
  HOOK(destroy);
  HOOK(boot_layout);
  HOOK(boot_pageblocks);
  HOOK(boot_done);
  HOOK(gfp_to_migratetype);
  HOOK(rmqueue_prefer);
  HOOK(rmqueue_fallback);
  HOOK(alloc_flags);
  HOOK(alloc_done);
  HOOK(freed);
  HOOK(slowpath_stage);
  HOOK(kswapd_done);
  HOOK(timer);
  HOOK(adjust_gfp);
  HOOK(reclaim_tag);
  HOOK(contig_request);
  HOOK(compact_memory);
  HOOK(param_changed);
  HOOK(compaction_suitable);
  HOOK(wakeup_kcompactd);
#undef HOOK
  GString *params = g_string_new(NULL);
  for (unsigned i = 0; i < p->nparams; i++)
    g_string_append_printf(params, "%s%s=%s", i ? ", " : "", ops->params[i].name, p->value_text[i]);
  *ret_detail = g_strdup_printf("ABI %u.%u (engine %d.%d), name \"%s\", hooks: %s; parameters: %s", ops->abi.major,
                                ops->abi.minor, FS_ABI_MAJOR, FS_ABI_MINOR, p->name, hooks->str,
                                params->len ? params->str : "none");
  g_string_free(hooks, TRUE);
  g_string_free(params, TRUE);
  return true;
}

/* ---- the plan -------------------------------------------------------------------- */

/* Adds base (a list of policy names) with the module in it: in place of a
 * policy of the same name, else on top.  base_label NULL means alone. */
static void add_stack(FsiContract *c, const char *base_label, char *const *base, const char *why) {
  const char *name = c->policy.name;
  GPtrArray *elems = g_ptr_array_new();
  bool replaced = false;
  for (char *const *n = base; n && *n; n++) {
    if (strcmp(*n, name) == 0) {
      g_ptr_array_add(elems, c->policy.path);
      replaced = true;
    } else {
      g_ptr_array_add(elems, *n);
    }
  }
  if (!replaced) g_ptr_array_add(elems, c->policy.path);
  g_ptr_array_add(elems, NULL);
  char *spec = g_strjoinv("+", (char **)elems->pdata);
  g_ptr_array_free(elems, TRUE);

  for (guint i = 0; i < c->stacks->len; i++) {
    if (strcmp(g_array_index(c->stacks, FsiContractStack, i).spec, spec) == 0) {
      g_free(spec);
      return;
    }
  }
  FsiContractStack s = {0};
  s.spec = spec;
  if (base_label && !replaced) {
    s.without = g_strjoinv("+", (char **)base);
    s.without_label = g_strdup(base_label);
  }
  if (!base_label)
    s.label = g_strdup(name);
  else if (replaced)
    s.label = g_strdup(base_label);
  else
    s.label = g_strdup_printf("%s+%s", base_label, name);
  s.why = replaced ? g_strdup_printf("%s, with this module as its %s", why, name) : g_strdup(why);
  g_array_append_val(c->stacks, s);
}

/* A named stack is only worth running if its other policies exist here;
 * a stack of policies not built yet says nothing about this module. */
static bool stack_loads(const FsiContract *c, char *const *names, char *const *search) {
  for (char *const *n = names; *n; n++) {
    if (strcmp(*n, c->policy.name) == 0) continue;
    FsiPolicy p;
    if (!fsi_policy_load(*n, search, &p, NULL)) return false;
    fsi_policy_unload(&p);
  }
  return true;
}

bool fsi_contract_plan(FsiContract *c, char **ret_detail, GError **error) {
  if (!need_loaded(c, error)) return false;
  if (strchr(c->policy.path, '+')) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: a stack spec joins policies with '+', so a module path may not contain one", c->policy.path);
    return false;
  }
  g_autoptr(GKeyFile) stacks = fsi_stacks_load(error);
  if (!stacks) return false;
  g_auto(GStrv) search = fsi_policy_search_path(c->policy_path);

  /* Without a stacks.ini naming it, vanilla is its one policy. */
  const char *base = g_key_file_has_group(stacks, "vanilla") ? "vanilla" : "nogroup";
  g_auto(GStrv) base_names = fsi_stack_expand(stacks, base, error);
  if (!base_names) return false;
  add_stack(c, base, base_names, "the vanilla kernel, which every policy must run on");

  /* On top of vanilla a mapping is never asked (nogroup answers every gfp
   * first), so a policy that maps gfp also runs alone, where it is. */
  if (c->policy.ops.gfp_to_migratetype) add_stack(c, NULL, NULL, "it maps gfp, so alone its mapping is the one asked");

  g_auto(GStrv) groups = g_key_file_get_groups(stacks, NULL);
  char *fullest = NULL;
  char **fullest_names = NULL;
  guint fullest_n = 0;
  for (char **g = groups; *g; g++) {
    char **names = fsi_stack_expand(stacks, *g, NULL);
    guint n = names ? g_strv_length(names) : 0;
    if (n > fullest_n && stack_loads(c, names, search)) {
      g_strfreev(fullest_names);
      fullest = *g;
      fullest_names = names;
      fullest_n = n;
    } else {
      g_strfreev(names);
    }
  }
  if (fullest) {
    g_autofree char *why = g_strdup_printf("the fullest named stack whose policies are all here (%u)", fullest_n);
    add_stack(c, fullest, fullest_names, why);
  }
  g_strfreev(fullest_names);

  GString *d = g_string_new(NULL);
  for (guint i = 0; i < c->stacks->len; i++) {
    const FsiContractStack *s = &g_array_index(c->stacks, FsiContractStack, i);
    g_string_append_printf(d, "%s%s (%s)", i ? "; " : "", s->label, s->why);
  }
  *ret_detail = g_string_free(d, FALSE);
  return true;
}

/* ---- lifecycle ------------------------------------------------------------------ */

/* Bytes malloc has handed out and not had back, in every arena.  Under a
 * sanitizer this stays flat (it does not use glibc's heap) and LeakSanitizer
 * takes over; without glibc the check says it cannot measure. */
static bool allocated_bytes(size_t *ret) {
#ifdef HAVE_MALLINFO2
  struct mallinfo2 mi = mallinfo2();
  *ret = mi.uordblks + mi.hblkhd;
  return true;
#else
  *ret = 0;
  return false;
#endif
}

static FsiConfig *contract_config(const char *const *sets, GError **error) {
  FsiConfig *cfg = fsi_config_new();
  for (const char *const *s = sets; *s; s++) {
    if (!fsi_config_set(cfg, *s, "check-policy", error)) {
      fsi_config_free(cfg);
      return NULL;
    }
  }
  return cfg;
}

/* The configuration of sets and the stack of spec loaded with it, both
 * validated (the workload's section and each policy's); on failure both
 * are freed and NULL. */
static bool contract_stack(const FsiContract *c, const char *spec, const char *const *sets, FsiConfig **ret_cfg,
                           FsiStack **ret_stack, GError **error) {
  FsiConfig *cfg = contract_config(sets, error);
  if (!cfg) return false;
  FsiStack *stack = fsi_stack_load(spec, c->policy_path, cfg->kf, error);
  bool valid = stack != NULL;
  if (valid) {
    GPtrArray *sections = g_ptr_array_new();
    g_ptr_array_add(sections, "workload");
    for (unsigned i = 0; i < stack->n; i++) g_ptr_array_add(sections, stack->v[i].name);
    g_ptr_array_add(sections, NULL);
    valid = fsi_config_validate(cfg, (const char *const *)sections->pdata, error);
    g_ptr_array_free(sections, TRUE);
  }
  if (!valid) {
    fsi_stack_free(stack);
    fsi_config_free(cfg);
    return false;
  }
  *ret_cfg = cfg;
  *ret_stack = stack;
  return true;
}

/* A run of the contract workload on cfg and stack, started (not advanced). */
static FsiRun *contract_run_started(FsiConfig *cfg, FsiStack *stack, GError **error) {
  const FsiWorkloadInfo *wi = fsi_workload_find(CONTRACT_WORKLOAD);
  FsiWorkload wl = {0};
  if (!wi->create(cfg, &wl, error)) return NULL;
  FsiRun *run = fsi_run_new(cfg, stack, &wl, CONTRACT_SEED, error);
  if (run && !run->workload.start(run, run->workload.state, error)) {
    fsi_run_free(run);
    return NULL;
  }
  return run;
}

/* Booting a run calls create and every boot hook; the 1 ms run calls the
 * allocation hooks a few hundred times, so state they build is in place
 * when destroy must free it. */
static bool lifecycle_once(FsiConfig *cfg, FsiStack *stack, GError **error) {
  const FsiWorkloadInfo *wi = fsi_workload_find(CONTRACT_WORKLOAD);
  FsiWorkload wl = {0};
  if (!wi->create(cfg, &wl, error)) return false;
  FsiRun *run = fsi_run_new(cfg, stack, &wl, CONTRACT_SEED, error);
  if (!run) return false; /* fsi_run_new freed the workload */
  bool ok = fsi_run_execute(run, error);
  fsi_run_free(run);
  return ok;
}

/* Each stack check runs on a spec, named by label in its messages. */
typedef bool (*StackCheckFn)(const FsiContract *c, const char *spec, const char *label, char **ret_detail,
                             GError **error);

/* When a check fails on a stack with this module added, the same check on
 * the stack without it tells an author whether the fault is theirs. */
static bool check_with_control(const FsiContract *c, const FsiContractStack *s, StackCheckFn fn, char **ret_detail,
                               GError **error) {
  GError *e = NULL;
  if (fn(c, s->spec, s->label, ret_detail, &e)) return true;
  g_autofree char *control_detail = NULL;
  g_autoptr(GError) control = NULL;
  if (s->without && !fn(c, s->without, s->without_label, &control_detail, &control)) {
    g_set_error(error, e->domain, e->code,
                "%s [%s without this policy fails too, so the fault is probably not this policy's: %s]", e->message,
                s->without_label, control->message);
    g_error_free(e);
    return false;
  }
  g_propagate_error(error, e);
  return false;
}

static bool lifecycle_on(const FsiContract *c, const char *spec, const char *label, char **ret_detail,
                         GError **error) {
  FsiConfig *cfg = NULL;
  FsiStack *stack = NULL;
  bool ok = false;
  if (!contract_stack(c, spec, lifecycle_sets, &cfg, &stack, error)) goto out;

  /* The first cycles fill caches that are meant to stay (GLib's, the
   * workload's defaults written back into the configuration).  glibc's
   * per-thread cache, whose chunks mallinfo2 counts as allocated, is off
   * when `fragsim check-policy` runs (main.c re-executes it without); in
   * process (test-contract) its growth is bounded, a leak's is not, so only
   * growth in both of two windows is a leak. */
  size_t mark[3] = {0};
  const char *rounds = "create, boot, 1 ms run, destroy";
  for (unsigned i = 0; i < LIFECYCLE_WARMUP + 2 * LIFECYCLE_CYCLES; i++) {
    if (i >= LIFECYCLE_WARMUP && (i - LIFECYCLE_WARMUP) % LIFECYCLE_CYCLES == 0)
      allocated_bytes(&mark[(i - LIFECYCLE_WARMUP) / LIFECYCLE_CYCLES]);
    if (!lifecycle_once(cfg, stack, error)) {
      g_prefix_error(error, "cycle %u of %s on %s: ", i + 1, rounds, label);
      goto out;
    }
  }
  if (!allocated_bytes(&mark[2])) {
    *ret_detail = g_strdup_printf("%u cycles of %s on %s ran, but this C library has no mallinfo2() to measure leaks "
                                  "with (run the suite under a sanitizer instead)",
                                  LIFECYCLE_WARMUP + 2 * LIFECYCLE_CYCLES, rounds, label);
    ok = true;
    goto out;
  }
  int64_t first = (int64_t)mark[1] - (int64_t)mark[0], second = (int64_t)mark[2] - (int64_t)mark[1];
  int64_t limit = (int64_t)LIFECYCLE_CYCLES * LIFECYCLE_SLACK_BYTES_PER_CYCLE;
  if (first >= limit && second >= limit) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                "%s on %s: allocated bytes grew by %" G_GINT64_FORMAT " and then %" G_GINT64_FORMAT
                " over two windows of %u cycles (about %" G_GINT64_FORMAT
                " a cycle): destroy() does not free everything create() and the hooks allocated",
                rounds, label, first, second, LIFECYCLE_CYCLES, second / LIFECYCLE_CYCLES);
    goto out;
  }
  *ret_detail = g_strdup_printf("%u cycles of %s on %s: allocated bytes %+" G_GINT64_FORMAT " and %+" G_GINT64_FORMAT
                                " over two windows of %u (mallinfo2; a leak of one allocation a cycle adds %" G_GINT64_FORMAT
                                " or more to each)",
                                LIFECYCLE_WARMUP + 2 * LIFECYCLE_CYCLES, rounds, label, first, second,
                                LIFECYCLE_CYCLES, 2 * limit);
  ok = true;
out:
  fsi_stack_free(stack);
  fsi_config_free(cfg);
  return ok;
}

bool fsi_contract_lifecycle(FsiContract *c, char **ret_detail, GError **error) {
  if (!need_loaded(c, error)) return false;
  const FsiContractStack *s = stack_at(c, 0, error);
  return s && check_with_control(c, s, lifecycle_on, ret_detail, error);
}

/* ---- runs ------------------------------------------------------------------------ */

static double column(const FsiRunResult *r, const char *name) {
  for (guint i = 0; i < r->columns->len; i++)
    if (strcmp(g_ptr_array_index(r->columns, i), name) == 0) return g_array_index(r->values, double, i);
  return NAN;
}

static FsiRunSpec contract_spec(const FsiContract *c, const char *stack, const char *const *sets, bool check) {
  FsiRunSpec spec = {0};
  spec.workload = CONTRACT_WORKLOAD;
  spec.stack = stack;
  spec.seed = CONTRACT_SEED;
  spec.sets = sets;
  spec.policy_path = c->policy_path;
  spec.check = check;
  return spec;
}

static bool run_checked_on(const FsiContract *c, const char *stack, const char *label, char **ret_detail,
                           GError **error) {
  (void)label; /* the engine's messages name the policy at fault */
  FsiRunSpec spec = contract_spec(c, stack, checked_sets, true);
  FsiRunResult r = {0};
  if (!fsi_run_one(&spec, &r, error)) return false;

  /* The policy's own counters show an author that their hooks ran. */
  GString *own = g_string_new(NULL);
  g_autofree char *prefix = g_strconcat(c->policy.name, ".", NULL);
  for (guint k = 0; k < r.columns->len; k++) {
    const char *col = g_ptr_array_index(r.columns, k);
    if (g_str_has_prefix(col, prefix))
      g_string_append_printf(own, "; %s=%g", col, g_array_index(r.values, double, k));
  }
  *ret_detail = g_strdup_printf(
      "churn for 500 ms on 64M with the invariants checked after each of %" G_GUINT64_FORMAT
      " events: %g requests, %g in the slow path, %g failed, %g of %g pageblock-order attempts succeeded%s",
      r.events, column(&r, "fs_alloc_requests"), column(&r, "fs_alloc_slowpath"), column(&r, "fs_alloc_fail"),
      column(&r, "huge_success"), column(&r, "huge_attempts"), own->str);
  g_string_free(own, TRUE);
  fsi_run_result_clear(&r);
  return true;
}

bool fsi_contract_run_checked(FsiContract *c, guint i, char **ret_detail, GError **error) {
  if (!need_loaded(c, error)) return false;
  const FsiContractStack *s = stack_at(c, i, error);
  return s && check_with_control(c, s, run_checked_on, ret_detail, error);
}

typedef struct {
  FsiRunSpec spec;
  FsiRunResult result;
  GError *error;
  bool ok;
} RunJob;

static gpointer run_job(gpointer data) {
  RunJob *j = data;
  j->ok = fsi_run_one(&j->spec, &j->result, &j->error);
  return NULL;
}

static bool same_value(double a, double b) { return a == b || (isnan(a) && isnan(b)); }

static bool same_summary(const RunJob *a, const RunJob *b, const char *how, GError **error) {
  const FsiRunResult *x = &a->result, *y = &b->result;
  for (guint k = 0; k < x->columns->len && k < y->columns->len; k++) {
    const char *cx = g_ptr_array_index(x->columns, k), *cy = g_ptr_array_index(y->columns, k);
    if (strcmp(cx, cy) != 0) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "summary column %u is %s in the first run but %s in the run %s", k,
                  cx, cy, how);
      return false;
    }
    double vx = g_array_index(x->values, double, k), vy = g_array_index(y->values, double, k);
    if (!same_value(vx, vy)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                  "%s is %.17g in the first run but %.17g in the run %s: the same seed must give the same run, so "
                  "take randomness and time only from the host, and keep all state in what create() returns",
                  cx, vx, vy, how);
      return false;
    }
  }
  if (x->columns->len != y->columns->len) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "the first run has %u summary columns, the run %s has %u",
                x->columns->len, how, y->columns->len);
    return false;
  }
  return true;
}

static bool deterministic_on(const FsiContract *c, const char *stack, const char *label, char **ret_detail,
                             GError **error) {
  (void)label;
  /* One run alone, then two at once: a policy with state outside its
   * per-run struct shows it either across runs or between threads. */
  RunJob jobs[3];
  memset(jobs, 0, sizeof jobs);
  for (unsigned k = 0; k < G_N_ELEMENTS(jobs); k++) jobs[k].spec = contract_spec(c, stack, determinism_sets, false);
  run_job(&jobs[0]);
  if (jobs[0].ok) {
    GThread *t1 = g_thread_new("contract-run-2", run_job, &jobs[1]);
    GThread *t2 = g_thread_new("contract-run-3", run_job, &jobs[2]);
    g_thread_join(t1);
    g_thread_join(t2);
  }
  bool ok = false;
  for (unsigned k = 0; k < G_N_ELEMENTS(jobs); k++) {
    if (jobs[k].error) {
      g_propagate_prefixed_error(error, g_steal_pointer(&jobs[k].error), "run %u of 3: ", k + 1);
      goto out;
    }
  }
  if (!same_summary(&jobs[0], &jobs[1], "made afterwards in a thread", error) ||
      !same_summary(&jobs[0], &jobs[2], "made afterwards in a thread", error))
    goto out;
  *ret_detail = g_strdup_printf("churn for 1 s on 64M with seed %d, once alone and twice at once in two threads: "
                                "all %u summary values identical",
                                CONTRACT_SEED, jobs[0].result.columns->len);
  ok = true;
out:
  for (unsigned k = 0; k < G_N_ELEMENTS(jobs); k++) {
    if (jobs[k].error) g_error_free(jobs[k].error);
    if (jobs[k].result.columns) fsi_run_result_clear(&jobs[k].result);
  }
  return ok;
}

bool fsi_contract_deterministic(FsiContract *c, guint i, char **ret_detail, GError **error) {
  if (!need_loaded(c, error)) return false;
  const FsiContractStack *s = stack_at(c, i, error);
  return s && check_with_control(c, s, deterministic_on, ret_detail, error);
}

/* ---- the hooks the churn run does not reach ------------------------------------------ */

static bool device_hooks_on(const FsiContract *c, const char *spec, const char *label, char **ret_detail,
                            GError **error) {
  FsiConfig *cfg = NULL;
  FsiStack *stack = NULL;
  bool ok = false;
  FsiRun *run = NULL;
  if (!contract_stack(c, spec, checked_sets, &cfg, &stack, error) || !(run = contract_run_started(cfg, stack, error))) goto out;
  /* 100 ms of churn, so the requests meet used memory; then a pageblock,
   * an eighth and a sixteenth of memory, each freed again, and one
   * compact_memory */
  uint64_t t = 100 * 1000 * 1000;
  unsigned requests = 0, served = 0;
  uint64_t sizes[3] = {run->mem.pageblock_nr_pages, run->mem.cfg.total_pages / 8, run->mem.cfg.total_pages / 16};
  const char *step = "100 ms of churn";
  if (!fsi_run_advance(run, t)) goto failed;
  for (unsigned k = 0; k < G_N_ELEMENTS(sizes); k++) {
    step = "a contig_request";
    FsiAllocResult r = fsi_run_contig(run, sizes[k], 0);
    requests++;
    if (run->error) goto failed;
    if (r.via == FSI_VIA_CONTIG) {
      served++;
      fsi_run_free_contig(run, r.handle);
    }
    if (!fsi_check_invariants(run, error)) goto prefixed;
    t += 10 * 1000 * 1000;
    if (!fsi_run_advance(run, t)) goto failed;
  }
  step = "compact_memory";
  fsi_run_compact_memory(run);
  if (run->error) goto failed;
  if (!fsi_check_invariants(run, error)) goto prefixed;
  step = "10 ms of churn after compact_memory";
  if (!fsi_run_advance(run, t + 10 * 1000 * 1000)) goto failed;
  *ret_detail = g_strdup_printf("after 100 ms of churn on 64M on %s: %u contiguous requests (%" G_GUINT64_FORMAT
                                ", %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " pages; %u served and freed) and "
                                "compact_memory, the invariants checked after each",
                                label, requests, sizes[0], sizes[1], sizes[2], served);
  ok = true;
  goto out;
failed:
  if (run->error) {
    g_propagate_prefixed_error(error, run->error, "%s on %s: ", step, label);
    run->error = NULL;
  } else {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "%s on %s failed", step, label);
  }
  goto out;
prefixed:
  g_prefix_error(error, "after %s on %s: ", step, label);
out:
  fsi_run_free(run);
  fsi_stack_free(stack);
  fsi_config_free(cfg);
  return ok;
}

bool fsi_contract_device_hooks(FsiContract *c, guint i, char **ret_detail, GError **error) {
  if (!need_loaded(c, error)) return false;
  const FsiContractStack *s = stack_at(c, i, error);
  return s && check_with_control(c, s, device_hooks_on, ret_detail, error);
}


/* ---- every hook the module has, called ---------------------------------------------- */

/* The hooks of FsPolicyOps, by the names the engine counts them under
 * (fsi_hook_enter); slowpath_stage is counted per stage. */
static const struct {
  const char *name;
  size_t offset;
} ops_hooks[] = {
#define HOOK(h) {#h, G_STRUCT_OFFSET(FsPolicyOps, h)}
    HOOK(create),          HOOK(destroy),          HOOK(boot_layout),     HOOK(boot_pageblocks), HOOK(boot_done),
    HOOK(gfp_to_migratetype), HOOK(rmqueue_prefer), HOOK(rmqueue_fallback), HOOK(alloc_flags),   HOOK(alloc_done),
    HOOK(freed),           HOOK(slowpath_stage),   HOOK(kswapd_done),     HOOK(timer),           HOOK(adjust_gfp),
    HOOK(reclaim_tag),     HOOK(contig_request),   HOOK(compact_memory),  HOOK(param_changed),   HOOK(compaction_suitable),
    HOOK(wakeup_kcompactd),
#undef HOOK
};

static const char *const stage_names[FS_STAGE_COUNT] = {
    [FS_STAGE_EARLY_COMPACT] = "EARLY_COMPACT", [FS_STAGE_DIRECT_RECLAIM] = "DIRECT_RECLAIM",
    [FS_STAGE_AFTER_RECLAIM] = "AFTER_RECLAIM", [FS_STAGE_COMPACT] = "COMPACT", [FS_STAGE_BEFORE_OOM] = "BEFORE_OOM"};

/* One stack's share of the census: the run check's churn (unchecked: only
 * the calls are counted here), the device requests, compact_memory, every
 * parameter of the module written back with its default (param_changed),
 * each slow-path stage called once more for an order-0 request (the
 * invariants checked after each), then a machine too small for its
 * anonymous memory, whose requests run the slow path to the OOM killer. */
static bool census_on(const FsiContract *c, const char *spec, const char *const *sets, bool device, GError **error) {
  FsiConfig *cfg = NULL;
  FsiStack *stack = NULL;
  bool ok = false;
  FsiRun *run = NULL;
  if (!contract_stack(c, spec, sets, &cfg, &stack, error) || !(run = contract_run_started(cfg, stack, error))) goto out;
  uint64_t t = 500 * 1000 * 1000;
  if (!fsi_run_advance(run, t)) goto failed;
  if (device) {
    uint64_t sizes[2] = {run->mem.pageblock_nr_pages, run->mem.cfg.total_pages / 8};
    for (unsigned k = 0; k < G_N_ELEMENTS(sizes); k++) {
      FsiAllocResult r = fsi_run_contig(run, sizes[k], 0);
      if (run->error) goto failed;
      if (r.via == FSI_VIA_CONTIG) fsi_run_free_contig(run, r.handle);
    }
    fsi_run_compact_memory(run);
    if (run->error) goto failed;
    /* a policy may refuse to change a parameter while running: the
     * refusal is an answer, the call is what is counted */
    const FsiPolicy *p = &c->policy;
    for (uint32_t j = 0; p->ops.param_changed && j < p->nparams; j++) {
      g_autofree char *key = g_strdup_printf("%s.%s", p->name, p->ops.params[j].name);
      g_autoptr(GError) refused = NULL;
      fsi_run_set_param(run, key, p->ops.params[j].default_value, true, &refused);
      if (run->error) goto failed;
    }
    /* the stages a short run rarely reaches: 16 reclaim loops without
     * progress (BEFORE_OOM) almost never happen on a machine this small */
    for (unsigned st = 0; st < FS_STAGE_COUNT; st++) {
      fsi_run_slowpath_stage(run, (FsStage)st, 0);
      if (run->error) goto failed;
      if (!fsi_check_invariants(run, error)) goto out;
    }
    /* and kcompactd's wake-up by a caller that cannot reclaim */
    fsi_wakeup_kcompactd_hooks(run, run->mem.pageblock_order, run->mem.nr_zones - 1);
    if (run->error) goto failed;
    if (!fsi_run_advance(run, t + 10 * 1000 * 1000)) goto failed;
  }
  ok = true;
  goto out;
failed:
  if (run->error) {
    g_propagate_error(error, run->error);
    run->error = NULL;
  } else {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "the run failed");
  }
out:
  fsi_run_free(run);
  fsi_stack_free(stack);
  fsi_config_free(cfg);
  return ok;
}

/* Three times memory's worth of churn without swap: anonymous memory cannot
 * be reclaimed and the slow path ends in the OOM killer. */
static const char *const pinned_sets[] = {"machine.memory=64M", "workload.fill=3", "vm.swap=0",
                                          "workload.huge_interval=5ms", "sim.duration=500ms", NULL};

bool fsi_contract_coverage(FsiContract *c, char **ret_detail, GError **error) {
  if (!need_loaded(c, error)) return false;
  if (!c->stacks->len) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "no stacks planned");
    return false;
  }
  GHashTable *census = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  fsi_hook_census_set(census);
  bool ok = false;
  for (guint i = 0; i < c->stacks->len; i++) {
    const FsiContractStack *s = &g_array_index(c->stacks, FsiContractStack, i);
    if (!census_on(c, s->spec, checked_sets, true, error) || !census_on(c, s->spec, pinned_sets, false, error)) {
      g_prefix_error(error, "on %s: ", s->label);
      goto out;
    }
  }
  const FsiPolicy *p = &c->policy;
  GString *called = g_string_new(NULL), *never = g_string_new(NULL);
  for (unsigned h = 0; h < G_N_ELEMENTS(ops_hooks); h++) {
    if (!G_STRUCT_MEMBER(void *, &p->ops, ops_hooks[h].offset)) continue;
    if (!strcmp(ops_hooks[h].name, "slowpath_stage")) {
      for (unsigned st = 0; st < FS_STAGE_COUNT; st++) {
        g_autofree char *key = g_strdup_printf("%s\tslowpath_stage(%s)", p->name, stage_names[st]);
        guint n = GPOINTER_TO_UINT(g_hash_table_lookup(census, key));
        GString *to = n ? called : never;
        g_string_append_printf(to, "%sslowpath_stage(%s)", to->len ? ", " : "", stage_names[st]);
        if (n) g_string_append_printf(to, " %u", n);
      }
      continue;
    }
    g_autofree char *key = g_strdup_printf("%s\t%s", p->name, ops_hooks[h].name);
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(census, key));
    GString *to = n ? called : never;
    g_string_append_printf(to, "%s%s", to->len ? ", " : "", ops_hooks[h].name);
    if (n) g_string_append_printf(to, " %u", n);
  }
  if (never->len) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                "hooks the module has that the contract's runs on its %u stacks never called: %s (called: %s); "
                "the contract cannot vouch for them",
                c->stacks->len, never->str, called->len ? called->str : "none");
  } else {
    *ret_detail = g_strdup_printf("every hook the module has was called on its %u stacks: %s", c->stacks->len,
                                  called->str);
    ok = true;
  }
  g_string_free(called, TRUE);
  g_string_free(never, TRUE);
out:
  fsi_hook_census_set(NULL);
  g_hash_table_destroy(census);
  return ok;
}

/* ---- the command ------------------------------------------------------------------- */

typedef struct {
  unsigned checks, failed;
} Tally;

/* One line a check, flushed at once: the runs take seconds, and a user
 * watching should see how far it got. */
static bool report(Tally *t, const char *what, bool ok, char *detail, GError *error) {
  t->checks++;
  if (ok) {
    printf("ok   %s: %s\n", what, detail);
  } else {
    t->failed++;
    printf("FAIL %s: %s\n", what, error ? error->message : "unknown failure");
  }
  fflush(stdout);
  g_free(detail);
  if (error) g_error_free(error);
  return ok;
}

typedef bool (*CheckFn)(FsiContract *, char **, GError **);
typedef bool (*StackFn)(FsiContract *, guint, char **, GError **);

/* Each check that calls the policy's hooks runs in a child process, so a
 * policy that crashes, aborts or hangs fails that check, naming the hook,
 * and the others still run.  The child reports "ok <detail>" or "error
 * <message>" (isolate.h); its fatal-signal handler "crash <signal> <where>";
 * after timeout_s its alarm "timeout <message>". */
static bool isolated(FsiContract *c, guint i, CheckFn fn, StackFn sfn, unsigned timeout_s, char **ret_detail,
                     GError **error) {
  int fd;
  pid_t pid = fsi_isolate_fork("the check", &fd, error);
  if (pid < 0) return false;
  if (pid == 0) {
    fsi_isolate_alarm(timeout_s);
    char *detail = NULL;
    GError *e = NULL;
    bool ok = fn ? fn(c, &detail, &e) : sfn(c, i, &detail, &e);
    fsi_isolate_report(ok ? "ok" : "error", ok ? (detail ? detail : "") : e ? e->message : "unknown failure");
    _exit(ok ? 0 : 1);
  }
  GString *rep = g_string_new(NULL);
  char buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    g_string_append_len(rep, buf, n);
  }
  close(fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  g_strchomp(rep->str);
  rep->len = strlen(rep->str);
  const char *crash = NULL;
  for (const char *l = rep->str; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
    if (g_str_has_prefix(l, "crash ")) crash = l;
  bool ok = false;
  if (crash) {
    const char *end = strchr(crash, '\n');
    g_autofree char *line = g_strndup(crash + 6, end ? (gsize)(end - crash - 6) : strlen(crash + 6));
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "the check crashed: %s", line);
  } else if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && (g_str_has_prefix(rep->str, "ok ") || !strcmp(rep->str, "ok"))) {
    *ret_detail = g_strdup(rep->str[2] ? rep->str + 3 : "");
    ok = true;
  } else if (g_str_has_prefix(rep->str, "error ") || g_str_has_prefix(rep->str, "timeout ")) {
    g_set_error_literal(error, FSI_ERROR, FSI_ERROR_RUN, strchr(rep->str, ' ') + 1);
  } else if (WIFSIGNALED(status)) {
    const char *name = fsi_crash_signal_name(WTERMSIG(status));
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "the check's process was killed by %s%s%d with no report (a sanitizer's report above?)",
                name ? name : "signal", name ? "" : " ", name ? 0 : WTERMSIG(status));
  } else {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                "the check's process exited with status %d with no report (a sanitizer's report above?)",
                WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  }
  g_string_free(rep, TRUE);
  return ok;
}

static unsigned check_timeout_s = 600;

static bool check(Tally *t, const char *what, FsiContract *c, CheckFn fn) {
  char *detail = NULL;
  GError *e = NULL;
  bool ok = fn(c, &detail, &e);
  return report(t, what, ok, detail, e);
}

static bool check_isolated(Tally *t, const char *what, FsiContract *c, CheckFn fn) {
  char *detail = NULL;
  GError *e = NULL;
  bool ok = isolated(c, 0, fn, NULL, check_timeout_s, &detail, &e);
  return report(t, what, ok, detail, e);
}

static bool check_stack(Tally *t, const char *what, FsiContract *c, guint i, StackFn fn) {
  char *detail = NULL;
  GError *e = NULL;
  bool ok = isolated(c, i, NULL, fn, check_timeout_s, &detail, &e);
  return report(t, what, ok, detail, e);
}

/* Loading calls the module's entry function: tried in a child first, so a
 * module that crashes there fails "load" instead of taking the command down. */
static bool probe_load(FsiContract *c, char **ret_detail, GError **error) {
  FsiContract *probe = fsi_contract_new(c->module, c->policy_path);
  char *detail = NULL;
  GError *e = NULL;
  bool ok = fsi_contract_load(probe, &detail, &e);
  g_free(detail);
  fsi_contract_free(probe);
  if (!ok && e) g_error_free(e); /* the load in the command reports it */
  *ret_detail = g_strdup("");
  (void)error;
  return true;
}

static const char *check_policy_description =
    "Runs the policy contract against one policy module, printing one line a check:\n"
    "  load            the module opens and exports fragsim_policy_<name>_get_ops()\n"
    "  table           ABI block, required hooks, name, parameters, summary and help\n"
    "  stacks          the stacks it is run in: vanilla+<name>; <name> alone if it\n"
    "                  maps gfp; the fullest named stack whose policies are here\n"
    "  create/destroy  220 boots, 1 ms runs and teardowns leak nothing (mallinfo2)\n"
    "  run             a short churn run on each stack with --check: every engine\n"
    "                  invariant holds and every hook return value is in range\n"
    "  deterministic   three runs of each stack (two at once in threads) agree\n"
    "  device hooks    contig_request (each success checked by the engine) and\n"
    "                  compact_memory on each stack, the invariants checked after each\n"
    "  hooks called    every hook the module has, and slowpath_stage at each stage,\n"
    "                  was called on some stack (churn, the device requests, every\n"
    "                  parameter written back, each slow-path stage and kcompactd's\n"
    "                  wake-up called directly, a machine driven to the OOM killer)\n"
    "Every check that calls the policy runs in a child process: a policy that crashes\n"
    "(SIGSEGV, SIGABRT, ...) fails that check with a line naming the signal, the hook and\n"
    "the simulated time, and one that runs past --timeout (default 10m a check) fails it\n"
    "naming the hook that was running; the other checks still run.\n"
    "Exits 0 when every check passes, 1 otherwise.  PATH may also be a policy name,\n"
    "found like `fragsim run` finds it.\n"
    "\n"
    "Example:\n"
    "  fragsim check-policy ./mypolicy.so\n";

int fsi_cmd_check_policy(int argc, char **argv) {
  char *policy_path = NULL, *timeout = NULL;
  GOptionEntry entries[] = {{"policy-path", 0, 0, G_OPTION_ARG_STRING, &policy_path,
                             "Directories searched first for the other policies of a stack (colon separated)", "DIRS"},
                            {"timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
                             "Fail a check that takes longer (wall clock; default 10m), naming the hook running", "DURATION"},
                            {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("PATH - check a policy module against the policy contract");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, check_policy_description);
  GError *e = NULL;
  if (!fsi_cli_parse(ctx, entries, "check-policy", &argc, &argv, &e) || argc != 2) {
    if (e)
      fprintf(stderr, "fragsim: check-policy: %s\n", e->message);
    else
      fprintf(stderr, "fragsim: check-policy: give exactly one policy module (see fragsim check-policy --help)\n");
    g_clear_error(&e);
    g_free(policy_path);
    g_free(timeout);
    g_option_context_free(ctx);
    return 2;
  }
  if (timeout) {
    uint64_t ns = 0;
    if (!fsi_isolate_parse_timeout(timeout, &ns, &e)) {
      fprintf(stderr, "fragsim: check-policy: %s\n", e->message);
      g_clear_error(&e);
      g_free(policy_path);
      g_free(timeout);
      g_option_context_free(ctx);
      return 2;
    }
    check_timeout_s = (unsigned)MAX(1, MIN(ns / 1000000000u, 86400u * 7));
  }

  FsiContract *c = fsi_contract_new(argv[1], policy_path);
  Tally t = {0};
  printf("checking %s against the policy contract (ABI %d.%d)\n", argv[1], FS_ABI_MAJOR, FS_ABI_MINOR);
  fflush(stdout);
  {
    /* a module that crashes when opened fails "load" (in a child); else
     * the real load, here */
    char *detail = NULL;
    GError *pe = NULL;
    if (!isolated(c, 0, probe_load, NULL, check_timeout_s, &detail, &pe)) {
      report(&t, "load", false, detail, pe);
      goto done;
    }
    g_free(detail);
  }
  if (!check(&t, "load", c, fsi_contract_load) || !check(&t, "table", c, fsi_contract_table) ||
      !check(&t, "stacks", c, fsi_contract_plan))
    goto done;
  check_isolated(&t, "create/destroy", c, fsi_contract_lifecycle);
  for (guint i = 0; i < c->stacks->len; i++) {
    const char *label = g_array_index(c->stacks, FsiContractStack, i).label;
    g_autofree char *run = g_strdup_printf("run %s", label);
    g_autofree char *det = g_strdup_printf("deterministic %s", label);
    g_autofree char *dev = g_strdup_printf("device hooks %s", label);
    check_stack(&t, run, c, i, fsi_contract_run_checked);
    check_stack(&t, det, c, i, fsi_contract_deterministic);
    check_stack(&t, dev, c, i, fsi_contract_device_hooks);
  }
  check_isolated(&t, "hooks called", c, fsi_contract_coverage);
done:
  if (t.failed)
    printf("%s: %u of %u checks failed%s\n", argv[1], t.failed, t.checks,
           c->loaded ? "" : " (the other checks need a module that loads)");
  else
    printf("%s: all %u checks passed\n", argv[1], t.checks);
  int rc = t.failed ? 1 : 0;
  fsi_contract_free(c);
  g_free(timeout);
  g_free(policy_path);
  g_option_context_free(ctx);
  return rc;
}
