/*
 * accounts.c — see accounts.h.
 *
 * Registering writes two documents, each by one add: the API key index
 * apikey/<hash> (model/apikey.h), then the account. Index first, because an
 * index is never the truth, only where to look: authentication reads the
 * account it names and compares the account's own api_key_hash. So every
 * state between the two writes is harmless —
 *   - a crash after the index (failpoint account.key-indexed) leaves an
 *     index naming an account that does not exist, or that someone else
 *     registers later with another key: it authenticates nobody, and the
 *     name is free;
 *   - an account add that finds the name taken by someone else removes our
 *     index (best effort: a leftover is harmless as above);
 * while the other order would leave an account that its key cannot reach.
 * An index add whose answer was lost is sent again (bs_docs_add_same): the
 * key holds a 256-bit random digest, so the same document there means the
 * same operation (store.h), and one found there is ours only when it names
 * our account. Another account's would be a clash of random keys, not to
 * happen in practice: refused (BS_CONFLICT, a retry draws a new key), never
 * overwritten.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/books.h"
#include "core/docs.h"
#include "core/recover.h"
#include "model/apikey.h"
#include "model/field.h"
#include "util/failpoint.h"
#include "util/money.h"
#include "util/text.h"

/* argon2id at least 19 MiB and 2 passes (OWASP's minimum). */
#define PWHASH_OPS 2
#define PWHASH_MEM (19u << 20)

bool
bs_accounts_password_ok(size_t len)
{
    return len >= BS_PASSWORD_MIN && len <= BS_PASSWORD_MAX;
}

static bs_status
canonical(const char *name, bs_name canon)
{
    if (!bs_name_valid(name))
        return BS_INVALID;
    bs_name_canonical(name, canon);
    return BS_OK;
}

/* The stored form of an API key: the lowercase hex of its BLAKE2b digest. */
static void
api_key_hash(const char *api_key, char out[BS_API_KEY_HASH_LEN + 1])
{
    unsigned char digest[BS_API_KEY_HASH_LEN / 2];

    crypto_generichash(digest, sizeof(digest), (const unsigned char *)api_key, BS_API_KEY_LEN, NULL,
                       0);
    sodium_bin2hex(out, BS_API_KEY_HASH_LEN + 1, digest, sizeof(digest));
}

/* An index document found where ours goes is ours when it names our
 * account (arg: its canonical name). */
static bool
index_names(const char *text, size_t len, void *arg)
{
    bs_name found;

    return bs_apikey_decode(text, len, found) == BS_OK && strcmp(found, arg) == 0;
}

/* Add apikey/<hash> naming `canon`, or find it there from an earlier send
 * of this very add. BS_CONFLICT when another account's is there. */
static bs_status
index_add(bs_ctx *ctx, const char *hash, const char *canon)
{
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    text = bs_apikey_encode(canon, &len);
    if (text == NULL)
        return BS_NOMEM;
    bs_key_apikey(hash, key);
    st = bs_docs_add_same(ctx, key, text, len, index_names, (void *)canon);
    free(text);
    return st == BS_EXISTS ? BS_CONFLICT : st;
}

/* Remove our index apikey/<hash> after the name turned out to be taken.
 * Best effort: whatever fails leaves a harmless leftover (see the top). */
static void
index_remove(bs_ctx *ctx, const char *hash, const char *canon)
{
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_cas cas;

    bs_key_apikey(hash, key);
    if (bs_store_get(ctx->store, key, &text, &len, &cas) != BS_OK)
        return;
    if (index_names(text, len, (void *)canon))
        (void)bs_store_remove(ctx->store, key, cas);
    free(text);
}

/* An add of the account that met the account there, or whose outcome was
 * unknown: ours when it holds our API key's hash (an earlier send of this
 * very add was applied), someone else's otherwise. */
static bs_status
created_by_us(bs_ctx *ctx, const char *canon, const char *api_key_hash, bs_status st)
{
    bs_account found;
    bs_status read = bs_docs_account(ctx, canon, &found, NULL);

    if (read == BS_NOTFOUND)
        return st == BS_UNCERTAIN ? BS_UNAVAILABLE : BS_EXISTS; /* not applied */
    if (read != BS_OK)
        return st == BS_UNCERTAIN ? BS_UNCERTAIN : read;
    read = strcmp(found.api_key_hash, api_key_hash) == 0 ? BS_OK : BS_EXISTS;
    bs_account_release(&found);
    return read;
}

bs_status
bs_accounts_create(bs_ctx *ctx, const char *name, const char *password, size_t len,
                   char api_key[BS_API_KEY_LEN + 1])
{
    unsigned char key[BS_API_KEY_LEN / 2];
    char doc_key[BS_KEY_BUF], *text;
    bs_account a;
    bs_name canon;
    size_t text_len;
    bs_status st;

    if (canonical(name, canon) != BS_OK || !bs_accounts_password_ok(len))
        return BS_INVALID;
    if (strcmp(canon, ctx->operator_name) == 0)
        return BS_FORBIDDEN;
    memset(&a, 0, sizeof(a));
    memcpy(a.name, name, strlen(name) + 1);
    if (crypto_pwhash_str_alg(a.password, password, len, PWHASH_OPS, PWHASH_MEM,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return BS_NOMEM;
    randombytes_buf(key, sizeof(key));
    sodium_bin2hex(api_key, BS_API_KEY_LEN + 1, key, sizeof(key));
    sodium_memzero(key, sizeof(key));
    api_key_hash(api_key, a.api_key_hash);
    a.created = bs_ctx_now(ctx);
    a.ledger_next = 1;
    text = bs_account_encode(&a, &text_len);
    if (text == NULL) {
        st = BS_NOMEM;
        goto forget_key;
    }
    st = index_add(ctx, a.api_key_hash, canon);
    if (st != BS_OK)
        goto free_text;
    bs_failpoint(BS_FP_ACCOUNT_KEY_INDEXED);
    bs_key_account(canon, doc_key);
    st = bs_store_add(ctx->store, doc_key, text, text_len, NULL);
    if (st == BS_EXISTS || st == BS_UNCERTAIN)
        st = created_by_us(ctx, canon, a.api_key_hash, st);
    if (st == BS_EXISTS) /* taken by someone else */
        index_remove(ctx, a.api_key_hash, canon);
free_text:
    free(text);
forget_key:
    if (st != BS_OK)
        sodium_memzero(api_key, BS_API_KEY_LEN + 1);
    return st;
}

bs_status
bs_accounts_authenticate(bs_ctx *ctx, const char *api_key, bs_name canon_out)
{
    char hash[BS_API_KEY_HASH_LEN + 1], key[BS_KEY_BUF], *text;
    bs_account a;
    bs_name canon;
    size_t len;
    bs_status st;

    canon_out[0] = '\0';
    if (api_key == NULL || strnlen(api_key, BS_API_KEY_LEN + 1) != BS_API_KEY_LEN ||
        !bs_text_lower_hex(api_key, BS_API_KEY_LEN))
        return BS_AUTH;
    api_key_hash(api_key, hash);
    bs_key_apikey(hash, key);
    st = bs_store_get(ctx->store, key, &text, &len, NULL);
    if (st == BS_NOTFOUND)
        return BS_AUTH;
    if (st != BS_OK)
        return st;
    st = bs_apikey_decode(text, len, canon);
    free(text);
    if (st != BS_OK)
        return st;
    st = bs_docs_account(ctx, canon, &a, NULL);
    if (st == BS_NOTFOUND) /* an index left by a crash or a lost race */
        return BS_AUTH;
    if (st != BS_OK)
        return st;
    /* The account's own hash decides: the index only said where to look. */
    st = strlen(a.api_key_hash) == BS_API_KEY_HASH_LEN &&
                 sodium_memcmp(a.api_key_hash, hash, BS_API_KEY_HASH_LEN) == 0
             ? BS_OK
             : BS_AUTH;
    bs_account_release(&a);
    if (st == BS_OK)
        memcpy(canon_out, canon, strlen(canon) + 1);
    return st;
}

/* The edit of bs_accounts_new_api_key: the new hash in, the old one out. */
typedef struct key_change {
    const char *hash;
    char old[BS_API_KEY_HASH_LEN + 1];
} key_change;

static bs_status
replace_key_hash(bs_account *a, void *arg, bool *write)
{
    key_change *change = arg;

    snprintf(change->old, sizeof(change->old), "%s", a->api_key_hash);
    snprintf(a->api_key_hash, sizeof(a->api_key_hash), "%s", change->hash);
    *write = true;
    return BS_OK;
}

bs_status
bs_accounts_new_api_key(bs_ctx *ctx, const char *canon, char api_key[BS_API_KEY_LEN + 1])
{
    unsigned char key[BS_API_KEY_LEN / 2];
    char hash[BS_API_KEY_HASH_LEN + 1];
    key_change change = {.hash = hash};
    bs_status st;

    randombytes_buf(key, sizeof(key));
    sodium_bin2hex(api_key, BS_API_KEY_LEN + 1, key, sizeof(key));
    sodium_memzero(key, sizeof(key));
    api_key_hash(api_key, hash);
    st = bs_docs_account_exists(ctx, canon);
    if (st == BS_OK)
        st = index_add(ctx, hash, canon);
    if (st == BS_OK)
        st = bs_docs_update_account(ctx, canon, replace_key_hash, &change, NULL);
    if (st != BS_OK) {
        if (st != BS_UNCERTAIN) /* else the account may hold it now */
            index_remove(ctx, hash, canon);
        sodium_memzero(api_key, BS_API_KEY_LEN + 1);
        return st;
    }
    if (change.old[0] != '\0' && strcmp(change.old, hash) != 0)
        index_remove(ctx, change.old, canon);
    return BS_OK;
}

bs_status
bs_accounts_verify(bs_ctx *ctx, const char *name, const char *password, size_t len)
{
    bs_account a;
    bs_name canon;
    bs_status st;

    if (canonical(name, canon) != BS_OK || !bs_accounts_password_ok(len))
        return BS_AUTH;
    st = bs_docs_account(ctx, canon, &a, NULL);
    if (st == BS_NOTFOUND)
        return BS_AUTH;
    if (st != BS_OK)
        return st;
    st = a.password[0] != '\0' && crypto_pwhash_str_verify(a.password, password, len) == 0
             ? BS_OK
             : BS_AUTH;
    bs_account_release(&a);
    return st;
}

bs_status
bs_accounts_show(bs_ctx *ctx, const char *name, bs_account *out)
{
    bs_name canon;
    bs_status st;

    memset(out, 0, sizeof(*out));
    if (canonical(name, canon) != BS_OK)
        return BS_NOTFOUND;
    st = bs_recover_account(ctx, canon);
    if (st != BS_OK && st != BS_NOSPACE)
        return st;
    return bs_docs_account(ctx, canon, out, NULL);
}

typedef struct adjustment {
    int64_t amount;
    const char *reason;
    char request[BS_ID_LEN + 1];
    int64_t time;
    int64_t balance; /* out */
    int64_t applied; /* out: the entry of this very request, written by an earlier
                        send of it whose answer was lost (0: none) */
} adjustment;

static bs_status
apply_adjustment(bs_account *a, void *arg, bool *write)
{
    adjustment *adj = arg;
    const bs_recent *done = bs_account_applied(a, adj->request);
    bs_status st;

    if (done != NULL) {
        *write = false;
        adj->applied = done->seq;
        return BS_OK;
    }
    if (a->lock != BS_LOCK_NONE)
        return BS_LOCKED;
    st = bs_books_post(a, BS_ENTRY_ADJUST, adj->amount, adj->time, NULL, adj->request, adj->reason);
    adj->balance = a->balance;
    return st;
}

bs_status
bs_accounts_adjust(bs_ctx *ctx, const char *name, int64_t amount, const char *reason,
                   int64_t *balance)
{
    adjustment adj = {amount, reason, "", bs_ctx_now(ctx), 0, 0};
    bs_ledger_entry entry;
    bs_name canon;
    bs_status st;

    if (amount == 0 || amount < -BS_MAX_MONEY || amount > BS_MAX_MONEY ||
        !bs_field_valid(BS_FIELD_REASON, reason))
        return BS_INVALID;
    if (canonical(name, canon) != BS_OK)
        return BS_NOTFOUND;
    st = bs_recover_account(ctx, canon);
    if (st != BS_OK)
        return st;
    bs_id_next(&ctx->ids, adj.request);
    st = bs_docs_update_account(ctx, canon, apply_adjustment, &adj, NULL);
    if (st != BS_OK)
        return st;
    if (adj.applied > 0 && bs_books_entry(ctx, canon, adj.applied, &entry) == BS_OK)
        adj.balance = entry.balance;
    *balance = adj.balance;
    /* The adjustment is done (its entry is in the account); copying the
     * entry out may be finished by anyone later, so its failure is not the
     * caller's: reporting it would invite a second adjustment. */
    (void)bs_books_flush(ctx, canon);
    return BS_OK;
}
