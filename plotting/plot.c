/* `fragsim plot DIR`: the figures of a run or a comparison, through gnuplot.
 *
 * Each figure is a gnuplot script and a data file written beside it
 * (NAME.gp, NAME.dat) so a user can edit and re-run it; fragsim only runs
 * the script, once per format, into a temporary name that is renamed when
 * gnuplot succeeds, so a zero-byte or half-written figure never appears
 * under its final name.  The numbers come from compare.csv (bars with
 * confidence intervals) and from the runs' own CSV files (time series,
 * latency distributions, pageblock maps); nothing here re-derives a metric
 * the engine already wrote.  A stack keeps one colour in every figure:
 * its position in compare.ini picks it from a fixed colour-blind-safe
 * palette.
 */
#include "plotting/plot.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/core/config.h"
#include "engine/core/error.h"
#include "results/compare.h"
#include "results/rundir.h"
#include "results/table.h"

#ifndef FRAGSIM_VERSION
#include "fragsim-config.h"
#endif

const char *const fsi_plot_figures[] = {"success", "unusable", "phases", "success-time", "freepages",
                                        "pageblocks", "latency", "work", "diff", NULL};

/* Okabe & Ito, "Color Universal Design" (2008), strongest contrasts first;
 * yellow is late because it is faint on white. */
static const char *const stack_palette[] = {"#0072B2", "#D55E00", "#009E73", "#E69F00",
                                            "#56B4E9", "#CC79A7", "#F0E442", "#000000"};

const char *fsi_plot_stack_colour(guint index) { return stack_palette[index % G_N_ELEMENTS(stack_palette)]; }

/* Pageblock map colours, from the same palette so the map reads for
 * colour-blind readers too; kernel migratetype names as pageblocks.csv
 * writes them. */
static const struct {
  const char *name, *colour;
} mt_colours[] = {{"Unmovable", "#D55E00"}, {"Movable", "#56B4E9"}, {"Reclaimable", "#F0E442"},
                  {"HighAtomic", "#CC79A7"}, {"CMA", "#009E73"},     {"Isolate", "#999999"}};
static const char *const mt_extra_colours[] = {"#0072B2", "#E69F00", "#000000"};

/* viridis sampled at 11 points, for free pages by order (ordered, so a
 * sequential map; also colour-blind safe). */
static const char *const viridis[] = {"#440154", "#482475", "#414487", "#355F8D", "#2A788E", "#21918C",
                                      "#22A884", "#44BF70", "#7AD151", "#BDDF26", "#FDE725"};

const char *fsi_plot_gnuplot(void) {
  const char *env = g_getenv("FRAGSIM_GNUPLOT");
  return env && *env ? env : FRAGSIM_GNUPLOT;
}

bool fsi_plot_parse_size(const char *text, guint *ret_width, guint *ret_height, GError **error) {
  char **parts = g_strsplit(text, "x", -1);
  guint64 w = 0, h = 0;
  bool ok = g_strv_length(parts) == 2 && g_ascii_string_to_unsigned(parts[0], 10, 100, 20000, &w, NULL) &&
            g_ascii_string_to_unsigned(parts[1], 10, 100, 20000, &h, NULL);
  g_strfreev(parts);
  if (!ok) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "--size: \"%s\" is not WIDTHxHEIGHT in pixels (100..20000), e.g. 800x600",
                text);
    return false;
  }
  *ret_width = (guint)w;
  *ret_height = (guint)h;
  return true;
}

bool fsi_plot_parse_formats(const char *text, GPtrArray *out, GError **error) {
  char **parts = g_strsplit(text, ",", -1);
  bool ok = true;
  for (char **f = parts; ok && *f; f++) {
    char *s = g_strstrip(*f);
    if (strcmp(s, "png") && strcmp(s, "svg") && strcmp(s, "pdf")) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "--format: unknown format \"%s\" (png, svg, pdf)", s);
      ok = false;
      break;
    }
    bool seen = false;
    for (guint i = 0; i < out->len; i++) seen |= !strcmp(out->pdata[i], s);
    if (!seen) g_ptr_array_add(out, g_strdup(s));
  }
  g_strfreev(parts);
  if (ok && out->len == 0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "--format: no format given (png, svg, pdf)");
    ok = false;
  }
  return ok;
}

/* ---- the directory being plotted ------------------------------------------------- */

typedef struct {
  char *dir, *outdir;
  bool is_compare;
  FsiDesign *d;
  GHashTable *agg;    /* "w\ts\tmetric" -> FsiAgg* */
  GPtrArray *metrics; /* names in first-seen order */
  GPtrArray *formats;
  guint width, height;
  char *font;
  int font_pt;        /* the font's size, for titles and labels relative to it */
  GArray *times_s;    /* pageblock-map times in seconds; -1 is the last snapshot */
  char **only;        /* figure names, NULL for all */
  guint written;
  bool quiet;         /* no paths on stdout */
  GPtrArray *made;    /* FsiPlotFigure*, or NULL */
} Plot;

/* Where notes go while fsi_plot_dir runs with FsiPlotOptions.notes set
 * (the report shows them in the page); else stderr.  Figures are made by
 * one thread at a time. */
static GPtrArray *note_sink;

static void note(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void note(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  if (note_sink) {
    g_ptr_array_add(note_sink, msg);
    return;
  }
  fprintf(stderr, "fragsim: plot: %s\n", msg);
  g_free(msg);
}

void fsi_plot_figure_free(FsiPlotFigure *f) {
  if (!f) return;
  g_free(f->name);
  g_free(f->title);
  g_free(f->what);
  g_free(f->path);
  g_free(f);
}

static void agg_put(Plot *p, guint w, guint s, const char *metric, const FsiAgg *a) {
  char *key = g_strdup_printf("%u\t%u\t%s", w, s, metric);
  if (!g_hash_table_contains(p->agg, key)) {
    bool seen = false;
    for (guint i = 0; i < p->metrics->len && !seen; i++) seen = !strcmp(p->metrics->pdata[i], metric);
    if (!seen) g_ptr_array_add(p->metrics, g_strdup(metric));
  }
  g_hash_table_replace(p->agg, key, g_memdup2(a, sizeof *a));
}

static const FsiAgg *agg_get(Plot *p, guint w, guint s, const char *metric) {
  char *key = g_strdup_printf("%u\t%u\t%s", w, s, metric);
  const FsiAgg *a = g_hash_table_lookup(p->agg, key);
  g_free(key);
  return a;
}

static double agg_mean(Plot *p, guint w, guint s, const char *metric, double fallback) {
  const FsiAgg *a = agg_get(p, w, s, metric);
  return a && a->n ? a->mean : fallback;
}

static int index_of(GPtrArray *a, const char *s) {
  for (guint i = 0; i < a->len; i++)
    if (!strcmp(a->pdata[i], s)) return (int)i;
  return -1;
}

static bool load_compare(Plot *p, GError **error) {
  char *ini = g_build_filename(p->dir, "compare.ini", NULL);
  char *csv = g_build_filename(p->dir, "compare.csv", NULL);
  bool ok = false;
  p->d = fsi_design_load(ini, error);
  if (!p->d) goto out;
  if (!g_file_test(csv, G_FILE_TEST_EXISTS)) {
    /* e.g. a cluster comparison not collected yet: the same aggregation,
     * in memory */
    GArray *rows = fsi_compare_collect(p->d, p->dir, error);
    if (!rows) {
      g_prefix_error(error, "%s is missing and cannot be rebuilt: ", csv);
      goto out;
    }
    for (guint i = 0; i < rows->len; i++) {
      FsiCompareRow *r = &g_array_index(rows, FsiCompareRow, i);
      agg_put(p, r->w, r->s, r->metric, &r->agg);
    }
    fsi_compare_rows_free(rows);
    ok = true;
    goto out;
  }
  FsiTable *t = fsi_table_read(csv, error);
  if (!t) goto out;
  const char *names[] = {"workload", "stack", "metric", "n", "mean", "sd", "ci95_lo", "ci95_hi"};
  int col[G_N_ELEMENTS(names)];
  ok = true;
  for (unsigned i = 0; ok && i < G_N_ELEMENTS(names); i++)
    if ((col[i] = fsi_table_col(t, names[i])) < 0) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s has no column \"%s\"", csv, names[i]);
      ok = false;
    }
  for (guint r = 0; ok && r < t->rows->len; r++) {
    const char *wl = fsi_table_get(t, r, col[0]), *st = fsi_table_get(t, r, col[1]), *m = fsi_table_get(t, r, col[2]);
    int w = wl ? index_of(p->d->workloads, wl) : -1, s = st ? index_of(p->d->stacks, st) : -1;
    if (w < 0 || s < 0 || !m) continue; /* rows of a design compare.ini no longer has */
    double v[5];
    for (unsigned i = 0; ok && i < 5; i++)
      if (!fsi_parse_number(fsi_table_get(t, r, col[3 + i]), &v[i])) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s line %u, column %s: \"%s\" is not a number", csv, r + 2,
                    names[3 + i], fsi_table_get(t, r, col[3 + i]));
        ok = false;
      }
    if (!ok) break;
    FsiAgg a = {isfinite(v[0]) ? (guint)v[0] : 0, v[1], v[2], v[3], v[4]};
    agg_put(p, (guint)w, (guint)s, m, &a);
  }
  fsi_table_free(t);
out:
  g_free(ini);
  g_free(csv);
  return ok;
}

static bool load_run(Plot *p, GError **error) {
  FsiRunSummary *rs = fsi_run_summary_read(p->dir, error);
  if (!rs) return false;
  p->d = fsi_design_new();
  g_ptr_array_add(p->d->workloads, g_strdup(rs->workload));
  g_ptr_array_add(p->d->stacks, g_strdup(rs->stack));
  g_array_append_val(p->d->seeds, rs->seed);
  bool ok = fsi_design_finish(p->d, error);
  for (guint c = 0; ok && c < rs->metrics->len; c++) {
    FsiAgg a;
    fsi_agg_compute(&g_array_index(rs->values, double, c), 1, &a);
    agg_put(p, 0, 0, g_ptr_array_index(rs->metrics, c), &a);
  }
  fsi_run_summary_free(rs);
  return ok;
}

/* The run directories of (w, s), in seed order. */
static GPtrArray *run_dirs(Plot *p, guint w, guint s) {
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  if (!p->is_compare) {
    g_ptr_array_add(a, g_strdup(p->dir));
    return a;
  }
  guint ns = p->d->seeds->len;
  for (guint k = 0; k < ns; k++) g_ptr_array_add(a, fsi_design_run_dir(p->d, p->dir, (w * p->d->stacks->len + s) * ns + k));
  return a;
}

/* A run.ini value, or NULL (g_free it). */
static char *run_ini_get(const char *rundir, const char *group, const char *key) {
  char *path = g_build_filename(rundir, "run.ini", NULL);
  GKeyFile *kf = g_key_file_new();
  char *v = NULL;
  if (g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL)) v = g_key_file_get_string(kf, group, key, NULL);
  g_key_file_unref(kf);
  g_free(path);
  return v;
}

static guint64 run_page_bytes(const char *rundir) {
  char *v = run_ini_get(rundir, "machine", "page_size");
  guint64 b = 0;
  if (!v || !fsi_parse_size(v, &b, NULL)) b = 0;
  g_free(v);
  return b;
}

/* Why a run's file is absent: a run not made (yet) or an output switched off. */
static void note_missing(const char *rundir, const char *file, const char *fig) {
  if (!g_file_test(rundir, G_FILE_TEST_IS_DIR)) {
    note("run directory %s is missing; left out of %s", rundir, fig);
    return;
  }
  const char *hint = !strcmp(file, "timeseries.csv")   ? " (output.timeseries=false?)"
                     : !strcmp(file, "pageblocks.csv") ? " (output.pageblocks=false?)"
                                                       : "";
  note("%s%s%s: not found%s; left out of %s", rundir, G_DIR_SEPARATOR_S, file, hint, fig);
}

/* ---- figure files and gnuplot ---------------------------------------------------- */

typedef struct {
  Plot *p;
  char *name; /* file stem */
  char *title, *what;
  GString *gp, *dat;
  bool multi; /* the figure sets up its own multiplot (panels) */
} Fig;

static void gp_str(GString *g, const char *s) {
  /* gnuplot single-quoted strings take '' for a quote and nothing else special */
  g_string_append_c(g, '\'');
  for (; *s; s++) {
    if (*s == '\'') g_string_append_c(g, '\'');
    g_string_append_c(g, *s == '\n' ? ' ' : *s);
  }
  g_string_append_c(g, '\'');
}

static void num(GString *g, double v) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (!isfinite(v)) g_string_append(g, "NaN");
  else g_string_append(g, g_ascii_formatd(buf, sizeof buf, "%.10g", v == 0 ? 0.0 : v));
}

static char *fmt_num(double v, const char *fmt) {
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup(g_ascii_formatd(buf, sizeof buf, fmt, v));
}

/* Every figure has a title: what it shows and the workload.  It is the
 * script's variable fig_title, so a user can change it in one place (the
 * tests look for it in the rendered PDF).  A one-panel figure draws it as
 * the title of a 1x1 multiplot, which puts it above the key rather than
 * between the key and the plot; a figure of panels (multi) places it
 * itself. */
static Fig *fig_new_full(Plot *p, const char *name, const char *what, const char *title, bool multi) {
  Fig *f = g_new0(Fig, 1);
  f->p = p;
  f->name = g_strdup(name);
  f->title = g_strdup(title);
  f->what = g_strdup(what);
  f->gp = g_string_new(NULL);
  f->dat = g_string_new(NULL);
  GString *g = f->gp;
  const char *fmt0 = p->formats->pdata[0];
  char *src = g_strescape(p->dir, NULL);
  g_string_append_printf(g, "# %s.gp: %s\n", name, what);
  g_string_append_printf(g, "# Written by fragsim %s (fragsim plot %s); the data is in %s.dat.\n", FRAGSIM_VERSION, src, name);
  g_free(src);
  g_string_append_printf(g,
                         "# Edit freely and re-run from this directory:\n"
                         "#   gnuplot %s.gp                       writes %s.%s\n"
                         "#   gnuplot -e \"fmt='pdf'\" %s.gp        png, svg or pdf (out='file' names the output)\n",
                         name, name, fmt0, name);
  g_string_append_printf(g, "if (!exists(\"fmt\")) fmt = '%s'\n", fmt0);
  g_string_append_printf(g, "if (!exists(\"out\")) out = '%s.' . fmt\n", name);
  g_string_append(g, "set encoding utf8\n");
  /* cairo terminals embed their fonts (PDF) or name them (SVG) and use the
   * same metrics for all three formats */
  char *pdf_w = fmt_num(p->width / 96.0, "%.4f"), *pdf_h = fmt_num(p->height / 96.0, "%.4f");
  g_string_append_printf(g, "if (fmt eq 'png') {\n  set terminal pngcairo size %u,%u font ", p->width, p->height);
  gp_str(g, p->font);
  g_string_append_printf(g, " noenhanced background rgb 'white'\n} else { if (fmt eq 'svg') {\n"
                            "  set terminal svg size %u,%u font ", p->width, p->height);
  gp_str(g, p->font);
  g_string_append_printf(g, " noenhanced background rgb 'white'\n} else { if (fmt eq 'pdf') {\n"
                            "  set terminal pdfcairo size %sin,%sin font ", pdf_w, pdf_h);
  gp_str(g, p->font);
  g_string_append(g, " noenhanced\n} else {\n"
                     "  print 'fmt must be png, svg or pdf, not ' . fmt\n  exit status 2\n} } }\n"
                     "set output out\n\n");
  g_free(pdf_w);
  g_free(pdf_h);
  g_string_append(g, "# publication defaults: open frame, light grid behind the data, key above\n"
                     "set border 3 front lw 1\n"
                     "set tics nomirror out scale 0.6\n"
                     "set grid back lw 1 lc rgb '#e3e3e3'\n"
                     "unset grid\n"
                     "set key outside top center horizontal samplen 2 spacing 1.1\n"
                     "set style fill solid 0.9 border lc rgb '#333333'\n");
  g_string_append(g, "fig_title = ");
  gp_str(g, title);
  if (multi) g_string_append(g, "\n\n");
  else g_string_append_printf(g, "\nset multiplot layout 1,1 title fig_title font ',%d'\n\n", p->font_pt + 1);
  g_string_append(g, "# one colour per stack, in compare.ini order (Okabe-Ito, colour-blind safe)\n");
  for (guint s = 0; s < p->d->stacks->len; s++)
    g_string_append_printf(g, "set linetype %u lc rgb '%s' lw 2 pt 7 ps 0.6 dt %u   # %s\n", s + 1,
                           fsi_plot_stack_colour(s), (guint)(s / G_N_ELEMENTS(stack_palette)) + 1,
                           (char *)g_ptr_array_index(p->d->stacks, s));
  g_string_append_c(g, '\n');
  f->multi = multi;
  return f;
}

static Fig *fig_new(Plot *p, const char *name, const char *what, const char *title) {
  return fig_new_full(p, name, what, title, false);
}

static void fig_free(Fig *f) {
  g_string_free(f->gp, TRUE);
  g_string_free(f->dat, TRUE);
  g_free(f->name);
  g_free(f->title);
  g_free(f->what);
  g_free(f);
}

static bool write_file(const char *dir, const char *name, const GString *text, GError **error) {
  char *path = g_build_filename(dir, name, NULL);
  bool ok = g_file_set_contents(path, text->str, (gssize)text->len, error);
  if (!ok) g_prefix_error(error, "writing %s: ", path);
  g_free(path);
  return ok;
}

/* Runs gnuplot once per format.  gnuplot exits 0 after some errors in
 * data files, so success also needs a non-empty output file. */
static bool render(Fig *f, GError **error) {
  Plot *p = f->p;
  char *gpname = g_strdup_printf("%s.gp", f->name), *datname = g_strdup_printf("%s.dat", f->name);
  if (!f->multi) g_string_append(f->gp, "unset multiplot\n");
  bool ok = write_file(p->outdir, datname, f->dat, error) && write_file(p->outdir, gpname, f->gp, error);
  const char *gnuplot = fsi_plot_gnuplot();
  for (guint i = 0; ok && i < p->formats->len; i++) {
    const char *fmt = p->formats->pdata[i];
    char *tmpname = g_strdup_printf(".%s.%s.tmp-%ld", f->name, fmt, (long)getpid());
    char *tmp = g_build_filename(p->outdir, tmpname, NULL);
    char *final = g_strdup_printf("%s%s%s.%s", p->outdir, G_DIR_SEPARATOR_S, f->name, fmt);
    char *earg = g_strdup_printf("fmt='%s'; out='%s'", fmt, tmpname);
    char *argv[] = {(char *)gnuplot, "-e", earg, gpname, NULL};
    char *out = NULL, *err = NULL;
    gint status = 0;
    GError *e = NULL;
    g_unlink(tmp);
    if (!g_spawn_sync(p->outdir, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &out, &err,
                      &status, &e)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "cannot run gnuplot (%s): %s; set $FRAGSIM_GNUPLOT to its path", gnuplot,
                  e->message);
      g_error_free(e);
      ok = false;
    } else {
      GStatBuf st;
      bool made = g_stat(tmp, &st) == 0 && st.st_size > 0;
      char *msg = g_strstrip(g_strdup(err ? err : ""));
      if (!g_spawn_check_wait_status(status, &e) || !made) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "gnuplot (%s) failed on %s%s%s for %s.%s: %s%s%s", gnuplot, p->outdir,
                    G_DIR_SEPARATOR_S, gpname, f->name, fmt, e ? e->message : "it wrote no output",
                    *msg ? "\n" : "", *msg ? msg : " (no message on stderr)");
        g_clear_error(&e);
        ok = false;
      } else if (g_rename(tmp, final) != 0) {
        int saved = errno;
        g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "cannot rename %s to %s: %s", tmp, final, g_strerror(saved));
        ok = false;
      } else {
        if (*msg) note("%s: gnuplot says: %s", gpname, msg);
        if (!p->quiet) printf("%s\n", final);
        if (p->made) {
          FsiPlotFigure *m = g_new0(FsiPlotFigure, 1);
          m->name = g_strdup(f->name);
          m->title = g_strdup(f->title);
          m->what = g_strdup(f->what);
          m->path = g_strdup(final);
          g_ptr_array_add(p->made, m);
        }
        p->written++;
      }
      g_free(msg);
    }
    if (!ok) g_unlink(tmp);
    g_free(out);
    g_free(err);
    g_free(earg);
    g_free(final);
    g_free(tmp);
    g_free(tmpname);
  }
  g_free(gpname);
  g_free(datname);
  return ok;
}

static char *fig_name(Plot *p, const char *base, guint w) {
  if (!p->is_compare) return g_strdup(base);
  return g_strdup_printf("%s-%s", base, (char *)g_ptr_array_index(p->d->workload_dirs, w));
}

static const char *stack_name(Plot *p, guint s) { return g_ptr_array_index(p->d->stacks, s); }
static const char *workload_name(Plot *p, guint w) { return g_ptr_array_index(p->d->workloads, w); }

/* ---- reading run files --------------------------------------------------------------- */

/* The node-wide rows of timeseries.csv (scope "node"): time_ns followed by
 * the wanted columns (or, with prefix, every column starting with it).
 * Directories written before the scope column have a zone column whose
 * node-wide rows say "Node"; they are read too. */
typedef struct {
  const char *path;
  const char *const *want;
  const char *prefix;
  int col_t, col_scope;
  const char *node; /* the scope value of node-wide rows */
  GArray *cols;  /* int */
  GPtrArray *names;
  GArray *out;   /* double, (1 + cols) per row */
} SeriesReader;

static bool series_row(guint line, guint nf, char **f, gpointer user, GError **error) {
  SeriesReader *r = user;
  if (line == 1) {
    r->col_t = r->col_scope = -1;
    int col_zone = -1;
    for (guint i = 0; i < nf; i++) {
      const char *h = f[i] ? f[i] : "";
      if (!strcmp(h, "time_ns")) r->col_t = (int)i;
      if (!strcmp(h, "scope")) r->col_scope = (int)i;
      if (!strcmp(h, "zone")) col_zone = (int)i;
      if (r->prefix && g_str_has_prefix(h, r->prefix)) {
        int c = (int)i;
        g_array_append_val(r->cols, c);
        g_ptr_array_add(r->names, g_strdup(h));
      }
    }
    for (const char *const *w = r->want; w && *w; w++) {
      int c = -1;
      for (guint i = 0; i < nf && c < 0; i++)
        if (f[i] && !strcmp(f[i], *w)) c = (int)i;
      if (c < 0) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s has no column \"%s\"", r->path, *w);
        return false;
      }
      g_array_append_val(r->cols, c);
      g_ptr_array_add(r->names, g_strdup(*w));
    }
    r->node = "node";
    if (r->col_scope < 0 && col_zone >= 0) {
      r->col_scope = col_zone;
      r->node = "Node";
    }
    if (r->col_t < 0 || r->col_scope < 0) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s has no time_ns or scope column", r->path);
      return false;
    }
    return true;
  }
  if ((guint)MAX(r->col_t, r->col_scope) >= nf || !f[r->col_scope] || strcmp(f[r->col_scope], r->node)) return true;
  double v;
  for (guint i = 0; i <= r->cols->len; i++) {
    int c = i == 0 ? r->col_t : g_array_index(r->cols, int, i - 1);
    const char *text = (guint)c < nf ? f[c] : NULL;
    if (!fsi_parse_number(text, &v)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s line %u: \"%s\" is not a number", r->path, line, text);
      return false;
    }
    g_array_append_val(r->out, v);
  }
  return true;
}

/* Returns the number of value columns, or -1 on error. */
static int read_series(const char *path, const char *const *want, const char *prefix, GArray *out, GPtrArray *ret_names,
                       GError **error) {
  SeriesReader r = {path, want, prefix, -1, -1, "node", g_array_new(FALSE, FALSE, sizeof(int)),
                    g_ptr_array_new_with_free_func(g_free), out};
  bool ok = fsi_csv_read(path, series_row, &r, error);
  int n = ok ? (int)r.cols->len : -1;
  if (ok && ret_names)
    for (guint i = 0; i < r.names->len; i++) g_ptr_array_add(ret_names, g_strdup(r.names->pdata[i]));
  g_array_unref(r.cols);
  g_ptr_array_unref(r.names);
  return n;
}

/* ---- success ------------------------------------------------------------------------- */

/* ---- grouped bars ------------------------------------------------------------------ */

typedef struct {
  double mean, lo, hi; /* NaN: none */
  guint n;
} Bar;

static const Bar no_bar = {NAN, NAN, NAN, 0};

static Bar bar_of(const FsiAgg *a) { return a ? (Bar){a->n ? a->mean : NAN, a->ci95_lo, a->ci95_hi, a->n} : no_bar; }

/* The title of a figure of workload w: "WHAT (workload)". */
static char *fig_title(Plot *p, const char *what, guint w) {
  return g_strdup_printf("%s (%s)", what, (char *)g_ptr_array_index(p->d->workloads, w));
}

/* Grouped bars: one group per category at x = 0..ng-1, one bar per stack
 * in the stack's colour, whiskers the 95% CI; bars[s * ng + g].  With logy
 * the y axis is logarithmic and bars start at the decade at or below the
 * smallest mean shown, where whiskers reaching lower are cut (zero means
 * cannot be drawn there and are left out).  gkeys name the groups in the data file (no spaces), glabels on
 * the axis.  Bars are boxxyerror boxes with an explicit bottom, so the same
 * script works on either scale.  Returns false (writing nothing) when no
 * bar has a value. */
static bool grouped_bars(Fig *f, guint ng, const char *const *glabels, const char *const *gkeys, const Bar *bars,
                         bool logy, bool rotate, const char *xlabel, const char *ylabel, const char *source) {
  Plot *p = f->p;
  guint ns = p->d->stacks->len;
  double lowest = INFINITY;
  bool any = false;
  for (guint i = 0; i < ns * ng; i++) {
    double m = bars[i].mean;
    if (!isfinite(m) || (logy && m <= 0)) continue;
    any = true;
    lowest = MIN(lowest, m);
  }
  if (!any) return false;
  double base = logy ? pow(10, floor(log10(lowest))) : 0;
  double bw = 0.8 / ns;
  g_string_append_printf(f->dat, "# %s\n# one block per stack in compare.ini order: x  mean  ci95_lo  ci95_hi  n  group\n",
                         source);
  if (logy) g_string_append(f->dat, "# log scale: zero means are written as NaN (not drawn), whiskers clipped at the axis\n");
  bool *has = g_new0(bool, ns), *has_ci = g_new0(bool, ns);
  for (guint s = 0; s < ns; s++) {
    g_string_append_printf(f->dat, "%s# stack %u: %s\n", s ? "\n\n" : "", s, stack_name(p, s));
    for (guint g = 0; g < ng; g++) {
      Bar b = bars[s * ng + g];
      if (logy && !(b.mean > 0)) b.mean = b.lo = b.hi = NAN;
      if (logy && isfinite(b.lo)) b.lo = MAX(b.lo, base);
      num(f->dat, g + (s - (ns - 1) / 2.0) * bw);
      g_string_append_c(f->dat, ' ');
      num(f->dat, b.mean);
      g_string_append_c(f->dat, ' ');
      num(f->dat, b.lo);
      g_string_append_c(f->dat, ' ');
      num(f->dat, b.hi);
      g_string_append_printf(f->dat, " %u %s\n", b.n, gkeys[g]);
      has[s] |= isfinite(b.mean);
      has_ci[s] |= isfinite(b.lo) && isfinite(b.hi);
    }
  }
  GString *g = f->gp;
  char *hw = fmt_num(bw * 0.46, "%.6f"), *bs = fmt_num(base, "%.6g");
  g_string_append_printf(g, "set xrange [-0.5:%u-0.5]\nset xtics scale 0 %s(", ng, rotate ? "rotate by 35 right " : "");
  for (guint i = 0; i < ng; i++) {
    g_string_append(g, i ? ", " : "");
    gp_str(g, glabels[i]);
    g_string_append_printf(g, " %u", i);
  }
  g_string_append(g, ")\n");
  if (xlabel) {
    g_string_append(g, "set xlabel ");
    gp_str(g, xlabel);
    g_string_append_c(g, '\n');
  }
  g_string_append(g, "set ylabel ");
  gp_str(g, ylabel);
  if (logy)
    g_string_append_printf(g, "\nset logscale y\nset yrange [%s:*]\nset format y '%%.0s%%c'\n", bs);
  else
    g_string_append(g, "\nset yrange [0:*]\n");
  g_string_append_printf(g, "set grid ytics\nbase = %s   # bottom of the bars\nhw = %s     # half the width of a bar\n"
                            "# bars: mean over seeds; whiskers: 95%% CI, mean ± t(0.975, n-1)·sd/√n\nplot ",
                         bs, hw);
  g_free(hw);
  g_free(bs);
  for (guint s = 0; s < ns; s++) {
    if (s) g_string_append(g, ", \\\n     ");
    if (!has[s]) {
      g_string_append_printf(g, "NaN with boxes lt %u title ", s + 1);
      char *t = g_strdup_printf("%s (no data)", stack_name(p, s));
      gp_str(g, t);
      g_free(t);
      continue;
    }
    g_string_append_printf(g, "'%s.dat' index %u using 1:2:($1-hw):($1+hw):(base):2 with boxxyerror fs solid 0.9 "
                              "lc rgb '#333333' fc '%s' title ",
                           f->name, s, fsi_plot_stack_colour(s));
    gp_str(g, stack_name(p, s));
    if (has_ci[s])
      g_string_append_printf(g, ", \\\n     '%s.dat' index %u using 1:3:(0):($4-$3) with vectors heads "
                                "size screen 0.006,90 lc rgb 'black' lw 1 notitle",
                             f->name, s);
  }
  g_string_append_c(g, '\n');
  g_free(has);
  g_free(has_ci);
  return true;
}

static bool fig_success_compare(Plot *p, GError **error) {
  guint nw = p->d->workloads->len, ns = p->d->stacks->len;
  int huge = (int)agg_mean(p, 0, 0, "huge_order", 9);
  char *title = g_strdup_printf("Huge page success (order ≥ %d), by workload", huge);
  Fig *f = fig_new(p, "success", "success of huge (pageblock-order) allocations per stack, mean and t-based 95% CI", title);
  g_free(title);
  Bar *bars = g_new(Bar, ns * nw);
  const char **labels = g_new(const char *, nw);
  for (guint w = 0; w < nw; w++) labels[w] = workload_name(p, w);
  for (guint s = 0; s < ns; s++)
    for (guint w = 0; w < nw; w++) bars[s * nw + w] = bar_of(agg_get(p, w, s, "huge_success_pct"));
  bool ok = true;
  if (!grouped_bars(f, nw, labels, labels, bars, false, nw > 3, "workload", "huge page success (%)",
                    "huge_success_pct from compare.csv"))
    note("skipped success: no run made a request of order >= %d (huge_success_pct is empty in compare.csv)", huge);
  else
    ok = render(f, error);
  g_free(bars);
  g_free(labels);
  fig_free(f);
  return ok;
}

/* "427k" rather than "426860": bar labels must not run into each other. */
static char *count_label(double v) {
  if (v < 1e4) return g_strdup_printf("%.0f", v);
  if (v < 1e6) return g_strdup_printf("%.0fk", v / 1e3);
  if (v < 1e9) return g_strdup_printf("%.3gM", v / 1e6);
  return g_strdup_printf("%.3gG", v / 1e9);
}

static bool fig_success_run(Plot *p, GError **error) {
  char *title = fig_title(p, "Requests satisfied by order", 0);
  Fig *f = fig_new(p, "success", "share of requests satisfied, by order", title);
  g_free(title);
  g_string_append(f->dat, "# from summary.csv: order  success_pct  attempts  label\n");
  bool any = false;
  guint max_order = 0;
  for (guint o = 0;; o++) {
    char *an = g_strdup_printf("attempts_o%u", o), *sn = g_strdup_printf("success_o%u", o);
    double at = agg_mean(p, 0, 0, an, NAN), su = agg_mean(p, 0, 0, sn, NAN);
    bool exists = agg_get(p, 0, 0, an) != NULL;
    g_free(an);
    g_free(sn);
    if (!exists) break;
    max_order = o;
    if (!(at > 0)) continue;
    g_string_append_printf(f->dat, "%u ", o);
    num(f->dat, 100.0 * su / at);
    g_string_append_c(f->dat, ' ');
    num(f->dat, at);
    char *label = count_label(at);
    g_string_append_printf(f->dat, " %s\n", label);
    g_free(label);
    any = true;
  }
  bool ok = true;
  if (!any) {
    note("skipped success: summary.csv records no requests");
  } else {
    g_string_append_printf(f->gp, "set boxwidth 0.7 absolute\nset xrange [-0.6:%u.6]\nset xtics 1 scale 0\nset xlabel 'order'\n"
                                  "set ylabel 'requests satisfied (%%)'\nset yrange [0:*]\nset offsets 0, 0, graph 0.12, 0\n"
                                  "set grid ytics\n"
                                  "# labels: number of requests of that order (column 3 has the exact count)\n"
                                  "plot '%s.dat' using 1:2 with boxes lt 1 title ",
                           max_order, f->name);
    gp_str(f->gp, stack_name(p, 0));
    g_string_append_printf(f->gp, ", \\\n     '%s.dat' using 1:2:4 with labels offset 0,0.8 font ',%d' notitle\n", f->name,
                           MAX(p->font_pt - 2, 5));
    ok = render(f, error);
  }
  fig_free(f);
  return ok;
}

/* ---- unusable free space index over time ------------------------------------------------ */

typedef struct {
  double sum;
  guint n;
} Acc;

static int cmp_u64(gconstpointer a, gconstpointer b) {
  guint64 x = *(const guint64 *)a, y = *(const guint64 *)b;
  return x < y ? -1 : x > y;
}

static bool fig_unusable(Plot *p, guint w, GError **error) {
  guint ns = p->d->stacks->len;
  int huge = (int)agg_mean(p, w, 0, "huge_order", 9);
  char *name = fig_name(p, "unusable", w);
  char *what = g_strdup_printf("unusable free space index at order %d over time (%s), mean over seeds per stack", huge,
                               workload_name(p, w));
  char *title = fig_title(p, "Unusable free space index", w);
  Fig *f = fig_new(p, name, what, title);
  g_free(title);
  g_free(what);
  g_free(name);
  g_string_append_printf(f->dat, "# node-wide rows (scope node) of timeseries.csv, unusable_o%d / 1000; one block per stack\n"
                                 "# time_s  mean  n_seeds\n", huge);
  bool ok = true, any = false;
  guint maxpts = 0;
  bool *has = g_new0(bool, ns);
  char *col = g_strdup_printf("unusable_o%d", huge);
  const char *want[] = {col, NULL};
  for (guint s = 0; ok && s < ns; s++) {
    GHashTable *acc = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, g_free);
    GPtrArray *dirs = run_dirs(p, w, s);
    for (guint k = 0; ok && k < dirs->len; k++) {
      char *path = g_build_filename(dirs->pdata[k], "timeseries.csv", NULL);
      if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        note_missing(dirs->pdata[k], "timeseries.csv", f->name);
        g_free(path);
        continue;
      }
      GArray *rows = g_array_new(FALSE, FALSE, sizeof(double));
      ok = read_series(path, want, NULL, rows, NULL, error) >= 0;
      for (guint i = 0; ok && i + 1 < rows->len; i += 2) {
        double t = g_array_index(rows, double, i), v = g_array_index(rows, double, i + 1);
        if (!isfinite(v)) continue;
        gint64 key = (gint64)t;
        Acc *a = g_hash_table_lookup(acc, &key);
        if (!a) {
          a = g_new0(Acc, 1);
          g_hash_table_insert(acc, g_memdup2(&key, sizeof key), a);
        }
        a->sum += v;
        a->n++;
      }
      g_array_unref(rows);
      g_free(path);
    }
    g_ptr_array_unref(dirs);
    GArray *times = g_array_new(FALSE, FALSE, sizeof(guint64));
    GHashTableIter it;
    gpointer key, val;
    g_hash_table_iter_init(&it, acc);
    while (g_hash_table_iter_next(&it, &key, &val)) {
      guint64 t = (guint64) * (gint64 *)key;
      g_array_append_val(times, t);
    }
    g_array_sort(times, cmp_u64);
    g_string_append_printf(f->dat, "%s# stack %u: %s\n", s ? "\n\n" : "", s, stack_name(p, s));
    for (guint i = 0; i < times->len; i++) {
      gint64 t = (gint64)g_array_index(times, guint64, i);
      Acc *a = g_hash_table_lookup(acc, &t);
      num(f->dat, (double)t / 1e9);
      g_string_append_c(f->dat, ' ');
      num(f->dat, a->sum / a->n / 1000.0);
      g_string_append_printf(f->dat, " %u\n", a->n);
    }
    has[s] = times->len > 0;
    any |= has[s];
    maxpts = MAX(maxpts, times->len);
    g_array_unref(times);
    g_hash_table_unref(acc);
  }
  g_free(col);
  if (ok && !any) note("skipped %s: no time series", f->name);
  if (ok && any) {
    GString *g = f->gp;
    g_string_append_printf(g, "set xlabel 'simulated time (s)'\nset ylabel 'unusable index, order %d (0–1)'\n"
                              "set yrange [0:*]\nset xrange [0:*]\nset autoscale xfixmax\nset grid xtics ytics\n"
                              "# 0: all free memory is in blocks of order ≥ %d; 1: none is (mm/vmstat.c unusable_free_index)\nplot ",
                           huge, huge);
    const char *style = maxpts > 40 ? "lines" : "linespoints";
    bool first = true;
    for (guint s = 0; s < ns; s++) {
      if (!first) g_string_append(g, ", \\\n     ");
      first = false;
      if (has[s]) g_string_append_printf(g, "'%s.dat' index %u using 1:2 with %s lt %u title ", f->name, s, style, s + 1);
      else g_string_append_printf(g, "NaN with lines lt %u title ", s + 1);
      gp_str(g, stack_name(p, s));
    }
    g_string_append_c(g, '\n');
    ok = render(f, error);
  }
  g_free(has);
  fig_free(f);
  return ok;
}

/* ---- free pages by order (a run) ------------------------------------------------------- */

static bool fig_freepages(Plot *p, GError **error) {
  char *path = g_build_filename(p->dir, "timeseries.csv", NULL);
  if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
    note_missing(p->dir, "timeseries.csv", "freepages (skipped)");
    g_free(path);
    return true;
  }
  GArray *rows = g_array_new(FALSE, FALSE, sizeof(double));
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  int nc = read_series(path, NULL, "buddy_o", rows, names, error);
  g_free(path);
  bool ok = nc >= 0;
  guint64 page = run_page_bytes(p->dir);
  char *title = fig_title(p, "Free memory by buddy order", 0);
  Fig *f = fig_new(p, "freepages", "free memory by buddy order over time, stacked (node-wide rows of timeseries.csv)",
                   title);
  g_free(title);
  if (ok && (nc == 0 || rows->len == 0)) {
    note("skipped freepages: timeseries.csv has no buddy_oN columns or no node-wide rows");
  } else if (ok) {
    guint width = 1 + (guint)nc;
    g_string_append_printf(f->dat, "# time_s, then the cumulative free memory of orders 0..k for k = 0..%d (%s)\n", nc - 1,
                           page ? "MiB" : "pages");
    for (guint r = 0; r + width <= rows->len; r += width) {
      num(f->dat, g_array_index(rows, double, r) / 1e9);
      double cum = 0;
      for (int o = 0; o < nc; o++) {
        double pages = g_array_index(rows, double, r + 1 + o) * (double)(1ull << o);
        cum += page ? pages * (double)page / 1048576.0 : pages;
        g_string_append_c(f->dat, ' ');
        num(f->dat, cum);
      }
      g_string_append_c(f->dat, '\n');
    }
    GString *g = f->gp;
    g_string_append_printf(g, "set xlabel 'simulated time (s)'\nset ylabel 'free memory (%s)'\nset yrange [0:*]\n"
                              "set xrange [*:*]\nset autoscale xfix\n"
                              "set key outside right top vertical reverse Left\nset grid ytics\n"
                              "set style fill solid 1.0 noborder\n"
                              "# areas drawn from the highest order down, each from 0 to the sum of orders up to it\nplot ",
                           page ? "MiB" : "pages");
    for (int o = nc - 1; o >= 0; o--) {
      const char *c = viridis[nc > 1 ? (guint)(o * 10 / (nc - 1)) : 0];
      g_string_append_printf(g, "%s'%s.dat' using 1:%d with filledcurves x1 fc rgb '%s' title 'order %d'",
                             o == nc - 1 ? "" : ", \\\n     ", f->name, o + 2, c, o);
    }
    g_string_append_c(g, '\n');
    ok = render(f, error);
  }
  fig_free(f);
  g_array_unref(rows);
  g_ptr_array_unref(names);
  return ok;
}

/* ---- pageblock map ----------------------------------------------------------------------- */

typedef struct {
  GPtrArray *types; /* migratetype names seen, in order of first appearance */
  /* pass 1 */
  GArray *snap_times; /* guint64, distinct, in file order */
  /* pass 2 */
  guint64 want_t;
  GArray *type;  /* guint8 per pageblock, 0xff absent */
  GArray *mixed; /* guint8 */
  int c_t, c_pb, c_mt, c_mixed;
  const char *path;
} PbReader;

static bool pb_header(PbReader *r, guint nf, char **f, GError **error) {
  r->c_t = r->c_pb = r->c_mt = r->c_mixed = -1;
  for (guint i = 0; i < nf; i++) {
    const char *h = f[i] ? f[i] : "";
    if (!strcmp(h, "time_ns")) r->c_t = (int)i;
    if (!strcmp(h, "pageblock")) r->c_pb = (int)i;
    if (!strcmp(h, "migratetype")) r->c_mt = (int)i;
    if (!strcmp(h, "mixed")) r->c_mixed = (int)i;
  }
  if (r->c_t < 0 || r->c_pb < 0 || r->c_mt < 0 || r->c_mixed < 0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s lacks one of the columns time_ns, pageblock, migratetype, mixed", r->path);
    return false;
  }
  return true;
}

static bool pb_field_u64(PbReader *r, guint line, char **f, guint nf, int c, guint64 *ret, GError **error) {
  if ((guint)c >= nf || !f[c] || !g_ascii_string_to_unsigned(f[c], 10, 0, G_MAXUINT64, ret, NULL)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s line %u: \"%s\" is not a non-negative integer", r->path, line,
                (guint)c < nf && f[c] ? f[c] : "");
    return false;
  }
  return true;
}

static bool pb_times_row(guint line, guint nf, char **f, gpointer user, GError **error) {
  PbReader *r = user;
  if (line == 1) return pb_header(r, nf, f, error);
  guint64 t;
  if (!pb_field_u64(r, line, f, nf, r->c_t, &t, error)) return false;
  if (!r->snap_times->len || g_array_index(r->snap_times, guint64, r->snap_times->len - 1) != t)
    g_array_append_val(r->snap_times, t);
  return true;
}

static bool pb_cells_row(guint line, guint nf, char **f, gpointer user, GError **error) {
  PbReader *r = user;
  if (line == 1) return pb_header(r, nf, f, error);
  guint64 t, pb, mixed;
  if (!pb_field_u64(r, line, f, nf, r->c_t, &t, error)) return false;
  if (t != r->want_t) return true;
  if (!pb_field_u64(r, line, f, nf, r->c_pb, &pb, error) || !pb_field_u64(r, line, f, nf, r->c_mixed, &mixed, error))
    return false;
  if (pb > (1u << 28)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s line %u: pageblock %" G_GUINT64_FORMAT " is beyond what a map can show",
                r->path, line, pb);
    return false;
  }
  const char *mt = (guint)r->c_mt < nf && f[r->c_mt] ? f[r->c_mt] : "?";
  int ti = index_of(r->types, mt);
  if (ti < 0) {
    g_ptr_array_add(r->types, g_strdup(mt));
    ti = (int)r->types->len - 1;
  }
  guint8 absent = 0xff, zero = 0;
  while (r->type->len <= pb) {
    g_array_append_val(r->type, absent);
    g_array_append_val(r->mixed, zero);
  }
  g_array_index(r->type, guint8, pb) = (guint8)MIN(ti, 0xfe);
  g_array_index(r->mixed, guint8, pb) = mixed != 0;
  return true;
}

typedef struct {
  char *title;
  GArray *type, *mixed; /* NULL: nothing to show */
} PbPanel;

static const char *mt_colour(const char *name, guint *extra_used) {
  for (unsigned i = 0; i < G_N_ELEMENTS(mt_colours); i++)
    if (!g_ascii_strcasecmp(name, mt_colours[i].name)) return mt_colours[i].colour;
  return mt_extra_colours[(*extra_used)++ % G_N_ELEMENTS(mt_extra_colours)];
}

/* Mixed pageblocks (holding pages of another migratetype) in the same hue,
 * darker: a marker per cell would swamp maps of thousands of blocks, and a
 * luminance step survives colour-blindness and greyscale printing. */
static void darker(const char *hex, char ret[8]) {
  unsigned long v = strtoul(hex + 1, NULL, 16);
  g_snprintf(ret, 8, "#%02lX%02lX%02lX", ((v >> 16) & 0xff) * 11 / 20, ((v >> 8) & 0xff) * 11 / 20,
             (v & 0xff) * 11 / 20);
}

static void hex_rgb(const char *hex, guint *r, guint *g, guint *b) {
  unsigned long v = strtoul(hex + 1, NULL, 16);
  *r = (v >> 16) & 0xff;
  *g = (v >> 8) & 0xff;
  *b = v & 0xff;
}

/* The snapshots to show: each requested time picks the nearest snapshot;
 * by default the first and the last. */
static GArray *pick_times(Plot *p, GArray *snaps) {
  GArray *out = g_array_new(FALSE, FALSE, sizeof(guint64));
  if (!snaps->len) return out;
  GArray *req = g_array_new(FALSE, FALSE, sizeof(double));
  if (p->times_s && p->times_s->len) g_array_append_vals(req, p->times_s->data, p->times_s->len);
  else {
    double first = 0, last = -1;
    g_array_append_val(req, first);
    g_array_append_val(req, last);
  }
  for (guint i = 0; i < req->len; i++) {
    double want = g_array_index(req, double, i);
    guint best = snaps->len - 1;
    if (want >= 0) {
      double bd = INFINITY;
      for (guint j = 0; j < snaps->len; j++) {
        double dd = fabs((double)g_array_index(snaps, guint64, j) / 1e9 - want);
        if (dd < bd) {
          bd = dd;
          best = j;
        }
      }
    }
    guint64 t = g_array_index(snaps, guint64, best);
    bool seen = false;
    for (guint j = 0; j < out->len; j++) seen |= g_array_index(out, guint64, j) == t;
    if (!seen) g_array_append_val(out, t);
  }
  g_array_unref(req);
  return out;
}

/* Share of the figure's width for the map panels; the key takes the rest
 * (more of it in a narrow figure, where the key's text is relatively wider). */
#define PB_PANELS (p->width < 500 ? 0.64 : 0.74)

static bool fig_pageblocks(Plot *p, guint w, GError **error) {
  guint ns = p->d->stacks->len;
  GPtrArray *types = g_ptr_array_new_with_free_func(g_free);
  guint ncols = 0;
  bool ok = true;
  char *name = fig_name(p, "pageblocks", w);
  guint64 page = 0;
  int order = (int)agg_mean(p, w, 0, "huge_order", 9);
  /* one row per stack (the first seed with a map), one column per time */
  GPtrArray *rows_of_panels = g_ptr_array_new();
  for (guint s = 0; ok && s < ns; s++) {
    GPtrArray *dirs = run_dirs(p, w, s);
    /* the first seed that has a map: one panel row per stack is enough */
    const char *rd = dirs->pdata[0];
    guint64 seed = g_array_index(p->d->seeds, guint64, 0);
    for (guint k = 0; k < dirs->len; k++) {
      char *pb = g_build_filename(dirs->pdata[k], "pageblocks.csv", NULL);
      bool has = g_file_test(pb, G_FILE_TEST_EXISTS);
      g_free(pb);
      if (has) {
        rd = dirs->pdata[k];
        seed = g_array_index(p->d->seeds, guint64, k);
        break;
      }
    }
    if (!page) page = run_page_bytes(rd);
    char *path = g_build_filename(rd, "pageblocks.csv", NULL);
    PbReader r = {types, g_array_new(FALSE, FALSE, sizeof(guint64)), 0, NULL, NULL, -1, -1, -1, -1, path};
    GPtrArray *row = g_ptr_array_new();
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
      note_missing(rd, "pageblocks.csv", name);
    } else if ((ok = fsi_csv_read(path, pb_times_row, &r, error))) {
      GArray *pick = pick_times(p, r.snap_times);
      for (guint i = 0; ok && i < pick->len; i++) {
        r.want_t = g_array_index(pick, guint64, i);
        r.type = g_array_new(FALSE, FALSE, 1);
        r.mixed = g_array_new(FALSE, FALSE, 1);
        ok = fsi_csv_read(path, pb_cells_row, &r, error);
        PbPanel *pp = g_new0(PbPanel, 1);
        char *ts = fmt_num((double)r.want_t / 1e9, "%.4g");
        pp->title = p->is_compare ? g_strdup_printf("%s, seed %" G_GUINT64_FORMAT ", %s s", stack_name(p, s), seed, ts)
                                  : g_strdup_printf("t = %s s", ts);
        g_free(ts);
        pp->type = r.type;
        pp->mixed = r.mixed;
        g_ptr_array_add(row, pp);
      }
      ncols = MAX(ncols, pick->len);
      g_array_unref(pick);
    }
    g_array_unref(r.snap_times);
    g_free(path);
    g_ptr_array_unref(dirs);
    if (row->len) g_ptr_array_add(rows_of_panels, row);
    else g_ptr_array_unref(row);
  }
  guint64 nblocks = 0;
  for (guint i = 0; i < rows_of_panels->len; i++) {
    GPtrArray *row = rows_of_panels->pdata[i];
    for (guint j = 0; j < row->len; j++) nblocks = MAX(nblocks, ((PbPanel *)row->pdata[j])->type->len);
  }
  if (ok && !nblocks) note("skipped %s: no pageblock snapshots", name);
  if (ok && nblocks) {
    /* Power-of-two rows line up with pfn boundaries; about twice as many
     * columns as rows suits a landscape figure. */
    guint C = 2;
    while ((guint64)C * C < 2 * nblocks) C <<= 1;
    guint R = (guint)MAX((guint64)2, (nblocks + C - 1) / C);
    char *what = g_strdup_printf("pageblock map (%s): each cell one pageblock coloured by migratetype, mixed ones darker",
                                 workload_name(p, w));
    char *title = fig_title(p, "Pageblock map", w);
    Fig *f = fig_new_full(p, name, what, title, true);
    g_free(title);
    g_free(what);
    guint extra = 0;
    GPtrArray *cols = g_ptr_array_new();
    for (guint t = 0; t < types->len; t++) g_ptr_array_add(cols, (char *)mt_colour(types->pdata[t], &extra));
    g_string_append_printf(f->dat, "# one block per panel; column row R G B alpha mixed (pageblock = row * %u + column)\n"
                                   "# mixed blocks are drawn in a darker shade of their type's colour\n", C);
    bool *type_mixed = g_new0(bool, types->len);
    guint idx = 0;
    for (guint i = 0; i < rows_of_panels->len; i++) {
      GPtrArray *row = rows_of_panels->pdata[i];
      for (guint j = 0; j < row->len; j++, idx++) {
        PbPanel *pp = row->pdata[j];
        g_string_append_printf(f->dat, "%s# panel %u: %s\n", idx ? "\n\n" : "", idx, pp->title);
        for (guint y = 0; y < R; y++) {
          for (guint x = 0; x < C; x++) {
            guint64 b = (guint64)y * C + x;
            guint8 ty = b < pp->type->len ? g_array_index(pp->type, guint8, b) : 0xff;
            if (ty == 0xff) {
              g_string_append_printf(f->dat, "%u %u 0 0 0 0 0\n", x, y);
            } else {
              guint cr, cg, cb, mixed = g_array_index(pp->mixed, guint8, b);
              char dark[8];
              darker(cols->pdata[ty], dark);
              hex_rgb(mixed ? dark : cols->pdata[ty], &cr, &cg, &cb);
              g_string_append_printf(f->dat, "%u %u %u %u %u 255 %u\n", x, y, cr, cg, cb, mixed);
              type_mixed[ty] |= mixed != 0;
            }
          }
          g_string_append_c(f->dat, '\n');
        }
      }
    }
    GString *g = f->gp;
    char *pbsize = page ? g_format_size_full(page << order, G_FORMAT_SIZE_IEC_UNITS) : g_strdup_printf("2^%d pages", order);
    g_string_append_printf(g, "set multiplot title fig_title font ',%d'\nunset key\nset border 15\n"
                              "set tics out nomirror scale 0.5\n"
                              "set xrange [-0.5:%u-0.5]\nset yrange [%u-0.5:-0.5]\nset xtics %u\nset ytics %u\n"
                              "# pageblock number = row * %u + column; fixed margins keep every panel the same size\n"
                              "set lmargin 7\nset rmargin 1\nset tmargin 2\nset bmargin 3\n",
                           p->font_pt + 1, C, R, MAX(C / 4, 1u), MAX(R / 4, 1u), C);
    /* panels share the left PB_PANELS of the page; the key gets the rest */
    guint nrows = rows_of_panels->len;
    /* the multiplot title's share of the height, above the panels */
    double top = CLAMP((p->font_pt + 1) * 1.8 / 72.0 / (p->height / 96.0), 0.04, 0.3);
    idx = 0;
    for (guint i = 0; i < nrows; i++) {
      GPtrArray *row = rows_of_panels->pdata[i];
      for (guint j = 0; j < row->len; j++, idx++) {
        PbPanel *pp = row->pdata[j];
        char *ox = fmt_num(PB_PANELS * j / ncols, "%.5f");
        char *oy = fmt_num((1.0 - top) * (1.0 - (double)(i + 1) / nrows), "%.5f");
        char *sw = fmt_num(PB_PANELS / ncols, "%.5f"), *sh = fmt_num((1.0 - top) / nrows, "%.5f");
        g_string_append_printf(g, "set origin %s,%s\nset size ratio -1 %s,%s\n", ox, oy, sw, sh);
        if (i == nrows - 1) g_string_append_printf(g, "set xlabel 'pageblock mod %u'\n", C);
        else g_string_append(g, "unset xlabel\n");
        if (j == 0) g_string_append_printf(g, "set ylabel 'pageblock / %u'\n", C);
        else g_string_append(g, "unset ylabel\n");
        g_string_append(g, "set title ");
        gp_str(g, pp->title);
        g_string_append_printf(g, " font ',%d'\nplot '%s.dat' index %u using 1:2:3:4:5:6 with rgbalpha notitle\n",
                               MAX(p->font_pt - 1, 5), f->name, idx);
        g_free(ox);
        g_free(oy);
        g_free(sw);
        g_free(sh);
      }
    }
    char *kx = fmt_num(PB_PANELS, "%.2f"), *kw = fmt_num(1 - PB_PANELS, "%.2f"), *kl = fmt_num(PB_PANELS + 0.02, "%.2f");
    g_string_append_printf(g, "# the key, in a panel of its own\nset origin %s,0\nset size noratio %s,1\n"
                              "unset border\nunset tics\nunset xlabel\nunset ylabel\nunset title\n"
                              "set key at screen %s,0.5 left center vertical Left reverse samplen 1.5 title ",
                           kx, kw, kl);
    g_free(kx);
    g_free(kw);
    g_free(kl);
    char *ktitle = g_strdup_printf("cell = %s", pbsize);
    gp_str(g, ktitle);
    g_free(ktitle);
    g_free(pbsize);
    g_string_append(g, "\nset xrange [0:1]\nset yrange [0:1]\nset style fill solid 1.0 noborder\nplot ");
    for (guint t = 0; t < types->len; t++) {
      g_string_append_printf(g, "%sNaN with boxes fc rgb '%s' title ", t ? ", \\\n     " : "", (char *)cols->pdata[t]);
      gp_str(g, types->pdata[t]);
      if (!type_mixed[t]) continue;
      char dark[8];
      darker(cols->pdata[t], dark);
      g_string_append_printf(g, ", \\\n     NaN with boxes fc rgb '%s' title ", dark);
      char *mt = g_strdup_printf("%s, mixed", (char *)types->pdata[t]);
      gp_str(g, mt);
      g_free(mt);
    }
    g_string_append(g, "\nunset multiplot\n");
    g_free(type_mixed);
    g_ptr_array_unref(cols);
    ok = render(f, error);
    fig_free(f);
  }
  for (guint i = 0; i < rows_of_panels->len; i++) {
    GPtrArray *row = rows_of_panels->pdata[i];
    for (guint j = 0; j < row->len; j++) {
      PbPanel *pp = row->pdata[j];
      g_free(pp->title);
      g_array_unref(pp->type);
      g_array_unref(pp->mixed);
      g_free(pp);
    }
    g_ptr_array_unref(row);
  }
  g_ptr_array_unref(rows_of_panels);
  g_ptr_array_unref(types);
  g_free(name);
  return ok;
}

/* ---- latency CDF ---------------------------------------------------------------------------- */

typedef struct {
  const char *path;
  int col;
  GArray *lat; /* double */
} LatReader;

static bool lat_row(guint line, guint nf, char **f, gpointer user, GError **error) {
  LatReader *r = user;
  if (line == 1) {
    for (guint i = 0; i < nf; i++)
      if (f[i] && !strcmp(f[i], "latency_ns")) r->col = (int)i;
    if (r->col < 0) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s has no column \"latency_ns\"", r->path);
      return false;
    }
    return true;
  }
  double v;
  const char *text = (guint)r->col < nf ? f[r->col] : NULL;
  if (!fsi_parse_number(text, &v)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s line %u: \"%s\" is not a number", r->path, line, text);
    return false;
  }
  if (isfinite(v)) g_array_append_val(r->lat, v);
  return true;
}

static int cmp_double(gconstpointer a, gconstpointer b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The CDF is written at no more than this many ranks: the curve is then
 * smooth at print resolution and the data file stays small for long runs. */
#define CDF_POINTS 2000

static bool fig_latency(Plot *p, guint w, GError **error) {
  guint ns = p->d->stacks->len;
  char *name = fig_name(p, "latency", w);
  char *what = g_strdup_printf("allocation latency CDF per stack (%s), requests of all seeds pooled", workload_name(p, w));
  char *title = fig_title(p, "Allocation latency", w);
  Fig *f = fig_new(p, name, what, title);
  g_free(title);
  g_free(what);
  g_free(name);
  int min_order = 4;
  g_string_append(f->dat, "# allocs.csv latency_ns pooled over seeds; one block per stack\n"
                          "# latency_ns  fraction_of_requests_at_or_below  (requests in the block)\n");
  bool ok = true, any = false;
  bool *has = g_new0(bool, ns);
  for (guint s = 0; ok && s < ns; s++) {
    GPtrArray *dirs = run_dirs(p, w, s);
    GArray *lat = g_array_new(FALSE, FALSE, sizeof(double));
    for (guint k = 0; ok && k < dirs->len; k++) {
      if (s == 0 && k == 0) {
        char *v = run_ini_get(dirs->pdata[k], "output", "allocs_min_order");
        if (v) min_order = atoi(v);
        g_free(v);
      }
      char *path = g_build_filename(dirs->pdata[k], "allocs.csv", NULL);
      LatReader r = {path, -1, lat};
      if (g_file_test(path, G_FILE_TEST_EXISTS)) ok = fsi_csv_read(path, lat_row, &r, error);
      else note_missing(dirs->pdata[k], "allocs.csv", f->name);
      g_free(path);
    }
    g_ptr_array_unref(dirs);
    g_array_sort(lat, cmp_double);
    guint n = lat->len;
    g_string_append_printf(f->dat, "%s# stack %u: %s (%u requests)\n", s ? "\n\n" : "", s, stack_name(p, s), n);
    guint m = MIN(n, CDF_POINTS);
    if (n) {
      num(f->dat, MAX(1.0, g_array_index(lat, double, 0)));
      g_string_append(f->dat, " 0\n");
    }
    for (guint i = 1; i <= m; i++) {
      guint rank = (guint)(((guint64)i * n + m - 1) / m); /* ceil(i n / m) */
      /* ties: report a latency once, at its highest rank */
      if (i < m && g_array_index(lat, double, rank - 1) == g_array_index(lat, double, (guint)(((guint64)(i + 1) * n + m - 1) / m) - 1))
        continue;
      num(f->dat, MAX(1.0, g_array_index(lat, double, rank - 1)));
      g_string_append_c(f->dat, ' ');
      num(f->dat, (double)rank / n);
      g_string_append_c(f->dat, '\n');
    }
    has[s] = n > 0;
    any |= has[s];
    g_array_unref(lat);
  }
  if (ok && !any) note("skipped %s: allocs.csv has no requests", f->name);
  if (ok && any) {
    GString *g = f->gp;
    g_string_append_printf(g, "set logscale x\nset xlabel 'latency; requests of order ≥ %d, and failures'\n"
                              "set xtics ('10 ns' 10, '100 ns' 100, '1 µs' 1e3, '10 µs' 1e4, '100 µs' 1e5, '1 ms' 1e6, "
                              "'10 ms' 1e7, '100 ms' 1e8, '1 s' 1e9, '10 s' 1e10)\n"
                              "set ylabel 'fraction of requests'\nset yrange [0:1.02]\n"
                              "set grid xtics ytics mxtics\nset mxtics 10\n"
                              "# the empirical CDF of every request in allocs.csv, all seeds pooled\nplot ",
                           min_order);
    bool first = true;
    for (guint s = 0; s < ns; s++) {
      if (!first) g_string_append(g, ", \\\n     ");
      first = false;
      if (has[s]) g_string_append_printf(g, "'%s.dat' index %u using 1:2 with steps lt %u title ", f->name, s, s + 1);
      else g_string_append_printf(g, "NaN with lines lt %u title ", s + 1);
      gp_str(g, stack_name(p, s));
    }
    g_string_append_c(g, '\n');
    ok = render(f, error);
  }
  g_free(has);
  fig_free(f);
  return ok;
}

/* ---- work per stack ---------------------------------------------------------------------------- */

/* Short names for the x axis of the work figure (rotated, they must not
 * run into each other at a single column's width). */
static char *work_label(const char *m) {
  static const struct {
    const char *metric, *label;
  } names[] = {{"pgscan_kswapd", "scanned kswapd"},
               {"pgscan_direct", "scanned direct"},
               {"pgscan_direct_throttle", "throttled"},
               {"pgsteal_kswapd", "reclaimed kswapd"},
               {"pgsteal_direct", "reclaimed direct"},
               {"pgsteal_anon", "reclaimed anon"},
               {"pgsteal_file", "reclaimed file"},
               {"pgmigrate_success", "migrated"},
               {"pgmigrate_fail", "migration failed"},
               {"compaction.compact_migrate_scanned", "compact scanned"},
               {"compaction.compact_free_scanned", "compact free scan"},
               {"kcompactd.compact_daemon_migrate_scanned", "kcompactd scanned"},
               {"kcompactd.compact_daemon_free_scanned", "kcompactd free scan"},
               {"pgfree", "freed"}};
  for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
    if (!strcmp(m, names[i].metric)) return g_strdup(names[i].label);
  if (g_str_has_prefix(m, "pgalloc_")) return g_strdup_printf("alloc %s", m + 8);
  return g_strdup(m);
}

static bool fig_work(Plot *p, guint w, GError **error) {
  guint ns = p->d->stacks->len;
  /* the work a policy spends (scanned, reclaimed, migrated), then the
   * allocator's own traffic */
  GPtrArray *chosen = g_ptr_array_new();
  for (int pass = 0; pass < 3; pass++)
    for (guint i = 0; i < p->metrics->len; i++) {
      const char *m = p->metrics->pdata[i];
      bool take = pass == 0 ? fsi_compare_is_work_metric(m)
                  : pass == 1 ? g_str_has_prefix(m, "pgalloc_")
                              : !strcmp(m, "pgfree");
      if (!take) continue;
      bool nonzero = false;
      for (guint s = 0; s < ns; s++) {
        double v = agg_mean(p, w, s, m, NAN);
        nonzero |= isfinite(v) && v != 0;
      }
      if (nonzero) g_ptr_array_add(chosen, (char *)m);
    }
  char *name = fig_name(p, "work", w);
  bool ok = true;
  if (!chosen->len) {
    note("skipped %s: every work counter is zero", name);
    g_free(name);
    g_ptr_array_unref(chosen);
    return true;
  }
  guint nc = chosen->len;
  char *title = fig_title(p, "Reclaim, compaction and allocator work", w);
  Fig *f = fig_new(p, name, "work per stack: counters from summary.csv, mean and t-based 95% CI over seeds, log scale",
                   title);
  g_free(title);
  g_free(name);
  Bar *bars = g_new(Bar, ns * nc);
  char **labels = g_new0(char *, nc + 1);
  g_string_append(f->dat, "# groups (counters), left to right:");
  for (guint i = 0; i < nc; i++) {
    labels[i] = work_label(chosen->pdata[i]);
    g_string_append_printf(f->dat, " %s", (char *)chosen->pdata[i]);
    for (guint s = 0; s < ns; s++) bars[s * nc + i] = bar_of(agg_get(p, w, s, chosen->pdata[i]));
  }
  g_string_append_c(f->dat, '\n');
  const char **keys = g_new(const char *, nc);
  for (guint i = 0; i < nc; i++) keys[i] = chosen->pdata[i];
  bool drew = grouped_bars(f, nc, (const char *const *)labels, keys, bars, true, true, NULL, "pages (log scale)",
                           "counters of compare.csv / summary.csv, mean and 95% CI over seeds");
  if (!drew) note("skipped %s: every work counter is zero", f->name);
  else ok = render(f, error);
  g_free(keys);
  g_strfreev(labels);
  g_free(bars);
  fig_free(f);
  g_ptr_array_unref(chosen);
  return ok;
}

/* ---- huge page success per phase ------------------------------------------------------------- */

/* The phases of workload w that report huge page success, in summary.csv
 * order: the NAME of every phase_NAME_huge_success_pct. */
static GPtrArray *huge_phases(Plot *p, guint w) {
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  const char *suffix = "_huge_success_pct";
  for (guint i = 0; i < p->metrics->len; i++) {
    const char *m = p->metrics->pdata[i];
    size_t len = strlen(m), sl = strlen(suffix);
    if (!g_str_has_prefix(m, "phase_") || len <= 6 + sl || strcmp(m + len - sl, suffix)) continue;
    bool recorded = false;
    for (guint s = 0; s < p->d->stacks->len; s++) recorded |= agg_get(p, w, s, m) != NULL;
    if (recorded) g_ptr_array_add(a, g_strndup(m + 6, len - 6 - sl));
  }
  return a;
}

static bool fig_phases(Plot *p, guint w, GError **error) {
  guint ns = p->d->stacks->len;
  char *name = fig_name(p, "phases", w);
  GPtrArray *phases = huge_phases(p, w);
  bool ok = true;
  if (!phases->len) {
    note("skipped %s: the workload has no phases with huge requests (no phase_*_huge_success_pct in summary.csv)", name);
    g_free(name);
    g_ptr_array_unref(phases);
    return true;
  }
  guint np = phases->len;
  char *title = fig_title(p, "Huge page success per phase", w);
  Fig *f = fig_new(p, name, "huge page success per workload phase and stack, mean and t-based 95% CI over seeds", title);
  g_free(title);
  g_free(name);
  Bar *bars = g_new(Bar, ns * np);
  for (guint s = 0; s < ns; s++)
    for (guint i = 0; i < np; i++) {
      char *m = g_strdup_printf("phase_%s_huge_success_pct", (char *)phases->pdata[i]);
      bars[s * np + i] = bar_of(agg_get(p, w, s, m));
      g_free(m);
    }
  if (!grouped_bars(f, np, (const char *const *)phases->pdata, (const char *const *)phases->pdata, bars, false, np > 5,
                    "phase", "huge page success (%)",
                    p->is_compare ? "phase_<phase>_huge_success_pct of compare.csv"
                                  : "phase_<phase>_huge_success_pct of summary.csv"))
    note("skipped %s: no phase made a huge request", f->name);
  else
    ok = render(f, error);
  g_free(bars);
  fig_free(f);
  g_ptr_array_unref(phases);
  return ok;
}

/* ---- huge page success over time ----------------------------------------------------------- */

typedef struct {
  const char *path;
  int c_t, c_order, c_result;
  int huge;
  double bin_ns;
  GArray *att, *ok; /* guint per bin, grown as needed */
} SuccReader;

static bool succ_row(guint line, guint nf, char **f, gpointer user, GError **error) {
  SuccReader *r = user;
  if (line == 1) {
    r->c_t = r->c_order = r->c_result = -1;
    for (guint i = 0; i < nf; i++) {
      const char *h = f[i] ? f[i] : "";
      if (!strcmp(h, "time_ns")) r->c_t = (int)i;
      if (!strcmp(h, "order")) r->c_order = (int)i;
      if (!strcmp(h, "result")) r->c_result = (int)i;
    }
    if (r->c_t < 0 || r->c_order < 0 || r->c_result < 0) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s lacks one of the columns time_ns, order, result", r->path);
      return false;
    }
    return true;
  }
  double t, order;
  const char *tt = (guint)r->c_t < nf ? f[r->c_t] : NULL, *to = (guint)r->c_order < nf ? f[r->c_order] : NULL;
  if (!fsi_parse_number(tt, &t) || !fsi_parse_number(to, &order) || !isfinite(t) || !isfinite(order) || t < 0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s line %u: time_ns \"%s\" or order \"%s\" is not a number", r->path, line,
                tt ? tt : "", to ? to : "");
    return false;
  }
  if (order < r->huge) return true;
  guint b = (guint)MIN(t / r->bin_ns, 1e6);
  guint zero = 0;
  while (r->att->len <= b) {
    g_array_append_val(r->att, zero);
    g_array_append_val(r->ok, zero);
  }
  g_array_index(r->att, guint, b)++;
  const char *res = (guint)r->c_result < nf ? f[r->c_result] : NULL;
  if (res && !strcmp(res, "ok")) g_array_index(r->ok, guint, b)++;
  return true;
}

/* A round bin width (1, 2 or 5 times a power of ten, in ns) giving about
 * SUCC_BINS bins over the run. */
#define SUCC_BINS 20
static double nice_bin(double span_ns) {
  double raw = MAX(span_ns / SUCC_BINS, 1.0), dec = pow(10, floor(log10(raw)));
  return raw <= dec ? dec : raw <= 2 * dec ? 2 * dec : raw <= 5 * dec ? 5 * dec : 10 * dec;
}

static bool fig_success_time(Plot *p, guint w, GError **error) {
  guint ns = p->d->stacks->len, nseeds = p->is_compare ? p->d->seeds->len : 1;
  int huge = (int)agg_mean(p, w, 0, "huge_order", 9);
  double span = 0;
  for (guint s = 0; s < ns; s++) {
    const FsiAgg *a = agg_get(p, w, s, "sim_time_ns");
    if (a && a->n) span = MAX(span, isfinite(a->ci95_hi) ? MAX(a->ci95_hi, a->mean) : a->mean);
  }
  char *name = fig_name(p, "success-time", w);
  if (!(span > 0)) {
    note("skipped %s: summary.csv has no sim_time_ns to bin the run's time by", name);
    g_free(name);
    return true;
  }
  double bin = nice_bin(span);
  char *title = fig_title(p, "Huge page success over time", w);
  char *bs = fmt_num(bin / 1e9, "%.6g");
  char *what = g_strdup_printf("success of requests of order >= %d per %s s of simulated time, mean and 95%% CI over seeds",
                               huge, bs);
  Fig *f = fig_new(p, name, what, title);
  g_free(what);
  g_free(title);
  g_free(name);
  g_string_append_printf(f->dat,
                         "# allocs.csv: requests of order >= %d binned by time_ns into bins of %s s; per seed the\n"
                         "# share that succeeded (result ok) in each bin; one block per stack:\n"
                         "# bin_mid_s  mean_pct  ci95_lo  ci95_hi  seeds_with_requests  requests_all_seeds\n",
                         huge, bs);
  bool ok = true, any = false, any_ci = false;
  bool *has = g_new0(bool, ns);
  for (guint s = 0; ok && s < ns; s++) {
    GPtrArray *dirs = run_dirs(p, w, s);
    GPtrArray *att = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    GPtrArray *suc = g_ptr_array_new_with_free_func((GDestroyNotify)g_array_unref);
    guint nb = 0;
    for (guint k = 0; ok && k < dirs->len; k++) {
      char *path = g_build_filename(dirs->pdata[k], "allocs.csv", NULL);
      SuccReader r = {path, -1, -1, -1, huge, bin, g_array_new(FALSE, FALSE, sizeof(guint)),
                      g_array_new(FALSE, FALSE, sizeof(guint))};
      if (g_file_test(path, G_FILE_TEST_EXISTS)) ok = fsi_csv_read(path, succ_row, &r, error);
      else note_missing(dirs->pdata[k], "allocs.csv", f->name);
      nb = MAX(nb, r.att->len);
      g_ptr_array_add(att, r.att);
      g_ptr_array_add(suc, r.ok);
      g_free(path);
    }
    g_string_append_printf(f->dat, "%s# stack %u: %s\n", s ? "\n\n" : "", s, stack_name(p, s));
    double *v = g_new(double, MAX(nseeds, dirs->len) + 1);
    for (guint b = 0; b < nb; b++) {
      guint n = 0, total = 0;
      for (guint k = 0; k < att->len; k++) {
        GArray *a = att->pdata[k], *o = suc->pdata[k];
        guint na = b < a->len ? g_array_index(a, guint, b) : 0;
        total += na;
        v[n++] = na ? 100.0 * g_array_index(o, guint, b) / na : NAN;
      }
      FsiAgg agg;
      fsi_agg_compute(v, n, &agg);
      num(f->dat, (b + 0.5) * bin / 1e9);
      g_string_append_c(f->dat, ' ');
      num(f->dat, agg.n ? agg.mean : NAN);
      g_string_append_c(f->dat, ' ');
      num(f->dat, agg.ci95_lo);
      g_string_append_c(f->dat, ' ');
      num(f->dat, agg.ci95_hi);
      g_string_append_printf(f->dat, " %u %u\n", agg.n, total);
      has[s] |= agg.n > 0;
      any_ci |= isfinite(agg.ci95_lo);
    }
    any |= has[s];
    g_free(v);
    g_ptr_array_unref(att);
    g_ptr_array_unref(suc);
    g_ptr_array_unref(dirs);
  }
  if (ok && !any) note("skipped %s: allocs.csv has no request of order >= %d", f->name, huge);
  char *span_s = span > 0 ? fmt_num(ceil(span / bin) * bin / 1e9, "%.6g") : g_strdup("*"); /* to the end of the last bin */
  if (ok && any) {
    GString *g = f->gp;
    g_string_append_printf(g, "set xlabel 'simulated time (s)'\nset ylabel 'huge page success (%%)'\n"
                              "set xrange [0:%s]\nset yrange [0:105]\nset ytics 0,25,100\nset grid xtics ytics\n"
                              "# each point: the requests of order ≥ %d in a %s s bin; bins without requests are gaps\n"
                              "# band: 95%% CI over the seeds with requests in the bin (t, n-1 df), drawn within 0..100%%\nplot ",
                           span_s, huge, bs);
    bool first = true;
    for (guint s = 0; s < ns; s++) {
      if (!has[s]) {
        g_string_append_printf(g, "%sNaN with lines lt %u title ", first ? "" : ", \\\n     ", s + 1);
        first = false;
        char *t = g_strdup_printf("%s (no huge requests)", stack_name(p, s));
        gp_str(g, t);
        g_free(t);
        continue;
      }
      if (any_ci)
        g_string_append_printf(g, "%s'%s.dat' index %u using 1:($3 < 0 ? 0 : $3):($4 > 100 ? 100 : $4) with filledcurves fc '%s' "
                                  "fs transparent solid 0.25 "
                                  "noborder notitle",
                               first ? "" : ", \\\n     ", f->name, s, fsi_plot_stack_colour(s));
      first = false;
    }
    for (guint s = 0; s < ns; s++) {
      if (!has[s]) continue;
      g_string_append_printf(g, ", \\\n     '%s.dat' index %u using 1:2 with linespoints lt %u title ", f->name, s, s + 1);
      gp_str(g, stack_name(p, s));
    }
    g_string_append_c(g, '\n');
    /* a script that starts with ", " when every band was left out */
    if (!any_ci) {
      char *at = strstr(g->str, "\nplot , \\\n     ");
      if (at) g_string_erase(g, (gssize)(at - g->str) + 6, (gssize)strlen(", \\\n     "));
    }
    ok = render(f, error);
  }
  g_free(span_s);
  g_free(bs);
  g_free(has);
  fig_free(f);
  return ok;
}

/* ---- free pages by order, a comparison ------------------------------------------------------ */

static bool fig_freepages_compare(Plot *p, guint w, GError **error) {
  guint ns = p->d->stacks->len, nseeds = p->d->seeds->len;
  char *name = fig_name(p, "freepages", w);
  char *title = fig_title(p, "Free memory by buddy order at the end", w);
  Fig *f = fig_new(p, name, "free memory by buddy order at the end of the run, mean and t-based 95% CI over seeds", title);
  g_free(title);
  g_free(name);
  bool ok = true;
  guint norders = 0;
  guint64 page = 0;
  GPtrArray *per_stack = g_ptr_array_new_with_free_func(g_free); /* double[nseeds * 32] per stack, NaN: none */
  for (guint s = 0; ok && s < ns; s++) {
    GPtrArray *dirs = run_dirs(p, w, s);
    double *v = g_new(double, nseeds * 32);
    for (guint i = 0; i < nseeds * 32; i++) v[i] = NAN;
    for (guint k = 0; ok && k < dirs->len; k++) {
      char *path = g_build_filename(dirs->pdata[k], "timeseries.csv", NULL);
      if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        note_missing(dirs->pdata[k], "timeseries.csv", f->name);
        g_free(path);
        continue;
      }
      GArray *rows = g_array_new(FALSE, FALSE, sizeof(double));
      int nc = read_series(path, NULL, "buddy_o", rows, NULL, error);
      ok = nc >= 0;
      guint64 pb = run_page_bytes(dirs->pdata[k]);
      if (!page) page = pb;
      if (ok && nc > 0 && rows->len >= (guint)nc + 1) {
        nc = MIN(nc, 32);
        norders = MAX(norders, (guint)nc);
        guint last = rows->len - (guint)nc - 1;
        for (int o = 0; o < nc; o++) {
          double pages = g_array_index(rows, double, last + 1 + o) * (double)(1ull << o);
          v[k * 32 + o] = page ? pages * (double)page / 1048576.0 : pages;
        }
      }
      g_array_unref(rows);
      g_free(path);
    }
    g_ptr_array_add(per_stack, v);
    g_ptr_array_unref(dirs);
  }
  if (ok) {
    Bar *bars = g_new(Bar, ns * MAX(norders, 1));
    char **labels = g_new0(char *, norders + 1);
    for (guint o = 0; o < norders; o++) labels[o] = g_strdup_printf("%u", o);
    double *col = g_new(double, nseeds + 1);
    for (guint s = 0; s < ns; s++)
      for (guint o = 0; o < norders; o++) {
        double *v = per_stack->pdata[s];
        for (guint k = 0; k < nseeds; k++) col[k] = v[k * 32 + o];
        FsiAgg a;
        fsi_agg_compute(col, nseeds, &a);
        bars[s * norders + o] = bar_of(&a);
      }
    g_free(col);
    char *source = g_strdup_printf("the last node-wide row (scope node) of each run's timeseries.csv: buddy_oN x 2^N pages, in %s",
                                   page ? "MiB" : "pages");
    if (!norders || !grouped_bars(f, norders, (const char *const *)labels, (const char *const *)labels, bars, false, false,
                                  "buddy order", page ? "free memory (MiB)" : "free memory (pages)", source))
      note("skipped %s: no time series with buddy_oN columns", f->name);
    else
      ok = render(f, error);
    g_free(source);
    g_strfreev(labels);
    g_free(bars);
  }
  g_ptr_array_unref(per_stack);
  fig_free(f);
  return ok;
}

/* ---- paired differences from the baseline ----------------------------------------------------- */

/* Per-seed values of a comparison: "w\ts\tmetric" -> double[nseeds] (NaN
 * where a run has none), from runs.csv, or from the runs' summary.csv
 * files when runs.csv is missing. */
typedef struct {
  Plot *p;
  const char *path;
  int c[5];
  GHashTable *vals;
} RunsReader;

static double *vals_slot(Plot *p, GHashTable *vals, guint w, guint s, const char *metric) {
  char *key = g_strdup_printf("%u\t%u\t%s", w, s, metric);
  double *v = g_hash_table_lookup(vals, key);
  if (!v) {
    v = g_new(double, p->d->seeds->len);
    for (guint i = 0; i < p->d->seeds->len; i++) v[i] = NAN;
    g_hash_table_insert(vals, key, v);
  } else {
    g_free(key);
  }
  return v;
}

static bool runs_row(guint line, guint nf, char **f, gpointer user, GError **error) {
  RunsReader *r = user;
  const char *names[] = {"workload", "stack", "seed", "metric", "value"};
  if (line == 1) {
    for (unsigned j = 0; j < 5; j++) {
      r->c[j] = -1;
      for (guint i = 0; i < nf; i++)
        if (f[i] && !strcmp(f[i], names[j])) r->c[j] = (int)i;
      if (r->c[j] < 0) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s has no column \"%s\"", r->path, names[j]);
        return false;
      }
    }
    return true;
  }
  const char *x[5];
  for (unsigned j = 0; j < 5; j++) x[j] = (guint)r->c[j] < nf ? f[r->c[j]] : NULL;
  if (!x[0] || !x[1] || !x[2] || !x[3]) return true;
  int w = index_of(r->p->d->workloads, x[0]), s = index_of(r->p->d->stacks, x[1]), k = -1;
  guint64 seed;
  if (g_ascii_string_to_unsigned(x[2], 10, 0, G_MAXUINT64, &seed, NULL))
    for (guint i = 0; i < r->p->d->seeds->len && k < 0; i++)
      if (g_array_index(r->p->d->seeds, guint64, i) == seed) k = (int)i;
  if (w < 0 || s < 0 || k < 0) return true; /* not of this design */
  double v;
  if (!fsi_parse_number(x[4], &v)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s line %u: value \"%s\" is not a number", r->path, line, x[4]);
    return false;
  }
  vals_slot(r->p, r->vals, (guint)w, (guint)s, x[3])[k] = v;
  return true;
}

static GHashTable *load_values(Plot *p, GError **error) {
  GHashTable *vals = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  char *path = g_build_filename(p->dir, "runs.csv", NULL);
  bool ok = true;
  if (g_file_test(path, G_FILE_TEST_EXISTS)) {
    RunsReader r = {p, path, {-1, -1, -1, -1, -1}, vals};
    ok = fsi_csv_read(path, runs_row, &r, error);
  } else {
    GArray *rows = fsi_compare_collect(p->d, p->dir, error);
    ok = rows != NULL;
    for (guint i = 0; ok && i < rows->len; i++) {
      FsiCompareRow *r = &g_array_index(rows, FsiCompareRow, i);
      if (r->values) memcpy(vals_slot(p, vals, r->w, r->s, r->metric), r->values, p->d->seeds->len * sizeof(double));
    }
    fsi_compare_rows_free(rows);
  }
  g_free(path);
  if (!ok) g_clear_pointer(&vals, g_hash_table_unref);
  return vals;
}

static bool fig_diff(Plot *p, guint w, GHashTable *vals, GError **error) {
  guint ns = p->d->stacks->len, nseeds = p->d->seeds->len;
  char *name = fig_name(p, "diff", w);
  if (ns < 2) {
    note("skipped %s: a paired difference needs a second stack", name);
    g_free(name);
    return true;
  }
  char **declared = fsi_workload_headline(p->d, p->dir, w);
  const char *const *headline = declared ? (const char *const *)declared : fsi_default_headline;
  /* the headline metrics the runs recorded, with their differences */
  GPtrArray *metrics = g_ptr_array_new();
  GArray *diffs = g_array_new(FALSE, FALSE, sizeof(FsiAgg)); /* (ns - 1) per metric */
  for (const char *const *h = headline; *h; h++) {
    if (index_of(metrics, *h) >= 0) continue;
    char *k0 = g_strdup_printf("%u\t0\t%s", w, *h);
    const double *base = g_hash_table_lookup(vals, k0);
    g_free(k0);
    if (!base) continue;
    bool any = false;
    for (guint s = 1; s < ns; s++) {
      char *k = g_strdup_printf("%u\t%u\t%s", w, s, *h);
      const double *x = g_hash_table_lookup(vals, k);
      g_free(k);
      FsiAgg d = {0, NAN, NAN, NAN, NAN};
      if (x) fsi_paired_diff(x, base, nseeds, &d);
      any |= d.n > 0;
      g_array_append_val(diffs, d);
    }
    if (any) g_ptr_array_add(metrics, (char *)*h);
    else g_array_set_size(diffs, diffs->len - (ns - 1));
  }
  bool ok = true;
  guint nm = metrics->len;
  if (!nm) {
    note("skipped %s: no headline metric has a value for both the baseline and another stack", name);
  } else {
    char *what = g_strdup_printf("Difference from %s, paired by seed", stack_name(p, 0));
    char *title = fig_title(p, what, w);
    Fig *f = fig_new_full(p, name,
                     "paired differences of the headline metrics from the baseline (the first stack): mean and "
                     "t-based 95% CI of the per-seed differences (the same seeds: common random numbers)",
                     title, true);
    g_free(what);
    g_free(title);
    double width_in = p->width / 96.0;
    guint nc = nm == 1 ? 1 : width_in < 5 ? 2 : MIN(nm, 3u), nr = (nm + nc - 1) / nc;
    /* panel rows share the page below the title and the key */
    double top = ((p->font_pt + 1) * 1.7 + p->font_pt * 1.7) / 72.0 / (p->height / 96.0);
    top = CLAMP(top, 0.08, 0.4);
    double ph = (1 - top) / nr, pw = 1.0 / nc;
    g_string_append(f->dat, "# one block per headline metric: row  mean_diff  ci95_lo  ci95_hi  n_pairs  stack\n"
                            "# (stack minus baseline, per seed, in the unit of the panel's title)\n");
    GString *g = f->gp;
    g_string_append_printf(g, "set multiplot title fig_title font ',%d'\nunset title\n"
                              "# one panel per headline metric: a dot per stack at the mean paired difference, whiskers its 95%% CI,\n"
                              "# dashed line at 0 (no difference)\nunset key\nset border 1\n"
                              "set tics out nomirror scale 0.5\nunset ytics\nset yrange [%u.6:0.4]\n"
                              "set lmargin 1.5\nset rmargin 1.5\nset tmargin 1.8\nset bmargin 2.2\nset grid xtics\n"
                              "set xtics font ',%d'\n",
                           p->font_pt + 1, ns - 1, MAX(p->font_pt - 1, 5));
    for (guint m = 0; m < nm; m++) {
      const char *metric = metrics->pdata[m];
      FsiMetricInfo info;
      fsi_metric_info(metric, &info);
      double div = 1, big = 0, lo = 0, hi = 0;
      const char *unit = NULL;
      for (guint s = 1; s < ns; s++) {
        FsiAgg *d = &g_array_index(diffs, FsiAgg, m * (ns - 1) + s - 1);
        if (isfinite(d->mean)) big = MAX(big, fabs(d->mean));
        if (isfinite(d->ci95_hi)) big = MAX(big, MAX(fabs(d->ci95_lo), fabs(d->ci95_hi)));
      }
      switch (info.unit) {
      case FSI_UNIT_NS:
        div = big < 1e6 ? 1e3 : big < 1e9 ? 1e6 : 1e9;
        unit = big < 1e6 ? "µs" : big < 1e9 ? "ms" : "s";
        break;
      case FSI_UNIT_PCT: unit = "% points"; break;
      case FSI_UNIT_X1000: unit = "×1000"; break;
      case FSI_UNIT_PAGES: unit = "pages"; break;
      case FSI_UNIT_COUNT: break;
      }
      g_string_append_printf(f->dat, "%s# %s\n", m ? "\n\n" : "", metric);
      for (guint s = 1; s < ns; s++) {
        FsiAgg *d = &g_array_index(diffs, FsiAgg, m * (ns - 1) + s - 1);
        double v[3] = {d->mean / div, d->ci95_lo / div, d->ci95_hi / div};
        g_string_append_printf(f->dat, "%u", s);
        for (int i = 0; i < 3; i++) {
          g_string_append_c(f->dat, ' ');
          num(f->dat, v[i]);
          if (isfinite(v[i])) {
            lo = MIN(lo, v[i]);
            hi = MAX(hi, v[i]);
          }
        }
        g_string_append_printf(f->dat, " %u %s\n", d->n, stack_name(p, s));
      }
      /* 0 always in view, and some room either side */
      double pad = (hi - lo) * 0.08;
      if (pad == 0) pad = 1;
      char *xl = fmt_num(lo - pad, "%.6g"), *xh = fmt_num(hi + pad, "%.6g");
      char *ox = fmt_num((m % nc) * pw, "%.5f"), *oy = fmt_num(1 - top - (m / nc + 1) * ph, "%.5f");
      char *sw = fmt_num(pw, "%.5f"), *sh = fmt_num(ph, "%.5f");
      g_string_append_printf(g, "\n# %s\nset origin %s,%s\nset size %s,%s\nset xrange [%s:%s]\n", metric, ox, oy, sw, sh,
                             xl, xh);
      g_free(xl);
      g_free(xh);
      g_free(ox);
      g_free(oy);
      g_free(sw);
      g_free(sh);
      char *label = unit ? g_strdup_printf("%s (%s)", info.label, unit) : g_strdup(info.label);
      g_string_append(g, "set title ");
      gp_str(g, label);
      g_string_append_printf(g, " font ',%d'\nset arrow 1 from first 0, graph 0 to first 0, graph 1 nohead back dt 2 lc rgb '#555555'\n"
                                "plot '%s.dat' index %u using 2:1:3:4:($1+1) with xerrorbars lc variable pt 7 ps 0.6 lw 1.5 notitle\n",
                             p->font_pt, f->name, m);
      g_free(label);
      g_free(info.label);
    }
    /* the key: one entry per stack, in a strip under the title */
    char *ky = fmt_num(1 - top * 0.55, "%.4f");
    g_string_append_printf(g, "\n# the key, under the title\nset origin 0,0\nset size 1,1\nunset arrow\nunset border\nunset tics\nunset grid\n"
                              "unset title\nset xrange [0:1]\nset yrange [0:1]\n"
                              "set key at screen 0.5,%s center center horizontal samplen 1 font ',%d'\nplot ",
                           ky, p->font_pt);
    g_free(ky);
    for (guint s = 1; s < ns; s++) {
      g_string_append_printf(g, "%sNaN with points lt %u pt 7 ps 0.8 title ", s > 1 ? ", " : "", s + 1);
      char *t = g_strdup_printf("%s − %s", stack_name(p, s), stack_name(p, 0));
      gp_str(g, t);
      g_free(t);
    }
    g_string_append(g, "\nunset multiplot\n");
    ok = render(f, error);
    fig_free(f);
  }
  g_free(name);
  g_strfreev(declared);
  g_ptr_array_unref(metrics);
  g_array_unref(diffs);
  return ok;
}

/* ---- making the figures ------------------------------------------------------------------ */

static bool wanted(Plot *p, const char *fig) { return !p->only || g_strv_contains((const char *const *)p->only, fig); }

bool fsi_plot_dir(const FsiPlotOptions *opt, GError **error) {
  GError *e = NULL;
  Plot p = {0};
  p.agg = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
  p.metrics = g_ptr_array_new_with_free_func(g_free);
  p.formats = g_ptr_array_new_with_free_func(g_free);
  p.times_s = g_array_new(FALSE, FALSE, sizeof(double));
  /* --column: a figure for one or both columns of a paper, at 96 pixels
   * an inch, with a font that reads at that size; --size and --font win */
  guint cw = 800, ch = 600;
  const char *cfont = "sans,11";
  if (opt->column && !strcmp(opt->column, "single")) cw = 336, ch = 250, cfont = "sans,8";
  else if (opt->column && !strcmp(opt->column, "double")) cw = 672, ch = 288, cfont = "sans,9";
  p.width = opt->width ? opt->width : cw;
  p.height = opt->height ? opt->height : ch;
  p.dir = g_strdup(opt->dir);
  p.font = g_strdup(opt->font ? opt->font : cfont);
  {
    const char *comma = strrchr(p.font, ',');
    guint64 pt = 0;
    p.font_pt = comma && g_ascii_string_to_unsigned(comma + 1, 10, 4, 200, &pt, NULL) ? (int)pt : 11;
  }
  for (guint i = 0; opt->formats && i < opt->formats->len; i++) g_ptr_array_add(p.formats, g_strdup(opt->formats->pdata[i]));
  if (!p.formats->len) g_ptr_array_add(p.formats, g_strdup("png"));
  if (opt->times_s) g_array_append_vals(p.times_s, opt->times_s->data, opt->times_s->len);
  if (opt->figures) p.only = g_strdupv(opt->figures);
  p.quiet = opt->quiet;
  p.made = opt->made;
  note_sink = opt->notes;

  char *ini = g_build_filename(p.dir, "compare.ini", NULL), *sum = g_build_filename(p.dir, "summary.csv", NULL);
  p.is_compare = g_file_test(ini, G_FILE_TEST_EXISTS);
  bool is_run = !p.is_compare && g_file_test(sum, G_FILE_TEST_EXISTS);
  g_free(ini);
  g_free(sum);
  if (!p.is_compare && !is_run) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_NOT_FOUND,
                "%s is neither a comparison (no compare.ini) nor a run directory (no summary.csv)", p.dir);
    goto out;
  }
  if (!(p.is_compare ? load_compare(&p, &e) : load_run(&p, &e))) goto out;
  p.outdir = opt->outdir ? g_strdup(opt->outdir) : g_build_filename(p.dir, "plots", NULL);
  if (g_mkdir_with_parents(p.outdir, 0777) != 0) {
    int saved = errno;
    g_set_error(&e, FSI_ERROR, FSI_ERROR_IO, "cannot create directory %s: %s", p.outdir, g_strerror(saved));
    goto out;
  }
  guint nw = p.d->workloads->len;
  bool ok = true;
  if (ok && wanted(&p, "success")) ok = p.is_compare ? fig_success_compare(&p, &e) : fig_success_run(&p, &e);
  for (guint w = 0; ok && w < nw && wanted(&p, "unusable"); w++) ok = fig_unusable(&p, w, &e);
  for (guint w = 0; ok && w < nw && wanted(&p, "phases"); w++) ok = fig_phases(&p, w, &e);
  for (guint w = 0; ok && w < nw && wanted(&p, "success-time"); w++) ok = fig_success_time(&p, w, &e);
  if (ok && wanted(&p, "freepages") && !p.is_compare) ok = fig_freepages(&p, &e);
  for (guint w = 0; ok && w < nw && wanted(&p, "freepages") && p.is_compare; w++) ok = fig_freepages_compare(&p, w, &e);
  for (guint w = 0; ok && w < nw && wanted(&p, "pageblocks"); w++) ok = fig_pageblocks(&p, w, &e);
  for (guint w = 0; ok && w < nw && wanted(&p, "latency"); w++) ok = fig_latency(&p, w, &e);
  for (guint w = 0; ok && w < nw && wanted(&p, "work"); w++) ok = fig_work(&p, w, &e);
  if (ok && p.is_compare && wanted(&p, "diff")) {
    GHashTable *vals = load_values(&p, &e);
    ok = vals != NULL;
    for (guint w = 0; ok && w < nw; w++) ok = fig_diff(&p, w, vals, &e);
    if (vals) g_hash_table_unref(vals);
  }
  if (!ok) goto out;
  if (!p.written) note("no figures written: nothing to plot in %s", p.dir);
out:;
  note_sink = NULL;
  bool ret = e == NULL;
  if (e) g_propagate_error(error, e);
  g_free(p.dir);
  g_free(p.outdir);
  g_free(p.font);
  g_strfreev(p.only);
  fsi_design_free(p.d);
  g_hash_table_unref(p.agg);
  g_ptr_array_unref(p.metrics);
  g_ptr_array_unref(p.formats);
  g_array_unref(p.times_s);
  return ret;
}
