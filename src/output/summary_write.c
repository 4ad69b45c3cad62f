/* summary_write.c — the summary tree printed straight into one buffer (summary_write.h). */
#include "output/summary_write.h"
#include "base/utf8.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} buf;

/* Room for n more bytes; false (and oom set) when it cannot be made. */
static bool reserve(buf *b, size_t n) {
    if (b->oom) return false;
    if (b->len + n <= b->cap) return true;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + n) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static void put(buf *b, const char *s, size_t n) {
    if (!reserve(b, n)) return;
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void putc1(buf *b, char c) {
    if (!reserve(b, 1)) return;
    b->p[b->len++] = c;
}

static void tabs(buf *b, int n) {
    if (n <= 0 || !reserve(b, (size_t)n)) return;
    memset(b->p + b->len, '\t', (size_t)n);
    b->len += (size_t)n;
}

static void put_string(buf *b, const char *s) {
    if (!s) s = "";
    size_t n = strlen(s), run = utf8_json_plain_run(s, n);
    if (run == n) { /* the common case: plain ASCII, copied as it is */
        if (!reserve(b, n + 2)) return;
        b->p[b->len++] = '"';
        memcpy(b->p + b->len, s, n);
        b->len += n;
        b->p[b->len++] = '"';
        return;
    }
    if (!reserve(b, UTF8_JSON_ESCAPE_MAX(n) + 2)) return;
    b->p[b->len++] = '"';
    b->len += utf8_json_escape(b->p + b->len, s, n);
    b->p[b->len++] = '"';
}

size_t summary_format_number(double v, char *out, size_t cap) {
    if (!isfinite(v)) return (size_t)snprintf(out, cap, "null");
    if (v == floor(v) && fabs(v) < 1e15) { /* integers, most of a summary (counts, buckets) */
        char tmp[24];
        size_t n = 0;
        uint64_t u = (uint64_t)fabs(v);
        do tmp[n++] = (char)('0' + u % 10);
        while ((u /= 10) > 0);
        size_t k = 0;
        if (v < 0) out[k++] = '-';
        while (n) out[k++] = tmp[--n];
        out[k] = 0;
        return k;
    }
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) { /* the shortest that reads back as v */
        n = snprintf(out, cap, "%.*g", prec, v);
        if (strtod(out, NULL) == v) break;
    }
    return (size_t)n;
}

static void put_value(buf *b, const cJSON *item, bool fmt, int depth) {
    char num[40];
    switch (item->type & 0xFF) {
    case cJSON_NULL:
        put(b, "null", 4);
        break;
    case cJSON_False:
        put(b, "false", 5);
        break;
    case cJSON_True:
        put(b, "true", 4);
        break;
    case cJSON_Number:
        put(b, num, summary_format_number(item->valuedouble, num, sizeof num));
        break;
    case cJSON_Raw:
        if (item->valuestring) put(b, item->valuestring, strlen(item->valuestring));
        break;
    case cJSON_String:
        put_string(b, item->valuestring);
        break;
    case cJSON_Array:
        putc1(b, '[');
        for (const cJSON *c = item->child; c; c = c->next) {
            put_value(b, c, fmt, depth + 1);
            if (c->next) put(b, ", ", fmt ? 2 : 1);
        }
        putc1(b, ']');
        break;
    case cJSON_Object:
        putc1(b, '{');
        if (fmt) putc1(b, '\n');
        for (const cJSON *c = item->child; c; c = c->next) {
            if (fmt) tabs(b, depth + 1);
            put_string(b, c->string);
            put(b, ":\t", fmt ? 2 : 1);
            put_value(b, c, fmt, depth + 1);
            if (c->next) putc1(b, ',');
            if (fmt) putc1(b, '\n');
        }
        if (fmt) tabs(b, depth);
        putc1(b, '}');
        break;
    default: /* cJSON_Invalid: cJSON prints nothing and fails */
        b->oom = true;
        break;
    }
}

char *summary_print(const cJSON *root, bool formatted, size_t *len) {
    if (!root) return NULL;
    const char *old = getenv("LT_SUMMARY_CJSON");
    if (old && *old && strcmp(old, "0") != 0) {
        char *s = formatted ? cJSON_Print(root) : cJSON_PrintUnformatted(root);
        if (s && len) *len = strlen(s);
        return s;
    }
    buf b = {0};
    reserve(&b, 1 << 16);
    put_value(&b, root, formatted, 0);
    putc1(&b, 0);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    if (len) *len = b.len - 1;
    return b.p;
}
