/* lumpy: lumpy reclaim (2.6.23 - 3.4), reference §9.
 *
 * When reclaim works for an order > 0 request, the engine hands every page
 * it takes off an inactive LRU list to reclaim_tag (the "tag page").  In
 * lumpy mode this policy then reclaims every other LRU page of the tag's
 * naturally aligned order-sized block, whatever their age (lumpy reclaim
 * ignores references), hoping the whole block comes free: the 2.6.35 and
 * 3.x isolate_lru_pages() neighbour loop.  The tag page itself is reclaimed
 * too, references ignored (page_check_references returns RECLAIM in lumpy
 * mode).
 *
 * mode=3.x (v2.6.38-3.4): the first neighbour that cannot be taken (in use
 * but not on an LRU, anonymous without swap room, in another zone, a hole)
 * aborts the block; the pages taken before it are still reclaimed.
 * mode=2.6.35 (and 2.6.23): such a neighbour is counted and skipped.
 *
 * Synchronous lumpy reclaim (should_reclaim_stall): direct reclaim only;
 * when pages taken could not be freed (dirty page cache, which async
 * direct reclaim may not write, and anonymous pages whose write to swap the
 * first pass started: host call page_writeback, ABI 2.1), a second pass with reclaim_pfn(sync=true)
 * writes them back and waits: always for costly orders, at scan priority
 * <= DEF_PRIORITY / 3 for orders 1-3.
 *
 * Approximation: the hook does not say reclaim's scan priority, which
 * decides lumpy mode for orders 1-3 (priority < DEF_PRIORITY - 2) and their
 * sync pass.  It is estimated from how many tag pages the current reclaim
 * invocation (same simulated instant, same reclaimer) has produced,
 * against reclaimable_pages(): a direct reclaim reaches priority p after
 * scanning sum(lru >> q, q = p+1..12) pages; a kswapd round at priority p
 * scans lru >> p.  Costly orders are always in lumpy mode, as in the kernel.
 *
 * Credit (credit=true, every stack): the pages a block frees are counted
 * toward the reclaimer's nr_reclaimed through the host's reclaim_credit
 * (ABI 1.2), as shrink_page_list() counts the neighbours in the kernel, so
 * one block usually ends a direct reclaim (32 pages) and the neighbours
 * use up the pass's scan budget (isolate_lru_pages' scan++).
 *
 * credit=false, for comparison only (the model before fragsim issue 13):
 * nothing is credited, so the engine would keep scanning, and
 * lumpy-reclaiming block after block, until it freed its own
 * nr_to_reclaim pages.  Instead, once lumpy has freed nr_to_reclaim pages
 * in one reclaim invocation (SWAP_CLUSTER_MAX for direct reclaim, the sum
 * of the high watermarks for a kswapd round) further tag pages get
 * ordinary reclaim, and the engine still reclaims up to its own target on
 * top.
 *
 * An invocation ends when simulated time moves, the reclaimer changes, or
 * the slow path reaches FS_STAGE_DIRECT_RECLAIM (right after each direct
 * reclaim), where lumpy also reports its pages as reclaim progress.
 */
#include <fragsim/policy.h>

#define COSTLY_ORDER 3u
#define DEF_PRIORITY 12
#define SWAP_CLUSTER_MAX 32u

enum { MODE_3X = 0, MODE_2635 = 1 };
static const char *const mode_choices[] = {"3.x", "2.6.35", NULL};

enum { PARAM_MODE, PARAM_SYNC, PARAM_CREDIT, N_PARAMS };

static const FsParamSpec lumpy_params[] = {
    [PARAM_MODE] = {.name = "mode",
                    .type = FS_PARAM_ENUM,
                    .default_value = "3.x",
                    .help = "3.x: abort the block at the first neighbour that cannot be taken; "
                            "2.6.35: skip it and go on (2.6.23-2.6.37)",
                    .min = 1,
                    .max = 0,
                    .choices = mode_choices},
    [PARAM_SYNC] = {.name = "sync",
                    .type = FS_PARAM_BOOL,
                    .default_value = "true",
                    .help = "synchronous lumpy reclaim: a second pass that writes back what the first "
                            "could not free",
                    .min = 1,
                    .max = 0},
    [PARAM_CREDIT] = {.name = "credit",
                      .type = FS_PARAM_BOOL,
                      .default_value = "true",
                      .help = "count the pages a block frees toward the reclaimer's nr_reclaimed, as the kernel "
                              "does; false (for comparison only): fragsim's pre-issue-13 model",
                      .min = 1,
                      .max = 0},
    [N_PARAMS] = {0},
};

enum { C_BLOCKS, C_TAKEN, C_DIRTY, C_FAILED, C_FREED, C_SYNC, C_SYNC_FREED, N_COUNTERS };

static const char *const counter_names[N_COUNTERS] = {
    "lumpy_blocks", "lumpy_taken", "lumpy_dirty", "lumpy_failed", "lumpy_freed", "lumpy_sync", "lumpy_sync_freed",
};
static const char *const counter_help[N_COUNTERS] = {
    "tag pages whose block was reclaimed in lumpy mode",
    "neighbour pages taken for reclaim (nr_lumpy_taken)",
    "neighbour pages taken that were dirty page cache or anonymous pages under swap writeback (nr_lumpy_dirty)",
    "neighbours that could not be taken (nr_lumpy_failed; 3.x: blocks aborted)",
    "pages freed by lumpy reclaim (tag pages and neighbours), both passes",
    "synchronous second passes",
    "pages freed by the synchronous pass (written back first)",
};

typedef struct {
  const FsHostApi *api;
  FsHost *host;
  int mode;
  bool sync;
  bool credit; /* reclaim_credit is used (credit=true and the host has it) */
  bool has_wb; /* the host has page_writeback (ABI 2.1) */
  /* the reclaim invocation being estimated */
  uint64_t inv_ns;
  bool inv_kswapd, inv_valid;
  uint64_t inv_tags;
  uint64_t inv_freed;    /* pages lumpy freed in it */
  uint64_t inv_progress; /* pages freed since the last DIRECT_RECLAIM stage */
  GArray *pending; /* pfns taken but not freed by the first pass */
  int counter[N_COUNTERS];
} Lumpy;

static void *lumpy_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  (void)error;
  Lumpy *s = g_new0(Lumpy, 1);
  s->api = api;
  s->host = host;
  s->mode = (int)values[PARAM_MODE].i;
  s->sync = values[PARAM_SYNC].b;
  s->credit = values[PARAM_CREDIT].b && api->size > G_STRUCT_OFFSET(FsHostApi, reclaim_credit) && api->reclaim_credit;
  s->has_wb = api->size > G_STRUCT_OFFSET(FsHostApi, page_writeback) && api->page_writeback;
  s->pending = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  for (int i = 0; i < N_COUNTERS; i++) s->counter[i] = api->counter_register(host, counter_names[i], counter_help[i]);
  return s;
}

static void lumpy_destroy(void *state) {
  Lumpy *s = state;
  g_array_free(s->pending, TRUE);
  g_free(s);
}

static void count(Lumpy *s, int c, uint64_t n) {
  if (n) s->api->counter_add(s->host, s->counter[c], (int64_t)n);
}

/* The scan priority reclaim has reached, estimated (see the file comment). */
static int estimated_priority(Lumpy *s, bool kswapd) {
  uint64_t lru = s->api->reclaimable_pages(s->host);
  int p = DEF_PRIORITY;
  if (kswapd) {
    while (p > 0 && s->inv_tags > (lru >> p)) p--;
    return p;
  }
  uint64_t scanned = lru >> DEF_PRIORITY;
  while (p > 0 && s->inv_tags > scanned) {
    p--;
    scanned += lru >> p;
  }
  return p;
}

/* An anonymous page the first pass could not free because its swap write
 * is under way (vm.swap_io=async): taken, and left for the sync pass. */
static bool under_writeback(Lumpy *s, uint64_t pfn) { return s->has_wb && s->api->page_writeback(s->host, pfn); }

/* The isolate_lru_pages() neighbour loop for the tag's block, then the
 * tag, then the synchronous pass. */
static uint64_t lumpy_block(Lumpy *s, uint64_t tag, uint32_t order, bool kswapd, int priority) {
  const FsHostApi *api = s->api;
  FsPageInfo tp, pi;
  if (!api->page_info(s->host, tag, &tp) || tp.state != FS_PAGE_ALLOCATED) return 0;
  uint64_t n = (uint64_t)1 << order;
  uint64_t start = tag & ~(n - 1), end = start + n;
  uint64_t taken = 0, dirty = 0, failed = 0, freed = 0;
  bool abort = false;
  g_array_set_size(s->pending, 0);
  count(s, C_BLOCKS, 1);
  for (uint64_t p = start; p < end && !abort;) {
    if (p == tp.head_pfn) {
      p += (uint64_t)1 << tp.order;
      continue;
    }
    if (!api->page_info(s->host, p, &pi)) break; /* beyond memory: a pfn hole ends the block */
    if (pi.state == FS_PAGE_RESERVED) {
      /* PageReserved: in use and never on an LRU */
      failed++;
      if (s->mode == MODE_3X) abort = true;
      p++;
      continue;
    }
    if (pi.state != FS_PAGE_ALLOCATED) {
      /* free, on a per-CPU list or isolated: nothing to take */
      p = MAX(p + 1, pi.head_pfn + ((uint64_t)1 << pi.order));
      continue;
    }
    uint64_t next = MAX(p + 1, pi.head_pfn + ((uint64_t)1 << pi.order));
    uint64_t pages = (uint64_t)1 << pi.order;
    /* __isolate_lru_page() would refuse: another zone, a page of an
     * allocation headed outside the block, or no LRU page at all */
    bool can_take = pi.zone == tp.zone && pi.head_pfn == p && fs_kind_on_lru(pi.kind);
    if (can_take && pi.pinned) {
      /* isolated, but the extra reference keeps shrink_page_list from freeing it */
      taken += pages;
    } else if (can_take) {
      uint64_t got = api->reclaim_pfn(s->host, p, false);
      if (got) {
        taken += pages;
        freed += got;
      } else if (pi.kind == FS_KIND_FILE || under_writeback(s, p)) {
        /* dirty page cache (direct reclaim may not write it back), or
         * anonymous memory whose write to swap the first pass started */
        taken += pages;
        dirty += pages;
        g_array_append_val(s->pending, p);
      } else {
        can_take = false; /* anonymous without swap room */
      }
    }
    if (!can_take) {
      failed++;
      if (s->mode == MODE_3X) abort = true;
    }
    p = next;
  }
  /* the tag page, references ignored */
  uint64_t got = api->reclaim_pfn(s->host, tp.head_pfn, false);
  freed += got;
  if (!got && (tp.kind == FS_KIND_FILE || under_writeback(s, tp.head_pfn)) && !tp.pinned)
    g_array_append_val(s->pending, tp.head_pfn);
  count(s, C_TAKEN, taken);
  count(s, C_DIRTY, dirty);
  count(s, C_FAILED, failed);
  count(s, C_FREED, freed);
  /* should_reclaim_stall(): not kswapd; costly orders at any priority,
   * orders 1-3 at priority <= DEF_PRIORITY / 3 */
  if (!s->sync || kswapd || !s->pending->len) return freed;
  if (order <= COSTLY_ORDER && priority > DEF_PRIORITY / 3) return freed;
  count(s, C_SYNC, 1);
  uint64_t sync_freed = 0;
  for (guint i = 0; i < s->pending->len; i++)
    sync_freed += api->reclaim_pfn(s->host, g_array_index(s->pending, uint64_t, i), true);
  count(s, C_FREED, sync_freed);
  count(s, C_SYNC_FREED, sync_freed);
  return freed + sync_freed;
}

/* sc->nr_to_reclaim of the reclaimer: SWAP_CLUSTER_MAX for direct reclaim,
 * the zones' high watermarks (at least 32 each) for kswapd. */
static uint64_t nr_to_reclaim(Lumpy *s, bool kswapd) {
  if (!kswapd) return SWAP_CLUSTER_MAX;
  uint64_t n = 0;
  FsZoneInfo zi;
  for (uint32_t z = 0; z < s->api->nr_zones(s->host); z++)
    if (s->api->zone_info(s->host, z, &zi) && zi.populated) n += MAX(zi.wmark_high, (uint64_t)SWAP_CLUSTER_MAX);
  return n;
}

static void lumpy_reclaim_tag(void *state, uint64_t pfn, uint32_t order, bool kswapd) {
  Lumpy *s = state;
  uint64_t now = s->api->now_ns(s->host);
  if (!s->inv_valid || now != s->inv_ns || kswapd != s->inv_kswapd) {
    s->inv_valid = true;
    s->inv_ns = now;
    s->inv_kswapd = kswapd;
    s->inv_tags = 0;
    s->inv_freed = 0;
  }
  s->inv_tags++;
  int priority = estimated_priority(s, kswapd);
  /* set_lumpy_reclaim_mode(): costly orders always; orders 1-3 once
   * reclaim is struggling (priority < DEF_PRIORITY - 2) */
  if (!order || (order <= COSTLY_ORDER && priority >= DEF_PRIORITY - 2)) return;
  /* credit=false: the invocation's target is met, reclaim would have
   * stopped (with credit the engine stops by itself) */
  if (!s->credit && s->inv_freed >= nr_to_reclaim(s, kswapd)) return;
  uint64_t freed = lumpy_block(s, pfn, order, kswapd, priority);
  if (s->credit) s->api->reclaim_credit(s->host, freed);
  s->inv_freed += freed;
  if (!kswapd) s->inv_progress += freed;
}

/* Right after each direct reclaim (__alloc_pages_direct_reclaim): the
 * invocation is over, and what lumpy freed is reclaim progress for
 * should_reclaim_retry(). */
static FsStageResult lumpy_slowpath_stage(void *state, FsStage stage, const FsAllocRequest *req, uint64_t *ret_pfn) {
  (void)req;
  (void)ret_pfn;
  Lumpy *s = state;
  if (stage != FS_STAGE_DIRECT_RECLAIM) return FS_STAGE_NOTHING;
  bool progress = s->inv_progress > 0;
  s->inv_valid = false;
  s->inv_progress = 0;
  return progress ? FS_STAGE_PROGRESS : FS_STAGE_NOTHING;
}

static const FsPolicyOps lumpy_ops = {
    .abi = FS_ABI_INIT,
    .name = "lumpy",
    .summary = "lumpy reclaim (2.6.23-3.4): reclaim the tag page's whole order-aligned block",
    .params = lumpy_params,
    .create = lumpy_create,
    .destroy = lumpy_destroy,
    .slowpath_stage = lumpy_slowpath_stage,
    .reclaim_tag = lumpy_reclaim_tag,
};

FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(lumpy)(void);
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(lumpy)(void) { return &lumpy_ops; }
