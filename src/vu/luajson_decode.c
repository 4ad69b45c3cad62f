/* luajson_decode.c — a strict JSON decoder (RFC 8259) straight into Lua values: lt.json.decode,
 * res:json() and the setup() data every VU receives.
 *
 * Strict means: exactly one value with optional whitespace (space, tab, LF, CR) around it and
 * nothing after it; no NaN or Infinity, no leading zeros, no trailing commas, no comments, no
 * single quotes; strings are valid UTF-8 with no raw control character and only the escapes of
 * the RFC. Choices where the RFC leaves room (the same as Go's encoding/json, which k6's
 * res.json() uses):
 * - a number too large for a double is an error (Go: "cannot unmarshal number ... into float64");
 *   one too small to be told from zero becomes 0 (or the nearest subnormal), as strconv does;
 * - a \u escape of a lone surrogate (\ud800 without its pair) becomes U+FFFD: the grammar allows
 *   it, UTF-8 cannot carry it;
 * - of duplicate keys the last one wins; null is absent in an object, lt.json.null in an array;
 * - nesting deeper than LUAJSON_MAX_DEPTH levels is its own error ("nested deeper than ..."),
 *   never reported as invalid JSON (Go allows 10000; LuaJIT lets a C function hold 8000 stack
 *   slots, and each level holds two).
 * Errors say what and where: the byte offset (from 0) and line:column (from 1, columns counted in
 * characters). Nothing is left on the Lua stack on an error.
 */
#include "base/utf8.h"
#include "vu/luajson.h"
#include <errno.h>
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    lua_State *L;
    const char *start, *p, *end;
    int depth;
    const char *at; /* where the error is */
    bool too_deep;  /* the error is the depth limit, not the syntax */
    char why[96];
} dec;

static int fail(dec *d, const char *at, const char *fmt, const char *arg) {
    d->at = at;
    snprintf(d->why, sizeof d->why, fmt, arg);
    return -1;
}

/* What stands at p, for messages: 'x', byte 0xff, or end of input. */
static const char *found(const dec *d, const char *p, char *buf, size_t len) {
    if (p >= d->end) return "end of input";
    unsigned char c = (unsigned char)*p;
    if (c > 0x20 && c < 0x7f)
        snprintf(buf, len, "'%c'", c);
    else
        snprintf(buf, len, "byte 0x%02x", c);
    return buf;
}

static int unexpected(dec *d, const char *p, const char *expected) {
    char b[16], msg[96];
    snprintf(msg, sizeof msg, "expected %s, found %s", expected, found(d, p, b, sizeof b));
    return fail(d, p, "%s", msg);
}

static void skip_ws(dec *d) {
    while (d->p < d->end && (*d->p == ' ' || *d->p == '\n' || *d->p == '\r' || *d->p == '\t'))
        d->p++;
}

static int value(dec *d);

/* ---------------- strings ---------------- */

static int hex4(const char *p, const char *end, unsigned *out) {
    unsigned v = 0;
    if (end - p < 4) return -1;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* The escape at p (p[0] == '\\') into b; returns the input bytes it took, or 0 on an error. */
static size_t escape(dec *d, const char *p, luaL_Buffer *b) {
    if (p + 1 >= d->end) return fail(d, p, "%s", "unterminated string"), 0;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = memchr(from, p[1], sizeof from - 1);
    if (k) {
        luaL_addchar(b, to[k - from]);
        return 2;
    }
    if (p[1] != 'u') {
        char msg[64];
        unsigned char c = (unsigned char)p[1];
        if (c > 0x20 && c < 0x7f)
            snprintf(msg, sizeof msg, "invalid escape \\%c in a string", c);
        else
            snprintf(msg, sizeof msg, "invalid escape (a backslash, then byte 0x%02x)", c);
        return fail(d, p, "%s", msg), 0;
    }
    unsigned u, lo;
    if (hex4(p + 2, d->end, &u) != 0)
        return fail(d, p, "%s", "invalid \\u escape (four hex digits expected)"), 0;
    size_t used = 6;
    if (u >= 0xD800 && u <= 0xDBFF && d->end - p >= 12 && p[6] == '\\' && p[7] == 'u' &&
        hex4(p + 8, d->end, &lo) == 0 && lo >= 0xDC00 && lo <= 0xDFFF) {
        u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00); /* a surrogate pair */
        used = 12;
    } else if (u >= 0xD800 && u <= 0xDFFF) {
        u = 0xFFFD; /* a lone surrogate: see the header */
    }
    char out[4];
    luaL_addlstring(b, out, utf8_encode(out, u));
    return used;
}

/* A string whose opening quote is at d->p; pushes it. Strings without escapes are pushed from
 * the input as they are (one scan, one copy). */
static int string(dec *d) {
    const char *open = d->p, *p = d->p + 1, *run = p;
    luaL_Buffer b;
    bool buffered = false;
    for (;;) {
        p += utf8_json_plain_run(p, (size_t)(d->end - p));
        if (p >= d->end) return fail(d, open, "%s", "unterminated string");
        unsigned char c = (unsigned char)*p;
        if (c == '"') break;
        if (c >= 0x80) {
            size_t n = utf8_sequence_len(p, (size_t)(d->end - p));
            if (!n) return fail(d, p, "%s", "invalid UTF-8 in a string");
            p += n;
            continue;
        }
        if (c < 0x20) {
            char msg[64];
            snprintf(msg, sizeof msg, "control character 0x%02x in a string (escape it)", c);
            return fail(d, p, "%s", msg);
        }
        /* a backslash: from here on the text is built */
        if (!buffered) {
            /* a luaL_Buffer keeps up to ~10 pieces on the stack before joining them */
            if (!lua_checkstack(d->L, LUA_MINSTACK)) return fail(d, p, "%s", "no Lua stack left");
            luaL_buffinit(d->L, &b);
            buffered = true;
        }
        luaL_addlstring(&b, run, (size_t)(p - run));
        size_t used = escape(d, p, &b);
        if (!used) return -1;
        p += used;
        run = p;
    }
    if (buffered) {
        luaL_addlstring(&b, run, (size_t)(p - run));
        luaL_pushresult(&b);
    } else {
        lua_pushlstring(d->L, run, (size_t)(p - run));
    }
    d->p = p + 1;
    return 0;
}

/* ---------------- numbers ---------------- */

static const char *digits(const char *p, const char *end) {
    while (p < end && *p >= '0' && *p <= '9') p++;
    return p;
}

/* RFC 8259's number grammar; returns its end, or NULL (with the error) when p starts none. */
static const char *number_end(dec *d, const char *p, bool *integer) {
    const char *s = p, *q;
    if (p < d->end && *p == '-') p++;
    if (p < d->end && (*p == 'I' || *p == 'N'))
        return fail(d, s, "%s", "NaN and Infinity are not JSON"), NULL;
    if (p >= d->end || *p < '0' || *p > '9') return unexpected(d, p, "a digit"), NULL;
    if (*p == '0' && p + 1 < d->end && p[1] >= '0' && p[1] <= '9')
        return fail(d, s, "%s", "a number with a leading zero"), NULL;
    p = digits(p, d->end);
    *integer = true;
    if (p < d->end && *p == '.') {
        q = digits(p + 1, d->end);
        if (q == p + 1) return unexpected(d, q, "a digit after '.'"), NULL;
        p = q;
        *integer = false;
    }
    if (p < d->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < d->end && (*p == '+' || *p == '-')) p++;
        q = digits(p, d->end);
        if (q == p) return unexpected(d, q, "a digit in the exponent"), NULL;
        p = q;
        *integer = false;
    }
    return p;
}

static int number(dec *d) {
    bool integer;
    const char *s = d->p, *e = number_end(d, s, &integer);
    if (!e) return -1;
    size_t len = (size_t)(e - s);
    double v;
    if (integer && len <= 16) { /* fits a long long; converting it rounds as strtod does */
        long long n = 0;
        for (const char *p = *s == '-' ? s + 1 : s; p < e; p++) n = n * 10 + (*p - '0');
        v = *s == '-' ? -(double)n : (double)n; /* "-0" stays -0 */
    } else {
        /* strtod wants a terminated string; the grammar is checked, so it reads all of it. lt
         * never calls setlocale, so the decimal point is '.'. */
        char small[64], *buf = len < sizeof small ? small : malloc(len + 1);
        if (!buf) return fail(d, s, "%s", "out of memory");
        memcpy(buf, s, len);
        buf[len] = 0;
        v = strtod(buf, NULL);
        if (buf != small) free(buf);
        if (isinf(v)) {
            char msg[96];
            snprintf(msg, sizeof msg, "number %.*s%s does not fit a double (at most %g)",
                     len > 24 ? 24 : (int)len, s, len > 24 ? "..." : "", 1.7976931348623157e308);
            return fail(d, s, "%s", msg);
        }
    }
    lua_pushnumber(d->L, v);
    d->p = e;
    return 0;
}

/* ---------------- containers ---------------- */

static int enter(dec *d) {
    if (d->depth >= LUAJSON_MAX_DEPTH) {
        d->too_deep = true;
        d->at = d->p;
        return -1;
    }
    if (!lua_checkstack(d->L, 4)) return fail(d, d->p, "%s", "no Lua stack left");
    d->depth++;
    d->p++; /* past '[' or '{' */
    skip_ws(d);
    return 0;
}

static int array(dec *d) {
    if (enter(d) != 0) return -1;
    lua_newtable(d->L);
    if (d->p < d->end && *d->p == ']') { /* marked, so that it encodes as [] again */
        luaL_newmetatable(d->L, LUAJSON_EMPTY_ARRAY_MT);
        lua_setmetatable(d->L, -2);
        d->p++;
        d->depth--;
        return 0;
    }
    for (int i = 1;; i++) {
        if (value(d) != 0) return -1;
        if (lua_isnil(d->L, -1)) { /* JSON null: an array keeps its place with lt.json.null */
            lua_pop(d->L, 1);
            lua_pushlightuserdata(d->L, NULL);
        }
        lua_rawseti(d->L, -2, i);
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            skip_ws(d);
            continue;
        }
        if (d->p < d->end && *d->p == ']') break;
        return unexpected(d, d->p, "',' or ']' in an array");
    }
    d->p++;
    d->depth--;
    return 0;
}

static int object(dec *d) {
    if (enter(d) != 0) return -1;
    lua_newtable(d->L);
    if (d->p < d->end && *d->p == '}') {
        d->p++;
        d->depth--;
        return 0;
    }
    for (;;) {
        if (d->p >= d->end || *d->p != '"') return unexpected(d, d->p, "a string key");
        if (string(d) != 0) return -1;
        skip_ws(d);
        if (d->p >= d->end || *d->p != ':') return unexpected(d, d->p, "':' after a key");
        d->p++;
        skip_ws(d);
        if (value(d) != 0) return -1;
        lua_rawset(d->L, -3); /* null (nil) removes the key: the last duplicate wins */
        skip_ws(d);
        if (d->p < d->end && *d->p == ',') {
            d->p++;
            skip_ws(d);
            continue;
        }
        if (d->p < d->end && *d->p == '}') break;
        return unexpected(d, d->p, "',' or '}' in an object");
    }
    d->p++;
    d->depth--;
    return 0;
}

static int literal(dec *d, const char *word, size_t len) {
    if ((size_t)(d->end - d->p) < len || memcmp(d->p, word, len) != 0)
        return fail(d, d->p, "%s", "invalid literal (true, false or null expected)");
    d->p += len;
    return 0;
}

/* One value at d->p (whitespace skipped); pushes it (null as nil). */
static int value(dec *d) {
    if (d->p >= d->end) return unexpected(d, d->p, "a value");
    switch (*d->p) {
    case '{':
        return object(d);
    case '[':
        return array(d);
    case '"':
        return string(d);
    case 't':
        if (literal(d, "true", 4)) return -1;
        lua_pushboolean(d->L, 1);
        return 0;
    case 'f':
        if (literal(d, "false", 5)) return -1;
        lua_pushboolean(d->L, 0);
        return 0;
    case 'n':
        if (literal(d, "null", 4)) return -1;
        lua_pushnil(d->L);
        return 0;
    case 'N':
    case 'I':
        return fail(d, d->p, "%s", "NaN and Infinity are not JSON");
    default:
        if (*d->p == '-' || (*d->p >= '0' && *d->p <= '9')) return number(d);
        return unexpected(d, d->p, "a value");
    }
}

/* Line and column (from 1; columns in characters) of offset `at` in s. */
static void line_column(const char *s, size_t at, long *line, long *col) {
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < at; i++) {
        if (s[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)s[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

int luajson_decode(lua_State *L, const char *s, size_t len, char *err, size_t errlen) {
    dec d = {.L = L, .start = s, .p = s, .end = s + len};
    int top = lua_gettop(L);
    skip_ws(&d);
    int rc = value(&d);
    if (rc == 0) {
        skip_ws(&d);
        if (d.p < d.end) rc = fail(&d, d.p, "%s", "unexpected data after the JSON value");
    }
    if (rc == 0) {
        if (lua_isnil(L, -1)) { /* a top-level null: lt.json.null, as in arrays */
            lua_pop(L, 1);
            lua_pushlightuserdata(L, NULL);
        }
        return 0;
    }
    lua_settop(L, top);
    size_t at = (size_t)(d.at - s);
    long line, col;
    line_column(s, at, &line, &col);
    if (d.too_deep)
        snprintf(err, errlen,
                 "JSON nested deeper than %d levels at byte offset %zu (line %ld, "
                 "column %ld)",
                 LUAJSON_MAX_DEPTH, at, line, col);
    else
        snprintf(err, errlen, "invalid JSON at byte offset %zu (line %ld, column %ld): %s", at,
                 line, col, d.why);
    return -1;
}
