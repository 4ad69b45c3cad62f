/* luajson.h — Lua values <-> JSON through cJSON.
 * Tables with keys 1..n (and nothing else) become arrays, other tables objects (keys as
 * strings); empty tables become {}. Functions, userdata and cycles are errors naming the path.
 * JSON null decodes to nil in objects and to lt.json.null (a sentinel) in arrays. */
#ifndef LT_VU_LUAJSON_H
#define LT_VU_LUAJSON_H
#include <cjson/cJSON.h>
#include <lua.h>
#include <stddef.h>

cJSON *luajson_to_cjson(lua_State *L, int idx, char *err, size_t errlen);
/* Encodes the value at idx; returns a malloc'd string or NULL with err. */
char *luajson_encode(lua_State *L, int idx, char *err, size_t errlen);
/* Pushes the decoded value; returns 0, or -1 with err (nothing pushed). */
int luajson_decode(lua_State *L, const char *s, size_t len, char *err, size_t errlen);
void luajson_push(lua_State *L, const cJSON *j);
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
#endif
