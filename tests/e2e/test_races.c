/*
 * test_races.c — many buyers buying the same campaign's next slot at once,
 * 16 threads in one process and, separately, 4 processes, for 200 slots:
 * every slot is sold exactly once, back to back in time, each buyer is
 * debited exactly the sum of the prices of the slots they got, the seller
 * and the operator are credited exactly once per slot, and `bitslot check`
 * (bs_check_run) finds nothing wrong. Crediting races too: after every few
 * of its wins a buyer pays the seller and the operator (bs_credit_campaign,
 * as every serve process's background loop does), so batches are reserved,
 * applied and moved by many threads and processes at once, while sales go
 * on; a last pass pays what is left.
 *
 * The clock: each buyer reads which slot is for sale (n) and buys it "at"
 * time schedule(n), a fixed function, with --slot n. So the price of slot n
 * is known in advance whoever wins it: even slots sell after the previous
 * one ended (the minimum, 1000), odd slots halfway through the previous
 * one's window (1500). Losers get BS_SOLD (lost the add) or BS_STALE (the
 * slot was sold before they locked) and try the next one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gd.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/accounts.h"
#include "core/ads.h"
#include "core/campaigns.h"
#include "core/check.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/purchase.h"
#include "testutil.h"

#define T0         1800000000
#define SLOTS      200
#define MAX_BUYERS 16
#define FUNDS      10000000
#define MIN_PRICE  1000

typedef struct outcomes {
    atomic_int won, sold, stale, conflict;
} outcomes;

typedef struct buyer_job {
    const char *url;
    bs_store *store; /* shared (threads) or NULL (open one: processes) */
    char name[16];
    outcomes *seen;
    bs_status failure;
} buyer_job;

static int64_t
schedule(uint32_t n)
{
    int64_t t = T0;

    for (uint32_t k = 0; k < n; k++)
        t += k % 2 == 0 ? 30 : 90;
    return t;
}

static int64_t
expected_price(uint32_t n)
{
    return n % 2 == 0 ? MIN_PRICE : MIN_PRICE + MIN_PRICE / 2;
}

static void *
buyer(void *arg)
{
    buyer_job *job = arg;
    bs_store *store = job->store;
    bs_purchase_order order = {.buyer = job->name, .max_price = -1};
    int64_t now = T0;
    bs_ctx ctx;

    if (store == NULL && bs_store_open(job->url, &store) != BS_OK) {
        job->failure = BS_UNAVAILABLE;
        return NULL;
    }
    bs_ctx_init(&ctx, store);
    ctx.clock = bs_clock_fixed(&now);
    snprintf(order.campaign.owner, sizeof(order.campaign.owner), "seller");
    bs_name_canonical(job->name, order.ad.owner);
    for (;;) {
        bs_purchase_quote q;
        bs_purchase_result res;
        bs_status st = bs_purchase_quote_now(&ctx, &order.campaign, &q);

        if (st != BS_OK) {
            job->failure = st;
            break;
        }
        if (q.next_slot >= SLOTS)
            break;
        now = schedule(q.next_slot);
        order.expect_slot = q.next_slot;
        st = bs_purchase_buy(&ctx, &order, &res);
        if (st == BS_OK) {
            if (atomic_fetch_add(&job->seen->won, 1) % 3 == 0)
                st = bs_credit_campaign(&ctx, &order.campaign);
            if (st != BS_OK) {
                job->failure = st;
                break;
            }
        } else if (st == BS_SOLD)
            atomic_fetch_add(&job->seen->sold, 1);
        else if (st == BS_STALE)
            atomic_fetch_add(&job->seen->stale, 1);
        else if (st == BS_CONFLICT)
            atomic_fetch_add(&job->seen->conflict, 1);
        else {
            job->failure = st;
            break;
        }
    }
    if (job->store == NULL)
        bs_store_close(store);
    return NULL;
}

/* A fresh store: the operator, "seller" with campaign seller/0, and
 * `buyers` funded buyers b00.. each with one 16x16 ad. */
static void
setup(const char *url, int buyers)
{
    char key[BS_API_KEY_LEN + 1];
    bs_image_reason reason;
    bs_ad_problem problem;
    gdImagePtr im = gdImageCreateTrueColor(16, 16);
    unsigned char *png;
    int64_t now = T0, balance;
    int png_len;
    bs_store *store;
    bs_ctx ctx;
    bs_ref id;
    bs_ad ad;

    png = gdImagePngPtr(im, &png_len);
    gdImageDestroy(im);
    assert_int_equal(bs_store_open(url, &store), BS_OK);
    bs_ctx_init(&ctx, store);
    ctx.clock = bs_clock_fixed(&now);
    assert_int_equal(bs_credit_ensure_operator(&ctx), BS_OK);
    assert_int_equal(bs_accounts_create(&ctx, "seller", "password1", 9, key), BS_OK);
    bs_campaign_terms terms = {"seller", MIN_PRICE, 60, 16, 16, NULL, NULL};
    assert_int_equal(bs_campaigns_create(&ctx, &terms, &id), BS_OK);
    for (int b = 0; b < buyers; b++) {
        char name[16];
        snprintf(name, sizeof(name), "b%02d", b);
        assert_int_equal(bs_accounts_create(&ctx, name, "password1", 9, key), BS_OK);
        assert_int_equal(bs_accounts_adjust(&ctx, name, FUNDS, "funding", &balance), BS_OK);
        bs_ad_upload up = {name, png, (size_t)png_len, "https://example.com/", NULL, NULL, NULL};
        assert_int_equal(bs_ads_add(&ctx, &up, &ad, &problem, &reason), BS_OK);
    }
    gdFree(png);
    bs_store_close(store);
}

static void
on_finding(void *arg, bool unfinished, const char *line)
{
    (void)arg;
    print_message("%s: %s\n", unfinished ? "unfinished" : "violation", line);
}

/* Every slot once, at its price, each buyer debited for exactly its slots,
 * seller and operator credited for every slot, and the check holds. */
static void
verify(const char *url, int buyers)
{
    int64_t spent[MAX_BUYERS] = {0}, sales = 0, fees = 0, now = T0;
    bs_check_summary sum;
    bs_campaign c;
    bs_store *store;
    bs_ctx ctx;
    bs_ref id = {"seller", 0};

    assert_int_equal(bs_store_open(url, &store), BS_OK);
    bs_ctx_init(&ctx, store);
    ctx.clock = bs_clock_fixed(&now);
    assert_int_equal(bs_docs_campaign(&ctx, &id, &c, NULL), BS_OK);
    assert_true(c.has_last);
    assert_int_equal(c.last.index, SLOTS - 1);
    assert_int_equal(bs_credit_campaign(&ctx, &id), BS_OK); /* what is left to pay */
    for (uint32_t n = 0; n < SLOTS; n++) {
        bs_slot s;
        int b;
        assert_int_equal(bs_docs_slot(&ctx, &id, n, &s), BS_OK);
        assert_int_equal(s.price, expected_price(n));
        assert_int_equal(s.time, schedule(n));
        assert_int_equal(sscanf(s.buyer, "b%d", &b), 1);
        assert_true(b >= 0 && b < buyers);
        spent[b] += s.price;
        sales += s.price - s.fee;
        fees += s.fee;
    }
    assert_int_equal(bs_docs_slot(&ctx, &id, SLOTS, &(bs_slot){0}), BS_NOTFOUND);
    for (int b = 0; b < buyers; b++) {
        char name[16];
        bs_account a;
        snprintf(name, sizeof(name), "b%02d", b);
        assert_int_equal(bs_docs_account(&ctx, name, &a, NULL), BS_OK);
        assert_int_equal(a.balance, FUNDS - spent[b]);
        assert_int_equal(a.lock, BS_LOCK_NONE);
        bs_account_release(&a);
    }
    for (int i = 0; i < 2; i++) {
        bs_account a;
        assert_int_equal(bs_docs_account(&ctx, i == 0 ? "seller" : "operator", &a, NULL), BS_OK);
        assert_int_equal(a.balance, i == 0 ? sales : fees);
        bs_account_release(&a);
    }
    assert_int_equal(bs_check_run(&ctx, on_finding, NULL, &sum), BS_OK);
    assert_int_equal(sum.violations, 0);
    assert_int_equal(sum.unfinished, 0);
    assert_int_equal(sum.slots, SLOTS);
    bs_store_close(store);
}

static void
test_races_sixteen_threads(void **state)
{
    char url[4200];
    buyer_job jobs[MAX_BUYERS];
    pthread_t tids[MAX_BUYERS];
    outcomes seen = {0};
    bs_store *store;

    (void)state;
    bs_test_empty_store(url, sizeof(url));
    setup(url, MAX_BUYERS);
    assert_int_equal(bs_store_open(url, &store), BS_OK);
    for (int b = 0; b < MAX_BUYERS; b++) {
        jobs[b] = (buyer_job){url, store, "", &seen, BS_OK};
        snprintf(jobs[b].name, sizeof(jobs[b].name), "b%02d", b);
        assert_int_equal(pthread_create(&tids[b], NULL, buyer, &jobs[b]), 0);
    }
    for (int b = 0; b < MAX_BUYERS; b++) {
        pthread_join(tids[b], NULL);
        if (jobs[b].failure != BS_OK)
            fail_msg("buyer %s: %s", jobs[b].name, bs_status_name(jobs[b].failure));
    }
    bs_store_close(store);
    print_message("16 threads: %d won, %d lost the add, %d stale, %d conflicts\n",
                  atomic_load(&seen.won), atomic_load(&seen.sold), atomic_load(&seen.stale),
                  atomic_load(&seen.conflict));
    assert_int_equal(atomic_load(&seen.won), SLOTS);
    assert_true(atomic_load(&seen.sold) + atomic_load(&seen.stale) > 0);
    verify(url, MAX_BUYERS);
}

static void
test_races_four_processes(void **state)
{
    char url[4200];
    pid_t children[4];
    outcomes *seen;

    (void)state;
    bs_test_empty_store(url, sizeof(url));
    setup(url, 4);
    seen = mmap(NULL, sizeof(*seen), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(seen != MAP_FAILED);
    memset(seen, 0, sizeof(*seen));
    for (int p = 0; p < 4; p++) {
        children[p] = fork();
        assert_true(children[p] >= 0);
        if (children[p] == 0) {
            buyer_job job = {url, NULL, "", seen, BS_OK};
            snprintf(job.name, sizeof(job.name), "b%02d", p);
            buyer(&job);
            if (job.failure != BS_OK)
                fprintf(stderr, "buyer %s: %s\n", job.name, bs_status_name(job.failure));
            _exit(job.failure == BS_OK ? 0 : 1);
        }
    }
    for (int p = 0; p < 4; p++) {
        int status;
        assert_int_equal(waitpid(children[p], &status, 0), children[p]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    print_message("4 processes: %d won, %d lost the add, %d stale, %d conflicts\n",
                  atomic_load(&seen->won), atomic_load(&seen->sold), atomic_load(&seen->stale),
                  atomic_load(&seen->conflict));
    assert_int_equal(atomic_load(&seen->won), SLOTS);
    assert_true(atomic_load(&seen->sold) + atomic_load(&seen->stale) > 0);
    munmap(seen, sizeof(*seen));
    verify(url, 4);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_races_sixteen_threads),
        cmocka_unit_test(test_races_four_processes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
