/* zone_movable: ZONE_MOVABLE sized by kernelcore= / movablecore= (2.6.23+),
 * and the old hugepages_treat_as_movable sysctl.
 *
 * What it owns: the boot-time carving of ZONE_MOVABLE from the top of the
 * highest kernel zone, as find_zone_movable_pfns_for_nodes() does on one
 * node, and, when asked, marking hugetlb pool requests movable so the pool
 * may grow inside ZONE_MOVABLE.
 *
 * What it does not own: which requests may use ZONE_MOVABLE (the engine's
 * gfp_zone(): only __GFP_MOVABLE|__GFP_HIGHMEM reaches it, and the zonelist
 * tries it first), its watermarks (the engine's 6.1 proportional min), and
 * memory offline (the engine's offline_pages(): in ZONE_MOVABLE only
 * reserved pages keep a block from being isolated).  Grouping inside the
 * zone is whatever the rest of the stack does.
 *
 * Simplifications: one node, so no spreading of kernelcore across nodes;
 * no kernelcore=mirror and no movable_node; byte sizes are converted with
 * 4 KiB pages, because the boot layout does not carry the page size.
 */
#include <fragsim/policy.h>

/* The boot layout has no page size: kernelcore=/movablecore= in bytes
 * assume the x86-64 base page. */
#define ZM_PAGE_SHIFT 12 /* when the engine does not say (older engines) */

enum { PARAM_KERNELCORE, PARAM_MOVABLECORE, PARAM_HUGEPAGES_TREAT_AS_MOVABLE, PARAM_SPAN_ZONES, N_PARAMS };

static const FsParamSpec zone_movable_params[] = {
    [PARAM_KERNELCORE] = {.name = "kernelcore",
                          .type = FS_PARAM_STRING,
                          .default_value = "",
                          .help = "kernelcore=: memory for the kernel zones, bytes (512M) or percent of memory (25%); "
                                  "the rest of the highest kernel zone becomes ZONE_MOVABLE; empty: unset"},
    [PARAM_MOVABLECORE] = {.name = "movablecore",
                           .type = FS_PARAM_STRING,
                           .default_value = "",
                           .help = "movablecore=: size of ZONE_MOVABLE, bytes or percent (kernelcore wins if it leaves "
                                   "more to the kernel); empty: unset"},
    [PARAM_HUGEPAGES_TREAT_AS_MOVABLE] = {.name = "hugepages_treat_as_movable",
                                          .type = FS_PARAM_BOOL,
                                          .default_value = "false",
                                          .help = "vm.hugepages_treat_as_movable (2.6.23 - 4.16): hugetlb pool pages "
                                                  "are allocated __GFP_MOVABLE and may come from ZONE_MOVABLE"},
    [PARAM_SPAN_ZONES] = {.name = "span_zones",
                          .type = FS_PARAM_BOOL,
                          .default_value = "false",
                          .help = "the zone takes all memory above kernelcore, whatever kernel zones that spans, as "
                                  "2006's zone-based ZONE_EASYRCLM did (lowmem included on a 32-bit machine); false: "
                                  "2.6.23+, only the highest populated zone (HighMem on a 32-bit machine) is carved"},
    [N_PARAMS] = {0},
};

enum { C_HUGEPAGES_MOVABLE, N_COUNTERS };

/* A core size as cmdline_parse_core() reads it: percent or pages. */
typedef struct {
  bool set;
  bool is_percent;
  uint64_t value; /* percent, or pages */
} CoreSize;

typedef struct {
  const FsHostApi *api;
  FsHost *host;
  CoreSize kernelcore, movablecore;
  bool hugepages_treat_as_movable;
  bool span_zones;
  int counter[N_COUNTERS];
} ZoneMovable;

/* cmdline_parse_core(): "N%" (N <= 100) or a memparse() size with an
 * optional K/M/G/T/P/E suffix; the empty string leaves it unset. */
static bool parse_core(const char *name, const char *text, CoreSize *ret, GError **error) {
  ret->set = false;
  if (!text || !*text) return true;
  char *end = NULL;
  guint64 v = g_ascii_strtoull(text, &end, 0);
  /* G_MAXUINT64 is also what an overflow returns */
  if (end == text || v == G_MAXUINT64 || !g_ascii_isdigit(text[0])) goto bad;
  if (*end == '%') {
    if (end[1] || v > 100) goto bad;
    ret->set = true;
    ret->is_percent = true;
    ret->value = v;
    return true;
  }
  unsigned shift = 0;
  switch (*end) {
  case '\0': break;
  case 'k': case 'K': shift = 10; break;
  case 'm': case 'M': shift = 20; break;
  case 'g': case 'G': shift = 30; break;
  case 't': case 'T': shift = 40; break;
  case 'p': case 'P': shift = 50; break;
  case 'e': case 'E': shift = 60; break;
  default: goto bad;
  }
  if (*end && end[1]) goto bad;
  if (shift && v > (G_MAXUINT64 >> shift)) goto bad;
  ret->set = true;
  ret->is_percent = false;
  ret->value = v << shift; /* bytes; pages once boot_layout knows the page size */
  return true;
bad:
  g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
              "%s \"%s\" is neither a size (e.g. 512M) nor a percentage of memory up to 100%%", name, text);
  return false;
}

static void *zone_movable_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  ZoneMovable *s = g_new0(ZoneMovable, 1);
  s->api = api;
  s->host = host;
  if (!parse_core("kernelcore", values[PARAM_KERNELCORE].s, &s->kernelcore, error) ||
      !parse_core("movablecore", values[PARAM_MOVABLECORE].s, &s->movablecore, error)) {
    g_free(s);
    return NULL;
  }
  s->hugepages_treat_as_movable = values[PARAM_HUGEPAGES_TREAT_AS_MOVABLE].b;
  s->span_zones = values[PARAM_SPAN_ZONES].b;
  s->counter[C_HUGEPAGES_MOVABLE] =
      api->counter_register(host, "hugepages_movable", "hugetlb pool requests given __GFP_MOVABLE (hugepages_treat_as_movable)");
  return s;
}

static void zone_movable_destroy(void *state) { g_free(state); }

static uint64_t core_pages(const CoreSize *c, uint64_t totalpages, uint32_t page_size) {
  if (!c->set) return 0;
  return c->is_percent ? totalpages * 100 * c->value / 10000 : c->value / (page_size ? page_size : 1u << ZM_PAGE_SHIFT);
}

/* find_zone_movable_pfns_for_nodes() on a single node with one memory
 * range: ZONE_MOVABLE is the top of movable_zone (the highest populated
 * kernel zone) above the first required_kernelcore pages; memory below
 * movable_zone counts as kernelcore automatically. */
static void zone_movable_boot_layout(void *state, FsBootLayout *layout) {
  ZoneMovable *s = state;
  uint64_t totalpages = layout->total_pages;
  uint64_t max_order_nr_pages = (uint64_t)1 << layout->max_order;
  uint64_t required_kernelcore = core_pages(&s->kernelcore, totalpages, layout->page_size);
  uint64_t required_movablecore = core_pages(&s->movablecore, totalpages, layout->page_size);

  /* movablecore= is turned into the kernelcore that leaves that much, rounded
   * up so the zone is at least as large as asked; a larger kernelcore wins */
  if (required_movablecore) {
    required_movablecore = (required_movablecore + max_order_nr_pages - 1) / max_order_nr_pages * max_order_nr_pages;
    required_movablecore = MIN(totalpages, required_movablecore);
    required_kernelcore = MAX(required_kernelcore, totalpages - required_movablecore);
  }
  if (!required_kernelcore || required_kernelcore >= totalpages) return;

  /* find_usable_zone_for_movable(); with span_zones, the zone is cut at
   * kernelcore from pfn 0 through whatever zones lie above it */
  int movable_zone = -1;
  for (int z = FS_ZONE_MOVABLE - 1; z >= 0; z--)
    if (layout->zone_end[z] > layout->zone_start[z]) {
      movable_zone = z;
      break;
    }
  if (movable_zone < 0) return;
  uint64_t node_end = totalpages;
  uint64_t usable_startpfn = s->span_zones ? 0 : layout->zone_start[movable_zone];

  uint64_t kernelcore_remaining = required_kernelcore;
  kernelcore_remaining -= MIN(usable_startpfn, kernelcore_remaining);
  uint64_t zone_movable_pfn = usable_startpfn + MIN(node_end - usable_startpfn, kernelcore_remaining);
  /* the start of ZONE_MOVABLE is aligned to MAX_ORDER_NR_PAGES */
  zone_movable_pfn = (zone_movable_pfn + max_order_nr_pages - 1) / max_order_nr_pages * max_order_nr_pages;
  if (zone_movable_pfn >= node_end) return;

  for (int z = 0; z < FS_ZONE_MOVABLE; z++) {
    layout->zone_start[z] = MIN(layout->zone_start[z], zone_movable_pfn);
    layout->zone_end[z] = MIN(layout->zone_end[z], zone_movable_pfn);
  }
  layout->zone_start[FS_ZONE_MOVABLE] = zone_movable_pfn;
  layout->zone_end[FS_ZONE_MOVABLE] = node_end;
  static const char *const names[FS_ZONE_MOVABLE] = {"DMA", "DMA32", "Normal", "HighMem"};
  s->api->log(s->host, "ZONE_MOVABLE [%" G_GUINT64_FORMAT ", %" G_GUINT64_FORMAT ") carved from %s",
              zone_movable_pfn, node_end, names[movable_zone]);
}

/* The hugetlb pool's request (alloc_buddy_huge_page() with htlb_alloc_mask():
 * GFP_HIGHUSER | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN, without
 * __GFP_MOVABLE, as before migratable hstates) gets __GFP_MOVABLE when
 * hugepages_treat_as_movable is set, so gfp_zone() lets it into
 * ZONE_MOVABLE.  Only that shape is touched (the retry and node modifiers
 * may vary): THP faults are movable already. */
#define HUGETLB_POOL_GFP (FS_GFP_USER | FS_GFP_HIGHMEM | FS_GFP_COMP)
#define HUGETLB_POOL_OPTIONAL (FS_GFP_RETRY_MAYFAIL | FS_GFP_NORETRY | FS_GFP_NOWARN | FS_GFP_THISNODE)

static uint32_t zone_movable_adjust_gfp(void *state, uint32_t kind, uint32_t gfp) {
  ZoneMovable *s = state;
  /* hugetlb pool pages (and THP-kind requests of the pool's shape, from
   * workloads written before the hugetlb kind) */
  if (!s->hugepages_treat_as_movable || (kind != FS_KIND_THP && kind != FS_KIND_HUGETLB) ||
      (gfp & ~HUGETLB_POOL_OPTIONAL) != HUGETLB_POOL_GFP)
    return gfp;
  s->api->counter_add(s->host, s->counter[C_HUGEPAGES_MOVABLE], 1);
  return gfp | FS_GFP_MOVABLE;
}

static const FsPolicyOps zone_movable_ops = {
    .abi = FS_ABI_INIT,
    .name = "zone_movable",
    .summary = "ZONE_MOVABLE from kernelcore=/movablecore= (find_zone_movable_pfns_for_nodes), hugepages_treat_as_movable",
    .params = zone_movable_params,
    .create = zone_movable_create,
    .destroy = zone_movable_destroy,
    .boot_layout = zone_movable_boot_layout,
    .adjust_gfp = zone_movable_adjust_gfp,
};

FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(zone_movable)(void);
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(zone_movable)(void) { return &zone_movable_ops; }
