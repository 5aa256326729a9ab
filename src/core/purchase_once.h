/*
 * purchase_once.h — a purchase that may be sent any number of times and
 * buys at most one slot: the API's Idempotency-Key (RFC draft
 * "The Idempotency-Key HTTP Header Field"), for clients that retry after a
 * timeout, a dropped connection, or a crash of the process that served
 * the first send.
 *
 * The purchase's request id is derived from the account and the key, so
 * every send names the same purchase, and the purchase protocol
 * (purchase.h) already records it in the lock, in the account's recent
 * requests and in the ledger entry. Before buying, a send records the
 * order under idem/<canon>/<request> (model/idem.h), first sender wins;
 * every later send of the key must carry the same order, and first looks
 * for what became of the purchase (bs_purchase_outcome): in progress or
 * stopped by a crash → finished now; bought → that slot; lost to another
 * buyer → BS_SOLD; never took the lock → it is bought now, as one purchase
 * (two sends at the same moment share one lock, see take_lock).
 *
 * A send refused before it took the account's lock (not enough funds, no
 * such ad...) removes the record it added: a refusal leaves nothing
 * behind, and the key may be sent again with another order.
 *
 * Invariant: for one account and key, at most one slot is ever bought
 * and paid for.
 */
#ifndef BS_PURCHASE_ONCE_H
#define BS_PURCHASE_ONCE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/purchase.h"

#define BS_IDEMPOTENCY_KEY_MAX 255

/* Is `key` (len bytes) an acceptable Idempotency-Key: 1 to
 * BS_IDEMPOTENCY_KEY_MAX visible ASCII characters (no space)? */
bool bs_purchase_once_key_valid(const char *key, size_t len);

/* bs_purchase_buy for the send of key `key` (order->request is ignored).
 * Statuses: those of bs_purchase_buy, and BS_EXISTS when the key was sent
 * before with another order (nothing is done). An earlier send's outcome
 * is answered as this one's: its slot (BS_OK), or BS_SOLD. */
bs_status bs_purchase_buy_once(bs_ctx *ctx, const bs_purchase_order *order, const char *key,
                               size_t len, bs_purchase_result *res);

#endif
