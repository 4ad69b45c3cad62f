/* book.c — see book.h. Each side is a binary heap of price levels (best at the root) plus an
 * open-addressing hash from price to level; each level is a FIFO list of orders. Orders and
 * levels are recycled through free lists so steady-state matching does not call malloc. */
#include "mesim/book.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct me_order {
    struct me_order *next;
    int64_t qty; /* remaining */
    uint64_t seq;
    char id[ME_ID_MAX + 1];
} me_order;

typedef struct me_level {
    int64_t price;
    int64_t qty;
    uint32_t count;
    uint32_t heap_idx;
    me_order *head, *tail;
    struct me_level *next_free;
} me_level;

typedef struct {
    int bid;          /* 1: highest price is best; 0: lowest */
    me_level **heap;  /* heap[0] is the best level */
    size_t n, cap;    /* levels, heap capacity */
    me_level **slots; /* hash by price, linear probing; NULL = empty */
    size_t nslots;    /* power of two */
    uint64_t orders;
    int64_t qty;
} me_ladder;

struct me_ids {
    const char **slots; /* each points at a resting order's id; NULL = empty */
    size_t nslots, n;   /* power of two; load at most 1/2 */
};

struct me_book {
    me_ladder side[2];
    uint64_t seq;
    me_order *free_orders;
    me_level *free_levels;
    me_ids *ids;
    int own_ids;
};

/* ---- heap ---- */

static int better(const me_ladder *l, const me_level *a, const me_level *b) {
    return l->bid ? a->price > b->price : a->price < b->price;
}

static void heap_set(me_ladder *l, size_t i, me_level *lv) {
    l->heap[i] = lv;
    lv->heap_idx = (uint32_t)i;
}

static void sift_up(me_ladder *l, size_t i) {
    me_level *lv = l->heap[i];
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!better(l, lv, l->heap[p])) break;
        heap_set(l, i, l->heap[p]);
        i = p;
    }
    heap_set(l, i, lv);
}

static void sift_down(me_ladder *l, size_t i) {
    me_level *lv = l->heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= l->n) break;
        if (c + 1 < l->n && better(l, l->heap[c + 1], l->heap[c])) c++;
        if (!better(l, l->heap[c], lv)) break;
        heap_set(l, i, l->heap[c]);
        i = c;
    }
    heap_set(l, i, lv);
}

/* ---- hash: price -> level ---- */

static size_t slot_of(const me_ladder *l, int64_t price) {
    uint64_t h = (uint64_t)price * 0x9E3779B97F4A7C15ull;
    return (size_t)(h ^ (h >> 29)) & (l->nslots - 1);
}

static me_level *hash_find(const me_ladder *l, int64_t price) {
    if (!l->nslots) return NULL;
    for (size_t i = slot_of(l, price);; i = (i + 1) & (l->nslots - 1)) {
        me_level *lv = l->slots[i];
        if (!lv || lv->price == price) return lv;
    }
}

static void hash_put(me_ladder *l, me_level *lv) {
    size_t i = slot_of(l, lv->price);
    while (l->slots[i]) i = (i + 1) & (l->nslots - 1);
    l->slots[i] = lv;
}

/* Backward-shift deletion keeps probe chains intact without tombstones. */
static void hash_del(me_ladder *l, int64_t price) {
    size_t mask = l->nslots - 1, i = slot_of(l, price);
    while (l->slots[i]->price != price) i = (i + 1) & mask;
    size_t j = i;
    for (;;) {
        l->slots[i] = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!l->slots[j]) return;
            size_t k = slot_of(l, l->slots[j]->price);
            /* move slots[j] to i unless its home k lies cyclically in (i, j] */
            if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
            break;
        }
        l->slots[i] = l->slots[j];
        i = j;
    }
}

/* Makes room for one more level: heap capacity and hash load at most 1/2. */
static int ladder_reserve(me_ladder *l) {
    if (l->n + 1 > l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        me_level **h = realloc(l->heap, cap * sizeof *h);
        if (!h) return -1;
        l->heap = h;
        l->cap = cap;
    }
    if ((l->n + 1) * 2 > l->nslots) {
        size_t ns = l->nslots ? l->nslots * 2 : 32;
        me_level **s = calloc(ns, sizeof *s);
        if (!s) return -1;
        me_level **old = l->slots;
        size_t oldn = l->nslots;
        l->slots = s;
        l->nslots = ns;
        for (size_t i = 0; i < oldn; i++)
            if (old[i]) hash_put(l, old[i]);
        free(old);
    }
    return 0;
}

/* ---- id index: resting order ids, open addressing with backward-shift deletion ---- */

static size_t id_slot(const me_ids *x, const char *id) {
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)id; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (size_t)(h ^ (h >> 32)) & (x->nslots - 1);
}

me_ids *me_ids_new(void) {
    return calloc(1, sizeof(me_ids));
}

void me_ids_free(me_ids *x) {
    if (!x) return;
    free(x->slots);
    free(x);
}

size_t me_ids_count(const me_ids *x) {
    return x->n;
}

int me_ids_has(const me_ids *x, const char *id) {
    if (!x->n) return 0;
    for (size_t i = id_slot(x, id);; i = (i + 1) & (x->nslots - 1)) {
        if (!x->slots[i]) return 0;
        if (!strcmp(x->slots[i], id)) return 1;
    }
}

static void ids_put(me_ids *x, const char *id) {
    size_t i = id_slot(x, id);
    while (x->slots[i]) i = (i + 1) & (x->nslots - 1);
    x->slots[i] = id;
    x->n++;
}

/* Room for one more id, so that resting an order cannot fail after matching began. */
static int ids_reserve(me_ids *x) {
    if ((x->n + 1) * 2 <= x->nslots) return 0;
    size_t ns = x->nslots ? x->nslots * 2 : 64;
    const char **s = calloc(ns, sizeof *s);
    if (!s) return -1;
    const char **old = x->slots;
    size_t oldn = x->nslots;
    x->slots = s;
    x->nslots = ns;
    x->n = 0;
    for (size_t i = 0; i < oldn; i++)
        if (old[i]) ids_put(x, old[i]);
    free(old);
    return 0;
}

/* Removes the entry pointing at this order's id (by address: ids are unique anyway). */
static void ids_del(me_ids *x, const char *id) {
    size_t mask = x->nslots - 1, i = id_slot(x, id);
    while (x->slots[i] != id) i = (i + 1) & mask;
    x->n--;
    size_t j = i;
    for (;;) {
        x->slots[i] = NULL;
        for (;;) {
            j = (j + 1) & mask;
            if (!x->slots[j]) return;
            size_t k = id_slot(x, x->slots[j]);
            if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
            break;
        }
        x->slots[i] = x->slots[j];
        i = j;
    }
}

/* ---- allocation ---- */

static me_order *order_alloc(me_book *b) {
    me_order *o = b->free_orders;
    if (o) {
        b->free_orders = o->next;
        return o;
    }
    return malloc(sizeof *o);
}

static void order_release(me_book *b, me_order *o) {
    o->next = b->free_orders;
    b->free_orders = o;
}

static me_level *level_alloc(me_book *b) {
    me_level *lv = b->free_levels;
    if (lv) {
        b->free_levels = lv->next_free;
        return lv;
    }
    return malloc(sizeof *lv);
}

static void level_release(me_book *b, me_level *lv) {
    lv->next_free = b->free_levels;
    b->free_levels = lv;
}

/* ---- public ---- */

me_book *me_book_new_shared(me_ids *ids) {
    me_book *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->side[ME_BUY].bid = 1;
    b->ids = ids;
    return b;
}

me_book *me_book_new(void) {
    me_ids *ids = me_ids_new();
    me_book *b = ids ? me_book_new_shared(ids) : NULL;
    if (!b) {
        me_ids_free(ids);
        return NULL;
    }
    b->own_ids = 1;
    return b;
}

void me_book_clear(me_book *b) {
    for (int s = 0; s < 2; s++) {
        me_ladder *l = &b->side[s];
        for (size_t i = 0; i < l->n; i++) {
            me_level *lv = l->heap[i];
            for (me_order *o = lv->head, *nx; o; o = nx) {
                nx = o->next;
                ids_del(b->ids, o->id);
                order_release(b, o);
            }
            level_release(b, lv);
        }
        l->n = 0;
        if (l->slots) memset(l->slots, 0, l->nslots * sizeof *l->slots);
        l->orders = 0;
        l->qty = 0;
    }
}

void me_book_free(me_book *b) {
    if (!b) return;
    me_book_clear(b);
    for (me_order *o = b->free_orders, *nx; o; o = nx) {
        nx = o->next;
        free(o);
    }
    for (me_level *lv = b->free_levels, *nx; lv; lv = nx) {
        nx = lv->next_free;
        free(lv);
    }
    for (int s = 0; s < 2; s++) {
        free(b->side[s].heap);
        free(b->side[s].slots);
    }
    if (b->own_ids) me_ids_free(b->ids);
    free(b);
}

/* Removes the best level of a side (it must be empty of orders). */
static void pop_best(me_book *b, me_ladder *l) {
    me_level *lv = l->heap[0];
    hash_del(l, lv->price);
    l->n--;
    if (l->n) {
        heap_set(l, 0, l->heap[l->n]);
        sift_down(l, 0);
    }
    level_release(b, lv);
}

int64_t me_book_submit(me_book *b, const char *id, me_side side, int64_t price, int64_t qty,
                       me_fill_fn on_fill, void *ud) {
    me_ladder *own = &b->side[side], *opp = &b->side[!side];
    if (me_ids_has(b->ids, id)) return ME_DUPLICATE_ID;
    /* Reserve everything resting could need, so nothing fails after the first fill. */
    if (ids_reserve(b->ids) < 0) return -1;
    me_order *o = order_alloc(b);
    if (!o) return -1;
    me_level *spare = NULL;
    if (!hash_find(own, price)) {
        if (ladder_reserve(own) < 0 || !(spare = level_alloc(b))) {
            order_release(b, o);
            return -1;
        }
    }

    while (qty > 0 && opp->n > 0) {
        me_level *lv = opp->heap[0];
        if (side == ME_BUY ? lv->price > price : lv->price < price) break;
        while (qty > 0 && lv->head) {
            me_order *r = lv->head;
            int64_t q = r->qty < qty ? r->qty : qty;
            r->qty -= q;
            lv->qty -= q;
            opp->qty -= q;
            qty -= q;
            if (on_fill) on_fill(ud, lv->price, q, r->id);
            if (r->qty == 0) {
                lv->head = r->next;
                if (!lv->head) lv->tail = NULL;
                lv->count--;
                opp->orders--;
                ids_del(b->ids, r->id);
                order_release(b, r);
            }
        }
        if (!lv->head) pop_best(b, opp);
    }

    if (qty == 0) {
        order_release(b, o);
        if (spare) level_release(b, spare);
        return 0;
    }

    size_t idlen = strnlen(id, ME_ID_MAX);
    memcpy(o->id, id, idlen);
    o->id[idlen] = '\0';
    o->qty = qty;
    o->seq = ++b->seq;
    o->next = NULL;
    ids_put(b->ids, o->id);
    me_level *lv = hash_find(own, price);
    if (!lv) {
        lv = spare;
        spare = NULL;
        memset(lv, 0, sizeof *lv);
        lv->price = price;
        hash_put(own, lv);
        heap_set(own, own->n++, lv);
        sift_up(own, own->n - 1);
    }
    if (spare) level_release(b, spare);
    if (lv->tail)
        lv->tail->next = o;
    else
        lv->head = o;
    lv->tail = o;
    lv->count++;
    lv->qty += qty;
    own->orders++;
    own->qty += qty;
    return qty;
}

int me_book_best(const me_book *b, me_side side, int64_t *price) {
    const me_ladder *l = &b->side[side];
    if (!l->n) return 0;
    *price = l->heap[0]->price;
    return 1;
}

uint64_t me_book_orders(const me_book *b, me_side side) {
    return b->side[side].orders;
}
int64_t me_book_quantity(const me_book *b, me_side side) {
    return b->side[side].qty;
}
size_t me_book_levels(const me_book *b, me_side side) {
    return b->side[side].n;
}

int64_t me_book_level_qty(const me_book *b, me_side side, int64_t price, uint32_t *orders) {
    const me_level *lv = hash_find(&b->side[side], price);
    if (orders) *orders = lv ? lv->count : 0;
    return lv ? lv->qty : 0;
}

void me_book_level_each(const me_book *b, me_side side, int64_t price,
                        void (*fn)(void *ud, const char *id, int64_t qty), void *ud) {
    const me_level *lv = hash_find(&b->side[side], price);
    for (const me_order *o = lv ? lv->head : NULL; o; o = o->next) fn(ud, o->id, o->qty);
}

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            snprintf(err, errlen, __VA_ARGS__);                                                    \
            return -1;                                                                             \
        }                                                                                          \
    } while (0)

int me_book_check(const me_book *b, char *err, size_t errlen) {
    for (int s = 0; s < 2; s++) {
        const me_ladder *l = &b->side[s];
        uint64_t orders = 0;
        int64_t qty = 0;
        size_t hashed = 0;
        for (size_t i = 0; i < l->nslots; i++) hashed += l->slots[i] != NULL;
        CHECK(hashed == l->n, "side %d: %zu hashed levels, %zu in heap", s, hashed, l->n);
        for (size_t i = 0; i < l->n; i++) {
            const me_level *lv = l->heap[i];
            CHECK(lv->heap_idx == i, "side %d: level %lld heap index %u, at %zu", s,
                  (long long)lv->price, lv->heap_idx, i);
            CHECK(i == 0 || !better(l, lv, l->heap[(i - 1) / 2]), "side %d: heap order at %zu", s,
                  i);
            CHECK(hash_find(l, lv->price) == lv, "side %d: level %lld not found by hash", s,
                  (long long)lv->price);
            CHECK(lv->head && lv->count > 0, "side %d: empty level %lld", s, (long long)lv->price);
            uint32_t n = 0;
            int64_t q = 0;
            uint64_t last = 0;
            const me_order *tail = NULL;
            for (const me_order *o = lv->head; o; o = o->next) {
                CHECK(o->qty > 0, "side %d: order %s has qty %lld", s, o->id, (long long)o->qty);
                CHECK(o->seq > last, "side %d: level %lld not in time order at %s", s,
                      (long long)lv->price, o->id);
                CHECK(me_ids_has(b->ids, o->id), "side %d: order %s missing from the id index", s,
                      o->id);
                last = o->seq;
                n++;
                q += o->qty;
                tail = o;
            }
            CHECK(tail == lv->tail, "side %d: level %lld tail mismatch", s, (long long)lv->price);
            CHECK(n == lv->count && q == lv->qty, "side %d: level %lld totals %u/%lld vs %u/%lld",
                  s, (long long)lv->price, lv->count, (long long)lv->qty, n, (long long)q);
            orders += n;
            qty += q;
        }
        CHECK(orders == l->orders && qty == l->qty, "side %d: totals %llu/%lld vs %llu/%lld", s,
              (unsigned long long)l->orders, (long long)l->qty, (unsigned long long)orders,
              (long long)qty);
    }
    if (b->own_ids)
        CHECK(me_ids_count(b->ids) == b->side[0].orders + b->side[1].orders,
              "id index holds %zu ids for %llu resting orders", me_ids_count(b->ids),
              (unsigned long long)(b->side[0].orders + b->side[1].orders));
    int64_t bid, ask;
    if (me_book_best(b, ME_BUY, &bid) && me_book_best(b, ME_SELL, &ask))
        CHECK(bid < ask, "crossed book: bid %lld >= ask %lld", (long long)bid, (long long)ask);
    return 0;
}
