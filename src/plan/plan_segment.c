/* plan_segment.c — a plan cut to one execution segment, as k6's executors scale with theirs
 * (lib/executor/ in k6: GetVUs, GetIterations, GetExecutionRequirements, Init):
 * - constant-vus, per-vu-iterations: VUs scaled (ScaleInt64); per-VU iterations unchanged;
 * - shared-iterations: VUs scaled; iterations scaled with the striping re-derived from the VU
 *   count (GetNewExecutionTupleFromValue(vus)), so iterations follow the VUs;
 * - arrival rates: preAllocatedVUs and maxVUs scaled; the instance starts the whole schedule's
 *   iterations its stripe owns (striping re-derived from maxVUs), at their global due times, so
 *   the instances' starts interleave in time and add up to the schedule;
 * - ramping-vus: the whole test's steps, each count mapped to the VUs the segment owns of it.
 * Every executor's iter_stripe numbers its iterations in the whole test (iteration_in_test).
 */
#include "plan/plan.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static seg_tuple *tuple_dup(const seg_tuple *t) {
    seg_tuple *c = calloc(1, sizeof *c);
    seg_tuple_copy(t, c);
    return c;
}

/* Per time unit, as the user wrote it, times the share of iterations the stripe owns. */
static double rate_share(double per_second, double time_unit, const seg_tuple *st) {
    return st ? per_second * time_unit * (double)st->m / (double)st->lcd : 0;
}

static void scale_arrival(scenario_plan *s, const seg_tuple *t, cJSON *j) {
    seg_tuple nt;
    char e[256];
    int all_max = s->max_vus;
    s->pre_allocated_vus = (int)seg_tuple_scale(t, s->pre_allocated_vus);
    s->max_vus = (int)seg_tuple_scale(t, all_max);
    if (seg_tuple_from_value(t, all_max, &nt, e, sizeof e) != 0) {
        s->no_share = true;
    } else {
        s->iter_stripe = calloc(1, sizeof *s->iter_stripe);
        *s->iter_stripe = nt;
    }
    cJSON_AddNumberToObject(j, "preAllocatedVUs", s->pre_allocated_vus);
    cJSON_AddNumberToObject(j, "maxVUs", s->max_vus);
    if (s->iter_stripe) {
        char b[64];
        snprintf(b, sizeof b, "%lld/%lld", (long long)s->iter_stripe->m,
                 (long long)s->iter_stripe->lcd);
        cJSON_AddStringToObject(j, "iterationShare", b);
    }
    if (s->kind == EX_CONSTANT_ARRIVAL_RATE) {
        cJSON_AddNumberToObject(j, "rate", rate_share(s->rate, s->time_unit, s->iter_stripe));
        return;
    }
    cJSON_AddNumberToObject(j, "startRate",
                            rate_share(s->start_rate, s->time_unit, s->iter_stripe));
    cJSON *st = cJSON_AddArrayToObject(j, "stageTargets");
    for (int i = 0; i < s->nstages; i++)
        cJSON_AddItemToArray(
            st, cJSON_CreateNumber(rate_share(s->stages[i].target, s->time_unit, s->iter_stripe)));
}

static void scale_scenario(scenario_plan *s, const seg_tuple *t, cJSON *j) {
    char e[256];
    switch (s->kind) {
    case EX_CONSTANT_VUS:
    case EX_PER_VU_ITERATIONS:
        s->iter_stripe = tuple_dup(t); /* k6's iterationInTest: the segment's own stripe */
        s->vus = s->max_vus = (int)seg_tuple_scale(t, s->vus);
        s->no_share = s->vus == 0;
        cJSON_AddNumberToObject(j, "vus", s->vus);
        if (s->kind == EX_PER_VU_ITERATIONS)
            cJSON_AddNumberToObject(j, "iterations", (double)(s->vus * s->iterations));
        break;
    case EX_SHARED_ITERATIONS: {
        int all_vus = s->vus;
        seg_tuple nt;
        s->vus = s->max_vus = (int)seg_tuple_scale(t, all_vus);
        if (seg_tuple_from_value(t, all_vus, &nt, e, sizeof e) != 0) {
            s->iterations = 0;
        } else {
            s->iterations = (long)seg_tuple_scale(&nt, s->iterations);
            s->iter_stripe = tuple_dup(&nt); /* the iterations' stripe, as k6's Init */
            seg_tuple_free(&nt);
        }
        s->no_share = s->vus == 0 || s->iterations == 0;
        cJSON_AddNumberToObject(j, "vus", s->vus);
        cJSON_AddNumberToObject(j, "iterations", (double)s->iterations);
        break;
    }
    case EX_CONSTANT_ARRIVAL_RATE:
    case EX_RAMPING_ARRIVAL_RATE:
        scale_arrival(s, t, j);
        break;
    case EX_RAMPING_VUS: {
        s->vu_stripe = tuple_dup(t);
        s->iter_stripe = tuple_dup(t);
        s->max_vus = (int)seg_tuple_scale(t, s->max_vus);
        s->no_share = s->max_vus == 0;
        cJSON_AddNumberToObject(j, "startVUs", (double)seg_tuple_scale(t, s->start_vus));
        cJSON_AddNumberToObject(j, "maxVUs", s->max_vus);
        cJSON *st = cJSON_AddArrayToObject(j, "stageTargets");
        for (int i = 0; i < s->nstages; i++)
            cJSON_AddItemToArray(
                st, cJSON_CreateNumber((double)seg_tuple_scale(t, (int64_t)s->stages[i].target)));
        break;
    }
    }
    if (s->no_share) cJSON_AddTrueToObject(j, "noShare");
}

int plan_apply_segment(plan *p, const char *segment, const char *sequence, char *err,
                       size_t errlen) {
    if ((!segment || !*segment) && (!sequence || !*sequence)) return 0;
    seg_segment sg;
    seg_sequence sq = {0};
    seg_tuple t;
    char e[300];
    if (seg_parse(segment, &sg, e, sizeof e) != 0) {
        snprintf(err, errlen, "execution segment '%s': %s", segment, e);
        return -1;
    }
    if (seg_sequence_parse(sequence, &sq, e, sizeof e) != 0) {
        snprintf(err, errlen, "execution segment sequence '%s': %s", sequence, e);
        return -1;
    }
    int rc = seg_tuple_new(&sg, &sq, &t, e, sizeof e);
    seg_sequence_free(&sq);
    if (rc != 0) {
        snprintf(err, errlen, "execution segment: %s", e);
        return -1;
    }
    if (t.seq.n == 1) { /* 0:1 alone: the whole test, not a segmented run */
        seg_tuple_free(&t);
        return 0;
    }
    char b[1024];
    seg_format(&sg, b, sizeof b);
    p->execution_segment = strdup(b);
    seg_sequence_format(&t.seq, b, sizeof b);
    p->execution_segment_sequence = strdup(b);
    p->share = cJSON_CreateObject();
    cJSON_AddStringToObject(p->share, "executionSegment", p->execution_segment);
    cJSON_AddStringToObject(p->share, "executionSegmentSequence", p->execution_segment_sequence);
    cJSON *sc = cJSON_AddObjectToObject(p->share, "scenarios");
    for (int i = 0; i < p->nscenarios; i++)
        scale_scenario(&p->scenarios[i], &t, cJSON_AddObjectToObject(sc, p->scenarios[i].name));
    p->tuple = tuple_dup(&t);
    seg_tuple_free(&t);
    return 0;
}

double scenario_rate_share(const scenario_plan *s) {
    if (s->no_share) return 0;
    if (!s->iter_stripe) return 1;
    return (double)s->iter_stripe->m / (double)s->iter_stripe->lcd;
}

long scenario_starts_share(const scenario_plan *s, long whole) {
    if (s->no_share) return 0;
    return s->iter_stripe ? (long)seg_tuple_scale(s->iter_stripe, whole) : whole;
}
