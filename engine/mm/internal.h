/* Small helpers shared by the memory model's files and nothing else, as the
 * kernel's mm/internal.h is: not for workloads, results or the command.
 */
#ifndef FS_MM_INTERNAL_H
#define FS_MM_INTERNAL_H

#include "engine/run.h"

/* Pages an allocation spans. */
static inline uint64_t fsi_alloc_nr_pages(const FsiAlloc *a) { return (uint64_t)1 << a->order; }

/* RSS as the OOM killer's badness sees it: user memory and page tables;
 * page cache and slab outlive the process. */
static inline bool fsi_kind_counts_as_rss(uint32_t kind) {
  return kind == FS_KIND_ANON || kind == FS_KIND_THP || kind == FS_KIND_PAGETABLE || kind == FS_KIND_KERNEL_STACK;
}

/* Pages in a block of this order. */
static inline uint64_t fsi_pages_of_order(uint32_t order) { return (uint64_t)1 << order; }

/* MIGRATE_TRIES: __alloc_contig_migrate_range gives up after 5 tries on the
 * same pages; offline_pages (which would retry until a signal) gets as many
 * rounds. */
#define FSI_MIGRATE_TRIES 5

/* ---- page frames and free ranges (migrate.c) ---- */

/* The head of the isolated or allocated block (flag) covering pfn, or FS_PFN_NONE. */
uint64_t fsi_block_head_with(const FsiMem *m, uint64_t pfn, uint8_t flag);
/* Frees a block into the buddy allocator with the list type of its pageblock. */
void fsi_free_pages_pb(FsiMem *m, uint64_t pfn, uint32_t order, bool to_tail);
/* The largest order a block at pfn may have without passing end. */
uint32_t fsi_aligned_order(const FsiMem *m, uint64_t pfn, uint64_t end);
/* Frees [start, end) into the buddy allocator in aligned blocks. */
void fsi_free_range(FsiMem *m, uint64_t start, uint64_t end, bool to_tail);
/* Whether the allocation's kind can be migrated at all. */
bool fsi_kind_migratable(const FsiAlloc *a);

/* ---- range isolation (page_isolation.c), shared with memory_hotplug.c ---- */

typedef struct {
  uint64_t start, end;             /* the caller's range */
  uint64_t block_start, block_end; /* the pageblocks overlapping it */
  uint32_t zone;
  uint32_t nblocks;
  uint8_t *old_mt;                 /* per pageblock, restored by the undo */
} FsiIsoRange;

bool fsi_iso_range_init(FsiRun *run, FsiIsoRange *ir, uint64_t start_pfn, uint64_t nr_pages);
void fsi_iso_range_clear(FsiIsoRange *ir);
bool fsi_has_unmovable_pages(FsiRun *run, uint64_t block_pfn, uint32_t zone, uint32_t caller_mt);
int fsi_isolate_range(FsiRun *run, FsiIsoRange *ir, uint32_t caller_mt);
void fsi_undo_isolate_range(FsiRun *run, FsiIsoRange *ir);
bool fsi_test_pages_isolated(FsiRun *run, uint64_t start, uint64_t end);
void fsi_take_range(FsiRun *run, uint64_t start, uint64_t end);

#endif
