/* Counters and latency histograms; see stats.h. */
#include "engine/core/stats.h"

#include <math.h>
#include <string.h>

const char *const fsi_counter_names[FSI_NR_COUNTERS] = {
#define FSI_X_NAME(name, help) #name,
    FSI_COUNTERS(FSI_X_NAME)
#undef FSI_X_NAME
};

const char *const fsi_counter_help[FSI_NR_COUNTERS] = {
#define FSI_X_HELP(name, help) help,
    FSI_COUNTERS(FSI_X_HELP)
#undef FSI_X_HELP
};

static unsigned hist_bucket(uint64_t v) {
  if (v < 64) return (unsigned)v;
  unsigned e = 63u - (unsigned)__builtin_clzll(v); /* >= 6 */
  unsigned sub = (unsigned)((v >> (e - 4)) & (FSI_HIST_SUB - 1));
  unsigned b = 64 + (e - 6) * FSI_HIST_SUB + sub;
  return b < FSI_HIST_BUCKETS ? b : FSI_HIST_BUCKETS - 1;
}

static uint64_t bucket_upper(unsigned b) {
  if (b < 64) return b;
  unsigned e = (b - 64) / FSI_HIST_SUB + 6;
  unsigned sub = (b - 64) % FSI_HIST_SUB;
  uint64_t base = (uint64_t)1 << e;
  return base + (((uint64_t)sub + 1) << (e - 4)) - 1;
}

void fsi_hist_add(FsiHist *h, uint64_t v) {
  h->count++;
  h->sum += v;
  if (v > h->max) h->max = v;
  h->buckets[hist_bucket(v)]++;
}

uint64_t fsi_hist_percentile(const FsiHist *h, double pct) {
  if (!h->count) return 0;
  /* nearest-rank: the smallest value with at least pct% of samples <= it */
  uint64_t rank = (uint64_t)((pct / 100.0) * (double)h->count + 0.999999999);
  if (rank < 1) rank = 1;
  if (rank > h->count) rank = h->count;
  uint64_t seen = 0;
  for (unsigned b = 0; b < FSI_HIST_BUCKETS; b++) {
    seen += h->buckets[b];
    if (seen >= rank) return MIN(bucket_upper(b), h->max);
  }
  return h->max;
}

void fsi_stats_init(FsiStats *s) {
  memset(s, 0, sizeof *s);
  s->pol_names = g_ptr_array_new_with_free_func(g_free);
  s->pol_help = g_ptr_array_new_with_free_func(g_free);
  s->pol_values = g_array_new(FALSE, TRUE, sizeof(int64_t));
  s->wl_names = g_ptr_array_new_with_free_func(g_free);
  s->wl_values = g_array_new(FALSE, TRUE, sizeof(double));
}

int fsi_stats_workload_metric(FsiStats *s, const char *name) {
  for (guint i = 0; i < s->wl_names->len; i++)
    if (!strcmp(g_ptr_array_index(s->wl_names, i), name)) return (int)i;
  g_ptr_array_add(s->wl_names, g_strdup(name));
  double nan = NAN;
  g_array_append_val(s->wl_values, nan);
  return (int)s->wl_names->len - 1;
}

void fsi_stats_clear(FsiStats *s) {
  if (s->pol_names) g_ptr_array_unref(s->pol_names);
  if (s->pol_help) g_ptr_array_unref(s->pol_help);
  if (s->pol_values) g_array_unref(s->pol_values);
  if (s->wl_names) g_ptr_array_unref(s->wl_names);
  if (s->wl_values) g_array_unref(s->wl_values);
  memset(s, 0, sizeof *s);
}

int fsi_stats_register(FsiStats *s, const char *policy, const char *name, const char *help) {
  char *full = g_strdup_printf("%s.%s", policy, name);
  for (guint i = 0; i < s->pol_names->len; i++)
    if (!strcmp(g_ptr_array_index(s->pol_names, i), full)) {
      g_free(full);
      return (int)i;
    }
  g_ptr_array_add(s->pol_names, full);
  g_ptr_array_add(s->pol_help, g_strdup(help ? help : ""));
  int64_t zero = 0;
  g_array_append_val(s->pol_values, zero);
  return (int)s->pol_names->len - 1;
}
