/* utf8.h — UTF-8 validation and repair, and a JSON string escaper whose output is always valid
 * UTF-8, whatever bytes it is given. Every string lt writes into a JSON file goes through one of
 * these (or was repaired by them when it entered lt).
 *
 * Promises:
 * - "Valid" is RFC 3629 UTF-8: no overlong forms, no surrogates (U+D800..U+DFFF encoded in
 *   UTF-8), nothing above U+10FFFF, no truncated sequence. NUL is valid (U+0000).
 * - Repair keeps every valid sequence and replaces each maximal ill-formed subpart with U+FFFD
 *   (EF BF BD): Unicode's recommended practice (chapter 3, "U+FFFD Substitution of Maximal
 *   Subparts"), as Python and the WHATWG Encoding Standard do. A lone 0xFF is one U+FFFD; a
 *   truncated E2 82 is one U+FFFD; an overlong C0 80 or a surrogate ED A0 80 is one U+FFFD per
 *   byte. A valid string is returned unchanged, so repairing twice changes nothing.
 * - The JSON escaper writes the inside of a JSON string (no quotes): '"' and '\\' escaped, control
 *   characters as \n \r \t \b \f or \u00XX, valid UTF-8 copied as it is, ill-formed bytes as U+FFFD
 *   (repair's rule). Its output is valid UTF-8 and valid JSON string content.
 * - Runs of plain ASCII are scanned 8 bytes per step, so valid ASCII costs little more than a copy.
 * - No global state; nothing allocates except utf8_repair_dup.
 */
#ifndef LT_BASE_UTF8_H
#define LT_BASE_UTF8_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* U+FFFD REPLACEMENT CHARACTER, as UTF-8. */
#define UTF8_REPLACEMENT     "\xEF\xBF\xBD"
#define UTF8_REPLACEMENT_LEN 3

/* The length (1-4) of the valid UTF-8 sequence at s (n > 0 bytes available), or 0 when the bytes
 * at s do not start one. */
size_t utf8_sequence_len(const char *s, size_t n);
/* The length of the longest valid prefix of s: len when all of s is valid. */
size_t utf8_valid_prefix(const char *s, size_t len);
static inline bool utf8_valid(const char *s, size_t len) {
    return utf8_valid_prefix(s, len) == len;
}
/* Writes code point cp (at most U+10FFFF, surrogates excluded by the caller) as UTF-8 into dst
 * (room for 4 bytes); returns the bytes written. */
size_t utf8_encode(char *dst, uint32_t cp);

/* The number of bytes of s once repaired. */
size_t utf8_repaired_len(const char *s, size_t len);
/* Writes s repaired into dst, which has room for utf8_repaired_len(s, len) bytes (3 * len always
 * suffice); returns the bytes written. */
size_t utf8_repair(char *dst, const char *s, size_t len);
/* A malloc'd, NUL-terminated repaired copy of s (its length in *outlen when not NULL); NULL when
 * out of memory. */
char *utf8_repair_dup(const char *s, size_t len, size_t *outlen);
/* Copies s repaired into dst (cap > 0 bytes), cut before the first character that does not fit
 * with the terminating NUL: never half a character. Returns the bytes written (without the NUL).
 * For fixed-size message buffers, where snprintf would cut a character in two. */
size_t utf8_copy(char *dst, size_t cap, const char *s, size_t len);

/* The length of the leading run of s that a JSON string carries as it is with no further look:
 * printable ASCII other than '"' and '\\'. */
size_t utf8_json_plain_run(const char *s, size_t len);
/* The most bytes utf8_json_escape writes for len input bytes (\u00XX for each). */
#define UTF8_JSON_ESCAPE_MAX(len) ((len)*6)
/* Writes s escaped (the inside of a JSON string, no quotes) into dst, which has room for
 * UTF8_JSON_ESCAPE_MAX(len) bytes; returns the bytes written. */
size_t utf8_json_escape(char *dst, const char *s, size_t len);
/* As utf8_json_escape into a buffer of cap bytes: stops before the first input character whose
 * escaped form does not fit, never cutting one; sets *consumed to the input bytes it used. Any
 * cap >= 6 makes progress. For writers that stream through a fixed buffer. */
size_t utf8_json_escape_some(char *dst, size_t cap, const char *s, size_t len, size_t *consumed);
/* The exact number of bytes utf8_json_escape writes for s. */
size_t utf8_json_escaped_len(const char *s, size_t len);
/* Writes s to f as a quoted JSON string. Returns 0, or EOF when a write fails. */
int utf8_json_fput(FILE *f, const char *s, size_t len);
#endif
