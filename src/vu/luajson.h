/* luajson.h — Lua values <-> JSON text.
 *
 * Promises:
 * - Encoding: tables with keys 1..n (and nothing else) become arrays, other tables objects (keys
 *   as strings); empty tables become {}. Functions, userdata, NaN/Infinity and cycles are errors
 *   naming the path (a cycle is found as nesting deeper than LUAJSON_MAX_DEPTH). The text is valid
 *   UTF-8 whatever the Lua strings hold: an ill-formed byte sequence becomes U+FFFD (base/utf8.h).
 * - Decoding is strict RFC 8259 (luajson_decode.c has the rules and the choices): one value, no
 *   trailing data, numbers that fit a double, valid UTF-8, at most LUAJSON_MAX_DEPTH levels. JSON
 *   null decodes to nil in objects and to lt.json.null (a NULL light userdata) in arrays and at
 *   the top. Errors give the byte offset and line:column.
 * - The same limit both ways: whatever lt decodes, it can encode again. An empty array decoded
 *   is an empty table with the metatable LUAJSON_EMPTY_ARRAY_MT and encodes as [] again (other
 *   empty tables encode as {}).
 */
#ifndef LT_VU_LUAJSON_H
#define LT_VU_LUAJSON_H
#include <cjson/cJSON.h>
#include <lua.h>
#include <stddef.h>

/* Arrays and objects nested in one another, at most (the outermost counts as one). */
#define LUAJSON_MAX_DEPTH 1000
/* The registry name of the metatable marking decoded empty arrays. */
#define LUAJSON_EMPTY_ARRAY_MT "lt.json.empty_array"

/* The value at idx as a cJSON tree (strings repaired to valid UTF-8); NULL with err. */
cJSON *luajson_to_cjson(lua_State *L, int idx, char *err, size_t errlen);
/* Encodes the value at idx; returns a malloc'd string or NULL with err. */
char *luajson_encode(lua_State *L, int idx, char *err, size_t errlen);
/* Pushes the decoded value; returns 0, or -1 with err (nothing pushed). */
int luajson_decode(lua_State *L, const char *s, size_t len, char *err, size_t errlen);
/* A reusable output buffer for luajson_encode_push (zero-initialise; free with luajson_buf_free).
 */
typedef struct {
    char *p;
    size_t len, cap;
} luajson_buf;
void luajson_buf_free(luajson_buf *b);
/* Pushes the JSON text of the value at idx (fast path, no cJSON) built in buf (NULL: a temporary
 * one); -1 with err, nothing pushed. */
int luajson_encode_push(lua_State *L, int idx, luajson_buf *buf, char *err, size_t errlen);
/* A flat object written member by member (lt_fast.c's encoder, called through LuaJIT's FFI):
 * begin, then one call per member in the table's traversal order, then end; b->p[0..b->len) is
 * then the text luajson_encode_push writes for the same table. luajson_flat_number returns -1 and
 * writes nothing for NaN or +-Infinity. */
void luajson_flat_begin(luajson_buf *b);
void luajson_flat_string(luajson_buf *b, const char *k, size_t kl, const char *s, size_t sl);
int luajson_flat_number(luajson_buf *b, const char *k, size_t kl, double d);
void luajson_flat_bool(luajson_buf *b, const char *k, size_t kl, int v);
void luajson_flat_end(luajson_buf *b);
#endif
