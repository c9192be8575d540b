/* Tests for `fragsim plot`: every figure of a comparison and of a run
 * exists, is non-empty and has the size asked for (PNG IHDR, SVG width and
 * height, PDF MediaBox); the scripts written beside the figures re-run on
 * their own; stacks keep their colour across figures; and a failing
 * gnuplot (an error script, `false`, a missing program) gives a non-zero
 * exit with gnuplot's message and leaves no figure, whole or partial. */
#include "plotting/plot.h"

#include "engine/core/error.h"
#include "fragsim-config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "helpers.h"

static char *tmp_root;

static char *tmp_path(const char *name) { return g_build_filename(tmp_root, name, NULL); }

/* fragsim with $FRAGSIM_GNUPLOT set to gnuplot. */
static int fragsim_gnuplot(const char *const *args, const char *gnuplot, char **ret_out, char **ret_err) {
  g_autofree char *var = g_strconcat("FRAGSIM_GNUPLOT=", gnuplot, NULL);
  const char *env[] = {var, NULL};
  return ft_fragsim(args, env, ret_out, ret_err);
}

static bool have_gnuplot(void) {
  char *p = g_find_program_in_path(fsi_plot_gnuplot());
  bool ok = p != NULL;
  g_free(p);
  if (!ok) g_test_skip("gnuplot not found");
  return ok;
}

/* A small comparison (two stacks, two seeds), made once. */
static const char *comparison(void) {
  static char *dir;
  if (!dir) {
    dir = tmp_path("cmp");
    const char *args[] = {"compare", "-w", "churn", "-p", "vanilla", "-p", "nogroup", "-r", "2", "-j2", "-q",
                          "--set", "sim.duration=3s", "--set", "machine.memory=256M", "-o", dir, NULL};
    g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  }
  return dir;
}

static guint32 be32(const guchar *p) { return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3]; }

/* The figure exists, is not empty and has the asked size. */
static void assert_figure(const char *dir, const char *stem, const char *fmt, guint w, guint h) {
  char *name = g_strdup_printf("%s.%s", stem, fmt);
  char *path = g_build_filename(dir, name, NULL);
  char *data = NULL;
  gsize len = 0;
  GError *e = NULL;
  if (!g_file_get_contents(path, &data, &len, &e)) g_error("%s: %s", path, e->message);
  g_assert_cmpuint(len, >, 100);
  if (!strcmp(fmt, "png")) {
    /* signature, then the IHDR chunk: length, "IHDR", width, height */
    g_assert_cmpmem(data, 8, "\x89PNG\r\n\x1a\n", 8);
    g_assert_cmpmem(data + 12, 4, "IHDR", 4);
    g_assert_cmpuint(be32((guchar *)data + 16), ==, w);
    g_assert_cmpuint(be32((guchar *)data + 20), ==, h);
  } else if (!strcmp(fmt, "svg")) {
    const char *svg = strstr(data, "<svg");
    g_assert_nonnull(svg);
    const char *end = strchr(svg, '>');
    g_assert_nonnull(end);
    char *tag = g_strndup(svg, end - svg);
    char *ws = g_strdup_printf("width=\"%u\"", w), *hs = g_strdup_printf("height=\"%u\"", h);
    g_assert_nonnull(strstr(tag, ws));
    g_assert_nonnull(strstr(tag, hs));
    g_free(ws);
    g_free(hs);
    g_free(tag);
  } else {
    /* PDF: 96 pixels an inch, 72 points an inch */
    g_assert_cmpmem(data, 5, "%PDF-", 5);
    char *box = g_strdup_printf("/MediaBox [ 0 0 %u %u ]", w * 3 / 4, h * 3 / 4);
    g_assert_nonnull(memmem(data, len, box, strlen(box))); /* binary: not g_strstr_len */
    g_free(box);
  }
  g_free(data);
  g_free(path);
  g_free(name);
}

static void assert_script_and_data(const char *dir, const char *stem) {
  char *gp = g_strdup_printf("%s/%s.gp", dir, stem), *dat = g_strdup_printf("%s/%s.dat", dir, stem);
  g_assert_true(g_file_test(gp, G_FILE_TEST_IS_REGULAR));
  g_assert_true(g_file_test(dat, G_FILE_TEST_IS_REGULAR));
  g_free(gp);
  g_free(dat);
}

/* Nothing but finished figures, scripts and data: no temporaries. */
static void assert_no_temporaries(const char *dir) {
  GDir *d = g_dir_open(dir, 0, NULL);
  if (!d) return;
  const char *n;
  while ((n = g_dir_read_name(d))) {
    if (strstr(n, ".tmp-")) g_error("temporary left behind: %s/%s", dir, n);
  }
  g_dir_close(d);
}

static guint count_suffix(const char *dir, const char *suffix) {
  GDir *d = g_dir_open(dir, 0, NULL);
  guint n = 0;
  if (!d) return 0;
  const char *name;
  while ((name = g_dir_read_name(d))) n += g_str_has_suffix(name, suffix);
  g_dir_close(d);
  return n;
}

/* ---- unit --------------------------------------------------------------------- */

static void test_options(void) {
  guint w = 0, h = 0;
  GError *e = NULL;
  g_assert_true(fsi_plot_parse_size("640x480", &w, &h, &e));
  g_assert_cmpuint(w, ==, 640);
  g_assert_cmpuint(h, ==, 480);
  const char *bad[] = {"640", "640x", "x480", "640x480x2", "10x10", "640X480", "-640x480", ""};
  for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_assert_false(fsi_plot_parse_size(bad[i], &w, &h, &e));
    g_assert_error(e, FSI_ERROR, FSI_ERROR_CONFIG);
    g_assert_nonnull(strstr(e->message, "--size"));
    g_clear_error(&e);
  }
  GPtrArray *f = g_ptr_array_new_with_free_func(g_free);
  g_assert_true(fsi_plot_parse_formats("svg, png,svg", f, &e));
  g_assert_cmpuint(f->len, ==, 2);
  g_assert_cmpstr(f->pdata[0], ==, "svg");
  g_assert_cmpstr(f->pdata[1], ==, "png");
  g_ptr_array_set_size(f, 0);
  g_assert_false(fsi_plot_parse_formats("png,eps", f, &e));
  g_assert_error(e, FSI_ERROR, FSI_ERROR_CONFIG);
  g_assert_nonnull(strstr(e->message, "\"eps\""));
  g_clear_error(&e);
  g_ptr_array_unref(f);

  /* eight distinct colours, then the same again (told apart by dashes) */
  for (guint i = 0; i < 8; i++)
    for (guint j = 0; j < i; j++) g_assert_cmpstr(fsi_plot_stack_colour(i), !=, fsi_plot_stack_colour(j));
  g_assert_cmpstr(fsi_plot_stack_colour(8), ==, fsi_plot_stack_colour(0));
  g_assert_cmpstr(fsi_plot_stack_colour(0), ==, "#0072B2");
}

/* ---- figures -------------------------------------------------------------------- */

static const char *const compare_figs[] = {"success",          "unusable-churn", "success-time-churn", "freepages-churn",
                                           "pageblocks-churn", "latency-churn",  "work-churn",         "diff-churn"};

static void test_compare_figures(void) {
  if (!have_gnuplot()) return;
  const char *dir = comparison();
  char *out_dir = tmp_path("figs-all"), *out = NULL, *err = NULL;
  const char *args[] = {"plot", dir, "--format", "png,svg,pdf", "--size", "640x480", "-o", out_dir, NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, &out, &err), ==, 0);
  for (unsigned i = 0; i < G_N_ELEMENTS(compare_figs); i++) {
    const char *fmts[] = {"png", "svg", "pdf"};
    for (unsigned k = 0; k < 3; k++) {
      assert_figure(out_dir, compare_figs[i], fmts[k], 640, 480);
      char *line = g_strdup_printf("%s/%s.%s\n", out_dir, compare_figs[i], fmts[k]);
      g_assert_nonnull(strstr(out, line));
      g_free(line);
    }
    assert_script_and_data(out_dir, compare_figs[i]);
  }
  /* freepages is a figure of a run, not of a comparison */
  char *fp = g_build_filename(out_dir, "freepages.png", NULL);
  g_assert_false(g_file_test(fp, G_FILE_TEST_EXISTS));
  g_free(fp);
  /* our scripts make gnuplot say nothing */
  g_assert_null(strstr(err, "gnuplot says"));
  assert_no_temporaries(out_dir);
  g_free(out);
  g_free(err);
  g_free(out_dir);
}

static void test_default_location(void) {
  if (!have_gnuplot()) return;
  const char *dir = comparison();
  const char *args[] = {"plot", dir, "--figures", "success,work", NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  char *plots = g_build_filename(dir, "plots", NULL);
  assert_figure(plots, "success", "png", 800, 600);
  assert_figure(plots, "work-churn", "png", 800, 600);
  g_assert_cmpuint(count_suffix(plots, ".png"), ==, 2);
  g_free(plots);
}

static void test_run_figures(void) {
  if (!have_gnuplot()) return;
  const char *dir = comparison();
  char *run = g_build_filename(dir, "runs", "churn", "nogroup", "s2", NULL);
  char *out_dir = tmp_path("figs-run");
  const char *args[] = {"plot", run, "-o", out_dir, "--size", "1024x512", "--times", "0,end", NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  const char *figs[] = {"success", "unusable", "success-time", "freepages", "pageblocks", "latency", "work"};
  for (unsigned i = 0; i < G_N_ELEMENTS(figs); i++) {
    assert_figure(out_dir, figs[i], "png", 1024, 512);
    assert_script_and_data(out_dir, figs[i]);
  }
  /* the run's single stack gets the first colour */
  char *gp = g_build_filename(out_dir, "unusable.gp", NULL), *text = NULL;
  g_assert_true(g_file_get_contents(gp, &text, NULL, NULL));
  g_assert_nonnull(strstr(text, "set linetype 1 lc rgb '#0072B2'"));
  g_free(text);
  g_free(gp);
  assert_no_temporaries(out_dir);
  g_free(out_dir);
  g_free(run);
}

/* The node-wide rows of timeseries.csv are those of scope "node"; a run
 * written before the scope column (zone, with "Node" rows) plots the same. */
static void test_timeseries_old_format(void) {
  if (!have_gnuplot()) return;
  const char *dir = comparison();
  char *run = g_build_filename(dir, "runs", "churn", "vanilla", "s1", NULL);
  char *old = tmp_path("old-run");
  g_assert_cmpint(g_mkdir_with_parents(old, 0777), ==, 0);
  const char *copy[] = {"run.ini", "summary.csv"};
  for (unsigned i = 0; i < G_N_ELEMENTS(copy); i++) {
    char *text = ft_read_in(run, copy[i]);
    g_free(ft_write_in(old, copy[i], text));
    g_free(text);
  }
  char *ts = ft_read_in(run, "timeseries.csv");
  g_assert_true(g_str_has_prefix(ts, "time_ns,scope,"));
  char **lines = g_strsplit(ts, "\n", -1);
  GString *conv = g_string_new(NULL);
  guint node_rows = 0;
  for (char **l = lines; *l && **l; l++) {
    char **f = g_strsplit(*l, ",", 3);
    g_assert_nonnull(f[1]);
    const char *scope = l == lines ? "zone" : !strcmp(f[1], "node") ? "Node" : f[1];
    node_rows += !strcmp(f[1], "node");
    g_string_append_printf(conv, "%s,%s,%s\n", f[0], scope, f[2]);
    g_strfreev(f);
  }
  g_assert_cmpuint(node_rows, >=, 3);
  g_free(ft_write_in(old, "timeseries.csv", conv->str));
  g_string_free(conv, TRUE);
  g_strfreev(lines);
  g_free(ts);
  char *figs_new = tmp_path("figs-new-ts"), *figs_old = tmp_path("figs-old-ts");
  const char *a[] = {"plot", run, "--figures", "unusable,freepages", "-o", figs_new, NULL};
  const char *b[] = {"plot", old, "--figures", "unusable,freepages", "-o", figs_old, NULL};
  g_assert_cmpint(ft_fragsim(a, NULL, NULL, NULL), ==, 0);
  g_assert_cmpint(ft_fragsim(b, NULL, NULL, NULL), ==, 0);
  const char *dats[] = {"unusable.dat", "freepages.dat"};
  for (unsigned i = 0; i < G_N_ELEMENTS(dats); i++) {
    char *x = ft_read_in(figs_new, dats[i]), *y = ft_read_in(figs_old, dats[i]);
    g_assert_cmpstr(x, ==, y);
    /* and the data is there: a line per sample, not an empty figure */
    g_assert_cmpuint(strlen(x), >, 100);
    g_free(x);
    g_free(y);
  }
  g_free(figs_new);
  g_free(figs_old);
  g_free(old);
  g_free(run);
}

/* The same stack has the same colour in every figure. */
static void test_colours_consistent(void) {
  if (!have_gnuplot()) return;
  const char *dir = comparison();
  char *out_dir = tmp_path("figs-colour");
  const char *args[] = {"plot", dir, "-o", out_dir, NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  for (unsigned i = 0; i < G_N_ELEMENTS(compare_figs); i++) {
    char *gp = g_strdup_printf("%s/%s.gp", out_dir, compare_figs[i]), *text = NULL;
    g_assert_true(g_file_get_contents(gp, &text, NULL, NULL));
    g_assert_nonnull(strstr(text, "set linetype 1 lc rgb '#0072B2' lw 2 pt 7 ps 0.6 dt 1   # vanilla\n"));
    g_assert_nonnull(strstr(text, "set linetype 2 lc rgb '#D55E00' lw 2 pt 7 ps 0.6 dt 1   # nogroup\n"));
    g_free(text);
    g_free(gp);
  }
  g_free(out_dir);
}

/* A user edits a script and re-runs it with nothing but gnuplot. */
static void test_scripts_rerun(void) {
  if (!have_gnuplot()) return;
  const char *dir = comparison();
  char *out_dir = tmp_path("figs-rerun");
  const char *args[] = {"plot", dir, "-o", out_dir, NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  for (unsigned i = 0; i < G_N_ELEMENTS(compare_figs); i++) {
    char *earg = g_strdup_printf("fmt='svg'; out='again-%s.svg'", compare_figs[i]);
    char *gp = g_strdup_printf("%s.gp", compare_figs[i]);
    char *argv[] = {(char *)fsi_plot_gnuplot(), "-e", earg, gp, NULL};
    gint status = 1;
    char *err = NULL;
    GError *e = NULL;
    g_assert_true(g_spawn_sync(out_dir, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL,
                               &err, &status, &e));
    g_assert_no_error(e);
    if (!g_spawn_check_wait_status(status, NULL)) g_error("gnuplot %s: %s", gp, err);
    char *stem = g_strdup_printf("again-%s", compare_figs[i]);
    assert_figure(out_dir, stem, "svg", 800, 600);
    g_free(stem);
    g_free(err);
    g_free(gp);
    g_free(earg);
  }
  g_free(out_dir);
}

/* A cluster comparison before --collect: plot aggregates the runs itself,
 * and says which run is missing when one is. */
static void test_not_collected(void) {
  if (!have_gnuplot()) return;
  char *dir = tmp_path("uncollected"), *err = NULL;
  for (int n = 0; n < 2; n++) {
    char *num = g_strdup_printf("%d", n);
    const char *run[] = {"compare", "-w", "churn", "-p", "vanilla", "-r", "2", "--set", "sim.duration=1s",
                         "--set", "machine.memory=128M", "-o", dir, "-q", "--run", num, NULL};
    g_assert_cmpint(ft_fragsim(run, NULL, NULL, NULL), ==, 0);
    g_free(num);
    const char *plot[] = {"plot", dir, "--figures", "success", NULL};
    int rc = ft_fragsim(plot, NULL, NULL, &err);
    if (n == 0) {
      g_assert_cmpint(rc, !=, 0);
      g_assert_nonnull(strstr(err, "compare.csv is missing and cannot be rebuilt"));
      g_assert_nonnull(strstr(err, "run numbers 1"));
    } else {
      g_assert_cmpint(rc, ==, 0);
      char *plots = g_build_filename(dir, "plots", NULL);
      assert_figure(plots, "success", "png", 800, 600);
      g_free(plots);
    }
    g_free(err);
  }
  char *csv = g_build_filename(dir, "compare.csv", NULL);
  g_assert_false(g_file_test(csv, G_FILE_TEST_EXISTS)); /* plot reads, never writes results */
  g_free(csv);
  g_free(dir);
}

/* ---- figures a paper can use ------------------------------------------------------ */

/* A comparison whose workload has phases and huge requests, so that every
 * figure has something to show (stress-highalloc: pass1, pass2, rest). */
static const char *phased_comparison(void) {
  static char *dir;
  if (!dir) {
    dir = tmp_path("cmp-phases");
    const char *args[] = {"compare", "-w", "stress-highalloc", "-p", "vanilla", "-p", "linux-6.1", "-r", "2", "-j2", "-q",
                          "--set", "machine.memory=128M", "-o", dir, NULL};
    g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  }
  return dir;
}


static char *run_tool(const char *const *argv, const char *cwd) {
  char *out = NULL, *err = NULL;
  gint status = 1;
  GError *e = NULL;
  g_assert_true(g_spawn_sync(cwd, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err, &status, &e));
  g_assert_no_error(e);
  if (!g_spawn_check_wait_status(status, NULL)) g_error("%s failed: %s", argv[0], err);
  g_free(err);
  return out;
}

/* Runs of white space as one space, trimmed: pdftotext breaks lines where it likes. */
static char *squeeze(const char *s) {
  GString *o = g_string_new(NULL);
  bool space = false;
  for (; *s; s++) {
    if (g_ascii_isspace(*s)) {
      space = o->len > 0;
      continue;
    }
    if (space) g_string_append_c(o, ' ');
    space = false;
    g_string_append_c(o, *s);
  }
  return g_string_free(o, FALSE);
}

/* The title a script gives its figure: its fig_title = '...' line. */
static char *script_title(const char *dir, const char *stem) {
  char *name = g_strdup_printf("%s.gp", stem);
  char *text = ft_read_in(dir, name);
  const char *at = strstr(text, "\nfig_title = '");
  g_assert_nonnull(at);
  at += strlen("\nfig_title = '");
  GString *t = g_string_new(NULL);
  for (; *at && *at != '\n'; at++) {
    if (*at == '\'') {
      if (at[1] != '\'') break;
      at++;
    }
    g_string_append_c(t, *at);
  }
  g_free(text);
  g_free(name);
  return g_string_free(t, FALSE);
}

/* Share of the pixels of a PGM (P5, 8 bit) that are not near-white. */
static double ink_share(const char *path) {
  char *data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  guint w = 0, h = 0, max = 0;
  int used = 0;
  g_assert_cmpint(sscanf(data, "P5 %u %u %u%n", &w, &h, &max, &used), ==, 3);
  g_assert_cmpuint(max, ==, 255);
  const guchar *px = (const guchar *)data + used + 1;
  g_assert_cmpuint(len, >=, (gsize)used + 1 + (gsize)w * h);
  guint64 ink = 0;
  for (gsize i = 0; i < (gsize)w * h; i++) ink += px[i] < 200;
  g_free(data);
  return (double)ink / ((double)w * h);
}

/* Every figure of a comparison, as a single-column PDF: converted to PNG
 * it is a real picture (not blank, not all ink), and its text has the
 * title the script gives it, which names the workload. */
static void test_paper_figures(void) {
  if (!have_gnuplot()) return;
  /* poppler's tools are in scripts/deps.sh: without them this test fails
   * rather than skips, so a figure nobody looked at never passes */
  char *pdftoppm = g_find_program_in_path("pdftoppm"), *pdftotext = g_find_program_in_path("pdftotext");
  if (!pdftoppm || !pdftotext) {
    g_test_fail_printf("%s not found: install poppler-utils (run scripts/deps.sh)", !pdftoppm ? "pdftoppm" : "pdftotext");
    g_free(pdftoppm);
    g_free(pdftotext);
    return;
  }
  const char *dir = phased_comparison();
  char *out_dir = tmp_path("figs-paper"), *out = NULL, *err = NULL;
  const char *args[] = {"plot", dir, "--format", "pdf", "--column", "single", "-o", out_dir, NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, &out, &err), ==, 0);
  g_assert_null(strstr(err, "skipped"));
  g_assert_null(strstr(err, "gnuplot says"));
  for (const char *const *fig = fsi_plot_figures; *fig; fig++) {
    char *stem = !strcmp(*fig, "success") ? g_strdup(*fig) : g_strdup_printf("%s-stress-highalloc", *fig);
    g_test_message("figure %s", stem);
    char *pdf = g_strdup_printf("%s.pdf", stem), *line = g_strdup_printf("%s/%s\n", out_dir, pdf);
    g_assert_nonnull(strstr(out, line));
    /* single column: 3.5 in (252 pt) wide */
    char *pdf_path = g_build_filename(out_dir, pdf, NULL), *data = NULL;
    gsize len = 0;
    g_assert_true(g_file_get_contents(pdf_path, &data, &len, NULL));
    const char *box = "/MediaBox [ 0 0 252 187 ]"; /* 3.5 x 2.6 in, in points */
    g_assert_nonnull(memmem(data, len, box, strlen(box)));
    g_free(data);
    g_free(pdf_path);
    /* to PNG, as a reader's viewer would show it */
    const char *png_argv[] = {pdftoppm, "-png", "-r", "150", "-singlefile", pdf, stem, NULL};
    g_free(run_tool(png_argv, out_dir));
    char *png = g_strdup_printf("%s/%s.png", out_dir, stem);
    GStatBuf st;
    g_assert_cmpint(g_stat(png, &st), ==, 0);
    g_assert_cmpint(st.st_size, >, 5000);
    /* not blank: some ink, and not a page of it */
    const char *pgm_argv[] = {pdftoppm, "-gray", "-r", "50", "-singlefile", pdf, stem, NULL};
    g_free(run_tool(pgm_argv, out_dir));
    char *pgm = g_strdup_printf("%s/%s.pgm", out_dir, stem);
    double ink = ink_share(pgm);
    g_test_message("%s: %.1f%% ink", stem, 100 * ink);
    g_assert_cmpfloat(ink, >, 0.02);
    g_assert_cmpfloat(ink, <, 0.9);
    /* the title, as text in the PDF */
    char *title = script_title(out_dir, stem);
    g_assert_cmpuint(strlen(title), >, 10);
    if (strcmp(*fig, "success")) g_assert_nonnull(strstr(title, "(stress-highalloc)"));
    const char *text_argv[] = {pdftotext, "-enc", "UTF-8", pdf, "-", NULL};
    char *text = run_tool(text_argv, out_dir);
    char *flat = squeeze(text), *want = squeeze(title);
    if (!strstr(flat, want)) g_error("%s: title \"%s\" not in its text: %s", pdf, want, flat);
    g_free(flat);
    g_free(want);
    g_free(text);
    g_free(title);
    g_free(pgm);
    g_free(png);
    g_free(line);
    g_free(pdf);
    g_free(stem);
  }
  assert_no_temporaries(out_dir);
  g_free(out);
  g_free(err);
  g_free(out_dir);
  g_free(pdftoppm);
  g_free(pdftotext);
}

/* The scripts and data are the same bytes for the same inputs (a figure
 * can be diffed, and regenerated for a camera-ready without surprises). */
static void test_deterministic(void) {
  if (!have_gnuplot()) return;
  const char *dir = phased_comparison();
  char *d1 = tmp_path("figs-det1"), *d2 = tmp_path("figs-det2");
  const char *a1[] = {"plot", dir, "--format", "svg", "--column", "double", "-o", d1, NULL};
  const char *a2[] = {"plot", dir, "--format", "svg", "--column", "double", "-o", d2, NULL};
  g_assert_cmpint(ft_fragsim(a1, NULL, NULL, NULL), ==, 0);
  g_assert_cmpint(ft_fragsim(a2, NULL, NULL, NULL), ==, 0);
  GDir *d = g_dir_open(d1, 0, NULL);
  g_assert_nonnull(d);
  const char *n;
  guint files = 0;
  while ((n = g_dir_read_name(d))) {
    if (!g_str_has_suffix(n, ".gp") && !g_str_has_suffix(n, ".dat")) continue;
    char *x = ft_read_in(d1, n), *y = ft_read_in(d2, n);
    if (strcmp(x, y)) g_error("%s differs between two runs of plot", n);
    g_free(x);
    g_free(y);
    files++;
  }
  g_dir_close(d);
  g_assert_cmpuint(files, ==, 2 * (g_strv_length((char **)fsi_plot_figures)));
  g_free(d1);
  g_free(d2);
}

/* ---- gnuplot failing ------------------------------------------------------------------ */

static void assert_failed_cleanly(const char *out_dir, const char *err) {
  g_assert_nonnull(strstr(err, "fragsim: plot: "));
  g_assert_cmpuint(count_suffix(out_dir, ".png"), ==, 0);
  g_assert_cmpuint(count_suffix(out_dir, ".svg"), ==, 0);
  assert_no_temporaries(out_dir);
}

static void test_gnuplot_error_script(void) {
  const char *dir = comparison();
  /* writes half a figure to where it was told, complains and fails, as
   * gnuplot does on a script error part-way through */
  char *fake = tmp_path("fake-gnuplot.sh");
  const char *script = "#!/bin/sh\n"
                       "for a in \"$@\"; do case \"$a\" in *out=*) out=$(printf '%s' \"$a\" | sed \"s/.*out='\\([^']*\\)'.*/\\1/\");; "
                       "esac; done\n"
                       "[ -n \"$out\" ] && printf 'half a figure' > \"$out\"\n"
                       "echo '\"success.gp\" line 12: simulated gnuplot failure' >&2\n"
                       "exit 1\n";
  g_assert_true(g_file_set_contents(fake, script, -1, NULL));
  g_assert_cmpint(g_chmod(fake, 0755), ==, 0);
  char *out_dir = tmp_path("figs-fail"), *err = NULL;
  const char *args[] = {"plot", dir, "--format", "png,svg", "-o", out_dir, NULL};
  g_assert_cmpint(fragsim_gnuplot(args, fake, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "simulated gnuplot failure"));
  g_assert_nonnull(strstr(err, "success.gp"));
  g_assert_nonnull(strstr(err, "exited with code 1"));
  assert_failed_cleanly(out_dir, err);
  g_free(err);
  g_free(out_dir);
  g_free(fake);
}

static void test_gnuplot_false(void) {
  const char *dir = comparison();
  char *out_dir = tmp_path("figs-false"), *err = NULL;
  const char *args[] = {"plot", dir, "-o", out_dir, NULL};
  g_assert_cmpint(fragsim_gnuplot(args, "false", NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "gnuplot (false) failed"));
  assert_failed_cleanly(out_dir, err);
  g_free(err);
  g_free(out_dir);
}

static void test_gnuplot_missing(void) {
  const char *dir = comparison();
  char *out_dir = tmp_path("figs-missing"), *err = NULL;
  const char *args[] = {"plot", dir, "-o", out_dir, NULL};
  g_assert_cmpint(fragsim_gnuplot(args, "/nonexistent/gnuplot", NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "cannot run gnuplot (/nonexistent/gnuplot)"));
  g_assert_nonnull(strstr(err, "FRAGSIM_GNUPLOT"));
  assert_failed_cleanly(out_dir, err);
  g_free(err);
  g_free(out_dir);
}

/* A figure that fails leaves an earlier, complete one of the same name
 * alone rather than truncating it. */
static void test_failure_keeps_old_figure(void) {
  if (!have_gnuplot()) return;
  const char *dir = comparison();
  char *out_dir = tmp_path("figs-keep");
  const char *args[] = {"plot", dir, "--figures", "success", "-o", out_dir, NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  char *png = g_build_filename(out_dir, "success.png", NULL), *before = NULL, *after = NULL;
  gsize n1 = 0, n2 = 0;
  g_assert_true(g_file_get_contents(png, &before, &n1, NULL));
  g_assert_cmpint(fragsim_gnuplot(args, "false", NULL, NULL), !=, 0);
  g_assert_true(g_file_get_contents(png, &after, &n2, NULL));
  g_assert_cmpmem(before, n1, after, n2);
  assert_no_temporaries(out_dir);
  g_free(before);
  g_free(after);
  g_free(png);
  g_free(out_dir);
}

static void test_errors(void) {
  char *err = NULL;
  char *nowhere = tmp_path("not-a-result");
  g_assert_cmpint(g_mkdir_with_parents(nowhere, 0777), ==, 0);
  const char *a1[] = {"plot", nowhere, NULL};
  g_assert_cmpint(ft_fragsim(a1, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "fragsim: plot: "));
  g_assert_nonnull(strstr(err, "neither a comparison (no compare.ini) nor a run directory (no summary.csv)"));
  g_free(err);
  const char *dir = comparison();
  const char *a2[] = {"plot", dir, "--figures", "success,histogram", NULL};
  g_assert_cmpint(ft_fragsim(a2, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "--figures: unknown figure \"histogram\""));
  g_free(err);
  const char *a3[] = {"plot", dir, "--size", "big", NULL};
  g_assert_cmpint(ft_fragsim(a3, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "fragsim: plot: --size: \"big\""));
  g_free(err);
  const char *a4[] = {"plot", NULL};
  g_assert_cmpint(ft_fragsim(a4, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "fragsim: plot: which directory?"));
  g_free(err);
  const char *a5[] = {"plot", dir, "--times", "soon", NULL};
  g_assert_cmpint(ft_fragsim(a5, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "--times: \"soon\""));
  g_free(err);
  const char *a6[] = {"plot", dir, "--column", "triple", NULL};
  g_assert_cmpint(ft_fragsim(a6, NULL, NULL, &err), !=, 0);
  g_assert_nonnull(strstr(err, "fragsim: plot: --column: \"triple\" is neither single nor double"));
  g_free(err);
  g_free(nowhere);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tmp_root = ft_tmpdir("fragsim-plot");
  g_test_add_func("/plot/options", test_options);
  g_test_add_func("/plot/compare/every-figure-and-format", test_compare_figures);
  g_test_add_func("/plot/compare/default-location", test_default_location);
  g_test_add_func("/plot/compare/colours-consistent", test_colours_consistent);
  g_test_add_func("/plot/compare/scripts-rerun", test_scripts_rerun);
  g_test_add_func("/plot/compare/not-collected", test_not_collected);
  g_test_add_func("/plot/compare/paper-figures", test_paper_figures);
  g_test_add_func("/plot/compare/deterministic", test_deterministic);
  g_test_add_func("/plot/run/every-figure", test_run_figures);
  g_test_add_func("/plot/run/timeseries-old-format", test_timeseries_old_format);
  g_test_add_func("/plot/gnuplot/error-script", test_gnuplot_error_script);
  g_test_add_func("/plot/gnuplot/false", test_gnuplot_false);
  g_test_add_func("/plot/gnuplot/missing", test_gnuplot_missing);
  g_test_add_func("/plot/gnuplot/keeps-old-figure", test_failure_keeps_old_figure);
  g_test_add_func("/plot/errors", test_errors);
  int rc = g_test_run();
  ft_rm_tree(tmp_root);
  g_free(tmp_root);
  return rc;
}
