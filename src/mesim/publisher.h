/* publisher.h — the event publisher that stands in for Kafka/Redpanda: fills go onto a bounded
 * queue that a separate thread drains to a sink (a JSON-lines file, or nowhere).
 *
 * Promises: me_pub_push never waits on the sink or the drain thread (it takes one short mutex
 * hold to copy events in); when the queue is full the event is dropped and counted. While paused
 * (the broker is "away") nothing is drained, so pending grows to the bound and then drops are
 * counted; resuming drains the backlog. published + pending + dropped = pushed, always.
 * me_pub_free stops the thread; unless paused it first drains what is pending.
 */
#ifndef MESIM_PUBLISHER_H
#define MESIM_PUBLISHER_H
#include "mesim/book.h"
#include "mesim/order.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint64_t seq;  /* per shard, set by the publisher */
    int64_t ts_ns; /* wall clock, set by the publisher */
    int64_t price, qty;
    me_side taker_side;
    char symbol[ME_SYMBOL_MAX + 1];
    char taker[ME_ID_MAX + 1];
    char maker[ME_ID_MAX + 1];
} me_event;

typedef struct {
    uint64_t published, dropped, pending, capacity;
    int paused;
} me_pub_stats;

typedef struct me_pub me_pub;

/* path NULL: events are drained and discarded. Returns NULL with err set on failure. */
me_pub *me_pub_new(const char *shard, size_t capacity, const char *path, char *err, size_t errlen);
void me_pub_free(me_pub *p);
/* Queues n events; returns how many were dropped for lack of room. */
size_t me_pub_push(me_pub *p, me_event *ev, size_t n);
void me_pub_set_paused(me_pub *p, int paused);
void me_pub_get_stats(me_pub *p, me_pub_stats *st);

#endif
