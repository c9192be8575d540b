/* Large arrays read at random by the simulator's hot paths: the allocation
 * objects, one lookup per pfn a scanner or lumpy reclaim walks (the page
 * frames, read in order, stay on the heap: docs/architecture.md).  From
 * 2 MiB up they are anonymous mappings aligned to 2 MiB and advised
 * MADV_HUGEPAGE, so Linux backs them with transparent huge pages where the
 * system allows them (also in its default madvise mode), which takes most
 * of the TLB misses out of those lookups; like calloc's, their pages are
 * zero and take no memory until first written.  Smaller ones are ordinary
 * heap memory.  Contents and results do not depend on any of it.  The
 * caller passes the size back on growth and release. */
#ifndef FSI_BIGMEM_H
#define FSI_BIGMEM_H

#include <stddef.h>

/* n zeroed bytes; never NULL (aborts as g_malloc does) */
void *fsi_big_alloc0(size_t n);
/* grows p (from fsi_big_alloc0 or fsi_big_realloc, old_n bytes; NULL with
 * 0) to new_n >= old_n bytes, keeping the first old_n and zeroing the rest */
void *fsi_big_realloc(void *p, size_t old_n, size_t new_n);
/* releases p, which was given with n bytes */
void fsi_big_free(void *p, size_t n);

#endif
