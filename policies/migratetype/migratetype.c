/* migratetype: grouping pages by mobility (2.6.23+), with the fallback rules
 * of v6.1 or of v6.15, ALLOC_NOFRAGMENT (5.0+), watermark boosting on
 * fragmenting fallbacks (5.0+, through the host) and vm.defrag_mode (6.15);
 * or (rules=v22) its ancestor, the list-based grouping of 2.6.16-rc1-mm1
 * (Gorman's v22, 2006): two types and no pageblocks.
 *
 * What it owns: the gfp -> migratetype mapping (gfp_migratetype()), the
 * fallback table, the choice of a foreign free block when the requested
 * type's lists are empty (__rmqueue_fallback() of 6.1, or __rmqueue_claim()
 * and __rmqueue_steal() of 6.15), claiming pageblocks for the requesting type
 * (steal_suitable_fallback() / try_to_claim_block()), the
 * mm_page_alloc_extfrag tracepoint, and setting ALLOC_NOFRAGMENT.
 *
 * What it does not own: __rmqueue_smallest() and the buddy mechanics (the
 * engine's), the zonelist walk and its pass without ALLOC_NOFRAGMENT (the
 * engine repeats the walk when every zone refused to fragment), kswapd's
 * reclaim of a watermark boost (the engine's boost_watermark service), and
 * the reserves and CMA, which belong to the highatomic and cma policies.
 *
 * Deliberate simplifications: the 6.10 "freelist hygiene" is only half
 * modelled: with rules=6.15 this policy itself keeps every free page it
 * touches on its pageblock's list, but merging above pageblock order still
 * follows the engine (6.1: no re-typing of the buddy's pageblock).  The
 * 6.15 rmqueue_bulk() memory of the last successful mode (enum
 * rmqueue_mode) is not modelled: every block of a per-CPU refill starts
 * from the requested type's lists.  defrag_mode is approximated, see
 * docs/policies.md.
 */
#include <fragsim/policy.h>

enum { PARAM_RULES, PARAM_NOFRAGMENT, PARAM_DEFRAG_MODE, PARAM_PAGEBLOCK_MOVE_NS, N_PARAMS };
enum { RULES_6_1 = 0, RULES_6_15 = 1, RULES_V22 = 2 };

static const char *const rules_choices[] = {"6.1", "6.15", "v22", NULL};

static const FsParamSpec migratetype_params[] = {
    [PARAM_RULES] = {.name = "rules",
                     .type = FS_PARAM_ENUM,
                     .default_value = "6.1",
                     .help = "fallback rules: 6.1 (__rmqueue_fallback/steal_suitable_fallback), 6.15 "
                             "(__rmqueue_claim then __rmqueue_steal) or v22 (2.6.16-rc1-mm1's list-based grouping: "
                             "two types, kernel and user (__GFP_EASYRCLM), no pageblocks; a fallback takes the "
                             "other type's largest free block; use with vm.free_list_type=allocation)",
                     .choices = rules_choices},
    [PARAM_NOFRAGMENT] = {.name = "nofragment",
                          .type = FS_PARAM_BOOL,
                          .default_value = "true",
                          .help = "ALLOC_NOFRAGMENT on the fast path when the preferred zone is Normal (5.0+; false for older kernels)"},
    [PARAM_DEFRAG_MODE] = {.name = "defrag_mode",
                           .type = FS_PARAM_BOOL,
                           .default_value = "false",
                           .help = "vm.defrag_mode (6.15): ALLOC_NOFRAGMENT for every request, dropped only after reclaim "
                                   "and compaction failed"},
    [PARAM_PAGEBLOCK_MOVE_NS] = {.name = "pageblock_move_ns",
                                 .type = FS_PARAM_INT,
                                 .default_value = "2000",
                                 .help = "simulated cost of one walk over a pageblock (move_freepages_block), ns",
                                 .min = 0,
                                 .max = 1e12},
    [N_PARAMS] = {0},
};

enum {
  C_FALLBACK,
  C_CLAIM,
  C_CLAIM_PAGEBLOCKS,
  C_CLAIM_DECLINED,
  C_STEAL,
  C_BOOST,
  C_MOVE_BLOCK,
  C_NOFRAGMENT,
  C_NOFRAGMENT_DENIED,
  N_COUNTERS
};

static const char *const counter_names[N_COUNTERS] = {
    "fallbacks", "claims", "claimed_pageblocks", "claims_declined", "steals",
    "boosts", "pageblock_moves", "nofragment_requests", "nofragment_denied",
};
static const char *const counter_help[N_COUNTERS] = {
    "fallbacks to another migratetype's free list (mm_page_alloc_extfrag events)",
    "fallbacks after which the pageblock belongs to the requesting type (change_ownership)",
    "pageblocks re-typed to the requesting type by fallbacks",
    "claim attempts on a pageblock that was neither half free nor half alike",
    "fallbacks that left the pageblock with its type (mixed or stolen-from blocks)",
    "watermark boosts raised by fragmenting fallbacks",
    "walks over a pageblock's pages (move_freepages_block and its 6.15 counting pass)",
    "requests given ALLOC_NOFRAGMENT",
    "fallbacks refused because of ALLOC_NOFRAGMENT",
};

/* The fallback table (4.4 -> 2025 unchanged; before 4.4 each row also ended
 * with MIGRATE_RESERVE, which the highatomic policy's reserve mode adds). */
static const uint32_t fallbacks[FS_MIGRATE_PCPTYPES][FS_MIGRATE_PCPTYPES - 1] = {
    [FS_MIGRATE_UNMOVABLE] = {FS_MIGRATE_RECLAIMABLE, FS_MIGRATE_MOVABLE},
    [FS_MIGRATE_MOVABLE] = {FS_MIGRATE_RECLAIMABLE, FS_MIGRATE_UNMOVABLE},
    [FS_MIGRATE_RECLAIMABLE] = {FS_MIGRATE_UNMOVABLE, FS_MIGRATE_MOVABLE},
};

typedef struct {
  const FsHostApi *api;
  FsHost *host;
  int rules;
  bool nofragment;
  bool defrag_mode;
  uint64_t pageblock_move_ns;
  /* geometry, known from boot_pageblocks on */
  uint32_t max_order, pageblock_order;
  uint64_t pageblock_nr_pages;
  bool mobility_disabled; /* page_group_by_mobility_disabled */
  /* defrag_mode: the request being served and whether it may fragment yet */
  uint32_t defrag_task;
  bool defrag_fragment_ok;
  int counter[N_COUNTERS];
} Migratetype;

static void *migratetype_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  (void)error;
  Migratetype *s = g_new0(Migratetype, 1);
  s->api = api;
  s->host = host;
  s->rules = (int)values[PARAM_RULES].i;
  s->nofragment = values[PARAM_NOFRAGMENT].b;
  s->defrag_mode = values[PARAM_DEFRAG_MODE].b;
  s->pageblock_move_ns = (uint64_t)values[PARAM_PAGEBLOCK_MOVE_NS].i;
  s->defrag_task = UINT32_MAX;
  for (int i = 0; i < N_COUNTERS; i++) s->counter[i] = api->counter_register(host, counter_names[i], counter_help[i]);
  return s;
}

static void migratetype_destroy(void *state) { g_free(state); }

static inline void count(Migratetype *s, int c, int64_t n) { s->api->counter_add(s->host, s->counter[c], n); }

/* build_all_zonelists(): grouping is pointless when there are fewer pages
 * than a pageblock of each type; the kernel then maps every gfp to
 * UNMOVABLE and forces the pcp types to UNMOVABLE in set_pageblock_migratetype().
 * The kernel decides before the watermarks exist, so managed pages are the
 * measure here too. */
static void migratetype_boot_pageblocks(void *state) {
  Migratetype *s = state;
  s->max_order = s->api->max_order(s->host);
  s->pageblock_order = s->api->pageblock_order(s->host);
  s->pageblock_nr_pages = (uint64_t)1 << s->pageblock_order;
  uint64_t managed = 0;
  for (uint32_t z = 0; z < s->api->nr_zones(s->host); z++) {
    FsZoneInfo zi;
    if (s->api->zone_info(s->host, z, &zi)) managed += zi.managed_pages;
  }
  s->mobility_disabled = managed < s->pageblock_nr_pages * FS_MIGRATE_TYPES;
  if (!s->mobility_disabled) return;
  s->api->log(s->host, "page_group_by_mobility_disabled: %" G_GUINT64_FORMAT " managed pages", managed);
  uint64_t total = s->api->total_pages(s->host);
  for (uint64_t pfn = 0; pfn < total; pfn += s->pageblock_nr_pages)
    if (s->api->get_pageblock_migratetype(s->host, pfn) < FS_MIGRATE_PCPTYPES)
      s->api->set_pageblock_migratetype(s->host, pfn, FS_MIGRATE_UNMOVABLE);
}

/* gfp_migratetype().  Both mobility bits at once is a caller bug the kernel
 * only warns about (it would index MIGRATE_HIGHATOMIC); treat it as
 * unmovable, the conservative reading. */
static int migratetype_gfp_to_migratetype(void *state, uint32_t gfp) {
  Migratetype *s = state;
  uint32_t mt = fs_gfp_migratetype(gfp);
  if (s->mobility_disabled || mt >= FS_MIGRATE_PCPTYPES) return FS_MIGRATE_UNMOVABLE;
  /* v22 has two types: what is not __GFP_EASYRCLM (user pages and page
   * cache) is RCLM_NORCLM, reclaimable slab included */
  if (s->rules == RULES_V22 && mt != FS_MIGRATE_MOVABLE) return FS_MIGRATE_UNMOVABLE;
  return (int)mt;
}

/* alloc_flags_nofragment(): on the fast path, a request whose preferred zone
 * is ZONE_NORMAL refuses to fragment Normal while a lower zone (DMA32) could
 * serve it without fragmenting.  On a single node the kernel does not even
 * check that DMA32 is populated (that test is for remote nodes), and neither
 * does this.  The slow path's gfp_to_alloc_flags() does not set it, except
 * with defrag_mode, which sets it for every request in both paths. */
static uint32_t migratetype_alloc_flags(void *state, const FsAllocRequest *req, bool slowpath) {
  Migratetype *s = state;
  uint32_t flags = req->alloc_flags;
  if (!slowpath) {
    /* the fast path is a request's first call: a new request begins */
    s->defrag_task = req->task;
    s->defrag_fragment_ok = false;
    if (s->defrag_mode || (s->nofragment && req->highest_zoneidx == FS_ZONE_NORMAL)) flags |= FS_ALLOC_NOFRAGMENT;
  } else if (s->defrag_mode && !s->defrag_fragment_ok) {
    flags |= FS_ALLOC_NOFRAGMENT;
  }
  if ((flags & FS_ALLOC_NOFRAGMENT) && !(req->alloc_flags & FS_ALLOC_NOFRAGMENT) && !slowpath) count(s, C_NOFRAGMENT, 1);
  return flags;
}

/* defrag_mode: the kernel drops ALLOC_NOFRAGMENT only right before the OOM
 * killer, once should_reclaim_retry() and should_compact_retry() gave up.
 * The engine's last chance the policy sees is a direct compaction round
 * (retrying requests only: __GFP_NORETRY and costly requests without
 * __GFP_RETRY_MAYFAIL go to nopage without the drop, as in the kernel) or
 * FS_STAGE_BEFORE_OOM; from then on the request may fragment. */
static FsStageResult migratetype_slowpath_stage(void *state, FsStage stage, const FsAllocRequest *req,
                                                uint64_t *ret_pfn) {
  (void)ret_pfn;
  Migratetype *s = state;
  if (!s->defrag_mode || req->task != s->defrag_task || s->defrag_fragment_ok) return FS_STAGE_NOTHING;
  if (stage == FS_STAGE_COMPACT) {
    bool gives_up = (req->gfp & FS_GFP_NORETRY) || (req->order > 3 && !(req->gfp & FS_GFP_RETRY_MAYFAIL));
    if (!gives_up) s->defrag_fragment_ok = true;
    return FS_STAGE_NOTHING;
  }
  if (stage == FS_STAGE_BEFORE_OOM) {
    s->defrag_fragment_ok = true;
    return FS_STAGE_PROGRESS;
  }
  return FS_STAGE_NOTHING;
}

/* find_suitable_fallback(): the first type of the request's fallback row
 * with a free block of this order, or -1. */
static int find_fallback(Migratetype *s, uint32_t zone, uint32_t order, uint32_t start_mt) {
  if (!s->api->nr_free(s->host, zone, order)) return -1;
  for (uint32_t i = 0; i < FS_MIGRATE_PCPTYPES - 1; i++) {
    uint32_t mt = fallbacks[start_mt][i];
    if (s->api->free_count(s->host, zone, order, mt)) return (int)mt;
  }
  return -1;
}

/* Whether a foreign block below min_order exists: what ALLOC_NOFRAGMENT
 * refused to touch (for the nofragment_denied counter only). */
static bool fallback_below(Migratetype *s, uint32_t zone, uint32_t order, uint32_t min_order, uint32_t start_mt) {
  for (uint32_t o = order; o < min_order && o <= s->max_order; o++)
    if (find_fallback(s, zone, o, start_mt) >= 0) return true;
  return false;
}

/* can_steal_fallback() (6.1) and should_try_claim_block() (6.15): whole
 * pageblocks, large buddies and non-movable requests may take the block;
 * small movable requests do not, since movable pages cause no lasting
 * fragmentation and compaction can regroup them later. */
static bool can_claim(const Migratetype *s, uint32_t order, uint32_t start_mt) {
  if (order >= s->pageblock_order) return true;
  return order >= s->pageblock_order / 2 || start_mt == FS_MIGRATE_RECLAIMABLE || start_mt == FS_MIGRATE_UNMOVABLE ||
         s->mobility_disabled;
}

/* change_pageblock_range() */
static void change_pageblock_range(Migratetype *s, uint64_t pfn, uint32_t order, uint32_t mt) {
  uint64_t nr_blocks = order > s->pageblock_order ? (uint64_t)1 << (order - s->pageblock_order) : 1;
  uint64_t start = pfn & ~(s->pageblock_nr_pages - 1);
  for (uint64_t i = 0; i < nr_blocks; i++) s->api->set_pageblock_migratetype(s->host, start + i * s->pageblock_nr_pages, mt);
  count(s, C_CLAIM_PAGEBLOCKS, (int64_t)nr_blocks);
}

/* Whether move_freepages_block() counts the page as movable: PageLRU or
 * __PageMovable, pinned or not, as the engine's own walk counts them. */
static bool kind_lru_or_movable(uint32_t kind) {
  return fs_kind_on_lru(kind) || kind == FS_KIND_ZSMALLOC;
}

/* prep_move_freepages_block() (6.15): count the pageblock's free and movable
 * pages without moving anything; false if the block straddles the zone. */
static bool prep_move_freepages_block(Migratetype *s, uint32_t zone, uint64_t pfn, uint64_t *ret_free,
                                      uint64_t *ret_movable) {
  FsZoneInfo zi;
  uint64_t start = pfn & ~(s->pageblock_nr_pages - 1), end = start + s->pageblock_nr_pages;
  s->api->charge_ns(s->host, s->pageblock_move_ns);
  count(s, C_MOVE_BLOCK, 1);
  if (!s->api->zone_info(s->host, zone, &zi) || start < zi.start_pfn || end > zi.end_pfn) return false;
  uint64_t nfree = 0, nmovable = 0;
  for (uint64_t p = start; p < end;) {
    FsPageInfo pi;
    if (!s->api->page_info(s->host, p, &pi)) break;
    if (pi.state == FS_PAGE_FREE && pi.head_pfn == p) {
      nfree += (uint64_t)1 << pi.order;
      p += (uint64_t)1 << pi.order;
      continue;
    }
    if (pi.state == FS_PAGE_ALLOCATED) {
      uint64_t alloc_end = MIN(pi.head_pfn + ((uint64_t)1 << pi.order), end);
      if (kind_lru_or_movable(pi.kind)) nmovable += alloc_end - p;
      p = alloc_end;
      continue;
    }
    p++;
  }
  *ret_free = nfree;
  *ret_movable = nmovable;
  return true;
}

/* The alike_pages test of steal_suitable_fallback() / try_to_claim_block():
 * claim the block when at least half of it is free or already holds pages
 * of compatible mobility.  For a movable request that is its movable pages;
 * an unmovable or reclaimable request falling into a MOVABLE block counts
 * every non-movable page as compatible; UNMOVABLE <-> RECLAIMABLE counts
 * none, since the two cannot be told apart. */
static bool claim_threshold_met(const Migratetype *s, uint32_t start_mt, uint32_t block_mt, uint64_t free_pages,
                                uint64_t movable_pages) {
  uint64_t alike;
  if (start_mt == FS_MIGRATE_MOVABLE) alike = movable_pages;
  else if (block_mt == FS_MIGRATE_MOVABLE)
    alike = s->pageblock_nr_pages > free_pages + movable_pages ? s->pageblock_nr_pages - (free_pages + movable_pages) : 0;
  else alike = 0;
  return free_pages + alike >= s->pageblock_nr_pages / 2 || s->mobility_disabled;
}

static void trace_ownership(Migratetype *s, uint64_t pfn, uint32_t order, uint32_t fallback_order,
                            uint32_t start_mt, uint32_t fallback_mt, bool change_ownership) {
  s->api->trace_extfrag(s->host, pfn, order, fallback_order, start_mt, fallback_mt, change_ownership);
  count(s, C_FALLBACK, 1);
  count(s, change_ownership ? C_CLAIM : C_STEAL, 1);
}

/* change_ownership as the kernel's tracepoint reads it: the block is now the requester's */
static void trace(Migratetype *s, uint64_t pfn, uint32_t order, uint32_t fallback_order, uint32_t start_mt,
                  uint32_t fallback_mt) {
  trace_ownership(s, pfn, order, fallback_order, start_mt, fallback_mt,
                  s->api->get_pageblock_migratetype(s->host, pfn) == start_mt);
}

static void boost(Migratetype *s, uint32_t zone, uint32_t alloc_flags) {
  if (s->api->boost_watermark(s->host, zone, (alloc_flags & FS_ALLOC_KSWAPD) != 0)) count(s, C_BOOST, 1);
}

/* ---- 6.1: __rmqueue_fallback() ------------------------------------------------ */

/* steal_suitable_fallback(): move the found buddy, or every free page of its
 * pageblock, to the requesting type's lists, and claim the block if enough of
 * it is free or alike.  Pieces the request does not use stay on start_mt's
 * lists even when the block keeps its type: 6.1's mixed blocks. */
static void steal_suitable_fallback(Migratetype *s, uint32_t zone, uint64_t pfn, uint32_t current_order,
                                    const FsAllocRequest *req, bool whole_block) {
  uint32_t start_mt = req->migratetype;
  uint32_t old_block_mt = s->api->get_pageblock_migratetype(s->host, pfn);
  /* a free page on a pcp list inside a HIGHATOMIC block: keep the reserve's accounting whole */
  if (old_block_mt == FS_MIGRATE_HIGHATOMIC) goto single_page;
  if (current_order >= s->pageblock_order) {
    change_pageblock_range(s, pfn, current_order, start_mt);
    goto single_page;
  }
  /* fragmenting: raise reclaim pressure so fewer fallbacks follow */
  boost(s, zone, req->alloc_flags);
  if (!whole_block) goto single_page;
  uint64_t free_pages = 0, movable_pages = 0;
  s->api->charge_ns(s->host, s->pageblock_move_ns);
  count(s, C_MOVE_BLOCK, 1);
  if (!s->api->move_freepages_block(s->host, pfn, start_mt, &free_pages, &movable_pages) || !free_pages)
    goto single_page;
  if (claim_threshold_met(s, start_mt, old_block_mt, free_pages, movable_pages)) {
    s->api->set_pageblock_migratetype(s->host, pfn, start_mt);
    count(s, C_CLAIM_PAGEBLOCKS, 1);
  } else {
    count(s, C_CLAIM_DECLINED, 1);
  }
  return;
single_page:
  s->api->move_free_block(s->host, pfn, start_mt);
}

/* Top-down: the largest foreign buddy approximates the pageblock with the
 * most free pages.  A small movable request that may not claim it instead
 * takes the smallest foreign buddy (bottom-up), to leave large blocks for
 * those who can claim them. */
static uint64_t rmqueue_fallback_61(Migratetype *s, uint32_t zone, const FsAllocRequest *req, bool nofragment) {
  uint32_t order = req->order, start_mt = req->migratetype;
  uint32_t min_order = order;
  if (nofragment && order < s->pageblock_order) min_order = s->pageblock_order;
  int fallback_mt = -1;
  uint32_t current_order = 0;
  bool can_steal = false;
  for (int o = (int)s->max_order; o >= (int)min_order; o--) {
    fallback_mt = find_fallback(s, zone, (uint32_t)o, start_mt);
    if (fallback_mt < 0) continue;
    current_order = (uint32_t)o;
    can_steal = can_claim(s, current_order, start_mt);
    if (!can_steal && start_mt == FS_MIGRATE_MOVABLE && current_order > order) {
      /* find_smallest */
      for (uint32_t so = order; so <= s->max_order; so++) {
        fallback_mt = find_fallback(s, zone, so, start_mt);
        if (fallback_mt < 0) continue;
        current_order = so;
        can_steal = can_claim(s, so, start_mt);
        break;
      }
    }
    break;
  }
  if (fallback_mt < 0) {
    if (min_order > order && fallback_below(s, zone, order, min_order, start_mt)) count(s, C_NOFRAGMENT_DENIED, 1);
    return FS_FALLBACK_NONE;
  }
  uint64_t pfn = s->api->free_list_first(s->host, zone, current_order, (uint32_t)fallback_mt);
  steal_suitable_fallback(s, zone, pfn, current_order, req, can_steal);
  trace(s, pfn, order, current_order, start_mt, (uint32_t)fallback_mt);
  /* __rmqueue() goes back to __rmqueue_smallest() on the requesting type */
  return FS_FALLBACK_RETRY;
}

/* ---- v22 (2.6.16-rc1-mm1): __rmqueue_fallback() of the list-based grouping ---------- */

/* The other type's largest free block, from the top order down.  Above
 * half of MAX_ORDER (order 5 and up with MAX_ORDER 11) the pieces the
 * request does not use go to the requesting type's lists, so a large block
 * changes sides; below, they stay on the other type's.  Nothing is claimed
 * or re-typed: the patch has no pageblocks, and a free block's list is the
 * type of the page freed into it (vm.free_list_type=allocation, the engine's
 * part of the mechanism). */
static uint64_t rmqueue_fallback_v22(Migratetype *s, uint32_t zone, const FsAllocRequest *req) {
  uint32_t start_mt = req->migratetype;
  uint32_t other = start_mt == FS_MIGRATE_MOVABLE ? FS_MIGRATE_UNMOVABLE : FS_MIGRATE_MOVABLE;
  for (int o = (int)s->max_order; o >= (int)req->order; o--) {
    if (!s->api->free_count(s->host, zone, (uint32_t)o, other)) continue;
    uint64_t first = s->api->free_list_first(s->host, zone, (uint32_t)o, other);
    uint32_t expand_mt = (uint32_t)o >= (s->max_order + 1) / 2 ? start_mt : other;
    uint64_t page = s->api->take_free_block(s->host, first, req->order, expand_mt);
    if (page == FS_PFN_NONE) return FS_FALLBACK_NONE;
    /* the event's change_ownership: the rest of the block changed sides */
    trace_ownership(s, page, req->order, (uint32_t)o, start_mt, other, expand_mt == start_mt);
    return page;
  }
  return FS_FALLBACK_NONE;
}

/* ---- 6.15: __rmqueue_claim() and __rmqueue_steal() ------------------------------- */

/* try_to_claim_block(): a whole pageblock (or more) is taken outright; a
 * smaller buddy's block is claimed if half free or alike, and otherwise
 * nothing is moved at all. */
static uint64_t try_to_claim_block(Migratetype *s, uint32_t zone, uint64_t pfn, uint32_t current_order,
                                   const FsAllocRequest *req, uint32_t block_mt) {
  uint32_t start_mt = req->migratetype;
  if (current_order >= s->pageblock_order) {
    change_pageblock_range(s, pfn, current_order, start_mt);
    return s->api->take_free_block(s->host, pfn, req->order, start_mt);
  }
  boost(s, zone, req->alloc_flags);
  uint64_t free_pages = 0, movable_pages = 0;
  if (!prep_move_freepages_block(s, zone, pfn, &free_pages, &movable_pages)) return FS_PFN_NONE;
  if (!claim_threshold_met(s, start_mt, block_mt, free_pages, movable_pages)) {
    count(s, C_CLAIM_DECLINED, 1);
    return FS_PFN_NONE;
  }
  s->api->charge_ns(s->host, s->pageblock_move_ns);
  count(s, C_MOVE_BLOCK, 1);
  if (!s->api->move_freepages_block(s->host, pfn, start_mt, NULL, NULL)) return FS_PFN_NONE;
  s->api->set_pageblock_migratetype(s->host, pfn, start_mt);
  count(s, C_CLAIM_PAGEBLOCKS, 1);
  return s->api->rmqueue_smallest(s->host, zone, req->order, start_mt);
}

static uint64_t rmqueue_claim(Migratetype *s, uint32_t zone, const FsAllocRequest *req, bool nofragment) {
  uint32_t order = req->order, start_mt = req->migratetype;
  uint32_t min_order = order;
  if (order < s->pageblock_order && nofragment) min_order = s->pageblock_order;
  for (int o = (int)s->max_order; o >= (int)min_order; o--) {
    /* find_suitable_fallback(claimable) returns -2: orders too low to claim, abort */
    if (!can_claim(s, (uint32_t)o, start_mt)) break;
    int fallback_mt = find_fallback(s, zone, (uint32_t)o, start_mt);
    if (fallback_mt < 0) continue;
    uint64_t first = s->api->free_list_first(s->host, zone, (uint32_t)o, (uint32_t)fallback_mt);
    uint64_t page = try_to_claim_block(s, zone, first, (uint32_t)o, req, (uint32_t)fallback_mt);
    if (page != FS_PFN_NONE) {
      trace(s, page, order, (uint32_t)o, start_mt, (uint32_t)fallback_mt);
      return page;
    }
  }
  return FS_PFN_NONE;
}

/* Bottom-up: the smallest foreign buddy, taken without re-typing anything;
 * the pieces the request does not use stay on the fallback type's lists. */
static uint64_t rmqueue_steal(Migratetype *s, uint32_t zone, const FsAllocRequest *req) {
  uint32_t order = req->order, start_mt = req->migratetype;
  for (uint32_t o = order; o <= s->max_order; o++) {
    int fallback_mt = find_fallback(s, zone, o, start_mt);
    if (fallback_mt < 0) continue;
    uint64_t first = s->api->free_list_first(s->host, zone, o, (uint32_t)fallback_mt);
    uint64_t page = s->api->take_free_block(s->host, first, order, (uint32_t)fallback_mt);
    if (page == FS_PFN_NONE) return FS_FALLBACK_NONE;
    trace(s, page, order, o, start_mt, (uint32_t)fallback_mt);
    return page;
  }
  return FS_FALLBACK_NONE;
}

static uint64_t migratetype_rmqueue_fallback(void *state, uint32_t zone, const FsAllocRequest *req) {
  Migratetype *s = state;
  if (req->migratetype >= FS_MIGRATE_PCPTYPES) return FS_FALLBACK_NONE; /* HIGHATOMIC, CMA: no fallbacks */
  bool nofragment = req->alloc_flags & FS_ALLOC_NOFRAGMENT;
  /* defrag_mode: the engine's second zonelist pass drops the flag; this
   * request may not fragment until reclaim and compaction have failed */
  if (s->defrag_mode && !nofragment && !s->defrag_fragment_ok && req->task == s->defrag_task) nofragment = true;
  if (s->rules == RULES_6_1) return rmqueue_fallback_61(s, zone, req, nofragment);
  if (s->rules == RULES_V22) return rmqueue_fallback_v22(s, zone, req);
  uint64_t page = rmqueue_claim(s, zone, req, nofragment);
  if (page != FS_PFN_NONE) return page;
  if (nofragment) {
    if (fallback_below(s, zone, req->order, s->pageblock_order, req->migratetype)) count(s, C_NOFRAGMENT_DENIED, 1);
    return FS_FALLBACK_NONE;
  }
  return rmqueue_steal(s, zone, req);
}

static const FsPolicyOps migratetype_ops = {
    .abi = FS_ABI_INIT,
    .name = "migratetype",
    .summary = "grouping pages by mobility: migratetype free lists, fallback and pageblock claiming (6.1 or 6.15 rules)",
    .params = migratetype_params,
    .create = migratetype_create,
    .destroy = migratetype_destroy,
    .boot_pageblocks = migratetype_boot_pageblocks,
    .gfp_to_migratetype = migratetype_gfp_to_migratetype,
    .rmqueue_fallback = migratetype_rmqueue_fallback,
    .alloc_flags = migratetype_alloc_flags,
    .slowpath_stage = migratetype_slowpath_stage,
};

FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(migratetype)(void);
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(migratetype)(void) { return &migratetype_ops; }
