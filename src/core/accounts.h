/*
 * accounts.h — registering accounts, showing them, operator adjustments and
 * the account history (DESIGN.md §5).
 *
 * Every function that touches an account first finishes whatever the
 * account was in the middle of (recover.h), so a crash is repaired by the
 * owner's next click.
 */
#ifndef BS_ACCOUNTS_H
#define BS_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/account.h"

#define BS_PASSWORD_MIN 8
#define BS_PASSWORD_MAX 1024
#define BS_API_KEY_LEN  64 /* hex characters */

/* True when a password's length is acceptable. */
bool bs_accounts_password_ok(size_t len);

/* Register `name` with `password` (argon2id). On BS_OK, api_key holds the
 * account's API key, shown this once (only its hash is stored, in the
 * account and as the key of its index apikey/<hash>, model/apikey.h).
 * BS_INVALID: bad name or password length; BS_EXISTS: the name (in any
 * case) is taken; BS_FORBIDDEN: the name is the operator's; BS_CONFLICT:
 * the new key's index is another account's (a clash of 256-bit random keys:
 * not in practice; a retry draws a new key). On any failure api_key is
 * zeroed; a failure after the index was written may leave it behind, which
 * is harmless (see accounts.c). */
bs_status bs_accounts_create(bs_ctx *ctx, const char *name, const char *password, size_t len,
                             char api_key[BS_API_KEY_LEN + 1]);

/* The account whose API key is `api_key` (as bs_accounts_create printed
 * it: BS_API_KEY_LEN lowercase hex characters): on BS_OK, canon_out holds
 * its canonical name. BS_AUTH for a malformed key and for a key that is no
 * account's (no index, an index naming no account, or an account whose own
 * hash differs: the account decides, compared in constant time); otherwise
 * a store error as is (BS_UNAVAILABLE, BS_CORRUPT...). canon_out is "" on
 * any failure. One read of the index and one of the account; the account's
 * interrupted work is not recovered here. */
bs_status bs_accounts_authenticate(bs_ctx *ctx, const char *api_key, bs_name canon_out);

/* A new API key for account `canon` (canonical), into api_key, shown this
 * once; the old key stops working. The new index is added first, then the
 * account's hash is replaced by CAS (the account decides, as for
 * registration), then the old index removed (best effort: a leftover names
 * an account whose hash differs, so it authenticates nobody).
 * BS_NOTFOUND: no such account. */
bs_status bs_accounts_new_api_key(bs_ctx *ctx, const char *canon, char api_key[BS_API_KEY_LEN + 1]);

/* BS_OK when `password` is the account's; BS_AUTH otherwise (also for an
 * unknown account, so as not to tell which names exist). */
bs_status bs_accounts_verify(bs_ctx *ctx, const char *name, const char *password, size_t len);

/* Recover, then read the account (release *out with bs_account_release).
 * When a full disk stops the recovery, the account is read as it stands
 * (its lock shows the purchase the next touch finishes): a read is no
 * write, and goes on while the disk is full. */
bs_status bs_accounts_show(bs_ctx *ctx, const char *name, bs_account *out);

/* Change the balance by `amount` (nonzero) with the reason recorded in the
 * ledger. BS_INVALID: zero amount or empty/too long reason; BS_INSUFFICIENT:
 * it would go below zero; BS_LOCKED: a purchase is in progress. On BS_OK
 * *balance is the new balance. */
bs_status bs_accounts_adjust(bs_ctx *ctx, const char *name, int64_t amount, const char *reason,
                             int64_t *balance);

#endif
