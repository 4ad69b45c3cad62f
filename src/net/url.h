/* url.h — parses the absolute http:// and https:// URLs lt requests.
 *
 * Promises: lt_url_parse() accepts "scheme://[userinfo@]host[:port][/path][?query][#fragment]"
 * with scheme http or https (any case), a host name, IPv4 literal or bracketed IPv6 literal, and
 * an optional port 1..65535. It never allocates: the host is copied into the struct, the target
 * (path and query, fragment dropped) and userinfo point into the caller's string. It rejects
 * control characters and spaces anywhere, since they would corrupt the request line.
 */
#ifndef LT_NET_URL_H
#define LT_NET_URL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LT_URL_HOST_MAX 256

typedef struct {
    bool tls;          /* https */
    bool default_port; /* port came from the scheme, so Host omits it */
    bool ipv6_literal; /* host was written in [brackets] */
    uint16_t port;
    char host[LT_URL_HOST_MAX]; /* without brackets, NUL-terminated */
    const char *target;         /* "/path?query" in the caller's string; may be "" or "?q" */
    size_t target_len;
    const char *userinfo; /* "user:pass" in the caller's string, or NULL */
    size_t userinfo_len;
} lt_url;

/* Returns 0, or -1 with a short reason in *why (a static string). */
int lt_url_parse(const char *url, lt_url *out, const char **why);

/* True when the target has no path ("" or "?q"), so the request line needs a leading "/". */
static inline bool lt_url_target_needs_slash(const lt_url *u) {
    return u->target_len == 0 || u->target[0] == '?';
}
#endif
