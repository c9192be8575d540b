/* The resolved configuration of a run.
 *
 * Every engine key has a schema entry (section, key, type, default, help), so
 * the same table validates input, fills defaults, documents itself in
 * `fragsim run --help-config` and is written back whole into run.ini.  Keys
 * of a policy's section are validated by the loader against the policy's
 * parameter table; keys of [workload] by the workload generator.
 */
#ifndef FS_CONFIG_H
#define FS_CONFIG_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

typedef enum { FSI_CT_INT = 1, FSI_CT_DOUBLE, FSI_CT_BOOL, FSI_CT_SIZE, FSI_CT_DURATION, FSI_CT_STRING, FSI_CT_ENUM } FsiConfType;

typedef struct {
  const char *section;
  const char *key;
  FsiConfType type;
  const char *default_value;
  const char *help;
  const char *choices; /* ENUM: '|'-separated */
  double min, max;     /* INT/DOUBLE bounds when min <= max */
} FsiConfKey;

extern const FsiConfKey fsi_conf_keys[];

typedef struct {
  GKeyFile *kf;         /* every key, resolved */
  /* where each user-set key came from, for error messages: "file:line" or "--set" */
  GHashTable *origin;   /* "section.key" -> char* */
} FsiConfig;

FsiConfig *fsi_config_new(void); /* engine defaults */
void fsi_config_free(FsiConfig *c);
/* Splits "section.key=value" (the key follows the last dot before '='). */
bool fsi_config_split(const char *assignment, char **ret_section, char **ret_key, char **ret_value);
/* Applies "section.key=value"; the section/key is checked later by validate. */
bool fsi_config_set(FsiConfig *c, const char *assignment, const char *origin, GError **error);
bool fsi_config_set_value(FsiConfig *c, const char *section, const char *key, const char *value, const char *origin);
/* Validates engine sections (every key known, every value well-formed).
 * Groups in extra_sections (policy names, "workload") are left to their owners. */
bool fsi_config_validate(FsiConfig *c, const char *const *extra_sections, GError **error);

/* Typed getters for validated engine keys (they abort on a bad key: a programming error). */
int64_t fsi_config_int(FsiConfig *c, const char *section, const char *key);
double fsi_config_double(FsiConfig *c, const char *section, const char *key);
bool fsi_config_bool(FsiConfig *c, const char *section, const char *key);
uint64_t fsi_config_size(FsiConfig *c, const char *section, const char *key);     /* bytes */
uint64_t fsi_config_duration(FsiConfig *c, const char *section, const char *key); /* ns */
char *fsi_config_string(FsiConfig *c, const char *section, const char *key);       /* g_free */
const char *fsi_config_origin(FsiConfig *c, const char *section, const char *key);

/* Parsers shared with workloads: "4G", "512M", "4096" (bytes); "60s", "500ms", "2m", "10us", "100ns". */
bool fsi_parse_size(const char *s, uint64_t *ret_bytes, GError **error);
bool fsi_parse_duration(const char *s, uint64_t *ret_ns, GError **error);
bool fsi_parse_bool(const char *s, bool *ret);

#endif
