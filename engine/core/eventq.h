/* Event queue: the future event set of one run.
 *
 * A binary min-heap keyed on (time_ns, seq).  seq is a per-queue insertion
 * counter, so events at the same simulated time leave in the order they were
 * scheduled (FIFO tie-break, as OMNeT++ and SimPy do); this total order is what
 * makes a run a pure function of its inputs.  The queue owns no payload memory:
 * an event is a small value (type, arg, gen) interpreted by the run loop.
 * Cancellation is by generation check at dispatch, not by removal.
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

typedef struct {
  FsiEvent *heap;
  size_t len, cap;
  uint64_t next_seq;
} FsiEventQ;

void fsi_eventq_init(FsiEventQ *q);
void fsi_eventq_clear(FsiEventQ *q); /* frees memory */
/* Schedules ev (its seq is overwritten).  Never fails: aborts on OOM like g_malloc. */
void fsi_eventq_push(FsiEventQ *q, uint64_t time_ns, uint32_t type, uint32_t arg, uint64_t data);
/* Removes the earliest event into *ret_ev; false when empty (ret_ev untouched). */
bool fsi_eventq_pop(FsiEventQ *q, FsiEvent *ret_ev);
/* Earliest event without removing it; NULL when empty. */
const FsiEvent *fsi_eventq_peek(const FsiEventQ *q);
static inline size_t fsi_eventq_len(const FsiEventQ *q) { return q->len; }

#endif
