/* args.c — command-line parsing and help. */
#include "cli/args.h"
#include "cli/k6_env.h"
#include "plan/duration.h"
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void args_print_help(void) {
    fputs(
        "lt — a Lua-scriptable HTTP load tester (k6's vocabulary, wrk's engine)\n"
        "\n"
        "Usage:\n"
        "  lt -s SCRIPT [flags]        run a test (same as: lt run SCRIPT [flags])\n"
        "  lt inspect SCRIPT [flags]   print the resolved options as JSON; sends no traffic\n"
        "  lt report [--format md|json] [-o FILE] SUMMARY...\n"
        "                              the spec's ASR verdicts from JSON summaries\n"
        "  lt merge [-o FILE] [--threshold 'METRIC=EXPR']... SUMMARY...\n"
        "                              one summary of a distributed test; its thresholds judged\n"
        "                              again on the whole (exit 0/99, 112 cannot be merged)\n"
        "  lt version                  print the version\n"
        "\n"
        "Flags:\n"
        "  -e, --env KEY=VALUE         set lt.env.KEY for the script (repeatable)\n"
        "  -o, --out SPEC              also write results: json=FILE[.gz] or csv=FILE[.gz] (every\n"
        "                              sample, k6's formats), lt-json=FILE[.gz] (per-second\n"
        "                              aggregates), prometheus-rw[=URL]\n"
        "      --summary-export FILE   write the JSON summary to FILE ('-' for stdout)\n"
        "      --threads N             worker threads (default: number of cores)\n"
        "  -u, --vus N                 run N VUs (with --duration or --iterations) instead of the "
        "scenarios\n"
        "  -d, --duration D            run for D (\"30s\", \"5m\") instead of the scenarios\n"
        "  -i, --iterations N          run N iterations shared by the VUs instead of the "
        "scenarios\n"
        "      --time-scale F          multiply every duration, start time and stage by F (rates "
        "stay)\n"
        "      --schedule-precision D  arrival-rate starts due within D of each other share one\n"
        "                              wake-up (e.g. 1ms: less CPU, up to D late; default 0)\n"
        "      --seed N                seed the per-VU random streams (lt.random) for a "
        "reproducible run\n"
        "      --tag KEY=VALUE         add a label to everything outputs write (repeatable)\n"
        "      --ca FILE               trust the certificates in FILE (PEM) for https://\n"
        "      --insecure-skip-tls-verify  do not verify TLS certificates\n"
        "      --user-agent UA         User-Agent of every request that sets none (default\n"
        "                              lt/VERSION; '' sends none; replaces options.userAgent)\n"
        "      --batch N               http.batch: requests in flight at once (default 20)\n"
        "      --batch-per-host N      ... and to one host (default 6; 0: no limit)\n"
        "      --no-connection-reuse   every request on a new connection (no keep-alive)\n"
        "      --no-vu-connection-reuse  close a VU's connections after each iteration\n"
        "      --no-thresholds         do not evaluate thresholds (exit 0 unless something broke)\n"
        "                              (boolean flags take =false too: it turns off the script's\n"
        "                              option of the same meaning, as in k6)\n"
        "      --max-tag-sets N        distinct tag sets kept (default 10000); later ones are\n"
        "                              folded into series tagged series_overflow=true\n"
        "      --scrape URL            read a Prometheus endpoint once a second during the run and "
        "keep\n"
        "                              its series as gauges (repeatable; replaces "
        "options.scrape.urls)\n"
        "      --scrape-filter PATTERN keep only scraped metrics matching PATTERN, a glob such as "
        "'me_*'\n"
        "                              (repeatable; replaces options.scrape.metrics)\n"
        "      --execution-segment SEG run only this share of the test, k6's segment such as "
        "'1/3:2/3'\n"
        "      --execution-segment-sequence SEQ  the segments of all instances, e.g. "
        "'0,1/3,2/3,1'\n"
        "      --start-at TIME         start the load (after setup) at TIME: RFC 3339 "
        "(2026-01-02T15:04:05Z)\n"
        "                              or unix seconds; within 24 h from now\n"
        "  -q, --quiet                 no progress output\n"
        "      --no-color              no colours in the summary\n"
        "  -h, --help                  this help\n"
        "\n"
        "k6's K6_VUS, K6_DURATION, K6_OUT, K6_TAGS, ... variables are these flags (a flag given\n"
        "wins); K6_* variables lt does not implement stop the run (104); see README.\n"
        "\n"
        "Exit codes: 0 passed, 2 bad command line, 99 thresholds failed, 104 invalid options,\n"
        "            105 interrupted (Ctrl-C, SIGTERM), 107 script error, 108 lt.abort() called.\n"
        "\n"
        "Examples:\n"
        "  lt -s lua/b4_hot_symbol.lua -e GATEWAY_URL=http://127.0.0.1:8080\n"
        "  lt run lua/a2_normal_load.lua --time-scale 0.1 --summary-export a2.json\n"
        "  lt -s script.lua --vus 50 --duration 10s --out json=results.json.gz\n"
        "  lt inspect lua/b3_ramp.lua\n",
        stdout);
}

/* RFC 3339 ("2026-01-02T15:04:05Z", "...05.250+01:00") or unix seconds, into unix seconds. */
static int parse_start_at(const char *v, double *out, char *err, size_t errlen) {
    char *end;
    double u = strtod(v, &end);
    if (end != v && !*end && isfinite(u) && u > 0) {
        *out = u;
        return 0;
    }
    struct tm tm = {0};
    const char *p = strptime(v, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!p) p = strptime(v, "%Y-%m-%d %H:%M:%S", &tm);
    double frac = 0, offset = 0;
    if (p && *p == '.') {
        frac = strtod(p, &end);
        p = end;
    }
    if (p && (*p == 'Z' || *p == 'z') && !p[1]) {
        p = "";
    } else if (p && (*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int hh, mm;
        if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2) p = NULL;
        offset = (*p == '+' ? 1 : -1) * (hh * 3600.0 + mm * 60.0);
        p = "";
    }
    if (!p || *p)
        return snprintf(err, errlen,
                        "--start-at takes an RFC 3339 time (2026-01-02T15:04:05Z) or unix seconds, "
                        "got '%s'",
                        v),
               -1;
    *out = (double)timegm(&tm) + frac - offset;
    return 0;
}

static int split_kv(const char *s, const char **k, const char **v, char *buf, size_t len,
                    const char *flag, char *err, size_t errlen) {
    const char *eq = strchr(s, '=');
    if (!eq || eq == s) {
        snprintf(err, errlen, "%s takes KEY=VALUE, got '%s'", flag, s);
        return -1;
    }
    snprintf(buf, len, "%.*s", (int)(eq - s), s);
    *k = buf;
    *v = eq + 1;
    return 0;
}

/* A boolean flag: FLAG alone or FLAG=BOOL (Go's spellings, as k6's flags take). *out is 1 for
 * on, -1 for off: an off given is not the same as none given when it overrides a script. */
static int bool_flag(const char *flag, const char *val, signed char *out, char *err,
                     size_t errlen) {
    int b = val ? parse_go_bool(val) : 1;
    if (b < 0) return snprintf(err, errlen, "%s=%s: not a boolean (true or false)", flag, val), -1;
    *out = b ? 1 : -1;
    return 0;
}

static int parse_long(const char *s, long min, long *out, const char *flag, char *err,
                      size_t errlen) {
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min) {
        snprintf(err, errlen, "%s takes a whole number >= %ld, got '%s'", flag, min, s);
        return -1;
    }
    *out = v;
    return 0;
}

int args_parse(int argc, char **argv, cli_args *a, char *err, size_t errlen) {
    memset(a, 0, sizeof *a);
    a->cmd = CMD_RUN;
    a->time_scale = 1;
    a->batch_per_host = -1;
    int i = 1;
    if (argc < 2) {
        snprintf(err, errlen, "no script given (try: lt -s SCRIPT, or lt --help)");
        return -1;
    }
    if (strcmp(argv[1], "run") == 0)
        i = 2;
    else if (strcmp(argv[1], "inspect") == 0)
        a->cmd = CMD_INSPECT, i = 2;
    else if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        a->cmd = CMD_VERSION;
        return 0;
    } else if (strcmp(argv[1], "help") == 0) {
        a->cmd = CMD_HELP;
        return 0;
    }
    for (; i < argc; i++) {
        const char *f = argv[i];
        const char *val = NULL;
        char flagbuf[64];
        /* --flag=value */
        if (f[0] == '-' && f[1] == '-' && strchr(f, '=')) {
            const char *eq = strchr(f, '=');
            snprintf(flagbuf, sizeof flagbuf, "%.*s", (int)(eq - f), f);
            val = eq + 1;
            f = flagbuf;
        }
#define IS(x) (strcmp(f, x) == 0)
#define NEED()                                                                                     \
    do {                                                                                           \
        if (!val) {                                                                                \
            if (i + 1 >= argc) {                                                                   \
                snprintf(err, errlen, "%s needs a value", f);                                      \
                return -1;                                                                         \
            }                                                                                      \
            val = argv[++i];                                                                       \
        }                                                                                          \
    } while (0)
        if (IS("-h") || IS("--help")) {
            a->cmd = CMD_HELP;
            return 0;
        } else if (IS("-s") || IS("--script")) {
            NEED();
            a->script = val;
        } else if (IS("-e") || IS("--env")) {
            NEED();
            if (a->nenv == MAX_LIST) return snprintf(err, errlen, "too many -e"), -1;
            if (split_kv(val, &a->env_keys[a->nenv], &a->env_vals[a->nenv], a->keybuf[a->nenv], 256,
                         "-e", err, errlen))
                return -1;
            a->nenv++;
        } else if (IS("--tag")) {
            NEED();
            if (a->ntags == MAX_LIST) return snprintf(err, errlen, "too many --tag"), -1;
            if (split_kv(val, &a->tag_keys[a->ntags], &a->tag_vals[a->ntags],
                         a->keybuf[MAX_LIST + a->ntags], 256, "--tag", err, errlen))
                return -1;
            a->ntags++;
        } else if (IS("-o") || IS("--out")) {
            NEED();
            if (a->nouts == MAX_LIST) return snprintf(err, errlen, "too many --out"), -1;
            a->outs[a->nouts++] = val;
        } else if (IS("--summary-export")) {
            NEED();
            a->summary_export = val;
        } else if (IS("--ca")) {
            NEED();
            a->ca_file = val;
        } else if (IS("--threads")) {
            NEED();
            long n;
            if (parse_long(val, 1, &n, "--threads", err, errlen)) return -1;
            if (n > 256) return snprintf(err, errlen, "--threads: at most 256"), -1;
            a->threads = (int)n;
        } else if (IS("-u") || IS("--vus")) {
            NEED();
            long n;
            if (parse_long(val, 1, &n, "--vus", err, errlen)) return -1;
            a->vus = (int)n;
        } else if (IS("-d") || IS("--duration")) {
            NEED();
            double s;
            char e[128];
            if (duration_parse(val, &s, e, sizeof e) != 0)
                return snprintf(err, errlen, "--duration: %s", e), -1;
            a->duration = val;
        } else if (IS("-i") || IS("--iterations")) {
            NEED();
            if (parse_long(val, 1, &a->iterations, "--iterations", err, errlen)) return -1;
        } else if (IS("--execution-segment")) {
            NEED();
            a->execution_segment = val;
        } else if (IS("--execution-segment-sequence")) {
            NEED();
            a->execution_segment_sequence = val;
        } else if (IS("--start-at")) {
            NEED();
            if (parse_start_at(val, &a->start_at, err, errlen)) return -1;
        } else if (IS("--time-scale")) {
            NEED();
            char *end;
            double t = strtod(val, &end);
            if (end == val || *end || !isfinite(t) || t <= 0 || t > 1000)
                return snprintf(err, errlen, "--time-scale takes a number > 0 (e.g. 0.1), got '%s'",
                                val),
                       -1;
            a->time_scale = t;
        } else if (IS("--schedule-precision")) {
            NEED();
            char e[128];
            if (duration_parse(val, &a->schedule_precision, e, sizeof e) != 0)
                return snprintf(err, errlen, "--schedule-precision: %s", e), -1;
            if (a->schedule_precision > 1)
                return snprintf(err, errlen, "--schedule-precision: at most 1s, got '%s'", val), -1;
        } else if (IS("--seed")) {
            NEED();
            char *end;
            errno = 0;
            unsigned long long s = strtoull(val, &end, 10);
            if (errno || end == val || *end)
                return snprintf(err, errlen, "--seed takes a whole number, got '%s'", val), -1;
            a->seed = s;
            a->seeded = true;
        } else if (IS("--scrape")) {
            NEED();
            if (a->nscrape_urls == MAX_LIST) return snprintf(err, errlen, "too many --scrape"), -1;
            a->scrape_urls[a->nscrape_urls++] = val;
        } else if (IS("--scrape-filter")) {
            NEED();
            if (!*val) return snprintf(err, errlen, "--scrape-filter needs a pattern"), -1;
            if (a->nscrape_filters == MAX_LIST)
                return snprintf(err, errlen, "too many --scrape-filter"), -1;
            a->scrape_filters[a->nscrape_filters++] = val;
        } else if (IS("--max-tag-sets")) {
            NEED();
            if (parse_long(val, 1, &a->max_tag_sets, "--max-tag-sets", err, errlen)) return -1;
        } else if (IS("--user-agent")) {
            NEED();
            a->user_agent = val;
        } else if (IS("--batch")) {
            NEED();
            if (parse_long(val, 1, &a->batch, "--batch", err, errlen)) return -1;
        } else if (IS("--batch-per-host")) {
            NEED();
            if (parse_long(val, 0, &a->batch_per_host, "--batch-per-host", err, errlen)) return -1;
        } else if (IS("--no-connection-reuse")) {
            if (bool_flag(f, val, &a->no_connection_reuse, err, errlen)) return -1;
        } else if (IS("--no-vu-connection-reuse")) {
            if (bool_flag(f, val, &a->no_vu_connection_reuse, err, errlen)) return -1;
        } else if (IS("--no-thresholds")) {
            signed char on;
            if (bool_flag(f, val, &on, err, errlen)) return -1;
            a->no_thresholds = on > 0;
        } else if (IS("-q") || IS("--quiet")) {
            a->quiet = true;
        } else if (IS("--no-color")) {
            signed char on;
            if (bool_flag(f, val, &on, err, errlen)) return -1;
            a->no_color = on > 0;
        } else if (IS("--insecure-skip-tls-verify")) {
            if (bool_flag(f, val, &a->insecure, err, errlen)) return -1;
        } else if (f[0] == '-' && f[1]) {
            snprintf(err, errlen, "unknown flag '%s' (see lt --help)", f);
            return -1;
        } else if (!a->script) {
            a->script = f;
        } else {
            snprintf(err, errlen, "unexpected argument '%s' (one script per run)", f);
            return -1;
        }
#undef IS
#undef NEED
    }
    if (!a->script) {
        snprintf(err, errlen, "no script given (try: lt -s SCRIPT, or lt --help)");
        return -1;
    }
    return 0;
}
