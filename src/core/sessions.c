/*
 * sessions.c — see sessions.h. Every change of a session is a read, a
 * change of the copy, and a CAS with a new write id; a lost CAS reads
 * again (up to BS_SESSIONS_ATTEMPTS times). No lock, no cache: the store
 * is the only truth, so any process may serve the next request.
 */
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/docs.h"
#include "core/sessions.h"
#include "util/text.h"

static bool
id_valid(const char *id)
{
    return id != NULL && strlen(id) == BS_SESSION_ID_LEN &&
           bs_text_lower_hex(id, BS_SESSION_ID_LEN);
}

/* session/<hex SHA-256 of the id's text>. */
static void
session_key(const char *id, char key[BS_KEY_BUF])
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];

    crypto_hash_sha256(digest, (const unsigned char *)id, BS_SESSION_ID_LEN);
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    bs_key_session(hex, key);
}

static bool
expired(const bs_session *s, int64_t now)
{
    return now - s->seen > BS_SESSION_IDLE_SECONDS || now - s->created > BS_SESSION_MAX_SECONDS;
}

/* 2·len hex characters of len random bytes into out (2·len + 1 bytes). */
static void
random_hex(char *out, size_t len)
{
    unsigned char bytes[32];

    randombytes_buf(bytes, len);
    sodium_bin2hex(out, 2 * len + 1, bytes, len);
    sodium_memzero(bytes, sizeof(bytes));
}

/* The live session under `key` and its CAS. An expired one is removed (if
 * it is still as read) and answered BS_NOTFOUND. */
static bs_status
load_live(bs_ctx *ctx, const char *key, bs_session *s, bs_cas *cas)
{
    char *text;
    size_t len;
    bs_status st = bs_store_get(ctx->store, key, &text, &len, cas);

    if (st != BS_OK)
        return st;
    st = bs_session_decode(text, len, s);
    free(text);
    if (st != BS_OK)
        return st;
    if (expired(s, bs_ctx_now(ctx))) {
        (void)bs_store_remove(ctx->store, key, *cas); /* changed meanwhile: the next look */
        return BS_NOTFOUND;
    }
    return BS_OK;
}

/* Replace the session under `key` at `cas` with *s, under a new write id. */
static bs_status
write_session(bs_ctx *ctx, const char *key, bs_session *s, bs_cas cas)
{
    size_t len;
    char *text;
    bs_status st;

    bs_id_next(&ctx->ids, s->rev);
    text = bs_session_encode(s, &len);
    if (text == NULL)
        return BS_NOMEM;
    st = bs_store_replace(ctx->store, key, text, len, cas, NULL);
    sodium_memzero(text, len); /* it may hold an API key */
    free(text);
    return st;
}

bs_status
bs_sessions_create(bs_ctx *ctx, const char *canon, char id_out[BS_SESSION_ID_LEN + 1],
                   bs_session *out)
{
    char key[BS_KEY_BUF], *text;
    bs_name check;
    size_t len;
    bs_status st;

    id_out[0] = '\0';
    if (!bs_name_valid(canon) || (bs_name_canonical(canon, check), strcmp(check, canon) != 0))
        return BS_INVALID;
    memset(out, 0, sizeof(*out));
    memcpy(out->account, canon, strlen(canon) + 1);
    random_hex(out->csrf, BS_SESSION_CSRF_LEN / 2);
    out->created = out->seen = bs_ctx_now(ctx);
    bs_id_next(&ctx->ids, out->rev);
    text = bs_session_encode(out, &len);
    if (text == NULL)
        return BS_NOMEM;
    random_hex(id_out, BS_SESSION_ID_LEN / 2);
    session_key(id_out, key);
    st = bs_store_add(ctx->store, key, text, len, NULL);
    free(text);
    if (st != BS_OK) {
        sodium_memzero(id_out, BS_SESSION_ID_LEN + 1);
        sodium_memzero(out, sizeof(*out));
    }
    return st;
}

bs_status
bs_sessions_find(bs_ctx *ctx, const char *id, bs_session *out)
{
    char key[BS_KEY_BUF];
    bs_session seen;
    bs_cas cas;
    int64_t now;
    bs_status st;

    if (!id_valid(id))
        return BS_NOTFOUND;
    session_key(id, key);
    st = load_live(ctx, key, out, &cas);
    if (st != BS_OK) {
        sodium_memzero(out, sizeof(*out)); /* no half of an expired session */
        return st;
    }
    now = bs_ctx_now(ctx);
    if (now - out->seen > BS_SESSION_SEEN_STEP) {
        seen = *out;
        seen.seen = now;
        if (write_session(ctx, key, &seen, cas) == BS_OK)
            *out = seen;
        sodium_memzero(&seen, sizeof(seen));
    }
    return BS_OK;
}

bs_status
bs_sessions_remove(bs_ctx *ctx, const char *id)
{
    char key[BS_KEY_BUF], *text;
    bs_status st = BS_CONFLICT;
    bs_cas cas;

    if (!id_valid(id))
        return BS_OK;
    session_key(id, key);
    for (int attempt = 0; attempt < BS_SESSIONS_ATTEMPTS && st == BS_CONFLICT; attempt++) {
        st = bs_store_get(ctx->store, key, &text, NULL, &cas);
        if (st != BS_OK)
            break;
        free(text);
        st = bs_store_remove(ctx->store, key, cas);
    }
    return st == BS_NOTFOUND ? BS_OK : st;
}

bs_status
bs_sessions_set_flash(bs_ctx *ctx, const char *id, const char *notice, const char *api_key)
{
    size_t key_len = api_key != NULL ? strlen(api_key) : 0;
    char key[BS_KEY_BUF];
    bs_status st = BS_CONFLICT;
    bs_session s;
    bs_cas cas;

    if (!bs_session_notice_valid(notice) ||
        (key_len != 0 &&
         (key_len != BS_SESSION_KEY_LEN || !bs_text_lower_hex(api_key, BS_SESSION_KEY_LEN))))
        return BS_INVALID;
    if (!id_valid(id))
        return BS_NOTFOUND;
    session_key(id, key);
    for (int attempt = 0; attempt < BS_SESSIONS_ATTEMPTS; attempt++) {
        st = load_live(ctx, key, &s, &cas);
        if (st != BS_OK)
            break;
        memcpy(s.notice, notice != NULL ? notice : "", strlen(notice != NULL ? notice : "") + 1);
        memcpy(s.api_key, key_len != 0 ? api_key : "", key_len + 1);
        st = write_session(ctx, key, &s, cas);
        if (st != BS_CONFLICT && st != BS_NOTFOUND)
            break; /* done, or failed; a lost CAS (or a removal) reads again */
    }
    sodium_memzero(&s, sizeof(s));
    return st;
}

bs_status
bs_sessions_take_flash(bs_ctx *ctx, const char *id, char notice[BS_SESSION_NOTICE_MAX + 1],
                       char api_key[BS_SESSION_KEY_LEN + 1])
{
    char key[BS_KEY_BUF];
    bs_status st = BS_CONFLICT;
    bs_session s, taken;
    bs_cas cas;

    notice[0] = '\0';
    api_key[0] = '\0';
    if (!id_valid(id))
        return BS_NOTFOUND;
    session_key(id, key);
    for (int attempt = 0; attempt < BS_SESSIONS_ATTEMPTS; attempt++) {
        st = load_live(ctx, key, &s, &cas);
        if (st != BS_OK || (s.notice[0] == '\0' && s.api_key[0] == '\0'))
            break; /* failed, or nothing to take */
        taken = s;
        taken.notice[0] = '\0';
        sodium_memzero(taken.api_key, sizeof(taken.api_key));
        st = write_session(ctx, key, &taken, cas);
        if (st == BS_OK) {
            memcpy(notice, s.notice, strlen(s.notice) + 1);
            memcpy(api_key, s.api_key, strlen(s.api_key) + 1);
            break;
        }
        if (st != BS_CONFLICT && st != BS_NOTFOUND)
            break; /* BS_UNCERTAIN too: shown never rather than twice */
    }
    sodium_memzero(&s, sizeof(s));
    sodium_memzero(&taken, sizeof(taken));
    return st;
}

bool
bs_sessions_csrf_ok(const bs_session *s, const char *token)
{
    return s != NULL && token != NULL && strlen(token) == BS_SESSION_CSRF_LEN &&
           strlen(s->csrf) == BS_SESSION_CSRF_LEN &&
           sodium_memcmp(s->csrf, token, BS_SESSION_CSRF_LEN) == 0;
}

typedef struct sweeping {
    bs_store *store;
    int64_t now;
    size_t removed;
    size_t damaged;
} sweeping;

static bs_status
sweep_one(const bs_store_doc *doc, void *arg)
{
    sweeping *sw = arg;
    bs_session s;
    bs_status st;

    if (bs_session_decode(doc->value, doc->len, &s) != BS_OK) {
        sw->damaged++;
        return BS_OK;
    }
    if (!expired(&s, sw->now))
        return BS_OK;
    st = bs_store_remove(sw->store, doc->key, doc->cas);
    if (st == BS_OK)
        sw->removed++;
    return st == BS_CONFLICT || st == BS_NOTFOUND ? BS_OK : st;
}

bs_status
bs_sessions_sweep(bs_ctx *ctx, size_t *removed, size_t *damaged)
{
    sweeping sw = {.store = ctx->store, .now = bs_ctx_now(ctx)};
    bs_status st = bs_docs_each(ctx, BS_PREFIX_SESSIONS, sweep_one, &sw);

    if (removed != NULL)
        *removed = sw.removed;
    if (damaged != NULL)
        *damaged = sw.damaged;
    return st;
}
