/* One simulation run: the engine context a policy knows as FsHost.
 *
 * Owns the clock and event queue, the memory model, the allocation table
 * (objects the workload holds handles to), tasks, the loaded policy stack
 * and its per-run states, counters, and the observers it reports to.  It is
 * the engine's face to the layers above: workloads drive it with the
 * services declared at the end, results/ observes it.  A run is a pure function of
 * (workload, stack, parameters, seed): nothing here reads wall-clock time or
 * global state except the progress line, which goes to the terminal only.
 */
#ifndef FS_RUN_H
#define FS_RUN_H

#include <fragsim/policy.h>
#include <glib.h>

#include "engine/core/config.h"
#include "engine/core/eventq.h"
#include "engine/core/rng.h"
#include "engine/core/stats.h"
#include "engine/mm/mmzone.h"
#include "engine/plugin/loader.h"

typedef struct FsiRun FsiRun;

enum { FSI_EV_TASK = 1, FSI_EV_FREE, FSI_EV_TIMER, FSI_EV_SAMPLE, FSI_EV_END, FSI_EV_KSWAPD, FSI_EV_SLAB_FREE,
       FSI_EV_FLUSH, FSI_EV_WB_DONE, FSI_EV_REFAULT, FSI_EV_FAULT_NEXT };

/* allocation flags */
enum {
  FSI_AF_LIVE = 0x01,     /* the handle is valid */
  FSI_AF_PINNED = 0x02,   /* GUP-pinned: cannot migrate or be reclaimed */
  FSI_AF_RESIDENT = 0x04, /* has page frames (not swapped out or evicted) */
  FSI_AF_DIRTY = 0x08,    /* page cache: needs writeback before reclaim */
  FSI_AF_REFERENCED = 0x10, /* accessed since last scanned (PG_referenced) */
  FSI_AF_SWAPPED = 0x20,  /* anon: holds a swap slot */
  FSI_AF_CONTIG = 0x40,   /* taken by alloc_contig_range */
};

/* more allocation flags (FsiAlloc.flags2): writeback and the working set */
enum {
  FSI_AF2_WRITEBACK = 0x01,  /* PG_writeback: being written, neither reclaimed nor migrated (async) */
  FSI_AF2_RECLAIM = 0x02,    /* PG_reclaim: reclaim wants it once written (rotate to the inactive tail) */
  FSI_AF2_WORKINGSET = 0x04, /* its owner reads it again if reclaimed: a refault (workload key refault) */
  FSI_AF2_SPLIT_HEAD = 0x08, /* the first base page of a split THP: its owner's handle; split_next chains the rest */
  FSI_AF2_SPLIT_TAIL = 0x10, /* another base page of a split THP: freed with its head */
  FSI_AF2_ISOLATED = 0x20,   /* taken for migration (off the LRU in the kernel): reclaim leaves it alone */
  FSI_AF2_PG_WORKINGSET = 0x40, /* PG_workingset: it was deactivated from the active list; its refault restores the working set (a cost, vm.scan_balance=cost) */
  /* PG_active set before the LRU add: a refault workingset_refault()
   * activates; the add puts it on the active list and clears this */
  FSI_AF2_ADD_ACTIVE = 0x80,
};

/* LRU lists (per node), as enum lru_list. */
enum { FSI_LRU_INACTIVE_ANON = 0, FSI_LRU_ACTIVE_ANON, FSI_LRU_INACTIVE_FILE, FSI_LRU_ACTIVE_FILE, FSI_NR_LRU,
       FSI_LRU_NONE = 0xff };

/* An allocation object.  Its id (index) and generation form the handle the
 * workload keeps; migration changes pfn, never the handle. */
typedef struct {
  uint32_t pfn;
  uint32_t gen;
  uint32_t gfp;
  uint32_t task;
  uint8_t order;
  uint8_t kind;
  uint8_t flags;
  uint8_t zone;
  uint8_t alloc_mt; /* gfp_migratetype(gfp): page_owner's view */
  uint8_t list_mt;  /* migratetype the stack mapped it to */
  uint8_t lru;      /* FSI_LRU_* or FSI_LRU_NONE */
  uint8_t flags2;   /* FSI_AF2_* */
  uint32_t lru_next, lru_prev; /* allocation ids; FSI_NIL ends */
} FsiAlloc;
/* 32 bytes, so that an object never straddles two cache lines: a split
 * THP's chain of base pages (FSI_AF2_SPLIT_*) is kept beside the table
 * (FsiRun.split_next), not in every object. */
G_STATIC_ASSERT(sizeof(FsiAlloc) == 32);

typedef uint64_t FsiHandle; /* (gen << 32) | id; 0 is never a valid handle */
#define FSI_HANDLE_NONE ((FsiHandle)0)

/* Which step of the allocator satisfied a request. */
typedef enum {
  FSI_VIA_FASTPATH = 0,
  FSI_VIA_SLOWPATH,      /* min watermark retry */
  FSI_VIA_EARLY_COMPACT,
  FSI_VIA_RECLAIM,
  FSI_VIA_AFTER_RECLAIM,
  FSI_VIA_COMPACT,
  FSI_VIA_BEFORE_OOM,
  FSI_VIA_CONTIG,        /* a contiguous range (alloc_contig_range) */
  FSI_VIA_FAILED,
  FSI_VIA_LIVELOCK,      /* given up after vm.slowpath_livelock: no page, but not a failure */
  FSI_VIA_COUNT
} FsiVia;
extern const char *const fsi_via_names[FSI_VIA_COUNT];

typedef struct {
  uint32_t order;
  uint32_t kind;
  uint32_t gfp;
  uint32_t task;
  bool pinned;
  bool referenced; /* will be accessed again soon: PG_referenced at first scan */
  bool dirty;      /* page cache written: needs writeback before reclaim */
  bool refault;    /* working set: read again (a refault) if reclaimed while its owner holds it */
} FsiRequest;

typedef struct {
  FsiHandle handle; /* FSI_HANDLE_NONE on failure */
  uint64_t pfn;
  uint32_t zone;
  uint64_t latency_ns;
  FsiVia via;
} FsiAllocResult;

typedef struct {
  uint64_t busy_until_ns; /* a stalled task's next step waits for this */
  uint64_t stall_ns;      /* total stall */
  uint64_t rss_pages;     /* resident pages it owns (OOM badness) */
  uint64_t swap_pages;    /* its pages in swap */
  uint64_t refault_after_ns; /* mean time from reclaim to the re-read of a working-set page */
  /* major faults (vm.refault_io = queued): asleep on a read until read_until_ns;
   * refaults due meanwhile wait in faultq (a ring, oldest first), and one
   * FSI_EV_FAULT_NEXT is pending while it is not empty */
  uint64_t read_until_ns;
  struct FsiFaultEnt { uint32_t id, gen; } *faultq;
  uint32_t fq_head, fq_len, fq_cap;
  bool fault_busy;         /* allocating a refault's page (maybe asleep in the slow path) */
  bool fault_next_pending; /* an FSI_EV_FAULT_NEXT is queued */
  uint64_t pause_ns;      /* waits outside the allocator (dirty throttling, major faults): the workload
                           * driver adds them to the task's next wake-up and clears them */
  FsiRng rng;             /* the task's own stream (workload draws) */
  bool in_alloc;          /* inside fsi_run_alloc (maybe asleep in the slow path) */
  bool wake_deferred;     /* a wake-up came while in_alloc: it runs when the request completes */
} FsiTask;

#define FSI_SLAB_GEN_BITS 29

/* A slab cache: objects packed into slab pages that are freed only when
 * their last object goes (reference §10.2). */
typedef struct {
  uint32_t alloc;      /* the slab page's allocation id */
  uint32_t gen;        /* of the allocation, to detect reuse */
  uint16_t inuse;
  uint8_t partial;     /* on the cache's partial list */
  uint8_t order;       /* of the slab page (so a slab's capacity needs no allocation object) */
  uint16_t cache;      /* the cache it belongs to */
  uint32_t next, prev; /* partial list (slab indices) */
} FsiSlab;

/* 16 bytes, so that an object never straddles two cache lines (its cache is
 * its slab's). */
typedef struct {
  uint32_t slab;       /* slab index */
  unsigned int gen : FSI_SLAB_GEN_BITS; /* of the handle; wraps, never 0 */
  unsigned int live : 2;       /* 0 free, 1 live (on the cache's LRU if reclaimable), 2 live and in use (no LRU): its owner's, or held by another object (fsi_slab_hold) */
  unsigned int referenced : 1; /* DCACHE_REFERENCED / I_REFERENCED: the shrinker rotates it once instead of freeing it */
  uint32_t lru_next, lru_prev; /* object LRU (reclaimable caches) */
} FsiSlabObj;
G_STATIC_ASSERT(sizeof(FsiSlabObj) == 16);

typedef struct {
  char name[24];
  uint32_t kind;       /* FS_KIND_SLAB_RECLAIMABLE or FS_KIND_SLAB_UNMOVABLE */
  uint32_t obj_size;
  uint32_t order;      /* preferred slab order; falls back to min_order */
  uint32_t min_order;
  uint32_t per_slab[FS_NR_ORDERS];
  uint32_t partial_head;
  uint32_t lru_head, lru_tail; /* oldest at head */
  uint64_t nr_objects;
  uint64_t nr_in_use;  /* objects held by an owner (an open file's dentry): not on the LRU, never shrunk */
  uint64_t nr_slab_pages;
} FsiSlabCache;

#define FSI_MAX_SLAB_CACHES 16

/* vm.reclaim_compaction: which kernel's reclaim/compaction handshake */
enum { FSI_RC_OFF = 0, FSI_RC_32 = 1, FSI_RC_47 = 2 };

/* Per-node reclaim state: LRU lists, swap, kswapd, slab caches. */
typedef struct {
  /* lists by lruvec: [0] the node's (vm.lru=node), or [zone] (vm.lru=zone); head = most recent */
  uint32_t lru_head[FS_MAX_ZONES][FSI_NR_LRU], lru_tail[FS_MAX_ZONES][FSI_NR_LRU];
  bool lru_per_zone; /* vm.lru=zone: before 4.8 */
  uint64_t lru_pages[FSI_NR_LRU];
  uint64_t zone_lru_pages[FS_MAX_ZONES][FSI_NR_LRU]; /* NR_ZONE_{IN,}ACTIVE_{ANON,FILE}: by the page's zone */
  bool zone_reclaimable_free; /* vm.zone_reclaimable_free: zone_reclaimable_pages() of 6.1.y/6.13+ */
  bool scan_file_first;        /* vm.scan_file_first: get_scan_count()'s SCAN_FILE while inactive page cache is plentiful */
  /* refaults activated, [0] anon and [1] file (WORKINGSET_ACTIVATE_*), and
   * their snapshot_refaults() when the last reclaim ended */
  uint64_t ws_activate[2], ws_activate_snap[2];
  /* vm.refault_deactivate: whether activating refaults since the last
   * reclaim make reclaim deactivate the active list (sc->may_deactivate) */
  enum {
    FSI_RD_5_9,  /* 5.9+: anon and file; also ends cache_trim_mode and 6.1's file_is_tiny */
    FSI_RD_4_12, /* 4.12-5.8: file only (inactive_list_is_low() with actual_reclaim) */
    FSI_RD_OFF,  /* before 4.12: the inactive:active ratio alone */
  } refault_deactivate;
  /* vm.scan_balance: how get_scan_count() shares the scan between anon and file */
  enum {
    FSI_SB_COST,    /* 5.9+: inversely to each type's recent cost (pageouts and working-set refaults) */
    FSI_SB_ROTATED, /* 2.6.28-5.8: in proportion to each type's recent scanned / rotated pages */
    FSI_SB_FIXED,   /* swappiness : 200 - swappiness alone (no feedback) */
  } scan_balance;
  /* per lruvec, [0] anon and [1] file: lruvec->anon_cost/file_cost (cost),
   * reclaim_stat->recent_scanned/recent_rotated (rotated) */
  uint64_t lru_cost[FS_MAX_ZONES][2];
  uint64_t recent_scanned[FS_MAX_ZONES][2], recent_rotated[FS_MAX_ZONES][2];
  bool age_anon; /* vm.age_anon: shrink_lruvec() ages the active anon list whenever the inactive one is low */
  bool file_is_tiny; /* vm.file_is_tiny: get_scan_count()'s SCAN_ANON while the page cache is nearly gone */
  /* vm.reclaim_writeback=keep (before 4.13): a page reclaim finds under
   * writeback, or dirty page cache it leaves to the flushers, goes back to
   * the inactive list's head instead of being activated out of the way */
  bool wb_keep;
  bool write_file_any;     /* vm.reclaim_write_file=any: every reclaimer writes dirty page cache (before 3.2) */
  /* vm.refault_activate: which refaults are activated */
  enum {
    FSI_RA_DISTANCE,      /* 5.9+: file and anon, refault distance against the working set (6.1's workingset_refault) */
    FSI_RA_DISTANCE_FILE, /* 3.15-5.8: file refaults within the active file list's size; swap-ins always */
    FSI_RA_NONE,          /* before 3.15: file refaults start inactive (no shadow entries); swap-ins always */
    FSI_RA_ALWAYS,        /* every working-set refault (fragsim before stop 32) */
  } refault_activate;
  /* per lruvec: lruvec->nonresident_age (4.4: zone->inactive_age), the clock
   * evictions and activations advance; an evicted page keeps its reading */
  uint64_t nonresident_age[FS_MAX_ZONES];
  uint64_t nr_dirty;
  uint64_t nr_writeback;  /* pages under writeback (NR_WRITEBACK) */
  uint64_t swap_pages, swap_used;
  uint32_t swappiness;
  enum {
    FSI_ANON_LRU_5_9,    /* 5.9+: new anonymous pages start inactive */
    FSI_ANON_LRU_2_6_28, /* 2.6.28-5.8: they start active */
    FSI_ANON_LRU_2_6,    /* before 2.6.28: start active, deactivated only when reclaim_mapped */
  } anon_lru;             /* vm.anon_lru */
  bool swapin_all_active; /* vm.swapin_lru = active: every swap-in before 5.9 activated */
  int prev_priority;      /* zone->prev_priority (vm.anon_lru=2.6): the priority the last reclaim reached */
  bool thp_swap_split;     /* vm.thp_swap_split: split a THP that finds no swap room */
  /* kswapd */
  bool kswapd_awake;      /* balancing or napping */
  bool kswapd_napping;
  bool kswapd_pending;    /* an EV_KSWAPD is queued */
  uint64_t kswapd_gen;    /* stale kswapd events are ignored */
  uint32_t kswapd_order, kswapd_classzone; /* requested (max) */
  uint32_t kswapd_run_order, kswapd_alloc_order, kswapd_run_zone;
  int kswapd_priority;
  uint64_t kswapd_reclaimed; /* this balance_pgdat run */
  uint64_t kswapd_boost_target;
  bool kswapd_boost_dropped; /* this run found the node unbalanced: no more boosted rounds (nr_boost_reclaim = 0) */
  uint32_t kswapd_failures;
  /* vm.kswapd_high_order: how balance_pgdat() treats a high order */
  enum {
    FSI_KHO_COMPACT_GAP, /* 4.8+: reclaim to the compaction gap, then balance for order 0 */
    FSI_KHO_SWEEP,       /* 2.6.29-2.6.37: dropped after a sweep that frees < SWAP_CLUSTER_MAX */
    FSI_KHO_LOOP,        /* before 2.6.29: kept until balanced (loop_again at the same order) */
  } kswapd_high_order;
  /* vm.kswapd_balance: when kswapd's node is balanced at an order */
  enum {
    FSI_KB_ANY,     /* 4.8+: any eligible zone */
    FSI_KB_QUARTER, /* 2.6.38-4.7: zones holding a quarter of the pages (every zone at order 0) */
    FSI_KB_ALL      /* before 2.6.38: every zone up to the highest failing one */
  } kswapd_balance;
  /* vm.kswapd_zones: which zones a zone-LRU kswapd pass shrinks */
  enum {
    FSI_KZ_CLASSZONE, /* every zone up to the waker's highest zone */
    FSI_KZ_END_ZONE,  /* before 2.6.24: every zone up to end_zone, the highest failing its high watermark */
    FSI_KZ_8HIGH,     /* 2.6.24-2.6.38: those, less any passing 8x its high watermark */
  } kswapd_zones;
  /* vm.zone_reclaim_target: whose target a zone's shrink stops at */
  enum {
    FSI_ZT_SHARED,   /* the caller's, shared by the zones (2.6.33+) */
    FSI_ZT_PER_ZONE, /* 2.6.14-2.6.16: each zone's own SWAP_CLUSTER_MAX */
  } zone_reclaim_target;
  /* vm.direct_reclaim_cut: when a direct reclaim pass stops at its target */
  enum {
    FSI_CUT_ALWAYS,    /* at every priority (2.6.16, with its per-zone targets; 3.11-3.15) */
    FSI_CUT_BELOW_DEF, /* 2.6.29-3.10, 3.16+: at every priority but DEF_PRIORITY (the default) */
    FSI_CUT_NEVER,     /* 2.6.17-2.6.28: never within a pass, only between priorities */
  } direct_reclaim_cut;
  uint64_t kswapd_pass_reclaimed; /* sweep: this pass (since loop_again) */
  uint64_t kswapd_pass_scanned;   /* total_scanned: pages scanned since loop_again */
  bool free_on_reclaimer;         /* vm.reclaim_free_cpu=reclaimer: reclaim frees to the reclaimer's CPU (FsiRun.reclaim_freeing) */
  /* vm.reclaim_nap: congestion_wait() naps below DEF_PRIORITY - 2 */
  enum {
    FSI_NAP_NONE,           /* 3.11+ */
    FSI_NAP_CONGESTION,     /* 2.6.16-2.6.31 */
    FSI_NAP_SKIP_UNDER_MIN, /* 2.6.32-3.10: kswapd skips it while a zone is under min at the order */
  } reclaim_nap;
  /* lumpy reclaim's credit (reclaim_credit from a reclaim_tag hook) */
  bool in_reclaim_tag;
  uint64_t tag_credit;
  bool tag_may_write;        /* the tag's reclaimer may write page cache (its sc->may_writepage) */
  /* the superblock shrinker of the dentry and inode caches */
  int shrinker_defer;        /* vm.shrinker_defer: FSI_DEFER_* */
  uint64_t shrink_deferred;  /* nr_deferred */
  bool pgdat_dirty;       /* PGDAT_DIRTY: kswapd found only unqueued dirty file pages; it may write them */
  /* writeback (page_writeback.c) */
  bool wb_async;          /* vm.writeback = async */
  bool swap_async;        /* vm.swap_io = async: swap-out is written by the backing device */
  uint64_t wb_interval_ns, wb_expire_ns; /* dirty_writeback / dirty_expire */
  uint32_t dirty_background_ratio, dirty_ratio;
  uint64_t wb_busy_until; /* the backing device's queue drains at this time */
  bool read_queued;       /* vm.refault_io = queued: reads take the device one at a time */
  uint64_t rd_busy_until; /* the device ends the last read submitted at this time */
  uint64_t wb_queue_pages; /* vm.writeback_queue_pages: the queue's room (0: unbounded) */
  uint64_t flush_older;   /* a flusher run cut short by a full queue: its expiry bound */
  uint64_t io_at, io_clock; /* the instant of the last wait for the device, and where it ended (vmscan.c) */
  uint64_t io_wait_ns;      /* every reclaimer's waits for the device so far (kswapd's are not its work) */
  bool flush_pending;     /* an FSI_EV_FLUSH is queued */
  uint64_t flush_gen;
  bool flush_all;         /* wakeup_flusher_threads(): write every dirty page */
  struct FsiDirtyEnt { uint32_t id, gen; uint64_t when; } *dirtyq; /* b_dirty: oldest first (ring) */
  uint32_t dirtyq_head, dirtyq_len, dirtyq_cap;
  FsiRng refault_rng;     /* which delay a refault has (engine stream "refault") */
  /* slab */
  uint32_t nr_caches;
  FsiSlabCache caches[FSI_MAX_SLAB_CACHES];
  FsiSlab *slabs;
  uint32_t nslabs, cap_slabs, free_slab_head;
  FsiSlabObj *objs;
  uint32_t nobjs, cap_objs, free_obj_head;
  /* beside objs, allocated on the first fsi_slab_hold(): the object each one
   * holds in use (a dentry its inode), FSI_HANDLE_NONE for none */
  FsiHandle *obj_held;
} FsiReclaim;

/* A workload drives tasks.  Built-in generators implement this. */
typedef struct FsiWorkload {
  const char *name;
  void *state;
  /* schedule the first task wake-ups */
  bool (*start)(FsiRun *run, void *state, GError **error);
  /* one step of task `task` at the current time */
  void (*task_step)(FsiRun *run, void *state, uint32_t task);
  void (*destroy)(void *state);
} FsiWorkload;

/* ---- observers -----------------------------------------------------------------
 *
 * The engine reports what happens through observers and never calls the
 * layers above it: results/ writes the run's CSV files from these calls,
 * and a test can attach its own.  Each call happens at the simulated time of
 * the event (run->now_ns); an observer must not change the run.  A kind of
 * event nobody observes costs one test of a bit mask on its path.
 */

/* One mm_page_alloc_extfrag event: a fallback took a block of another
 * migratetype (include/trace/events/kmem.h). */
typedef struct {
  uint64_t pfn;
  uint32_t alloc_order, fallback_order;
  uint32_t alloc_mt, fallback_mt;
  bool change_ownership;
} FsiExtfragEvent;

typedef struct {
  /* a request was served or failed; mt is the migratetype it was made for */
  void (*alloc)(void *data, FsiRun *run, const FsiRequest *rq, const FsiAllocResult *res, uint32_t mt);
  /* the OOM killer freed victim's pages for req */
  void (*oom)(void *data, FsiRun *run, uint32_t victim, uint64_t pages_freed, const FsAllocRequest *req);
  void (*extfrag)(void *data, FsiRun *run, const FsiExtfragEvent *ev);
  /* the sampling tick (sim.sample_interval), from time 0 */
  void (*sample)(void *data, FsiRun *run);
  /* the run reached its end without an error (not called on failure) */
  void (*end)(void *data, FsiRun *run);
} FsiObserverOps;

enum { FSI_OBS_alloc = 1u << 0, FSI_OBS_oom = 1u << 1, FSI_OBS_extfrag = 1u << 2, FSI_OBS_sample = 1u << 3,
       FSI_OBS_end = 1u << 4 };
#define FSI_MAX_OBSERVERS 4

typedef struct {
  const FsiObserverOps *ops;
  void *data;
} FsiObserver;

/* Calls every observer of an event kind: FSI_NOTIFY(run, alloc, rq, res, mt). */
#define FSI_NOTIFY(run, kind, ...)                                                        \
  do {                                                                                    \
    if (G_UNLIKELY((run)->obs_mask & FSI_OBS_##kind))                                     \
      for (uint32_t obs_i_ = 0; obs_i_ < (run)->nobs; obs_i_++)                           \
        if ((run)->obs[obs_i_].ops->kind)                                                 \
          (run)->obs[obs_i_].ops->kind((run)->obs[obs_i_].data, (run), __VA_ARGS__);      \
  } while (0)
#define FSI_NOTIFY0(run, kind)                                                            \
  do {                                                                                    \
    if (G_UNLIKELY((run)->obs_mask & FSI_OBS_##kind))                                     \
      for (uint32_t obs_i_ = 0; obs_i_ < (run)->nobs; obs_i_++)                           \
        if ((run)->obs[obs_i_].ops->kind) (run)->obs[obs_i_].ops->kind((run)->obs[obs_i_].data, (run)); \
  } while (0)

/* The policy hook a run is executing: its slot (-1: none) and name.  Set
 * around every call into a policy and restored after it, so a hook entered
 * from inside another's host call is named, then the outer one again.  A
 * crash report (engine/crash.c) and the wall-clock timeout read it; it is
 * two stores a call, nothing more. */
typedef struct {
  int32_t slot;
  const char *name;
} FsiHookCtx;

/* Per-policy slot: the loaded module, its state, its private stream. */
typedef struct {
  FsiPolicy *policy;
  void *state;
  FsHost *host;
  FsiRng rng;
} FsiSlot;

struct FsiRun {
  FsiConfig *cfg;
  uint64_t seed;
  uint64_t now_ns;
  uint64_t end_ns;
  uint64_t events;
  FsiEventQ q;
  FsiMem mem;
  FsiRng engine_rng;

  FsiAlloc *allocs;
  GHashTable *split_next; /* id of a split THP's base page -> the next one's (fsi_split_next) */
  uint32_t nallocs, cap_allocs;
  uint32_t *free_ids;
  uint32_t nfree_ids, cap_free_ids;
  uint64_t live_allocs;

  uint32_t ntasks;
  FsiTask *tasks;
  uint32_t current_task; /* task whose request is being served, or FSI_NIL */
  /* reclaim is freeing (evict(), the shrinkers): with vm.reclaim_free_cpu=
   * reclaimer, freed pages go to the per-CPU lists of the CPU doing the
   * reclaim (current_task's; kswapd and the other daemons, FSI_NIL, run on
   * CPU 0), not of the page's owner */
  bool reclaim_freeing;
  uint64_t charged_ns;   /* work charged during the current request/daemon step */

  FsiStack *stack;
  FsiSlot *slots;
  uint32_t nslots;
  GHashTable *shared_areas; /* key -> GBytes-like block: the shared_area host call (ABI 1.3) */
  int32_t current_slot;  /* policy whose hook is running, -1 if none */
  FsiHookCtx hook;       /* the same for crash reports, restored after nested hooks (fsi_hook_enter) */
  GHashTable *hook_census; /* fsi_hook_census_set()'s table when the run was created, or NULL */

  FsiWorkload workload;
  FsiStats stats;
  FsiReclaim rc;
  struct FsiPcp *pcp;    /* per-CPU lists, NULL when vm.pcp is off */
  uint32_t costly_order; /* PAGE_ALLOC_COSTLY_ORDER */
  uint64_t boost_factor; /* vm.watermark_boost_factor */
  int compact_result;    /* last FS_COMPACT_* reported by a policy, -1 none */
  uint32_t ncpus;
  /* cached [cost] values, ns */
  struct {
    uint64_t alloc_base, buddy_op, scan, reclaim_clean, reclaim_dirty, reclaim_swap, refault, migrate, migrate_unmap, migrate_remap, pageblock_move,
        shrink_object, throttle, oom_kill, jiffy, drain_cpu, rcu_expedited, isolate_page, pfn_walk;
  } cost;

  /* policy-taken blocks awaiting the hook's return (validation) */
  uint64_t taken_pfn[4];
  uint32_t ntaken;
  /* ranges alloc_contig_range made for a policy during a contig_request
   * hook: the only handles the hook may return as served */
  uint64_t contig_issued[4];
  uint32_t ncontig_issued;

  FsiObserver obs[FSI_MAX_OBSERVERS];
  uint32_t nobs;
  uint32_t obs_mask;     /* FSI_OBS_* kinds some observer implements */
  uint64_t sample_interval_ns;
  uint64_t stall_events;      /* sim.stall_events */
  uint64_t same_time_events;  /* events in a row at now_ns */

  GPtrArray *param_texts; /* values of parameters set at run time (fsi_run_set_param), kept for STRING params */
  int32_t compaction_slot; /* first policy with a compaction_suitable hook, or -1 */
  uint32_t reclaim_compaction; /* FSI_RC_*: vm.reclaim_compaction */
  /* vm.direct_reclaim_drain: when direct reclaim drains the per-CPU lists */
  enum {
    FSI_DRAIN_2636, /* 2.6.36+: after a failed retry following progress */
    FSI_DRAIN_2635, /* 2.6.24-2.6.35: before every retry of an order > 0 request */
    FSI_DRAIN_NONE, /* before 2.6.24: never */
    FSI_DRAIN_V22,  /* the 2005-2006 list-based anti-fragmentation patches (v21, v22):
                       after every call for an order above vm.costly_order */
  } direct_reclaim_drain;
  bool compact_large_folios;    /* vm.compaction_large_folios: compaction isolates allocations above order 0 */
  bool file_migrate_folio;      /* vm.file_migrate_folio: the page cache's mapping has a migrate_folio callback */
  bool slowpath_instant;        /* vm.slowpath=instant */
  bool compact_before_reclaim;  /* vm.direct_compact=2.6.35 */
  uint64_t livelock_ns;         /* vm.slowpath_livelock */
  uint32_t loop_depth;          /* event loops running (fsi_run_execute/advance and sleeps) */
  uint32_t sleep_depth;         /* requests asleep in the slow path, one inside another */
  bool has_reclaim_tag;  /* some policy has a reclaim_tag hook */
  bool in_kswapd;      /* kswapd's event is running (hooks run in its context) */
  bool check;          /* run the invariant checker after every event */
  uint64_t check_interval; /* sim.check_interval: ... after every this many events */
  bool progress;       /* progress line on stderr (only if it is a terminal) */
  GError *error;       /* first run error; stops the run */
  bool stop;
  /* the wall-clock timeout (fsi_run_timeout): set by another thread, read
   * at each event; the hook running when it fired and the simulated time */
  gint timed_out;
  FsiHookCtx timeout_hook;
  uint64_t timeout_now_ns;
  char *timeout_text;  /* "--timeout 2s", for the message */
};

/* The hook census (check-policy's "hooks" check): with a table set by
 * fsi_hook_census_set() on this thread before fsi_run_new(), every hook
 * call of the runs created afterwards is counted under "POLICY\tHOOK"
 * (slow-path stages as "slowpath_stage(STAGE)"); NULL (the default) stops
 * it.  The table maps keys to GUINT_TO_POINTER counts; its owner frees it. */
void fsi_hook_census_set(GHashTable *census);
void fsi_hook_count(FsiRun *run, uint32_t slot, const char *name);

static inline FsiHookCtx fsi_hook_enter(FsiRun *run, uint32_t slot, const char *name) {
  if (G_UNLIKELY(run->hook_census != NULL)) fsi_hook_count(run, slot, name);
  FsiHookCtx saved = run->hook;
  run->hook.slot = (int32_t)slot;
  run->hook.name = name;
  return saved;
}
static inline void fsi_hook_leave(FsiRun *run, FsiHookCtx saved) { run->hook = saved; }

/* Stops the run at its next event with FSI_ERROR_TIMEOUT, naming the hook
 * running now (thread-safe: a watchdog thread calls it; what, e.g.
 * "--timeout 2s", goes into the message). */
void fsi_run_timeout(FsiRun *run, const char *what);

/* ---- crash reports (engine/crash.c) ----
 * Each thread remembers the run it last created or executed (a pointer
 * store), so a fatal-signal handler can say what was running.  These
 * describe functions are async-signal-safe: they only read memory and
 * format into buf, never allocate.  The text is
 *   in policy 'P' hook 'H' at t=1.234 s (workload W, stack S, seed N)
 * or "in the engine (no policy hook running) at t=...", or "outside a run". */
void fsi_crash_track(FsiRun *run);
void fsi_crash_untrack(FsiRun *run);
FsiRun *fsi_crash_current(void);
size_t fsi_crash_describe_run(const FsiRun *run, FsiHookCtx hook, uint64_t now_ns, char *buf, size_t len);
size_t fsi_crash_describe(char *buf, size_t len);
/* Async-signal-safe formatting helpers for the handlers: append to buf
 * (always NUL-terminated, truncated at len). */
size_t fsi_crash_append(char *buf, size_t len, size_t pos, const char *s);
size_t fsi_crash_append_u64(char *buf, size_t len, size_t pos, uint64_t v);
const char *fsi_crash_signal_name(int sig);
/* The unfinished result directory this process is writing (flat: files
 * only), removed by fsi_crash_remove_dir() from a fatal-signal or timeout
 * handler so that a crash leaves no half-written results behind.  NULL
 * forgets it (committed or aborted); a path too long to keep is not kept. */
void fsi_crash_own_dir(const char *path);
/* Async-signal-safe (open, getdents64, unlinkat, rmdir). */
void fsi_crash_remove_dir(void);

FsiRun *fsi_run_new(FsiConfig *cfg, FsiStack *stack, FsiWorkload *wl, uint64_t seed, GError **error);
bool fsi_run_execute(FsiRun *run, GError **error);
/* A listener told, about every half second of wall clock, how far the runs
 * this process executes have got: the fraction of simulated time done and
 * the events so far (compare's child processes report it to the parent's
 * progress line).  NULL (the default) for none. */
typedef void (*FsiProgressFn)(double frac, uint64_t events);
/* Wall-clock time between two plain progress lines (stderr not a terminal):
 * $FRAGSIM_PROGRESS_SECONDS, default 10. */
gint64 fsi_progress_plain_interval(void);
void fsi_run_progress_listener(FsiProgressFn fn);
/* Processes the events due up to until_ns (tests and tools driving a run by
 * hand, without the workload's start); false once the run has an error. */
bool fsi_run_advance(FsiRun *run, uint64_t until_ns);
void fsi_run_free(FsiRun *run);
/* Attaches an observer (before fsi_run_execute); ops must outlive the run.
 * False when FSI_MAX_OBSERVERS are attached already. */
bool fsi_run_observe(FsiRun *run, const FsiObserverOps *ops, void *data);

/* Services for workloads */
/* A contiguous request for a device: policies' contig_request hooks first
 * (CMA), else alloc_contig_pages() searching the zones.  The result's handle
 * frees the whole range with fsi_run_free_contig. */
FsiAllocResult fsi_run_contig(FsiRun *run, uint64_t nr_pages, uint32_t task);
void fsi_run_free_contig(FsiRun *run, FsiHandle h);
/* /proc/sys/vm/compact_memory: every policy's compact_memory hook. */
void fsi_run_compact_memory(FsiRun *run);
/* One slow-path stage, called on every policy as the slow path calls it, for
 * an order-`order` movable request (check-policy's hook census reaches the
 * rare stages so; the results are validated as in a real slow path).  A
 * captured block is freed again.  Returns the best result. */
FsStageResult fsi_run_slowpath_stage(FsiRun *run, FsStage stage, uint32_t order);
/* The policies' wakeup_kcompactd hooks, as wakeup_kswapd() calls them for a
 * caller without direct reclaim (engine/mm/vmscan.c). */
void fsi_wakeup_kcompactd_hooks(FsiRun *run, uint32_t order, uint32_t highest_zoneidx);
/* Writes a policy parameter while the run goes on, as writing a sysctl does:
 * key is "POLICY.PARAM" of a policy in the stack, value is parsed against
 * its spec and handed to the policy's param_changed hook.  With apply false
 * only checks (the policy is in the stack, the parameter exists, the value
 * parses, the policy has the hook).  One engine key may be written too:
 * vm.min_free_kbytes (the watermarks are set up again, as the sysctl does).
 * An error names the key. */
bool fsi_run_set_param(FsiRun *run, const char *key, const char *value, bool apply, GError **error);
/* vm.min_free_kbytes below the machine's memory (negative: calculated);
 * otherwise an error naming where the value came from. */
bool fsi_min_free_kbytes_check(const FsiMemConfig *mc, int64_t kb, const char *where, GError **error);
FsiAllocResult fsi_run_alloc(FsiRun *run, const FsiRequest *req);
/* The same for allocation id, an order-0 object that is not resident (a
 * refault): new page frames, the same object and handle. */
FsiAllocResult fsi_run_alloc_into(FsiRun *run, const FsiRequest *req, uint32_t id);
void fsi_run_free_handle(FsiRun *run, FsiHandle h);
/* Gives an allocation's page frames back to the buddy allocator (reclaim,
 * OOM); the object itself stays for its owner to free. */
void fsi_release_frames(FsiRun *run, uint32_t id);
/* A block reached the buddy allocator (merged head and order): the policies' freed hooks. */
void fsi_run_freed_hooks(FsiRun *run, uint32_t zone, uint64_t head, uint32_t order, uint32_t mt);
void fsi_run_free_after(FsiRun *run, FsiHandle h, uint64_t delay_ns);
/* The delay from now to t0 + d, 0 if that is past: a task that made its
 * requests at t0 schedules from its own time, as a request that slept in
 * the slow path has moved the clock. */
static inline uint64_t fsi_run_delay_from(const FsiRun *run, uint64_t t0, uint64_t d) {
  return t0 + d > run->now_ns ? t0 + d - run->now_ns : 0;
}
void fsi_run_wake_task(FsiRun *run, uint32_t task, uint64_t at_ns);
/* Moves the run's end delta_ns later (a workload phase that runs until its
 * work is done); the end already queued is passed over. */
void fsi_run_extend(FsiRun *run, uint64_t delta_ns);
/* The task whose request is being served sleeps until until_ns: the events
 * due by then run (other tasks, frees, kswapd, kcompactd), and the clock
 * moves on.  Only inside an event loop and below FSI_MAX_SLEEP_DEPTH
 * nested sleeps; otherwise nothing runs and the clock stays (the sleep is
 * still the task's latency).  Returns whether events could run. */
#define FSI_MAX_SLEEP_DEPTH 64
bool fsi_run_sleep(FsiRun *run, uint64_t until_ns);
/* Creates n tasks (called by a workload's start), each with its own stream. */
void fsi_run_set_tasks(FsiRun *run, uint32_t n);
FsiAlloc *fsi_run_lookup(FsiRun *run, FsiHandle h);
/* A split THP's chain: the base page after id (FSI_NIL ends); setting
 * FSI_NIL removes id's link. */
uint32_t fsi_split_next(const FsiRun *run, uint32_t id);
void fsi_split_set_next(FsiRun *run, uint32_t id, uint32_t next);
/* Stops the run with an error (first one wins). */
void fsi_run_fail(FsiRun *run, GError *error);
void fsi_run_failf(FsiRun *run, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Asks every run of the process to stop at its next event with
 * FSI_ERROR_INTERRUPTED (async-signal-safe: a SIGINT/SIGTERM handler calls
 * it); fsi_run_interrupted() returns the signal, or 0. */
void fsi_run_interrupt(int sig);
int fsi_run_interrupted(void);

/* A block for migration targets (alloc_migration_target): a movable request
 * of `order` at the min watermark through the stack's rmqueue, zones up to
 * highest_zoneidx.  The block is taken but not marked allocated. */
uint64_t fsi_alloc_migration_target(FsiRun *run, uint32_t order, uint32_t highest_zoneidx, uint32_t *ret_zone);
/* Allocation-object helpers for modules that create objects (migrate.c). */
uint32_t fsi_alloc_id_get(FsiRun *run);
void fsi_alloc_id_put(FsiRun *run, uint32_t id);

/* Default gfp for an allocation kind, as the kernel's callers use. */
uint32_t fsi_kind_gfp(uint32_t kind);
const char *fsi_kind_name(uint32_t kind);
int fsi_kind_from_name(const char *name);
const char *fsi_migratetype_name(uint32_t mt);
uint32_t fsi_gfp_zone(uint32_t gfp);
/* Whether an allocation kind is on an LRU or has movable ops (PageLRU || __PageMovable). */
bool fsi_kind_movable(uint32_t kind);
/* The same for one allocation (zsmalloc is movable only with __GFP_MOVABLE). */
bool fsi_alloc_is_movable(const FsiAlloc *a);

/* The invariant checker; returns false with a message naming the first violation. */
bool fsi_check_invariants(FsiRun *run, GError **error);
/* The local pass after an event: the zones' counters and list ends, and
 * every page frame the event wrote (mem.touched) with the block or
 * allocation holding it.  O(what the event did), not O(memory). */
bool fsi_check_local(FsiRun *run, GError **error);

#endif
