/*
 * store_group.c — group commit: a queue of pending writes and the leaders
 * that apply and flush them in batches (see store_group.h for the contract).
 *
 * State of one op (its `state`, changed only under the group's lock):
 *
 *   QUEUED --a leader takes it (take_batch)--> TAKEN --its batch applied and
 *   flushed (finish_batch)--> DONE: its caller returns its status
 *
 * The caller of a QUEUED op leads when nobody leads (`leading` false);
 * otherwise, and while its op is TAKEN, it sleeps on the op's own condition
 * variable. A leader runs `apply` with the lock released, then steps down
 * (step_down) and wakes the caller of the oldest queued op, which leads the
 * next batch while the old leader runs `flush` for its own batch and then
 * wakes each caller of it. So a batch is applied while the one before it is
 * being flushed, and only the callers that have something to do are woken.
 *
 * Invariants: `queue` holds exactly the QUEUED ops, oldest first; `leading`
 * is true exactly while some thread runs `apply`; an op is DONE only after
 * the `apply` that had it returned and, if it succeeded, a `flush` after it.
 */
#include <stdlib.h>

#include "store/store_group.h"

enum { QUEUED, TAKEN, DONE };

struct bs_store_group {
    pthread_mutex_t lock;
    bs_store_group_op *queue, **tail;
    bool leading;
    bs_store_group_apply apply;
    bs_store_group_flush flush;
    void *ctx;
};

bs_store_group *
bs_store_group_new(bs_store_group_apply apply, bs_store_group_flush flush, void *ctx)
{
    bs_store_group *group = calloc(1, sizeof(*group));

    if (group == NULL)
        return NULL;
    pthread_mutex_init(&group->lock, NULL);
    group->tail = &group->queue;
    group->apply = apply;
    group->flush = flush;
    group->ctx = ctx;
    return group;
}

void
bs_store_group_free(bs_store_group *group)
{
    if (group == NULL)
        return;
    pthread_mutex_destroy(&group->lock);
    free(group);
}

/* Move the oldest queued ops into batch[], within the bounds of a batch;
 * return how many (at least one: the queue is not empty). Under `lock`. */
static size_t
take_batch(bs_store_group *group, bs_store_group_op **batch)
{
    size_t n = 0, bytes = 0;

    while (group->queue != NULL && n < BS_STORE_GROUP_MAX &&
           (n == 0 || bytes + group->queue->len <= BS_STORE_GROUP_BYTES)) {
        bs_store_group_op *op = group->queue;

        group->queue = op->next;
        op->state = TAKEN;
        bytes += op->len;
        batch[n++] = op;
    }
    if (group->queue == NULL)
        group->tail = &group->queue;
    return n;
}

/* The leader is done applying: let the oldest queued op's caller lead the
 * next batch. Under `lock`. */
static void
step_down(bs_store_group *group)
{
    group->leading = false;
    if (group->queue != NULL)
        pthread_cond_signal(&group->queue->wake);
}

/* Flush what batch[0..n) committed, unless none of it was, and hand every
 * op its result. Takes `lock`. */
static void
finish_batch(bs_store_group *group, bs_store_group_op **batch, size_t n)
{
    bs_status flushed = BS_OK;
    size_t i = 0;

    while (i < n && batch[i]->status != BS_OK)
        i++;
    if (i < n)
        flushed = group->flush(group->ctx);
    pthread_mutex_lock(&group->lock);
    for (i = 0; i < n; i++) {
        if (batch[i]->status == BS_OK)
            batch[i]->status = flushed;
        batch[i]->state = DONE;
        pthread_cond_signal(&batch[i]->wake);
    }
    pthread_mutex_unlock(&group->lock);
}

bs_status
bs_store_group_run(bs_store_group *group, bs_store_group_op *op)
{
    bs_store_group_op *batch[BS_STORE_GROUP_MAX];

    op->next = NULL;
    op->state = QUEUED;
    pthread_cond_init(&op->wake, NULL);
    pthread_mutex_lock(&group->lock);
    *group->tail = op;
    group->tail = &op->next;
    for (;;) {
        while (op->state == TAKEN || (op->state == QUEUED && group->leading))
            pthread_cond_wait(&op->wake, &group->lock);
        if (op->state == DONE)
            break;
        /* Nobody leads and our op is still queued: lead the next batch. It
         * may not hold our op (more than a batch was queued before it); then
         * we lead again, or another caller does. */
        size_t n = take_batch(group, batch);
        group->leading = true;
        pthread_mutex_unlock(&group->lock);
        group->apply(group->ctx, batch, n);
        pthread_mutex_lock(&group->lock);
        step_down(group);
        pthread_mutex_unlock(&group->lock);
        finish_batch(group, batch, n);
        pthread_mutex_lock(&group->lock);
    }
    pthread_mutex_unlock(&group->lock);
    pthread_cond_destroy(&op->wake);
    return op->status;
}
