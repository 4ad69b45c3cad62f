/* lt_module.c — the `lt` Lua module: checks, custom metrics, sleep, JSON, env, VU and scenario
 * info, per-VU random streams, logging, abort, shell commands (main thread only), time. A
 * sample's tag set comes from lt_tags.c; lt inspect's guard on side effects is inspect_guard.c. */
#include "base/utf8.h"
#include "plan/duration.h"
#include "vu/luajson.h"
#include "vu/runtime.h"
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#define METRIC_MT "lt.metric"

/* ---------------- helpers ---------------- */

static vu *require_vu(lua_State *L, const char *what) {
    runtime *rt = lt_runtime(L);
    if (!rt->current || rt->current->co != L)
        luaL_error(L, "%s can only be called inside an iteration, setup or teardown", what);
    return rt->current;
}

static double vu_random(lua_State *L) {
    runtime *rt = lt_runtime(L);
    uint64_t *s = rt->current ? rt->current->rng : rt->rng;
    /* xoshiro256** */
    uint64_t r = s[1] * 5;
    r = ((r << 7) | (r >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return (double)(r >> 11) * 0x1.0p-53;
}

/* ---------------- lt.check ---------------- */

static int l_check(lua_State *L) {
    runtime *rt = lt_runtime(L);
    luaL_checktype(L, 2, LUA_TTABLE);
    int tags_idx = lua_istable(L, 3) ? 3 : 0;
    bool all = true;
    int base = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "lt.check: check names must be strings");
        const char *name = lua_tostring(L, -2);
        if (lua_isfunction(L, -1)) {
            lua_pushvalue(L, 1);
            lua_call(L, 1, 1); /* an error in a check fails the iteration, as in k6 */
        }
        bool ok = lua_toboolean(L, -1);
        lua_settop(L, base + 1); /* keep the key for lua_next */
        if (!ok) all = false;
        uint32_t tid = lt_tags_with(L, rt, tags_idx, "check", name);
        rt_sample(rt, M_CHECKS, tid, ok ? 1 : 0);
    }
    lua_pushboolean(L, all);
    return 1;
}

/* ---------------- lt.metrics ---------------- */

typedef struct {
    int id;
} metric_ud;

static int new_metric(lua_State *L, metric_type type) {
    const char *name = luaL_checkstring(L, 1);
    bool is_time = lua_toboolean(L, 2);
    char err[200];
    int id = metric_register(name, type, is_time, err, sizeof err);
    if (id < 0) return luaL_error(L, "%s", err);
    if (id < M_BUILTIN_COUNT) return luaL_error(L, "'%s' is a built-in metric name", name);
    metric_ud *m = lua_newuserdata(L, sizeof *m);
    m->id = id;
    luaL_getmetatable(L, METRIC_MT);
    lua_setmetatable(L, -2);
    runtime *rt = lt_runtime(L);
    if (rt->metric_ids_ref != LUA_NOREF) { /* lt_fast.c's add finds the id there */
        lua_rawgeti(L, LUA_REGISTRYINDEX, rt->metric_ids_ref);
        lua_pushvalue(L, -2);
        lua_pushinteger(L, id);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    return 1;
}

static int l_trend(lua_State *L) {
    return new_metric(L, METRIC_TREND);
}
static int l_counter(lua_State *L) {
    return new_metric(L, METRIC_COUNTER);
}
static int l_rate(lua_State *L) {
    return new_metric(L, METRIC_RATE);
}
static int l_gauge(lua_State *L) {
    return new_metric(L, METRIC_GAUGE);
}

static int l_metric_add(lua_State *L) {
    metric_ud *m = luaL_checkudata(L, 1, METRIC_MT);
    runtime *rt = lt_runtime(L);
    double v;
    if (lua_isboolean(L, 2))
        v = lua_toboolean(L, 2);
    else
        v = luaL_checknumber(L, 2);
    uint32_t tid = lt_tags_with(L, rt, lua_istable(L, 3) ? 3 : 0, NULL, NULL);
    rt_sample(rt, m->id, tid, v);
    return 0;
}

static int l_metric_name(lua_State *L) {
    metric_ud *m = luaL_checkudata(L, 1, METRIC_MT);
    lua_pushstring(L, metric_get(m->id)->name);
    return 1;
}

/* ---------------- lt.sleep ---------------- */

static void sleep_cb(evutil_socket_t fd, short what, void *arg) {
    vu *v = arg;
    if (v->interrupted) return;
    vu_resume(v, 0);
}

static void sleep_cancel(vu *v) {
    event_del(v->sleep_ev);
}

static int l_sleep(lua_State *L) {
    double s = luaL_checknumber(L, 1);
    vu *v = require_vu(L, "lt.sleep");
    if (s < 0) s = 0;
    if (!v->sleep_ev) v->sleep_ev = evtimer_new(v->rt->base, sleep_cb, v);
    struct timeval tv = {(long)s, (long)((s - (long)s) * 1e6)};
    /* from now, not from the loop pass's cached time: a slow callback before this one (VUs made
     * at a scenario's start) would otherwise end the sleep early by its duration */
    event_base_update_cache_time(v->rt->base);
    evtimer_add(v->sleep_ev, &tv);
    return vu_yield(L, v, sleep_cancel);
}

/* ---------------- lt.json ---------------- */

static int l_json_encode(lua_State *L) {
    char err[256] = "";
    luaL_checkany(L, 1);
    if (luajson_encode_push(L, 1, &lt_runtime(L)->json_buf, err, sizeof err) != 0)
        return luaL_error(L, "lt.json.encode: %s", err);
    return 1;
}

static int l_json_decode(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char err[256];
    if (luajson_decode(L, s, len, err, sizeof err) != 0)
        return luaL_error(L, "lt.json.decode: %s", err);
    return 1;
}

/* ---------------- lt.env, lt.vu, lt.scenario ---------------- */

static int env_index(lua_State *L) {
    runtime *rt = lt_runtime(L);
    const char *key = lua_tostring(L, 2);
    if (!key) return 0;
    if (rt->current && rt->current->sc) {
        const char *v = kv_get(&rt->current->sc->env, key);
        if (v) {
            lua_pushstring(L, v);
            return 1;
        }
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(1));
    return 1;
}

static int vu_index(lua_State *L) {
    runtime *rt = lt_runtime(L);
    const char *key = luaL_checkstring(L, 2);
    vu *v = rt->current;
    if (strcmp(key, "id") == 0)
        lua_pushinteger(L, v ? v->id : 0);
    else if (strcmp(key, "iteration") == 0)
        lua_pushinteger(L, v ? v->iteration : 0);
    else if (strcmp(key, "iteration_in_scenario") == 0)
        lua_pushinteger(L, v ? v->iteration : 0);
    else if (strcmp(key, "thread") == 0)
        lua_pushinteger(L, rt->index);
    else if (!lt_push_vu_field(L, rt, key))
        lua_pushnil(L);
    return 1;
}

/* lt.vu.id and lt.vu.iteration for LuaJIT's FFI: order ids read the id once per request (see
 * random_via_ffi), and an __index that calls a C function from a trace breaks the caller's trace
 * (so lt_fast.c's Lua functions after it ran interpreted: P2 with lt.vu.iteration read per request
 * cost 18.9k instructions instead of 14.8k). */
static int ffi_vu_id(runtime *rt) {
    return rt->current ? rt->current->id : 0;
}
static double ffi_vu_iteration(runtime *rt) {
    return rt->current ? (double)rt->current->iteration : 0;
}

static const char VU_INDEX_FFI[] = "local ffi, fn, fit, rt, index = require('ffi'), ...\n"
                                   "local f = ffi.cast('int (*)(void *)', fn)\n"
                                   "local it = ffi.cast('double (*)(void *)', fit)\n"
                                   "local p = ffi.cast('void *', rt)\n"
                                   "return function(t, k)\n"
                                   "  if k == 'id' then return f(p) end\n"
                                   "  if k == 'iteration' or k == 'iteration_in_scenario' then\n"
                                   "    return it(p)\n"
                                   "  end\n"
                                   "  return index(t, k)\n"
                                   "end\n";

/* Pushes lt.vu's __index: vu_index, with lt.vu.id answered through the FFI when it can be. */
static void push_vu_index(lua_State *L, runtime *rt) {
    if (!lt_ffi_enabled()) {
        lua_pushcfunction(L, vu_index);
        return;
    }
    if (luaL_loadstring(L, VU_INDEX_FFI) == 0) {
        lua_pushlightuserdata(L, (void *)(uintptr_t)&ffi_vu_id);
        lua_pushlightuserdata(L, (void *)(uintptr_t)&ffi_vu_iteration);
        lua_pushlightuserdata(L, rt);
        lua_pushcfunction(L, vu_index);
        if (lua_pcall(L, 4, 1, 0) == 0) return;
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, vu_index);
}

static int scenario_index(lua_State *L) {
    runtime *rt = lt_runtime(L);
    const char *key = luaL_checkstring(L, 2);
    vu *v = rt->current;
    const scenario_plan *sc = v ? v->sc : NULL;
    if (strcmp(key, "name") == 0) {
        if (sc && sc->name)
            lua_pushstring(L, sc->name);
        else
            lua_pushnil(L);
    } else if (strcmp(key, "iteration") == 0) {
        lua_pushinteger(L, v ? v->scenario_iteration : 0);
    } else if (strcmp(key, "iteration_in_test") == 0) {
        lua_pushinteger(L, v ? v->iteration_in_test : 0);
    } else if (strcmp(key, "executor") == 0 && sc && sc->name) {
        lua_pushstring(L, executor_name(sc->kind));
    } else if (!lt_push_scenario_field(L, rt, key)) {
        lua_pushnil(L);
    }
    return 1;
}

/* lt.env and lt.scenario's common keys through LuaJIT's FFI, for the reason of ffi_vu_iteration:
 * a C __index breaks the trace of the iteration that reads it. Other keys go to the C functions. */
static const char *ffi_env_get(runtime *rt, const char *key) {
    return rt->current && rt->current->sc ? kv_get(&rt->current->sc->env, key) : NULL;
}
static const char *ffi_scenario_name(runtime *rt) {
    return rt->current && rt->current->sc ? rt->current->sc->name : NULL;
}
static double ffi_scenario_iteration(runtime *rt) {
    return rt->current ? (double)rt->current->scenario_iteration : 0;
}

static const char ENV_INDEX_FFI[] =
    "local ffi, fget, rt, envt, index = require('ffi'), ...\n"
    "local get = ffi.cast('const char *(*)(void *, const char *)', fget)\n"
    "local p = ffi.cast('void *', rt)\n"
    "local fstring, rawget, type = ffi.string, rawget, type\n"
    "return function(t, k)\n"
    "  if type(k) ~= 'string' then return index(t, k) end\n"
    "  local v = get(p, k)\n"
    "  if v ~= nil then return fstring(v) end\n"
    "  return rawget(envt, k)\n"
    "end\n";

static const char SCENARIO_INDEX_FFI[] = "local ffi, fname, fit, rt, index = require('ffi'), ...\n"
                                         "local name = ffi.cast('const char *(*)(void *)', fname)\n"
                                         "local it = ffi.cast('double (*)(void *)', fit)\n"
                                         "local p = ffi.cast('void *', rt)\n"
                                         "local fstring = ffi.string\n"
                                         "return function(t, k)\n"
                                         "  if k == 'name' then\n"
                                         "    local v = name(p)\n"
                                         "    if v == nil then return nil end\n"
                                         "    return fstring(v)\n"
                                         "  end\n"
                                         "  if k == 'iteration' then return it(p) end\n"
                                         "  return index(t, k)\n"
                                         "end\n";

/* Replaces the C function on top (an __index) by the function `chunk` returns when called with
 * nfns C function pointers, rt, `extra` (a stack index, or 0) and that C function. */
static void index_via_ffi(lua_State *L, runtime *rt, const char *chunk, void *const *fns, int nfns,
                          int extra) {
    int top = lua_gettop(L);
    if (!lt_ffi_enabled() || luaL_loadstring(L, chunk) != 0) {
        lua_settop(L, top);
        return;
    }
    for (int i = 0; i < nfns; i++) lua_pushlightuserdata(L, fns[i]);
    lua_pushlightuserdata(L, rt);
    if (extra) lua_pushvalue(L, extra);
    lua_pushvalue(L, top);
    if (lua_pcall(L, nfns + 2 + (extra != 0), 1, 0) != 0 || !lua_isfunction(L, -1)) {
        lua_settop(L, top);
        return;
    }
    lua_replace(L, top);
}

/* Replaces the function on top by an empty table whose __index it is. */
static void push_proxy_fn(lua_State *L) {
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, "__index");
    lua_newtable(L);
    lua_insert(L, -2);
    lua_setmetatable(L, -2);
}

/* ---------------- random, log, abort, exec, time ---------------- */

static int l_random(lua_State *L) {
    lua_pushnumber(L, vu_random(L));
    return 1;
}

/* The same stream for LuaJIT's FFI: an FFI call compiles into the caller's trace, a classic
 * lua_CFunction does not (the trace stitches around it), and order generators call lt.random a few
 * times per request. */
static double ffi_random(runtime *rt) {
    uint64_t *s = rt->current ? rt->current->rng : rt->rng;
    uint64_t r = s[1] * 5; /* xoshiro256**, as vu_random */
    r = ((r << 7) | (r >> 57)) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = (s[3] << 45) | (s[3] >> 19);
    return (double)(r >> 11) * 0x1.0p-53;
}

static const char RANDOM_FFI[] = "local ffi, fn, rt = require('ffi'), ...\n"
                                 "local f = ffi.cast('double (*)(void *)', fn)\n"
                                 "local p = ffi.cast('void *', rt)\n"
                                 "return function() return f(p) end\n";

/* Replaces lt.random (the table on top) by its FFI version; keeps the C one if that fails. */
static void random_via_ffi(lua_State *L, runtime *rt) {
    if (!lt_ffi_enabled()) return;
    if (luaL_loadstring(L, RANDOM_FFI) != 0) {
        lua_pop(L, 1);
        return;
    }
    lua_pushlightuserdata(L, (void *)(uintptr_t)&ffi_random);
    lua_pushlightuserdata(L, rt);
    if (lua_pcall(L, 2, 1, 0) != 0) {
        lua_pop(L, 1);
        return;
    }
    lua_setfield(L, -2, "random");
}

static int l_random_int(lua_State *L) {
    lua_Number lo = luaL_checknumber(L, 1), hi = luaL_checknumber(L, 2);
    if (hi < lo) return luaL_error(L, "lt.random_int: hi (%f) < lo (%f)", hi, lo);
    long span = (long)hi - (long)lo + 1;
    lua_pushnumber(L, (double)((long)lo + (long)(vu_random(L) * span)));
    return 1;
}

static int l_log(lua_State *L) {
    runtime *rt = lt_runtime(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        lua_getglobal(L, "tostring");
        lua_pushvalue(L, i);
        lua_call(L, 1, 1);
        if (i > 1) luaL_addchar(&b, ' ');
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    if (rt->current && rt->current->sc && rt->current->sc->name)
        fprintf(stderr, "lt: [vu %d] %s\n", rt->current->id, lua_tostring(L, -1));
    else
        fprintf(stderr, "lt: %s\n", lua_tostring(L, -1));
    return 0;
}

static int l_abort(lua_State *L) {
    runtime *rt = lt_runtime(L);
    size_t len;
    const char *msg = luaL_optlstring(L, 1, "lt.abort() called", &len);
    /* The first caller writes the reason (valid UTF-8, cut whole), then publishes `aborted`: who
     * sees the flag sees the reason. */
    if (!atomic_exchange(&rt->shared->abort_claimed, true)) {
        utf8_copy(rt->shared->abort_reason, sizeof rt->shared->abort_reason, msg,
                  strnlen(msg, len));
        atomic_store(&rt->shared->aborted, true);
    }
    atomic_store(&rt->shared->stopping, true);
    return luaL_error(L, "test aborted: %s", msg);
}

static int l_exec(lua_State *L) {
    runtime *rt = lt_runtime(L);
    const char *cmd = luaL_checkstring(L, 1);
    if (rt->index >= 0)
        return luaL_error(
            L, "lt.exec runs only on the main thread (setup, teardown, timeline, scenario setup)");
    /* The top level runs once per thread and under lt inspect, which must have no side effects:
     * a command there would run N+1 times, or when the user only asked to see the options. */
    if (!rt->current)
        return luaL_error(L, "lt.exec runs only in setup, teardown, a timeline action or a "
                             "scenario setup (not at the top level of the script)");
    fflush(NULL);
    FILE *p = popen(cmd, "r");
    if (!p) return luaL_error(L, "lt.exec: cannot run '%s'", cmd);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) luaL_addlstring(&b, buf, n);
    int st = pclose(p);
    int code = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    lua_pushboolean(L, code == 0);
    lua_pushinteger(L, code);
    luaL_pushresult(&b);
    return 3;
}

static int l_time(lua_State *L) {
    runtime *rt = lt_runtime(L);
    lua_pushnumber(L, rt->shared->run_t0 > 0 ? lt_now() - rt->shared->run_t0 : 0);
    return 1;
}

static int l_duration(lua_State *L) {
    char err[128];
    double s;
    if (lua_isnumber(L, 1)) {
        lua_pushnumber(L, lua_tonumber(L, 1) / 1000.0);
        return 1;
    }
    if (duration_parse(luaL_checkstring(L, 1), &s, err, sizeof err) != 0)
        return luaL_error(L, "%s", err);
    lua_pushnumber(L, s);
    return 1;
}

/* lt.time_scale, read from the plan when asked: the control runtime loads the script before the
 * plan exists (its options come from it), and setup() and teardown() must see the plan's value.
 * 1 at the control runtime's top level. */
static int lt_index(lua_State *L) {
    runtime *rt = lt_runtime(L);
    if (lua_type(L, 2) == LUA_TSTRING && strcmp(lua_tostring(L, 2), "time_scale") == 0) {
        lua_pushnumber(L, rt->shared->plan ? rt->shared->plan->time_scale : 1);
        return 1;
    }
    return 0;
}

static int load_lt(lua_State *L) {
    lua_getglobal(L, "lt");
    return 1;
}

void lt_open_module(lua_State *L, runtime *rt) {
    if (rt->shared->inspect) lt_inspect_guard(L);
    luaL_newmetatable(L, METRIC_MT);
    lua_newtable(L);
    lua_pushcfunction(L, l_metric_add);
    lua_setfield(L, -2, "add");
    lua_pushcfunction(L, l_metric_name);
    lua_setfield(L, -2, "name");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);

    static const luaL_Reg fns[] = {{"check", l_check},       {"sleep", l_sleep},
                                   {"random", l_random},     {"random_int", l_random_int},
                                   {"log", l_log},           {"abort", l_abort},
                                   {"exec", l_exec},         {"time", l_time},
                                   {"duration", l_duration}, {NULL, NULL}};
    lua_newtable(L);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    random_via_ffi(L, rt);
    lua_newtable(L); /* lt's metatable: lt.time_scale */
    lua_pushcfunction(L, lt_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);

    static const luaL_Reg mfns[] = {{"trend", l_trend},
                                    {"counter", l_counter},
                                    {"rate", l_rate},
                                    {"gauge", l_gauge},
                                    {NULL, NULL}};
    lua_newtable(L);
    for (const luaL_Reg *f = mfns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    lua_setfield(L, -2, "metrics");

    lua_newtable(L);
    lua_pushcfunction(L, l_json_encode);
    lua_setfield(L, -2, "encode");
    lua_pushcfunction(L, l_json_decode);
    lua_setfield(L, -2, "decode");
    lua_pushlightuserdata(L, NULL);
    lua_setfield(L, -2, "null");
    lua_setfield(L, -2, "json");

    /* lt.env: the process environment overlaid by -e, then the scenario's env */
    lua_newtable(L);
    for (int i = 0; i < rt->shared->nenv; i++) {
        lua_pushstring(L, rt->shared->env_vals[i]);
        lua_setfield(L, -2, rt->shared->env_keys[i]);
    }
    lua_pushvalue(L, -1);
    lua_pushcclosure(L, env_index, 1);
    void *const env_fns[] = {(void *)(uintptr_t)&ffi_env_get};
    index_via_ffi(L, rt, ENV_INDEX_FFI, env_fns, 1, lua_gettop(L) - 1);
    lua_remove(L, -2); /* the values table: an upvalue of both functions */
    push_proxy_fn(L);
    lua_setfield(L, -2, "env");
    push_vu_index(L, rt);
    push_proxy_fn(L);
    lua_setfield(L, -2, "vu");
    lua_pushcfunction(L, scenario_index);
    void *const sc_fns[] = {(void *)(uintptr_t)&ffi_scenario_name,
                            (void *)(uintptr_t)&ffi_scenario_iteration};
    index_via_ffi(L, rt, SCENARIO_INDEX_FFI, sc_fns, 2, 0);
    push_proxy_fn(L);
    lua_setfield(L, -2, "scenario");

    lt_open_http(L, rt);
    lt_open_group(L, rt);
    lt_open_execution(L, rt);
    lt_open_fast(L, rt);
    lua_setglobal(L, "lt");

    /* require "lt", require "lt.http", require "lt.metrics" */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "preload");
    lua_pushcfunction(L, load_lt);
    lua_setfield(L, -2, "lt");
    (void)luaL_dostring(L, "package.preload['lt.http'] = function() return lt.http end "
                           "package.preload['lt.metrics'] = function() return lt.metrics end "
                           "package.preload['lt.json'] = function() return lt.json end "
                           "print = function(...) lt.log(...) end");
    lua_pop(L, 2);
}
