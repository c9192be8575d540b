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
 * fast_isolate_freepages, fast_isolate_around), capture (the engine's
 * capture control) and the local pcp drain when the migration scanner
 * leaves a cc->order-aligned block (migrated pages are freed through the
 * pcp lists, vm.migrate_free_pcp).
 * What it leaves out: the async free-scanner stride, lock contention and need_resched aborts, the
 * "too many isolated" throttle.
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
  bool rescan;               /* parameter: 5.1+ rescan rule (cc->rescan, last_migrated_pfn) */
  bool fast_find_refused;    /* parameter: 6.1's block-start skip check refuses the fast-found block */
  bool trace;                /* parameter: one "trace:" line on stderr per compact_zone() (fsc_trace) */
  bool drain_block;          /* 3.19+: drain the local pcp lists when the migration scanner leaves a cc->order block */
  bool v2635;                /* 2.6.35's room test, free targets and compact_finished() (compaction.era) */
  bool has_extent;           /* the engine has page_extent() (ABI 1.6) */
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
  bool capture;              /* capture_control: take the first block a free merges to exactly the order (direct only) */
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
  bool rescan;               /* cc->rescan: this round continues the block the last one migrated from */
  /* results */
  uint64_t captured_pfn;     /* FS_PFN_NONE unless captured */
  uint64_t migrate_scanned, free_scanned, isolated, migrated, migrate_failed;
  uint64_t fast_scanned, fast_isolated, fast_hits, fast_calls; /* fast_isolate_freepages()'s share (the trace) */
  uint64_t unmoved;          /* isolated for migration, not migrated: the kernel trace's nr_failed */
  bool suitable_by_fragindex_failed; /* compaction_suitable refused on the fragmentation index */
  /* compact_zone()'s loop state, kept here between the rounds (fsc_compact_zone_step) */
  uint64_t start_migrate_pfn, start_free_pfn; /* where the scanners started (the trace) */
  uint64_t last_migrated_pfn; /* last_migrated_pfn: the rescan rule and check_drain (0: none) */
  bool capturing;            /* the capture control is set (capture_begin was called) */
  bool drain;                /* check_drain drains this CPU's pcp lists (drain_block) */
  bool undrained;            /* pages migrated since the last drain */
  uint64_t charged_scanned;  /* scanned pfns already charged (fsc_compact_zone_step) */
} FscControl;

/** Sets up the core: geometry from the host; params as the policy parsed them. */
void fsc_init(FscCore *c, const FsHostApi *api, FsHost *host, uint64_t scan_ns, int extfrag_threshold,
              bool nogroup_targets);
/** The 5.1+ fast searches on or off, and the per-zone state shared through
 * the host or kept by this policy alone; before fsc_boot_done(). */
void fsc_set_search(FscCore *c, bool fast_search, bool shared_state);
/** The 5.1+ rescan rule on or off (the policies' rescan parameter): a
 * migration round that continues the block the previous round migrated from
 * isolates the rest of the block at once and, having reached its end, moves
 * the cached migration pfn past it (and marks it skip when the round
 * started at the block's first pfn), even though it isolated pages. */
void fsc_set_rescan(FscCore *c, bool rescan);
/** 6.1's isolate_migratepages_block() checks the skip bit where a block
 * starts, and fast_find_migrateblock() has just set it on the block it
 * found: the block is refused (no isolation), the cached migration pfn moves
 * past it and the linear scan resumes after it.  Off: the found block is
 * scanned, as the fast search intends. */
void fsc_set_fast_find_refused(FscCore *c, bool refused);
/** The per-run trace on or off (the policies' trace parameter). */
void fsc_set_trace(FscCore *c, bool trace);
/** The kernel's name of a compaction status (compaction_status_string). */
const char *fsc_status_name(int status);
/** The kernel's name of a compact priority (COMPACT_PRIO_*). */
const char *fsc_prio_name(int prio);
/** One "trace:" line on stderr when the trace is on: "trace: t=NS EVENT key=value...",
 * EVENT and the rest as the caller formats them.  Deterministic (virtual time only). */
void fsc_trace(FscCore *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
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
 * the loop (compact_finished, the rescan rule, one isolate_migratepages
 * block, its migrate_pages batch, check_drain, the capture test) and returns
 * FS_COMPACT_CONTINUE while there is more to do; end releases the free pages
 * still isolated, ends the capture and returns the final result (a captured
 * block is success) after the trace line.  The loop's state lives in cc;
 * between the steps the isolated free pages stay in c->freepages: c serves
 * one compact_zone() at a time. */
FsCompactResult fsc_compact_zone_begin(FscCore *c, FscControl *cc);
FsCompactResult fsc_compact_zone_step(FscCore *c, FscControl *cc);
FsCompactResult fsc_compact_zone_end(FscCore *c, FscControl *cc, FsCompactResult ret);

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

/* Parameter specs both compaction policies share (direct compaction and kcompactd
 * run the same compact_zone(), so they take the same switches).  Each expands to
 * one designated initializer of an FsParamSpec array indexed by the given enum. */
#define FSC_PARAM_FAST_SEARCH(idx)                                                                        \
  [idx] = {.name = "fast_search",                                                                         \
           .type = FS_PARAM_BOOL,                                                                         \
           .default_value = "true",                                                                       \
           .help = "the 5.1+ free-list searches fast_isolate_freepages() and "                            \
                   "fast_find_migrateblock() before the linear scanners; false: linear only (<= 5.0)",    \
           .min = 1,                                                                                      \
           .max = 0}
#define FSC_PARAM_SHARED_STATE(idx)                                                                       \
  [idx] = {.name = "shared_state",                                                                        \
           .type = FS_PARAM_BOOL,                                                                         \
           .default_value = "true",                                                                       \
           .help = "one compaction state per zone (cached pfns, deferral, blockskip flush) for "          \
                   "direct compaction and kcompactd, as struct zone keeps it; false: one per policy",     \
           .min = 1,                                                                                      \
           .max = 0}
#define FSC_PARAM_RESCAN(idx)                                                                             \
  [idx] = {.name = "rescan",                                                                              \
           .type = FS_PARAM_BOOL,                                                                         \
           .default_value = "false",                                                                      \
           .help = "5.1+ (on in the linux-5.9, 6.1 and 6.15 stacks): a migration round continuing the "  \
                   "block the last round migrated from takes the rest of the block and moves the cached " \
                   "migration pfn past it; false: only blocks where nothing was isolated are passed",     \
           .min = 1,                                                                                      \
           .max = 0}
#define FSC_PARAM_FAST_FIND_REFUSED(idx)                                                                  \
  [idx] = {.name = "fast_find_refused",                                                                   \
           .type = FS_PARAM_BOOL,                                                                         \
           .default_value = "false",                                                                      \
           .help = "6.1 (on in the linux-6.1 stack; mainline fixed it in 2023): the block "               \
                   "fast_find_migrateblock() found and marked skip is refused by "                        \
                   "isolate_migratepages_block()'s skip check; the linear scan resumes after it.  "       \
                   "false: the found block is scanned",                                                   \
           .min = 1,                                                                                      \
           .max = 0}
#define FSC_PARAM_TRACE(idx)                                                                              \
  [idx] = {.name = "trace",                                                                               \
           .type = FS_PARAM_BOOL,                                                                         \
           .default_value = "false",                                                                      \
           .help = "write one 'trace:' line on stderr per compaction run"                                 \
                   " (docs/policies.md, 'The compaction trace'); off costs nothing",                      \
           .min = 1,                                                                                      \
           .max = 0}

#endif
