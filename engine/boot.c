/* Booting a run: the machine from the configuration, the policies created
 * (their boot_layout may move zone boundaries and declare CMA areas), the
 * memory model set up, boot memory freed, watermarks, pcp lists, and the
 * policies' boot hooks, in the kernel's order (start_kernel: setup_arch ->
 * mm_init -> memblock_free_all -> init_per_zone_wmark_min).
 */
#include "engine/run.h"

#include <string.h>

#include "engine/core/error.h"
#include "engine/mm/migrate.h"
#include "engine/mm/oom_kill.h"
#include "engine/mm/page_isolation.h"
#include "engine/mm/pcp.h"
#include "engine/mm/slub.h"
#include "engine/mm/vmscan.h"
#include "engine/plugin/host.h"

/* ---- boot ---------------------------------------------------------------------- */

static bool alloc_movable_cb(void *ctx, uint32_t id) {
  FsiRun *run = ctx;
  return id < run->nallocs && fsi_alloc_is_movable(&run->allocs[id]);
}

/* The zone lists the configuration takes (zone_ends, lowmem_reserve_ratio,
 * lowmem_reserve) have four entries, DMA,DMA32,Normal,Movable, as written
 * before ZONE_HIGHMEM existed here (HighMem then empty, its ratio 0), or five
 * in the kernel's order.  Entry i of an n-entry list is zone zone_of_entry(). */
static uint32_t zone_of_entry(unsigned n, unsigned i) {
  static const uint32_t four[4] = {FS_ZONE_DMA, FS_ZONE_DMA32, FS_ZONE_NORMAL, FS_ZONE_MOVABLE};
  return n == 4 ? four[i] : i;
}

/* machine.zone_ends: "DMA,DMA32,Normal[,HighMem],Movable" end pfns; zone i
 * spans [end[i-1], end[i]), so the zones partition 0..total_pages in order. */
static bool parse_zone_ends(FsiConfig *cfg, FsiMemConfig *mc, GError **error) {
  char *text = fsi_config_string(cfg, "machine", "zone_ends");
  bool ok = true;
  if (*g_strstrip(text)) {
    char **parts = g_strsplit(text, ",", -1);
    uint64_t prev = 0, ends[FS_MAX_ZONES];
    unsigned n = g_strv_length(parts);
    ok = n == 4 || n == FS_MAX_ZONES;
    for (unsigned i = 0; ok && i < n; i++) {
      char *end;
      const char *p = g_strstrip(parts[i]);
      guint64 v = g_ascii_strtoull(p, &end, 10);
      if (!*p || *end || v < prev || v > mc->total_pages) ok = false;
      ends[zone_of_entry(n, i)] = prev = v;
    }
    if (ok && prev != mc->total_pages) ok = false;
    if (ok && n == 4) ends[FS_ZONE_HIGHMEM] = ends[FS_ZONE_NORMAL];
    for (unsigned i = 0; ok && i < FS_MAX_ZONES; i++) {
      mc->zone_start[i] = i ? ends[i - 1] : 0;
      mc->zone_end[i] = ends[i];
    }
    g_strfreev(parts);
    if (!ok)
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                  "%s: machine.zone_ends: \"%s\" is not four (DMA,DMA32,Normal,Movable) or five "
                  "(DMA,DMA32,Normal,HighMem,Movable) non-decreasing pfns ending at the page count %" G_GUINT64_FORMAT,
                  fsi_config_origin(cfg, "machine", "zone_ends"), text, mc->total_pages);
  }
  g_free(text);
  return ok;
}

/* machine.reserved: "START+COUNT, ..." pfn ranges, in order, not overlapping */
static bool parse_reserved(FsiConfig *cfg, FsiMemConfig *mc, GError **error) {
  char *text = fsi_config_string(cfg, "machine", "reserved");
  char **parts = g_strsplit(text, ",", -1);
  bool ok = g_strv_length(parts) <= FSI_MAX_RESERVED_RANGES;
  uint64_t prev_end = 0;
  mc->nr_reserved_ranges = 0;
  for (unsigned i = 0; ok && parts[i]; i++) {
    char *end;
    const char *p = g_strstrip(parts[i]);
    guint64 start = g_ascii_strtoull(p, &end, 10);
    if (end == p || *end != '+') {
      ok = false;
      break;
    }
    p = end + 1;
    guint64 count = g_ascii_strtoull(p, &end, 10);
    if (end == p || *end || !count || start < prev_end || start + count > mc->total_pages) {
      ok = false;
      break;
    }
    mc->reserved_start[mc->nr_reserved_ranges] = start;
    mc->reserved_end[mc->nr_reserved_ranges] = prev_end = start + count;
    mc->nr_reserved_ranges++;
  }
  if (!ok)
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: machine.reserved: \"%s\" is not at most %d pfn ranges START+COUNT, in order, not overlapping, "
                "inside the %" G_GUINT64_FORMAT " pages",
                fsi_config_origin(cfg, "machine", "reserved"), text, FSI_MAX_RESERVED_RANGES, mc->total_pages);
  g_strfreev(parts);
  g_free(text);
  return ok;
}

/* vm.lowmem_reserve: four groups (zones) of four page counts, or five of
 * five (HighMem before Movable); HighMem's row and column are 0 in the first */
static bool parse_lowmem_reserve(FsiConfig *cfg, FsiMemConfig *mc, GError **error) {
  char *text = fsi_config_string(cfg, "vm", "lowmem_reserve");
  bool ok = true;
  if (*g_strstrip(text)) {
    char **groups = g_strsplit(text, ",", -1);
    unsigned ng = g_strv_length(groups);
    ok = ng == 4 || ng == FS_MAX_ZONES;
    memset(mc->lowmem_reserve, 0, sizeof mc->lowmem_reserve);
    for (unsigned i = 0; ok && i < ng; i++) {
      char **nums = g_strsplit_set(g_strstrip(groups[i]), " \t", -1);
      unsigned n = 0;
      for (unsigned j = 0; ok && nums[j]; j++) {
        if (!*nums[j]) continue;
        char *end;
        guint64 v = g_ascii_strtoull(nums[j], &end, 10);
        if (*end || n >= ng) ok = false;
        else mc->lowmem_reserve[zone_of_entry(ng, i)][zone_of_entry(ng, n++)] = v;
      }
      if (n != ng) ok = false;
      g_strfreev(nums);
    }
    g_strfreev(groups);
    mc->lowmem_reserve_given = ok;
    if (!ok)
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                  "%s: vm.lowmem_reserve: \"%s\" is not four comma-separated groups (DMA,DMA32,Normal,Movable) "
                  "of four space-separated page counts, or five of five (DMA,DMA32,Normal,HighMem,Movable)",
                  fsi_config_origin(cfg, "vm", "lowmem_reserve"), text);
  }
  g_free(text);
  return ok;
}

static bool build_mem_config(FsiRun *run, FsiMemConfig *mc, GError **error) {
  FsiConfig *cfg = run->cfg;
  memset(mc, 0, sizeof *mc);
  uint64_t page_size = fsi_config_size(cfg, "machine", "page_size");
  uint64_t memory = fsi_config_size(cfg, "machine", "memory");
  if (page_size < 1024 || (page_size & (page_size - 1))) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: machine.page_size: %" G_GUINT64_FORMAT
                " is not a power of two of at least 1K", fsi_config_origin(cfg, "machine", "page_size"), page_size);
    return false;
  }
  if (memory < ((uint64_t)64 << 20) || memory > ((uint64_t)16 << 40)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: machine.memory: %" G_GUINT64_FORMAT " bytes is outside the supported 64M .. 16T",
                fsi_config_origin(cfg, "machine", "memory"), memory);
    return false;
  }
  mc->page_size = (uint32_t)page_size;
  mc->total_pages = memory / page_size;
  mc->max_order = (uint32_t)fsi_config_int(cfg, "machine", "max_order");
  mc->pageblock_order = (uint32_t)fsi_config_int(cfg, "machine", "pageblock_order");
  if (mc->pageblock_order > mc->max_order) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: machine.pageblock_order %u exceeds machine.max_order %u",
                fsi_config_origin(cfg, "machine", "pageblock_order"), mc->pageblock_order, mc->max_order);
    return false;
  }
  if (mc->total_pages > UINT32_MAX - ((uint64_t)1 << mc->max_order)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: machine.memory: more than 2^32 pages per node (of machine.page_size, %s)",
                fsi_config_origin(cfg, "machine", "memory"), fsi_config_origin(cfg, "machine", "page_size"));
    return false;
  }
  uint64_t block = (uint64_t)1 << mc->max_order;
  uint64_t dma = fsi_config_size(cfg, "machine", "dma_limit") / page_size;
  uint64_t dma32 = fsi_config_size(cfg, "machine", "dma32_limit") / page_size;
  uint64_t lowmem = fsi_config_size(cfg, "machine", "lowmem_limit") / page_size;
  dma = MIN(dma / block * block, mc->total_pages);
  dma32 = MAX(MIN(dma32 / block * block, mc->total_pages), dma);
  /* a 32-bit machine: lowmem ends at lowmem_limit, HighMem is the rest */
  lowmem = lowmem ? MAX(MIN(lowmem / block * block, mc->total_pages), dma32) : mc->total_pages;
  mc->zone_start[FS_ZONE_DMA] = 0;
  mc->zone_end[FS_ZONE_DMA] = dma;
  mc->zone_start[FS_ZONE_DMA32] = dma;
  mc->zone_end[FS_ZONE_DMA32] = dma32;
  mc->zone_start[FS_ZONE_NORMAL] = dma32;
  mc->zone_end[FS_ZONE_NORMAL] = lowmem;
  mc->zone_start[FS_ZONE_HIGHMEM] = lowmem;
  mc->zone_end[FS_ZONE_HIGHMEM] = mc->total_pages;
  mc->zone_start[FS_ZONE_MOVABLE] = mc->total_pages;
  mc->zone_end[FS_ZONE_MOVABLE] = mc->total_pages;
  if (!parse_zone_ends(cfg, mc, error)) return false;
  /* before any policy's boot layout, which may carve all of HighMem into
   * ZONE_MOVABLE (still highmem then) */
  mc->highmem = mc->zone_end[FS_ZONE_HIGHMEM] > mc->zone_start[FS_ZONE_HIGHMEM];
  char *reserved = fsi_config_string(cfg, "machine", "reserved");
  bool explicit_reserved = *g_strstrip(reserved) != '\0';
  g_free(reserved);
  if (explicit_reserved) {
    if (!parse_reserved(cfg, mc, error)) return false;
  } else {
    mc->reserved_low_pages = fsi_config_size(cfg, "machine", "reserved_low") / page_size;
    uint64_t memmap_bytes = mc->total_pages * (uint64_t)fsi_config_int(cfg, "machine", "memmap_bytes_per_page");
    mc->memmap_pages = (memmap_bytes + page_size - 1) / page_size;
    /* A 32-bit machine's memmap must be directly mapped, so it lies in
     * lowmem, never in HighMem: 2.6's bootmem allocated it bottom-up from
     * MAX_DMA_ADDRESS (alloc_node_mem_map -> alloc_bootmem_node, goal
     * 16 MiB), the first pages of ZONE_NORMAL. */
    if (mc->highmem && mc->memmap_pages) {
      uint64_t start = MAX(mc->zone_start[FS_ZONE_NORMAL], mc->reserved_low_pages);
      if (start + mc->memmap_pages > mc->zone_end[FS_ZONE_NORMAL]) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                    "%s: the memmap (%" G_GUINT64_FORMAT " pages, machine.memmap_bytes_per_page, %s) does not fit in lowmem below machine.lowmem_limit (%s)",
                    fsi_config_origin(cfg, "machine", "memory"), mc->memmap_pages,
                    fsi_config_origin(cfg, "machine", "memmap_bytes_per_page"), fsi_config_origin(cfg, "machine", "lowmem_limit"));
        return false;
      }
      mc->reserved_start[0] = start;
      mc->reserved_end[0] = start + mc->memmap_pages;
      mc->nr_reserved_ranges = 1;
      mc->memmap_pages = 0;
    }
  }
  uint64_t nr_reserved = mc->reserved_low_pages + mc->memmap_pages;
  for (uint32_t i = 0; i < mc->nr_reserved_ranges; i++) nr_reserved += mc->reserved_end[i] - mc->reserved_start[i];
  if (nr_reserved >= mc->total_pages / 2) {
    /* name the keys and where they were set (#16: this named neither) */
    char *mem = fsi_config_string(cfg, "machine", "memory");
    if (explicit_reserved)
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                  "%s: machine.reserved reserves %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
                  " pages: reserved memory leaves less than half of memory (machine.memory = %s, %s)",
                  fsi_config_origin(cfg, "machine", "reserved"), nr_reserved, mc->total_pages, mem,
                  fsi_config_origin(cfg, "machine", "memory"));
    else
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                  "%s: machine.reserved_low and the memmap (machine.memmap_bytes_per_page, %s) reserve %" G_GUINT64_FORMAT
                  " of %" G_GUINT64_FORMAT " pages: reserved memory leaves less than half of memory (machine.memory = %s, %s)",
                  fsi_config_origin(cfg, "machine", "reserved_low"), fsi_config_origin(cfg, "machine", "memmap_bytes_per_page"),
                  nr_reserved, mc->total_pages, mem, fsi_config_origin(cfg, "machine", "memory"));
    g_free(mem);
    return false;
  }
  if (!parse_lowmem_reserve(cfg, mc, error)) return false;
  mc->watermark_scale_factor = (uint32_t)fsi_config_int(cfg, "vm", "watermark_scale_factor");
  mc->min_free_kbytes = fsi_config_int(cfg, "vm", "min_free_kbytes");
  if (!fsi_min_free_kbytes_check(mc, mc->min_free_kbytes, fsi_config_origin(cfg, "vm", "min_free_kbytes"), error))
    return false;
  char *ratio = fsi_config_string(cfg, "vm", "lowmem_reserve_ratio");
  char **parts = g_strsplit(ratio, ",", -1);
  unsigned nr = g_strv_length(parts);
  bool ok = nr == 4 || nr == FS_MAX_ZONES;
  for (unsigned i = 0; ok && i < nr; i++) {
    char *end;
    gint64 v = g_ascii_strtoll(g_strstrip(parts[i]), &end, 10);
    if (*end || !*parts[i] || v < 0 || v > 1 << 20) ok = false;
    else mc->lowmem_reserve_ratio[zone_of_entry(nr, i)] = (uint32_t)v;
  }
  if (!ok)
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s: vm.lowmem_reserve_ratio: \"%s\" is not four (DMA,DMA32,Normal,Movable) or five "
                "(DMA,DMA32,Normal,HighMem,Movable) non-negative integers",
                fsi_config_origin(cfg, "vm", "lowmem_reserve_ratio"), ratio);
  g_strfreev(parts);
  g_free(ratio);
  char *wc = fsi_config_string(cfg, "vm", "watermark_check");
  mc->old_watermark_check = !strcmp(wc, "pre-4.4");
  g_free(wc);
  return ok;
}

/* A policy's boot_layout may carve ZONE_MOVABLE or declare CMA areas; the
 * result must still be a partition of memory into ordered zones. */
static bool apply_boot_layout(FsiRun *run, FsiMemConfig *mc, GError **error) {
  FsBootLayout lay = {0};
  lay.total_pages = mc->total_pages;
  memcpy(lay.zone_start, mc->zone_start, sizeof lay.zone_start);
  memcpy(lay.zone_end, mc->zone_end, sizeof lay.zone_end);
  lay.pageblock_order = mc->pageblock_order;
  lay.max_order = mc->max_order;
  lay.page_size = mc->page_size;
  for (uint32_t i = 0; i < run->nslots; i++) {
    const FsPolicyOps *ops = &run->slots[i].policy->ops;
    if (!ops->boot_layout) continue;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "boot_layout");
    ops->boot_layout(run->slots[i].state, &lay);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
    uint64_t prev = 0;
    bool ok = lay.nr_cma_areas <= G_N_ELEMENTS(lay.cma_start);
    for (uint32_t z = 0; ok && z < FS_MAX_ZONES; z++) {
      if (lay.zone_start[z] != prev || lay.zone_end[z] < lay.zone_start[z]) ok = false;
      prev = lay.zone_end[z];
    }
    if (!ok || prev != mc->total_pages) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                  "policy \"%s\": hook boot_layout left zones that do not partition pfns 0..%" G_GUINT64_FORMAT
                  " in order (or declared more than 8 CMA areas)",
                  run->slots[i].policy->name, mc->total_pages);
      return false;
    }
  }
  memcpy(mc->zone_start, lay.zone_start, sizeof lay.zone_start);
  memcpy(mc->zone_end, lay.zone_end, sizeof lay.zone_end);
  return true;
}

static void call_simple_hook(FsiRun *run, size_t offset, const char *name) {
  for (uint32_t i = 0; i < run->nslots; i++) {
    void (*fn)(void *) = *(void (**)(void *))((char *)&run->slots[i].policy->ops + offset);
    if (!fn) continue;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, name);
    fn(run->slots[i].state);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
  }
}

void fsi_run_set_tasks(FsiRun *run, uint32_t n) {
  for (uint32_t i = 0; i < run->ntasks; i++) g_free(run->tasks[i].faultq);
  g_free(run->tasks);
  run->ntasks = n;
  run->tasks = g_new0(FsiTask, n);
  for (uint32_t i = 0; i < n; i++) fsi_rng_seed(&run->tasks[i].rng, run->seed, "task", i);
}

static _Thread_local GHashTable *hook_census;

void fsi_hook_census_set(GHashTable *census) { hook_census = census; }

void fsi_hook_count(FsiRun *run, uint32_t slot, const char *name) {
  if (slot >= run->nslots) return;
  char *key = g_strdup_printf("%s\t%s", run->slots[slot].policy->name, name);
  guint n = GPOINTER_TO_UINT(g_hash_table_lookup(run->hook_census, key));
  g_hash_table_replace(run->hook_census, key, GUINT_TO_POINTER(n + 1));
}

FsiRun *fsi_run_new(FsiConfig *cfg, FsiStack *stack, FsiWorkload *wl, uint64_t seed, GError **error) {
  FsiRun *run = g_new0(FsiRun, 1);
  run->cfg = cfg;
  run->seed = seed;
  run->stack = stack;
  run->workload = *wl;
  run->current_slot = -1;
  run->hook.slot = -1;
  run->hook_census = hook_census;
  fsi_crash_track(run);
  run->current_task = FSI_NIL;
  fsi_eventq_init(&run->q);
  fsi_stats_init(&run->stats);
  fsi_rng_seed(&run->engine_rng, seed, "engine", 0);
  run->check = fsi_config_bool(cfg, "sim", "check");
  run->check_interval = (uint64_t)fsi_config_int(cfg, "sim", "check_interval");
  /* 0: a sweep (O(pages)) per pages/16 events costs about what the events do */
  if (!run->check_interval) run->check_interval = MAX(fsi_config_size(cfg, "machine", "memory") / 4096 / 16, 1);
  run->end_ns = fsi_config_duration(cfg, "sim", "duration");
  if (run->end_ns == 0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: sim.duration must be greater than zero",
                fsi_config_origin(cfg, "sim", "duration"));
    goto fail;
  }
  run->sample_interval_ns = fsi_config_duration(cfg, "sim", "sample_interval");
  run->stall_events = (uint64_t)fsi_config_int(cfg, "sim", "stall_events");
  if (run->sample_interval_ns == 0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: sim.sample_interval must be greater than zero",
                fsi_config_origin(cfg, "sim", "sample_interval"));
    goto fail;
  }

  bool has_mapping = false;
  run->nslots = stack->n;
  run->compaction_slot = -1;
  run->slots = g_new0(FsiSlot, stack->n);
  for (uint32_t i = 0; i < stack->n; i++) {
    FsiSlot *s = &run->slots[i];
    s->policy = &stack->v[i];
    if (s->policy->ops.gfp_to_migratetype) has_mapping = true;
    if (s->policy->ops.reclaim_tag) run->has_reclaim_tag = true;
    if (s->policy->ops.compaction_suitable && run->compaction_slot < 0) run->compaction_slot = (int32_t)i;
    char *comp = g_strdup_printf("policy:%s", s->policy->name);
    fsi_rng_seed(&s->rng, seed, comp, 0);
    g_free(comp);
  }
  if (!has_mapping) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "stack \"%s\": no policy maps gfp to a migratetype (add nogroup for vanilla, or migratetype)",
                stack->spec);
    goto fail;
  }

  FsiMemConfig mc;
  if (!build_mem_config(run, &mc, error)) goto fail;
  /* Policies are created before boot: boot_layout needs their parameters. */
  for (uint32_t i = 0; i < run->nslots; i++) {
    FsiSlot *s = &run->slots[i];
    FsHost *host = g_new0(FsHost, 1);
    host->run = run;
    host->slot = i;
    s->host = host;
    GError *e = NULL;
    run->current_slot = (int32_t)i;
    FsiHookCtx hk = fsi_hook_enter(run, i, "create");
    s->state = s->policy->ops.create(&fsi_host_api, host, s->policy->values, &e);
    fsi_hook_leave(run, hk);
    run->current_slot = -1;
    if (e || !s->state) {
      if (e) {
        g_propagate_prefixed_error(error, e, "policy \"%s\": create: ", s->policy->name);
      } else {
        g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "policy \"%s\": create returned NULL without an error",
                    s->policy->name);
      }
      s->state = NULL;
      goto fail;
    }
  }
  if (!apply_boot_layout(run, &mc, error)) goto fail;
  fsi_mem_init(&run->mem, &mc);
  run->ncpus = (uint32_t)fsi_config_int(cfg, "machine", "cpus");
  run->costly_order = (uint32_t)fsi_config_int(cfg, "vm", "costly_order");
  {
    g_autofree char *rcv = fsi_config_string(cfg, "vm", "reclaim_compaction");
    run->reclaim_compaction = !strcmp(rcv, "4.7") ? FSI_RC_47 : !strcmp(rcv, "3.2") ? FSI_RC_32 : FSI_RC_OFF;
    g_autofree char *drv = fsi_config_string(cfg, "vm", "direct_reclaim_drain");
    run->direct_reclaim_drain = !strcmp(drv, "none")     ? FSI_DRAIN_NONE
                               : !strcmp(drv, "2.6.35") ? FSI_DRAIN_2635
                               : !strcmp(drv, "v22")    ? FSI_DRAIN_V22
                                                        : FSI_DRAIN_2636;
    g_autofree char *spv = fsi_config_string(cfg, "vm", "slowpath");
    run->slowpath_instant = !strcmp(spv, "instant");
    g_autofree char *dcv = fsi_config_string(cfg, "vm", "direct_compact");
    run->compact_before_reclaim = !strcmp(dcv, "2.6.35");
    run->livelock_ns = fsi_config_duration(cfg, "vm", "slowpath_livelock");
  }
  run->compact_result = -1;
  run->cost.alloc_base = (uint64_t)fsi_config_int(cfg, "cost", "alloc_base_ns");
  run->cost.buddy_op = (uint64_t)fsi_config_int(cfg, "cost", "buddy_op_ns");
  run->cost.scan = (uint64_t)fsi_config_int(cfg, "cost", "scan_ns");
  run->cost.reclaim_clean = (uint64_t)fsi_config_int(cfg, "cost", "reclaim_clean_ns");
  run->cost.reclaim_dirty = (uint64_t)fsi_config_int(cfg, "cost", "reclaim_dirty_ns");
  run->cost.reclaim_swap = (uint64_t)fsi_config_int(cfg, "cost", "reclaim_swap_ns");
  run->cost.refault = (uint64_t)fsi_config_int(cfg, "cost", "refault_ns");
  run->cost.migrate = (uint64_t)fsi_config_int(cfg, "cost", "migrate_ns");
  run->cost.migrate_unmap = (uint64_t)fsi_config_int(cfg, "cost", "migrate_unmap_ns");
  run->cost.migrate_remap = (uint64_t)fsi_config_int(cfg, "cost", "migrate_remap_ns");
  run->compact_large_folios = fsi_config_bool(cfg, "vm", "compaction_large_folios");
  run->file_migrate_folio = fsi_config_bool(cfg, "vm", "file_migrate_folio");
  run->cost.pageblock_move = (uint64_t)fsi_config_int(cfg, "cost", "pageblock_move_ns");
  run->cost.shrink_object = (uint64_t)fsi_config_int(cfg, "cost", "shrink_object_ns");
  run->cost.throttle = (uint64_t)fsi_config_int(cfg, "cost", "throttle_ns");
  run->cost.oom_kill = (uint64_t)fsi_config_int(cfg, "cost", "oom_kill_ns");
  run->cost.jiffy = (uint64_t)fsi_config_int(cfg, "cost", "jiffy_ns");
  run->cost.drain_cpu = (uint64_t)fsi_config_int(cfg, "cost", "drain_cpu_ns");
  run->cost.rcu_expedited = (uint64_t)fsi_config_int(cfg, "cost", "rcu_expedited_ns");
  run->cost.isolate_page = (uint64_t)fsi_config_int(cfg, "cost", "isolate_page_ns");
  run->cost.pfn_walk = (uint64_t)fsi_config_int(cfg, "cost", "pfn_walk_ns");
  run->boost_factor = (uint64_t)fsi_config_int(cfg, "vm", "watermark_boost_factor");
  fsi_reclaim_init(run);
  run->rc.zone_reclaimable_free = fsi_config_bool(cfg, "vm", "zone_reclaimable_free");
  run->rc.scan_file_first = fsi_config_bool(cfg, "vm", "scan_file_first");
  char *flt = fsi_config_string(cfg, "vm", "free_list_type");
  run->mem.free_by_alloc_type = !strcmp(flt, "allocation");
  g_free(flt);
  run->mem.alloc_movable = alloc_movable_cb;
  run->mem.alloc_movable_ctx = run;
  call_simple_hook(run, G_STRUCT_OFFSET(FsPolicyOps, boot_pageblocks), "boot_pageblocks");
  fsi_mem_boot_free(&run->mem);
  fsi_mem_setup_watermarks(&run->mem);
  if (fsi_config_bool(cfg, "vm", "pcp")) fsi_pcp_init(run);
  call_simple_hook(run, G_STRUCT_OFFSET(FsPolicyOps, boot_done), "boot_done");
  if (run->stop) {
    g_propagate_error(error, run->error);
    run->error = NULL;
    goto fail;
  }
  fsi_run_set_tasks(run, (uint32_t)fsi_config_int(cfg, "machine", "cpus"));
  return run;
fail:
  fsi_run_free(run);
  return NULL;
}
