/*
 * api_buy.c — POST /api/v1/campaigns/{owner}/{index}/buy: the key's
 * account buys the slot for sale, as `bitslot buy` does. With an
 * Idempotency-Key header the purchase is sent through
 * core/purchase_once.h: however often it is sent, at most one slot is
 * bought, and every send gets the first one's outcome.
 */
#include <string.h>

#include "core/purchase_once.h"
#include "web/api.h"

/* The order from the body {"ad", "max_price", "slot"}; false after
 * answering 400. */
static bool
read_order(bs_web_call *call, json_t *body, bs_purchase_order *order, const char **ad)
{
    bs_said said;

    if (!bs_api_string_field(call, body, "ad", true, ad) ||
        !bs_api_int_field(call, body, "max_price", false, 0, INT64_MAX, "whole satoshis, 0 or more",
                          &order->max_price) ||
        !bs_api_int_field(call, body, "slot", false, 0, BS_INDEX_MAX, "a slot number, 0 or more",
                          &order->expect_slot))
        return false;
    if (bs_ref_parse(*ad, &order->ad) != BS_OK) {
        bs_say_invalid_ref("ad", *ad, &said);
        bs_api_said(call, &said);
        return false;
    }
    return true;
}

void
bs_api_buy(bs_web_call *call, bs_ctx *ctx)
{
    static const char *const fields[] = {"ad", "max_price", "slot", NULL};
    bs_purchase_order order = {.max_price = -1, .expect_slot = -1};
    char campaign[BS_REF_MAX];
    const char *ad = NULL, *key = call->idempotency_key;
    bs_purchase_result res;
    json_t *body = NULL;
    bs_name canon;
    bs_status st;
    bs_said said;

    if (!bs_api_authenticate(call, ctx, canon) ||
        !bs_api_campaign_ref(call, &order.campaign, campaign))
        return;
    if (!bs_api_idempotency_key_valid(call))
        return;
    if ((body = bs_api_body_object(call, fields)) == NULL)
        return;
    if (read_order(call, body, &order, &ad)) {
        order.buyer = canon;
        st = key != NULL ? bs_purchase_buy_once(ctx, &order, key, strlen(key), &res)
                         : bs_purchase_buy(ctx, &order, &res);
        if (st != BS_OK) {
            bs_say_buy(st, &order, &res, campaign, ad, BS_VOICE_API, &said);
            bs_api_said(call, &said);
        } else {
            bs_web_call_json(call, 201, bs_slot_view(&res.slot));
        }
    }
    json_decref(body);
}
