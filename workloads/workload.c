/* The registry of workload generators and the [workload] key helpers. */
#include "workloads/workload.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "engine/error.h"

const FsiWorkloadInfo fsi_workloads[] = {
    {"churn", "orders 0-3 of every mobility filling the machine, with a stream of pageblock-order attempts",
     fsi_churn_create},
    {NULL, NULL, NULL},
};

const FsiWorkloadInfo *fsi_workload_find(const char *name) {
  for (const FsiWorkloadInfo *w = fsi_workloads; w->name; w++)
    if (!strcmp(w->name, name)) return w;
  return NULL;
}

bool fsi_workload_check_keys(FsiConfig *cfg, const FsiWorkloadKey *keys, const char *workload, GError **error) {
  char **have = g_key_file_get_keys(cfg->kf, "workload", NULL, NULL);
  bool ok = true;
  for (char **k = have; ok && k && *k; k++) {
    bool known = false;
    for (const FsiWorkloadKey *w = keys; w->key; w++)
      if (!strcmp(w->key, *k)) known = true;
    if (!known) {
      GString *list = g_string_new(NULL);
      for (const FsiWorkloadKey *w = keys; w->key; w++) g_string_append_printf(list, "%s%s", list->len ? ", " : "", w->key);
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: unknown key workload.%s for workload \"%s\" (its keys: %s)",
                  fsi_config_origin(cfg, "workload", *k), *k, workload, list->str);
      g_string_free(list, TRUE);
      ok = false;
    }
  }
  g_strfreev(have);
  if (!ok) return false;
  for (const FsiWorkloadKey *w = keys; w->key; w++)
    if (!g_key_file_has_key(cfg->kf, "workload", w->key, NULL))
      g_key_file_set_string(cfg->kf, "workload", w->key, w->default_value);
  return true;
}

static char *raw(FsiConfig *cfg, const char *key) {
  char *v = g_key_file_get_string(cfg->kf, "workload", key, NULL);
  return v ? g_strstrip(v) : g_strdup("");
}

bool fsi_workload_double(FsiConfig *cfg, const char *key, double min, double max, double *ret, GError **error) {
  char *v = raw(cfg, key), *end;
  errno = 0;
  double d = g_ascii_strtod(v, &end);
  bool ok = *v && !*end && !errno && isfinite(d) && d >= min && d <= max;
  if (ok) *ret = d;
  else
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: workload.%s: \"%s\" is not a number in [%g, %g]",
                fsi_config_origin(cfg, "workload", key), key, v, min, max);
  g_free(v);
  return ok;
}

bool fsi_workload_uint(FsiConfig *cfg, const char *key, uint64_t min, uint64_t max, uint64_t *ret, GError **error) {
  char *v = raw(cfg, key), *end;
  errno = 0;
  guint64 x = g_ascii_strtoull(v, &end, 10);
  bool ok = *v && *v != '-' && !*end && !errno && x >= min && x <= max;
  if (ok) *ret = x;
  else
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: workload.%s: \"%s\" is not an integer in [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT "]",
                fsi_config_origin(cfg, "workload", key), key, v, min, max);
  g_free(v);
  return ok;
}

bool fsi_workload_duration(FsiConfig *cfg, const char *key, uint64_t *ret, GError **error) {
  char *v = raw(cfg, key);
  GError *e = NULL;
  bool ok = fsi_parse_duration(v, ret, &e);
  if (!ok) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: workload.%s: %s", fsi_config_origin(cfg, "workload", key), key,
                e->message);
    g_error_free(e);
  }
  g_free(v);
  return ok;
}
