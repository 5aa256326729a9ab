/*
 * live.h — what `bitslot serve` answers on its loops, from memory, without
 * a worker: the publisher embed, its images and redirects (web/embed.h),
 * live events (web/events.h) and /metrics (web/metrics.h). This is their
 * shared state and the four hooks the server calls (DESIGN.md §5a).
 *
 *   bs_web_live_start       once, before the loops: the cache of what
 *                           campaigns show (web/showing.h) and its poller,
 *                           the counters of impressions and clicks
 *                           (web/tally.h) and their writer
 *   bs_web_live_loop_init   per loop, on that loop's thread before it
 *                           runs, one loop at a time (web/server.c)
 *   bs_web_live_finished    per request, when it is done: its log line and
 *                           its count for /metrics
 *   bs_web_live_loop_stop   per loop, on that loop, when the server stops:
 *                           live event streams end there and then
 *   bs_web_live_stop        once, after the drain: the poller stops, the
 *                           counts are written one last time
 *
 * Invariants:
 *   - A loop never waits on the store: when memory cannot answer (a
 *     campaign not watched yet, an image or a slot not in memory), the
 *     request waits for a job on the worker pool (bs_web_defer) and is
 *     answered on its loop when the job is back.
 *   - Each loop's part (bs_web_loop) is touched by that loop's thread
 *     only, except the counters /metrics reads (atomics).
 */
#ifndef BS_WEB_LIVE_H
#define BS_WEB_LIVE_H

#include <h2o.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "core/ctx.h"
#include "web/accesslog.h"
#include "web/call.h"
#include "web/pool.h"
#include "web/server.h"
#include "web/showing.h"
#include "web/tally.h"

#define BS_WEB_LOOPS_MAX      64
#define BS_WEB_PUBLIC_URL_MAX 512
#define BS_WEB_CSP_MAX        (BS_WEB_PUBLIC_URL_MAX + 256)

typedef struct bs_web_live bs_web_live;
typedef struct bs_web_loop bs_web_loop;
typedef struct bs_web_requests bs_web_requests; /* web/metrics.c */

/* One loop's part. */
struct bs_web_loop {
    bs_web_live *live;
    h2o_context_t *context;
    h2o_multithread_receiver_t back;    /* answers of deferred work */
    h2o_multithread_receiver_t notices; /* events: a campaign has a new sale */
    h2o_multithread_message_t notice;   /* events: the one message, sent when not pending */
    atomic_bool notice_pending;
    h2o_timeout_entry_t tick;  /* events: every 100 ms */
    h2o_linklist_t streams;    /* events: this loop's listeners */
    int64_t tick_second;       /* events: the second last ticked */
    bool stopping;             /* the server stops: no new streams */
    bs_web_requests *requests; /* this loop's request counters */
    bs_web_accesslog *log;     /* this loop's request log (the server's) */
};

struct bs_web_live {
    bs_ctx ctx; /* the clock (the loops read no store) */
    bs_web_pool *pool;
    bs_web_showing *showing;
    bs_web_tally *tally;
    char process[BS_ID_LEN + 1];                /* this process's id (counts documents) */
    char public_url[BS_WEB_PUBLIC_URL_MAX + 1]; /* without a final '/'; "": links from the root */
    char csp[BS_WEB_CSP_MAX];                   /* the embed's Content-Security-Policy */
    /* loops[0, nloops) are set. A loop is added while the others (and the
     * poller, and the workers) already run: its slot is written, then
     * nloops is raised by a release store; readers use bs_web_live_loops. */
    bs_web_loop *loops[BS_WEB_LOOPS_MAX];
    atomic_size_t nloops;
    size_t storage_key;   /* of a loop's part in its h2o context */
    size_t nroutes;       /* routes in the table (web/routes.h) */
    atomic_int listeners; /* live event streams open, all loops */
    /* /metrics: keys left to hand out, read now and then on a worker. */
    atomic_int_fast64_t keys_left;    /* -1: not known yet */
    atomic_int_fast64_t keys_read_at; /* monotonic ms of the last read; 0: never */
    atomic_bool keys_reading;
};

/* Start (see above). `pool` is the server's. BS_OK, or BS_NOMEM. */
bs_status bs_web_live_start(const bs_ctx *ctx, const bs_web_config *config, bs_web_pool *pool,
                            bs_web_live **out);
void bs_web_live_loop_init(bs_web_live *live, h2o_context_t *context, bs_web_accesslog *log);
void bs_web_live_loop_stop(bs_web_live *live, h2o_context_t *context);
void bs_web_live_stop(bs_web_live *live);

/* A request answered on `loop` is done: its line in the loop's log and its
 * count for /metrics. */
void bs_web_live_finished(bs_web_loop *loop, const bs_web_access *a);

/* The status a request is left with once a route took its connection over
 * (h2o_http1_upgrade; a live event stream): h2o has written its real
 * status line already, the server's logger skips it, and the route calls
 * bs_web_live_finished itself when it ends. */
#define BS_WEB_HANDED_OVER 101

/* How many loops have their part in live->loops now (an acquire load:
 * each part below it is seen whole). */
size_t bs_web_live_loops(const bs_web_live *live);

/* The part of the loop `req` runs on. */
bs_web_loop *bs_web_live_loop(bs_web_live *live, h2o_req_t *req);

/* Now, by the server's clock (unix seconds). */
int64_t bs_web_live_now(const bs_web_live *live);

/* ---- work for a request on a worker, its answer on the loop ---- */

typedef struct bs_web_defer bs_web_defer;
typedef struct defer_anchor defer_anchor;

/* Embed this first in a larger struct (malloc'ed) to carry what the work
 * needs and finds. */
struct bs_web_defer {
    bs_web_job job;
    bs_web_live *live;
    h2o_req_t *req; /* NULL once the client went away (loop only) */
    defer_anchor *anchor;
    void (*work)(bs_web_defer *d, bs_ctx *ctx);      /* on a worker */
    void (*answer)(bs_web_defer *d, h2o_req_t *req); /* on the loop; req NULL: gone */
};

/* Run d->work on a worker, then d->answer on the loop of `req` (which may
 * be NULL: work for no request, answered on loop 0), then free(d). */
void bs_web_defer_submit(bs_web_live *live, h2o_req_t *req, bs_web_defer *d);

/* ---- answers ---- */

/* Keep `ptr` alive until `req` is done with (then release(ptr) is called). */
void bs_web_hold(h2o_req_t *req, void (*release)(void *), void *ptr);

/* Send `len` bytes at `body` (which must live until the request is done:
 * hold what owns them) as the whole response, with the headers already
 * added. */
void bs_web_send_bytes(h2o_req_t *req, int status, const char *reason, const char *body,
                       size_t len);

/* Add header `name` (lower case) with `value`. */
void bs_web_header(h2o_req_t *req, const char *name, const char *value);

#endif
