/*
 * session.h — the document session/<hash> (DESIGN.md §2): one signed-in
 * browser (core/sessions.h). <hash> is the lowercase hex of the SHA-256 of
 * the session id the browser holds in its cookie; the id itself is stored
 * nowhere, so reading the store does not let anyone sign in.
 *
 * It names the account, holds the token every form of the session must
 * carry (CSRF), when the session began and when it was last seen, and a
 * "flash": what the next page shows once — a notice, and an API key that
 * is shown once (after registering) and then gone.
 *
 * Invariants (every decoded document keeps them, or is BS_CORRUPT):
 *   - `account` is a valid name in its canonical spelling;
 *   - `csrf` is BS_SESSION_CSRF_LEN lowercase hex characters;
 *   - `created` and `seen` are unix seconds, >= 0;
 *   - `notice` is "" (none) or 1..BS_SESSION_NOTICE_MAX bytes of clean
 *     UTF-8 (util/text.h); `api_key` is "" (none) or BS_SESSION_KEY_LEN
 *     lowercase hex characters. Absent from the JSON when empty;
 *   - `rev` is the id (util/id.h) of the write that wrote the document,
 *     new for every write, so that the same bytes mean the same write
 *     (store.h): a second taker of a flash never writes what the first
 *     wrote.
 */
#ifndef BS_MODEL_SESSION_H
#define BS_MODEL_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/names.h"
#include "util/id.h"
#include "util/status.h"

#define BS_SESSION_CSRF_LEN   64  /* hex characters */
#define BS_SESSION_KEY_LEN    64  /* hex characters of an API key */
#define BS_SESSION_NOTICE_MAX 512 /* bytes */

typedef struct bs_session {
    bs_name account; /* canonical */
    char csrf[BS_SESSION_CSRF_LEN + 1];
    int64_t created;                        /* unix seconds */
    int64_t seen;                           /* unix seconds: the last request, within a minute */
    char notice[BS_SESSION_NOTICE_MAX + 1]; /* "" when none */
    char api_key[BS_SESSION_KEY_LEN + 1];   /* "" when none */
    char rev[BS_ID_LEN + 1];
} bs_session;

/* True when `notice` ("" or NULL allowed: none) may be a session's notice. */
bool bs_session_notice_valid(const char *notice);

/* The document (malloc'ed, length in *len), or NULL when out of memory. */
char *bs_session_encode(const bs_session *s, size_t *len);

/* BS_CORRUPT when malformed or when an invariant above does not hold; *s
 * is then unspecified. */
bs_status bs_session_decode(const char *text, size_t len, bs_session *s);

#endif
