/* `fragsim compare`: every (workload, stack, seed) of a comparison, run in
 * parallel child processes or one at a time on a cluster (--list-runs,
 * --run N, --collect), aggregated over seeds into the tidy compare.csv by
 * results/; see docs/comparing.md.
 *
 * The run directory is the unit of resumption: fsi_run_one() renames it
 * into place only when complete, so "its summary.csv exists" means "done"
 * and an interrupted compare simply skips those runs.
 */
#include <errno.h>
#include <glib/gstdio.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "cli/options.h"
#include "cli/commands.h"
#include "cli/isolate.h"
#include "cli/runner.h"
#include "engine/core/config.h"
#include "engine/core/error.h"
#include "engine/plugin/loader.h"
#include "engine/run.h"
#include "results/compare.h"
#include "results/csvout.h"
#include "results/rundir.h"
#include "workloads/workload.h"

#ifndef FRAGSIM_VERSION
#include "fragsim-config.h"
#endif

/* ---- running: one child process a run ---------------------------------------------
 *
 * Each run is a fork()ed child, so a policy that crashes, aborts or hangs
 * takes only its own run down: the parent reads what the child reports on a
 * pipe (isolate.h: "ok <events>", "error <message>", "timeout <message>",
 * or from the fatal-signal handler "crash <signal> <where>"), reaps it, and
 * goes on with the others.  A run's result directory is written by the
 * child exactly as a thread wrote it before, so compare.csv does not change. */

typedef struct {
  pid_t pid;
  int fd;
  guint idx;       /* index into todo; G_MAXUINT: the preflight */
  GString *report; /* what the child wrote */
  gint64 started;  /* monotonic us */
  bool killed;     /* by the parent (--timeout backstop, or after an interrupt) */
  double frac;     /* its last "progress" line: simulated time done, 0..1 */
  guint64 events;  /* ... and events so far */
  size_t parsed;   /* bytes of report already read for progress lines */
} Child;

typedef struct {
  const FsiDesign *d;
  const char *dir;
  const char *const *sets;
  const char *policy_path;
  const char *command; /* the command line, for "--run N" advice */
  bool check, force;
  uint64_t timeout_ns;
  const char *timeout_text;
  GArray *todo;    /* run numbers */
  guint done;
  guint64 events;
  char **failures; /* per todo entry: why it failed, NULL if not */
  bool interrupted;
} Pool;

/* the children's SIGINT/SIGTERM handler: unlike the parent's, it stays, so
 * the terminal's signal and the one the parent forwards both just stop the
 * run at its next event */
static void child_on_signal(int sig) { fsi_run_interrupt(sig); }

typedef void (*ChildFn)(Pool *p, guint idx);

static bool spawn(Pool *p, Child *c, guint idx, ChildFn fn, Child *others, guint nothers, GError **error) {
  int fd;
  pid_t pid = fsi_isolate_fork("a run", &fd, error);
  if (pid < 0) return false;
  if (pid == 0) {
    for (guint i = 0; i < nothers; i++) close(others[i].fd);
#ifdef __linux__
    prctl(PR_SET_PDEATHSIG, SIGKILL); /* no orphan spinning in a hook when compare dies */
#endif
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = child_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fn(p, idx);
    _exit(0); /* not reached: fn exits */
  }
  c->pid = pid;
  c->fd = fd;
  c->idx = idx;
  c->report = g_string_new(NULL);
  c->started = g_get_monotonic_time();
  c->killed = false;
  c->frac = 0;
  c->events = 0;
  c->parsed = 0;
  return true;
}

/* Reports the end of a child's run and exits; _exit skips the parent's
 * atexit handlers and stdio buffers the child inherited. */
static G_NORETURN void child_exit(bool ok, const char *ok_text, GError *e) {
  if (ok) {
    fsi_isolate_report("ok", ok_text);
    _exit(0);
  }
  bool interrupted = g_error_matches(e, FSI_ERROR, FSI_ERROR_INTERRUPTED);
  fsi_isolate_report(interrupted ? "interrupted" : "error", e->message);
  _exit(interrupted ? 128 + fsi_run_interrupted() : 1);
}

/* "progress <fraction> <events>" to the parent, for its progress line */
static void child_progress(double frac, uint64_t events) {
  char line[96];
  g_snprintf(line, sizeof line, "%.4f %" G_GUINT64_FORMAT, frac, events);
  fsi_isolate_report("progress", line);
}

/* The last complete "progress" line of what the child wrote since the last
 * look. */
static void read_progress(Child *c) {
  const char *s = c->report->str;
  size_t end = c->report->len;
  while (end > c->parsed && s[end - 1] != '\n') end--;
  for (size_t i = c->parsed; i < end;) {
    const char *nl = memchr(s + i, '\n', end - i);
    size_t len = (size_t)(nl - (s + i));
    if (len > 9 && !strncmp(s + i, "progress ", 9)) {
      char *q = NULL;
      double f = g_ascii_strtod(s + i + 9, &q);
      if (q && *q == ' ') {
        c->frac = CLAMP(f, 0.0, 1.0);
        c->events = g_ascii_strtoull(q + 1, NULL, 10);
      }
    }
    i += len + 1;
  }
  c->parsed = end;
}

static void child_run(Pool *p, guint idx) {
  fsi_run_progress_listener(child_progress);
  guint n = g_array_index(p->todo, guint, idx), w, s, k;
  fsi_design_run(p->d, n, &w, &s, &k);
  char *rd = fsi_design_run_dir(p->d, p->dir, n);
  FsiRunSpec spec = {g_ptr_array_index(p->d->workloads, w), g_ptr_array_index(p->d->stacks, s),
                     g_array_index(p->d->seeds, guint64, k), p->sets, rd, p->policy_path, p->check, p->force, false,
                     false};
  FsiRunResult res = {0};
  GError *e = NULL;
  bool ok = fsi_run_one_timed(&spec, p->timeout_ns, p->timeout_text, &res, &e);
  char events[32];
  g_snprintf(events, sizeof events, "%" G_GUINT64_FORMAT, res.events);
  child_exit(ok, events, e);
}

/* The part of a report after its first word, without the final newline. */
static char *report_text(const char *line) {
  const char *sp = strchr(line, ' ');
  char *t = g_strdup(sp ? sp + 1 : "");
  return g_strchomp(t);
}

/* The line of a report that starts with `kind `, or NULL. */
static const char *report_line(const GString *r, const char *kind) {
  size_t klen = strlen(kind);
  for (const char *l = r->str; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
    if (!strncmp(l, kind, klen) && l[klen] == ' ') return l;
  return NULL;
}

/* What happened to a child, from its wait status and its report: NULL for
 * success (events set), else a message (the reason after "run N (...) ").
 * *ret_interrupted for a run the interrupt stopped. */
static char *judge(const Pool *p, const Child *c, int status, guint64 *ret_events, bool *ret_interrupted) {
  *ret_interrupted = false;
  const char *crash = report_line(c->report, "crash"), *timeout = report_line(c->report, "timeout");
  const char *err = report_line(c->report, "error"), *ok = report_line(c->report, "ok");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && ok) {
    char *t = report_text(ok);
    *ret_events = g_ascii_strtoull(t, NULL, 10);
    g_free(t);
    return NULL;
  }
  if (report_line(c->report, "interrupted")) {
    *ret_interrupted = true;
    return g_strdup("interrupted");
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    const char *name = fsi_crash_signal_name(sig);
    char *signame = name ? g_strdup(name) : g_strdup_printf("signal %d", sig);
    char *msg;
    if (crash) {
      /* "SIGSEGV in policy 'P' hook 'H' at t=... (workload ...)": the
       * identity is the prefix's already */
      char *t = report_text(crash);
      char *paren = strstr(t, " (workload ");
      if (paren) *paren = '\0';
      msg = g_strdup_printf("crashed: %s", t);
      g_free(t);
    } else if (c->killed && p->interrupted) {
      msg = g_strdup_printf("was killed (%s): it did not stop after the interrupt", signame);
    } else if (c->killed) {
      msg = g_strdup_printf("was killed (%s): it ran past %s and did not stop", signame, p->timeout_text);
    } else {
      msg = g_strdup_printf("was killed by %s with no report from the run (killed from outside, e.g. by the OOM killer, "
                            "or a sanitizer's report above)",
                            signame);
    }
    g_free(signame);
    return msg;
  }
  if (timeout) {
    char *t = report_text(timeout);
    char *msg = g_strdup(g_str_has_prefix(t, "run ") ? t + 4 : t);
    g_free(t);
    return msg;
  }
  if (err) {
    char *t = report_text(err);
    char *msg = g_strdup_printf("failed: %s", t);
    g_free(t);
    return msg;
  }
  return g_strdup_printf("exited with status %d without a report (see its messages above, e.g. a sanitizer's)",
                         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

static void fmt_secs(char *buf, size_t len, double s) {
  if (s < 60) g_snprintf(buf, len, "%.0fs", s);
  else if (s < 3600) g_snprintf(buf, len, "%dm%02ds", (int)s / 60, (int)s % 60);
  else g_snprintf(buf, len, "%dh%02dm", (int)s / 3600, (int)s % 3600 / 60);
}

/* On a terminal one line rewritten in place, elsewhere (logs, CI, batch
 * jobs) a plain line every fsi_progress_plain_interval().  The ETA counts
 * the simulated time the running children have done (their "progress"
 * lines), so it moves during long runs too. */
static void progress_line(Pool *p, const Child *kids, guint nkids, guint reused, guint total, double elapsed, bool tty,
                          bool final) {
  char el[32], eta[32];
  fmt_secs(el, sizeof el, elapsed);
  double done = p->done;
  guint64 events = p->events;
  for (guint i = 0; i < nkids; i++) {
    done += kids[i].frac;
    events += kids[i].events;
  }
  if (done > 0) fmt_secs(eta, sizeof eta, elapsed / done * ((double)p->todo->len - done));
  else g_strlcpy(eta, "--", sizeof eta);
  fprintf(stderr, "%scompare: %u/%u runs done  elapsed %s  ETA %s  %.2fM events/s%s", tty ? "\r" : "fragsim: ",
          reused + p->done, total, el, final ? "0s" : eta, elapsed > 0 ? (double)events / elapsed / 1e6 : 0.0,
          !tty ? "\n" : final ? "   \n" : "   ");
  fflush(stderr);
}

/* The temporary directory a child's run was writing (csvout.c's naming). */
static void remove_child_tmpdir(const Pool *p, const Child *c) {
  guint n = g_array_index(p->todo, guint, c->idx);
  char *rd = fsi_design_run_dir(p->d, p->dir, n);
  char *parent = g_path_get_dirname(rd), *base = g_path_get_basename(rd);
  char *name = g_strdup_printf(".%s.tmp-%ld", base, (long)c->pid);
  char *tmp = g_build_filename(parent, name, NULL);
  if (g_file_test(tmp, G_FILE_TEST_IS_DIR)) fsi_isolate_rm_tree(tmp);
  g_free(tmp);
  g_free(name);
  g_free(parent);
  g_free(base);
  g_free(rd);
}

static void run_name(const Pool *p, guint n, GString *out) {
  guint w, s, k;
  fsi_design_run(p->d, n, &w, &s, &k);
  g_string_append_printf(out, "run %u (%s, %s, seed %" G_GUINT64_FORMAT ")", n, (char *)g_ptr_array_index(p->d->workloads, w),
                         (char *)g_ptr_array_index(p->d->stacks, s), g_array_index(p->d->seeds, guint64, k));
}

/* Seconds after an interrupt, or after --timeout plus the child's own
 * grace, before a child that has not ended is killed. */
#define KILL_AFTER_INTERRUPT_S 10
#define KILL_AFTER_TIMEOUT_S (FSI_ISOLATE_GRACE_S + 10)

/* Runs `todo` in up to `jobs` child processes at a time.  Every run is
 * tried; each failure is printed when it happens, and the error lists the
 * failed runs with the commands that redo them. */
static bool run_all(Pool *p, guint jobs, guint reused, guint total, bool show_progress, bool tty, GError **error) {
  gint64 t0 = g_get_monotonic_time(), interrupted_at = 0;
  jobs = MAX(1u, MIN(jobs, p->todo->len));
  p->failures = g_new0(char *, p->todo->len + 1);
  Child *kids = g_new0(Child, jobs);
  struct pollfd *pfd = g_new0(struct pollfd, jobs);
  guint nkids = 0, next = 0, nfail = 0;
  GError *spawn_error = NULL;
  gint64 last_progress = 0, plain_every = fsi_progress_plain_interval();
  for (;;) {
    int sig = fsi_run_interrupted();
    if (sig && !p->interrupted) {
      p->interrupted = true;
      interrupted_at = g_get_monotonic_time();
      for (guint i = 0; i < nkids; i++) kill(kids[i].pid, sig);
    }
    while (!p->interrupted && !spawn_error && nkids < jobs && next < p->todo->len) {
      if (spawn(p, &kids[nkids], next, child_run, kids, nkids, &spawn_error)) nkids++;
      next++;
    }
    if (!nkids) break;
    for (guint i = 0; i < nkids; i++) pfd[i] = (struct pollfd){kids[i].fd, POLLIN, 0};
    int r = poll(pfd, nkids, 250);
    gint64 now = g_get_monotonic_time();
    for (guint i = 0; i < nkids; i++) {
      Child *c = &kids[i];
      /* backstops: a child that does not stop */
      gint64 limit = p->interrupted ? interrupted_at + KILL_AFTER_INTERRUPT_S * G_TIME_SPAN_SECOND
                     : p->timeout_ns ? c->started + (gint64)(p->timeout_ns / 1000) + KILL_AFTER_TIMEOUT_S * G_TIME_SPAN_SECOND
                                     : G_MAXINT64;
      if (!c->killed && now > limit) {
        kill(c->pid, SIGKILL);
        c->killed = true;
      }
    }
    if (r <= 0) goto progress;
    for (guint i = 0; i < nkids;) {
      Child *c = &kids[i];
      if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR))) {
        i++;
        continue;
      }
      char buf[4096];
      ssize_t n = read(c->fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) {
        i++;
        continue;
      }
      if (n > 0) {
        g_string_append_len(c->report, buf, n);
        read_progress(c);
        i++;
        continue;
      }
      /* end of the report: the child is exiting */
      close(c->fd);
      int status = 0;
      while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR) {
      }
      guint64 events = 0;
      bool stopped = false;
      char *why = judge(p, c, status, &events, &stopped);
      if (!why) {
        p->done++;
        p->events += events;
      } else {
        remove_child_tmpdir(p, c);
        if (!stopped) {
          p->failures[c->idx] = why;
          nfail++;
          GString *line = g_string_new(NULL);
          run_name(p, g_array_index(p->todo, guint, c->idx), line);
          fprintf(stderr, "%sfragsim: compare: %s %s\n", show_progress && tty ? "\n" : "", line->str, why);
          fflush(stderr);
          g_string_free(line, TRUE);
        } else {
          g_free(why);
        }
      }
      g_string_free(c->report, TRUE);
      kids[i] = kids[--nkids];
      pfd[i] = pfd[nkids];
    }
  progress:
    if (show_progress && now - last_progress >= (tty ? G_TIME_SPAN_SECOND / 2 : plain_every)) {
      if (last_progress || tty) progress_line(p, kids, nkids, reused, total, (double)(now - t0) / 1e6, tty, false);
      last_progress = now;
    }
  }
  if (show_progress && tty) progress_line(p, kids, 0, reused, total, (double)(g_get_monotonic_time() - t0) / 1e6, tty, true);
  g_free(kids);
  g_free(pfd);
  bool ok = true;
  if (p->interrupted) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_INTERRUPTED, "interrupted");
    ok = false;
  } else if (spawn_error) {
    g_propagate_error(error, spawn_error);
    spawn_error = NULL;
    ok = false;
  } else if (nfail) {
    GString *list = g_string_new(NULL), *cmds = g_string_new(NULL);
    for (guint i = 0; i < p->todo->len; i++) {
      if (!p->failures[i]) continue;
      guint n = g_array_index(p->todo, guint, i);
      g_string_append_printf(list, "%s%u", list->len ? ", " : "", n);
      g_string_append_printf(cmds, "\n  %s --run %u", p->command, n);
    }
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN,
                "%u of %u runs failed (run number%s %s); the other runs are complete and kept. Run the same command "
                "again to redo only the failed runs, or each one alone:%s",
                nfail, p->todo->len, nfail == 1 ? "" : "s", list->str, cmds->str);
    g_string_free(list, TRUE);
    g_string_free(cmds, TRUE);
    ok = false;
  }
  if (spawn_error) g_error_free(spawn_error);
  for (guint i = 0; i < p->todo->len; i++) g_free(p->failures[i]);
  g_free(p->failures);
  return ok;
}

/* A misspelt stack, policy parameter or --set key would otherwise surface
 * only when the first run that uses it comes up, possibly hours into a
 * comparison; this repeats fsi_run_one()'s set-up checks for every stack
 * before anything runs.  Workloads that are not presets may be files.
 * Setting up a run creates the policies and boots them, so this too runs
 * in a child process: a policy that crashes there is named, not fatal. */
static void child_preflight(Pool *p, guint idx) {
  (void)idx;
  const FsiDesign *d = p->d;
  GError *e = NULL;
  for (guint w = 0; w < d->workloads->len; w++)
    for (guint s = 0; s < d->stacks->len; s++) {
      FsiRunSpec spec = {g_ptr_array_index(d->workloads, w), g_ptr_array_index(d->stacks, s), 1,
                         p->sets, NULL, p->policy_path, false, false, false, true};
      if (!fsi_run_one(&spec, NULL, &e)) child_exit(false, NULL, e);
    }
  child_exit(true, "0", NULL);
}

static bool preflight(Pool *p, GError **error) {
  Child c = {0};
  if (!spawn(p, &c, G_MAXUINT, child_preflight, NULL, 0, error)) return false;
  char buf[4096];
  ssize_t n;
  while ((n = read(c.fd, buf, sizeof buf)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    g_string_append_len(c.report, buf, n);
  }
  close(c.fd);
  int status = 0;
  while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR) {
  }
  guint64 events = 0;
  bool stopped = false;
  char *why = judge(p, &c, status, &events, &stopped);
  const char *err = report_line(c.report, "error");
  bool ok = !why;
  if (stopped) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_INTERRUPTED, "interrupted");
  } else if (why && err) {
    /* a set-up error: as the in-process check gave it */
    char *t = report_text(err);
    g_set_error_literal(error, FSI_ERROR, FSI_ERROR_CONFIG, t);
    g_free(t);
  } else if (why) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_RUN, "setting up the runs before any ran: %s", why);
  }
  g_free(why);
  g_string_free(c.report, TRUE);
  return ok;
}

/* ---- the command -------------------------------------------------------------------- */

static const char *compare_description =
    "Runs every (workload, stack, seed), with the same seeds for every stack (common random\n"
    "numbers), and aggregates the seeds of each (workload, stack) into DIR/compare.csv:\n"
    "  workload,stack,metric,n,mean,sd,ci95_lo,ci95_hi   (one row per summary.csv metric)\n"
    "The 95% interval is mean -/+ t(0.975, n-1) * sd / sqrt(n); empty when n < 2.\n"
    "DIR/runs.csv has every run's values (workload,stack,seed,metric,value) and DIR/table.md\n"
    "the table printed at the end: the first -p stack is the baseline of paired differences.\n"
    "Each run keeps its directory DIR/runs/<workload>/<stack>/s<seed>; DIR/compare.ini\n"
    "records the design.  Re-running the same command resumes: finished runs are kept,\n"
    "if what they were made from is the same (the fragsim binary, the stacks' definitions,\n"
    "the workload files and the policy modules; else compare refuses: --force or -o).\n"
    "\n"
    "Each run is a child process (-j at a time).  A run that fails, crashes (SIGSEGV,\n"
    "SIGABRT, ...), is killed, or passes --timeout is reported with its run number,\n"
    "workload, stack, seed, the signal and the policy hook that was running; the other\n"
    "runs go on and are kept, and compare exits 1 listing the runs to redo (--run N).\n"
    "\n"
    "Cluster arrays: --list-runs numbers the runs (from 0: workload-major, then stack, then\n"
    "seed), --run N runs one of them, --collect builds compare.csv from the directories.\n"
    "\n"
    "Examples:\n"
    "  fragsim compare -w churn -p vanilla -p nogroup -r 5 -j 2 -o cmp --set sim.duration=60s\n"
    "  fragsim compare -w churn -p vanilla -p nogroup -r 5 -o cmp --run $SLURM_ARRAY_TASK_ID\n"
    "  fragsim compare -w churn -p vanilla -p nogroup -r 5 -o cmp --collect\n"
    "See docs/comparing.md.";

static void split_into(GPtrArray *out, char **items) {
  for (char **it = items; it && *it; it++) {
    char **parts = g_strsplit(*it, ",", -1);
    for (char **p = parts; *p; p++) {
      char *t = g_strstrip(g_strdup(*p));
      if (*t) g_ptr_array_add(out, t);
      else g_free(t);
    }
    g_strfreev(parts);
  }
}

/* "1,4,9" and "1..5" and mixtures. */
static bool parse_seed_list(const char *text, GArray *out, GError **error) {
  char **parts = g_strsplit(text, ",", -1);
  bool ok = true;
  for (char **p = parts; ok && *p; p++) {
    char *item = g_strstrip(*p);
    char *dots = strstr(item, "..");
    guint64 a, b;
    if (dots) {
      *dots = '\0';
      ok = g_ascii_string_to_unsigned(item, 10, 0, G_MAXUINT64, &a, NULL) &&
           g_ascii_string_to_unsigned(dots + 2, 10, 0, G_MAXUINT64, &b, NULL) && a <= b && b - a < 1000000;
      *dots = '.';
    } else {
      ok = g_ascii_string_to_unsigned(item, 10, 0, G_MAXUINT64, &a, NULL);
      b = a;
    }
    if (!ok) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                  "--seed-list: \"%s\" is not a seed or a range A..B of seeds (A <= B)", item);
      break;
    }
    for (guint64 v = a;; v++) {
      g_array_append_val(out, v);
      if (v == b) break;
    }
  }
  g_strfreev(parts);
  return ok;
}

static bool strv_equal(GPtrArray *a, GPtrArray *b) {
  if (a->len != b->len) return false;
  for (guint i = 0; i < a->len; i++)
    if (strcmp(a->pdata[i], b->pdata[i])) return false;
  return true;
}

static char *sets_text(GPtrArray *sets) {
  if (!sets->len) return g_strdup("no --set");
  GString *s = g_string_new(NULL);
  for (guint i = 0; i < sets->len; i++) g_string_append_printf(s, "%s--set %s", i ? " " : "", (char *)sets->pdata[i]);
  return g_string_free(s, FALSE);
}

/* A file's bytes into the digest, its length first; a missing file counts
 * as itself (its name is in the digest already). */
static void digest_file(GChecksum *ck, const char *path) {
  char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents(path, &data, &len, NULL)) {
    g_checksum_update(ck, (const guchar *)"-", 1);
    return;
  }
  char n[32];
  int k = g_snprintf(n, sizeof n, "%" G_GSIZE_FORMAT ":", len);
  g_checksum_update(ck, (const guchar *)n, k);
  g_checksum_update(ck, (const guchar *)data, (gssize)len);
  g_free(data);
}

static void digest_str(GChecksum *ck, const char *s) { g_checksum_update(ck, (const guchar *)s, (gssize)strlen(s) + 1); }

/* What the runs are made from beyond the manifest's names and --set: the
 * fragsim binary, each stack's expansion in stacks.ini (policies and
 * settings), each workload file (a trace by its size and time), and every
 * policy module on the search path (by file name and bytes).  Finished runs
 * are reused only when it is the same, so a rebuilt engine, an edited stack
 * or preset or a new policy module cannot mix runs of two models under one
 * name. */
static char *inputs_digest(const FsiDesign *d, const char *policy_path) {
  GChecksum *ck = g_checksum_new(G_CHECKSUM_SHA256);
  digest_file(ck, "/proc/self/exe");
  GKeyFile *stacks = fsi_stacks_load(NULL);
  for (guint i = 0; i < d->stacks->len; i++) {
    const char *spec = g_ptr_array_index(d->stacks, i);
    digest_str(ck, spec);
    if (!stacks) continue;
    char **pol = fsi_stack_expand(stacks, spec, NULL), **set = fsi_stack_settings(stacks, spec);
    for (char **x = pol; x && *x; x++) digest_str(ck, *x);
    digest_str(ck, "|");
    for (char **x = set; x && *x; x++) digest_str(ck, *x);
    g_strfreev(pol);
    g_strfreev(set);
  }
  if (stacks) g_key_file_unref(stacks);
  for (guint i = 0; i < d->workloads->len; i++) {
    const char *w = g_ptr_array_index(d->workloads, i);
    digest_str(ck, w);
    bool trace;
    g_autofree char *path = fsi_workload_file(w, &trace); /* NULL: built in (the binary's) */
    GStatBuf st;
    if (trace && g_stat(path, &st) == 0) {
      g_autofree char *t = g_strdup_printf("%lld:%lld", (long long)st.st_size, (long long)st.st_mtime);
      digest_str(ck, t);
    } else if (path && !trace) {
      digest_file(ck, path);
    }
  }
  char **search = fsi_policy_search_path(policy_path);
  GPtrArray *mods = fsi_policy_modules(search);
  for (guint i = 0; i < mods->len; i++) {
    const char *m = g_ptr_array_index(mods, i);
    char *base = g_path_get_basename(m);
    digest_str(ck, base);
    g_free(base);
    digest_file(ck, m);
  }
  g_ptr_array_unref(mods);
  g_strfreev(search);
  char *out = g_strdup_printf("sha256:%s", g_checksum_get_string(ck));
  g_checksum_free(ck);
  return out;
}

/* Finished runs are reused by path, and the path does not encode --set, so
 * a manifest made with other settings would silently mix configurations;
 * nor does it encode the model, so one made from other inputs
 * (inputs_digest) would too, unless the runs are only being collected. */
static bool check_manifest(const FsiDesign *d, const char *path, bool force, bool collect, GError **error) {
  if (!g_file_test(path, G_FILE_TEST_EXISTS) || force) return true;
  FsiDesign *old = fsi_design_load(path, error);
  if (!old) return false;
  bool ok = true;
  if (!strv_equal(old->sets, d->sets)) {
    char *a = sets_text(old->sets), *b = sets_text(d->sets);
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s was made with %s, this command has %s: its finished runs would be mixed with runs of "
                "another configuration; use the same --set options, another -o, or --force to redo every run",
                path, a, b);
    g_free(a);
    g_free(b);
    ok = false;
  } else if (!collect && d->inputs && (!old->inputs || strcmp(old->inputs, d->inputs))) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG,
                "%s was made from other inputs than this command's%s: the fragsim binary, a stack's definition in "
                "stacks.ini, a workload file or a policy module has changed since, so its finished runs would be "
                "mixed with runs of another model; use another -o, or --force to redo every run",
                path, old->inputs ? "" : " (or by an older fragsim, which did not record them)");
    ok = false;
  } else if (strcmp(old->version, d->version)) {
    fprintf(stderr, "fragsim: compare: warning: %s was written by fragsim %s, this is %s; its finished runs are reused\n",
            path, old->version, d->version);
  }
  fsi_design_free(old);
  return ok;
}

int fsi_cmd_compare(int argc, char **argv) {
  char **workloads = NULL, **stacks = NULL, **sets = NULL;
  char *outdir = NULL, *policy_path = NULL, *seed_list = NULL, *timeout = NULL, *timeout_text = NULL, *command = NULL;
  uint64_t timeout_ns = 0;
  /* G_MININT: not given (so -j 0 and --run -1 are errors, not defaults) */
  gint nseeds = 5, jobs = G_MININT, run_n = G_MININT;
  gint64 seed_base = 1;
  gboolean list_runs = FALSE, collect = FALSE, force = FALSE, quiet = FALSE, check = FALSE;
  GOptionEntry entries[] = {
      {"workload", 'w', 0, G_OPTION_ARG_STRING_ARRAY, &workloads, "Workloads, comma separated or repeated", "W[,W...]"},
      {"policy", 'p', 0, G_OPTION_ARG_STRING_ARRAY, &stacks,
       "A policy stack (repeat for each; also comma separated); the order fixes plot colours", "STACK"},
      {"seeds", 'r', 0, G_OPTION_ARG_INT, &nseeds, "Number of seeds per (workload, stack) (default 5)", "R"},
      {"seed-base", 0, 0, G_OPTION_ARG_INT64, &seed_base, "First seed (default 1): seeds are B..B+R-1", "B"},
      {"seed-list", 0, 0, G_OPTION_ARG_STRING, &seed_list, "Explicit seeds instead of -r/--seed-base, e.g. 1..5,9",
       "LIST"},
      {"jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Runs in parallel (default: number of processors)", "JOBS"},
      {"output", 'o', 0, G_OPTION_ARG_FILENAME, &outdir, "Comparison directory (required)", "DIR"},
      {"set", 0, 0, G_OPTION_ARG_STRING_ARRAY, &sets, "Override a configuration key for every run (repeatable)",
       "SECTION.KEY=VALUE"},
      {"list-runs", 0, 0, G_OPTION_ARG_NONE, &list_runs, "Print the numbered runs (number, workload, stack, seed, dir, status)", NULL},
      {"run", 0, 0, G_OPTION_ARG_INT, &run_n, "Run only run number N (from 0; see --list-runs)", "N"},
      {"collect", 0, 0, G_OPTION_ARG_NONE, &collect, "Only aggregate the finished run directories into compare.csv", NULL},
      {"force", 'f', 0, G_OPTION_ARG_NONE, &force, "Redo runs that are already complete", NULL},
      {"check", 0, 0, G_OPTION_ARG_NONE, &check, "Check engine invariants after every event (about 2x slower; sim.check_interval sets how often all of memory is swept)", NULL},
      {"timeout", 0, 0, G_OPTION_ARG_STRING, &timeout,
       "Stop a run after this much wall-clock time, naming the policy hook running; the others go on", "DURATION"},
      {"quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress line and no summary table", NULL},
      {"policy-path", 0, 0, G_OPTION_ARG_STRING, &policy_path,
       "Directories searched first for policy modules (colon separated)", "DIRS"},
      {NULL, 0, 0, 0, NULL, NULL, NULL}};
  GOptionContext *ctx = g_option_context_new("- run stacks head to head over seeds and aggregate");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(ctx, compare_description);
  GError *e = NULL;
  int rc = 1;
  FsiDesign *d = fsi_design_new();
  GArray *rows = NULL;
  char *manifest = NULL, *csv = NULL;
  /* the command as given, for the advice on redoing failed runs */
  GString *cmd = g_string_new("fragsim compare");
  for (int i = 1; i < argc; i++) {
    char *q = strspn(argv[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=.,/+:") == strlen(argv[i])
                  ? g_strdup(argv[i])
                  : g_shell_quote(argv[i]);
    g_string_append_printf(cmd, " %s", q);
    g_free(q);
  }
  command = g_string_free(cmd, FALSE);

  if (!fsi_cli_parse(ctx, entries, "compare", &argc, &argv, &e)) goto out;
  if (argc > 1) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "unexpected argument \"%s\" (see fragsim compare --help)", argv[1]);
    goto out;
  }
  split_into(d->workloads, workloads);
  split_into(d->stacks, stacks);
  for (char **s = sets; s && *s; s++) g_ptr_array_add(d->sets, g_strdup(*s));
  if (!outdir || !d->workloads->len || !d->stacks->len) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "-w WORKLOAD, -p STACK and -o DIR are required (see fragsim compare --help)");
    goto out;
  }
  if ((list_runs ? 1 : 0) + (collect ? 1 : 0) + (run_n != G_MININT ? 1 : 0) > 1) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "--list-runs, --run and --collect exclude each other");
    goto out;
  }
  if (run_n != G_MININT && run_n < 0) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "--run: %d is not a run number (they start at 0)", run_n);
    goto out;
  }
  if (seed_list) {
    if (!parse_seed_list(seed_list, d->seeds, &e)) goto out;
  } else {
    if (nseeds < 1) {
      g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "-r/--seeds: %d is not a number of seeds (at least 1)", nseeds);
      goto out;
    }
    if (seed_base < 0) {
      g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "--seed-base must be non-negative");
      goto out;
    }
    for (gint i = 0; i < nseeds; i++) {
      guint64 v = (guint64)seed_base + (guint64)i;
      g_array_append_val(d->seeds, v);
    }
  }
  if (jobs != G_MININT && jobs < 1) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "-j/--jobs: %d is not a number of jobs (at least 1)", jobs);
    goto out;
  }
  if (jobs == G_MININT) jobs = (gint)g_get_num_processors();
  if (timeout && !fsi_isolate_parse_timeout(timeout, &timeout_ns, &e)) goto out;
  if (timeout) timeout_text = g_strdup_printf("--timeout %s", timeout);
  if (!fsi_design_finish(d, &e)) goto out;
  guint nruns = fsi_design_n_runs(d);

  if (list_runs) {
    for (guint n = 0; n < nruns; n++) {
      guint w, s, k;
      fsi_design_run(d, n, &w, &s, &k);
      char *rd = fsi_design_run_dir(d, outdir, n);
      printf("%u\t%s\t%s\t%" G_GUINT64_FORMAT "\t%s\t%s\n", n, (char *)g_ptr_array_index(d->workloads, w),
             (char *)g_ptr_array_index(d->stacks, s), g_array_index(d->seeds, guint64, k), rd,
             fsi_rundir_done(rd) ? "done" : "todo");
      g_free(rd);
    }
    rc = 0;
    goto out;
  }
  if (run_n >= (gint)nruns) {
    g_set_error(&e, FSI_ERROR, FSI_ERROR_CONFIG, "--run: there is no run %d; this comparison has runs 0..%u", run_n,
                nruns - 1);
    goto out;
  }

  Pool p = {0};
  p.d = d;
  p.dir = outdir;
  p.sets = (const char *const *)sets;
  p.policy_path = policy_path;
  p.command = command;
  p.check = check;
  p.force = force;
  p.timeout_ns = timeout_ns;
  p.timeout_text = timeout_text;
  if (!collect && !preflight(&p, &e)) goto out;
  if (!collect && g_mkdir_with_parents(outdir, 0777) != 0) {
    int saved = errno;
    g_set_error(&e, FSI_ERROR, FSI_ERROR_IO, "-o: cannot create directory %s: %s", outdir, g_strerror(saved));
    goto out;
  }
  manifest = g_build_filename(outdir, "compare.ini", NULL);
  csv = g_build_filename(outdir, "compare.csv", NULL);
  if (!collect) d->inputs = inputs_digest(d, policy_path);
  if (!check_manifest(d, manifest, force, collect, &e) || (!collect && !fsi_design_save(d, manifest, &e))) goto out;

  if (run_n != G_MININT) {
    guint w, s, k;
    fsi_design_run(d, (guint)run_n, &w, &s, &k);
    char *rd = fsi_design_run_dir(d, outdir, (guint)run_n);
    if (fsi_rundir_done(rd) && !force) {
      if (!quiet) printf("run %d already complete: %s\n", run_n, rd);
    } else {
      FsiRunSpec spec = {g_ptr_array_index(d->workloads, w), g_ptr_array_index(d->stacks, s),
                         g_array_index(d->seeds, guint64, k), (const char *const *)sets, rd, policy_path, check,
                         force, !quiet, false};
      FsiRunResult res = {0};
      bool ok = fsi_run_one_timed(&spec, timeout_ns, timeout_text, &res, &e);
      if (!ok) {
        g_prefix_error(&e, "run %d (%s, %s, seed %" G_GUINT64_FORMAT "): ", run_n, (char *)g_ptr_array_index(d->workloads, w),
                       (char *)g_ptr_array_index(d->stacks, s), g_array_index(d->seeds, guint64, k));
        g_free(rd);
        goto out;
      }
      if (!quiet)
        printf("run %d (%s, %s, seed %" G_GUINT64_FORMAT ") done in %.1f s: %s\n", run_n,
               (char *)g_ptr_array_index(d->workloads, w), (char *)g_ptr_array_index(d->stacks, s),
               g_array_index(d->seeds, guint64, k), res.wall_s, rd);
      fsi_run_result_clear(&res);
    }
    g_free(rd);
    rc = 0;
    goto out;
  }

  if (!collect) {
    p.todo = g_array_new(FALSE, FALSE, sizeof(guint));
    for (guint n = 0; n < nruns; n++) {
      char *rd = fsi_design_run_dir(d, outdir, n);
      if (force || !fsi_rundir_done(rd)) g_array_append_val(p.todo, n);
      g_free(rd);
    }
    guint reused = nruns - p.todo->len;
    gint64 t0 = g_get_monotonic_time();
    bool ok = p.todo->len == 0 ||
              run_all(&p, (guint)jobs, reused, nruns, !quiet, isatty(STDERR_FILENO), &e);
    if (!quiet)
      printf("compare: ran %u of %u runs (%u already complete) in %.1f s with %d job%s\n", p.done, nruns, reused,
             (double)(g_get_monotonic_time() - t0) / 1e6, MIN(jobs, (gint)MAX(1u, p.todo->len)),
             MIN(jobs, (gint)MAX(1u, p.todo->len)) == 1 ? "" : "s");
    g_array_unref(p.todo);
    if (!ok) goto out;
  }

  rows = fsi_compare_collect(d, outdir, &e);
  if (!rows) goto out;
  if (!fsi_compare_write_results(d, outdir, rows, &e)) goto out;
  if (!quiet) {
    fsi_compare_print_table(d, outdir, rows);
    printf("\nresults in %s (plot with: fragsim plot %s)\n", csv, outdir);
  }
  rc = 0;
out:
  if (e && fsi_run_interrupted()) {
    /* the runs in flight were stopped and their directories removed; the
     * complete ones are kept, and the same command resumes */
    fprintf(stderr, "fragsim: compare: interrupted by %s; the complete runs in %s are kept: run the same command "
                    "again to do the rest\n",
            fsi_run_interrupted() == SIGTERM ? "SIGTERM" : "SIGINT", outdir);
    g_clear_error(&e);
    rc = 128 + fsi_run_interrupted();
  }
  if (e) {
    fprintf(stderr, "fragsim: compare: %s\n", e->message);
    g_error_free(e);
    rc = 1;
  }
  fsi_compare_rows_free(rows);
  g_free(manifest);
  g_free(csv);
  fsi_design_free(d);
  g_strfreev(workloads);
  g_strfreev(stacks);
  g_strfreev(sets);
  g_free(outdir);
  g_free(policy_path);
  g_free(seed_list);
  g_free(timeout);
  g_free(timeout_text);
  g_free(command);
  g_option_context_free(ctx);
  return rc;
}
