/*
 * store_group.c — group commit: a queue of pending writes and the leaders
 * that apply and flush them in batches (see store_group.h for the contract).
 *
 * State of one op (its `state`, changed only under the group's lock):
 *
 *   QUEUED --a leader takes it (take_batch)--> TAKEN --its batch applied and
 *   durable (finish)--> DONE: its caller returns its status
 *
 * The caller of a QUEUED op leads when nobody leads (`leading` false) or
 * the lead was handed to it (`heir`); otherwise, and while its op is TAKEN,
 * it sleeps on the op's own condition variable, so that only callers with
 * something to do are woken. A leader:
 *
 *   take_batch --> apply (lock released) --> the batch it committed becomes
 *   `pending` (after the previous pending one is finished: this commit made
 *   it durable) --> step_down: hand the lead to the caller of the oldest
 *   queued op, whose commit will make `pending` durable; or, with nobody
 *   queued, flush `pending` itself (flush_pending).
 *
 * Invariants: `queue` holds exactly the QUEUED ops, oldest first; `leading`
 * is true exactly while some thread runs a leader's steps or `heir` (then
 * the head of the queue) is about to; a batch is `pending` only while
 * `leading`, so some leader will finish or flush it; an op is DONE only
 * after the `apply` that had it returned and, if it succeeded, a commit or
 * a flush began after that.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_group.h"

enum { QUEUED, TAKEN, DONE };

struct bs_store_group {
    pthread_mutex_t lock;
    bs_store_group_op *queue, **tail;
    bool leading;
    bs_store_group_op *heir; /* the queued op whose caller leads next */
    /* a batch committed but not yet durable: pending[0..npending) */
    bs_store_group_op *pending[BS_STORE_GROUP_MAX];
    size_t npending;
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

/* Hand every op of batch[0..n) its result, `flushed` for those applied
 * when they could not be made durable. Under `lock`. */
static void
finish(bs_store_group_op **batch, size_t n, bs_status flushed)
{
    for (size_t i = 0; i < n; i++) {
        if (batch[i]->status == BS_OK)
            batch[i]->status = flushed;
        batch[i]->state = DONE;
        pthread_cond_signal(&batch[i]->wake);
    }
}

/* After a leader applied batch[0..n): its refusals are finished at once —
 * they have nothing to make durable, and their callers (a lost CAS reads
 * again) see the batch's writes, committed, already. When it committed
 * writes (those with BS_OK), that commit made the pending batch durable:
 * finish that, and make these writes pending. Under `lock`. */
static void
settle(bs_store_group *group, bs_store_group_op **batch, size_t n)
{
    size_t committed = 0;

    for (size_t i = 0; i < n; i++) {
        if (batch[i]->status == BS_OK)
            batch[committed++] = batch[i];
        else
            finish(&batch[i], 1, BS_OK);
    }
    if (committed == 0)
        return;
    finish(group->pending, group->npending, BS_OK);
    memcpy(group->pending, batch, committed * sizeof(*batch));
    group->npending = committed;
}

/* Nobody is queued to lead next: flush the pending batch and finish it,
 * releasing `lock` meanwhile (a new leader may commit beside the flush).
 * Under `lock`. */
static void
flush_pending(bs_store_group *group)
{
    bs_store_group_op *batch[BS_STORE_GROUP_MAX];
    size_t n = group->npending;
    bs_status flushed;

    memcpy(batch, group->pending, n * sizeof(*batch));
    group->npending = 0;
    pthread_mutex_unlock(&group->lock);
    flushed = group->flush(group->ctx);
    pthread_mutex_lock(&group->lock);
    finish(batch, n, flushed);
}

/* The leader is done applying: hand the lead to the oldest queued op's
 * caller (`leading` stays true), or, with nobody queued, step down and
 * flush what is pending. Under `lock`. */
static void
step_down(bs_store_group *group)
{
    group->heir = group->queue;
    if (group->heir != NULL) {
        pthread_cond_signal(&group->heir->wake);
        return;
    }
    group->leading = false;
    if (group->npending > 0)
        flush_pending(group);
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
        while (op->state == TAKEN || (op->state == QUEUED && group->leading && group->heir != op))
            pthread_cond_wait(&op->wake, &group->lock);
        if (op->state == DONE)
            break;
        /* Our op is still queued and nobody leads, or the lead was handed to
         * us: lead the next batch. It may not hold our op (more than a batch
         * was queued before it); then we lead again, or another caller
         * does. */
        size_t n = take_batch(group, batch);

        group->heir = NULL;
        group->leading = true;
        pthread_mutex_unlock(&group->lock);
        group->apply(group->ctx, batch, n);
        pthread_mutex_lock(&group->lock);
        settle(group, batch, n);
        step_down(group);
    }
    pthread_mutex_unlock(&group->lock);
    pthread_cond_destroy(&op->wake);
    return op->status;
}
