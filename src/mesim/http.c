/* http.c — see http.h. */
#include "mesim/http.h"
#include "mesim/order.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *reason_phrase(int code) {
    switch (code) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 500:
        return "Internal Server Error";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    default:
        return "Status";
    }
}

void me_http_send(struct evhttp_request *req, int code, struct evbuffer *body) {
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Content-Type", "application/json");
    evhttp_send_reply(req, code, reason_phrase(code), body);
}

void me_http_reply(struct evhttp_request *req, int code, const char *fmt, ...) {
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    evbuffer_add_vprintf(b, fmt, ap);
    va_end(ap);
    me_http_send(req, code, b);
    evbuffer_free(b);
}

void me_http_reject(struct evhttp_request *req, int code, const char *field, const char *reason) {
    char r[512], f[160];
    me_json_quote(r, sizeof r, reason);
    me_json_quote(f, sizeof f, field);
    me_http_reply(req, code, "{\"status\":\"REJECTED\",\"reason\":%s,\"field\":%s}\n", r, f);
}

char *me_http_body(struct evhttp_request *req, size_t limit, size_t *len, int *too_large) {
    struct evbuffer *in = evhttp_request_get_input_buffer(req);
    size_t n = evbuffer_get_length(in);
    *too_large = n > limit;
    if (*too_large) return NULL;
    char *s = malloc(n + 1);
    if (!s) return NULL;
    evbuffer_copyout(in, s, n);
    s[n] = '\0';
    *len = n;
    return s;
}

const char *me_http_path(struct evhttp_request *req) {
    const struct evhttp_uri *u = evhttp_request_get_evhttp_uri(req);
    const char *p = u ? evhttp_uri_get_path(u) : NULL;
    return p && *p ? p : "/";
}

struct evhttp *me_http_listen(struct event_base *base, const char *host, int port, char *err,
                              size_t errlen) {
    struct evhttp *http = evhttp_new(base);
    if (!http) {
        snprintf(err, errlen, "cannot create HTTP server");
        return NULL;
    }
    evhttp_set_max_body_size(http, ME_MAX_BODY);
    evhttp_set_max_headers_size(http, 64 << 10);
    evhttp_set_timeout(http, 60);
    evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_POST);
    if (evhttp_bind_socket(http, host, (unsigned short)port) != 0) {
        snprintf(err, errlen, "cannot listen on %s:%d: %s", host, port, strerror(errno));
        evhttp_free(http);
        return NULL;
    }
    return http;
}
