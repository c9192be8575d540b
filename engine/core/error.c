/* The engine's GError domain (see error.h for the codes), and the nearest
 * name for messages about a mistyped one. */
#include "engine/core/error.h"

#include <string.h>

G_DEFINE_QUARK(fragsim-error-quark, fsi_error)

/* Edit distance (insertions, deletions, substitutions). */
static guint edit_distance(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  guint *row = g_new(guint, lb + 1);
  for (size_t j = 0; j <= lb; j++) row[j] = (guint)j;
  for (size_t i = 1; i <= la; i++) {
    guint diag = row[0];
    row[0] = (guint)i;
    for (size_t j = 1; j <= lb; j++) {
      guint up = row[j];
      guint best = MIN(row[j] + 1, row[j - 1] + 1);
      row[j] = MIN(best, diag + (a[i - 1] != b[j - 1]));
      diag = up;
    }
  }
  guint d = row[lb];
  g_free(row);
  return d;
}

const char *fsi_nearest_name(const char *name, const char *const *known, guint n) {
  const char *best = NULL;
  guint best_d = G_MAXUINT;
  for (guint i = 0; i < n; i++) {
    guint d = edit_distance(name, known[i]);
    if (d < best_d) best_d = d, best = known[i];
  }
  return best && best_d <= MAX(2u, (guint)strlen(name) / 3) ? best : NULL;
}
