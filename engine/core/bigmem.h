/* Large arrays read at random by the simulator's hot paths: the page frames
 * and the allocation objects, one lookup per pfn a scanner or lumpy reclaim
 * walks.  On Linux they are backed by transparent huge pages where the
 * system allows them (also in its default madvise mode), which takes most
 * of the TLB misses out of those lookups.  Contents and results do not
 * depend on it. */
#ifndef FSI_BIGMEM_H
#define FSI_BIGMEM_H

#include <stddef.h>

/* n zeroed bytes; never NULL (aborts as g_malloc does) */
void *fsi_big_alloc0(size_t n);
/* grows p from old_n to new_n bytes, keeping the first old_n; the rest is
 * not initialised */
void *fsi_big_realloc(void *p, size_t old_n, size_t new_n);
void fsi_big_free(void *p);

#endif
