/* The memory model of one node (the kernel's include/linux/mmzone.h): page
 * frames, pageblocks, zones and their buddy free lists, watermarks, and the
 * declarations of the buddy mechanics (page_alloc.c), boot set-up
 * (mm_init.c) and fragmentation metrics (vmstat.c) that work on it.
 *
 * Those functions take an FsiMem, never a run, and call no plugin, so the
 * buddy model is unit-testable alone.  Policy decisions (which list to fall
 * back to, when to claim a pageblock) are in the plugins, reached through
 * the allocator half of page_alloc.c.
 *
 * A page frame is 16 bytes.  Free lists are intrusive doubly-linked lists
 * through 32-bit page indices (pfns), so up to 2^32 pages (16 TiB of 4 KiB
 * pages) per node.
 */
#ifndef FS_MM_MMZONE_H
#define FS_MM_MMZONE_H

#include <fragsim/policy.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FSI_NIL UINT32_MAX

/* page flags */
enum {
  FSI_PG_BUDDY = 0x01,    /* head of a free block on a buddy free list */
  FSI_PG_ALLOC = 0x02,    /* part of an allocation */
  FSI_PG_HEAD = 0x04,     /* head page of an allocation */
  FSI_PG_RESERVED = 0x08, /* never given to the buddy allocator */
  FSI_PG_PCP = 0x10,      /* head of a block on a per-CPU list */
  FSI_PG_ISOLATED = 0x20, /* free block taken off the lists by an isolator */
  FSI_PG_OFFLINE = 0x40,  /* with RESERVED: retired by offline_pages, may be onlined */
};

/* 16 bytes.  For a free head: next/prev link the free list, order, mt is the
 * list it is on.  Free tail pages have flags == 0.  Allocated pages (head and
 * tails) carry the allocation id so any pfn finds its owner (rmap). */
typedef struct {
  uint32_t next, prev;
  uint32_t alloc;
  uint8_t order;
  uint8_t flags;
  uint8_t mt;
  uint8_t spare;
} FsiPage;

/* Per pageblock: the kernel's 4 pageblock bits, plus the census of allocated
 * pages by their allocation migratetype that /proc/pagetypeinfo's mixed-block
 * count needs (page_owner's view). */
typedef struct {
  uint8_t mt;
  uint8_t skip;
  uint16_t nr_alloc[FS_MIGRATE_PCPTYPES];
  uint16_t nr_reserved;
} FsiPageblock;

typedef struct {
  uint32_t head[FS_MIGRATE_TYPES];
  uint32_t tail[FS_MIGRATE_TYPES];
  uint64_t count[FS_MIGRATE_TYPES];
  uint64_t nr_free; /* blocks at this order on all lists */
} FsiFreeArea;

enum { FSI_WMARK_MIN = 0, FSI_WMARK_LOW = 1, FSI_WMARK_HIGH = 2 };

typedef struct {
  char name[8];
  uint32_t idx;
  uint64_t start_pfn, end_pfn; /* spanned [start, end) */
  uint64_t present_pages, managed_pages;
  uint64_t wmark[3]; /* without boost */
  uint64_t watermark_boost;
  uint64_t lowmem_reserve[FS_MAX_ZONES];
  FsiFreeArea free_area[FS_NR_ORDERS];
  uint64_t nr_free_pages; /* NR_FREE_PAGES: excludes ISOLATE lists */
  uint64_t nr_free_cma;
  uint64_t nr_free_highatomic;
  uint64_t nr_reserved_highatomic;
  bool boosted_wake; /* ZONE_BOOSTED_WATERMARK: wake kswapd after the next allocation */
} FsiZone;

#define FSI_MAX_RESERVED_RANGES 16

typedef struct {
  uint64_t total_pages;
  uint32_t page_size;
  uint32_t max_order;       /* <= FS_MAX_ORDER */
  uint32_t pageblock_order; /* <= max_order */
  uint64_t zone_start[FS_MAX_ZONES], zone_end[FS_MAX_ZONES];
  /* the machine has ZONE_HIGHMEM (machine.lowmem_limit): a 32-bit kernel,
   * whose ZONE_MOVABLE is then carved from HighMem and counts as highmem
   * too (is_highmem_idx(): movable_zone == ZONE_HIGHMEM) */
  bool highmem;
  uint64_t reserved_low_pages;   /* firmware/low memory kept out of the buddy */
  uint64_t memmap_pages;         /* struct page array, reserved at the top */
  /* machine.reserved: further reserved pfn ranges [start, end), e.g. the
   * kernel image and the memmap where a real boot put them */
  uint32_t nr_reserved_ranges;
  uint64_t reserved_start[FSI_MAX_RESERVED_RANGES], reserved_end[FSI_MAX_RESERVED_RANGES];
  uint32_t watermark_scale_factor;
  int64_t min_free_kbytes;       /* < 0: calculate_min_free_kbytes() */
  uint32_t lowmem_reserve_ratio[FS_MAX_ZONES];
  /* vm.lowmem_reserve: explicit protection arrays (a kernel's zoneinfo),
   * used instead of the ratio formula when set */
  bool lowmem_reserve_given;
  uint64_t lowmem_reserve[FS_MAX_ZONES][FS_MAX_ZONES];
  bool old_watermark_check;      /* <= 4.3 per-order discounting */
} FsiMemConfig;

/* --check's log of the page frames the current event wrote (debug_vm.c):
 * ranges of pfns, checked locally after the event and then emptied. */
typedef struct {
  struct FsiTouch {
    uint64_t pfn, n;
  } *v;
  size_t len, cap;
  bool overflow; /* too many for one event: the run sweeps everything instead */
} FsiTouchLog;

typedef struct {
  FsiMemConfig cfg;
  uint64_t nr_pages;
  FsiPage *pages;
  uint64_t nr_blocks;
  FsiPageblock *blocks;
  uint32_t max_order, pageblock_order;
  uint64_t pageblock_nr_pages;
  uint32_t nr_zones; /* highest populated index + 1 */
  FsiZone zones[FS_MAX_ZONES];
  uint64_t min_free_kbytes;
  /* Whether an allocation counts toward move_freepages_block's movable_pages
   * (PageLRU or __PageMovable); set by the run, which knows allocations. */
  bool (*alloc_movable)(void *ctx, uint32_t alloc);
  void *alloc_movable_ctx;
  uint64_t buddy_ops; /* list operations, splits and merges: the cost model's unit */
  /* vm.free_list_type=allocation: a freed block joins the list of the type
   * its freed page was allocated as, not its pageblock's (v22's PG_easyrclm) */
  bool free_by_alloc_type;
  /* struct capture_control of the task in direct compaction (5.1+): while
   * `active`, the first free whose merge reaches exactly `order` in `zone`
   * (and passes compaction_capture()'s type rules) stops there, goes on no
   * list and is handed over in `page`.  The simulation runs one task at a
   * time, so every free while active is in the compacting task's context. */
  struct {
    bool active;
    uint32_t zone, order;
    uint64_t page; /* FS_PFN_NONE until a block is captured */
  } capc;
  FsiTouchLog *touched; /* with --check: what this event wrote; NULL otherwise */
} FsiMem;

/* Builds page frames and zones; all pages start reserved until boot frees them. */
void fsi_mem_init(FsiMem *m, const FsiMemConfig *cfg);
void fsi_mem_destroy(FsiMem *m);
/* Frees every non-reserved page into the buddy allocator in max_order blocks
 * (as memblock_free_all does), pageblock types as already set. */
void fsi_mem_boot_free(FsiMem *m);
/* min_free_kbytes, per-zone watermarks, lowmem_reserve. */
void fsi_mem_setup_watermarks(FsiMem *m);
uint64_t fsi_calculate_min_free_kbytes(uint64_t lowmem_kbytes);
uint64_t fsi_int_sqrt(uint64_t x);

static inline uint32_t fsi_pfn_zone(const FsiMem *m, uint64_t pfn) {
  for (uint32_t z = 0; z < m->nr_zones; z++)
    if (pfn >= m->zones[z].start_pfn && pfn < m->zones[z].end_pfn) return z;
  return FSI_NIL;
}
/* Records that [pfn, pfn + n) had its frames or list links written, for
 * --check's local pass; one predicted branch when not checking. */
void fsi_touch_slow(FsiMem *m, uint64_t pfn, uint64_t n);
static inline void fsi_touch(FsiMem *m, uint64_t pfn, uint64_t n) {
  if (__builtin_expect(m->touched != NULL, 0)) fsi_touch_slow(m, pfn, n);
}
static inline bool fsi_zone_populated(const FsiZone *z) { return z->managed_pages > 0; }
/* is_highmem_idx(): ZONE_HIGHMEM, and ZONE_MOVABLE on a machine with HighMem */
static inline bool fsi_zone_is_highmem(const FsiMem *m, uint32_t zone) {
  return m->cfg.highmem && (zone == FS_ZONE_HIGHMEM || zone == FS_ZONE_MOVABLE);
}
static inline FsiPageblock *fsi_pageblock(FsiMem *m, uint64_t pfn) {
  return &m->blocks[pfn >> m->pageblock_order];
}
static inline uint32_t fsi_get_pageblock_mt(const FsiMem *m, uint64_t pfn) {
  return m->blocks[pfn >> m->pageblock_order].mt;
}
void fsi_set_pageblock_mt(FsiMem *m, uint64_t pfn, uint32_t mt);
/* The list a freed block joins: its pageblock's type, or with
 * vm.free_list_type=allocation the type it was allocated as (HIGHATOMIC,
 * CMA and isolated pageblocks keep their own either way). */
static inline uint32_t fsi_free_list_mt(const FsiMem *m, uint64_t pfn, uint32_t alloc_mt) {
  uint32_t mt = fsi_get_pageblock_mt(m, pfn);
  if (!m->free_by_alloc_type || mt >= FS_MIGRATE_PCPTYPES || alloc_mt >= FS_MIGRATE_PCPTYPES) return mt;
  return alloc_mt;
}
static inline uint64_t fsi_wmark(const FsiZone *z, int which) { return z->wmark[which] + z->watermark_boost; }

/* Buddy mechanics. */
uint64_t fsi_rmqueue_smallest(FsiMem *m, uint32_t zone, uint32_t order, uint32_t mt);
/* Takes the free block headed at pfn off its list and expands it down to
 * `order`, upper halves onto expand_mt's lists. */
bool fsi_take_free_block(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t expand_mt);
/* __free_one_page: merges and inserts; returns the head pfn of the merged block. */
/* Returns the merged block's head, or FS_PFN_NONE if the capture control took it (m->capc). */
uint64_t fsi_free_one_page(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t mt, uint32_t *ret_order);
/* The same with FPI_TO_TAIL (boot memory, returned isolated pages). */
uint64_t fsi_free_one_page_fpi(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t mt, bool to_tail, uint32_t *ret_order);
bool fsi_move_free_block(FsiMem *m, uint64_t pfn, uint32_t mt);
bool fsi_move_freepages_block(FsiMem *m, uint64_t pfn, uint32_t mt, uint64_t *ret_free, uint64_t *ret_movable);

/* Allocation bookkeeping on page frames. alloc_mt: gfp_migratetype() of the owner. */
void fsi_mark_allocated(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t alloc_id, uint32_t alloc_mt);
void fsi_mark_unallocated(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t alloc_mt);

/* The watermark check, modern (4.4+) or pre-4.4 per cfg. free = NR_FREE_PAGES. */
bool fsi_zone_watermark_ok(const FsiMem *m, uint32_t zone, uint32_t order, uint64_t mark,
                           uint32_t highest_zoneidx, uint32_t alloc_flags, int64_t free_pages);

/* mm/vmstat.c fragmentation metrics over nr_free[0..max_order]. */
typedef struct {
  uint64_t free_pages;
  uint64_t free_blocks_total;
  uint64_t free_blocks_suitable;
} FsiContigInfo;
void fsi_fill_contig_page_info(const uint64_t *nr_free, uint32_t max_order, uint32_t order, FsiContigInfo *ret);
int fsi_fragmentation_index(const uint64_t *nr_free, uint32_t max_order, uint32_t order); /* -1000..1000 */
int fsi_unusable_free_index(const uint64_t *nr_free, uint32_t max_order, uint32_t order); /* 0..1000 */
int fsi_extfrag_for_order(const uint64_t *nr_free, uint32_t max_order, uint32_t order); /* 0..100 */
void fsi_zone_nr_free(const FsiMem *m, uint32_t zone, uint64_t *ret_nr_free /* [FS_NR_ORDERS] */);

/* Pageblock census: blocks of each type, mixed blocks per type (pagetypeinfo
 * formula), blocks holding any unmovable or reclaimable allocation. */
typedef struct {
  uint64_t blocks[FS_MIGRATE_TYPES];
  uint64_t mixed[FS_MIGRATE_TYPES];
  uint64_t mixed_total;
  uint64_t polluted; /* contain an UNMOVABLE or RECLAIMABLE allocation */
} FsiBlockCensus;
void fsi_block_census(const FsiMem *m, uint32_t zone, FsiBlockCensus *ret);

#endif
