/* Reclaim: LRU lists, page cache writeback and swap, shrink_slab, direct
 * reclaim and kswapd.  See vmscan.h for what this module owns; the slab
 * caches are in slub.c and the OOM killer in oom_kill.c.
 *
 * Mirrors mm/vmscan.c's classic (non-MGLRU) reclaim at the level of which
 * pages go, in what order, and what it costs.  Each simplification is a
 * comment here and a line in docs/model.md.
 */
#include "engine/mm/vmscan.h"

#include <string.h>

#include "engine/core/error.h"
#include "engine/mm/internal.h"
#include "engine/mm/page_writeback.h"
#include "engine/mm/slub.h"

#define DEF_PRIORITY 12
#define SWAP_CLUSTER_MAX 32
#define SHRINK_BATCH 128
#define MAX_RECLAIM_FAILURES 16
#define KSWAPD_NEW_RUN (-1) /* kswapd_priority: the next event starts a balance_pgdat() run */

static bool is_file(const FsiAlloc *a) { return a->kind == FS_KIND_FILE; }

/* The lruvec an allocation's page is on: the node's, or its zone's (vm.lru=zone). */
static uint32_t lruvec_of(const FsiRun *run, const FsiAlloc *a) { return run->rc.lru_per_zone ? a->zone : 0; }

/* The pages on one of an lruvec's lists. */
static uint64_t lru_size(const FsiRun *run, uint32_t v, uint32_t list) {
  return run->rc.lru_per_zone ? run->rc.zone_lru_pages[v][list] : run->rc.lru_pages[list];
}

/* lruvec_lru_size(lruvec, lru, reclaim_idx): those of them in zones up to
 * reclaim_idx (get_scan_count()'s sizes; on node lists the rest are skipped). */
static uint64_t lru_size_eligible(const FsiRun *run, uint32_t v, uint32_t list, uint32_t reclaim_idx) {
  if (run->rc.lru_per_zone || reclaim_idx + 1 >= run->mem.nr_zones) return lru_size(run, v, list);
  uint64_t n = 0;
  for (uint32_t z = 0; z <= reclaim_idx; z++) n += run->rc.zone_lru_pages[z][list];
  return n;
}

/* ---- LRU lists -------------------------------------------------------------- */

static void lru_add(FsiRun *run, uint32_t id, uint32_t list, bool tail) {
  FsiReclaim *rc = &run->rc;
  FsiAlloc *a = &run->allocs[id];
  uint32_t v = lruvec_of(run, a);
  uint32_t *head = &rc->lru_head[v][list], *tail_id = &rc->lru_tail[v][list];
  a->lru = (uint8_t)list;
  if (*head == FSI_NIL) {
    a->lru_next = a->lru_prev = FSI_NIL;
    *head = *tail_id = id;
  } else if (tail) {
    a->lru_prev = *tail_id;
    a->lru_next = FSI_NIL;
    run->allocs[*tail_id].lru_next = id;
    *tail_id = id;
  } else {
    a->lru_next = *head;
    a->lru_prev = FSI_NIL;
    run->allocs[*head].lru_prev = id;
    *head = id;
  }
  rc->lru_pages[list] += fsi_alloc_nr_pages(a);
  rc->zone_lru_pages[a->zone][list] += fsi_alloc_nr_pages(a);
}

static void lru_del(FsiRun *run, uint32_t id) {
  FsiReclaim *rc = &run->rc;
  FsiAlloc *a = &run->allocs[id];
  if (a->lru == FSI_LRU_NONE) return;
  uint32_t list = a->lru, v = lruvec_of(run, a);
  if (a->lru_prev != FSI_NIL) run->allocs[a->lru_prev].lru_next = a->lru_next;
  else rc->lru_head[v][list] = a->lru_next;
  if (a->lru_next != FSI_NIL) run->allocs[a->lru_next].lru_prev = a->lru_prev;
  else rc->lru_tail[v][list] = a->lru_prev;
  rc->lru_pages[list] -= fsi_alloc_nr_pages(a);
  rc->zone_lru_pages[a->zone][list] -= fsi_alloc_nr_pages(a);
  a->lru = FSI_LRU_NONE;
  a->lru_next = a->lru_prev = FSI_NIL;
}

static void lru_move(FsiRun *run, uint32_t id, uint32_t list) {
  lru_del(run, id);
  lru_add(run, id, list, false);
}

static bool swap_has_room(const FsiRun *run, uint64_t pages) {
  return run->rc.swap_used + pages <= run->rc.swap_pages;
}

/* ---- refault distance (vm.refault_activate) ----------------------------------- */

/* Whether a type's evictions leave a shadow entry and its refaults are
 * judged by their distance: page cache from 3.15, anonymous pages from 5.9. */
static bool shadow_kept(const FsiRun *run, bool file) {
  return run->rc.refault_activate == FSI_RA_DISTANCE || (file && run->rc.refault_activate == FSI_RA_DISTANCE_FILE);
}

/* workingset_age_nonresident(): evictions and activations advance the
 * lruvec's clock, a page at a time. */
static void age_nonresident(FsiRun *run, uint32_t v, bool file, uint64_t n) {
  if (shadow_kept(run, file)) run->rc.nonresident_age[v] += n;
}

/* workingset_eviction(): an evicted page (off its LRU, not resident) keeps
 * the clock's reading in its unused lru_prev -- the shadow entry -- and the
 * clock advances by its size. */
static void workingset_eviction(FsiRun *run, FsiAlloc *a, uint32_t v, uint64_t n) {
  if (!shadow_kept(run, is_file(a))) return;
  a->lru_prev = (uint32_t)run->rc.nonresident_age[v];
  age_nonresident(run, v, is_file(a), n);
}

/* ---- the anon/file balance's feedback (vm.scan_balance) ------------------------ */

/* lru_note_cost() (5.9+, vm.scan_balance=cost): nr pages of cost for one
 * type of an lruvec -- pages shrink_inactive_list() wrote (stat.nr_pageout:
 * swap-out, or dirty page cache kswapd wrote) and working-set refaults.
 * "Because workloads change over time", both costs are halved once they add
 * up to more than a quarter of the lruvec's LRU pages. */
static void note_cost(FsiRun *run, uint32_t v, int file, uint64_t nr) {
  FsiReclaim *rc = &run->rc;
  /* the 2.6 LRU (vm.anon_lru=2.6) has no get_scan_count() to read it */
  if (rc->scan_balance != FSI_SB_COST || rc->anon_lru == FSI_ANON_LRU_2_6 || !nr) return;
  rc->lru_cost[v][file] += nr;
  uint64_t lrusize = 0;
  for (uint32_t l = 0; l < FSI_NR_LRU; l++) lrusize += lru_size(run, v, l);
  if (rc->lru_cost[v][0] + rc->lru_cost[v][1] > lrusize / 4) {
    rc->lru_cost[v][0] /= 2;
    rc->lru_cost[v][1] /= 2;
  }
}

/* The reclaim_stat of 2.6.28-5.8 (vm.scan_balance=rotated): recent_scanned
 * counts the pages added to a type's lists and those reclaim took off them,
 * recent_rotated those of them found in use (added or put back active,
 * referenced on the active list).  update_page_reclaim_stat() on an LRU add
 * or activation counts one per page struct, as here. */
static void note_reclaim_stat(FsiRun *run, uint32_t v, int file, uint64_t scanned, uint64_t rotated) {
  FsiReclaim *rc = &run->rc;
  if (rc->scan_balance != FSI_SB_ROTATED || rc->anon_lru == FSI_ANON_LRU_2_6) return;
  rc->recent_scanned[v][file] += scanned;
  rc->recent_rotated[v][file] += rotated;
}

/* An allocation migrated to another zone (a contiguous range's or an
 * offlined block's migration): its LRU pages count in the new zone, and with
 * per-zone lists it joins the new zone's list at the head, as the new page
 * is put back on the LRU. */
void fsi_lru_zone_changed(FsiRun *run, uint32_t id, uint32_t zone) {
  FsiAlloc *a = &run->allocs[id];
  uint32_t list = a->lru;
  if (a->zone == zone) return;
  if (list < FSI_NR_LRU && run->rc.lru_per_zone) {
    lru_del(run, id);
    a->zone = (uint8_t)zone;
    lru_add(run, id, list, false);
    return;
  }
  /* node lists: the page keeps its place, its count moves */
  if (list < FSI_NR_LRU) {
    run->rc.zone_lru_pages[a->zone][list] -= fsi_alloc_nr_pages(a);
    run->rc.zone_lru_pages[zone][list] += fsi_alloc_nr_pages(a);
  }
  a->zone = (uint8_t)zone;
}

/* folio_rotate_reclaimable() -> lru_move_tail_fn(): a page whose
 * writeback reclaim was waiting for goes to the inactive tail (active or
 * not), where the next scan reclaims it. */
void fsi_folio_rotate_reclaimable(FsiRun *run, uint32_t id) {
  FsiAlloc *a = &run->allocs[id];
  if (a->lru == FSI_LRU_NONE || (a->flags & FSI_AF_DIRTY)) return;
  uint32_t inactive = a->lru & ~1u; /* the inactive list of its type */
  lru_del(run, id);
  lru_add(run, id, inactive, true);
  run->stats.c[FSI_C_pgrotated] += fsi_alloc_nr_pages(a);
}

void fsi_lru_activate(FsiRun *run, uint32_t id) {
  FsiAlloc *a = &run->allocs[id];
  if (a->lru == FSI_LRU_NONE || (a->lru & 1u)) return;
  lru_move(run, id, a->lru + 1);
  run->stats.c[FSI_C_pgactivate] += fsi_alloc_nr_pages(a);
  note_reclaim_stat(run, lruvec_of(run, a), is_file(a), 1, 1);
}

/* Swap-ins under 2.6.28's rule (vm.swapin_lru=era): swap readahead adds
 * the page to the inactive list (read_swap_cache_async()'s
 * lru_cache_add_anon, "add newly swapped in pages to the inactive list",
 * 2.6.28), and do_swap_page() does not activate it (2.6.34's and 4.5's
 * texts; the activate_page() there is in later texts, with vmf->address, so
 * 4.10 or later; the version that added it was not found); before 2.6.28
 * it was added active. */
static bool swapin_inactive_era(const FsiRun *run) {
  return run->rc.anon_lru == FSI_ANON_LRU_2_6_28 && !run->rc.swapin_all_active;
}

/* An anonymous page being swapped in under that rule (the object is still
 * marked swapped while its page is added). */
static bool swapin_inactive(const FsiRun *run, const FsiAlloc *a) {
  return swapin_inactive_era(run) && (a->kind == FS_KIND_ANON || a->kind == FS_KIND_THP) &&
         (a->flags & FSI_AF_SWAPPED);
}

bool fsi_refault_activates(const FsiRun *run, uint32_t id) {
  const FsiReclaim *rc = &run->rc;
  const FsiAlloc *a = &run->allocs[id];
  bool file = is_file(a);
  if (rc->refault_activate == FSI_RA_ALWAYS) return true;
  /* before the shadow entries (file: 3.15, anon: 5.9) page cache is read
   * into the inactive list; a swap-in is activated, except under 2.6.28's
   * rule, where it is added inactive */
  if (!shadow_kept(run, file)) return !file && !swapin_inactive_era(run);
  uint32_t v = lruvec_of(run, a); /* the eviction's lruvec: the zone it left, or the node */
  uint64_t distance = (uint32_t)((uint32_t)rc->nonresident_age[v] - a->lru_prev);
  uint64_t ws = lru_size(run, v, FSI_LRU_ACTIVE_FILE);
  if (rc->refault_activate == FSI_RA_DISTANCE) {
    /* 6.1: "whether workingset competition needs to consider anon or not
     * depends on having swap" */
    if (!file) ws += lru_size(run, v, FSI_LRU_INACTIVE_FILE);
    if (swap_has_room(run, 1)) {
      ws += lru_size(run, v, FSI_LRU_ACTIVE_ANON);
      if (file) ws += lru_size(run, v, FSI_LRU_INACTIVE_ANON);
    }
  }
  return distance <= ws;
}

/* New pages start on the inactive list (anon too, since 5.9); before,
 * do_anonymous_page() and the THP fault put anonymous memory on the active
 * list (lru_cache_add_active_or_unevictable; 2.6's lru_cache_add_active),
 * a swap-in from 2.6.28 excepted; shmem went to the inactive list
 * throughout. */
static bool added_active(const FsiRun *run, const FsiAlloc *a) {
  return run->rc.anon_lru != FSI_ANON_LRU_5_9 && (a->kind == FS_KIND_ANON || a->kind == FS_KIND_THP) &&
         !swapin_inactive(run, a);
}

void fsi_refault_settle(FsiRun *run, uint32_t id, bool activate) {
  FsiAlloc *a = &run->allocs[id];
  uint32_t v = lruvec_of(run, a);
  uint64_t n = fsi_alloc_nr_pages(a);
  /* only a page the verdict made active: a swap-in that went there by the
   * anonymous list rule of its era (added_active()) keeps no shadow entry */
  if (a->lru == FSI_LRU_NONE || !activate || added_active(run, a)) return;
  bool file = is_file(a);
  run->rc.ws_activate[file] += n;
  run->stats.c[file ? FSI_C_workingset_activate_file : FSI_C_workingset_activate_anon] += n;
  age_nonresident(run, v, file, n);
  /* "Folio was active prior to eviction": the working set is being
   * restored, a cost to its type (5.9+) */
  if (!(a->flags2 & FSI_AF2_PG_WORKINGSET)) return;
  run->stats.c[file ? FSI_C_workingset_restore_file : FSI_C_workingset_restore_anon] += n;
  note_cost(run, v, file, n);
}

void fsi_reclaim_alloc_added(FsiRun *run, uint32_t id, const FsiRequest *rq) {
  FsiAlloc *a = &run->allocs[id];
  a->flags |= FSI_AF_RESIDENT;
  a->lru = FSI_LRU_NONE;
  a->lru_next = a->lru_prev = FSI_NIL;
  if (rq->referenced) a->flags |= FSI_AF_REFERENCED;
  /* the fault maps it with a young pte (x86's user protections carry
   * _PAGE_ACCESSED): its first scan finds it referenced and activates it
   * (page_check_references(): referenced anon -> PAGEREF_ACTIVATE) */
  if (swapin_inactive(run, a)) a->flags |= FSI_AF_REFERENCED;
  if (rq->refault) a->flags2 |= FSI_AF2_WORKINGSET;
  if (fs_kind_on_lru(a->kind) && !(a->flags & FSI_AF_CONTIG)) {
    if (rq->dirty && a->kind == FS_KIND_FILE) {
      a->flags |= FSI_AF_DIRTY;
      run->rc.nr_dirty += fsi_alloc_nr_pages(a);
      fsi_account_dirtied(run, id);
    }
    /* an activated refault goes straight to the active list, not counted in
     * pgactivate (workingset_refault() sets it active before the add) */
    bool active = added_active(run, a) || (a->flags2 & FSI_AF2_ADD_ACTIVE);
    a->flags2 &= (uint8_t)~FSI_AF2_ADD_ACTIVE;
    bool file = is_file(a);
    lru_add(run, id, file ? (active ? FSI_LRU_ACTIVE_FILE : FSI_LRU_INACTIVE_FILE)
                          : (active ? FSI_LRU_ACTIVE_ANON : FSI_LRU_INACTIVE_ANON), false);
    note_reclaim_stat(run, lruvec_of(run, a), file, 1, active);
  }
  if (a->task < run->ntasks && fsi_kind_counts_as_rss(a->kind)) run->tasks[a->task].rss_pages += fsi_alloc_nr_pages(a);
}

void fsi_reclaim_alloc_removed(FsiRun *run, uint32_t id) {
  FsiAlloc *a = &run->allocs[id];
  lru_del(run, id);
  if (a->flags & FSI_AF_DIRTY) run->rc.nr_dirty -= fsi_alloc_nr_pages(a);
  /* truncation waits for writeback in the kernel; here the frames go at once
   * and the end of the write finds the object gone (its generation moved) */
  if (a->flags2 & FSI_AF2_WRITEBACK) run->rc.nr_writeback -= fsi_alloc_nr_pages(a);
  a->flags2 &= (uint8_t) ~(FSI_AF2_WRITEBACK | FSI_AF2_RECLAIM);
  if (a->flags & FSI_AF_SWAPPED) {
    run->rc.swap_used -= fsi_alloc_nr_pages(a);
    if (a->task < run->ntasks) run->tasks[a->task].swap_pages -= fsi_alloc_nr_pages(a);
  }
  if ((a->flags & FSI_AF_RESIDENT) && a->task < run->ntasks && fsi_kind_counts_as_rss(a->kind))
    run->tasks[a->task].rss_pages -= fsi_alloc_nr_pages(a);
  a->flags &= (uint8_t) ~(FSI_AF_DIRTY | FSI_AF_SWAPPED);
}

/* ---- reclaiming one allocation ---------------------------------------------- */

typedef struct {
  uint32_t order;     /* the order reclaim works for (lumpy reclaim's tag hook) */
  bool kswapd;
  bool may_writepage; /* file writeback: kswapd (and before 3.2, vm.reclaim_write_file=any, direct reclaim) */
  bool may_swap;
  bool sync;          /* write dirty pages and wait (drop_caches' sync, lumpy's sync pass) */
  uint64_t nr_to_reclaim;
  uint64_t scanned, reclaimed;
  uint64_t pass_start; /* sc->reclaimed when this shrink_node pass began (shrink_lruvec's own target) */
  uint64_t credited;  /* of reclaimed: lumpy reclaim's pages, already in pgsteal_* */
  /* of reclaimed: slab pages the shrinkers emptied (reclaim_state->reclaimed_slab):
   * progress toward nr_to_reclaim, but no pgsteal_* (6.1 counts those in
   * shrink_inactive_list(), LRU folios only) */
  uint64_t reclaimed_slab;
  /* drop_caches: invalidation, not reclaim (invalidate_mapping_pages()); the
   * kernel counts no pgsteal_* for the pages it drops */
  bool invalidate;
  uint64_t cost_ns;
  int priority;
  uint32_t reclaim_idx;
  bool compaction_ready; /* a zone was compaction_ready(): reclaim stops for compaction */
  bool no_cut; /* this pass is not stopped at nr_to_reclaim (vm.direct_reclaim_cut) */
  /* the last evict()'s verdict on a page it did not reclaim: activate it
   * (shrink_folio_list's activate_locked) rather than rotate it */
  bool activate;
  /* file pages scanned this call, and those dirty but not under writeback
   * (sc->nr.file_taken, sc->nr.unqueued_dirty) */
  uint64_t file_taken, unqueued_dirty;
  uint64_t nr_pageout; /* pages pageout() started writing (stat.nr_pageout: swap-out, dirty page cache) */
} ScanControl;

/* split_huge_page_to_list(): a THP becomes 2^order base pages in place.
 * The first keeps the object (the owner's handle, which frees them all);
 * the others are new objects chained to it, each on the LRU list the THP
 * was on, at its tail, so the scan that split it meets them next. */
static void split_thp(FsiRun *run, uint32_t id) {
  FsiAlloc *a = &run->allocs[id];
  uint64_t n = fsi_alloc_nr_pages(a), pfn = a->pfn;
  uint32_t list = a->lru;
  fsi_mark_unallocated(&run->mem, pfn, a->order, a->alloc_mt);
  fsi_mark_allocated(&run->mem, pfn, 0, id, a->alloc_mt);
  if (list != FSI_LRU_NONE) {
    run->rc.lru_pages[list] -= n - 1;
    run->rc.zone_lru_pages[a->zone][list] -= n - 1;
  }
  a->order = 0;
  a->kind = FS_KIND_ANON;
  a->flags2 |= FSI_AF2_SPLIT_HEAD;
  for (uint64_t i = 1; i < n; i++) {
    uint32_t c = fsi_alloc_id_get(run);
    a = &run->allocs[id]; /* the table may have moved */
    FsiAlloc *t = &run->allocs[c];
    uint32_t gen = t->gen ? t->gen : 1;
    *t = *a;
    t->gen = gen;
    t->pfn = (uint32_t)(pfn + i);
    t->flags = a->flags & (FSI_AF_LIVE | FSI_AF_RESIDENT | FSI_AF_PINNED);
    t->flags2 = (uint8_t)((a->flags2 & FSI_AF2_WORKINGSET) | FSI_AF2_SPLIT_TAIL);
    t->lru = FSI_LRU_NONE;
    t->lru_next = t->lru_prev = FSI_NIL;
    fsi_split_set_next(run, c, fsi_split_next(run, id));
    fsi_split_set_next(run, id, c);
    fsi_mark_allocated(&run->mem, pfn + i, 0, c, t->alloc_mt);
    if (list != FSI_LRU_NONE) lru_add(run, c, list, true);
    run->live_allocs++;
  }
  run->stats.c[FSI_C_thp_split_page]++;
}

/* The clock of a reclaimer waiting for the device: now plus the work it
 * has done in this call, or, if a wait for the device already happened at
 * this simulated instant, where that wait ended.  A reclaim pass runs at one
 * instant, and lumpy reclaim's calls (reclaim_pfn) each count their work
 * apart, so without the shared clock every call would wait for the same
 * backlog again (one order-9 request waited 272 s that way).  Two reclaimers
 * at one instant share it: the second starts where the first's wait ended,
 * as it would behind it in the queue. */
static uint64_t io_clock(const FsiRun *run, const ScanControl *sc) {
  uint64_t t = run->now_ns + sc->cost_ns;
  return run->rc.io_at == run->now_ns ? MAX(t, run->rc.io_clock) : t;
}

static void io_clock_set(FsiRun *run, uint64_t t) {
  run->rc.io_at = run->now_ns;
  run->rc.io_clock = t;
}

/* pageout() on a full device queue: the reclaimer sleeps in the block
 * layer until writes end and the request fits. */
static void queue_wait(FsiRun *run, ScanControl *sc, uint64_t n) {
  if (!run->rc.wb_queue_pages) return;
  uint64_t t = io_clock(run, sc);
  uint64_t w = fsi_write_queue_wait(run, t, n);
  sc->cost_ns += w;
  run->rc.io_wait_ns += w;
  run->stats.c[FSI_C_fs_write_queue_wait_ns] += w;
  if (w) io_clock_set(run, t + w);
}

/* A sync writer (lumpy reclaim's second pass, drop_caches): its write of n
 * pages (queued: a write already under way) goes behind the device's queue,
 * in order, and it waits until the queue has drained through it.  The pages
 * a sync pass waits for were queued by its own first pass, at the tail, so
 * the first wait is for the whole queue; its clock (io_clock) then stands at
 * the end of that wait, so the pages after it cost only their own writes. */
static void sync_wait(FsiRun *run, ScanControl *sc, uint64_t n, bool queued) {
  FsiReclaim *rc = &run->rc;
  if (!rc->wb_queue_pages) {
    /* the unbounded queue is the model before: the waiter's own pages are
     * written in their time, whatever is queued ahead of them */
    sc->cost_ns += n * run->cost.reclaim_dirty;
    rc->io_wait_ns += n * run->cost.reclaim_dirty;
    return;
  }
  if (queued) n = 0;
  uint64_t t = io_clock(run, sc);
  uint64_t done = MAX(t, rc->wb_busy_until) + n * run->cost.reclaim_dirty;
  if (n) rc->wb_busy_until = done;
  sc->cost_ns += done - t;
  rc->io_wait_ns += done - t;
  io_clock_set(run, done);
}

/* congestion_wait(WRITE, HZ/10), the nap of reclaim before 3.11
 * (vm.reclaim_nap): the sleeper is woken when a write request ends and
 * leaves the queue below its congestion-off threshold (nr_requests less an
 * eighth and a sixteenth; clear_queue_congested() wakes congestion_wqh), or
 * after 100 ms if no request ends in time.  Requests are SWAP_CLUSTER_MAX
 * pages, as the queue's room is counted (vm.writeback_queue_pages); an idle
 * device ends no request, so the nap is the whole timeout. */
uint64_t fsi_congestion_nap(const FsiRun *run, uint64_t t) {
  const FsiReclaim *rc = &run->rc;
  uint64_t cost = run->cost.reclaim_dirty;
  if (!cost || rc->wb_busy_until <= t) return FSI_CONGESTION_NAP_NS;
  uint64_t backlog = (rc->wb_busy_until - t + cost - 1) / cost; /* pages still to write */
  uint64_t q = rc->wb_queue_pages;
  uint64_t off = q ? q - q / 8 - q / 16 : UINT64_MAX;
  /* pages written until the first request ends below the threshold: the
   * head request's rest, or as many as take the queue below it */
  uint64_t pages = backlog >= off ? backlog - off + 1 : (backlog - 1) % SWAP_CLUSTER_MAX + 1;
  return MIN(pages * cost, FSI_CONGESTION_NAP_NS);
}

static void congestion_wait(FsiRun *run, uint64_t *cost_ns, uint64_t t) {
  uint64_t nap = fsi_congestion_nap(run, t);
  *cost_ns += nap;
  run->stats.c[FSI_C_fs_congestion_wait]++;
  run->stats.c[FSI_C_fs_congestion_wait_ns] += nap;
}

/* shrink_folio_list() for one allocation: unmap it, write it back or swap it
 * out as needed, and free its page frames.  The object stays live (the owner
 * still holds its handle) but is no longer resident.  Returns the pages
 * freed; when none, sc->activate says whether the page is activated
 * (activate_locked) or goes back to the inactive head (keep). */
static uint64_t evict(FsiRun *run, uint32_t id, ScanControl *sc) {
  FsiReclaim *rc = &run->rc;
  FsiAlloc *a = &run->allocs[id];
  uint64_t n = fsi_alloc_nr_pages(a);
  sc->activate = false;
  /* isolated for migration: in the kernel it is off the LRU, out of reach */
  if (!(a->flags & FSI_AF_RESIDENT) || (a->flags2 & FSI_AF2_ISOLATED)) return 0;
  if (a->flags & FSI_AF_PINNED) {
    sc->activate = true;
    return 0;
  }
  if (is_file(a)) sc->file_taken += n;
  if (a->flags2 & FSI_AF2_WRITEBACK) {
    /* under writeback, page cache or swap cache (case 2 of
     * shrink_folio_list's comment): mark it for immediate reclaim and get it
     * out of the way until the write ends */
    if (sc->sync) {
      /* a sync reclaimer waits for the write (folio_wait_writeback) */
      sync_wait(run, sc, n, true);
      fsi_writeback_done_event(run, id, a->gen);
    } else {
      a->flags2 |= FSI_AF2_RECLAIM;
      sc->activate = !rc->wb_keep; /* before 4.13: keep_locked */
      return 0;
    }
  }
  if (is_file(a)) {
    if (a->flags & FSI_AF_DIRTY) {
      if (!rc->wb_async || sc->sync) {
        /* the immediate model (and a sync writer): written and dropped now */
        if (!sc->may_writepage) return 0;
        if (rc->wb_async) sync_wait(run, sc, n, false);
        else sc->cost_ns += n * run->cost.reclaim_dirty;
        run->stats.c[FSI_C_fs_writeback] += n;
        sc->nr_pageout += n;
        a->flags &= (uint8_t)~FSI_AF_DIRTY;
        rc->nr_dirty -= n;
      } else {
        sc->unqueued_dirty += n;
        /* only kswapd writes page cache, and only a page it already marked
         * for reclaim once the node is flagged PGDAT_DIRTY; everyone else
         * marks it and leaves it to the flushers.  Before 3.2 every
         * reclaimer that may write did (vm.reclaim_write_file=any). */
        bool pageout = rc->write_file_any ? sc->may_writepage
                                          : sc->kswapd && sc->may_writepage && (a->flags2 & FSI_AF2_RECLAIM) &&
                                                rc->pgdat_dirty;
        if (pageout) {
          /* pageout(): the write starts; the page stays (keep) until it ends */
          queue_wait(run, sc, n);
          fsi_start_writeback(run, id);
          run->stats.c[FSI_C_fs_writeback] += n;
          sc->nr_pageout += n;
          sc->cost_ns += n * run->cost.reclaim_clean;
          return 0;
        }
        a->flags2 |= FSI_AF2_RECLAIM;
        run->stats.c[FSI_C_nr_vmscan_immediate_reclaim] += n;
        sc->activate = !rc->wb_keep; /* before 4.13: keep_locked */
        return 0;
      }
    } else {
      sc->cost_ns += n * run->cost.reclaim_clean;
    }
    if (!sc->invalidate) run->stats.c[FSI_C_pgsteal_file] += n;
  } else if (a->flags & FSI_AF_SWAPPED) {
    /* in the swap cache and written (an earlier scan's add_to_swap() and
     * pageout(), and the write has ended): __remove_mapping() drops it */
    sc->cost_ns += n * run->cost.reclaim_clean;
    run->stats.c[FSI_C_pgsteal_anon] += n;
  } else {
    if (!sc->may_swap) {
      sc->activate = !swap_has_room(run, n);
      return 0;
    }
    if (!swap_has_room(run, n)) {
      /* add_to_swap() failed: a THP is split and its pages swapped one by
       * one as room allows (thp_swpout_fallback); a base page is activated */
      if (a->kind != FS_KIND_THP || !rc->thp_swap_split || !swap_has_room(run, 1)) {
        sc->activate = true;
        return 0;
      }
      split_thp(run, id);
      run->stats.c[FSI_C_thp_swpout_fallback]++;
      a = &run->allocs[id];
      n = 1;
    }
    /* add_to_swap(): a slot is taken and the page is in the swap cache */
    rc->swap_used += n;
    a->flags |= FSI_AF_SWAPPED;
    if (a->task < run->ntasks) run->tasks[a->task].swap_pages += n;
    run->stats.c[FSI_C_pswpout] += n;
    sc->nr_pageout += n;
    if (rc->swap_async && !sc->sync) {
      /* pageout() -> swap_writepage(): PG_reclaim is set and the write is
       * queued on the device; the page is kept (back to the inactive head)
       * until the write ends and folio_rotate_reclaimable() puts it at the
       * tail, where the next scan frees it.  Direct reclaim writes swap as
       * kswapd does (only page cache is left to kswapd and the flushers). */
      queue_wait(run, sc, n);
      fsi_start_writeback(run, id);
      a->flags2 |= FSI_AF2_RECLAIM;
      sc->cost_ns += n * run->cost.reclaim_clean;
      return 0;
    }
    /* a synchronous device (zram: bdev_write_page() returns with the page
     * written), or a sync reclaimer that waits for the disk: freed now */
    if (rc->swap_async) sync_wait(run, sc, n, false);
    else sc->cost_ns += n * run->cost.reclaim_swap;
    run->stats.c[FSI_C_pgsteal_anon] += n;
  }
  uint32_t v = lruvec_of(run, a);
  lru_del(run, id);
  if (!sc->invalidate) workingset_eviction(run, a, v, n);
  if (a->task < run->ntasks && fsi_kind_counts_as_rss(a->kind)) run->tasks[a->task].rss_pages -= n;
  bool freeing = run->reclaim_freeing;
  run->reclaim_freeing = true;
  fsi_release_frames(run, id);
  run->reclaim_freeing = freeing;
  a->flags &= (uint8_t)~FSI_AF_RESIDENT;
  a->flags2 &= (uint8_t)~FSI_AF2_RECLAIM;
  rc->kswapd_failures = 0;
  fsi_refault_schedule(run, id);
  return n;
}

uint64_t fsi_reclaim_pfn(FsiRun *run, uint64_t pfn, bool sync, bool kswapd) {
  if (pfn >= run->mem.cfg.total_pages) return 0;
  const FsiPage *p = &run->mem.pages[pfn];
  if (!(p->flags & FSI_PG_ALLOC)) return 0;
  FsiAlloc *a = &run->allocs[p->alloc];
  if (a->lru == FSI_LRU_NONE) return 0;
  /* isolate_lru_pages()'s neighbour loop (2.6.23-3.4) leaves an anonymous
   * page alone while no swap slot is free and it has none ("reclaiming of
   * anon page which don't already have a swap slot is pointless"): not
   * isolated, not counted as scanned, and costing only that test */
  if (!is_file(a) && !(a->flags & FSI_AF_SWAPPED) && !swap_has_room(run, 1)) return 0;
  /* lumpy reclaim ignores references; sync mode waits for writeback.  In
   * a reclaimer's tag hook (lumpy reclaim) the page is written as that
   * reclaimer may (shrink_page_list()'s test is the same in both of lumpy's
   * passes): kswapd, or before 3.2 a direct reclaimer whose request may
   * enter the filesystem; outside one, a sync caller writes too. */
  bool may_write = run->rc.in_reclaim_tag ? run->rc.tag_may_write : kswapd || sync || run->rc.write_file_any;
  ScanControl sc = {.kswapd = kswapd, .may_writepage = may_write, .may_swap = true, .sync = sync};
  uint64_t n = evict(run, p->alloc, &sc);
  run->charged_ns += sc.cost_ns + run->cost.scan;
  run->stats.c[kswapd ? FSI_C_pgscan_kswapd : FSI_C_pgscan_direct]++;
  run->stats.c[kswapd ? FSI_C_pgsteal_kswapd : FSI_C_pgsteal_direct] += n;
  return n;
}

/* ---- shrink_lruvec ---------------------------------------------------------- */

/* isolate_lru_folios() (4.8+, node lists): a page in a zone above the
 * reclaim's highest (sc->reclaim_idx: a GFP_KERNEL reclaim on a machine with
 * ZONE_MOVABLE, a GFP_DMA32 one above 4 GiB) is skipped -- not isolated, not
 * counted against the scan's budget, and put back at the list's head (the
 * kernel splices the skipped ones there after the scan; moving each as it is
 * met gives the same order).  The scan stops when it meets the first page it
 * put there.  It counts as scanned (nr_scanned includes the skipped pages).
 * With per-zone lists every page of the lruvec is in range. */
static bool lru_skip(FsiRun *run, uint32_t id, const FsiAlloc *a, const ScanControl *sc, uint32_t *first_skipped) {
  if (a->zone <= sc->reclaim_idx) return false;
  lru_move(run, id, a->lru);
  if (*first_skipped == FSI_NIL) *first_skipped = id;
  return true;
}

/* shrink_active_list(): age pages from the active tail to the inactive head. */
static void shrink_active(FsiRun *run, uint32_t v, uint32_t active, uint64_t nr, ScanControl *sc) {
  uint64_t moved = 0, referenced = 0;
  uint32_t first_skipped = FSI_NIL;
  while (moved < nr && run->rc.lru_tail[v][active] != FSI_NIL && run->rc.lru_tail[v][active] != first_skipped) {
    uint32_t id = run->rc.lru_tail[v][active];
    FsiAlloc *a = &run->allocs[id];
    uint64_t n = fsi_alloc_nr_pages(a);
    if (lru_skip(run, id, a, sc, &first_skipped)) {
      sc->cost_ns += n * run->cost.scan;
      continue;
    }
    /* folio_referenced(): counted as rotated (2.6.28-5.8's reclaim_stat),
     * though only executable page cache stays active (not modelled) */
    if (a->flags & FSI_AF_REFERENCED) referenced += n;
    a->flags &= (uint8_t)~FSI_AF_REFERENCED;
    a->flags2 |= FSI_AF2_PG_WORKINGSET; /* folio_set_workingset() on deactivation */
    lru_move(run, id, active - 1);
    moved += n;
    sc->cost_ns += n * run->cost.scan;
  }
  run->stats.c[FSI_C_pgdeactivate] += moved;
  note_reclaim_stat(run, v, active == FSI_LRU_ACTIVE_FILE, moved, referenced);
}

/* shrink_inactive_list(): scan nr pages from the tail; referenced pages are
 * activated, the rest reclaimed if possible, else rotated to the head. */
static void shrink_inactive(FsiRun *run, uint32_t v, uint32_t inactive, uint64_t nr, ScanControl *sc) {
  uint64_t scanned = 0, credited = 0, skipped = 0, activated = 0, pageout = sc->nr_pageout;
  uint32_t first_skipped = FSI_NIL;
  sc->file_taken = sc->unqueued_dirty = 0;
  uint32_t id = run->rc.lru_tail[v][inactive];
  while (scanned < nr && id != FSI_NIL && id != first_skipped &&
         (sc->no_cut || sc->reclaimed - sc->pass_start < sc->nr_to_reclaim)) {
    FsiAlloc *a = &run->allocs[id];
    uint32_t prev = a->lru_prev;
    uint64_t n = fsi_alloc_nr_pages(a);
    if (lru_skip(run, id, a, sc, &first_skipped)) {
      skipped += n;
      id = prev;
      continue;
    }
    scanned += n;
    if (sc->order && run->has_reclaim_tag) {
      /* lumpy reclaim: a policy may take the tag page's neighbours; the
       * list may change under us, so pick the scan up again from the tail */
      uint64_t pfn = a->pfn;
      run->rc.in_reclaim_tag = true;
      run->rc.tag_credit = 0;
      run->rc.tag_may_write = sc->may_writepage;
      for (uint32_t i = 0; i < run->nslots; i++) {
        const FsPolicyOps *ops = &run->slots[i].policy->ops;
        if (!ops->reclaim_tag) continue;
        run->current_slot = (int32_t)i;
        FsiHookCtx hk = fsi_hook_enter(run, i, "reclaim_tag");
        ops->reclaim_tag(run->slots[i].state, pfn, sc->order, sc->kswapd);
        fsi_hook_leave(run, hk);
        run->current_slot = -1;
      }
      run->rc.in_reclaim_tag = false;
      /* shrink_page_list() frees the tag's neighbours with it: what the
       * policy credits counts toward nr_reclaimed, so the reclaimer stops
       * at its target (pgsteal_* already has them, from reclaim_pfn) */
      sc->reclaimed += run->rc.tag_credit;
      sc->credited += run->rc.tag_credit;
      /* isolate_lru_pages() counts each neighbour taken against the scan
       * (scan++), so a lumpy block uses up the pass's budget; reclaim_pfn
       * has already counted them in pgscan_* and charged their cost */
      scanned += run->rc.tag_credit;
      credited += run->rc.tag_credit;
      if (a->lru != inactive) {
        id = run->rc.lru_tail[v][inactive];
        continue;
      }
      prev = a->lru_prev;
    }
    if (a->flags & FSI_AF_REFERENCED) {
      a->flags &= (uint8_t)~FSI_AF_REFERENCED;
      lru_move(run, id, inactive + 1);
      run->stats.c[FSI_C_pgactivate] += n;
      activated += n;
      /* a page used twice goes active: workingset_activation() (or, 6.1,
       * move_folios_to_lru() putting an active folio back) ages the clock */
      age_nonresident(run, v, is_file(a), n);
    } else {
      uint64_t got = evict(run, id, sc);
      if (got) sc->reclaimed += got;
      /* shrink_page_list()'s activate_locked: a page that cannot go now
       * (pinned, anon with no swap slot to be had, dirty or under writeback
       * and marked PG_reclaim) is activated rather than rescanned on the
       * inactive list at every pass */
      else if (sc->activate) {
        uint64_t m = fsi_alloc_nr_pages(&run->allocs[id]); /* (a THP may have been split) */
        lru_move(run, id, inactive + 1);
        activated += m;
        run->stats.c[FSI_C_pgactivate] += m; /* activate_locked counts too */
        /* 6.1's move_folios_to_lru() ages for every folio put back active */
        if (run->rc.refault_activate == FSI_RA_DISTANCE) age_nonresident(run, v, is_file(&run->allocs[id]), m);
      } else if (run->allocs[id].lru != FSI_LRU_NONE) lru_move(run, id, inactive);
    }
    id = prev;
  }
  /* the balance's feedback: reclaim_stat counts the pages isolated and
   * those put back active (lumpy reclaim's neighbours count with the list
   * scanned, whatever their type); the cost, the pages written */
  int file = inactive == FSI_LRU_INACTIVE_FILE;
  note_reclaim_stat(run, v, file, scanned, activated);
  note_cost(run, v, file, sc->nr_pageout - pageout);
  sc->scanned += scanned - credited + skipped;
  sc->cost_ns += (scanned - credited + skipped) * run->cost.scan;
  /* shrink_inactive_list(): every file page taken was dirty and not queued
   * for writeback, so the flushers are not keeping up: wake them, and let
   * kswapd write such pages itself from now on (PGDAT_DIRTY) */
  if (inactive == FSI_LRU_INACTIVE_FILE && sc->file_taken && sc->unqueued_dirty == sc->file_taken) {
    fsi_wakeup_flusher_threads(run);
    if (sc->kswapd) run->rc.pgdat_dirty = true;
  }
}

/* inactive_is_low(): inactive * int_sqrt(10 * GiB) < active. */
static bool inactive_is_low(const FsiRun *run, uint32_t v, uint32_t inactive) {
  uint64_t in = lru_size(run, v, inactive), act = lru_size(run, v, inactive + 1);
  uint64_t gb = (in + act) * run->mem.cfg.page_size >> 30;
  uint64_t ratio = gb ? fsi_int_sqrt(10 * gb) : 1;
  return in * ratio < act;
}

/* Whether reclaim shrinks lruvec v's active list of a type this round:
 * its inactive list is low, or (vm.refault_deactivate) refaults of the type
 * were activated since the last reclaim ended -- 5.9+'s
 * prepare_scan_count(): "When refaults are being observed, it means a new
 * workingset is being established. Deactivate to get rid of any stale
 * active pages quickly"; 4.12-5.8 did so for page cache alone. */
static bool may_deactivate(const FsiRun *run, uint32_t v, int file) {
  const FsiReclaim *rc = &run->rc;
  bool refaulted = rc->ws_activate[file] != rc->ws_activate_snap[file];
  if (refaulted && (rc->refault_deactivate == FSI_RD_5_9 || (file && rc->refault_deactivate == FSI_RD_4_12)))
    return true;
  return inactive_is_low(run, v, file ? FSI_LRU_INACTIVE_FILE : FSI_LRU_INACTIVE_ANON);
}

/* refill_inactive_zone()'s reclaim_mapped (before 2.6.28): mapped pages
 * leave the active list only when swap_tendency = mapped_ratio / 2 +
 * distress + swappiness reaches 100, distress = 100 >> the zone's
 * prev_priority (the lower of the priority the last reclaim reached and
 * this one's), mapped_ratio the mapped pages' percentage of memory.  The
 * mapped pages are taken as the anonymous LRU (mapped page cache is not
 * modelled). */
static bool reclaim_mapped(FsiRun *run, int priority) {
  const FsiReclaim *rc = &run->rc;
  int prio = MIN(priority, rc->prev_priority);
  uint64_t distress = 100u >> MAX(prio, 0);
  uint64_t mapped = rc->lru_pages[FSI_LRU_INACTIVE_ANON] + rc->lru_pages[FSI_LRU_ACTIVE_ANON];
  uint64_t mapped_ratio = mapped * 100 / MAX(run->mem.cfg.total_pages, (uint64_t)1);
  return mapped_ratio / 2 + distress + rc->swappiness >= 100;
}

/* 2.6's shrink_zone() (vm.anon_lru=2.6): one active and one inactive list
 * per zone, each scanned lru_size >> priority a round, the active list
 * deactivating as it goes (refill_inactive_zone(): unmapped pages go to the
 * inactive list, mapped ones back to the active list unless
 * reclaim_mapped).  Here the two split lists stand for the single one: each
 * type's active and inactive lists scanned by their sizes, anonymous
 * (mapped) pages deactivated only under reclaim_mapped. */
static void shrink_lruvec_2_6(FsiRun *run, uint32_t v, int priority, ScanControl *sc, bool anon, uint64_t room) {
  run->rc.prev_priority = MIN(run->rc.prev_priority, priority);
  bool mapped = reclaim_mapped(run, priority);
  for (int t = 0; t < 2; t++) {
    uint32_t inactive = t == 0 ? FSI_LRU_INACTIVE_FILE : FSI_LRU_INACTIVE_ANON;
    if (t == 1 && !anon) continue;
    for (uint32_t list = inactive + 1;; list = inactive) {
      uint64_t size = lru_size(run, v, list);
      uint64_t scan = size >> priority;
      if (!scan && size && priority < DEF_PRIORITY - 2) scan = MIN(size, (uint64_t)SWAP_CLUSTER_MAX);
      if (t == 1) scan = MIN(scan, 4 * room);
      if (scan && list == inactive) shrink_inactive(run, v, inactive, scan, sc);
      else if (scan && (t == 0 || mapped)) shrink_active(run, v, list, scan, sc);
      if (list == inactive) break;
    }
  }
}

/* prepare_scan_count()'s cache_trim_mode, which get_scan_count() answers with
 * SCAN_FILE (vm.scan_file_first; 3.8's "only evict file pages when we have
 * plenty"): "If we have plenty of inactive file pages that aren't thrashing,
 * try to reclaim those first before touching anonymous pages".  Plenty: the
 * node's inactive file list shifted by the priority is not zero; thrashing
 * (5.9+, DEACTIVATE_FILE): page cache refaults activated since the last
 * reclaim ended, or the inactive file list low against the active one. */
static bool cache_trim_mode(const FsiRun *run, uint32_t v, int priority) {
  if (!run->rc.scan_file_first) return false;
  if (!(lru_size(run, v, FSI_LRU_INACTIVE_FILE) >> priority)) return false;
  /* 3.8-5.8 asked the ratio alone (get_scan_count()'s inactive_list_is_low()
   * without actual_reclaim); 5.9+ sc->may_deactivate */
  if (run->rc.refault_deactivate == FSI_RD_5_9) return !may_deactivate(run, v, 1);
  return !inactive_is_low(run, v, FSI_LRU_INACTIVE_FILE);
}

/* get_scan_count()'s SCAN_ANON while the page cache is nearly gone
 * (vm.file_is_tiny).  Per-zone lists (2.6.28-4.7): "If we have very few page
 * cache pages, force-scan anon pages" -- the zone's page cache and free
 * pages at or under its high watermark.  Node lists (6.1's
 * prepare_scan_count()): the node's page cache and free pages at or under
 * the zones' high watermarks together, unless the inactive anon list is low
 * too or anonymous refaults were activated since the last reclaim
 * (DEACTIVATE_ANON: "this isn't a runaway file reclaim problem, but rather
 * just extreme pressure"), or it holds nothing at this priority. */
static bool file_is_tiny(const FsiRun *run, uint32_t v, int priority) {
  if (!run->rc.file_is_tiny) return false;
  uint64_t file = lru_size(run, v, FSI_LRU_INACTIVE_FILE) + lru_size(run, v, FSI_LRU_ACTIVE_FILE);
  if (run->rc.lru_per_zone) {
    const FsiZone *zn = &run->mem.zones[v];
    return file + zn->nr_free_pages <= fsi_wmark(zn, FSI_WMARK_HIGH);
  }
  uint64_t free = 0, high = 0;
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) {
    const FsiZone *zn = &run->mem.zones[z];
    if (!fsi_zone_populated(zn)) continue;
    free += zn->nr_free_pages;
    high += fsi_wmark(zn, FSI_WMARK_HIGH);
  }
  return file + free <= high && !may_deactivate(run, v, 0) && (lru_size(run, v, FSI_LRU_INACTIVE_ANON) >> priority);
}

/* snapshot_refaults(): at the end of a direct reclaim and of a kswapd run */
static void snapshot_refaults(FsiRun *run) {
  run->rc.ws_activate_snap[0] = run->rc.ws_activate[0];
  run->rc.ws_activate_snap[1] = run->rc.ws_activate[1];
}

/* get_scan_count()'s SCAN_FRACT: the shares of a round's scan, anon
 * fraction[0] and file fraction[1] over denominator (vm.scan_balance). */
static uint64_t scan_fraction(FsiRun *run, uint32_t v, uint64_t fraction[2]) {
  FsiReclaim *rc = &run->rc;
  uint64_t sw = rc->swappiness;
  if (rc->scan_balance == FSI_SB_COST) {
    /* 5.9+: "inversely proportional to the cost of reclaiming each list
     * ... times the relative IO cost" (swappiness), each type given the
     * total as a floor, so "at least a third of the pressure is applied,
     * before swappiness".  The kernel reads the costs once per shrink_node
     * (prepare_scan_count()); here at each lruvec's round, the same pass. */
    uint64_t total = rc->lru_cost[v][0] + rc->lru_cost[v][1];
    uint64_t anon = total + rc->lru_cost[v][0], file = total + rc->lru_cost[v][1];
    total = anon + file;
    fraction[0] = sw * (total + 1) / (anon + 1);
    fraction[1] = (200 - sw) * (total + 1) / (file + 1);
    return fraction[0] + fraction[1];
  }
  if (rc->scan_balance == FSI_SB_ROTATED) {
    /* 2.6.28-5.8 (4.4's text): a type's statistics are halved once its
     * scanned pages pass a quarter of its lists; the pressure on it is
     * its priority times scanned over rotated, "inversely proportional to
     * the fraction of recently scanned pages on each list that were
     * recently referenced and in active use" */
    for (int t = 0; t < 2; t++) {
      uint32_t inactive = t ? FSI_LRU_INACTIVE_FILE : FSI_LRU_INACTIVE_ANON;
      uint64_t size = lru_size(run, v, inactive) + lru_size(run, v, inactive + 1);
      if (rc->recent_scanned[v][t] > size / 4) {
        rc->recent_scanned[v][t] /= 2;
        rc->recent_rotated[v][t] /= 2;
      }
    }
    fraction[0] = sw * (rc->recent_scanned[v][0] + 1) / (rc->recent_rotated[v][0] + 1);
    fraction[1] = (200 - sw) * (rc->recent_scanned[v][1] + 1) / (rc->recent_rotated[v][1] + 1);
    return fraction[0] + fraction[1] + 1;
  }
  fraction[0] = sw;
  fraction[1] = 200 - sw;
  return 200;
}

/* The active anon list's aging (vm.age_anon, 2.6.28+), at its two places:
 * the end of every shrink_lruvec() and kswapd's age_active_anon().  With a
 * swap device (6.1's can_age_anon_pages()), 32 pages of lruvec v's active
 * anon list are aged whenever its inactive one is low.  The 2.6 LRU (before
 * 2.6.28) has no such aging: refill_inactive_zone()'s reclaim_mapped. */
static void age_anon_lruvec(FsiRun *run, uint32_t v, ScanControl *sc) {
  if (!run->rc.age_anon || !run->rc.swap_pages || run->rc.anon_lru == FSI_ANON_LRU_2_6) return;
  if (inactive_is_low(run, v, FSI_LRU_INACTIVE_ANON)) shrink_active(run, v, FSI_LRU_ACTIVE_ANON, SWAP_CLUSTER_MAX, sc);
}

static void shrink_lruvec(FsiRun *run, uint32_t v, int priority, ScanControl *sc) {
  /* can_reclaim_anon_pages(): only with swap room.  With little room left,
   * scanning the whole anon list would only rotate pages that cannot go, so
   * the anon scan is capped at a few times the free slots (fragsim's; the
   * kernel scans them and activates those add_to_swap() fails). */
  uint64_t room = run->rc.swap_pages - run->rc.swap_used;
  bool anon = sc->may_swap && room >= SWAP_CLUSTER_MAX;
  if (run->rc.anon_lru == FSI_ANON_LRU_2_6) {
    shrink_lruvec_2_6(run, v, priority, sc, anon, room);
    return;
  }
  /* get_scan_count(), in its order: without swap room SCAN_FILE, the file
   * lists by their sizes; at priority 0 (with swappiness) SCAN_EQUAL, every
   * list by its size; with the page cache nearly gone SCAN_ANON; while it
   * is plentiful SCAN_FILE (cache_trim_mode); else SCAN_FRACT, each type its
   * share (vm.scan_balance) */
  bool equal = anon && priority == 0 && run->rc.swappiness;
  bool anon_only = anon && !equal && file_is_tiny(run, v, priority);
  if (anon && !equal && !anon_only && cache_trim_mode(run, v, priority)) anon = false;
  uint64_t fraction[2] = {1, 1}, denominator = 1;
  bool fract = anon && !equal && !anon_only;
  if (fract) denominator = scan_fraction(run, v, fraction);
  for (int t = 0; t < 2; t++) {
    uint32_t inactive = t == 0 ? FSI_LRU_INACTIVE_FILE : FSI_LRU_INACTIVE_ANON;
    if (t == 1 && !anon) continue;
    if (t == 0 && anon_only) continue;
    uint64_t size = lru_size_eligible(run, v, inactive, sc->reclaim_idx) +
                    lru_size_eligible(run, v, inactive + 1, sc->reclaim_idx);
    uint64_t scan = size >> priority;
    if (fract) scan = scan * fraction[t == 0 ? 1 : 0] / denominator;
    if (t == 1) scan = MIN(scan, 4 * room);
    if (!scan && size && priority < DEF_PRIORITY - 2) scan = MIN(size, (uint64_t)SWAP_CLUSTER_MAX);
    if (!scan) continue;
    if (may_deactivate(run, v, t == 0)) shrink_active(run, v, inactive + 1, scan, sc);
    shrink_inactive(run, v, inactive, scan, sc);
  }
  /* "Even if we did not try to evict anon pages at all, we want to
   * rebalance the anon lru active/inactive ratio" (2.6.28+) */
  age_anon_lruvec(run, v, sc);
}

/* The last zone a zone-LRU kswapd pass shrinks.  Before 4.8 balance_pgdat()
 * scanned from the highest zone down for the first one failing its high
 * watermark at the order (end_zone) and shrank the zones from DMA up to it:
 * a zone above it was already balanced and was left alone.  -1: none fails. */
static int kswapd_end_zone(FsiRun *run, uint32_t top, uint32_t order) {
  if (run->rc.kswapd_zones == FSI_KZ_CLASSZONE) return (int)top;
  for (int z = (int)top; z >= 0; z--) {
    const FsiZone *zn = &run->mem.zones[z];
    if (fsi_zone_populated(zn) && !fsi_zone_watermark_ok(&run->mem, (uint32_t)z, order, fsi_wmark(zn, FSI_WMARK_HIGH), 0,
                                                         0, (int64_t)zn->nr_free_pages))
      return z;
  }
  return -1;
}

/* The LRU part of a reclaim pass.  With per-zone lists (vm.lru=zone, before
 * 4.8) shrink_zone() ran on every populated zone up to the request's highest
 * (kswapd: from DMA up to end_zone, vm.kswapd_zones; direct reclaim: its
 * zonelist), each scanned by its own lists' sizes, so a zone's pages are
 * reclaimed only by shrinking it.  The reclaim target is the caller's, shared
 * by the zones as 2.6.33+'s shrink_zone() counted it; 2.6.14-2.6.16 reset it
 * to swap_cluster_max at each zone (vm.zone_reclaim_target=per-zone), so a
 * pass stops each zone at 32 pages of its own, kswapd's too, and a direct
 * reclaim shrinks every zone of its zonelist before it counts the total. */
static void shrink_lruvecs(FsiRun *run, int priority, ScanControl *sc) {
  if (!run->rc.lru_per_zone) {
    shrink_lruvec(run, 0, priority, sc);
    return;
  }
  uint32_t top = MIN(sc->reclaim_idx, run->mem.nr_zones ? run->mem.nr_zones - 1 : 0);
  int end_zone = sc->kswapd ? kswapd_end_zone(run, top, sc->order) : (int)top;
  for (uint32_t i = 0; (int)i <= end_zone; i++) {
    uint32_t z = sc->kswapd ? i : top - i; /* kswapd from DMA up, direct reclaim in zonelist order */
    const FsiZone *zn = &run->mem.zones[z];
    if (!fsi_zone_populated(zn)) continue;
    /* 2.6.24-2.6.38: "We put equal pressure on every zone, unless one zone
     * has way too many pages free already" */
    if (sc->kswapd && run->rc.kswapd_zones == FSI_KZ_8HIGH &&
        fsi_zone_watermark_ok(&run->mem, z, sc->order, 8 * fsi_wmark(zn, FSI_WMARK_HIGH), (uint32_t)end_zone, 0,
                              (int64_t)zn->nr_free_pages))
      continue;
    if (run->rc.zone_reclaim_target == FSI_ZT_PER_ZONE) {
      uint64_t start = sc->pass_start, target = sc->nr_to_reclaim;
      sc->pass_start = sc->reclaimed;
      sc->nr_to_reclaim = SWAP_CLUSTER_MAX;
      shrink_lruvec(run, z, priority, sc);
      sc->pass_start = start;
      sc->nr_to_reclaim = target;
    } else {
      shrink_lruvec(run, z, priority, sc);
    }
  }
}

/* The superblock shrinker (fs/super.c): one shrinker for the dentry and
 * inode caches, seeks DEFAULT_SEEKS, batch 1024. */
#define SB_SEEKS 2
#define SB_BATCH 1024
enum { DEFER_SCALED, DEFER_FULL, DEFER_OFF }; /* vm.shrinker_defer */

/* super_cache_count(): the objects on the caches' LRUs (an object in use is
 * on none). */
static uint64_t sb_count(const FsiRun *run) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < run->rc.nr_caches; i++) {
    const FsiSlabCache *c = &run->rc.caches[i];
    if (c->kind == FS_KIND_SLAB_RECLAIMABLE) n += c->nr_objects - c->nr_in_use;
  }
  return n;
}

/* prune_dcache_sb()/prune_icache_sb(): walk up to nr objects from the LRU
 * head (oldest); a referenced one loses its flag and is rotated to the
 * tail (dentry_lru_isolate's LRU_ROTATE), the others are freed.  Returns
 * the objects walked; *freed counts the objects freed. */
static uint64_t prune_cache(FsiRun *run, uint32_t ci, uint64_t nr, uint64_t *freed) {
  FsiReclaim *rc = &run->rc;
  FsiSlabCache *c = &rc->caches[ci];
  uint64_t walked = 0;
  while (walked < nr && c->lru_head != FSI_NIL) {
    uint32_t o = c->lru_head;
    FsiSlabObj *ob = &rc->objs[o];
    walked++;
    if (!ob->referenced) {
      fsi_slab_obj_free(run, o);
      (*freed)++;
      continue;
    }
    ob->referenced = 0;
    if (c->lru_tail == o) continue; /* alone on the list: already at the tail */
    c->lru_head = ob->lru_next;
    rc->objs[c->lru_head].lru_prev = FSI_NIL;
    ob->lru_prev = c->lru_tail;
    ob->lru_next = FSI_NIL;
    rc->objs[c->lru_tail].lru_next = o;
    c->lru_tail = o;
  }
  return walked;
}

/* super_cache_scan(): split nr_to_scan between the caches in proportion to
 * their LRU counts (mult_frac over total + 1), at least one object each,
 * counted before any is pruned; then the dentries, then the inodes (a
 * dentry pruned puts its inode on the inode LRU: fsi_slab_hold()). */
static uint64_t sb_scan(FsiRun *run, uint64_t nr_to_scan, uint64_t *walked) {
  uint64_t total = sb_count(run) + 1, freed = 0, share[FSI_MAX_SLAB_CACHES];
  for (uint32_t i = 0; i < run->rc.nr_caches; i++) {
    const FsiSlabCache *c = &run->rc.caches[i];
    share[i] = c->kind == FS_KIND_SLAB_RECLAIMABLE ? nr_to_scan * (c->nr_objects - c->nr_in_use) / total + 1 : 0;
  }
  for (uint32_t i = 0; i < run->rc.nr_caches; i++)
    if (share[i]) *walked += prune_cache(run, i, share[i], &freed);
  return freed;
}

/* do_shrink_slab() for the superblock shrinker: delta = (freeable >>
 * priority) * 4 / seeks plus the deferred work (nr_deferred >> priority),
 * at most twice the freeable objects, scanned in batches while a whole
 * batch is due or the scan covers every freeable object; what was due but
 * not scanned is deferred to the next call (at most 2 * freeable).  Pages
 * come back only when a slab page empties, which is why shrinking frees
 * memory slowly. */
static void shrink_slab(FsiRun *run, int priority, ScanControl *sc) {
  FsiReclaim *rc = &run->rc;
  uint64_t freeable = sb_count(run);
  if (!freeable) return;
  uint64_t nr = rc->shrink_deferred;
  rc->shrink_deferred = 0;
  uint64_t delta = (freeable >> priority) * 4 / SB_SEEKS;
  uint64_t total_scan;
  if (rc->shrinker_defer == DEFER_FULL) {
    /* before 5.11: all the deferred work, but at most half the freeable
     * objects while this call's own share is under a quarter of them */
    total_scan = nr + delta;
    if (delta < freeable / 4) total_scan = MIN(total_scan, freeable / 2);
    total_scan = MIN(total_scan, 2 * freeable);
  } else {
    total_scan = MIN((nr >> priority) + delta, 2 * freeable);
  }
  uint64_t pages_before = fsi_slab_pages(run, FS_KIND_SLAB_RECLAIMABLE);
  uint64_t scanned = 0, walked = 0, freed = 0;
  bool freeing = run->reclaim_freeing;
  run->reclaim_freeing = true; /* emptied slab pages go to the reclaimer's lists */
  while (total_scan >= SB_BATCH || total_scan >= freeable) {
    uint64_t n = MIN((uint64_t)SB_BATCH, total_scan);
    freed += sb_scan(run, n, &walked);
    total_scan -= n;
    scanned += n;
  }
  run->reclaim_freeing = freeing;
  /* before 5.11 the carried work was not capped at 2 * freeable */
  uint64_t next = nr + delta > scanned ? nr + delta - scanned : 0;
  if (rc->shrinker_defer == DEFER_SCALED) rc->shrink_deferred = MIN(next, 2 * freeable);
  else if (rc->shrinker_defer == DEFER_FULL) rc->shrink_deferred = next;
  run->stats.c[FSI_C_slabs_scanned] += scanned;
  run->stats.c[FSI_C_fs_slab_objects_freed] += freed;
  sc->cost_ns += walked * run->cost.shrink_object;
  uint64_t slab_freed = pages_before - fsi_slab_pages(run, FS_KIND_SLAB_RECLAIMABLE);
  sc->reclaimed += slab_freed;
  sc->reclaimed_slab += slab_freed;
}

uint64_t fsi_shrink_slab(FsiRun *run, int priority) {
  ScanControl sc = {.nr_to_reclaim = UINT64_MAX};
  shrink_slab(run, priority, &sc);
  run->charged_ns += sc.cost_ns;
  return sc.reclaimed;
}

int fsi_compaction_suitable(FsiRun *run, uint32_t zone, uint32_t order, uint32_t highest_zoneidx) {
  if (run->compaction_slot < 0) return -1;
  uint32_t i = (uint32_t)run->compaction_slot;
  int32_t saved = run->current_slot;
  run->current_slot = (int32_t)i;
  FsiHookCtx hk = fsi_hook_enter(run, i, "compaction_suitable");
  int r = run->slots[i].policy->ops.compaction_suitable(run->slots[i].state, zone, order, highest_zoneidx);
  fsi_hook_leave(run, hk);
  run->current_slot = saved;
  if (r != FS_COMPACT_SUCCESS && r != FS_COMPACT_CONTINUE && r != FS_COMPACT_SKIPPED) {
    fsi_run_failf(run, "policy \"%s\": hook compaction_suitable at t=%" G_GUINT64_FORMAT
                       " ns returned %d (expected FS_COMPACT_SUCCESS, _CONTINUE or _SKIPPED)",
                  run->slots[i].policy->name, run->now_ns, r);
    return FS_COMPACT_SKIPPED;
  }
  return r;
}

/* The reclaim side of the handshake is there when the stack has compaction
 * (CONFIG_COMPACTION) and the kernel modelled has it (3.2+). */
static bool handshake(const FsiRun *run) { return run->reclaim_compaction != FSI_RC_OFF && run->compaction_slot >= 0; }

/* should_continue_reclaim(): in reclaim/compaction mode (costly orders, or
 * any order once the priority has dropped below DEF_PRIORITY - 2), shrink
 * the node again while the last pass freed something, no eligible zone is
 * ready for compaction (compaction_suitable() SUCCESS or CONTINUE) and the
 * inactive lists still hold more than compact_gap(order) pages. */
static bool should_continue_reclaim(FsiRun *run, uint64_t nr_reclaimed, const ScanControl *sc) {
  if (!handshake(run) || !sc->order) return false;
  if (sc->order <= run->costly_order && sc->priority >= DEF_PRIORITY - 2) return false;
  if (!nr_reclaimed || run->stop) return false;
  for (uint32_t z = 0; z <= sc->reclaim_idx && z < run->mem.nr_zones; z++) {
    if (!fsi_zone_populated(&run->mem.zones[z])) continue;
    int r = fsi_compaction_suitable(run, z, sc->order, sc->reclaim_idx);
    if (r == FS_COMPACT_SUCCESS || r == FS_COMPACT_CONTINUE) return false;
  }
  uint64_t inactive = run->rc.lru_pages[FSI_LRU_INACTIVE_FILE];
  if (sc->may_swap && run->rc.swap_used < run->rc.swap_pages) inactive += run->rc.lru_pages[FSI_LRU_INACTIVE_ANON];
  return inactive > (2ull << sc->order);
}

/* compaction_ready(): the allocation would already succeed, or compaction
 * could run and the zone is above high + compact_gap(order) at order 0. */
static bool compaction_ready(FsiRun *run, uint32_t zone, const ScanControl *sc) {
  int r = fsi_compaction_suitable(run, zone, sc->order, sc->reclaim_idx);
  if (r == FS_COMPACT_SUCCESS) return true;
  if (r != FS_COMPACT_CONTINUE) return false;
  const FsiZone *zn = &run->mem.zones[zone];
  return fsi_zone_watermark_ok(&run->mem, zone, 0, fsi_wmark(zn, FSI_WMARK_HIGH) + (2ull << sc->order),
                               sc->reclaim_idx, 0, (int64_t)zn->nr_free_pages);
}

/* shrink_node(): one pass over the lists and the shrinkers, repeated while
 * should_continue_reclaim() says compaction still needs memory.  Each pass
 * after the first has its own nr_to_reclaim (shrink_lruvec's target is per
 * call); the first shares the caller's, so a reclaim that needs no second
 * pass is the single pass it always was. */
static void shrink_node(FsiRun *run, int priority, ScanControl *sc) {
  sc->priority = priority;
  uint64_t start = sc->reclaimed;
  for (;;) {
    shrink_lruvecs(run, priority, sc);
    shrink_slab(run, priority, sc);
    uint64_t got = sc->reclaimed - start;
    if (!should_continue_reclaim(run, got, sc)) break;
    run->stats.c[FSI_C_fs_reclaim_compaction_passes]++;
    start = sc->reclaimed;
    sc->pass_start = start;
  }
  sc->pass_start = 0;
}

uint64_t fsi_drop_caches(FsiRun *run, int what) {
  ScanControl sc = {.may_writepage = true, .may_swap = false, .sync = true, .invalidate = true, .nr_to_reclaim = UINT64_MAX};
  if (what & 1) {
    /* sync, then drop every unpinned page cache page */
    for (uint32_t v = 0; v < fsi_nr_lruvecs(run); v++)
      for (uint32_t list = FSI_LRU_INACTIVE_FILE; list <= FSI_LRU_ACTIVE_FILE; list++) {
        uint32_t id = run->rc.lru_head[v][list];
        while (id != FSI_NIL) {
          uint32_t next = run->allocs[id].lru_next;
          sc.reclaimed += evict(run, id, &sc);
          id = next;
        }
      }
  }
  if (what & 2) {
    uint64_t before;
    do {
      before = sc.reclaimed;
      shrink_slab(run, 0, &sc);
    } while (sc.reclaimed > before + 10);
  }
  return sc.reclaimed;
}

/* ---- direct reclaim --------------------------------------------------------- */

/* zone_reclaimable_pages(): the zone's pages on the file lists, and on the
 * anon lists while swap has room (can_reclaim_anon_pages(): any free swap
 * slot counts the whole anon lists).  With vm.zone_reclaimable_free (6.1.y
 * stable, 6.13+: "account for free pages to prevent infinite loop in
 * throttle_direct_reclaim()"), a zone with none counts its free pages
 * instead, so should_reclaim_retry() and compaction_zonelist_suitable() see
 * twice its free pages. */
uint64_t fsi_zone_reclaimable_pages(const FsiRun *run, uint32_t zone) {
  const uint64_t *lru = run->rc.zone_lru_pages[zone];
  uint64_t nr = lru[FSI_LRU_INACTIVE_FILE] + lru[FSI_LRU_ACTIVE_FILE];
  if (run->rc.swap_used < run->rc.swap_pages) nr += lru[FSI_LRU_INACTIVE_ANON] + lru[FSI_LRU_ACTIVE_ANON];
  if (!nr && run->rc.zone_reclaimable_free) nr = run->mem.zones[zone].nr_free_pages;
  return nr;
}

/* allow_direct_reclaim(): free pages in the zones up to Normal that have
 * something reclaimable must be at least half of their min watermarks, else
 * the reclaimer waits for kswapd. */
static bool allow_direct_reclaim(FsiRun *run) {
  /* a hopeless node (kswapd failed MAX_RECLAIM_RETRIES times) has no
   * kswapd to wait for: never throttle there */
  if (run->rc.kswapd_failures >= MAX_RECLAIM_FAILURES) return true;
  uint64_t free = 0, reserve = 0;
  for (uint32_t z = 0; z < run->mem.nr_zones && z <= FS_ZONE_NORMAL; z++) {
    const FsiZone *zn = &run->mem.zones[z];
    if (!fsi_zone_populated(zn) || !fsi_zone_reclaimable_pages(run, z)) continue;
    free += zn->nr_free_pages;
    reserve += zn->wmark[FSI_WMARK_MIN];
  }
  return !reserve || free > reserve / 2;
}

uint64_t fsi_try_to_free_pages(FsiRun *run, const FsAllocRequest *req) {
  static const FsiCounter stall[FS_MAX_ZONES] = {FSI_C_allocstall_dma, FSI_C_allocstall_dma32,
                                                 FSI_C_allocstall_normal, FSI_C_allocstall_high,
                                                 FSI_C_allocstall_movable};
  run->stats.c[stall[MIN(req->highest_zoneidx, FS_MAX_ZONES - 1)]]++;
  /* before 3.2 direct reclaim wrote page cache too, if the caller may
   * enter the filesystem (may_enter_fs: __GFP_FS) */
  bool may_write = run->rc.write_file_any && (req->gfp & FS_GFP_FS);
  ScanControl sc = {.order = req->order, .kswapd = false, .may_writepage = may_write, .may_swap = true,
                    .nr_to_reclaim = SWAP_CLUSTER_MAX, .reclaim_idx = req->highest_zoneidx, .priority = DEF_PRIORITY};
  if (!allow_direct_reclaim(run)) {
    /* throttle_direct_reclaim(): the task sleeps until kswapd restores the
     * reserves; modelled as a fixed wait while kswapd runs. */
    run->stats.c[FSI_C_pgscan_direct_throttle]++;
    sc.cost_ns += run->cost.throttle;
    fsi_wakeup_kswapd(run, req->order, req->highest_zoneidx);
  }
  for (int priority = DEF_PRIORITY; priority >= 0 && sc.reclaimed < sc.nr_to_reclaim && !sc.compaction_ready;
       priority--) {
    /* shrink_zones(): for a costly order, a zone where compaction is ready
     * is skipped and ends reclaim after this priority; the node is shrunk
     * if any eligible zone is not ready. */
    bool shrink = true;
    if (handshake(run) && sc.order > run->costly_order) {
      shrink = false;
      for (int z = (int)sc.reclaim_idx; z >= 0; z--) {
        if (!fsi_zone_populated(&run->mem.zones[z])) continue;
        if (compaction_ready(run, (uint32_t)z, &sc)) sc.compaction_ready = true;
        else shrink = true;
      }
    }
    uint64_t scanned = sc.scanned;
    /* 2.6.29+: "scan >> priority ... is fine for the starting priority; we
     * want to put equal scanning pressure on each zone" (6.1: global direct
     * reclaim at DEF_PRIORITY is proportional_reclaim, not aborted at
     * nr_to_reclaim); 2.6.17-2.6.28's shrink_zone() had no target at all */
    sc.no_cut = run->rc.direct_reclaim_cut == FSI_CUT_NEVER ||
                (run->rc.direct_reclaim_cut == FSI_CUT_BELOW_DEF && priority == DEF_PRIORITY);
    if (shrink) shrink_node(run, priority, &sc);
    /* do_try_to_free_pages() before 3.11: "take a nap, wait for some
     * writeback to complete" when this priority scanned pages, went below
     * DEF_PRIORITY - 2 and reclaim is not done */
    if (run->rc.reclaim_nap != FSI_NAP_NONE && sc.scanned > scanned && priority < DEF_PRIORITY - 2 &&
        sc.reclaimed < sc.nr_to_reclaim && !sc.compaction_ready)
      congestion_wait(run, &sc.cost_ns, io_clock(run, &sc));
  }
  if (sc.compaction_ready) run->stats.c[FSI_C_fs_reclaim_compaction_ready]++;
  /* zone->prev_priority = temp_priority: where this reclaim ended */
  run->rc.prev_priority = MAX(sc.priority, 0);
  snapshot_refaults(run);
  run->stats.c[FSI_C_pgscan_direct] += sc.scanned;
  run->stats.c[FSI_C_pgsteal_direct] += sc.reclaimed - sc.credited - sc.reclaimed_slab;
  run->stats.c[FSI_C_fs_direct_reclaim_ns] += sc.cost_ns;
  run->charged_ns += sc.cost_ns;
  /* do_try_to_free_pages(): reclaim aborted for compaction is progress */
  return sc.reclaimed ? sc.reclaimed : sc.compaction_ready ? 1 : 0;
}

/* ---- kswapd ------------------------------------------------------------------ */

/* pgdat_balanced() (4.8+): any eligible zone passes the high watermark at
 * the order.  Before 2.6.38 (vm.kswapd_balance=all) balance_pgdat() went on
 * while any zone failed: it took the highest zone failing the high
 * watermark at the order (end_zone) and was done only when every zone up to
 * it passed, each against its lowmem_reserve for end_zone.  2.6.38-4.7
 * (quarter): at order 0 every eligible zone must pass; at a high order the
 * zones passing (each against its own reserve) must hold a quarter of the
 * eligible zones' managed pages (zone_balanced()'s compaction_suitable()
 * test is not modelled). */
bool fsi_pgdat_balanced(FsiRun *run, uint32_t order, uint32_t highest_zoneidx) {
  if (run->rc.kswapd_balance == FSI_KB_QUARTER) {
    uint64_t managed = 0, balanced = 0;
    for (uint32_t z = 0; z <= highest_zoneidx && z < run->mem.nr_zones; z++) {
      const FsiZone *zn = &run->mem.zones[z];
      if (!fsi_zone_populated(zn)) continue;
      managed += zn->managed_pages;
      if (fsi_zone_watermark_ok(&run->mem, z, order, fsi_wmark(zn, FSI_WMARK_HIGH), z, 0, (int64_t)zn->nr_free_pages))
        balanced += zn->managed_pages;
      else if (!order)
        return false;
    }
    return !order || balanced >= managed / 4;
  }
  if (run->rc.kswapd_balance == FSI_KB_ALL) {
    uint32_t top = MIN(highest_zoneidx, run->mem.nr_zones ? run->mem.nr_zones - 1 : 0);
    int end_zone = -1;
    for (int z = (int)top; z >= 0 && end_zone < 0; z--) {
      const FsiZone *zn = &run->mem.zones[z];
      if (fsi_zone_populated(zn) &&
          !fsi_zone_watermark_ok(&run->mem, (uint32_t)z, order, fsi_wmark(zn, FSI_WMARK_HIGH), 0, 0,
                                 (int64_t)zn->nr_free_pages))
        end_zone = z;
    }
    for (int z = 0; z <= end_zone; z++) {
      const FsiZone *zn = &run->mem.zones[z];
      if (fsi_zone_populated(zn) &&
          !fsi_zone_watermark_ok(&run->mem, (uint32_t)z, order, fsi_wmark(zn, FSI_WMARK_HIGH), (uint32_t)end_zone, 0,
                                 (int64_t)zn->nr_free_pages))
        return false;
    }
    return true;
  }
  bool any = false;
  for (uint32_t z = 0; z <= highest_zoneidx && z < run->mem.nr_zones; z++) {
    const FsiZone *zn = &run->mem.zones[z];
    if (!fsi_zone_populated(zn)) continue;
    any = true;
    if (fsi_zone_watermark_ok(&run->mem, z, order, fsi_wmark(zn, FSI_WMARK_HIGH), highest_zoneidx, 0,
                              (int64_t)zn->nr_free_pages))
      return true;
  }
  return !any;
}

static uint64_t total_boost(const FsiRun *run) {
  uint64_t b = 0;
  for (uint32_t z = 0; z < run->mem.nr_zones; z++) b += run->mem.zones[z].watermark_boost;
  return b;
}

/* nr_boost_reclaim > 0: this balance_pgdat() run still has boost to reclaim
 * and has not dropped it for an unbalanced node */
static bool kswapd_boosting(const FsiReclaim *rc) {
  return rc->kswapd_boost_target > 0 && rc->kswapd_reclaimed < rc->kswapd_boost_target && !rc->kswapd_boost_dropped;
}

static void kswapd_schedule(FsiRun *run, uint64_t at) {
  run->rc.kswapd_pending = true;
  run->rc.kswapd_gen++;
  fsi_eventq_push(&run->q, at, FSI_EV_KSWAPD, 0, run->rc.kswapd_gen);
}

bool fsi_wakeup_kswapd(FsiRun *run, uint32_t order, uint32_t highest_zoneidx) {
  FsiReclaim *rc = &run->rc;
  highest_zoneidx = MIN(highest_zoneidx, run->mem.nr_zones ? run->mem.nr_zones - 1 : 0);
  rc->kswapd_order = MAX(rc->kswapd_order, order);
  rc->kswapd_classzone = MAX(rc->kswapd_classzone, highest_zoneidx);
  if (rc->kswapd_failures >= MAX_RECLAIM_FAILURES) return true; /* hopeless node */
  if (rc->kswapd_awake && !rc->kswapd_napping) return false;    /* running: it picks the order up */
  if (rc->kswapd_napping) {
    /* woken during its HZ/10 nap: kswapd_low_wmark_hit_quickly */
    run->stats.c[FSI_C_kswapd_low_wmark_hit_quickly]++;
    rc->kswapd_napping = false;
    rc->kswapd_priority = KSWAPD_NEW_RUN;
    kswapd_schedule(run, run->now_ns);
    run->stats.c[FSI_C_fs_kswapd_wake]++;
    return false;
  }
  if (fsi_pgdat_balanced(run, order, highest_zoneidx) && !total_boost(run)) return true;
  rc->kswapd_awake = true;
  rc->kswapd_priority = KSWAPD_NEW_RUN;
  run->stats.c[FSI_C_fs_kswapd_wake]++;
  kswapd_schedule(run, run->now_ns);
  return false;
}

/* wakeup_kswapd()'s "hopeless node" / balanced branch: a caller that cannot
 * reclaim directly wakes kcompactd instead (the policies' wakeup_kcompactd
 * hook, ABI 1.7), which decides with compaction_suitable(). */
void fsi_wakeup_kswapd_gfp(FsiRun *run, uint32_t gfp, uint32_t order, uint32_t highest_zoneidx) {
  if (!fsi_wakeup_kswapd(run, order, highest_zoneidx) || (gfp & FS_GFP_DIRECT_RECLAIM) || !order) return;
  fsi_wakeup_kcompactd_hooks(run, order, highest_zoneidx);
}

void fsi_wakeup_kcompactd_hooks(FsiRun *run, uint32_t order, uint32_t highest_zoneidx) {
  highest_zoneidx = MIN(highest_zoneidx, run->mem.nr_zones ? run->mem.nr_zones - 1 : 0);
  int32_t slot = run->current_slot;
  for (uint32_t i = 0; i < run->nslots; i++) {
    const FsPolicyOps *ops = &run->slots[i].policy->ops;
    if (!ops->wakeup_kcompactd) continue;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "wakeup_kcompactd");
    ops->wakeup_kcompactd(run->slots[i].state, order, highest_zoneidx);
    fsi_hook_leave(run, hk);
  }
  run->current_slot = slot;
}

static void kswapd_done_hooks(FsiRun *run, uint32_t order, uint32_t zoneidx) {
  for (uint32_t i = 0; i < run->nslots; i++) {
    const FsPolicyOps *ops = &run->slots[i].policy->ops;
    if (!ops->kswapd_done) continue;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "kswapd_done");
    ops->kswapd_done(run->slots[i].state, order, zoneidx);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
  }
}

/* age_active_anon() (vm.age_anon): at each balance_pgdat() priority that
 * reclaims, "do some background aging of the anon list, to give pages a
 * chance to be referenced before reclaiming" -- 32 pages off every lruvec's
 * active anon list whose inactive one is low, with a swap device (6.1 the
 * node's; 2.6.28-4.7 every zone's). */
static void kswapd_age_anon(FsiRun *run, ScanControl *sc) {
  uint32_t nv = run->rc.lru_per_zone ? run->mem.nr_zones : 1;
  for (uint32_t v = 0; v < nv; v++)
    if (!run->rc.lru_per_zone || fsi_zone_populated(&run->mem.zones[v])) age_anon_lruvec(run, v, sc);
}

/* One kswapd event: a whole priority round of balance_pgdat (or the end of
 * its nap).  The work takes simulated time; the next round starts when it
 * is done, so allocations interleave with kswapd as they do on a real CPU. */
void fsi_kswapd_event(FsiRun *run, uint64_t gen) {
  FsiReclaim *rc = &run->rc;
  if (gen != rc->kswapd_gen) return; /* superseded */
  rc->kswapd_pending = false;
  if (rc->kswapd_napping) {
    rc->kswapd_napping = false;
    if (fsi_pgdat_balanced(run, rc->kswapd_order, rc->kswapd_classzone) && !total_boost(run)) {
      rc->kswapd_awake = false;
      rc->kswapd_order = 0;
      rc->kswapd_classzone = 0;
      return;
    }
    run->stats.c[FSI_C_kswapd_high_wmark_hit_quickly]++;
    rc->kswapd_priority = KSWAPD_NEW_RUN;
  }
  if (rc->kswapd_priority == KSWAPD_NEW_RUN) {
    /* a new balance_pgdat() run */
    rc->kswapd_run_order = rc->kswapd_alloc_order = rc->kswapd_order;
    /* before 4.8, balance_pgdat() looked for its end_zone from the highest
     * zone down whatever zone the wakers wanted (2.6.39-4.7 kept classzone_idx
     * only for deciding when to stop); vm.kswapd_zones end-zone and 8high
     * model the kernels before 2.6.39 */
    rc->kswapd_run_zone =
        rc->kswapd_zones == FSI_KZ_CLASSZONE || !run->mem.nr_zones ? rc->kswapd_classzone : run->mem.nr_zones - 1;
    rc->kswapd_order = 0;
    rc->kswapd_classzone = 0;
    rc->kswapd_priority = DEF_PRIORITY;
    rc->kswapd_reclaimed = 0;
    rc->kswapd_pass_reclaimed = 0;
    rc->kswapd_pass_scanned = 0;
    rc->kswapd_boost_target = total_boost(run);
    rc->kswapd_boost_dropped = false;
    run->stats.c[FSI_C_pageoutrun]++;
  }
  bool balanced = fsi_pgdat_balanced(run, rc->kswapd_run_order, rc->kswapd_run_zone);
  uint64_t io_wait0 = rc->io_wait_ns;
  /* boosted reclaim: reclaim the boost on a balanced node, without swap or
   * writeback, then clear the boost and ask kcompactd for a pageblock; an
   * unbalanced node drops the boost for the rest of the run and is
   * reclaimed normally ("if the pgdat is imbalanced then ignore boosting"),
   * so boosting implies balanced */
  if (!balanced) rc->kswapd_boost_dropped = true;
  bool boosting = kswapd_boosting(rc);
  ScanControl sc = {.order = rc->kswapd_run_order, .kswapd = true, .may_writepage = !boosting,
                    .may_swap = !boosting, .reclaim_idx = rc->kswapd_run_zone};
  /* 2.6.23-2.6.37 balance_pgdat(): no per-round target (nr_to_reclaim is
   * ULONG_MAX for kswapd), and a high order is kept until a whole priority
   * sweep frees fewer than SWAP_CLUSTER_MAX pages */
  bool sweep = rc->kswapd_high_order != FSI_KHO_COMPACT_GAP && !boosting;
  bool give_up = false;
  int prio_run = -1;          /* the priority this round reclaimed at, if it did */
  uint64_t pass_scanned = 0;  /* total_scanned since loop_again, this round's included */
  if (!balanced || boosting) {
    uint64_t want = 0;
    for (uint32_t z = 0; z <= rc->kswapd_run_zone && z < run->mem.nr_zones; z++)
      if (fsi_zone_populated(&run->mem.zones[z])) want += MAX(fsi_wmark(&run->mem.zones[z], FSI_WMARK_HIGH), SWAP_CLUSTER_MAX);
    sc.nr_to_reclaim = boosting ? rc->kswapd_boost_target : sweep ? UINT64_MAX : want;
    prio_run = rc->kswapd_priority;
    kswapd_age_anon(run, &sc);
    shrink_node(run, rc->kswapd_priority, &sc);
    pass_scanned = rc->kswapd_pass_scanned += sc.scanned;
    rc->kswapd_reclaimed += sc.reclaimed;
    run->stats.c[FSI_C_pgscan_kswapd] += sc.scanned;
    run->stats.c[FSI_C_pgsteal_kswapd] += sc.reclaimed - sc.credited - sc.reclaimed_slab;
    if (sweep) {
      /* 2.6.3x: after each priority, stop if the zones are balanced at the
       * order; with SWAP_CLUSTER_MAX pages reclaimed in this pass, start a
       * new pass at DEF_PRIORITY (goto loop_again, same order); after
       * priority 0 without them, drop to order 0 and start again; at order
       * 0 too, give up (the kernel marks zones all_unreclaimable) */
      rc->kswapd_pass_reclaimed += sc.reclaimed;
      balanced = fsi_pgdat_balanced(run, rc->kswapd_run_order, rc->kswapd_run_zone);
      if (!balanced) {
        bool again = rc->kswapd_pass_reclaimed >= SWAP_CLUSTER_MAX;
        if (!again && rc->kswapd_priority == 0) {
          if (rc->kswapd_high_order == FSI_KHO_LOOP && rc->kswapd_run_order) {
            /* before 2.6.33 (vm.kswapd_high_order=loop): goto loop_again at
             * the same order whatever the sweep reclaimed; a sweep that
             * reclaimed nothing stands for every zone all_unreclaimable,
             * where balance_pgdat() returned and kswapd slept */
            if (rc->kswapd_pass_reclaimed) again = true;
            else give_up = true;
          } else if (rc->kswapd_run_order) {
            rc->kswapd_run_order = 0;
            again = !(balanced = fsi_pgdat_balanced(run, 0, rc->kswapd_run_zone));
          } else {
            give_up = true;
          }
        }
        if (again) {
          rc->kswapd_priority = DEF_PRIORITY;
          rc->kswapd_pass_reclaimed = 0;
          rc->kswapd_pass_scanned = 0;
          run->stats.c[FSI_C_pageoutrun]++;
        } else if (!balanced && !give_up) {
          rc->kswapd_priority--;
        }
      }
    } else {
      /* balance_pgdat(): once compact_gap(order) pages are back, balance for
       * order 0 and leave contiguity to compaction */
      if (rc->kswapd_run_order && rc->kswapd_reclaimed >= (2ull << rc->kswapd_run_order)) rc->kswapd_run_order = 0;
      if (boosting && !sc.reclaimed) {
        /* boosted reclaim that made no progress stops: it may not write or
         * swap, so rescanning deeper would only rotate the same pages */
        give_up = true;
      } else if (sc.reclaimed < sc.nr_to_reclaim && !(boosting && rc->kswapd_priority == DEF_PRIORITY - 2)) {
        /* boosted reclaim's priority stays at DEF_PRIORITY - 2 ("limit the
         * priority of boosting to avoid reclaim writeback") */
        rc->kswapd_priority--;
      }
      balanced = fsi_pgdat_balanced(run, rc->kswapd_run_order, rc->kswapd_run_zone);
      if (rc->kswapd_priority < 1) give_up = true;
    }
    boosting = kswapd_boosting(rc);
  }
  uint64_t busy = MAX(sc.cost_ns + run->charged_ns, (uint64_t)1000);
  /* the round's time is its work and its waits for the device (a full
   * queue, a sync write); fs_kswapd_ns counts the work */
  run->stats.c[FSI_C_fs_kswapd_ns] += busy - MIN(rc->io_wait_ns - io_wait0, busy);
  /* balance_pgdat() before 3.11: "kswapd is getting into trouble.  Take a
   * nap" after a priority below DEF_PRIORITY - 2, if anything was scanned
   * since loop_again and the node is still unbalanced; from 2.6.32 not while
   * a zone up to the end zone is under its min watermark at the order */
  uint64_t nap = 0;
  if (rc->reclaim_nap != FSI_NAP_NONE && prio_run >= 0 && prio_run < DEF_PRIORITY - 2 && pass_scanned && !balanced &&
      !give_up) {
    bool skip = false;
    for (uint32_t z = 0; rc->reclaim_nap == FSI_NAP_SKIP_UNDER_MIN && !skip && z <= rc->kswapd_run_zone; z++) {
      const FsiZone *zn = &run->mem.zones[z];
      if (z >= run->mem.nr_zones || !fsi_zone_populated(zn)) continue;
      skip = !fsi_zone_watermark_ok(&run->mem, z, rc->kswapd_run_order, fsi_wmark(zn, FSI_WMARK_MIN), rc->kswapd_run_zone, 0,
                                    (int64_t)zn->nr_free_pages);
    }
    if (skip) run->stats.c[FSI_C_kswapd_skip_congestion_wait]++;
    else congestion_wait(run, &nap, run->now_ns + busy);
  }
  if ((balanced && !boosting) || give_up) {
    /* balance_pgdat(): a run that reclaimed nothing is a failure, unless it
     * found the node balanced with no boost to reclaim (goto out) */
    if (!rc->kswapd_reclaimed && (!balanced || give_up)) {
      rc->kswapd_failures++;
      run->stats.c[FSI_C_fs_kswapd_failures]++;
    }
    bool had_boost = rc->kswapd_boost_target > 0;
    if (had_boost) {
      for (uint32_t z = 0; z < run->mem.nr_zones; z++) run->mem.zones[z].watermark_boost = 0;
      rc->kswapd_boost_target = 0;
    }
    rc->prev_priority = MAX(rc->kswapd_priority, 0); /* balance_pgdat()'s out: */
    snapshot_refaults(run);
    rc->kswapd_priority = KSWAPD_NEW_RUN;
    if (balanced) rc->pgdat_dirty = false; /* clear_pgdat_congested() */
    /* kswapd_try_to_sleep(): if balanced, wake kcompactd for the order it
     * was woken for (pageblock order after boosted reclaim); then nap HZ/10 */
    if (balanced)
      kswapd_done_hooks(run, had_boost ? run->mem.pageblock_order : rc->kswapd_alloc_order, rc->kswapd_run_zone);
    if (rc->kswapd_failures >= MAX_RECLAIM_FAILURES) {
      rc->kswapd_awake = false;
      return;
    }
    rc->kswapd_napping = true;
    kswapd_schedule(run, run->now_ns + busy + 100 * 1000 * 1000ull);
    return;
  }
  kswapd_schedule(run, run->now_ns + busy + nap);
}

/* ---- life cycle --------------------------------------------------------------- */

void fsi_reclaim_init(FsiRun *run) {
  FsiReclaim *rc = &run->rc;
  memset(rc, 0, sizeof *rc);
  for (uint32_t v = 0; v < FS_MAX_ZONES; v++)
    for (uint32_t l = 0; l < FSI_NR_LRU; l++) rc->lru_head[v][l] = rc->lru_tail[v][l] = FSI_NIL;
  g_autofree char *lru = fsi_config_string(run->cfg, "vm", "lru");
  rc->lru_per_zone = !strcmp(lru, "zone");
  rc->free_slab_head = rc->free_obj_head = FSI_NIL;
  rc->swap_pages = fsi_config_size(run->cfg, "vm", "swap") / run->mem.cfg.page_size;
  rc->swappiness = (uint32_t)fsi_config_int(run->cfg, "vm", "swappiness");
  g_autofree char *sb = fsi_config_string(run->cfg, "vm", "scan_balance");
  rc->scan_balance = !strcmp(sb, "rotated") ? FSI_SB_ROTATED : !strcmp(sb, "fixed") ? FSI_SB_FIXED : FSI_SB_COST;
  g_autofree char *ra = fsi_config_string(run->cfg, "vm", "refault_activate");
  rc->refault_activate = !strcmp(ra, "distance-file") ? FSI_RA_DISTANCE_FILE
                         : !strcmp(ra, "none")        ? FSI_RA_NONE
                         : !strcmp(ra, "always")      ? FSI_RA_ALWAYS
                                                      : FSI_RA_DISTANCE;
  g_autofree char *rd = fsi_config_string(run->cfg, "vm", "refault_deactivate");
  rc->refault_deactivate = !strcmp(rd, "4.12") ? FSI_RD_4_12 : !strcmp(rd, "off") ? FSI_RD_OFF : FSI_RD_5_9;
  g_autofree char *rw = fsi_config_string(run->cfg, "vm", "reclaim_writeback");
  rc->wb_keep = !strcmp(rw, "keep");
  g_autofree char *rwf = fsi_config_string(run->cfg, "vm", "reclaim_write_file");
  rc->write_file_any = !strcmp(rwf, "any");
  rc->age_anon = fsi_config_bool(run->cfg, "vm", "age_anon");
  rc->file_is_tiny = fsi_config_bool(run->cfg, "vm", "file_is_tiny");
  g_autofree char *alru = fsi_config_string(run->cfg, "vm", "anon_lru");
  rc->anon_lru = !strcmp(alru, "2.6") ? FSI_ANON_LRU_2_6 : !strcmp(alru, "2.6.28") ? FSI_ANON_LRU_2_6_28 : FSI_ANON_LRU_5_9;
  g_autofree char *swapin = fsi_config_string(run->cfg, "vm", "swapin_lru");
  rc->swapin_all_active = !strcmp(swapin, "active");
  rc->prev_priority = DEF_PRIORITY;
  g_autofree char *kho = fsi_config_string(run->cfg, "vm", "kswapd_high_order");
  rc->kswapd_high_order = !strcmp(kho, "loop") ? FSI_KHO_LOOP : !strcmp(kho, "sweep") ? FSI_KHO_SWEEP : FSI_KHO_COMPACT_GAP;
  g_autofree char *bal = fsi_config_string(run->cfg, "vm", "kswapd_balance");
  rc->kswapd_balance = !strcmp(bal, "all") ? FSI_KB_ALL : !strcmp(bal, "quarter") ? FSI_KB_QUARTER : FSI_KB_ANY;
  g_autofree char *kz = fsi_config_string(run->cfg, "vm", "kswapd_zones");
  rc->kswapd_zones = !strcmp(kz, "8high") ? FSI_KZ_8HIGH : !strcmp(kz, "end-zone") ? FSI_KZ_END_ZONE : FSI_KZ_CLASSZONE;
  g_autofree char *zt = fsi_config_string(run->cfg, "vm", "zone_reclaim_target");
  rc->zone_reclaim_target = !strcmp(zt, "per-zone") ? FSI_ZT_PER_ZONE : FSI_ZT_SHARED;
  g_autofree char *cut = fsi_config_string(run->cfg, "vm", "direct_reclaim_cut");
  rc->direct_reclaim_cut = !strcmp(cut, "below-def") ? FSI_CUT_BELOW_DEF : !strcmp(cut, "never") ? FSI_CUT_NEVER : FSI_CUT_ALWAYS;
  g_autofree char *rfc = fsi_config_string(run->cfg, "vm", "reclaim_free_cpu");
  rc->free_on_reclaimer = !strcmp(rfc, "reclaimer");
  g_autofree char *nap = fsi_config_string(run->cfg, "vm", "reclaim_nap");
  rc->reclaim_nap = !strcmp(nap, "congestion")       ? FSI_NAP_CONGESTION
                    : !strcmp(nap, "skip-under-min") ? FSI_NAP_SKIP_UNDER_MIN
                                                     : FSI_NAP_NONE;
  g_autofree char *defer = fsi_config_string(run->cfg, "vm", "shrinker_defer");
  rc->shrinker_defer = !strcmp(defer, "off") ? DEFER_OFF : !strcmp(defer, "full") ? DEFER_FULL : DEFER_SCALED;
  rc->thp_swap_split = fsi_config_bool(run->cfg, "vm", "thp_swap_split");
  fsi_writeback_init(run);
  /* the caches every workload can use: a dentry-like and an inode-like
   * reclaimable cache, and two kmalloc caches */
  fsi_slab_cache_add(run, "dentry", FS_KIND_SLAB_RECLAIMABLE, 192);
  fsi_slab_cache_add(run, "inode", FS_KIND_SLAB_RECLAIMABLE, 1024);
  fsi_slab_cache_add(run, "kmalloc-256", FS_KIND_SLAB_UNMOVABLE, 256);
  fsi_slab_cache_add(run, "kmalloc-1k", FS_KIND_SLAB_UNMOVABLE, 1024);
}

void fsi_reclaim_destroy(FsiRun *run) {
  fsi_writeback_destroy(run);
  g_free(run->rc.slabs);
  g_free(run->rc.objs);
  g_free(run->rc.obj_held);
  run->rc.slabs = NULL;
  run->rc.objs = NULL;
  run->rc.obj_held = NULL;
}
