/* book.h — a price-time priority limit order book for one symbol. Pure: no I/O, no locks, no clock.
 *
 * Promises: an incoming order matches the best opposite price levels while prices cross, oldest
 * order first within a level, each fill at the resting order's price; what is left rests at its
 * limit price. The book is never crossed (best bid < best ask whenever both exist). Finding the
 * best level is O(1); adding a level or removing one is O(log L) (L = levels on that side); the
 * level for a price is found in O(1) expected (hash). Resting-order counts and quantities per side
 * are kept incrementally. me_book_submit never fails half-way: memory for the remainder is
 * reserved before matching, so an allocation failure rejects the order with the book untouched.
 * An order id is unique among the resting orders of every book that shares one id index (a
 * shard's books share one): an order whose id is still resting is refused untouched, so an order
 * never trades against itself. One thread owns a book (and its id index) at a time.
 */
#ifndef MESIM_BOOK_H
#define MESIM_BOOK_H
#include <stddef.h>
#include <stdint.h>

#define ME_ID_MAX 64 /* longest order id, bytes */

typedef enum { ME_BUY = 0, ME_SELL = 1 } me_side;

typedef struct me_book me_book;

/* The ids of resting orders, shared by books (O(1) expected per lookup, insert and removal). */
typedef struct me_ids me_ids;
me_ids *me_ids_new(void);
void me_ids_free(me_ids *ids); /* only after every book using it is freed */
/* 1 when an order with this id rests in a book using the index. */
int me_ids_has(const me_ids *ids, const char *id);
/* Resting orders indexed. */
size_t me_ids_count(const me_ids *ids);

#define ME_DUPLICATE_ID (-2) /* me_book_submit: the id is still resting */

/* Called once per fill, before the resting order's memory may be reused. */
typedef void (*me_fill_fn)(void *ud, int64_t price, int64_t qty, const char *resting_id);

/* A book with an id index of its own. */
me_book *me_book_new(void);
/* A book whose resting ids go to `ids` (not owned), shared with other books. */
me_book *me_book_new_shared(me_ids *ids);
void me_book_free(me_book *b);
/* Removes every resting order. */
void me_book_clear(me_book *b);

/* Matches an order (id up to ME_ID_MAX bytes, price > 0, qty > 0) and rests the remainder.
 * Returns the remaining (resting) quantity; ME_DUPLICATE_ID when an order with this id is still
 * resting (in any book sharing the index), or -1 if memory ran out, both with the book
 * untouched. */
int64_t me_book_submit(me_book *b, const char *id, me_side side, int64_t price, int64_t qty,
                       me_fill_fn on_fill, void *ud);

/* Best price on a side; returns 0 when that side is empty. */
int me_book_best(const me_book *b, me_side side, int64_t *price);
/* Resting orders / resting quantity on a side. */
uint64_t me_book_orders(const me_book *b, me_side side);
int64_t me_book_quantity(const me_book *b, me_side side);
/* Number of price levels on a side. */
size_t me_book_levels(const me_book *b, me_side side);
/* Total quantity and order count resting at one price (0 when none). */
int64_t me_book_level_qty(const me_book *b, me_side side, int64_t price, uint32_t *orders);
/* Visits the orders resting at one price, oldest first. */
void me_book_level_each(const me_book *b, me_side side, int64_t price,
                        void (*fn)(void *ud, const char *id, int64_t qty), void *ud);

/* Verifies every internal invariant (heap order, hash index, FIFO sequence within levels, level
 * and side totals, no crossed book). Returns 0, or -1 with a description in err. For tests. */
int me_book_check(const me_book *b, char *err, size_t errlen);

#endif
