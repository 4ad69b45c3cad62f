/* merge.c — `lt merge`: command line, reading the summaries, the checks that they describe one
 * test, and the merged summary's verdict. How one summary's series become store entries (the
 * combination rules) is in merge_series.c. */
#include "cli/merge.h"
#include "cli/merge_internal.h"
#include "cli/report.h"
#include "exec/run.h"
#include "output/output.h"
#include "output/summary.h"
#include "output/summary_write.h"
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char MERGE_USAGE[] =
    "usage: lt merge [-o FILE] [-q] [--no-color] [--threshold 'METRIC=EXPR']... [--no-thresholds] "
    "SUMMARY...  ('-' reads a summary from stdin)";

typedef struct {
    const char *out; /* "-": stdout */
    bool quiet, no_color, no_thresholds;
    const char **thresholds; /* "METRIC=EXPR" */
    int nthresholds;
    const char **files;
    int nfiles;
} merge_args;

static int usage_error(const char *what) {
    fprintf(stderr, "lt merge: %s\n%s\n", what, MERGE_USAGE);
    return EXIT_USAGE;
}

/* Splits "METRIC=EXPR" at its first '=' outside the selector's braces (a tag value may hold '=',
 * an expression may hold "<="). Returns the length of METRIC, or -1 when malformed. */
static int threshold_split(const char *spec) {
    int depth = 0;
    for (int i = 0; spec[i]; i++) {
        if (spec[i] == '{') depth++;
        if (spec[i] == '}') depth--;
        if (spec[i] == '=' && depth == 0) return i > 0 ? i : -1;
    }
    return -1;
}

/* A --threshold value parses as k6's selector and expression; the message names what is wrong. */
static int threshold_spec_check(const char *spec, char *err, size_t errlen) {
    int k = threshold_split(spec);
    if (k < 0)
        return snprintf(err, errlen,
                        "--threshold '%s': expected METRIC=EXPR, as "
                        "'http_req_duration=p(99)<200'",
                        spec),
               -1;
    char name[256], e[160];
    snprintf(name, sizeof name, "%.*s", k, spec);
    metric_selector sel;
    threshold_expr expr;
    if (selector_parse(name, &sel, e, sizeof e) != 0 ||
        threshold_parse(spec + k + 1, &expr, e, sizeof e) != 0)
        return snprintf(err, errlen, "--threshold '%s': %s", spec, e), -1;
    return 0;
}

/* One file named twice (a glob and a name, say) would count its requests twice: refused. */
static int check_distinct_files(const merge_args *a) {
    char **real = calloc((size_t)(unsigned)a->nfiles + 1, sizeof *real);
    int rc = 0;
    for (int i = 0; i < a->nfiles && rc == 0; i++) {
        real[i] = strcmp(a->files[i], "-") == 0 ? NULL : realpath(a->files[i], NULL);
        for (int j = 0; j < i && real[i] && rc == 0; j++)
            if (real[j] && strcmp(real[i], real[j]) == 0) {
                char msg[1024];
                snprintf(msg, sizeof msg, "%s and %s are the same file: it would count twice",
                         a->files[j], a->files[i]);
                rc = usage_error(msg);
            }
    }
    for (int i = 0; i < a->nfiles; i++) free(real[i]);
    free(real);
    return rc;
}

static int parse_merge_args(int argc, char **argv, merge_args *a) {
    memset(a, 0, sizeof *a);
    a->out = "-";
    a->thresholds = calloc((size_t)(unsigned)argc + 1, sizeof *a->thresholds);
    a->files = calloc((size_t)(unsigned)argc + 1, sizeof *a->files);
    for (int i = 1; i < argc; i++) {
        const char *f = argv[i];
        char msg[512];
        if (strcmp(f, "-h") == 0 || strcmp(f, "--help") == 0) {
            printf("%s\n", MERGE_USAGE);
            return -1;
        } else if (strcmp(f, "-o") == 0 || strcmp(f, "--threshold") == 0) {
            if (i + 1 >= argc) {
                snprintf(msg, sizeof msg, "%s needs a value", f);
                return usage_error(msg);
            }
            const char *v = argv[++i];
            if (f[1] == 'o') {
                a->out = v;
            } else {
                if (threshold_spec_check(v, msg, sizeof msg) != 0) return usage_error(msg);
                a->thresholds[a->nthresholds++] = v;
            }
        } else if (strcmp(f, "-q") == 0 || strcmp(f, "--quiet") == 0) {
            a->quiet = true;
        } else if (strcmp(f, "--no-color") == 0) {
            a->no_color = true;
        } else if (strcmp(f, "--no-thresholds") == 0) {
            a->no_thresholds = true;
        } else if (f[0] == '-' && f[1] != 0) {
            snprintf(msg, sizeof msg, "unknown flag %s", f);
            return usage_error(msg);
        } else {
            a->files[a->nfiles++] = f;
        }
    }
    if (a->nfiles == 0) return usage_error("no summary given");
    int stdin_uses = 0;
    for (int i = 0; i < a->nfiles; i++) stdin_uses += strcmp(a->files[i], "-") == 0;
    if (stdin_uses > 1) return usage_error("'-' (stdin) can be given once");
    return check_distinct_files(a);
}

/* ---------------- reading ---------------- */

static char *read_all(FILE *f, size_t *len) {
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap) break;
        char *bigger = realloc(buf, (cap *= 2) + 1);
        if (!bigger) free(buf);
        buf = bigger;
    }
    if (buf && ferror(f)) {
        free(buf);
        return NULL;
    }
    if (buf) buf[n] = 0;
    *len = n;
    return buf;
}

/* Seconds since the epoch of "YYYY-MM-DDTHH:MM:SSZ"; NAN when malformed. */
static double parse_utc(const char *s) {
    struct tm tm = {0};
    const char *end = s ? strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    return end && *end == 0 ? (double)timegm(&tm) : NAN;
}

static const char *get_string(const cJSON *o, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The keys every lt summary has, with their JSON types: what a tool may rely on. */
static int check_shape(const cJSON *root, char *err, size_t errlen) {
    static const struct {
        const char *key;
        int type;
    } keys[] = {
        {"script", cJSON_String},     {"time_scale", cJSON_Number}, {"started_at", cJSON_String},
        {"duration_s", cJSON_Number}, {"options", cJSON_Object},    {"metrics", cJSON_Object},
        {"series", cJSON_Array},      {"scenarios", cJSON_Object},  {"thresholds", cJSON_Array}};
    const char *schema = get_string(root, "schema");
    if (!schema || strcmp(schema, "lt-summary/1") != 0)
        return snprintf(err, errlen, "not an lt summary (no \"schema\": \"lt-summary/1\")"), -1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, keys[i].key);
        if (!v || (v->type & 0xFF) != keys[i].type)
            return snprintf(err, errlen, "not a complete lt summary: \"%s\" is %s", keys[i].key,
                            v ? "of the wrong type" : "missing"),
                   -1;
    }
    return 0;
}

/* Reads and parses one summary; the tree is the caller's. 0, or -1 with err (exit 111). */
static int load_input(merge_input *in, char *err, size_t errlen) {
    bool is_stdin = strcmp(in->name, "-") == 0;
    if (!in->text) {
        FILE *f = is_stdin ? stdin : fopen(in->name, "rb");
        if (!f) return snprintf(err, errlen, "cannot open: %s", strerror(errno)), -1;
        in->text = read_all(f, &in->len);
        if (!is_stdin) fclose(f);
        if (!in->text) return snprintf(err, errlen, "read error"), -1;
    }
    in->root = cJSON_ParseWithLength(in->text, in->len);
    if (!in->root) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= in->text && at <= in->text + in->len ? (long)(at - in->text) : -1;
        return snprintf(err, errlen, "not JSON, or truncated (%zu bytes, error at byte %ld)",
                        in->len, off),
               -1;
    }
    if (check_shape(in->root, err, errlen) != 0) return -1;
    in->script = get_string(in->root, "script");
    in->time_scale = cJSON_GetObjectItemCaseSensitive(in->root, "time_scale")->valuedouble;
    const cJSON *su = cJSON_GetObjectItemCaseSensitive(in->root, "started_unix");
    in->start =
        cJSON_IsNumber(su) ? su->valuedouble : parse_utc(get_string(in->root, "started_at"));
    if (isnan(in->start))
        return snprintf(err, errlen, "started_at: not a UTC time (YYYY-MM-DDTHH:MM:SSZ)"), -1;
    in->duration = cJSON_GetObjectItemCaseSensitive(in->root, "duration_s")->valuedouble;
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(in->root, "exit_code");
    in->exit_code = cJSON_IsNumber(code) ? (int)code->valuedouble : 0;
    in->end = in->start + in->duration;
    return 0;
}

static const char *display_name(const merge_input *in) {
    return strcmp(in->name, "-") == 0 ? "(stdin)" : in->name;
}

/* ---------------- one test? ---------------- */

static const char *base_name(const char *path) {
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The options with what may differ per instance taken out: the tags (an instance's name), the
 * time scale (compared on its own, with its own message) and how the summary was shown
 * (noColor, summaryTimeUnit: k6's summary options, not the test's). */
static cJSON *comparable_options(const cJSON *root) {
    cJSON *o = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(root, "options"), 1);
    cJSON_DeleteItemFromObjectCaseSensitive(o, "tags");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "timeScale");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "noColor");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "summaryTimeUnit");
    return o;
}

/* Names the first key (two levels deep: "scenarios.ramp") where a and b differ, into path. */
static void first_difference(const cJSON *a, const cJSON *b, char *path, size_t len) {
    const cJSON *k;
    for (int side = 0; side < 2; side++) {
        const cJSON *x = side ? b : a, *y = side ? a : b;
        cJSON_ArrayForEach(k, x) {
            const cJSON *other = cJSON_GetObjectItemCaseSensitive(y, k->string);
            if (other && cJSON_Compare(k, other, true)) continue;
            const cJSON *inner;
            if (other && cJSON_IsObject(k) && cJSON_IsObject(other)) {
                cJSON_ArrayForEach(inner, k) {
                    const cJSON *o2 = cJSON_GetObjectItemCaseSensitive(other, inner->string);
                    if (!o2 || !cJSON_Compare(inner, o2, true)) {
                        snprintf(path, len, "%s.%s", k->string, inner->string);
                        return;
                    }
                }
            }
            snprintf(path, len, "%s", k->string);
            return;
        }
    }
    snprintf(path, len, "(unknown)");
}

/* 0 when b is a summary of the same test as a; -1 with a message naming both files. */
static int check_same_test(const merge_input *a, const merge_input *b, const cJSON *a_opts,
                           char *err, size_t errlen) {
    if (strcmp(base_name(a->script), base_name(b->script)) != 0)
        return snprintf(err, errlen, "%s and %s are summaries of different scripts (%s, %s)",
                        display_name(a), display_name(b), a->script, b->script),
               -1;
    if (a->time_scale != b->time_scale)
        return snprintf(err, errlen, "%s and %s ran at different time scales (%g, %g)",
                        display_name(a), display_name(b), a->time_scale, b->time_scale),
               -1;
    cJSON *b_opts = comparable_options(b->root);
    int rc = 0;
    if (!cJSON_Compare(a_opts, b_opts, true)) {
        char path[300];
        first_difference(a_opts, b_opts, path, sizeof path);
        snprintf(err, errlen,
                 "%s and %s ran the script with different options (options.%s differs)",
                 display_name(a), display_name(b), path);
        rc = -1;
    }
    cJSON_Delete(b_opts);
    return rc;
}

/* ---------------- the merged plan ---------------- */

/* Applies the --threshold values to options.thresholds: the first one naming a metric (selector)
 * replaces what the summaries carry for it, later ones for the same selector add to it. */
static void apply_thresholds(cJSON *options, const merge_args *a) {
    cJSON *th = cJSON_GetObjectItemCaseSensitive(options, "thresholds");
    if (!th && a->nthresholds) th = cJSON_AddObjectToObject(options, "thresholds");
    for (int i = 0; i < a->nthresholds; i++) {
        const char *spec = a->thresholds[i];
        int k = threshold_split(spec);
        char name[256];
        snprintf(name, sizeof name, "%.*s", k, spec);
        bool seen = false;
        for (int j = 0; j < i && !seen; j++)
            seen =
                threshold_split(a->thresholds[j]) == k && strncmp(a->thresholds[j], spec, k) == 0;
        cJSON *list = cJSON_GetObjectItemCaseSensitive(th, name);
        if (!seen || !cJSON_IsArray(list)) {
            cJSON_DeleteItemFromObjectCaseSensitive(th, name);
            list = cJSON_AddArrayToObject(th, name);
        }
        cJSON_AddItemToArray(list, cJSON_CreateString(spec + k + 1));
    }
}

/* The plan of the first summary's options (so thresholds, summaryTrendStats and scenarios are
 * the test's), with the --threshold values applied. NULL with err (exit 104). */
static plan *merged_plan(const merge_input *first, const merge_args *a, char *err, size_t errlen) {
    cJSON *o = cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(first->root, "options"), 1);
    cJSON_DeleteItemFromObjectCaseSensitive(o, "timeScale"); /* an override, not an option */
    /* k6's summary options, added to the summary's options for k6's tools, are not lt's */
    cJSON_DeleteItemFromObjectCaseSensitive(o, "summaryTimeUnit");
    cJSON_DeleteItemFromObjectCaseSensitive(o, "noColor");
    apply_thresholds(o, a);
    plan_overrides ov = {.time_scale = first->time_scale, .no_thresholds = a->no_thresholds};
    char e[512];
    plan *p = plan_build(o, &ov, e, sizeof e);
    cJSON_Delete(o);
    if (!p) snprintf(err, errlen, "%s: its options do not make a plan: %s", display_name(first), e);
    return p;
}

/* A --threshold must name a metric some summary has, with an aggregate of its type. (Thresholds
 * the summaries carry were checked when they ran: one on a metric no instance sampled is judged
 * as in a run, no data.) */
static int check_user_thresholds(const plan *p, const merge_args *a, char *err, size_t errlen) {
    for (int i = 0; i < p->nthresholds; i++)
        for (int j = 0; j < a->nthresholds; j++) {
            int k = threshold_split(a->thresholds[j]);
            if ((int)strlen(p->thresholds[i].metric_src) != k ||
                strncmp(p->thresholds[i].metric_src, a->thresholds[j], k) != 0)
                continue;
            char e[512];
            if (thresholds_validate(&p->thresholds[i], 1, e, sizeof e) != 0)
                return snprintf(err, errlen, "--threshold '%s': %s", a->thresholds[j], e), -1;
        }
    return 0;
}

/* ---------------- the merge ---------------- */

typedef struct {
    merge_input *in;
    int n;
    plan *plan;
    store *total;
    long *iterations, *dropped, *interrupted;
    error_tally *errors;
    segment_check seg;
    bool partial;
    char abort_reason[600];
    double start;
    /* vus and vus_max over the whole test: each instance's metric-level value, min and max add
     * (also when its series carry an instance tag of their own and so stay apart in total) */
    struct {
        double value, min, max;
        bool seen;
    } vus[2];
} merge_ctx;

static const char *const ADDITIVE_GAUGES[2] = {"vus", "vus_max"};

static void add_vus(merge_ctx *m, const merge_input *in) {
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(in->root, "metrics");
    for (int k = 0; k < 2; k++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(metrics, ADDITIVE_GAUGES[k]), "values");
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(v, "value");
        const cJSON *min = cJSON_GetObjectItemCaseSensitive(v, "min");
        const cJSON *max = cJSON_GetObjectItemCaseSensitive(v, "max");
        if (!cJSON_IsNumber(val) || !cJSON_IsNumber(min) || !cJSON_IsNumber(max)) continue;
        m->vus[k].value += val->valuedouble;
        m->vus[k].min += min->valuedouble;
        m->vus[k].max += max->valuedouble;
        m->vus[k].seen = true;
    }
}

/* The merged summary's "tags": the --tag labels every input carries with the same value (the
 * test's, as testid=...); an instance's own (instance=NAME) differ and stay under merge.inputs.
 * Absent when no input has tags, {} when they share none. */
static void add_common_tags(cJSON *j, const merge_ctx *m) {
    const cJSON *first = cJSON_GetObjectItemCaseSensitive(m->in[0].root, "tags");
    bool any = false;
    for (int i = 0; i < m->n && !any; i++)
        any = cJSON_GetObjectItemCaseSensitive(m->in[i].root, "tags") != NULL;
    if (!any) return;
    cJSON *out = cJSON_CreateObject();
    const cJSON *t;
    cJSON_ArrayForEach(t, first) {
        if (!cJSON_IsString(t)) continue;
        bool shared = true;
        for (int i = 1; i < m->n && shared; i++) {
            const cJSON *o = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(m->in[i].root, "tags"), t->string);
            shared = cJSON_IsString(o) && strcmp(o->valuestring, t->valuestring) == 0;
        }
        if (shared) cJSON_AddStringToObject(out, t->string, t->valuestring);
    }
    cJSON_DeleteItemFromObjectCaseSensitive(j, "tags");
    cJSON_AddItemToObject(j, "tags", out);
}

/* The merged summary's metric-level vus and vus_max: the instances' sums. */
static void set_vus(cJSON *root, const merge_ctx *m) {
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(root, "metrics");
    for (int k = 0; k < 2; k++) {
        cJSON *v = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(metrics, ADDITIVE_GAUGES[k]), "values");
        if (!v || !m->vus[k].seen) continue;
        cJSON_ReplaceItemInObjectCaseSensitive(v, "value", cJSON_CreateNumber(m->vus[k].value));
        cJSON_ReplaceItemInObjectCaseSensitive(v, "min", cJSON_CreateNumber(m->vus[k].min));
        cJSON_ReplaceItemInObjectCaseSensitive(v, "max", cJSON_CreateNumber(m->vus[k].max));
    }
}

/* Per-scenario counts, iteration errors, vus, partial and abort reason of one summary. */
static void add_run_facts(merge_ctx *m, const merge_input *in) {
    add_vus(m, in);
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(in->root, "scenarios");
    for (int i = 0; i < m->plan->nscenarios; i++) {
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(sc, m->plan->scenarios[i].name);
        const cJSON *v;
        if ((v = cJSON_GetObjectItemCaseSensitive(e, "iterations")) && cJSON_IsNumber(v))
            m->iterations[i] += (long)v->valuedouble;
        if ((v = cJSON_GetObjectItemCaseSensitive(e, "dropped_iterations")) && cJSON_IsNumber(v))
            m->dropped[i] += (long)v->valuedouble;
        if ((v = cJSON_GetObjectItemCaseSensitive(e, "interrupted_iterations")) &&
            cJSON_IsNumber(v))
            m->interrupted[i] += (long)v->valuedouble;
    }
    merge_iteration_errors(m->errors,
                           cJSON_GetObjectItemCaseSensitive(in->root, "iteration_errors"));
    m->partial |= cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(in->root, "partial"));
    const char *why = get_string(in->root, "abort_reason");
    if (why && !m->abort_reason[0])
        snprintf(m->abort_reason, sizeof m->abort_reason, "%s: %s", display_name(in), why);
}

static int start_plan(merge_ctx *m, const merge_args *a);

/* Reads, checks and merges one summary after the other, each tree freed once merged (the
 * first's is kept: its options make the plan). 0, or the exit code with the message printed. */
static int merge_inputs(merge_ctx *m, const merge_args *a) {
    char err[1024];
    cJSON *first_opts = NULL;
    tag_cache *tc = tag_cache_new();
    /* per gauge series, in its sum: the end of the instance whose value the series holds */
    store *gauge_end = store_new();
    int rc = 0;
    m->start = INFINITY;
    for (int i = 0; i < m->n && rc == 0; i++) {
        merge_input *in = &m->in[i];
        if (load_input(in, err, sizeof err) != 0) {
            fprintf(stderr, "lt merge: %s: %s\n", display_name(in), err);
            rc = EXIT_REPORT_BAD_INPUT;
            break;
        }
        if (i == 0) {
            first_opts = comparable_options(in->root);
            if ((rc = start_plan(m, a)) != 0) break;
        } else if (check_same_test(&m->in[0], in, first_opts, err, sizeof err) != 0) {
            fprintf(stderr, "lt merge: cannot merge: %s\n", err);
            rc = EXIT_MERGE_MISMATCH;
            break;
        }
        const char *seg = get_string(in->root, "execution_segment");
        in->segment = seg ? strdup(seg) : NULL;
        int r = merge_series_into(m->total, gauge_end, in->end, tc, in->root, err, sizeof err);
        if (r != 0) {
            fprintf(stderr, "lt merge: %s%s: %s\n",
                    r == EXIT_MERGE_MISMATCH ? "cannot merge: " : "", display_name(in), err);
            rc = r;
        }
        add_run_facts(m, in);
        in->timeline = cJSON_DetachItemFromObjectCaseSensitive(in->root, "timeline");
        if (in->start < m->start) m->start = in->start;
        free(in->text);
        in->text = NULL;
        if (i > 0) {
            cJSON_Delete(in->root);
            in->root = NULL;
        }
    }
    cJSON_Delete(first_opts);
    store_free(gauge_end);
    tag_cache_free(tc);
    return rc;
}

/* What the merge noticed, as a list of sentences: missing segments, and instances whose run did
 * not end as a run that finished does (their counts are in, but the test was cut short there). */
static cJSON *merge_notes(const merge_ctx *m) {
    cJSON *notes = cJSON_CreateArray();
    if (m->seg.note[0]) cJSON_AddItemToArray(notes, cJSON_CreateString(m->seg.note));
    for (int i = 0; i < m->n; i++) {
        int c = m->in[i].exit_code;
        if (c == EXIT_OK || c == EXIT_THRESHOLDS) continue;
        char note[600];
        snprintf(note, sizeof note, "%s: its run exited %d (%s); its samples are merged",
                 display_name(&m->in[i]), c,
                 c == EXIT_SIGNAL    ? "interrupted"
                 : c == EXIT_SCRIPT  ? "script error"
                 : c == EXIT_ABORTED ? "lt.abort()"
                                     : "see README, Exit codes");
        cJSON_AddItemToArray(notes, cJSON_CreateString(note));
    }
    return notes;
}

/* The "merge" key: which summaries made this one, and what the merge noticed. */
static void add_provenance(cJSON *root, const merge_ctx *m) {
    cJSON *mg = cJSON_AddObjectToObject(root, "merge");
    cJSON_AddNumberToObject(mg, "summaries", m->n);
    cJSON *files = cJSON_AddArrayToObject(mg, "inputs");
    for (int i = 0; i < m->n; i++) {
        const merge_input *in = &m->in[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "file", display_name(in));
        cJSON_AddNumberToObject(e, "started_unix", in->start);
        cJSON_AddNumberToObject(e, "duration_s", in->duration);
        cJSON_AddNumberToObject(e, "exit_code", in->exit_code);
        if (in->segment) cJSON_AddStringToObject(e, "execution_segment", in->segment);
        /* a timeline's points hold percentiles, not histograms: kept per instance, not merged */
        if (in->timeline) cJSON_AddItemReferenceToObject(e, "timeline", in->timeline);
        cJSON_AddItemToArray(files, e);
    }
    cJSON_AddItemToObject(mg, "notes", merge_notes(m));
    if (m->seg.merged[0]) cJSON_AddStringToObject(root, "execution_segment", m->seg.merged);
}

static int write_merged(merge_ctx *m, const merge_args *a) {
    const plan *p = m->plan;
    /* from the earliest start to the latest end, each end taken relative to that start so one
     * summary merged alone keeps its duration to the last bit */
    double dur = 0;
    for (int i = 0; i < m->n; i++)
        if (m->in[i].start - m->start + m->in[i].duration > dur)
            dur = m->in[i].start - m->start + m->in[i].duration;
    threshold_result *res = calloc((size_t)(unsigned)p->nthresholds + 1, sizeof *res);
    int failed = thresholds_evaluate(p->thresholds, p->nthresholds, m->total, dur, res);
    if (p->no_thresholds) { /* as a run: --no-thresholds judges nothing */
        for (int i = 0; i < p->nthresholds; i++) res[i].ok = true;
        failed = 0;
    }
    int code = failed ? EXIT_THRESHOLDS : EXIT_OK;
    enum { TOP_ERRORS = 5 };
    const error_kind *top[TOP_ERRORS];
    summary_error top_errors[TOP_ERRORS];
    int ntop = error_tally_top(m->errors, top, TOP_ERRORS);
    for (int i = 0; i < ntop; i++) top_errors[i] = (summary_error){top[i]->message, top[i]->count};
    const merge_input *first = &m->in[0];
    summary_input in = {.script = first->script,
                        .plan = p,
                        .total = m->total,
                        .duration_s = dur,
                        .started_unix = m->start,
                        .partial = m->partial || m->seg.missing,
                        .exit_code = code,
                        .thresholds = res,
                        .scenario_iterations = m->iterations,
                        .scenario_dropped = m->dropped,
                        .scenario_interrupted = m->interrupted,
                        .abort_reason = m->abort_reason,
                        .iteration_errors = m->errors->total,
                        .top_errors = top_errors,
                        .ntop_errors = ntop};
    if (!a->quiet) {
        summary_print_text(stderr, &in, !a->no_color && isatty(2));
        fprintf(stderr, "    merged %d summaries\n", m->n);
        cJSON *notes = merge_notes(m), *note;
        cJSON_ArrayForEach(note, notes) fprintf(stderr, "    note: %s\n", note->valuestring);
        cJSON_Delete(notes);
        fputc('\n', stderr);
    }
    cJSON *j = summary_json(&in);
    add_common_tags(j, m);
    set_vus(j, m);
    add_provenance(j, m);
    char *text = summary_print(j, true, NULL);
    char err[512];
    if (write_file_atomic(a->out, text, err, sizeof err) != 0) {
        fprintf(stderr, "lt merge: %s\n", err);
        code = EXIT_CONFIG;
    }
    free(text);
    cJSON_Delete(j);
    free(res);
    return code;
}

/* The plan and the counters it sizes, once the first summary is read. */
static int start_plan(merge_ctx *m, const merge_args *a) {
    char err[1024];
    m->plan = merged_plan(&m->in[0], a, err, sizeof err);
    if (!m->plan) {
        fprintf(stderr, "lt merge: %s\n", err);
        return EXIT_CONFIG;
    }
    int ns = m->plan->nscenarios;
    m->iterations = calloc((size_t)(unsigned)ns + 1, sizeof(long));
    m->dropped = calloc((size_t)(unsigned)ns + 1, sizeof(long));
    m->interrupted = calloc((size_t)(unsigned)ns + 1, sizeof(long));
    return 0;
}

static int merge_run(merge_ctx *m, const merge_args *a) {
    char e[512];
    if (strcmp(a->out, "-") != 0 && output_path_check(a->out, e, sizeof e) != 0) {
        fprintf(stderr, "lt merge: -o %s: %s\n", a->out, e); /* before reading 100 files */
        return EXIT_CONFIG;
    }
    metrics_init();
    /* a merge never folds series: every instance's tag sets are kept */
    metrics_limit_tagsets(UINT32_MAX - 1, UINT32_MAX - 1);
    m->errors = calloc(1, sizeof *m->errors);
    m->total = store_new();
    int rc = merge_inputs(m, a);
    if (rc) return rc;
    char err[1024];
    if (check_segments(m->in, m->n, &m->seg, err, sizeof err) != 0) {
        fprintf(stderr, "lt merge: cannot merge: %s\n", err);
        return EXIT_MERGE_MISMATCH;
    }
    if (check_user_thresholds(m->plan, a, err, sizeof err) != 0) {
        fprintf(stderr, "lt merge: %s\n", err);
        return EXIT_CONFIG;
    }
    return write_merged(m, a);
}

int merge_main(int argc, char **argv) {
    merge_args a;
    int rc = parse_merge_args(argc, argv, &a);
    if (rc == 0) {
        merge_ctx m = {.n = a.nfiles};
        m.in = calloc((size_t)(unsigned)a.nfiles + 1, sizeof *m.in);
        for (int i = 0; i < a.nfiles; i++) m.in[i] = (merge_input){.name = a.files[i]};
        rc = merge_run(&m, &a);
        for (int i = 0; i < m.n; i++) {
            cJSON_Delete(m.in[i].root);
            free(m.in[i].text);
            free(m.in[i].segment);
            cJSON_Delete(m.in[i].timeline);
        }
        free(m.in);
        plan_free(m.plan);
        store_free(m.total);
        free(m.iterations);
        free(m.dropped);
        free(m.interrupted);
        free(m.errors);
    } else if (rc < 0) {
        rc = EXIT_OK; /* --help */
    }
    free(a.thresholds);
    free(a.files);
    return rc;
}
