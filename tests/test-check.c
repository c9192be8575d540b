/* The invariant checker tests itself (engine/check.c, fsi_pcp_check in
 * engine/pcp.c; `--check` / sim.check=true runs it after every event).
 *
 * Each test builds a small, busy, consistent machine (the checker passes),
 * corrupts one thing the way a buggy mechanism would (a free list link, a
 * block on the wrong order's list, a free count, a pageblock census, a
 * per-CPU list's link or count, an allocation record) and asserts that the
 * checker fails with a message naming that problem: the zone, order, list
 * or pageblock and the page frame concerned.  A checker that missed one of
 * these would let every other test's ft_check() pass over the bug.
 *
 * The 64 MiB vanilla machine: DMA [0, 4096) with 256 firmware pages, DMA32
 * [4096, 16384) with the memmap reserved on top; vanilla (nogroup) types
 * every pageblock UNMOVABLE. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine/mm/pcp.h"
#include "helpers.h"

#define NALLOC 40

typedef struct {
  FsiRun *run;
  FsiHandle h[NALLOC];
} Fx;

/* A machine with allocations of orders 0..3 and some of them freed again,
 * so free lists of several orders hold blocks; data "pcp" keeps the per-CPU
 * lists on and leaves pages cached on them. */
static void fx_setup(Fx *fx, gconstpointer data) {
  bool pcp = data && g_str_has_prefix(data, "pcp");
  const char *sets[] = {"machine.memory=64M", pcp ? "vm.pcp=true" : "vm.pcp=false", NULL};
  fx->run = ft_run_new("vanilla", sets, NULL);
  for (uint32_t i = 0; i < NALLOC; i++) {
    FsiRequest rq = {i % 4 == 3 ? 3 : 0, FS_KIND_ANON, fsi_kind_gfp(FS_KIND_ANON), 0, false, false, false, false};
    FsiAllocResult r = fsi_run_alloc(fx->run, &rq);
    g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
    fx->h[i] = r.handle;
  }
  for (uint32_t i = 0; i < NALLOC; i += 3) {
    fsi_run_free_handle(fx->run, fx->h[i]);
    fx->h[i] = FSI_HANDLE_NONE;
  }
  ft_check(fx->run);
}

static void fx_teardown(Fx *fx, gconstpointer data) {
  (void)data;
  ft_run_free(fx->run);
}

/* The local pass (after each event): with every page frame logged as
 * written, it fails too, naming a pfn or zone of the corruption's. */
static void assert_local_reports(FsiRun *run, const char *what) {
  FsiMem *m = &run->mem;
  m->touched = g_new0(FsiTouchLog, 1);
  fsi_touch(m, 0, m->nr_pages);
  GError *e = NULL;
  g_assert_false(fsi_check_local(run, &e));
  g_assert_nonnull(e);
  g_test_message("local pass: %s", e->message);
  ft_assert_has(e->message, what);
  g_error_free(e);
}

/* The checker fails, and its message has every fragment of want
 * (NULL-terminated); in the "local" fixtures the local pass fails too, its
 * message holding local_what. */
static void assert_reports_local(FsiRun *run, const char *const *want, gconstpointer data, const char *local_what) {
  GError *e = NULL;
  g_assert_false(fsi_check_invariants(run, &e));
  g_assert_nonnull(e);
  g_test_message("checker: %s", e->message);
  for (const char *const *w = want; *w; w++) ft_assert_has(e->message, *w);
  g_error_free(e);
  if (data && g_str_has_suffix(data, "local")) assert_local_reports(run, local_what);
}
#define assert_reports(run, want) assert_reports_local(run, want, NULL, NULL)

typedef struct {
  uint32_t zone, order, mt;
} List;

/* The first free list holding at least n blocks, lowest zone, order and type first. */
static List list_with(FsiRun *run, uint64_t n) {
  FsiMem *m = &run->mem;
  for (uint32_t z = 0; z < m->nr_zones; z++)
    for (uint32_t o = 0; o <= m->max_order; o++)
      for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++)
        if (m->zones[z].free_area[o].count[t] >= n) return (List){z, o, t};
  g_error("no free list with %" G_GUINT64_FORMAT " blocks", n);
  return (List){0, 0, 0};
}

/* The same with order at least min_order. */
static List list_from_order(FsiRun *run, uint32_t min_order) {
  FsiMem *m = &run->mem;
  for (uint32_t z = 0; z < m->nr_zones; z++)
    for (uint32_t o = min_order; o <= m->max_order; o++)
      for (uint32_t t = 0; t < FS_MIGRATE_TYPES; t++)
        if (m->zones[z].free_area[o].count[t]) return (List){z, o, t};
  g_error("no free block of order %u or more", min_order);
  return (List){0, 0, 0};
}

static char *fmt(const char *format, ...) G_GNUC_PRINTF(1, 2);
static char *fmt(const char *format, ...) {
  va_list ap;
  va_start(ap, format);
  char *s = g_strdup_vprintf(format, ap);
  va_end(ap);
  return s;
}

/* ---- the machine as built passes ------------------------------------------------- */

static void test_clean(Fx *fx, gconstpointer data) {
  (void)data;
  GError *e = NULL;
  g_assert_true(fsi_check_invariants(fx->run, &e));
  g_assert_no_error(e);
  if (data) g_assert_cmpuint(fsi_pcp_count(fx->run, FS_ZONE_DMA32), >, 0);
}

/* ---- free lists ------------------------------------------------------------------ */

/* The second block of a list points back at nothing instead of the first. */
static void test_free_list_prev(Fx *fx, gconstpointer data) {
  FsiMem *m = &fx->run->mem;
  List l = list_with(fx->run, 2);
  FsiZone *z = &m->zones[l.zone];
  uint32_t second = m->pages[z->free_area[l.order].head[l.mt]].next;
  m->pages[second].prev = FSI_NIL;
  g_autofree char *where = fmt("zone %s free list order %u type %u is corrupt at pfn %u", z->name, l.order, l.mt, second);
  const char *want[] = {where, NULL};
    g_autofree char *local = fmt("zone %s free list order %u type %u", z->name, l.order, l.mt);
  assert_reports_local(fx->run, want, data, local);
}

/* The first block's next link leads into an allocated page. */
static void test_free_list_next(Fx *fx, gconstpointer data) {
  FsiMem *m = &fx->run->mem;
  List l = list_with(fx->run, 1);
  FsiZone *z = &m->zones[l.zone];
  uint32_t head = z->free_area[l.order].head[l.mt];
  uint32_t target = (uint32_t)ft_pfn_of(fx->run, fx->h[1]);
  m->pages[head].next = target;
  g_autofree char *where = fmt("zone %s free list order %u type %u is corrupt at pfn %u", z->name, l.order, l.mt, target);
  const char *want[] = {where, NULL};
    g_autofree char *local = fmt("zone %s free list order %u type %u", z->name, l.order, l.mt);
  assert_reports_local(fx->run, want, data, local);
}

/* The list's tail pointer is not its last block. */
static void test_free_list_tail(Fx *fx, gconstpointer data) {
  FsiMem *m = &fx->run->mem;
  List l = list_with(fx->run, 2);
  FsiFreeArea *a = &m->zones[l.zone].free_area[l.order];
  a->tail[l.mt] = a->head[l.mt];
  g_autofree char *where = fmt("zone %s free list order %u type %u: tail mismatch", m->zones[l.zone].name, l.order, l.mt);
  const char *want[] = {where, NULL};
    g_autofree char *local = fmt("zone %s free list order %u type %u: count", m->zones[l.zone].name, l.order, l.mt);
  assert_reports_local(fx->run, want, data, local);
}

/* A block of order o unlinked from its list and linked at the head of the
 * order o-1 list of the same type, every count moved along: only the order
 * is wrong. */
static void test_free_list_wrong_order(Fx *fx, gconstpointer data) {
  FsiMem *m = &fx->run->mem;
  List l = list_from_order(fx->run, 1);
  FsiZone *z = &m->zones[l.zone];
  FsiFreeArea *from = &z->free_area[l.order], *to = &z->free_area[l.order - 1];
  uint32_t pfn = from->head[l.mt];
  FsiPage *p = &m->pages[pfn];
  /* unlink from the head of its list */
  from->head[l.mt] = p->next;
  if (p->next != FSI_NIL) m->pages[p->next].prev = FSI_NIL;
  else from->tail[l.mt] = FSI_NIL;
  from->count[l.mt]--;
  from->nr_free--;
  /* link at the head of the lower order's list */
  p->prev = FSI_NIL;
  p->next = to->head[l.mt];
  if (to->head[l.mt] != FSI_NIL) m->pages[to->head[l.mt]].prev = pfn;
  else to->tail[l.mt] = pfn;
  to->head[l.mt] = pfn;
  to->count[l.mt]++;
  to->nr_free++;
  g_assert_cmpuint(p->order, ==, l.order);
  g_autofree char *where = fmt("zone %s free list order %u type %u is corrupt at pfn %u", z->name, l.order - 1, l.mt, pfn);
  const char *want[] = {where, NULL};
    g_autofree char *local = fmt("zone %s free list order %u type %u: count", z->name, l.order - 1, l.mt);
  assert_reports_local(fx->run, want, data, local);
}

/* A block that says it belongs to another type's list than the one it is on. */
static void test_free_list_wrong_type(Fx *fx, gconstpointer data) {
  FsiMem *m = &fx->run->mem;
  List l = list_with(fx->run, 1);
  FsiZone *z = &m->zones[l.zone];
  uint32_t pfn = z->free_area[l.order].head[l.mt];
  m->pages[pfn].mt = l.mt == FS_MIGRATE_MOVABLE ? FS_MIGRATE_UNMOVABLE : FS_MIGRATE_MOVABLE;
  g_autofree char *where = fmt("zone %s free list order %u type %u is corrupt at pfn %u", z->name, l.order, l.mt, pfn);
  const char *want[] = {where, NULL};
    g_autofree char *local = fmt("zone %s free list order %u type %u: count", z->name, l.order, l.mt);
  assert_reports_local(fx->run, want, data, local);
}

/* A page inside a free block is marked as part of an allocation. */
static void test_free_block_tail_flags(Fx *fx, gconstpointer data) {
  FsiMem *m = &fx->run->mem;
  List l = list_from_order(fx->run, 1);
  uint32_t pfn = m->zones[l.zone].free_area[l.order].head[l.mt];
  m->pages[pfn + 1].flags = FSI_PG_ALLOC;
  g_autofree char *where = fmt("pfn %u is inside the free block at %u but has flags 0x%x", pfn + 1, pfn, FSI_PG_ALLOC);
  const char *want[] = {where, NULL};
    assert_reports_local(fx->run, want, data, where);
}

/* ---- free counts ----------------------------------------------------------------- */

/* free_area[o].nr_free says one block more than the lists hold. */
static void test_count_nr_free(Fx *fx, gconstpointer data) {
  FsiMem *m = &fx->run->mem;
  List l = list_with(fx->run, 1);
  FsiFreeArea *a = &m->zones[l.zone].free_area[l.order];
  a->nr_free++;
  g_autofree char *where =
      fmt("zone %s order %u: nr_free %" G_GUINT64_FORMAT " but %" G_GUINT64_FORMAT " blocks listed", m->zones[l.zone].name,
          l.order, a->nr_free, a->nr_free - 1);
  const char *want[] = {where, NULL};
    g_autofree char *local = fmt("zone %s order %u: nr_free %" G_GUINT64_FORMAT " but the lists count", m->zones[l.zone].name, l.order, a->nr_free);
  assert_reports_local(fx->run, want, data, local);
}

/* One list's own count is off by one. */
static void test_count_list(Fx *fx, gconstpointer data) {
  FsiMem *m = &fx->run->mem;
  List l = list_with(fx->run, 1);
  FsiFreeArea *a = &m->zones[l.zone].free_area[l.order];
  uint64_t n = a->count[l.mt];
  a->count[l.mt] = n + 1;
  g_autofree char *where = fmt("zone %s order %u type %u: count %" G_GUINT64_FORMAT ", list %" G_GUINT64_FORMAT
                               ", blocks %" G_GUINT64_FORMAT,
                               m->zones[l.zone].name, l.order, l.mt, n + 1, n, n);
  const char *want[] = {where, NULL};
    g_autofree char *local = fmt("zone %s order %u: nr_free", m->zones[l.zone].name, l.order);
  assert_reports_local(fx->run, want, data, local);
}

/* NR_FREE_PAGES lost a page. */
static void test_count_nr_free_pages(Fx *fx, gconstpointer data) {
  FsiZone *z = &fx->run->mem.zones[FS_ZONE_DMA32];
  uint64_t n = z->nr_free_pages;
  z->nr_free_pages = n - 1;
  g_autofree char *where =
      fmt("zone %s: NR_FREE_PAGES %" G_GUINT64_FORMAT " (counted %" G_GUINT64_FORMAT ")", z->name, n - 1, n);
  const char *want[] = {where, NULL};
    g_autofree char *local = fmt("zone %s: NR_FREE_PAGES %" G_GUINT64_FORMAT " (lists %" G_GUINT64_FORMAT ")", z->name, n - 1, n);
  assert_reports_local(fx->run, want, data, local);
}

/* The free CMA count (no CMA here) says there is some. */
static void test_count_nr_free_cma(Fx *fx, gconstpointer data) {
  FsiZone *z = &fx->run->mem.zones[FS_ZONE_DMA32];
  z->nr_free_cma = 8;
  g_autofree char *where = fmt("zone %s: ", z->name);
  const char *want[] = {where, "free CMA 8 (counted 0)", NULL};
    assert_reports_local(fx->run, want, data, "free CMA 8 (lists 0)");
}

/* The free HIGHATOMIC count (no reserve here) says there is some. */
static void test_count_nr_free_highatomic(Fx *fx, gconstpointer data) {
  FsiZone *z = &fx->run->mem.zones[FS_ZONE_DMA32];
  z->nr_free_highatomic = 8;
  g_autofree char *where = fmt("zone %s: NR_FREE_PAGES", z->name);
  const char *want[] = {where, "free HIGHATOMIC 8 (counted 0)", NULL};
    assert_reports_local(fx->run, want, data, "free HIGHATOMIC 8 (lists 0)");
}

/* ---- pageblock census ------------------------------------------------------------- */

/* The census of allocated pages by migratetype of one pageblock is one off. */
static void test_census_alloc(Fx *fx, gconstpointer data) {
  (void)data;
  FsiMem *m = &fx->run->mem;
  uint64_t pfn = ft_pfn_of(fx->run, fx->h[1]);
  uint64_t b = pfn >> m->pageblock_order;
  FsiAlloc *a = fsi_run_lookup(fx->run, fx->h[1]);
  m->blocks[b].nr_alloc[a->alloc_mt]--;
  g_autofree char *where = fmt("pageblock %" G_GUINT64_FORMAT ": allocation census out of date", b);
  const char *want[] = {where, NULL};
  assert_reports(fx->run, want);
}

/* A pageblock with no allocation at all counts one. */
static void test_census_alloc_empty_block(Fx *fx, gconstpointer data) {
  (void)data;
  FsiMem *m = &fx->run->mem;
  uint64_t b = 8192 >> m->pageblock_order; /* an untouched pageblock of DMA32 */
  for (uint32_t t = 0; t < FS_MIGRATE_PCPTYPES; t++) g_assert_cmpuint(m->blocks[b].nr_alloc[t], ==, 0);
  m->blocks[b].nr_alloc[FS_MIGRATE_RECLAIMABLE] = 1;
  g_autofree char *where = fmt("pageblock %" G_GUINT64_FORMAT ": allocation census out of date", b);
  const char *want[] = {where, NULL};
  assert_reports(fx->run, want);
}

/* The census of reserved pages of the firmware's pageblock is one short. */
static void test_census_reserved(Fx *fx, gconstpointer data) {
  (void)data;
  FsiMem *m = &fx->run->mem;
  uint16_t n = m->blocks[0].nr_reserved;
  g_assert_cmpuint(n, ==, 256);
  m->blocks[0].nr_reserved = n - 1;
  g_autofree char *where = fmt("pageblock 0: %u reserved pages, census says %u", n, n - 1);
  const char *want[] = {where, NULL};
  assert_reports(fx->run, want);
}

/* ---- allocation records ------------------------------------------------------------ */

static void test_alloc_record(Fx *fx, gconstpointer data) {
  uint64_t pfn = ft_pfn_of(fx->run, fx->h[1]);
  FsiAlloc *a = fsi_run_lookup(fx->run, fx->h[1]);
  uint32_t id = fx->run->mem.pages[pfn].alloc;
  a->pfn = pfn + 1;
  g_autofree char *where = fmt("allocation %u does not match its head page at pfn %" G_GUINT64_FORMAT, id, pfn);
  const char *want[] = {where, NULL};
    g_autofree char *local = fmt("pfn %" G_GUINT64_FORMAT " is marked as allocation %u, which does not hold it", pfn, id);
  assert_reports_local(fx->run, want, data, local);
}

/* ---- per-CPU lists ----------------------------------------------------------------- */

/* A page on a per-CPU list with a neighbour on both sides. */
static uint32_t pcp_middle_page(FsiRun *run) {
  FsiMem *m = &run->mem;
  for (uint32_t pfn = 0; pfn < m->nr_pages; pfn++) {
    const FsiPage *p = &m->pages[pfn];
    if ((p->flags & FSI_PG_PCP) && p->prev != FSI_NIL && p->next != FSI_NIL) return pfn;
  }
  g_error("no per-CPU list holds three pages");
  return FSI_NIL;
}

/* A listed page's back link points at itself. */
static void test_pcp_link(Fx *fx, gconstpointer data) {
  uint32_t pfn = pcp_middle_page(fx->run);
  fx->run->mem.pages[pfn].prev = pfn;
  g_autofree char *where = fmt(" is corrupt at pfn %u", pfn);
  const char *want[] = {"pcp list cpu ", where, NULL};
    g_autofree char *local = fmt("pcp block at pfn %u (order 0, list %u) is not linked from the block before it", pfn, fx->run->mem.pages[pfn].mt);
  assert_reports_local(fx->run, want, data, local);
}

/* A listed page that says it belongs to another of the CPU's lists (its
 * mt holds the list index; order-0 lists are 0..2, one per pcp type). */
static void test_pcp_wrong_list(Fx *fx, gconstpointer data) {
  uint32_t pfn = pcp_middle_page(fx->run);
  FsiPage *p = &fx->run->mem.pages[pfn];
  g_assert_cmpuint(p->order, ==, 0);
  g_assert_cmpuint(p->mt, <, FS_MIGRATE_PCPTYPES);
  p->mt = (uint8_t)((p->mt + 1) % FS_MIGRATE_PCPTYPES);
  g_autofree char *where = fmt(" is corrupt at pfn %u", pfn);
  const char *want[] = {"pcp list cpu ", where, NULL};
    assert_reports_local(fx->run, want, data, "is not linked from the block");
}

/* A page dropped from the middle of a per-CPU list, its neighbours linked
 * to each other: the list is well formed but the count is one page over. */
static void test_pcp_count(Fx *fx, gconstpointer data) {
  (void)data;
  FsiMem *m = &fx->run->mem;
  uint32_t pfn = pcp_middle_page(fx->run);
  FsiPage *p = &m->pages[pfn];
  g_assert_cmpuint(p->order, ==, 0);
  m->pages[p->prev].next = p->next;
  m->pages[p->next].prev = p->prev;
  uint64_t listed = fsi_pcp_count(fx->run, FS_ZONE_DMA32);
  g_test_message("%" G_GUINT64_FORMAT " pages on DMA32's per-CPU lists", listed);
  const char *want[] = {"pcp cpu ", " zone 1: count ", " pages listed", NULL};
  assert_reports(fx->run, want);
  /* "count N but N-1": the one page dropped */
  GError *e = NULL;
  g_assert_false(fsi_check_invariants(fx->run, &e));
  uint64_t count = 0, walked = 0;
  const char *c = strstr(e->message, "count ");
  g_assert_nonnull(c);
  g_assert_cmpint(sscanf(c, "count %" G_GUINT64_FORMAT " but %" G_GUINT64_FORMAT " pages listed", &count, &walked), ==, 2);
  g_assert_cmpuint(walked + 1, ==, count);
  g_error_free(e);
}

/* ---- --check: the checker runs after every event and stops the run -------------- */

static void test_run_stops(void) {
  const char *sets[] = {"machine.memory=64M", "vm.pcp=false", "sim.check=true", NULL};
  FsiRun *run = ft_run_new("vanilla", sets, NULL);
  g_assert_true(run->check);
  FsiRequest rq = {0, FS_KIND_ANON, fsi_kind_gfp(FS_KIND_ANON), 0, false, false, false, false};
  FsiAllocResult r = fsi_run_alloc(run, &rq);
  g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
  fsi_run_free_after(run, r.handle, 1000);
  g_assert_true(fsi_run_advance(run, 500)); /* nothing due yet */
  run->mem.zones[FS_ZONE_DMA32].nr_free_pages += 7;
  g_assert_false(fsi_run_advance(run, 2000));
  g_assert_nonnull(run->error);
  ft_assert_has(run->error->message, "invariant violated after event ");
  ft_assert_has(run->error->message, "at t=1000 ns: zone DMA32: NR_FREE_PAGES");
  g_assert_true(run->stop);
  ft_run_free(run);
}

/* The local pass over every page frame of a consistent machine passes. */
static void test_clean_local(Fx *fx, gconstpointer data) {
  (void)data;
  FsiMem *m = &fx->run->mem;
  m->touched = g_new0(FsiTouchLog, 1);
  fsi_touch(m, 0, m->nr_pages);
  GError *e = NULL;
  g_assert_true(fsi_check_local(fx->run, &e));
  g_assert_no_error(e);
}

/* A corruption no event writes (a pageblock census) passes the local pass
 * and is found by the next full sweep: with sim.check_interval=4, at the
 * fourth event. */
static void test_run_sweeps(void) {
  const char *sets[] = {"machine.memory=64M", "vm.pcp=false", "sim.check=true", "sim.check_interval=4", NULL};
  FsiRun *run = ft_run_new("vanilla", sets, NULL);
  g_assert_cmpuint(run->check_interval, ==, 4);
  run->mem.touched = g_new0(FsiTouchLog, 1);
  FsiRequest rq = {0, FS_KIND_ANON, fsi_kind_gfp(FS_KIND_ANON), 0, false, false, false, false};
  for (uint32_t i = 1; i <= 4; i++) {
    FsiAllocResult r = fsi_run_alloc(run, &rq);
    g_assert_cmpuint(r.handle, !=, FSI_HANDLE_NONE);
    fsi_run_free_after(run, r.handle, 1000 * i);
  }
  run->mem.blocks[8192 >> run->mem.pageblock_order].nr_alloc[FS_MIGRATE_RECLAIMABLE] = 1; /* untouched block */
  uint64_t events = run->events;
  g_assert_true(fsi_run_advance(run, 1500)); /* local passes only */
  g_assert_cmpuint(run->events, >, events);
  g_assert_false(fsi_run_advance(run, 5000));
  g_assert_nonnull(run->error);
  ft_assert_has(run->error->message, "invariant violated after event 4 ");
  ft_assert_has(run->error->message, "allocation census out of date");
  ft_run_free(run);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fx, NULL, fx_setup, fn, fx_teardown)
#define ADD_PCP(path, fn) g_test_add(path, Fx, "pcp", fx_setup, fn, fx_teardown)
  ADD("/check/clean", test_clean);
  ADD_PCP("/check/clean-with-pcp", test_clean);
  ADD("/check/free-list/broken-prev-link", test_free_list_prev);
  ADD("/check/free-list/broken-next-link", test_free_list_next);
  ADD("/check/free-list/tail", test_free_list_tail);
  ADD("/check/free-list/block-on-wrong-order", test_free_list_wrong_order);
  ADD("/check/free-list/block-on-wrong-type", test_free_list_wrong_type);
  ADD("/check/free-list/flags-inside-block", test_free_block_tail_flags);
  ADD("/check/count/nr-free", test_count_nr_free);
  ADD("/check/count/list-count", test_count_list);
  ADD("/check/count/nr-free-pages", test_count_nr_free_pages);
  ADD("/check/count/nr-free-cma", test_count_nr_free_cma);
  ADD("/check/count/nr-free-highatomic", test_count_nr_free_highatomic);
  ADD("/check/census/allocated", test_census_alloc);
  ADD("/check/census/allocated-empty-block", test_census_alloc_empty_block);
  ADD("/check/census/reserved", test_census_reserved);
  ADD("/check/alloc/record", test_alloc_record);
  ADD_PCP("/check/pcp/link", test_pcp_link);
  ADD_PCP("/check/pcp/wrong-list", test_pcp_wrong_list);
  ADD_PCP("/check/pcp/count", test_pcp_count);
  g_test_add_func("/check/run-stops-at-the-event", test_run_stops);
  /* the local pass after each event catches the same, where the event wrote */
#define ADD_LOCAL(path, fn) g_test_add("/check/local" path, Fx, "local", fx_setup, fn, fx_teardown)
  ADD_LOCAL("/free-list/broken-prev-link", test_free_list_prev);
  ADD_LOCAL("/free-list/broken-next-link", test_free_list_next);
  ADD_LOCAL("/free-list/tail", test_free_list_tail);
  ADD_LOCAL("/free-list/block-on-wrong-order", test_free_list_wrong_order);
  ADD_LOCAL("/free-list/block-on-wrong-type", test_free_list_wrong_type);
  ADD_LOCAL("/free-list/flags-inside-block", test_free_block_tail_flags);
  ADD_LOCAL("/count/nr-free", test_count_nr_free);
  ADD_LOCAL("/count/list-count", test_count_list);
  ADD_LOCAL("/count/nr-free-pages", test_count_nr_free_pages);
  ADD_LOCAL("/count/nr-free-cma", test_count_nr_free_cma);
  ADD_LOCAL("/count/nr-free-highatomic", test_count_nr_free_highatomic);
  ADD_LOCAL("/alloc/record", test_alloc_record);
  g_test_add("/check/local/pcp/link", Fx, "pcp-local", fx_setup, test_pcp_link, fx_teardown);
  g_test_add("/check/local/pcp/wrong-list", Fx, "pcp-local", fx_setup, test_pcp_wrong_list, fx_teardown);
  g_test_add("/check/local/clean", Fx, "local", fx_setup, test_clean_local, fx_teardown);
  g_test_add("/check/local/clean-with-pcp", Fx, "pcp-local", fx_setup, test_clean_local, fx_teardown);
  g_test_add_func("/check/local/sweep-every-interval", test_run_sweeps);
#undef ADD
#undef ADD_PCP
#undef ADD_LOCAL
  return g_test_run();
}
