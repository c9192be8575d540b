/* The workload file: phases run in order, each with the streams active in
 * it and the actions it performs (drop caches, huge page requests as
 * nr_hugepages does, THP faults, contiguous device requests, memory offline,
 * compact memory, freeing part of every pageblock).  See
 * docs/workloads.md for every key.
 *
 * Owns: parsing and validating [workload], [phase.NAME] and [stream.NAME]
 * (errors name file:line and the key), the tasks that run streams, and the
 * controller task that runs actions.  Engine sections in the file
 * ([machine], [vm], [sim], [cost], [output]) are plain configuration and are
 * validated by the engine.
 *
 * Common random numbers: each stream task draws order, lifetime, pinning,
 * dirtiness, reference and think time from its own stream, in a fixed order,
 * before its request and whatever its outcome; the controller draws nothing
 * that depends on a policy.  So the request sequence is the same under every
 * stack; only its timing shifts where a stack stalls.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/mm/memory_hotplug.h"
#include "engine/mm/migrate.h"
#include "engine/mm/page_isolation.h"
#include "engine/mm/slub.h"
#include "engine/mm/vmscan.h"
#include "workloads/workload.h"

typedef enum { LT_EXP, LT_LOGNORMAL, LT_PARETO, LT_FIXED, LT_PHASE, LT_FOREVER } LifeKind;

typedef struct {
  LifeKind kind;
  double a, b; /* ns (exp mean, lognormal median, pareto xm, fixed), sigma / alpha */
  bool derive; /* exp without a mean: derived from footprint */
} Life;

typedef struct {
  char *name;
  uint32_t kind;
  uint32_t gfp;
  double order_w[FS_NR_ORDERS];
  uint64_t think_ns;
  uint32_t ntasks, first_task;
  Life life;
  double footprint; /* fraction of managed memory; 0 = none */
  bool fill;        /* allocate until the footprint is reached, then stop */
  bool exit;        /* its memory is freed when it stops (processes exiting) */
  GArray *live;     /* exit streams: handles that may still be live */
  GArray *live_objects;
  double pinned, dirty, referenced;
  int cache;        /* slab kinds: cache index */
  uint32_t objects;
  uint64_t allocated_pages; /* successful pages so far (fill) */
  uint64_t attempts, failures;
  int m_attempts, m_failures;
  GArray *phase_handles;    /* FsiHandle, freed when the phase ends */
  GArray *phase_objects;    /* slab object handles, likewise */
  GArray *kept;             /* FsiHandle of lifetime=forever order-0 pages (fragment action) */
} Stream;

typedef struct {
  uint32_t count, order;
  uint64_t interval, hold; /* hold 0: until the phase ends */
  bool movable, retry;
} HugeAction;

typedef struct {
  char *name;
  uint64_t duration_ns;
  bool *active; /* per stream */
  int drop_caches;
  bool compact;
  HugeAction huge;
  struct {
    uint32_t count;
    uint64_t interval, hold;
    uint32_t gfp;
  } thp;
  struct {
    uint32_t count;
    uint64_t pages, interval, hold;
  } contig;
  struct {
    uint32_t count;
    uint64_t pages, interval;
  } offline;
  int fragment_stream;
  double fragment_fraction;
  /* metrics */
  int m_attempts, m_success, m_pct, m_p50, m_p99, m_thp_alloc, m_thp_fallback, m_contig_ok, m_contig_fail,
      m_contig_p50, m_contig_p99, m_offline_ok, m_offline_fail;
  uint64_t attempts, success, thp_alloc, thp_fallback, contig_ok, contig_fail, offline_ok, offline_fail;
  FsiHist huge_lat, contig_lat;
} Phase;

typedef struct {
  char *name;
  Stream *streams;
  uint32_t nstreams;
  Phase *phases;
  uint32_t nphases;
  uint32_t controller; /* task id */
  /* controller state */
  uint32_t phase;
  uint64_t phase_start, phase_end;
  uint32_t huge_left, thp_left, contig_left, offline_left;
  uint64_t next_huge, next_thp, next_contig, next_offline;
  uint64_t offline_cursor; /* next pfn range end to offline (from the top) */
  GArray *held;            /* FsiHandle held until the phase ends (huge pages, THP, contig) */
  bool vmap_stack;         /* kernel stacks are vmalloc'd: four order-0 pages, not one order-2 */
  uint64_t boot_hugepages; /* hugepages=N on the command line: reserved at boot, kept */
  int m_boot_huge;
  bool *task_scheduled;
  bool finished;
} FileWl;

/* ---- parsing helpers --------------------------------------------------------- */

static bool check_keys(FsiConfig *cfg, const char *group, const char *const *known, GError **error) {
  char **keys = g_key_file_get_keys(cfg->kf, group, NULL, NULL);
  bool ok = true;
  for (char **k = keys; ok && k && *k; k++)
    if (!g_strv_contains(known, *k)) {
      char *list = g_strjoinv(", ", (char **)known);
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: unknown key %s.%s (keys of [%s]: %s)", fsi_config_origin(cfg, group, *k),
                  group, *k, group, list);
      g_free(list);
      ok = false;
    }
  g_strfreev(keys);
  return ok;
}

/* "0:90, 1:6, 2:3, 3:1" or a single order "9" */
static bool parse_orders(FsiConfig *cfg, const char *g, double *w, GError **error) {
  char *v = fsi_workload_get(cfg, g, "orders");
  memset(w, 0, sizeof(double) * FS_NR_ORDERS);
  if (!v) {
    w[0] = 1;
    return true;
  }
  bool ok = true;
  double sum = 0;
  char **parts = g_strsplit(v, ",", -1);
  for (char **p = parts; ok && *p; p++) {
    char *item = g_strstrip(*p), *end;
    char *colon = strchr(item, ':');
    guint64 o = g_ascii_strtoull(item, &end, 10);
    if (end == item || o > FS_MAX_ORDER || (colon ? end != colon : *end)) {
      ok = false;
      break;
    }
    double weight = 1;
    if (colon) {
      weight = g_ascii_strtod(colon + 1, &end);
      if (*end || !isfinite(weight) || weight < 0) {
        ok = false;
        break;
      }
    }
    w[o] += weight;
    sum += weight;
  }
  g_strfreev(parts);
  if (!ok || sum <= 0) fsi_workload_bad(error, cfg, g, "orders", v, "an order distribution like 0:90, 1:6, 2:3, 3:1 (orders 0..10)");
  g_free(v);
  return ok && sum > 0;
}

static bool parse_life(FsiConfig *cfg, const char *g, Life *l, GError **error) {
  char *v = fsi_workload_get(cfg, g, "lifetime");
  memset(l, 0, sizeof *l);
  if (!v) {
    l->kind = LT_EXP;
    l->derive = true;
    return true;
  }
  static const char *expected =
      "a lifetime: exp[:MEAN], lognormal:MEDIAN,SIGMA, pareto:MIN,ALPHA, fixed:T, phase or forever (e.g. exp:2s)";
  bool ok = true;
  char *colon = strchr(v, ':');
  char *kind = colon ? g_strndup(v, (gsize)(colon - v)) : g_strdup(v);
  char **args = colon ? g_strsplit(colon + 1, ",", -1) : g_new0(char *, 1);
  guint n = g_strv_length(args);
  uint64_t ns;
  char *end;
  if (!strcmp(kind, "phase") && !colon) l->kind = LT_PHASE;
  else if (!strcmp(kind, "forever") && !colon) l->kind = LT_FOREVER;
  else if (!strcmp(kind, "exp")) {
    l->kind = LT_EXP;
    if (n == 0) l->derive = true;
    else if (n == 1 && fsi_parse_duration(g_strstrip(args[0]), &ns, NULL)) l->a = (double)ns;
    else ok = false;
  } else if (!strcmp(kind, "fixed") && n == 1 && fsi_parse_duration(g_strstrip(args[0]), &ns, NULL)) {
    l->kind = LT_FIXED;
    l->a = (double)ns;
  } else if ((!strcmp(kind, "lognormal") || !strcmp(kind, "pareto")) && n == 2 &&
             fsi_parse_duration(g_strstrip(args[0]), &ns, NULL)) {
    l->kind = kind[0] == 'l' ? LT_LOGNORMAL : LT_PARETO;
    l->a = (double)ns;
    l->b = g_ascii_strtod(g_strstrip(args[1]), &end);
    if (*end || !(l->b > 0) || !isfinite(l->b) || l->a <= 0) ok = false;
  } else {
    ok = false;
  }
  if (!ok) fsi_workload_bad(error, cfg, g, "lifetime", v, expected);
  g_strfreev(args);
  g_free(kind);
  g_free(v);
  return ok;
}

static double draw_life(const Life *l, FsiRng *r) {
  switch (l->kind) {
  case LT_EXP: return fsi_rng_exponential(r, l->a);
  case LT_LOGNORMAL: return fsi_rng_lognormal(r, log(l->a), l->b);
  case LT_PARETO: return fsi_rng_pareto(r, l->a, l->b);
  case LT_FIXED: return l->a;
  default: return 0;
  }
}

/* gfp flag names as the kernel prints them, e.g. GFP_KERNEL|__GFP_COMP */
bool fsi_parse_gfp(const char *text, uint32_t *ret, char **ret_bad);
bool fsi_parse_gfp(const char *text, uint32_t *ret, char **ret_bad) {
  static const struct {
    const char *name;
    uint32_t bits;
  } names[] = {
      {"GFP_KERNEL", FS_GFP_KERNEL},
      {"GFP_USER", FS_GFP_USER},
      {"GFP_HIGHUSER", FS_GFP_USER | FS_GFP_HIGHMEM},
      {"GFP_HIGHUSER_MOVABLE", FS_GFP_HIGHUSER_MOVABLE},
      {"GFP_ATOMIC", FS_GFP_ATOMIC_MASK},
      {"GFP_NOWAIT", FS_GFP_NOWAIT},
      {"GFP_NOIO", FS_GFP_RECLAIM},
      {"GFP_NOFS", FS_GFP_RECLAIM | FS_GFP_IO},
      {"GFP_TRANSHUGE", FS_GFP_TRANSHUGE},
      {"GFP_TRANSHUGE_LIGHT", FS_GFP_TRANSHUGE_LIGHT},
      {"GFP_DMA", FS_GFP_DMA},
      {"GFP_DMA32", FS_GFP_DMA32},
      {"GFP_KERNEL_ACCOUNT", FS_GFP_KERNEL},
      {"__GFP_DMA", FS_GFP_DMA},
      {"__GFP_DMA32", FS_GFP_DMA32},
      {"__GFP_HIGHMEM", FS_GFP_HIGHMEM},
      {"__GFP_MOVABLE", FS_GFP_MOVABLE},
      {"__GFP_RECLAIMABLE", FS_GFP_RECLAIMABLE},
      {"__GFP_HIGH", FS_GFP_HIGH},
      {"__GFP_IO", FS_GFP_IO},
      {"__GFP_FS", FS_GFP_FS},
      {"__GFP_ATOMIC", FS_GFP_ATOMIC},
      {"__GFP_DIRECT_RECLAIM", FS_GFP_DIRECT_RECLAIM},
      {"__GFP_KSWAPD_RECLAIM", FS_GFP_KSWAPD_RECLAIM},
      {"__GFP_RECLAIM", FS_GFP_RECLAIM},
      {"__GFP_NOWARN", FS_GFP_NOWARN},
      {"__GFP_RETRY_MAYFAIL", FS_GFP_RETRY_MAYFAIL},
      {"__GFP_REPEAT", FS_GFP_RETRY_MAYFAIL},
      {"__GFP_NOFAIL", FS_GFP_NOFAIL},
      {"__GFP_NORETRY", FS_GFP_NORETRY},
      {"__GFP_COMP", FS_GFP_COMP},
      {"__GFP_NOMEMALLOC", FS_GFP_NOMEMALLOC},
      {"__GFP_THISNODE", FS_GFP_THISNODE},
      /* flags with no effect on placement in this model */
      {"__GFP_ZERO", 0},
      {"__GFP_HARDWALL", 0},
      {"__GFP_ACCOUNT", 0},
      {"__GFP_MEMALLOC", 0},
      {"__GFP_WRITE", 0},
      {"__GFP_NOLOCKDEP", 0},
      {"__GFP_NOTRACK", 0},
      {"__GFP_SKIP_KASAN", 0},
      {"__GFP_SKIP_KASAN_POISON", 0},
      {"__GFP_SKIP_KASAN_UNPOISON", 0},
      {"__GFP_SKIP_ZERO", 0},
      {"__GFP_ZEROTAGS", 0},
      {"__GFP_OTHER_NODE", 0},
      {"__GFP_COLD", 0},
      {"__GFP_WAIT", FS_GFP_DIRECT_RECLAIM},
      {"GFP_NOWAIT|__GFP_NOWARN", FS_GFP_NOWAIT | FS_GFP_NOWARN},
  };
  uint32_t gfp = 0;
  char **parts = g_strsplit(text, "|", -1);
  bool ok = true;
  for (char **p = parts; *p; p++) {
    char *f = g_strstrip(*p);
    if (!*f) continue;
    bool found = false;
    for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
      if (!strcmp(names[i].name, f)) {
        gfp |= names[i].bits;
        found = true;
        break;
      }
    if (!found) {
      if (ret_bad) *ret_bad = g_strdup(f);
      ok = false;
      break;
    }
  }
  g_strfreev(parts);
  if (ok) *ret = gfp;
  return ok;
}

/* ---- building the workload ---------------------------------------------------- */

static const char *const stream_keys[] = {"kind", "orders", "think", "rate", "tasks", "lifetime", "footprint", "fill",
                                          "pinned", "dirty", "referenced", "cache", "objects", "gfp", "exit", NULL};
static const char *const phase_keys[] = {"duration", "streams", "drop_caches", "compact", "hugepages", "hugepage_order",
                                         "hugepage_interval", "hugepage_hold", "hugepage_movable", "hugepage_retry",
                                         "thp_faults", "thp_interval", "thp_hold", "thp_defrag", "contig",
                                         "contig_size", "contig_interval", "contig_hold", "offline", "offline_size",
                                         "offline_interval", "fragment_stream", "fragment_fraction", NULL};
static const char *const workload_keys[] = {"name", "description", "protocol", "phases", "vmap_stack",
                                            "zsmalloc_movable", "boot_hugepages", NULL};

static void file_destroy(void *state) {
  FileWl *w = state;
  if (!w) return;
  for (uint32_t i = 0; i < w->nstreams; i++) {
    g_free(w->streams[i].name);
    if (w->streams[i].phase_handles) g_array_unref(w->streams[i].phase_handles);
    if (w->streams[i].phase_objects) g_array_unref(w->streams[i].phase_objects);
    if (w->streams[i].kept) g_array_unref(w->streams[i].kept);
    if (w->streams[i].live) g_array_unref(w->streams[i].live);
    if (w->streams[i].live_objects) g_array_unref(w->streams[i].live_objects);
  }
  for (uint32_t i = 0; i < w->nphases; i++) {
    g_free(w->phases[i].name);
    g_free(w->phases[i].active);
  }
  g_free(w->streams);
  g_free(w->phases);
  if (w->held) g_array_unref(w->held);
  g_free(w->task_scheduled);
  g_free(w->name);
  g_free(w);
}

static int stream_index(FileWl *w, const char *name) {
  for (uint32_t i = 0; i < w->nstreams; i++)
    if (!strcmp(w->streams[i].name, name)) return (int)i;
  return -1;
}

static bool parse_stream(FsiConfig *cfg, const char *group, Stream *s, uint32_t cpus, GError **error) {
  if (!check_keys(cfg, group, stream_keys, error)) return false;
  s->name = g_strdup(group + strlen("stream."));
  char *kind = fsi_workload_get(cfg, group, "kind");
  int k = kind ? fsi_kind_from_name(kind) : -1;
  if (k < 0) {
    fsi_workload_bad(error, cfg, group, "kind", kind,
        "a kind: anon, file, slab_reclaimable, slab_unmovable, pagetable, kernel_stack, atomic, thp, zsmalloc, device");
    if (!kind)
      g_prefix_error(error, "%s: [%s] needs a kind; ", g_key_file_has_group(cfg->kf, group) ? "" : "", group);
    g_free(kind);
    return false;
  }
  g_free(kind);
  s->kind = (uint32_t)k;
  s->gfp = fsi_kind_gfp(s->kind);
  char *gfp = fsi_workload_get(cfg, group, "gfp");
  if (gfp) {
    char *badflag = NULL;
    if (!fsi_parse_gfp(gfp, &s->gfp, &badflag)) {
      char *exp = g_strdup_printf("a gfp mask of kernel flag names (unknown: %s)", badflag);
      fsi_workload_bad(error, cfg, group, "gfp", gfp, exp);
      g_free(exp);
      g_free(badflag);
      g_free(gfp);
      return false;
    }
    g_free(gfp);
  }
  uint64_t tasks, objects, think;
  double rate;
  if (!parse_orders(cfg, group, s->order_w, error) || !parse_life(cfg, group, &s->life, error) ||
      !fsi_workload_get_uint(cfg, group, "tasks", cpus, 1024, &tasks, error) || !fsi_workload_get_duration(cfg, group, "think", 0, &think, error) ||
      !fsi_workload_get_double(cfg, group, "rate", 0, 0, 1e12, &rate, error) ||
      !fsi_workload_get_double(cfg, group, "footprint", 0, 0, 4, &s->footprint, error) ||
      !fsi_workload_get_bool(cfg, group, "fill", false, &s->fill, error) ||
      !fsi_workload_get_bool(cfg, group, "exit", false, &s->exit, error) ||
      !fsi_workload_get_double(cfg, group, "pinned", 0, 0, 1, &s->pinned, error) ||
      !fsi_workload_get_double(cfg, group, "dirty", 0, 0, 1, &s->dirty, error) ||
      !fsi_workload_get_double(cfg, group, "referenced", 0, 0, 1, &s->referenced, error) ||
      !fsi_workload_get_uint(cfg, group, "objects", 1, 65536, &objects, error))
    return false;
  if (!tasks) return fsi_workload_bad(error, cfg, group, "tasks", "0", "at least 1");
  s->ntasks = (uint32_t)tasks;
  s->objects = (uint32_t)objects;
  if (rate > 0) think = (uint64_t)((double)s->ntasks / rate * 1e9);
  if (!think) think = 20000;
  s->think_ns = think;
  s->cache = -1;
  char *cache = fsi_workload_get(cfg, group, "cache");
  bool slab = s->kind == FS_KIND_SLAB_RECLAIMABLE || s->kind == FS_KIND_SLAB_UNMOVABLE;
  if (cache && !slab) {
    fsi_workload_bad(error, cfg, group, "cache", cache, "valid for slab kinds only");
    g_free(cache);
    return false;
  }
  if (slab) {
    if (!cache) cache = g_strdup(s->kind == FS_KIND_SLAB_RECLAIMABLE ? "dentry" : "kmalloc-256");
    s->cache = -2; /* resolved at start, when the caches exist */
    g_key_file_set_string(cfg->kf, group, "cache", cache);
  }
  g_free(cache);
  if (s->fill && !s->footprint) return fsi_workload_bad(error, cfg, group, "fill", "true", "usable without a footprint");
  if (s->life.derive && !s->footprint && !s->fill)
    return fsi_workload_bad(error, cfg, group, "lifetime", "exp", "derivable: give exp:MEAN, or a footprint to derive it from");
  s->phase_handles = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  s->phase_objects = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  s->kept = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  s->live = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  s->live_objects = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  return true;
}

/* Remembers a handle of an exit stream; drops dead ones now and then so the
 * list stays about as long as what is live. */
static void track(FsiRun *run, GArray *a, FsiHandle h, bool objects) {
  g_array_append_val(a, h);
  if (a->len < 4096 || (a->len & (a->len - 1))) return;
  guint j = 0;
  for (guint i = 0; i < a->len; i++) {
    FsiHandle x = g_array_index(a, FsiHandle, i);
    bool alive = objects ? fsi_slab_live(run, x) : fsi_run_lookup(run, x) != NULL;
    if (alive) g_array_index(a, FsiHandle, j++) = x;
  }
  g_array_set_size(a, j);
}

static bool parse_phase(FsiConfig *cfg, FileWl *w, const char *name, Phase *p, uint64_t page, GError **error) {
  char *group = g_strdup_printf("phase.%s", name);
  bool ok = false;
  p->name = g_strdup(name);
  p->active = g_new0(bool, w->nstreams);
  p->fragment_stream = -1;
  uint64_t v;
  if (!g_key_file_has_group(cfg->kf, group)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: workload.phases names phase \"%s\" but there is no [%s]",
                fsi_config_origin(cfg, "workload", "phases"), name, group);
    goto out;
  }
  if (!check_keys(cfg, group, phase_keys, error)) goto out;
  if (!fsi_workload_get_duration(cfg, group, "duration", 0, &p->duration_ns, error)) goto out;
  if (!p->duration_ns) {
    fsi_workload_bad(error, cfg, group, "duration", "0", "a duration greater than zero");
    goto out;
  }
  char *streams = fsi_workload_get(cfg, group, "streams");
  if (streams) {
    char **names = g_strsplit(streams, ",", -1);
    for (char **n = names; *n; n++) {
      char *sn = g_strstrip(*n);
      if (!*sn) continue;
      int si = stream_index(w, sn);
      if (si < 0) {
        char *exp = g_strdup_printf("a list of streams ([stream.%s] does not exist)", sn);
        fsi_workload_bad(error, cfg, group, "streams", streams, exp);
        g_free(exp);
        g_strfreev(names);
        g_free(streams);
        goto out;
      }
      p->active[si] = true;
    }
    g_strfreev(names);
    g_free(streams);
  }
  if (!fsi_workload_get_uint(cfg, group, "drop_caches", 0, 3, &v, error)) goto out;
  p->drop_caches = (int)v;
  if (!fsi_workload_get_bool(cfg, group, "compact", false, &p->compact, error)) goto out;
  if (!fsi_workload_get_uint(cfg, group, "hugepages", 0, 1 << 24, &v, error)) goto out;
  p->huge.count = (uint32_t)v;
  if (!fsi_workload_get_uint(cfg, group, "hugepage_order", 9, FS_MAX_ORDER, &v, error)) goto out;
  p->huge.order = (uint32_t)v;
  if (!fsi_workload_get_duration(cfg, group, "hugepage_interval", 100 * 1000 * 1000ull, &p->huge.interval, error) ||
      !fsi_workload_get_duration(cfg, group, "hugepage_hold", 0, &p->huge.hold, error) ||
      !fsi_workload_get_bool(cfg, group, "hugepage_movable", true, &p->huge.movable, error) ||
      !fsi_workload_get_bool(cfg, group, "hugepage_retry", true, &p->huge.retry, error))
    goto out;
  if (!fsi_workload_get_uint(cfg, group, "thp_faults", 0, 1 << 24, &v, error)) goto out;
  p->thp.count = (uint32_t)v;
  if (!fsi_workload_get_duration(cfg, group, "thp_interval", 10 * 1000 * 1000ull, &p->thp.interval, error) ||
      !fsi_workload_get_duration(cfg, group, "thp_hold", 0, &p->thp.hold, error))
    goto out;
  char *defrag = fsi_workload_get(cfg, group, "thp_defrag");
  /* /sys/kernel/mm/transparent_hugepage/defrag for a MADV_HUGEPAGE region */
  if (!defrag || !strcmp(defrag, "madvise") || !strcmp(defrag, "defer+madvise")) p->thp.gfp = FS_GFP_TRANSHUGE;
  else if (!strcmp(defrag, "always")) p->thp.gfp = FS_GFP_TRANSHUGE;
  else if (!strcmp(defrag, "defer")) p->thp.gfp = FS_GFP_TRANSHUGE_LIGHT | FS_GFP_KSWAPD_RECLAIM;
  else if (!strcmp(defrag, "never")) p->thp.gfp = FS_GFP_TRANSHUGE_LIGHT;
  else {
    fsi_workload_bad(error, cfg, group, "thp_defrag", defrag, "one of always, madvise, defer, defer+madvise, never");
    g_free(defrag);
    goto out;
  }
  g_free(defrag);
  if (!fsi_workload_get_uint(cfg, group, "contig", 0, 1 << 24, &v, error)) goto out;
  p->contig.count = (uint32_t)v;
  if (!fsi_workload_get_size_pages(cfg, group, "contig_size", page, &p->contig.pages, error) ||
      !fsi_workload_get_duration(cfg, group, "contig_interval", 100 * 1000 * 1000ull, &p->contig.interval, error) ||
      !fsi_workload_get_duration(cfg, group, "contig_hold", 0, &p->contig.hold, error))
    goto out;
  if (p->contig.count && !p->contig.pages) p->contig.pages = (4u << 20) / page;
  if (!fsi_workload_get_uint(cfg, group, "offline", 0, 1 << 20, &v, error)) goto out;
  p->offline.count = (uint32_t)v;
  if (!fsi_workload_get_size_pages(cfg, group, "offline_size", page, &p->offline.pages, error) ||
      !fsi_workload_get_duration(cfg, group, "offline_interval", 100 * 1000 * 1000ull, &p->offline.interval, error))
    goto out;
  if (p->offline.count && !p->offline.pages) p->offline.pages = (128u << 20) / page;
  char *fs = fsi_workload_get(cfg, group, "fragment_stream");
  if (fs) {
    p->fragment_stream = stream_index(w, fs);
    if (p->fragment_stream < 0) {
      fsi_workload_bad(error, cfg, group, "fragment_stream", fs, "a stream name");
      g_free(fs);
      goto out;
    }
    g_free(fs);
    if (!fsi_workload_get_double(cfg, group, "fragment_fraction", 0.75, 0, 1, &p->fragment_fraction, error)) goto out;
  }
  ok = true;
out:
  g_free(group);
  return ok;
}

/* ---- running ----------------------------------------------------------------- */

static void set_metric(FsiRun *run, int m, double v) {
  if (m >= 0) g_array_index(run->stats.wl_values, double, m) = v;
}

static void register_metrics(FsiRun *run, Phase *p) {
  char *n;
#define REG(field, fmt)                                          \
  n = g_strdup_printf("phase_%s_" fmt, p->name);                 \
  p->field = fsi_stats_workload_metric(&run->stats, n);          \
  g_free(n)
  p->m_attempts = p->m_success = p->m_pct = p->m_p50 = p->m_p99 = -1;
  p->m_thp_alloc = p->m_thp_fallback = p->m_contig_ok = p->m_contig_fail = p->m_contig_p50 = p->m_contig_p99 = -1;
  p->m_offline_ok = p->m_offline_fail = -1;
  if (p->huge.count) {
    REG(m_attempts, "huge_attempts");
    REG(m_success, "huge_success");
    REG(m_pct, "huge_success_pct");
    REG(m_p50, "huge_latency_p50_ns");
    REG(m_p99, "huge_latency_p99_ns");
  }
  if (p->thp.count) {
    REG(m_thp_alloc, "thp_fault_alloc");
    REG(m_thp_fallback, "thp_fault_fallback");
  }
  if (p->contig.count) {
    REG(m_contig_ok, "contig_success");
    REG(m_contig_fail, "contig_fail");
    REG(m_contig_p50, "contig_latency_p50_ns");
    REG(m_contig_p99, "contig_latency_p99_ns");
  }
  if (p->offline.count) {
    REG(m_offline_ok, "offline_success");
    REG(m_offline_fail, "offline_fail");
  }
#undef REG
}

static void update_metrics(FsiRun *run, Phase *p) {
  set_metric(run, p->m_attempts, (double)p->attempts);
  set_metric(run, p->m_success, (double)p->success);
  set_metric(run, p->m_pct, p->attempts ? 100.0 * (double)p->success / (double)p->attempts : NAN);
  set_metric(run, p->m_p50, p->huge_lat.count ? (double)fsi_hist_percentile(&p->huge_lat, 50) : NAN);
  set_metric(run, p->m_p99, p->huge_lat.count ? (double)fsi_hist_percentile(&p->huge_lat, 99) : NAN);
  set_metric(run, p->m_thp_alloc, (double)p->thp_alloc);
  set_metric(run, p->m_thp_fallback, (double)p->thp_fallback);
  set_metric(run, p->m_contig_ok, (double)p->contig_ok);
  set_metric(run, p->m_contig_fail, (double)p->contig_fail);
  set_metric(run, p->m_contig_p50, p->contig_lat.count ? (double)fsi_hist_percentile(&p->contig_lat, 50) : NAN);
  set_metric(run, p->m_contig_p99, p->contig_lat.count ? (double)fsi_hist_percentile(&p->contig_lat, 99) : NAN);
  set_metric(run, p->m_offline_ok, (double)p->offline_ok);
  set_metric(run, p->m_offline_fail, (double)p->offline_fail);
}

static double mean_pages(const FsiRun *run, const Stream *s) {
  if (s->cache >= 0)
    return (double)s->objects * run->rc.caches[s->cache].obj_size / (double)run->mem.cfg.page_size;
  double w = 0, p = 0;
  for (uint32_t o = 0; o < FS_NR_ORDERS; o++) {
    w += s->order_w[o];
    p += s->order_w[o] * (double)(1u << o);
  }
  return p / w;
}

static void wake_stream_tasks(FsiRun *run, FileWl *w, uint32_t si) {
  Stream *s = &w->streams[si];
  for (uint32_t t = 0; t < s->ntasks; t++) {
    uint32_t task = s->first_task + t;
    if (w->task_scheduled[task]) continue;
    w->task_scheduled[task] = true;
    fsi_run_wake_task(run, task, run->now_ns + t);
  }
}

static void free_handles(FsiRun *run, GArray *a, bool objects) {
  for (guint i = 0; i < a->len; i++) {
    FsiHandle h = g_array_index(a, FsiHandle, i);
    if (objects) fsi_slab_free(run, h);
    else fsi_run_free_handle(run, h);
  }
  g_array_set_size(a, 0);
}

/* Frees a fraction of every pageblock's worth of a stream's kept order-0
 * pages: Gupta's fragmenter ("in every 2 MB chunk free 3/4 of the pages"). */
static void fragment(FsiRun *run, FileWl *w, Phase *p) {
  Stream *s = &w->streams[p->fragment_stream];
  FsiRng *r = &run->tasks[w->controller].rng;
  GArray *keep = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  for (guint i = 0; i < s->kept->len; i++) {
    FsiHandle h = g_array_index(s->kept, FsiHandle, i);
    /* one draw per page, whatever the page's state: common random numbers */
    bool drop = fsi_rng_double(r) < p->fragment_fraction;
    if (!fsi_run_lookup(run, h)) continue;
    if (drop) fsi_run_free_handle(run, h);
    else g_array_append_val(keep, h);
  }
  g_array_unref(s->kept);
  s->kept = keep;
}

static void start_phase(FsiRun *run, FileWl *w) {
  Phase *p = &w->phases[w->phase];
  /* streams that stop here and exit take their memory with them */
  for (uint32_t si = 0; w->phase > 0 && si < w->nstreams; si++) {
    Stream *s = &w->streams[si];
    if (!s->exit || !w->phases[w->phase - 1].active[si] || p->active[si]) continue;
    free_handles(run, s->live, false);
    free_handles(run, s->live_objects, true);
  }
  w->phase_start = run->now_ns;
  w->phase_end = run->now_ns + p->duration_ns;
  if (p->drop_caches) fsi_drop_caches(run, p->drop_caches);
  if (p->compact) fsi_run_compact_memory(run);
  if (p->fragment_stream >= 0) fragment(run, w, p);
  w->huge_left = p->huge.count;
  w->thp_left = p->thp.count;
  w->contig_left = p->contig.count;
  w->offline_left = p->offline.count;
  w->next_huge = w->next_thp = w->next_contig = w->next_offline = run->now_ns;
  for (uint32_t si = 0; si < w->nstreams; si++)
    if (p->active[si]) wake_stream_tasks(run, w, si);
  update_metrics(run, p);
}

static void end_phase(FsiRun *run, FileWl *w) {
  Phase *p = &w->phases[w->phase];
  free_handles(run, w->held, false);
  for (uint32_t si = 0; si < w->nstreams; si++) {
    Stream *s = &w->streams[si];
    free_handles(run, s->phase_handles, false);
    free_handles(run, s->phase_objects, true);
  }
  update_metrics(run, p);
}

static void hold(FsiRun *run, FileWl *w, FsiHandle h, uint64_t hold_ns, uint64_t latency) {
  if (hold_ns) fsi_run_free_after(run, h, latency + hold_ns);
  else g_array_append_val(w->held, h);
}

static void do_huge(FsiRun *run, FileWl *w, Phase *p) {
  /* nr_hugepages: htlb_alloc_mask | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
   * migratable hstates use GFP_HIGHUSER_MOVABLE, older kernels GFP_HIGHUSER */
  uint32_t gfp = (p->huge.movable ? FS_GFP_HIGHUSER_MOVABLE : (FS_GFP_USER | FS_GFP_HIGHMEM)) | FS_GFP_COMP |
                 FS_GFP_NOWARN | (p->huge.retry ? FS_GFP_RETRY_MAYFAIL : 0);
  FsiRequest rq = {p->huge.order, FS_KIND_THP, gfp, w->controller, false, false, false};
  FsiAllocResult r = fsi_run_alloc(run, &rq);
  p->attempts++;
  fsi_hist_add(&p->huge_lat, r.latency_ns);
  if (r.handle) {
    p->success++;
    hold(run, w, r.handle, p->huge.hold, r.latency_ns);
  }
}

static void do_thp(FsiRun *run, FileWl *w, Phase *p) {
  FsiRequest rq = {run->mem.pageblock_order, FS_KIND_THP, p->thp.gfp, w->controller, false, false, false};
  FsiAllocResult r = fsi_run_alloc(run, &rq);
  if (r.handle) {
    p->thp_alloc++;
    hold(run, w, r.handle, p->thp.hold, r.latency_ns);
    return;
  }
  /* thp_fault_fallback: the fault maps a base page instead */
  p->thp_fallback++;
  FsiRequest small = {0, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE, w->controller, false, false, false};
  r = fsi_run_alloc(run, &small);
  if (r.handle) hold(run, w, r.handle, p->thp.hold, r.latency_ns);
}

static void do_contig(FsiRun *run, FileWl *w, Phase *p) {
  FsiAllocResult r = fsi_run_contig(run, p->contig.pages, w->controller);
  fsi_hist_add(&p->contig_lat, r.latency_ns);
  if (r.handle) {
    p->contig_ok++;
    hold(run, w, r.handle, p->contig.hold, r.latency_ns);
  } else {
    p->contig_fail++;
  }
}

/* Memory offline, one block at a time from the top of memory down, as an
 * administrator removing the last DIMM would; a failed block is counted and
 * the next attempt tries the next block. */
static void do_offline(FsiRun *run, FileWl *w, Phase *p) {
  uint64_t n = p->offline.pages;
  if (w->offline_cursor < n + run->mem.zones[0].end_pfn) {
    p->offline_fail++;
    return;
  }
  uint64_t start = w->offline_cursor - n;
  start -= start % n;
  w->offline_cursor = start;
  if (fsi_offline_pages(run, start, n) == 0) p->offline_ok++;
  else p->offline_fail++;
}

static void controller_step(FsiRun *run, FileWl *w) {
  if (w->finished) return;
  while (run->now_ns >= w->phase_end) {
    end_phase(run, w);
    if (++w->phase >= w->nphases) {
      w->finished = true;
      return;
    }
    start_phase(run, w);
  }
  Phase *p = &w->phases[w->phase];
  uint64_t now = run->now_ns;
  if (w->huge_left && w->next_huge <= now) {
    do_huge(run, w, p);
    w->huge_left--;
    w->next_huge = now + p->huge.interval;
  }
  if (w->thp_left && w->next_thp <= now) {
    do_thp(run, w, p);
    w->thp_left--;
    w->next_thp = now + p->thp.interval;
  }
  if (w->contig_left && w->next_contig <= now) {
    do_contig(run, w, p);
    w->contig_left--;
    w->next_contig = now + p->contig.interval;
  }
  if (w->offline_left && w->next_offline <= now) {
    do_offline(run, w, p);
    w->offline_left--;
    w->next_offline = now + p->offline.interval;
  }
  update_metrics(run, p);
  uint64_t next = w->phase_end;
  if (w->huge_left) next = MIN(next, w->next_huge);
  if (w->thp_left) next = MIN(next, w->next_thp);
  if (w->contig_left) next = MIN(next, w->next_contig);
  if (w->offline_left) next = MIN(next, w->next_offline);
  fsi_run_wake_task(run, w->controller, MAX(next, run->tasks[w->controller].busy_until_ns));
}

static void stream_step(FsiRun *run, FileWl *w, uint32_t task) {
  uint32_t si = 0;
  while (si + 1 < w->nstreams && task >= w->streams[si + 1].first_task) si++;
  Stream *s = &w->streams[si];
  w->task_scheduled[task] = false;
  if (w->finished || !w->phases[w->phase].active[si]) return;
  if (s->fill && (double)s->allocated_pages >= s->footprint * (double)run->mem.cfg.total_pages) return;
  FsiRng *r = &run->tasks[task].rng;
  double think = fsi_rng_exponential(r, (double)s->think_ns);
  uint64_t latency = 0;
  if (s->cache >= 0) {
    for (uint32_t i = 0; i < s->objects; i++) {
      double life = draw_life(&s->life, r);
      uint64_t lat = 0;
      FsiHandle h = fsi_slab_alloc(run, (uint32_t)s->cache, task, &lat);
      latency += lat;
      s->attempts++;
      if (!h) {
        s->failures++;
        continue;
      }
      s->allocated_pages++;
      if (s->exit) track(run, s->live_objects, h, true);
      if (s->life.kind == LT_PHASE) g_array_append_val(s->phase_objects, h);
      else if (s->life.kind != LT_FOREVER) fsi_slab_free_after(run, h, latency + (uint64_t)life);
    }
  } else {
    uint32_t order = fsi_rng_weighted(r, s->order_w, FS_NR_ORDERS);
    double life = draw_life(&s->life, r);
    bool pinned = fsi_rng_double(r) < s->pinned;
    bool dirty = fsi_rng_double(r) < s->dirty;
    bool referenced = fsi_rng_double(r) < s->referenced;
    /* CONFIG_VMAP_STACK: a kernel stack is 2^order separate base pages */
    uint32_t pieces = 1;
    if (w->vmap_stack && s->kind == FS_KIND_KERNEL_STACK) {
      pieces = 1u << order;
      order = 0;
    }
    for (uint32_t piece = 0; piece < pieces; piece++) {
      FsiRequest rq = {order, s->kind, s->gfp, task, pinned, referenced, dirty};
      FsiAllocResult res = fsi_run_alloc(run, &rq);
      latency += res.latency_ns;
      s->attempts++;
      if (!res.handle) {
        s->failures++;
        continue;
      }
      s->allocated_pages += (uint64_t)1 << order;
      if (s->exit) track(run, s->live, res.handle, false);
      if (s->life.kind == LT_PHASE) g_array_append_val(s->phase_handles, res.handle);
      else if (s->life.kind == LT_FOREVER) {
        if (order == 0) g_array_append_val(s->kept, res.handle);
      } else {
        fsi_run_free_after(run, res.handle, latency + (uint64_t)life);
      }
    }
  }
  set_metric(run, s->m_attempts, (double)s->attempts);
  set_metric(run, s->m_failures, (double)s->failures);
  w->task_scheduled[task] = true;
  fsi_run_wake_task(run, task, run->now_ns + latency + (uint64_t)think);
}

static void file_task_step(FsiRun *run, void *state, uint32_t task) {
  FileWl *w = state;
  if (task == w->controller) controller_step(run, w);
  else stream_step(run, w, task);
}

static bool file_start(FsiRun *run, void *state, GError **error) {
  FileWl *w = state;
  uint32_t ntasks = 0;
  uint64_t managed = 0;
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) managed += run->mem.zones[z].managed_pages;
  for (uint32_t si = 0; si < w->nstreams; si++) {
    Stream *s = &w->streams[si];
    s->first_task = ntasks;
    ntasks += s->ntasks;
    if (s->cache == -2) {
      char *group = g_strdup_printf("stream.%s", s->name);
      char *cache = fsi_workload_get(run->cfg, group, "cache");
      s->cache = fsi_slab_cache_find(run, cache);
      if (s->cache < 0) {
        GString *known = g_string_new(NULL);
        for (uint32_t c = 0; c < run->rc.nr_caches; c++)
          g_string_append_printf(known, "%s%s", c ? ", " : "", run->rc.caches[c].name);
        fsi_workload_bad(error, run->cfg, group, "cache", cache, known->str);
        g_prefix_error(error, "(caches: %s) ", known->str);
        g_string_free(known, TRUE);
        g_free(cache);
        g_free(group);
        return false;
      }
      const FsiSlabCache *c = &run->rc.caches[s->cache];
      if (c->kind != s->kind) {
        fsi_workload_bad(error, run->cfg, group, "cache", cache, "a cache of the stream's kind");
        g_free(cache);
        g_free(group);
        return false;
      }
      g_free(cache);
      g_free(group);
    }
    for (uint32_t o = 0; o < FS_NR_ORDERS; o++)
      if (s->order_w[o] > 0 && o > run->mem.max_order) {
        char *group = g_strdup_printf("stream.%s", s->name);
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: %s.orders: order %u exceeds machine.max_order %u",
                    fsi_config_origin(run->cfg, group, "orders"), group, o, run->mem.max_order);
        g_free(group);
        return false;
      }
    if (s->life.derive) {
      /* footprint = arrival rate x mean pages x mean lifetime */
      double rate = (double)s->ntasks / ((double)s->think_ns * 1e-9);
      s->life.a = s->footprint * (double)managed / (rate * mean_pages(run, s)) * 1e9;
    }
  }
  w->controller = ntasks;
  fsi_run_set_tasks(run, ntasks + 1);
  for (uint32_t si = 0; si < w->nstreams; si++) {
    Stream *s = &w->streams[si];
    char *n = g_strdup_printf("stream_%s_attempts", s->name);
    s->m_attempts = fsi_stats_workload_metric(&run->stats, n);
    g_free(n);
    n = g_strdup_printf("stream_%s_failures", s->name);
    s->m_failures = fsi_stats_workload_metric(&run->stats, n);
    g_free(n);
    set_metric(run, s->m_attempts, 0);
    set_metric(run, s->m_failures, 0);
  }
  if (w->boot_hugepages) {
    /* hugepages=N: the pool is taken at boot, before anything else runs */
    w->m_boot_huge = fsi_stats_workload_metric(&run->stats, "boot_hugepages_allocated");
    uint64_t got = 0;
    for (uint64_t i = 0; i < w->boot_hugepages; i++) {
      FsiRequest rq = {run->mem.pageblock_order, FS_KIND_THP,
                       FS_GFP_HIGHUSER_MOVABLE | FS_GFP_COMP | FS_GFP_RETRY_MAYFAIL | FS_GFP_NOWARN, ntasks, false,
                       false, false};
      if (fsi_run_alloc(run, &rq).handle) got++;
    }
    set_metric(run, w->m_boot_huge, (double)got);
  }
  w->task_scheduled = g_new0(bool, ntasks + 1);
  w->held = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  w->offline_cursor = run->mem.cfg.total_pages - run->mem.cfg.memmap_pages;
  for (uint32_t i = 0; i < w->nphases; i++) register_metrics(run, &w->phases[i]);
  w->phase = 0;
  start_phase(run, w);
  fsi_run_wake_task(run, w->controller, 0);
  return true;
}

bool fsi_file_workload_create(FsiConfig *cfg, FsiWorkload *ret, GError **error) {
  if (!check_keys(cfg, "workload", workload_keys, error)) return false;
  FileWl *w = g_new0(FileWl, 1);
  w->name = fsi_workload_get(cfg, "workload", "name");
  if (!w->name) w->name = g_strdup("workload");
  bool zs_movable = true;
  if (!fsi_workload_get_bool(cfg, "workload", "vmap_stack", false, &w->vmap_stack, error) ||
      !fsi_workload_get_bool(cfg, "workload", "zsmalloc_movable", true, &zs_movable, error) ||
      !fsi_workload_get_uint(cfg, "workload", "boot_hugepages", 0, 1 << 20, &w->boot_hugepages, error)) {
    file_destroy(w);
    return false;
  }
  uint64_t page = fsi_config_size(cfg, "machine", "page_size");
  uint32_t cpus = (uint32_t)fsi_config_int(cfg, "machine", "cpus");
  /* streams in file order */
  char **groups = g_key_file_get_groups(cfg->kf, NULL);
  uint32_t ns = 0;
  for (char **g = groups; *g; g++)
    if (g_str_has_prefix(*g, "stream.")) ns++;
  w->streams = g_new0(Stream, ns ? ns : 1);
  bool ok = true;
  for (char **g = groups; ok && *g; g++) {
    if (g_str_has_prefix(*g, "stream.")) {
      Stream *st = &w->streams[w->nstreams];
      ok = parse_stream(cfg, *g, st, cpus, error);
      /* zsmalloc's pages are movable (zs_page_migrate) since 4.8; older or
       * configured off, they pin their pageblocks like kernel memory */
      if (ok && st->kind == FS_KIND_ZSMALLOC && !zs_movable) st->gfp &= ~(FS_GFP_MOVABLE | FS_GFP_HIGHMEM);
      w->nstreams++;
    } else if (g_str_has_prefix(*g, "phase.")) {
      /* checked when listed */
    } else if (strchr(*g, '.') && !g_str_has_prefix(*g, "phase.")) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "[%s]: unknown section (workload sections are [workload], [phase.NAME], [stream.NAME])", *g);
      ok = false;
    }
  }
  g_strfreev(groups);
  char *phases = ok ? fsi_workload_get(cfg, "workload", "phases") : NULL;
  if (ok && !phases) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: [workload] needs phases = NAME, NAME ... (each a [phase.NAME])",
                fsi_config_origin(cfg, "workload", "name"));
    ok = false;
  }
  if (ok) {
    char **names = g_strsplit(phases, ",", -1);
    w->phases = g_new0(Phase, g_strv_length(names) + 1);
    uint64_t total = 0;
    for (char **n = names; ok && *n; n++) {
      char *pn = g_strstrip(*n);
      if (!*pn) continue;
      ok = parse_phase(cfg, w, pn, &w->phases[w->nphases], page, error);
      total += w->phases[w->nphases].duration_ns;
      w->nphases++;
    }
    g_strfreev(names);
    if (ok && !w->nphases) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: workload.phases is empty", fsi_config_origin(cfg, "workload", "phases"));
      ok = false;
    }
    /* the run lasts as long as the phases unless a duration was set explicitly */
    const char *o = fsi_config_origin(cfg, "sim", "duration");
    if (ok && (!strcmp(o, "default") || !strcmp(o, "phases"))) {
      char *d = g_strdup_printf("%" G_GUINT64_FORMAT "ns", total);
      fsi_config_set_value(cfg, "sim", "duration", d, "phases");
      g_free(d);
    }
  }
  g_free(phases);
  if (!ok) {
    file_destroy(w);
    return false;
  }
  ret->name = w->name;
  ret->state = w;
  ret->start = file_start;
  ret->task_step = file_task_step;
  ret->destroy = file_destroy;
  return true;
}
