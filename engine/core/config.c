/* The configuration schema and its parsing; see config.h. */
#include "engine/core/config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/core/error.h"

#define NOB 1, 0 /* no bounds */

const FsiConfKey fsi_conf_keys[] = {
    {"machine", "memory", FSI_CT_SIZE, "4G", "total RAM of the node (64M .. 16T)", NULL, NOB},
    {"machine", "cpus", FSI_CT_INT, "2", "simulated CPUs; each runs one workload task stream", NULL, 1, 4096},
    {"machine", "task_migration", FSI_CT_DURATION, "0s", "how long a workload task runs on one CPU before the scheduler places it anew (a new process's exec placement, wake-up placement, load balancing): at each period, staggered by task, a CPU drawn from the seed; its allocations and frees use that CPU's per-CPU lists; 0s: a task never moves (task % cpus)", NULL, NOB},
    {"machine", "page_size", FSI_CT_SIZE, "4K", "base page size", NULL, NOB},
    {"machine", "max_order", FSI_CT_INT, "10", "highest buddy order (MAX_PAGE_ORDER)", NULL, 1, 10},
    {"machine", "pageblock_order", FSI_CT_INT, "9", "pageblock order (2 MiB pageblocks with 4 KiB pages)", NULL, 1, 10},
    {"machine", "dma_limit", FSI_CT_SIZE, "16M", "end of ZONE_DMA (0: no DMA zone)", NULL, NOB},
    {"machine", "dma32_limit", FSI_CT_SIZE, "4G", "end of ZONE_DMA32 (0: no DMA32 zone)", NULL, NOB},
    {"machine", "lowmem_limit", FSI_CT_SIZE, "0", "end of lowmem on a 32-bit machine: memory above it is ZONE_HIGHMEM, where only __GFP_HIGHMEM allocations go (x86-32: 896M); 0: no HighMem (64-bit)", NULL, NOB},
    {"machine", "reserved_low", FSI_CT_SIZE, "1M", "low memory kept by firmware, never in the buddy allocator", NULL, NOB},
    {"machine", "zone_ends", FSI_CT_STRING, "", "explicit zone layout: the end pfns of DMA,DMA32,Normal,Movable or DMA,DMA32,Normal,HighMem,Movable (zone i spans the previous end to its own; the last must be the page count); empty: from dma_limit, dma32_limit and lowmem_limit", NULL, NOB},
    {"machine", "reserved", FSI_CT_STRING, "", "explicit reserved memory: pfn ranges START+COUNT, comma separated (e.g. a real boot's low 1 MiB, kernel image and memmap); replaces reserved_low and the memmap when set", NULL, NOB},
    {"machine", "memmap_bytes_per_page", FSI_CT_INT, "64", "struct page size: memmap reserved at the top of memory, or with HighMem (machine.lowmem_limit) at the start of ZONE_NORMAL (0: none)", NULL, 0, 4096},
    {"vm", "min_free_kbytes", FSI_CT_INT, "-1", "vm.min_free_kbytes (-1: calculate_min_free_kbytes())", NULL, -1, 1 << 30},
    {"vm", "watermark_scale_factor", FSI_CT_INT, "10", "vm.watermark_scale_factor (1/10000 of managed pages)", NULL, 1, 3000},
    {"vm", "lowmem_reserve_ratio", FSI_CT_STRING, "256,256,32,0", "vm.lowmem_reserve_ratio for DMA,DMA32,Normal,Movable (HighMem's is 0), or DMA,DMA32,Normal,HighMem,Movable", NULL, NOB},
    {"vm", "lowmem_reserve", FSI_CT_STRING, "", "explicit lowmem_reserve (zoneinfo's protection) of DMA,DMA32,Normal,Movable: four groups of four page counts (or five of five, with HighMem before Movable), groups comma separated, counts space separated; empty: from lowmem_reserve_ratio", NULL, NOB},
    {"vm", "costly_order", FSI_CT_INT, "3", "PAGE_ALLOC_COSTLY_ORDER: orders above it are costly (no OOM, few retries)", NULL, 0, 10},
    {"vm", "swap", FSI_CT_SIZE, "0", "swap device size (0: anonymous memory cannot be reclaimed)", NULL, NOB},
    {"vm", "swap_io", FSI_CT_ENUM, "async", "how the swap device writes: async (a disk: pageout() queues the write on the backing device, cost.reclaim_dirty_ns a page, the page stays in the swap cache under writeback and a later scan frees it once written) or sync (zram and other SWP_SYNCHRONOUS_IO devices: the page is compressed and freed at once, cost.reclaim_swap_ns a page)", "async|sync", NOB},
    {"vm", "lru", FSI_CT_ENUM, "node", "where the LRU lists are: node (4.8+: one set per node; reclaim scans it whatever zone a page is in) or zone (before 4.8: one set per zone; reclaim shrinks each zone up to the request's highest zone by its own lists' sizes, as shrink_zone() did, the zones sharing the reclaim target)", "node|zone", NOB},
    {"vm", "anon_lru", FSI_CT_ENUM, "5.9", "the anonymous LRU's era: 5.9 (new anonymous pages start on the inactive list), 2.6.28 (before 5.9: new anonymous pages and THPs start on the active list, lru_cache_add_active_or_unevictable), 2.6 (before 2.6.28, one LRU for both: anonymous pages start active, and refill_inactive_zone() deactivates mapped pages only when reclaim_mapped, swap_tendency = mapped_ratio / 2 + distress + swappiness >= 100; lists scanned in proportion to their sizes)", "5.9|2.6.28|2.6", NOB},
    {"vm", "scan_balance", FSI_CT_ENUM, "cost", "how get_scan_count() shares a round's scan between the anon and file lists: cost (the default, 5.9+: SCAN_FRACT inversely to each type's recent cost, lru_note_cost() of the pages reclaim wrote (swap-out, dirty page cache) and of working-set refaults, halved when the costs pass a quarter of the LRU), rotated (2.6.28-5.8: get_scan_ratio()/SCAN_FRACT from each type's recent_scanned / recent_rotated pages, halved when scanned passes a quarter of the type's lists), fixed (swappiness : 200 - swappiness alone, no feedback)", "cost|rotated|fixed", NOB},
    {"vm", "refault_activate", FSI_CT_ENUM, "distance", "which refaults go back on the active list: distance (the default, 5.9+: 6.1's workingset_refault(), a page cache or swapped page whose refault distance -- evictions and activations on its lruvec since it was evicted -- is within the working set: the active file list, plus the inactive file list for anon, plus with free swap the active anon list, and the inactive anon list for file; only those activated cost their type, lru_note_cost()), distance-file (3.15-5.8: page cache within the active file list's size; swapped-in anon always), none (before 3.15: page cache refaults start on the inactive list; swapped-in anon always), always (every working-set refault, fragsim before stop 32)", "distance|distance-file|none|always", NOB},
    {"vm", "reclaim_write_file", FSI_CT_ENUM, "kswapd-dirty", "which reclaimers write dirty page cache themselves (pageout()) when the device queue is asynchronous: kswapd-dirty (the default, 6.1: only kswapd, only a page it already marked PG_reclaim, and only while the node is flagged PGDAT_DIRTY; direct reclaim leaves it to the flushers) or any (before 3.2's \"do not writeback filesystem pages in direct reclaim\": every reclaimer that may write, direct reclaim included, starts the write of each dirty page it meets)", "kswapd-dirty|any", NOB},
    {"vm", "reclaim_writeback", FSI_CT_ENUM, "activate", "what shrink_folio_list() does with a page under writeback, or with dirty page cache it leaves to the flushers: activate (the default, 4.13+: \"move dirty pages out of the way until they're flushed\", activate_locked; the end of the write rotates it back to the inactive tail) or keep (before 4.13: keep_locked, back to the inactive list's head, where the next scans meet it again)", "activate|keep", NOB},
    {"vm", "swapin_lru", FSI_CT_ENUM, "era", "where a swap-in goes before 5.9's refault distance: era (the default: by vm.anon_lru -- 2.6, the active list, as swap readahead added it; 2.6.28, the inactive list with the young pte of its fault, so its first scan activates it: lru_cache_add_anon, and do_swap_page() activates nothing up to at least 4.5) or active (every swap-in activated: fragsim before stop 34)", "era|active", NOB},
    {"vm", "refault_deactivate", FSI_CT_ENUM, "5.9", "whether refaults activated since the last reclaim ended make reclaim shrink the active list even when the inactive one is not low (\"a new workingset is being established. Deactivate to get rid of any stale active pages quickly\"): 5.9 (the default: prepare_scan_count()'s may_deactivate, anon and file; a file one also ends cache_trim_mode's SCAN_FILE, and an anon one 6.1's file_is_tiny), 4.12 (4.12-5.8: page cache only, inactive_list_is_low() when actually reclaiming), off (before 4.12: the inactive:active ratio alone)", "5.9|4.12|off", NOB},
    {"vm", "age_anon", FSI_CT_BOOL, "true", "shrink_lruvec() ends by aging SWAP_CLUSTER_MAX pages of the active anonymous list whenever the inactive one is low and there is a swap device, whether or not this round scanned anon (2.6.28+: \"even if we did not try to evict anon pages at all, we want to rebalance the anon lru active/inactive ratio\"); false: the active anonymous list is aged only by rounds that scan anon. The 2.6 LRU (vm.anon_lru=2.6) has its own rule", NULL, NOB},
    {"vm", "file_is_tiny", FSI_CT_BOOL, "true", "get_scan_count() scans the anonymous lists only while the page cache is nearly gone (SCAN_ANON, 2.6.28+): with per-zone lists (vm.lru=zone, 2.6.28-4.7) when the zone's page cache and free pages are at or under its high watermark; with node lists (6.1's file_is_tiny) when the node's are at or under the zones' high watermarks together, the inactive anon list is not low and holds pages at the priority; false: the split applies", NULL, NOB},
    {"vm", "swappiness", FSI_CT_INT, "60", "vm.swappiness: anon vs file scan balance (0..200)", NULL, 0, 200},
    {"vm", "writeback", FSI_CT_ENUM, "async", "page cache writeback: async (writing takes the device's time, cost.reclaim_dirty_ns a page; PG_reclaim rotation; flusher threads) or immediate (the older model: only kswapd writes, and a written page is freed at once)", "async|immediate", NOB},
    {"vm", "refault_io", FSI_CT_ENUM, "queued", "how a refault's read takes the backing device: queued (the default: the device reads one page at a time, cost.refault_ns each, ahead of the writes queued on it; the faulting task sleeps until its read ends and faults nothing else meanwhile) or parallel (every read takes cost.refault_ns, however many are under way: fragsim before stop 34)", "queued|parallel", NOB},
    {"vm", "writeback_queue_pages", FSI_CT_INT, "4096", "pages the backing device's queue holds (requests in flight times pages per request: 2.6's nr_requests of 128 with 32-page requests); a writer that finds it full waits until writes end (get_request_wait, blk_mq_get_tag): reclaim passes the time, the flushers resume later; 0: unbounded", NULL, 0, 1 << 30},
    {"vm", "dirty_writeback_centisecs", FSI_CT_INT, "500", "vm.dirty_writeback_centisecs: the flusher threads' periodic wake-up (0: none; background and reclaim-woken writeback remain)", NULL, 0, 8640000},
    {"vm", "dirty_expire_centisecs", FSI_CT_INT, "3000", "vm.dirty_expire_centisecs: a dirty page older than this is written at the next periodic flush", NULL, 0, 8640000},
    {"vm", "dirty_background_ratio", FSI_CT_INT, "10", "vm.dirty_background_ratio: percent of dirtyable memory above which the flushers write in the background (100: never)", NULL, 1, 100},
    {"vm", "dirty_ratio", FSI_CT_INT, "20", "vm.dirty_ratio: percent of dirtyable memory above which a dirtying task is throttled (balance_dirty_pages; 100: never)", NULL, 1, 100},
    {"vm", "thp_swap_split", FSI_CT_BOOL, "true", "a THP that finds no swap room is split and its base pages swapped one by one as room allows (split_folio_to_list in shrink_folio_list); false: it is kept whole (activated)", NULL, NOB},
    {"vm", "pcp", FSI_CT_BOOL, "true", "per-CPU page lists (6.1 batch and high sizing)", NULL, NOB},
    {"vm", "pcp_sizing", FSI_CT_ENUM, "5.14", "per-CPU list sizing: 5.14 (high from the low watermark shared among CPUs, the free_factor ramp, short lists while kswapd runs), 5.0 (high = 6 * batch, batch capped at 1 MiB, one batch freed past high), 2.6 (the same with the batch capped at 512 KiB)", "5.14|5.0|2.6", NOB},
    {"vm", "reclaim_free_cpu", FSI_CT_ENUM, "reclaimer", "whose per-CPU lists a page reclaim frees goes to: reclaimer (free_unref_page() uses the freeing CPU's lists: the direct reclaimer's CPU, CPU 0 for kswapd and drop_caches) or owner (the page's owner's CPU, fragsim's model before stop 22; for comparisons)", "reclaimer|owner", NOB},
    {"vm", "free_list_type", FSI_CT_ENUM, "pageblock", "the free list a freed page joins: pageblock (its pageblock's migratetype, get_pfnblock_migratetype(): grouping by mobility from 2.6.23) or allocation (the type it was allocated as: 2.6.16-rc1-mm1's list-based grouping v22 kept a PG_easyrclm flag on each page, and a freed block, merged or not, went to the list of the freed page's type)", "pageblock|allocation", NOB},
    {"vm", "migrate_free_pcp", FSI_CT_BOOL, "true", "a migrated page's old frames are freed through the pcp lists (put_page -> free_unref_page), as every kernel frees them; compaction drains the local lists to merge them (see compaction.drain_block); false: straight to the buddy lists", NULL, NOB},
    {"vm", "pcp_high_order", FSI_CT_BOOL, "true", "pcp lists also cache orders 1-3 and THP (5.13+); false: order 0 only", NULL, NOB},
    {"vm", "slub_max_order", FSI_CT_INT, "3", "slub_max_order: highest order of a slab page", NULL, 0, 10},
    {"vm", "watermark_boost_factor", FSI_CT_INT, "15000", "vm.watermark_boost_factor (1/10000 of the high watermark; 0: off)", NULL, 0, 1000000},
    {"vm", "reclaim_compaction", FSI_CT_ENUM, "4.7", "the reclaim/compaction handshake for high orders: 4.7 (reclaim until compaction_suitable, should_continue_reclaim/compaction_ready, and the slow path retries a skipped compaction while compaction_zonelist_suitable, raising the priority as retries run out), 3.2 (the reclaim side only; 3.2-4.6), off (one reclaim pass of 32 pages, no retry after a skipped compaction: 2.6.35 and before)", "4.7|3.2|off", NOB},
    {"vm", "direct_compact", FSI_CT_ENUM, "2.6.38", "where the slow path compacts a high-order request: 2.6.38 (an asynchronous attempt before direct reclaim, then one at the request's compact priority after each direct reclaim) or 2.6.35 (2.6.35-2.6.37: one synchronous attempt at the top of every loop, before that loop's direct reclaim, none after it; see compaction.era)", "2.6.38|2.6.35", NOB},
    {"vm", "direct_reclaim_drain", FSI_CT_ENUM, "2.6.36", "when direct reclaim drains the per-CPU lists: 2.6.36 (after a call that made progress and whose retry failed, with the HIGHATOMIC unreserve), 2.6.35 (after every call for order > 0, progress or not; the retry only after progress; 2.6.24-2.6.35), none (never; the retry only after progress: before 2.6.24) or v22 (after every call for an order above PAGE_ALLOC_COSTLY_ORDER, progress or not; the retry only after progress: the 2005-2006 list-based anti-fragmentation patches, v21 and v22, whose drain the stack linux-2.6.16-lists has and 2.6.16 had not)", "2.6.36|2.6.35|none|v22", NOB},
    {"vm", "thp_enabled", FSI_CT_ENUM, "always", "/sys/kernel/mm/transparent_hugepage/enabled at boot: always (Debian 6.1: CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS), madvise (only MADV_HUGEPAGE regions), never", "always|madvise|never", NOB},
    {"vm", "thp_defrag", FSI_CT_ENUM, "madvise", "/sys/kernel/mm/transparent_hugepage/defrag at boot (vma_thp_gfp_mask(): how hard a THP fault tries: always, defer, defer+madvise, madvise (the default since 4.6), never)", "always|defer|defer+madvise|madvise|never", NOB},
    {"vm", "kswapd_balance", FSI_CT_ENUM, "any", "when kswapd's node is balanced at an order: any (4.8+ pgdat_balanced(): one eligible zone passes the high watermark at the order), quarter (2.6.38-4.7: the zones passing it hold a quarter of the eligible zones' pages; every zone at order 0) or all (before 2.6.38 balance_pgdat(): every zone up to the highest failing one passes it, against that zone's lowmem_reserve)", "any|quarter|all", NOB},
    {"vm", "zone_reclaim_target", FSI_CT_ENUM, "shared", "with vm.lru=zone, when a zone's shrink stops: shared (2.6.33+: once the caller's target, counted over every zone it shrinks, is met) or per-zone (2.6.14-2.6.16 shrink_zone(): each zone shrunk stops at its own 32 pages, so a pass reclaims up to 32 pages from each zone, kswapd's included)", "shared|per-zone", NOB},
    {"vm", "direct_reclaim_cut", FSI_CT_ENUM, "below-def", "when a direct reclaim's pass over the LRU lists stops at the reclaim's target (32 pages): below-def (the default, 2.6.29-3.10 and 3.16+: at every priority but DEF_PRIORITY, whose pass scans its whole lru >> 12 share; 6.1's shrink_lruvec() proportional_reclaim for global direct reclaim), always (at every priority: 2.6.14-2.6.16 with their per-zone targets, and 3.11-3.15; the linux-2.6.16 stacks) or never (2.6.17-2.6.28: shrink_zone() scanned its whole share, and try_to_free_pages() counted the total only between priorities)", "always|below-def|never", NOB},
    {"vm", "kswapd_zones", FSI_CT_ENUM, "classzone", "with vm.lru=zone, which zones a kswapd pass shrinks: classzone (every zone up to the highest zone its wakers asked for), end-zone (before 2.6.24 balance_pgdat(): every zone up to end_zone, the highest zone failing its high watermark at the order; the zones above it are left alone) or 8high (2.6.24-2.6.38: those, less any zone that passes 8 times its high watermark at the order: \"unless one zone has way too many pages free already\")", "classzone|end-zone|8high", NOB},
    {"vm", "kswapd_high_order", FSI_CT_ENUM, "compact-gap", "how kswapd lets go of a high order: compact-gap (4.8+: balance for order 0 once 2<<order pages are reclaimed), sweep (2.6.29-2.6.37: keep the order until a whole priority sweep reclaims fewer than 32 pages; no per-round target) or loop (before 2.6.29: keep the order until balanced at it, starting again after every sweep that reclaimed anything)", "compact-gap|sweep|loop", NOB},
    {"vm", "reclaim_nap", FSI_CT_ENUM, "none", "the congestion naps of reclaim before 3.11: none (no nap: reclaim_throttle() and the direct-reclaim throttle stand for them), congestion (2.6.16-2.6.31: after a priority below DEF_PRIORITY - 2 that scanned pages and did not finish, kswapd and direct reclaim sleep in congestion_wait(WRITE, HZ/10), woken when a write request ends below the queue's congestion-off threshold, else after 100 ms) or skip-under-min (2.6.32-3.10: the same, but kswapd skips its nap while a zone up to its end zone fails the min watermark at kswapd's order, kswapd_skip_congestion_wait)", "none|congestion|skip-under-min", NOB},
    {"vm", "shrinker_defer", FSI_CT_ENUM, "scaled", "the slab shrinker's unscanned work (nr_deferred): scaled (5.11+: the next call adds nr_deferred >> priority) or full (before 5.11: all of it, at most freeable / 2 while the call's own share is under freeable / 4); off (no kernel) only to measure its effect", "scaled|full|off", NOB},
    {"vm", "slowpath", FSI_CT_ENUM, "continuation", "how a request's slow path passes time: continuation (the task sleeps between retries for the work it did, plus a jiffy after a direct reclaim without progress, while other tasks, kswapd and kcompactd run; small orders loop until they succeed, are OOM-killed for, or hit vm.slowpath_livelock), instant (the whole slow path at one instant, at most 64 loops)", "continuation|instant", NOB},
    {"vm", "slowpath_livelock", FSI_CT_DURATION, "10s", "simulated time a request may spend in the slow path before it is given up as a livelock (counted in fs_alloc_livelock, not as a failure)", NULL, NOB},
    {"vm", "zone_reclaimable_free", FSI_CT_BOOL, "false", "zone_reclaimable_pages() counts a zone's free pages when it has nothing reclaimable (6.13+ and 6.1.y stable: 6.1.192, as Debian 12 ships it and the kernel harness boots, has it; linux-6.1, linux-6.15): should_reclaim_retry() then sees twice the free pages of such a zone and retries while its free lists hold a block of the order; false: mainline before 6.13", NULL, NOB},
    {"vm", "scan_file_first", FSI_CT_BOOL, "true", "get_scan_count() scans the file lists only while the node's inactive page cache is plentiful (the default: 3.8+, \"only evict file pages when we have plenty\"; 6.1's cache_trim_mode: inactive file >> priority is not zero, the inactive file list is not low against the active one, and no page cache refaulted since the last reclaim ended); false (the 2.6 stacks): anon and file in the swappiness split whenever there is swap room", NULL, NOB},
    {"vm", "compaction_large_folios", FSI_CT_BOOL, "false", "compaction's migration scanner isolates allocations above order 0 (compound pages: THP, large folios) whose order is below the requested one (below pageblock_order for whole-zone compaction), as large folios migrate since ~6.9 (linux-6.15); false: isolate_migratepages_block() skips every compound page unless it works for alloc_contig_range (6.1 and before)", NULL, NOB},
    {"vm", "file_migrate_folio", FSI_CT_BOOL, "true", "the page cache's filesystem has a migrate_folio (before 6.0: migratepage) callback, as ext4, xfs, btrfs and nfs have: dirty file pages migrate without being written; false (a filesystem without one): async compaction does not isolate dirty file pages (ISOLATE_ASYNC_MIGRATE) and migrating one fails (fallback_migrate_folio(): -EBUSY outside MIGRATE_SYNC; its writeout is not modelled)", NULL, NOB},
    {"vm", "watermark_check", FSI_CT_ENUM, "modern", "zone watermark check: modern (4.4+) or pre-4.4 (per-order discounting)", "modern|pre-4.4", NOB},
    {"sim", "duration", FSI_CT_DURATION, "60s", "simulated time to run", NULL, NOB},
    {"sim", "sample_interval", FSI_CT_DURATION, "1s", "time between timeseries.csv samples", NULL, NOB},
    {"sim", "stall_events", FSI_CT_INT, "20000000", "events in a row at one simulated instant before the run is stopped as stuck (a timer re-armed with no delay, a task that never waits), naming what the last event ran", NULL, 1000, 1e15},
    {"sim", "check", FSI_CT_BOOL, "false", "check engine invariants after every event: what the event wrote, and a sweep of all page frames every sim.check_interval events (a checked run takes about twice as long)", NULL, NOB},
    {"sim", "check_interval", FSI_CT_INT, "0", "with sim.check: events between two full sweeps of all page frames (0: one per 16 pages of memory, so sweeps cost about as much as the events; 1: a sweep after every event, to find the first bad event of a violation the local pass misses); the end of the run is always swept", NULL, 0, 1e15},
    {"cost", "alloc_base_ns", FSI_CT_INT, "100", "fixed cost of one allocation or free call", NULL, 0, 1e12},
    {"cost", "buddy_op_ns", FSI_CT_INT, "20", "cost of one buddy list operation (split, merge, move)", NULL, 0, 1e12},
    {"cost", "scan_ns", FSI_CT_INT, "40", "cost of scanning one page on an LRU list", NULL, 0, 1e12},
    {"cost", "reclaim_clean_ns", FSI_CT_INT, "500", "cost of dropping one clean page cache page", NULL, 0, 1e12},
    {"cost", "reclaim_dirty_ns", FSI_CT_INT, "50000", "time the backing device takes to write one dirty page (vm.writeback=immediate: charged to kswapd, which frees the page at once)", NULL, 0, 1e12},
    {"cost", "refault_ns", FSI_CT_INT, "100000", "time the backing device takes to read one refaulted page back (a major fault; vm.refault_io=parallel: the time its task waits)", NULL, 0, 1e12},
    {"cost", "reclaim_swap_ns", FSI_CT_INT, "30000", "CPU cost of swapping out one anonymous page to a synchronous device (vm.swap_io=sync: zram's compression); an async device's write takes cost.reclaim_dirty_ns of device time", NULL, 0, 1e12},
    {"cost", "migrate_ns", FSI_CT_INT, "1400", "the copy part of a migration, per base page moved (folio_migrate_copy: 4 KiB copied with source and target cold, ~0.5-0.8 us at a few GB/s, plus the folio's flags, mapping and memcg moved; stated estimate). With cost.migrate_unmap_ns and cost.migrate_remap_ns an order-0 migration costs 3 us, the single figure this key held before", NULL, 0, 1e12},
    {"cost", "migrate_unmap_ns", FSI_CT_INT, "1000", "the unmap part of one migration attempt, per allocation (folio): folio lock, try_to_migrate()'s rmap walk, page table lock, PTEs replaced by migration entries and the TLB flush (stated estimate: a local flush is ~0.1 us, a shootdown IPI to another CPU ~1 us); paid again by every retried attempt", NULL, 0, 1e12},
    {"cost", "migrate_remap_ns", FSI_CT_INT, "600", "the remap part of one migration attempt, per allocation (folio): remove_migration_ptes()' second rmap walk setting the PTEs, the unlock, and freeing the source or putting the folio back (stated estimate, a walk without the flush); paid again by every retried attempt", NULL, 0, 1e12},
    {"cost", "drain_cpu_ns", FSI_CT_INT, "5000", "one per-CPU drain work item queued and flushed (lru_add_drain_all, drain_all_pages), charged once per machine.cpus per drain: a kworker wakeup and context switch (stated estimate: lmbench lat_ctx measures 2-5 us on current x86)", NULL, 0, 1e12},
    {"cost", "rcu_expedited_ns", FSI_CT_INT, "20000", "synchronize_rcu_expedited() in lru_cache_disable() (alloc_contig_range): stated estimate, an expedited grace period takes tens of microseconds on a small machine (IPIs to every CPU)", NULL, 0, 1e12},
    {"cost", "isolate_page_ns", FSI_CT_INT, "200", "taking one page off its LRU for migration and putting back what failed (isolate_migratepages_range: lru_lock, refcount, list moves; stated estimate, a few locked cache-line operations)", NULL, 0, 1e12},
    {"cost", "pfn_walk_ns", FSI_CT_INT, "5", "looking at one struct page in a range walk (has_unmovable_pages, test_pages_isolated, the migration scanner over free pages; stated estimate, one cache line)", NULL, 0, 1e12},
    {"cost", "pageblock_move_ns", FSI_CT_INT, "2000", "cost of move_freepages_block on one pageblock", NULL, 0, 1e12},
    {"cost", "shrink_object_ns", FSI_CT_INT, "200", "cost of freeing one slab object from a shrinker", NULL, 0, 1e12},
    {"cost", "throttle_ns", FSI_CT_INT, "20000000", "time a throttled direct reclaimer waits for kswapd", NULL, 0, 1e12},
    {"cost", "jiffy_ns", FSI_CT_INT, "4000000", "one scheduler tick (HZ=250): schedule_timeout(1), e.g. reclaim_throttle(VMSCAN_THROTTLE_NOPROGRESS)", NULL, 0, 1e12},
    {"cost", "oom_kill_ns", FSI_CT_INT, "1000000", "cost of an OOM kill to the task that triggers it", NULL, 0, 1e12},
    {"output", "allocs_min_order", FSI_CT_INT, "4", "allocs.csv records requests of this order and above, and every failure", NULL, 0, 10},
    {"output", "extfrag", FSI_CT_BOOL, "true", "write extfrag.csv (one row per mm_page_alloc_extfrag event)", NULL, NOB},
    {"output", "pageblocks", FSI_CT_BOOL, "true", "write pageblocks.csv", NULL, NOB},
    {"output", "pageblocks_interval", FSI_CT_DURATION, "0s", "pageblocks.csv snapshot interval (0s: at the start and the end only)", NULL, NOB},
    {"output", "timeseries", FSI_CT_BOOL, "true", "write timeseries.csv", NULL, NOB},
    {NULL, NULL, 0, NULL, NULL, NULL, 0, 0},
};

static const FsiConfKey *find_key(const char *section, const char *key) {
  for (const FsiConfKey *k = fsi_conf_keys; k->section; k++)
    if (!strcmp(k->section, section) && !strcmp(k->key, key)) return k;
  return NULL;
}

static bool section_known(const char *section) {
  for (const FsiConfKey *k = fsi_conf_keys; k->section; k++)
    if (!strcmp(k->section, section)) return true;
  return false;
}

FsiConfig *fsi_config_new(void) {
  FsiConfig *c = g_new0(FsiConfig, 1);
  c->kf = g_key_file_new();
  c->origin = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (const FsiConfKey *k = fsi_conf_keys; k->section; k++)
    g_key_file_set_string(c->kf, k->section, k->key, k->default_value);
  return c;
}

void fsi_config_free(FsiConfig *c) {
  if (!c) return;
  g_key_file_unref(c->kf);
  g_hash_table_unref(c->origin);
  g_free(c);
}

bool fsi_config_set_value(FsiConfig *c, const char *section, const char *key, const char *value, const char *origin) {
  g_key_file_set_string(c->kf, section, key, value);
  g_hash_table_replace(c->origin, g_strdup_printf("%s.%s", section, key), g_strdup(origin));
  return true;
}

bool fsi_config_split(const char *assignment, char **ret_section, char **ret_key, char **ret_value) {
  const char *eq = strchr(assignment, '=');
  /* the key is after the last dot before '=', so sections may contain dots
   * (stream.build.lifetime=exp:2s) */
  const char *dot = NULL;
  for (const char *ch = assignment; eq && ch < eq; ch++)
    if (*ch == '.') dot = ch;
  if (!eq || !dot || dot == assignment || dot + 1 == eq) return false;
  *ret_section = g_strstrip(g_strndup(assignment, (gsize)(dot - assignment)));
  *ret_key = g_strstrip(g_strndup(dot + 1, (gsize)(eq - dot - 1)));
  *ret_value = g_strstrip(g_strdup(eq + 1));
  return true;
}

bool fsi_config_set(FsiConfig *c, const char *assignment, const char *origin, GError **error) {
  char *section, *key, *value;
  /* the assignment as the error shows it: one line, whatever it holds */
  char *shown = g_strescape(assignment, NULL);
  if (!fsi_config_split(assignment, &section, &key, &value)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: \"%s\" is not of the form section.key=value (e.g. machine.memory=8G)", origin, shown);
    g_free(shown);
    return false;
  }
  /* what an ini file can hold: GLib refuses other names with a warning and
   * drops the setting, and a control character in a value would end it */
  const char *bad = NULL;
  for (const char *ch = section; !bad && *ch; ch++)
    if (!g_ascii_isalnum(*ch) && !strchr("_-.", *ch)) bad = "section";
  for (const char *ch = key; !bad && *ch; ch++)
    if (!g_ascii_isalnum(*ch) && !strchr("_-", *ch)) bad = "key";
  if (!bad && (!*section || !*key)) bad = !*section ? "section" : "key";
  for (const char *ch = value; !bad && *ch; ch++)
    if (g_ascii_iscntrl(*ch)) bad = "value";
  if (bad && !strcmp(bad, "value"))
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: \"%s\": the value may contain no control characters", origin,
                shown);
  else if (bad)
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: \"%s\": the %s may contain only letters, digits, '_' and '-'%s (e.g. machine.memory=8G)", origin,
                shown, bad, !strcmp(bad, "section") ? " and '.'" : "");
  g_free(shown);
  if (bad) {
    g_free(section);
    g_free(key);
    g_free(value);
    return false;
  }
  fsi_config_set_value(c, section, key, value, origin);
  g_free(section);
  g_free(key);
  g_free(value);
  return true;
}

const char *fsi_config_origin(FsiConfig *c, const char *section, const char *key) {
  char *k = g_strdup_printf("%s.%s", section, key);
  const char *o = g_hash_table_lookup(c->origin, k);
  g_free(k);
  return o ? o : "default";
}

bool fsi_parse_bool(const char *s, bool *ret) {
  static const char *const yes[] = {"true", "yes", "on", "1"};
  static const char *const no[] = {"false", "no", "off", "0"};
  for (unsigned i = 0; i < G_N_ELEMENTS(yes); i++) {
    if (!g_ascii_strcasecmp(s, yes[i])) {
      *ret = true;
      return true;
    }
    if (!g_ascii_strcasecmp(s, no[i])) {
      *ret = false;
      return true;
    }
  }
  return false;
}

bool fsi_parse_size(const char *s, uint64_t *ret_bytes, GError **error) {
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod(s, &end);
  if (end == s || errno || !isfinite(v) || v < 0) goto bad;
  uint64_t mult = 1;
  if (*end) {
    switch (g_ascii_toupper(*end)) {
    case 'K': mult = (uint64_t)1 << 10; break;
    case 'M': mult = (uint64_t)1 << 20; break;
    case 'G': mult = (uint64_t)1 << 30; break;
    case 'T': mult = (uint64_t)1 << 40; break;
    default: goto bad;
    }
    end++;
    if (g_ascii_toupper(*end) == 'I') end++;
    if (g_ascii_toupper(*end) == 'B') end++;
    if (*end) goto bad;
  }
  if (v * (double)mult > 1.8e19) goto bad;
  *ret_bytes = (uint64_t)(v * (double)mult);
  return true;
bad:
  g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "\"%s\" is not a size (expected e.g. 4096, 64M, 4G, 1T)", s);
  return false;
}

bool fsi_parse_duration(const char *s, uint64_t *ret_ns, GError **error) {
  char *end = NULL;
  errno = 0;
  double v = g_ascii_strtod(s, &end);
  double mult = 0;
  if (end == s || errno || !isfinite(v) || v < 0) goto bad;
  if (!strcmp(end, "ns")) mult = 1;
  else if (!strcmp(end, "us")) mult = 1e3;
  else if (!strcmp(end, "ms")) mult = 1e6;
  else if (!strcmp(end, "s")) mult = 1e9;
  else if (!strcmp(end, "m") || !strcmp(end, "min")) mult = 60e9;
  else if (!strcmp(end, "h")) mult = 3600e9;
  else goto bad;
  /* simulated time is signed 64-bit nanoseconds in places: 2^62 ns (146
   * years) keeps a margin, as the workload's phase sums do (issue #16: a
   * duration of 2^63 ns ran for ever) */
  if (v * mult >= 4611686018427387904.0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "\"%s\" is too long a duration (the limit is 2^62 ns, 146 years)", s);
    return false;
  }
  *ret_ns = (uint64_t)llround(v * mult);
  return true;
bad:
  g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
              "\"%s\" is not a duration (expected a number with a unit: ns, us, ms, s, m, h; e.g. 500ms)", s);
  return false;
}

static bool check_value(const FsiConfKey *k, const char *v, GError **error) {
  GError *e = NULL;
  switch (k->type) {
  case FSI_CT_INT: {
    char *end;
    errno = 0;
    long long x = g_ascii_strtoll(v, &end, 10);
    if (!*v || *end || errno) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "\"%s\" is not an integer", v);
      return false;
    }
    if (k->min <= k->max && ((double)x < k->min || (double)x > k->max)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%lld is outside [%.0f, %.0f]", x, k->min, k->max);
      return false;
    }
    return true;
  }
  case FSI_CT_DOUBLE: {
    char *end;
    double x = g_ascii_strtod(v, &end);
    if (!*v || *end || !isfinite(x)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "\"%s\" is not a number", v);
      return false;
    }
    if (k->min <= k->max && (x < k->min || x > k->max)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s is outside [%g, %g]", v, k->min, k->max);
      return false;
    }
    return true;
  }
  case FSI_CT_BOOL: {
    bool b;
    if (!fsi_parse_bool(v, &b)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "\"%s\" is not a boolean (true/false)", v);
      return false;
    }
    return true;
  }
  case FSI_CT_SIZE: {
    uint64_t b;
    if (!fsi_parse_size(v, &b, &e)) {
      g_propagate_error(error, e);
      return false;
    }
    return true;
  }
  case FSI_CT_DURATION: {
    uint64_t ns;
    if (!fsi_parse_duration(v, &ns, &e)) {
      g_propagate_error(error, e);
      return false;
    }
    return true;
  }
  case FSI_CT_ENUM: {
    char **ch = g_strsplit(k->choices, "|", -1);
    bool ok = g_strv_contains((const char *const *)ch, v);
    g_strfreev(ch);
    if (!ok) {
      char *list = g_strdelimit(g_strdup(k->choices), "|", ',');
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "\"%s\" is not one of: %s", v, list);
      g_free(list);
    }
    return ok;
  }
  case FSI_CT_STRING: return true;
  }
  return false;
}

bool fsi_config_validate(FsiConfig *c, const char *const *extra_sections, GError **error) {
  gsize ng = 0;
  char **groups = g_key_file_get_groups(c->kf, &ng);
  bool ok = true;
  for (gsize g = 0; ok && g < ng; g++) {
    const char *sec = groups[g];
    bool engine = section_known(sec);
    if (!engine) {
      if (extra_sections && g_strv_contains(extra_sections, sec)) continue;
      char **keys = g_key_file_get_keys(c->kf, sec, NULL, NULL);
      const char *where = keys && keys[0] ? fsi_config_origin(c, sec, keys[0]) : "configuration";
      GString *known = g_string_new("machine, vm, sim, cost, output");
      for (const char *const *x = extra_sections; x && *x; x++) g_string_append_printf(known, ", %s", *x);
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                  "%s: unknown section [%s] (known: %s; a policy's section is only valid when the policy is in the stack)",
                  where, sec, known->str);
      g_string_free(known, TRUE);
      g_strfreev(keys);
      ok = false;
      break;
    }
    char **keys = g_key_file_get_keys(c->kf, sec, NULL, NULL);
    for (char **k = keys; ok && k && *k; k++) {
      const FsiConfKey *ck = find_key(sec, *k);
      if (!ck) {
        GString *known = g_string_new(NULL);
        for (const FsiConfKey *x = fsi_conf_keys; x->section; x++)
          if (!strcmp(x->section, sec)) g_string_append_printf(known, "%s%s", known->len ? ", " : "", x->key);
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: unknown key %s.%s (keys of [%s]: %s)",
                    fsi_config_origin(c, sec, *k), sec, *k, sec, known->str);
        g_string_free(known, TRUE);
        ok = false;
        break;
      }
      char *v = g_key_file_get_string(c->kf, sec, *k, NULL);
      GError *e = NULL;
      if (!check_value(ck, v ? v : "", &e)) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: %s.%s: %s", fsi_config_origin(c, sec, *k), sec, *k,
                    e->message);
        g_error_free(e);
        ok = false;
      }
      g_free(v);
    }
    g_strfreev(keys);
  }
  g_strfreev(groups);
  return ok;
}

static char *get_raw(FsiConfig *c, const char *section, const char *key) {
  char *v = g_key_file_get_string(c->kf, section, key, NULL);
  if (!v) g_error("configuration key %s.%s missing (programming error)", section, key);
  return v;
}

int64_t fsi_config_int(FsiConfig *c, const char *section, const char *key) {
  char *v = get_raw(c, section, key);
  int64_t x = g_ascii_strtoll(v, NULL, 10);
  g_free(v);
  return x;
}

double fsi_config_double(FsiConfig *c, const char *section, const char *key) {
  char *v = get_raw(c, section, key);
  double x = g_ascii_strtod(v, NULL);
  g_free(v);
  return x;
}

bool fsi_config_bool(FsiConfig *c, const char *section, const char *key) {
  char *v = get_raw(c, section, key);
  bool b = false;
  fsi_parse_bool(v, &b);
  g_free(v);
  return b;
}

uint64_t fsi_config_size(FsiConfig *c, const char *section, const char *key) {
  char *v = get_raw(c, section, key);
  uint64_t b = 0;
  fsi_parse_size(v, &b, NULL);
  g_free(v);
  return b;
}

uint64_t fsi_config_duration(FsiConfig *c, const char *section, const char *key) {
  char *v = get_raw(c, section, key);
  uint64_t ns = 0;
  fsi_parse_duration(v, &ns, NULL);
  g_free(v);
  return ns;
}

char *fsi_config_string(FsiConfig *c, const char *section, const char *key) { return get_raw(c, section, key); }
