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
 *   near    the events before near_end, the end of the current level-0
 *           bucket (2^25 ns, 33.6 ms of simulated time), in two parts: the
 *           run, that bucket's events sorted (a stable radix sort on the
 *           time within the bucket, so pops take the next one in order), and
 *           a binary heap of the events pushed since that fall before
 *           near_end (a task's next step, a timer: few at a time);
 *   levels  FSI_EVQ_LEVELS wheels of 256 unsorted buckets, each level's
 *           buckets 256 times wider than the one below (33.6 ms, 8.6 s,
 *           36.6 min): pushing there is an append; when the run reaches a
 *           bucket its events move down a level (or, at level 0, become
 *           the run);
 *   far     a binary heap of the events past the last level (6.5 days).
 * The tiers partition time, so the earlier of the run's next event and the
 * near heap's top is the global minimum and the order is exactly a single
 * heap's: results are byte-identical.  An event is
 * moved at most once per level.  The heaps' storage only grows; the
 * buckets' is chunks from a pool (FsiEventChunk), so memory follows the live
 * events and allocation is per chunk, never per event.
 *
 * A bucket holds events in 16 bytes (FsiEventSlot: no seq, type and data
 * packed in 32 bits): within a bucket, events of one time are in the order
 * they were pushed (a bucket is filled by appends, and one taken apart is
 * spread over the empty levels below before anything else can reach them),
 * so the order is the seq, and seqs are given anew, in the run's order (the
 * bucket's among events of one time), when a level-0 bucket becomes the run
 * (near is empty then and every later push gets a larger one).  seq is
 * therefore a tie-break, not the push count.
 * An event whose data does not fit in FSI_EVQ_DATA_BITS (a plugin timer's
 * cookie, a generation past 2^28) keeps its type, arg and data in a side
 * table while it is in the levels.
 */
#ifndef FS_EVENTQ_H
#define FS_EVENTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t time_ns;
  uint64_t seq;   /* set by the queue: the tie-break among equal times (push order) */
  uint32_t type;  /* interpreted by the run loop */
  uint32_t arg;   /* e.g. allocation id, task id, timer slot */
  uint64_t data;  /* e.g. generation, cookie */
} FsiEvent;

#define FSI_EVQ_LEVELS 3
#define FSI_EVQ_WHEEL 256u      /* buckets per level */
#define FSI_EVQ_SHIFT0 25       /* level 0 bucket: 2^25 ns */
#define FSI_EVQ_LEVEL_BITS 8    /* log2(FSI_EVQ_WHEEL) */
#define FSI_EVQ_DATA_BITS 28    /* data packed with the type in a bucket */
#define FSI_EVQ_MAX_TYPE 14     /* types 0..14; 15 marks a slot kept in the side table */

/* An event in a bucket: tag = type << FSI_EVQ_DATA_BITS | data, or
 * (FSI_EVQ_MAX_TYPE + 1) << FSI_EVQ_DATA_BITS | side-table index. */
typedef struct {
  uint64_t time_ns;
  uint32_t arg;
  uint32_t tag;
} FsiEventSlot;

/* A bucket's storage: a chain of fixed chunks (2 KiB), filled in
 * order; emptied buckets give their chunks to a pool the other buckets take
 * from, so nothing is copied as a bucket grows and at most one chunk per
 * bucket is part-empty. */
#define FSI_EVQ_CHUNK 127
typedef struct FsiEventChunk {
  struct FsiEventChunk *next;
  FsiEventSlot ev[FSI_EVQ_CHUNK];
} FsiEventChunk;

typedef struct {
  FsiEventChunk *head, *tail;
  uint32_t len;      /* slots in the bucket */
  uint32_t tail_len; /* slots in its last chunk */
} FsiEventBucket;

/* The side table's entries: events whose data is too wide for a slot. */
typedef struct {
  uint64_t data;
  uint32_t type;
  uint32_t arg; /* the event's, or the next free entry's index */
} FsiEventWide;

typedef struct {
  FsiEventBucket b[FSI_EVQ_WHEEL];
  uint64_t nonempty[FSI_EVQ_WHEEL / 64];
  uint64_t end;   /* the level covers [the level below's end, end) */
  size_t len;     /* events in the level */
} FsiEventLevel;

typedef struct {
  FsiEvent *run;  /* the level-0 bucket being served, sorted; next is run[run_pos] */
  FsiEventSlot *sort_a, *sort_b; /* the radix sort's buffers (run_cap slots each) */
  size_t run_pos, run_len, run_cap;
  FsiEvent *near; /* binary heap, all before near_end, pushed after the run was sorted */
  size_t near_len, near_cap;
  FsiEvent *far; /* binary heap, all at or after the last level's end */
  size_t far_len, far_cap;
  FsiEventLevel *level; /* FSI_EVQ_LEVELS, allocated at the first push past near */
  FsiEventWide *wide; /* side table of slots whose data is wide */
  uint32_t wide_len, wide_cap, wide_free;
  uint64_t near_end;
  size_t len;        /* events queued, all tiers */
  size_t cap_events; /* heap storage (near and far), in events */
  FsiEventChunk *pool; /* chunks no bucket holds */
  size_t pool_len;     /* chunks in the pool */
  size_t chunks;       /* chunks allocated, pool included */
  uint64_t next_seq;
} FsiEventQ;

void fsi_eventq_init(FsiEventQ *q);
void fsi_eventq_clear(FsiEventQ *q); /* frees memory */
/* Schedules an event (type at most FSI_EVQ_MAX_TYPE).  Never fails: aborts on OOM like g_malloc. */
void fsi_eventq_push(FsiEventQ *q, uint64_t time_ns, uint32_t type, uint32_t arg, uint64_t data);
/* Removes the earliest event into *ret_ev; false when empty (ret_ev untouched). */
bool fsi_eventq_pop(FsiEventQ *q, FsiEvent *ret_ev);
/* Earliest event without removing it; NULL when empty.  May move events
 * between tiers (not observable in the order). */
const FsiEvent *fsi_eventq_peek(FsiEventQ *q);
static inline size_t fsi_eventq_len(const FsiEventQ *q) { return q->len; }
/* The sorted run's next events as they are (no tier is moved): the next
 * few events but for the near heap's few, what the run loop may prefetch
 * for while it dispatches this one.  Sets *ret_n to how many there are. */
static inline const FsiEvent *fsi_eventq_near(const FsiEventQ *q, size_t *ret_n) {
  *ret_n = q->run_len - q->run_pos;
  return q->run + q->run_pos;
}
/* Bytes of event storage held (for the benchmark's bytes per page). */
size_t fsi_eventq_bytes(const FsiEventQ *q);

#endif
