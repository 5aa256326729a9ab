/*
 * fuzz_rpc_body.c — how src/chain/rpc.c reads a node's answer, as far as a
 * public function reaches it without a network.
 *
 * The body parser itself (rpc_quote_numbers, then json_loadb, in
 * rpc_interpret) is static and runs only on an answer that came over HTTP, so
 * this target fuzzes bs_rpc_read_amount (rpc.h), the public reader of
 * amounts in a result, on jansson values built from the input:
 *   - every value of the input parsed as JSON (any type at the top), the way
 *     the node's numbers arrive after quoting: reals as strings, integers;
 *   - the input's bytes as one JSON string (any bytes, also invalid UTF-8 and
 *     NULs, as json_stringn_nocheck makes it);
 *   - the first 8 bytes as a JSON integer; a real, true, null, an array.
 * (fuzz_rpc_scan.c compiles rpc.c into the target to reach the static number
 * scanner as well.)
 *
 * Checks: a string reads exactly as bs_amount_parse reads its bytes; an
 * integer N reads as N * 10^8 exactly when |N| <= 21,000,000 (and N >= 0
 * without negatives); every other type is BS_INVALID; *sats is untouched on
 * failure; NULL sats is BS_INVALID.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "chain/amount.h"
#include "chain/rpc.h"

#define UNTOUCHED INT64_C(0x5a5a5a5a5a5a5a5a)

static void
check_value(const json_t *value)
{
    for (int negative_ok = 0; negative_ok <= 1; negative_ok++) {
        int64_t sats = UNTOUCHED, want = UNTOUCHED;
        bs_status st = bs_rpc_read_amount(value, negative_ok, &sats), want_st;

        if (json_is_string(value)) {
            want_st = bs_amount_parse(json_string_value(value), json_string_length(value),
                                      negative_ok, &want);
        } else if (json_is_integer(value)) {
            json_int_t n = json_integer_value(value);
            json_int_t max = BS_MAX_MONEY / BS_SAT_PER_BTC;

            want_st = n > max || n < -max || (n < 0 && !negative_ok) ? BS_INVALID : BS_OK;
            if (want_st == BS_OK)
                want = (int64_t)n * BS_SAT_PER_BTC;
        } else {
            want_st = BS_INVALID;
        }
        if (st != want_st || sats != want)
            abort();
        if (bs_rpc_read_amount(value, negative_ok, NULL) != BS_INVALID)
            abort();
    }
}

static void
check_tree(const json_t *value, int depth)
{
    const char *key;
    json_t *item;
    size_t i;

    check_value(value);
    if (depth > 64)
        return;
    if (json_is_object(value)) {
        json_object_foreach((json_t *)value, key, item)
        {
            check_tree(item, depth + 1);
        }
    } else if (json_is_array(value)) {
        json_array_foreach(value, i, item)
        {
            check_tree(item, depth + 1);
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_t *tree, *value;
    int64_t n = 0;

    tree = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
    if (tree != NULL) {
        check_tree(tree, 0);
        json_decref(tree);
    }

    value = json_stringn_nocheck((const char *)data, size);
    if (value != NULL) {
        check_value(value);
        json_decref(value);
    }

    memcpy(&n, data, size < sizeof(n) ? size : sizeof(n));
    value = json_integer((json_int_t)n);
    check_value(value);
    json_decref(value);
    value = json_integer((json_int_t)(n % 100000000));
    check_value(value);
    json_decref(value);

    value = json_real(1.0);
    check_value(value);
    json_decref(value);
    check_value(json_true());
    check_value(json_null());
    check_value(NULL);
    value = json_array();
    check_value(value);
    json_decref(value);
    return 0;
}
