/* Event queue: a binary min-heap on (time_ns, seq).
 *
 * This is the innermost loop of every run, so the sift routines move a
 * "hole" instead of swapping, and storage only grows (doubling) so that a
 * steady-state run does no allocation at all.
 */
#include "engine/core/eventq.h"

#include <glib.h>

#define EVENTQ_MIN_CAP 64

static inline bool ev_before(const FsiEvent *a, const FsiEvent *b) {
  /* seq is unique per queue, so this is a strict total order: equal-time
   * events leave in scheduling order and the run stays deterministic. */
  return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->seq < b->seq);
}

void fsi_eventq_init(FsiEventQ *q) {
  q->heap = NULL;
  q->len = q->cap = 0;
  q->next_seq = 0;
}

void fsi_eventq_clear(FsiEventQ *q) {
  g_free(q->heap);
  fsi_eventq_init(q);
}

static void eventq_grow(FsiEventQ *q) {
  size_t cap = q->cap ? q->cap * 2 : EVENTQ_MIN_CAP;
  if (cap < q->cap) g_error("event queue: capacity overflow");
  q->heap = g_realloc_n(q->heap, cap, sizeof *q->heap);
  q->cap = cap;
}

void fsi_eventq_push(FsiEventQ *q, uint64_t time_ns, uint32_t type, uint32_t arg, uint64_t data) {
  if (G_UNLIKELY(q->len == q->cap)) eventq_grow(q);

  FsiEvent ev = {.time_ns = time_ns, .seq = q->next_seq++, .type = type, .arg = arg, .data = data};
  FsiEvent *h = q->heap;
  size_t i = q->len++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!ev_before(&ev, &h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = ev;
}

bool fsi_eventq_pop(FsiEventQ *q, FsiEvent *ret_ev) {
  if (G_UNLIKELY(q->len == 0)) return false;

  FsiEvent *h = q->heap;
  *ret_ev = h[0];
  size_t n = --q->len;
  if (n == 0) return true;

  /* Re-insert the last element from the root. */
  FsiEvent last = h[n];
  size_t i = 0;
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && ev_before(&h[child + 1], &h[child])) child++;
    if (!ev_before(&h[child], &last)) break;
    h[i] = h[child];
    i = child;
  }
  h[i] = last;
  return true;
}

const FsiEvent *fsi_eventq_peek(const FsiEventQ *q) {
  return q->len ? &q->heap[0] : NULL;
}
