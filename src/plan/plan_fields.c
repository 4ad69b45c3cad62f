/* plan_fields.c — typed reads of option fields for the plan parser (plan_internal.h). */
#include "plan/duration.h"
#include "plan/plan_internal.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int plan_fail(ctx *c, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, c->errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A duration option: a k6 string, or a number of milliseconds. Scaled unless raw. */
int plan_get_duration(ctx *c, const cJSON *o, const char *key, const char *where, double def,
                      bool scaled, double *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = def * (scaled ? c->scale : 1);
        return 0;
    }
    double s;
    if (cJSON_IsNumber(v)) {
        if (!isfinite(v->valuedouble) || v->valuedouble < 0)
            return plan_fail(c, "%s.%s: must be a duration >= 0, got %g", where, key,
                             v->valuedouble);
        s = v->valuedouble / 1000.0;
    } else if (cJSON_IsString(v)) {
        char e[128];
        if (duration_parse(v->valuestring, &s, e, sizeof e) != 0)
            return plan_fail(c, "%s.%s: %s", where, key, e);
    } else {
        return plan_fail(c, "%s.%s: must be a duration such as \"30s\" or \"1m30s\"", where, key);
    }
    *out = s * (scaled ? c->scale : 1);
    return 0;
}

int plan_get_number(ctx *c, const cJSON *o, const char *key, const char *where, double def,
                    double min, double *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = def;
        return 0;
    }
    if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble))
        return plan_fail(c, "%s.%s: must be a number", where, key);
    if (v->valuedouble < min)
        return plan_fail(c, "%s.%s: must be >= %g, got %g", where, key, min, v->valuedouble);
    *out = v->valuedouble;
    return 0;
}

int plan_get_int(ctx *c, const cJSON *o, const char *key, const char *where, long def, long min,
                 long *out) {
    double d;
    if (plan_get_number(c, o, key, where, (double)def, (double)min, &d)) return -1;
    if (d != floor(d) || d > 1e12)
        return plan_fail(c, "%s.%s: must be a whole number, got %g", where, key, d);
    *out = (long)d;
    return 0;
}

int plan_get_vus(ctx *c, const cJSON *o, const char *key, const char *where, long def, long min,
                 int *out) {
    long l;
    if (plan_get_int(c, o, key, where, def, min, &l)) return -1;
    if (l > MAX_VUS)
        return plan_fail(c, "%s.%s: %ld VUs is more than lt runs (%d)", where, key, l, MAX_VUS);
    *out = (int)l;
    return 0;
}

int plan_get_bool(ctx *c, const cJSON *o, const char *key, const char *where, bool *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = false;
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsBool(v)) return plan_fail(c, "%s.%s: must be true or false", where, key);
    *out = cJSON_IsTrue(v);
    return 0;
}

int plan_get_string(ctx *c, const cJSON *o, const char *key, const char *where, const char *def,
                    char **out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        *out = def ? strdup(def) : NULL;
        return 0;
    }
    if (!cJSON_IsString(v) || !v->valuestring[0])
        return plan_fail(c, "%s.%s: must be a non-empty string", where, key);
    *out = strdup(v->valuestring);
    return 0;
}

int plan_get_kv(ctx *c, const cJSON *o, const char *key, const char *where, kv_list *out) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    memset(out, 0, sizeof *out);
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsObject(v))
        return plan_fail(c, "%s.%s: must be a table of name = value", where, key);
    int n = cJSON_GetArraySize(v);
    out->keys = calloc(n + 1, sizeof(char *));
    out->vals = calloc(n + 1, sizeof(char *));
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        char num[64];
        const char *s;
        if (cJSON_IsString(it))
            s = it->valuestring;
        else if (cJSON_IsNumber(it))
            s = (snprintf(num, sizeof num, "%.15g", it->valuedouble), num);
        else if (cJSON_IsBool(it))
            s = cJSON_IsTrue(it) ? "true" : "false";
        else
            return plan_fail(c, "%s.%s.%s: must be a string or a number", where, key, it->string);
        out->keys[out->n] = strdup(it->string);
        out->vals[out->n] = strdup(s);
        out->n++;
    }
    return 0;
}

void plan_kv_free(kv_list *kv) {
    for (int i = 0; i < kv->n; i++) {
        free(kv->keys[i]);
        free(kv->vals[i]);
    }
    free(kv->keys);
    free(kv->vals);
}

const char *kv_get(const kv_list *kv, const char *key) {
    for (int i = 0; i < kv->n; i++)
        if (strcmp(kv->keys[i], key) == 0) return kv->vals[i];
    return NULL;
}

bool plan_in_list(const char *k, const char *const *list) {
    for (; *list; list++)
        if (strcmp(*list, k) == 0) return true;
    return false;
}
