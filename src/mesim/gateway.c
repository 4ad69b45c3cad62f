/* gateway.c — see gateway.h. */
#include "mesim/gateway.h"
#include "mesim/http.h"
#include "mesim/metrics_text.h"
#include "mesim/order.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ROUTES 4096
#define MAX_CODES  16

typedef struct {
    struct evhttp_connection *conn;
    int inflight;
} gw_conn;

typedef struct {
    int code;
    uint64_t n;
} code_count;

typedef struct {
    char id[16];
    char host[256];
    int port;
    gw_conn conns[ME_GW_POOL];
    int nconns;
    code_count codes[MAX_CODES];
} gw_shard;

typedef struct {
    char symbol[ME_SYMBOL_MAX + 1];
    int shard;
} gw_route;

/* One request forwarded to a shard, listed so shutdown can free those still in flight. */
typedef struct fwd {
    struct fwd *prev, *next;
    struct me_gw *g;
    gw_shard *sh;
    gw_conn *c;
    struct evhttp_request *client;
} fwd;

struct me_gw {
    struct event_base *base;
    struct evhttp *http;
    int timeout_s;
    gw_shard shards[ME_GW_MAX_SHARDS];
    size_t nshards;
    gw_shard local; /* counts answers the gateway gives itself (shard="none") */
    gw_route *routes;
    size_t nroutes;
    fwd *inflight;
};

static void fwd_unlink(fwd *f) {
    if (f->prev)
        f->prev->next = f->next;
    else
        f->g->inflight = f->next;
    if (f->next) f->next->prev = f->prev;
}

static void count(gw_shard *sh, int code) {
    for (int i = 0; i < MAX_CODES; i++) {
        if (sh->codes[i].code == code || sh->codes[i].code == 0) {
            sh->codes[i].code = code;
            sh->codes[i].n++;
            return;
        }
    }
}

static int shard_index(const me_gw *g, const char *id) {
    for (size_t i = 0; i < g->nshards; i++)
        if (!strcmp(g->shards[i].id, id)) return (int)i;
    return -1;
}

static int set_route(me_gw *g, const char *symbol, int shard) {
    for (size_t i = 0; i < g->nroutes; i++) {
        if (!strcmp(g->routes[i].symbol, symbol)) {
            g->routes[i].shard = shard;
            return 0;
        }
    }
    if (g->nroutes == MAX_ROUTES) return -1;
    snprintf(g->routes[g->nroutes].symbol, sizeof g->routes[0].symbol, "%s", symbol);
    g->routes[g->nroutes++].shard = shard;
    return 0;
}

static void reject(me_gw *g, gw_shard *sh, struct evhttp_request *req, int code, const char *field,
                   const char *reason) {
    count(sh ? sh : &g->local, code);
    me_http_reject(req, code, field, reason);
}

/* ---- forwarding ---- */

static gw_conn *pick(me_gw *g, gw_shard *sh) {
    gw_conn *best = NULL;
    for (int i = 0; i < sh->nconns; i++) {
        if (!sh->conns[i].inflight) return &sh->conns[i];
        if (!best || sh->conns[i].inflight < best->inflight) best = &sh->conns[i];
    }
    if (sh->nconns < ME_GW_POOL) {
        struct evhttp_connection *c =
            evhttp_connection_base_new(g->base, NULL, sh->host, (unsigned short)sh->port);
        if (c) {
            evhttp_connection_set_timeout(c, g->timeout_s);
            evhttp_connection_set_retries(c, 0);
            evhttp_connection_set_max_body_size(c, ME_MAX_BODY);
            gw_conn *gc = &sh->conns[sh->nconns++];
            gc->conn = c;
            gc->inflight = 0;
            return gc;
        }
    }
    return best;
}

static void upstream_done(struct evhttp_request *up, void *arg) {
    fwd *f = arg;
    f->c->inflight--;
    int code = up ? evhttp_request_get_response_code(up) : 0;
    if (code == 0) {
        char r[320];
        snprintf(r, sizeof r, "shard %s at %s:%d is unavailable", f->sh->id, f->sh->host,
                 f->sh->port);
        reject(f->g, f->sh, f->client, 502, "shard", r);
    } else {
        count(f->sh, code);
        const char *ct = evhttp_find_header(evhttp_request_get_input_headers(up), "Content-Type");
        if (ct) evhttp_add_header(evhttp_request_get_output_headers(f->client), "Content-Type", ct);
        const char *line = evhttp_request_get_response_code_line(up);
        evhttp_send_reply(f->client, code, line && *line ? line : "Status",
                          evhttp_request_get_input_buffer(up));
    }
    fwd_unlink(f);
    free(f);
}

static void forward(me_gw *g, gw_shard *sh, struct evhttp_request *client, const char *path) {
    gw_conn *c = pick(g, sh);
    fwd *f = c ? malloc(sizeof *f) : NULL;
    struct evhttp_request *up = f ? evhttp_request_new(upstream_done, f) : NULL;
    if (!up) {
        free(f);
        reject(g, sh, client, 503, "gateway", "out of memory");
        return;
    }
    *f = (fwd){NULL, g->inflight, g, sh, c, client};
    if (g->inflight) g->inflight->prev = f;
    g->inflight = f;
    struct evkeyvalq *h = evhttp_request_get_output_headers(up);
    evhttp_add_header(h, "Host", sh->host);
    evhttp_add_header(h, "Content-Type", "application/json");
    evbuffer_add_buffer(evhttp_request_get_output_buffer(up),
                        evhttp_request_get_input_buffer(client));
    c->inflight++;
    if (evhttp_make_request(c->conn, up, EVHTTP_REQ_POST, path) != 0) {
        /* libevent has freed `up` */
        c->inflight--;
        fwd_unlink(f);
        free(f);
        char r[320];
        snprintf(r, sizeof r, "shard %s: cannot send request", sh->id);
        reject(g, sh, client, 502, "shard", r);
    }
}

/* ---- handlers ---- */

static void handle_orders(me_gw *g, struct evhttp_request *req) {
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        reject(g, NULL, req, 405, "method", "use POST");
        return;
    }
    size_t len = 0;
    int too_large = 0;
    char *body = me_http_body(req, ME_ORDER_BODY, &len, &too_large);
    if (!body) {
        reject(g, NULL, req, too_large ? 413 : 503, "body",
               too_large ? "body larger than 65536 bytes" : "out of memory");
        return;
    }
    cJSON *root = cJSON_ParseWithLength(body, len);
    free(body);
    const cJSON *sym = root ? cJSON_GetObjectItemCaseSensitive(root, "symbol") : NULL;
    if (!root) {
        reject(g, NULL, req, 400, "body", "body is malformed JSON");
    } else if (!sym) {
        reject(g, NULL, req, 400, "symbol", "symbol is missing");
    } else if (!cJSON_IsString(sym) || !me_symbol_valid(sym->valuestring)) {
        reject(g, NULL, req, 400, "symbol",
               "symbol must be a string of 1-32 characters [A-Za-z0-9._-]");
    } else {
        const gw_route *r = NULL;
        for (size_t i = 0; i < g->nroutes && !r; i++)
            if (!strcmp(g->routes[i].symbol, sym->valuestring)) r = &g->routes[i];
        if (!r) {
            char why[96];
            snprintf(why, sizeof why, "unknown symbol %s", sym->valuestring);
            reject(g, NULL, req, 400, "symbol", why);
        } else {
            forward(g, &g->shards[r->shard], req, "/orders");
        }
    }
    cJSON_Delete(root);
}

static void handle_seed(me_gw *g, struct evhttp_request *req, const char *id) {
    int i = shard_index(g, id);
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        reject(g, NULL, req, 405, "method", "use POST");
    } else if (i < 0) {
        char why[96];
        snprintf(why, sizeof why, "unknown shard %.32s", id);
        reject(g, NULL, req, 400, "shard", why);
    } else {
        forward(g, &g->shards[i], req, "/seed");
    }
}

static void write_codes(struct evbuffer *b, const gw_shard *sh, const char *name) {
    for (int i = 0; i < MAX_CODES && sh->codes[i].code; i++)
        evbuffer_add_printf(b, "gw_requests_total{shard=\"%s\",code=\"%d\"} %llu\n", name,
                            sh->codes[i].code, (unsigned long long)sh->codes[i].n);
}

static void handle_metrics(me_gw *g, struct evhttp_request *req) {
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    me_prom_family(b, "gw_requests_total", "counter",
                   "Routed requests answered, by shard (none: refused by the gateway) and code.");
    for (size_t i = 0; i < g->nshards; i++) write_codes(b, &g->shards[i], g->shards[i].id);
    write_codes(b, &g->local, "none");
    me_prom_family(b, "gw_upstream_connections", "gauge", "Connections opened to each shard.");
    for (size_t i = 0; i < g->nshards; i++)
        evbuffer_add_printf(b, "gw_upstream_connections{shard=\"%s\"} %d\n", g->shards[i].id,
                            g->shards[i].nconns);
    me_prom_family(b, "gw_upstream_inflight", "gauge", "Requests waiting on each shard.");
    for (size_t i = 0; i < g->nshards; i++) {
        int n = 0;
        for (int k = 0; k < g->shards[i].nconns; k++) n += g->shards[i].conns[k].inflight;
        evbuffer_add_printf(b, "gw_upstream_inflight{shard=\"%s\"} %d\n", g->shards[i].id, n);
    }
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

static void dispatch(struct evhttp_request *req, void *arg) {
    me_gw *g = arg;
    const char *p = me_http_path(req);
    if (!strcmp(p, "/orders"))
        handle_orders(g, req);
    else if (!strncmp(p, "/seed/", 6))
        handle_seed(g, req, p + 6);
    else if (!strcmp(p, "/metrics"))
        handle_metrics(g, req);
    else if (!strcmp(p, "/health"))
        me_http_reply(req, 200, "{\"status\":\"UP\",\"role\":\"gateway\"}\n");
    else
        me_http_reject(req, 404, "path", "no such endpoint");
}

/* ---- lifecycle ---- */

me_gw *me_gw_new(struct event_base *base, const me_gw_cfg *cfg, char *err, size_t errlen) {
    me_gw *g = calloc(1, sizeof *g);
    if (!g || !(g->routes = calloc(MAX_ROUTES, sizeof *g->routes))) {
        free(g);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    g->base = base;
    g->timeout_s = cfg->timeout_s > 0 ? cfg->timeout_s : 65;
    if (cfg->nshards > ME_GW_MAX_SHARDS) {
        snprintf(err, errlen, "too many shards (at most %d)", ME_GW_MAX_SHARDS);
        goto fail;
    }
    for (size_t i = 0; i < cfg->nshards; i++) {
        const me_gw_shard *s = &cfg->shards[i];
        if (!s->id[0] || strlen(s->id) >= sizeof g->shards[0].id || !me_symbol_valid(s->id)) {
            snprintf(err, errlen, "invalid shard id '%s'", s->id);
            goto fail;
        }
        if (shard_index(g, s->id) >= 0) {
            snprintf(err, errlen, "shard '%s' given twice", s->id);
            goto fail;
        }
        gw_shard *sh = &g->shards[g->nshards++];
        snprintf(sh->id, sizeof sh->id, "%s", s->id);
        snprintf(sh->host, sizeof sh->host, "%s", s->host);
        sh->port = s->port;
    }
    for (int k = 0; k < 12; k++) {
        char sym[16], shard[2] = {(char)('a' + k / 4), 0};
        snprintf(sym, sizeof sym, "TEST-ASSET-%c", 'A' + k);
        int i = shard_index(g, shard);
        if (i >= 0) set_route(g, sym, i);
    }
    for (size_t r = 0; r < cfg->nroutes; r++) {
        int i = shard_index(g, cfg->routes[r].shard);
        if (!me_symbol_valid(cfg->routes[r].symbol)) {
            snprintf(err, errlen, "invalid symbol '%s' in route", cfg->routes[r].symbol);
            goto fail;
        }
        if (i < 0) {
            snprintf(err, errlen, "route %s=%s names an unknown shard", cfg->routes[r].symbol,
                     cfg->routes[r].shard);
            goto fail;
        }
        if (set_route(g, cfg->routes[r].symbol, i) < 0) {
            snprintf(err, errlen, "too many routes (at most %d)", MAX_ROUTES);
            goto fail;
        }
    }
    if (!(g->http = me_http_listen(base, cfg->host, cfg->port, err, errlen))) goto fail;
    evhttp_set_gencb(g->http, dispatch, g);
    return g;
fail:
    me_gw_free(g);
    return NULL;
}

void me_gw_free(me_gw *g) {
    if (!g) return;
    if (g->http) evhttp_free(g->http);
    for (size_t i = 0; i < g->nshards; i++)
        for (int k = 0; k < g->shards[i].nconns; k++)
            evhttp_connection_free(g->shards[i].conns[k].conn);
    /* freeing a connection drops its requests without calling back */
    for (fwd *f = g->inflight, *nx; f; f = nx) {
        nx = f->next;
        free(f);
    }
    free(g->routes);
    free(g);
}
