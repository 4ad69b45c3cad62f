/* dns.h — process-wide name resolution for lt's connections, never blocking an event loop.
 *
 * Promises:
 * - IP literals are converted directly (no lock, no cache, no thread).
 * - Other names are resolved with getaddrinfo (so /etc/hosts, nsswitch and resolv.conf apply as
 *   for any program) once per host:port for the life of the process, on resolver threads of
 *   their own; answers and failures are cached, so a bad name never costs more than one lookup
 *   and workers asking for the same name share it.
 * - lt_dns_lookup() never waits: it answers from the cache or starts the lookup and later wakes
 *   the caller's waiter (an eventfd an event loop watches). lt_dns_resolve() is the blocking form
 *   for code outside event loops.
 * - Addresses are ordered IPv4 first, since test targets are mostly IPv4-only listeners and
 *   "localhost" often resolves to ::1 first.
 */
#ifndef LT_NET_DNS_H
#define LT_NET_DNS_H
#include <stdint.h>
#include <sys/socket.h>

#define LT_DNS_MAX_ADDRS 4

typedef struct {
    int naddrs; /* 0 when the lookup failed */
    struct sockaddr_storage addrs[LT_DNS_MAX_ADDRS];
    socklen_t addrlens[LT_DNS_MAX_ADDRS];
    char error[128]; /* gai_strerror text when naddrs == 0 */
} lt_dns_entry;

/* One per event loop: its fd becomes readable when a lookup it waited for has finished. */
typedef struct lt_dns_waiter lt_dns_waiter;
lt_dns_waiter *lt_dns_waiter_new(void); /* NULL when no eventfd can be made */
int lt_dns_waiter_fd(const lt_dns_waiter *w);
void lt_dns_waiter_drain(lt_dns_waiter *w); /* reads the wake-ups so far */
/* Safe while lookups for it are still running: they will not touch the fd afterwards. */
void lt_dns_waiter_free(lt_dns_waiter *w);

/* 1: answered now, *out filled (out->naddrs == 0 and out->error on failure). 0: the lookup is
 * running and `w` is woken when it ends; ask again then. */
int lt_dns_lookup(const char *host, uint16_t port, lt_dns_entry *out, lt_dns_waiter *w);
/* Blocking: returns 0 and fills *out, or -1 with the reason in out->error. */
int lt_dns_resolve(const char *host, uint16_t port, lt_dns_entry *out);
/* Forgets every finished answer (lookups still running stay); call when no worker runs. */
void lt_dns_clear(void);
#endif
