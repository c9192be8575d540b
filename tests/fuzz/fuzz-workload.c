/* Fuzz target: a workload file (workloads/workload.c fsi_config_load_file,
 * engine/core/config.c validation, workloads/file.c's parser), as `fragsim
 * run -w FILE.ini` reads it, up to the point where a run would be built.
 * Each input is the whole file. */
#include "tests/fuzz/fuzz-common.h"

#include "engine/core/config.h"
#include "workloads/workload.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fz_init("fuzz.ini");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return -1;
  fz_write(data, size);
  FsiConfig *cfg = fsi_config_new();
  GError *e = NULL;
  bool ok = fsi_config_load_file(cfg, fz_path, &e);
  if (ok) {
    /* the sections the runner leaves to the workload (cli/runner.c) */
    GPtrArray *extra = g_ptr_array_new();
    g_ptr_array_add(extra, "workload");
    char **groups = g_key_file_get_groups(cfg->kf, NULL);
    for (char **g = groups; *g; g++)
      if (g_str_has_prefix(*g, "phase.") || g_str_has_prefix(*g, "stream.")) g_ptr_array_add(extra, *g);
    g_ptr_array_add(extra, NULL);
    ok = fsi_config_validate(cfg, (const char *const *)extra->pdata, &e);
    g_ptr_array_free(extra, TRUE);
    g_strfreev(groups);
  }
  if (ok) {
    FsiWorkload wl = {0};
    ok = fsi_file_workload_create(cfg, &wl, &e);
    if (ok) {
      /* what the run takes from it: a duration the engine can hold */
      if (fsi_config_duration(cfg, "sim", "duration") > ((uint64_t)1 << 62)) {
        fprintf(stderr, "sim.duration above 2^62 ns accepted\n");
        abort();
      }
      wl.destroy(wl.state);
    }
  }
  if (!ok) fz_check_refusal(e, "workload file");
  g_clear_error(&e);
  fsi_config_free(cfg);
  return 0;
}
