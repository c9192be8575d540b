/* Tests for the policy loader and named stacks (engine/plugin/loader.c).
 *
 * The fixture modules in tests/fixtures are loaded for real, through
 * g_module_open, from $FRAGSIM_FIXTURE_DIR (meson sets it; by hand it falls
 * back to fixtures/ next to this program).  Each test gets a scratch
 * directory for stacks files and copied modules, and the environment
 * variables the loader reads are restored after it.
 */
#include <stddef.h>
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "engine/core/error.h"
#include "engine/plugin/loader.h"
#include "fragsim-config.h"
#include "helpers.h"

typedef struct {
  char *fixtures;     /* directory of the fixture modules */
  char *tmp;          /* scratch directory, removed after the test */
  char *search[2];    /* {fixtures, NULL} */
  char *saved_policy_path;
  char *saved_data_path;
} Fx;

/* ---- helpers ------------------------------------------------------------------ */

static void restore_env(const char *name, const char *saved) {
  if (saved)
    g_setenv(name, saved, TRUE);
  else
    g_unsetenv(name);
}

static void fx_setup(Fx *fx, gconstpointer data) {
  (void)data;
  fx->fixtures = ft_fixture_dir();
  fx->search[0] = fx->fixtures;
  fx->search[1] = NULL;
  fx->tmp = ft_tmpdir("fragsim-loader");
  fx->saved_policy_path = g_strdup(g_getenv("FRAGSIM_POLICY_PATH"));
  fx->saved_data_path = g_strdup(g_getenv("FRAGSIM_DATA_PATH"));
}

static void fx_teardown(Fx *fx, gconstpointer data) {
  (void)data;
  restore_env("FRAGSIM_POLICY_PATH", fx->saved_policy_path);
  restore_env("FRAGSIM_DATA_PATH", fx->saved_data_path);
  ft_rm_tree(fx->tmp);
  g_free(fx->tmp);
  g_free(fx->fixtures);
  g_free(fx->saved_policy_path);
  g_free(fx->saved_data_path);
}

static char *fx_path(Fx *fx, const char *name) { return g_build_filename(fx->tmp, name, NULL); }

/* Copies a fixture module to dst (a path under fx->tmp). */
static void fx_copy_module(Fx *fx, const char *fixture, const char *dst) {
  g_autofree char *src = g_strconcat(fx->fixtures, "/", fixture, "." G_MODULE_SUFFIX, NULL);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_file_get_contents(src, &data, &len, &error);
  g_assert_no_error(error);
  g_file_set_contents(dst, data, (gssize)len, &error);
  g_assert_no_error(error);
}

static GKeyFile *keyfile(const char *text) {
  GKeyFile *kf = g_key_file_new();
  g_autoptr(GError) error = NULL;
  g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &error);
  g_assert_no_error(error);
  return kf;
}

/* Loads a fixture that must fail, returning the error for the caller to check. */
static GError *load_error(Fx *fx, const char *name) {
  FsiPolicy p = {0};
  GError *error = NULL;
  g_assert_false(fsi_policy_load(name, fx->search, &p, &error));
  g_assert_nonnull(error);
  g_assert_null(p.module); /* untouched on failure */
  return error;
}

static void load_ok(Fx *fx, const char *name, FsiPolicy *p) {
  g_autoptr(GError) error = NULL;
  g_assert_true(fsi_policy_load(name, fx->search, p, &error));
  g_assert_no_error(error);
}

/* ---- search path --------------------------------------------------------------- */

static void test_search_path_order(Fx *fx, gconstpointer data) {
  (void)fx, (void)data;
  g_setenv("FRAGSIM_POLICY_PATH", "/env/one::/env/two:", TRUE);
  g_auto(GStrv) path = fsi_policy_search_path(":/cli/a::/cli/b:/env/one");
  const char *want[] = {"/cli/a", "/cli/b", "/env/one", "/env/two", FRAGSIM_POLICYDIR, NULL};
  g_assert_cmpstrv(path, want);

  g_unsetenv("FRAGSIM_POLICY_PATH");
  g_auto(GStrv) bare = fsi_policy_search_path(NULL);
  const char *want_bare[] = {FRAGSIM_POLICYDIR, NULL};
  g_assert_cmpstrv(bare, want_bare);
}

static void test_search_path_cli_first(Fx *fx, gconstpointer data) {
  (void)data;
  g_autofree char *a = fx_path(fx, "a");
  g_autofree char *b = fx_path(fx, "b");
  g_assert_cmpint(g_mkdir(a, 0755), ==, 0);
  g_assert_cmpint(g_mkdir(b, 0755), ==, 0);
  g_autofree char *in_a = g_build_filename(a, "good." G_MODULE_SUFFIX, NULL);
  g_autofree char *in_b = g_build_filename(b, "good." G_MODULE_SUFFIX, NULL);
  fx_copy_module(fx, "good", in_a);
  fx_copy_module(fx, "good", in_b);
  g_setenv("FRAGSIM_POLICY_PATH", b, TRUE);

  g_autoptr(GError) error = NULL;
  FsiPolicy p = {0};
  g_auto(GStrv) with_cli = fsi_policy_search_path(a);
  g_assert_true(fsi_policy_load("good", with_cli, &p, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(p.path, ==, in_a);
  fsi_policy_unload(&p);

  g_auto(GStrv) env_only = fsi_policy_search_path(NULL);
  g_assert_true(fsi_policy_load("good", env_only, &p, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(p.path, ==, in_b);
  fsi_policy_unload(&p);
}

/* ---- loading ---------------------------------------------------------------------- */

static void test_load_good_defaults(Fx *fx, gconstpointer data) {
  (void)data;
  FsiPolicy p = {0};
  load_ok(fx, "good", &p);
  g_assert_cmpstr(p.name, ==, "good");
  g_assert_cmpstr(p.ops.name, ==, "good");
  g_assert_true(g_path_is_absolute(p.path));
  g_assert_true(g_str_has_suffix(p.path, "/good." G_MODULE_SUFFIX));
  g_assert_nonnull(p.module);
  g_assert_cmpuint(p.nparams, ==, 2);
  g_assert_cmpint(p.values[0].i, ==, 3);
  g_assert_cmpint(p.values[1].i, ==, 1); /* "slow" */
  const char *want_text[] = {"3", "slow", NULL};
  g_assert_cmpstrv(p.value_text, want_text);

  g_autoptr(GError) error = NULL;
  void *state = p.ops.create(NULL, NULL, p.values, &error);
  g_assert_no_error(error);
  g_assert_nonnull(state);
  p.ops.destroy(state);

  fsi_policy_unload(&p);
  g_assert_null(p.module);
  g_assert_null(p.name);
  fsi_policy_unload(&p); /* twice is harmless */
}

static void test_load_by_path(Fx *fx, gconstpointer data) {
  (void)data;
  g_autofree char *path = g_build_filename(fx->fixtures, "good." G_MODULE_SUFFIX, NULL);
  g_autofree char *no_suffix = g_build_filename(fx->fixtures, "good", NULL);
  const char *forms[] = {path, no_suffix};
  for (size_t i = 0; i < G_N_ELEMENTS(forms); i++) {
    FsiPolicy p = {0};
    g_autoptr(GError) error = NULL;
    g_assert_true(fsi_policy_load(forms[i], NULL, &p, &error));
    g_assert_no_error(error);
    g_assert_cmpstr(p.name, ==, "good");
    fsi_policy_unload(&p);
  }
}

static void test_load_not_found_lists_dirs(Fx *fx, gconstpointer data) {
  (void)data;
  g_autofree char *one = fx_path(fx, "one");
  g_autofree char *two = fx_path(fx, "two");
  g_autofree char *three = fx_path(fx, "three");
  g_autofree char *cli = g_strjoin(":", one, two, NULL);
  g_setenv("FRAGSIM_POLICY_PATH", three, TRUE);
  g_auto(GStrv) search = fsi_policy_search_path(cli);

  FsiPolicy p = {0};
  g_autoptr(GError) error = NULL;
  g_assert_false(fsi_policy_load("nonesuch", search, &p, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND);
  ft_assert_has(error->message, "\"nonesuch\"");
  ft_assert_has(error->message, "nonesuch." G_MODULE_SUFFIX);
  ft_assert_has(error->message, one);
  ft_assert_has(error->message, two);
  ft_assert_has(error->message, three);
  ft_assert_has(error->message, FRAGSIM_POLICYDIR);
  g_clear_error(&error);

  g_assert_false(fsi_policy_load("nonesuch", NULL, &p, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND);
  ft_assert_has(error->message, "search path is empty");
}

static void test_load_bad_names(Fx *fx, gconstpointer data) {
  (void)data;
  const char *names[] = {"", "two words", "semi;colon"};
  for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autoptr(GError) error = load_error(fx, names[i]);
    g_assert_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND);
  }
  g_autofree char *missing = fx_path(fx, "missing." G_MODULE_SUFFIX);
  g_autoptr(GError) error = load_error(fx, missing);
  g_assert_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND);
  ft_assert_has(error->message, missing);
}

static void test_load_open_failure(Fx *fx, gconstpointer data) {
  (void)data;
  g_autofree char *path = ft_write_in(fx->tmp, "garbage." G_MODULE_SUFFIX, "this is not a shared object\n");
  g_autoptr(GError) error = load_error(fx, path);
  g_assert_error(error, FSI_ERROR, FSI_ERROR_SYMBOL);
  ft_assert_has(error->message, "policy \"garbage\"");
  ft_assert_has(error->message, "cannot open module");
}

static void test_load_symbol_follows_file_name(Fx *fx, gconstpointer data) {
  (void)data;
  /* good.so under another name: the loader must look for the other name's
   * entry function, with '-' mapped to '_'. */
  g_autofree char *path = fx_path(fx, "my-policy." G_MODULE_SUFFIX);
  fx_copy_module(fx, "good", path);
  g_autoptr(GError) error = load_error(fx, path);
  g_assert_error(error, FSI_ERROR, FSI_ERROR_SYMBOL);
  ft_assert_has(error->message, "fragsim_policy_my_policy_get_ops");
}

/* ---- ABI -------------------------------------------------------------------------- */

static void test_abi_mismatch_lists_every_field(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GError) error = load_error(fx, "badabi");
  g_assert_error(error, FSI_ERROR, FSI_ERROR_ABI);
  g_autofree char *major = g_strdup_printf("major: engine %d, plugin %d", FS_ABI_MAJOR, FS_ABI_MAJOR + 1);
  g_autofree char *order = g_strdup_printf("max_order: engine %d, plugin 11", FS_MAX_ORDER);
  ft_assert_has(error->message, "policy \"badabi\" (");
  ft_assert_has(error->message, "badabi." G_MODULE_SUFFIX "): incompatible ABI: ");
  ft_assert_has(error->message, major);
  ft_assert_has(error->message, order);
  g_assert_null(strstr(error->message, "nr_migratetypes"));
  g_assert_null(strstr(error->message, "max_zones"));
}

static void test_abi_newer_minor_rejected(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GError) error = load_error(fx, "newminor");
  g_assert_error(error, FSI_ERROR, FSI_ERROR_ABI);
  g_autofree char *minor = g_strdup_printf("minor: engine %d, plugin %d", FS_ABI_MINOR, FS_ABI_MINOR + 1);
  ft_assert_has(error->message, minor);
}

static void test_abi_old_table_zero_extended(Fx *fx, gconstpointer data) {
  (void)data;
  FsiPolicy p = {0};
  load_ok(fx, "oldtable", &p);
  g_assert_cmpuint(p.ops.abi.table_size, ==, offsetof(FsPolicyOps, gfp_to_migratetype));
  g_assert_nonnull(p.ops.create);
  g_assert_nonnull(p.ops.destroy);
  g_assert_nonnull(p.ops.boot_done);
  g_assert_null(p.ops.gfp_to_migratetype);
  g_assert_null(p.ops.rmqueue_prefer);
  g_assert_null(p.ops.rmqueue_fallback);
  g_assert_null(p.ops.alloc_flags);
  g_assert_null(p.ops.alloc_done);
  g_assert_null(p.ops.freed);
  g_assert_null(p.ops.slowpath_stage);
  g_assert_null(p.ops.kswapd_done);
  g_assert_null(p.ops.timer);
  g_assert_cmpuint(p.nparams, ==, 0);
  fsi_policy_unload(&p);
}

static void *dummy_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  (void)api, (void)host, (void)values, (void)error;
  return NULL;
}

static void dummy_destroy(void *state) { (void)state; }

static void test_abi_table_too_small(Fx *fx, gconstpointer data) {
  (void)fx, (void)data;
  FsPolicyOps ops = {.abi = FS_ABI_INIT, .name = "tiny", .create = dummy_create, .destroy = dummy_destroy};
  ops.abi.table_size = (uint32_t)sizeof(FsAbi);
  g_autoptr(GError) error = NULL;
  g_assert_false(fsi_policy_validate(&ops, "tiny", NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_ABI);
  ft_assert_has(error->message, "policy \"tiny\": incompatible ABI: table_size: engine at least");
}

/* ---- the table ---------------------------------------------------------------------- */

static void test_table_missing_symbol(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GError) error = load_error(fx, "nosymbol");
  g_assert_error(error, FSI_ERROR, FSI_ERROR_SYMBOL);
  ft_assert_has(error->message, "policy \"nosymbol\"");
  ft_assert_has(error->message, "fragsim_policy_nosymbol_get_ops");
}

static void test_table_missing_create(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GError) error = load_error(fx, "nocreate");
  g_assert_error(error, FSI_ERROR, FSI_ERROR_HOOK);
  ft_assert_has(error->message, "policy \"nocreate\"");
  ft_assert_has(error->message, "create");
  g_assert_null(strstr(error->message, "destroy"));
}

static void test_table_wrong_name(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GError) error = load_error(fx, "wrongname");
  g_assert_error(error, FSI_ERROR, FSI_ERROR_NAME);
  ft_assert_has(error->message, "\"somethingelse\"");
  ft_assert_has(error->message, "\"wrongname\"");
}

static void test_table_bad_params(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GError) error = load_error(fx, "badparams");
  g_assert_error(error, FSI_ERROR, FSI_ERROR_PARAM);
  ft_assert_has(error->message, "parameter \"depth\" is declared twice");
  ft_assert_has(error->message, "parameter \"ratio\": default \"lots\" is not a finite number");
}

/* Everything wrong is reported; the code is the most fundamental kind:
 * ABI, then hook, then name, then parameters. */
static void test_table_precedence(Fx *fx, gconstpointer data) {
  (void)fx, (void)data;
  static const FsParamSpec bad_default[] = {
      {.name = "n", .type = FS_PARAM_INT, .default_value = "x", .min = 1, .max = 0}, {0}};
  FsPolicyOps ops = {.abi = FS_ABI_INIT, .name = "other", .params = bad_default, .destroy = dummy_destroy};
  g_autoptr(GError) error = NULL;

  ops.abi.max_order = FS_MAX_ORDER + 1;
  g_assert_false(fsi_policy_validate(&ops, "mine", "/x/mine.so", &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_ABI);
  ft_assert_has(error->message, "policy \"mine\" (/x/mine.so): incompatible ABI: max_order");
  ft_assert_has(error->message, "missing required hook create");
  ft_assert_has(error->message, "table name \"other\" differs from the file name \"mine\"");
  ft_assert_has(error->message, "default \"x\" is not an integer");
  g_clear_error(&error);

  ops.abi.max_order = FS_MAX_ORDER;
  g_assert_false(fsi_policy_validate(&ops, "mine", NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_HOOK);
  ft_assert_has(error->message, "\"other\"");
  ft_assert_has(error->message, "\"x\"");
  g_clear_error(&error);

  ops.create = dummy_create;
  g_assert_false(fsi_policy_validate(&ops, "mine", NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_NAME);
  ft_assert_has(error->message, "\"x\"");
  g_clear_error(&error);

  ops.name = "mine";
  g_assert_false(fsi_policy_validate(&ops, "mine", NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_PARAM);
  g_clear_error(&error);

  ops.params = NULL;
  g_assert_true(fsi_policy_validate(&ops, "mine", NULL, &error));
  g_assert_no_error(error);

  /* a different major hides the rest: its layout is unknown */
  ops.abi.major = FS_ABI_MAJOR + 1;
  ops.create = NULL;
  g_assert_false(fsi_policy_validate(&ops, "mine", NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_ABI);
  g_assert_null(strstr(error->message, "create"));
  g_clear_error(&error);

  ops = (FsPolicyOps){.abi = FS_ABI_INIT, .name = "", .create = dummy_create, .destroy = dummy_destroy};
  g_assert_false(fsi_policy_validate(&ops, "mine", NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_NAME);
  ft_assert_has(error->message, "empty");
  g_clear_error(&error);
  ops.name = NULL;
  g_assert_false(fsi_policy_validate(&ops, "mine", NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_NAME);
}

static void test_table_param_problems(Fx *fx, gconstpointer data) {
  (void)fx, (void)data;
  static const char *const none[] = {NULL};
  static const char *const twice[] = {"a", "b", "a", NULL};
  static const FsParamSpec params[] = {
      {.name = "", .type = FS_PARAM_INT, .default_value = "1"},
      {.name = "no_choices", .type = FS_PARAM_ENUM, .default_value = "a"},
      {.name = "empty_choices", .type = FS_PARAM_ENUM, .default_value = "a", .choices = none},
      {.name = "repeated_choice", .type = FS_PARAM_ENUM, .default_value = "a", .choices = twice},
      {.name = "weird", .type = (FsParamType)42, .default_value = "1"},
      {.name = "no_default", .type = FS_PARAM_STRING},
      {.name = "bad=name", .type = FS_PARAM_STRING, .default_value = ""},
      {.name = "unbounded", .type = FS_PARAM_INT, .default_value = "-5", .min = 1, .max = 0},
      {.name = "out_of_bounds", .type = FS_PARAM_DOUBLE, .default_value = "2", .min = 0, .max = 1},
      {0},
  };
  FsPolicyOps ops = {
      .abi = FS_ABI_INIT, .name = "p", .params = params, .create = dummy_create, .destroy = dummy_destroy};
  g_autoptr(GError) error = NULL;
  g_assert_false(fsi_policy_validate(&ops, "p", NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_PARAM);
  ft_assert_has(error->message, "params[0] has an empty name");
  ft_assert_has(error->message, "\"no_choices\" is an ENUM without choices");
  ft_assert_has(error->message, "\"empty_choices\" is an ENUM without choices");
  ft_assert_has(error->message, "\"repeated_choice\" lists choice \"a\" twice");
  ft_assert_has(error->message, "\"weird\" has unknown type 42");
  ft_assert_has(error->message, "\"no_default\" has no default value");
  ft_assert_has(error->message, "\"bad=name\": a name has only");
  ft_assert_has(error->message, "\"out_of_bounds\": default \"2\" is not a finite number in [0, 1]");
  g_assert_null(strstr(error->message, "unbounded")); /* min > max: no bounds */
}

/* ---- parameters ------------------------------------------------------------------ */

static void test_params_set_from_keyfile(Fx *fx, gconstpointer data) {
  (void)data;
  FsiPolicy p = {0};
  load_ok(fx, "good", &p);
  g_autoptr(GError) error = NULL;

  g_assert_true(fsi_policy_set_params(&p, NULL, &error));
  g_autoptr(GKeyFile) other = keyfile("[other]\nlevel=99\n");
  g_assert_true(fsi_policy_set_params(&p, other, &error));
  g_assert_cmpint(p.values[0].i, ==, 3);

  g_autoptr(GKeyFile) cfg = keyfile("[good]\nlevel = 10\nmode=careful\n");
  g_assert_true(fsi_policy_set_params(&p, cfg, &error));
  g_assert_no_error(error);
  g_assert_cmpint(p.values[0].i, ==, 10);
  g_assert_cmpint(p.values[1].i, ==, 2);
  const char *want[] = {"10", "careful", NULL};
  g_assert_cmpstrv(p.value_text, want);

  /* later settings change only the keys they name */
  g_autoptr(GKeyFile) more = keyfile("[good]\nlevel=0\n");
  g_assert_true(fsi_policy_set_params(&p, more, &error));
  const char *want_more[] = {"0", "careful", NULL};
  g_assert_cmpstrv(p.value_text, want_more);
  fsi_policy_unload(&p);
}

static void test_params_unknown(Fx *fx, gconstpointer data) {
  (void)data;
  FsiPolicy p = {0};
  load_ok(fx, "good", &p);
  g_autoptr(GKeyFile) cfg = keyfile("[good]\nfoo=1\n");
  g_autoptr(GError) error = NULL;
  g_assert_false(fsi_policy_set_params(&p, cfg, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_PARAM);
  ft_assert_has(error->message, "[good] foo: policy \"good\" has no parameter \"foo\" (it has: level, mode)");
  fsi_policy_unload(&p);

  load_ok(fx, "oldtable", &p);
  g_autoptr(GKeyFile) cfg2 = keyfile("[oldtable]\nfoo=1\n");
  g_clear_error(&error);
  g_assert_false(fsi_policy_set_params(&p, cfg2, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_PARAM);
  ft_assert_has(error->message, "policy \"oldtable\" has no parameter \"foo\" (it has no parameters)");
  fsi_policy_unload(&p);
}

static void test_params_malformed(Fx *fx, gconstpointer data) {
  (void)data;
  FsiPolicy p = {0};
  load_ok(fx, "good", &p);
  static const struct {
    const char *cfg;
    const char *expect;
  } cases[] = {
      {"[good]\nlevel=11\n", "[good] level: parameter \"good.level\": \"11\" is not an integer in [0, 10]"},
      {"[good]\nlevel=-1\n", "\"-1\" is not an integer in [0, 10]"},
      {"[good]\nlevel=3x\n", "\"3x\" is not an integer"},
      {"[good]\nlevel=\n", "\"\" is not an integer"},
      {"[good]\nmode=medium\n", "parameter \"good.mode\": \"medium\" is not one of: fast, slow, careful"},
      {"[good]\nmode=Slow\n", "\"Slow\" is not one of"},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GKeyFile) cfg = keyfile(cases[i].cfg);
    g_autoptr(GError) error = NULL;
    g_assert_false(fsi_policy_set_params(&p, cfg, &error));
    g_assert_error(error, FSI_ERROR, FSI_ERROR_PARAM);
    ft_assert_has(error->message, cases[i].expect);
  }

  /* a rejected group changes nothing, and every bad key is named */
  g_autoptr(GKeyFile) cfg = keyfile("[good]\nmode=fast\nlevel=12\nbar=x\n");
  g_autoptr(GError) error = NULL;
  g_assert_false(fsi_policy_set_params(&p, cfg, &error));
  ft_assert_has(error->message, "\"12\"");
  ft_assert_has(error->message, "\"bar\"");
  const char *unchanged[] = {"3", "slow", NULL};
  g_assert_cmpstrv(p.value_text, unchanged);
  g_assert_cmpint(p.values[1].i, ==, 1);
  fsi_policy_unload(&p);
}

static void test_params_parse_bool(Fx *fx, gconstpointer data) {
  (void)fx, (void)data;
  const FsParamSpec spec = {.name = "flag", .type = FS_PARAM_BOOL, .default_value = "false"};
  static const struct {
    const char *text;
    bool value;
  } ok[] = {{"true", true}, {"FALSE", false}, {"Yes", true}, {"no", false},
            {"ON", true},   {"off", false},   {"1", true},   {"0", false}};
  for (size_t i = 0; i < G_N_ELEMENTS(ok); i++) {
    FsParamValue v;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_assert_true(fsi_param_parse(&spec, ok[i].text, &v, &text, &error));
    g_assert_no_error(error);
    g_assert_cmpint(v.b, ==, ok[i].value);
    g_assert_cmpstr(text, ==, ok[i].value ? "true" : "false");
  }
  const char *bad[] = {"maybe", "", "2", "truee", " true"};
  for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
    FsParamValue v = {.i = 77};
    char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_assert_false(fsi_param_parse(&spec, bad[i], &v, &text, &error));
    g_assert_error(error, FSI_ERROR, FSI_ERROR_PARAM);
    ft_assert_has(error->message, "parameter \"flag\": \"");
    ft_assert_has(error->message, "is not a boolean (true/false, yes/no, on/off, 1/0)");
    g_assert_null(text); /* untouched on failure */
    g_assert_cmpint(v.i, ==, 77);
  }
}

static void test_params_parse_numbers(Fx *fx, gconstpointer data) {
  (void)fx, (void)data;
  static const FsParamSpec any_int = {.name = "n", .type = FS_PARAM_INT, .default_value = "0", .min = 1, .max = 0};
  static const FsParamSpec ratio = {.name = "r", .type = FS_PARAM_DOUBLE, .default_value = "0", .min = 0, .max = 1};
  static const FsParamSpec any_double = {
      .name = "d", .type = FS_PARAM_DOUBLE, .default_value = "0", .min = 1, .max = 0};
  static const struct {
    const FsParamSpec *spec;
    const char *text;
    const char *canon; /* NULL: rejected */
  } cases[] = {
      {&any_int, "-42", "-42"},
      {&any_int, "+7", "7"},
      {&any_int, "9223372036854775807", "9223372036854775807"},
      {&any_int, "9223372036854775808", NULL},
      {&any_int, " 5", NULL},
      {&any_int, "5 ", NULL},
      {&any_int, "0x10", NULL},
      {&any_int, "1.0", NULL},
      {&ratio, "0.1", "0.1"},
      {&ratio, "1", "1"},
      {&ratio, "1e-3", "0.001"},
      {&ratio, "1.5", NULL},
      {&ratio, "-0.1", NULL},
      {&any_double, "-1e300", "-1e+300"},
      {&any_double, "inf", NULL},
      {&any_double, "nan", NULL},
      {&any_double, "1e400", NULL},
      {&any_double, "", NULL},
      {&any_double, "0.5x", NULL},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    FsParamValue v;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    bool ok = fsi_param_parse(cases[i].spec, cases[i].text, &v, &text, &error);
    if (cases[i].canon) {
      g_assert_no_error(error);
      g_assert_cmpstr(text, ==, cases[i].canon);
    } else {
      g_assert_false(ok);
      g_assert_error(error, FSI_ERROR, FSI_ERROR_PARAM);
      g_autofree char *quoted = g_strdup_printf("\"%s\"", cases[i].text);
      ft_assert_has(error->message, quoted);
      ft_assert_has(error->message, cases[i].spec->name);
    }
  }
}

static void test_params_parse_string(Fx *fx, gconstpointer data) {
  (void)fx, (void)data;
  const FsParamSpec spec = {.name = "label", .type = FS_PARAM_STRING, .default_value = ""};
  FsParamValue v;
  g_autofree char *text = NULL;
  g_assert_true(fsi_param_parse(&spec, "hello world", &v, &text, NULL));
  g_assert_cmpstr(text, ==, "hello world");
  g_assert_true(v.s == text); /* the value is the canonical text the caller owns */

  const char *input = "borrowed";
  g_assert_true(fsi_param_parse(&spec, input, &v, NULL, NULL));
  g_assert_true(v.s == input);
}

/* ---- stacks ------------------------------------------------------------------------- */

static const char test_stacks[] = "# stacks for the loader tests\n"
                                  "[base]\npolicies=alpha+beta\ndescription=two\n"
                                  "[mid]\npolicies = base + gamma\n"
                                  "[top]\npolicies=mid+delta\n"
                                  "[cyc-a]\npolicies=alpha+cyc-b\n"
                                  "[cyc-b]\npolicies=cyc-c\n"
                                  "[cyc-c]\npolicies=cyc-a\n"
                                  "[self]\npolicies=self\n"
                                  "[dup]\npolicies=base+alpha\n"
                                  "[diamond]\npolicies=base+mid\n"
                                  "[hole]\npolicies=alpha++beta\n"
                                  "[pair]\npolicies=good+oldtable\n";

static GKeyFile *fx_stacks(Fx *fx) {
  g_autofree char *path = ft_write_in(fx->tmp, "stacks.ini", test_stacks);
  g_autofree char *missing = fx_path(fx, "nowhere");
  g_autofree char *data_path = g_strjoin(":", missing, fx->tmp, NULL);
  g_setenv("FRAGSIM_DATA_PATH", data_path, TRUE);
  g_autoptr(GError) error = NULL;
  GKeyFile *kf = fsi_stacks_load(&error);
  g_assert_no_error(error);
  g_assert_nonnull(kf);
  return kf;
}

static void test_stacks_nested(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GKeyFile) stacks = fx_stacks(fx);
  g_autoptr(GError) error = NULL;

  g_auto(GStrv) top = fsi_stack_expand(stacks, "top", &error);
  g_assert_no_error(error);
  const char *want_top[] = {"alpha", "beta", "gamma", "delta", NULL};
  g_assert_cmpstrv(top, want_top);

  g_auto(GStrv) mixed = fsi_stack_expand(stacks, "epsilon+base+zeta", &error);
  g_assert_no_error(error);
  const char *want_mixed[] = {"epsilon", "alpha", "beta", "zeta", NULL};
  g_assert_cmpstrv(mixed, want_mixed);

  g_auto(GStrv) plain = fsi_stack_expand(stacks, "alpha", &error);
  const char *want_plain[] = {"alpha", NULL};
  g_assert_cmpstrv(plain, want_plain);
}

static void test_stacks_cycle(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GKeyFile) stacks = fx_stacks(fx);
  g_autoptr(GError) error = NULL;
  g_assert_null(fsi_stack_expand(stacks, "cyc-a", &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_CONFIG);
  ft_assert_has(error->message, "stack \"cyc-a\": cycle");
  ft_assert_has(error->message, "cyc-a -> cyc-b -> cyc-c -> cyc-a");
  g_clear_error(&error);

  g_assert_null(fsi_stack_expand(stacks, "beta+cyc-b", &error));
  ft_assert_has(error->message, "cyc-b -> cyc-c -> cyc-a -> cyc-b");
  g_clear_error(&error);

  g_assert_null(fsi_stack_expand(stacks, "self", &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_CONFIG);
  ft_assert_has(error->message, "self -> self");
}

static void test_stacks_duplicate(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GKeyFile) stacks = fx_stacks(fx);
  const char *specs[] = {"dup", "diamond", "alpha+alpha", "mid+beta"};
  const char *dups[] = {"alpha", "alpha", "alpha", "beta"};
  for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_null(fsi_stack_expand(stacks, specs[i], &error));
    g_assert_error(error, FSI_ERROR, FSI_ERROR_CONFIG);
    g_autofree char *want = g_strdup_printf("policy \"%s\" appears twice in stack \"%s\"", dups[i], specs[i]);
    ft_assert_has(error->message, want);
  }
}

static void test_stacks_empty_element(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GKeyFile) stacks = fx_stacks(fx);
  const char *specs[] = {"", "+alpha", "alpha+", "alpha++beta", "alpha+ +beta"};
  for (size_t i = 0; i < G_N_ELEMENTS(specs); i++) {
    g_autoptr(GError) error = NULL;
    g_assert_null(fsi_stack_expand(stacks, specs[i], &error));
    g_assert_error(error, FSI_ERROR, FSI_ERROR_CONFIG);
    ft_assert_has(error->message, "empty element");
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(fsi_stack_expand(stacks, "gamma+hole", &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_CONFIG);
  ft_assert_has(error->message, "stack \"gamma+hole\": empty element in \"alpha++beta\" (stack \"hole\")");
}

static void test_stacks_missing_file(Fx *fx, gconstpointer data) {
  (void)data;
  g_setenv("FRAGSIM_DATA_PATH", fx->tmp, TRUE); /* no stacks.ini there */
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) stacks = fsi_stacks_load(&error);
  g_assert_no_error(error);
  g_assert_nonnull(stacks);
  g_auto(GStrv) names = fsi_stack_expand(stacks, "alpha+beta", &error);
  g_assert_no_error(error);
  const char *want[] = {"alpha", "beta", NULL};
  g_assert_cmpstrv(names, want);

  g_auto(GStrv) no_file = fsi_stack_expand(NULL, "alpha+beta", &error);
  g_assert_no_error(error);
  g_assert_cmpstrv(no_file, want);

  /* and loading a plain policy needs no stacks file */
  FsiStack *s = fsi_stack_load("good", fx->fixtures, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(s->n, ==, 1);
  fsi_stack_free(s);
}

static void test_stacks_bad_file(Fx *fx, gconstpointer data) {
  (void)data;
  static const struct {
    const char *text;
    const char *expect;
  } cases[] = {
      {"[x]\npolices=a\n", "[x]: unknown key \"polices\""},
      {"[x]\ndescription=nothing\n", "[x]: no \"policies\" key"},
      {"[x]\npolicies=\n", "[x]: no \"policies\" key"},
      {"this is not a key file\n", "stacks.ini"},
  };
  g_setenv("FRAGSIM_DATA_PATH", fx->tmp, TRUE);
  for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = ft_write_in(fx->tmp, "stacks.ini", cases[i].text);
    g_autoptr(GError) error = NULL;
    g_assert_null(fsi_stacks_load(&error));
    g_assert_error(error, FSI_ERROR, FSI_ERROR_CONFIG);
    ft_assert_has(error->message, path);
    ft_assert_has(error->message, cases[i].expect);
  }
}

static void test_stacks_load(Fx *fx, gconstpointer data) {
  (void)data;
  g_autoptr(GKeyFile) stacks = fx_stacks(fx); /* sets FRAGSIM_DATA_PATH */
  g_autoptr(GKeyFile) cfg = keyfile("[good]\nlevel=9\n[engine]\nanything=ignored\n");
  g_autoptr(GError) error = NULL;

  FsiStack *s = fsi_stack_load("pair", fx->fixtures, cfg, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(s->spec, ==, "pair");
  g_assert_cmpstr(s->expanded, ==, "good+oldtable");
  g_assert_cmpuint(s->n, ==, 2);
  g_assert_cmpstr(s->v[0].name, ==, "good");
  g_assert_cmpstr(s->v[1].name, ==, "oldtable");
  g_assert_cmpint(s->v[0].values[0].i, ==, 9);
  fsi_stack_free(s);
  fsi_stack_free(NULL);

  s = fsi_stack_load("pair", fx->fixtures, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpint(s->v[0].values[0].i, ==, 3);
  fsi_stack_free(s);

  g_assert_null(fsi_stack_load("pair+nocreate", fx->fixtures, cfg, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_HOOK);
  ft_assert_has(error->message, "stack \"pair+nocreate\": policy \"nocreate\"");
  g_clear_error(&error);

  g_autoptr(GKeyFile) bad = keyfile("[oldtable]\nx=1\n");
  g_assert_null(fsi_stack_load("pair", fx->fixtures, bad, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_PARAM);
  ft_assert_has(error->message, "stack \"pair\": [oldtable] x: ");
  g_clear_error(&error);

  g_assert_null(fsi_stack_load("pair+missing", fx->fixtures, NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND);
  ft_assert_has(error->message, "stack \"pair+missing\": policy \"missing\" not found");
  g_clear_error(&error);

  /* #17: a single unknown name: the stacks, and the closest name */
  g_assert_null(fsi_stack_load("paier", fx->fixtures, NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_NOT_FOUND);
  ft_assert_has(error->message, "\"paier\" is neither a stack nor a policy; did you mean \"pair\"? The stacks: ");
  g_clear_error(&error);
  g_assert_null(fsi_stack_load("goood", fx->fixtures, NULL, &error));
  ft_assert_has(error->message, "did you mean \"good\"?");
  g_clear_error(&error);
  g_assert_null(fsi_stack_load("qqqqqqqq", fx->fixtures, NULL, &error));
  g_assert_null(strstr(error->message, "did you mean"));
  g_clear_error(&error);

  g_assert_null(fsi_stack_load("cyc-a", fx->fixtures, NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_CONFIG);
  g_clear_error(&error);

  /* one policy reached by name and by path */
  g_autofree char *path = g_build_filename(fx->fixtures, "good." G_MODULE_SUFFIX, NULL);
  g_autofree char *spec = g_strconcat("good+", path, NULL);
  g_assert_null(fsi_stack_load(spec, fx->fixtures, NULL, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_CONFIG);
  ft_assert_has(error->message, "policy \"good\" appears twice");
}

/* The stacks.ini shipped in data/ parses and names only existing stacks. */
static void test_stacks_shipped_file(Fx *fx, gconstpointer data) {
  (void)fx, (void)data;
  const char *root = g_getenv("FRAGSIM_SOURCE_ROOT");
  if (!root) g_error("FRAGSIM_SOURCE_ROOT is not set (meson sets it)");
  g_autofree char *dir = g_build_filename(root, "data", NULL);
  g_setenv("FRAGSIM_DATA_PATH", dir, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(GKeyFile) stacks = fsi_stacks_load(&error);
  g_assert_no_error(error);
  g_auto(GStrv) groups = g_key_file_get_groups(stacks, NULL);
  g_assert_nonnull(groups[0]);
  for (char **g = groups; *g; g++) {
    g_auto(GStrv) names = fsi_stack_expand(stacks, *g, &error);
    g_assert_no_error(error);
    g_autofree char *description = g_key_file_get_string(stacks, *g, "description", &error);
    g_assert_no_error(error);
    g_assert_null(strchr(description, '\n'));
  }
  g_auto(GStrv) vanilla = fsi_stack_expand(stacks, "vanilla", &error);
  const char *want[] = {"nogroup", NULL};
  g_assert_cmpstrv(vanilla, want);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);

#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
  ADD("/loader/search-path/order", test_search_path_order);
  ADD("/loader/search-path/cli-before-env", test_search_path_cli_first);
  ADD("/loader/load/good-has-defaults", test_load_good_defaults);
  ADD("/loader/load/by-path", test_load_by_path);
  ADD("/loader/load/not-found-lists-dirs", test_load_not_found_lists_dirs);
  ADD("/loader/load/bad-names", test_load_bad_names);
  ADD("/loader/load/open-failure", test_load_open_failure);
  ADD("/loader/load/symbol-follows-file-name", test_load_symbol_follows_file_name);
  ADD("/loader/abi/mismatch-lists-every-field", test_abi_mismatch_lists_every_field);
  ADD("/loader/abi/newer-minor-rejected", test_abi_newer_minor_rejected);
  ADD("/loader/abi/old-table-zero-extended", test_abi_old_table_zero_extended);
  ADD("/loader/abi/table-too-small", test_abi_table_too_small);
  ADD("/loader/table/missing-symbol", test_table_missing_symbol);
  ADD("/loader/table/missing-create", test_table_missing_create);
  ADD("/loader/table/wrong-name", test_table_wrong_name);
  ADD("/loader/table/bad-params", test_table_bad_params);
  ADD("/loader/table/precedence", test_table_precedence);
  ADD("/loader/table/param-problems", test_table_param_problems);
  ADD("/loader/params/set-from-keyfile", test_params_set_from_keyfile);
  ADD("/loader/params/unknown", test_params_unknown);
  ADD("/loader/params/malformed", test_params_malformed);
  ADD("/loader/params/parse-bool", test_params_parse_bool);
  ADD("/loader/params/parse-numbers", test_params_parse_numbers);
  ADD("/loader/params/parse-string", test_params_parse_string);
  ADD("/loader/stacks/nested", test_stacks_nested);
  ADD("/loader/stacks/cycle", test_stacks_cycle);
  ADD("/loader/stacks/duplicate", test_stacks_duplicate);
  ADD("/loader/stacks/empty-element", test_stacks_empty_element);
  ADD("/loader/stacks/missing-file", test_stacks_missing_file);
  ADD("/loader/stacks/bad-file", test_stacks_bad_file);
  ADD("/loader/stacks/load", test_stacks_load);
  ADD("/loader/stacks/shipped-file", test_stacks_shipped_file);
#undef ADD

  return g_test_run();
}
