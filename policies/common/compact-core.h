/* compact-core: memory compaction (mm/compaction.c) as the compaction and
 * kcompactd policies share it.
 *
 * Not a library: each of the two modules compiles its own copy.  The
 * per-zone state (cached scanner positions, deferral, compact_blockskip_flush)
 * is kept once per zone for direct compaction and kcompactd alike, as the
 * kernel keeps it in struct zone: in a host shared area both copies find by
 * name (shared_state parameter; off gives each policy its own copy, the old
 * model).  Skip bits and free lists live in the engine.  Everything here goes
 * through the host table; nothing is global.
 *
 * What it owns: compact_zone() with its migration scanner (low -> high pfn,
 * a pageblock at a time) and free scanner (high -> low pfn), compact_finished,
 * compaction_suitable with the fragmentation index, deferral, skip bits and
 * cached pfns, the 5.1+ fast searches (fast_find_migrateblock,
 * fast_isolate_freepages, fast_isolate_around) and the approximated capture.
 * What it leaves out: the async free-scanner stride, lock contention and need_resched aborts, the
 * "too many isolated" throttle, and draining per-CPU lists between
 * order-aligned blocks (the engine frees migrated pages straight to the
 * buddy lists, so migration itself never leaves pages on them).
 */
#ifndef FS_POLICIES_COMPACT_CORE_H
#define FS_POLICIES_COMPACT_CORE_H

#include <fragsim/policy.h>

/* PAGE_ALLOC_COSTLY_ORDER.  The engine's vm.costly_order is not visible to
 * policies; the kernel constant is 3 in every version. */
#define FSC_COSTLY_ORDER 3u
/* COMPACT_MAX_DEFER_SHIFT */
#define FSC_MAX_DEFER_SHIFT 6u
/* COMPACT_CLUSTER_MAX = SWAP_CLUSTER_MAX: pages isolated per migration round */
#define FSC_CLUSTER_MAX 32u

/* enum compact_priority: lower is harder */
enum { FSC_PRIO_SYNC_FULL = 0, FSC_PRIO_SYNC_LIGHT = 1, FSC_PRIO_ASYNC = 2 };

/* enum migrate_mode */
typedef enum { FSC_MODE_ASYNC = 0, FSC_MODE_SYNC_LIGHT, FSC_MODE_SYNC } FscMode;

/* The per-zone compaction state of struct zone. */
typedef struct {
  uint64_t cached_migrate_pfn[2]; /* compact_cached_migrate_pfn[0] async, [1] sync */
  uint64_t cached_free_pfn;       /* compact_cached_free_pfn */
  uint32_t considered;            /* compact_considered */
  uint32_t defer_shift;           /* compact_defer_shift */
  uint32_t order_failed;          /* compact_order_failed */
  bool blockskip_flush;           /* compact_blockskip_flush */
  uint64_t init_migrate_pfn;      /* compact_init_migrate_pfn (0 until the first reset, as in the kernel) */
  uint64_t init_free_pfn;         /* compact_init_free_pfn */
} FscZone;

/* An isolated free piece: the free scanner's compaction_alloc() targets. */
typedef struct {
  uint64_t pfn;
  uint32_t order;
} FscPiece;

typedef struct {
  const FsHostApi *api;
  FsHost *host;
  uint32_t nr_zones, pageblock_order, max_order;
  uint64_t pageblock_nr_pages;
  uint64_t scan_ns;          /* cost of one pfn looked at by a scanner */
  int extfrag_threshold;     /* sysctl_extfrag_threshold */
  bool nogroup_targets;      /* parameter: see fsc_boot_done() */
  bool grouping_disabled;    /* no MOVABLE pageblock at boot */
  bool fast_search;          /* parameter: the 5.1+ free-list searches */
  bool shared_state;         /* parameter: one FscZone per zone for every policy (the kernel's struct zone) */
  /* The per-zone state: the host's shared area "compact-core/zones" when
   * shared_state (so compaction and kcompactd see one state per zone, as the
   * kernel keeps it in struct zone), else own_zone. */
  FscZone *zone;
  FscZone own_zone[FS_MAX_ZONES];
  GArray *freepages;         /* FscPiece, isolated by the free scanner */
  GArray *migratepages;      /* uint64_t head pfns, chosen by the migration scanner */
} FscCore;

/* struct compact_control: one compact_zone() call. */
typedef struct {
  /* set by the caller */
  int order;                 /* -1: whole zone (manual, proactive) */
  uint32_t zone;
  uint32_t migratetype;      /* the free lists the request is served from */
  uint32_t alloc_flags;
  uint32_t highest_zoneidx;
  FscMode mode;
  bool direct;               /* direct_compaction (the async same-type source rule) */
  bool whole_zone;
  bool ignore_skip_hint;
  bool ignore_block_suitable;
  bool proactive;            /* proactive_compaction: stop at proactive_low */
  bool capture;              /* take a block of the order when one appears */
  int proactive_low;         /* score at which proactive compaction stops */
  /* scanner state */
  uint64_t zone_start, zone_end;
  uint64_t migrate_pfn, free_pfn;
  bool contended;            /* the free scanner was refused by the watermark */
  /* the fast searches (5.1+) */
  uint32_t fast_search_fail; /* fast_search_fail: shortens freelist_scan_limit() */
  int search_order;          /* search_order: where fast_isolate_freepages() starts */
  uint64_t fast_start_pfn;   /* fast_start_pfn: lowest block the fast migrate search found */
  uint64_t nr_migratepages;  /* pages isolated for migration in this round (fast_isolate_around) */
  /* results */
  uint64_t captured_pfn;     /* FS_PFN_NONE unless captured */
  uint64_t migrate_scanned, free_scanned, isolated, migrated, migrate_failed;
  bool suitable_by_fragindex_failed; /* compaction_suitable refused on the fragmentation index */
  uint64_t charged_scanned;  /* scanned pfns already charged (fsc_compact_zone_step) */
} FscControl;

/** Sets up the core: geometry from the host; params as the policy parsed them. */
void fsc_init(FscCore *c, const FsHostApi *api, FsHost *host, uint64_t scan_ns, int extfrag_threshold,
              bool nogroup_targets);
/** The 5.1+ fast searches on or off, and the per-zone state shared through
 * the host or kept by this policy alone; before fsc_boot_done(). */
void fsc_set_search(FscCore *c, bool fast_search, bool shared_state);
void fsc_clear(FscCore *c);
/** boot_done: zone bounds for the cached pfns, and whether grouping is disabled. */
void fsc_boot_done(FscCore *c);

/** A compact_control with the defaults for zone and order; fields as the caller then sets them. */
void fsc_control_init(FscCore *c, FscControl *cc, uint32_t zone, int order);

/** compact_zone(): returns an FsCompactResult.  It is begin, steps until
 * one returns something else than FS_COMPACT_CONTINUE, and end. */
FsCompactResult fsc_compact_zone(FscCore *c, FscControl *cc);
/** compact_zone() in rounds, for a caller whose work takes time between
 * them (kcompactd): begin returns FS_COMPACT_CONTINUE if the loop is to run
 * (else the result, and there is nothing to end); each step is one round of
 * the loop (compact_finished, one isolate_migratepages block, its
 * migrate_pages batch, capture) and returns FS_COMPACT_CONTINUE while there
 * is more to do; end releases the free pages still isolated.  Between the
 * steps the isolated free pages stay in c->freepages: c serves one
 * compact_zone() at a time. */
FsCompactResult fsc_compact_zone_begin(FscCore *c, FscControl *cc);
FsCompactResult fsc_compact_zone_step(FscCore *c, FscControl *cc);
void fsc_compact_zone_end(FscCore *c, FscControl *cc);

/* mm/vmstat.c, from nr_free of every order (all migratetypes) */
int fsc_fragmentation_index(FscCore *c, uint32_t zone, uint32_t order);
int fsc_extfrag_for_order(FscCore *c, uint32_t zone, uint32_t order);

/** compaction_suitable(): the order-0 watermark plus compact_gap(order),
 * then the fragmentation index for costly orders.  *ret_fragindex (nullable)
 * tells which test refused. */
bool fsc_compaction_suitable(FscCore *c, uint32_t zone, uint32_t order, uint32_t highest_zoneidx,
                             bool *ret_fragindex);
/** compaction_suit_allocation_order(): SUCCESS if the zone already passes the
 * order's watermark, SKIPPED if not suitable, else CONTINUE. */
FsCompactResult fsc_suit_allocation_order(FscCore *c, uint32_t zone, uint32_t order, uint32_t highest_zoneidx,
                                          uint32_t alloc_flags);

/* deferral (§7.8) */
void fsc_defer_compaction(FscCore *c, uint32_t zone, uint32_t order);
bool fsc_compaction_deferred(FscCore *c, uint32_t zone, uint32_t order);
void fsc_defer_reset(FscCore *c, uint32_t zone, uint32_t order, bool alloc_success);

/** __reset_isolation_suitable(): clear the zone's skip bits, rewind the cached pfns. */
void fsc_reset_isolation_suitable_zone(FscCore *c, uint32_t zone);
/** reset_isolation_suitable(): for every zone whose blockskip_flush is set (kswapd going to sleep). */
void fsc_reset_isolation_suitable(FscCore *c);

/** The watermark that alloc_flags select, from zone_info. */
uint64_t fsc_wmark(const FsZoneInfo *zi, uint32_t alloc_flags);

#endif
