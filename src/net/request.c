/* request.c — the request of lt's HTTP client: checking the caller's headers, serializing the
 * request (request line, default headers, the caller's headers and body) into the pool's
 * buffer, and writing that buffer to the connection. Shared structs are in http_internal.h.
 */
#include "net/http_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* ---- checking the caller's headers ----
 * A CR or LF in a header would end the line early and let the script's data write headers (or a
 * whole second request) of its own: request smuggling into the target. Go's net/http refuses
 * such headers before sending anything (httpguts.ValidHeaderFieldName/Value), and so k6 does;
 * lt does the same, with Go's messages. */

/* RFC 9110 5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_"
 * / "`" / "|" / "~" / DIGIT / ALPHA */
static bool is_tchar(unsigned char ch) {
    static const char extra[] = "!#$%&'*+-.^_`|~";
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch && memchr(extra, ch, sizeof extra - 1));
}

static bool valid_name(const char *s, size_t n) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (!is_tchar((unsigned char)s[i])) return false;
    return true;
}

/* As Go's ValidHeaderFieldValue: no control characters but tab; obs-text (>= 0x80) is allowed. */
static bool valid_value(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if ((ch < ' ' && ch != '\t') || ch == 0x7f) return false;
    }
    return true;
}

/* Writes s quoted as Go's %q would (\r, \n, \t, \", \\, \xNN), cut at about 80 bytes. */
static void quote(char *out, size_t outlen, const char *s, size_t n) {
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < n && o + 8 < outlen; i++) {
        unsigned char ch = (unsigned char)s[i];
        const char *esc = ch == '\r'   ? "\\r"
                          : ch == '\n' ? "\\n"
                          : ch == '\t' ? "\\t"
                          : ch == '"'  ? "\\\""
                          : ch == '\\' ? "\\\\"
                                       : NULL;
        if (esc) {
            o += (size_t)snprintf(out + o, outlen - o, "%s", esc);
        } else if (ch < ' ' || ch >= 0x7f) {
            o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", ch);
        } else {
            out[o++] = (char)ch;
        }
        if (o > 80 && i + 1 < n) {
            o += (size_t)snprintf(out + o, outlen - o, "...");
            break;
        }
    }
    snprintf(out + o, outlen - o, "\"");
}

int check_headers(const http_request *req, char *err, size_t errlen) {
    for (int i = 0; i < req->nheaders; i++) {
        const http_header *h = &req->headers[i];
        char q[128];
        if (!valid_name(h->name, h->name_len)) {
            quote(q, sizeof q, h->name, h->name_len);
            snprintf(err, errlen, "invalid header field name %s", q);
            return -1;
        }
        if (!valid_value(h->value, h->value_len)) {
            /* the value is not shown: it may be a secret (Go leaves it out too) */
            quote(q, sizeof q, h->name, h->name_len);
            snprintf(err, errlen, "invalid header field value for %s", q);
            return -1;
        }
    }
    return 0;
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

/* RFC 9110 9.2.2: the methods whose effect is the same sent once or twice. */
static bool method_is_idempotent(const char *m) {
    static const char *const idempotent[] = {"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"};
    for (size_t i = 0; i < sizeof idempotent / sizeof idempotent[0]; i++)
        if (strcmp(m, idempotent[i]) == 0) return true;
    return false;
}

/* Makes the request line for method and the Host line for p->url, kept in the pool while the
 * method and URL stay the same (see use_url). Returns -1 on OOM. */
int make_request_line(http_pool *p, const char *method) {
    buf_t *l = &p->line;
    l->len = 0;
    p->line_method[0] = 0;
    p->idempotent_method = method_is_idempotent(method);
    if (buf_reserve(l, strlen(method) + p->url.target_len + 16) < 0) return -1;
    append_str(l, method);
    append_str(l, lt_url_target_needs_slash(&p->url) ? " /" : " ");
    buf_append(l, p->url.target, p->url.target_len);
    append_str(l, " HTTP/1.1\r\n");
    buf_t *h = &p->host_line;
    if (h->len == 0) {
        if (buf_reserve(h, strlen(p->url.host) + 32) < 0) return -1;
        append_str(h, p->url.ipv6_literal ? "Host: [" : "Host: ");
        append_str(h, p->url.host);
        if (p->url.ipv6_literal) append_str(h, "]");
        if (!p->url.default_port) {
            append_str(h, ":");
            append_uint(h, p->url.port);
        }
        append_str(h, "\r\n");
    }
    size_t n = strlen(method);
    if (n < sizeof p->line_method)
        memcpy(p->line_method, method, n + 1); /* else: made anew each time */
    return 0;
}

#define APPEND_LIT(b, s) buf_append(b, s, sizeof s - 1)

/* Serializes the whole request (header block and body) into p->out; returns -1 on OOM. The
 * request line and Host line come from make_request_line. */
int build_request(http_pool *p, const http_request *req, const char *method) {
    bool has_host = false, has_ua = false, has_length = false, has_conn = false, has_auth = false;
    bool has_idempotency_key = false;
    size_t headers_size = 0;
    const char *ua = req->user_agent ? req->user_agent : HTTP_USER_AGENT;
    size_t ua_len = strlen(ua);
    for (int i = 0; i < req->nheaders; i++) {
        const http_header *h = &req->headers[i];
        /* Go's isReplayable: the header's name says the server makes the request idempotent */
        has_idempotency_key |= name_is(h, "Idempotency-Key") || name_is(h, "X-Idempotency-Key");
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
    p->replayable = p->idempotent_method || has_idempotency_key;
    if (req->no_reuse) p->close_requested = true;
    buf_t *b = &p->out;
    b->len = 0;
    /* One reservation covers everything appended below (fixed parts < 256 bytes), so the
     * appends cannot fail and the buffer never moves while it is built. */
    size_t need = 256 + ua_len + p->line.len + p->host_line.len + 2 * p->url.userinfo_len +
                  headers_size + req->body_len;
    if (buf_reserve(b, need) < 0) return -1;
    buf_append(b, p->line.data, p->line.len);
    if (!has_host) buf_append(b, p->host_line.data, p->host_line.len);
    if (!has_ua && ua_len) {
        APPEND_LIT(b, "User-Agent: ");
        buf_append(b, ua, ua_len);
        APPEND_LIT(b, "\r\n");
    }
    if (!has_conn && req->no_reuse)
        APPEND_LIT(b, "Connection: close\r\n");
    else if (!has_conn)
        APPEND_LIT(b, "Connection: keep-alive\r\n");
    if (p->url.userinfo && !has_auth) {
        append_str(b, "Authorization: Basic ");
        append_base64(b, p->url.userinfo, p->url.userinfo_len);
        append_str(b, "\r\n");
    }
    if (!has_length && (req->body || method_sends_length(method))) {
        APPEND_LIT(b, "Content-Length: ");
        append_uint(b, req->body ? req->body_len : 0);
        APPEND_LIT(b, "\r\n");
    }
    for (int i = 0; i < req->nheaders; i++) {
        const http_header *h = &req->headers[i];
        if (h->value_len == 0 && name_is(h, "User-Agent")) continue; /* Go sends none */
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

/* ---- sending ---- */

step flush_request(http_pool *p, http_conn *c) {
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

step start_sending(http_pool *p) {
    p->t_send_start = lt_now();
    return flush_request(p, p->conn);
}
