/* response_fast.h — the common response head read without http_parser (internal to src/net).
 *
 * http_parser walks a response byte by byte through callbacks: ~4,700 instructions for nginx's
 * 170-byte head, about a third of lt's worker instructions per request in an open-model run
 * (P3, fifth round in tests/bench/README.md); this takes ~1,800. Most responses are plain:
 * "HTTP/1.x NNN reason", token-named headers with printable values, a Content-Length, no
 * Transfer-Encoding. This reads those in one pass.
 *
 * Promises:
 * - fast_response_head() accepts only a complete head it understands fully, and then what it
 *   reports is exactly what lt's http_parser callbacks (response.c) would have produced from the
 *   same bytes: the status, the HTTP minor version, the header block ("Name: value" lines joined
 *   by CRLF, a final CRLF), the Content-Length and http_should_keep_alive()'s answer
 *   (tests/unit/test_http_fast.c compares the two on generated and mutated heads).
 * - Anything else — an incomplete head, 1xx, 204, 304, Transfer-Encoding, Upgrade, Connection
 *   values other than "close" or "keep-alive", no or several Content-Lengths, bare LF, empty
 *   values, a header separator other than ": " (one space), whitespace after a value, bytes
 *   outside printable ASCII and tab, a head over FAST_HEAD_MAX — returns false: the caller
 *   parses the same bytes with http_parser, as before.
 * - The header block is a slice of the input: with ": " separators the callbacks' "Name: value"
 *   lines are the bytes as they came, so accepting a head costs no copy but one.
 */
#ifndef LT_NET_RESPONSE_FAST_H
#define LT_NET_RESPONSE_FAST_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FAST_HEAD_MAX 16384

typedef struct {
    int status;
    int minor;               /* HTTP/1.<minor> */
    size_t head_len;         /* status line + header lines + the empty line */
    size_t hdr_off, hdr_len; /* the header block: data[hdr_off .. hdr_off + hdr_len) */
    uint64_t content_length; /* the body's length */
    bool keep_alive;         /* http_should_keep_alive() */
} fast_head;

/* Reads the head at the start of data[0 .. len) (at most FAST_HEAD_MAX bytes of it). */
bool fast_response_head(const char *data, size_t len, fast_head *out);
#endif
