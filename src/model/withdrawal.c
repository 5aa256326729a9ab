/*
 * withdrawal.c — the JSON of withdrawals:
 *   hold (inside account/<name>, in "withdrawals"):
 *     {"id":I,"amount":A,"fee":F,"time":T,"address":ADDR}
 *   withdrawal/<account>/<id>:
 *     {"account":N,"hold":HOLD,"state":"requested","updated":T
 *      [,"batch":B,"txid":X,"hex":H,"confirmations":C,"fee_batch":F[,"spent_at":N]]
 *      [,"reason":R][,"fee_batch":F,"reissued":K,"dead_txid":D]}
 *   payout:
 *     {"state":"idle"} | {"state":"open"|"signed"|"refusing","batch":B,"started":T,
 *      "items":[{"account":N,"id":I[,"refuse":true]}...],"builder":W,"lease":T
 *      [,"txid":X,"hex":H,"fees":F,"fee_at":E][,"reason":R]}
 */
#include <stdlib.h>
#include <string.h>

#include "model/codec.h"
#include "model/withdrawal.h"
#include "util/money.h"

static const char *const state_names[] = {
#define BS__WD_NAME(id, name) name,
    BS_WD_STATE_MAP(BS__WD_NAME)
#undef BS__WD_NAME
};

const char *
bs_wd_state_name(bs_wd_state state)
{
    return (unsigned)state < BS__WD_STATE_COUNT ? state_names[state] : "?";
}

bs_status
bs_wd_state_parse(const char *name, bs_wd_state *state)
{
    for (int i = 0; i < BS__WD_STATE_COUNT; i++) {
        if (strcmp(state_names[i], name) == 0) {
            *state = (bs_wd_state)i;
            return BS_OK;
        }
    }
    return BS_INVALID;
}

bool
bs_hex_valid(const char *hex, size_t max)
{
    size_t n = strlen(hex);

    if (n == 0 || n % 2 != 0 || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((hex[i] >= '0' && hex[i] <= '9') || (hex[i] >= 'a' && hex[i] <= 'f')))
            return false;
    return true;
}

json_t *
bs_withdrawal_hold_json(const bs_withdrawal_hold *h)
{
    return json_pack("{s:s, s:I, s:I, s:I, s:s}", "id", h->id, "amount", (json_int_t)h->amount,
                     "fee", (json_int_t)h->fee, "time", (json_int_t)h->time, "address", h->address);
}

bs_status
bs_withdrawal_hold_from_json(json_t *obj, bs_withdrawal_hold *h)
{
    memset(h, 0, sizeof(*h));
    if (!json_is_object(obj) || bs_codec_string(obj, "id", h->id, sizeof(h->id), false) ||
        !bs_id_valid(h->id) || bs_codec_int(obj, "amount", &h->amount) ||
        bs_codec_int(obj, "fee", &h->fee) || bs_codec_int(obj, "time", &h->time) ||
        bs_codec_string(obj, "address", h->address, sizeof(h->address), false))
        return BS_CORRUPT;
    if (h->amount <= 0 || h->fee < 0 || h->amount > BS_MAX_MONEY ||
        h->fee > BS_MAX_MONEY - h->amount || h->address[0] == '\0')
        return BS_CORRUPT;
    return BS_OK;
}

static bool
txid_valid(const char *txid)
{
    return strlen(txid) == BS_TXID_LEN && bs_hex_valid(txid, BS_TXID_LEN);
}

char *
bs_withdrawal_encode(const bs_withdrawal *w, size_t *len)
{
    json_t *doc = json_pack("{s:s, s:o, s:s, s:I}", "account", w->account, "hold",
                            bs_withdrawal_hold_json(&w->hold), "state", bs_wd_state_name(w->state),
                            "updated", (json_int_t)w->updated);
    bool failed = doc == NULL;

    if (!failed && w->state != BS_WD_REQUESTED && w->state != BS_WD_REFUSED)
        failed = json_object_set_new(doc, "batch", json_string(w->batch)) != 0 ||
                 json_object_set_new(doc, "txid", json_string(w->txid)) != 0 ||
                 json_object_set_new(doc, "hex", json_string(w->hex != NULL ? w->hex : "")) != 0 ||
                 json_object_set_new(doc, "confirmations", json_integer(w->confirmations)) != 0;
    if (!failed && w->state != BS_WD_REQUESTED && w->state != BS_WD_REFUSED)
        failed = json_object_set_new(doc, "fee_batch", json_string(w->fee_batch)) != 0 ||
                 (w->spent_at > 0 &&
                  json_object_set_new(doc, "spent_at", json_integer(w->spent_at)) != 0);
    if (!failed && w->state == BS_WD_REFUSED)
        failed = json_object_set_new(doc, "reason", json_string(w->reason)) != 0;
    if (!failed && w->state == BS_WD_REQUESTED && w->reissued > 0)
        failed = json_object_set_new(doc, "fee_batch", json_string(w->fee_batch)) != 0;
    if (!failed && w->reissued > 0)
        failed = json_object_set_new(doc, "reissued", json_integer(w->reissued)) != 0 ||
                 json_object_set_new(doc, "dead_txid", json_string(w->dead_txid)) != 0;
    if (failed) {
        json_decref(doc);
        return NULL;
    }
    return bs_codec_dump(doc, len);
}

static bs_status
read_hex(json_t *doc, char **out)
{
    const char *hex = json_string_value(json_object_get(doc, "hex"));

    if (hex == NULL || !bs_hex_valid(hex, 2 * BS_PAYOUT_HEX_MAX))
        return BS_CORRUPT;
    *out = strdup(hex);
    return *out == NULL ? BS_NOMEM : BS_OK;
}

bs_status
bs_withdrawal_decode(const char *text, size_t len, bs_withdrawal *w)
{
    json_t *doc = bs_codec_load(text, len);
    char state[16];
    bs_status st = BS_CORRUPT;

    memset(w, 0, sizeof(*w));
    if (doc == NULL)
        return BS_CORRUPT;
    if (bs_codec_string(doc, "account", w->account, sizeof(w->account), false) ||
        bs_withdrawal_hold_from_json(json_object_get(doc, "hold"), &w->hold) ||
        bs_codec_string(doc, "state", state, sizeof(state), false) ||
        bs_wd_state_parse(state, &w->state) || bs_codec_int(doc, "updated", &w->updated))
        goto done;
    if (w->state == BS_WD_REFUSED) {
        if (bs_codec_string(doc, "reason", w->reason, sizeof(w->reason), false))
            goto done;
    } else if (w->state != BS_WD_REQUESTED) {
        if (bs_codec_string(doc, "batch", w->batch, sizeof(w->batch), false) ||
            bs_codec_string(doc, "txid", w->txid, sizeof(w->txid), false) || !txid_valid(w->txid) ||
            bs_codec_int(doc, "confirmations", &w->confirmations) || w->confirmations < 0 ||
            bs_codec_string(doc, "fee_batch", w->fee_batch, sizeof(w->fee_batch), false) ||
            !bs_id_valid(w->fee_batch))
            goto done;
        if (json_object_get(doc, "spent_at") != NULL &&
            (bs_codec_int(doc, "spent_at", &w->spent_at) || w->spent_at <= 0))
            goto done;
        st = read_hex(doc, &w->hex);
        if (st != BS_OK)
            goto done;
    } else if (json_object_get(doc, "reissued") != NULL &&
               (bs_codec_string(doc, "fee_batch", w->fee_batch, sizeof(w->fee_batch), false) ||
                !bs_id_valid(w->fee_batch))) {
        goto done;
    }
    if (json_object_get(doc, "reissued") != NULL &&
        (w->state == BS_WD_REFUSED || bs_codec_int(doc, "reissued", &w->reissued) ||
         w->reissued <= 0 ||
         bs_codec_string(doc, "dead_txid", w->dead_txid, sizeof(w->dead_txid), false) ||
         !txid_valid(w->dead_txid))) {
        st = BS_CORRUPT;
        goto done;
    }
    st = BS_OK;
done:
    json_decref(doc);
    if (st != BS_OK)
        bs_withdrawal_release(w);
    return st;
}

void
bs_withdrawal_release(bs_withdrawal *w)
{
    if (w == NULL)
        return;
    free(w->hex);
    memset(w, 0, sizeof(*w));
}

json_t *
bs_withdrawal_view(const bs_withdrawal *w)
{
    json_t *view =
        json_pack("{s:s, s:s, s:I, s:I, s:s, s:I, s:s, s:I}", "id", w->hold.id, "account",
                  w->account, "amount", (json_int_t)w->hold.amount, "fee", (json_int_t)w->hold.fee,
                  "address", w->hold.address, "requested", (json_int_t)w->hold.time, "state",
                  bs_wd_state_name(w->state), "updated", (json_int_t)w->updated);
    bool failed = view == NULL;

    if (!failed && w->txid[0] != '\0')
        failed = json_object_set_new(view, "txid", json_string(w->txid)) != 0 ||
                 json_object_set_new(view, "confirmations", json_integer(w->confirmations)) != 0;
    if (!failed && w->state == BS_WD_REFUSED)
        failed = json_object_set_new(view, "reason", json_string(w->reason)) != 0;
    if (!failed && w->reissued > 0)
        failed = json_object_set_new(view, "reissued", json_integer(w->reissued)) != 0 ||
                 json_object_set_new(view, "dead_txid", json_string(w->dead_txid)) != 0;
    if (failed) {
        json_decref(view);
        return NULL;
    }
    return view;
}

static const char *const payout_state_names[] = {"idle", "open", "signed", "refusing"};

char *
bs_payout_encode(const bs_payout *p, size_t *len)
{
    json_t *doc = json_pack("{s:s}", "state", payout_state_names[p->state]), *items;
    bool failed = doc == NULL;

    if (failed || p->state == BS_PAYOUT_IDLE)
        return failed ? NULL : bs_codec_dump(doc, len);
    items = json_array();
    for (size_t i = 0; items != NULL && i < p->count && !failed; i++) {
        json_t *item =
            json_pack("{s:s, s:s}", "account", p->items[i].account, "id", p->items[i].id);

        if (item != NULL && p->items[i].refuse)
            failed = json_object_set_new(item, "refuse", json_true()) != 0;
        failed = json_array_append_new(items, item) != 0 || failed;
    }
    failed = failed || items == NULL ||
             json_object_set_new(doc, "batch", json_string(p->batch)) != 0 ||
             json_object_set_new(doc, "started", json_integer(p->started)) != 0 ||
             json_object_set_new(doc, "items", items) != 0 ||
             json_object_set_new(doc, "builder", json_string(p->builder)) != 0 ||
             json_object_set_new(doc, "lease", json_integer(p->lease)) != 0;
    if (!failed && p->state == BS_PAYOUT_REFUSING)
        failed = json_object_set_new(doc, "reason", json_string(p->reason)) != 0;
    if (!failed && p->state == BS_PAYOUT_SIGNED)
        failed = json_object_set_new(doc, "txid", json_string(p->txid)) != 0 ||
                 json_object_set_new(doc, "hex", json_string(p->hex != NULL ? p->hex : "")) != 0 ||
                 json_object_set_new(doc, "fees", json_integer(p->fees)) != 0 ||
                 json_object_set_new(doc, "fee_at", json_integer(p->fee_at)) != 0;
    if (failed) {
        json_decref(doc);
        return NULL;
    }
    return bs_codec_dump(doc, len);
}

static bs_status
items_from_json(json_t *array, bs_payout *p)
{
    json_t *item;
    size_t i;

    if (!json_is_array(array) || json_array_size(array) == 0 ||
        json_array_size(array) > BS_PAYOUT_MAX)
        return BS_CORRUPT;
    p->items = calloc(json_array_size(array), sizeof(*p->items));
    if (p->items == NULL)
        return BS_NOMEM;
    json_array_foreach(array, i, item)
    {
        bs_payout_item *it = &p->items[i];

        if (!json_is_object(item) ||
            bs_codec_string(item, "account", it->account, sizeof(it->account), false) ||
            bs_codec_string(item, "id", it->id, sizeof(it->id), false) || !bs_id_valid(it->id))
            return BS_CORRUPT;
        it->refuse = json_is_true(json_object_get(item, "refuse"));
        p->count++;
    }
    return BS_OK;
}

bs_status
bs_payout_decode(const char *text, size_t len, bs_payout *p)
{
    json_t *doc = bs_codec_load(text, len);
    char state[16];
    bs_status st = BS_CORRUPT;

    memset(p, 0, sizeof(*p));
    if (doc == NULL)
        return BS_CORRUPT;
    if (bs_codec_string(doc, "state", state, sizeof(state), false))
        goto done;
    if (strcmp(state, "idle") == 0) {
        st = BS_OK;
        goto done;
    }
    if (strcmp(state, "open") == 0)
        p->state = BS_PAYOUT_OPEN;
    else if (strcmp(state, "signed") == 0)
        p->state = BS_PAYOUT_SIGNED;
    else if (strcmp(state, "refusing") == 0)
        p->state = BS_PAYOUT_REFUSING;
    else
        goto done;
    if (bs_codec_string(doc, "batch", p->batch, sizeof(p->batch), false) ||
        !bs_id_valid(p->batch) || bs_codec_int(doc, "started", &p->started) ||
        bs_codec_string(doc, "builder", p->builder, sizeof(p->builder), false) ||
        bs_codec_int(doc, "lease", &p->lease))
        goto done;
    st = items_from_json(json_object_get(doc, "items"), p);
    if (st == BS_OK && p->state == BS_PAYOUT_REFUSING &&
        bs_codec_string(doc, "reason", p->reason, sizeof(p->reason), false))
        st = BS_CORRUPT;
    if (st != BS_OK || p->state != BS_PAYOUT_SIGNED)
        goto done;
    st = BS_CORRUPT;
    if (bs_codec_string(doc, "txid", p->txid, sizeof(p->txid), false) || !txid_valid(p->txid) ||
        bs_codec_int(doc, "fees", &p->fees) || bs_codec_int(doc, "fee_at", &p->fee_at) ||
        p->fees < 0 || p->fees > BS_MAX_MONEY || p->fee_at < 0)
        goto done;
    st = read_hex(doc, &p->hex);
done:
    json_decref(doc);
    if (st != BS_OK)
        bs_payout_release(p);
    return st;
}

void
bs_payout_release(bs_payout *p)
{
    if (p == NULL)
        return;
    free(p->items);
    free(p->hex);
    memset(p, 0, sizeof(*p));
}
