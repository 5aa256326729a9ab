/*
 * idem.h — the document idem/<canon>/<request>: a purchase the account
 * sent with an Idempotency-Key (core/purchase_once.h). <request> is the
 * purchase's request id, derived from the account and the key, so every
 * retry of the key names the same purchase.
 *
 * It records what was asked, so that the key sent again with another
 * order is refused, and the account's ledger length when it was first
 * sent, so that a retry knows where to look for the purchase's entry.
 *
 * Invariants: written once, by add, and never changed; its presence says
 * only that the key was sent, not that anything was bought (the account's
 * lock, recent requests and ledger say that).
 */
#ifndef BS_MODEL_IDEM_H
#define BS_MODEL_IDEM_H

#include <stddef.h>
#include <stdint.h>

#include "model/names.h"
#include "util/status.h"

typedef struct bs_idem {
    bs_ref campaign;
    bs_ref ad;
    int64_t max_price;   /* < 0: none */
    int64_t expect_slot; /* < 0: any */
    int64_t ledger_at;   /* the account's ledger_next when first sent */
} bs_idem;

/* The document (malloc'ed, length in *len), or NULL when out of memory. */
char *bs_idem_encode(const bs_idem *idem, size_t *len);

/* BS_CORRUPT when malformed. */
bs_status bs_idem_decode(const char *text, size_t len, bs_idem *idem);

/* Do two records ask for the same purchase (ledger_at aside)? */
bool bs_idem_same_order(const bs_idem *a, const bs_idem *b);

#endif
