/* The policy contract: what every policy module must satisfy, as separate
 * checks that `fragsim check-policy` prints one line each and
 * tests/test-contract.c runs as one GTest case each.
 *
 * Owns: choosing the stacks a module is run in, the fixed short run the
 * contract uses, and the verdicts.  Does not own: judging hook return values
 * (engine/mm/page_alloc.c does that during every run; the contract only makes sure the
 * hooks get called) or the invariants themselves (engine/mm/debug_vm.c).
 *
 * Each check returns true and a one-line description of what it verified in
 * *ret_detail, or false and a GError saying why.  Checks after load need the
 * module loaded, and the run checks need the plan from fsi_contract_plan().
 */
#ifndef FS_CHECKPOLICY_H
#define FS_CHECKPOLICY_H

#include <glib.h>

#include "engine/plugin/loader.h"

typedef struct {
  char *spec;  /* stack spec handed to the engine (holds the module's path) */
  char *label; /* short name for output and test paths, e.g. "vanilla+template" */
  char *why;   /* why the contract runs this stack */
  /* The same stack without the module, NULL if the module replaced one of
   * its policies or runs alone: when a check fails, the contract runs it on
   * this too, to tell an author whether the fault is theirs. */
  char *without;
  char *without_label;
} FsiContractStack;

typedef struct {
  char *module;      /* as the user named it: a path or a policy name */
  char *policy_path; /* --policy-path, may be NULL */
  FsiPolicy policy;  /* valid once fsi_contract_load has succeeded */
  bool loaded;
  GError *table_error; /* a table the loader refused, reported by the table check */
  bool opened;         /* the module opened and exported its entry function */
  GArray *stacks;      /* of FsiContractStack, filled by fsi_contract_plan */
} FsiContract;

FsiContract *fsi_contract_new(const char *module, const char *policy_path);
void fsi_contract_free(FsiContract *c);

/* The module opens and exports fragsim_policy_<name>_get_ops(). */
bool fsi_contract_load(FsiContract *c, char **ret_detail, GError **error);
/* ABI block, required hooks, name, parameter table, summary and help texts. */
bool fsi_contract_table(FsiContract *c, char **ret_detail, GError **error);
/* Decides the stacks: vanilla+<policy>, <policy> alone if it maps gfp, and
 * the fullest named stack whose policies load, +<policy>.  A stack that
 * already holds a policy of the same name gets the module in its place. */
bool fsi_contract_plan(FsiContract *c, char **ret_detail, GError **error);
/* Booting, a 1 ms run and teardown, many times: allocated bytes must not grow. */
bool fsi_contract_lifecycle(FsiContract *c, char **ret_detail, GError **error);
/* The short run on stack i with the invariant checker after every event. */
bool fsi_contract_run_checked(FsiContract *c, guint i, char **ret_detail, GError **error);
/* Three runs of stack i, one alone and two at once in threads: identical summaries. */
bool fsi_contract_deterministic(FsiContract *c, guint i, char **ret_detail, GError **error);
/* The hooks the churn run never reaches, on stack i: contiguous device
 * requests (contig_request, with every success checked by the engine) and
 * compact_memory, called after 100 ms of churn, with the invariants checked
 * after each. */
bool fsi_contract_device_hooks(FsiContract *c, guint i, char **ret_detail, GError **error);
/* Every hook the module implements, and slowpath_stage at every stage, is
 * called at least once by the contract's runs over all its stacks (counted
 * by the engine's hook census): the checks above vouch only for hooks that
 * ran.  A churn run, the device requests and each slow-path stage called
 * directly on each stack, then a machine too small for its anonymous memory
 * so the slow path runs to the OOM killer. */
bool fsi_contract_coverage(FsiContract *c, char **ret_detail, GError **error);

#endif
