/* prom_rw.c — `--out prometheus-rw[=URL]` (also `experimental-prometheus-rw`): Prometheus remote
 * write 1.0 — a protobuf WriteRequest, snappy block-compressed, POSTed with
 * `Content-Encoding: snappy`, `Content-Type: application/x-protobuf` and
 * `X-Prometheus-Remote-Write-Version: 0.1.0` — to any receiver (Prometheus with
 * --web.enable-remote-write-receiver, Mimir, Thanos receive, VictoriaMetrics, ...).
 *
 * Configuration: k6's K6_PROMETHEUS_RW_* variables, every one acted on or refused (exit 104),
 * never ignored; docs/outputs.md has the table. The URL (after "=", else
 * K6_PROMETHEUS_RW_SERVER_URL, else http://localhost:9090/api/v1/write) may be https://.
 *   PUSH_INTERVAL (5s), TREND_STATS (p(99)), TREND_AS_NATIVE_HISTOGRAM, STALE_MARKERS,
 *   USERNAME/PASSWORD, BEARER_TOKEN, HEADERS_<NAME>, HTTP_HEADERS ("k1:v1,k2:v2"),
 *   INSECURE_SKIP_TLS_VERIFY, CLIENT_CERTIFICATE/CLIENT_CERTIFICATE_KEY, TLS_MINIMUM_VERSION
 *   (1.3 unless "1.2", as k6), SIGV4_REGION/SIGV4_ACCESS_KEY/SIGV4_SECRET_KEY (AWS SigV4,
 *   prom_rw_sigv4.c).
 *   lt's own: LT_PROMETHEUS_RW_NATIVE_SCHEMA (8), LT_PROMETHEUS_RW_STOP_TIMEOUT (5s),
 *   LT_PROMETHEUS_RW_VERBOSE.
 *
 * Series, named as k6's output names them (so k6 dashboards work unchanged):
 *   counter  k6_<name>_total          cumulative sum since the start   (k6_http_reqs_total)
 *   gauge    k6_<name>                last value                       (k6_vus)
 *   rate     k6_<name>_rate           non-zero / all, since the start  (k6_http_req_failed_rate)
 *   trend    k6_<name>_<stat>         per stat, over every sample since the start; "p(99)" is
 *                                     p99, "p(99.9)" p999; avg min max med count sum
 *                                     (k6_http_req_duration_p99)
 *   trend    k6_<name>_seconds        with TREND_AS_NATIVE_HISTOGRAM, instead of the stats: one
 *                                     native histogram, cumulative (prom_rw_native.c); k6_<name>
 *                                     for a trend that is not a time
 * With STALE_MARKERS, stop() sends after the final values one StaleNaN per series sent.
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
#include <openssl/crypto.h>
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
    batch *b = prw_build_batch(p, total, p->window, next_ts(p, t_unix), false);
    store_clear(p->window);
    prw_enqueue(p, b);
}

static void prw_stop(output *o, const store *total) {
    prw *p = o->self;
    if (!p->running) return;
    p->running = false;
    prw_enqueue(p, prw_build_batch(p, total, store_empty(p->window) ? NULL : p->window,
                                   next_ts(p, lt_wall_now()), false));
    store_clear(p->window);
    /* every window series was sent in some push while its tag set had samples, so with the
     * total as the window this names every series sent */
    if (p->stale_markers) prw_enqueue(p, prw_build_batch(p, total, total, next_ts(p, 0), true));
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
                     "per batch); push latency avg %.2f ms, max %.2f ms; %u connections, %u TLS "
                     "sessions resumed, %llu pushes resent after a kept-alive connection closed\n",
                (unsigned long long)p->sent_batches, (unsigned long long)p->sent_samples,
                (unsigned long long)p->sent_bytes, (unsigned long long)p->sent_raw_bytes,
                (double)p->sent_bytes / (double)p->sent_batches,
                p->latency_sum / (double)p->sent_batches * 1e3, p->latency_max * 1e3,
                p->connections, p->resumed, (unsigned long long)p->stale_resends);
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
    free(p->cert);
    free(p->key);
    free(p->sigv4_region);
    free(p->sigv4_access);
    if (p->sigv4_secret) OPENSSL_cleanse(p->sigv4_secret, strlen(p->sigv4_secret));
    free(p->sigv4_secret);
    free(p->sigv4_path);
    free(p->sigv4_query);
    prw_tls_free(p);
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
    if (!scheme || (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)) {
        snprintf(err, errlen, "prometheus-rw: URL '%s': the scheme must be http:// or https://",
                 url);
    } else if (!host || !*host) {
        snprintf(err, errlen, "prometheus-rw: URL '%s' has no host", url);
    } else {
        p->tls = strcasecmp(scheme, "https") == 0;
        int port = evhttp_uri_get_port(u);
        p->port = port > 0 ? port : p->tls ? 443 : 80;
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

/* ---- configuration from K6_PROMETHEUS_RW_* ---- */

extern char **environ;

#define ENV_PREFIX     "K6_PROMETHEUS_RW_"
#define HEADERS_PREFIX ENV_PREFIX "HEADERS_"

/* Every variable k6's output reads, and what lt does with it. */
static const char *const known_vars[] = {
    "SERVER_URL",
    "PUSH_INTERVAL",
    "TREND_STATS",
    "TREND_AS_NATIVE_HISTOGRAM",
    "STALE_MARKERS",
    "USERNAME",
    "PASSWORD",
    "BEARER_TOKEN",
    "HTTP_HEADERS",
    "INSECURE_SKIP_TLS_VERIFY",
    "CLIENT_CERTIFICATE",
    "CLIENT_CERTIFICATE_KEY",
    "TLS_MINIMUM_VERSION",
    "SIGV4_REGION",
    "SIGV4_ACCESS_KEY",
    "SIGV4_SECRET_KEY",
};

/* getenv, but NULL for an unset variable only: an empty value counts as set, as in k6. */
static const char *env_get(const char *suffix) {
    char name[128];
    snprintf(name, sizeof name, ENV_PREFIX "%s", suffix);
    return getenv(name);
}

/* Go's strconv.ParseBool, which k6 uses: 1 t T TRUE true True, 0 f F FALSE false False. */
static int env_bool(const char *suffix, bool *out, char *err, size_t errlen) {
    const char *v = env_get(suffix);
    if (!v) return 0;
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        if (strcmp(v, yes[i]) == 0) return *out = true, 0;
        if (strcmp(v, no[i]) == 0) return *out = false, 0;
    }
    snprintf(err, errlen, "prometheus-rw: " ENV_PREFIX "%s='%s' is not a boolean (true or false)",
             suffix, v);
    return -1;
}

static bool is_blank(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    return !*s;
}

/* Any K6_PROMETHEUS_RW_* lt does not act on is an error, so a typo never passes silently. */
static int check_env_names(char *err, size_t errlen) {
    for (char **e = environ; e && *e; e++) {
        if (strncmp(*e, ENV_PREFIX, sizeof ENV_PREFIX - 1) != 0) continue;
        if (strncmp(*e, HEADERS_PREFIX, sizeof HEADERS_PREFIX - 1) == 0) continue;
        const char *name = *e + sizeof ENV_PREFIX - 1, *eq = strchr(name, '=');
        size_t l = eq ? (size_t)(eq - name) : strlen(name);
        bool known = false;
        for (size_t i = 0; i < sizeof known_vars / sizeof known_vars[0]; i++)
            known |= strlen(known_vars[i]) == l && strncmp(known_vars[i], name, l) == 0;
        if (known) continue;
        snprintf(err, errlen,
                 "prometheus-rw: unknown variable " ENV_PREFIX "%.*s (known: SERVER_URL, "
                 "PUSH_INTERVAL, TREND_STATS, TREND_AS_NATIVE_HISTOGRAM, STALE_MARKERS, "
                 "USERNAME, PASSWORD, BEARER_TOKEN, HEADERS_<NAME>, HTTP_HEADERS, "
                 "INSECURE_SKIP_TLS_VERIFY, CLIENT_CERTIFICATE, CLIENT_CERTIFICATE_KEY, "
                 "TLS_MINIMUM_VERSION, SIGV4_REGION, SIGV4_ACCESS_KEY, SIGV4_SECRET_KEY)",
                 (int)l, name);
        return -1;
    }
    return 0;
}

/* Sets header k to v, replacing one of the same name (HTTP names ignore case). */
static void set_header(prw *p, const char *k, size_t klen, const char *v, size_t vlen) {
    for (int i = 0; i < p->nheaders; i++)
        if (strlen(p->hkeys[i]) == klen && strncasecmp(p->hkeys[i], k, klen) == 0) {
            free(p->hvals[i]);
            p->hvals[i] = strndup(v, vlen);
            return;
        }
    p->hkeys = realloc(p->hkeys, sizeof(char *) * (size_t)(p->nheaders + 1));
    p->hvals = realloc(p->hvals, sizeof(char *) * (size_t)(p->nheaders + 1));
    p->hkeys[p->nheaders] = strndup(k, klen);
    p->hvals[p->nheaders] = strndup(v, vlen);
    p->nheaders++;
}

static bool header_name_ok(const char *k, size_t l) {
    if (!l) return false;
    for (size_t i = 0; i < l; i++)
        if (k[i] <= ' ' || k[i] >= 127 || strchr("()<>@,;:\\\"/[]?={}", k[i])) return false;
    return true;
}

/* Basic auth, then the bearer token (k6: it replaces Authorization), then K6_PROMETHEUS_RW_
 * HEADERS_<NAME>, then K6_PROMETHEUS_RW_HTTP_HEADERS ("k1:v1,k2:v2", k6's format), each
 * replacing an earlier header of the same name. */
static int parse_headers(prw *p, char *err, size_t errlen) {
    const char *user = env_get("USERNAME"), *pass = env_get("PASSWORD");
    if (user) { /* k6: basic auth as soon as a user name is set */
        size_t l = strlen(user) + strlen(pass ? pass : "") + 2;
        char *up = malloc(l);
        snprintf(up, l, "%s:%s", user, pass ? pass : "");
        char *b64 = base64(up);
        char *val = malloc(strlen(b64) + 7);
        sprintf(val, "Basic %s", b64);
        set_header(p, "Authorization", 13, val, strlen(val));
        free(val), free(b64), free(up);
    } else if (pass && *pass) {
        snprintf(err, errlen,
                 "prometheus-rw: " ENV_PREFIX "PASSWORD is set without " ENV_PREFIX "USERNAME");
        return -1;
    }
    const char *token = env_get("BEARER_TOKEN");
    if (token && *token) {
        char *val = malloc(strlen(token) + 8);
        sprintf(val, "Bearer %s", token);
        set_header(p, "Authorization", 13, val, strlen(val));
        free(val);
    }
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '='), *k = *e + sizeof HEADERS_PREFIX - 1;
        if (strncmp(*e, HEADERS_PREFIX, sizeof HEADERS_PREFIX - 1) != 0 || !eq) continue;
        if (!header_name_ok(k, (size_t)(eq - k))) {
            snprintf(err, errlen, "prometheus-rw: %.*s: '%.*s' is not an HTTP header name",
                     (int)(eq - *e), *e, (int)(eq - k), k);
            return -1;
        }
        set_header(p, k, (size_t)(eq - k), eq + 1, strlen(eq + 1));
    }
    const char *list = env_get("HTTP_HEADERS");
    for (const char *item = list; item && *item;) {
        const char *end = strchr(item, ','), *colon;
        size_t l = end ? (size_t)(end - item) : strlen(item);
        colon = memchr(item, ':', l);
        /* k6 splits on ':' and wants exactly two parts: a value cannot hold a ':' */
        if (!colon || memchr(colon + 1, ':', l - (size_t)(colon - item) - 1) ||
            !header_name_ok(item, (size_t)(colon - item))) {
            snprintf(err, errlen,
                     "prometheus-rw: " ENV_PREFIX "HTTP_HEADERS: '%.*s' is not <header "
                     "name>:<value> (the value may not hold ':' or ',')",
                     (int)l, item);
            return -1;
        }
        set_header(p, item, (size_t)(colon - item), colon + 1, l - (size_t)(colon - item) - 1);
        item = end ? end + 1 : item + l;
    }
    return 0;
}

static int parse_duration_env(const char *name, double *out, bool positive, char *err,
                              size_t errlen) {
    const char *env = getenv(name);
    if (!env || !*env) return 0;
    char e[200];
    if (duration_parse(env, out, e, sizeof e) != 0) {
        snprintf(err, errlen, "prometheus-rw: %s='%s': %s", name, env, e);
        return -1;
    }
    if (positive && *out <= 0) {
        snprintf(err, errlen, "prometheus-rw: %s='%s': must be positive", name, env);
        return -1;
    }
    return 0;
}

static int parse_native(prw *p, char *err, size_t errlen) {
    if (env_bool("TREND_AS_NATIVE_HISTOGRAM", &p->native, err, errlen) != 0) return -1;
    if (env_bool("STALE_MARKERS", &p->stale_markers, err, errlen) != 0) return -1;
    p->schema = 8;
    const char *sc = getenv("LT_PROMETHEUS_RW_NATIVE_SCHEMA");
    if (sc && *sc) {
        char *end;
        long v = strtol(sc, &end, 10);
        if (*end || v < -4 || v > 8) {
            snprintf(err, errlen,
                     "prometheus-rw: LT_PROMETHEUS_RW_NATIVE_SCHEMA='%s': must be an integer "
                     "from -4 to 8 (Prometheus' exponential schemas)",
                     sc);
            return -1;
        }
        p->schema = (int)v;
    }
    return 0;
}

/* K6_PROMETHEUS_RW_SIGV4_*: all three set (not blank), or none, as k6 wants. SigV4 writes the
 * Authorization header itself, so basic auth, a bearer token or an Authorization header beside
 * it is refused (k6 lets the signature replace them silently). */
static int parse_sigv4(prw *p, char *err, size_t errlen) {
    static const char *const names[3] = {"SIGV4_REGION", "SIGV4_ACCESS_KEY", "SIGV4_SECRET_KEY"};
    const char *v[3];
    int set = 0;
    for (int i = 0; i < 3; i++) {
        v[i] = env_get(names[i]);
        if (v[i] && is_blank(v[i])) v[i] = NULL; /* k6 too leaves SigV4 off when blank */
        set += v[i] != NULL;
    }
    if (set == 0) return 0;
    if (set < 3) {
        int missing = !v[0] ? 0 : !v[1] ? 1 : 2;
        snprintf(err, errlen,
                 "prometheus-rw: SigV4 needs all of " ENV_PREFIX "SIGV4_REGION, " ENV_PREFIX
                 "SIGV4_ACCESS_KEY and " ENV_PREFIX "SIGV4_SECRET_KEY (" ENV_PREFIX
                 "%s is not set); unset all three for no signing",
                 names[missing]);
        return -1;
    }
    bool auth = env_get("USERNAME") || (env_get("BEARER_TOKEN") && *env_get("BEARER_TOKEN"));
    for (int i = 0; !auth && i < p->nheaders; i++)
        auth = strcasecmp(p->hkeys[i], "Authorization") == 0;
    if (auth) {
        snprintf(err, errlen,
                 "prometheus-rw: SigV4 signing writes the Authorization header: unset " ENV_PREFIX
                 "USERNAME, " ENV_PREFIX "BEARER_TOKEN and any Authorization header, or the "
                 "SIGV4 variables");
        return -1;
    }
    p->sigv4 = true;
    p->sigv4_region = strdup(v[0]);
    p->sigv4_access = strdup(v[1]);
    p->sigv4_secret = strdup(v[2]);
    /* the path as signed and sent, and the query in its canonical form (sent as signed) */
    char *q = strchr(p->path, '?');
    char canon[2048] = "";
    if (q && prw_sigv4_canonical_query(q + 1, canon, sizeof canon) != 0) {
        snprintf(err, errlen, "prometheus-rw: the URL's query is too long to sign");
        return -1;
    }
    if (q) *q = '\0';
    p->sigv4_query = strdup(canon);
    if (canon[0]) {
        size_t l = strlen(p->path) + strlen(canon) + 2;
        char *full = malloc(l);
        snprintf(full, l, "%s?%s", p->path, canon);
        p->sigv4_path = p->path;
        p->path = full;
    } else {
        p->sigv4_path = strdup(p->path);
    }
    return 0;
}

static int parse_tls(prw *p, char *err, size_t errlen) {
    if (env_bool("INSECURE_SKIP_TLS_VERIFY", &p->insecure, err, errlen) != 0) return -1;
    /* k6: TLS 1.3 at least, unless the variable says "1.2" (k6 takes any other value for 1.3;
     * lt refuses it, so a "1.1" meant to reach an old receiver does not pass silently) */
    const char *min = env_get("TLS_MINIMUM_VERSION");
    p->tls_min12 = min && strcmp(min, "1.2") == 0;
    if (min && *min && !p->tls_min12 && strcmp(min, "1.3") != 0) {
        snprintf(err, errlen,
                 "prometheus-rw: " ENV_PREFIX "TLS_MINIMUM_VERSION='%s': must be 1.2 or 1.3 (the "
                 "default, as in k6)",
                 min);
        return -1;
    }
    const char *cert = env_get("CLIENT_CERTIFICATE"), *key = env_get("CLIENT_CERTIFICATE_KEY");
    if ((cert && *cert) != (key && *key)) {
        snprintf(err, errlen,
                 "prometheus-rw: " ENV_PREFIX "CLIENT_CERTIFICATE and " ENV_PREFIX
                 "CLIENT_CERTIFICATE_KEY go together (%s is not set)",
                 cert && *cert ? "the key" : "the certificate");
        return -1;
    }
    if (cert && *cert) {
        p->cert = strdup(cert);
        p->key = strdup(key);
    }
    if (!p->tls) {
        if (p->cert) {
            snprintf(err, errlen,
                     "prometheus-rw: a client certificate needs an https:// URL, not '%s'", p->url);
            return -1;
        }
        return 0;
    }
    return prw_tls_setup(p, err, errlen);
}

output *prom_rw_create(const char *url, char *err, size_t errlen) {
    prw *p = calloc(1, sizeof *p);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_cond_init(&p->idle, NULL);
    atomic_init(&p->abort, false);
    if (check_env_names(err, errlen) != 0) goto fail;
    const char *env = env_get("SERVER_URL");
    if (!url || !*url) url = env && *env ? env : "http://localhost:9090/api/v1/write";
    p->url = strdup(url);
    if (parse_url(p, url, err, errlen) != 0) goto fail;
    p->push_interval = 5;
    p->stop_timeout = 5;
    if (parse_duration_env(ENV_PREFIX "PUSH_INTERVAL", &p->push_interval, true, err, errlen) ||
        parse_duration_env("LT_PROMETHEUS_RW_STOP_TIMEOUT", &p->stop_timeout, false, err, errlen))
        goto fail;
    env = env_get("TREND_STATS");
    if (prw_parse_stats(p, env && *env ? env : "p(99)", err, errlen) != 0) goto fail;
    if (parse_native(p, err, errlen) != 0 || parse_headers(p, err, errlen) != 0 ||
        parse_sigv4(p, err, errlen) != 0 || parse_tls(p, err, errlen) != 0)
        goto fail;
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
