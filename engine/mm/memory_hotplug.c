/* Memory offline and online (mm/memory_hotplug.c, v6.1; reference §5.5):
 * isolate the range, migrate everything away in rounds, retire the pages
 * (they leave present/managed and the watermarks are recomputed), or give a
 * retired range back to the buddy allocator.
 */
#include "engine/mm/memory_hotplug.h"

#include <string.h>

#include "engine/mm/internal.h"
#include "engine/mm/migrate.h"
#include "engine/mm/pcp.h"

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
      uint64_t next = a->pfn + fsi_pages_of_order(a->order);
      /* scan_movable_pages() only offers LRU and movable-ops pages */
      if (fsi_kind_migratable(a) && fsi_migrate_away(run, a->pfn) == FS_MIGRATE_OK) moved += fsi_pages_of_order(a->order);
      pfn = next;
    } else if (p->flags & (FSI_PG_BUDDY | FSI_PG_PCP | FSI_PG_ISOLATED)) {
      pfn += fsi_pages_of_order(p->order);
    } else {
      pfn++;
    }
  }
  return moved;
}

int fsi_offline_pages(FsiRun *run, uint64_t start_pfn, uint64_t nr_pages) {
  FsiMem *m = &run->mem;
  FsiIsoRange ir;
  memset(&ir, 0, sizeof ir);
  if (!hotplug_range_ok(run, start_pfn, nr_pages) || !fsi_iso_range_init(run, &ir, start_pfn, nr_pages)) goto fail;
  /* fsi_has_unmovable_pages() as for a MOVABLE caller (CMA blocks refuse). */
  if (fsi_isolate_range(run, &ir, FS_MIGRATE_MOVABLE)) goto fail;
  /* The kernel retries until a signal; a round that moves nothing cannot
   * be followed by one that does here (nothing else runs meanwhile), so
   * five such rounds end it with -EBUSY. */
  for (int idle = 0; !fsi_test_pages_isolated(run, ir.start, ir.end);) {
    if (run->stop || idle == FSI_MIGRATE_TRIES) {
      fsi_undo_isolate_range(run, &ir);
      goto fail;
    }
    if (offline_migrate_round(run, ir.start, ir.end)) idle = 0;
    else idle++;
    fsi_pcp_drain_zone(run, ir.zone);
  }
  /* Retire the pages: off the lists, reserved (and marked offline, so only
   * they can be onlined again), out of present and managed. */
  fsi_take_range(run, ir.start, ir.end);
  for (uint64_t pfn = ir.start; pfn < ir.end; pfn++) {
    FsiPage *p = &m->pages[pfn];
    memset(p, 0, sizeof *p);
    p->flags = FSI_PG_RESERVED | FSI_PG_OFFLINE;
    p->alloc = FSI_NIL;
    p->next = p->prev = FSI_NIL;
    fsi_pageblock(m, pfn)->nr_reserved++;
  }
  fsi_touch(m, ir.start, ir.end - ir.start);
  FsiZone *z = &m->zones[ir.zone];
  z->present_pages -= nr_pages;
  z->managed_pages -= nr_pages;
  /* Simplified: the kernel leaves offline pageblocks ISOLATE and onlines
   * them as MOVABLE; they keep their old type here, so onlining restores a
   * stack's own typing. */
  fsi_undo_isolate_range(run, &ir);
  fsi_iso_range_clear(&ir);
  /* init_per_zone_wmark_min(): min_free_kbytes, watermarks, lowmem_reserve */
  fsi_mem_setup_watermarks(m);
  run->stats.c[FSI_C_fs_offline_success]++;
  return 0;
fail:
  fsi_iso_range_clear(&ir);
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
  fsi_touch(m, start_pfn, nr_pages);
  FsiZone *z = &m->zones[fsi_pfn_zone(m, start_pfn)];
  z->present_pages += nr_pages;
  z->managed_pages += nr_pages;
  /* online_pages_range() -> __free_pages_core(): FPI_TO_TAIL */
  fsi_free_range(m, start_pfn, end, true);
  fsi_mem_setup_watermarks(m);
  return 0;
}
