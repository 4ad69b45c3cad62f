/* dns.c — see dns.h. A mutex-protected linked list: lt talks to few hosts, and lookups only
 * happen when a connection is opened, never per request on a kept-alive connection. */
#include "net/dns.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct dns_node {
    struct dns_node *next;
    uint16_t port;
    lt_dns_entry entry;
    char host[]; /* flexible: names are short */
} dns_node;

static pthread_mutex_t dns_lock = PTHREAD_MUTEX_INITIALIZER;
static dns_node *dns_cache;

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

int lt_dns_resolve(const char *host, uint16_t port, lt_dns_entry *out) {
    if (resolve_literal(host, port, out) == 0) return 0;
    pthread_mutex_lock(&dns_lock);
    dns_node *n = find_locked(host, port);
    if (!n) {
        /* Resolved under the lock on purpose: the first miss is the only lookup for this name,
         * and other workers wanting it wait for the answer instead of repeating it. */
        size_t len = strlen(host);
        n = malloc(sizeof *n + len + 1);
        if (!n) {
            pthread_mutex_unlock(&dns_lock);
            out->naddrs = 0;
            snprintf(out->error, sizeof out->error, "out of memory");
            return -1;
        }
        memcpy(n->host, host, len + 1);
        n->port = port;
        lookup(host, port, &n->entry);
        n->next = dns_cache;
        dns_cache = n;
    }
    *out = n->entry;
    pthread_mutex_unlock(&dns_lock);
    return out->naddrs > 0 ? 0 : -1;
}

void lt_dns_clear(void) {
    pthread_mutex_lock(&dns_lock);
    while (dns_cache) {
        dns_node *n = dns_cache;
        dns_cache = n->next;
        free(n);
    }
    pthread_mutex_unlock(&dns_lock);
}
