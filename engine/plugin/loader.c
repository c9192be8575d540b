/* Policy plugin loader and named stacks (the contract is in loader.h).
 *
 * Owns: the policy search path, opening a module and finding its one entry
 * function, judging the table it returns (reporting every problem at once),
 * the zero-extended copy of that table, parameter parsing, and expansion of
 * named stacks from stacks.ini.  Does not own: calling hooks, or deciding
 * which configuration sections exist (config.c leaves policy sections to us).
 *
 * Nothing here keeps state between calls: everything a load produces lives in
 * the FsiPolicy / FsiStack the caller owns, so runs in threads do not share.
 */
#include "engine/plugin/loader.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "engine/core/error.h"
#include "fragsim-config.h"

#define STACKS_FILE "stacks.ini"
#define MODULE_SUFFIX "." G_MODULE_SUFFIX

/* Everything up to and including the required hooks must be present: the
 * loader reads name, params, create and destroy before it knows anything
 * else about the plugin. */
#define MIN_TABLE_SIZE offsetof(FsPolicyOps, boot_layout)

typedef const FsPolicyOps *(*FsiGetOpsFn)(void);

/* ---- small helpers ---------------------------------------------------------- */

static bool strv_contains(GPtrArray *a, const char *s) {
  for (guint i = 0; i < a->len; i++)
    if (g_ptr_array_index(a, i) && strcmp(g_ptr_array_index(a, i), s) == 0) return true;
  return false;
}

/* Appends the non-empty ':'-separated entries of list, each directory once:
 * a directory named twice would only repeat itself in "not found" messages. */
static void add_dirs(GPtrArray *dirs, const char *list) {
  if (!list) return;
  g_auto(GStrv) parts = g_strsplit(list, ":", -1);
  for (char **d = parts; *d; d++)
    if (**d && !strv_contains(dirs, *d)) g_ptr_array_add(dirs, g_strdup(*d));
}

/* Problems are joined with "; " into one line so a message stays greppable. */
static char *join_problems(GPtrArray *problems) {
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < problems->len; i++) {
    if (i) g_string_append(s, "; ");
    g_string_append(s, g_ptr_array_index(problems, i));
  }
  return g_string_free(s, FALSE);
}

/* `policy "name" (path)`, the prefix of every message about one plugin. */
static char *policy_label(const char *name, const char *path) {
  if (path) return g_strdup_printf("policy \"%s\" (%s)", name ? name : "?", path);
  return g_strdup_printf("policy \"%s\"", name ? name : "?");
}

/* Shortest text that reads back as the same double, so run.ini round-trips
 * without printing 0.1 as 0.10000000000000001. */
static char *format_double(double d) {
  static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (size_t i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_ascii_formatd(buf, sizeof buf, formats[i], d);
    if (g_ascii_strtod(buf, NULL) == d) break;
  }
  return g_strdup(buf);
}

static bool is_module_path(const char *name) {
  return strchr(name, '/') != NULL || g_str_has_suffix(name, MODULE_SUFFIX);
}

/* A bare name becomes a file name and a C identifier, so it may hold only
 * what both accept ('-' is mapped to '_' in the symbol). */
static bool is_valid_policy_name(const char *name) {
  if (!*name) return false;
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum(*c) && *c != '_' && *c != '-') return false;
  return true;
}

/* Parameter names are GKeyFile keys and the right side of `--set policy.name`. */
static bool is_valid_param_name(const char *name) {
  for (const char *c = name; *c; c++)
    if (!g_ascii_isalnum(*c) && *c != '_' && *c != '-' && *c != '.') return false;
  return true;
}

static char *path_stem(const char *path) {
  char *base = g_path_get_basename(path);
  if (g_str_has_suffix(base, MODULE_SUFFIX)) base[strlen(base) - strlen(MODULE_SUFFIX)] = '\0';
  return base;
}

static char *entry_symbol(const char *stem) {
  char *sym = g_strdup_printf("fragsim_policy_%s_get_ops", stem);
  g_strdelimit(sym, "-", '_');
  return sym;
}

/* ---- search and load ---------------------------------------------------------- */

char **fsi_policy_search_path(const char *cli_path) {
  GPtrArray *dirs = g_ptr_array_new();
  add_dirs(dirs, cli_path);
  add_dirs(dirs, g_getenv("FRAGSIM_POLICY_PATH"));
  add_dirs(dirs, FRAGSIM_POLICYDIR);
  g_ptr_array_add(dirs, NULL);
  return (char **)g_ptr_array_free(dirs, FALSE);
}

/* Returns the absolute module path.  Always absolute: dlopen() of a name
 * without '/' searches the library path instead of the directory we found
 * it in. */
/* The names of the policy modules on the search path, in its order. */
static GPtrArray *policy_names(char *const *search_path) {
  GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
  GPtrArray *modules = fsi_policy_modules(search_path);
  for (guint i = 0; i < modules->len; i++) {
    char *base = g_path_get_basename(g_ptr_array_index(modules, i));
    base[strlen(base) - strlen(MODULE_SUFFIX)] = '\0';
    g_ptr_array_add(names, base);
  }
  g_ptr_array_unref(modules);
  return names;
}

static char *find_module(const char *name, char *const *search_path, GError **error) {
  if (is_module_path(name)) {
    if (g_file_test(name, G_FILE_TEST_IS_REGULAR)) return g_canonicalize_filename(name, NULL);
    g_autofree char *with_suffix = g_strconcat(name, MODULE_SUFFIX, NULL);
    if (!g_str_has_suffix(name, MODULE_SUFFIX) && g_file_test(with_suffix, G_FILE_TEST_IS_REGULAR))
      return g_canonicalize_filename(with_suffix, NULL);
    g_set_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND, "policy \"%s\" not found: no such module file", name);
    return NULL;
  }
  if (!is_valid_policy_name(name)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND,
                "policy \"%s\" not found: a policy name has only letters, digits, '_' and '-' "
                "(give a path containing '/' to load a file)",
                name);
    return NULL;
  }
  g_autofree char *file = g_strconcat(name, MODULE_SUFFIX, NULL);
  GString *searched = g_string_new(NULL);
  for (char *const *d = search_path; d && *d; d++) {
    g_autofree char *candidate = g_build_filename(*d, file, NULL);
    if (g_file_test(candidate, G_FILE_TEST_IS_REGULAR)) {
      g_string_free(searched, TRUE);
      return g_canonicalize_filename(candidate, NULL);
    }
    g_string_append_printf(searched, "%s%s", searched->len ? ", " : "", *d);
  }
  if (searched->len) {
    GPtrArray *known = policy_names(search_path);
    const char *best = fsi_nearest_name(name, (const char *const *)known->pdata, known->len);
    g_ptr_array_add(known, NULL);
    g_autofree char *list = g_strjoinv(", ", (char **)known->pdata);
    g_set_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND, "policy \"%s\" not found: no %s in %s%s%s%s%s", name, file,
                searched->str, best ? "; did you mean \"" : "", best ? best : "", best ? "\"? The policies: " : "; the policies: ",
                known->len > 1 ? list : "none");
    g_ptr_array_unref(known);
  }
  else
    g_set_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND, "policy \"%s\" not found: the policy search path is empty",
                name);
  g_string_free(searched, TRUE);
  return NULL;
}

static unsigned count_params(const FsParamSpec *params) {
  unsigned n = 0;
  while (params && params[n].name) n++;
  return n;
}

bool fsi_policy_load(const char *name_or_path, char *const *search_path, FsiPolicy *ret, GError **error) {
  g_return_val_if_fail(name_or_path != NULL && ret != NULL, false);

  g_autofree char *path = find_module(name_or_path, search_path, error);
  if (!path) return false;
  g_autofree char *stem = path_stem(path);
  g_autofree char *label = policy_label(stem, path);

  /* the module's identity for run.ini: a policy has no version of its own,
   * so its file's checksum says which build of it ran */
  g_autofree char *image = NULL;
  gsize image_len = 0;
  g_autofree char *sha256 = g_file_get_contents(path, &image, &image_len, NULL)
                               ? g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)image, image_len)
                               : NULL;

  GModule *module = g_module_open(path, G_MODULE_BIND_LAZY | G_MODULE_BIND_LOCAL);
  if (!module) {
    /* No code of its own: a file that will not open cannot give us its
     * entry function, which is what FSI_ERROR_SYMBOL reports. */
    g_set_error(error, FSI_ERROR, FSI_ERROR_SYMBOL, "%s: cannot open module: %s", label, g_module_error());
    return false;
  }

  g_autofree char *symbol = entry_symbol(stem);
  gpointer sym = NULL;
  if (!g_module_symbol(module, symbol, &sym) || !sym) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_SYMBOL,
                "%s: the module does not export %s() (its entry function, named after the file)", label, symbol);
    g_module_close(module);
    return false;
  }
  /* dlsym hands back an object pointer; ISO C has no cast from that to a
   * function pointer, but POSIX guarantees the representations match. */
  FsiGetOpsFn get_ops;
  G_STATIC_ASSERT(sizeof get_ops == sizeof sym);
  memcpy(&get_ops, &sym, sizeof get_ops);

  const FsPolicyOps *raw = get_ops();
  if (!raw) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_SYMBOL, "%s: %s() returned NULL", label, symbol);
    g_module_close(module);
    return false;
  }
  if (!fsi_policy_validate(raw, stem, path, error)) {
    g_module_close(module);
    return false;
  }

  FsiPolicy p = {0};
  p.name = g_steal_pointer(&stem);
  p.path = g_steal_pointer(&path);
  p.module = module;
  g_strlcpy(p.sha256, sha256 ? sha256 : "unknown", sizeof p.sha256);
  /* Hooks appended after the plugin was built must read as NULL. */
  memset(&p.ops, 0, sizeof p.ops);
  memcpy(&p.ops, raw, MIN((size_t)raw->abi.table_size, sizeof p.ops));

  p.nparams = count_params(p.ops.params);
  p.values = g_new0(FsParamValue, p.nparams);
  p.value_text = g_new0(char *, p.nparams + 1);
  for (unsigned i = 0; i < p.nparams; i++) {
    const FsParamSpec *spec = &p.ops.params[i];
    if (!fsi_param_parse(spec, spec->default_value, &p.values[i], &p.value_text[i], error)) {
      /* validate parsed every default already; this only guards the contract */
      g_prefix_error(error, "%s: ", label);
      fsi_policy_unload(&p);
      return false;
    }
  }
  *ret = p;
  return true;
}

void fsi_policy_unload(FsiPolicy *p) {
  if (!p) return;
  g_free(p->name);
  g_free(p->path);
  g_free(p->values);
  g_strfreev(p->value_text);
  /* last: ops still points at strings and tables inside the module */
  if (p->module) g_module_close(p->module);
  memset(p, 0, sizeof *p);
}

/* ---- parameters ------------------------------------------------------------- */

static const struct {
  const char *text;
  bool value;
} bool_words[] = {
    {"true", true}, {"false", false}, {"yes", true}, {"no", false},
    {"on", true},   {"off", false},   {"1", true},   {"0", false},
};

static bool bounded(const FsParamSpec *spec) { return spec->min <= spec->max; }

static char *bounds_text(const FsParamSpec *spec) {
  if (!bounded(spec)) return g_strdup("");
  g_autofree char *lo = format_double(spec->min);
  g_autofree char *hi = format_double(spec->max);
  return g_strdup_printf(" in [%s, %s]", lo, hi);
}

/* Parses text for spec.  On success *ret_text is the canonical text (owned by
 * the caller; a STRING value points at it).  On failure *ret_why says what was
 * given and what was expected, without naming the parameter: each caller names
 * it in the way its user will recognise. */
static bool parse_value(const FsParamSpec *spec, const char *text, FsParamValue *ret_value, char **ret_text,
                        char **ret_why) {
  FsParamValue v = {0};
  char *canon = NULL;

  switch (spec->type) {
  case FS_PARAM_INT: {
    char *end = NULL;
    errno = 0;
    gint64 i = (*text && !g_ascii_isspace(*text)) ? g_ascii_strtoll(text, &end, 10) : 0;
    if (!end || end == text || *end || errno == ERANGE ||
        (bounded(spec) && ((double)i < spec->min || (double)i > spec->max))) {
      g_autofree char *b = bounds_text(spec);
      *ret_why = g_strdup_printf("\"%s\" is not an integer%s", text, b);
      return false;
    }
    v.i = i;
    canon = g_strdup_printf("%" G_GINT64_FORMAT, i);
    break;
  }
  case FS_PARAM_DOUBLE: {
    char *end = NULL;
    double d = (*text && !g_ascii_isspace(*text)) ? g_ascii_strtod(text, &end) : 0;
    if (!end || end == text || *end || !isfinite(d) || (bounded(spec) && (d < spec->min || d > spec->max))) {
      g_autofree char *b = bounds_text(spec);
      *ret_why = g_strdup_printf("\"%s\" is not a finite number%s", text, b);
      return false;
    }
    v.d = d;
    canon = format_double(d);
    break;
  }
  case FS_PARAM_BOOL: {
    size_t k = 0;
    while (k < G_N_ELEMENTS(bool_words) && g_ascii_strcasecmp(text, bool_words[k].text) != 0) k++;
    if (k == G_N_ELEMENTS(bool_words)) {
      *ret_why = g_strdup_printf("\"%s\" is not a boolean (true/false, yes/no, on/off, 1/0)", text);
      return false;
    }
    v.b = bool_words[k].value;
    canon = g_strdup(v.b ? "true" : "false");
    break;
  }
  case FS_PARAM_ENUM: {
    int64_t k = 0;
    const char *const *c = spec->choices;
    while (c && c[k] && strcmp(c[k], text) != 0) k++;
    if (!c || !c[k]) {
      GString *list = g_string_new(NULL);
      for (const char *const *x = c; x && *x; x++) g_string_append_printf(list, "%s%s", list->len ? ", " : "", *x);
      *ret_why = g_strdup_printf("\"%s\" is not one of: %s", text, list->str);
      g_string_free(list, TRUE);
      return false;
    }
    v.i = k;
    canon = g_strdup(c[k]);
    break;
  }
  case FS_PARAM_STRING:
    canon = g_strdup(text);
    v.s = canon;
    break;
  default:
    *ret_why = g_strdup_printf("has unknown type %d", (int)spec->type);
    return false;
  }
  *ret_value = v;
  *ret_text = canon;
  return true;
}

/* With ret_text NULL a STRING value points at the caller's text. */
bool fsi_param_parse(const FsParamSpec *spec, const char *text, FsParamValue *ret_value, char **ret_text,
                     GError **error) {
  g_return_val_if_fail(spec != NULL && spec->name != NULL, false);
  if (!text) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_PARAM, "parameter \"%s\": no value given", spec->name);
    return false;
  }
  FsParamValue v;
  g_autofree char *canon = NULL;
  g_autofree char *why = NULL;
  if (!parse_value(spec, text, &v, &canon, &why)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_PARAM, "parameter \"%s\": %s", spec->name, why);
    return false;
  }
  if (spec->type == FS_PARAM_STRING && !ret_text) v.s = text;
  if (ret_value) *ret_value = v;
  if (ret_text) *ret_text = g_steal_pointer(&canon);
  return true;
}

static int find_param(const FsiPolicy *p, const char *name) {
  for (unsigned i = 0; i < p->nparams; i++)
    if (strcmp(p->ops.params[i].name, name) == 0) return (int)i;
  return -1;
}

bool fsi_policy_set_params(FsiPolicy *p, GKeyFile *cfg, GError **error) {
  g_return_val_if_fail(p != NULL && p->name != NULL, false);
  if (!cfg || !g_key_file_has_group(cfg, p->name)) return true;

  g_auto(GStrv) keys = g_key_file_get_keys(cfg, p->name, NULL, NULL);
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
  /* Staged so that a rejected group leaves every value as it was. */
  g_autofree FsParamValue *values = g_memdup2(p->values, p->nparams * sizeof *values);
  char **texts = g_new0(char *, p->nparams);

  for (char **k = keys; k && *k; k++) {
    int i = find_param(p, *k);
    if (i < 0) {
      GString *have = g_string_new(NULL);
      for (unsigned j = 0; j < p->nparams; j++)
        g_string_append_printf(have, "%s%s", j ? ", " : "", p->ops.params[j].name);
      g_ptr_array_add(problems, g_strdup_printf("[%s] %s: policy \"%s\" has no parameter \"%s\" (%s%s)", p->name,
                                                *k, p->name, *k, p->nparams ? "it has: " : "it has no parameters",
                                                have->str));
      g_string_free(have, TRUE);
      continue;
    }
    g_autoptr(GError) local = NULL;
    g_autofree char *text = g_key_file_get_string(cfg, p->name, *k, &local);
    g_autofree char *why = NULL;
    char *canon = NULL;
    if (!text) {
      g_ptr_array_add(problems, g_strdup_printf("[%s] %s: %s", p->name, *k, local->message));
    } else if (!parse_value(&p->ops.params[i], text, &values[i], &canon, &why)) {
      g_ptr_array_add(problems, g_strdup_printf("[%s] %s: parameter \"%s.%s\": %s", p->name, *k, p->name, *k, why));
    } else {
      texts[i] = canon;
    }
  }

  if (problems->len) {
    g_autofree char *msg = join_problems(problems);
    g_set_error_literal(error, FSI_ERROR, FSI_ERROR_PARAM, msg);
    for (unsigned i = 0; i < p->nparams; i++) g_free(texts[i]); /* sparse: not a strv */
    g_free(texts);
    return false;
  }
  for (unsigned i = 0; i < p->nparams; i++) {
    if (!texts[i]) continue;
    g_free(p->value_text[i]);
    p->value_text[i] = texts[i];
    p->values[i] = values[i];
  }
  g_free(texts); /* the strings now belong to p */
  return true;
}

/* ---- validation --------------------------------------------------------------- */

static void check_params(const FsParamSpec *params, GPtrArray *problems) {
  for (unsigned i = 0; params && params[i].name; i++) {
    const FsParamSpec *s = &params[i];
    if (!*s->name) {
      g_ptr_array_add(problems, g_strdup_printf("params[%u] has an empty name", i));
      continue;
    }
    if (!is_valid_param_name(s->name))
      g_ptr_array_add(problems, g_strdup_printf("parameter \"%s\": a name has only letters, digits, '_', '-' and '.'",
                                                s->name));
    for (unsigned j = 0; j < i; j++) {
      if (strcmp(params[j].name, s->name) == 0) {
        g_ptr_array_add(problems, g_strdup_printf("parameter \"%s\" is declared twice (params[%u] and params[%u])",
                                                  s->name, j, i));
        break;
      }
    }
    if (s->type < FS_PARAM_INT || s->type > FS_PARAM_STRING) {
      g_ptr_array_add(problems, g_strdup_printf("parameter \"%s\" has unknown type %d", s->name, (int)s->type));
      continue;
    }
    if (s->type == FS_PARAM_ENUM) {
      if (!s->choices || !s->choices[0]) {
        g_ptr_array_add(problems, g_strdup_printf("parameter \"%s\" is an ENUM without choices", s->name));
        continue;
      }
      for (unsigned a = 0; s->choices[a]; a++)
        for (unsigned b = 0; b < a; b++)
          if (strcmp(s->choices[a], s->choices[b]) == 0)
            g_ptr_array_add(problems,
                            g_strdup_printf("parameter \"%s\" lists choice \"%s\" twice", s->name, s->choices[a]));
    }
    if (!s->default_value) {
      g_ptr_array_add(problems, g_strdup_printf("parameter \"%s\" has no default value", s->name));
      continue;
    }
    FsParamValue v;
    g_autofree char *canon = NULL;
    g_autofree char *why = NULL;
    if (!parse_value(s, s->default_value, &v, &canon, &why))
      g_ptr_array_add(problems, g_strdup_printf("parameter \"%s\": default %s", s->name, why));
  }
}

static void abi_field(GString *s, const char *field, unsigned engine, unsigned plugin) {
  g_string_append_printf(s, "%s%s: engine %u, plugin %u", s->len ? "; " : "", field, engine, plugin);
}

/* Every problem goes into one message.  The error code is that of the most
 * fundamental kind found, in this order: FSI_ERROR_ABI (the table cannot be
 * trusted), FSI_ERROR_HOOK, FSI_ERROR_NAME, FSI_ERROR_PARAM.  When major or
 * table_size is wrong the rest of the table is not read: its layout is not
 * the one we know. */
bool fsi_policy_validate(const FsPolicyOps *raw, const char *file_stem, const char *path, GError **error) {
  if (!raw) {
    g_autofree char *label = policy_label(file_stem, path);
    g_set_error(error, FSI_ERROR, FSI_ERROR_SYMBOL, "%s: no policy table", label);
    return false;
  }
  g_autoptr(GPtrArray) problems = g_ptr_array_new_with_free_func(g_free);
  FsiErrorCode code = 0;
  const FsAbi *abi = &raw->abi;

  GString *bad = g_string_new(NULL);
  if (abi->major != FS_ABI_MAJOR) abi_field(bad, "major", FS_ABI_MAJOR, abi->major);
  if (abi->minor > FS_ABI_MINOR) abi_field(bad, "minor", FS_ABI_MINOR, abi->minor);
  if (abi->table_size < MIN_TABLE_SIZE)
    g_string_append_printf(bad, "%stable_size: engine at least %u, plugin %u", bad->len ? "; " : "",
                           (unsigned)MIN_TABLE_SIZE, (unsigned)abi->table_size);
  if (abi->max_order != FS_MAX_ORDER) abi_field(bad, "max_order", FS_MAX_ORDER, abi->max_order);
  if (abi->nr_migratetypes != FS_MIGRATE_TYPES)
    abi_field(bad, "nr_migratetypes", FS_MIGRATE_TYPES, abi->nr_migratetypes);
  if (abi->max_zones != FS_MAX_ZONES) abi_field(bad, "max_zones", FS_MAX_ZONES, abi->max_zones);
  if (bad->len) {
    g_ptr_array_add(problems, g_strdup_printf("incompatible ABI: %s", bad->str));
    code = FSI_ERROR_ABI;
  }
  g_string_free(bad, TRUE);

  if (abi->major == FS_ABI_MAJOR && abi->table_size >= MIN_TABLE_SIZE) {
    guint before = problems->len;
    if (!raw->create) g_ptr_array_add(problems, g_strdup("missing required hook create"));
    if (!raw->destroy) g_ptr_array_add(problems, g_strdup("missing required hook destroy"));
    if (!code && problems->len > before) code = FSI_ERROR_HOOK;

    before = problems->len;
    if (!raw->name)
      g_ptr_array_add(problems, g_strdup("the table has no name"));
    else if (!*raw->name)
      g_ptr_array_add(problems, g_strdup("the table's name is empty"));
    else if (file_stem && strcmp(raw->name, file_stem) != 0)
      g_ptr_array_add(problems, g_strdup_printf("table name \"%s\" differs from the file name \"%s\"", raw->name,
                                                file_stem));
    if (!code && problems->len > before) code = FSI_ERROR_NAME;

    before = problems->len;
    check_params(raw->params, problems);
    if (!code && problems->len > before) code = FSI_ERROR_PARAM;
  }

  if (!problems->len) return true;
  g_autofree char *label = policy_label(file_stem ? file_stem : raw->name, path);
  g_autofree char *msg = join_problems(problems);
  g_set_error(error, FSI_ERROR, (gint)code, "%s: %s", label, msg);
  return false;
}

/* ---- stacks --------------------------------------------------------------------- */

static bool check_stacks(GKeyFile *kf, const char *path, GError **error) {
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (char **g = groups; *g; g++) {
    g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
    for (char **k = keys; k && *k; k++) {
      /* strict, so a misspelt "polices" is not silently a stack of nothing */
      if (strcmp(*k, "policies") != 0 && strcmp(*k, "description") != 0 && strcmp(*k, "set") != 0) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                    "%s: [%s]: unknown key \"%s\" (a stack has: policies, description, set)", path, *g, *k);
        return false;
      }
    }
    g_autofree char *policies = g_key_file_get_string(kf, *g, "policies", NULL);
    if (!policies || !*g_strstrip(policies)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: [%s]: no \"policies\" key", path, *g);
      return false;
    }
  }
  return true;
}

/* The first stacks.ini on the data path wins; none at all is an empty set of
 * stacks, so plain policy names work without any data installed. */
GKeyFile *fsi_stacks_load(GError **error) {
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
  add_dirs(dirs, g_getenv("FRAGSIM_DATA_PATH"));
  add_dirs(dirs, FRAGSIM_DATADIR);

  GKeyFile *kf = g_key_file_new();
  for (guint i = 0; i < dirs->len; i++) {
    g_autofree char *path = g_build_filename(g_ptr_array_index(dirs, i), STACKS_FILE, NULL);
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) continue;
    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: %s", path, local->message);
      g_key_file_free(kf);
      return NULL;
    }
    if (!check_stacks(kf, path, error)) {
      g_key_file_free(kf);
      return NULL;
    }
    break;
  }
  return kf;
}

static char *chain_text(GPtrArray *chain, const char *again) {
  GString *s = g_string_new(NULL);
  guint from = 0;
  while (from < chain->len && strcmp(g_ptr_array_index(chain, from), again) != 0) from++;
  for (guint i = from; i < chain->len; i++) g_string_append_printf(s, "%s -> ", (char *)g_ptr_array_index(chain, i));
  g_string_append(s, again);
  return g_string_free(s, FALSE);
}

static void set_empty_element_error(const char *top, const char *spec, GPtrArray *chain, GError **error) {
  if (chain->len == 0)
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "stack \"%s\": empty element", top);
  else
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "stack \"%s\": empty element in \"%s\" (stack \"%s\")", top,
                spec, (char *)g_ptr_array_index(chain, chain->len - 1));
}

static bool expand_into(GKeyFile *stacks, const char *top, const char *spec, GPtrArray *chain, GPtrArray *out,
                        GError **error) {
  if (!*spec) { /* g_strsplit would give no elements at all */
    set_empty_element_error(top, spec, chain, error);
    return false;
  }
  g_auto(GStrv) parts = g_strsplit(spec, "+", -1);
  for (char **part = parts; *part; part++) {
    char *e = g_strstrip(*part);
    if (!*e) {
      set_empty_element_error(top, spec, chain, error);
      return false;
    }
    if (stacks && g_key_file_has_group(stacks, e)) {
      /* A stack named after a policy it contains is a cycle too: names are
       * looked up as stacks first. */
      if (strv_contains(chain, e)) {
        g_autofree char *cycle = chain_text(chain, e);
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "stack \"%s\": cycle in stack definitions: %s", top, cycle);
        return false;
      }
      g_autofree char *inner = g_key_file_get_string(stacks, e, "policies", NULL);
      if (!inner) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "stack \"%s\": stack \"%s\" has no \"policies\" key", top, e);
        return false;
      }
      g_ptr_array_add(chain, e);
      bool ok = expand_into(stacks, top, inner, chain, out, error);
      g_ptr_array_remove_index(chain, chain->len - 1);
      if (!ok) return false;
    } else if (strv_contains(out, e)) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "policy \"%s\" appears twice in stack \"%s\"", e, top);
      return false;
    } else {
      g_ptr_array_add(out, g_strdup(e));
    }
  }
  return true;
}

/* Settings of the named stacks in spec, inner stacks first so an outer
 * stack's setting wins. */
static void settings_into(GKeyFile *stacks, const char *spec, int depth, GPtrArray *out) {
  if (depth > 32) return; /* cycles are reported by fsi_stack_expand */
  g_auto(GStrv) parts = g_strsplit(spec, "+", -1);
  for (char **part = parts; *part; part++) {
    char *e = g_strstrip(*part);
    if (!*e || !g_key_file_has_group(stacks, e)) continue;
    g_autofree char *inner = g_key_file_get_string(stacks, e, "policies", NULL);
    if (inner) settings_into(stacks, inner, depth + 1, out);
    g_autofree char *set = g_key_file_get_string(stacks, e, "set", NULL);
    if (!set) continue;
    g_auto(GStrv) items = g_strsplit(set, ",", -1);
    for (char **it = items; *it; it++)
      if (*g_strstrip(*it)) g_ptr_array_add(out, g_strdup(*it));
  }
}

char **fsi_stack_settings(GKeyFile *stacks, const char *spec) {
  GPtrArray *out = g_ptr_array_new();
  if (stacks) settings_into(stacks, spec, 0, out);
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

char **fsi_stack_expand(GKeyFile *stacks, const char *spec, GError **error) {
  g_return_val_if_fail(spec != NULL, NULL);
  g_autoptr(GPtrArray) chain = g_ptr_array_new();
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  if (!expand_into(stacks, spec, spec, chain, out, error)) {
    g_ptr_array_free(out, TRUE);
    return NULL;
  }
  g_ptr_array_set_free_func(out, NULL);
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(out, FALSE);
}

static int cmp_strp(gconstpointer a, gconstpointer b) { return strcmp(*(char *const *)a, *(char *const *)b); }

GPtrArray *fsi_policy_modules(char *const *search_path) {
  GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
  GHashTable *seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (char *const *d = search_path; d && *d; d++) {
    GDir *dir = g_dir_open(*d, 0, NULL);
    if (!dir) continue;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    const char *n;
    while ((n = g_dir_read_name(dir)))
      if (g_str_has_suffix(n, MODULE_SUFFIX)) g_ptr_array_add(names, g_strndup(n, strlen(n) - strlen(MODULE_SUFFIX)));
    g_dir_close(dir);
    g_ptr_array_sort(names, cmp_strp);
    for (guint i = 0; i < names->len; i++) {
      const char *name = g_ptr_array_index(names, i);
      if (g_hash_table_contains(seen, name)) continue;
      g_hash_table_add(seen, g_strdup(name));
      char *file = g_strconcat(name, MODULE_SUFFIX, NULL);
      g_ptr_array_add(out, g_build_filename(*d, file, NULL));
      g_free(file);
    }
    g_ptr_array_unref(names);
  }
  g_hash_table_unref(seen);
  return out;
}

/* A single name that is neither a stack nor a policy: say which stacks and
 * policies there are, and the closest of them. */
static void unknown_name(GKeyFile *stacks, const char *name, char *const *search, GError **error) {
  g_auto(GStrv) groups = g_key_file_get_groups(stacks, NULL);
  GPtrArray *known = g_ptr_array_new_with_free_func(g_free);
  GString *list = g_string_new(NULL);
  for (char **g = groups; g && *g; g++) {
    g_ptr_array_add(known, g_strdup(*g));
    g_string_append_printf(list, "%s%s", list->len ? ", " : "", *g);
  }
  GPtrArray *names = policy_names(search);
  for (guint i = 0; i < names->len; i++) g_ptr_array_add(known, g_strdup(g_ptr_array_index(names, i)));
  g_ptr_array_unref(names);
  const char *best = fsi_nearest_name(name, (const char *const *)known->pdata, known->len);
  GString *msg = g_string_new(NULL);
  g_string_printf(msg, "\"%s\" is neither a stack nor a policy", name);
  if (best) g_string_append_printf(msg, "; did you mean \"%s\"?", best);
  g_string_append_printf(msg, "%sstacks: %s; policies: fragsim list policies", best ? " The " : "; the ", list->str);
  g_set_error_literal(error, FSI_ERROR, FSI_ERROR_NOT_FOUND, msg->str);
  g_string_free(msg, TRUE);
  g_string_free(list, TRUE);
  g_ptr_array_unref(known);
}

FsiStack *fsi_stack_load(const char *spec, const char *cli_path, GKeyFile *cfg, GError **error) {
  g_return_val_if_fail(spec != NULL, NULL);
  g_autoptr(GKeyFile) stacks = fsi_stacks_load(error);
  if (!stacks) return NULL;
  g_auto(GStrv) names = fsi_stack_expand(stacks, spec, error);
  if (!names) return NULL;
  g_auto(GStrv) search = fsi_policy_search_path(cli_path);

  FsiStack *s = g_new0(FsiStack, 1);
  s->spec = g_strdup(spec);
  s->expanded = g_strjoinv("+", names);
  s->n = g_strv_length(names);
  s->v = g_new0(FsiPolicy, s->n);
  for (unsigned i = 0; i < s->n; i++) {
    GError *le = NULL;
    if (!fsi_policy_load(names[i], search, &s->v[i], &le)) {
      if (s->n == 1 && g_error_matches(le, FSI_ERROR, FSI_ERROR_NOT_FOUND) && !is_module_path(names[i]) &&
          !strcmp(names[i], spec)) {
        g_error_free(le);
        unknown_name(stacks, spec, search, error);
        fsi_stack_free(s);
        return NULL;
      }
      g_propagate_error(error, le);
      goto fail;
    }
    /* A path and a name can reach the same policy; its parameter section
     * would then be ambiguous. */
    for (unsigned j = 0; j < i; j++) {
      if (strcmp(s->v[j].name, s->v[i].name) == 0) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "policy \"%s\" appears twice in stack \"%s\" (%s and %s)",
                    s->v[i].name, spec, names[j], names[i]);
        fsi_stack_free(s);
        return NULL;
      }
    }
    if (cfg && !fsi_policy_set_params(&s->v[i], cfg, error)) goto fail;
  }
  return s;

fail:
  g_prefix_error(error, "stack \"%s\": ", spec);
  fsi_stack_free(s);
  return NULL;
}

void fsi_stack_free(FsiStack *s) {
  if (!s) return;
  for (unsigned i = 0; i < s->n; i++) fsi_policy_unload(&s->v[i]);
  g_free(s->v);
  g_free(s->spec);
  g_free(s->expanded);
  g_free(s);
}
