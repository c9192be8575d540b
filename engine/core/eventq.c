/* Event queue: near heap, calendar buckets and far heap (see eventq.h).
 *
 * This is the innermost loop of every run, so the sift routines move a
 * "hole" instead of swapping, and no path allocates per event.
 *
 * Invariants: every event in near is before near_end; level l holds the
 * events in [level l-1's end (near_end for level 0), level l's end), each in
 * bucket (time >> shift(l)) mod 256, and that range spans at most 256 of its
 * buckets; far holds the events at or after the last level's end.  The
 * boundaries only grow while an event below them is queued, so the earlier
 * of the run's next event and the near heap's top, when near is not empty,
 * is the earliest event.
 */
#include "engine/core/eventq.h"

#include <glib.h>
#include <string.h>

/* 64 events (2 KiB), and a bucket's chunk (2 KiB): above the sizes glibc's
 * per-thread cache keeps, whose slow filling check-policy would otherwise
 * read as a leak */
#define EVENTQ_MIN_CAP 64
G_STATIC_ASSERT(sizeof(FsiEventChunk) > 1032);

static inline bool ev_before(const FsiEvent *a, const FsiEvent *b) {
  /* seq is unique per queue, so this is a strict total order: equal-time
   * events leave in scheduling order and the run stays deterministic. */
  return a->time_ns < b->time_ns || (a->time_ns == b->time_ns && a->seq < b->seq);
}

/* ---- binary heap on an array ---------------------------------------------------- */

static void heap_grow(FsiEventQ *q, FsiEvent **h, size_t *cap) {
  size_t ncap = *cap ? *cap * 2 : EVENTQ_MIN_CAP;
  if (ncap < *cap) g_error("event queue: capacity overflow");
  *h = g_realloc_n(*h, ncap, sizeof **h);
  q->cap_events += ncap - *cap;
  *cap = ncap;
}

static inline void sift_up(FsiEvent *h, size_t i, FsiEvent ev) {
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!ev_before(&ev, &h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = ev;
}

/* Places ev at the hole i of a heap of n elements, moving it down. */
static inline void sift_down(FsiEvent *h, size_t n, size_t i, FsiEvent ev) {
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && ev_before(&h[child + 1], &h[child])) child++;
    if (!ev_before(&h[child], &ev)) break;
    h[i] = h[child];
    i = child;
  }
  h[i] = ev;
}

static inline void heap_push(FsiEventQ *q, FsiEvent **h, size_t *len, size_t *cap, FsiEvent ev) {
  if (G_UNLIKELY(*len == *cap)) heap_grow(q, h, cap);
  sift_up(*h, (*len)++, ev);
}

static inline FsiEvent heap_pop(FsiEvent *h, size_t *len) {
  FsiEvent top = h[0];
  size_t n = --*len;
  if (n) sift_down(h, n, 0, h[n]);
  return top;
}

/* ---- the levels -------------------------------------------------------------------- */

#define NWORDS (FSI_EVQ_WHEEL / 64)
#define WMASK (FSI_EVQ_WHEEL - 1)
G_STATIC_ASSERT(FSI_EVQ_WHEEL == 1u << FSI_EVQ_LEVEL_BITS && NWORDS * 64 == FSI_EVQ_WHEEL);
G_STATIC_ASSERT(FSI_EVQ_SHIFT0 + FSI_EVQ_LEVELS * FSI_EVQ_LEVEL_BITS < 64);

static inline unsigned level_shift(unsigned l) { return FSI_EVQ_SHIFT0 + FSI_EVQ_LEVEL_BITS * l; }

static inline uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* a rounded up to a multiple of 2^shift, saturating */
static inline uint64_t round_up(uint64_t a, unsigned shift) {
  uint64_t m = ((uint64_t)1 << shift) - 1;
  return a > UINT64_MAX - m ? UINT64_MAX : (a + m) & ~m;
}

static void levels_alloc(FsiEventQ *q) {
  q->level = g_new0(FsiEventLevel, FSI_EVQ_LEVELS);
  /* each level reaches to the end of the current bucket of the level
   * above, so its range never spans more than its 256 buckets */
  for (unsigned l = 0; l < FSI_EVQ_LEVELS; l++) q->level[l].end = round_up(q->near_end, level_shift(l + 1));
}

/* ---- slots: an event in a bucket ------------------------------------------------- */

#define WIDE_TAG ((uint32_t)(FSI_EVQ_MAX_TYPE + 1) << FSI_EVQ_DATA_BITS)
#define DATA_MASK (((uint32_t)1 << FSI_EVQ_DATA_BITS) - 1)
G_STATIC_ASSERT(FSI_EVQ_MAX_TYPE + 1 < (1u << (32 - FSI_EVQ_DATA_BITS)));

static FsiEventSlot to_slot(FsiEventQ *q, const FsiEvent *ev) {
  if (G_LIKELY(ev->data <= DATA_MASK))
    return (FsiEventSlot){ev->time_ns, ev->arg, ev->type << FSI_EVQ_DATA_BITS | (uint32_t)ev->data};
  uint32_t i = q->wide_free;
  if (i != UINT32_MAX) {
    q->wide_free = q->wide[i].arg;
  } else {
    if (q->wide_len == q->wide_cap) {
      q->wide_cap = q->wide_cap ? q->wide_cap * 2 : 16;
      if (q->wide_cap > DATA_MASK + 1u) g_error("event queue: more than 2^%d wide events", FSI_EVQ_DATA_BITS);
      q->wide = g_realloc_n(q->wide, q->wide_cap, sizeof *q->wide);
    }
    i = q->wide_len++;
  }
  q->wide[i] = (FsiEventWide){ev->data, ev->type, ev->arg};
  return (FsiEventSlot){ev->time_ns, 0, WIDE_TAG | i};
}

static inline FsiEvent from_slot(FsiEventQ *q, const FsiEventSlot *sl, uint64_t seq) {
  if (G_LIKELY(sl->tag < WIDE_TAG))
    return (FsiEvent){.time_ns = sl->time_ns, .seq = seq, .type = sl->tag >> FSI_EVQ_DATA_BITS, .arg = sl->arg,
                      .data = sl->tag & DATA_MASK};
  uint32_t i = sl->tag & DATA_MASK;
  FsiEventWide w = q->wide[i];
  q->wide[i].arg = q->wide_free;
  q->wide_free = i;
  return (FsiEvent){.time_ns = sl->time_ns, .seq = seq, .type = w.type, .arg = w.arg, .data = w.data};
}

static inline FsiEventChunk *chunk_get(FsiEventQ *q) {
  FsiEventChunk *c = q->pool;
  if (G_LIKELY(c)) {
    q->pool = c->next;
    q->pool_len--;
  } else {
    c = g_new(FsiEventChunk, 1);
    q->chunks++;
  }
  c->next = NULL;
  return c;
}

static inline void bucket_append(FsiEventQ *q, unsigned l, FsiEventSlot ev) {
  FsiEventLevel *lv = &q->level[l];
  uint32_t idx = (uint32_t)(ev.time_ns >> level_shift(l)) & WMASK;
  FsiEventBucket *b = &lv->b[idx];
  if (G_UNLIKELY(!b->tail || b->tail_len == FSI_EVQ_CHUNK)) {
    if (b->len > UINT32_MAX - FSI_EVQ_CHUNK) g_error("event queue: more than 2^32 events in one bucket");
    FsiEventChunk *c = chunk_get(q);
    if (b->tail) b->tail->next = c;
    else b->head = c;
    b->tail = c;
    b->tail_len = 0;
  }
  b->tail->ev[b->tail_len++] = ev;
  b->len++;
  lv->nonempty[idx / 64] |= (uint64_t)1 << (idx % 64);
  lv->len++;
}

/* Slots in chunk c of bucket b. */
static inline uint32_t chunk_len(const FsiEventBucket *b, const FsiEventChunk *c) {
  return c == b->tail ? b->tail_len : FSI_EVQ_CHUNK;
}

/* Puts ev in the tier its time belongs to. */
static inline void place(FsiEventQ *q, FsiEvent ev) {
  if (ev.time_ns < q->near_end) {
    heap_push(q, &q->near, &q->near_len, &q->near_cap, ev);
    return;
  }
  if (G_UNLIKELY(!q->level)) levels_alloc(q);
  for (unsigned l = 0; l < FSI_EVQ_LEVELS; l++)
    if (ev.time_ns < q->level[l].end) {
      bucket_append(q, l, to_slot(q, &ev));
      return;
    }
  heap_push(q, &q->far, &q->far_len, &q->far_cap, ev);
}

/* A slot of a bucket being taken apart goes to the level below that covers
 * its time (the bucket's range is wholly inside the levels below). */
static inline void place_slot(FsiEventQ *q, FsiEventSlot sl) {
  unsigned l = 0;
  while (sl.time_ns >= q->level[l].end) l++;
  bucket_append(q, l, sl);
}

/* The first non-empty bucket of level l at or after the one holding lo, as
 * an absolute bucket number (the level's range is under 256 buckets, so
 * one circular scan of its bitmap finds the earliest). */
static uint64_t first_bucket(const FsiEventLevel *lv, unsigned l, uint64_t lo) {
  uint64_t lo_b = lo >> level_shift(l);
  uint32_t start = (uint32_t)lo_b & WMASK;
  for (uint32_t k = 0; k <= NWORDS; k++) {
    uint32_t w = (start / 64 + k) % NWORDS;
    uint64_t word = lv->nonempty[w];
    if (k == 0) word &= ~(uint64_t)0 << (start % 64);
    else if (k == NWORDS) word &= start % 64 ? ((uint64_t)1 << (start % 64)) - 1 : 0;
    if (word) {
      uint32_t idx = w * 64 + (uint32_t)__builtin_ctzll(word);
      return lo_b + ((idx - start) & WMASK);
    }
  }
  g_error("event queue: level %u counts %zu events but no bucket holds one", l, lv->len);
}

/* Marks bucket idx of level lv empty once the caller has moved its events
 * out (into the near heap, or spread over the levels below): takes its count
 * off the level, clears its bit in the non-empty map and gives its chunks to
 * the pool; the pool keeps no more than a quarter of the chunks in use (and
 * 64) and frees the rest, so that memory follows the live events. */
static inline void bucket_reset(FsiEventQ *q, FsiEventLevel *lv, uint32_t idx) {
  FsiEventBucket *b = &lv->b[idx];
  lv->len -= b->len;
  lv->nonempty[idx / 64] &= ~((uint64_t)1 << (idx % 64));
  for (FsiEventChunk *c = b->head, *next; c; c = next) {
    next = c->next;
    if (q->pool_len > 64 && q->pool_len * 4 > q->chunks - q->pool_len) {
      g_free(c);
      q->chunks--;
    } else {
      c->next = q->pool;
      q->pool = c;
      q->pool_len++;
    }
  }
  *b = (FsiEventBucket){0};
}

/* ---- the run: a level-0 bucket, sorted ------------------------------------------- */

/* The time within a level-0 bucket, in three radix digits (9, 8, 8 bits). */
#define RADIX_KEY(t) ((uint32_t)(t) & (((uint32_t)1 << FSI_EVQ_SHIFT0) - 1))
#define D0(k) ((k) & 511u)
#define D1(k) (((k) >> 9) & 255u)
#define D2(k) ((k) >> 17)
G_STATIC_ASSERT(FSI_EVQ_SHIFT0 <= 9 + 8 + 8);

static void run_grow(FsiEventQ *q, size_t n) {
  size_t ncap = q->run_cap ? q->run_cap : EVENTQ_MIN_CAP;
  while (ncap < n) {
    if (ncap > SIZE_MAX / 2) g_error("event queue: capacity overflow");
    ncap *= 2;
  }
  q->run = g_realloc_n(q->run, ncap, sizeof *q->run);
  q->sort_a = g_realloc_n(q->sort_a, ncap, sizeof *q->sort_a);
  q->sort_b = g_realloc_n(q->sort_b, ncap, sizeof *q->sort_b);
  q->run_cap = ncap;
}

static inline void prefix(uint32_t *count, uint32_t n) {
  uint32_t sum = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t c = count[i];
    count[i] = sum;
    sum += c;
  }
}

/* Makes bucket bk the run: an LSD radix sort on the time within the bucket,
 * stable, so events of one time keep the bucket's order (their push order);
 * the last pass writes the events out with their seqs, given anew in the
 * run's order.  Linear in the bucket's events, where heapifying them and
 * popping each cost a sift down a heap of them all. */
static void run_fill(FsiEventQ *q, const FsiEventBucket *bk) {
  size_t n = bk->len;
  if (q->run_cap < n) run_grow(q, n);
  uint32_t c0[512] = {0}, c1[256] = {0}, c2[256] = {0};
  for (const FsiEventChunk *c = bk->head; c; c = c->next)
    for (uint32_t i = 0, m = chunk_len(bk, c); i < m; i++) {
      uint32_t k = RADIX_KEY(c->ev[i].time_ns);
      c0[D0(k)]++;
      c1[D1(k)]++;
      c2[D2(k)]++;
    }
  prefix(c0, 512);
  prefix(c1, 256);
  prefix(c2, 256);
  for (const FsiEventChunk *c = bk->head; c; c = c->next)
    for (uint32_t i = 0, m = chunk_len(bk, c); i < m; i++) q->sort_a[c0[D0(RADIX_KEY(c->ev[i].time_ns))]++] = c->ev[i];
  for (size_t i = 0; i < n; i++) q->sort_b[c1[D1(RADIX_KEY(q->sort_a[i].time_ns))]++] = q->sort_a[i];
  for (size_t i = 0; i < n; i++) {
    uint32_t at = c2[D2(RADIX_KEY(q->sort_b[i].time_ns))]++;
    q->run[at] = from_slot(q, &q->sort_b[i], q->next_seq + at);
  }
  q->next_seq += n;
  q->run_pos = 0;
  q->run_len = n;
}

/* True when the run's next event leaves before the near heap's top. */
static inline bool run_first(const FsiEventQ *q) {
  return q->run_pos < q->run_len && (q->near_len == 0 || ev_before(&q->run[q->run_pos], &q->near[0]));
}

/* near (run and heap) is empty and the queue is not: bring the earliest
 * events into near, taking wider buckets apart on the way down. */
static void advance(FsiEventQ *q) {
  q->run_pos = q->run_len = 0;
  for (;;) {
    unsigned l = 0;
    while (l < FSI_EVQ_LEVELS && !q->level[l].len) l++;
    if (l == FSI_EVQ_LEVELS) {
      /* only far is left: restart every level at far's first event's
       * level-N bucket and move what falls inside */
      g_assert(q->far_len > 0);
      unsigned top = level_shift(FSI_EVQ_LEVELS);
      uint64_t start = q->far[0].time_ns >> top << top;
      q->near_end = start;
      for (unsigned k = 0; k < FSI_EVQ_LEVELS; k++) q->level[k].end = sat_add(start, (uint64_t)1 << level_shift(k + 1));
      size_t moved = 0;
      while (q->far_len && q->far[0].time_ns < q->level[FSI_EVQ_LEVELS - 1].end) {
        place(q, heap_pop(q->far, &q->far_len));
        moved++;
      }
      if (G_UNLIKELY(!moved)) {
        /* the end of time: what is left is at UINT64_MAX itself, and far
         * (a heap on the same order) becomes near */
        FsiEvent *h = q->near;
        size_t cap = q->near_cap;
        q->near = q->far;
        q->near_cap = q->far_cap;
        q->near_len = q->far_len;
        q->far = h;
        q->far_cap = cap;
        q->far_len = 0;
        return;
      }
      continue;
    }
    FsiEventLevel *lv = &q->level[l];
    uint64_t lo = l ? q->level[l - 1].end : q->near_end;
    uint64_t b = first_bucket(lv, l, lo);
    uint32_t idx = (uint32_t)b & WMASK;
    FsiEventBucket *bk = &lv->b[idx];
    uint64_t start = b << level_shift(l), end = sat_add(start, (uint64_t)1 << level_shift(l));
    if (l == 0) {
      q->near_end = end;
      run_fill(q, bk);
      bucket_reset(q, lv, idx);
      return;
    }
    /* the levels below are empty: restart them at this bucket's start and
     * spread its events over them */
    q->near_end = start;
    for (unsigned k = 0; k < l; k++) q->level[k].end = sat_add(start, (uint64_t)1 << level_shift(k + 1));
    uint32_t n = bk->len;
    lv->len -= n; /* place() below must not see them twice */
    for (const FsiEventChunk *c = bk->head; c; c = c->next)
      for (uint32_t i = 0, m = chunk_len(bk, c); i < m; i++) place_slot(q, c->ev[i]);
    lv->len += n;
    bucket_reset(q, lv, idx);
  }
}

/* ---- the interface ---------------------------------------------------------------- */

void fsi_eventq_init(FsiEventQ *q) {
  memset(q, 0, sizeof *q);
  q->near_end = (uint64_t)1 << FSI_EVQ_SHIFT0;
  q->wide_free = UINT32_MAX;
}

void fsi_eventq_clear(FsiEventQ *q) {
  g_free(q->run);
  g_free(q->sort_a);
  g_free(q->sort_b);
  g_free(q->near);
  g_free(q->far);
  if (q->level)
    for (unsigned l = 0; l < FSI_EVQ_LEVELS; l++)
      for (uint32_t i = 0; i < FSI_EVQ_WHEEL; i++)
        for (FsiEventChunk *c = q->level[l].b[i].head, *next; c; c = next) {
          next = c->next;
          g_free(c);
        }
  for (FsiEventChunk *c = q->pool, *next; c; c = next) {
    next = c->next;
    g_free(c);
  }
  g_free(q->level);
  g_free(q->wide);
  fsi_eventq_init(q);
}

void fsi_eventq_push(FsiEventQ *q, uint64_t time_ns, uint32_t type, uint32_t arg, uint64_t data) {
  g_assert(type <= FSI_EVQ_MAX_TYPE);
  FsiEvent ev = {.time_ns = time_ns, .seq = q->next_seq++, .type = type, .arg = arg, .data = data};
  place(q, ev);
  q->len++;
}

bool fsi_eventq_pop(FsiEventQ *q, FsiEvent *ret_ev) {
  if (G_UNLIKELY(q->len == 0)) return false;
  if (G_UNLIKELY(q->run_pos == q->run_len && q->near_len == 0)) advance(q);
  if (run_first(q)) *ret_ev = q->run[q->run_pos++];
  else *ret_ev = heap_pop(q->near, &q->near_len);
  q->len--;
  return true;
}

const FsiEvent *fsi_eventq_peek(FsiEventQ *q) {
  if (q->len == 0) return NULL;
  if (q->run_pos == q->run_len && q->near_len == 0) advance(q);
  return run_first(q) ? &q->run[q->run_pos] : &q->near[0];
}

size_t fsi_eventq_bytes(const FsiEventQ *q) {
  return q->cap_events * sizeof(FsiEvent) + q->run_cap * (sizeof(FsiEvent) + 2 * sizeof(FsiEventSlot)) +
         q->chunks * sizeof(FsiEventChunk) + q->wide_cap * sizeof(FsiEventWide) +
         (q->level ? FSI_EVQ_LEVELS * sizeof(FsiEventLevel) : 0);
}
