/*
 * recovery.h — the record of one recovery pass that finished something
 * (core/recover.h, bs_recover_all: `bitslot recover` and each sweep of a
 * `serve`), so that the operator can see how much crashed work recovery has
 * finished to date (`bitslot stats`):
 *   recovered/<pass id>   {"purchases","imports","time"}
 *
 * Invariants:
 *   - One document per pass that finished at least one operation, written
 *     once by add under the pass's own fresh id, never changed: no two
 *     writers ever meet on one document, and none is rewritten by every
 *     pass. A pass that finished nothing writes nothing.
 *   - Counts are not money and take no part in `bitslot check`'s sums.
 */
#ifndef BS_MODEL_RECOVERY_H
#define BS_MODEL_RECOVERY_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

typedef struct bs_recovery {
    int64_t purchases; /* interrupted purchases finished, >= 0 */
    int64_t imports;   /* interrupted key imports finished or undone, >= 0 */
    int64_t time;      /* unix seconds of the pass */
} bs_recovery;

/* The document (malloc'ed, length in *len), or NULL when out of memory. */
char *bs_recovery_encode(const bs_recovery *r, size_t *len);

/* BS_CORRUPT when `text` is not such a document (a count missing or
 * negative). */
bs_status bs_recovery_decode(const char *text, size_t len, bs_recovery *r);

#endif
