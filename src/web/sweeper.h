/*
 * sweeper.h — the background loop of `bitslot serve`: every interval, the
 * same recovery as `bitslot recover` (purchases, credits, ledgers, key
 * imports; with a node, key hand-outs, fills and late deposits). Any number
 * of serve processes may sweep one store at once: every step is safe to
 * repeat and to race (DESIGN.md §3-4).
 *
 * Invariant: one log line per sweep that did or left something; a quiet
 * sweep says nothing.
 */
#ifndef BS_WEB_SWEEPER_H
#define BS_WEB_SWEEPER_H

#include <stdint.h>

#include "core/ctx.h"

typedef struct bs_web_sweeper bs_web_sweeper;

/* Start sweeping every `interval` seconds (the first sweep at once) on a
 * thread of its own, with a copy of `ctx` and its own node handle when
 * `node_url` is set. */
bs_status bs_web_sweeper_start(const bs_ctx *ctx, const char *node_url, int64_t interval,
                               bs_web_sweeper **out);

/* Stop (waiting for a sweep under way) and free. NULL is a no-op. */
void bs_web_sweeper_stop(bs_web_sweeper *sweeper);

#endif
