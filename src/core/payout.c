/*
 * payout.c — see payout.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/spend.h"
#include "core/books.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/payout.h"
#include "core/payout_follow.h"
#include "core/payout_step.h"
#include "core/withdraw.h"
#include "util/failpoint.h"
#include "util/log.h"

static bs_status
decode_payout(const char *text, size_t len, void *doc)
{
    return bs_payout_decode(text, len, doc);
}

static char *
encode_payout(const void *doc, size_t *len)
{
    return bs_payout_encode(doc, len);
}

static void
release_payout(void *doc)
{
    bs_payout_release(doc);
}

static const bs_doc_type payout_doc = {sizeof(bs_payout), decode_payout, encode_payout,
                                       release_payout};

/* The batch document; an absent one is idle. */
static bs_status
read_payout(bs_ctx *ctx, bs_payout *p)
{
    bs_status st = bs_docs_read(ctx, BS_KEY_PAYOUT, &payout_doc, p, NULL);

    if (st == BS_NOTFOUND) {
        memset(p, 0, sizeof(*p));
        st = BS_OK;
    }
    return st;
}

/* A node failure: a refusal of the payment itself, or the node down. */
static bool
refusal(bs_status st, const bs_rpc_error *err)
{
    if (st != BS_REMOTE)
        return false;
    switch (err->code) {
    case BS_RPC_ERR_TYPE:
    case BS_RPC_ERR_WALLET:
    case BS_RPC_ERR_INVALID_ADDRESS:
    case BS_RPC_ERR_WALLET_INSUFFICIENT:
    case BS_RPC_ERR_INVALID_PARAMETER:
        return true;
    default:
        return false;
    }
}

/* ---- the accounts --------------------------------------------------------- */

typedef struct release {
    const char *id;
    const char *reason; /* non-NULL: a refund */
    int64_t now;
    bool dropped; /* out: the hold was there (and the refund made) */
} release;

static bs_status
drop_hold(bs_account *a, void *arg, bool *write)
{
    release *r = arg;
    const bs_withdrawal_hold *h = bs_account_hold(a, r->id);
    bs_withdrawal_hold hold;
    char memo[BS_MEMO_MAX + 1];
    bs_status st;

    r->dropped = false;
    if (h == NULL) { /* released before */
        *write = false;
        return BS_OK;
    }
    r->dropped = true;
    hold = *h;
    bs_account_drop_hold(a, r->id);
    if (r->reason == NULL)
        return BS_OK;
    snprintf(memo, sizeof(memo), "refused by the node: %s", r->reason);
    st = bs_books_post(a, BS_ENTRY_WITHDRAWAL, hold.amount + hold.fee, r->now, NULL, r->id, memo);
    return st;
}

static bs_status
release_hold(bs_ctx *ctx, const char *canon, const char *id, const char *reason, bool *dropped)
{
    release r = {id, reason, bs_ctx_now(ctx), false};
    bs_status st = bs_docs_update_account(ctx, canon, drop_hold, &r, NULL);

    if (dropped != NULL)
        *dropped = st == BS_OK && r.dropped;
    return st;
}

/* ---- the operator's fees, exactly once (as core/credit.h) ------------------ */

typedef struct fee_mark {
    const char *batch;
    int64_t expect, at;
} fee_mark;

static bs_status
edit_fee_at(void *doc, void *arg, bool *write)
{
    bs_payout *p = doc;
    fee_mark *m = arg;

    if (p->state != BS_PAYOUT_SIGNED || strcmp(p->batch, m->batch) != 0)
        return BS_STALE;
    if (p->fee_at != m->expect) {
        *write = false;
        return BS_OK;
    }
    p->fee_at = m->at;
    return BS_OK;
}

static bool
fee_entry_is(const bs_ledger_entry *e, const char *batch)
{
    return e->kind == BS_ENTRY_WITHDRAWAL && e->amount > 0 && strcmp(e->request, batch) == 0;
}

static bs_status
credit_fees(bs_ctx *ctx, bs_payout *p)
{
    const char *op = ctx->operator_name;
    bs_status st;

    if (p->fees == 0) /* no fee, or every request's credited before (reissued) */
        return BS_OK;
    st = bs_credit_ensure_operator(ctx);
    for (int attempt = 0; st == BS_OK && attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        bs_account o;
        bs_cas cas;
        bs_ledger_entry e;
        char key[BS_KEY_BUF], *text, memo[BS_MEMO_MAX + 1];
        size_t len;

        st = bs_docs_account(ctx, op, &o, &cas);
        if (st != BS_OK)
            return st;
        if (p->fee_at > 0 && o.ledger_next > p->fee_at) {
            st = bs_books_entry_of(ctx, &o, op, p->fee_at, &e);
            if (st == BS_OK && fee_entry_is(&e, p->batch)) {
                bs_account_release(&o);
                return BS_OK; /* applied */
            }
        }
        if (st == BS_OK && (p->fee_at == 0 || o.ledger_next > p->fee_at)) {
            /* Nobody can ever apply it at fee_at now: choose the next entry. */
            fee_mark m = {p->batch, p->fee_at, o.ledger_next};
            bs_payout after;

            bs_account_release(&o);
            st = bs_docs_update(ctx, BS_KEY_PAYOUT, &payout_doc, edit_fee_at, &m, &after);
            if (st == BS_OK) {
                p->fee_at = after.fee_at;
                bs_payout_release(&after);
            }
            continue;
        }
        if (st == BS_OK && o.ledger_next != p->fee_at)
            st = BS_CORRUPT;
        snprintf(memo, sizeof(memo), "fees of withdrawals paid by transaction %s", p->txid);
        if (st == BS_OK)
            st = bs_books_post(&o, BS_ENTRY_WITHDRAWAL, p->fees, bs_ctx_now(ctx), NULL, p->batch,
                               memo);
        text = st == BS_OK ? bs_account_encode(&o, &len) : NULL;
        if (st == BS_OK && text == NULL)
            st = BS_NOMEM;
        if (st == BS_OK) {
            bs_key_account(op, key);
            st = bs_store_replace(ctx->store, key, text, len, cas, NULL);
            if (st == BS_CONFLICT || st == BS_UNCERTAIN)
                st = BS_OK; /* look again: the next turn finds the entry, or not */
        }
        free(text);
        bs_account_release(&o);
    }
    return st == BS_OK ? BS_CONFLICT : st;
}

/* ---- the batch ------------------------------------------------------------ */

typedef struct batch_edit {
    const bs_payout *expect; /* the batch as read */
    bs_payout *next;         /* what to write */
} batch_edit;

static bs_status
edit_batch(void *doc, void *arg, bool *write)
{
    bs_payout *p = doc;
    batch_edit *b = arg;

    (void)write;
    if (p->state != b->expect->state || strcmp(p->batch, b->expect->batch) != 0 ||
        strcmp(p->builder, b->expect->builder) != 0)
        return BS_STALE;
    bs_payout_release(p);
    *p = *b->next;
    /* The arrays stay the caller's: copy them. */
    p->items = NULL;
    p->hex = NULL;
    if (p->count > 0) {
        p->items = malloc(p->count * sizeof(*p->items));
        if (p->items == NULL)
            return BS_NOMEM;
        memcpy(p->items, b->next->items, p->count * sizeof(*p->items));
    }
    if (b->next->hex != NULL && (p->hex = strdup(b->next->hex)) == NULL)
        return BS_NOMEM;
    return BS_OK;
}

/* CAS payout from `expect` to `next`; BS_STALE when someone moved it on. */
static bs_status
write_batch(bs_ctx *ctx, const bs_payout *expect, bs_payout *next)
{
    batch_edit b = {expect, next};

    return bs_docs_update(ctx, BS_KEY_PAYOUT, &payout_doc, edit_batch, &b, NULL);
}

static bs_status
to_idle(bs_ctx *ctx, const bs_payout *p)
{
    bs_payout idle = {0};

    return write_batch(ctx, p, &idle);
}

/* Steps 4–6 of a recorded batch. */
static bs_status
finish_signed(bs_ctx *ctx, bs_payout *p)
{
    bs_status st = BS_OK;

    for (size_t i = 0; st == BS_OK && i < p->count; i++) {
        bs_payout_step s = {BS_WD_REQUESTED, BS_WD_SIGNED, p, NULL, 0, 0, false};

        st = bs_payout_move(ctx, p->items[i].account, p->items[i].id, &s);
    }
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_PAYOUT_MARKED);
    st = credit_fees(ctx, p);
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_PAYOUT_FEES);
    for (size_t i = 0; st == BS_OK && i < p->count; i++)
        st = release_hold(ctx, p->items[i].account, p->items[i].id, NULL, NULL);
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_PAYOUT_RELEASED);
    return to_idle(ctx, p);
}

/* A REFUSING batch, finished: the requests it marks refused with its
 * reason, then every refused request of it refunded (once: the refund goes
 * with the hold), then the batch is over; the others wait for the next. */
static bs_status
finish_refusing(bs_ctx *ctx, const bs_payout *p, bs_payout_report *report)
{
    bs_status st = BS_OK;

    for (size_t i = 0; st == BS_OK && i < p->count; i++) {
        bs_payout_step s = {BS_WD_REQUESTED, BS_WD_REFUSED, NULL, p->reason, 0, 0, false};

        if (p->items[i].refuse)
            st = bs_payout_move(ctx, p->items[i].account, p->items[i].id, &s);
    }
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_PAYOUT_REFUSED);
    for (size_t i = 0; st == BS_OK && i < p->count; i++) {
        bool dropped = false;

        if (p->items[i].refuse)
            st = release_hold(ctx, p->items[i].account, p->items[i].id, p->reason, &dropped);
        report->refused += dropped;
    }
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_PAYOUT_REFUNDED);
    return to_idle(ctx, p);
}

/* The lease of building `p`'s transaction, taken by `me` (p is updated);
 * BS_LOCKED while another builder holds it, BS_STALE when the
 * batch moved on. */
static bs_status
take_lease(bs_ctx *ctx, bs_payout *p, const char *me)
{
    int64_t now = bs_ctx_now(ctx);
    bs_payout next;
    bs_status st;

    if (p->builder[0] != '\0' && strcmp(p->builder, me) != 0 && p->lease > now)
        return BS_LOCKED;
    next = *p;
    snprintf(next.builder, sizeof(next.builder), "%s", me);
    next.lease = now + BS_PAYOUT_LEASE;
    st = write_batch(ctx, p, &next);
    if (st == BS_OK) {
        memcpy(p->builder, next.builder, sizeof(p->builder));
        p->lease = next.lease;
    }
    return st;
}

/* Steps 2 and 3 of an open batch, by one builder at a time (the lease): a
 * second processor waits for the first, never funds beside it — the
 * wallet's only coins locked by one would look like "Insufficient funds"
 * to the other. Recording — the transaction, or the node's refusal — is a
 * CAS that expects this very builder, so a builder replaced after its
 * lease ran out records nothing, and its transaction is never sent. */
static bs_status
build(bs_ctx *ctx, bs_payout *p, bs_payout_report *report)
{
    bs_withdrawal *docs = calloc(p->count, sizeof(*docs));
    bs_spend_output *outs = calloc(p->count, sizeof(*outs));
    bs_rpc_error err = {0};
    bs_payout next;
    char *hex = NULL, txid[BS_RPC_TXID_SIZE], me[BS_ID_LEN + 1];
    bool matched = false;
    int64_t fees = 0;
    size_t n = 0;
    bs_status st = docs && outs ? BS_OK : BS_NOMEM;

    for (; st == BS_OK && n < p->count; n++) {
        char key[BS_KEY_BUF];

        bs_key_withdrawal(p->items[n].account, p->items[n].id, key);
        st = bs_docs_read(ctx, key, &bs_withdrawal_doc, &docs[n], NULL);
        if (st != BS_OK)
            break;
        outs[n] = (bs_spend_output){docs[n].hold.address, docs[n].hold.amount};
        if (docs[n].fee_batch[0] == '\0') /* a reissued one's fee is credited already */
            fees += docs[n].hold.fee;
    }
    bs_id_next(&ctx->ids, me);
    if (st == BS_OK)
        st = take_lease(ctx, p, me);
    if (st == BS_LOCKED) { /* another builder is at it */
        st = BS_OK;
        goto done;
    }
    /* Under the lease nobody else builds, and no recorded transaction waits
     * to be sent (claim.): a coin still locked was locked by a builder that
     * died before recording. */
    if (st == BS_OK && (st = bs_spend_unlock_all(ctx->payout, &err)) != BS_OK)
        st = bs_ctx_node_failed(st, &err, "lockunspent", p->batch);
    if (st == BS_OK)
        st = bs_spend_build(ctx->payout, outs, p->count, &hex, txid, &err);
    if (refusal(st, &err)) {
        /* An address the node rejects: refuse only the requests to it. */
        next = *p;
        next.items = malloc(p->count * sizeof(*next.items));
        st = next.items == NULL ? BS_NOMEM : BS_OK;
        for (size_t i = 0; st == BS_OK && i < p->count; i++) {
            next.items[i] = p->items[i];
            next.items[i].refuse = err.code == BS_RPC_ERR_INVALID_ADDRESS &&
                                   strstr(err.message, docs[i].hold.address) != NULL;
            matched |= next.items[i].refuse;
        }
        /* A reissued request was paid once: never refunded, it waits for
         * the wallet to be funded. */
        for (size_t i = 0; st == BS_OK && i < p->count; i++)
            next.items[i].refuse = (next.items[i].refuse || !matched) && docs[i].reissued == 0;
        next.state = BS_PAYOUT_REFUSING;
        snprintf(next.reason, sizeof(next.reason), "%s", err.message);
        if (st == BS_OK)
            st = write_batch(ctx, p, &next);
        if (st == BS_OK) {
            bs_log_warning("payout: the node refused batch %s: %s", p->batch, err.message);
            snprintf(report->reason, sizeof(report->reason), "%s", err.message);
            next.hex = NULL;
            st = finish_refusing(ctx, &next, report);
        }
        free(next.items);
        goto done;
    }
    if (st != BS_OK) {
        if (st != BS_STALE && st != BS_NOMEM && !bs_status_outage(st))
            st = bs_ctx_node_failed(st, &err, "build payout", p->batch);
        goto done;
    }
    next = *p;
    next.state = BS_PAYOUT_SIGNED;
    memcpy(next.txid, txid, sizeof(next.txid));
    next.hex = hex;
    next.fees = fees;
    next.fee_at = 0;
    st = write_batch(ctx, p, &next);
    if (st != BS_OK) {
        /* Replaced (its lease ran out) and recorded by another: never sent. */
        (void)bs_spend_release(ctx->payout, hex, NULL);
        goto done;
    }
    bs_failpoint(BS_FP_PAYOUT_SIGNED);
    memcpy(report->txid, txid, sizeof(report->txid));
    report->paid += p->count; /* by this run's transaction: once, whoever finishes */
    p->state = BS_PAYOUT_SIGNED;
    memcpy(p->txid, txid, sizeof(p->txid));
    p->hex = hex;
    hex = NULL;
    p->fees = fees;
    st = finish_signed(ctx, p);
done:
    for (size_t i = 0; docs != NULL && i < n; i++)
        bs_withdrawal_release(&docs[i]);
    free(docs);
    free(outs);
    free(hex);
    return st;
}

/* Whatever batch `payout` holds, finished. */
static bs_status
finish_batch(bs_ctx *ctx, bs_payout_report *report)
{
    bs_payout p;
    bs_status st = read_payout(ctx, &p);

    if (st != BS_OK)
        return st;
    if (p.state == BS_PAYOUT_OPEN)
        st = build(ctx, &p, report);
    else if (p.state == BS_PAYOUT_SIGNED)
        st = finish_signed(ctx, &p);
    else if (p.state == BS_PAYOUT_REFUSING)
        st = finish_refusing(ctx, &p, report);
    bs_payout_release(&p);
    return st == BS_STALE ? BS_OK : st; /* someone else moved it on */
}

/* Step 1: claim what waits; BS_NOTFOUND when nothing does. */
static bs_status
claim(bs_ctx *ctx, bs_payout_report *report)
{
    bs_withdrawal *all, *list;
    size_t n, count = 0;
    bool blocked = false;
    bs_payout p = {0}, idle;
    bs_status st = bs_withdraw_list(ctx, NULL, NULL, &all, &n);

    if (st != BS_OK)
        return st;
    /* The waiting ones; none while a recorded transaction is not yet the
     * node's (another processor's, between its record and its broadcast):
     * a new one must never be built from its inputs. */
    list = all;
    for (size_t i = 0; i < n; i++) {
        /* (whose coins are spent by another is no one's to wait for: the
         * wallet cannot choose its coins again) */
        blocked |= all[i].state == BS_WD_SIGNED && all[i].spent_at == 0;
        if (all[i].state == BS_WD_REQUESTED) {
            bs_withdrawal t = all[count];
            all[count++] = all[i];
            all[i] = t;
        }
    }
    report->waiting = count;
    if (count == 0 || blocked) {
        bs_withdraw_list_free(all, n);
        return BS_NOTFOUND;
    }
    p.items = calloc(count < BS_PAYOUT_MAX ? count : BS_PAYOUT_MAX, sizeof(*p.items));
    if (p.items == NULL) {
        bs_withdraw_list_free(all, n);
        return BS_NOMEM;
    }
    for (size_t i = 0; i < count && p.count < BS_PAYOUT_MAX; i++) {
        bool twice = false; /* one output per address: a second waits */

        for (size_t j = 0; j < i && !twice; j++)
            twice = strcmp(list[j].hold.address, list[i].hold.address) == 0;
        if (twice)
            continue;
        snprintf(p.items[p.count].account, sizeof(p.items[0].account), "%s", list[i].account);
        snprintf(p.items[p.count].id, sizeof(p.items[0].id), "%s", list[i].hold.id);
        p.count++;
    }
    report->waiting = count - p.count;
    bs_withdraw_list_free(all, n);
    p.state = BS_PAYOUT_OPEN;
    bs_id_next(&ctx->ids, p.batch);
    p.started = bs_ctx_now(ctx);
    memset(&idle, 0, sizeof(idle));
    st = read_payout(ctx, &idle);
    if (st == BS_OK && idle.state != BS_PAYOUT_IDLE)
        st = BS_STALE;
    if (st == BS_OK)
        st = write_batch(ctx, &idle, &p);
    if (st == BS_NOTFOUND) { /* the first batch ever */
        char *text;
        size_t len;

        text = bs_payout_encode(&p, &len);
        st = text == NULL ? BS_NOMEM : bs_store_add(ctx->store, BS_KEY_PAYOUT, text, len, NULL);
        free(text);
    }
    bs_payout_release(&idle);
    if (st == BS_OK) {
        bs_failpoint(BS_FP_PAYOUT_CLAIMED);
        st = build(ctx, &p, report);
    }
    bs_payout_release(&p);
    return st == BS_STALE || st == BS_EXISTS ? BS_OK : st;
}

/* What still waits once the run is over (refused batches, a wallet out of
 * funds, a stuck transaction: as the documents say). */
static bs_status
count_waiting(bs_ctx *ctx, bs_payout_report *report)
{
    const bs_wd_state requested = BS_WD_REQUESTED;
    bs_withdrawal *list;
    size_t count;
    bs_status st = bs_withdraw_list(ctx, NULL, &requested, &list, &count);

    if (st == BS_OK) {
        report->waiting = count;
        bs_withdraw_list_free(list, count);
    }
    return st;
}

bs_status
bs_payout_process(bs_ctx *ctx, bs_payout_report *report)
{
    bool unsent = false;
    bs_status st;

    memset(report, 0, sizeof(*report));
    if (ctx->payout == NULL)
        return BS_NODE_DOWN;
    st = finish_batch(ctx, report);
    if (st == BS_OK)
        st = bs_payout_follow(ctx, report, NULL, &unsent);
    /* Requests to an address already in a transaction wait for the next
     * one: made in the same run, once the node has the one before. */
    for (int round = 0; st == BS_OK && !unsent && round < BS_PAYOUT_ROUNDS; round++) {
        size_t paid = report->paid;

        st = claim(ctx, report);
        if (st == BS_NOTFOUND)
            st = BS_OK;
        else if (st == BS_OK && report->paid > paid)
            st = bs_payout_follow(ctx, report, report->txid, &unsent); /* the one just made */
        if (st != BS_OK || report->paid == paid || report->waiting == 0)
            break;
    }
    if (st == BS_OK)
        st = count_waiting(ctx, report);
    return st;
}
