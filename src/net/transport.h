/* transport.h — the byte pipe under an HTTP connection: plain TCP or TLS, behind one small
 * table of function pointers so the HTTP code never asks which.
 *
 * Promises: all calls are non-blocking. read/write return the byte count (> 0) or one of the
 * LT_IO_* codes; a TLS call may want the *other* direction (LT_IO_WANT_WRITE from read), and
 * the caller simply waits for that and calls again with the same arguments. Errors leave
 * errno's value in sys_errno (0 for TLS protocol errors). close() releases everything
 * except the socket descriptor's event registrations, which belong to the caller.
 */
#ifndef LT_NET_TRANSPORT_H
#define LT_NET_TRANSPORT_H
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

enum {
    LT_IO_WANT_READ = -1,
    LT_IO_WANT_WRITE = -2,
    LT_IO_EOF = -3,
    LT_IO_ERROR = -4,
};

typedef struct lt_transport lt_transport;
typedef struct {
    const char *name;
    ssize_t (*read)(lt_transport *t, char *buf, size_t len);
    ssize_t (*write)(lt_transport *t, const char *buf, size_t len);
    /* 0 when the transport is ready for application data, else an LT_IO_* code. */
    int (*handshake)(lt_transport *t);
    void (*close)(lt_transport *t);
} lt_transport_ops;

struct lt_transport {
    const lt_transport_ops *ops;
    int fd;
    int sys_errno;
    SSL *ssl;    /* TLS only */
    bool verify; /* TLS: the peer's certificate is being verified */
};

extern const lt_transport_ops lt_transport_tcp;
extern const lt_transport_ops lt_transport_tls;

/* Plain TCP over a connected (or connecting) socket. */
void lt_transport_init_tcp(lt_transport *t, int fd);
/* TLS client over fd: SNI (host names only), verification of `host` (name or IP literal) when
 * `verify`, and `session` offered for resumption when non-NULL. app_data is stored with
 * SSL_set_app_data. Returns 0, or -1 with a reason in err. */
int lt_transport_init_tls(lt_transport *t, int fd, SSL_CTX *ctx, const char *host, bool verify,
                          SSL_SESSION *session, void *app_data, char *err, size_t errlen);
/* After a failed TLS handshake: true when the certificate was rejected; the reason in buf. */
bool lt_transport_tls_failure(lt_transport *t, char *buf, size_t len);
#endif
