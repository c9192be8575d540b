/* Fuzz target: the trace reader (workloads/trace.c), as `fragsim run -w
 * trace:FILE` reads an ftrace text trace.  Each input is the whole trace. */
#include "tests/fuzz/fuzz-common.h"

#include "engine/core/config.h"
#include "workloads/workload.h"

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  fz_init("fuzz.trace");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 1 << 16) return -1;
  fz_write(data, size);
  FsiConfig *cfg = fsi_config_new();
  GError *e = NULL;
  char *name = g_strdup_printf("trace:%s", fz_path);
  const FsiWorkloadInfo *wi = NULL;
  bool ok = fsi_workload_resolve(name, cfg, &wi, &e) && fsi_config_validate(cfg, (const char *const[]){"workload", NULL}, &e);
  if (ok) {
    FsiWorkload wl = {0};
    ok = wi->create(cfg, &wl, &e);
    if (ok) {
      if (fsi_config_duration(cfg, "sim", "duration") > ((uint64_t)1 << 62)) {
        fprintf(stderr, "a trace longer than 2^62 ns accepted\n");
        abort();
      }
      wl.destroy(wl.state);
    }
  }
  if (!ok) fz_check_refusal(e, "trace");
  g_clear_error(&e);
  g_free(name);
  fsi_config_free(cfg);
  return 0;
}
