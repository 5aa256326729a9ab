/*
 * tally.c — see tally.h. A chained hash table of counters under one mutex
 * (taken to find or create a counter, never to count), and a thread that
 * writes them every BS_WEB_TALLY_SECONDS.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/stats.h"
#include "util/log.h"
#include "web/tally.h"

#define BUCKETS      1024
#define IDLE_SECONDS 60 /* an unheld, written counter is dropped after this */

struct bs_web_count {
    bs_web_count *next; /* in its bucket (under the table's lock) */
    bs_web_tally *tally;
    atomic_int_fast64_t impressions; /* counted by the loops */
    atomic_int_fast64_t clicks;
    atomic_int refs; /* holders; the table's own link is not one */
    /* The flusher's alone: */
    bs_stats_mine mine;          /* the store's document as last written */
    int64_t written_impressions; /* of `impressions`, how many are in `mine` */
    int64_t written_clicks;
    time_t idle_since; /* 0: held or not all written */
};

struct bs_web_tally {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping; /* under lock */
    bs_web_count *buckets[BUCKETS];
    int64_t gone_impressions; /* of counters dropped (under lock) */
    int64_t gone_clicks;
    bs_ctx ctx;
    char process[BS_ID_LEN + 1];
    pthread_t thread;
    bool started;
};

static size_t
bucket_of(const bs_ref *campaign, uint32_t slot)
{
    uint64_t h = 1469598103934665603u;

    for (const char *p = campaign->owner; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    h = (h ^ campaign->index) * 1099511628211u;
    h = (h ^ slot) * 1099511628211u;
    return (size_t)(h % BUCKETS);
}

bs_web_count *
bs_web_tally_count(bs_web_tally *t, const bs_ref *campaign, uint32_t slot)
{
    size_t b = bucket_of(campaign, slot);
    bs_web_count *c;

    pthread_mutex_lock(&t->lock);
    for (c = t->buckets[b]; c != NULL; c = c->next)
        if (c->mine.doc.slot == slot && bs_ref_equal(&c->mine.doc.campaign, campaign))
            break;
    if (c == NULL && (c = calloc(1, sizeof(*c))) != NULL) {
        c->tally = t;
        atomic_init(&c->impressions, 0);
        atomic_init(&c->clicks, 0);
        atomic_init(&c->refs, 0);
        bs_stats_mine_init(&c->mine, campaign, slot, t->process);
        c->next = t->buckets[b];
        t->buckets[b] = c;
    }
    if (c != NULL) {
        atomic_fetch_add(&c->refs, 1);
        c->idle_since = 0;
    }
    pthread_mutex_unlock(&t->lock);
    return c;
}

void
bs_web_count_release(bs_web_count *c)
{
    if (c != NULL)
        atomic_fetch_sub(&c->refs, 1);
}

void
bs_web_count_impression(bs_web_count *c)
{
    atomic_fetch_add_explicit(&c->impressions, 1, memory_order_relaxed);
}

void
bs_web_count_click(bs_web_count *c)
{
    atomic_fetch_add_explicit(&c->clicks, 1, memory_order_relaxed);
}

void
bs_web_tally_totals(bs_web_tally *t, int64_t *impressions, int64_t *clicks)
{
    pthread_mutex_lock(&t->lock);
    *impressions = t->gone_impressions;
    *clicks = t->gone_clicks;
    for (size_t b = 0; b < BUCKETS; b++)
        for (bs_web_count *c = t->buckets[b]; c != NULL; c = c->next) {
            *impressions += atomic_load_explicit(&c->impressions, memory_order_relaxed);
            *clicks += atomic_load_explicit(&c->clicks, memory_order_relaxed);
        }
    pthread_mutex_unlock(&t->lock);
}

/* ---- the flusher ------------------------------------------------------------------- */

/* Write one counter's news; on failure they stay for the next time. */
static void
write_count(bs_web_tally *t, bs_web_count *c)
{
    int64_t impressions = atomic_load(&c->impressions), clicks = atomic_load(&c->clicks);
    char ref[BS_REF_MAX];
    bs_status st;

    if (impressions == c->written_impressions && clicks == c->written_clicks)
        return;
    st = bs_stats_record(&t->ctx, &c->mine, impressions - c->written_impressions,
                         clicks - c->written_clicks);
    if (st == BS_OK) {
        c->written_impressions = impressions;
        c->written_clicks = clicks;
        return;
    }
    bs_slot_ref_format(&c->mine.doc.campaign, c->mine.doc.slot, ref);
    bs_log_warning("counts of slot %s: not written (%s); trying again in %d s", ref,
                   bs_strerror(st), BS_WEB_TALLY_SECONDS);
}

/* Write every counter with news, then drop those nobody needs any more. */
static void
flush(bs_web_tally *t)
{
    bs_web_count **todo = NULL;
    size_t n = 0, cap = 0;
    time_t now = time(NULL);

    pthread_mutex_lock(&t->lock);
    for (size_t b = 0; b < BUCKETS; b++)
        for (bs_web_count *c = t->buckets[b]; c != NULL; c = c->next) {
            if (atomic_load(&c->impressions) == c->written_impressions &&
                atomic_load(&c->clicks) == c->written_clicks)
                continue;
            if (n == cap) {
                size_t grown_cap = cap > 0 ? cap * 2 : 64;
                bs_web_count **grown = realloc(todo, grown_cap * sizeof(*todo));
                if (grown == NULL)
                    break; /* the rest next time */
                todo = grown;
                cap = grown_cap;
            }
            atomic_fetch_add(&c->refs, 1);
            todo[n++] = c;
        }
    pthread_mutex_unlock(&t->lock);

    for (size_t i = 0; i < n; i++) {
        write_count(t, todo[i]);
        bs_web_count_release(todo[i]);
    }
    free(todo);

    pthread_mutex_lock(&t->lock);
    for (size_t b = 0; b < BUCKETS; b++) {
        bs_web_count **link = &t->buckets[b];
        while (*link != NULL) {
            bs_web_count *c = *link;
            bool done = atomic_load(&c->refs) == 0 &&
                        atomic_load(&c->impressions) == c->written_impressions &&
                        atomic_load(&c->clicks) == c->written_clicks;
            if (!done) {
                c->idle_since = 0;
            } else if (c->idle_since == 0) {
                c->idle_since = now;
            } else if (now - c->idle_since >= IDLE_SECONDS) {
                *link = c->next;
                t->gone_impressions += c->written_impressions;
                t->gone_clicks += c->written_clicks;
                free(c);
                continue;
            }
            link = &c->next;
        }
    }
    pthread_mutex_unlock(&t->lock);
}

static void *
run_flusher(void *arg)
{
    bs_web_tally *t = arg;
    struct timespec until;

    pthread_mutex_lock(&t->lock);
    while (!t->stopping) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += BS_WEB_TALLY_SECONDS;
        while (!t->stopping && pthread_cond_timedwait(&t->wake, &t->lock, &until) == 0)
            ;
        if (t->stopping)
            break;
        pthread_mutex_unlock(&t->lock);
        flush(t);
        pthread_mutex_lock(&t->lock);
    }
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

bs_status
bs_web_tally_start(const bs_ctx *ctx, const char process[BS_ID_LEN + 1], bs_web_tally **out)
{
    bs_web_tally *t = calloc(1, sizeof(*t));

    *out = NULL;
    if (t == NULL)
        return BS_NOMEM;
    pthread_mutex_init(&t->lock, NULL);
    pthread_cond_init(&t->wake, NULL);
    t->ctx = *ctx;
    t->ctx.node = NULL;
    memcpy(t->process, process, sizeof(t->process));
    if (pthread_create(&t->thread, NULL, run_flusher, t) != 0) {
        pthread_cond_destroy(&t->wake);
        pthread_mutex_destroy(&t->lock);
        free(t);
        return BS_NOMEM;
    }
    t->started = true;
    *out = t;
    return BS_OK;
}

void
bs_web_tally_stop(bs_web_tally *t)
{
    if (t == NULL || !t->started)
        return;
    pthread_mutex_lock(&t->lock);
    t->stopping = true;
    pthread_cond_signal(&t->wake);
    pthread_mutex_unlock(&t->lock);
    pthread_join(t->thread, NULL);
    t->started = false;
    flush(t);
}
