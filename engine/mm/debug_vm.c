/* The invariant checker (--check, like the kernel's DEBUG_VM): after every
 * event, every page is in exactly one state, free counts match the lists,
 * free blocks are aligned and inside their zone, no two free buddies that
 * could merge sit side by side, and allocation records match page frames. */
#include <string.h>

#include "engine/core/error.h"
#include "engine/mm/internal.h"
#include "engine/mm/pcp.h"
#include "engine/mm/vmscan.h"
#include "engine/run.h"

#define FAIL(...)                                                       \
  do {                                                                  \
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, __VA_ARGS__);          \
    goto out;                                                           \
  } while (0)

/* An isolated free block (migrate.c): aligned, inside its zone, tails clear. */
static bool isolated_block_ok(const FsiMem *m, const FsiZone *z, uint64_t pfn, GError **error) {
  const FsiPage *p = &m->pages[pfn];
  uint64_t n = (uint64_t)1 << p->order;
  if (p->flags != FSI_PG_ISOLATED || p->order > m->max_order || (pfn & (n - 1)) || pfn + n > z->end_pfn) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                "isolated block at pfn %" G_GUINT64_FORMAT " (flags 0x%x, order %u) is misaligned or crosses zone %s", pfn,
                p->flags, p->order, z->name);
    return false;
  }
  for (uint64_t i = 1; i < n; i++)
    if (m->pages[pfn + i].flags) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                  "pfn %" G_GUINT64_FORMAT " is inside the isolated block at %" G_GUINT64_FORMAT " but has flags 0x%x",
                  pfn + i, pfn, m->pages[pfn + i].flags);
      return false;
    }
  return true;
}

/* The pageblock census of reserved pages (boot reservations and offlined
 * ranges, migrate.c) matches the page frames. */
static bool reserved_census_ok(const FsiMem *m, GError **error) {
  for (uint64_t b = 0; b < m->nr_blocks; b++) {
    uint64_t n = 0, start = b << m->pageblock_order;
    for (uint64_t pfn = start; pfn < start + m->pageblock_nr_pages; pfn++)
      if (m->pages[pfn].flags & FSI_PG_RESERVED) n++;
    if (n != m->blocks[b].nr_reserved) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                  "pageblock %" G_GUINT64_FORMAT ": %" G_GUINT64_FORMAT " reserved pages, census says %u", b, n,
                  m->blocks[b].nr_reserved);
      return false;
    }
  }
  return true;
}

/* No two free buddies sit side by side that __free_one_page would have
 * merged (the free block at pfn and its buddy). */
static bool merged_ok(const FsiMem *m, const FsiZone *z, uint64_t pfn, GError **error) {
  const FsiPage *p = &m->pages[pfn];
  uint64_t buddy = pfn ^ ((uint64_t)1 << p->order);
  /* at pageblock order and above two free blocks can legitimately sit
   * unmerged after a block changes type (unreserving HIGHATOMIC, undoing
   * isolation): the kernel merges them only at the next free */
  if (p->order >= m->max_order || p->order >= m->pageblock_order || buddy < z->start_pfn || buddy >= z->end_pfn)
    return true;
  const FsiPage *b = &m->pages[buddy];
  if (!(b->flags & FSI_PG_BUDDY) || b->order != p->order || p->mt == FS_MIGRATE_ISOLATE || b->mt == FS_MIGRATE_ISOLATE)
    return true;
  g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
              "free buddies at pfn %" G_GUINT64_FORMAT " and %" G_GUINT64_FORMAT " (order %u) were not merged", pfn, buddy,
              p->order);
  return false;
}

bool fsi_check_invariants(FsiRun *run, GError **error) {
  FsiMem *m = &run->mem;
  bool ok = false;
  uint16_t (*census)[FS_MIGRATE_PCPTYPES] = g_malloc0(sizeof(*census) * m->nr_blocks);
  for (uint32_t zi = 0; zi < m->nr_zones; zi++) {
    FsiZone *z = &m->zones[zi];
    uint64_t counted_free = 0, counted_cma = 0, counted_ha = 0;
    uint64_t blocks[FS_NR_ORDERS][FS_MIGRATE_TYPES];
    memset(blocks, 0, sizeof blocks);
    for (uint64_t pfn = z->start_pfn; pfn < z->end_pfn;) {
      FsiPage *p = &m->pages[pfn];
      if (p->flags & FSI_PG_RESERVED) {
        pfn++;
        continue;
      }
      if (p->flags & FSI_PG_BUDDY) {
        uint64_t n = (uint64_t)1 << p->order;
        if (p->order > m->max_order || (pfn & (n - 1)) || pfn + n > z->end_pfn)
          FAIL("free block at pfn %" G_GUINT64_FORMAT " order %u is misaligned or crosses zone %s", pfn, p->order, z->name);
        if (p->mt >= FS_MIGRATE_TYPES) FAIL("free block at pfn %" G_GUINT64_FORMAT " on bad list %u", pfn, p->mt);
        for (uint64_t i = 1; i < n; i++)
          if (m->pages[pfn + i].flags)
            FAIL("pfn %" G_GUINT64_FORMAT " is inside the free block at %" G_GUINT64_FORMAT " but has flags 0x%x",
                 pfn + i, pfn, m->pages[pfn + i].flags);
        blocks[p->order][p->mt]++;
        if (p->mt != FS_MIGRATE_ISOLATE) counted_free += n;
        if (p->mt == FS_MIGRATE_CMA) counted_cma += n;
        if (p->mt == FS_MIGRATE_HIGHATOMIC) counted_ha += n;
        if (!merged_ok(m, z, pfn, error)) goto out;
        pfn += n;
        continue;
      }
      if (p->flags & FSI_PG_ALLOC) {
        if (!(p->flags & FSI_PG_HEAD)) FAIL("pfn %" G_GUINT64_FORMAT " is an allocation tail without a head", pfn);
        if (p->alloc >= run->nallocs) FAIL("pfn %" G_GUINT64_FORMAT " points at allocation %u (of %u)", pfn, p->alloc, run->nallocs);
        FsiAlloc *a = &run->allocs[p->alloc];
        uint64_t n = (uint64_t)1 << a->order;
        if (!(a->flags & FSI_AF_LIVE) || a->pfn != pfn || a->order != p->order)
          FAIL("allocation %u does not match its head page at pfn %" G_GUINT64_FORMAT, p->alloc, pfn);
        if (pfn + n > z->end_pfn || (pfn & (n - 1))) FAIL("allocation %u crosses its zone or is misaligned", p->alloc);
        for (uint64_t i = 1; i < n; i++) {
          FsiPage *t = &m->pages[pfn + i];
          if (t->flags != FSI_PG_ALLOC || t->alloc != p->alloc)
            FAIL("pfn %" G_GUINT64_FORMAT " should be a tail of allocation %u", pfn + i, p->alloc);
        }
        for (uint64_t i = 0; i < n; i++) census[(pfn + i) >> m->pageblock_order][a->alloc_mt]++;
        pfn += n;
        continue;
      }
      if ((p->flags & FSI_PG_ISOLATED) && !isolated_block_ok(m, z, pfn, error)) goto out;
      if (p->flags & (FSI_PG_PCP | FSI_PG_ISOLATED)) {
        pfn += (uint64_t)1 << p->order;
        continue;
      }
      FAIL("pfn %" G_GUINT64_FORMAT " in zone %s is in no state (neither free, allocated nor reserved)", pfn, z->name);
    }
    for (uint32_t o = 0; o <= m->max_order; o++) {
      FsiFreeArea *area = &z->free_area[o];
      uint64_t total = 0;
      for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) {
        uint64_t walked = 0;
        uint32_t prev = FSI_NIL;
        for (uint32_t i = area->head[t]; i != FSI_NIL; i = m->pages[i].next) {
          FsiPage *p = &m->pages[i];
          if (!(p->flags & FSI_PG_BUDDY) || p->order != o || p->mt != t || p->prev != prev)
            FAIL("zone %s free list order %u type %u is corrupt at pfn %u", z->name, o, t, i);
          prev = i;
          if (++walked > m->nr_pages) FAIL("zone %s free list order %u type %u loops", z->name, o, t);
        }
        if (area->tail[t] != prev) FAIL("zone %s free list order %u type %u: tail mismatch", z->name, o, t);
        if (walked != area->count[t] || walked != blocks[o][t])
          FAIL("zone %s order %u type %u: count %" G_GUINT64_FORMAT ", list %" G_GUINT64_FORMAT ", blocks %" G_GUINT64_FORMAT,
               z->name, o, t, area->count[t], walked, blocks[o][t]);
        total += walked;
      }
      if (total != area->nr_free)
        FAIL("zone %s order %u: nr_free %" G_GUINT64_FORMAT " but %" G_GUINT64_FORMAT " blocks listed", z->name, o,
             area->nr_free, total);
    }
    if (counted_free != z->nr_free_pages || counted_cma != z->nr_free_cma || counted_ha != z->nr_free_highatomic)
      FAIL("zone %s: NR_FREE_PAGES %" G_GUINT64_FORMAT " (counted %" G_GUINT64_FORMAT "), free CMA %" G_GUINT64_FORMAT
           " (counted %" G_GUINT64_FORMAT "), free HIGHATOMIC %" G_GUINT64_FORMAT " (counted %" G_GUINT64_FORMAT ")",
           z->name, z->nr_free_pages, counted_free, z->nr_free_cma, counted_cma, z->nr_free_highatomic, counted_ha);
  }
  for (uint64_t b = 0; b < m->nr_blocks; b++)
    if (memcmp(census[b], m->blocks[b].nr_alloc, sizeof census[b]))
      FAIL("pageblock %" G_GUINT64_FORMAT ": allocation census out of date", b);
  if (!fsi_pcp_check(run, error)) goto out;
  if (!reserved_census_ok(m, error)) goto out;
  {
    /* NR_FILE_DIRTY, NR_WRITEBACK and the LRU sizes against the objects; a
     * page under writeback is clean and resident */
    uint64_t dirty = 0, wb = 0, lru[FSI_NR_LRU] = {0}, zlru[FS_MAX_ZONES][FSI_NR_LRU] = {{0}};
    for (uint32_t id = 0; id < run->nallocs; id++) {
      const FsiAlloc *a = &run->allocs[id];
      if (!(a->flags & FSI_AF_LIVE)) continue;
      uint64_t n = (uint64_t)1 << a->order;
      if (a->flags & FSI_AF_DIRTY) dirty += n;
      if (a->flags2 & FSI_AF2_WRITEBACK) {
        wb += n;
        if ((a->flags & FSI_AF_DIRTY) || !(a->flags & FSI_AF_RESIDENT))
          FAIL("allocation %u is under writeback but dirty or not resident", id);
      }
      if (a->lru < FSI_NR_LRU) {
        lru[a->lru] += n;
        if (a->zone >= m->nr_zones || a->zone != fsi_pfn_zone(m, a->pfn))
          FAIL("allocation %u on LRU list %u records zone %u, its pfn %u is in zone %u", id, (unsigned)a->lru,
               (unsigned)a->zone, (unsigned)a->pfn, fsi_pfn_zone(m, a->pfn));
        zlru[a->zone][a->lru] += n;
      }
    }
    if (dirty != run->rc.nr_dirty || wb != run->rc.nr_writeback)
      FAIL("nr_dirty %" G_GUINT64_FORMAT " (counted %" G_GUINT64_FORMAT "), nr_writeback %" G_GUINT64_FORMAT
           " (counted %" G_GUINT64_FORMAT ")",
           run->rc.nr_dirty, dirty, run->rc.nr_writeback, wb);
    for (uint32_t l = 0; l < FSI_NR_LRU; l++)
      if (lru[l] != run->rc.lru_pages[l])
        FAIL("LRU list %u holds %" G_GUINT64_FORMAT " pages but counts %" G_GUINT64_FORMAT, l, lru[l],
             run->rc.lru_pages[l]);
    /* each list holds only its own lruvec's pages (vm.lru=zone: its zone's) */
    for (uint32_t v = 0; v < fsi_nr_lruvecs(run); v++)
      for (uint32_t l = 0; l < FSI_NR_LRU; l++) {
        uint64_t walked = 0;
        for (uint32_t id = run->rc.lru_head[v][l]; id != FSI_NIL; id = run->allocs[id].lru_next) {
          const FsiAlloc *a = &run->allocs[id];
          if (a->lru != l || (run->rc.lru_per_zone && a->zone != v))
            FAIL("allocation %u is on LRU list %u of lruvec %u but records list %u, zone %u", id, l, v,
                 (unsigned)a->lru, (unsigned)a->zone);
          walked += fsi_alloc_nr_pages(a);
        }
        uint64_t want = run->rc.lru_per_zone ? run->rc.zone_lru_pages[v][l] : run->rc.lru_pages[l];
        if (walked != want)
          FAIL("lruvec %u: LRU list %u links %" G_GUINT64_FORMAT " pages but counts %" G_GUINT64_FORMAT, v, l,
               walked, want);
      }
    for (uint32_t z = 0; z < m->nr_zones; z++)
      for (uint32_t l = 0; l < FSI_NR_LRU; l++)
        if (zlru[z][l] != run->rc.zone_lru_pages[z][l])
          FAIL("zone %s: LRU list %u holds %" G_GUINT64_FORMAT " of its pages but counts %" G_GUINT64_FORMAT,
               m->zones[z].name, l, zlru[z][l], run->rc.zone_lru_pages[z][l]);
  }
  ok = true;
out:
  g_free(census);
  return ok;
}

/* ---- the local pass --------------------------------------------------------------- */

/* More entries than this in one event (a whole-zone walk): stop logging and
 * let the run do a full sweep instead. */
#define TOUCH_LOG_MAX ((size_t)1 << 20)

void fsi_touch_slow(FsiMem *m, uint64_t pfn, uint64_t n) {
  FsiTouchLog *t = m->touched;
  if (t->overflow) return;
  if (t->len) {
    struct FsiTouch *last = &t->v[t->len - 1];
    if (pfn >= last->pfn && pfn + n <= last->pfn + last->n) return;
    if (pfn == last->pfn + last->n) {
      last->n += n;
      return;
    }
  }
  if (t->len == TOUCH_LOG_MAX) {
    t->overflow = true;
    return;
  }
  if (t->len == t->cap) {
    t->cap = t->cap ? 2 * t->cap : 256;
    t->v = g_renew(struct FsiTouch, t->v, t->cap);
  }
  t->v[t->len++] = (struct FsiTouch){pfn, n};
}

/* Counters against each other and the ends of every free list: O(zones ×
 * orders × types), whatever the memory size. */
static bool zone_counts_ok(const FsiMem *m, GError **error) {
  for (uint32_t zi = 0; zi < m->nr_zones; zi++) {
    const FsiZone *z = &m->zones[zi];
    uint64_t free = 0, cma = 0, ha = 0;
    for (uint32_t o = 0; o <= m->max_order; o++) {
      const FsiFreeArea *area = &z->free_area[o];
      uint64_t total = 0;
      for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++) {
        uint32_t h = area->head[t], tl = area->tail[t];
        if ((h == FSI_NIL) != (area->count[t] == 0) || (tl == FSI_NIL) != (h == FSI_NIL) ||
            (h != FSI_NIL && (!(m->pages[h].flags & FSI_PG_BUDDY) || m->pages[h].order != o || m->pages[h].mt != t ||
                              m->pages[h].prev != FSI_NIL)) ||
            (tl != FSI_NIL && (!(m->pages[tl].flags & FSI_PG_BUDDY) || m->pages[tl].next != FSI_NIL))) {
          g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                      "zone %s free list order %u type %u: count %" G_GUINT64_FORMAT " but its ends do not match", z->name, o,
                      t, area->count[t]);
          return false;
        }
        total += area->count[t];
        uint64_t pages = area->count[t] << o;
        if (t != FS_MIGRATE_ISOLATE) free += pages;
        if (t == FS_MIGRATE_CMA) cma += pages;
        if (t == FS_MIGRATE_HIGHATOMIC) ha += pages;
      }
      if (total != area->nr_free) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                    "zone %s order %u: nr_free %" G_GUINT64_FORMAT " but the lists count %" G_GUINT64_FORMAT, z->name, o,
                    area->nr_free, total);
        return false;
      }
    }
    if (free != z->nr_free_pages || cma != z->nr_free_cma || ha != z->nr_free_highatomic) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                  "zone %s: NR_FREE_PAGES %" G_GUINT64_FORMAT " (lists %" G_GUINT64_FORMAT "), free CMA %" G_GUINT64_FORMAT
                  " (lists %" G_GUINT64_FORMAT "), free HIGHATOMIC %" G_GUINT64_FORMAT " (lists %" G_GUINT64_FORMAT ")",
                  z->name, z->nr_free_pages, free, z->nr_free_cma, cma, z->nr_free_highatomic, ha);
      return false;
    }
  }
  return true;
}

/* The free block headed at pfn: aligned, inside its zone, on the list of its
 * order and type and linked both ways, not mergeable with its buddy; its
 * pages in [lo, hi) are clear. */
static bool free_block_ok(const FsiMem *m, const FsiZone *z, uint64_t pfn, uint64_t lo, uint64_t hi, GError **error) {
  const FsiPage *p = &m->pages[pfn];
  uint64_t n = (uint64_t)1 << p->order;
  bool ok = false;
  if (p->order > m->max_order || (pfn & (n - 1)) || pfn + n > z->end_pfn)
    FAIL("free block at pfn %" G_GUINT64_FORMAT " order %u is misaligned or crosses zone %s", pfn, p->order, z->name);
  if (p->mt >= FS_MIGRATE_TYPES) FAIL("free block at pfn %" G_GUINT64_FORMAT " on bad list %u", pfn, p->mt);
  for (uint64_t i = MAX(lo, pfn + 1); i < MIN(hi, pfn + n); i++)
    if (m->pages[i].flags)
      FAIL("pfn %" G_GUINT64_FORMAT " is inside the free block at %" G_GUINT64_FORMAT " but has flags 0x%x", i, pfn,
           m->pages[i].flags);
  const FsiFreeArea *area = &z->free_area[p->order];
  const FsiPage *pv = p->prev == FSI_NIL ? NULL : &m->pages[p->prev], *nx = p->next == FSI_NIL ? NULL : &m->pages[p->next];
  if (pv ? !(pv->flags & FSI_PG_BUDDY) || pv->next != pfn || pv->order != p->order || pv->mt != p->mt
         : area->head[p->mt] != pfn)
    FAIL("zone %s free list order %u type %u is corrupt before pfn %" G_GUINT64_FORMAT, z->name, p->order, p->mt, pfn);
  if (nx ? !(nx->flags & FSI_PG_BUDDY) || nx->prev != pfn || nx->order != p->order || nx->mt != p->mt
         : area->tail[p->mt] != pfn)
    FAIL("zone %s free list order %u type %u is corrupt after pfn %" G_GUINT64_FORMAT, z->name, p->order, p->mt, pfn);
  ok = merged_ok(m, z, pfn, error);
out:
  return ok;
}

/* The allocation holding pfn (a page with FSI_PG_ALLOC): live, its head page
 * names it, aligned and inside the zone, its pages in [lo, hi) its tails.
 * Returns the pfn after it, or 0 with *error set. */
static uint64_t alloc_ok(const FsiRun *run, const FsiZone *z, uint64_t pfn, uint64_t lo, uint64_t hi, GError **error) {
  const FsiMem *m = &run->mem;
  uint32_t id = m->pages[pfn].alloc;
  uint64_t head = 0, n = 0, next = 0;
  if (id >= run->nallocs) FAIL("pfn %" G_GUINT64_FORMAT " points at allocation %u (of %u)", pfn, id, run->nallocs);
  const FsiAlloc *a = &run->allocs[id];
  head = a->pfn;
  n = (uint64_t)1 << a->order;
  if (!(a->flags & FSI_AF_LIVE) || pfn < head || pfn >= head + n)
    FAIL("pfn %" G_GUINT64_FORMAT " is marked as allocation %u, which does not hold it", pfn, id);
  const FsiPage *hp = &m->pages[head];
  if (hp->flags != (FSI_PG_ALLOC | FSI_PG_HEAD) || hp->alloc != id || hp->order != a->order)
    FAIL("allocation %u does not match its head page at pfn %" G_GUINT64_FORMAT, id, head);
  if (head + n > z->end_pfn || head < z->start_pfn || (head & (n - 1)))
    FAIL("allocation %u crosses its zone or is misaligned", id);
  for (uint64_t i = MAX(lo, head + 1); i < MIN(hi, head + n); i++)
    if (m->pages[i].flags != FSI_PG_ALLOC || m->pages[i].alloc != id)
      FAIL("pfn %" G_GUINT64_FORMAT " should be a tail of allocation %u", i, id);
  next = head + n;
out:
  return next;
}

/* Every page of [lo, hi) is in exactly one state, and the block or
 * allocation holding it is sound (the parts of it inside [lo, hi)). */
static bool range_ok(FsiRun *run, uint64_t lo, uint64_t hi, GError **error) {
  FsiMem *m = &run->mem;
  const uint8_t block = FSI_PG_BUDDY | FSI_PG_PCP | FSI_PG_ISOLATED;
  bool ok = false;
  hi = MIN(hi, m->nr_pages);
  for (uint64_t pfn = lo; pfn < hi;) {
    uint32_t zi = fsi_pfn_zone(m, pfn);
    if (zi == FSI_NIL) {
      pfn++;
      continue;
    }
    const FsiZone *z = &m->zones[zi];
    const FsiPage *p = &m->pages[pfn];
    if (p->flags & FSI_PG_RESERVED) {
      pfn++;
      continue;
    }
    if (p->flags & FSI_PG_ALLOC) {
      uint64_t next = alloc_ok(run, z, pfn, lo, hi, error);
      if (!next) goto out;
      pfn = next;
      continue;
    }
    uint64_t head = pfn;
    if (!(p->flags & block)) {
      if (p->flags) FAIL("pfn %" G_GUINT64_FORMAT " has unknown flags 0x%x", pfn, p->flags);
      /* a page inside a block: its head is pfn rounded down to some order */
      head = FS_PFN_NONE;
      for (uint32_t o = 1; o <= m->max_order && head == FS_PFN_NONE; o++) {
        uint64_t h = pfn & ~(((uint64_t)1 << o) - 1);
        if ((m->pages[h].flags & block) && m->pages[h].order >= o) head = h;
      }
      if (head == FS_PFN_NONE)
        FAIL("pfn %" G_GUINT64_FORMAT " in zone %s is in no state (neither free, allocated nor reserved)", pfn, z->name);
    }
    const FsiPage *hp = &m->pages[head];
    if (hp->flags & FSI_PG_BUDDY) {
      if (!free_block_ok(m, z, head, lo, hi, error)) goto out;
    } else if (hp->flags & FSI_PG_ISOLATED) {
      if (!isolated_block_ok(m, z, head, error)) goto out;
    } else {
      if (!fsi_pcp_check_block(run, head, error)) goto out;
      for (uint64_t i = MAX(lo, head + 1); i < MIN(hi, head + ((uint64_t)1 << hp->order)); i++)
        if (m->pages[i].flags)
          FAIL("pfn %" G_GUINT64_FORMAT " is inside the pcp block at %" G_GUINT64_FORMAT " but has flags 0x%x", i, head,
               m->pages[i].flags);
    }
    pfn = head + ((uint64_t)1 << hp->order);
  }
  ok = true;
out:
  return ok;
}

bool fsi_check_local(FsiRun *run, GError **error) {
  FsiMem *m = &run->mem;
  if (!zone_counts_ok(m, error)) return false;
  const FsiTouchLog *t = m->touched;
  for (size_t i = 0; t && i < t->len; i++)
    if (!range_ok(run, t->v[i].pfn, t->v[i].pfn + t->v[i].n, error)) return false;
  return true;
}
