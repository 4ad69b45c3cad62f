/* output.c — the --out factory: "json=FILE" and "csv=FILE" (k6's formats), "lt-json=FILE" (lt's
 * aggregates), "prometheus-rw[=URL]", "experimental-prometheus-rw[=URL]". */
#include "output/output.h"
#include "output/k6_samples.h"
#include "output/ndjson.h"
#include "output/prom_rw.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

output *output_create(const char *spec, char *err, size_t errlen) {
    if (!spec || !*spec) {
        snprintf(err, errlen, "--out: empty output name");
        return NULL;
    }
    const char *eq = strchr(spec, '=');
    size_t nlen = eq ? (size_t)(eq - spec) : strlen(spec);
    const char *arg = eq ? eq + 1 : NULL;
#define IS(s) (nlen == strlen(s) && strncmp(spec, s, nlen) == 0)
    if (IS("json")) return k6_samples_create(K6_SAMPLES_JSON, arg, err, errlen);
    if (IS("csv")) return k6_samples_create(K6_SAMPLES_CSV, arg, err, errlen);
    if (IS("lt-json")) return ndjson_create(arg, err, errlen);
    if (IS("prometheus-rw") || IS("experimental-prometheus-rw"))
        return prom_rw_create(arg && *arg ? arg : NULL, err, errlen);
#undef IS
    snprintf(err, errlen,
             "--out: unknown output '%.*s' (known: json=FILE[.gz] and csv=FILE[.gz], every "
             "sample in k6's formats; lt-json=FILE[.gz], lt's per-second aggregates; "
             "prometheus-rw[=URL], experimental-prometheus-rw[=URL])",
             (int)nlen, spec);
    return NULL;
}

/* The directory part of path, for messages ("." when there is none). */
static void dir_of(const char *path, char *out, size_t len) {
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(out, len, ".");
    else if (slash == path)
        snprintf(out, len, "/");
    else
        snprintf(out, len, "%.*s", (int)(slash - path), path);
}

int output_path_check(const char *path, char *err, size_t errlen) {
    size_t len = strlen(path);
    struct stat st;
    if (len == 0) return snprintf(err, errlen, "empty file name"), -1;
    if (path[len - 1] == '/' || (stat(path, &st) == 0 && S_ISDIR(st.st_mode)))
        return snprintf(err, errlen, "%s is a directory, not a file", path), -1;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
        return snprintf(err, errlen, "%s is not a regular file (\"-\" writes to stdout)", path), -1;
    /* The writers' own temporary file is PATH.tmp.PID; the probe takes another name so that it
     * can be created exclusively and removed without touching anything else. */
    char *probe = malloc(len + 32);
    if (!probe) return snprintf(err, errlen, "out of memory"), -1;
    snprintf(probe, len + 32, "%s.probe.%d", path, (int)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        char dir[4096];
        dir_of(path, dir, sizeof dir);
        snprintf(err, errlen, "cannot create %s (a file in %s): %s", path, dir, strerror(errno));
        free(probe);
        return -1;
    }
    close(fd);
    unlink(probe);
    free(probe);
    return 0;
}
