/* test_book.c — the mesim order book: price-time priority, partial fills across levels, resting
 * remainders, ids unique among resting orders (no self-trade, shared across a shard's books), and
 * randomized runs (fixed seeds, some reusing ids) checked against a naive reference model, with
 * the book's invariants verified after every order. */
#include "mesim/book.h"
#include "t.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t price, qty;
    char id[ME_ID_MAX + 1];
} fill;

typedef struct {
    fill f[4096];
    int n;
} fills;

static void on_fill(void *ud, int64_t price, int64_t qty, const char *rid) {
    fills *fs = ud;
    if (fs->n < 4096) {
        fs->f[fs->n].price = price;
        fs->f[fs->n].qty = qty;
        snprintf(fs->f[fs->n].id, sizeof fs->f[fs->n].id, "%s", rid);
    }
    fs->n++;
}

static int64_t submit(me_book *b, fills *fs, const char *id, me_side side, int64_t price,
                      int64_t qty) {
    fs->n = 0;
    return me_book_submit(b, id, side, price, qty, on_fill, fs);
}

static void book_ok(me_book *b, const char *when) {
    char err[256];
    int rc = me_book_check(b, err, sizeof err);
    T_CHECK(rc == 0, "%s: %s", when, err);
}

static void test_price_time_priority(void) {
    me_book *b = me_book_new();
    fills fs;
    T_CHECK(submit(b, &fs, "s1", ME_SELL, 101, 10) == 10, "s1 rests");
    T_CHECK(submit(b, &fs, "s2", ME_SELL, 101, 10) == 10, "s2 rests");
    T_CHECK(submit(b, &fs, "s3", ME_SELL, 101, 10) == 10, "s3 rests");
    T_CHECK(submit(b, &fs, "s4", ME_SELL, 100, 10) == 10, "s4 rests");
    int64_t p = 0;
    T_CHECK(me_book_best(b, ME_SELL, &p) && p == 100, "best ask %" PRId64, p);
    T_CHECK(!me_book_best(b, ME_BUY, &p), "no bids");
    /* better price first, then time order within 101 */
    int64_t rem = submit(b, &fs, "b1", ME_BUY, 101, 25);
    T_CHECK(rem == 0, "b1 fully filled, remaining %" PRId64, rem);
    T_CHECK(fs.n == 3, "3 fills, got %d", fs.n);
    T_CHECK(fs.n >= 3 && !strcmp(fs.f[0].id, "s4") && fs.f[0].price == 100 && fs.f[0].qty == 10,
            "first fill s4 10@100, got %s %" PRId64 "@%" PRId64, fs.f[0].id, fs.f[0].qty,
            fs.f[0].price);
    T_CHECK(fs.n >= 3 && !strcmp(fs.f[1].id, "s1") && fs.f[1].price == 101 && fs.f[1].qty == 10,
            "second fill s1 10@101");
    T_CHECK(fs.n >= 3 && !strcmp(fs.f[2].id, "s2") && fs.f[2].qty == 5, "third fill s2 5");
    /* s2 keeps its place at the front with 5 left, s3 behind it */
    uint32_t n = 0;
    T_CHECK(me_book_level_qty(b, ME_SELL, 101, &n) == 15 && n == 2, "level 101: 15 in 2 orders");
    submit(b, &fs, "b2", ME_BUY, 101, 6);
    T_CHECK(fs.n == 2 && !strcmp(fs.f[0].id, "s2") && fs.f[0].qty == 5 &&
                !strcmp(fs.f[1].id, "s3") && fs.f[1].qty == 1,
            "partially filled s2 stays first");
    T_CHECK(me_book_orders(b, ME_SELL) == 1 && me_book_quantity(b, ME_SELL) == 9, "9 left in s3");
    book_ok(b, "priority");
    me_book_free(b);
}

static void test_partial_across_levels(void) {
    me_book *b = me_book_new();
    fills fs;
    submit(b, &fs, "a1", ME_SELL, 100, 5);
    submit(b, &fs, "a2", ME_SELL, 101, 5);
    submit(b, &fs, "a3", ME_SELL, 102, 5);
    int64_t rem = submit(b, &fs, "b1", ME_BUY, 101, 12);
    T_CHECK(rem == 2, "2 rest, got %" PRId64, rem);
    T_CHECK(fs.n == 2 && fs.f[0].price == 100 && fs.f[1].price == 101, "filled 100 then 101");
    int64_t bid = 0, ask = 0;
    T_CHECK(me_book_best(b, ME_BUY, &bid) && bid == 101, "remainder rests at its limit 101");
    T_CHECK(me_book_best(b, ME_SELL, &ask) && ask == 102, "best ask now 102");
    T_CHECK(me_book_levels(b, ME_SELL) == 1 && me_book_levels(b, ME_BUY) == 1, "one level each");
    /* a sell that does not cross rests; one that crosses fills at the bid's price */
    T_CHECK(submit(b, &fs, "a4", ME_SELL, 103, 1) == 1 && fs.n == 0, "non-crossing sell rests");
    T_CHECK(submit(b, &fs, "a5", ME_SELL, 90, 3) == 1 && fs.n == 1 && fs.f[0].price == 101 &&
                fs.f[0].qty == 2,
            "sell at 90 fills 2 at bid 101, rests 1 at 90");
    T_CHECK(me_book_best(b, ME_SELL, &ask) && ask == 90 && !me_book_best(b, ME_BUY, &bid),
            "bid side emptied, best ask 90");
    book_ok(b, "levels");
    me_book_clear(b);
    T_CHECK(me_book_orders(b, ME_SELL) == 0 && me_book_levels(b, ME_SELL) == 0 &&
                !me_book_best(b, ME_SELL, &ask),
            "clear empties the book");
    T_CHECK(submit(b, &fs, "c1", ME_BUY, 100, 1) == 1, "usable after clear");
    book_ok(b, "after clear");
    me_book_free(b);
}

/* ---- reference model: a flat list, scanned for the best order every time ---- */
typedef struct {
    int64_t price, qty;
    uint64_t seq;
    int side;
    char id[16];
} ref_order;

typedef struct {
    ref_order *o;
    size_t n, cap;
    uint64_t seq;
} ref_book;

static int64_t ref_submit(ref_book *r, fills *fs, const char *id, int side, int64_t price,
                          int64_t qty) {
    fs->n = 0;
    for (size_t i = 0; i < r->n; i++)
        if (!strcmp(r->o[i].id, id)) return ME_DUPLICATE_ID;
    while (qty > 0) {
        ref_order *best = NULL;
        for (size_t i = 0; i < r->n; i++) {
            ref_order *o = &r->o[i];
            if (o->side == side) continue;
            if (side == ME_BUY ? o->price > price : o->price < price) continue;
            if (!best || (side == ME_BUY ? o->price < best->price : o->price > best->price) ||
                (o->price == best->price && o->seq < best->seq))
                best = o;
        }
        if (!best) break;
        int64_t q = best->qty < qty ? best->qty : qty;
        on_fill(fs, best->price, q, best->id);
        best->qty -= q;
        qty -= q;
        if (best->qty == 0) *best = r->o[--r->n];
    }
    if (qty > 0) {
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 256;
            r->o = realloc(r->o, r->cap * sizeof *r->o);
        }
        ref_order *o = &r->o[r->n++];
        o->price = price;
        o->qty = qty;
        o->seq = ++r->seq;
        o->side = side;
        snprintf(o->id, sizeof o->id, "%s", id);
    }
    return qty;
}

typedef struct {
    const ref_book *r;
    int side;
    int64_t price;
    uint64_t last_seq;
    int bad;
} fifo_walk;

/* Each id seen at a level must be a reference order at that price, in increasing seq. */
static void fifo_visit(void *ud, const char *id, int64_t qty) {
    fifo_walk *w = ud;
    for (size_t i = 0; i < w->r->n; i++) {
        const ref_order *o = &w->r->o[i];
        if (o->side == w->side && !strcmp(o->id, id)) {
            if (o->price != w->price || o->qty != qty || o->seq <= w->last_seq) w->bad = 1;
            w->last_seq = o->seq;
            return;
        }
    }
    w->bad = 1;
}

/* id_pool > 0: ids are drawn from that many, so many orders reuse an id still resting. */
static void test_random(unsigned seed, int norders, int64_t base, int64_t spread, int maxq,
                        int id_pool) {
    srand(seed);
    me_book *b = me_book_new();
    ref_book r = {0};
    static fills fb, fr;
    int64_t submitted = 0, filled = 0;
    int mismatches = 0, broken = 0, unconserved = 0, fifo_bad = 0, depth_bad = 0, dups = 0;
    for (int i = 0; i < norders; i++) {
        char id[16];
        snprintf(id, sizeof id, "o%d", id_pool ? rand() % id_pool : i);
        int side = rand() % 2;
        int64_t price = base + rand() % spread - spread / 2;
        int64_t qty = 1 + rand() % maxq;
        int64_t rb = submit(b, &fb, id, side, price, qty);
        int64_t rr = ref_submit(&r, &fr, id, side, price, qty);
        if (rr == ME_DUPLICATE_ID) {
            dups++;
            if ((rb != rr || fb.n != 0) && mismatches++ < 3)
                printf("order %s: a duplicate id gave %" PRId64 " and %d fills\n", id, rb, fb.n);
            continue;
        }
        submitted += qty;
        int64_t got = 0;
        for (int k = 0; k < fb.n && k < 4096; k++) got += fb.f[k].qty;
        filled += got;
        if (got + rb != qty) unconserved++;
        int same = rb == rr && fb.n == fr.n;
        for (int k = 0; same && k < fb.n && k < 4096; k++)
            same = fb.f[k].price == fr.f[k].price && fb.f[k].qty == fr.f[k].qty &&
                   !strcmp(fb.f[k].id, fr.f[k].id);
        if (!same && mismatches++ < 3)
            printf("order %s: book %d fills rem %" PRId64 ", ref %d fills rem %" PRId64 "\n", id,
                   fb.n, rb, fr.n, rr);
        char err[256];
        if (me_book_check(b, err, sizeof err) != 0 && broken++ < 3)
            printf("order %s: %s\n", id, err);
        /* depth counts equal what the reference says rests; resting qty = sent - 2*filled */
        uint64_t cnt[2] = {0, 0};
        int64_t q[2] = {0, 0};
        for (size_t k = 0; k < r.n; k++) cnt[r.o[k].side]++, q[r.o[k].side] += r.o[k].qty;
        if (cnt[0] != me_book_orders(b, ME_BUY) || cnt[1] != me_book_orders(b, ME_SELL) ||
            q[0] != me_book_quantity(b, ME_BUY) || q[1] != me_book_quantity(b, ME_SELL))
            depth_bad++;
        if (q[0] + q[1] != submitted - 2 * filled) unconserved++;
        /* FIFO within the touched level, every 16th order (it walks the reference) */
        if (i % 16 == 0) {
            fifo_walk w = {&r, side, price, 0, 0};
            me_book_level_each(b, side, price, fifo_visit, &w);
            if (w.bad) fifo_bad++;
        }
    }
    T_CHECK(mismatches == 0, "seed %u: %d orders differ from the reference model", seed,
            mismatches);
    T_CHECK(broken == 0, "seed %u: invariants broken after %d orders", seed, broken);
    T_CHECK(unconserved == 0, "seed %u: quantity not conserved %d times", seed, unconserved);
    T_CHECK(depth_bad == 0, "seed %u: depth counts off %d times", seed, depth_bad);
    T_CHECK(fifo_bad == 0, "seed %u: FIFO order wrong %d times", seed, fifo_bad);
    T_CHECK(filled > 0 && me_book_orders(b, ME_BUY) + me_book_orders(b, ME_SELL) > 0,
            "seed %u: the run both matched (%" PRId64 ") and rested", seed, filled);
    T_CHECK(!id_pool || dups > norders / 10, "seed %u: ids were reused (%d refused)", seed, dups);
    me_book_free(b);
    free(r.o);
}

static void test_many_levels(void) {
    /* thousands of levels on each side, then swept away: exercises heap and hash growth and
     * deletion */
    me_book *b = me_book_new();
    fills fs;
    char id[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "a%d", i);
        submit(b, &fs, id, ME_SELL, 100000 + (i * 7919) % 5000, 1);
        snprintf(id, sizeof id, "b%d", i);
        submit(b, &fs, id, ME_BUY, 99999 - (i * 104729) % 5000, 1);
    }
    T_CHECK(me_book_levels(b, ME_SELL) == 5000 && me_book_levels(b, ME_BUY) == 5000,
            "5000 levels a side");
    book_ok(b, "5000 levels");
    int64_t rem = submit(b, &fs, "sweep", ME_BUY, 102499, 1000000);
    T_CHECK(fs.n == 2500 && rem == 1000000 - 2500, "sweep filled %d levels", fs.n);
    int ordered = 1;
    for (int k = 1; k < fs.n && k < 4096; k++) ordered &= fs.f[k].price == fs.f[k - 1].price + 1;
    T_CHECK(ordered, "sweep filled levels in price order");
    book_ok(b, "after sweep");
    int64_t bid = 0;
    T_CHECK(me_book_best(b, ME_BUY, &bid) && bid == 102499, "sweep remainder is best bid");
    me_book_free(b);
}

static void test_duplicate_ids(void) {
    me_book *b = me_book_new();
    fills fs;
    T_CHECK(submit(b, &fs, "x", ME_SELL, 100, 5) == 5, "x rests");
    T_CHECK(submit(b, &fs, "x", ME_BUY, 100, 5) == ME_DUPLICATE_ID && fs.n == 0,
            "a BUY with the id of a resting SELL is refused, no self-trade (%d fills)", fs.n);
    T_CHECK(submit(b, &fs, "x", ME_SELL, 200, 1) == ME_DUPLICATE_ID, "same side, same id refused");
    T_CHECK(me_book_orders(b, ME_SELL) == 1 && me_book_quantity(b, ME_SELL) == 5 &&
                me_book_orders(b, ME_BUY) == 0,
            "refusals left the book untouched");
    book_ok(b, "after refusals");
    T_CHECK(submit(b, &fs, "y", ME_BUY, 100, 3) == 0 && fs.n == 1, "y partly fills x");
    T_CHECK(submit(b, &fs, "x", ME_BUY, 50, 1) == ME_DUPLICATE_ID, "x still rests (2 left)");
    T_CHECK(submit(b, &fs, "z", ME_BUY, 100, 2) == 0 && fs.n == 1, "z fills the rest of x");
    T_CHECK(submit(b, &fs, "x", ME_BUY, 50, 1) == 1, "once filled, the id can be used again");
    T_CHECK(submit(b, &fs, "t", ME_BUY, 60, 1) == 1 && submit(b, &fs, "t2", ME_SELL, 60, 1) == 0,
            "an order that matched at once never rested");
    T_CHECK(submit(b, &fs, "t2", ME_SELL, 70, 1) == 1, "... so its id is free");
    book_ok(b, "after reuse");
    me_book_clear(b);
    T_CHECK(submit(b, &fs, "x", ME_SELL, 100, 1) == 1, "clear frees every id");
    book_ok(b, "after clear");
    me_book_free(b);

    /* a shard's books share one index: an id resting in one book is refused in another */
    me_ids *ids = me_ids_new();
    me_book *b1 = me_book_new_shared(ids), *b2 = me_book_new_shared(ids);
    T_CHECK(submit(b1, &fs, "s", ME_SELL, 100, 1) == 1, "s rests in book 1");
    T_CHECK(submit(b2, &fs, "s", ME_BUY, 100, 1) == ME_DUPLICATE_ID, "s refused in book 2");
    T_CHECK(me_ids_count(ids) == 1 && me_ids_has(ids, "s"), "the index holds s");
    for (int i = 0; i < 1000; i++) { /* growth and backward-shift deletion of the index */
        char id[16];
        snprintf(id, sizeof id, "g%d", i);
        submit(i % 2 ? b1 : b2, &fs, id, ME_BUY, 10 + i % 7, 1);
    }
    T_CHECK(me_ids_count(ids) == 1001, "1001 ids resting, got %zu", me_ids_count(ids));
    submit(b1, &fs, "sweep1", ME_SELL, 1, 1000);
    submit(b2, &fs, "sweep2", ME_SELL, 1, 1000);
    T_CHECK(me_ids_count(ids) == 3 && !me_ids_has(ids, "g5") && me_ids_has(ids, "s"),
            "swept ids left the index (%zu left)", me_ids_count(ids));
    book_ok(b1, "shared 1");
    book_ok(b2, "shared 2");
    me_book_free(b1);
    me_book_free(b2);
    me_ids_free(ids);
}

int main(void) {
    test_price_time_priority();
    test_partial_across_levels();
    test_many_levels();
    test_duplicate_ids();
    test_random(42, 20000, 10000, 40, 20, 0);   /* narrow: deep FIFO queues */
    test_random(7, 20000, 10000, 2000, 50, 0);  /* wide: many levels */
    test_random(1234, 5000, 500, 6, 1000, 0);   /* few levels, big sweeps */
    test_random(99, 20000, 10000, 40, 20, 400); /* ids reused while resting */
    return T_DONE();
}
