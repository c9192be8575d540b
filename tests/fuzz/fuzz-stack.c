/* Fuzz target: a stack string and --set values, as `fragsim run -p STACK
 * --set ...` takes them: the first line of the input is the stack, every
 * further line one --set assignment (at most 32).  The steps are those of
 * cli/runner.c up to the workload: the --set values (engine/core/config.c),
 * the named stack's settings and its expansion (data/stacks.ini), loading
 * each policy module and its parameters (engine/plugin/loader.c), and
 * validating the engine's keys.
 *
 * A stack containing '/' is a module path: it is skipped, since the fuzzer
 * could name any shared library on the machine (bad paths are rows of the
 * bad-input table instead, tests/test-badinput.c). */
#include "tests/fuzz/fuzz-common.h"

#include "engine/core/config.h"
#include "engine/plugin/loader.h"
#include <gmodule.h>

static GKeyFile *stacks;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fz_init("unused");
  stacks = fsi_stacks_load(NULL);
  if (!stacks) abort();
  /* every policy module stays loaded: the stack's unload would otherwise
   * unmap a module's coverage counters, which libFuzzer goes on reading */
  char **path = fsi_policy_search_path(NULL);
  GPtrArray *modules = fsi_policy_modules(path);
  for (guint i = 0; i < modules->len; i++) {
    GModule *m = g_module_open(g_ptr_array_index(modules, i), G_MODULE_BIND_LOCAL);
    if (!m) abort();
    g_module_make_resident(m);
  }
  g_ptr_array_unref(modules);
  g_strfreev(path);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096 || memchr(data, '/', size) || memchr(data, '\0', size)) return -1;
  char *text = g_strndup((const char *)data, size);
  char **lines = g_strsplit(text, "\n", 34);
  g_free(text);
  if (!lines[0]) { /* the empty input: g_strsplit gives no line at all */
    g_strfreev(lines);
    return 0;
  }
  const char *spec = lines[0];
  FsiConfig *cfg = fsi_config_new();
  GError *e = NULL;
  bool ok = true;
  for (char **s = lines + 1; ok && *s; s++) ok = fsi_config_set(cfg, *s, "--set", &e);
  if (ok) {
    char **settings = fsi_stack_settings(stacks, spec);
    for (char **st = settings; *st; st++) {
      char *section, *key, *value;
      if (!fsi_config_split(*st, &section, &key, &value)) abort(); /* data/stacks.ini is ours */
      if (!g_str_has_prefix(fsi_config_origin(cfg, section, key), "--set")) fsi_config_set_value(cfg, section, key, value, "stack");
      g_free(section);
      g_free(key);
      g_free(value);
    }
    g_strfreev(settings);
  }
  FsiStack *stack = NULL;
  if (ok) {
    stack = fsi_stack_load(spec, NULL, cfg->kf, &e);
    ok = stack != NULL;
  }
  if (ok) {
    GPtrArray *extra = g_ptr_array_new();
    g_ptr_array_add(extra, "workload");
    for (unsigned i = 0; i < stack->n; i++) g_ptr_array_add(extra, stack->v[i].name);
    g_ptr_array_add(extra, NULL);
    ok = fsi_config_validate(cfg, (const char *const *)extra->pdata, &e);
    g_ptr_array_free(extra, TRUE);
  }
  if (!ok) fz_check_refusal(e, "stack and --set");
  g_clear_error(&e);
  fsi_stack_free(stack);
  fsi_config_free(cfg);
  g_strfreev(lines);
  return 0;
}
