/* prom_rw_sigv4.c — AWS Signature Version 4 for the prometheus-rw output
 * (K6_PROMETHEUS_RW_SIGV4_REGION, _ACCESS_KEY, _SECRET_KEY), as k6's output signs a push for
 * Amazon Managed Service for Prometheus (service "aps"): the canonical request (method, the path
 * with every byte but A-Z a-z 0-9 - . _ ~ / percent-encoded, the query sorted and encoded, the
 * headers lowercased and sorted with their values trimmed and inner runs of blanks made one
 * space, the signed header names, the payload's SHA-256), the string to sign over its SHA-256
 * and the credential scope DATE/REGION/SERVICE/aws4_request, and the HMAC-SHA256 chain of the
 * signing key ("AWS4" SECRET -> date -> region -> service -> "aws4_request"). OpenSSL does the
 * hashing. tests/unit/test_output_prom_rw.c checks it against AWS's published examples.
 */
#include "output/prom_rw_internal.h"
#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void hex(const unsigned char *in, size_t n, char *out) {
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void prw_sha256_hex(const void *data, size_t len, char out[65]) {
    unsigned char md[SHA256_DIGEST_LENGTH];
    SHA256(data, len, md);
    hex(md, sizeof md, out);
}

static void hmac(const unsigned char *key, size_t klen, const char *msg, unsigned char out[32]) {
    unsigned int n = 32;
    HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)msg, strlen(msg), out, &n);
}

/* A growing string; on allocation failure it stays empty and ok false. */
typedef struct {
    char *s;
    size_t len, cap;
    bool ok;
} sbuf;

static void sb_put(sbuf *b, const char *s, size_t n) {
    if (!b->ok) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 512;
        while (cap < b->len + n + 1) cap *= 2;
        char *t = realloc(b->s, cap);
        if (!t) {
            b->ok = false;
            return;
        }
        b->s = t;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}
static void sb_puts(sbuf *b, const char *s) {
    sb_put(b, s, strlen(s));
}

static bool unreserved(unsigned char c) {
    return isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

/* s[0..n) percent-encoded, AWS style; '/' kept when keep_slash. */
static void sb_escape(sbuf *b, const char *s, size_t n, bool keep_slash) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c) || (keep_slash && c == '/')) {
            sb_put(b, (const char *)&c, 1);
        } else {
            char e[4];
            snprintf(e, sizeof e, "%%%02X", c);
            sb_put(b, e, 3);
        }
    }
}

static int hexval(char c) {
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* A query component decoded as Go's url.ParseQuery decodes it ('+' is a space). */
static char *unescape(const char *s, size_t n) {
    char *o = malloc(n + 1);
    if (!o) return NULL;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            o[j++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            o[j++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            o[j++] = s[i];
        }
    }
    o[j] = '\0';
    return o;
}

typedef struct {
    char *k, *v;
} kv;

static int kv_cmp(const void *a, const void *b) {
    const kv *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : strcmp(x->v, y->v);
}

int prw_sigv4_canonical_query(const char *query, char *out, size_t outlen) {
    size_t n = 0, cap = 8;
    kv *items = malloc(cap * sizeof *items);
    int rc = -1;
    if (!items) return -1;
    for (const char *p = query ? query : ""; *p;) {
        const char *end = strchr(p, '&');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        if (l) {
            const char *eq = memchr(p, '=', l);
            size_t kl = eq ? (size_t)(eq - p) : l;
            if (n == cap) {
                kv *t = realloc(items, (cap *= 2) * sizeof *items);
                if (!t) goto done;
                items = t;
            }
            items[n].k = unescape(p, kl);
            items[n].v = eq ? unescape(eq + 1, l - kl - 1) : strdup("");
            n++;
            if (!items[n - 1].k || !items[n - 1].v) goto done;
        }
        p = end ? end + 1 : p + l;
    }
    qsort(items, n, sizeof *items, kv_cmp);
    sbuf b = {.ok = true};
    sb_puts(&b, "");
    for (size_t i = 0; i < n; i++) {
        if (i) sb_puts(&b, "&");
        sb_escape(&b, items[i].k, strlen(items[i].k), false);
        sb_puts(&b, "=");
        sb_escape(&b, items[i].v, strlen(items[i].v), false);
    }
    if (b.ok && b.len < outlen) {
        memcpy(out, b.s, b.len + 1);
        rc = 0;
    }
    free(b.s);
done:
    for (size_t i = 0; i < n; i++) free(items[i].k), free(items[i].v);
    free(items);
    return rc;
}

/* A header value as AWS signs it: trimmed, each inner run of blanks one space. */
static void sb_header_value(sbuf *b, const char *v) {
    while (*v == ' ' || *v == '\t') v++;
    bool blank = false;
    for (; *v; v++) {
        if (*v == ' ' || *v == '\t') {
            blank = true;
            continue;
        }
        if (blank) sb_puts(b, " ");
        blank = false;
        sb_put(b, v, 1);
    }
}

typedef struct {
    char name[128];
    int idx; /* first occurrence in the caller's list */
} hname;

static int hname_cmp(const void *a, const void *b) {
    return strcmp(((const hname *)a)->name, ((const hname *)b)->name);
}

int prw_sigv4_authorization(const prw_sigv4_request *r, char *out, size_t outlen) {
    if (r->nheaders > PRW_SIGV4_MAX_HEADERS) return -1;
    hname names[PRW_SIGV4_MAX_HEADERS];
    int nn = 0;
    for (int i = 0; i < r->nheaders; i++) { /* lowercase, one entry per name */
        char low[128];
        size_t l = strlen(r->headers[i].name);
        if (l >= sizeof low) return -1;
        for (size_t j = 0; j <= l; j++)
            low[j] = (char)tolower((unsigned char)r->headers[i].name[j]);
        bool dup = false;
        for (int j = 0; j < nn && !dup; j++) dup = strcmp(names[j].name, low) == 0;
        if (dup) continue;
        memcpy(names[nn].name, low, l + 1);
        names[nn++].idx = i;
    }
    qsort(names, (size_t)nn, sizeof names[0], hname_cmp);

    sbuf signed_h = {.ok = true}, canon = {.ok = true};
    sb_puts(&signed_h, "");
    for (int i = 0; i < nn; i++) {
        if (i) sb_puts(&signed_h, ";");
        sb_puts(&signed_h, names[i].name);
    }
    sb_puts(&canon, r->method);
    sb_puts(&canon, "\n");
    const char *path = r->path && *r->path ? r->path : "/";
    sb_escape(&canon, path, strlen(path), true);
    sb_puts(&canon, "\n");
    char query[2048];
    if (prw_sigv4_canonical_query(r->query, query, sizeof query) != 0) canon.ok = false;
    sb_puts(&canon, query);
    sb_puts(&canon, "\n");
    for (int i = 0; i < nn; i++) {
        sb_puts(&canon, names[i].name);
        sb_puts(&canon, ":");
        bool first = true; /* every value of the name, in the order given, comma-separated */
        for (int j = names[i].idx; j < r->nheaders; j++) {
            if (strcasecmp(r->headers[j].name, names[i].name) != 0) continue;
            if (!first) sb_puts(&canon, ",");
            first = false;
            sb_header_value(&canon, r->headers[j].value);
        }
        sb_puts(&canon, "\n");
    }
    sb_puts(&canon, "\n");
    sb_puts(&canon, signed_h.s ? signed_h.s : "");
    sb_puts(&canon, "\n");
    sb_puts(&canon, r->payload_sha256);

    int rc = -1;
    if (!canon.ok || !signed_h.ok || strlen(r->amz_date) != 16) goto done;
    char date[9], scope[256], canon_hash[65], sts[512];
    memcpy(date, r->amz_date, 8);
    date[8] = '\0';
    snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", date, r->region, r->service);
    prw_sha256_hex(canon.s, canon.len, canon_hash);
    snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", r->amz_date, scope, canon_hash);

    size_t sl = strlen(r->secret_key) + 5;
    unsigned char *k0 = malloc(sl), k[32];
    if (!k0) goto done;
    snprintf((char *)k0, sl, "AWS4%s", r->secret_key);
    hmac(k0, sl - 1, date, k);
    OPENSSL_cleanse(k0, sl);
    free(k0);
    hmac(k, 32, r->region, k);
    hmac(k, 32, r->service, k);
    hmac(k, 32, "aws4_request", k);
    unsigned char sig[32];
    hmac(k, 32, sts, sig);
    OPENSSL_cleanse(k, sizeof k);
    char sighex[65];
    hex(sig, sizeof sig, sighex);
    int n =
        snprintf(out, outlen, "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s",
                 r->access_key, scope, signed_h.s, sighex);
    rc = n > 0 && (size_t)n < outlen ? 0 : -1;
done:
    free(canon.s);
    free(signed_h.s);
    return rc;
}
