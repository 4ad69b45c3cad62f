/* prom_rw_send.c — the prometheus-rw output's delivery: the queue of batches (main thread
 * side) and the sender thread, which POSTs them in order with libevent's evhttp client on its
 * own event_base, retrying network errors, 5xx and 429 with exponential backoff.
 */
#include "output/prom_rw_internal.h"
#include <errno.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REQ_TIMEOUT_S    10
#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS   5000

/* ---- the queue ---- */

void prw_enqueue(prw *p, batch *b) {
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
        prw_batch_free(old);
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

/* Waits up to ms, or until abort; when stop() begins meanwhile, at most 500 ms from then (the
 * final batch should not wait out a long backoff). Returns false on abort. Called with mu held. */
static bool backoff_wait(prw *p, int ms) {
    struct timespec dl = lt_wall_deadline(ms / 1000.0);
    bool was_stopping = p->stopping;
    while (!atomic_load(&p->abort)) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT) break;
        if (p->stopping && !was_stopping) {
            was_stopping = true;
            struct timespec soon = lt_wall_deadline(0.5);
            if (soon.tv_sec < dl.tv_sec || (soon.tv_sec == dl.tv_sec && soon.tv_nsec < dl.tv_nsec))
                dl = soon;
        }
    }
    return !atomic_load(&p->abort);
}

void *prw_sender_main(void *arg) {
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
            double t0 = lt_now();
            int st = s.tick ? post_once(p, &s, b, err, sizeof err) : 0;
            if (!s.tick) snprintf(err, sizeof err, "cannot create an event loop");
            double lat = lt_now() - t0;
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
        prw_batch_free(b);
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
        prw_batch_free(b);
    }
    pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
    if (s.conn) evhttp_connection_free(s.conn);
    if (s.tick) event_free(s.tick);
    if (s.base) event_base_free(s.base);
    return NULL;
}
