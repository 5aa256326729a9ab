/*
 * funding.c — see funding.h for the state machine and the seed's rules.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/books.h"
#include "core/docs.h"
#include "core/funding.h"
#include "core/keys.h"
#include "core/recover.h"
#include "model/codec.h"
#include "util/failpoint.h"
#include "util/log.h"
#include "util/metrics.h"

/* ---- the transitions ---------------------------------------------------------- */

/* One step of the key state machine, applied to the account inside its CAS. */
typedef bs_status (*key_step)(bs_account *a, void *arg, bool *write);

typedef struct transition {
    key_step step;
    void *arg;
} transition;

/* The seed's rule, kept in one place: while a purchase (any lock) holds the
 * account, no key transition at all, read inside the very CAS that would
 * make it. */
static bs_status
guarded(bs_account *a, void *arg, bool *write)
{
    const transition *t = arg;

    if (a->lock != BS_LOCK_NONE)
        return BS_LOCKED;
    return t->step(a, t->arg, write);
}

/* Every change of the key state, and every credit on a key, goes through
 * here. */
static bs_status
transit(bs_ctx *ctx, const char *canon, key_step step, void *arg)
{
    return bs_docs_update_account(ctx, canon, guarded, &(transition){step, arg}, NULL);
}

/* none → getting{set, page, R}. Nothing to do when R already began (a write
 * sent again), even if it has since been finished. */
static bs_status
begin_getting(bs_account *a, void *arg, bool *write)
{
    const bs_btc_key *want = arg;

    if ((a->btc.state != BS_BTC_NONE && strcmp(a->btc.request, want->request) == 0) ||
        bs_account_applied(a, want->request) != NULL) {
        *write = false;
        return BS_OK;
    }
    if (a->btc.state != BS_BTC_NONE)
        return BS_CONFLICT;
    a->btc = *want;
    return BS_OK;
}

typedef struct have_key {
    const char *request;
    const char *address;
} have_key;

/* getting{R} → have{address}: the seed's "dumb error" included (guarded()
 * refuses it while a purchase holds the lock). */
static bs_status
finish_getting(bs_account *a, void *arg, bool *write)
{
    const have_key *h = arg;
    bs_status st;

    if (a->btc.state == BS_BTC_HAVE && strcmp(a->btc.request, h->request) == 0) {
        *write = false; /* done already */
        return BS_OK;
    }
    if (a->btc.state != BS_BTC_GETTING || strcmp(a->btc.request, h->request) != 0)
        return BS_CONFLICT;
    if (bs_deposit_find(a, h->address) == NULL) {
        st = bs_deposit_add(a, h->address);
        if (st != BS_OK)
            return st;
    }
    a->btc.state = BS_BTC_HAVE;
    snprintf(a->btc.address, sizeof(a->btc.address), "%s", h->address);
    return BS_OK;
}

/* getting{R} → none, when R holds no key and none could be claimed (out of
 * keys, or the node could not watch a new page): the account must not stay
 * `getting`. */
static bs_status
abandon_getting(bs_account *a, void *arg, bool *write)
{
    if (a->btc.state != BS_BTC_GETTING || strcmp(a->btc.request, arg) != 0) {
        *write = false;
        return BS_OK;
    }
    memset(&a->btc, 0, sizeof(a->btc));
    return BS_OK;
}

/* Claim the key of a `getting` state, move to `have`, then record the owner
 * on the key's document. */
static bs_status
complete_getting(bs_ctx *ctx, const char *canon, const bs_btc_key *getting,
                 char address[BS_ADDRESS_MAX])
{
    bs_status st =
        bs_keys_claim(ctx, getting->set, getting->page, getting->request, canon, address);

    if (st == BS_EXHAUSTED || st == BS_NODE_DOWN) {
        /* bs_keys_claim looked for this request's own claim first: it holds
         * none. */
        bs_failpoint(BS_FP_KEY_NONE_LEFT);
        bs_status undo = transit(ctx, canon, abandon_getting, (void *)getting->request);
        return undo == BS_OK ? st : undo;
    }
    if (st != BS_OK)
        return st;
    st = transit(ctx, canon, finish_getting, &(have_key){getting->request, address});
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_KEY_HANDED_OUT);
    st = bs_keys_record_owner(ctx, address, canon, getting->request);
    if (st == BS_OK)
        bs_failpoint(BS_FP_KEY_RECORDED);
    return st;
}

/* none → getting{set, page, new request} → have. */
static bs_status
get_new_key(bs_ctx *ctx, const char *canon, int64_t set, int64_t page, char address[BS_ADDRESS_MAX])
{
    bs_btc_key want = {.state = BS_BTC_GETTING, .set = set, .page = page};
    bs_status st;

    bs_id_next(&ctx->ids, want.request);
    st = transit(ctx, canon, begin_getting, &want);
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_KEY_GETTING);
    return complete_getting(ctx, canon, &want, address);
}

/* A Get Key refused for want of keys is counted for the operator (the edges
 * say it: the command's message, the server's log). */
static bs_status
counted(bs_status st)
{
    if (st == BS_EXHAUSTED)
        bs_metric_add(BS_METRIC_OUT_OF_KEYS, 1);
    return st;
}

/* Finish what the account was in the middle of (a purchase a crash
 * interrupted: DESIGN.md §1.3), then read it. */
static bs_status
touch_account(bs_ctx *ctx, const char *name, bs_name canon, bs_account *a)
{
    bs_status st;

    memset(a, 0, sizeof(*a));
    if (!bs_name_valid(name))
        return BS_NOTFOUND;
    bs_name_canonical(name, canon);
    st = bs_recover_account(ctx, canon);
    if (st == BS_OK)
        st = bs_docs_account(ctx, canon, a, NULL);
    return st;
}

bs_status
bs_funding_get_key(bs_ctx *ctx, const char *name, char address[BS_ADDRESS_MAX])
{
    bs_btc_key now;
    bs_account a;
    bs_name canon;
    int64_t set, page;
    bs_status st;

    address[0] = '\0';
    st = touch_account(ctx, name, canon, &a);
    if (st != BS_OK)
        return st;
    now = a.btc;
    bs_account_release(&a);
    if (now.state == BS_BTC_HAVE) {
        /* The key's document names its owner (a crash may have come
         * between the two). */
        st = bs_keys_record_owner(ctx, now.address, canon, now.request);
        if (st == BS_OK)
            memcpy(address, now.address, BS_ADDRESS_MAX);
        return st;
    }
    if (now.state == BS_BTC_GETTING)
        return counted(complete_getting(ctx, canon, &now, address));
    st = bs_keys_pick(ctx, &set, &page);
    if (st == BS_OK)
        st = get_new_key(ctx, canon, set, page, address);
    /* The set picked cannot be refilled: a free key of another set, if any. */
    if (st == BS_EXHAUSTED && bs_keys_pick_free(ctx, &set, &page) == BS_OK)
        st = get_new_key(ctx, canon, set, page, address);
    return counted(st);
}

/* ---- asking the node ------------------------------------------------------------ */

/* Said once per process: the node answers, but its wallet does not watch
 * a key bitslot handed out ("Address not found in wallet": a node replaced
 * by a fresh one, or its wallet lost and made again, empty). Only the
 * operator can mend it; until then funding answers 503. */
static atomic_bool told_not_watched;

static void
tell_not_watched(bs_status st, const bs_rpc_error *err)
{
    if (st == BS_REMOTE && err->code == BS_RPC_ERR_WALLET &&
        strstr(err->message, "not found in wallet") != NULL &&
        !atomic_exchange(&told_not_watched, true))
        bs_log_error("node: its wallet does not watch the deposit keys (a new node, or its "
                     "wallet lost): run `bitslot keys watch` (with --rescan if deposits may have "
                     "come meanwhile); until then funding answers 503");
}

static bs_status
received(bs_ctx *ctx, const char *address, int64_t minconf, int64_t *sats)
{
    bs_rpc_error err;
    bs_status st;

    if (ctx->node == NULL)
        return BS_NODE_DOWN;
    st = bs_rpc_getreceivedbyaddress(ctx->node, address, (int)minconf, sats, &err);
    if (bs_ctx_node_wallet_back(ctx, st, &err))
        st = bs_rpc_getreceivedbyaddress(ctx->node, address, (int)minconf, sats, &err);
    tell_not_watched(st, &err);
    return st == BS_OK ? BS_OK : bs_ctx_node_failed(st, &err, "getreceivedbyaddress", address);
}

/* The cache of a check, fundcheck/<account>: {"address","time","pending",
 * "confirmed"}. A cache only: never the truth about money. */
static void
cache_key(const char *canon, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "fundcheck/%s", canon);
}

static bool
cache_read(bs_ctx *ctx, const char *canon, bs_funding_status *st_out)
{
    char key[BS_KEY_BUF], *text, address[BS_ADDRESS_MAX];
    int64_t time = 0;
    bool fresh = false;
    size_t len;
    json_t *doc;

    cache_key(canon, key);
    if (bs_store_get(ctx->store, key, &text, &len, NULL) != BS_OK)
        return false;
    doc = bs_codec_load(text, len);
    free(text);
    if (doc != NULL && bs_codec_string(doc, "address", address, sizeof(address), false) == BS_OK &&
        bs_codec_int(doc, "time", &time) == BS_OK &&
        bs_codec_int(doc, "pending", &st_out->pending) == BS_OK &&
        bs_codec_int(doc, "confirmed", &st_out->confirmed) == BS_OK) {
        int64_t age = bs_ctx_now(ctx) - time;
        fresh = strcmp(address, st_out->address) == 0 && age >= 0 && age < ctx->check_interval;
    }
    json_decref(doc);
    return fresh;
}

static void
cache_write(bs_ctx *ctx, const char *canon, const bs_funding_status *s)
{
    char key[BS_KEY_BUF], *text;
    size_t len;

    cache_key(canon, key);
    text = bs_codec_dump(json_pack("{s:s, s:I, s:I, s:I}", "address", s->address, "time",
                                   (json_int_t)bs_ctx_now(ctx), "pending", (json_int_t)s->pending,
                                   "confirmed", (json_int_t)s->confirmed),
                         &len);
    if (text != NULL)
        (void)bs_store_set(ctx->store, key, text, len, NULL); /* a cache: best effort */
    free(text);
}

bs_status
bs_funding_check(bs_ctx *ctx, const char *name, bs_funding_status *s)
{
    int64_t any, deep, credited;
    bs_deposit_key *dep;
    bs_account a;
    bs_name canon;
    bs_status st;

    memset(s, 0, sizeof(*s));
    st = touch_account(ctx, name, canon, &a);
    if (st != BS_OK)
        return st;
    if (a.btc.state != BS_BTC_HAVE) {
        bs_account_release(&a);
        return BS_NOTFOUND;
    }
    memcpy(s->address, a.btc.address, sizeof(s->address));
    dep = bs_deposit_find(&a, a.btc.address);
    credited = dep != NULL ? dep->credited : 0;
    bs_account_release(&a);
    if (cache_read(ctx, canon, s)) {
        s->cached = true;
        return BS_OK;
    }
    st = received(ctx, s->address, 0, &any);
    if (st == BS_OK)
        st = received(ctx, s->address, ctx->confirmations, &deep);
    if (st != BS_OK)
        return st;
    s->pending = any > deep ? any - deep : 0;
    s->confirmed = deep > credited ? deep - credited : 0;
    cache_write(ctx, canon, s);
    return BS_OK;
}

/* ---- crediting ------------------------------------------------------------------- */

typedef struct credit {
    const char *address;
    int64_t received; /* confirmed on the key, per the node */
    int64_t expect;   /* sweeper: the credited amount it read; -1: Done */
    int64_t min;      /* refuse a smaller credit */
    char request[BS_ID_LEN + 1];
    int64_t time;
    int64_t credited; /* out */
    int64_t balance;  /* out */
    int64_t applied;  /* out: Done: the entry of this very request, applied by an
                         earlier write of it (0: none) */
} credit;

/* A deposit credited by this process, for the operator's counters. */
static void
count_deposit(int64_t sats)
{
    bs_metric_add(BS_METRIC_DEPOSITS, 1);
    bs_metric_add(BS_METRIC_DEPOSITS_SATS, sats);
}

/* Credit what a key received beyond what it had credited, in the CAS that
 * records it; Done also retires the key (have → none). */
static bs_status
credit_key(bs_account *a, void *arg, bool *write)
{
    credit *c = arg;
    const bs_recent *done;
    bs_deposit_key *dep;
    bs_status st;

    c->credited = 0;
    if (c->expect < 0 && (done = bs_account_applied(a, c->request)) != NULL) {
        *write = false; /* this Done was applied (its answer was lost) */
        c->applied = done->seq;
        c->balance = a->balance;
        return BS_OK;
    }
    if (c->expect < 0 && (a->btc.state != BS_BTC_HAVE || strcmp(a->btc.address, c->address) != 0))
        return BS_CONFLICT; /* Done twice: another tab was first */
    dep = bs_deposit_find(a, c->address);
    if (dep == NULL)
        return BS_CORRUPT;
    if (c->expect >= 0 && dep->credited != c->expect) {
        *write = false; /* another sweeper was first */
        return BS_OK;
    }
    c->credited = c->received - dep->credited;
    if (c->credited < c->min)
        return BS_INSUFFICIENT;
    if (c->credited > 0) {
        st = bs_books_post(a, BS_ENTRY_DEPOSIT, c->credited, c->time, c->address, c->request, NULL);
        if (st != BS_OK)
            return st;
        dep = bs_deposit_find(a, c->address); /* post may not move it, but be sure */
        dep->credited = c->received;
    }
    if (c->expect < 0) {
        /* The Get Key request is over too: a late copy of its first write
         * must not begin it again. */
        bs_account_remember(a, a->btc.request, 0);
        if (c->credited == 0)
            bs_account_remember(a, c->request, 0);
        a->btc.state = BS_BTC_NONE;
    }
    c->balance = a->balance;
    return BS_OK;
}

bs_status
bs_funding_done(bs_ctx *ctx, const char *name, int64_t *credited, int64_t *balance)
{
    credit c = {.expect = -1, .min = ctx->min_deposit};
    bs_ledger_entry entry;
    bs_account a;
    bs_name canon;
    bs_status st;

    *credited = 0;
    st = touch_account(ctx, name, canon, &a);
    if (st != BS_OK)
        return st;
    if (a.lock != BS_LOCK_NONE || a.btc.state != BS_BTC_HAVE) {
        st = a.lock != BS_LOCK_NONE ? BS_LOCKED : BS_NOTFOUND;
        bs_account_release(&a);
        return st;
    }
    c.address = a.btc.address;
    /* A retired key's document must name its owner: late money on it is
     * credited by the sweeper to that owner. */
    st = bs_keys_record_owner(ctx, a.btc.address, canon, a.btc.request);
    if (st == BS_OK)
        st = received(ctx, a.btc.address, ctx->confirmations, &c.received);
    if (st == BS_OK) {
        bs_id_next(&ctx->ids, c.request);
        c.time = bs_ctx_now(ctx);
        st = transit(ctx, canon, credit_key, &c);
    }
    bs_account_release(&a);
    *credited = c.credited;
    if (st == BS_OK && c.applied > 0 && bs_books_entry(ctx, canon, c.applied, &entry) == BS_OK) {
        *credited = entry.amount;
        c.balance = entry.balance;
    }
    if (st != BS_OK)
        return st;
    if (c.applied == 0 && c.credited > 0)
        count_deposit(c.credited);
    bs_failpoint(BS_FP_FUNDS_CREDITED);
    *balance = c.balance;
    (void)bs_books_flush(ctx, canon); /* done either way; recovery copies the entry later */
    return BS_OK;
}

/* ---- the sweeper ------------------------------------------------------------------ */

typedef struct sweep {
    bs_ctx *ctx;
    bs_sweep_report *report;
    bs_recover_note note;
    void *arg;
} sweep;

/* Credit money that arrived on retired keys of one account. */
static bs_status
sweep_account(sweep *sw, const char *canon, const bs_account *a)
{
    bs_ctx *ctx = sw->ctx;
    bs_status st = BS_OK;

    for (size_t i = 0; i < a->deposits_count && st == BS_OK; i++) {
        const bs_deposit_key *dep = &a->deposits[i];
        credit c = {.address = dep->address, .expect = dep->credited, .min = 1};

        if (a->btc.state == BS_BTC_HAVE && strcmp(a->btc.address, dep->address) == 0)
            continue; /* still in use: its owner says Done */
        st = received(ctx, dep->address, ctx->confirmations, &c.received);
        if (st != BS_OK || c.received <= dep->credited)
            continue;
        bs_id_next(&ctx->ids, c.request);
        c.time = bs_ctx_now(ctx);
        st = transit(ctx, canon, credit_key, &c);
        if (st == BS_LOCKED || st == BS_INSUFFICIENT) {
            st = BS_OK; /* a purchase in progress: next sweep */
            continue;
        }
        if (st == BS_OK && c.credited > 0) {
            count_deposit(c.credited);
            bs_failpoint(BS_FP_FUNDS_SWEPT);
            sw->report->credits++;
        }
    }
    return st == BS_OK ? bs_books_flush(ctx, canon) : st;
}

/* One account: finish its `getting`, record the owner of the key it holds,
 * credit late money on its retired keys. */
static bs_status
sweep_one(sweep *sw, const char *canon, const bs_account *a)
{
    char address[BS_ADDRESS_MAX];
    bs_status st = BS_OK;

    if (a->lock != BS_LOCK_NONE)
        return BS_OK; /* a purchase in progress: next sweep */
    if (a->btc.state == BS_BTC_GETTING) {
        bs_btc_key getting = a->btc;
        st = complete_getting(sw->ctx, canon, &getting, address);
        if (st == BS_OK) {
            sw->report->keys_finished++;
            bs_metric_add(BS_METRIC_RECOVERIES, 1);
        }
        if (st == BS_LOCKED || st == BS_NODE_DOWN || st == BS_EXHAUSTED)
            st = BS_OK; /* next sweep */
    } else if (a->btc.state == BS_BTC_HAVE) {
        st = bs_keys_record_owner(sw->ctx, a->btc.address, canon, a->btc.request);
    }
    if (st == BS_OK && a->deposits_count > 0)
        st = sweep_account(sw, canon, a);
    return st;
}

static bs_status
sweep_doc(const bs_store_doc *doc, void *arg)
{
    sweep *sw = arg;
    const char *canon = doc->key + strlen(BS_PREFIX_ACCOUNTS);
    bs_account a;
    bs_status st = bs_account_decode(doc->value, doc->len, &a);

    if (st == BS_OK) {
        st = sweep_one(sw, canon, &a);
        bs_account_release(&a);
    }
    return bs_recover_item(sw->note, sw->arg, &sw->report->problems, st, canon, NULL, "sweep");
}

bs_status
bs_funding_sweep(bs_ctx *ctx, bs_sweep_report *report, bs_recover_note note, void *arg)
{
    sweep sw = {ctx, report, note, arg};
    bs_status st;

    memset(report, 0, sizeof(*report));
    st = bs_keys_finish_fills(ctx, &report->problems, note, arg);
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_ACCOUNTS, sweep_doc, &sw);
    return st;
}
