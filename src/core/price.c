/*
 * price.c — see price.h.
 */
#include "core/price.h"
#include "util/money.h"

int64_t
bs_price_next(int64_t min_price, const bs_price_last *last, int64_t now)
{
    __int128 twice, span, left, price;

    if (!last->exists || now >= last->end || last->end <= last->time)
        return min_price;
    if (now < last->time)
        now = last->time;
    twice = (__int128)last->price * 2;
    if (twice < min_price)
        twice = min_price;
    span = (__int128)last->end - last->time;
    left = (__int128)last->end - now;
    /* Rounded down: the buyer never pays a fraction of a satoshi more than
     * the line. */
    price = min_price + (twice - min_price) * left / span;
    return price > BS_MAX_MONEY ? BS_MAX_MONEY : (int64_t)price;
}

int64_t
bs_price_fee(int64_t price, int64_t fee_bp)
{
    __int128 fee = ((__int128)price * fee_bp + 9999) / 10000;

    return (int64_t)fee;
}
