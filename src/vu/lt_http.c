/* lt_http.c — lt.http: requests that look synchronous to the script and yield the VU's coroutine
 * to the event loop; every response recorded in k6's http_* metrics with k6's tags. */
#include "plan/duration.h"
#include "vu/luajson.h"
#include "vu/runtime.h"
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESPONSE_MT "lt.response"
#define MAX_HEADERS 64

static bool expected_status(int status) { return status >= 200 && status < 400; }

/* A request that failed (even after its status line arrived) reports status 0, as documented:
 * a half-read response must not pass a `status == 200` check. */
static int response_status(const http_result *res) { return res->error == HTTP_OK ? res->status : 0; }

static void record_response(vu *v, const http_result *res) {
    runtime *rt = v->rt;
    tag_builder b = v->req_tags;
    char status[16], code[16];
    int st = response_status(res);
    if (st >= 100 && st < 600) { /* no printf on the hot path */
        status[0] = (char)('0' + st / 100), status[1] = (char)('0' + st / 10 % 10);
        status[2] = (char)('0' + st % 10), status[3] = 0;
    } else {
        snprintf(status, sizeof status, "%d", st);
    }
    tags_put(&b, "status", status);
    bool ok = res->error == HTTP_OK && expected_status(res->status);
    tags_put(&b, "expected_response", ok ? "true" : "false");
    if (res->error != HTTP_OK) {
        snprintf(code, sizeof code, "%d", (int)res->error);
        tags_put(&b, "error_code", code);
        tags_put(&b, "error", http_error_name(res->error));
    }
    uint32_t tid = tagset_intern(rt->tags, &b);
    const http_timings *t = &res->timings;
    rt_sample(rt, M_HTTP_REQS, tid, 1);
    rt_sample(rt, M_HTTP_REQ_FAILED, tid, ok ? 0 : 1);
    rt_sample(rt, M_DATA_SENT, tid, (double)res->bytes_sent);
    rt_sample(rt, M_DATA_RECEIVED, tid, (double)res->bytes_received);
    if (res->error != HTTP_OK && res->status == 0 && t->duration == 0) return;
    rt_sample(rt, M_HTTP_REQ_DURATION, tid, t->duration);
    rt_sample(rt, M_HTTP_REQ_BLOCKED, tid, t->blocked);
    rt_sample(rt, M_HTTP_REQ_CONNECTING, tid, t->connecting);
    rt_sample(rt, M_HTTP_REQ_TLS_HANDSHAKING, tid, t->tls_handshaking);
    rt_sample(rt, M_HTTP_REQ_SENDING, tid, t->sending);
    rt_sample(rt, M_HTTP_REQ_WAITING, tid, t->waiting);
    rt_sample(rt, M_HTTP_REQ_RECEIVING, tid, t->receiving);
    if (v->corrected) {
        /* As if the iteration had started on time: the lateness of its start is added, so a
         * server stall that delays the schedule shows up in this latency (wrk2's correction). */
        double lag = (v->iter_start - v->due) * 1000.0;
        rt_sample(rt, M_HTTP_REQ_DURATION_CORRECTED, tid, t->duration + (lag > 0 ? lag : 0));
    }
}

static bool g_keep_body_default = true; /* per process: options.discardResponseBodies */

static void on_done(void *arg, const http_result *res) {
    vu *v = arg;
    if (v->interrupted || !v->co) return;
    record_response(v, res);
    lt_push_response(v->co, res, res->body != NULL);
    vu_resume(v, 1);
}

/* ---------------- response objects ---------------- */

static void push_headers(lua_State *L, const char *raw, size_t len) {
    lua_newtable(L);
    const char *p = raw, *end = raw + len;
    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));
        if (!eol) eol = end;
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon) {
            const char *vs = colon + 1, *ve = eol;
            while (vs < ve && (*vs == ' ' || *vs == '\t')) vs++;
            while (ve > vs && (ve[-1] == '\r' || ve[-1] == ' ')) ve--;
            lua_pushlstring(L, p, (size_t)(colon - p));
            lua_pushvalue(L, -1);
            lua_rawget(L, -3);
            if (lua_isstring(L, -1)) { /* repeated header: join as Go/k6 do */
                lua_pushliteral(L, ", ");
                lua_pushlstring(L, vs, (size_t)(ve - vs));
                lua_concat(L, 3);
            } else {
                lua_pop(L, 1);
                lua_pushlstring(L, vs, (size_t)(ve - vs));
            }
            lua_rawset(L, -3);
        }
        p = eol + 1;
    }
}

static int response_json(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_getfield(L, 1, "body");
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    if (!s) return luaL_error(L, "res:json(): the response has no body");
    char err[128];
    if (luajson_decode(L, s, len, err, sizeof err) != 0) return luaL_error(L, "res:json(): %s", err);
    return 1;
}

static int response_index(lua_State *L) {
    const char *key = lua_tostring(L, 2);
    if (!key) return 0;
    if (strcmp(key, "json") == 0) {
        lua_pushcfunction(L, response_json);
        return 1;
    }
    if (strcmp(key, "headers") == 0) {
        lua_getfield(L, 1, "raw_headers");
        size_t len = 0;
        const char *raw = lua_tolstring(L, -1, &len);
        push_headers(L, raw ? raw : "", raw ? len : 0);
        lua_pushvalue(L, -1);
        lua_setfield(L, 1, "headers"); /* parsed once, on first use */
        return 1;
    }
    return 0;
}

/* Responses are built by a small Lua constructor: a table constructor with constant keys runs as
 * one template copy in LuaJIT, about half the cost of setting each field from C. */
static const char RESPONSE_CTOR[] =
    "local setmetatable, mt = setmetatable, ...\n"
    "return function(status, body, err, code, proto, raw, d, b, c, t, s, w, r)\n"
    "  return setmetatable({ status = status, body = body, error = err, error_code = code,\n"
    "    proto = proto, raw_headers = raw, timings = { duration = d, blocked = b, connecting = c,\n"
    "    tls_handshaking = t, sending = s, waiting = w, receiving = r } }, mt)\n"
    "end\n";

void lt_push_response(lua_State *L, const http_result *res, bool keep_body) {
    runtime *rt = lt_runtime(L);
    lua_State *M = rt->L; /* L may be a suspended coroutine: build on the main state, then move */
    lua_rawgeti(M, LUA_REGISTRYINDEX, rt->response_ctor_ref);
    lua_pushinteger(M, response_status(res));
    if (keep_body && res->body) lua_pushlstring(M, res->body, res->body_len);
    else lua_pushnil(M);
    if (res->error == HTTP_OK) lua_pushliteral(M, "");
    else lua_pushstring(M, res->error_text && res->error_text[0] ? res->error_text : http_error_name(res->error));
    lua_pushinteger(M, res->error);
    if (res->proto) lua_pushstring(M, res->proto);
    else lua_pushnil(M);
    if (res->header_block) lua_pushlstring(M, res->header_block, res->header_len);
    else lua_pushnil(M);
    const http_timings *t = &res->timings;
    lua_pushnumber(M, t->duration);
    lua_pushnumber(M, t->blocked);
    lua_pushnumber(M, t->connecting);
    lua_pushnumber(M, t->tls_handshaking);
    lua_pushnumber(M, t->sending);
    lua_pushnumber(M, t->waiting);
    lua_pushnumber(M, t->receiving);
    lua_call(M, 13, 1);
    if (L != M) lua_xmove(M, L, 1);
}

/* ---------------- requests ---------------- */

static double timeout_param(lua_State *L, int idx) {
    if (lua_isnumber(L, idx)) return lua_tonumber(L, idx) / 1000.0; /* k6: numbers are ms */
    if (lua_isstring(L, idx)) {
        double s;
        char err[128];
        if (duration_parse(lua_tostring(L, idx), &s, err, sizeof err) != 0)
            luaL_error(L, "params.timeout: %s", err);
        return s;
    }
    return 60;
}

/* Copies s into the VU's request arena; returns the copy (truncated when the arena is full). */
static const char *arena_copy(vu *v, size_t *used, const char *s) {
    size_t limit = sizeof v->req_arena - 256; /* the last 256 bytes hold the URL name */
    size_t n = strlen(s), room = *used < limit ? limit - *used : 0;
    if (room == 0) return "";
    if (n >= room) n = room - 1;
    char *d = memcpy(v->req_arena + *used, s, n);
    d[n] = 0;
    *used += n + 1;
    return d;
}

static int do_request(lua_State *L, const char *method, int url_idx, int body_idx, int params_idx) {
    runtime *rt = lt_runtime(L);
    vu *v = rt->current;
    if (!v || v->co != L)
        return luaL_error(L, "lt.http.%s can only be called inside an iteration, setup or teardown (not at the top level of the script or inside a coroutine of the script's own)", method);
    const char *url = luaL_checkstring(L, url_idx);
    size_t body_len = 0;
    const char *body = NULL;
    if (body_idx && !lua_isnoneornil(L, body_idx)) {
        if (!lua_isstring(L, body_idx)) return luaL_error(L, "lt.http: the body must be a string (use lt.json.encode for tables)");
        body = lua_tolstring(L, body_idx, &body_len);
    }
    http_header headers[MAX_HEADERS];
    http_request req = {.method = method, .url = url, .headers = headers, .body = body,
                        .body_len = body_len, .timeout_s = 60, .discard_body = !g_keep_body_default};
    const char *name = url;
    v->req_tags = v->base;
    size_t used = 0;
    if (params_idx && lua_istable(L, params_idx)) {
        luaL_checkstack(L, MAX_HEADERS + 16, "too many headers");
        lua_getfield(L, params_idx, "headers");
        int hidx = lua_gettop(L);
        if (lua_istable(L, hidx)) {
            lua_pushnil(L);
            while (lua_next(L, hidx) && req.nheaders < MAX_HEADERS) {
                if (lua_type(L, -2) == LUA_TSTRING && lua_isstring(L, -1)) {
                    http_header *h = &headers[req.nheaders++];
                    h->name = lua_tolstring(L, -2, &h->name_len);
                    lua_pushvalue(L, -1); /* a string copy stays on the stack below the key */
                    lua_insert(L, -3);
                    h->value = lua_tolstring(L, -3, &h->value_len);
                }
                lua_pop(L, 1);
            }
        }
        lua_getfield(L, params_idx, "timeout");
        if (!lua_isnil(L, -1)) req.timeout_s = timeout_param(L, lua_gettop(L));
        lua_pop(L, 1);
        lua_getfield(L, params_idx, "responseType");
        if (lua_isstring(L, -1)) req.discard_body = strcmp(lua_tostring(L, -1), "none") == 0;
        lua_pop(L, 1);
        lua_getfield(L, params_idx, "name");
        if (lua_isstring(L, -1)) name = arena_copy(v, &used, lua_tostring(L, -1));
        lua_pop(L, 1);
        lua_getfield(L, params_idx, "tags");
        if (lua_istable(L, -1)) {
            lua_getfield(L, -1, "name"); /* k6 also takes the name from tags */
            if (lua_isstring(L, -1)) name = arena_copy(v, &used, lua_tostring(L, -1));
            lua_pop(L, 1);
            size_t limit = sizeof v->req_arena - 256;
            if (used < limit)
                tags_from_lua(L, lua_gettop(L), &v->req_tags, v->req_arena + used, limit - used);
            used = limit; /* tags_from_lua used what it needed; nothing comes after */
        }
        lua_pop(L, 1);
    }
    if (name == url) {
        /* the URL string lives on the Lua stack only until we yield: keep a copy */
        char *tail = v->req_arena + sizeof v->req_arena - 256;
        snprintf(tail, 256, "%s", url);
        name = tail;
    }
    tags_put(&v->req_tags, "method", method);
    tags_put(&v->req_tags, "name", name);
    if (http_send(v->pool, &req, on_done, v) != 0)
        return luaL_error(L, "lt.http: a request is already in flight on this VU");
    return lua_yield(L, 0);
}

static int l_get(lua_State *L) { return do_request(L, "GET", 1, 0, 2); }
static int l_head(lua_State *L) { return do_request(L, "HEAD", 1, 0, 2); }
static int l_options(lua_State *L) { return do_request(L, "OPTIONS", 1, 2, 3); }
static int l_post(lua_State *L) { return do_request(L, "POST", 1, 2, 3); }
static int l_put(lua_State *L) { return do_request(L, "PUT", 1, 2, 3); }
static int l_patch(lua_State *L) { return do_request(L, "PATCH", 1, 2, 3); }
static int l_del(lua_State *L) { return do_request(L, "DELETE", 1, 2, 3); }

static int l_request(lua_State *L) {
    const char *m = luaL_checkstring(L, 1);
    static const char *known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL};
    for (const char **k = known; *k; k++)
        if (strcasecmp(m, *k) == 0) return do_request(L, *k, 2, 3, 4);
    return luaL_error(L, "lt.http.request: unknown method '%s'", m);
}

void lt_open_http(lua_State *L, runtime *rt) {
    g_keep_body_default = !(rt->shared->plan && rt->shared->plan->discard_response_bodies);
    luaL_newmetatable(L, RESPONSE_MT);
    lua_pushcfunction(L, response_index);
    lua_setfield(L, -2, "__index");
    if (luaL_loadstring(L, RESPONSE_CTOR) != 0) lua_error(L);
    lua_insert(L, -2); /* ctor chunk, mt */
    lua_call(L, 1, 1);
    rt->response_ctor_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    static const luaL_Reg fns[] = {{"get", l_get},         {"head", l_head}, {"post", l_post},
                                   {"put", l_put},         {"patch", l_patch}, {"del", l_del},
                                   {"options", l_options}, {"request", l_request}, {NULL, NULL}};
    lua_newtable(L);
    for (const luaL_Reg *f = fns; f->name; f++) {
        lua_pushcfunction(L, f->func);
        lua_setfield(L, -2, f->name);
    }
    lua_setfield(L, -2, "http");
}
