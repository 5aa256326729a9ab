/*
 * pool.c — see pool.h. A mutex-protected FIFO of jobs and a fixed set of
 * threads that take from it; the answer goes back through h2o's queue.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include "web/pool.h"

typedef struct worker {
    pthread_t thread;
    bs_ctx ctx;
    bs_web_pool *pool;
    bool started;
} worker;

struct bs_web_pool {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    bs_web_job *head, *tail; /* under lock */
    bool stopping;           /* under lock */
    atomic_size_t busy;
    size_t count;
    worker *workers;
    bs_rpc_quiet node_quiet; /* the workers' node handles share it */
};

static bs_web_job *
take(bs_web_pool *pool)
{
    bs_web_job *job;

    pthread_mutex_lock(&pool->lock);
    while (pool->head == NULL && !pool->stopping)
        pthread_cond_wait(&pool->ready, &pool->lock);
    job = pool->head;
    if (job != NULL) {
        pool->head = job->next;
        if (pool->head == NULL)
            pool->tail = NULL;
    }
    pthread_mutex_unlock(&pool->lock);
    return job;
}

static void *
run_worker(void *arg)
{
    worker *w = arg;
    bs_web_job *job;

    while ((job = take(w->pool)) != NULL) {
        job->work(job, &w->ctx);
        h2o_multithread_send_message(job->back, &job->message);
    }
    return NULL;
}

/* On the loop: each job that came back is done. */
static void
on_jobs_back(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    (void)receiver;
    while (!h2o_linklist_is_empty(messages)) {
        h2o_multithread_message_t *m =
            H2O_STRUCT_FROM_MEMBER(h2o_multithread_message_t, link, messages->next);
        bs_web_job *job = H2O_STRUCT_FROM_MEMBER(bs_web_job, message, m);
        bs_web_pool *pool = job->pool;

        h2o_linklist_unlink(&m->link);
        job->done(job); /* may free the job */
        atomic_fetch_sub(&pool->busy, 1);
    }
}

void
bs_web_pool_receiver(h2o_multithread_queue_t *queue, h2o_multithread_receiver_t *receiver)
{
    h2o_multithread_register_receiver(queue, receiver, on_jobs_back);
}

void
bs_web_pool_submit(bs_web_pool *pool, bs_web_job *job)
{
    job->pool = pool;
    job->next = NULL;
    job->message.link = (h2o_linklist_t){NULL, NULL};
    atomic_fetch_add(&pool->busy, 1);
    pthread_mutex_lock(&pool->lock);
    if (pool->tail != NULL)
        pool->tail->next = job;
    else
        pool->head = job;
    pool->tail = job;
    pthread_cond_signal(&pool->ready);
    pthread_mutex_unlock(&pool->lock);
}

size_t
bs_web_pool_busy(bs_web_pool *pool)
{
    return atomic_load(&pool->busy);
}

void
bs_web_pool_stop(bs_web_pool *pool)
{
    if (pool == NULL)
        return;
    pthread_mutex_lock(&pool->lock);
    pool->stopping = true;
    pthread_cond_broadcast(&pool->ready);
    pthread_mutex_unlock(&pool->lock);
    for (size_t i = 0; i < pool->count; i++) {
        if (pool->workers[i].started)
            pthread_join(pool->workers[i].thread, NULL);
        bs_rpc_close(pool->workers[i].ctx.node);
    }
    pthread_cond_destroy(&pool->ready);
    pthread_mutex_destroy(&pool->lock);
    free(pool->workers);
    free(pool);
}

/* A request waits for the node at most this long (connect, whole call): a
 * node that stopped answering is said at once to be unavailable rather than
 * holding the request, and the worker, for the client library's default. */
#define NODE_CONNECT_MS 2000L
#define NODE_TIMEOUT_MS 10000L

bs_status
bs_web_pool_start(const bs_ctx *ctx, const char *node_url, size_t threads, bs_web_pool **out)
{
    bs_rpc_options node_options = {.connect_timeout_ms = NODE_CONNECT_MS,
                                   .timeout_ms = NODE_TIMEOUT_MS};
    bs_web_pool *pool = calloc(1, sizeof(*pool));
    bs_status st = BS_OK;

    *out = NULL;
    if (pool == NULL)
        return BS_NOMEM;
    pthread_mutex_init(&pool->lock, NULL);
    pthread_cond_init(&pool->ready, NULL);
    atomic_init(&pool->busy, 0);
    atomic_init(&pool->node_quiet.until_ms, 0);
    pool->workers = calloc(threads, sizeof(*pool->workers));
    if (pool->workers == NULL) {
        bs_web_pool_stop(pool);
        return BS_NOMEM;
    }
    pool->count = threads;
    node_options.quiet = &pool->node_quiet; /* one node, one silence for all workers */
    for (size_t i = 0; i < threads && st == BS_OK; i++) {
        worker *w = &pool->workers[i];

        w->pool = pool;
        w->ctx = *ctx;
        w->ctx.node = NULL;
        if (node_url != NULL)
            st = bs_rpc_open(node_url, &node_options, &w->ctx.node);
        if (st == BS_OK && pthread_create(&w->thread, NULL, run_worker, w) != 0)
            st = BS_NOMEM;
        w->started = st == BS_OK;
    }
    if (st != BS_OK) {
        bs_web_pool_stop(pool);
        return st;
    }
    *out = pool;
    return BS_OK;
}
