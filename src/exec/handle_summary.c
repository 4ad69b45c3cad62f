/* handle_summary.c — calls the script's handleSummary and writes what it returns. */
#include "exec/handle_summary.h"
#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every key of the result names a destination and every value is a string: checked first, so a
 * bad result writes nothing. An empty table (encoded {} or []) writes nothing and is fine. */
static int check_result(const cJSON *res, char *err, size_t errlen) {
    if (cJSON_IsArray(res) && cJSON_GetArraySize(res) == 0) return 0;
    if (!cJSON_IsObject(res))
        return snprintf(err, errlen,
                        "handleSummary() must return nil or a table of names (\"stdout\", "
                        "\"stderr\", a file path) to strings"),
               -1;
    const cJSON *it;
    cJSON_ArrayForEach(it, res) {
        if (!it->string[0])
            return snprintf(err, errlen, "handleSummary(): an empty name in its result"), -1;
        if (!cJSON_IsString(it))
            return snprintf(err, errlen, "handleSummary(): the value for '%s' is not a string",
                            it->string),
                   -1;
    }
    return 0;
}

static int write_to(const char *name, const char *text, char *err, size_t errlen) {
    bool std = strcmp(name, "stdout") == 0 || strcmp(name, "stderr") == 0;
    FILE *f = strcmp(name, "stdout") == 0   ? stdout
              : strcmp(name, "stderr") == 0 ? stderr
                                            : fopen(name, "w");
    if (!f) return snprintf(err, errlen, "cannot write '%s': %s", name, strerror(errno)), -1;
    size_t n = strlen(text);
    bool ok = fwrite(text, 1, n, f) == n;
    ok = (std ? fflush(f) : fclose(f)) == 0 && ok;
    if (!ok) return snprintf(err, errlen, "cannot write '%s': %s", name, strerror(errno)), -1;
    return 0;
}

int handle_summary(runtime *ctl, const char *summary_json, char *err, size_t errlen) {
    char *out = NULL;
    if (runtime_call_json(ctl, "handleSummary", summary_json, HANDLE_SUMMARY_TIMEOUT_S, &out, err,
                          errlen) != 0)
        return -1;
    if (!out) return 1; /* nil: the default summary, as k6 */
    cJSON *res = cJSON_Parse(out);
    free(out);
    if (check_result(res, err, errlen) != 0) {
        cJSON_Delete(res);
        return -1;
    }
    int rc = 0;
    size_t used = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, res) {
        if (!cJSON_IsString(it)) continue;
        char e[512];
        if (write_to(it->string, it->valuestring, e, sizeof e) != 0) {
            used += (size_t)snprintf(err + used, used < errlen ? errlen - used : 0, "%s%s",
                                     rc ? "; " : "", e);
            if (used >= errlen) used = errlen - 1;
            rc = -2;
        }
    }
    cJSON_Delete(res);
    return rc;
}
