/* Isolation and migration: __isolate_free_page and its release, page
 * migration (migrate_pages for one allocation), alloc_contig_range and
 * offline_pages/online_pages, as in mm/page_alloc.c, mm/migrate.c,
 * mm/page_isolation.c and mm/memory_hotplug.c of v6.1 (reference §5.5, §6.4,
 * §6.5, §7.5-7.6).  See migrate.h for what this module owns.
 *
 * Page frames of an isolated free block: the head carries FSI_PG_ISOLATED and
 * the block's order (mt remembers the list it came from), tails are 0.  The
 * block is on no list and outside NR_FREE_PAGES.  An allocation moved here
 * keeps its id and generation, so the owner's handle follows it (rmap).
 *
 * Range operations (contig, offline) isolate whole pageblocks: the type
 * becomes ISOLATE and the free pages move to ISOLATE lists, where neither
 * the allocator nor migration targets can reach them; pages freed inside
 * meanwhile land there too.  The undo restores each pageblock's remembered
 * type and re-frees its free pages so they merge with their neighbours.
 *
 * Everything is synchronous and deterministic: no randomness, no clock.
 */
#include "engine/migrate.h"

#include <string.h>

#include "engine/pcp.h"

/* COMPACT_CLUSTER_MAX: isolate_migratepages_range takes this many pages per round. */
#define CONTIG_CLUSTER_PAGES 32
/* __alloc_contig_migrate_range gives up after 5 tries on the same pages;
 * offline_pages (which would retry until a signal) gets as many rounds. */
#define MIGRATE_TRIES 5

/* ---- page-frame helpers ---------------------------------------------------------- */

static inline uint64_t pages_of_order(uint32_t order) { return (uint64_t)1 << order; }

/* Head of the block with `flag` (BUDDY or ISOLATED) containing pfn, or
 * FS_PFN_NONE.  Blocks are naturally aligned, so the head is pfn rounded
 * down to some order. */
static uint64_t block_head_with(const FsiMem *m, uint64_t pfn, uint8_t flag) {
  if (pfn >= m->nr_pages) return FS_PFN_NONE;
  for (uint32_t o = 0; o <= m->max_order; o++) {
    uint64_t head = pfn & ~(pages_of_order(o) - 1);
    const FsiPage *hp = &m->pages[head];
    if ((hp->flags & flag) && pfn < head + pages_of_order(hp->order)) return head;
  }
  return FS_PFN_NONE;
}

static void set_isolated(FsiMem *m, uint64_t pfn, uint32_t order, uint8_t list_mt) {
  FsiPage *p = &m->pages[pfn];
  p->flags = FSI_PG_ISOLATED;
  p->order = (uint8_t)order;
  p->mt = list_mt;
  p->alloc = FSI_NIL;
  p->next = p->prev = FSI_NIL;
}

/* Frees [pfn, pfn + 2^order) to the buddy allocator with the pageblock's
 * migratetype.  A block larger than a pageblock goes in pageblock pieces,
 * each with its own block's type ([2025] split_large_buddy; 6.1 frees it
 * whole with the first block's type), so a block never lands on a list
 * that is wrong for part of it; the pieces re-merge where types allow. */
static void free_pages_pb(FsiMem *m, uint64_t pfn, uint32_t order, bool to_tail) {
  if (order <= m->pageblock_order) {
    fsi_free_one_page_fpi(m, pfn, order, fsi_get_pageblock_mt(m, pfn), to_tail, NULL);
    return;
  }
  for (uint64_t p = pfn; p < pfn + pages_of_order(order); p += m->pageblock_nr_pages)
    fsi_free_one_page_fpi(m, p, m->pageblock_order, fsi_get_pageblock_mt(m, p), to_tail, NULL);
}

/* Largest naturally aligned order at pfn that fits below end. */
static uint32_t aligned_order(const FsiMem *m, uint64_t pfn, uint64_t end) {
  uint32_t o = 0;
  while (o < m->max_order && !(pfn & pages_of_order(o)) && pfn + pages_of_order(o + 1) <= end) o++;
  return o;
}

/* Frees [start, end) as naturally aligned blocks. */
static void free_range(FsiMem *m, uint64_t start, uint64_t end, bool to_tail) {
  while (start < end) {
    uint32_t o = aligned_order(m, start, end);
    free_pages_pb(m, start, o, to_tail);
    start += pages_of_order(o);
  }
}

static uint64_t cost_migrate_ns(FsiRun *run) { return run->cost.migrate; }

/* ---- isolated free pages ---------------------------------------------------------- */

bool fsi_isolate_free_block(FsiRun *run, uint64_t pfn, bool check_watermark) {
  FsiMem *m = &run->mem;
  if (pfn >= m->cfg.total_pages || !(m->pages[pfn].flags & FSI_PG_BUDDY)) return false;
  FsiPage *p = &m->pages[pfn];
  uint32_t order = p->order;
  uint8_t list_mt = p->mt;
  uint32_t block_mt = fsi_get_pageblock_mt(m, pfn);
  /* __isolate_free_page(): obey the watermark as if the page were being
   * allocated, emulating the high-order check with a raised order-0 mark.
   * Simplified per migrate.h's contract: CMA blocks are exempt too (6.1
   * exempts only ISOLATE; CMA pages merely count as free via ALLOC_CMA). */
  if (check_watermark && block_mt != FS_MIGRATE_ISOLATE && block_mt != FS_MIGRATE_CMA) {
    uint32_t zi = fsi_pfn_zone(m, pfn);
    const FsiZone *z = &m->zones[zi];
    uint64_t mark = z->wmark[FSI_WMARK_MIN] + pages_of_order(order);
    if (!fsi_zone_watermark_ok(m, zi, 0, mark, 0, FS_ALLOC_CMA, (int64_t)z->nr_free_pages)) return false;
  }
  /* Simplified: the kernel also retypes mergeable pageblocks to MOVABLE when
   * the block is >= pageblock_order - 1; left to the isolating policy, since
   * only it knows whether grouping by mobility is on. */
  fsi_take_free_block(m, pfn, order, list_mt);
  set_isolated(m, pfn, order, list_mt);
  return true;
}

void fsi_release_isolated(FsiRun *run, uint64_t pfn) {
  FsiMem *m = &run->mem;
  if (pfn >= m->cfg.total_pages || !(m->pages[pfn].flags & FSI_PG_ISOLATED)) return;
  FsiPage *p = &m->pages[pfn];
  uint32_t order = p->order;
  p->flags = 0;
  p->order = 0;
  /* release_freepages() -> __free_page(): an ordinary free (straight to
   * the buddy lists here: migration does not model pcp caching). */
  free_pages_pb(m, pfn, order, false);
}

/* Splits the isolated block headed at head so that [dst, dst + 2^order) is
 * carved out (its frames left 0); the other pieces stay isolated. */
static void carve_isolated(FsiMem *m, uint64_t head, uint64_t dst, uint32_t order) {
  FsiPage *hp = &m->pages[head];
  uint32_t o = hp->order;
  uint8_t list_mt = hp->mt;
  hp->flags = 0;
  hp->order = 0;
  uint64_t h = head;
  while (o > order) {
    o--;
    uint64_t half = pages_of_order(o);
    if (dst >= h + half) {
      set_isolated(m, h, o, list_mt);
      h += half;
    } else {
      set_isolated(m, h + half, o, list_mt);
    }
  }
  g_assert(h == dst);
  m->pages[dst].flags = 0;
  m->pages[dst].order = 0;
}

/* ---- migration ------------------------------------------------------------------------- */

/* Whether the allocation still owns page frames at a->pfn.  Reclaim frees
 * the frames of an evicted allocation but keeps the object, so the frames
 * are the authority on residency. */
static bool alloc_resident(const FsiRun *run, const FsiAlloc *a) {
  uint32_t id = (uint32_t)(a - run->allocs);
  if (!(a->flags & FSI_AF_LIVE) || a->pfn >= run->mem.nr_pages) return false;
  const FsiPage *p = &run->mem.pages[a->pfn];
  return (p->flags & FSI_PG_ALLOC) && (p->flags & FSI_PG_HEAD) && p->alloc == id;
}

/* PageLRU || __PageMovable: anon, file, THP and zsmalloc move; slab, page
 * tables, stacks, atomic and device memory (and contig ranges) do not. */
static bool kind_migratable(const FsiAlloc *a) {
  return fsi_alloc_is_movable(a) && !(a->flags & FSI_AF_CONTIG);
}

bool fsi_alloc_migratable(const FsiRun *run, const FsiAlloc *a) {
  return kind_migratable(a) && !(a->flags & FSI_AF_PINNED) && alloc_resident(run, a);
}

/* The allocation headed at src, or NULL if src heads none. */
static FsiAlloc *alloc_at_head(FsiRun *run, uint64_t src) {
  if (src >= run->mem.cfg.total_pages) return NULL;
  const FsiPage *p = &run->mem.pages[src];
  if (!(p->flags & FSI_PG_ALLOC) || !(p->flags & FSI_PG_HEAD) || p->alloc >= run->nallocs) return NULL;
  FsiAlloc *a = &run->allocs[p->alloc];
  return alloc_resident(run, a) && a->pfn == src ? a : NULL;
}

/* migrate_pages()' refusals, counted as the kernel counts PGMIGRATE_FAIL. */
static int check_source(FsiRun *run, FsiAlloc *a) {
  if (!a) return FS_MIGRATE_ENOTHEAD;
  int r = FS_MIGRATE_OK;
  if (a->flags & FSI_AF_PINNED) r = FS_MIGRATE_EPINNED;
  else if (!kind_migratable(a)) r = FS_MIGRATE_EUNMOVABLE;
  if (r != FS_MIGRATE_OK) run->stats.c[FSI_C_pgmigrate_fail] += pages_of_order(a->order);
  return r;
}

/* Moves allocation a to the page frames at dst (taken, flags 0): copy,
 * remap (the object keeps its id), free the old frames. */
static void move_alloc(FsiRun *run, FsiAlloc *a, uint64_t dst) {
  FsiMem *m = &run->mem;
  uint32_t id = (uint32_t)(a - run->allocs);
  uint64_t src = a->pfn;
  uint32_t order = a->order;
  fsi_mark_allocated(m, dst, order, id, a->alloc_mt);
  fsi_mark_unallocated(m, src, order, a->alloc_mt);
  a->pfn = (uint32_t)dst;
  a->zone = (uint8_t)fsi_pfn_zone(m, dst);
  /* The old page is freed with its pageblock's current type (ISOLATE inside
   * an isolated range).  Simplified: straight to the buddy lists, without
   * the pcp lists or the policies' freed hook (which would re-enter the
   * policy that is migrating). */
  free_pages_pb(m, src, order, false);
  run->stats.c[FSI_C_pgmigrate_success] += pages_of_order(order);
  run->charged_ns += pages_of_order(order) * cost_migrate_ns(run);
}

int fsi_migrate_page(FsiRun *run, uint64_t src_pfn, uint64_t dst_pfn) {
  FsiMem *m = &run->mem;
  FsiAlloc *a = alloc_at_head(run, src_pfn);
  int r = check_source(run, a);
  if (r != FS_MIGRATE_OK) return r;
  uint64_t n = pages_of_order(a->order);
  uint64_t head = dst_pfn < m->cfg.total_pages ? block_head_with(m, dst_pfn, FSI_PG_ISOLATED) : FS_PFN_NONE;
  if (head == FS_PFN_NONE || (dst_pfn & (n - 1)) || dst_pfn + n > head + pages_of_order(m->pages[head].order))
    return FS_MIGRATE_ETARGET;
  carve_isolated(m, head, dst_pfn, a->order);
  move_alloc(run, a, dst_pfn);
  return FS_MIGRATE_OK;
}

/* Highest zone the allocation's gfp allows, clamped to a populated one.
 * Simplified: the kernel's alloc_migration_target uses GFP_USER|__GFP_MOVABLE
 * plus __GFP_HIGHMEM only when the source is in ZONE_MOVABLE. */
static uint32_t target_zoneidx(const FsiRun *run, const FsiAlloc *a) {
  uint32_t hz = fsi_gfp_zone(a->gfp);
  if (hz >= run->mem.nr_zones) hz = run->mem.nr_zones ? run->mem.nr_zones - 1 : 0;
  while (hz > 0 && !fsi_zone_populated(&run->mem.zones[hz])) hz--;
  return hz;
}

int fsi_migrate_away(FsiRun *run, uint64_t src_pfn) {
  FsiMem *m = &run->mem;
  FsiAlloc *a = alloc_at_head(run, src_pfn);
  int r = check_source(run, a);
  if (r != FS_MIGRATE_OK) return r;
  uint32_t id = (uint32_t)(a - run->allocs), zone = 0;
  /* Simplified: the target comes from the free lists at the min watermark;
   * __GFP_RETRY_MAYFAIL's reclaim and compaction are not attempted. */
  uint64_t dst = fsi_alloc_migration_target(run, a->order, target_zoneidx(run, a), &zone);
  if (dst == FS_PFN_NONE) return FS_ENOMEM;
  a = &run->allocs[id]; /* the target allocation ran policy hooks */
  if (fsi_get_pageblock_mt(m, dst) == FS_MIGRATE_ISOLATE) {
    /* ISOLATE lists are never allocated from; a policy handed one out. */
    free_pages_pb(m, dst, a->order, false);
    fsi_run_failf(run, "t=%" G_GUINT64_FORMAT " ns: a migration target at pfn %" G_GUINT64_FORMAT
                       " came from an isolated pageblock",
                  run->now_ns, dst);
    return FS_ENOMEM;
  }
  move_alloc(run, a, dst);
  return FS_MIGRATE_OK;
}

/* ---- range isolation (mm/page_isolation.c) ------------------------------------------- */

typedef struct {
  uint64_t start, end;             /* the caller's range */
  uint64_t block_start, block_end; /* the pageblocks overlapping it */
  uint32_t zone;
  uint32_t nblocks;
  uint8_t *old_mt;                 /* per pageblock, restored by the undo */
} IsoRange;

/* The range must be inside the machine and its pageblocks inside one zone
 * (the kernel refuses ranges that span zones: -EINVAL, reported here as
 * -FS_EBUSY since the contract has no EINVAL). */
static bool iso_range_init(FsiRun *run, IsoRange *ir, uint64_t start_pfn, uint64_t nr_pages) {
  FsiMem *m = &run->mem;
  memset(ir, 0, sizeof *ir);
  if (!nr_pages || start_pfn >= m->cfg.total_pages || nr_pages > m->cfg.total_pages - start_pfn) return false;
  ir->start = start_pfn;
  ir->end = start_pfn + nr_pages;
  ir->block_start = start_pfn & ~(m->pageblock_nr_pages - 1);
  ir->block_end = (ir->end + m->pageblock_nr_pages - 1) & ~(m->pageblock_nr_pages - 1);
  ir->zone = fsi_pfn_zone(m, ir->block_start);
  if (ir->zone == FSI_NIL || fsi_pfn_zone(m, ir->block_end - 1) != ir->zone) return false;
  ir->nblocks = (uint32_t)((ir->block_end - ir->block_start) >> m->pageblock_order);
  ir->old_mt = g_new0(uint8_t, ir->nblocks);
  return true;
}

static void iso_range_clear(IsoRange *ir) {
  g_free(ir->old_mt);
  ir->old_mt = NULL;
}

/* has_unmovable_pages() (6.1) for one pageblock.  CMA blocks are movable to
 * a CMA caller and unmovable to anyone else.  Reserved pages always block;
 * in ZONE_MOVABLE nothing else does.  Elsewhere any in-use page that is
 * neither on an LRU nor __PageMovable blocks; free and pcp pages have no
 * references; pinned pages pass (they fail migration later).  Blocks taken
 * by another isolator hold references and are not movable: they block. */
static bool has_unmovable_pages(FsiRun *run, uint64_t block_pfn, uint32_t zone, uint32_t caller_mt) {
  FsiMem *m = &run->mem;
  if (fsi_get_pageblock_mt(m, block_pfn) == FS_MIGRATE_CMA) return caller_mt != FS_MIGRATE_CMA;
  uint64_t end = block_pfn + m->pageblock_nr_pages;
  for (uint64_t pfn = block_pfn; pfn < end;) {
    const FsiPage *p = &m->pages[pfn];
    if (p->flags & FSI_PG_RESERVED) return true;
    if (zone == FS_ZONE_MOVABLE) {
      pfn++;
      continue;
    }
    if (p->flags & (FSI_PG_BUDDY | FSI_PG_PCP)) {
      pfn += pages_of_order(p->order);
    } else if (p->flags & FSI_PG_ISOLATED) {
      return true;
    } else if (p->flags & FSI_PG_ALLOC) {
      const FsiAlloc *a = &run->allocs[p->alloc];
      if (!kind_migratable(a)) return true;
      pfn = a->pfn + pages_of_order(a->order);
    } else {
      pfn++; /* tail of a free block headed in an earlier pageblock */
    }
  }
  return false;
}

/* A free block crossing a boundary of the isolated pageblocks (only blocks
 * above pageblock_order can) is split in pageblock pieces, each freed with
 * its block's type: isolate_single_pageblock()'s split_free_page(). */
static void split_straddling(FsiMem *m, uint64_t pfn, uint64_t lo, uint64_t hi) {
  uint64_t head = block_head_with(m, pfn, FSI_PG_BUDDY);
  if (head == FS_PFN_NONE) return;
  uint32_t order = m->pages[head].order;
  if (head >= lo && head + pages_of_order(order) <= hi) return;
  fsi_take_free_block(m, head, order, m->pages[head].mt);
  free_pages_pb(m, head, order, false);
}

/* start_isolate_page_range(): every pageblock overlapping the range must be
 * isolatable, or nothing is isolated.  Then: type ISOLATE, free pages to the
 * ISOLATE lists (out of NR_FREE_PAGES), pcp lists drained. */
static int isolate_range(FsiRun *run, IsoRange *ir, uint32_t caller_mt) {
  FsiMem *m = &run->mem;
  for (uint32_t i = 0; i < ir->nblocks; i++) {
    uint64_t pfn = ir->block_start + ((uint64_t)i << m->pageblock_order);
    uint32_t mt = fsi_get_pageblock_mt(m, pfn);
    if (mt == FS_MIGRATE_ISOLATE || has_unmovable_pages(run, pfn, ir->zone, caller_mt)) return -FS_EBUSY;
    ir->old_mt[i] = (uint8_t)mt;
  }
  for (uint32_t i = 0; i < ir->nblocks; i++)
    fsi_set_pageblock_mt(m, ir->block_start + ((uint64_t)i << m->pageblock_order), FS_MIGRATE_ISOLATE);
  split_straddling(m, ir->block_start, ir->block_start, ir->block_end);
  split_straddling(m, ir->block_end - 1, ir->block_start, ir->block_end);
  for (uint32_t i = 0; i < ir->nblocks; i++)
    fsi_move_freepages_block(m, ir->block_start + ((uint64_t)i << m->pageblock_order), FS_MIGRATE_ISOLATE, NULL, NULL);
  fsi_pcp_drain_zone(run, ir->zone);
  return 0;
}

/* undo_isolate_page_range(): each pageblock gets its remembered type back
 * (6.1 sets the caller's migratetype instead; remembering keeps a stack's
 * own typing, e.g. nogroup's all-UNMOVABLE, intact), and every free block
 * on an ISOLATE list in it is taken off and freed again, to the tail as
 * __putback_isolated_page() does, so it merges with its neighbours. */
static void undo_isolate_range(FsiRun *run, IsoRange *ir) {
  FsiMem *m = &run->mem;
  for (uint32_t i = 0; i < ir->nblocks; i++)
    fsi_set_pageblock_mt(m, ir->block_start + ((uint64_t)i << m->pageblock_order), ir->old_mt[i]);
  uint64_t pfn = ir->block_start;
  uint64_t first = block_head_with(m, pfn, FSI_PG_BUDDY);
  if (first != FS_PFN_NONE) pfn = first;
  while (pfn < ir->block_end) {
    FsiPage *p = &m->pages[pfn];
    if (p->flags & FSI_PG_BUDDY) {
      uint32_t order = p->order;
      if (p->mt == FS_MIGRATE_ISOLATE) {
        fsi_take_free_block(m, pfn, order, FS_MIGRATE_ISOLATE);
        free_pages_pb(m, pfn, order, true);
      }
      pfn += pages_of_order(order);
    } else if (p->flags & FSI_PG_ALLOC) {
      const FsiAlloc *a = &run->allocs[p->alloc];
      pfn = a->pfn + pages_of_order(a->order);
    } else if (p->flags & (FSI_PG_PCP | FSI_PG_ISOLATED)) {
      pfn += pages_of_order(p->order);
    } else {
      pfn++;
    }
  }
}

/* test_pages_isolated(): every pfn of [start, end) is in a free block on an
 * ISOLATE list (the first may start before `start`: outer_start). */
static bool test_pages_isolated(FsiRun *run, uint64_t start, uint64_t end) {
  FsiMem *m = &run->mem;
  for (uint64_t pfn = start; pfn < end;) {
    uint64_t head = block_head_with(m, pfn, FSI_PG_BUDDY);
    if (head == FS_PFN_NONE || m->pages[head].mt != FS_MIGRATE_ISOLATE) return false;
    pfn = head + pages_of_order(m->pages[head].order);
  }
  return true;
}

/* isolate_freepages_range() (strict) and the trim of alloc_contig_range:
 * the free blocks covering [start, end) leave the lists; the parts outside
 * the range are freed again.  The range's frames are left 0. */
static void take_range(FsiRun *run, uint64_t start, uint64_t end) {
  FsiMem *m = &run->mem;
  for (uint64_t pfn = start; pfn < end;) {
    uint64_t head = block_head_with(m, pfn, FSI_PG_BUDDY);
    g_assert(head != FS_PFN_NONE);
    uint32_t order = m->pages[head].order;
    uint64_t block_end = head + pages_of_order(order);
    fsi_take_free_block(m, head, order, m->pages[head].mt);
    if (head < start) free_range(m, head, start, false);
    if (block_end > end) free_range(m, end, block_end, false);
    pfn = block_end;
  }
}

/* ---- alloc_contig_range ----------------------------------------------------------------- */

/* __alloc_contig_migrate_range(): clusters of up to 32 pages' worth of
 * migratable allocations overlapping [start, end) are migrated away; a
 * cluster whose pages keep failing is retried, and the fifth try gives up
 * with -EBUSY.  Non-migratable kinds are not isolated at all (they fail in
 * test_pages_isolated).  Simplified: pinned anon pages are tried (and
 * counted in pgmigrate_fail) rather than skipped by the kernel's racy
 * refcount pre-check, and clean page cache is migrated, not reclaimed
 * (reclaim_clean_pages_from_list). */
static int contig_migrate_range(FsiRun *run, uint64_t start, uint64_t end) {
  FsiMem *m = &run->mem;
  uint64_t pfn = start;
  GArray *cluster = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  int ret = 0;
  while (pfn < end && !run->stop) {
    g_array_set_size(cluster, 0);
    uint64_t npages = 0;
    while (pfn < end && npages < CONTIG_CLUSTER_PAGES) {
      const FsiPage *p = &m->pages[pfn];
      if (p->flags & FSI_PG_ALLOC) {
        FsiAlloc *a = &run->allocs[p->alloc];
        if (kind_migratable(a)) {
          uint64_t head = a->pfn;
          g_array_append_val(cluster, head);
          npages += pages_of_order(a->order);
        }
        pfn = a->pfn + pages_of_order(a->order);
      } else if (p->flags & (FSI_PG_BUDDY | FSI_PG_PCP | FSI_PG_ISOLATED)) {
        pfn += pages_of_order(p->order);
      } else {
        pfn++;
      }
    }
    for (int tries = 0; cluster->len; tries++) {
      if (tries == MIGRATE_TRIES) {
        ret = -FS_EBUSY;
        goto out;
      }
      for (guint i = 0; i < cluster->len;) {
        int r = fsi_migrate_away(run, g_array_index(cluster, uint64_t, i));
        if (r == FS_ENOMEM) {
          ret = -FS_ENOMEM;
          goto out;
        }
        if (r == FS_MIGRATE_OK) g_array_remove_index(cluster, i);
        else i++;
      }
    }
  }
out:
  g_array_free(cluster, TRUE);
  return ret;
}

/* The range becomes allocation objects of kind DEVICE, one per naturally
 * aligned power-of-two chunk (so page frames stay uniform), chained through
 * lru_next/lru_prev (never on an LRU); the first chunk's id is the handle. */
static FsiHandle make_contig_objects(FsiRun *run, uint64_t start, uint64_t end, uint32_t zone, uint32_t task,
                                     uint32_t list_mt) {
  FsiMem *m = &run->mem;
  FsiHandle handle = FSI_HANDLE_NONE;
  uint32_t prev = FSI_NIL;
  for (uint64_t pfn = start; pfn < end;) {
    uint32_t order = aligned_order(m, pfn, end);
    uint32_t id = fsi_alloc_id_get(run);
    FsiAlloc *a = &run->allocs[id];
    a->pfn = (uint32_t)pfn;
    if (!a->gen) a->gen = 1;
    a->gfp = fsi_kind_gfp(FS_KIND_DEVICE);
    a->task = task;
    a->order = (uint8_t)order;
    a->kind = FS_KIND_DEVICE;
    a->flags = FSI_AF_LIVE | FSI_AF_RESIDENT | FSI_AF_CONTIG;
    a->zone = (uint8_t)zone;
    /* split_map_pages() runs post_alloc_hook with __GFP_MOVABLE, so
     * page_owner (and our census) sees contig pages as MOVABLE. */
    a->alloc_mt = FS_MIGRATE_MOVABLE;
    a->list_mt = (uint8_t)list_mt;
    a->lru = FSI_LRU_NONE;
    a->lru_next = FSI_NIL;
    a->lru_prev = prev;
    if (prev != FSI_NIL) run->allocs[prev].lru_next = id;
    else handle = ((uint64_t)a->gen << 32) | id;
    fsi_mark_allocated(m, pfn, order, id, a->alloc_mt);
    run->live_allocs++;
    prev = id;
    pfn += pages_of_order(order);
  }
  return handle;
}

int fsi_alloc_contig_range(FsiRun *run, uint64_t start_pfn, uint64_t nr_pages, uint32_t mt, uint32_t task,
                           FsiHandle *ret_handle) {
  IsoRange ir;
  memset(&ir, 0, sizeof ir);
  int ret = -FS_EBUSY;
  if (mt >= FS_MIGRATE_TYPES || !iso_range_init(run, &ir, start_pfn, nr_pages)) goto fail;
  ret = isolate_range(run, &ir, mt);
  if (ret) goto fail;
  ret = contig_migrate_range(run, ir.start, ir.end);
  if (ret == -FS_ENOMEM) goto undo;
  /* -EBUSY from migration is re-checked here, as the kernel does. */
  ret = test_pages_isolated(run, ir.start, ir.end) ? 0 : -FS_EBUSY;
  if (ret) goto undo;
  take_range(run, ir.start, ir.end);
  FsiHandle h = make_contig_objects(run, ir.start, ir.end, ir.zone, task, mt);
  undo_isolate_range(run, &ir);
  iso_range_clear(&ir);
  run->stats.c[FSI_C_fs_contig_success]++;
  if (ret_handle) *ret_handle = h;
  return 0;
undo:
  undo_isolate_range(run, &ir);
fail:
  iso_range_clear(&ir);
  run->stats.c[FSI_C_fs_contig_fail]++;
  return ret;
}

/* free_contig_range(): every chunk back to the buddy allocator with its
 * pageblock's type.  Simplified: chunk by chunk, not page by page through
 * the pcp lists. */
void fsi_free_contig_range(FsiRun *run, FsiHandle h) {
  FsiAlloc *a = fsi_run_lookup(run, h);
  if (!a || !(a->flags & FSI_AF_CONTIG)) return;
  uint32_t id = (uint32_t)(a - run->allocs);
  while (run->allocs[id].lru_prev != FSI_NIL) id = run->allocs[id].lru_prev; /* any chunk frees the range */
  while (id != FSI_NIL) {
    a = &run->allocs[id];
    uint32_t next = a->lru_next;
    fsi_mark_unallocated(&run->mem, a->pfn, a->order, a->alloc_mt);
    free_pages_pb(&run->mem, a->pfn, a->order, false);
    a->lru_next = a->lru_prev = FSI_NIL;
    fsi_alloc_id_put(run, id);
    run->live_allocs--;
    id = next;
  }
}

/* ---- memory hotplug (mm/memory_hotplug.c) ------------------------------------------------ */

/* Offline/online work on whole pageblocks.  Simplified: the kernel's unit is
 * a memory block (a 128 MiB section on x86-64); the zone's span is not
 * shrunk. */
static bool hotplug_range_ok(FsiRun *run, uint64_t start_pfn, uint64_t nr_pages) {
  FsiMem *m = &run->mem;
  uint64_t mask = m->pageblock_nr_pages - 1;
  if (!nr_pages || (start_pfn & mask) || (nr_pages & mask) || start_pfn >= m->cfg.total_pages ||
      nr_pages > m->cfg.total_pages - start_pfn)
    return false;
  uint32_t z = fsi_pfn_zone(m, start_pfn);
  return z != FSI_NIL && fsi_pfn_zone(m, start_pfn + nr_pages - 1) == z;
}

/* do_migrate_range() over the whole range: every migratable allocation is
 * tried (pinned ones fail, and so do all when targets run out).  Returns
 * pages migrated. */
static uint64_t offline_migrate_round(FsiRun *run, uint64_t start, uint64_t end) {
  FsiMem *m = &run->mem;
  uint64_t moved = 0;
  for (uint64_t pfn = start; pfn < end && !run->stop;) {
    const FsiPage *p = &m->pages[pfn];
    if (p->flags & FSI_PG_ALLOC) {
      FsiAlloc *a = &run->allocs[p->alloc];
      uint64_t next = a->pfn + pages_of_order(a->order);
      /* scan_movable_pages() only offers LRU and movable-ops pages */
      if (kind_migratable(a) && fsi_migrate_away(run, a->pfn) == FS_MIGRATE_OK) moved += pages_of_order(a->order);
      pfn = next;
    } else if (p->flags & (FSI_PG_BUDDY | FSI_PG_PCP | FSI_PG_ISOLATED)) {
      pfn += pages_of_order(p->order);
    } else {
      pfn++;
    }
  }
  return moved;
}

int fsi_offline_pages(FsiRun *run, uint64_t start_pfn, uint64_t nr_pages) {
  FsiMem *m = &run->mem;
  IsoRange ir;
  memset(&ir, 0, sizeof ir);
  if (!hotplug_range_ok(run, start_pfn, nr_pages) || !iso_range_init(run, &ir, start_pfn, nr_pages)) goto fail;
  /* has_unmovable_pages() as for a MOVABLE caller (CMA blocks refuse). */
  if (isolate_range(run, &ir, FS_MIGRATE_MOVABLE)) goto fail;
  /* The kernel retries until a signal; a round that moves nothing cannot
   * be followed by one that does here (nothing else runs meanwhile), so
   * five such rounds end it with -EBUSY. */
  for (int idle = 0; !test_pages_isolated(run, ir.start, ir.end);) {
    if (run->stop || idle == MIGRATE_TRIES) {
      undo_isolate_range(run, &ir);
      goto fail;
    }
    if (offline_migrate_round(run, ir.start, ir.end)) idle = 0;
    else idle++;
    fsi_pcp_drain_zone(run, ir.zone);
  }
  /* Retire the pages: off the lists, reserved (and marked offline, so only
   * they can be onlined again), out of present and managed. */
  take_range(run, ir.start, ir.end);
  for (uint64_t pfn = ir.start; pfn < ir.end; pfn++) {
    FsiPage *p = &m->pages[pfn];
    memset(p, 0, sizeof *p);
    p->flags = FSI_PG_RESERVED | FSI_PG_OFFLINE;
    p->alloc = FSI_NIL;
    p->next = p->prev = FSI_NIL;
    fsi_pageblock(m, pfn)->nr_reserved++;
  }
  FsiZone *z = &m->zones[ir.zone];
  z->present_pages -= nr_pages;
  z->managed_pages -= nr_pages;
  /* Simplified: the kernel leaves offline pageblocks ISOLATE and onlines
   * them as MOVABLE; they keep their old type here, so onlining restores a
   * stack's own typing. */
  undo_isolate_range(run, &ir);
  iso_range_clear(&ir);
  /* init_per_zone_wmark_min(): min_free_kbytes, watermarks, lowmem_reserve */
  fsi_mem_setup_watermarks(m);
  run->stats.c[FSI_C_fs_offline_success]++;
  return 0;
fail:
  iso_range_clear(&ir);
  run->stats.c[FSI_C_fs_offline_fail]++;
  return -FS_EBUSY;
}

int fsi_online_pages(FsiRun *run, uint64_t start_pfn, uint64_t nr_pages) {
  FsiMem *m = &run->mem;
  if (!hotplug_range_ok(run, start_pfn, nr_pages)) return -FS_EBUSY;
  uint64_t end = start_pfn + nr_pages;
  for (uint64_t pfn = start_pfn; pfn < end; pfn++)
    if ((m->pages[pfn].flags & (FSI_PG_RESERVED | FSI_PG_OFFLINE)) != (FSI_PG_RESERVED | FSI_PG_OFFLINE))
      return -FS_EBUSY;
  for (uint64_t pfn = start_pfn; pfn < end; pfn++) {
    m->pages[pfn].flags = 0;
    fsi_pageblock(m, pfn)->nr_reserved--;
  }
  FsiZone *z = &m->zones[fsi_pfn_zone(m, start_pfn)];
  z->present_pages += nr_pages;
  z->managed_pages += nr_pages;
  /* online_pages_range() -> __free_pages_core(): FPI_TO_TAIL */
  free_range(m, start_pfn, end, true);
  fsi_mem_setup_watermarks(m);
  return 0;
}
