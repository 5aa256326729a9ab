/*
 * withdraw_once.c — see withdraw_once.h.
 */
#include <sodium.h>
#include <string.h>

#include "core/purchase_once.h"
#include "core/withdraw_once.h"

void
bs_withdraw_once_request(const char *canon, const char *key, size_t len, char out[BS_ID_LEN + 1])
{
    static const char domain[] = "bitslot withdrawal"; /* purchases: "bitslot purchase" */
    unsigned char digest[BS_ID_LEN / 2];
    crypto_generichash_state h;

    crypto_generichash_init(&h, NULL, 0, sizeof(digest));
    crypto_generichash_update(&h, (const unsigned char *)domain, sizeof(domain));
    crypto_generichash_update(&h, (const unsigned char *)canon, strlen(canon) + 1);
    crypto_generichash_update(&h, (const unsigned char *)key, len);
    crypto_generichash_final(&h, digest, sizeof(digest));
    sodium_bin2hex(out, BS_ID_LEN + 1, digest, sizeof(digest));
}

bs_status
bs_withdraw_once(bs_ctx *ctx, const bs_withdraw_order *order, const char *key, size_t len,
                 bs_withdraw_result *res)
{
    char request[BS_ID_LEN + 1];
    bs_withdraw_order once = *order;
    bs_name canon;

    memset(res, 0, sizeof(*res));
    if (!bs_purchase_once_key_valid(key, len))
        return BS_INVALID;
    if (!bs_name_valid(order->name))
        return BS_NOTFOUND;
    bs_name_canonical(order->name, canon);
    bs_withdraw_once_request(canon, key, len, request);
    once.request = request;
    return bs_withdraw_request(ctx, &once, res);
}
