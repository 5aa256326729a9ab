/*
 * page_account.c — the account page (balance, every balance change, the
 * slots bought and sold with their impressions and clicks, the API key
 * shown once) and "new key". A slot bought with an ad the operator hid
 * says so, with the operator's reason (core/moderation.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/books.h"
#include "core/campaigns.h"
#include "core/docs.h"
#include "core/moderation.h"
#include "core/stats.h"
#include "web/page.h"
#include "web/pages.h"

#define HISTORY_SHOWN 100 /* the newest entries */
#define SOLD_SHOWN    20  /* the newest slots of each campaign */

/* The buyer's ads the operator hid. */
typedef struct hidden_ads {
    bs_adhide *list;
    size_t count;
} hidden_ads;

/* A sold slot as a row: campaign, slot, price, start, impressions, clicks,
 * and, when `hidden` (may be NULL) has its ad, the operator's reason. */
static json_t *
slot_row(bs_ctx *ctx, const bs_slot *slot, const hidden_ads *hidden)
{
    char ref[BS_REF_MAX], start[32], href[BS_REF_MAX + 16];
    const bs_adhide *hide =
        hidden != NULL ? bs_moderation_find(hidden->list, hidden->count, &slot->ad) : NULL;
    bs_stats_sum sum = {0};
    json_t *row;

    bs_ref_format(&slot->campaign, ref);
    snprintf(href, sizeof(href), "/campaigns/%s", ref);
    bs_page_time(slot->start, start);
    (void)bs_stats_slot(ctx, &slot->campaign, slot->index, &sum);
    row = json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:I, s:I}", "campaign", ref, "href", href,
                    "slot", (json_int_t)slot->index, "price", (json_int_t)slot->price, "start",
                    start, "buyer", slot->buyer, "impressions", (json_int_t)sum.impressions,
                    "clicks", (json_int_t)sum.clicks);
    if (row != NULL && hide != NULL &&
        json_object_set_new(row, "hidden", json_string(hide->reason)) != 0) {
        json_decref(row);
        row = NULL;
    }
    return row;
}

/* The history (newest first) and, from its purchases, the slots bought. */
static bs_status
history(bs_ctx *ctx, const char *canon, int64_t next, json_t *rows, json_t *bought,
        const hidden_ads *hidden)
{
    int64_t after = next - 1 > HISTORY_SHOWN ? next - 1 - HISTORY_SHOWN : 0;
    bs_ledger_entry *entries;
    size_t count;
    bool more;
    bs_status st = bs_books_history(ctx, canon, after, HISTORY_SHOWN, &entries, &count, &more);

    if (st != BS_OK)
        return st;
    for (size_t i = count; i-- > 0;) {
        char when[32];
        bs_ref campaign;
        uint32_t index;
        bs_slot slot;

        bs_page_time(entries[i].time, when);
        json_array_append_new(rows, json_pack("{s:I, s:s, s:I, s:I, s:s, s:s, s:s}", "seq",
                                              (json_int_t)entries[i].seq, "kind",
                                              bs_entry_kind_name(entries[i].kind), "amount",
                                              (json_int_t)entries[i].amount, "balance",
                                              (json_int_t)entries[i].balance, "time", when, "ref",
                                              entries[i].ref, "memo", entries[i].memo));
        if (entries[i].kind == BS_ENTRY_PURCHASE &&
            bs_slot_ref_parse(entries[i].ref, &campaign, &index) == BS_OK &&
            bs_docs_slot(ctx, &campaign, index, &slot) == BS_OK)
            json_array_append_new(bought, slot_row(ctx, &slot, hidden));
    }
    free(entries);
    return BS_OK;
}

/* The newest slots sold of each of `canon`'s campaigns, oldest first. */
static bs_status
sold(bs_ctx *ctx, const char *canon, json_t *rows)
{
    bs_campaign *list;
    size_t count;
    bs_status st = bs_campaigns_list(ctx, canon, &list, &count);

    if (st == BS_NOTFOUND)
        return BS_OK;
    for (size_t i = 0; st == BS_OK && i < count; i++) {
        bs_slot slots[SOLD_SHOWN];
        size_t n = 0;
        st = bs_campaigns_slots(ctx, &list[i], INT64_MIN, SOLD_SHOWN, slots, &n);
        for (size_t j = n; st == BS_OK && j-- > 0;) /* oldest first */
            json_array_append_new(rows, slot_row(ctx, &slots[j], NULL));
    }
    free(list);
    return st;
}

void
bs_page_account(bs_web_call *call, bs_ctx *ctx)
{
    json_t *rows = json_array(), *bought = json_array(), *sold_rows = json_array();
    hidden_ads hidden = {NULL, 0};
    bs_page_user user;
    bs_account a;
    bs_status st;
    bs_said said;

    if (!bs_page_need_user(call, ctx, &user))
        goto release;
    st = bs_accounts_show(ctx, user.canon, &a);
    if (st == BS_OK) {
        st = bs_moderation_list(ctx, user.canon, &hidden.list, &hidden.count, NULL);
        if (st == BS_OK)
            st = history(ctx, user.canon, a.ledger_next, rows, bought, &hidden);
        if (st == BS_OK)
            st = sold(ctx, user.canon, sold_rows);
        if (st == BS_OK)
            bs_page_render(call, ctx, &user, 200, "account", "Account",
                           json_pack("{s:s, s:I, s:b, s:O, s:O, s:O}", "name", a.name, "balance",
                                     (json_int_t)a.balance, "locked", a.lock != BS_LOCK_NONE,
                                     "history", rows, "bought", bought, "sold", sold_rows));
        bs_account_release(&a);
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot read the account", &said);
        bs_page_said(call, ctx, &user, &said);
    }
release:
    free(hidden.list);
    json_decref(rows);
    json_decref(bought);
    json_decref(sold_rows);
}

void
bs_page_account_key(bs_web_call *call, bs_ctx *ctx)
{
    char api_key[BS_API_KEY_LEN + 1];
    bs_page_user user;
    bs_form form;
    bs_status st;
    bs_said said;

    if (!bs_page_need_user(call, ctx, &user) || !bs_page_form(call, ctx, &user, NULL, false, &form))
        return;
    bs_form_release(&form);
    st = bs_accounts_new_api_key(ctx, user.canon, api_key);
    if (st != BS_OK) {
        bs_say_failure(st, "cannot make a new API key", &said);
        bs_page_said(call, ctx, &user, &said);
        return;
    }
    bs_page_redirect(call, ctx, &user, "/account",
                     "your new API key is below, shown this once; the old one no longer works",
                     api_key);
}
