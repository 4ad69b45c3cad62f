/* test_http.c — the HTTP client (src/net) against real loopback servers run inside this process
 * on the same event_base: canned responses per path, accept counting, slow and closing peers.
 * With LT_TEST_NGINX_PORT, LT_TEST_NGINX_TLS_PORT and LT_TEST_CA set (tests/net/tls_test.sh),
 * it also talks to nginx over HTTP and HTTPS. */
#include "net/dns.h"
#include "net/http_client.h"
#include "net/url.h"
#include "t.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct event_base *base;
static bool in_send; /* set around http_send: `done` must never see it */

/* ---- the loopback server ---- */

typedef struct {
    struct evconnlistener *listener;
    int port;
    int accepts;
    int requests;
    char method[16];
    char path[256];
    long content_length; /* -1 when the request had none */
    char *body;
    size_t body_len;
    char headers[8192];
} server;

typedef struct {
    server *srv;
    struct bufferevent *bev;
} server_conn;

#define BIG_SIZE (1024 * 1024)
static char *big_body;

static void close_when_flushed(struct bufferevent *bev, void *arg) {
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
        bufferevent_free(bev);
        free(arg);
    }
}

static void server_event(struct bufferevent *bev, short what, void *arg) {
    if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
        bufferevent_free(bev);
        free(arg);
    }
}

static void reply(server_conn *sc, const char *s) {
    bufferevent_write(sc->bev, s, strlen(s));
}

static void reply_then_close(server_conn *sc, const char *s) {
    reply(sc, s);
    bufferevent_setcb(sc->bev, NULL, close_when_flushed, server_event, sc);
}

static void reset_when_flushed(struct bufferevent *bev, void *arg) {
    if (evbuffer_get_length(bufferevent_get_output(bev)) != 0) return;
    struct linger lg = {1, 0}; /* close() sends a reset */
    setsockopt(bufferevent_getfd(bev), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    bufferevent_free(bev);
    free(arg);
}

/* Answers one parsed request; returns false when the connection was handed over or closed. */
static bool respond(server_conn *sc) {
    server *s = sc->srv;
    const char *p = s->path;
    if (strcmp(s->method, "HEAD") == 0) {
        reply(sc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    } else if (strcmp(p, "/hello") == 0) {
        reply(sc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: yes\r\n\r\nhello");
    } else if (strcmp(p, "/echo") == 0) {
        evbuffer_add_printf(bufferevent_get_output(sc->bev),
                            "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", s->body_len);
        bufferevent_write(sc->bev, s->body, s->body_len);
    } else if (strcmp(p, "/chunked") == 0) {
        reply(sc, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
    } else if (strcmp(p, "/until-close") == 0) {
        reply_then_close(sc, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close body");
        return false;
    } else if (strcmp(p, "/1xx") == 0) {
        reply(sc, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                  "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    } else if (strcmp(p, "/204") == 0) {
        reply(sc, "HTTP/1.1 204 No Content\r\n\r\n");
    } else if (strcmp(p, "/conn-close") == 0) {
        /* The server keeps its end open: the client must close on its own. */
        reply(sc, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
    } else if (strcmp(p, "/http10") == 0) {
        reply(sc, "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok");
    } else if (strcmp(p, "/close-after") == 0) {
        /* Keep-alive response, then the server drops the connection (an idle timeout). */
        reply_then_close(sc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        return false;
    } else if (strcmp(p, "/reset-after") == 0) {
        /* Keep-alive response, then the server resets the connection. */
        reply(sc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        bufferevent_setcb(sc->bev, NULL, reset_when_flushed, server_event, sc);
        return false;
    } else if (strcmp(p, "/bad-status") == 0) {
        reply(sc, "HTTX/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    } else if (strcmp(p, "/bad-header") == 0) {
        reply(sc, "HTTP/1.1 200 OK\r\nBad Header Line\r\nContent-Length: 2\r\n\r\nok");
    } else if (strcmp(p, "/bad-chunk") == 0) {
        reply(sc, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n");
    } else if (strcmp(p, "/dup-length") == 0) {
        reply(sc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!");
    } else if (strcmp(p, "/bad-length") == 0) {
        reply(sc, "HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\nhello");
    } else if (strcmp(p, "/big-header") == 0) {
        struct evbuffer *out = bufferevent_get_output(sc->bev);
        evbuffer_add_printf(out, "HTTP/1.1 200 OK\r\nX-Big: ");
        for (int i = 0; i < 70 * 1024; i++) evbuffer_add(out, "a", 1);
        evbuffer_add_printf(out, "\r\nContent-Length: 2\r\n\r\nok");
    } else if (strcmp(p, "/big") == 0) {
        evbuffer_add_printf(bufferevent_get_output(sc->bev),
                            "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", BIG_SIZE);
        bufferevent_write(sc->bev, big_body, BIG_SIZE);
    } else if (strcmp(p, "/garbage-after") == 0) {
        reply(sc, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokGARBAGE");
    } else if (strcmp(p, "/truncated") == 0) {
        reply_then_close(sc, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
        return false;
    } else if (strcmp(p, "/slow") == 0) {
        /* never answers */
    } else {
        reply(sc, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    }
    return true;
}

static long header_content_length(const char *hdrs) {
    const char *h = strcasestr(hdrs, "\r\nContent-Length:");
    return h ? strtol(h + 17, NULL, 10) : -1;
}

static void server_read(struct bufferevent *bev, void *arg) {
    server_conn *sc = arg;
    server *s = sc->srv;
    struct evbuffer *in = bufferevent_get_input(bev);
    for (;;) {
        struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
        if (end.pos < 0) return;
        size_t head_len = (size_t)end.pos + 4;
        char *head = malloc(head_len + 1);
        evbuffer_copyout(in, head, head_len);
        head[head_len] = '\0';
        long cl = header_content_length(head);
        size_t need = head_len + (size_t)(cl > 0 ? cl : 0);
        if (evbuffer_get_length(in) < need) {
            free(head);
            return;
        }
        sscanf(head, "%15s %255s", s->method, s->path);
        snprintf(s->headers, sizeof s->headers, "%s", head);
        free(head);
        s->content_length = cl;
        evbuffer_drain(in, head_len);
        free(s->body);
        s->body_len = need - head_len;
        s->body = malloc(s->body_len + 1);
        evbuffer_remove(in, s->body, s->body_len);
        s->requests++;
        if (!respond(sc)) return;
    }
}

static void server_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                          int len, void *arg) {
    server *s = arg;
    s->accepts++;
    server_conn *sc = calloc(1, sizeof *sc);
    sc->srv = s;
    sc->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(sc->bev, server_read, NULL, server_event, sc);
    bufferevent_enable(sc->bev, EV_READ | EV_WRITE);
}

static void server_start(server *s) {
    memset(s, 0, sizeof *s);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    s->listener =
        evconnlistener_new_bind(base, server_accept, s, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE,
                                128, (struct sockaddr *)&sin, sizeof sin);
    /* A fixed receive buffer (inherited by accepted sockets): with the kernel's autotuning
     * (tcp_rmem up to 32 MB here) a 4 MB body could land whole in the server's socket while this
     * single-threaded server is not reading, and the client's write-wait path went untested. */
    int rcvbuf = 128 * 1024;
    setsockopt(evconnlistener_get_fd(s->listener), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in bound;
    socklen_t blen = sizeof bound;
    getsockname(evconnlistener_get_fd(s->listener), (struct sockaddr *)&bound, &blen);
    s->port = ntohs(bound.sin_port);
}

/* A port nothing listens on: bound by the kernel, then released. */
static int unused_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&sin, sizeof sin);
    socklen_t len = sizeof sin;
    getsockname(fd, (struct sockaddr *)&sin, &len);
    close(fd);
    return ntohs(sin.sin_port);
}

/* ---- the client side ---- */

typedef struct {
    int calls;
    bool synchronous;
    http_result r;
    char *body;
    char *headers;
    char error_text[256];
    http_pool *then_pool; /* when set, `done` immediately sends then_req on then_pool */
    const http_request *then_req;
    void *then_outcome;
} outcome;

static void outcome_free(outcome *o) {
    free(o->body);
    free(o->headers);
    memset(o, 0, sizeof *o);
}

static void on_done(void *arg, const http_result *r) {
    outcome *o = arg;
    o->calls++;
    o->synchronous |= in_send;
    o->r = *r;
    free(o->body);
    free(o->headers);
    o->body = NULL;
    if (r->body) {
        o->body = malloc(r->body_len + 1);
        memcpy(o->body, r->body, r->body_len);
        o->body[r->body_len] = '\0';
    }
    o->headers = strndup(r->header_block, r->header_len);
    snprintf(o->error_text, sizeof o->error_text, "%s", r->error_text);
    o->r.body = o->body;
    o->r.header_block = o->headers;
    o->r.error_text = o->error_text;
    if (o->then_pool) {
        http_pool *p = o->then_pool;
        o->then_pool = NULL;
        http_send(p, o->then_req, on_done, o->then_outcome);
        return;
    }
    event_base_loopbreak(base);
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg) {
    event_base_loopbreak(base);
}

/* Runs the loop until `o` is done (or 10 s pass). */
static void wait_for(outcome *o) {
    struct event *wd = evtimer_new(base, on_watchdog, NULL);
    struct timeval ten = {10, 0};
    evtimer_add(wd, &ten);
    while (o->calls == 0) {
        event_base_dispatch(base);
        if (!evtimer_pending(wd, NULL)) break;
    }
    event_free(wd);
}

/* Lets the loop run for `secs`, for things that happen in the background. */
static void run_for(double secs) {
    struct timeval tv = {(time_t)secs, (suseconds_t)((secs - (time_t)secs) * 1e6)};
    event_base_loopexit(base, &tv);
    event_base_dispatch(base);
}

static void send_req(http_pool *p, const http_request *req, outcome *o) {
    in_send = true;
    int rc = http_send(p, req, on_done, o);
    in_send = false;
    T_CHECK(rc == 0, "http_send returned %d for %s", rc, req->url);
}

static void check_timings(const outcome *o, const char *what) {
    const http_timings *t = &o->r.timings;
    T_CHECK(t->blocked >= 0 && t->connecting >= 0 && t->tls_handshaking >= 0 && t->sending >= 0 &&
                t->waiting >= 0 && t->receiving >= 0,
            "%s: negative timing", what);
    T_CHECK(fabs(t->duration - (t->sending + t->waiting + t->receiving)) < 1e-6,
            "%s: duration %f != sum", what, t->duration);
    T_CHECK(!o->synchronous, "%s: done called inside http_send", what);
    T_CHECK(o->calls == 1, "%s: done called %d times", what, o->calls);
}

static char url_buf[512];
static const char *url(int port, const char *path) {
    snprintf(url_buf, sizeof url_buf, "http://127.0.0.1:%d%s", port, path);
    return url_buf;
}

/* One request, start to finish. */
static void fetch(http_pool *p, const char *method, const char *u, const char *body,
                  size_t body_len, outcome *o) {
    outcome_free(o);
    http_request req = {.method = method, .url = u, .body = body, .body_len = body_len};
    send_req(p, &req, o);
    wait_for(o);
}

static void get(http_pool *p, const char *u, outcome *o) {
    fetch(p, "GET", u, NULL, 0, o);
}

static void expect_error(http_pool *p, const char *u, http_error want, const char *what) {
    outcome o = {0};
    get(p, u, &o);
    T_CHECK(o.r.error == want, "%s: error %d (%s), want %d", what, o.r.error, o.r.error_text, want);
    T_CHECK(o.r.error_text[0] != '\0', "%s: empty error text", what);
    check_timings(&o, what);
    outcome_free(&o);
}

static http_worker_stats stats(http_worker *w) {
    http_worker_stats s;
    http_worker_get_stats(w, &s);
    return s;
}

/* ---- tests against the loopback server ---- */

static void test_url_parser(void) {
    lt_url u;
    const char *why;
    T_CHECK(lt_url_parse("http://example.com", &u, &why) == 0, "plain host");
    T_CHECK(!u.tls && u.port == 80 && strcmp(u.host, "example.com") == 0 && u.target_len == 0,
            "host/port/target");
    T_CHECK(lt_url_parse("HTTPS://[::1]:8443/a?b=1#frag", &u, &why) == 0, "ipv6");
    T_CHECK(u.tls && u.port == 8443 && strcmp(u.host, "::1") == 0 && u.ipv6_literal &&
                u.target_len == 6 && strncmp(u.target, "/a?b=1", 6) == 0,
            "ipv6 parts");
    T_CHECK(lt_url_parse("http://u:p@h:81?x", &u, &why) == 0 && u.userinfo_len == 3 &&
                u.port == 81 && lt_url_target_needs_slash(&u),
            "userinfo and query without path");
    const char *bad[] = {"ftp://h/",    "http://",         "http://:80/",
                         "http://h:0/", "http://h:65536/", "http://h:8x/",
                         "no url",      "http://h/a b",    "http://[::1/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        T_CHECK(lt_url_parse(bad[i], &u, &why) < 0, "accepted %s", bad[i]);
}

static void test_simple_get(http_pool *p, server *s) {
    outcome o = {0};
    get(p, url(s->port, "/hello"), &o);
    T_CHECK(o.r.error == HTTP_OK && o.r.status == 200, "GET: %d %s", o.r.status, o.r.error_text);
    T_CHECK(o.r.body_len == 5 && strcmp(o.body, "hello") == 0, "GET body '%s'", o.body);
    T_CHECK(strstr(o.headers, "X-Test: yes\r\n") != NULL, "header block '%s'", o.headers);
    T_CHECK(strcmp(o.r.proto, "HTTP/1.1") == 0, "proto %s", o.r.proto);
    T_CHECK(o.r.bytes_sent > 0 && o.r.bytes_received > 0, "byte counts");
    T_CHECK(o.r.finished >= o.r.started, "started/finished");
    T_CHECK(strcmp(s->method, "GET") == 0 && strcmp(s->path, "/hello") == 0, "server saw %s %s",
            s->method, s->path);
    T_CHECK(strstr(s->headers, "\r\nHost: 127.0.0.1:") != NULL, "Host header");
    T_CHECK(strstr(s->headers, "\r\nUser-Agent: ") != NULL, "User-Agent header");
    T_CHECK(s->content_length == -1, "GET without body sends no Content-Length");
    check_timings(&o, "simple GET");
    outcome_free(&o);

    snprintf(url_buf, sizeof url_buf, "http://localhost:%d/hello", s->port);
    get(p, url_buf, &o);
    T_CHECK(o.r.error == HTTP_OK && o.r.status == 200, "localhost: %s", o.r.error_text);
    outcome_free(&o);
}

static void test_post(http_pool *p, server *s) {
    outcome o = {0};
    fetch(p, "POST", url(s->port, "/echo"), "a=1&b=2", 7, &o);
    T_CHECK(o.r.status == 200 && s->content_length == 7 && s->body_len == 7 &&
                memcmp(s->body, "a=1&b=2", 7) == 0,
            "POST: server saw length %ld", s->content_length);
    T_CHECK(o.r.body_len == 7 && memcmp(o.body, "a=1&b=2", 7) == 0, "POST echo");
    check_timings(&o, "POST");
    fetch(p, "POST", url(s->port, "/echo"), NULL, 0, &o);
    T_CHECK(o.r.status == 200 && s->content_length == 0, "POST without body: Content-Length 0");

    /* Caller headers are sent as given and replace the defaults. */
    http_header hs[] = {{"User-Agent", 10, "custom/1", 8}, {"X-A", 3, "b", 1}};
    http_request req = {
        .method = "GET", .url = url(s->port, "/hello"), .headers = hs, .nheaders = 2};
    outcome_free(&o);
    send_req(p, &req, &o);
    wait_for(&o);
    T_CHECK(strstr(s->headers, "\r\nUser-Agent: custom/1\r\n") != NULL &&
                strstr(s->headers, "lt/") == NULL && strstr(s->headers, "\r\nX-A: b\r\n"),
            "custom headers: %s", s->headers);
    outcome_free(&o);
}

static void test_big_bodies(http_worker *w, http_pool *p, server *s) {
    outcome o = {0};
    get(p, url(s->port, "/big"), &o);
    T_CHECK(o.r.status == 200 && o.r.body_len == BIG_SIZE &&
                memcmp(o.body, big_body, BIG_SIZE) == 0,
            "1 MB response body: %zu", o.r.body_len);
    check_timings(&o, "big GET");

    fetch(p, "POST", url(s->port, "/echo"), big_body, BIG_SIZE, &o);
    T_CHECK(s->body_len == BIG_SIZE && memcmp(s->body, big_body, BIG_SIZE) == 0,
            "1 MB request body");
    T_CHECK(o.r.body_len == BIG_SIZE && memcmp(o.body, big_body, BIG_SIZE) == 0, "1 MB echo");

    /* 4 MB does not fit the socket buffers: the client must wait for EV_WRITE. */
    size_t n = 4 * BIG_SIZE;
    char *body4 = malloc(n);
    for (size_t i = 0; i < n; i++) body4[i] = (char)('a' + i % 23);
    uint64_t waits = stats(w).write_waits;
    fetch(p, "POST", url(s->port, "/echo"), body4, n, &o);
    T_CHECK(o.r.status == 200 && s->body_len == n && memcmp(s->body, body4, n) == 0,
            "4 MB request body arrived intact");
    T_CHECK(o.r.body_len == n && memcmp(o.body, body4, n) == 0, "4 MB echo");
    T_CHECK(stats(w).write_waits > waits, "4 MB POST had partial writes");
    T_CHECK(o.r.bytes_sent > n, "bytes_sent %llu", (unsigned long long)o.r.bytes_sent);
    check_timings(&o, "4 MB POST");
    free(body4);

    outcome_free(&o);
    http_request req = {.method = "GET", .url = url(s->port, "/big"), .discard_body = true};
    send_req(p, &req, &o);
    wait_for(&o);
    T_CHECK(o.r.status == 200 && o.r.body == NULL && o.r.body_len == 0 &&
                o.r.bytes_received > BIG_SIZE,
            "discard_body");

    http_worker_set_max_body(w, 1000);
    expect_error(p, url(s->port, "/big"), HTTP_ERR_BODY_TOO_LARGE, "max body");
    http_worker_set_max_body(w, (size_t)64 << 20);
    outcome_free(&o);
}

static void test_keep_alive(http_worker *w, http_pool *p, server *s) {
    outcome o = {0};
    get(p, url(s->port, "/hello"), &o);
    int accepts = s->accepts;
    int ok = 0;
    for (int i = 0; i < 100; i++) {
        get(p, url(s->port, "/hello"), &o);
        ok += o.r.status == 200 && o.r.timings.connecting == 0;
    }
    T_CHECK(ok == 100, "%d of 100 kept-alive requests ok", ok);
    T_CHECK(s->accepts == accepts, "keep-alive: %d new connections", s->accepts - accepts);
    outcome_free(&o);
}

static void test_body_framings(http_pool *p, server *s) {
    outcome o = {0};
    get(p, url(s->port, "/chunked"), &o);
    T_CHECK(o.r.status == 200 && o.body && strcmp(o.body, "hello world") == 0, "chunked '%s'",
            o.body);

    int accepts = s->accepts;
    get(p, url(s->port, "/until-close"), &o);
    T_CHECK(o.r.status == 200 && o.body && strcmp(o.body, "until close body") == 0,
            "until close: %d '%s' %s", o.r.status, o.body, o.r.error_text);
    check_timings(&o, "until close");
    get(p, url(s->port, "/hello"), &o);
    T_CHECK(o.r.status == 200 && s->accepts == accepts + 1, "new connection after until-close");

    get(p, url(s->port, "/1xx"), &o);
    T_CHECK(o.r.status == 200 && o.body && strcmp(o.body, "ok") == 0 &&
                strstr(o.headers, "Link") == NULL,
            "1xx skipped: %d '%s' hdrs '%s'", o.r.status, o.body, o.headers);

    fetch(p, "HEAD", url(s->port, "/hello"), NULL, 0, &o);
    T_CHECK(o.r.status == 200 && o.r.body_len == 0 && strstr(o.headers, "Content-Length: 5"),
            "HEAD: %d %zu", o.r.status, o.r.body_len);
    accepts = s->accepts;
    get(p, url(s->port, "/204"), &o);
    T_CHECK(o.r.status == 204 && o.r.body_len == 0, "204");
    get(p, url(s->port, "/hello"), &o);
    T_CHECK(o.r.status == 200 && strcmp(o.body, "hello") == 0 && s->accepts == accepts,
            "HEAD and 204 left the connection usable");

    get(p, url(s->port, "/truncated"), &o);
    T_CHECK(o.r.error == HTTP_ERR_CLOSED, "truncated body: %d", o.r.error);
    outcome_free(&o);
}

static void test_connection_close(http_worker *w, http_pool *p, server *s) {
    outcome o = {0};
    get(p, url(s->port, "/hello"), &o);
    int accepts = s->accepts;
    get(p, url(s->port, "/conn-close"), &o);
    T_CHECK(o.r.status == 200, "Connection: close response");
    get(p, url(s->port, "/hello"), &o);
    T_CHECK(o.r.status == 200 && s->accepts == accepts + 1, "Connection: close honoured (%d)",
            s->accepts - accepts);

    accepts = s->accepts;
    get(p, url(s->port, "/http10"), &o);
    get(p, url(s->port, "/hello"), &o);
    T_CHECK(o.r.status == 200 && s->accepts == accepts + 1, "HTTP/1.0 closed");

    accepts = s->accepts;
    get(p, url(s->port, "/garbage-after"), &o);
    T_CHECK(o.r.status == 200 && o.r.error == HTTP_OK && strcmp(o.body, "ok") == 0,
            "response before garbage succeeds");
    get(p, url(s->port, "/hello"), &o);
    T_CHECK(o.r.status == 200 && s->accepts == accepts + 1, "garbage closes the connection");

    /* The server drops an idle connection; the client notices while idle. */
    get(p, url(s->port, "/close-after"), &o);
    run_for(0.05);
    uint64_t retries = stats(w).retries;
    get(p, url(s->port, "/hello"), &o);
    T_CHECK(o.r.status == 200 && stats(w).retries == retries, "idle close noticed: %s",
            o.r.error_text);

    /* The next request goes out before the client could notice: retried transparently. */
    outcome second = {0};
    http_request next = {.method = "GET", .url = strdup(url(s->port, "/hello"))};
    outcome_free(&o);
    o.then_pool = p;
    o.then_req = &next;
    o.then_outcome = &second;
    http_request first = {.method = "GET", .url = url(s->port, "/close-after")};
    send_req(p, &first, &o);
    wait_for(&second);
    T_CHECK(o.r.status == 200, "close-after first response");
    T_CHECK(second.r.status == 200 && second.r.error == HTTP_OK && second.body &&
                strcmp(second.body, "hello") == 0,
            "stale connection retried: %d %s", second.r.error, second.error_text);
    T_CHECK(stats(w).retries == retries + 1, "one retry counted");
    T_CHECK(second.r.retries == 1 && o.r.retries == 0, "the result says it was sent again");
    check_timings(&second, "retried request");
    free((char *)next.url);
    outcome_free(&second);
    outcome_free(&o);
}

/* Sends `second` from the `done` of `first`, on the connection `first` leaves idle, before the
 * client could notice what the server did to it; waits for both. */
static void send_back_to_back(http_pool *p, const http_request *first, const http_request *second,
                              outcome *o1, outcome *o2) {
    outcome_free(o1);
    outcome_free(o2);
    o1->then_pool = p;
    o1->then_req = second;
    o1->then_outcome = o2;
    send_req(p, first, o1);
    wait_for(o2);
}

/* RFC 9110 9.2.2, as Go's net/http: a request the server may have read is not sent again unless
 * it is idempotent; one of which nothing was written is. */
static void test_no_replay(http_worker *w, http_pool *p, server *s) {
    outcome o1 = {0}, o2 = {0};
    char close_url[512], reset_url[512], echo_url[512];
    snprintf(close_url, sizeof close_url, "%s", url(s->port, "/close-after"));
    snprintf(reset_url, sizeof reset_url, "%s", url(s->port, "/reset-after"));
    snprintf(echo_url, sizeof echo_url, "%s", url(s->port, "/echo"));
    http_request first_close = {.method = "GET", .url = close_url};
    http_request first_reset = {.method = "GET", .url = reset_url};
    http_request post = {.method = "POST", .url = echo_url, .body = "order=1", .body_len = 7};

    /* The server closed the kept-alive connection; the POST was written into it: not again. */
    uint64_t retries = stats(w).retries;
    send_back_to_back(p, &first_close, &post, &o1, &o2);
    T_CHECK(o1.r.status == 200, "close-after first response");
    T_CHECK(o2.r.error == HTTP_ERR_CLOSED || o2.r.error == HTTP_ERR_CONN_RESET,
            "a written POST on a closed connection fails: %d %s", o2.r.error, o2.error_text);
    T_CHECK(stats(w).retries == retries && o2.r.retries == 0, "the POST was not sent again");
    check_timings(&o2, "POST not sent again");

    /* With an Idempotency-Key header it may be sent again (Go's isReplayable). */
    http_header idem = {"Idempotency-Key", 15, "k-1", 3};
    http_request post_idem = post;
    post_idem.headers = &idem;
    post_idem.nheaders = 1;
    int requests = s->requests;
    send_back_to_back(p, &first_close, &post_idem, &o1, &o2);
    T_CHECK(o2.r.status == 200 && o2.r.retries == 1 && stats(w).retries == retries + 1,
            "a POST with Idempotency-Key is sent again: %d %s", o2.r.error, o2.error_text);
    T_CHECK(s->requests == requests + 2, "the server read it once: %d", s->requests - requests);

    /* PUT and DELETE are idempotent (RFC 9110), unlike in Go's isReplayable. */
    http_request put = post;
    put.method = "PUT";
    send_back_to_back(p, &first_close, &put, &o1, &o2);
    T_CHECK(o2.r.status == 200 && o2.r.retries == 1, "a PUT is sent again: %d %s", o2.r.error,
            o2.error_text);

    /* The server reset the connection before the POST went out: nothing was written, so it
     * is sent again, whatever the method. */
    retries = stats(w).retries;
    requests = s->requests;
    send_back_to_back(p, &first_reset, &post, &o1, &o2);
    T_CHECK(o1.r.status == 200, "reset-after first response: %d %s", o1.r.error, o1.error_text);
    T_CHECK(o2.r.status == 200 && o2.r.retries == 1 && stats(w).retries == retries + 1,
            "a POST of which nothing was written is sent again: %d %s", o2.r.error, o2.error_text);
    T_CHECK(s->requests == requests + 2 && s->body_len == 7 && memcmp(s->body, "order=1", 7) == 0,
            "the server read the POST once: %d", s->requests - requests);
    outcome_free(&o1);
    outcome_free(&o2);
}

/* Expects req to fail with HTTP_ERR_INVALID_HEADER and `text`, nothing reaching the server. */
static void expect_bad_header(http_pool *p, server *s, const http_header *h, const char *text) {
    outcome o = {0};
    http_request req = {
        .method = "GET", .url = url(s->port, "/hello"), .headers = h, .nheaders = 1};
    int requests = s->requests, accepts = s->accepts;
    send_req(p, &req, &o);
    wait_for(&o);
    T_CHECK(o.r.error == HTTP_ERR_INVALID_HEADER, "%s: error %d", text, o.r.error);
    T_CHECK(strcmp(o.error_text, text) == 0, "error text '%s', want '%s'", o.error_text, text);
    run_for(0.02);
    T_CHECK(s->requests == requests && s->accepts == accepts, "%s: nothing sent", text);
    check_timings(&o, text);
    outcome_free(&o);
}

static void test_request_headers(http_pool *p, server *s) {
    expect_bad_header(p, s, &(http_header){"X-A", 3, "a\r\nX-Injected: 1", 16},
                      "invalid header field value for \"X-A\"");
    expect_bad_header(p, s, &(http_header){"X-A", 3, "a\nb", 3},
                      "invalid header field value for \"X-A\"");
    expect_bad_header(p, s, &(http_header){"X-A", 3, "a\0b", 3},
                      "invalid header field value for \"X-A\"");
    expect_bad_header(p, s, &(http_header){"X-A", 3, "a\x7f", 2},
                      "invalid header field value for \"X-A\"");
    expect_bad_header(p, s, &(http_header){"X-A\r\nX-B", 8, "1", 1},
                      "invalid header field name \"X-A\\r\\nX-B\"");
    expect_bad_header(p, s, &(http_header){"X A", 3, "1", 1}, "invalid header field name \"X A\"");
    expect_bad_header(p, s, &(http_header){"X\0A", 3, "1", 1},
                      "invalid header field name \"X\\x00A\"");
    expect_bad_header(p, s, &(http_header){"", 0, "1", 1}, "invalid header field name \"\"");

    /* Tabs and obs-text in values are allowed (RFC 9110 5.5); 100 headers are all sent. */
    enum { N = 100 };
    http_header hs[N + 1];
    char names[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "X-%03d", i);
        hs[i] = (http_header){names[i], 5, "v", 1};
    }
    hs[N] = (http_header){"X-Tab", 5, "a\tb\xe9", 4};
    http_request req = {
        .method = "GET", .url = url(s->port, "/hello"), .headers = hs, .nheaders = N + 1};
    outcome o = {0};
    send_req(p, &req, &o);
    wait_for(&o);
    T_CHECK(o.r.status == 200, "101 headers: %d %s", o.r.error, o.error_text);
    int seen = 0;
    for (const char *h = s->headers; (h = strstr(h, "\r\nX-")) != NULL; h++) seen++;
    T_CHECK(seen == N + 1, "the server saw %d of %d headers", seen, N + 1);
    T_CHECK(strstr(s->headers, "\r\nX-Tab: a\tb\xe9\r\n") != NULL,
            "tab and obs-text sent as given");
    outcome_free(&o);
}

static void test_errors(http_pool *p, server *s) {
    expect_error(p, url(s->port, "/bad-status"), HTTP_ERR_BAD_STATUS, "bad status");
    expect_error(p, url(s->port, "/bad-header"), HTTP_ERR_BAD_HEADER, "bad header");
    expect_error(p, url(s->port, "/bad-chunk"), HTTP_ERR_BAD_CHUNK, "bad chunk");
    expect_error(p, url(s->port, "/dup-length"), HTTP_ERR_BAD_LENGTH, "conflicting lengths");
    expect_error(p, url(s->port, "/bad-length"), HTTP_ERR_BAD_LENGTH, "bad length");
    expect_error(p, url(s->port, "/big-header"), HTTP_ERR_HEADER_TOO_LARGE, "header > 64 KiB");
    expect_error(p, url(unused_port(), "/"), HTTP_ERR_CONNECT_REFUSED, "refused");
    const char *bad[] = {"ftp://127.0.0.1/", "http://", "not a url", "http://h:99999/"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_error(p, bad[i], HTTP_ERR_INVALID_URL, bad[i]);
    outcome o = {0};
    get(p, url(s->port, "/hello"), &o);
    T_CHECK(o.r.status == 200, "pool usable after errors");
    outcome_free(&o);
}

static void test_timeout(http_pool *p, server *s) {
    outcome o = {0};
    http_request req = {.method = "GET", .url = url(s->port, "/slow"), .timeout_s = 0.3};
    double t0 = lt_now();
    send_req(p, &req, &o);
    wait_for(&o);
    double took = lt_now() - t0;
    T_CHECK(o.r.error == HTTP_ERR_TIMEOUT, "timeout error %d", o.r.error);
    T_CHECK(fabs(took - 0.3) < 0.05, "timeout after %.3f s", took);
    T_CHECK(fabs((o.r.finished - o.r.started) - 0.3) < 0.05, "result span %.3f",
            o.r.finished - o.r.started);
    check_timings(&o, "timeout");
    outcome_free(&o);
}

static void on_cancel_timer(evutil_socket_t fd, short what, void *arg) {
    http_pool_cancel(arg);
}

static void test_cancel(http_worker *w, server *s) {
    http_pool *p = http_pool_new(w);
    outcome o = {0};
    http_request req = {.method = "GET", .url = url(s->port, "/slow")};
    send_req(p, &req, &o);
    struct event *t = evtimer_new(base, on_cancel_timer, p);
    struct timeval tv = {0, 50000};
    evtimer_add(t, &tv);
    wait_for(&o);
    T_CHECK(o.r.error == HTTP_ERR_CANCELLED, "cancel: %d", o.r.error);
    run_for(0.05);
    T_CHECK(o.calls == 1, "cancel: done once (%d)", o.calls);
    http_pool_cancel(p); /* nothing in flight: no call */
    T_CHECK(o.calls == 1, "cancel when idle is a no-op");
    event_free(t);

    /* Free with a request in flight, including one whose failure is still deferred. */
    outcome_free(&o);
    send_req(p, &req, &o);
    run_for(0.02);
    http_pool_free(p);
    T_CHECK(o.calls == 1 && o.r.error == HTTP_ERR_CANCELLED, "free cancels: %d calls", o.calls);

    p = http_pool_new(w);
    outcome_free(&o);
    http_request bad = {.method = "GET", .url = "bogus"};
    send_req(p, &bad, &o);
    T_CHECK(http_send(p, &bad, on_done, &o) == -1, "second request in flight refused");
    http_pool_free(p);
    run_for(0.02);
    T_CHECK(o.calls == 1 && o.r.error == HTTP_ERR_CANCELLED, "free before deferred: %d/%d", o.calls,
            o.r.error);
    outcome_free(&o);
}

/* ---- nginx (when tests/net/tls_test.sh provides it) ---- */

static void test_nginx(http_worker *w) {
    const char *port = getenv("LT_TEST_NGINX_PORT");
    const char *tls_port = getenv("LT_TEST_NGINX_TLS_PORT");
    const char *ca = getenv("LT_TEST_CA");
    if (!port || !tls_port || !ca) {
        printf("skip nginx tests (LT_TEST_NGINX_PORT, LT_TEST_NGINX_TLS_PORT, LT_TEST_CA)\n");
        return;
    }
    char u[256];
    outcome o = {0};
    http_pool *p = http_pool_new(w);
    snprintf(u, sizeof u, "http://127.0.0.1:%s/", port);
    get(p, u, &o);
    T_CHECK(o.r.status == 200 && o.body && strstr(o.body, "ACCEPTED"), "nginx GET: %d %s",
            o.r.status, o.r.error_text);
    http_pool_free(p);

    char err[256];
    http_tls_config with_ca = {.ca_file = ca};
    http_worker *tw = http_worker_new(base, &with_ca, err, sizeof err);
    T_CHECK(tw != NULL, "TLS worker: %s", err);
    if (!tw) return;
    p = http_pool_new(tw);
    snprintf(u, sizeof u, "https://localhost:%s/", tls_port);
    get(p, u, &o);
    T_CHECK(o.r.status == 200 && o.body && strstr(o.body, "ACCEPTED"), "HTTPS localhost: %d %s",
            o.r.status, o.r.error_text);
    T_CHECK(o.r.timings.tls_handshaking > 0, "tls_handshaking %f", o.r.timings.tls_handshaking);
    check_timings(&o, "https");
    get(p, u, &o);
    T_CHECK(o.r.status == 200 && o.r.timings.tls_handshaking == 0, "HTTPS keep-alive");

    /* Force a reconnect: the second handshake should resume the first session. */
    http_worker_stats before = stats(tw);
    http_header close_hdr = {"Connection", 10, "close", 5};
    http_request req = {.method = "GET", .url = u, .headers = &close_hdr, .nheaders = 1};
    outcome_free(&o);
    send_req(p, &req, &o);
    wait_for(&o);
    T_CHECK(o.r.status == 200, "HTTPS with Connection: close");
    get(p, u, &o);
    http_worker_stats after = stats(tw);
    T_CHECK(o.r.status == 200 && after.tls_handshakes == before.tls_handshakes + 1,
            "reconnected: %llu handshakes",
            (unsigned long long)(after.tls_handshakes - before.tls_handshakes));
    T_CHECK(after.tls_resumed == before.tls_resumed + 1, "TLS session resumed on reconnect");

    snprintf(u, sizeof u, "https://127.0.0.1:%s/", tls_port);
    get(p, u, &o);
    T_CHECK(o.r.status == 200, "HTTPS IP SAN: %d %s", o.r.status, o.r.error_text);
    http_pool_free(p);
    http_worker_free(tw);

    tw = http_worker_new(base, NULL, err, sizeof err);
    T_CHECK(tw != NULL, "system-store TLS worker: %s", err);
    p = http_pool_new(tw);
    snprintf(u, sizeof u, "https://localhost:%s/", tls_port);
    get(p, u, &o);
    T_CHECK(o.r.error == HTTP_ERR_TLS_VERIFY, "untrusted CA: %d %s", o.r.error, o.r.error_text);
    T_CHECK(strstr(o.r.error_text, "verify") != NULL, "verify reason '%s'", o.r.error_text);
    http_pool_free(p);
    http_worker_free(tw);

    http_tls_config insecure = {.insecure_skip_verify = true};
    tw = http_worker_new(base, &insecure, err, sizeof err);
    p = http_pool_new(tw);
    get(p, u, &o);
    T_CHECK(o.r.status == 200, "insecure_skip_verify: %d %s", o.r.status, o.r.error_text);
    http_pool_free(p);
    http_worker_free(tw);

    tw = http_worker_new(base, &with_ca, err, sizeof err);
    p = http_pool_new(tw);
    snprintf(u, sizeof u, "https://127.0.0.1:%s/", port); /* TLS to a plain-HTTP port */
    get(p, u, &o);
    T_CHECK(o.r.error == HTTP_ERR_TLS, "TLS to plain port: %d %s", o.r.error, o.r.error_text);
    http_pool_free(p);
    http_worker_free(tw);
    outcome_free(&o);

    http_tls_config missing = {.ca_file = "/nonexistent/ca.pem"};
    T_CHECK(http_worker_new(base, &missing, err, sizeof err) == NULL && err[0],
            "missing CA file rejected");
}

int main(void) {
    base = event_base_new();
    big_body = malloc(BIG_SIZE);
    for (int i = 0; i < BIG_SIZE; i++) big_body[i] = (char)('A' + i % 26);
    char err[256];
    http_worker *w = http_worker_new(base, NULL, err, sizeof err);
    T_CHECK(w != NULL, "worker: %s", err);
    server s;
    server_start(&s);
    http_pool *p = http_pool_new(w);

    test_url_parser();
    test_simple_get(p, &s);
    test_post(p, &s);
    test_keep_alive(w, p, &s);
    test_body_framings(p, &s);
    test_connection_close(w, p, &s);
    test_no_replay(w, p, &s);
    test_request_headers(p, &s);
    test_errors(p, &s);
    test_big_bodies(w, p, &s);
    test_timeout(p, &s);
    test_cancel(w, &s);
    test_nginx(w);

    http_pool_free(p);
    http_worker_free(w);
    run_for(0.05); /* let the server side see its connections close */
    evconnlistener_free(s.listener);
    free(s.body);
    free(big_body);
    lt_dns_clear();
    event_base_free(base);
    return T_DONE();
}
