/* The page allocator of one node (mm/page_alloc.c of v6.1).
 *
 * Two halves.  The buddy mechanics work on FsiMem alone and call no policy,
 * so they are unit-testable without a run: the free lists and their
 * accounting, __rmqueue_smallest()/expand(), __free_one_page() with the
 * pageblock merge rule and buddy_merge_likely(), move_freepages_block(),
 * the per-pageblock census, and __zone_watermark_ok().
 *
 * The allocator proper works on a run: __alloc_pages() and its slow path,
 * get_page_from_freelist(), rmqueue() with the policy hooks, freeing, and
 * contiguous requests.  It mirrors the kernel at the level of decisions:
 * which zone, which watermark, which free list, when a policy is asked.  The
 * mechanisms that differ between kernels (fallback rules, reserves,
 * compaction, lumpy reclaim) live in policies and are reached at the
 * kernel's own decision points.  Every value a hook returns is checked here;
 * a policy that returns nonsense stops the run with an error naming the
 * policy, the hook, the simulated time and the value.
 *
 * Boot-time set-up (zones, reserved ranges, watermarks) is in mm_init.c;
 * the fragmentation formulas are in vmstat.c.
 */
#include "engine/mm/mmzone.h"

#include <glib.h>
#include <string.h>

#include "engine/core/bigmem.h"
#include "engine/core/error.h"
#include "engine/mm/internal.h"
#include "engine/mm/migrate.h"
#include "engine/mm/oom_kill.h"
#include "engine/mm/page_isolation.h"
#include "engine/mm/pcp.h"
#include "engine/mm/vmscan.h"
#include "engine/run.h"

/* ---- free lists ------------------------------------------------------------ */

static inline FsiZone *zone_of(FsiMem *m, uint64_t pfn) {
  uint32_t z = fsi_pfn_zone(m, pfn);
  g_assert(z != FSI_NIL);
  return &m->zones[z];
}

/* Free-page accounting follows the list a block sits on, as
 * __mod_zone_freepage_state() does with the list's migratetype: ISOLATE
 * lists are outside NR_FREE_PAGES. */
static inline void account_freepages(FsiZone *z, int64_t nr, uint32_t mt) {
  if (mt == FS_MIGRATE_ISOLATE) return;
  z->nr_free_pages += (uint64_t)nr;
  if (mt == FS_MIGRATE_CMA) z->nr_free_cma += (uint64_t)nr;
  if (mt == FS_MIGRATE_HIGHATOMIC) z->nr_free_highatomic += (uint64_t)nr;
}

static void list_add(FsiMem *m, FsiZone *z, uint64_t pfn, uint32_t order, uint32_t mt, bool tail) {
  FsiFreeArea *area = &z->free_area[order];
  FsiPage *p = &m->pages[pfn];
  uint32_t idx = (uint32_t)pfn;
  p->flags = FSI_PG_BUDDY;
  p->order = (uint8_t)order;
  p->mt = (uint8_t)mt;
  p->alloc = FSI_NIL;
  fsi_touch(m, pfn, 1);
  if (area->head[mt] != FSI_NIL) fsi_touch(m, tail ? area->tail[mt] : area->head[mt], 1);
  if (area->head[mt] == FSI_NIL) {
    p->next = p->prev = FSI_NIL;
    area->head[mt] = area->tail[mt] = idx;
  } else if (tail) {
    p->prev = area->tail[mt];
    p->next = FSI_NIL;
    m->pages[area->tail[mt]].next = idx;
    area->tail[mt] = idx;
  } else {
    p->next = area->head[mt];
    p->prev = FSI_NIL;
    m->pages[area->head[mt]].prev = idx;
    area->head[mt] = idx;
  }
  area->count[mt]++;
  area->nr_free++;
  account_freepages(z, (int64_t)1 << order, mt);
  m->buddy_ops++;
}

static void list_del(FsiMem *m, FsiZone *z, uint64_t pfn) {
  FsiPage *p = &m->pages[pfn];
  g_assert(p->flags & FSI_PG_BUDDY);
  uint32_t order = p->order, mt = p->mt;
  FsiFreeArea *area = &z->free_area[order];
  fsi_touch(m, pfn, 1);
  if (p->prev != FSI_NIL) fsi_touch(m, p->prev, 1);
  if (p->next != FSI_NIL) fsi_touch(m, p->next, 1);
  if (p->prev != FSI_NIL) m->pages[p->prev].next = p->next;
  else area->head[mt] = p->next;
  if (p->next != FSI_NIL) m->pages[p->next].prev = p->prev;
  else area->tail[mt] = p->prev;
  p->next = p->prev = FSI_NIL;
  p->flags = 0;
  area->count[mt]--;
  area->nr_free--;
  account_freepages(z, -((int64_t)1 << order), mt);
  m->buddy_ops++;
}

/* ---- pageblock bits ---------------------------------------------------------- */

void fsi_set_pageblock_mt(FsiMem *m, uint64_t pfn, uint32_t mt) {
  g_assert(mt < FS_MIGRATE_TYPES);
  m->blocks[pfn >> m->pageblock_order].mt = (uint8_t)mt;
}

/* ---- buddy mechanics ---------------------------------------------------------- */

/* expand(): halve [pfn, 2^high) down to 2^low; the upper half of each split
 * goes back on mt's list, the caller keeps the lowest-addressed piece. */
static void expand(FsiMem *m, FsiZone *z, uint64_t pfn, uint32_t low, uint32_t high, uint32_t mt) {
  while (high > low) {
    high--;
    list_add(m, z, pfn + ((uint64_t)1 << high), high, mt, false);
  }
}

uint64_t fsi_rmqueue_smallest(FsiMem *m, uint32_t zone, uint32_t order, uint32_t mt) {
  FsiZone *z = &m->zones[zone];
  for (uint32_t o = order; o <= m->max_order; o++) {
    uint32_t head = z->free_area[o].head[mt];
    if (head == FSI_NIL) continue;
    list_del(m, z, head);
    expand(m, z, head, order, o, mt);
    return head;
  }
  return FS_PFN_NONE;
}

bool fsi_take_free_block(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t expand_mt) {
  if (pfn >= m->nr_pages) return false;
  FsiPage *p = &m->pages[pfn];
  if (!(p->flags & FSI_PG_BUDDY) || p->order < order || expand_mt >= FS_MIGRATE_TYPES) return false;
  FsiZone *z = zone_of(m, pfn);
  uint32_t high = p->order;
  list_del(m, z, pfn);
  expand(m, z, pfn, order, high, expand_mt);
  return true;
}

/* buddy_merge_likely(): if the buddy of the block one order up is free, the
 * block just freed will probably merge soon, so queue it at the tail where
 * allocation (which takes the head) leaves it alone a while longer. */
static bool buddy_merge_likely(FsiMem *m, const FsiZone *z, uint64_t pfn, uint32_t order) {
  if (order + 1 >= m->max_order) return false;
  uint64_t higher = pfn & ~((uint64_t)1 << order);
  uint64_t higher_buddy = higher ^ ((uint64_t)1 << (order + 1));
  if (higher_buddy < z->start_pfn || higher_buddy >= z->end_pfn) return false;
  const FsiPage *b = &m->pages[higher_buddy];
  return (b->flags & FSI_PG_BUDDY) && b->order == order + 1;
}

uint64_t fsi_free_one_page(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t mt, uint32_t *ret_order) {
  return fsi_free_one_page_fpi(m, pfn, order, mt, false, ret_order);
}

/* compaction_capture(): whether the block being merged in __free_one_page
 * at this order goes to the compacting task.  task_capc(): a capture control
 * is set (direct compaction only; kcompactd and kswapd never set one), has
 * no page yet and compacts this zone.  Then the order must be exactly the
 * request's; CMA and ISOLATE blocks are never captured, and MOVABLE ones
 * only at pageblock order and above (a small request must not pollute a
 * movable pageblock).  The request's own migratetype does not matter. */
static bool compaction_capture(const FsiMem *m, const FsiZone *z, uint32_t order, uint32_t mt) {
  if (!m->capc.active || m->capc.page != FS_PFN_NONE || &m->zones[m->capc.zone] != z || order != m->capc.order)
    return false;
  if (mt == FS_MIGRATE_CMA || mt == FS_MIGRATE_ISOLATE) return false;
  if (order < m->pageblock_order && mt == FS_MIGRATE_MOVABLE) return false;
  return true;
}

uint64_t fsi_free_one_page_fpi(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t mt, bool to_tail,
                               uint32_t *ret_order) {
  FsiZone *z = zone_of(m, pfn);
  while (order < m->max_order) {
    /* checked at every order the merge passes through, before looking for
     * the buddy: the block stops merging and goes on no list */
    if (compaction_capture(m, z, order, mt)) {
      m->capc.page = pfn;
      if (ret_order) *ret_order = order;
      return FS_PFN_NONE;
    }
    uint64_t buddy = pfn ^ ((uint64_t)1 << order);
    if (buddy < z->start_pfn || buddy >= z->end_pfn) break;
    const FsiPage *b = &m->pages[buddy];
    if (!(b->flags & FSI_PG_BUDDY) || b->order != order) break;
    /* Above pageblock order the halves are different pageblocks: HIGHATOMIC,
     * CMA and ISOLATE blocks must not merge into another type's block. */
    if (order >= m->pageblock_order) {
      uint32_t bmt = fsi_get_pageblock_mt(m, buddy);
      if (mt != bmt && (!fs_migratetype_is_mergeable(mt) || !fs_migratetype_is_mergeable(bmt))) break;
    }
    list_del(m, z, buddy);
    pfn &= buddy;
    order++;
  }
  list_add(m, z, pfn, order, mt, to_tail || buddy_merge_likely(m, z, pfn, order));
  if (ret_order) *ret_order = order;
  return pfn;
}

bool fsi_move_free_block(FsiMem *m, uint64_t pfn, uint32_t mt) {
  if (pfn >= m->nr_pages || mt >= FS_MIGRATE_TYPES) return false;
  FsiPage *p = &m->pages[pfn];
  if (!(p->flags & FSI_PG_BUDDY)) return false;
  FsiZone *z = zone_of(m, pfn);
  uint32_t order = p->order;
  list_del(m, z, pfn);
  list_add(m, z, pfn, order, mt, true); /* move_to_free_list() uses list_move_tail */
  return true;
}

bool fsi_move_freepages_block(FsiMem *m, uint64_t pfn, uint32_t mt, uint64_t *ret_free, uint64_t *ret_movable) {
  uint64_t start = pfn & ~(m->pageblock_nr_pages - 1);
  uint64_t end = start + m->pageblock_nr_pages; /* exclusive */
  uint32_t zi = fsi_pfn_zone(m, start);
  if (zi == FSI_NIL || fsi_pfn_zone(m, end - 1) != zi || mt >= FS_MIGRATE_TYPES) return false;
  uint64_t nfree = 0, nmovable = 0;
  for (uint64_t p = start; p < end;) {
    FsiPage *pg = &m->pages[p];
    if (pg->flags & FSI_PG_BUDDY) {
      uint32_t o = pg->order;
      fsi_move_free_block(m, p, mt);
      nfree += (uint64_t)1 << o;
      p += (uint64_t)1 << o;
      continue;
    }
    if ((pg->flags & FSI_PG_ALLOC) && m->alloc_movable && m->alloc_movable(m->alloc_movable_ctx, pg->alloc))
      nmovable++;
    p++;
  }
  if (ret_free) *ret_free = nfree;
  if (ret_movable) *ret_movable = nmovable;
  return true;
}

/* ---- allocation bookkeeping --------------------------------------------------- */

static void census_add(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t alloc_mt, int sign) {
  uint64_t n = (uint64_t)1 << order;
  g_assert(alloc_mt < FS_MIGRATE_PCPTYPES);
  for (uint64_t p = pfn; p < pfn + n;) {
    uint64_t block_end = (p | (m->pageblock_nr_pages - 1)) + 1;
    uint64_t chunk = MIN(block_end, pfn + n) - p;
    FsiPageblock *b = fsi_pageblock(m, p);
    b->nr_alloc[alloc_mt] = (uint16_t)(b->nr_alloc[alloc_mt] + sign * (int)chunk);
    p += chunk;
  }
}

void fsi_mark_allocated(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t alloc_id, uint32_t alloc_mt) {
  uint64_t n = (uint64_t)1 << order;
  for (uint64_t i = 0; i < n; i++) {
    FsiPage *p = &m->pages[pfn + i];
    p->flags = (uint8_t)(FSI_PG_ALLOC | (i == 0 ? FSI_PG_HEAD : 0));
    p->order = (uint8_t)order;
    p->alloc = alloc_id;
    p->mt = (uint8_t)alloc_mt;
  }
  census_add(m, pfn, order, alloc_mt, +1);
  fsi_touch(m, pfn, n);
}

void fsi_mark_unallocated(FsiMem *m, uint64_t pfn, uint32_t order, uint32_t alloc_mt) {
  uint64_t n = (uint64_t)1 << order;
  for (uint64_t i = 0; i < n; i++) {
    FsiPage *p = &m->pages[pfn + i];
    p->flags = 0;
    p->alloc = FSI_NIL;
    p->order = 0;
  }
  census_add(m, pfn, order, alloc_mt, -1);
  fsi_touch(m, pfn, n);
}

/* ---- watermarks ------------------------------------------------------------ */

bool fsi_zone_watermark_ok(const FsiMem *m, uint32_t zone, uint32_t order, uint64_t mark,
                           uint32_t highest_zoneidx, uint32_t alloc_flags, int64_t free_pages) {
  const FsiZone *z = &m->zones[zone];
  int64_t free = free_pages - (((int64_t)1 << order) - 1);
  int64_t min = (int64_t)mark;
  bool harder = alloc_flags & (FS_ALLOC_HARDER | FS_ALLOC_OOM);

  if (m->cfg.old_watermark_check) {
    /* <= 4.3: reserves are not set aside; lower orders are discounted. */
    if (!(alloc_flags & FS_ALLOC_CMA)) free -= (int64_t)z->nr_free_cma;
    if (alloc_flags & FS_ALLOC_HIGH) min -= min / 2;
    if (alloc_flags & FS_ALLOC_HARDER) min -= min / 4;
    if (free <= min + (int64_t)z->lowmem_reserve[highest_zoneidx]) return false;
    /* order <= max_order always; the bound also tells the optimiser so */
    uint32_t top = MIN(order, (uint32_t)G_N_ELEMENTS(z->free_area));
    for (uint32_t o = 0; o < top; o++) {
      free -= (int64_t)(z->free_area[o].nr_free << o);
      min >>= 1;
      if (free <= min) return false;
    }
    return true;
  }

  if (!harder) free -= (int64_t)z->nr_reserved_highatomic;
  if (!(alloc_flags & FS_ALLOC_CMA)) free -= (int64_t)z->nr_free_cma;
  if (alloc_flags & FS_ALLOC_HIGH) min -= min / 2;
  if (harder) min -= (alloc_flags & FS_ALLOC_OOM) ? min / 2 : min / 4;
  if (free <= min + (int64_t)z->lowmem_reserve[highest_zoneidx]) return false;
  if (!order) return true;
  /* 4.4+: no per-order discounting, only "is there a block of the order". */
  for (uint32_t o = order; o <= m->max_order; o++) {
    const FsiFreeArea *area = &z->free_area[o];
    if (!area->nr_free) continue;
    for (uint32_t t = 0; t < FS_MIGRATE_PCPTYPES; t++)
      if (area->count[t]) return true;
    if ((alloc_flags & FS_ALLOC_CMA) && area->count[FS_MIGRATE_CMA]) return true;
    if (harder && area->count[FS_MIGRATE_HIGHATOMIC]) return true;
  }
  return false;
}

const char *const fsi_via_names[FSI_VIA_COUNT] = {
    "fastpath", "slowpath", "early_compact", "reclaim", "after_reclaim", "compact", "before_oom", "contig", "failed",
    "livelock",
};

/* ---- allocation kinds and gfp ------------------------------------------------ */

static const char *const kind_names[FS_KIND_COUNT] = {
    "anon", "file", "slab_reclaimable", "slab_unmovable", "pagetable",
    "kernel_stack", "atomic", "thp", "zsmalloc", "device",
    "shmem", "pipe", "hugetlb", "module",
};

const char *fsi_kind_name(uint32_t kind) { return kind < FS_KIND_COUNT ? kind_names[kind] : "?"; }

int fsi_kind_from_name(const char *name) {
  for (int i = 0; i < FS_KIND_COUNT; i++)
    if (!strcmp(kind_names[i], name)) return i;
  return -1;
}

/* The gfp masks the kernel's callers use for each kind. */
uint32_t fsi_kind_gfp(uint32_t kind) {
  switch (kind) {
  case FS_KIND_ANON:
  case FS_KIND_FILE:
  case FS_KIND_SHMEM: return FS_GFP_HIGHUSER_MOVABLE; /* shmem_alloc_page: mapping_gfp_mask */
  /* pipe_write(): alloc_page(GFP_HIGHUSER | __GFP_ACCOUNT), no __GFP_MOVABLE */
  case FS_KIND_PIPE: return FS_GFP_USER | FS_GFP_HIGHMEM;
  /* alloc_buddy_huge_page(): htlb_alloc_mask() (GFP_HIGHUSER_MOVABLE for
   * migratable hstates) | __GFP_COMP | __GFP_RETRY_MAYFAIL | __GFP_NOWARN */
  case FS_KIND_HUGETLB: return FS_GFP_HIGHUSER_MOVABLE | FS_GFP_COMP | FS_GFP_RETRY_MAYFAIL | FS_GFP_NOWARN;
  case FS_KIND_MODULE: return FS_GFP_KERNEL | FS_GFP_COMP;
  case FS_KIND_SLAB_RECLAIMABLE: return FS_GFP_KERNEL | FS_GFP_RECLAIMABLE;
  case FS_KIND_SLAB_UNMOVABLE:
  case FS_KIND_PAGETABLE:
  case FS_KIND_KERNEL_STACK:
  case FS_KIND_DEVICE: return FS_GFP_KERNEL;
  case FS_KIND_ATOMIC: return FS_GFP_ATOMIC_MASK | FS_GFP_NOWARN;
  case FS_KIND_THP: return FS_GFP_TRANSHUGE;
  case FS_KIND_ZSMALLOC: return (FS_GFP_KERNEL & ~FS_GFP_FS & ~FS_GFP_IO) | FS_GFP_HIGHMEM | FS_GFP_MOVABLE;
  default: return FS_GFP_KERNEL;
  }
}

bool fsi_alloc_is_movable(const FsiAlloc *a) {
  /* zsmalloc allocated without __GFP_MOVABLE (zsmalloc_movable off) has no
   * migration callbacks */
  if (a->kind == FS_KIND_ZSMALLOC && !(a->gfp & FS_GFP_MOVABLE)) return false;
  return fsi_kind_movable(a->kind);
}

/* PageLRU || __PageMovable.  hugetlb pages are neither (only
 * alloc_contig_range and offline move them: fsi_kind_migratable); pipe
 * buffers and a module's pages are plain kernel pages. */
bool fsi_kind_movable(uint32_t kind) {
  return fs_kind_on_lru(kind) || kind == FS_KIND_ZSMALLOC;
}

const char *fsi_migratetype_name(uint32_t mt) {
  static const char *const n[FS_MIGRATE_TYPES] = {"Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate"};
  return mt < FS_MIGRATE_TYPES ? n[mt] : "?";
}

/* gfp_zone(): MOVABLE|HIGHMEM reaches ZONE_MOVABLE, HIGHMEM alone
 * ZONE_HIGHMEM, DMA/DMA32 modifiers win over MOVABLE.  Callers clamp the
 * index to the highest populated zone at or below it, so on a machine
 * without HighMem (64-bit: OPT_ZONE_HIGHMEM is ZONE_NORMAL) HIGHMEM alone
 * is Normal, as before. */
uint32_t fsi_gfp_zone(uint32_t gfp) {
  if (gfp & FS_GFP_DMA) return FS_ZONE_DMA;
  if (gfp & FS_GFP_DMA32) return FS_ZONE_DMA32;
  if ((gfp & (FS_GFP_MOVABLE | FS_GFP_HIGHMEM)) == (FS_GFP_MOVABLE | FS_GFP_HIGHMEM)) return FS_ZONE_MOVABLE;
  if (gfp & FS_GFP_HIGHMEM) return FS_ZONE_HIGHMEM;
  return FS_ZONE_NORMAL;
}

/* ---- hook plumbing ---------------------------------------------------------- */

static const char *slot_name(FsiRun *run, uint32_t i) { return run->slots[i].policy->name; }

/* Every flag the public header defines: what a policy may hand back. */
#define FSI_ALLOC_KNOWN                                                                                               \
  (FS_ALLOC_WMARK_MASK | FS_ALLOC_NO_WATERMARKS | FS_ALLOC_OOM | FS_ALLOC_HIGH | FS_ALLOC_HARDER |                  \
   FS_ALLOC_HIGHATOMIC | FS_ALLOC_CMA | FS_ALLOC_NOFRAGMENT | FS_ALLOC_KSWAPD | FS_ALLOC_BULK)
#define FSI_GFP_KNOWN                                                                                                 \
  (FS_GFP_DMA | FS_GFP_HIGHMEM | FS_GFP_DMA32 | FS_GFP_MOVABLE | FS_GFP_RECLAIMABLE | FS_GFP_HIGH | FS_GFP_IO |      \
   FS_GFP_FS | FS_GFP_ATOMIC | FS_GFP_DIRECT_RECLAIM | FS_GFP_KSWAPD_RECLAIM | FS_GFP_NOWARN | FS_GFP_RETRY_MAYFAIL | \
   FS_GFP_NOFAIL | FS_GFP_NORETRY | FS_GFP_COMP | FS_GFP_NOMEMALLOC | FS_GFP_THISNODE)

static bool taken_ok(FsiRun *run, uint32_t slot, const char *hook, uint64_t pfn, uint32_t zone, uint32_t order,
                     bool sentinel) {
  if (sentinel) {
    if (run->ntaken) {
      fsi_run_failf(run, "policy \"%s\": hook %s at t=%" G_GUINT64_FORMAT " ns took the block at pfn %" G_GUINT64_FORMAT
                         " but returned no page",
                    slot_name(run, slot), hook, run->now_ns, run->taken_pfn[0]);
      return false;
    }
    return true;
  }
  bool ok = run->ntaken == 1 && run->taken_pfn[0] == pfn && pfn < run->mem.nr_pages &&
            fsi_pfn_zone(&run->mem, pfn) == zone && (pfn & (((uint64_t)1 << order) - 1)) == 0;
  if (!ok)
    fsi_run_failf(run, "policy \"%s\": hook %s at t=%" G_GUINT64_FORMAT " ns returned pfn %" G_GUINT64_FORMAT
                       ", which is not an order-%u block it took from zone %s",
                  slot_name(run, slot), hook, run->now_ns, pfn, order, run->mem.zones[zone].name);
  return ok;
}

static uint32_t stack_gfp_to_migratetype(FsiRun *run, uint32_t gfp) {
  for (uint32_t i = 0; i < run->nslots; i++) {
    const FsPolicyOps *ops = &run->slots[i].policy->ops;
    if (!ops->gfp_to_migratetype) continue;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "gfp_to_migratetype");
    int mt = ops->gfp_to_migratetype(run->slots[i].state, gfp);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
    if (mt == -1) continue;
    if (mt < 0 || mt >= FS_MIGRATE_TYPES || mt == FS_MIGRATE_ISOLATE) {
      fsi_run_failf(run, "policy \"%s\": hook gfp_to_migratetype at t=%" G_GUINT64_FORMAT
                         " ns returned %d for gfp 0x%x (expected -1 or 0..%d, not ISOLATE)",
                    slot_name(run, i), run->now_ns, mt, gfp, FS_MIGRATE_TYPES - 1);
      return FS_MIGRATE_UNMOVABLE;
    }
    return (uint32_t)mt;
  }
  return FS_MIGRATE_UNMOVABLE; /* unreachable: the run requires a mapping policy */
}

static uint32_t stack_alloc_flags(FsiRun *run, const FsAllocRequest *req, bool slowpath) {
  uint32_t flags = req->alloc_flags;
  for (uint32_t i = 0; i < run->nslots; i++) {
    const FsPolicyOps *ops = &run->slots[i].policy->ops;
    if (!ops->alloc_flags) continue;
    FsAllocRequest r = *req;
    r.alloc_flags = flags;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "alloc_flags");
    uint32_t got = ops->alloc_flags(run->slots[i].state, &r, slowpath);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
    if ((got & ~FSI_ALLOC_KNOWN) || (got & FS_ALLOC_WMARK_MASK) == FS_ALLOC_WMARK_MASK) {
      fsi_run_failf(run, "policy \"%s\": hook alloc_flags at t=%" G_GUINT64_FORMAT " ns returned 0x%x (expected "
                         "FS_ALLOC_* flags, 0x%x at most, with one watermark: MIN, LOW or HIGH)",
                    slot_name(run, i), run->now_ns, got, FSI_ALLOC_KNOWN);
      return flags;
    }
    flags = got;
  }
  return flags;
}

/* __rmqueue(): policies first (HIGHATOMIC, CMA balancing), then the
 * requested type's lists, then the fallback policies, which may claim a
 * pageblock and ask for the requested lists to be tried again. */
uint64_t fsi_rmqueue_buddy(FsiRun *run, uint32_t zone, const FsAllocRequest *req) {
  for (uint32_t i = 0; i < run->nslots && !run->stop; i++) {
    const FsPolicyOps *ops = &run->slots[i].policy->ops;
    if (!ops->rmqueue_prefer) continue;
    run->ntaken = 0;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "rmqueue_prefer");
    uint64_t pfn = ops->rmqueue_prefer(run->slots[i].state, zone, req);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
    if (!taken_ok(run, i, "rmqueue_prefer", pfn, zone, req->order, pfn == FS_PFN_NONE)) return FS_PFN_NONE;
    if (pfn != FS_PFN_NONE) return pfn;
  }
  for (int round = 0; round < 64 && !run->stop; round++) {
    uint64_t pfn = fsi_rmqueue_smallest(&run->mem, zone, req->order, req->migratetype);
    if (pfn != FS_PFN_NONE) return pfn;
    bool retry = false;
    for (uint32_t i = 0; i < run->nslots && !run->stop; i++) {
      const FsPolicyOps *ops = &run->slots[i].policy->ops;
      if (!ops->rmqueue_fallback) continue;
      run->ntaken = 0;
      run->current_slot = (int32_t)i;
      FsiHookCtx hk = fsi_hook_enter(run, i, "rmqueue_fallback");
      pfn = ops->rmqueue_fallback(run->slots[i].state, zone, req);
      fsi_hook_leave(run, hk);
      run->current_slot = -1;
      bool sentinel = pfn == FS_FALLBACK_NONE || pfn == FS_FALLBACK_RETRY;
      if (!taken_ok(run, i, "rmqueue_fallback", pfn, zone, req->order, sentinel)) return FS_PFN_NONE;
      if (pfn == FS_FALLBACK_RETRY) {
        retry = true;
        break;
      }
      if (pfn != FS_FALLBACK_NONE) return pfn;
    }
    if (!retry) return FS_PFN_NONE;
  }
  if (!run->stop)
    fsi_run_failf(run, "t=%" G_GUINT64_FORMAT " ns: rmqueue_fallback asked for a retry 64 times without a page appearing",
                  run->now_ns);
  return FS_PFN_NONE;
}

/* rmqueue(): small orders (and THP) through the per-CPU lists, the rest
 * (or when the lists cannot be refilled) from the buddy lists. */
static uint64_t rmqueue(FsiRun *run, uint32_t zone, const FsAllocRequest *req) {
  if (fsi_pcp_allowed_order(run, req->order)) {
    uint64_t pfn = fsi_pcp_alloc(run, zone, req);
    if (pfn != FS_PFN_NONE || run->stop) return pfn;
  }
  return fsi_rmqueue_buddy(run, zone, req);
}

/* get_page_from_freelist(): walk the zonelist from highest_zoneidx down;
 * each zone must pass the watermark check before its lists are touched. */
static uint64_t get_page_from_freelist(FsiRun *run, FsAllocRequest *req, uint32_t *ret_zone) {
  for (;;) {
    for (int z = (int)req->highest_zoneidx; z >= 0 && !run->stop; z--) {
      FsiZone *zone = &run->mem.zones[z];
      if (!fsi_zone_populated(zone)) continue;
      if (!(req->alloc_flags & FS_ALLOC_NO_WATERMARKS)) {
        uint64_t mark = fsi_wmark(zone, (int)(req->alloc_flags & FS_ALLOC_WMARK_MASK));
        if (!fsi_zone_watermark_ok(&run->mem, (uint32_t)z, req->order, mark, req->highest_zoneidx, req->alloc_flags,
                                   (int64_t)zone->nr_free_pages))
          continue;
      }
      uint64_t pfn = rmqueue(run, (uint32_t)z, req);
      if (pfn != FS_PFN_NONE) {
        *ret_zone = (uint32_t)z;
        /* ZONE_BOOSTED_WATERMARK: a fallback boosted this zone's watermarks;
         * kswapd reclaims the boost now rather than at the next low mark */
        if (zone->boosted_wake) {
          zone->boosted_wake = false;
          fsi_wakeup_kswapd(run, 0, (uint32_t)z);
        }
        return pfn;
      }
    }
    /* ALLOC_NOFRAGMENT: every zone would have to fragment; drop it and rescan. */
    if (!(req->alloc_flags & FS_ALLOC_NOFRAGMENT) || run->stop) return FS_PFN_NONE;
    req->alloc_flags &= ~FS_ALLOC_NOFRAGMENT;
    run->stats.c[FSI_C_fs_nofragment_retry]++;
  }
}

static FsStageResult run_stage(FsiRun *run, FsStage stage, const FsAllocRequest *req, uint64_t *ret_pfn,
                               uint32_t *ret_zone) {
  FsStageResult best = FS_STAGE_NOTHING;
  for (uint32_t i = 0; i < run->nslots && !run->stop; i++) {
    const FsPolicyOps *ops = &run->slots[i].policy->ops;
    if (!ops->slowpath_stage) continue;
    uint64_t pfn = FS_PFN_NONE;
    run->ntaken = 0;
    run->current_slot = (int32_t)i;
    static const char *const stage_hook[FS_STAGE_COUNT] = {
        [FS_STAGE_EARLY_COMPACT] = "slowpath_stage(EARLY_COMPACT)", [FS_STAGE_DIRECT_RECLAIM] = "slowpath_stage(DIRECT_RECLAIM)",
        [FS_STAGE_AFTER_RECLAIM] = "slowpath_stage(AFTER_RECLAIM)", [FS_STAGE_COMPACT] = "slowpath_stage(COMPACT)",
        [FS_STAGE_BEFORE_OOM] = "slowpath_stage(BEFORE_OOM)"};
    FsiHookCtx hk = fsi_hook_enter(run, i, (unsigned)stage < FS_STAGE_COUNT ? stage_hook[stage] : "slowpath_stage");
    FsStageResult r = ops->slowpath_stage(run->slots[i].state, stage, req, &pfn);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
    if (run->mem.capc.active) {
      run->mem.capc.active = false;
      fsi_run_failf(run, "policy \"%s\": hook slowpath_stage at t=%" G_GUINT64_FORMAT " ns left a capture control active",
                    slot_name(run, i), run->now_ns);
      return FS_STAGE_NOTHING;
    }
    if ((unsigned)r > FS_STAGE_RESULT_MAX) {
      fsi_run_failf(run, "policy \"%s\": hook slowpath_stage at t=%" G_GUINT64_FORMAT " ns returned %d (expected 0..%d)",
                    slot_name(run, i), run->now_ns, (int)r, FS_STAGE_RESULT_MAX);
      return FS_STAGE_NOTHING;
    }
    if (r == FS_STAGE_CAPTURED) {
      uint32_t z = pfn < run->mem.nr_pages ? fsi_pfn_zone(&run->mem, pfn) : FSI_NIL;
      if (z == FSI_NIL || z > req->highest_zoneidx || !taken_ok(run, i, "slowpath_stage", pfn, z, req->order, false)) {
        if (!run->stop)
          fsi_run_failf(run, "policy \"%s\": hook slowpath_stage at t=%" G_GUINT64_FORMAT
                             " ns captured pfn %" G_GUINT64_FORMAT " outside the request's zones",
                        slot_name(run, i), run->now_ns, pfn);
        return FS_STAGE_NOTHING;
      }
      *ret_pfn = pfn;
      *ret_zone = z;
      return FS_STAGE_CAPTURED;
    }
    if (!taken_ok(run, i, "slowpath_stage", FS_PFN_NONE, 0, 0, true)) return FS_STAGE_NOTHING;
    if (r == FS_STAGE_PROGRESS) best = FS_STAGE_PROGRESS;
    else if (r == FS_STAGE_SKIPPED && best == FS_STAGE_NOTHING) best = FS_STAGE_SKIPPED;
  }
  return best;
}

FsStageResult fsi_run_slowpath_stage(FsiRun *run, FsStage stage, uint32_t order) {
  FsAllocRequest req = {0};
  req.order = order;
  req.gfp = FS_GFP_HIGHUSER_MOVABLE;
  req.kind = FS_KIND_ANON;
  req.task = FSI_NIL;
  req.migratetype = stack_gfp_to_migratetype(run, req.gfp);
  req.highest_zoneidx = run->mem.nr_zones ? run->mem.nr_zones - 1 : 0;
  req.alloc_flags = FS_ALLOC_WMARK_MIN | (req.migratetype == FS_MIGRATE_MOVABLE ? FS_ALLOC_CMA : 0);
  req.compact_priority = 2;
  uint64_t pfn = FS_PFN_NONE;
  uint32_t zone = 0;
  FsStageResult r = run_stage(run, stage, &req, &pfn, &zone);
  if (r == FS_STAGE_CAPTURED) fsi_free_pages_pb(&run->mem, pfn, order, false);
  return r;
}

/* gfp_to_alloc_flags() of 6.1 for the slow path. */
static uint32_t gfp_to_alloc_flags(uint32_t gfp, uint32_t order, uint32_t mt) {
  uint32_t f = FS_ALLOC_WMARK_MIN;
  if (gfp & FS_GFP_HIGH) f |= FS_ALLOC_HIGH;
  if (gfp & FS_GFP_KSWAPD_RECLAIM) f |= FS_ALLOC_KSWAPD;
  if (gfp & FS_GFP_ATOMIC) {
    /* __GFP_ATOMIC without __GFP_NOMEMALLOC may dip further (ALLOC_HARDER) */
    if (!(gfp & FS_GFP_NOMEMALLOC)) f |= FS_ALLOC_HARDER;
  }
  if (order > 0 && (f & FS_ALLOC_HARDER)) f |= FS_ALLOC_HIGHATOMIC;
  if (mt == FS_MIGRATE_MOVABLE) f |= FS_ALLOC_CMA;
  return f;
}

static bool try_freelist(FsiRun *run, FsAllocRequest *req, uint64_t *pfn, uint32_t *zone) {
  *pfn = get_page_from_freelist(run, req, zone);
  return *pfn != FS_PFN_NONE;
}

/* What the compaction stage reported (FS_COMPACT_*), or -1 if no policy
 * reported anything (no compaction in the stack). */
static FsStageResult compact_stage(FsiRun *run, FsStage stage, FsAllocRequest *req, uint64_t *pfn, uint32_t *zone,
                                   int *ret_result) {
  run->compact_result = -1;
  FsStageResult r = run_stage(run, stage, req, pfn, zone);
  *ret_result = run->compact_result;
  return r;
}

/* should_reclaim_retry()'s availability test: could some zone pass the min
 * watermark at this order if everything reclaimable in it were reclaimed?
 * (The free-list test at the order is on the zone's real free lists.) */
static bool reclaim_could_help(FsiRun *run, const FsAllocRequest *req) {
  for (int z = (int)req->highest_zoneidx; z >= 0; z--) {
    const FsiZone *zn = &run->mem.zones[z];
    if (!fsi_zone_populated(zn)) continue;
    uint64_t available = zn->nr_free_pages + fsi_zone_reclaimable_pages(run, (uint32_t)z);
    if (fsi_zone_watermark_ok(&run->mem, (uint32_t)z, req->order, fsi_wmark(zn, FSI_WMARK_MIN), req->highest_zoneidx,
                              req->alloc_flags, (int64_t)available))
      return true;
  }
  return false;
}

#define MAX_RECLAIM_RETRIES 16
#define MAX_COMPACT_RETRIES 16
#define COMPACT_PRIO_SYNC_FULL 0
#define COMPACT_PRIO_SYNC_LIGHT 1
#define COMPACT_PRIO_ASYNC 2

/* compaction_zonelist_suitable(): would compaction get past its order-0
 * check in some zone if reclaim freed more?  It counts the zone's free
 * pages plus only reclaimable / order (not to thrash for one high-order
 * page), and answers yes only for __compaction_suitable()'s CONTINUE: a
 * zone that already passes the watermark at the order does not count. */
static bool compaction_zonelist_suitable(FsiRun *run, const FsAllocRequest *req) {
  for (int z = (int)req->highest_zoneidx; z >= 0; z--) {
    const FsiZone *zn = &run->mem.zones[z];
    if (!fsi_zone_populated(zn)) continue;
    uint64_t available = fsi_zone_reclaimable_pages(run, (uint32_t)z) / req->order + zn->nr_free_pages;
    if (fsi_zone_watermark_ok(&run->mem, (uint32_t)z, req->order,
                              fsi_wmark(zn, (int)(req->alloc_flags & FS_ALLOC_WMARK_MASK)), req->highest_zoneidx,
                              req->alloc_flags, (int64_t)zn->nr_free_pages))
      continue; /* COMPACT_SUCCESS */
    uint64_t mark = (req->order > run->costly_order ? fsi_wmark(zn, FSI_WMARK_LOW) : fsi_wmark(zn, FSI_WMARK_MIN)) +
                    (2ull << req->order);
    if (fsi_zone_watermark_ok(&run->mem, (uint32_t)z, 0, mark, req->highest_zoneidx, FS_ALLOC_CMA,
                              (int64_t)available))
      return true;
  }
  return false;
}

/* should_compact_retry() of 4.7+ (6.1): a skipped compaction retries (and
 * so reclaims again) while compaction_zonelist_suitable(); a compaction
 * that ran to the end (COMPLETE) or withdrew (deferred, contended, partly
 * skipped) retries only at a higher priority; otherwise up to
 * MAX_COMPACT_RETRIES (a quarter for costly orders) successful
 * compactions whose page was taken by someone else, then a higher
 * priority, down to MIN_COMPACT_PRIORITY (SYNC_LIGHT for costly orders). */
static bool should_compact_retry(FsiRun *run, FsAllocRequest *req, int cres, bool costly, int *compaction_retries) {
  if (!req->order || cres < 0) return false;
  if (cres == FS_COMPACT_SUCCESS) (*compaction_retries)++;
  if (cres == FS_COMPACT_SKIPPED) {
    bool retry = compaction_zonelist_suitable(run, req);
    if (retry) run->stats.c[FSI_C_fs_compact_retry_reclaim]++;
    return retry;
  }
  bool failed_or_withdrawn = cres == FS_COMPACT_COMPLETE || cres == FS_COMPACT_DEFERRED ||
                             cres == FS_COMPACT_CONTENDED || cres == FS_COMPACT_PARTIAL_SKIPPED;
  if (!failed_or_withdrawn && *compaction_retries <= (costly ? MAX_COMPACT_RETRIES / 4 : MAX_COMPACT_RETRIES))
    return true;
  int min_priority = costly ? COMPACT_PRIO_SYNC_LIGHT : COMPACT_PRIO_SYNC_FULL;
  if (req->compact_priority > min_priority) {
    req->compact_priority--;
    *compaction_retries = 0;
    return true;
  }
  return false;
}

/* A request's own clock.  Its work (buddy operations, what reclaim,
 * compaction and the policies charge) is the task's time; with
 * vm.slowpath=continuation the task sleeps for it between retries, so the
 * clock can run ahead of run->now_ns by the work not yet slept, never
 * behind it. */
typedef struct {
  uint64_t t0;       /* when the request was made */
  uint64_t clock;    /* the task's time after the work and sleeps accounted so far */
  uint64_t ops_mark; /* run->mem.buddy_ops when the clock was last brought up to date */
  uint64_t own_ops;  /* the request's own buddy operations before ops_mark */
  bool slept;        /* other events ran while it slept */
} SlowClock;

/* A request that did not succeed at once sleeps before it retries: for the
 * work it just did (direct reclaim and compaction, the throttling waits
 * reclaim charges) plus extra_ns (the kernel's own sleeps), while the other
 * tasks, kswapd and kcompactd go on (cond_resched(), reclaim_throttle()). */
static void slow_sleep(FsiRun *run, SlowClock *c, uint64_t extra_ns) {
  uint64_t ops = run->mem.buddy_ops - c->ops_mark;
  c->own_ops += ops;
  c->clock = MAX(c->clock, run->now_ns) + ops * run->cost.buddy_op + run->charged_ns + extra_ns;
  run->charged_ns = 0;
  run->stats.c[FSI_C_fs_slowpath_sleeps]++;
  if (fsi_run_sleep(run, c->clock)) c->slept = true;
  c->ops_mark = run->mem.buddy_ops;
}

/* a backstop for a loop whose sleeps take no time */
#define LIVELOCK_LOOPS (1 << 16)

/* __alloc_pages_slowpath() (reference §2.6): wake kswapd, retry at the min
 * watermark, early compaction for costly or unmovable high-order requests,
 * then the reclaim / compaction / retry loop, and the OOM killer last. */
static FsiVia slowpath(FsiRun *run, FsAllocRequest *req, uint32_t unclamped_zoneidx, uint64_t *pfn, uint32_t *zone,
                       SlowClock *clk) {
  run->stats.c[FSI_C_fs_alloc_slowpath]++;
  req->alloc_flags = gfp_to_alloc_flags(req->gfp, req->order, req->migratetype);
  req->alloc_flags = stack_alloc_flags(run, req, true);
  bool kswapd = req->alloc_flags & FS_ALLOC_KSWAPD;
  if (kswapd) fsi_wakeup_kswapd_gfp(run, req->gfp, req->order, req->highest_zoneidx);
  if (try_freelist(run, req, pfn, zone)) return FSI_VIA_SLOWPATH;

  bool can_direct = req->gfp & FS_GFP_DIRECT_RECLAIM;
  bool costly = req->order > run->costly_order;
  int cres = -1;
  req->compact_priority = COMPACT_PRIO_SYNC_LIGHT;
  /* 2.6.38+: an asynchronous attempt before any reclaim (2.6.35-2.6.37
   * compacted synchronously at the top of every loop instead, below) */
  bool before = run->compact_before_reclaim;
  if (!before && can_direct && req->order > 0 && (costly || req->migratetype != FS_MIGRATE_MOVABLE)) {
    req->compact_priority = COMPACT_PRIO_ASYNC;
    FsStageResult r = compact_stage(run, FS_STAGE_EARLY_COMPACT, req, pfn, zone, &cres);
    if (r == FS_STAGE_CAPTURED) return FSI_VIA_EARLY_COMPACT;
    if (r == FS_STAGE_PROGRESS && try_freelist(run, req, pfn, zone)) return FSI_VIA_EARLY_COMPACT;
    if (costly && (req->gfp & FS_GFP_NORETRY)) {
      /* THP-like requests: give up at once if compaction did not even run */
      if (cres < 0 || cres == FS_COMPACT_SKIPPED || cres == FS_COMPACT_DEFERRED) return FSI_VIA_FAILED;
    } else {
      req->compact_priority = COMPACT_PRIO_SYNC_LIGHT;
    }
  }
  if (!can_direct) return FSI_VIA_FAILED;

  int no_progress_loops = 0, compaction_retries = 0;
  uint64_t pages_reclaimed = 0; /* before 4.7: what this request's reclaims freed, all told */
  int min_priority = costly ? COMPACT_PRIO_SYNC_LIGHT : COMPACT_PRIO_SYNC_FULL;
  bool stalled = false;
  for (int loops = 0; !run->stop; loops++) {
    if (loops && run->slowpath_instant) {
      if (loops >= 64) break;
    } else if (loops) {
      /* reclaim_throttle(VMSCAN_THROTTLE_NOPROGRESS): a direct reclaim
       * that got to priority 1 with nothing reclaimed sleeps a jiffy */
      slow_sleep(run, clk, stalled ? run->cost.jiffy : 0);
      if (run->stop) break;
      if (MAX(clk->clock, run->now_ns) - clk->t0 >= run->livelock_ns || loops >= LIVELOCK_LOOPS)
        return FSI_VIA_LIVELOCK;
    }
    if (kswapd) fsi_wakeup_kswapd_gfp(run, req->gfp, req->order, req->highest_zoneidx);
    if (loops && try_freelist(run, req, pfn, zone)) return FSI_VIA_SLOWPATH;

    FsStageResult r;
    if (before) {
      /* 2.6.35-2.6.37 rebalance: __alloc_pages_direct_compact(), synchronous,
       * then direct reclaim; nothing compacts after the reclaim */
      r = compact_stage(run, FS_STAGE_COMPACT, req, pfn, zone, &cres);
      if (r == FS_STAGE_CAPTURED) return FSI_VIA_COMPACT;
      if (r == FS_STAGE_PROGRESS && try_freelist(run, req, pfn, zone)) return FSI_VIA_COMPACT;
    }

    /* __alloc_pages_direct_reclaim() */
    uint64_t progress = fsi_try_to_free_pages(run, req);
    stalled = !progress;
    r = run_stage(run, FS_STAGE_DIRECT_RECLAIM, req, pfn, zone);
    if (r == FS_STAGE_CAPTURED) return FSI_VIA_RECLAIM;
    if (r == FS_STAGE_PROGRESS) progress++;
    /* 2.6.35 and before drained the per-CPU lists after every direct
     * reclaim call for order > 0, progress or not, and tried the free
     * lists only after progress (2.6.36 moved the drain behind a failed
     * retry).  Since then: without progress the call returns at once; with
     * progress it tries the free lists, and if that fails it gives back a
     * HIGHATOMIC block (unreserve_highatomic_pageblock(force=false)), drains
     * the per-CPU lists and tries once more: on every call, as `drained` is
     * local to __alloc_pages_direct_reclaim().  Before 2.6.24 the slow
     * path never drained them (vm.direct_reclaim_drain=none), but the
     * list-based anti-fragmentation patches did (v21-v22, 2005-2006:
     * drain_all_local_pages() after try_to_free_pages() for order > 3). */
    if (run->direct_reclaim_drain != FSI_DRAIN_2636) {
      if ((req->order > 0 && run->direct_reclaim_drain == FSI_DRAIN_2635) ||
          (req->order > run->costly_order && run->direct_reclaim_drain == FSI_DRAIN_V22))
        for (uint32_t z = 0; z < run->mem.nr_zones; z++) fsi_pcp_drain_zone(run, z);
      if (progress && try_freelist(run, req, pfn, zone)) return FSI_VIA_RECLAIM;
    } else if (progress) {
      if (try_freelist(run, req, pfn, zone)) return FSI_VIA_RECLAIM;
      r = run_stage(run, FS_STAGE_AFTER_RECLAIM, req, pfn, zone);
      if (r == FS_STAGE_CAPTURED) return FSI_VIA_AFTER_RECLAIM;
      for (uint32_t z = 0; z < run->mem.nr_zones; z++) fsi_pcp_drain_zone(run, z);
      if (try_freelist(run, req, pfn, zone)) return FSI_VIA_AFTER_RECLAIM;
    }

    if (!before) {
      /* __alloc_pages_direct_compact() at compact_priority */
      r = compact_stage(run, FS_STAGE_COMPACT, req, pfn, zone, &cres);
      if (r == FS_STAGE_CAPTURED) return FSI_VIA_COMPACT;
      if (r == FS_STAGE_PROGRESS && try_freelist(run, req, pfn, zone)) return FSI_VIA_COMPACT;
    }

    if (req->gfp & FS_GFP_NORETRY) return FSI_VIA_FAILED;
    if (costly && !(req->gfp & FS_GFP_RETRY_MAYFAIL)) return FSI_VIA_FAILED;

    /* should_reclaim_retry() */
    if (progress && req->order <= run->costly_order) no_progress_loops = 0;
    else no_progress_loops++;
    bool retry;
    pages_reclaimed += progress;
    if (costly && run->reclaim_compaction != FSI_RC_47) {
      /* before 4.7, should_alloc_retry(): a costly __GFP_REPEAT request
       * (the hugetlb pool's flag then; __GFP_RETRY_MAYFAIL here) retries
       * while its reclaims made progress and have freed fewer than 2^order
       * pages in all, then gives up (2.6.3x: no progress is the OOM path,
       * which a costly order leaves at once) */
      retry = progress && pages_reclaimed < ((uint64_t)1 << req->order);
    } else if (no_progress_loops > MAX_RECLAIM_RETRIES) {
      r = run_stage(run, FS_STAGE_BEFORE_OOM, req, pfn, zone); /* forced unreserve */
      if (r == FS_STAGE_CAPTURED) return FSI_VIA_BEFORE_OOM;
      retry = r == FS_STAGE_PROGRESS;
    } else {
      retry = reclaim_could_help(run, req);
    }
    if (retry) continue;

    /* should_compact_retry(), only after reclaim made progress */
    if (run->reclaim_compaction == FSI_RC_47) {
      if (progress && should_compact_retry(run, req, cres, costly, &compaction_retries)) continue;
    } else if (!before && progress && req->order > 0 && cres >= 0) {
      /* 2.6.38-4.6: no retry after a skipped compaction (2.6.35's
       * should_alloc_retry() had no compaction term) */
      int max_retries = costly ? MAX_COMPACT_RETRIES / 4 : MAX_COMPACT_RETRIES;
      if (cres == FS_COMPACT_SUCCESS) {
        if (++compaction_retries <= max_retries) continue;
      } else if (cres != FS_COMPACT_SKIPPED && req->compact_priority > min_priority) {
        req->compact_priority--;
        compaction_retries = 0;
        continue;
      }
    }

    /* __alloc_pages_may_oom(): a last try at the high watermark, then a kill */
    FsAllocRequest hi = *req;
    hi.alloc_flags = (req->alloc_flags & ~FS_ALLOC_WMARK_MASK) | FS_ALLOC_WMARK_HIGH;
    if (try_freelist(run, &hi, pfn, zone)) return FSI_VIA_BEFORE_OOM;
    if (!fsi_out_of_memory(run, req, unclamped_zoneidx)) return FSI_VIA_FAILED;
    no_progress_loops = 0;
  }
  return FSI_VIA_FAILED;
}

/* ---- allocation objects ------------------------------------------------------ */

uint32_t fsi_alloc_id_get(FsiRun *run) {
  if (run->nfree_ids) return run->free_ids[--run->nfree_ids];
  if (run->nallocs == run->cap_allocs) {
    uint32_t cap = run->cap_allocs ? run->cap_allocs * 2 : 1024;
    run->allocs = fsi_big_realloc(run->allocs, (size_t)run->cap_allocs * sizeof *run->allocs, (size_t)cap * sizeof *run->allocs);
    run->cap_allocs = cap;
  }
  uint32_t id = run->nallocs++;
  memset(&run->allocs[id], 0, sizeof run->allocs[id]);
  return id;
}

void fsi_alloc_id_put(FsiRun *run, uint32_t id) {
  run->allocs[id].flags = 0;
  run->allocs[id].flags2 = 0;
  run->allocs[id].gen++;
  if (run->nfree_ids == run->cap_free_ids) {
    run->cap_free_ids = run->cap_free_ids ? run->cap_free_ids * 2 : 1024;
    run->free_ids = g_renew(uint32_t, run->free_ids, run->cap_free_ids);
  }
  run->free_ids[run->nfree_ids++] = id;
}

uint64_t fsi_alloc_migration_target(FsiRun *run, uint32_t order, uint32_t highest_zoneidx, uint32_t *ret_zone) {
  FsAllocRequest req = {0};
  req.order = order;
  req.gfp = FS_GFP_HIGHUSER_MOVABLE | FS_GFP_RETRY_MAYFAIL;
  req.kind = FS_KIND_ANON;
  req.task = FSI_NIL;
  req.migratetype = stack_gfp_to_migratetype(run, req.gfp);
  req.highest_zoneidx = MIN(highest_zoneidx, run->mem.nr_zones ? run->mem.nr_zones - 1 : 0);
  req.alloc_flags = FS_ALLOC_WMARK_MIN | (req.migratetype == FS_MIGRATE_MOVABLE ? FS_ALLOC_CMA : 0);
  req.compact_priority = 2;
  uint32_t zone = 0;
  uint64_t pfn = get_page_from_freelist(run, &req, &zone);
  /* alloc_migration_target() allocates with __GFP_RETRY_MAYFAIL: under
   * pressure it reclaims rather than failing the migration at once */
  for (int tries = 0; pfn == FS_PFN_NONE && tries < 3 && !run->stop; tries++) {
    if (!fsi_try_to_free_pages(run, &req)) break;
    pfn = get_page_from_freelist(run, &req, &zone);
  }
  if (pfn != FS_PFN_NONE && ret_zone) *ret_zone = zone;
  return pfn;
}

uint32_t fsi_split_next(const FsiRun *run, uint32_t id) {
  gpointer v;
  if (!run->split_next || !g_hash_table_lookup_extended(run->split_next, GUINT_TO_POINTER(id), NULL, &v)) return FSI_NIL;
  return GPOINTER_TO_UINT(v);
}

void fsi_split_set_next(FsiRun *run, uint32_t id, uint32_t next) {
  if (next == FSI_NIL) {
    if (run->split_next) g_hash_table_remove(run->split_next, GUINT_TO_POINTER(id));
    return;
  }
  if (!run->split_next) run->split_next = g_hash_table_new(g_direct_hash, g_direct_equal);
  g_hash_table_insert(run->split_next, GUINT_TO_POINTER(id), GUINT_TO_POINTER(next));
}

/* The base page after id, unlinking id (FSI_NIL: none). */
static uint32_t split_take_next(FsiRun *run, uint32_t id) {
  gpointer v;
  if (!run->split_next || !g_hash_table_steal_extended(run->split_next, GUINT_TO_POINTER(id), NULL, &v)) return FSI_NIL;
  return GPOINTER_TO_UINT(v);
}

FsiAlloc *fsi_run_lookup(FsiRun *run, FsiHandle h) {
  uint32_t id = (uint32_t)(h & 0xffffffffu), gen = (uint32_t)(h >> 32);
  if (h == FSI_HANDLE_NONE || id >= run->nallocs) return NULL;
  FsiAlloc *a = &run->allocs[id];
  return (a->flags & FSI_AF_LIVE) && a->gen == gen ? a : NULL;
}

/* fsi_run_alloc, or with reuse != FSI_NIL the page frames for an existing
 * non-resident object (a refault): same id and handle, new place. */
static FsiAllocResult run_alloc(FsiRun *run, const FsiRequest *rq, uint32_t reuse) {
  FsiAllocResult res = {FSI_HANDLE_NONE, FS_PFN_NONE, 0, 0, FSI_VIA_FAILED};
  uint32_t reuse_gen = reuse != FSI_NIL ? run->allocs[reuse].gen : 0;
  SlowClock clk = {run->now_ns, run->now_ns, run->mem.buddy_ops, 0, false};
  run->charged_ns = 0;
  run->current_task = rq->task;
  FsiTask *task = rq->task < run->ntasks ? &run->tasks[rq->task] : NULL;
  /* the task issues nothing else until this request completes */
  bool outer = task && !task->in_alloc;
  if (outer) task->in_alloc = true;

  FsAllocRequest req = {0};
  req.order = rq->order;
  req.gfp = rq->gfp;
  for (uint32_t i = 0; i < run->nslots; i++) {
    const FsPolicyOps *po = &run->slots[i].policy->ops;
    if (!po->adjust_gfp) continue;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "adjust_gfp");
    uint32_t got = po->adjust_gfp(run->slots[i].state, rq->kind, req.gfp);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
    /* a zone combination the request came with is the workload's to answer for */
    uint32_t zone_bits = FS_GFP_DMA | FS_GFP_DMA32 | FS_GFP_HIGHMEM, zones = got & zone_bits;
    if ((got & ~FSI_GFP_KNOWN) || ((zones & (zones - 1)) && zones != (req.gfp & zone_bits))) {
      fsi_run_failf(run, "policy \"%s\": hook adjust_gfp at t=%" G_GUINT64_FORMAT " ns returned gfp 0x%x (expected "
                         "FS_GFP_* flags, 0x%x at most, with at most one of DMA, DMA32 and HIGHMEM)",
                    slot_name(run, i), run->now_ns, got, FSI_GFP_KNOWN);
      break;
    }
    req.gfp = got;
  }
  req.kind = rq->kind;
  req.task = rq->task;
  req.migratetype = stack_gfp_to_migratetype(run, req.gfp);
  uint32_t unclamped = fsi_gfp_zone(req.gfp), hz = unclamped;
  while (hz > 0 && !fsi_zone_populated(&run->mem.zones[hz])) hz--;
  req.highest_zoneidx = hz;
  req.compact_priority = 2;
  req.alloc_flags = FS_ALLOC_WMARK_LOW;
  if (req.migratetype == FS_MIGRATE_MOVABLE) req.alloc_flags |= FS_ALLOC_CMA;
  if (req.gfp & FS_GFP_KSWAPD_RECLAIM) req.alloc_flags |= FS_ALLOC_KSWAPD;
  req.alloc_flags = stack_alloc_flags(run, &req, false);

  run->stats.c[FSI_C_fs_alloc_requests]++;
  /* per-order statistics for orders the machine can have; a request above
   * max_order (a trace from a machine with a larger MAX_ORDER) fails below
   * and is counted only in fs_alloc_fail */
  uint32_t stat_order = rq->order <= run->mem.max_order ? rq->order : FS_NR_ORDERS;
  if (stat_order < FS_NR_ORDERS) run->stats.attempts[stat_order]++;

  uint64_t pfn = FS_PFN_NONE;
  uint32_t zone = 0;
  FsiVia via = FSI_VIA_FASTPATH;
  if (rq->order > run->mem.max_order) via = FSI_VIA_FAILED;
  else if (!try_freelist(run, &req, &pfn, &zone))
    via = run->stop ? FSI_VIA_FAILED : slowpath(run, &req, unclamped, &pfn, &zone, &clk);

  /* latency: from the request to its completion, sleeps included */
  uint64_t ops = run->mem.buddy_ops - clk.ops_mark;
  uint64_t done = MAX(clk.clock, run->now_ns) + ops * run->cost.buddy_op + run->charged_ns;
  res.latency_ns = run->cost.alloc_base + (done - clk.t0);
  run->stats.c[FSI_C_fs_buddy_ops] += clk.own_ops + ops;
  res.via = via;

  if (via != FSI_VIA_FAILED && via != FSI_VIA_LIVELOCK && !run->stop && reuse != FSI_NIL &&
      (!(run->allocs[reuse].flags & FSI_AF_LIVE) || run->allocs[reuse].gen != reuse_gen)) {
    /* the object went while its page was being found (an OOM kill of its
     * owner in the slow path): the page goes back, the refault is off */
    fsi_free_pages_pb(&run->mem, pfn, rq->order, false);
    via = FSI_VIA_FAILED;
  }
  if (run->stop && !run->error && clk.slept) {
    /* the run ended while the request slept: neither served nor failed */
  } else if (via == FSI_VIA_LIVELOCK && !run->stop) {
    run->stats.c[FSI_C_fs_alloc_livelock]++;
  } else if (via != FSI_VIA_FAILED && !run->stop) {
    uint32_t id = reuse != FSI_NIL ? reuse : fsi_alloc_id_get(run);
    FsiAlloc *a = &run->allocs[id];
    a->pfn = (uint32_t)pfn;
    if (!a->gen) a->gen = 1;
    a->gfp = req.gfp;
    a->task = rq->task;
    a->order = (uint8_t)rq->order;
    a->kind = (uint8_t)rq->kind;
    if (reuse == FSI_NIL) {
      a->flags = FSI_AF_LIVE | (rq->pinned ? FSI_AF_PINNED : 0);
      a->flags2 = 0;
    }
    a->zone = (uint8_t)zone;
    a->alloc_mt = (uint8_t)fs_gfp_migratetype(req.gfp);
    if (a->alloc_mt >= FS_MIGRATE_PCPTYPES) a->alloc_mt = FS_MIGRATE_UNMOVABLE;
    a->list_mt = (uint8_t)req.migratetype;
    fsi_mark_allocated(&run->mem, pfn, rq->order, id, a->alloc_mt);
    fsi_reclaim_alloc_added(run, id, rq);
    if (reuse == FSI_NIL) run->live_allocs++;
    res.handle = ((uint64_t)a->gen << 32) | id;
    res.pfn = pfn;
    res.zone = zone;
    static const FsiCounter pgalloc[FS_MAX_ZONES] = {FSI_C_pgalloc_dma, FSI_C_pgalloc_dma32, FSI_C_pgalloc_normal,
                                                     FSI_C_pgalloc_high, FSI_C_pgalloc_movable};
    run->stats.c[pgalloc[zone]] += (uint64_t)1 << rq->order;
    run->stats.c[FSI_C_fs_alloc_success]++;
    run->stats.success[rq->order]++;
    for (uint32_t i = 0; i < run->nslots; i++) {
      const FsPolicyOps *po = &run->slots[i].policy->ops;
      if (!po->alloc_done) continue;
      run->current_slot = (int32_t)i;
      FsiHookCtx hk = fsi_hook_enter(run, i, "alloc_done");
      po->alloc_done(run->slots[i].state, zone, pfn, &req);
      fsi_hook_leave(run, hk);
      run->current_slot = -1;
    }
  } else {
    res.via = FSI_VIA_FAILED;
    run->stats.c[FSI_C_fs_alloc_fail]++;
    if (stat_order < FS_NR_ORDERS) run->stats.fail[stat_order]++;
  }
  if (stat_order < FS_NR_ORDERS) fsi_hist_add(&run->stats.latency[stat_order], res.latency_ns);
  if (task) {
    task->busy_until_ns = clk.t0 + res.latency_ns;
    task->stall_ns += res.latency_ns;
    if (outer) {
      task->in_alloc = false;
      if (task->wake_deferred) {
        task->wake_deferred = false;
        fsi_run_wake_task(run, rq->task, task->busy_until_ns);
      }
    }
  }
  run->stats.c[FSI_C_fs_stall_ns] += res.latency_ns;
  run->current_task = FSI_NIL;
  FSI_NOTIFY(run, alloc, rq, &res, req.migratetype);
  return res;
}

FsiAllocResult fsi_run_alloc(FsiRun *run, const FsiRequest *rq) { return run_alloc(run, rq, FSI_NIL); }

FsiAllocResult fsi_run_alloc_into(FsiRun *run, const FsiRequest *rq, uint32_t id) { return run_alloc(run, rq, id); }

void fsi_release_frames(FsiRun *run, uint32_t id) {
  FsiAlloc *a = &run->allocs[id];
  uint64_t pfn = a->pfn;
  uint32_t order = a->order;
  fsi_mark_unallocated(&run->mem, pfn, order, a->alloc_mt);
  run->stats.c[FSI_C_pgfree] += (uint64_t)1 << order;
  /* free_unref_page() puts the page on this CPU's lists: the owner's when
   * a task frees its own memory, the reclaimer's when reclaim frees it */
  uint32_t cpu_task = run->reclaim_freeing && run->rc.free_on_reclaimer ? run->current_task : a->task;
  if (fsi_pcp_free(run, pfn, order, cpu_task, a->list_mt)) return;
  /* free_one_page(): the migratetype is the pageblock's at free time (or,
   * vm.free_list_type=allocation, the type the page was allocated as) */
  uint32_t mt = fsi_free_list_mt(&run->mem, pfn, a->list_mt);
  uint32_t merged_order = order;
  uint64_t head = fsi_free_one_page(&run->mem, pfn, order, mt, &merged_order);
  if (head != FS_PFN_NONE) fsi_run_freed_hooks(run, fsi_pfn_zone(&run->mem, head), head, merged_order, mt);
}

void fsi_run_freed_hooks(FsiRun *run, uint32_t zone, uint64_t head, uint32_t order, uint32_t mt) {
  int32_t saved = run->current_slot;
  for (uint32_t i = 0; i < run->nslots; i++) {
    const FsPolicyOps *po = &run->slots[i].policy->ops;
    if (!po->freed) continue;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "freed");
    po->freed(run->slots[i].state, zone, head, order, mt);
    fsi_hook_leave(run, hk);
  }
  run->current_slot = saved;
}

void fsi_run_free_handle(FsiRun *run, FsiHandle h) {
  FsiAlloc *a = fsi_run_lookup(run, h);
  if (!a) return;
  if (a->flags & FSI_AF_CONTIG) {
    /* a chunk of a contiguous range: the range goes as a whole */
    fsi_free_contig_range(run, h);
    return;
  }
  uint32_t id = (uint32_t)(h & 0xffffffffu);
  if (a->flags2 & FSI_AF2_SPLIT_HEAD) {
    /* a split THP: its other base pages go with the handle */
    for (uint32_t c = split_take_next(run, id); c != FSI_NIL;) {
      uint32_t next = split_take_next(run, c);
      fsi_reclaim_alloc_removed(run, c);
      if (run->allocs[c].flags & FSI_AF_RESIDENT) fsi_release_frames(run, c);
      fsi_alloc_id_put(run, c);
      run->live_allocs--;
      c = next;
    }
    a = &run->allocs[id];
  }
  fsi_reclaim_alloc_removed(run, id);
  if (a->flags & FSI_AF_RESIDENT) fsi_release_frames(run, id);
  fsi_alloc_id_put(run, id);
  run->live_allocs--;
}

/* ---- contiguous requests --------------------------------------------------- */

static bool range_could_be_contig(FsiRun *run, uint64_t start, uint64_t nr) {
  /* pfn_range_valid_contig(): no reserved pages, every in-use page movable */
  for (uint64_t p = start; p < start + nr;) {
    const FsiPage *pg = &run->mem.pages[p];
    if (pg->flags & FSI_PG_RESERVED) return false;
    if (pg->flags & FSI_PG_ALLOC) {
      const FsiAlloc *a = &run->allocs[pg->alloc];
      if (!fsi_alloc_is_movable(a) || (a->flags & FSI_AF_CONTIG)) return false;
      p = (uint64_t)a->pfn + ((uint64_t)1 << a->order);
      continue;
    }
    p++;
  }
  return true;
}

/* A contig_request hook's success: the handle must be the head of a range
 * the host's alloc_contig_range made during this call, for this task, of at
 * least the pages asked (the engine then counts it as served). */
static bool contig_handle_ok(FsiRun *run, uint64_t handle, uint64_t nr_pages, uint32_t task) {
  bool issued = false;
  for (uint32_t k = 0; k < MIN(run->ncontig_issued, (uint32_t)G_N_ELEMENTS(run->contig_issued)); k++)
    if (run->contig_issued[k] == handle) issued = true;
  const FsiAlloc *a = fsi_run_lookup(run, handle);
  if (!issued || !a || !(a->flags & FSI_AF_CONTIG) || a->lru_prev != FSI_NIL || a->task != task) return false;
  uint64_t pages = 0;
  for (uint32_t id = (uint32_t)(handle & 0xffffffffu); id != FSI_NIL; id = run->allocs[id].lru_next)
    pages += fsi_pages_of_order(run->allocs[id].order);
  return pages >= nr_pages;
}

FsiAllocResult fsi_run_contig(FsiRun *run, uint64_t nr_pages, uint32_t task) {
  FsiAllocResult res = {FSI_HANDLE_NONE, FS_PFN_NONE, 0, 0, FSI_VIA_FAILED};
  run->charged_ns = 0;
  run->stats.c[FSI_C_fs_contig_requests]++;
  uint64_t handle = 0;
  int r = 1;
  for (uint32_t i = 0; i < run->nslots && r == 1 && !run->stop; i++) {
    const FsPolicyOps *po = &run->slots[i].policy->ops;
    if (!po->contig_request) continue;
    run->current_slot = (int32_t)i;
    run->ncontig_issued = 0;
    FsiHookCtx hk = fsi_hook_enter(run, i, "contig_request");
    r = po->contig_request(run->slots[i].state, nr_pages, task, &handle);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
    if (r != 0 && r != 1 && r != -FS_EBUSY && r != -FS_ENOMEM) {
      fsi_run_failf(run, "policy \"%s\": hook contig_request at t=%" G_GUINT64_FORMAT " ns returned %d (expected 0, 1, -%d or -%d)",
                    slot_name(run, i), run->now_ns, r, FS_EBUSY, FS_ENOMEM);
      r = -FS_EBUSY;
    } else if (r == 0 && !contig_handle_ok(run, handle, nr_pages, task)) {
      fsi_run_failf(run, "policy \"%s\": hook contig_request at t=%" G_GUINT64_FORMAT " ns served %" G_GUINT64_FORMAT
                         " pages with handle 0x%" G_GINT64_MODIFIER "x, which is not a range of at least that many pages "
                         "for task %u that alloc_contig_range made during the call",
                    slot_name(run, i), run->now_ns, nr_pages, handle, task);
      r = -FS_EBUSY;
      handle = 0;
    }
  }
  if (r == 1) {
    /* alloc_contig_pages(): try aligned ranges of each zone, highest first */
    uint64_t align = 1;
    while (align < nr_pages) align <<= 1;
    r = -FS_EBUSY;
    for (int z = (int)run->mem.nr_zones - 1; z >= 0 && r; z--) {
      const FsiZone *zn = &run->mem.zones[z];
      if (!fsi_zone_populated(zn)) continue;
      for (uint64_t start = (zn->start_pfn + align - 1) / align * align; start + nr_pages <= zn->end_pfn && r;
           start += align) {
        if (!range_could_be_contig(run, start, nr_pages)) continue;
        FsiHandle h = FSI_HANDLE_NONE;
        r = fsi_alloc_contig_range(run, start, nr_pages, fsi_get_pageblock_mt(&run->mem, start), task, &h);
        if (!r) handle = h;
      }
    }
  }
  res.latency_ns = run->cost.alloc_base + run->charged_ns;
  if (!r && handle) {
    FsiAlloc *a = fsi_run_lookup(run, handle);
    res.handle = handle;
    res.pfn = a ? a->pfn : FS_PFN_NONE;
    res.zone = a ? a->zone : 0;
    res.via = FSI_VIA_CONTIG;
  }
  if (task < run->ntasks) {
    run->tasks[task].busy_until_ns = run->now_ns + res.latency_ns;
    run->tasks[task].stall_ns += res.latency_ns;
  }
  if (run->obs_mask & FSI_OBS_alloc) {
    uint32_t order = 0;
    while (((uint64_t)1 << order) < nr_pages) order++;
    FsiRequest rq = {order, FS_KIND_DEVICE, FS_GFP_KERNEL, task, false, false, false, false};
    FSI_NOTIFY(run, alloc, &rq, &res, FS_MIGRATE_MOVABLE);
  }
  return res;
}

void fsi_run_free_contig(FsiRun *run, FsiHandle h) { fsi_free_contig_range(run, h); }

void fsi_run_compact_memory(FsiRun *run) {
  run->charged_ns = 0;
  for (uint32_t i = 0; i < run->nslots && !run->stop; i++) {
    const FsPolicyOps *po = &run->slots[i].policy->ops;
    if (!po->compact_memory) continue;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "compact_memory");
    po->compact_memory(run->slots[i].state);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
  }
}
