/*
 * money.h — amounts are integer satoshis (int64), never floating point
 * (DESIGN.md principle 4). No amount bitslot stores or computes may exceed
 * BS_MAX_MONEY, all the bitcoin there will ever be, so sums of a few of them
 * cannot overflow int64.
 */
#ifndef BS_MONEY_H
#define BS_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#include "util/status.h"

#define BS_SAT_PER_BTC INT64_C(100000000)
#define BS_MAX_MONEY   (INT64_C(21000000) * BS_SAT_PER_BTC)

/* Parse a whole number of satoshis: optional sign (only when `signed_ok`;
 * "+" or "-", and never "-0"), then 1..16 decimal digits without a leading
 * zero (bs_text_decimal), nothing else; |value| <= BS_MAX_MONEY.
 * BS_INVALID otherwise (*out untouched). */
bs_status bs_money_parse(const char *text, bool signed_ok, int64_t *out);

/* True when 0 <= sats <= BS_MAX_MONEY. */
static inline bool
bs_money_valid(int64_t sats)
{
    return sats >= 0 && sats <= BS_MAX_MONEY;
}

#endif
