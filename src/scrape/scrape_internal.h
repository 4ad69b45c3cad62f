/* scrape_internal.h — the scraper's state, shared by its thread's half (scrape.c: polling and
 * snapshots) and its main thread's half (scrape_collect.c: snapshots into the registry). Fields
 * are marked with the thread that owns them; `mu` guards the published snapshots. */
#ifndef LT_SCRAPE_INTERNAL_H
#define LT_SCRAPE_INTERNAL_H
#include "base/name_map.h"
#include "net/url.h"
#include "scrape/scrape.h"
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WARN "lt: scrape "

/* One scrape of one target: records "name\0k1\0v1\0...\0" in an arena. */
typedef struct {
    size_t off;
    int nlabels;
    double value;
    bool counter;
} snap_entry;

typedef struct {
    char *arena;
    size_t alen, acap;
    snap_entry *e;
    size_t n, cap;
    double t; /* monotonic, when the answer arrived */
    bool truncated;
} snapshot;

void scrape_snapshot_free(snapshot *s);

/* ======================= main-thread state ======================= */

/* name -> metric id (gauge and its _per_s); -1 when it could not be registered. */
typedef struct {
    const char *name; /* the key in scraper.name_index */
    int id, per_s;
} name_slot;

/* (metric id, tag set id) -> the previous value of a counter, for its rate. */
typedef struct {
    uint64_t key; /* 0 = empty */
    double prev, t;
    bool have;
} series_slot;

typedef struct {
    char *url;
    char hostport[LT_URL_HOST_MAX + 16];
    char hosthdr[LT_URL_HOST_MAX + 16];
    char host[LT_URL_HOST_MAX];
    uint16_t port;
    char *path;
    /* scraper thread */
    struct scraper *s;
    struct evhttp_connection *conn;
    struct evhttp_request *req;
    struct event *deadline;
    int errkind;
    bool cancelling, final_pending;
    /* under s->mu */
    snapshot *latest, *baseline;   /* baseline: the first scrape, kept until collected */
    bool published_once_collected; /* the main thread took a snapshot of it */
    uint64_t attempts, failures, truncated;
    bool warned, warned_trunc;
    char last_error[200];
} target;

struct scraper {
    target *t;
    int nt;
    char **patterns;
    int npatterns;
    /* thread */
    pthread_t thread;
    bool started, joined, leaked;
    int wake_fd;
    struct event_base *base;
    struct evdns_base *dns;
    struct event *tick, *wake, *first, *baseline_ev;
    bool final_started;
    pthread_mutex_t mu;
    bool stop_req, abort_req;
    /* main thread */
    tag_cache *tags;
    name_map name_index; /* name -> index in names */
    name_slot *names;
    size_t names_cap, names_used;
    series_slot *series;
    size_t series_cap, series_used;
    bool warned_names, warned_series;
};

#endif
