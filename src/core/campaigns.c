/*
 * campaigns.c — see campaigns.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/campaigns.h"
#include "core/docs.h"
#include "model/field.h"
#include "util/money.h"

bs_campaign_problem
bs_campaigns_check_terms(const bs_campaign_terms *t)
{
    if (t->min_price < 1 || t->min_price > BS_MAX_MONEY)
        return BS_CAMPAIGN_BAD_MIN_PRICE;
    if (t->slot_seconds < BS_SLOT_SECONDS_MIN || t->slot_seconds > BS_SLOT_SECONDS_MAX)
        return BS_CAMPAIGN_BAD_SLOT_SECONDS;
    if (t->width < BS_AD_SIDE_MIN || t->width > BS_AD_SIDE_MAX || t->height < BS_AD_SIDE_MIN ||
        t->height > BS_AD_SIDE_MAX)
        return BS_CAMPAIGN_BAD_SIZE;
    if (t->title != NULL && !bs_field_valid(BS_FIELD_TITLE, t->title))
        return BS_CAMPAIGN_BAD_TITLE;
    if (t->disallowed != NULL && !bs_field_valid(BS_FIELD_CATEGORIES, t->disallowed))
        return BS_CAMPAIGN_BAD_CATEGORIES;
    return BS_CAMPAIGN_TERMS_OK;
}

static char *
encode_campaign_at(uint32_t index, void *arg, size_t *len)
{
    bs_campaign *c = arg;

    c->id.index = index;
    return bs_campaign_encode(c, len);
}

static bool
campaign_is_ours(const char *text, size_t len, void *arg)
{
    const bs_campaign *c = arg;
    bs_campaign found;

    return bs_campaign_decode(text, len, &found) == BS_OK && strcmp(found.request, c->request) == 0;
}

bs_status
bs_campaigns_create(bs_ctx *ctx, const bs_campaign_terms *t, bs_ref *id)
{
    char prefix[BS_KEY_BUF];
    bs_campaign c;
    bs_status st;

    if (bs_campaigns_check_terms(t) != BS_CAMPAIGN_TERMS_OK || !bs_name_valid(t->owner))
        return BS_INVALID;
    memset(&c, 0, sizeof(c));
    bs_name_canonical(t->owner, c.id.owner);
    st = bs_docs_account_exists(ctx, c.id.owner);
    if (st != BS_OK)
        return st;
    c.min_price = t->min_price;
    c.slot_seconds = t->slot_seconds;
    c.width = t->width;
    c.height = t->height;
    snprintf(c.title, sizeof(c.title), "%s", t->title ? t->title : "");
    bs_categories_parse(t->disallowed, &c.disallowed);
    c.created = bs_ctx_now(ctx);
    bs_id_next(&ctx->ids, c.request);
    bs_prefix_campaigns_of(c.id.owner, prefix);
    st = bs_docs_add_next(ctx, prefix, encode_campaign_at, campaign_is_ours, &c, &c.id.index);
    if (st == BS_OK)
        *id = c.id;
    return st;
}

static bs_status
decode_campaign(const char *text, size_t len, void *elem)
{
    return bs_campaign_decode(text, len, elem);
}

bs_status
bs_campaigns_list(bs_ctx *ctx, const char *owner, bs_campaign **out, size_t *count)
{
    char prefix[BS_KEY_BUF];

    *out = NULL;
    *count = 0;
    if (owner != NULL) {
        bs_name canon;
        if (!bs_name_valid(owner))
            return BS_NOTFOUND;
        bs_name_canonical(owner, canon);
        bs_status st = bs_docs_account_exists(ctx, canon);
        if (st != BS_OK)
            return st;
        bs_prefix_campaigns_of(canon, prefix);
    } else {
        snprintf(prefix, sizeof(prefix), "%s", BS_PREFIX_CAMPAIGNS);
    }
    return bs_docs_collect(ctx, prefix, sizeof(**out), decode_campaign, (void **)out, count);
}

bs_status
bs_campaigns_slots(bs_ctx *ctx, const bs_campaign *campaign, int64_t after, size_t max,
                   bs_slot *out, size_t *count)
{
    *count = 0;
    if (!campaign->has_last)
        return BS_OK;
    for (int64_t i = campaign->last.index; i >= 0 && *count < max; i--) {
        bs_slot slot;
        bs_status st = i == campaign->last.index
                           ? (slot = campaign->last, BS_OK)
                           : bs_docs_slot(ctx, &campaign->id, (uint32_t)i, &slot);

        if (st != BS_OK)
            return st;
        if (slot.end <= after)
            break;
        out[(*count)++] = slot;
    }
    return BS_OK;
}
