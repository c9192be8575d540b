/* Memory pressure (mm/vmscan.c): LRU lists, page cache and swap, shrink_slab,
 * direct reclaim and kswapd (reference §2.7, §10).
 *
 * Owns: which pages are reclaimable and what reclaiming them costs, the
 * classic two-list (active/inactive) LRU per node, and balance_pgdat as a
 * simulated daemon with its own time.  Does not own the slab caches
 * (slub.c), the OOM killer (oom_kill.c), where the freed pages end up (the
 * buddy allocator) or what compaction does with them (a policy).
 */
#ifndef FS_MM_VMSCAN_H
#define FS_MM_VMSCAN_H

#include "engine/run.h"

void fsi_reclaim_init(FsiRun *run);
void fsi_reclaim_destroy(FsiRun *run);

/* An allocation became resident / is being freed by its owner. */
void fsi_reclaim_alloc_added(FsiRun *run, uint32_t id, const FsiRequest *rq);
void fsi_reclaim_alloc_removed(FsiRun *run, uint32_t id);

/* zone_reclaimable_pages(): what reclaim could free in the zone (file
 * lists; anon lists while swap has room; with vm.zone_reclaimable_free, the
 * zone's free pages when that is none). */
uint64_t fsi_zone_reclaimable_pages(const FsiRun *run, uint32_t zone);

/* try_to_free_pages(): direct reclaim for a request; returns pages reclaimed.
 * The cost is charged to the requesting task (run->charged_ns). */
uint64_t fsi_try_to_free_pages(FsiRun *run, const FsAllocRequest *req);
/* congestion_wait(WRITE, HZ/10) from time t (vm.reclaim_nap): until a write
 * request ends below the queue's congestion-off threshold, at most
 * FSI_CONGESTION_NAP_NS; the whole timeout on an idle device. */
#define FSI_CONGESTION_NAP_NS (100 * 1000 * 1000ull)
uint64_t fsi_congestion_nap(const FsiRun *run, uint64_t t);
/* Reclaims the one LRU allocation that owns pfn (lumpy reclaim's neighbours). */
uint64_t fsi_reclaim_pfn(FsiRun *run, uint64_t pfn, bool sync, bool kswapd);
/* The lruvecs whose lists hold the LRU pages: the node's one, or one per zone (vm.lru=zone). */
static inline uint32_t fsi_nr_lruvecs(const FsiRun *run) { return run->rc.lru_per_zone ? run->mem.nr_zones : 1; }
/* an allocation's pages moved to another zone (migration): its LRU accounting follows */
void fsi_lru_zone_changed(FsiRun *run, uint32_t id, uint32_t zone);

/* The stack's compaction_suitable() (FS_COMPACT_SUCCESS, _CONTINUE or
 * _SKIPPED) for reclaim, or -1 if no policy has compaction. */
int fsi_compaction_suitable(FsiRun *run, uint32_t zone, uint32_t order, uint32_t highest_zoneidx);

/* wakeup_kswapd() and the kswapd event handler. */
/* fsi_wakeup_kswapd returns true if it found the node hopeless, or kswapd
 * asleep with the node balanced at the order (no wake-up); _gfp then wakes
 * kcompactd for a caller without __GFP_DIRECT_RECLAIM, as 6.1 does. */
bool fsi_wakeup_kswapd(FsiRun *run, uint32_t order, uint32_t highest_zoneidx);
void fsi_wakeup_kswapd_gfp(FsiRun *run, uint32_t gfp, uint32_t order, uint32_t highest_zoneidx);
void fsi_kswapd_event(FsiRun *run, uint64_t gen);
bool fsi_pgdat_balanced(FsiRun *run, uint32_t order, uint32_t highest_zoneidx);

/* One shrink_slab() call at priority (the superblock shrinker of the
 * dentry and inode caches), as reclaim makes it; returns slab pages freed. */
uint64_t fsi_shrink_slab(FsiRun *run, int priority);
/* folio_rotate_reclaimable(): to the inactive tail; activation. */
void fsi_folio_rotate_reclaimable(FsiRun *run, uint32_t id);
void fsi_lru_activate(FsiRun *run, uint32_t id);
/* workingset_refault() (vm.refault_activate): whether evicted object id's
 * refault is activated, judged where it was evicted -- call it before the
 * page is allocated again, and set FSI_AF2_ADD_ACTIVE on the object if it
 * does (the add puts the page on the active list); then
 * fsi_refault_settle() with the verdict, once it is back on an LRU list:
 * activation ages the lruvec's clock, and a page
 * deactivated before it was reclaimed (PG_workingset) costs its type
 * (lru_note_cost_folio(), vm.scan_balance=cost). */
bool fsi_refault_activates(const FsiRun *run, uint32_t id);
void fsi_refault_settle(FsiRun *run, uint32_t id, bool activate);

/* drop_caches: 1 = page cache, 2 = slab, 3 = both. Returns pages freed. */
uint64_t fsi_drop_caches(FsiRun *run, int what);

#endif
