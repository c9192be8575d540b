/* The run-directory reader; see rundir.h. */
#include "results/rundir.h"

#include <math.h>
#include <string.h>

#include "engine/core/error.h"
#include "results/compare.h"

bool fsi_rundir_done(const char *rundir) {
  char *p = g_build_filename(rundir, "summary.csv", NULL);
  bool done = g_file_test(p, G_FILE_TEST_IS_REGULAR);
  g_free(p);
  return done;
}

void fsi_run_summary_free(FsiRunSummary *s) {
  if (!s) return;
  g_free(s->path);
  g_free(s->workload);
  g_free(s->stack);
  if (s->metrics) g_ptr_array_unref(s->metrics);
  if (s->values) g_array_unref(s->values);
  g_free(s);
}

FsiRunSummary *fsi_run_summary_read(const char *rundir, GError **error) {
  char *path = g_build_filename(rundir, "summary.csv", NULL);
  FsiTable *t = fsi_table_read(path, error);
  if (!t) {
    g_free(path);
    return NULL;
  }
  FsiRunSummary *s = g_new0(FsiRunSummary, 1);
  s->path = path;
  s->metrics = g_ptr_array_new_with_free_func(g_free);
  s->values = g_array_new(FALSE, FALSE, sizeof(double));
  bool ok = true;
  if (t->rows->len != 1) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s has %u data rows, expected one", path, t->rows->len);
    ok = false;
  }
  const char *wl = ok ? fsi_table_get(t, 0, fsi_table_col(t, "workload")) : NULL;
  const char *st = ok ? fsi_table_get(t, 0, fsi_table_col(t, "stack")) : NULL;
  const char *sd = ok ? fsi_table_get(t, 0, fsi_table_col(t, "seed")) : NULL;
  if (ok && (!wl || !st || !sd || !g_ascii_string_to_unsigned(sd, 10, 0, G_MAXUINT64, &s->seed, NULL))) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s: the workload, stack and seed columns are missing or empty", path);
    ok = false;
  }
  if (ok) {
    s->workload = g_strdup(wl);
    s->stack = g_strdup(st);
  }
  for (guint c = 0; ok && c < t->header->len; c++) {
    const char *name = g_ptr_array_index(t->header, c);
    if (!strcmp(name, "workload") || !strcmp(name, "stack") || !strcmp(name, "seed")) continue;
    double v;
    if (!fsi_parse_number(fsi_table_get(t, 0, (int)c), &v)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "%s line 2, column %s: \"%s\" is not a number", path, name,
                  fsi_table_get(t, 0, (int)c));
      ok = false;
      break;
    }
    g_ptr_array_add(s->metrics, g_strdup(name));
    g_array_append_val(s->values, v);
  }
  fsi_table_free(t);
  if (!ok) {
    fsi_run_summary_free(s);
    return NULL;
  }
  return s;
}
