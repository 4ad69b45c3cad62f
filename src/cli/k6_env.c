/* k6_env.c — see k6_env.h. The variable names are k6's (`envconfig` tags of lib/options.go and
 * internal/cmd/config.go). */
#include "cli/k6_env.h"
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

typedef enum { AS_VALUE, AS_BOOL, AS_OUT_LIST, AS_TAG_LIST } env_kind;

/* k6's variables that lt has a flag for. */
static const struct {
    const char *var, *flag;
    env_kind kind;
} with_flag[] = {
    {"K6_VUS", "--vus", AS_VALUE},
    {"K6_DURATION", "--duration", AS_VALUE},
    {"K6_ITERATIONS", "--iterations", AS_VALUE},
    {"K6_SUMMARY_EXPORT", "--summary-export", AS_VALUE},
    {"K6_USER_AGENT", "--user-agent", AS_VALUE},
    {"K6_BATCH", "--batch", AS_VALUE},
    {"K6_BATCH_PER_HOST", "--batch-per-host", AS_VALUE},
    {"K6_NO_CONNECTION_REUSE", "--no-connection-reuse", AS_BOOL},
    {"K6_NO_VU_CONNECTION_REUSE", "--no-vu-connection-reuse", AS_BOOL},
    {"K6_INSECURE_SKIP_TLS_VERIFY", "--insecure-skip-tls-verify", AS_BOOL},
    {"K6_NO_THRESHOLDS", "--no-thresholds", AS_BOOL},
    {"K6_NO_COLOR", "--no-color", AS_BOOL},
    {"K6_OUT", "--out", AS_OUT_LIST},
    {"K6_TAGS", "--tag", AS_TAG_LIST},
};

/* k6 options lt implements but reads from the script only: refused, so a value meant for the
 * run is not dropped on the floor. */
static const struct {
    const char *var, *option;
} script_only[] = {
    {"K6_DISCARD_RESPONSE_BODIES", "discardResponseBodies"},
    {"K6_SETUP_TIMEOUT", "setupTimeout"},
    {"K6_TEARDOWN_TIMEOUT", "teardownTimeout"},
    {"K6_SUMMARY_TREND_STATS", "summaryTrendStats"},
    {"K6_STAGES", "stages"},
    {"K6_THRESHOLDS", "thresholds"},
};

/* k6 options lt does not implement (the script's option of the same name is refused too). */
static const char *const unsupported[] = {"K6_BLACKLIST_IPS",
                                          "K6_BLOCK_HOSTNAMES",
                                          "K6_CONSOLE_OUTPUT",
                                          "K6_DNS",
                                          "K6_HANDLE_SUMMARY_TIMEOUT",
                                          "K6_HOSTS",
                                          "K6_HTTP_DEBUG",
                                          "K6_LINGER",
                                          "K6_LOCAL_IPS",
                                          "K6_MAX_REDIRECTS",
                                          "K6_METRIC_SAMPLES_BUFFER_SIZE",
                                          "K6_MIN_ITERATION_DURATION",
                                          "K6_NO_COOKIES_RESET",
                                          "K6_NO_SETUP",
                                          "K6_NO_TEARDOWN",
                                          "K6_PAUSED",
                                          "K6_RPS",
                                          "K6_SUMMARY_TIME_UNIT",
                                          "K6_SYSTEM_TAGS",
                                          "K6_THROW",
                                          "K6_TLSAUTH",
                                          "K6_TLS_CIPHER_SUITES",
                                          "K6_TLS_VERSION",
                                          NULL};

/* Read by lt's outputs themselves (src/output). */
static const char *const output_prefixes[] = {"K6_PROMETHEUS_RW_", "K6_CSV_", NULL};

static char used[1024];
/* The new argv and the list variables' copies live as long as the process (args point into
 * them); kept here so they stay reachable. */
static char **kept_argv;
static char *kept_copies[2];

const char *k6_env_used(void) {
    return used;
}

static void note_used(const char *name, const char *value) {
    size_t n = strlen(used);
    snprintf(used + n, sizeof used - n, "%s%s=%s", n ? ", " : "", name, value);
}

int parse_go_bool(const char *v) {
    static const char *const yes[] = {"1", "t", "T", "TRUE", "true", "True", NULL};
    static const char *const no[] = {"0", "f", "F", "FALSE", "false", "False", NULL};
    for (int i = 0; yes[i]; i++)
        if (strcmp(v, yes[i]) == 0) return 1;
    for (int i = 0; no[i]; i++)
        if (strcmp(v, no[i]) == 0) return 0;
    return -1;
}

static bool argv_has(int argc, char **argv, const char *flag, const char *short_flag) {
    size_t n = strlen(flag);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], flag) == 0 || (short_flag && strcmp(argv[i], short_flag) == 0))
            return true;
        if (strncmp(argv[i], flag, n) == 0 && argv[i][n] == '=') return true;
    }
    return false;
}

typedef struct {
    char **v;
    int n, cap;
} arg_list;

static int push(arg_list *l, char *s) {
    if (l->n == l->cap) {
        int ncap = l->cap ? l->cap * 2 : 32;
        char **nv = realloc(l->v, (size_t)ncap * sizeof *nv);
        if (!nv) return -1;
        l->v = nv;
        l->cap = ncap;
    }
    l->v[l->n++] = s;
    return 0;
}

/* Splits a k6 list variable on ',' into flags: --out SPEC, or --tag KEY=VALUE from KEY:VALUE. */
static int push_list(arg_list *l, const char *var, const char *value, const char *flag, bool tags,
                     char *err, size_t errlen) {
    char *copy = strdup(value);
    if (!copy) return snprintf(err, errlen, "%s: out of memory", var), -1;
    free(kept_copies[tags]);
    kept_copies[tags] = copy;
    for (char *save = NULL, *it = strtok_r(copy, ",", &save); it; it = strtok_r(NULL, ",", &save)) {
        if (tags) {
            char *colon = strchr(it, ':');
            if (!colon || colon == it)
                return snprintf(err, errlen, "%s: '%s' is not KEY:VALUE (k6's form: a:1,b:2)", var,
                                it),
                       -1;
            *colon = '=';
        }
        if (push(l, (char *)flag) || push(l, it))
            return snprintf(err, errlen, "%s: out of memory", var), -1;
    }
    return 0;
}

static int flag_from_env(arg_list *l, int argc, char **argv, int k, const char *value, char *err,
                         size_t errlen) {
    const char *var = with_flag[k].var, *flag = with_flag[k].flag;
    switch (with_flag[k].kind) {
    case AS_BOOL: {
        int b = parse_go_bool(value);
        if (b < 0)
            return snprintf(err, errlen, "%s: '%s' is not a boolean (true or false)", var, value),
                   -1;
        note_used(var, value);
        if (b) return push(l, (char *)flag);
        /* FLAG=false: a script's true gives way to the environment's false, as in k6 */
        static char off[sizeof with_flag / sizeof *with_flag][48];
        snprintf(off[k], sizeof off[k], "%s=false", flag);
        return push(l, off[k]);
    }
    case AS_OUT_LIST:
    case AS_TAG_LIST: {
        bool out = with_flag[k].kind == AS_OUT_LIST;
        if (argv_has(argc, argv, flag, out ? "-o" : NULL)) return 0; /* the flags replace it */
        note_used(var, value);
        return push_list(l, var, value, flag, !out, err, errlen);
    }
    case AS_VALUE:
        note_used(var, value);
        return push(l, (char *)flag) || push(l, (char *)value) ? -1 : 0;
    }
    return 0;
}

/* What to do with one K6_ variable: 0 handled or ignored with a warning, -1 refused. */
static int one_variable(arg_list *l, int argc, char **argv, const char *name, const char *value,
                        char *err, size_t errlen) {
    for (size_t k = 0; k < sizeof with_flag / sizeof *with_flag; k++)
        if (strcmp(name, with_flag[k].var) == 0)
            return flag_from_env(l, argc, argv, (int)k, value, err, errlen);
    for (size_t k = 0; k < sizeof script_only / sizeof *script_only; k++)
        if (strcmp(name, script_only[k].var) == 0)
            return snprintf(err, errlen,
                            "%s is set: lt reads %s from the script's options only (set "
                            "options.%s, or unset %s)",
                            name, script_only[k].option, script_only[k].option, name),
                   -1;
    for (int k = 0; unsupported[k]; k++)
        if (strcmp(name, unsupported[k]) == 0)
            return snprintf(err, errlen,
                            "%s is set: that k6 option is not supported by lt (unset it)", name),
                   -1;
    for (int k = 0; output_prefixes[k]; k++)
        if (strncmp(name, output_prefixes[k], strlen(output_prefixes[k])) == 0) return 0;
    fprintf(stderr, "lt: %s is set; it is k6's own setting and lt does not read it\n", name);
    return 0;
}

static bool reads_no_options(int argc, char **argv) {
    if (argc < 2) return true;
    static const char *const plain[] = {"version", "--version", "help", "-h", "--help", NULL};
    for (int i = 0; plain[i]; i++)
        if (strcmp(argv[1], plain[i]) == 0) return true;
    return false;
}

int k6_env_argv(int argc, char **argv, int *out_argc, char ***out_argv, char *err, size_t errlen) {
    arg_list l = {0};
    used[0] = '\0';
    int first =
        argc >= 2 && (strcmp(argv[1], "run") == 0 || strcmp(argv[1], "inspect") == 0) ? 2 : 1;
    for (int i = 0; i < first && i < argc; i++)
        if (push(&l, argv[i])) goto oom;
    if (!reads_no_options(argc, argv)) {
        for (char **e = environ; e && *e; e++) {
            if (strncmp(*e, "K6_", 3) != 0) continue;
            const char *eq = strchr(*e, '=');
            if (!eq) continue;
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(eq - *e), *e);
            if (one_variable(&l, argc, argv, name, eq + 1, err, errlen)) {
                free(l.v);
                return -1;
            }
        }
    }
    for (int i = first; i < argc; i++)
        if (push(&l, argv[i])) goto oom;
    if (push(&l, NULL)) goto oom;
    free(kept_argv);
    kept_argv = l.v;
    *out_argc = l.n - 1;
    *out_argv = l.v;
    return 0;
oom:
    free(l.v);
    return snprintf(err, errlen, "out of memory reading K6_ variables"), -1;
}
