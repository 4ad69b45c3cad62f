/* test_duration.c — k6/Go duration strings: parsing, rejection and formatting. */
#include "plan/duration.h"
#include "t.h"

#include <math.h>
#include <string.h>

static void test_good(void) {
    static const struct {
        const char *src;
        double seconds;
    } good[] = {
        {"0", 0},
        {"0s", 0},
        {"+0", 0},
        {"1s", 1},
        {"30", 0.030},
        {"1.5", 0.0015},
        {".5", 0.0005},
        {"5.", 0.005},
        {"500ms", 0.5},
        {"250us", 250e-6},
        {"250\xc2\xb5s", 250e-6}, /* µs, U+00B5 */
        {"250\xce\xbcs", 250e-6}, /* μs, U+03BC */
        {"100ns", 100e-9},
        {"1.5ns", 1e-9}, /* sub-nanosecond fractions are dropped, as in Go */
        {"1.5m", 90},
        {"2h", 7200},
        {"1h2m3.5s", 3723.5},
        {"1m30s", 90},
        {"3s500ms", 3.5},
        {"1h1h", 7200},
        {"0.000000001s", 1e-9},
        {"+5s", 5},
        {"2562047h47m16.854775807s", 9223372036.854775807},
        {"1.00000000000000000000000000001s", 1},
        {"000000000000000000000000000000001s", 1},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        double s = -1;
        char err[256] = "";
        int rc = duration_parse(good[i].src, &s, err, sizeof err);
        T_CHECK(rc == 0, "\"%s\" rejected: %s", good[i].src, err);
        T_CHECK(rc != 0 || s == good[i].seconds, "\"%s\" = %.17g, want %.17g", good[i].src, s,
                good[i].seconds);
    }
}

static void test_bad(void) {
    static const char *bad[] = {
        "",
        "-1s",
        "-0",
        "-",
        "+",
        "s",
        "ms",
        ".",
        ".s",
        "1x",
        "1d",
        "1 s",
        " 1s",
        "1s ",
        "1S",
        "1sec",
        "1h-2m",
        "1h 2m",
        "1s2",
        "1..5s",
        "1.2.3s",
        "1e3s",
        "1e3",
        "abc",
        "inf",
        "nan",
        "NaN",
        "Infinity",
        "0x10s",
        "9223372037s",
        "2562048h",
        "2562047h47m16.854775808s",
        "99999999999999999999999h",
        "99999999999999999999",
        "5000000h5000000h",
        "1\xc2s",
        "1\xb5s",
        "1µ",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        double s = 42;
        char err[256] = "";
        int rc = duration_parse(bad[i], &s, err, sizeof err);
        T_CHECK(rc == -1 && err[0], "\"%s\" accepted (= %g)", bad[i], s);
        T_CHECK(s == 42, "\"%s\": output touched on failure", bad[i]);
    }
    double s;
    char err[256];
    T_CHECK(duration_parse("10x", &s, err, sizeof err) == -1 && strstr(err, "10x") &&
                strstr(err, "\"x\""),
            "message does not name the text and unit: %s", err);
    T_CHECK(duration_parse("-3s", &s, err, sizeof err) == -1 && strstr(err, "-3s") &&
                strstr(err, "negative"),
            "negative message: %s", err);
    T_CHECK(duration_parse(NULL, &s, err, sizeof err) == -1, "NULL accepted");
    T_CHECK(duration_parse("bad", &s, err, 0) == -1, "errlen 0");
}

static void test_format(void) {
    static const struct {
        double seconds;
        const char *want;
    } cases[] = {
        {0, "0s"},
        {-0.0, "0s"},
        {1, "1s"},
        {1.5, "1.5s"},
        {90, "1m30s"},
        {60, "1m0s"},
        {7200, "2h0m0s"},
        {3723.5, "1h2m3.5s"},
        {0.5, "500ms"},
        {0.0015, "1.5ms"},
        {250e-6, "250\xc2\xb5s"},
        {1.5e-6, "1.5\xc2\xb5s"},
        {100e-9, "100ns"},
        {1e-9, "1ns"},
        {0.1e-9, "0s"},
        {0.123456789, "123.456789ms"},
        {59.999999999, "59.999999999s"},
        {-90, "-1m30s"},
        {86400, "24h0m0s"},
        {9223372036.854775807, "2562047h47m16.854775807s"},
        {1e30, "2562047h47m16.854775807s"},
        {NAN, "NaN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[64];
        const char *got = duration_format(cases[i].seconds, buf, sizeof buf);
        T_CHECK(got == buf && strcmp(got, cases[i].want) == 0, "format(%.17g) = %s, want %s",
                cases[i].seconds, got, cases[i].want);
    }
    char small[4];
    duration_format(3723.5, small, sizeof small);
    T_CHECK(strcmp(small, "1h2") == 0, "short buffer: %s", small);
    /* Round trips: parse(format(x)) == x for whole nanoseconds, format(parse(s)) == s for
     * canonical strings. */
    static const char *canon[] = {
        "0s",   "1ns",    "999ns",  "1\xc2\xb5s", "1.001ms",           "999ms", "1s", "59s",
        "1m0s", "1m0.5s", "1h0m0s", "1h1m1s",     "100h0m0.000000001s"};
    for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
        double s;
        char err[128], buf[64];
        T_CHECK(duration_parse(canon[i], &s, err, sizeof err) == 0, "%s: %s", canon[i], err);
        T_CHECK(strcmp(duration_format(s, buf, sizeof buf), canon[i]) == 0, "%s -> %s", canon[i],
                buf);
    }
    int bad = 0;
    for (long long ns = 1; ns < 4000000000000LL; ns = ns * 3 + 7) {
        double s = (double)ns / 1e9, back;
        char buf[64], err[128];
        duration_format(s, buf, sizeof buf);
        if (duration_parse(buf, &back, err, sizeof err) || back != s) {
            bad++;
            printf("round trip %lld ns: %s -> %.17g\n", ns, buf, back);
        }
    }
    T_CHECK(bad == 0, "%d round trips failed", bad);
    /* Beyond 2^51 ns (about 26 days) a double no longer holds every nanosecond: the round trip is
     * then exact to 1e-15 relative (found by fuzz_duration). */
    double s, back;
    char err[128], buf[64];
    T_CHECK(duration_parse("2.5619473032292ns70151m2.56847303222233720151m", &s, err, sizeof err) ==
                0,
            "%s", err);
    duration_format(s, buf, sizeof buf);
    T_CHECK(strcmp(buf, "1169h13m34.108381936s") == 0, "long format %s", buf);
    T_CHECK(duration_parse(buf, &back, err, sizeof err) == 0 && fabs(back - s) <= s * 1e-15,
            "long round trip %.17g vs %.17g", back, s);
}

int main(void) {
    test_good();
    test_bad();
    test_format();
    return T_DONE();
}
