/* Isolated free pages and page migration: __isolate_free_page and its
 * release, and migrate_pages() for one allocation, as in mm/page_alloc.c
 * and mm/migrate.c of v6.1 (reference §6.4, §7.5-7.6).  See migrate.h for
 * what this module owns.  Range isolation and alloc_contig_range are in
 * page_isolation.c, offlining in memory_hotplug.c.
 *
 * Page frames of an isolated free block: the head carries FSI_PG_ISOLATED and
 * the block's order (mt remembers the list it came from), tails are 0.  The
 * block is on no list and outside NR_FREE_PAGES.  An allocation moved here
 * keeps its id and generation, so the owner's handle follows it (rmap).
 *
 * Everything is synchronous and deterministic: no randomness, no clock.
 */
#include "engine/mm/migrate.h"

#include <string.h>

#include "engine/mm/internal.h"
#include "engine/mm/pcp.h"
#include "engine/mm/vmscan.h"

/* ---- page-frame helpers ---------------------------------------------------------- */


/* Head of the block with `flag` (BUDDY or ISOLATED) containing pfn, or
 * FS_PFN_NONE.  Blocks are naturally aligned, so the head is pfn rounded
 * down to some order. */
uint64_t fsi_block_head_with(const FsiMem *m, uint64_t pfn, uint8_t flag) {
  if (pfn >= m->nr_pages) return FS_PFN_NONE;
  for (uint32_t o = 0; o <= m->max_order; o++) {
    uint64_t head = pfn & ~(fsi_pages_of_order(o) - 1);
    const FsiPage *hp = &m->pages[head];
    if ((hp->flags & flag) && pfn < head + fsi_pages_of_order(hp->order)) return head;
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
  fsi_touch(m, pfn, fsi_pages_of_order(order));
}

/* Frees [pfn, pfn + 2^order) to the buddy allocator with the pageblock's
 * migratetype.  A block larger than a pageblock goes in pageblock pieces,
 * each with its own block's type ([2025] split_large_buddy; 6.1 frees it
 * whole with the first block's type), so a block never lands on a list
 * that is wrong for part of it; the pieces re-merge where types allow. */
void fsi_free_pages_pb(FsiMem *m, uint64_t pfn, uint32_t order, bool to_tail) {
  if (order <= m->pageblock_order) {
    fsi_free_one_page_fpi(m, pfn, order, fsi_get_pageblock_mt(m, pfn), to_tail, NULL);
    return;
  }
  for (uint64_t p = pfn; p < pfn + fsi_pages_of_order(order); p += m->pageblock_nr_pages)
    fsi_free_one_page_fpi(m, p, m->pageblock_order, fsi_get_pageblock_mt(m, p), to_tail, NULL);
}

/* Largest naturally aligned order at pfn that fits below end. */
uint32_t fsi_aligned_order(const FsiMem *m, uint64_t pfn, uint64_t end) {
  uint32_t o = 0;
  while (o < m->max_order && !(pfn & fsi_pages_of_order(o)) && pfn + fsi_pages_of_order(o + 1) <= end) o++;
  return o;
}

/* Frees [start, end) as naturally aligned blocks. */
void fsi_free_range(FsiMem *m, uint64_t start, uint64_t end, bool to_tail) {
  while (start < end) {
    uint32_t o = fsi_aligned_order(m, start, end);
    fsi_free_pages_pb(m, start, o, to_tail);
    start += fsi_pages_of_order(o);
  }
}

/* NR_MAX_MIGRATE_PAGES_RETRY: migrate_pages() passes over its list while
 * some folio fails with -EAGAIN. */
#define MIGRATE_RETRY_PASSES 10

/* The cost of moving allocation a, in the parts migrate_pages() pays per
 * folio (§7.5): the unmap (folio lock, try_to_migrate's rmap walk, PTEs to
 * migration entries, TLB flush) and the remap (remove_migration_ptes, the
 * source freed) once per folio, the copy once per base page.  Simplified: a
 * PTE-mapped large folio's unmap is charged as one walk, not per PTE; an
 * unmapped page cache page pays the walks too. */
static uint64_t cost_move_ns(const FsiRun *run, const FsiAlloc *a) {
  return run->cost.migrate_unmap + fsi_pages_of_order(a->order) * run->cost.migrate + run->cost.migrate_remap;
}

/* An attempt that fails after the unmap (move_to_new_folio refused):
 * unmapped and mapped back, nothing copied. */
static uint64_t cost_failed_attempt_ns(const FsiRun *run) { return run->cost.migrate_unmap + run->cost.migrate_remap; }

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
    uint64_t mark = z->wmark[FSI_WMARK_MIN] + fsi_pages_of_order(order);
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
  fsi_touch(m, pfn, fsi_pages_of_order(order));
  /* release_freepages() -> __free_page(): an ordinary free (straight to
   * the buddy lists here: migration does not model pcp caching). */
  fsi_free_pages_pb(m, pfn, order, false);
}

/* Splits the isolated block headed at head so that [dst, dst + 2^order) is
 * carved out (its frames left 0); the other pieces stay isolated. */
static void carve_isolated(FsiMem *m, uint64_t head, uint64_t dst, uint32_t order) {
  FsiPage *hp = &m->pages[head];
  uint32_t o = hp->order;
  uint8_t list_mt = hp->mt;
  fsi_touch(m, head, fsi_pages_of_order(o));
  hp->flags = 0;
  hp->order = 0;
  uint64_t h = head;
  while (o > order) {
    o--;
    uint64_t half = fsi_pages_of_order(o);
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

/* What range migration (alloc_contig_range, memory offline) can move:
 * PageLRU || __PageMovable (anon, file, shmem, THP, zsmalloc), and hugetlb
 * pool pages (isolate_or_dissolve_huge_page, do_migrate_range); slab, page
 * tables, stacks, atomic, pipe, module and device memory (and contig
 * ranges) do not.  Ordinary compaction moves less: see fsi_migrate_page. */
bool fsi_kind_migratable(const FsiAlloc *a) {
  return (fsi_alloc_is_movable(a) || a->kind == FS_KIND_HUGETLB) && !(a->flags & FSI_AF_CONTIG);
}

bool fsi_alloc_migratable(const FsiRun *run, const FsiAlloc *a) {
  return fsi_kind_migratable(a) && !(a->flags & FSI_AF_PINNED) && alloc_resident(run, a);
}

/* The allocation headed at src, or NULL if src heads none. */
static FsiAlloc *alloc_at_head(FsiRun *run, uint64_t src) {
  if (src >= run->mem.cfg.total_pages) return NULL;
  const FsiPage *p = &run->mem.pages[src];
  if (!(p->flags & FSI_PG_ALLOC) || !(p->flags & FSI_PG_HEAD) || p->alloc >= run->nallocs) return NULL;
  FsiAlloc *a = &run->allocs[p->alloc];
  return alloc_resident(run, a) && a->pfn == src ? a : NULL;
}

/* The page has a mapping (page_mapping() != NULL): page cache and shmem.
 * Simplified: anonymous pages in the swap cache (which have one) count as
 * without. */
static bool has_mapping(const FsiAlloc *a) { return a->kind == FS_KIND_FILE || a->kind == FS_KIND_SHMEM; }

/* migrate_pages()' refusals, counted as the kernel counts PGMIGRATE_FAIL:
 * once per folio however many passes it failed.  A pinned page fails with
 * -EAGAIN (folio_migrate_mapping()'s reference count test, after the
 * unmap), which migrate_pages() retries on each of its 10 passes; nothing in
 * the model changes between passes (a migration runs at one instant), so
 * every pass fails and each pays the unmap and the remap.  Only pages with
 * a mapping (page cache, shmem) get that far in the kernel: a pinned anon
 * page is refused at isolation (fsi_isolate_migratable), so one that
 * arrives here (alloc_contig_range's simplification, page_isolation.c)
 * is refused without a charge.  A kind without migration support never gets
 * that far either (not isolated). */
static int check_source(FsiRun *run, FsiAlloc *a) {
  if (!a) return FS_MIGRATE_ENOTHEAD;
  int r = FS_MIGRATE_OK;
  if (!fsi_kind_migratable(a)) {
    r = FS_MIGRATE_EUNMOVABLE;
  } else if (a->flags & FSI_AF_PINNED) {
    r = FS_MIGRATE_EPINNED;
    if (has_mapping(a)) run->charged_ns += MIGRATE_RETRY_PASSES * cost_failed_attempt_ns(run);
  }
  if (r != FS_MIGRATE_OK) run->stats.c[FSI_C_pgmigrate_fail] += fsi_pages_of_order(a->order);
  return r;
}

int fsi_isolate_migratable(FsiRun *run, uint64_t pfn, uint32_t mode) {
  FsiAlloc *a = alloc_at_head(run, pfn);
  if (!a) return FS_MIGRATE_ENOTHEAD;
  /* PageCompound && !cc->alloc_contig: 6.1 skips THP, hugetlb and every
   * other compound page whatever its kind; with large folios (~6.9+) only
   * hugetlb stays out */
  if (a->order > 0 && !run->compact_large_folios) return FS_MIGRATE_ECOMPOUND;
  if (!fsi_kind_migratable(a) || a->kind == FS_KIND_HUGETLB) return FS_MIGRATE_EUNMOVABLE;
  /* the racy early test: an anonymous page with more references than
   * mappings is pinned and would fail, so it is not isolated */
  if ((a->flags & FSI_AF_PINNED) && !has_mapping(a)) return FS_MIGRATE_EPINNED;
  if (mode == FS_MIGRATE_MODE_ASYNC) {
    /* ISOLATE_ASYNC_MIGRATE: only what migrates without blocking */
    if (a->flags2 & FSI_AF2_WRITEBACK) return FS_MIGRATE_EWRITEBACK;
    if ((a->flags & FSI_AF_DIRTY) && a->kind == FS_KIND_FILE && !run->file_migrate_folio) return FS_MIGRATE_EDIRTY;
  }
  run->charged_ns += fsi_pages_of_order(a->order) * run->cost.isolate_page;
  return FS_MIGRATE_OK;
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
  fsi_lru_zone_changed(run, id, fsi_pfn_zone(m, dst));
  /* The old page is freed with its pageblock's current type (ISOLATE inside
   * an isolated range).  put_page() -> free_unref_page(): orders the pcp
   * lists cache go to the migrating task's CPU's list (vm.migrate_free_pcp;
   * ISOLATE blocks bypass them) and reach the buddy lists, where they can
   * merge and be captured, when the lists overflow or compaction drains
   * them; the rest straight to the buddy lists, without the policies'
   * freed hook (which would re-enter the policy that is migrating). */
  if (!fsi_pcp_free_migrated(run, src, order)) fsi_free_pages_pb(m, src, order, false);
  run->stats.c[FSI_C_pgmigrate_success] += fsi_pages_of_order(order);
  run->charged_ns += cost_move_ns(run, a);
}

int fsi_migrate_page(FsiRun *run, uint64_t src_pfn, uint64_t dst_pfn) {
  FsiMem *m = &run->mem;
  FsiAlloc *a = alloc_at_head(run, src_pfn);
  /* the policies' way in (compaction): isolate_migratepages_block() without
   * cc->alloc_contig skips hugetlb pages */
  if (a && a->kind == FS_KIND_HUGETLB) {
    run->stats.c[FSI_C_pgmigrate_fail] += fsi_pages_of_order(a->order);
    return FS_MIGRATE_EUNMOVABLE;
  }
  int r = check_source(run, a);
  if (r != FS_MIGRATE_OK) return r;
  /* __unmap_and_move(): only MIGRATE_SYNC waits for writeback; compaction
   * migrates async or sync-light, so a page under writeback stays put.
   * Range migration (MIGRATE_SYNC) waits, which is not modelled: it moves
   * the page at once. */
  if (a->flags2 & FSI_AF2_WRITEBACK) {
    /* -EBUSY, a permanent failure: no retry, and found before the unmap */
    run->stats.c[FSI_C_pgmigrate_fail] += fsi_pages_of_order(a->order);
    return FS_MIGRATE_EWRITEBACK;
  }
  /* A dirty page cache page whose mapping has no migrate_folio goes to
   * fallback_migrate_folio(), which writes it out only in MIGRATE_SYNC:
   * compaction's modes get -EBUSY after the unmap, once.  (MIGRATE_SYNC's
   * writeout is not modelled: compact_memory fails the same way.) */
  if ((a->flags & FSI_AF_DIRTY) && a->kind == FS_KIND_FILE && !run->file_migrate_folio) {
    run->stats.c[FSI_C_pgmigrate_fail] += fsi_pages_of_order(a->order);
    run->charged_ns += cost_failed_attempt_ns(run);
    return FS_MIGRATE_EDIRTY;
  }
  uint64_t n = fsi_pages_of_order(a->order);
  uint64_t head = dst_pfn < m->cfg.total_pages ? fsi_block_head_with(m, dst_pfn, FSI_PG_ISOLATED) : FS_PFN_NONE;
  if (head == FS_PFN_NONE || (dst_pfn & (n - 1)) || dst_pfn + n > head + fsi_pages_of_order(m->pages[head].order))
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
  /* The source is isolated while its target is found: the target
   * allocation may reclaim (__GFP_RETRY_MAYFAIL; compaction is not
   * attempted), and reclaim, lumpy reclaim's neighbours included, must not
   * free the page being migrated.  A caller that isolated a whole cluster
   * (alloc_contig_range) keeps the flag; otherwise it is cleared here. */
  bool was_isolated = a->flags2 & FSI_AF2_ISOLATED;
  a->flags2 |= FSI_AF2_ISOLATED;
  uint64_t dst = fsi_alloc_migration_target(run, a->order, target_zoneidx(run, a), &zone);
  a = &run->allocs[id]; /* the target allocation ran policy hooks (and the table may have moved) */
  if (!was_isolated || dst != FS_PFN_NONE) a->flags2 &= (uint8_t)~FSI_AF2_ISOLATED;
  if (dst == FS_PFN_NONE) return FS_ENOMEM;
  if (fsi_get_pageblock_mt(m, dst) == FS_MIGRATE_ISOLATE) {
    /* ISOLATE lists are never allocated from; a policy handed one out. */
    fsi_free_pages_pb(m, dst, a->order, false);
    fsi_run_failf(run, "t=%" G_GUINT64_FORMAT " ns: a migration target at pfn %" G_GUINT64_FORMAT
                       " came from an isolated pageblock",
                  run->now_ns, dst);
    return FS_ENOMEM;
  }
  move_alloc(run, a, dst);
  return FS_MIGRATE_OK;
}
