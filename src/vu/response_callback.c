/* response_callback.c — http.expectedStatuses / http.setResponseCallback (see the header). */
#include "vu/response_callback.h"
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>

#define STATUSES_MT "lt.expected_statuses"

/* k6's default: 200 <= status <= 399. */
static const struct {
    int n;
    int range[1][2];
} DEFAULT_STATUSES = {1, {{200, 399}}};

#define DEFAULT ((const lt_statuses *)&DEFAULT_STATUSES)

bool lt_statuses_match(const lt_statuses *s, int status) {
    for (int i = 0; i < s->n; i++)
        if (s->range[i][0] <= status && status <= s->range[i][1]) return true;
    return false;
}

static bool is_none(lua_State *L, int idx) {
    return lua_isnil(L, idx) || (lua_islightuserdata(L, idx) && !lua_touserdata(L, idx));
}

static bool whole(lua_State *L, int idx, int *out) {
    if (lua_type(L, idx) != LUA_TNUMBER) return false;
    double d = lua_tonumber(L, idx);
    if (d != floor(d) || fabs(d) > 1e9) return false;
    *out = (int)d;
    return true;
}

/* http.expectedStatuses(200, {min = 400, max = 422}, ...) */
static int l_expected_statuses(lua_State *L) {
    int n = lua_gettop(L);
    if (n == 0) return luaL_error(L, "lt.http.expectedStatuses: no arguments");
    lt_statuses *s = lua_newuserdata(L, sizeof *s + (size_t)n * sizeof s->range[0]);
    s->n = n;
    for (int i = 1; i <= n; i++) {
        int lo, hi;
        if (whole(L, i, &lo)) {
            hi = lo;
        } else if (lua_istable(L, i)) {
            lua_getfield(L, i, "min");
            lua_getfield(L, i, "max");
            bool have = !lua_isnil(L, -2) && !lua_isnil(L, -1);
            bool ok = whole(L, -2, &lo) && whole(L, -1, &hi);
            lua_pop(L, 2);
            if (!have)
                return luaL_error(
                    L,
                    "lt.http.expectedStatuses: argument %d was neither an integer nor "
                    "a table like {min = 100, max = 329}",
                    i);
            if (!ok)
                return luaL_error(
                    L, "lt.http.expectedStatuses: min and max of argument %d must be integers", i);
        } else {
            return luaL_error(L,
                              "lt.http.expectedStatuses: argument %d was neither an integer nor a "
                              "table like {min = 100, max = 329}",
                              i);
        }
        s->range[i - 1][0] = lo;
        s->range[i - 1][1] = hi;
    }
    luaL_getmetatable(L, STATUSES_MT);
    lua_setmetatable(L, -2);
    return 1;
}

static const lt_statuses *check_callback(lua_State *L, int idx, const char *what) {
    if (is_none(L, idx)) return NULL;
    const lt_statuses *s = luaL_testudata(L, idx, STATUSES_MT);
    if (!s)
        luaL_error(L, "%s: unsupported argument, expected lt.http.expectedStatuses(...) or nil",
                   what);
    return s;
}

/* The object stays referenced while it is in use: the runtime's by a registry ref, a VU's in its
 * keep table; C reads the pointer on every request. */
static int l_set_response_callback(lua_State *L) {
    runtime *rt = lua_touserdata(L, lua_upvalueindex(1));
    if (lua_gettop(L) == 0) lua_pushnil(L);
    const lt_statuses *s = check_callback(L, 1, "lt.http.setResponseCallback");
    vu *v = rt->current;
    if (v && v->co == L) { /* inside an iteration, setup or teardown: this VU only */
        lua_rawgeti(L, LUA_REGISTRYINDEX, v->keep_ref);
        lua_pushvalue(L, 1);
        lua_setfield(L, -2, "response_callback");
        v->response_cb = s;
        v->response_cb_own = true;
        return 0;
    }
    luaL_unref(L, LUA_REGISTRYINDEX, rt->response_cb_ref); /* the top level: every VU */
    lua_pushvalue(L, 1);
    rt->response_cb_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    rt->response_cb = s;
    return 0;
}

const lt_statuses *lt_vu_response_callback(const vu *v) {
    return v->response_cb_own ? v->response_cb : v->rt->response_cb;
}

void lt_response_callback_param(lua_State *L, int idx, const lt_statuses **out) {
    if (lua_isboolean(L, idx) && !lua_toboolean(L, idx)) {
        *out = NULL;
        return;
    }
    *out = check_callback(L, idx, "params.responseCallback");
}

void lt_open_response_callback(lua_State *L, runtime *rt) {
    luaL_newmetatable(L, STATUSES_MT);
    lua_pop(L, 1);
    rt->response_cb_ref = LUA_NOREF;
    rt->response_cb = DEFAULT;
    lua_pushcfunction(L, l_expected_statuses);
    lua_setfield(L, -2, "expectedStatuses");
    lua_pushlightuserdata(L, rt);
    lua_pushcclosure(L, l_set_response_callback, 1);
    lua_setfield(L, -2, "setResponseCallback");
}
