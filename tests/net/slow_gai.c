/* slow_gai.c — an LD_PRELOAD shim for tests/net/dns_test.sh: makes getaddrinfo slow for chosen
 * names, as a slow or unreachable DNS server would, without touching the machine's resolver.
 *
 *   SLOW_GAI_MS         how long a slow lookup takes (default 2000)
 *   SLOW_GAI_OK         comma-separated names that resolve to 127.0.0.1 after the delay
 *   SLOW_GAI_FAIL       comma-separated names that fail (EAI_NONAME) after the delay
 *   SLOW_GAI_MARK       a file created when a slow lookup starts (for tests to wait on)
 * Every other name goes straight to the real getaddrinfo.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef int (*gai_fn)(const char *, const char *, const struct addrinfo *, struct addrinfo **);

static int listed(const char *list, const char *name) {
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len == n && strncmp(p, name, n) == 0) return 1;
        p = end ? end + 1 : NULL;
    }
    return 0;
}

static void pause_ms(void) {
    const char *mark = getenv("SLOW_GAI_MARK");
    if (mark) {
        FILE *f = fopen(mark, "a");
        if (f) fclose(f);
    }
    const char *ms = getenv("SLOW_GAI_MS");
    long v = ms ? atol(ms) : 2000;
    struct timespec ts = {v / 1000, (v % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

int getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
                struct addrinfo **res) {
    gai_fn real = (gai_fn)dlsym(RTLD_NEXT, "getaddrinfo");
    if (node && listed(getenv("SLOW_GAI_FAIL"), node)) {
        pause_ms();
        return EAI_NONAME;
    }
    if (node && listed(getenv("SLOW_GAI_OK"), node)) {
        pause_ms();
        node = "127.0.0.1";
    }
    return real(node, service, hints, res);
}
