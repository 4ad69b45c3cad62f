/* scrape.c — see scrape.h. The Prometheus text parser and the selection rule are in
 * prom_text.c; this file is the scraper: its thread, the evhttp polling and the snapshots;
 * scrape_collect.c turns snapshots into lt's metrics.
 *
 * Threads: the scraper thread owns the event_base, the evdns base, the connections and the
 * requests; it parses each answer into a `snapshot` and publishes it under `mu` (replacing an
 * unread one). The main thread takes the snapshots in scraper_collect() and does everything that
 * touches lt's registry (metric_register, tagset_intern with the scraper's own tag_cache, the
 * store), so nothing on the load path ever waits for the network. The main thread wakes the
 * scraper thread only through an eventfd (no evthread locking needed).
 */
#include "scrape/scrape.h"
#include "scrape/scrape_internal.h"
#include "base/clock.h"
#include "scrape/prom_text.h"
#include "net/http_client.h"
#include "net/url.h"
#include <event2/buffer.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

/* ======================= snapshots ======================= */

void scrape_snapshot_free(snapshot *s) {
    if (!s) return;
    free(s->arena);
    free(s->e);
    free(s);
}

static bool arena_put(snapshot *s, const char *str) {
    size_t n = strlen(str) + 1;
    if (s->alen + n > s->acap) {
        size_t ncap = (s->alen + n) * 2;
        char *na = realloc(s->arena, ncap);
        if (!na) return false;
        s->arena = na;
        s->acap = ncap;
    }
    memcpy(s->arena + s->alen, str, n);
    s->alen += n;
    return true;
}

static void snapshot_add(const scrape_sample *smp, void *arg) {
    snapshot *s = arg;
    if (s->n == SCRAPE_MAX_SERIES) {
        s->truncated = true;
        return;
    }
    if (s->n == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        snap_entry *ne = realloc(s->e, ncap * sizeof *ne);
        if (!ne) return;
        s->e = ne;
        s->cap = ncap;
    }
    size_t off = s->alen;
    bool ok = arena_put(s, smp->name);
    for (int i = 0; ok && i < smp->nlabels; i++)
        ok = arena_put(s, smp->keys[i]) && arena_put(s, smp->vals[i]);
    if (!ok) {
        s->alen = off;
        return;
    }
    s->e[s->n++] = (snap_entry){off, smp->nlabels, smp->value, smp->counter};
}

static void set_err(char *err, size_t errlen, const char *fmt, const char *a, const char *b) {
    if (err && errlen) snprintf(err, errlen, fmt, a, b);
}

scraper *scraper_new(const char *const *urls, int nurls, const char *const *patterns, int npatterns,
                     char *err, size_t errlen) {
    if (nurls <= 0) {
        set_err(err, errlen, "%s%s", "no URL to scrape", "");
        return NULL;
    }
    for (int i = 0; i < npatterns; i++)
        if (!patterns[i] || !*patterns[i]) {
            set_err(err, errlen, "%s%s", "an empty metric pattern", "");
            return NULL;
        }
    scraper *s = calloc(1, sizeof *s);
    s->t = calloc((size_t)nurls, sizeof *s->t);
    s->patterns = calloc((size_t)npatterns + 1, sizeof(char *));
    s->wake_fd = -1;
    pthread_mutex_init(&s->mu, NULL);
    for (int i = 0; i < npatterns; i++) s->patterns[s->npatterns++] = strdup(patterns[i]);
    for (int i = 0; i < nurls; i++) {
        target *t = &s->t[s->nt++];
        t->s = s;
        t->url = strdup(urls[i] ? urls[i] : "");
        lt_url u;
        const char *why = "";
        if (lt_url_parse(t->url, &u, &why) != 0) {
            set_err(err, errlen, "'%s': %s", t->url, why);
            scraper_free(s);
            return NULL;
        }
        if (u.tls) {
            set_err(err, errlen, "'%s': %s", t->url, "https is not supported for scraping (yet)");
            scraper_free(s);
            return NULL;
        }
        snprintf(t->host, sizeof t->host, "%s", u.host);
        t->port = u.port;
        const char *lb = u.ipv6_literal ? "[" : "", *rb = u.ipv6_literal ? "]" : "";
        snprintf(t->hostport, sizeof t->hostport, "%s%s%s:%u", lb, u.host, rb, u.port);
        if (u.default_port)
            snprintf(t->hosthdr, sizeof t->hosthdr, "%s%s%s", lb, u.host, rb);
        else
            snprintf(t->hosthdr, sizeof t->hosthdr, "%s", t->hostport);
        if (u.target_len == 0) {
            t->path = strdup("/metrics");
        } else {
            bool slash = lt_url_target_needs_slash(&u);
            t->path = malloc(u.target_len + 2);
            snprintf(t->path, u.target_len + 2, "%s%.*s", slash ? "/" : "", (int)u.target_len,
                     u.target);
        }
    }
    s->tags = tag_cache_new();
    return s;
}

/* ======================= the scraper thread ======================= */

static const char *errkind_str(int e) {
    switch (e) {
    case EVREQ_HTTP_TIMEOUT:
        return "timed out";
    case EVREQ_HTTP_EOF:
        return "the connection closed before a complete answer";
    case EVREQ_HTTP_INVALID_HEADER:
        return "invalid HTTP response";
    case EVREQ_HTTP_DATA_TOO_LONG:
        return "answer larger than 8 MB";
    default:
        return "cannot connect, or the connection closed without an answer";
    }
}

static void maybe_finish(scraper *s);

/* A scrape ended without data. */
static void failed(target *t, const char *why) {
    scraper *s = t->s;
    pthread_mutex_lock(&s->mu);
    t->failures++;
    snprintf(t->last_error, sizeof t->last_error, "%s", why);
    bool warn = !t->warned;
    t->warned = true;
    pthread_mutex_unlock(&s->mu);
    if (warn)
        fprintf(stderr,
                WARN "%s: %s (the run goes on; further failures are counted and reported at the "
                     "end)\n",
                t->url, why);
}

static void request_ended(target *t) {
    if (t->deadline) evtimer_del(t->deadline);
    t->req = NULL;
    if (t->final_pending) {
        t->final_pending = false;
        maybe_finish(t->s);
    }
}

static void on_req_error(enum evhttp_request_error e, void *arg) {
    target *t = arg;
    if (!t->cancelling) t->errkind = (int)e;
}

static void publish(target *t, snapshot *snap) {
    scraper *s = t->s;
    pthread_mutex_lock(&s->mu);
    if (t->latest && !t->published_once_collected && !t->baseline) {
        t->baseline = t->latest; /* the first scrape: the start of every rate */
    } else {
        scrape_snapshot_free(t->latest);
    }
    t->latest = snap;
    bool warn = snap->truncated && !t->warned_trunc;
    if (snap->truncated) {
        t->warned_trunc = true;
        t->truncated++;
    }
    pthread_mutex_unlock(&s->mu);
    if (warn)
        fprintf(stderr,
                WARN "%s: more than %d series selected; keeping the first %d (narrow them with "
                     "--scrape-filter)\n",
                t->url, SCRAPE_MAX_SERIES, SCRAPE_MAX_SERIES);
}

static void on_req_done(struct evhttp_request *req, void *arg) {
    target *t = arg;
    if (t->cancelling) return;
    int code = req ? evhttp_request_get_response_code(req) : 0;
    if (code == 0) {
        failed(t, errkind_str(t->errkind));
    } else if (code != 200) {
        char why[64];
        snprintf(why, sizeof why, "HTTP %d", code);
        failed(t, why);
    } else {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(in);
        const char *data = len ? (const char *)evbuffer_pullup(in, -1) : "";
        snapshot *snap = calloc(1, sizeof *snap);
        if (!snap || (len && !data)) {
            free(snap);
            failed(t, "out of memory");
        } else {
            scrape_parse(data, len, (const char *const *)t->s->patterns, t->s->npatterns,
                         snapshot_add, snap, NULL);
            snap->t = lt_now();
            publish(t, snap);
        }
    }
    request_ended(t);
}

/* The 2 s deadline of a request (evhttp's own timeout only bounds inactivity). */
static void on_deadline(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    target *t = arg;
    if (!t->req) return;
    t->cancelling = true;
    evhttp_cancel_request(t->req); /* resets the connection; the callbacks see `cancelling` */
    t->cancelling = false;
    failed(t, "no complete answer within 2 s");
    request_ended(t);
}

/* Cancels a request the final scrape replaces: neither a success nor a failure. */
static void cancel_quietly(target *t) {
    if (!t->req) return;
    pthread_mutex_lock(&t->s->mu);
    t->attempts--;
    pthread_mutex_unlock(&t->s->mu);
    t->cancelling = true;
    evhttp_cancel_request(t->req);
    t->cancelling = false;
    if (t->deadline) evtimer_del(t->deadline);
    t->req = NULL;
}

static bool start_request(target *t) {
    scraper *s = t->s;
    if (t->req) return true; /* the previous one is still running: skip this second */
    pthread_mutex_lock(&s->mu);
    t->attempts++;
    pthread_mutex_unlock(&s->mu);
    if (!t->conn) {
        t->conn = evhttp_connection_base_new(s->base, s->dns, t->host, t->port);
        if (!t->conn) {
            failed(t, "cannot create a connection");
            return false;
        }
        evhttp_connection_set_timeout(t->conn, SCRAPE_TIMEOUT_S);
        evhttp_connection_set_retries(t->conn, 0);
        evhttp_connection_set_max_body_size(t->conn, SCRAPE_MAX_BODY);
        evhttp_connection_set_max_headers_size(t->conn, 64 * 1024);
    }
    struct evhttp_request *req = evhttp_request_new(on_req_done, t);
    if (!req) {
        failed(t, "out of memory");
        return false;
    }
    evhttp_request_set_error_cb(req, on_req_error);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", t->hosthdr);
    evhttp_add_header(h, "User-Agent", "lt-scrape");
    evhttp_add_header(h, "Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1");
    evhttp_add_header(h, "Accept-Encoding", "identity");
    t->errkind = -1;
    t->req = req;
    if (evhttp_make_request(t->conn, req, EVHTTP_REQ_GET, t->path) != 0) {
        t->req = NULL; /* freed by libevent */
        failed(t, "cannot send the request");
        return false;
    }
    struct timeval tv = {SCRAPE_TIMEOUT_S, 0};
    evtimer_add(t->deadline, &tv);
    return true;
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {
    (void)fd;
    (void)what;
    scraper *s = arg;
    if (s->final_started) return;
    for (int i = 0; i < s->nt; i++) start_request(&s->t[i]);
}

static void on_first(evutil_socket_t fd, short what, void *arg) {
    scraper *s = arg;
    struct timeval one = {1, 0};
    event_add(s->tick, &one);
    on_tick(fd, what, arg);
}

static void maybe_finish(scraper *s) {
    if (!s->final_started) return;
    for (int i = 0; i < s->nt; i++)
        if (s->t[i].final_pending) return;
    event_base_loopexit(s->base, NULL);
}

static void on_wake(evutil_socket_t fd, short what, void *arg) {
    (void)what;
    scraper *s = arg;
    uint64_t v;
    ssize_t r = read(fd, &v, sizeof v);
    (void)r;
    pthread_mutex_lock(&s->mu);
    bool stop = s->stop_req, abort_now = s->abort_req;
    pthread_mutex_unlock(&s->mu);
    if (abort_now) {
        event_base_loopbreak(s->base);
        return;
    }
    if (!stop || s->final_started) return;
    /* the final scrape: fresh requests, so the values are those after the load ended */
    s->final_started = true;
    event_del(s->tick);
    event_del(s->first);
    event_del(s->baseline_ev);
    for (int i = 0; i < s->nt; i++) {
        target *t = &s->t[i];
        cancel_quietly(t);
        t->final_pending = start_request(t);
    }
    maybe_finish(s);
}

static void *scraper_main(void *arg) {
    scraper *s = arg;
    sigset_t set;
    sigfillset(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* signals are the main thread's */
    event_base_dispatch(s->base);
    for (int i = 0; i < s->nt; i++) {
        target *t = &s->t[i];
        cancel_quietly(t);
        if (t->conn) evhttp_connection_free(t->conn);
        t->conn = NULL;
    }
    return NULL;
}

int scraper_start(scraper *s, char *err, size_t errlen) {
    s->base = event_base_new();
    if (!s->base) goto fail;
    /* asynchronous names (and /etc/hosts); without a resolver configuration, blocking lookups */
    s->dns = evdns_base_new(s->base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (s->dns) {
        char tmo[16];
        snprintf(tmo, sizeof tmo, "%d", SCRAPE_TIMEOUT_S);
        evdns_base_set_option(s->dns, "timeout:", tmo);
        evdns_base_set_option(s->dns, "attempts:", "1");
    }
    s->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (s->wake_fd < 0) goto fail;
    s->tick = event_new(s->base, -1, EV_PERSIST, on_tick, s);
    s->first = evtimer_new(s->base, on_first, s);
    s->baseline_ev = evtimer_new(s->base, on_tick, s);
    s->wake = event_new(s->base, s->wake_fd, EV_READ | EV_PERSIST, on_wake, s);
    if (!s->tick || !s->first || !s->baseline_ev || !s->wake) goto fail;
    for (int i = 0; i < s->nt; i++) {
        s->t[i].deadline = evtimer_new(s->base, on_deadline, &s->t[i]);
        if (!s->t[i].deadline) goto fail;
    }
    event_add(s->wake, NULL);
    struct timeval now = {0, 0}, half = {0, 500000};
    event_add(s->first, &half);
    event_add(s->baseline_ev, &now);
    int rc = pthread_create(&s->thread, NULL, scraper_main, s);
    if (rc != 0) {
        snprintf(err, errlen, "scrape: cannot start the scraper thread: %s", strerror(rc));
        return -1;
    }
    s->started = true;
    return 0;
fail:
    snprintf(err, errlen, "scrape: cannot set up the event loop");
    return -1;
}

static void wake(scraper *s) {
    uint64_t one = 1;
    ssize_t r = write(s->wake_fd, &one, sizeof one);
    (void)r;
}

static bool join_within(scraper *s, double seconds) {
    struct timespec ts = lt_wall_deadline(seconds);
    return pthread_timedjoin_np(s->thread, NULL, &ts) == 0;
}

void scraper_stop(scraper *s) {
    if (!s || !s->started || s->joined || s->leaked) return;
    pthread_mutex_lock(&s->mu);
    s->stop_req = true;
    pthread_mutex_unlock(&s->mu);
    wake(s);
    /* the final requests have a 2 s deadline each, in parallel */
    bool ok = join_within(s, SCRAPE_TIMEOUT_S + 1.0);
    if (!ok) {
        pthread_mutex_lock(&s->mu);
        s->abort_req = true;
        pthread_mutex_unlock(&s->mu);
        wake(s);
        ok = join_within(s, 1.0);
    }
    if (!ok) {
        pthread_detach(s->thread);
        s->leaked = true; /* its memory stays: the thread may still use it */
        fprintf(stderr, WARN "the scraper thread did not stop in time\n");
    } else {
        s->joined = true;
    }
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nt; i++) {
        target *t = &s->t[i];
        if (t->failures)
            fprintf(stderr, WARN "%s: %llu of %llu scrapes failed (last: %s)\n", t->url,
                    (unsigned long long)t->failures, (unsigned long long)t->attempts,
                    t->last_error);
    }
    pthread_mutex_unlock(&s->mu);
}

void scraper_feed(scraper *s, int target_index, const char *text, size_t len, double t) {
    if (!s || target_index < 0 || target_index >= s->nt) return;
    snapshot *snap = calloc(1, sizeof *snap);
    if (!snap) return;
    scrape_parse(text, len, (const char *const *)s->patterns, s->npatterns, snapshot_add, snap,
                 NULL);
    snap->t = t;
    publish(&s->t[target_index], snap);
}

void scraper_free(scraper *s) {
    if (!s) return;
    if (s->started && !s->joined && !s->leaked) scraper_stop(s);
    if (s->leaked) return;
    for (int i = 0; i < s->nt; i++) {
        target *t = &s->t[i];
        if (t->deadline) event_free(t->deadline);
        scrape_snapshot_free(t->latest);
        scrape_snapshot_free(t->baseline);
        free(t->url);
        free(t->path);
    }
    if (s->tick) event_free(s->tick);
    if (s->first) event_free(s->first);
    if (s->baseline_ev) event_free(s->baseline_ev);
    if (s->wake) event_free(s->wake);
    if (s->dns) evdns_base_free(s->dns, 0);
    if (s->base) event_base_free(s->base);
    if (s->wake_fd >= 0) close(s->wake_fd);
    name_map_free(&s->name_index);
    free(s->names);
    free(s->series);
    for (int i = 0; i < s->npatterns; i++) free(s->patterns[i]);
    free(s->patterns);
    if (s->tags) tag_cache_free(s->tags);
    pthread_mutex_destroy(&s->mu);
    free(s->t);
    free(s);
}
