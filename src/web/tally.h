/*
 * tally.h — impressions and clicks of sold slots, counted in memory by the
 * loops of one `serve` process and written to the store by one thread at
 * most every BS_WEB_TALLY_SECONDS, each slot into this process's own
 * document (core/stats.h): a hit costs an atomic add, never a store call.
 *
 * Invariants:
 *   - A count is written once: what the store holds for this process plus
 *     what is still only in memory is what the loops counted; a write that
 *     fails leaves its numbers in memory for the next one.
 *   - Only the flusher thread (and bs_web_tally_stop, after it ended)
 *     writes to the store; the loops only add to atomics.
 *   - A slot's counter lives while anyone holds it (a cached phase of the
 *     embed, a redirect being answered) and, after that, until what it
 *     counted is written and it has been idle for a minute.
 */
#ifndef BS_WEB_TALLY_H
#define BS_WEB_TALLY_H

#include <stdint.h>

#include "core/ctx.h"
#include "model/names.h"
#include "util/id.h"

#define BS_WEB_TALLY_SECONDS 10

typedef struct bs_web_tally bs_web_tally;
typedef struct bs_web_count bs_web_count;

/* Start the flusher: it writes with a copy of `ctx` under the process id
 * `process` (keys stats/.../<process>). BS_OK with *out, or BS_NOMEM. */
bs_status bs_web_tally_start(const bs_ctx *ctx, const char process[BS_ID_LEN + 1],
                             bs_web_tally **out);

/* Stop the flusher and write what is left (one last try). The loops may
 * still count afterwards (those counts are not written), so nothing is
 * freed: the process is about to exit. NULL is a no-op. */
void bs_web_tally_stop(bs_web_tally *tally);

/* The counter of slot `slot` of `campaign` (created at zero): held until
 * bs_web_count_release. NULL when out of memory. Any thread. */
bs_web_count *bs_web_tally_count(bs_web_tally *tally, const bs_ref *campaign, uint32_t slot);
void bs_web_count_release(bs_web_count *count);

/* One more impression, one more click. Any thread; lock free. */
void bs_web_count_impression(bs_web_count *count);
void bs_web_count_click(bs_web_count *count);

/* What this process counted since it started (all slots), for /metrics. */
void bs_web_tally_totals(bs_web_tally *tally, int64_t *impressions, int64_t *clicks);

#endif
