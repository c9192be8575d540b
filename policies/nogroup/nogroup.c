/* nogroup: the vanilla allocator, with grouping pages by mobility disabled.
 *
 * This is what the kernel does when page_group_by_mobility_disabled is set
 * (and what every kernel before 2.6.23 did): gfp_migratetype() is ignored,
 * every pageblock is UNMOVABLE, and all allocations share one set of free
 * lists.  Movable, reclaimable and unmovable pages therefore interleave
 * freely, which is the fragmentation the other policies exist to prevent.
 * With one list there is nothing to fall back to, so no fallback hook.
 *
 * CMA, HIGHATOMIC/RESERVE and ISOLATE blocks are left alone: those types
 * belong to the policies that create them, and the kernel keeps them even
 * with grouping disabled (set_pageblock_migratetype only forces the pcp types).
 */
#include <fragsim/policy.h>

typedef struct {
  const FsHostApi *api;
  FsHost *host;
} NoGroup;

static void *nogroup_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  (void)values;
  (void)error;
  NoGroup *s = g_new0(NoGroup, 1);
  s->api = api;
  s->host = host;
  return s;
}

static void nogroup_destroy(void *state) { g_free(state); }

/* memmap_init marks every block MOVABLE; with grouping disabled the kernel
 * turns every pcp type into UNMOVABLE. */
static void nogroup_boot_pageblocks(void *state) {
  NoGroup *s = state;
  uint64_t total = s->api->total_pages(s->host);
  uint64_t step = (uint64_t)1 << s->api->pageblock_order(s->host);
  for (uint64_t pfn = 0; pfn < total; pfn += step)
    if (s->api->get_pageblock_migratetype(s->host, pfn) < FS_MIGRATE_PCPTYPES)
      s->api->set_pageblock_migratetype(s->host, pfn, FS_MIGRATE_UNMOVABLE);
}

static int nogroup_gfp_to_migratetype(void *state, uint32_t gfp) {
  (void)state;
  (void)gfp;
  return FS_MIGRATE_UNMOVABLE;
}

static const FsPolicyOps nogroup_ops = {
    .abi = FS_ABI_INIT,
    .name = "nogroup",
    .summary = "vanilla: grouping by mobility disabled, one free list for every allocation",
    .params = NULL,
    .create = nogroup_create,
    .destroy = nogroup_destroy,
    .boot_pageblocks = nogroup_boot_pageblocks,
    .gfp_to_migratetype = nogroup_gfp_to_migratetype,
};

FS_POLICY_EXPORT const FsPolicyOps *fragsim_policy_nogroup_get_ops(void);
FS_POLICY_EXPORT const FsPolicyOps *fragsim_policy_nogroup_get_ops(void) { return &nogroup_ops; }
