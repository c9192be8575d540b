/* Workload generators known to the engine.  A generator reads its keys from
 * the [workload] section (every key it knows gets its default written back,
 * so run.ini shows the resolved workload) and rejects keys it does not know. */
#ifndef FS_WORKLOAD_H
#define FS_WORKLOAD_H

#include "engine/run.h"

typedef struct {
  const char *name;
  const char *summary;
  bool (*create)(FsiConfig *cfg, FsiWorkload *ret, GError **error);
} FsiWorkloadInfo;

extern const FsiWorkloadInfo fsi_workloads[];
const FsiWorkloadInfo *fsi_workload_find(const char *name);

bool fsi_churn_create(FsiConfig *cfg, FsiWorkload *ret, GError **error);
bool fsi_file_workload_create(FsiConfig *cfg, FsiWorkload *ret, GError **error);
bool fsi_trace_workload_create(FsiConfig *cfg, FsiWorkload *ret, GError **error);
bool fsi_parse_gfp(const char *text, uint32_t *ret, char **ret_bad);

/* Resolves -w: a built-in generator (churn), a preset name (NAME.ini in
 * $FRAGSIM_WORKLOAD_PATH, then the installed workloads directory), a path
 * to a workload file (.ini), or a trace (.trace, .txt, or trace:PATH).  A
 * file's sections are loaded into cfg with file:line origins. */
bool fsi_workload_resolve(const char *name, FsiConfig *cfg, const FsiWorkloadInfo **ret_info, GError **error);
/* The file -w NAME stands for, as fsi_workload_resolve finds it (g_free):
 * NULL for a built-in or a preset not found; *ret_trace when it is a trace. */
char *fsi_workload_file(const char *name, bool *ret_trace);
/* Directories searched for presets (g_strfreev). */
char **fsi_workload_search_path(void);
/* Loads an ini file into cfg, every key with origin "FILE:LINE". */
bool fsi_config_load_file(FsiConfig *cfg, const char *path, GError **error);

/* Helpers for generators: typed [workload] keys with defaults; errors name the key and its origin. */
typedef struct {
  const char *key;
  const char *default_value;
  const char *help;
} FsiWorkloadKey;
bool fsi_workload_check_keys(FsiConfig *cfg, const FsiWorkloadKey *keys, const char *workload, GError **error);

/* The value parsers of workload files, shared by every generator.  Each
 * reads group.key (stripped), stores def when it is absent, and on a bad
 * value fails with "ORIGIN: group.key: \"value\" is not EXPECTED", naming
 * the file and line or --set it came from. */
char *fsi_workload_get(FsiConfig *cfg, const char *group, const char *key); /* NULL when absent */
bool fsi_workload_bad(GError **error, FsiConfig *cfg, const char *group, const char *key, const char *value,
                      const char *expected);
bool fsi_workload_get_double(FsiConfig *cfg, const char *g, const char *k, double def, double min, double max, double *ret,
                             GError **error);
bool fsi_workload_get_uint(FsiConfig *cfg, const char *g, const char *k, uint64_t def, uint64_t max, uint64_t *ret,
                           GError **error);
bool fsi_workload_get_duration(FsiConfig *cfg, const char *g, const char *k, uint64_t def, uint64_t *ret, GError **error);
bool fsi_workload_get_size_pages(FsiConfig *cfg, const char *g, const char *k, uint64_t page, uint64_t *ret,
                                 GError **error);
bool fsi_workload_get_bool(FsiConfig *cfg, const char *g, const char *k, bool def, bool *ret, GError **error);

#endif
