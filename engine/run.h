/* One simulation run: the engine context a policy knows as FsHost.
 *
 * Owns the clock and event queue, the memory model, the allocation table
 * (objects the workload holds handles to), tasks, the loaded policy stack
 * and its per-run states, counters and output.  A run is a pure function of
 * (workload, stack, parameters, seed): nothing here reads wall-clock time or
 * global state except the progress line, which goes to the terminal only.
 */
#ifndef FS_RUN_H
#define FS_RUN_H

#include <fragsim/policy.h>
#include <glib.h>

#include "engine/config.h"
#include "engine/eventq.h"
#include "engine/loader.h"
#include "engine/mem.h"
#include "engine/rng.h"
#include "engine/stats.h"

typedef struct FsiRun FsiRun;

enum { FSI_EV_TASK = 1, FSI_EV_FREE, FSI_EV_TIMER, FSI_EV_SAMPLE, FSI_EV_END };

/* allocation flags */
enum {
  FSI_AF_LIVE = 0x01,
  FSI_AF_PINNED = 0x02,
};

/* An allocation object.  Its id (index) and generation form the handle the
 * workload keeps; migration changes pfn, never the handle. */
typedef struct {
  uint32_t pfn;
  uint32_t gen;
  uint32_t gfp;
  uint32_t task;
  uint8_t order;
  uint8_t kind;
  uint8_t flags;
  uint8_t zone;
  uint8_t alloc_mt; /* gfp_migratetype(gfp): page_owner's view */
  uint8_t list_mt;  /* migratetype the stack mapped it to */
  uint16_t spare;
} FsiAlloc;

typedef uint64_t FsiHandle; /* (gen << 32) | id; 0 is never a valid handle */
#define FSI_HANDLE_NONE ((FsiHandle)0)

/* Which step of the allocator satisfied a request. */
typedef enum {
  FSI_VIA_FASTPATH = 0,
  FSI_VIA_SLOWPATH,      /* min watermark retry */
  FSI_VIA_EARLY_COMPACT,
  FSI_VIA_RECLAIM,
  FSI_VIA_AFTER_RECLAIM,
  FSI_VIA_COMPACT,
  FSI_VIA_BEFORE_OOM,
  FSI_VIA_FAILED,
  FSI_VIA_COUNT
} FsiVia;
extern const char *const fsi_via_names[FSI_VIA_COUNT];

typedef struct {
  uint32_t order;
  uint32_t kind;
  uint32_t gfp;
  uint32_t task;
  bool pinned;
} FsiRequest;

typedef struct {
  FsiHandle handle; /* FSI_HANDLE_NONE on failure */
  uint64_t pfn;
  uint32_t zone;
  uint64_t latency_ns;
  FsiVia via;
} FsiAllocResult;

typedef struct {
  uint64_t busy_until_ns; /* a stalled task's next step waits for this */
  uint64_t stall_ns;      /* total stall */
  FsiRng rng;             /* the task's own stream (workload draws) */
} FsiTask;

/* A workload drives tasks.  Built-in generators implement this. */
typedef struct FsiWorkload {
  const char *name;
  void *state;
  /* schedule the first task wake-ups */
  bool (*start)(FsiRun *run, void *state, GError **error);
  /* one step of task `task` at the current time */
  void (*task_step)(FsiRun *run, void *state, uint32_t task);
  void (*destroy)(void *state);
} FsiWorkload;

/* Per-policy slot: the loaded module, its state, its private stream. */
typedef struct {
  FsiPolicy *policy;
  void *state;
  FsHost *host;
  FsiRng rng;
} FsiSlot;

struct FsiRun {
  FsiConfig *cfg;
  uint64_t seed;
  uint64_t now_ns;
  uint64_t end_ns;
  uint64_t events;
  FsiEventQ q;
  FsiMem mem;
  FsiRng engine_rng;

  FsiAlloc *allocs;
  uint32_t nallocs, cap_allocs;
  uint32_t *free_ids;
  uint32_t nfree_ids, cap_free_ids;
  uint64_t live_allocs;

  uint32_t ntasks;
  FsiTask *tasks;
  uint32_t current_task; /* task whose request is being served, or FSI_NIL */
  uint64_t charged_ns;   /* work charged during the current request/daemon step */

  FsiStack *stack;
  FsiSlot *slots;
  uint32_t nslots;
  int32_t current_slot;  /* policy whose hook is running, -1 if none */

  FsiWorkload workload;
  FsiStats stats;

  /* policy-taken blocks awaiting the hook's return (validation) */
  uint64_t taken_pfn[4];
  uint32_t ntaken;

  struct FsiOutput *out; /* NULL when the run writes no files */
  uint64_t sample_interval_ns;

  bool check;          /* run the invariant checker after every event */
  bool progress;       /* progress line on stderr (only if it is a terminal) */
  GError *error;       /* first run error; stops the run */
  bool stop;
};

/* The host table handed to policies. */
extern const FsHostApi fsi_host_api;

FsiRun *fsi_run_new(FsiConfig *cfg, FsiStack *stack, FsiWorkload *wl, uint64_t seed, GError **error);
bool fsi_run_execute(FsiRun *run, GError **error);
void fsi_run_free(FsiRun *run);

/* Services for workloads */
FsiAllocResult fsi_run_alloc(FsiRun *run, const FsiRequest *req);
void fsi_run_free_handle(FsiRun *run, FsiHandle h);
void fsi_run_free_after(FsiRun *run, FsiHandle h, uint64_t delay_ns);
void fsi_run_wake_task(FsiRun *run, uint32_t task, uint64_t at_ns);
/* Creates n tasks (called by a workload's start), each with its own stream. */
void fsi_run_set_tasks(FsiRun *run, uint32_t n);
FsiAlloc *fsi_run_lookup(FsiRun *run, FsiHandle h);
/* Stops the run with an error (first one wins). */
void fsi_run_fail(FsiRun *run, GError *error);
void fsi_run_failf(FsiRun *run, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Default gfp for an allocation kind, as the kernel's callers use. */
uint32_t fsi_kind_gfp(uint32_t kind);
const char *fsi_kind_name(uint32_t kind);
int fsi_kind_from_name(const char *name);
const char *fsi_migratetype_name(uint32_t mt);
uint32_t fsi_gfp_zone(uint32_t gfp);
/* Whether an allocation kind is on an LRU or has movable ops (PageLRU || __PageMovable). */
bool fsi_kind_movable(uint32_t kind);

/* The invariant checker; returns false with a message naming the first violation. */
bool fsi_check_invariants(FsiRun *run, GError **error);

#endif
