/* http_client.c — lt's HTTP/1.1 client; the promises are in http_client.h.
 *
 * Shape: a worker owns the event_base, a 64 KiB read buffer shared by all its connections and
 * one SSL_CTX. A pool (one per VU) owns up to MAX_IDLE_CONNS kept-alive connections, the
 * serialized request, the parser and the response buffers, since it has at most one request in
 * flight. A connection is small: a transport (fd, SSL), two struct events and a key.
 *
 * Steady state on a kept-alive connection: http_send() serializes the request into the pool's
 * buffer and writes it at once with one send(); the connection's persistent EV_READ event
 * (registered once at connect) delivers the response, parsed straight out of the worker's read
 * buffer. No epoll_ctl, no allocation per request unless a buffer must grow.
 *
 * Re-entrancy rule: `done` is always the last thing a code path does, because it may start the
 * next request on the same pool (even on the same connection) or free the pool. Every function
 * that can complete the request returns STOPPED, and its callers then return without touching
 * the pool or the connection again.
 *
 * Files: this one has the public API and a request's life on a pool, from http_send() to
 * finish_request() and `done`; conn.c the connections, request.c the request, response.c the
 * response. The structs they share are in http_internal.h.
 */

#include "net/http_client.h"

#include "net/http_internal.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_MAX_BODY  ((size_t)64 << 20)
#define DEFAULT_TIMEOUT_S 60.0
#define KEEP_BUFFER_MAX   (1 << 20) /* larger buffers are freed before the next request */

const char *http_error_name(http_error e) {
    switch (e) {
    case HTTP_OK:
        return "";
    case HTTP_ERR_GENERIC:
        return "request failed";
    case HTTP_ERR_DNS:
        return "dns lookup failed";
    case HTTP_ERR_CONNECT_REFUSED:
        return "connection refused";
    case HTTP_ERR_CONNECT:
        return "connect failed";
    case HTTP_ERR_CONN_RESET:
        return "connection reset by peer";
    case HTTP_ERR_CLOSED:
        return "connection closed before response complete";
    case HTTP_ERR_TIMEOUT:
        return "request timeout";
    case HTTP_ERR_TLS:
        return "tls handshake failed";
    case HTTP_ERR_TLS_VERIFY:
        return "tls certificate verification failed";
    case HTTP_ERR_BAD_STATUS:
        return "malformed status line";
    case HTTP_ERR_BAD_HEADER:
        return "malformed header";
    case HTTP_ERR_HEADER_TOO_LARGE:
        return "response header too large";
    case HTTP_ERR_BAD_LENGTH:
        return "invalid content-length";
    case HTTP_ERR_BAD_CHUNK:
        return "invalid chunked encoding";
    case HTTP_ERR_BODY_TOO_LARGE:
        return "response body too large";
    case HTTP_ERR_PROTOCOL:
        return "protocol error";
    case HTTP_ERR_INVALID_URL:
        return "invalid url";
    case HTTP_ERR_INVALID_HEADER:
        return "invalid header";
    case HTTP_ERR_CANCELLED:
        return "request cancelled";
    }
    return "unknown error";
}

/* ---- timing ---- */

static double ms_between(double from, double to) {
    return from > 0 && to > from ? (to - from) * 1000.0 : 0.0;
}

/* The first nonzero of a, b, c. */
static double first_set(double a, double b, double c) {
    return a > 0 ? a : b > 0 ? b : c;
}

static http_timings compute_timings(const http_pool *p, double end) {
    http_timings t = {0};
    t.blocked = ms_between(p->t_issue, first_set(p->t_conn_start, p->t_send_start, end));
    t.connecting = ms_between(p->t_conn_start, first_set(p->t_connected, end, 0));
    t.tls_handshaking = ms_between(p->t_tls_start, first_set(p->t_tls_done, end, 0));
    t.sending = ms_between(p->t_send_start, first_set(p->t_sent, p->t_first_byte, end));
    t.waiting = ms_between(p->t_sent, first_set(p->t_first_byte, end, 0));
    t.receiving = ms_between(p->t_first_byte, end);
    t.duration = t.sending + t.waiting + t.receiving;
    return t;
}

/* ---- completing a request ---- */

static void deliver(http_pool *p) {
    double end = lt_now();
    http_error err = p->result_error;
    bool ok = err == HTTP_OK;
    http_result r = {
        .status = p->status,
        .error = err,
        .error_text = ok ? "" : p->errtext,
        .body = ok && !p->discard_body ? (p->body.data ? p->body.data : "") : NULL,
        .body_len = ok && !p->discard_body ? p->body.len : 0,
        .header_block = p->hdr.data ? p->hdr.data : "",
        .header_len = p->hdr.len,
        .proto = p->status == 0                                           ? ""
                 : p->parser.http_major == 1 && p->parser.http_minor == 0 ? "HTTP/1.0"
                 : p->parser.http_major == 1                              ? "HTTP/1.1"
                                                                          : "HTTP/?",
        .timings = compute_timings(p, end),
        .bytes_sent = p->sent,
        .bytes_received = p->received,
        .retries = p->retried ? 1 : 0,
        .started = p->t_issue,
        .finished = end,
    };
    http_done_fn done = p->done;
    void *arg = p->arg;
    p->done = NULL;
    p->busy = false;
    done(arg, &r); /* last: it may start the next request or free the pool */
}

static void on_deferred(evutil_socket_t fd, short what, void *arg) {
    deliver(arg);
}

/* Ends the request in flight: keeps or closes its connection, then calls `done` — later, from
 * a zero-timeout event, when we are still inside http_send. Always returns STOPPED. */
step finish_request(http_pool *p, http_error err) {
    event_del(&p->timer);
    stop_waiting_dns(p); /* timed out or cancelled while its host was being looked up */
    http_conn *c = p->conn;
    p->conn = NULL;
    if (c) {
        bool reusable = err == HTTP_OK && p->keep_alive && p->out_off == p->out.len;
        if (reusable)
            release_idle(p, c);
        else
            conn_close(c);
    }
    p->result_error = err;
    if (p->in_send) {
        event_active(&p->deferred, EV_TIMEOUT, 1);
        return STOPPED;
    }
    deliver(p);
    return STOPPED;
}

step fail_request(http_pool *p, http_error err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->errtext, sizeof p->errtext, fmt, ap);
    va_end(ap);
    return finish_request(p, err);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg) {
    http_pool *p = arg;
    fail_request(p, HTTP_ERR_TIMEOUT, "request timeout");
}

/* ---- starting a request ---- */

static const struct timeval *timeout_tv(http_pool *p, double secs) {
    http_worker *w = p->w;
    for (int i = 0; i < w->ntimeouts; i++)
        if (w->timeouts[i].secs == secs) return w->timeouts[i].tv;
    struct timeval tv = {(time_t)secs, (suseconds_t)((secs - (double)(time_t)secs) * 1e6)};
    if (w->ntimeouts < MAX_CACHED_TIMEOUTS) {
        /* A common timeout keeps many equal timers in a queue: O(1) add and delete. */
        const struct timeval *common = event_base_init_common_timeout(w->base, &tv);
        if (common) {
            w->timeouts[w->ntimeouts++] = (cached_timeout){secs, common};
            return common;
        }
    }
    p->timer_tv = tv;
    return &p->timer_tv;
}

static void begin_request(http_pool *p, const http_request *req, http_done_fn done, void *arg) {
    p->busy = true;
    p->done = done;
    p->arg = arg;
    p->t_issue = lt_now();
    p->t_conn_start = p->t_connected = p->t_tls_start = p->t_tls_done = 0;
    p->t_send_start = p->t_sent = p->t_first_byte = 0;
    p->sent = p->received = 0;
    p->out_off = 0;
    p->retried = p->close_requested = false;
    p->discard_body = req->discard_body;
    p->errtext[0] = '\0';
    buf_reset_shrink(&p->out, KEEP_BUFFER_MAX);
    buf_reset_shrink(&p->body, KEEP_BUFFER_MAX);
    buf_reset_shrink(&p->hdr, 16 * 1024);
    reset_response(p);
}

/* Everything up to the first byte on the wire; may complete the request (deferred). */
static SSL_CTX *new_ssl_ctx(const http_tls_config *tls, char *err, size_t errlen);

/* Parses the URL into p->url (pointing into the pool's own copy) unless it is the last one's;
 * sets the key and forgets the request line made for another URL. */
static int use_url(http_pool *p, const char *url, const char **why) {
    if (!url) return lt_url_parse(url, &p->url, why);
    size_t n = strlen(url) + 1;
    if (p->url_text.len == n && memcmp(p->url_text.data, url, n) == 0) return 0;
    p->url_text.len = 0;
    p->line_method[0] = 0;
    p->host_line.len = 0;
    if (buf_append(&p->url_text, url, n) < 0) return *why = "out of memory", -1;
    if (lt_url_parse(p->url_text.data, &p->url, why) < 0) {
        p->url_text.len = 0; /* not cached: a bad URL fails every time */
        return -1;
    }
    snprintf(p->key, sizeof p->key, "%c:%s:%u", p->url.tls ? 's' : 'h', p->url.host,
             (unsigned)p->url.port);
    return 0;
}

static step start_request(http_pool *p, const http_request *req) {
    const char *why = "";
    if (use_url(p, req->url, &why) < 0)
        return fail_request(p, HTTP_ERR_INVALID_URL, "invalid url: %s", why);
    const char *method = req->method && *req->method ? req->method : "GET";
    if (strcmp(method, p->line_method) != 0) { /* checked once per method and URL */
        if (strpbrk(method, " \r\n\t"))
            return fail_request(p, HTTP_ERR_GENERIC, "invalid method \"%s\"", method);
        if (make_request_line(p, method) < 0)
            return fail_request(p, HTTP_ERR_GENERIC, "out of memory");
    }
    p->is_head = strcmp(method, "HEAD") == 0;
    if (check_headers(req, p->errtext, sizeof p->errtext) < 0)
        return finish_request(p, HTTP_ERR_INVALID_HEADER);
    if (build_request(p, req, method) < 0)
        return fail_request(p, HTTP_ERR_GENERIC, "out of memory");
    if (p->url.tls && !p->w->ssl_ctx) {
        /* made on the first https:// request: loading the system CA bundle costs ~40 ms, which
         * every plain-HTTP run and `lt inspect` would otherwise pay per thread */
        char tls_err[256];
        http_tls_config tls = {.ca_file = p->w->ca_file, .insecure_skip_verify = !p->w->verify};
        if (!(p->w->ssl_ctx = new_ssl_ctx(&tls, tls_err, sizeof tls_err)))
            return fail_request(p, HTTP_ERR_TLS, "%s", tls_err);
    }
    http_conn *c = req->no_reuse ? NULL : take_idle(p);
    if (!c) return open_connection(p, 0);
    p->w->stats.reused++;
    p->conn = c;
    return start_sending(p);
}

int http_send(http_pool *p, const http_request *req, http_done_fn done, void *arg) {
    if (p->busy || p->freeing) return -1;
    begin_request(p, req, done, arg);
    double secs = req->timeout_s > 0 ? req->timeout_s : DEFAULT_TIMEOUT_S;
    event_add(&p->timer, timeout_tv(p, secs));
    p->in_send = true;
    start_request(p, req);
    p->in_send = false;
    return 0;
}

/* ---- pools and workers ---- */

http_pool *http_pool_new(http_worker *w) {
    http_pool *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->w = w;
    evtimer_assign(&p->timer, w->base, on_timeout, p);
    evtimer_assign(&p->deferred, w->base, on_deferred, p);
    evtimer_assign(&p->dns_retry, w->base, on_dns_retry, p);
    reset_response(p);
    return p;
}

void http_pool_cancel(http_pool *p) {
    if (!p || !p->busy) return;
    event_del(&p->deferred);
    snprintf(p->errtext, sizeof p->errtext, "request cancelled");
    finish_request(p, HTTP_ERR_CANCELLED);
}

void http_pool_close_idle(http_pool *p) {
    while (p && p->idle) {
        http_conn *c = p->idle;
        p->idle = c->next;
        p->nidle--;
        conn_close(c);
    }
}

void http_pool_free(http_pool *p) {
    if (!p) return;
    p->freeing = true;
    http_pool_cancel(p);
    while (p->idle) {
        http_conn *c = p->idle;
        p->idle = c->next;
        conn_close(c);
    }
    for (int i = 0; i < MAX_TLS_SESSIONS; i++) free_session_slot(&p->sessions[i]);
    event_del(&p->timer);
    event_del(&p->deferred);
    event_del(&p->dns_retry);
    buf_free(&p->out);
    buf_free(&p->url_text);
    buf_free(&p->line);
    buf_free(&p->host_line);
    buf_free(&p->hdr);
    buf_free(&p->body);
    free(p);
}

static SSL_CTX *new_ssl_ctx(const http_tls_config *tls, char *err, size_t errlen) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) goto fail;
    bool verify = !(tls && tls->insecure_skip_verify);
    SSL_CTX_set_verify(ctx, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    if (verify) {
        int ok = tls && tls->ca_file ? SSL_CTX_load_verify_locations(ctx, tls->ca_file, NULL)
                                     : SSL_CTX_set_default_verify_paths(ctx);
        if (ok != 1) goto fail;
    }
    /* Idle connections give their 16K+ record buffers back; servers that close without
     * close_notify are normal for HTTP and must read as EOF, not as an error. */
    SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                              SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, on_new_tls_session);
    return ctx;
fail:
    snprintf(err, errlen, "tls: %s%s%s", ERR_reason_error_string(ERR_peek_last_error()),
             tls && tls->ca_file ? " loading " : "", tls && tls->ca_file ? tls->ca_file : "");
    ERR_clear_error();
    SSL_CTX_free(ctx);
    return NULL;
}

http_worker *http_worker_new(struct event_base *base, const http_tls_config *tls, char *err,
                             size_t errlen) {
    char dummy[8];
    if (!err) err = dummy, errlen = sizeof dummy;
    http_worker *w = calloc(1, sizeof *w);
    if (!w || !(w->rbuf = malloc(READ_BUF_SIZE))) {
        snprintf(err, errlen, "out of memory");
        free(w);
        return NULL;
    }
    w->base = base;
    w->max_body = DEFAULT_MAX_BODY;
    const char *slow = getenv("LT_HTTP_SLOW_PARSE");
    w->slow_parse = slow && *slow && strcmp(slow, "0") != 0;
    w->verify = !(tls && tls->insecure_skip_verify);
    if (tls && tls->ca_file) { /* a bad --ca is reported now, not at the first request */
        FILE *f = fopen(tls->ca_file, "r");
        X509 *cert = f ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
        if (f) fclose(f);
        if (!cert) {
            snprintf(err, errlen, "tls: cannot read a PEM certificate from %s", tls->ca_file);
            ERR_clear_error();
            free(w->rbuf);
            free(w);
            return NULL;
        }
        X509_free(cert);
        w->ca_file = strdup(tls->ca_file);
    }
    /* OpenSSL writes to the socket with write(): a peer that closed would raise SIGPIPE. Plain
     * TCP uses MSG_NOSIGNAL, but TLS cannot, so a default SIGPIPE disposition is ignored. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
    return w;
}

void http_worker_free(http_worker *w) {
    if (!w) return;
    worker_dns_free(w);
    SSL_CTX_free(w->ssl_ctx);
    free(w->ca_file);
    free(w->rbuf);
    free(w);
}

void http_worker_get_stats(const http_worker *w, http_worker_stats *out) {
    *out = w->stats;
}

void http_worker_set_max_body(http_worker *w, size_t max_body) {
    w->max_body = max_body;
}
