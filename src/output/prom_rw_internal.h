/* prom_rw_internal.h — what the files of the prometheus-rw output share; not part of its
 * interface (that is output/prom_rw.h; only src/output/prom_rw*.c include this header).
 *
 *   prom_rw.c         the output interface (start, interval, stop, destroy), configuration
 *   prom_rw_encode.c  series names, labels, trend stats; WriteRequest, protobuf, snappy
 *   prom_rw_native.c  trends as native histograms (lt's buckets -> an exponential schema)
 *   prom_rw_sigv4.c   AWS SigV4 signing (K6_PROMETHEUS_RW_SIGV4_*)
 *   prom_rw_send.c    the queue of batches; the sender thread (evhttp POSTs on one kept-alive
 *                     connection, reconnects with TLS resumption, retries, backoff)
 *
 * The main thread and the sender share a prw: the fields under "shared with the sender" are
 * guarded by mu.
 */
#ifndef LT_OUTPUT_PROM_RW_INTERNAL_H
#define LT_OUTPUT_PROM_RW_INTERNAL_H
#include "base/clock.h"
#include "output/prom_rw.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define QCAP      64
#define MAX_STATS 32
#define WARN      "lt: prometheus-rw: "

typedef enum { ST_AVG, ST_MIN, ST_MAX, ST_MED, ST_COUNT, ST_SUM, ST_PCT } stat_kind;
typedef struct {
    stat_kind kind;
    double p;
    char suffix[24];
} trend_stat;

typedef struct {
    uint8_t *data; /* snappy-compressed WriteRequest */
    size_t len, raw_len, nsamples;
} batch;

typedef struct {
    /* configuration */
    char *url, *host, *path, *hosthdr;
    int port;
    double push_interval, stop_timeout;
    trend_stat stats[MAX_STATS];
    int nstats;
    int nheaders;
    char **hkeys, **hvals;
    int nstatic;
    char **skeys, **svals; /* sanitised label names */
    bool native;           /* K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM */
    int schema;            /* of the native histograms */
    bool stale_markers;    /* K6_PROMETHEUS_RW_STALE_MARKERS */
    /* K6_PROMETHEUS_RW_SIGV4_*: every push signed for service "aps" */
    bool sigv4;
    char *sigv4_region, *sigv4_access, *sigv4_secret;
    char *sigv4_path, *sigv4_query; /* what is signed; path (sent) = sigv4_path?sigv4_query */
    /* https:// */
    bool tls, insecure;
    bool tls_min12;         /* K6_PROMETHEUS_RW_TLS_MINIMUM_VERSION=1.2; else TLS 1.3 at least */
    char *cert, *key;       /* client certificate and key files, PEM */
    struct ssl_ctx_st *ssl; /* SSL_CTX, made by prom_rw_create */
    /* main thread */
    store *window;
    double last_push;
    int64_t last_ts;
    bool running;
    /* shared with the sender, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;   /* to the sender: a batch, stopping or abort */
    pthread_cond_t idle; /* to stop(): queue drained */
    batch *q[QCAP];
    int qhead, qlen;
    bool busy; /* the sender holds a batch */
    bool stopping;
    atomic_bool abort;
    uint64_t sent_batches, sent_samples, sent_bytes, sent_raw_bytes;
    uint64_t dropped_batches, dropped_samples;   /* queue full */
    uint64_t rejected_batches, rejected_samples; /* 4xx */
    uint64_t lost_batches, lost_samples;         /* still pending when stop() gave up */
    uint64_t total_batches, total_samples;
    double latency_sum, latency_max;
    unsigned connections, resumed; /* opened; of them, TLS connections resuming a session */
    uint64_t stale_resends;        /* pushes resent at once after a reused connection closed */
    bool warned_drop, warned_net, warned_reject;
    char last_error[256];
    pthread_t thread;
} prw;

/* ---- prom_rw_encode.c ---- */

/* Memory for one WriteRequest under construction, freed at once after packing. */
typedef struct prw_chunk prw_chunk;
typedef struct {
    prw_chunk *head;
} prw_arena;
void *prw_arena_alloc(prw_arena *a, size_t n); /* 16-byte aligned; aborts when out of memory */

/* Fills p->stats from K6_PROMETHEUS_RW_TREND_STATS's comma-separated list; -1 with a message. */
int prw_parse_stats(prw *p, const char *list, char *err, size_t errlen);
/* One WriteRequest: cumulative values from `total`, windowed ones from `window`. With `stale`,
 * every series that the same call without it would send carries instead one stale marker
 * (Prometheus' StaleNaN), so dashboards end the lines at once rather than after 5 minutes. */
batch *prw_build_batch(const prw *p, const store *total, const store *window, int64_t ts_ms,
                       bool stale);
void prw_batch_free(batch *b);

/* ---- prom_rw_native.c ---- */

/* The native histogram of h's samples times `scale`, in exponential schema `schema` (-4..8),
 * its cumulative counts (as Prometheus expects for a histogram that only grows). */
struct Prometheus__Histogram *prw_native_histogram(prw_arena *a, const lt_hist *h, double scale,
                                                   int schema, int64_t ts_ms);

/* ---- prom_rw_sigv4.c ---- */

#define PRW_SIGV4_MAX_HEADERS 64
typedef struct {
    const char *name, *value;
} prw_header;
/* What SigV4 signs of one request. */
typedef struct {
    const char *method, *path, *query; /* path as sent (already %-escaped), query without '?' */
    const prw_header *headers;         /* every signed header, Host included; a name given twice
                                        * is signed once with its values comma-joined */
    int nheaders;
    const char *payload_sha256; /* hex */
    const char *amz_date;       /* X-Amz-Date, e.g. 20150830T123600Z */
    const char *region, *service, *access_key, *secret_key;
} prw_sigv4_request;
/* The Authorization header's value for r; -1 when something does not fit. */
int prw_sigv4_authorization(const prw_sigv4_request *r, char *out, size_t outlen);
/* The query as SigV4 signs it (and as it is then sent): pairs sorted, AWS-escaped. */
int prw_sigv4_canonical_query(const char *query, char *out, size_t outlen);
void prw_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- prom_rw_send.c ---- */

/* For an https:// URL: p->ssl from the TLS settings (client certificate loaded here, so a bad
 * file is an error before the run); -1 with a message. */
int prw_tls_setup(prw *p, char *err, size_t errlen);
void prw_tls_free(prw *p);
/* Queues b for the sender (taking it); when the queue is full the oldest batch is dropped. */
void prw_enqueue(prw *p, batch *b);
/* The sender thread's body: arg is the prw. */
void *prw_sender_main(void *arg);
#endif
