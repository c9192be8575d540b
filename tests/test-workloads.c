/* Workloads: every preset runs to completion under --check on a small
 * machine and has its headline metrics; every preset on linux-6.1 at a
 * fifth of its size gives headline metrics in measured bands; parser errors for each kind of mistake name file:line and key;
 * trace replay of the sample trace; and the request stream of a preset is
 * drawn identically under two different stacks for the same seed. */
#include <glib/gstdio.h>
#include <string.h>

#include "engine/core/config.h"
#include "workloads/workload.h"
#include "cli/runner.h"
#include "helpers.h"

/* Each preset's headline metrics (docs/workloads.md). */
typedef struct {
  const char *name;
  const char *headline[4];
  void (*check_61)(const FsiRunResult *r);
} Preset;

/* The --set values that shrink a preset.  tiny (for the run under the
 * checker, which walks every page after every event): 128M, phases of
 * 300 ms, 3 huge pages and THP faults, 2 contiguous requests of 1M, one 4M
 * block to offline, one task a stream.  Otherwise a fifth of the preset on
 * 128M, unchecked: every phase a fifth as long (at least 300 ms), a fifth of
 * its huge page, THP fault and contiguous requests, one 16M block to
 * offline, the streams as they are: long enough for memory pressure, so the
 * headline metrics mean something. */
static GPtrArray *preset_sets(const char *preset, bool tiny) {
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(a, g_strdup("machine.memory=128M"));
  /* the preset's numbers as written on the small machine (bands were measured so) */
  g_ptr_array_add(a, g_strdup("workload.scale=none"));
  if (tiny) g_ptr_array_add(a, g_strdup("sim.check=true"));
  char *path = g_strdup_printf("%s/workloads/%s.ini", g_getenv("FRAGSIM_SOURCE_ROOT"), preset);
  GKeyFile *kf = g_key_file_new();
  g_assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL));
  char **groups = g_key_file_get_groups(kf, NULL);
  for (char **g = groups; *g; g++) {
    if (g_str_has_prefix(*g, "stream.") && tiny) g_ptr_array_add(a, g_strdup_printf("%s.tasks=1", *g));
    if (!g_str_has_prefix(*g, "phase.")) continue;
    uint64_t ns = 300000000u;
    if (!tiny) {
      char *d = g_key_file_get_string(kf, *g, "duration", NULL);
      g_assert_nonnull(d);
      GError *e = NULL;
      g_assert_true(fsi_parse_duration(g_strstrip(d), &ns, &e));
      g_assert_no_error(e);
      g_free(d);
      ns = MAX(ns / 5, 300000000u);
    }
    g_ptr_array_add(a, g_strdup_printf("%s.duration=%" G_GUINT64_FORMAT "ms", *g, ns / 1000000));
    const char *counts[] = {"hugepages", "thp_faults", "contig"};
    for (unsigned i = 0; i < G_N_ELEMENTS(counts); i++)
      if (g_key_file_has_key(kf, *g, counts[i], NULL))
        g_ptr_array_add(a, g_strdup_printf("%s.%s=%d", *g, counts[i],
                                           tiny ? (i == 2 ? 2 : 3) : g_key_file_get_integer(kf, *g, counts[i], NULL) / 5));
    if (tiny && g_key_file_has_key(kf, *g, "contig", NULL))
      g_ptr_array_add(a, g_strdup_printf("%s.contig_size=1M", *g));
    if (g_key_file_has_key(kf, *g, "offline", NULL)) {
      g_ptr_array_add(a, g_strdup_printf("%s.offline=1", *g));
      g_ptr_array_add(a, g_strdup_printf("%s.offline_size=%s", *g, tiny ? "4M" : "16M"));
    }
  }
  g_strfreev(groups);
  g_key_file_unref(kf);
  g_free(path);
  if (tiny && !strcmp(preset, "android-zram")) g_ptr_array_add(a, g_strdup("vm.swap=64M"));
  g_ptr_array_add(a, NULL);
  return a;
}

static void run_preset(const char *preset, const char *stack, GPtrArray *sets, bool check, FsiRunResult *res) {
  FsiRunSpec spec = {preset, stack, 3, (const char *const *)sets->pdata, NULL, NULL, check, false, false, false};
  GError *e = NULL;
  bool ok = fsi_run_one(&spec, res, &e);
  if (!ok) g_printerr("%s: %s\n", preset, e->message);
  g_assert_no_error(e);
  g_assert_true(ok);
  g_assert_cmpuint(res->events, >, 10);
}

#define BAND(r, col, lo, hi) ft_assert_band(col, ft_column(r, col), lo, hi)

/* The bands below are for seed 3 of the fifth-size run on linux-6.1 and
 * cover what seeds 1-3 gave, with room: a change that does not touch a
 * mechanism re-draws the load like another seed would, so the band is at
 * least the seed-to-seed spread; what it fails is a mechanism that stops
 * working (huge pages no longer compacted, every request served or none,
 * reclaim or swap gone).  Measured: seed 3 with
 * ./build/tests/test-workloads --verbose -r /workloads/preset/linux-6.1,
 * seeds 1-3 with `fragsim run -w PRESET -p linux-6.1 -s SEED` and the same
 * --set values as preset_sets(). */

/* pass 1 / pass 2 / rest success 4/6/13, 3/4/19, 2/2/6 % (seeds 1-3,
 * huge pages of kind module since #13 item 1, success counted as distinct
 * blocks held).  The old 100 % at rest (and 10-19 % under load) was the
 * bug #13 item 1 removed: 100 requests of 2M on a 128M machine can never
 * all be held, so the frames were swapped out and counted again.  Now the
 * unscaled slab streams pollute most of the 64 pageblocks and few requests
 * succeed; the bands (each at least the seed-to-seed spread) fail a run
 * where none is served or where every one is.
 * Stop 22 (reclaim frees to the reclaimer's per-CPU lists, not the
 * owner's): 1/1/32, 1/1/24, 0/2/24 % (with the owner's lists, as before:
 * 2/1/28, 1/1/30, 2/1/18).  Pass 1's 20 attempts give 0-2 successes, so
 * its band starts at 0; the rest pass's band is re-drawn around 24-32. */
static void check_stress_highalloc(const FsiRunResult *r) {
  BAND(r, "phase_pass1_huge_success_pct", 0, 8);
  BAND(r, "phase_pass2_huge_success_pct", 1, 12);
  BAND(r, "phase_rest_huge_success_pct", 10, 45);
}

/* 40 faults, each allocated or fallen back: 14/26, 16/24, 16/24.  After
 * #14 items 1-2 (6.1's fast free-list searches and the per-zone compaction
 * state shared with kcompactd) the run of seed 3 allocates 24/16 (was
 * 16/24): re-banded from [10, 22] to [14, 32], still failing a run where
 * none or every fault is served; the other seeds were not re-measured.
 * #14 item 6 (kcompactd's work takes time) moves seeds 1-3 from 21, 17, 24
 * allocated (main before it) to 8, 5, 7: the first proactive run is now
 * stopped when kswapd starts (__compact_finished()), does not lower the
 * score and backs off 32 s (proactive runs 2, 6, 4 -> 1, 1, 1), longer
 * than the whole fifth-size run.  Re-banded from [14, 32] to [2, 16]. */
static void check_thpcompact(const FsiRunResult *r) {
  g_assert_cmpfloat(ft_column(r, "phase_fault_thp_fault_alloc") + ft_column(r, "phase_fault_thp_fault_fallback"), ==, 40);
  BAND(r, "phase_fault_thp_fault_alloc", 2, 16);
}

/* every request served; p50 167 ns (a free pageblock: kcompactd's
 * proactive work), p99 572, 625, 559 us (the requests that compact). */
static void check_gupta(const FsiRunResult *r) {
  g_assert_cmpfloat(ft_column(r, "phase_request_huge_success_pct"), ==, 100);
  BAND(r, "phase_request_huge_latency_p50_ns", 100, 1000);
  BAND(r, "phase_request_huge_latency_p99_ns", 300e3, 1.2e6);
}

/* attempts 31882, 32253, 31924; failures 0, 32, 374 (at most 1.2 %).
 * Before #14 item 5 (measured then, seeds 1-3): failures 0, 391, 1063
 * (seed 3 already above the old 3 % band); after it (migrated pages through
 * the pcp lists, where kcompactd's order -1 runs leave them until the lists
 * overflow): 14, 4175, 1632; with vm.migrate_free_pcp=false 374, 0, 1064.
 * The failures swing with small changes; seed 3's 5.1 % is asserted under
 * 8 % (was 3 %), still failing a run where bursts routinely fail.
 * #14 item 6 (kcompactd's work takes time, its loop re-tests
 * kcompactd_work_requested() at the timeout as 6.1's does): 479, 0, 208
 * on main before it -> 2, 148, 364 (at most 1.2 %); with
 * kcompactd.recheck=false 68, 171, 1036.  Fewer proactive checks (3-5 ->
 * 1: the timeouts find an order kswapd recorded and do the work instead,
 * as in the kernel), yet no more failures: the band holds. */
static void check_atomic_bursts(const FsiRunResult *r) {
  double attempts = ft_column(r, "stream_net_attempts");
  BAND(r, "stream_net_attempts", 28000, 36000);
  BAND(r, "stream_net_failures", 0, attempts * 0.08);
}

/* 8 requests of 8M with no CMA area on 128M under load: 0, 0, 1 served. */
static void check_cma_device(const FsiRunResult *r) {
  g_assert_cmpfloat(ft_column(r, "phase_device_contig_success") + ft_column(r, "phase_device_contig_fail"), ==, 8);
  BAND(r, "phase_device_contig_fail", 5, 8);
}

/* one 16M block: offlined 0, 1, 0 times; either way it is accounted. */
static void check_hotplug(const FsiRunResult *r) {
  g_assert_cmpfloat(ft_column(r, "phase_offline_offline_success") + ft_column(r, "phase_offline_offline_fail"), ==, 1);
}

/* pswpout 211278, 209688, 210338; order-3 failures 109, 0, 45 (of about
 * 2500 attempts).  The failures were 0, 1, 0 before SLUB's opportunistic
 * slab order stopped reclaiming (8913549, #13 item 4): such an attempt now
 * fails and falls back to the cache's minimum order, as allocate_slab()
 * does since 5.17.  Band: up to twice the worst seed. */
static void check_android_zram(const FsiRunResult *r) {
  BAND(r, "pswpout", 180e3, 245e3);
  BAND(r, "fail_o3", 0, 220);
}

/* stack attempts 39480, 39791, 39516, no failure.  Re-measured with the
 * free scanner's 5.1+ sampling stride: 35654, 37590, 33783; just before it
 * 35006, 20256, 37532 (seed 2's requests spent 14.9 s in the slow path,
 * 1988 direct reclaims): the seed-to-seed spread is wider than the old
 * band, which now covers it.  No failure either way. */
static void check_fork_storm(const FsiRunResult *r) {
  BAND(r, "stream_stacks_attempts", 17e3, 46e3);
  BAND(r, "stream_stacks_failures", 0, ft_column(r, "stream_stacks_attempts") * 0.01);
}

/* THP faults allocated 13, 14, 16 of 120; polluted pageblocks 10, 7, 13.
 * Before #13 item 6 the faults were madvised (GFP_TRANSHUGE, direct
 * compaction): 45, 37, 62 allocated, polluted 9, 12, 19.  An ordinary
 * server does not madvise: with the default defrag = madvise its faults are
 * GFP_TRANSHUGE_LIGHT and take only the free huge pages there are.  The band
 * fails a run where none is served and one where the faults compact again.
 * After #14 items 1-2 (fast free-list searches, the per-zone compaction
 * state shared with kcompactd, whose proactive runs now leave more free
 * pageblocks): allocated 21, 21, 20, polluted 4, 10, 4.  The polluted band
 * is widened down to 1 (still failing a run where grouping falls apart). */
static void check_fleet_server(const FsiRunResult *r) {
  BAND(r, "phase_uptime_thp_fault_alloc", 6, 30);
  BAND(r, "polluted_blocks", 1, 30);
}

static const Preset presets[] = {
    {"stress-highalloc", {"phase_pass1_huge_success_pct", "phase_pass2_huge_success_pct", "phase_rest_huge_success_pct"},
     check_stress_highalloc},
    {"thpcompact", {"phase_fault_thp_fault_alloc", "phase_fault_thp_fault_fallback", "latency_p50_ns_o9"}, check_thpcompact},
    {"gupta-fragmenter",
     {"phase_request_huge_latency_p50_ns", "phase_request_huge_latency_p99_ns", "phase_request_huge_success_pct"},
     check_gupta},
    {"atomic-bursts", {"stream_net_failures", "stream_net_attempts"}, check_atomic_bursts},
    {"cma-device", {"phase_device_contig_success", "phase_device_contig_fail", "phase_device_contig_latency_p50_ns"},
     check_cma_device},
    {"hotplug", {"phase_offline_offline_success", "phase_offline_offline_fail"}, check_hotplug},
    {"android-zram", {"huge_success_pct", "fail_o3", "pswpout"}, check_android_zram},
    {"fork-storm", {"stream_stacks_failures", "stream_stacks_attempts"}, check_fork_storm},
    {"fleet-server", {"phase_uptime_thp_fault_alloc", "polluted_blocks"}, check_fleet_server},
};

static void print_headline(const Preset *p, const char *stack, const FsiRunResult *r) {
  for (unsigned i = 0; i < G_N_ELEMENTS(p->headline) && p->headline[i]; i++)
    g_test_message("%s [%s] seed 3: %s = %g", p->name, stack, p->headline[i], ft_column(r, p->headline[i]));
}

/* Every preset under the invariant checker on vanilla, tiny: it runs, and
 * its headline metrics are in the summary. */
static void test_preset_checked(gconstpointer data) {
  const Preset *p = data;
  GPtrArray *sets = preset_sets(p->name, true);
  FsiRunResult res = {0};
  run_preset(p->name, "vanilla", sets, true, &res);
  print_headline(p, "vanilla", &res);
  fsi_run_result_clear(&res);
  g_ptr_array_unref(sets);
}

/* Every preset on linux-6.1 at a fifth of its size: its headline metrics
 * in the measured bands. */
static void test_preset_61(gconstpointer data) {
  const Preset *p = data;
  GPtrArray *sets = preset_sets(p->name, false);
  FsiRunResult res = {0};
  run_preset(p->name, "linux-6.1", sets, false, &res);
  print_headline(p, "linux-6.1", &res);
  p->check_61(&res);
  fsi_run_result_clear(&res);
  g_ptr_array_unref(sets);
}

static void expect_error(const char *workload, const char *const *sets, const char *fragment) {
  FsiRunSpec spec = {workload, "vanilla", 1, sets, NULL, NULL, false, false, false, false};
  GError *e = NULL;
  g_assert_false(fsi_run_one(&spec, NULL, &e));
  g_assert_nonnull(e);
  if (!strstr(e->message, fragment)) g_error("expected \"%s\" in: %s", fragment, e->message);
  g_error_free(e);
}

/* A NUL byte ends a C string where GKeyFile reads on: refused with its
 * line, before GKeyFile sees escapes the line scanner did not (found by
 * fuzz-workload). */
static void test_nul_byte(void) {
  char *dir = ft_tmpdir("fragsim-wl");
  char *path = g_build_filename(dir, "nul.ini", NULL);
  static const char text[] = "[workload]\nname = a\0b\\q\\\n";
  g_assert_true(g_file_set_contents(path, text, sizeof text - 1, NULL));
  FsiConfig *cfg = fsi_config_new();
  GError *e = NULL;
  g_assert_false(fsi_config_load_file(cfg, path, &e));
  g_assert_nonnull(e);
  ft_assert_has(e->message, "nul.ini:2: the line holds a control character (0x00)");
  g_error_free(e);
  fsi_config_free(cfg);
  ft_rm_tree(dir);
  g_free(path);
  g_free(dir);
}

static const char *good =
    "[workload]\nname = t\nphases = a\n\n[phase.a]\nduration = 1s\nstreams = s\n\n"
    "[stream.s]\nkind = anon\nlifetime = exp:1s\n";

static void test_parse_errors(void) {
  char *dir = ft_tmpdir("fragsim-wl");
  struct {
    const char *text, *fragment;
  } cases[] = {
      /* unknown key, with file:line */
      {"[workload]\nname = t\nphases = a\n[phase.a]\nduration = 1s\nstreams = s\n[stream.s]\nkind = anon\nlifetime = exp:1s\n"
       "colour = red\n",
       ".ini:10: unknown key stream.s.colour"},
      /* bad kind */
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\n[stream.s]\nkind = anonymous\nlifetime = exp:1s\n",
       ":6: stream.s.kind: \"anonymous\" is not a kind"},
      /* bad lifetime */
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\n[stream.s]\nkind = anon\nlifetime = expo:1s\n",
       ":7: stream.s.lifetime"},
      /* bad orders */
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\n[stream.s]\nkind = anon\norders = 0:90, 12:1\nlifetime = fixed:1s\n",
       "stream.s.orders"},
      /* duration without unit */
      {"[workload]\nphases = a\n[phase.a]\nduration = 10\n", ":4: phase.a.duration"},
      /* phase listed but missing */
      {"[workload]\nphases = a, b\n[phase.a]\nduration = 1s\n", "no [phase.b]"},
      /* stream listed but missing */
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\nstreams = nope\n", "[stream.nope] does not exist"},
      /* no phases */
      {"[workload]\nname = t\n", "needs phases"},
      /* engine key in the file */
      {"[machine]\nmemry = 1G\n[workload]\nphases = a\n[phase.a]\nduration = 1s\n", ":2: unknown key machine.memry"},
      /* a lifetime that cannot be derived */
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\n[stream.s]\nkind = anon\n", "derivable"},
      /* cache on a page kind */
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\n[stream.s]\nkind = anon\ncache = dentry\nlifetime = fixed:1s\n",
       "slab kinds only"},
      /* unknown gfp flag */
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\n[stream.s]\nkind = anon\ngfp = GFP_KERNEL|__GFP_BOGUS\n"
       "lifetime = fixed:1s\n",
       "__GFP_BOGUS"},
      /* not an ini file at all: a key before any section, with its line */
      {"this is not = [an ini\n", ".ini:1: a key before any [section]"},
      /* #16: a line that is no ini line, with its number */
      {"[workload]\nphases = a\njust words\n", ".ini:3: \"just words\" is not a key = value line"},
      /* #16: duplicate keys and sections were silently the last one */
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\nduration = 2s\n", ".ini:5: phase.a.duration is set again (first at line 4)"},
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\n[phase.a]\nstreams = s\n", ".ini:5: [phase.a] appears again (first at line 3)"},
      /* #16: a rate whose interval overflows, phases whose sum wraps */
      {"[workload]\nphases = a\n[phase.a]\nduration = 1s\nstreams = s\n[stream.s]\nkind = anon\nrate = 1e-300\nlifetime = exp:1s\n",
       "stream.s.rate: \"1e-300\" is not a rate whose interval per task is under 146 years"},
      {"[workload]\nphases = a, b\n[phase.a]\nduration = 1281023h\n[phase.b]\nduration = 1281023h\n",
       "the phases up to phase.b last more than 2^62 ns"},
      /* #16: an empty file names itself, not "default" */
      {"# nothing\n\n", "the file is empty"},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *name = g_strdup_printf("case%u.ini", i);
    char *p = ft_write_in(dir, name, cases[i].text);
    expect_error(p, NULL, cases[i].fragment);
    g_unlink(p);
    g_free(p);
    g_free(name);
  }
  /* #16: a UTF-8 byte-order mark is not content */
  char *bom = ft_write_in(dir, "bom.ini", "\xef\xbb\xbf[workload]\nphases = a\n[phase.a]\nduration = 300ms\n");
  const char *small[] = {"machine.memory=64M", NULL};
  FsiRunSpec bspec = {bom, "vanilla", 1, small, NULL, NULL, false, false, false, false};
  GError *be = NULL;
  g_assert_true(fsi_run_one(&bspec, NULL, &be));
  g_assert_no_error(be);
  g_unlink(bom);
  g_free(bom);
  /* --set overrides a key of the file; a bad override names --set */
  char *p = ft_write_in(dir, "good.ini", good);
  const char *override[] = {"stream.s.lifetime=forever-ish", NULL};
  expect_error(p, override, "--set: stream.s.lifetime");
  const char *unknown[] = {"phase.a.speed=3", NULL};
  expect_error(p, unknown, "unknown key phase.a.speed");
  const char *fine[] = {"stream.s.lifetime=fixed:500ms", "machine.memory=64M", NULL};
  FsiRunSpec spec = {p, "vanilla", 1, fine, NULL, NULL, true, false, false, false};
  GError *e = NULL;
  g_assert_true(fsi_run_one(&spec, NULL, &e));
  g_assert_no_error(e);
  expect_error("no-such-preset", NULL, "unknown workload \"no-such-preset\"");
  g_unlink(p);
  g_free(p);
  g_rmdir(dir);
  g_free(dir);
}


/* Every preset declares the metrics the comparison table shows first
 * (workload.headline, results/table.c), and each is a summary column of
 * the preset's runs: a misspelt one would only be a warning under the
 * table.  The metrics exist from the run's start, so 100 ms is enough. */
static void test_preset_headlines(void) {
  char *dir = g_build_filename(g_getenv("FRAGSIM_SOURCE_ROOT"), "workloads", NULL);
  GDir *gd = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(gd);
  const char *n;
  guint checked = 0;
  while ((n = g_dir_read_name(gd))) {
    if (!g_str_has_suffix(n, ".ini")) continue;
    char *path = g_build_filename(dir, n, NULL);
    GKeyFile *kf = g_key_file_new();
    g_assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL));
    char *headline = g_key_file_get_string(kf, "workload", "headline", NULL);
    if (!headline) g_error("%s has no [workload] headline", path);
    const char *sets[] = {"sim.duration=100ms", NULL};
    FsiRunSpec spec = {path, "linux-6.1", 1, sets, NULL, NULL, false, false, false, false};
    FsiRunResult res = {0};
    GError *e = NULL;
    g_assert_true(fsi_run_one(&spec, &res, &e));
    g_assert_no_error(e);
    char **names = g_strsplit(headline, ",", -1);
    guint nnames = 0;
    for (char **m = names; *m; m++) {
      g_strstrip(*m);
      gboolean found = FALSE;
      for (guint i = 0; i < res.columns->len && !found; i++) found = !strcmp(g_ptr_array_index(res.columns, i), *m);
      if (!found) g_error("%s: headline metric %s is not a summary column", path, *m);
      nnames++;
    }
    g_assert_cmpuint(nnames, >=, 1);
    g_strfreev(names);
    fsi_run_result_clear(&res);
    g_free(headline);
    g_key_file_unref(kf);
    g_free(path);
    checked++;
  }
  g_dir_close(gd);
  g_assert_cmpuint(checked, >=, 11);
  g_free(dir);

  /* a headline of no metric names is an error naming the file and key */
  char *tmp = ft_tmpdir("fragsim-headline");
  const char *bad[][2] = {{"headline = huge_success_pct, no such\n", "workload.headline: \"no such\" is not a metric name"},
                          {"headline = ,\n", "workload.headline is empty"}};
  for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
    char *text = g_strdup_printf("[workload]\nphases = a\n%s[phase.a]\nduration = 1s\n", bad[i][0]);
    char *p = ft_write_in(tmp, "h.ini", text);
    expect_error(p, NULL, bad[i][1]);
    expect_error(p, NULL, "h.ini");
    g_unlink(p);
    g_free(p);
    g_free(text);
  }
  g_rmdir(tmp);
  g_free(tmp);
}

static char *sample_trace(void) {
  return g_build_filename(g_getenv("FRAGSIM_SOURCE_ROOT"), "tests", "data", "sample.trace", NULL);
}

static void test_trace_replay(void) {
  char *trace = sample_trace();
  const char *sets[] = {"machine.memory=64M", NULL};
  FsiRunSpec spec = {trace, "vanilla", 1, sets, NULL, NULL, true, false, false, false};
  FsiRunResult res = {0};
  GError *e = NULL;
  g_assert_true(fsi_run_one(&spec, &res, &e));
  g_assert_no_error(e);
  /* every alloc line became a request; frees paired with them */
  char *text = NULL;
  g_assert_true(g_file_get_contents(trace, &text, NULL, NULL));
  unsigned allocs = 0, frees = 0;
  for (char *c = text; (c = strstr(c, "mm_page_")); c++) {
    if (g_str_has_prefix(c, "mm_page_alloc:")) allocs++;
    if (g_str_has_prefix(c, "mm_page_free:")) frees++;
  }
  g_free(text);
  g_assert_cmpuint(allocs, >, 100);
  g_assert_cmpfloat(ft_column(&res, "fs_alloc_requests"), ==, allocs);
  g_assert_cmpfloat(ft_column(&res, "trace_unmatched_frees"), ==, 0);
  g_assert_cmpfloat(ft_column(&res, "attempts_o3"), >, 0); /* the atomic order-3 lines */
  fsi_run_result_clear(&res);

  /* malformed lines: errors with line numbers */
  char *dir = ft_tmpdir("fragsim-tr");
  struct {
    const char *text, *fragment;
  } cases[] = {
      {"  cc1-1 [000] ..... 1.000000: mm_page_alloc: page=0x1 order=0 migratetype=1 gfp_flags=GFP_KERNEL\n",
       "bad.trace:1: malformed mm_page_alloc line: expected pfn="},
      {"# header\n  cc1-1 [000] ..... 1.000000: mm_page_alloc: page=0x1 pfn=0x10 order=x migratetype=1 gfp_flags=GFP_KERNEL\n",
       "bad.trace:2: malformed mm_page_alloc line: expected order="},
      {"  cc1-1 [000] ..... 1.000000: mm_page_alloc: page=0x1 pfn=0x10 order=0 migratetype=1 gfp_flags=GFP_WHATEVER\n",
       "bad.trace:1: unknown gfp flag \"GFP_WHATEVER\""},
      {"  cc1-1 [000] ..... 2.000000: mm_page_alloc: page=0x1 pfn=0x10 order=0 migratetype=1 gfp_flags=GFP_KERNEL\n"
       "  cc1-1 [000] ..... 1.000000: mm_page_free: page=0x1 pfn=0x10 order=0\n",
       "bad.trace:2: timestamp goes backwards"},
      {"  cc1-1 [000] ..... notatime: mm_page_free: page=0x1 pfn=0x10 order=0\n", "bad.trace:1: malformed mm_page_free"},
      {"# only comments\n", "no mm_page_alloc or mm_page_free events"},
      /* #16: stamps whose nanoseconds overflow (undefined behaviour before) */
      {"  cc1-1 [000] ..... inf: mm_page_free: page=0x1 pfn=0x10 order=0\n", "bad.trace:1: malformed mm_page_free line: expected a timestamp"},
      {"  cc1-1 [000] ..... 1e300: mm_page_free: page=0x1 pfn=0x10 order=0\n", "bad.trace:1: malformed mm_page_free line: expected a timestamp"},
  };
  for (unsigned i = 0; i < G_N_ELEMENTS(cases); i++) {
    char *p = ft_write_in(dir, "bad.trace", cases[i].text);
    expect_error(p, NULL, cases[i].fragment);
    g_unlink(p);
    g_free(p);
  }
  /* #16: an order the machine does not have */
  char *p = ft_write_in(dir, "bad.trace",
                        "  cc1-1 [000] ..... 1.000000: mm_page_alloc: page=0x1 pfn=0x10 order=10 migratetype=1 gfp_flags=GFP_KERNEL\n");
  const char *mo9[] = {"machine.max_order=9", NULL};
  expect_error(p, mo9, "bad.trace:1: order=10 is above machine.max_order 9 (--set)");
  g_unlink(p);
  g_free(p);
  g_rmdir(dir);
  g_free(dir);
  g_free(trace);
}

/* scale = memory: on twice the memory the file was written for, twice the
 * huge page attempts in the same phase and about twice the stream's
 * requests; at its own size it is the file as written (scale = none). */
static double scaled_col(const char *path, const char *memory, const char *scale, const char *col) {
  char *m = g_strdup_printf("machine.memory=%s", memory);
  char *sc = g_strdup_printf("workload.scale=%s", scale);
  const char *sets[] = {m, sc, NULL};
  FsiRunSpec spec = {path, "vanilla", 5, sets, NULL, NULL, false, false, false, false};
  FsiRunResult res = {0};
  GError *e = NULL;
  g_assert_true(fsi_run_one(&spec, &res, &e));
  g_assert_no_error(e);
  double v = ft_column(&res, col);
  fsi_run_result_clear(&res);
  g_free(m);
  g_free(sc);
  return v;
}

static void test_scale(void) {
  char *dir = ft_tmpdir("fragsim-scale");
  char *path = g_build_filename(dir, "scaled.ini", NULL);
  g_assert_true(g_file_set_contents(path,
                                    "[workload]\nname = scaled\nphases = run\nscale = memory\n\n"
                                    "[machine]\nmemory = 128M\n\n"
                                    "[phase.run]\nduration = 2s\nstreams = anon\nhugepages = 8\n"
                                    "hugepage_interval = 200ms\n\n"
                                    "[stream.anon]\nkind = anon\ntasks = 1\nthink = 1ms\nlifetime = exp:1s\n",
                                    -1, NULL));
  g_assert_cmpfloat(scaled_col(path, "256M", "memory", "phase_run_huge_attempts"), ==, 16);
  g_assert_cmpfloat(scaled_col(path, "256M", "none", "phase_run_huge_attempts"), ==, 8);
  g_assert_cmpfloat(scaled_col(path, "64M", "memory", "phase_run_huge_attempts"), ==, 4);
  double a1 = scaled_col(path, "128M", "memory", "stream_anon_attempts");
  double a2 = scaled_col(path, "256M", "memory", "stream_anon_attempts");
  g_test_message("stream_anon_attempts: 128M %.0f, 256M %.0f", a1, a2);
  g_assert_cmpfloat(a2 / a1, >, 1.8);
  g_assert_cmpfloat(a2 / a1, <, 2.2);
  /* at the file's own size: the file as written */
  g_assert_cmpfloat(scaled_col(path, "128M", "none", "stream_anon_attempts"), ==, a1);
  const char *bad[] = {"workload.scale=ram", NULL};
  expect_error(path, bad, "workload.scale");
  g_unlink(path);
  g_free(path);
  g_rmdir(dir);
  g_free(dir);
}

/* Common random numbers: under two stacks the same seed draws the same
 * requests.  Compared on the stream counters (attempts per stream), which
 * count draws, not outcomes. */
static void test_crn(void) {
  const char *sets[] = {"machine.memory=256M", "workload.scale=none", "phase.build.duration=2s", "phase.pass1.duration=1s",
                        "phase.pass2.duration=1s", "phase.settle.duration=1s", "phase.rest.duration=1s", NULL};
  const char *stacks[] = {"vanilla", "nogroup+template"};
  GArray *seen[2];
  for (int s = 0; s < 2; s++) {
    FsiRunSpec spec = {"stress-highalloc", stacks[s], 11, sets, NULL, NULL, false, false, false, false};
    FsiRunResult res = {0};
    GError *e = NULL;
    g_assert_true(fsi_run_one(&spec, &res, &e));
    g_assert_no_error(e);
    seen[s] = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint i = 0; i < res.columns->len; i++) {
      const char *c = g_ptr_array_index(res.columns, i);
      if (g_str_has_prefix(c, "stream_") && g_str_has_suffix(c, "_attempts") && !strstr(c, "stream_compiler"))
        g_array_append_val(seen[s], g_array_index(res.values, double, i));
      if (!strcmp(c, "phase_pass1_huge_attempts")) g_array_append_val(seen[s], g_array_index(res.values, double, i));
    }
    fsi_run_result_clear(&res);
  }
  g_assert_cmpuint(seen[0]->len, ==, seen[1]->len);
  g_assert_cmpuint(seen[0]->len, >, 3);
  g_assert_cmpmem(seen[0]->data, seen[0]->len * sizeof(double), seen[1]->data, seen[1]->len * sizeof(double));
  g_array_free(seen[0], TRUE);
  g_array_free(seen[1], TRUE);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  for (unsigned i = 0; i < G_N_ELEMENTS(presets); i++) {
    char *path = g_strdup_printf("/workloads/preset/vanilla-checked/%s", presets[i].name);
    g_test_add_data_func(path, &presets[i], test_preset_checked);
    g_free(path);
    path = g_strdup_printf("/workloads/preset/linux-6.1/%s", presets[i].name);
    g_test_add_data_func(path, &presets[i], test_preset_61);
    g_free(path);
  }
  g_test_add_func("/workloads/file/errors", test_parse_errors);
  g_test_add_func("/workloads/file/nul-byte", test_nul_byte);
  g_test_add_func("/workloads/preset/headlines", test_preset_headlines);
  g_test_add_func("/workloads/trace/replay", test_trace_replay);
  g_test_add_func("/workloads/common-random-numbers", test_crn);
  g_test_add_func("/workloads/file/scale", test_scale);
  return g_test_run();
}
