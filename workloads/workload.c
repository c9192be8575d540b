/* The registry of workload generators and the [workload] key helpers. */
#include "workloads/workload.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "engine/core/error.h"
#include "fragsim-config.h"

static int cmp_names(gconstpointer a, gconstpointer b) { return strcmp(*(char *const *)a, *(char *const *)b); }

const FsiWorkloadInfo fsi_workloads[] = {
    {"churn", "orders 0-3 of every mobility filling the machine, with a stream of pageblock-order attempts",
     fsi_churn_create},
    {NULL, NULL, NULL},
};

static const FsiWorkloadInfo file_info = {"file", "a workload file: phases, streams and actions", fsi_file_workload_create};
static const FsiWorkloadInfo trace_info = {"trace", "replay of an ftrace mm_page_alloc/mm_page_free trace",
                                           fsi_trace_workload_create};

char **fsi_workload_search_path(void) {
  GPtrArray *dirs = g_ptr_array_new();
  const char *env = g_getenv("FRAGSIM_WORKLOAD_PATH");
  if (env) {
    char **parts = g_strsplit(env, ":", -1);
    for (char **p = parts; *p; p++)
      if (**p) g_ptr_array_add(dirs, g_strdup(*p));
    g_strfreev(parts);
  }
  g_ptr_array_add(dirs, g_build_filename(FRAGSIM_DATADIR, "workloads", NULL));
  g_ptr_array_add(dirs, NULL);
  return (char **)g_ptr_array_free(dirs, FALSE);
}

/* What GKeyFile does not say about a file: the line of a syntax error,
 * duplicate sections and keys (it silently keeps the last), keys before any
 * section, and an empty file.  Fails with path:line. */
static bool scan_ini(const char *path, char **lines, GError **error) {
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  char *group = NULL;
  bool ok = true, any = false;
  for (guint i = 0; ok && lines[i]; i++) {
    char *l = g_strstrip(g_strdup(lines[i]));
    guint lineno = i + 1;
    if (!*l || *l == '#' || *l == ';') {
      g_free(l);
      continue;
    }
    any = true;
    const char *ctl = NULL;
    for (const char *ch = l; !ctl && *ch; ch++)
      if (g_ascii_iscntrl(*ch) && *ch != '\t' && *ch != '\r') ctl = ch;
    if (!g_utf8_validate(l, -1, NULL)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: the line is not valid UTF-8", path, lineno);
      ok = false;
    } else if (ctl) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: the line holds a control character (0x%02x)", path, lineno,
                  (unsigned)(unsigned char)*ctl);
      ok = false;
    } else if (*l == '[') {
      char *end = strchr(l, ']');
      if (!end || end[1] || end == l + 1 || memchr(l + 1, '[', (size_t)(end - l - 1))) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: \"%s\" is not a [section] line", path, lineno, l);
        ok = false;
      } else {
        g_free(group);
        group = g_strndup(l + 1, (gsize)(end - l - 1));
        char *k = g_strdup_printf("[%s]", group);
        guint first = GPOINTER_TO_UINT(g_hash_table_lookup(seen, k));
        if (first) {
          g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: [%s] appears again (first at line %u)", path, lineno,
                      group, first);
          ok = false;
          g_free(k);
        } else {
          g_hash_table_insert(seen, k, GUINT_TO_POINTER(lineno));
        }
      }
    } else {
      char *eq = strchr(l, '=');
      if (!eq) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: \"%s\" is not a key = value line", path, lineno, l);
        ok = false;
      } else if (!group) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: a key before any [section]", path, lineno);
        ok = false;
      } else if (eq == l) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: \"%s\" has no key before '='", path, lineno, l);
        ok = false;
      } else {
        char *key = g_strstrip(g_strndup(l, (gsize)(eq - l)));
        char *k = g_strdup_printf("%s.%s", group, key);
        guint first = GPOINTER_TO_UINT(g_hash_table_lookup(seen, k));
        /* GKeyFile turns the escapes \n, \t and \r into the control
         * characters the line itself may not hold; \s and \\ are a space
         * and a backslash.  Any other escape, or a lone backslash at the
         * end, GKeyFile 2.74 half-refuses (it can even report both at once,
         * overwriting its own error): refused here, with the line. */
        const char *esc = NULL;
        for (const char *ch = eq + 1; !esc && *ch; ch++)
          if (*ch == '\\') {
            if (ch[1] != 's' && ch[1] != '\\') esc = ch + 1;
            ch++;
          }
        if (esc) {
          if (*esc == 'n' || *esc == 't' || *esc == 'r')
            g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                        "%s:%u: %s: the escape \\%c would put a control character in the value", path, lineno, k, *esc);
          else if (!*esc)
            g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                        "%s:%u: %s: the value ends in a lone backslash (write \\\\ for a backslash)", path, lineno, k);
          else if (g_ascii_isprint(*esc))
            g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                        "%s:%u: %s: \\%c is not an escape a workload file may use (\\s is a space, \\\\ a backslash)",
                        path, lineno, k, *esc);
          else
            g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                        "%s:%u: %s: a backslash before byte 0x%02x is not an escape a workload file may use (\\s is a space, \\\\ a backslash)",
                        path, lineno, k, (unsigned char)*esc);
          ok = false;
          g_free(k);
        } else if (first) {
          g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: %s is set again (first at line %u)", path, lineno, k,
                      first);
          ok = false;
          g_free(k);
        } else {
          g_hash_table_insert(seen, k, GUINT_TO_POINTER(lineno));
        }
        g_free(key);
      }
    }
    g_free(l);
  }
  if (ok && !any) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: the file is empty (a workload file needs at least [workload] phases = ... and its [phase.NAME] "
                "sections; see docs/workloads.md)",
                path);
    ok = false;
  }
  g_free(group);
  g_hash_table_unref(seen);
  return ok;
}

bool fsi_config_load_file(FsiConfig *cfg, const char *path, GError **error) {
  char *text = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &text, &len, error)) return false;
  /* a UTF-8 byte-order mark, as some editors write, is not content */
  const char *body = text;
  if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3)) {
    body += 3;
    len -= 3;
  }
  /* a NUL byte would end the line scanner's view of the text where
   * GKeyFile's goes on (found by fuzz-workload: escapes after a NUL reached
   * GKeyFile unchecked) */
  const char *nul = memchr(body, '\0', len);
  if (nul) {
    guint lineno = 1;
    for (const char *c = body; c < nul; c++) lineno += *c == '\n';
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s:%u: the line holds a control character (0x00)", path, lineno);
    g_free(text);
    return false;
  }
  char **lines = g_strsplit(body, "\n", -1);
  if (!scan_ini(path, lines, error)) {
    g_strfreev(lines);
    g_free(text);
    return false;
  }
  GKeyFile *kf = g_key_file_new();
  GError *e = NULL;
  if (!g_key_file_load_from_data(kf, body, len, G_KEY_FILE_NONE, &e)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: %s", path, e->message);
    g_error_free(e);
    g_key_file_unref(kf);
    g_strfreev(lines);
    g_free(text);
    return false;
  }
  /* GKeyFile has the values; a plain scan has the line numbers */
  char *group = NULL;
  for (guint i = 0; lines[i]; i++) {
    char *l = g_strstrip(lines[i]);
    if (!*l || *l == '#' || *l == ';') continue;
    if (*l == '[') {
      char *end = strchr(l, ']');
      g_free(group);
      group = end ? g_strndup(l + 1, (gsize)(end - l - 1)) : NULL;
      continue;
    }
    char *eq = strchr(l, '=');
    if (!group || !eq) continue;
    char *key = g_strstrip(g_strndup(l, (gsize)(eq - l)));
    char *value = g_key_file_get_string(kf, group, key, NULL);
    if (value) {
      char *origin = g_strdup_printf("%s:%u", path, i + 1);
      fsi_config_set_value(cfg, group, key, g_strstrip(value), origin);
      g_free(origin);
    }
    g_free(value);
    g_free(key);
  }
  g_free(group);
  g_strfreev(lines);
  g_key_file_unref(kf);
  g_free(text);
  return true;
}

static bool is_trace(const char *name) {
  return g_str_has_prefix(name, "trace:") || g_str_has_suffix(name, ".trace") || g_str_has_suffix(name, ".txt");
}

char *fsi_workload_file(const char *name, bool *ret_trace) {
  *ret_trace = false;
  if (fsi_workload_find(name)) return NULL;
  if (is_trace(name)) {
    *ret_trace = true;
    return g_strdup(g_str_has_prefix(name, "trace:") ? name + 6 : name);
  }
  if (strchr(name, '/') || g_str_has_suffix(name, ".ini")) return g_strdup(name);
  char **dirs = fsi_workload_search_path();
  char *path = NULL;
  for (char **d = dirs; *d && !path; d++) {
    char *p = g_strdup_printf("%s/%s.ini", *d, name);
    if (g_file_test(p, G_FILE_TEST_IS_REGULAR)) path = p;
    else g_free(p);
  }
  g_strfreev(dirs);
  return path;
}

bool fsi_workload_resolve(const char *name, FsiConfig *cfg, const FsiWorkloadInfo **ret_info, GError **error) {
  const FsiWorkloadInfo *builtin = fsi_workload_find(name);
  if (builtin) {
    *ret_info = builtin;
    return true;
  }
  bool trace;
  g_autofree char *path = fsi_workload_file(name, &trace);
  if (trace) {
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND, "trace \"%s\" not found", path);
      return false;
    }
    fsi_config_set_value(cfg, "workload", "trace", path, "-w");
    *ret_info = &trace_info;
    return true;
  }
  if (!path) {
    /* not a built-in, a trace, a path or a preset found: say what there is */
    char **dirs = fsi_workload_search_path();
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (const FsiWorkloadInfo *w = fsi_workloads; w->name; w++) g_ptr_array_add(names, g_strdup(w->name));
    for (char **d = dirs; *d; d++) {
      GDir *dir = g_dir_open(*d, 0, NULL);
      const char *n;
      GPtrArray *found = g_ptr_array_new_with_free_func(g_free);
      while (dir && (n = g_dir_read_name(dir)))
        if (g_str_has_suffix(n, ".ini")) g_ptr_array_add(found, g_strndup(n, strlen(n) - 4));
      if (dir) g_dir_close(dir);
      g_ptr_array_sort(found, cmp_names);
      for (guint i = 0; i < found->len; i++) g_ptr_array_add(names, g_strdup(g_ptr_array_index(found, i)));
      g_ptr_array_unref(found);
    }
    const char *best = fsi_nearest_name(name, (const char *const *)names->pdata, names->len);
    g_ptr_array_add(names, NULL);
    char *known = g_strjoinv(", ", (char **)names->pdata);
    char *searched = g_strjoinv(", ", dirs);
    g_set_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND, "unknown workload \"%s\"%s%s%s (known: %s; presets searched in %s)",
                name, best ? "; did you mean \"" : "", best ? best : "", best ? "\"?" : "", known, searched);
    g_free(searched);
    g_free(known);
    g_ptr_array_unref(names);
    g_strfreev(dirs);
    return false;
  }
  bool ok = fsi_config_load_file(cfg, path, error);
  /* A file that scales with the machine (scale = memory) remembers the
   * memory it was written for, before --set can change machine.memory: its
   * rates and amounts are then multiplied by memory / that reference. */
  if (ok && g_key_file_has_key(cfg->kf, "workload", "scale", NULL) &&
      !g_key_file_has_key(cfg->kf, "workload", "scale_reference", NULL)) {
    char *mem = fsi_config_string(cfg, "machine", "memory");
    char *origin = g_strdup_printf("%s (machine.memory as the file has it)", path);
    fsi_config_set_value(cfg, "workload", "scale_reference", mem, origin);
    g_free(origin);
    g_free(mem);
  }
  if (ok) *ret_info = &file_info;
  return ok;
}

const FsiWorkloadInfo *fsi_workload_find(const char *name) {
  for (const FsiWorkloadInfo *w = fsi_workloads; w->name; w++)
    if (!strcmp(w->name, name)) return w;
  return NULL;
}

bool fsi_workload_check_keys(FsiConfig *cfg, const FsiWorkloadKey *keys, const char *workload, GError **error) {
  char **have = g_key_file_get_keys(cfg->kf, "workload", NULL, NULL);
  bool ok = true;
  for (char **k = have; ok && k && *k; k++) {
    /* headline (the comparison table's first rows) is every workload's
     * key: nothing here reads it, run.ini records it for results/table.c */
    bool known = !strcmp(*k, "headline");
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

/* ---- the workload file's value parsers (also churn's) ---------------------------- */

char *fsi_workload_get(FsiConfig *cfg, const char *group, const char *key) {
  char *v = g_key_file_get_string(cfg->kf, group, key, NULL);
  return v ? g_strstrip(v) : NULL;
}

bool fsi_workload_bad(GError **error, FsiConfig *cfg, const char *group, const char *key, const char *value, const char *expected) {
  g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: %s.%s: \"%s\" is not %s", fsi_config_origin(cfg, group, key), group, key,
              value ? value : "", expected);
  return false;
}

bool fsi_workload_get_double(FsiConfig *cfg, const char *g, const char *k, double def, double min, double max, double *ret,
                       GError **error) {
  char *v = fsi_workload_get(cfg, g, k);
  if (!v) {
    *ret = def;
    return true;
  }
  char *end;
  errno = 0;
  double d = g_ascii_strtod(v, &end);
  bool ok = *v && !*end && !errno && isfinite(d) && d >= min && d <= max;
  if (ok) *ret = d;
  else {
    char *exp = g_strdup_printf("a number in [%g, %g]", min, max);
    fsi_workload_bad(error, cfg, g, k, v, exp);
    g_free(exp);
  }
  g_free(v);
  return ok;
}

bool fsi_workload_get_uint(FsiConfig *cfg, const char *g, const char *k, uint64_t def, uint64_t max, uint64_t *ret,
                     GError **error) {
  char *v = fsi_workload_get(cfg, g, k);
  if (!v) {
    *ret = def;
    return true;
  }
  char *end;
  errno = 0;
  guint64 x = g_ascii_strtoull(v, &end, 10);
  bool ok = *v && *v != '-' && !*end && !errno && x <= max;
  if (ok) *ret = x;
  else {
    char *exp = g_strdup_printf("an integer in [0, %" G_GUINT64_FORMAT "]", max);
    fsi_workload_bad(error, cfg, g, k, v, exp);
    g_free(exp);
  }
  g_free(v);
  return ok;
}

bool fsi_workload_get_duration(FsiConfig *cfg, const char *g, const char *k, uint64_t def, uint64_t *ret, GError **error) {
  char *v = fsi_workload_get(cfg, g, k);
  if (!v) {
    *ret = def;
    return true;
  }
  bool ok = fsi_parse_duration(v, ret, NULL);
  if (!ok) fsi_workload_bad(error, cfg, g, k, v, "a duration with a unit (ns, us, ms, s, m, h) under 2^62 ns, e.g. 100ms");
  g_free(v);
  return ok;
}

bool fsi_workload_get_size_pages(FsiConfig *cfg, const char *g, const char *k, uint64_t page, uint64_t *ret, GError **error) {
  char *v = fsi_workload_get(cfg, g, k);
  if (!v) {
    *ret = 0;
    return true;
  }
  uint64_t bytes;
  bool ok = fsi_parse_size(v, &bytes, NULL) && bytes >= page;
  if (ok) *ret = bytes / page;
  else fsi_workload_bad(error, cfg, g, k, v, "a size of at least one page (e.g. 4M, 128M)");
  g_free(v);
  return ok;
}

bool fsi_workload_get_bool(FsiConfig *cfg, const char *g, const char *k, bool def, bool *ret, GError **error) {
  char *v = fsi_workload_get(cfg, g, k);
  if (!v) {
    *ret = def;
    return true;
  }
  bool ok = fsi_parse_bool(v, ret);
  if (!ok) fsi_workload_bad(error, cfg, g, k, v, "a boolean (true/false)");
  g_free(v);
  return ok;
}

