/* Memory offline and online (memory_hotplug.c). */
#ifndef FS_MM_MEMORY_HOTPLUG_H
#define FS_MM_MEMORY_HOTPLUG_H

#include "engine/run.h"

/* offline_pages(): isolate, migrate everything away, retire the pages (they
 * leave present/managed, watermarks are recomputed).  0 or -FS_EBUSY. */
int fsi_offline_pages(FsiRun *run, uint64_t start_pfn, uint64_t nr_pages);
/* online_pages(): give a retired range back to the buddy allocator. */
int fsi_online_pages(FsiRun *run, uint64_t start_pfn, uint64_t nr_pages);

#endif
