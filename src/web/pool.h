/*
 * pool.h — the worker threads of `bitslot serve`: whatever may block (a
 * store write that waits for a flush, a call to etcd or the node, argon2)
 * runs here, never on an event loop, and its answer goes back to the loop
 * that asked, through h2o's multithread queue (DESIGN.md §5a).
 *
 * Invariants:
 *   - A job's `work` runs on exactly one worker, with that worker's own
 *     context (its own node handle: a libcurl handle is one thread's); then
 *     its `done` runs on the loop that submitted it, exactly once.
 *   - Jobs start in the order they were submitted.
 *   - bs_web_pool_busy() counts jobs submitted whose `done` has not yet
 *     returned: zero means no request is in the middle of an answer.
 */
#ifndef BS_WEB_POOL_H
#define BS_WEB_POOL_H

#include <h2o.h>
#include <stddef.h>

#include "core/ctx.h"

typedef struct bs_web_pool bs_web_pool;
typedef struct bs_web_job bs_web_job;

struct bs_web_job {
    h2o_multithread_message_t message;          /* the way back; the pool's */
    void (*work)(bs_web_job *job, bs_ctx *ctx); /* on a worker */
    void (*done)(bs_web_job *job);              /* on the submitting loop */
    h2o_multithread_receiver_t *back;           /* that loop's receiver (bs_web_pool_receiver) */
    bs_web_job *next;                           /* the pool's queue */
    bs_web_pool *pool;
};

/* Start `threads` workers, each with a copy of `ctx` whose node (when
 * `node_url` is not NULL) is its own handle to that URL. BS_NOMEM,
 * BS_INVALID (a bad node URL) or BS_OK with *out. */
bs_status bs_web_pool_start(const bs_ctx *ctx, const char *node_url, size_t threads,
                            bs_web_pool **out);

/* The receiver a loop registers (once) on its context's queue so that the
 * jobs it submits come back to it: call from that loop's thread. */
void bs_web_pool_receiver(h2o_multithread_queue_t *queue, h2o_multithread_receiver_t *receiver);

/* Queue `job` (work, done and back set by the caller). */
void bs_web_pool_submit(bs_web_pool *pool, bs_web_job *job);

/* Jobs submitted whose `done` has not returned yet. */
size_t bs_web_pool_busy(bs_web_pool *pool);

/* Let the workers finish the jobs they hold, then stop and free them. No
 * job may be submitted after this, and none may be queued. */
void bs_web_pool_stop(bs_web_pool *pool);

#endif
