/*
 * store_group.h — group commit for a store backend (private to src/store):
 * the writes that threads of one process make at the same time are handed
 * to the backend together, so that it applies them in one transaction and
 * pays for one flush.
 *
 * Each caller submits one write and blocks until it has its own result. The
 * first caller that finds nobody applying writes becomes the leader: it
 * takes the writes queued so far (up to BS_STORE_GROUP_MAX of them, and
 * BS_STORE_GROUP_BYTES of values unless one write alone is larger), applies
 * them through the backend's `apply` and hands the lead to the caller of
 * the oldest write queued meanwhile, which leads the next batch. The batch
 * must then become durable: the backend's next commit flushes what came
 * before it, so the next leader hands the batch's writes their results
 * after its `apply`; when nobody is queued to lead next, the leader calls
 * the backend's `flush` itself. A lone writer never waits: it leads a batch
 * of one at once, and flushes it at once.
 *
 * Invariants:
 *   - Writes are taken in the order they were queued; each is applied in
 *     exactly one call of `apply`, and its caller returns only after that
 *     call and, when the write succeeded, after a flush that began later (a
 *     `flush`, or the commit of a later `apply`).
 *   - At most one `apply` runs at a time per group; a `flush` may run
 *     beside the next batch's `apply`.
 *   - The group's lock guards only the queue, never data: what each write
 *     does is decided by the backend, inside its transaction, by CAS.
 */
#ifndef BS_STORE_GROUP_H
#define BS_STORE_GROUP_H

#include <pthread.h>

#include "store/store_backend.h"

#define BS_STORE_GROUP_MAX   64                /* writes per batch */
#define BS_STORE_GROUP_BYTES (8 * 1024 * 1024) /* bytes of values per batch */

/* One write and its result. The caller owns it (on its stack) and keeps it,
 * and the buffers `key` and `value` point to, until bs_store_group_run()
 * returns. */
typedef struct bs_store_group_op {
    bs_store_write_mode mode;
    const char *key;
    const void *value;
    size_t len;
    bs_cas cas;
    bs_status status; /* set by `apply` */
    bs_cas new_cas;   /* set by `apply` when status is BS_OK */
    /* the group's own */
    struct bs_store_group_op *next;
    int state;
    pthread_cond_t wake;
} bs_store_group_op;

/* Apply ops[0..n) (n ≥ 1, in queue order; it may reorder the array) and set
 * each one's status and new_cas; BS_OK only for a write that it committed.
 * Its commit must make every write committed before it durable, and needs
 * a later commit or `flush` to make its own durable (LMDB's commit
 * fdatasyncs the file, then writes its meta page). Called by one thread at
 * a time. */
typedef void (*bs_store_group_apply)(void *ctx, bs_store_group_op **ops, size_t n);

/* Make every write committed so far durable; BS_OK or why not. Called
 * after an `apply` that committed, from any thread, beside `apply`. */
typedef bs_status (*bs_store_group_flush)(void *ctx);

typedef struct bs_store_group bs_store_group;

/* A group that applies batches with apply(ctx, ...) and flush(ctx); NULL
 * when out of memory. Release it with bs_store_group_free(). */
bs_store_group *bs_store_group_new(bs_store_group_apply apply, bs_store_group_flush flush,
                                   void *ctx);

/* NULL is a no-op. No bs_store_group_run() may be in flight. */
void bs_store_group_free(bs_store_group *group);

/* Queue `op`, wait until it is applied and flushed (leading batches when
 * nobody else does), and return its status: apply's, or flush's when the
 * write was applied but could not be made durable. */
bs_status bs_store_group_run(bs_store_group *group, bs_store_group_op *op);

#endif
