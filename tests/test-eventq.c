/* Unit tests for the event queue: (time, insertion) order, peek, empty
 * behaviour, growth, and a randomized check against a sorted reference. */
#include "engine/core/eventq.h"

#include <glib.h>
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
    g_assert_cmpuint(ev.seq, ==, ref[i].seq);
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
    if (q.cap != last_cap) {
      g_assert_cmpuint(q.cap, >=, 2 * last_cap);
      last_cap = q.cap;
      grows++;
    }
  }
  g_assert_cmpuint(fsi_eventq_len(&q), ==, n);
  g_assert_cmpuint(q.cap, >=, n);
  g_assert_cmpuint(grows, >, 5);

  FsiEvent ev;
  for (uint32_t i = 0; i < n; i++) {
    g_assert_true(fsi_eventq_pop(&q, &ev));
    g_assert_cmpuint(ev.time_ns, ==, i + 1);
    g_assert_cmpuint(ev.arg, ==, n - 1 - i);
  }
  /* capacity is kept for reuse */
  g_assert_cmpuint(q.cap, ==, last_cap);
  fsi_eventq_clear(&q);
  g_assert_null(q.heap);
  g_assert_cmpuint(q.cap, ==, 0);
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
  return g_test_run();
}
