/* http_internal.h — what the files of lt's HTTP client share; not part of the public API
 * (that is net/http_client.h, and nothing outside src/net includes this header).
 *
 * The client is one state machine split by responsibility:
 *   http_client.c  the public API: http_send, pools, workers; completing a request
 *   conn.c         connections: connect, TLS handshake, keep-alive idle list and TLS sessions
 *                  per pool, sending a request again after a reused connection failed (only
 *                  what RFC 9110 allows), the socket event callbacks
 *   request.c      checking the caller's headers, building the request into the pool's buffer
 *                  and writing it
 *   response.c     reading and parsing the response (http_parser callbacks, error classification)
 * The re-entrancy rule at the top of http_client.c holds across all of them: a function that
 * returns STOPPED may have completed the request, and its caller returns at once.
 */
#ifndef LT_NET_HTTP_INTERNAL_H
#define LT_NET_HTTP_INTERNAL_H
#include "net/dns.h"
#include "net/http_client.h"
#include "net/transport.h"
#include "net/url.h"

#include <event2/event_struct.h>
#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define READ_BUF_SIZE       (64 * 1024)
#define MAX_TLS_SESSIONS    4
#define MAX_CACHED_TIMEOUTS 8

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
    SSL_CTX *ssl_ctx; /* made on the first https:// request (new_ssl_ctx) */
    char *ca_file;
    bool verify;
    char *rbuf;
    size_t max_body;
    bool
        slow_parse; /* LT_HTTP_SLOW_PARSE=1: every response through http_parser (response_fast.h) */
    cached_timeout timeouts[MAX_CACHED_TIMEOUTS];
    int ntimeouts;
    http_worker_stats stats;
    /* Name lookups in progress (conn.c): the resolver wakes `dns` (made on the first name that
     * is not cached); the pools waiting for an answer are listed from `resolving`. */
    lt_dns_waiter *dns;
    struct event dns_ev;
    http_pool *resolving;
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
    lt_url url;                     /* parsed from url_text, which it points into */
    char key[LT_URL_HOST_MAX + 16]; /* "h:host:port" / "s:host:port" */
    /* A VU usually sends the same request over and over: what the URL and method of the last
     * request made (the parse, the key, the request line and Host line) is kept while they stay
     * the same. url_text is the URL with its NUL; line_method the method of `line`. */
    buf_t url_text, line, host_line;
    char line_method[16];
    buf_t out; /* serialized request: header block then body */
    size_t out_off;
    bool is_head, discard_body, close_requested, retried;
    bool idempotent_method; /* of line_method's request line (make_request_line) */
    bool replayable;        /* idempotent: may be sent again after a reused connection failed */
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

    struct event timer;     /* whole-request timeout */
    struct event deferred;  /* delivers a failure found inside http_send */
    struct event dns_retry; /* opens the connection once the name's lookup has ended */
    bool resolving;         /* on the worker's `resolving` list */
    http_pool *dns_prev, *dns_next;
    http_error result_error;
    char errtext[256];
};

/* ---- growable buffers ---- */

static inline int buf_reserve(buf_t *b, size_t extra) {
    if (b->cap - b->len >= extra) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->len < extra) cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) return -1;
    b->data = d;
    b->cap = cap;
    return 0;
}

static inline int buf_append(buf_t *b, const void *d, size_t n) {
    if (buf_reserve(b, n) < 0) return -1;
    memcpy(b->data + b->len, d, n);
    b->len += n;
    return 0;
}

static inline void buf_free(buf_t *b) {
    free(b->data);
    *b = (buf_t){0};
}

/* Keeps a pool's memory bounded after an occasional huge request or response. */
static inline void buf_reset_shrink(buf_t *b, size_t keep_max) {
    if (b->cap > keep_max) buf_free(b);
    b->len = 0;
}

/* ---- http_client.c: completing a request ---- */

/* Ends the request in flight: keeps or closes its connection, then calls `done` — later, from
 * a zero-timeout event, when we are still inside http_send. Always returns STOPPED. */
step finish_request(http_pool *p, http_error err);
/* finish_request() with an error message (printf-style) for http_result.error_text. */
step fail_request(http_pool *p, http_error err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- conn.c: connections ---- */

void conn_close(http_conn *c);
/* Parks a connection after a clean response, evicting the least recently used beyond the cap. */
void release_idle(http_pool *p, http_conn *c);
/* An idle connection to p->key, unlinked from the idle list, or NULL. */
http_conn *take_idle(http_pool *p);
void free_session_slot(tls_session_slot *s);
/* SSL_CTX new-session callback (see conn.c). */
int on_new_tls_session(SSL *ssl, SSL_SESSION *session);
/* Connects to the resolved addresses from addr_index on, the next one after a refusal. */
step open_connection(http_pool *p, int addr_index);
/* Name lookups (conn.c): the pool's retry event, leaving the waiting list, the worker's end. */
void on_dns_retry(evutil_socket_t fd, short what, void *arg);
void stop_waiting_dns(http_pool *p);
void worker_dns_free(http_worker *w);
/* Whether a failure of reused connection c (io_code, before any response byte) lets the request
 * be sent again on a fresh connection: nothing of it was written yet, or it is replayable (RFC
 * 9110 section 9.2.2, Go's shouldRetryRequest); at most once per request. */
bool may_send_again(http_pool *p, http_conn *c, int io_code);
step retry_on_fresh_connection(http_pool *p);
/* A read or write failed with io_code (LT_IO_EOF or LT_IO_ERROR): retry or fail the request. */
step io_failed(http_pool *p, http_conn *c, int io_code);

/* ---- request.c: the request ---- */

/* Makes p->line (request line for method) and p->host_line for p->url, and notes whether the
 * method is idempotent; -1 on OOM. */
int make_request_line(http_pool *p, const char *method);
/* 0 when every header of req may be sent; else -1 and Go's message naming the first bad header
 * ("invalid header field name \"X\r\n\"", "invalid header field value for \"X-A\""). */
int check_headers(const http_request *req, char *err, size_t errlen);
/* Serializes the whole request (header block and body) into p->out; returns -1 on OOM. */
int build_request(http_pool *p, const http_request *req, const char *method);
/* Writes what is left of p->out; waits for the socket when it is full. */
step flush_request(http_pool *p, http_conn *c);
step start_sending(http_pool *p);

/* ---- response.c: the response ---- */

void reset_response(http_pool *p);
/* Reads and parses what the connection has. */
step read_response(http_pool *p, http_conn *c);
#endif
