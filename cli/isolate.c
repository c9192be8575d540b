/* Fatal-signal reports, the child's report channel and the wall-clock
 * timeout; see isolate.h. */
#include "cli/isolate.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "engine/core/config.h"
#include "engine/core/error.h"
#include "engine/run.h"

/* ---- the fatal-signal handler ------------------------------------------------------ */

static const char *crash_prefix = "fragsim: crashed: ";
static int report_fd = -1; /* -1: not a child; the handler writes to stderr */

static const int fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};

static void write_all(int fd, const char *buf, size_t len) {
  while (len) {
    ssize_t n = write(fd, buf, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    buf += n;
    len -= (size_t)n;
  }
}

/* Async-signal-safe: formats into stack buffers and write()s; then the
 * default action (SA_RESETHAND reset it) ends the process with the same
 * signal, so a parent or shell sees the signal as before. */
static void on_fatal(int sig) {
  int saved = errno;
  char line[1024], where[768];
  size_t pos = fsi_crash_append(line, sizeof line, 0, report_fd >= 0 ? "crash " : crash_prefix);
  const char *name = fsi_crash_signal_name(sig);
  if (name) {
    pos = fsi_crash_append(line, sizeof line, pos, name);
  } else {
    pos = fsi_crash_append(line, sizeof line, pos, "signal ");
    pos = fsi_crash_append_u64(line, sizeof line, pos, (uint64_t)sig);
  }
  pos = fsi_crash_append(line, sizeof line, pos, " ");
  fsi_crash_describe(where, sizeof where);
  pos = fsi_crash_append(line, sizeof line, pos, where);
  pos = fsi_crash_append(line, sizeof line, pos, "\n");
  write_all(report_fd >= 0 ? report_fd : STDERR_FILENO, line, pos);
  fsi_crash_remove_dir();
  errno = saved;
  raise(sig);
}

void fsi_isolate_catch_crashes(const char *prefix) {
  static char altstack[1 << 16];
  stack_t ss;
  memset(&ss, 0, sizeof ss);
  ss.ss_sp = altstack;
  ss.ss_size = sizeof altstack;
  sigaltstack(&ss, NULL);
  crash_prefix = prefix;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_fatal;
  sigemptyset(&sa.sa_mask);
  /* NODEFER: the raise() in the handler acts at once, with the default
   * action RESETHAND restored */
  sa.sa_flags = (int)(SA_RESETHAND | SA_NODEFER | SA_ONSTACK);
  for (unsigned i = 0; i < G_N_ELEMENTS(fatal_signals); i++) sigaction(fatal_signals[i], &sa, NULL);
}

void fsi_isolate_child(int fd) { report_fd = fd; }

int fsi_isolate_fork(const char *what, int *ret_fd, GError **error) {
  int fds[2];
  if (pipe(fds) != 0) {
    int saved = errno;
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "cannot create a pipe for %s: %s", what, g_strerror(saved));
    return -1;
  }
  fflush(stdout);
  fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) {
    int saved = errno;
    close(fds[0]);
    close(fds[1]);
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "cannot start a process for %s: %s", what, g_strerror(saved));
    return -1;
  }
  if (pid == 0) {
    close(fds[0]);
    fsi_isolate_child(fds[1]);
    return 0;
  }
  close(fds[1]);
  *ret_fd = fds[0];
  return pid;
}

static unsigned alarm_seconds;

static void on_alarm(int sig) {
  (void)sig;
  char line[1024], where[768];
  size_t pos = fsi_crash_append(line, sizeof line, 0, report_fd >= 0 ? "timeout " : "fragsim: ");
  pos = fsi_crash_append(line, sizeof line, pos, "did not finish within --timeout (");
  pos = fsi_crash_append_u64(line, sizeof line, pos, alarm_seconds);
  pos = fsi_crash_append(line, sizeof line, pos, " s): still running ");
  fsi_crash_describe(where, sizeof where);
  pos = fsi_crash_append(line, sizeof line, pos, where);
  pos = fsi_crash_append(line, sizeof line, pos, "\n");
  write_all(report_fd >= 0 ? report_fd : STDERR_FILENO, line, pos);
  fsi_crash_remove_dir();
  _exit(1);
}

void fsi_isolate_alarm(unsigned seconds) {
  alarm_seconds = seconds;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_alarm;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGALRM, &sa, NULL);
  alarm(seconds);
}

int fsi_isolate_report_fd(void) { return report_fd; }

void fsi_isolate_report(const char *kind, const char *line) {
  if (report_fd >= 0) {
    char *msg = g_strdup_printf("%s %s\n", kind, line);
    write_all(report_fd, msg, strlen(msg));
    g_free(msg);
  } else {
    fprintf(stderr, "fragsim: %s\n", line);
    fflush(stderr);
  }
}

bool fsi_isolate_parse_timeout(const char *text, uint64_t *ret_ns, GError **error) {
  GError *e = NULL;
  if (!fsi_parse_duration(text, ret_ns, &e) || *ret_ns == 0) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_CONFIG, "--timeout: \"%s\" is not a wall-clock duration above zero (e.g. 30s, 10m, 2h)%s%s",
                text, e ? ": " : "", e ? e->message : "");
    g_clear_error(&e);
    return false;
  }
  return true;
}

/* ---- removing a directory tree ------------------------------------------------------- */

void fsi_isolate_rm_tree(const char *path) {
  GDir *d = g_dir_open(path, 0, NULL);
  if (d) {
    const char *n;
    while ((n = g_dir_read_name(d))) {
      char *p = g_build_filename(path, n, NULL);
      if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK)) fsi_isolate_rm_tree(p);
      else g_unlink(p);
      g_free(p);
    }
    g_dir_close(d);
  }
  g_rmdir(path);
}

/* ---- the wall-clock timeout -------------------------------------------------------------- */

struct FsiWatchdog {
  GMutex lock;
  GCond cond;
  bool done;
  FsiRun *run;
  gint64 timeout_us;
  char *text, *tmpdir;
  GThread *thread;
};

/* Waits until the run ends or until `until` (monotonic us); true if it ended. */
static bool wait_done(FsiWatchdog *w, gint64 until) {
  g_mutex_lock(&w->lock);
  while (!w->done && g_cond_wait_until(&w->cond, &w->lock, until)) {
  }
  bool done = w->done;
  g_mutex_unlock(&w->lock);
  return done;
}

static gpointer watchdog_main(gpointer data) {
  FsiWatchdog *w = data;
  gint64 start = g_get_monotonic_time();
  if (wait_done(w, start + w->timeout_us)) return NULL;
  fsi_run_timeout(w->run, w->text);
  if (wait_done(w, g_get_monotonic_time() + FSI_ISOLATE_GRACE_S * G_TIME_SPAN_SECOND)) return NULL;
  /* The event loop never got control back: a hook (or the engine on its
   * behalf) runs on.  Nothing can stop it from outside but the end of the
   * process; an alarm ends it should this report itself get stuck. */
  alarm(5);
  char where[768];
  FsiRun *run = w->run;
  fsi_crash_describe_run(run, run->hook, run->now_ns, where, sizeof where);
  char *line = g_strdup_printf("run timed out: %s of wall clock passed and %d s later the run is still %s: a hook "
                               "that does not return",
                               w->text, FSI_ISOLATE_GRACE_S, where);
  if (w->tmpdir) fsi_isolate_rm_tree(w->tmpdir);
  fsi_isolate_report("timeout", line);
  g_free(line);
  _exit(1);
}

FsiWatchdog *fsi_watchdog_start(FsiRun *run, uint64_t timeout_ns, const char *text, const char *tmpdir) {
  FsiWatchdog *w = g_new0(FsiWatchdog, 1);
  g_mutex_init(&w->lock);
  g_cond_init(&w->cond);
  w->run = run;
  w->timeout_us = (gint64)MIN(timeout_ns / 1000, (uint64_t)G_MAXINT64 / 4);
  w->text = g_strdup(text);
  w->tmpdir = g_strdup(tmpdir);
  w->thread = g_thread_new("fragsim-timeout", watchdog_main, w);
  return w;
}

void fsi_watchdog_stop(FsiWatchdog *w) {
  if (!w) return;
  g_mutex_lock(&w->lock);
  w->done = true;
  g_cond_signal(&w->cond);
  g_mutex_unlock(&w->lock);
  g_thread_join(w->thread);
  g_mutex_clear(&w->lock);
  g_cond_clear(&w->cond);
  g_free(w->text);
  g_free(w->tmpdir);
  g_free(w);
}
