/*
 * campaigns.h — publishers' campaigns: creating and listing them
 * (DESIGN.md §2). Buying their slots is purchase.h.
 */
#ifndef BS_CAMPAIGNS_H
#define BS_CAMPAIGNS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/campaign.h"

#define BS_SLOT_SECONDS_MIN 60
#define BS_SLOT_SECONDS_MAX (INT64_C(366) * 24 * 3600)
#define BS_AD_SIDE_MIN      16
#define BS_AD_SIDE_MAX      2048

typedef struct bs_campaign_terms {
    const char *owner;
    int64_t min_price;    /* 1..BS_MAX_MONEY satoshis */
    int64_t slot_seconds; /* BS_SLOT_SECONDS_MIN..MAX */
    int64_t width;        /* BS_AD_SIDE_MIN..MAX */
    int64_t height;
    const char *title;      /* may be NULL; BS_FIELD_TITLE (model/field.h) */
    const char *disallowed; /* may be NULL; BS_FIELD_CATEGORIES ("a,b") */
} bs_campaign_terms;

/* Which term is wrong, for the caller's message (BS_CAMPAIGN_TERMS_OK when
 * none). */
typedef enum bs_campaign_problem {
    BS_CAMPAIGN_TERMS_OK,
    BS_CAMPAIGN_BAD_MIN_PRICE,
    BS_CAMPAIGN_BAD_SLOT_SECONDS,
    BS_CAMPAIGN_BAD_SIZE,
    BS_CAMPAIGN_BAD_TITLE,
    BS_CAMPAIGN_BAD_CATEGORIES,
} bs_campaign_problem;

bs_campaign_problem bs_campaigns_check_terms(const bs_campaign_terms *terms);

/* Create a campaign; *id is its reference. BS_INVALID (see
 * bs_campaigns_check_terms), BS_NOTFOUND (no such owner). */
bs_status bs_campaigns_create(bs_ctx *ctx, const bs_campaign_terms *terms, bs_ref *id);

/* Every campaign, or every campaign of `owner` when not NULL, in order.
 * *out is malloc'ed (free it). */
bs_status bs_campaigns_list(bs_ctx *ctx, const char *owner, bs_campaign **out, size_t *count);

/* The slots sold of `campaign` (as read: its `last` says how far they go),
 * newest first: at most `max` of them, and only those that end after
 * `after` (INT64_MIN: any). With after = now they are the queue: the slots
 * still to show, the last of them the one showing now (when its start is
 * not after now). Slots are back to back, so the walk stops at the first
 * that ended. */
bs_status bs_campaigns_slots(bs_ctx *ctx, const bs_campaign *campaign, int64_t after, size_t max,
                             bs_slot *out, size_t *count);

#endif
