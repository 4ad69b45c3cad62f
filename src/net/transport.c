/* transport.c — see transport.h. */
#include "net/transport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- plain TCP ---- */

static ssize_t tcp_read(lt_transport *t, char *buf, size_t len) {
    ssize_t n = recv(t->fd, buf, len, 0);
    if (n > 0) return n;
    if (n == 0) return LT_IO_EOF;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return LT_IO_WANT_READ;
    t->sys_errno = errno;
    return LT_IO_ERROR;
}

static ssize_t tcp_write(lt_transport *t, const char *buf, size_t len) {
    /* MSG_NOSIGNAL: a peer that closed must give EPIPE, not kill the process. */
    ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
    if (n >= 0) return n > 0 ? n : LT_IO_WANT_WRITE;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return LT_IO_WANT_WRITE;
    t->sys_errno = errno;
    return LT_IO_ERROR;
}

static int tcp_handshake(lt_transport *t) {
    return 0;
}

static void tcp_close(lt_transport *t) {
    if (t->fd >= 0) close(t->fd);
    t->fd = -1;
}

const lt_transport_ops lt_transport_tcp = {"tcp", tcp_read, tcp_write, tcp_handshake, tcp_close};

void lt_transport_init_tcp(lt_transport *t, int fd) {
    memset(t, 0, sizeof *t);
    t->ops = &lt_transport_tcp;
    t->fd = fd;
}

/* ---- TLS ---- */

/* Maps an SSL_get_error result to an LT_IO_* code. */
static int tls_result(lt_transport *t, int rc) {
    int e = SSL_get_error(t->ssl, rc);
    switch (e) {
    case SSL_ERROR_WANT_READ:
        return LT_IO_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return LT_IO_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return LT_IO_EOF;
    case SSL_ERROR_SYSCALL:
        t->sys_errno = errno;
        if (ERR_peek_error() == 0 && errno == 0) return LT_IO_EOF;
        return LT_IO_ERROR;
    default:
        t->sys_errno = 0;
        return LT_IO_ERROR;
    }
}

static ssize_t tls_read(lt_transport *t, char *buf, size_t len) {
    ERR_clear_error();
    errno = 0; /* before the call: SSL_ERROR_SYSCALL reports through errno */
    int n = SSL_read(t->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
    if (n > 0) return n;
    return tls_result(t, n);
}

static ssize_t tls_write(lt_transport *t, const char *buf, size_t len) {
    ERR_clear_error();
    errno = 0; /* before the call: SSL_ERROR_SYSCALL reports through errno */
    int n = SSL_write(t->ssl, buf, len > INT32_MAX ? INT32_MAX : (int)len);
    if (n > 0) return n;
    return tls_result(t, n);
}

static int tls_handshake(lt_transport *t) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_do_handshake(t->ssl);
    return rc == 1 ? 0 : tls_result(t, rc);
}

static void tls_close(lt_transport *t) {
    if (t->ssl) {
        /* A quiet shutdown sends nothing but marks the session cleanly closed, so OpenSSL keeps
         * it resumable; close_notify would cost a write per connection for no benefit here. */
        SSL_set_quiet_shutdown(t->ssl, 1);
        SSL_shutdown(t->ssl);
        SSL_free(t->ssl);
        t->ssl = NULL;
    }
    ERR_clear_error();
    tcp_close(t);
}

const lt_transport_ops lt_transport_tls = {"tls", tls_read, tls_write, tls_handshake, tls_close};

static bool is_ip_literal(const char *host) {
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1;
}

int lt_transport_init_tls(lt_transport *t, int fd, SSL_CTX *ctx, const char *host, bool verify,
                          SSL_SESSION *session, void *app_data, char *err, size_t errlen) {
    memset(t, 0, sizeof *t);
    t->ops = &lt_transport_tls;
    t->fd = fd;
    t->ssl = SSL_new(ctx);
    if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1) goto fail;
    bool ip = is_ip_literal(host);
    /* RFC 6066: SNI carries host names only, never IP literals. */
    if (!ip && SSL_set_tlsext_host_name(t->ssl, host) != 1) goto fail;
    t->verify = verify;
    if (verify) {
        int ok = ip ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host)
                    : SSL_set1_host(t->ssl, host);
        if (ok != 1) goto fail;
    }
    if (session) SSL_set_session(t->ssl, session);
    SSL_set_app_data(t->ssl, app_data);
    SSL_set_connect_state(t->ssl);
    return 0;
fail:
    snprintf(err, errlen, "tls setup: %s", ERR_reason_error_string(ERR_get_error()));
    ERR_clear_error();
    if (t->ssl) SSL_free(t->ssl);
    t->ssl = NULL;
    return -1;
}

bool lt_transport_tls_failure(lt_transport *t, char *buf, size_t len) {
    /* Without verification OpenSSL still records a verify result; it did not cause the failure. */
    long vr = t->ssl && t->verify ? SSL_get_verify_result(t->ssl) : X509_V_OK;
    unsigned long e = ERR_peek_last_error();
    bool verify_failed = vr != X509_V_OK || (ERR_GET_LIB(e) == ERR_LIB_SSL &&
                                             ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED);
    if (vr != X509_V_OK) {
        snprintf(buf, len, "tls: certificate verify failed: %s", X509_verify_cert_error_string(vr));
    } else if (e) {
        char reason[200];
        ERR_error_string_n(e, reason, sizeof reason);
        snprintf(buf, len, "tls: %s", reason);
    } else if (t->sys_errno) {
        snprintf(buf, len, "tls: %s", strerror(t->sys_errno));
    } else {
        snprintf(buf, len, "tls: connection closed during handshake");
    }
    ERR_clear_error();
    return verify_failed;
}
