/*
 * metrics.c — see metrics.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "core/keys.h"
#include "util/metrics.h"
#include "web/call.h"
#include "web/metrics.h"
#include "web/routes.h"

/* The statuses counted by name; any other is counted as "other". */
static const int statuses[] = {200, 201, 204, 206, 301, 302, 304, 400, 401, 402, 403, 404,
                               405, 409, 413, 415, 422, 423, 429, 500, 502, 503, 504, 507};
#define NSTATUS (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Bucket bounds, in microseconds (and the same in seconds for the page). */
static const int64_t bounds_us[] = {500,    1000,   2500,   5000,    10000,   25000,   50000,
                                    100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000};
static const char *const bounds_text[] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                          "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                          "1",      "2.5",   "5",      "10"};
#define NBUCKET (sizeof(bounds_us) / sizeof(bounds_us[0]) + 1) /* the last: +Inf */

struct bs_web_requests {
    size_t nroutes;                /* and one more row: "none" */
    atomic_uint_fast64_t *counts;  /* [row][status] */
    atomic_uint_fast64_t *buckets; /* [row][bucket], not cumulative */
    atomic_uint_fast64_t *sum_us;  /* [row] */
};

bs_web_requests *
bs_metrics_requests_new(size_t nroutes)
{
    bs_web_requests *r = calloc(1, sizeof(*r));
    size_t rows = nroutes + 1;

    if (r == NULL)
        return NULL;
    r->nroutes = nroutes;
    r->counts = calloc(rows * NSTATUS, sizeof(*r->counts));
    r->buckets = calloc(rows * NBUCKET, sizeof(*r->buckets));
    r->sum_us = calloc(rows, sizeof(*r->sum_us));
    if (r->counts == NULL || r->buckets == NULL || r->sum_us == NULL) {
        free(r->counts);
        free(r->buckets);
        free(r->sum_us);
        free(r);
        return NULL;
    }
    /* calloc's zeros are valid atomics at zero on every platform we build
     * for; atomic_init would say the same thing slower. */
    return r;
}

/* One more, by the one thread that writes this counter. */
static void
bump(atomic_uint_fast64_t *c, uint_fast64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}

void
bs_metrics_observe(bs_web_loop *loop, const char *method, size_t method_len, const char *path,
                   size_t path_len, int status, int64_t micros)
{
    bs_web_requests *r = loop->requests;
    char params[BS_WEB_PARAMS_MAX][BS_WEB_PARAM_MAX];
    const bs_web_route *route;
    size_t nparams, row, s, bucket;
    bool known;

    route = bs_web_route_find(method, method_len, path, path_len, params, &nparams, &known);
    row = route != NULL ? (size_t)(route - bs_web_routes) : r->nroutes;
    if (row > r->nroutes)
        row = r->nroutes;
    for (s = 0; s < NSTATUS - 1 && statuses[s] != status; s++)
        ;
    if (micros < 0)
        micros = 0;
    for (bucket = 0; bucket < NBUCKET - 1 && micros > bounds_us[bucket]; bucket++)
        ;
    bump(&r->counts[row * NSTATUS + s], 1);
    bump(&r->buckets[row * NBUCKET + bucket], 1);
    bump(&r->sum_us[row], (uint_fast64_t)micros);
}

/* ---- the page ----------------------------------------------------------------------- */

typedef struct text {
    char *data;
    size_t len;
    size_t cap;
    bool failed;
} text;

static void add(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add(text *t, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (t->failed)
        return;
    for (;;) {
        size_t room = t->cap - t->len;
        char *grown;

        va_start(ap, fmt);
        n = vsnprintf(t->data != NULL ? t->data + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        grown = realloc(t->data, t->cap * 2 + (size_t)n + 1);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->cap = t->cap * 2 + (size_t)n + 1;
    }
}

static const char *
route_label(const bs_web_live *live, size_t row)
{
    return row < live->nroutes ? bs_web_routes[row].pattern : "none";
}

static void
requests_part(text *t, const bs_web_live *live)
{
    size_t rows = live->nroutes + 1, nloops = bs_web_live_loops(live);

    add(t, "# HELP bitslot_http_requests_total HTTP requests answered, by route and status\n"
           "# TYPE bitslot_http_requests_total counter\n");
    for (size_t row = 0; row < rows; row++)
        for (size_t s = 0; s < NSTATUS; s++) {
            uint64_t n = 0;
            char status[8];
            for (size_t l = 0; l < nloops; l++)
                n += atomic_load_explicit(&live->loops[l]->requests->counts[row * NSTATUS + s],
                                          memory_order_relaxed);
            if (n == 0)
                continue;
            if (s < NSTATUS - 1)
                snprintf(status, sizeof(status), "%d", statuses[s]);
            else
                snprintf(status, sizeof(status), "other");
            add(t, "bitslot_http_requests_total{route=\"%s\",status=\"%s\"} %" PRIu64 "\n",
                route_label(live, row), status, n);
        }
    add(t, "# HELP bitslot_http_request_duration_seconds time to answer a request (a live "
           "events stream: its whole life)\n"
           "# TYPE bitslot_http_request_duration_seconds histogram\n");
    for (size_t row = 0; row < rows; row++) {
        uint64_t counts[NBUCKET] = {0}, total = 0, sum_us = 0;
        for (size_t l = 0; l < nloops; l++) {
            bs_web_requests *r = live->loops[l]->requests;
            for (size_t b = 0; b < NBUCKET; b++)
                counts[b] +=
                    atomic_load_explicit(&r->buckets[row * NBUCKET + b], memory_order_relaxed);
            sum_us += atomic_load_explicit(&r->sum_us[row], memory_order_relaxed);
        }
        for (size_t b = 0; b < NBUCKET; b++)
            total += counts[b];
        if (total == 0)
            continue;
        uint64_t cumulative = 0;
        for (size_t b = 0; b < NBUCKET; b++) {
            cumulative += counts[b];
            add(t,
                "bitslot_http_request_duration_seconds_bucket{route=\"%s\",le=\"%s\"} %" PRIu64
                "\n",
                route_label(live, row), b < NBUCKET - 1 ? bounds_text[b] : "+Inf", cumulative);
        }
        add(t,
            "bitslot_http_request_duration_seconds_sum{route=\"%s\"} %" PRIu64 ".%06" PRIu64 "\n",
            route_label(live, row), sum_us / 1000000, sum_us % 1000000);
        add(t, "bitslot_http_request_duration_seconds_count{route=\"%s\"} %" PRIu64 "\n",
            route_label(live, row), total);
    }
}

static void
gauge(text *t, const char *name, const char *help, int64_t value)
{
    add(t, "# HELP %s %s\n# TYPE %s gauge\n%s %" PRId64 "\n", name, help, name, name, value);
}

static void
counter(text *t, const char *name, const char *help, int64_t value)
{
    add(t, "# HELP %s %s\n# TYPE %s counter\n%s %" PRId64 "\n", name, help, name, name, value);
}

static void
send_page(h2o_req_t *req, bs_web_live *live)
{
    text t = {NULL, 0, 0, false};
    int64_t impressions, clicks, keys = atomic_load(&live->keys_left);
    size_t campaigns, images;

    requests_part(&t, live);
    for (int m = 0; m < BS__METRIC_COUNT; m++)
        counter(&t, bs_metric_name((bs_metric)m), bs_metric_help((bs_metric)m),
                bs_metric_get((bs_metric)m));
    gauge(&t, "bitslot_sse_listeners", "live event streams open", atomic_load(&live->listeners));
    if (keys >= 0)
        gauge(&t, "bitslot_keys_left", "deposit keys left to hand out (read at most once a minute)",
              keys);
    bs_web_showing_sizes(live->showing, &campaigns, &images);
    gauge(&t, "bitslot_watched_campaigns", "campaigns whose embed or events this process keeps",
          (int64_t)campaigns);
    gauge(&t, "bitslot_images_cached", "ad images this process holds in memory", (int64_t)images);
    bs_web_tally_totals(live->tally, &impressions, &clicks);
    counter(&t, "bitslot_impressions_total", "embeds answered while a slot showed", impressions);
    counter(&t, "bitslot_clicks_total", "redirects to an ad answered", clicks);
    if (t.failed) {
        free(t.data);
        bs_web_send_error(req, 503, "unavailable", "the server is out of memory; retry later");
        return;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/plain; version=0.0.4; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    req->res.status = 200;
    req->res.reason = "OK";
    h2o_send_inline(req, t.data != NULL ? t.data : "", t.len);
    free(t.data);
}

/* ---- the keys left, on a worker ----------------------------------------------------- */

typedef struct keys_job {
    bs_web_defer d;
} keys_job;

static void
keys_work(bs_web_defer *d, bs_ctx *ctx)
{
    bs_keys_stats stats;

    if (bs_keys_status(ctx, &stats) == BS_OK)
        atomic_store(&d->live->keys_left, stats.available);
    atomic_store(&d->live->keys_read_at, bs_clock_monotonic_ms());
    atomic_store(&d->live->keys_reading, false);
}

static void
keys_answer(bs_web_defer *d, h2o_req_t *req)
{
    if (req != NULL)
        send_page(req, d->live);
}

void
bs_metrics_page(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX], size_t nparams)
{
    int64_t read_at = atomic_load(&live->keys_read_at);
    bool first = read_at == 0;
    keys_job *j;

    (void)params;
    (void)nparams;
    if (!first && bs_clock_monotonic_ms() - read_at < BS_METRICS_KEYS_SECONDS * 1000) {
        send_page(req, live);
        return;
    }
    /* Read the keys again: the first scrape waits for it, later ones
     * show the last count meanwhile. */
    if (!first && atomic_exchange(&live->keys_reading, true)) {
        send_page(req, live);
        return;
    }
    if (first)
        atomic_store(&live->keys_reading, true);
    if ((j = calloc(1, sizeof(*j))) == NULL) {
        atomic_store(&live->keys_reading, false);
        send_page(req, live);
        return;
    }
    j->d.work = keys_work;
    j->d.answer = keys_answer;
    bs_web_defer_submit(live, first ? req : NULL, &j->d);
    if (!first)
        send_page(req, live);
}
