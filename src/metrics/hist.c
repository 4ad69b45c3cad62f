/* hist.c — log-linear histogram: see hist.h for the promises.
 *
 * Bucketing reads the IEEE-754 bits of |v| directly: the 11-bit exponent field picks the power of
 * two [2^e, 2^(e+1)) and the top 9 mantissa bits pick one of its 512 linear sub-buckets, so a
 * bucket spans 2^e/512 and its midpoint is within 2^e/1024 of every value in it (relative error
 * <= 1/1024). Exponents outside [HIST_EMIN, HIST_EMAX] (|v| < ~2.9e-39 or >= ~3.4e38, and
 * subnormals) are clamped into the edge buckets; reporting clamps to the exact [min, max].
 * Each power of two and sign owns a lazily allocated chunk: a total and 8 blocks of 64 counters,
 * each block allocated on its first sample. A latency distribution fills a few blocks densely and
 * leaves a long tail of rare values, each of which would otherwise cost a whole 4 KiB chunk in
 * every copy of every series; with blocks a rare value costs 0.5 KiB, so memory levels off early
 * in a long run.
 */
#include "metrics/hist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIST_EMIN      (-128)
#define HIST_EMAX      127
#define HIST_NEXP      (HIST_EMAX - HIST_EMIN + 1)
#define HIST_JSON_BIAS 1100 /* bucket_index = (e + 1100) * LT_HIST_SUB + sub, as hist.h says */
#define HIST_SUB_BITS  9    /* log2(LT_HIST_SUB) */
#define HIST_MAX_EXACT 9007199254740992.0 /* 2^53: largest count a JSON double holds exactly */

_Static_assert(LT_HIST_SUB == (1 << HIST_SUB_BITS), "LT_HIST_SUB must be 2^HIST_SUB_BITS");

#define HIST_BLOCK_BITS 6
#define HIST_BLOCK      (1u << HIST_BLOCK_BITS) /* counters per block */
#define HIST_NBLOCK     (LT_HIST_SUB / HIST_BLOCK)

typedef struct {
    uint64_t total;               /* samples in this power of two */
    uint64_t *block[HIST_NBLOCK]; /* block[sub / 64][sub % 64]; NULL until used */
} hist_chunk;

static inline uint64_t chunk_count(const hist_chunk *c, unsigned sub) {
    const uint64_t *b = c->block[sub >> HIST_BLOCK_BITS];
    return b ? b[sub & (HIST_BLOCK - 1)] : 0;
}

static uint64_t *block_alloc_or_die(void) {
    uint64_t *b = calloc(HIST_BLOCK, sizeof *b);
    if (!b) {
        fprintf(stderr, "lt: out of memory growing a histogram\n");
        abort();
    }
    return b;
}

/* The counter of sub-bucket `sub`, its block allocated if needed. */
static inline uint64_t *chunk_slot(hist_chunk *c, unsigned sub) {
    uint64_t **b = &c->block[sub >> HIST_BLOCK_BITS];
    if (__builtin_expect(!*b, 0)) *b = block_alloc_or_die();
    return &(*b)[sub & (HIST_BLOCK - 1)];
}

static void chunk_free(hist_chunk *c) {
    if (!c) return;
    for (unsigned i = 0; i < HIST_NBLOCK; i++) free(c->block[i]);
    free(c);
}

struct lt_hist {
    uint64_t count, zero;
    double min, max, sum;            /* min = +inf, max = -inf while empty */
    hist_chunk *chunk[2][HIST_NEXP]; /* [0] positive values, [1] negative values (by |v|) */
};

/* Bucket of a finite, non-zero v: sign, exponent slot and sub-bucket. */
typedef struct {
    unsigned neg, ei, sub;
} hist_pos;

static inline hist_pos bucket_of(double v) {
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    hist_pos p;
    p.neg = (unsigned)(b >> 63);
    unsigned ef = (unsigned)(b >> 52) & 0x7ffu;
    p.ei = ef - (unsigned)(1023 + HIST_EMIN); /* wraps to a huge value below the range */
    p.sub = (unsigned)(b >> (52 - HIST_SUB_BITS)) & (LT_HIST_SUB - 1);
    if (__builtin_expect(p.ei >= HIST_NEXP, 0)) {
        if ((int)ef - 1023 < HIST_EMIN) {
            p.ei = 0, p.sub = 0;
        } else {
            p.ei = HIST_NEXP - 1, p.sub = LT_HIST_SUB - 1;
        }
    }
    return p;
}

/* The midpoint of a bucket, signed. */
static double bucket_mid(unsigned neg, unsigned ei, unsigned sub) {
    double m = ldexp(1.0 + ((double)sub + 0.5) / LT_HIST_SUB, (int)ei + HIST_EMIN);
    return neg ? -m : m;
}

static hist_chunk *chunk_alloc(void) {
    return calloc(1, sizeof(hist_chunk));
}

static hist_chunk *chunk_get_or_die(lt_hist *h, unsigned neg, unsigned ei) {
    hist_chunk *c = h->chunk[neg][ei];
    if (!c) {
        c = chunk_alloc();
        if (!c) {
            fprintf(stderr, "lt: out of memory growing a histogram\n");
            abort();
        }
        h->chunk[neg][ei] = c;
    }
    return c;
}

lt_hist *hist_new(void) {
    lt_hist *h = calloc(1, sizeof *h);
    if (h) h->min = INFINITY, h->max = -INFINITY;
    return h;
}

void hist_free(lt_hist *h) {
    if (!h) return;
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < HIST_NEXP; i++) chunk_free(h->chunk[s][i]);
    free(h);
}

void hist_reset(lt_hist *h) {
    /* Blocks are freed, not zeroed: a reset histogram is reused for whatever series comes next
     * (stores recycle them every second), and keeping blocks would let it grow towards the union
     * of every series it ever served. */
    for (int s = 0; s < 2; s++)
        for (int i = 0; i < HIST_NEXP; i++) {
            chunk_free(h->chunk[s][i]);
            h->chunk[s][i] = NULL;
        }
    h->count = h->zero = 0;
    h->sum = 0;
    h->min = INFINITY, h->max = -INFINITY;
}

void hist_add(lt_hist *h, double v) {
    if (__builtin_expect(!isfinite(v), 0)) return; /* NaN (and +-inf) carry no usable value */
    if (v == 0) {
        h->zero++;
    } else {
        hist_pos p = bucket_of(v);
        hist_chunk *c = h->chunk[p.neg][p.ei];
        if (__builtin_expect(!c, 0)) c = chunk_get_or_die(h, p.neg, p.ei);
        c->total++;
        (*chunk_slot(c, p.sub))++;
    }
    h->count++;
    h->sum += v;
    h->min = v < h->min ? v : h->min;
    h->max = v > h->max ? v : h->max;
}

void hist_merge(lt_hist *dst, const lt_hist *src) {
    if (!src->count) return;
    for (unsigned s = 0; s < 2; s++) {
        for (unsigned i = 0; i < HIST_NEXP; i++) {
            const hist_chunk *sc = src->chunk[s][i];
            if (!sc || !sc->total) continue;
            hist_chunk *dc = chunk_get_or_die(dst, s, i);
            dc->total += sc->total;
            for (unsigned b = 0; b < HIST_NBLOCK; b++) {
                if (!sc->block[b]) continue;
                if (!dc->block[b]) dc->block[b] = block_alloc_or_die();
                for (unsigned k = 0; k < HIST_BLOCK; k++) dc->block[b][k] += sc->block[b][k];
            }
        }
    }
    dst->zero += src->zero;
    dst->count += src->count;
    dst->sum += src->sum;
    if (src->min < dst->min) dst->min = src->min;
    if (src->max > dst->max) dst->max = src->max;
}

uint64_t hist_count(const lt_hist *h) {
    return h->count;
}
double hist_min(const lt_hist *h) {
    return h->count ? h->min : 0;
}
double hist_max(const lt_hist *h) {
    return h->count ? h->max : 0;
}
double hist_sum(const lt_hist *h) {
    return h->sum;
}
double hist_mean(const lt_hist *h) {
    return h->count ? h->sum / (double)h->count : 0;
}

/* The value standing for the sample at rank k (0-based, ascending; k < count): the exact min and
 * max at the ends, otherwise its bucket's midpoint clamped to [min, max]. Walks negative buckets
 * from the most negative, then zero, then positive buckets upwards; whole chunks are skipped by
 * their totals. */
static double rank_value(const lt_hist *h, uint64_t k) {
    if (k == 0) return h->min;
    if (k >= h->count - 1) return h->max;
    double v = 0;
    uint64_t seen = 0;
    for (int i = HIST_NEXP - 1; i >= 0; i--) {
        const hist_chunk *c = h->chunk[1][i];
        if (!c || seen + c->total <= k) {
            seen += c ? c->total : 0;
            continue;
        }
        for (int s = LT_HIST_SUB - 1; s >= 0; s--) {
            seen += chunk_count(c, s);
            if (seen > k) {
                v = bucket_mid(1, (unsigned)i, (unsigned)s);
                goto found;
            }
        }
    }
    seen += h->zero;
    if (seen > k) {
        v = 0;
        goto found;
    }
    for (int i = 0; i < HIST_NEXP; i++) {
        const hist_chunk *c = h->chunk[0][i];
        if (!c || seen + c->total <= k) {
            seen += c ? c->total : 0;
            continue;
        }
        for (int s = 0; s < LT_HIST_SUB; s++) {
            seen += chunk_count(c, s);
            if (seen > k) {
                v = bucket_mid(0, (unsigned)i, (unsigned)s);
                goto found;
            }
        }
    }
    return h->max; /* unreachable while the counters are consistent */
found:
    if (v < h->min) v = h->min;
    if (v > h->max) v = h->max;
    return v;
}

double hist_percentile(const lt_hist *h, double p) {
    if (!h->count) return 0;
    if (!(p > 0)) return h->min; /* also NaN */
    if (p >= 100) return h->max;
    /* k6: i = pct * (count - 1) with pct = p / 100; interpolate between floor(i) and ceil(i). */
    double i = (p / 100.0) * ((double)h->count - 1.0);
    double fl = floor(i);
    uint64_t lo = (uint64_t)fl;
    if (lo >= h->count - 1) return h->max;
    double j = rank_value(h, lo);
    double f = i - fl;
    if (f == 0) return j;
    double k = rank_value(h, lo + 1);
    return j + (k - j) * f;
}

/* ---- buckets, for exporters ---- */

void hist_foreach_bucket(const lt_hist *h, unsigned neg, hist_bucket_fn fn, void *ctx) {
    neg = neg ? 1 : 0;
    for (unsigned i = 0; i < HIST_NEXP; i++) {
        const hist_chunk *c = h->chunk[neg][i];
        if (!c || !c->total) continue;
        for (unsigned s = 0; s < LT_HIST_SUB; s++) {
            uint64_t n = chunk_count(c, s);
            if (n) fn(bucket_mid(0, i, s), n, ctx);
        }
    }
}

uint64_t hist_zero_count(const lt_hist *h) {
    return h->zero;
}

/* ---- JSON ---- */

static cJSON *buckets_json(const lt_hist *h, unsigned neg) {
    cJSON *arr = cJSON_CreateArray();
    if (!arr) return NULL;
    for (unsigned i = 0; i < HIST_NEXP; i++) {
        const hist_chunk *c = h->chunk[neg][i];
        if (!c || !c->total) continue;
        for (unsigned s = 0; s < LT_HIST_SUB; s++) {
            if (!chunk_count(c, s)) continue;
            double idx = ((double)((int)i + HIST_EMIN + HIST_JSON_BIAS)) * LT_HIST_SUB + s;
            cJSON *pair = cJSON_CreateArray();
            cJSON *a = cJSON_CreateNumber(idx), *b = cJSON_CreateNumber((double)chunk_count(c, s));
            if (!pair || !a || !b) {
                cJSON_Delete(pair), cJSON_Delete(a), cJSON_Delete(b), cJSON_Delete(arr);
                return NULL;
            }
            cJSON_AddItemToArray(pair, a);
            cJSON_AddItemToArray(pair, b);
            cJSON_AddItemToArray(arr, pair);
        }
    }
    return arr;
}

cJSON *hist_to_json(const lt_hist *h) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    int ok = cJSON_AddNumberToObject(o, "count", (double)h->count) &&
             cJSON_AddNumberToObject(o, "min", hist_min(h)) &&
             cJSON_AddNumberToObject(o, "max", hist_max(h)) &&
             cJSON_AddNumberToObject(o, "sum", h->sum) &&
             cJSON_AddNumberToObject(o, "sub", LT_HIST_SUB) &&
             cJSON_AddNumberToObject(o, "zero", (double)h->zero);
    cJSON *pos = ok ? buckets_json(h, 0) : NULL;
    if (pos) cJSON_AddItemToObject(o, "pos", pos);
    cJSON *neg = pos ? buckets_json(h, 1) : NULL;
    if (neg) cJSON_AddItemToObject(o, "neg", neg);
    if (!neg) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* A JSON number that is a whole count in [0, 2^53]. */
static int json_count(const cJSON *j, uint64_t *out) {
    if (!cJSON_IsNumber(j)) return -1;
    double d = j->valuedouble;
    if (!(d >= 0 && d <= HIST_MAX_EXACT) || d != floor(d)) return -1;
    *out = (uint64_t)d;
    return 0;
}

static int json_finite(const cJSON *o, const char *key, double *out, char *err, size_t errlen) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble)) {
        snprintf(err, errlen, "histogram: \"%s\" must be a finite number", key);
        return -1;
    }
    *out = j->valuedouble;
    return 0;
}

/* Reads "pos" or "neg" into h, checking order, range and counts; adds them to *total. */
static int buckets_from_json(lt_hist *h, const cJSON *o, unsigned neg, uint64_t *total, char *err,
                             size_t errlen) {
    const char *key = neg ? "neg" : "pos";
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!cJSON_IsArray(arr)) {
        snprintf(err, errlen, "histogram: \"%s\" must be an array", key);
        return -1;
    }
    const long lo = (long)(HIST_EMIN + HIST_JSON_BIAS) * LT_HIST_SUB;
    const long hi = (long)(HIST_EMAX + HIST_JSON_BIAS + 1) * LT_HIST_SUB - 1;
    long prev = -1;
    int n = 0;
    const cJSON *pair;
    cJSON_ArrayForEach(pair, arr) {
        uint64_t idx, cnt;
        if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2) {
            snprintf(err, errlen, "histogram: \"%s\"[%d] must be a [bucket_index, count] pair", key,
                     n);
            return -1;
        }
        if (json_count(pair->child, &idx) || idx < (uint64_t)lo || idx > (uint64_t)hi) {
            snprintf(err, errlen,
                     "histogram: \"%s\"[%d] bucket index must be a whole number in [%ld, %ld]", key,
                     n, lo, hi);
            return -1;
        }
        if ((long)idx <= prev) {
            snprintf(err, errlen, "histogram: \"%s\"[%d] bucket indexes must be strictly ascending",
                     key, n);
            return -1;
        }
        if (json_count(pair->child->next, &cnt)) {
            snprintf(err, errlen, "histogram: \"%s\"[%d] count must be a whole number >= 0", key,
                     n);
            return -1;
        }
        prev = (long)idx;
        if (__builtin_add_overflow(*total, cnt, total)) {
            snprintf(err, errlen, "histogram: bucket counts overflow");
            return -1;
        }
        long rel = prev - lo;
        unsigned ei = (unsigned)(rel / LT_HIST_SUB), sub = (unsigned)(rel % LT_HIST_SUB);
        if (cnt) {
            hist_chunk *c = h->chunk[neg][ei];
            if (!c) {
                c = h->chunk[neg][ei] = chunk_alloc();
                if (!c) {
                    snprintf(err, errlen, "histogram: out of memory");
                    return -1;
                }
            }
            c->total += cnt;
            *chunk_slot(c, sub) = cnt;
        }
        n++;
    }
    return 0;
}

/* The lowest (top = 0) or highest (top = 1) non-empty bucket: 1 with *out set, 0 when it is the
 * zero counter, -1 when the histogram holds nothing. */
static int end_bucket(const lt_hist *h, int top, hist_pos *out) {
    /* Ascending order is: negative buckets by descending |v|, zero, positive by ascending |v|. */
    unsigned first_sign = top ? 0 : 1;
    for (unsigned pass = 0; pass < 2; pass++) {
        unsigned neg = pass ? !first_sign : first_sign;
        if (pass == 1 && h->zero) return 0;
        /* Going outward-in for the first sign (largest |v| first), inward-out for the second. */
        int outward = pass == 1;
        for (int k = 0; k < HIST_NEXP; k++) {
            int ei = outward ? k : HIST_NEXP - 1 - k;
            const hist_chunk *c = h->chunk[neg][ei];
            if (!c || !c->total) continue;
            for (int m = 0; m < LT_HIST_SUB; m++) {
                int sub = outward ? m : LT_HIST_SUB - 1 - m;
                if (chunk_count(c, sub)) {
                    out->neg = neg, out->ei = (unsigned)ei, out->sub = (unsigned)sub;
                    return 1;
                }
            }
        }
    }
    return h->zero ? 0 : -1;
}

/* Whether v can be the sample at an end found by end_bucket. A few ulps of slack at the bucket's
 * edges: cJSON prints a double with 15 digits whenever that reads back within DBL_EPSILON, so a
 * min of 1.9999999999999998 (top of [1.998, 2)) comes back from text as 2. */
static int end_matches(double v, int kind, hist_pos p) {
    if (kind < 0) return 0;
    if (kind == 0) return v == 0;
    if (v == 0 || (v < 0) != (p.neg != 0)) return 0;
    hist_pos q = bucket_of(v);
    if (q.ei == p.ei && q.sub == p.sub) return 1;
    double a = fabs(v), e = ldexp(1.0, (int)p.ei + HIST_EMIN);
    double lo = e + e * p.sub / LT_HIST_SUB, hi = e + e * (p.sub + 1) / LT_HIST_SUB;
    return a >= lo * (1 - 1e-15) && a <= hi * (1 + 1e-15);
}

lt_hist *hist_from_json(const cJSON *j, char *err, size_t errlen) {
    if (errlen) err[0] = 0;
    if (!cJSON_IsObject(j)) {
        snprintf(err, errlen, "histogram: not a JSON object");
        return NULL;
    }
    uint64_t count, zero, sub, total = 0;
    double mn, mx, sum;
    if (json_count(cJSON_GetObjectItemCaseSensitive(j, "count"), &count)) {
        snprintf(err, errlen, "histogram: \"count\" must be a whole number >= 0");
        return NULL;
    }
    if (json_count(cJSON_GetObjectItemCaseSensitive(j, "sub"), &sub) || sub != LT_HIST_SUB) {
        snprintf(err, errlen, "histogram: \"sub\" must be %d", LT_HIST_SUB);
        return NULL;
    }
    if (json_count(cJSON_GetObjectItemCaseSensitive(j, "zero"), &zero)) {
        snprintf(err, errlen, "histogram: \"zero\" must be a whole number >= 0");
        return NULL;
    }
    if (json_finite(j, "min", &mn, err, errlen) || json_finite(j, "max", &mx, err, errlen) ||
        json_finite(j, "sum", &sum, err, errlen))
        return NULL;
    lt_hist *h = hist_new();
    if (!h) {
        snprintf(err, errlen, "histogram: out of memory");
        return NULL;
    }
    total = zero;
    if (buckets_from_json(h, j, 0, &total, err, errlen) ||
        buckets_from_json(h, j, 1, &total, err, errlen))
        goto fail;
    if (total != count) {
        snprintf(err, errlen,
                 "histogram: \"count\" is %llu but zero and the buckets hold %llu samples",
                 (unsigned long long)count, (unsigned long long)total);
        goto fail;
    }
    h->count = count;
    h->zero = zero;
    h->sum = sum;
    if (count) {
        /* min and max must be samples of the lowest and highest non-empty buckets. */
        hist_pos lo, hi;
        int lo_k = end_bucket(h, 0, &lo), hi_k = end_bucket(h, 1, &hi);
        if (!end_matches(mn, lo_k, lo) || !end_matches(mx, hi_k, hi) || mn > mx) {
            snprintf(err, errlen,
                     "histogram: \"min\" %.17g and \"max\" %.17g do not match the buckets", mn, mx);
            goto fail;
        }
        h->min = mn, h->max = mx;
    } else if (mn != 0 || mx != 0 || sum != 0) {
        snprintf(err, errlen, "histogram: an empty histogram must have min, max and sum 0");
        goto fail;
    }
    return h;
fail:
    hist_free(h);
    return NULL;
}
