/* order.h — reads and validates order JSON for mesim. Pure: no I/O, no global state.
 *
 * Promises: me_order_parse accepts exactly an object with orderId (non-empty string of at most
 * ME_ID_MAX bytes), symbol (1..ME_SYMBOL_MAX bytes of [A-Za-z0-9._-]), side BUY|SELL, type LIMIT,
 * price and quantity (integers 1..2^53). Anything else is refused with a reason that starts with
 * the offending field's name (prefixed, e.g. "orders[3].price ..."), and the field's name alone
 * is written to `field`. The caller's cJSON tree is only read.
 * me_json_text_check sees in the request text what cJSON's tree cannot show (cJSON keeps numbers
 * as doubles, cuts strings at \u0000 and stops reading after the first value): it refuses
 * invalid UTF-8, \u0000 and raw control characters in strings, integers beyond 2^53, and anything
 * after the JSON value, naming the field by its path ("orderId", "orders[3].price"; "body" for
 * what belongs to no field). me_json_quote always writes valid UTF-8.
 */
#ifndef MESIM_ORDER_H
#define MESIM_ORDER_H
#include "mesim/book.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#define ME_SYMBOL_MAX 32
#define ME_NUM_MAX    9007199254740992.0 /* 2^53: larger integers are not exact in JSON doubles */

typedef struct {
    const char *id;     /* points into the cJSON tree */
    const char *symbol; /* points into the cJSON tree */
    me_side side;
    int64_t price, qty;
} me_order_in;

typedef struct {
    char field[48];
    char reason[160];
} me_reject;

/* Returns 0 with *out filled, or -1 with *rej filled; prefix ("" or "orders[3].") is prepended
 * to the field name in both rej->field and rej->reason. */
int me_order_parse(const cJSON *obj, const char *prefix, me_order_in *out, me_reject *rej);

/* Checks a JSON text (text[len] must be '\0', as me_http_body leaves it) for what the parsed tree
 * cannot show; see above. Structure errors are left to the parser (0 is returned). Returns 0, or
 * -1 with *rej filled. */
int me_json_text_check(const char *text, size_t len, me_reject *rej);

/* 1 when s is a well-formed symbol name. */
int me_symbol_valid(const char *s);

/* Writes s as a JSON string literal (with quotes) into dst, bytes that are not valid UTF-8 as
 * \ufffd; returns the length, or -1 if it does not fit (dst is then an empty string). */
int me_json_quote(char *dst, size_t cap, const char *s);

#endif
