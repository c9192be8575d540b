/* What the fuzz targets share (tests/fuzz, docs/testing.md): a scratch file
 * the input is written to (the parsers under test read files), the source
 * tree's data and policy directories, and the property every target checks
 * of a refusal: an error is set and it is one line. */
#ifndef FS_FUZZ_COMMON_H
#define FS_FUZZ_COMMON_H

#include <glib.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *fz_dir, *fz_path;

static inline void fz_cleanup(void) {
  if (fz_path) g_unlink(fz_path);
  if (fz_dir) g_rmdir(fz_dir);
}

/* A private scratch directory with one file, name, removed at exit; the
 * data and policy directories of the tree unless the environment says. */
/* A GLib warning or critical is a finding (e.g. a GError set twice): abort,
 * which libFuzzer catches and saves the input of (GLib's own fatal-warnings
 * raises SIGTRAP, which libFuzzer does not catch). */
static void fz_log(const char *domain, GLogLevelFlags level, const char *message, gpointer data) {
  (void)data;
  fprintf(stderr, "%s: %s\n", domain ? domain : "fragsim", message);
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING)) abort();
}

static inline void fz_init(const char *name) {
  g_log_set_default_handler(fz_log, NULL);
  fz_dir = g_dir_make_tmp("fragsim-fuzz-XXXXXX", NULL);
  if (!fz_dir) abort();
  fz_path = g_build_filename(fz_dir, name, NULL);
  atexit(fz_cleanup);
  g_setenv("FRAGSIM_DATA_PATH", FUZZ_SOURCE_ROOT "/data", FALSE);
  g_setenv("FRAGSIM_POLICY_PATH", FUZZ_BUILD_ROOT "/policies", FALSE);
  g_setenv("FRAGSIM_WORKLOAD_PATH", FUZZ_SOURCE_ROOT "/workloads", FALSE);
}

/* plain stdio: g_file_set_contents() syncs the file to disk, which made every input cost milliseconds */
static inline void fz_write(const uint8_t *data, size_t size) {
  FILE *f = fopen(fz_path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f)) abort();
}

/* A refusal sets an error, and its message is one line of text. */
static inline void fz_check_refusal(GError *e, const char *what) {
  if (!e) {
    fprintf(stderr, "%s: refused without an error\n", what);
    abort();
  }
  if (!*e->message || strchr(e->message, '\n')) {
    fprintf(stderr, "%s: the error is not one line: \"%s\"\n", what, e->message);
    abort();
  }
}

#endif
