/* The OOM killer (mm/oom_kill.c, v6.1): when __alloc_pages_may_oom() may
 * kill, the task with the highest badness (resident pages plus swap) loses
 * its user memory.  A kill is an event the observers see, never a crash.
 */
#include "engine/mm/oom_kill.h"

#include "engine/mm/internal.h"

bool fsi_out_of_memory(FsiRun *run, const FsAllocRequest *req, uint32_t unclamped_zoneidx) {
  /* __alloc_pages_may_oom(): no kill for costly orders, RETRY_MAYFAIL,
   * THISNODE, or requests that cannot use ZONE_NORMAL */
  if (req->order > 3 || (req->gfp & (FS_GFP_RETRY_MAYFAIL | FS_GFP_THISNODE)) || unclamped_zoneidx < FS_ZONE_NORMAL)
    return false;
  /* oom_badness(): resident pages plus swap; ties to the lower task id */
  uint32_t victim = FSI_NIL;
  uint64_t best = 0;
  for (uint32_t t = 0; t < run->ntasks; t++) {
    uint64_t b = run->tasks[t].rss_pages + run->tasks[t].swap_pages;
    if (b > best) {
      best = b;
      victim = t;
    }
  }
  if (victim == FSI_NIL) return false;
  uint64_t freed = 0;
  for (uint32_t id = 0; id < run->nallocs; id++) {
    FsiAlloc *a = &run->allocs[id];
    if (!(a->flags & FSI_AF_LIVE) || a->task != victim || !fsi_kind_counts_as_rss(a->kind)) continue;
    /* a split THP's base pages go with its first page (the handle) */
    if (a->flags2 & FSI_AF2_SPLIT_TAIL) continue;
    if (a->flags & FSI_AF_RESIDENT) freed += fsi_alloc_nr_pages(a);
    if (a->flags2 & FSI_AF2_SPLIT_HEAD)
      for (uint32_t c = fsi_split_next(run, id); c != FSI_NIL; c = fsi_split_next(run, c))
        if (run->allocs[c].flags & FSI_AF_RESIDENT) freed++;
    fsi_run_free_handle(run, ((uint64_t)a->gen << 32) | id);
  }
  run->stats.c[FSI_C_oom_kill]++;
  run->stats.c[FSI_C_fs_oom_pages_freed] += freed;
  run->charged_ns += run->cost.oom_kill;
  FSI_NOTIFY(run, oom, victim, freed, req);
  return freed > 0;
}
