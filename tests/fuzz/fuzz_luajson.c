// fuzz-sources: src/vu/luajson.c src/vu/luajson_decode.c src/base/utf8.c
// fuzz-libs: luajit libcjson
/* fuzz_luajson.c — the strict JSON decoder and the UTF-8 escaper on arbitrary bytes.
 * - Decoding never crashes; it either pushes exactly one value or leaves the stack as it was and
 *   says where (a byte offset within the input).
 * - What it accepts encodes again with no error (the same depth limit both ways), as valid UTF-8
 *   that decodes to an equal value.
 * - The escaper and the decoder agree: the input escaped and quoted decodes to the input repaired,
 *   and repair gives valid UTF-8 that a second repair leaves alone. */
#include "base/utf8.h"
#include "vu/luajson.h"

#include <lauxlib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static lua_State *L;

/* Lua values a and b (absolute indexes) are equal, tables compared by content. */
static int equal(int a, int b, int depth) {
    if (lua_type(L, a) != lua_type(L, b)) return 0;
    if (lua_type(L, a) != LUA_TTABLE) return lua_rawequal(L, a, b);
    if (depth > LUAJSON_MAX_DEPTH || !lua_checkstack(L, 6)) abort();
    for (int pass = 0; pass < 2; pass++) { /* every key of a in b, then every key of b in a */
        int x = pass ? b : a, y = pass ? a : b;
        lua_pushnil(L);
        while (lua_next(L, x)) {
            lua_pushvalue(L, -2);
            lua_rawget(L, y);
            int top = lua_gettop(L);
            int same = pass ? !lua_isnil(L, top) : equal(top - 1, top, depth + 1);
            lua_pop(L, 2);
            if (!same) {
                lua_pop(L, 1);
                return 0;
            }
        }
    }
    return 1;
}

static void check_decode(const char *s, size_t size) {
    char err[256] = "";
    int top = lua_gettop(L);
    if (luajson_decode(L, s, size, err, sizeof err) != 0) {
        if (lua_gettop(L) != top || !err[0]) abort();
        const char *at = strstr(err, "byte offset ");
        if (!at || strtoul(at + 12, NULL, 10) > size) abort(); /* where, within the input */
        return;
    }
    if (lua_gettop(L) != top + 1) abort();
    luajson_buf b = {0};
    if (luajson_encode_push(L, top + 1, &b, err, sizeof err) != 0) abort(); /* accepted: writable */
    luajson_buf_free(&b);
    size_t n;
    const char *text = lua_tolstring(L, top + 2, &n);
    if (!utf8_valid(text, n)) abort();
    if (luajson_decode(L, text, n, err, sizeof err) != 0) abort();
    if (!equal(top + 1, top + 3, 0)) abort();
    lua_settop(L, top);
}

static void check_escape(const char *s, size_t size) {
    size_t rn;
    char *repaired = utf8_repair_dup(s, size, &rn);
    if (!repaired || !utf8_valid(repaired, rn)) abort();
    char *again = utf8_repair_dup(repaired, rn, NULL);
    if (!again || memcmp(again, repaired, rn) != 0) abort();
    free(again);
    char *q = malloc(UTF8_JSON_ESCAPE_MAX(size) + 2);
    if (!q) abort();
    size_t qn = utf8_json_escape(q + 1, s, size);
    if (qn != utf8_json_escaped_len(s, size)) abort();
    q[0] = q[qn + 1] = '"';
    char err[256];
    if (luajson_decode(L, q, qn + 2, err, sizeof err) != 0) abort();
    size_t dn;
    const char *d = lua_tolstring(L, -1, &dn);
    if (!d || dn != rn || memcmp(d, repaired, rn) != 0) abort();
    lua_pop(L, 1);
    free(q);
    free(repaired);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!L) L = luaL_newstate();
    if (!L) abort();
    check_decode((const char *)data, size);
    check_escape((const char *)data, size);
    lua_settop(L, 0);
    lua_gc(L, LUA_GCSTEP, 0);
    return 0;
}
