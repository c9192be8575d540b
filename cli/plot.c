/* `fragsim plot DIR`: the command line of plotting/plot.c. */
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "cli/options.h"
#include "cli/commands.h"
#include "engine/core/error.h"
#include "plotting/plot.h"

#ifndef FRAGSIM_GNUPLOT
#include "fragsim-config.h"
#endif

static bool parse_times(const char *text, GArray *out, GError **error) {
  char **parts = g_strsplit(text, ",", -1);
  bool ok = true;
  for (char **t = parts; ok && *t; t++) {
    char *s = g_strstrip(*t), *end = NULL;
    double v = -1;
    if (!strcmp(s, "end") || !strcmp(s, "last")) {
      v = -1;
    } else {
      v = g_ascii_strtod(s, &end);
      if (end == s || *end || !(v >= 0)) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "--times: \"%s\" is neither seconds (>= 0) nor \"end\"", s);
        ok = false;
      }
    }
    if (ok) g_array_append_val(out, v);
  }
  g_strfreev(parts);
  return ok;
}

static const char *plot_description =
    "DIR is a run directory (fragsim run) or a comparison directory (fragsim compare).\n"
    "Figures (NAME.png/.svg/.pdf, each beside NAME.gp and NAME.dat, in DIR/plots):\n"
    "  success       huge-allocation success per stack with 95% CI (a run: success by order)\n"
    "  phases        huge page success per workload phase, per stack, 95% CI\n"
    "  success-time  huge page success over simulated time, per stack, 95% CI band\n"
    "  unusable      unusable free space index at the pageblock order over time, per stack\n"
    "  freepages     free memory by buddy order: at the end per stack with 95% CI (a run: over time)\n"
    "  pageblocks    the pageblock map coloured by migratetype, mixed blocks darker\n"
    "  latency       allocation latency CDF per stack\n"
    "  work          pages scanned, reclaimed, migrated, allocated and freed per stack, log scale\n"
    "  diff          paired differences from the baseline stack, headline metrics, 95% CI\n"
    "--column single: 3.5 x 2.6 in (336x250 px), font sans,8; double: 7 x 3 in (672x288 px), sans,9.\n"
    "In a comparison the per-workload figures are named NAME-<workload>.\n"
    "Re-run a figure after editing it: cd DIR/plots && gnuplot -e \"fmt='pdf'\" NAME.gp\n"
    "gnuplot is $FRAGSIM_GNUPLOT, else " FRAGSIM_GNUPLOT ".  See docs/plotting.md.";

int fsi_cmd_plot(int argc, char **argv) {
  char *formats = NULL, *size = NULL, *column = NULL, *outdir = NULL, *figures = NULL, *times = NULL, *font = NULL;
  GOptionEntry entries[] = {
      {"format", 0, 0, G_OPTION_ARG_STRING, &formats, "Formats, comma separated: png, svg, pdf (default png)", "LIST"},
      {"size", 0, 0, G_OPTION_ARG_STRING, &size, "Figure size in pixels (default 800x600, or the --column size; PDF at 96 per inch)", "WxH"},
      {"column", 0, 0, G_OPTION_ARG_STRING, &column,
       "Size and font for a paper: single (3.5x2.6 in, sans,8) or double (7x3 in, sans,9) column; --size and --font override",
       "single|double"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &outdir, "Directory for the figures (default DIR/plots)", "OUTDIR"},
      {"figures", 0, 0, G_OPTION_ARG_STRING, &figures,
       "Only these figures, comma separated (success, phases, success-time, unusable, freepages, pageblocks, latency, work, "
       "diff)",
       "LIST"},
      {"times", 0, 0, G_OPTION_ARG_STRING, &times,
       "Pageblock map times in seconds, nearest snapshot, or \"end\" (default: first and last)", "T[,T...]"},
      {"font", 0, 0, G_OPTION_ARG_STRING, &font, "Font and size (default \"sans,11\", or the --column font)", "FONT,SIZE"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("DIR - figures of a run or a comparison, through gnuplot");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, plot_description);
  GError *e = NULL;
  FsiPlotOptions opt = {0};
  opt.formats = g_ptr_array_new_with_free_func(g_free);
  opt.times_s = g_array_new(FALSE, FALSE, sizeof(double));

  if (!fsi_cli_parse(ctx, entries, "plot", &argc, &argv, &e)) goto out;
  if (argc != 2) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, argc < 2 ? "which directory? (fragsim plot DIR; see --help)"
                                                          : "one directory at a time (unexpected \"%s\")",
                argc > 2 ? argv[2] : "");
    goto out;
  }
  opt.dir = argv[1];
  opt.outdir = outdir;
  opt.font = font;
  /* an empty font made gnuplot warn and the plot succeed (#16) */
  if (font && (!*font || !g_utf8_validate(font, -1, NULL) || strpbrk(font, "\n\r\t"))) {
    char *shown = g_strescape(font, NULL);
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "--font: \"%s\" is not a font (expected NAME or NAME,SIZE, e.g. \"sans,11\")", shown);
    g_free(shown);
    goto out;
  }
  if (!fsi_plot_parse_formats(formats ? formats : "png", opt.formats, &e)) goto out;
  if (column && strcmp(column, "single") && strcmp(column, "double")) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "--column: \"%s\" is neither single nor double", column);
    goto out;
  }
  opt.column = column;
  if (size && !fsi_plot_parse_size(size, &opt.width, &opt.height, &e)) goto out;
  if (times && !parse_times(times, opt.times_s, &e)) goto out;
  if (figures) {
    opt.figures = g_strsplit(figures, ",", -1);
    for (char **f = opt.figures; *f; f++) {
      g_strstrip(*f);
      if (!g_strv_contains(fsi_plot_figures, *f)) {
        g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG,
                    "--figures: unknown figure \"%s\" (success, phases, success-time, unusable, freepages, pageblocks, "
                    "latency, work, diff)",
                    *f);
        goto out;
      }
    }
  }
  fsi_plot_dir(&opt, &e);
out:;
  int rc = 0;
  if (e) {
    fprintf(stderr, "fragsim: plot: %s\n", e->message);
    g_error_free(e);
    rc = 1;
  }
  g_strfreev(opt.figures);
  g_ptr_array_unref(opt.formats);
  g_array_unref(opt.times_s);
  g_free(formats);
  g_free(size);
  g_free(column);
  g_free(outdir);
  g_free(figures);
  g_free(times);
  g_free(font);
  g_option_context_free(ctx);
  return rc;
}
