/* cma: the Contiguous Memory Allocator (reference §6).
 *
 * One area of `size` bytes, aligned to max(max_order, pageblock_order)
 * (4 MiB, as the ≈5.0 kernel aligns CMA areas) and inside one zone, at the
 * top of the highest populated kernel zone (not ZONE_MOVABLE) unless `base`
 * says where (as a
 * `cma=size@base` command line would).  Its pageblocks are MIGRATE_CMA from
 * boot: they fill with movable allocations only and never change type.
 *
 * Normal allocations (mm/page_alloc.c, 6.1 __rmqueue): a request with
 * ALLOC_CMA (gfp_migratetype MOVABLE, so never under vanilla, where every
 * request maps to UNMOVABLE) takes CMA pages first when more than half of
 * the zone's free pages are CMA (rmqueue_prefer; 5.7+, `balance`), and after its own lists
 * are empty (rmqueue_fallback, __rmqueue_cma_fallback).  In the kernel the
 * CMA fallback comes before stealing from other types; in a stack the
 * fallback hooks are asked in stack order, so put cma before migratetype
 * (`migratetype` steals first otherwise).
 *
 * Device requests (contig_request) are cma_alloc() (≈5.0): a bitmap of the
 * area's allocated pages; candidate positions aligned to
 * min(get_order(size), CONFIG_CMA_ALIGNMENT = 8); each is tried with
 * alloc_contig_range(MIGRATE_CMA); -EBUSY (a pinned or otherwise
 * unmigratable page) moves on to the next aligned candidate; the request
 * fails when no free range is left.  Requests larger than the area fail.
 *
 * Not modelled: several areas, the per-area mutex (runs are single
 * threaded), GFP flags of cma_alloc and newer retry heuristics.  The engine
 * has no hook for a contiguous free, so the bitmap is checked lazily: before
 * each search, ranges whose first page no longer holds a device allocation
 * are cleared.  Sizes assume 4 KiB pages (the host does not say).
 */
#include <fragsim/policy.h>

#include <string.h>

#define PAGE_SIZE_BYTES 4096u
#define CMA_ALIGNMENT 8u /* CONFIG_CMA_ALIGNMENT: at most 2^8 pages of alignment */

enum { PARAM_SIZE, PARAM_BASE, PARAM_BALANCE, N_PARAMS };

static const FsParamSpec cma_params[] = {
    [PARAM_SIZE] = {.name = "size",
                    .type = FS_PARAM_STRING,
                    .default_value = "16M",
                    .help = "CMA area size in bytes (K/M/G suffixes; 0: no area), rounded up to 4 MiB (max_order); 16M is CONFIG_CMA_SIZE_MBYTES on arm64",
                    .min = 1,
                    .max = 0},
    [PARAM_BASE] = {.name = "base",
                    .type = FS_PARAM_STRING,
                    .default_value = "auto",
                    .help = "physical start of the area in bytes, rounded up to 4 MiB (auto: the top of the highest kernel zone)",
                    .min = 1,
                    .max = 0},
    [PARAM_BALANCE] = {.name = "balance",
                       .type = FS_PARAM_BOOL,
                       .default_value = "true",
                       .help = "movable allocations take CMA pages first when more than half of the zone's free "
                               "pages are CMA (5.7+, __rmqueue); false: CMA only once the movable lists are empty",
                       .min = 1,
                       .max = 0},
    [N_PARAMS] = {0},
};

enum { C_SUCCESS, C_FAIL, C_BUSY, C_NOMEM, C_PAGES, C_RECLAIMED, C_AREA, C_TENANTS, N_COUNTERS };

static const char *const counter_names[N_COUNTERS] = {
    "cma_alloc_success", "cma_alloc_fail", "cma_alloc_busy", "cma_alloc_nomem", "cma_alloc_pages",
    "cma_reclaimed_clean", "cma_area_pages", "cma_tenant_pages",
};
static const char *const counter_help[N_COUNTERS] = {
    "device requests served from the CMA area",
    "device requests the CMA area could not serve",
    "candidate ranges that returned -EBUSY (pinned or unmigratable pages)",
    "requests that ended with -ENOMEM (no migration target, or no free range in the bitmap)",
    "pages handed out by successful cma_alloc calls",
    "clean page cache pages in candidate ranges dropped instead of migrated",
    "size of the CMA area in pages (0: none)",
    "pages of the area held by ordinary (movable) allocations, summed over device requests as each arrives "
    "(divided by cma_alloc_success + cma_alloc_fail: the area's mean occupancy at a request)",
};

typedef struct {
  uint64_t start, count;
} CmaRange;

typedef struct {
  const FsHostApi *api;
  FsHost *host;
  uint64_t size_bytes, base_bytes;
  bool has_base;
  bool balance; /* the 5.7+ half-free rule */
  uint64_t start_pfn, nr_pages; /* the area; nr_pages 0: none */
  uint32_t zone;
  uint8_t *bitmap;              /* one byte per page: allocated by cma_alloc */
  GArray *ranges;               /* CmaRange, live cma_alloc results */
  int counter[N_COUNTERS];
} Cma;

static bool parse_bytes(const char *s, uint64_t *ret) {
  char *end = NULL;
  guint64 v = g_ascii_strtoull(s, &end, 10);
  if (end == s) return false;
  uint64_t mult = 1;
  switch (g_ascii_toupper(*end)) {
  case '\0': break;
  case 'K': mult = (uint64_t)1 << 10; break;
  case 'M': mult = (uint64_t)1 << 20; break;
  case 'G': mult = (uint64_t)1 << 30; break;
  case 'T': mult = (uint64_t)1 << 40; break;
  default: return false;
  }
  if (*end && end[1] && g_ascii_strcasecmp(end + 1, "B") && g_ascii_strcasecmp(end + 1, "iB")) return false;
  *ret = v * mult;
  return true;
}

static void *cma_create(const FsHostApi *api, FsHost *host, const FsParamValue *values, GError **error) {
  uint64_t size = 0, base = 0;
  const char *bs = values[PARAM_BASE].s;
  bool has_base = bs && g_ascii_strcasecmp(bs, "auto");
  if (!parse_bytes(values[PARAM_SIZE].s, &size) || (has_base && !parse_bytes(bs, &base))) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "size \"%s\" / base \"%s\": expected bytes with an optional K, M, G or T suffix",
                values[PARAM_SIZE].s, bs ? bs : "");
    return NULL;
  }
  Cma *s = g_new0(Cma, 1);
  s->api = api;
  s->host = host;
  s->size_bytes = size;
  s->base_bytes = base;
  s->has_base = has_base;
  s->balance = values[PARAM_BALANCE].b;
  s->ranges = g_array_new(FALSE, FALSE, sizeof(CmaRange));
  for (int i = 0; i < N_COUNTERS; i++) s->counter[i] = api->counter_register(host, counter_names[i], counter_help[i]);
  return s;
}

static void cma_destroy(void *state) {
  Cma *s = state;
  g_free(s->bitmap);
  g_array_free(s->ranges, TRUE);
  g_free(s);
}

static void count(Cma *s, int c, int64_t n) {
  if (n) s->api->counter_add(s->host, s->counter[c], n);
}

/* cma_declare_contiguous(): place the area.  A base or size the machine
 * cannot hold leaves no area (logged), as a failed reservation does. */
static void cma_boot_layout(void *state, FsBootLayout *layout) {
  Cma *s = state;
  /* the ≈5.0 alignment, PAGE_SIZE << max(MAX_ORDER - 1, pageblock_order):
   * no buddy block of the boot free lists straddles the area's edges */
  uint64_t align = (uint64_t)1 << MAX(layout->max_order, layout->pageblock_order);
  uint64_t nr = (s->size_bytes / PAGE_SIZE_BYTES + align - 1) & ~(align - 1);
  s->nr_pages = 0;
  if (!nr || layout->nr_cma_areas >= G_N_ELEMENTS(layout->cma_start)) return;
  int zone = -1;
  uint64_t start = 0;
  if (s->has_base) {
    start = ((s->base_bytes / PAGE_SIZE_BYTES) + align - 1) & ~(align - 1);
    for (int z = 0; z < FS_MAX_ZONES; z++)
      if (start >= layout->zone_start[z] && start < layout->zone_end[z]) zone = z;
  } else {
    /* not ZONE_MOVABLE: its purpose is memory offline, which CMA blocks refuse */
    for (int z = FS_ZONE_NORMAL; z >= 0 && zone < 0; z--)
      if (layout->zone_end[z] > layout->zone_start[z] && layout->zone_end[z] - layout->zone_start[z] >= nr) {
        zone = z;
        start = (layout->zone_end[z] - nr) & ~(align - 1);
      }
  }
  if (zone < 0 || start < layout->zone_start[zone] || start + nr > layout->zone_end[zone]) {
    s->api->log(s->host, "no CMA area: %" G_GUINT64_FORMAT " pages do not fit in one zone", nr);
    return;
  }
  s->start_pfn = start;
  s->nr_pages = nr;
  s->zone = (uint32_t)zone;
  layout->cma_start[layout->nr_cma_areas] = start;
  layout->cma_pages[layout->nr_cma_areas] = nr;
  layout->nr_cma_areas++;
}

/* Lowest reserved pfn in [start, end), or end. */
static uint64_t first_reserved(Cma *s, uint64_t start, uint64_t end) {
  FsPageInfo pi;
  for (uint64_t pfn = start; pfn < end; pfn++)
    if (!s->api->page_info(s->host, pfn, &pi) || pi.state == FS_PAGE_RESERVED) return pfn;
  return end;
}

/* cma_activate_area() -> init_cma_reserved_pageblock(): every block of the
 * area becomes MIGRATE_CMA before boot memory is freed.  memblock never
 * hands out reserved memory: if the area overlaps pages the engine reserved
 * (the memmap at the top of memory), it moves down below them. */
static void cma_boot_pageblocks(void *state) {
  Cma *s = state;
  if (!s->nr_pages) return;
  uint64_t pb = (uint64_t)1 << s->api->pageblock_order(s->host);
  uint64_t align = (uint64_t)1 << MAX(s->api->max_order(s->host), s->api->pageblock_order(s->host));
  FsZoneInfo zi;
  if (!s->api->zone_info(s->host, s->zone, &zi)) {
    s->nr_pages = 0;
    return;
  }
  uint64_t end = s->start_pfn + s->nr_pages;
  for (;;) {
    uint64_t r = first_reserved(s, end - s->nr_pages, end);
    if (r == end) break;
    uint64_t new_end = r & ~(align - 1);
    if (new_end < zi.start_pfn + s->nr_pages) {
      s->api->log(s->host, "no CMA area: no reserved-free range of %" G_GUINT64_FORMAT " pages", s->nr_pages);
      s->nr_pages = 0;
      return;
    }
    end = new_end;
  }
  s->start_pfn = end - s->nr_pages;
  /* a policy later in the stack may have moved zone boundaries since */
  FsPageInfo first, last;
  if (!s->api->page_info(s->host, s->start_pfn, &first) || !s->api->page_info(s->host, end - 1, &last) ||
      first.zone != last.zone) {
    s->api->log(s->host, "no CMA area: pfn %" G_GUINT64_FORMAT " + %" G_GUINT64_FORMAT " spans zones", s->start_pfn,
                s->nr_pages);
    s->nr_pages = 0;
    return;
  }
  s->zone = first.zone;
  for (uint64_t pfn = s->start_pfn; pfn < end; pfn += pb)
    s->api->set_pageblock_migratetype(s->host, pfn, FS_MIGRATE_CMA);
  s->bitmap = g_new0(uint8_t, s->nr_pages);
  count(s, C_AREA, (int64_t)s->nr_pages);
  s->api->log(s->host, "CMA area: pfn %" G_GUINT64_FORMAT " + %" G_GUINT64_FORMAT " pages in zone %s", s->start_pfn,
              s->nr_pages, s->api->zone_name(s->host, s->zone));
}

/* __rmqueue() (6.1): balance movable allocations between the regular and
 * the CMA area by taking CMA first when it holds over half the zone's free
 * pages. */
static uint64_t cma_rmqueue_prefer(void *state, uint32_t zone, const FsAllocRequest *req) {
  Cma *s = state;
  if (!s->balance || !s->nr_pages || zone != s->zone || !(req->alloc_flags & FS_ALLOC_CMA)) return FS_PFN_NONE;
  FsZoneInfo zi;
  if (!s->api->zone_info(s->host, zone, &zi) || zi.nr_free_cma <= zi.nr_free_pages / 2) return FS_PFN_NONE;
  return s->api->rmqueue_smallest(s->host, zone, req->order, FS_MIGRATE_CMA);
}

/* __rmqueue_cma_fallback(): the requested lists are empty. */
static uint64_t cma_rmqueue_fallback(void *state, uint32_t zone, const FsAllocRequest *req) {
  Cma *s = state;
  if (!s->nr_pages || zone != s->zone || !(req->alloc_flags & FS_ALLOC_CMA)) return FS_FALLBACK_NONE;
  uint64_t pfn = s->api->rmqueue_smallest(s->host, zone, req->order, FS_MIGRATE_CMA);
  return pfn == FS_PFN_NONE ? FS_FALLBACK_NONE : pfn;
}

static void bitmap_set(Cma *s, uint64_t i, uint64_t n, uint8_t v) { memset(s->bitmap + i, v, (size_t)n); }

/* cma_release(), lazily: a range whose first page no longer holds a device
 * allocation was freed (free_contig_range) since the last request. */
static void forget_freed_ranges(Cma *s) {
  FsPageInfo pi;
  for (guint i = s->ranges->len; i-- > 0;) {
    CmaRange r = g_array_index(s->ranges, CmaRange, i);
    if (s->api->page_info(s->host, r.start, &pi) && pi.state == FS_PAGE_ALLOCATED && pi.kind == FS_KIND_DEVICE &&
        pi.head_pfn == r.start)
      continue;
    bitmap_set(s, r.start - s->start_pfn, r.count, 0);
    g_array_remove_index_fast(s->ranges, i);
  }
}

/* bitmap_find_next_zero_area_off(): the first index >= from whose pfn is
 * aligned to `align` pages with count clear bits, or UINT64_MAX. */
static uint64_t find_zero_area(Cma *s, uint64_t from, uint64_t count, uint64_t align) {
  uint64_t i = ((s->start_pfn + from + align - 1) & ~(align - 1)) - s->start_pfn;
  while (i + count <= s->nr_pages) {
    uint64_t j = i;
    while (j < i + count && !s->bitmap[j]) j++;
    if (j == i + count) return i;
    i = ((s->start_pfn + j + 1 + align - 1) & ~(align - 1)) - s->start_pfn;
  }
  return UINT64_MAX;
}

/* __alloc_contig_migrate_range() -> reclaim_clean_pages_from_list(): clean
 * page cache in the range is dropped rather than migrated, so it needs no
 * migration target.  The engine's alloc_contig_range migrates it (and takes
 * targets without reclaim), so it is done here, just before.  reclaim_pfn
 * without sync frees clean file pages and refuses dirty ones; anonymous
 * pages are left to migration. */
static void reclaim_clean_pages(Cma *s, uint64_t start, uint64_t nr_pages) {
  FsPageInfo pi;
  for (uint64_t pfn = start; pfn < start + nr_pages;) {
    if (!s->api->page_info(s->host, pfn, &pi)) break;
    uint64_t next = MAX(pfn + 1, pi.head_pfn + ((uint64_t)1 << pi.order));
    if (pi.state == FS_PAGE_ALLOCATED && pi.head_pfn == pfn && pi.kind == FS_KIND_FILE && !pi.pinned)
      count(s, C_RECLAIMED, (int64_t)s->api->reclaim_pfn(s->host, pfn, false));
    pfn = pi.state == FS_PAGE_RESERVED ? pfn + 1 : next;
  }
}

/* The area's pages held by allocations other than device ranges: how full
 * the ordinary allocator has made it. */
static uint64_t tenant_pages(Cma *s) {
  FsPageInfo pi;
  uint64_t n = 0;
  for (uint64_t pfn = s->start_pfn; pfn < s->start_pfn + s->nr_pages;) {
    if (!s->api->page_info(s->host, pfn, &pi)) break;
    uint64_t next = MAX(pfn + 1, pi.head_pfn + ((uint64_t)1 << pi.order));
    if (pi.state == FS_PAGE_ALLOCATED && pi.kind != FS_KIND_DEVICE) n += MIN(next, s->start_pfn + s->nr_pages) - pfn;
    pfn = pi.state == FS_PAGE_RESERVED ? pfn + 1 : next;
  }
  return n;
}

/* cma_alloc(cma, count, align) as dma_alloc_contiguous() calls it. */
static int cma_contig_request(void *state, uint64_t nr_pages, uint32_t task, uint64_t *ret_handle) {
  Cma *s = state;
  if (!s->nr_pages) return 1;
  forget_freed_ranges(s);
  count(s, C_TENANTS, (int64_t)tenant_pages(s));
  uint32_t order = 0;
  while (((uint64_t)1 << order) < nr_pages) order++;
  uint64_t align = (uint64_t)1 << MIN(order, CMA_ALIGNMENT);
  int ret = -FS_ENOMEM;
  uint64_t from = 0;
  while (nr_pages && nr_pages <= s->nr_pages) {
    uint64_t i = find_zero_area(s, from, nr_pages, align);
    if (i == UINT64_MAX) break;
    bitmap_set(s, i, nr_pages, 1); /* held while alloc_contig_range migrates */
    reclaim_clean_pages(s, s->start_pfn + i, nr_pages);
    uint64_t handle = 0;
    int r = s->api->alloc_contig_range(s->host, s->start_pfn + i, nr_pages, FS_MIGRATE_CMA, task, &handle);
    if (r == 0) {
      CmaRange range = {s->start_pfn + i, nr_pages};
      g_array_append_val(s->ranges, range);
      count(s, C_SUCCESS, 1);
      count(s, C_PAGES, (int64_t)nr_pages);
      *ret_handle = handle;
      return 0;
    }
    bitmap_set(s, i, nr_pages, 0);
    if (r != -FS_EBUSY) {
      ret = r;
      break;
    }
    /* -EBUSY: try the next aligned position */
    count(s, C_BUSY, 1);
    ret = -FS_EBUSY;
    from = i + align;
  }
  count(s, C_FAIL, 1);
  if (ret == -FS_ENOMEM) count(s, C_NOMEM, 1);
  return ret;
}

static const FsPolicyOps cma_ops = {
    .abi = FS_ABI_INIT,
    .name = "cma",
    .summary = "CMA: a MIGRATE_CMA area for movable pages that serves device requests with alloc_contig_range",
    .params = cma_params,
    .create = cma_create,
    .destroy = cma_destroy,
    .boot_layout = cma_boot_layout,
    .boot_pageblocks = cma_boot_pageblocks,
    .rmqueue_prefer = cma_rmqueue_prefer,
    .rmqueue_fallback = cma_rmqueue_fallback,
    .contig_request = cma_contig_request,
};

FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(cma)(void);
FS_POLICY_EXPORT const FsPolicyOps *FS_POLICY_ENTRY_NAME(cma)(void) { return &cma_ops; }
