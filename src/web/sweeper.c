/*
 * sweeper.c — see sweeper.h.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/books.h"
#include "core/credit.h"
#include "core/payout.h"
#include "core/funding.h"
#include "core/recover.h"
#include "core/sessions.h"
#include "core/throttle.h"
#include "web/sweeper.h"

/* Sales since the sweeper last looked (hints, deduplicated). */
#define SOLD_MAX 256

typedef struct sale {
    bs_ref campaign;
    bs_name buyer;
} sale;

struct bs_web_sweeper {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;       /* under lock */
    sale sold[SOLD_MAX]; /* under lock */
    size_t sold_count;   /* under lock */
    int64_t interval;
    bs_ctx ctx;
};

void
bs_web_sweeper_sold(void *arg, const bs_ref *campaign, const char *buyer)
{
    bs_web_sweeper *s = arg;
    sale *next;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->sold_count; i++) {
        if (bs_ref_equal(&s->sold[i].campaign, campaign) && strcmp(s->sold[i].buyer, buyer) == 0) {
            pthread_mutex_unlock(&s->lock);
            return;
        }
    }
    if (s->sold_count < SOLD_MAX) {
        next = &s->sold[s->sold_count++];
        next->campaign = *campaign;
        snprintf(next->buyer, sizeof(next->buyer), "%s", buyer);
        pthread_cond_signal(&s->wake);
    }
    pthread_mutex_unlock(&s->lock);
}

/* Credit the sales hinted and copy their buyers' entries out (called and
 * returning with s->lock held). */
static void
credit_sold(bs_web_sweeper *s)
{
    sale sold[SOLD_MAX];
    size_t count = s->sold_count;

    memcpy(sold, s->sold, count * sizeof(sold[0]));
    s->sold_count = 0;
    pthread_mutex_unlock(&s->lock);
    for (size_t i = 0; i < count; i++) {
        bs_status st = bs_credit_campaign(&s->ctx, &sold[i].campaign);

        if (st == BS_OK)
            st = bs_books_flush(&s->ctx, sold[i].buyer);
        if (st != BS_OK)
            fprintf(stderr, "bitslot: credit of a sale of %s/%u left for the sweep: %s\n",
                    sold[i].campaign.owner, (unsigned)sold[i].campaign.index, bs_strerror(st));
    }
    pthread_mutex_lock(&s->lock);
}

static void
note_problem(void *arg, const bs_recover_problem *p)
{
    (void)arg;
    fprintf(stderr, "bitslot: sweep: left for later: %s \"%s\" (%s): %s\n",
            p->campaign != NULL ? "campaign" : "account",
            p->campaign != NULL  ? p->campaign
            : p->account != NULL ? p->account
                                 : "",
            p->step, bs_strerror(p->status));
}

/* Withdrawals: their failure (the node away) is said and left for the
 * next sweep; it stops nothing else. */
static void
pay_out(bs_web_sweeper *s)
{
    bs_payout_report p;
    bs_status st = bs_payout_process(&s->ctx, &p);

    if (st != BS_OK)
        fprintf(stderr, "bitslot: sweep: payouts left for later: %s\n", bs_strerror(st));
    if (p.paid + p.refused + p.broadcast + p.confirmed + p.stuck > 0)
        fprintf(stderr,
                "bitslot: sweep: withdrawals: %zu paid%s%s, %zu refused%s%s, %zu transactions "
                "broadcast, %zu confirmed, %zu transactions the node will not take\n",
                p.paid, p.txid[0] != '\0' ? " by " : "", p.txid, p.refused,
                p.reason[0] != '\0' ? ": " : "", p.reason, p.broadcast, p.confirmed, p.stuck);
}

static void
sweep_once(bs_web_sweeper *s)
{
    bs_recover_report r = {0, 0, 0, 0, 0};
    bs_sweep_report f = {0, 0, 0};
    bs_status st = bs_recover_all(&s->ctx, &r, note_problem, NULL);

    size_t sessions = 0, damaged = 0, throttles = 0;
    bool node_down = false;

    if (st == BS_OK && s->ctx.node != NULL) {
        st = bs_funding_sweep(&s->ctx, &f, note_problem, NULL);
        /* The node away stops the deposits' sweep only: what follows but
         * payouts needs no node, and payouts would only meet it away too. */
        node_down = st == BS_NODE_DOWN;
        if (node_down) {
            fprintf(stderr, "bitslot: sweep: deposits left for later: %s\n", bs_strerror(st));
            st = BS_OK;
        }
    }
    /* Sessions nobody came back to, and throttle windows long over. */
    if (st == BS_OK)
        st = bs_sessions_sweep(&s->ctx, &sessions, &damaged);
    if (st == BS_OK)
        st = bs_throttle_sweep(&s->ctx, 2 * BS_THROTTLE_WINDOW, &throttles);
    if (st == BS_OK && s->ctx.payout != NULL && !node_down)
        pay_out(s);
    if (damaged > 0)
        fprintf(stderr, "bitslot: sweep: %zu damaged session documents left alone\n", damaged);
    if (st != BS_OK)
        fprintf(stderr, "bitslot: sweep: stopped: %s\n", bs_strerror(st));
    else if (r.purchases + r.imports + f.keys_finished + f.credits + r.problems + f.problems > 0)
        fprintf(stderr,
                "bitslot: sweep: %zu purchases and %zu key imports finished, %zu key hand-outs "
                "finished, %zu late deposits credited, %zu left for later\n",
                r.purchases, r.imports, f.keys_finished, f.credits, r.problems + f.problems);
}

static void *
run_sweeper(void *arg)
{
    bs_web_sweeper *s = arg;
    struct timespec until;

    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        pthread_mutex_unlock(&s->lock);
        sweep_once(s);
        pthread_mutex_lock(&s->lock);
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_sec += s->interval;
        while (!s->stopping) {
            if (s->sold_count > 0)
                credit_sold(s);
            else if (pthread_cond_timedwait(&s->wake, &s->lock, &until) != 0)
                break; /* time for the next sweep */
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

bs_status
bs_web_sweeper_start(const bs_ctx *ctx, const char *node_url, const char *payout_wallet,
                     int64_t interval, bs_web_sweeper **out)
{
    bs_web_sweeper *s = calloc(1, sizeof(*s));
    bs_status st = BS_OK;

    *out = NULL;
    if (s == NULL)
        return BS_NOMEM;
    s->interval = interval > 0 ? interval : 1;
    s->ctx = *ctx;
    s->ctx.node = NULL;
    s->ctx.payout = NULL;
    if (node_url != NULL)
        st = bs_rpc_open(node_url, NULL, &s->ctx.node);
    if (st == BS_OK && node_url != NULL && payout_wallet != NULL)
        st = bs_rpc_open_wallet(s->ctx.node, payout_wallet, &s->ctx.payout);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    if (st == BS_OK && pthread_create(&s->thread, NULL, run_sweeper, s) != 0)
        st = BS_NOMEM;
    if (st != BS_OK) {
        bs_rpc_close(s->ctx.payout);
        bs_rpc_close(s->ctx.node);
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return st;
    }
    *out = s;
    return BS_OK;
}

void
bs_web_sweeper_stop(bs_web_sweeper *s)
{
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    bs_rpc_close(s->ctx.payout);
    bs_rpc_close(s->ctx.node);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s);
}
