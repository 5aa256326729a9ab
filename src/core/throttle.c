/*
 * throttle.c — see throttle.h. A count is a read and an add (no document)
 * or a CAS (a document); each write carries a new write id, so two
 * processes writing the same count at once never look like one write.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/docs.h"
#include "core/throttle.h"

static bool
kind_valid(const char *kind)
{
    size_t n = 0;

    if (kind == NULL)
        return false;
    for (; kind[n] != '\0'; n++)
        if (n >= BS_THROTTLE_KIND_MAX || !((kind[n] >= 'a' && kind[n] <= 'z') ||
                                           (kind[n] >= '0' && kind[n] <= '9') || kind[n] == '-'))
            return false;
    return n > 0;
}

static bool
args_valid(const char *kind, const char *subject, int window_seconds)
{
    size_t len = subject != NULL ? strnlen(subject, BS_THROTTLE_SUBJECT_MAX + 1) : 0;

    return kind_valid(kind) && len >= 1 && len <= BS_THROTTLE_SUBJECT_MAX && window_seconds >= 1 &&
           window_seconds <= BS_THROTTLE_WINDOW_MAX;
}

/* throttle/<kind>/<hex SHA-256 of the subject>. */
static void
throttle_key(const char *kind, const char *subject, char key[BS_KEY_BUF])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];

    crypto_hash_sha256(digest, (const unsigned char *)subject, strlen(subject));
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    bs_key_throttle(kind, hex, key);
}

/* The window under `key` and its CAS (BS_NOTFOUND: none). */
static bs_status
load(bs_ctx *ctx, const char *key, bs_throttle_window *w, bs_cas *cas)
{
    char *text;
    size_t len;
    bs_status st = bs_store_get(ctx->store, key, &text, &len, cas);

    if (st != BS_OK)
        return st;
    st = bs_throttle_decode(text, len, w);
    free(text);
    return st;
}

/* Has the window that began at `start` ended by `now`? */
static bool
ended(int64_t start, int window_seconds, int64_t now)
{
    return now - start >= window_seconds;
}

bs_status
bs_throttle_check(bs_ctx *ctx, const char *kind, const char *subject, int limit, int window_seconds,
                  int64_t *retry_after)
{
    char key[BS_KEY_BUF];
    bs_throttle_window w;
    int64_t now, left;
    bs_cas cas;
    bs_status st;

    *retry_after = 0;
    if (!args_valid(kind, subject, window_seconds) || limit < 1)
        return BS_INVALID;
    throttle_key(kind, subject, key);
    st = load(ctx, key, &w, &cas);
    if (st == BS_NOTFOUND)
        return BS_OK;
    if (st != BS_OK)
        return st;
    now = bs_ctx_now(ctx);
    if (ended(w.start, window_seconds, now) || w.count < limit)
        return BS_OK;
    left = w.start + window_seconds - now;
    *retry_after = left > window_seconds ? window_seconds : left;
    return BS_THROTTLED;
}

bs_status
bs_throttle_count(bs_ctx *ctx, const char *kind, const char *subject, int window_seconds)
{
    char key[BS_KEY_BUF];
    bs_status st = BS_CONFLICT;

    if (!args_valid(kind, subject, window_seconds))
        return BS_INVALID;
    throttle_key(kind, subject, key);
    for (int attempt = 0; attempt < BS_THROTTLE_ATTEMPTS; attempt++) {
        bs_throttle_window w;
        int64_t now = bs_ctx_now(ctx);
        bs_cas cas = BS_STORE_CAS_NONE;
        size_t len;
        char *text;

        st = load(ctx, key, &w, &cas);
        if (st != BS_OK && st != BS_NOTFOUND)
            return st;
        if (st == BS_NOTFOUND)
            cas = BS_STORE_CAS_NONE;
        if (st == BS_NOTFOUND || ended(w.start, window_seconds, now)) {
            w.start = now;
            w.count = 1;
        } else if (w.count < INT64_MAX) {
            w.count++;
        }
        bs_id_next(&ctx->ids, w.rev);
        text = bs_throttle_encode(&w, &len);
        if (text == NULL)
            return BS_NOMEM;
        if (cas == BS_STORE_CAS_NONE)
            st = bs_store_add(ctx->store, key, text, len, NULL);
        else
            st = bs_store_replace(ctx->store, key, text, len, cas, NULL);
        free(text);
        if (st != BS_EXISTS && st != BS_CONFLICT && st != BS_NOTFOUND)
            return st; /* counted, or failed; a lost race reads again */
        st = BS_CONFLICT;
    }
    return st;
}

typedef struct sweeping {
    bs_store *store;
    int64_t before; /* windows that began before this go */
    size_t removed;
} sweeping;

static bs_status
sweep_one(const bs_store_doc *doc, void *arg)
{
    sweeping *sw = arg;
    bs_throttle_window w;
    bs_status st;

    if (bs_throttle_decode(doc->value, doc->len, &w) != BS_OK || w.start >= sw->before)
        return BS_OK;
    st = bs_store_remove(sw->store, doc->key, doc->cas);
    if (st == BS_OK)
        sw->removed++;
    return st == BS_CONFLICT || st == BS_NOTFOUND ? BS_OK : st;
}

bs_status
bs_throttle_sweep(bs_ctx *ctx, int64_t older_than, size_t *removed)
{
    sweeping sw = {.store = ctx->store};
    bs_status st;

    if (removed != NULL)
        *removed = 0;
    if (older_than < 1)
        return BS_INVALID;
    sw.before = bs_ctx_now(ctx) - older_than;
    st = bs_docs_each(ctx, BS_PREFIX_THROTTLE, sweep_one, &sw);
    if (removed != NULL)
        *removed = sw.removed;
    return st;
}
