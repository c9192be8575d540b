/* Counters and distributions of one run.
 *
 * Each engine counter is declared once in FSI_COUNTERS (mimalloc's
 * MI_STAT_FIELDS idea): the same list makes the enum, the CSV columns and
 * `fragsim list metrics`.  Names follow /proc/vmstat where the kernel has the
 * counter; fragsim's own are prefixed "fs_".  Policies register their own
 * counters at create time; those follow the engine's in every output.
 */
#ifndef FS_STATS_H
#define FS_STATS_H

#include <fragsim/policy.h>
#include <glib.h>
#include <stdint.h>

#define FSI_COUNTERS(X)                                                                              \
  X(pgalloc_dma, "pages allocated from ZONE_DMA")                                                  \
  X(pgalloc_dma32, "pages allocated from ZONE_DMA32")                                              \
  X(pgalloc_normal, "pages allocated from ZONE_NORMAL")                                            \
  X(pgalloc_high, "pages allocated from ZONE_HIGHMEM")                                              \
  X(pgalloc_movable, "pages allocated from ZONE_MOVABLE")                                          \
  X(pgfree, "pages freed")                                                                         \
  X(fs_alloc_requests, "allocation requests (any order)")                                          \
  X(fs_alloc_success, "allocation requests satisfied")                                             \
  X(fs_alloc_fail, "allocation requests failed")                                                   \
  X(fs_alloc_slowpath, "requests that entered the slow path")                                      \
  X(fs_alloc_livelock, "requests given up after vm.slowpath_livelock in the slow path (not failures)") \
  X(fs_slowpath_sleeps, "times a request in the slow path slept while other events ran")          \
  X(fs_nofragment_retry, "zonelist passes repeated without ALLOC_NOFRAGMENT")                       \
  X(fs_buddy_ops, "buddy list operations (splits, merges, list moves)")                           \
  X(fs_stall_ns, "nanoseconds tasks spent stalled in the allocator")                                \
  X(pgscan_kswapd, "LRU pages scanned by kswapd")                                                    \
  X(pgscan_direct, "LRU pages scanned by direct reclaim")                                            \
  X(pgsteal_kswapd, "LRU pages reclaimed by kswapd (not the slab pages shrinkers free)")             \
  X(pgsteal_direct, "LRU pages reclaimed by direct reclaim (not slab pages)")                        \
  X(pgsteal_anon, "anonymous pages reclaimed (swapped out)")                                        \
  X(pgsteal_file, "page cache pages reclaimed (drop_caches counts none)")                            \
  X(pgactivate, "pages moved to an active list")                                                     \
  X(pgdeactivate, "pages moved to an inactive list")                                                 \
  X(pswpout, "pages written to swap")                                                                \
  X(fs_writeback, "dirty page cache pages written back by reclaim (kswapd's pageout)")               \
  X(fs_flusher_writeback, "dirty page cache pages written back by the flusher threads")             \
  X(nr_vmscan_immediate_reclaim, "dirty or writeback pages reclaim marked PG_reclaim")               \
  X(pgrotated, "PG_reclaim pages moved to the inactive tail when their writeback ended")           \
  X(fs_dirty_throttle_ns, "nanoseconds dirtying tasks were paused by balance_dirty_pages")           \
  X(fs_write_queue_wait_ns, "nanoseconds reclaim waited for room in the backing device's queue to start a write (get_request_wait)") \
  X(workingset_refault_file, "page cache pages read again after reclaim")                            \
  X(workingset_refault_anon, "anonymous pages swapped in again after reclaim")                       \
  X(workingset_activate_file, "page cache refaults within the working set: added to the active list") \
  X(workingset_activate_anon, "anonymous refaults within the working set: added to the active list") \
  X(workingset_restore_file, "activated page cache refaults that were active before eviction (PG_workingset)") \
  X(workingset_restore_anon, "activated anonymous refaults that were active before eviction (PG_workingset)") \
  X(pgmajfault, "major faults (refaults that read a page back)")                                    \
  X(fs_refault_wait_ns, "nanoseconds tasks slept on their major faults' reads, the reads queued ahead included")       \
  X(pswpin, "pages read from swap")                                                                  \
  X(thp_split_page, "THPs split into base pages (before swap-out)")                                  \
  X(thp_swpout_fallback, "THPs split because no swap cluster was free")                              \
  X(slabs_scanned, "slab objects scanned by shrinkers")                                              \
  X(fs_slab_pages_freed, "slab pages freed because shrinking emptied them")                          \
  X(fs_slab_objects_freed, "slab objects freed by shrinkers (scanned objects that were referenced are rotated, not freed)") \
  X(allocstall_dma, "direct reclaim entries, highest zone DMA")                                      \
  X(allocstall_dma32, "direct reclaim entries, highest zone DMA32")                                  \
  X(allocstall_normal, "direct reclaim entries, highest zone Normal")                                \
  X(allocstall_high, "direct reclaim entries, highest zone HighMem")                                 \
  X(allocstall_movable, "direct reclaim entries, highest zone Movable")                              \
  X(pgscan_direct_throttle, "direct reclaimers throttled waiting for kswapd")                       \
  X(pageoutrun, "kswapd balance_pgdat runs")                                                         \
  X(kswapd_low_wmark_hit_quickly, "kswapd woken again within its 100 ms nap")                       \
  X(kswapd_high_wmark_hit_quickly, "kswapd found the node unbalanced after its nap")                \
  X(fs_kswapd_wake, "kswapd wake-ups")                                                               \
  X(fs_kswapd_ns, "nanoseconds kswapd spent working (not its waits for the device, nor its naps)")  \
  X(fs_kswapd_failures, "kswapd runs that reclaimed nothing")                                        \
  X(fs_direct_reclaim_ns, "nanoseconds tasks spent in direct reclaim")                               \
  X(oom_kill, "OOM kills")                                                                           \
  X(fs_oom_pages_freed, "pages freed by OOM kills")                                                  \
  X(fs_pcp_drain, "drain_all_pages calls")                                                          \
  X(pgmigrate_success, "pages migrated")                                                             \
  X(pgmigrate_fail, "pages that failed to migrate")                                                  \
  X(fs_contig_success, "alloc_contig_range successes")                                               \
  X(fs_contig_fail, "alloc_contig_range failures")                                                   \
  X(fs_offline_success, "memory blocks offlined")                                                    \
  X(fs_offline_fail, "memory block offline attempts that failed")                                   \
  X(fs_extfrag_events, "mm_page_alloc_extfrag events (fallbacks to another migratetype)")            \
  X(fs_extfrag_fragmenting, "fallbacks below pageblock order (fragmenting=1)")                       \
  X(fs_watermark_boost, "watermark boosts")                                                          \
  X(fs_contig_requests, "contiguous (device) requests")                                              \
  X(fs_policy_daemon_ns, "nanoseconds policies' timers worked (kcompactd and other daemons)")          \
  X(fs_reclaim_compaction_passes, "extra shrink_node passes: should_continue_reclaim() for compaction") \
  X(fs_reclaim_compaction_ready, "direct reclaims ended by compaction_ready() (costly orders)")          \
  X(fs_compact_retry_reclaim, "slow-path retries after a skipped compaction (compaction_zonelist_suitable)") \
  X(fs_congestion_wait, "reclaim naps in congestion_wait() below DEF_PRIORITY - 2 (vm.reclaim_nap; kswapd and direct reclaim)") \
  X(fs_congestion_wait_ns, "nanoseconds reclaim slept in congestion_wait() (vm.reclaim_nap)")              \
  X(kswapd_skip_congestion_wait, "kswapd naps skipped: a zone under the min watermark at its order (vm.reclaim_nap=skip-under-min)")

typedef enum {
#define FSI_X_ENUM(name, help) FSI_C_##name,
  FSI_COUNTERS(FSI_X_ENUM)
#undef FSI_X_ENUM
  FSI_NR_COUNTERS
} FsiCounter;

extern const char *const fsi_counter_names[FSI_NR_COUNTERS];
extern const char *const fsi_counter_help[FSI_NR_COUNTERS];

/* Log-linear latency histogram: exact below 64 ns, then 16 sub-buckets per
 * power of two (< 6.25% relative error); percentiles report the bucket's
 * upper bound, so they are deterministic and conservative. */
#define FSI_HIST_SUB 16
#define FSI_HIST_BUCKETS (64 + 58 * FSI_HIST_SUB)
typedef struct {
  uint64_t count;
  uint64_t max;
  uint64_t sum;
  uint32_t buckets[FSI_HIST_BUCKETS];
} FsiHist;

void fsi_hist_add(FsiHist *h, uint64_t v);
uint64_t fsi_hist_percentile(const FsiHist *h, double pct); /* pct in (0,100]; 0 if empty */

typedef struct {
  uint64_t c[FSI_NR_COUNTERS];
  uint64_t attempts[FS_NR_ORDERS];
  uint64_t success[FS_NR_ORDERS];
  uint64_t fail[FS_NR_ORDERS];
  FsiHist latency[FS_NR_ORDERS];
  /* policy counters */
  GPtrArray *pol_names; /* "policy.counter" */
  GPtrArray *pol_help;
  GArray *pol_values;   /* int64_t */
  /* workload metrics (summary only), e.g. per-phase huge page success */
  GPtrArray *wl_names;
  GArray *wl_values;    /* double */
} FsiStats;

void fsi_stats_init(FsiStats *s);
void fsi_stats_clear(FsiStats *s);
int fsi_stats_register(FsiStats *s, const char *policy, const char *name, const char *help);
/* A workload summary metric; returns its index (value starts as NaN). */
int fsi_stats_workload_metric(FsiStats *s, const char *name);

#endif
