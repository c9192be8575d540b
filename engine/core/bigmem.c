#include "engine/core/bigmem.h"

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

/* the huge page size of the kernel's THP on x86-64 and arm64 (4K pages) */
#define BIG_ALIGN ((size_t)2 << 20)

static bool is_big(size_t n) { return n >= BIG_ALIGN; }

static size_t big_size(size_t n) { return (n + BIG_ALIGN - 1) / BIG_ALIGN * BIG_ALIGN; }

void *fsi_big_alloc0(size_t n) {
  if (!is_big(n)) return g_malloc0(n ? n : 1);
  size_t size = big_size(n);
  /* map one huge page more than needed and trim it to an aligned window */
  uint8_t *raw = mmap(NULL, size + BIG_ALIGN, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (raw == MAP_FAILED) g_error("fsi_big_alloc0: out of memory (%zu bytes)", n);
  uintptr_t start = ((uintptr_t)raw + BIG_ALIGN - 1) & ~(uintptr_t)(BIG_ALIGN - 1);
  size_t head = start - (uintptr_t)raw;
  if (head) munmap(raw, head);
  if (BIG_ALIGN - head) munmap((uint8_t *)start + size, BIG_ALIGN - head);
#ifdef MADV_HUGEPAGE
  /* advice only: an error (no THP in this kernel) changes nothing */
  (void)madvise((void *)start, size, MADV_HUGEPAGE);
#endif
  return (void *)start;
}

void *fsi_big_realloc(void *p, size_t old_n, size_t new_n) {
  g_assert(new_n >= old_n);
  if (!is_big(new_n)) {
    uint8_t *q = g_realloc(p, new_n ? new_n : 1);
    memset(q + old_n, 0, new_n - old_n);
    return q;
  }
  if (is_big(old_n) && big_size(old_n) == big_size(new_n)) return p;
  void *q = fsi_big_alloc0(new_n);
  if (old_n) memcpy(q, p, old_n);
  fsi_big_free(p, old_n);
  return q;
}

void fsi_big_free(void *p, size_t n) {
  if (!p) return;
  if (is_big(n))
    munmap(p, big_size(n));
  else
    g_free(p);
}
