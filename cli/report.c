/* `fragsim report DIR`: one self-contained HTML page of a comparison — what
 * was compared, the table with paired differences (results/table.c, the
 * cells of table.md), every figure of `fragsim plot` inlined as SVG, and
 * the settings and versions of the runs.  No timestamps and no absolute
 * temporary paths, so the same DIR gives the same bytes.  See docs/report.md.
 *
 * It sits in cli/ because it calls both results/ and plotting/. */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"
#include "cli/options.h"
#include "engine/core/error.h"
#include "engine/plugin/loader.h"
#include "fragsim-config.h"
#include "fragsim/policy.h"
#include "plotting/plot.h"
#include "results/compare.h"
#include "results/table.h"

/* ---- HTML text ------------------------------------------------------------------- */

static void esc(GString *out, const char *text) {
  char *e = g_markup_escape_text(text ? text : "", -1);
  g_string_append(out, e);
  g_free(e);
}

static void esc_printf(GString *out, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void esc_printf(GString *out, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *text = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  esc(out, text);
  g_free(text);
}

/* An element id from a name: [A-Za-z0-9_-] kept, others '_'. */
static char *html_id(const char *prefix, const char *name) {
  GString *s = g_string_new(prefix);
  for (const char *c = name; *c; c++) g_string_append_c(s, g_ascii_isalnum(*c) || *c == '-' || *c == '_' ? *c : '_');
  return g_string_free(s, FALSE);
}

/* ---- a gnuplot SVG, inlined -------------------------------------------------------- */

/* The <svg> element of a gnuplot SVG file, ready to sit in an HTML page
 * beside others: the XML prolog and any DOCTYPE dropped, every id given the
 * figure's prefix (gnuplot names them alike in every file: gnuplot_canvas,
 * gpPt0, ...) and every reference to one (href="#id", url(#id)) likewise,
 * and gnuplot's <title>Gnuplot</title> replaced by the figure's title. */
static bool inline_svg(GString *out, const char *path, const char *prefix, const char *title, GError **error) {
  char *data = NULL;
  if (!g_file_get_contents(path, &data, NULL, error)) return false;
  const char *p = strstr(data, "<svg");
  if (!p) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s has no <svg> element", path);
    g_free(data);
    return false;
  }
  bool in_tag = false;
  char quote = 0;
  while (*p) {
    if (!in_tag) {
      if (g_str_has_prefix(p, "<title>Gnuplot</title>")) {
        g_string_append(out, "<title>");
        esc(out, title);
        g_string_append(out, "</title>");
        p += strlen("<title>Gnuplot</title>");
        continue;
      }
      if (*p == '<' && p[1] != '!' && p[1] != '?') in_tag = true;
      g_string_append_c(out, *p++);
      continue;
    }
    if (quote) {
      if (*p == quote) quote = 0;
      else if (g_str_has_prefix(p, "url(#")) {
        g_string_append_printf(out, "url(#%s", prefix);
        p += 5;
        continue;
      }
      g_string_append_c(out, *p++);
      continue;
    }
    if (*p == '>') {
      in_tag = false;
      g_string_append_c(out, *p++);
      continue;
    }
    /* an attribute: id='x' / href='#x' (xlink:href too) */
    bool at_word = g_ascii_isspace(p[-1]) || p[-1] == ':';
    if (at_word && (g_str_has_prefix(p, "id='") || g_str_has_prefix(p, "id=\""))) {
      g_string_append_len(out, p, 4);
      g_string_append(out, prefix);
      quote = p[3];
      p += 4;
      continue;
    }
    if (at_word && (g_str_has_prefix(p, "href='#") || g_str_has_prefix(p, "href=\"#"))) {
      g_string_append_len(out, p, 7);
      g_string_append(out, prefix);
      quote = p[5];
      p += 7;
      continue;
    }
    if (*p == '\'' || *p == '"') quote = *p;
    g_string_append_c(out, *p++);
  }
  g_free(data);
  return true;
}

/* gnuplot's version as its SVG says it ("Produced by GNUPLOT 5.4 patchlevel 4"). */
static char *gnuplot_version(const char *svg_path) {
  char *data = NULL, *v = NULL;
  if (!g_file_get_contents(svg_path, &data, NULL, NULL)) return NULL;
  const char *d = strstr(data, "<desc>Produced by ");
  if (d) {
    d += strlen("<desc>Produced by ");
    const char *end = strstr(d, "</desc>");
    if (end) v = g_strstrip(g_strndup(d, (gsize)(end - d)));
  }
  g_free(data);
  return v;
}

/* ---- the page --------------------------------------------------------------------- */

static const char *style =
    ":root{--ink:#1a1a1a;--muted:#555;--rule:#d0d0d0;--band:#f4f6f8;--better:#0b6e2e;--worse:#a4161a}\n"
    "body{font-family:system-ui,-apple-system,\"Segoe UI\",Roboto,\"DejaVu Sans\",sans-serif;color:var(--ink);"
    "margin:0 auto;max-width:1100px;padding:1.5rem;line-height:1.45}\n"
    "h1{font-size:1.6rem;margin:0 0 .4rem}h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid var(--rule);"
    "padding-bottom:.2rem}h3{font-size:1.05rem;margin-top:1.6rem}\n"
    "p.lead{color:var(--muted);margin-top:0}\n"
    "dl.design{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}dl.design dt{font-weight:600}"
    "dl.design dd{margin:0}\n"
    ".chip{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.3em;vertical-align:-.05em;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}\n"
    ".stack{margin-right:1em;white-space:nowrap}\n"
    "code,pre{font-family:ui-monospace,\"DejaVu Sans Mono\",monospace;font-size:.85rem}\n"
    "pre{background:var(--band);padding:.6rem .8rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\n"
    "nav ol{columns:2;margin:.3rem 0}\n"
    ".scroll{overflow-x:auto}\n"
    "table{border-collapse:collapse;font-size:.85rem;margin:.6rem 0}\n"
    "caption{text-align:left;font-weight:600;padding-bottom:.3rem}\n"
    "th,td{padding:.2rem .55rem;border-bottom:1px solid var(--rule);vertical-align:top}\n"
    "thead th{border-bottom:2px solid var(--ink);text-align:left}\n"
    "table.results td,table.results th.num,table.results th.diff{text-align:right;white-space:nowrap;"
    "font-variant-numeric:tabular-nums}\n"
    "table.results th[scope=row]{text-align:left;font-weight:normal}\n"
    "table.results tr.headline th[scope=row]{font-weight:600}\n"
    "table.results td.diff{background:var(--band)}\n"
    "span.mark{display:inline-block;width:1em;text-align:center}\n"
    "td.better{color:var(--better);font-weight:600}td.worse{color:var(--worse);font-weight:600}\n"
    "td.signif{font-weight:600}\n"
    "ul.notes{font-size:.8rem;color:var(--muted);padding-left:1.2rem}\n"
    "figure{margin:1.2rem 0;break-inside:avoid;page-break-inside:avoid}\n"
    "figure svg{max-width:100%;height:auto;display:block}\n"
    "figcaption{font-size:.85rem;color:var(--muted);margin-top:.3rem}\n"
    "table.kv th{text-align:left;font-weight:600;white-space:nowrap}\n"
    "details summary{cursor:pointer;margin:.4rem 0}\n"
    "footer{margin-top:3rem;font-size:.8rem;color:var(--muted);border-top:1px solid var(--rule);padding-top:.5rem}\n"
    "@media print{body{max-width:none;padding:0;font-size:10pt}nav{display:none}"
    "h2{break-after:avoid;page-break-after:avoid}table.results{font-size:8pt}"
    ".scroll{overflow:visible}}\n";

typedef struct {
  const char *dir;
  FsiDesign *d;
  GArray *rows;
  GPtrArray *made;  /* FsiPlotFigure* */
  GPtrArray *notes; /* char* */
  GString *out;
} Report;

static void stack_chip(Report *r, guint s) {
  g_string_append_printf(r->out, "<span class=\"stack\"><span class=\"chip\" style=\"background:%s\"></span>",
                         fsi_plot_stack_colour(s));
  esc(r->out, g_ptr_array_index(r->d->stacks, s));
  if (s == 0) g_string_append(r->out, " <em>(baseline)</em>");
  g_string_append(r->out, "</span>");
}

static char *joined(GPtrArray *a, const char *sep) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < a->len; i++) g_string_append_printf(s, "%s%s", i ? sep : "", (char *)a->pdata[i]);
  return g_string_free(s, FALSE);
}

static char *seeds_text(const FsiDesign *d) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < d->seeds->len; i++)
    g_string_append_printf(s, "%s%" G_GUINT64_FORMAT, i ? ", " : "", g_array_index(d->seeds, guint64, i));
  return g_string_free(s, FALSE);
}

/* Figure i of those made: its SVG inline, its title and what it shows below it. */
static bool emit_figure(Report *r, guint i, GError **error) {
  FsiPlotFigure *f = r->made->pdata[i];
  char *id = html_id("fig-", f->name);
  char *prefix = g_strdup_printf("f%u-", i);
  g_string_append_printf(r->out, "<figure id=\"%s\">\n", id);
  bool ok = inline_svg(r->out, f->path, prefix, f->title, error);
  g_string_append(r->out, "\n<figcaption><strong>");
  esc(r->out, f->title);
  g_string_append(r->out, "</strong> — ");
  esc(r->out, f->what);
  g_string_append(r->out, " <code>");
  esc(r->out, f->name);
  g_string_append(r->out, "</code></figcaption>\n</figure>\n");
  g_free(prefix);
  g_free(id);
  return ok;
}

/* The workload of a figure named NAME-<workload dir>, NAME one of plot's
 * figures (the name is matched whole: workloads "a" and "b-a" do not
 * share "unusable-b-a"); -1 for a figure of every workload (success). */
static int figure_workload(Report *r, const char *name, size_t len) {
  for (const char *const *base = fsi_plot_figures; *base; base++) {
    size_t b = strlen(*base);
    if (len <= b + 1 || strncmp(name, *base, b) || name[b] != '-') continue;
    for (guint w = 0; w < r->d->workload_dirs->len; w++) {
      const char *wd = g_ptr_array_index(r->d->workload_dirs, w);
      if (strlen(wd) == len - b - 1 && !strncmp(name + b + 1, wd, len - b - 1)) return (int)w;
    }
  }
  return -1;
}

static bool figure_of_workload(Report *r, const FsiPlotFigure *f, guint w) {
  return figure_workload(r, f->name, strlen(f->name)) == (int)w;
}

/* The workload a note of plot is about: "skipped NAME-<workload dir>: ..."
 * (-1: a note about all workloads or none). */
static int note_workload(Report *r, const char *note) {
  if (!g_str_has_prefix(note, "skipped ")) return -1;
  const char *name = note + strlen("skipped "), *colon = strchr(name, ':');
  return colon ? figure_workload(r, name, (size_t)(colon - name)) : -1;
}

static void note_list(Report *r, int w) {
  g_string_append(r->out, "<ul class=\"notes\">\n");
  for (guint i = 0; i < r->notes->len; i++)
    if (note_workload(r, r->notes->pdata[i]) == w) {
      g_string_append(r->out, "<li>");
      esc(r->out, r->notes->pdata[i]);
      g_string_append(r->out, "</li>\n");
    }
  g_string_append(r->out, "</ul>\n");
}

static void kv_row(GString *out, const char *key, const char *value) {
  g_string_append(out, "<tr><th scope=\"row\">");
  esc(out, key);
  g_string_append(out, "</th><td>");
  esc(out, value);
  g_string_append(out, "</td></tr>\n");
}

/* Settings: the design file as written, the --set options, and the
 * resolved run.ini of each stack's first run of each workload. */
static void emit_settings(Report *r) {
  GString *o = r->out;
  g_string_append(o, "<section id=\"settings\">\n<h2>Settings</h2>\n<h3>Given on the command line (<code>--set</code>)</h3>\n");
  if (!r->d->sets->len) {
    g_string_append(o, "<p>None: every key at its default (or the stack's own setting).</p>\n");
  } else {
    g_string_append(o, "<ul>\n");
    for (guint i = 0; i < r->d->sets->len; i++) {
      g_string_append(o, "<li><code>--set ");
      esc(o, g_ptr_array_index(r->d->sets, i));
      g_string_append(o, "</code></li>\n");
    }
    g_string_append(o, "</ul>\n");
  }
  char *ini = g_build_filename(r->dir, "compare.ini", NULL), *text = NULL;
  g_string_append(o, "<h3>The design: <code>compare.ini</code></h3>\n<pre>");
  if (g_file_get_contents(ini, &text, NULL, NULL)) esc(o, text);
  g_string_append(o, "</pre>\n");
  g_free(text);
  g_free(ini);
  g_string_append(o, "<h3>The configuration of the runs</h3>\n<p>Every key of every run, as its <code>run.ini</code> "
                     "records it (defaults included), from each stack's first seed; the other seeds differ only in "
                     "<code>seed</code>.</p>\n");
  guint ns = r->d->stacks->len, nseeds = r->d->seeds->len;
  for (guint w = 0; w < r->d->workloads->len; w++)
    for (guint s = 0; s < ns; s++) {
      char *rd = fsi_design_run_dir(r->d, r->dir, (w * ns + s) * nseeds);
      char *path = g_build_filename(rd, "run.ini", NULL);
      char *rel = g_build_filename("runs", (char *)g_ptr_array_index(r->d->workload_dirs, w),
                                   (char *)g_ptr_array_index(r->d->stack_dirs, s),
                                   NULL);
      char *body = NULL;
      g_string_append(o, "<details>\n<summary>");
      esc(o, g_ptr_array_index(r->d->workloads, w));
      g_string_append(o, " on ");
      esc(o, g_ptr_array_index(r->d->stacks, s));
      g_string_append(o, ": <code>");
      esc_printf(o, "%s/s%" G_GUINT64_FORMAT "/run.ini", rel, g_array_index(r->d->seeds, guint64, 0));
      g_string_append(o, "</code></summary>\n<pre>");
      if (g_file_get_contents(path, &body, NULL, NULL)) esc(o, body);
      else g_string_append(o, "(not found)");
      g_string_append(o, "</pre>\n</details>\n");
      g_free(body);
      g_free(rel);
      g_free(path);
      g_free(rd);
    }
  g_string_append(o, "</section>\n");
}

/* Versions: fragsim's (of the design, of the runs, of this report),
 * gnuplot's, and per stack the policies it ran, their parameters as the
 * runs recorded them, and the stack's definition in stacks.ini. */
static void emit_versions(Report *r, const char *gnuplot) {
  GString *o = r->out;
  guint ns = r->d->stacks->len, nseeds = r->d->seeds->len, nruns = fsi_design_n_runs(r->d);
  GPtrArray *run_versions = g_ptr_array_new_with_free_func(g_free);
  for (guint n = 0; n < nruns; n++) {
    char *rd = fsi_design_run_dir(r->d, r->dir, n), *path = g_build_filename(rd, "run.ini", NULL);
    GKeyFile *kf = g_key_file_new();
    char *v = g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)
                  ? g_key_file_get_string(kf, "fragsim", "version", NULL)
                  : NULL;
    if (!v) v = g_strdup("unknown");
    bool seen = false;
    for (guint i = 0; i < run_versions->len && !seen; i++) seen = !strcmp(run_versions->pdata[i], v);
    if (!seen) g_ptr_array_add(run_versions, v);
    else g_free(v);
    g_key_file_unref(kf);
    g_free(path);
    g_free(rd);
  }
  char *rv = joined(run_versions, ", ");
  g_string_append(o, "<section id=\"versions\">\n<h2>Versions</h2>\n<table class=\"kv\">\n<tbody>\n");
  kv_row(o, "fragsim of the runs (run.ini)", rv);
  kv_row(o, "fragsim of the design (compare.ini)", r->d->version ? r->d->version : "unknown");
  char *self = g_strdup_printf("%s (policy ABI %d.%d)", FRAGSIM_VERSION, FS_ABI_MAJOR, FS_ABI_MINOR);
  kv_row(o, "fragsim of this report and its figures", self);
  kv_row(o, "gnuplot of the figures", gnuplot ? gnuplot : "no figure was drawn");
  g_string_append(o, "</tbody>\n</table>\n");
  if (run_versions->len > 1)
    g_string_append(o, "<p><strong>Warning:</strong> the runs were made by more than one fragsim version.</p>\n");
  g_free(self);
  g_free(rv);
  g_ptr_array_unref(run_versions);

  GKeyFile *stacks = fsi_stacks_load(NULL);
  g_string_append(o, "<h3>Stacks and their policies</h3>\n<p>The policies each stack ran and their parameters, from "
                     "the run.ini of its first run; the definition of a named stack in <code>stacks.ini</code> "
                     "(<code>fragsim list stacks</code>). A policy module has no version number of its own: "
                     "run.ini records the SHA-256 of the module file that ran and its ABI "
                     "(<code>[modules]</code>), shown here with each policy.</p>\n");
  for (guint s = 0; s < ns; s++) {
    const char *spec = g_ptr_array_index(r->d->stacks, s);
    char *rd = fsi_design_run_dir(r->d, r->dir, s * nseeds), *path = g_build_filename(rd, "run.ini", NULL);
    GKeyFile *kf = g_key_file_new();
    bool loaded = g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL);
    char *policies = loaded ? g_key_file_get_string(kf, "fragsim", "policies", NULL) : NULL;
    g_string_append(o, "<h4>");
    stack_chip(r, s);
    g_string_append(o, "</h4>\n<table class=\"kv\">\n<tbody>\n");
    kv_row(o, "policies run", policies ? policies : "unknown (no run.ini)");
    if (stacks && g_key_file_has_group(stacks, spec)) {
      char *desc = g_key_file_get_string(stacks, spec, "description", NULL);
      char **exp = fsi_stack_expand(stacks, spec, NULL);
      char *ex = exp ? g_strjoinv("+", exp) : NULL;
      char **settings = fsi_stack_settings(stacks, spec);
      char *set = g_strjoinv(", ", settings);
      if (desc) kv_row(o, "stacks.ini: description", desc);
      if (ex) kv_row(o, "stacks.ini: policies", ex);
      kv_row(o, "stacks.ini: settings", *set ? set : "none");
      if (ex && policies && strcmp(ex, policies))
        g_string_append(o, "<tr><td colspan=\"2\"><strong>Warning:</strong> stacks.ini now defines this stack "
                           "otherwise than when it ran.</td></tr>\n");
      g_free(set);
      g_strfreev(settings);
      g_free(ex);
      g_strfreev(exp);
      g_free(desc);
    } else {
      kv_row(o, "definition", "not a named stack: policies joined by '+' or a module path, as given");
    }
    char **names = policies ? g_strsplit(policies, "+", -1) : NULL;
    for (char **p = names; p && *p; p++) {
      char **keys = g_key_file_get_keys(kf, *p, NULL, NULL);
      GString *params = g_string_new(NULL);
      for (char **k = keys; k && *k; k++) {
        char *v = g_key_file_get_value(kf, *p, *k, NULL);
        g_string_append_printf(params, "%s%s=%s", params->len ? ", " : "", *k, v ? v : "");
        g_free(v);
      }
      char *key = g_strdup_printf("policy %s", *p);
      kv_row(o, key, params->len ? params->str : "no parameters");
      g_free(key);
      char *mod = g_key_file_get_string(kf, "modules", *p, NULL);
      key = g_strdup_printf("module %s", *p);
      kv_row(o, key, mod ? mod : "not recorded (a run.ini before stop 16)");
      g_free(key);
      g_free(mod);
      g_string_free(params, TRUE);
      g_strfreev(keys);
    }
    g_strfreev(names);
    g_string_append(o, "</tbody>\n</table>\n");
    g_free(policies);
    g_key_file_unref(kf);
    g_free(path);
    g_free(rd);
  }
  if (stacks) g_key_file_unref(stacks);
  g_string_append(o, "</section>\n");
}

static bool write_page(Report *r, const char *gnuplot, GError **error) {
  GString *o = r->out;
  FsiDesign *d = r->d;
  guint nw = d->workloads->len, ns = d->stacks->len, nseeds = d->seeds->len;
  char *wl = joined(d->workloads, ", "), *st = joined(d->stacks, " vs "), *seeds = seeds_text(d);
  g_string_append(o, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                     "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
  g_string_append_printf(o, "<meta name=\"generator\" content=\"fragsim %s\">\n<title>", FRAGSIM_VERSION);
  esc_printf(o, "fragsim comparison: %s — %s", wl, st);
  g_string_append_printf(o, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<header>\n<h1>", style);
  esc_printf(o, "fragsim comparison: %s — %s", wl, st);
  g_string_append(o, "</h1>\n<p class=\"lead\">");
  esc_printf(o, "%u workload%s × %u stack%s × %u seed%s = %u runs of ", nw, nw == 1 ? "" : "s", ns, ns == 1 ? "" : "s",
             nseeds, nseeds == 1 ? "" : "s", fsi_design_n_runs(d));
  g_string_append(o, "<code>");
  esc(o, r->dir);
  g_string_append(o, "</code>. ");
  if (ns > 1) {
    g_string_append(o, "The baseline is ");
    esc(o, g_ptr_array_index(d->stacks, 0));
    g_string_append(o, ", the first stack: every Δ is a stack minus it, paired seed by seed (every stack sees the "
                       "same seeds).");
  } else {
    g_string_append(o, "One stack: no differences.");
  }
  g_string_append(o, "</p>\n<dl class=\"design\">\n<dt>Workloads</dt><dd>");
  esc(o, wl);
  g_string_append(o, "</dd>\n<dt>Stacks</dt><dd>");
  for (guint s = 0; s < ns; s++) stack_chip(r, s);
  g_string_append(o, "</dd>\n<dt>Seeds</dt><dd>");
  esc(o, seeds);
  g_string_append(o, "</dd>\n<dt>Settings</dt><dd>");
  if (!d->sets->len) g_string_append(o, "defaults");
  for (guint i = 0; i < d->sets->len; i++) {
    g_string_append(o, i ? " <code>" : "<code>");
    esc(o, g_ptr_array_index(d->sets, i));
    g_string_append(o, "</code>");
  }
  g_string_append(o, " (<a href=\"#settings\">all settings</a>)</dd>\n<dt>fragsim</dt><dd>");
  esc(o, FRAGSIM_VERSION);
  g_string_append(o, " (<a href=\"#versions\">versions</a>)</dd>\n</dl>\n<nav>\n<h2>Contents</h2>\n<ol>\n");
  bool overview = false;
  for (guint i = 0; i < r->made->len; i++) {
    bool of_w = false;
    for (guint w = 0; w < nw; w++) of_w |= figure_of_workload(r, r->made->pdata[i], w);
    overview |= !of_w;
  }
  if (overview) g_string_append(o, "<li><a href=\"#overview\">All workloads</a></li>\n");
  for (guint w = 0; w < nw; w++) {
    char *id = html_id("w-", g_ptr_array_index(d->workload_dirs, w));
    g_string_append_printf(o, "<li><a href=\"#%s\">", id);
    esc(o, g_ptr_array_index(d->workloads, w));
    g_string_append(o, "</a></li>\n");
    g_free(id);
  }
  bool other_notes = false;
  for (guint i = 0; i < r->notes->len; i++) other_notes |= note_workload(r, r->notes->pdata[i]) < 0;
  if (other_notes) g_string_append(o, "<li><a href=\"#plot-notes\">Notes from plotting</a></li>\n");
  g_string_append(o, "<li><a href=\"#settings\">Settings</a></li>\n<li><a href=\"#versions\">Versions</a></li>\n"
                     "</ol>\n</nav>\n</header>\n<main>\n");

  bool ok = true;
  if (overview) {
    g_string_append(o, "<section id=\"overview\">\n<h2>All workloads</h2>\n");
    for (guint i = 0; ok && i < r->made->len; i++) {
      bool of_w = false;
      for (guint w = 0; w < nw; w++) of_w |= figure_of_workload(r, r->made->pdata[i], w);
      if (!of_w) ok = emit_figure(r, i, error);
    }
    g_string_append(o, "</section>\n");
  }
  for (guint w = 0; ok && w < nw; w++) {
    char *id = html_id("w-", g_ptr_array_index(d->workload_dirs, w));
    g_string_append_printf(o, "<section id=\"%s\">\n<h2>Workload ", id);
    esc(o, g_ptr_array_index(d->workloads, w));
    g_string_append(o, "</h2>\n<div class=\"scroll\">\n");
    char *table = fsi_compare_table_html(d, r->dir, r->rows, w);
    g_string_append(o, table);
    g_string_append(o, "</div>\n");
    g_free(table);
    bool any = false;
    for (guint i = 0; ok && i < r->made->len; i++)
      if (figure_of_workload(r, r->made->pdata[i], w)) {
        if (!any) g_string_append(o, "<h3>Figures</h3>\n");
        any = true;
        ok = emit_figure(r, i, error);
      }
    bool skipped = false;
    for (guint i = 0; i < r->notes->len; i++) skipped |= note_workload(r, r->notes->pdata[i]) == (int)w;
    if (skipped) {
      g_string_append(o, "<h3>Figures not drawn</h3>\n<p>A figure with nothing to show is left out, not drawn empty; "
                         "<code>fragsim plot</code> said:</p>\n");
      note_list(r, (int)w);
    }
    g_string_append(o, "</section>\n");
    g_free(id);
  }
  if (ok && other_notes) {
    g_string_append(o, "<section id=\"plot-notes\">\n<h2>Notes from plotting</h2>\n<p>What <code>fragsim plot</code> "
                       "said while making the figures, besides the figures of one workload it left out (listed under "
                       "each workload):</p>\n");
    note_list(r, -1);
    g_string_append(o, "</section>\n");
  }
  if (ok) {
    emit_settings(r);
    emit_versions(r, gnuplot);
    g_string_append(o, "</main>\n<footer>Made by <code>");
    esc_printf(o, "fragsim report %s", r->dir);
    g_string_append(o, "</code> (fragsim ");
    esc(o, FRAGSIM_VERSION);
    g_string_append(o, "). The table holds the numbers of <code>table.md</code>; <code>compare.csv</code> and "
                       "<code>runs.csv</code> have every metric. Editable figures: <code>fragsim plot DIR</code>. "
                       "This page has no date on purpose: the same directory always gives the same page.</footer>\n"
                       "</body>\n</html>\n");
  }
  g_free(wl);
  g_free(st);
  g_free(seeds);
  return ok;
}

/* Removes the figures' scratch directory (files only, then itself). */
static void remove_scratch(const char *dir) {
  GDir *gd = g_dir_open(dir, 0, NULL);
  if (gd) {
    const char *n;
    while ((n = g_dir_read_name(gd))) {
      char *p = g_build_filename(dir, n, NULL);
      g_unlink(p);
      g_free(p);
    }
    g_dir_close(gd);
  }
  g_rmdir(dir);
}

/* ---- the command ----------------------------------------------------------------------- */

static const char *report_description =
    "Writes one self-contained HTML page of a comparison (fragsim compare -o DIR), by default\n"
    "DIR/report/index.html:\n"
    "  - what was compared: workloads, stacks (the first is the baseline), seeds, --set options\n"
    "  - per workload the table of table.md: mean ± 95% CI per stack and each stack's paired\n"
    "    difference from the baseline, ▲/▼ significantly better/worse, * significant\n"
    "  - every figure of `fragsim plot DIR` (success, unusable, phases, success-time, freepages,\n"
    "    pageblocks, latency, work, diff) inline as SVG; a figure with nothing to show is left\n"
    "    out, and plot's note saying so is shown under its workload\n"
    "  - the settings (compare.ini, each stack's run.ini) and versions (fragsim, gnuplot, each\n"
    "    stack's policies and parameters, its stacks.ini definition)\n"
    "The page loads nothing from anywhere (inline CSS and SVG, no scripts), prints cleanly, and\n"
    "has no date: the same DIR always gives a byte-identical page.  Figures are drawn by gnuplot\n"
    "in a scratch directory that is removed; DIR/plots is left alone.\n"
    "\n"
    "Examples:\n"
    "  fragsim compare -w churn -p vanilla -p linux-6.1 -r 5 -o cmp\n"
    "  fragsim report cmp                        # cmp/report/index.html\n"
    "  fragsim report cmp --column double -o paper-draft.html\n"
    "See docs/report.md.";

int fsi_cmd_report(int argc, char **argv) {
  char *outfile = NULL, *column = NULL, *size = NULL, *figures = NULL;
  gboolean quiet = FALSE;
  GOptionEntry entries[] = {
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &outfile, "The HTML file to write (default DIR/report/index.html)", "FILE"},
      {"column", 0, 0, G_OPTION_ARG_STRING, &column,
       "Figures sized for a paper: single (3.5x2.6 in) or double (7x3 in) column (default: 800x600 screen figures)",
       "single|double"},
      {"size", 0, 0, G_OPTION_ARG_STRING, &size, "Figure size in pixels (overrides --column)", "WxH"},
      {"figures", 0, 0, G_OPTION_ARG_STRING, &figures,
       "Only these figures, comma separated, or \"none\" (success, phases, success-time, unusable, freepages, "
       "pageblocks, latency, work, diff)",
       "LIST"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print nothing on success (not even the page's path)", NULL},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("DIR - one self-contained HTML page of a comparison");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, report_description);
  GError *e = NULL;
  Report r = {0};
  FsiPlotOptions opt = {0};
  char *scratch = NULL, *path = NULL, *gnuplot = NULL, **only = NULL;
  bool no_figures = false;
  r.made = g_ptr_array_new_with_free_func((GDestroyNotify)fsi_plot_figure_free);
  r.notes = g_ptr_array_new_with_free_func(g_free);
  r.out = g_string_new(NULL);

  if (!fsi_cli_parse(ctx, entries, "report", &argc, &argv, &e)) goto out;
  if (argc != 2) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG,
                argc < 2 ? "which directory? (fragsim report DIR, DIR made by fragsim compare -o DIR; see --help)"
                         : "one directory at a time (unexpected \"%s\")",
                argc > 2 ? argv[2] : "");
    goto out;
  }
  r.dir = argv[1];
  if (column && strcmp(column, "single") && strcmp(column, "double")) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "--column: \"%s\" is neither single nor double", column);
    goto out;
  }
  if (size && !fsi_plot_parse_size(size, &opt.width, &opt.height, &e)) goto out;
  if (figures && !strcmp(g_strstrip(figures), "none")) {
    no_figures = true;
  } else if (figures) {
    only = g_strsplit(figures, ",", -1);
    for (char **f = only; *f; f++) {
      g_strstrip(*f);
      if (!g_strv_contains(fsi_plot_figures, *f)) {
        g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG,
                    "--figures: unknown figure \"%s\" (success, phases, success-time, unusable, freepages, pageblocks, "
                    "latency, work, diff, or none)",
                    *f);
        goto out;
      }
    }
  }
  if (!g_file_test(r.dir, G_FILE_TEST_IS_DIR)) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_NOT_FOUND, "%s: no such directory", r.dir);
    goto out;
  }
  char *ini = g_build_filename(r.dir, "compare.ini", NULL), *sum = g_build_filename(r.dir, "summary.csv", NULL);
  bool is_cmp = g_file_test(ini, G_FILE_TEST_EXISTS), is_run = g_file_test(sum, G_FILE_TEST_EXISTS);
  if (is_cmp) r.d = fsi_design_load(ini, &e);
  else
    g_set_error(&e, FSI_ERROR, FSI_ERROR_NOT_FOUND, "%s is not a comparison directory (no compare.ini%s; make one with "
                "fragsim compare -o %s)",
                r.dir, is_run ? ": it is one run's directory, which fragsim plot draws" : "", r.dir);
  g_free(ini);
  g_free(sum);
  if (!r.d) goto out;
  /* the same numbers as table.md: every run's summary.csv, read in run order */
  r.rows = fsi_compare_collect(r.d, r.dir, &e);
  if (!r.rows) goto out;

  path = outfile ? g_strdup(outfile) : g_build_filename(r.dir, "report", "index.html", NULL);
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_IO, "-o %s is a directory; give the HTML file's name", path);
    goto out;
  }

  if (!no_figures) {
    scratch = g_dir_make_tmp("fragsim-report-XXXXXX", &e);
    if (!scratch) {
      g_prefix_error(&e, "cannot make a scratch directory for the figures: ");
      goto out;
    }
    opt.dir = r.dir;
    opt.outdir = scratch;
    opt.formats = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(opt.formats, g_strdup("svg"));
    opt.column = column;
    opt.figures = only;
    opt.quiet = true;
    opt.notes = r.notes;
    opt.made = r.made;
    bool plotted = fsi_plot_dir(&opt, &e);
    g_ptr_array_unref(opt.formats);
    if (!plotted) goto out;
    if (r.made->len) gnuplot = gnuplot_version(((FsiPlotFigure *)r.made->pdata[0])->path);
  }
  if (!write_page(&r, gnuplot, &e)) goto out;

  char *parent = g_path_get_dirname(path);
  int mk = g_mkdir_with_parents(parent, 0777);
  int saved = errno;
  g_free(parent);
  if (mk != 0) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_IO, "cannot create the directory of %s: %s", path, g_strerror(saved));
    goto out;
  }
  if (!g_file_set_contents(path, r.out->str, (gssize)r.out->len, &e)) goto out;
  if (!quiet) {
    for (guint i = 0; i < r.notes->len; i++) fprintf(stderr, "fragsim: report: %s\n", (char *)r.notes->pdata[i]);
    printf("%s\n", path);
  }

out:;
  int rc = 0;
  if (scratch) remove_scratch(scratch);
  if (e) {
    fprintf(stderr, "fragsim: report: %s\n", e->message);
    g_error_free(e);
    rc = 1;
  }
  if (r.rows) fsi_compare_rows_free(r.rows);
  if (r.d) fsi_design_free(r.d);
  g_ptr_array_unref(r.made);
  g_ptr_array_unref(r.notes);
  g_string_free(r.out, TRUE);
  g_strfreev(only);
  g_free(scratch);
  g_free(path);
  g_free(gnuplot);
  g_free(outfile);
  g_free(column);
  g_free(size);
  g_free(figures);
  g_option_context_free(ctx);
  return rc;
}
