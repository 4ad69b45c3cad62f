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
 *
 * Files: this one has the output interface (start, interval, stop, destroy) and the
 * configuration; prom_rw_encode.c builds the WriteRequests, prom_rw_send.c queues and delivers
 * them; prom_rw_internal.h has the structs they share.
 */
#include "output/prom_rw.h"
#include "output/prom_rw_internal.h"
#include "plan/duration.h"
#include <event2/http.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

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
    p->last_push = run->started_unix > 0 ? run->started_unix : lt_wall_now();
    int rc = pthread_create(&p->thread, NULL, prw_sender_main, p);
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
    batch *b = prw_build_batch(p, total, p->window, next_ts(p, t_unix));
    store_clear(p->window);
    prw_enqueue(p, b);
}

static void prw_stop(output *o, const store *total) {
    prw *p = o->self;
    if (!p->running) return;
    p->running = false;
    prw_enqueue(p, prw_build_batch(p, total, store_empty(p->window) ? NULL : p->window,
                                   next_ts(p, lt_wall_now())));
    store_clear(p->window);
    double deadline = lt_now() + p->stop_timeout;
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    pthread_cond_broadcast(&p->cv);
    while ((p->qlen > 0 || p->busy) && lt_now() < deadline) {
        struct timespec ts = lt_wall_deadline(0.05);
        pthread_cond_timedwait(&p->idle, &p->mu, &ts);
    }
    atomic_store(&p->abort, true);
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    /* the sender notices abort within 50 ms; a name lookup stuck in the resolver is not waited
     * for beyond a second more (the thread is then left behind, its memory with it) */
    struct timespec jt = lt_wall_deadline(1.0);
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
    for (int i = 0; i < p->qlen; i++) prw_batch_free(p->q[(p->qhead + i) % QCAP]);
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
    if (prw_parse_stats(p, env && *env ? env : "p(99)", err, errlen) != 0) goto fail;
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
