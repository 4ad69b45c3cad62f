/* luajson.c — Lua values -> JSON: the direct encoder of lt.json.encode and of setup()'s data, and
 * the cJSON tree the plan loader reads the options from. Both write valid UTF-8 only: an invalid
 * byte sequence in a Lua string becomes U+FFFD (base/utf8.h). The decoder is luajson_decode.c. */
#include "base/utf8.h"
#include "vu/luajson.h"
#include <lauxlib.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *convert(lua_State *L, int idx, int depth, char *path, size_t plen, char *err,
                      size_t errlen);

/* Is the table at idx a sequence 1..n with no other keys? Returns n, or -1. */
static int array_length(lua_State *L, int idx) {
    int n = 0, max = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER) {
            lua_pop(L, 1);
            return -1;
        }
        double k = lua_tonumber(L, -1);
        if (k < 1 || k != floor(k)) {
            lua_pop(L, 1);
            return -1;
        }
        if (k > max) max = (int)k;
        n++;
    }
    return n > 0 && n == max ? n : (n == 0 ? 0 : -1);
}

/* An empty table that lt decoded from [] (it carries the marker metatable of luajson.h): encoded
 * as [] again, so data decoded and encoded (handleSummary's) keeps its empty arrays. */
static bool decoded_empty_array(lua_State *L, int idx) {
    if (!lua_getmetatable(L, idx)) return false;
    luaL_getmetatable(L, LUAJSON_EMPTY_ARRAY_MT);
    bool same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    return same;
}

/* A cJSON string of s, repaired when it is not valid UTF-8 (cJSON writes bytes as it gets them). */
static cJSON *string_item(const char *s, size_t len) {
    if (utf8_valid(s, len)) return cJSON_CreateString(s);
    char *r = utf8_repair_dup(s, len, NULL);
    cJSON *j = r ? cJSON_CreateString(r) : NULL;
    free(r);
    return j;
}

static void add_member(cJSON *obj, const char *key, cJSON *item) {
    size_t len = strlen(key);
    if (utf8_valid(key, len)) {
        cJSON_AddItemToObject(obj, key, item);
        return;
    }
    char *r = utf8_repair_dup(key, len, NULL);
    cJSON_AddItemToObject(obj, r ? r : "", item); /* cJSON copies the key */
    free(r);
}

static cJSON *convert_table(lua_State *L, int idx, int depth, char *path, size_t plen, char *err,
                            size_t errlen) {
    if (!lua_checkstack(L, 4)) {
        snprintf(err, errlen, "%s: no Lua stack left", path[0] ? path : "value");
        return NULL;
    }
    int n = array_length(L, idx);
    size_t base = strlen(path);
    if (n > 0) {
        cJSON *arr = cJSON_CreateArray();
        for (int i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            snprintf(path + base, plen - base, "[%d]", i);
            cJSON *item = convert(L, lua_gettop(L), depth + 1, path, plen, err, errlen);
            lua_pop(L, 1);
            if (!item) {
                cJSON_Delete(arr);
                return NULL;
            }
            cJSON_AddItemToArray(arr, item);
        }
        path[base] = 0;
        return arr;
    }
    if (n == 0 && decoded_empty_array(L, idx)) return cJSON_CreateArray();
    cJSON *obj = cJSON_CreateObject();
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        char keybuf[64];
        const char *key;
        if (lua_type(L, -2) == LUA_TSTRING) {
            key = lua_tostring(L, -2);
        } else if (lua_type(L, -2) == LUA_TNUMBER) {
            snprintf(keybuf, sizeof keybuf, "%.15g", lua_tonumber(L, -2));
            key = keybuf;
        } else {
            snprintf(err, errlen, "%s: table keys must be strings or numbers",
                     path[0] ? path : "value");
            lua_pop(L, 2);
            cJSON_Delete(obj);
            return NULL;
        }
        snprintf(path + base, plen - base, "%s%s", base ? "." : "", key);
        cJSON *item = convert(L, lua_gettop(L), depth + 1, path, plen, err, errlen);
        if (!item) {
            lua_pop(L, 2);
            cJSON_Delete(obj);
            return NULL;
        }
        add_member(obj, key, item);
        lua_pop(L, 1);
    }
    path[base] = 0;
    return obj;
}

static cJSON *convert(lua_State *L, int idx, int depth, char *path, size_t plen, char *err,
                      size_t errlen) {
    if (depth >= LUAJSON_MAX_DEPTH && lua_type(L, idx) == LUA_TTABLE) {
        /* the reason first: the path of a cycle is long and gets cut */
        snprintf(err, errlen, "nested deeper than %d levels (a cycle?) at %s", LUAJSON_MAX_DEPTH,
                 path);
        return NULL;
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        return cJSON_CreateNull();
    case LUA_TBOOLEAN:
        return cJSON_CreateBool(lua_toboolean(L, idx));
    case LUA_TNUMBER: {
        double d = lua_tonumber(L, idx);
        if (!isfinite(d)) {
            snprintf(err, errlen, "%s: %g cannot be written as JSON", path[0] ? path : "value", d);
            return NULL;
        }
        return cJSON_CreateNumber(d);
    }
    case LUA_TSTRING: {
        size_t len;
        const char *str = lua_tolstring(L, idx, &len);
        return string_item(str, len);
    }
    case LUA_TTABLE:
        return convert_table(L, idx, depth, path, plen, err, errlen);
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) return cJSON_CreateNull(); /* lt.json.null */
        /* fallthrough */
    default:
        snprintf(err, errlen, "%s: a %s cannot be written as JSON", path[0] ? path : "value",
                 luaL_typename(L, idx));
        return NULL;
    }
}

cJSON *luajson_to_cjson(lua_State *L, int idx, char *err, size_t errlen) {
    char path[512] = "";
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    return convert(L, idx, 0, path, sizeof path, err, errlen);
}

/* ---------------- direct encoder (lt.json.encode's hot path) ----------------
 * Writes JSON straight into a luaL_Buffer: no cJSON tree, integers without printf. Same rules as
 * luajson_to_cjson; on an error it returns -1 with the path in err (built only then). */

/* A growable C buffer: luaL_Buffer would push partial strings onto the Lua stack that the
 * table traversal (lua_next) is using. The caller keeps it (one per runtime) and reuses it, so
 * encoding does not allocate. */
typedef luajson_buf jbuf;

void luajson_buf_free(luajson_buf *b) {
    free(b->p);
    *b = (luajson_buf){0};
}

static void jb_reserve(jbuf *b, size_t n) {
    if (b->len + n <= b->cap) return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) abort();
    b->p = p;
    b->cap = cap;
}

static void jb_add(jbuf *b, const char *s, size_t n) {
    jb_reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void jb_char(jbuf *b, char c) {
    jb_reserve(b, 1);
    b->p[b->len++] = c;
}

/* s as a JSON string. Most strings need no escape: one scan, one copy. Otherwise the escaper
 * stops where its output would not fit, and the buffer grows for the rest. */
static void put_string(jbuf *b, const char *s, size_t len) {
    jb_reserve(b, len + 2);
    b->p[b->len++] = '"';
    size_t done = utf8_json_plain_run(s, len);
    memcpy(b->p + b->len, s, done);
    b->len += done;
    while (done < len) {
        jb_reserve(b, len - done + 8); /* >= 6 free bytes: the escaper moves on */
        size_t used;
        b->len +=
            utf8_json_escape_some(b->p + b->len, b->cap - b->len, s + done, len - done, &used);
        done += used;
    }
    jb_char(b, '"');
}

static int put_number(jbuf *b, double d) {
    char buf[32];
    if (!isfinite(d)) return -1;
    if (d == floor(d) && fabs(d) < 9007199254740992.0) {
        long long v = (long long)d;
        char *p = buf + sizeof buf;
        unsigned long long u = v < 0 ? -(unsigned long long)v : (unsigned long long)v;
        do *--p = (char)('0' + u % 10);
        while (u /= 10);
        if (v < 0) *--p = '-';
        jb_add(b, p, (size_t)(buf + sizeof buf - p));
        return 0;
    }
    int n = snprintf(buf, sizeof buf, "%.15g", d); /* the short form when it reads back exactly */
    if (strtod(buf, NULL) != d) n = snprintf(buf, sizeof buf, "%.17g", d);
    jb_add(b, buf, (size_t)n);
    return 0;
}

/* The value at idx (absolute) onto b. The Lua stack is used for iteration only. */
static int put_value(lua_State *L, int idx, jbuf *b, int depth, const char **why) {
    switch (lua_type(L, idx)) {
    case LUA_TNIL:
        jb_add(b, "null", 4);
        return 0;
    case LUA_TBOOLEAN:
        if (lua_toboolean(L, idx))
            jb_add(b, "true", 4);
        else
            jb_add(b, "false", 5);
        return 0;
    case LUA_TNUMBER:
        if (put_number(b, lua_tonumber(L, idx)) != 0)
            return *why = "a number that JSON cannot hold", -1;
        return 0;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        put_string(b, s, len);
        return 0;
    }
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == NULL) {
            jb_add(b, "null", 4);
            return 0;
        }
        return *why = "a userdata", -1;
    case LUA_TTABLE:
        break;
    default:
        return *why = "a function or userdata", -1;
    }
    if (depth >= LUAJSON_MAX_DEPTH) return *why = "nested too deeply (a cycle?)", -1;
    if (!lua_checkstack(L, 4)) return *why = "no Lua stack left", -1;
    int n = array_length(L, idx);
    if (n > 0) {
        jb_char(b, '[');
        for (int i = 1; i <= n; i++) {
            if (i > 1) jb_char(b, ',');
            lua_rawgeti(L, idx, i);
            int rc = put_value(L, lua_gettop(L), b, depth + 1, why);
            lua_pop(L, 1);
            if (rc) return -1;
        }
        jb_char(b, ']');
        return 0;
    }
    if (n == 0 && decoded_empty_array(L, idx)) {
        jb_add(b, "[]", 2);
        return 0;
    }
    jb_char(b, '{');
    bool first = true;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int kt = lua_type(L, -2);
        if (kt != LUA_TSTRING && kt != LUA_TNUMBER) {
            lua_pop(L, 2);
            return *why = "a table key that is not a string or a number", -1;
        }
        if (!first) jb_char(b, ',');
        first = false;
        if (kt == LUA_TSTRING) {
            size_t len;
            const char *k = lua_tolstring(L, -2, &len);
            put_string(b, k, len);
        } else {
            char kb[64];
            int kl = snprintf(kb, sizeof kb, "%.15g", lua_tonumber(L, -2));
            put_string(b, kb, (size_t)kl);
        }
        jb_char(b, ':');
        if (put_value(L, lua_gettop(L), b, depth + 1, why)) {
            lua_pop(L, 2);
            return -1;
        }
        lua_pop(L, 1);
    }
    jb_char(b, '}');
    return 0;
}

/* The JSON text of the value at idx into b (from its start); -1 with err naming where the value
 * that cannot be written is (found again by the slower converter, which tracks the path). */
static int encode_into(lua_State *L, int idx, jbuf *b, char *err, size_t errlen) {
    if (idx < 0) idx = lua_gettop(L) + idx + 1;
    b->len = 0;
    const char *why = NULL;
    if (put_value(L, idx, b, 0, &why) == 0) return 0;
    err[0] = 0;
    cJSON *j = luajson_to_cjson(L, idx, err, errlen);
    cJSON_Delete(j); /* not NULL only if the two disagree, which they must not */
    if (!err[0]) snprintf(err, errlen, "%s", why ? why : "cannot encode");
    return -1;
}

char *luajson_encode(lua_State *L, int idx, char *err, size_t errlen) {
    jbuf b = {0};
    if (encode_into(L, idx, &b, err, errlen) != 0) {
        luajson_buf_free(&b);
        return NULL;
    }
    jb_char(&b, 0);
    return b.p;
}

int luajson_encode_push(lua_State *L, int idx, luajson_buf *bp, char *err, size_t errlen) {
    jbuf tmp = {0};
    jbuf *b = bp ? bp : &tmp;
    int rc = encode_into(L, idx, b, err, errlen);
    if (rc == 0) lua_pushlstring(L, b->p ? b->p : "", b->len);
    if (b->cap > (1u << 20) || b == &tmp) luajson_buf_free(b); /* keep no huge buffer */
    return rc;
}

/* ---------------- flat objects, member by member (lt_fast.c) ----------------
 * lt_fast.c's lt.json.encode walks a table of string keys and scalar values in Lua (on a compiled
 * trace) and writes each member through these: the same put_string and put_number as above, so
 * the text is the C encoder's byte for byte. */

void luajson_flat_begin(luajson_buf *b) {
    if (b->cap > (1u << 20)) luajson_buf_free(b); /* keep no huge buffer */
    b->len = 0;
    jb_char(b, '{');
}

static void flat_key(jbuf *b, const char *k, size_t kl) {
    if (b->len > 1) jb_char(b, ',');
    put_string(b, k, kl);
    jb_char(b, ':');
}

/* Copies s as the inside of a JSON string when no byte needs an escape or a UTF-8 check (printable
 * ASCII but '"' and '\\'); false, with *pp unchanged, when one does. */
static bool copy_plain(char **pp, const char *s, size_t len) {
    char *p = *pp;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
        p[i] = (char)c;
    }
    *pp = p + len;
    return true;
}

void luajson_flat_string(luajson_buf *b, const char *k, size_t kl, const char *s, size_t sl) {
    /* the common case in one pass: short ASCII key and value, nothing to escape */
    jb_reserve(b, kl + sl + 6);
    char *p = b->p + b->len;
    if (b->len > 1) *p++ = ',';
    *p++ = '"';
    if (copy_plain(&p, k, kl)) {
        *p++ = '"', *p++ = ':', *p++ = '"';
        if (copy_plain(&p, s, sl)) {
            *p++ = '"';
            b->len = (size_t)(p - b->p);
            return;
        }
    }
    flat_key(b, k, kl); /* not written: b->len has not moved */
    put_string(b, s, sl);
}

int luajson_flat_number(luajson_buf *b, const char *k, size_t kl, double d) {
    if (!isfinite(d)) return -1;
    flat_key(b, k, kl);
    return put_number(b, d);
}

void luajson_flat_bool(luajson_buf *b, const char *k, size_t kl, int v) {
    flat_key(b, k, kl);
    if (v)
        jb_add(b, "true", 4);
    else
        jb_add(b, "false", 5);
}

void luajson_flat_end(luajson_buf *b) {
    jb_char(b, '}');
}
