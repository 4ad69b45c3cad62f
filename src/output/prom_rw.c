/* prom_rw.c — `--out prometheus-rw[=URL]` (also `experimental-prometheus-rw`): Prometheus remote
 * write 1.0 — a protobuf WriteRequest, snappy block-compressed, POSTed with
 * `Content-Encoding: snappy`, `Content-Type: application/x-protobuf` and
 * `X-Prometheus-Remote-Write-Version: 0.1.0` — to any receiver (Prometheus with
 * --web.enable-remote-write-receiver, Mimir, Thanos receive, VictoriaMetrics, ...).
 *
 * Configuration (k6's variable names):
 *   URL                             after "=", else K6_PROMETHEUS_RW_SERVER_URL, else
 *                                   http://localhost:9090/api/v1/write (http only, no TLS yet)
 *   K6_PROMETHEUS_RW_PUSH_INTERVAL  duration, default 5s
 *   K6_PROMETHEUS_RW_TREND_STATS    comma-separated: avg,min,max,med,count,sum,p(N); default
 *                                   "p(99)", as k6
 *   K6_PROMETHEUS_RW_USERNAME, K6_PROMETHEUS_RW_PASSWORD   basic auth
 *   K6_PROMETHEUS_RW_HEADERS_<NAME>=VALUE                  an extra request header NAME
 *   LT_PROMETHEUS_RW_STOP_TIMEOUT   lt's: how long the end of the run waits for delivery (5s)
 *
 * Series, named as k6's output names them (so k6 dashboards work unchanged):
 *   counter  k6_<name>_total          cumulative sum since the start   (k6_http_reqs_total)
 *   gauge    k6_<name>                last value                       (k6_vus)
 *   rate     k6_<name>_rate           non-zero / all, since the start  (k6_http_req_failed_rate)
 *   trend    k6_<name>_<stat>         per stat, over every sample since the start; "p(99)" is
 *                                     p99, "p(99.9)" p999; avg min max med count sum
 *                                     (k6_http_req_duration_p99)
 * Time trends (lt keeps them in ms) are sent in SECONDS, as k6 does; count is a number of samples.
 * Every sample tag becomes a label (names outside [a-zA-Z_][a-zA-Z0-9_]* get '_' for each bad
 * character; a leading "__" is reserved by Prometheus and becomes "tag__"), and so does every
 * --tag KEY=VALUE (a sample's own tag wins over a --tag of the same name).
 *
 * What lt adds — windowed series. k6's trend stats are cumulative: after four minutes of load its
 * p99 moves by a fraction of a millisecond even if minute 4 was a disaster, so a dashboard cannot
 * show the spike. lt also pushes, for the same tag sets, the statistics of the samples taken
 * since the previous push (one push interval, exact — the per-interval histograms are merged):
 *   trend    k6_<name>_<stat>_window  e.g. k6_http_req_duration_p99_window (seconds)
 *   rate     k6_<name>_rate_window    e.g. k6_http_req_failed_rate_window
 * A window series has no point for a push interval in which its tag set had no samples.
 * Counters need no window series: use rate()/increase() on k6_<name>_total.
 *
 * The network never slows the load: interval() (main thread) only merges the interval's store,
 * and once per push interval converts to a snappy-compressed WriteRequest and enqueues it (at
 * most 64 pending; when full the oldest is dropped and counted, with one warning). A sender
 * thread with its own libevent event_base POSTs them in order with libevent's evhttp client,
 * retrying network errors, 5xx and 429 with exponential backoff (0.2 s doubling to 5 s); other
 * 4xx answers drop the batch with a warning (the receiver rejected the data). stop() enqueues
 * the final values and waits up to LT_PROMETHEUS_RW_STOP_TIMEOUT for delivery, then says how many
 * batches and samples were not delivered. All messages are on stderr, prefixed
 * "lt: prometheus-rw:".
 */
#include "output/prom_rw.h"
#include "plan/duration.h"
#include "remote.pb-c.h"
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <snappy-c.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#define QCAP             64
#define MAX_STATS        32
#define REQ_TIMEOUT_S    10
#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS   5000
#define WARN             "lt: prometheus-rw: "

typedef enum { ST_AVG, ST_MIN, ST_MAX, ST_MED, ST_COUNT, ST_SUM, ST_PCT } stat_kind;
typedef struct {
    stat_kind kind;
    double p;
    char suffix[24];
} trend_stat;

typedef struct {
    uint8_t *data; /* snappy-compressed WriteRequest */
    size_t len, raw_len, nsamples;
} batch;

typedef struct {
    /* configuration */
    char *url, *host, *path, *hosthdr, *auth;
    int port;
    double push_interval, stop_timeout;
    trend_stat stats[MAX_STATS];
    int nstats;
    int nheaders;
    char **hkeys, **hvals;
    int nstatic;
    char **skeys, **svals; /* sanitised label names */
    /* main thread */
    store *window;
    double last_push;
    int64_t last_ts;
    bool running;
    /* shared with the sender, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* to the sender: a batch, stopping or abort */
    pthread_cond_t idle; /* to stop(): queue drained */
    batch *q[QCAP];
    int qhead, qlen;
    bool busy; /* the sender holds a batch */
    bool stopping;
    atomic_bool abort;
    uint64_t sent_batches, sent_samples, sent_bytes, sent_raw_bytes;
    uint64_t dropped_batches, dropped_samples;   /* queue full */
    uint64_t rejected_batches, rejected_samples; /* 4xx */
    uint64_t lost_batches, lost_samples;         /* still pending when stop() gave up */
    uint64_t total_batches, total_samples;
    double latency_sum, latency_max;
    bool warned_drop, warned_net, warned_reject;
    char last_error[256];
    pthread_t thread;
} prw;

static double mono_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_now(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

/* ---- names ---- */

void prom_rw_sanitize_name(const char *in, char *out, size_t outlen) {
    if (outlen == 0) return;
    size_t j = 0;
    if (in[0] == '_' && in[1] == '_') {
        snprintf(out, outlen, "tag");
        j = strlen(out);
    } else if (in[0] >= '0' && in[0] <= '9' && j + 1 < outlen) {
        out[j++] = '_';
    }
    for (size_t i = 0; in[i] && j + 1 < outlen; i++) {
        char c = in[i];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        out[j++] = ok ? c : '_';
    }
    if (j == 0 && outlen > 1) out[j++] = '_';
    out[j] = '\0';
}

int prom_rw_stat_suffix(const char *stat, char *out, size_t outlen) {
    static const char *const plain[] = {"avg", "min", "max", "med", "count", "sum"};
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
        if (strcmp(stat, plain[i]) == 0) {
            snprintf(out, outlen, "%s", stat);
            return 0;
        }
    size_t l = strlen(stat);
    if (l < 4 || strncmp(stat, "p(", 2) != 0 || stat[l - 1] != ')') return -1;
    char num[32];
    if (l - 3 >= sizeof num) return -1;
    memcpy(num, stat + 2, l - 3);
    num[l - 3] = '\0';
    char *end;
    errno = 0;
    double p = strtod(num, &end);
    if (end == num || *end || errno || !(p >= 0 && p <= 100)) return -1;
    for (const char *c = num; *c; c++)
        if (!((*c >= '0' && *c <= '9') || *c == '.')) return -1;
    size_t j = 0;
    if (outlen < 2) return -1;
    out[j++] = 'p';
    for (const char *c = num; *c && j + 1 < outlen; c++)
        if (*c != '.') out[j++] = *c;
    out[j] = '\0';
    return 0;
}

static int parse_stats(prw *p, const char *list, char *err, size_t errlen) {
    char *dup = strdup(list), *save = NULL;
    p->nstats = 0;
    for (char *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        size_t l = strlen(tok);
        while (l && tok[l - 1] == ' ') tok[--l] = '\0';
        if (!l) continue;
        trend_stat st = {0};
        if (prom_rw_stat_suffix(tok, st.suffix, sizeof st.suffix) != 0) {
            snprintf(err, errlen,
                     "prometheus-rw: unknown trend stat '%s' in K6_PROMETHEUS_RW_TREND_STATS "
                     "(known: avg, min, max, med, count, sum, p(N))",
                     tok);
            free(dup);
            return -1;
        }
        if (strcmp(tok, "avg") == 0)
            st.kind = ST_AVG;
        else if (strcmp(tok, "min") == 0)
            st.kind = ST_MIN;
        else if (strcmp(tok, "max") == 0)
            st.kind = ST_MAX;
        else if (strcmp(tok, "med") == 0)
            st.kind = ST_MED;
        else if (strcmp(tok, "count") == 0)
            st.kind = ST_COUNT;
        else if (strcmp(tok, "sum") == 0)
            st.kind = ST_SUM;
        else {
            st.kind = ST_PCT;
            st.p = strtod(tok + 2, NULL);
        }
        bool dupl = false;
        for (int i = 0; i < p->nstats; i++) dupl |= strcmp(p->stats[i].suffix, st.suffix) == 0;
        if (dupl) continue;
        if (p->nstats == MAX_STATS) {
            snprintf(err, errlen, "prometheus-rw: more than %d trend stats", MAX_STATS);
            free(dup);
            return -1;
        }
        p->stats[p->nstats++] = st;
    }
    free(dup);
    if (p->nstats == 0) {
        snprintf(err, errlen, "prometheus-rw: K6_PROMETHEUS_RW_TREND_STATS names no stat");
        return -1;
    }
    return 0;
}

static double stat_value(const trend_stat *st, const lt_hist *h, double scale) {
    switch (st->kind) {
    case ST_AVG:
        return hist_mean(h) * scale;
    case ST_MIN:
        return hist_min(h) * scale;
    case ST_MAX:
        return hist_max(h) * scale;
    case ST_MED:
        return hist_percentile(h, 50) * scale;
    case ST_COUNT:
        return (double)hist_count(h);
    case ST_SUM:
        return hist_sum(h) * scale;
    case ST_PCT:
        return hist_percentile(h, st->p) * scale;
    }
    return 0;
}

/* ---- building a WriteRequest (main thread) ---- */

typedef struct chunk {
    struct chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char mem[];
} chunk;

typedef struct {
    chunk *arena;
    Prometheus__TimeSeries **ts;
    size_t nts, cap;
} builder;

static void *arena_alloc(builder *b, size_t n) {
    n = (n + 15) & ~(size_t)15;
    if (!b->arena || b->arena->used + n > b->arena->cap) {
        size_t cap = n > 65536 ? n : 65536;
        chunk *c = malloc(sizeof(chunk) + cap);
        if (!c) abort();
        c->next = b->arena;
        c->used = 0;
        c->cap = cap;
        b->arena = c;
    }
    void *r = b->arena->mem + b->arena->used;
    b->arena->used += n;
    return r;
}

static char *arena_str(builder *b, const char *s) {
    size_t l = strlen(s) + 1;
    char *r = arena_alloc(b, l);
    memcpy(r, s, l);
    return r;
}

static void builder_free(builder *b) {
    while (b->arena) {
        chunk *n = b->arena->next;
        free(b->arena);
        b->arena = n;
    }
    free(b->ts);
}

/* The labels of one tag set, sorted by name, without __name__. */
typedef struct {
    Prometheus__Label **l;
    int n;
    int name_at; /* where __name__ goes to keep the order */
} labelset;

static int label_cmp(const void *a, const void *b) {
    const Prometheus__Label *x = *(Prometheus__Label *const *)a;
    const Prometheus__Label *y = *(Prometheus__Label *const *)b;
    return strcmp(x->name, y->name);
}

static labelset make_labels(builder *b, const prw *p, uint32_t tags) {
    const tagset *t = tagset_get(tags);
    int max = (t ? t->n : 0) + p->nstatic;
    labelset ls = {arena_alloc(b, sizeof(Prometheus__Label *) * (size_t)(max + 1)), 0, 0};
    char name[256];
    for (int i = 0; t && i < t->n; i++) {
        if (!t->vals[i][0]) continue;
        prom_rw_sanitize_name(t->keys[i], name, sizeof name);
        Prometheus__Label *l = arena_alloc(b, sizeof *l);
        prometheus__label__init(l);
        l->name = arena_str(b, name);
        l->value = (char *)t->vals[i]; /* interned, lives for the run */
        ls.l[ls.n++] = l;
    }
    for (int i = 0; i < p->nstatic; i++) {
        if (!p->svals[i][0]) continue;
        Prometheus__Label *l = arena_alloc(b, sizeof *l);
        prometheus__label__init(l);
        l->name = p->skeys[i];
        l->value = p->svals[i];
        ls.l[ls.n++] = l;
    }
    /* stable sort keeps a sample's own tag first among equal names: the one kept */
    for (int i = 1; i < ls.n; i++)
        for (int j = i; j > 0 && label_cmp(&ls.l[j - 1], &ls.l[j]) > 0; j--) {
            Prometheus__Label *x = ls.l[j];
            ls.l[j] = ls.l[j - 1];
            ls.l[j - 1] = x;
        }
    int k = 0;
    for (int i = 0; i < ls.n; i++)
        if (k == 0 || strcmp(ls.l[k - 1]->name, ls.l[i]->name) != 0) ls.l[k++] = ls.l[i];
    ls.n = k;
    while (ls.name_at < ls.n && strcmp(ls.l[ls.name_at]->name, "__name__") < 0) ls.name_at++;
    if (ls.name_at < ls.n && strcmp(ls.l[ls.name_at]->name, "__name__") == 0) {
        /* cannot happen after sanitising ("__" becomes "tag__"), but never send it twice */
        memmove(&ls.l[ls.name_at], &ls.l[ls.name_at + 1],
                sizeof(ls.l[0]) * (size_t)(ls.n - ls.name_at - 1));
        ls.n--;
    }
    return ls;
}

static void add_ts(builder *b, const labelset *ls, const char *metric, const char *suffix,
                   double value, int64_t ts_ms) {
    if (isnan(value)) return;
    Prometheus__TimeSeries *t = arena_alloc(b, sizeof *t);
    prometheus__time_series__init(t);
    Prometheus__Label *name = arena_alloc(b, sizeof *name);
    prometheus__label__init(name);
    char buf[512];
    char san[300];
    prom_rw_sanitize_name(metric, san, sizeof san);
    snprintf(buf, sizeof buf, "k6_%s%s", san, suffix);
    name->name = "__name__";
    name->value = arena_str(b, buf);
    t->n_labels = (size_t)ls->n + 1;
    t->labels = arena_alloc(b, sizeof(Prometheus__Label *) * t->n_labels);
    memcpy(t->labels, ls->l, sizeof(ls->l[0]) * (size_t)ls->name_at);
    t->labels[ls->name_at] = name;
    memcpy(t->labels + ls->name_at + 1, ls->l + ls->name_at,
           sizeof(ls->l[0]) * (size_t)(ls->n - ls->name_at));
    Prometheus__Sample *s = arena_alloc(b, sizeof *s);
    prometheus__sample__init(s);
    s->value = value;
    s->timestamp = ts_ms;
    t->n_samples = 1;
    t->samples = arena_alloc(b, sizeof(Prometheus__Sample *));
    t->samples[0] = s;
    if (b->nts == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 256;
        b->ts = realloc(b->ts, b->cap * sizeof(b->ts[0]));
        if (!b->ts) abort();
    }
    b->ts[b->nts++] = t;
}

/* One WriteRequest: cumulative values from `total`, windowed ones from `window`. */
static batch *build_batch(const prw *p, const store *total, const store *window, int64_t ts_ms) {
    builder b = {0};
    char sfx[64];
    size_t n = store_len(total);
    for (size_t i = 0; i < n; i++) {
        const series *s = store_at(total, i);
        const metric_def *d = metric_get(s->metric);
        if (!d) continue;
        labelset ls = make_labels(&b, p, s->tags);
        const series *w = window ? store_find(window, s->metric, s->tags) : NULL;
        double scale = d->is_time ? 1e-3 : 1.0;
        switch (d->type) {
        case METRIC_COUNTER:
            add_ts(&b, &ls, d->name, "_total", s->sum, ts_ms);
            break;
        case METRIC_GAUGE:
            add_ts(&b, &ls, d->name, "", s->sum, ts_ms);
            break;
        case METRIC_RATE:
            if (s->count)
                add_ts(&b, &ls, d->name, "_rate", (double)s->nonzero / (double)s->count, ts_ms);
            if (w && w->count)
                add_ts(&b, &ls, d->name, "_rate_window", (double)w->nonzero / (double)w->count,
                       ts_ms);
            break;
        case METRIC_TREND:
            if (!s->hist || hist_count(s->hist) == 0) break;
            for (int k = 0; k < p->nstats; k++) {
                snprintf(sfx, sizeof sfx, "_%s", p->stats[k].suffix);
                add_ts(&b, &ls, d->name, sfx, stat_value(&p->stats[k], s->hist, scale), ts_ms);
            }
            if (w && w->hist && hist_count(w->hist) > 0)
                for (int k = 0; k < p->nstats; k++) {
                    snprintf(sfx, sizeof sfx, "_%s_window", p->stats[k].suffix);
                    add_ts(&b, &ls, d->name, sfx, stat_value(&p->stats[k], w->hist, scale), ts_ms);
                }
            break;
        }
    }
    Prometheus__WriteRequest wr;
    prometheus__write_request__init(&wr);
    wr.n_timeseries = b.nts;
    wr.timeseries = b.ts;
    size_t raw_len = prometheus__write_request__get_packed_size(&wr);
    uint8_t *raw = malloc(raw_len ? raw_len : 1);
    batch *out = calloc(1, sizeof *out);
    size_t clen = snappy_max_compressed_length(raw_len);
    out->data = malloc(clen ? clen : 1);
    if (!raw || !out->data) abort();
    prometheus__write_request__pack(&wr, raw);
    if (snappy_compress((const char *)raw, raw_len, (char *)out->data, &clen) != SNAPPY_OK)
        abort(); /* only on a too-small buffer, which max_compressed_length rules out */
    out->len = clen;
    out->raw_len = raw_len;
    out->nsamples = b.nts;
    free(raw);
    builder_free(&b);
    return out;
}

static void batch_free(batch *b) {
    if (b) {
        free(b->data);
        free(b);
    }
}

static void enqueue(prw *p, batch *b) {
    bool warn = false;
    uint64_t nsamples = 0;
    pthread_mutex_lock(&p->mu);
    p->total_batches++;
    p->total_samples += b->nsamples;
    if (p->qlen == QCAP) {
        batch *old = p->q[p->qhead];
        p->qhead = (p->qhead + 1) % QCAP;
        p->qlen--;
        p->dropped_batches++;
        p->dropped_samples += old->nsamples;
        nsamples = old->nsamples;
        batch_free(old);
        warn = !p->warned_drop;
        p->warned_drop = true;
    }
    p->q[(p->qhead + p->qlen) % QCAP] = b;
    p->qlen++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (warn)
        fprintf(stderr,
                WARN "%d batches wait for %s; dropping the oldest (%llu samples); further "
                     "drops are counted and reported at the end\n",
                QCAP, p->url, (unsigned long long)nsamples);
}

/* ---- the sender thread ---- */

typedef struct {
    struct event_base *base;
    struct evhttp_connection *conn;
    struct event *tick;
} sender;

typedef struct {
    bool done;
    int status;
    int errkind; /* -1 none, else enum evhttp_request_error */
    char body[160];
} req_ctx;

static void on_error(enum evhttp_request_error e, void *arg) {
    req_ctx *c = arg;
    c->errkind = (int)e;
}

static void on_done(struct evhttp_request *req, void *arg) {
    req_ctx *c = arg;
    c->done = true;
    c->status = req ? evhttp_request_get_response_code(req) : 0;
    if (req && c->status && (c->status < 200 || c->status > 299)) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        ev_ssize_t n = evbuffer_copyout(in, c->body, sizeof c->body - 1);
        c->body[n > 0 ? n : 0] = '\0';
        for (char *s = c->body; *s; s++)
            if (*s == '\n' || *s == '\r') *s = ' ';
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {}

/* libevent 2.1 reports no reason for a failed connect (refused, unreachable, name unknown): only
 * a timeout is told apart. */
static const char *errkind_str(int e) {
    switch (e) {
    case EVREQ_HTTP_TIMEOUT:
        return "no answer within 10 s";
    case EVREQ_HTTP_INVALID_HEADER:
        return "invalid HTTP response";
    default:
        return "cannot connect, or the connection closed without an answer";
    }
}

/* One POST. Returns the HTTP status, 0 on a network error (message in err), -1 when aborted. */
static int post_once(prw *p, sender *s, const batch *b, char *err, size_t errlen) {
    if (!s->conn) {
        s->conn = evhttp_connection_base_new(s->base, NULL, p->host, (ev_uint16_t)p->port);
        if (!s->conn) {
            snprintf(err, errlen, "cannot create a connection to %s:%d", p->host, p->port);
            return 0;
        }
        evhttp_connection_set_timeout(s->conn, REQ_TIMEOUT_S);
        evhttp_connection_set_retries(s->conn, 0);
    }
    /* let the connection notice a close by the server while it was idle */
    event_base_loop(s->base, EVLOOP_NONBLOCK);
    req_ctx c = {.errkind = -1};
    struct evhttp_request *req = evhttp_request_new(on_done, &c);
    if (!req) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    evhttp_request_set_error_cb(req, on_error);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", p->hosthdr);
    evhttp_add_header(h, "User-Agent", "lt");
    evhttp_add_header(h, "Content-Encoding", "snappy");
    evhttp_add_header(h, "Content-Type", "application/x-protobuf");
    evhttp_add_header(h, "X-Prometheus-Remote-Write-Version", "0.1.0");
    if (p->auth) evhttp_add_header(h, "Authorization", p->auth);
    for (int i = 0; i < p->nheaders; i++) evhttp_add_header(h, p->hkeys[i], p->hvals[i]);
    evbuffer_add(evhttp_request_get_output_buffer(req), b->data, b->len);
    if (evhttp_make_request(s->conn, req, EVHTTP_REQ_POST, p->path) != 0) {
        /* the request is freed on failure */
        snprintf(err, errlen, "cannot send the request");
        evhttp_connection_free(s->conn);
        s->conn = NULL;
        return 0;
    }
    struct timeval tv = {0, 50000};
    event_add(s->tick, &tv);
    while (!c.done) {
        if (atomic_load(&p->abort)) {
            evhttp_cancel_request(req);
            event_del(s->tick);
            evhttp_connection_free(s->conn);
            s->conn = NULL;
            return -1;
        }
        event_base_loop(s->base, EVLOOP_ONCE);
    }
    event_del(s->tick);
    if (c.status == 0) {
        snprintf(err, errlen, "%s", errkind_str(c.errkind));
        evhttp_connection_free(s->conn);
        s->conn = NULL;
    } else if (c.status < 200 || c.status > 299) {
        snprintf(err, errlen, "HTTP %d: %s", c.status, c.body);
    }
    return c.status;
}

static struct timespec realtime_in(int ms) {
    struct timespec t;
    clock_gettime(CLOCK_REALTIME, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    return t;
}

/* Waits up to ms, or until abort; when stop() begins meanwhile, at most 500 ms from then (the
 * final batch should not wait out a long backoff). Returns false on abort. Called with mu held. */
static bool backoff_wait(prw *p, int ms) {
    struct timespec dl = realtime_in(ms);
    bool was_stopping = p->stopping;
    while (!atomic_load(&p->abort)) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT) break;
        if (p->stopping && !was_stopping) {
            was_stopping = true;
            struct timespec soon = realtime_in(500);
            if (soon.tv_sec < dl.tv_sec || (soon.tv_sec == dl.tv_sec && soon.tv_nsec < dl.tv_nsec))
                dl = soon;
        }
    }
    return !atomic_load(&p->abort);
}

static void *sender_main(void *arg) {
    prw *p = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* a write to a closed socket returns EPIPE */
    sender s = {0};
    s.base = event_base_new();
    s.tick = s.base ? event_new(s.base, -1, EV_PERSIST, on_tick, NULL) : NULL;
    char err[256];
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->qlen == 0 && !p->stopping && !atomic_load(&p->abort))
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->qlen == 0 || atomic_load(&p->abort)) break;
        batch *b = p->q[p->qhead];
        p->qhead = (p->qhead + 1) % QCAP;
        p->qlen--;
        p->busy = true;
        int backoff = BACKOFF_FIRST_MS;
        bool delivered = false, aborted = false;
        for (;;) {
            pthread_mutex_unlock(&p->mu);
            double t0 = mono_now();
            int st = s.tick ? post_once(p, &s, b, err, sizeof err) : 0;
            if (!s.tick) snprintf(err, sizeof err, "cannot create an event loop");
            double lat = mono_now() - t0;
            pthread_mutex_lock(&p->mu);
            if (st < 0) {
                aborted = true;
                break;
            }
            if (st >= 200 && st <= 299) {
                delivered = true;
                p->sent_batches++;
                p->sent_samples += b->nsamples;
                p->sent_bytes += b->len;
                p->sent_raw_bytes += b->raw_len;
                p->latency_sum += lat;
                if (lat > p->latency_max) p->latency_max = lat;
                break;
            }
            snprintf(p->last_error, sizeof p->last_error, "%s", err);
            if (st >= 400 && st <= 499 && st != 429) {
                p->rejected_batches++;
                p->rejected_samples += b->nsamples;
                if (!p->warned_reject) {
                    p->warned_reject = true;
                    fprintf(stderr,
                            WARN "%s rejected %zu samples (%s); further rejections are "
                                 "counted and reported at the end\n",
                            p->url, b->nsamples, err);
                }
                break;
            }
            if (!p->warned_net) {
                p->warned_net = true;
                fprintf(stderr,
                        WARN "cannot push to %s: %s; retrying with backoff (the load goes "
                             "on; undelivered data is reported at the end)\n",
                        p->url, err);
            }
            int wait = p->stopping && backoff > 500 ? 500 : backoff;
            if (!backoff_wait(p, wait)) {
                aborted = true;
                break;
            }
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        }
        if (aborted) {
            p->lost_batches++;
            p->lost_samples += b->nsamples;
        }
        (void)delivered;
        batch_free(b);
        p->busy = false;
        pthread_cond_broadcast(&p->idle);
        if (aborted) break;
    }
    /* whatever is still queued is not delivered */
    while (p->qlen > 0) {
        batch *b = p->q[p->qhead];
        p->qhead = (p->qhead + 1) % QCAP;
        p->qlen--;
        p->lost_batches++;
        p->lost_samples += b->nsamples;
        batch_free(b);
    }
    pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
    if (s.conn) evhttp_connection_free(s.conn);
    if (s.tick) event_free(s.tick);
    if (s.base) event_base_free(s.base);
    return NULL;
}

/* ---- the output interface ---- */

static int64_t next_ts(prw *p, double t_unix) {
    int64_t ts = (int64_t)llround(t_unix * 1000.0);
    if (ts <= p->last_ts)
        ts = p->last_ts + 1; /* one value per series and millisecond: never a duplicate */
    p->last_ts = ts;
    return ts;
}

static int prw_start(output *o, const output_run *run, char *err, size_t errlen) {
    prw *p = o->self;
    p->nstatic = run->nstatic_tags;
    p->skeys = calloc((size_t)p->nstatic + 1, sizeof(char *));
    p->svals = calloc((size_t)p->nstatic + 1, sizeof(char *));
    for (int i = 0; i < p->nstatic; i++) {
        char name[256];
        prom_rw_sanitize_name(run->static_keys[i], name, sizeof name);
        p->skeys[i] = strdup(name);
        p->svals[i] = strdup(run->static_vals[i]);
    }
    p->window = store_new();
    p->last_push = run->started_unix > 0 ? run->started_unix : wall_now();
    int rc = pthread_create(&p->thread, NULL, sender_main, p);
    if (rc != 0) {
        snprintf(err, errlen, "prometheus-rw: cannot start the sender thread: %s", strerror(rc));
        return -1;
    }
    p->running = true;
    return 0;
}

static void prw_interval(output *o, double t_unix, double dt, const store *interval,
                         const store *total) {
    prw *p = o->self;
    if (!p->running) return;
    store_merge(p->window, interval);
    /* a quarter of a tick of slack, so 5 ticks of ~1 s make one 5 s push despite jitter */
    if (t_unix - p->last_push < p->push_interval - 0.25 * (dt > 0 ? dt : 1)) return;
    p->last_push = t_unix;
    batch *b = build_batch(p, total, p->window, next_ts(p, t_unix));
    store_clear(p->window);
    enqueue(p, b);
}

static void prw_stop(output *o, const store *total) {
    prw *p = o->self;
    if (!p->running) return;
    p->running = false;
    enqueue(p, build_batch(p, total, store_empty(p->window) ? NULL : p->window,
                           next_ts(p, wall_now())));
    store_clear(p->window);
    double deadline = mono_now() + p->stop_timeout;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    while ((p->qlen > 0 || p->busy) && mono_now() < deadline) {
        struct timespec ts = realtime_in(50);
        pthread_cond_timedwait(&p->idle, &p->mu, &ts);
    }
    atomic_store(&p->abort, true);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    /* the sender notices abort within 50 ms; a name lookup stuck in the resolver is not waited
     * for beyond a second more (the thread is then left behind, its memory with it) */
    struct timespec jt = realtime_in(1000);
    if (pthread_timedjoin_np(p->thread, NULL, &jt) != 0) {
        pthread_detach(p->thread);
        fprintf(stderr, WARN "the sender did not stop in time; %llu batches not delivered\n",
                (unsigned long long)(p->total_batches - p->sent_batches));
        o->self = NULL; /* leaked on purpose: the thread may still use it */
        return;
    }
    uint64_t lost = p->lost_batches + p->dropped_batches + p->rejected_batches;
    if (lost) {
        fprintf(stderr, WARN "%llu of %llu batches (%llu of %llu samples) were not delivered to %s",
                (unsigned long long)lost, (unsigned long long)p->total_batches,
                (unsigned long long)(p->lost_samples + p->dropped_samples + p->rejected_samples),
                (unsigned long long)p->total_samples, p->url);
        if (p->lost_batches)
            fprintf(stderr, "; %llu still pending after waiting %gs",
                    (unsigned long long)p->lost_batches, p->stop_timeout);
        if (p->dropped_batches)
            fprintf(stderr, "; %llu dropped while the queue was full",
                    (unsigned long long)p->dropped_batches);
        if (p->rejected_batches)
            fprintf(stderr, "; %llu rejected by the receiver",
                    (unsigned long long)p->rejected_batches);
        fprintf(stderr, "; last error: %s\n", p->last_error[0] ? p->last_error : "none");
    }
    const char *v = getenv("LT_PROMETHEUS_RW_VERBOSE");
    if (v && *v && strcmp(v, "0") != 0 && p->sent_batches)
        fprintf(stderr,
                WARN "delivered %llu batches, %llu samples, %llu bytes (snappy; %llu raw, %.0f "
                     "per batch); push latency avg %.2f ms, max %.2f ms\n",
                (unsigned long long)p->sent_batches, (unsigned long long)p->sent_samples,
                (unsigned long long)p->sent_bytes, (unsigned long long)p->sent_raw_bytes,
                (double)p->sent_bytes / (double)p->sent_batches,
                p->latency_sum / (double)p->sent_batches * 1e3, p->latency_max * 1e3);
}

static void free_strv(char **v, int n) {
    for (int i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

static void prw_free(prw *p) {
    if (!p) return;
    for (int i = 0; i < p->qlen; i++) batch_free(p->q[(p->qhead + i) % QCAP]);
    store_free(p->window);
    free(p->url);
    free(p->host);
    free(p->path);
    free(p->hosthdr);
    free(p->auth);
    free_strv(p->hkeys, p->nheaders);
    free_strv(p->hvals, p->nheaders);
    free_strv(p->skeys, p->nstatic);
    free_strv(p->svals, p->nstatic);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    pthread_cond_destroy(&p->idle);
    free(p);
}

static void prw_destroy(output *o) {
    if (!o) return;
    prw *p = o->self;
    if (p && p->running) {
        /* destroyed without stop(): end the sender without waiting */
        p->running = false;
        pthread_mutex_lock(&p->mu);
        p->stopping = true;
        atomic_store(&p->abort, true);
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        pthread_join(p->thread, NULL);
    }
    prw_free(p);
    free(o);
}

static char *base64(const char *in) {
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), j = 0;
    char *out = malloc(4 * ((n + 2) / 3) + 1);
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n) v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)in[i + 2];
        out[j++] = tab[(v >> 18) & 63];
        out[j++] = tab[(v >> 12) & 63];
        out[j++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[j++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[j] = '\0';
    return out;
}

static int parse_url(prw *p, const char *url, char *err, size_t errlen) {
    struct evhttp_uri *u = evhttp_uri_parse(url);
    if (!u) {
        snprintf(err, errlen, "prometheus-rw: malformed URL '%s'", url);
        return -1;
    }
    const char *scheme = evhttp_uri_get_scheme(u), *host = evhttp_uri_get_host(u);
    int rc = -1;
    if (!scheme || strcasecmp(scheme, "http") != 0) {
        snprintf(err, errlen,
                 "prometheus-rw: URL '%s': only http:// is supported (for TLS, put a local "
                 "proxy in front of the receiver)",
                 url);
    } else if (!host || !*host) {
        snprintf(err, errlen, "prometheus-rw: URL '%s' has no host", url);
    } else {
        int port = evhttp_uri_get_port(u);
        p->port = port > 0 ? port : 80;
        /* evhttp_uri keeps IPv6 hosts without brackets */
        p->host = strdup(host);
        char hh[300];
        bool v6 = strchr(host, ':') != NULL;
        if (port > 0)
            snprintf(hh, sizeof hh, v6 ? "[%s]:%d" : "%s:%d", host, port);
        else
            snprintf(hh, sizeof hh, v6 ? "[%s]" : "%s", host);
        p->hosthdr = strdup(hh);
        const char *path = evhttp_uri_get_path(u), *query = evhttp_uri_get_query(u);
        size_t l = (path ? strlen(path) : 0) + (query ? strlen(query) : 0) + 3;
        p->path = malloc(l);
        snprintf(p->path, l, "%s%s%s", path && *path ? path : "/", query ? "?" : "",
                 query ? query : "");
        rc = 0;
    }
    evhttp_uri_free(u);
    return rc;
}

extern char **environ;

output *prom_rw_create(const char *url, char *err, size_t errlen) {
    prw *p = calloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_cond_init(&p->idle, NULL);
    atomic_init(&p->abort, false);
    const char *env = getenv("K6_PROMETHEUS_RW_SERVER_URL");
    if (!url || !*url) url = env && *env ? env : "http://localhost:9090/api/v1/write";
    p->url = strdup(url);
    if (parse_url(p, url, err, errlen) != 0) goto fail;
    p->push_interval = 5;
    env = getenv("K6_PROMETHEUS_RW_PUSH_INTERVAL");
    if (env && *env) {
        char e[200];
        if (duration_parse(env, &p->push_interval, e, sizeof e) != 0 || p->push_interval <= 0) {
            snprintf(err, errlen, "prometheus-rw: K6_PROMETHEUS_RW_PUSH_INTERVAL='%s': %s", env,
                     p->push_interval <= 0 ? "must be positive" : e);
            goto fail;
        }
    }
    p->stop_timeout = 5;
    env = getenv("LT_PROMETHEUS_RW_STOP_TIMEOUT");
    if (env && *env) {
        char e[200];
        if (duration_parse(env, &p->stop_timeout, e, sizeof e) != 0) {
            snprintf(err, errlen, "prometheus-rw: LT_PROMETHEUS_RW_STOP_TIMEOUT='%s': %s", env, e);
            goto fail;
        }
    }
    env = getenv("K6_PROMETHEUS_RW_TREND_STATS");
    if (parse_stats(p, env && *env ? env : "p(99)", err, errlen) != 0) goto fail;
    const char *user = getenv("K6_PROMETHEUS_RW_USERNAME");
    const char *pass = getenv("K6_PROMETHEUS_RW_PASSWORD");
    if ((user && *user) || (pass && *pass)) {
        size_t l = strlen(user ? user : "") + strlen(pass ? pass : "") + 2;
        char *up = malloc(l);
        snprintf(up, l, "%s:%s", user ? user : "", pass ? pass : "");
        char *b64 = base64(up);
        size_t al = strlen(b64) + 7;
        p->auth = malloc(al);
        snprintf(p->auth, al, "Basic %s", b64);
        free(b64);
        free(up);
    }
    static const char hp[] = "K6_PROMETHEUS_RW_HEADERS_";
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (strncmp(*e, hp, sizeof hp - 1) != 0 || !eq || eq == *e + sizeof hp - 1) continue;
        p->hkeys = realloc(p->hkeys, sizeof(char *) * (size_t)(p->nheaders + 1));
        p->hvals = realloc(p->hvals, sizeof(char *) * (size_t)(p->nheaders + 1));
        p->hkeys[p->nheaders] = strndup(*e + sizeof hp - 1, (size_t)(eq - *e) - (sizeof hp - 1));
        p->hvals[p->nheaders] = strdup(eq + 1);
        p->nheaders++;
    }
    output *o = calloc(1, sizeof *o);
    o->name = "prometheus-rw";
    o->self = p;
    o->start = prw_start;
    o->interval = prw_interval;
    o->stop = prw_stop;
    o->destroy = prw_destroy;
    return o;
fail:
    prw_free(p);
    return NULL;
}
