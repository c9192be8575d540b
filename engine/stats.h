/* Counters and distributions of one run.
 *
 * Each engine counter is declared once in FSI_COUNTERS (mimalloc's
 * MI_STAT_FIELDS idea): the same list makes the enum, the CSV columns and
 * `fragsim list metrics`.  Names follow /proc/vmstat where the kernel has the
 * counter; fragsim's own are prefixed "fs_".  Policies register their own
 * counters at create time; those follow the engine's in every output.
 */
#ifndef FS_STATS_H
#define FS_STATS_H

#include <fragsim/policy.h>
#include <glib.h>
#include <stdint.h>

#define FSI_COUNTERS(X)                                                                              \
  X(pgalloc_dma, "pages allocated from ZONE_DMA")                                                  \
  X(pgalloc_dma32, "pages allocated from ZONE_DMA32")                                              \
  X(pgalloc_normal, "pages allocated from ZONE_NORMAL")                                            \
  X(pgalloc_movable, "pages allocated from ZONE_MOVABLE")                                          \
  X(pgfree, "pages freed")                                                                         \
  X(fs_alloc_requests, "allocation requests (any order)")                                          \
  X(fs_alloc_success, "allocation requests satisfied")                                             \
  X(fs_alloc_fail, "allocation requests failed")                                                   \
  X(fs_alloc_slowpath, "requests that entered the slow path")                                      \
  X(fs_nofragment_retry, "zonelist passes repeated without ALLOC_NOFRAGMENT")                       \
  X(fs_buddy_ops, "buddy list operations (splits, merges, list moves)")                           \
  X(fs_stall_ns, "nanoseconds tasks spent stalled in the allocator")

typedef enum {
#define FSI_X_ENUM(name, help) FSI_C_##name,
  FSI_COUNTERS(FSI_X_ENUM)
#undef FSI_X_ENUM
  FSI_NR_COUNTERS
} FsiCounter;

extern const char *const fsi_counter_names[FSI_NR_COUNTERS];
extern const char *const fsi_counter_help[FSI_NR_COUNTERS];

/* Log-linear latency histogram: exact below 64 ns, then 16 sub-buckets per
 * power of two (< 6.25% relative error); percentiles report the bucket's
 * upper bound, so they are deterministic and conservative. */
#define FSI_HIST_SUB 16
#define FSI_HIST_BUCKETS (64 + 58 * FSI_HIST_SUB)
typedef struct {
  uint64_t count;
  uint64_t max;
  uint64_t sum;
  uint32_t buckets[FSI_HIST_BUCKETS];
} FsiHist;

void fsi_hist_add(FsiHist *h, uint64_t v);
uint64_t fsi_hist_percentile(const FsiHist *h, double pct); /* pct in (0,100]; 0 if empty */

typedef struct {
  uint64_t c[FSI_NR_COUNTERS];
  uint64_t attempts[FS_NR_ORDERS];
  uint64_t success[FS_NR_ORDERS];
  uint64_t fail[FS_NR_ORDERS];
  FsiHist latency[FS_NR_ORDERS];
  /* policy counters */
  GPtrArray *pol_names; /* "policy.counter" */
  GPtrArray *pol_help;
  GArray *pol_values;   /* int64_t */
} FsiStats;

void fsi_stats_init(FsiStats *s);
void fsi_stats_clear(FsiStats *s);
int fsi_stats_register(FsiStats *s, const char *policy, const char *name, const char *help);

#endif
