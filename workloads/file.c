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

/* What a fill stream's footprint is a fraction of. */
typedef enum { FP_MANAGED = 0, FP_MEMFREE, FP_FREED } FootprintOf;

/* Slab objects an item may hold: a tmpfs file's dentry and inode (and with
 * metadata its xarray node); a pipe's inode, pipe_inode_info, buffer ring,
 * dentry and two struct files. */
#define ITEM_OBJS 6

/* A kept item (lifetime forever): n order-0 pages at handles[first..first+n)
 * of the stream's item_handles, and its slab objects. */
typedef struct {
  guint first;
  uint32_t n;
  FsiHandle obj[ITEM_OBJS];
} Item;

/* The caches of items' kernel metadata (stream key metadata), added to the
 * run when a stream asks for them.  Object sizes are the harness kernel's
 * (Debian 6.1, x86-64; pahole on its BTF): struct inode 632 (inode_cache,
 * pipefs inodes), shmem_inode_info 776, xa_node 576, struct file 232 in a
 * cache-line aligned cache (256), pipe_inode_info 168 (kmalloc-192),
 * pipe_buffer 40 a slot.  Without metadata a tmpfs file's inode is a
 * kmalloc-1k object, as it always was. */
enum { MC_DENTRY, MC_INODE, MC_SHMEM_INODE, MC_XA_NODE, MC_FILP, MC_PIPE_INFO, MC_1K, MC_2K, MC_4K, MC_N };
static const struct {
  const char *name;
  uint32_t kind, size;
} meta_caches[MC_N] = {
    [MC_DENTRY] = {"dentry", FS_KIND_SLAB_RECLAIMABLE, 192},
    [MC_INODE] = {"inode_cache", FS_KIND_SLAB_RECLAIMABLE, 632},
    [MC_SHMEM_INODE] = {"shmem_inode_cache", FS_KIND_SLAB_UNMOVABLE, 776},
    [MC_XA_NODE] = {"radix_tree_node", FS_KIND_SLAB_RECLAIMABLE, 576},
    [MC_FILP] = {"filp", FS_KIND_SLAB_UNMOVABLE, 256},
    [MC_PIPE_INFO] = {"kmalloc-192", FS_KIND_SLAB_UNMOVABLE, 192},
    [MC_1K] = {"kmalloc-1k", FS_KIND_SLAB_UNMOVABLE, 1024},
    [MC_2K] = {"kmalloc-2k", FS_KIND_SLAB_UNMOVABLE, 2048},
    [MC_4K] = {"kmalloc-4k", FS_KIND_SLAB_UNMOVABLE, 4096},
};

typedef struct {
  char *name;
  uint32_t kind;
  uint32_t gfp;
  /* items: a request allocates k order-0 pages, k uniform in
   * [item_min, item_max] (0: no items), freed together */
  uint32_t item_min, item_max;
  double kind_w[FS_KIND_COUNT]; /* mix: a kind per item, page weighted; all 0 without a mix */
  bool mixed;
  bool files;       /* shmem items are tmpfs files: an in-use dentry and inode each */
  bool metadata;    /* items carry the kernel's other metadata (parse_items) */
  uint64_t anon_mapped;     /* metadata: anonymous pages mapped so far (a page table each 512) */
  bool in_use;      /* slab kinds: objects stay in use while they live (never shrunk) */
  FootprintOf footprint_of;
  uint64_t fill_goal;       /* memfree / freed fills: allocated_pages to reach */
  GArray *item_handles;     /* kept items' pages (FsiHandle) */
  GArray *items;            /* Item */
  double order_w[FS_NR_ORDERS];
  uint64_t think_ns;
  uint32_t ntasks, first_task;
  Life life;
  double footprint; /* fraction of managed memory; 0 = none */
  bool fill;        /* allocate until the footprint is reached, then stop */
  bool exit;        /* its memory is freed when it stops (processes exiting) */
  GArray *live;     /* exit streams: handles that may still be live */
  GArray *live_objects;
  guint live_prune, live_objects_prune; /* length at which each is next pruned of dead handles */
  double pinned, dirty, referenced;
  double refault;           /* share of its LRU pages read again if reclaimed (working set) */
  uint64_t refault_after;   /* mean time from reclaim to that re-read */
  int cache;        /* slab kinds: cache index */
  uint32_t objects;
  uint64_t allocated_pages; /* successful pages so far (fill) */
  uint64_t attempts, failures;
  int m_attempts, m_failures;
  /* kind thp: a request of order > 0 is an anonymous THP fault */
  bool madvise;             /* the region is MADV_HUGEPAGE (VM_HUGEPAGE) */
  bool gfp_given;           /* gfp = ...: used as is instead of vma_thp_gfp_mask() */
  uint64_t thp_alloc, thp_fallback;
  int m_thp_alloc, m_thp_fallback;
  GArray *phase_handles;    /* FsiHandle, freed when the phase ends */
  GArray *phase_objects;    /* slab object handles, likewise */
  GArray *kept;             /* FsiHandle of lifetime=forever order-0 pages (fragment action) */
} Stream;

typedef struct {
  uint32_t count, order;
  uint64_t interval, hold; /* hold 0: until the phase ends */
  bool movable, retry;
  bool complete;           /* the phase lasts until every attempt is made (mmtests makes all of them) */
  uint32_t kind;           /* hugetlb (pool pages), module (a kernel module's pages) or thp */
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
    bool madvise; /* the faulting region is MADV_HUGEPAGE */
  } thp;
  /* written at phase start, as /sys/kernel/mm/transparent_hugepage/{enabled,defrag}
   * are: -1 leaves the setting as it is */
  int thp_enabled_set, thp_defrag_set;
  struct {
    uint32_t count;
    uint64_t pages, interval, hold;
  } contig;
  struct {
    uint32_t count;
    uint64_t pages, interval;
  } offline;
  bool *fragment;          /* per stream: fragment_stream names it */
  bool fragmenting;        /* fragment_stream names at least one stream */
  double fragment_fraction;
  bool fragment_items;     /* fragment_mode = items: each kept item freed with probability fragment_fraction */
  uint64_t fragment_freed; /* pages freed by this phase's fragmenting free */
  uint32_t huge_zone[FS_MAX_ZONES]; /* hugepages successes by the zone that served them */
  int m_huge_zone[FS_MAX_ZONES];
  /* nr_hugepages: the hugetlb pool's target size; -1 none, -2 MemFree / huge page size at phase start */
  int64_t pool_target;
  bool pool_keep;
  uint64_t pool_goal, pool_attempts, pool_ns, pool_size; /* pool_size: pages in the pool when the write ended */
  /* LRU pages reclaimed (pgsteal_kswapd + pgsteal_direct) while the phase
   * ran, from the count at its start: the "rclm" of each increment in the
   * 2010 compaction postings, whose "Total pages reclaimed" is their sum;
   * and pgsteal_direct alone, which those postings describe measuring
   * ("how many direct reclaims took place") */
  uint64_t pool_reclaim0, pool_reclaimed, pool_direct0, pool_direct;
  bool pool_failed;
  GHashTable *huge_pfns;   /* distinct head pfns of this phase's hugepages successes */
  /* set: policy parameters written at phase start, as sysctls are */
  char **set_keys, **set_values;
  /* metrics */
  int m_attempts, m_success, m_pct, m_p50, m_p99, m_thp_alloc, m_thp_fallback, m_contig_ok, m_contig_fail,
      m_contig_p50, m_contig_p99, m_offline_ok, m_offline_fail, m_distinct, m_fragment_freed, m_pool, m_pool_target,
      m_pool_attempts, m_pool_ns, m_pool_reclaimed, m_pool_direct;
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
  uint64_t step_t0;    /* the controller step's start: its requests' time base */
  /* controller state */
  uint32_t phase;
  uint64_t phase_start, phase_end;
  uint32_t huge_left, thp_left, contig_left, offline_left;
  uint64_t next_huge, next_thp, next_contig, next_offline;
  uint64_t offline_cursor; /* next pfn range end to offline (from the top) */
  GArray *held;            /* FsiHandle held until the phase ends (huge pages, THP, contig) */
  GArray *pool;            /* the hugetlb pool (nr_hugepages): FsiHandle, kept across phases with nr_hugepages_keep */
  bool pool_active;        /* allocating toward the phase's pool goal */
  uint64_t last_freed;     /* pages freed by the last fragmenting free (refill: footprint_of = freed) */
  bool vmap_stack;         /* kernel stacks are vmalloc'd: four order-0 pages, not one order-2 */
  int thp_enabled, thp_defrag; /* THP_* and DEFRAG_*: vm.thp_enabled, vm.thp_defrag, or a phase's write */
  uint64_t boot_hugepages; /* hugepages=N on the command line: reserved at boot, kept */
  double scale;            /* scale = memory: machine.memory / scale_reference, else 1 */
  int meta_cache[MC_N];    /* items' caches (the metadata ones only with metadata = true), else -1 */
  int file_dentry, file_inode; /* a disk file's cached dentry and inode: the engine's dentry and inode caches */
  int m_boot_huge;
  bool *task_scheduled;
  bool finished;
  bool duration_from_phases; /* sim.duration is the phases' sum: a phase that runs long moves the run's end */
} FileWl;

/* ---- transparent huge pages (mm/huge_memory.c) ------------------------------- */

/* /sys/kernel/mm/transparent_hugepage/enabled and defrag, in the order of
 * the vm.thp_enabled and vm.thp_defrag choices */
enum { THP_ALWAYS, THP_MADVISE, THP_NEVER, THP_NR };
enum { DEFRAG_ALWAYS, DEFRAG_DEFER, DEFRAG_DEFER_MADVISE, DEFRAG_MADVISE, DEFRAG_NEVER, DEFRAG_NR };
static const char *const thp_enabled_names[THP_NR] = {"always", "madvise", "never"};
static const char *const thp_defrag_names[DEFRAG_NR] = {"always", "defer", "defer+madvise", "madvise", "never"};

static int thp_setting(const char *value, const char *const *names, int n) {
  for (int i = 0; value && i < n; i++)
    if (!strcmp(value, names[i])) return i;
  return -1;
}

/* hugepage_vma_check() for an anonymous fault: is a THP attempted at all?
 * enabled=never: no; enabled=madvise: only in a MADV_HUGEPAGE region. */
static bool thp_allowed(const FileWl *w, bool madvised) {
  if (w->thp_enabled == THP_NEVER) return false;
  return madvised || w->thp_enabled == THP_ALWAYS;
}

/* vma_thp_gfp_mask() of 6.1: how hard the THP allocation tries.
 *   defrag          madvised                       not madvised
 *   always          GFP_TRANSHUGE                  GFP_TRANSHUGE | __GFP_NORETRY
 *   defer           LIGHT | __GFP_KSWAPD_RECLAIM   LIGHT | __GFP_KSWAPD_RECLAIM
 *   defer+madvise   GFP_TRANSHUGE                  LIGHT | __GFP_KSWAPD_RECLAIM
 *   madvise         GFP_TRANSHUGE                  LIGHT
 *   never           LIGHT                          LIGHT
 * (LIGHT = GFP_TRANSHUGE_LIGHT: no reclaim, no compaction, no kswapd;
 * GFP_TRANSHUGE = LIGHT | __GFP_DIRECT_RECLAIM: direct compaction.) */
static uint32_t thp_gfp(const FileWl *w, bool madvised) {
  switch (w->thp_defrag) {
  case DEFRAG_ALWAYS: return FS_GFP_TRANSHUGE | (madvised ? 0 : FS_GFP_NORETRY);
  case DEFRAG_DEFER: return FS_GFP_TRANSHUGE_LIGHT | FS_GFP_KSWAPD_RECLAIM;
  case DEFRAG_DEFER_MADVISE:
    return FS_GFP_TRANSHUGE_LIGHT | (madvised ? FS_GFP_DIRECT_RECLAIM : FS_GFP_KSWAPD_RECLAIM);
  case DEFRAG_MADVISE: return FS_GFP_TRANSHUGE_LIGHT | (madvised ? FS_GFP_DIRECT_RECLAIM : 0);
  default: return FS_GFP_TRANSHUGE_LIGHT;
  }
}

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
                                          "pinned", "dirty", "referenced", "cache", "objects", "gfp", "exit",
                                          "item_pages", "mix", "files", "metadata", "in_use", "footprint_of", "madvise", "refault",
                                          "refault_after", NULL};
static const char *const phase_keys[] = {"duration", "streams", "drop_caches", "compact", "hugepages", "hugepage_order",
                                         "hugepage_interval", "hugepage_hold", "hugepage_movable", "hugepage_retry", "hugepage_complete",
                                         "thp_faults", "thp_interval", "thp_hold", "thp_defrag", "thp_enabled",
                                         "thp_madvise", "contig",
                                         "contig_size", "contig_interval", "contig_hold", "offline", "offline_size",
                                         "offline_interval", "fragment_stream", "fragment_fraction", "fragment_mode",
                                         "hugepage_kind", "nr_hugepages", "nr_hugepages_keep", "set", NULL};
static const char *const workload_keys[] = {"name", "description", "protocol", "phases", "vmap_stack",
                                            "zsmalloc_movable", "boot_hugepages", "headline", "scale",
                                            "scale_reference", NULL};

/* headline = metric, metric ...: summary.csv columns the comparison table
 * shows first (results/table.c reads it back from run.ini).  Only its form
 * is checked here: which metrics a run has is known when it has run. */
static bool check_headline(FsiConfig *cfg, GError **error) {
  char *v = fsi_workload_get(cfg, "workload", "headline");
  if (!v) return true;
  char **parts = g_strsplit(v, ",", -1);
  bool ok = true, any = false;
  for (char **p = parts; ok && *p; p++) {
    char *name = g_strstrip(*p);
    if (!*name) continue;
    any = true;
    for (const char *c = name; ok && *c; c++)
      if (!g_ascii_isalnum(*c) && *c != '_' && *c != '.') {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                    "%s: workload.headline: \"%s\" is not a metric name (summary.csv columns, comma separated; "
                    "fragsim list metrics)",
                    fsi_config_origin(cfg, "workload", "headline"), name);
        ok = false;
      }
  }
  if (ok && !any) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: workload.headline is empty (leave it out for the default)",
                fsi_config_origin(cfg, "workload", "headline"));
    ok = false;
  }
  g_strfreev(parts);
  g_free(v);
  return ok;
}

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
    if (w->streams[i].item_handles) g_array_unref(w->streams[i].item_handles);
    if (w->streams[i].items) g_array_unref(w->streams[i].items);
  }
  for (uint32_t i = 0; i < w->nphases; i++) {
    g_free(w->phases[i].name);
    g_free(w->phases[i].active);
    g_free(w->phases[i].fragment);
    g_strfreev(w->phases[i].set_keys);
    g_strfreev(w->phases[i].set_values);
    if (w->phases[i].huge_pfns) g_hash_table_unref(w->phases[i].huge_pfns);
  }
  if (w->pool) g_array_unref(w->pool);
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

static bool is_slab_kind(uint32_t kind) { return kind == FS_KIND_SLAB_RECLAIMABLE || kind == FS_KIND_SLAB_UNMOVABLE; }

/* mix = anon:60, shmem:30, pipe:10: each item (or request) draws its kind,
 * page weighted (every kind draws its size from the same distribution).
 * s->kind becomes the first kind listed. */
static bool parse_mix(FsiConfig *cfg, const char *g, const char *v, Stream *s, GError **error) {
  static const char *expected = "a kind mix like anon:60, shmem:30, pipe:10 (kinds of pages, not slab)";
  bool ok = true;
  double sum = 0;
  int first = -1;
  char **parts = g_strsplit(v, ",", -1);
  for (char **p = parts; ok && *p; p++) {
    char *item = g_strstrip(*p), *end;
    if (!*item) continue;
    char *colon = strchr(item, ':');
    char *name = colon ? g_strndup(item, (gsize)(colon - item)) : g_strdup(item);
    int k = fsi_kind_from_name(g_strstrip(name));
    g_free(name);
    double weight = colon ? g_ascii_strtod(colon + 1, &end) : 1;
    if (k < 0 || is_slab_kind((uint32_t)k) || (colon && (*end || !isfinite(weight) || weight < 0))) {
      ok = false;
      break;
    }
    if (first < 0) first = k;
    s->kind_w[k] += weight;
    sum += weight;
  }
  g_strfreev(parts);
  if (!ok || sum <= 0) return fsi_workload_bad(error, cfg, g, "mix", v, expected);
  s->mixed = true;
  s->kind = (uint32_t)first;
  return true;
}

/* item_pages, files, in_use, footprint_of: the keys of items, tmpfs files,
 * in-use slab objects and fills measured against MemFree or a free. */
static bool parse_items(FsiConfig *cfg, const char *group, Stream *s, GError **error) {
  char *v = fsi_workload_get(cfg, group, "item_pages");
  bool slab = is_slab_kind(s->kind);
  if (v) {
    static const char *expected = "an item size in pages: N, or uniform:MIN,MAX (1 <= MIN <= MAX <= 65536)";
    char *end;
    guint64 a = 0, b = 0;
    if (g_str_has_prefix(v, "uniform:")) {
      char **ab = g_strsplit(v + strlen("uniform:"), ",", -1);
      if (g_strv_length(ab) == 2) {
        a = g_ascii_strtoull(g_strstrip(ab[0]), &end, 10);
        if (*end || end == ab[0]) a = 0;
        b = g_ascii_strtoull(g_strstrip(ab[1]), &end, 10);
        if (*end || end == ab[1]) b = 0;
      }
      g_strfreev(ab);
    } else {
      a = b = g_ascii_strtoull(v, &end, 10);
      if (*end || end == v) a = 0;
    }
    bool ok = a >= 1 && b >= a && b <= 65536;
    if (ok && slab) {
      fsi_workload_bad(error, cfg, group, "item_pages", v, "valid for page kinds only (slab streams have objects)");
      g_free(v);
      return false;
    }
    char *orders = fsi_workload_get(cfg, group, "orders");
    if (ok && orders) {
      fsi_workload_bad(error, cfg, group, "item_pages", v, "given without orders (an item is order-0 pages)");
      g_free(orders);
      g_free(v);
      return false;
    }
    g_free(orders);
    if (!ok) {
      fsi_workload_bad(error, cfg, group, "item_pages", v, expected);
      g_free(v);
      return false;
    }
    s->item_min = (uint32_t)a;
    s->item_max = (uint32_t)b;
    g_free(v);
  }
  if (!fsi_workload_get_bool(cfg, group, "files", false, &s->files, error) ||
      !fsi_workload_get_bool(cfg, group, "metadata", false, &s->metadata, error) ||
      !fsi_workload_get_bool(cfg, group, "in_use", false, &s->in_use, error))
    return false;
  if (s->metadata && !s->item_min)
    return fsi_workload_bad(error, cfg, group, "metadata", "true", "valid with item_pages (metadata is an item's)");
  if (s->files && !(s->kind == FS_KIND_SHMEM || s->kind == FS_KIND_FILE ||
                   (s->mixed && (s->kind_w[FS_KIND_SHMEM] > 0 || s->kind_w[FS_KIND_FILE] > 0))))
    return fsi_workload_bad(error, cfg, group, "files", "true", "valid for shmem and file streams (or a mix with them)");
  if (s->files && !s->item_min)
    return fsi_workload_bad(error, cfg, group, "files", "true", "valid with item_pages (a file is an item)");
  if (s->in_use && !slab) return fsi_workload_bad(error, cfg, group, "in_use", "true", "valid for slab kinds only");
  char *gfp = s->mixed ? fsi_workload_get(cfg, group, "gfp") : NULL;
  if (gfp) {
    fsi_workload_bad(error, cfg, group, "gfp", gfp, "given without mix (each kind of a mix has its own gfp)");
    g_free(gfp);
    return false;
  }
  char *fo = fsi_workload_get(cfg, group, "footprint_of");
  if (fo) {
    if (!strcmp(fo, "managed")) s->footprint_of = FP_MANAGED;
    else if (!strcmp(fo, "memfree")) s->footprint_of = FP_MEMFREE;
    else if (!strcmp(fo, "freed")) s->footprint_of = FP_FREED;
    else {
      fsi_workload_bad(error, cfg, group, "footprint_of", fo, "managed, memfree or freed");
      g_free(fo);
      return false;
    }
    if (s->footprint_of != FP_MANAGED && !s->fill) {
      fsi_workload_bad(error, cfg, group, "footprint_of", fo, "valid for fill streams only (fill = true)");
      g_free(fo);
      return false;
    }
    g_free(fo);
  }
  s->item_handles = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  s->items = g_array_new(FALSE, FALSE, sizeof(Item));
  return true;
}

/* ---- scaling with the machine (scale = memory) ------------------------------- */

/* A count of things done over a phase (huge page attempts, pool size, THP
 * faults, blocks offlined) times the scale, at least 1 if it was not 0. */
static uint32_t scale_count(uint32_t n, double k) {
  if (k == 1.0 || !n) return n;
  double v = nearbyint((double)n * k);
  return v < 1 ? 1 : v > (double)(1u << 24) ? 1u << 24 : (uint32_t)v;
}

/* An interval between events divided by the scale (so the phase does
 * k times as much in the same time), at least 1 ns. */
static uint64_t scale_interval(uint64_t ns, double k) {
  if (k == 1.0) return ns;
  double v = nearbyint((double)ns / k);
  return v < 1 ? 1 : (uint64_t)v;
}

static bool parse_stream(FsiConfig *cfg, const char *group, Stream *s, uint32_t cpus, GError **error) {
  if (!check_keys(cfg, group, stream_keys, error)) return false;
  s->name = g_strdup(group + strlen("stream."));
  char *kind = fsi_workload_get(cfg, group, "kind");
  char *mix = fsi_workload_get(cfg, group, "mix");
  if (mix) {
    bool ok = !kind && parse_mix(cfg, group, mix, s, error);
    if (kind) fsi_workload_bad(error, cfg, group, "mix", mix, "given with kind (a stream has one or the other)");
    g_free(mix);
    g_free(kind);
    if (!ok) return false;
    kind = g_strdup(fsi_kind_name(s->kind));
  }
  int k = kind ? fsi_kind_from_name(kind) : -1;
  if (k < 0) {
    fsi_workload_bad(error, cfg, group, "kind", kind,
        "a kind: anon, file, shmem, pipe, slab_reclaimable, slab_unmovable, pagetable, kernel_stack, atomic, thp, "
        "zsmalloc, device, hugetlb, module");
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
    s->gfp_given = true;
  }
  if (!fsi_workload_get_bool(cfg, group, "madvise", false, &s->madvise, error)) return false;
  if (g_key_file_has_key(cfg->kf, group, "madvise", NULL) && (s->mixed || s->kind != FS_KIND_THP)) {
    char *v = fsi_workload_get(cfg, group, "madvise");
    fsi_workload_bad(error, cfg, group, "madvise", v,
                     "usable here: madvise is for kind thp streams (their faults are THP faults)");
    g_free(v);
    return false;
  }
  uint64_t tasks, objects, think;
  double rate;
  /* think and rate say one thing two ways, and a zero says nothing (it
   * fell back to the default think time without a word, #16) */
  char *think_v = fsi_workload_get(cfg, group, "think"), *rate_v = fsi_workload_get(cfg, group, "rate");
  bool think_given = think_v != NULL, rate_given = rate_v != NULL;
  g_free(think_v);
  g_free(rate_v);
  if (think_given && rate_given) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: %s.rate: give think or rate, not both (think is set at %s)",
                fsi_config_origin(cfg, group, "rate"), group, fsi_config_origin(cfg, group, "think"));
    return false;
  }
  if (!parse_orders(cfg, group, s->order_w, error) || !parse_life(cfg, group, &s->life, error) ||
      !fsi_workload_get_uint(cfg, group, "tasks", cpus, 1024, &tasks, error) || !fsi_workload_get_duration(cfg, group, "think", 0, &think, error) ||
      !fsi_workload_get_double(cfg, group, "rate", 0, 0, 1e12, &rate, error) ||
      !fsi_workload_get_double(cfg, group, "footprint", 0, 0, 4, &s->footprint, error) ||
      !fsi_workload_get_bool(cfg, group, "fill", false, &s->fill, error) ||
      !fsi_workload_get_bool(cfg, group, "exit", false, &s->exit, error) ||
      !fsi_workload_get_double(cfg, group, "pinned", 0, 0, 1, &s->pinned, error) ||
      !fsi_workload_get_double(cfg, group, "dirty", 0, 0, 1, &s->dirty, error) ||
      !fsi_workload_get_double(cfg, group, "referenced", 0, 0, 1, &s->referenced, error) ||
      !fsi_workload_get_double(cfg, group, "refault", 0, 0, 1, &s->refault, error) ||
      !fsi_workload_get_duration(cfg, group, "refault_after", 1000000000ull, &s->refault_after, error) ||
      !fsi_workload_get_uint(cfg, group, "objects", 1, 65536, &objects, error))
    return false;
  if (!tasks) return fsi_workload_bad(error, cfg, group, "tasks", "0", "at least 1");
  if (!objects) return fsi_workload_bad(error, cfg, group, "objects", "0", "at least 1");
  if (rate_given && !(rate > 0)) return fsi_workload_bad(error, cfg, group, "rate", "0", "a rate above 0 per second");
  if (think_given && !think) return fsi_workload_bad(error, cfg, group, "think", "0s", "a think time above 0");
  s->ntasks = (uint32_t)tasks;
  s->objects = (uint32_t)objects;
  if (rate > 0) {
    /* the mean time between one task's requests; a rate so low that it
     * exceeds any run (2^62 ns, 146 years) cannot be represented */
    double t = (double)s->ntasks / rate * 1e9;
    if (!(t < 0x1p62)) {
      char *v = fsi_workload_get(cfg, group, "rate");
      fsi_workload_bad(error, cfg, group, "rate", v, "a rate whose interval per task is under 146 years");
      g_free(v);
      return false;
    }
    think = (uint64_t)t;
  }
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
  if (!parse_items(cfg, group, s, error)) return false;
  if (s->life.derive && !s->footprint && !s->fill)
    return fsi_workload_bad(error, cfg, group, "lifetime", "exp", "derivable: give exp:MEAN, or a footprint to derive it from");
  s->phase_handles = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  s->phase_objects = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  s->kept = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  s->live = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  s->live_objects = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  return true;
}

/* Remembers a handle of an exit stream; drops dead ones when the list has
 * doubled since the last pruning, so it stays about as long as what is live
 * and each handle is looked at a bounded number of times on average (a
 * fixed threshold prunes again and again once as many are live). */
static void track(FsiRun *run, GArray *a, guint *prune_at, FsiHandle h, bool objects) {
  g_array_append_val(a, h);
  if (a->len < MAX(*prune_at, 4096u)) return;
  guint j = 0;
  for (guint i = 0; i < a->len; i++) {
    FsiHandle x = g_array_index(a, FsiHandle, i);
    bool alive = objects ? fsi_slab_live(run, x) : fsi_run_lookup(run, x) != NULL;
    if (alive) g_array_index(a, FsiHandle, j++) = x;
  }
  g_array_set_size(a, j);
  *prune_at = 2 * j;
}

/* A comma-separated list of stream names under group's key: marks each in
 * on (per stream); *any (may be NULL) tells whether one was named. */
static bool parse_stream_list(FsiConfig *cfg, FileWl *w, const char *group, const char *key, bool *on, bool *any,
                              GError **error) {
  char *list = fsi_workload_get(cfg, group, key);
  if (!list) return true;
  char **names = g_strsplit(list, ",", -1);
  bool ok = true;
  for (char **n = names; ok && *n; n++) {
    char *sn = g_strstrip(*n);
    if (!*sn) continue;
    int si = stream_index(w, sn);
    if (si < 0) {
      char *exp = g_strdup_printf("a list of streams ([stream.%s] does not exist)", sn);
      fsi_workload_bad(error, cfg, group, key, list, exp);
      g_free(exp);
      ok = false;
      break;
    }
    on[si] = true;
    if (any) *any = true;
  }
  g_strfreev(names);
  g_free(list);
  return ok;
}

static bool parse_phase(FsiConfig *cfg, FileWl *w, const char *name, Phase *p, uint64_t page, GError **error) {
  char *group = g_strdup_printf("phase.%s", name);
  bool ok = false;
  p->name = g_strdup(name);
  p->active = g_new0(bool, w->nstreams);
  p->fragment = g_new0(bool, w->nstreams);
  p->pool_target = -1;
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
  if (!parse_stream_list(cfg, w, group, "streams", p->active, NULL, error)) goto out;
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
      !fsi_workload_get_bool(cfg, group, "hugepage_retry", true, &p->huge.retry, error) ||
      !fsi_workload_get_bool(cfg, group, "hugepage_complete", false, &p->huge.complete, error))
    goto out;
  char *hk = fsi_workload_get(cfg, group, "hugepage_kind");
  p->huge.kind = FS_KIND_HUGETLB;
  if (hk) {
    int k = fsi_kind_from_name(hk);
    if (k != FS_KIND_HUGETLB && k != FS_KIND_MODULE && k != FS_KIND_THP) {
      fsi_workload_bad(error, cfg, group, "hugepage_kind", hk, "hugetlb, module or thp");
      g_free(hk);
      goto out;
    }
    p->huge.kind = (uint32_t)k;
    g_free(hk);
  }
  char *nh = fsi_workload_get(cfg, group, "nr_hugepages");
  if (nh) {
    char *end;
    guint64 n = g_ascii_strtoull(nh, &end, 10);
    if (!strcmp(nh, "memfree")) p->pool_target = -2;
    else if (end != nh && !*end && n <= (1u << 24)) p->pool_target = (int64_t)n;
    else {
      fsi_workload_bad(error, cfg, group, "nr_hugepages", nh, "a pool size N, or memfree (MemFree / huge page size)");
      g_free(nh);
      goto out;
    }
    g_free(nh);
  }
  if (!fsi_workload_get_bool(cfg, group, "nr_hugepages_keep", false, &p->pool_keep, error)) goto out;
  char *set = fsi_workload_get(cfg, group, "set");
  if (set) {
    char **parts = g_strsplit(set, ",", -1);
    GPtrArray *keys = g_ptr_array_new(), *values = g_ptr_array_new();
    bool good = true;
    for (char **q = parts; good && *q; q++) {
      char *item = g_strstrip(*q);
      if (!*item) continue;
      char *eq = strchr(item, '=');
      char *dot = strchr(item, '.');
      good = eq && dot && dot < eq && dot > item && eq > dot + 1 && eq[1];
      if (!good) break;
      char *k = g_strndup(item, (gsize)(eq - item));
      g_ptr_array_add(keys, g_strdup(g_strstrip(k)));
      g_free(k);
      g_ptr_array_add(values, g_strstrip(g_strdup(eq + 1)));
    }
    g_ptr_array_add(keys, NULL);
    g_ptr_array_add(values, NULL);
    p->set_keys = (char **)g_ptr_array_free(keys, FALSE);
    p->set_values = (char **)g_ptr_array_free(values, FALSE);
    g_strfreev(parts);
    if (!good) {
      fsi_workload_bad(error, cfg, group, "set", set, "POLICY.PARAM=VALUE, comma separated (e.g. kcompactd.proactiveness=0)");
      g_free(set);
      goto out;
    }
    g_free(set);
  }
  if (!fsi_workload_get_uint(cfg, group, "thp_faults", 0, 1 << 24, &v, error)) goto out;
  p->thp.count = (uint32_t)v;
  if (!fsi_workload_get_duration(cfg, group, "thp_interval", 10 * 1000 * 1000ull, &p->thp.interval, error) ||
      !fsi_workload_get_duration(cfg, group, "thp_hold", 0, &p->thp.hold, error))
    goto out;
  if (!fsi_workload_get_bool(cfg, group, "thp_madvise", false, &p->thp.madvise, error)) goto out;
  /* sysfs writes at phase start: transparent_hugepage/enabled and defrag */
  char *en = fsi_workload_get(cfg, group, "thp_enabled");
  p->thp_enabled_set = en ? thp_setting(en, thp_enabled_names, THP_NR) : -1;
  if (en && p->thp_enabled_set < 0) {
    fsi_workload_bad(error, cfg, group, "thp_enabled", en, "one of always, madvise, never");
    g_free(en);
    goto out;
  }
  g_free(en);
  char *defrag = fsi_workload_get(cfg, group, "thp_defrag");
  p->thp_defrag_set = defrag ? thp_setting(defrag, thp_defrag_names, DEFRAG_NR) : -1;
  if (defrag && p->thp_defrag_set < 0) {
    fsi_workload_bad(error, cfg, group, "thp_defrag", defrag, "one of always, defer, defer+madvise, madvise, never");
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
  /* scale = memory: k times the attempts, faults, pool and memory blocks in
   * the same phase time; a device's buffers (contig_*) and the memory
   * block size are the hardware's and stay */
  p->huge.count = scale_count(p->huge.count, w->scale);
  p->huge.interval = scale_interval(p->huge.interval, w->scale);
  p->thp.count = scale_count(p->thp.count, w->scale);
  p->thp.interval = scale_interval(p->thp.interval, w->scale);
  p->offline.count = scale_count(p->offline.count, w->scale);
  p->offline.interval = scale_interval(p->offline.interval, w->scale);
  if (p->pool_target > 0) p->pool_target = scale_count((uint32_t)p->pool_target, w->scale);
  if (!parse_stream_list(cfg, w, group, "fragment_stream", p->fragment, &p->fragmenting, error)) goto out;
  if (p->fragmenting) {
    if (!fsi_workload_get_double(cfg, group, "fragment_fraction", 0.75, 0, 1, &p->fragment_fraction, error)) goto out;
    char *mode = fsi_workload_get(cfg, group, "fragment_mode");
    if (mode && strcmp(mode, "pages") && strcmp(mode, "items")) {
      fsi_workload_bad(error, cfg, group, "fragment_mode", mode, "pages or items");
      g_free(mode);
      goto out;
    }
    p->fragment_items = mode && !strcmp(mode, "items");
    g_free(mode);
    for (uint32_t si = 0; si < w->nstreams; si++)
      if (p->fragment_items && p->fragment[si] && !w->streams[si].item_min) {
        char *exp = g_strdup_printf("used on streams with item_pages ([stream.%s] has none)", w->streams[si].name);
        fsi_workload_bad(error, cfg, group, "fragment_mode", "items", exp);
        g_free(exp);
        goto out;
      }
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
  p->m_offline_ok = p->m_offline_fail = p->m_distinct = p->m_fragment_freed = -1;
  p->m_pool = p->m_pool_target = p->m_pool_attempts = p->m_pool_ns = p->m_pool_reclaimed = p->m_pool_direct = -1;
  if (p->huge.count) {
    REG(m_attempts, "huge_attempts");
    REG(m_success, "huge_success");
    REG(m_distinct, "huge_distinct");
    REG(m_pct, "huge_success_pct");
    REG(m_p50, "huge_latency_p50_ns");
    REG(m_p99, "huge_latency_p99_ns");
    /* by the zone that served them: the 2006 postings count the huge pages
     * at rest that came from ZONE_NORMAL */
    for (uint32_t z = 0; z < run->mem.nr_zones; z++) {
      p->m_huge_zone[z] = -1;
      if (!run->mem.zones[z].present_pages) continue;
      char *zn = g_ascii_strdown(run->mem.zones[z].name, -1);
      n = g_strdup_printf("phase_%s_huge_zone_%s", p->name, zn);
      p->m_huge_zone[z] = fsi_stats_workload_metric(&run->stats, n);
      g_free(n);
      g_free(zn);
    }
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
  if (p->fragmenting) {
    REG(m_fragment_freed, "fragment_freed_pages");
  }
  if (p->pool_target != -1) {
    REG(m_pool, "nr_hugepages");
    REG(m_pool_target, "nr_hugepages_target");
    REG(m_pool_attempts, "nr_hugepages_attempts");
    REG(m_pool_ns, "nr_hugepages_ns");
    REG(m_pool_reclaimed, "nr_hugepages_reclaimed");
    REG(m_pool_direct, "nr_hugepages_reclaimed_direct");
  }
#undef REG
}

static uint64_t lru_reclaimed(const FsiRun *run) {
  return run->stats.c[FSI_C_pgsteal_kswapd] + run->stats.c[FSI_C_pgsteal_direct];
}

/* p is always the phase that is running */
static void update_metrics(FsiRun *run, Phase *p) {
  if (p->pool_target != -1) {
    p->pool_reclaimed = lru_reclaimed(run) - p->pool_reclaim0;
    p->pool_direct = run->stats.c[FSI_C_pgsteal_direct] - p->pool_direct0;
  }
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
  set_metric(run, p->m_distinct, p->huge_pfns ? (double)g_hash_table_size(p->huge_pfns) : 0);
  if (p->huge.count)
    for (uint32_t z = 0; z < run->mem.nr_zones; z++) set_metric(run, p->m_huge_zone[z], (double)p->huge_zone[z]);
  set_metric(run, p->m_fragment_freed, (double)p->fragment_freed);
  set_metric(run, p->m_pool, (double)p->pool_size);
  set_metric(run, p->m_pool_target, (double)p->pool_goal);
  set_metric(run, p->m_pool_attempts, (double)p->pool_attempts);
  set_metric(run, p->m_pool_ns, (double)p->pool_ns);
  set_metric(run, p->m_pool_reclaimed, (double)p->pool_reclaimed);
  set_metric(run, p->m_pool_direct, (double)p->pool_direct);
}

static double mean_pages(const FsiRun *run, const Stream *s) {
  if (s->cache >= 0)
    return (double)s->objects * run->rc.caches[s->cache].obj_size / (double)run->mem.cfg.page_size;
  if (s->item_min) return ((double)s->item_min + (double)s->item_max) / 2;
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
static uint64_t free_item(FsiRun *run, Stream *s, const Item *it) {
  uint64_t freed = 0;
  for (uint32_t j = 0; j < it->n; j++) {
    FsiHandle h = g_array_index(s->item_handles, FsiHandle, it->first + j);
    if (!fsi_run_lookup(run, h)) continue;
    fsi_run_free_handle(run, h);
    freed++;
  }
  /* the file goes with its pages: unlink drops the dentry and the inode
   * (and close() a pipe's structures) */
  for (int o = 0; o < ITEM_OBJS; o++)
    if (it->obj[o]) fsi_slab_free(run, it->obj[o]);
  return freed;
}

/* The item-wise fragmenting free: each kept item (a file, a pipe, a
 * mapping) is freed whole with probability fragment_fraction, one draw per
 * item whatever its state (common random numbers). */
static uint64_t fragment_items(FsiRun *run, FileWl *w, Phase *p, Stream *s) {
  FsiRng *r = &run->tasks[w->controller].rng;
  GArray *handles = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  GArray *items = g_array_new(FALSE, FALSE, sizeof(Item));
  uint64_t freed = 0;
  for (guint i = 0; i < s->items->len; i++) {
    Item it = g_array_index(s->items, Item, i);
    bool drop = fsi_rng_double(r) < p->fragment_fraction;
    if (drop) {
      freed += free_item(run, s, &it);
      continue;
    }
    Item kept = it;
    kept.first = handles->len;
    g_array_append_vals(handles, &g_array_index(s->item_handles, FsiHandle, it.first), it.n);
    g_array_append_val(items, kept);
  }
  g_array_unref(s->item_handles);
  g_array_unref(s->items);
  s->item_handles = handles;
  s->items = items;
  return freed;
}

/* The page-wise fragmenting free of one stream's kept pages. */
static uint64_t fragment_pages(FsiRun *run, FileWl *w, Phase *p, Stream *s) {
  FsiRng *r = &run->tasks[w->controller].rng;
  uint64_t freed = 0;
  GArray *keep = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  for (guint i = 0; i < s->kept->len; i++) {
    FsiHandle h = g_array_index(s->kept, FsiHandle, i);
    /* one draw per page, whatever the page's state: common random numbers */
    bool drop = fsi_rng_double(r) < p->fragment_fraction;
    if (!fsi_run_lookup(run, h)) continue;
    if (drop) {
      fsi_run_free_handle(run, h);
      freed++;
    } else {
      g_array_append_val(keep, h);
    }
  }
  g_array_unref(s->kept);
  s->kept = keep;
  return freed;
}

/* The phase's fragmenting free: each stream fragment_stream names, in file
 * order. */
static void fragment(FsiRun *run, FileWl *w, Phase *p) {
  uint64_t freed = 0;
  for (uint32_t si = 0; si < w->nstreams; si++)
    if (p->fragment[si])
      freed += p->fragment_items ? fragment_items(run, w, p, &w->streams[si]) : fragment_pages(run, w, p, &w->streams[si]);
  p->fragment_freed = freed;
  w->last_freed = freed;
}

/* MemFree: NR_FREE_PAGES of every zone (pages on per-CPU lists are not in it). */
static uint64_t memfree_pages(const FsiRun *run) {
  uint64_t n = 0;
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) n += run->mem.zones[z].nr_free_pages;
  return n;
}

static void pool_release(FsiRun *run, FileWl *w, guint keep) {
  while (w->pool->len > keep) {
    fsi_run_free_handle(run, g_array_index(w->pool, FsiHandle, w->pool->len - 1));
    g_array_set_size(w->pool, w->pool->len - 1);
  }
}

/* Writing nr_hugepages: set_max_huge_pages().  A smaller target frees pool
 * pages at once; a larger one allocates pool pages back to back (the
 * controller's steps) until the pool holds the target or one allocation
 * fails: alloc_pool_huge_page() failing ends the loop ("goto out").  Its
 * node_alloc_noretry rule (drop __GFP_RETRY_MAYFAIL on a node where a
 * try-hard attempt failed) never applies on one node, as the first failure
 * ends the write. */
static void pool_start(FsiRun *run, FileWl *w, Phase *p) {
  uint64_t goal = p->pool_target == -2 ? memfree_pages(run) >> p->huge.order : (uint64_t)p->pool_target;
  p->pool_goal = goal;
  if (w->pool->len >= goal) {
    pool_release(run, w, (guint)goal);
    p->pool_size = w->pool->len;
    return;
  }
  p->pool_size = w->pool->len;
  w->pool_active = true;
}

static void pool_step(FsiRun *run, FileWl *w, Phase *p) {
  /* alloc_pool_huge_page(): htlb_alloc_mask(h) | __GFP_THISNODE, and
   * alloc_buddy_huge_page() adds __GFP_COMP | __GFP_NOWARN |
   * __GFP_RETRY_MAYFAIL */
  uint32_t gfp = (p->huge.movable ? FS_GFP_HIGHUSER_MOVABLE : (FS_GFP_USER | FS_GFP_HIGHMEM)) | FS_GFP_THISNODE |
                 FS_GFP_COMP | FS_GFP_NOWARN | FS_GFP_RETRY_MAYFAIL;
  FsiRequest rq = {p->huge.order, FS_KIND_HUGETLB, gfp, w->controller, false, false, false, false};
  FsiAllocResult r = fsi_run_alloc(run, &rq);
  p->pool_attempts++;
  p->pool_ns += r.latency_ns;
  if (r.handle) g_array_append_val(w->pool, r.handle);
  else p->pool_failed = true;
  if (!r.handle || w->pool->len >= p->pool_goal) w->pool_active = false;
  p->pool_size = w->pool->len;
}

/* The fill goals measured at a phase start: MemFree now, or the pages the
 * last fragmenting free gave back (a refill). */
static void set_fill_goals(FsiRun *run, FileWl *w, Phase *p) {
  uint64_t memfree = memfree_pages(run);
  for (uint32_t si = 0; si < w->nstreams; si++) {
    Stream *s = &w->streams[si];
    if (!p->active[si] || !s->fill || s->footprint_of == FP_MANAGED) continue;
    double base = s->footprint_of == FP_MEMFREE ? (double)memfree : (double)w->last_freed;
    s->fill_goal = s->allocated_pages + (uint64_t)(s->footprint * base);
  }
}

static void apply_settings(FsiRun *run, FileWl *w, Phase *p) {
  for (guint i = 0; p->set_keys && p->set_keys[i]; i++) {
    GError *e = NULL;
    if (!fsi_run_set_param(run, p->set_keys[i], p->set_values[i], true, &e)) {
      g_prefix_error(&e, "phase.%s.set: ", p->name);
      fsi_run_fail(run, e);
      w->finished = true;
      return;
    }
  }
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
  p->pool_reclaim0 = lru_reclaimed(run);
  p->pool_direct0 = run->stats.c[FSI_C_pgsteal_direct];
  /* in file order: sysctl (and THP sysfs) writes, drop_caches, compact_memory, the
   * fragmenting free, then the fill goals and the nr_hugepages write */
  apply_settings(run, w, p);
  if (p->thp_enabled_set >= 0) w->thp_enabled = p->thp_enabled_set;
  if (p->thp_defrag_set >= 0) w->thp_defrag = p->thp_defrag_set;
  if (p->drop_caches) fsi_drop_caches(run, p->drop_caches);
  if (p->compact) fsi_run_compact_memory(run);
  if (p->fragmenting) fragment(run, w, p);
  set_fill_goals(run, w, p);
  if (p->pool_target != -1) pool_start(run, w, p);
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
  w->pool_active = false;
  /* the pool is given back (nr_hugepages = 0) unless kept */
  if (p->pool_target != -1 && !p->pool_keep) pool_release(run, w, 0);
  for (uint32_t si = 0; si < w->nstreams; si++) {
    Stream *s = &w->streams[si];
    free_handles(run, s->phase_handles, false);
    free_handles(run, s->phase_objects, true);
  }
  update_metrics(run, p);
}

static void hold(FsiRun *run, FileWl *w, FsiHandle h, uint64_t hold_ns, uint64_t latency) {
  if (hold_ns) fsi_run_free_after(run, h, fsi_run_delay_from(run, w->step_t0, latency + hold_ns));
  else g_array_append_val(w->held, h);
}

static void do_huge(FsiRun *run, FileWl *w, Phase *p) {
  /* nr_hugepages: htlb_alloc_mask | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN;
   * migratable hstates use GFP_HIGHUSER_MOVABLE, older kernels GFP_HIGHUSER */
  uint32_t gfp = (p->huge.movable ? FS_GFP_HIGHUSER_MOVABLE : (FS_GFP_USER | FS_GFP_HIGHMEM)) | FS_GFP_COMP |
                 FS_GFP_NOWARN | (p->huge.retry ? FS_GFP_RETRY_MAYFAIL : 0);
  FsiRequest rq = {p->huge.order, p->huge.kind, gfp, w->controller, false, false, false, false};
  FsiAllocResult r = fsi_run_alloc(run, &rq);
  p->attempts++;
  fsi_hist_add(&p->huge_lat, r.latency_ns);
  if (r.handle) {
    p->success++;
    uint32_t z = fsi_pfn_zone(&run->mem, r.pfn);
    if (z < FS_MAX_ZONES) p->huge_zone[z]++;
    /* distinct blocks: a block handed out again after its holder lost it
     * (reclaimed THP) is one block, not two */
    if (!p->huge_pfns) p->huge_pfns = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    gint64 *key = g_new(gint64, 1);
    *key = (gint64)r.pfn;
    g_hash_table_add(p->huge_pfns, key);
    hold(run, w, r.handle, p->huge.hold, r.latency_ns);
  }
}

/* An anonymous fault in a huge-page-sized, aligned region: do_huge_pmd_anonymous_page()
 * when hugepage_vma_check() allows a THP, else (or when the THP allocation fails:
 * thp_fault_fallback) do_anonymous_page()'s base page, GFP_HIGHUSER_MOVABLE. */
static void do_thp(FsiRun *run, FileWl *w, Phase *p) {
  uint64_t latency = 0;
  if (thp_allowed(w, p->thp.madvise)) {
    FsiRequest rq = {run->mem.pageblock_order, FS_KIND_THP, thp_gfp(w, p->thp.madvise), w->controller,
                     false, false, false, false};
    FsiAllocResult r = fsi_run_alloc(run, &rq);
    if (r.handle) {
      p->thp_alloc++;
      hold(run, w, r.handle, p->thp.hold, r.latency_ns);
      return;
    }
    p->thp_fallback++;
    latency = r.latency_ns;
  }
  FsiRequest small = {0, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE, w->controller, false, false, false, false};
  FsiAllocResult r = fsi_run_alloc(run, &small);
  if (r.handle) hold(run, w, r.handle, p->thp.hold, latency + r.latency_ns);
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

/* hugepage_complete: the phase's time is up with attempts still to make (they
 * stalled): it goes on for at least the interval of each attempt left, and
 * the run's end moves with it when the phases set it. */
static void extend_phase(FsiRun *run, FileWl *w, const Phase *p) {
  uint64_t from = MAX(run->now_ns, w->next_huge);
  uint64_t end = from + (uint64_t)w->huge_left * p->huge.interval;
  uint64_t delta = end - w->phase_end;
  w->phase_end = end;
  if (w->duration_from_phases) fsi_run_extend(run, delta);
}

static void controller_step(FsiRun *run, FileWl *w) {
  if (w->finished) return;
  while (run->now_ns >= w->phase_end) {
    if (w->phases[w->phase].huge.complete && w->huge_left) {
      extend_phase(run, w, &w->phases[w->phase]);
      break;
    }
    end_phase(run, w);
    if (++w->phase >= w->nphases) {
      w->finished = true;
      return;
    }
    start_phase(run, w);
  }
  Phase *p = &w->phases[w->phase];
  uint64_t now = run->now_ns;
  w->step_t0 = now;
  if (w->pool_active) {
    /* back to back: the next pool allocation when this one is done */
    pool_step(run, w, p);
    update_metrics(run, p);
    fsi_run_wake_task(run, w->controller, MAX(now + 1, run->tasks[w->controller].busy_until_ns));
    return;
  }
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

/* A slab object of cache c (none if the run lacks the cache), its latency
 * added to *latency (fsi_slab_alloc_ex() sets, not adds). */
static FsiHandle slab_obj(FsiRun *run, int c, uint32_t task, bool in_use, uint64_t *latency) {
  if (c < 0) return FSI_HANDLE_NONE;
  uint64_t lat = 0;
  FsiHandle h = fsi_slab_alloc_ex(run, (uint32_t)c, task, in_use, false, &lat);
  *latency += lat;
  return h;
}

/* An in-use slab object of one of the metadata caches. */
static FsiHandle meta_obj(FsiRun *run, FileWl *w, int mc, uint32_t task, uint64_t *latency) {
  return slab_obj(run, w->meta_cache[mc], task, true, latency);
}

/* One item: k order-0 pages allocated together (k separate requests at one
 * instant of the task's time, as a write() or a fault loop makes them),
 * with one lifetime, freed together.  A shmem item with files = true is a
 * tmpfs file: its dentry and inode (in use while the file exists) come
 * first, as open(O_CREAT) precedes write().  With metadata = true an item
 * also holds what the kernel allocates for it besides its pages
 * (docs/workloads.md): a tmpfs file of two or more pages the xarray node
 * its page cache needs from the second page on (radix_tree_node,
 * reclaimable); a pipe, before its pages, what pipe2() allocates
 * (get_pipe_inode(): a pipefs inode, pipe_inode_info and the buffer ring,
 * 40 bytes a slot for max(16, k rounded up to a power of two) slots;
 * create_pipe_files(): a dentry and two struct files); anonymous memory a
 * page-table page before each 512th page the stream maps (a PTE page maps
 * 2 MiB; the mappings lie side by side, so page tables are shared and
 * outlive the items).  Draws, in order: k, the kind (mix), lifetime,
 * pinned, dirty, referenced.  Returns the task time used. */
static uint64_t item_request(FsiRun *run, FileWl *w, Stream *s, uint32_t task, FsiRng *r, uint64_t t0) {
  uint32_t k = s->item_min + (uint32_t)fsi_rng_below(r, (uint64_t)(s->item_max - s->item_min) + 1);
  uint32_t kind = s->mixed ? fsi_rng_weighted(r, s->kind_w, FS_KIND_COUNT) : s->kind;
  double life = draw_life(&s->life, r);
  bool pinned = fsi_rng_double(r) < s->pinned;
  bool dirty = fsi_rng_double(r) < s->dirty;
  bool referenced = fsi_rng_double(r) < s->referenced;
  /* drawn only when the stream has a working set, so streams without one
   * draw exactly what they drew before the key existed */
  bool refault = s->refault > 0 && fsi_rng_double(r) < s->refault;
  uint32_t gfp = s->mixed ? fsi_kind_gfp(kind) : s->gfp;
  uint64_t latency = 0;
  Item it = {s->item_handles->len, 0, {0}};
  unsigned nobj = 0;
  if (s->files && kind == FS_KIND_SHMEM) {
    it.obj[nobj++] = meta_obj(run, w, MC_DENTRY, task, &latency);
    it.obj[nobj++] = meta_obj(run, w, s->metadata ? MC_SHMEM_INODE : MC_1K, task, &latency);
  }
  if (s->files && kind == FS_KIND_FILE) {
    /* created, written and closed: the dentry cached, on the dcache LRU
     * (not in use); the inode held by its dentry (d_instantiate()), on the
     * inode LRU only once the dentry is pruned */
    it.obj[nobj++] = slab_obj(run, w->file_dentry, task, false, &latency);
    it.obj[nobj++] = slab_obj(run, w->file_inode, task, false, &latency);
    fsi_slab_hold(run, it.obj[nobj - 2], it.obj[nobj - 1]);
  }
  if (s->metadata && kind == FS_KIND_PIPE) {
    uint32_t slots = 16;
    while (slots < k) slots <<= 1;
    uint32_t ring = slots * 40;
    it.obj[nobj++] = meta_obj(run, w, MC_INODE, task, &latency);
    it.obj[nobj++] = meta_obj(run, w, MC_PIPE_INFO, task, &latency);
    it.obj[nobj++] = meta_obj(run, w, ring <= 1024 ? MC_1K : ring <= 2048 ? MC_2K : MC_4K, task, &latency);
    it.obj[nobj++] = meta_obj(run, w, MC_DENTRY, task, &latency);
    it.obj[nobj++] = meta_obj(run, w, MC_FILP, task, &latency);
    it.obj[nobj++] = meta_obj(run, w, MC_FILP, task, &latency);
  }
  GArray *pages = g_array_sized_new(FALSE, FALSE, sizeof(FsiHandle), k);
  for (uint32_t i = 0; i < k; i++) {
    if (s->metadata && kind == FS_KIND_ANON && s->anon_mapped++ % 512 == 0) {
      /* kept for the run: nothing frees a shared page table */
      FsiRequest pt = {0, FS_KIND_PAGETABLE, fsi_kind_gfp(FS_KIND_PAGETABLE), task, false, false, false, false};
      latency += fsi_run_alloc(run, &pt).latency_ns;
    }
    FsiRequest rq = {0, kind, gfp, task, pinned, referenced, dirty, refault};
    FsiAllocResult res = fsi_run_alloc(run, &rq);
    latency += res.latency_ns;
    s->attempts++;
    if (!res.handle) {
      s->failures++;
      continue;
    }
    s->allocated_pages++;
    g_array_append_val(pages, res.handle);
    if (s->metadata && s->files && kind == FS_KIND_SHMEM && pages->len == 2)
      it.obj[nobj++] = meta_obj(run, w, MC_XA_NODE, task, &latency);
  }
  it.n = pages->len;
  for (guint i = 0; i < pages->len; i++) {
    FsiHandle h = g_array_index(pages, FsiHandle, i);
    if (s->exit) track(run, s->live, &s->live_prune, h, false);
    if (s->life.kind == LT_PHASE) g_array_append_val(s->phase_handles, h);
    else if (s->life.kind != LT_FOREVER) fsi_run_free_after(run, h, fsi_run_delay_from(run, t0, latency + (uint64_t)life));
  }
  bool any_obj = false;
  for (unsigned o = 0; o < ITEM_OBJS; o++) {
    if (!it.obj[o]) continue;
    any_obj = true;
    if (s->exit) track(run, s->live_objects, &s->live_objects_prune, it.obj[o], true);
    if (s->life.kind == LT_PHASE) g_array_append_val(s->phase_objects, it.obj[o]);
    else if (s->life.kind != LT_FOREVER)
      fsi_slab_free_after(run, it.obj[o], fsi_run_delay_from(run, t0, latency + (uint64_t)life));
  }
  if (s->life.kind == LT_FOREVER && (it.n || any_obj)) {
    it.first = s->item_handles->len; /* a fragmenting free may have rebuilt the array meanwhile */
    g_array_append_vals(s->item_handles, pages->data, pages->len);
    g_array_append_val(s->items, it);
  }
  g_array_unref(pages);
  return latency;
}

static void stream_step(FsiRun *run, FileWl *w, uint32_t task) {
  uint32_t si = 0;
  while (si + 1 < w->nstreams && task >= w->streams[si + 1].first_task) si++;
  Stream *s = &w->streams[si];
  /* scheduled stays true while the step runs: a phase starting while its
   * request sleeps in the slow path must not wake the task a second time */
  w->task_scheduled[task] = false;
  if (w->finished || !w->phases[w->phase].active[si]) return;
  if (s->fill && s->footprint_of == FP_MANAGED &&
      (double)s->allocated_pages >= s->footprint * (double)run->mem.cfg.total_pages)
    return;
  if (s->fill && s->footprint_of != FP_MANAGED && s->allocated_pages >= s->fill_goal) return;
  w->task_scheduled[task] = true;
  uint64_t t0 = run->now_ns;
  FsiRng *r = &run->tasks[task].rng;
  double think = fsi_rng_exponential(r, (double)s->think_ns);
  uint64_t latency = 0;
  if (s->cache >= 0) {
    for (uint32_t i = 0; i < s->objects; i++) {
      double life = draw_life(&s->life, r);
      uint64_t lat = 0;
      /* referenced: looked up again soon (DCACHE_REFERENCED); drawn only
       * when the stream asks for it, so other streams' draws are unchanged */
      bool referenced = s->referenced > 0 && fsi_rng_double(r) < s->referenced;
      FsiHandle h = fsi_slab_alloc_ex(run, (uint32_t)s->cache, task, s->in_use, referenced, &lat);
      latency += lat;
      s->attempts++;
      if (!h) {
        s->failures++;
        continue;
      }
      s->allocated_pages++;
      if (s->exit) track(run, s->live_objects, &s->live_objects_prune, h, true);
      if (s->life.kind == LT_PHASE) g_array_append_val(s->phase_objects, h);
      else if (s->life.kind != LT_FOREVER) fsi_slab_free_after(run, h, fsi_run_delay_from(run, t0, latency + (uint64_t)life));
    }
  } else if (s->item_min) {
    latency = item_request(run, w, s, task, r, t0);
  } else {
    uint32_t order = fsi_rng_weighted(r, s->order_w, FS_NR_ORDERS);
    double life = draw_life(&s->life, r);
    bool pinned = fsi_rng_double(r) < s->pinned;
    bool dirty = fsi_rng_double(r) < s->dirty;
    bool referenced = fsi_rng_double(r) < s->referenced;
    bool refault = s->refault > 0 && fsi_rng_double(r) < s->refault;
    /* CONFIG_VMAP_STACK: a kernel stack is 2^order separate base pages */
    uint32_t pieces = 1;
    if (w->vmap_stack && s->kind == FS_KIND_KERNEL_STACK) {
      pieces = 1u << order;
      order = 0;
    }
    /* kind thp: a fault in the stream's region (do_thp()); without a THP
     * (not allowed, or the allocation failed) it maps a base page */
    bool thp = s->kind == FS_KIND_THP && !s->mixed && order > 0;
    uint32_t kind = s->kind, gfp = s->gfp;
    if (thp && !thp_allowed(w, s->madvise)) {
      order = 0;
      kind = FS_KIND_ANON;
      gfp = FS_GFP_HIGHUSER_MOVABLE;
    } else if (thp && !s->gfp_given) {
      gfp = thp_gfp(w, s->madvise);
    }
    for (uint32_t piece = 0; piece < pieces; piece++) {
      FsiRequest rq = {order, kind, gfp, task, pinned, referenced, dirty, refault};
      FsiAllocResult res = fsi_run_alloc(run, &rq);
      latency += res.latency_ns;
      s->attempts++;
      if (thp && order > 0) {
        if (res.handle) {
          s->thp_alloc++;
        } else {
          s->thp_fallback++;
          order = 0;
          FsiRequest small = {0, FS_KIND_ANON, FS_GFP_HIGHUSER_MOVABLE, task, pinned, referenced, dirty, refault};
          res = fsi_run_alloc(run, &small);
          latency += res.latency_ns;
        }
      }
      if (!res.handle) {
        s->failures++;
        continue;
      }
      s->allocated_pages += (uint64_t)1 << order;
      if (s->exit) track(run, s->live, &s->live_prune, res.handle, false);
      if (s->life.kind == LT_PHASE) g_array_append_val(s->phase_handles, res.handle);
      else if (s->life.kind == LT_FOREVER) {
        if (order == 0) g_array_append_val(s->kept, res.handle);
      } else {
        fsi_run_free_after(run, res.handle, fsi_run_delay_from(run, t0, latency + (uint64_t)life));
      }
    }
  }
  set_metric(run, s->m_attempts, (double)s->attempts);
  set_metric(run, s->m_failures, (double)s->failures);
  set_metric(run, s->m_thp_alloc, (double)s->thp_alloc);
  set_metric(run, s->m_thp_fallback, (double)s->thp_fallback);
  w->task_scheduled[task] = true;
  /* waits outside the allocator (balance_dirty_pages, major faults) */
  uint64_t pause = run->tasks[task].pause_ns;
  run->tasks[task].pause_ns = 0;
  fsi_run_wake_task(run, task, t0 + latency + pause + (uint64_t)think);
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
  /* the items' caches, resolved once: those the engine always has (dentry,
   * kmalloc-1k), and the others only in runs that use metadata, so other
   * runs' caches (and results) are what they were */
  bool metadata = false;
  for (uint32_t si = 0; si < w->nstreams; si++) metadata |= w->streams[si].metadata;
  for (int c = 0; c < MC_N; c++) {
    w->meta_cache[c] = fsi_slab_cache_find(run, meta_caches[c].name);
    if (metadata && w->meta_cache[c] < 0)
      w->meta_cache[c] = (int)fsi_slab_cache_add(run, meta_caches[c].name, meta_caches[c].kind, meta_caches[c].size);
  }
  w->file_dentry = fsi_slab_cache_find(run, "dentry");
  w->file_inode = fsi_slab_cache_find(run, "inode");
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
    for (uint32_t t = 0; t < s->ntasks; t++) run->tasks[s->first_task + t].refault_after_ns = s->refault_after;
    char *n = g_strdup_printf("stream_%s_attempts", s->name);
    s->m_attempts = fsi_stats_workload_metric(&run->stats, n);
    g_free(n);
    n = g_strdup_printf("stream_%s_failures", s->name);
    s->m_failures = fsi_stats_workload_metric(&run->stats, n);
    g_free(n);
    set_metric(run, s->m_attempts, 0);
    set_metric(run, s->m_failures, 0);
    s->m_thp_alloc = s->m_thp_fallback = -1;
    if (s->kind == FS_KIND_THP && !s->mixed) {
      n = g_strdup_printf("stream_%s_thp_fault_alloc", s->name);
      s->m_thp_alloc = fsi_stats_workload_metric(&run->stats, n);
      g_free(n);
      n = g_strdup_printf("stream_%s_thp_fault_fallback", s->name);
      s->m_thp_fallback = fsi_stats_workload_metric(&run->stats, n);
      g_free(n);
      set_metric(run, s->m_thp_alloc, 0);
      set_metric(run, s->m_thp_fallback, 0);
    }
  }
  if (w->boot_hugepages) {
    /* hugepages=N: the pool is taken at boot, before anything else runs */
    w->m_boot_huge = fsi_stats_workload_metric(&run->stats, "boot_hugepages_allocated");
    uint64_t got = 0;
    for (uint64_t i = 0; i < w->boot_hugepages; i++) {
      FsiRequest rq = {run->mem.pageblock_order, FS_KIND_HUGETLB,
                       FS_GFP_HIGHUSER_MOVABLE | FS_GFP_COMP | FS_GFP_RETRY_MAYFAIL | FS_GFP_NOWARN, ntasks, false,
                       false, false, false};
      if (fsi_run_alloc(run, &rq).handle) got++;
    }
    set_metric(run, w->m_boot_huge, (double)got);
  }
  w->task_scheduled = g_new0(bool, ntasks + 1);
  w->held = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  w->pool = g_array_new(FALSE, FALSE, sizeof(FsiHandle));
  /* a phase's set keys must name a parameter the stack can change */
  for (uint32_t i = 0; i < w->nphases; i++) {
    Phase *p = &w->phases[i];
    for (guint j = 0; p->set_keys && p->set_keys[j]; j++) {
      if (fsi_run_set_param(run, p->set_keys[j], p->set_values[j], false, error)) continue;
      char *group = g_strdup_printf("phase.%s", p->name);
      g_prefix_error(error, "%s: %s.set: ", fsi_config_origin(run->cfg, group, "set"), group);
      g_free(group);
      return false;
    }
  }
  w->offline_cursor = run->mem.cfg.total_pages - run->mem.cfg.memmap_pages;
  for (uint32_t i = 0; i < w->nphases; i++) register_metrics(run, &w->phases[i]);
  w->phase = 0;
  start_phase(run, w);
  fsi_run_wake_task(run, w->controller, 0);
  return true;
}

/* scale = memory: the file was written for scale_reference of memory (set
 * when the file was read, from its own machine.memory); on a machine of
 * another size every stream's request rate, the phases' counts and the swap
 * the file sets are multiplied by memory / reference, so the machine is
 * under the same relative pressure.  Durations and lifetimes stay.
 * scale = none (or no key): the file's numbers as written. */
static bool workload_scale(FsiConfig *cfg, FileWl *w, GError **error) {
  w->scale = 1.0;
  char *scale = fsi_workload_get(cfg, "workload", "scale");
  if (!scale || !strcmp(scale, "none")) {
    g_free(scale);
    return true;
  }
  if (strcmp(scale, "memory")) {
    fsi_workload_bad(error, cfg, "workload", "scale", scale, "memory or none");
    g_free(scale);
    return false;
  }
  g_free(scale);
  uint64_t ref = 0, mem = fsi_config_size(cfg, "machine", "memory");
  if (!fsi_workload_get_size_pages(cfg, "workload", "scale_reference", 1, &ref, error)) return false;
  if (!ref || ref == mem) return true;
  w->scale = (double)mem / (double)ref;
  w->boot_hugepages = scale_count((uint32_t)w->boot_hugepages, w->scale);
  /* the swap device the file sets grows with it; a --set or stack value stays */
  const char *origin = fsi_config_origin(cfg, "vm", "swap");
  if (origin && !g_str_has_prefix(origin, "--set") && !g_str_has_prefix(origin, "stack ") &&
      g_key_file_has_key(cfg->kf, "vm", "swap", NULL) && strcmp(origin, "default")) {
    uint64_t swap = fsi_config_size(cfg, "vm", "swap");
    char *v = g_strdup_printf("%" G_GUINT64_FORMAT, (uint64_t)nearbyint((double)swap * w->scale));
    char *o = g_strdup_printf("%s, scaled by %.6g (workload.scale = memory)", origin, w->scale);
    fsi_config_set_value(cfg, "vm", "swap", v, o);
    g_free(o);
    g_free(v);
  }
  return true;
}

bool fsi_file_workload_create(FsiConfig *cfg, FsiWorkload *ret, GError **error) {
  if (!check_keys(cfg, "workload", workload_keys, error) || !check_headline(cfg, error)) return false;
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
  if (!workload_scale(cfg, w, error)) {
    file_destroy(w);
    return false;
  }
  /* the boot values of transparent_hugepage/enabled and defrag (validated enums) */
  char *thp = fsi_config_string(cfg, "vm", "thp_enabled");
  w->thp_enabled = thp_setting(thp, thp_enabled_names, THP_NR);
  g_free(thp);
  thp = fsi_config_string(cfg, "vm", "thp_defrag");
  w->thp_defrag = thp_setting(thp, thp_defrag_names, DEFRAG_NR);
  g_free(thp);
  g_assert(w->thp_enabled >= 0 && w->thp_defrag >= 0);
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
      if (ok) st->think_ns = scale_interval(st->think_ns, w->scale); /* k times the requests */
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
      if (ok && w->phases[w->nphases].duration_ns > ((uint64_t)1 << 62) - total) {
        /* simulated time is signed 64-bit nanoseconds in places; keep a margin */
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                    "%s: the phases up to phase.%s last more than 2^62 ns (146 years of simulated time)",
                    fsi_config_origin(cfg, "workload", "phases"), pn);
        ok = false;
      }
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
      w->duration_from_phases = true;
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
