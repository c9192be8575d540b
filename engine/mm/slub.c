/* Slab caches, SLUB-like: objects packed into slab pages of the cache's
 * order (calculate_order(), falling back to the minimum order when the
 * preferred one cannot be had without reclaim), partial lists, and a page
 * given back to the page allocator only when its last object goes.
 * Reclaimable caches (dentry, inode) keep their objects on an LRU that
 * shrink_slab() in vmscan.c walks oldest first.
 *
 * Mirrors mm/slub.c (v6.1) at the level of pages: which order a slab page
 * has and when it is freed; object layout, per-CPU slabs and min_partial
 * are not modelled (docs/model.md).
 */
#include "engine/mm/slub.h"

#include <string.h>

#include "engine/core/config.h"
#include "engine/mm/internal.h"

static uint32_t fls32(uint32_t x) { return x ? 32u - (uint32_t)__builtin_clz(x) : 0; }

uint32_t fsi_slab_cache_add(FsiRun *run, const char *name, uint32_t kind, uint32_t obj_size) {
  FsiReclaim *rc = &run->rc;
  g_assert(rc->nr_caches < FSI_MAX_SLAB_CACHES);
  FsiSlabCache *c = &rc->caches[rc->nr_caches];
  memset(c, 0, sizeof *c);
  g_strlcpy(c->name, name, sizeof c->name);
  c->kind = kind;
  c->obj_size = obj_size;
  c->partial_head = c->lru_head = c->lru_tail = FSI_NIL;
  uint32_t page = run->mem.cfg.page_size;
  uint32_t max_order = (uint32_t)MIN((int64_t)run->mem.max_order, fsi_config_int(run->cfg, "vm", "slub_max_order"));
  /* calculate_order(): min_objects = 4 * (fls(nr_cpus) + 1), at most what
   * a slub_max_order slab holds; the smallest order from the one that fits
   * min_objects whose leftover is at most 1/16 of the slab, else 1/8, else
   * 1/4, else with one object fewer; the fallback order is the smallest
   * that holds one object. */
  uint32_t min_objects = 4 * (fls32(run->ncpus) + 1);
  min_objects = (uint32_t)MIN((uint64_t)min_objects, MAX(((uint64_t)page << max_order) / obj_size, (uint64_t)1));
  c->min_order = 0;
  while (((uint64_t)page << c->min_order) < obj_size && c->min_order < run->mem.max_order) c->min_order++;
  c->order = c->min_order;
  bool found = false;
  for (uint32_t objs = min_objects; objs > 1 && !found; objs--)
    for (uint32_t fract = 16; fract >= 4 && !found; fract /= 2) {
      uint32_t o = 0; /* calc_slab_order(): from get_order(objs * size) */
      while (((uint64_t)page << o) < (uint64_t)objs * obj_size) o++;
      for (; o <= max_order; o++)
        if (((uint64_t)page << o) % obj_size <= ((uint64_t)page << o) / fract) break;
      if (o <= max_order) {
        c->order = MAX(o, c->min_order);
        found = true;
      }
    }
  for (uint32_t o = 0; o < FS_NR_ORDERS; o++) c->per_slab[o] = (uint32_t)MIN(((uint64_t)page << o) / obj_size, 65535);
  return rc->nr_caches++;
}

int fsi_slab_cache_find(FsiRun *run, const char *name) {
  for (uint32_t i = 0; i < run->rc.nr_caches; i++)
    if (!strcmp(run->rc.caches[i].name, name)) return (int)i;
  return -1;
}

static void partial_add(FsiRun *run, FsiSlabCache *c, uint32_t s) {
  FsiSlab *sl = &run->rc.slabs[s];
  sl->partial = 1;
  sl->prev = FSI_NIL;
  sl->next = c->partial_head;
  if (c->partial_head != FSI_NIL) run->rc.slabs[c->partial_head].prev = s;
  c->partial_head = s;
}

static void partial_del(FsiRun *run, FsiSlabCache *c, uint32_t s) {
  FsiSlab *sl = &run->rc.slabs[s];
  if (!sl->partial) return;
  if (sl->prev != FSI_NIL) run->rc.slabs[sl->prev].next = sl->next;
  else c->partial_head = sl->next;
  if (sl->next != FSI_NIL) run->rc.slabs[sl->next].prev = sl->prev;
  sl->partial = 0;
}

static uint32_t slab_capacity(const FsiRun *run, const FsiSlabCache *c, uint32_t s) {
  return c->per_slab[run->rc.slabs[s].order];
}

static void obj_lru_add(FsiReclaim *rc, FsiSlabCache *c, uint32_t o) {
  FsiSlabObj *ob = &rc->objs[o];
  ob->lru_next = FSI_NIL;
  ob->lru_prev = c->lru_tail;
  if (c->lru_tail != FSI_NIL) rc->objs[c->lru_tail].lru_next = o;
  else c->lru_head = o;
  c->lru_tail = o;
}

static void obj_lru_del(FsiReclaim *rc, FsiSlabCache *c, uint32_t o) {
  FsiSlabObj *ob = &rc->objs[o];
  if (ob->lru_prev != FSI_NIL) rc->objs[ob->lru_prev].lru_next = ob->lru_next;
  else c->lru_head = ob->lru_next;
  if (ob->lru_next != FSI_NIL) rc->objs[ob->lru_next].lru_prev = ob->lru_prev;
  else c->lru_tail = ob->lru_prev;
  ob->lru_next = ob->lru_prev = FSI_NIL;
}

static FsiSlabCache *obj_cache(FsiReclaim *rc, uint32_t o) { return &rc->caches[rc->slabs[rc->objs[o].slab].cache]; }

static bool handle_live(const FsiRun *run, FsiHandle h) {
  uint32_t o = (uint32_t)(h & 0xffffffffu), gen = (uint32_t)(h >> 32);
  return h != FSI_HANDLE_NONE && o < run->rc.nobjs && run->rc.objs[o].live && run->rc.objs[o].gen == gen;
}

bool fsi_slab_hold(FsiRun *run, FsiHandle holder, FsiHandle target) {
  FsiReclaim *rc = &run->rc;
  if (holder == target || !handle_live(run, holder) || !handle_live(run, target)) return false;
  uint32_t h = (uint32_t)(holder & 0xffffffffu), t = (uint32_t)(target & 0xffffffffu);
  FsiSlabCache *c = obj_cache(rc, t);
  if (c->kind != FS_KIND_SLAB_RECLAIMABLE || rc->objs[t].live != 1) return false;
  if (!rc->obj_held) {
    rc->obj_held = g_new(FsiHandle, rc->cap_objs);
    for (uint32_t i = 0; i < rc->cap_objs; i++) rc->obj_held[i] = FSI_HANDLE_NONE;
  }
  if (rc->obj_held[h] != FSI_HANDLE_NONE) return false;
  obj_lru_del(rc, c, t);
  rc->objs[t].live = 2;
  c->nr_in_use++;
  rc->obj_held[h] = target;
  return true;
}

/* The holder of what o holds is going: dput() -> iput(); the last
 * reference gone, the object joins its cache's LRU as the newest.  Nothing
 * if the held object has gone meanwhile (its handle's generation moved). */
static void obj_release_held(FsiReclaim *rc, uint32_t o) {
  FsiHandle held = rc->obj_held[o];
  rc->obj_held[o] = FSI_HANDLE_NONE;
  uint32_t t = (uint32_t)(held & 0xffffffffu), gen = (uint32_t)(held >> 32);
  if (rc->objs[t].live != 2 || rc->objs[t].gen != gen) return;
  FsiSlabCache *c = obj_cache(rc, t);
  rc->objs[t].live = 1;
  c->nr_in_use--;
  obj_lru_add(rc, c, t);
}

FsiHandle fsi_slab_alloc(FsiRun *run, uint32_t cache, uint32_t task, uint64_t *ret_latency_ns) {
  return fsi_slab_alloc_ex(run, cache, task, false, false, ret_latency_ns);
}

FsiHandle fsi_slab_alloc_ex(FsiRun *run, uint32_t cache, uint32_t task, bool in_use, bool referenced,
                            uint64_t *ret_latency_ns) {
  FsiReclaim *rc = &run->rc;
  FsiSlabCache *c = &rc->caches[cache];
  uint64_t latency = run->cost.alloc_base;
  uint32_t s = c->partial_head;
  if (s == FSI_NIL) {
    /* allocate_slab() (5.17+): the preferred order is opportunistic.  When
     * the caller may reclaim, it is tried with __GFP_RECLAIM cleared -- no
     * direct reclaim and no kswapd wake at the slab's order -- and
     * NORETRY|NOWARN|NOMEMALLOC; on failure the cache's minimum order is
     * tried with the caller's own flags. */
    uint32_t base = fsi_kind_gfp(c->kind);
    FsiRequest rq = {c->order, c->kind, base, task, false, false, false, false};
    if (c->order > c->min_order) {
      rq.gfp |= FS_GFP_NORETRY | FS_GFP_NOWARN;
      if (rq.gfp & FS_GFP_DIRECT_RECLAIM) rq.gfp = (rq.gfp | FS_GFP_NOMEMALLOC) & ~FS_GFP_RECLAIM;
    }
    FsiAllocResult r = fsi_run_alloc(run, &rq);
    latency += r.latency_ns;
    if (!r.handle && c->order > c->min_order) {
      rq.order = c->min_order;
      rq.gfp = base;
      r = fsi_run_alloc(run, &rq);
      latency += r.latency_ns;
    }
    if (!r.handle) {
      if (ret_latency_ns) *ret_latency_ns = latency;
      return FSI_HANDLE_NONE;
    }
    if (rc->free_slab_head != FSI_NIL) {
      s = rc->free_slab_head;
      rc->free_slab_head = rc->slabs[s].next;
    } else {
      if (rc->nslabs == rc->cap_slabs) {
        rc->cap_slabs = rc->cap_slabs ? rc->cap_slabs * 2 : 256;
        rc->slabs = g_renew(FsiSlab, rc->slabs, rc->cap_slabs);
      }
      s = rc->nslabs++;
    }
    FsiSlab *sl = &rc->slabs[s];
    memset(sl, 0, sizeof *sl);
    sl->alloc = (uint32_t)(r.handle & 0xffffffffu);
    sl->gen = (uint32_t)(r.handle >> 32);
    sl->next = sl->prev = FSI_NIL;
    sl->order = (uint8_t)rq.order;
    sl->cache = (uint16_t)cache;
    c->nr_slab_pages += (uint64_t)1 << rq.order;
    partial_add(run, c, s);
  }
  FsiSlab *sl = &rc->slabs[s];
  uint32_t o;
  if (rc->free_obj_head != FSI_NIL) {
    o = rc->free_obj_head;
    rc->free_obj_head = rc->objs[o].lru_next;
  } else {
    if (rc->nobjs == rc->cap_objs) {
      rc->cap_objs = rc->cap_objs ? rc->cap_objs * 2 : 1024;
      rc->objs = g_renew(FsiSlabObj, rc->objs, rc->cap_objs);
      if (rc->obj_held) rc->obj_held = g_renew(FsiHandle, rc->obj_held, rc->cap_objs);
    }
    o = rc->nobjs++;
    rc->objs[o].gen = 0;
  }
  FsiSlabObj *ob = &rc->objs[o];
  ob->slab = s;
  ob->gen++;
  if (!ob->gen) ob->gen = 1;
  ob->live = in_use ? 2 : 1;
  ob->referenced = referenced;
  ob->lru_next = ob->lru_prev = FSI_NIL;
  if (rc->obj_held) rc->obj_held[o] = FSI_HANDLE_NONE;
  if (in_use) c->nr_in_use++;
  /* the cache's own LRU (dentry/inode LRU) of unused objects: oldest at the
   * head.  An object in use is on no LRU (dget'd dentries are not on the
   * dcache LRU), so count_objects does not see it. */
  if (c->kind == FS_KIND_SLAB_RECLAIMABLE && !in_use) obj_lru_add(rc, c, o);
  c->nr_objects++;
  sl->inuse++;
  if (sl->inuse >= slab_capacity(run, c, s)) partial_del(run, c, s);
  if (ret_latency_ns) *ret_latency_ns = latency;
  return ((uint64_t)ob->gen << 32) | o;
}

void fsi_slab_obj_free(FsiRun *run, uint32_t o) {
  FsiReclaim *rc = &run->rc;
  FsiSlabObj *ob = &rc->objs[o];
  FsiSlab *sl = &rc->slabs[ob->slab];
  FsiSlabCache *c = &rc->caches[sl->cache];
  uint32_t s = ob->slab;
  if (ob->live == 2) c->nr_in_use--;
  else if (c->kind == FS_KIND_SLAB_RECLAIMABLE) obj_lru_del(rc, c, o);
  if (rc->obj_held && rc->obj_held[o] != FSI_HANDLE_NONE) obj_release_held(rc, o);
  ob->live = 0;
  ob->gen++;
  ob->lru_next = rc->free_obj_head;
  rc->free_obj_head = o;
  c->nr_objects--;
  bool was_full = !sl->partial;
  sl->inuse--;
  if (sl->inuse == 0) {
    /* an empty slab page goes back to the page allocator (SLUB keeps a few
     * as min_partial; not modelled) */
    partial_del(run, c, s);
    c->nr_slab_pages -= (uint64_t)1 << sl->order;
    fsi_run_free_handle(run, ((uint64_t)sl->gen << 32) | sl->alloc);
    sl->next = rc->free_slab_head;
    rc->free_slab_head = s;
    run->stats.c[FSI_C_fs_slab_pages_freed]++;
  } else if (was_full) {
    partial_add(run, c, s);
  }
}

bool fsi_slab_live(FsiRun *run, FsiHandle h) { return handle_live(run, h); }

void fsi_slab_free(FsiRun *run, FsiHandle h) {
  if (handle_live(run, h)) fsi_slab_obj_free(run, (uint32_t)(h & 0xffffffffu)); /* else already shrunk */
}

void fsi_slab_free_after(FsiRun *run, FsiHandle h, uint64_t delay_ns) {
  fsi_eventq_push(&run->q, run->now_ns + delay_ns, FSI_EV_SLAB_FREE, (uint32_t)(h & 0xffffffffu), h >> 32);
}

uint64_t fsi_slab_pages(const FsiRun *run, uint32_t kind) {
  uint64_t n = 0;
  for (uint32_t i = 0; i < run->rc.nr_caches; i++)
    if (run->rc.caches[i].kind == kind) n += run->rc.caches[i].nr_slab_pages;
  return n;
}
