/* prom_rw_send.c — the prometheus-rw output's delivery: the queue of batches (main thread
 * side) and the sender thread, which POSTs them in order with libevent's evhttp client on its
 * own event_base, retrying network errors, 5xx and 429 with exponential backoff.
 *
 * One connection serves every push (HTTP/1.1 keep-alive, TCP_NODELAY), over http and https
 * alike: a TLS handshake per push cost 25-28 ms against 3-5 ms for a kept-alive push in
 * tests/outputs/promrw_k6_test.sh (loopback, RSA 2048, client certificate, basic auth). When the
 * connection closes (the receiver's idle timeout, an error, `Connection: close`) evhttp's close
 * callback marks it, and the next push frees it and opens a new one; evhttp itself never
 * reconnects a TLS connection (its bufferevent would reuse a finished SSL). A new TLS connection
 * offers the session of the last one (SSL_set_session), so a reconnection costs one round trip
 * and no certificate exchange when the receiver resumes it (Go's, hence Prometheus', does).
 *
 * Resending: a push that fails on a reused connection before any answer came (the receiver
 * closed it while the request was on its way) is sent again at once on a new connection, without
 * a warning; other network errors, 5xx and 429 are resent after the backoff. A resent push is
 * byte for byte the first one, and Prometheus takes a sample repeated with the same timestamp and
 * value as a duplicate, not a new one, so a push the receiver did store before the connection
 * failed is not counted twice. Other 4xx answers drop the push.
 */
#include "output/prom_rw_internal.h"
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define REQ_TIMEOUT_S    10
#define BACKOFF_FIRST_MS 200
#define BACKOFF_MAX_MS   5000

/* ---- TLS ---- */

static void tls_error(char *err, size_t errlen, const char *what, const char *file) {
    unsigned long e = ERR_peek_last_error();
    snprintf(err, errlen, "prometheus-rw: %s%s%s (OpenSSL: %s)", what, file ? " " : "",
             file ? file : "", e ? ERR_reason_error_string(e) : "unknown error");
    ERR_clear_error();
}

/* A file named by a variable must open: otherwise say why in the system's words, which OpenSSL's
 * "system lib" does not. */
static int file_readable(const char *var, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "r");
    if (f) {
        fclose(f);
        return 0;
    }
    snprintf(err, errlen, "prometheus-rw: %s=%s: %s", var, path, strerror(errno));
    return -1;
}

int prw_tls_setup(prw *p, char *err, size_t errlen) {
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (!ctx) {
        tls_error(err, errlen, "cannot create a TLS context", NULL);
        return -1;
    }
    p->ssl = ctx;
    SSL_CTX_set_verify(ctx, p->insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    /* the system's CAs, or SSL_CERT_FILE / SSL_CERT_DIR when set (as Go, hence k6, reads them) */
    if (!p->insecure && SSL_CTX_set_default_verify_paths(ctx) != 1) {
        tls_error(err, errlen, "cannot load the system's CA certificates", NULL);
        return -1;
    }
    SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
    if (SSL_CTX_set_min_proto_version(ctx, p->tls_min12 ? TLS1_2_VERSION : TLS1_3_VERSION) != 1) {
        tls_error(err, errlen, "cannot set the minimum TLS version", NULL);
        return -1;
    }
    if (p->cert) {
        static const char cv[] = "K6_PROMETHEUS_RW_CLIENT_CERTIFICATE",
                          kv[] = "K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY";
        if (file_readable(cv, p->cert, err, errlen) || file_readable(kv, p->key, err, errlen))
            return -1;
        if (SSL_CTX_use_certificate_chain_file(ctx, p->cert) != 1) {
            tls_error(err, errlen, "K6_PROMETHEUS_RW_CLIENT_CERTIFICATE: no PEM certificate in",
                      p->cert);
            return -1;
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, p->key, SSL_FILETYPE_PEM) != 1) {
            tls_error(err, errlen, "K6_PROMETHEUS_RW_CLIENT_CERTIFICATE_KEY: no PEM private key in",
                      p->key);
            return -1;
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
            tls_error(err, errlen, "the client certificate and key do not match:", p->key);
            return -1;
        }
    }
    return 0;
}

void prw_tls_free(prw *p) {
    SSL_CTX_free(p->ssl);
    p->ssl = NULL;
}

static bool is_ip_literal(const char *host) {
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

/* A client SSL for p->host: SNI for host names (never IP literals, RFC 6066), and the name or
 * address checked against the certificate unless verification is off. */
static SSL *new_ssl(const prw *p) {
    SSL *ssl = SSL_new(p->ssl);
    if (!ssl) return NULL;
    bool ip = is_ip_literal(p->host);
    int ok = ip ? 1 : SSL_set_tlsext_host_name(ssl, p->host);
    if (ok == 1 && !p->insecure)
        ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), p->host)
                : SSL_set1_host(ssl, p->host);
    if (ok != 1) {
        SSL_free(ssl);
        return NULL;
    }
    return ssl;
}

/* ---- the queue ---- */

void prw_enqueue(prw *p, batch *b) {
    bool warn = false;
    uint64_t nsamples = 0;
    pthread_mutex_lock(&p->mu);
    p->total_batches++;
    p->total_samples += b->nsamples;
    if (p->qlen == QCAP) {
        batch *old = p->q[p->qhead];
        p->qhead = (p->qhead + 1) % QCAP;
        p->qlen--;
        p->dropped_batches++;
        p->dropped_samples += old->nsamples;
        nsamples = old->nsamples;
        prw_batch_free(old);
        warn = !p->warned_drop;
        p->warned_drop = true;
    }
    p->q[(p->qhead + p->qlen) % QCAP] = b;
    p->qlen++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (warn)
        fprintf(stderr,
                WARN "%d batches wait for %s; dropping the oldest (%llu samples); further "
                     "drops are counted and reported at the end\n",
                QCAP, p->url, (unsigned long long)nsamples);
}

/* ---- the sender thread ---- */

typedef struct {
    struct event_base *base;
    struct evhttp_connection *conn;
    struct event *tick;
    SSL *ssl;          /* of conn, for https:// */
    SSL_SESSION *sess; /* the last TLS session, offered when reconnecting */
    bool closed;       /* conn closed (evhttp's close callback): open a new one */
    bool answered;     /* conn has carried a response: a failure on it may be a stale close */
    unsigned conns;    /* connections opened */
    unsigned resumed;  /* of them, TLS connections that resumed a session */
} sender;

typedef struct {
    bool done;
    int status;
    int errkind; /* -1 none, else enum evhttp_request_error */
    char body[160];
} req_ctx;

static void on_error(enum evhttp_request_error e, void *arg) {
    req_ctx *c = arg;
    c->errkind = (int)e;
}

static void on_done(struct evhttp_request *req, void *arg) {
    req_ctx *c = arg;
    c->done = true;
    c->status = req ? evhttp_request_get_response_code(req) : 0;
    if (req && c->status && (c->status < 200 || c->status > 299)) {
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        ev_ssize_t n = evbuffer_copyout(in, c->body, sizeof c->body - 1);
        c->body[n > 0 ? n : 0] = '\0';
        for (char *s = c->body; *s; s++)
            if (*s == '\n' || *s == '\r') *s = ' ';
    }
}

static void on_tick(evutil_socket_t fd, short what, void *arg) {}

/* libevent 2.1 reports no reason for a failed connect (refused, unreachable, name unknown): only
 * a timeout is told apart. */
static const char *errkind_str(int e) {
    switch (e) {
    case EVREQ_HTTP_TIMEOUT:
        return "no answer within 10 s";
    case EVREQ_HTTP_INVALID_HEADER:
        return "invalid HTTP response";
    default:
        return "cannot connect, or the connection closed without an answer";
    }
}

/* SSL_free and SSL_clear (which libevent calls when evhttp resets a closed connection) take the
 * session of a connection that did not shut down for a bad one and make it unresumable; a
 * connection that carried answers had a good session, whatever ended it. */
static void keep_session_resumable(sender *s) {
    if (s->ssl && s->answered) SSL_set_shutdown(s->ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
}

static void drop_conn(sender *s) {
    keep_session_resumable(s);
    if (s->conn) evhttp_connection_free(s->conn); /* frees the bufferevent and its SSL */
    s->conn = NULL;
    s->ssl = NULL;
    s->closed = false;
    s->answered = false;
}

/* evhttp calls this when the connection closes, also from inside its own callbacks, where the
 * connection may not be freed: drop_conn waits for the next push. */
static void on_close(struct evhttp_connection *conn, void *arg) {
    sender *s = arg;
    keep_session_resumable(s); /* called before the reset's SSL_clear */
    s->closed = true;
}

/* Why a TLS connection failed: the certificate check, else OpenSSL's error, else NULL. */
static const char *tls_failure(sender *s, char *buf, size_t len) {
    long vr = s->ssl ? SSL_get_verify_result(s->ssl) : X509_V_OK;
    if (vr != X509_V_OK) {
        snprintf(buf, len, "tls: certificate verify failed: %s", X509_verify_cert_error_string(vr));
        return buf;
    }
    struct bufferevent *bev = s->conn ? evhttp_connection_get_bufferevent(s->conn) : NULL;
    unsigned long e = bev ? bufferevent_get_openssl_error(bev) : 0;
    if (!e) e = ERR_peek_last_error();
    ERR_clear_error();
    if (!e) return NULL;
    char reason[200];
    ERR_error_string_n(e, reason, sizeof reason);
    snprintf(buf, len, "tls: %s", reason);
    return buf;
}

static int open_conn(prw *p, sender *s, char *err, size_t errlen) {
    if (p->tls) {
        s->ssl = new_ssl(p);
        if (s->ssl && s->sess)
            SSL_set_session(s->ssl, s->sess); /* a failed resumption is a full
                                               * handshake, not an error */
        struct bufferevent *bev =
            s->ssl ? bufferevent_openssl_socket_new(s->base, -1, s->ssl, BUFFEREVENT_SSL_CONNECTING,
                                                    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)
                   : NULL;
        if (!bev) {
            if (s->ssl) SSL_free(s->ssl);
            s->ssl = NULL;
            snprintf(err, errlen, "cannot set up TLS for %s", p->host);
            return -1;
        }
        /* servers that close without close_notify are normal for HTTP */
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
        s->conn = evhttp_connection_base_bufferevent_new(s->base, NULL, bev, p->host,
                                                         (ev_uint16_t)p->port);
        if (!s->conn) bufferevent_free(bev);
    } else {
        s->conn = evhttp_connection_base_new(s->base, NULL, p->host, (ev_uint16_t)p->port);
    }
    if (!s->conn) {
        s->ssl = NULL;
        snprintf(err, errlen, "cannot create a connection to %s:%d", p->host, p->port);
        return -1;
    }
    evhttp_connection_set_timeout(s->conn, REQ_TIMEOUT_S);
    evhttp_connection_set_retries(s->conn, 0);
    evhttp_connection_set_closecb(s->conn, on_close, s);
    s->closed = s->answered = false;
    s->conns++;
    return 0;
}

/* After a response on a TLS connection: count a resumed session (once per connection) and keep
 * the newest session (TLS 1.3 tickets come after the handshake) for the next connection. */
static void keep_session(sender *s) {
    if (!s->ssl) return;
    if (!s->answered && SSL_session_reused(s->ssl)) s->resumed++;
    SSL_SESSION *sess = SSL_get1_session(s->ssl);
    if (!sess) return;
    if (!SSL_SESSION_is_resumable(sess)) {
        SSL_SESSION_free(sess);
        return;
    }
    SSL_SESSION_free(s->sess);
    s->sess = sess;
}

/* SigV4, as k6 signs a push: every header the request carries but User-Agent (and the
 * Content-Length evhttp adds), with X-Amz-Date and X-Amz-Content-Sha256, which are added. */
static int sign_request(prw *p, struct evkeyvalq *h, const batch *b) {
    prw_header hs[PRW_SIGV4_MAX_HEADERS];
    int n = 0;
    char len[24], date[20], sha[65], auth[1024];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y%m%dT%H%M%SZ", &tm);
    prw_sha256_hex(b->data, b->len, sha);
    snprintf(len, sizeof len, "%zu", b->len);
    if (b->len > 0) hs[n++] = (prw_header){"Content-Length", len};
    for (struct evkeyval *kv = h->tqh_first; kv && n < PRW_SIGV4_MAX_HEADERS - 2;
         kv = kv->next.tqe_next)
        if (strcasecmp(kv->key, "User-Agent") != 0) hs[n++] = (prw_header){kv->key, kv->value};
    if (n > PRW_SIGV4_MAX_HEADERS - 2) return -1;
    hs[n++] = (prw_header){"X-Amz-Date", date};
    hs[n++] = (prw_header){"X-Amz-Content-Sha256", sha};
    prw_sigv4_request r = {.method = "POST",
                           .path = p->sigv4_path,
                           .query = p->sigv4_query,
                           .headers = hs,
                           .nheaders = n,
                           .payload_sha256 = sha,
                           .amz_date = date,
                           .region = p->sigv4_region,
                           .service = "aps",
                           .access_key = p->sigv4_access,
                           .secret_key = p->sigv4_secret};
    if (prw_sigv4_authorization(&r, auth, sizeof auth) != 0) return -1;
    evhttp_add_header(h, "X-Amz-Date", date);
    evhttp_add_header(h, "X-Amz-Content-Sha256", sha);
    evhttp_add_header(h, "Authorization", auth);
    return 0;
}

/* One POST. Returns the HTTP status, 0 on a network error (message in err), -1 when aborted.
 * *stale: the error came on a reused connection before any answer (resend at once). */
static int post_once(prw *p, sender *s, const batch *b, char *err, size_t errlen, bool *stale) {
    *stale = false;
    /* let the connection notice a close by the server while it was idle (the TLS bufferevent
     * defers its callbacks to the next loop iteration, hence two) */
    if (s->conn) {
        event_base_loop(s->base, EVLOOP_NONBLOCK);
        event_base_loop(s->base, EVLOOP_NONBLOCK);
        if (s->closed) drop_conn(s);
    }
    if (!s->conn && open_conn(p, s, err, errlen) != 0) return 0;
    bool reused = s->answered;
    if (reused) evhttp_connection_set_timeout(s->conn, REQ_TIMEOUT_S); /* off while idle */
    req_ctx c = {.errkind = -1};
    struct evhttp_request *req = evhttp_request_new(on_done, &c);
    if (!req) {
        snprintf(err, errlen, "out of memory");
        return 0;
    }
    evhttp_request_set_error_cb(req, on_error);
    struct evkeyvalq *h = evhttp_request_get_output_headers(req);
    evhttp_add_header(h, "Host", p->hosthdr);
    evhttp_add_header(h, "User-Agent", "lt");
    evhttp_add_header(h, "Content-Encoding", "snappy");
    evhttp_add_header(h, "Content-Type", "application/x-protobuf");
    evhttp_add_header(h, "X-Prometheus-Remote-Write-Version", "0.1.0");
    for (int i = 0; i < p->nheaders; i++) evhttp_add_header(h, p->hkeys[i], p->hvals[i]);
    if (p->sigv4 && sign_request(p, h, b) != 0) {
        evhttp_request_free(req);
        snprintf(err, errlen, "cannot sign the request (SigV4): too many headers or too long");
        return 0;
    }
    evbuffer_add(evhttp_request_get_output_buffer(req), b->data, b->len);
    if (evhttp_make_request(s->conn, req, EVHTTP_REQ_POST, p->path) != 0) {
        /* the request is freed on failure */
        snprintf(err, errlen, "cannot send the request");
        drop_conn(s);
        return 0;
    }
    /* evhttp writes the headers and the body apart, and over TLS as records of their own: with
     * Nagle the body waited for the receiver's delayed ACK, 40 ms a push on Linux */
    evutil_socket_t fd = bufferevent_getfd(evhttp_connection_get_bufferevent(s->conn));
    if (fd >= 0) setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int));
    struct timeval tv = {0, 50000};
    event_add(s->tick, &tv);
    while (!c.done) {
        if (atomic_load(&p->abort)) {
            evhttp_cancel_request(req);
            event_del(s->tick);
            drop_conn(s);
            return -1;
        }
        event_base_loop(s->base, EVLOOP_ONCE);
    }
    event_del(s->tick);
    if (c.status == 0) {
        char tb[256];
        const char *why = p->tls ? tls_failure(s, tb, sizeof tb) : NULL;
        snprintf(err, errlen, "%s", why ? why : errkind_str(c.errkind));
        *stale = reused && c.errkind != EVREQ_HTTP_TIMEOUT;
        drop_conn(s);
        return 0;
    }
    if (c.status < 200 || c.status > 299) snprintf(err, errlen, "HTTP %d: %s", c.status, c.body);
    keep_session(s);
    s->answered = true;
    /* evhttp's timeouts stay on the idle connection and would close it after REQ_TIMEOUT_S
     * without a request: a push interval above that would reconnect every push */
    bufferevent_set_timeouts(evhttp_connection_get_bufferevent(s->conn), NULL, NULL);
    return c.status;
}

/* Waits up to ms, or until abort; when stop() begins meanwhile, at most 500 ms from then (the
 * final batch should not wait out a long backoff). Returns false on abort. Called with mu held. */
static bool backoff_wait(prw *p, int ms) {
    struct timespec dl = lt_wall_deadline(ms / 1000.0);
    bool was_stopping = p->stopping;
    while (!atomic_load(&p->abort)) {
        if (pthread_cond_timedwait(&p->cv, &p->mu, &dl) == ETIMEDOUT) break;
        if (p->stopping && !was_stopping) {
            was_stopping = true;
            struct timespec soon = lt_wall_deadline(0.5);
            if (soon.tv_sec < dl.tv_sec || (soon.tv_sec == dl.tv_sec && soon.tv_nsec < dl.tv_nsec))
                dl = soon;
        }
    }
    return !atomic_load(&p->abort);
}

void *prw_sender_main(void *arg) {
    prw *p = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL); /* a write to a closed socket returns EPIPE */
    sender s = {0};
    s.base = event_base_new();
    s.tick = s.base ? event_new(s.base, -1, EV_PERSIST, on_tick, NULL) : NULL;
    char err[256];
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (p->qlen == 0 && !p->stopping && !atomic_load(&p->abort))
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->qlen == 0 || atomic_load(&p->abort)) break;
        batch *b = p->q[p->qhead];
        p->qhead = (p->qhead + 1) % QCAP;
        p->qlen--;
        p->busy = true;
        int backoff = BACKOFF_FIRST_MS;
        bool delivered = false, aborted = false, stale = false;
        for (;;) {
            pthread_mutex_unlock(&p->mu);
            double t0 = lt_now();
            int st = s.tick ? post_once(p, &s, b, err, sizeof err, &stale) : 0;
            if (!s.tick) snprintf(err, sizeof err, "cannot create an event loop");
            double lat = lt_now() - t0;
            pthread_mutex_lock(&p->mu);
            p->connections = s.conns;
            p->resumed = s.resumed;
            if (st == 0 && stale) {
                p->stale_resends++; /* again at once, on a new connection (never reused) */
                continue;
            }
            if (st < 0) {
                aborted = true;
                break;
            }
            if (st >= 200 && st <= 299) {
                delivered = true;
                p->sent_batches++;
                p->sent_samples += b->nsamples;
                p->sent_bytes += b->len;
                p->sent_raw_bytes += b->raw_len;
                p->latency_sum += lat;
                if (lat > p->latency_max) p->latency_max = lat;
                break;
            }
            snprintf(p->last_error, sizeof p->last_error, "%s", err);
            if (st >= 400 && st <= 499 && st != 429) {
                p->rejected_batches++;
                p->rejected_samples += b->nsamples;
                if (!p->warned_reject) {
                    p->warned_reject = true;
                    fprintf(stderr,
                            WARN "%s rejected %zu samples (%s); further rejections are "
                                 "counted and reported at the end\n",
                            p->url, b->nsamples, err);
                }
                break;
            }
            if (!p->warned_net) {
                p->warned_net = true;
                fprintf(stderr,
                        WARN "cannot push to %s: %s; retrying with backoff (the load goes "
                             "on; undelivered data is reported at the end)\n",
                        p->url, err);
            }
            int wait = p->stopping && backoff > 500 ? 500 : backoff;
            if (!backoff_wait(p, wait)) {
                aborted = true;
                break;
            }
            backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
        }
        if (aborted) {
            p->lost_batches++;
            p->lost_samples += b->nsamples;
        }
        (void)delivered;
        prw_batch_free(b);
        p->busy = false;
        pthread_cond_broadcast(&p->idle);
        if (aborted) break;
    }
    /* whatever is still queued is not delivered */
    while (p->qlen > 0) {
        batch *b = p->q[p->qhead];
        p->qhead = (p->qhead + 1) % QCAP;
        p->qlen--;
        p->lost_batches++;
        p->lost_samples += b->nsamples;
        prw_batch_free(b);
    }
    pthread_cond_broadcast(&p->idle);
    pthread_mutex_unlock(&p->mu);
    drop_conn(&s);
    SSL_SESSION_free(s.sess);
    if (s.tick) event_free(s.tick);
    if (s.base) event_base_free(s.base);
    return NULL;
}
