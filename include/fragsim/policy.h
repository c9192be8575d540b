/* fragsim — the one public header for policy authors.
 *
 * A policy is a shared module that exports exactly one function,
 *
 *     const FsPolicyOps *fragsim_policy_<name>_get_ops(void);
 *
 * where <name> is the module's file name without its suffix.  The table it
 * returns describes the policy (name, summary, parameters) and holds optional
 * hooks that the engine calls at the kernel's own decision points.  The engine
 * offers its services through an FsHostApi table passed to create(); a policy
 * sees the engine through nothing else.  Policies include this header and
 * glib, and no engine header.
 *
 * What this header deliberately does not offer: direct access to page frames
 * or free lists.  Everything goes through host calls so that the engine keeps
 * its invariants (every page in exactly one state, counts matching lists) and
 * so that a mock host can unit-test a policy alone.
 *
 * Compatibility: hooks and host calls are only ever appended.  A plugin built
 * against minor M runs on an engine with minor >= M; the loader copies
 * min(size, sizeof) of the table into a zeroed one, so hooks an older plugin
 * does not know read as NULL.  A major version changes a layout or a value
 * every plugin sees, and a plugin must be rebuilt: 2.0 added ZONE_HIGHMEM
 * (FS_MAX_ZONES 5, FS_ZONE_MOVABLE moved from 3 to 4, the kernel's order).
 * The "appended in ABI 1.x" marks below say when a member came; each is
 * present in every 2.x.
 */
#ifndef FRAGSIM_POLICY_H
#define FRAGSIM_POLICY_H

#include <glib.h>
#include <gmodule.h>
#include <stdbool.h>
#include <stdint.h>

G_BEGIN_DECLS

/* ---- ABI ------------------------------------------------------------------ */

#define FS_ABI_MAJOR 2
#define FS_ABI_MINOR 1

/* Build constants that change data layouts shared with plugins.  Orders run
 * 0..FS_MAX_ORDER (11 free_area entries, as NR_PAGE_ORDERS on x86-64); the
 * run-time max order may be lower but never higher. */
#define FS_MAX_ORDER 10
#define FS_NR_ORDERS (FS_MAX_ORDER + 1)
#define FS_MAX_ZONES 5

/**
 * FsMigratetype: the kernel's enum migratetype, in the 4.4+ order.
 * FS_MIGRATE_RESERVE aliases FS_MIGRATE_HIGHATOMIC, exactly as the kernel's
 * pre-4.4 MIGRATE_RESERVE occupied MIGRATE_PCPTYPES.
 */
typedef enum {
  FS_MIGRATE_UNMOVABLE = 0,
  FS_MIGRATE_MOVABLE = 1,
  FS_MIGRATE_RECLAIMABLE = 2,
  FS_MIGRATE_PCPTYPES = 3,
  FS_MIGRATE_HIGHATOMIC = FS_MIGRATE_PCPTYPES,
  FS_MIGRATE_RESERVE = FS_MIGRATE_PCPTYPES,
  FS_MIGRATE_CMA = 4,
  FS_MIGRATE_ISOLATE = 5,
  FS_MIGRATE_TYPES = 6
} FsMigratetype;

/* The kernel's enum zone_type: ZONE_HIGHMEM exists on a 32-bit machine
 * (machine.lowmem_limit), and is empty otherwise, as CONFIG_HIGHMEM=n. */
typedef enum {
  FS_ZONE_DMA = 0,
  FS_ZONE_DMA32 = 1,
  FS_ZONE_NORMAL = 2,
  FS_ZONE_HIGHMEM = 3,
  FS_ZONE_MOVABLE = 4
} FsZoneType;

typedef struct {
  uint16_t major;      /* must equal the engine's */
  uint16_t minor;      /* may not exceed the engine's */
  uint32_t table_size; /* sizeof(FsPolicyOps) the plugin was built with */
  uint16_t max_order;  /* FS_MAX_ORDER */
  uint16_t nr_migratetypes; /* FS_MIGRATE_TYPES */
  uint16_t max_zones;  /* FS_MAX_ZONES */
  uint16_t reserved;
} FsAbi;

#define FS_ABI_INIT \
  { FS_ABI_MAJOR, FS_ABI_MINOR, (uint32_t)sizeof(FsPolicyOps), FS_MAX_ORDER, FS_MIGRATE_TYPES, FS_MAX_ZONES, 0 }

/* ---- Allocation requests ---------------------------------------------------- */

/* gfp bits.  The mobility and zone-modifier bits have the kernel's values so
 * that gfp_migratetype() is the kernel's formula:
 * (gfp & (RECLAIMABLE|MOVABLE)) >> 3. */
#define FS_GFP_DMA ((uint32_t)0x01)
#define FS_GFP_HIGHMEM ((uint32_t)0x02)
#define FS_GFP_DMA32 ((uint32_t)0x04)
#define FS_GFP_MOVABLE ((uint32_t)0x08)
#define FS_GFP_RECLAIMABLE ((uint32_t)0x10)
#define FS_GFP_HIGH ((uint32_t)0x20)           /* may dip into reserves (__GFP_HIGH) */
#define FS_GFP_IO ((uint32_t)0x40)
#define FS_GFP_FS ((uint32_t)0x80)
#define FS_GFP_ATOMIC ((uint32_t)0x100)        /* pre-6.3 __GFP_ATOMIC */
#define FS_GFP_DIRECT_RECLAIM ((uint32_t)0x400)
#define FS_GFP_KSWAPD_RECLAIM ((uint32_t)0x800)
#define FS_GFP_NOWARN ((uint32_t)0x2000)
#define FS_GFP_RETRY_MAYFAIL ((uint32_t)0x4000)
#define FS_GFP_NOFAIL ((uint32_t)0x8000)
#define FS_GFP_NORETRY ((uint32_t)0x10000)
#define FS_GFP_COMP ((uint32_t)0x40000)
#define FS_GFP_NOMEMALLOC ((uint32_t)0x80000)
#define FS_GFP_THISNODE ((uint32_t)0x200000)

#define FS_GFP_RECLAIM (FS_GFP_DIRECT_RECLAIM | FS_GFP_KSWAPD_RECLAIM)
#define FS_GFP_KERNEL (FS_GFP_RECLAIM | FS_GFP_IO | FS_GFP_FS)
#define FS_GFP_ATOMIC_MASK (FS_GFP_HIGH | FS_GFP_ATOMIC | FS_GFP_KSWAPD_RECLAIM)
#define FS_GFP_NOWAIT (FS_GFP_KSWAPD_RECLAIM)
#define FS_GFP_USER (FS_GFP_KERNEL)
#define FS_GFP_HIGHUSER_MOVABLE (FS_GFP_USER | FS_GFP_HIGHMEM | FS_GFP_MOVABLE)
#define FS_GFP_TRANSHUGE_LIGHT \
  ((FS_GFP_HIGHUSER_MOVABLE | FS_GFP_COMP | FS_GFP_NOMEMALLOC | FS_GFP_NOWARN) & ~FS_GFP_RECLAIM)
#define FS_GFP_TRANSHUGE (FS_GFP_TRANSHUGE_LIGHT | FS_GFP_DIRECT_RECLAIM)

/* alloc_flags, as mm/internal.h.  FS_ALLOC_WMARK_* select the watermark. */
#define FS_ALLOC_WMARK_MIN ((uint32_t)0x00)
#define FS_ALLOC_WMARK_LOW ((uint32_t)0x01)
#define FS_ALLOC_WMARK_HIGH ((uint32_t)0x02)
#define FS_ALLOC_NO_WATERMARKS ((uint32_t)0x04)
#define FS_ALLOC_WMARK_MASK ((uint32_t)0x03)
#define FS_ALLOC_OOM ((uint32_t)0x08)
#define FS_ALLOC_HIGH ((uint32_t)0x10)       /* __GFP_HIGH: ALLOC_MIN_RESERVE */
#define FS_ALLOC_HARDER ((uint32_t)0x20)     /* 6.1 ALLOC_HARDER / 2025 ALLOC_NON_BLOCK */
#define FS_ALLOC_HIGHATOMIC ((uint32_t)0x40) /* may use and create HIGHATOMIC reserves */
#define FS_ALLOC_CMA ((uint32_t)0x80)
#define FS_ALLOC_NOFRAGMENT ((uint32_t)0x100)
#define FS_ALLOC_KSWAPD ((uint32_t)0x200)
/* fragsim: set while rmqueue_bulk() refills a per-CPU list, so logic that
 * the kernel has only in rmqueue_buddy() (the HIGHATOMIC preference) can skip it. */
#define FS_ALLOC_BULK ((uint32_t)0x400)

typedef enum {
  FS_KIND_ANON = 0,
  FS_KIND_FILE,
  FS_KIND_SLAB_RECLAIMABLE,
  FS_KIND_SLAB_UNMOVABLE,
  FS_KIND_PAGETABLE,
  FS_KIND_KERNEL_STACK,
  FS_KIND_ATOMIC,
  FS_KIND_THP,
  FS_KIND_ZSMALLOC,
  FS_KIND_DEVICE,
  /* ---- appended in ABI 1.1 ---- */
  FS_KIND_SHMEM,   /* tmpfs/shmem page: movable, on the anon LRU (swap-backed), not RSS, not dropped */
  FS_KIND_PIPE,    /* pipe buffer page (alloc_page(GFP_HIGHUSER)): unmovable, no LRU, never reclaimed */
  FS_KIND_HUGETLB, /* hugetlb pool page: no LRU, never reclaimed, skipped by compaction; only
                    * alloc_contig_range (and memory offline) may migrate it */
  FS_KIND_MODULE,  /* a kernel module's (high-order) pages: never reclaimed, never migrated, whatever the gfp */
  FS_KIND_COUNT
} FsKind;

/** An allocation request as the allocator sees it at a decision point. */
typedef struct {
  uint32_t order;
  uint32_t gfp;
  uint32_t alloc_flags;
  uint32_t migratetype;     /* as mapped by the stack's gfp_to_migratetype */
  uint32_t highest_zoneidx; /* gfp_zone(gfp), clamped to populated zones */
  uint32_t kind;            /* FsKind */
  uint32_t task;            /* owning task */
  int32_t compact_priority; /* current compaction priority (slow path) */
} FsAllocRequest;

#define FS_PFN_NONE UINT64_MAX

/* ---- Parameters ----------------------------------------------------------- */

typedef enum { FS_PARAM_INT = 1, FS_PARAM_DOUBLE, FS_PARAM_BOOL, FS_PARAM_ENUM, FS_PARAM_STRING } FsParamType;

/** One policy parameter.  Set by users as `--set <policy>.<name>=<value>`. */
typedef struct {
  const char *name;
  FsParamType type;
  const char *default_value; /* parsed like user input */
  const char *help;
  double min, max;           /* for INT and DOUBLE; ignored if min > max */
  const char *const *choices; /* for ENUM: NULL-terminated */
} FsParamSpec;

/** A parsed parameter value, indexed like the spec array. ENUM gives the index. */
typedef union {
  int64_t i;
  double d;
  bool b;
  const char *s;
} FsParamValue;

/* ---- The host: engine services ---------------------------------------------- */

typedef struct FsHost FsHost; /* opaque per-run engine context */

typedef struct {
  uint64_t start_pfn, end_pfn; /* [start, end) */
  uint64_t present_pages, managed_pages;
  uint64_t wmark_min, wmark_low, wmark_high; /* including the boost */
  uint64_t watermark_boost;
  uint64_t nr_free_pages, nr_free_cma, nr_reserved_highatomic;
  bool populated;
} FsZoneInfo;

/** What a pfn holds right now. */
typedef enum {
  FS_PAGE_RESERVED = 0, /* never in the buddy allocator (memmap, firmware) */
  FS_PAGE_FREE,         /* part of a free buddy block */
  FS_PAGE_PCP,          /* on a per-CPU list */
  FS_PAGE_ALLOCATED,    /* part of an allocation */
  FS_PAGE_ISOLATED      /* taken off the free lists by an isolator */
} FsPageState;

typedef struct {
  FsPageState state;
  uint32_t order;       /* order of the free block / allocation it belongs to */
  uint64_t head_pfn;    /* first pfn of that block / allocation */
  uint32_t zone;
  uint32_t pageblock_mt;
  /* allocations only */
  uint32_t kind;
  uint32_t alloc_mt;    /* gfp_migratetype() of the allocation's gfp */
  bool pinned;
  bool movable;         /* migration could move it (LRU or movable-ops, not pinned) */
} FsPageInfo;

/** Engine services, passed to create().  Every call takes the host first. */
typedef struct FsHostApi {
  uint32_t size; /* sizeof(FsHostApi) of the engine; check before calling appended members */

  /* time, randomness, logging: the only sources a policy may use */
  uint64_t (*now_ns)(FsHost *h);
  uint64_t (*random_u64)(FsHost *h);          /* the policy's own stream */
  double (*random_double)(FsHost *h);         /* [0, 1) */
  void (*log)(FsHost *h, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

  /* machine geometry */
  uint32_t (*max_order)(FsHost *h);
  uint32_t (*pageblock_order)(FsHost *h);
  uint32_t (*nr_zones)(FsHost *h);            /* zone indices 0..nr-1 follow FsZoneType */
  bool (*zone_info)(FsHost *h, uint32_t zone, FsZoneInfo *ret_info);
  const char *(*zone_name)(FsHost *h, uint32_t zone);
  uint64_t (*total_pages)(FsHost *h);

  /* pageblocks */
  uint32_t (*get_pageblock_migratetype)(FsHost *h, uint64_t pfn);
  void (*set_pageblock_migratetype)(FsHost *h, uint64_t pfn, uint32_t mt);
  bool (*get_pageblock_skip)(FsHost *h, uint64_t pfn);
  void (*set_pageblock_skip)(FsHost *h, uint64_t pfn, bool skip);

  /* free lists */
  uint64_t (*free_count)(FsHost *h, uint32_t zone, uint32_t order, uint32_t mt); /* blocks on a list */
  uint64_t (*nr_free)(FsHost *h, uint32_t zone, uint32_t order);                 /* all types */
  uint64_t (*free_list_first)(FsHost *h, uint32_t zone, uint32_t order, uint32_t mt);
  /* __rmqueue_smallest: take the smallest block >= order from mt's lists and
   * expand it (upper halves go back on mt's lists).  Returns the pfn of an
   * order-`order` block now owned by the caller's allocation, or FS_PFN_NONE. */
  uint64_t (*rmqueue_smallest)(FsHost *h, uint32_t zone, uint32_t order, uint32_t mt);
  /* Take the specific free block headed at pfn (of the given order) off its
   * list, expand it to `order`, leaving the upper halves on `expand_mt`. */
  uint64_t (*take_free_block)(FsHost *h, uint64_t pfn, uint32_t order, uint32_t expand_mt);
  /* Move one free block (head pfn) to another migratetype's list. */
  bool (*move_free_block)(FsHost *h, uint64_t pfn, uint32_t mt);
  /* move_freepages_block: move every free page of pfn's pageblock to mt's
   * lists.  Returns false (and moves nothing) if the block straddles a zone
   * boundary.  ret_free_pages / ret_movable_pages as the kernel counts them. */
  bool (*move_freepages_block)(FsHost *h, uint64_t pfn, uint32_t mt, uint64_t *ret_free_pages,
                               uint64_t *ret_movable_pages);
  /* the watermark check (modern or pre-4.4, per the engine's setting) */
  bool (*zone_watermark_ok)(FsHost *h, uint32_t zone, uint32_t order, uint64_t mark,
                            uint32_t highest_zoneidx, uint32_t alloc_flags);
  bool (*page_info)(FsHost *h, uint64_t pfn, FsPageInfo *ret_info);

  /* counters: registered in create(), reported in summary and time series */
  int (*counter_register)(FsHost *h, const char *name, const char *help);
  void (*counter_add)(FsHost *h, int counter, int64_t delta);

  /* timers: the policy's timer hook fires with the cookie after delay_ns */
  void (*timer_add)(FsHost *h, uint64_t delay_ns, uint64_t cookie);

  /* cost: charge simulated work to whoever runs the hook (a task's stall, or
   * a daemon's busy time). */
  void (*charge_ns)(FsHost *h, uint64_t ns);

  /* ---- isolation and migration (compaction, CMA, offline) ---- */
  /* __isolate_free_page: take the free buddy block headed at pfn off the free
   * lists (it becomes FS_PAGE_ISOLATED).  Refused (false) if the zone would
   * drop below min_wmark + 2^order at order 0, unless the block is CMA or
   * ISOLATE typed, as in the kernel. */
  bool (*isolate_free_block)(FsHost *h, uint64_t pfn);
  /* Give an isolated free block (or any remaining piece of one) back to the
   * buddy allocator. */
  void (*release_isolated)(FsHost *h, uint64_t pfn);
  /* Migrate the allocation whose head is src_pfn into isolated free pages at
   * dst_pfn (naturally aligned for the allocation's order, inside an isolated
   * block; the rest of that block stays isolated).  Returns FS_MIGRATE_*. */
  int (*migrate_page)(FsHost *h, uint64_t src_pfn, uint64_t dst_pfn);
  /* alloc_contig_range(): isolate [start, start+nr_pages) (pageblock-aligned
   * ends are handled by isolating whole pageblocks), migrate everything in it
   * elsewhere, and take it whole as one allocation of kind FS_KIND_DEVICE
   * owned by `task`.  mt is the type the blocks return to (CMA or MOVABLE).
   * Returns 0, -FS_EBUSY or -FS_ENOMEM; on success *ret_handle identifies the
   * allocation for free_contig_range. */
  int (*alloc_contig_range)(FsHost *h, uint64_t start_pfn, uint64_t nr_pages, uint32_t mt, uint32_t task,
                            uint64_t *ret_handle);
  void (*free_contig_range)(FsHost *h, uint64_t handle);
  /* drain_all_pages(zone): flush every CPU's pcp lists of the zone to the buddy allocator. */
  void (*drain_all_pages)(FsHost *h, uint32_t zone);
  /* Tell the slow path what direct compaction achieved (FS_COMPACT_*), for
   * should_compact_retry(); called from the FS_STAGE_*COMPACT hooks. */
  void (*report_compact_result)(FsHost *h, int result);
  /* Reclaim one specific LRU allocation (lumpy reclaim's neighbours): returns
   * pages freed, 0 if the page is not on an LRU, not evictable (anon without
   * swap space, pinned), not an LRU page at all, or not freed yet because its
   * write is under way (dirty page cache, or anonymous memory whose write to
   * an async swap device this call may start; see page_writeback); sync
   * waits for the write and frees it. Charges the reclaim cost and counts
   * the page scanned, except an anonymous page with no swap slot while no
   * slot is free: isolate_lru_pages() passes over it without either. */
  uint64_t (*reclaim_pfn)(FsHost *h, uint64_t pfn, bool sync);

  /* ---- grouping by mobility, reserves ---- */
  /* Record one mm_page_alloc_extfrag event (extfrag.csv). */
  void (*trace_extfrag)(FsHost *h, uint64_t pfn, uint32_t alloc_order, uint32_t fallback_order,
                        uint32_t alloc_mt, uint32_t fallback_mt, bool change_ownership);
  /* boost_watermark(zone): raise the zone's watermark_boost by a pageblock
   * (up to watermark_boost_factor of the high watermark) and, if may_wake,
   * mark the zone so the next allocation from it wakes kswapd (which then
   * reclaims the boost and wakes kcompactd via kswapd_done at pageblock
   * order).  Returns false if boosting is off or the zone too small. */
  bool (*boost_watermark)(FsHost *h, uint32_t zone, bool may_wake);
  /* Adjust the zone's nr_reserved_highatomic (pages; the watermark check
   * excludes the reserve for unprivileged callers). */
  void (*highatomic_reserve_add)(FsHost *h, uint32_t zone, int64_t delta_pages);
  /* Reclaimable pages (file LRU, anon LRU when swap has room, reclaimable slab) for compaction_zonelist_suitable(). */
  uint64_t (*reclaimable_pages)(FsHost *h);
  /* Whether kswapd is running (balancing, not napping or asleep). */
  bool (*kswapd_running)(FsHost *h);
  /* The order of a free buddy block headed at pfn, or -1 if pfn heads none
   * (cheap: for scanners walking pfns). */
  int (*buddy_order)(FsHost *h, uint64_t pfn);

  /* ---- appended in ABI 1.2 (check size before calling) ---- */
  /* From a reclaim_tag hook: count `pages` the hook freed (through
   * reclaim_pfn) toward the reclaimer's sc->nr_reclaimed, as the kernel's
   * shrink_page_list() counts lumpy reclaim's neighbours, so the reclaimer
   * stops at its target.  Pages are already in pgsteal_*; outside a
   * reclaim_tag hook the call does nothing. */
  void (*reclaim_credit)(FsHost *h, uint64_t pages);

  /* ---- appended in ABI 1.3 (check size before calling) ---- */
  /* Walking a free list as the kernel's free-list searches do
   * (fast_isolate_freepages, fast_find_migrateblock): the last block of
   * zone/order/mt's list, and the neighbours of the listed free block headed
   * at pfn (next: toward the tail, prev: toward the head).  FS_PFN_NONE at
   * the ends, or if pfn heads no block on a buddy free list. */
  uint64_t (*free_list_last)(FsHost *h, uint32_t zone, uint32_t order, uint32_t mt);
  uint64_t (*free_list_next)(FsHost *h, uint64_t pfn);
  uint64_t (*free_list_prev)(FsHost *h, uint64_t pfn);
  /* Rotate the free list holding the block headed at pfn so that block
   * becomes the list's first entry (the blocks before it move, in order, to
   * the tail): the kernel's move_freelist_head(); move_freelist_tail() is a
   * rotation to the next block.  Returns false if pfn heads no listed block. */
  bool (*free_list_rotate)(FsHost *h, uint64_t pfn);
  /* A zeroed area of `size` bytes that lives as long as the run and is the
   * same for every policy asking with the same key: state the kernel keeps
   * once per zone that several policies share (compact-core's per-zone
   * compaction state, used by compaction and kcompactd alike).  Asking again
   * with another size stops the run with an error. */
  void *(*shared_area)(FsHost *h, const char *key, size_t size);

  /* ---- appended in ABI 1.4 (check size before calling) ---- */
  /* The capture control of direct compaction (5.1+: compact_zone_order()
   * and compaction_capture()).  Between capture_begin and capture_end, the
   * first free whose buddy merge passes through exactly `order` in `zone`
   * stops merging there and goes on no list, unless its pageblock is CMA or
   * ISOLATE, or MOVABLE with order below pageblock_order.  Every free in that
   * window counts (migrated sources, released targets, pcp lists drained):
   * the simulation runs only the compacting task.  capture_page: the block
   * captured so far, or FS_PFN_NONE (compact_zone()'s "stop if a page has
   * been captured").  capture_end clears the control and returns the block
   * (FS_PFN_NONE if none), then owned by the caller as a take_free_block()
   * block is: hand it to the request as FS_STAGE_CAPTURED.  Orders 1..max
   * order - 1 (the merge loop never checks the top order); no nesting. */
  void (*capture_begin)(FsHost *h, uint32_t zone, uint32_t order);
  uint64_t (*capture_page)(FsHost *h);
  uint64_t (*capture_end)(FsHost *h);
  /* drain_local_pages(zone): flush the pcp lists of the zone on the CPU of
   * the task the hook runs for (lru_add_drain_cpu_zone() in compact_zone()),
   * so migrated pages freed there merge.  No drain cost is charged. */
  void (*drain_local_pages)(FsHost *h, uint32_t zone);

  /* ---- appended in ABI 1.5 (check size before calling) ---- */
  /* isolate_migratepages_block()'s per-page test, for compaction in migrate
   * mode `mode` (FS_MIGRATE_MODE_*): whether the allocation headed at pfn
   * would be taken off its LRU for migration.  FS_MIGRATE_OK charges the
   * isolation (cost.isolate_page_ns per page, putback included); otherwise
   * the reason, nothing charged: ENOTHEAD, ECOMPOUND (order > 0 while
   * vm.compaction_large_folios is off: 6.1 skips every compound page),
   * EUNMOVABLE (no LRU or movable-ops page; hugetlb), EPINNED (a pinned page
   * without a mapping: anon; pinned page cache and shmem are isolated and
   * fail in migrate_page), and in MIGRATE_ASYNC (ISOLATE_ASYNC_MIGRATE)
   * EWRITEBACK and EDIRTY (dirty page cache while vm.file_migrate_folio is
   * off).  The order limit (moving an allocation of the requested order
   * cannot help) stays the caller's. */
  int (*isolate_migratable)(FsHost *h, uint64_t pfn, uint32_t mode);

  /* ---- appended in ABI 1.6 (check size before calling) ---- */
  /* The extent of whatever holds pfn, read from the page frames alone (the
   * page's flags and order, as a scanner reads struct page): its state
   * (FsPageState) and the head pfn and order of the free block or
   * allocation it belongs to; a reserved page is its own head at order 0.
   * -1 for a pfn outside memory.  page_info() gives the same extent plus
   * what only the allocation knows (kind, pins, movability) at the cost of
   * reading the allocation: scanners that only step over pages use this. */
  int (*page_extent)(FsHost *h, uint64_t pfn, uint64_t *ret_head_pfn, uint32_t *ret_order);

  /* ---- appended in ABI 1.7 (check size before calling) ---- */
  /* The work charged so far by the hook that is running (its own charge_ns
   * and what the engine's services charged for it: migration, reclaim).  A
   * daemon working in steps (kcompactd) sets its next timer after it, so its
   * work takes simulated time. */
  uint64_t (*charged_ns)(FsHost *h);

  /* ---- appended in ABI 2.1 (check size before calling) ---- */
  /* Whether the allocation holding pfn is under writeback (PG_writeback):
   * page cache being written, or an anonymous page whose write to an async
   * swap device (vm.swap_io=async) reclaim has started.  Such a page is
   * clean and stays until the write ends: reclaim_pfn() returns 0 for it
   * unless sync, which waits for the write.  false for anything else. */
  bool (*page_writeback)(FsHost *h, uint64_t pfn);
} FsHostApi;

/* migrate_page results */
#define FS_MIGRATE_OK 0
#define FS_MIGRATE_EPINNED 1     /* extra references: GUP pin */
#define FS_MIGRATE_EUNMOVABLE 2  /* not an LRU or movable-ops allocation */
#define FS_MIGRATE_ENOTHEAD 3    /* src is not the head of an allocation */
#define FS_MIGRATE_ETARGET 4     /* dst is not isolated free memory that fits */
#define FS_MIGRATE_EWRITEBACK 5  /* under writeback: compaction's migration does not wait for it (ABI 1.2) */
#define FS_MIGRATE_ECOMPOUND 6   /* a compound page compaction does not take (ABI 1.5: isolate_migratable) */
#define FS_MIGRATE_EDIRTY 7      /* dirty page cache without migrate_folio: not migrated outside MIGRATE_SYNC (ABI 1.5) */
/* enum migrate_mode, for isolate_migratable (ABI 1.5) */
#define FS_MIGRATE_MODE_ASYNC 0
#define FS_MIGRATE_MODE_SYNC_LIGHT 1
#define FS_MIGRATE_MODE_SYNC 2
#define FS_EBUSY 16
#define FS_ENOMEM 12

/* compaction results, ordered as enum compact_result */
typedef enum {
  FS_COMPACT_NOT_SUITABLE_ZONE = 0,
  FS_COMPACT_SKIPPED,
  FS_COMPACT_DEFERRED,
  FS_COMPACT_NO_SUITABLE_PAGE,
  FS_COMPACT_CONTINUE,
  FS_COMPACT_COMPLETE,
  FS_COMPACT_PARTIAL_SKIPPED,
  FS_COMPACT_CONTENDED,
  FS_COMPACT_SUCCESS
} FsCompactResult;

/* ---- Hooks ------------------------------------------------------------------ */

/** Boot layout: the engine's proposal, which a policy may adjust before
 * zones are built.  All values are pfns. */
typedef struct {
  uint64_t total_pages;
  uint64_t zone_start[FS_MAX_ZONES];
  uint64_t zone_end[FS_MAX_ZONES];   /* [start, end); empty zone if equal */
  uint32_t pageblock_order;
  uint32_t max_order;
  /* CMA areas a policy declares; pageblock-aligned, inside one zone */
  uint32_t nr_cma_areas;
  uint64_t cma_start[8];
  uint64_t cma_pages[8];
  uint32_t page_size; /* bytes per page, for sizes given in bytes */
} FsBootLayout;

/** Slow-path stages, in the order __alloc_pages_slowpath reaches them. */
typedef enum {
  FS_STAGE_EARLY_COMPACT = 0, /* step 4: before reclaim, costly or unmovable high-order */
  FS_STAGE_DIRECT_RECLAIM,    /* step 7: reclaim (lumpy hooks here) */
  FS_STAGE_AFTER_RECLAIM,     /* step 7: reclaim done but the retry failed (unreserve) */
  FS_STAGE_COMPACT,           /* step 8: direct compaction at compact_priority */
  FS_STAGE_BEFORE_OOM,        /* step 10/13: reclaim retries exhausted (forced unreserve) */
  FS_STAGE_COUNT
} FsStage;

/** What a stage hook did. */
typedef enum {
  FS_STAGE_NOTHING = 0,  /* did not act */
  FS_STAGE_PROGRESS = 1, /* changed the free lists: the engine retries the freelist */
  FS_STAGE_CAPTURED = 2, /* handed back a block of the request's order in *ret_pfn */
  FS_STAGE_SKIPPED = 3,  /* declined on purpose (deferred, not suitable) */
  FS_STAGE_RESULT_MAX = 3
} FsStageResult;

/** A fallback hook's verdict when the requested migratetype's lists were empty. */
#define FS_FALLBACK_NONE UINT64_MAX         /* nothing found: try the next policy / fail */
#define FS_FALLBACK_RETRY (UINT64_MAX - 1)  /* lists changed (block claimed): retry __rmqueue_smallest */

typedef struct FsPolicyOps {
  FsAbi abi;
  const char *name;    /* equals the module's file name */
  const char *summary; /* one line */
  const FsParamSpec *params; /* terminated by an entry with name == NULL; may be NULL */

  /* required */
  void *(*create)(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error);
  void (*destroy)(void *state);

  /* boot */
  void (*boot_layout)(void *state, FsBootLayout *layout);
  /* before boot memory is freed: set initial pageblock types */
  void (*boot_pageblocks)(void *state);
  /* after boot memory is in the buddy allocator */
  void (*boot_done)(void *state);

  /* gfp -> migratetype.  Return 0..FS_MIGRATE_TYPES-1, or -1 to defer to the
   * next policy in the stack. */
  int (*gfp_to_migratetype)(void *state, uint32_t gfp);

  /* __rmqueue: before the requested type's lists are tried.  Return a pfn it
   * took (e.g. from HIGHATOMIC or CMA lists) or FS_PFN_NONE. */
  uint64_t (*rmqueue_prefer)(void *state, uint32_t zone, const FsAllocRequest *req);
  /* __rmqueue_fallback: the requested type's lists were empty.  Return a pfn
   * taken, FS_FALLBACK_RETRY or FS_FALLBACK_NONE. */
  uint64_t (*rmqueue_fallback)(void *state, uint32_t zone, const FsAllocRequest *req);
  /* alloc_flags adjustment on the fast path and in the slow path (e.g. ALLOC_NOFRAGMENT). */
  uint32_t (*alloc_flags)(void *state, const FsAllocRequest *req, bool slowpath);

  /* after a successful allocation from a zone's free lists */
  void (*alloc_done)(void *state, uint32_t zone, uint64_t pfn, const FsAllocRequest *req);
  /* a block was freed to the buddy allocator (after merging) */
  void (*freed)(void *state, uint32_t zone, uint64_t pfn, uint32_t order, uint32_t mt);

  /* slow path */
  FsStageResult (*slowpath_stage)(void *state, FsStage stage, const FsAllocRequest *req,
                                  uint64_t *ret_pfn);

  /* kswapd finished balancing (order it was woken for, highest zone index) */
  void (*kswapd_done)(void *state, uint32_t order, uint32_t highest_zoneidx);

  /* a timer set with timer_add fired */
  void (*timer)(void *state, uint64_t cookie);

  /* ---- appended in ABI 1.0, second group ---- */
  /* Adjust the gfp of a request before it is served (e.g.
   * hugepages_treat_as_movable); kind is FsKind.  Return the gfp to use. */
  uint32_t (*adjust_gfp)(void *state, uint32_t kind, uint32_t gfp);
  /* Reclaim took the LRU page at pfn off an inactive list while reclaiming
   * for an order > 0 request (direct reclaim or kswapd): lumpy reclaim's
   * "tag page".  sync: the second, synchronous pass. */
  void (*reclaim_tag)(void *state, uint64_t pfn, uint32_t order, bool kswapd);
  /* A contiguous request (dma_alloc / cma_alloc) of nr_pages for a device:
   * return 0 and set *ret_handle if served, a negative FS_E* if this policy
   * owns the request but failed it, or 1 to let the next policy (and finally
   * the engine's alloc_contig_pages search) try. */
  int (*contig_request)(void *state, uint64_t nr_pages, uint32_t task, uint64_t *ret_handle);
  /* echo 1 > /proc/sys/vm/compact_memory: compact every zone fully (order -1,
   * synchronous, skip hints ignored).  A workload action. */
  void (*compact_memory)(void *state);

  /* ---- appended in ABI 1.1 ---- */
  /* A workload changed parameter `index` (of this policy's params) while the
   * run goes on, as writing a sysctl does (a phase's `set` key).  value is
   * already parsed and checked against the spec.  Return false if the
   * parameter cannot change at run time (the run stops with an error naming
   * it); without the hook no parameter of the policy can change. */
  bool (*param_changed)(void *state, uint32_t index, const FsParamValue *value);

  /* ---- appended in ABI 1.2 ---- */
  /* compaction_suitable(zone, order, alloc_flags 0, highest_zoneidx) as reclaim
   * asks it (should_continue_reclaim(), compaction_ready()): FS_COMPACT_SUCCESS
   * if the zone already passes its min watermark at the order,
   * FS_COMPACT_CONTINUE if compaction could run now, FS_COMPACT_SKIPPED if it
   * needs more free memory first (or, for costly orders, the fragmentation
   * index says the failure is for lack of memory).  A stack whose policies
   * leave this NULL has no compaction for reclaim to hand over to: reclaim
   * then works as with CONFIG_COMPACTION off. */
  int (*compaction_suitable)(void *state, uint32_t zone, uint32_t order, uint32_t highest_zoneidx);

  /* ---- appended in ABI 1.7 ---- */
  /* wakeup_kswapd() for a request that cannot reclaim directly (no
   * __GFP_DIRECT_RECLAIM) found kswapd asleep and the node balanced at the
   * order, or hopeless (kswapd failed MAX_RECLAIM_RETRIES times): 6.1 wakes
   * kcompactd instead (wakeup_kcompactd()).  order > 0. */
  void (*wakeup_kcompactd)(void *state, uint32_t order, uint32_t highest_zoneidx);
} FsPolicyOps;

/** The one symbol a module exports: fragsim_policy_<name>_get_ops. */
#define FS_POLICY_ENTRY_NAME_(name) fragsim_policy_##name##_get_ops
#define FS_POLICY_ENTRY_NAME(name) FS_POLICY_ENTRY_NAME_(name)
#define FS_POLICY_EXPORT G_MODULE_EXPORT

/* ---- helpers every policy needs (header-only, pure) --------------------------- */

/** The kernel's gfp_migratetype(). */
static inline uint32_t fs_gfp_migratetype(uint32_t gfp) {
  return (gfp & (FS_GFP_RECLAIMABLE | FS_GFP_MOVABLE)) >> 3;
}

/** migratetype_is_mergeable(): only the pcp types merge across pageblocks. */
static inline bool fs_migratetype_is_mergeable(uint32_t mt) { return mt < FS_MIGRATE_PCPTYPES; }

/** Whether an allocation of this kind sits on an LRU list (PageLRU): anon,
 * page cache, THP and shmem (swap-backed: the anon lists).  Pipe buffers,
 * hugetlb pool pages, a module's pages and zsmalloc pages are on none. */
static inline bool fs_kind_on_lru(uint32_t kind) {
  return kind == FS_KIND_ANON || kind == FS_KIND_FILE || kind == FS_KIND_THP || kind == FS_KIND_SHMEM;
}

G_END_DECLS

#endif /* FRAGSIM_POLICY_H */
