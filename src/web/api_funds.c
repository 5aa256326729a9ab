/*
 * api_funds.c — Add Funds over the API, the seed's flow for the key's
 * account: Get Key (POST /api/v1/account/key), the throttled check (GET
 * /api/v1/account/key) and Done With This Key (POST
 * /api/v1/account/key/done). Each calls the same core/funding.h function as
 * the `funds` commands and refuses with the same sentence.
 */
#include "core/funding.h"
#include "web/api.h"

/* The key's account, and the node this needs; false after answering. */
static bool
funds_caller(bs_web_call *call, bs_ctx *ctx, bs_name canon)
{
    return bs_api_authenticate(call, ctx, canon) && bs_api_need_node(call, ctx);
}

static void
refused(bs_web_call *call, bs_status st, const char *what, const char *canon)
{
    bs_said said;

    bs_say_funds(st, what, canon, BS_VOICE_API, &said);
    bs_api_said(call, &said);
}

void
bs_api_key_get(bs_web_call *call, bs_ctx *ctx)
{
    char address[BS_ADDRESS_MAX];
    bs_name canon;
    bs_status st;

    if (!funds_caller(call, ctx, canon))
        return;
    st = bs_funding_get_key(ctx, canon, address);
    if (st != BS_OK)
        refused(call, st, "cannot give you a key", canon);
    else
        bs_web_call_json(call, 200, json_pack("{s:s}", "key", address));
}

void
bs_api_key_check(bs_web_call *call, bs_ctx *ctx)
{
    bs_funding_status s;
    bs_name canon;
    bs_status st;
    bs_said said;

    if (!funds_caller(call, ctx, canon))
        return;
    st = bs_funding_check(ctx, canon, &s);
    if (st == BS_NOTFOUND) {
        bs_say_funds_no_key(canon, BS_VOICE_API, &said);
        bs_api_said(call, &said);
    } else if (st != BS_OK) {
        refused(call, st, "cannot check your key", canon);
    } else {
        bs_web_call_json(call, 200,
                         json_pack("{s:s, s:I, s:I, s:b}", "key", s.address, "pending",
                                   (json_int_t)s.pending, "confirmed", (json_int_t)s.confirmed,
                                   "cached", s.cached));
    }
}

void
bs_api_key_done(bs_web_call *call, bs_ctx *ctx)
{
    int64_t credited, balance;
    bs_name canon;
    bs_status st;
    bs_said said;

    if (!funds_caller(call, ctx, canon))
        return;
    st = bs_funding_done(ctx, canon, &credited, &balance);
    if (st == BS_NOTFOUND || st == BS_INSUFFICIENT) {
        if (st == BS_NOTFOUND)
            bs_say_funds_nothing_to_finish(canon, &said);
        else
            bs_say_below_min_deposit(canon, credited, ctx->min_deposit, &said);
        bs_api_said(call, &said);
    } else if (st != BS_OK) {
        refused(call, st, "cannot credit your key", canon);
    } else {
        bs_web_call_json(call, 200,
                         json_pack("{s:I, s:I}", "credited", (json_int_t)credited, "balance",
                                   (json_int_t)balance));
    }
}
