/* test_output_ndjson.c — the json output: line kinds, per-interval aggregates that add up to the
 * totals, static tags, gzip, errors. */
#include "metrics/metrics.h"
#include "output/output.h"
#include "t.h"
#include <cjson/cJSON.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static bool near(double a, double b) {
    return fabs(a - b) <= 1e-9 * (fabs(b) > 1 ? fabs(b) : 1);
}

static double num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? v->valuedouble : NAN;
}
static const char *str(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Reads every line (plain or gzip: gzopen reads both). */
static int read_lines(const char *path, cJSON **lines, int max) {
    gzFile f = gzopen(path, "rb");
    if (!f) return -1;
    static char buf[1 << 16];
    int n = 0;
    while (n < max && gzgets(f, buf, sizeof buf)) {
        size_t l = strlen(buf);
        if (l == 0 || buf[l - 1] != '\n') {
            n = -2; /* every line ends with a newline */
            break;
        }
        lines[n] = cJSON_Parse(buf);
        if (!lines[n]) {
            n = -3;
            break;
        }
        n++;
    }
    gzclose(f);
    return n;
}

static void run_one(const char *path, uint32_t ta, uint32_t tb, int m_custom) {
    char spec[300], err[300] = "";
    snprintf(spec, sizeof spec, "lt-json=%s", path);
    output *o = output_create(spec, err, sizeof err);
    T_CHECK(o != NULL, "create %s: %s", spec, err);
    if (!o) return;
    const char *keys[] = {"testid", "scenario"};
    const char *vals[] = {"run7", "from-static"};
    output_run ri = {.script = "s.lua",
                     .time_scale = 0.5,
                     .started_unix = 1700000000.25,
                     .planned_duration = 3,
                     .nstatic_tags = 2,
                     .static_keys = keys,
                     .static_vals = vals};
    T_CHECK(o->start(o, &ri, err, sizeof err) == 0, "start: %s", err);
    store *total = store_new(), *iv = store_new();
    for (int s = 1; s <= 3; s++) {
        store_clear(iv);
        for (int i = 0; i < 10 * s; i++) {
            uint32_t tg = i % 2 ? ta : tb;
            store_add(iv, M_HTTP_REQS, tg, 1);
            store_add(iv, M_HTTP_REQ_DURATION, tg, 1 + i);
            store_add(iv, M_CHECKS, tg, i % 3 != 0);
            store_add(iv, m_custom, ta, 2.5);
        }
        store_add(iv, M_ITERATIONS, ta, 1);
        store_add(iv, M_VUS, ta, s);
        store_merge(total, iv);
        o->interval(o, 1700000000.25 + s, 1.0, iv, total);
    }
    o->stop(o, total);
    o->destroy(o);
    store_free(total);
    store_free(iv);

    cJSON *lines[200];
    int n = read_lines(path, lines, 200);
    T_CHECK(n > 3, "%s: %d lines", path, n);
    if (n <= 3) return;
    T_CHECK(!strcmp(str(lines[0], "type"), "run") && !strcmp(str(lines[0], "script"), "s.lua") &&
                near(num(lines[0], "started"), 1700000000.25) &&
                near(num(lines[0], "time_scale"), 0.5),
            "run line");
    T_CHECK(!strcmp(str(lines[n - 1], "type"), "end"), "end line last");
    double reqs = 0, dur_count = 0, passes = 0, fails = 0, iters = 0, vus_last = -1;
    int points = 0;
    bool tags_ok = true, t_ok = true;
    double dur_max = 0;
    for (int i = 1; i < n - 1; i++) {
        const cJSON *p = lines[i];
        T_CHECK(!strcmp(str(p, "type"), "point"), "line %d is a point", i);
        points++;
        const char *m = str(p, "metric");
        const cJSON *tags = cJSON_GetObjectItemCaseSensitive(p, "tags");
        tags_ok &= !strcmp(str(tags, "testid"), "run7");
        /* a sample's own tag wins over --tag */
        if (!strcmp(m, "http_reqs")) tags_ok &= !strcmp(str(tags, "scenario"), "default");
        t_ok &= num(p, "t") > 1700000001 && num(p, "t") < 1700000004 && near(num(p, "dt"), 1);
        if (!strcmp(m, "http_reqs")) {
            reqs += num(p, "value");
            T_CHECK(!strcmp(str(p, "metric_type"), "counter") &&
                        near(num(p, "rate"), num(p, "value")) &&
                        near(num(p, "count"), num(p, "value")),
                    "counter point");
        } else if (!strcmp(m, "http_req_duration")) {
            dur_count += num(p, "count");
            T_CHECK(num(p, "min") <= num(p, "p50") && num(p, "p50") <= num(p, "p90") &&
                        num(p, "p90") <= num(p, "p95") && num(p, "p95") <= num(p, "p99") &&
                        num(p, "p99") <= num(p, "max") && !isnan(num(p, "avg")),
                    "trend point ordered");
            dur_max = fmax(dur_max, num(p, "max"));
        } else if (!strcmp(m, "checks")) {
            passes += num(p, "passes");
            fails += num(p, "fails");
            T_CHECK(near(num(p, "rate"), num(p, "passes") / (num(p, "passes") + num(p, "fails"))),
                    "rate point");
        } else if (!strcmp(m, "iterations")) {
            iters += num(p, "value");
        } else if (!strcmp(m, "vus")) {
            vus_last = num(p, "value");
        } else if (!strcmp(m, "match_latency_ms")) {
            T_CHECK(near(num(p, "p99"), 2.5), "custom trend in its unit");
        }
    }
    T_CHECK(tags_ok, "tags with --tag");
    T_CHECK(t_ok, "t and dt");
    T_CHECK(near(reqs, 60), "http_reqs per interval add up: %g", reqs);
    T_CHECK(near(dur_count, 60), "duration counts add up: %g", dur_count);
    T_CHECK(near(iters, 3), "iterations: %g", iters);
    T_CHECK(near(vus_last, 3), "vus: %g", vus_last);
    T_CHECK(near(dur_max, 30), "max: %g", dur_max);
    const cJSON *tm = cJSON_GetObjectItemCaseSensitive(lines[n - 1], "metrics");
    const cJSON *hr = cJSON_GetObjectItemCaseSensitive(tm, "http_reqs");
    T_CHECK(near(num(hr, "count"), 60) && near(num(hr, "value"), 60), "end: http_reqs");
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(tm, "checks");
    T_CHECK(near(num(ch, "passes"), passes) && near(num(ch, "fails"), fails), "end: checks");
    const cJSON *hd = cJSON_GetObjectItemCaseSensitive(tm, "http_req_duration");
    T_CHECK(near(num(hd, "count"), 60) && near(num(hd, "max"), 30) && !isnan(num(hd, "med")),
            "end: duration");
    T_CHECK(!strcmp(str(hd, "type"), "trend"), "end: type");
    for (int i = 0; i < n; i++) cJSON_Delete(lines[i]);
}

int main(void) {
    metrics_init();
    char err[200];
    int m_custom = metric_register("match_latency_ms", METRIC_TREND, true, err, sizeof err);
    tag_cache *tc = tag_cache_new();
    tag_builder b = {0};
    tags_put(&b, "status", "200");
    tags_put(&b, "scenario", "default");
    uint32_t ta = tagset_intern(tc, &b);
    tags_put(&b, "status", "500");
    uint32_t tb = tagset_intern(tc, &b);

    char dir[] = "/tmp/lt-ndjson-XXXXXX";
    T_CHECK(mkdtemp(dir) != NULL, "mkdtemp");
    char path[300], gz[300];
    snprintf(path, sizeof path, "%s/out.ndjson", dir);
    snprintf(gz, sizeof gz, "%s/out.ndjson.gz", dir);
    run_one(path, ta, tb, m_custom);
    run_one(gz, ta, tb, m_custom);
    FILE *f = fopen(gz, "rb");
    unsigned char magic[2] = {0};
    T_CHECK(f && fread(magic, 1, 2, f) == 2 && magic[0] == 0x1f && magic[1] == 0x8b, ".gz is gzip");
    if (f) fclose(f);

    err[0] = '\0';
    output *o = output_create("lt-json=", err, sizeof err);
    T_CHECK(!o && strstr(err, "FILE"), "json= without file: %s", err);
    o = output_create("lt-json=/nonexistent-dir/x.json", err, sizeof err);
    output_run ri = {.script = "s.lua", .time_scale = 1};
    T_CHECK(o && o->start(o, &ri, err, sizeof err) != 0 && strstr(err, "nonexistent"),
            "unwritable path: %s", err);
    if (o) o->destroy(o);
    o = output_create("lt-json=/nonexistent-dir/x.json.gz", err, sizeof err);
    T_CHECK(o && o->start(o, &ri, err, sizeof err) != 0, "unwritable .gz path: %s", err);
    if (o) o->destroy(o);
    if (getenv("KEEP")) return T_DONE();
    unlink(path);
    unlink(gz);
    rmdir(dir);
    tag_cache_free(tc);
    return T_DONE();
}
