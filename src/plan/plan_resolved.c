/* plan_resolved.c — the plan written back as options (plan_internal.h): what lt resolved from
 * the script, the command line and the time scale, as `lt inspect` and the summary show it. */
#include "plan/duration.h"
#include "plan/plan_internal.h"
#include <math.h>

/* Per-second rates times the time unit give back what the user wrote, up to float noise. */
static double as_written(double v) {
    return round(v * 1e9) / 1e9;
}

static cJSON *scenario_resolved(const scenario_plan *s, double scale) {
    cJSON *j = cJSON_CreateObject();
    char b[64];
#define DUR(key, v) cJSON_AddStringToObject(j, key, duration_format((v) / scale, b, sizeof b))
    cJSON_AddStringToObject(j, "executor", executor_name(s->kind));
    DUR("startTime", s->start_time);
    DUR("gracefulStop", s->graceful_stop);
    cJSON_AddStringToObject(j, "exec", s->exec);
    if (s->setup_fn) cJSON_AddStringToObject(j, "setup", s->setup_fn);
    switch (s->kind) {
    case EX_CONSTANT_ARRIVAL_RATE:
    case EX_RAMPING_ARRIVAL_RATE:
        cJSON_AddStringToObject(j, "timeUnit", duration_format(s->time_unit, b, sizeof b));
        if (s->kind == EX_CONSTANT_ARRIVAL_RATE) {
            cJSON_AddNumberToObject(j, "rate", as_written(s->rate * s->time_unit));
            DUR("duration", s->duration);
        } else {
            cJSON_AddNumberToObject(j, "startRate", as_written(s->start_rate * s->time_unit));
        }
        cJSON_AddNumberToObject(j, "preAllocatedVUs", s->pre_allocated_vus);
        cJSON_AddNumberToObject(j, "maxVUs", s->max_vus);
        cJSON_AddBoolToObject(j, "queueWhenBusy", s->queue_when_busy);
        if (s->schedule_precision > 0)
            cJSON_AddStringToObject(j, "schedulePrecision",
                                    duration_format(s->schedule_precision, b, sizeof b));
        break;
    case EX_CONSTANT_VUS:
        cJSON_AddNumberToObject(j, "vus", s->vus);
        DUR("duration", s->duration);
        break;
    case EX_RAMPING_VUS:
        cJSON_AddNumberToObject(j, "startVUs", s->start_vus);
        DUR("gracefulRampDown", s->graceful_ramp_down);
        break;
    case EX_PER_VU_ITERATIONS:
    case EX_SHARED_ITERATIONS:
        cJSON_AddNumberToObject(j, "vus", s->vus);
        cJSON_AddNumberToObject(j, "iterations", (double)s->iterations);
        DUR("maxDuration", s->max_duration);
        break;
    }
    if (s->nstages) {
        cJSON *st = cJSON_AddArrayToObject(j, "stages");
        for (int i = 0; i < s->nstages; i++) {
            cJSON *e = cJSON_CreateObject();
            cJSON_AddStringToObject(e, "duration",
                                    duration_format(s->stages[i].duration / scale, b, sizeof b));
            double unit = s->kind == EX_RAMPING_ARRIVAL_RATE ? s->time_unit : 1;
            cJSON_AddNumberToObject(e, "target", as_written(s->stages[i].target * unit));
            cJSON_AddItemToArray(st, e);
        }
    }
    if (s->env.n) {
        cJSON *e = cJSON_AddObjectToObject(j, "env");
        for (int i = 0; i < s->env.n; i++)
            cJSON_AddStringToObject(e, s->env.keys[i], s->env.vals[i]);
    }
    if (s->tags.n) {
        cJSON *e = cJSON_AddObjectToObject(j, "tags");
        for (int i = 0; i < s->tags.n; i++)
            cJSON_AddStringToObject(e, s->tags.keys[i], s->tags.vals[i]);
    }
#undef DUR
    return j;
}

cJSON *plan_resolved_json(const plan *p, const cJSON *options) {
    cJSON *r = cJSON_CreateObject();
    cJSON *sc = cJSON_AddObjectToObject(r, "scenarios");
    for (int i = 0; i < p->nscenarios; i++)
        cJSON_AddItemToObject(sc, p->scenarios[i].name,
                              scenario_resolved(&p->scenarios[i], p->time_scale));
    cJSON *th = cJSON_AddObjectToObject(r, "thresholds");
    for (int i = 0; i < p->nthresholds; i++) {
        const threshold_plan *t = &p->thresholds[i];
        cJSON *list = cJSON_GetObjectItemCaseSensitive(th, t->metric_src);
        if (!list) list = cJSON_AddArrayToObject(th, t->metric_src);
        if (t->abort_on_fail) {
            cJSON *o = cJSON_CreateObject();
            char b[64];
            cJSON_AddStringToObject(o, "threshold", t->expr_src);
            cJSON_AddTrueToObject(o, "abortOnFail");
            cJSON_AddStringToObject(
                o, "delayAbortEval",
                duration_format(t->delay_abort_eval / p->time_scale, b, sizeof b));
            cJSON_AddItemToArray(list, o);
        } else {
            cJSON_AddItemToArray(list, cJSON_CreateString(t->expr_src));
        }
    }
    static const char *copied[] = {"tags", "timeline", "scrape", "summaryTrendStats", NULL};
    for (const char **k = copied; *k; k++) {
        const cJSON *v = options ? cJSON_GetObjectItemCaseSensitive(options, *k) : NULL;
        if (v) cJSON_AddItemToObject(r, *k, cJSON_Duplicate(v, 1));
    }
    cJSON_AddBoolToObject(r, "discardResponseBodies", p->discard_response_bodies);
    cJSON_AddBoolToObject(r, "insecureSkipTLSVerify", p->insecure_skip_tls_verify);
    char b[64];
    cJSON_AddStringToObject(r, "setupTimeout", duration_format(p->setup_timeout, b, sizeof b));
    cJSON_AddStringToObject(r, "teardownTimeout",
                            duration_format(p->teardown_timeout, b, sizeof b));
    cJSON_AddNumberToObject(r, "timeScale", p->time_scale);
    cJSON_AddNumberToObject(r, "maxTagSets", (double)p->max_tag_sets);
    cJSON_AddStringToObject(r, "userAgent", p->user_agent);
    cJSON_AddBoolToObject(r, "noConnectionReuse", p->no_connection_reuse);
    cJSON_AddBoolToObject(r, "noVUConnectionReuse", p->no_vu_connection_reuse);
    cJSON_AddNumberToObject(r, "batch", p->batch);
    cJSON_AddNumberToObject(r, "batchPerHost", p->batch_per_host);
    return r;
}
