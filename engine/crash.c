/* What a run was executing when its process died: the run each thread
 * last created or executed, the policy hook in it (run->hook, set around
 * every call into a policy) and the simulated time, formatted without
 * allocating so that a fatal-signal handler can print it (see run.h).
 */
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/run.h"

/* Thread-local, so concurrent runs (threads of a test, check-policy's
 * determinism check) each report their own.  The engine is linked into the
 * executable, so the access is a plain offset from the thread pointer. */
static _Thread_local FsiRun *tracked;
/* The last run any thread tracked: a signal handler running on another
 * thread (an alarm) falls back to it. */
static FsiRun *volatile last_tracked;

void fsi_crash_track(FsiRun *run) { tracked = last_tracked = run; }

void fsi_crash_untrack(FsiRun *run) {
  if (tracked == run) tracked = NULL;
  if (last_tracked == run) last_tracked = NULL;
}

FsiRun *fsi_crash_current(void) { return tracked ? tracked : last_tracked; }

size_t fsi_crash_append(char *buf, size_t len, size_t pos, const char *s) {
  if (!len) return 0;
  while (s && *s && pos + 1 < len) buf[pos++] = *s++;
  buf[pos < len ? pos : len - 1] = '\0';
  return pos;
}

size_t fsi_crash_append_u64(char *buf, size_t len, size_t pos, uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  char out[24];
  for (int i = 0; i < n; i++) out[i] = digits[n - 1 - i];
  out[n] = '\0';
  return fsi_crash_append(buf, len, pos, out);
}

const char *fsi_crash_signal_name(int sig) {
  switch (sig) {
  case SIGSEGV: return "SIGSEGV";
  case SIGBUS: return "SIGBUS";
  case SIGFPE: return "SIGFPE";
  case SIGILL: return "SIGILL";
  case SIGABRT: return "SIGABRT";
  case SIGKILL: return "SIGKILL";
  case SIGTERM: return "SIGTERM";
  case SIGINT: return "SIGINT";
  case SIGALRM: return "SIGALRM";
  case SIGTRAP: return "SIGTRAP";
  case SIGSYS: return "SIGSYS";
  case SIGXCPU: return "SIGXCPU";
  case SIGPIPE: return "SIGPIPE";
  case SIGHUP: return "SIGHUP";
  default: return NULL;
  }
}

/* t=<seconds>.<microseconds> s */
static size_t append_time(char *buf, size_t len, size_t pos, uint64_t ns) {
  pos = fsi_crash_append(buf, len, pos, "t=");
  pos = fsi_crash_append_u64(buf, len, pos, ns / 1000000000u);
  pos = fsi_crash_append(buf, len, pos, ".");
  uint64_t us = ns % 1000000000u / 1000u;
  for (uint64_t d = 100000; d > 1 && us < d; d /= 10) pos = fsi_crash_append(buf, len, pos, "0");
  pos = fsi_crash_append_u64(buf, len, pos, us);
  return fsi_crash_append(buf, len, pos, " s");
}

size_t fsi_crash_describe_run(const FsiRun *run, FsiHookCtx hook, uint64_t now_ns, char *buf, size_t len) {
  size_t pos = fsi_crash_append(buf, len, 0, "");
  if (!run) return fsi_crash_append(buf, len, pos, "outside a run");
  if (hook.slot >= 0 && (uint32_t)hook.slot < run->nslots && run->slots) {
    pos = fsi_crash_append(buf, len, pos, "in policy '");
    pos = fsi_crash_append(buf, len, pos, run->slots[hook.slot].policy->name);
    pos = fsi_crash_append(buf, len, pos, "' hook '");
    pos = fsi_crash_append(buf, len, pos, hook.name ? hook.name : "?");
    pos = fsi_crash_append(buf, len, pos, "' at ");
  } else {
    pos = fsi_crash_append(buf, len, pos, "in the engine (no policy hook running) at ");
  }
  pos = append_time(buf, len, pos, now_ns);
  pos = fsi_crash_append(buf, len, pos, " (workload ");
  pos = fsi_crash_append(buf, len, pos, run->workload.name ? run->workload.name : "?");
  pos = fsi_crash_append(buf, len, pos, ", stack ");
  pos = fsi_crash_append(buf, len, pos, run->stack ? run->stack->spec : "?");
  pos = fsi_crash_append(buf, len, pos, ", seed ");
  pos = fsi_crash_append_u64(buf, len, pos, run->seed);
  return fsi_crash_append(buf, len, pos, ")");
}

size_t fsi_crash_describe(char *buf, size_t len) {
  const FsiRun *run = fsi_crash_current();
  return fsi_crash_describe_run(run, run ? run->hook : (FsiHookCtx){-1, NULL}, run ? run->now_ns : 0, buf, len);
}

/* ---- the unfinished result directory ---------------------------------------------- */

static char owned_dir[PATH_MAX];
static volatile sig_atomic_t owned_dir_set;

void fsi_crash_own_dir(const char *path) {
  owned_dir_set = 0;
  if (!path || strlen(path) >= sizeof owned_dir) return;
  memcpy(owned_dir, path, strlen(path) + 1);
  owned_dir_set = 1;
}

/* Linux's getdents64 record (the libc wrapper is not async-signal-safe
 * everywhere; the raw call is). */
struct crash_dirent64 {
  uint64_t ino;
  int64_t off;
  unsigned short reclen;
  unsigned char type;
  char name[];
};

void fsi_crash_remove_dir(void) {
  if (!owned_dir_set) return;
  owned_dir_set = 0;
  int fd = open(owned_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  char buf[4096] __attribute__((aligned(8)));
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct crash_dirent64 *d = (struct crash_dirent64 *)(void *)(buf + off);
      if (strcmp(d->name, ".") && strcmp(d->name, "..")) unlinkat(fd, d->name, 0);
      off += d->reclen;
    }
  }
  close(fd);
  rmdir(owned_dir);
}
