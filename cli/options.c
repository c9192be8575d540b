/* One option parser behaviour for every subcommand (see options.h). */
#include "cli/options.h"

#include <string.h>

#include "engine/core/error.h"

/* The argument vectors handed back, and their strings: kept until exit, as
 * the caller's own argv would be. */
static GPtrArray *kept;

static char *keep(char *s) {
  if (!kept) kept = g_ptr_array_new_with_free_func(g_free);
  g_ptr_array_add(kept, s);
  return s;
}

static bool takes_value(const GOptionEntry *e) {
  if (e->arg == G_OPTION_ARG_NONE) return false;
  if (e->arg == G_OPTION_ARG_CALLBACK && (e->flags & G_OPTION_FLAG_NO_ARG)) return false;
  return true;
}

static const GOptionEntry *find_long(const GOptionEntry *entries, const char *name, size_t len) {
  for (const GOptionEntry *e = entries; e->long_name; e++)
    if (strlen(e->long_name) == len && !strncmp(e->long_name, name, len)) return e;
  return NULL;
}

static const GOptionEntry *find_short(const GOptionEntry *entries, char c) {
  for (const GOptionEntry *e = entries; e->long_name; e++)
    if (e->short_name == c) return e;
  return NULL;
}

/* "-s/--seed" as the user knows the option. */
static char *shown(const GOptionEntry *e) {
  return e->short_name ? g_strdup_printf("-%c/--%s", e->short_name, e->long_name) : g_strdup_printf("--%s", e->long_name);
}

static bool value_ok(const GOptionEntry *e, const char *value, GError **error) {
  if (e->arg != G_OPTION_ARG_INT && e->arg != G_OPTION_ARG_INT64) return true;
  gint64 min = e->arg == G_OPTION_ARG_INT ? G_MININT : G_MININT64;
  gint64 max = e->arg == G_OPTION_ARG_INT ? G_MAXINT : G_MAXINT64;
  GError *e2 = NULL;
  if (g_ascii_string_to_signed(value, 10, min, max, NULL, &e2)) return true;
  bool range = g_error_matches(e2, G_NUMBER_PARSER_ERROR, G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS);
  g_error_free(e2);
  g_autofree char *name = shown(e);
  g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, range ? "%s %s: out of range (%" G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")"
                                                       : "%s wants a whole number, not \"%s\"",
              name, value, min, max);
  return false;
}

static void unknown(const GOptionEntry *entries, const char *cmd, const char *opt, GError **error) {
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  for (const GOptionEntry *e = entries; e->long_name; e++) g_ptr_array_add(names, g_strdup_printf("--%s", e->long_name));
  const char *best = opt[1] == '-' ? fsi_nearest_name(opt, (const char *const *)names->pdata, names->len) : NULL;
  g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "unknown option %s%s%s%s (fragsim %s --help lists the options)", opt,
              best ? "; did you mean " : "", best ? best : "", best ? "?" : "", cmd);
  g_ptr_array_unref(names);
}

bool fsi_cli_parse(GOptionContext *ctx, const GOptionEntry *entries, const char *cmd, int *argc, char ***argv,
                   GError **error) {
  GPtrArray *out = g_ptr_array_new();
  bool rest = false, ok = false;
  int n = *argc;
  char **in = *argv;
  g_ptr_array_add(out, keep(g_strdup(n ? in[0] : "fragsim")));
  for (int i = 1; i < n; i++) {
    const char *s = in[i];
    if (rest || s[0] != '-' || !s[1]) {
      g_ptr_array_add(out, keep(g_strdup(s)));
      continue;
    }
    if (!strcmp(s, "--")) {
      rest = true;
      g_ptr_array_add(out, keep(g_strdup(s)));
      continue;
    }
    if (s[1] == '-') {
      const char *name = s + 2, *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      const GOptionEntry *e = find_long(entries, name, len);
      if (!e && g_str_has_prefix(name, "help")) {
        g_ptr_array_add(out, keep(g_strdup(s)));
        continue;
      }
      if (!e) {
        g_autofree char *opt = g_strndup(s, (gsize)(len + 2));
        unknown(entries, cmd, opt, error);
        goto out;
      }
      g_ptr_array_add(out, keep(g_strdup(s)));
      if (!takes_value(e)) {
        if (eq) {
          g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "--%s takes no value (\"%s\")", e->long_name, eq + 1);
          goto out;
        }
        continue;
      }
      const char *value = eq ? eq + 1 : NULL;
      if (!value && i + 1 < n) g_ptr_array_add(out, keep(g_strdup(value = in[++i])));
      if (!value) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "--%s needs a value (%s)", e->long_name,
                    e->arg_description ? e->arg_description : "see --help");
        goto out;
      }
      if (!value_ok(e, value, error)) goto out;
      continue;
    }
    /* short options: flags may be grouped (-fq); one taking a value takes
     * the rest of the word (-s7) or the next word */
    if ((s[1] == 'h' || s[1] == '?') && !s[2] && !find_short(entries, s[1])) {
      g_ptr_array_add(out, keep(g_strdup(s)));
      continue;
    }
    for (size_t j = 1; s[j]; j++) {
      const GOptionEntry *e = find_short(entries, s[j]);
      if (!e) {
        char opt[3] = {'-', s[j], 0};
        unknown(entries, cmd, opt, error);
        goto out;
      }
      g_ptr_array_add(out, keep(g_strdup_printf("-%c", s[j])));
      if (!takes_value(e)) continue;
      const char *value = s[j + 1] ? s + j + 1 : i + 1 < n ? in[++i] : NULL;
      if (!value) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "-%c needs a value (%s)", s[j],
                    e->arg_description ? e->arg_description : "see --help");
        goto out;
      }
      g_ptr_array_add(out, keep(g_strdup(value)));
      if (!value_ok(e, value, error)) goto out;
      break;
    }
  }
  int nargc = (int)out->len;
  g_ptr_array_add(out, NULL);
  char **nargv = (char **)g_ptr_array_free(out, FALSE);
  out = NULL;
  keep((char *)nargv); /* the vector itself; GOption reorders it, the strings are kept above */
  ok = g_option_context_parse(ctx, &nargc, &nargv, error);
  if (ok) {
    *argc = nargc;
    *argv = nargv;
  }
out:
  if (out) g_ptr_array_free(out, TRUE);
  return ok;
}
