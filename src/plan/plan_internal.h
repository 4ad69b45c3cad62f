/* plan_internal.h — what plan.c shares with its parts: the parse context, the typed option
 * getters (plan_fields.c: a wrong type or range is an error naming "where.key") and the resolved
 * plan's JSON (plan_resolved.c: what `lt inspect` and the summary show). Not for other modules. */
#ifndef LT_PLAN_INTERNAL_H
#define LT_PLAN_INTERNAL_H
#include "plan/plan.h"
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *err;
    size_t errlen;
    double scale;
    double schedule_precision; /* --schedule-precision: the default of schedulePrecision */
} ctx;

/* k6's ceiling (maxConcurrentVUs in lib/executor): VU counts become ints, far below INT_MAX. */
#define MAX_VUS 100000000

/* Writes the message into the context's error buffer; returns -1. */
int plan_fail(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Each reads o[key] into *out, def when absent or null; -1 with the error set on a bad value. */
int plan_get_duration(ctx *c, const cJSON *o, const char *key, const char *where, double def,
                      bool scaled, double *out);
int plan_get_number(ctx *c, const cJSON *o, const char *key, const char *where, double def,
                    double min, double *out);
int plan_get_int(ctx *c, const cJSON *o, const char *key, const char *where, long def, long min,
                 long *out);
int plan_get_vus(ctx *c, const cJSON *o, const char *key, const char *where, long def, long min,
                 int *out);
int plan_get_bool(ctx *c, const cJSON *o, const char *key, const char *where, bool *out);
int plan_get_string(ctx *c, const cJSON *o, const char *key, const char *where, const char *def,
                    char **out);
int plan_get_kv(ctx *c, const cJSON *o, const char *key, const char *where, kv_list *out);
void plan_kv_free(kv_list *kv);
/* Whether k is one of the NULL-terminated list. */
bool plan_in_list(const char *k, const char *const *list);

/* plan_thresholds.c: options.thresholds into p->thresholds; selectors naming no scenario refused.
 */
extern const char *const plan_threshold_keys[];
int plan_parse_thresholds(ctx *c, const cJSON *o, plan *p);
int plan_check_threshold_scenarios(ctx *c, const plan *p);

/* The plan as resolved options (durations as written, time scale applied), a new tree. */
cJSON *plan_resolved_json(const plan *p, const cJSON *options);
#endif
