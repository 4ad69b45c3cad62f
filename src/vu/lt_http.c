/* lt_http.c — lt.http: requests that look synchronous to the script and yield the VU's coroutine
 * to the event loop; every response recorded in k6's http_* metrics with k6's tags. */
#include "plan/duration.h"
#include "vu/lt_http_internal.h"
#include "vu/luajson.h"
#include "vu/response_callback.h"
#include "vu/runtime.h"
#include <lauxlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RESPONSE_MT   "lt.response"
#define LOCAL_HEADERS 64 /* params.headers up to this many need no allocation */

/* A request that failed (even after its status line arrived) reports status 0, as documented:
 * a half-read response must not pass a `status == 200` check. */
static int response_status(const http_result *res) {
    return res->error == HTTP_OK ? res->status : 0;
}

/* The tags of a response's samples: the request's (base, params.tags, method, name), then the
 * status and whether it was expected (ok: 1, 0, or -1 for no tag), and on failure the error. */
static uint32_t intern_response_tags(vu *v, const lt_req_meta *m, const http_result *res, int st,
                                     int ok) {
    tag_builder b = v->base;
    if (!m->plain) { /* the request's own tag set; interned tag sets never change */
        const tagset *t = tagset_get(m->tid);
        b.n = 0;
        for (int i = 0; t && i < t->n; i++) tags_put(&b, t->keys[i], t->vals[i]);
    }
    char status[16], code[16];
    tags_put(&b, "method", m->method);
    tags_put(&b, "name", m->name);
    if (st >= 100 && st < 600) { /* no printf on the hot path */
        status[0] = (char)('0' + st / 100), status[1] = (char)('0' + st / 10 % 10);
        status[2] = (char)('0' + st % 10), status[3] = 0;
    } else {
        snprintf(status, sizeof status, "%d", st);
    }
    tags_put(&b, "status", status);
    if (ok >= 0) tags_put(&b, "expected_response", ok ? "true" : "false");
    if (res->error != HTTP_OK) {
        snprintf(code, sizeof code, "%d", (int)res->error);
        tags_put(&b, "error_code", code);
        tags_put(&b, "error", http_error_name(res->error));
    } else if (st >= 400) { /* k6: an HTTP error status is error_code 1000 + status, no error */
        snprintf(code, sizeof code, "%d", 1000 + st);
        tags_put(&b, "error_code", code);
    }
    return tagset_intern(v->rt->tags, &b);
}

/* Where record_response's samples go: the series of one tag set in the worker's store, through
 * the runtime's resp_series entry for it when there is one (e != NULL). */
typedef struct {
    store *st;
    uint32_t tid;
    resp_series *e;
    runtime *rt;
    double t; /* when raw samples are on: the response's time, one clock read for all of them */
} sampler;

static int resp_slot(int metric) {
    if (metric <= M_HTTP_REQ_DURATION_CORRECTED) return metric; /* the http_req_* ids: 0..9 */
    return metric == M_DATA_SENT ? 10 : metric == M_DATA_RECEIVED ? 11 : 12;
}

static void sampler_init(sampler *sm, runtime *rt, uint32_t tid) {
    sm->st = metrics_shard_store(rt->shard);
    sm->tid = tid;
    sm->rt = rt;
    sm->t = samples_enabled() ? runtime_now(rt) : 0;
    sm->e = rt->rseries ? &rt->rseries[tid & (RESP_TABLE - 1)] : NULL;
    if (!sm->e) return;
    uint64_t gen = store_generation(sm->st);
    if (sm->e->st != sm->st || sm->e->gen != gen || sm->e->tid != tid) {
        *sm->e = (resp_series){.st = sm->st, .gen = gen, .tid = tid};
    }
}

static void sample(sampler *sm, int metric, metric_type type, double value) {
    resp_series *e = sm->e;
    series *it;
    if (!e) {
        it = store_series(sm->st, metric, sm->tid);
    } else if (!(it = e->s[resp_slot(metric)])) {
        it = e->s[resp_slot(metric)] = store_series(sm->st, metric, sm->tid);
        if (store_generation(sm->st) != e->gen) { /* the store grew: the other pointers moved */
            e->st = NULL;
            sm->e = NULL;
        }
    }
    series_add(it, type, value);
    if (sm->t > 0) samples_record(&sm->rt->raw, metric, sm->tid, value, sm->t);
}

static bool resp_tag_hit(const resp_tag_entry *e, uint32_t req_tid, const lt_req_meta *m, int st,
                         int ok) {
    return e->used && e->req_tid == req_tid && e->status == st && e->expected == ok &&
           e->method == m->method && strcmp(e->name, m->name) == 0;
}

/* The response's tag set id, through the runtime's resp_tags cache for successful requests. */
static uint32_t response_tid(vu *v, const lt_req_meta *m, const http_result *res, int st, int ok) {
    resp_tag_entry *table = v->rt->resp_tags;
    size_t n = strlen(m->name);
    if (res->error != HTTP_OK || !table || n >= sizeof table[0].name)
        return intern_response_tags(v, m, res, st, ok);
    uint32_t req_tid = m->plain ? vu_base_tid(v) : m->tid;
    if (v->last_resp && resp_tag_hit(v->last_resp, req_tid, m, st, ok)) return v->last_resp->tid;
    uint64_t h = (req_tid * 0x9E3779B97F4A7C15ULL) ^ (uintptr_t)m->method ^ (uint64_t)st << 40;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)m->name[i]) * 0x100000001b3ULL;
    resp_tag_entry *e = &table[(h ^ (h >> 29)) & (RESP_TAGS - 1)];
    resp_tag_entry *pair = &table[(size_t)(e - table) ^ 1];
    if (resp_tag_hit(e, req_tid, m, st, ok)) return (v->last_resp = e)->tid;
    if (resp_tag_hit(pair, req_tid, m, st, ok)) return (v->last_resp = pair)->tid;
    if (e->used && !pair->used) e = pair;
    v->last_resp = e;
    uint32_t tid = intern_response_tags(v, m, res, st, ok);
    *e = (resp_tag_entry){.used = true,
                          .expected = (int8_t)ok,
                          .status = st,
                          .req_tid = req_tid,
                          .tid = tid,
                          .method = m->method};
    memcpy(e->name, m->name, n + 1);
    return tid;
}

void lt_http_record(vu *v, const lt_req_meta *m, const http_result *res) {
    int st = response_status(res);
    /* k6: the response callback sees status 0 for a failed request; without one, nothing is
     * failed by status: no http_req_failed sample, no expected_response tag */
    const lt_statuses *cb = m->response_cb;
    int ok = cb ? lt_statuses_match(cb, st) : -1;
    sampler sm;
    sampler_init(&sm, v->rt, response_tid(v, m, res, st, ok));
    const http_timings *t = &res->timings;
    sample(&sm, M_HTTP_REQS, METRIC_COUNTER, 1);
    if (cb) sample(&sm, M_HTTP_REQ_FAILED, METRIC_RATE, ok ? 0 : 1);
    sample(&sm, M_DATA_SENT, METRIC_COUNTER, (double)res->bytes_sent);
    sample(&sm, M_DATA_RECEIVED, METRIC_COUNTER, (double)res->bytes_received);
    /* one sample per request, 0 or 1: the summary always shows how many were sent again */
    sample(&sm, M_HTTP_REQ_RETRIES, METRIC_COUNTER, res->retries);
    if (res->error != HTTP_OK && res->status == 0 && t->duration == 0) return;
    sample(&sm, M_HTTP_REQ_DURATION, METRIC_TREND, t->duration);
    sample(&sm, M_HTTP_REQ_BLOCKED, METRIC_TREND, t->blocked);
    sample(&sm, M_HTTP_REQ_CONNECTING, METRIC_TREND, t->connecting);
    sample(&sm, M_HTTP_REQ_TLS_HANDSHAKING, METRIC_TREND, t->tls_handshaking);
    sample(&sm, M_HTTP_REQ_SENDING, METRIC_TREND, t->sending);
    sample(&sm, M_HTTP_REQ_WAITING, METRIC_TREND, t->waiting);
    sample(&sm, M_HTTP_REQ_RECEIVING, METRIC_TREND, t->receiving);
    if (v->corrected) {
        /* As if the iteration had started on time: the lateness of its start is added, so a
         * server stall that delays the schedule shows up in this latency (wrk2's correction). */
        double lag = (v->iter_start - v->due) * 1000.0;
        sample(&sm, M_HTTP_REQ_DURATION_CORRECTED, METRIC_TREND, t->duration + (lag > 0 ? lag : 0));
    }
}

static void push_response(runtime *rt, lua_State *L, const http_result *res, bool keep_body);

static void on_done(void *arg, const http_result *res) {
    vu *v = arg;
    if (v->interrupted || !v->co) return;
    lt_req_meta m = {v->req_method, v->req_name, v->req_plain, v->req_tid, v->req_response_cb};
    lt_http_record(v, &m, res);
    if (v->rt->preempt.poisoned) return vu_resume(v, 0); /* ends the iteration; no Lua runs */
    push_response(v->rt, v->co, res, res->body != NULL);
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
    char err[256];
    if (luajson_decode(L, s, len, err, sizeof err) != 0)
        return luaL_error(L, "res:json(): %s", err);
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

static void push_response(runtime *rt, lua_State *L, const http_result *res, bool keep_body) {
    lua_State *M = rt->L; /* L may be a suspended coroutine: build on the main state, then move */
    lua_rawgeti(M, LUA_REGISTRYINDEX, rt->response_ctor_ref);
    lua_pushinteger(M, response_status(res));
    if (keep_body && res->body)
        lua_pushlstring(M, res->body, res->body_len);
    else
        lua_pushnil(M);
    if (res->error == HTTP_OK)
        lua_pushliteral(M, "");
    else
        lua_pushstring(M, res->error_text && res->error_text[0] ? res->error_text
                                                                : http_error_name(res->error));
    lua_pushinteger(M, res->error != HTTP_OK ? (int)res->error
                       : res->status >= 400  ? 1000 + res->status /* as k6 */
                                             : 0);
    if (res->proto)
        lua_pushstring(M, res->proto);
    else
        lua_pushnil(M);
    if (res->header_block)
        lua_pushlstring(M, res->header_block, res->header_len);
    else
        lua_pushnil(M);
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

void lt_push_response(lua_State *L, const http_result *res, bool keep_body) {
    push_response(lt_runtime(L), L, res, keep_body);
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

/* Fills hs (room for cap) from the headers table at hidx: string keys with string or number
 * values. Each value is kept on the stack below the iteration's key (a number's text must stay
 * alive until http_send has copied it). Returns the count, or -1 when the table has more. */
static int collect_headers(lua_State *L, int hidx, http_header *hs, int cap) {
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, hidx)) {
        if (lua_type(L, -2) == LUA_TSTRING && lua_isstring(L, -1)) {
            if (n == cap) {
                lua_pop(L, 2);
                return -1;
            }
            http_header *h = &hs[n++];
            h->name = lua_tolstring(L, -2, &h->name_len);
            lua_pushvalue(L, -1); /* a string copy stays on the stack below the key */
            lua_insert(L, -3);
            h->value = lua_tolstring(L, -3, &h->value_len);
        }
        lua_pop(L, 1);
    }
    return n;
}

static int count_headers(lua_State *L, int hidx) {
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, hidx)) {
        n += lua_type(L, -2) == LUA_TSTRING && lua_isstring(L, -1);
        lua_pop(L, 1);
    }
    return n;
}

/* Every header of params.headers (k6 sends them all): up to LOCAL_HEADERS in `local`, more in a
 * userdata left on the stack, alive until http_send has copied the request. */
static void set_headers(lua_State *L, int hidx, http_header *local, http_request *req) {
    int n = collect_headers(L, hidx, local, LOCAL_HEADERS);
    req->headers = local;
    if (n < 0) {
        int total = count_headers(L, hidx);
        luaL_checkstack(L, total + 16, "too many headers");
        http_header *all = lua_newuserdata(L, (size_t)total * sizeof *all);
        n = collect_headers(L, hidx, all, total);
        req->headers = all;
    }
    req->nheaders = n;
}

/* The keys do_request reads from params, as Lua strings in upvalues of the lt.http functions
 * (lt_open_http): lua_getfield would hash and intern the C string on every call. */
enum {
    P_HEADERS = 2,
    P_TIMEOUT,
    P_RESPONSETYPE,
    P_NAME,
    P_TAGS,
    P_RESPONSECALLBACK,
    P_NUPVALUES = P_RESPONSECALLBACK
};
static const char *const PARAM_KEYS[] = {"headers", "timeout", "responseType",
                                         "name",    "tags",    "responseCallback"};

/* Pushes t[key] as lua_getfield does (metamethods apply); t must be an absolute index. */
static void get_param(lua_State *L, int t, int key) {
    lua_pushvalue(L, lua_upvalueindex(key));
    lua_gettable(L, t);
}

/* An interrupted iteration's request: on_done runs with HTTP_ERR_CANCELLED, sees `interrupted`. */
static void request_cancel(vu *v) {
    http_pool_cancel(v->pool);
}

const char *lt_http_prepare(lua_State *L, vu *v, const char *method, int url_idx, int body_idx,
                            int params_idx, int tags_tid, http_request *req, http_header *headers,
                            lt_req_meta *m) {
    runtime *rt = v->rt;
    size_t url_len;
    const char *url = luaL_checklstring(L, url_idx, &url_len);
    size_t body_len = 0;
    const char *body = NULL;
    if (body_idx && !lua_isnoneornil(L, body_idx)) {
        if (!lua_isstring(L, body_idx))
            luaL_error(L, "lt.http: the body must be a string (use lt.json.encode for tables)");
        body = lua_tolstring(L, body_idx, &body_len);
    }
    *req = (http_request){.method = method,
                          .url = url,
                          .body = body,
                          .body_len = body_len,
                          .timeout_s = 60,
                          .discard_body = rt->discard_bodies};
    const plan *pl = rt->shared->plan; /* NULL only while lt inspect loads the script */
    if (pl) req->user_agent = pl->user_agent, req->no_reuse = pl->no_connection_reuse;
    const char *name = url;
    *m = (lt_req_meta){.method = method, .plain = true, .response_cb = lt_vu_response_callback(v)};
    size_t used = 0;
    if (params_idx && lua_istable(L, params_idx)) {
        luaL_checkstack(L, LOCAL_HEADERS + 16, "too many headers");
        get_param(L, params_idx, P_HEADERS);
        int hidx = lua_gettop(L);
        if (lua_istable(L, hidx)) set_headers(L, hidx, headers, req);
        get_param(L, params_idx, P_TIMEOUT);
        if (!lua_isnil(L, -1)) req->timeout_s = timeout_param(L, lua_gettop(L));
        lua_pop(L, 1);
        get_param(L, params_idx, P_RESPONSETYPE);
        if (lua_isstring(L, -1)) req->discard_body = strcmp(lua_tostring(L, -1), "none") == 0;
        lua_pop(L, 1);
        get_param(L, params_idx, P_NAME);
        if (lua_isstring(L, -1)) name = arena_copy(v, &used, lua_tostring(L, -1));
        lua_pop(L, 1);
        get_param(L, params_idx, P_TAGS);
        if (lua_istable(L, -1)) {
            get_param(L, lua_gettop(L), P_NAME); /* k6 also takes the name from tags */
            if (lua_isstring(L, -1)) name = arena_copy(v, &used, lua_tostring(L, -1));
            lua_pop(L, 1);
            m->tid = tags_tid >= 0 ? (uint32_t)tags_tid : lt_table_tags(L, rt, lua_gettop(L));
            m->plain = false;
        }
        lua_pop(L, 1);
        get_param(L, params_idx, P_RESPONSECALLBACK);
        if (!lua_isnil(L, -1)) lt_response_callback_param(L, lua_gettop(L), &m->response_cb);
        lua_pop(L, 1);
    }
    if (name == url) {
        /* the URL string lives on the Lua stack only until we yield: keep a copy */
        char *tail = v->req_arena + sizeof v->req_arena - 256;
        size_t n = strnlen(url, url_len < 255 ? url_len : 255); /* as snprintf: up to a NUL */
        memcpy(tail, url, n);
        tail[n] = 0;
        name = tail;
    }
    m->name = name;
    return name;
}

vu *lt_http_vu(lua_State *L, const char *what) {
    runtime *rt = lua_touserdata(L, lua_upvalueindex(1)); /* lt_open_http: no registry lookup */
    vu *v = rt->current;
    if (!v || v->co != L)
        luaL_error(L,
                   "lt.http.%s can only be called inside an iteration, setup or teardown (not at "
                   "the top level of the script or inside a coroutine of the script's own)",
                   what);
    return v;
}

static int send_request(lua_State *L, const char *method, int url_idx, int body_idx, int params_idx,
                        int tags_tid) {
    vu *v = lt_http_vu(L, method);
    http_header headers[LOCAL_HEADERS];
    http_request req;
    lt_req_meta m;
    lt_http_prepare(L, v, method, url_idx, body_idx, params_idx, tags_tid, &req, headers, &m);
    /* the tags are made when the response is recorded */
    v->req_method = m.method;
    v->req_name = m.name;
    v->req_plain = m.plain;
    v->req_tid = m.tid;
    v->req_response_cb = m.response_cb;
    if (http_send(v->pool, &req, on_done, v) != 0)
        return luaL_error(L, "lt.http: a request is already in flight on this VU");
    return vu_yield(L, v, request_cancel);
}

static int do_request(lua_State *L, const char *method, int url_idx, int body_idx, int params_idx) {
    return send_request(L, method, url_idx, body_idx, params_idx, -1);
}

/* The twins lt_fast.c's wrappers call: the same request, with the tag set id of params.tags
 * (computed as lt_table_tags would) in the argument after params. */
static int do_request_tid(lua_State *L, const char *method, int url_idx, int body_idx,
                          int params_idx) {
    int tid = (int)lua_tointeger(L, params_idx + 1);
    lua_settop(L, params_idx);
    return send_request(L, method, url_idx, body_idx, params_idx, tid);
}
static int l_get_tid(lua_State *L) {
    return do_request_tid(L, "GET", 1, 0, 2);
}
static int l_post_tid(lua_State *L) {
    return do_request_tid(L, "POST", 1, 2, 3);
}
static int l_put_tid(lua_State *L) {
    return do_request_tid(L, "PUT", 1, 2, 3);
}
static int l_patch_tid(lua_State *L) {
    return do_request_tid(L, "PATCH", 1, 2, 3);
}
static int l_del_tid(lua_State *L) {
    return do_request_tid(L, "DELETE", 1, 2, 3);
}

static int l_get(lua_State *L) {
    return do_request(L, "GET", 1, 0, 2);
}
static int l_head(lua_State *L) {
    return do_request(L, "HEAD", 1, 0, 2);
}
static int l_options(lua_State *L) {
    return do_request(L, "OPTIONS", 1, 2, 3);
}
static int l_post(lua_State *L) {
    return do_request(L, "POST", 1, 2, 3);
}
static int l_put(lua_State *L) {
    return do_request(L, "PUT", 1, 2, 3);
}
static int l_patch(lua_State *L) {
    return do_request(L, "PATCH", 1, 2, 3);
}
static int l_del(lua_State *L) {
    return do_request(L, "DELETE", 1, 2, 3);
}

const char *lt_http_method(const char *m) {
    static const char *known[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", NULL};
    for (const char **k = known; *k; k++)
        if (strcasecmp(m, *k) == 0) return *k;
    return NULL;
}

static int l_request(lua_State *L) {
    const char *m = luaL_checkstring(L, 1);
    const char *method = lt_http_method(m);
    if (method) return do_request(L, method, 2, 3, 4);
    return luaL_error(L, "lt.http.request: unknown method '%s'", m);
}

void lt_open_http(lua_State *L, runtime *rt) {
    luaL_newmetatable(L, RESPONSE_MT);
    lua_pushcfunction(L, response_index);
    lua_setfield(L, -2, "__index");
    if (luaL_loadstring(L, RESPONSE_CTOR) != 0) lua_error(L);
    lua_insert(L, -2); /* ctor chunk, mt */
    lua_call(L, 1, 1);
    if ((getenv("LT_JIT_VERBOSE") && *getenv("LT_JIT_VERBOSE")) ||
        (getenv("LT_JIT_DUMP") && *getenv("LT_JIT_DUMP"))) {
        /* Debian's LuaJIT 2.1.0-beta3 crashes once a trace starts in this constructor while a
         * trace-event handler (jit.v, jit.dump) is attached: not compiled under those logs */
        (void)luaL_dostring(L, "return jit.off");
        lua_pushvalue(L, -2);
        lua_pushboolean(L, 1);
        if (lua_pcall(L, 2, 0, 0) != 0) lua_pop(L, 1);
    }
    rt->response_ctor_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    static const luaL_Reg fns[] = {
        {"get", l_get},           {"head", l_head}, {"post", l_post},       {"put", l_put},
        {"patch", l_patch},       {"del", l_del},   {"options", l_options}, {"request", l_request},
        {"batch", lt_http_batch}, {NULL, NULL}};
    static const luaL_Reg tid_fns[] = {{"get", l_get_tid}, {"post", l_post_tid},
                                       {"put", l_put_tid}, {"patch", l_patch_tid},
                                       {"del", l_del_tid}, {NULL, NULL}};
    for (int twins = 1; twins >= 0; twins--) { /* LT_HTTP_TID_FNS in the registry, then lt.http */
        lua_newtable(L);
        for (const luaL_Reg *f = twins ? tid_fns : fns; f->name; f++) {
            lua_pushlightuserdata(L, rt);
            for (int k = P_HEADERS; k <= P_NUPVALUES; k++)
                lua_pushstring(L, PARAM_KEYS[k - P_HEADERS]);
            lua_pushcclosure(L, f->func, P_NUPVALUES);
            lua_setfield(L, -2, f->name);
        }
        if (twins) lua_setfield(L, LUA_REGISTRYINDEX, LT_HTTP_TID_FNS);
    }
    lt_open_response_callback(L, rt);
    lt_open_http_batch(L);
    lua_setfield(L, -2, "http");
}
