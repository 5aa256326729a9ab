/*
 * purchase_once.c — see purchase_once.h.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/docs.h"
#include "core/purchase_once.h"
#include "model/idem.h"
#include "util/id.h"

bool
bs_purchase_once_key_valid(const char *key, size_t len)
{
    if (len == 0 || len > BS_IDEMPOTENCY_KEY_MAX)
        return false;
    for (size_t i = 0; i < len; i++)
        if (key[i] < 0x21 || key[i] > 0x7e)
            return false;
    return true;
}

/* The purchase's request id: a keyed digest of the key, under the
 * account's name, so that two accounts' keys never name one purchase. */
static void
request_of(const char *canon, const char *key, size_t len, char out[BS_ID_LEN + 1])
{
    unsigned char digest[BS_ID_LEN / 2];
    crypto_generichash_state h;

    crypto_generichash_init(&h, NULL, 0, sizeof(digest));
    crypto_generichash_update(&h, (const unsigned char *)"bitslot purchase", 17);
    crypto_generichash_update(&h, (const unsigned char *)canon, strlen(canon) + 1);
    crypto_generichash_update(&h, (const unsigned char *)key, len);
    crypto_generichash_final(&h, digest, sizeof(digest));
    sodium_bin2hex(out, BS_ID_LEN + 1, digest, sizeof(digest));
}

typedef struct sent {
    const bs_idem *mine;
    int64_t ledger_at; /* out: of the record found */
    bool earlier;      /* out: the record was there (an earlier send's) */
} sent;

static bool
same_order(const char *text, size_t len, void *arg)
{
    sent *s = arg;
    bs_idem found;

    if (bs_idem_decode(text, len, &found) != BS_OK || !bs_idem_same_order(&found, s->mine))
        return false;
    s->ledger_at = found.ledger_at;
    s->earlier = true;
    return true;
}

/* Remove the record this send added (its CAS read back: the store
 * removes only what it was shown). */
static void
forget_send(bs_ctx *ctx, const char *doc_key)
{
    char *text;
    size_t len;
    bs_cas cas;

    if (bs_store_get(ctx->store, doc_key, &text, &len, &cas) != BS_OK)
        return;
    free(text);
    (void)bs_store_remove(ctx->store, doc_key, cas);
}

/* The statuses of bs_purchase_buy that leave the account untouched. */
static bool
refused_before_lock(bs_status st)
{
    switch (st) {
    case BS_NOTFOUND:
    case BS_FORBIDDEN:
    case BS_MISMATCH:
    case BS_STALE:
    case BS_PRICE_LIMIT:
    case BS_INSUFFICIENT:
    case BS_LOCKED:
    case BS_OVERFLOW:
    case BS_INVALID:
        return true;
    default:
        return false;
    }
}

bs_status
bs_purchase_buy_once(bs_ctx *ctx, const bs_purchase_order *order, const char *key, size_t len,
                     bs_purchase_result *res)
{
    char request[BS_ID_LEN + 1], doc_key[BS_KEY_BUF], *text;
    bs_purchase_order once = *order;
    bs_idem idem;
    bs_account a;
    bs_name canon;
    size_t text_len;
    sent s;
    bs_status st;

    memset(res, 0, sizeof(*res));
    res->next_slot = -1;
    if (!bs_purchase_once_key_valid(key, len))
        return BS_INVALID;
    if (!bs_name_valid(order->buyer)) {
        res->subject = "account";
        return BS_NOTFOUND;
    }
    bs_name_canonical(order->buyer, canon);
    st = bs_docs_account(ctx, canon, &a, NULL);
    if (st == BS_NOTFOUND)
        res->subject = "account";
    if (st != BS_OK)
        return st;
    idem.campaign = order->campaign;
    idem.ad = order->ad;
    idem.max_price = order->max_price;
    idem.expect_slot = order->expect_slot;
    idem.ledger_at = a.ledger_next;
    bs_account_release(&a);

    /* Record the send; a record there already is an earlier send's. */
    request_of(canon, key, len, request);
    bs_key_idem(canon, request, doc_key);
    text = bs_idem_encode(&idem, &text_len);
    if (text == NULL)
        return BS_NOMEM;
    s.mine = &idem;
    s.ledger_at = idem.ledger_at;
    s.earlier = false;
    st = bs_docs_add_same(ctx, doc_key, text, text_len, same_order, &s);
    free(text);
    if (st != BS_OK)
        return st;

    /* What became of the earlier sends, if any (none: BS_NOTFOUND). */
    st = bs_purchase_outcome(ctx, canon, request, s.ledger_at, res);
    if (st == BS_SOLD && res->next_slot >= 0) {
        /* Lost: to whom, as the first answer said. */
        bs_slot winner;

        if (bs_docs_slot(ctx, &order->campaign, (uint32_t)res->next_slot, &winner) == BS_OK)
            memcpy(res->sold_to, winner.buyer, sizeof(res->sold_to));
    }
    if (st != BS_NOTFOUND)
        return st;
    once.request = request;
    st = bs_purchase_buy(ctx, &once, res);
    /* Refused before it took the lock: nothing was bought, and a refusal
     * leaves nothing behind — the key may be sent again with another order.
     * (A crash before this removal leaves the record: harmless, it only
     * binds the key to its order.) */
    if (!s.earlier && refused_before_lock(st))
        forget_send(ctx, doc_key);
    return st;
}
