/* shard.c — see shard.h. HTTP handlers, symbol table, counters; the matching is book.c's. */
#include "mesim/shard.h"
#include "mesim/book.h"
#include "mesim/http.h"
#include "mesim/metrics_text.h"
#include "mesim/order.h"
#include "mesim/publisher.h"

#include <cjson/cJSON.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define INDEX_SLOTS (2 * ME_MAX_SYMBOLS)

typedef struct {
    char name[ME_SYMBOL_MAX + 1];
    me_book *book;
    uint64_t orders[2];
    uint64_t matches;
} me_sym;

typedef struct delayed {
    struct delayed *prev, *next;
    me_shard *s;
    struct event *ev;
    struct evhttp_request *req;
    struct evbuffer *body;
    int code;
} delayed;

/* Fields a rejection can name, for me_orders_rejected_total. */
static const char *const reject_fields[] = {"body", "order", "orderId", "symbol",
                                            "side", "type",  "price",   "quantity"};
#define NREJECT (sizeof reject_fields / sizeof *reject_fields)

struct me_shard {
    char id[16];
    struct event_base *base;
    struct evhttp *http;
    me_pub *pub;
    int any_symbol;
    me_sym *syms[ME_MAX_SYMBOLS]; /* in creation order */
    size_t nsyms;
    me_sym *index[INDEX_SLOTS]; /* open addressing by name */
    me_ids *ids;                /* resting order ids of every book: unique across the shard */
    int delay_ms;
    me_hist match_hist;
    uint64_t rejected[NREJECT];
    me_event *fills; /* fills of the order being matched */
    size_t nfills, capfills;
    const me_order_in *taker;
    delayed *pending;
};

/* ---- symbols ---- */

static size_t name_hash(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h & (INDEX_SLOTS - 1);
}

static me_sym **sym_slot(me_shard *s, const char *name) {
    size_t i = name_hash(name);
    while (s->index[i] && strcmp(s->index[i]->name, name)) i = (i + 1) & (INDEX_SLOTS - 1);
    return &s->index[i];
}

static me_sym *sym_add(me_shard *s, const char *name) {
    if (s->nsyms == ME_MAX_SYMBOLS) return NULL;
    me_sym *y = calloc(1, sizeof *y);
    if (!y || !(y->book = me_book_new_shared(s->ids))) {
        free(y);
        return NULL;
    }
    snprintf(y->name, sizeof y->name, "%s", name);
    *sym_slot(s, name) = y;
    s->syms[s->nsyms++] = y;
    return y;
}

/* The book for a (valid) symbol name, created when the shard owns any symbol. NULL with a reason
 * when the shard does not own it or cannot take more symbols. */
static me_sym *sym_get(me_shard *s, const char *name, char *reason, size_t rlen) {
    me_sym *y = *sym_slot(s, name);
    if (y) return y;
    if (!s->any_symbol) {
        snprintf(reason, rlen, "symbol %s is not owned by shard %s", name, s->id);
        return NULL;
    }
    if (!(y = sym_add(s, name)))
        snprintf(reason, rlen, "symbol %s: shard %s cannot hold more symbols", name, s->id);
    return y;
}

/* ---- matching ---- */

static void on_fill(void *ud, int64_t price, int64_t qty, const char *resting_id) {
    me_shard *s = ud;
    if (s->nfills == s->capfills) return; /* cannot happen: reserved in match() */
    me_event *e = &s->fills[s->nfills++];
    e->price = price;
    e->qty = qty;
    e->taker_side = s->taker->side;
    snprintf(e->symbol, sizeof e->symbol, "%s", s->taker->symbol);
    snprintf(e->taker, sizeof e->taker, "%s", s->taker->id);
    snprintf(e->maker, sizeof e->maker, "%s", resting_id);
}

/* Matches one validated order; fills land in s->fills. Returns the remaining quantity, or
 * ME_DUPLICATE_ID when its id is still resting, or -1 when out of memory (nothing changed). */
static int64_t match(me_shard *s, me_sym *y, const me_order_in *o) {
    uint64_t opp = me_book_orders(y->book, o->side == ME_BUY ? ME_SELL : ME_BUY);
    size_t need = (size_t)((uint64_t)o->qty < opp ? (uint64_t)o->qty : opp);
    if (need > s->capfills) {
        size_t cap = s->capfills * 2 > need ? s->capfills * 2 : need;
        me_event *f = realloc(s->fills, cap * sizeof *f);
        if (!f) return -1;
        s->fills = f;
        s->capfills = cap;
    }
    s->nfills = 0;
    s->taker = o;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int64_t rem = me_book_submit(y->book, o->id, o->side, o->price, o->qty, on_fill, s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rem < 0) return rem;
    me_hist_observe(&s->match_hist,
                    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9);
    y->orders[o->side]++;
    y->matches += s->nfills;
    if (s->nfills) me_pub_push(s->pub, s->fills, s->nfills);
    return rem;
}

/* ---- replies ---- */

static void delayed_fire(evutil_socket_t fd, short what, void *arg) {
    delayed *d = arg;
    me_http_send(d->req, d->code, d->body);
    if (d->prev)
        d->prev->next = d->next;
    else
        d->s->pending = d->next;
    if (d->next) d->next->prev = d->prev;
    event_free(d->ev);
    evbuffer_free(d->body);
    free(d);
}

/* Sends an /orders reply now or after the service delay; takes ownership of body. */
static void order_reply(me_shard *s, struct evhttp_request *req, int code, struct evbuffer *body) {
    delayed *d;
    if (s->delay_ms > 0 && (d = calloc(1, sizeof *d))) {
        d->s = s;
        d->req = req;
        d->body = body;
        d->code = code;
        if ((d->ev = evtimer_new(s->base, delayed_fire, d))) {
            struct timeval tv = {s->delay_ms / 1000, (s->delay_ms % 1000) * 1000};
            d->next = s->pending;
            if (d->next) d->next->prev = d;
            s->pending = d;
            evtimer_add(d->ev, &tv);
            return;
        }
        free(d);
    }
    me_http_send(req, code, body);
    evbuffer_free(body);
}

static struct evbuffer *reject_body(const char *field, const char *reason) {
    struct evbuffer *b = evbuffer_new();
    char r[512], f[160];
    me_json_quote(r, sizeof r, reason);
    me_json_quote(f, sizeof f, field);
    if (b) evbuffer_add_printf(b, "{\"status\":\"REJECTED\",\"reason\":%s,\"field\":%s}\n", r, f);
    return b;
}

static void order_reject(me_shard *s, struct evhttp_request *req, int code, const char *field,
                         const char *reason) {
    for (size_t i = 0; i < NREJECT; i++)
        if (!strcmp(reject_fields[i], field)) s->rejected[i]++;
    struct evbuffer *b = reject_body(field, reason);
    if (b)
        order_reply(s, req, code, b);
    else
        evhttp_send_error(req, 500, NULL);
}

static int is_post(struct evhttp_request *req) {
    if (evhttp_request_get_command(req) == EVHTTP_REQ_POST) return 1;
    me_http_reject(req, 405, "method", "use POST");
    return 0;
}

/* ---- handlers ---- */

static void handle_orders(me_shard *s, struct evhttp_request *req) {
    if (!is_post(req)) return;
    size_t len = 0;
    int too_large = 0;
    char *body = me_http_body(req, ME_ORDER_BODY, &len, &too_large);
    if (!body) {
        if (too_large)
            order_reject(s, req, 413, "body", "body larger than 65536 bytes");
        else
            order_reject(s, req, 503, "body", "out of memory");
        return;
    }
    me_reject rej;
    if (me_json_text_check(body, len, &rej) != 0) {
        free(body);
        order_reject(s, req, 400, rej.field, rej.reason);
        return;
    }
    cJSON *root = cJSON_ParseWithLength(body, len);
    free(body);
    if (!root) {
        order_reject(s, req, 400, "body", "body is malformed JSON");
        return;
    }
    me_order_in o;
    char reason[160];
    me_sym *y;
    if (me_order_parse(root, "", &o, &rej) != 0) {
        order_reject(s, req, 400, rej.field, rej.reason);
    } else if (!(y = sym_get(s, o.symbol, reason, sizeof reason))) {
        order_reject(s, req, 400, "symbol", reason);
    } else {
        int64_t rem = match(s, y, &o);
        struct evbuffer *b = rem < 0 ? NULL : evbuffer_new();
        if (rem == ME_DUPLICATE_ID) {
            order_reject(s, req, 409, "orderId",
                         "orderId is the id of an order still resting on this shard");
        } else if (!b) {
            order_reject(s, req, 503, "order", "out of memory");
        } else {
            char q[ME_ID_MAX * 6 + 3];
            me_json_quote(q, sizeof q, o.id);
            evbuffer_add_printf(b, "{\"status\":\"ACCEPTED\",\"orderId\":%s,\"fills\":[", q);
            for (size_t i = 0; i < s->nfills; i++) {
                me_json_quote(q, sizeof q, s->fills[i].maker);
                evbuffer_add_printf(
                    b, "%s{\"price\":%" PRId64 ",\"quantity\":%" PRId64 ",\"restingOrderId\":%s}",
                    i ? "," : "", s->fills[i].price, s->fills[i].qty, q);
            }
            evbuffer_add_printf(b, "],\"remaining\":%" PRId64 "}\n", rem);
            order_reply(s, req, 200, b);
        }
    }
    cJSON_Delete(root);
}

static void handle_seed(me_shard *s, struct evhttp_request *req) {
    if (!is_post(req)) return;
    size_t len = 0;
    int too_large = 0;
    char *body = me_http_body(req, ME_MAX_BODY, &len, &too_large);
    if (!body) {
        me_http_reject(req, too_large ? 413 : 503, "body",
                       too_large ? "body too large" : "out of memory");
        return;
    }
    me_reject rej;
    if (me_json_text_check(body, len, &rej) != 0) {
        free(body);
        me_http_reject(req, 400, rej.field, rej.reason);
        return;
    }
    cJSON *root = cJSON_ParseWithLength(body, len);
    free(body);
    const cJSON *arr = root ? cJSON_GetObjectItemCaseSensitive(root, "orders") : NULL;
    if (!root) {
        me_http_reject(req, 400, "body", "body is malformed JSON");
    } else if (!cJSON_IsArray(arr)) {
        me_http_reject(req, 400, "orders", "orders must be an array of orders");
    } else {
        int n = cJSON_GetArraySize(arr), i = 0;
        me_order_in *os = malloc(((size_t)n + 1) * sizeof *os);
        me_sym **ys = malloc(((size_t)n + 1) * sizeof *ys);
        int ok = os && ys;
        if (!ok) me_http_reject(req, 503, "orders", "out of memory");
        const cJSON *it;
        char prefix[32], reason[160];
        cJSON_ArrayForEach(it, arr) {
            if (!ok) break;
            snprintf(prefix, sizeof prefix, "orders[%d].", i);
            if (me_order_parse(it, prefix, &os[i], &rej) != 0) {
                me_http_reject(req, 400, rej.field, rej.reason);
                ok = 0;
            } else if (!(ys[i] = sym_get(s, os[i].symbol, reason, sizeof reason))) {
                char f[64], r[224];
                snprintf(f, sizeof f, "%ssymbol", prefix);
                snprintf(r, sizeof r, "%s%s", prefix, reason);
                me_http_reject(req, 400, f, r);
                ok = 0;
            }
            i++;
        }
        /* An order whose id is still resting (from an earlier seed, or earlier in this one) is
         * skipped and counted: seeds repeat their ids from test to test. */
        int seeded = 0, duplicates = 0;
        for (i = 0; ok && i < n; i++) {
            int64_t rem = match(s, ys[i], &os[i]);
            if (rem == ME_DUPLICATE_ID) {
                duplicates++;
                continue;
            }
            if (rem < 0) break;
            seeded++;
        }
        if (ok && seeded + duplicates < n)
            me_http_reply(req, 503,
                          "{\"status\":\"REJECTED\",\"reason\":\"out of memory\","
                          "\"seeded\":%d,\"duplicates\":%d}\n",
                          seeded, duplicates);
        else if (ok)
            me_http_reply(req, 200, "{\"seeded\":%d,\"duplicates\":%d}\n", seeded, duplicates);
        free(os);
        free(ys);
    }
    cJSON_Delete(root);
}

static void handle_reset(me_shard *s, struct evhttp_request *req) {
    if (!is_post(req)) return;
    for (size_t i = 0; i < s->nsyms; i++) me_book_clear(s->syms[i]->book);
    me_http_reply(req, 200, "{\"status\":\"RESET\",\"shard\":\"%s\"}\n", s->id);
}

static void handle_delay(me_shard *s, struct evhttp_request *req) {
    if (!is_post(req)) return;
    size_t len = 0;
    int too_large = 0;
    char *body = me_http_body(req, ME_ORDER_BODY, &len, &too_large);
    cJSON *root = body ? cJSON_ParseWithLength(body, len) : NULL;
    free(body);
    const cJSON *ms = root ? cJSON_GetObjectItemCaseSensitive(root, "ms") : NULL;
    if (!root) {
        me_http_reject(req, too_large ? 413 : 400, "body", "body is malformed JSON");
    } else if (!cJSON_IsNumber(ms) || ms->valuedouble < 0 || ms->valuedouble > 60000 ||
               ms->valuedouble != (double)(int)ms->valuedouble) {
        me_http_reject(req, 400, "ms", "ms must be an integer from 0 to 60000");
    } else {
        s->delay_ms = (int)ms->valuedouble;
        me_http_reply(req, 200, "{\"delayMs\":%d}\n", s->delay_ms);
    }
    cJSON_Delete(root);
}

static void handle_broker(me_shard *s, struct evhttp_request *req, int paused) {
    if (!is_post(req)) return;
    me_pub_set_paused(s->pub, paused);
    me_http_reply(req, 200, "{\"brokerPaused\":%s}\n", paused ? "true" : "false");
}

static void handle_metrics(me_shard *s, struct evhttp_request *req) {
    struct evbuffer *b = evbuffer_new();
    if (!b) {
        evhttp_send_error(req, 500, NULL);
        return;
    }
    static const char *const sides[2] = {"BUY", "SELL"};
    const char *id = s->id;
    me_prom_family(b, "me_orders_total", "counter",
                   "Orders accepted into matching (POST /orders and /seed).");
    for (size_t i = 0; i < s->nsyms; i++)
        for (int d = 0; d < 2; d++)
            evbuffer_add_printf(b, "me_orders_total{shard=\"%s\",symbol=\"%s\",side=\"%s\"} %llu\n",
                                id, s->syms[i]->name, sides[d],
                                (unsigned long long)s->syms[i]->orders[d]);
    me_prom_family(b, "me_orders_rejected_total", "counter",
                   "POST /orders requests refused, by the field at fault.");
    for (size_t i = 0; i < NREJECT; i++)
        evbuffer_add_printf(b, "me_orders_rejected_total{shard=\"%s\",field=\"%s\"} %llu\n", id,
                            reject_fields[i], (unsigned long long)s->rejected[i]);
    me_prom_family(b, "me_matches_total", "counter", "Fills (one per resting order touched).");
    for (size_t i = 0; i < s->nsyms; i++)
        evbuffer_add_printf(b, "me_matches_total{shard=\"%s\",symbol=\"%s\"} %llu\n", id,
                            s->syms[i]->name, (unsigned long long)s->syms[i]->matches);
    me_prom_family(b, "me_orderbook_depth", "gauge", "Resting orders in the book.");
    for (size_t i = 0; i < s->nsyms; i++)
        for (int d = 0; d < 2; d++)
            evbuffer_add_printf(b,
                                "me_orderbook_depth{shard=\"%s\",symbol=\"%s\",side=\"%s\"} %llu\n",
                                id, s->syms[i]->name, sides[d],
                                (unsigned long long)me_book_orders(s->syms[i]->book, (me_side)d));
    me_prom_family(b, "me_orderbook_levels", "gauge", "Price levels in the book.");
    for (size_t i = 0; i < s->nsyms; i++)
        for (int d = 0; d < 2; d++)
            evbuffer_add_printf(
                b, "me_orderbook_levels{shard=\"%s\",symbol=\"%s\",side=\"%s\"} %zu\n", id,
                s->syms[i]->name, sides[d], me_book_levels(s->syms[i]->book, (me_side)d));
    me_prom_family(b, "me_match_duration_seconds", "histogram",
                   "Time spent matching one order in the book.");
    char labels[64];
    snprintf(labels, sizeof labels, "shard=\"%s\"", id);
    me_hist_write(b, "me_match_duration_seconds", labels, &s->match_hist);
    me_pub_stats st;
    me_pub_get_stats(s->pub, &st);
    me_prom_family(b, "me_events_published_total", "counter", "Fill events handed to the sink.");
    evbuffer_add_printf(b, "me_events_published_total{shard=\"%s\"} %llu\n", id,
                        (unsigned long long)st.published);
    me_prom_family(b, "me_events_pending", "gauge", "Fill events queued, not yet published.");
    evbuffer_add_printf(b, "me_events_pending{shard=\"%s\"} %llu\n", id,
                        (unsigned long long)st.pending);
    me_prom_family(b, "me_events_dropped_total", "counter",
                   "Fill events dropped because the queue was full.");
    evbuffer_add_printf(b, "me_events_dropped_total{shard=\"%s\"} %llu\n", id,
                        (unsigned long long)st.dropped);
    me_prom_family(b, "me_events_queue_capacity", "gauge", "Bound of the event queue.");
    evbuffer_add_printf(b, "me_events_queue_capacity{shard=\"%s\"} %llu\n", id,
                        (unsigned long long)st.capacity);
    me_prom_family(b, "me_broker_paused", "gauge", "1 while the broker is paused.");
    evbuffer_add_printf(b, "me_broker_paused{shard=\"%s\"} %d\n", id, st.paused);
    me_prom_family(b, "me_service_delay_seconds", "gauge", "Delay added to /orders replies.");
    evbuffer_add_printf(b, "me_service_delay_seconds{shard=\"%s\"} %.3f\n", id,
                        s->delay_ms / 1000.0);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4");
    evhttp_send_reply(req, 200, "OK", b);
    evbuffer_free(b);
}

static void dispatch(struct evhttp_request *req, void *arg) {
    me_shard *s = arg;
    const char *p = me_http_path(req);
    if (!strcmp(p, "/orders"))
        handle_orders(s, req);
    else if (!strcmp(p, "/metrics"))
        handle_metrics(s, req);
    else if (!strcmp(p, "/health"))
        me_http_reply(req, 200, "{\"status\":\"UP\",\"shard\":\"%s\"}\n", s->id);
    else if (!strcmp(p, "/seed"))
        handle_seed(s, req);
    else if (!strcmp(p, "/admin/reset"))
        handle_reset(s, req);
    else if (!strcmp(p, "/admin/delay"))
        handle_delay(s, req);
    else if (!strcmp(p, "/admin/broker/pause"))
        handle_broker(s, req, 1);
    else if (!strcmp(p, "/admin/broker/resume"))
        handle_broker(s, req, 0);
    else
        me_http_reject(req, 404, "path", "no such endpoint");
}

/* ---- lifecycle ---- */

me_shard *me_shard_new(struct event_base *base, const me_shard_cfg *cfg, char *err, size_t errlen) {
    me_shard *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (!me_symbol_valid(cfg->id) || strlen(cfg->id) >= sizeof s->id) {
        snprintf(err, errlen, "invalid shard id '%s' (1-15 characters [A-Za-z0-9._-])", cfg->id);
        free(s);
        return NULL;
    }
    snprintf(s->id, sizeof s->id, "%s", cfg->id);
    s->base = base;
    s->delay_ms = cfg->delay_ms;
    s->any_symbol = cfg->nsymbols == 0;
    if (!(s->ids = me_ids_new())) {
        snprintf(err, errlen, "out of memory");
        free(s);
        return NULL;
    }
    for (size_t i = 0; i < cfg->nsymbols; i++) {
        if (!me_symbol_valid(cfg->symbols[i])) {
            snprintf(err, errlen, "invalid symbol '%s'", cfg->symbols[i]);
            goto fail;
        }
        if (*sym_slot(s, cfg->symbols[i])) continue;
        if (!sym_add(s, cfg->symbols[i])) {
            snprintf(err, errlen, "too many symbols (at most %d)", ME_MAX_SYMBOLS);
            goto fail;
        }
    }
    if (!(s->pub = me_pub_new(s->id, cfg->events_capacity ? cfg->events_capacity : 100000,
                              cfg->events_file, err, errlen)))
        goto fail;
    if (!(s->http = me_http_listen(base, cfg->host, cfg->port, err, errlen))) goto fail;
    evhttp_set_gencb(s->http, dispatch, s);
    return s;
fail:
    me_shard_free(s);
    return NULL;
}

void me_shard_free(me_shard *s) {
    if (!s) return;
    for (delayed *d = s->pending, *nx; d; d = nx) {
        nx = d->next;
        event_free(d->ev);
        evbuffer_free(d->body);
        free(d);
    }
    if (s->http) evhttp_free(s->http);
    me_pub_free(s->pub);
    for (size_t i = 0; i < s->nsyms; i++) {
        me_book_free(s->syms[i]->book);
        free(s->syms[i]);
    }
    me_ids_free(s->ids);
    free(s->fills);
    free(s);
}
