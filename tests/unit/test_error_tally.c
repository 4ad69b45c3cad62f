/* test_error_tally.c — src/metrics/error_tally: one kind per first line, counts exact, top kinds
 * most frequent first (ties by first sight), bounded table with an exact total, messages cut at a
 * character boundary and repaired to valid UTF-8, merges that add up. */
#include "base/utf8.h"
#include "metrics/error_tally.h"
#include "t.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void add(error_tally *t, const char *msg, long n) {
    error_tally_add(t, msg, strlen(msg), n);
}

static void test_kinds_and_top(void) {
    error_tally *t = calloc(1, sizeof *t);
    add(t, "a.lua:3: boom\nstack traceback:\n\t[C]: in function 'error'", 1);
    add(t, "a.lua:3: boom\nstack traceback:\n\ta.lua:3: in function <a.lua:1>", 2);
    add(t, "a.lua:9: other", 1);
    add(t, "a.lua:7: tie", 3);
    add(t, "a.lua:8: tie too", 3);
    T_CHECK(t->n == 4, "n=%d", t->n);
    T_CHECK(t->total == 10, "total=%ld", t->total);
    const error_kind *top[8];
    int n = error_tally_top(t, top, 8);
    T_CHECK(n == 4, "n=%d", n);
    const char *want[] = {"a.lua:3: boom", "a.lua:7: tie", "a.lua:8: tie too", "a.lua:9: other"};
    long counts[] = {3, 3, 3, 1};
    for (int i = 0; i < n && i < 4; i++) {
        T_CHECK(strcmp(top[i]->message, want[i]) == 0, "top[%d]='%s'", i, top[i]->message);
        T_CHECK(top[i]->count == counts[i], "top[%d] count=%ld", i, top[i]->count);
    }
    T_CHECK(error_tally_top(t, top, 2) == 2, "max respected");
    T_CHECK(error_tally_top(t, top, 0) == 0, "max 0");
    free(t);
}

static void test_bounded(void) {
    error_tally *t = calloc(1, sizeof *t);
    char m[32];
    for (int i = 0; i < ERROR_TALLY_KINDS + 10; i++) {
        snprintf(m, sizeof m, "x.lua:1: e%d", i);
        add(t, m, 1);
    }
    add(t, "x.lua:1: e0", 5); /* a known kind still counts once the table is full */
    T_CHECK(t->n == ERROR_TALLY_KINDS, "n=%d", t->n);
    T_CHECK(t->total == ERROR_TALLY_KINDS + 15, "total=%ld", t->total);
    T_CHECK(t->kinds[0].count == 6, "e0 count=%ld", t->kinds[0].count);
    free(t);
}

static void test_utf8(void) {
    error_tally *t = calloc(1, sizeof *t);
    char long_msg[1024] = "x.lua:2: long ";
    size_t len = strlen(long_msg);
    for (int i = 0; i < 400 && len + 2 < sizeof long_msg; i++, len += 2)
        memcpy(long_msg + len, "\xc3\xa9", 2);
    error_tally_add(t, long_msg, len, 1);
    add(t, "x.lua:3: bad \xff byte", 1);
    const char *m = t->kinds[0].message;
    size_t ml = strlen(m);
    T_CHECK(ml <= ERROR_MESSAGE_MAX - 1, "cut to %zu bytes", ml);
    T_CHECK(ml >= ERROR_MESSAGE_MAX - 2, "as long as fits: %zu bytes", ml);
    T_CHECK(utf8_valid(m, ml), "long message valid UTF-8");
    T_CHECK(ml >= 2 && memcmp(m + ml - 2, "\xc3\xa9", 2) == 0, "ends with a whole character");
    T_CHECK(strcmp(t->kinds[1].message, "x.lua:3: bad " UTF8_REPLACEMENT " byte") == 0,
            "repaired: '%s'", t->kinds[1].message);
    /* the same long message again is the same kind, although only its start was kept */
    error_tally_add(t, long_msg, len, 1);
    T_CHECK(t->n == 2 && t->kinds[0].count == 2, "n=%d count=%ld", t->n, t->kinds[0].count);
    free(t);
}

static void test_merge(void) {
    error_tally *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *all = calloc(1, sizeof *all);
    add(a, "s.lua:1: one", 2);
    add(a, "s.lua:2: two", 1);
    add(b, "s.lua:2: two", 4);
    add(b, "s.lua:3: three", 1);
    error_tally_merge(all, a);
    error_tally_merge(all, b);
    T_CHECK(all->total == 8, "total=%ld", all->total);
    T_CHECK(all->n == 3, "n=%d", all->n);
    const error_kind *top[3];
    int n = error_tally_top(all, top, 3);
    T_CHECK(n == 3 && strcmp(top[0]->message, "s.lua:2: two") == 0 && top[0]->count == 5,
            "first: %s", n ? top[0]->message : "-");
    T_CHECK(n == 3 && top[1]->count == 2 && top[2]->count == 1, "then 2 and 1");
    /* a full destination keeps the total exact */
    error_tally *full = calloc(1, sizeof *full);
    char m[32];
    for (int i = 0; i < ERROR_TALLY_KINDS; i++) {
        snprintf(m, sizeof m, "f.lua:1: e%d", i);
        add(full, m, 1);
    }
    error_tally_merge(full, a);
    T_CHECK(full->total == ERROR_TALLY_KINDS + 3 && full->n == ERROR_TALLY_KINDS, "total=%ld n=%d",
            full->total, full->n);
    free(a), free(b), free(all), free(full);
}

int main(void) {
    test_kinds_and_top();
    test_bounded();
    test_utf8();
    test_merge();
    return T_DONE();
}
