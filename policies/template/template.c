/* template: the policy to copy when you write your own.
 *
 * It counts successful allocations by the mobility their caller asked for
 * (gfp_migratetype: unmovable, movable, reclaimable) in three counters that
 * appear in summary.csv and timeseries.csv as template.alloc_<type>.  One
 * parameter, min_order, restricts counting to larger allocations, e.g.
 * `--set template.min_order=9` counts only pageblock-sized requests.
 *
 * It deliberately changes no allocation outcome: it has no gfp mapping, no
 * fallback and no slow-path stage, so stacked on any kernel (`-p
 * vanilla+template`) it reports on that kernel without altering it.
 *
 * To start your own: copy this file to mypolicy.c and replace every
 * "template" with "mypolicy".  The table's name and the entry function
 * (fragsim_policy_<name>_get_ops) must both match the file name, or the
 * loader refuses the module.  docs/writing-a-policy.md describes each hook.
 */
#include <fragsim/policy.h>

/* Indices into the parameter table; the engine passes values in this order. */
enum { PARAM_MIN_ORDER, N_PARAMS };

static const FsParamSpec template_params[] = {
    [PARAM_MIN_ORDER] = {.name = "min_order",
                         .type = FS_PARAM_INT,
                         .default_value = "0",
                         .help = "count only allocations of at least this order",
                         .min = 0,
                         .max = FS_MAX_ORDER},
    [N_PARAMS] = {0},
};

/* gfp_migratetype() only yields the pcp types, so three counters suffice. */
static const char *const counter_names[FS_MIGRATE_PCPTYPES] = {"alloc_unmovable", "alloc_movable",
                                                               "alloc_reclaimable"};
static const char *const counter_help[FS_MIGRATE_PCPTYPES] = {
    "allocations whose gfp asks for unmovable memory",
    "allocations whose gfp asks for movable memory (__GFP_MOVABLE)",
    "allocations whose gfp asks for reclaimable memory (__GFP_RECLAIMABLE)",
};

/* Everything the policy knows lives here, one per run: runs may share the
 * process and run in threads, so nothing may be static and mutable. */
typedef struct {
  const FsHostApi *api;
  FsHost *host;
  uint32_t min_order;
  int counter[FS_MIGRATE_PCPTYPES];
} Template;

static void *template_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  (void)error; /* nothing here can fail: the loader already checked min_order against its bounds */
  Template *s = g_new0(Template, 1);
  s->api = api;
  s->host = host;
  s->min_order = (uint32_t)values[PARAM_MIN_ORDER].i;
  /* Counters can only be registered here, before the run starts, so that
   * every output file has the same columns from its first row. */
  for (uint32_t mt = 0; mt < FS_MIGRATE_PCPTYPES; mt++)
    s->counter[mt] = api->counter_register(host, counter_names[mt], counter_help[mt]);
  return s;
}

static void template_destroy(void *state) { g_free(state); }

/* The caller's mobility, not req->migratetype: that is the list the stack
 * chose, and under vanilla every request maps to UNMOVABLE, so counting it
 * would show nothing about the workload. */
static void template_alloc_done(void *state, uint32_t zone, uint64_t pfn, const FsAllocRequest *req) {
  (void)zone;
  (void)pfn;
  Template *s = state;
  if (req->order < s->min_order) return;
  s->api->counter_add(s->host, s->counter[fs_gfp_migratetype(req->gfp)], 1);
}

static const FsPolicyOps template_ops = {
    .abi = FS_ABI_INIT,
    .name = "template",
    .summary = "copy-me example: counts allocations by the mobility their gfp asks for",
    .params = template_params,
    .create = template_create,
    .destroy = template_destroy,
    .alloc_done = template_alloc_done,
};

/* The module's only exported symbol (build with hidden visibility). */
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(template)(void);
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(template)(void) { return &template_ops; }
