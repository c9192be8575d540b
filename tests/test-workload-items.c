/* The workload format's additions for the kernel harness (issue #12 item 3,
 * #13 item 1): items of k order-0 pages allocated and freed together;
 * shmem, pipe, hugetlb and module kinds; in-use slab objects; fills measured
 * against MemFree or a free; the item-wise fragmenting free and the refill;
 * the nr_hugepages pool (stops at the first failure, never reclaimed, never
 * moved by compaction); policy parameters written at a phase start.  Where a
 * mechanism is a behaviour, the test runs the same seed with and without it.
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "cli/runner.h"
#include "engine/mm/migrate.h"
#include "engine/mm/page_isolation.h"
#include "engine/mm/slub.h"
#include "engine/mm/vmscan.h"
#include "engine/run.h"

/* ---- running workload files ---------------------------------------------------- */

static char *tmpdir;

static char *write_workload(const char *name, const char *text) {
  char *p = g_strdup_printf("%s/%s.ini", tmpdir, name);
  g_assert_true(g_file_set_contents(p, text, -1, NULL));
  return p;
}

/* Runs a workload file; returns the summary (column -> value). */
static GHashTable *run_text(const char *name, const char *text, const char *stack, const char *const *sets) {
  char *path = write_workload(name, text);
  FsiRunSpec spec = {path, stack, 7, sets, NULL, NULL, false, false, false, false};
  FsiRunResult res = {0};
  GError *e = NULL;
  bool ok = fsi_run_one(&spec, &res, &e);
  if (!ok) g_printerr("%s: %s\n", name, e->message);
  g_assert_no_error(e);
  g_assert_true(ok);
  GHashTable *t = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < res.columns->len; i++) {
    double *v = g_new(double, 1);
    *v = g_array_index(res.values, double, i);
    g_hash_table_insert(t, g_strdup(g_ptr_array_index(res.columns, i)), v);
  }
  fsi_run_result_clear(&res);
  g_free(path);
  return t;
}

static double col(GHashTable *t, const char *name) {
  double *v = g_hash_table_lookup(t, name);
  if (!v) g_error("no summary column %s", name);
  return *v;
}

static void expect_error(const char *name, const char *text, const char *fragment) {
  char *path = write_workload(name, text);
  FsiRunSpec spec = {path, "linux-6.1", 1, NULL, NULL, NULL, false, false, false, false};
  GError *e = NULL;
  g_assert_false(fsi_run_one(&spec, NULL, &e));
  g_assert_nonnull(e);
  if (!strstr(e->message, fragment)) g_error("expected \"%s\" in: %s", fragment, e->message);
  g_error_free(e);
  g_free(path);
}

#define MACHINE "[machine]\nmemory = 128M\ncpus = 2\n"

/* Items of 16 pages freed item-wise: every free releases whole items, and a
 * request is 16 page allocations.  The page-wise free of the same stream
 * (same seed) frees single pages. */
static void test_items_freed_together(void) {
  const char *fmt = "[workload]\nphases = fill, free\n" MACHINE
                    "[phase.fill]\nduration = 2s\nstreams = s\n"
                    "[phase.free]\nduration = 100ms\nfragment_stream = s\nfragment_fraction = 0.5\nfragment_mode = %s\n"
                    "[stream.s]\nkind = anon\nitem_pages = 16\nlifetime = forever\nfill = true\nfootprint = 0.3\n"
                    "tasks = 1\nthink = 1us\n";
  char *items = g_strdup_printf(fmt, "items"), *pages = g_strdup_printf(fmt, "pages");
  GHashTable *a = run_text("items", items, "linux-6.1", NULL);
  double attempts = col(a, "stream_s_attempts"), freed = col(a, "phase_free_fragment_freed_pages");
  g_assert_cmpfloat(attempts, >, 1000);
  g_assert_cmpfloat(fmod(attempts, 16), ==, 0);
  g_assert_cmpfloat(freed, >, 0.4 * attempts);
  g_assert_cmpfloat(freed, <, 0.6 * attempts);
  g_assert_cmpfloat(fmod(freed, 16), ==, 0);
  /* page-wise freeing of the same pages: no longer whole items (the items
   * are only kept per item; the page-wise free has nothing to free) */
  GHashTable *b = run_text("pages", pages, "linux-6.1", NULL);
  g_assert_cmpfloat(col(b, "stream_s_attempts"), ==, attempts);
  g_assert_cmpfloat(col(b, "phase_free_fragment_freed_pages"), ==, 0);
  g_hash_table_unref(a);
  g_hash_table_unref(b);
  g_free(items);
  g_free(pages);
}

/* fragment_stream names two streams: both are freed, item-wise, and the
 * phase's freed pages are their sum (a tree and its copies deleted at once,
 * as ols2006-highalloc's rm -rf); one of the two alone frees only its own. */
static void test_fragment_two_streams(void) {
  const char *fmt = "[workload]\nphases = fill, free\n" MACHINE
                    "[phase.fill]\nduration = 1s\nstreams = a, b\n"
                    "[phase.free]\nduration = 100ms\nfragment_stream = %s\nfragment_fraction = 1\nfragment_mode = items\n"
                    "[stream.a]\nkind = file\nitem_pages = 4\nlifetime = forever\ntasks = 1\nthink = 1ms\n"
                    "[stream.b]\nkind = file\nitem_pages = 2\nlifetime = forever\ntasks = 1\nthink = 1ms\n";
  char *both = g_strdup_printf(fmt, "a, b"), *one = g_strdup_printf(fmt, "b");
  GHashTable *x = run_text("both", both, "linux-6.1", NULL), *y = run_text("one", one, "linux-6.1", NULL);
  double a = col(x, "stream_a_attempts"), b = col(x, "stream_b_attempts");
  g_assert_cmpfloat(a, >, 400);
  g_assert_cmpfloat(b, >, 200);
  g_assert_cmpfloat(col(x, "phase_free_fragment_freed_pages"), ==, a + b);
  g_assert_cmpfloat(col(y, "phase_free_fragment_freed_pages"), ==, col(y, "stream_b_attempts"));
  g_hash_table_unref(x);
  g_hash_table_unref(y);
  g_free(both);
  g_free(one);
}

/* Huge page successes by zone: on an x86-32 layout (Normal to 896M,
 * HighMem above) the requests (GFP_HIGHUSER_MOVABLE) are served from
 * HighMem first, then Normal; the per-zone counts sum to the successes and
 * no empty zone (DMA32) has a column.  The memmap (16 MiB here) lies in
 * lowmem, at the start of Normal, as a 32-bit kernel must place it: every
 * HighMem block but the one its watermark keeps is served (at the top of
 * memory the memmap took four of HighMem's 32 blocks). */
static void test_huge_by_zone(void) {
  const char *text = "[workload]\nphases = a\n[machine]\nmemory = 1G\ndma32_limit = 0\nlowmem_limit = 896M\n"
                     "max_order = 10\npageblock_order = 10\n"
                     "[phase.a]\nduration = 1s\nhugepages = 200\nhugepage_order = 10\nhugepage_interval = 1ms\n"
                     "hugepage_kind = module\n";
  GHashTable *x = run_text("zones", text, "linux-2.6.16", NULL);
  double ok = col(x, "phase_a_huge_success"), hi = col(x, "phase_a_huge_zone_highmem"),
         normal = col(x, "phase_a_huge_zone_normal"), dma = col(x, "phase_a_huge_zone_dma");
  g_assert_cmpfloat(hi, >=, 31); /* 128 MiB of HighMem: 32 blocks, less its watermark's */
  g_assert_cmpfloat(hi, <=, 32);
  g_assert_cmpfloat(normal, >, 100);
  g_assert_cmpfloat(hi + normal + dma, ==, ok);
  g_assert_false(g_hash_table_contains(x, "phase_a_huge_zone_dma32"));
  g_hash_table_unref(x);
}

/* pgsteal_kswapd and pgsteal_direct count the LRU pages reclaim frees, as
 * 6.1's shrink_inactive_list() counts them, so they add up to pgsteal_anon +
 * pgsteal_file: the slab pages the shrinkers empty are reclaim's progress
 * (sc->nr_reclaimed) but no pgsteal, and drop_caches (invalidation, not
 * reclaim) counts none.  Page cache and dentries that are never freed fill
 * a small machine, so kswapd and direct reclaim shrink both; then
 * drop_caches. */
static void test_pgsteal_lru_only(void) {
  const char *text = "[workload]\nphases = fill, drop\n" MACHINE
                     "[phase.fill]\nduration = 3s\nstreams = cache, dentries\n"
                     "[phase.drop]\nduration = 1s\ndrop_caches = 3\nstreams = cache\n"
                     "[stream.cache]\nkind = file\nitem_pages = 16\nlifetime = forever\ntasks = 2\nthink = 100us\n"
                     "[stream.dentries]\nkind = slab_reclaimable\ncache = dentry\nobjects = 8\nlifetime = forever\n"
                     "tasks = 2\nthink = 100us\n";
  GHashTable *x = run_text("pgsteal", text, "linux-6.1", NULL);
  double k = col(x, "pgsteal_kswapd"), d = col(x, "pgsteal_direct");
  g_assert_cmpfloat(k + d, >, 1000);
  g_assert_cmpfloat(col(x, "fs_slab_objects_freed"), >, 1000); /* the shrinkers freed dentries */
  g_assert_cmpfloat(k + d, ==, col(x, "pgsteal_anon") + col(x, "pgsteal_file"));
  g_hash_table_unref(x);
}

/* footprint_of = memfree: the fill is a fraction of MemFree at the phase
 * start (here after another stream took 40% of memory), not of managed
 * memory; footprint_of = freed: a refill of half the pages the item-wise
 * free gave back. */
static void test_fill_memfree_and_refill(void) {
  const char *fmt = "[workload]\nphases = pre, fill, free\n" MACHINE
                    "[phase.pre]\nduration = 2s\nstreams = pre\n"
                    "[phase.fill]\nduration = 2s\nstreams = pre, s\n"
                    "[phase.free]\nduration = 2s\nstreams = refill\nfragment_stream = s\nfragment_fraction = 0.5\n"
                    "fragment_mode = items\n"
                    "[stream.pre]\nkind = anon\nlifetime = forever\nfill = true\nfootprint = 0.4\ntasks = 1\nthink = 1us\n"
                    "[stream.s]\nkind = shmem\nitem_pages = uniform:1,16\nlifetime = forever\nfill = true\n"
                    "footprint = 0.5\nfootprint_of = %s\ntasks = 1\nthink = 1us\n"
                    "[stream.refill]\nkind = pipe\nitem_pages = uniform:1,16\nlifetime = forever\nfill = true\n"
                    "footprint = 0.5\nfootprint_of = freed\ntasks = 1\nthink = 1us\n";
  char *memfree = g_strdup_printf(fmt, "memfree"), *managed = g_strdup_printf(fmt, "managed");
  GHashTable *a = run_text("memfree", memfree, "linux-6.1", NULL);
  GHashTable *b = run_text("managed", managed, "linux-6.1", NULL);
  double total = 128.0 * 256, pre = col(a, "stream_pre_attempts");
  g_assert_cmpfloat(pre, >=, 0.4 * total);
  double s_memfree = col(a, "stream_s_attempts"), s_managed = col(b, "stream_s_attempts");
  /* managed: half of all memory; memfree: half of what the first fill left */
  g_assert_cmpfloat(s_managed, >=, 0.5 * total);
  g_assert_cmpfloat(s_memfree, <, 0.5 * (total - pre) + 16);
  g_assert_cmpfloat(s_memfree, >, 0.5 * (total - pre) - 0.05 * total);
  /* the refill: half of the freed pages, to within one item */
  double freed = col(a, "phase_free_fragment_freed_pages"), refill = col(a, "stream_refill_attempts");
  g_assert_cmpfloat(freed, >, 0);
  g_assert_cmpfloat(refill, >=, 0.5 * freed);
  g_assert_cmpfloat(refill, <, 0.5 * freed + 16);
  g_hash_table_unref(a);
  g_hash_table_unref(b);
  g_free(memfree);
  g_free(managed);
}

/* nr_hugepages: pool allocations back to back until the target or the first
 * failure; memfree's target is MemFree / 2 MiB at the phase start; a kept
 * pool survives into the next phase, where a smaller target shrinks it. */
static void test_nr_hugepages(void) {
  const char *text = "[workload]\nphases = fill, grow, shrink\n" MACHINE
                     "[phase.fill]\nduration = 2s\nstreams = s\n"
                     "[phase.grow]\nduration = 5s\nnr_hugepages = 100000\nnr_hugepages_keep = true\n"
                     "[phase.shrink]\nduration = 1s\nnr_hugepages = 3\n"
                     "[stream.s]\nkind = pipe\nitem_pages = uniform:1,16\nlifetime = forever\nfill = true\n"
                     "footprint = 0.3\ntasks = 1\nthink = 1us\n";
  GHashTable *a = run_text("pool", text, "linux-6.1", NULL);
  double pool = col(a, "phase_grow_nr_hugepages");
  g_assert_cmpfloat(pool, >, 10);
  g_assert_cmpfloat(pool, <, 64);
  /* stopped at the first failure: one failed attempt, no more */
  g_assert_cmpfloat(col(a, "phase_grow_nr_hugepages_attempts"), ==, pool + 1);
  g_assert_cmpfloat(col(a, "phase_grow_nr_hugepages_target"), ==, 100000);
  /* the kept pool is shrunk to 3 without a single allocation */
  g_assert_cmpfloat(col(a, "phase_shrink_nr_hugepages"), ==, 3);
  g_assert_cmpfloat(col(a, "phase_shrink_nr_hugepages_attempts"), ==, 0);
  g_hash_table_unref(a);

  const char *mf = "[workload]\nphases = t\n" MACHINE "[phase.t]\nduration = 5s\nnr_hugepages = memfree\n";
  GHashTable *b = run_text("pool-memfree", mf, "linux-6.1", NULL);
  double target = col(b, "phase_t_nr_hugepages_target");
  /* MemFree of an idle 128M machine: all but the boot reservations */
  g_assert_cmpfloat(target, >, 55);
  g_assert_cmpfloat(target, <=, 64);
  g_assert_cmpfloat(col(b, "phase_t_nr_hugepages"), <=, target);
  g_hash_table_unref(b);
}

/* A pool phase's nr_hugepages_reclaimed counts the LRU pages reclaimed
 * while it ran (the 2010 postings' per-increment "rclm"): on a machine
 * filled with page cache, two growing writes each reclaim, and their counts
 * add up to the run's pgsteal_kswapd + pgsteal_direct, the fill having
 * reclaimed nothing; a shrinking write allocates and reclaims nothing.
 * nr_hugepages_reclaimed_direct is the pgsteal_direct part of it. */
static void test_nr_hugepages_reclaimed(void) {
  const char *text = "[workload]\nphases = fill, grow1, grow2, shrink\n" MACHINE
                     "[phase.fill]\nduration = 2s\nstreams = cache\n"
                     "[phase.grow1]\nduration = 1s\nnr_hugepages = 20\nnr_hugepages_keep = true\n"
                     "[phase.grow2]\nduration = 1s\nnr_hugepages = 40\nnr_hugepages_keep = true\n"
                     "[phase.shrink]\nduration = 1s\nnr_hugepages = 10\n"
                     "[stream.cache]\nkind = file\nitem_pages = 16\nlifetime = forever\nfill = true\n"
                     "footprint = 0.9\ntasks = 1\nthink = 1us\n";
  GHashTable *a = run_text("pool-reclaimed", text, "linux-6.1", NULL);
  double r1 = col(a, "phase_grow1_nr_hugepages_reclaimed"), r2 = col(a, "phase_grow2_nr_hugepages_reclaimed");
  double total = col(a, "pgsteal_kswapd") + col(a, "pgsteal_direct");
  g_assert_cmpfloat(col(a, "phase_grow2_nr_hugepages"), ==, 40);
  g_assert_cmpfloat(r1, >, 0);
  g_assert_cmpfloat(r2, >, 0);
  g_assert_cmpfloat(col(a, "phase_shrink_nr_hugepages_reclaimed"), ==, 0);
  g_assert_cmpfloat(r1 + r2, ==, total);
  /* the direct part alone (nr_hugepages_reclaimed_direct) */
  double d1 = col(a, "phase_grow1_nr_hugepages_reclaimed_direct"),
         d2 = col(a, "phase_grow2_nr_hugepages_reclaimed_direct");
  g_assert_cmpfloat(d1, <=, r1);
  g_assert_cmpfloat(d2, <=, r2);
  g_assert_cmpfloat(d1 + d2, ==, col(a, "pgsteal_direct"));
  g_assert_cmpfloat(d1 + d2, >, 0); /* 9273 of the 19787 pages */
  g_assert_cmpfloat(col(a, "phase_shrink_nr_hugepages_reclaimed_direct"), ==, 0);
  g_hash_table_unref(a);
}

/* hugepage_complete: a phase whose attempts do not fit its duration goes on
 * until every attempt is made (mmtests' module makes all of them), the phases
 * after it keep their own durations and the run's end moves with them;
 * without it the phase's time cuts the attempts short.  An explicit
 * sim.duration is kept. */
static void test_hugepage_complete(void) {
  const char *fmt = "[workload]\nphases = pass, after\n" MACHINE
                    "[phase.pass]\nduration = 1s\nhugepages = 20\nhugepage_order = 9\nhugepage_interval = 100ms\n"
                    "hugepage_retry = false\nhugepage_kind = module\nhugepage_complete = %s\n"
                    "[phase.after]\nduration = 1s\n";
  char *cut = g_strdup_printf(fmt, "false"), *whole = g_strdup_printf(fmt, "true");
  GHashTable *a = run_text("complete-no", cut, "linux-6.1", NULL);
  GHashTable *b = run_text("complete-yes", whole, "linux-6.1", NULL);
  g_assert_cmpfloat(col(a, "phase_pass_huge_attempts"), ==, 10);
  g_assert_cmpfloat(col(a, "sim_time_ns"), ==, 2e9);
  g_assert_cmpfloat(col(b, "phase_pass_huge_attempts"), ==, 20);
  /* 20 attempts 100 ms apart, then the next phase's second */
  g_assert_cmpfloat(col(b, "sim_time_ns"), >=, 3e9);
  g_assert_cmpfloat(col(b, "sim_time_ns"), <, 3.2e9);
  const char *sets[] = {"sim.duration=1500ms", NULL};
  GHashTable *c = run_text("complete-explicit", whole, "linux-6.1", sets);
  g_assert_cmpfloat(col(c, "sim_time_ns"), ==, 1.5e9);
  g_assert_cmpfloat(col(c, "phase_pass_huge_attempts"), >=, 14);
  g_hash_table_unref(a);
  g_hash_table_unref(b);
  g_hash_table_unref(c);
  g_free(cut);
  g_free(whole);
}

/* set = kcompactd.proactiveness=...: written at the phase start.  After a
 * fragmenting free, raising proactiveness from 0 wakes kcompactd, which
 * compacts proactively; leaving it at 0 does nothing.  Errors name the key. */
static void test_set_proactiveness(void) {
  const char *fmt = "[workload]\nphases = fill, free, settle\n" MACHINE
                    "[phase.fill]\nduration = 2s\nstreams = s\nset = kcompactd.proactiveness=0\n"
                    "[phase.free]\nduration = 100ms\nfragment_stream = s\nfragment_fraction = 0.5\n"
                    "fragment_mode = items\n"
                    "[phase.settle]\nduration = 3s\nset = kcompactd.proactiveness=%s\n"
                    "[stream.s]\nkind = anon\nitem_pages = uniform:1,16\nlifetime = forever\nfill = true\n"
                    "footprint = 0.8\nfootprint_of = memfree\ntasks = 1\nthink = 1us\n";
  char *on = g_strdup_printf(fmt, "100"), *off = g_strdup_printf(fmt, "0");
  GHashTable *a = run_text("set-on", on, "linux-6.1", NULL);
  GHashTable *b = run_text("set-off", off, "linux-6.1", NULL);
  g_assert_cmpfloat(col(a, "kcompactd.proactive_runs"), >, 0);
  g_assert_cmpfloat(col(b, "kcompactd.proactive_runs"), ==, 0);
  g_assert_cmpfloat(col(a, "unusable_huge"), <, col(b, "unusable_huge"));
  g_hash_table_unref(a);
  g_hash_table_unref(b);
  g_free(on);
  g_free(off);
  const char *bad = "[workload]\nphases = a\n[phase.a]\nduration = 1s\nset = %s\n";
  char *t1 = g_strdup_printf(bad, "nopolicy.x=1"), *t2 = g_strdup_printf(bad, "kcompactd.nope=1"),
       *t3 = g_strdup_printf(bad, "kcompactd.proactiveness=101"), *t4 = g_strdup_printf(bad, "proactiveness");
  expect_error("bad1", t1, "no policy \"nopolicy\"");
  expect_error("bad2", t2, "has no parameter \"nope\"");
  expect_error("bad3", t3, "kcompactd.proactiveness");
  expect_error("bad4", t4, "phase.a.set");
  g_free(t1);
  g_free(t2);
  g_free(t3);
  g_free(t4);
}

static void test_parse_errors(void) {
  const char *head = "[workload]\nphases = a\n[phase.a]\nduration = 1s\n[stream.s]\nlifetime = forever\n";
  struct {
    const char *body, *fragment;
  } cases[] = {
      {"kind = anon\nitem_pages = 0\n", "stream.s.item_pages"},
      {"kind = anon\nitem_pages = uniform:4,2\n", "stream.s.item_pages"},
      {"kind = anon\nitem_pages = 4\norders = 1\n", "without orders"},
      {"kind = slab_reclaimable\nitem_pages = 4\n", "page kinds only"},
      {"mix = anon:1, dentry:2\n", "stream.s.mix"},
      {"mix = anon:1, slab_unmovable:2\n", "stream.s.mix"},
      {"kind = anon\nmix = anon:1\n", "one or the other"},
      {"kind = anon\nitem_pages = 2\nfiles = true\n", "shmem and file streams"},
      {"kind = shmem\nfiles = true\n", "with item_pages"},
      {"kind = anon\nin_use = true\n", "slab kinds only"},
      {"kind = anon\nfootprint = 0.5\nfootprint_of = memfree\n", "fill streams only"},
      {"kind = anon\nfill = true\nfootprint = 0.5\nfootprint_of = swap\n", "managed, memfree or freed"},
      {"mix = anon:1, pipe:1\ngfp = GFP_KERNEL\n", "without mix"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *t = g_strconcat(head, cases[i].body, NULL);
    char *name = g_strdup_printf("err%u", i);
    expect_error(name, t, cases[i].fragment);
    g_free(name);
    g_free(t);
  }
  expect_error("phase1", "[workload]\nphases = a\n[phase.a]\nduration = 1s\nnr_hugepages = lots\n", "phase.a.nr_hugepages");
  expect_error("phase2", "[workload]\nphases = a\n[phase.a]\nduration = 1s\nhugepage_kind = anon\n", "hugetlb, module or thp");
  expect_error("phase3",
               "[workload]\nphases = a\n[phase.a]\nduration = 1s\nfragment_stream = s\nfragment_mode = items\n"
               "[stream.s]\nkind = anon\nlifetime = forever\n",
               "item_pages ([stream.s] has none)");
}

/* ---- engine-level behaviour: a scripted run ------------------------------------- */

static bool script_start(FsiRun *run, void *state, GError **error) {
  (void)run;
  (void)state;
  (void)error;
  return true;
}
static void script_step(FsiRun *run, void *state, uint32_t task) {
  (void)run;
  (void)state;
  (void)task;
}

typedef struct {
  FsiConfig *cfg;
  FsiStack *stack;
  FsiRun *run;
} Scripted;

static Scripted scripted(const char *stack, const char *const *sets) {
  Scripted s;
  GError *e = NULL;
  s.cfg = fsi_config_new();
  g_assert_true(fsi_config_set(s.cfg, "machine.memory=128M", "test", &e));
  g_assert_true(fsi_config_set(s.cfg, "machine.dma_limit=0", "test", &e));
  g_assert_true(fsi_config_set(s.cfg, "sim.duration=1s", "test", &e));
  for (const char *const *x = sets; x && *x; x++) g_assert_true(fsi_config_set(s.cfg, *x, "test", &e));
  s.stack = fsi_stack_load(stack, NULL, s.cfg->kf, &e);
  g_assert_no_error(e);
  FsiWorkload wl = {"script", NULL, script_start, script_step, NULL};
  s.run = fsi_run_new(s.cfg, s.stack, &wl, 1, &e);
  g_assert_no_error(e);
  fsi_run_set_tasks(s.run, 2);
  return s;
}

static void scripted_free(Scripted *s) {
  fsi_run_free(s->run);
  fsi_stack_free(s->stack);
  fsi_config_free(s->cfg);
}

static FsiHandle alloc(FsiRun *run, uint32_t order, uint32_t kind) {
  FsiRequest rq = {order, kind, fsi_kind_gfp(kind), 0, false, false, false, false};
  return fsi_run_alloc(run, &rq).handle;
}

static bool resident(FsiRun *run, FsiHandle h) {
  FsiAlloc *a = fsi_run_lookup(run, h);
  return a && (a->flags & FSI_AF_RESIDENT);
}

/* Held huge pages under heavy reclaim with swap: THP-kind pages sit on the
 * anon LRU and are swapped out (their frames handed back); hugetlb pool
 * pages and a module's pages are on no LRU and stay. */
static void test_hugetlb_survives_reclaim(void) {
  const uint32_t kinds[3] = {FS_KIND_THP, FS_KIND_HUGETLB, FS_KIND_MODULE};
  uint32_t survived[3];
  for (int k = 0; k < 3; k++) {
    /* zram-like swap: reclaim at one instant frees what it swaps */
    const char *sets[] = {"vm.swap=256M", "vm.swap_io=sync", NULL};
    Scripted s = scripted("linux-6.1", sets);
    FsiHandle h[8];
    for (int i = 0; i < 8; i++) h[i] = alloc(s.run, 9, kinds[k]);
    FsAllocRequest req = {.order = 0, .gfp = FS_GFP_HIGHUSER_MOVABLE, .highest_zoneidx = FS_ZONE_DMA32};
    for (int i = 0; i < 400; i++) fsi_try_to_free_pages(s.run, &req);
    survived[k] = 0;
    for (int i = 0; i < 8; i++) {
      g_assert_true(h[i] != FSI_HANDLE_NONE);
      survived[k] += resident(s.run, h[i]);
    }
    scripted_free(&s);
  }
  g_assert_cmpuint(survived[0], <, 8);
  g_assert_cmpuint(survived[1], ==, 8);
  g_assert_cmpuint(survived[2], ==, 8);
}

/* Ordinary compaction (the policies' migrate_page) refuses a hugetlb page,
 * while alloc_contig_range moves it; a module's page refuses both. */
static void test_hugetlb_migration(void) {
  const uint32_t kinds[2] = {FS_KIND_HUGETLB, FS_KIND_MODULE};
  for (int k = 0; k < 2; k++) {
    Scripted s = scripted("linux-6.1", NULL);
    FsiHandle h = alloc(s.run, 9, kinds[k]);
    g_assert_true(h != FSI_HANDLE_NONE);
    uint64_t pfn = fsi_run_lookup(s.run, h)->pfn;
    g_assert_cmpint(fsi_migrate_page(s.run, pfn, pfn + 512), ==, FS_MIGRATE_EUNMOVABLE);
    FsiHandle got = 0;
    int r = fsi_alloc_contig_range(s.run, pfn, 512, FS_MIGRATE_MOVABLE, 1, &got);
    if (kinds[k] == FS_KIND_HUGETLB) {
      g_assert_cmpint(r, ==, 0);
      g_assert_cmpuint(fsi_run_lookup(s.run, h)->pfn, !=, pfn);
      g_assert_true(resident(s.run, h));
    } else {
      g_assert_cmpint(r, !=, 0);
      g_assert_cmpuint(fsi_run_lookup(s.run, h)->pfn, ==, pfn);
    }
    scripted_free(&s);
  }
}

/* In-use dentries (an open file's) are not shrunk: drop_caches 2 frees the
 * slab pages of unused dentries and leaves in-use ones. */
static void test_in_use_slab(void) {
  uint64_t left[2];
  for (int in_use = 0; in_use < 2; in_use++) {
    Scripted s = scripted("linux-6.1", NULL);
    int c = fsi_slab_cache_find(s.run, "dentry");
    g_assert_cmpint(c, >=, 0);
    for (int i = 0; i < 5000; i++) g_assert_true(fsi_slab_alloc_ex(s.run, (uint32_t)c, 0, in_use, false, NULL) != 0);
    g_assert_cmpuint(fsi_slab_pages(s.run, FS_KIND_SLAB_RECLAIMABLE), >, 100);
    fsi_drop_caches(s.run, 2);
    left[in_use] = fsi_slab_pages(s.run, FS_KIND_SLAB_RECLAIMABLE);
    scripted_free(&s);
  }
  g_assert_cmpuint(left[0], ==, 0);
  g_assert_cmpuint(left[1], >, 100);
}

/* shmem: movable, on the anon LRU (reclaimed only with swap), not dropped by
 * drop_caches, not RSS.  pipe: unmovable (pollutes pageblocks the way kernel
 * memory does), never reclaimed.  Compared with anon and page cache. */
static void test_shmem_and_pipe(void) {
  const uint32_t kinds[4] = {FS_KIND_FILE, FS_KIND_SHMEM, FS_KIND_PIPE, FS_KIND_ANON};
  for (int k = 0; k < 4; k++) {
    for (int swap = 0; swap < 2; swap++) {
      /* zram-like swap: reclaim at one instant frees what it swaps */
      const char *sets[] = {swap ? "vm.swap=256M" : "vm.swap=0", "vm.swap_io=sync", NULL};
      Scripted s = scripted("linux-6.1", sets);
      FsiHandle h[256];
      for (int i = 0; i < 256; i++) h[i] = alloc(s.run, 0, kinds[k]);
      FsiAlloc *a = fsi_run_lookup(s.run, h[0]);
      g_assert_cmpuint(a->alloc_mt, ==, kinds[k] == FS_KIND_PIPE ? FS_MIGRATE_UNMOVABLE : FS_MIGRATE_MOVABLE);
      g_assert_cmpuint(fsi_get_pageblock_mt(&s.run->mem, a->pfn), ==, a->alloc_mt);
      g_assert_cmpuint(s.run->tasks[0].rss_pages, ==, kinds[k] == FS_KIND_ANON ? 256 : 0);
      fsi_drop_caches(s.run, 3);
      uint32_t dropped = 0;
      for (int i = 0; i < 256; i++) dropped += !resident(s.run, h[i]);
      g_assert_cmpuint(dropped, ==, kinds[k] == FS_KIND_FILE ? 256 : 0);
      FsAllocRequest req = {.order = 0, .gfp = FS_GFP_HIGHUSER_MOVABLE, .highest_zoneidx = FS_ZONE_DMA32};
      for (int i = 0; i < 200; i++) fsi_try_to_free_pages(s.run, &req);
      uint32_t gone = 0;
      for (int i = 0; i < 256; i++) gone += !resident(s.run, h[i]);
      bool reclaimable = kinds[k] == FS_KIND_FILE || (swap && kinds[k] != FS_KIND_PIPE);
      if (reclaimable) g_assert_cmpuint(gone, >, 0);
      else g_assert_cmpuint(gone, ==, 0);
      scripted_free(&s);
    }
  }
}

/* metadata = true: an item carries the kernel's metadata besides its pages,
 * at the sizes of the harness kernel's structures.  One CPU (8 objects a
 * slab at least, as calculate_order() has it), 128M = 32768 pages; each
 * stream's fill stops at an exact number of items, so the metadata's pages
 * are exact: anonymous items of 512 pages, 16 of them: 16 page-table pages;
 * tmpfs files of 2 pages, 2048 of them: 2048 xarray nodes (576 B, 14 to an
 * order-1 slab: 294 reclaimable pages), and the inode becomes a
 * shmem_inode_cache object (776 B, 10 to an order-1 slab: 410 pages instead
 * of kmalloc-1k's 512); pipes of 16 pages, 256 of them: a pipefs inode
 * (632 B, 25 to an order-2 slab: 44 pages) and a dentry (21 a page: 13)
 * reclaimable, pipe_inode_info (kmalloc-192: 13 pages), a 16-slot ring
 * (kmalloc-1k, 8 to an order-1 slab: 64) and two struct files (256 B: 32)
 * unreclaimable. */
static double pgalloc(GHashTable *t) {
  return col(t, "pgalloc_dma") + col(t, "pgalloc_dma32") + col(t, "pgalloc_normal") + col(t, "pgalloc_high") +
         col(t, "pgalloc_movable");
}

static void test_metadata(void) {
  static const struct {
    const char *stream;
    double pages, reclaimable, unreclaimable;
  } cases[] = {
      {"kind = anon\nitem_pages = 512\nfootprint = 0.25\n", 16, 0, 0},
      {"kind = shmem\nfiles = true\nitem_pages = 2\nfootprint = 0.125\n", 294 + 410 - 512, 294, 410 - 512},
      {"kind = pipe\nitem_pages = 16\nfootprint = 0.125\n", 57 + 109, 44 + 13, 13 + 64 + 32},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
    GHashTable *t[2];
    for (int meta = 0; meta < 2; meta++) {
      char *text = g_strdup_printf("[workload]\nphases = fill\n[machine]\nmemory = 128M\ncpus = 1\n"
                                   "[phase.fill]\nduration = 1s\nstreams = s\n"
                                   "[stream.s]\n%smetadata = %s\nlifetime = forever\nfill = true\ntasks = 1\n"
                                   "think = 1us\n",
                                   cases[i].stream, meta ? "true" : "false");
      t[meta] = run_text("metadata", text, "linux-6.1", NULL);
      g_free(text);
    }
    g_assert_cmpfloat(col(t[1], "stream_s_attempts"), ==, col(t[0], "stream_s_attempts"));
    g_assert_cmpfloat(pgalloc(t[1]) - pgalloc(t[0]), ==, cases[i].pages);
    g_assert_cmpfloat(col(t[1], "nr_slab_reclaimable") - col(t[0], "nr_slab_reclaimable"), ==, cases[i].reclaimable);
    g_assert_cmpfloat(col(t[1], "nr_slab_unreclaimable") - col(t[0], "nr_slab_unreclaimable"), ==,
                      cases[i].unreclaimable);
    g_hash_table_unref(t[0]);
    g_hash_table_unref(t[1]);
  }
  /* metadata is an item's */
  expect_error("metadata-no-items", "[workload]\nphases = a\n[phase.a]\nduration = 1s\nstreams = s\n"
                                    "[stream.s]\nkind = anon\nmetadata = true\n",
               "valid with item_pages");
}

/* files = true on a disk file stream: each file has a dentry and an inode
 * (the engine's reclaimable dentry and inode caches), cached and not in use
 * (created, written, closed; the inode held by its dentry until the dentry
 * is pruned: /slub/hold/dentry-inode): drop_caches 2 frees every one of them and
 * leaves the pages; deleting the files (fragment_mode = items) frees them
 * with the pages and no shrinker sees them.  2048 files of 2 pages. */
static void test_disk_files(void) {
  GHashTable *t[3][2];
  const char *phases[] = {"", "drop_caches = 2\n", "fragment_stream = s\nfragment_mode = items\nfragment_fraction = 1\n"};
  for (int v = 0; v < 3; v++)
    for (int files = 0; files < 2; files++) {
      char *text = g_strdup_printf("[workload]\nphases = fill, after\n[machine]\nmemory = 128M\ncpus = 1\n"
                                   "[phase.fill]\nduration = 1s\nstreams = s\n[phase.after]\nduration = 10ms\n%s"
                                   "[stream.s]\nkind = file\nitem_pages = 2\nfootprint = 0.125\nfiles = %s\n"
                                   "lifetime = forever\nfill = true\ntasks = 1\nthink = 1us\n",
                                   phases[v], files ? "true" : "false");
      t[v][files] = run_text("disk-files", text, "linux-6.1", NULL);
      g_free(text);
    }
  double items = col(t[0][1], "stream_s_attempts") / 2;
  g_assert_cmpfloat(items, ==, 2048);
  /* kept: their slab pages on top of the pages; every dentry unused, every
   * inode held by its dentry */
  g_assert_cmpfloat(col(t[0][1], "nr_slab_reclaimable"), >, col(t[0][0], "nr_slab_reclaimable") + 500);
  g_assert_cmpfloat(col(t[0][1], "fs_slab_objects_freed"), ==, 0);
  g_assert_cmpfloat(col(t[0][1], "nr_dentry") - col(t[0][0], "nr_dentry"), ==, items);
  g_assert_cmpfloat(col(t[0][1], "nr_unused_dentry") - col(t[0][0], "nr_unused_dentry"), ==, items);
  g_assert_cmpfloat(col(t[0][1], "nr_inodes") - col(t[0][0], "nr_inodes"), ==, items);
  g_assert_cmpfloat(col(t[0][1], "nr_unused_inodes"), ==, col(t[0][0], "nr_unused_inodes"));
  /* dropped: every dentry and inode by the shrinkers (each inode once its
   * dentry is gone) */
  g_assert_cmpfloat(col(t[1][1], "fs_slab_objects_freed") - col(t[1][0], "fs_slab_objects_freed"), ==, 2 * items);
  g_assert_cmpfloat(col(t[1][1], "nr_inodes"), ==, col(t[1][0], "nr_inodes"));
  g_assert_cmpfloat(col(t[1][1], "nr_slab_reclaimable"), <=, col(t[1][0], "nr_slab_reclaimable") + 2);
  /* deleted: with their files */
  g_assert_cmpfloat(col(t[2][1], "phase_after_fragment_freed_pages"), ==, 2 * items);
  g_assert_cmpfloat(col(t[2][1], "fs_slab_objects_freed"), ==, 0);
  g_assert_cmpfloat(col(t[2][1], "nr_slab_reclaimable"), <=, col(t[2][0], "nr_slab_reclaimable") + 2);
  for (int v = 0; v < 3; v++)
    for (int files = 0; files < 2; files++) g_hash_table_unref(t[v][files]);
}

/* The harness scenario file parses and runs; the pool stops short of
 * MemFree / 2 MiB after a 50% item-wise free, and pipes pollute blocks. */
static void test_scenario_file(void) {
  char *path = g_build_filename(g_getenv("FRAGSIM_SOURCE_ROOT"), "tests", "data", "scenario-hugetlb-after-free.ini", NULL);
  const char *sets[] = {"machine.memory=256M", NULL};
  FsiRunSpec spec = {path, "linux-6.1", 1, sets, NULL, NULL, false, false, false, false};
  FsiRunResult res = {0};
  GError *e = NULL;
  g_assert_true(fsi_run_one(&spec, &res, &e));
  g_assert_no_error(e);
  double pool = NAN, target = NAN;
  for (guint i = 0; i < res.columns->len; i++) {
    const char *c = g_ptr_array_index(res.columns, i);
    if (!strcmp(c, "phase_test_nr_hugepages")) pool = g_array_index(res.values, double, i);
    if (!strcmp(c, "phase_test_nr_hugepages_target")) target = g_array_index(res.values, double, i);
  }
  g_assert_cmpfloat(target, >, 10);
  g_assert_cmpfloat(pool, >, 0);
  g_assert_cmpfloat(pool, <=, target);
  fsi_run_result_clear(&res);
  g_free(path);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("fragsim-items-XXXXXX", NULL);
  g_test_add_func("/workload-items/items-freed-together", test_items_freed_together);
  g_test_add_func("/workload-items/fragment-two-streams", test_fragment_two_streams);
  g_test_add_func("/workload-items/huge-by-zone", test_huge_by_zone);
  g_test_add_func("/workload-items/pgsteal-lru-only", test_pgsteal_lru_only);
  g_test_add_func("/workload-items/disk-files", test_disk_files);
  g_test_add_func("/workload-items/fill-memfree-and-refill", test_fill_memfree_and_refill);
  g_test_add_func("/workload-items/nr-hugepages", test_nr_hugepages);
  g_test_add_func("/workload-items/nr-hugepages-reclaimed", test_nr_hugepages_reclaimed);
  g_test_add_func("/workload-items/set-proactiveness", test_set_proactiveness);
  g_test_add_func("/workload-items/hugepage-complete", test_hugepage_complete);
  g_test_add_func("/workload-items/parse-errors", test_parse_errors);
  g_test_add_func("/workload-items/hugetlb-survives-reclaim", test_hugetlb_survives_reclaim);
  g_test_add_func("/workload-items/hugetlb-migration", test_hugetlb_migration);
  g_test_add_func("/workload-items/in-use-slab", test_in_use_slab);
  g_test_add_func("/workload-items/shmem-and-pipe", test_shmem_and_pipe);
  g_test_add_func("/workload-items/metadata", test_metadata);
  g_test_add_func("/workload-items/scenario-file", test_scenario_file);
  int r = g_test_run();
  char *cmd = g_strdup_printf("%s", tmpdir);
  GDir *d = g_dir_open(tmpdir, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name(d))) {
    char *p = g_build_filename(tmpdir, n, NULL);
    g_unlink(p);
    g_free(p);
  }
  if (d) g_dir_close(d);
  g_rmdir(cmd);
  g_free(cmd);
  g_free(tmpdir);
  return r;
}
