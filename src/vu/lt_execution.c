/* lt_execution.c — k6's `k6/execution` fields with k6's names: lt.vu.idInInstance, idInTest,
 * iterationInInstance, iterationInScenario; lt.scenario.startTime, progress, iterationInInstance,
 * iterationInTest (name and executor are lt_module.c's); lt.instance.iterationsCompleted,
 * iterationsInterrupted, vusActive, vusInitialized, currentTestRunDuration; lt.vu.tags (read and
 * set the VU's tags, k6's vu.tags); lt.test.abort (which
 * is lt.abort) and lt.test.options (the resolved options, as `lt inspect` prints them).
 *
 * An lt process is one instance; iterationInTest and idInTest differ from their "in instance"
 * numbers in a run split with --execution-segment (plan/segment.h): the iteration's number and
 * the VU's id in the whole test, unique over the instances, as k6's (idInTest: k6's
 * GetUniqueVUIdentifiers, the instance's VU ids mapped through the segment's stripe, so the
 * instances' ids together are 1..N when their VU counts are the stripe's shares). Read outside a VU
 * (the script's top level), the VU and scenario numbers are 0 and nil, as lt.vu.id has always been.
 */
#include "vu/luajson.h"
#include "vu/runtime.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- lt.vu.tags ---------------- */

static const char TAGS_KEY = 0; /* registry key of the lt.vu.tags proxy */

static vu *tags_vu(lua_State *L) {
    runtime *rt = lt_runtime(L);
    if (!rt->current || rt->current->co != L)
        luaL_error(L, "lt.vu.tags can only be used inside an iteration, setup or teardown");
    return rt->current;
}

/* lt.vu.tags.k: the tag's value on the VU's samples now (the run's, scenario's, group, own) */
static int tags_index(lua_State *L) {
    const char *key = luaL_checkstring(L, 2);
    vu *v = tags_vu(L);
    for (int i = v->base.n - 1; i >= 0; i--)
        if (strcmp(v->base.keys[i], key) == 0) {
            lua_pushstring(L, v->base.vals[i]);
            return 1;
        }
    lua_pushnil(L);
    return 1;
}

/* lt.vu.tags.k = value (a string, number or boolean, as k6 takes), or nil to remove it */
static int tags_newindex(lua_State *L) {
    const char *key = luaL_checkstring(L, 2);
    vu *v = tags_vu(L);
    char num[64];
    const char *val = NULL;
    switch (lua_type(L, 3)) {
    case LUA_TNIL:
        break;
    case LUA_TSTRING:
        val = lua_tostring(L, 3);
        break;
    case LUA_TBOOLEAN:
        val = lua_toboolean(L, 3) ? "true" : "false";
        break;
    case LUA_TNUMBER:
        snprintf(num, sizeof num, "%.14g", lua_tonumber(L, 3));
        val = num;
        break;
    default:
        return luaL_error(L, "lt.vu.tags.%s: only strings, numbers and booleans can be tag values",
                          key);
    }
    if (!key[0] || strcmp(key, "group") == 0 || strcmp(key, "scenario") == 0)
        return luaL_error(L, "lt.vu.tags.%s: this tag is lt's to set", key);
    if (vu_set_tag(v, key, val) != 0)
        return luaL_error(L,
                          "lt.vu.tags.%s: at most %d tags per VU, keys up to 63 bytes and values "
                          "up to 127",
                          key, VU_USER_TAGS);
    return 0;
}

static void push_tags_proxy(lua_State *L) {
    lua_pushlightuserdata(L, (void *)&TAGS_KEY);
    lua_rawget(L, LUA_REGISTRYINDEX);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_newtable(L);
    lua_pushcfunction(L, tags_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, tags_newindex);
    lua_setfield(L, -2, "__newindex");
    lua_setmetatable(L, -2);
    lua_pushlightuserdata(L, (void *)&TAGS_KEY);
    lua_pushvalue(L, -2);
    lua_rawset(L, LUA_REGISTRYINDEX);
}

bool lt_push_vu_field(lua_State *L, runtime *rt, const char *key) {
    const vu *v = rt->current;
    if (strcmp(key, "tags") == 0) {
        push_tags_proxy(L);
        return true;
    }
    if (strcmp(key, "idInInstance") == 0)
        lua_pushinteger(L, v ? v->id : 0);
    else if (strcmp(key, "idInTest") == 0) /* unique over execution segments, as k6's */
        lua_pushinteger(L, v ? (lua_Integer)seg_tuple_vu_id(
                                   rt->shared->plan ? rt->shared->plan->tuple : NULL, v->id)
                             : 0);
    else if (strcmp(key, "iterationInInstance") == 0 || strcmp(key, "iterationInScenario") == 0)
        lua_pushinteger(L, v ? v->iteration : 0); /* a VU serves one scenario */
    else
        return false;
    return true;
}

/* k6's progress: the share of the iterations done for the iteration-count executors, of the
 * scenario's duration for the others. */
static double scenario_progress(const run_shared *sh, const scenario_plan *sc) {
    const scenario_shared *ss = &sh->scenarios[sc->index];
    double p;
    if (sc->kind == EX_PER_VU_ITERATIONS || sc->kind == EX_SHARED_ITERATIONS) {
        double total = (double)sc->iterations * (sc->kind == EX_PER_VU_ITERATIONS ? sc->vus : 1);
        p = total > 0 ? (double)atomic_load(&ss->iterations_done) / total : 1;
    } else {
        double d = scenario_duration(sc);
        p = ss->t0 > 0 && d > 0 ? (lt_now() - ss->t0) / d : 0;
    }
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

bool lt_push_scenario_field(lua_State *L, runtime *rt, const char *key) {
    const vu *v = rt->current;
    const scenario_plan *sc = v && v->sc && v->sc->name ? v->sc : NULL;
    const run_shared *sh = rt->shared;
    if (strcmp(key, "iterationInInstance") == 0) {
        lua_pushinteger(L, sc ? v->scenario_iteration : 0);
    } else if (strcmp(key, "iterationInTest") == 0) { /* unique over execution segments */
        lua_pushinteger(L, sc ? v->iteration_in_test : 0);
    } else if (strcmp(key, "startTime") == 0) { /* unix ms, as a JavaScript timestamp */
        double t0 = sc && sh->scenarios ? sh->scenarios[sc->index].t0 : 0;
        if (t0 > 0)
            lua_pushnumber(L, (double)(long long)((sh->wall_t0 + (t0 - sh->run_t0)) * 1000.0));
        else
            lua_pushnil(L);
    } else if (strcmp(key, "progress") == 0) {
        if (sc && sh->scenarios)
            lua_pushnumber(L, scenario_progress(sh, sc));
        else
            lua_pushnil(L);
    } else {
        return false;
    }
    return true;
}

static int instance_index(lua_State *L) {
    runtime *rt = lt_runtime(L);
    const run_shared *sh = rt->shared;
    const char *key = luaL_checkstring(L, 2);
    int n = sh->plan && sh->scenarios ? sh->plan->nscenarios : 0;
    long done = 0, interrupted = 0;
    for (int i = 0; i < n; i++) {
        done += atomic_load(&sh->scenarios[i].iterations_done);
        interrupted += atomic_load(&sh->scenarios[i].iterations_interrupted);
    }
    if (strcmp(key, "iterationsCompleted") == 0)
        lua_pushinteger(L, done - interrupted); /* an interrupted one is done but not complete */
    else if (strcmp(key, "iterationsInterrupted") == 0)
        lua_pushinteger(L, interrupted);
    else if (strcmp(key, "vusActive") == 0)
        lua_pushinteger(L, atomic_load(&sh->vus_active));
    else if (strcmp(key, "vusInitialized") == 0)
        lua_pushinteger(L, atomic_load(&sh->vus_max));
    else if (strcmp(key, "currentTestRunDuration") == 0) /* ms */
        lua_pushnumber(L, sh->run_t0 > 0 ? (lt_now() - sh->run_t0) * 1000.0 : 0);
    else
        lua_pushnil(L);
    return 1;
}

/* lt.test.options: the resolved plan as a Lua table, made on first use and kept (it never
 * changes); nil while there is no plan yet (lt inspect loading the script). */
static int test_index(lua_State *L) {
    runtime *rt = lt_runtime(L);
    const char *key = luaL_checkstring(L, 2);
    if (strcmp(key, "options") != 0 || !rt->shared->plan || !rt->shared->plan->resolved) {
        lua_pushnil(L);
        return 1;
    }
    char *json = cJSON_PrintUnformatted(rt->shared->plan->resolved);
    char err[256];
    int rc = json ? luajson_decode(L, json, strlen(json), err, sizeof err) : -1;
    free(json);
    if (rc != 0) return luaL_error(L, "lt.test.options: %s", json ? err : "out of memory");
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

void lt_open_execution(lua_State *L, runtime *rt) {
    (void)rt;
    lua_newtable(L); /* lt.test */
    lua_getfield(L, -2, "abort");
    lua_setfield(L, -2, "abort");
    lua_newtable(L);
    lua_pushcfunction(L, test_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "test");
    lua_newtable(L); /* lt.instance: an empty table whose fields are read when asked for */
    lua_newtable(L);
    lua_pushcfunction(L, instance_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "instance");
}
