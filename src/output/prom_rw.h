/* prom_rw.h — `--out prometheus-rw[=URL]`: Prometheus remote write 1.0 (protobuf + snappy over HTTP
 * POST), named as k6's experimental-prometheus-rw output names its series. See prom_rw.c. */
#ifndef LT_OUTPUT_PROM_RW_H
#define LT_OUTPUT_PROM_RW_H
#include "output/output.h"

/* `url` is what follows "prometheus-rw=", or NULL: then K6_PROMETHEUS_RW_SERVER_URL, then
 * http://localhost:9090/api/v1/write (http:// or https://). Reads every K6_PROMETHEUS_RW_*
 * variable here, and loads the client certificate. NULL with a message in err on a malformed URL,
 * duration, trend stat, boolean or header list, a certificate that does not load, SigV4
 * configured in part or beside other authorization, an unknown K6_PROMETHEUS_RW_* variable: none
 * is ever ignored. */
output *prom_rw_create(const char *url, char *err, size_t errlen);

/* Helpers, exposed for the unit tests. */
/* "p(99.9)" -> "p999", "avg" -> "avg"; returns -1 on an unknown stat. */
int prom_rw_stat_suffix(const char *stat, char *out, size_t outlen);
/* A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*, others replaced by '_'. */
void prom_rw_sanitize_name(const char *in, char *out, size_t outlen);
/* The native-histogram bucket index of v > 0 in schema s: bucket i holds (2^((i-1)/2^s),
 * 2^(i/2^s)]. */
int prom_rw_native_index(double v, int schema);
#endif
