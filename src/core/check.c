/*
 * check.c — see check.h. Two passes over the store:
 *   1. accounts: each ledger (documents then pending entries) numbered
 *      1..n without gaps, each entry's balance the previous one plus its
 *      amount, the last one the account's balance; no lock left; every
 *      purchase/sale/fee entry remembered by the slot it names; every
 *      account but the operator's found by its API key: its index
 *      apikey/<hash> names it. An index that names no account, or an
 *      account whose hash is another, is what a crash or a lost race of
 *      `account create` leaves (core/accounts.c): harmless, since
 *      authentication compares the account's own hash, so neither reported
 *      nor counted.
 *   2. campaigns: slots 0..N-1 contiguous and back to back; campaign.last
 *      a true copy of a sold slot, and every slot after it still held by its
 *      buyer's intent; each slot's buyer debited once (unless the intent is
 *      still open), its seller and the operator credited once for each slot
 *      their marks in credit/<c> say is paid (core/credit.h: a batch
 *      recorded there is paid when the payee's ledger holds it at its
 *      number) and never for another; no entry names a slot that does not
 *      exist.
 *   3. keys: each key document's owner holds that key (current, or among its
 *      deposit keys), and each account's keys are documented as its own: an
 *      address belongs to one account, ever — compared in its canonical
 *      spelling, so two spellings of one address (a bech32 address in upper
 *      and in lower case) are one address: no key document in another
 *      spelling, no address on two pages or held by two accounts; no key set
 *      is left in the middle of a fill, no key import left half done; no
 *      account left `getting`; each account's deposit entries add up to what
 *      its keys credited.
 *   4. withdrawals (core/check_withdrawals.h).
 *   5. counts (stats/..., core/stats.h): each document is one process's
 *      counts of a slot, under the key its content names, of a slot that
 *      was sold. Counts are not money: they take no part in the sums.
 * Then the money: Σ balances + Σ owed to sellers and the operator (debited,
 * not yet credited) = Σ adjustments + Σ deposits − Σ withdrawals, where
 * Σ withdrawals = reserved + paid − fees credited to the operator.
 *
 * What a crash leaves in the middle of an operation — an account locked by
 * a purchase, a sold slot campaign.last does not show yet, a key hand-out,
 * a page fill, a key import — is reported apart, as unfinished: recovery
 * finishes it, and the books above already count it as owed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/check_withdrawals.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/keyimport.h"
#include "core/keys.h"
#include "model/apikey.h"
#include "model/keys.h"
#include "model/stats.h"
#include "util/grow.h"
#include "util/money.h"
#include "util/text.h"

typedef struct sale_entry {
    char ref[BS_REF_MAX];
    bs_entry_kind kind;
    int64_t amount;
    bs_name account;
    bool matched;
} sale_entry;

/* Addresses in their canonical spelling, each with whose it is (an
 * account, or ""). */
typedef struct bag_item {
    char address[BS_ADDRESS_MAX];
    bs_name owner;
} bag_item;

typedef struct address_bag {
    bag_item *items;
    size_t count;
    size_t cap;
} address_bag;

/* Indexes from..from+count-1 of xpub source `source` on the key list. */
typedef struct xpub_span {
    char source[BS_SOURCE_ID_LEN + 1];
    int64_t from;
    int64_t count;
} xpub_span;

typedef struct checker {
    bs_ctx *ctx;
    bs_check_report report;
    void *arg;
    bs_check_summary *sum;
    sale_entry *entries;
    size_t entry_count;
    size_t entry_cap;
    bs_account op; /* the operator's account (zeroed when absent) */
    /* per account, while walking its ledger */
    const char *canon;
    int64_t seq;
    int64_t balance;
    int64_t deposited;
    /* every address (canonical) on a key page, on the key list, and held by
     * an account: one twice is a violation */
    address_bag paged;
    address_bag listed;
    address_bag held;
    xpub_span *spans; /* the list's xpub ranges, to find two that overlap */
    size_t span_count;
    size_t span_cap;
    bs_network network; /* of the store's keys (BS_NETWORK_INVALID: none) */
    bs_wdcheck *withdrawals;
} checker;

static void
finding(checker *ck, bool unfinished, const char *fmt, va_list ap)
{
    char line[1024];

    vsnprintf(line, sizeof(line), fmt, ap);
    if (unfinished)
        ck->sum->unfinished++;
    else
        ck->sum->violations++;
    ck->report(ck->arg, unfinished, line);
}

static void violation(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void unfinished(checker *ck, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An invariant broken: damage that no recovery repairs. */
static void
violation(checker *ck, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    finding(ck, false, fmt, ap);
    va_end(ap);
}

/* An operation left in the middle, which recovery finishes. */
static void
unfinished(checker *ck, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    finding(ck, true, fmt, ap);
    va_end(ap);
}

static void
withdrawal_finding(void *arg, bool is_unfinished, const char *line)
{
    if (is_unfinished)
        unfinished(arg, "%s", line);
    else
        violation(arg, "%s", line);
}

static bs_status
remember_entry(checker *ck, const bs_ledger_entry *e)
{
    sale_entry *s;

    if (e->kind != BS_ENTRY_PURCHASE && e->kind != BS_ENTRY_SALE && e->kind != BS_ENTRY_FEE)
        return BS_OK;
    if (bs_grow(&ck->entries, &ck->entry_cap, ck->entry_count, sizeof(*ck->entries), 256))
        return BS_NOMEM;
    s = &ck->entries[ck->entry_count++];
    memset(s, 0, sizeof(*s));
    memcpy(s->ref, e->ref, sizeof(s->ref));
    s->kind = e->kind;
    s->amount = e->amount;
    snprintf(s->account, sizeof(s->account), "%s", ck->canon);
    return BS_OK;
}

/* One entry of the current account's ledger, in order. */
static bs_status
walk_entry(checker *ck, const bs_ledger_entry *e)
{
    if (e->seq != ck->seq + 1)
        violation(ck, "account \"%s\": ledger entry %lld follows entry %lld", ck->canon,
                  (long long)e->seq, (long long)ck->seq);
    if (e->balance != ck->balance + e->amount)
        violation(ck, "account \"%s\": ledger entry %lld says balance %lld, but %lld + %lld = %lld",
                  ck->canon, (long long)e->seq, (long long)e->balance, (long long)ck->balance,
                  (long long)e->amount, (long long)(ck->balance + e->amount));
    ck->seq = e->seq;
    ck->balance = e->balance;
    ck->sum->entries++;
    switch (e->kind) {
    case BS_ENTRY_ADJUST:
        ck->sum->adjustments += e->amount;
        break;
    case BS_ENTRY_DEPOSIT:
        ck->sum->deposits += e->amount;
        ck->deposited += e->amount;
        break;
    case BS_ENTRY_WITHDRAWAL:
        ck->sum->withdrawals -= e->amount;
        if (bs_wdcheck_entry(ck->withdrawals, ck->canon, e) != BS_OK)
            return BS_NOMEM;
        break;
    default:
        break;
    }
    return remember_entry(ck, e);
}

static bs_status
walk_ledger_doc(const bs_store_doc *doc, void *arg)
{
    checker *ck = arg;
    bs_ledger_entry e;

    if (bs_ledger_entry_decode(doc->value, doc->len, &e) != BS_OK) {
        violation(ck, "document \"%s\" is not a ledger entry", doc->key);
        return BS_OK;
    }
    return walk_entry(ck, &e);
}

/* The canonical spelling of an address of the store's keys (as it is when
 * it is no address at all). */
static void
canonical(const checker *ck, const char *address, char out[BS_ADDRESS_MAX])
{
    if (bs_address_canonical(ck->network, address, out, NULL) != BS_OK)
        snprintf(out, BS_ADDRESS_MAX, "%s", address);
}

static bs_status
bag_push(const checker *ck, address_bag *bag, const char *address, const char *owner)
{
    if (bs_grow(&bag->items, &bag->cap, bag->count, sizeof(*bag->items), 256))
        return BS_NOMEM;
    canonical(ck, address, bag->items[bag->count].address);
    snprintf(bag->items[bag->count].owner, sizeof(bag->items[0].owner), "%s", owner);
    bag->count++;
    return BS_OK;
}

static int
compare_items(const void *a, const void *b)
{
    const bag_item *x = a, *y = b;
    int c = strcmp(x->address, y->address);

    return c != 0 ? c : strcmp(x->owner, y->owner);
}

/* Every address found twice in the bag: held by two accounts (the owners),
 * or twice `where` (on key pages, on the key list). */
static void
report_twice(checker *ck, address_bag *bag, const char *where)
{
    if (bag->count > 1)
        qsort(bag->items, bag->count, sizeof(*bag->items), compare_items);
    for (size_t i = 1; i < bag->count; i++) {
        const bag_item *a = &bag->items[i - 1], *b = &bag->items[i];
        if (strcmp(a->address, b->address) != 0)
            continue;
        if (a->owner[0] != '\0')
            violation(ck, "address %s is held by two accounts, \"%s\" and \"%s\"", a->address,
                      a->owner, b->owner);
        else
            violation(ck, "key %s is %s twice", a->address, where);
    }
}

/* The key document of `address` says `canon` owns it. */
static bool
key_owned_by(checker *ck, const char *address, const char *canon, const char *request)
{
    char key[BS_KEY_BUF], *text;
    bs_keydoc k;
    size_t len;
    bool owned = false;

    bs_key_keydoc(address, key);
    if (bs_store_get(ck->ctx->store, key, &text, &len, NULL) != BS_OK)
        return false;
    if (bs_keydoc_decode(text, len, &k) == BS_OK)
        owned = strcmp(k.owner, canon) == 0 && (request == NULL || strcmp(k.request, request) == 0);
    free(text);
    return owned;
}

static bs_status
check_account_keys(checker *ck, const char *canon, const bs_account *a)
{
    int64_t credited = 0;
    bs_status st = BS_OK;

    for (size_t i = 0; i < a->deposits_count && st == BS_OK; i++) {
        st = bag_push(ck, &ck->held, a->deposits[i].address, canon);
        credited += a->deposits[i].credited;
        if (!key_owned_by(ck, a->deposits[i].address, canon, NULL))
            violation(ck, "account \"%s\" holds key %s, whose document names another owner", canon,
                      a->deposits[i].address);
    }
    if (credited != ck->deposited)
        violation(ck,
                  "account \"%s\": its keys credited %lld sat but its deposit entries add up "
                  "to %lld",
                  canon, (long long)credited, (long long)ck->deposited);
    if (a->btc.state == BS_BTC_GETTING)
        unfinished(ck, "account \"%s\" is still getting a key (request %s)", canon, a->btc.request);
    if (a->btc.state == BS_BTC_HAVE && !key_owned_by(ck, a->btc.address, canon, a->btc.request))
        violation(ck, "account \"%s\": its current key %s is not documented as its own", canon,
                  a->btc.address);
    return st;
}

/* The account can be found by its API key: apikey/<its hash> names it. The
 * operator has no API key (its hash is ""). */
static bs_status
check_account_index(checker *ck, const char *canon, const bs_account *a)
{
    char key[BS_KEY_BUF], *text;
    bs_name named;
    size_t len;
    bs_status st;

    if (a->is_operator && a->api_key_hash[0] == '\0')
        return BS_OK;
    if (strlen(a->api_key_hash) != BS_API_KEY_HASH_LEN ||
        !bs_text_lower_hex(a->api_key_hash, BS_API_KEY_HASH_LEN)) {
        violation(ck, "account \"%s\" has no API key index (its key hash is malformed)", canon);
        return BS_OK;
    }
    bs_key_apikey(a->api_key_hash, key);
    st = bs_store_get(ck->ctx->store, key, &text, &len, NULL);
    if (st == BS_NOTFOUND) {
        violation(ck, "account \"%s\" has no API key index", canon);
        return BS_OK;
    }
    if (st != BS_OK)
        return st;
    if (bs_apikey_decode(text, len, named) != BS_OK)
        violation(ck, "document \"%s\" is not an API key index", key);
    else if (strcmp(named, canon) != 0)
        violation(ck, "account \"%s\": its API key index names \"%s\"", canon, named);
    free(text);
    return BS_OK;
}

static bool
name_is_canonical(const char *name)
{
    bs_name canon;

    bs_name_canonical(name, canon);
    return strcmp(canon, name) == 0;
}

static bs_status
check_account(const bs_store_doc *doc, void *arg)
{
    checker *ck = arg;
    const char *canon = doc->key + strlen(BS_PREFIX_ACCOUNTS);
    char prefix[BS_KEY_BUF];
    bs_account a;
    bs_status st;

    if (bs_account_decode(doc->value, doc->len, &a) != BS_OK) {
        violation(ck, "document \"%s\" is not an account", doc->key);
        return BS_OK;
    }
    ck->sum->accounts++;
    if (!bs_name_valid(canon) || !name_is_canonical(canon))
        violation(ck, "document \"%s\" is not under the canonical (lower case) name of an account",
                  doc->key);
    ck->canon = canon;
    ck->seq = 0;
    ck->balance = 0;
    ck->deposited = 0;
    bs_prefix_ledger_of(canon, prefix);
    st = bs_docs_each(ck->ctx, prefix, walk_ledger_doc, ck);
    for (size_t i = 0; st == BS_OK && i < a.pending_count; i++)
        if (a.pending[i].seq > ck->seq) /* else: copied already, and walked */
            st = walk_entry(ck, &a.pending[i]);
    if (st == BS_OK) {
        if (ck->balance != a.balance)
            violation(ck, "account \"%s\": balance %lld but its ledger ends at %lld", canon,
                      (long long)a.balance, (long long)ck->balance);
        if (ck->seq + 1 != a.ledger_next)
            violation(ck, "account \"%s\": %lld ledger entries but the next is numbered %lld",
                      canon, (long long)ck->seq, (long long)a.ledger_next);
        if (a.lock == BS_LOCK_FILL)
            unfinished(ck, "account \"%s\" is locked by an unfinished purchase of slot %s/%u/%u",
                       canon, a.fill.campaign.owner, (unsigned)a.fill.campaign.index,
                       (unsigned)a.fill.slot);
        if (!bs_money_valid(a.balance))
            violation(ck, "account \"%s\": balance %lld is out of range", canon,
                      (long long)a.balance);
        st = check_account_keys(ck, canon, &a);
        if (st == BS_OK)
            st = check_account_index(ck, canon, &a);
        if (st == BS_OK)
            st = bs_wdcheck_account(ck->withdrawals, canon, &a);
        ck->sum->balances += a.balance;
    }
    bs_account_release(&a);
    return st;
}

static int
compare_entries(const void *a, const void *b)
{
    const sale_entry *x = a, *y = b;
    int c = strcmp(x->ref, y->ref);

    return c != 0 ? c : (int)x->kind - (int)y->kind;
}

/* The entries of `kind` naming slot `ref`: count them, sum them, mark them. */
static size_t
match_entries(checker *ck, const char *ref, bs_entry_kind kind, const char *account, int64_t *sum)
{
    sale_entry key;
    size_t lo = 0, hi = ck->entry_count, n = 0;

    memset(&key, 0, sizeof(key));
    snprintf(key.ref, sizeof(key.ref), "%s", ref);
    key.kind = kind;
    while (lo < hi) { /* the first entry not below key */
        size_t mid = (lo + hi) / 2;
        if (compare_entries(&ck->entries[mid], &key) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *sum = 0;
    for (size_t i = lo; i < ck->entry_count && compare_entries(&ck->entries[i], &key) == 0; i++) {
        if (strcmp(ck->entries[i].account, account) != 0)
            continue;
        ck->entries[i].matched = true;
        *sum += ck->entries[i].amount;
        n++;
    }
    return n;
}

/* One kind of payment for one slot: exactly once with `amount` when `due`,
 * never otherwise. An amount of zero is paid by no entry at all. */
static void
expect_paid(checker *ck, const char *ref, bs_entry_kind kind, const char *account, bool due,
            int64_t amount)
{
    int64_t sum;
    size_t n = match_entries(ck, ref, kind, account, &sum);
    size_t want = due && amount != 0 ? 1 : 0;

    if (n != want || (want == 1 && sum != amount))
        violation(ck, "slot %s: %zu %s entries of %lld on account \"%s\"; expected %zu of %lld",
                  ref, n, bs_entry_kind_name(kind), (long long)sum, account, want,
                  (long long)amount);
}

/* What one payee's mark in credit/<c> says is paid: slots up to paid,
 * but those of a batch not applied (yet) are owed. */
typedef struct payee_mark {
    int64_t paid;
    int64_t owed_from; /* slots owed_from+1..paid are owed (= paid: none) */
} payee_mark;

static bool
mark_pays(const payee_mark *m, int64_t index)
{
    return index <= m->owed_from;
}

typedef struct campaign_walk {
    checker *ck;
    const bs_campaign *c;
    payee_mark marks[BS__PAYEE_COUNT];
    int64_t next; /* the index the next slot must have */
    int64_t prev_end;
    int64_t prev_time; /* when the previous slot was sold */
} campaign_walk;

static bool
buyer_holds(checker *ck, const bs_slot *s)
{
    bs_account buyer;
    bool holds;

    if (bs_docs_account(ck->ctx, s->buyer, &buyer, NULL) != BS_OK)
        return false;
    holds = buyer.lock == BS_LOCK_FILL && strcmp(buyer.fill.request, s->request) == 0;
    bs_account_release(&buyer);
    return holds;
}

static bs_status
check_slot(const bs_store_doc *doc, void *arg)
{
    campaign_walk *w = arg;
    checker *ck = w->ck;
    const bs_campaign *c = w->c;
    char ref[BS_REF_MAX];
    bool open, held, debited, seller_paid, fee_paid;
    bs_slot s;

    if (bs_slot_decode(doc->value, doc->len, &s) != BS_OK) {
        violation(ck, "document \"%s\" is not a slot", doc->key);
        return BS_OK;
    }
    bs_slot_ref_format(&c->id, s.index, ref);
    ck->sum->slots++;
    if ((int64_t)s.index != w->next)
        violation(ck, "slot %s follows slot %lld: slots must be contiguous", ref,
                  (long long)w->next - 1);
    if (s.start < w->prev_end || s.end - s.start != c->slot_seconds)
        violation(ck, "slot %s runs %lld..%lld: not back to back after %lld or not %lld s long",
                  ref, (long long)s.start, (long long)s.end, (long long)w->prev_end,
                  (long long)c->slot_seconds);
    if (s.time < w->prev_time)
        violation(ck, "slot %s was sold at %lld, before the slot before it (%lld)", ref,
                  (long long)s.time, (long long)w->prev_time);
    if (!bs_money_valid(s.price) || s.fee < 0 || s.fee > s.price)
        violation(ck, "slot %s: price %lld and fee %lld are out of range", ref, (long long)s.price,
                  (long long)s.fee);
    w->next = (int64_t)s.index + 1;
    w->prev_end = s.end;
    w->prev_time = s.time;

    open = !c->has_last || s.index > c->last.index;
    held = open && buyer_holds(ck, &s);
    if (open && !held)
        unfinished(ck, "slot %s is sold and paid but campaign.last does not show it yet", ref);
    if (c->has_last && s.index == c->last.index && !bs_slot_equal(&s, &c->last))
        violation(ck, "campaign %s/%u: last differs from slot %s", c->id.owner,
                  (unsigned)c->id.index, ref);
    debited = !held;
    expect_paid(ck, ref, BS_ENTRY_PURCHASE, s.buyer, debited, -s.price);
    seller_paid = mark_pays(&w->marks[BS_PAYEE_SELLER], s.index);
    fee_paid = mark_pays(&w->marks[BS_PAYEE_OPERATOR], s.index);
    expect_paid(ck, ref, BS_ENTRY_SALE, c->id.owner, seller_paid, s.price - s.fee);
    expect_paid(ck, ref, BS_ENTRY_FEE, ck->ctx->operator_name, fee_paid, s.fee);
    if (debited && !seller_paid)
        ck->sum->owed += s.price - s.fee;
    if (debited && !fee_paid)
        ck->sum->owed += s.fee;
    return BS_OK;
}

static bs_status
check_campaign(const bs_store_doc *doc, void *arg)
{
    checker *ck = arg;
    campaign_walk w = {ck, NULL, {{-1, -1}, {-1, -1}}, 0, INT64_MIN, INT64_MIN};
    char prefix[BS_KEY_BUF];
    bs_credit credit;
    bs_campaign c;
    int64_t last;
    bs_status st;

    if (bs_campaign_decode(doc->value, doc->len, &c) != BS_OK) {
        violation(ck, "document \"%s\" is not a campaign", doc->key);
        return BS_OK;
    }
    ck->sum->campaigns++;
    w.c = &c;
    if (bs_docs_account_exists(ck->ctx, c.id.owner) != BS_OK)
        violation(ck, "campaign %s/%u: its owner has no account", c.id.owner, (unsigned)c.id.index);
    last = c.has_last ? (int64_t)c.last.index : -1;
    st = bs_credit_read(ck->ctx, &c.id, &credit);
    if (st == BS_CORRUPT) {
        violation(ck, "campaign %s/%u: its credit document is damaged", c.id.owner,
                  (unsigned)c.id.index);
        bs_credit_init(&credit, &c.id);
    } else if (st != BS_OK) {
        return st;
    }
    for (int p = 0; p < BS__PAYEE_COUNT; p++) {
        const bs_credit_mark *m = &credit.mark[p];
        bool applied = true;

        if (m->batch.open)
            st = bs_credit_paid(ck->ctx, &credit, (bs_payee)p, m->batch.first, &applied);
        if (st != BS_OK && st != BS_CORRUPT && st != BS_NOTFOUND)
            return st;
        if (st != BS_OK)
            violation(ck, "campaign %s/%u: the %s's batch at entry %lld cannot be read", c.id.owner,
                      (unsigned)c.id.index, p == BS_PAYEE_SELLER ? "seller" : "fee",
                      (long long)m->batch.at);
        w.marks[p].paid = m->paid;
        w.marks[p].owed_from = st == BS_OK && applied ? m->paid : m->batch.from;
        st = BS_OK;
    }
    if (w.marks[BS_PAYEE_SELLER].paid > last || w.marks[BS_PAYEE_OPERATOR].paid > last)
        violation(ck,
                  "campaign %s/%u: credited up to slot %lld (fees %lld) beyond the last "
                  "final slot %lld",
                  c.id.owner, (unsigned)c.id.index, (long long)w.marks[BS_PAYEE_SELLER].paid,
                  (long long)w.marks[BS_PAYEE_OPERATOR].paid, (long long)last);
    bs_prefix_slots_of(&c.id, prefix);
    st = bs_docs_each(ck->ctx, prefix, check_slot, &w);
    if (st == BS_OK && last >= w.next)
        violation(ck, "campaign %s/%u: last is slot %lld, which was never sold", c.id.owner,
                  (unsigned)c.id.index, (long long)last);
    return st;
}

/* A key document with an owner: that account has the key. */
static bs_status
check_keydoc(const bs_store_doc *doc, void *arg)
{
    checker *ck = arg;
    const char *address = doc->key + strlen(BS_PREFIX_KEYDOCS);
    char spelled[BS_ADDRESS_MAX];
    bs_account owner;
    bs_keydoc k;
    bool holds;

    if (bs_keydoc_decode(doc->value, doc->len, &k) != BS_OK) {
        violation(ck, "document \"%s\" is not a key", doc->key);
        return BS_OK;
    }
    canonical(ck, address, spelled);
    if (strcmp(spelled, address) != 0) {
        bs_keydoc other;
        bool both = bs_keys_owner(ck->ctx, spelled, &other) == BS_OK;
        violation(ck,
                  "key %s is not spelled canonically (it is the address %s%s): one address could "
                  "be handed out and credited twice",
                  address, spelled, both ? ", which has a key document of its own" : "");
    }
    if (k.owner[0] == '\0')
        return BS_OK;
    if (bs_docs_account(ck->ctx, k.owner, &owner, NULL) != BS_OK) {
        violation(ck, "key %s belongs to \"%s\", which has no account", address, k.owner);
        return BS_OK;
    }
    holds = bs_deposit_find(&owner, address) != NULL;
    bs_account_release(&owner);
    if (!holds)
        violation(ck, "key %s belongs to \"%s\", which does not hold it", address, k.owner);
    return BS_OK;
}

static bs_status
check_keyset(const bs_store_doc *doc, void *arg)
{
    checker *ck = arg;
    const char *rest = doc->key + strlen(BS_PREFIX_KEYSETS);
    bs_status st = BS_OK;
    bs_keypage page;
    bs_keyset ks;

    if (strchr(rest, '/') == NULL) {
        if (bs_keyset_decode(doc->value, doc->len, &ks) != BS_OK)
            violation(ck, "document \"%s\" is not a key set", doc->key);
        else if (ks.filling)
            unfinished(ck, "key set %s is in the middle of a page fill", rest);
        return BS_OK;
    }
    if (bs_keypage_decode(doc->value, doc->len, &page) != BS_OK) {
        violation(ck, "document \"%s\" is not a key page", doc->key);
        return BS_OK;
    }
    for (size_t i = 0; i < page.count && st == BS_OK; i++)
        st = bag_push(ck, &ck->paged, page.keys[i].address, "");
    bs_keypage_release(&page);
    return st;
}

/* A page of the key list: its addresses, and its xpub spans. */
static bs_status
check_list_page(const bs_store_doc *doc, void *arg)
{
    checker *ck = arg;
    bs_keylist_page page;
    bs_status st = BS_OK;

    if (bs_keylist_page_decode(doc->value, doc->len, &page) != BS_OK) {
        violation(ck, "document \"%s\" is not a page of the key list", doc->key);
        return BS_OK;
    }
    for (size_t r = 0; r < page.count && st == BS_OK; r++) {
        const bs_key_range *range = &page.ranges[r];
        for (int64_t i = 0; range->kind == BS_RANGE_ADDRESSES && i < range->count && st == BS_OK;
             i++)
            st = bag_push(ck, &ck->listed, range->addresses[i], "");
        if (range->kind != BS_RANGE_XPUB || st != BS_OK)
            continue;
        st = bs_grow(&ck->spans, &ck->span_cap, ck->span_count, sizeof(*ck->spans), 64);
        if (st != BS_OK)
            break;
        ck->spans[ck->span_count++] = (xpub_span){"", range->from, range->count};
        memcpy(ck->spans[ck->span_count - 1].source, range->source, BS_SOURCE_ID_LEN + 1);
    }
    bs_keylist_page_release(&page);
    return st;
}

static int
compare_spans(const void *a, const void *b)
{
    const xpub_span *x = a, *y = b;
    int c = strcmp(x->source, y->source);

    return c != 0 ? c : (x->from > y->from) - (x->from < y->from);
}

static void
unfinished_import(void *arg, const char *id, const bs_keyimport *k)
{
    unfinished(arg, "key import %s was interrupted (%s)", id,
               k->state == BS_IMPORT_RECORDING   ? "still recording, silent too long"
               : k->state == BS_IMPORT_COMMITTED ? "committed"
                                                 : "aborted");
}

static bs_status
check_keys(checker *ck)
{
    bs_status st = bs_docs_each(ck->ctx, BS_PREFIX_KEYDOCS, check_keydoc, ck);

    if (st == BS_OK)
        st = bs_docs_each(ck->ctx, BS_PREFIX_KEYSETS, check_keyset, ck);
    if (st == BS_OK)
        st = bs_docs_each(ck->ctx, BS_PREFIX_KEYLIST, check_list_page, ck);
    if (st == BS_OK)
        st = bs_keys_unfinished_imports(ck->ctx, unfinished_import, ck);
    if (st != BS_OK)
        return st;
    report_twice(ck, &ck->paged, "on key pages");
    report_twice(ck, &ck->listed, "on the key list");
    report_twice(ck, &ck->held, NULL);
    if (ck->span_count > 1)
        qsort(ck->spans, ck->span_count, sizeof(*ck->spans), compare_spans);
    for (size_t i = 1; i < ck->span_count; i++) {
        const xpub_span *a = &ck->spans[i - 1], *b = &ck->spans[i];
        if (strcmp(a->source, b->source) == 0 && a->from + a->count > b->from)
            violation(ck, "keys %lld.. of xpub %s are on the key list twice", (long long)b->from,
                      a->source);
    }
    return BS_OK;
}

/* One process's counts of a slot: well formed, under its own key, of a
 * slot that was sold. */
static bs_status
check_stats(const bs_store_doc *doc, void *arg)
{
    checker *ck = arg;
    char key[BS_KEY_BUF], ref[BS_REF_MAX];
    bs_stats s;
    bs_slot slot;
    bs_status st;

    if (bs_stats_decode(doc->value, doc->len, &s) != BS_OK) {
        violation(ck, "document \"%s\" is not the counts of a slot", doc->key);
        return BS_OK;
    }
    bs_key_stats(&s.campaign, s.slot, s.process, key);
    bs_slot_ref_format(&s.campaign, s.slot, ref);
    if (strcmp(key, doc->key) != 0) {
        violation(ck, "document \"%s\" holds the counts of slot %s, not its own", doc->key, ref);
        return BS_OK;
    }
    st = bs_docs_slot(ck->ctx, &s.campaign, s.slot, &slot);
    if (st == BS_NOTFOUND)
        violation(ck, "document \"%s\" counts slot %s, which was never sold", doc->key, ref);
    return bs_status_outage(st) ? st : BS_OK; /* a damaged slot is named by pass 2 */
}

bs_status
bs_check_run(bs_ctx *ctx, bs_check_report report, void *arg, bs_check_summary *sum)
{
    checker ck = {.ctx = ctx, .report = report, .arg = arg, .sum = sum};
    bs_wdcheck_sums wsums = {0, 0, 0};
    bs_keyconfig cfg;
    bs_status st;

    memset(sum, 0, sizeof(*sum));
    ck.withdrawals = bs_wdcheck_new();
    if (ck.withdrawals == NULL)
        return BS_NOMEM;
    /* Addresses are compared in their canonical spelling for the network of
     * the store's keys. */
    st = bs_keys_config(ctx, &cfg);
    if (st == BS_OK && bs_network_parse(cfg.network, &ck.network) != BS_OK)
        violation(&ck, "the key configuration names no network (\"%s\")", cfg.network);
    if (st == BS_NOTFOUND)
        st = BS_OK;
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_ACCOUNTS, check_account, &ck);
    if (st != BS_OK)
        goto free_entries;
    if (ck.entry_count > 0)
        qsort(ck.entries, ck.entry_count, sizeof(*ck.entries), compare_entries);
    st = bs_docs_account(ctx, ctx->operator_name, &ck.op, NULL);
    if (st == BS_NOTFOUND)
        st = BS_OK;
    if (st != BS_OK)
        goto free_entries;
    st = bs_docs_each(ctx, BS_PREFIX_CAMPAIGNS, check_campaign, &ck);
    if (st != BS_OK)
        goto release_operator;
    st = check_keys(&ck);
    if (st == BS_OK)
        st = bs_wdcheck_finish(ck.withdrawals, ctx, sum->withdrawals, withdrawal_finding, &ck,
                               &wsums);
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_STATS, check_stats, &ck);
    if (st != BS_OK)
        goto release_operator;
    sum->withdrawals_reserved = wsums.reserved;
    sum->withdrawals_paid = wsums.paid;
    sum->withdrawal_fees = wsums.fees;
    for (size_t i = 0; i < ck.entry_count; i++)
        if (!ck.entries[i].matched)
            violation(&ck, "account \"%s\": a %s entry names slot %s, which it does not belong to",
                      ck.entries[i].account, bs_entry_kind_name(ck.entries[i].kind),
                      ck.entries[i].ref);
    if (sum->balances + sum->owed != sum->adjustments + sum->deposits - sum->withdrawals)
        violation(&ck,
                  "money: balances %lld + owed %lld != adjustments %lld + deposits %lld - "
                  "withdrawals %lld",
                  (long long)sum->balances, (long long)sum->owed, (long long)sum->adjustments,
                  (long long)sum->deposits, (long long)sum->withdrawals);
release_operator:
    bs_account_release(&ck.op);
free_entries:
    free(ck.entries);
    free(ck.paged.items);
    free(ck.listed.items);
    free(ck.held.items);
    free(ck.spans);
    bs_wdcheck_free(ck.withdrawals);
    return st;
}
