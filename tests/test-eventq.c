/* Unit tests for the event queue: (time, insertion) order, peek, empty
 * behaviour, growth, and a randomized check against a sorted reference. */
#include "engine/core/eventq.h"

#include <glib.h>
#include <math.h>
#include <stdlib.h>

static void test_order_time(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  const uint64_t times[] = {50, 10, 40, 30, 20, 0, 60};
  for (guint i = 0; i < G_N_ELEMENTS(times); i++) fsi_eventq_push(&q, times[i], 1, i, times[i] * 2);
  g_assert_cmpuint(fsi_eventq_len(&q), ==, G_N_ELEMENTS(times));

  FsiEvent ev;
  for (uint64_t t = 0; t <= 60; t += 10) {
    g_assert_true(fsi_eventq_pop(&q, &ev));
    g_assert_cmpuint(ev.time_ns, ==, t);
    g_assert_cmpuint(ev.data, ==, t * 2);
    g_assert_cmpuint(ev.type, ==, 1);
  }
  g_assert_cmpuint(fsi_eventq_len(&q), ==, 0);
  fsi_eventq_clear(&q);
}

/* Events at one time, scheduled interleaved with earlier and later ones,
 * must come out in the order they were pushed. */
static void test_order_ties_fifo(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  const uint32_t n = 1000;
  for (uint32_t i = 0; i < n; i++) {
    fsi_eventq_push(&q, 100, 7, i, 0);
    fsi_eventq_push(&q, 200 + (i * 7919u) % 101, 8, i, 0);
    fsi_eventq_push(&q, (i * 104729u) % 100, 9, i, 0);
  }
  FsiEvent ev;
  uint64_t prev_time = 0;
  uint32_t next_tie = 0;
  while (fsi_eventq_pop(&q, &ev)) {
    g_assert_cmpuint(ev.time_ns, >=, prev_time);
    prev_time = ev.time_ns;
    if (ev.type == 7) {
      g_assert_cmpuint(ev.time_ns, ==, 100);
      g_assert_cmpuint(ev.arg, ==, next_tie);
      next_tie++;
    }
  }
  g_assert_cmpuint(next_tie, ==, n);
  fsi_eventq_clear(&q);
}

static void test_order_seq(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  for (uint32_t i = 0; i < 10; i++) fsi_eventq_push(&q, 5, 0, i, 0);
  FsiEvent ev;
  for (uint64_t i = 0; i < 10; i++) {
    g_assert_true(fsi_eventq_pop(&q, &ev));
    g_assert_cmpuint(ev.seq, ==, i);
    g_assert_cmpuint(ev.arg, ==, i);
  }
  /* seq keeps counting across a drained queue */
  fsi_eventq_push(&q, 1, 0, 0, 0);
  g_assert_true(fsi_eventq_pop(&q, &ev));
  g_assert_cmpuint(ev.seq, ==, 10);
  fsi_eventq_clear(&q);
}

static void test_peek(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  g_assert_null(fsi_eventq_peek(&q));
  fsi_eventq_push(&q, 30, 3, 0, 0);
  fsi_eventq_push(&q, 10, 1, 0, 0);
  fsi_eventq_push(&q, 20, 2, 0, 0);
  const FsiEvent *top = fsi_eventq_peek(&q);
  g_assert_nonnull(top);
  g_assert_cmpuint(top->time_ns, ==, 10);
  g_assert_cmpuint(top->type, ==, 1);
  g_assert_cmpuint(fsi_eventq_len(&q), ==, 3);

  FsiEvent ev;
  g_assert_true(fsi_eventq_pop(&q, &ev));
  g_assert_cmpuint(ev.time_ns, ==, 10);
  top = fsi_eventq_peek(&q);
  g_assert_cmpuint(top->time_ns, ==, 20);
  fsi_eventq_clear(&q);
}

static void test_empty(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  FsiEvent ev = {.time_ns = 123, .seq = 456, .type = 7, .arg = 8, .data = 9};
  g_assert_false(fsi_eventq_pop(&q, &ev));
  g_assert_cmpuint(ev.time_ns, ==, 123);
  g_assert_cmpuint(ev.seq, ==, 456);
  g_assert_cmpuint(ev.type, ==, 7);
  g_assert_cmpuint(ev.arg, ==, 8);
  g_assert_cmpuint(ev.data, ==, 9);

  /* drained, then empty again */
  fsi_eventq_push(&q, 1, 0, 0, 0);
  g_assert_true(fsi_eventq_pop(&q, &ev));
  ev.type = 42;
  g_assert_false(fsi_eventq_pop(&q, &ev));
  g_assert_cmpuint(ev.type, ==, 42);
  g_assert_null(fsi_eventq_peek(&q));

  /* clear leaves a usable, empty queue */
  fsi_eventq_clear(&q);
  g_assert_cmpuint(fsi_eventq_len(&q), ==, 0);
  g_assert_false(fsi_eventq_pop(&q, &ev));
  fsi_eventq_clear(&q);
}

typedef struct {
  uint64_t time_ns, seq;
  uint32_t arg;
} RefEvent;

static int ref_cmp(const void *pa, const void *pb) {
  const RefEvent *a = pa, *b = pb;
  if (a->time_ns != b->time_ns) return a->time_ns < b->time_ns ? -1 : 1;
  if (a->seq != b->seq) return a->seq < b->seq ? -1 : 1;
  return 0;
}

/* 10^5 events with many duplicate times, popped partly while still being
 * pushed (as a simulation does), compared with a stable sort. */
static void test_random(void) {
  const guint n = 100000;
  GRand *rand = g_rand_new_with_seed(20240229);
  RefEvent *ref = g_new(RefEvent, n);
  FsiEventQ q;
  fsi_eventq_init(&q);

  for (guint i = 0; i < n; i++) {
    ref[i].time_ns = (uint64_t)g_rand_int_range(rand, 0, 5000);
    ref[i].seq = i;
    ref[i].arg = i;
    fsi_eventq_push(&q, ref[i].time_ns, 0, i, ref[i].time_ns ^ 0xabcdu);
  }
  qsort(ref, n, sizeof *ref, ref_cmp);

  FsiEvent ev;
  for (guint i = 0; i < n; i++) {
    g_assert_true(fsi_eventq_pop(&q, &ev));
    if (ev.time_ns != ref[i].time_ns || ev.arg != ref[i].arg)
      g_error("position %u: got (%" G_GUINT64_FORMAT ", %u), want (%" G_GUINT64_FORMAT ", %u)", i,
              ev.time_ns, ev.arg, ref[i].time_ns, ref[i].arg);
    g_assert_cmpuint(ev.data, ==, ev.time_ns ^ 0xabcdu);
  }
  g_assert_false(fsi_eventq_pop(&q, &ev));

  /* Hold model: each pop schedules a successor no earlier than now; output
   * must be non-decreasing and FIFO among equal times. */
  uint64_t now = 0;
  for (guint i = 0; i < 1000; i++) fsi_eventq_push(&q, (uint64_t)g_rand_int_range(rand, 0, 100), 0, i, 0);
  uint64_t last_seq_at_now = 0;
  bool have_seq = false;
  for (guint i = 0; i < n; i++) {
    g_assert_true(fsi_eventq_pop(&q, &ev));
    g_assert_cmpuint(ev.time_ns, >=, now);
    if (ev.time_ns == now && have_seq) g_assert_cmpuint(ev.seq, >, last_seq_at_now);
    now = ev.time_ns;
    last_seq_at_now = ev.seq;
    have_seq = true;
    fsi_eventq_push(&q, now + (uint64_t)g_rand_int_range(rand, 0, 50), 0, ev.arg, 0);
  }
  g_assert_cmpuint(fsi_eventq_len(&q), ==, 1000);

  fsi_eventq_clear(&q);
  g_free(ref);
  g_rand_free(rand);
}

/* Push far past the initial capacity in decreasing time order (every push
 * sifts to the root), check nothing was lost across reallocations. */
static void test_growth(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  const uint32_t n = 70000;
  size_t last_cap = 0;
  guint grows = 0;
  for (uint32_t i = 0; i < n; i++) {
    fsi_eventq_push(&q, n - i, 0, i, 0);
    if (q.near_cap != last_cap) {
      g_assert_cmpuint(q.near_cap, >=, 2 * last_cap);
      last_cap = q.near_cap;
      grows++;
    }
  }
  g_assert_cmpuint(fsi_eventq_len(&q), ==, n);
  g_assert_cmpuint(q.near_cap, >=, n);
  g_assert_cmpuint(grows, >, 5);

  FsiEvent ev;
  for (uint32_t i = 0; i < n; i++) {
    g_assert_true(fsi_eventq_pop(&q, &ev));
    g_assert_cmpuint(ev.time_ns, ==, i + 1);
    g_assert_cmpuint(ev.arg, ==, n - 1 - i);
  }
  /* capacity is kept for reuse */
  g_assert_cmpuint(q.near_cap, ==, last_cap);
  fsi_eventq_clear(&q);
  g_assert_null(q.near);
  g_assert_cmpuint(q.near_cap, ==, 0);
}

static void test_extreme_times(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  fsi_eventq_push(&q, UINT64_MAX, 0, 2, 0);
  fsi_eventq_push(&q, 0, 0, 0, 0);
  fsi_eventq_push(&q, UINT64_MAX - 1, 0, 1, 0);
  fsi_eventq_push(&q, UINT64_MAX, 0, 3, 0);
  FsiEvent ev;
  for (uint32_t i = 0; i < 4; i++) {
    g_assert_true(fsi_eventq_pop(&q, &ev));
    g_assert_cmpuint(ev.arg, ==, i);
  }
  fsi_eventq_clear(&q);
}

/* A level-0 bucket becomes the run, sorted by a radix sort on the time within
 * the bucket: events of one time must keep their push order, wide data must
 * survive, events pushed into the current bucket afterwards must come after
 * the run's events of the same time, and fsi_eventq_near() must show the
 * next events in order. */
static void test_run_ties(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  const uint64_t base = (uint64_t)3 << FSI_EVQ_SHIFT0;
  const uint32_t n = 3000;
  /* times spread over all three radix digits, seven of them, pushed in an
   * order that is not theirs */
  const uint64_t off[7] = {(1u << 24) + 5, 1000, 0, (1u << 17) + 3, 511, 512, (1u << 25) - 1};
  for (uint32_t i = 0; i < n; i++) {
    uint64_t data = i % 3 == 0 ? ((uint64_t)1 << 40 | i) : i;
    fsi_eventq_push(&q, base + off[i % 7], 1, i, data);
  }
  const uint64_t sorted[7] = {0, 511, 512, 1000, (1u << 17) + 3, (1u << 24) + 5, (1u << 25) - 1};
  uint32_t popped = 0, extra = 0;
  for (uint32_t k = 0; k < 7; k++) {
    uint32_t want_first = 0;
    while (off[want_first] != sorted[k]) want_first++;
    bool pushed_tie = false;
    for (uint32_t i = want_first; i < n; i += 7) {
      size_t nn;
      const FsiEvent *next = fsi_eventq_near(&q, &nn);
      FsiEvent ev;
      g_assert_true(fsi_eventq_pop(&q, &ev));
      if (nn && q.near_len == 0) g_assert_cmpuint(next[0].arg, ==, ev.arg);
      g_assert_cmpuint(ev.time_ns, ==, base + sorted[k]);
      g_assert_cmpuint(ev.arg, ==, i);
      g_assert_cmpuint(ev.type, ==, 1);
      g_assert_cmpuint(ev.data, ==, i % 3 == 0 ? ((uint64_t)1 << 40 | i) : i);
      popped++;
      if (!pushed_tie) {
        /* a push at this very time, after the bucket became the run */
        fsi_eventq_push(&q, ev.time_ns, 2, n + k, 0);
        pushed_tie = true;
      }
    }
    FsiEvent ev;
    g_assert_true(fsi_eventq_pop(&q, &ev));
    g_assert_cmpuint(ev.type, ==, 2);
    g_assert_cmpuint(ev.arg, ==, n + k);
    extra++;
  }
  g_assert_cmpuint(popped, ==, n);
  g_assert_cmpuint(extra, ==, 7);
  g_assert_cmpuint(fsi_eventq_len(&q), ==, 0);
  fsi_eventq_clear(&q);
}

/* A plain binary heap on (time, seq): the reference the tiers must match. */
typedef struct {
  RefEvent *h;
  size_t len, cap;
} RefHeap;

static void ref_push(RefHeap *r, RefEvent e) {
  if (r->len == r->cap) r->h = g_renew(RefEvent, r->h, r->cap = r->cap ? 2 * r->cap : 64);
  size_t i = r->len++;
  while (i && ref_cmp(&e, &r->h[(i - 1) / 2]) < 0) {
    r->h[i] = r->h[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  r->h[i] = e;
}

static RefEvent ref_pop(RefHeap *r) {
  RefEvent top = r->h[0], last = r->h[--r->len];
  size_t i = 0, n = r->len;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && ref_cmp(&r->h[c + 1], &r->h[c]) < 0) c++;
    if (ref_cmp(&r->h[c], &last) >= 0) break;
    r->h[i] = r->h[c];
    i = c;
  }
  if (n) r->h[i] = last;
  return top;
}

/* A delay for the hold model: short (inside the current bucket), a few
 * buckets, up to minutes or an hour (levels 0-2), now and then days (past
 * the last level: far), or zero. */
static uint64_t tier_delay(GRand *rand) {
  const uint64_t bucket = (uint64_t)1 << FSI_EVQ_SHIFT0;
  switch (g_rand_int_range(rand, 0, 8)) {
  case 0: return 0;
  case 1: return (uint64_t)g_rand_int_range(rand, 0, 1000);
  case 2: return bucket * (uint64_t)g_rand_int_range(rand, 1, 4);
  case 3: return (uint64_t)(g_rand_double(rand) * 600e9); /* up to 600 s */
  case 4: return (uint64_t)(g_rand_double(rand) * 3e12);  /* up to 50 min */
  case 5: return g_rand_int_range(rand, 0, 50) ? 0 : (uint64_t)(g_rand_double(rand) * 2e15); /* now and then days */
  default: return (uint64_t)(-log(1 - g_rand_double(rand)) * 6e9); /* exp, mean 6 s */
  }
}

/* The hold model over every tier (near heap, calendar buckets, far heap):
 * each pop schedules 0-2 successors at varied delays, and pops and peeks
 * must match the reference heap event for event, including FIFO ties. */
static void test_tiers(void) {
  GRand *rand = g_rand_new_with_seed(7);
  FsiEventQ q;
  RefHeap r = {0};
  fsi_eventq_init(&q);
  uint64_t seq = 0, now = 0;
  for (guint i = 0; i < 5000; i++) {
    uint64_t t = tier_delay(rand);
    fsi_eventq_push(&q, t, 0, i, 0);
    ref_push(&r, (RefEvent){t, seq++, i});
  }
  guint popped = 0, peeks = 0;
  while (r.len && popped < 400000) {
    if (g_rand_int_range(rand, 0, 4) == 0) {
      const FsiEvent *top = fsi_eventq_peek(&q);
      g_assert_nonnull(top);
      g_assert_cmpuint(top->arg, ==, r.h[0].arg);
      peeks++;
    }
    FsiEvent ev;
    g_assert_true(fsi_eventq_pop(&q, &ev));
    RefEvent want = ref_pop(&r);
    if (ev.time_ns != want.time_ns || ev.arg != want.arg)
      g_error("pop %u: got (%" G_GUINT64_FORMAT ", pushed %u), want (%" G_GUINT64_FORMAT ", pushed %u)", popped,
              ev.time_ns, ev.arg, want.time_ns, want.arg);
    g_assert_cmpuint(ev.time_ns, >=, now);
    now = ev.time_ns;
    popped++;
    /* keep the population near 5000, drifting */
    int k = r.len < 4000 ? 2 : r.len > 6000 ? 0 : g_rand_int_range(rand, 0, 3);
    for (int j = 0; j < k; j++) {
      uint64_t t = now + tier_delay(rand);
      fsi_eventq_push(&q, t, 0, (uint32_t)seq, 0);
      ref_push(&r, (RefEvent){t, seq++, (uint32_t)(seq - 1)});
    }
    g_assert_cmpuint(fsi_eventq_len(&q), ==, r.len);
  }
  g_assert_cmpuint(popped, ==, 400000);
  /* drain: what is left includes the events days ahead, in far */
  g_assert_cmpuint(q.far_len, >, 0);
  while (r.len) {
    FsiEvent ev;
    g_assert_true(fsi_eventq_pop(&q, &ev));
    RefEvent want = ref_pop(&r);
    g_assert_cmpuint(ev.arg, ==, want.arg);
    g_assert_cmpuint(ev.time_ns, ==, want.time_ns);
    now = ev.time_ns;
  }
  g_assert_cmpuint(fsi_eventq_len(&q), ==, 0);
  g_assert_cmpuint(peeks, >, 0);
  /* the run went past the last level's reach twice */
  g_assert_cmpuint(now, >, (uint64_t)2 << (FSI_EVQ_SHIFT0 + FSI_EVQ_LEVELS * FSI_EVQ_LEVEL_BITS));
  fsi_eventq_clear(&q);
  g_free(r.h);
  g_rand_free(rand);
}

static uint64_t wide_data(uint64_t seq) { return seq % 3 ? seq * 7 : (seq << 36) | 0xfffffffu; }

/* A sparse queue with long delays: most events start in far and come
 * down through every level, interleaved with short ones pushed meanwhile;
 * types and data, narrow and wide, come out as they went in. */
static void test_far(void) {
  GRand *rand = g_rand_new_with_seed(11);
  FsiEventQ q;
  RefHeap r = {0};
  fsi_eventq_init(&q);
  uint64_t seq = 0, now = 0;
  for (guint i = 0; i < 100000; i++) {
    while (r.len < 200) {
      uint64_t d;
      switch (g_rand_int_range(rand, 0, 4)) {
      case 0: d = (uint64_t)(g_rand_double(rand) * 30 * 86400e9); break; /* days: far */
      case 1: d = (uint64_t)(g_rand_double(rand) * 3600e9); break;       /* an hour: level 2 */
      case 2: d = (uint64_t)(g_rand_double(rand) * 20e9); break;         /* seconds: level 1 */
      default: d = (uint64_t)g_rand_int_range(rand, 0, 1 << 26); break;  /* level 0 / near */
      }
      /* every third event's data is too wide for a bucket's slot (the side table) */
      fsi_eventq_push(&q, now + d, (uint32_t)(seq % 15), (uint32_t)seq, wide_data(seq));
      ref_push(&r, (RefEvent){now + d, seq, (uint32_t)seq});
      seq++;
    }
    FsiEvent ev;
    g_assert_true(fsi_eventq_pop(&q, &ev));
    RefEvent want = ref_pop(&r);
    if (ev.arg != want.arg || ev.time_ns != want.time_ns)
      g_error("pop %u: got (%" G_GUINT64_FORMAT ", pushed %u), want (%" G_GUINT64_FORMAT ", pushed %u)", i,
              ev.time_ns, ev.arg, want.time_ns, want.arg);
    g_assert_cmpuint(ev.type, ==, ev.arg % 15);
    g_assert_cmpuint(ev.data, ==, wide_data(ev.arg));
    now = ev.time_ns;
  }
  /* far past the last level's reach, many times */
  g_assert_cmpuint(now, >, (uint64_t)20 << (FSI_EVQ_SHIFT0 + FSI_EVQ_LEVELS * FSI_EVQ_LEVEL_BITS));
  fsi_eventq_clear(&q);
  g_free(r.h);
  g_rand_free(rand);
}

/* When only far is left, the levels restart at far's first event: the
 * level-0 window must start there too, not where the last bucket ended
 * (the earlier of two far events in one level-0 range leaves first even
 * when its bucket index lies below the old window's). */
static void test_far_restart(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  const uint64_t b = (uint64_t)1 << FSI_EVQ_SHIFT0;
  const uint64_t t0 = (uint64_t)4 << (FSI_EVQ_SHIFT0 + FSI_EVQ_LEVELS * FSI_EVQ_LEVEL_BITS);
  FsiEvent ev;
  fsi_eventq_push(&q, 99 * b + 5, 0, 0, 0);
  g_assert_true(fsi_eventq_pop(&q, &ev)); /* the window ends at bucket 100 */
  fsi_eventq_push(&q, t0 + 150 * b, 0, 2, 0);
  fsi_eventq_push(&q, t0 + 50 * b, 0, 1, 0);
  for (uint32_t i = 1; i <= 2; i++) {
    g_assert_true(fsi_eventq_pop(&q, &ev));
    g_assert_cmpuint(ev.arg, ==, i);
  }
  fsi_eventq_clear(&q);
}

/* Pushes below the current window after the window moved ahead (a peek
 * moves it without popping), and a long gap (the far heap alone). */
static void test_window_moves(void) {
  FsiEventQ q;
  fsi_eventq_init(&q);
  const uint64_t b = (uint64_t)1 << FSI_EVQ_SHIFT0;
  fsi_eventq_push(&q, 10 * b + 5, 0, 1, 0);
  fsi_eventq_push(&q, 100000 * b, 0, 3, 0); /* past the horizon */
  const FsiEvent *top = fsi_eventq_peek(&q);
  g_assert_cmpuint(top->arg, ==, 1);
  fsi_eventq_push(&q, 3, 0, 0, 0); /* before the window peek moved to */
  fsi_eventq_push(&q, 10 * b + 5, 0, 2, 0);
  FsiEvent ev;
  for (uint32_t i = 0; i < 4; i++) {
    g_assert_true(fsi_eventq_pop(&q, &ev));
    g_assert_cmpuint(ev.arg, ==, i);
  }
  g_assert_false(fsi_eventq_pop(&q, &ev));
  fsi_eventq_clear(&q);
}

int main(int argc, char **argv) {
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/eventq/order/time", test_order_time);
  g_test_add_func("/eventq/order/ties-fifo", test_order_ties_fifo);
  g_test_add_func("/eventq/order/seq", test_order_seq);
  g_test_add_func("/eventq/order/extreme-times", test_extreme_times);
  g_test_add_func("/eventq/peek", test_peek);
  g_test_add_func("/eventq/empty", test_empty);
  g_test_add_func("/eventq/random", test_random);
  g_test_add_func("/eventq/growth", test_growth);
  g_test_add_func("/eventq/tiers", test_tiers);
  g_test_add_func("/eventq/run-ties", test_run_ties);
  g_test_add_func("/eventq/far", test_far);
  g_test_add_func("/eventq/far-restart", test_far_restart);
  g_test_add_func("/eventq/window-moves", test_window_moves);
  return g_test_run();
}
