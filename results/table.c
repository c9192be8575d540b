/* The comparison table: metric labels, units and better directions (one
 * rule table), paired differences from the baseline stack, and the
 * markdown rendering.  See table.h and docs/comparing.md. */
#include "results/table.h"

#include <math.h>
#include <string.h>

/* ---- what each metric is ------------------------------------------------------ */

/* One rule per metric or family of metrics, first match wins.  A pattern
 * holds at most one '*', which matches a non-empty part of the name (a
 * phase, stream, order or counter name); "%s" in the label is replaced by
 * it.  The better direction is declared here and nowhere else: higher for
 * what a workload wants (huge pages obtained, requests served), lower for
 * failures, fragmentation, latency and work (pages scanned, reclaimed,
 * migrated: the cost of an outcome), none where either way can be good. */
typedef struct {
  const char *pattern;
  const char *label;
  FsiUnit unit;
  FsiBetter better;
  bool quantile;
} Rule;

#define UP FSI_BETTER_HIGHER
#define DOWN FSI_BETTER_LOWER
#define NONE FSI_BETTER_NONE

static const Rule rules[] = {
    /* end-of-run state and the whole run */
    {"huge_success_pct", "huge page success", FSI_UNIT_PCT, UP, false},
    {"huge_success", "huge pages obtained", FSI_UNIT_COUNT, UP, false},
    {"huge_attempts", "huge page attempts", FSI_UNIT_COUNT, NONE, false},
    {"huge_order", "huge page order", FSI_UNIT_COUNT, NONE, false},
    {"unusable_huge", "unusable free space index, huge order", FSI_UNIT_X1000, DOWN, false},
    {"fragindex_huge", "fragmentation index, huge order", FSI_UNIT_X1000, NONE, false},
    {"mixed_blocks", "mixed pageblocks", FSI_UNIT_COUNT, DOWN, false},
    {"polluted_blocks", "polluted pageblocks", FSI_UNIT_COUNT, DOWN, false},
    {"stall_p50_ns", "allocation latency p50", FSI_UNIT_NS, DOWN, true},
    {"stall_p99_ns", "allocation latency p99", FSI_UNIT_NS, DOWN, true},
    {"fs_alloc_fail", "failed allocations", FSI_UNIT_COUNT, DOWN, false},
    {"fs_alloc_requests", "allocation requests", FSI_UNIT_COUNT, NONE, false},
    {"fs_alloc_success", "allocations served", FSI_UNIT_COUNT, NONE, false},
    {"fs_stall_ns", "time in allocation slow paths", FSI_UNIT_NS, DOWN, false},
    {"nr_free_pages", "free memory at the end", FSI_UNIT_PAGES, NONE, false},
    {"sim_time_ns", "simulated time", FSI_UNIT_NS, NONE, false},
    {"events", "events", FSI_UNIT_COUNT, NONE, false},
    {"oom_kill", "OOM kills", FSI_UNIT_COUNT, DOWN, false},
    {"blocks_*", "%s pageblocks", FSI_UNIT_COUNT, NONE, false},
    {"attempts_o*", "order-%s requests", FSI_UNIT_COUNT, NONE, false},
    {"success_o*", "order-%s requests served", FSI_UNIT_COUNT, UP, false},
    {"fail_o*", "order-%s requests failed", FSI_UNIT_COUNT, DOWN, false},
    {"latency_p50_ns_o*", "order-%s latency p50", FSI_UNIT_NS, DOWN, true},
    {"latency_p90_ns_o*", "order-%s latency p90", FSI_UNIT_NS, DOWN, true},
    {"latency_p99_ns_o*", "order-%s latency p99", FSI_UNIT_NS, DOWN, true},
    {"latency_max_ns_o*", "order-%s latency max", FSI_UNIT_NS, DOWN, false},
    /* the workload's own (workloads/file.c) */
    {"phase_*_huge_success_pct", "%s: huge page success", FSI_UNIT_PCT, UP, false},
    {"phase_*_huge_success", "%s: huge pages obtained", FSI_UNIT_COUNT, UP, false},
    {"phase_*_huge_attempts", "%s: huge page attempts", FSI_UNIT_COUNT, NONE, false},
    {"phase_*_huge_distinct", "%s: distinct huge pages obtained", FSI_UNIT_COUNT, UP, false},
    {"phase_*_huge_latency_p50_ns", "%s: huge page latency p50", FSI_UNIT_NS, DOWN, true},
    {"phase_*_huge_latency_p99_ns", "%s: huge page latency p99", FSI_UNIT_NS, DOWN, true},
    {"phase_*_contig_success", "%s: contiguous requests served", FSI_UNIT_COUNT, UP, false},
    {"phase_*_contig_fail", "%s: contiguous requests failed", FSI_UNIT_COUNT, DOWN, false},
    {"phase_*_contig_latency_p50_ns", "%s: contiguous latency p50", FSI_UNIT_NS, DOWN, true},
    {"phase_*_contig_latency_p99_ns", "%s: contiguous latency p99", FSI_UNIT_NS, DOWN, true},
    {"phase_*_offline_success", "%s: memory blocks offlined", FSI_UNIT_COUNT, UP, false},
    {"phase_*_offline_fail", "%s: memory block offlines failed", FSI_UNIT_COUNT, DOWN, false},
    {"phase_*_thp_fault_alloc", "%s: THP faults given a huge page", FSI_UNIT_COUNT, UP, false},
    {"phase_*_thp_fault_fallback", "%s: THP faults fallen back", FSI_UNIT_COUNT, DOWN, false},
    {"phase_*_fragment_freed_pages", "%s: pages freed to fragment", FSI_UNIT_COUNT, NONE, false},
    {"phase_*_nr_hugepages_target", "%s: huge page pool target", FSI_UNIT_COUNT, NONE, false},
    {"phase_*_nr_hugepages_attempts", "%s: huge page pool attempts", FSI_UNIT_COUNT, NONE, false},
    {"phase_*_nr_hugepages_ns", "%s: time to fill the huge page pool", FSI_UNIT_NS, DOWN, false},
    {"phase_*_nr_hugepages_reclaimed", "%s: LRU pages reclaimed during the phase", FSI_UNIT_COUNT, DOWN, false},
    {"phase_*_nr_hugepages", "%s: huge page pool", FSI_UNIT_COUNT, UP, false},
    {"stream_*_failures", "stream %s: failed allocations", FSI_UNIT_COUNT, DOWN, false},
    {"stream_*_attempts", "stream %s: allocations", FSI_UNIT_COUNT, NONE, false},
    {"stream_*_thp_fault_alloc", "stream %s: THP faults given a huge page", FSI_UNIT_COUNT, UP, false},
    {"stream_*_thp_fault_fallback", "stream %s: THP faults fallen back", FSI_UNIT_COUNT, DOWN, false},
    {"boot_hugepages_allocated", "huge pages reserved at boot", FSI_UNIT_COUNT, UP, false},
    /* work: the cost of the outcome */
    {"pgscan_direct_throttle", "direct reclaim throttled", FSI_UNIT_COUNT, DOWN, false},
    {"pgscan_*", "pages scanned, %s", FSI_UNIT_COUNT, DOWN, false},
    {"pgsteal_*", "pages reclaimed, %s", FSI_UNIT_COUNT, DOWN, false},
    {"pgmigrate_success", "pages migrated", FSI_UNIT_COUNT, DOWN, false},
    {"pgmigrate_fail", "page migrations failed", FSI_UNIT_COUNT, DOWN, false},
    {"pswpout", "pages swapped out", FSI_UNIT_COUNT, DOWN, false},
    {"compaction.compact_migrate_scanned", "compaction: pages scanned to migrate", FSI_UNIT_COUNT, DOWN, false},
    {"compaction.compact_free_scanned", "compaction: pages scanned for targets", FSI_UNIT_COUNT, DOWN, false},
    {"kcompactd.compact_daemon_migrate_scanned", "kcompactd: pages scanned to migrate", FSI_UNIT_COUNT, DOWN, false},
    {"kcompactd.compact_daemon_free_scanned", "kcompactd: pages scanned for targets", FSI_UNIT_COUNT, DOWN, false},
};

const char *const fsi_default_headline[] = {"huge_success_pct", "unusable_huge", "mixed_blocks", "polluted_blocks",
                                            "stall_p99_ns",     "fs_alloc_fail",  NULL};

/* The part of name that the pattern's '*' matches (g_free it), or NULL
 * when it does not match; "" for a pattern without '*' that equals name. */
static char *rule_match(const char *pattern, const char *name) {
  const char *star = strchr(pattern, '*');
  if (!star) return strcmp(pattern, name) ? NULL : g_strdup("");
  size_t pre = (size_t)(star - pattern), suf = strlen(star + 1), len = strlen(name);
  if (len <= pre + suf || strncmp(name, pattern, pre) || strcmp(name + len - suf, star + 1)) return NULL;
  return g_strndup(name + pre, len - pre - suf);
}

void fsi_metric_info(const char *metric, FsiMetricInfo *ret_info) {
  for (unsigned i = 0; i < G_N_ELEMENTS(rules); i++) {
    char *part = rule_match(rules[i].pattern, metric);
    if (!part) continue;
    const char *at = strstr(rules[i].label, "%s");
    ret_info->label = at ? g_strdup_printf("%.*s%s%s", (int)(at - rules[i].label), rules[i].label, part, at + 2)
                         : g_strdup(rules[i].label);
    ret_info->unit = rules[i].unit;
    ret_info->better = rules[i].better;
    ret_info->quantile = rules[i].quantile;
    g_free(part);
    return;
  }
  ret_info->label = g_strdup(metric);
  ret_info->unit = g_str_has_suffix(metric, "_ns") ? FSI_UNIT_NS : FSI_UNIT_COUNT;
  ret_info->better = fsi_compare_is_work_metric(metric) ? FSI_BETTER_LOWER : FSI_BETTER_NONE;
  ret_info->quantile = false;
}

/* ---- paired differences --------------------------------------------------------- */

void fsi_paired_diff(const double *x, const double *base, gsize len, FsiAgg *ret_diff) {
  double *d = g_new(double, len ? len : 1);
  for (gsize i = 0; i < len; i++) d[i] = isfinite(x[i]) && isfinite(base[i]) ? x[i] - base[i] : NAN;
  fsi_agg_compute(d, len, ret_diff);
  g_free(d);
}

bool fsi_diff_significant(const FsiAgg *diff) {
  return diff->n >= 2 && isfinite(diff->ci95_lo) && (diff->ci95_lo > 0 || diff->ci95_hi < 0);
}

/* ---- number formats --------------------------------------------------------------- */

/* v with dec decimals, "-0" written as "0"; with sign, a '+' before
 * positive values (not before one that rounds to 0). */
static char *fixed(double v, int dec, bool sign) {
  char fmt[16], buf[G_ASCII_DTOSTR_BUF_SIZE + 32];
  g_snprintf(fmt, sizeof fmt, "%%.%df", dec);
  g_ascii_formatd(buf, sizeof buf, fmt, v);
  bool zero = strspn(buf + (buf[0] == '-'), "0.") == strlen(buf + (buf[0] == '-'));
  const char *s = zero && buf[0] == '-' ? buf + 1 : buf;
  return g_strdup_printf("%s%s", sign && !zero && s[0] != '-' ? "+" : "", s);
}

/* How a row prints: its scale (ns rows in µs, ms or s by the row's largest
 * mean) and its decimals (three significant digits for the largest mean,
 * none when every mean is a whole number, at most three; time rows also
 * one digit of their smallest mean). */
typedef struct {
  double div;
  const char *unit; /* for the label, or NULL */
  int dec;
} RowFormat;

static RowFormat row_format(const FsiMetricInfo *info, const double *means, guint n) {
  RowFormat f = {1, NULL, 0};
  double big = 0;
  for (guint i = 0; i < n; i++)
    if (isfinite(means[i])) big = MAX(big, fabs(means[i]));
  switch (info->unit) {
  case FSI_UNIT_NS:
    if (big < 1e6) f = (RowFormat){1e3, "µs", 0};
    else if (big < 1e9) f = (RowFormat){1e6, "ms", 0};
    else f = (RowFormat){1e9, "s", 0};
    break;
  case FSI_UNIT_PCT: f.unit = "%"; break;
  case FSI_UNIT_X1000: f.unit = "×1000"; break;
  case FSI_UNIT_PAGES: f.unit = "pages"; break;
  case FSI_UNIT_COUNT: break;
  }
  big /= f.div;
  bool whole = true;
  for (guint i = 0; i < n; i++)
    if (isfinite(means[i]) && means[i] / f.div != floor(means[i] / f.div)) whole = false;
  if (big > 0 && !whole) f.dec = CLAMP(2 - (int)floor(log10(big)), 0, 3);
  /* a time row spans orders of magnitude (a free block in 100 ns, a
   * compaction in 10 ms): decimals enough for one digit of its smallest
   * mean too, within the three */
  if (info->unit == FSI_UNIT_NS && !whole)
    for (guint i = 0; i < n; i++)
      if (isfinite(means[i]) && means[i] != 0)
        f.dec = MAX(f.dec, CLAMP(-(int)floor(log10(fabs(means[i]) / f.div)), 0, 3));
  return f;
}

static char *mean_cell(const FsiAgg *a, const RowFormat *f) {
  if (!a || a->n == 0) return g_strdup("–");
  char *m = fixed(a->mean / f->div, f->dec, false);
  if (a->n < 2 || !isfinite(a->ci95_hi)) return m;
  char *h = fixed((a->ci95_hi - a->mean) / f->div, f->dec, false);
  char *s = g_strdup_printf("%s ± %s", m, h);
  g_free(m);
  g_free(h);
  return s;
}

/* The marker of a difference: ▲/▼ significantly better/worse, '*'
 * significant with no better direction, none. */
static FsiMark diff_mark(const FsiAgg *d, FsiBetter better) {
  if (d->n == 0 || !fsi_diff_significant(d)) return FSI_MARK_NONE;
  if (better == FSI_BETTER_NONE) return FSI_MARK_SIGNIFICANT;
  return (d->mean > 0) == (better == FSI_BETTER_HIGHER) ? FSI_MARK_BETTER : FSI_MARK_WORSE;
}

const char *fsi_mark_symbol(FsiMark mark) {
  switch (mark) {
  case FSI_MARK_BETTER: return "▲";
  case FSI_MARK_WORSE: return "▼";
  case FSI_MARK_SIGNIFICANT: return "*";
  case FSI_MARK_NONE: break;
  }
  return "";
}

/* "+56.2 ± 4.9", without its marker (diff_mark). */
static char *diff_cell(const FsiAgg *d, const RowFormat *f) {
  if (d->n == 0) return g_strdup("–");
  char *m = fixed(d->mean / f->div, f->dec, true);
  if (d->n < 2 || !isfinite(d->ci95_hi)) return m;
  char *h = fixed((d->ci95_hi - d->mean) / f->div, f->dec, false);
  char *s = g_strdup_printf("%s ± %s", m, h);
  g_free(h);
  g_free(m);
  return s;
}

/* ---- the table ---------------------------------------------------------------------- */

static const FsiCompareRow *find_row(const GArray *rows, guint w, guint s, const char *metric) {
  for (guint i = 0; i < rows->len; i++) {
    const FsiCompareRow *r = &g_array_index(rows, FsiCompareRow, i);
    if (r->w == w && r->s == s && !strcmp(r->metric, metric)) return r;
  }
  return NULL;
}

/* The workload's own metrics the table shows after the headline: per-phase
 * outcomes and latencies, stream failures and THP fallbacks. */
static bool is_workload_metric(const char *m) {
  if (g_str_has_prefix(m, "phase_"))
    return g_str_has_suffix(m, "_pct") || strstr(m, "latency_p") || g_str_has_suffix(m, "_success") ||
           g_str_has_suffix(m, "_fail") || g_str_has_suffix(m, "_fallback") || g_str_has_suffix(m, "_thp_fault_alloc") ||
           g_str_has_suffix(m, "_nr_hugepages");
  if (g_str_has_prefix(m, "stream_"))
    return g_str_has_suffix(m, "_failures") || g_str_has_suffix(m, "_thp_fault_fallback");
  return false;
}

/* The headline of workload w: `headline` of [workload] in its first run's
 * run.ini (the preset's key, or a --set), else NULL. */
char **fsi_workload_headline(const FsiDesign *d, const char *dir, guint w) {
  if (!dir) return NULL;
  guint first = w * d->stacks->len * d->seeds->len;
  char *rd = fsi_design_run_dir(d, dir, first);
  char *ini = g_build_filename(rd, "run.ini", NULL);
  GKeyFile *kf = g_key_file_new();
  char **names = NULL;
  if (g_key_file_load_from_file(kf, ini, G_KEY_FILE_NONE, NULL)) {
    char *v = g_key_file_get_string(kf, "workload", "headline", NULL);
    if (v) {
      GPtrArray *a = g_ptr_array_new();
      char **parts = g_strsplit(v, ",", -1);
      for (char **p = parts; *p; p++) {
        char *t = g_strstrip(g_strdup(*p));
        if (*t) g_ptr_array_add(a, t);
        else g_free(t);
      }
      g_strfreev(parts);
      g_free(v);
      g_ptr_array_add(a, NULL);
      names = (char **)g_ptr_array_free(a, FALSE);
      if (!names[0]) g_clear_pointer(&names, g_strfreev);
    }
  }
  g_key_file_unref(kf);
  g_free(ini);
  g_free(rd);
  return names;
}

static bool in_list(GPtrArray *a, const char *s) {
  for (guint i = 0; i < a->len; i++)
    if (!strcmp(a->pdata[i], s)) return true;
  return false;
}

static void pad(GString *s, const char *text, glong width, bool right) {
  glong len = g_utf8_strlen(text, -1);
  if (right)
    for (glong i = len; i < width; i++) g_string_append_c(s, ' ');
  g_string_append(s, text);
  if (!right)
    for (glong i = len; i < width; i++) g_string_append_c(s, ' ');
}

static void table_line(GString *out, GPtrArray *cells, const glong *wid) {
  for (guint c = 0; c < cells->len; c++) {
    g_string_append(out, c ? " | " : "| ");
    pad(out, cells->pdata[c], wid[c], c > 0);
  }
  g_string_append(out, " |\n");
}

/* ---- one workload's table, built once, rendered as markdown or HTML ------------- */

/* Every cell's text (a Δ cell without its marker, kept in marks), the
 * notes under the table, one string each.  Both renderings show exactly
 * these, so table.md and the HTML report cannot disagree. */
typedef struct {
  guint ncols, nhead;   /* columns: metric, then each stack and, after the first, its Δ */
  GPtrArray *lines;     /* GPtrArray of char*: the header, then one per row */
  GPtrArray *marks;     /* FsiMark per cell of each row (the header's: NULL) */
  GPtrArray *notes;     /* char* */
} WorkloadTable;

static void workload_table_free(WorkloadTable *t) {
  g_ptr_array_unref(t->lines);
  g_ptr_array_unref(t->marks);
  g_ptr_array_unref(t->notes);
}

static void workload_table_build(WorkloadTable *t, const FsiDesign *d, const char *dir, const GArray *rows, guint w) {
  guint ns = d->stacks->len, nseeds = d->seeds->len;
  const char *base = g_ptr_array_index(d->stacks, 0);
  char **declared = fsi_workload_headline(d, dir, w);
  const char *const *headline = declared ? (const char *const *)declared : fsi_default_headline;

  /* the rows in order: headline, the default headline's metrics, the
   * workload's own, the work */
  GPtrArray *names = g_ptr_array_new();
  guint nhead = 0;
  for (const char *const *h = headline; *h; h++)
    if (!in_list(names, *h)) g_ptr_array_add(names, (char *)*h), nhead++;
  for (const char *const *h = fsi_default_headline; *h; h++)
    if (!in_list(names, *h)) g_ptr_array_add(names, (char *)*h);
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < rows->len; i++) {
      const FsiCompareRow *r = &g_array_index(rows, FsiCompareRow, i);
      if (r->w != w || !(pass == 0 ? is_workload_metric(r->metric) : fsi_compare_is_work_metric(r->metric))) continue;
      if (!in_list(names, r->metric)) g_ptr_array_add(names, r->metric);
    }

  /* header */
  t->ncols = 1 + ns + (ns - 1);
  t->lines = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  t->marks = g_ptr_array_new_with_free_func(g_free);
  t->notes = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *hdr = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(hdr, g_strdup("metric"));
  for (guint s = 0; s < ns; s++) {
    g_ptr_array_add(hdr, g_strdup(g_ptr_array_index(d->stacks, s)));
    if (s > 0) g_ptr_array_add(hdr, g_strdup_printf("Δ %s", (char *)g_ptr_array_index(d->stacks, s)));
  }
  g_ptr_array_add(t->lines, hdr);
  g_ptr_array_add(t->marks, NULL);

  guint folded_zero = 0, folded_absent = 0, shown_head = 0;
  bool any_quantile = false;
  GPtrArray *unknown = g_ptr_array_new();
  for (guint m = 0; m < names->len; m++) {
    const char *metric = names->pdata[m];
    bool is_head = m < nhead;
    const FsiCompareRow **r = g_new0(const FsiCompareRow *, ns);
    double *means = g_new(double, ns);
    bool any = false, all_zero = true;
    for (guint s = 0; s < ns; s++) {
      r[s] = find_row(rows, w, s, metric);
      means[s] = r[s] && r[s]->agg.n ? r[s]->agg.mean : NAN;
      if (r[s] && r[s]->agg.n) {
        any = true;
        if (r[s]->agg.mean != 0 || (isfinite(r[s]->agg.sd) && r[s]->agg.sd != 0)) all_zero = false;
      }
    }
    bool recorded = false;
    for (guint s = 0; s < ns; s++) recorded |= r[s] != NULL;
    /* a headline row stays even when 0 (that is its result); a headline
     * metric no run has is a warning below, not an empty row */
    bool show = (is_head && recorded) || (any && !all_zero);
    if (!show && any) folded_zero++;
    else if (!show && recorded) folded_absent++;
    if (is_head && !recorded) g_ptr_array_add(unknown, (char *)metric);
    if (show) {
      FsiMetricInfo info;
      fsi_metric_info(metric, &info);
      RowFormat f = row_format(&info, means, ns);
      any_quantile |= info.quantile;
      if (is_head) shown_head++;
      GPtrArray *line = g_ptr_array_new_with_free_func(g_free);
      FsiMark *marks = g_new0(FsiMark, t->ncols);
      GString *label = g_string_new(info.label);
      if (f.unit || info.quantile)
        g_string_append_printf(label, " (%s%s%s)", f.unit ? f.unit : "", f.unit && info.quantile ? ", " : "",
                               info.quantile ? "bucket bound" : "");
      g_ptr_array_add(line, g_string_free(label, FALSE));
      for (guint s = 0; s < ns; s++) {
        g_ptr_array_add(line, mean_cell(r[s] ? &r[s]->agg : NULL, &f));
        if (s == 0) continue;
        FsiAgg diff = {0, NAN, NAN, NAN, NAN};
        if (r[0] && r[s] && r[0]->values && r[s]->values) fsi_paired_diff(r[s]->values, r[0]->values, nseeds, &diff);
        marks[line->len] = diff_mark(&diff, info.better);
        g_ptr_array_add(line, diff_cell(&diff, &f));
      }
      g_ptr_array_add(t->lines, line);
      g_ptr_array_add(t->marks, marks);
      g_free(info.label);
    }
    g_free(r);
    g_free(means);
  }
  t->nhead = shown_head;

  /* what it means */
  GString *n = g_string_new(NULL);
  if (nseeds > 1) g_string_append_printf(n, "mean ± half-width of the 95%% CI over the %u seeds (t, %u df)", nseeds, nseeds - 1);
  else g_string_append(n, "the value of the one seed (no CI with one seed)");
  if (ns > 1)
    g_string_append_printf(n, "; Δ: the stack minus %s, paired seed by seed (the same seeds: common random numbers)%s", base,
                           nseeds > 1 ? ", mean ± 95% CI half-width" : "");
  g_ptr_array_add(t->notes, g_string_free(n, FALSE));
  if (ns > 1 && nseeds > 1)
    g_ptr_array_add(t->notes, g_strdup_printf("▲ significantly better, ▼ significantly worse than %s (the CI of Δ excludes 0), "
                                              "in the direction that is better for the metric; * significant, no better "
                                              "direction",
                                              base));
  g_ptr_array_add(t->notes, g_strdup_printf("the first %u row%s: the workload's headline (%s)", shown_head,
                                            shown_head == 1 ? "" : "s",
                                            declared ? "headline in its [workload] section"
                                                     : "the default: the workload declares none"));
  if (any_quantile)
    g_ptr_array_add(t->notes, g_strdup("bucket bound: a latency quantile is the upper bound of its histogram bucket (16 per "
                                       "power of two, at most 6.25% above the exact value); seeds in one bucket show ± 0"));
  n = g_string_new("–: no value (not recorded, or nothing of that kind happened)");
  if (folded_zero || folded_absent) {
    g_string_append(n, "; not shown:");
    if (folded_zero) g_string_append_printf(n, " %u row%s 0 for every stack", folded_zero, folded_zero == 1 ? "" : "s");
    if (folded_zero && folded_absent) g_string_append(n, ",");
    if (folded_absent)
      g_string_append_printf(n, " %u row%s with no value for any stack", folded_absent, folded_absent == 1 ? "" : "s");
    g_string_append(n, " (compare.csv and runs.csv have every metric)");
  }
  g_ptr_array_add(t->notes, g_string_free(n, FALSE));
  for (guint i = 0; i < unknown->len; i++)
    g_ptr_array_add(t->notes, g_strdup_printf("warning: headline metric %s is not a metric of these runs (fragsim list metrics)",
                                              (char *)unknown->pdata[i]));
  g_ptr_array_unref(unknown);
  g_ptr_array_unref(names);
  g_strfreev(declared);
}

/* A cell as markdown shows it: a Δ cell keeps a marker slot (a space when
 * there is no marker) so the numbers of a right-aligned column line up. */
static char *md_cell(const WorkloadTable *t, guint l, guint c) {
  const char *text = ((GPtrArray *)t->lines->pdata[l])->pdata[c];
  const FsiMark *marks = t->marks->pdata[l];
  bool is_diff = c >= 3 && c % 2 == 1; /* metric, base, s1, Δ s1, s2, Δ s2, ... */
  if (!marks || !is_diff) return g_strdup(text);
  const char *sym = fsi_mark_symbol(marks[c]);
  return g_strdup_printf("%s %s", text, *sym ? sym : " ");
}

static void workload_table(GString *out, const FsiDesign *d, const char *dir, const GArray *rows, guint w) {
  WorkloadTable t;
  workload_table_build(&t, d, dir, rows, w);
  guint nseeds = d->seeds->len;
  GPtrArray *cells = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
  glong *wid = g_new0(glong, t.ncols);
  for (guint l = 0; l < t.lines->len; l++) {
    GPtrArray *line = g_ptr_array_new_with_free_func(g_free);
    for (guint c = 0; c < t.ncols; c++) {
      g_ptr_array_add(line, md_cell(&t, l, c));
      wid[c] = MAX(wid[c], g_utf8_strlen(line->pdata[c], -1));
    }
    g_ptr_array_add(cells, line);
  }

  g_string_append_printf(out, "## %s: %u seed%s, baseline %s\n\n", (char *)g_ptr_array_index(d->workloads, w), nseeds,
                         nseeds == 1 ? "" : "s", (char *)g_ptr_array_index(d->stacks, 0));
  table_line(out, cells->pdata[0], wid);
  for (guint c = 0; c < t.ncols; c++) {
    g_string_append(out, c ? " | " : "| ");
    if (c == 0) g_string_append_c(out, ':');
    for (glong i = c == 0 ? 1 : 0; i < wid[c] - (c > 0); i++) g_string_append_c(out, '-');
    if (c > 0) g_string_append_c(out, ':');
  }
  g_string_append(out, " |\n");
  for (guint l = 1; l < cells->len; l++) table_line(out, cells->pdata[l], wid);
  g_string_append_c(out, '\n');
  for (guint i = 0; i < t.notes->len; i++) g_string_append_printf(out, "- %s\n", (char *)t.notes->pdata[i]);

  g_free(wid);
  g_ptr_array_unref(cells);
  workload_table_free(&t);
}

char *fsi_compare_table(const FsiDesign *d, const char *dir, const GArray *rows) {
  GString *out = g_string_new(NULL);
  for (guint w = 0; w < d->workloads->len; w++) {
    if (w) g_string_append_c(out, '\n');
    workload_table(out, d, dir, rows, w);
  }
  return g_string_free(out, FALSE);
}

static void html_text(GString *out, const char *text) {
  char *esc = g_markup_escape_text(text, -1);
  g_string_append(out, esc);
  g_free(esc);
}

static const char *const mark_class[] = {[FSI_MARK_NONE] = "", [FSI_MARK_BETTER] = "better",
                                         [FSI_MARK_WORSE] = "worse", [FSI_MARK_SIGNIFICANT] = "signif"};

char *fsi_compare_table_html(const FsiDesign *d, const char *dir, const GArray *rows, guint w) {
  WorkloadTable t;
  workload_table_build(&t, d, dir, rows, w);
  GString *out = g_string_new(NULL);
  guint nseeds = d->seeds->len;
  const char *base = g_ptr_array_index(d->stacks, 0);
  g_string_append(out, "<table class=\"results\">\n<caption>");
  html_text(out, g_ptr_array_index(d->workloads, w));
  g_string_append_printf(out, ": %u seed%s, baseline ", nseeds, nseeds == 1 ? "" : "s");
  html_text(out, base);
  g_string_append(out, "</caption>\n<thead>\n<tr>");
  GPtrArray *hdr = t.lines->pdata[0];
  for (guint c = 0; c < t.ncols; c++) {
    g_string_append_printf(out, "<th scope=\"col\"%s>", c == 0 ? "" : c >= 3 && c % 2 == 1 ? " class=\"diff\"" : " class=\"num\"");
    html_text(out, hdr->pdata[c]);
    g_string_append(out, "</th>");
  }
  g_string_append(out, "</tr>\n</thead>\n<tbody>\n");
  for (guint l = 1; l < t.lines->len; l++) {
    GPtrArray *line = t.lines->pdata[l];
    const FsiMark *marks = t.marks->pdata[l];
    g_string_append_printf(out, "<tr%s><th scope=\"row\">", l <= t.nhead ? " class=\"headline\"" : "");
    html_text(out, line->pdata[0]);
    g_string_append(out, "</th>");
    for (guint c = 1; c < t.ncols; c++) {
      bool is_diff = c >= 3 && c % 2 == 1;
      FsiMark mk = is_diff ? marks[c] : FSI_MARK_NONE;
      g_string_append_printf(out, "<td class=\"%s%s%s\">", is_diff ? "diff" : "num", mk ? " " : "", mark_class[mk]);
      html_text(out, line->pdata[c]);
      if (mk) {
        const char *what = mk == FSI_MARK_BETTER   ? "significantly better than "
                           : mk == FSI_MARK_WORSE  ? "significantly worse than "
                                                   : "significantly different from ";
        g_string_append_printf(out, " <span class=\"mark\" title=\"%s", what);
        html_text(out, base);
        g_string_append_printf(out, "\">%s</span>", fsi_mark_symbol(mk));
      } else if (is_diff) {
        g_string_append(out, " <span class=\"mark\"></span>");
      }
      g_string_append(out, "</td>");
    }
    g_string_append(out, "</tr>\n");
  }
  g_string_append(out, "</tbody>\n</table>\n<ul class=\"notes\">\n");
  for (guint i = 0; i < t.notes->len; i++) {
    g_string_append(out, "<li>");
    html_text(out, t.notes->pdata[i]);
    g_string_append(out, "</li>\n");
  }
  g_string_append(out, "</ul>\n");
  workload_table_free(&t);
  return g_string_free(out, FALSE);
}
