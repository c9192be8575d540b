/* Memory pressure: LRU lists, page cache and swap, slab caches behind
 * shrinkers, direct reclaim, kswapd, and the OOM killer (reference §2.7, §10).
 *
 * Owns: which pages are reclaimable and what reclaiming them costs, the
 * classic two-list (active/inactive) LRU per node, the SLUB-like slab model
 * (objects packed in slab pages, a page freed only when its last object
 * goes), balance_pgdat as a simulated daemon with its own time, and OOM as a
 * recorded event.  Does not own where the freed pages end up (the buddy
 * allocator) or what compaction does with them (a policy).
 */
#ifndef FS_RECLAIM_H
#define FS_RECLAIM_H

#include "engine/run.h"

void fsi_reclaim_init(FsiRun *run);
void fsi_reclaim_destroy(FsiRun *run);

/* An allocation became resident / is being freed by its owner. */
void fsi_reclaim_alloc_added(FsiRun *run, uint32_t id, const FsiRequest *rq);
void fsi_reclaim_alloc_removed(FsiRun *run, uint32_t id);

/* try_to_free_pages(): direct reclaim for a request; returns pages reclaimed.
 * The cost is charged to the requesting task (run->charged_ns). */
uint64_t fsi_try_to_free_pages(FsiRun *run, const FsAllocRequest *req);
/* Reclaims the one LRU allocation that owns pfn (lumpy reclaim's neighbours). */
uint64_t fsi_reclaim_pfn(FsiRun *run, uint64_t pfn, bool sync, bool kswapd);

/* wakeup_kswapd() and the kswapd event handler. */
void fsi_wakeup_kswapd(FsiRun *run, uint32_t order, uint32_t highest_zoneidx);
void fsi_kswapd_event(FsiRun *run, uint64_t gen);
bool fsi_pgdat_balanced(FsiRun *run, uint32_t order, uint32_t highest_zoneidx);

/* __alloc_pages_may_oom's kill: true if a victim's memory was freed. */
bool fsi_out_of_memory(FsiRun *run, const FsAllocRequest *req, uint32_t unclamped_zoneidx);

/* Slab caches.  fsi_slab_cache_find returns -1 for an unknown name. */
int fsi_slab_cache_find(FsiRun *run, const char *name);
uint32_t fsi_slab_cache_add(FsiRun *run, const char *name, uint32_t kind, uint32_t obj_size);
/* Allocates one object; FSI_HANDLE_NONE when its slab page cannot be had. */
FsiHandle fsi_slab_alloc(FsiRun *run, uint32_t cache, uint32_t task, uint64_t *ret_latency_ns);
void fsi_slab_free(FsiRun *run, FsiHandle obj);
bool fsi_slab_live(FsiRun *run, FsiHandle obj);
void fsi_slab_free_after(FsiRun *run, FsiHandle obj, uint64_t delay_ns);
/* drop_caches: 1 = page cache, 2 = slab, 3 = both. Returns pages freed. */
uint64_t fsi_drop_caches(FsiRun *run, int what);

/* Gauges for the time series. */
uint64_t fsi_slab_pages(const FsiRun *run, uint32_t kind);

#endif
