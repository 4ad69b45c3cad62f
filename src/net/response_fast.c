/* response_fast.c — a plain response head in one pass (see response_fast.h). */
#include "net/response_fast.h"

#include <string.h>

/* Byte classes as 128-bit sets (bit c of word c / 64): RFC 9110's tchar, a header name's bytes;
 * and a value's bytes here, printable ASCII and tab (http_parser takes more; those go to it). */
static const uint64_t TCHAR[2] = {0x03ff6cfa00000000ULL, 0x57ffffffc7fffffeULL};
static const uint64_t VCHAR[2] = {0xffffffff00000200ULL, 0x7fffffffffffffffULL};

static inline bool in_set(const uint64_t set[2], unsigned char c) {
    return c < 128 && (set[c >> 6] >> (c & 63)) & 1;
}
#define is_tchar(c) in_set(TCHAR, c)
#define is_vchar(c) in_set(VCHAR, c)

static bool all_vchars_bytewise(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (!is_vchar((unsigned char)s[i])) return false;
    return true;
}

/* whether s[0 .. n) are all vchars, 8 bytes a step: a word with a byte below 0x20 or from 0x7f
 * on (the usual bit tricks, exact about "any") is looked at byte by byte (a tab is allowed) */
static inline bool all_vchars(const char *s, size_t n) {
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t x;
        memcpy(&x, s + i, 8);
        uint64_t below = (x - 0x20 * ones) & ~x & highs;
        uint64_t above = (x | (x + ones)) & highs;
        if ((below | above) && !all_vchars_bytewise(s + i, 8)) return false;
    }
    return all_vchars_bytewise(s + i, n - i);
}

/* whether name (tchars) is `lower` of length n, ignoring case */
static inline bool name_is(const char *name, size_t len, const char *lower, size_t n) {
    if (len != n) return false;
    for (size_t i = 0; i < n; i++)
        if ((char)(name[i] | 0x20) != lower[i]) return false; /* tchars: | 0x20 folds letters */
    return true;
}
#define NAME_IS(name, len, lit) name_is(name, len, lit, sizeof lit - 1)

static inline bool value_is(const char *v, size_t len, const char *lower, size_t n) {
    if (len != n) return false;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c | 0x20);
        if (c != lower[i]) return false;
    }
    return true;
}
#define VALUE_IS(v, len, lit) value_is(v, len, lit, sizeof lit - 1)

bool fast_response_head(const char *data, size_t len, fast_head *out) {
    if (len > FAST_HEAD_MAX) len = FAST_HEAD_MAX;
    const char *p = data, *end = data + len;
    /* "HTTP/1.x NNN reason\r\n" */
    if (len < 17 || memcmp(p, "HTTP/1.", 7) != 0) return false;
    if (p[7] != '0' && p[7] != '1') return false;
    if (p[8] != ' ') return false;
    for (int i = 9; i < 12; i++)
        if (p[i] < '0' || p[i] > '9') return false;
    int status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
    if (status < 200 || status > 599 || status == 204 || status == 304) return false;
    out->minor = p[7] - '0';
    out->status = status;
    p += 12;
    if (*p == ' ') {
        p++;
        while (p < end && *p != '\r') {
            if (!is_vchar((unsigned char)*p)) return false;
            p++;
        }
    }
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n') return false;
    p += 2;
    const char *first = p;

    bool have_length = false, close = false, keep_alive = false;
    uint64_t length = 0;
    for (;;) {
        if (end - p < 2) return false; /* the head goes on past what we have */
        if (p[0] == '\r' && p[1] == '\n') break;
        const char *name = p;
        while (p < end) {
            unsigned char c = (unsigned char)*p;
            if ((unsigned char)((c | 0x20) - 'a') < 26 || c == '-' || is_tchar(c))
                p++;
            else
                break;
        }
        size_t name_len = (size_t)(p - name);
        /* exactly "Name: value": the header block is then these bytes as they are */
        if (name_len == 0 || end - p < 3 || p[0] != ':' || p[1] != ' ') return false;
        p += 2;
        const char *value = p;
        const char *cr = memchr(p, '\r', (size_t)(end - p));
        if (!cr) return false;
        size_t value_len = (size_t)(cr - value);
        if (!all_vchars(value, value_len)) return false;
        p = cr;
        if (value_len == 0 || value[0] == ' ' || value[0] == '\t' || value[value_len - 1] == ' ' ||
            value[value_len - 1] == '\t')
            return false;
        if (end - p < 2 || p[1] != '\n') return false;
        p += 2;
        /* the headers http_parser gives a meaning to */
        switch (name[0] | 0x20) {
        case 'c':
            if (NAME_IS(name, name_len, "content-length")) {
                if (have_length || value_len > 18) return false;
                for (size_t i = 0; i < value_len; i++) {
                    if (value[i] < '0' || value[i] > '9') return false;
                    length = length * 10 + (uint64_t)(value[i] - '0');
                }
                have_length = true;
            } else if (NAME_IS(name, name_len, "connection")) {
                if (VALUE_IS(value, value_len, "close"))
                    close = true;
                else if (VALUE_IS(value, value_len, "keep-alive"))
                    keep_alive = true;
                else
                    return false;
            }
            break;
        case 't':
            if (NAME_IS(name, name_len, "transfer-encoding")) return false;
            break;
        case 'u':
            if (NAME_IS(name, name_len, "upgrade")) return false;
            break;
        case 'p':
            if (NAME_IS(name, name_len, "proxy-connection")) return false;
            break;
        default:
            break;
        }
    }
    if (!have_length) return false;
    out->head_len = (size_t)(p + 2 - data);
    /* response.c's callbacks join the headers as "Name: value" lines with CRLF between and
     * after the last: the bytes from the first header line through the last one's CRLF */
    out->hdr_off = (size_t)(first - data);
    out->hdr_len = (size_t)(p - first);
    out->content_length = length;
    /* http_should_keep_alive(): 1.1 unless "close"; 1.0 only with "keep-alive" */
    out->keep_alive = out->minor == 1 ? !close : keep_alive;
    return true;
}
