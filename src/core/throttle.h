/*
 * throttle.h — counting failed attempts (wrong passwords, registrations)
 * per subject in fixed windows, in the store, so that every web process on
 * every machine counts into the same number: one document
 * throttle/<kind>/<hash> per kind and subject (model/throttle.h), changed
 * only by CAS. No in-process counter (DESIGN.md §1).
 *
 * One window of one subject:
 *
 *   (none) --count (add {start=now, count=1})--> counting
 *   counting --count (CAS count+1)--> counting
 *   counting --count after start+window (CAS {start=now, count=1})--> counting
 *   any --bs_throttle_sweep, long after its start--> (none)
 *
 * check answers BS_THROTTLED while the window is running and holds `limit`
 * attempts or more; once it ends, attempts are allowed again.
 *
 * Intended use (the web layer's login and register pages):
 *   - login: before checking a password, check both
 *     (BS_THROTTLE_LOGIN_ACCOUNT, the canonical account name) and
 *     (BS_THROTTLE_LOGIN_IP, the client's address), each with
 *     BS_THROTTLE_LIMIT per BS_THROTTLE_WINDOW; when either refuses, answer
 *     bs_say_throttled (core/words.h) with the larger retry_after and do not
 *     check the password. Each wrong password counts once under both. So
 *     the 11th wrong password within a minute is refused with "too many
 *     attempts, try again in N s", whoever sends it for that account and
 *     whichever account one address tries. A right password counts nothing.
 *   - register: check (BS_THROTTLE_REGISTER_IP, the client's address)
 *     before, and count it for every registration made.
 *
 * Invariants:
 *   - A kind is 1..BS_THROTTLE_KIND_MAX characters of [a-z0-9-]; a subject
 *     is 1..BS_THROTTLE_SUBJECT_MAX bytes, stored only as the SHA-256 of its
 *     text (no address or name is kept in the throttle's documents).
 *   - Two counts at once both count: a lost CAS reads again (each loss
 *     means another count went in, so retries end).
 *   - Every time is the context's clock. A window that began later than now
 *     (another machine's clock ahead) is running; retry_after is never more
 *     than the window.
 */
#ifndef BS_THROTTLE_H
#define BS_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/throttle.h"

#define BS_THROTTLE_LOGIN_ACCOUNT "login-account"
#define BS_THROTTLE_LOGIN_IP      "login-ip"
#define BS_THROTTLE_REGISTER_IP   "register-ip"
#define BS_THROTTLE_LIMIT         10 /* attempts per window */
#define BS_THROTTLE_WINDOW        60 /* seconds */

#define BS_THROTTLE_KIND_MAX    32
#define BS_THROTTLE_SUBJECT_MAX 256
#define BS_THROTTLE_WINDOW_MAX  (366 * 86400)
#define BS_THROTTLE_ATTEMPTS    64 /* CAS attempts of one count */

/* May `subject` try again? BS_OK (*retry_after 0) when fewer than `limit`
 * attempts were counted in its current window (or none is running);
 * BS_THROTTLED when `limit` or more were, with *retry_after the seconds
 * until the window ends (1..window_seconds). BS_INVALID for a bad kind or
 * subject, limit < 1, or window_seconds outside 1..BS_THROTTLE_WINDOW_MAX.
 * BS_CORRUPT for a document that is not a throttle's. Reads only. */
bs_status bs_throttle_check(bs_ctx *ctx, const char *kind, const char *subject, int limit,
                            int window_seconds, int64_t *retry_after);

/* Count one attempt of `subject`: into the running window, or as the first
 * of a new one (starting now) when none runs. BS_INVALID as for check;
 * BS_CONFLICT when BS_THROTTLE_ATTEMPTS CAS attempts in a row were lost;
 * BS_UNCERTAIN when the store could not say whether the count went in
 * (one attempt more or less: harmless for a throttle). */
bs_status bs_throttle_count(bs_ctx *ctx, const char *kind, const char *subject, int window_seconds);

/* Remove every throttle document whose window began more than `older_than`
 * seconds ago (>= 1; pass more than the longest window in use), for a
 * background loop. *removed (may be NULL) counts them; one changed while
 * this looked is left, as are undecodable ones. */
bs_status bs_throttle_sweep(bs_ctx *ctx, int64_t older_than, size_t *removed);

#endif
