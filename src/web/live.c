/*
 * live.c — see live.h: the shared state, the loops' parts, deferred work
 * and the small helpers every answer from memory uses.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "web/embed.h"
#include "web/events.h"
#include "web/live.h"
#include "web/metrics.h"
#include "web/routes.h"

/* ---- answers ------------------------------------------------------------------------ */

typedef struct held {
    void (*release)(void *);
    void *ptr;
} held;

static void
release_held(void *p)
{
    held *h = p;

    h->release(h->ptr);
}

void
bs_web_hold(h2o_req_t *req, void (*release)(void *), void *ptr)
{
    held *h = h2o_mem_alloc_shared(&req->pool, sizeof(*h), release_held);

    h->release = release;
    h->ptr = ptr;
}

void
bs_web_send_bytes(h2o_req_t *req, int status, const char *reason, const char *body, size_t len)
{
    static h2o_generator_t generator = {NULL, NULL};
    h2o_iovec_t buf = h2o_iovec_init(body, len);

    req->res.status = status;
    req->res.reason = reason;
    req->res.content_length = len;
    h2o_start_response(req, &generator);
    h2o_send(req, &buf, 1, H2O_SEND_STATE_FINAL);
}

void
bs_web_header(h2o_req_t *req, const char *name, const char *value)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, name, strlen(name), 0, NULL, value,
                          strlen(value));
}

int64_t
bs_web_live_now(const bs_web_live *live)
{
    return bs_ctx_now(&live->ctx);
}

bs_web_loop *
bs_web_live_loop(bs_web_live *live, h2o_req_t *req)
{
    return *h2o_context_get_storage(req->conn->ctx, &live->storage_key, NULL);
}

/* ---- deferred work ------------------------------------------------------------------ */

/* In the request's pool: tells the work that the request went away. */
struct defer_anchor {
    bs_web_defer *d; /* NULL once answered */
};

static void
on_request_gone(void *p)
{
    defer_anchor *anchor = p;

    if (anchor->d != NULL)
        anchor->d->req = NULL;
}

static void
run_deferred(bs_web_job *job, bs_ctx *ctx)
{
    bs_web_defer *d = H2O_STRUCT_FROM_MEMBER(bs_web_defer, job, job);

    d->work(d, ctx);
}

static void
answer_deferred(bs_web_job *job)
{
    bs_web_defer *d = H2O_STRUCT_FROM_MEMBER(bs_web_defer, job, job);
    h2o_req_t *req = d->req;

    if (req != NULL)
        d->anchor->d = NULL;
    d->answer(d, req);
    free(d);
}

void
bs_web_defer_submit(bs_web_live *live, h2o_req_t *req, bs_web_defer *d)
{
    bs_web_loop *loop = req != NULL ? bs_web_live_loop(live, req) : live->loops[0];

    d->live = live;
    d->req = req;
    d->anchor = NULL;
    if (req != NULL) {
        d->anchor = h2o_mem_alloc_shared(&req->pool, sizeof(*d->anchor), on_request_gone);
        d->anchor->d = d;
    }
    d->job.work = run_deferred;
    d->job.done = answer_deferred;
    d->job.back = &loop->back;
    bs_web_pool_submit(live->pool, &d->job);
}

/* ---- the loops ---------------------------------------------------------------------- */

void
bs_web_live_loop_init(bs_web_live *live, h2o_context_t *context, bs_web_accesslog *log)
{
    bs_web_loop *loop = calloc(1, sizeof(*loop));
    size_t n = atomic_load_explicit(&live->nloops, memory_order_relaxed); /* the only writer now */

    if (loop == NULL || n == BS_WEB_LOOPS_MAX) {
        fprintf(stderr, "bitslot: out of memory starting a loop\n");
        abort();
    }
    loop->live = live;
    loop->context = context;
    loop->log = log;
    h2o_linklist_init_anchor(&loop->streams);
    loop->requests = bs_metrics_requests_new(live->nroutes);
    if (loop->requests == NULL) {
        fprintf(stderr, "bitslot: out of memory starting a loop\n");
        abort();
    }
    *h2o_context_get_storage(context, &live->storage_key, NULL) = loop;
    bs_web_pool_receiver(context->queue, &loop->back);
    bs_events_loop_init(loop);
    live->loops[n] = loop;
    atomic_store_explicit(&live->nloops, n + 1, memory_order_release);
}

size_t
bs_web_live_loops(const bs_web_live *live)
{
    return atomic_load_explicit(&live->nloops, memory_order_acquire);
}

void
bs_web_live_loop_stop(bs_web_live *live, h2o_context_t *context)
{
    bs_web_loop *loop = *h2o_context_get_storage(context, &live->storage_key, NULL);

    loop->stopping = true;
    bs_events_loop_stop(loop);
}

void
bs_web_live_finished(bs_web_loop *loop, const bs_web_access *a)
{
    const char *query = memchr(a->path, '?', a->path_len);

    bs_metrics_observe(loop, a->method, a->method_len, a->path,
                       query != NULL ? (size_t)(query - a->path) : a->path_len, a->status,
                       a->micros);
    bs_web_accesslog_add(loop->log, a);
}

/* ---- start, stop -------------------------------------------------------------------- */

bs_status
bs_web_live_start(const bs_ctx *ctx, const bs_web_config *config, bs_web_pool *pool,
                  bs_web_live **out)
{
    bs_web_live *live = calloc(1, sizeof(*live));
    bs_status st;

    *out = NULL;
    if (live == NULL)
        return BS_NOMEM;
    live->ctx = *ctx;
    live->ctx.node = NULL;
    live->pool = pool;
    live->storage_key = SIZE_MAX;
    for (const bs_web_route *r = bs_web_routes; r->method != NULL; r++)
        live->nroutes++;
    atomic_init(&live->listeners, 0);
    atomic_init(&live->keys_left, -1);
    atomic_init(&live->keys_read_at, 0);
    atomic_init(&live->keys_reading, false);
    bs_id_next(&live->ctx.ids, live->process);
    if (config->public_url != NULL) {
        size_t n = strlen(config->public_url);
        while (n > 0 && config->public_url[n - 1] == '/')
            n--;
        if (n > BS_WEB_PUBLIC_URL_MAX) {
            free(live);
            return BS_INVALID;
        }
        memcpy(live->public_url, config->public_url, n);
        live->public_url[n] = '\0';
    }
    bs_embed_csp(live->public_url, live->csp, sizeof(live->csp));
    st = bs_web_tally_start(&live->ctx, live->process, &live->tally);
    if (st == BS_OK)
        st = bs_web_showing_start(&live->ctx, live->tally, bs_embed_render, bs_events_changed, live,
                                  &live->showing);
    if (st != BS_OK) {
        bs_web_tally_stop(live->tally);
        free(live);
        return st;
    }
    *out = live;
    return BS_OK;
}

void
bs_web_live_stop(bs_web_live *live)
{
    if (live == NULL)
        return;
    bs_web_showing_stop(live->showing);
    bs_web_tally_stop(live->tally);
}
