/* runtime.c — Lua states, VU coroutines and their iterations. */
#include "vu/runtime.h"
#include "base/utf8.h"
#include "vu/luajson.h"
#include <lauxlib.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char RUNTIME_KEY = 'r';
#define POISONED_MSG                                                                               \
    "this Lua state was abandoned after compiled Lua had to be interrupted (see the message "      \
    "above)"

runtime *lt_runtime(lua_State *L) {
    lua_pushlightuserdata(L, (void *)&RUNTIME_KEY);
    lua_rawget(L, LUA_REGISTRYINDEX);
    runtime *rt = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return rt;
}

static void set_package_path(lua_State *L, const run_shared *sh) {
    char dir[1024];
    const char *slash = strrchr(sh->script_path, '/');
    if (slash)
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - sh->script_path), sh->script_path);
    else
        snprintf(dir, sizeof dir, ".");
    lua_getglobal(L, "package");
    lua_pushfstring(L, "%s/?.lua;%s/lib/?.lua;%s/?.lua;%s/../?.lua;", dir, dir, sh->lib_dir,
                    sh->lib_dir);
    lua_getfield(L, -2, "path");
    lua_concat(L, 2);
    lua_setfield(L, -2, "path");
    lua_pop(L, 1);
}

/* LuaJIT's trace log for finding trace aborts on a script's hot path (a debug aid, off unless
 * set): LT_JIT_VERBOSE=FILE starts jit.v (one line per trace and abort), LT_JIT_DUMP=FILE
 * jit.dump (bytecode, IR and machine code per trace), each runtime into FILE.<index> so threads
 * do not overwrite each other. A failure (no jit.* modules installed) is a warning, not an error.
 */
static void start_jit_log(lua_State *L, int index) {
    static const struct {
        const char *env, *module;
    } logs[] = {{"LT_JIT_VERBOSE", "jit.v"}, {"LT_JIT_DUMP", "jit.dump"}};
    for (size_t i = 0; i < sizeof logs / sizeof *logs; i++) {
        const char *file = getenv(logs[i].env);
        if (!file || !*file) continue;
        lua_getglobal(L, "require");
        lua_pushstring(L, logs[i].module);
        if (lua_pcall(L, 1, 1, 0) == 0) {
            lua_getfield(L, -1, "start");
            lua_remove(L, -2);
            if (strcmp(logs[i].module, "jit.dump") == 0) {
                lua_pushstring(L, "tbimrsX"); /* traces, bytecode, IR, mcode, regs, snapshots */
                lua_pushfstring(L, "%s.%d", file, index);
            } else {
                lua_pushfstring(L, "%s.%d", file, index);
                lua_pushnil(L);
            }
            if (lua_pcall(L, 2, 0, 0) == 0) continue;
        }
        fprintf(stderr, "lt: warning: %s: %s\n", logs[i].env, lua_tostring(L, -1));
        lua_pop(L, 1);
    }
}

/* Error handler for pcall: message plus a short traceback. */
static int traceback(lua_State *L) {
    const char *msg = lua_tostring(L, 1);
    if (!msg) msg = "(error object is not a string)";
    luaL_traceback(L, L, msg, 1);
    return 1;
}

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

runtime *runtime_new(run_shared *sh, int index, char *err, size_t errlen, bool *is_script_error) {
    *is_script_error = false;
    runtime *rt = calloc(1, sizeof *rt);
    rt->index = index;
    rt->shared = sh;
    rt->data_ref = LUA_NOREF;
    rt->metric_ids_ref = LUA_NOREF;
    uint64_t x = sh->seed ^ (0x51ED270B27AC3F1DULL * (uint64_t)(index + 2));
    for (int i = 0; i < 4; i++) rt->rng[i] = splitmix64(&x);
    struct event_config *cfg = event_config_new();
    /* timerfd-backed timers: the arrival-rate schedule needs sub-millisecond precision */
    event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
    event_config_set_flag(cfg, EVENT_BASE_FLAG_NOLOCK);
    rt->base = event_base_new_with_config(cfg);
    event_config_free(cfg);
    if (!rt->base) {
        snprintf(err, errlen, "cannot create an event loop");
        free(rt);
        return NULL;
    }
    rt->shard = metrics_shard_new();
    rt->tags = tag_cache_new();
    rt->rseries = calloc(RESP_TABLE, sizeof *rt->rseries);
    rt->resp_tags = calloc(RESP_TAGS, sizeof *rt->resp_tags);
    rt->L = luaL_newstate();
    lua_State *L = rt->L;
    luaL_openlibs(L);
    lua_pushlightuserdata(L, (void *)&RUNTIME_KEY);
    lua_pushlightuserdata(L, rt);
    lua_rawset(L, LUA_REGISTRYINDEX);
    set_package_path(L, sh);
    start_jit_log(L, index);
    lt_open_module(L, rt);
    lua_pushcfunction(L, traceback);
    if (luaL_loadfile(L, sh->script_path) != 0) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
        *is_script_error = true;
        runtime_free(rt);
        return NULL;
    }
    if (lua_pcall(L, 0, 0, -2) != 0) {
        snprintf(err, errlen, "%s", lua_tostring(L, -1));
        *is_script_error = true;
        runtime_free(rt);
        return NULL;
    }
    lua_pop(L, 1);
    return rt;
}

int runtime_configure(runtime *rt, char *err, size_t errlen) {
    const plan *p = rt->shared->plan;
    http_tls_config tls = {.ca_file = rt->shared->ca_file,
                           .insecure_skip_verify = p->insecure_skip_tls_verify};
    rt->http = http_worker_new(rt->base, &tls, err, errlen);
    if (!rt->http) return -1;
    rt->discard_bodies = p->discard_response_bodies;
    return 0;
}

void runtime_free(runtime *rt) {
    if (!rt) return;
    preempt_unregister(rt);
    if (rt->L && !rt->preempt.poisoned) lua_close(rt->L); /* a poisoned state is left as it is */
    luajson_buf_free(&rt->json_buf);
    luajson_buf_free(&rt->fast_json);
    http_worker_free(rt->http);
    metrics_shard_free(rt->shard);
    tag_cache_free(rt->tags);
    free(rt->lua_tags);
    free(rt->rseries);
    free(rt->resp_tags);
    if (rt->base) event_base_free(rt->base);
    free(rt);
}

int runtime_load_setup_data(runtime *rt, char *err, size_t errlen) {
    lua_State *L = rt->L;
    if (rt->data_ref != LUA_NOREF) luaL_unref(L, LUA_REGISTRYINDEX, rt->data_ref);
    rt->data_ref = LUA_NOREF;
    if (!rt->shared->setup_json) return 0;
    if (rt->preempt.poisoned) return snprintf(err, errlen, "%s", POISONED_MSG), -1;
    if (luajson_decode(L, rt->shared->setup_json, strlen(rt->shared->setup_json), err, errlen) != 0)
        return -1;
    rt->data_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return 0;
}

int runtime_call_json(runtime *rt, const char *fn, const char *arg_json, double timeout_s,
                      char **json_out, char *err, size_t errlen) {
    lua_State *L = rt->L;
    *json_out = NULL;
    if (rt->preempt.poisoned)
        return snprintf(err, errlen, "%s() not run: %s", fn, POISONED_MSG), -1;
    if (luajson_decode(L, arg_json, strlen(arg_json), err, errlen) != 0) return -1;
    int saved = rt->data_ref;
    rt->data_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    int rc = runtime_call(rt, fn, true, timeout_s, json_out, err, errlen);
    if (!rt->preempt.poisoned) luaL_unref(L, LUA_REGISTRYINDEX, rt->data_ref); /* abandoned */
    rt->data_ref = saved;
    return rc;
}

int runtime_options(runtime *rt, cJSON **out, char *err, size_t errlen) {
    lua_State *L = rt->L;
    *out = NULL;
    lua_getglobal(L, "options");
    int rc = 0;
    if (lua_istable(L, -1)) {
        *out = luajson_to_cjson(L, -1, err, errlen);
        if (!*out) rc = -1;
    } else if (!lua_isnil(L, -1)) {
        snprintf(err, errlen, "options: must be a table");
        rc = -1;
    }
    lua_pop(L, 1);
    return rc;
}

bool runtime_has_function(runtime *rt, const char *fn) {
    if (rt->preempt.poisoned) return false;
    lua_getglobal(rt->L, fn);
    bool ok = lua_isfunction(rt->L, -1);
    lua_pop(rt->L, 1);
    return ok;
}

void runtime_run_tags(const run_shared *sh, double elapsed, tag_builder *b) {
    const plan *p = sh->plan;
    for (int i = 0; i < p->tags.n; i++) tags_put(b, p->tags.keys[i], p->tags.vals[i]);
    for (int i = 0; i < p->ntimeline && p->timeline[i].at <= elapsed; i++)
        for (int k = 0; k < p->timeline[i].tags.n; k++)
            tags_put(b, p->timeline[i].tags.keys[k], p->timeline[i].tags.vals[k]);
}

/* ---------------- VUs ---------------- */

static void new_coroutine(vu *v) {
    lua_State *L = v->rt->L;
    if (v->rt->preempt.poisoned) return; /* no coroutine: its iterations end at once */
    v->co = lua_newthread(L);
    v->co_ref = luaL_ref(L, LUA_REGISTRYINDEX);
}

static void drop_coroutine(vu *v) {
    if (v->co_ref != LUA_NOREF && !v->rt->preempt.poisoned)
        luaL_unref(v->rt->L, LUA_REGISTRYINDEX, v->co_ref);
    v->co_ref = LUA_NOREF;
    v->co = NULL;
}

static void kick_cb(evutil_socket_t fd, short what, void *arg);

/* A VU with the given id: 1.. for load VUs, 0 for the VU of a control call. */
static vu *vu_create(runtime *rt, const scenario_plan *sc, int id) {
    vu *v = calloc(1, sizeof *v);
    v->rt = rt;
    v->sc = sc;
    v->id = id;
    v->pool = http_pool_new(rt->http);
    v->co_ref = LUA_NOREF;
    v->base_phase = -1;
    v->base_tid = BASE_TID_NONE;
    v->exec_name_ref = v->keep_ref = LUA_NOREF;
    new_coroutine(v);
    /* The exec function's name as a Lua string: each iteration looks the global up by it without
     * hashing the C string again (still a global lookup: a script may redefine the function). */
    if (!rt->preempt.poisoned) {
        lua_pushstring(rt->L, sc && sc->exec ? sc->exec : "default");
        v->exec_name_ref = luaL_ref(rt->L, LUA_REGISTRYINDEX);
        lua_newtable(rt->L);
        v->keep_ref = luaL_ref(rt->L, LUA_REGISTRYINDEX);
    }
    /* Each VU's stream depends only on the seed and the VU id, so runs with the same seed,
     * threads and script send the same sequence of requests. */
    uint64_t x = rt->shared->seed * 0x2545F4914F6CDD1DULL + (uint64_t)v->id;
    for (int i = 0; i < 4; i++) v->rng[i] = splitmix64(&x);
    v->kick_ev = event_new(rt->base, -1, 0, kick_cb, v);
    rt->nvus++;
    atomic_fetch_add(&rt->shared->vus_max, 1);
    return v;
}

vu *vu_new(runtime *rt, const scenario_plan *sc) {
    return vu_create(rt, sc, atomic_fetch_add(&rt->shared->next_vu_id, 1) + 1);
}

void vu_free(vu *v) {
    if (!v) return;
    if (v->busy) vu_interrupt(v);
    lt_batch_free_pools(v);
    http_pool_free(v->pool);
    drop_coroutine(v);
    free(v->user_tags);
    if (!v->rt->preempt.poisoned) {
        luaL_unref(v->rt->L, LUA_REGISTRYINDEX, v->keep_ref);
        luaL_unref(v->rt->L, LUA_REGISTRYINDEX, v->exec_name_ref);
    }
    if (v->sleep_ev) event_free(v->sleep_ev);
    event_free(v->kick_ev);
    v->rt->nvus--;
    atomic_fetch_sub(&v->rt->shared->vus_max, 1);
    free(v);
}

/* How many timeline entries apply at `elapsed` (runtime_run_tags applies the same ones). */
static int timeline_phase(const plan *p, double elapsed) {
    int i = 0;
    while (p && i < p->ntimeline && p->timeline[i].at <= elapsed) i++;
    return i;
}

/* Base tags of every sample of this iteration: run tags, the scenario, the scenario's tags.
 * They change only when a timeline entry comes due, so they are rebuilt (and interned) only then.
 */
static void base_tags_remove(tag_builder *b, const char *key);

static void build_base_tags(vu *v, double now) {
    runtime *rt = v->rt;
    int phase = timeline_phase(rt->shared->plan, now - rt->shared->run_t0);
    if (phase == v->base_phase) return;
    v->base_phase = phase;
    v->base_tid = BASE_TID_NONE;
    v->base.n = 0;
    runtime_run_tags(rt->shared, now - rt->shared->run_t0, &v->base);
    if (v->sc) {
        tags_put(&v->base, "scenario", v->sc->name);
        for (int i = 0; i < v->sc->tags.n; i++)
            tags_put(&v->base, v->sc->tags.keys[i], v->sc->tags.vals[i]);
    }
    const vu_user_tags *u = v->user_tags; /* lt.vu.tags: last, so they win */
    for (int i = 0; u && i < u->n; i++) {
        if (u->deleted[i])
            base_tags_remove(&v->base, u->key[i]);
        else
            tags_put(&v->base, u->key[i], u->val[i]);
    }
    if (v->group_len) tags_put(&v->base, "group", v->group); /* rebuilt inside a group */
}

int vu_set_tag(vu *v, const char *key, const char *val) {
    if (strlen(key) >= sizeof v->user_tags->key[0] ||
        (val && strlen(val) >= sizeof v->user_tags->val[0]))
        return -1;
    if (!v->user_tags && !(v->user_tags = calloc(1, sizeof *v->user_tags))) return -1;
    vu_user_tags *u = v->user_tags;
    int i = 0;
    while (i < u->n && strcmp(u->key[i], key) != 0) i++;
    if (i == u->n) {
        if (u->n == VU_USER_TAGS) return -1;
        snprintf(u->key[u->n++], sizeof u->key[0], "%s", key);
    }
    u->deleted[i] = val == NULL;
    snprintf(u->val[i], sizeof u->val[0], "%s", val ? val : "");
    /* the base tags again, with the same timeline phase as the iteration's start, and the group */
    v->base_phase = -1;
    build_base_tags(v, v->iter_start > 0 ? v->iter_start : lt_now());
    return 0;
}

static void base_tags_remove(tag_builder *b, const char *key) {
    for (int i = 0; i < b->n; i++)
        if (strcmp(b->keys[i], key) == 0) {
            memmove(&b->keys[i], &b->keys[i + 1], (size_t)(b->n - i - 1) * sizeof b->keys[0]);
            memmove(&b->vals[i], &b->vals[i + 1], (size_t)(b->n - i - 1) * sizeof b->vals[0]);
            b->n--;
            return;
        }
}

int vu_group_enter(vu *v, const char *name, size_t len) {
    int token = v->group_len;
    if ((size_t)token + len + 3 > sizeof v->group) return -1;
    memcpy(v->group + token, "::", 2);
    memcpy(v->group + token + 2, name, len);
    v->group_len = token + 2 + (int)len;
    v->group[v->group_len] = 0;
    tags_put(&v->base, "group", v->group); /* interning copies the text */
    v->base_tid = BASE_TID_NONE;
    return token;
}

void vu_group_leave(vu *v, int token) {
    if (token < 0 || token >= v->group_len) return;
    v->group_len = token;
    v->group[token] = 0;
    if (token == 0) base_tags_remove(&v->base, "group");
    v->base_tid = BASE_TID_NONE;
}

uint32_t vu_base_tid(vu *v) {
    if (v->base_tid == BASE_TID_NONE) v->base_tid = tagset_intern(v->rt->tags, &v->base);
    return v->base_tid;
}

double runtime_now(runtime *rt) {
    return rt->now_hint > 0 ? rt->now_hint : lt_now();
}

static void log_script_error(runtime *rt, const char *msg) {
    double now = lt_now();
    /* at most one message a second per thread, with a count of what was held back */
    if (now - rt->last_error_log < 1.0) {
        rt->errors_suppressed++;
        return;
    }
    runtime_end_error_log(rt);
    rt->last_error_log = now;
    fprintf(stderr, "lt: script error: %s\n", msg);
}

void runtime_end_error_log(runtime *rt) {
    if (rt->errors_suppressed)
        fprintf(stderr, "lt: (%ld more script errors in the last second)\n", rt->errors_suppressed);
    rt->errors_suppressed = 0;
}

/* An iteration of v ended with a script error: `message` is "file:line: text", `logged` the same
 * with its traceback. */
static void count_iteration_error(vu *v, const char *message, const char *logged) {
    runtime *rt = v->rt;
    atomic_fetch_add(&rt->shared->script_errors, 1);
    error_tally_add(&rt->errors, message, strlen(message), 1);
    if (v->sc && v->sc->name) rt_sample(rt, M_ITERATION_ERRORS, vu_base_tid(v), 1);
    log_script_error(rt, logged);
}

static void finish_iteration(vu *v, bool ok) {
    runtime *rt = v->rt;
    double now = lt_now();
    vu_group_leave(v, 0); /* ended inside a group: its samples are the iteration's own */
    v->busy = false;
    atomic_fetch_sub(&rt->shared->vus_active, 1);
    if (v->interrupted && v->sc && v->sc->name && rt->shared->scenarios)
        atomic_fetch_add(&rt->shared->scenarios[v->sc->index].iterations_interrupted, 1);
    if (ok && v->sc && v->sc->name) { /* setup and teardown are not iterations, as in k6 */
        uint32_t tid = vu_base_tid(v);
        rt_sample(rt, M_ITERATIONS, tid, 1);
        rt_sample(rt, M_ITERATION_DURATION, tid, (now - v->iter_start) * 1000.0);
    }
    v->iteration++;
    /* k6's noVUConnectionReuse: the next iteration (or setup's caller) starts on new connections */
    if (rt->shared->plan && rt->shared->plan->no_vu_connection_reuse) {
        http_pool_close_idle(v->pool);
        lt_batch_close_idle(v);
    }
    if (v->done) {
        double outer = rt->now_hint; /* done may end another VU's iteration (nested) */
        rt->now_hint = now;
        v->done(v, ok, v->done_arg);
        rt->now_hint = outer;
    }
}

/* Resumes the VU's coroutine with nargs values on its stack; handles the three outcomes. */
/* The watchdog left a trace of this VU's coroutine by siglongjmp (preempt.h): the Lua state is
 * abandoned; the iteration ends as interrupted. */
static void resume_escaped(vu *v, vu *prev_cur) {
    runtime *rt = v->rt;
    preempt_landed(rt);
    rt->current = prev_cur;
    preempt_leave(rt);
    v->co = NULL;
    v->co_ref = LUA_NOREF;
    v->interrupted = v->preempted = true;
    const char *who = v->sc && v->sc->name ? v->sc->name : v->sc && v->sc->exec ? v->sc->exec : "?";
    fprintf(stderr,
            "lt: %s %s ran compiled Lua past its stop; LuaJIT cannot interrupt that, so this "
            "thread's Lua state was abandoned (no Lua runs on it again)\n",
            v->sc && v->sc->name ? "a VU of scenario" : "function", who);
    finish_iteration(v, false);
}

void vu_resume(vu *v, int nargs) {
    runtime *rt = v->rt;
    vu *prev_cur = rt->current;
    if (rt->preempt.poisoned || !v->co) { /* an abandoned Lua state: nothing to resume */
        v->cancel = NULL;
        v->interrupted = true;
        finish_iteration(v, false);
        return;
    }
    v->cancel = NULL; /* the call it waited on has completed: nothing pending */
    rt->current = v;
    v->preempted = false;
    int st;
    if (preempt_enter(rt, v->sc && v->sc->name ? v->sc->index : -1)) {
        if (sigsetjmp(rt->preempt.landing, 0) != 0) {
            resume_escaped(v, prev_cur);
            return;
        }
    }
    st = lua_resume(v->co, nargs);
    preempt_leave(rt);
    rt->current = prev_cur;
    if (st == LUA_YIELD) return; /* waiting on the event loop */
    if (st == 0) {
        bool ok = true;
        if (rt->capture && lua_gettop(v->co) >= 1 && !lua_isnil(v->co, 1)) {
            /* setup()'s return value travels to the workers' Lua states as JSON */
            char err[256];
            rt->call_result = luajson_encode(v->co, 1, err, sizeof err);
            if (!rt->call_result) {
                snprintf(rt->last_error, sizeof rt->last_error,
                         "its return value is not JSON data: %s", err);
                ok = false;
            }
        }
        lua_settop(v->co, 0);
        finish_iteration(v, ok);
        return;
    }
    const char *msg = lua_tostring(v->co, -1);
    char buf[1024];
    if (lua_type(v->co, -1) == LUA_TTABLE || !msg) {
        msg = "(non-string error)";
        snprintf(buf, sizeof buf, "%s", msg);
    } else {
        luaL_traceback(rt->L, v->co, msg, 0);
        size_t len;
        const char *tb = lua_tolstring(rt->L, -1, &len);
        utf8_copy(buf, sizeof buf, tb, len); /* the log and setup's message: whole characters */
        lua_pop(rt->L, 1);
    }
    snprintf(rt->last_error, sizeof rt->last_error, "%s", buf);
    if (v->preempted)
        v->interrupted = true; /* the watchdog's hook: an interruption, not a script error */
    else if (rt->index >= 0 && !atomic_load(&rt->shared->aborted))
        count_iteration_error(v, msg, buf);
    /* a coroutine that raised is dead: give the VU a fresh one */
    drop_coroutine(v);
    new_coroutine(v);
    finish_iteration(v, false);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg) {
    vu *v = arg;
    int nargs = 0;
    lua_State *co = v->co;
    if (v->rt->preempt.poisoned || !co) { /* an abandoned Lua state runs no iteration */
        v->interrupted = true;
        finish_iteration(v, false);
        return;
    }
    lua_rawgeti(co, LUA_REGISTRYINDEX, v->exec_name_ref);
    lua_gettable(co, LUA_GLOBALSINDEX); /* as lua_getglobal: metamethods of _G apply */
    if (!lua_isfunction(co, -1)) {
        lua_pop(co, 1);
        const char *msg = "the scenario's exec function is not defined";
        count_iteration_error(v, msg, msg);
        v->busy = true;
        finish_iteration(v, false);
        return;
    }
    if (v->rt->data_ref != LUA_NOREF) {
        lua_rawgeti(co, LUA_REGISTRYINDEX, v->rt->data_ref);
        nargs = 1;
    }
    vu_resume(v, nargs);
}

void vu_start_iteration(vu *v, const char *fn, double due, bool corrected, vu_done_fn done,
                        void *arg) {
    (void)fn; /* the exec function comes from the VU's scenario */
    /* a closed-model start (no due time) happens when the last iteration ended: no clock read */
    double now = due > 0 ? lt_now() : runtime_now(v->rt);
    v->busy = true;
    v->interrupted = false;
    v->done = done;
    v->done_arg = arg;
    v->due = due > 0 ? due : now;
    v->corrected = corrected;
    v->iter_start = now;
    atomic_fetch_add(&v->rt->shared->vus_active, 1);
    build_base_tags(v, now);
    if (corrected) {
        uint32_t tid = vu_base_tid(v);
        rt_sample(v->rt, M_SCHEDULE_LAG, tid, (now - v->due) * 1000.0);
    }
    /* Start from the event loop, never from inside another VU's callback: bounded stack depth,
     * and a script that never yields cannot starve timers. */
    event_active(v->kick_ev, EV_TIMEOUT, 0);
}

void vu_interrupt(vu *v) {
    if (!v->busy) return;
    v->interrupted = true;
    event_del(v->kick_ev);
    vu_cancel_fn cancel = v->cancel;
    v->cancel = NULL;
    if (cancel) cancel(v); /* a completion it triggers sees `interrupted` and does not resume */
    drop_coroutine(v);
    new_coroutine(v);
    finish_iteration(v, false);
}

int vu_yield(lua_State *L, vu *v, vu_cancel_fn cancel) {
    v->cancel = cancel;
    return lua_yield(L, 0);
}

/* ---------------- control calls (setup, teardown, timeline) ---------------- */

typedef struct {
    bool finished, ok;
} call_state;

static void call_done(vu *v, bool ok, void *arg) {
    call_state *cs = arg;
    cs->finished = true;
    cs->ok = ok;
    event_base_loopbreak(v->rt->base);
}

static void call_timeout(evutil_socket_t fd, short what, void *arg) {
    event_base_loopbreak(arg);
}

static void call_interrupt(evutil_socket_t fd, short what, void *arg) {
    uint64_t v;
    ssize_t n = read(fd, &v, sizeof v);
    (void)n;
    event_base_loopbreak(arg);
}

int runtime_call(runtime *rt, const char *fn, bool with_data, double timeout_s, char **json_out,
                 char *err, size_t errlen) {
    lua_State *L = rt->L;
    if (rt->preempt.poisoned)
        return snprintf(err, errlen, "%s() not run: %s", fn, POISONED_MSG), -1;
    lua_getglobal(L, fn);
    if (!lua_isfunction(L, -1)) {
        lua_pop(L, 1);
        snprintf(err, errlen, "function '%s' is not defined in the script", fn);
        return -1;
    }
    lua_pop(L, 1);
    scenario_plan none = {.name = NULL, .exec = (char *)fn};
    vu *v = vu_create(rt, &none, 0); /* no VU id taken: the load VUs' ids and seeds stay */
    /* one random stream for the runtime's control calls, continued from call to call */
    memcpy(v->rng, rt->rng, sizeof v->rng);
    atomic_fetch_sub(&rt->shared->vus_max, 1); /* control VUs are not load VUs */
    call_state cs = {0};
    struct event *to = evtimer_new(rt->base, call_timeout, rt->base);
    struct timeval tv = {(long)timeout_s, (long)((timeout_s - (long)timeout_s) * 1e6)};
    evtimer_add(to, &tv);
    rt->last_error[0] = 0;
    int saved_ref = rt->data_ref;
    if (!with_data) rt->data_ref = LUA_NOREF;
    free(rt->call_result);
    rt->call_result = NULL;
    rt->capture = json_out != NULL;
    struct event *intr = NULL;
    /* a control call ends early when a signal arrives while it runs (run_shared.signals) */
    volatile sig_atomic_t *signals = rt->shared->signals;
    int signals_at_start = signals ? *signals : 0;
    bool interrupted = false;
    /* the watchdog (preempt.h) ends the call at its timeout or a signal even if it never yields */
    atomic_store(&rt->preempt.call_signals, signals_at_start);
    atomic_store(&rt->preempt.call_deadline, lt_now() + timeout_s);
    if (signals && rt->shared->signal_fd >= 0) {
        intr = event_new(rt->base, rt->shared->signal_fd, EV_READ | EV_PERSIST, call_interrupt,
                         rt->base);
        event_add(intr, NULL);
    }
    /* k6 tags what setup() and teardown() measure with the group "::setup" / "::teardown"
     * (and no scenario); groups they open nest inside it */
    if (strcmp(fn, "setup") == 0 || strcmp(fn, "teardown") == 0) vu_group_enter(v, fn, strlen(fn));
    vu_start_iteration(v, fn, 0, false, call_done, &cs);
    while (!cs.finished) {
        if (signals && *signals != signals_at_start) {
            interrupted = true;
            break;
        }
        if (event_base_loop(rt->base, EVLOOP_ONCE) < 0) break;
        if (!evtimer_pending(to, NULL)) break;
    }
    if (intr) event_free(intr);
    atomic_store(&rt->preempt.call_deadline, 0);
    rt->data_ref = saved_ref;
    int rc = 0;
    if (cs.finished && !cs.ok && v->preempted) { /* the watchdog ended it: say why */
        cs.finished = false;
        interrupted = signals && *signals != signals_at_start;
    }
    if (!cs.finished) {
        vu_interrupt(v);
        if (interrupted)
            snprintf(err, errlen, "%s() interrupted (Ctrl-C)", fn);
        else
            snprintf(err, errlen, "%s() did not finish within %g s", fn, timeout_s);
        rc = -1;
    } else if (!cs.ok) {
        snprintf(err, errlen, "%s() failed: %s", fn,
                 rt->last_error[0] ? rt->last_error : "unknown error");
        rc = -1;
    }
    event_free(to);
    memcpy(rt->rng, v->rng, sizeof rt->rng);
    v->sc = NULL;
    atomic_fetch_add(&rt->shared->vus_max, 1);
    vu_free(v);
    rt->capture = false;
    if (json_out)
        *json_out = rc == 0 ? rt->call_result : NULL;
    else
        free(rt->call_result);
    if (rc != 0 && json_out) free(rt->call_result);
    rt->call_result = NULL;
    return rc;
}
