/*
 * withdraw_once.h — a withdrawal request that may be sent any number of
 * times and reserves at most once: the API's Idempotency-Key for
 * withdrawals, as core/purchase_once.h is for purchases.
 *
 * The request id (core/withdraw.h) is derived from the account and the
 * key, so every send of the key names the same withdrawal, and the
 * withdrawal protocol already treats a repeated request id as the same
 * withdrawal (its hold, the account's recent requests, or its document
 * say it was applied): nothing is reserved twice. No record of its own is
 * kept: a send refused (not enough funds, a bad address...) leaves
 * nothing, and the key may be sent again with another order.
 *
 * Invariants: for one account and key, at most one withdrawal is ever
 * reserved; a key names another withdrawal for another account, and never
 * the purchase of the same key (the derivations differ).
 */
#ifndef BS_WITHDRAW_ONCE_H
#define BS_WITHDRAW_ONCE_H

#include <stddef.h>

#include "core/withdraw.h"

/* The request id of key `key` (len bytes) of account `canon` (canonical):
 * BS_ID_LEN lowercase hex characters, a keyed digest of both. */
void bs_withdraw_once_request(const char *canon, const char *key, size_t len,
                              char out[BS_ID_LEN + 1]);

/* bs_withdraw_request for the send of key `key` (order->request is
 * ignored). Statuses: those of
 * bs_withdraw_request, BS_MISMATCH meaning the key was sent before with
 * another amount or address (nothing is done), and BS_INVALID for a key
 * that is not 1 to BS_IDEMPOTENCY_KEY_MAX visible ASCII characters. An
 * earlier send's withdrawal is answered as this one's (res->again). */
bs_status bs_withdraw_once(bs_ctx *ctx, const bs_withdraw_order *order, const char *key, size_t len,
                           bs_withdraw_result *res);

#endif
