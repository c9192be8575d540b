/* Per-CPU page lists (reference §1.5), as in 6.1: per CPU and zone, one list
 * per (pcp migratetype, order 0..3) plus one for pageblock-order (THP)
 * pages; zone_batchsize()/zone_highsize() sizing; bulk refill through
 * __rmqueue; frees to the list head and, past `high`, free_pcppages_bulk()
 * from the list tails with the free_factor ramp.
 *
 * With vm.pcp_sizing=2.6 or 5.0 the older sizing: high = 6 * batch (before
 * 5.14), the batch capped at 512 KiB (before 5.0, then 1 MiB), and a list
 * past high returns one batch, without the free_factor ramp or the shorter
 * lists while kswapd runs (both 5.14+).
 *
 * What it deliberately does not model: the 2025 auto-tuned `high`
 * (high_min/high_max, decay), the per-list cached migratetype (a page is
 * returned to its pageblock's current type when drained), and remote drains
 * being asynchronous (drain_all_pages is immediate).
 */
#include "engine/mm/pcp.h"

#include "engine/core/error.h"

#include <string.h>

#define NR_LOWORDER_PCP_LISTS (FS_MIGRATE_PCPTYPES * 4) /* orders 0..PAGE_ALLOC_COSTLY_ORDER */
#define NR_PCP_LISTS (NR_LOWORDER_PCP_LISTS + 1)

typedef struct {
  uint32_t head[NR_PCP_LISTS], tail[NR_PCP_LISTS];
  uint64_t count; /* pages */
  uint32_t high, batch;
  uint32_t free_factor;
} PerCpuPages;

struct FsiPcp {
  uint32_t ncpus;
  uint64_t migrate_ns;  /* machine.task_migration (0: tasks stay on task % ncpus) */
  uint64_t migrate_key; /* the run's seed, mixed: where the tasks go */
  bool high_orders;
  bool migrate_free; /* vm.migrate_free_pcp */
  bool fixed_high; /* vm.pcp_sizing 2.6 or 5.0: high = 6 * batch, one batch freed */
  PerCpuPages *pcp; /* [cpu * FS_MAX_ZONES + zone] */
};

static inline PerCpuPages *pcp_of(FsiRun *run, uint32_t cpu, uint32_t zone) {
  return &run->pcp->pcp[cpu * FS_MAX_ZONES + zone];
}

bool fsi_pcp_allowed_order(const FsiRun *run, uint32_t order) {
  if (!run->pcp) return false;
  if (!run->pcp->high_orders) return order == 0; /* before 5.13: order-0 lists only */
  return order <= run->costly_order && order < 4 ? true : order == run->mem.pageblock_order;
}

static uint32_t order_to_pindex(uint32_t mt, uint32_t order) {
  if (order >= 4) return NR_LOWORDER_PCP_LISTS;
  return FS_MIGRATE_PCPTYPES * order + mt;
}

/* The migratetype of a list: THPs share one list, movable. */
static uint32_t pindex_to_mt(uint32_t pindex) {
  return pindex == NR_LOWORDER_PCP_LISTS ? FS_MIGRATE_MOVABLE : pindex % FS_MIGRATE_PCPTYPES;
}

static uint32_t pindex_to_order(const FsiRun *run, uint32_t pindex) {
  return pindex == NR_LOWORDER_PCP_LISTS ? run->mem.pageblock_order : pindex / FS_MIGRATE_PCPTYPES;
}

static uint32_t rounddown_pow_of_two(uint32_t x) { return x ? 1u << (31 - __builtin_clz(x)) : 0; }

/* zone_batchsize(): a quarter of managed/1024 (at most cap_pages: 1 MiB
 * since 5.0, 512 KiB before), rounded to 2^n - 1 to spread cache colours. */
uint32_t fsi_zone_batchsize(uint64_t managed, uint32_t cap_pages) {
  uint64_t b = MIN(managed >> 10, (uint64_t)cap_pages);
  b /= 4;
  if (b < 1) b = 1;
  uint32_t batch = rounddown_pow_of_two((uint32_t)(b + b / 2)) - 1;
  return batch ? batch : 1;
}

/* zone_highsize(): the low watermark shared among the node's CPUs, at least 4 batches. */
uint32_t fsi_zone_highsize(uint64_t low_wmark, uint32_t ncpus, uint32_t batch) {
  uint64_t high = low_wmark / (ncpus ? ncpus : 1);
  return (uint32_t)MAX(high, (uint64_t)batch << 2);
}

void fsi_pcp_init(FsiRun *run) {
  run->pcp = g_new0(struct FsiPcp, 1);
  run->pcp->ncpus = run->ncpus;
  run->pcp->migrate_ns = fsi_config_duration(run->cfg, "machine", "task_migration");
  run->pcp->migrate_key = fsi_mix64(run->seed ^ 0x7461736b2d637075ull); /* "task-cpu" */
  run->pcp->high_orders = fsi_config_bool(run->cfg, "vm", "pcp_high_order");
  run->pcp->migrate_free = fsi_config_bool(run->cfg, "vm", "migrate_free_pcp");
  g_autofree char *sizing = fsi_config_string(run->cfg, "vm", "pcp_sizing");
  run->pcp->fixed_high = strcmp(sizing, "5.14") != 0;
  uint32_t cap = !strcmp(sizing, "2.6") ? 512 * 1024 / 4096 : 1024 * 1024 / 4096;
  run->pcp->pcp = g_new0(PerCpuPages, (gsize)run->ncpus * FS_MAX_ZONES);
  for (uint32_t c = 0; c < run->ncpus; c++)
    for (uint32_t z = 0; z < FS_MAX_ZONES; z++) {
      PerCpuPages *p = pcp_of(run, c, z);
      for (uint32_t i = 0; i < NR_PCP_LISTS; i++) p->head[i] = p->tail[i] = FSI_NIL;
      const FsiZone *zn = &run->mem.zones[z];
      p->batch = fsi_zone_batchsize(zn->managed_pages, cap);
      p->high = run->pcp->fixed_high ? 6 * p->batch : fsi_zone_highsize(zn->wmark[FSI_WMARK_LOW], run->ncpus, p->batch);
    }
}

void fsi_pcp_destroy(FsiRun *run) {
  if (!run->pcp) return;
  g_free(run->pcp->pcp);
  g_free(run->pcp);
  run->pcp = NULL;
}

static void pcp_link(FsiRun *run, PerCpuPages *p, uint32_t pindex, uint64_t pfn, uint32_t order, bool tail) {
  FsiPage *pg = &run->mem.pages[pfn];
  uint32_t idx = (uint32_t)pfn;
  pg->flags = FSI_PG_PCP;
  pg->order = (uint8_t)order;
  pg->mt = (uint8_t)pindex;
  pg->alloc = FSI_NIL;
  fsi_touch(&run->mem, pfn, 1);
  if (p->head[pindex] != FSI_NIL) fsi_touch(&run->mem, tail ? p->tail[pindex] : p->head[pindex], 1);
  if (p->head[pindex] == FSI_NIL) {
    pg->next = pg->prev = FSI_NIL;
    p->head[pindex] = p->tail[pindex] = idx;
  } else if (tail) {
    pg->prev = p->tail[pindex];
    pg->next = FSI_NIL;
    run->mem.pages[p->tail[pindex]].next = idx;
    p->tail[pindex] = idx;
  } else {
    pg->next = p->head[pindex];
    pg->prev = FSI_NIL;
    run->mem.pages[p->head[pindex]].prev = idx;
    p->head[pindex] = idx;
  }
  p->count += (uint64_t)1 << order;
}

static void pcp_unlink(FsiRun *run, PerCpuPages *p, uint32_t pindex, uint64_t pfn) {
  FsiPage *pg = &run->mem.pages[pfn];
  fsi_touch(&run->mem, pfn, 1);
  if (pg->prev != FSI_NIL) fsi_touch(&run->mem, pg->prev, 1);
  if (pg->next != FSI_NIL) fsi_touch(&run->mem, pg->next, 1);
  if (pg->prev != FSI_NIL) run->mem.pages[pg->prev].next = pg->next;
  else p->head[pindex] = pg->next;
  if (pg->next != FSI_NIL) run->mem.pages[pg->next].prev = pg->prev;
  else p->tail[pindex] = pg->prev;
  pg->next = pg->prev = FSI_NIL;
  pg->flags = 0;
  p->count -= (uint64_t)1 << pg->order;
}

/* free_pcppages_bulk(): return `count` pages to the buddy allocator from the
 * list tails, round-robin over the lists starting with `pindex`. */
static void free_pcppages_bulk(FsiRun *run, uint32_t zone, PerCpuPages *p, uint64_t count, uint32_t pindex) {
  uint64_t freed = 0;
  while (freed < count && p->count) {
    uint32_t tries = 0;
    while (p->tail[pindex] == FSI_NIL && tries++ < NR_PCP_LISTS) pindex = (pindex + 1) % NR_PCP_LISTS;
    uint64_t pfn = p->tail[pindex];
    uint32_t order = run->mem.pages[pfn].order;
    pcp_unlink(run, p, pindex, pfn);
    /* the pageblock's type now, or (free_list_type=allocation) the list's:
     * the type the page was allocated as */
    uint32_t mt = fsi_free_list_mt(&run->mem, pfn, pindex_to_mt(pindex));
    uint32_t merged = order;
    uint64_t head = fsi_free_one_page(&run->mem, pfn, order, mt, &merged);
    if (head != FS_PFN_NONE) fsi_run_freed_hooks(run, zone, head, merged, mt); /* else captured */
    freed += (uint64_t)1 << order;
    pindex = (pindex + 1) % NR_PCP_LISTS;
  }
}

/* The CPU a task runs on now.  Daemons and drop_caches (no task) run on CPU
 * 0.  With machine.task_migration a task is placed anew every period, each
 * task's periods staggered by its own offset so they do not all move at
 * once, on a CPU drawn from a hash of (seed, task, period): the scheduler
 * spreading a loaded machine's processes (exec placement of each new
 * process, wake-up placement, load balancing), which fragsim does not
 * schedule one by one.  A hash, not a draw from a stream, so no workload
 * draw moves and the answer is the same whenever it is asked. */
static uint32_t task_cpu(const FsiRun *run, uint32_t task) {
  if (task == FSI_NIL) return 0;
  const struct FsiPcp *pc = run->pcp;
  if (!pc->migrate_ns) return task % pc->ncpus;
  uint64_t key = fsi_mix64(pc->migrate_key ^ task);
  uint64_t period = (run->now_ns + key % pc->migrate_ns) / pc->migrate_ns;
  return (uint32_t)(fsi_mix64(key ^ (period * 0x9e3779b97f4a7c15ull)) % pc->ncpus);
}

uint64_t fsi_pcp_alloc(FsiRun *run, uint32_t zone, const FsAllocRequest *req) {
  uint32_t mt = req->migratetype;
  if (mt >= FS_MIGRATE_PCPTYPES) return FS_PFN_NONE;
  PerCpuPages *p = pcp_of(run, task_cpu(run, req->task), zone);
  uint32_t pindex = order_to_pindex(mt, req->order);
  p->free_factor >>= 1;
  if (p->head[pindex] == FSI_NIL) {
    /* rmqueue_bulk(): refill in one go through __rmqueue (fallbacks included) */
    uint32_t count = req->order ? MAX(p->batch >> req->order, 2u) : p->batch;
    FsAllocRequest bulk = *req;
    bulk.alloc_flags |= FS_ALLOC_BULK;
    for (uint32_t i = 0; i < count && !run->stop; i++) {
      uint64_t pfn = fsi_rmqueue_buddy(run, zone, &bulk);
      if (pfn == FS_PFN_NONE) break;
      pcp_link(run, p, pindex, pfn, req->order, true);
    }
    if (p->head[pindex] == FSI_NIL) return FS_PFN_NONE;
  }
  uint64_t pfn = p->head[pindex];
  pcp_unlink(run, p, pindex, pfn);
  return pfn;
}

bool fsi_pcp_free(FsiRun *run, uint64_t pfn, uint32_t order, uint32_t task, uint32_t alloc_mt) {
  if (!fsi_pcp_allowed_order(run, order)) return false;
  uint32_t mt = fsi_free_list_mt(&run->mem, pfn, alloc_mt);
  /* free_unref_page(): isolated blocks bypass the lists; HIGHATOMIC and CMA
   * pages ride on the MOVABLE list */
  if (mt == FS_MIGRATE_ISOLATE) return false;
  if (mt >= FS_MIGRATE_PCPTYPES) mt = FS_MIGRATE_MOVABLE;
  uint32_t zone = fsi_pfn_zone(&run->mem, pfn);
  PerCpuPages *p = pcp_of(run, task_cpu(run, task), zone);
  uint32_t pindex = order_to_pindex(mt, order);
  pcp_link(run, p, pindex, pfn, order, false);
  if (run->pcp->fixed_high) {
    if (p->count >= p->high) free_pcppages_bulk(run, zone, p, p->batch, pindex);
    return true;
  }
  bool free_high = p->free_factor && order && order <= run->costly_order;
  /* nr_pcp_high(): while kswapd reclaims, keep the lists short */
  uint32_t high = p->high;
  if (run->rc.kswapd_awake && !run->rc.kswapd_napping) high = MIN(high, p->batch * 4);
  if (free_high) high = 0;
  if (p->count >= high) {
    /* nr_pcp_free(): batch << free_factor, clamped to [batch, high - batch] */
    uint64_t nr;
    if (free_high) {
      nr = p->count;
    } else {
      uint64_t max_nr = high > p->batch ? high - p->batch : p->batch;
      nr = (uint64_t)p->batch << p->free_factor;
      if (nr < max_nr) p->free_factor++;
      nr = CLAMP(nr, (uint64_t)p->batch, MAX(max_nr, (uint64_t)p->batch));
    }
    free_pcppages_bulk(run, zone, p, nr, pindex);
  }
  return true;
}

void fsi_pcp_drain_zone(FsiRun *run, uint32_t zone) {
  run->stats.c[FSI_C_fs_pcp_drain]++;
  if (!run->pcp || zone >= FS_MAX_ZONES) return;
  for (uint32_t c = 0; c < run->pcp->ncpus; c++) {
    PerCpuPages *p = pcp_of(run, c, zone);
    if (p->count) free_pcppages_bulk(run, zone, p, p->count, 0);
  }
}

bool fsi_pcp_free_migrated(FsiRun *run, uint64_t pfn, uint32_t order) {
  if (!run->pcp || !run->pcp->migrate_free) return false;
  return fsi_pcp_free(run, pfn, order, run->current_task, fsi_get_pageblock_mt(&run->mem, pfn));
}

void fsi_pcp_drain_local(FsiRun *run, uint32_t task, uint32_t zone) {
  if (!run->pcp || zone >= FS_MAX_ZONES) return;
  PerCpuPages *p = pcp_of(run, task_cpu(run, task), zone);
  if (p->count) free_pcppages_bulk(run, zone, p, p->count, 0);
}

uint64_t fsi_pcp_cpu_count(const FsiRun *run, uint32_t cpu, uint32_t zone) {
  if (!run->pcp || cpu >= run->pcp->ncpus || zone >= FS_MAX_ZONES) return 0;
  return run->pcp->pcp[cpu * FS_MAX_ZONES + zone].count;
}

uint64_t fsi_pcp_count(const FsiRun *run, uint32_t zone) {
  if (!run->pcp) return 0;
  uint64_t n = 0;
  for (uint32_t c = 0; c < run->pcp->ncpus; c++) n += run->pcp->pcp[c * FS_MAX_ZONES + zone].count;
  return n;
}

bool fsi_pcp_check(FsiRun *run, GError **error) {
  if (!run->pcp) return true;
  for (uint32_t c = 0; c < run->pcp->ncpus; c++)
    for (uint32_t z = 0; z < FS_MAX_ZONES; z++) {
      PerCpuPages *p = pcp_of(run, c, z);
      uint64_t pages = 0;
      for (uint32_t i = 0; i < NR_PCP_LISTS; i++) {
        uint32_t prev = FSI_NIL;
        for (uint32_t pfn = p->head[i]; pfn != FSI_NIL; pfn = run->mem.pages[pfn].next) {
          const FsiPage *pg = &run->mem.pages[pfn];
          if (!(pg->flags & FSI_PG_PCP) || pg->mt != i || pg->order != pindex_to_order(run, i) || pg->prev != prev ||
              fsi_pfn_zone(&run->mem, pfn) != z) {
            g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "pcp list cpu %u zone %u list %u is corrupt at pfn %u", c, z, i, pfn);
            return false;
          }
          prev = pfn;
          pages += (uint64_t)1 << pg->order;
        }
        if (p->tail[i] != prev) {
          g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "pcp list cpu %u zone %u list %u: tail mismatch", c, z, i);
          return false;
        }
      }
      if (pages != p->count) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "pcp cpu %u zone %u: count %" G_GUINT64_FORMAT " but %" G_GUINT64_FORMAT " pages listed",
                    c, z, p->count, pages);
        return false;
      }
    }
  return true;
}

/* Whether some cpu's list `pindex` of zone z starts (or, with at_tail, ends) at pfn. */
static bool pcp_list_end_is(FsiRun *run, uint32_t z, uint32_t pindex, uint64_t pfn, bool at_tail) {
  for (uint32_t c = 0; c < run->pcp->ncpus; c++) {
    const PerCpuPages *p = pcp_of(run, c, z);
    if ((at_tail ? p->tail[pindex] : p->head[pindex]) == pfn) return true;
  }
  return false;
}

bool fsi_pcp_check_block(FsiRun *run, uint64_t pfn, GError **error) {
  const FsiPage *pg = &run->mem.pages[pfn];
  uint32_t z = fsi_pfn_zone(&run->mem, pfn);
  const char *what = NULL;
  if (!run->pcp || z == FSI_NIL || pg->mt >= NR_PCP_LISTS) what = "is on no pcp list";
  else if (pg->order != pindex_to_order(run, pg->mt) || (pfn & (((uint64_t)1 << pg->order) - 1)))
    what = "has the wrong order for its list or is misaligned";
  else if (pg->prev == FSI_NIL ? !pcp_list_end_is(run, z, pg->mt, pfn, false)
                               : !(run->mem.pages[pg->prev].flags & FSI_PG_PCP) || run->mem.pages[pg->prev].next != pfn ||
                                     run->mem.pages[pg->prev].mt != pg->mt)
    what = "is not linked from the block before it";
  else if (pg->next == FSI_NIL ? !pcp_list_end_is(run, z, pg->mt, pfn, true)
                               : !(run->mem.pages[pg->next].flags & FSI_PG_PCP) || run->mem.pages[pg->next].prev != pfn ||
                                     run->mem.pages[pg->next].mt != pg->mt)
    what = "is not linked from the block after it";
  if (!what) return true;
  g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "pcp block at pfn %" G_GUINT64_FORMAT " (order %u, list %u) %s", pfn,
              pg->order, pg->mt, what);
  return false;
}
