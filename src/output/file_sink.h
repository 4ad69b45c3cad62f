/* file_sink.h — where a file output's bytes go: a file (gzip-compressed when its name ends in
 * ".gz") or standard output ("-").
 *
 * Promises: a file is written as PATH.tmp.PID and renamed over PATH only when closed complete
 * (after fsync), so PATH never holds half a file; a sink destroyed without closing removes its
 * temporary file and leaves PATH as it was. The first write error is reported once on stderr,
 * prefixed with the output's name, and later writes are skipped. One thread uses a sink at a time.
 */
#ifndef LT_OUTPUT_FILE_SINK_H
#define LT_OUTPUT_FILE_SINK_H
#include <stdbool.h>
#include <stddef.h>

typedef struct file_sink file_sink;

/* Opens the sink; NULL with a message in err ("OUTPUT output: cannot open PATH: reason"). The
 * path must have passed output_path_check. */
file_sink *file_sink_open(const char *output_name, const char *path, char *err, size_t errlen);
void file_sink_write(file_sink *s, const void *data, size_t len);
void file_sink_flush(file_sink *s); /* hands buffered bytes to the file (a gzip sync flush) */
bool file_sink_failed(const file_sink *s);
/* Flushes, fsyncs, closes and renames into place; frees the sink. */
void file_sink_close(file_sink *s);
/* Frees the sink without completing the file (the temporary file is removed). */
void file_sink_destroy(file_sink *s);
#endif
