/* The files of a run directory.  Column sets are built from the same lists
 * that fill them (counters from FSI_COUNTERS, per-order columns from the
 * machine's max order, policy counters from their registration), so a
 * header can never disagree with its rows. */
#include "results/output.h"

#include <math.h>
#include <string.h>

#include "engine/core/error.h"
#include "engine/mm/slub.h"
#include "results/csvout.h"

#ifndef FRAGSIM_VERSION
#include "fragsim-config.h"
#endif

struct FsiOutput {
  FsiRunDir *dir;
  FsiCsv *allocs;
  FsiCsv *ts;
  FsiCsv *pb;
  FsiCsv *oom;
  FsiCsv *extfrag;
  uint32_t allocs_min_order;
  uint64_t pb_interval_ns, next_pb_ns;
  uint64_t last_sample_ns;
  bool sampled;
};

static void add_col(GPtrArray *a, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void add_col(GPtrArray *a, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  g_ptr_array_add(a, g_strdup_vprintf(fmt, ap));
  va_end(ap);
}

static void lower(char *s) {
  for (; *s; s++) *s = g_ascii_tolower(*s);
}

static char *mt_col(const char *prefix, uint32_t mt) {
  char *s = g_strdup_printf("%s%s", prefix, fsi_migratetype_name(mt));
  lower(s);
  return s;
}

/* ---- columns ------------------------------------------------------------------- */

/* node-wide gauges, /proc/vmstat names (in pages); then the dentry and
 * inode caches' objects and those of them unused, on the shrinkers' LRUs
 * (/proc/sys/fs/dentry-state's nr_dentry and nr_unused, inode-nr's
 * nr_inodes and nr_free_inodes) */
static const char *const gauge_names[] = {"nr_inactive_anon",   "nr_active_anon",        "nr_inactive_file",
                                          "nr_active_file",     "nr_dirty",              "nr_slab_reclaimable",
                                          "nr_slab_unreclaimable", "nr_swap_used",       "nr_dentry",
                                          "nr_unused_dentry",   "nr_inodes",             "nr_unused_inodes"};

static void cache_objects(FsiRun *run, const char *name, uint64_t *all, uint64_t *unused) {
  int c = fsi_slab_cache_find(run, name);
  const FsiSlabCache *sc = c >= 0 ? &run->rc.caches[c] : NULL;
  *all = sc ? sc->nr_objects : 0;
  *unused = sc ? sc->nr_objects - sc->nr_in_use : 0;
}

static void gauge_values(FsiRun *run, uint64_t *v) {
  for (int l = 0; l < FSI_NR_LRU; l++) v[l] = run->rc.lru_pages[l];
  v[4] = run->rc.nr_dirty;
  v[5] = fsi_slab_pages(run, FS_KIND_SLAB_RECLAIMABLE);
  v[6] = fsi_slab_pages(run, FS_KIND_SLAB_UNMOVABLE);
  v[7] = run->rc.swap_used;
  cache_objects(run, "dentry", &v[8], &v[9]);
  cache_objects(run, "inode", &v[10], &v[11]);
}

static GPtrArray *ts_columns(FsiRun *run) {
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  const char *fixed[] = {"time_ns", "scope", "managed_pages", "nr_free_pages", "wmark_min", "wmark_low", "wmark_high"};
  for (unsigned i = 0; i < G_N_ELEMENTS(fixed); i++) add_col(a, "%s", fixed[i]);
  for (uint32_t o = 0; o <= run->mem.max_order; o++) add_col(a, "buddy_o%u", o);
  for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) g_ptr_array_add(a, mt_col("free_", t));
  for (uint32_t o = 0; o <= run->mem.max_order; o++) add_col(a, "unusable_o%u", o);
  for (uint32_t o = 0; o <= run->mem.max_order; o++) add_col(a, "fragindex_o%u", o);
  for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) g_ptr_array_add(a, mt_col("blocks_", t));
  for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) g_ptr_array_add(a, mt_col("mixed_", t));
  add_col(a, "mixed_blocks");
  add_col(a, "polluted_blocks");
  add_col(a, "live_allocs");
  for (unsigned i = 0; i < G_N_ELEMENTS(gauge_names); i++) add_col(a, "%s", gauge_names[i]);
  for (uint32_t c = 0; c < FSI_NR_COUNTERS; c++) add_col(a, "%s", fsi_counter_names[c]);
  for (guint i = 0; i < run->stats.pol_names->len; i++) add_col(a, "%s", (char *)g_ptr_array_index(run->stats.pol_names, i));
  return a;
}

GPtrArray *fsi_summary_columns(FsiRun *run) {
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  const char *fixed[] = {"sim_time_ns", "events", "huge_order", "huge_attempts", "huge_success", "huge_success_pct",
                         "nr_free_pages", "unusable_huge", "fragindex_huge", "mixed_blocks", "polluted_blocks",
                         "stall_p50_ns", "stall_p99_ns"};
  for (unsigned i = 0; i < G_N_ELEMENTS(fixed); i++) add_col(a, "%s", fixed[i]);
  for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) g_ptr_array_add(a, mt_col("blocks_", t));
  for (unsigned i = 0; i < G_N_ELEMENTS(gauge_names); i++) add_col(a, "%s", gauge_names[i]);
  for (uint32_t c = 0; c < FSI_NR_COUNTERS; c++) add_col(a, "%s", fsi_counter_names[c]);
  for (uint32_t o = 0; o <= run->mem.max_order; o++) {
    add_col(a, "attempts_o%u", o);
    add_col(a, "success_o%u", o);
    add_col(a, "fail_o%u", o);
    add_col(a, "latency_p50_ns_o%u", o);
    add_col(a, "latency_p90_ns_o%u", o);
    add_col(a, "latency_p99_ns_o%u", o);
    add_col(a, "latency_max_ns_o%u", o);
  }
  for (guint i = 0; i < run->stats.pol_names->len; i++) add_col(a, "%s", (char *)g_ptr_array_index(run->stats.pol_names, i));
  for (guint i = 0; i < run->stats.wl_names->len; i++) add_col(a, "%s", (char *)g_ptr_array_index(run->stats.wl_names, i));
  return a;
}

/* ---- values -------------------------------------------------------------------- */

static void node_nr_free(FsiRun *run, uint64_t *nr_free) {
  memset(nr_free, 0, sizeof(uint64_t) * FS_NR_ORDERS);
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) {
    uint64_t zf[FS_NR_ORDERS];
    fsi_zone_nr_free(&run->mem, z, zf);
    for (uint32_t o = 0; o < FS_NR_ORDERS; o++) nr_free[o] += zf[o];
  }
}

static void node_census(FsiRun *run, FsiBlockCensus *c) {
  memset(c, 0, sizeof *c);
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) {
    FsiBlockCensus zc;
    fsi_block_census(&run->mem, z, &zc);
    for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) {
      c->blocks[t] += zc.blocks[t];
      c->mixed[t] += zc.mixed[t];
    }
    c->mixed_total += zc.mixed_total;
    c->polluted += zc.polluted;
  }
}

static void merged_stall(FsiRun *run, FsiHist *h) {
  memset(h, 0, sizeof *h);
  for (uint32_t o = 0; o < FS_NR_ORDERS; o++) {
    const FsiHist *x = &run->stats.latency[o];
    h->count += x->count;
    h->sum += x->sum;
    h->max = MAX(h->max, x->max);
    for (unsigned b = 0; b < FSI_HIST_BUCKETS; b++) h->buckets[b] += x->buckets[b];
  }
}

GArray *fsi_summary_values(FsiRun *run) {
  GArray *v = g_array_new(FALSE, FALSE, sizeof(double));
#define PUSH(x)                            \
  do {                                     \
    double _d = (double)(x);               \
    g_array_append_val(v, _d);             \
  } while (0)
  uint32_t ho = run->mem.pageblock_order;
  uint64_t hat = 0, hsu = 0;
  for (uint32_t o = ho; o <= run->mem.max_order; o++) {
    hat += run->stats.attempts[o];
    hsu += run->stats.success[o];
  }
  uint64_t nr_free[FS_NR_ORDERS];
  node_nr_free(run, nr_free);
  FsiBlockCensus c;
  node_census(run, &c);
  uint64_t free_pages = 0;
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) free_pages += run->mem.zones[z].nr_free_pages;
  FsiHist all;
  merged_stall(run, &all);
  PUSH(run->now_ns);
  PUSH(run->events);
  PUSH(ho);
  PUSH(hat);
  PUSH(hsu);
  PUSH(hat ? 100.0 * (double)hsu / (double)hat : NAN);
  PUSH(free_pages);
  PUSH(fsi_unusable_free_index(nr_free, run->mem.max_order, ho));
  PUSH(fsi_fragmentation_index(nr_free, run->mem.max_order, ho));
  PUSH(c.mixed_total);
  PUSH(c.polluted);
  PUSH(fsi_hist_percentile(&all, 50));
  PUSH(fsi_hist_percentile(&all, 99));
  for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) PUSH(c.blocks[t]);
  uint64_t g[G_N_ELEMENTS(gauge_names)];
  gauge_values(run, g);
  for (unsigned i = 0; i < G_N_ELEMENTS(gauge_names); i++) PUSH(g[i]);
  for (uint32_t i = 0; i < FSI_NR_COUNTERS; i++) PUSH(run->stats.c[i]);
  for (uint32_t o = 0; o <= run->mem.max_order; o++) {
    const FsiHist *h = &run->stats.latency[o];
    PUSH(run->stats.attempts[o]);
    PUSH(run->stats.success[o]);
    PUSH(run->stats.fail[o]);
    PUSH(h->count ? (double)fsi_hist_percentile(h, 50) : NAN);
    PUSH(h->count ? (double)fsi_hist_percentile(h, 90) : NAN);
    PUSH(h->count ? (double)fsi_hist_percentile(h, 99) : NAN);
    PUSH(h->count ? (double)h->max : NAN);
  }
  for (guint i = 0; i < run->stats.pol_values->len; i++) PUSH(g_array_index(run->stats.pol_values, int64_t, i));
  for (guint i = 0; i < run->stats.wl_values->len; i++) PUSH(g_array_index(run->stats.wl_values, double, i));
#undef PUSH
  return v;
}

/* Writes a value exactly when it is an integer, else with 6 significant digits. */
static void csv_num(FsiCsv *c, double d) {
  if (isfinite(d) && d == floor(d) && fabs(d) < 9e15) fsi_csv_i64(c, (int64_t)d);
  else fsi_csv_double(c, d);
}

/* ---- open / rows ---------------------------------------------------------------- */

static FsiCsv *open_csv(FsiOutput *o, const char *name, GPtrArray *cols, GError **error) {
  char *path = fsi_rundir_file(o->dir, name);
  FsiCsv *c = fsi_csv_open(path, error);
  g_free(path);
  if (!c) return NULL;
  g_ptr_array_add(cols, NULL);
  fsi_csv_header(c, (const char *const *)cols->pdata);
  return c;
}

static const FsiObserverOps output_observer;

FsiOutput *fsi_output_open(FsiRun *run, const char *dir, bool overwrite, GError **error) {
  FsiOutput *o = g_new0(FsiOutput, 1);
  o->dir = fsi_rundir_begin(dir, overwrite, error);
  if (!o->dir) {
    g_free(o);
    return NULL;
  }
  o->allocs_min_order = (uint32_t)fsi_config_int(run->cfg, "output", "allocs_min_order");
  o->pb_interval_ns = fsi_config_duration(run->cfg, "output", "pageblocks_interval");
  GPtrArray *ac = g_ptr_array_new();
  const char *acols[] = {"time_ns", "task", "order", "kind", "gfp", "migratetype", "result", "via", "zone", "pfn",
                         "latency_ns"};
  for (unsigned i = 0; i < G_N_ELEMENTS(acols); i++) g_ptr_array_add(ac, (char *)acols[i]);
  o->allocs = open_csv(o, "allocs.csv", ac, error);
  g_ptr_array_free(ac, TRUE);
  GPtrArray *pc = g_ptr_array_new();
  const char *pcols[] = {"time_ns", "pageblock", "start_pfn", "zone", "migratetype", "skip", "free_pages",
                         "unmovable_pages", "movable_pages", "reclaimable_pages", "reserved_pages", "mixed", "pcp_pages"};
  for (unsigned i = 0; i < G_N_ELEMENTS(pcols); i++) g_ptr_array_add(pc, (char *)pcols[i]);
  GPtrArray *oc = g_ptr_array_new();
  const char *ocols[] = {"time_ns", "victim_task", "pages_freed", "trigger_task", "order", "gfp"};
  for (unsigned i = 0; i < G_N_ELEMENTS(ocols); i++) g_ptr_array_add(oc, (char *)ocols[i]);
  if (o->allocs) o->oom = open_csv(o, "oom.csv", oc, error);
  g_ptr_array_free(oc, TRUE);
  if (o->oom && fsi_config_bool(run->cfg, "output", "extfrag")) {
    GPtrArray *ec = g_ptr_array_new();
    const char *ecols[] = {"time_ns", "pfn", "alloc_order", "fallback_order", "pageblock_order", "alloc_migratetype",
                           "fallback_migratetype", "fragmenting", "change_ownership"};
    for (unsigned i = 0; i < G_N_ELEMENTS(ecols); i++) g_ptr_array_add(ec, (char *)ecols[i]);
    o->extfrag = open_csv(o, "extfrag.csv", ec, error);
    g_ptr_array_free(ec, TRUE);
    if (!o->extfrag) {
      fsi_output_abort(o);
      return NULL;
    }
  }
  bool want_pb = fsi_config_bool(run->cfg, "output", "pageblocks");
  bool pb_ok = o->allocs && o->oom && (!want_pb || (o->pb = open_csv(o, "pageblocks.csv", pc, error)));
  g_ptr_array_free(pc, TRUE);
  if (pb_ok && fsi_config_bool(run->cfg, "output", "timeseries")) {
    GPtrArray *tc = ts_columns(run);
    o->ts = open_csv(o, "timeseries.csv", tc, error);
    g_ptr_array_free(tc, TRUE);
    if (!o->ts) {
      fsi_output_abort(o);
      return NULL;
    }
  } else if (!pb_ok) {
    fsi_output_abort(o);
    return NULL;
  }
  if (!fsi_run_observe(run, &output_observer, o)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "too many observers on the run (at most %d)", FSI_MAX_OBSERVERS);
    fsi_output_abort(o);
    return NULL;
  }
  return o;
}

static void output_alloc(void *data, FsiRun *run, const FsiRequest *rq, const FsiAllocResult *res, uint32_t mt) {
  FsiOutput *o = data;
  bool failed = res->via == FSI_VIA_FAILED || res->via == FSI_VIA_LIVELOCK;
  if (rq->order < o->allocs_min_order && !failed) return;
  FsiCsv *c = o->allocs;
  char gfp[16];
  g_snprintf(gfp, sizeof gfp, "0x%x", rq->gfp);
  fsi_csv_u64(c, run->now_ns);
  fsi_csv_u64(c, rq->task);
  fsi_csv_u64(c, rq->order);
  fsi_csv_str(c, fsi_kind_name(rq->kind));
  fsi_csv_str(c, gfp);
  fsi_csv_str(c, fsi_migratetype_name(mt));
  fsi_csv_str(c, res->via == FSI_VIA_LIVELOCK ? "livelock" : failed ? "fail" : "ok");
  fsi_csv_str(c, fsi_via_names[res->via]);
  fsi_csv_str(c, failed ? "" : run->mem.zones[res->zone].name);
  if (failed) fsi_csv_str(c, "");
  else fsi_csv_u64(c, res->pfn);
  fsi_csv_u64(c, res->latency_ns);
  fsi_csv_end_row(c);
}

static void output_extfrag(void *data, FsiRun *run, const FsiExtfragEvent *ev) {
  FsiOutput *o = data;
  FsiCsv *c = o->extfrag;
  if (!c) return;
  fsi_csv_u64(c, run->now_ns);
  fsi_csv_u64(c, ev->pfn);
  fsi_csv_u64(c, ev->alloc_order);
  fsi_csv_u64(c, ev->fallback_order);
  fsi_csv_u64(c, run->mem.pageblock_order);
  fsi_csv_str(c, fsi_migratetype_name(ev->alloc_mt));
  fsi_csv_str(c, fsi_migratetype_name(ev->fallback_mt));
  fsi_csv_u64(c, ev->fallback_order < run->mem.pageblock_order);
  fsi_csv_u64(c, ev->change_ownership);
  fsi_csv_end_row(c);
}

static void output_oom(void *data, FsiRun *run, uint32_t victim, uint64_t pages, const FsAllocRequest *req) {
  FsiOutput *o = data;
  char gfp[16];
  g_snprintf(gfp, sizeof gfp, "0x%x", req->gfp);
  fsi_csv_u64(o->oom, run->now_ns);
  fsi_csv_u64(o->oom, victim);
  fsi_csv_u64(o->oom, pages);
  fsi_csv_u64(o->oom, req->task);
  fsi_csv_u64(o->oom, req->order);
  fsi_csv_str(o->oom, gfp);
  fsi_csv_end_row(o->oom);
}

static void ts_row(FsiOutput *o, FsiRun *run, const char *name, const uint64_t *nr_free, const FsiZone *z,
                   const FsiBlockCensus *c, const uint64_t *free_by_mt, uint64_t managed, uint64_t nr_free_pages,
                   const uint64_t *wm) {
  FsiCsv *t = o->ts;
  uint32_t mo = run->mem.max_order;
  (void)z;
  fsi_csv_u64(t, run->now_ns);
  fsi_csv_str(t, name);
  fsi_csv_u64(t, managed);
  fsi_csv_u64(t, nr_free_pages);
  for (int w = 0; w < 3; w++) fsi_csv_u64(t, wm[w]);
  for (uint32_t ord = 0; ord <= mo; ord++) fsi_csv_u64(t, nr_free[ord]);
  for (uint32_t m = 0; m < FS_MIGRATE_TYPES; m++) fsi_csv_u64(t, free_by_mt[m]);
  for (uint32_t ord = 0; ord <= mo; ord++) fsi_csv_i64(t, fsi_unusable_free_index(nr_free, mo, ord));
  for (uint32_t ord = 0; ord <= mo; ord++) fsi_csv_i64(t, fsi_fragmentation_index(nr_free, mo, ord));
  for (uint32_t m = 0; m < FS_MIGRATE_TYPES; m++) fsi_csv_u64(t, c->blocks[m]);
  for (uint32_t m = 0; m < FS_MIGRATE_TYPES; m++) fsi_csv_u64(t, c->mixed[m]);
  fsi_csv_u64(t, c->mixed_total);
  fsi_csv_u64(t, c->polluted);
  fsi_csv_u64(t, run->live_allocs);
  uint64_t g[G_N_ELEMENTS(gauge_names)];
  gauge_values(run, g);
  for (unsigned i = 0; i < G_N_ELEMENTS(gauge_names); i++) fsi_csv_u64(t, g[i]);
  for (uint32_t i = 0; i < FSI_NR_COUNTERS; i++) fsi_csv_u64(t, run->stats.c[i]);
  for (guint i = 0; i < run->stats.pol_values->len; i++) fsi_csv_i64(t, g_array_index(run->stats.pol_values, int64_t, i));
  fsi_csv_end_row(t);
}

static void pageblock_snapshot(FsiOutput *o, FsiRun *run) {
  FsiMem *m = &run->mem;
  for (uint32_t zi = 0; zi < m->nr_zones; zi++) {
    const FsiZone *z = &m->zones[zi];
    if (z->end_pfn <= z->start_pfn) continue;
    for (uint64_t bi = z->start_pfn >> m->pageblock_order; bi <= (z->end_pfn - 1) >> m->pageblock_order; bi++) {
      const FsiPageblock *b = &m->blocks[bi];
      uint64_t start = bi << m->pageblock_order, free = 0, pcp = 0;
      for (uint64_t p = start; p < start + m->pageblock_nr_pages;) {
        const FsiPage *pg = &m->pages[p];
        if (pg->flags & (FSI_PG_BUDDY | FSI_PG_PCP)) {
          /* free: on the buddy lists, or on a CPU's per-CPU lists (not in
           * nr_free_pages, and a block holding one cannot merge whole) */
          uint64_t n = (uint64_t)1 << pg->order, in = MIN(n, start + m->pageblock_nr_pages - p);
          if (pg->flags & FSI_PG_BUDDY) free += in;
          else pcp += in;
          p += n;
        } else {
          p++;
        }
      }
      uint32_t as = b->mt == FS_MIGRATE_CMA ? FS_MIGRATE_MOVABLE : b->mt;
      bool mixed = false;
      for (uint32_t t = 0; t < FS_MIGRATE_PCPTYPES; t++)
        if (t != as && b->nr_alloc[t]) mixed = true;
      FsiCsv *c = o->pb;
      fsi_csv_u64(c, run->now_ns);
      fsi_csv_u64(c, bi);
      fsi_csv_u64(c, start);
      fsi_csv_str(c, z->name);
      fsi_csv_str(c, fsi_migratetype_name(b->mt));
      fsi_csv_u64(c, b->skip);
      fsi_csv_u64(c, free);
      fsi_csv_u64(c, b->nr_alloc[FS_MIGRATE_UNMOVABLE]);
      fsi_csv_u64(c, b->nr_alloc[FS_MIGRATE_MOVABLE]);
      fsi_csv_u64(c, b->nr_alloc[FS_MIGRATE_RECLAIMABLE]);
      fsi_csv_u64(c, b->nr_reserved);
      fsi_csv_u64(c, mixed);
      fsi_csv_u64(c, pcp);
      fsi_csv_end_row(c);
    }
  }
}

static void output_sample(void *data, FsiRun *run) {
  FsiOutput *o = data;
  o->sampled = true;
  o->last_sample_ns = run->now_ns;
  if (o->pb && (run->now_ns == 0 || (o->pb_interval_ns && run->now_ns >= o->next_pb_ns))) {
    pageblock_snapshot(o, run);
    if (o->pb_interval_ns) o->next_pb_ns = run->now_ns + o->pb_interval_ns;
  }
  if (!o->ts) return;
  uint64_t node_free[FS_NR_ORDERS] = {0}, node_mt[FS_MIGRATE_TYPES] = {0}, node_wm[3] = {0};
  uint64_t node_managed = 0, node_nfp = 0;
  FsiBlockCensus node_c;
  memset(&node_c, 0, sizeof node_c);
  for (uint32_t zi = 0; zi < run->mem.nr_zones; zi++) {
    const FsiZone *z = &run->mem.zones[zi];
    if (!fsi_zone_populated(z)) continue;
    uint64_t nr_free[FS_NR_ORDERS], by_mt[FS_MIGRATE_TYPES] = {0}, wm[3];
    fsi_zone_nr_free(&run->mem, zi, nr_free);
    for (uint32_t ord = 0; ord <= run->mem.max_order && ord < FS_NR_ORDERS; ord++)
      for (uint32_t m = 0; m < FS_MIGRATE_TYPES; m++) by_mt[m] += z->free_area[ord].count[m] << ord;
    for (int w = 0; w < 3; w++) wm[w] = fsi_wmark(z, w);
    FsiBlockCensus c;
    fsi_block_census(&run->mem, zi, &c);
    ts_row(o, run, z->name, nr_free, z, &c, by_mt, z->managed_pages, z->nr_free_pages, wm);
    for (uint32_t ord = 0; ord < FS_NR_ORDERS; ord++) node_free[ord] += nr_free[ord];
    for (uint32_t m = 0; m < FS_MIGRATE_TYPES; m++) {
      node_mt[m] += by_mt[m];
      node_c.blocks[m] += c.blocks[m];
      node_c.mixed[m] += c.mixed[m];
    }
    for (int w = 0; w < 3; w++) node_wm[w] += wm[w];
    node_c.mixed_total += c.mixed_total;
    node_c.polluted += c.polluted;
    node_managed += z->managed_pages;
    node_nfp += z->nr_free_pages;
  }
  ts_row(o, run, "node", node_free, NULL, &node_c, node_mt, node_managed, node_nfp, node_wm);
}

/* ---- finish ---------------------------------------------------------------------- */

static bool write_summary(FsiOutput *o, FsiRun *run, GError **error) {
  char *path = fsi_rundir_file(o->dir, "summary.csv");
  FsiCsv *c = fsi_csv_open(path, error);
  g_free(path);
  if (!c) return false;
  GPtrArray *cols = fsi_summary_columns(run);
  GPtrArray *hdr = g_ptr_array_new();
  g_ptr_array_add(hdr, "workload");
  g_ptr_array_add(hdr, "stack");
  g_ptr_array_add(hdr, "seed");
  for (guint i = 0; i < cols->len; i++) g_ptr_array_add(hdr, g_ptr_array_index(cols, i));
  g_ptr_array_add(hdr, NULL);
  fsi_csv_header(c, (const char *const *)hdr->pdata);
  GArray *vals = fsi_summary_values(run);
  g_assert(vals->len == cols->len);
  fsi_csv_str(c, run->workload.name);
  fsi_csv_str(c, run->stack->spec);
  fsi_csv_u64(c, run->seed);
  for (guint i = 0; i < vals->len; i++) csv_num(c, g_array_index(vals, double, i));
  fsi_csv_end_row(c);
  g_array_free(vals, TRUE);
  g_ptr_array_free(hdr, TRUE);
  g_ptr_array_unref(cols);
  return fsi_csv_close(c, error);
}

static bool write_run_ini(FsiOutput *o, FsiRun *run, GError **error) {
  GKeyFile *kf = g_key_file_new();
  g_key_file_set_string(kf, "fragsim", "version", FRAGSIM_VERSION);
  g_key_file_set_uint64(kf, "fragsim", "seed", run->seed);
  g_key_file_set_string(kf, "fragsim", "workload", run->workload.name);
  g_key_file_set_string(kf, "fragsim", "stack", run->stack->spec);
  g_key_file_set_string(kf, "fragsim", "policies", run->stack->expanded);
  g_key_file_set_string(kf, "fragsim", "rng", "xoshiro256** per component, seeded by fmix64(seed, component, index)");
  gsize ng;
  char **groups = g_key_file_get_groups(run->cfg->kf, &ng);
  for (gsize g = 0; g < ng; g++) {
    char **keys = g_key_file_get_keys(run->cfg->kf, groups[g], NULL, NULL);
    for (char **k = keys; k && *k; k++) {
      char *v = g_key_file_get_string(run->cfg->kf, groups[g], *k, NULL);
      g_key_file_set_string(kf, groups[g], *k, v ? v : "");
      g_free(v);
    }
    g_strfreev(keys);
  }
  g_strfreev(groups);
  for (uint32_t i = 0; i < run->stack->n; i++) {
    const FsiPolicy *p = &run->stack->v[i];
    for (unsigned j = 0; j < p->nparams; j++) g_key_file_set_string(kf, p->name, p->ops.params[j].name, p->value_text[j]);
  }
  /* which build of each policy module ran: its file's SHA-256 and its ABI
   * (not its path, which is the machine's business) */
  for (uint32_t i = 0; i < run->stack->n; i++) {
    const FsiPolicy *p = &run->stack->v[i];
    char *v = g_strdup_printf("sha256:%s abi:%u.%u", p->sha256, (unsigned)p->ops.abi.major, (unsigned)p->ops.abi.minor);
    g_key_file_set_string(kf, "modules", p->name, v);
    g_free(v);
  }
  g_key_file_set_uint64(kf, "derived", "min_free_kbytes", run->mem.min_free_kbytes);
  g_key_file_set_uint64(kf, "derived", "total_pages", run->mem.cfg.total_pages);
  /* zoneinfo's zones and protection arrays: a 64-bit kernel (no HighMem
   * here) has no ZONE_HIGHMEM, so it is left out of both */
  bool hm = run->mem.cfg.highmem;
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) {
    const FsiZone *zn = &run->mem.zones[z];
    if (z == FS_ZONE_HIGHMEM && !hm) continue;
    GString *prot = g_string_new(NULL);
    for (uint32_t j = 0; j < FS_MAX_ZONES; j++)
      if (j != FS_ZONE_HIGHMEM || hm) g_string_append_printf(prot, "%s%" G_GUINT64_FORMAT, prot->len ? "/" : "", zn->lowmem_reserve[j]);
    char *key = g_strdup_printf("zone.%s", zn->name);
    char *val = g_strdup_printf("start_pfn=%" G_GUINT64_FORMAT " end_pfn=%" G_GUINT64_FORMAT " present=%" G_GUINT64_FORMAT
                                " managed=%" G_GUINT64_FORMAT " min=%" G_GUINT64_FORMAT " low=%" G_GUINT64_FORMAT
                                " high=%" G_GUINT64_FORMAT " protection=%s",
                                zn->start_pfn, zn->end_pfn, zn->present_pages, zn->managed_pages, zn->wmark[0],
                                zn->wmark[1], zn->wmark[2], prot->str);
    g_key_file_set_string(kf, "derived", key, val);
    g_string_free(prot, TRUE);
    g_free(key);
    g_free(val);
  }
  char *path = fsi_rundir_file(o->dir, "run.ini");
  bool ok = g_key_file_save_to_file(kf, path, error);
  if (!ok) g_prefix_error(error, "writing %s: ", path);
  g_free(path);
  g_key_file_unref(kf);
  return ok;
}

/* The run's end: a last sample unless one was just taken, and the last
 * pageblock map. */
static void output_end(void *data, FsiRun *run) {
  FsiOutput *o = data;
  if (!o->sampled || o->last_sample_ns != run->now_ns) output_sample(o, run);
  if (o->pb) pageblock_snapshot(o, run);
}

static const FsiObserverOps output_observer = {
    .alloc = output_alloc,
    .oom = output_oom,
    .extfrag = output_extfrag,
    .sample = output_sample,
    .end = output_end,
};

bool fsi_output_finish(FsiOutput *o, FsiRun *run, GError **error) {
  bool ok = write_summary(o, run, error) && write_run_ini(o, run, error);
  FsiCsv *files[] = {o->allocs, o->ts, o->pb, o->oom, o->extfrag};
  for (unsigned i = 0; i < G_N_ELEMENTS(files); i++) {
    if (!files[i]) continue;
    GError *e = NULL;
    if (!fsi_csv_close(files[i], &e)) {
      if (ok) g_propagate_error(error, e);
      else g_error_free(e);
      ok = false;
    }
  }
  o->allocs = o->ts = o->pb = o->oom = o->extfrag = NULL;
  if (ok) {
    ok = fsi_rundir_commit(o->dir, error);
    o->dir = NULL;
  }
  if (o->dir) fsi_rundir_abort(o->dir);
  g_free(o);
  return ok;
}

void fsi_output_abort(FsiOutput *o) {
  FsiCsv *files[] = {o->allocs, o->ts, o->pb, o->oom, o->extfrag};
  for (unsigned i = 0; i < G_N_ELEMENTS(files); i++)
    if (files[i]) fsi_csv_close(files[i], NULL);
  if (o->dir) fsi_rundir_abort(o->dir);
  g_free(o);
}

void fsi_print_metrics(FILE *fp) {
  fprintf(fp, "summary.csv (one row per run; per-order columns for orders 0..max_order):\n");
  static const char *const fixed[][2] = {
      {"sim_time_ns", "simulated time at the end of the run"},
      {"events", "events processed"},
      {"huge_order", "pageblock order: requests at or above it count as huge"},
      {"huge_attempts / huge_success / huge_success_pct", "requests of order >= pageblock order, their successes, percent"},
      {"nr_free_pages", "NR_FREE_PAGES summed over zones at the end"},
      {"unusable_huge", "unusable free space index at pageblock order, node-wide, 0..1000 (mm/vmstat.c unusable_free_index)"},
      {"fragindex_huge", "fragmentation index at pageblock order, node-wide, -1000..1000 (__fragmentation_index)"},
      {"mixed_blocks", "pageblocks holding a page of another migratetype (/proc/pagetypeinfo 'Number of mixed blocks')"},
      {"polluted_blocks", "pageblocks holding any unmovable or reclaimable allocation"},
      {"stall_p50_ns / stall_p99_ns", "allocation latency percentiles over all orders"},
      {"blocks_<type>", "pageblocks of each migratetype at the end"},
      {"attempts_oN / success_oN / fail_oN", "requests of order N and their outcome"},
      {"latency_{p50,p90,p99,max}_ns_oN", "allocation latency of order-N requests (nearest rank, log-linear buckets)"},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(fixed); i++) fprintf(fp, "  %-48s %s\n", fixed[i][0], fixed[i][1]);
  fprintf(fp, "\ncounters (summary.csv and timeseries.csv; /proc/vmstat names where the kernel has one):\n");
  for (uint32_t c = 0; c < FSI_NR_COUNTERS; c++) fprintf(fp, "  %-48s %s\n", fsi_counter_names[c], fsi_counter_help[c]);
  fprintf(fp, "  %-48s %s\n", "<policy>.<counter>", "counters a policy registers (see fragsim list policies)");
  fprintf(fp, "\ntimeseries.csv (per sample: one row per populated zone, scope = its name, and one node-wide row, scope = node):\n");
  static const char *const ts[][2] = {
      {"buddy_oN", "free blocks of order N, all migratetypes (/proc/buddyinfo)"},
      {"free_<type>", "free pages on each migratetype's lists (/proc/pagetypeinfo)"},
      {"unusable_oN", "unusable free space index at order N, 0..1000 (debugfs extfrag/unusable_index x1000)"},
      {"fragindex_oN", "fragmentation index at order N, -1000..1000 (debugfs extfrag/extfrag_index x1000)"},
      {"blocks_<type>", "pageblocks of each type (/proc/pagetypeinfo 'Number of blocks type')"},
      {"mixed_blocks, polluted_blocks", "as in summary.csv"},
      {"wmark_min/low/high", "zone watermarks in pages, including any boost"},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(ts); i++) fprintf(fp, "  %-48s %s\n", ts[i][0], ts[i][1]);
}
