/* samples.c — per-thread rings of raw samples and the one consumer that drains them. */
#include "metrics/samples.h"
#include "base/clock.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_RINGS 4096 /* threads that record: workers, the control runtime, the main thread */

struct sample_ring {
    raw_sample *buf;
    size_t mask;
    _Atomic size_t head; /* next slot the producer writes */
    _Atomic size_t tail; /* next slot the consumer reads */
};

atomic_bool samples_on;
static size_t g_ring_size;
static double g_wall_offset;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static sample_ring *g_rings[MAX_RINGS];
static atomic_int g_nrings;
static atomic_uint_fast64_t g_lost;

void samples_enable(size_t per_thread) {
    size_t n = 1024;
    while (n < per_thread) n <<= 1;
    pthread_mutex_lock(&g_lock);
    if (!atomic_load(&samples_on)) {
        g_ring_size = n;
        g_wall_offset = lt_wall_now() - lt_now();
        atomic_store(&samples_on, true);
    }
    pthread_mutex_unlock(&g_lock);
}

/* A new ring, registered for the consumer; NULL when there is no memory or no room left (the
 * thread's samples are then counted as lost). */
static sample_ring *ring_new(void) {
    sample_ring *r = calloc(1, sizeof *r);
    if (r) r->buf = malloc(g_ring_size * sizeof *r->buf);
    if (!r || !r->buf) {
        if (r) free(r);
        return NULL;
    }
    r->mask = g_ring_size - 1;
    pthread_mutex_lock(&g_lock);
    int n = atomic_load(&g_nrings);
    if (n == MAX_RINGS) {
        pthread_mutex_unlock(&g_lock);
        free(r->buf);
        free(r);
        return NULL;
    }
    g_rings[n] = r;
    atomic_store_explicit(&g_nrings, n + 1, memory_order_release);
    pthread_mutex_unlock(&g_lock);
    return r;
}

void samples_record(sample_ring **slot, int metric, uint32_t tags, double value, double t) {
    sample_ring *r = *slot;
    if (!r && !(r = *slot = ring_new())) {
        atomic_fetch_add_explicit(&g_lost, 1, memory_order_relaxed);
        return;
    }
    size_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    if (h - atomic_load_explicit(&r->tail, memory_order_acquire) > r->mask) {
        atomic_fetch_add_explicit(&g_lost, 1, memory_order_relaxed);
        return;
    }
    r->buf[h & r->mask] = (raw_sample){.t = t, .value = value, .metric = metric, .tags = tags};
    atomic_store_explicit(&r->head, h + 1, memory_order_release);
}

size_t samples_drain(void (*fn)(const raw_sample *s, void *ctx), void *ctx) {
    size_t total = 0;
    int n = atomic_load_explicit(&g_nrings, memory_order_acquire);
    for (int i = 0; i < n; i++) {
        sample_ring *r = g_rings[i];
        size_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
        size_t h = atomic_load_explicit(&r->head, memory_order_acquire);
        for (; t != h; t++) fn(&r->buf[t & r->mask], ctx);
        total += h - atomic_load_explicit(&r->tail, memory_order_relaxed);
        atomic_store_explicit(&r->tail, h, memory_order_release);
    }
    return total;
}

uint64_t samples_lost(void) {
    return atomic_load(&g_lost);
}

double samples_wall_time(double mono) {
    return mono + g_wall_offset;
}
