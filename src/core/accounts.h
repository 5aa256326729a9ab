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
 * account's API key, shown this once (only its hash is stored). BS_INVALID:
 * bad name or password length; BS_EXISTS: the name (in any case) is taken;
 * BS_FORBIDDEN: the name is the operator's. */
bs_status bs_accounts_create(bs_ctx *ctx, const char *name, const char *password, size_t len,
                             char api_key[BS_API_KEY_LEN + 1]);

/* BS_OK when `password` is the account's; BS_AUTH otherwise (also for an
 * unknown account, so as not to tell which names exist). */
bs_status bs_accounts_verify(bs_ctx *ctx, const char *name, const char *password, size_t len);

/* Recover, then read the account (release *out with bs_account_release). */
bs_status bs_accounts_show(bs_ctx *ctx, const char *name, bs_account *out);

/* Change the balance by `amount` (nonzero) with the reason recorded in the
 * ledger. BS_INVALID: zero amount or empty/too long reason; BS_INSUFFICIENT:
 * it would go below zero; BS_LOCKED: a purchase is in progress. On BS_OK
 * *balance is the new balance. */
bs_status bs_accounts_adjust(bs_ctx *ctx, const char *name, int64_t amount, const char *reason,
                             int64_t *balance);

#endif
