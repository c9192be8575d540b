/* Slab caches (slub.c): objects in slab pages, a page freed with its last
 * object.  Reclaimable caches are shrunk by shrink_slab() in vmscan.c.
 */
#ifndef FS_MM_SLUB_H
#define FS_MM_SLUB_H

#include "engine/run.h"

/* fsi_slab_cache_find returns -1 for an unknown name. */
int fsi_slab_cache_find(FsiRun *run, const char *name);
uint32_t fsi_slab_cache_add(FsiRun *run, const char *name, uint32_t kind, uint32_t obj_size);
/* Allocates one object; FSI_HANDLE_NONE when its slab page cannot be had. */
FsiHandle fsi_slab_alloc(FsiRun *run, uint32_t cache, uint32_t task, uint64_t *ret_latency_ns);
/* The same; in_use: the object stays referenced by its owner (a dentry or
 * inode of an open file) until freed, so it is on no shrinker LRU and is
 * never shrunk; freeing it frees it at once (an unlinked file's dentry). */
FsiHandle fsi_slab_alloc_ex(FsiRun *run, uint32_t cache, uint32_t task, bool in_use, bool referenced,
                            uint64_t *ret_latency_ns);
/* The holder keeps the target in use (d_instantiate(): a dentry holds a
 * reference on its inode): the target leaves its cache's LRU and is not
 * shrunk until the holder goes, when it joins the LRU as its newest
 * (iput_final() -> inode_add_lru()).  Both must be live, the target
 * reclaimable and not in use, the holder holding nothing yet; false (and
 * nothing done) otherwise. */
bool fsi_slab_hold(FsiRun *run, FsiHandle holder, FsiHandle target);
void fsi_slab_free(FsiRun *run, FsiHandle obj);
bool fsi_slab_live(FsiRun *run, FsiHandle obj);
void fsi_slab_free_after(FsiRun *run, FsiHandle obj, uint64_t delay_ns);
/* Frees object o (by index), giving its slab page back when it empties:
 * the shrinkers' way in. */
void fsi_slab_obj_free(FsiRun *run, uint32_t o);
/* Pages in slab caches of this kind (a gauge for the time series). */
uint64_t fsi_slab_pages(const FsiRun *run, uint32_t kind);

#endif
