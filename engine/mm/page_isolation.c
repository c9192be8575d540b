/* Range isolation and contiguous allocations (mm/page_isolation.c and
 * alloc_contig_range() of mm/page_alloc.c, v6.1; reference §5.5, §6.5).
 *
 * Range operations (contig, offline) isolate whole pageblocks: the type
 * becomes ISOLATE and the free pages move to ISOLATE lists, where neither
 * the allocator nor migration targets can reach them; pages freed inside
 * meanwhile land there too.  The undo restores each pageblock's remembered
 * type and re-frees its free pages so they merge with their neighbours.
 *
 * Everything is synchronous and deterministic: no randomness, no clock.
 * alloc_contig_range charges its work to run->charged_ns (the requester's
 * latency): a fixed part per call (the pageblock walk and moves both ways,
 * drain_all_pages, lru_cache_disable, the range walks) and, per page taken
 * for migration, cost.isolate_page_ns (migrate.c adds cost.migrate_ns per
 * page moved).  Memory offline pays nothing here (it is not a request).
 */
#include "engine/mm/page_isolation.h"

#include <string.h>

#include "engine/mm/internal.h"
#include "engine/mm/migrate.h"
#include "engine/mm/pcp.h"

/* COMPACT_CLUSTER_MAX: isolate_migratepages_range takes this many pages per round. */
#define CONTIG_CLUSTER_PAGES 32

/* ---- range isolation (mm/page_isolation.c) ------------------------------------------- */


/* The range must be inside the machine and its pageblocks inside one zone
 * (the kernel refuses ranges that span zones: -EINVAL, reported here as
 * -FS_EBUSY since the contract has no EINVAL). */
bool fsi_iso_range_init(FsiRun *run, FsiIsoRange *ir, uint64_t start_pfn, uint64_t nr_pages) {
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

void fsi_iso_range_clear(FsiIsoRange *ir) {
  g_free(ir->old_mt);
  ir->old_mt = NULL;
}

/* fsi_has_unmovable_pages() (6.1) for one pageblock.  CMA blocks are movable to
 * a CMA caller and unmovable to anyone else.  Reserved pages always block;
 * in ZONE_MOVABLE nothing else does.  Elsewhere any in-use page that is
 * neither on an LRU nor __PageMovable blocks; free and pcp pages have no
 * references; pinned pages pass (they fail migration later).  Blocks taken
 * by another isolator hold references and are not movable: they block. */
bool fsi_has_unmovable_pages(FsiRun *run, uint64_t block_pfn, uint32_t zone, uint32_t caller_mt) {
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
      pfn += fsi_pages_of_order(p->order);
    } else if (p->flags & FSI_PG_ISOLATED) {
      return true;
    } else if (p->flags & FSI_PG_ALLOC) {
      const FsiAlloc *a = &run->allocs[p->alloc];
      if (!fsi_kind_migratable(a)) return true;
      pfn = a->pfn + fsi_pages_of_order(a->order);
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
  uint64_t head = fsi_block_head_with(m, pfn, FSI_PG_BUDDY);
  if (head == FS_PFN_NONE) return;
  uint32_t order = m->pages[head].order;
  if (head >= lo && head + fsi_pages_of_order(order) <= hi) return;
  fsi_take_free_block(m, head, order, m->pages[head].mt);
  fsi_free_pages_pb(m, head, order, false);
}

/* start_isolate_page_range(): every pageblock overlapping the range must be
 * isolatable, or nothing is isolated.  Then: type ISOLATE, free pages to the
 * ISOLATE lists (out of NR_FREE_PAGES), pcp lists drained. */
int fsi_isolate_range(FsiRun *run, FsiIsoRange *ir, uint32_t caller_mt) {
  FsiMem *m = &run->mem;
  for (uint32_t i = 0; i < ir->nblocks; i++) {
    uint64_t pfn = ir->block_start + ((uint64_t)i << m->pageblock_order);
    uint32_t mt = fsi_get_pageblock_mt(m, pfn);
    if (mt == FS_MIGRATE_ISOLATE || fsi_has_unmovable_pages(run, pfn, ir->zone, caller_mt)) return -FS_EBUSY;
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
void fsi_undo_isolate_range(FsiRun *run, FsiIsoRange *ir) {
  FsiMem *m = &run->mem;
  for (uint32_t i = 0; i < ir->nblocks; i++)
    fsi_set_pageblock_mt(m, ir->block_start + ((uint64_t)i << m->pageblock_order), ir->old_mt[i]);
  uint64_t pfn = ir->block_start;
  uint64_t first = fsi_block_head_with(m, pfn, FSI_PG_BUDDY);
  if (first != FS_PFN_NONE) pfn = first;
  while (pfn < ir->block_end) {
    FsiPage *p = &m->pages[pfn];
    if (p->flags & FSI_PG_BUDDY) {
      uint32_t order = p->order;
      if (p->mt == FS_MIGRATE_ISOLATE) {
        fsi_take_free_block(m, pfn, order, FS_MIGRATE_ISOLATE);
        fsi_free_pages_pb(m, pfn, order, true);
      }
      pfn += fsi_pages_of_order(order);
    } else if (p->flags & FSI_PG_ALLOC) {
      const FsiAlloc *a = &run->allocs[p->alloc];
      pfn = a->pfn + fsi_pages_of_order(a->order);
    } else if (p->flags & (FSI_PG_PCP | FSI_PG_ISOLATED)) {
      pfn += fsi_pages_of_order(p->order);
    } else {
      pfn++;
    }
  }
}

/* fsi_test_pages_isolated(): every pfn of [start, end) is in a free block on an
 * ISOLATE list (the first may start before `start`: outer_start). */
bool fsi_test_pages_isolated(FsiRun *run, uint64_t start, uint64_t end) {
  FsiMem *m = &run->mem;
  for (uint64_t pfn = start; pfn < end;) {
    uint64_t head = fsi_block_head_with(m, pfn, FSI_PG_BUDDY);
    if (head == FS_PFN_NONE || m->pages[head].mt != FS_MIGRATE_ISOLATE) return false;
    pfn = head + fsi_pages_of_order(m->pages[head].order);
  }
  return true;
}

/* isolate_freepages_range() (strict) and the trim of alloc_contig_range:
 * the free blocks covering [start, end) leave the lists; the parts outside
 * the range are freed again.  The range's frames are left 0. */
void fsi_take_range(FsiRun *run, uint64_t start, uint64_t end) {
  FsiMem *m = &run->mem;
  for (uint64_t pfn = start; pfn < end;) {
    uint64_t head = fsi_block_head_with(m, pfn, FSI_PG_BUDDY);
    g_assert(head != FS_PFN_NONE);
    uint32_t order = m->pages[head].order;
    uint64_t block_end = head + fsi_pages_of_order(order);
    fsi_take_free_block(m, head, order, m->pages[head].mt);
    if (head < start) fsi_free_range(m, head, start, false);
    if (block_end > end) fsi_free_range(m, end, block_end, false);
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
  /* lru_cache_disable() (5.13+; lru_add_drain_all() before): an expedited
   * RCU grace period, then every CPU's LRU batches drained by a work item.
   * The scanner then looks at each pfn of the range once. */
  run->charged_ns += run->cost.rcu_expedited + run->ncpus * run->cost.drain_cpu + (end - start) * run->cost.pfn_walk;
  GArray *cluster = g_array_new(FALSE, FALSE, sizeof(uint64_t));
  int ret = 0;
  while (pfn < end && !run->stop) {
    g_array_set_size(cluster, 0);
    uint64_t npages = 0;
    while (pfn < end && npages < CONTIG_CLUSTER_PAGES) {
      const FsiPage *p = &m->pages[pfn];
      if (p->flags & FSI_PG_ALLOC) {
        FsiAlloc *a = &run->allocs[p->alloc];
        if (fsi_kind_migratable(a)) {
          uint64_t head = a->pfn;
          g_array_append_val(cluster, head);
          a->flags2 |= FSI_AF2_ISOLATED;
          npages += fsi_pages_of_order(a->order);
          /* isolate_migratepages_range() takes it off its LRU (and
           * putback_movable_pages() returns it if it fails) */
          run->charged_ns += fsi_pages_of_order(a->order) * run->cost.isolate_page;
        }
        pfn = a->pfn + fsi_pages_of_order(a->order);
      } else if (p->flags & (FSI_PG_BUDDY | FSI_PG_PCP | FSI_PG_ISOLATED)) {
        pfn += fsi_pages_of_order(p->order);
      } else {
        pfn++;
      }
    }
    for (int tries = 0; cluster->len; tries++) {
      if (tries == FSI_MIGRATE_TRIES) {
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
  /* putback_movable_pages(): what did not migrate goes back to its LRU */
  for (guint i = 0; i < cluster->len; i++) {
    const FsiPage *p = &m->pages[g_array_index(cluster, uint64_t, i)];
    if (p->flags & FSI_PG_ALLOC) run->allocs[p->alloc].flags2 &= (uint8_t)~FSI_AF2_ISOLATED;
  }
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
    uint32_t order = fsi_aligned_order(m, pfn, end);
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
    pfn += fsi_pages_of_order(order);
  }
  return handle;
}

int fsi_alloc_contig_range(FsiRun *run, uint64_t start_pfn, uint64_t nr_pages, uint32_t mt, uint32_t task,
                           FsiHandle *ret_handle) {
  FsiIsoRange ir;
  memset(&ir, 0, sizeof ir);
  int ret = -FS_EBUSY;
  if (mt >= FS_MIGRATE_TYPES || !fsi_iso_range_init(run, &ir, start_pfn, nr_pages)) goto fail;
  /* The fixed work of a call, charged to the requester (docs/model.md):
   * start_isolate_page_range() looks at every page of every pageblock
   * (has_unmovable_pages; simplified: all of them, also when one refuses)
   * and moves each block's free pages to the ISOLATE lists. */
  uint64_t block_pages = (uint64_t)ir.nblocks << run->mem.pageblock_order;
  run->charged_ns += block_pages * run->cost.pfn_walk;
  ret = fsi_isolate_range(run, &ir, mt);
  if (ret) goto fail;
  /* the moves, and undo_isolate_page_range()'s moves back (charged now:
   * every path from here undoes) */
  run->charged_ns += 2 * (uint64_t)ir.nblocks * run->cost.pageblock_move;
  /* drain_all_pages(zone): a work item on every CPU */
  run->charged_ns += run->ncpus * run->cost.drain_cpu;
  ret = contig_migrate_range(run, ir.start, ir.end);
  if (ret == -FS_ENOMEM) goto undo;
  /* -EBUSY from migration is re-checked here, as the kernel does:
   * test_pages_isolated() walks the range once more. */
  run->charged_ns += (ir.end - ir.start) * run->cost.pfn_walk;
  ret = fsi_test_pages_isolated(run, ir.start, ir.end) ? 0 : -FS_EBUSY;
  if (ret) goto undo;
  fsi_take_range(run, ir.start, ir.end);
  FsiHandle h = make_contig_objects(run, ir.start, ir.end, ir.zone, task, mt);
  fsi_undo_isolate_range(run, &ir);
  fsi_iso_range_clear(&ir);
  run->stats.c[FSI_C_fs_contig_success]++;
  if (ret_handle) *ret_handle = h;
  return 0;
undo:
  fsi_undo_isolate_range(run, &ir);
fail:
  fsi_iso_range_clear(&ir);
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
    fsi_free_pages_pb(&run->mem, a->pfn, a->order, false);
    a->lru_next = a->lru_prev = FSI_NIL;
    fsi_alloc_id_put(run, id);
    run->live_allocs--;
    id = next;
  }
}
