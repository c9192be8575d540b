/* Per-CPU page lists (reference §1.5).  A CPU is the owning task modulo the
 * number of CPUs; kswapd and engine-internal frees use CPU 0. */
#ifndef FS_PCP_H
#define FS_PCP_H

#include "engine/run.h"

void fsi_pcp_init(FsiRun *run); /* after watermarks are set up */
void fsi_pcp_destroy(FsiRun *run);
bool fsi_pcp_allowed_order(const FsiRun *run, uint32_t order);
/* rmqueue_pcplist(): FS_PFN_NONE if the list is empty and cannot be refilled. */
uint64_t fsi_pcp_alloc(FsiRun *run, uint32_t zone, const FsAllocRequest *req);
/* free_unref_page(): false if the block must go straight to the buddy allocator. */
bool fsi_pcp_free(FsiRun *run, uint64_t pfn, uint32_t order, uint32_t task, uint32_t alloc_mt);
/* drain_all_pages(zone): every CPU's lists of the zone back to buddy. */
void fsi_pcp_drain_zone(FsiRun *run, uint32_t zone);
/* put_page() of a migrated page's old frames: onto the current task's CPU's
 * lists when vm.migrate_free_pcp and the order is cached (false: the caller
 * frees them to the buddy lists). */
bool fsi_pcp_free_migrated(FsiRun *run, uint64_t pfn, uint32_t order);
/* drain_local_pages(zone): flush only `task`'s CPU's lists of the zone (no
 * work items, no drain cost: the caller runs on that CPU). */
void fsi_pcp_drain_local(FsiRun *run, uint32_t task, uint32_t zone);
uint64_t fsi_pcp_count(const FsiRun *run, uint32_t zone);
/* Pages on one CPU's lists of zone z. */
uint64_t fsi_pcp_cpu_count(const FsiRun *run, uint32_t cpu, uint32_t zone);
bool fsi_pcp_check(FsiRun *run, GError **error);
/* --check's local pass: the pcp block headed at pfn has the order of its
 * list and is linked both ways (its list's head or tail where it ends one). */
bool fsi_pcp_check_block(FsiRun *run, uint64_t pfn, GError **error);
uint32_t fsi_zone_batchsize(uint64_t managed, uint32_t cap_pages);
uint32_t fsi_zone_highsize(uint64_t low_wmark, uint32_t ncpus, uint32_t batch);

/* __rmqueue plus the policies' preferences and fallbacks (page_alloc.c). */
uint64_t fsi_rmqueue_buddy(FsiRun *run, uint32_t zone, const FsAllocRequest *req);

#endif
