/* test_output_prom_rw.c — the prometheus-rw output against a fake remote-write receiver on
 * loopback: what is sent (names, labels, units, windows, headers, snappy + protobuf), retries,
 * a dead receiver, a receiver that never answers, a full queue, a rejecting receiver. */
#include "metrics/metrics.h"
#include "output/output.h"
#include "output/prom_rw.h"
#include "remote.pb-c.h"
#include "types.pb-c.h"
#include "t.h"
#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <snappy-c.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- a fake receiver ---- */
#define MAXREQ 256
typedef struct {
    int lfd, port;
    pthread_t th;
    atomic_bool quit;
    int statuses[16]; /* answers to the first requests (0: 204) */
    bool hang;        /* read requests, never answer */
    bool close_after; /* close the connection after each answer (no keep-alive) */
    pthread_mutex_t mu;
    int nreq;
    Prometheus__WriteRequest *req[MAXREQ];
    char *headers[MAXREQ];
    size_t body_len[MAXREQ];
    int bad;     /* requests that failed to decode */
    int nclosed; /* connections closed after an answer (close_after) */
} receiver;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void serve_conn(receiver *r, int fd) {
    char *buf = malloc(1 << 22);
    size_t len = 0;
    while (!atomic_load(&r->quit)) {
        struct pollfd pf = {fd, POLLIN, 0};
        if (poll(&pf, 1, 50) <= 0) continue;
        ssize_t n = read(fd, buf + len, (1 << 22) - len);
        if (n <= 0) break;
        len += (size_t)n;
        for (;;) {
            buf[len < (1 << 22) ? len : len - 1] = '\0';
            char *end = memmem(buf, len, "\r\n\r\n", 4);
            if (!end) break;
            size_t hlen = (size_t)(end - buf) + 4;
            size_t clen = 0;
            for (char *l = buf; l < end; l = strstr(l, "\r\n") + 2)
                if (strncasecmp(l, "Content-Length:", 15) == 0) clen = strtoul(l + 15, NULL, 10);
            if (len < hlen + clen) break;
            size_t ulen = 0;
            Prometheus__WriteRequest *wr = NULL;
            char *raw = NULL;
            if (snappy_uncompressed_length(buf + hlen, clen, &ulen) == SNAPPY_OK) {
                raw = malloc(ulen + 1);
                if (snappy_uncompress(buf + hlen, clen, raw, &ulen) == SNAPPY_OK)
                    wr = prometheus__write_request__unpack(NULL, ulen, (uint8_t *)raw);
            }
            free(raw);
            pthread_mutex_lock(&r->mu);
            int i = r->nreq;
            if (!wr) r->bad++;
            if (i < MAXREQ) {
                r->req[i] = wr;
                r->headers[i] = strndup(buf, hlen);
                r->body_len[i] = clen;
                r->nreq++;
            } else if (wr) {
                prometheus__write_request__free_unpacked(wr, NULL);
            }
            pthread_mutex_unlock(&r->mu);
            if (!r->hang) {
                int st = i < 16 && r->statuses[i] ? r->statuses[i] : 204;
                char resp[200];
                const char *body = st == 204 ? "" : "nope\n";
                int rl =
                    snprintf(resp, sizeof resp, "HTTP/1.1 %d X\r\nContent-Length: %zu\r\n\r\n%s",
                             st, strlen(body), body);
                if (write(fd, resp, (size_t)rl) < 0) break;
                if (r->close_after) {
                    free(buf);
                    close(fd);
                    pthread_mutex_lock(&r->mu);
                    r->nclosed++;
                    pthread_mutex_unlock(&r->mu);
                    return;
                }
            }
            memmove(buf, buf + hlen + clen, len - hlen - clen);
            len -= hlen + clen;
        }
    }
    free(buf);
    close(fd);
}

static void *recv_main(void *arg) {
    receiver *r = arg;
    while (!atomic_load(&r->quit)) {
        struct pollfd pf = {r->lfd, POLLIN, 0};
        if (poll(&pf, 1, 50) <= 0) continue;
        int fd = accept(r->lfd, NULL, NULL);
        if (fd >= 0) serve_conn(r, fd); /* one connection at a time: the output uses one */
    }
    return NULL;
}

static int listen_any(int *port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 16) != 0) return -1;
    getsockname(fd, (struct sockaddr *)&a, &al);
    *port = ntohs(a.sin_port);
    return fd;
}

static receiver *recv_start(void) {
    receiver *r = calloc(1, sizeof *r);
    pthread_mutex_init(&r->mu, NULL);
    r->lfd = listen_any(&r->port);
    pthread_create(&r->th, NULL, recv_main, r);
    return r;
}

static void recv_stop(receiver *r) {
    atomic_store(&r->quit, true);
    pthread_join(r->th, NULL);
    close(r->lfd);
    for (int i = 0; i < r->nreq && i < MAXREQ; i++) {
        if (r->req[i]) prometheus__write_request__free_unpacked(r->req[i], NULL);
        free(r->headers[i]);
    }
    free(r);
}

static int recv_count(receiver *r) {
    pthread_mutex_lock(&r->mu);
    int n = r->nreq;
    pthread_mutex_unlock(&r->mu);
    return n;
}

/* ---- reading what was received ---- */
static const char *label(const Prometheus__TimeSeries *t, const char *name) {
    for (size_t i = 0; i < t->n_labels; i++)
        if (strcmp(t->labels[i]->name, name) == 0) return t->labels[i]->value;
    return NULL;
}

/* The series named `name` whose label `key` is `val` (key NULL: any). */
static const Prometheus__TimeSeries *find_ts(const Prometheus__WriteRequest *w, const char *name,
                                             const char *key, const char *val) {
    for (size_t i = 0; w && i < w->n_timeseries; i++) {
        const Prometheus__TimeSeries *t = w->timeseries[i];
        const char *n = label(t, "__name__");
        if (n && strcmp(n, name) == 0 && (!key || (label(t, key) && !strcmp(label(t, key), val))))
            return t;
    }
    return NULL;
}

static double ts_value(const Prometheus__TimeSeries *t) {
    return t && t->n_samples ? t->samples[0]->value : NAN;
}

static bool labels_sorted(const Prometheus__WriteRequest *w) {
    for (size_t i = 0; w && i < w->n_timeseries; i++)
        for (size_t j = 1; j < w->timeseries[i]->n_labels; j++)
            if (strcmp(w->timeseries[i]->labels[j - 1]->name, w->timeseries[i]->labels[j]->name) >=
                0)
                return false;
    return w != NULL;
}

static bool near(double a, double b) {
    return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

/* stderr into a file while f runs */
static int saved_fd = -1;
static void capture_stderr(const char *path) {
    fflush(stderr);
    saved_fd = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 2);
    close(fd);
}
static char *release_stderr(const char *path) {
    fflush(stderr);
    dup2(saved_fd, 2);
    close(saved_fd);
    FILE *f = fopen(path, "r");
    char *s = calloc(1, 8192);
    if (f) {
        size_t n = fread(s, 1, 8191, f);
        s[n] = '\0';
        fclose(f);
    }
    unlink(path);
    return s;
}

static char url[128];
static output *make(int port, char *err, size_t errlen) {
    snprintf(url, sizeof url, "prometheus-rw=http://127.0.0.1:%d/api/v1/write", port);
    return output_create(url, err, errlen);
}

static const char *skeys[] = {"testid", "bad-key"};
static const char *svals[] = {"run42", "v"};
static output_run run_info(double start) {
    output_run r = {.script = "x.lua",
                    .time_scale = 1,
                    .started_unix = start,
                    .planned_duration = 3,
                    .nstatic_tags = 2,
                    .static_keys = skeys,
                    .static_vals = svals};
    return r;
}

static int m_custom;
static uint32_t tags_a, tags_b;

/* Adds one second of synthetic samples: n requests with durations base..base+n-1 ms. */
static void fill(store *iv, int n, double base) {
    for (int i = 0; i < n; i++) {
        uint32_t tg = i % 4 == 0 ? tags_b : tags_a;
        store_add(iv, M_HTTP_REQS, tg, 1);
        store_add(iv, M_HTTP_REQ_DURATION, tg, base + i);
        store_add(iv, M_HTTP_REQ_FAILED, tg, i % 10 == 0);
        store_add(iv, m_custom, tags_a, (base + i) * 2);
    }
    store_add(iv, M_VUS, tags_a, n / 10);
    store_add(iv, M_DATA_RECEIVED, tags_a, 1000.0 * n);
}

static void test_names(void) {
    char b[64];
    T_CHECK(prom_rw_stat_suffix("p(99)", b, sizeof b) == 0 && !strcmp(b, "p99"), "%s", b);
    T_CHECK(prom_rw_stat_suffix("p(99.9)", b, sizeof b) == 0 && !strcmp(b, "p999"), "%s", b);
    T_CHECK(prom_rw_stat_suffix("p(0.5)", b, sizeof b) == 0 && !strcmp(b, "p05"), "%s", b);
    T_CHECK(prom_rw_stat_suffix("med", b, sizeof b) == 0 && !strcmp(b, "med"), "%s", b);
    T_CHECK(prom_rw_stat_suffix("count", b, sizeof b) == 0 && !strcmp(b, "count"), "%s", b);
    T_CHECK(prom_rw_stat_suffix("p(101)", b, sizeof b) != 0, "p(101)");
    T_CHECK(prom_rw_stat_suffix("p(x)", b, sizeof b) != 0, "p(x)");
    T_CHECK(prom_rw_stat_suffix("p99", b, sizeof b) != 0, "p99");
    T_CHECK(prom_rw_stat_suffix("p(1e2)", b, sizeof b) != 0, "p(1e2)");
    prom_rw_sanitize_name("expected_response", b, sizeof b);
    T_CHECK(!strcmp(b, "expected_response"), "%s", b);
    prom_rw_sanitize_name("my-tag.x", b, sizeof b);
    T_CHECK(!strcmp(b, "my_tag_x"), "%s", b);
    prom_rw_sanitize_name("9lives", b, sizeof b);
    T_CHECK(!strcmp(b, "_9lives"), "%s", b);
    prom_rw_sanitize_name("__name__", b, sizeof b);
    T_CHECK(!strcmp(b, "tag__name__"), "%s", b);
    prom_rw_sanitize_name("", b, sizeof b);
    T_CHECK(!strcmp(b, "_"), "%s", b);
    prom_rw_sanitize_name("sýmbol", b, sizeof b);
    T_CHECK(!strcmp(b, "s__mbol"), "%s", b);
}

static void test_create_errors(void) {
    char err[300] = "";
    output *o = output_create("prometheus-rw=ftp://x/api/v1/write", err, sizeof err);
    T_CHECK(!o && strstr(err, "https://"), "ftp refused: %s", err);
    o = output_create("prometheus-rw=https://x/api/v1/write", err, sizeof err);
    T_CHECK(o != NULL, "https accepted: %s", err);
    if (o) o->destroy(o);
    /* every K6_PROMETHEUS_RW_* is honoured or refused: never ignored */
    static const struct {
        const char *var, *val, *want;
    } refused[] = {
        {"K6_PROMETHEUS_RW_SIGV4_REGION", "eu-west-1", "SigV4"},
        {"K6_PROMETHEUS_RW_TREND_STAT", "p(99)", "unknown variable K6_PROMETHEUS_RW_TREND_STAT"},
        {"K6_PROMETHEUS_RW_STALE_MARKERS", "yes", "not a boolean"},
        {"K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM", "on", "not a boolean"},
        {"K6_PROMETHEUS_RW_INSECURE_SKIP_TLS_VERIFY", "2", "not a boolean"},
        {"K6_PROMETHEUS_RW_HTTP_HEADERS", "a:1,b", "'b' is not <header name>:<value>"},
        {"K6_PROMETHEUS_RW_HTTP_HEADERS", "a:http://x", "is not <header name>:<value>"},
        {"K6_PROMETHEUS_RW_HEADERS_a b", "1", "not an HTTP header name"},
        {"K6_PROMETHEUS_RW_CLIENT_CERTIFICATE", "/c.pem", "go together"},
        {"K6_PROMETHEUS_RW_PASSWORD", "pw", "without K6_PROMETHEUS_RW_USERNAME"},
        {"LT_PROMETHEUS_RW_NATIVE_SCHEMA", "9", "from -4 to 8"},
        {"K6_PROMETHEUS_RW_TLS_MINIMUM_VERSION", "1.1", "must be 1.2 or 1.3"},
        {"K6_PROMETHEUS_RW_TLS_MINIMUM_VERSION", "TLS1.2", "must be 1.2 or 1.3"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        setenv(refused[i].var, refused[i].val, 1);
        err[0] = '\0';
        o = output_create("prometheus-rw=http://127.0.0.1:1/w", err, sizeof err);
        T_CHECK(!o && strstr(err, refused[i].want), "%s=%s refused: %s", refused[i].var,
                refused[i].val, err);
        if (o) o->destroy(o);
        unsetenv(refused[i].var);
    }
    /* every variable k6's output reads (the envconfig tags of k6's
     * internal/output/prometheusrw/remotewrite/config.go, and the native-histogram feature
     * alias) is one lt knows: with a valid value it is not "unknown" (SigV4: refused by name) */
    static const struct {
        const char *var, *val;
    } k6_vars[] = {
        {"K6_PROMETHEUS_RW_SERVER_URL", "http://127.0.0.1:1/w"},
        {"K6_PROMETHEUS_RW_INSECURE_SKIP_TLS_VERIFY", "true"},
        {"K6_PROMETHEUS_RW_TLS_MINIMUM_VERSION", "1.2"},
        {"K6_PROMETHEUS_RW_USERNAME", "u"},
        {"K6_PROMETHEUS_RW_PASSWORD", "p"},
        {"K6_PROMETHEUS_RW_CLIENT_CERTIFICATE", "/nonexistent/c.pem"},
        {"K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY", "/nonexistent/k.pem"},
        {"K6_PROMETHEUS_RW_BEARER_TOKEN", "t"},
        {"K6_PROMETHEUS_RW_PUSH_INTERVAL", "2s"},
        {"K6_PROMETHEUS_RW_TREND_STATS", "p(95),max"},
        {"K6_PROMETHEUS_RW_STALE_MARKERS", "true"},
        {"K6_PROMETHEUS_RW_SIGV4_REGION", "eu-west-1"},
        {"K6_PROMETHEUS_RW_SIGV4_ACCESS_KEY", "AKIDEXAMPLE"},
        {"K6_PROMETHEUS_RW_SIGV4_SECRET_KEY", "secret"},
        {"K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM", "true"},
        {"K6_PROMETHEUS_RW_HEADERS_X-Scope-OrgID", "t1"},
        {"K6_PROMETHEUS_RW_HTTP_HEADERS", "X-A:1"},
    };
    for (size_t i = 0; i < sizeof k6_vars / sizeof k6_vars[0]; i++) {
        setenv(k6_vars[i].var, k6_vars[i].val, 1);
        err[0] = '\0';
        o = output_create("prometheus-rw=https://127.0.0.1:1/w", err, sizeof err);
        T_CHECK(!strstr(err, "unknown variable"), "k6's %s is known to lt: %s", k6_vars[i].var,
                err);
        if (o) o->destroy(o);
        unsetenv(k6_vars[i].var);
    }
    setenv("K6_PROMETHEUS_RW_SIGV4_REGION", " ", 1); /* blank: off, as in k6 */
    o = output_create("prometheus-rw=http://127.0.0.1:1/w", err, sizeof err);
    T_CHECK(o != NULL, "a blank SigV4 variable is not refused: %s", err);
    if (o) o->destroy(o);
    unsetenv("K6_PROMETHEUS_RW_SIGV4_REGION");
    setenv("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE", "/nonexistent/c.pem", 1);
    setenv("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY", "/nonexistent/k.pem", 1);
    o = output_create("prometheus-rw=https://127.0.0.1:1/w", err, sizeof err);
    T_CHECK(!o && strstr(err, "/nonexistent/c.pem: No such file"), "missing client certificate: %s",
            err);
    char junk[] = "/tmp/lt-prw-junk.XXXXXX";
    int jfd = mkstemp(junk);
    if (jfd >= 0) {
        T_CHECK(write(jfd, "not a certificate\n", 18) == 18, "junk written");
        close(jfd);
        setenv("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE", junk, 1);
        setenv("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY", junk, 1);
        o = output_create("prometheus-rw=https://127.0.0.1:1/w", err, sizeof err);
        T_CHECK(!o && strstr(err, "no PEM certificate in"), "junk certificate: %s", err);
        unlink(junk);
        setenv("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE", "/nonexistent/c.pem", 1);
        setenv("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY", "/nonexistent/k.pem", 1);
    }
    o = output_create("prometheus-rw=http://127.0.0.1:1/w", err, sizeof err);
    T_CHECK(!o && strstr(err, "needs an https:// URL"), "client certificate over http: %s", err);
    unsetenv("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE");
    unsetenv("K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY");
    o = output_create("prometheus-rw=::::", err, sizeof err);
    T_CHECK(!o, "malformed url: %s", err);
    setenv("K6_PROMETHEUS_RW_TREND_STATS", "p(99),bogus", 1);
    o = output_create("prometheus-rw", err, sizeof err);
    T_CHECK(!o && strstr(err, "bogus"), "bad stat: %s", err);
    setenv("K6_PROMETHEUS_RW_TREND_STATS", "p(99)", 1);
    setenv("K6_PROMETHEUS_RW_PUSH_INTERVAL", "soon", 1);
    o = output_create("experimental-prometheus-rw", err, sizeof err);
    T_CHECK(!o && strstr(err, "PUSH_INTERVAL"), "bad interval: %s", err);
    unsetenv("K6_PROMETHEUS_RW_PUSH_INTERVAL");
    o = output_create("experimental-prometheus-rw", err, sizeof err);
    T_CHECK(o && !strcmp(o->name, "prometheus-rw"), "default url: %s", err);
    if (o) o->destroy(o); /* never started */
    o = output_create("influxdb=http://x", err, sizeof err);
    T_CHECK(!o && strstr(err, "unknown output"), "unknown: %s", err);
    o = output_create("json", err, sizeof err);
    T_CHECK(!o && strstr(err, "FILE"), "json without file: %s", err);
}

/* The main case: three 1 s intervals at push interval 1 s, then stop. */
static void test_push(void) {
    receiver *r = recv_start();
    setenv("K6_PROMETHEUS_RW_PUSH_INTERVAL", "1s", 1);
    setenv("K6_PROMETHEUS_RW_TREND_STATS", "p(99),p(99.9),avg,med,min,max,count,sum,p(99)", 1);
    setenv("K6_PROMETHEUS_RW_HEADERS_X-Scope-OrgID", "tenant1", 1);
    setenv("K6_PROMETHEUS_RW_USERNAME", "user", 1);
    setenv("K6_PROMETHEUS_RW_PASSWORD", "pass", 1);
    char err[300] = "";
    output *o = make(r->port, err, sizeof err);
    unsetenv("K6_PROMETHEUS_RW_HEADERS_X-Scope-OrgID");
    unsetenv("K6_PROMETHEUS_RW_USERNAME");
    unsetenv("K6_PROMETHEUS_RW_PASSWORD");
    T_CHECK(o != NULL, "create: %s", err);
    if (!o) return;
    double start = 1700000000.0;
    output_run ri = run_info(start);
    T_CHECK(o->start(o, &ri, err, sizeof err) == 0, "start: %s", err);
    store *total = store_new(), *iv = store_new(), *last = store_new();
    double worst = 0;
    for (int s = 1; s <= 3; s++) {
        store_clear(iv);
        fill(iv, 100 * s, 10.0 * s);
        store_merge(total, iv);
        double t0 = now();
        o->interval(o, start + s, 1.0, iv, total);
        double el = now() - t0;
        worst = el > worst ? el : worst;
        if (s == 3) store_merge(last, iv);
    }
    T_CHECK(worst < 0.02, "interval() took %.3f s", worst);
    double t0 = now();
    o->stop(o, total);
    double el = now() - t0;
    T_CHECK(el < 1.0, "stop() took %.3f s with a healthy receiver", el);
    o->destroy(o);
    int n = recv_count(r);
    T_CHECK(n == 4, "3 pushes and a final one, got %d", n);
    T_CHECK(r->bad == 0, "%d requests did not decode", r->bad);
    if (n < 3) {
        recv_stop(r);
        return;
    }
    const char *h = r->headers[0];
    T_CHECK(strstr(h, "POST /api/v1/write HTTP/1.1\r\n") == h, "%s", h);
    T_CHECK(strcasestr(h, "\r\nContent-Encoding: snappy\r\n"), "%s", h);
    T_CHECK(strcasestr(h, "\r\nContent-Type: application/x-protobuf\r\n"), "%s", h);
    T_CHECK(strcasestr(h, "\r\nX-Prometheus-Remote-Write-Version: 0.1.0\r\n"), "%s", h);
    T_CHECK(strcasestr(h, "\r\nX-Scope-OrgID: tenant1\r\n"), "%s", h);
    T_CHECK(strcasestr(h, "\r\nAuthorization: Basic dXNlcjpwYXNz\r\n"), "%s", h);
    T_CHECK(strcasestr(h, "\r\nHost: 127.0.0.1:"), "%s", h);

    /* the 3rd push (t = start+3): cumulative values and the 3rd second's window */
    const Prometheus__WriteRequest *w = r->req[2];
    T_CHECK(labels_sorted(w), "labels sorted and unique");
    series all;
    int nsel = store_select(total, M_HTTP_REQS, 0, NULL, NULL, &all);
    series_release(&all);
    T_CHECK(nsel == 2, "two tag sets, %d", nsel);
    const series *ta = store_find(total, M_HTTP_REQS, tags_a);
    const Prometheus__TimeSeries *t = find_ts(w, "k6_http_reqs_total", "status", "200");
    T_CHECK(t && near(ts_value(t), ta->sum), "reqs total %g vs %g", ts_value(t), ta->sum);
    T_CHECK(t && t->samples[0]->timestamp == (int64_t)((start + 3) * 1000), "timestamp %lld",
            t ? (long long)t->samples[0]->timestamp : 0LL);
    T_CHECK(t && label(t, "testid") && !strcmp(label(t, "testid"), "run42"), "static tag");
    T_CHECK(t && label(t, "bad_key"), "static tag name sanitised");
    T_CHECK(t && label(t, "my_tag") && !strcmp(label(t, "my_tag"), "x"), "tag name sanitised");
    T_CHECK(t && label(t, "name") && !strcmp(label(t, "name"), "http://h/"), "tag name");
    const series *da = store_find(total, M_HTTP_REQ_DURATION, tags_a);
    const series *dw = store_find(last, M_HTTP_REQ_DURATION, tags_a);
    t = find_ts(w, "k6_http_req_duration_p99", "status", "200");
    T_CHECK(t && near(ts_value(t), hist_percentile(da->hist, 99) / 1000), "p99 %g vs %g s",
            ts_value(t), hist_percentile(da->hist, 99) / 1000);
    t = find_ts(w, "k6_http_req_duration_p999", "status", "200");
    T_CHECK(t && near(ts_value(t), hist_percentile(da->hist, 99.9) / 1000), "p999");
    t = find_ts(w, "k6_http_req_duration_avg", "status", "200");
    T_CHECK(t && near(ts_value(t), hist_mean(da->hist) / 1000), "avg");
    t = find_ts(w, "k6_http_req_duration_med", "status", "200");
    T_CHECK(t && near(ts_value(t), hist_percentile(da->hist, 50) / 1000), "med");
    t = find_ts(w, "k6_http_req_duration_max", "status", "200");
    T_CHECK(t && near(ts_value(t), hist_max(da->hist) / 1000), "max");
    t = find_ts(w, "k6_http_req_duration_count", "status", "200");
    T_CHECK(t && near(ts_value(t), (double)hist_count(da->hist)), "count is not scaled: %g",
            ts_value(t));
    t = find_ts(w, "k6_http_req_duration_sum", "status", "200");
    T_CHECK(t && near(ts_value(t), hist_sum(da->hist) / 1000), "sum");
    t = find_ts(w, "k6_http_req_duration_p99_window", "status", "200");
    T_CHECK(t && near(ts_value(t), hist_percentile(dw->hist, 99) / 1000), "p99 window %g vs %g",
            ts_value(t), hist_percentile(dw->hist, 99) / 1000);
    T_CHECK(ts_value(t) > ts_value(find_ts(w, "k6_http_req_duration_p99", "status", "200")),
            "the window shows the last second's slower requests");
    t = find_ts(w, "k6_http_req_duration_count_window", "status", "200");
    T_CHECK(t && near(ts_value(t), (double)hist_count(dw->hist)), "count window");
    const series *cw = store_find(total, m_custom, tags_a);
    t = find_ts(w, "k6_match_latency_ms_p99", NULL, NULL);
    T_CHECK(t && near(ts_value(t), hist_percentile(cw->hist, 99) / 1000), "custom time trend");
    t = find_ts(w, "k6_vus", NULL, NULL);
    T_CHECK(t && near(ts_value(t), 30), "gauge %g", ts_value(t));
    t = find_ts(w, "k6_data_received_total", NULL, NULL);
    T_CHECK(t && near(ts_value(t), 600000), "data in bytes, not scaled: %g", ts_value(t));
    const series *fa = store_find(total, M_HTTP_REQ_FAILED, tags_a);
    t = find_ts(w, "k6_http_req_failed_rate", "status", "200");
    T_CHECK(t && near(ts_value(t), (double)fa->nonzero / (double)fa->count), "rate");
    const series *fw = store_find(last, M_HTTP_REQ_FAILED, tags_a);
    t = find_ts(w, "k6_http_req_failed_rate_window", "status", "200");
    T_CHECK(t && near(ts_value(t), (double)fw->nonzero / (double)fw->count), "rate window");
    T_CHECK(!find_ts(w, "k6_http_reqs_total_window", NULL, NULL), "no counter windows");
    /* the final push has the totals again, a later timestamp, and no window (none since) */
    const Prometheus__WriteRequest *f = r->req[3];
    t = find_ts(f, "k6_http_reqs_total", "status", "200");
    T_CHECK(t && near(ts_value(t), ta->sum) &&
                t->samples[0]->timestamp > (int64_t)((start + 3) * 1000),
            "final push");
    T_CHECK(!find_ts(f, "k6_http_req_duration_p99_window", NULL, NULL), "final: empty window");
    printf("# one push of %zu series: %zu bytes snappy\n", w->n_timeseries, r->body_len[2]);
    store_free(total);
    store_free(iv);
    store_free(last);
    recv_stop(r);
}

/* Push interval 5 s with 1 s ticks: one push per five ticks, the window covers five seconds. */
static void test_push_interval(void) {
    receiver *r = recv_start();
    setenv("K6_PROMETHEUS_RW_PUSH_INTERVAL", "5s", 1);
    setenv("K6_PROMETHEUS_RW_TREND_STATS", "count", 1);
    char err[300] = "";
    output *o = make(r->port, err, sizeof err);
    double start = 1700000100.0;
    output_run ri = run_info(start);
    o->start(o, &ri, err, sizeof err);
    store *total = store_new(), *iv = store_new();
    for (int s = 1; s <= 7; s++) {
        store_clear(iv);
        fill(iv, 10, 1);
        store_merge(total, iv);
        o->interval(o, start + s + 0.003 * (s % 2 ? 1 : -1), 1.0, iv, total);
    }
    o->stop(o, total);
    o->destroy(o);
    T_CHECK(recv_count(r) == 2, "one push at 5 s and the final one, got %d", recv_count(r));
    if (recv_count(r) == 2) {
        const Prometheus__TimeSeries *t =
            find_ts(r->req[0], "k6_http_req_duration_count_window", "status", "200");
        T_CHECK(t && near(ts_value(t), 5 * 7), "window of 5 s: %g", ts_value(t));
        t = find_ts(r->req[1], "k6_http_req_duration_count_window", "status", "200");
        T_CHECK(t && near(ts_value(t), 2 * 7), "final window of 2 s: %g", ts_value(t));
        t = find_ts(r->req[1], "k6_http_req_duration_count", "status", "200");
        T_CHECK(t && near(ts_value(t), 7 * 7), "cumulative: %g", ts_value(t));
    }
    store_free(total);
    store_free(iv);
    recv_stop(r);
}

/* 500s are retried with backoff; batches arrive in order. */
static void test_retry(void) {
    receiver *r = recv_start();
    r->statuses[0] = 500;
    r->statuses[1] = 503;
    r->statuses[2] = 429;
    setenv("K6_PROMETHEUS_RW_PUSH_INTERVAL", "1s", 1);
    setenv("K6_PROMETHEUS_RW_TREND_STATS", "p(99)", 1);
    char err[300] = "";
    output *o = make(r->port, err, sizeof err);
    double start = 1700000200.0;
    output_run ri = run_info(start);
    o->start(o, &ri, err, sizeof err);
    store *total = store_new(), *iv = store_new();
    capture_stderr("/tmp/lt-test-prw-retry.err");
    for (int s = 1; s <= 2; s++) {
        store_clear(iv);
        fill(iv, 10, 1);
        store_merge(total, iv);
        o->interval(o, start + s, 1.0, iv, total);
    }
    o->stop(o, total);
    char *e = release_stderr("/tmp/lt-test-prw-retry.err");
    o->destroy(o);
    int n = recv_count(r);
    T_CHECK(n == 6, "3 failures then 3 batches, got %d", n);
    T_CHECK(strstr(e, "lt: prometheus-rw: cannot push") && strstr(e, "HTTP 500"), "warned: %s", e);
    T_CHECK(!strstr(e, "not delivered"), "all delivered: %s", e);
    int64_t prev = 0;
    bool ordered = true;
    for (int i = 3; i < n; i++) {
        const Prometheus__TimeSeries *t = find_ts(r->req[i], "k6_http_reqs_total", NULL, NULL);
        ordered &= t && t->samples[0]->timestamp > prev;
        prev = t ? t->samples[0]->timestamp : prev;
    }
    T_CHECK(ordered, "in order");
    free(e);
    store_free(total);
    store_free(iv);
    recv_stop(r);
}

/* Nothing listens: the run is not slowed, stop() returns within its bound, with a warning. */
static void test_dead(void) {
    int port;
    int fd = listen_any(&port);
    close(fd);
    setenv("K6_PROMETHEUS_RW_PUSH_INTERVAL", "1s", 1);
    setenv("LT_PROMETHEUS_RW_STOP_TIMEOUT", "1s", 1);
    char err[300] = "";
    output *o = make(port, err, sizeof err);
    double start = 1700000300.0;
    output_run ri = run_info(start);
    o->start(o, &ri, err, sizeof err);
    store *total = store_new(), *iv = store_new();
    capture_stderr("/tmp/lt-test-prw-dead.err");
    double worst = 0;
    for (int s = 1; s <= 3; s++) {
        store_clear(iv);
        fill(iv, 10, 1);
        store_merge(total, iv);
        double t0 = now();
        o->interval(o, start + s, 1.0, iv, total);
        double el = now() - t0;
        worst = el > worst ? el : worst;
    }
    double t0 = now();
    o->stop(o, total);
    double el = now() - t0;
    char *e = release_stderr("/tmp/lt-test-prw-dead.err");
    o->destroy(o);
    T_CHECK(worst < 0.02, "interval() took %.3f s", worst);
    T_CHECK(el >= 0.9 && el < 1.5, "stop() waited %.3f s (bound 1 s)", el);
    T_CHECK(strstr(e, "lt: prometheus-rw: 4 of 4 batches") && strstr(e, "not delivered"),
            "warning: %s", e);
    T_CHECK(strstr(e, "cannot connect"), "reason: %s", e);
    free(e);
    store_free(total);
    store_free(iv);
}

/* A receiver that reads and never answers; a queue that overflows. */
static void test_hang_and_overflow(void) {
    receiver *r = recv_start();
    r->hang = true;
    setenv("K6_PROMETHEUS_RW_PUSH_INTERVAL", "1ms", 1);
    setenv("LT_PROMETHEUS_RW_STOP_TIMEOUT", "500ms", 1);
    char err[300] = "";
    output *o = make(r->port, err, sizeof err);
    double start = 1700000400.0;
    output_run ri = run_info(start);
    o->start(o, &ri, err, sizeof err);
    store *total = store_new(), *iv = store_new();
    capture_stderr("/tmp/lt-test-prw-hang.err");
    double worst = 0;
    for (int s = 1; s <= 100; s++) {
        store_clear(iv);
        fill(iv, 10, 1);
        store_merge(total, iv);
        double t0 = now();
        o->interval(o, start + s, 1.0, iv, total);
        double el = now() - t0;
        worst = el > worst ? el : worst;
    }
    double t0 = now();
    o->stop(o, total);
    double el = now() - t0;
    char *e = release_stderr("/tmp/lt-test-prw-hang.err");
    o->destroy(o);
    T_CHECK(worst < 0.02, "interval() took %.3f s", worst);
    T_CHECK(el < 1.0, "stop() took %.3f s (bound 0.5 s)", el);
    T_CHECK(recv_count(r) == 1, "one request in flight, %d", recv_count(r));
    /* 101 batches: 1 in flight (lost), 64 queued (lost when the final one pushes out the oldest: 36
     * dropped) */
    T_CHECK(strstr(e, "101 of 101 batches"), "%s", e);
    T_CHECK(strstr(e, "dropped while the queue was full"), "%s", e);
    const char *first = strstr(e, "dropping the oldest");
    T_CHECK(first && !strstr(first + 1, "dropping the oldest"), "warned once: %s", e);
    free(e);
    store_free(total);
    store_free(iv);
    recv_stop(r);
}

/* 400: the receiver rejects the data; dropped with a warning, not retried. */
static void test_reject(void) {
    receiver *r = recv_start();
    r->statuses[0] = 400;
    setenv("K6_PROMETHEUS_RW_PUSH_INTERVAL", "1s", 1);
    setenv("LT_PROMETHEUS_RW_STOP_TIMEOUT", "2s", 1);
    char err[300] = "";
    output *o = make(r->port, err, sizeof err);
    double start = 1700000500.0;
    output_run ri = run_info(start);
    o->start(o, &ri, err, sizeof err);
    store *total = store_new(), *iv = store_new();
    fill(iv, 10, 1);
    store_merge(total, iv);
    capture_stderr("/tmp/lt-test-prw-rej.err");
    o->interval(o, start + 1, 1.0, iv, total);
    o->stop(o, total);
    char *e = release_stderr("/tmp/lt-test-prw-rej.err");
    o->destroy(o);
    T_CHECK(recv_count(r) == 2, "no retry of a 400, %d requests", recv_count(r));
    T_CHECK(strstr(e, "rejected") && strstr(e, "HTTP 400") && strstr(e, "1 of 2 batches"), "%s", e);
    free(e);
    store_free(total);
    store_free(iv);
    recv_stop(r);
}

/* Waits until the receiver has closed n connections after answering; false after 10 s. */
static bool await_closed(receiver *r, int n) {
    for (double end = now() + 10; now() < end; usleep(1000)) {
        pthread_mutex_lock(&r->mu);
        bool done = r->nclosed >= n;
        pthread_mutex_unlock(&r->mu);
        if (done) return true;
    }
    return false;
}

/* A receiver that closes the connection after every answer: each push reconnects. */
static void test_reconnect(void) {
    receiver *r = recv_start();
    r->close_after = true;
    setenv("K6_PROMETHEUS_RW_PUSH_INTERVAL", "1s", 1);
    setenv("LT_PROMETHEUS_RW_STOP_TIMEOUT", "3s", 1);
    char err[300] = "";
    output *o = make(r->port, err, sizeof err);
    double start = 1700000600.0;
    output_run ri = run_info(start);
    o->start(o, &ri, err, sizeof err);
    store *total = store_new(), *iv = store_new();
    capture_stderr("/tmp/lt-test-prw-reconnect.err");
    for (int s = 1; s <= 3; s++) {
        store_clear(iv);
        fill(iv, 10, 1);
        store_merge(total, iv);
        o->interval(o, start + s, 1.0, iv, total);
        /* the next push finds a connection the server has closed while it was idle */
        T_CHECK(await_closed(r, s), "the receiver answered and closed push %d", s);
    }
    o->stop(o, total);
    char *e = release_stderr("/tmp/lt-test-prw-reconnect.err");
    o->destroy(o);
    T_CHECK(recv_count(r) >= 4 && !strstr(e, "not delivered"), "%d requests; %s", recv_count(r), e);
    free(e);
    store_free(total);
    store_free(iv);
    recv_stop(r);
}

/* The bucket a native histogram puts v in: (2^((i-1)/2^s), 2^(i/2^s)]. */
static void test_native_index(void) {
    T_CHECK(prom_rw_native_index(1.0, 8) == 0, "1 is bucket 0's upper bound");
    T_CHECK(prom_rw_native_index(2.0, 8) == 256, "2 is bucket 256's: %d",
            prom_rw_native_index(2.0, 8));
    T_CHECK(prom_rw_native_index(2.001, 8) == 257, "just above 2");
    T_CHECK(prom_rw_native_index(0.5, 3) == -8, "0.5 at schema 3: %d",
            prom_rw_native_index(0.5, 3));
    T_CHECK(prom_rw_native_index(4.0, -1) == 1, "4 at schema -1 (base 4)");
    for (double v = 1e-6; v < 1e3; v *= 1.37) {
        int i = prom_rw_native_index(v, 8);
        double lo = pow(2, (i - 1) / 256.0), hi = pow(2, i / 256.0);
        if (!(v > lo * (1 - 1e-12) && v <= hi * (1 + 1e-12))) {
            T_CHECK(false, "%g not in bucket %d (%g, %g]", v, i, lo, hi);
            break;
        }
    }
}

/* Bucket counts of a native histogram side, expanded: idx[k], cnt[k] for its k buckets. */
static size_t expand(Prometheus__BucketSpan **sp, size_t nsp, const int64_t *d, size_t nd, int *idx,
                     uint64_t *cnt, size_t cap) {
    size_t k = 0, j = 0;
    int at = 0;
    int64_t c = 0;
    for (size_t s = 0; s < nsp; s++) {
        at += sp[s]->offset;
        for (uint32_t l = 0; l < sp[s]->length && j < nd && k < cap; l++, at++) {
            c += d[j++];
            idx[k] = at;
            cnt[k++] = (uint64_t)c;
        }
    }
    return k;
}

/* Native histograms: names, counts, sum, buckets that reproduce the quantiles, cumulative across
 * pushes; then the stale markers for every series sent. */
static void test_native(void) {
    receiver *r = recv_start();
    setenv("K6_PROMETHEUS_RW_PUSH_INTERVAL", "1s", 1);
    setenv("K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM", "true", 1);
    setenv("K6_PROMETHEUS_RW_STALE_MARKERS", "1", 1);
    setenv("K6_PROMETHEUS_RW_BEARER_TOKEN", "tok", 1);
    setenv("K6_PROMETHEUS_RW_HTTP_HEADERS", "X-A:1,X-B:two", 1);
    setenv("K6_PROMETHEUS_RW_HEADERS_X-A", "0", 1);
    char err[300] = "";
    output *o = make(r->port, err, sizeof err);
    unsetenv("K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM");
    unsetenv("K6_PROMETHEUS_RW_STALE_MARKERS");
    unsetenv("K6_PROMETHEUS_RW_BEARER_TOKEN");
    unsetenv("K6_PROMETHEUS_RW_HTTP_HEADERS");
    unsetenv("K6_PROMETHEUS_RW_HEADERS_X-A");
    T_CHECK(o != NULL, "create: %s", err);
    if (!o) {
        recv_stop(r);
        return;
    }
    double start = 1700000000.0;
    output_run ri = run_info(start);
    T_CHECK(o->start(o, &ri, err, sizeof err) == 0, "start: %s", err);
    store *total = store_new(), *iv = store_new();
    for (int s = 1; s <= 2; s++) {
        store_clear(iv);
        fill(iv, 300 * s, 0.5 * s);
        store_add(iv, M_HTTP_REQ_DURATION, tags_a, 0); /* a zero */
        store_merge(total, iv);
        o->interval(o, start + s, 1.0, iv, total);
    }
    o->stop(o, total);
    o->destroy(o);
    int n = recv_count(r);
    T_CHECK(n == 4, "2 pushes, a final one and the stale markers: %d", n);
    if (n < 4) {
        recv_stop(r);
        store_free(total), store_free(iv);
        return;
    }
    const char *h = r->headers[0];
    T_CHECK(strcasestr(h, "\r\nAuthorization: Bearer tok\r\n"), "bearer token: %s", h);
    T_CHECK(strcasestr(h, "\r\nX-A: 1\r\n") && !strcasestr(h, "X-A: 0"),
            "HTTP_HEADERS wins over HEADERS_X-A: %s", h);
    T_CHECK(strcasestr(h, "\r\nX-B: two\r\n"), "HTTP_HEADERS: %s", h);
    const Prometheus__WriteRequest *w = r->req[1]; /* the second push; [2] is the final one */
    T_CHECK(!find_ts(w, "k6_http_req_duration_p99", NULL, NULL), "no trend stats with native");
    const Prometheus__TimeSeries *t = find_ts(w, "k6_http_req_duration_seconds", "status", "200");
    T_CHECK(t && t->n_histograms == 1 && t->n_samples == 0, "one histogram, no sample");
    T_CHECK(find_ts(w, "k6_match_latency_ms_seconds", NULL, NULL), "custom time trend");
    T_CHECK(find_ts(w, "k6_http_req_duration_p99_window", NULL, NULL), "lt's windows stay");
    const series *da = store_find(total, M_HTTP_REQ_DURATION, tags_a);
    if (t && t->n_histograms == 1 && da) {
        const Prometheus__Histogram *hg = t->histograms[0];
        T_CHECK(hg->count_case == PROMETHEUS__HISTOGRAM__COUNT_COUNT_INT &&
                    hg->count_int == hist_count(da->hist),
                "count %llu vs %llu", (unsigned long long)hg->count_int,
                (unsigned long long)hist_count(da->hist));
        T_CHECK(near(hg->sum, hist_sum(da->hist) / 1000), "sum in seconds %g", hg->sum);
        T_CHECK(hg->schema == 8, "schema %d", hg->schema);
        T_CHECK(hg->zero_count_int == 2, "two zeros: %llu", (unsigned long long)hg->zero_count_int);
        T_CHECK(hg->timestamp == (int64_t)((start + 2) * 1000), "histogram timestamp");
        static int idx[20000];
        static uint64_t cnt[20000];
        size_t k = expand(hg->positive_spans, hg->n_positive_spans, hg->positive_deltas,
                          hg->n_positive_deltas, idx, cnt, 20000);
        uint64_t sum = hg->zero_count_int;
        bool asc = true;
        for (size_t i = 0; i < k; i++) sum += cnt[i], asc &= i == 0 || idx[i] > idx[i - 1];
        T_CHECK(sum == hg->count_int && asc, "buckets add up to the count: %llu, ascending %d",
                (unsigned long long)sum, asc);
        /* p50 and p99 from the buckets (upper bound of the bucket holding the rank) are within
         * a bucket width and a half of lt's own */
        for (double q = 0.5; q < 1; q += 0.49) {
            uint64_t rank = (uint64_t)ceil(q * (double)hg->count_int), acc = hg->zero_count_int;
            double ub = 0;
            for (size_t i = 0; i < k && acc < rank; i++) acc += cnt[i], ub = pow(2, idx[i] / 256.0);
            double want = hist_percentile(da->hist, q * 100) / 1000;
            T_CHECK(fabs(ub - want) <= want * 0.006, "q%.2f: buckets %g s, lt %g s", q, ub, want);
        }
        /* cumulative: the first push's buckets are never more than the second's */
        const Prometheus__TimeSeries *t0 =
            find_ts(r->req[0], "k6_http_req_duration_seconds", "status", "200");
        T_CHECK(t0 && t0->histograms[0]->count_int < hg->count_int, "cumulative count");
    }
    /* the stale markers: every series of the last data push, one StaleNaN each, later */
    const Prometheus__WriteRequest *st = r->req[3];
    size_t want = r->req[1]->n_timeseries;
    bool all_stale = st->n_timeseries >= want;
    for (size_t i = 0; i < st->n_timeseries; i++) {
        const Prometheus__TimeSeries *x = st->timeseries[i];
        uint64_t bits = 0;
        if (x->n_samples == 1) memcpy(&bits, &x->samples[0]->value, sizeof bits);
        all_stale &= x->n_samples == 1 && x->n_histograms == 0 && bits == 0x7ff0000000000002ull;
        all_stale &= x->n_samples == 1 && x->samples[0]->timestamp > (int64_t)((start + 2) * 1000);
    }
    for (size_t i = 0; i < r->req[1]->n_timeseries; i++) {
        const Prometheus__TimeSeries *x = r->req[1]->timeseries[i];
        const char *nm = label(x, "__name__"), *stv = label(x, "status");
        all_stale &= find_ts(st, nm, stv ? "status" : NULL, stv) != NULL;
    }
    T_CHECK(all_stale, "%zu stale markers (StaleNaN, later timestamp) cover the %zu series sent",
            st->n_timeseries, want);
    printf("# native push: %zu series, %zu bytes snappy; stale markers: %zu series\n",
           w->n_timeseries, r->body_len[1], st->n_timeseries);
    store_free(total);
    store_free(iv);
    recv_stop(r);
}

/* LT_PROMETHEUS_RW_NATIVE_SCHEMA: fewer, wider buckets; the counts still add up. */
static void test_native_schema(void) {
    receiver *r = recv_start();
    setenv("K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM", "T", 1);
    setenv("LT_PROMETHEUS_RW_NATIVE_SCHEMA", "3", 1);
    char err[300] = "";
    output *o = make(r->port, err, sizeof err);
    unsetenv("K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM");
    unsetenv("LT_PROMETHEUS_RW_NATIVE_SCHEMA");
    T_CHECK(o != NULL, "create: %s", err);
    if (!o) {
        recv_stop(r);
        return;
    }
    output_run ri = run_info(1700000000.0);
    T_CHECK(o->start(o, &ri, err, sizeof err) == 0, "start: %s", err);
    store *total = store_new();
    fill(total, 1000, 1);
    o->stop(o, total);
    o->destroy(o);
    const Prometheus__TimeSeries *t =
        recv_count(r) == 1 ? find_ts(r->req[0], "k6_http_req_duration_seconds", "status", "200")
                           : NULL;
    T_CHECK(t && t->n_histograms == 1, "one histogram pushed (%d requests)", recv_count(r));
    if (t && t->n_histograms == 1) {
        const Prometheus__Histogram *hg = t->histograms[0];
        static int idx[4096];
        static uint64_t cnt[4096];
        size_t k = expand(hg->positive_spans, hg->n_positive_spans, hg->positive_deltas,
                          hg->n_positive_deltas, idx, cnt, 4096);
        uint64_t sum = hg->zero_count_int;
        for (size_t i = 0; i < k; i++) sum += cnt[i];
        /* 750 samples from 1 ms to 1 s: ten powers of two, 8 buckets each at schema 3 */
        T_CHECK(hg->schema == 3 && k <= 90 && sum == hg->count_int,
                "schema %d, %zu buckets, %llu of %llu samples", hg->schema, k,
                (unsigned long long)sum, (unsigned long long)hg->count_int);
    }
    store_free(total);
    recv_stop(r);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    metrics_init();
    char err[200];
    m_custom = metric_register("match_latency_ms", METRIC_TREND, true, err, sizeof err);
    tag_cache *tc = tag_cache_new();
    tag_builder b = {0};
    tags_put(&b, "status", "200");
    tags_put(&b, "method", "GET");
    tags_put(&b, "name", "http://h/");
    tags_put(&b, "my-tag", "x");
    tags_put(&b, "scenario", "s");
    tags_put(&b, "empty", "");
    tags_a = tagset_intern(tc, &b);
    tags_put(&b, "status", "404");
    tags_b = tagset_intern(tc, &b);
    test_names();
    test_create_errors();
    test_push();
    test_native_index();
    test_native();
    test_native_schema();
    test_push_interval();
    test_retry();
    test_dead();
    test_hang_and_overflow();
    test_reject();
    test_reconnect();
    tag_cache_free(tc);
    return T_DONE();
}
