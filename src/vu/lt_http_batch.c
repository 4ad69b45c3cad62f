/* lt_http_batch.c — lt.http.batch(requests), k6's http.batch: several requests of one VU in flight
 * at once, the VU's coroutine yielding once for all of them; it resumes with a table of the
 * responses under the keys the requests had (a list gives a list). Each response is recorded and
 * timed on its own, as a single request is.
 *
 * A request is a URL (GET), a list {method, url, body, params}, or a table {method = , url = ,
 * body = , params = }. At most options.batch of them are in flight, and options.batchPerHost to
 * one host:port (k6's options and defaults, 20 and 6; 0 per host: no limit); the others start, in
 * order, as those complete. Each request in flight has its own connection pool: the VU's own and
 * batch - 1 more, made on first use and kept for their connections (a batch of the same shape
 * reuses them).
 *
 * Everything a request needs is copied out of Lua when the batch is called (lt_http_prepare, then
 * the slot's own buffer), so requests started later read no Lua. The copies live in a userdata
 * whose __gc frees them: a Lua error half-way through the list leaks nothing. */
#include "vu/lt_http_internal.h"
#include <lauxlib.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MT "lt.http.batch"

typedef struct {
    struct lt_batch *b;
    http_request req; /* points into blob and headers */
    lt_req_meta meta;
    http_header *headers;
    char *blob; /* URL, body, name and header text */
    int key;    /* index of this request's key in the keys table */
    int pool;   /* pool in use while started and not done */
    bool started, done;
} batch_slot;

struct lt_batch {
    vu *v;
    int n, next, inflight, remaining;
    int parallel, per_host; /* the plan's batch and batchPerHost (0: no limit per host) */
    int anchor_ref;         /* registry: {this userdata, results, keys} */
    bool cancelled;
    bool *pool_busy; /* `parallel` of them, after the slots in the same userdata */
    batch_slot slots[];
};
typedef struct lt_batch lt_batch;

static int batch_gc(lua_State *L) {
    lt_batch *b = lua_touserdata(L, 1);
    for (int i = 0; i < b->n; i++) {
        free(b->slots[i].blob);
        free(b->slots[i].headers);
        b->slots[i].blob = NULL;
        b->slots[i].headers = NULL;
    }
    return 0;
}

/* ---------------- copying a request out of Lua ---------------- */

static char *put(char **at, const char *s, size_t n) {
    char *d = *at;
    if (n) memcpy(d, s, n);
    d[n] = 0;
    *at += n + 1;
    return d;
}

static void own_request(batch_slot *s, const http_request *req, const lt_req_meta *m) {
    size_t url_len = strlen(req->url), name_len = strlen(m->name);
    size_t size = url_len + 1 + req->body_len + 1 + name_len + 1;
    for (int i = 0; i < req->nheaders; i++)
        size += req->headers[i].name_len + req->headers[i].value_len + 2;
    char *at = s->blob = malloc(size);
    s->headers = req->nheaders ? calloc((size_t)req->nheaders, sizeof *s->headers) : NULL;
    if (!s->blob || (req->nheaders && !s->headers)) abort(); /* as Lua itself on no memory */
    s->req = *req;
    s->meta = *m;
    s->req.url = put(&at, req->url, url_len);
    if (req->body) s->req.body = put(&at, req->body, req->body_len);
    s->meta.name = put(&at, m->name, name_len);
    for (int i = 0; i < req->nheaders; i++) {
        const http_header *h = &req->headers[i];
        s->headers[i] = (http_header){.name = put(&at, h->name, h->name_len),
                                      .name_len = h->name_len,
                                      .value = put(&at, h->value, h->value_len),
                                      .value_len = h->value_len};
    }
    s->req.headers = s->headers;
}

/* The request at stack index e, in one of its three forms, onto the slot. */
static void read_request(lua_State *L, vu *v, int e, batch_slot *s, int pos) {
    int top = lua_gettop(L);
    if (lua_type(L, e) == LUA_TSTRING) {
        lua_pushliteral(L, "GET");
        lua_pushvalue(L, e);
        lua_pushnil(L);
        lua_pushnil(L);
    } else if (lua_istable(L, e)) {
        bool list = lua_objlen(L, e) > 0;
        static const char *const fields[] = {"method", "url", "body", "params"};
        for (int i = 0; i < 4; i++) {
            if (list)
                lua_rawgeti(L, e, i + 1);
            else
                lua_getfield(L, e, fields[i]);
        }
    } else {
        luaL_error(L,
                   "lt.http.batch: request %d must be a URL, {method, url, body, params} or "
                   "{method = ..., url = ..., body = ..., params = ...}",
                   pos);
    }
    const char *m = lua_isnil(L, top + 1) ? "GET" : lua_tostring(L, top + 1);
    const char *method = m ? lt_http_method(m) : NULL;
    if (!method) luaL_error(L, "lt.http.batch: request %d: unknown method '%s'", pos, m ? m : "?");
    if (!lua_isstring(L, top + 2)) luaL_error(L, "lt.http.batch: request %d has no url", pos);
    http_header headers[64];
    http_request req;
    lt_req_meta meta;
    lt_http_prepare(L, v, method, top + 2, lua_isnil(L, top + 3) ? 0 : top + 3,
                    lua_istable(L, top + 4) ? top + 4 : 0, -1, &req, headers, &meta);
    own_request(s, &req, &meta);
    lua_settop(L, top);
}

/* ---------------- running the batch ---------------- */

/* Pool i of the VU's batches: 0 is the VU's own, the others are made on first use. */
static http_pool *pool_at(vu *v, int i) {
    if (i == 0) return v->pool;
    if (i > v->nbatch_pools) {
        http_pool **more = realloc(v->batch_pools, (size_t)i * sizeof *more);
        if (!more) abort(); /* as Lua itself on no memory */
        memset(more + v->nbatch_pools, 0, (size_t)(i - v->nbatch_pools) * sizeof *more);
        v->batch_pools = more;
        v->nbatch_pools = i;
    }
    if (!v->batch_pools[i - 1]) v->batch_pools[i - 1] = http_pool_new(v->rt->http);
    return v->batch_pools[i - 1];
}

/* The host:port of a URL (k6's batchPerHost counts by URL.Host): where it starts, its length. */
static const char *url_host(const char *url, size_t *len) {
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    *len = strcspn(p, "/?#");
    return p;
}

static int in_flight_to(const lt_batch *b, const batch_slot *s) {
    size_t n, on;
    const char *h = url_host(s->req.url, &n);
    int count = 0;
    for (int i = 0; i < b->n; i++) {
        const batch_slot *o = &b->slots[i];
        if (!o->started || o->done) continue;
        const char *oh = url_host(o->req.url, &on);
        count += on == n && memcmp(oh, h, n) == 0;
    }
    return count;
}

static void on_batch_response(void *arg, const http_result *res);

/* Starts the next requests that fit under the limits, in order. */
static void pump(lt_batch *b) {
    while (b->next < b->n && b->slots[b->next].started) b->next++;
    for (int i = b->next; i < b->n && b->inflight < b->parallel; i++) {
        batch_slot *s = &b->slots[i];
        if (s->started || (b->per_host > 0 && in_flight_to(b, s) >= b->per_host)) continue;
        int p = 0;
        while (b->pool_busy[p]) p++; /* inflight < parallel: one is free */
        b->pool_busy[p] = true;
        b->inflight++;
        s->pool = p;
        s->started = true;
        http_send(pool_at(b->v, p), &s->req, on_batch_response, s); /* never busy: it is ours */
    }
}

static void release(lt_batch *b) {
    vu *v = b->v;
    v->batch = NULL;
    if (!v->rt->preempt.poisoned) luaL_unref(v->rt->L, LUA_REGISTRYINDEX, b->anchor_ref);
}

/* results[keys[s->key]] = the response, built on the main state (the coroutine is suspended). */
static void store_response(lt_batch *b, const batch_slot *s, const http_result *res) {
    lua_State *M = b->v->rt->L;
    lua_rawgeti(M, LUA_REGISTRYINDEX, b->anchor_ref);
    lua_rawgeti(M, -1, 2);
    lua_rawgeti(M, -2, 3);
    lua_rawgeti(M, -1, s->key);
    lt_push_response(M, res, res->body != NULL);
    lua_settable(M, -4);
    lua_pop(M, 3);
}

static void on_batch_response(void *arg, const http_result *res) {
    batch_slot *s = arg;
    lt_batch *b = s->b;
    vu *v = b->v;
    s->done = true;
    b->pool_busy[s->pool] = false;
    b->inflight--;
    if (b->cancelled || v->interrupted || !v->co) return; /* batch_cancel cleans up */
    lt_http_record(v, &s->meta, res);
    bool poisoned = v->rt->preempt.poisoned;
    if (!poisoned) store_response(b, s, res);
    if (--b->remaining > 0) {
        pump(b);
        return;
    }
    if (poisoned) { /* ends the iteration; no Lua runs */
        v->batch = NULL;
        return vu_resume(v, 0);
    }
    lua_rawgeti(v->co, LUA_REGISTRYINDEX, b->anchor_ref);
    lua_rawgeti(v->co, -1, 2);
    lua_remove(v->co, -2);
    release(b);
    vu_resume(v, 1);
}

/* The batch's cancel hook (vu_yield): its requests complete as cancelled, nothing resumes. */
static void batch_cancel(vu *v) {
    lt_batch *b = v->batch;
    if (!b) return;
    b->cancelled = true;
    for (int i = 0; i < b->n; i++)
        if (b->slots[i].started && !b->slots[i].done)
            http_pool_cancel(pool_at(v, b->slots[i].pool));
    release(b);
}

void lt_batch_close_idle(vu *v) {
    for (int i = 0; i < v->nbatch_pools; i++) http_pool_close_idle(v->batch_pools[i]);
}

void lt_batch_free_pools(vu *v) {
    for (int i = 0; i < v->nbatch_pools; i++) http_pool_free(v->batch_pools[i]);
    free(v->batch_pools);
    v->batch_pools = NULL;
    v->nbatch_pools = 0;
}

/* ---------------- lt.http.batch(requests) ---------------- */

/* Whether the n keys of the table at idx are exactly 1..n (n distinct keys, each a whole number
 * in 1..n); the length operator alone can name a border of a table with holes. */
static bool is_list(lua_State *L, int idx, int n) {
    for (lua_pushnil(L); lua_next(L, idx); lua_pop(L, 1)) {
        if (lua_type(L, -2) != LUA_TNUMBER) {
            lua_pop(L, 2);
            return false;
        }
        lua_Number k = lua_tonumber(L, -2);
        if (k != (lua_Number)(int)k || k < 1 || k > n) {
            lua_pop(L, 2);
            return false;
        }
    }
    return true;
}

int lt_http_batch(lua_State *L) {
    vu *v = lt_http_vu(L, "batch");
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    int n = 0;
    for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1)) n++;
    lua_newtable(L); /* 2: results */
    if (n == 0) return 1;
    const plan *pl = v->rt->shared->plan;
    int parallel = pl ? pl->batch : 20, per_host = pl ? pl->batch_per_host : 6;
    size_t size = sizeof(lt_batch) + (size_t)n * sizeof(batch_slot) + (size_t)parallel;
    lt_batch *b = lua_newuserdata(L, size); /* 3 */
    memset(b, 0, size);
    luaL_getmetatable(L, BATCH_MT);
    lua_setmetatable(L, 3);
    b->v = v;
    b->parallel = parallel;
    b->per_host = per_host;
    b->pool_busy = (bool *)&b->slots[n];
    b->n = n;        /* __gc frees every slot's copies, made or not */
    lua_newtable(L); /* 4: keys: a list's are 1..n, in order; other tables' in lua_next's */
    bool list = is_list(L, 1, n);
    int i = 0;
    for (lua_pushnil(L); lua_next(L, 1); lua_pop(L, 1)) {
        int key = list ? (int)lua_tointeger(L, -2) : ++i;
        lua_pushvalue(L, -2);
        lua_rawseti(L, 4, key);
        batch_slot *s = &b->slots[key - 1];
        s->b = b;
        s->key = key;
        read_request(L, v, lua_gettop(L), s, key);
    }
    lua_createtable(L, 3, 0);
    lua_pushvalue(L, 3);
    lua_rawseti(L, -2, 1);
    lua_pushvalue(L, 2);
    lua_rawseti(L, -2, 2);
    lua_pushvalue(L, 4);
    lua_rawseti(L, -2, 3);
    b->anchor_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    b->remaining = n;
    v->batch = b;
    pump(b);
    return vu_yield(L, v, batch_cancel);
}

void lt_open_http_batch(lua_State *L) {
    luaL_newmetatable(L, BATCH_MT);
    lua_pushcfunction(L, batch_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}
