/* order.c — see order.h. */
#include "mesim/order.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reject(me_reject *rej, const char *prefix, const char *field, const char *fmt,
                  const char *arg) {
    snprintf(rej->field, sizeof rej->field, "%s%s", prefix, field);
    char why[120];
    snprintf(why, sizeof why, fmt, arg);
    snprintf(rej->reason, sizeof rej->reason, "%s%s %s", prefix, field, why);
    return -1;
}

int me_symbol_valid(const char *s) {
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
    }
    return n > 0 && n <= ME_SYMBOL_MAX;
}

static int positive_int(const cJSON *v, int64_t *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!isfinite(d) || d < 1 || d > ME_NUM_MAX || d != floor(d)) return 0;
    *out = (int64_t)d;
    return 1;
}

int me_order_parse(const cJSON *obj, const char *prefix, me_order_in *out, me_reject *rej) {
    if (!cJSON_IsObject(obj)) return reject(rej, prefix, "order", "must be a JSON object%s", "");
    static const char *const required[] = {"orderId", "symbol", "side",
                                           "type",    "price",  "quantity"};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!cJSON_GetObjectItemCaseSensitive(obj, required[i]))
            return reject(rej, prefix, required[i], "is missing%s", "");

    const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "orderId");
    if (!cJSON_IsString(id) || !id->valuestring[0] || strlen(id->valuestring) > ME_ID_MAX)
        return reject(rej, prefix, "orderId", "must be a non-empty string of at most %s bytes",
                      "64");
    const cJSON *sym = cJSON_GetObjectItemCaseSensitive(obj, "symbol");
    if (!cJSON_IsString(sym) || !me_symbol_valid(sym->valuestring))
        return reject(rej, prefix, "symbol", "must be a string of 1-32 characters [A-Za-z0-9._-]%s",
                      "");
    const cJSON *side = cJSON_GetObjectItemCaseSensitive(obj, "side");
    if (cJSON_IsString(side) && !strcmp(side->valuestring, "BUY"))
        out->side = ME_BUY;
    else if (cJSON_IsString(side) && !strcmp(side->valuestring, "SELL"))
        out->side = ME_SELL;
    else
        return reject(rej, prefix, "side", "must be BUY or SELL%s", "");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(obj, "type");
    if (!cJSON_IsString(type) || strcmp(type->valuestring, "LIMIT"))
        return reject(rej, prefix, "type", "must be LIMIT%s", "");
    if (!positive_int(cJSON_GetObjectItemCaseSensitive(obj, "price"), &out->price))
        return reject(rej, prefix, "price", "must be a positive integer (cents)%s", "");
    if (!positive_int(cJSON_GetObjectItemCaseSensitive(obj, "quantity"), &out->qty))
        return reject(rej, prefix, "quantity", "must be a positive integer%s", "");
    out->id = id->valuestring;
    out->symbol = sym->valuestring;
    return 0;
}

/* ---- the text check ---- */

/* Length of the well-formed UTF-8 sequence at p (Unicode table 3-7: no overlong forms, no
 * surrogates, nothing above U+10FFFF), or 0 when the bytes there are not one. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end) {
    unsigned char c = p[0];
    if (c < 0x80) return 1;
    size_t n = c >= 0xC2 && c < 0xE0   ? 2
               : c >= 0xE0 && c < 0xF0 ? 3
               : c >= 0xF0 && c < 0xF5 ? 4
                                       : 0;
    if (!n || (size_t)(end - p) < n) return 0;
    unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range */
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
    if (p[1] < lo || p[1] > hi) return 0;
    for (size_t i = 2; i < n; i++)
        if ((p[i] & 0xC0) != 0x80) return 0;
    return n;
}

#define ME_JSON_DEPTH 32 /* orders nest 3 deep; deeper bodies are refused */

typedef struct {
    bool obj, want_key;
    const char *key; /* the current member's name (raw text), objects only */
    size_t keylen;
    long idx; /* the current element, arrays only */
} json_frame;

typedef struct {
    const unsigned char *start, *p, *end;
    json_frame st[ME_JSON_DEPTH];
    int depth;
    me_reject *rej;
} json_scan;

/* The path of the value being read: orders[3].price. */
static void scan_path(const json_scan *js, char *out, size_t len) {
    size_t n = 0;
    out[0] = '\0';
    for (int i = 0; i < js->depth && n < len; i++) {
        const json_frame *f = &js->st[i];
        if (f->obj && f->key)
            n += (size_t)snprintf(out + n, len - n, "%s%.*s", n ? "." : "", (int)f->keylen, f->key);
        else if (!f->obj)
            n += (size_t)snprintf(out + n, len - n, "[%ld]", f->idx);
    }
    if (!out[0]) snprintf(out, len, "body");
}

static int scan_reject(json_scan *js, bool is_key, const char *why) {
    char path[sizeof js->rej->field];
    if (is_key)
        snprintf(path, sizeof path, "body");
    else
        scan_path(js, path, sizeof path);
    snprintf(js->rej->field, sizeof js->rej->field, "%s", path);
    snprintf(js->rej->reason, sizeof js->rej->reason, "%s %s (at byte %zu)", path, why,
             (size_t)(js->p - js->start));
    return -1;
}

static bool scan_is_key(const json_scan *js) {
    return js->depth > 0 && js->st[js->depth - 1].obj && js->st[js->depth - 1].want_key;
}

static int hexval(unsigned char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* A string at js->p (the opening quote); leaves js->p after the closing quote. */
static int scan_string(json_scan *js) {
    bool is_key = scan_is_key(js);
    const unsigned char *s = ++js->p;
    while (js->p < js->end && *js->p != '"') {
        unsigned char c = *js->p;
        if (c == '\\') {
            if (js->p + 1 < js->end && js->p[1] == 'u') {
                int v = 0;
                for (int i = 2; i < 6; i++) {
                    int h = js->p + i < js->end ? hexval(js->p[i]) : -1;
                    if (h < 0) return 0; /* malformed: the parser says so */
                    v = v * 16 + h;
                }
                if (v == 0) return scan_reject(js, is_key, "must not contain \\u0000");
                js->p += 6;
            } else {
                js->p += 2;
            }
        } else if (c < 0x20) {
            return scan_reject(js, is_key, "must not contain a raw control character");
        } else {
            size_t n = utf8_seq(js->p, js->end);
            if (!n) return scan_reject(js, is_key, "is not valid UTF-8");
            js->p += n;
        }
    }
    if (js->p >= js->end) return 0; /* unterminated: the parser says so */
    if (is_key) {
        json_frame *f = &js->st[js->depth - 1];
        f->key = (const char *)s;
        f->keylen = (size_t)(js->p - s);
        f->want_key = false;
    }
    js->p++;
    return 0;
}

/* A number at js->p: integers must be exact in a double (at most 2^53 in magnitude). */
static int scan_number(json_scan *js) {
    const unsigned char *s = js->p;
    if (*js->p == '-') js->p++;
    const unsigned char *digits = js->p;
    while (js->p < js->end && *js->p >= '0' && *js->p <= '9') js->p++;
    size_t ndigits = (size_t)(js->p - digits);
    bool plain = true;
    while (js->p < js->end && (strchr(".eE+-", *js->p) || (*js->p >= '0' && *js->p <= '9'))) {
        plain = false;
        js->p++;
    }
    bool beyond;
    if (plain) {
        static const char max[] = "9007199254740992"; /* 2^53 */
        while (ndigits > 1 && *digits == '0') digits++, ndigits--;
        beyond = ndigits > sizeof max - 1 ||
                 (ndigits == sizeof max - 1 && memcmp(digits, max, ndigits) > 0);
    } else {
        /* A fraction or exponent is read as a double; one that lands on 2^53 or above may have
         * been rounded there, so the bound is exclusive. */
        beyond = fabs(strtod((const char *)s, NULL)) >= ME_NUM_MAX;
    }
    if (beyond) {
        js->p = s;
        return scan_reject(js, false, "is beyond 2^53: a JSON number that large is not exact");
    }
    return 0;
}

int me_json_text_check(const char *text, size_t len, me_reject *rej) {
    json_scan js = {.start = (const unsigned char *)text,
                    .p = (const unsigned char *)text,
                    .end = (const unsigned char *)text + len,
                    .rej = rej};
    bool done = false;
    while (js.p < js.end) {
        unsigned char c = *js.p;
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            js.p++;
            continue;
        }
        if (done) return scan_reject(&js, true, "has characters after the JSON value");
        if (c == '{' || c == '[') {
            if (js.depth == ME_JSON_DEPTH) return scan_reject(&js, true, "is nested too deeply");
            js.st[js.depth++] = (json_frame){.obj = c == '{', .want_key = c == '{'};
            js.p++;
        } else if (c == '}' || c == ']') {
            if (js.depth == 0) return 0; /* unbalanced: the parser says so */
            js.depth--;
            js.p++;
            done = js.depth == 0;
        } else if (c == ',') {
            if (js.depth > 0) {
                json_frame *f = &js.st[js.depth - 1];
                if (f->obj)
                    f->want_key = true;
                else
                    f->idx++;
            }
            js.p++;
        } else if (c == '"') {
            bool is_key = scan_is_key(&js);
            if (scan_string(&js) != 0) return -1;
            if (!is_key) done = js.depth == 0;
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            if (scan_number(&js) != 0) return -1;
            done = js.depth == 0;
        } else if (c >= 0x80 && !utf8_seq(js.p, js.end)) {
            return scan_reject(&js, true, "is not valid UTF-8");
        } else if (c >= 'a' && c <= 'z') {
            while (js.p < js.end && *js.p >= 'a' && *js.p <= 'z') js.p++;
            done = js.depth == 0;
        } else {
            js.p++; /* ':' and what the parser will refuse */
        }
    }
    return 0;
}

int me_json_quote(char *dst, size_t cap, const char *s) {
    static const char hex[] = "0123456789abcdef";
    size_t n = 0;
#define PUT(c)                                                                                     \
    do {                                                                                           \
        if (n + 1 >= cap) goto full;                                                               \
        dst[n++] = (c);                                                                            \
    } while (0)
    PUT('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c == '"' || c == '\\') {
            PUT('\\');
            PUT((char)c);
        } else if (c < 0x20) {
            PUT('\\');
            PUT('u');
            PUT('0');
            PUT('0');
            PUT(hex[c >> 4]);
            PUT(hex[c & 15]);
        } else if (c < 0x80) {
            PUT((char)c);
        } else {
            size_t len = utf8_seq(p, p + strnlen((const char *)p, 4));
            if (!len) { /* one bad byte becomes one U+FFFD */
                static const char fffd[] = "\\ufffd";
                for (const char *f = fffd; *f; f++) PUT(*f);
                continue;
            }
            for (size_t i = 0; i < len; i++) PUT((char)p[i]);
            p += len - 1;
        }
    }
    PUT('"');
    dst[n] = '\0';
    return (int)n;
full:
    if (cap) dst[0] = '\0';
    return -1;
#undef PUT
}
