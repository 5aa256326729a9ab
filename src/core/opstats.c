/*
 * opstats.c — see opstats.h. Each group has its helper; the scans are the
 * ones `bitslot check` makes (bs_docs_each over a prefix, each ledger read
 * through core/books.h, the keys through bs_keys_status), read-only.
 */
#include <stdlib.h>
#include <string.h>

#include "core/books.h"
#include "core/docs.h"
#include "core/keys.h"
#include "core/moderation.h"
#include "core/opstats.h"
#include "model/recovery.h"

#define LEDGER_PAGE 256 /* entries read at a time */

typedef struct counting {
    bs_ctx *ctx;
    bs_opstats *s;
} counting;

/* One account's ledger: its deposits, and the operator's fees. */
static bs_status
count_ledger(counting *c, const char *canon)
{
    bool operator= strcmp(canon, c->ctx->operator_name) == 0, more = true;
    bs_ledger_entry *entries;
    int64_t after = 0;
    size_t count;
    bs_status st = BS_OK;

    while (st == BS_OK && more) {
        st = bs_books_history(c->ctx, canon, after, LEDGER_PAGE, &entries, &count, &more);
        if (st != BS_OK)
            break;
        for (size_t i = 0; i < count; i++) {
            if (entries[i].kind == BS_ENTRY_DEPOSIT) {
                c->s->deposits.entries++;
                c->s->deposits.sats += entries[i].amount;
            } else if (entries[i].kind == BS_ENTRY_FEE && operator) {
                c->s->sales.fee_entries++;
                c->s->sales.fees += entries[i].amount;
            }
        }
        if (count > 0)
            after = entries[count - 1].seq;
        more = more && count > 0;
        free(entries);
    }
    return st;
}

static bs_status
count_account(const bs_store_doc *doc, void *arg)
{
    counting *c = arg;
    const char *canon = doc->key + strlen(BS_PREFIX_ACCOUNTS);
    bs_account a;
    bs_status st = bs_account_decode(doc->value, doc->len, &a);

    if (st != BS_OK)
        return st;
    c->s->accounts.total++;
    if (a.lock != BS_LOCK_NONE)
        c->s->accounts.locked++;
    bs_account_release(&a);
    return count_ledger(c, canon);
}

static bs_status
count_campaign(const bs_store_doc *doc, void *arg)
{
    counting *c = arg;
    bs_campaign campaign;
    bs_status st = bs_campaign_decode(doc->value, doc->len, &campaign);

    if (st != BS_OK)
        return st;
    c->s->sales.campaigns++;
    if (campaign.has_last)
        c->s->sales.slots_sold += (int64_t)campaign.last.index + 1;
    return BS_OK;
}

static bs_status
count_keys(counting *c)
{
    bs_keys_stats k;
    bs_status st = bs_keys_status(c->ctx, &k);

    if (st == BS_OK) {
        c->s->keys.total = k.total;
        c->s->keys.left = k.available;
        c->s->keys.handed_out = k.handed_out;
    }
    return st;
}

static bs_status
count_hidden(counting *c)
{
    bs_adhide *list;
    size_t count, damaged;
    bs_status st = bs_moderation_list(c->ctx, NULL, &list, &count, &damaged);

    if (st == BS_OK)
        c->s->ads.hidden = (int64_t)count;
    free(list);
    return st;
}

static bs_status
count_recovery(const bs_store_doc *doc, void *arg)
{
    counting *c = arg;
    bs_recovery r;
    bs_status st = bs_recovery_decode(doc->value, doc->len, &r);

    if (st != BS_OK)
        return st;
    c->s->recoveries.passes++;
    c->s->recoveries.purchases += r.purchases;
    c->s->recoveries.imports += r.imports;
    return BS_OK;
}

static bs_status
count_withdrawal(const bs_store_doc *doc, void *arg)
{
    counting *c = arg;
    bs_withdrawal w;
    bs_status st = bs_withdrawal_decode(doc->value, doc->len, &w);

    if (st != BS_OK)
        return st;
    c->s->withdrawals.by_state[w.state]++;
    switch (w.state) {
    case BS_WD_REQUESTED: /* waiting; a reissued one's fee is the operator's already */
        c->s->withdrawals.waiting_sats += w.hold.amount;
        c->s->withdrawals.fees_sats += w.reissued > 0 ? w.hold.fee : 0;
        break;
    case BS_WD_REFUSED:
        c->s->withdrawals.refunded_sats += w.hold.amount;
        break;
    default:
        c->s->withdrawals.paid_sats += w.hold.amount;
        c->s->withdrawals.fees_sats += w.hold.fee;
        break;
    }
    bs_withdrawal_release(&w);
    return BS_OK;
}

bs_status
bs_opstats_read(bs_ctx *ctx, bs_opstats *out)
{
    counting c = {ctx, out};
    bs_status st;

    memset(out, 0, sizeof(*out));
    st = bs_docs_each(ctx, BS_PREFIX_ACCOUNTS, count_account, &c);
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_CAMPAIGNS, count_campaign, &c);
    if (st == BS_OK)
        st = count_keys(&c);
    if (st == BS_OK)
        st = count_hidden(&c);
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_RECOVERED, count_recovery, &c);
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_WITHDRAWALS, count_withdrawal, &c);
    if (st != BS_OK)
        memset(out, 0, sizeof(*out));
    return st;
}

json_t *
bs_opstats_view(const bs_opstats *s)
{
    return json_pack(
        "{s:{s:I, s:I}, s:{s:I, s:I, s:I, s:I}, s:{s:I, s:I}, s:{s:I, s:I, s:I}, s:{s:I}, "
        "s:{s:I, s:I, s:I}, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
        "accounts", "total", (json_int_t)s->accounts.total, "locked_now",
        (json_int_t)s->accounts.locked, "sales", "campaigns", (json_int_t)s->sales.campaigns,
        "slots_sold", (json_int_t)s->sales.slots_sold, "fee_entries",
        (json_int_t)s->sales.fee_entries, "fees_sat", (json_int_t)s->sales.fees, "deposits",
        "credited", (json_int_t)s->deposits.entries, "amount_sat", (json_int_t)s->deposits.sats,
        "keys", "total", (json_int_t)s->keys.total, "left_to_hand_out", (json_int_t)s->keys.left,
        "handed_out", (json_int_t)s->keys.handed_out, "ads", "hidden", (json_int_t)s->ads.hidden,
        "recoveries", "passes", (json_int_t)s->recoveries.passes, "purchases_finished",
        (json_int_t)s->recoveries.purchases, "imports_finished", (json_int_t)s->recoveries.imports,
        "withdrawals_by_state", "requested", (json_int_t)s->withdrawals.by_state[BS_WD_REQUESTED],
        "signed", (json_int_t)s->withdrawals.by_state[BS_WD_SIGNED], "broadcast",
        (json_int_t)s->withdrawals.by_state[BS_WD_BROADCAST], "confirmed",
        (json_int_t)s->withdrawals.by_state[BS_WD_CONFIRMED], "refused",
        (json_int_t)s->withdrawals.by_state[BS_WD_REFUSED], "waiting_sat",
        (json_int_t)s->withdrawals.waiting_sats, "paid_sat", (json_int_t)s->withdrawals.paid_sats,
        "refunded_sat", (json_int_t)s->withdrawals.refunded_sats, "fees_sat",
        (json_int_t)s->withdrawals.fees_sats);
}
