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

/* Helpers for generators: typed [workload] keys with defaults; errors name the key and its origin. */
typedef struct {
  const char *key;
  const char *default_value;
  const char *help;
} FsiWorkloadKey;
bool fsi_workload_check_keys(FsiConfig *cfg, const FsiWorkloadKey *keys, const char *workload, GError **error);
bool fsi_workload_double(FsiConfig *cfg, const char *key, double min, double max, double *ret, GError **error);
bool fsi_workload_duration(FsiConfig *cfg, const char *key, uint64_t *ret, GError **error);
bool fsi_workload_uint(FsiConfig *cfg, const char *key, uint64_t min, uint64_t max, uint64_t *ret, GError **error);

#endif
