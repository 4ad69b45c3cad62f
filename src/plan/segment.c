/* segment.c — k6's execution segments, sequences and striping, in exact int64 rationals. */
#include "plan/segment.h"
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static int64_t gcd64(int64_t a, int64_t b) {
    if (a < 0) a = -a;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a ? a : 1;
}

static seg_rat rat(int64_t num, int64_t den) {
    if (den < 0) num = -num, den = -den;
    int64_t g = gcd64(num, den);
    return (seg_rat){num / g, den / g};
}

static seg_rat rat_sub(seg_rat a, seg_rat b) {
    int64_t g = gcd64(a.den, b.den);
    int64_t l = a.den / g * b.den;
    return rat(a.num * (l / a.den) - b.num * (l / b.den), l);
}

int seg_rat_cmp(seg_rat a, seg_rat b) {
    __int128 x = (__int128)a.num * b.den, y = (__int128)b.num * a.den;
    return x < y ? -1 : x > y ? 1 : 0;
}

void seg_rat_format(seg_rat r, char *buf, size_t len) {
    if (r.den == 1)
        snprintf(buf, len, "%lld", (long long)r.num);
    else
        snprintf(buf, len, "%lld/%lld", (long long)r.num, (long long)r.den);
}

/* Digits into v; false when none, or more than 9: numerators and denominators stay below 1e9,
 * so every product of two of them fits in int64. */
static bool digits(const char **p, const char *end, int64_t *v, int *ndigits) {
    *v = 0;
    *ndigits = 0;
    while (*p < end && isdigit((unsigned char)**p)) {
        if (++*ndigits > 9) return false;
        *v = *v * 10 + (**p - '0');
        (*p)++;
    }
    return *ndigits > 0;
}

int seg_rat_parse(const char *s, size_t len, seg_rat *out, char *err, size_t errlen) {
    const char *p = s, *end = s + len;
    bool neg = p < end && *p == '-';
    if (neg) p++;
    int64_t a, b;
    int n;
    bool ok = digits(&p, end, &a, &n);
    if (ok && p < end && *p == '%' && p + 1 == end) {
        *out = rat(neg ? -a : a, 100);
        return 0;
    }
    if (ok && p < end && *p == '/') {
        p++;
        ok = digits(&p, end, &b, &n) && p == end && b > 0;
        if (ok) *out = rat(neg ? -a : a, b);
    } else if (ok && p < end && *p == '.') {
        p++;
        int64_t scale = 1;
        ok = digits(&p, end, &b, &n) && p == end;
        for (int i = 0; ok && i < n; i++) scale *= 10;
        if (ok && a > INT64_MAX / scale - b) ok = false;
        if (ok) *out = rat((neg ? -1 : 1) * (a * scale + b), scale);
    } else {
        ok = ok && p == end;
        if (ok) *out = rat(neg ? -a : a, 1);
    }
    if (!ok)
        return fail(err, errlen,
                    "'%.*s' is not a fraction (1/3), decimal (0.5) or percentage (50%%)", (int)len,
                    s);
    return 0;
}

static int segment_new(seg_rat from, seg_rat to, seg_segment *out, char *err, size_t errlen) {
    char a[48], b[48];
    seg_rat_format(from, a, sizeof a);
    seg_rat_format(to, b, sizeof b);
    if (from.num < 0) return fail(err, errlen, "segment start %s must be at least 0", a);
    if (seg_rat_cmp(from, to) >= 0)
        return fail(err, errlen, "segment start %s must be less than its end %s", a, b);
    if (seg_rat_cmp(to, rat(1, 1)) > 0)
        return fail(err, errlen, "segment end %s must be at most 1", b);
    out->from = from;
    out->to = to;
    return 0;
}

int seg_parse(const char *s, seg_segment *out, char *err, size_t errlen) {
    if (!s || !*s) return segment_new(rat(0, 1), rat(1, 1), out, err, errlen);
    const char *colon = strchr(s, ':');
    seg_rat from = rat(0, 1), to;
    if (colon && seg_rat_parse(s, colon - s, &from, err, errlen) != 0) return -1;
    const char *t = colon ? colon + 1 : s;
    if (seg_rat_parse(t, strlen(t), &to, err, errlen) != 0) return -1;
    return segment_new(from, to, out, err, errlen);
}

void seg_format(const seg_segment *s, char *buf, size_t len) {
    char a[48], b[48];
    seg_rat_format(s->from, a, sizeof a);
    seg_rat_format(s->to, b, sizeof b);
    snprintf(buf, len, "%s:%s", a, b);
}

/* k6's roundUp: to the nearest integer, halves up (values here are >= 0). */
static int64_t round_half_up(__int128 num, __int128 den) {
    __int128 q = num / den, r = num % den;
    return (int64_t)(2 * r >= den ? q + 1 : q);
}

int64_t seg_scale(const seg_segment *s, int64_t value) {
    int64_t from = round_half_up((__int128)value * s->from.num, s->from.den);
    /* value * to - from, rounded */
    __int128 num = (__int128)value * s->to.num - (__int128)from * s->to.den;
    return round_half_up(num, s->to.den);
}

int seg_sequence_parse(const char *s, seg_sequence *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (!s || !*s) return 0;
    int points = 1;
    for (const char *p = s; *p; p++) points += *p == ',';
    if (points < 2)
        return fail(err, errlen, "a segment sequence needs at least 2 points, %d given", points);
    out->seg = calloc(points - 1, sizeof *out->seg);
    seg_rat prev = {0, 1};
    const char *p = s;
    for (int i = 0; i < points; i++) {
        const char *c = strchr(p, ',');
        size_t len = c ? (size_t)(c - p) : strlen(p);
        seg_rat r;
        if (seg_rat_parse(p, len, &r, err, errlen) != 0 ||
            (i > 0 && segment_new(prev, r, &out->seg[out->n++], err, errlen) != 0)) {
            seg_sequence_free(out);
            return -1;
        }
        prev = r;
        p = c ? c + 1 : p + len;
    }
    return 0;
}

void seg_sequence_format(const seg_sequence *q, char *buf, size_t len) {
    size_t o = 0;
    buf[0] = 0;
    for (int i = 0; i < q->n && o < len; i++) {
        char r[48];
        if (i == 0) {
            seg_rat_format(q->seg[0].from, r, sizeof r);
            o += snprintf(buf + o, len - o, "%s", r);
        }
        if (o >= len) break;
        seg_rat_format(q->seg[i].to, r, sizeof r);
        o += snprintf(buf + o, len - o, ",%s", r);
    }
}

int64_t seg_sequence_lcd(const seg_sequence *q) {
    int64_t acc = 1;
    for (int i = 0; i < q->n; i++) {
        int64_t d = rat_sub(q->seg[i].to, q->seg[i].from).den;
        if (acc % d == 0) continue;
        __int128 next = (__int128)acc * (d / gcd64(acc, d));
        if (next > SEG_MAX_LCD) return SEG_MAX_LCD + 1; /* the caller refuses it */
        acc = (int64_t)next;
    }
    return acc;
}

void seg_sequence_free(seg_sequence *q) {
    free(q->seg);
    q->seg = NULL;
    q->n = 0;
}

/* k6's GetFilledExecutionSegmentSequence: the sequence (or the segment alone) from 0 to 1. */
static void fill_sequence(const seg_segment *seg, const seg_sequence *seq, seg_sequence *out) {
    const seg_segment *src = seq && seq->n ? seq->seg : seg;
    int n = seq && seq->n ? seq->n : 1;
    out->seg = calloc(n + 2, sizeof *out->seg);
    out->n = 0;
    if (src[0].from.num != 0) out->seg[out->n++] = (seg_segment){rat(0, 1), src[0].from};
    for (int i = 0; i < n; i++) out->seg[out->n++] = src[i];
    if (seg_rat_cmp(src[n - 1].to, rat(1, 1)) != 0)
        out->seg[out->n++] = (seg_segment){src[n - 1].to, rat(1, 1)};
}

/* k6's NewExecutionSegmentSequenceWrapper, for one segment: walk one cycle of lcd indices and
 * give each to the first segment (largest first, ties in sequence order) that is behind its
 * share; record the positions segment `index` gets. */
static void stripe(seg_tuple *t) {
    int n = t->seq.n;
    int64_t lcd = t->lcd;
    int64_t *norm = calloc(n, sizeof *norm), *chosen = calloc(n, sizeof *chosen);
    int *order = calloc(n, sizeof *order);
    for (int i = 0; i < n; i++) {
        seg_rat len = rat_sub(t->seq.seg[i].to, t->seq.seg[i].from);
        norm[i] = len.num * (lcd / len.den);
        order[i] = i;
    }
    for (int i = 1; i < n; i++) /* stable insertion sort, descending */
        for (int j = i; j > 0 && norm[order[j - 1]] < norm[order[j]]; j--) {
            int x = order[j];
            order[j] = order[j - 1];
            order[j - 1] = x;
        }
    t->m = norm[t->index];
    t->pos = calloc(t->m > 0 ? t->m : 1, sizeof *t->pos);
    int64_t got = 0;
    for (int64_t i = 0; i < lcd; i++)
        for (int k = 0; k < n; k++) {
            int64_t num = chosen[k] * lcd, den = norm[order[k]];
            if (i > num / den || (i == num / den && num % den == 0)) {
                chosen[k]++;
                if (order[k] == t->index) t->pos[got++] = i;
                break;
            }
        }
    free(norm);
    free(chosen);
    free(order);
}

static int tuple_build(seg_tuple *t, char *err, size_t errlen) {
    t->lcd = seg_sequence_lcd(&t->seq);
    if (t->lcd > SEG_MAX_LCD) {
        char b[256];
        seg_sequence_format(&t->seq, b, sizeof b);
        seg_sequence_free(&t->seq);
        return fail(err, errlen,
                    "segment sequence %s: its least common denominator is over %d (use simpler "
                    "fractions)",
                    b, SEG_MAX_LCD);
    }
    stripe(t);
    return 0;
}

int seg_tuple_new(const seg_segment *seg, const seg_sequence *seq, seg_tuple *out, char *err,
                  size_t errlen) {
    seg_segment whole = {{0, 1}, {1, 1}};
    if (!seg) seg = &whole;
    memset(out, 0, sizeof *out);
    fill_sequence(seg, seq, &out->seq);
    out->index = -1;
    for (int i = 0; i < out->seq.n; i++)
        if (seg_rat_cmp(out->seq.seg[i].from, seg->from) == 0 &&
            seg_rat_cmp(out->seq.seg[i].to, seg->to) == 0)
            out->index = i;
    if (out->index < 0) {
        char a[100], b[256];
        seg_format(seg, a, sizeof a);
        seg_sequence_format(&out->seq, b, sizeof b);
        seg_sequence_free(&out->seq);
        return fail(err, errlen, "segment %s is not one of the sequence %s", a, b);
    }
    return tuple_build(out, err, errlen);
}

int64_t seg_tuple_scale(const seg_tuple *t, int64_t value) {
    if (t->seq.n == 1) return value;
    int64_t r = value % t->lcd, k = 0;
    int64_t lo = 0, hi = t->m; /* owned positions below r: binary search */
    while (lo < hi) {
        int64_t mid = (lo + hi) / 2;
        if (t->pos[mid] < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    k = lo;
    return value / t->lcd * t->m + k;
}

int64_t seg_tuple_global(const seg_tuple *t, int64_t local) {
    if (t->seq.n == 1) return local;
    return local / t->m * t->lcd + t->pos[local % t->m];
}

int64_t seg_tuple_vu_id(const seg_tuple *t, int64_t id) {
    return t && id > 0 ? seg_tuple_global(t, id - 1) + 1 : id;
}

/* The share each segment of the sequence gets of value: how many of value's indices it owns. */
static int64_t share_of(const seg_tuple *t, int i, int64_t value) {
    seg_tuple x = {.seq = t->seq, .index = i, .lcd = t->lcd};
    stripe(&x);
    int64_t r = seg_tuple_scale(&x, value);
    free(x.pos);
    return r;
}

int seg_tuple_from_value(const seg_tuple *t, int64_t value, seg_tuple *out, char *err,
                         size_t errlen) {
    memset(out, 0, sizeof *out);
    if (value < 1) return fail(err, errlen, "no share of %lld", (long long)value);
    if (value % t->lcd == 0) return seg_tuple_copy(t, out);
    out->seq.seg = calloc(t->seq.n, sizeof *out->seq.seg);
    out->index = -1;
    int64_t prev = 0;
    for (int i = 0; i < t->seq.n; i++) {
        int64_t v = t->seq.n == 1 ? value : share_of(t, i, value);
        if (v == 0) continue;
        if (i == t->index) out->index = out->seq.n;
        out->seq.seg[out->seq.n++] = (seg_segment){rat(prev, value), rat(prev + v, value)};
        prev += v;
    }
    if (out->index < 0) {
        char a[100];
        seg_format(&t->seq.seg[t->index], a, sizeof a);
        seg_sequence_free(&out->seq);
        return fail(err, errlen, "segment %s has no share of %lld", a, (long long)value);
    }
    return tuple_build(out, err, errlen);
}

void seg_tuple_offsets(const seg_tuple *t, int64_t *start, int64_t **offsets) {
    *offsets = calloc(t->m ? t->m : 1, sizeof **offsets);
    *start = t->m ? t->pos[0] : 0;
    for (int64_t j = 0; j < t->m; j++)
        (*offsets)[j] = j + 1 < t->m ? t->pos[j + 1] - t->pos[j] : t->pos[0] + t->lcd - t->pos[j];
}

int seg_tuple_copy(const seg_tuple *t, seg_tuple *out) {
    *out = *t;
    out->seq.seg = malloc(t->seq.n * sizeof *t->seq.seg);
    memcpy(out->seq.seg, t->seq.seg, t->seq.n * sizeof *t->seq.seg);
    out->pos = malloc((t->m ? t->m : 1) * sizeof *t->pos);
    memcpy(out->pos, t->pos, t->m * sizeof *t->pos);
    return 0;
}

void seg_tuple_free(seg_tuple *t) {
    if (!t) return;
    seg_sequence_free(&t->seq);
    free(t->pos);
    t->pos = NULL;
}
