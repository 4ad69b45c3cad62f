/* publisher.c — see publisher.h. A mutex-protected ring; the drain thread copies a batch out
 * under the lock and writes it without holding it. */
#include "mesim/publisher.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH     256
#define LINGER_MS 2 /* the drainer wakes at least this often; a push wakes it only at BATCH */

struct me_pub {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t thread;
    me_event *ring;
    size_t cap, head, count; /* head: oldest */
    size_t inflight;         /* taken by the drainer, not yet written */
    uint64_t seq, published, dropped;
    int paused, stop;
    FILE *sink;
    char shard[16];
    me_event batch[BATCH];
};

static void write_event(FILE *f, const char *shard, const me_event *e) {
    char taker[ME_ID_MAX * 6 + 3], maker[ME_ID_MAX * 6 + 3];
    me_json_quote(taker, sizeof taker, e->taker);
    me_json_quote(maker, sizeof maker, e->maker);
    fprintf(f,
            "{\"seq\":%llu,\"ts\":%lld,\"shard\":\"%s\",\"symbol\":\"%s\",\"price\":%lld,"
            "\"quantity\":%lld,\"takerSide\":\"%s\",\"takerOrderId\":%s,\"restingOrderId\":%s}\n",
            (unsigned long long)e->seq, (long long)e->ts_ns, shard, e->symbol, (long long)e->price,
            (long long)e->qty, e->taker_side == ME_BUY ? "BUY" : "SELL", taker, maker);
}

/* Waits on the condition variable for at most LINGER_MS. */
static void linger(me_pub *p) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += LINGER_MS * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&p->cv, &p->mu, &ts);
}

static void *drain(void *arg) {
    me_pub *p = arg;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        /* Batching: pushes do not wake us one by one (a wake-up per order costs more than the
         * matching); we drain when BATCH events wait, or every LINGER_MS. */
        while (!p->stop && (p->paused || !p->count)) linger(p);
        if (!p->stop && p->count < BATCH) linger(p);
        if (p->paused || !p->count) {
            /* Paused during the linger (or nothing left): wait again; end only when stopping.
             * Breaking here unconditionally ended the thread when a pause raced the linger,
             * and nothing was ever published again. */
            if (p->stop) break;
            continue;
        }
        size_t n = 0;
        while (n < BATCH && p->count) {
            p->batch[n++] = p->ring[p->head];
            p->head = (p->head + 1) % p->cap;
            p->count--;
        }
        p->inflight = n;
        pthread_mutex_unlock(&p->mu);
        if (p->sink) {
            for (size_t i = 0; i < n; i++) write_event(p->sink, p->shard, &p->batch[i]);
            fflush(p->sink);
        }
        pthread_mutex_lock(&p->mu);
        p->inflight = 0;
        p->published += n;
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

me_pub *me_pub_new(const char *shard, size_t capacity, const char *path, char *err, size_t errlen) {
    me_pub *p = calloc(1, sizeof *p);
    if (!p || !capacity || !(p->ring = calloc(capacity, sizeof *p->ring))) {
        snprintf(err, errlen, "publisher: out of memory");
        if (p) free(p);
        return NULL;
    }
    p->cap = capacity;
    snprintf(p->shard, sizeof p->shard, "%s", shard);
    if (path && !(p->sink = fopen(path, "a"))) {
        snprintf(err, errlen, "cannot open events file %s: %s", path, strerror(errno));
        free(p->ring);
        free(p);
        return NULL;
    }
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&p->thread, NULL, drain, p) != 0) {
        snprintf(err, errlen, "publisher: cannot start thread");
        if (p->sink) fclose(p->sink);
        free(p->ring);
        free(p);
        return NULL;
    }
    return p;
}

void me_pub_free(me_pub *p) {
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stop = 1;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    if (p->sink) fclose(p->sink);
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->ring);
    free(p);
}

size_t me_pub_push(me_pub *p, me_event *ev, size_t n) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    size_t dropped = 0;
    pthread_mutex_lock(&p->mu);
    size_t before = p->count;
    for (size_t i = 0; i < n; i++) {
        ev[i].seq = ++p->seq;
        ev[i].ts_ns = now;
        if (p->count == p->cap) {
            dropped++;
            continue;
        }
        p->ring[(p->head + p->count) % p->cap] = ev[i];
        p->count++;
    }
    p->dropped += dropped;
    if (before < BATCH && p->count >= BATCH && !p->paused) pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return dropped;
}

void me_pub_set_paused(me_pub *p, int paused) {
    pthread_mutex_lock(&p->mu);
    p->paused = paused;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

void me_pub_get_stats(me_pub *p, me_pub_stats *st) {
    pthread_mutex_lock(&p->mu);
    st->published = p->published;
    st->dropped = p->dropped;
    st->pending = p->count + p->inflight;
    st->capacity = p->cap;
    st->paused = p->paused;
    pthread_mutex_unlock(&p->mu);
}
