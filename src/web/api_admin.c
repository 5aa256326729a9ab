/*
 * api_admin.c — the operator's routes of the API (issue 11):
 *   GET  /api/v1/admin/stats                      bitslot stats --json
 *   GET  /api/v1/admin/withdrawals[?state=S][&account=NAME]
 *                                                 bitslot withdrawals list
 *   POST /api/v1/admin/ads/{owner}/{index}/hide   {"reason"}: bitslot ad hide
 *   POST /api/v1/admin/ads/{owner}/{index}/show   bitslot ad show
 * Each needs the API key of the operator's account (core/credit.h: the
 * account fees go to; it gets a key with `bitslot account new-key
 * operator`): without a key 401, with another account's 403, and nothing
 * is read or changed before that is settled.
 */
#include <stdio.h>
#include <string.h>

#include "core/moderation.h"
#include "core/opstats.h"
#include "core/withdraw.h"
#include "web/api.h"

bool
bs_api_authenticate_operator(bs_web_call *call, bs_ctx *ctx)
{
    bs_name canon;
    bs_said said;

    if (!bs_api_authenticate(call, ctx, canon))
        return false;
    if (strcmp(canon, ctx->operator_name) != 0) {
        bs_say_not_operator(&said);
        bs_api_said(call, &said);
        return false;
    }
    return true;
}

void
bs_api_admin_stats(bs_web_call *call, bs_ctx *ctx)
{
    bs_opstats stats;
    bs_status st;
    bs_said said;

    if (!bs_api_authenticate_operator(call, ctx))
        return;
    st = bs_opstats_read(ctx, &stats);
    if (st != BS_OK) {
        bs_say_failure(st, "cannot count", &said);
        bs_api_said(call, &said);
        return;
    }
    bs_web_call_json(call, 200, bs_opstats_view(&stats));
}

void
bs_api_admin_withdrawals(bs_web_call *call, bs_ctx *ctx)
{
    char state_text[16], account[BS_NAME_MAX + 1];
    bs_withdrawal *list;
    bs_wd_state state;
    size_t count;
    bs_status st;
    bs_said said;

    if (!bs_api_authenticate_operator(call, ctx) ||
        !bs_api_query(call, "state", state_text, sizeof(state_text)) ||
        !bs_api_query(call, "account", account, sizeof(account)))
        return;
    if (state_text[0] != '\0' && bs_wd_state_parse(state_text, &state) != BS_OK) {
        bs_web_call_error(call, 400, "invalid_parameter",
                          "invalid state \"%s\" (requested, signed, broadcast, confirmed or "
                          "refused)",
                          state_text);
        return;
    }
    st = bs_withdraw_list(ctx, account[0] != '\0' ? account : NULL,
                          state_text[0] != '\0' ? &state : NULL, &list, &count);
    if (st == BS_NOTFOUND) {
        bs_say_no_account(account, &said);
        bs_api_said(call, &said);
        return;
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot list the withdrawals", &said);
        bs_api_said(call, &said);
        return;
    }
    bs_api_withdrawal_list(call, list, count);
    bs_withdraw_list_free(list, count);
}

/* The ad named by the route's {owner}/{index}, and its reference as
 * written; false after answering 404. */
static bool
ad_param(bs_web_call *call, bs_ref *ad, char text[BS_REF_MAX])
{
    int n = snprintf(text, BS_REF_MAX, "%s/%s", call->params[0], call->params[1]);
    bs_said said;

    if (call->nparams < 2 || n < 0 || n >= BS_REF_MAX || bs_ref_parse(text, ad) != BS_OK) {
        bs_say_no_ad(n >= 0 && n < BS_REF_MAX ? text : "", &said);
        bs_api_said(call, &said);
        return false;
    }
    return true;
}

void
bs_api_admin_ad_hide(bs_web_call *call, bs_ctx *ctx)
{
    static const char *const fields[] = {"reason", NULL};
    char text[BS_REF_MAX];
    const char *reason;
    bool was_hidden;
    bs_adhide hide;
    json_t *body, *view;
    bs_status st;
    bs_said said;
    bs_ref ad;

    if (!bs_api_authenticate_operator(call, ctx) || !ad_param(call, &ad, text) ||
        (body = bs_api_body_object(call, fields)) == NULL)
        return;
    if (!bs_api_string_field(call, body, "reason", false, &reason))
        goto release_body;
    if (reason == NULL || reason[0] == '\0') {
        bs_say_hide_needs_reason(BS_VOICE_API, &said);
        bs_api_said(call, &said);
        goto release_body;
    }
    if (!bs_field_valid(BS_FIELD_HIDE_REASON, reason)) {
        bs_say_invalid(BS_FIELD_HIDE_REASON, reason, &said);
        bs_api_said(call, &said);
        goto release_body;
    }
    st = bs_moderation_hide(ctx, &ad, reason, "api", &hide, &was_hidden);
    if (st == BS_NOTFOUND) {
        bs_say_no_ad(text, &said);
        bs_api_said(call, &said);
    } else if (st != BS_OK) {
        bs_say_failure(st, "cannot hide the ad", &said);
        bs_api_said(call, &said);
    } else {
        view = bs_adhide_view(&hide);
        if (view != NULL &&
            json_object_set_new(view, "was_hidden", json_boolean(was_hidden)) != 0) {
            json_decref(view);
            view = NULL;
        }
        bs_web_call_json(call, 200, view);
    }
release_body:
    json_decref(body);
}

void
bs_api_admin_ad_show(bs_web_call *call, bs_ctx *ctx)
{
    char text[BS_REF_MAX];
    bool was_hidden;
    bs_adhide prior;
    bs_status st;
    bs_said said;
    bs_ref ad;

    if (!bs_api_authenticate_operator(call, ctx) || !ad_param(call, &ad, text))
        return;
    st = bs_moderation_show(ctx, &ad, &prior, &was_hidden);
    if (st == BS_NOTFOUND) {
        bs_say_no_ad(text, &said);
        bs_api_said(call, &said);
        return;
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot show the ad again", &said);
        bs_api_said(call, &said);
        return;
    }
    bs_name_canonical(ad.owner, ad.owner);
    bs_ref_format(&ad, text);
    if (!was_hidden) {
        bs_say_not_hidden(text, &said);
        bs_api_said(call, &said);
        return;
    }
    bs_web_call_json(
        call, 200,
        json_pack("{s:s, s:b, s:s}", "ad", text, "hidden", 0, "reason_was", prior.reason));
}
