/* plan.c — options JSON -> validated plan, with k6's defaults and k6's option names. */
#include "plan/plan.h"
#include "metrics/metrics.h"
#include "plan/duration.h"
#include "plan/plan_internal.h"
#include "version.h"
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *executor_names[] = {"constant-arrival-rate", "ramping-arrival-rate",
                                       "constant-vus",          "ramping-vus",
                                       "per-vu-iterations",     "shared-iterations"};

const char *executor_name(executor_kind k) {
    return executor_names[k];
}

/* Keys each executor accepts, besides the common ones. */
static const char *common_keys[] = {"executor", "startTime", "gracefulStop", "exec",
                                    "env",      "tags",      "setup",        NULL};
static const char *executor_keys[][9] = {
    {"rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs", "queueWhenBusy",
     "schedulePrecision", NULL},
    {"startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs", "queueWhenBusy",
     "schedulePrecision", NULL},
    {"vus", "duration", NULL},
    {"startVUs", "stages", "gracefulRampDown", NULL},
    {"vus", "iterations", "maxDuration", NULL},
    {"vus", "iterations", "maxDuration", NULL},
};
static const char *stage_keys[] = {"duration", "target", NULL};
static const char *timeline_keys[] = {"at", "exec", "tags", NULL};

/* k6's options that lt does not implement: refused by name, so a k6 script that relies on one
 * stops before any traffic instead of measuring something else (a typo is "unknown option"). */
static const char *k6_unsupported_top[] = {"blacklistIPs",
                                           "blockHostnames",
                                           "cloud",
                                           "dns",
                                           "ext",
                                           "handleSummaryTimeout",
                                           "hosts",
                                           "httpDebug",
                                           "localIPs",
                                           "maxRedirects",
                                           "metricSamplesBufferSize",
                                           "minIterationDuration",
                                           "noCookiesReset",
                                           "noSetup",
                                           "noTeardown",
                                           "paused",
                                           "rps",
                                           "summaryTimeUnit",
                                           "systemTags",
                                           "throw",
                                           "tlsAuth",
                                           "tlsCipherSuites",
                                           "tlsVersion",
                                           NULL};
static const char *k6_unsupported_scenario[] = {"options", NULL};
static const char *k6_unsupported_executors[] = {"externally-controlled", NULL};

#define MAX_RATE_PER_SECOND 1e9
/* Every rate is checked against this before any traffic: at 1e9 starts/s one start is due every
 * nanosecond, beyond what any machine's clock and event loop can schedule, so a higher rate is a
 * typo (rate = 1e12, timeUnit = "1ns"), not a test. */
static int check_rate_ceiling(ctx *c, const char *field, double written, double time_unit,
                              double per_second) {
    if (per_second <= MAX_RATE_PER_SECOND) return 0;
    char b[64];
    return plan_fail(c,
                     "%s: %g per %s is %g iterations/s, above lt's ceiling of %g iterations/s per "
                     "scenario (one start per nanosecond; no machine schedules more)",
                     field, written, duration_format(time_unit, b, sizeof b), per_second,
                     MAX_RATE_PER_SECOND);
}

static int parse_stages(ctx *c, const cJSON *o, const char *where, bool per_time_unit,
                        double time_unit, scenario_plan *s) {
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(o, "stages");
    if (!cJSON_IsArray(st) || cJSON_GetArraySize(st) == 0)
        return plan_fail(c, "%s.stages: must be a non-empty list of {duration=..., target=...}",
                         where);
    s->nstages = cJSON_GetArraySize(st);
    s->stages = calloc(s->nstages, sizeof *s->stages);
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, st) {
        char w[256];
        snprintf(w, sizeof w, "%s.stages[%d]", where, i + 1);
        if (!cJSON_IsObject(it))
            return plan_fail(c, "%s: must be a table {duration=..., target=...}", w);
        const cJSON *k;
        cJSON_ArrayForEach(k, it) {
            if (!plan_in_list(k->string, stage_keys))
                return plan_fail(c, "%s: unknown key '%s' (expected duration, target)", w,
                                 k->string);
        }
        if (!cJSON_GetObjectItemCaseSensitive(it, "duration"))
            return plan_fail(c, "%s.duration: missing", w);
        if (!cJSON_GetObjectItemCaseSensitive(it, "target"))
            return plan_fail(c, "%s.target: missing", w);
        if (plan_get_duration(c, it, "duration", w, 0, true, &s->stages[i].duration)) return -1;
        double t;
        if (plan_get_number(c, it, "target", w, 0, 0, &t)) return -1;
        if (!per_time_unit && t > MAX_VUS)
            return plan_fail(c, "%s.target: %g VUs is more than lt runs (%d)", w, t, MAX_VUS);
        if (!per_time_unit && t != floor(t))
            return plan_fail(c, "%s.target: must be a whole number of VUs", w);
        s->stages[i].target = per_time_unit ? t / time_unit : t;
        if (per_time_unit) {
            char f[300];
            snprintf(f, sizeof f, "%s.target", w);
            if (check_rate_ceiling(c, f, t, time_unit, s->stages[i].target)) return -1;
        }
        i++;
    }
    return 0;
}

/* A ramping-vus scenario that starts at 0 VUs and whose every target is 0 would run nothing. */
static bool ramping_vus_never_start(const scenario_plan *s) {
    if (s->start_vus > 0) return false;
    for (int i = 0; i < s->nstages; i++)
        if (s->stages[i].target > 0) return false;
    return true;
}

static int parse_executor_kind(ctx *c, const cJSON *o, const char *where, executor_kind *k) {
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(o, "executor");
    if (!cJSON_IsString(ex))
        return plan_fail(
            c,
            "%s.executor: missing (one of constant-arrival-rate, ramping-arrival-rate, "
            "constant-vus, ramping-vus, per-vu-iterations, shared-iterations)",
            where);
    for (int i = 0; i < 6; i++)
        if (strcmp(ex->valuestring, executor_names[i]) == 0) {
            *k = (executor_kind)i;
            return 0;
        }
    if (plan_in_list(ex->valuestring, k6_unsupported_executors))
        return plan_fail(c, "%s.executor: k6's executor '%s' is not supported by lt", where,
                         ex->valuestring);
    return plan_fail(
        c,
        "%s.executor: unknown executor '%s' (expected constant-arrival-rate, ramping-arrival-rate, "
        "constant-vus, ramping-vus, per-vu-iterations or shared-iterations)",
        where, ex->valuestring);
}

static int parse_scenario(ctx *c, const char *name, const cJSON *o, scenario_plan *s) {
    char where[200];
    snprintf(where, sizeof where, "scenarios.%s", name);
    if (!name[0]) return plan_fail(c, "scenarios: a scenario name can't be empty");
    if (!cJSON_IsObject(o)) return plan_fail(c, "%s: must be a table", where);
    s->name = strdup(name);
    if (parse_executor_kind(c, o, where, &s->kind)) return -1;
    const cJSON *k;
    cJSON_ArrayForEach(k, o) {
        if (plan_in_list(k->string, k6_unsupported_scenario))
            return plan_fail(c, "%s.%s: k6's scenario option '%s' is not supported by lt", where,
                             k->string, k->string);
        if (!plan_in_list(k->string, common_keys) &&
            !plan_in_list(k->string, executor_keys[s->kind]))
            return plan_fail(c, "%s.%s: unknown option for executor %s", where, k->string,
                             executor_names[s->kind]);
    }
    if (plan_get_duration(c, o, "startTime", where, 0, true, &s->start_time) ||
        plan_get_duration(c, o, "gracefulStop", where, 30, true, &s->graceful_stop) ||
        plan_get_string(c, o, "exec", where, "default", &s->exec) ||
        plan_get_string(c, o, "setup", where, NULL, &s->setup_fn) ||
        plan_get_kv(c, o, "env", where, &s->env) || plan_get_kv(c, o, "tags", where, &s->tags))
        return -1;
    double time_unit = 1;
    switch (s->kind) {
    case EX_CONSTANT_ARRIVAL_RATE:
    case EX_RAMPING_ARRIVAL_RATE: {
        if (plan_get_duration(c, o, "timeUnit", where, 1, false, &time_unit)) return -1;
        if (time_unit <= 0) return plan_fail(c, "%s.timeUnit: must be > 0", where);
        s->time_unit = time_unit;
        if (!cJSON_GetObjectItemCaseSensitive(o, "preAllocatedVUs"))
            return plan_fail(c, "%s.preAllocatedVUs: missing (required by %s)", where,
                             executor_names[s->kind]);
        if (plan_get_vus(c, o, "preAllocatedVUs", where, 0, 0, &s->pre_allocated_vus)) return -1;
        if (plan_get_vus(c, o, "maxVUs", where, s->pre_allocated_vus, 0, &s->max_vus)) return -1;
        if (s->max_vus < s->pre_allocated_vus)
            return plan_fail(c, "%s.maxVUs: %d is less than preAllocatedVUs %d", where, s->max_vus,
                             s->pre_allocated_vus);
        if (s->max_vus == 0) return plan_fail(c, "%s.maxVUs: must be > 0", where);
        if (plan_get_bool(c, o, "queueWhenBusy", where, &s->queue_when_busy)) return -1;
        /* not scaled by --time-scale: it is the machine's wake-up cost, not the test's length */
        if (plan_get_duration(c, o, "schedulePrecision", where, c->schedule_precision, false,
                              &s->schedule_precision))
            return -1;
        if (s->schedule_precision > 1)
            return plan_fail(c, "%s.schedulePrecision: at most 1s, got %gs", where,
                             s->schedule_precision);
        if (s->kind == EX_CONSTANT_ARRIVAL_RATE) {
            if (!cJSON_GetObjectItemCaseSensitive(o, "rate"))
                return plan_fail(c, "%s.rate: missing", where);
            if (!cJSON_GetObjectItemCaseSensitive(o, "duration"))
                return plan_fail(c, "%s.duration: missing", where);
            double r;
            if (plan_get_number(c, o, "rate", where, 0, 0, &r)) return -1;
            if (r <= 0) return plan_fail(c, "%s.rate: must be > 0, got %g", where, r);
            s->rate = r / time_unit;
            char f[300];
            snprintf(f, sizeof f, "%s.rate", where);
            if (check_rate_ceiling(c, f, r, time_unit, s->rate)) return -1;
            if (plan_get_duration(c, o, "duration", where, 0, true, &s->duration)) return -1;
            if (s->duration <= 0) return plan_fail(c, "%s.duration: must be > 0", where);
        } else {
            double r;
            if (plan_get_number(c, o, "startRate", where, 0, 0, &r)) return -1;
            s->start_rate = r / time_unit;
            char f[300];
            snprintf(f, sizeof f, "%s.startRate", where);
            if (check_rate_ceiling(c, f, r, time_unit, s->start_rate)) return -1;
            if (parse_stages(c, o, where, true, time_unit, s)) return -1;
        }
        break;
    }
    case EX_CONSTANT_VUS:
        if (plan_get_vus(c, o, "vus", where, 1, 1, &s->vus)) return -1;
        if (!cJSON_GetObjectItemCaseSensitive(o, "duration"))
            return plan_fail(c, "%s.duration: missing", where);
        if (plan_get_duration(c, o, "duration", where, 0, true, &s->duration)) return -1;
        if (s->duration <= 0) return plan_fail(c, "%s.duration: must be > 0", where);
        break;
    case EX_RAMPING_VUS:
        if (plan_get_vus(c, o, "startVUs", where, 1, 0, &s->start_vus)) return -1;
        if (plan_get_duration(c, o, "gracefulRampDown", where, 30, true, &s->graceful_ramp_down))
            return -1;
        if (parse_stages(c, o, where, false, 1, s)) return -1;
        if (ramping_vus_never_start(s))
            return plan_fail(c, "%s: startVUs or one of the stages' targets must be greater than 0",
                             where);
        break;
    case EX_PER_VU_ITERATIONS:
    case EX_SHARED_ITERATIONS:
        if (plan_get_vus(c, o, "vus", where, 1, 1, &s->vus)) return -1;
        if (plan_get_int(c, o, "iterations", where, 1, 1, &s->iterations)) return -1;
        if (plan_get_duration(c, o, "maxDuration", where, 600, true, &s->max_duration)) return -1;
        if (s->max_duration <= 0) return plan_fail(c, "%s.maxDuration: must be > 0", where);
        if (s->kind == EX_SHARED_ITERATIONS && s->iterations < s->vus)
            return plan_fail(
                c,
                "%s: the number of iterations (%ld) can't be less than the number of VUs "
                "(%d)",
                where, s->iterations, s->vus);
        break;
    }
    /* The largest VU count the scenario can reach, for pools and descriptor limits. */
    if (s->kind == EX_RAMPING_VUS) {
        s->max_vus = s->start_vus;
        for (int i = 0; i < s->nstages; i++)
            if ((int)s->stages[i].target > s->max_vus) s->max_vus = (int)s->stages[i].target;
    } else if (s->kind != EX_CONSTANT_ARRIVAL_RATE && s->kind != EX_RAMPING_ARRIVAL_RATE) {
        s->max_vus = s->vus;
    }
    return 0;
}

double scenario_duration(const scenario_plan *s) {
    double d = 0;
    switch (s->kind) {
    case EX_CONSTANT_ARRIVAL_RATE:
    case EX_CONSTANT_VUS:
        return s->duration;
    case EX_RAMPING_ARRIVAL_RATE:
    case EX_RAMPING_VUS:
        for (int i = 0; i < s->nstages; i++) d += s->stages[i].duration;
        return d;
    case EX_PER_VU_ITERATIONS:
    case EX_SHARED_ITERATIONS:
        return s->max_duration;
    }
    return d;
}

double plan_total_duration(const plan *p) {
    double end = 0;
    for (int i = 0; i < p->nscenarios; i++) {
        const scenario_plan *s = &p->scenarios[i];
        double e = s->start_time + scenario_duration(s) + s->graceful_stop;
        if (e > end) end = e;
    }
    return end;
}

/* VUs scenario s has at once: closed executors allocate all of theirs when they start; an arrival
 * rate its preAllocatedVUs, growing towards maxVUs only when starts find no idle VU. */
static long scenario_vus(const scenario_plan *s, bool with_max) {
    switch (s->kind) {
    case EX_CONSTANT_ARRIVAL_RATE:
    case EX_RAMPING_ARRIVAL_RATE:
        return with_max ? s->max_vus : s->pre_allocated_vus;
    case EX_RAMPING_VUS:
        return s->max_vus;
    default:
        return s->vus;
    }
}

long plan_peak_vus(const plan *p, bool with_max) {
    /* a scenario's VUs are freed when it ends, so only scenarios that overlap add up; the peak
     * is at some scenario's start */
    long peak = 0;
    for (int i = 0; i < p->nscenarios; i++) {
        double at = p->scenarios[i].start_time;
        long sum = 0;
        for (int j = 0; j < p->nscenarios; j++) {
            const scenario_plan *s = &p->scenarios[j];
            if (s->start_time <= at &&
                at <= s->start_time + scenario_duration(s) + s->graceful_stop)
                sum += scenario_vus(s, with_max);
        }
        if (sum > peak) peak = sum;
    }
    return peak;
}

int plan_check_memory(const plan *p, double limit_bytes, const char *limit_what, char *err,
                      size_t errlen) {
    long vus = plan_peak_vus(p, false);
    double need = (double)vus * PLAN_VU_BYTES;
    if (limit_bytes <= 0 || need <= limit_bytes) return 0;
    snprintf(err, errlen,
             "vus: %ld VUs at once need at least %.1f GB (%d KB each, more once they hold "
             "connections), more than %s (%.1f GB); use fewer VUs per machine",
             vus, need / 1e9, PLAN_VU_BYTES / 1024, limit_what, limit_bytes / 1e9);
    return -1;
}

static int parse_timeline(ctx *c, const cJSON *o, plan *p) {
    const cJSON *tl = cJSON_GetObjectItemCaseSensitive(o, "timeline");
    if (!tl || cJSON_IsNull(tl) || (cJSON_IsObject(tl) && cJSON_GetArraySize(tl) == 0)) return 0;
    if (!cJSON_IsArray(tl))
        return plan_fail(c, "timeline: must be a list of {at=..., exec=..., tags=...}");
    p->timeline = calloc(cJSON_GetArraySize(tl) + 1, sizeof *p->timeline);
    const cJSON *it;
    cJSON_ArrayForEach(it, tl) {
        char where[64];
        snprintf(where, sizeof where, "timeline[%d]", p->ntimeline + 1);
        if (!cJSON_IsObject(it))
            return plan_fail(c, "%s: must be a table {at=..., exec=..., tags=...}", where);
        const cJSON *k;
        cJSON_ArrayForEach(k, it) {
            if (!plan_in_list(k->string, timeline_keys))
                return plan_fail(c, "%s: unknown key '%s' (expected at, exec, tags)", where,
                                 k->string);
        }
        timeline_entry *e = &p->timeline[p->ntimeline++];
        if (!cJSON_GetObjectItemCaseSensitive(it, "at"))
            return plan_fail(c, "%s.at: missing", where);
        if (plan_get_duration(c, it, "at", where, 0, true, &e->at) ||
            plan_get_string(c, it, "exec", where, NULL, &e->exec) ||
            plan_get_kv(c, it, "tags", where, &e->tags))
            return -1;
    }
    /* Ordered by time: tag changes apply in order. */
    for (int i = 1; i < p->ntimeline; i++)
        for (int j = i; j > 0 && p->timeline[j].at < p->timeline[j - 1].at; j--) {
            timeline_entry t = p->timeline[j];
            p->timeline[j] = p->timeline[j - 1];
            p->timeline[j - 1] = t;
        }
    return 0;
}

static const char *top_keys[] = {"scenarios",
                                 "thresholds",
                                 "tags",
                                 "discardResponseBodies",
                                 "insecureSkipTLSVerify",
                                 "setupTimeout",
                                 "teardownTimeout",
                                 "summaryTrendStats",
                                 "maxTagSets",
                                 "executionSegment",
                                 "executionSegmentSequence",
                                 "timeline",
                                 "vus",
                                 "duration",
                                 "iterations",
                                 "stages",
                                 "scrape",
                                 "noConnectionReuse",
                                 "noVUConnectionReuse",
                                 "userAgent",
                                 "batch",
                                 "batchPerHost",
                                 NULL};

static const plan_key_table key_tables[] = {
    {"options", top_keys},
    {"scenario", common_keys},
    {"constant-arrival-rate", executor_keys[EX_CONSTANT_ARRIVAL_RATE]},
    {"ramping-arrival-rate", executor_keys[EX_RAMPING_ARRIVAL_RATE]},
    {"constant-vus", executor_keys[EX_CONSTANT_VUS]},
    {"ramping-vus", executor_keys[EX_RAMPING_VUS]},
    {"per-vu-iterations", executor_keys[EX_PER_VU_ITERATIONS]},
    {"shared-iterations", executor_keys[EX_SHARED_ITERATIONS]},
    {"stage", stage_keys},
    {"threshold", plan_threshold_keys},
    {"timeline", timeline_keys},
    {NULL, NULL},
};

const plan_key_table *plan_key_tables(void) {
    return key_tables;
}

static const plan_key_table unsupported_tables[] = {
    {"options", k6_unsupported_top},
    {"scenario", k6_unsupported_scenario},
    {"executor", k6_unsupported_executors},
    {NULL, NULL},
};

const plan_key_table *plan_unsupported_k6_keys(void) {
    return unsupported_tables;
}

#define MAX_BATCH 1000

/* k6's connection, User-Agent and batch options; a command-line flag wins over the script. */
static int parse_http_options(ctx *c, const cJSON *o, const plan_overrides *ov, plan *p) {
    const cJSON *ua = cJSON_GetObjectItemCaseSensitive(o, "userAgent");
    if (ua && !cJSON_IsNull(ua) && !cJSON_IsString(ua))
        return plan_fail(c,
                         "options.userAgent: must be a string (\"\" sends no User-Agent header)");
    const char *agent = ov && ov->user_agent ? ov->user_agent
                        : cJSON_IsString(ua) ? ua->valuestring
                                             : "lt/" LT_VERSION;
    p->user_agent = strdup(agent);
    if (plan_get_bool(c, o, "noConnectionReuse", "options", &p->no_connection_reuse) ||
        plan_get_bool(c, o, "noVUConnectionReuse", "options", &p->no_vu_connection_reuse))
        return -1;
    if (ov && ov->no_connection_reuse) p->no_connection_reuse = ov->no_connection_reuse > 0;
    if (ov && ov->no_vu_connection_reuse)
        p->no_vu_connection_reuse = ov->no_vu_connection_reuse > 0;
    /* k6's defaults. Each request of a batch in flight takes a connection pool on its VU: hence
     * lt's ceiling. */
    long batch, per_host;
    if (plan_get_int(c, o, "batch", "options", 20, 1, &batch) ||
        plan_get_int(c, o, "batchPerHost", "options", 6, 0, &per_host))
        return -1;
    if (ov && ov->batch > 0) batch = ov->batch;
    if (ov && ov->batch_per_host_given) per_host = ov->batch_per_host;
    if (batch > MAX_BATCH)
        return plan_fail(c,
                         "options.batch: %ld requests in flight at once is more than lt runs (%d)",
                         batch, MAX_BATCH);
    p->batch = (int)batch;
    p->batch_per_host = per_host > MAX_BATCH ? MAX_BATCH : (int)per_host;
    return 0;
}

/* The k6 shortcut options (vus, duration, iterations, stages) and the CLI flags become one
 * "default" scenario, as in k6. */
static cJSON *shortcut_scenario(const cJSON *o, const plan_overrides *ov) {
    const cJSON *vus = cJSON_GetObjectItemCaseSensitive(o, "vus");
    const cJSON *dur = cJSON_GetObjectItemCaseSensitive(o, "duration");
    const cJSON *its = cJSON_GetObjectItemCaseSensitive(o, "iterations");
    const cJSON *stages = cJSON_GetObjectItemCaseSensitive(o, "stages");
    bool cli = ov && (ov->vus || ov->duration || ov->iterations);
    if (!cli && !vus && !dur && !its && !stages) return NULL;
    cJSON *s = cJSON_CreateObject();
    cJSON *v = ov && ov->vus ? cJSON_CreateNumber(ov->vus) : vus ? cJSON_Duplicate(vus, 1) : NULL;
    cJSON *d = ov && ov->duration ? cJSON_CreateString(ov->duration)
               : dur              ? cJSON_Duplicate(dur, 1)
                                  : NULL;
    cJSON *i = ov && ov->iterations ? cJSON_CreateNumber((double)ov->iterations)
               : its                ? cJSON_Duplicate(its, 1)
                                    : NULL;
    if (i) {
        cJSON_AddStringToObject(s, "executor", "shared-iterations");
        cJSON_AddItemToObject(s, "iterations", i);
        if (v) cJSON_AddItemToObject(s, "vus", v);
        if (d) cJSON_AddItemToObject(s, "maxDuration", d);
    } else if (stages && !(ov && ov->duration)) {
        cJSON_AddStringToObject(s, "executor", "ramping-vus");
        cJSON_AddItemToObject(s, "stages", cJSON_Duplicate(stages, 1));
        cJSON_AddItemToObject(s, "startVUs", v ? v : cJSON_CreateNumber(1));
        cJSON_Delete(d);
    } else if (d) {
        cJSON_AddStringToObject(s, "executor", "constant-vus");
        cJSON_AddItemToObject(s, "duration", d);
        if (v) cJSON_AddItemToObject(s, "vus", v);
    } else {
        cJSON_AddStringToObject(s, "executor", "per-vu-iterations");
        if (v) cJSON_AddItemToObject(s, "vus", v);
    }
    cJSON *all = cJSON_CreateObject();
    cJSON_AddItemToObject(all, "default", s);
    return all;
}

static int parse_trend_stats(ctx *c, const cJSON *o, plan *p) {
    static const char *defaults[] = {"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"};
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, "summaryTrendStats");
    if (!v) {
        p->ntrend_stats = 7;
        p->trend_stats = calloc(7, sizeof(char *));
        for (int i = 0; i < 7; i++) p->trend_stats[i] = strdup(defaults[i]);
        return 0;
    }
    if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
        return plan_fail(c, "summaryTrendStats: must be a list such as {\"avg\", \"p(99)\"}");
    p->trend_stats = calloc(cJSON_GetArraySize(v), sizeof(char *));
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        threshold_expr e;
        char buf[96], err[128];
        if (!cJSON_IsString(it)) return plan_fail(c, "summaryTrendStats: entries must be strings");
        snprintf(buf, sizeof buf, "%s<0", it->valuestring);
        if (threshold_parse(buf, &e, err, sizeof err) != 0 || e.agg == AGG_RATE ||
            e.agg == AGG_VALUE)
            return plan_fail(
                c, "summaryTrendStats: unknown stat '%s' (avg, min, med, max, count, p(N))",
                it->valuestring);
        p->trend_stats[p->ntrend_stats++] = strdup(it->valuestring);
    }
    return 0;
}

/* Lua tables have no order: sort by start time, then name, so every listing is stable. */
static void sort_scenarios(plan *p) {
    for (int i = 1; i < p->nscenarios; i++)
        for (int j = i; j > 0; j--) {
            scenario_plan *x = &p->scenarios[j - 1], *y = &p->scenarios[j];
            if (x->start_time < y->start_time ||
                (x->start_time == y->start_time && strcmp(x->name, y->name) <= 0))
                break;
            scenario_plan t = *x;
            *x = *y;
            *y = t;
        }
    for (int i = 0; i < p->nscenarios; i++) p->scenarios[i].index = i;
}

/* The segment from the command line, else from the options (k6's executionSegment and
 * executionSegmentSequence); the whole test's options are resolved before it scales them. */
static int segment_options(ctx *c, const cJSON *o, const plan_overrides *ov, plan *p) {
    const char *seg = ov ? ov->execution_segment : NULL;
    const char *seq = ov ? ov->execution_segment_sequence : NULL;
    const char *keys[] = {"executionSegment", "executionSegmentSequence"};
    const char **vals[] = {&seg, &seq};
    for (int i = 0; i < 2; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
        if (!v || *vals[i]) continue;
        if (!cJSON_IsString(v)) return plan_fail(c, "options.%s: must be a string", keys[i]);
        *vals[i] = v->valuestring;
    }
    return plan_apply_segment(p, seg, seq, c->err, c->errlen);
}

plan *plan_build(const cJSON *options, const plan_overrides *ov, char *err, size_t errlen) {
    ctx c = {err, errlen, ov && ov->time_scale > 0 ? ov->time_scale : 1,
             ov ? ov->schedule_precision : 0};
    plan *p = calloc(1, sizeof *p);
    p->time_scale = c.scale;
    p->no_thresholds = ov && ov->no_thresholds;
    cJSON *empty = cJSON_CreateObject();
    const cJSON *o = options ? options : empty;
    cJSON *shortcut = NULL;
    if (!cJSON_IsObject(o)) {
        plan_fail(&c, "options: must be a table");
        goto bad;
    }
    const cJSON *k;
    cJSON_ArrayForEach(k, o) {
        if (plan_in_list(k->string, k6_unsupported_top)) {
            plan_fail(&c, "options.%s: k6's option '%s' is not supported by lt", k->string,
                      k->string);
            goto bad;
        }
        if (!plan_in_list(k->string, top_keys)) {
            plan_fail(&c, "options.%s: unknown option", k->string);
            goto bad;
        }
    }
    const cJSON *scenarios = cJSON_GetObjectItemCaseSensitive(o, "scenarios");
    shortcut = shortcut_scenario(o, ov);
    if (shortcut) scenarios = shortcut;
    if (!scenarios)
        scenarios = shortcut =
            shortcut_scenario(o, &(plan_overrides){.vus = 1, .iterations = 0}); /* k6 default */
    if (!cJSON_IsObject(scenarios) || cJSON_GetArraySize(scenarios) == 0) {
        plan_fail(&c, "options.scenarios: must be a table of name = {executor=..., ...}");
        goto bad;
    }
    p->scenarios = calloc(cJSON_GetArraySize(scenarios), sizeof *p->scenarios);
    const cJSON *s;
    cJSON_ArrayForEach(s, scenarios) {
        scenario_plan *sp = &p->scenarios[p->nscenarios];
        sp->index = p->nscenarios++;
        if (parse_scenario(&c, s->string, s, sp)) goto bad;
    }
    sort_scenarios(p);
    if (plan_parse_thresholds(&c, o, p) || plan_check_threshold_scenarios(&c, p) ||
        parse_timeline(&c, o, p) || plan_get_kv(&c, o, "tags", "options", &p->tags) ||
        parse_trend_stats(&c, o, p) ||
        plan_get_duration(&c, o, "setupTimeout", "options", 60, false, &p->setup_timeout) ||
        plan_get_duration(&c, o, "teardownTimeout", "options", 60, false, &p->teardown_timeout) ||
        plan_get_int(&c, o, "maxTagSets", "options", TAGSETS_DEFAULT_MAX, 1, &p->max_tag_sets) ||
        parse_http_options(&c, o, ov, p) || plan_parse_scrape(o, ov, &p->scrape, err, errlen))
        goto bad;
    if (ov && ov->max_tag_sets > 0) p->max_tag_sets = ov->max_tag_sets;
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(o, "discardResponseBodies");
    p->discard_response_bodies = cJSON_IsTrue(b);
    b = cJSON_GetObjectItemCaseSensitive(o, "insecureSkipTLSVerify");
    p->insecure_skip_tls_verify =
        ov && ov->insecure_skip_tls_verify ? ov->insecure_skip_tls_verify > 0 : cJSON_IsTrue(b);
    p->resolved = plan_resolved_json(p, o);
    if (segment_options(&c, o, ov, p)) goto bad;
    cJSON_Delete(shortcut);
    cJSON_Delete(empty);
    return p;
bad:
    cJSON_Delete(shortcut);
    cJSON_Delete(empty);
    plan_free(p);
    return NULL;
}

void plan_free(plan *p) {
    if (!p) return;
    for (int i = 0; i < p->nscenarios; i++) {
        scenario_plan *s = &p->scenarios[i];
        free(s->name);
        free(s->stages);
        free(s->exec);
        free(s->setup_fn);
        plan_kv_free(&s->env);
        plan_kv_free(&s->tags);
        seg_tuple_free(s->vu_stripe);
        seg_tuple_free(s->iter_stripe);
        free(s->vu_stripe);
        free(s->iter_stripe);
    }
    free(p->scenarios);
    free(p->execution_segment);
    free(p->execution_segment_sequence);
    cJSON_Delete(p->share);
    seg_tuple_free(p->tuple);
    free(p->tuple);
    for (int i = 0; i < p->nthresholds; i++) {
        free(p->thresholds[i].metric_src);
        free(p->thresholds[i].expr_src);
    }
    free(p->thresholds);
    for (int i = 0; i < p->ntimeline; i++) {
        free(p->timeline[i].exec);
        plan_kv_free(&p->timeline[i].tags);
    }
    free(p->timeline);
    plan_kv_free(&p->tags);
    for (int i = 0; i < p->ntrend_stats; i++) free(p->trend_stats[i]);
    free(p->trend_stats);
    free(p->user_agent);
    scrape_plan_free(&p->scrape);
    cJSON_Delete(p->resolved);
    free(p);
}
