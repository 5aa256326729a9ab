/*
 * apikey.h — the API key index apikey/<hash> (DESIGN.md §2): which account
 * an API key belongs to, so that a request bearing only the key finds its
 * account with one read. <hash> is the lowercase hex of the key's digest,
 * the same text as the account's api_key_hash (model/account.h).
 *
 * Invariants (kept by core/accounts.c, checked by `bitslot check`):
 *   - every account but the operator's (which has no API key until `bitslot
 *     account new-key operator` gives it one) has its index document,
 *     naming it by its canonical name;
 *   - an index document is never the truth: it only says where to look. One
 *     that names no account, or an account whose api_key_hash is not its
 *     <hash> (left by a crash or a lost race of `account create`), is
 *     harmless, since authentication compares the account's own hash.
 * The index is written once, by add, and never changed.
 */
#ifndef BS_MODEL_APIKEY_H
#define BS_MODEL_APIKEY_H

#include <stddef.h>

#include "model/names.h"
#include "util/status.h"

/* The document naming account `canon` (a canonical name): malloc'ed, length
 * in *len, or NULL when out of memory. */
char *bs_apikey_encode(const char *canon, size_t *len);

/* The canonical name an index document names. BS_CORRUPT when malformed,
 * or when the name is not a valid name in its canonical spelling. */
bs_status bs_apikey_decode(const char *text, size_t len, bs_name canon);

#endif
