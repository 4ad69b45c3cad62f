/* conn.c — the connections of lt's HTTP client: connecting (trying each resolved address),
 * the TLS handshake, the keep-alive idle list and TLS sessions of a pool, sending a request
 * once more after a reused connection failed (only what RFC 9110 lets a client retry), and the
 * socket event callbacks that drive a connection's transport. Shared structs are in
 * http_internal.h.
 */
#include "net/http_internal.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_IDLE_CONNS 4

/* ---- connections ---- */

void conn_close(http_conn *c) {
    event_del(&c->rev);
    event_del(&c->wev);
    c->tr.ops->close(&c->tr);
    free(c->key);
    free(c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg);
static void on_writable(evutil_socket_t fd, short what, void *arg);

static http_conn *conn_new(http_pool *p, int fd, int addr_index) {
    http_conn *c = calloc(1, sizeof *c);
    if (!c || !(c->key = strdup(p->key))) {
        free(c);
        return NULL;
    }
    c->pool = p;
    c->addr_index = (uint8_t)addr_index;
    c->state = CONN_CONNECTING;
    lt_transport_init_tcp(&c->tr, fd);
    event_assign(&c->rev, p->w->base, fd, EV_READ | EV_PERSIST, on_readable, c);
    event_assign(&c->wev, p->w->base, fd, EV_WRITE, on_writable, c);
    return c;
}

/* Parks a connection after a clean response, evicting the least recently used beyond the cap. */
void release_idle(http_pool *p, http_conn *c) {
    c->served = true;
    c->next = p->idle;
    p->idle = c;
    if (++p->nidle <= MAX_IDLE_CONNS) return;
    http_conn **link = &p->idle;
    while ((*link)->next) link = &(*link)->next;
    conn_close(*link);
    *link = NULL;
    p->nidle--;
}

static void unlink_idle(http_pool *p, http_conn *c) {
    for (http_conn **link = &p->idle; *link; link = &(*link)->next) {
        if (*link == c) {
            *link = c->next;
            c->next = NULL;
            p->nidle--;
            return;
        }
    }
}

http_conn *take_idle(http_pool *p) {
    for (http_conn *c = p->idle; c; c = c->next) {
        if (strcmp(c->key, p->key) == 0) {
            unlink_idle(p, c);
            return c;
        }
    }
    return NULL;
}

/* ---- TLS sessions (per pool, per scheme:host:port) ---- */

static tls_session_slot *find_session_slot(http_pool *p, const char *key) {
    for (int i = 0; i < MAX_TLS_SESSIONS; i++)
        if (p->sessions[i].key && strcmp(p->sessions[i].key, key) == 0) return &p->sessions[i];
    return NULL;
}

void free_session_slot(tls_session_slot *s) {
    if (s->session) SSL_SESSION_free(s->session);
    free(s->key);
    *s = (tls_session_slot){0};
}

/* SSL_CTX new-session callback: TLS 1.3 tickets arrive after the handshake, during reads, so
 * the only reliable moment to keep a resumable session is when OpenSSL announces it. */
int on_new_tls_session(SSL *ssl, SSL_SESSION *session) {
    http_conn *c = SSL_get_app_data(ssl);
    if (!c) return 0;
    http_pool *p = c->pool;
    tls_session_slot *slot = find_session_slot(p, c->key);
    if (slot) {
        SSL_SESSION_free(slot->session);
        slot->session = session;
        return 1;
    }
    char *key = strdup(c->key);
    if (!key) return 0;
    free_session_slot(&p->sessions[MAX_TLS_SESSIONS - 1]);
    memmove(&p->sessions[1], &p->sessions[0], sizeof p->sessions[0] * (MAX_TLS_SESSIONS - 1));
    p->sessions[0] = (tls_session_slot){key, session};
    return 1; /* we keep the reference */
}

/* ---- sending a request again after a reused connection failed ----
 * A kept-alive connection may have been closed by the server just before the request went out;
 * the request is then worth one more try on a fresh connection. But the server may also have
 * read the request and then failed (or reset the connection on purpose): a POST sent again would
 * be an order placed twice without a trace. So, as RFC 9110 section 9.2.2 and Go's net/http
 * (shouldRetryRequest, isReplayable) do: only when nothing of the request was written, or when
 * it is idempotent. Go leaves PUT and DELETE out of isReplayable; RFC 9110 names them
 * idempotent, and so does lt. */

bool may_send_again(http_pool *p, http_conn *c, int io_code) {
    int e = c->tr.sys_errno;
    bool closed = io_code == LT_IO_EOF || e == ECONNRESET || e == EPIPE;
    bool nothing_written = p->out_off == 0;
    return closed && c->served && !p->got_byte && !p->retried && (nothing_written || p->replayable);
}

step retry_on_fresh_connection(http_pool *p) {
    conn_close(p->conn);
    p->conn = NULL;
    p->retried = true;
    p->w->stats.retries++;
    p->out_off = 0;
    p->t_conn_start = p->t_connected = p->t_tls_start = p->t_tls_done = 0;
    p->t_send_start = p->t_sent = 0;
    reset_response(p);
    return open_connection(p, 0);
}

step io_failed(http_pool *p, http_conn *c, int io_code) {
    if (may_send_again(p, c, io_code)) return retry_on_fresh_connection(p);
    int e = c->tr.sys_errno;
    if (io_code == LT_IO_EOF || e == 0) {
        if (c->tr.ssl && io_code == LT_IO_ERROR) {
            char why[200];
            lt_transport_tls_failure(&c->tr, why, sizeof why);
            return fail_request(p, HTTP_ERR_TLS, "%s", why);
        }
        return fail_request(p, HTTP_ERR_CLOSED, "connection closed before response complete");
    }
    if (e == ECONNRESET || e == EPIPE)
        return fail_request(p, HTTP_ERR_CONN_RESET, "%s", strerror(e));
    return fail_request(p, HTTP_ERR_GENERIC, "%s", strerror(e));
}

/* ---- connecting ---- */

static step fail_connect(http_pool *p, int e) {
    http_error err = e == ECONNREFUSED ? HTTP_ERR_CONNECT_REFUSED : HTTP_ERR_CONNECT;
    return fail_request(p, err, "connect: %s", strerror(e));
}

static step drive_handshake(http_pool *p, http_conn *c) {
    int rc = c->tr.ops->handshake(&c->tr);
    if (rc == 0) {
        p->t_tls_done = lt_now();
        c->state = CONN_READY;
        p->w->stats.tls_handshakes++;
        if (SSL_session_reused(c->tr.ssl)) p->w->stats.tls_resumed++;
        return start_sending(p);
    }
    if (rc == LT_IO_WANT_READ) return GO_ON; /* the persistent read event will call again */
    if (rc == LT_IO_WANT_WRITE) {
        event_add(&c->wev, NULL);
        return GO_ON;
    }
    char why[256];
    bool verify = lt_transport_tls_failure(&c->tr, why, sizeof why);
    return fail_request(p, verify ? HTTP_ERR_TLS_VERIFY : HTTP_ERR_TLS, "%s", why);
}

static step start_tls(http_pool *p, http_conn *c) {
    tls_session_slot *slot = find_session_slot(p, c->key);
    char why[200];
    if (lt_transport_init_tls(&c->tr, c->tr.fd, p->w->ssl_ctx, p->url.host, p->w->verify,
                              slot ? slot->session : NULL, c, why, sizeof why) < 0)
        return fail_request(p, HTTP_ERR_TLS, "%s", why);
    c->state = CONN_HANDSHAKING;
    p->t_tls_start = lt_now();
    return drive_handshake(p, c);
}

static step on_connected(http_pool *p, http_conn *c) {
    p->t_connected = lt_now();
    event_add(&c->rev, NULL);
    if (p->url.tls) return start_tls(p, c);
    c->state = CONN_READY;
    return start_sending(p);
}

static int open_socket(const struct sockaddr_storage *addr) {
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    /* Requests go out in one write; Nagle would only delay the next request's bytes. */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

/* ---- name lookups: they never block the loop ----
 * A pool whose host is being resolved waits on the worker's `resolving` list. When the resolver
 * wakes the worker, each waiting pool is retried from its own event, so no request callback runs
 * while the list is walked. A request's timeout or cancellation takes it off the list. */

void stop_waiting_dns(http_pool *p) {
    if (!p->resolving) return;
    if (p->dns_prev)
        p->dns_prev->dns_next = p->dns_next;
    else
        p->w->resolving = p->dns_next;
    if (p->dns_next) p->dns_next->dns_prev = p->dns_prev;
    p->dns_prev = p->dns_next = NULL;
    p->resolving = false;
    event_del(&p->dns_retry);
}

void on_dns_retry(evutil_socket_t fd, short what, void *arg) {
    http_pool *p = arg;
    if (!p->resolving) return;
    stop_waiting_dns(p);
    open_connection(p, 0);
}

static void on_dns_wake(evutil_socket_t fd, short what, void *arg) {
    http_worker *w = arg;
    lt_dns_waiter_drain(w->dns);
    for (http_pool *p = w->resolving; p; p = p->dns_next)
        event_active(&p->dns_retry, EV_TIMEOUT, 0);
}

static lt_dns_waiter *worker_waiter(http_worker *w) {
    if (w->dns) return w->dns;
    if (!(w->dns = lt_dns_waiter_new())) return NULL;
    event_assign(&w->dns_ev, w->base, lt_dns_waiter_fd(w->dns), EV_READ | EV_PERSIST, on_dns_wake,
                 w);
    event_add(&w->dns_ev, NULL);
    return w->dns;
}

void worker_dns_free(http_worker *w) {
    if (!w->dns) return;
    event_del(&w->dns_ev);
    lt_dns_waiter_free(w->dns);
    w->dns = NULL;
}

/* The addresses of the request's host, or false when the pool now waits for its lookup. */
static bool addresses_now(http_pool *p, lt_dns_entry *dns) {
    if (lt_dns_lookup(p->url.host, p->url.port, dns, NULL)) return true;
    lt_dns_waiter *waiter = worker_waiter(p->w);
    if (!waiter) { /* no eventfd to be woken by: resolve here, as a last resort */
        lt_dns_resolve(p->url.host, p->url.port, dns);
        return true;
    }
    if (lt_dns_lookup(p->url.host, p->url.port, dns, waiter)) return true;
    p->resolving = true;
    p->dns_prev = NULL;
    p->dns_next = p->w->resolving;
    if (p->dns_next) p->dns_next->dns_prev = p;
    p->w->resolving = p;
    return false;
}

/* Connects to the resolved addresses from addr_index on, the next one after a refusal. */
step open_connection(http_pool *p, int addr_index) {
    lt_dns_entry dns;
    if (!addresses_now(p, &dns)) return GO_ON;
    if (dns.naddrs == 0)
        return fail_request(p, HTTP_ERR_DNS, "lookup %s: %s", p->url.host, dns.error);
    int last_errno = ECONNREFUSED;
    for (int i = addr_index; i < dns.naddrs; i++) {
        int fd = open_socket(&dns.addrs[i]);
        if (fd < 0) return fail_request(p, HTTP_ERR_CONNECT, "socket: %s", strerror(errno));
        p->t_conn_start = lt_now();
        int rc = connect(fd, (struct sockaddr *)&dns.addrs[i], dns.addrlens[i]);
        if (rc == 0 || errno == EINPROGRESS) {
            http_conn *c = conn_new(p, fd, i);
            if (!c) {
                close(fd);
                return fail_request(p, HTTP_ERR_GENERIC, "out of memory");
            }
            p->conn = c;
            p->w->stats.connects++;
            if (rc == 0) return on_connected(p, c);
            event_add(&c->wev, NULL);
            return GO_ON;
        }
        last_errno = errno;
        close(fd);
    }
    return fail_connect(p, last_errno);
}

static step finish_connect(http_pool *p, http_conn *c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->tr.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) err = errno;
    if (err == 0) return on_connected(p, c);
    int next = c->addr_index + 1;
    conn_close(c);
    p->conn = NULL;
    lt_dns_entry dns; /* answered: this connection was made from it */
    if (lt_dns_lookup(p->url.host, p->url.port, &dns, NULL) && next < dns.naddrs)
        return open_connection(p, next);
    return fail_connect(p, err);
}

/* ---- event callbacks ---- */

static void on_writable(evutil_socket_t fd, short what, void *arg) {
    http_conn *c = arg;
    http_pool *p = c->pool;
    switch (c->state) {
    case CONN_CONNECTING:
        finish_connect(p, c);
        return;
    case CONN_HANDSHAKING:
        drive_handshake(p, c);
        return;
    default:
        break;
    }
    if (c->read_wants_write) {
        c->read_wants_write = false;
        if (read_response(p, c) == STOPPED) return;
    }
    if (p->conn == c && p->out_off < p->out.len) flush_request(p, c);
}

static void on_readable(evutil_socket_t fd, short what, void *arg) {
    http_conn *c = arg;
    http_pool *p = c->pool;
    if (p->conn != c) {
        /* Idle: the server closed it, reset it, or sent bytes nobody asked for — unless TLS
         * consumed a record of its own (a late session ticket), which leaves it usable. */
        if (c->tr.ssl && c->tr.ops->read(&c->tr, p->w->rbuf, READ_BUF_SIZE) == LT_IO_WANT_READ)
            return;
        unlink_idle(p, c);
        conn_close(c);
        return;
    }
    if (c->state == CONN_HANDSHAKING) {
        drive_handshake(p, c);
        return;
    }
    if (c->write_wants_read) {
        c->write_wants_read = false;
        if (flush_request(p, c) == STOPPED) return;
    }
    read_response(p, c);
}
