// fuzz-sources: src/net/*.c
// fuzz-libs: libevent openssl
// fuzz-ldflags: -lhttp_parser
/* fuzz_http_response.c — the HTTP client's response path, end to end: each input is what a server
 * on 127.0.0.1 answers to one GET (sent in two writes split at a point the input's first byte
 * chooses, then the connection closes). The client must complete the request exactly once, with
 * either a result or a classified error, and never crash, hang or leak. */
#include "net/http_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct event_base *base;
static http_worker *worker;
static int listen_fd = -1;
static char url[64];
static const uint8_t *answer;
static size_t answer_len;
static int completions;

static void write_all(int fd, const uint8_t *p, size_t n) {
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0) return;
        p += w;
        n -= (size_t)w;
    }
}

static void on_accept(evutil_socket_t fd, short what, void *arg) {
    int c = accept(fd, NULL, NULL);
    if (c < 0) return;
    size_t split = answer_len ? (size_t)answer[0] % (answer_len + 1) : 0;
    write_all(c, answer, split);
    write_all(c, answer + split, answer_len - split);
    shutdown(c, SHUT_WR);
    close(c);
}

static void on_done(void *arg, const http_result *res) {
    completions++;
    /* touch what a script would read */
    volatile size_t sink = res->body_len + res->header_len + (size_t)res->status;
    (void)sink;
    if (res->body && res->body_len) sink = (size_t)res->body[res->body_len - 1];
    event_base_loopbreak(base);
}

static void setup(void) {
    base = event_base_new();
    worker = http_worker_new(base, NULL, NULL, 0);
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(listen_fd, 16) != 0 ||
        getsockname(listen_fd, (struct sockaddr *)&a, &len) != 0)
        abort();
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ntohs(a.sin_port));
    struct event *ev = event_new(base, listen_fd, EV_READ | EV_PERSIST, on_accept, NULL);
    event_add(ev, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 256 * 1024)
        return 0; /* the server writes without waiting: stay within socket buffers */
    if (!base) setup();
    answer = data;
    answer_len = size;
    completions = 0;
    http_pool *pool = http_pool_new(worker);
    http_request req = {.method = "GET", .url = url, .timeout_s = 5};
    if (http_send(pool, &req, on_done, NULL) != 0) abort();
    event_base_dispatch(base);
    http_pool_free(pool);
    if (completions != 1) {
        fprintf(stderr, "request completed %d times\n", completions);
        abort();
    }
    return 0;
}
