/* duration.c — k6/Go duration strings. Parsing follows Go's time.ParseDuration (integer
 * nanoseconds, so "1h2m3.5s" is exact and fractions below 1ns are dropped; the same 2^63-1 ns
 * limit, about 292 years), plus a bare number meaning milliseconds (as k6); negatives are errors.
 * Formatting follows Go's Duration.String. */
#include "plan/duration.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define DUR_MAX_NS ((uint64_t)INT64_MAX)

/* Shows at most 40 bytes of the input in messages. */
#define SHOW(s) (int)(strlen(s) > 40 ? 40 : strlen(s)), (s), (strlen(s) > 40 ? "..." : "")

static int fail(char *err, size_t errlen, const char *fmt, ...) {
    if (errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int is_digit(char c) {
    return c >= '0' && c <= '9';
}

static const struct {
    const char *name;
    uint64_t ns;
} units[] = {
    {"ns", 1},           {"us", 1000},      {"\xc2\xb5s", 1000}, /* U+00B5 micro sign */
    {"\xce\xbcs", 1000}, /* U+03BC Greek mu, as Go also accepts */
    {"ms", 1000000},     {"s", 1000000000}, {"m", 60ull * 1000000000}, {"h", 3600ull * 1000000000},
};

/* Parses s (src without its sign) as Go does, into nanoseconds; a bare number (the whole string)
 * takes the unit "s". */
static int parse_ns(const char *src, const char *s, uint64_t *out, char *err, size_t errlen) {
    uint64_t d = 0;
    for (int first = 1; *s; first = 0) {
        if (!(*s == '.' || is_digit(*s)))
            return fail(err, errlen, "invalid duration \"%.*s%s\": expected a number at \"%.*s%s\"",
                        SHOW(src), SHOW(s));
        uint64_t v = 0, f = 0;
        double scale = 1;
        int pre = 0, post = 0, overflow = 0;
        for (; is_digit(*s); s++, pre = 1) {
            if (v > (DUR_MAX_NS - (uint64_t)(*s - '0')) / 10)
                overflow = 1;
            else
                v = v * 10 + (uint64_t)(*s - '0');
        }
        if (overflow) return fail(err, errlen, "invalid duration \"%.*s%s\": too large", SHOW(src));
        if (*s == '.') {
            int full = 0;
            for (s++; is_digit(*s); s++, post = 1) {
                if (full) continue; /* digits beyond what 63 bits hold are dropped, as Go does */
                if (f > (DUR_MAX_NS - (uint64_t)(*s - '0')) / 10) {
                    full = 1;
                    continue;
                }
                f = f * 10 + (uint64_t)(*s - '0');
                scale *= 10;
            }
        }
        if (!pre && !post)
            return fail(err, errlen, "invalid duration \"%.*s%s\": a lone '.'", SHOW(src));
        const char *u = s;
        while (*s && *s != '.' && !is_digit(*s)) s++;
        size_t ulen = (size_t)(s - u);
        if (!ulen) {
            if (first && !*s) {
                /* The whole string is a bare number: milliseconds, as k6 reads it. */
                u = "ms", ulen = 2;
            } else {
                return fail(err, errlen,
                            "invalid duration \"%.*s%s\": missing unit after a number (use h, m, "
                            "s, ms, us, µs or ns)",
                            SHOW(src));
            }
        }
        uint64_t unit = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
            if (strlen(units[i].name) == ulen && memcmp(units[i].name, u, ulen) == 0)
                unit = units[i].ns;
        if (!unit)
            return fail(err, errlen,
                        "invalid duration \"%.*s%s\": unknown unit \"%.*s\" (use h, m, s, ms, us, "
                        "µs or ns)",
                        SHOW(src), (int)(ulen > 16 ? 16 : ulen), u);
        if (v > DUR_MAX_NS / unit)
            return fail(err, errlen, "invalid duration \"%.*s%s\": too large", SHOW(src));
        v *= unit;
        if (f > 0) {
            v += (uint64_t)((double)f * ((double)unit / scale));
            if (v > DUR_MAX_NS)
                return fail(err, errlen, "invalid duration \"%.*s%s\": too large", SHOW(src));
        }
        if (v > DUR_MAX_NS - d)
            return fail(err, errlen, "invalid duration \"%.*s%s\": too large", SHOW(src));
        d += v;
    }
    *out = d;
    return 0;
}

int duration_parse(const char *s, double *seconds, char *err, size_t errlen) {
    if (!s) return fail(err, errlen, "invalid duration: none given");
    if (!*s) return fail(err, errlen, "invalid duration \"\": empty");
    if (*s == '-')
        return fail(err, errlen, "invalid duration \"%.*s%s\": negative durations are not allowed",
                    SHOW(s));
    const char *p = *s == '+' ? s + 1 : s;
    if (!*p) return fail(err, errlen, "invalid duration \"%.*s%s\": no number", SHOW(s));
    uint64_t ns = 0;
    if (parse_ns(s, p, &ns, err, errlen)) return -1;
    *seconds = (double)ns / 1e9;
    return 0;
}

/* Go's fmtFrac: writes the low prec digits of v as a fraction (trailing zeros and a bare point
 * omitted) right-aligned before *w; returns v / 10^prec. */
static uint64_t fmt_frac(char *buf, int *w, uint64_t v, int prec) {
    int print = 0;
    for (int i = 0; i < prec; i++) {
        unsigned digit = (unsigned)(v % 10);
        print = print || digit != 0;
        if (print) buf[--*w] = (char)('0' + digit);
        v /= 10;
    }
    if (print) buf[--*w] = '.';
    return v;
}

static void fmt_int(char *buf, int *w, uint64_t v) {
    do {
        buf[--*w] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
}

const char *duration_format(double seconds, char *buf, size_t len) {
    if (!len) return buf;
    if (isnan(seconds)) {
        snprintf(buf, len, "NaN");
        return buf;
    }
    int neg = seconds < 0;
    double ns_d = fabs(seconds) * 1e9;
    uint64_t u = ns_d >= 9223372036854775807.0 ? DUR_MAX_NS : (uint64_t)llround(ns_d);
    char tmp[40];
    int w = (int)sizeof tmp - 1;
    tmp[w] = 0;
    if (u < 1000000000) {
        int prec;
        tmp[--w] = 's';
        if (u == 0) {
            tmp[--w] = '0';
            neg = 0;
            goto done;
        } else if (u < 1000) {
            prec = 0;
            tmp[--w] = 'n';
        } else if (u < 1000000) {
            prec = 3;
            tmp[--w] = '\xb5'; /* "µ", U+00B5, as Go prints it */
            tmp[--w] = '\xc2';
        } else {
            prec = 6;
            tmp[--w] = 'm';
        }
        u = fmt_frac(tmp, &w, u, prec);
        fmt_int(tmp, &w, u);
    } else {
        tmp[--w] = 's';
        u = fmt_frac(tmp, &w, u, 9);
        fmt_int(tmp, &w, u % 60);
        u /= 60;
        if (u > 0) {
            tmp[--w] = 'm';
            fmt_int(tmp, &w, u % 60);
            u /= 60;
            if (u > 0) {
                tmp[--w] = 'h';
                fmt_int(tmp, &w, u);
            }
        }
    }
    if (neg) tmp[--w] = '-';
done:
    snprintf(buf, len, "%s", tmp + w);
    return buf;
}
