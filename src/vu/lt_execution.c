/* lt_execution.c — k6's `k6/execution` fields with k6's names: lt.vu.idInInstance, idInTest,
 * iterationInInstance, iterationInScenario; lt.scenario.startTime, progress, iterationInInstance,
 * iterationInTest (name and executor are lt_module.c's); lt.instance.iterationsCompleted,
 * iterationsInterrupted, vusActive, vusInitialized, currentTestRunDuration; lt.test.abort (which
 * is lt.abort) and lt.test.options (the resolved options, as `lt inspect` prints them).
 *
 * lt runs as one instance (several machines merge summaries afterwards, `lt merge`), so the
 * "in instance" and "in test" numbers are the same. Read outside a VU (the script's top level),
 * the VU and scenario numbers are 0 and nil, as lt.vu.id has always been. */
#include "vu/luajson.h"
#include "vu/runtime.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

bool lt_push_vu_field(lua_State *L, runtime *rt, const char *key) {
    const vu *v = rt->current;
    if (strcmp(key, "idInInstance") == 0 || strcmp(key, "idInTest") == 0)
        lua_pushinteger(L, v ? v->id : 0);
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
    if (strcmp(key, "iterationInInstance") == 0 || strcmp(key, "iterationInTest") == 0) {
        lua_pushinteger(L, sc ? v->scenario_iteration : 0);
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
