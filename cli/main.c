/* The fragsim command: subcommand dispatch and option parsing.
 * Every error is printed as "fragsim: <message>" and exits non-zero. */
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/isolate.h"
#include "cli/options.h"
#include "engine/core/error.h"
#include "engine/plugin/loader.h"
#include "engine/run.h"
#include "cli/runner.h"
#include "fragsim-config.h"
#include "results/compare.h"
#include "results/output.h"
#include "workloads/workload.h"

static int die(GError *e) {
  fprintf(stderr, "fragsim: %s\n", e->message);
  /* interrupted: the shell's convention, 128 + the signal */
  int rc = g_error_matches(e, FSI_ERROR, FSI_ERROR_INTERRUPTED) ? 128 + fsi_run_interrupted() : 1;
  g_error_free(e);
  return rc;
}

/* SIGINT and SIGTERM stop the runs at their next event, so that unfinished
 * result directories are removed and the user is told; a second signal
 * ends the process at once (SA_RESETHAND). */
static void on_signal(int sig) { fsi_run_interrupt(sig); }

/* check-policy measures leaks with mallinfo2(), which counts the chunks
 * glibc's per-thread cache keeps as allocated; how fast that cache fills
 * depends on the engine's allocation sizes, so with it a clean policy can
 * look like a slow leak.  The check runs without it: re-executed once with
 * glibc.malloc.tcache_count=0 (a start-up tunable).  Harmless elsewhere. */
static void reexec_without_tcache(char **argv) {
#ifdef __GLIBC__
  if (g_getenv("FRAGSIM_NO_TCACHE")) return;
  const char *t = g_getenv("GLIBC_TUNABLES");
  char *v = t && *t ? g_strdup_printf("%s:glibc.malloc.tcache_count=0", t) : g_strdup("glibc.malloc.tcache_count=0");
  g_setenv("GLIBC_TUNABLES", v, TRUE);
  g_setenv("FRAGSIM_NO_TCACHE", "1", TRUE);
  g_free(v);
  execv("/proc/self/exe", argv); /* returns only on failure: check with the cache */
#else
  (void)argv;
#endif
}

static void catch_interrupts(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
}

static const char *run_description =
    "Runs one workload against one policy stack and writes a result directory:\n"
    "  run.ini          the fully resolved configuration, seed and fragsim version\n"
    "  summary.csv      one row of final metrics (fragsim list metrics)\n"
    "  timeseries.csv   sampled buddyinfo, pagetypeinfo, extfrag indices, counters\n"
    "  allocs.csv       every high-order or failed request with its latency\n"
    "  pageblocks.csv   the pageblock map (type, free and allocated pages per type)\n"
    "The directory is written under a temporary name and renamed when complete.\n"
    "\n"
    "Configuration keys are set with --set section.key=value, e.g.\n"
    "  --set machine.memory=16G --set vm.min_free_kbytes=65536 --set sim.duration=120s\n"
    "  --set workload.fill=0.9   (keys of the workload)   --set <policy>.<param>=value\n"
    "`fragsim list config` shows every engine key with its default.\n"
    "\n"
    "A policy that crashes the process (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) is named\n"
    "on stderr with its hook and the simulated time before the process dies of the signal:\n"
    "  fragsim: run crashed: SIGSEGV in policy 'P' hook 'alloc_done' at t=1.234 s (workload ...)\n"
    "--timeout DURATION stops a run that takes longer (wall clock) with an error naming the\n"
    "policy hook or timer that was running; a hook that never returns ends the process.\n"
    "\n"
    "Examples:\n"
    "  fragsim run -w churn -p vanilla\n"
    "  fragsim run -w churn -p vanilla -s 7 -o out/churn-7 --set machine.memory=1G --check\n"
    "  fragsim run -w churn -p vanilla+mypolicy --timeout 10m\n";

/* fragsim-out/<workload>-<stack>-s<seed>, one path component whatever the
 * names: a module path in the stack ("vanilla+./my/foo.so") or a workload
 * file stands for its file's base name ("vanilla+foo"), and what is left
 * that a file name should not hold becomes '_' (as compare names its runs). */
static char *default_outdir(const char *workload, const char *stack, gint64 seed) {
  g_auto(GStrv) parts = g_strsplit(stack, "+", -1);
  for (char **p = parts; *p; p++)
    if (strchr(*p, '/')) {
      char *base = g_path_get_basename(*p);
      if (g_str_has_suffix(base, ".so")) base[strlen(base) - 3] = '\0';
      g_free(*p);
      *p = base;
    }
  g_autofree char *stack_name = g_strjoinv("+", parts);
  g_autofree char *wl = strchr(workload, '/') ? g_path_get_basename(workload) : g_strdup(workload);
  if (g_str_has_suffix(wl, ".ini")) wl[strlen(wl) - 4] = '\0';
  g_autofree char *leaf = g_strdup_printf("%s-%s-s%" G_GINT64_FORMAT, wl, stack_name, seed);
  g_autofree char *safe = fsi_compare_dirname(leaf);
  return g_build_filename("fragsim-out", safe, NULL);
}

static int cmd_run(int argc, char **argv) {
  char *workload = NULL, *stack_spec = NULL, *outdir = NULL, *policy_path = NULL, *timeout = NULL;
  char **sets = NULL;
  gint64 seed = 1;
  gboolean check = FALSE, force = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
      {"workload", 'w', 0, G_OPTION_ARG_STRING, &workload, "Workload: a preset name (fragsim list workloads)", "WORKLOAD"},
      {"policy", 'p', 0, G_OPTION_ARG_STRING, &stack_spec,
       "Policy stack: a named stack or policies joined by '+' (fragsim list stacks)", "STACK"},
      {"seed", 's', 0, G_OPTION_ARG_INT64, &seed, "Master random seed (default 1)", "SEED"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &outdir,
       "Result directory (default fragsim-out/<workload>-<stack>-s<seed>)", "DIR"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Override a configuration key (repeatable)", "SECTION.KEY=VALUE"},
      {"check", 0, 0, G_OPTION_ARG_NONE, &check, "Check engine invariants after every event (about 2x slower; sim.check_interval sets how often all of memory is swept)", NULL},
      {"force", 'f', 0, G_OPTION_ARG_NONE, &force, "Replace an existing result directory", NULL},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress line and no summary", NULL},
      {"timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
       "Stop the run after this much wall-clock time, naming the policy hook running (e.g. 30s, 10m)", "DURATION"},
      {"policy-path", 0, 0, G_OPTION_ARG_STRING, &policy_path,
       "Directories searched first for policy modules (colon separated)", "DIRS"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("- run one workload against one policy stack");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, run_description);
  GError *e = NULL;
  int rc = 1;
  char *dir = NULL, *timeout_text = NULL;
  uint64_t timeout_ns = 0;
  FsiRunResult res = {0};
  if (!fsi_cli_parse(ctx, entries, "run", &argc, &argv, &e)) {
    g_prefix_error(&e, "run: ");
    goto out;
  }
  if (argc > 1) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "run: unexpected argument \"%s\" (see fragsim run --help)", argv[1]);
    goto out;
  }
  if (!workload || !stack_spec) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "run: -w WORKLOAD and -p STACK are required (see fragsim run --help)");
    goto out;
  }
  if (seed < 0) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "run: --seed must be non-negative");
    goto out;
  }
  if (timeout && !fsi_isolate_parse_timeout(timeout, &timeout_ns, &e)) goto out;
  timeout_text = timeout ? g_strdup_printf("--timeout %s", timeout) : NULL;
  dir = outdir ? g_strdup(outdir) : default_outdir(workload, stack_spec, seed);
  FsiRunSpec spec = {workload, stack_spec, (uint64_t)seed, (const char *const *)sets, dir, policy_path,
                     check, force, !quiet, false};
  if (!fsi_run_one_timed(&spec, timeout_ns, timeout_text, &res, &e)) goto out;
  if (!quiet) {
    printf("%s on %s, seed %" G_GINT64_FORMAT ": %" G_GUINT64_FORMAT " events, %.1f s simulated, %.1f s wall\n",
           workload, stack_spec, seed, res.events, (double)res.sim_ns / 1e9, res.wall_s);
    const char *show[] = {"huge_attempts", "huge_success_pct", "unusable_huge", "fragindex_huge", "mixed_blocks",
                          "polluted_blocks", "fs_alloc_fail", "stall_p99_ns"};
    for (unsigned i = 0; i < G_N_ELEMENTS(show); i++)
      for (guint j = 0; j < res.columns->len; j++)
        if (!strcmp(g_ptr_array_index(res.columns, j), show[i]))
          printf("  %-20s %g\n", show[i], g_array_index(res.values, double, j));
    printf("results in %s/\n", dir);
  }
  rc = 0;
out:
  if (e && (g_error_matches(e, FSI_ERROR, FSI_ERROR_INTERRUPTED) || g_error_matches(e, FSI_ERROR, FSI_ERROR_TIMEOUT)))
    g_prefix_error(&e, "%s not written: ", dir);
  if (e) rc = die(e);
  fsi_run_result_clear(&res);
  g_free(dir);
  g_free(timeout);
  g_free(timeout_text);
  g_free(workload);
  g_free(stack_spec);
  g_free(outdir);
  g_free(policy_path);
  g_strfreev(sets);
  g_option_context_free(ctx);
  return rc;
}

static int cmp_strp(gconstpointer a, gconstpointer b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void list_policies(const char *policy_path) {
  char **path = fsi_policy_search_path(policy_path);
  GPtrArray *modules = fsi_policy_modules(path);
  for (guint i = 0; i < modules->len; i++) {
    const char *file = g_ptr_array_index(modules, i);
    FsiPolicy p;
    GError *e = NULL;
    if (!fsi_policy_load(file, path, &p, &e)) {
      char *name = g_path_get_basename(file);
      name[strlen(name) - strlen("." G_MODULE_SUFFIX)] = '\0';
      printf("%-14s (cannot load: %s)\n", name, e->message);
      g_free(name);
      g_error_free(e);
    } else {
      printf("%-14s %s\n", p.name, p.ops.summary ? p.ops.summary : "");
      for (unsigned j = 0; j < p.nparams; j++) {
        const FsParamSpec *ps = &p.ops.params[j];
        printf("    %s.%s = %s\n        %s\n", p.name, ps->name, p.value_text[j], ps->help ? ps->help : "");
      }
      fsi_policy_unload(&p);
    }
  }
  if (!modules->len) {
    printf("no policy modules found; searched:");
    for (char **d = path; *d; d++) printf(" %s", *d);
    printf("\n");
  }
  g_ptr_array_unref(modules);
  g_strfreev(path);
}

static void list_presets(void) {
  char **dirs = fsi_workload_search_path();
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (char **d = dirs; *d; d++) {
    GDir *dir = g_dir_open(*d, 0, NULL);
    if (!dir) continue;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(dir)))
      if (g_str_has_suffix(n, ".ini")) g_ptr_array_add(names, g_strdup(n));
    g_dir_close(dir);
    g_ptr_array_sort(names, cmp_strp);
    for (guint i = 0; i < names->len; i++) {
      const char *file = g_ptr_array_index(names, i);
      char *name = g_strndup(file, strlen(file) - 4);
      if (g_hash_table_contains(seen, name)) {
        g_free(name);
        continue;
      }
      char *path = g_build_filename(*d, file, NULL);
      GKeyFile *kf = g_key_file_new();
      char *desc = NULL;
      if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL))
        desc = g_key_file_get_string(kf, "workload", "description", NULL);
      printf("%-18s %s\n", name, desc ? desc : "(a workload file)");
      g_hash_table_add(seen, name);
      g_free(desc);
      g_key_file_unref(kf);
      g_free(path);
    }
    g_ptr_array_unref(names);
  }
  g_hash_table_unref(seen);
  g_strfreev(dirs);
}

static int list_stacks(void) {
  GError *e = NULL;
  GKeyFile *kf = fsi_stacks_load(&e);
  if (!kf) return die(e);
  char **groups = g_key_file_get_groups(kf, NULL);
  for (char **g = groups; *g; g++) {
    char *pol = g_key_file_get_string(kf, *g, "policies", NULL);
    char *desc = g_key_file_get_string(kf, *g, "description", NULL);
    char **exp = fsi_stack_expand(kf, *g, NULL);
    char *joined = exp ? g_strjoinv("+", exp) : g_strdup(pol ? pol : "?");
    char **settings = fsi_stack_settings(kf, *g);
    char *set = g_strjoinv(", ", settings);
    printf("%-14s %s\n    %s\n", *g, joined, desc ? desc : "");
    if (*set) printf("    settings: %s\n", set);
    g_free(set);
    g_strfreev(settings);
    g_strfreev(exp);
    g_free(joined);
    g_free(pol);
    g_free(desc);
  }
  g_strfreev(groups);
  g_key_file_unref(kf);
  return 0;
}

static int cmd_list(int argc, char **argv) {
  char *policy_path = NULL;
  GOptionEntry entries[] = {{"policy-path", 0, 0, G_OPTION_ARG_STRING, &policy_path,
                             "Directories searched first for policy modules", "DIRS"},
                            {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("[policies|stacks|workloads|metrics|config] - what fragsim knows");
  g_option_context_add_main_entries(ctx, entries, NULL);
  GError *e = NULL;
  int rc = 0;
  if (!fsi_cli_parse(ctx, entries, "list", &argc, &argv, &e)) {
    g_prefix_error(&e, "list: ");
    g_option_context_free(ctx);
    return die(e);
  }
  if (argc > 2) {
    fprintf(stderr, "fragsim: list: one topic at a time (unexpected \"%s\")\n", argv[2]);
    g_free(policy_path);
    g_option_context_free(ctx);
    return 1;
  }
  const char *what = argc > 1 ? argv[1] : "all";
  bool all = !strcmp(what, "all");
  if (all || !strcmp(what, "policies")) {
    if (all) printf("== policies ==\n");
    list_policies(policy_path);
  }
  if (all || !strcmp(what, "stacks")) {
    if (all) printf("\n== stacks ==\n");
    rc |= list_stacks();
  }
  if (all || !strcmp(what, "workloads")) {
    if (all) printf("\n== workloads ==\n");
    for (const FsiWorkloadInfo *w = fsi_workloads; w->name; w++) printf("%-18s %s\n", w->name, w->summary);
    list_presets();
  }
  if (all || !strcmp(what, "metrics")) {
    if (all) printf("\n== metrics ==\n");
    fsi_print_metrics(stdout);
  }
  if (!strcmp(what, "config")) {
    for (const FsiConfKey *k = fsi_conf_keys; k->section; k++) {
      char *name = g_strdup_printf("%s.%s", k->section, k->key);
      printf("%-32s %-14s %s\n", name, k->default_value, k->help);
      g_free(name);
    }
  }
  if (!all && strcmp(what, "policies") && strcmp(what, "stacks") && strcmp(what, "workloads") && strcmp(what, "metrics") &&
      strcmp(what, "config")) {
    fprintf(stderr, "fragsim: list: unknown topic \"%s\" (policies, stacks, workloads, metrics, config)\n", what);
    rc = 1;
  }
  g_free(policy_path);
  g_option_context_free(ctx);
  return rc;
}

static void usage(FILE *fp) {
  fprintf(fp,
          "fragsim %s - a discrete-event simulator of Linux physical memory fragmentation\n"
          "\n"
          "Usage:\n"
          "  fragsim run     -w WORKLOAD -p STACK [-s SEED] [-o DIR] [--set section.key=value ...] [--check]\n"
          "                  [--timeout DURATION]\n"
          "  fragsim compare -w W[,W...] -p STACK [-p STACK ...] [-r SEEDS] [-j JOBS] -o DIR [--set ...]\n"
          "                  [--timeout DURATION]\n"
          "                  [--list-runs | --run N | --collect]\n"
          "  fragsim plot    DIR [--format png,svg,pdf] [--size WxH]\n"
          "  fragsim report  DIR [-o FILE] [--column single|double]   one HTML page of a comparison\n"
          "  fragsim check-policy PATH    run the policy contract against a module\n"
          "  fragsim list    [policies|stacks|workloads|metrics|config]\n"
          "  fragsim help\n"
          "\n"
          "Each command takes --help.  A STACK is a named stack (fragsim list stacks) or\n"
          "policies joined by '+', e.g. migratetype+compaction, or a path to a module.\n"
          "A WORKLOAD is a preset (fragsim list workloads), a .ini workload file, or a\n"
          "trace (trace:PATH).  Presets are searched in $FRAGSIM_WORKLOAD_PATH, then\n"
          "%s/workloads.\n"
          "Policy modules are searched in --policy-path, $FRAGSIM_POLICY_PATH, then\n"
          "%s.\n",
          FRAGSIM_VERSION, FRAGSIM_DATADIR, FRAGSIM_POLICYDIR);
}

int main(int argc, char **argv) {
  setlocale(LC_ALL, "");
  if (argc < 2) {
    usage(stderr);
    return 2;
  }
  const char *cmd = argv[1];
  catch_interrupts();
  if (!strcmp(cmd, "run")) {
    fsi_isolate_catch_crashes("fragsim: run crashed: ");
    return cmd_run(argc - 1, argv + 1);
  }
  if (!strcmp(cmd, "list")) return cmd_list(argc - 1, argv + 1);
  if (!strcmp(cmd, "compare")) {
    fsi_isolate_catch_crashes("fragsim: compare: run crashed: ");
    return fsi_cmd_compare(argc - 1, argv + 1);
  }
  if (!strcmp(cmd, "plot")) return fsi_cmd_plot(argc - 1, argv + 1);
  if (!strcmp(cmd, "report")) return fsi_cmd_report(argc - 1, argv + 1);
  if (!strcmp(cmd, "check-policy")) {
    reexec_without_tcache(argv);
    fsi_isolate_catch_crashes("fragsim: check-policy crashed: ");
    return fsi_cmd_check_policy(argc - 1, argv + 1);
  }
  if (!strcmp(cmd, "help") || !strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
    usage(stdout);
    return 0;
  }
  if (!strcmp(cmd, "--version")) {
    printf("fragsim %s (policy ABI %d.%d)\n", FRAGSIM_VERSION, FS_ABI_MAJOR, FS_ABI_MINOR);
    return 0;
  }
  fprintf(stderr, "fragsim: unknown command \"%s\"\n\n", cmd);
  usage(stderr);
  return 2;
}
