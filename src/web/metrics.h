/*
 * metrics.h — GET /metrics, the Prometheus text exposition (format 0.0.4)
 * of one `serve` process (DESIGN.md §5a):
 *
 *   bitslot_http_requests_total{route,status}      requests answered, by the
 *                                                  route table's pattern
 *                                                  ("none": no route)
 *   bitslot_http_request_duration_seconds{route}   histogram, from the first
 *                                                  byte read to the last one
 *                                                  written (a live events
 *                                                  stream: its whole life)
 *   the process's counters of util/metrics.h       store reads, writes and
 *                                                  errors, node errors,
 *                                                  purchases, deposits,
 *                                                  recoveries, ...
 *   bitslot_sse_listeners                          live event streams open
 *   bitslot_keys_left                              deposit keys left to hand
 *                                                  out (read at most once a
 *                                                  minute, on a worker)
 *   bitslot_watched_campaigns, bitslot_images_cached, bitslot_impressions_total,
 *   bitslot_clicks_total                           the embed's cache and
 *                                                  counts (web/showing.h,
 *                                                  web/tally.h)
 *
 * Invariants:
 *   - Each loop counts its own requests (web/live.h: bs_web_loop) with
 *     relaxed atomics it alone writes: no lock and no shared cache line per
 *     request; /metrics adds the loops up.
 *   - The page reads no store, except the keys left, on a worker, when the
 *     last count is older than BS_METRICS_KEYS_SECONDS (the first scrape
 *     waits for it; later ones show the last count while a new one is
 *     read).
 */
#ifndef BS_WEB_METRICS_H
#define BS_WEB_METRICS_H

#include "web/live.h"

#define BS_METRICS_KEYS_SECONDS 60

/* A loop's request counters for `nroutes` routes (and "none"); NULL when
 * out of memory. */
bs_web_requests *bs_metrics_requests_new(size_t nroutes);

/* Count a request answered on `loop`: its method and path (without the
 * query) find its route, `status` its answer, `micros` its duration. */
void bs_metrics_observe(bs_web_loop *loop, const char *method, size_t method_len, const char *path,
                        size_t path_len, int status, int64_t micros);

void bs_metrics_page(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX],
                     size_t nparams);

#endif
