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
 */
#include "net/http_client.h"

#include "net/dns.h"
#include "net/transport.h"
#include "net/url.h"

#include <errno.h>
#include <event2/event_struct.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define READ_BUF_SIZE       (64 * 1024)
#define HEADER_MAX          (64 * 1024)
#define DEFAULT_MAX_BODY    ((size_t)64 << 20)
#define DEFAULT_TIMEOUT_S   60.0
#define MAX_IDLE_CONNS      4
#define MAX_TLS_SESSIONS    4
#define MAX_CACHED_TIMEOUTS 8
#define KEEP_BUFFER_MAX     (1 << 20) /* larger buffers are freed before the next request */
#define USER_AGENT          "lt/0.1"

typedef enum { GO_ON, STOPPED } step;
typedef enum { CONN_CONNECTING, CONN_HANDSHAKING, CONN_READY } conn_state;
typedef enum { PHASE_STATUS, PHASE_HEADERS, PHASE_BODY } parse_phase;

typedef struct {
    char *data;
    size_t len, cap;
} buf_t;

typedef struct http_conn {
    struct http_conn *next; /* idle list link */
    http_pool *pool;
    lt_transport tr;
    struct event rev; /* EV_READ|EV_PERSIST, added once connected, until close */
    struct event wev; /* EV_WRITE, added only while waiting for the socket */
    char *key;
    uint8_t state;
    uint8_t addr_index;    /* which resolved address this connection tried */
    bool served;           /* completed a response: a failure before any byte may be staleness */
    bool read_wants_write; /* TLS: SSL_read needs the socket writable */
    bool write_wants_read; /* TLS: SSL_write needs the socket readable */
} http_conn;

typedef struct {
    double secs;
    const struct timeval *tv;
} cached_timeout;

struct http_worker {
    struct event_base *base;
    SSL_CTX *ssl_ctx;
    bool verify;
    char *rbuf;
    size_t max_body;
    cached_timeout timeouts[MAX_CACHED_TIMEOUTS];
    int ntimeouts;
    http_worker_stats stats;
};

typedef struct {
    char *key;
    SSL_SESSION *session;
} tls_session_slot;

struct http_pool {
    http_worker *w;
    http_conn *idle; /* most recently used first */
    int nidle;
    http_conn *conn;                             /* serving the request in flight */
    tls_session_slot sessions[MAX_TLS_SESSIONS]; /* most recently stored first */

    /* The request in flight. */
    bool busy, in_send, freeing;
    http_done_fn done;
    void *arg;
    lt_url url;
    char key[LT_URL_HOST_MAX + 16]; /* "h:host:port" / "s:host:port" */
    buf_t out;                      /* serialized request: header block then body */
    size_t out_off;
    bool is_head, discard_body, close_requested, retried;
    struct timeval timer_tv;

    /* The response. */
    http_parser parser;
    parse_phase phase;
    bool hdr_in_value, complete, keep_alive, got_byte;
    uint8_t proto_matched; /* bytes of "HTTP/" seen at the response's start (see parse) */
    int status;
    http_error cb_error; /* set by a parser callback that refused the input */
    buf_t hdr, body;
    uint64_t sent, received;
    double t_issue, t_conn_start, t_connected, t_tls_start, t_tls_done, t_send_start, t_sent,
        t_first_byte;

    struct event timer;    /* whole-request timeout */
    struct event deferred; /* delivers a failure found inside http_send */
    http_error result_error;
    char errtext[256];
};

static step open_connection(http_pool *p, int addr_index);
static step start_sending(http_pool *p);

double lt_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

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
    case HTTP_ERR_CANCELLED:
        return "request cancelled";
    }
    return "unknown error";
}

/* ---- growable buffers ---- */

static int buf_reserve(buf_t *b, size_t extra) {
    if (b->cap - b->len >= extra) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) return -1;
    b->data = d;
    b->cap = cap;
    return 0;
}

static int buf_append(buf_t *b, const void *d, size_t n) {
    if (buf_reserve(b, n) < 0) return -1;
    memcpy(b->data + b->len, d, n);
    b->len += n;
    return 0;
}

static void buf_free(buf_t *b) {
    free(b->data);
    *b = (buf_t){0};
}

/* Keeps a pool's memory bounded after an occasional huge request or response. */
static void buf_reset_shrink(buf_t *b, size_t keep_max) {
    if (b->cap > keep_max) buf_free(b);
    b->len = 0;
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

/* ---- connections ---- */

static void conn_close(http_conn *c) {
    event_del(&c->rev);
    event_del(&c->wev);
    c->tr.ops->close(&c->tr);
    free(c->key);
    free(c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg);
static void on_writable(evutil_socket_t fd, short what, void *arg);

static http_conn *conn_new(http_pool *p, int fd, int addr_index) {
    http_conn *c = calloc(1, sizeof *c);
    if (!c || !(c->key = strdup(p->key))) {
        free(c);
        return NULL;
    }
    c->pool = p;
    c->addr_index = (uint8_t)addr_index;
    c->state = CONN_CONNECTING;
    lt_transport_init_tcp(&c->tr, fd);
    event_assign(&c->rev, p->w->base, fd, EV_READ | EV_PERSIST, on_readable, c);
    event_assign(&c->wev, p->w->base, fd, EV_WRITE, on_writable, c);
    return c;
}

/* Parks a connection after a clean response, evicting the least recently used beyond the cap. */
static void release_idle(http_pool *p, http_conn *c) {
    c->served = true;
    c->next = p->idle;
    p->idle = c;
    if (++p->nidle <= MAX_IDLE_CONNS) return;
    http_conn **link = &p->idle;
    while ((*link)->next) link = &(*link)->next;
    conn_close(*link);
    *link = NULL;
    p->nidle--;
}

static void unlink_idle(http_pool *p, http_conn *c) {
    for (http_conn **link = &p->idle; *link; link = &(*link)->next) {
        if (*link == c) {
            *link = c->next;
            c->next = NULL;
            p->nidle--;
            return;
        }
    }
}

static http_conn *take_idle(http_pool *p) {
    for (http_conn *c = p->idle; c; c = c->next) {
        if (strcmp(c->key, p->key) == 0) {
            unlink_idle(p, c);
            return c;
        }
    }
    return NULL;
}

/* ---- TLS sessions (per pool, per scheme:host:port) ---- */

static tls_session_slot *find_session_slot(http_pool *p, const char *key) {
    for (int i = 0; i < MAX_TLS_SESSIONS; i++)
        if (p->sessions[i].key && strcmp(p->sessions[i].key, key) == 0) return &p->sessions[i];
    return NULL;
}

static void free_session_slot(tls_session_slot *s) {
    if (s->session) SSL_SESSION_free(s->session);
    free(s->key);
    *s = (tls_session_slot){0};
}

/* SSL_CTX new-session callback: TLS 1.3 tickets arrive after the handshake, during reads, so
 * the only reliable moment to keep a resumable session is when OpenSSL announces it. */
static int on_new_tls_session(SSL *ssl, SSL_SESSION *session) {
    http_conn *c = SSL_get_app_data(ssl);
    if (!c) return 0;
    http_pool *p = c->pool;
    tls_session_slot *slot = find_session_slot(p, c->key);
    if (slot) {
        SSL_SESSION_free(slot->session);
        slot->session = session;
        return 1;
    }
    char *key = strdup(c->key);
    if (!key) return 0;
    free_session_slot(&p->sessions[MAX_TLS_SESSIONS - 1]);
    memmove(&p->sessions[1], &p->sessions[0], sizeof p->sessions[0] * (MAX_TLS_SESSIONS - 1));
    p->sessions[0] = (tls_session_slot){key, session};
    return 1; /* we keep the reference */
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
static step finish(http_pool *p, http_error err) {
    event_del(&p->timer);
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

static step fail(http_pool *p, http_error err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static step fail(http_pool *p, http_error err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->errtext, sizeof p->errtext, fmt, ap);
    va_end(ap);
    return finish(p, err);
}

static void reset_response(http_pool *p) {
    http_parser_init(&p->parser, HTTP_RESPONSE);
    p->parser.data = p;
    p->phase = PHASE_STATUS;
    p->hdr_in_value = p->complete = p->keep_alive = p->got_byte = false;
    p->status = 0;
    p->proto_matched = 0;
    p->cb_error = HTTP_OK;
    p->hdr.len = 0;
    p->body.len = 0;
}

/* A kept-alive connection the server had already closed: try once more on a new one. */
static bool is_stale_connection_failure(http_pool *p, http_conn *c, int io_code) {
    int e = c->tr.sys_errno;
    return c->served && !p->got_byte && !p->retried &&
           (io_code == LT_IO_EOF || e == ECONNRESET || e == EPIPE);
}

static step retry_on_fresh_connection(http_pool *p) {
    conn_close(p->conn);
    p->conn = NULL;
    p->retried = true;
    p->w->stats.retries++;
    p->out_off = 0;
    p->t_conn_start = p->t_connected = p->t_tls_start = p->t_tls_done = 0;
    p->t_send_start = p->t_sent = 0;
    reset_response(p);
    return open_connection(p, 0);
}

static step io_failed(http_pool *p, http_conn *c, int io_code) {
    if (is_stale_connection_failure(p, c, io_code)) return retry_on_fresh_connection(p);
    int e = c->tr.sys_errno;
    if (io_code == LT_IO_EOF || e == 0) {
        if (c->tr.ssl && io_code == LT_IO_ERROR) {
            char why[200];
            lt_transport_tls_failure(&c->tr, why, sizeof why);
            return fail(p, HTTP_ERR_TLS, "%s", why);
        }
        return fail(p, HTTP_ERR_CLOSED, "connection closed before response complete");
    }
    if (e == ECONNRESET || e == EPIPE) return fail(p, HTTP_ERR_CONN_RESET, "%s", strerror(e));
    return fail(p, HTTP_ERR_GENERIC, "%s", strerror(e));
}

/* ---- response parsing ---- */

static int on_message_begin(http_parser *hp) {
    http_pool *p = hp->data;
    /* Bytes after the complete response: refuse them, the connection will be closed. */
    return p->complete ? -1 : 0;
}

static int header_append(http_pool *p, const char *sep, size_t sep_len, const char *at,
                         size_t len) {
    if (p->hdr.len + sep_len + len + 2 > HEADER_MAX) {
        p->cb_error = HTTP_ERR_HEADER_TOO_LARGE;
        return -1;
    }
    if (buf_reserve(&p->hdr, sep_len + len + 2) < 0) {
        p->cb_error = HTTP_ERR_GENERIC;
        return -1;
    }
    memcpy(p->hdr.data + p->hdr.len, sep, sep_len);
    memcpy(p->hdr.data + p->hdr.len + sep_len, at, len);
    p->hdr.len += sep_len + len;
    return 0;
}

static int on_status(http_parser *hp, const char *at, size_t len) {
    ((http_pool *)hp->data)->phase = PHASE_HEADERS;
    return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t len) {
    http_pool *p = hp->data;
    p->phase = PHASE_HEADERS;
    bool new_line = p->hdr_in_value;
    p->hdr_in_value = false;
    return header_append(p, "\r\n", new_line ? 2 : 0, at, len);
}

static int on_header_value(http_parser *hp, const char *at, size_t len) {
    http_pool *p = hp->data;
    bool first_piece = !p->hdr_in_value;
    p->hdr_in_value = true;
    return header_append(p, ": ", first_piece ? 2 : 0, at, len);
}

static int on_headers_complete(http_parser *hp) {
    http_pool *p = hp->data;
    if (p->hdr_in_value && header_append(p, "\r\n", 2, "", 0) < 0) return -1;
    p->hdr_in_value = false;
    p->phase = PHASE_BODY;
    p->status = hp->status_code;
    if (hp->status_code / 100 == 1) return 0; /* interim: the real response follows */
    bool has_length = hp->content_length != ULLONG_MAX && !(hp->flags & F_CHUNKED);
    if (has_length && !p->discard_body && !p->is_head) {
        if (hp->content_length > p->w->max_body) {
            p->cb_error = HTTP_ERR_BODY_TOO_LARGE;
            return -1;
        }
        if (buf_reserve(&p->body, (size_t)hp->content_length) < 0) {
            p->cb_error = HTTP_ERR_GENERIC;
            return -1;
        }
    }
    return p->is_head ? 1 : 0; /* 1: no body follows, whatever Content-Length says */
}

static int on_body(http_parser *hp, const char *at, size_t len) {
    http_pool *p = hp->data;
    if (p->discard_body) return 0;
    if (p->body.len + len > p->w->max_body) {
        p->cb_error = HTTP_ERR_BODY_TOO_LARGE;
        return -1;
    }
    if (buf_append(&p->body, at, len) < 0) {
        p->cb_error = HTTP_ERR_GENERIC;
        return -1;
    }
    return 0;
}

static int on_message_complete(http_parser *hp) {
    http_pool *p = hp->data;
    if (hp->status_code / 100 == 1 && hp->status_code != 101) {
        /* 1xx: forget it and keep parsing the final response from the same bytes. */
        p->hdr.len = 0;
        p->status = 0;
        p->phase = PHASE_STATUS;
        return 0;
    }
    p->complete = true;
    p->keep_alive = http_should_keep_alive(hp) && !p->close_requested;
    return 0;
}

static const http_parser_settings parser_settings = {
    .on_message_begin = on_message_begin,
    .on_status = on_status,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static http_error classify_parse_error(const http_pool *p) {
    if (p->cb_error != HTTP_OK) return p->cb_error;
    switch (HTTP_PARSER_ERRNO(&p->parser)) {
    case HPE_HEADER_OVERFLOW:
        return HTTP_ERR_HEADER_TOO_LARGE;
    case HPE_INVALID_CONTENT_LENGTH:
        /* http_parser also reports a chunk size that overflows 64 bits this way */
        if (p->phase == PHASE_BODY && (p->parser.flags & F_CHUNKED)) return HTTP_ERR_BAD_CHUNK;
        return HTTP_ERR_BAD_LENGTH;
    case HPE_UNEXPECTED_CONTENT_LENGTH:
        return HTTP_ERR_BAD_LENGTH;
    case HPE_INVALID_CHUNK_SIZE:
        return HTTP_ERR_BAD_CHUNK;
    case HPE_INVALID_VERSION:
    case HPE_INVALID_STATUS:
        return HTTP_ERR_BAD_STATUS;
    case HPE_INVALID_EOF_STATE:
        return HTTP_ERR_CLOSED;
    case HPE_INVALID_HEADER_TOKEN:
        return HTTP_ERR_BAD_HEADER;
    default:
        break;
    }
    switch (p->phase) {
    case PHASE_STATUS:
        return HTTP_ERR_BAD_STATUS;
    case PHASE_HEADERS:
        return HTTP_ERR_BAD_HEADER;
    case PHASE_BODY:
        return (p->parser.flags & F_CHUNKED) ? HTTP_ERR_BAD_CHUNK : HTTP_ERR_PROTOCOL;
    }
    return HTTP_ERR_PROTOCOL;
}

static step fail_parse(http_pool *p) {
    http_error err = classify_parse_error(p);
    if (p->cb_error != HTTP_OK) return fail(p, err, "%s", http_error_name(err));
    enum http_errno e = HTTP_PARSER_ERRNO(&p->parser);
    return fail(p, err, "%s: %s", http_error_name(err), http_errno_description(e));
}

/* The Debian build of http_parser is not strict: it accepts "HTTX/1.1 200". The first bytes of
 * a response must be "HTTP/" (checked across reads; costs nothing after five bytes). */
static bool starts_like_http(http_pool *p, const char *data, size_t len) {
    static const char proto[] = "HTTP/";
    for (size_t i = 0; i < len && p->proto_matched < 5; i++, p->proto_matched++)
        if (data[i] != proto[p->proto_matched]) return false;
    return true;
}

static step parse(http_pool *p, const char *data, size_t len) {
    if (p->proto_matched < 5 && !starts_like_http(p, data, len))
        return fail(p, HTTP_ERR_BAD_STATUS, "%s: response does not start with HTTP/",
                    http_error_name(HTTP_ERR_BAD_STATUS));
    size_t used = http_parser_execute(&p->parser, &parser_settings, data, len);
    if (p->complete) {
        if (used < len || HTTP_PARSER_ERRNO(&p->parser) != HPE_OK) p->keep_alive = false;
        return finish(p, HTTP_OK);
    }
    if (HTTP_PARSER_ERRNO(&p->parser) != HPE_OK) return fail_parse(p);
    if (p->parser.upgrade)
        return fail(p, HTTP_ERR_PROTOCOL, "unexpected %d response (protocol upgrade)", p->status);
    return GO_ON;
}

static step on_eof(http_pool *p, http_conn *c) {
    if (!p->got_byte) {
        if (is_stale_connection_failure(p, c, LT_IO_EOF)) return retry_on_fresh_connection(p);
        return fail(p, HTTP_ERR_CLOSED, "connection closed before response");
    }
    /* A body delimited by the connection's end completes here. */
    http_parser_execute(&p->parser, &parser_settings, NULL, 0);
    if (p->complete) {
        p->keep_alive = false;
        return finish(p, HTTP_OK);
    }
    if (HTTP_PARSER_ERRNO(&p->parser) != HPE_OK &&
        HTTP_PARSER_ERRNO(&p->parser) != HPE_INVALID_EOF_STATE)
        return fail_parse(p);
    return fail(p, HTTP_ERR_CLOSED, "connection closed before response complete");
}

static step read_response(http_pool *p, http_conn *c) {
    char *buf = p->w->rbuf;
    for (;;) {
        ssize_t n = c->tr.ops->read(&c->tr, buf, READ_BUF_SIZE);
        if (n > 0) {
            p->received += (uint64_t)n;
            if (!p->got_byte) {
                p->got_byte = true;
                p->t_first_byte = lt_now();
            }
            if (parse(p, buf, (size_t)n) == STOPPED) return STOPPED;
            /* Plain sockets are level-triggered: a short read means the socket is drained.
             * TLS must loop, since OpenSSL may hold decrypted bytes the socket won't signal. */
            if ((size_t)n < READ_BUF_SIZE && !c->tr.ssl) return GO_ON;
            continue;
        }
        switch (n) {
        case LT_IO_WANT_READ:
            return GO_ON;
        case LT_IO_WANT_WRITE:
            c->read_wants_write = true;
            event_add(&c->wev, NULL);
            return GO_ON;
        case LT_IO_EOF:
            return on_eof(p, c);
        default:
            return io_failed(p, c, (int)n);
        }
    }
}

/* ---- sending ---- */

static step flush_request(http_pool *p, http_conn *c) {
    while (p->out_off < p->out.len) {
        ssize_t n = c->tr.ops->write(&c->tr, p->out.data + p->out_off, p->out.len - p->out_off);
        if (n > 0) {
            p->out_off += (size_t)n;
            p->sent += (uint64_t)n;
            continue;
        }
        switch (n) {
        case LT_IO_WANT_WRITE:
            p->w->stats.write_waits++;
            event_add(&c->wev, NULL);
            return GO_ON;
        case LT_IO_WANT_READ:
            c->write_wants_read = true;
            return GO_ON;
        default:
            return io_failed(p, c, (int)n);
        }
    }
    p->t_sent = lt_now();
    return GO_ON;
}

static step start_sending(http_pool *p) {
    p->t_send_start = lt_now();
    return flush_request(p, p->conn);
}

/* ---- connecting ---- */

static step fail_connect(http_pool *p, int e) {
    http_error err = e == ECONNREFUSED ? HTTP_ERR_CONNECT_REFUSED : HTTP_ERR_CONNECT;
    return fail(p, err, "connect: %s", strerror(e));
}

static step drive_handshake(http_pool *p, http_conn *c) {
    int rc = c->tr.ops->handshake(&c->tr);
    if (rc == 0) {
        p->t_tls_done = lt_now();
        c->state = CONN_READY;
        p->w->stats.tls_handshakes++;
        if (SSL_session_reused(c->tr.ssl)) p->w->stats.tls_resumed++;
        return start_sending(p);
    }
    if (rc == LT_IO_WANT_READ) return GO_ON; /* the persistent read event will call again */
    if (rc == LT_IO_WANT_WRITE) {
        event_add(&c->wev, NULL);
        return GO_ON;
    }
    char why[256];
    bool verify = lt_transport_tls_failure(&c->tr, why, sizeof why);
    return fail(p, verify ? HTTP_ERR_TLS_VERIFY : HTTP_ERR_TLS, "%s", why);
}

static step start_tls(http_pool *p, http_conn *c) {
    tls_session_slot *slot = find_session_slot(p, c->key);
    char why[200];
    if (lt_transport_init_tls(&c->tr, c->tr.fd, p->w->ssl_ctx, p->url.host, p->w->verify,
                              slot ? slot->session : NULL, c, why, sizeof why) < 0)
        return fail(p, HTTP_ERR_TLS, "%s", why);
    c->state = CONN_HANDSHAKING;
    p->t_tls_start = lt_now();
    return drive_handshake(p, c);
}

static step on_connected(http_pool *p, http_conn *c) {
    p->t_connected = lt_now();
    event_add(&c->rev, NULL);
    if (p->url.tls) return start_tls(p, c);
    c->state = CONN_READY;
    return start_sending(p);
}

static int open_socket(const struct sockaddr_storage *addr) {
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    /* Requests go out in one write; Nagle would only delay the next request's bytes. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* Connects to the resolved addresses from addr_index on, the next one after a refusal. */
static step open_connection(http_pool *p, int addr_index) {
    lt_dns_entry dns;
    if (lt_dns_resolve(p->url.host, p->url.port, &dns) < 0)
        return fail(p, HTTP_ERR_DNS, "lookup %s: %s", p->url.host, dns.error);
    int last_errno = ECONNREFUSED;
    for (int i = addr_index; i < dns.naddrs; i++) {
        int fd = open_socket(&dns.addrs[i]);
        if (fd < 0) return fail(p, HTTP_ERR_CONNECT, "socket: %s", strerror(errno));
        p->t_conn_start = lt_now();
        int rc = connect(fd, (struct sockaddr *)&dns.addrs[i], dns.addrlens[i]);
        if (rc == 0 || errno == EINPROGRESS) {
            http_conn *c = conn_new(p, fd, i);
            if (!c) {
                close(fd);
                return fail(p, HTTP_ERR_GENERIC, "out of memory");
            }
            p->conn = c;
            p->w->stats.connects++;
            if (rc == 0) return on_connected(p, c);
            event_add(&c->wev, NULL);
            return GO_ON;
        }
        last_errno = errno;
        close(fd);
    }
    return fail_connect(p, last_errno);
}

static step finish_connect(http_pool *p, http_conn *c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->tr.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err == 0) return on_connected(p, c);
    int next = c->addr_index + 1;
    conn_close(c);
    p->conn = NULL;
    lt_dns_entry dns;
    if (lt_dns_resolve(p->url.host, p->url.port, &dns) == 0 && next < dns.naddrs)
        return open_connection(p, next);
    return fail_connect(p, err);
}

/* ---- event callbacks ---- */

static void on_writable(evutil_socket_t fd, short what, void *arg) {
    http_conn *c = arg;
    http_pool *p = c->pool;
    switch (c->state) {
    case CONN_CONNECTING:
        finish_connect(p, c);
        return;
    case CONN_HANDSHAKING:
        drive_handshake(p, c);
        return;
    default:
        break;
    }
    if (c->read_wants_write) {
        c->read_wants_write = false;
        if (read_response(p, c) == STOPPED) return;
    }
    if (p->conn == c && p->out_off < p->out.len) flush_request(p, c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
    http_conn *c = arg;
    http_pool *p = c->pool;
    if (p->conn != c) {
        /* Idle: the server closed it, reset it, or sent bytes nobody asked for — unless TLS
         * consumed a record of its own (a late session ticket), which leaves it usable. */
        if (c->tr.ssl && c->tr.ops->read(&c->tr, p->w->rbuf, READ_BUF_SIZE) == LT_IO_WANT_READ)
            return;
        unlink_idle(p, c);
        conn_close(c);
        return;
    }
    if (c->state == CONN_HANDSHAKING) {
        drive_handshake(p, c);
        return;
    }
    if (c->write_wants_read) {
        c->write_wants_read = false;
        if (flush_request(p, c) == STOPPED) return;
    }
    read_response(p, c);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg) {
    http_pool *p = arg;
    fail(p, HTTP_ERR_TIMEOUT, "request timeout");
}

/* ---- building the request ---- */

static bool name_is(const http_header *h, const char *name) {
    size_t n = strlen(name);
    return h->name_len == n && strncasecmp(h->name, name, n) == 0;
}

static bool value_has_token(const http_header *h, const char *token) {
    size_t n = strlen(token);
    for (size_t i = 0; i + n <= h->value_len; i++)
        if (strncasecmp(h->value + i, token, n) == 0) return true;
    return false;
}

static void append_str(buf_t *b, const char *s) {
    buf_append(b, s, strlen(s));
}

static void append_uint(buf_t *b, uint64_t v) {
    char tmp[24];
    int i = (int)sizeof tmp;
    do tmp[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    buf_append(b, tmp + i, sizeof tmp - (size_t)i);
}

static void append_base64(buf_t *b, const char *s, size_t n) {
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)(unsigned char)s[i] << 16;
        if (i + 1 < n) v |= (uint32_t)(unsigned char)s[i + 1] << 8;
        if (i + 2 < n) v |= (unsigned char)s[i + 2];
        char out[4] = {tbl[v >> 18], tbl[(v >> 12) & 63], i + 1 < n ? tbl[(v >> 6) & 63] : '=',
                       i + 2 < n ? tbl[v & 63] : '='};
        buf_append(b, out, 4);
    }
}

static bool method_sends_length(const char *m) {
    return strcmp(m, "POST") == 0 || strcmp(m, "PUT") == 0 || strcmp(m, "PATCH") == 0;
}

/* Serializes the whole request (header block and body) into p->out; returns -1 on OOM. */
static int build_request(http_pool *p, const http_request *req, const char *method) {
    bool has_host = false, has_ua = false, has_length = false, has_conn = false, has_auth = false;
    size_t headers_size = 0;
    for (int i = 0; i < req->nheaders; i++) {
        const http_header *h = &req->headers[i];
        has_host |= name_is(h, "Host");
        has_ua |= name_is(h, "User-Agent");
        has_length |= name_is(h, "Content-Length");
        has_auth |= name_is(h, "Authorization");
        if (name_is(h, "Connection")) {
            has_conn = true;
            p->close_requested |= value_has_token(h, "close");
        }
        headers_size += h->name_len + h->value_len + 4;
    }
    buf_t *b = &p->out;
    b->len = 0;
    /* One reservation covers everything appended below (fixed parts < 256 bytes), so the
     * appends cannot fail and the buffer never moves while it is built. */
    size_t need = 256 + strlen(method) + p->url.target_len + strlen(p->url.host) +
                  2 * p->url.userinfo_len + headers_size + req->body_len;
    if (buf_reserve(b, need) < 0) return -1;
    append_str(b, method);
    append_str(b, lt_url_target_needs_slash(&p->url) ? " /" : " ");
    buf_append(b, p->url.target, p->url.target_len);
    append_str(b, " HTTP/1.1\r\n");
    if (!has_host) {
        append_str(b, p->url.ipv6_literal ? "Host: [" : "Host: ");
        append_str(b, p->url.host);
        if (p->url.ipv6_literal) append_str(b, "]");
        if (!p->url.default_port) {
            append_str(b, ":");
            append_uint(b, p->url.port);
        }
        append_str(b, "\r\n");
    }
    if (!has_ua) append_str(b, "User-Agent: " USER_AGENT "\r\n");
    if (!has_conn) append_str(b, "Connection: keep-alive\r\n");
    if (p->url.userinfo && !has_auth) {
        append_str(b, "Authorization: Basic ");
        append_base64(b, p->url.userinfo, p->url.userinfo_len);
        append_str(b, "\r\n");
    }
    if (!has_length && (req->body || method_sends_length(method))) {
        append_str(b, "Content-Length: ");
        append_uint(b, req->body ? req->body_len : 0);
        append_str(b, "\r\n");
    }
    for (int i = 0; i < req->nheaders; i++) {
        const http_header *h = &req->headers[i];
        buf_append(b, h->name, h->name_len);
        append_str(b, ": ");
        buf_append(b, h->value, h->value_len);
        append_str(b, "\r\n");
    }
    append_str(b, "\r\n");
    /* The body is copied: http_send promises the caller's memory is free once it returns, and
     * a stale kept-alive connection may need the whole request again. */
    if (req->body && req->body_len) buf_append(b, req->body, req->body_len);
    return 0;
}

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
static step start_request(http_pool *p, const http_request *req) {
    const char *why = "";
    if (lt_url_parse(req->url, &p->url, &why) < 0)
        return fail(p, HTTP_ERR_INVALID_URL, "invalid url: %s", why);
    const char *method = req->method && *req->method ? req->method : "GET";
    if (strpbrk(method, " \r\n\t"))
        return fail(p, HTTP_ERR_GENERIC, "invalid method \"%s\"", method);
    p->is_head = strcmp(method, "HEAD") == 0;
    snprintf(p->key, sizeof p->key, "%c:%s:%u", p->url.tls ? 's' : 'h', p->url.host,
             (unsigned)p->url.port);
    if (build_request(p, req, method) < 0) return fail(p, HTTP_ERR_GENERIC, "out of memory");
    if (p->url.tls && !p->w->ssl_ctx)
        return fail(p, HTTP_ERR_TLS, "tls: no TLS context in this worker");
    http_conn *c = take_idle(p);
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
    reset_response(p);
    return p;
}

void http_pool_cancel(http_pool *p) {
    if (!p || !p->busy) return;
    event_del(&p->deferred);
    snprintf(p->errtext, sizeof p->errtext, "request cancelled");
    finish(p, HTTP_ERR_CANCELLED);
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
    buf_free(&p->out);
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
    w->verify = !(tls && tls->insecure_skip_verify);
    w->ssl_ctx = new_ssl_ctx(tls, err, errlen);
    if (!w->ssl_ctx) {
        free(w->rbuf);
        free(w);
        return NULL;
    }
    /* OpenSSL writes to the socket with write(): a peer that closed would raise SIGPIPE. Plain
     * TCP uses MSG_NOSIGNAL, but TLS cannot, so a default SIGPIPE disposition is ignored. */
    struct sigaction sa;
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
    return w;
}

void http_worker_free(http_worker *w) {
    if (!w) return;
    SSL_CTX_free(w->ssl_ctx);
    free(w->rbuf);
    free(w);
}

void http_worker_get_stats(const http_worker *w, http_worker_stats *out) {
    *out = w->stats;
}

void http_worker_set_max_body(http_worker *w, size_t max_body) {
    w->max_body = max_body;
}
