/* threshold.c — k6 threshold expressions ("p(95) < 200") and metric selectors
 * ("http_req_duration{status:200,method:'GET'}"). Hand-written scanners: no regex, no allocation,
 * every input byte checked, so they are safe on arbitrary input. */
#include "metrics/threshold.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *fmt, ...) {
    if (errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static const char *skip_ws(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

/* Scans a decimal number: [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?, as Go's
 * ParseFloat reads it minus hex, inf and nan. Returns its end, or NULL when there is none.
 * unsigned_only: no leading sign (the N of p(N)). */
static const char *scan_number(const char *p, int unsigned_only) {
    const char *q = p;
    if (!unsigned_only && (*q == '+' || *q == '-')) q++;
    int digits = 0;
    while (isdigit((unsigned char)*q)) q++, digits++;
    if (*q == '.') {
        q++;
        while (isdigit((unsigned char)*q)) q++, digits++;
    }
    if (!digits) return NULL;
    if (*q == 'e' || *q == 'E') {
        const char *e = q + 1;
        if (*e == '+' || *e == '-') e++;
        if (!isdigit((unsigned char)*e)) return NULL;
        while (isdigit((unsigned char)*e)) e++;
        q = e;
    }
    return q;
}

/* Converts the scanned span [p, end) to a double (strtod on a bounded copy). */
static int span_to_double(const char *p, const char *end, double *out) {
    char buf[64];
    size_t n = (size_t)(end - p);
    if (n >= sizeof buf) {
        /* Very long digit strings: still a number, but keep the copy bounded. Long mantissas only
         * lose digits beyond double precision; an exponent this long overflows or underflows. */
        char *tmp = malloc(n + 1);
        if (!tmp) return -1;
        memcpy(tmp, p, n);
        tmp[n] = 0;
        *out = strtod(tmp, NULL);
        free(tmp);
    } else {
        memcpy(buf, p, n);
        buf[n] = 0;
        *out = strtod(buf, NULL);
    }
    return isfinite(*out) ? 0 : -1;
}

/* Prints at most 40 bytes of s, for messages about arbitrary input. */
#define SHOW(s) (int)(strlen(s) > 40 ? 40 : strlen(s)), (s), (strlen(s) > 40 ? "..." : "")

int threshold_parse(const char *src, threshold_expr *out, char *err, size_t errlen) {
    if (!src) return fail(err, errlen, "threshold: no expression");
    threshold_expr t = {0};
    const char *p = skip_ws(src);
    static const struct {
        const char *name;
        agg_kind agg;
    } aggs[] = {{"avg", AGG_AVG},     {"min", AGG_MIN},   {"max", AGG_MAX},    {"med", AGG_MED},
                {"count", AGG_COUNT}, {"rate", AGG_RATE}, {"value", AGG_VALUE}};
    const char *w = p;
    while (isalpha((unsigned char)*p)) p++;
    size_t wlen = (size_t)(p - w);
    if (!wlen)
        return fail(err, errlen,
                    "threshold %.*s%s: expected an aggregation (avg, min, max, med, count, rate, "
                    "value or p(N))",
                    SHOW(src));
    int found = 0;
    if (wlen == 1 && *w == 'p' && *p == '(') {
        const char *n = p + 1, *e = scan_number(n, 1);
        if (!e || *e != ')')
            return fail(err, errlen,
                        "threshold %.*s%s: malformed percentile, expected p(N) with N a number "
                        "like 95 or 99.9",
                        SHOW(src));
        if (span_to_double(n, e, &t.pct) || t.pct < 0 || t.pct > 100)
            return fail(err, errlen, "threshold %.*s%s: percentile %.*s is outside [0, 100]",
                        SHOW(src), (int)(e - n > 20 ? 20 : e - n), n);
        t.agg = AGG_PCT;
        p = e + 1;
        found = 1;
    }
    for (size_t i = 0; !found && i < sizeof aggs / sizeof aggs[0]; i++) {
        if (strlen(aggs[i].name) == wlen && memcmp(aggs[i].name, w, wlen) == 0) {
            t.agg = aggs[i].agg;
            found = 1;
        }
    }
    if (!found)
        return fail(err, errlen,
                    "threshold %.*s%s: unknown aggregation \"%.*s\" (want avg, min, max, med, "
                    "count, rate, value or p(N))",
                    SHOW(src), (int)(wlen > 20 ? 20 : wlen), w);
    p = skip_ws(p);
    if (p[0] == '<' && p[1] == '=')
        t.op = OP_LE, p += 2;
    else if (p[0] == '<')
        t.op = OP_LT, p += 1;
    else if (p[0] == '>' && p[1] == '=')
        t.op = OP_GE, p += 2;
    else if (p[0] == '>')
        t.op = OP_GT, p += 1;
    else if (p[0] == '=' && p[1] == '=' && p[2] == '=')
        t.op = OP_EQ, p += 3;
    else if (p[0] == '=' && p[1] == '=')
        t.op = OP_EQ, p += 2;
    else if (p[0] == '!' && p[1] == '=')
        t.op = OP_NE, p += 2;
    else
        return fail(err, errlen,
                    "threshold %.*s%s: expected an operator (<, <=, >, >=, ==, !=) after the "
                    "aggregation",
                    SHOW(src));
    p = skip_ws(p);
    const char *e = scan_number(p, 0);
    if (!e)
        return fail(err, errlen, "threshold %.*s%s: expected a number after the operator",
                    SHOW(src));
    if (span_to_double(p, e, &t.target))
        return fail(err, errlen, "threshold %.*s%s: the number is out of range", SHOW(src));
    p = skip_ws(e);
    if (*p)
        return fail(err, errlen, "threshold %.*s%s: unexpected text after the number: %.*s%s",
                    SHOW(src), SHOW(p));
    *out = t;
    return 0;
}

bool threshold_holds(const threshold_expr *t, double observed) {
    switch (t->op) {
    case OP_LT:
        return observed < t->target;
    case OP_LE:
        return observed <= t->target;
    case OP_GT:
        return observed > t->target;
    case OP_GE:
        return observed >= t->target;
    case OP_EQ:
        return observed == t->target;
    case OP_NE:
        return observed != t->target;
    }
    return false;
}

const char *threshold_agg_name(const threshold_expr *t, char *buf, size_t len) {
    const char *name = "?";
    switch (t->agg) {
    case AGG_AVG:
        name = "avg";
        break;
    case AGG_MIN:
        name = "min";
        break;
    case AGG_MAX:
        name = "max";
        break;
    case AGG_MED:
        name = "med";
        break;
    case AGG_COUNT:
        name = "count";
        break;
    case AGG_RATE:
        name = "rate";
        break;
    case AGG_VALUE:
        name = "value";
        break;
    case AGG_PCT: {
        /* Shortest digits that read back as the same double, as Go's %g prints it ("p(99.9)");
         * precision at least 6 so that 100 prints as "100", not "1e+02". */
        char num[40];
        for (int prec = 1; prec <= 17; prec++) {
            snprintf(num, sizeof num, "%.*g", prec < 6 ? 6 : prec, t->pct);
            if (strtod(num, NULL) == t->pct) break;
        }
        snprintf(buf, len, "p(%s)", num);
        return buf;
    }
    }
    snprintf(buf, len, "%s", name);
    return buf;
}

const char *threshold_op_name(cmp_op op) {
    switch (op) {
    case OP_LT:
        return "<";
    case OP_LE:
        return "<=";
    case OP_GT:
        return ">";
    case OP_GE:
        return ">=";
    case OP_EQ:
        return "==";
    case OP_NE:
        return "!=";
    }
    return "?";
}

/* ---- selectors ---- */

static int name_char(unsigned char c) {
    return isalnum(c) || c == '_';
}
static int key_char(unsigned char c) {
    return c > ' ' && c < 0x7f && c != ':' && c != ',' && c != '{' && c != '}' && c != '"' &&
           c != '\'';
}

int selector_parse(const char *src, metric_selector *out, char *err, size_t errlen) {
    if (!src) return fail(err, errlen, "metric selector: none given");
    metric_selector s;
    memset(&s, 0, sizeof s);
    const char *p = skip_ws(src);
    /* Name: k6's rule for metric names, [a-zA-Z_][a-zA-Z0-9_]{0,127}. */
    const char *n = p;
    while (name_char((unsigned char)*p)) p++;
    size_t nlen = (size_t)(p - n);
    if (!nlen)
        return fail(err, errlen, "metric selector %.*s%s: expected a metric name", SHOW(src));
    if (isdigit((unsigned char)*n))
        return fail(err, errlen, "metric selector %.*s%s: a metric name cannot start with a digit",
                    SHOW(src));
    if (nlen >= sizeof s.name)
        return fail(err, errlen, "metric selector %.*s%s: metric name longer than %zu characters",
                    SHOW(src), sizeof s.name - 1);
    memcpy(s.name, n, nlen);
    p = skip_ws(p);
    if (*p == '{') {
        p++;
        for (;;) {
            p = skip_ws(p);
            const char *k = p;
            while (key_char((unsigned char)*p)) p++;
            size_t klen = (size_t)(p - k);
            if (!klen)
                return fail(err, errlen, "metric selector %.*s%s: expected a tag key", SHOW(src));
            if (klen >= sizeof s.tags[0].key)
                return fail(err, errlen,
                            "metric selector %.*s%s: tag key longer than %zu characters", SHOW(src),
                            sizeof s.tags[0].key - 1);
            p = skip_ws(p);
            if (*p != ':')
                return fail(err, errlen,
                            "metric selector %.*s%s: expected ':' after tag key \"%.*s\"",
                            SHOW(src), (int)klen, k);
            p = skip_ws(p + 1);
            const char *v;
            size_t vlen;
            if (*p == '"' || *p == '\'') {
                char q = *p++;
                v = p;
                while (*p && *p != q) p++;
                if (!*p)
                    return fail(err, errlen, "metric selector %.*s%s: unclosed %c quote", SHOW(src),
                                q);
                vlen = (size_t)(p - v);
                p++;
            } else {
                v = p;
                while (*p && *p != ',' && *p != '}' && *p != '{' && *p != '"' && *p != '\'') p++;
                const char *ve = p;
                while (ve > v &&
                       (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\n' || ve[-1] == '\r'))
                    ve--;
                vlen = (size_t)(ve - v);
                if (!vlen)
                    return fail(err, errlen,
                                "metric selector %.*s%s: tag \"%.*s\" has an empty value (quote "
                                "it as '' if meant)",
                                SHOW(src), (int)klen, k);
            }
            if (vlen >= sizeof s.tags[0].value)
                return fail(err, errlen,
                            "metric selector %.*s%s: value of tag \"%.*s\" longer than %zu "
                            "characters",
                            SHOW(src), (int)klen, k, sizeof s.tags[0].value - 1);
            for (int i = 0; i < s.ntags; i++)
                if (strlen(s.tags[i].key) == klen && memcmp(s.tags[i].key, k, klen) == 0)
                    return fail(err, errlen, "metric selector %.*s%s: tag \"%.*s\" given twice",
                                SHOW(src), (int)klen, k);
            if (s.ntags == SELECTOR_MAX_TAGS)
                return fail(err, errlen, "metric selector %.*s%s: more than %d tags", SHOW(src),
                            SELECTOR_MAX_TAGS);
            memcpy(s.tags[s.ntags].key, k, klen);
            memcpy(s.tags[s.ntags].value, v, vlen);
            s.ntags++;
            p = skip_ws(p);
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '}') {
                p++;
                break;
            }
            if (!*p)
                return fail(err, errlen, "metric selector %.*s%s: missing closing '}'", SHOW(src));
            return fail(err, errlen, "metric selector %.*s%s: unexpected '%c' in the tags",
                        SHOW(src), *p);
        }
        p = skip_ws(p);
    }
    if (*p)
        return fail(err, errlen, "metric selector %.*s%s: unexpected text: %.*s%s", SHOW(src),
                    SHOW(p));
    *out = s;
    return 0;
}
