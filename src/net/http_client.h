/* http_client.h — lt's HTTP/1.1 client on a libevent event_base, one per worker thread.
 *
 * Promises:
 * - Asynchronous: http_send() never calls `done` before it returns; `done` runs later on the same
 *   event_base, exactly once per request, with a result that is valid only during the call.
 * - Connections are owned by an http_pool (one per VU), kept alive and reused across requests to
 *   the same scheme://host:port (unless the request says no_reuse); a connection that cannot be
 * trusted (parse error, timeout, "Connection: close", HTTP/1.0 without keep-alive, unread body) is
 * closed, never reused.
 * - No request is sent twice unless RFC 9110 (section 9.2.2) lets a client retry it on its own,
 *   by Go's net/http rules (so k6's): when a reused connection fails (EOF, reset, broken pipe)
 *   before any response byte, the request is sent once more on a fresh connection if nothing of
 *   it was written yet, or if it is idempotent (GET, HEAD, OPTIONS, TRACE, PUT, DELETE, or any
 *   method with an Idempotency-Key or X-Idempotency-Key header). Anything else fails with its
 *   error. http_result.retries says whether the request was sent again.
 * - http:// over non-blocking TCP; https:// through OpenSSL with SNI, certificate and host name
 *   verification on by default (CA file from http_tls_config, else the system store), and TLS
 *   session reuse on reconnect to the same host. Both behind one small transport table.
 * - Host, Content-Length (when a body is given or the method is POST/PUT/PATCH), User-Agent
 *   (unless given; http_request.user_agent, "" for none) and Connection (keep-alive, or close for
 *   a no_reuse request) are set for the caller; caller headers are sent as given, all of them
 *   (but an empty User-Agent, which sends none, as Go), unless a name is not an RFC 9110 token or a
 * value holds a control character other than tab (CR, LF, NUL: request smuggling): then nothing is
 * sent and the request fails with HTTP_ERR_INVALID_HEADER and Go's message naming the header.
 * - Responses: Content-Length, chunked, and read-until-close bodies; 1xx interim responses are
 *   skipped; HEAD and 204/304 have no body. Bodies are kept or discarded per request.
 * - Names are resolved once per process and cached, off the loop (dns.h); connect and
 *   whole-request timeouts (the lookup counts in the request's time).
 * - No allocation per request on the steady-state keep-alive path beyond the response body
 *   buffer (reused per pool) — the read buffer is per worker, shared by its connections.
 */
#ifndef LT_NET_HTTP_CLIENT_H
#define LT_NET_HTTP_CLIENT_H
#include "base/clock.h"
#include "version.h"
#include <event2/event.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Error codes, as k6 numbers them where k6 has one (res.error_code); names in http_error_name(). */
typedef enum {
    HTTP_OK = 0,
    HTTP_ERR_GENERIC = 1000,          /* "request failed" */
    HTTP_ERR_DNS = 1100,              /* "dns lookup failed" */
    HTTP_ERR_CONNECT_REFUSED = 1212,  /* "connection refused" */
    HTTP_ERR_CONNECT = 1210,          /* "connect failed" */
    HTTP_ERR_CONN_RESET = 1220,       /* "connection reset by peer" */
    HTTP_ERR_CLOSED = 1221,           /* "connection closed before response complete" (EOF) */
    HTTP_ERR_TIMEOUT = 1050,          /* "request timeout" */
    HTTP_ERR_TLS = 1300,              /* "tls handshake failed" */
    HTTP_ERR_TLS_VERIFY = 1310,       /* "tls certificate verification failed" */
    HTTP_ERR_BAD_STATUS = 1600,       /* "malformed status line" */
    HTTP_ERR_BAD_HEADER = 1601,       /* "malformed header" */
    HTTP_ERR_HEADER_TOO_LARGE = 1602, /* "response header too large" (> 64 KiB) */
    HTTP_ERR_BAD_LENGTH = 1603,       /* "invalid content-length" */
    HTTP_ERR_BAD_CHUNK = 1604,        /* "invalid chunked encoding" */
    HTTP_ERR_BODY_TOO_LARGE = 1605,   /* "response body too large" (> max_body) */
    HTTP_ERR_PROTOCOL = 1650,         /* "protocol error" (anything else the parser rejects) */
    HTTP_ERR_INVALID_URL = 1020,      /* "invalid url" */
    HTTP_ERR_INVALID_HEADER = 1021,   /* "invalid header" (lt's; k6 reports Go's error as 1000) */
    HTTP_ERR_CANCELLED = 1099,        /* "request cancelled" (run stopping) */
} http_error;
const char *http_error_name(http_error e); /* short stable name: "timeout", "connection refused" */

typedef struct {
    const char *name;
    size_t name_len;
    const char *value;
    size_t value_len;
} http_header;

#define HTTP_USER_AGENT "lt/" LT_VERSION

typedef struct {
    const char *method; /* "GET", "POST", ... */
    const char *url;    /* absolute http:// or https:// URL */
    const http_header *headers;
    int nheaders;
    const char *body; /* may be NULL */
    size_t body_len;
    double timeout_s;  /* whole request, including connect; <= 0 means 60 s */
    bool discard_body; /* read and count the body, but do not keep it */
    /* The User-Agent sent unless a header gives one: NULL is lt's own (HTTP_USER_AGENT), "" none
     * (a caller's empty User-Agent header also sends none, as Go's net/http does). */
    const char *user_agent;
    /* Not kept alive: sent with "Connection: close" on a connection of its own (an idle one of
     * the pool is not taken), which is closed when the response ends (k6's noConnectionReuse). */
    bool no_reuse;
} http_request;

typedef struct {
    double blocked, connecting, tls_handshaking, sending, waiting, receiving, duration; /* ms */
} http_timings;

typedef struct {
    int status;             /* 0 when the request failed before a status line */
    http_error error;       /* HTTP_OK, or why it failed */
    const char *error_text; /* human message, "" when none (e.g. "connect: Connection refused") */
    const char *body;       /* NULL when discarded or failed */
    size_t body_len;
    const char *header_block; /* raw response header lines "Name: value\r\n..." (no status line) */
    size_t header_len;
    const char *proto; /* "HTTP/1.1" */
    http_timings timings;
    uint64_t bytes_sent, bytes_received; /* bytes_sent counts every attempt */
    int retries;     /* 1 when the request was sent again on a fresh connection, else 0 */
    double started;  /* monotonic seconds when the request was issued */
    double finished; /* monotonic seconds when it completed */
} http_result;

typedef void (*http_done_fn)(void *arg, const http_result *res);

/* Per worker: the event_base, shared read buffer, TLS context. */
typedef struct http_worker http_worker;
typedef struct {
    const char *ca_file; /* PEM bundle to verify against; NULL = system default paths */
    bool insecure_skip_verify;
} http_tls_config;

http_worker *http_worker_new(struct event_base *base, const http_tls_config *tls, char *err,
                             size_t errlen);
void http_worker_free(http_worker *w);

/* Counters for tests and diagnostics; plain integers, read on the worker's thread. */
typedef struct {
    uint64_t connects;       /* TCP connections opened */
    uint64_t tls_handshakes; /* TLS handshakes completed */
    uint64_t tls_resumed;    /* of those, resumed sessions (SSL_session_reused) */
    uint64_t reused;         /* requests started on a kept-alive connection */
    uint64_t retries;        /* requests sent again on a fresh connection (see the promise) */
    uint64_t write_waits;    /* times a request did not fit the socket and waited for EV_WRITE */
} http_worker_stats;
void http_worker_get_stats(const http_worker *w, http_worker_stats *out);
/* Largest response body kept (discarded bodies are not limited); default 64 MiB. */
void http_worker_set_max_body(http_worker *w, size_t max_body);

/* Per VU: its keep-alive connections. */
typedef struct http_pool http_pool;
http_pool *http_pool_new(http_worker *w);
/* Closes every connection; a request in flight completes with HTTP_ERR_CANCELLED first. */
void http_pool_free(http_pool *p);
/* Cancels the request in flight (if any): `done` is called with HTTP_ERR_CANCELLED. */
void http_pool_cancel(http_pool *p);
/* Closes the pool's kept-alive idle connections (k6's noVUConnectionReuse, between iterations);
 * a request in flight keeps its connection. TLS sessions stay, for resumption. */
void http_pool_close_idle(http_pool *p);

/* Starts a request. Only one request per pool at a time (a VU is sequential). Returns 0, or -1
 * when a request is already in flight on this pool (a programming error). Everything in `req`
 * is copied before this returns. */
int http_send(http_pool *p, const http_request *req, http_done_fn done, void *arg);

#endif
