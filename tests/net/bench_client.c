/* bench_client.c — throughput of lt's HTTP client alone, to compare with wrk:
 *   bench_client URL [CONNECTIONS=50] [SECONDS=5]
 * One thread, one event_base, CONNECTIONS pools each sending keep-alive GETs back to back.
 * Prints requests/s, errors and CPU seconds (getrusage), like `wrk -t1 -cN -dSs URL`.
 * Build: cc -O2 -Isrc tests/net/bench_client.c src/net/ *.c $(pkg-config --cflags --libs
 *        libevent openssl) -lhttp_parser -o /tmp/bench_client */
#include "net/http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
    http_pool *pool;
    http_request req;
} client;

static uint64_t completed, failed, bytes;
static bool stopping;

static void on_done(void *arg, const http_result *r) {
    client *c = arg;
    if (r->error == HTTP_OK && r->status == 200)
        completed++;
    else if (r->error != HTTP_ERR_CANCELLED)
        failed++;
    bytes += r->bytes_received;
    if (!stopping) http_send(c->pool, &c->req, on_done, c);
}

static double cpu_seconds(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec * 1e-6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec * 1e-6;
}

/* Resident memory now, from /proc: the peak (time -f %M) includes connection setup. */
static void print_rss(const char *what) {
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) printf("%s: %s", what, line + 6);
    if (f) fclose(f);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s URL [CONNECTIONS] [SECONDS]\n", argv[0]);
        return 2;
    }
    int n = argc > 2 ? atoi(argv[2]) : 50;
    double secs = argc > 3 ? atof(argv[3]) : 5;
    struct event_base *base = event_base_new();
    char err[256];
    http_tls_config tls = {.insecure_skip_verify = true};
    http_worker *w = http_worker_new(base, &tls, err, sizeof err);
    if (!w) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    client *clients = calloc((size_t)n, sizeof *clients);
    double cpu0 = cpu_seconds(), t0 = lt_now();
    for (int i = 0; i < n; i++) {
        clients[i].pool = http_pool_new(w);
        clients[i].req = (http_request){.method = "GET", .url = argv[1], .discard_body = true};
        http_send(clients[i].pool, &clients[i].req, on_done, &clients[i]);
    }
    struct timeval tv = {(time_t)secs, (suseconds_t)((secs - (time_t)secs) * 1e6)};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
    double elapsed = lt_now() - t0, cpu = cpu_seconds() - cpu0;
    stopping = true;
    print_rss("rss with all connections open");
    for (int i = 0; i < n; i++) http_pool_free(clients[i].pool);
    http_worker_stats st;
    http_worker_get_stats(w, &st);
    printf("%llu requests in %.2fs, %.0f req/s, %llu errors, %.1f MB read, cpu %.2fs "
           "(%.2f us/req), %llu connects\n",
           (unsigned long long)completed, elapsed, completed / elapsed, (unsigned long long)failed,
           bytes / 1e6, cpu, cpu / (double)completed * 1e6, (unsigned long long)st.connects);
    http_worker_free(w);
    free(clients);
    event_base_free(base);
    return 0;
}
