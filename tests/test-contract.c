/* The policy contract as a GTest suite (engine/checkpolicy.h).
 *
 * Given a policy module (the first argument after GTest's own, or
 * $FRAGSIM_CONTRACT_POLICY) it runs every contract check against it, one
 * test case each, under /contract/<name>/: meson does that for every policy
 * in policies/, and an author can do it for theirs.  The checks are the
 * ones `fragsim check-policy` prints; this file only reports them.
 *
 * Given no module it tests the contract itself (/contract-self/), with the
 * fixture modules from $FRAGSIM_FIXTURE_DIR and the fragsim binary from
 * $FRAGSIM_BIN: a policy whose hook returns nonsense must fail, through the
 * API, `fragsim check-policy` and `fragsim run`, with a message naming the
 * policy, the hook, the simulated time and the value.
 */
#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "cli/check-policy.h"
#include "engine/core/error.h"
#include "helpers.h"

/* ---- helpers ------------------------------------------------------------------ */

/* The messages an engine error about nonsense's hook must carry. */
static void assert_names_nonsense(const char *msg) {
  ft_assert_has(msg, "policy \"nonsense\"");
  ft_assert_has(msg, "hook gfp_to_migratetype");
  ft_assert_has(msg, "returned 42");
  if (!g_regex_match_simple("at t=[0-9]+ ns", msg, 0, 0))
    g_assertion_message(G_LOG_DOMAIN, __FILE__, __LINE__, G_STRFUNC, "the message does not name the simulated time");
}

/* The line of check-policy output for one check, or NULL. */
static char *output_line(const char *out, const char *prefix) {
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  for (char **l = lines; *l; l++)
    if (g_str_has_prefix(*l, prefix)) return g_strdup(*l);
  return NULL;
}

/* ---- the contract against one module ---------------------------------------------- */

typedef struct {
  bool ok;
  char *detail;
  GError *error;
} Verdict;

typedef struct Suite Suite;

typedef struct {
  Suite *suite;
  guint stack;
} StackCase;

struct Suite {
  FsiContract *c;
  Verdict load, table, plan;
  StackCase *cases; /* one a planned stack */
};

static void report(bool ok, const char *detail, const GError *error) {
  if (ok)
    g_test_message("%s", detail);
  else
    g_test_fail_printf("%s", error ? error->message : "failed without a message");
}

/* load, table and plan decide which tests exist, so they ran in main(). */
static void test_verdict(gconstpointer data) {
  const Verdict *v = data;
  report(v->ok, v->detail, v->error);
}

static void test_lifecycle(gconstpointer data) {
  const Suite *s = data;
  g_autofree char *detail = NULL;
  g_autoptr(GError) error = NULL;
  bool ok = fsi_contract_lifecycle(s->c, &detail, &error);
  report(ok, detail, error);
}

static void test_coverage(gconstpointer data) {
  const Suite *s = data;
  g_autofree char *detail = NULL;
  g_autoptr(GError) error = NULL;
  bool ok = fsi_contract_coverage(s->c, &detail, &error);
  report(ok, detail, error);
}

static void test_run(gconstpointer data) {
  const StackCase *sc = data;
  g_autofree char *detail = NULL;
  g_autoptr(GError) error = NULL;
  bool ok = fsi_contract_run_checked(sc->suite->c, sc->stack, &detail, &error);
  report(ok, detail, error);
}

static void test_deterministic(gconstpointer data) {
  const StackCase *sc = data;
  g_autofree char *detail = NULL;
  g_autoptr(GError) error = NULL;
  bool ok = fsi_contract_deterministic(sc->suite->c, sc->stack, &detail, &error);
  report(ok, detail, error);
}

static void test_device_hooks(gconstpointer data) {
  const StackCase *sc = data;
  g_autofree char *detail = NULL;
  g_autoptr(GError) error = NULL;
  bool ok = fsi_contract_device_hooks(sc->suite->c, sc->stack, &detail, &error);
  report(ok, detail, error);
}

static char *module_stem(const char *module) {
  char *base = g_path_get_basename(module);
  const char *suffix = "." G_MODULE_SUFFIX;
  if (g_str_has_suffix(base, suffix)) base[strlen(base) - strlen(suffix)] = '\0';
  return base;
}

static Suite *add_contract_tests(const char *module) {
  Suite *s = g_new0(Suite, 1);
  s->c = fsi_contract_new(module, NULL);
  g_autofree char *stem = module_stem(module);
  g_autofree char *root = g_strdup_printf("/contract/%s", stem);

  s->load.ok = fsi_contract_load(s->c, &s->load.detail, &s->load.error);
  g_autofree char *p_load = g_strconcat(root, "/load", NULL);
  g_test_add_data_func(p_load, &s->load, test_verdict);
  if (!s->c->opened) return s;

  s->table.ok = fsi_contract_table(s->c, &s->table.detail, &s->table.error);
  g_autofree char *p_table = g_strconcat(root, "/table", NULL);
  g_test_add_data_func(p_table, &s->table, test_verdict);
  if (!s->c->loaded) return s;

  s->plan.ok = fsi_contract_plan(s->c, &s->plan.detail, &s->plan.error);
  g_autofree char *p_plan = g_strconcat(root, "/stacks", NULL);
  g_test_add_data_func(p_plan, &s->plan, test_verdict);
  if (!s->plan.ok) return s;

  g_autofree char *p_life = g_strconcat(root, "/create-destroy", NULL);
  g_test_add_data_func(p_life, s, test_lifecycle);
  s->cases = g_new0(StackCase, s->c->stacks->len);
  for (guint i = 0; i < s->c->stacks->len; i++) {
    StackCase *sc = &s->cases[i];
    sc->suite = s;
    sc->stack = i;
    const char *label = g_array_index(s->c->stacks, FsiContractStack, i).label;
    g_autofree char *p_run = g_strdup_printf("%s/run/%s", root, label);
    g_autofree char *p_det = g_strdup_printf("%s/deterministic/%s", root, label);
    g_autofree char *p_dev = g_strdup_printf("%s/device-hooks/%s", root, label);
    g_test_add_data_func(p_run, sc, test_run);
    g_test_add_data_func(p_det, sc, test_deterministic);
    g_test_add_data_func(p_dev, sc, test_device_hooks);
  }
  g_autofree char *p_cov = g_strconcat(root, "/hooks-called", NULL);
  g_test_add_data_func(p_cov, s, test_coverage);
  return s;
}

static void verdict_clear(Verdict *v) {
  g_free(v->detail);
  if (v->error) g_error_free(v->error);
}

static void suite_free(Suite *s) {
  if (!s) return;
  verdict_clear(&s->load);
  verdict_clear(&s->table);
  verdict_clear(&s->plan);
  fsi_contract_free(s->c);
  g_free(s->cases);
  g_free(s);
}

/* ---- the contract itself, against fixtures ------------------------------------------- */

static guint stack_labelled(const FsiContract *c, const char *label) {
  for (guint i = 0; i < c->stacks->len; i++)
    if (strcmp(g_array_index(c->stacks, FsiContractStack, i).label, label) == 0) return i;
  return G_MAXUINT;
}

/* nonsense maps gfp, so the plan runs it alone, where its mapping is asked
 * (on vanilla nogroup answers first) and the engine rejects its answer. */
static void test_self_nonsense_api(void) {
  g_autofree char *path = ft_fixture("nonsense");
  FsiContract *c = fsi_contract_new(path, NULL);
  g_autofree char *d_load = NULL, *d_table = NULL, *d_plan = NULL, *d_run = NULL;
  g_autoptr(GError) error = NULL;
  g_assert_true(fsi_contract_load(c, &d_load, &error));
  g_assert_no_error(error);
  g_assert_true(fsi_contract_table(c, &d_table, &error));
  g_assert_no_error(error);
  g_assert_true(fsi_contract_plan(c, &d_plan, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(stack_labelled(c, "vanilla+nonsense"), ==, 0);
  guint alone = stack_labelled(c, "nonsense");
  g_assert_cmpuint(alone, <, c->stacks->len);

  g_assert_false(fsi_contract_run_checked(c, alone, &d_run, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_RUN);
  assert_names_nonsense(error->message);
  g_assert_null(d_run);
  g_clear_error(&error);
  g_assert_false(fsi_contract_deterministic(c, alone, &d_run, &error));
  g_assert_error(error, FSI_ERROR, FSI_ERROR_RUN);
  assert_names_nonsense(error->message);
  fsi_contract_free(c);
}

static void test_self_nonsense_check_policy(void) {
  g_autofree char *path = ft_fixture("nonsense");
  const char *args[] = {"check-policy", path, NULL};
  g_autofree char *out = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 1);
  g_autofree char *load = output_line(out, "ok   load: ");
  g_autofree char *vanilla = output_line(out, "ok   run vanilla+nonsense: ");
  g_autofree char *alone = output_line(out, "FAIL run nonsense: ");
  g_autofree char *det = output_line(out, "FAIL deterministic nonsense: ");
  g_assert_nonnull(load);
  g_assert_nonnull(vanilla);
  g_assert_nonnull(det);
  ft_assert_has(alone, "FAIL run nonsense: ");
  assert_names_nonsense(alone);
  /* four failures (run, deterministic, device hooks alone and hooks called, which
   * stops at the same refusal); how many
   * checks there are depends on which named stacks have all their policies
   * built */
  g_autofree char *dev = output_line(out, "FAIL device hooks nonsense: ");
  g_assert_nonnull(dev);
  g_autofree char *hooks = output_line(out, "FAIL hooks called: ");
  g_assert_nonnull(hooks);
  ft_assert_has(out, ": 4 of ");
}

static void test_self_nonsense_run(void) {
  g_autofree char *path = ft_fixture("nonsense");
  g_autofree char *tmp = ft_tmpdir("fragsim-contract");
  g_autofree char *out = g_build_filename(tmp, "run", NULL);
  const char *args[] = {"run", "-w", "churn", "-p", path, "--set", "machine.memory=64M", "--set", "sim.duration=10ms",
                        "-q", "-o", out, NULL};
  g_autofree char *err = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, &err), !=, 0);
  ft_assert_has(err, "fragsim: ");
  assert_names_nonsense(err);
  /* a run stopped by a policy leaves no result directory behind */
  g_assert_false(g_file_test(out, G_FILE_TEST_EXISTS));
  ft_rm_tree(tmp);
}

static void test_self_badabi(void) {
  g_autofree char *path = ft_fixture("badabi");
  const char *args[] = {"check-policy", path, NULL};
  g_autofree char *out = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 1);
  g_autofree char *load = output_line(out, "ok   load: ");
  g_autofree char *run = output_line(out, "ok   run");
  g_assert_nonnull(load);
  g_assert_null(run);
  g_autofree char *table = output_line(out, "FAIL table: ");
  ft_assert_has(table, "incompatible ABI");
  g_autofree char *major = g_strdup_printf("major: engine %d, plugin %d", FS_ABI_MAJOR, FS_ABI_MAJOR + 1);
  ft_assert_has(table, major);
}

/* A hook the contract's runs never reach fails "hooks called", naming it;
 * every other check passes. */
static void test_self_idletimer(void) {
  g_autofree char *path = ft_fixture("idletimer");
  const char *args[] = {"check-policy", path, NULL};
  g_autofree char *out = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 1);
  g_autofree char *hooks = output_line(out, "FAIL hooks called: ");
  g_assert_nonnull(hooks);
  ft_assert_has(hooks, "never called: timer (called: create ");
  ft_assert_has(out, ": 1 of ");
}

static void test_self_nosymbol(void) {
  g_autofree char *path = ft_fixture("nosymbol");
  const char *args[] = {"check-policy", path, NULL};
  g_autofree char *out = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, &out, NULL), ==, 1);
  g_autofree char *load = output_line(out, "FAIL load: ");
  ft_assert_has(load, "fragsim_policy_nosymbol_get_ops");
}

static void test_self_usage(void) {
  const char *args[] = {"check-policy", NULL};
  g_autofree char *err = NULL;
  g_assert_cmpint(ft_fragsim(args, NULL, NULL, &err), ==, 2);
  ft_assert_has(err, "check-policy");
}

static void add_self_tests(void) {
  g_test_add_func("/contract-self/nonsense/api", test_self_nonsense_api);
  g_test_add_func("/contract-self/nonsense/check-policy", test_self_nonsense_check_policy);
  g_test_add_func("/contract-self/nonsense/run", test_self_nonsense_run);
  g_test_add_func("/contract-self/badabi/check-policy", test_self_badabi);
  g_test_add_func("/contract-self/nosymbol/check-policy", test_self_nosymbol);
  g_test_add_func("/contract-self/idletimer/check-policy", test_self_idletimer);
  g_test_add_func("/contract-self/usage", test_self_usage);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  const char *module = argc > 1 ? argv[1] : g_getenv("FRAGSIM_CONTRACT_POLICY");
  Suite *suite = NULL;
  if (module && *module)
    suite = add_contract_tests(module);
  else
    add_self_tests();
  int rc = g_test_run();
  suite_free(suite);
  return rc;
}
