/* highatomic: reserves for high-order atomic allocations, in either of the
 * kernel's two designs.
 *
 * mode=highatomic (4.4+): MIGRATE_HIGHATOMIC pageblocks reserved on demand.
 * After a high-order atomic allocation succeeds, its pageblock becomes
 * HIGHATOMIC (reserve_highatomic_pageblock(), capped at about 1% of the zone,
 * `limit` selecting the 6.1 or the 2025 cap); high-order atomic requests try
 * those lists first (rmqueue_buddy()); the slow path gives blocks back
 * (unreserve_highatomic_pageblock()) after direct reclaim failed, keeping
 * one, and all of them before the OOM killer.
 *
 * mode=reserve (2.6.24 - 4.3): MIGRATE_RESERVE.  At boot up to two MOVABLE
 * pageblocks at the start of each zone become RESERVE
 * (setup_zone_migrate_reserve()); every request uses them only when its own
 * lists and every fallback are empty (__rmqueue()'s retry_reserve).  RESERVE
 * is the same pageblock value as HIGHATOMIC, as in the kernel.
 *
 * What it does not own: the watermark check (the engine's: the modern check
 * sets nr_reserved_highatomic aside for unprivileged callers; reserve mode
 * never adds to it, since old kernels counted RESERVE pages as free, and its
 * stacks use vm.watermark_check=pre-4.4), merging (HIGHATOMIC blocks never
 * merge with other types above pageblock order: the engine's
 * migratetype_is_mergeable()), and per-CPU lists (HIGHATOMIC pages ride on
 * the MOVABLE pcp list when freed, in the engine as in the kernel).
 *
 * Stacking: after the grouping policy (migratetype+highatomic), so that the
 * normal fallbacks come before the reserve.  The fallback hook checks for
 * itself that no normal fallback could serve the request, so another order
 * does not break the semantics, only costs the check.
 */
#include <fragsim/policy.h>

enum { PARAM_MODE, PARAM_LIMIT, PARAM_PAGEBLOCK_MOVE_NS, N_PARAMS };
enum { MODE_HIGHATOMIC = 0, MODE_RESERVE = 1 };
enum { LIMIT_6_1 = 0, LIMIT_2025 = 1 };

static const char *const mode_choices[] = {"highatomic", "reserve", NULL};
static const char *const limit_choices[] = {"6.1", "2025", NULL};

static const FsParamSpec highatomic_params[] = {
    [PARAM_MODE] = {.name = "mode",
                    .type = FS_PARAM_ENUM,
                    .default_value = "highatomic",
                    .help = "highatomic (MIGRATE_HIGHATOMIC, 4.4+) or reserve (MIGRATE_RESERVE, 2.6.24-4.3)",
                    .choices = mode_choices},
    [PARAM_LIMIT] = {.name = "limit",
                     .type = FS_PARAM_ENUM,
                     .default_value = "6.1",
                     .help = "highatomic rules: 6.1 (cap managed/100 + 1 block) or 2025 (cap ALIGN(managed/100), none "
                             "below a block; non-blocking requests may use the reserve last)",
                     .choices = limit_choices},
    [PARAM_PAGEBLOCK_MOVE_NS] = {.name = "pageblock_move_ns",
                                 .type = FS_PARAM_INT,
                                 .default_value = "2000",
                                 .help = "simulated cost of one move_freepages_block, ns",
                                 .min = 0,
                                 .max = 1e12},
    [N_PARAMS] = {0},
};

enum {
  C_RESERVED,
  C_RESERVE_CAPPED,
  C_UNRESERVED,
  C_UNRESERVED_FORCED,
  C_HIGHATOMIC_ALLOCS,
  C_RESERVE_BLOCKS,
  C_RESERVE_ALLOCS,
  N_COUNTERS
};

static const char *const counter_names[N_COUNTERS] = {
    "reserved_pageblocks", "reserve_capped", "unreserved_pageblocks", "unreserved_forced",
    "highatomic_allocs", "reserve_blocks", "reserve_allocs",
};
static const char *const counter_help[N_COUNTERS] = {
    "pageblocks made HIGHATOMIC by reserve_highatomic_pageblock",
    "high-order atomic allocations that found the reserve at its cap",
    "HIGHATOMIC pageblocks given back by unreserve_highatomic_pageblock",
    "of those, given back with force (before the OOM killer)",
    "allocations served from HIGHATOMIC lists",
    "mode=reserve: MIGRATE_RESERVE pageblocks set up at boot",
    "mode=reserve: allocations served from MIGRATE_RESERVE as the last fallback",
};

typedef struct {
  const FsHostApi *api;
  FsHost *host;
  int mode;
  int limit;
  uint64_t pageblock_move_ns;
  uint32_t max_order, pageblock_order;
  uint64_t pageblock_nr_pages;
  int counter[N_COUNTERS];
} Highatomic;

static void *highatomic_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  (void)error;
  Highatomic *s = g_new0(Highatomic, 1);
  s->api = api;
  s->host = host;
  s->mode = (int)values[PARAM_MODE].i;
  s->limit = (int)values[PARAM_LIMIT].i;
  s->pageblock_move_ns = (uint64_t)values[PARAM_PAGEBLOCK_MOVE_NS].i;
  for (int i = 0; i < N_COUNTERS; i++) s->counter[i] = api->counter_register(host, counter_names[i], counter_help[i]);
  return s;
}

static void highatomic_destroy(void *state) { g_free(state); }

static inline void count(Highatomic *s, int c, int64_t n) { s->api->counter_add(s->host, s->counter[c], n); }

static void geometry(Highatomic *s) {
  s->max_order = s->api->max_order(s->host);
  s->pageblock_order = s->api->pageblock_order(s->host);
  s->pageblock_nr_pages = (uint64_t)1 << s->pageblock_order;
}

static bool move_block(Highatomic *s, uint64_t pfn, uint32_t mt, uint64_t *ret_free) {
  s->api->charge_ns(s->host, s->pageblock_move_ns);
  return s->api->move_freepages_block(s->host, pfn, mt, ret_free, NULL);
}

/* change_pageblock_range() */
static void change_pageblock_range(Highatomic *s, uint64_t pfn, uint32_t order, uint32_t mt) {
  uint64_t nr_blocks = order > s->pageblock_order ? (uint64_t)1 << (order - s->pageblock_order) : 1;
  uint64_t start = pfn & ~(s->pageblock_nr_pages - 1);
  for (uint64_t i = 0; i < nr_blocks; i++) s->api->set_pageblock_migratetype(s->host, start + i * s->pageblock_nr_pages, mt);
}

/* ---- mode=reserve: setup_zone_migrate_reserve() ---------------------------------- */

static bool pageblock_is_reserved(Highatomic *s, uint64_t start) {
  for (uint64_t pfn = start; pfn < start + s->pageblock_nr_pages; pfn++) {
    FsPageInfo pi;
    if (!s->api->page_info(s->host, pfn, &pi) || pi.state == FS_PAGE_RESERVED) return true;
  }
  return false;
}

/* The first min(2, min_wmark in pageblocks) MOVABLE blocks of each zone that
 * hold no reserved page: roughly min_free_kbytes of contiguous memory kept
 * for the high-order atomic allocations that must not fail.  More than two
 * blocks would be min_free_kbytes raised for huge pages, which the kernel
 * deliberately did not turn into reserve. */
static void setup_zone_migrate_reserve(Highatomic *s, uint32_t zone) {
  FsZoneInfo zi;
  if (!s->api->zone_info(s->host, zone, &zi) || !zi.populated) return;
  uint64_t reserve = (zi.wmark_min + s->pageblock_nr_pages - 1) >> s->pageblock_order;
  reserve = MIN(reserve, 2);
  uint64_t start = (zi.start_pfn + s->pageblock_nr_pages - 1) & ~(s->pageblock_nr_pages - 1);
  for (uint64_t pfn = start; reserve && pfn + s->pageblock_nr_pages <= zi.end_pfn; pfn += s->pageblock_nr_pages) {
    if (pageblock_is_reserved(s, pfn)) continue;
    uint32_t mt = s->api->get_pageblock_migratetype(s->host, pfn);
    if (mt == FS_MIGRATE_RESERVE) {
      reserve--;
      continue;
    }
    if (mt != FS_MIGRATE_MOVABLE) continue;
    s->api->set_pageblock_migratetype(s->host, pfn, FS_MIGRATE_RESERVE);
    move_block(s, pfn, FS_MIGRATE_RESERVE, NULL);
    count(s, C_RESERVE_BLOCKS, 1);
    reserve--;
  }
}

static void highatomic_boot_done(void *state) {
  Highatomic *s = state;
  geometry(s);
  if (s->mode != MODE_RESERVE) return;
  for (uint32_t z = 0; z < s->api->nr_zones(s->host); z++) setup_zone_migrate_reserve(s, z);
}

/* ---- mode=highatomic ------------------------------------------------------------- */

/* reserve_highatomic_pageblock(): the block the allocation came from becomes
 * a reserve, so the next burst finds free high-order pages there.  Only
 * normal (mergeable) blocks are taken: never CMA, ISOLATE or one already
 * reserved. */
static void reserve_highatomic_pageblock(Highatomic *s, uint32_t zone, uint64_t pfn, uint32_t order) {
  FsZoneInfo zi;
  if (!s->api->zone_info(s->host, zone, &zi)) return;
  uint64_t max_managed;
  if (s->limit == LIMIT_6_1) {
    /* about 1% of the zone plus one block */
    max_managed = zi.managed_pages / 100 + s->pageblock_nr_pages;
  } else {
    /* 2025: 1% rounded up to whole blocks, and nothing if 1% is less than a block */
    if (zi.managed_pages / 100 < s->pageblock_nr_pages) return;
    max_managed = (zi.managed_pages / 100 + s->pageblock_nr_pages - 1) & ~(s->pageblock_nr_pages - 1);
  }
  if (zi.nr_reserved_highatomic >= max_managed) {
    count(s, C_RESERVE_CAPPED, 1);
    return;
  }
  uint32_t mt = s->api->get_pageblock_migratetype(s->host, pfn);
  if (!fs_migratetype_is_mergeable(mt)) return;
  if (s->limit == LIMIT_6_1) {
    s->api->highatomic_reserve_add(s->host, zone, (int64_t)s->pageblock_nr_pages);
    s->api->set_pageblock_migratetype(s->host, pfn, FS_MIGRATE_HIGHATOMIC);
    move_block(s, pfn, FS_MIGRATE_HIGHATOMIC, NULL);
  } else if (order < s->pageblock_order) {
    /* a block straddling the zone cannot be moved, so it is not reserved */
    if (!move_block(s, pfn, FS_MIGRATE_HIGHATOMIC, NULL)) return;
    s->api->set_pageblock_migratetype(s->host, pfn, FS_MIGRATE_HIGHATOMIC);
    s->api->highatomic_reserve_add(s->host, zone, (int64_t)s->pageblock_nr_pages);
  } else {
    change_pageblock_range(s, pfn, order, FS_MIGRATE_HIGHATOMIC);
    s->api->highatomic_reserve_add(s->host, zone, (int64_t)1 << order);
  }
  count(s, C_RESERVED, 1);
}

/* unreserve_highatomic_pageblock(): give the first HIGHATOMIC block found
 * (lowest order first, zones of the zonelist from the highest) to the
 * requesting allocation's type, not by the fallback heuristics: the caller
 * is the one who needs the pages.  Without force one block is kept per zone. */
static bool unreserve_highatomic_pageblock(Highatomic *s, const FsAllocRequest *req, bool force) {
  uint32_t to_mt = req->migratetype < FS_MIGRATE_PCPTYPES ? req->migratetype : FS_MIGRATE_MOVABLE;
  for (int z = (int)req->highest_zoneidx; z >= 0; z--) {
    FsZoneInfo zi;
    if (!s->api->zone_info(s->host, (uint32_t)z, &zi) || !zi.populated) continue;
    if (!force && zi.nr_reserved_highatomic <= s->pageblock_nr_pages) continue;
    for (uint32_t o = 0; o <= s->max_order; o++) {
      uint64_t pfn = s->api->free_list_first(s->host, (uint32_t)z, o, FS_MIGRATE_HIGHATOMIC);
      if (pfn == FS_PFN_NONE) continue;
      uint64_t reserved = zi.nr_reserved_highatomic;
      bool ok;
      if (s->limit == LIMIT_6_1) {
        /* a stray free page of a block already given back must not be counted twice */
        if (s->api->get_pageblock_migratetype(s->host, pfn) == FS_MIGRATE_HIGHATOMIC)
          s->api->highatomic_reserve_add(s->host, (uint32_t)z, -(int64_t)MIN(s->pageblock_nr_pages, reserved));
        s->api->set_pageblock_migratetype(s->host, pfn, to_mt);
        uint64_t moved = 0;
        ok = move_block(s, pfn, to_mt, &moved) && moved;
      } else {
        uint64_t size = MAX(s->pageblock_nr_pages, (uint64_t)1 << o);
        s->api->highatomic_reserve_add(s->host, (uint32_t)z, -(int64_t)MIN(size, reserved));
        if (o < s->pageblock_order) {
          /* move_freepages_block() of 2025 re-types the block only if it could move it */
          ok = move_block(s, pfn, to_mt, NULL);
          if (ok) s->api->set_pageblock_migratetype(s->host, pfn, to_mt);
        } else {
          s->api->move_free_block(s->host, pfn, to_mt);
          change_pageblock_range(s, pfn, o, to_mt);
          ok = true;
        }
      }
      if (ok) {
        count(s, C_UNRESERVED, 1);
        if (force) count(s, C_UNRESERVED_FORCED, 1);
        return true;
      }
    }
  }
  return false;
}

/* rmqueue_buddy(): a high-order atomic request tries the reserve before the
 * normal lists.  Not in rmqueue_bulk(): per-CPU refills never use it. */
static uint64_t highatomic_rmqueue_prefer(void *state, uint32_t zone, const FsAllocRequest *req) {
  Highatomic *s = state;
  if (s->mode != MODE_HIGHATOMIC || !(req->alloc_flags & FS_ALLOC_HIGHATOMIC) || !req->order ||
      (req->alloc_flags & FS_ALLOC_BULK))
    return FS_PFN_NONE;
  uint64_t pfn = s->api->rmqueue_smallest(s->host, zone, req->order, FS_MIGRATE_HIGHATOMIC);
  if (pfn != FS_PFN_NONE) count(s, C_HIGHATOMIC_ALLOCS, 1);
  return pfn;
}

/* Whether the normal fallback could still serve the request: a block of the
 * order on the requested type's or any other pcp type's lists (only whole
 * pageblocks of other types count under ALLOC_NOFRAGMENT). */
static bool normal_lists_could_serve(Highatomic *s, uint32_t zone, const FsAllocRequest *req) {
  uint32_t foreign_min = req->order;
  if ((req->alloc_flags & FS_ALLOC_NOFRAGMENT) && foreign_min < s->pageblock_order) foreign_min = s->pageblock_order;
  for (uint32_t o = req->order; o <= s->max_order; o++)
    for (uint32_t mt = 0; mt < FS_MIGRATE_PCPTYPES; mt++) {
      if (mt != req->migratetype && o < foreign_min) continue;
      if (s->api->free_count(s->host, zone, o, mt)) return true;
    }
  return false;
}

/* mode=reserve: __rmqueue()'s retry_reserve, the last resort of every type.
 * 2025 highatomic: rmqueue_buddy() lets requests that must not fail now
 * (ALLOC_OOM, non-blocking) take HIGHATOMIC pages when __rmqueue() failed:
 * failing now is worse than failing a high-order atomic request later. */
static uint64_t highatomic_rmqueue_fallback(void *state, uint32_t zone, const FsAllocRequest *req) {
  Highatomic *s = state;
  if (req->migratetype == FS_MIGRATE_HIGHATOMIC) return FS_FALLBACK_NONE;
  if (s->mode == MODE_RESERVE) {
    if (normal_lists_could_serve(s, zone, req)) return FS_FALLBACK_NONE;
    uint64_t pfn = s->api->rmqueue_smallest(s->host, zone, req->order, FS_MIGRATE_RESERVE);
    if (pfn == FS_PFN_NONE) return FS_FALLBACK_NONE;
    count(s, C_RESERVE_ALLOCS, 1);
    return pfn;
  }
  if (s->limit != LIMIT_2025 || !(req->alloc_flags & (FS_ALLOC_OOM | FS_ALLOC_HARDER)) ||
      (req->alloc_flags & FS_ALLOC_BULK) || normal_lists_could_serve(s, zone, req))
    return FS_FALLBACK_NONE;
  uint64_t pfn = s->api->rmqueue_smallest(s->host, zone, req->order, FS_MIGRATE_HIGHATOMIC);
  if (pfn == FS_PFN_NONE) return FS_FALLBACK_NONE;
  count(s, C_HIGHATOMIC_ALLOCS, 1);
  return pfn;
}

/* get_page_from_freelist(): after every successful high-order atomic
 * allocation, consider reserving its pageblock. */
static void highatomic_alloc_done(void *state, uint32_t zone, uint64_t pfn, const FsAllocRequest *req) {
  Highatomic *s = state;
  if (s->mode != MODE_HIGHATOMIC || !req->order || !(req->alloc_flags & FS_ALLOC_HIGHATOMIC)) return;
  reserve_highatomic_pageblock(s, zone, pfn, req->order);
}

/* __alloc_pages_direct_reclaim() unreserves (keeping a block) when the retry
 * after reclaim failed; should_reclaim_retry() unreserves with force before
 * giving up for the OOM killer. */
static FsStageResult highatomic_slowpath_stage(void *state, FsStage stage, const FsAllocRequest *req,
                                               uint64_t *ret_pfn) {
  (void)ret_pfn;
  Highatomic *s = state;
  if (s->mode != MODE_HIGHATOMIC) return FS_STAGE_NOTHING;
  if (stage != FS_STAGE_AFTER_RECLAIM && stage != FS_STAGE_BEFORE_OOM) return FS_STAGE_NOTHING;
  return unreserve_highatomic_pageblock(s, req, stage == FS_STAGE_BEFORE_OOM) ? FS_STAGE_PROGRESS : FS_STAGE_NOTHING;
}

static const FsPolicyOps highatomic_ops = {
    .abi = FS_ABI_INIT,
    .name = "highatomic",
    .summary = "reserves for high-order atomic allocations: MIGRATE_HIGHATOMIC (4.4+) or MIGRATE_RESERVE (2.6.24-4.3)",
    .params = highatomic_params,
    .create = highatomic_create,
    .destroy = highatomic_destroy,
    .boot_done = highatomic_boot_done,
    .rmqueue_prefer = highatomic_rmqueue_prefer,
    .rmqueue_fallback = highatomic_rmqueue_fallback,
    .alloc_done = highatomic_alloc_done,
    .slowpath_stage = highatomic_slowpath_stage,
};

FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(highatomic)(void);
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(highatomic)(void) { return &highatomic_ops; }
