/* test_mesim_parts.c — mesim's pure pieces: order validation (every bad field is named), the
 * request text check (UTF-8, \u0000, integers beyond 2^53, trailing characters, each naming its
 * field's path), JSON quoting, the match-time histogram, and the event publisher (pause, bound,
 * drops, drain). */
#include "mesim/metrics_text.h"
#include "mesim/order.h"
#include "mesim/publisher.h"
#include "t.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void parse_case(const char *json, const char *field) {
    cJSON *j = cJSON_Parse(json);
    me_order_in o;
    me_reject rej = {{0}, {0}};
    int rc = me_order_parse(j, "", &o, &rej);
    if (!field) {
        T_CHECK(rc == 0, "%s accepted, got: %s", json, rej.reason);
    } else {
        T_CHECK(rc == -1 && !strcmp(rej.field, field) && strstr(rej.reason, field),
                "%s: want field %s, got rc %d field '%s' reason '%s'", json, field, rc, rej.field,
                rej.reason);
    }
    cJSON_Delete(j);
}

static void test_parse(void) {
    parse_case("{\"orderId\":\"o1\",\"symbol\":\"S\",\"side\":\"BUY\",\"type\":\"LIMIT\","
               "\"price\":100,\"quantity\":3}",
               NULL);
    parse_case("{\"orderId\":\"o1\",\"symbol\":\"S\",\"side\":\"SELL\",\"type\":\"LIMIT\","
               "\"price\":9007199254740992,\"quantity\":1}",
               NULL);
    parse_case("[]", "order");
    parse_case("{\"symbol\":\"S\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}",
               "orderId");
    parse_case("{\"orderId\":\"o\",\"side\":\"BUY\",\"type\":\"LIMIT\",\"price\":1,\"quantity\":1}",
               "symbol");
    parse_case("{\"orderId\":\"o\",\"symbol\":\"a b\",\"side\":\"BUY\",\"type\":\"LIMIT\","
               "\"price\":1,\"quantity\":1}",
               "symbol");
    parse_case("{\"orderId\":\"o\",\"symbol\":\"S\",\"side\":\"X\",\"type\":\"LIMIT\",\"price\":1,"
               "\"quantity\":1}",
               "side");
    parse_case("{\"orderId\":\"o\",\"symbol\":\"S\",\"side\":\"BUY\",\"type\":\"IOC\",\"price\":1,"
               "\"quantity\":1}",
               "type");
    const char *bad_nums[] = {"0", "-1", "1.5", "\"1\"", "1e300", "9007199254740994", "null"};
    for (size_t i = 0; i < sizeof bad_nums / sizeof *bad_nums; i++) {
        char buf[256];
        snprintf(buf, sizeof buf,
                 "{\"orderId\":\"o\",\"symbol\":\"S\",\"side\":\"BUY\",\"type\":\"LIMIT\","
                 "\"price\":%s,\"quantity\":1}",
                 bad_nums[i]);
        parse_case(buf, "price");
        snprintf(buf, sizeof buf,
                 "{\"orderId\":\"o\",\"symbol\":\"S\",\"side\":\"BUY\",\"type\":\"LIMIT\","
                 "\"price\":1,\"quantity\":%s}",
                 bad_nums[i]);
        parse_case(buf, "quantity");
    }
    cJSON *j = cJSON_Parse("{\"orderId\":\"o\"}");
    me_order_in o;
    me_reject rej;
    me_order_parse(j, "orders[7].", &o, &rej);
    T_CHECK(!strcmp(rej.field, "orders[7].symbol") && !strncmp(rej.reason, "orders[7].symbol", 16),
            "prefix names the element: %s / %s", rej.field, rej.reason);
    cJSON_Delete(j);
}

/* text_case(json, field): field NULL = accepted; otherwise refused naming that path. */
static void text_case_n(const char *json, size_t len, const char *field) {
    me_reject rej = {{0}, {0}};
    char *copy = malloc(len + 1); /* NUL-terminated at len, as me_http_body leaves a body */
    memcpy(copy, json, len);
    copy[len] = '\0';
    int rc = me_json_text_check(copy, len, &rej);
    if (!field)
        T_CHECK(rc == 0, "%s accepted, got: %s", json, rej.reason);
    else
        T_CHECK(rc == -1 && !strcmp(rej.field, field) && !strncmp(rej.reason, field, strlen(field)),
                "%s: want field %s, got rc %d field '%s' reason '%s'", json, field, rc, rej.field,
                rej.reason);
    free(copy);
}
#define text_case(json, field) text_case_n(json, sizeof(json) - 1, field)

static void test_text_check(void) {
#define ORDER(id, price)                                                                           \
    "{\"orderId\":" id ",\"symbol\":\"S\",\"side\":\"BUY\",\"price\":" price "}"
    text_case(ORDER("\"o1\"", "100"), NULL);
    text_case(" " ORDER("\"o1\"", "100") " \n", NULL);
    text_case(ORDER("\"o1\"", "9007199254740992"), NULL); /* 2^53 is exact */
    text_case(ORDER("\"o1\"", "1.5"), NULL);              /* not an integer: order.c says so */
    text_case(ORDER("\"\u00e9\u20ac\"", "1"), NULL);
    text_case(ORDER("\"\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\"", "1"), NULL); /* é€𝄞 */
    text_case("{\"a\":[1,{\"b\":null}],\"c\":true}", NULL);
    text_case("{\"a\":1", NULL); /* malformed: left to the parser */

    /* trailing characters after the value */
    text_case(ORDER("\"o1\"", "100") "garbage", "body");
    text_case(ORDER("\"o1\"", "100") "}", "body");
    text_case(ORDER("\"o1\"", "100") ORDER("\"o2\"", "100"), "body");
    text_case_n(ORDER("\"o1\"", "100") "\0x", sizeof(ORDER("\"o1\"", "100")) + 1, "body");
    text_case("1 2", "body");

    /* integers beyond 2^53 are not exact as doubles: cJSON would round them silently */
    text_case(ORDER("\"o1\"", "9007199254740993"), "price");
    text_case(ORDER("\"o1\"", "-9007199254740993"), "price");
    text_case(ORDER("\"o1\"", "12345678901234567890"), "price");
    text_case(ORDER("\"o1\"", "9.007199254740993e15"), "price");
    text_case(ORDER("\"o1\"", "1e16"), "price");
    text_case("{\"quantity\":18014398509481985}", "quantity");

    /* strings: \u0000 (cJSON cuts the string there), raw control characters, invalid UTF-8 */
    text_case(ORDER("\"a\\u0000b\"", "1"), "orderId");
    text_case(ORDER("\"a\\u0000\"", "1"), "orderId");
    text_case_n("{\"orderId\":\"a\0b\"}", 16, "orderId");
    text_case(ORDER("\"a\x01\"", "1"), "orderId");
    text_case(ORDER("\"\xff\"", "1"), "orderId");
    text_case(ORDER("\"\xc0\xaf\"", "1"), "orderId");         /* overlong '/' */
    text_case(ORDER("\"\xed\xa0\x80\"", "1"), "orderId");     /* a surrogate */
    text_case(ORDER("\"\xe2\x82\"", "1"), "orderId");         /* cut short */
    text_case(ORDER("\"\xf4\x90\x80\x80\"", "1"), "orderId"); /* above U+10FFFF */
    text_case("{\"symbol\":\"S\xff\"}", "symbol");
    text_case("{\"k\xff\":1}", "body"); /* a bad key names no field */
    text_case("{\"k\\u0000\":1}", "body");
    text_case("\xff", "body");

    /* paths inside a seed: orders[i].field, arrays counted past nested values */
    text_case("{\"orders\":[" ORDER("\"a\"", "1") "," ORDER("\"b\\u0000\"", "1") "]}",
              "orders[1].orderId");
    text_case("{\"orders\":[{\"x\":[1,[2,3],{\"y\":4}]}," ORDER(
                  "\"c\"", "1") ","
                                "{\"orderId\":\"d\",\"price\":9007199254740993}]}",
              "orders[2].price");
    text_case("{\"orders\":[],\"extra\":\"\xff\"}", "extra");
#undef ORDER
    char deep[200] = {0};
    memset(deep, '[', 40);
    text_case_n(deep, 40, "body"); /* nested too deeply */
}

static void test_quote(void) {
    char buf[64];
    T_CHECK(me_json_quote(buf, sizeof buf, "a\"b\\c\n") > 0 &&
                !strcmp(buf, "\"a\\\"b\\\\c\\u000a\""),
            "quoted: %s", buf);
    T_CHECK(me_json_quote(buf, 4, "abcdef") == -1 && buf[0] == '\0', "too small reports -1");
    T_CHECK(me_json_quote(buf, sizeof buf,
                          "a\xff"
                          "b\xc3\xa9\xe2\x82") > 0 &&
                !strcmp(buf, "\"a\\ufffd"
                             "b\xc3\xa9\\ufffd\\ufffd\""),
            "invalid UTF-8 is written as U+FFFD, one per bad byte: %s", buf);
}

static void test_hist(void) {
    me_hist h;
    memset(&h, 0, sizeof h);
    for (int i = 0; i < 99; i++) me_hist_observe(&h, 3e-6);
    me_hist_observe(&h, 0.3);
    T_CHECK(h.count == 100, "count %llu", (unsigned long long)h.count);
    double p50 = me_hist_quantile(&h, 0.5), p99 = me_hist_quantile(&h, 0.99);
    T_CHECK(p50 > 2e-6 && p50 <= 5e-6, "p50 %g in (2us,5us]", p50);
    T_CHECK(p99 > 2e-6 && p99 <= 5e-6, "p99 %g in (2us,5us]", p99);
    T_CHECK(me_hist_quantile(&h, 1.0) > 0.2, "max in the 0.5 s bucket");
    struct evbuffer *b = evbuffer_new();
    me_hist_write(b, "x_seconds", "shard=\"a\"", &h);
    size_t n = evbuffer_get_length(b);
    char *s = calloc(1, n + 1);
    evbuffer_copyout(b, s, n);
    T_CHECK(strstr(s, "x_seconds_bucket{shard=\"a\",le=\"5e-06\"} 99\n") != NULL, "cumulative 5us");
    T_CHECK(strstr(s, "x_seconds_bucket{shard=\"a\",le=\"+Inf\"} 100\n") != NULL, "+Inf bucket");
    T_CHECK(strstr(s, "x_seconds_count{shard=\"a\"} 100\n") != NULL, "count line");
    free(s);
    evbuffer_free(b);
}

static int wait_published(me_pub *p, uint64_t want) {
    me_pub_stats st;
    for (int i = 0; i < 500; i++) {
        me_pub_get_stats(p, &st);
        if (st.published >= want) return 1;
        usleep(10000);
    }
    return 0;
}

static void test_publisher(void) {
    char err[128], path[] = "/tmp/mesim-pub-XXXXXX";
    int fd = mkstemp(path);
    T_CHECK(fd >= 0, "temp file");
    close(fd);
    me_pub *p = me_pub_new("t", 100, path, err, sizeof err);
    T_CHECK(p != NULL, "publisher: %s", err);
    if (!p) return;
    me_event ev[150];
    memset(ev, 0, sizeof ev);
    for (int i = 0; i < 150; i++) {
        snprintf(ev[i].symbol, sizeof ev[i].symbol, "S");
        snprintf(ev[i].taker, sizeof ev[i].taker, "t%d", i);
        snprintf(ev[i].maker, sizeof ev[i].maker, "m\"%d", i);
        ev[i].price = 100 + i;
        ev[i].qty = 1;
    }
    me_pub_set_paused(p, 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t dropped = me_pub_push(p, ev, 60);
    dropped += me_pub_push(p, ev + 60, 90);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    me_pub_stats st;
    me_pub_get_stats(p, &st);
    T_CHECK(dropped == 50 && st.dropped == 50, "50 dropped over the bound, got %zu/%llu", dropped,
            (unsigned long long)st.dropped);
    T_CHECK(st.pending == 100 && st.published == 0 && st.paused,
            "paused: 100 pending, 0 published");
    T_CHECK((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec) < 50e6,
            "pushing while paused does not wait");
    me_pub_set_paused(p, 0);
    T_CHECK(wait_published(p, 100), "resume drains the backlog");
    me_pub_get_stats(p, &st);
    T_CHECK(st.published + st.pending + st.dropped == 150, "published+pending+dropped = pushed");
    me_pub_push(p, ev, 10); /* fewer than a batch: drained by the linger timer */
    T_CHECK(wait_published(p, 110), "a trickle is drained too");
    me_pub_free(p);
    FILE *f = fopen(path, "r");
    int lines = 0, escaped = 0;
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        lines++;
        if (strstr(line, "\"restingOrderId\":\"m\\\"")) escaped++;
    }
    T_CHECK(lines == 110 && escaped == 110, "110 JSON lines with escaped ids, got %d/%d", lines,
            escaped);
    if (f) fclose(f);
    unlink(path);
}

/* A pause that lands while the drainer lingers over a short batch must not end the drainer
 * (it once did: `break` meant for stopping, and nothing was published after the resume). Pauses
 * are thrown at every point of the 2 ms linger; after the last resume everything drains. */
static void test_publisher_pause_races(void) {
    char err[128];
    me_pub *p = me_pub_new("r", 100000, NULL, err, sizeof err);
    T_CHECK(p != NULL, "publisher: %s", err);
    if (!p) return;
    me_event ev[8];
    memset(ev, 0, sizeof ev);
    uint64_t pushed = 0;
    for (int i = 0; i < 300; i++) {
        me_pub_push(p, ev, 8); /* fewer than a batch: the drainer lingers */
        pushed += 8;
        usleep((useconds_t)(i % 30) * 100); /* 0..2.9 ms: somewhere in the linger */
        me_pub_set_paused(p, 1);
        me_pub_push(p, ev, 8);
        pushed += 8;
        me_pub_set_paused(p, 0);
    }
    T_CHECK(wait_published(p, pushed), "after 300 pause/resume races, all %llu events published",
            (unsigned long long)pushed);
    me_pub_free(p);
}

int main(void) {
    test_text_check();
    test_parse();
    test_quote();
    test_hist();
    test_publisher();
    test_publisher_pause_races();
    return T_DONE();
}
