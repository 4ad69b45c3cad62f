/* samples.h — every metric sample, one by one, for outputs that want them raw (k6's `--out json`
 * and `--out csv` formats), off the load path.
 *
 * Promises:
 * - Off unless an output asks for samples (samples_enable, before any runtime records one): then
 *   recording costs a branch and nothing else.
 * - When on, each recording thread appends to its own bounded single-producer ring with no lock
 *   and no allocation (the ring is made on the thread's first sample); one consumer drains every
 *   ring. A full ring never blocks or slows the load: the sample is counted as lost instead
 *   (samples_lost), so a writer that cannot keep up shows as a number, never as a slower test.
 * - Times are recorded on lt's monotonic clock and converted to wall-clock time once, by the
 *   consumer (samples_wall_time), so every sample of a run is on one time base.
 */
#ifndef LT_METRICS_SAMPLES_H
#define LT_METRICS_SAMPLES_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    double t; /* lt_now() when recorded */
    double value;
    int32_t metric;
    uint32_t tags; /* tag set id */
} raw_sample;

typedef struct sample_ring sample_ring;

extern atomic_bool samples_on;

/* Turns recording on for the rest of the process, with rings of `per_thread` samples (rounded up
 * to a power of two). Called by outputs at start, before setup() runs. */
void samples_enable(size_t per_thread);
static inline bool samples_enabled(void) {
    return atomic_load_explicit(&samples_on, memory_order_relaxed);
}

/* Appends one sample to the calling thread's ring (made on first use). The thread's ring pointer
 * lives in *slot, which the caller keeps per thread (NULL at first). */
void samples_record(sample_ring **slot, int metric, uint32_t tags, double value, double t);

/* Consumer: calls fn for every sample recorded since the last drain, ring by ring, oldest first
 * within a ring; returns how many there were. One consumer thread at a time. */
size_t samples_drain(void (*fn)(const raw_sample *s, void *ctx), void *ctx);

uint64_t samples_lost(void);           /* samples dropped because a ring was full */
double samples_wall_time(double mono); /* a recorded time on the wall clock (Unix seconds) */
#endif
