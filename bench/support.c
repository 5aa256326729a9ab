/*
 * support.c — see support.h. The buyers' loop is the one place that decides
 * what a purchase of the benchmarks is: quote the campaign, set the buyer's
 * clock to the slot's time, buy exactly that slot.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <gd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/accounts.h"
#include "core/ads.h"
#include "core/campaigns.h"
#include "core/credit.h"
#include "core/purchase.h"
#include "support.h"

double
bench_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
bench_scale(void)
{
    const char *text = getenv("BENCH_SCALE");
    char *end;
    double scale;

    if (text == NULL || text[0] == '\0')
        return 1;
    scale = strtod(text, &end);
    if (*end != '\0' || !(scale > 0)) {
        fprintf(stderr, "bench: BENCH_SCALE=%s is not a positive number\n", text);
        exit(1);
    }
    return scale;
}

void
bench_fail(const char *what, bs_status st)
{
    fprintf(stderr, "bench: %s: %s\n", what, bs_strerror(st));
    exit(1);
}

char *
bench_tmpdir(const char *parent)
{
    const char *tmp = getenv("TMPDIR");
    size_t size;
    char *dir;

    if (parent == NULL)
        parent = tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp";
    size = strlen(parent) + sizeof("/bitslot-bench-XXXXXX");
    dir = malloc(size);
    if (dir == NULL)
        bench_fail("scratch directory", BS_NOMEM);
    snprintf(dir, size, "%s/bitslot-bench-XXXXXX", parent);
    if (mkdtemp(dir) == NULL) {
        perror(dir);
        exit(1);
    }
    return dir;
}

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void
bench_remove_tree(const char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

bs_store *
bench_open(const char *url)
{
    bs_store *store;
    bs_status st = bs_store_open(url, &store);

    if (st != BS_OK) {
        fprintf(stderr, "bench: cannot open %s: %s\n", url, bs_strerror(st));
        exit(1);
    }
    return store;
}

void
bench_ctx(bs_ctx *ctx, bs_store *store, const int64_t *now)
{
    bs_ctx_init(ctx, store);
    ctx->clock = bs_clock_fixed(now);
}

static void
create_account(bs_ctx *ctx, const char *name)
{
    char key[BS_API_KEY_LEN + 1];
    bs_status st = bs_accounts_create(ctx, name, "password1", 9, key);

    if (st != BS_OK)
        bench_fail(name, st);
}

void
bench_market(bs_store *store, int count, bench_buyer *out)
{
    gdImagePtr im = gdImageCreateTrueColor(BENCH_AD_SIDE, BENCH_AD_SIDE);
    int64_t now = BENCH_T0, balance;
    unsigned char *png;
    int png_len;
    bs_ctx ctx;
    bs_status st;

    if (im == NULL)
        bench_fail("ad image", BS_NOMEM);
    png = gdImagePngPtr(im, &png_len);
    gdImageDestroy(im);
    if (png == NULL)
        bench_fail("ad image", BS_NOMEM);
    bench_ctx(&ctx, store, &now);
    st = bs_credit_ensure_operator(&ctx);
    if (st != BS_OK)
        bench_fail("the operator's account", st);
    for (int i = 0; i < count; i++) {
        bs_ad_upload up = {out[i].name, png, (size_t)png_len, "https://example.com/", NULL,
                           NULL,        NULL};
        bs_image_reason reason;
        bs_ad_problem problem;
        bs_ad ad;

        snprintf(out[i].name, sizeof(out[i].name), "b%02d", i);
        create_account(&ctx, out[i].name);
        st = bs_accounts_adjust(&ctx, out[i].name, BENCH_BALANCE, "bench", &balance);
        if (st == BS_OK)
            st = bs_ads_add(&ctx, &up, &ad, &problem, &reason);
        if (st != BS_OK)
            bench_fail(out[i].name, st);
        out[i].ad = ad.id;
    }
    gdFree(png);
}

void
bench_seller(bs_store *store, const char *name)
{
    int64_t now = BENCH_T0;
    bs_ctx ctx;

    bench_ctx(&ctx, store, &now);
    create_account(&ctx, name);
}

void
bench_campaigns(bs_store *store, const char *owner, size_t count, bs_ref *out)
{
    bs_campaign_terms terms = {owner, BENCH_PRICE, 60, BENCH_AD_SIDE, BENCH_AD_SIDE, NULL, NULL};
    int64_t now = BENCH_T0;
    bs_ctx ctx;

    bench_ctx(&ctx, store, &now);
    for (size_t i = 0; i < count; i++) {
        bs_status st = bs_campaigns_create(&ctx, &terms, &out[i]);
        if (st != BS_OK)
            bench_fail("campaign create", st);
    }
}

/* What the buyer threads of a bench_buying share. */
typedef struct buying_shared {
    atomic_size_t next_campaign;
    atomic_long bought; /* so far, for the progress lines */
    atomic_int running;
} buying_shared;

/* One buyer thread of a bench_buying. */
typedef struct buyer_job {
    bench_buying *b;
    const bench_buyer *buyer;
    buying_shared *shared;
    double deadline; /* 0: none */
    long bought, lost;
    bs_status failure;
} buyer_job;

/* Buy the next slot of `campaign` as the job's buyer: BS_OK, or BS_SOLD when
 * the race for it was lost (counted, to retry). */
static bs_status
buy_next(buyer_job *job, bs_ctx *ctx, int64_t *now, const bs_ref *campaign)
{
    bs_purchase_order order = {
        .buyer = job->buyer->name, .campaign = *campaign, .ad = job->buyer->ad, .max_price = -1};
    bs_purchase_result res;
    bs_purchase_quote q;
    bs_status st = bs_purchase_quote_now(ctx, campaign, &q);

    if (st != BS_OK)
        return st;
    *now = BENCH_T0 + (int64_t)q.next_slot * 61;
    order.expect_slot = q.next_slot;
    st = bs_purchase_buy(ctx, &order, &res);
    if (st == BS_OK) {
        job->bought++;
        atomic_fetch_add(&job->shared->bought, 1);
        return BS_OK;
    }
    if (st == BS_SOLD || st == BS_STALE || st == BS_CONFLICT) {
        job->lost++;
        return BS_SOLD;
    }
    return st;
}

static bool
time_is_up(const buyer_job *job)
{
    return job->deadline > 0 && bench_seconds() >= job->deadline;
}

static void
buy_loop(buyer_job *job)
{
    bench_buying *b = job->b;
    int64_t now = BENCH_T0;
    bs_ctx ctx;

    bench_ctx(&ctx, b->store, &now);
    while (!time_is_up(job)) {
        size_t c = b->race ? 0 : atomic_fetch_add(&job->shared->next_campaign, 1);
        long here = 0;

        if (c >= b->campaign_count)
            break;
        while ((b->per_campaign == 0 || here < b->per_campaign) && !time_is_up(job)) {
            bs_status st = buy_next(job, &ctx, &now, &b->campaigns[c]);
            if (st == BS_OK)
                here++;
            else if (st != BS_SOLD) {
                job->failure = st;
                return;
            }
        }
    }
}

static void *
buyer_thread(void *arg)
{
    buyer_job *job = arg;

    buy_loop(job);
    atomic_fetch_sub(&job->shared->running, 1);
    return NULL;
}

/* Until the threads are done, a line every b->progress seconds. */
static void
show_progress(const bench_buying *b, buying_shared *shared, double start)
{
    double last = start;

    while (atomic_load(&shared->running) > 0) {
        struct timespec nap = {0, 200 * 1000 * 1000};
        double now = bench_seconds();

        if (now - last >= b->progress) {
            long bought = atomic_load(&shared->bought);
            printf("    ... %ld bought in %.0f s (%.0f/s)\n", bought, now - start,
                   (double)bought / (now - start));
            last = now;
        }
        nanosleep(&nap, NULL);
    }
}

void
bench_buy(bench_buying *b)
{
    pthread_t tids[BENCH_BUYERS_MAX];
    buyer_job jobs[BENCH_BUYERS_MAX];
    buying_shared shared = {0, 0, b->threads};
    double start = bench_seconds();

    if (b->threads < 1 || b->threads > BENCH_BUYERS_MAX ||
        (b->per_campaign == 0 && b->seconds <= 0))
        bench_fail("bench_buy", BS_INVALID);
    for (int t = 0; t < b->threads; t++) {
        jobs[t] = (buyer_job){b, &b->buyers[t], &shared, b->seconds > 0 ? start + b->seconds : 0, 0,
                              0, BS_OK};
        if (pthread_create(&tids[t], NULL, buyer_thread, &jobs[t]) != 0)
            bench_fail("pthread_create", BS_NOMEM);
    }
    if (b->progress > 0)
        show_progress(b, &shared, start);
    b->bought = b->lost = 0;
    for (int t = 0; t < b->threads; t++) {
        pthread_join(tids[t], NULL);
        if (jobs[t].failure != BS_OK)
            bench_fail(jobs[t].buyer->name, jobs[t].failure);
        b->bought += jobs[t].bought;
        b->lost += jobs[t].lost;
    }
    b->elapsed = bench_seconds() - start;
}

double
bench_buy_rate(const bench_buying *b)
{
    return b->elapsed > 0 ? (double)b->bought / b->elapsed : 0;
}

static void
census_add(bench_census *census, const char *key)
{
    const size_t other = sizeof(census->kind) / sizeof(census->kind[0]) - 1;
    size_t len = strcspn(key, "/"), i;

    if (len >= sizeof(census->kind[0].name))
        len = sizeof(census->kind[0].name) - 1; /* kinds are short words */

    for (i = 0; i < census->kinds; i++)
        if (strncmp(census->kind[i].name, key, len) == 0 && census->kind[i].name[len] == '\0')
            break;
    if (i == census->kinds) {
        if (i >= other) {
            i = other;
            snprintf(census->kind[i].name, sizeof(census->kind[i].name), "other");
        } else {
            snprintf(census->kind[i].name, sizeof(census->kind[i].name), "%.*s", (int)len, key);
        }
        census->kinds = i + 1;
    }
    census->kind[i].count++;
    census->total++;
}

void
bench_count(bs_store *store, bench_census *census)
{
    char after[BS_STORE_KEY_MAX + 1] = "";
    bool more;

    memset(census, 0, sizeof(*census));
    do {
        bs_store_page page;
        bs_status st = bs_store_scan(store, "", after, BS_STORE_SCAN_MAX, &page);

        if (st != BS_OK)
            bench_fail("scan", st);
        for (size_t i = 0; i < page.count; i++)
            census_add(census, page.docs[i].key);
        if (page.count > 0)
            snprintf(after, sizeof(after), "%s", page.docs[page.count - 1].key);
        more = page.more;
        bs_store_page_release(&page);
    } while (more);
}

void
bench_census_print(const char *label, const bench_census *census)
{
    printf("%s: %zu documents:", label, census->total);
    for (size_t i = 0; i < census->kinds; i++)
        printf(" %s %zu%s", census->kind[i].name, census->kind[i].count,
               i + 1 < census->kinds ? "," : "\n");
}
