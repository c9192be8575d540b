/* CSV writer and result-directory life cycle.
 *
 * Numbers are formatted with GLib's locale-independent routines so that a
 * run under, say, de_DE never writes "0,5" into a comma-separated file.
 * Write errors are remembered rather than reported per field: callers write
 * many fields and checking each would bury the simulation code; the error
 * surfaces once, at close.
 */
#include "results/csvout.h"

#include "engine/core/error.h"
#include "engine/run.h"

#include <csv.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- CSV ------------------------------------------------------------------ */

FsiCsv *fsi_csv_open(const char *path, GError **error) {
  FILE *fp = g_fopen(path, "w");
  if (!fp) {
    int saved = errno;
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot create %s: %s", path, g_strerror(saved));
    return NULL;
  }
  FsiCsv *c = g_new0(FsiCsv, 1);
  c->fp = fp;
  c->path = g_strdup(path);
  return c;
}

static inline void field_sep(FsiCsv *c) {
  if (c->col++ > 0 && putc(',', c->fp) == EOF) c->failed = true;
}

static void put_raw(FsiCsv *c, const char *s) {
  if (fputs(s, c->fp) == EOF) c->failed = true;
}

void fsi_csv_header(FsiCsv *c, const char *const *cols) {
  g_return_if_fail(c->ncols == 0 && c->col == 0);
  unsigned n = 0;
  while (cols[n]) n++;
  g_return_if_fail(n > 0);
  c->ncols = n;
  for (unsigned i = 0; i < n; i++) fsi_csv_str(c, cols[i]);
  fsi_csv_end_row(c);
}

/* Most fields are plain identifiers or numbers; quoting them all would make
 * the files noisier for no benefit, so libcsv is only asked to quote (and
 * double embedded quotes) when RFC 4180 requires it. */
void fsi_csv_str(FsiCsv *c, const char *s) {
  field_sep(c);
  if (!s || !*s) return;
  if (strpbrk(s, ",\"\r\n")) {
    if (csv_fwrite(c->fp, s, strlen(s)) != 0) c->failed = true;
  } else {
    put_raw(c, s);
  }
}

void fsi_csv_u64(FsiCsv *c, uint64_t v) {
  field_sep(c);
  if (fprintf(c->fp, "%" PRIu64, v) < 0) c->failed = true;
}

void fsi_csv_i64(FsiCsv *c, int64_t v) {
  field_sep(c);
  if (fprintf(c->fp, "%" PRId64, v) < 0) c->failed = true;
}

/* NaN and infinities mean "no value" (e.g. a ratio with a zero
 * denominator); an empty field is what pandas, R and gnuplot read as
 * missing. */
void fsi_csv_double(FsiCsv *c, double v) {
  field_sep(c);
  if (!isfinite(v)) return;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  put_raw(c, g_ascii_formatd(buf, sizeof buf, "%.6g", v));
}

#define CSV_MAX_DECIMALS 30

void fsi_csv_fixed(FsiCsv *c, double v, int decimals) {
  field_sep(c);
  if (!isfinite(v)) return;
  if (decimals < 0) decimals = 0;
  if (decimals > CSV_MAX_DECIMALS) decimals = CSV_MAX_DECIMALS;
  /* g_ascii_formatd takes a single-conversion format with no '*', so the
   * precision is baked into the format string. */
  char fmt[16];
  g_snprintf(fmt, sizeof fmt, "%%.%df", decimals);
  /* DBL_MAX has 309 integer digits; add sign, point, decimals and NUL. */
  char buf[312 + CSV_MAX_DECIMALS];
  put_raw(c, g_ascii_formatd(buf, sizeof buf, fmt, v));
}

void fsi_csv_end_row(FsiCsv *c) {
  if (c->col != c->ncols)
    g_critical("%s: row has %u fields, header has %u", c->path, c->col, c->ncols);
  if (putc('\n', c->fp) == EOF) c->failed = true;
  c->col = 0;
}

bool fsi_csv_close(FsiCsv *c, GError **error) {
  if (!c) return true;
  int err = 0;
  if (fflush(c->fp) != 0) err = errno;
  bool failed = c->failed || ferror(c->fp) || err != 0;
  if (fclose(c->fp) != 0) {
    if (!err) err = errno;
    failed = true;
  }
  if (failed)
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot write %s: %s", c->path,
                err ? g_strerror(err) : "write error");
  g_free(c->path);
  g_free(c);
  return !failed;
}

/* ---- run directory -------------------------------------------------------- */

static bool path_exists(const char *path) {
  GStatBuf st;
  return g_lstat(path, &st) == 0;
}

/* Symlinks are unlinked, never followed: a link inside a result directory
 * must not lead us to delete what it points to. */
static bool remove_recursive(const char *path, GError **error) {
  GStatBuf st;
  if (g_lstat(path, &st) != 0) {
    int saved = errno;
    if (saved == ENOENT) return true;
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot remove %s: %s", path, g_strerror(saved));
    return false;
  }
  if (S_ISDIR(st.st_mode)) {
    GError *local = NULL;
    GDir *dir = g_dir_open(path, 0, &local);
    if (!dir) {
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot remove %s: %s", path, local->message);
      g_error_free(local);
      return false;
    }
    const char *name;
    bool ok = true;
    while (ok && (name = g_dir_read_name(dir))) {
      char *child = g_build_filename(path, name, NULL);
      ok = remove_recursive(child, error);
      g_free(child);
    }
    g_dir_close(dir);
    if (!ok) return false;
    if (g_rmdir(path) != 0) {
      int saved = errno;
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot remove %s: %s", path, g_strerror(saved));
      return false;
    }
    return true;
  }
  if (g_unlink(path) != 0) {
    int saved = errno;
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot remove %s: %s", path, g_strerror(saved));
    return false;
  }
  return true;
}

/* A sibling of the final directory, so the commit is a same-filesystem
 * rename; hidden, and tagged with the pid so concurrent runs cannot
 * collide. */
static char *sibling_path(const char *parent, const char *base, const char *tag) {
  char *name = g_strdup_printf(".%s.%s-%ld", base, tag, (long)getpid());
  char *path = g_build_filename(parent, name, NULL);
  g_free(name);
  return path;
}

FsiRunDir *fsi_rundir_begin(const char *final_path, bool overwrite, GError **error) {
  /* "out/" would otherwise have dirname "out" and put the temporary
   * directory inside the one it is meant to replace. */
  char *final = g_strdup(final_path);
  size_t len = strlen(final);
  while (len > 1 && G_IS_DIR_SEPARATOR(final[len - 1])) final[--len] = '\0';

  char *base = g_path_get_basename(final);
  /* Refuse names that denote the working directory or a root: with
   * overwrite they would ask us to delete it. */
  if (!*final || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || G_IS_DIR_SEPARATOR(base[0])) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Invalid result directory name '%s'", final_path);
    g_free(base);
    g_free(final);
    return NULL;
  }

  FsiRunDir *d = NULL;
  char *parent = g_path_get_dirname(final);
  char *tmp = NULL;
  if (!overwrite && path_exists(final)) {
    g_set_error(error, FSI_ERROR, FSI_ERROR_EXISTS,
                "Result directory %s already exists; use --force to replace it or choose "
                "another -o",
                final);
    goto out;
  }
  if (g_mkdir_with_parents(parent, 0777) != 0) {
    int saved = errno;
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot create directory %s: %s", parent,
                g_strerror(saved));
    goto out;
  }
  tmp = sibling_path(parent, base, "tmp");
  /* Only this process can own this name, so anything already there is a
   * leftover of an earlier, interrupted run with a recycled pid. */
  if (!remove_recursive(tmp, error)) goto out;
  if (g_mkdir(tmp, 0777) != 0) {
    int saved = errno;
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot create directory %s: %s", tmp,
                g_strerror(saved));
    goto out;
  }
  fsi_crash_own_dir(tmp);
  d = g_new0(FsiRunDir, 1);
  d->final_path = g_steal_pointer(&final);
  d->tmp_path = g_steal_pointer(&tmp);
  d->overwrite = overwrite;
out:
  g_free(tmp);
  g_free(parent);
  g_free(base);
  g_free(final);
  return d;
}

char *fsi_rundir_file(const FsiRunDir *d, const char *name) {
  return g_build_filename(d->tmp_path, name, NULL);
}

static void rundir_free(FsiRunDir *d) {
  fsi_crash_own_dir(NULL);
  g_free(d->final_path);
  g_free(d->tmp_path);
  g_free(d);
}

/* With overwrite, the old directory is first moved aside rather than
 * deleted, so that if the final rename fails the user still has the old
 * results under their own name.  On failure the temporary directory is
 * kept (and named in the error) because it holds a complete result. */
bool fsi_rundir_commit(FsiRunDir *d, GError **error) {
  bool ok = false;
  char *old = NULL;

  if (path_exists(d->final_path)) {
    if (!d->overwrite) {
      /* Appeared after begin (another run with the same -o): rename(2)
       * would silently replace an empty directory. */
      g_set_error(error, FSI_ERROR, FSI_ERROR_EXISTS,
                  "Result directory %s already exists; results left in %s", d->final_path,
                  d->tmp_path);
      goto out;
    }
    char *parent = g_path_get_dirname(d->final_path);
    char *base = g_path_get_basename(d->final_path);
    old = sibling_path(parent, base, "old");
    g_free(base);
    g_free(parent);
    if (!remove_recursive(old, error)) goto out;
    if (g_rename(d->final_path, old) != 0) {
      int saved = errno;
      g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot move %s aside: %s; results left in %s",
                  d->final_path, g_strerror(saved), d->tmp_path);
      goto out;
    }
  }

  if (g_rename(d->tmp_path, d->final_path) != 0) {
    int saved = errno;
    if (old) g_rename(old, d->final_path); /* best effort: put the old results back */
    g_set_error(error, FSI_ERROR, FSI_ERROR_IO, "Cannot rename %s to %s: %s", d->tmp_path,
                d->final_path, g_strerror(saved));
    goto out;
  }

  if (old) {
    /* The new results are in place; a leftover of the old ones is only
     * clutter, so warn rather than fail the run. */
    GError *local = NULL;
    if (!remove_recursive(old, &local)) {
      g_warning("%s", local->message);
      g_error_free(local);
    }
  }
  ok = true;
out:
  g_free(old);
  rundir_free(d);
  return ok;
}

void fsi_rundir_abort(FsiRunDir *d) {
  if (!d) return;
  GError *local = NULL;
  if (!remove_recursive(d->tmp_path, &local)) {
    g_warning("%s", local->message);
    g_error_free(local);
  }
  rundir_free(d);
}
