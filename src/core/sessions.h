/*
 * sessions.h — signed-in browsers (DESIGN.md §5: "login: new session id"),
 * kept in the store so that any web process serves any session: one
 * document session/<hash> each (model/session.h). The web layer gives the
 * browser the id in a cookie and passes it back here on every request.
 *
 * Lifecycle of one session document:
 *
 *   (none) --bs_sessions_create (add)--> live --find (CAS of `seen`, at
 *   most once a minute), set_flash / take_flash (CAS)--> live
 *   live --bs_sessions_remove (logout), or found expired by find or
 *   bs_sessions_sweep--> (none)
 *
 * Invariants:
 *   - A session id is BS_SESSION_ID_LEN lowercase hex characters (32 bytes
 *     from libsodium's CSPRNG). Only the SHA-256 of the id is stored, as the
 *     document's key: the id is in the browser alone.
 *   - A session expires BS_SESSION_IDLE_SECONDS after `seen` and
 *     BS_SESSION_MAX_SECONDS after `created`, whatever its use. `seen` is
 *     written only when it is more than BS_SESSION_SEEN_STEP seconds old
 *     (not a write per request), so an idle session ends between 29 and 30
 *     minutes after its last request. An expired session is never answered,
 *     even before it is removed.
 *   - A flash is shown at most once: take_flash clears it with a CAS whose
 *     value carries a new write id (model/session.h), so of two takers at
 *     once exactly one gets it. A take whose write's outcome is unknown
 *     (BS_UNCERTAIN) gives nothing: the notice may then be lost, never shown
 *     twice.
 *   - Every time is the context's clock (bs_ctx_now).
 *
 * Statuses: BS_NOTFOUND for an id that is malformed, unknown or expired (the
 * three are not told apart: a browser with a bad cookie signs in again);
 * BS_INVALID for bad arguments other than the id; BS_CONFLICT when a CAS
 * was lost BS_SESSIONS_ATTEMPTS times in a row; store errors as they are.
 */
#ifndef BS_SESSIONS_H
#define BS_SESSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/session.h"

#define BS_SESSION_ID_LEN       64    /* hex characters of 32 random bytes */
#define BS_SESSION_IDLE_SECONDS 1800  /* 30 minutes without a request */
#define BS_SESSION_MAX_SECONDS  43200 /* 12 hours, however busy */
#define BS_SESSION_SEEN_STEP    60    /* `seen` is written when older than this */
#define BS_SESSIONS_ATTEMPTS    16    /* CAS attempts of one change */

/* Begin a session for account `canon` (a canonical name; whether the
 * account exists is the caller's: it has just checked the password). On
 * BS_OK id_out holds the new id (for the cookie) and *out the session as
 * stored (created = seen = now, a new CSRF token, no flash). BS_INVALID:
 * `canon` is not a canonical name. BS_EXISTS: the id's hash is taken (a
 * clash of 256-bit random ids: not in practice). On failure id_out is ""
 * and *out zeroed. */
bs_status bs_sessions_create(bs_ctx *ctx, const char *canon, char id_out[BS_SESSION_ID_LEN + 1],
                             bs_session *out);

/* The live session whose id is `id` into *out (BS_NOTFOUND: malformed,
 * unknown or expired; an expired one is removed). Writes `seen` = now when
 * it is more than BS_SESSION_SEEN_STEP seconds old; losing that write (a
 * lost CAS, a store error) is not an error: the session was found, and the
 * next request writes `seen`. */
bs_status bs_sessions_find(bs_ctx *ctx, const char *id, bs_session *out);

/* Log out: remove the session. BS_OK also when there is none (malformed,
 * unknown, expired, or removed by a logout in another tab). */
bs_status bs_sessions_remove(bs_ctx *ctx, const char *id);

/* Leave a flash for the next page: `notice` (NULL or "": none; at most
 * BS_SESSION_NOTICE_MAX bytes of clean UTF-8) and `api_key` (NULL or "":
 * none; BS_SESSION_KEY_LEN lowercase hex characters), replacing a flash not
 * yet taken. BS_INVALID for a bad notice or key (nothing changed);
 * BS_NOTFOUND as bs_sessions_find. Retries a lost CAS. */
bs_status bs_sessions_set_flash(bs_ctx *ctx, const char *id, const char *notice,
                                const char *api_key);

/* Take the flash: on BS_OK `notice` and `api_key` hold it ("" for none) and
 * the session holds it no more. Of takers at once, one gets it, the others
 * "" (a lost CAS is read again). On any failure both are "". */
bs_status bs_sessions_take_flash(bs_ctx *ctx, const char *id,
                                 char notice[BS_SESSION_NOTICE_MAX + 1],
                                 char api_key[BS_SESSION_KEY_LEN + 1]);

/* True when `token` is the session's CSRF token: compared in constant time;
 * false for NULL or a token of another length. */
bool bs_sessions_csrf_ok(const bs_session *s, const char *token);

/* Remove every expired session (for a background loop: a session nobody
 * comes back to is otherwise never removed). *removed (may be NULL) counts
 * them; a session changed while this looked is left for the next sweep.
 * Undecodable documents are left too (and counted in *damaged, may be
 * NULL). */
bs_status bs_sessions_sweep(bs_ctx *ctx, size_t *removed, size_t *damaged);

#endif
