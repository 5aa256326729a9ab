/*
 * store_group.c — group commit: a queue of pending writes and the leader
 * that applies them in batches (see store_group.h for the contract).
 *
 * State of one op:
 *
 *   queued --taken by a leader (take_batch)--> applying --apply returned-->
 *   done (its caller wakes and returns its status)
 *
 * State of the group: `leading` is true while one caller runs `apply` with
 * the group's lock released; every other caller waits on `changed` until its
 * op is done or nobody leads, and then returns or leads the next batch.
 *
 * Invariants: `queue` holds exactly the ops that are queued, oldest first;
 * an op is done only after the `apply` that had it returned; `leading`
 * changes, and `done` is set, only under `lock`.
 */
#include <pthread.h>
#include <stdlib.h>

#include "store/store_group.h"

struct bs_store_group {
    pthread_mutex_t lock;
    pthread_cond_t changed; /* an op became done, or the leader stepped down */
    bs_store_group_op *queue, **tail;
    bool leading;
    bs_store_group_apply apply;
    void *ctx;
};

bs_store_group *
bs_store_group_new(bs_store_group_apply apply, void *ctx)
{
    bs_store_group *group = calloc(1, sizeof(*group));

    if (group == NULL)
        return NULL;
    pthread_mutex_init(&group->lock, NULL);
    pthread_cond_init(&group->changed, NULL);
    group->tail = &group->queue;
    group->apply = apply;
    group->ctx = ctx;
    return group;
}

void
bs_store_group_free(bs_store_group *group)
{
    if (group == NULL)
        return;
    pthread_cond_destroy(&group->changed);
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
        bytes += op->len;
        batch[n++] = op;
    }
    if (group->queue == NULL)
        group->tail = &group->queue;
    return n;
}

bs_status
bs_store_group_run(bs_store_group *group, bs_store_group_op *op)
{
    bs_store_group_op *batch[BS_STORE_GROUP_MAX];

    op->next = NULL;
    op->done = false;
    pthread_mutex_lock(&group->lock);
    *group->tail = op;
    group->tail = &op->next;
    for (;;) {
        while (!op->done && group->leading)
            pthread_cond_wait(&group->changed, &group->lock);
        if (op->done)
            break;
        /* Nobody leads and our op is still queued: lead the next batch. It
         * may not hold our op (more than a batch was queued before it); then
         * we lead again, or another caller does. */
        size_t n = take_batch(group, batch);
        group->leading = true;
        pthread_mutex_unlock(&group->lock);
        group->apply(group->ctx, batch, n);
        pthread_mutex_lock(&group->lock);
        for (size_t i = 0; i < n; i++)
            batch[i]->done = true;
        group->leading = false;
        pthread_cond_broadcast(&group->changed);
    }
    pthread_mutex_unlock(&group->lock);
    return op->status;
}
