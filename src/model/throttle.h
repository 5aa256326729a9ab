/*
 * throttle.h — the document throttle/<kind>/<hash>: how many attempts of
 * one kind (a wrong password, a registration) were counted for one subject
 * (an account, a client address) in the current window (core/throttle.h).
 * <hash> is the lowercase hex of the SHA-256 of the subject.
 *
 * Invariants (every decoded document keeps them, or is BS_CORRUPT):
 *   - `start` (unix seconds, >= 0) is when the window began: the first
 *     attempt counted after the previous window ended;
 *   - `count` >= 1: the attempts counted since `start`;
 *   - `rev` is the id (util/id.h) of the write that wrote it, new for
 *     every write, so that two processes counting at once never write the
 *     same bytes (store.h) and both counts stay.
 */
#ifndef BS_MODEL_THROTTLE_H
#define BS_MODEL_THROTTLE_H

#include <stddef.h>
#include <stdint.h>

#include "util/id.h"
#include "util/status.h"

typedef struct bs_throttle_window {
    int64_t start;
    int64_t count;
    char rev[BS_ID_LEN + 1];
} bs_throttle_window;

/* The document (malloc'ed, length in *len), or NULL when out of memory. */
char *bs_throttle_encode(const bs_throttle_window *w, size_t *len);

/* BS_CORRUPT when malformed or when an invariant above does not hold. */
bs_status bs_throttle_decode(const char *text, size_t len, bs_throttle_window *w);

#endif
