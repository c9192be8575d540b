/* Trace replay: the request stream of an ftrace / trace-cmd text trace of
 * kmem:mm_page_alloc and kmem:mm_page_free, replayed with the trace's timing.
 * Placement is the simulator's own: a trace pfn only pairs a free with its
 * allocation.  Lines of other events are skipped; a malformed alloc or free
 * line is an error naming the file and line.
 *
 *   cc1-4242  [001] ..... 1234.567890: mm_page_alloc: page=0xffffea0001234500
 *       pfn=0x48d14 order=0 migratetype=1 gfp_flags=GFP_HIGHUSER_MOVABLE|__GFP_ZERO
 *   cc1-4242  [001] ..... 1234.567999: mm_page_free: page=0xffffea0001234500 pfn=0x48d14 order=0
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/error.h"
#include "workloads/workload.h"

typedef struct {
  uint64_t time_ns;
  uint64_t pfn;
  uint32_t gfp;
  uint8_t order;
  uint8_t alloc;
  uint16_t cpu;
} Record;

typedef struct {
  GArray *recs;
  guint next;
  GHashTable *live; /* trace pfn -> handle */
  int m_unmatched, m_failed;
  uint64_t unmatched, failed;
} TraceWl;

static bool field(const char *line, const char *name, char **ret) {
  const char *p = strstr(line, name);
  while (p && p != line && p[-1] != ' ') p = strstr(p + 1, name);
  if (!p) return false;
  p += strlen(name);
  const char *end = p;
  while (*end && *end != ' ' && *end != '\n' && *end != '\r') end++;
  *ret = g_strndup(p, (gsize)(end - p));
  return true;
}

static bool parse_u64(const char *s, uint64_t *ret) {
  char *end;
  /* strtoull takes "-16" as 2^64 - 16 and saturates what overflows: neither is a pfn or an order */
  if (!g_ascii_isxdigit(*s)) return false;
  errno = 0;
  guint64 v = g_ascii_strtoull(s, &end, 0);
  if (end == s || *end || errno) return false;
  *ret = v;
  return true;
}

static bool parse_line(const char *path, guint lineno, const char *line, Record *r, GError **error) {
  const char *ev = strstr(line, " mm_page_alloc: ");
  bool alloc = ev != NULL;
  if (!ev) ev = strstr(line, " mm_page_free: ");
  if (!ev) ev = strstr(line, " mm_page_free_batched: ");
  if (!ev) return false; /* another event: skipped */
  memset(r, 0, sizeof *r);
  r->alloc = alloc;
  /* timestamp: the token ending in ':' just before the event name */
  const char *ts_end = ev;
  while (ts_end > line && ts_end[-1] == ' ') ts_end--;
  const char *ts = ts_end;
  while (ts > line && ts[-1] != ' ') ts--;
  char *tstr = g_strndup(ts, (gsize)(ts_end - ts));
  char *colon = strrchr(tstr, ':');
  if (colon) *colon = 0;
  char *end;
  double secs = g_ascii_strtod(tstr, &end);
  /* under 2^62 ns (146 years): inf, nan and huge stamps have no time */
  bool ok = *tstr && !*end && secs >= 0 && secs < 4.6e9;
  g_free(tstr);
  const char *cpu = strchr(line, '[');
  if (cpu && cpu < ev) r->cpu = (uint16_t)g_ascii_strtoull(cpu + 1, NULL, 10);
  char *pfn = NULL, *order = NULL, *gfp = NULL;
  const char *what = "a timestamp";
  if (ok) {
    r->time_ns = (uint64_t)(secs * 1e9 + 0.5);
    what = "pfn=";
    ok = field(ev, "pfn=", &pfn) && parse_u64(pfn, &r->pfn);
  }
  uint64_t o = 0;
  if (ok) {
    what = "order= (0..10)";
    ok = !field(ev, "order=", &order) ? !alloc : (parse_u64(order, &o) && o <= FS_MAX_ORDER);
    r->order = (uint8_t)o;
  }
  if (ok && alloc) {
    what = "gfp_flags= with kernel flag names";
    char *badflag = NULL;
    ok = field(ev, "gfp_flags=", &gfp) && fsi_parse_gfp(gfp, &r->gfp, &badflag);
    if (badflag) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: unknown gfp flag \"%s\"", path, lineno, badflag);
      g_free(badflag);
      g_free(pfn);
      g_free(order);
      g_free(gfp);
      return false;
    }
  }
  g_free(pfn);
  g_free(order);
  g_free(gfp);
  if (!ok) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: malformed %s line: expected %s", path, lineno,
                alloc ? "mm_page_alloc" : "mm_page_free", what);
    return false;
  }
  return true;
}

static uint32_t kind_of(uint32_t gfp) {
  switch (fs_gfp_migratetype(gfp)) {
  case FS_MIGRATE_MOVABLE: return FS_KIND_ANON;
  case FS_MIGRATE_RECLAIMABLE: return FS_KIND_SLAB_RECLAIMABLE;
  default: return (gfp & FS_GFP_ATOMIC) || !(gfp & FS_GFP_DIRECT_RECLAIM) ? FS_KIND_ATOMIC : FS_KIND_SLAB_UNMOVABLE;
  }
}

static void trace_step(FsiRun *run, void *state, uint32_t task) {
  TraceWl *t = state;
  (void)task;
  uint64_t base = g_array_index(t->recs, Record, 0).time_ns;
  while (t->next < t->recs->len) {
    Record *r = &g_array_index(t->recs, Record, t->next);
    if (r->time_ns - base > run->now_ns) {
      fsi_run_wake_task(run, 0, r->time_ns - base);
      return;
    }
    t->next++;
    if (r->alloc) {
      FsiRequest rq = {r->order, kind_of(r->gfp), r->gfp, r->cpu % run->ntasks, false, false, false, false};
      FsiAllocResult res = fsi_run_alloc(run, &rq);
      if (res.handle) g_hash_table_replace(t->live, GSIZE_TO_POINTER(r->pfn + 1), GSIZE_TO_POINTER(res.handle));
      else t->failed++;
    } else {
      gpointer h;
      if (g_hash_table_steal_extended(t->live, GSIZE_TO_POINTER(r->pfn + 1), NULL, &h))
        fsi_run_free_handle(run, (FsiHandle)GPOINTER_TO_SIZE(h));
      else t->unmatched++; /* allocated before the trace began */
    }
    g_array_index(run->stats.wl_values, double, t->m_unmatched) = (double)t->unmatched;
    g_array_index(run->stats.wl_values, double, t->m_failed) = (double)t->failed;
  }
}

static bool trace_start(FsiRun *run, void *state, GError **error) {
  TraceWl *t = state;
  (void)error;
  t->m_unmatched = fsi_stats_workload_metric(&run->stats, "trace_unmatched_frees");
  t->m_failed = fsi_stats_workload_metric(&run->stats, "trace_failed_allocs");
  g_array_index(run->stats.wl_values, double, t->m_unmatched) = 0;
  g_array_index(run->stats.wl_values, double, t->m_failed) = 0;
  fsi_run_set_tasks(run, run->ntasks ? run->ntasks : 1);
  if (t->recs->len) fsi_run_wake_task(run, 0, 0);
  return true;
}

static void trace_destroy(void *state) {
  TraceWl *t = state;
  g_array_unref(t->recs);
  g_hash_table_unref(t->live);
  g_free(t);
}

bool fsi_trace_workload_create(FsiConfig *cfg, FsiWorkload *ret, GError **error) {
  char *path = g_key_file_get_string(cfg->kf, "workload", "trace", NULL);
  char **keys = g_key_file_get_keys(cfg->kf, "workload", NULL, NULL);
  for (char **k = keys; k && *k; k++)
    if (strcmp(*k, "trace")) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: unknown key workload.%s for a trace (its keys: trace)",
                  fsi_config_origin(cfg, "workload", *k), *k);
      g_strfreev(keys);
      g_free(path);
      return false;
    }
  g_strfreev(keys);
  char *text = NULL;
  if (!path || !g_file_get_contents(path, &text, NULL, error)) {
    if (!path) g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "workload.trace: no trace file given");
    g_free(path);
    return false;
  }
  TraceWl *t = g_new0(TraceWl, 1);
  t->recs = g_array_new(FALSE, FALSE, sizeof(Record));
  t->live = g_hash_table_new(g_direct_hash, g_direct_equal);
  char **lines = g_strsplit(text, "\n", -1);
  bool ok = true;
  uint64_t last = 0;
  int64_t max_order = fsi_config_int(cfg, "machine", "max_order");
  for (guint i = 0; ok && lines[i]; i++) {
    const char *l = lines[i];
    if (!*l || *l == '#') continue;
    Record r;
    GError *e = NULL;
    if (parse_line(path, i + 1, l, &r, &e)) {
      if (r.time_ns < last) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: timestamp goes backwards", path, i + 1);
        ok = false;
        break;
      }
      if (r.alloc && r.order > max_order) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: order=%u is above machine.max_order %" G_GINT64_FORMAT " (%s)",
                    path, i + 1, r.order, max_order, fsi_config_origin(cfg, "machine", "max_order"));
        ok = false;
        break;
      }
      last = r.time_ns;
      g_array_append_val(t->recs, r);
    } else if (e) {
      g_propagate_error(error, e);
      ok = false;
    }
  }
  g_strfreev(lines);
  g_free(text);
  if (ok && !t->recs->len) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: no mm_page_alloc or mm_page_free events", path);
    ok = false;
  }
  if (!ok) {
    trace_destroy(t);
    g_free(path);
    return false;
  }
  /* the run lasts as long as the trace unless a duration was set */
  if (!strcmp(fsi_config_origin(cfg, "sim", "duration"), "default")) {
    Record *first = &g_array_index(t->recs, Record, 0), *lastr = &g_array_index(t->recs, Record, t->recs->len - 1);
    char *d = g_strdup_printf("%" G_GUINT64_FORMAT "ns", lastr->time_ns - first->time_ns + 1000);
    fsi_config_set_value(cfg, "sim", "duration", d, "trace");
    g_free(d);
  }
  char *base = g_path_get_basename(path);
  g_free(path);
  ret->name = "trace";
  ret->state = t;
  ret->start = trace_start;
  ret->task_step = trace_step;
  ret->destroy = trace_destroy;
  g_free(base);
  return true;
}
