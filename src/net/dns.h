/* dns.h — process-wide, thread-safe name resolution cache for lt's connections.
 *
 * Promises: lt_dns_resolve() turns host:port into socket addresses. IP literals are converted
 * directly (no lock, no cache). Other names are resolved with getaddrinfo once per host:port
 * for the life of the process, under a mutex (so concurrent workers asking for the same name
 * resolve it once); failures are cached too, so a bad name never costs more than one lookup.
 * Addresses are ordered IPv4 first, since test targets are mostly IPv4-only listeners and
 * "localhost" often resolves to ::1 first. The returned entry is immutable and lives until
 * lt_dns_clear() — call that only when no worker runs.
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

/* Returns 0 and fills *out, or -1 with the reason in out->error. */
int lt_dns_resolve(const char *host, uint16_t port, lt_dns_entry *out);
/* Forgets every cached answer. */
void lt_dns_clear(void);
#endif
