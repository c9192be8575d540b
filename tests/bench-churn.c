/* Benchmark (meson test --benchmark): fragsim's speed and memory against
 * the floor any simulator of this kind is measured by, measured in the same
 * run on the same machine (#15's table):
 *   floor     a bare buddy allocator (no zones, migratetypes, events or
 *             statistics) churning the same memory: orders 0-3 as churn's
 *             anonymous mix draws them, 80% of memory live, each operation
 *             an allocation or the free of a random live block;
 *   churn     the `churn` workload on the vanilla stack at 4 GiB and 64 GiB:
 *             events/s and its ratio to the floor's operations/s;
 *   memory    the engine's state in bytes per simulated page, computed from
 *             its arrays and measured as the growth of RSS over the run;
 *   stress-highalloc on linux-6.1 at 1 GiB and 16 GiB: CPU seconds and
 *             events/s.
 * The machine's load average is printed before and after, so a noisy figure
 * is recognisable.  Prints figures; the pass/fail of a benchmark is only that
 * it ran.  FRAGSIM_BENCH_DURATION (default 60s) sets churn's simulated time;
 * FRAGSIM_BENCH_QUICK=1 skips the stress-highalloc rows. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/runner.h"
#include "engine/run.h"
#include "workloads/workload.h"

/* ---- the floor: a bare buddy allocator -------------------------------------------- */

#define FLOOR_MAX_ORDER 10
#define NIL UINT32_MAX

typedef struct {
  uint32_t npages;
  uint8_t *order; /* of the free block headed here, or 0xff */
  uint32_t *next, *prev;
  uint32_t head[FLOOR_MAX_ORDER + 1];
} Floor;

static void fl_push(Floor *f, uint32_t pfn, uint32_t o) {
  f->order[pfn] = (uint8_t)o;
  f->prev[pfn] = NIL;
  f->next[pfn] = f->head[o];
  if (f->head[o] != NIL) f->prev[f->head[o]] = pfn;
  f->head[o] = pfn;
}

static void fl_unlink(Floor *f, uint32_t pfn, uint32_t o) {
  f->order[pfn] = 0xff;
  if (f->prev[pfn] != NIL) f->next[f->prev[pfn]] = f->next[pfn];
  else f->head[o] = f->next[pfn];
  if (f->next[pfn] != NIL) f->prev[f->next[pfn]] = f->prev[pfn];
}

static uint32_t fl_alloc(Floor *f, uint32_t o) {
  uint32_t k = o;
  while (k <= FLOOR_MAX_ORDER && f->head[k] == NIL) k++;
  if (k > FLOOR_MAX_ORDER) return NIL;
  uint32_t pfn = f->head[k];
  fl_unlink(f, pfn, k);
  while (k > o) {
    k--;
    fl_push(f, pfn + (1u << k), k);
  }
  return pfn;
}

static void fl_free(Floor *f, uint32_t pfn, uint32_t o) {
  while (o < FLOOR_MAX_ORDER) {
    uint32_t buddy = pfn ^ (1u << o);
    if (buddy >= f->npages || f->order[buddy] != o) break;
    fl_unlink(f, buddy, o);
    pfn &= ~(1u << o);
    o++;
  }
  fl_push(f, pfn, o);
}

static inline uint64_t xorshift(uint64_t *s) {
  *s ^= *s << 13;
  *s ^= *s >> 7;
  *s ^= *s << 17;
  return *s;
}

/* operations per second of the floor churning `bytes` of 4 KiB pages */
static double floor_ops(uint64_t bytes, double seconds) {
  Floor f = {.npages = (uint32_t)(bytes / 4096)};
  f.order = g_malloc(f.npages);
  f.next = g_new(uint32_t, f.npages);
  f.prev = g_new(uint32_t, f.npages);
  memset(f.order, 0xff, f.npages);
  for (uint32_t o = 0; o <= FLOOR_MAX_ORDER; o++) f.head[o] = NIL;
  for (uint32_t p = 0; p < f.npages; p += 1u << FLOOR_MAX_ORDER) fl_push(&f, p, FLOOR_MAX_ORDER);
  /* live blocks: pfn << 4 | order */
  uint32_t cap = f.npages;
  uint32_t *live = g_new(uint32_t, cap);
  uint32_t nlive = 0;
  uint64_t used = 0, target = (uint64_t)f.npages * 8 / 10, rng = 0x9e3779b97f4a7c15ull, ops = 0;
  const uint32_t cum[4] = {90, 96, 99, 100}; /* churn's anon orders 0-3 */
  double t0 = (double)g_get_monotonic_time() / 1e6, t = t0;
  while (t - t0 < seconds) {
    for (int i = 0; i < 65536; i++) {
      if (used < target || !nlive) {
        uint32_t r = (uint32_t)(xorshift(&rng) % 100), o = 0;
        while (r >= cum[o]) o++;
        uint32_t pfn = fl_alloc(&f, o);
        if (pfn != NIL) {
          live[nlive++] = pfn << 4 | o;
          used += 1u << o;
        }
      } else {
        uint32_t j = (uint32_t)(xorshift(&rng) % nlive), v = live[j];
        live[j] = live[--nlive];
        fl_free(&f, v >> 4, v & 15);
        used -= 1u << (v & 15);
      }
      ops++;
    }
    t = (double)g_get_monotonic_time() / 1e6;
  }
  g_free(live);
  g_free(f.order);
  g_free(f.next);
  g_free(f.prev);
  return (double)ops / (t - t0);
}

/* ---- fragsim -------------------------------------------------------------------------- */

static double rss_bytes(void) {
  FILE *fp = fopen("/proc/self/statm", "r");
  unsigned long size = 0, resident = 0;
  if (fp) {
    if (fscanf(fp, "%lu %lu", &size, &resident) != 2) resident = 0;
    fclose(fp);
  }
  return (double)resident * (double)sysconf(_SC_PAGESIZE);
}

static void print_load(const char *when) {
  char buf[128] = "?";
  FILE *fp = fopen("/proc/loadavg", "r");
  if (fp) {
    if (!fgets(buf, sizeof buf, fp)) strcpy(buf, "?");
    fclose(fp);
  }
  buf[strcspn(buf, "\n")] = 0;
  printf("load average %s: %s (%ld CPUs online)\n", when, buf, sysconf(_SC_NPROCESSORS_ONLN));
}

static double cpu_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int churn(const char *memory, uint64_t bytes, const char *duration) {
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
  double rss0 = rss_bytes();
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
  double rss = rss_bytes() - rss0;
  double pages = (double)run->mem.cfg.total_pages;
  double frame = (double)sizeof(FsiPage) + (double)sizeof(FsiPageblock) / (double)run->mem.pageblock_nr_pages;
  double allocs = (double)run->cap_allocs * sizeof(FsiAlloc) + (double)run->cap_free_ids * sizeof(uint32_t);
  double slab = (double)run->rc.cap_objs * sizeof(FsiSlabObj) + (double)run->rc.cap_slabs * sizeof(FsiSlab);
  double events = (double)fsi_eventq_bytes(&run->q);
  double total = (double)run->mem.nr_pages * sizeof(FsiPage) + (double)run->mem.nr_blocks * sizeof(FsiPageblock) +
                 allocs + slab + events;
  double eps = (double)run->events / wall;
  double fops = floor_ops(bytes, 3.0);
  printf("churn/vanilla %-4s %s simulated: %10" G_GUINT64_FORMAT " events in %6.2f s wall = %5.2f M events/s\n",
         memory, duration, run->events, wall, eps / 1e6);
  printf("  floor (bare buddy, same memory): %6.2f M ops/s; fragsim = 1/%.1f of the floor\n", fops / 1e6,
         fops / eps);
  printf("  engine state %.2f bytes/page computed (page frame + pageblock %.2f, allocation objects %.2f, slab "
         "objects and slabs %.2f, events %.2f; at the end %" G_GUINT64_FORMAT " allocations live, %u slab object slots, %zu events queued); "
         "RSS grew %.2f bytes/page over the run\n",
         total / pages, frame, allocs / pages, slab / pages, events / pages, run->live_allocs,
         run->rc.nobjs, fsi_eventq_len(&run->q), rss / pages);
  fsi_run_free(run);
  fsi_stack_free(stack);
  fsi_config_free(cfg);
  return 0;
}

static int preset(const char *workload, const char *stack, const char *memory) {
  char *set_mem = g_strdup_printf("machine.memory=%s", memory);
  const char *sets[] = {set_mem, NULL};
  FsiRunSpec spec = {workload, stack, 1, sets, NULL, NULL, false, false, false, false};
  FsiRunResult res = {0};
  GError *e = NULL;
  double c0 = cpu_seconds();
  bool ok = fsi_run_one(&spec, &res, &e);
  double cpu = cpu_seconds() - c0;
  g_free(set_mem);
  if (!ok) {
    fprintf(stderr, "bench: %s/%s %s: %s\n", workload, stack, memory, e->message);
    g_error_free(e);
    return 1;
  }
  printf("%s/%s %-4s: %10" G_GUINT64_FORMAT " events, %7.2f CPU-s = %5.2f M events/s\n", workload, stack, memory,
         res.events, cpu, (double)res.events / cpu / 1e6);
  fsi_run_result_clear(&res);
  return 0;
}

int main(void) {
  const char *d = g_getenv("FRAGSIM_BENCH_DURATION");
  print_load("before");
  int rc = churn("4G", (uint64_t)4 << 30, d ? d : "60s");
  rc |= churn("64G", (uint64_t)64 << 30, d ? d : "60s");
  if (!g_getenv("FRAGSIM_BENCH_QUICK")) {
    rc |= preset("stress-highalloc", "linux-6.1", "1G");
    rc |= preset("stress-highalloc", "linux-6.1", "16G");
  }
  print_load("after");
  return rc;
}
