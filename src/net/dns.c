/* dns.c — see dns.h. A mutex-protected linked list: lt talks to few hosts, and lookups only
 * happen when a connection is opened, never per request on a kept-alive connection. Misses go
 * to a queue that RESOLVER_THREADS threads serve; each node lists the waiters to wake. */
#include "net/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define RESOLVER_THREADS 2

struct lt_dns_waiter {
    int fd;
    int refs;  /* the owner's, plus one per lookup that will wake it */
    bool dead; /* freed by its owner: wake nothing */
};

typedef struct waiter_ref {
    struct waiter_ref *next;
    lt_dns_waiter *w;
} waiter_ref;

typedef struct dns_node {
    struct dns_node *next;  /* the cache */
    struct dns_node *queue; /* lookups not started yet */
    bool done;
    uint16_t port;
    lt_dns_entry entry;  /* valid once done */
    waiter_ref *waiters; /* to wake when done */
    char host[];         /* flexible: names are short */
} dns_node;

/* Everything below is guarded by dns_lock. */
static pthread_mutex_t dns_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t dns_queued = PTHREAD_COND_INITIALIZER;   /* for resolver threads */
static pthread_cond_t dns_finished = PTHREAD_COND_INITIALIZER; /* for lt_dns_resolve */
static dns_node *dns_cache;
static dns_node *queue_head, **queue_tail = &queue_head;
static int resolvers; /* threads started */

static void set_port(struct sockaddr_storage *ss, uint16_t port) {
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)ss)->sin_port = htons(port);
    else
        ((struct sockaddr_in6 *)ss)->sin6_port = htons(port);
}

/* IP literals need no lookup; returns 0 when host was one. */
static int resolve_literal(const char *host, uint16_t port, lt_dns_entry *out) {
    struct sockaddr_in *sin = (struct sockaddr_in *)&out->addrs[0];
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->addrs[0];
    memset(&out->addrs[0], 0, sizeof out->addrs[0]);
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        out->addrlens[0] = sizeof *sin;
    } else if (!strchr(host, '%') && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        out->addrlens[0] = sizeof *sin6;
    } else {
        return -1;
    }
    set_port(&out->addrs[0], port);
    out->naddrs = 1;
    out->error[0] = '\0';
    return 0;
}

static void append_family(lt_dns_entry *e, const struct addrinfo *ai, int family) {
    for (; ai && e->naddrs < LT_DNS_MAX_ADDRS; ai = ai->ai_next) {
        if (ai->ai_family != family || ai->ai_addrlen > sizeof e->addrs[0]) continue;
        memcpy(&e->addrs[e->naddrs], ai->ai_addr, ai->ai_addrlen);
        e->addrlens[e->naddrs++] = (socklen_t)ai->ai_addrlen;
    }
}

static void lookup(const char *host, uint16_t port, lt_dns_entry *e) {
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    memset(e, 0, sizeof *e);
    int rc = getaddrinfo(host, service, &hints, &res);
    if (rc != 0) {
        snprintf(e->error, sizeof e->error, "%s", gai_strerror(rc));
        return;
    }
    append_family(e, res, AF_INET);
    append_family(e, res, AF_INET6);
    freeaddrinfo(res);
    if (e->naddrs == 0) snprintf(e->error, sizeof e->error, "no IPv4 or IPv6 address");
}

static dns_node *find_locked(const char *host, uint16_t port) {
    for (dns_node *n = dns_cache; n; n = n->next)
        if (n->port == port && strcmp(n->host, host) == 0) return n;
    return NULL;
}

static void waiter_unref_locked(lt_dns_waiter *w) {
    if (--w->refs == 0) free(w);
}

static void finish_locked(dns_node *n) {
    n->done = true;
    for (waiter_ref *r = n->waiters, *next; r; r = next) {
        next = r->next;
        uint64_t one = 1;
        if (!r->w->dead && write(r->w->fd, &one, sizeof one) < 0 && errno != EAGAIN) {
            /* an eventfd only fails when its counter is full: the loop is awake anyway */
        }
        waiter_unref_locked(r->w);
        free(r);
    }
    n->waiters = NULL;
    pthread_cond_broadcast(&dns_finished);
}

static void *resolver_main(void *arg) {
    (void)arg;
    pthread_mutex_lock(&dns_lock);
    for (;;) {
        while (!queue_head) pthread_cond_wait(&dns_queued, &dns_lock);
        dns_node *n = queue_head;
        queue_head = n->queue;
        if (!queue_head) queue_tail = &queue_head;
        pthread_mutex_unlock(&dns_lock);
        lt_dns_entry e;
        lookup(n->host, n->port, &e); /* the slow part, unlocked */
        pthread_mutex_lock(&dns_lock);
        n->entry = e;
        finish_locked(n);
    }
    return NULL;
}

/* A node for host:port, queued for a resolver thread; NULL when out of memory or threads. */
static dns_node *start_locked(const char *host, uint16_t port) {
    size_t len = strlen(host);
    dns_node *n = calloc(1, sizeof *n + len + 1);
    if (!n) return NULL;
    memcpy(n->host, host, len + 1);
    n->port = port;
    if (resolvers == 0) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        /* detached: a lookup still running at exit must not hold the process */
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        for (int i = 0; i < RESOLVER_THREADS; i++) {
            pthread_t t;
            if (pthread_create(&t, &attr, resolver_main, NULL) == 0) resolvers++;
        }
        pthread_attr_destroy(&attr);
        if (resolvers == 0) {
            free(n);
            return NULL;
        }
    }
    n->next = dns_cache;
    dns_cache = n;
    *queue_tail = n;
    queue_tail = &n->queue;
    pthread_cond_signal(&dns_queued);
    return n;
}

static void fail_entry(lt_dns_entry *out, const char *why) {
    out->naddrs = 0;
    snprintf(out->error, sizeof out->error, "%s", why);
}

int lt_dns_lookup(const char *host, uint16_t port, lt_dns_entry *out, lt_dns_waiter *w) {
    if (resolve_literal(host, port, out) == 0) return 1;
    pthread_mutex_lock(&dns_lock);
    dns_node *n = find_locked(host, port);
    if (!n && !(n = start_locked(host, port))) {
        pthread_mutex_unlock(&dns_lock);
        fail_entry(out, "out of memory or threads");
        return 1;
    }
    if (n->done) {
        *out = n->entry;
        pthread_mutex_unlock(&dns_lock);
        return 1;
    }
    if (w) {
        bool listed = false;
        for (waiter_ref *r = n->waiters; r && !listed; r = r->next) listed = r->w == w;
        waiter_ref *r = listed ? NULL : malloc(sizeof *r);
        if (r) {
            *r = (waiter_ref){n->waiters, w};
            n->waiters = r;
            w->refs++;
        } else if (!listed) { /* cannot be woken: wait here rather than never */
            while (!n->done) pthread_cond_wait(&dns_finished, &dns_lock);
            *out = n->entry;
            pthread_mutex_unlock(&dns_lock);
            return 1;
        }
    }
    pthread_mutex_unlock(&dns_lock);
    return 0;
}

int lt_dns_resolve(const char *host, uint16_t port, lt_dns_entry *out) {
    if (lt_dns_lookup(host, port, out, NULL) == 0) {
        pthread_mutex_lock(&dns_lock);
        dns_node *n = find_locked(host, port);
        while (n && !n->done) pthread_cond_wait(&dns_finished, &dns_lock);
        if (n)
            *out = n->entry;
        else
            fail_entry(out, "lookup forgotten");
        pthread_mutex_unlock(&dns_lock);
    }
    return out->naddrs > 0 ? 0 : -1;
}

lt_dns_waiter *lt_dns_waiter_new(void) {
    lt_dns_waiter *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (w->fd < 0) {
        free(w);
        return NULL;
    }
    w->refs = 1;
    return w;
}

int lt_dns_waiter_fd(const lt_dns_waiter *w) {
    return w->fd;
}

void lt_dns_waiter_drain(lt_dns_waiter *w) {
    uint64_t n;
    while (read(w->fd, &n, sizeof n) == (ssize_t)sizeof n) {
    }
}

void lt_dns_waiter_free(lt_dns_waiter *w) {
    if (!w) return;
    pthread_mutex_lock(&dns_lock);
    w->dead = true; /* resolvers check this under the lock before writing to fd */
    close(w->fd);
    w->fd = -1;
    waiter_unref_locked(w);
    pthread_mutex_unlock(&dns_lock);
}

void lt_dns_clear(void) {
    pthread_mutex_lock(&dns_lock);
    for (dns_node **pp = &dns_cache; *pp;) {
        dns_node *n = *pp;
        if (!n->done) { /* a resolver thread still owns it */
            pp = &n->next;
            continue;
        }
        *pp = n->next;
        free(n);
    }
    pthread_mutex_unlock(&dns_lock);
}
