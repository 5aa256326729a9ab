/*
 * stats.h — impressions and clicks of sold slots (DESIGN.md §5), counted
 * by each `serve` process in memory and written here, each process to its
 * own document per slot (model/stats.h), so that no document is written by
 * every process or every hit. A slot's counts are the sum of its
 * documents.
 *
 *   (no document) ──add──▶ seq 1 ──CAS──▶ seq 2 ──CAS──▶ …
 *
 * A process remembers the CAS of its last write, so a write costs no read;
 * it reads only when the document is not as it left it (a write whose
 * outcome was unknown, or a document someone removed).
 */
#ifndef BS_STATS_H
#define BS_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/stats.h"

/* One process's document for one slot, as the process last wrote it. Start
 * it with bs_stats_mine_init; cas 0: not written yet. */
typedef struct bs_stats_mine {
    bs_stats doc;
    bs_cas cas;
} bs_stats_mine;

void bs_stats_mine_init(bs_stats_mine *mine, const bs_ref *campaign, uint32_t slot,
                        const char process[BS_ID_LEN + 1]);

/* Add `impressions` and `clicks` (>= 0) to the process's document of the
 * slot: one add or CAS (a read first only when the document is not as
 * `mine` says). On BS_OK `mine` is the document as written; on any other
 * status nothing was counted (the caller keeps the numbers for its next
 * try) and `mine` still describes the store truly. BS_CORRUPT: the
 * document under the key is not a counts document of this process. */
bs_status bs_stats_record(bs_ctx *ctx, bs_stats_mine *mine, int64_t impressions, int64_t clicks);

typedef struct bs_stats_sum {
    int64_t impressions;
    int64_t clicks;
    size_t processes; /* documents summed */
    size_t damaged;   /* documents skipped: not counts of this slot (`check` names them) */
} bs_stats_sum;

/* The counts of slot `slot` of `campaign`, summed over every process. */
bs_status bs_stats_slot(bs_ctx *ctx, const bs_ref *campaign, uint32_t slot, bs_stats_sum *sum);

#endif
