/*
 * events.c — see events.h.
 *
 * A stream's life:
 *
 *   connect ──start: price event──▶ open ──sale / falling price / quiet──▶ open
 *      open ──client gone (h2o calls stop)──▶ freed
 *      open ──server stops, or the client 64 KiB behind──▶ ending
 *      ending ──its write in flight done──▶ final send, freed
 *
 * Writes: emit() appends to `queued`; when no write is in flight the
 * queue becomes `inflight` and goes to h2o_send; h2o calls proceed() when
 * it is written, and the next queue goes. The final send's bytes are
 * copied into the request's pool, which outlives the stream.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/purchase.h"
#include "core/words.h"
#include "web/call.h"
#include "web/embed.h"
#include "web/events.h"

#define EVENT_MAX  512         /* bytes of one event */
#define QUEUED_MAX (64 * 1024) /* a client this far behind is let go */

typedef struct stream {
    h2o_generator_t generator;
    h2o_linklist_t link; /* in loop->streams */
    h2o_req_t *req;
    bs_web_loop *loop;
    bs_web_entry *entry;
    int64_t told_last;   /* the index of the last sale told; -1: none */
    int64_t quiet_since; /* the second of the last event */
    int64_t priced;      /* the second of the last price event */
    char *inflight;      /* being written by h2o */
    char *queued;        /* to write next */
    size_t queued_len;
    size_t queued_cap;
    bool writing;
    bool ending;
} stream;

/* ---- writing ------------------------------------------------------------------------ */

static void
stream_free(stream *st)
{
    bs_web_live *live = st->loop->live;

    h2o_linklist_unlink(&st->link);
    bs_web_showing_unlisten(live->showing, st->entry);
    atomic_fetch_sub(&live->listeners, 1);
    free(st->inflight);
    free(st->queued);
    free(st);
}

/* Send what is queued, unless a write is in flight; the end too when the
 * stream is ending (then the stream is gone). */
static void
flush(stream *st)
{
    h2o_iovec_t buf;

    if (st->writing || (st->queued_len == 0 && !st->ending))
        return;
    if (st->ending) {
        h2o_req_t *req = st->req;

        buf = h2o_strdup(&req->pool, st->queued != NULL ? st->queued : "", st->queued_len);
        req->http1_is_persistent = 0;
        stream_free(st);
        h2o_send(req, &buf, buf.len > 0 ? 1 : 0, H2O_SEND_STATE_FINAL);
        return;
    }
    free(st->inflight);
    st->inflight = st->queued;
    buf = h2o_iovec_init(st->inflight, st->queued_len);
    st->queued = NULL;
    st->queued_len = st->queued_cap = 0;
    st->writing = true;
    h2o_send(st->req, &buf, 1, H2O_SEND_STATE_IN_PROGRESS);
}

static void
emit(stream *st, const char *text, size_t len)
{
    if (st->ending)
        return;
    if (st->queued_len + len > QUEUED_MAX) { /* it does not read: end it */
        st->ending = true;
        return;
    }
    if (st->queued_len + len + 1 > st->queued_cap) {
        size_t cap = st->queued_cap > 0 ? st->queued_cap : 1024;
        char *grown;

        while (cap < st->queued_len + len + 1)
            cap *= 2;
        if ((grown = realloc(st->queued, cap)) == NULL)
            return; /* an event lost; the next price event says it all again */
        st->queued = grown;
        st->queued_cap = cap;
    }
    memcpy(st->queued + st->queued_len, text, len);
    st->queued_len += len;
    st->queued[st->queued_len] = '\0';
    st->quiet_since = bs_web_live_now(st->loop->live);
}

/* h2o wrote the last send. */
static void
on_proceed(h2o_generator_t *generator, h2o_req_t *req)
{
    stream *st = H2O_STRUCT_FROM_MEMBER(stream, generator, generator);

    (void)req;
    free(st->inflight);
    st->inflight = NULL;
    st->writing = false;
    flush(st);
}

/* The client went away (or the connection failed). */
static void
on_stop(h2o_generator_t *generator, h2o_req_t *req)
{
    (void)req;
    stream_free(H2O_STRUCT_FROM_MEMBER(stream, generator, generator));
}

/* ---- events ------------------------------------------------------------------------- */

/* The events' JSON holds only numbers, booleans and references "owner/i"
 * and names in their canonical spelling ([a-z0-9_]): nothing to escape. */
static void
emit_price(stream *st, const bs_web_view *view, int64_t now)
{
    const bs_campaign *c = &view->campaign;
    const bs_web_phase *phase = bs_web_view_at(view, now);
    char ref[BS_REF_MAX], showing[16], event[EVENT_MAX];
    bs_purchase_quote q;
    int len;

    bs_purchase_quote_at(c, now, &q);
    bs_ref_format(&c->id, ref);
    if (phase->showing && phase->from <= now)
        snprintf(showing, sizeof(showing), "%u", (unsigned)phase->slot.index);
    else
        snprintf(showing, sizeof(showing), "null");
    len = snprintf(event, sizeof(event),
                   "event: price\ndata: {\"campaign\":\"%s\",\"price\":%" PRId64
                   ",\"slot\":%u,\"start\":%" PRId64 ",\"end\":%" PRId64
                   ",\"showing\":%s,\"falling\":%s,\"time\":%" PRId64 "}\n\n",
                   ref, q.price, (unsigned)q.next_slot, q.start, q.end, showing,
                   c->has_last && now < c->last.end ? "true" : "false", now);
    emit(st, event, (size_t)len);
    st->priced = now;
}

static void
emit_sold(stream *st, const bs_campaign *c, const bs_slot *slot)
{
    char ref[BS_REF_MAX], event[EVENT_MAX];
    bs_campaign then = *c;
    bs_purchase_quote q;
    int len;

    /* The price right after that sale, by the one rule. */
    then.has_last = true;
    then.last = *slot;
    bs_purchase_quote_at(&then, slot->time, &q);
    bs_ref_format(&c->id, ref);
    len = snprintf(event, sizeof(event),
                   "event: sold\ndata: {\"campaign\":\"%s\",\"slot\":%u,\"buyer\":\"%s\","
                   "\"price\":%" PRId64 ",\"new_price\":%" PRId64 ",\"start\":%" PRId64
                   ",\"end\":%" PRId64 "}\n\n",
                   ref, (unsigned)slot->index, slot->buyer, slot->price, q.price, slot->start,
                   slot->end);
    emit(st, event, (size_t)len);
}

/* Tell the sales the stream has not told yet; true when there were some. */
static bool
tell_sales(stream *st, const bs_web_view *view)
{
    const bs_campaign *c = &view->campaign;
    bool told_last_one = false;

    if (!c->has_last || (int64_t)c->last.index <= st->told_last)
        return false;
    for (size_t i = 0; i < view->nphases; i++) {
        const bs_web_phase *p = view->phases[i];
        if (p->showing && (int64_t)p->slot.index > st->told_last) {
            emit_sold(st, c, &p->slot);
            told_last_one = p->slot.index == c->last.index;
        }
    }
    if (!told_last_one) /* its slot already over: the campaign still has it */
        emit_sold(st, c, &c->last);
    st->told_last = c->last.index;
    return true;
}

/* Every second: news, the falling price, or a keep-alive. `sales_only`:
 * a notice of a sale, not the second's tick. */
static void
stream_tick(stream *st, int64_t now, bool sales_only)
{
    bs_web_view *view = bs_web_entry_view(st->loop->live->showing, st->entry);
    bool sold;

    if (view == NULL)
        return;
    sold = tell_sales(st, view);
    if (sold || (!sales_only && now != st->priced && view->campaign.has_last &&
                 now < view->campaign.last.end))
        emit_price(st, view, now);
    else if (!sales_only && now - st->quiet_since >= BS_EVENTS_KEEPALIVE_SECONDS)
        emit(st, ": keep-alive\n\n", sizeof(": keep-alive\n\n") - 1);
    bs_web_view_release(view);
    flush(st);
}

static void
tick_all(bs_web_loop *loop, bool sales_only)
{
    int64_t now = bs_web_live_now(loop->live);
    h2o_linklist_t *node = loop->streams.next;

    while (node != &loop->streams) {
        stream *st = H2O_STRUCT_FROM_MEMBER(stream, link, node);
        node = node->next; /* a stream may end (and go) in its tick */
        stream_tick(st, now, sales_only);
    }
}

/* Every 100 ms: a new second ticks every stream. */
static void
on_tick(h2o_timeout_entry_t *entry)
{
    bs_web_loop *loop = H2O_STRUCT_FROM_MEMBER(bs_web_loop, tick, entry);
    int64_t now = bs_web_live_now(loop->live);

    if (now != loop->tick_second) {
        loop->tick_second = now;
        tick_all(loop, false);
    }
    h2o_timeout_link(loop->context->loop, &loop->context->hundred_ms_timeout, &loop->tick);
}

/* A poll found a sale of a campaign someone listens to (on this loop or
 * another): tell it now rather than at the next second. */
static void
on_notice(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    bs_web_loop *loop = H2O_STRUCT_FROM_MEMBER(bs_web_loop, notices, receiver);

    while (!h2o_linklist_is_empty(messages))
        h2o_linklist_unlink(messages->next);
    atomic_store(&loop->notice_pending, false);
    tick_all(loop, true);
}

void
bs_events_changed(void *arg, bs_web_entry *entry)
{
    bs_web_live *live = arg;

    (void)entry;
    for (size_t i = 0; i < live->nloops; i++) {
        bs_web_loop *loop = live->loops[i];
        if (!atomic_exchange(&loop->notice_pending, true))
            h2o_multithread_send_message(&loop->notices, &loop->notice);
    }
}

void
bs_events_loop_init(bs_web_loop *loop)
{
    atomic_init(&loop->notice_pending, false);
    loop->notice.link = (h2o_linklist_t){NULL, NULL};
    h2o_multithread_register_receiver(loop->context->queue, &loop->notices, on_notice);
    loop->tick.cb = on_tick;
    h2o_timeout_link(loop->context->loop, &loop->context->hundred_ms_timeout, &loop->tick);
}

void
bs_events_loop_stop(bs_web_loop *loop)
{
    h2o_linklist_t *node = loop->streams.next;

    while (node != &loop->streams) {
        stream *st = H2O_STRUCT_FROM_MEMBER(stream, link, node);
        node = node->next;
        st->ending = true;
        flush(st); /* ends it now, or when its write in flight is done */
    }
}

/* ---- connect ------------------------------------------------------------------------ */

static void
start(h2o_req_t *req, bs_web_live *live, const bs_ref *campaign, bs_web_view *view)
{
    bs_web_loop *loop = bs_web_live_loop(live, req);
    bs_web_entry *entry = bs_web_showing_listen(live->showing, campaign);
    int64_t now = bs_web_live_now(live);
    stream *st;

    if (entry == NULL || (st = calloc(1, sizeof(*st))) == NULL) {
        bs_web_showing_unlisten(live->showing, entry);
        bs_web_view_release(view);
        bs_web_send_error(req, 503, "unavailable", "cannot follow this campaign now; retry");
        return;
    }
    atomic_fetch_add(&live->listeners, 1);
    st->generator.proceed = on_proceed;
    st->generator.stop = on_stop;
    st->req = req;
    st->loop = loop;
    st->entry = entry;
    st->told_last = view->campaign.has_last ? (int64_t)view->campaign.last.index : -1;
    h2o_linklist_insert(&loop->streams, &st->link);

    req->res.status = 200;
    req->res.reason = "OK";
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    bs_web_header(req, "x-accel-buffering", "no");
    bs_web_header(req, "x-content-type-options", "nosniff");
    bs_web_header(req, "access-control-allow-origin", "*");
    h2o_start_response(req, &st->generator);
    emit(st, "retry: 2000\n\n", sizeof("retry: 2000\n\n") - 1);
    emit_price(st, view, now);
    bs_web_view_release(view);
    flush(st);
}

typedef struct events_job {
    bs_web_defer d;
    bs_ref campaign;
    bs_status st;
} events_job;

/* The refusal the campaign routes of the API give (core/words.h). */
static void
not_found(h2o_req_t *req, const char *owner, const char *index)
{
    char text[BS_WEB_PARAM_MAX * 2 + 2];
    bs_said said;

    snprintf(text, sizeof(text), "%s/%s", owner, index);
    bs_say_no_campaign(text, &said);
    bs_web_send_error(req, said.http, said.code, said.text);
}

static void
not_found_ref(h2o_req_t *req, const bs_ref *campaign)
{
    char index[16];

    snprintf(index, sizeof(index), "%u", (unsigned)campaign->index);
    not_found(req, campaign->owner, index);
}

static void
stopping(h2o_req_t *req)
{
    bs_web_send_error(req, 503, "unavailable", "the server is stopping; retry");
}

static void
events_work(bs_web_defer *d, bs_ctx *ctx)
{
    events_job *j = (events_job *)d;

    j->st = bs_web_showing_refresh(d->live->showing, ctx, &j->campaign);
}

static void
events_answer(bs_web_defer *d, h2o_req_t *req)
{
    events_job *j = (events_job *)d;
    bs_web_view *view;
    bs_web_found found;

    if (req == NULL)
        return;
    if (bs_web_live_loop(d->live, req)->stopping) {
        stopping(req);
        return;
    }
    found =
        j->st == BS_OK ? bs_web_showing_find(d->live->showing, &j->campaign, &view) : BS_WEB_ASK;
    if (found == BS_WEB_FOUND)
        start(req, d->live, &j->campaign, view);
    else if (j->st == BS_NOTFOUND || found == BS_WEB_MISSING)
        not_found_ref(req, &j->campaign);
    else
        bs_web_send_error(req, 503, "unavailable",
                          "cannot read this campaign now: the store is unavailable; retry later");
}

void
bs_events_stream(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX], size_t nparams)
{
    bs_web_view *view;
    bs_ref campaign;
    events_job *j;

    (void)nparams;
    if (bs_web_live_loop(live, req)->stopping) {
        stopping(req);
        return;
    }
    if (!bs_embed_campaign_param(params[0], params[1], &campaign)) {
        not_found(req, params[0], params[1]);
        return;
    }
    switch (bs_web_showing_find(live->showing, &campaign, &view)) {
    case BS_WEB_FOUND:
        start(req, live, &campaign, view);
        return;
    case BS_WEB_MISSING:
        not_found(req, params[0], params[1]);
        return;
    case BS_WEB_ASK:
        break;
    }
    if ((j = calloc(1, sizeof(*j))) == NULL) {
        bs_web_send_error(req, 503, "unavailable", "the server is out of memory; retry later");
        return;
    }
    j->campaign = campaign;
    j->d.work = events_work;
    j->d.answer = events_answer;
    bs_web_defer_submit(live, req, &j->d);
}
