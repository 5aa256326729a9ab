/*
 * events.h — live events of a campaign (DESIGN.md §5a):
 * GET /api/v1/campaigns/OWNER/I/events, a Server-Sent Events stream
 * (text/event-stream):
 *
 *   event: price   on connect, then every second while the price falls:
 *                  {"campaign","price","slot","start","end","showing",
 *                   "falling","time"} — the price of slot "slot" for sale
 *                  now, that slot's times, the slot showing (or null)
 *   event: sold    within a second of a purchase by any process:
 *                  {"campaign","slot","buyer","price","new_price","start",
 *                   "end"}, then a price event
 *   : keep-alive   a comment after 15 quiet seconds
 *
 *   HEAD answers the headers alone.
 *
 * Invariants:
 *   - A stream lives on its loop: no thread, no worker, no store read. Its
 *     connection is handed over from h2o once the headers are written
 *     (h2o_http1_upgrade, so the headers say "Connection: upgrade"): a
 *     listener holds its socket and a few hundred bytes, not h2o's request
 *     and read buffer. Every stream of a campaign is fed by the one cache
 *     of what it shows (web/showing.h), which polls a campaign someone
 *     listens to twice a second and tells every loop when a poll found a
 *     sale.
 *   - A listener that goes away is let go at once (its socket is read).
 *   - A stream is logged and counted for /metrics when it ends, with its
 *     whole life (web/live.h: BS_WEB_HANDED_OVER).
 *   - At most one write per stream is in flight; what comes meanwhile
 *     waits in the stream's queue, in order.
 *   - When the server stops, every stream ends there and then (its last
 *     bytes and the end of the response), and no new one starts.
 */
#ifndef BS_WEB_EVENTS_H
#define BS_WEB_EVENTS_H

#include "web/live.h"

#define BS_EVENTS_KEEPALIVE_SECONDS 15

void bs_events_stream(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX],
                      size_t nparams);

/* The loop hooks of web/live.h. */
void bs_events_loop_init(bs_web_loop *loop);
void bs_events_loop_stop(bs_web_loop *loop);

/* The cache's bs_web_changed (`arg` is the live state): any thread. */
void bs_events_changed(void *arg, bs_web_entry *entry);

#endif
