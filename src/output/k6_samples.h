/* k6_samples.h — `--out json=FILE` and `--out csv=FILE`: every sample, in k6's formats, so k6's
 * tools and jq recipes work on lt's output unchanged.
 *
 * json: one line per metric when it is first seen
 *   {"type":"Metric","data":{"name":..,"type":"trend","contains":"time","thresholds":[],
 *    "submetrics":null},"metric":..}
 * and one line per sample
 *   {"metric":"http_req_duration","type":"Point","data":{"time":"2026-12-03T18:40:01.123456Z",
 *    "value":0.412,"tags":{"method":"GET","status":"200",...}}}
 * csv: k6's header and columns (metric_name,timestamp,metric_value, the default system tags,
 * extra_tags as k=v&k=v, metadata); timestamps as Unix seconds unless
 * `csv=file=F,timeFormat=FMT` or K6_CSV_TIME_FORMAT says unix_milli, unix_micro, unix_nano,
 * rfc3339 or rfc3339_nano. A FILE ending in ".gz" is gzip-compressed; "-" is stdout.
 *
 * Promises: the load never waits for the file. Samples are recorded into per-thread rings
 * (metrics/samples.h) and written by this output's own thread; a sample the writer could not take
 * in time is counted and reported at the end ("N samples lost"), never silently missing.
 */
#ifndef LT_OUTPUT_K6_SAMPLES_H
#define LT_OUTPUT_K6_SAMPLES_H
#include "output/output.h"

typedef enum { K6_SAMPLES_JSON, K6_SAMPLES_CSV } k6_samples_format;

/* `arg` is what follows "json=" or "csv=". NULL with a message in err when malformed. */
output *k6_samples_create(k6_samples_format fmt, const char *arg, char *err, size_t errlen);
#endif
