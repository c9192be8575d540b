#include "engine/core/bigmem.h"

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* the huge page size the kernel's THP uses on x86-64 and arm64 (4K pages) */
#define BIG_ALIGN ((size_t)2 << 20)

static void *big_alloc(size_t n) {
  size_t align = n >= BIG_ALIGN ? BIG_ALIGN : 64;
  size_t size = (n + align - 1) / align * align;
  void *p = NULL;
  if (posix_memalign(&p, align, size ? size : align)) g_error("fsi_big_alloc: out of memory (%zu bytes)", n);
#ifdef MADV_HUGEPAGE
  /* advice only: an error (no THP in this kernel) changes nothing */
  if (align == BIG_ALIGN) (void)madvise(p, size, MADV_HUGEPAGE);
#endif
  return p;
}

void *fsi_big_alloc0(size_t n) {
  void *p = big_alloc(n);
  memset(p, 0, n);
  return p;
}

void *fsi_big_realloc(void *p, size_t old_n, size_t new_n) {
  void *q = big_alloc(new_n);
  if (p && old_n) memcpy(q, p, MIN(old_n, new_n));
  free(p);
  return q;
}

void fsi_big_free(void *p) { free(p); }
