/* Page cache writeback and refaults; see page_writeback.h.
 *
 * Mirrors, at the level of which pages are written when and how long they
 * stay unreclaimable: mm/page-writeback.c (global_dirtyable_memory,
 * domain_dirty_limits, balance_dirty_pages, folio_end_writeback via
 * mm/filemap.c), fs/fs-writeback.c (wb_workfn's wb_do_writeback:
 * wb_check_start_all, wb_check_old_data_flush, wb_check_background_flush)
 * and the refault side of mm/workingset.c.  Each simplification is a
 * comment here and a line in docs/model.md.
 *
 * One backing device with one queue: a page whose writeback starts at t is
 * written at max(t, end of the queue) + cost.reclaim_dirty_ns.
 */
#include "engine/mm/page_writeback.h"

#include <string.h>

#include "engine/mm/internal.h"
#include "engine/mm/vmscan.h"

#define MAX_PAUSE_NS (200ull * 1000 * 1000) /* MAX_PAUSE = HZ/5 */
#define FLUSH_PERIODIC 0
#define FLUSH_KICK 1

void fsi_writeback_init(FsiRun *run) {
  FsiReclaim *rc = &run->rc;
  g_autofree char *mode = fsi_config_string(run->cfg, "vm", "writeback");
  rc->wb_async = g_strcmp0(mode, "async") == 0;
  g_autofree char *swap_io = fsi_config_string(run->cfg, "vm", "swap_io");
  rc->swap_async = g_strcmp0(swap_io, "async") == 0;
  rc->wb_interval_ns = (uint64_t)fsi_config_int(run->cfg, "vm", "dirty_writeback_centisecs") * 10000000ull;
  rc->wb_expire_ns = (uint64_t)fsi_config_int(run->cfg, "vm", "dirty_expire_centisecs") * 10000000ull;
  rc->dirty_background_ratio = (uint32_t)fsi_config_int(run->cfg, "vm", "dirty_background_ratio");
  rc->dirty_ratio = (uint32_t)fsi_config_int(run->cfg, "vm", "dirty_ratio");
  rc->wb_queue_pages = (uint64_t)fsi_config_int(run->cfg, "vm", "writeback_queue_pages");
  g_autofree char *refault_io = fsi_config_string(run->cfg, "vm", "refault_io");
  rc->read_queued = g_strcmp0(refault_io, "queued") == 0;
  fsi_rng_seed(&rc->refault_rng, run->seed, "refault", 0);
  /* the periodic wb_workfn wake-up (wb_wakeup_delayed); the kernel arms it
   * only while something is dirty, which changes nothing written here */
  if (rc->wb_async && rc->wb_interval_ns)
    fsi_eventq_push(&run->q, rc->wb_interval_ns, FSI_EV_FLUSH, 0, FLUSH_PERIODIC);
}

void fsi_writeback_destroy(FsiRun *run) {
  g_free(run->rc.dirtyq);
  run->rc.dirtyq = NULL;
  for (uint32_t i = 0; i < run->ntasks; i++) {
    g_free(run->tasks[i].faultq);
    run->tasks[i].faultq = NULL;
    run->tasks[i].fq_len = run->tasks[i].fq_cap = 0;
  }
}

/* ---- dirty limits ----------------------------------------------------------------- */

/* global_dirtyable_memory(): free pages above the reserves plus the file
 * LRU.  totalreserve_pages is taken as the zones' high watermarks (the
 * kernel adds the largest lowmem_reserve of each zone). */
static uint64_t dirtyable(const FsiRun *run) {
  uint64_t free = 0, reserve = 0;
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) {
    free += run->mem.zones[z].nr_free_pages;
    reserve += run->mem.zones[z].wmark[FSI_WMARK_HIGH];
  }
  free -= MIN(free, reserve);
  return free + run->rc.lru_pages[FSI_LRU_INACTIVE_FILE] + run->rc.lru_pages[FSI_LRU_ACTIVE_FILE] + 1;
}

static uint64_t bg_thresh(const FsiRun *run) { return dirtyable(run) * run->rc.dirty_background_ratio / 100; }

static void flush_kick(FsiRun *run) {
  FsiReclaim *rc = &run->rc;
  if (rc->flush_pending) return;
  rc->flush_pending = true;
  fsi_eventq_push(&run->q, run->now_ns, FSI_EV_FLUSH, 0, FLUSH_KICK);
}

/* A full ring (head, len == cap) of elem-byte entries, doubled (or `first`
 * entries if empty) with its entries in order from 0; returns the new
 * buffer, frees the old, and sets *cap and *head. */
static void *ring_grow(void *buf, size_t elem, uint32_t *head, uint32_t len, uint32_t *cap, uint32_t first) {
  uint32_t ncap = *cap ? *cap * 2 : first;
  char *q = g_malloc_n(ncap, elem);
  for (uint32_t i = 0; i < len; i++) memcpy(q + i * elem, (char *)buf + ((*head + i) % *cap) * elem, elem);
  g_free(buf);
  *cap = ncap;
  *head = 0;
  return q;
}

static void dirtyq_push(FsiRun *run, uint32_t id) {
  FsiReclaim *rc = &run->rc;
  if (rc->dirtyq_len == rc->dirtyq_cap)
    rc->dirtyq = ring_grow(rc->dirtyq, sizeof *rc->dirtyq, &rc->dirtyq_head, rc->dirtyq_len, &rc->dirtyq_cap, 1024);
  rc->dirtyq[(rc->dirtyq_head + rc->dirtyq_len) % rc->dirtyq_cap] =
      (struct FsiDirtyEnt){id, run->allocs[id].gen, run->now_ns};
  rc->dirtyq_len++;
}

void fsi_account_dirtied(FsiRun *run, uint32_t id) {
  FsiReclaim *rc = &run->rc;
  if (!rc->wb_async) return;
  dirtyq_push(run, id);
  uint64_t avail = dirtyable(run);
  uint64_t bg = avail * rc->dirty_background_ratio / 100, thresh = avail * rc->dirty_ratio / 100;
  /* balance_dirty_pages(): above the background threshold the flushers
   * start (wb_start_background_writeback); above dirty_ratio the task
   * pauses.  The kernel's pause follows the writeback bandwidth in a
   * control loop; here it is the time the device needs to write the excess,
   * at most MAX_PAUSE. */
  if (rc->nr_dirty > bg && rc->dirty_background_ratio < 100) flush_kick(run);
  uint64_t dirty = rc->nr_dirty + rc->nr_writeback;
  uint32_t task = run->allocs[id].task;
  if (dirty > thresh && rc->dirty_ratio < 100 && task < run->ntasks) {
    uint64_t pause = MIN(MAX_PAUSE_NS, (dirty - thresh) * run->cost.reclaim_dirty);
    run->tasks[task].pause_ns += pause;
    run->stats.c[FSI_C_fs_dirty_throttle_ns] += pause;
  }
}

/* ---- writing ---------------------------------------------------------------------- */

/* The queue holds the pages whose writes have not ended: at time t, those
 * the device will still be writing, (wb_busy_until - t) / cost of them. */
uint64_t fsi_write_queue_wait(const FsiRun *run, uint64_t t, uint64_t n) {
  const FsiReclaim *rc = &run->rc;
  uint64_t cost = run->cost.reclaim_dirty;
  if (!rc->wb_queue_pages || !cost || rc->wb_busy_until <= t) return 0;
  uint64_t room_ns = rc->wb_queue_pages > n ? (rc->wb_queue_pages - n) * cost : 0;
  uint64_t backlog = rc->wb_busy_until - t;
  return backlog > room_ns ? backlog - room_ns : 0;
}

void fsi_start_writeback(FsiRun *run, uint32_t id) {
  FsiReclaim *rc = &run->rc;
  FsiAlloc *a = &run->allocs[id];
  uint64_t n = fsi_alloc_nr_pages(a);
  if (a->flags & FSI_AF_DIRTY) {
    a->flags &= (uint8_t)~FSI_AF_DIRTY;
    rc->nr_dirty -= n;
  }
  a->flags2 |= FSI_AF2_WRITEBACK;
  rc->nr_writeback += n;
  uint64_t done = MAX(run->now_ns, rc->wb_busy_until) + n * run->cost.reclaim_dirty;
  rc->wb_busy_until = done;
  fsi_eventq_push(&run->q, done, FSI_EV_WB_DONE, id, a->gen);
}

void fsi_writeback_done_event(FsiRun *run, uint32_t id, uint64_t gen) {
  if (id >= run->nallocs) return;
  FsiAlloc *a = &run->allocs[id];
  if (!(a->flags & FSI_AF_LIVE) || a->gen != gen || !(a->flags2 & FSI_AF2_WRITEBACK)) return;
  a->flags2 &= (uint8_t)~FSI_AF2_WRITEBACK;
  run->rc.nr_writeback -= fsi_alloc_nr_pages(a);
  /* folio_end_writeback(): a page reclaim wanted goes to the inactive tail */
  if (a->flags2 & FSI_AF2_RECLAIM) {
    a->flags2 &= (uint8_t)~FSI_AF2_RECLAIM;
    fsi_folio_rotate_reclaimable(run, id);
  }
}

/* Writes the oldest dirty pages: all of them (all), or those dirtied
 * before `older` (wb_check_old_data_flush), or while the dirty count is
 * above the background threshold (wb_check_background_flush).  Entries of
 * pages freed or already written (by kswapd) are dropped on the way. */
static bool flush_oldest(FsiRun *run, bool all, uint64_t older, bool background) {
  FsiReclaim *rc = &run->rc;
  uint64_t bg = background ? bg_thresh(run) : 0;
  while (rc->dirtyq_len) {
    struct FsiDirtyEnt *e = &rc->dirtyq[rc->dirtyq_head];
    FsiAlloc *a = &run->allocs[e->id];
    bool valid = (a->flags & FSI_AF_LIVE) && a->gen == e->gen && (a->flags & FSI_AF_DIRTY);
    if (valid) {
      bool expired = e->when < older;
      bool over = background && rc->nr_dirty > bg;
      if (!all && !expired && !over) break;
      /* the device's queue is full: the flusher sleeps in the block layer */
      if (fsi_write_queue_wait(run, run->now_ns, fsi_alloc_nr_pages(a))) return false;
      fsi_start_writeback(run, e->id);
      run->stats.c[FSI_C_fs_flusher_writeback] += fsi_alloc_nr_pages(a);
    }
    rc->dirtyq_head = (rc->dirtyq_head + 1) % rc->dirtyq_cap;
    rc->dirtyq_len--;
  }
  return true;
}

void fsi_wakeup_flusher_threads(FsiRun *run) {
  if (!run->rc.wb_async) return;
  run->rc.flush_all = true;
  flush_kick(run);
}

/* wb_workfn() -> wb_do_writeback(): queued work (a write-all from reclaim),
 * then expired inodes' pages, then background writeback.  The kernel
 * expires whole inodes by their dirtied_when; here each page is its own
 * inode.  The flushers' CPU time is not modelled: the device's is. */
void fsi_flusher_event(FsiRun *run, uint64_t data) {
  FsiReclaim *rc = &run->rc;
  if (data == FLUSH_KICK) rc->flush_pending = false;
  else if (rc->wb_interval_ns) fsi_eventq_push(&run->q, run->now_ns + rc->wb_interval_ns, FSI_EV_FLUSH, 0, FLUSH_PERIODIC);
  bool all = rc->flush_all;
  rc->flush_all = false;
  uint64_t older = data == FLUSH_PERIODIC && run->now_ns >= rc->wb_expire_ns ? run->now_ns - rc->wb_expire_ns + 1 : 0;
  older = MAX(older, rc->flush_older);
  rc->flush_older = 0;
  if (flush_oldest(run, all, older, rc->dirty_background_ratio < 100)) return;
  /* cut short by a full queue: go on, with the same work, once a write has
   * ended and the oldest dirty page fits (a kick, so no other kick queues
   * a second run meanwhile) */
  rc->flush_all = all;
  rc->flush_older = older;
  if (rc->flush_pending) return;
  const FsiAlloc *a = &run->allocs[rc->dirtyq[rc->dirtyq_head].id];
  rc->flush_pending = true;
  fsi_eventq_push(&run->q, run->now_ns + fsi_write_queue_wait(run, run->now_ns, fsi_alloc_nr_pages(a)), FSI_EV_FLUSH, 0,
                  FLUSH_KICK);
}

/* ---- refaults --------------------------------------------------------------------- */

void fsi_refault_schedule(FsiRun *run, uint32_t id) {
  const FsiAlloc *a = &run->allocs[id];
  if (!(a->flags2 & FSI_AF2_WORKINGSET) || a->order || a->task >= run->ntasks) return;
  uint64_t mean = run->tasks[a->task].refault_after_ns;
  if (!mean) return;
  uint64_t delay = (uint64_t)fsi_rng_exponential(&run->rc.refault_rng, (double)mean);
  fsi_eventq_push(&run->q, run->now_ns + delay + 1, FSI_EV_REFAULT, id, a->gen);
}

/* The owner touches a page reclaim took: filemap_fault()'s read or
 * do_swap_page()'s swap-in.  The page comes back through the ordinary
 * allocator, wherever that finds a free page, under the same object (the
 * owner's handle).  workingset_refault() activates it when the refault
 * distance is within the working set (vm.refault_activate): the object
 * carries the verdict (FSI_AF2_ADD_ACTIVE) into the add, which puts the page
 * on the active list.  The swap slot is freed on swap-in
 * (6.1 keeps it in the swap cache until swap is half full or the page is
 * written).
 *
 * The read (vm.refault_io=queued): the fault allocates the page, submits
 * its read and sleeps on the page lock until the read ends
 * (filemap_fault()'s folio_lock, do_swap_page()'s folio_lock_or_retry).
 * The device reads one page at a time, cost.refault_ns each, in the order
 * the reads come: a read submitted at t ends at max(t, the end of the
 * reads before it) + cost.  Simplified: reads go ahead of the writes queued
 * on the same device (the elevators dispatch synchronous reads first) and
 * do not delay them; readahead is not modelled (each page is its own
 * read).  A task asleep on a read faults nothing else: the refaults due
 * meanwhile wait in its queue, oldest first, and the next comes when the
 * sleep ends (one FSI_EV_FAULT_NEXT a task, so a long backlog costs one
 * event a read). */
static uint64_t read_page(FsiRun *run, FsiTask *task, uint64_t t) {
  FsiReclaim *rc = &run->rc;
  if (!rc->read_queued) return run->cost.refault;
  uint64_t done = MAX(t, rc->rd_busy_until) + run->cost.refault;
  rc->rd_busy_until = done;
  if (task) task->read_until_ns = done;
  return done - t;
}

static void faultq_push(FsiTask *task, uint32_t id, uint32_t gen) {
  if (task->fq_len == task->fq_cap)
    task->faultq = ring_grow(task->faultq, sizeof *task->faultq, &task->fq_head, task->fq_len, &task->fq_cap, 64);
  task->faultq[(task->fq_head + task->fq_len) % task->fq_cap] = (struct FsiFaultEnt){id, gen};
  task->fq_len++;
}

/* One FSI_EV_FAULT_NEXT for a task with refaults waiting, at the end of
 * its read (none while it allocates: the allocation arms it after). */
static void fault_next_arm(FsiRun *run, uint32_t t) {
  FsiTask *task = &run->tasks[t];
  if (!task->fq_len || task->fault_busy || task->fault_next_pending) return;
  task->fault_next_pending = true;
  fsi_eventq_push(&run->q, MAX(task->read_until_ns, run->now_ns), FSI_EV_FAULT_NEXT, t, 0);
}

static bool refault_due(const FsiRun *run, uint32_t id, uint64_t gen) {
  if (id >= run->nallocs) return false;
  const FsiAlloc *a = &run->allocs[id];
  return (a->flags & FSI_AF_LIVE) && a->gen == gen && !(a->flags & FSI_AF_RESIDENT) && !a->order;
}

static void refault_now(FsiRun *run, uint32_t id) {
  FsiAlloc *a = &run->allocs[id];
  uint32_t t = a->task;
  FsiTask *task = t < run->ntasks ? &run->tasks[t] : NULL;
  bool anon = (a->flags & FSI_AF_SWAPPED) != 0;
  /* workingset_refault() judges it by where it was evicted, before the new page is added */
  bool activate = fsi_refault_activates(run, id);
  if (activate) a->flags2 |= FSI_AF2_ADD_ACTIVE;
  FsiRequest rq = {0, a->kind, a->gfp, a->task, (a->flags & FSI_AF_PINNED) != 0, false, false, true};
  uint64_t t0 = run->now_ns;
  if (task) task->fault_busy = true;
  FsiAllocResult res = fsi_run_alloc_into(run, &rq, id);
  a = &run->allocs[id];
  a->flags2 &= (uint8_t)~FSI_AF2_ADD_ACTIVE;
  if (res.handle) {
    if (anon) {
      a->flags &= (uint8_t)~FSI_AF_SWAPPED;
      run->rc.swap_used -= 1;
      if (task) task->swap_pages -= 1;
      run->stats.c[FSI_C_pswpin]++;
    }
    run->stats.c[anon ? FSI_C_workingset_refault_anon : FSI_C_workingset_refault_file]++;
    run->stats.c[FSI_C_pgmajfault]++;
    fsi_refault_settle(run, id, activate);
    /* submitted once the page is allocated (the slow path's stall is the
     * task's already) */
    uint64_t wait = read_page(run, task, t0 + res.latency_ns);
    run->stats.c[FSI_C_fs_refault_wait_ns] += wait;
    if (task) task->pause_ns += wait;
  } /* else the fault failed: the owner does without it */
  if (task) {
    task->fault_busy = false;
    if (run->rc.read_queued) fault_next_arm(run, t);
  }
}

void fsi_refault_event(FsiRun *run, uint32_t id, uint64_t gen) {
  if (!refault_due(run, id, gen)) return;
  uint32_t t = run->allocs[id].task;
  FsiTask *task = t < run->ntasks ? &run->tasks[t] : NULL;
  if (run->rc.read_queued && task && (task->fault_busy || task->fq_len || task->read_until_ns > run->now_ns)) {
    faultq_push(task, id, (uint32_t)gen);
    fault_next_arm(run, t);
    return;
  }
  refault_now(run, id);
}

void fsi_fault_next_event(FsiRun *run, uint32_t t) {
  if (t >= run->ntasks) return;
  FsiTask *task = &run->tasks[t];
  task->fault_next_pending = false;
  while (task->fq_len && !task->fault_busy && task->read_until_ns <= run->now_ns) {
    struct FsiFaultEnt e = task->faultq[task->fq_head];
    task->fq_head = (task->fq_head + 1) % task->fq_cap;
    task->fq_len--;
    if (refault_due(run, e.id, e.gen)) refault_now(run, e.id);
  }
  fault_next_arm(run, t);
}
