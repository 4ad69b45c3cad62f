/* output.c — the --out factory: "json=FILE", "prometheus-rw[=URL]",
 * "experimental-prometheus-rw[=URL]". */
#include "output/output.h"
#include "output/ndjson.h"
#include "output/prom_rw.h"
#include <stdio.h>
#include <string.h>

output *output_create(const char *spec, char *err, size_t errlen) {
    if (!spec || !*spec) {
        snprintf(err, errlen, "--out: empty output name");
        return NULL;
    }
    const char *eq = strchr(spec, '=');
    size_t nlen = eq ? (size_t)(eq - spec) : strlen(spec);
    const char *arg = eq ? eq + 1 : NULL;
#define IS(s) (nlen == strlen(s) && strncmp(spec, s, nlen) == 0)
    if (IS("json")) return ndjson_create(arg, err, errlen);
    if (IS("prometheus-rw") || IS("experimental-prometheus-rw"))
        return prom_rw_create(arg && *arg ? arg : NULL, err, errlen);
#undef IS
    snprintf(err, errlen,
             "--out: unknown output '%.*s' (known: json=FILE[.gz], prometheus-rw[=URL], "
             "experimental-prometheus-rw[=URL])",
             (int)nlen, spec);
    return NULL;
}
