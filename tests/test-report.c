/* Tests for `fragsim report DIR` (docs/report.md): on a small comparison
 * the page is one self-contained file (nothing loaded from anywhere: no
 * src=, no href= but #anchors and data: URIs, no scripts, no stylesheets
 * to fetch), is byte-identical when made again, holds every cell of
 * table.md, one <svg> per figure `fragsim plot` draws with ids unique
 * across the page and every #reference resolving, the settings and the
 * versions, text from the files HTML-escaped; and headless Chromium
 * (Debian's `chromium`, installed by scripts/deps.sh) loads it with exit
 * 0, the title in its DOM and no console message on stderr. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/wait.h>

#include "fragsim-config.h"
#include "helpers.h"

static char *tmp_root;

/* Text the runs record that needs escaping: a --set value with markup in
 * it reaches compare.ini, every run.ini and the page's design line. */
#define EVIL "<i>a&b</i>"

/* A small comparison (one workload with phases, two stacks, three seeds),
 * made once, and its report. */
static const char *comparison(void) {
  static char *dir;
  if (!dir) {
    dir = g_build_filename(tmp_root, "cmp", NULL);
    const char *args[] = {"compare", "-w", "stress-highalloc", "-p", "vanilla", "-p", "linux-6.1", "-r", "3", "-q",
                          "--set", "machine.memory=256M", "--set", "workload.description=" EVIL, "-o", dir, NULL};
    g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  }
  return dir;
}

static char *report_path(void) { return g_build_filename(comparison(), "report", "index.html", NULL); }

static const char *report(void) {
  static char *html;
  if (!html) {
    const char *args[] = {"report", comparison(), NULL};
    char *out = NULL, *err = NULL;
    int rc = ft_fragsim(args, NULL, &out, &err);
    if (rc != 0) g_error("fragsim report exited %d: %s", rc, err);
    char *path = report_path();
    ft_assert_has(out, path); /* it says where the page is */
    html = ft_read(path);
    g_free(path);
    g_free(out);
    g_free(err);
  }
  return html;
}

static guint count(const char *hay, const char *needle) {
  guint n = 0;
  for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
  return n;
}

/* The value of every attribute `name` (name="v" or name='v'), in order. */
static GPtrArray *attr_values(const char *html, const char *name) {
  GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
  size_t nl = strlen(name);
  for (const char *p = html; (p = strstr(p, name)); p += nl) {
    if (p == html || !(g_ascii_isspace(p[-1]) || p[-1] == ':')) continue;
    const char *q = p + nl;
    if (q[0] != '=' || (q[1] != '"' && q[1] != '\'')) continue;
    const char *end = strchr(q + 2, q[1]);
    g_assert_nonnull(end);
    g_ptr_array_add(a, g_strndup(q + 2, (gsize)(end - q - 2)));
  }
  return a;
}

static void test_self_contained(void) {
  const char *html = report();
  g_assert_true(g_str_has_prefix(html, "<!DOCTYPE html>\n"));
  g_assert_cmpuint(count(html, "<!DOCTYPE"), ==, 1); /* the SVGs' own prologs are gone */
  g_assert_null(strstr(html, "<?xml"));
  g_assert_null(strstr(html, "<script"));
  g_assert_null(strstr(html, "<link"));
  g_assert_null(strstr(html, "<iframe"));
  g_assert_null(strstr(html, "@import"));
  GPtrArray *src = attr_values(html, "src");
  if (src->len) g_error("the page loads %s", (char *)src->pdata[0]);
  g_ptr_array_unref(src);
  GPtrArray *href = attr_values(html, "href");
  g_assert_cmpuint(href->len, >, 0);
  for (guint i = 0; i < href->len; i++) {
    const char *h = href->pdata[i];
    if (h[0] != '#' && !g_str_has_prefix(h, "data:")) g_error("href=\"%s\" points out of the page", h);
  }
  g_ptr_array_unref(href);
  for (const char *p = strstr(html, "url("); p; p = strstr(p + 1, "url(")) g_assert_cmpint(p[4], ==, '#');
}

/* Several gnuplot SVGs in one page: every id once, every #reference to one
 * that exists (gnuplot names its ids alike in every file). */
static void test_ids(void) {
  const char *html = report();
  GPtrArray *ids = attr_values(html, "id");
  GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < ids->len; i++) {
    if (g_hash_table_contains(seen, ids->pdata[i])) g_error("id \"%s\" appears twice", (char *)ids->pdata[i]);
    g_hash_table_add(seen, ids->pdata[i]);
  }
  g_assert_true(g_hash_table_contains(seen, "settings"));
  g_assert_true(g_hash_table_contains(seen, "versions"));
  GPtrArray *href = attr_values(html, "href");
  for (guint i = 0; i < href->len; i++) {
    const char *h = href->pdata[i];
    if (h[0] == '#' && !g_hash_table_contains(seen, h + 1)) g_error("href=\"%s\" has no target", h);
  }
  for (const char *p = strstr(html, "url(#"); p; p = strstr(p + 1, "url(#")) {
    const char *end = strchr(p, ')');
    g_autofree char *id = g_strndup(p + 5, (gsize)(end - p - 5));
    if (!g_hash_table_contains(seen, id)) g_error("url(#%s) has no target", id);
  }
  g_ptr_array_unref(href);
  g_hash_table_unref(seen);
  g_ptr_array_unref(ids);
}

/* No date, no scratch path: the same directory gives the same bytes, to
 * the default place or to -o. */
static void test_deterministic(void) {
  const char *first = report();
  const char *args[] = {"report", comparison(), "-q", NULL};
  char *out = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 0);
  g_assert_cmpstr(out, ==, ""); /* -q */
  char *path = report_path(), *again = ft_read(path);
  g_assert_true(strcmp(first, again) == 0);
  char *other = g_build_filename(tmp_root, "elsewhere", "page.html", NULL);
  const char *args2[] = {"report", comparison(), "-q", "-o", other, NULL};
  g_assert_cmpint(ft_fragsim(args2, NULL, NULL, NULL), ==, 0);
  char *third = ft_read(other);
  g_assert_true(strcmp(first, third) == 0);
  g_free(third);
  g_free(other);
  g_free(again);
  g_free(path);
  g_free(out);
}

/* Every cell of table.md, its marker apart, is in the page's table. */
static void test_table(void) {
  const char *html = report();
  char *md = ft_read_in(comparison(), "table.md");
  g_assert_cmpuint(count(html, "<table class=\"results\">"), ==, 1);
  char **lines = g_strsplit(md, "\n", -1);
  guint cells = 0;
  for (char **l = lines; *l; l++) {
    if (!g_str_has_prefix(*l, "| ") || g_str_has_prefix(*l, "| :--")) continue;
    char **parts = g_strsplit(*l, "|", -1);
    for (char **c = parts; *c; c++) {
      char *cell = g_strstrip(*c);
      gsize len = strlen(cell);
      if (g_str_has_suffix(cell, "▲") || g_str_has_suffix(cell, "▼")) cell[len - strlen("▲")] = '\0';
      else if (len > 1 && g_str_has_suffix(cell, " *")) cell[len - 1] = '\0';
      g_strstrip(cell);
      if (!*cell) continue;
      /* a mean cell >text<, a Δ cell >text <span class="mark"... */
      char *esc = g_markup_escape_text(cell, -1), *plain = g_strdup_printf(">%s<", esc);
      char *marked = g_strdup_printf(">%s <span class=\"mark\"", esc);
      if (!strstr(html, plain) && !strstr(html, marked)) g_error("table.md's cell \"%s\" is not in the page", cell);
      cells++;
      g_free(marked);
      g_free(plain);
      g_free(esc);
    }
    g_strfreev(parts);
  }
  g_assert_cmpuint(cells, >, 50);
  /* the markers, as in table.md */
  g_assert_cmpuint(count(html, ">▲</span>"), ==, count(md, "▲") - count(md, "▲ significantly"));
  g_assert_cmpuint(count(html, ">▼</span>"), ==, count(md, "▼") - count(md, "▼ significantly"));
  ft_assert_has(html, "<caption>stress-highalloc: 3 seeds, baseline vanilla</caption>");
  g_strfreev(lines);
  g_free(md);
}

/* One inline <svg> per figure that `fragsim plot` draws of the same
 * directory, each in a <figure> with its title. */
static void test_figures(void) {
  const char *html = report();
  char *plots = g_build_filename(tmp_root, "plots", NULL);
  const char *args[] = {"plot", comparison(), "--format", "svg", "-o", plots, NULL};
  char *out = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 0);
  guint n = count(out, ".svg\n");
  g_assert_cmpuint(n, >=, 8);
  g_assert_cmpuint(count(html, "<svg"), ==, n);
  g_assert_cmpuint(count(html, "</svg>"), ==, n);
  g_assert_cmpuint(count(html, "<figure id=\"fig-"), ==, n);
  ft_assert_has(html, "<title>Pageblock map (stress-highalloc)</title>");
  ft_assert_has(html, "<figure id=\"fig-diff-stress-highalloc\">");
  /* the report draws in a scratch directory: DIR/plots is not made */
  char *own = g_build_filename(comparison(), "plots", NULL);
  g_assert_false(g_file_test(own, G_FILE_TEST_EXISTS));
  g_free(own);
  g_free(out);
  g_free(plots);
}

static void test_settings_versions(void) {
  const char *html = report();
  ft_assert_has(html, "<title>fragsim comparison: stress-highalloc — vanilla vs linux-6.1</title>");
  ft_assert_has(html, "<code>machine.memory=256M</code>");
  ft_assert_has(html, "stacks=vanilla;linux-6.1;"); /* compare.ini */
  ft_assert_has(html, "policies=migratetype+highatomic+compaction+kcompactd"); /* a run.ini */
  ft_assert_has(html, "<th scope=\"row\">policy compaction</th>");
  ft_assert_has(html, "<th scope=\"row\">module compaction</th><td>sha256:"); /* run.ini [modules] */
  ft_assert_has(html, "<th scope=\"row\">stacks.ini: description</th>");
  ft_assert_has(html, "<td>" FRAGSIM_VERSION "</td>");
  ft_assert_has(html, "gnuplot of the figures</th><td>GNUPLOT");
  /* text from the files is escaped, everywhere */
  g_assert_null(strstr(html, EVIL));
  ft_assert_has(html, "workload.description=&lt;i&gt;a&amp;b&lt;/i&gt;");
}

/* Debian's chromium, headless: exit 0, the title in the DOM it dumps,
 * and nothing on the console (the page has no script, so any console
 * line is an error: a parse error, a blocked or failed load). */
static void test_chromium(void) {
  char *chromium = g_find_program_in_path("chromium");
  if (!chromium) {
    g_test_message("chromium is not installed: run scripts/deps.sh (it installs Debian's chromium for this test)");
    g_test_fail();
    return;
  }
  report();
  char *path = report_path(), *abs = g_canonicalize_filename(path, NULL);
  char *url = g_filename_to_uri(abs, NULL, NULL);
  char *profile = g_build_filename(tmp_root, "chromium-profile", NULL);
  char *profile_arg = g_strdup_printf("--user-data-dir=%s", profile);
  char *argv[] = {"timeout", "-k", "5", "50", chromium, "--headless=new", "--no-sandbox", "--disable-gpu",
                  "--no-first-run", "--disable-extensions", profile_arg, "--enable-logging=stderr", "--v=0",
                  "--dump-dom", url, NULL};
  char *out = NULL, *err = NULL;
  gint status = 0;
  GError *e = NULL;
  gint64 t0 = g_get_monotonic_time();
  g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &out, &err, &status, &e);
  g_assert_no_error(e);
  g_test_message("chromium took %.1f s", (double)(g_get_monotonic_time() - t0) / 1e6);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    g_error("chromium --dump-dom %s failed (wait status 0x%x): %s", url, status, err);
  ft_assert_has(out, "<title>fragsim comparison: stress-highalloc — vanilla vs linux-6.1</title>");
  ft_assert_has(out, "<h2>Workload stress-highalloc</h2>");
  char **lines = g_strsplit(err, "\n", -1);
  for (char **l = lines; *l; l++)
    if (strstr(*l, ":CONSOLE") || strstr(*l, "Uncaught") || strstr(*l, "Failed to load resource") ||
        strstr(*l, "net::ERR_") || strstr(*l, "Not allowed to load"))
      g_error("chromium reports a problem with the page: %s", *l);
  g_strfreev(lines);
  g_free(out);
  g_free(err);
  g_free(profile_arg);
  g_free(profile);
  g_free(url);
  g_free(abs);
  g_free(path);
  g_free(chromium);
}

/* One stack, no phases: the figures plot skips are absent, and plot's
 * note says so under the workload; --figures none draws nothing. */
static void test_skipped(void) {
  char *dir = g_build_filename(tmp_root, "one", NULL), *page = g_build_filename(tmp_root, "one.html", NULL);
  const char *args[] = {"compare", "-w", "churn", "-p", "vanilla", "-r", "2", "-q", "--set", "sim.duration=3s",
                        "--set", "machine.memory=128M", "-o", dir, NULL};
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, NULL), ==, 0);
  const char *rep[] = {"report", dir, "-q", "-o", page, NULL};
  char *err = NULL;
  g_assert_cmpint(ft_fragsim(rep, NULL, NULL, &err), ==, 0);
  g_assert_cmpstr(err, ==, ""); /* -q: the notes are in the page */
  char *html = ft_read(page);
  ft_assert_has(html, "One stack: no differences.");
  g_assert_null(strstr(html, "<figure id=\"fig-diff-churn\""));
  g_assert_null(strstr(html, "<figure id=\"fig-phases-churn\""));
  const char *w = strstr(html, "<section id=\"w-churn\">");
  g_assert_nonnull(w);
  ft_assert_has(w, "<h3>Figures not drawn</h3>");
  ft_assert_has(w, "<li>skipped diff-churn: a paired difference needs a second stack</li>");
  ft_assert_has(w, "<li>skipped phases-churn:");
  g_assert_cmpuint(count(html, "<svg"), >=, 5);
  g_free(html);
  g_free(err);
  const char *none[] = {"report", dir, "-q", "-o", page, "--figures", "none", NULL};
  g_assert_cmpint(ft_fragsim(none, NULL, NULL, NULL), ==, 0);
  html = ft_read(page);
  g_assert_null(strstr(html, "<svg"));
  ft_assert_has(html, "<table class=\"results\">");
  g_free(html);
  g_free(page);
  g_free(dir);
}

static void test_errors(void) {
  char *out = NULL, *err = NULL;
  /* a run directory is not a comparison */
  char *run = g_build_filename(comparison(), "runs", "stress-highalloc", "vanilla", "s1", NULL);
  const char *a1[] = {"report", run, NULL};
  g_assert_cmpint(ft_fragsim(a1, NULL, &out, &err), ==, 1);
  ft_assert_has(err, "is not a comparison directory");
  ft_assert_has(err, "one run's directory");
  char *made = g_build_filename(run, "report", NULL);
  g_assert_false(g_file_test(made, G_FILE_TEST_EXISTS));
  g_free(made);
  g_free(out);
  g_free(err);
  /* -o naming a directory */
  const char *a2[] = {"report", comparison(), "-o", tmp_root, NULL};
  g_assert_cmpint(ft_fragsim(a2, NULL, &out, &err), ==, 1);
  ft_assert_has(err, "is a directory");
  g_free(out);
  g_free(err);
  g_free(run);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  tmp_root = ft_tmpdir("fragsim-test-report");
  g_test_add_func("/report/self-contained", test_self_contained);
  g_test_add_func("/report/ids", test_ids);
  g_test_add_func("/report/deterministic", test_deterministic);
  g_test_add_func("/report/table", test_table);
  g_test_add_func("/report/figures", test_figures);
  g_test_add_func("/report/settings-versions", test_settings_versions);
  g_test_add_func("/report/chromium", test_chromium);
  g_test_add_func("/report/skipped", test_skipped);
  g_test_add_func("/report/errors", test_errors);
  int rc = g_test_run();
  ft_rm_tree(tmp_root);
  return rc;
}
