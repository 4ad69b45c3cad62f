/* luajson.c — Lua <-> cJSON conversion. */
#include "vu/luajson.h"
#include <lauxlib.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

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

static cJSON *convert_table(lua_State *L, int idx, int depth, char *path, size_t plen, char *err,
                            size_t errlen) {
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
            snprintf(err, errlen, "%s: table keys must be strings or numbers", path[0] ? path : "value");
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
        cJSON_AddItemToObject(obj, key, item);
        lua_pop(L, 1);
    }
    path[base] = 0;
    return obj;
}

static cJSON *convert(lua_State *L, int idx, int depth, char *path, size_t plen, char *err,
                      size_t errlen) {
    if (depth > MAX_DEPTH) {
        snprintf(err, errlen, "%s: nested too deeply (a cycle?)", path[0] ? path : "value");
        return NULL;
    }
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return cJSON_CreateNull();
    case LUA_TBOOLEAN: return cJSON_CreateBool(lua_toboolean(L, idx));
    case LUA_TNUMBER: {
        double d = lua_tonumber(L, idx);
        if (!isfinite(d)) {
            snprintf(err, errlen, "%s: %g cannot be written as JSON", path[0] ? path : "value", d);
            return NULL;
        }
        return cJSON_CreateNumber(d);
    }
    case LUA_TSTRING: return cJSON_CreateString(lua_tostring(L, idx));
    case LUA_TTABLE: return convert_table(L, idx, depth, path, plen, err, errlen);
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

char *luajson_encode(lua_State *L, int idx, char *err, size_t errlen) {
    cJSON *j = luajson_to_cjson(L, idx, err, errlen);
    if (!j) return NULL;
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

void luajson_push(lua_State *L, const cJSON *j) {
    if (cJSON_IsNull(j)) {
        lua_pushlightuserdata(L, NULL);
    } else if (cJSON_IsBool(j)) {
        lua_pushboolean(L, cJSON_IsTrue(j));
    } else if (cJSON_IsNumber(j)) {
        lua_pushnumber(L, j->valuedouble);
    } else if (cJSON_IsString(j)) {
        lua_pushstring(L, j->valuestring);
    } else if (cJSON_IsArray(j)) {
        lua_createtable(L, cJSON_GetArraySize(j), 0);
        int i = 1;
        const cJSON *it;
        cJSON_ArrayForEach(it, j) {
            luajson_push(L, it);
            lua_rawseti(L, -2, i++);
        }
    } else if (cJSON_IsObject(j)) {
        lua_createtable(L, 0, cJSON_GetArraySize(j));
        const cJSON *it;
        cJSON_ArrayForEach(it, j) {
            if (cJSON_IsNull(it)) continue; /* nil in a table is absence */
            luajson_push(L, it);
            lua_setfield(L, -2, it->string);
        }
    } else {
        lua_pushnil(L);
    }
}

int luajson_decode(lua_State *L, const char *s, size_t len, char *err, size_t errlen) {
    cJSON *j = cJSON_ParseWithLength(s, len);
    if (!j) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= s && at <= s + len ? (long)(at - s) : -1;
        snprintf(err, errlen, "invalid JSON (at byte %ld)", off);
        return -1;
    }
    luajson_push(L, j);
    cJSON_Delete(j);
    return 0;
}
