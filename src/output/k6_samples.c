/* k6_samples.c — k6's json and csv outputs: every sample, written by a thread of its own. */
#include "output/k6_samples.h"
#include "base/clock.h"
#include "base/utf8.h"
#include "metrics/samples.h"
#include "output/file_sink.h"
#include "plan/duration.h"
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Per-thread ring: 256k samples (6 MB) hold ~0.2 s of a worker at 100k requests/s with ~13
 * samples per request, ten times the writer's longest sleep. */
#define RING_SAMPLES   (256 * 1024)
#define WRITER_IDLE_NS (20 * 1000 * 1000) /* the writer's sleep when every ring was empty */
#define FLUSH_AT       (256 * 1024)       /* bytes buffered before they go to the file */

typedef enum {
    TF_UNIX,
    TF_UNIX_MILLI,
    TF_UNIX_MICRO,
    TF_UNIX_NANO,
    TF_RFC3339,
    TF_RFC3339_NANO
} time_fmt;
static const char *time_fmt_names[] = {"unix",      "unix_milli", "unix_micro",
                                       "unix_nano", "rfc3339",    "rfc3339_nano"};

/* The default system tags k6's csv output gives a column each, in its (sorted) order. */
static const char *csv_columns[] = {"check",       "error",   "error_code", "expected_response",
                                    "group",       "method",  "name",       "proto",
                                    "scenario",    "service", "status",     "subproto",
                                    "tls_version", "url"};
#define NCOLUMNS (sizeof csv_columns / sizeof csv_columns[0])

typedef struct {
    k6_samples_format fmt;
    time_fmt tf;
    char *path;
    file_sink *sink;
    char *buf;
    size_t len, cap;
    char **tag_text; /* per tag set id: its JSON object, or its csv columns (built once) */
    size_t ntag_text;
    bool *metric_seen; /* json: a Metric line was written */
    int nmetric_seen;
    int nstatic;
    char **skeys, **svals;
    int nthresholds;
    const threshold_def *thresholds; /* the plan's: alive for the whole run */
    bool started;
    uint64_t written, unwritable;
} k6s;

/* One writer thread for every json and csv output of the run: the rings are drained once and
 * each sample goes to each of them. */
#define MAX_WRITERS 8
static struct {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool running, stopping;
    int n;
    k6s *list[MAX_WRITERS];
} g_writer = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

/* ---- text building ---- */

static void put(k6s *k, const char *s, size_t n) {
    if (k->len + n > k->cap) {
        size_t cap = k->cap ? k->cap : FLUSH_AT * 2;
        while (cap < k->len + n) cap *= 2;
        char *b = realloc(k->buf, cap);
        if (!b) return;
        k->buf = b;
        k->cap = cap;
    }
    memcpy(k->buf + k->len, s, n);
    k->len += n;
}
static void puts_(k6s *k, const char *s) {
    put(k, s, strlen(s));
}

/* A JSON string (tag values are valid UTF-8: the tag interner repairs them). */
static void put_json_string(k6s *k, const char *s) {
    put(k, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        char esc[8];
        if (*p == '"' || *p == '\\') {
            esc[0] = '\\';
            esc[1] = (char)*p;
            put(k, esc, 2);
        } else if (*p < 0x20) {
            put(k, esc, (size_t)snprintf(esc, sizeof esc, "\\u%04x", *p));
        } else {
            put(k, (const char *)p, 1);
        }
    }
    put(k, "\"", 1);
}

/* A csv field as Go's encoding/csv (k6's writer) quotes it. */
static void put_csv_field(k6s *k, const char *s) {
    bool quote = s[0] == ' ' || s[0] == '\t' || strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) return puts_(k, s);
    put(k, "\"", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"') put(k, "\"", 1); /* a quote inside is doubled */
        put(k, p, 1);
    }
    put(k, "\"", 1);
}

/* The shortest decimal that reads back as v, as Go's encoder writes a float64. */
static int format_number(char *out, size_t cap, double v) {
    if (v == floor(v) && fabs(v) < 1e15) return snprintf(out, cap, "%.0f", v);
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(out, cap, "%.*g", prec, v);
        if (strtod(out, NULL) == v) break;
    }
    return n;
}

/* ---- tags ---- */

typedef struct {
    int n;
    const char *keys[TAGSET_MAX * 2];
    const char *vals[TAGSET_MAX * 2];
} tag_list;

static void insert_sorted(tag_list *out, const char *key, const char *val) {
    int at = out->n++; /* keep the list sorted by key, as k6 writes tags */
    for (; at > 0 && strcmp(out->keys[at - 1], key) > 0; at--) {
        out->keys[at] = out->keys[at - 1];
        out->vals[at] = out->vals[at - 1];
    }
    out->keys[at] = key;
    out->vals[at] = val;
}

static bool has_key(const tag_list *tl, const char *key) {
    for (int i = 0; i < tl->n; i++)
        if (strcmp(tl->keys[i], key) == 0) return true;
    return false;
}

/* k6 tags every sample its VU code takes with the group path, "" (the root group's) outside any
 * group (js/runner.go sets it when a VU starts an iteration; output/json writes empty values).
 * lt's VUs tag only samples inside a group; the rest of VU code's samples are those with a
 * scenario tag, except the ones lt takes outside VU code, which k6 does not tag with a group
 * either: dropped_iterations (the executor's), schedule_lag (the scheduler's), vus, vus_max. */
static bool is_vu_metric(int metric) {
    return metric != M_DROPPED_ITERATIONS && metric != M_SCHEDULE_LAG && metric != M_VUS &&
           metric != M_VUS_MAX;
}

/* The sample's tags and the run's --tag tags (a sample's own tag of the same name wins); with
 * root_group, group="" on a sample of VU code outside any group. */
static void tags_of(const k6s *k, uint32_t id, bool root_group, tag_list *out) {
    out->n = 0;
    const tagset *t = tagset_get(id);
    for (int i = 0; t && i < t->n; i++) {
        out->keys[out->n] = t->keys[i];
        out->vals[out->n++] = t->vals[i];
    }
    for (int i = 0; i < k->nstatic && out->n < TAGSET_MAX * 2; i++) {
        bool have = false;
        for (int j = 0; t && j < t->n && !have; j++) have = strcmp(t->keys[j], k->skeys[i]) == 0;
        if (have) continue;
        insert_sorted(out, k->skeys[i], k->svals[i]);
    }
    if (root_group && out->n < TAGSET_MAX * 2 && has_key(out, "scenario") && !has_key(out, "group"))
        insert_sorted(out, "group", "");
}

static char *take_text(k6s *k, size_t from) {
    char *s = malloc(k->len - from + 1);
    if (s) {
        memcpy(s, k->buf + from, k->len - from);
        s[k->len - from] = 0;
    }
    k->len = from;
    return s;
}

static char *json_tags(k6s *k, const tag_list *tl) {
    size_t from = k->len;
    put(k, "{", 1);
    for (int i = 0; i < tl->n; i++) {
        if (i) put(k, ",", 1);
        put_json_string(k, tl->keys[i]);
        put(k, ":", 1);
        put_json_string(k, tl->vals[i]);
    }
    put(k, "}", 1);
    return take_text(k, from);
}

static bool is_column(const char *key) {
    for (size_t c = 0; c < NCOLUMNS; c++)
        if (strcmp(key, csv_columns[c]) == 0) return true;
    return false;
}

/* ",check,error,...,url,extra_tags,metadata" for a tag set (metadata: lt records none). */
static char *csv_tags(k6s *k, const tag_list *tl) {
    size_t from = k->len;
    for (size_t c = 0; c < NCOLUMNS; c++) {
        put(k, ",", 1);
        for (int i = 0; i < tl->n; i++)
            if (strcmp(tl->keys[i], csv_columns[c]) == 0) put_csv_field(k, tl->vals[i]);
    }
    put(k, ",", 1);
    size_t extra_from = k->len;
    for (int i = 0; i < tl->n; i++) {
        if (is_column(tl->keys[i])) continue;
        if (k->len > extra_from) put(k, "&", 1);
        puts_(k, tl->keys[i]);
        put(k, "=", 1);
        puts_(k, tl->vals[i]);
    }
    if (k->len > extra_from) { /* the k=v&k=v text is one field: quote it when it must be */
        char *extra = take_text(k, extra_from);
        if (extra) put_csv_field(k, extra);
        free(extra);
    }
    put(k, ",", 1);
    return take_text(k, from);
}

/* The text of tag set id, without (variant 0) or with (1) the root group's group="". */
static const char *tag_text(k6s *k, uint32_t tags, bool root_group) {
    size_t id = (size_t)tags * 2 + root_group;
    if (id >= k->ntag_text) {
        size_t n = k->ntag_text ? k->ntag_text : 2048;
        while (n <= id) n *= 2;
        char **t = realloc(k->tag_text, n * sizeof *t);
        if (!t) return NULL;
        memset(t + k->ntag_text, 0, (n - k->ntag_text) * sizeof *t);
        k->tag_text = t;
        k->ntag_text = n;
    }
    if (!k->tag_text[id]) {
        tag_list tl;
        tags_of(k, tags, root_group, &tl);
        k->tag_text[id] = k->fmt == K6_SAMPLES_JSON ? json_tags(k, &tl) : csv_tags(k, &tl);
    }
    return k->tag_text[id];
}

/* ---- lines ---- */

static const char *contains(const metric_def *d) {
    return d->is_time ? "time" : d->is_data ? "data" : "default";
}

static void json_metric_line(k6s *k, const metric_def *d) {
    if (d->id >= k->nmetric_seen) {
        int n = k->nmetric_seen ? k->nmetric_seen : 64;
        while (n <= d->id) n *= 2;
        bool *s = realloc(k->metric_seen, (size_t)n * sizeof *s);
        if (!s) return;
        memset(s + k->nmetric_seen, 0, (size_t)(n - k->nmetric_seen) * sizeof *s);
        k->metric_seen = s;
        k->nmetric_seen = n;
    }
    if (k->metric_seen[d->id]) return;
    k->metric_seen[d->id] = true;
    puts_(k, "{\"type\":\"Metric\",\"data\":{\"name\":");
    put_json_string(k, d->name);
    puts_(k, ",\"type\":\"");
    puts_(k, metric_type_name(d->type));
    puts_(k, "\",\"contains\":\"");
    puts_(k, contains(d));
    puts_(k, "\",\"thresholds\":[");
    int listed = 0; /* the expressions on the metric itself; a sub-metric's are not its own */
    for (int i = 0; i < k->nthresholds; i++) {
        if (strcmp(k->thresholds[i].metric_src, d->name) != 0) continue;
        if (listed++) put(k, ",", 1);
        put_json_string(k, k->thresholds[i].expr_src);
    }
    puts_(k, "],\"submetrics\":null},\"metric\":");
    put_json_string(k, d->name);
    puts_(k, "}\n");
}

/* RFC 3339 in UTC with the fraction's trailing zeros dropped, as Go's time.RFC3339Nano; the
 * recorded time is good to about a microsecond, so `digits` beyond 6 are zeros. */
static void put_rfc3339(k6s *k, double unix_s, int digits) {
    time_t sec = (time_t)floor(unix_s);
    long usec = lround((unix_s - (double)sec) * 1e6);
    if (usec >= 1000000) sec++, usec -= 1000000;
    struct tm tm;
    gmtime_r(&sec, &tm);
    char b[64];
    size_t n = strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%S", &tm);
    if (digits > 0 && usec) {
        char frac[32];
        snprintf(frac, sizeof frac, "%06ld000", usec);
        int len = digits < 9 ? digits : 9;
        while (len > 0 && frac[len - 1] == '0') len--;
        if (len > 0) n += (size_t)snprintf(b + n, sizeof b - n, ".%.*s", len, frac);
    }
    snprintf(b + n, sizeof b - n, "Z");
    puts_(k, b);
}

static void csv_timestamp(k6s *k, double unix_s) {
    char b[40];
    switch (k->tf) {
    case TF_UNIX:
        snprintf(b, sizeof b, "%.0f", floor(unix_s));
        break;
    case TF_UNIX_MILLI:
        snprintf(b, sizeof b, "%.0f", floor(unix_s * 1e3));
        break;
    case TF_UNIX_MICRO:
        snprintf(b, sizeof b, "%.0f", floor(unix_s * 1e6));
        break;
    case TF_UNIX_NANO:
        snprintf(b, sizeof b, "%.0f", floor(unix_s * 1e6) * 1e3);
        break;
    case TF_RFC3339:
        return put_rfc3339(k, unix_s, 0);
    case TF_RFC3339_NANO:
        return put_rfc3339(k, unix_s, 9);
    }
    puts_(k, b);
}

static void write_sample(k6s *k, const raw_sample *s) {
    const metric_def *d = metric_get(s->metric);
    const char *tags =
        d && isfinite(s->value) ? tag_text(k, s->tags, is_vu_metric(s->metric)) : NULL;
    if (!tags) { /* NaN and infinities have no JSON form; k6 refuses them too */
        k->unwritable++;
        return;
    }
    char num[40];
    double t = samples_wall_time(s->t);
    if (k->fmt == K6_SAMPLES_JSON) {
        json_metric_line(k, d);
        puts_(k, "{\"metric\":");
        put_json_string(k, d->name);
        puts_(k, ",\"type\":\"Point\",\"data\":{\"time\":\"");
        put_rfc3339(k, t, 9);
        puts_(k, "\",\"value\":");
        put(k, num, (size_t)format_number(num, sizeof num, s->value));
        puts_(k, ",\"tags\":");
        puts_(k, tags);
        puts_(k, "}}\n");
    } else {
        put_csv_field(k, d->name);
        put(k, ",", 1);
        csv_timestamp(k, t);
        put(k, num, (size_t)snprintf(num, sizeof num, ",%f", s->value));
        puts_(k, tags);
        put(k, "\n", 1);
    }
    k->written++;
    if (k->len >= FLUSH_AT) {
        file_sink_write(k->sink, k->buf, k->len);
        k->len = 0;
    }
}

/* ---- the writer thread ---- */

static void write_to_all(const raw_sample *s, void *ctx) {
    (void)ctx;
    for (int i = 0; i < g_writer.n; i++) write_sample(g_writer.list[i], s);
}

static void flush_all(void) {
    for (int i = 0; i < g_writer.n; i++) {
        k6s *k = g_writer.list[i];
        file_sink_write(k->sink, k->buf, k->len);
        k->len = 0;
    }
}

static void *writer_main(void *arg) {
    (void)arg;
    for (;;) {
        pthread_mutex_lock(&g_writer.lock);
        bool stopping = g_writer.stopping;
        pthread_mutex_unlock(&g_writer.lock);
        if (samples_drain(write_to_all, NULL) > 0) continue;
        flush_all();
        if (stopping) break; /* every producer has ended: what was recorded is written */
        struct timespec until = lt_wall_deadline(WRITER_IDLE_NS * 1e-9);
        pthread_mutex_lock(&g_writer.lock);
        if (!g_writer.stopping) pthread_cond_timedwait(&g_writer.wake, &g_writer.lock, &until);
        pthread_mutex_unlock(&g_writer.lock);
    }
    return NULL;
}

/* Adds k to the writers (its header is written first), starting the thread for the first. */
static int writer_join(k6s *k) {
    pthread_mutex_lock(&g_writer.lock);
    int rc = 0;
    if (g_writer.n == MAX_WRITERS || g_writer.stopping) {
        rc = -1;
    } else {
        g_writer.list[g_writer.n++] = k;
        if (!g_writer.running) {
            rc = pthread_create(&g_writer.thread, NULL, writer_main, NULL) == 0 ? 0 : -1;
            g_writer.running = rc == 0;
        }
    }
    pthread_mutex_unlock(&g_writer.lock);
    return rc;
}

/* Stops the thread once every producer has ended, after it wrote everything recorded. */
static void writer_stop(void) {
    pthread_mutex_lock(&g_writer.lock);
    bool running = g_writer.running;
    g_writer.stopping = true;
    pthread_cond_signal(&g_writer.wake);
    pthread_mutex_unlock(&g_writer.lock);
    if (running) pthread_join(g_writer.thread, NULL);
    g_writer.running = false;
}

static int ks_start(output *o, const output_run *run, char *err, size_t errlen) {
    k6s *k = o->self;
    if (strcmp(k->path, "-") != 0 && output_path_check(k->path, err, errlen) != 0) return -1;
    if (!(k->sink = file_sink_open(o->name, k->path, err, errlen))) return -1;
    k->nthresholds = run->nthresholds;
    k->thresholds = run->thresholds;
    k->nstatic = run->nstatic_tags;
    k->skeys = calloc((size_t)k->nstatic + 1, sizeof(char *));
    k->svals = calloc((size_t)k->nstatic + 1, sizeof(char *));
    for (int i = 0; i < k->nstatic; i++) { /* --tag text as given: repaired to valid UTF-8 */
        k->skeys[i] = utf8_repair_dup(run->static_keys[i], strlen(run->static_keys[i]), NULL);
        k->svals[i] = utf8_repair_dup(run->static_vals[i], strlen(run->static_vals[i]), NULL);
    }
    if (k->fmt == K6_SAMPLES_CSV) {
        for (size_t c = 0; c < NCOLUMNS; c++) {
            puts_(k, c ? "," : "metric_name,timestamp,metric_value,");
            puts_(k, csv_columns[c]);
        }
        puts_(k, ",extra_tags,metadata\n");
    }
    const char *ring = getenv("LT_SAMPLES_RING"); /* tests: a small ring to show loss counting */
    samples_enable(ring && atol(ring) > 0 ? (size_t)atol(ring) : RING_SAMPLES);
    if (writer_join(k) != 0) {
        snprintf(err, errlen, "%s output: cannot start its writer (at most %d json/csv outputs)",
                 o->name, MAX_WRITERS);
        return -1;
    }
    k->started = true;
    return 0;
}

static void ks_interval(output *o, double t_unix, double dt, const store *interval,
                        const store *total) {
    (void)o, (void)t_unix, (void)dt, (void)interval, (void)total; /* the writer runs on its own */
}

static void ks_stop(output *o, const store *total) {
    (void)total;
    k6s *k = o->self;
    if (!k->started) return;
    k->started = false;
    writer_stop(); /* the first output's stop ends the thread; it has written for all */
    file_sink_write(k->sink, k->buf, k->len);
    k->len = 0;
    uint64_t lost = samples_lost();
    if (lost)
        fprintf(stderr,
                "lt: %s output: %llu samples lost (the writer fell behind the load; %llu written "
                "to %s)\n",
                o->name, (unsigned long long)lost, (unsigned long long)k->written, k->path);
    if (k->unwritable)
        fprintf(stderr, "lt: %s output: %llu samples not written (NaN or infinite values)\n",
                o->name, (unsigned long long)k->unwritable);
    file_sink_close(k->sink);
    k->sink = NULL;
}

static void ks_destroy(output *o) {
    if (!o) return;
    k6s *k = o->self;
    if (k->started) ks_stop(o, NULL);
    file_sink_destroy(k->sink);
    for (size_t i = 0; i < k->ntag_text; i++) free(k->tag_text[i]);
    free(k->tag_text);
    free(k->metric_seen);
    for (int i = 0; i < k->nstatic; i++) {
        free(k->skeys[i]);
        free(k->svals[i]);
    }
    free(k->skeys);
    free(k->svals);
    free(k->buf);
    free(k->path);
    free(k);
    free(o);
}

static int parse_time_format(const char *s, time_fmt *out) {
    for (size_t i = 0; i < sizeof time_fmt_names / sizeof *time_fmt_names; i++)
        if (strcmp(s, time_fmt_names[i]) == 0) return *out = (time_fmt)i, 0;
    return -1;
}

/* A save interval (K6_CSV_SAVE_INTERVAL, saveInterval=) must be a duration, as k6 wants; it
 * changes nothing here: k6 writes its buffer every interval, lt's writer drains continuously. */
static int check_save_interval(const char *what, const char *v, char *err, size_t errlen) {
    double secs;
    char e[160];
    if (duration_parse(v, &secs, e, sizeof e) == 0 && secs >= 0) return 0;
    snprintf(err, errlen, "--out csv: %s=%s: the save interval must be a duration such as 1s", what,
             v);
    return -1;
}

/* "FILE" or, as k6's csv output takes, "file=FILE,timeFormat=FMT" (also fileName=); then, as in
 * k6, K6_CSV_FILENAME when the argument names no file. */
static int parse_csv_arg(k6s *k, const char *arg, char *err, size_t errlen) {
    const char *env = getenv("K6_CSV_TIME_FORMAT");
    if (env && *env && parse_time_format(env, &k->tf) != 0)
        return snprintf(err, errlen,
                        "K6_CSV_TIME_FORMAT=%s: unknown time format (unix, "
                        "unix_milli, unix_micro, unix_nano, rfc3339, rfc3339_nano)",
                        env),
               -1;
    env = getenv("K6_CSV_SAVE_INTERVAL");
    if (env && *env && check_save_interval("K6_CSV_SAVE_INTERVAL", env, err, errlen) != 0)
        return -1;
    const char *fallback = getenv("K6_CSV_FILENAME");
    if (!*arg) {
        if (!fallback || !*fallback)
            return snprintf(err, errlen,
                            "--out csv needs a file: --out csv=FILE (FILE.gz compresses, - is "
                            "stdout), or K6_CSV_FILENAME=FILE"),
                   -1;
        return k->path = strdup(fallback), 0;
    }
    if (!strchr(arg, '=')) return k->path = strdup(arg), 0;
    char *copy = strdup(arg), *save = NULL;
    int rc = 0;
    for (char *kv = strtok_r(copy, ",", &save); kv && rc == 0; kv = strtok_r(NULL, ",", &save)) {
        char *v = strchr(kv, '=');
        if (!v) {
            rc = snprintf(err, errlen, "--out csv=%s: expected KEY=VALUE, got '%s'", arg, kv);
            break;
        }
        *v++ = 0;
        if (strcmp(kv, "file") == 0 || strcmp(kv, "fileName") == 0) {
            free(k->path);
            k->path = strdup(v);
        } else if (strcmp(kv, "timeFormat") == 0) {
            if (parse_time_format(v, &k->tf) != 0)
                rc = snprintf(err, errlen,
                              "--out csv: timeFormat=%s: unknown (unix, unix_milli, "
                              "unix_micro, unix_nano, rfc3339, rfc3339_nano)",
                              v);
        } else if (strcmp(kv, "saveInterval") == 0) {
            if (check_save_interval("saveInterval", v, err, errlen) != 0) rc = -1;
        } else {
            rc = snprintf(err, errlen,
                          "--out csv: unknown option '%s' (file, timeFormat, "
                          "saveInterval)",
                          kv);
        }
    }
    free(copy);
    if (rc == 0 && (!k->path || !*k->path) && fallback && *fallback) {
        free(k->path);
        k->path = strdup(fallback);
    }
    if (rc == 0 && (!k->path || !*k->path))
        rc = snprintf(err, errlen, "--out csv=%s: no file (file=FILE, or K6_CSV_FILENAME)", arg);
    return rc ? -1 : 0;
}

output *k6_samples_create(k6_samples_format fmt, const char *arg, char *err, size_t errlen) {
    const char *name = fmt == K6_SAMPLES_JSON ? "json" : "csv";
    if (!arg) arg = "";
    if (!*arg && fmt == K6_SAMPLES_JSON) {
        snprintf(err, errlen,
                 "--out %s needs a file: --out %s=FILE (FILE.gz compresses, - is stdout)", name,
                 name);
        return NULL;
    }
    k6s *k = calloc(1, sizeof *k);
    output *o = calloc(1, sizeof *o);
    if (!k || !o) {
        free(k);
        free(o);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    k->fmt = fmt;
    o->name = name;
    o->self = k;
    o->start = ks_start;
    o->interval = ks_interval;
    o->stop = ks_stop;
    o->destroy = ks_destroy;
    int rc = 0;
    if (fmt == K6_SAMPLES_CSV)
        rc = parse_csv_arg(k, arg, err, errlen);
    else if (strchr(arg, ','))
        rc = snprintf(err, errlen, "--out json=%s: options are not supported (k6 takes none)", arg);
    else
        k->path = strdup(arg);
    if (rc) {
        ks_destroy(o);
        return NULL;
    }
    return o;
}
