/*
 * account.c — the JSON of an account:
 *   {"name":"Alice","password":"$argon2id$...","api_key_hash":"<hex>",
 *    "created":T,"operator":false,"balance":B,"ledger_next":N,
 *    "pending":[ENTRY...],"lock":null|{"kind":"fill",...},
 *    "btc":{"state":"none"} | {"state":"getting","set":N,"page":Y,"request":R}
 *          | {"state":"have","address":A,"request":R},
 *    "deposits":{"<address>":credited satoshis},
 *    "recent":[{"request":R,"seq":N[,"slot":S,"price":P]}...] (slot, price: a lost
 *              purchase's),
 *    "withdrawals":[HOLD...]}   (model/withdrawal.c; absent when none)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/account.h"
#include "model/codec.h"

json_t *
bs_fill_intent_view(const bs_fill_intent *f)
{
    return json_pack("{s:s, s:o, s:I, s:o, s:I, s:I, s:I, s:I, s:I, s:s}", "kind", "fill",
                     "campaign", bs_codec_ref_json(&f->campaign), "slot", (json_int_t)f->slot, "ad",
                     bs_codec_ref_json(&f->ad), "price", (json_int_t)f->price, "fee",
                     (json_int_t)f->fee, "time", (json_int_t)f->time, "start", (json_int_t)f->start,
                     "end", (json_int_t)f->end, "request", f->request);
}

static bs_status
fill_from_json(json_t *obj, bs_fill_intent *f)
{
    char kind[16];
    int64_t slot;

    if (!json_is_object(obj) || bs_codec_string(obj, "kind", kind, sizeof(kind), false) ||
        strcmp(kind, "fill") != 0 || bs_codec_ref(obj, "campaign", &f->campaign) ||
        bs_codec_int(obj, "slot", &slot) || bs_codec_ref(obj, "ad", &f->ad) ||
        bs_codec_int(obj, "price", &f->price) || bs_codec_int(obj, "fee", &f->fee) ||
        bs_codec_int(obj, "time", &f->time) || bs_codec_int(obj, "start", &f->start) ||
        bs_codec_int(obj, "end", &f->end) ||
        bs_codec_string(obj, "request", f->request, sizeof(f->request), false))
        return BS_CORRUPT;
    if (slot < 0 || slot > BS_INDEX_MAX)
        return BS_CORRUPT;
    f->slot = (uint32_t)slot;
    return BS_OK;
}

static json_t *
pending_json(const bs_account *a)
{
    json_t *array = json_array();

    for (size_t i = 0; array != NULL && i < a->pending_count; i++) {
        if (json_array_append_new(array, bs_ledger_entry_json(&a->pending[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static json_t *
btc_json(const bs_btc_key *b)
{
    switch (b->state) {
    case BS_BTC_GETTING:
        return json_pack("{s:s, s:I, s:I, s:s}", "state", "getting", "set", (json_int_t)b->set,
                         "page", (json_int_t)b->page, "request", b->request);
    case BS_BTC_HAVE:
        return json_pack("{s:s, s:s, s:s}", "state", "have", "address", b->address, "request",
                         b->request);
    default:
        return json_pack("{s:s}", "state", "none");
    }
}

static bs_status
btc_from_json(json_t *obj, bs_btc_key *b)
{
    char state[16];

    memset(b, 0, sizeof(*b));
    if (!json_is_object(obj) || bs_codec_string(obj, "state", state, sizeof(state), false))
        return BS_CORRUPT;
    if (strcmp(state, "none") == 0)
        return BS_OK;
    if (strcmp(state, "getting") == 0) {
        b->state = BS_BTC_GETTING;
        return bs_codec_int(obj, "set", &b->set) || bs_codec_int(obj, "page", &b->page) ||
                       bs_codec_string(obj, "request", b->request, sizeof(b->request), false)
                   ? BS_CORRUPT
                   : BS_OK;
    }
    if (strcmp(state, "have") == 0) {
        b->state = BS_BTC_HAVE;
        return bs_codec_string(obj, "address", b->address, sizeof(b->address), false) ||
                       bs_codec_string(obj, "request", b->request, sizeof(b->request), false)
                   ? BS_CORRUPT
                   : BS_OK;
    }
    return BS_CORRUPT;
}

static json_t *
deposits_json(const bs_account *a)
{
    json_t *obj = json_object();

    for (size_t i = 0; obj != NULL && i < a->deposits_count; i++) {
        if (json_object_set_new(obj, a->deposits[i].address,
                                json_integer(a->deposits[i].credited)) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    return obj;
}

static bs_status
deposits_from_json(json_t *obj, bs_account *a)
{
    const char *address;
    json_t *value;

    if (!json_is_object(obj))
        return BS_CORRUPT;
    if (json_object_size(obj) == 0)
        return BS_OK;
    /* One allocation for all: decoding stays linear in the keys. */
    a->deposits = calloc(json_object_size(obj), sizeof(*a->deposits));
    if (a->deposits == NULL)
        return BS_NOMEM;
    json_object_foreach(obj, address, value)
    {
        bs_deposit_key *d = &a->deposits[a->deposits_count];

        if (strlen(address) >= BS_ADDRESS_MAX || !json_is_integer(value) ||
            json_integer_value(value) < 0)
            return BS_CORRUPT;
        memcpy(d->address, address, strlen(address) + 1);
        d->credited = json_integer_value(value);
        a->deposits_count++;
    }
    return BS_OK;
}

static json_t *
recent_json(const bs_account *a)
{
    json_t *array = json_array();

    for (size_t i = 0; array != NULL && i < a->recent_count; i++) {
        const bs_recent *r = &a->recent[i];
        json_t *item =
            r->lost_slot >= 0
                ? json_pack("{s:s, s:I, s:I, s:I}", "request", r->request, "seq",
                            (json_int_t)r->seq, "slot", (json_int_t)r->lost_slot, "price",
                            (json_int_t)r->lost_price)
                : json_pack("{s:s, s:I}", "request", r->request, "seq", (json_int_t)r->seq);

        if (json_array_append_new(array, item) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static bs_status
recent_from_json(json_t *array, bs_account *a)
{
    json_t *item;
    size_t i;

    if (array == NULL)
        return BS_OK; /* written before accounts remembered requests */
    if (!json_is_array(array) || json_array_size(array) > BS_RECENT_MAX)
        return BS_CORRUPT;
    json_array_foreach(array, i, item)
    {
        bs_recent *r = &a->recent[i];
        if (!json_is_object(item) ||
            bs_codec_string(item, "request", r->request, sizeof(r->request), false) ||
            bs_codec_int(item, "seq", &r->seq))
            return BS_CORRUPT;
        r->lost_slot = r->lost_price = -1;
        if (json_object_get(item, "slot") != NULL &&
            (r->seq != 0 || bs_codec_int(item, "slot", &r->lost_slot) ||
             bs_codec_int(item, "price", &r->lost_price) || r->lost_slot < 0 || r->lost_price < 0))
            return BS_CORRUPT;
        a->recent_count++;
    }
    return BS_OK;
}

const bs_recent *
bs_account_applied(const bs_account *a, const char *request)
{
    for (size_t i = 0; request[0] != '\0' && i < a->recent_count; i++)
        if (strcmp(a->recent[i].request, request) == 0)
            return &a->recent[i];
    return NULL;
}

void
bs_account_remember(bs_account *a, const char *request, int64_t seq)
{
    if (a->recent_count == BS_RECENT_MAX) {
        memmove(&a->recent[0], &a->recent[1], (BS_RECENT_MAX - 1) * sizeof(a->recent[0]));
        a->recent_count--;
    }
    snprintf(a->recent[a->recent_count].request, sizeof(a->recent[0].request), "%s", request);
    a->recent[a->recent_count].seq = seq;
    a->recent[a->recent_count].lost_slot = -1;
    a->recent[a->recent_count].lost_price = -1;
    a->recent_count++;
}

void
bs_account_remember_lost(bs_account *a, const char *request, int64_t slot, int64_t price)
{
    bs_account_remember(a, request, 0);
    a->recent[a->recent_count - 1].lost_slot = slot;
    a->recent[a->recent_count - 1].lost_price = price;
}

static json_t *
holds_json(const bs_account *a)
{
    json_t *array = json_array();

    for (size_t i = 0; array != NULL && i < a->holds_count; i++) {
        if (json_array_append_new(array, bs_withdrawal_hold_json(&a->holds[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

static bs_status
holds_from_json(json_t *array, bs_account *a)
{
    json_t *item;
    size_t i;

    if (array == NULL)
        return BS_OK; /* written before withdrawals existed, or none */
    if (!json_is_array(array) || json_array_size(array) > BS_HOLDS_MAX)
        return BS_CORRUPT;
    json_array_foreach(array, i, item)
    {
        if (bs_withdrawal_hold_from_json(item, &a->holds[i]) != BS_OK ||
            bs_account_hold(a, a->holds[i].id) != NULL)
            return BS_CORRUPT;
        a->holds_count++;
    }
    return BS_OK;
}

const bs_withdrawal_hold *
bs_account_hold(const bs_account *a, const char *id)
{
    for (size_t i = 0; i < a->holds_count; i++)
        if (strcmp(a->holds[i].id, id) == 0)
            return &a->holds[i];
    return NULL;
}

bool
bs_account_drop_hold(bs_account *a, const char *id)
{
    for (size_t i = 0; i < a->holds_count; i++) {
        if (strcmp(a->holds[i].id, id) == 0) {
            memmove(&a->holds[i], &a->holds[i + 1], (a->holds_count - i - 1) * sizeof(a->holds[0]));
            a->holds_count--;
            memset(&a->holds[a->holds_count], 0, sizeof(a->holds[0]));
            return true;
        }
    }
    return false;
}

bs_deposit_key *
bs_deposit_find(bs_account *a, const char *address)
{
    for (size_t i = 0; i < a->deposits_count; i++)
        if (strcmp(a->deposits[i].address, address) == 0)
            return &a->deposits[i];
    return NULL;
}

bs_status
bs_deposit_add(bs_account *a, const char *address)
{
    bs_deposit_key *grown = realloc(a->deposits, (a->deposits_count + 1) * sizeof(*grown));

    if (grown == NULL)
        return BS_NOMEM;
    a->deposits = grown;
    memset(&grown[a->deposits_count], 0, sizeof(*grown));
    snprintf(grown[a->deposits_count].address, BS_ADDRESS_MAX, "%s", address);
    a->deposits_count++;
    return BS_OK;
}

char *
bs_account_encode(const bs_account *a, size_t *len)
{
    json_t *doc = json_pack(
        "{s:s, s:s, s:s, s:I, s:b, s:I, s:I, s:o, s:o, s:o, s:o, s:o}", "name", a->name, "password",
        a->password, "api_key_hash", a->api_key_hash, "created", (json_int_t)a->created, "operator",
        a->is_operator, "balance", (json_int_t)a->balance, "ledger_next",
        (json_int_t)a->ledger_next, "pending", pending_json(a), "lock",
        a->lock == BS_LOCK_FILL ? bs_fill_intent_view(&a->fill) : json_null(), "btc",
        btc_json(&a->btc), "deposits", deposits_json(a), "recent", recent_json(a));

    if (doc != NULL && a->holds_count > 0 &&
        json_object_set_new(doc, "withdrawals", holds_json(a)) != 0) {
        json_decref(doc);
        return NULL;
    }
    return bs_codec_dump(doc, len);
}

bs_status
bs_account_decode(const char *text, size_t len, bs_account *a)
{
    json_t *doc = bs_codec_load(text, len), *pending, *lock, *item;
    bs_status st = BS_CORRUPT;
    size_t i;

    memset(a, 0, sizeof(*a));
    if (doc == NULL)
        return BS_CORRUPT;
    if (bs_codec_string(doc, "name", a->name, sizeof(a->name), false) ||
        bs_codec_string(doc, "password", a->password, sizeof(a->password), false) ||
        bs_codec_string(doc, "api_key_hash", a->api_key_hash, sizeof(a->api_key_hash), false) ||
        bs_codec_int(doc, "created", &a->created) ||
        !json_is_boolean(json_object_get(doc, "operator")) ||
        bs_codec_int(doc, "balance", &a->balance) ||
        bs_codec_int(doc, "ledger_next", &a->ledger_next))
        goto fail;
    a->is_operator = json_is_true(json_object_get(doc, "operator"));

    pending = json_object_get(doc, "pending");
    if (!json_is_array(pending))
        goto fail;
    if (json_array_size(pending) > 0) {
        a->pending = calloc(json_array_size(pending), sizeof(*a->pending));
        if (a->pending == NULL) {
            st = BS_NOMEM;
            goto fail;
        }
    }
    json_array_foreach(pending, i, item)
    {
        if (bs_ledger_entry_from_json(item, &a->pending[i]) != BS_OK)
            goto fail;
        a->pending_count++;
    }

    lock = json_object_get(doc, "lock");
    if (json_is_object(lock)) {
        if (fill_from_json(lock, &a->fill) != BS_OK)
            goto fail;
        a->lock = BS_LOCK_FILL;
    } else if (!json_is_null(lock)) {
        goto fail;
    }
    st = btc_from_json(json_object_get(doc, "btc"), &a->btc);
    if (st == BS_OK)
        st = deposits_from_json(json_object_get(doc, "deposits"), a);
    if (st == BS_OK)
        st = recent_from_json(json_object_get(doc, "recent"), a);
    if (st == BS_OK)
        st = holds_from_json(json_object_get(doc, "withdrawals"), a);
    if (st != BS_OK)
        goto fail;
    json_decref(doc);
    return BS_OK;

fail:
    json_decref(doc);
    bs_account_release(a);
    return st == BS_OK ? BS_CORRUPT : st;
}

void
bs_account_release(bs_account *a)
{
    if (a == NULL)
        return;
    free(a->pending);
    free(a->deposits);
    memset(a, 0, sizeof(*a));
}

json_t *
bs_account_view(const bs_account *a)
{
    return json_pack("{s:s, s:I, s:o, s:I, s:b}", "name", a->name, "balance",
                     (json_int_t)a->balance, "lock",
                     a->lock == BS_LOCK_FILL ? bs_fill_intent_view(&a->fill) : json_null(),
                     "created", (json_int_t)a->created, "operator", a->is_operator);
}
