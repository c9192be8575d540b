/* Range isolation and contiguous allocations (page_isolation.c). */
#ifndef FS_MM_PAGE_ISOLATION_H
#define FS_MM_PAGE_ISOLATION_H

#include "engine/run.h"

/* alloc_contig_range(): 0, -FS_EBUSY or -FS_ENOMEM. */
int fsi_alloc_contig_range(FsiRun *run, uint64_t start_pfn, uint64_t nr_pages, uint32_t mt, uint32_t task,
                           FsiHandle *ret_handle);
void fsi_free_contig_range(FsiRun *run, FsiHandle h);

#endif
