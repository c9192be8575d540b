/* The OOM killer (oom_kill.c). */
#ifndef FS_MM_OOM_KILL_H
#define FS_MM_OOM_KILL_H

#include "engine/run.h"

/* __alloc_pages_may_oom's kill: true if a victim's memory was freed. */
bool fsi_out_of_memory(FsiRun *run, const FsAllocRequest *req, uint32_t unclamped_zoneidx);

#endif
