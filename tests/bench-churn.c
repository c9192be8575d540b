/* Benchmark (meson test --benchmark): events per second of `churn` on the
 * vanilla stack on a 4 GiB and a 64 GiB machine, and the engine's state in
 * bytes per simulated page.  Prints figures; the pass/fail of a benchmark is
 * only that it ran.  Set FRAGSIM_BENCH_DURATION (e.g. 30s) to run longer. */
#include <stdio.h>

#include "engine/run.h"
#include "workloads/workload.h"

static int bench(const char *memory, const char *duration) {
  GError *e = NULL;
  FsiConfig *cfg = fsi_config_new();
  char *set_mem = g_strdup_printf("machine.memory=%s", memory);
  char *set_dur = g_strdup_printf("sim.duration=%s", duration);
  fsi_config_set(cfg, set_mem, "bench", &e);
  fsi_config_set(cfg, set_dur, "bench", &e);
  g_free(set_mem);
  g_free(set_dur);
  FsiStack *stack = fsi_stack_load("vanilla", NULL, cfg->kf, &e);
  FsiWorkload wl = {0};
  FsiRun *run = NULL;
  if (!stack || !fsi_churn_create(cfg, &wl, &e) || !(run = fsi_run_new(cfg, stack, &wl, 1, &e))) {
    fprintf(stderr, "bench: %s\n", e->message);
    return 1;
  }
  gint64 t0 = g_get_monotonic_time();
  if (!fsi_run_execute(run, &e)) {
    fprintf(stderr, "bench: %s\n", e->message);
    return 1;
  }
  double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
  double pages = (double)run->mem.cfg.total_pages;
  double frame = (double)sizeof(FsiPage) + (double)sizeof(FsiPageblock) / (double)run->mem.pageblock_nr_pages;
  double total = (double)run->mem.nr_pages * sizeof(FsiPage) + (double)run->mem.nr_blocks * sizeof(FsiPageblock) +
                 (double)run->cap_allocs * sizeof(FsiAlloc) + (double)run->cap_free_ids * sizeof(uint32_t) +
                 (double)fsi_eventq_bytes(&run->q);
  printf("churn/vanilla %-4s %s simulated: %10" G_GUINT64_FORMAT " events in %6.2f s wall = %5.2f M events/s; "
         "engine state %.2f bytes/page (page frame + pageblock %.2f, allocation objects and events %.2f)\n",
         memory, duration, run->events, wall, (double)run->events / wall / 1e6, total / pages, frame,
         total / pages - frame);
  fsi_run_free(run);
  fsi_stack_free(stack);
  fsi_config_free(cfg);
  return 0;
}

int main(void) {
  const char *d = g_getenv("FRAGSIM_BENCH_DURATION");
  int rc = bench("4G", d ? d : "60s");
  rc |= bench("64G", d ? d : "60s");
  return rc;
}
