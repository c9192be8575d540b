/* Policy plugin loader and named stacks.
 *
 * Owns: finding a module on the search path, checking its ABI block and its
 * table (everything wrong is reported at once, in one GError naming the
 * plugin), copying the table into a zeroed FsPolicyOps so hooks a plugin
 * predates read as NULL, parsing the plugin's parameters from the run
 * configuration, and expanding named stacks from the stacks data file.
 * Does not own: calling hooks (the run does that).
 *
 * Search order for a policy name: each directory of the --policy-path
 * argument (colon separated), then of $FRAGSIM_POLICY_PATH, then the
 * installed policy directory.  A name containing '/' or ending in the module
 * suffix is taken as a path.
 */
#ifndef FS_LOADER_H
#define FS_LOADER_H

#include <fragsim/policy.h>
#include <glib.h>
#include <gmodule.h>

typedef struct {
  char *name;            /* file stem, equals ops.name */
  char *path;            /* module path loaded */
  char sha256[65];       /* of the module file as loaded (run.ini's [modules]), hex */
  GModule *module;
  FsPolicyOps ops;       /* zero-extended copy */
  unsigned nparams;
  FsParamValue *values;  /* parsed, indexed like ops.params */
  char **value_text;     /* canonical text of each value, for run.ini */
} FsiPolicy;

typedef struct {
  char *spec;            /* as the user gave it, e.g. "linux-6.1" or "migratetype+compaction" */
  char *expanded;        /* policy names joined with '+' */
  unsigned n;
  FsiPolicy *v;
} FsiStack;

/* The directories searched, in order (NULL-terminated, g_strfreev). */
char **fsi_policy_search_path(const char *cli_path);

/* The policy modules the search path offers: one file path per policy name, the
 * first directory holding that name winning (as loading resolves it); sorted by
 * name within each directory.  g_ptr_array_unref frees it. */
GPtrArray *fsi_policy_modules(char *const *search_path);

/* Loads one policy by name (searched) or path.  Parameters get their defaults. */
bool fsi_policy_load(const char *name_or_path, char *const *search_path, FsiPolicy *ret, GError **error);
void fsi_policy_unload(FsiPolicy *p);

/* Validates the table: ABI (every differing field), required hooks, the
 * parameter table, name vs file stem.  Used by load; public for check-policy. */
bool fsi_policy_validate(const FsPolicyOps *raw, const char *file_stem, const char *path, GError **error);

/* Sets parameter values from cfg's group named after the policy; unknown keys
 * and malformed values are errors naming policy and key. */
bool fsi_policy_set_params(FsiPolicy *p, GKeyFile *cfg, GError **error);

/* Parses one value of a spec; ret_text gets the canonical text. */
bool fsi_param_parse(const FsParamSpec *spec, const char *text, FsParamValue *ret_value, char **ret_text,
                     GError **error);

/* Named stacks: data file search ($FRAGSIM_DATA_PATH dirs, then the installed
 * data directory) for "stacks.ini". */
GKeyFile *fsi_stacks_load(GError **error);
/* Expands "a+b" where each element is a policy or a stack name (recursively,
 * cycles are errors).  Returns NULL-terminated policy names. */
char **fsi_stack_expand(GKeyFile *stacks, const char *spec, GError **error);

/* The "section.key=value" settings the named stacks in spec carry (key
 * `set`, comma separated), inner stacks first.  g_strfreev. */
char **fsi_stack_settings(GKeyFile *stacks, const char *spec);

/* Expands spec, loads every policy, applies cfg parameters. */
FsiStack *fsi_stack_load(const char *spec, const char *cli_path, GKeyFile *cfg, GError **error);
void fsi_stack_free(FsiStack *s);

#endif
