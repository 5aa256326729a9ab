/*
 * amount.h — bitcoin amounts between the node's JSON text (BTC as a decimal
 * number) and bitslot's integer satoshis, exactly: no step goes through a
 * double.
 *
 * Invariants:
 *   - Parsing takes the text of a JSON number (RFC 8259 grammar: optional
 *     '-', an integer part without leading zeros, optional fraction, optional
 *     exponent) as the node printed it, e.g. "0.5", "0.50000000", "50",
 *     "1e-8", "9.9e-7", "5.46e-6", and yields the exact number of satoshis.
 *     Anything the grammar does not allow ("1.", ".5", "01", "+1", " 1",
 *     "0x1", "abc") is refused.
 *   - A value that is not a whole number of satoshis once the exponent is
 *     applied ("1e-9", "0.123456789") is refused, never rounded. Trailing
 *     zeros do not count ("0.100000000000" is 10000000).
 *   - |value| <= BS_MAX_MONEY (21,000,000 BTC); above is refused.
 *   - Formatting always prints 8 decimals ("0.50000000"), the form Bitcoin
 *     Core prints and accepts.
 *   - Nothing is allocated; buffers belong to the caller. Thread-safe.
 */
#ifndef BS_CHAIN_AMOUNT_H
#define BS_CHAIN_AMOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/money.h"
#include "util/status.h"

/* Room for the longest formatted amount and its NUL: "-21000000.00000000". */
#define BS_AMOUNT_TEXT_SIZE 20

/* Parse text[0..len) (no NUL needed; a NUL inside is refused), the text of a
 * JSON number in BTC, into *sats. A minus sign is refused unless
 * negative_ok (then "-0" gives 0). BS_INVALID on anything outside the rules
 * above; *sats is untouched on failure. */
bs_status bs_amount_parse(const char *text, size_t len, bool negative_ok, int64_t *sats);

/* The same for a NUL-terminated string. */
bs_status bs_amount_parse_str(const char *text, bool negative_ok, int64_t *sats);

/* Write sats as BTC with exactly 8 decimals and a NUL into out (out_size
 * bytes; BS_AMOUNT_TEXT_SIZE is always enough): 50000000 -> "0.50000000",
 * -1 -> "-0.00000001". BS_INVALID if |sats| > BS_MAX_MONEY, BS_TOOLARGE if out
 * is too small; on failure out holds "" when out_size > 0. */
bs_status bs_amount_format(int64_t sats, char *out, size_t out_size);

#endif
