/* utf8.c — UTF-8 validation, repair and JSON string escaping (see utf8.h for the rules). */
#include "base/utf8.h"
#include <stdlib.h>
#include <string.h>

/* ---------------- word-at-a-time scans ----------------
 * Eight bytes per step with the classic bit tricks: `w - 0x01..01 * n` borrows into a byte's high
 * bit only when that byte is below n (n <= 128), so these tell whether *any* byte of the word
 * qualifies; the byte loop after them finds which. */

#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t load8(const char *s) {
    uint64_t w;
    memcpy(&w, s, sizeof w); /* unaligned-safe; compiles to one load */
    return w;
}
static inline uint64_t any_below(uint64_t w, unsigned n) {
    return (w - ONES * n) & ~w & HIGHS;
}
static inline uint64_t any_equal(uint64_t w, unsigned char c) {
    return any_below(w ^ (ONES * c), 1);
}

static size_t ascii_run(const char *s, size_t len) {
    size_t i = 0;
    while (i + 8 <= len && !(load8(s + i) & HIGHS)) i += 8;
    while (i < len && !((unsigned char)s[i] & 0x80)) i++;
    return i;
}

/* 1 for the bytes a JSON string carries as they are: printable ASCII but '"' and '\\'. A table,
 * so the byte loop costs one load and one test per byte. */
#define R4(v)  v, v, v, v
#define R16(v) R4(v), R4(v), R4(v), R4(v)
static const unsigned char json_plain[256] = {
    R16(0), R16(0),                                                 /* 0x00-0x1f: controls */
    1,      1,      0,      R4(1),  R4(1),  R4(1),  1,              /* 0x20-0x2f: '"' is 0x22 */
    R16(1),                                                         /* 0x30-0x3f */
    R16(1),                                                         /* 0x40-0x4f */
    R4(1),  R4(1),  R4(1),  0,      1,      1,      1,              /* 0x50-0x5f: '\\' is 0x5c */
    R16(1), R16(1),                                                 /* 0x60-0x7f */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), /* 0x80-0xff */
};

static inline bool json_special_word(uint64_t w) {
    return (w & HIGHS) | any_below(w, 0x20) | any_equal(w, '"') | any_equal(w, '\\');
}

size_t utf8_json_plain_run(const char *s, size_t len) {
    size_t i = 0;
    if (len >= 8) {
        for (; i + 8 <= len; i += 8)
            if (json_special_word(load8(s + i))) goto bytes;
        /* the tail as one more word, overlapping what was checked: no byte loop when plain */
        if (i == len || !json_special_word(load8(s + len - 8))) return len;
    }
bytes:
    while (i < len && json_plain[(unsigned char)s[i]]) i++;
    return i;
}

/* ---------------- one sequence ---------------- */

/* The length (2-4) of the valid multi-byte sequence at s, or 0 with *bad set to the length of
 * its maximal ill-formed subpart (the bytes that could still have begun a valid sequence, at
 * least 1). The ranges are Unicode's table 3-7 (well-formed UTF-8 byte sequences). */
static size_t sequence(const unsigned char *s, size_t n, size_t *bad) {
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        if (c == 0xE0) lo = 0xA0; /* below: overlong */
        if (c == 0xED) hi = 0x9F; /* above: surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        if (c == 0xF0) lo = 0x90; /* below: overlong */
        if (c == 0xF4) hi = 0x8F; /* above: past U+10FFFF */
    } else {
        *bad = 1; /* a continuation byte, C0/C1 (always overlong) or F5..FF */
        return 0;
    }
    for (size_t k = 1; k <= need; k++) {
        if (k >= n || s[k] < lo || s[k] > hi) {
            *bad = k;
            return 0;
        }
        lo = 0x80;
        hi = 0xBF;
    }
    return need + 1;
}

size_t utf8_sequence_len(const char *s, size_t n) {
    size_t bad;
    if (n == 0) return 0;
    if (!((unsigned char)s[0] & 0x80)) return 1;
    return sequence((const unsigned char *)s, n, &bad);
}

size_t utf8_valid_prefix(const char *s, size_t len) {
    size_t i = 0;
    for (;;) {
        i += ascii_run(s + i, len - i);
        if (i == len) return len;
        size_t bad, n = sequence((const unsigned char *)s + i, len - i, &bad);
        if (!n) return i;
        i += n;
    }
}

size_t utf8_encode(char *dst, uint32_t cp) {
    unsigned char *d = (unsigned char *)dst;
    if (cp < 0x80) {
        d[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        d[0] = (unsigned char)(0xC0 | (cp >> 6));
        d[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        d[0] = (unsigned char)(0xE0 | (cp >> 12));
        d[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        d[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    d[0] = (unsigned char)(0xF0 | (cp >> 18));
    d[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    d[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    d[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

/* ---------------- repair ---------------- */

/* Walks s as units: a valid run (ASCII or whole sequences), or one ill-formed subpart. Returns
 * the unit's input length; *valid says which. */
static size_t next_unit(const char *s, size_t len, bool *valid) {
    size_t i = 0;
    for (;;) {
        i += ascii_run(s + i, len - i);
        if (i == len) break;
        size_t bad, n = sequence((const unsigned char *)s + i, len - i, &bad);
        if (!n) {
            if (i > 0) break; /* end the valid run here; the subpart is the next unit */
            *valid = false;
            return bad;
        }
        i += n;
    }
    *valid = true;
    return i;
}

size_t utf8_repaired_len(const char *s, size_t len) {
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        bool valid;
        size_t n = next_unit(s + i, len - i, &valid);
        out += valid ? n : UTF8_REPLACEMENT_LEN;
        i += n;
    }
    return out;
}

size_t utf8_repair(char *dst, const char *s, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        bool valid;
        size_t n = next_unit(s + i, len - i, &valid);
        if (valid) {
            memmove(dst + o, s + i, n); /* memmove: repairing in place is allowed when it fits */
            o += n;
        } else {
            memcpy(dst + o, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
            o += UTF8_REPLACEMENT_LEN;
        }
        i += n;
    }
    return o;
}

char *utf8_repair_dup(const char *s, size_t len, size_t *outlen) {
    size_t n = utf8_repaired_len(s, len);
    char *d = malloc(n + 1);
    if (!d) return NULL;
    utf8_repair(d, s, len);
    d[n] = 0;
    if (outlen) *outlen = n;
    return d;
}

size_t utf8_copy(char *dst, size_t cap, const char *s, size_t len) {
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        size_t bad, n = (unsigned char)s[i] < 0x80
                            ? 1
                            : sequence((const unsigned char *)s + i, len - i, &bad);
        const char *from = n ? s + i : UTF8_REPLACEMENT;
        size_t out = n ? n : UTF8_REPLACEMENT_LEN;
        if (o + out + 1 > cap) break;
        memcpy(dst + o, from, out);
        o += out;
        i += n ? n : bad;
    }
    dst[o] = 0;
    return o;
}

/* ---------------- JSON ---------------- */

/* The escaped form of the special input unit at s (a byte that is not plain), into out (room
 * for 6); returns its length and sets *used to the input bytes it stands for. */
static size_t escape_unit(const char *s, size_t n, char *out, size_t *used) {
    static const char hex[] = "0123456789abcdef";
    unsigned char c = (unsigned char)s[0];
    *used = 1;
    if (c >= 0x80) {
        size_t bad, len = sequence((const unsigned char *)s, n, &bad);
        if (len) {
            memcpy(out, s, len);
            *used = len;
            return len;
        }
        memcpy(out, UTF8_REPLACEMENT, UTF8_REPLACEMENT_LEN);
        *used = bad;
        return UTF8_REPLACEMENT_LEN;
    }
    out[0] = '\\';
    switch (c) {
    case '"':
    case '\\':
        out[1] = (char)c;
        return 2;
    case '\n':
        out[1] = 'n';
        return 2;
    case '\r':
        out[1] = 'r';
        return 2;
    case '\t':
        out[1] = 't';
        return 2;
    case '\b':
        out[1] = 'b';
        return 2;
    case '\f':
        out[1] = 'f';
        return 2;
    default:
        memcpy(out + 1, "u00", 3);
        out[4] = hex[c >> 4];
        out[5] = hex[c & 15];
        return 6;
    }
}

size_t utf8_json_escape_some(char *dst, size_t cap, const char *s, size_t len, size_t *consumed) {
    size_t i = 0, o = 0;
    while (i < len) {
        size_t run = utf8_json_plain_run(s + i, len - i);
        if (run) {
            if (run > cap - o) run = cap - o;
            if (!run) break;
            memcpy(dst + o, s + i, run);
            o += run;
            i += run;
            continue;
        }
        char unit[6];
        size_t used, n = escape_unit(s + i, len - i, unit, &used);
        if (n > cap - o) break;
        memcpy(dst + o, unit, n);
        o += n;
        i += used;
    }
    *consumed = i;
    return o;
}

size_t utf8_json_escape(char *dst, const char *s, size_t len) {
    size_t used;
    return utf8_json_escape_some(dst, UTF8_JSON_ESCAPE_MAX(len), s, len, &used);
}

size_t utf8_json_escaped_len(const char *s, size_t len) {
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        size_t run = utf8_json_plain_run(s + i, len - i);
        out += run;
        i += run;
        if (i == len) break;
        char unit[6];
        size_t used;
        out += escape_unit(s + i, len - i, unit, &used);
        i += used;
    }
    return out;
}

int utf8_json_fput(FILE *f, const char *s, size_t len) {
    char buf[4096];
    if (fputc('"', f) == EOF) return EOF;
    for (size_t i = 0; i < len;) {
        size_t used, n = utf8_json_escape_some(buf, sizeof buf, s + i, len - i, &used);
        if (fwrite(buf, 1, n, f) != n) return EOF;
        i += used;
    }
    return fputc('"', f) == EOF ? EOF : 0;
}
