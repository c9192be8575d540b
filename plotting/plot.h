/* `fragsim plot`: figures of a run directory or a comparison directory,
 * rendered by gnuplot from scripts and data files written beside each
 * figure.  The pieces tests need are public here; see docs/plotting.md.
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

#endif
