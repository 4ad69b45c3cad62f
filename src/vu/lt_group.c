/* lt_group.c — lt.group(name, fn), k6's group(): fn runs with the `group` tag ("::name", nested
 * "::outer::inner") on every sample taken inside it (requests, checks, custom metrics), and the
 * time it took is a group_duration sample with the same tags. It returns what fn returns; an
 * error in fn leaves the group, records its duration, and goes on up, as in k6.
 *
 * fn may yield (lt.http, lt.sleep), and a C function cannot call Lua that yields (LuaJIT cannot
 * yield across lua_call), so the wrapper is Lua: it calls fn under pcall, which LuaJIT lets
 * yield, between two C calls that enter and leave the group. */
#include "vu/runtime.h"
#include <lauxlib.h>
#include <stdatomic.h>
#include <string.h>

static atomic_int g_group_duration = -1; /* the metric's id (lt_open_group) */

static vu *group_vu(lua_State *L) {
    runtime *rt = lt_runtime(L);
    if (!rt->current || rt->current->co != L)
        luaL_error(L, "lt.group can only be called inside an iteration, setup or teardown");
    return rt->current;
}

/* enter(name) -> token, start time */
static int l_group_enter(lua_State *L) {
    size_t len;
    const char *name = luaL_checklstring(L, 1, &len);
    vu *v = group_vu(L);
    if (strstr(name, "::"))
        return luaL_error(L, "lt.group: group and check names may not contain '::'");
    int token = vu_group_enter(v, name, len);
    if (token < 0)
        return luaL_error(L, "lt.group: group path longer than %d bytes", (int)sizeof v->group - 1);
    lua_pushinteger(L, token);
    lua_pushnumber(L, lt_now());
    return 2;
}

/* leave(token, start): the group_duration sample, then the outer group's tags again */
static int l_group_leave(lua_State *L) {
    int token = (int)luaL_checkinteger(L, 1);
    double t0 = luaL_checknumber(L, 2);
    vu *v = group_vu(L);
    int id = atomic_load(&g_group_duration);
    if (id < 0) {
        char err[200];
        id = metric_register("group_duration", METRIC_TREND, true, err, sizeof err);
        if (id < 0) return luaL_error(L, "lt.group: %s", err);
        atomic_store(&g_group_duration, id);
    }
    rt_sample(v->rt, id, vu_base_tid(v), (lt_now() - t0) * 1000.0);
    vu_group_leave(v, token);
    return 0;
}

static const char GROUP_LUA[] =
    "local enter, leave, pcall, error, type = ...\n"
    "local function finish(token, t0, ok, ...)\n"
    "  leave(token, t0)\n"
    "  if not ok then error((...), 0) end\n"
    "  return ...\n"
    "end\n"
    "return function(name, fn)\n"
    "  if type(fn) ~= 'function' then\n"
    "    error('lt.group(name, fn) needs a function as its second argument', 2)\n"
    "  end\n"
    "  local token, t0 = enter(name)\n"
    "  return finish(token, t0, pcall(fn))\n"
    "end\n";

void lt_open_group(lua_State *L, runtime *rt) {
    (void)rt;
    /* registered with the module, so thresholds on group_duration pass validation */
    char err[200];
    int id = metric_register("group_duration", METRIC_TREND, true, err, sizeof err);
    if (id >= 0) atomic_store(&g_group_duration, id);
    if (luaL_loadbuffer(L, GROUP_LUA, sizeof GROUP_LUA - 1, "=lt.group") != 0) lua_error(L);
    lua_pushcfunction(L, l_group_enter);
    lua_pushcfunction(L, l_group_leave);
    lua_getglobal(L, "pcall");
    lua_getglobal(L, "error");
    lua_getglobal(L, "type");
    lua_call(L, 5, 1);
    lua_setfield(L, -2, "group");
}
