/*
 * stats.h — the counts document of a sold slot (DESIGN.md §2, §5):
 *   stats/<owner>/<i>/<slot>/<process>
 * how many times one `serve` process showed the slot's ad in an embed
 * (impressions) and sent a visitor on to the ad's URL (clicks).
 *
 * Invariants:
 *   - One document per slot and process: each is written by its process
 *     alone, by add and then compare-and-swap, so no document is written
 *     by every process (no hot document); a slot's counts are the sum over
 *     its documents (core/stats.h).
 *   - Counts never go down; `seq` goes up by one with every write, so that
 *     a process that could not learn whether a write was applied can tell
 *     from the document.
 *   - The document names what its key names (campaign, slot, process).
 */
#ifndef BS_MODEL_STATS_H
#define BS_MODEL_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "model/names.h"
#include "util/id.h"
#include "util/status.h"

typedef struct bs_stats {
    bs_ref campaign;             /* owner canonical */
    uint32_t slot;               /* 0..BS_INDEX_MAX */
    char process[BS_ID_LEN + 1]; /* the writing process's id */
    int64_t impressions;         /* >= 0 */
    int64_t clicks;              /* >= 0 */
    int64_t seq;                 /* writes so far, >= 1 once stored */
    int64_t updated;             /* unix seconds of the last write */
} bs_stats;

/* The document (malloc'ed JSON, length in *len); NULL when out of memory. */
char *bs_stats_encode(const bs_stats *stats, size_t *len);

/* BS_CORRUPT when `text` is not such a document: not a JSON object, a field
 * missing or of the wrong type, a campaign not in its canonical spelling, a
 * slot past BS_INDEX_MAX, a process that is not an id, a negative count. */
bs_status bs_stats_decode(const char *text, size_t len, bs_stats *stats);

#endif
