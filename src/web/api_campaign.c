/*
 * api_campaign.c — campaigns over the API: create one (the key's account
 * owns it), list them, show one with its price now, show a sold slot with
 * its impressions and clicks. Reading needs no key: a campaign's terms,
 * price and sales are public, as on its page and in its embed.
 */
#include <stdlib.h>
#include <string.h>

#include "core/campaigns.h"
#include "core/docs.h"
#include "core/purchase.h"
#include "core/stats.h"
#include "util/text.h"
#include "web/api.h"

#define WHOLE "a whole number (a JSON integer)"

void
bs_api_campaign_create(bs_web_call *call, bs_ctx *ctx)
{
    static const char *const fields[] = {"min_price", "slot_seconds", "width", "height",
                                         "title",     "disallow",     NULL};
    bs_campaign_terms terms = {0};
    char text[BS_REF_MAX];
    bs_campaign_problem problem;
    json_t *body;
    bs_name canon;
    bs_ref id;
    bs_status st;
    bs_said said;

    if (!bs_api_authenticate(call, ctx, canon) || (body = bs_api_body_object(call, fields)) == NULL)
        return;
    terms.owner = canon;
    /* Integers here; their ranges are the core's rule, said as the command says it. */
    if (bs_api_int_field(call, body, "min_price", true, INT64_MIN, INT64_MAX, WHOLE,
                         &terms.min_price) &&
        bs_api_int_field(call, body, "slot_seconds", true, INT64_MIN, INT64_MAX, WHOLE,
                         &terms.slot_seconds) &&
        bs_api_int_field(call, body, "width", true, INT64_MIN, INT64_MAX, WHOLE, &terms.width) &&
        bs_api_int_field(call, body, "height", true, INT64_MIN, INT64_MAX, WHOLE, &terms.height) &&
        bs_api_string_field(call, body, "title", false, &terms.title) &&
        bs_api_string_field(call, body, "disallow", false, &terms.disallowed)) {
        problem = bs_campaigns_check_terms(&terms);
        if (problem != BS_CAMPAIGN_TERMS_OK) {
            bs_say_campaign_terms(problem, &terms, &said);
            bs_api_said(call, &said);
        } else if ((st = bs_campaigns_create(ctx, &terms, &id)) != BS_OK) {
            bs_say_failure(st, "cannot create the campaign", &said);
            bs_api_said(call, &said);
        } else {
            bs_ref_format(&id, text);
            bs_web_call_json(call, 201, json_pack("{s:s}", "id", text));
        }
    }
    json_decref(body);
}

void
bs_api_campaign_list(bs_web_call *call, bs_ctx *ctx)
{
    char owner[BS_NAME_MAX + 2];
    bs_campaign *list;
    json_t *out;
    size_t count;
    bs_status st;
    bs_said said;

    if (!bs_api_query(call, "owner", owner, sizeof(owner)))
        return;
    if (owner[0] != '\0' && !bs_name_valid(owner)) {
        bs_say_invalid(BS_FIELD_NAME, owner, &said);
        bs_api_said(call, &said);
        return;
    }
    st = bs_campaigns_list(ctx, owner[0] != '\0' ? owner : NULL, &list, &count);
    if (st == BS_NOTFOUND) {
        bs_say_no_account(owner, &said);
        bs_api_said(call, &said);
        return;
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot list campaigns", &said);
        bs_api_said(call, &said);
        return;
    }
    out = json_array();
    for (size_t i = 0; out != NULL && i < count; i++)
        if (json_array_append_new(out, bs_campaign_view(&list[i])) != 0) {
            json_decref(out);
            out = NULL;
        }
    free(list);
    bs_web_call_json(call, 200, out);
}

void
bs_api_campaign_show(bs_web_call *call, bs_ctx *ctx)
{
    char text[BS_REF_MAX];
    bs_purchase_quote q;
    bs_ref id;
    bs_status st;
    bs_said said;

    if (!bs_api_campaign_ref(call, &id, text))
        return;
    st = bs_purchase_quote_now(ctx, &id, &q);
    if (st == BS_NOTFOUND) {
        bs_say_no_campaign(text, &said);
        bs_api_said(call, &said);
    } else if (st != BS_OK) {
        bs_say_failure(st, "cannot read the campaign", &said);
        bs_api_said(call, &said);
    } else {
        bs_web_call_json(call, 200, bs_purchase_quote_view(&q));
    }
}

void
bs_api_slot_show(bs_web_call *call, bs_ctx *ctx)
{
    char text[BS_REF_MAX], *end;
    bs_stats_sum sum;
    json_t *view;
    bs_slot slot;
    long index;
    bs_ref id;
    bs_status st;
    bs_said said;

    if (!bs_api_campaign_ref(call, &id, text))
        return;
    index = strtol(call->params[2], &end, 10);
    if (!bs_text_decimal(call->params[2], strlen(call->params[2])) || *end != '\0' ||
        index > BS_INDEX_MAX) {
        bs_say_no_slot(call->params[2], text, &said);
        bs_api_said(call, &said);
        return;
    }
    st = bs_docs_slot(ctx, &id, (uint32_t)index, &slot);
    if (st == BS_OK)
        st = bs_stats_slot(ctx, &id, (uint32_t)index, &sum);
    if (st == BS_NOTFOUND) {
        bs_say_no_slot(call->params[2], text, &said);
        bs_api_said(call, &said);
        return;
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot read the slot", &said);
        bs_api_said(call, &said);
        return;
    }
    view = bs_slot_view(&slot);
    if (view != NULL &&
        (json_object_set_new(view, "impressions", json_integer(sum.impressions)) != 0 ||
         json_object_set_new(view, "clicks", json_integer(sum.clicks)) != 0)) {
        json_decref(view);
        view = NULL;
    }
    bs_web_call_json(call, 200, view);
}
