/*
 * events.c — see events.h.
 *
 * A stream's life:
 *
 *   connect ──start: headers and the first events, h2o_http1_upgrade──▶
 *      handing over ──h2o wrote them and let the connection go──▶ open
 *      open ──sale / falling price / quiet──▶ open
 *      open ──client gone (a read or a write fails)──▶ freed
 *      open ──server stops, or the client 64 KiB behind──▶ ending
 *      ending ──its last bytes written──▶ freed
 *
 * Once handed over, a stream owns its socket and nothing of h2o's HTTP/1
 * connection is left: not its read buffer, not the request's memory pool,
 * which h2o would otherwise keep for the whole life of the response (some
 * 10 KiB a listener). The response is written by hand: HTTP/1.1 in chunks,
 * HTTP/1.0 until the connection closes. It logs itself and counts for
 * /metrics when it ends (bs_web_live_finished).
 *
 * Writes: emit() appends to `queued`; when no write is in flight the queue
 * becomes `inflight`, framed as a chunk, and goes to the socket; when it is
 * written the next queue goes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/purchase.h"
#include "core/words.h"
#include "web/call.h"
#include "web/embed.h"
#include "web/events.h"

#include <h2o/http1.h> /* after h2o.h (web/events.h), which it needs */

#define EVENT_MAX  512         /* bytes of one event */
#define QUEUED_MAX (64 * 1024) /* a client this far behind is let go */
#define PATH_KEPT  512         /* bytes of the path kept for the log line */

typedef struct stream {
    h2o_linklist_t link; /* in loop->streams */
    h2o_socket_t *sock;  /* NULL while being handed over */
    bs_web_loop *loop;
    bs_web_entry *entry;
    int64_t told_last;   /* the index of the last sale told; -1: none */
    int64_t quiet_since; /* the second of the last event */
    int64_t priced;      /* the second of the last price event */
    char *inflight;      /* being written */
    char *queued;        /* to write next */
    size_t queued_len;
    size_t queued_cap;
    char chunk_size[24]; /* the size line of the chunk in flight */
    bool chunked;        /* HTTP/1.1; HTTP/1.0 ends the body by closing */
    bool writing;
    bool ending;
    bool last; /* the write in flight ends the stream */
    /* For its log line and count, when it ends: */
    struct timeval begin;
    size_t bytes; /* of the body, written */
    char id[BS_WEB_REQUEST_ID_LEN];
    size_t id_len;
    size_t path_len;
    char path[]; /* as asked (with the query), cut at PATH_KEPT */
} stream;

/* ---- writing ------------------------------------------------------------------------ */

static void
stream_free(stream *st)
{
    bs_web_live *live = st->loop->live;
    bs_web_access a = {
        .id = st->id,
        .id_len = st->id_len,
        .method = "GET",
        .method_len = 3,
        .path = st->path,
        .path_len = st->path_len,
        .status = 200,
        .bytes = st->bytes,
    };

    gettimeofday(&a.end, NULL);
    a.micros = (long long)(a.end.tv_sec - st->begin.tv_sec) * 1000000 +
               (a.end.tv_usec - st->begin.tv_usec);
    if (a.micros < 0)
        a.micros = 0; /* the clock was set back meanwhile */
    bs_web_live_finished(st->loop, &a);
    if (st->sock != NULL)
        h2o_socket_close(st->sock);
    h2o_linklist_unlink(&st->link);
    bs_web_showing_unlisten(live->showing, st->entry);
    atomic_fetch_sub(&live->listeners, 1);
    free(st->inflight);
    free(st->queued);
    free(st);
}

/* Make what is queued the write in flight, framed, into bufs: how many. */
static size_t
frame(stream *st, h2o_iovec_t bufs[3])
{
    size_t n = 0, len = st->queued_len;

    free(st->inflight);
    st->inflight = st->queued;
    st->queued = NULL;
    st->queued_len = st->queued_cap = 0;
    st->bytes += len;
    st->writing = true;
    st->last = st->ending;
    if (!st->chunked) {
        if (len > 0)
            bufs[n++] = h2o_iovec_init(st->inflight, len);
        return n;
    }
    if (len > 0) {
        int size_len = snprintf(st->chunk_size, sizeof(st->chunk_size), "%zx\r\n", len);
        bufs[n++] = h2o_iovec_init(st->chunk_size, (size_t)size_len);
        bufs[n++] = h2o_iovec_init(st->inflight, len);
        bufs[n++] = st->ending ? h2o_iovec_init(H2O_STRLIT("\r\n0\r\n\r\n"))
                               : h2o_iovec_init(H2O_STRLIT("\r\n"));
    } else if (st->ending) {
        bufs[n++] = h2o_iovec_init(H2O_STRLIT("0\r\n\r\n"));
    }
    return n;
}

static void on_written(h2o_socket_t *sock, const char *err);

/* Send what is queued, unless a write is in flight or the connection is
 * still being handed over; the end too when the stream is ending (then it
 * goes once that is written). */
static void
flush(stream *st)
{
    h2o_iovec_t bufs[3];
    size_t n;

    if (st->writing || st->sock == NULL || (st->queued_len == 0 && !st->ending))
        return;
    n = frame(st, bufs);
    if (n == 0) { /* ending, HTTP/1.0, nothing left: the close ends it */
        stream_free(st);
        return;
    }
    h2o_socket_write(st->sock, bufs, n, on_written);
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
        /* An event is some 200 bytes: a small first buffer, as thousands
         * of listeners each have one for a moment every second. */
        size_t cap = st->queued_cap > 0 ? st->queued_cap : 256;
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

/* The write in flight is done (or failed: the client is gone). */
static void
on_written(h2o_socket_t *sock, const char *err)
{
    stream *st = sock->data;

    free(st->inflight);
    st->inflight = NULL;
    st->writing = false;
    if (err != NULL || st->last)
        stream_free(st);
    else
        flush(st);
}

/* A listener has nothing to say: what it sends is dropped; a read that
 * fails means it went away. */
static void
on_read(h2o_socket_t *sock, const char *err)
{
    stream *st = sock->data;

    if (err != NULL) {
        stream_free(st);
        return;
    }
    h2o_buffer_consume(&sock->input, sock->input->size);
}

/* h2o wrote the headers and the first events and let the connection go
 * (sock NULL: the write failed, h2o closed it). */
static void
on_handed_over(void *data, h2o_socket_t *sock, size_t reqsize)
{
    stream *st = data;

    (void)reqsize;
    if (sock == NULL) {
        stream_free(st);
        return;
    }
    st->sock = sock;
    sock->data = st;
    if (sock->input->size > 0) /* the request, and whatever came after it */
        h2o_buffer_consume(&sock->input, sock->input->size);
    h2o_socket_read_start(sock, on_read);
    on_written(sock, NULL);
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
        if ((p->showing || p->hidden) && (int64_t)p->slot.index > st->told_last) {
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
    size_t nloops = bs_web_live_loops(live);

    (void)entry;
    for (size_t i = 0; i < nloops; i++) {
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
stream_headers(h2o_req_t *req)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/event-stream; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    bs_web_header(req, "x-accel-buffering", "no");
    bs_web_header(req, "x-content-type-options", "nosniff");
    bs_web_header(req, "access-control-allow-origin", "*");
}

static void
start(h2o_req_t *req, bs_web_live *live, const bs_ref *campaign, bs_web_view *view)
{
    size_t path_len = req->path.len > PATH_KEPT ? PATH_KEPT : req->path.len;
    ssize_t id = h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1);
    int64_t now = bs_web_live_now(live);
    h2o_iovec_t bufs[3];
    bs_web_entry *entry;
    stream *st = NULL;

    if (h2o_memis(req->method.base, req->method.len, H2O_STRLIT("HEAD"))) {
        bs_web_view_release(view);
        stream_headers(req);
        bs_web_send_bytes(req, 200, "OK", "", 0);
        return;
    }
    /* Only an HTTP/1 connection can be handed over (serve speaks no
     * HTTP/2: server.c). */
    entry = req->version < 0x200 ? bs_web_showing_listen(live->showing, campaign) : NULL;
    if (entry == NULL || (st = calloc(1, sizeof(*st) + path_len + 1)) == NULL) {
        bs_web_showing_unlisten(live->showing, entry);
        bs_web_view_release(view);
        bs_web_send_error(req, 503, "unavailable", "cannot follow this campaign now; retry");
        return;
    }
    atomic_fetch_add(&live->listeners, 1);
    st->loop = bs_web_live_loop(live, req);
    st->entry = entry;
    st->told_last = view->campaign.has_last ? (int64_t)view->campaign.last.index : -1;
    st->chunked = req->version >= 0x101;
    st->begin = req->timestamps.request_begin_at;
    if (id >= 0 && req->res.headers.entries[id].value.len <= sizeof(st->id)) {
        st->id_len = req->res.headers.entries[id].value.len;
        memcpy(st->id, req->res.headers.entries[id].value.base, st->id_len);
    }
    memcpy(st->path, req->path.base, path_len);
    st->path_len = path_len;
    h2o_linklist_insert(&st->loop->streams, &st->link);

    req->res.status = 200;
    req->res.reason = "OK";
    stream_headers(req);
    if (st->chunked)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_TRANSFER_ENCODING, NULL,
                       H2O_STRLIT("chunked"));
    emit(st, "retry: 2000\n\n", sizeof("retry: 2000\n\n") - 1);
    emit_price(st, view, now);
    bs_web_view_release(view);
    /* h2o writes the status line and headers (with "Connection: upgrade",
     * harmless without an Upgrade header) and the first events, then lets
     * the connection go: on_handed_over. */
    h2o_http1_upgrade(req, bufs, frame(st, bufs), on_handed_over, st);
    req->res.status = BS_WEB_HANDED_OVER;
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
                          "cannot read this campaign now: the store is temporarily "
                          "unavailable; retry in a few seconds");
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
    case BS_WEB_HIDDEN: /* never for a campaign */
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
