/* url.c — see url.h. A hand-written parser: the URL grammar lt needs is small, and
 * http_parser_parse_url rejects some forms (userinfo without port) we want to accept. */
#include "net/url.h"

#include <string.h>
#include <strings.h>

static bool is_forbidden_char(unsigned char c) {
    return c <= 0x20 || c == 0x7f;
}

static bool has_forbidden_chars(const char *s) {
    for (; *s; s++)
        if (is_forbidden_char((unsigned char)*s)) return true;
    return false;
}

/* Parses "http" / "https" followed by "://"; returns the rest, or NULL. */
static const char *parse_scheme(const char *s, lt_url *u) {
    if (strncasecmp(s, "http://", 7) == 0) {
        u->tls = false;
        u->port = 80;
        return s + 7;
    }
    if (strncasecmp(s, "https://", 8) == 0) {
        u->tls = true;
        u->port = 443;
        return s + 8;
    }
    return NULL;
}

static int parse_port(const char *s, size_t n, uint16_t *port) {
    if (n == 0 || n > 5) return -1;
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (v == 0 || v > 65535) return -1;
    *port = (uint16_t)v;
    return 0;
}

/* Splits "host[:port]" (authority without userinfo) into u->host and u->port. */
static int parse_host_port(const char *s, size_t n, lt_url *u, const char **why) {
    const char *host = s, *port = NULL;
    size_t host_len;
    if (n > 0 && s[0] == '[') {
        const char *close = memchr(s, ']', n);
        if (!close) return *why = "unterminated IPv6 literal", -1;
        host = s + 1;
        host_len = (size_t)(close - host);
        size_t rest = n - (size_t)(close + 1 - s);
        if (rest > 0) {
            if (close[1] != ':') return *why = "garbage after IPv6 literal", -1;
            port = close + 2;
        }
        u->ipv6_literal = true;
    } else {
        const char *colon = memchr(s, ':', n);
        host_len = colon ? (size_t)(colon - s) : n;
        if (colon) port = colon + 1;
    }
    if (host_len == 0) return *why = "empty host", -1;
    if (host_len >= LT_URL_HOST_MAX) return *why = "host too long", -1;
    memcpy(u->host, host, host_len);
    u->host[host_len] = '\0';
    if (port) {
        uint16_t scheme_port = u->port;
        if (parse_port(port, (size_t)(s + n - port), &u->port) < 0)
            return *why = "invalid port", -1;
        u->default_port = u->port == scheme_port;
    }
    return 0;
}

int lt_url_parse(const char *url, lt_url *u, const char **why) {
    const char *dummy;
    if (!why) why = &dummy;
    memset(u, 0, sizeof *u);
    u->default_port = true;
    if (!url) return *why = "no url", -1;
    if (has_forbidden_chars(url)) return *why = "space or control character in url", -1;
    const char *s = parse_scheme(url, u);
    if (!s) return *why = "scheme must be http or https", -1;

    size_t authority_len = strcspn(s, "/?#");
    const char *at = memchr(s, '@', authority_len);
    if (at) {
        u->userinfo = s;
        u->userinfo_len = (size_t)(at - s);
        authority_len -= (size_t)(at + 1 - s);
        s = at + 1;
    }
    if (parse_host_port(s, authority_len, u, why) < 0) return -1;

    /* The target keeps the query and drops the fragment. "http://h" and "http://h?q" have no
     * path: the request writer prepends "/" (see lt_url_target_needs_slash). */
    u->target = s + authority_len;
    u->target_len = strcspn(u->target, "#");
    return 0;
}
