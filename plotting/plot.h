/* Figures of a run directory or a comparison directory, rendered by gnuplot
 * from scripts and data files written beside each figure; see
 * docs/plotting.md.  The command line is cli/plot.c.
 */
#ifndef FS_PLOT_H
#define FS_PLOT_H

#include <glib.h>
#include <stdbool.h>

/* Figure names, in the order they are made. */
extern const char *const fsi_plot_figures[];

/* "800x600" (pixels; PDF uses 96 pixels an inch). */
bool fsi_plot_parse_size(const char *text, guint *ret_width, guint *ret_height, GError **error);
/* "png,svg,pdf": fills out with the formats, in order, without repeats. */
bool fsi_plot_parse_formats(const char *text, GPtrArray *out, GError **error);
/* The colour of the stack at this position in compare.ini ("#rrggbb"):
 * the Okabe-Ito colour-blind-safe palette, repeating after eight (later
 * repeats are told apart by dash pattern). */
const char *fsi_plot_stack_colour(guint index);
/* The gnuplot to run: $FRAGSIM_GNUPLOT, else the one found at build time. */
const char *fsi_plot_gnuplot(void);

typedef struct {
  const char *dir;        /* a run or a comparison directory */
  const char *outdir;     /* NULL: DIR/plots */
  GPtrArray *formats;     /* char*: png, svg, pdf; NULL or empty: png */
  guint width, height;    /* 0: 800x600 */
  const char *font;       /* NULL: "sans,11", or the column's */
  const char *column;     /* "single" (336x250, 3.5 x 2.6 in, sans,8), "double" (672x288, 7 x 3 in, sans,9) or NULL;
                             width/height and font override it */
  GArray *times_s;        /* double: pageblock-map times, -1 the last; NULL: first and last */
  char **figures;         /* names to make, NULL for all */
  bool quiet;             /* print no figure paths on stdout */
  GPtrArray *notes;       /* if set, the notes (a figure skipped, a run's file missing, gnuplot's warnings) are
                             appended here as char* (g_free) instead of printed on stderr */
  GPtrArray *made;        /* if set, every figure written is appended as FsiPlotFigure* (fsi_plot_figure_free) */
} FsiPlotOptions;

/* A figure written: its file stem (e.g. "diff-churn"), its title (as drawn
 * at its top), what it shows (the script's first comment line) and its path. */
typedef struct {
  char *name, *title, *what, *path;
} FsiPlotFigure;

void fsi_plot_figure_free(FsiPlotFigure *f);

/* Writes the figures of opt->dir. */
bool fsi_plot_dir(const FsiPlotOptions *opt, GError **error);

#endif
