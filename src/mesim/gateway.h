/* gateway.h — the edge gateway: routes POST /orders by symbol to the owning shard and
 * POST /seed/{shardId} to that shard's /seed, over reused keep-alive connections.
 *
 * Promises: a shard's status line and body come back unchanged; an unknown symbol or shard is
 * answered 400 naming it; a shard that cannot be reached is answered 502 and the gateway keeps
 * serving. Each shard has a small pool of connections so one slow request does not hold up the
 * others. GET /metrics counts answers per shard and code (gw_requests_total); GET /health -> 200.
 * Everything runs on the gateway's event_base thread.
 */
#ifndef MESIM_GATEWAY_H
#define MESIM_GATEWAY_H
#include <event2/event.h>
#include <stddef.h>

#define ME_GW_MAX_SHARDS 16
#define ME_GW_POOL       64 /* connections per shard */

typedef struct {
    const char *id;
    const char *host;
    int port;
} me_gw_shard;

typedef struct {
    const char *symbol;
    const char *shard;
} me_gw_route;

typedef struct {
    const char *host;
    int port;
    const me_gw_shard *shards;
    size_t nshards;
    /* Routes on top of the defaults (TEST-ASSET-A..D -> a, E..H -> b, I..L -> c; only those whose
     * shard exists); a route for a symbol replaces its default. */
    const me_gw_route *routes;
    size_t nroutes;
    int timeout_s; /* per upstream request; 0: 65 s */
} me_gw_cfg;

typedef struct me_gw me_gw;

/* Validates the routes, creates the gateway and starts listening; NULL with err on failure. */
me_gw *me_gw_new(struct event_base *base, const me_gw_cfg *cfg, char *err, size_t errlen);
void me_gw_free(me_gw *g);

#endif
