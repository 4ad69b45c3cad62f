/* response.c — the response of lt's HTTP client: reading it from the connection, parsing it
 * with http_parser into the pool's header and body buffers, and classifying what goes wrong
 * into an http_error. Shared structs are in http_internal.h.
 */
#include "net/http_internal.h"
#include "net/response_fast.h"

#include <limits.h>
#include <string.h>

#define HEADER_MAX (64 * 1024)

void reset_response(http_pool *p) {
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
    char *d = p->hdr.data + p->hdr.len;
    for (size_t i = 0; i < sep_len; i++) d[i] = sep[i]; /* 0 or 2 bytes: no memcpy call */
    memcpy(d + sep_len, at, len);
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
    if (p->cb_error != HTTP_OK) return fail_request(p, err, "%s", http_error_name(err));
    enum http_errno e = HTTP_PARSER_ERRNO(&p->parser);
    return fail_request(p, err, "%s: %s", http_error_name(err), http_errno_description(e));
}

/* The Debian build of http_parser is not strict: it accepts "HTTX/1.1 200". The first bytes of
 * a response must be "HTTP/" (checked across reads; costs nothing after five bytes). */
static bool starts_like_http(http_pool *p, const char *data, size_t len) {
    static const char proto[] = "HTTP/";
    for (size_t i = 0; i < len && p->proto_matched < 5; i++, p->proto_matched++)
        if (data[i] != proto[p->proto_matched]) return false;
    return true;
}

/* A plain response that is all in `data` (the usual case for small ones), read in one pass
 * (net/response_fast.h). False, with nothing of the pool changed, when http_parser must read it. */
static bool parse_fast(http_pool *p, const char *data, size_t len, step *out) {
    fast_head h;
    if (!fast_response_head(data, len, &h)) return false;
    size_t head = h.head_len;
    if (h.content_length > len - head || h.content_length > p->w->max_body) return false;
    size_t length = (size_t)h.content_length;
    if (buf_append(&p->hdr, data + h.hdr_off, h.hdr_len) < 0) return false;
    if (!p->discard_body && length > 0 && buf_append(&p->body, data + head, length) < 0) {
        p->hdr.len = 0;
        return false;
    }
    p->parser.http_major = 1; /* what http_client.c reads of the parser: the version */
    p->parser.http_minor = (unsigned short)h.minor;
    p->parser.status_code = (unsigned int)h.status;
    p->status = h.status;
    p->phase = PHASE_BODY;
    p->complete = true;
    /* bytes after the response: refused, as on_message_begin does, by closing the connection */
    p->keep_alive = h.keep_alive && !p->close_requested && head + length == len;
    *out = finish_request(p, HTTP_OK);
    return true;
}

static step parse(http_pool *p, const char *data, size_t len) {
    step fast;
    if (p->proto_matched == 0 && !p->is_head && !p->w->slow_parse &&
        parse_fast(p, data, len, &fast))
        return fast;
    if (p->proto_matched < 5 && !starts_like_http(p, data, len))
        return fail_request(p, HTTP_ERR_BAD_STATUS, "%s: response does not start with HTTP/",
                            http_error_name(HTTP_ERR_BAD_STATUS));
    size_t used = http_parser_execute(&p->parser, &parser_settings, data, len);
    if (p->complete) {
        if (used < len || HTTP_PARSER_ERRNO(&p->parser) != HPE_OK) p->keep_alive = false;
        return finish_request(p, HTTP_OK);
    }
    if (HTTP_PARSER_ERRNO(&p->parser) != HPE_OK) return fail_parse(p);
    if (p->parser.upgrade)
        return fail_request(p, HTTP_ERR_PROTOCOL, "unexpected %d response (protocol upgrade)",
                            p->status);
    return GO_ON;
}

static step on_eof(http_pool *p, http_conn *c) {
    if (!p->got_byte) {
        if (may_send_again(p, c, LT_IO_EOF)) return retry_on_fresh_connection(p);
        return fail_request(p, HTTP_ERR_CLOSED, "connection closed before response");
    }
    /* A body delimited by the connection's end completes here. */
    http_parser_execute(&p->parser, &parser_settings, NULL, 0);
    if (p->complete) {
        p->keep_alive = false;
        return finish_request(p, HTTP_OK);
    }
    if (HTTP_PARSER_ERRNO(&p->parser) != HPE_OK &&
        HTTP_PARSER_ERRNO(&p->parser) != HPE_INVALID_EOF_STATE)
        return fail_parse(p);
    return fail_request(p, HTTP_ERR_CLOSED, "connection closed before response complete");
}

step read_response(http_pool *p, http_conn *c) {
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
