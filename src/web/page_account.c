/*
 * page_account.c — the account page (balance, the Withdraw form and the
 * withdrawals, every balance change, the slots bought and sold with their
 * impressions and clicks, the API key shown once), "new key", and asking
 * for a withdrawal (POST /account/withdraw, core/withdraw.h).
 *
 * The Withdraw form carries a request id made when the page was rendered:
 * the same form sent twice (an answer lost, a double click, a reload of
 * the POST) names the same withdrawal, which the core reserves once. A
 * refused form is shown again with what was typed and the same id (nothing
 * was reserved under it; after an unknown outcome, sending it again is
 * what finds the withdrawal), except when the id was already used for
 * another withdrawal: then a new one. A form without its request id (not
 * one the page made) is refused, nothing reserved: sent twice, it would
 * otherwise reserve twice.
 * A slot bought with an ad the operator hid says so, with the operator's
 * reason (core/moderation.h).
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
#include "core/withdraw.h"
#include "util/money.h"
#include "web/page.h"
#include "web/pages.h"

#define HISTORY_SHOWN 100 /* the newest entries */
#define SOLD_SHOWN    20  /* the newest slots of each campaign */
#define WD_SHOWN      50  /* the newest withdrawals */

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

/* The withdrawals of `canon`, newest first, as rows. */
static bs_status
withdrawals(bs_ctx *ctx, const char *canon, json_t *rows)
{
    bs_withdrawal *list;
    size_t count;
    bs_status st = bs_withdraw_list(ctx, canon, NULL, &list, &count);

    if (st != BS_OK)
        return st;
    for (size_t i = 0; i < count && i < WD_SHOWN; i++) {
        const bs_withdrawal *w = &list[i];
        bool sent = w->txid[0] != '\0';
        char when[32];

        bs_page_time(w->hold.time, when);
        json_array_append_new(
            rows, json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:o}", "id", w->hold.id,
                            "time", when, "amount", (json_int_t)w->hold.amount, "fee",
                            (json_int_t)w->hold.fee, "address", w->hold.address, "state",
                            bs_wd_state_name(w->state), "reason", w->reason, "txid", w->txid,
                            "confirmations", sent ? json_integer(w->confirmations) : json_null()));
    }
    bs_withdraw_list_free(list, count);
    return BS_OK;
}

/* The fee rule in words: "1.5 %" (basis points as a percentage), or "no
 * fee". */
static void
fee_words(int64_t bp, char *out, size_t size)
{
    if (bp == 0)
        snprintf(out, size, "no fee");
    else if (bp % 100 == 0)
        snprintf(out, size, "%lld %%", (long long)(bp / 100));
    else if (bp % 10 == 0)
        snprintf(out, size, "%lld.%lld %%", (long long)(bp / 100), (long long)(bp % 100 / 10));
    else
        snprintf(out, size, "%lld.%02lld %%", (long long)(bp / 100), (long long)(bp % 100));
}

/* The Withdraw form's data: the rule (minimum, fee) and what was typed
 * (`typed`: {"amount", "address", "request"}, taken; NULL: an empty form
 * with a new request id). */
static json_t *
withdraw_form(bs_ctx *ctx, json_t *typed)
{
    const char *amount_text;
    char fee[32], request[BS_ID_LEN + 1];
    json_t *form = typed != NULL ? typed : json_object();
    int64_t amount;

    if (form == NULL)
        return NULL;
    if (json_string_value(json_object_get(form, "request")) == NULL) {
        bs_id_next(&ctx->ids, request);
        json_object_set_new(form, "request", json_string(request));
    }
    fee_words(ctx->withdraw_fee_bp, fee, sizeof(fee));
    json_object_set_new(form, "min", json_integer(ctx->min_withdrawal));
    json_object_set_new(form, "min_fee", json_integer(bs_withdraw_fee(ctx, ctx->min_withdrawal)));
    json_object_set_new(form, "fee", json_string(fee));
    /* What the amount typed costs, fee included. */
    amount_text = json_string_value(json_object_get(form, "amount"));
    if (amount_text != NULL && bs_money_parse(amount_text, false, &amount) == BS_OK && amount > 0) {
        int64_t f = bs_withdraw_fee(ctx, amount);
        json_object_set_new(form, "cost",
                            json_pack("{s:I, s:I, s:I}", "amount", (json_int_t)amount, "fee",
                                      (json_int_t)f, "total", (json_int_t)(amount + f)));
    }
    return form;
}

/* The account page, with the Withdraw form `typed` (taken; NULL: empty)
 * and, when `said` is not NULL, its refusal. */
static void
account_page(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, json_t *typed, const bs_said *said)
{
    json_t *rows = json_array(), *bought = json_array(), *sold_rows = json_array(),
           *wd_rows = json_array(), *form = withdraw_form(ctx, typed), *data;
    hidden_ads hidden = {NULL, 0};
    bs_account a;
    bs_status st;
    bs_said failed;

    st = bs_accounts_show(ctx, user->canon, &a);
    if (st == BS_OK) {
        st = bs_moderation_list(ctx, user->canon, &hidden.list, &hidden.count, NULL);
        if (st == BS_OK)
            st = history(ctx, user->canon, a.ledger_next, rows, bought, &hidden);
        if (st == BS_OK)
            st = sold(ctx, user->canon, sold_rows);
        if (st == BS_OK)
            st = withdrawals(ctx, user->canon, wd_rows);
        if (st == BS_OK) {
            data = json_pack("{s:s, s:I, s:b, s:O, s:O, s:O, s:O, s:O?}", "name", a.name, "balance",
                             (json_int_t)a.balance, "locked", a.lock != BS_LOCK_NONE, "history",
                             rows, "bought", bought, "sold", sold_rows, "withdrawals", wd_rows,
                             "withdraw", form);
            if (said != NULL)
                bs_page_form_error(call, ctx, user, "account", "Account", data, said);
            else
                bs_page_render(call, ctx, user, 200, "account", "Account", data);
        }
        bs_account_release(&a);
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot read the account", &failed);
        bs_page_said(call, ctx, user, &failed);
    }
    free(hidden.list);
    json_decref(rows);
    json_decref(bought);
    json_decref(sold_rows);
    json_decref(wd_rows);
    json_decref(form);
}

void
bs_page_account(bs_web_call *call, bs_ctx *ctx)
{
    bs_page_user user;

    if (bs_page_need_user(call, ctx, &user))
        account_page(call, ctx, &user, NULL, NULL);
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

static const bs_form_limit withdraw_fields[] = {{"amount", 32, false},
                                                {"address", 256, false},
                                                {"request", BS_ID_LEN, false},
                                                {NULL, 0, false}};

void
bs_page_withdraw(bs_web_call *call, bs_ctx *ctx)
{
    char notice[BS_SESSION_NOTICE_MAX + 1];
    bs_withdraw_order order = {0};
    bs_withdraw_result res;
    bs_page_user user;
    json_t *typed;
    bs_form form;
    bs_status st;
    bs_said said;

    if (!bs_page_need_user(call, ctx, &user) ||
        !bs_page_form(call, ctx, &user, withdraw_fields, false, &form))
        return;
    order.name = user.canon;
    order.address = bs_page_field(&form, "address");
    order.request = bs_page_field(&form, "request");
    typed = json_pack("{s:s, s:s, s:s}", "amount", bs_page_field(&form, "amount"), "address",
                      order.address, "request", order.request);
    /* The page's form always has its id; without one, the core would make
     * a fresh id for each send, and a form sent twice would reserve twice. */
    if (order.request[0] == '\0') {
        bs_say_withdraw_request(NULL, BS_VOICE_PAGE, &said);
        json_object_del(typed, "request");
        account_page(call, ctx, &user, typed, &said);
        goto done;
    }
    if (!bs_page_whole(&form, "amount", &order.amount, &said)) {
        account_page(call, ctx, &user, typed, &said);
        goto done;
    }
    st = bs_withdraw_request(ctx, &order, &res);
    if (st != BS_OK) {
        bs_say_withdraw(st, ctx, &order, &res, BS_VOICE_PAGE, &said);
        if (st == BS_INVALID && res.problem == BS_WITHDRAW_OK) /* the id: say its rule */
            bs_say_withdraw_request(order.request, BS_VOICE_PAGE, &said);
        /* The id spent on another withdrawal, or not an id: a new one. */
        if (st == BS_MISMATCH || (st == BS_INVALID && res.problem == BS_WITHDRAW_OK))
            json_object_del(typed, "request");
        account_page(call, ctx, &user, typed, &said);
        goto done;
    }
    json_decref(typed);
    snprintf(notice, sizeof(notice),
             "%s: %lld sat to %s, with a fee of %lld sat; your balance is %lld sat; it is paid "
             "with the next payout",
             res.again ? "this form was sent before: the same withdrawal, nothing more reserved"
                       : "withdrawal asked for",
             (long long)res.withdrawal.hold.amount, res.withdrawal.hold.address,
             (long long)res.withdrawal.hold.fee, (long long)res.balance);
    bs_withdrawal_release(&res.withdrawal);
    bs_page_redirect(call, ctx, &user, "/account", notice, NULL);
done:
    bs_form_release(&form);
}
