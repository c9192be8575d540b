/* The policies' host table (host.c) and the handle each policy gets. */
#ifndef FS_PLUGIN_HOST_H
#define FS_PLUGIN_HOST_H

#include "engine/run.h"

/* Each policy gets its own host handle, so the engine knows which policy a
 * call comes from (its random stream, its counters, its timers). */
struct FsHost {
  FsiRun *run;
  uint32_t slot;
};

/* The host table handed to policies. */
extern const FsHostApi fsi_host_api;

#endif
