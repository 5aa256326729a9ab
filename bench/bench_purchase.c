/*
 * bench_purchase.c — slot purchases per second, whole protocol (intent,
 * slot, debit, campaign, seller and fee credits, ledger copies), durable:
 *   A. 1 buyer on 1 campaign (the baseline);
 *   B. 16 buyers, each on a campaign of its own (no shared document);
 *   C. 16 buyers racing for the next slot of one campaign.
 * A benchmark, not a test: it prints rates and the ratios B/A and C/A of
 * one run (the machine is shared and noisy; compare ratios).
 *
 * usage: bench_purchase [STORE-URL]   (default: a fresh LMDB store in $TMPDIR;
 *        give an empty etcd, e.g. via tools/with-etcd, to measure etcd)
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <ftw.h>
#include <gd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/accounts.h"
#include "core/ads.h"
#include "core/campaigns.h"
#include "core/credit.h"
#include "core/purchase.h"

#define BUYERS    16
#define PER_BUYER 25
#define T0        1800000000

typedef struct job {
    bs_store *store;
    int buyer;
    int campaign; /* the campaign bought from */
    int count;    /* slots to buy (shared campaign: until it has this many) */
    bool shared;
    int done;
    bs_status failure;
} job;

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static double
now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The clock of slot n: each one sells after the previous ended (60 s). */
static int64_t
slot_time(uint32_t n)
{
    return T0 + (int64_t)n * 61;
}

static void *
buy_loop(void *arg)
{
    job *j = arg;
    int64_t now = T0;
    bs_purchase_order order = {.max_price = -1};
    char name[16];
    bs_ctx ctx;

    bs_ctx_init(&ctx, j->store);
    ctx.clock = bs_clock_fixed(&now);
    snprintf(name, sizeof(name), "b%02d", j->buyer);
    order.buyer = name;
    snprintf(order.campaign.owner, sizeof(order.campaign.owner), "seller");
    order.campaign.index = (uint32_t)j->campaign;
    snprintf(order.ad.owner, sizeof(order.ad.owner), "%s", name);
    while (j->failure == BS_OK) {
        bs_purchase_quote q;
        bs_purchase_result res;
        bs_status st = bs_purchase_quote_now(&ctx, &order.campaign, &q);

        if (st != BS_OK || (j->shared ? (int)q.next_slot : j->done) >= j->count) {
            j->failure = st;
            break;
        }
        now = slot_time(q.next_slot);
        order.expect_slot = q.next_slot;
        st = bs_purchase_buy(&ctx, &order, &res);
        if (st == BS_OK)
            j->done++;
        else if (st != BS_SOLD && st != BS_STALE && st != BS_CONFLICT)
            j->failure = st;
    }
    return NULL;
}

/* Run `threads` buyers; return slots bought per second. */
static double
run(bs_store *store, int threads, int first_campaign, bool shared, int count)
{
    pthread_t tids[BUYERS];
    job jobs[BUYERS];
    double start = now_seconds();
    int total = 0;

    for (int t = 0; t < threads; t++) {
        jobs[t] =
            (job){store, t, shared ? first_campaign : first_campaign + t, count, shared, 0, BS_OK};
        pthread_create(&tids[t], NULL, buy_loop, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        if (jobs[t].failure != BS_OK) {
            fprintf(stderr, "bench_purchase: %s\n", bs_strerror(jobs[t].failure));
            exit(1);
        }
        total += jobs[t].done;
    }
    return total / (now_seconds() - start);
}

static void
setup(bs_store *store)
{
    char key[BS_API_KEY_LEN + 1], name[16];
    bs_image_reason reason;
    bs_ad_problem problem;
    int64_t now = T0, balance;
    bs_ctx ctx;
    bs_ref id;
    bs_ad ad;

    gdImagePtr im = gdImageCreateTrueColor(16, 16);
    int png_len;
    unsigned char *png = gdImagePngPtr(im, &png_len);

    gdImageDestroy(im);
    bs_ctx_init(&ctx, store);
    ctx.clock = bs_clock_fixed(&now);
    if (bs_credit_ensure_operator(&ctx) != BS_OK ||
        bs_accounts_create(&ctx, "seller", "password1", 9, key) != BS_OK) {
        fprintf(stderr, "bench_purchase: the store must be empty\n");
        exit(1);
    }
    for (int c = 0; c < 1 + 1 + BUYERS; c++) {
        bs_campaign_terms terms = {"seller", 1000, 60, 16, 16, NULL, NULL};
        if (bs_campaigns_create(&ctx, &terms, &id) != BS_OK)
            exit(1);
    }
    for (int b = 0; b < BUYERS; b++) {
        snprintf(name, sizeof(name), "b%02d", b);
        bs_ad_upload up = {name, png, (size_t)png_len, "https://example.com/", NULL, NULL, NULL};
        if (bs_accounts_create(&ctx, name, "password1", 9, key) != BS_OK ||
            bs_accounts_adjust(&ctx, name, 100000000, "bench", &balance) != BS_OK ||
            bs_ads_add(&ctx, &up, &ad, &problem, &reason) != BS_OK) {
            fprintf(stderr, "bench_purchase: setup of %s failed\n", name);
            exit(1);
        }
    }
    gdFree(png);
}

int
main(int argc, char **argv)
{
    char url[4200], dir[4096] = "";
    double a, b, c;
    bs_store *store;

    if (argc > 1) {
        snprintf(url, sizeof(url), "%s", argv[1]);
    } else {
        snprintf(dir, sizeof(dir), "%s/bitslot-bench-XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        if (mkdtemp(dir) == NULL)
            return 1;
        snprintf(url, sizeof(url), "lmdb:%s", dir);
    }
    if (bs_store_open(url, &store) != BS_OK) {
        fprintf(stderr, "bench_purchase: cannot open %s\n", url);
        return 1;
    }
    setup(store);
    /* Campaign 0: A; 1: C; 2..17: B. */
    a = run(store, 1, 0, true, 4 * PER_BUYER);
    b = run(store, BUYERS, 2, false, PER_BUYER);
    c = run(store, BUYERS, 1, true, 4 * PER_BUYER);
    printf("store %s: slots bought per second\n", url);
    printf("A  1 buyer,   1 campaign   %8.1f\n", a);
    printf("B 16 buyers, 16 campaigns  %8.1f   B/A %.2f\n", b, b / a);
    printf("C 16 buyers,  1 campaign   %8.1f   C/A %.2f\n", c, c / a);
    bs_store_close(store);
    if (dir[0] != '\0')
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}
