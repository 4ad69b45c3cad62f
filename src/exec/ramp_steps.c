/* ramp_steps.c — k6's ramping-vus execution steps, ported in integer nanoseconds so the times
 * come out exactly as k6's (its tests compare them with ==). */
#include "exec/ramp_steps.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct {
    int64_t t; /* ns */
    long vus;
} ns_step;

typedef struct {
    ns_step *v;
    long n, cap;
} ns_steps;

static void push(ns_steps *s, int64_t t, long vus) {
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->v = realloc(s->v, (size_t)s->cap * sizeof *s->v);
    }
    s->v[s->n++] = (ns_step){t, vus};
}

/* k6's addStep: a step only when the count changes. */
static void add_step(ns_steps *s, int64_t t, long vus) {
    if (s->n == 0 || s->v[s->n - 1].vus != vus) push(s, t, vus);
}

static int64_t to_ns(double seconds) {
    return (int64_t)llround(seconds * 1e9);
}

/* time_till_end - dur * num / den, with k6's int64 truncation; the product is taken in 128 bits
 * (an hour's ramp to 1e8 VUs is 3.6e20, past int64). */
static int64_t step_time(int64_t time_till_end, int64_t dur, long num, long den) {
    return time_till_end - (int64_t)((__int128)dur * num / den);
}

static void raw_steps_ns(const scenario_plan *sp, bool zero_end, ns_steps *out) {
    int64_t time_till_end = 0;
    long from = sp->start_vus, index = sp->start_vus; /* k6's SegmentedIndex, whole segment */
    push(out, 0, from);
    for (int i = 0; i < sp->nstages; i++) {
        long to = (long)sp->stages[i].target;
        int64_t dur = to_ns(sp->stages[i].duration);
        time_till_end += dur;
        long diff = to - from;
        if (diff == 0) continue;
        if (dur == 0) {
            index = to;
            add_step(out, time_till_end, to);
            from = to;
            continue;
        }
        if (index > to) {
            /* ramp down: VU index-1 stops where the line reaches index-2, so the count is never
             * lower than the line */
            for (; index > to; index--)
                add_step(out, step_time(time_till_end, dur, to - index + 1, diff), index - 1);
        } else {
            for (; index <= to; index++)
                add_step(out, step_time(time_till_end, dur, to - index, diff), index);
        }
        from = to;
    }
    if (zero_end && out->v[out->n - 1].vus != 0) push(out, time_till_end, 0);
}

/* k6's reserveVUsForGracefulRampDowns: a ramp down keeps the higher count allowed for
 * gracefulRampDown, unless the count comes back up within that window. */
static void reserve_graceful(const ns_steps *raw, int64_t grace, int64_t end_offset,
                             ns_steps *out) {
    long last_planned = 0, last_down = 0;
    for (long r = 0; r < raw->n; r++) {
        ns_step step = raw->v[r];
        if (r == 0 || step.vus > last_planned) {
            push(out, step.t, step.vus);
            last_planned = step.vus;
            continue;
        }
        if (step.vus == last_planned) continue;
        bool skipped = false, ramping_down = true;
        int64_t with_timeout = step.t + grace;
        long start = last_down > r + 1 ? last_down : r + 1;
        for (long a = start; a < raw->n; a++) {
            ns_step adv = raw->v[a];
            if (adv.t > with_timeout) break;
            if (adv.vus >= last_planned) {
                r = a - 1;
                skipped = true;
                break;
            }
            if (ramping_down) {
                if (raw->v[a - 1].vus > adv.vus)
                    last_down = a;
                else
                    ramping_down = false;
            }
        }
        if (skipped) continue;
        if (with_timeout >= end_offset) break;
        push(out, with_timeout, step.vus);
        last_planned = step.vus;
    }
}

static void to_seconds(const ns_steps *in, ramp_steps *out) {
    out->n = out->cap = in->n;
    out->v = malloc((size_t)(in->n ? in->n : 1) * sizeof *out->v);
    for (long i = 0; i < in->n; i++)
        out->v[i] = (ramp_step){(double)in->v[i].t / 1e9, in->v[i].vus};
}

void ramp_raw_steps(const scenario_plan *sp, bool zero_end, ramp_steps *out) {
    ns_steps raw = {0};
    raw_steps_ns(sp, zero_end, &raw);
    to_seconds(&raw, out);
    free(raw.v);
}

void ramp_graceful_steps(const scenario_plan *sp, ramp_steps *out) {
    ns_steps raw = {0}, graceful = {0};
    raw_steps_ns(sp, false, &raw);
    int64_t end_offset = 0;
    for (int i = 0; i < sp->nstages; i++) end_offset += to_ns(sp->stages[i].duration);
    end_offset += to_ns(sp->graceful_stop);
    const ns_steps *steps = &raw;
    if (to_ns(sp->graceful_ramp_down) > 0) {
        reserve_graceful(&raw, to_ns(sp->graceful_ramp_down), end_offset, &graceful);
        steps = &graceful;
    }
    ns_steps *last = (ns_steps *)steps;
    if (last->v[last->n - 1].vus != 0) push(last, end_offset, 0);
    to_seconds(last, out);
    free(raw.v);
    free(graceful.v);
}

void ramp_steps_local(const ramp_steps *global, int w, int n, ramp_steps *out) {
    out->n = 0;
    out->cap = global->n ? global->n : 1;
    out->v = malloc((size_t)out->cap * sizeof *out->v);
    for (long i = 0; i < global->n; i++) {
        long g = global->v[i].vus;
        long local = g > w ? (g - w - 1) / n + 1 : 0;
        if (out->n == 0 || out->v[out->n - 1].vus != local)
            out->v[out->n++] = (ramp_step){global->v[i].t, local};
    }
}

void ramp_steps_free(ramp_steps *s) {
    free(s->v);
    s->v = NULL;
    s->n = s->cap = 0;
}

void ramp_steps_segment(ramp_steps *s, const seg_tuple *t) {
    long n = 0;
    for (long i = 0; i < s->n; i++) {
        long mine = (long)seg_tuple_scale(t, s->v[i].vus);
        if (n == 0 || s->v[n - 1].vus != mine) s->v[n++] = (ramp_step){s->v[i].t, mine};
    }
    s->n = n;
}
