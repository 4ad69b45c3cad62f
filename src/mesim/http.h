/* http.h — small evhttp helpers shared by the shard and the gateway.
 *
 * Promises: replies always carry Content-Type: application/json; me_http_body copies a request
 * body into a NUL-terminated heap string (or reports it is too large) without modifying it;
 * me_http_listen binds an evhttp server to host:port or explains why it could not.
 */
#ifndef MESIM_HTTP_H
#define MESIM_HTTP_H
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <stddef.h>

#define ME_MAX_BODY   (16u << 20) /* server-wide limit, above the ~4 MB a 40k-order seed takes */
#define ME_ORDER_BODY (64u << 10) /* limit for POST /orders */

/* Sends code with body (a JSON text) and frees nothing of the caller's. */
void me_http_send(struct evhttp_request *req, int code, struct evbuffer *body);
void me_http_reply(struct evhttp_request *req, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* 400/413/... in the REJECTED form: {"status":"REJECTED","reason":...,"field":...}. */
void me_http_reject(struct evhttp_request *req, int code, const char *field, const char *reason);

/* Returns a malloc'd NUL-terminated copy of the body and its length; NULL when longer than
 * limit (*too_large = 1) or out of memory. */
char *me_http_body(struct evhttp_request *req, size_t limit, size_t *len, int *too_large);
/* The request's path ("/" when absent). */
const char *me_http_path(struct evhttp_request *req);

/* A new evhttp on base, listening on host:port, with ME_MAX_BODY. NULL with err on failure. */
struct evhttp *me_http_listen(struct event_base *base, const char *host, int port, char *err,
                              size_t errlen);

#endif
