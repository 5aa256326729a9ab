/*
 * api_withdraw.c — withdrawals over the API (issue 11): POST
 * /api/v1/withdrawals asks for one for the key's account, as the command
 * does (core/withdraw.h: amount + fee reserved from the balance at once,
 * paid later by the payout), and GET /api/v1/withdrawals lists them. With
 * an Idempotency-Key the request goes through core/withdraw_once.h: sent
 * any number of times, it reserves once, and every send gets the same
 * withdrawal (201 for the send that made it, 200 for the others). Every
 * refusal is core/words.h's sentence, and changes nothing.
 */
#include <string.h>

#include "core/withdraw_once.h"
#include "util/money.h"
#include "web/api.h"

/* {"withdrawal": view, "balance": SATS}; NULL when out of memory. */
static json_t *
answer(const bs_withdraw_result *res)
{
    json_t *view = bs_withdrawal_view(&res->withdrawal);

    return view == NULL
               ? NULL
               : json_pack("{s:o, s:I}", "withdrawal", view, "balance", (json_int_t)res->balance);
}

void
bs_api_withdraw(bs_web_call *call, bs_ctx *ctx)
{
    static const char *const fields[] = {"amount", "address", NULL};
    bs_withdraw_order order = {0};
    const char *key = call->idempotency_key;
    bs_withdraw_result res;
    json_t *body = NULL;
    bs_name canon;
    bs_status st;
    bs_said said;

    if (!bs_api_authenticate(call, ctx, canon))
        return;
    if (!bs_api_idempotency_key_valid(call))
        return;
    if ((body = bs_api_body_object(call, fields)) == NULL)
        return;
    if (bs_api_int_field(call, body, "amount", true, 0, BS_MAX_MONEY,
                         "whole satoshis (a JSON integer) from 0 to 2100000000000000",
                         &order.amount) &&
        bs_api_string_field(call, body, "address", true, &order.address)) {
        order.name = canon;
        st = key != NULL ? bs_withdraw_once(ctx, &order, key, strlen(key), &res)
                         : bs_withdraw_request(ctx, &order, &res);
        if (st != BS_OK) {
            bs_say_withdraw(st, ctx, &order, &res, BS_VOICE_API, &said);
            bs_api_said(call, &said);
        } else {
            bs_web_call_json(call, res.again ? 200 : 201, answer(&res));
            bs_withdrawal_release(&res.withdrawal);
        }
    }
    json_decref(body);
}

void
bs_api_withdrawals(bs_web_call *call, bs_ctx *ctx)
{
    bs_withdrawal *list = NULL;
    size_t count = 0;
    bs_name canon;
    bs_status st;
    bs_said said;

    if (!bs_api_authenticate(call, ctx, canon))
        return;
    st = bs_withdraw_list(ctx, canon, NULL, &list, &count);
    if (st != BS_OK) {
        bs_say_funds(st, "cannot list the withdrawals", canon, BS_VOICE_API, &said);
        bs_api_said(call, &said);
        return;
    }
    bs_api_withdrawal_list(call, list, count);
    bs_withdraw_list_free(list, count);
}

void
bs_api_withdrawal_list(bs_web_call *call, const bs_withdrawal *list, size_t count)
{
    json_t *views = json_array();

    for (size_t i = 0; views != NULL && i < count; i++)
        if (json_array_append_new(views, bs_withdrawal_view(&list[i])) != 0) {
            json_decref(views);
            views = NULL;
        }
    bs_web_call_json(call, 200, views != NULL ? json_pack("{s:o}", "withdrawals", views) : NULL);
}
