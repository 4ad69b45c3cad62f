/* shard.h — one matching-engine shard: an HTTP server on its own event_base that owns a set of
 * symbols (each an order book), counts what it does, and publishes every fill.
 *
 * Endpoints: POST /orders, POST /seed, POST /admin/reset, POST /admin/delay {"ms":N},
 * POST /admin/broker/pause, POST /admin/broker/resume, GET /metrics, GET /health.
 * Promises: all book access happens on the event_base's thread, so matching takes no lock (the
 * publisher's queue is the only shared state). Bad input is answered 400 naming the field and
 * never changes a book (the text is checked too: invalid UTF-8, \u0000 in strings, integers
 * beyond 2^53, trailing characters); a /seed is validated whole before any of it is applied.
 * Order ids are unique among the shard's resting orders: /orders answers 409 for an id still
 * resting, /seed skips such orders and says how many ({"seeded":N,"duplicates":K}). The service
 * delay postpones /orders replies with a timer, never blocking other requests.
 */
#ifndef MESIM_SHARD_H
#define MESIM_SHARD_H
#include <event2/event.h>
#include <stddef.h>

#define ME_MAX_SYMBOLS 1024 /* books a shard that owns "any symbol" will create */

typedef struct {
    const char *id;   /* short name used in metrics and events, e.g. "a" */
    const char *host; /* listen address */
    int port;
    const char *const *symbols; /* owned symbols; NULL/0: any valid symbol */
    size_t nsymbols;
    int delay_ms;
    const char *events_file; /* NULL: events are drained to nowhere */
    size_t events_capacity;
} me_shard_cfg;

typedef struct me_shard me_shard;

/* Creates the shard and starts listening; NULL with err set on failure. */
me_shard *me_shard_new(struct event_base *base, const me_shard_cfg *cfg, char *err, size_t errlen);
void me_shard_free(me_shard *s);

#endif
