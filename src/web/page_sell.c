/*
 * page_sell.c — create a campaign from a form; the campaign's page then
 * shows its owner the embed snippet to copy, with a live preview.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/campaigns.h"
#include "web/page.h"
#include "web/pages.h"

static const bs_form_limit sell_fields[] = {
    {"title", 1024, false}, {"min_price", 32, false}, {"slot_seconds", 32, false},
    {"width", 32, false},   {"height", 32, false},    {"disallow", 1024, false},
    {NULL, 0, false}};

void
bs_page_sell(bs_web_call *call, bs_ctx *ctx)
{
    bs_page_user user;

    if (bs_page_need_user(call, ctx, &user))
        bs_page_render(call, ctx, &user, 200, "sell", "Sell",
                       json_pack("{s:{s:s, s:s, s:s, s:s}}", "form", "min_price", "1000",
                                 "slot_seconds", "86400", "width", "300", "height", "250"));
}

/* The form as typed, to show it again with its error. */
static json_t *
typed(const bs_form *form)
{
    json_t *values = json_object();

    for (const bs_form_limit *f = sell_fields; values != NULL && f->name != NULL; f++)
        json_object_set_new(values, f->name, json_string(bs_page_field(form, f->name)));
    return json_pack("{s:o*}", "form", values);
}

void
bs_page_sell_post(bs_web_call *call, bs_ctx *ctx)
{
    bs_campaign_terms terms = {0};
    char ref[BS_REF_MAX], location[BS_REF_MAX + 24];
    bs_campaign_problem problem;
    bs_page_user user;
    bs_form form;
    bs_status st;
    bs_said said;
    bs_ref id;

    if (!bs_page_need_user(call, ctx, &user) ||
        !bs_page_form(call, ctx, &user, sell_fields, false, &form))
        return;
    terms.owner = user.canon;
    terms.title = bs_page_field(&form, "title");
    terms.disallowed =
        bs_page_field(&form, "disallow")[0] != '\0' ? bs_page_field(&form, "disallow") : NULL;
    if (!bs_page_whole(&form, "min_price", &terms.min_price, &said) ||
        !bs_page_whole(&form, "slot_seconds", &terms.slot_seconds, &said) ||
        !bs_page_whole(&form, "width", &terms.width, &said) ||
        !bs_page_whole(&form, "height", &terms.height, &said)) {
        bs_page_form_error(call, ctx, &user, "sell", "Sell", typed(&form), &said);
    } else if ((problem = bs_campaigns_check_terms(&terms)) != BS_CAMPAIGN_TERMS_OK) {
        bs_say_campaign_terms(problem, &terms, &said);
        bs_page_form_error(call, ctx, &user, "sell", "Sell", typed(&form), &said);
    } else if ((st = bs_campaigns_create(ctx, &terms, &id)) != BS_OK) {
        bs_say_failure(st, "cannot create the campaign", &said);
        bs_page_form_error(call, ctx, &user, "sell", "Sell", typed(&form), &said);
    } else {
        bs_ref_format(&id, ref);
        snprintf(location, sizeof(location), "/campaigns/%s?new=1", ref);
        bs_page_redirect(call, ctx, &user, location,
                         "your campaign is ready: copy the snippet below into your site", NULL);
    }
    bs_form_release(&form);
}
