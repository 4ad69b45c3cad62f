/* test_json.c — src/vu/luajson: the strict decoder (RFC 8259; what it accepts, what it refuses
 * and how it says where), the depth limit named as such, and an encoder whose output is valid
 * UTF-8 JSON for any Lua string. */
#include "base/utf8.h"
#include "t.h"
#include "vu/luajson.h"
#include <lauxlib.h>
#include <lualib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static lua_State *L;
static char err[512];

/* Decodes json; returns true with the value pushed, or false with err (stack unchanged). */
static bool decode(const char *json, size_t len) {
    int top = lua_gettop(L);
    err[0] = 0;
    int rc = luajson_decode(L, json, len, err, sizeof err);
    T_CHECK(lua_gettop(L) == top + (rc == 0), "stack: %d -> %d", top, lua_gettop(L));
    return rc == 0;
}
#define DECODE(lit) decode(lit, sizeof lit - 1)

/* The encoder's text of the value on top (popped), in a static buffer; NULL with err. */
static const char *encode_top(void) {
    static char out[1 << 16];
    luajson_buf b = {0};
    err[0] = 0;
    int rc = luajson_encode_push(L, -1, &b, err, sizeof err);
    luajson_buf_free(&b);
    if (rc != 0) {
        lua_pop(L, 1);
        return NULL;
    }
    size_t n;
    const char *s = lua_tolstring(L, -1, &n);
    snprintf(out, sizeof out, "%.*s", (int)n, s);
    lua_pop(L, 2);
    return out;
}

/* Decodes json and encodes it again. */
static const char *roundtrip(const char *json) {
    if (!decode(json, strlen(json))) return NULL;
    return encode_top();
}

static void test_accepts(void) {
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"1", "1"},
        {" \t\r\n 1 \n", "1"}, /* the four whitespace characters, around the value */
        {"\"x\"", "\"x\""},
        {"true", "true"},
        {"[1,2,[3,[]],{}]", "[1,2,[3,[]],{}]"}, /* a decoded [] stays [] (marked), {} stays {} */
        {"{\"a\":[[],[1],{}]}", "{\"a\":[[],[1],{}]}"}, /* one key: Lua's order is no order */
        {"[null,1]", "[null,1]"},                       /* lt.json.null keeps the place */
        {"{\"a\":null}", "{}"},                         /* null is absence in an object */
        {"{\"a\":1,\"a\":2}", "{\"a\":2}"},             /* the last duplicate wins */
        {"{\"a\":1,\"a\":null}", "{}"},
        {"0.1", "0.1"},
        {"-12.5E+3", "-12500"},
        {"1e-400", "0"}, /* below the smallest subnormal: zero, as Go's strconv */
        {"1.7976931348623157e308", "1.7976931348623157e+308"},
        {"123456789012345678901234567890", "1.2345678901234568e+29"},
        {"9007199254740993", "9007199254740992"}, /* 2^53+1 rounds as a double must */
        {"\"\\u00e9\\ud83d\\ude00\"", "\"\xC3\xA9\xF0\x9F\x98\x80\""}, /* a pair becomes one */
        {"\"\\ud800\"", "\"\xEF\xBF\xBD\""}, /* a lone surrogate becomes U+FFFD */
        {"\"\\udc00x\"", "\"\xEF\xBF\xBDx\""},
        {"\"\\ud800\\u0041\"", "\"\xEF\xBF\xBD"
                               "A\""}, /* not a pair: U+FFFD, then the A */
        {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\\"\\\\/\\b\\f\\n\\r\\t\""},
        {"\"caf\xC3\xA9 \xE2\x82\xAC\"", "\"caf\xC3\xA9 \xE2\x82\xAC\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got = roundtrip(cases[i].in);
        T_CHECK(got && strcmp(got, cases[i].out) == 0, "'%s' -> '%s' (%s)", cases[i].in,
                got ? got : "error", err);
    }
    /* NUL escaped in a string is kept: Lua strings hold any byte */
    T_CHECK(DECODE("\"a\\u0000b\"") && lua_objlen(L, -1) == 3 && lua_tostring(L, -1)[1] == 0,
            "\\u0000");
    lua_pop(L, 1);
    T_CHECK(DECODE("-0") && lua_tonumber(L, -1) == 0 && signbit(lua_tonumber(L, -1)), "-0");
    lua_pop(L, 1);
    T_CHECK(DECODE("null") && lua_islightuserdata(L, -1) && !lua_touserdata(L, -1),
            "top-level null is lt.json.null");
    lua_pop(L, 1);
}

static void expect_error(const char *json, size_t len, const char *want1, const char *want2) {
    bool ok = decode(json, len);
    if (ok) lua_pop(L, 1);
    T_CHECK(!ok && strstr(err, want1) && (!want2 || strstr(err, want2)),
            "'%.*s': want '%s'%s%s, got %s", (int)len, json, want1, want2 ? " and " : "",
            want2 ? want2 : "", ok ? "success" : err);
}
#define REFUSES(lit, w1, w2) expect_error(lit, sizeof lit - 1, w1, w2)

/* A decoded [] encodes as [] through both encoders (the fast one and cJSON's, which setup() and
 * handleSummary results take); an empty table made in Lua is still {}. */
static void test_empty_arrays(void) {
    T_CHECK(DECODE("[[],{}]"), "decode [[],{}]");
    char *s = luajson_encode(L, -1, err, sizeof err);
    T_CHECK(s && strcmp(s, "[[],{}]") == 0, "cJSON encoder: got %s", s ? s : err);
    free(s);
    lua_pop(L, 1);
    T_CHECK(luaL_dostring(L, "return { {}, {} }") == 0, "script");
    s = luajson_encode(L, -1, err, sizeof err);
    T_CHECK(s && strcmp(s, "[{},{}]") == 0, "Lua's own empty tables: got %s", s ? s : err);
    free(s);
    lua_pop(L, 1);
    T_CHECK(luaL_dostring(L, "return {}") == 0, "script");
    const char *e = encode_top();
    T_CHECK(e && strcmp(e, "{}") == 0, "fast encoder, Lua's {}: got %s", e ? e : err);
}

static void test_refuses(void) {
    REFUSES("{\"a\":1}garbage", "byte offset 7 (line 1, column 8)", "after the JSON value");
    REFUSES("1 2", "byte offset 2", "after the JSON value");
    REFUSES("1e99999", "byte offset 0", "does not fit a double");
    REFUSES("-1e99999", "invalid JSON", "does not fit a double");
    REFUSES("[1, 1e400]", "byte offset 4", "does not fit a double");
    REFUSES("NaN", "invalid JSON", "NaN and Infinity");
    REFUSES("-Infinity", "invalid JSON", "NaN and Infinity");
    REFUSES("[Infinity]", "byte offset 1", "NaN and Infinity");
    REFUSES("", "byte offset 0", "found end of input");
    REFUSES("  \n ", "line 2, column 2", "found end of input");
    REFUSES("[1,]", "byte offset 3", "expected a value, found ']'");
    REFUSES("{\"a\":1,}", "byte offset 7", "expected a string key");
    REFUSES("{a:1}", "byte offset 1", "expected a string key, found 'a'");
    REFUSES("{\"a\" 1}", "byte offset 5", "':' after a key");
    REFUSES("[1 2]", "byte offset 3", "',' or ']'");
    REFUSES("{\"a\":1 \"b\":2}", "byte offset 7", "',' or '}'");
    REFUSES("'x'", "byte offset 0", "found '''");
    REFUSES("01", "byte offset 0", "leading zero");
    REFUSES("-01", "byte offset 0", "leading zero");
    REFUSES("1.", "byte offset 2", "a digit after '.'");
    REFUSES(".5", "byte offset 0", "expected a value");
    REFUSES("+1", "byte offset 0", "expected a value");
    REFUSES("-", "byte offset 1", "a digit");
    REFUSES("1e", "byte offset 2", "exponent");
    REFUSES("1e+", "byte offset 3", "exponent");
    REFUSES("0x10", "byte offset 1", "after the JSON value");
    REFUSES("tru", "byte offset 0", "invalid literal");
    REFUSES("nul", "byte offset 0", "invalid literal");
    REFUSES("True", "byte offset 0", "expected a value");
    REFUSES("\"abc", "byte offset 0", "unterminated string");
    REFUSES("\"ab\\", "byte offset 3", "unterminated string");
    REFUSES("\"\\x\"", "byte offset 1", "invalid escape \\x");
    REFUSES("\"\\u12\"", "byte offset 1", "four hex digits");
    REFUSES("\"\\u12G4\"", "byte offset 1", "four hex digits");
    REFUSES("\"a\nb\"", "byte offset 2", "control character 0x0a");
    REFUSES("\"a\tb\"", "byte offset 2", "control character 0x09");
    REFUSES("\"a\0b\"", "byte offset 2", "control character 0x00");
    REFUSES("\"\xFF\"", "byte offset 1", "invalid UTF-8");
    REFUSES("\"ok\xC0\x80\"", "byte offset 3", "invalid UTF-8");   /* overlong */
    REFUSES("\"\xED\xA0\x80\"", "byte offset 1", "invalid UTF-8"); /* a surrogate in UTF-8 */
    REFUSES("\"\xE2\x82\"", "byte offset 1", "invalid UTF-8");     /* truncated */
    REFUSES("\xEF\xBB\xBF{}", "byte offset 0", "byte 0xef");       /* a byte order mark */
    REFUSES("\v1", "byte offset 0", "byte 0x0b");                  /* not JSON whitespace */
    REFUSES("{}}", "byte offset 2", "after the JSON value");
    REFUSES("/* c */ 1", "byte offset 0", "found '/'");
    /* line and column: columns count characters, not bytes */
    REFUSES("{\n  \"a\": tru\n}", "byte offset 9 (line 2, column 8)", "invalid literal");
    REFUSES("[\"\xC3\xA9\", x]", "byte offset 7 (line 1, column 7)", "found 'x'");
}

static char *nested(int levels, const char *open, const char *inner, const char *close) {
    size_t lo = strlen(open), li = strlen(inner), lc = strlen(close);
    char *s = malloc((size_t)levels * (lo + lc) + li + 1), *p = s;
    for (int i = 0; i < levels; i++) p = memcpy(p, open, lo), p += lo;
    p = memcpy(p, inner, li), p += li;
    for (int i = 0; i < levels; i++) p = memcpy(p, close, lc), p += lc;
    *p = 0;
    return s;
}

static void test_depth(void) {
    char *ok = nested(LUAJSON_MAX_DEPTH, "[", "1", "]");
    T_CHECK(decode(ok, strlen(ok)), "%d levels decode: %s", LUAJSON_MAX_DEPTH, err);
    const char *again = encode_top(); /* what lt decodes it can encode again */
    T_CHECK(again && strcmp(again, ok) == 0, "%d levels encode again: %s", LUAJSON_MAX_DEPTH,
            again ? "differs" : err);
    free(ok);
    char *deep = nested(LUAJSON_MAX_DEPTH + 1, "[", "", "]");
    T_CHECK(!decode(deep, strlen(deep)), "one level more is refused");
    T_CHECK(strstr(err, "nested deeper than 1000 levels at byte offset 1000") &&
                !strstr(err, "invalid JSON"),
            "the depth error is named as such: %s", err);
    free(deep);
    char *objs = nested(LUAJSON_MAX_DEPTH + 1, "{\"k\":", "1", "}");
    T_CHECK(!decode(objs, strlen(objs)) && strstr(err, "nested deeper"), "objects too: %s", err);
    free(objs);
    /* the deepest level building a long string with escapes (a luaL_Buffer of many pieces) */
    size_t klen = 100000;
    char *key = malloc(klen * 2 + 3), *k = key;
    *k++ = '"';
    for (size_t i = 0; i < klen; i++) *k++ = '\\', *k++ = 'n';
    *k++ = '"';
    *k = 0;
    char *inner = malloc(strlen(key) + 8);
    sprintf(inner, "{%s:1}", key);
    char *deepkey = nested(LUAJSON_MAX_DEPTH - 1, "[", inner, "]");
    bool deep_ok = decode(deepkey, strlen(deepkey));
    size_t got = 0;
    if (deep_ok) {
        for (int i = 0; i < LUAJSON_MAX_DEPTH - 1; i++) lua_rawgeti(L, -1, 1), lua_remove(L, -2);
        lua_pushnil(L);
        if (lua_next(L, -2)) {
            lua_tolstring(L, -2, &got);
            lua_pop(L, 2);
        }
        lua_pop(L, 1);
    }
    T_CHECK(deep_ok && got == klen, "a %zu-byte escaped key %d levels down: %zu (%s)", klen,
            LUAJSON_MAX_DEPTH, got, err);
    free(deepkey);
    free(inner);
    free(key);
    char *huge = nested(100000, "[", "", "]"); /* far past the limit: refused, not a crash */
    T_CHECK(!decode(huge, strlen(huge)) && strstr(err, "nested deeper"), "100000 levels: %s", err);
    free(huge);
    /* a cycle is found at the limit, with the path */
    T_CHECK(luaL_dostring(L, "local t = {} t.self = t return t") == 0, "cycle script");
    T_CHECK(encode_top() == NULL &&
                strstr(err, "nested deeper than 1000 levels (a cycle?) at self.self."),
            "cycle: %s", err);
}

/* Lua strings of every bad kind encode to valid UTF-8 JSON that decodes back to the repair. */
static void test_encode_utf8(void) {
    static const struct {
        const char *s;
        size_t len;
    } bad[] = {
        {"\xFF", 1},         {"a\xE2\x82", 3},         {"\xC0\x80", 2},
        {"\xED\xA0\x80", 3}, {"x\xF4\x90\x80\x80", 5}, {"ok\xC3\xA9\x80", 5},
        {"nul\0in", 6},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        lua_createtable(L, 0, 1);
        lua_pushlstring(L, bad[i].s, bad[i].len); /* as key and as value */
        lua_pushlstring(L, bad[i].s, bad[i].len);
        lua_rawset(L, -3);
        const char *json = encode_top();
        T_CHECK(json && utf8_valid(json, strlen(json)), "case %zu: valid UTF-8", i);
        if (!json) continue;
        T_CHECK(decode(json, strlen(json)), "case %zu: decodes again: %s", i, err);
        size_t rn;
        char *want = utf8_repair_dup(bad[i].s, bad[i].len, &rn);
        lua_pushlstring(L, want, rn);
        lua_rawget(L, -2);
        size_t n = 0;
        const char *v = lua_tolstring(L, -1, &n);
        T_CHECK(v && n == rn && memcmp(v, want, n) == 0, "case %zu: the repaired value", i);
        lua_pop(L, 2);
        free(want);
    }
    /* setup()'s data goes through luajson_encode: the same rules */
    lua_pushstring(L, "a\xFF");
    char *s = luajson_encode(L, -1, err, sizeof err);
    T_CHECK(s && strcmp(s, "\"a\xEF\xBF\xBD\"") == 0, "luajson_encode repairs: %s", s ? s : err);
    free(s);
    /* the options' cJSON tree too (keys and values) */
    T_CHECK(luaL_dostring(
                L, "return { ['k\\255'] = 'v\\192\\128', list = { '\\237\\160\\128' } }") == 0,
            "options script");
    cJSON *j = luajson_to_cjson(L, -1, err, sizeof err);
    char *printed = j ? cJSON_PrintUnformatted(j) : NULL;
    T_CHECK(printed && utf8_valid(printed, strlen(printed)) && strstr(printed, "k\xEF\xBF\xBD"),
            "options tree repaired: %s", printed ? printed : err);
    free(printed);
    cJSON_Delete(j);
    lua_settop(L, 0);
    /* a long string needing escapes all through grows the buffer in steps */
    char big[30000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = i % 3 ? '\x01' : '\xFF';
    lua_pushlstring(L, big, sizeof big);
    luajson_buf b = {0};
    T_CHECK(luajson_encode_push(L, -1, &b, err, sizeof err) == 0, "big string encodes");
    size_t n;
    const char *t = lua_tolstring(L, -1, &n);
    T_CHECK(n == utf8_json_escaped_len(big, sizeof big) + 2 && utf8_valid(t, n),
            "big string: %zu bytes, valid", n);
    luajson_buf_free(&b);
    lua_settop(L, 0);
}

int main(void) {
    L = luaL_newstate();
    luaL_openlibs(L);
    test_accepts();
    test_refuses();
    test_depth();
    test_encode_utf8();
    test_empty_arrays();
    lua_close(L);
    return T_DONE();
}
