/* Containing a misbehaving policy (#16): the fatal-signal report, the
 * channel a child process reports through, and the wall-clock timeout.
 *
 * A fatal signal (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT) prints one line
 * naming the policy and hook that were running and the simulated time (see
 * fsi_crash_describe in engine/run.h), then the signal's default action
 * ends the process as it would have.  A child of `compare` or
 * `check-policy` sends that line, and its result, to its parent through a
 * pipe instead (fsi_isolate_child). */
#ifndef FS_ISOLATE_H
#define FS_ISOLATE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Installs the handler for the fatal signals (on an alternate stack, so a
 * stack overflow is reported too).  prefix begins the line, e.g.
 * "fragsim: run crashed: ". */
void fsi_isolate_catch_crashes(const char *prefix);

/* In a child process: reports go to fd, as "crash <signal> <where>\n" from
 * the handler and "timeout <message>\n" from a hook that never returns. */
void fsi_isolate_child(int fd);

/* Forks a child that reports to its parent: in the child returns 0 with
 * fsi_isolate_child() already called on the pipe's write end; in the
 * parent the child's pid, *ret_fd the pipe's read end.  -1 with an error
 * ("cannot create a pipe for WHAT", "cannot start a process for WHAT") if
 * either fails.  stdout and stderr are flushed first, so nothing buffered
 * is written twice. */
int fsi_isolate_fork(const char *what, int *ret_fd, GError **error);

/* In a child process: after `seconds` of wall clock a SIGALRM reports
 * "timeout ... still running <where>" (the last run any thread of the
 * process created or executed) and exits with status 1. */
void fsi_isolate_alarm(unsigned seconds);

/* One line (no newline needed) for the parent or, outside a child, for
 * stderr as "fragsim: <line>".  kind is the first word sent to a parent
 * ("ok", "error", "timeout").  Not async-signal-safe. */
void fsi_isolate_report(const char *kind, const char *line);
int fsi_isolate_report_fd(void);

/* "2s", "500ms", "1m": a wall-clock duration for --timeout, > 0.  The error
 * names the option. */
bool fsi_isolate_parse_timeout(const char *text, uint64_t *ret_ns, GError **error);

/* The wall-clock timeout of one run (runner.c): after timeout_ns the run is
 * asked to stop at its next event (FSI_ERROR_TIMEOUT, naming the hook that
 * was running); if a hook has still not returned FSI_ISOLATE_GRACE_S later,
 * the process reports it (fsi_isolate_report "timeout"), removes tmpdir
 * (may be NULL) and exits with status 1. */
#define FSI_ISOLATE_GRACE_S 2
typedef struct FsiWatchdog FsiWatchdog;
struct FsiRun;
FsiWatchdog *fsi_watchdog_start(struct FsiRun *run, uint64_t timeout_ns, const char *text, const char *tmpdir);
void fsi_watchdog_stop(FsiWatchdog *w);

/* Removes a directory tree (best effort, no error). */
void fsi_isolate_rm_tree(const char *path);

#endif
