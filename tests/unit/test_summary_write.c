/* test_summary_write.c — output/summary_write.h: the summary printer is cJSON_Print's layout byte
 * for byte (trees whose numbers both write alike), numbers round-trip exactly, strings come out
 * valid UTF-8 and valid JSON. */
#include "base/utf8.h"
#include "output/summary_write.h"
#include "t.h"
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* A tree with every node type, nesting of objects in arrays in objects, empty containers, and
 * strings that need escaping (all valid UTF-8, which cJSON copies as it is). */
static cJSON *sample_tree(void) {
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "schema", "lt-summary/1");
    cJSON_AddNumberToObject(r, "int", 42);
    cJSON_AddNumberToObject(r, "neg", -7);
    cJSON_AddNumberToObject(r, "zero", 0);
    cJSON_AddNumberToObject(r, "half", 0.5);
    cJSON_AddNumberToObject(r, "big", 3e9);
    cJSON_AddNumberToObject(r, "nan", NAN);
    cJSON_AddTrueToObject(r, "t");
    cJSON_AddFalseToObject(r, "f");
    cJSON_AddNullToObject(r, "n");
    cJSON_AddStringToObject(r, "esc", "q\"b\\s/\t\n\r\b\f\x01\x1f ü€😀");
    cJSON_AddStringToObject(r, "", "empty key");
    cJSON_AddObjectToObject(r, "empty_obj");
    cJSON_AddArrayToObject(r, "empty_arr");
    cJSON *a = cJSON_AddArrayToObject(r, "arr");
    cJSON_AddItemToArray(a, cJSON_CreateNumber(1));
    cJSON_AddItemToArray(a, cJSON_CreateString("two"));
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", 3);
    cJSON *inner = cJSON_AddObjectToObject(o, "inner");
    cJSON_AddItemToObject(inner, "pos",
                          cJSON_CreateIntArray((const int[]){563712, 2, 563713, 5}, 4));
    cJSON_AddObjectToObject(inner, "e");
    cJSON_AddItemToArray(a, o);
    cJSON_AddItemToArray(a, cJSON_CreateArray());
    cJSON_AddItemToObject(r, "raw", cJSON_CreateRaw("{\"pre\":1}"));
    return r;
}

static void layout_is_cjsons(void) {
    cJSON *t = sample_tree();
    for (int fmt = 0; fmt <= 1; fmt++) {
        char *want = fmt ? cJSON_Print(t) : cJSON_PrintUnformatted(t);
        size_t len = 0;
        char *got = summary_print(t, fmt, &len);
        T_CHECK(got && strcmp(got, want) == 0, "%s: byte for byte cJSON's",
                fmt ? "formatted" : "unformatted");
        if (got && strcmp(got, want) != 0) printf("want:\n%s\ngot:\n%s\n", want, got);
        T_CHECK(got && len == strlen(got), "length reported");
        free(want);
        free(got);
    }
    cJSON_Delete(t);
}

static void strings_valid_utf8(void) {
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "bad\xff", "a\xc0\x80z\xed\xa0\x80\xe2\x82");
    char *got = summary_print(t, false, NULL);
    T_CHECK(got && utf8_valid(got, strlen(got)), "ill-formed bytes: the output is valid UTF-8");
    const char *want = "{\"bad\xEF\xBF\xBD\":\"a\xEF\xBF\xBD\xEF\xBF\xBDz\xEF\xBF\xBD\xEF\xBF\xBD"
                       "\xEF\xBF\xBD\xEF\xBF\xBD\"}";
    T_CHECK(got && strcmp(got, want) == 0, "each maximal ill-formed subpart is one U+FFFD (%s)",
            got ? got : "NULL");
    free(got);
    cJSON_Delete(t);
}

static void numbers_round_trip(void) {
    char b[40];
    int bad = 0, n = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t u = t_next();
        double v;
        if (i % 4 == 0) { /* any bit pattern */
            memcpy(&v, &u, sizeof v);
        } else if (i % 4 == 1) { /* latencies: ms with µs noise */
            v = (double)(u % 100000000) / 1e6;
        } else if (i % 4 == 2) { /* rates: a count over a duration */
            v = (double)(u % 1000000) / ((double)(u >> 40) / 1e3 + 1e-3);
        } else { /* sums of many samples */
            v = (double)(u % 1000) * 0.1 + (double)((u >> 20) % 1000) * 0.01;
        }
        if (!isfinite(v)) continue;
        n++;
        summary_format_number(v, b, sizeof b);
        if (strtod(b, NULL) != v) bad++;
    }
    T_CHECK(bad == 0, "%d finite doubles read back exactly (%d not)", n, bad);
    struct {
        double v;
        const char *s;
    } c[] = {{0, "0"},
             {-0.0, "0"},
             {42, "42"},
             {-7, "-7"},
             {3e9, "3000000000"},
             {1e15, "1e+15"},
             {0.5, "0.5"},
             {0.1, "0.1"},
             {1.0 / 3, "0.3333333333333333"},
             {123456789012345, "123456789012345"},
             {NAN, "null"},
             {INFINITY, "null"},
             {-INFINITY, "null"},
             {2.5e-300, "2.5e-300"}};
    for (size_t i = 0; i < sizeof c / sizeof *c; i++) {
        summary_format_number(c[i].v, b, sizeof b);
        T_CHECK(strcmp(b, c[i].s) == 0, "%s written as %s", c[i].s, b);
    }
}

static void old_writer_behind_env(void) {
    cJSON *t = cJSON_CreateObject();
    cJSON_AddNumberToObject(t, "x", 0.1 + 0.2);
    setenv("LT_SUMMARY_CJSON", "1", 1);
    char *old = summary_print(t, true, NULL), *want = cJSON_Print(t);
    unsetenv("LT_SUMMARY_CJSON");
    char *neu = summary_print(t, true, NULL);
    T_CHECK(old && strcmp(old, want) == 0, "LT_SUMMARY_CJSON=1: cJSON_Print's text");
    T_CHECK(neu && strstr(neu, "0.30000000000000004"), "the writer's 0.1+0.2 reads back (%s)",
            neu ? neu : "NULL");
    free(old);
    free(want);
    free(neu);
    cJSON_Delete(t);
}

int main(void) {
    layout_is_cjsons();
    strings_valid_utf8();
    numbers_round_trip();
    old_writer_behind_env();
    return T_DONE();
}
