/* A run's life after boot: the event loop, its end, and tearing it down.
 * See run.h for what a run owns; boot.c builds it, plugin/host.c is the
 * policies' way in, and observers (run.h) are the way out.
 */
#include "engine/run.h"

#include <errno.h>
#include <signal.h>

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/core/bigmem.h"
#include "engine/core/error.h"
#include "engine/mm/migrate.h"
#include "engine/mm/oom_kill.h"
#include "engine/mm/page_isolation.h"
#include "engine/mm/page_writeback.h"
#include "engine/mm/pcp.h"
#include "engine/mm/slub.h"
#include "engine/mm/vmscan.h"

void fsi_run_fail(FsiRun *run, GError *error) {
  if (!run->error) run->error = error;
  else g_error_free(error);
  run->stop = true;
}

void fsi_run_failf(FsiRun *run, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  fsi_run_fail(run, g_error_new_literal(FSI_ERROR, FSI_ERROR_RUN, msg));
  g_free(msg);
}

void fsi_run_free(FsiRun *run) {
  if (!run) return;
  for (uint32_t i = 0; i < run->nslots; i++) {
    FsiSlot *s = &run->slots[i];
    if (s->state) {
      fsi_hook_enter(run, i, "destroy");
      s->policy->ops.destroy(s->state);
    }
    g_free(s->host);
  }
  g_free(run->slots);
  fsi_crash_untrack(run);
  g_free(run->timeout_text);
  if (run->shared_areas) g_hash_table_destroy(run->shared_areas);
  if (run->workload.destroy && run->workload.state) run->workload.destroy(run->workload.state);
  fsi_reclaim_destroy(run);
  fsi_pcp_destroy(run);
  fsi_mem_destroy(&run->mem);
  fsi_eventq_clear(&run->q);
  fsi_stats_clear(&run->stats);
  fsi_big_free(run->allocs, (size_t)run->cap_allocs * sizeof *run->allocs);
  if (run->split_next) g_hash_table_destroy(run->split_next);
  g_free(run->free_ids);
  g_free(run->tasks);
  if (run->param_texts) g_ptr_array_unref(run->param_texts);
  if (run->error) g_error_free(run->error);
  g_free(run);
}

bool fsi_min_free_kbytes_check(const FsiMemConfig *mc, int64_t kb, const char *where, GError **error) {
  /* a reserve as large as memory leaves nothing any allocation may take */
  uint64_t mem_kb = mc->total_pages * (mc->page_size / 1024);
  if (kb < 0 || (uint64_t)kb < mem_kb) return true;
  g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
              "%s: vm.min_free_kbytes %" G_GINT64_FORMAT " is not below the machine's memory (%" G_GUINT64_FORMAT
              " kB): no allocation could succeed",
              where, (gint64)kb, mem_kb);
  return false;
}

/* vm.min_free_kbytes written while running: min_free_kbytes_sysctl_handler()
 * -> setup_per_zone_wmarks(), which also clears every zone's boost. */
static bool set_min_free_kbytes(FsiRun *run, const char *key, const char *value, bool apply, GError **error) {
  char *end = NULL;
  errno = 0;
  gint64 v = g_ascii_strtoll(value, &end, 10);
  if (errno || end == value || *end || v < 0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: \"%s\" is not a number of kilobytes", key, value);
    return false;
  }
  if (!fsi_min_free_kbytes_check(&run->mem.cfg, v, "written during the run", error)) return false;
  if (!apply) return true;
  run->mem.cfg.min_free_kbytes = v;
  fsi_mem_setup_watermarks(&run->mem);
  return true;
}

bool fsi_run_set_param(FsiRun *run, const char *key, const char *value, bool apply, GError **error) {
  if (!strcmp(key, "vm.min_free_kbytes")) return set_min_free_kbytes(run, key, value, apply, error);
  const char *dot = strchr(key, '.');
  if (!dot) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: not POLICY.PARAM", key);
    return false;
  }
  g_autofree char *policy = g_strndup(key, (gsize)(dot - key));
  const char *param = dot + 1;
  for (uint32_t i = 0; i < run->nslots; i++) {
    const FsiPolicy *p = run->slots[i].policy;
    if (strcmp(p->name, policy) != 0) continue;
    for (uint32_t j = 0; j < p->nparams; j++) {
      const FsParamSpec *spec = &p->ops.params[j];
      if (strcmp(spec->name, param) != 0) continue;
      FsParamValue v;
      char *text = NULL;
      if (!fsi_param_parse(spec, value, &v, &text, error)) {
        g_prefix_error(error, "%s: ", key);
        return false;
      }
      if (!p->ops.param_changed) {
        g_free(text);
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                    "%s: policy \"%s\" cannot change parameters while running (no param_changed hook)", key, policy);
        return false;
      }
      if (!run->param_texts) run->param_texts = g_ptr_array_new_with_free_func(g_free);
      g_ptr_array_add(run->param_texts, text);
      if (spec->type == FS_PARAM_STRING) v.s = text;
      if (!apply) return true;
      run->current_slot = (int32_t)i;
      FsiHookCtx hk = fsi_hook_enter(run, i, "param_changed");
      bool ok = p->ops.param_changed(run->slots[i].state, j, &v);
      fsi_hook_leave(run, hk);
      run->current_slot = -1;
      if (!ok) {
        g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: policy \"%s\" cannot change \"%s\" while running", key,
                    policy, param);
        return false;
      }
      return true;
    }
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: policy \"%s\" has no parameter \"%s\"", key, policy, param);
    return false;
  }
  g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "%s: no policy \"%s\" in the stack %s", key, policy,
              run->stack ? run->stack->expanded : "");
  return false;
}

/* ---- event loop ---------------------------------------------------------------- */

void fsi_run_wake_task(FsiRun *run, uint32_t task, uint64_t at_ns) {
  g_assert(task < run->ntasks);
  fsi_eventq_push(&run->q, MAX(at_ns, run->now_ns), FSI_EV_TASK, task, 0);
}

void fsi_run_extend(FsiRun *run, uint64_t delta_ns) {
  if (!delta_ns) return;
  run->end_ns += delta_ns;
  fsi_eventq_push(&run->q, run->end_ns, FSI_EV_END, 0, 0);
}

void fsi_run_free_after(FsiRun *run, FsiHandle h, uint64_t delay_ns) {
  fsi_eventq_push(&run->q, run->now_ns + delay_ns, FSI_EV_FREE, (uint32_t)(h & 0xffffffffu), h >> 32);
}

gint64 fsi_progress_plain_interval(void) {
  const char *env = g_getenv("FRAGSIM_PROGRESS_SECONDS");
  char *end = NULL;
  double s = env ? g_ascii_strtod(env, &end) : 10.0;
  if (!env || end == env || *end || !(s >= 0 && s < 1e6)) s = 10.0;
  return (gint64)(s * G_TIME_SPAN_SECOND);
}

/* On a terminal one line rewritten in place; elsewhere (a log, CI, a batch
 * job) a plain line every fsi_progress_plain_interval(). */
static void progress(FsiRun *run, gint64 t0, bool tty, bool final) {
  double wall = (double)(g_get_monotonic_time() - t0) / 1e6;
  double frac = run->end_ns ? (double)run->now_ns / (double)run->end_ns : 1.0;
  fprintf(stderr, "%s%s [%s] %5.1f%%  sim %.1fs  %.2fM events  %.2fM ev/s  ETA %.0fs%s", tty ? "\r" : "fragsim: run: ",
          run->workload.name, run->stack->spec, 100.0 * frac, (double)run->now_ns / 1e9, (double)run->events / 1e6,
          wall > 0 ? (double)run->events / wall / 1e6 : 0.0, frac > 0 ? wall / frac - wall : 0.0,
          !tty ? "\n" : final ? "   \n" : "   ");
  fflush(stderr);
}

/* set from a signal handler: only a plain store of a lock-free type */
static volatile sig_atomic_t interrupt_signal;

void fsi_run_interrupt(int sig) { interrupt_signal = sig ? sig : SIGINT; }

int fsi_run_interrupted(void) { return interrupt_signal; }

static void stalled(FsiRun *run, const FsiEvent *ev) {
  static const char *const kind[] = {[FSI_EV_TASK] = "a workload task's step", [FSI_EV_FREE] = "a free",
                                     [FSI_EV_SAMPLE] = "the sampler", [FSI_EV_END] = "the end",
                                     [FSI_EV_KSWAPD] = "kswapd", [FSI_EV_SLAB_FREE] = "a slab free",
                                     [FSI_EV_FLUSH] = "the flusher", [FSI_EV_WB_DONE] = "a writeback completion",
                                     [FSI_EV_REFAULT] = "a refault", [FSI_EV_FAULT_NEXT] = "a task's next major fault"};
  char *what = ev->type == FSI_EV_TIMER && ev->arg < run->nslots
                   ? g_strdup_printf("a timer of policy \"%s\" (re-armed with no delay?)", run->slots[ev->arg].policy->name)
               : ev->type < G_N_ELEMENTS(kind) && kind[ev->type] ? g_strdup(kind[ev->type])
                                                                   : g_strdup_printf("event type %u", ev->type);
  fsi_run_fail(run, g_error_new(FSI_ERROR, FSI_ERROR_RUN,
                                "simulated time stopped at t=%.9f s: %" G_GUINT64_FORMAT
                                " events in a row at that instant (sim.stall_events); the next is %s",
                                (double)run->now_ns / 1e9, run->same_time_events, what));
  g_free(what);
}

void fsi_run_timeout(FsiRun *run, const char *what) {
  /* the hook and time first, then the flag that publishes them */
  run->timeout_hook = run->hook;
  run->timeout_now_ns = run->now_ns;
  if (!run->timeout_text) run->timeout_text = g_strdup(what);
  g_atomic_int_set(&run->timed_out, 1);
}

static void timed_out(FsiRun *run) {
  char where[512];
  fsi_crash_describe_run(run, run->timeout_hook, run->timeout_now_ns, where, sizeof where);
  bool hook = run->timeout_hook.slot >= 0;
  fsi_run_fail(run, g_error_new(FSI_ERROR, FSI_ERROR_TIMEOUT, "timed out: %s of wall clock passed while running %s%s",
                                run->timeout_text ? run->timeout_text : "the time limit", where,
                                hook ? "" : "; the run is longer than the limit, not stuck in a policy"));
}

static void dispatch(FsiRun *run, const FsiEvent *ev) {
  if (G_UNLIKELY(interrupt_signal)) {
    fsi_run_fail(run, g_error_new(FSI_ERROR, FSI_ERROR_INTERRUPTED, "interrupted by %s at t=%.3f s simulated",
                                  interrupt_signal == SIGTERM ? "SIGTERM" : "SIGINT", (double)run->now_ns / 1e9));
    return;
  }
  if (G_UNLIKELY(g_atomic_int_get(&run->timed_out))) {
    timed_out(run);
    return;
  }
  /* the watchdog: simulated time must advance */
  if (ev->time_ns == run->now_ns && run->events) {
    if (G_UNLIKELY(++run->same_time_events > run->stall_events)) {
      stalled(run, ev);
      return;
    }
  } else {
    run->same_time_events = 0;
  }
  run->now_ns = ev->time_ns;
  run->events++;
  switch (ev->type) {
  case FSI_EV_END:
    /* an end the run has since moved past (fsi_run_extend) */
    if (run->now_ns >= run->end_ns) run->stop = true;
    break;
  case FSI_EV_TASK:
    /* a task asleep in the slow path issues nothing until its request
     * completes; the wake-up is kept for then */
    if (ev->arg < run->ntasks && run->tasks[ev->arg].in_alloc) run->tasks[ev->arg].wake_deferred = true;
    else run->workload.task_step(run, run->workload.state, ev->arg);
    break;
  case FSI_EV_FREE: fsi_run_free_handle(run, ((uint64_t)ev->data << 32) | ev->arg); break;
  case FSI_EV_SLAB_FREE: fsi_slab_free(run, ((uint64_t)ev->data << 32) | ev->arg); break;
  case FSI_EV_KSWAPD:
    run->in_kswapd = true;
    run->charged_ns = 0;
    fsi_kswapd_event(run, ev->data);
    run->in_kswapd = false;
    break;
  case FSI_EV_FLUSH: fsi_flusher_event(run, ev->data); break;
  case FSI_EV_WB_DONE: fsi_writeback_done_event(run, ev->arg, ev->data); break;
  case FSI_EV_REFAULT: fsi_refault_event(run, ev->arg, ev->data); break;
  case FSI_EV_FAULT_NEXT: fsi_fault_next_event(run, ev->arg); break;
  case FSI_EV_TIMER: {
    FsiSlot *s = &run->slots[ev->arg];
    if (s->policy->ops.timer) {
      run->current_slot = (int32_t)ev->arg;
      run->charged_ns = 0;
      FsiHookCtx hk = fsi_hook_enter(run, ev->arg, "timer");
      s->policy->ops.timer(s->state, ev->data);
      fsi_hook_leave(run, hk);
      run->current_slot = -1;
      /* a timer is a daemon's work (kcompactd): its time is its own */
      run->stats.c[FSI_C_fs_policy_daemon_ns] += run->charged_ns;
    }
    break;
  }
  case FSI_EV_SAMPLE:
    FSI_NOTIFY0(run, sample);
    fsi_eventq_push(&run->q, run->now_ns + run->sample_interval_ns, FSI_EV_SAMPLE, 0, 0);
    break;
  default: g_assert_not_reached();
  }
  if (run->check && !run->error) {
    /* the local pass after every event, a full sweep every check_interval
     * events (and whenever one event wrote too much to log) */
    GError *e = NULL;
    FsiTouchLog *t = run->mem.touched;
    bool sweep = run->events % run->check_interval == 0 || !t || t->overflow;
    bool ok = sweep ? fsi_check_invariants(run, &e) : fsi_check_local(run, &e);
    if (t) {
      t->len = 0;
      t->overflow = false;
    }
    if (!ok) {
      g_prefix_error(&e, "invariant violated after event %" G_GUINT64_FORMAT " (type %u) at t=%" G_GUINT64_FORMAT " ns: ",
                     run->events, ev->type, run->now_ns);
      fsi_run_fail(run, e);
    }
  }
}

static void run_until(FsiRun *run, uint64_t until_ns) {
  FsiEvent ev;
  run->loop_depth++;
  while (!run->stop) {
    const FsiEvent *next = fsi_eventq_peek(&run->q);
    if (!next || next->time_ns > until_ns) break;
    fsi_eventq_pop(&run->q, &ev);
    dispatch(run, &ev);
  }
  run->loop_depth--;
  if (!run->stop && run->now_ns < until_ns) run->now_ns = until_ns;
}

bool fsi_run_advance(FsiRun *run, uint64_t until_ns) {
  run_until(run, until_ns);
  return !run->error;
}

bool fsi_run_sleep(FsiRun *run, uint64_t until_ns) {
  if (!run->loop_depth || run->sleep_depth >= FSI_MAX_SLEEP_DEPTH || run->stop || run->in_kswapd ||
      run->current_slot >= 0)
    return false;
  /* the sleeper's request state that the events below overwrite */
  uint64_t charged = run->charged_ns;
  uint32_t task = run->current_task;
  int compact_result = run->compact_result;
  run->current_task = FSI_NIL;
  run->charged_ns = 0;
  run->sleep_depth++;
  run_until(run, until_ns);
  run->sleep_depth--;
  run->charged_ns = charged;
  run->current_task = task;
  run->compact_result = compact_result;
  run->current_slot = -1;
  run->ntaken = 0;
  return true;
}

/* The free of a random live object misses the cache, and one event's work
 * is shorter than a miss: start loading the objects of the next few events
 * (the near heap's top and the two levels below it, which is where the next
 * ones are) while this one is dispatched. */
#define FSI_PREFETCH_EVENTS 7
static inline void prefetch_next(FsiRun *run) {
  size_t n;
  const FsiEvent *h = fsi_eventq_near(&run->q, &n);
  if (n > FSI_PREFETCH_EVENTS) n = FSI_PREFETCH_EVENTS;
  for (size_t i = 0; i < n; i++) {
    if (h[i].type == FSI_EV_FREE && h[i].arg < run->nallocs) __builtin_prefetch(&run->allocs[h[i].arg]);
    else if (h[i].type == FSI_EV_SLAB_FREE && h[i].arg < run->rc.nobjs) __builtin_prefetch(&run->rc.objs[h[i].arg]);
  }
}

static FsiProgressFn progress_listener;

void fsi_run_progress_listener(FsiProgressFn fn) { progress_listener = fn; }

bool fsi_run_execute(FsiRun *run, GError **error) {
  bool tty = run->progress && isatty(STDERR_FILENO);
  FsiProgressFn listener = progress_listener;
  gint64 told = g_get_monotonic_time();
  gint64 t0 = g_get_monotonic_time(), last = t0;
  gint64 every = tty ? G_TIME_SPAN_SECOND / 2 : fsi_progress_plain_interval();
  fsi_crash_track(run);
  fsi_eventq_push(&run->q, run->end_ns, FSI_EV_END, 0, 0);
  fsi_eventq_push(&run->q, 0, FSI_EV_SAMPLE, 0, 0);
  if (!run->workload.start(run, run->workload.state, error)) return false;
  if (run->check) {
    if (!fsi_check_invariants(run, error)) return false;
    /* from here each event's writes are logged for the local pass */
    if (!run->mem.touched) run->mem.touched = g_new0(FsiTouchLog, 1);
  }

  FsiEvent ev;
  run->loop_depth++;
  while (!run->stop && fsi_eventq_pop(&run->q, &ev)) {
    prefetch_next(run);
    dispatch(run, &ev);
    if ((run->progress || listener) && (run->events & 0xffff) == 0) {
      gint64 now = g_get_monotonic_time();
      if (run->progress && now - last > every) {
        progress(run, t0, tty, false);
        last = now;
      }
      if (listener && now - told > G_TIME_SPAN_SECOND / 2) {
        listener(run->end_ns ? (double)run->now_ns / (double)run->end_ns : 1.0, run->events);
        told = now;
      }
    }
  }
  run->loop_depth--;
  if (tty) progress(run, t0, true, true);
  if (run->check && !run->error && !fsi_check_invariants(run, &run->error))
    g_prefix_error(&run->error, "invariant violated at the end of the run (t=%" G_GUINT64_FORMAT " ns): ", run->now_ns);
  if (run->error) {
    g_propagate_error(error, run->error);
    run->error = NULL;
    return false;
  }
  FSI_NOTIFY0(run, end);
  return true;
}

bool fsi_run_observe(FsiRun *run, const FsiObserverOps *ops, void *data) {
  if (run->nobs == FSI_MAX_OBSERVERS) return false;
  run->obs[run->nobs++] = (FsiObserver){ops, data};
  if (ops->alloc) run->obs_mask |= FSI_OBS_alloc;
  if (ops->oom) run->obs_mask |= FSI_OBS_oom;
  if (ops->extfrag) run->obs_mask |= FSI_OBS_extfrag;
  if (ops->sample) run->obs_mask |= FSI_OBS_sample;
  if (ops->end) run->obs_mask |= FSI_OBS_end;
  return true;
}
