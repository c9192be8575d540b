/* Event queue: the future event set of one run.
 *
 * Events leave in (time_ns, seq) order.  seq is a per-queue insertion
 * counter, so events at the same simulated time leave in the order they were
 * scheduled (FIFO tie-break, as OMNeT++ and SimPy do); this total order is what
 * makes a run a pure function of its inputs.  The queue owns no payload memory:
 * an event is a small value (type, arg, gen) interpreted by the run loop.
 * Cancellation is by generation check at dispatch, not by removal.
 *
 * Most queued events are far in the future (the free of every live
 * allocation), so the queue is a hierarchical calendar (a timing wheel with
 * cascading, as the kernel's timer wheel and the ladder queue do) in front
 * of a small heap:
 *   near    a binary heap of the events before near_end, the end of the
 *           current level-0 bucket (2^25 ns, 33.6 ms of simulated time);
 *   levels  FSI_EVQ_LEVELS wheels of 256 unsorted buckets, each level's
 *           buckets 256 times wider than the one below (33.6 ms, 8.6 s,
 *           36.6 min): pushing there is an append; when the run reaches a
 *           bucket its events move down a level (or, at level 0, are
 *           heapified into near);
 *   far     a binary heap of the events past the last level (6.5 days).
 * The tiers partition time, so near's top is the global minimum and the
 * order is exactly a single heap's: results are byte-identical.  An event is
 * moved at most once per level.  The heaps' storage only grows; a bucket's
 * is given back when a wider bucket is taken apart (once per its width) or
 * a level-0 bucket that held more than 256 events is emptied, so memory
 * follows the live events and allocation is per bucket, never per event.
 */
#ifndef FS_EVENTQ_H
#define FS_EVENTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t time_ns;
  uint64_t seq;   /* set by fsi_eventq_push */
  uint32_t type;  /* interpreted by the run loop */
  uint32_t arg;   /* e.g. allocation id, task id, timer slot */
  uint64_t data;  /* e.g. generation, cookie */
} FsiEvent;

#define FSI_EVQ_LEVELS 3
#define FSI_EVQ_WHEEL 256u      /* buckets per level */
#define FSI_EVQ_SHIFT0 25       /* level 0 bucket: 2^25 ns */
#define FSI_EVQ_LEVEL_BITS 8    /* log2(FSI_EVQ_WHEEL) */

typedef struct {
  FsiEvent *ev;
  uint32_t len, cap;
} FsiEventBucket;

typedef struct {
  FsiEventBucket b[FSI_EVQ_WHEEL];
  uint64_t nonempty[FSI_EVQ_WHEEL / 64];
  uint64_t end;   /* the level covers [the level below's end, end) */
  size_t len;     /* events in the level */
} FsiEventLevel;

typedef struct {
  FsiEvent *near; /* binary heap, all before near_end */
  size_t near_len, near_cap;
  FsiEvent *far; /* binary heap, all at or after the last level's end */
  size_t far_len, far_cap;
  FsiEventLevel *level; /* FSI_EVQ_LEVELS, allocated at the first push past near */
  uint64_t near_end;
  size_t len;        /* events queued, all tiers */
  size_t cap_events; /* storage, all tiers, in events */
  uint64_t next_seq;
} FsiEventQ;

void fsi_eventq_init(FsiEventQ *q);
void fsi_eventq_clear(FsiEventQ *q); /* frees memory */
/* Schedules ev (its seq is overwritten).  Never fails: aborts on OOM like g_malloc. */
void fsi_eventq_push(FsiEventQ *q, uint64_t time_ns, uint32_t type, uint32_t arg, uint64_t data);
/* Removes the earliest event into *ret_ev; false when empty (ret_ev untouched). */
bool fsi_eventq_pop(FsiEventQ *q, FsiEvent *ret_ev);
/* Earliest event without removing it; NULL when empty.  May move events
 * between tiers (not observable in the order). */
const FsiEvent *fsi_eventq_peek(FsiEventQ *q);
static inline size_t fsi_eventq_len(const FsiEventQ *q) { return q->len; }
/* Bytes of event storage held (for the benchmark's bytes per page). */
size_t fsi_eventq_bytes(const FsiEventQ *q);

#endif
