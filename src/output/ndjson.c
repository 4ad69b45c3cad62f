/* ndjson.c — `--out lt-json=FILE[.gz]`: lt's time series as newline-delimited JSON.
 *
 * One JSON object per line, in this order:
 *   {"type":"run","format":"lt-ndjson/1","script":"...","started":<unix s>,"time_scale":1,
 *    "planned_duration":<s>,"tags":{...--tag...}[,"execution_segment":"1/3:2/3"]}
 *   per interval, per metric and tag set that had samples in it:
 *   {"type":"point","t":<unix s, end of interval>,"dt":<s>,"metric":"http_req_duration",
 *    "metric_type":"trend","tags":{...},
 *    trend:   "count","min","avg","p50","p90","p95","p99","max","sum"  (metric's unit: ms for time)
 *    counter: "count" (number of adds),"value" (sum in the interval),"rate" (value/dt)
 *    gauge:   "value" (last),"min","max"
 *    rate:    "rate","passes","fails"}
 *   {"type":"end","t":<unix s, end of the last interval>,"duration_s":<s since
 * started>,"metrics":{"NAME":{"type":..., totals over every tag set since the start, the same
 * fields as a point (counter "rate" = value/duration_s; trend adds "med")}}} Unlike k6's json
 * output (lt's `--out json`, k6_samples.c), this writes no raw samples: the points are exact
 * per-interval aggregates, a few lines a second whatever the load, and trend points keep the
 * percentiles of their interval. The file is streamed and flushed once per interval; stop() writes
 * the end line, then flushes and fsyncs. "-" writes to standard output.
 */
#include "output/ndjson.h"
#include "output/file_sink.h"
#include "base/clock.h"
#include "base/utf8.h"
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

typedef struct {
    char *path;
    file_sink *sink; /* a temporary file renamed to path at stop: never half a file at path */
    int nstatic;
    char **skeys, **svals;
    double started, last_t;
} nd;

static double round_to(double v, double unit) {
    return round(v / unit) * unit;
}

/* One line. cJSON copies string bytes as they are, so a line is checked (the ASCII fast path
 * makes that nearly free) and, when a string held invalid UTF-8 that no source repaired, each
 * ill-formed sequence becomes U+FFFD: outside strings cJSON writes only ASCII. */
static void nd_write(nd *n, cJSON *obj) {
    char *s = cJSON_PrintUnformatted(obj);
    if (!s) return;
    size_t len = strlen(s);
    if (!utf8_valid(s, len)) {
        char *r = utf8_repair_dup(s, len, &len);
        free(s);
        if (!r) return;
        s = r;
    }
    file_sink_write(n->sink, s, len);
    file_sink_write(n->sink, "\n", 1);
    free(s);
}

static void nd_flush(nd *n) {
    file_sink_flush(n->sink);
}

static cJSON *tags_json(const nd *n, uint32_t tags) {
    cJSON *o = cJSON_CreateObject();
    const tagset *t = tagset_get(tags);
    for (int i = 0; t && i < t->n; i++) cJSON_AddStringToObject(o, t->keys[i], t->vals[i]);
    for (int i = 0; i < n->nstatic; i++)
        if (!cJSON_GetObjectItemCaseSensitive(o, n->skeys[i]))
            cJSON_AddStringToObject(o, n->skeys[i], n->svals[i]);
    return o;
}

/* The values of one aggregate; `dt` is the seconds it covers (for a counter's rate). */
static void add_values(cJSON *o, const metric_def *d, const series *s, double dt, bool total) {
    switch (d->type) {
    case METRIC_COUNTER:
        cJSON_AddNumberToObject(o, "count", (double)s->count);
        cJSON_AddNumberToObject(o, "value", s->sum);
        cJSON_AddNumberToObject(o, "rate", dt > 0 ? s->sum / dt : 0);
        break;
    case METRIC_GAUGE:
        cJSON_AddNumberToObject(o, "value", s->sum);
        cJSON_AddNumberToObject(o, "min", s->count ? s->min : s->sum);
        cJSON_AddNumberToObject(o, "max", s->count ? s->max : s->sum);
        break;
    case METRIC_RATE:
        cJSON_AddNumberToObject(o, "rate", s->count ? (double)s->nonzero / (double)s->count : 0);
        cJSON_AddNumberToObject(o, "passes", (double)s->nonzero);
        cJSON_AddNumberToObject(o, "fails", (double)(s->count - s->nonzero));
        break;
    case METRIC_TREND: {
        const lt_hist *h = s->hist;
        cJSON_AddNumberToObject(o, "count", h ? (double)hist_count(h) : 0);
        if (!h || hist_count(h) == 0) break;
        cJSON_AddNumberToObject(o, "min", hist_min(h));
        cJSON_AddNumberToObject(o, "avg", hist_mean(h));
        if (total)
            cJSON_AddNumberToObject(o, "med", hist_percentile(h, 50));
        else
            cJSON_AddNumberToObject(o, "p50", hist_percentile(h, 50));
        cJSON_AddNumberToObject(o, "p90", hist_percentile(h, 90));
        cJSON_AddNumberToObject(o, "p95", hist_percentile(h, 95));
        cJSON_AddNumberToObject(o, "p99", hist_percentile(h, 99));
        cJSON_AddNumberToObject(o, "max", hist_max(h));
        cJSON_AddNumberToObject(o, "sum", hist_sum(h));
        break;
    }
    }
}

static int nd_start(output *o, const output_run *run, char *err, size_t errlen) {
    nd *n = o->self;
    if (strcmp(n->path, "-") != 0 && output_path_check(n->path, err, errlen) != 0) return -1;
    if (!(n->sink = file_sink_open("lt-json", n->path, err, errlen))) return -1;
    n->nstatic = run->nstatic_tags;
    n->skeys = calloc((size_t)n->nstatic + 1, sizeof(char *));
    n->svals = calloc((size_t)n->nstatic + 1, sizeof(char *));
    for (int i = 0; i < n->nstatic; i++) {
        n->skeys[i] = strdup(run->static_keys[i]);
        n->svals[i] = strdup(run->static_vals[i]);
    }
    n->started = run->started_unix;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "type", "run");
    cJSON_AddStringToObject(j, "format", "lt-ndjson/1");
    cJSON_AddStringToObject(j, "script", run->script ? run->script : "");
    cJSON_AddNumberToObject(j, "started", round_to(run->started_unix, 1e-3));
    cJSON_AddNumberToObject(j, "time_scale", run->time_scale);
    cJSON_AddNumberToObject(j, "planned_duration", run->planned_duration);
    cJSON *tags = cJSON_AddObjectToObject(j, "tags");
    for (int i = 0; i < n->nstatic; i++) cJSON_AddStringToObject(tags, n->skeys[i], n->svals[i]);
    if (run->execution_segment)
        cJSON_AddStringToObject(j, "execution_segment", run->execution_segment);
    nd_write(n, j);
    cJSON_Delete(j);
    nd_flush(n);
    return 0;
}

static void nd_interval(output *o, double t_unix, double dt, const store *interval,
                        const store *total) {
    nd *n = o->self;
    size_t len = store_len(interval);
    double t = round_to(t_unix, 1e-3);
    n->last_t = t_unix;
    for (size_t i = 0; i < len; i++) {
        const series *s = store_at(interval, i);
        const metric_def *d = metric_get(s->metric);
        if (!d) continue;
        cJSON *j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "type", "point");
        cJSON_AddNumberToObject(j, "t", t);
        cJSON_AddNumberToObject(j, "dt", round_to(dt, 1e-6));
        cJSON_AddStringToObject(j, "metric", d->name);
        cJSON_AddStringToObject(j, "metric_type", metric_type_name(d->type));
        cJSON_AddItemToObject(j, "tags", tags_json(n, s->tags));
        add_values(j, d, s, dt, false);
        nd_write(n, j);
        cJSON_Delete(j);
    }
    nd_flush(n);
}

static void nd_stop(output *o, const store *total) {
    nd *n = o->self;
    double t = n->last_t > 0 ? n->last_t : lt_wall_now(); /* the end of the data */
    double dur = n->started > 0 && t > n->started ? t - n->started : 0;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "type", "end");
    cJSON_AddNumberToObject(j, "t", round_to(t, 1e-3));
    cJSON_AddNumberToObject(j, "duration_s", round_to(dur, 1e-3));
    cJSON *ms = cJSON_AddObjectToObject(j, "metrics");
    int nm = metric_count();
    for (int id = 0; id < nm; id++) {
        const metric_def *d = metric_get(id);
        series s;
        if (!d || store_select(total, id, 0, NULL, NULL, &s) <= 0) {
            if (d) series_release(&s);
            continue;
        }
        cJSON *m = cJSON_AddObjectToObject(ms, d->name);
        cJSON_AddStringToObject(m, "type", metric_type_name(d->type));
        add_values(m, d, &s, dur, true);
        series_release(&s);
    }
    nd_write(n, j);
    cJSON_Delete(j);
    file_sink_close(n->sink);
    n->sink = NULL;
}

static void nd_destroy(output *o) {
    if (!o) return;
    nd *n = o->self;
    if (n) {
        file_sink_destroy(n->sink); /* stopped before the end: keep what was at path */
        for (int i = 0; i < n->nstatic; i++) {
            free(n->skeys[i]);
            free(n->svals[i]);
        }
        free(n->skeys);
        free(n->svals);
        free(n->path);
        free(n);
    }
    free(o);
}

output *ndjson_create(const char *arg, char *err, size_t errlen) {
    if (!arg || !*arg) {
        snprintf(err, errlen,
                 "--out lt-json needs a file: --out lt-json=FILE (FILE.gz compresses)");
        return NULL;
    }
    if (strchr(arg, ',')) {
        /* k6 takes no options here either; refuse rather than create "x.json,raw". */
        snprintf(err, errlen,
                 "--out lt-json=%s: options are not supported (it writes per-interval "
                 "aggregates; --out json=FILE writes every sample)",
                 arg);
        return NULL;
    }
    output *o = calloc(1, sizeof *o);
    nd *n = calloc(1, sizeof *n);
    n->path = strdup(arg);
    o->name = "lt-json";
    o->self = n;
    o->start = nd_start;
    o->interval = nd_interval;
    o->stop = nd_stop;
    o->destroy = nd_destroy;
    return o;
}
