/*
 * page_campaign.c — the home page's list of campaigns, a campaign's page
 * and buying its slot from the page: "Buy at N sat" → "are you sure?" with
 * the slot and price → bought. The order carries the slot and price the
 * visitor saw (expect_slot and max_price of core/purchase.h), so a slot
 * that moved meanwhile is never bought by surprise; the same slot bought,
 * or being bought, from another tab of the same account gets the seed's
 * "use one tab at a time".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ads.h"
#include "core/campaigns.h"
#include "core/docs.h"
#include "core/moderation.h"
#include "core/purchase.h"
#include "util/text.h"
#include "web/page.h"
#include "web/pages.h"

#define HOME_CAMPAIGNS_MAX 100
#define QUEUE_MAX          24

/* What the home page and a campaign's page show of one campaign. */
static json_t *
campaign_card(bs_ctx *ctx, const bs_campaign *c, const bs_purchase_quote *q, int64_t now)
{
    char ref[BS_REF_MAX], href[BS_REF_MAX + 16];
    bs_slot queue[QUEUE_MAX];
    json_t *card, *showing = NULL;
    size_t n = 0;

    bs_ref_format(&c->id, ref);
    snprintf(href, sizeof(href), "/campaigns/%s", ref);
    /* The oldest slot not ended shows now, unless it starts later. */
    if (bs_campaigns_slots(ctx, c, now, QUEUE_MAX, queue, &n) == BS_OK && n > 0 &&
        queue[n - 1].start <= now)
        showing = bs_page_slot_ad(ctx, &queue[n - 1]);
    card = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "id", ref, "owner",
                     c->id.owner, "href", href, "title", c->title, "width", (json_int_t)c->width,
                     "height", (json_int_t)c->height, "price", (json_int_t)q->price, "min_price",
                     (json_int_t)c->min_price, "slot_seconds", (json_int_t)c->slot_seconds);
    if (card != NULL && showing != NULL)
        json_object_set_new(card, "showing", showing);
    else
        json_decref(showing);
    return card;
}

void
bs_page_home(bs_web_call *call, bs_ctx *ctx)
{
    int64_t now = bs_ctx_now(ctx);
    bs_campaign *list = NULL;
    bs_page_user user;
    json_t *cards;
    size_t count = 0;
    bs_status st;
    bs_said said;

    if (!bs_page_visitor(call, ctx, &user))
        return;
    st = bs_campaigns_list(ctx, NULL, &list, &count);
    if (st != BS_OK) {
        bs_say_failure(st, "cannot list campaigns", &said);
        bs_page_said(call, ctx, &user, &said);
        return;
    }
    cards = json_array();
    for (size_t i = 0; cards != NULL && i < count && i < HOME_CAMPAIGNS_MAX; i++) {
        bs_purchase_quote q;
        bs_purchase_quote_at(&list[i], now, &q);
        json_array_append_new(cards, campaign_card(ctx, &list[i], &q, now));
    }
    free(list);
    bs_page_render(call, ctx, &user, 200, "home", "Ad slots for bitcoin",
                   json_pack("{s:o*}", "campaigns", cards));
}

/* The campaign of the route's {owner}/{index}, synced and quoted; false
 * after answering 404 (or the store's error). */
static bool
campaign_of(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, bs_purchase_quote *q,
            char ref[BS_REF_MAX])
{
    bs_status st;
    bs_said said;
    bs_ref id;
    int n = snprintf(ref, BS_REF_MAX, "%s/%s", call->params[0], call->params[1]);

    if (n < 0 || n >= BS_REF_MAX || bs_ref_parse(ref, &id) != BS_OK) {
        bs_say_no_campaign(ref, &said);
        bs_page_said(call, ctx, user, &said);
        return false;
    }
    st = bs_purchase_quote_now(ctx, &id, q);
    if (st == BS_NOTFOUND)
        bs_say_no_campaign(ref, &said);
    else if (st != BS_OK)
        bs_say_failure(st, "cannot read the campaign", &said);
    if (st != BS_OK) {
        bs_page_said(call, ctx, user, &said);
        return false;
    }
    return true;
}

/* The sold slots still to show, oldest first, the one showing marked. */
static json_t *
queue_of(bs_ctx *ctx, const bs_campaign *c, int64_t now, json_t **showing)
{
    bs_slot slots[QUEUE_MAX];
    size_t count = 0;
    json_t *rows = json_array();

    *showing = NULL;
    if (bs_campaigns_slots(ctx, c, now, QUEUE_MAX, slots, &count) != BS_OK)
        count = 0;
    for (size_t i = count; rows != NULL && i-- > 0;) {
        char start[32], end[32];
        bool now_showing = slots[i].start <= now;
        bs_page_time(slots[i].start, start);
        bs_page_time(slots[i].end, end);
        if (now_showing && *showing == NULL)
            *showing = bs_page_slot_ad(ctx, &slots[i]);
        json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s, s:I, s:b}", "slot",
                                              (json_int_t)slots[i].index, "start", start, "end",
                                              end, "buyer", slots[i].buyer, "price",
                                              (json_int_t)slots[i].price, "showing", now_showing));
    }
    return rows;
}

/* The visitor's ads that fit the campaign and that the operator did not
 * hide (a purchase with a hidden one is refused), for the Buy form's
 * choice. */
static json_t *
fitting_ads(bs_ctx *ctx, const char *canon, const bs_campaign *c)
{
    bs_ad *ads = NULL;
    bs_adhide *hidden = NULL;
    size_t count = 0, nhidden = 0;
    json_t *list = json_array();

    if (bs_ads_list(ctx, canon, &ads, &count) != BS_OK)
        count = 0;
    if (count > 0 && bs_moderation_list(ctx, canon, &hidden, &nhidden, NULL) != BS_OK)
        nhidden = 0;
    for (size_t i = 0; list != NULL && i < count; i++) {
        char id[BS_REF_MAX];
        if (ads[i].width != c->width || ads[i].height != c->height ||
            bs_moderation_find(hidden, nhidden, &ads[i].id) != NULL)
            continue;
        bs_ref_format(&ads[i].id, id);
        json_array_append_new(list, json_pack("{s:s, s:s}", "id", id, "label",
                                              ads[i].nickname[0] != '\0' ? ads[i].nickname : id));
    }
    free(ads);
    free(hidden);
    return list;
}

static json_t *
campaign_data(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const bs_purchase_quote *q,
              const char *ref)
{
    int64_t now = bs_ctx_now(ctx);
    char start[32], events[BS_REF_MAX + 32], embed[BS_REF_MAX + 16], url[600], snippet[1024];
    json_t *data = campaign_card(ctx, &q->campaign, q, now), *showing, *queue;

    queue = queue_of(ctx, &q->campaign, now, &showing);
    bs_page_time(q->start, start);
    snprintf(events, sizeof(events), "/api/v1/campaigns/%s/events", ref);
    snprintf(embed, sizeof(embed), "/embed/%s", ref);
    bs_page_absolute(call, embed, url, sizeof(url));
    snprintf(snippet, sizeof(snippet),
             "<iframe src=\"%s\" width=\"%lld\" height=\"%lld\" style=\"border:0\" "
             "title=\"ad\"></iframe>",
             url, (long long)q->campaign.width, (long long)q->campaign.height);
    if (data == NULL)
        return NULL;
    json_object_del(data, "showing");
    json_object_set_new(data, "showing", showing != NULL ? showing : json_null());
    json_object_set_new(data, "queue", queue);
    json_object_set_new(data, "for_sale", json_integer(q->next_slot));
    json_object_set_new(data, "for_sale_start", json_string(start));
    json_object_set_new(data, "events", json_string(events));
    json_object_set_new(data, "embed", json_string(embed));
    json_object_set_new(data, "snippet", json_string(snippet));
    json_object_set_new(data, "script", json_string("/static/live.js"));
    json_object_set_new(data, "owner_view",
                        json_boolean(user->in && strcmp(user->canon, q->campaign.id.owner) == 0));
    if (user->in) {
        json_t *ads = fitting_ads(ctx, user->canon, &q->campaign);
        json_object_set_new(data, "has_ads", json_boolean(json_array_size(ads) > 0));
        json_object_set_new(data, "ads", ads);
    }
    return data;
}

void
bs_page_campaign(bs_web_call *call, bs_ctx *ctx)
{
    char ref[BS_REF_MAX];
    bs_purchase_quote q;
    bs_page_user user;

    if (!bs_page_visitor(call, ctx, &user))
        return;
    if (!campaign_of(call, ctx, &user, &q, ref))
        return;
    bs_page_render(call, ctx, &user, 200, "campaign", q.campaign.title[0] ? q.campaign.title : ref,
                   campaign_data(call, ctx, &user, &q, ref));
}

static const bs_form_limit buy_fields[] = {{"ad", BS_REF_MAX, false},
                                           {"slot", 24, false},
                                           {"price", 24, false},
                                           {"confirm", 8, false},
                                           {NULL, 0, false}};

/* A whole number of the form in its one spelling (util/text.h), or -1. */
static int64_t
number_field(const bs_form *form, const char *name)
{
    const char *text = bs_page_field(form, name);
    char *end;
    long long v;

    if (!bs_text_decimal(text, strlen(text)) || strlen(text) > 18)
        return -1;
    v = strtoll(text, &end, 10);
    return *end == '\0' ? v : -1;
}

/* Is `ad` one of `canon`'s ads that fit the campaign? */
static bool
fits(bs_ctx *ctx, const char *canon, const bs_ref *ad, const bs_campaign *c)
{
    bs_ad found;

    return strcmp(ad->owner, canon) == 0 && bs_docs_ad(ctx, ad, &found) == BS_OK &&
           found.width == c->width && found.height == c->height;
}

/* Is the order's slot bought by `canon` already, or being bought by it
 * right now (its account locked on that very slot)? Then another tab of
 * the same person got there first. The account is read before the slot: a
 * purchase that finishes between the two reads is seen in the second. */
static bool
other_tab_bought(bs_ctx *ctx, const bs_purchase_order *order, const char *canon)
{
    bool same = false;
    bs_account a;
    bs_slot slot;

    if (bs_docs_account(ctx, canon, &a, NULL) == BS_OK) {
        same = a.lock == BS_LOCK_FILL && bs_ref_equal(&a.fill.campaign, &order->campaign) &&
               (int64_t)a.fill.slot == order->expect_slot;
        bs_account_release(&a);
    }
    return same ||
           (bs_docs_slot(ctx, &order->campaign, (uint32_t)order->expect_slot, &slot) == BS_OK &&
            strcmp(slot.buyer, canon) == 0);
}

void
bs_page_buy(bs_web_call *call, bs_ctx *ctx)
{
    bs_purchase_order order = {.max_price = -1, .expect_slot = -1};
    char ref[BS_REF_MAX], notice[160], location[BS_REF_MAX + 16];
    bs_purchase_result res;
    bs_purchase_quote q;
    bs_page_user user;
    const char *ad;
    bs_form form;
    bs_status st;
    bs_said said;

    if (!bs_page_need_user(call, ctx, &user) ||
        !bs_page_form(call, ctx, &user, buy_fields, false, &form))
        return;
    if (!campaign_of(call, ctx, &user, &q, ref))
        goto done;
    ad = bs_page_field(&form, "ad");
    order.campaign = q.campaign.id;
    order.buyer = user.canon;
    order.expect_slot = number_field(&form, "slot");
    order.max_price = number_field(&form, "price");
    if (order.expect_slot < 0 || order.max_price < 0 || bs_ref_parse(ad, &order.ad) != BS_OK ||
        !fits(ctx, user.canon, &order.ad, &q.campaign)) {
        said = (bs_said){.http = 400, .code = "bad_order", .slot = -1, .price = -1};
        snprintf(said.text, sizeof(said.text),
                 "choose one of your ads of %lldx%lld pixels; the form needs the slot and the "
                 "price you saw",
                 (long long)q.campaign.width, (long long)q.campaign.height);
        bs_page_form_error(call, ctx, &user, "campaign", ref,
                           campaign_data(call, ctx, &user, &q, ref), &said);
        goto done;
    }
    if (strcmp(bs_page_field(&form, "confirm"), "yes") != 0) {
        /* "Are you sure?" about the slot for sale and its price now (the
         * page may have been open a while), never a slot or price the
         * form made up. */
        bs_page_render(call, ctx, &user, 200, "confirm", "Are you sure?",
                       json_pack("{s:s, s:s, s:s, s:I, s:I, s:b}", "id", ref, "campaign_title",
                                 q.campaign.title[0] != '\0' ? q.campaign.title : ref, "ad", ad,
                                 "slot", (json_int_t)q.next_slot, "price", (json_int_t)q.price,
                                 "moved",
                                 q.next_slot != order.expect_slot || q.price > order.max_price));
        goto done;
    }
    st = bs_purchase_buy(ctx, &order, &res);
    snprintf(location, sizeof(location), "/campaigns/%s", ref);
    if (st == BS_OK) {
        snprintf(notice, sizeof(notice), "you bought slot %lld for %lld sat",
                 (long long)res.slot.index, (long long)res.slot.price);
        bs_page_redirect(call, ctx, &user, location, notice, NULL);
        goto done;
    }
    /* Moved on, lost, or locked by a purchase in progress: bought (or
     * being bought) by this account from another tab, or this very form
     * sent twice? */
    if ((st == BS_STALE || st == BS_SOLD || st == BS_LOCKED) &&
        other_tab_bought(ctx, &order, user.canon))
        bs_say_already_yours(order.expect_slot, ref, &said);
    else
        bs_say_buy(st, &order, &res, ref, ad, BS_VOICE_PAGE, &said);
    /* The page again, as it is now, with the sentence. */
    if (campaign_of(call, ctx, &user, &q, ref))
        bs_page_form_error(call, ctx, &user, "campaign", ref,
                           campaign_data(call, ctx, &user, &q, ref), &said);
done:
    bs_form_release(&form);
}
