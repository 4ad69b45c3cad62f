/* test_http_fast.c — the one-pass response head (src/net/response_fast.c) against http_parser.
 *
 * Whenever fast_response_head() accepts a head, http_parser (Debian's, the one lt links), fed the
 * same head and the body it announces through callbacks that build the header block as
 * response.c's do, must agree on everything: no error, the message complete exactly at the end,
 * the status, the version, the header block byte for byte, the body's offset and
 * http_should_keep_alive(). Checked on hand-written heads and on ~60,000 mutations of them
 * (bytes replaced, inserted, deleted; a fixed seed). The plain heads lt meets most (nginx's,
 * mesim's) must take the fast path; the ones it leaves to http_parser must be refused. */
#include "net/response_fast.h"
#include "t.h"

#include <http_parser.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char hdr[65536];
    size_t hdr_len;
    bool in_value, complete, keep_alive, bad;
    const char *body_at;
} ref;

static void ref_append(ref *r, const char *sep, size_t sep_len, const char *at, size_t len) {
    if (r->hdr_len + sep_len + len > sizeof r->hdr) {
        r->bad = true;
        return;
    }
    memcpy(r->hdr + r->hdr_len, sep, sep_len);
    memcpy(r->hdr + r->hdr_len + sep_len, at, len);
    r->hdr_len += sep_len + len;
}

static int on_field(http_parser *hp, const char *at, size_t len) {
    ref *r = hp->data;
    bool new_line = r->in_value;
    r->in_value = false;
    ref_append(r, "\r\n", new_line ? 2 : 0, at, len);
    return 0;
}

static int on_value(http_parser *hp, const char *at, size_t len) {
    ref *r = hp->data;
    bool first = !r->in_value;
    r->in_value = true;
    ref_append(r, ": ", first ? 2 : 0, at, len);
    return 0;
}

static int on_headers_complete(http_parser *hp) {
    ref *r = hp->data;
    if (r->in_value) ref_append(r, "\r\n", 2, "", 0);
    r->in_value = false;
    return 0;
}

static int on_body(http_parser *hp, const char *at, size_t len) {
    ref *r = hp->data;
    if (!r->body_at) r->body_at = at;
    return 0;
}

static int on_complete(http_parser *hp) {
    ref *r = hp->data;
    r->complete = true;
    r->keep_alive = http_should_keep_alive(hp);
    return 0;
}

static const http_parser_settings settings = {
    .on_header_field = on_field,
    .on_header_value = on_value,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_complete,
};

static char buf[FAST_HEAD_MAX + 4096];
static long accepted, compared;

/* Runs the fast path on data; when it accepts, compares with http_parser. Returns whether it
 * accepted. `what` names the input in failures. */
static bool check(const char *data, size_t len, const char *what) {
    fast_head h;
    if (!fast_response_head(data, len, &h)) return false;
    accepted++;
    size_t head = h.head_len;
    T_CHECK(head <= len && h.hdr_off + h.hdr_len <= head, "%s: slices inside the input", what);
    if (h.content_length > 2048) return true; /* not fed to http_parser: too long to build */
    memcpy(buf, data, head);
    memset(buf + head, 'x', (size_t)h.content_length);
    size_t total = head + (size_t)h.content_length;
    static ref r;
    memset(&r, 0, sizeof r);
    http_parser hp;
    http_parser_init(&hp, HTTP_RESPONSE);
    hp.data = &r;
    size_t used = http_parser_execute(&hp, &settings, buf, total);
    compared++;
    bool ok = HTTP_PARSER_ERRNO(&hp) == HPE_OK && used == total && r.complete && !r.bad &&
              (int)hp.status_code == h.status && hp.http_major == 1 &&
              (int)hp.http_minor == h.minor && r.hdr_len == h.hdr_len &&
              memcmp(r.hdr, data + h.hdr_off, h.hdr_len) == 0 && r.keep_alive == h.keep_alive &&
              (h.content_length == 0 ? r.body_at == NULL : r.body_at == buf + head);
    T_CHECK(ok,
            "%s: http_parser disagrees (errno %s, used %zu of %zu, complete %d, status %d/%d, "
            "minor %d/%d, hdr %zu/%zu, keep-alive %d/%d) on:\n%.*s",
            what, http_errno_name(HTTP_PARSER_ERRNO(&hp)), used, total, r.complete,
            (int)hp.status_code, h.status, (int)hp.http_minor, h.minor, r.hdr_len, h.hdr_len,
            r.keep_alive, h.keep_alive, (int)head, data);
    return true;
}

static bool check_str(const char *s) {
    return check(s, strlen(s), s);
}

static const char *plain[] = {
    /* nginx (tests/nginx.conf.in) */
    "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Fri, 04 Dec 2026 01:09:00 GMT\r\n"
    "Content-Type: application/json\r\nContent-Length: 36\r\nConnection: keep-alive\r\n\r\n",
    /* mesim (src/mesim/http.c) */
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 52\r\n\r\n",
    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 3\r\n\r\n",
    "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\n",
    "HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\nContent-Length: 5\r\n\r\n",
    "HTTP/1.1 200 OK\r\ncontent-length: 7\r\nX-Tab: v\t1\r\nCONNECTION: Keep-Alive\r\n\r\n",
    "HTTP/1.1 201 \r\nContent-Length: 0\r\nSet-Cookie: a=b; Path=/\r\nSet-Cookie: c=d\r\n\r\n",
    "HTTP/1.1 302 Found\r\nLocation: /x?y=1&z=%20\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-A: 1\r\nConnection: close\r\nConnection: keep-alive\r\n"
    "Content-Length: 2\r\n\r\n",
    "HTTP/1.0 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n",
};

static const char *refused[] = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    "HTTP/1.1 200 OK\r\ncontent-length:7\r\n\r\n", /* separators other than ": " */
    "HTTP/1.1 200 OK\r\nContent-Length:  7\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-A:\t1\r\nContent-Length: 7\r\n\r\n",
    "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\n",
    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\n\r\n",                                           /* until close */
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n", /* two lengths */
    "HTTP/1.1 200 OK\r\nContent-Length: 1 \r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-A : 1\r\nContent-Length: 1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-A:\r\nContent-Length: 1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 1\r\n\r\n", /* folded */
    "HTTP/1.1 200 OK\nContent-Length: 1\n\n",
    "HTTP/1.1 200 OK\r\nConnection: keep-alive, Upgrade\r\nContent-Length: 1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nProxy-Connection: close\r\nContent-Length: 1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nX-Bin: \xc3\xa9\r\nContent-Length: 1\r\n\r\n",
    "HTTP/2.0 200 OK\r\nContent-Length: 1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n", /* incomplete */
    "HTTX/1.1 200 OK\r\nContent-Length: 1\r\n\r\n",
};

/* The byte classes fast_response_head uses, checked through it: a one-byte header name and a
 * one-byte value (between other bytes), for every byte. */
static void test_byte_classes(void) {
    static const char tchars[] = "!#$%&'*+-.^_`|~";
    int wrong = 0;
    for (int c = 0; c < 256; c++) {
        bool tchar = (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') ||
                     (c != 0 && strchr(tchars, c));
        bool vchar = c == '\t' || (c >= 0x20 && c < 0x7f);
        char h[128];
        fast_head fh;
        int n =
            snprintf(h, sizeof h, "HTTP/1.1 200 OK\r\nX%cY: 1\r\nContent-Length: 0\r\n\r\n", 'a');
        h[19] = (char)c;
        if (fast_response_head(h, (size_t)n, &fh) != tchar) wrong++;
        n = snprintf(h, sizeof h, "HTTP/1.1 200 OK\r\nX: a%cb\r\nContent-Length: 0\r\n\r\n", 'a');
        h[21] = (char)c;
        if (fast_response_head(h, (size_t)n, &fh) != vchar) wrong++;
    }
    T_CHECK(wrong == 0, "%d bytes classed wrong", wrong);
    /* in a longer value (read 8 bytes a step), at every position but the ends */
    wrong = 0;
    for (int c = 0; c < 256; c++)
        for (int at = 1; at < 23; at++) {
            char h[128];
            fast_head fh;
            int n = snprintf(h, sizeof h,
                             "HTTP/1.1 200 OK\r\nX: abcdefghijklmnopqrstuvwx\r\n"
                             "Content-Length: 0\r\n\r\n");
            h[20 + at] = (char)c;
            bool vchar = c == '\t' || (c >= 0x20 && c < 0x7f);
            if (fast_response_head(h, (size_t)n, &fh) != vchar) wrong++;
        }
    T_CHECK(wrong == 0, "%d bytes in a long value classed wrong", wrong);
}

int main(void) {
    test_byte_classes();
    for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
        T_CHECK(check_str(plain[i]), "a plain head takes the fast path: %s", plain[i]);
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        T_CHECK(!check_str(refused[i]), "left to http_parser: %s", refused[i]);

    static const char interesting[] = {' ', '\t',   ':',    '\r', '\n', 'A', 'z', '0', '9', ',',
                                       '-', '\x7f', '\x80', '\0', '"',  '/', '.', 'k', 'c', 'C'};
    char m[4096];
    long mutants = 0, fast = 0;
    for (int round = 0; round < 60000; round++) {
        const char *b = plain[t_next() % (sizeof plain / sizeof *plain)];
        size_t n = strlen(b);
        memcpy(m, b, n);
        int edits = 1 + (int)(t_next() % 3);
        for (int e = 0; e < edits && n > 2 && n < sizeof m - 2; e++) {
            size_t at = t_next() % n;
            char c = (t_next() & 1) ? interesting[t_next() % sizeof interesting]
                                    : (char)(t_next() & 0xff);
            switch (t_next() % 3) {
            case 0:
                m[at] = c;
                break;
            case 1:
                memmove(m + at + 1, m + at, n - at);
                m[at] = c;
                n++;
                break;
            default:
                memmove(m + at, m + at + 1, n - at - 1);
                n--;
                break;
            }
        }
        mutants++;
        if (check(m, n, "mutant")) fast++;
    }
    printf("%ld mutants, %ld took the fast path, %ld compared with http_parser\n", mutants, fast,
           compared);
    T_CHECK(fast > 1000, "enough mutants take the fast path to mean something: %ld", fast);
    return T_DONE();
}
