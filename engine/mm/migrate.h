/* Isolated free pages and migration (mm/migrate.c): the primitives
 * compaction, CMA and memory offline are built from (reference §6.4, §7.5-7.6).
 *
 * Owns: taking free blocks off the lists (__isolate_free_page) and giving
 * them back, and moving an allocation to other page frames (migrate_pages:
 * the object keeps its id and handle; only its pfn changes, as rmap updates
 * the page tables).  Does not own the decisions of which page to move where:
 * those are the policies' (compaction's scanners, CMA).
 */
#ifndef FS_MM_MIGRATE_H
#define FS_MM_MIGRATE_H

#include "engine/run.h"

/* __isolate_free_page(): pfn must head a free buddy block.  With
 * check_watermark the zone must stay above min_wmark + 2^order (order-0
 * check with ALLOC_CMA) unless the block is CMA or ISOLATE typed. */
bool fsi_isolate_free_block(FsiRun *run, uint64_t pfn, bool check_watermark);
/* Frees an isolated block, or the isolated piece headed at pfn, back to buddy. */
void fsi_release_isolated(FsiRun *run, uint64_t pfn);
/* isolate_migratepages_block()'s test of the allocation headed at pfn for
 * compaction in migrate mode (FS_MIGRATE_MODE_*): FS_MIGRATE_OK (isolation
 * charged) or why not.  See FsHostApi.isolate_migratable. */
int fsi_isolate_migratable(FsiRun *run, uint64_t pfn, uint32_t mode);
/* Moves the allocation headed at src_pfn into isolated free pages at dst_pfn. FS_MIGRATE_*. */
int fsi_migrate_page(FsiRun *run, uint64_t src_pfn, uint64_t dst_pfn);
/* Moves the allocation headed at src_pfn to a block taken from the free lists
 * (alloc_migration_target: a movable request at the min watermark; pages on
 * ISOLATE lists are never chosen).  FS_MIGRATE_* or FS_ENOMEM. */
int fsi_migrate_away(FsiRun *run, uint64_t src_pfn);
/* Whether migration could move this allocation (movable kind, not pinned, resident). */
bool fsi_alloc_migratable(const FsiRun *run, const FsiAlloc *a);

#endif
