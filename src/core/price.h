/*
 * price.h — the price of the next slot of a campaign (DESIGN.md §3), a pure
 * function of the campaign's minimum, its last sale and now.
 *
 * With no previous sale, or once the last sold slot has ended, the price is
 * the minimum. Otherwise, with P the last sale's price, x1 its purchase time
 * and x2 the end of the last sold slot, it falls in a straight line from 2·P
 * at x1 to the minimum at x2:
 *     price(t) = min + (2P − min)·(x2 − t)/(x2 − x1)
 * computed in 128-bit integers and rounded down to the satoshi, never above
 * BS_MAX_MONEY. A `now` before x1 (a clock behind the sale) counts as x1.
 */
#ifndef BS_PRICE_H
#define BS_PRICE_H

#include <stdbool.h>
#include <stdint.h>

typedef struct bs_price_last {
    bool exists;
    int64_t price; /* P */
    int64_t time;  /* x1 */
    int64_t end;   /* x2 */
} bs_price_last;

int64_t bs_price_next(int64_t min_price, const bs_price_last *last, int64_t now);

/* The operator's fee on a sale: price × fee_bp / 10000, rounded up. */
int64_t bs_price_fee(int64_t price, int64_t fee_bp);

#endif
