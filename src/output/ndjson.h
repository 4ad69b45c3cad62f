/* ndjson.h — `--out lt-json=FILE`: lt's time series as newline-delimited JSON, one aggregate point
 * per interval, metric and tag set (FILE ending in ".gz" is gzip-compressed; "-" is stdout). */
#ifndef LT_OUTPUT_NDJSON_H
#define LT_OUTPUT_NDJSON_H
#include "output/output.h"

/* `arg` is what follows "lt-json=". NULL with a message in err when it is missing. */
output *ndjson_create(const char *arg, char *err, size_t errlen);
#endif
