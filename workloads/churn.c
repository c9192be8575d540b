/* churn: the built-in first workload.  One task per CPU allocates orders 0-3
 * of every mobility (anon and page cache, reclaimable and unmovable slab,
 * page tables, kernel stacks) with exponential think times and lifetimes
 * sized so the steady-state footprint is `fill` of managed memory; one more
 * task attempts a pageblock-order movable allocation every `huge_interval`
 * and holds each success for `huge_hold`, as stress-highalloc's huge page
 * attempts do.
 *
 * Common random numbers: every draw (kind, order, lifetime, think time) is
 * made before the request and never depends on its outcome, so for a seed the
 * request stream is the same under every policy stack; only the timing
 * shifts where a stack stalls.
 */
#include <math.h>

#include "engine/core/error.h"
#include "engine/mm/slub.h"
#include "engine/mm/vmscan.h"
#include "workloads/workload.h"

typedef struct {
  uint32_t kind;
  double weight;
  double order_w[4];  /* page kinds: orders 0..3 */
  const char *cache;  /* slab kinds: the cache objects come from */
  uint32_t objects;   /* slab kinds: objects per request */
} ChurnMix;

/* A kernel-build-like mix: mostly movable user and page-cache memory, some
 * reclaimable slab (dentries and inodes, packed into slab pages that only
 * go back when their last object does), a few percent unmovable kernel
 * memory (kmalloc, page tables, kernel stacks). */
static const ChurnMix mix[] = {
    {FS_KIND_ANON, 45, {90, 6, 3, 1}, NULL, 0},
    {FS_KIND_FILE, 30, {92, 4, 2, 2}, NULL, 0},
    {FS_KIND_SLAB_RECLAIMABLE, 6, {0}, "dentry", 8},
    {FS_KIND_SLAB_RECLAIMABLE, 4, {0}, "inode", 4},
    {FS_KIND_SLAB_UNMOVABLE, 5, {0}, "kmalloc-256", 8},
    {FS_KIND_SLAB_UNMOVABLE, 3, {0}, "kmalloc-1k", 2},
    {FS_KIND_PAGETABLE, 4, {100, 0, 0, 0}, NULL, 0},
    {FS_KIND_KERNEL_STACK, 3, {0, 0, 100, 0}, NULL, 0},
};
static const uint32_t obj_size[] = {0, 0, 192, 1024, 256, 1024, 0, 0};

static const FsiWorkloadKey churn_keys[] = {
    {"fill", "0.8", "steady-state footprint as a fraction of managed memory (above 1: memory pressure)"},
    {"think", "20us", "mean time between a CPU task's requests (exponential)"},
    {"huge_interval", "100ms", "time between pageblock-order attempts"},
    {"huge_hold", "1s", "how long a successful pageblock-order allocation is held"},
    {"huge_order", "9", "order of the periodic attempts"},
    {NULL, NULL, NULL},
};

typedef struct {
  double fill;
  uint64_t think_ns, huge_interval_ns, huge_hold_ns;
  uint32_t huge_order;
  uint32_t ncpu;
  double mean_lifetime_ns;
  double kind_w[G_N_ELEMENTS(mix)];
  int cache[G_N_ELEMENTS(mix)];
} Churn;

static bool churn_start(FsiRun *run, void *state, GError **error) {
  Churn *c = state;
  if (c->huge_order > run->mem.max_order) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: workload.huge_order %u exceeds machine.max_order %u",
                fsi_config_origin(run->cfg, "workload", "huge_order"), c->huge_order, run->mem.max_order);
    return false;
  }
  c->ncpu = run->ntasks;
  /* footprint = arrival rate x mean pages x mean lifetime */
  double mean_pages = 0, wsum = 0;
  for (unsigned i = 0; i < G_N_ELEMENTS(mix); i++) {
    double ow = 0, op = 0;
    for (unsigned o = 0; o < 4; o++) {
      ow += mix[i].order_w[o];
      op += mix[i].order_w[o] * (double)(1u << o);
    }
    if (mix[i].cache) {
      c->cache[i] = fsi_slab_cache_find(run, mix[i].cache);
      g_assert(c->cache[i] >= 0);
      mean_pages += mix[i].weight * mix[i].objects * obj_size[i] / (double)run->mem.cfg.page_size;
    } else {
      mean_pages += mix[i].weight * op / ow;
    }
    wsum += mix[i].weight;
    c->kind_w[i] = mix[i].weight;
  }
  mean_pages /= wsum;
  uint64_t managed = 0;
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) managed += run->mem.zones[z].managed_pages;
  double rate = (double)c->ncpu / ((double)c->think_ns * 1e-9);
  c->mean_lifetime_ns = c->fill * (double)managed / (rate * mean_pages) * 1e9;
  fsi_run_set_tasks(run, c->ncpu + 1);
  for (uint32_t t = 0; t <= c->ncpu; t++) fsi_run_wake_task(run, t, t);
  return true;
}

static void churn_step(FsiRun *run, void *state, uint32_t task) {
  Churn *c = state;
  FsiTask *t = &run->tasks[task];
  if (task == c->ncpu) {
    FsiRequest rq = {c->huge_order, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE, task, false, false, false, false};
    uint64_t t0 = run->now_ns;
    FsiAllocResult r = fsi_run_alloc(run, &rq);
    if (r.handle) fsi_run_free_after(run, r.handle, fsi_run_delay_from(run, t0, r.latency_ns + c->huge_hold_ns));
    fsi_run_wake_task(run, task, t0 + MAX(r.latency_ns, c->huge_interval_ns));
    return;
  }
  /* every draw happens before the request, in a fixed order */
  uint32_t k = fsi_rng_weighted(&t->rng, c->kind_w, G_N_ELEMENTS(mix));
  double think = fsi_rng_exponential(&t->rng, (double)c->think_ns);
  uint64_t t0 = run->now_ns;
  if (mix[k].cache) {
    uint64_t latency = 0;
    for (uint32_t i = 0; i < mix[k].objects; i++) {
      double life = fsi_rng_exponential(&t->rng, c->mean_lifetime_ns);
      uint64_t lat = 0;
      FsiHandle h = fsi_slab_alloc(run, (uint32_t)c->cache[k], task, &lat);
      latency += lat;
      if (h) fsi_slab_free_after(run, h, fsi_run_delay_from(run, t0, latency + (uint64_t)life));
    }
    fsi_run_wake_task(run, task, t0 + latency + (uint64_t)think);
    return;
  }
  uint32_t order = fsi_rng_weighted(&t->rng, mix[k].order_w, 4);
  double life = fsi_rng_exponential(&t->rng, c->mean_lifetime_ns);
  bool referenced = fsi_rng_double(&t->rng) < 0.3;
  bool dirty = fsi_rng_double(&t->rng) < 0.2;
  FsiRequest rq = {order, mix[k].kind, fsi_kind_gfp(mix[k].kind), task, false, referenced, dirty, false};
  FsiAllocResult r = fsi_run_alloc(run, &rq);
  if (r.handle) fsi_run_free_after(run, r.handle, fsi_run_delay_from(run, t0, r.latency_ns + (uint64_t)life));
  fsi_run_wake_task(run, task, t0 + r.latency_ns + (uint64_t)think);
}

bool fsi_churn_create(FsiConfig *cfg, FsiWorkload *ret, GError **error) {
  if (!fsi_workload_check_keys(cfg, churn_keys, "churn", error)) return false;
  Churn *c = g_new0(Churn, 1);
  uint64_t order = 0;
  /* every key is present: fsi_workload_check_keys() filled in the defaults */
  if (!fsi_workload_get_double(cfg, "workload", "fill", 0.8, 0.0, 4.0, &c->fill, error) ||
      !fsi_workload_get_duration(cfg, "workload", "think", 0, &c->think_ns, error) ||
      !fsi_workload_get_duration(cfg, "workload", "huge_interval", 0, &c->huge_interval_ns, error) ||
      !fsi_workload_get_duration(cfg, "workload", "huge_hold", 0, &c->huge_hold_ns, error) ||
      !fsi_workload_get_uint(cfg, "workload", "huge_order", 9, FS_MAX_ORDER, &order, error)) {
    g_free(c);
    return false;
  }
  if (!c->think_ns || !c->huge_interval_ns) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "workload.think and workload.huge_interval must be greater than zero");
    g_free(c);
    return false;
  }
  c->huge_order = (uint32_t)order;
  ret->name = "churn";
  ret->state = c;
  ret->start = churn_start;
  ret->task_step = churn_step;
  ret->destroy = g_free;
  return true;
}
