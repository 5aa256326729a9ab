/*
 * test_lossy.c — bitslot on etcd through a network that loses answers after
 * etcd applied the request, and requests before they reach it
 * (tools/lossy-proxy between every command and etcd): issue 7.
 *
 * What it proves, for adjustments, purchases, Done, key hand-outs and page
 * fills, campaign and ad creation, each driven through the `bitslot` binary
 * and each outcome then checked in the store directly (not through the
 * proxy):
 *   - every success a command reports was applied exactly once;
 *   - every failure it reports was never applied;
 *   - a command that cannot learn the outcome says "the outcome is unknown"
 *     (exit 3), and then the change is there at most once;
 *   - `bitslot check` holds, after `bitslot recover`;
 *   - answers were in fact lost (the proxy's log is not empty), so the test
 *     cannot pass by a network that lost nothing.
 * Before the fix, 60 adjustments of 1 sat through such a proxy gave 46
 * successes and a balance of 57.
 *
 * Run by tools/with-etcd (a fresh etcd member, BITSLOT_TEST_STORE) with the
 * regtest node started by the group setup; skipped without etcd.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gd.h>
#include <jansson.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/accounts.h"
#include "core/ads.h"
#include "core/books.h"
#include "core/campaigns.h"
#include "core/check.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/recover.h"
#include "regtest.h"
#include "testutil.h"

#define T0        INT64_C(1800000000)
#define FUNDS     INT64_C(100000000)
#define MIN_PRICE 1000
#define PATH_SIZE 4200

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static bs_regtest node = {.pid = -1};

/* The proxy in front of the store under test, and what goes through it. */
typedef struct lossy {
    pid_t pid;
    char log[PATH_SIZE];
    char store_env[PATH_SIZE]; /* BITSLOT_STORE=etcd:http://127.0.0.1:<proxy> */
    char node_env[PATH_SIZE];  /* BITSLOT_NODE=... (the case's wallet) */
    char direct[PATH_SIZE];    /* the store itself */
    const char *dir;
    int64_t now; /* the clock of the next command */
} lossy;

/* Start tools/lossy-proxy in front of l->direct, losing `after` of the
 * writes' answers and `before` of the writes. */
static void
start_proxy(lossy *l, double after, double before, int seed)
{
    const char *root = getenv("BITSLOT_SOURCE_ROOT");
    char script[PATH_SIZE], to[256], after_text[32], before_text[32], seed_text[32], line[64];
    int out[2];
    FILE *f;
    int port = 0;

    snprintf(script, sizeof(script), "%s/tools/lossy-proxy", root ? root : ".");
    snprintf(to, sizeof(to), "%s", l->direct + strlen("etcd:http://"));
    snprintf(after_text, sizeof(after_text), "%.3f", after);
    snprintf(before_text, sizeof(before_text), "%.3f", before);
    snprintf(seed_text, sizeof(seed_text), "%d", seed);
    assert_int_equal(pipe(out), 0);
    l->pid = fork();
    assert_true(l->pid >= 0);
    if (l->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM); /* ends with the test, even a failed one */
        dup2(out[1], 1);
        close(out[0]);
        execlp("python3", "python3", script, "--to", to, "--after", after_text, "--before",
               before_text, "--seed", seed_text, "--log", l->log, (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    f = fdopen(out[0], "r");
    assert_non_null(f);
    if (fgets(line, sizeof(line), f) == NULL || sscanf(line, "READY %d", &port) != 1)
        fail_msg("tools/lossy-proxy did not start");
    fclose(f);
    snprintf(l->store_env, sizeof(l->store_env), "BITSLOT_STORE=etcd:http://127.0.0.1:%d", port);
}

/* A case's world: the (emptied) store under test behind a new proxy, and
 * wallet `wallet` on the node (NULL: none). */
static void
lossy_open(lossy *l, double after, double before, int seed, const char *wallet)
{
    memset(l, 0, sizeof(*l));
    l->now = T0;
    bs_test_empty_store(l->direct, sizeof(l->direct));
    l->dir = bs_test_tmpdir();
    snprintf(l->log, sizeof(l->log), "%s/lost.log", l->dir);
    start_proxy(l, after, before, seed);
    if (wallet != NULL) {
        char url[BS_REGTEST_URL_SIZE];
        bs_regtest_wallet_url(&node, wallet, url, sizeof(url));
        snprintf(l->node_env, sizeof(l->node_env), "BITSLOT_NODE=%s", url);
    }
}

/* A new proxy, losing nothing, in front of the same store (the old one is
 * stopped). */
static void
lossy_reopen(lossy *l)
{
    start_proxy(l, 0, 0, 31);
}

/* Stop the proxy; the number of requests and answers it lost. */
static int
lossy_close(lossy *l)
{
    char line[256];
    int lost = 0, status;
    FILE *f;

    kill(l->pid, SIGTERM);
    waitpid(l->pid, &status, 0);
    f = fopen(l->log, "r");
    while (f != NULL && fgets(line, sizeof(line), f) != NULL)
        lost++;
    if (f != NULL)
        fclose(f);
    return lost;
}

/* Run bitslot through the proxy. */
static bs_test_output
through(const lossy *l, const char *const *args)
{
    char now[64];
    const char *env[6] = {l->store_env, now, "BITSLOT_NETWORK=regtest", "BITSLOT_CHECK_INTERVAL=0",
                          NULL,         NULL};

    snprintf(now, sizeof(now), "BITSLOT_NOW=%lld", (long long)l->now);
    if (l->node_env[0] != '\0')
        env[4] = l->node_env;
    return bs_test_run(args, env, NULL);
}

typedef enum outcome { DONE, FAILED, UNKNOWN } outcome;

/* What a command reported: done (exit 0), unknown (exit 3 saying so), or
 * failed (anything else: then it must have changed nothing). */
static outcome
outcome_of(const bs_test_output *r)
{
    if (r->exit_code == 0)
        return DONE;
    if (r->exit_code == 3 && strstr(r->err, "outcome") != NULL && strstr(r->err, "unknown"))
        return UNKNOWN;
    print_message("failed: exit %d: %s", r->exit_code, r->err);
    return FAILED;
}

static void
with_ctx(const lossy *l, bs_ctx *ctx, int64_t *now)
{
    bs_store *store;

    assert_int_equal(bs_store_open(l->direct, &store), BS_OK);
    bs_ctx_init(ctx, store);
    *now = T0;
    ctx->clock = bs_clock_fixed(now);
    ctx->network = BS_NETWORK_REGTEST;
}

static void
report_line(void *arg, bool unfinished, const char *line)
{
    (void)arg;
    print_message("%s: %s\n", unfinished ? "unfinished" : "violation", line);
}

/* After recovery, the books hold (read directly). */
static void
assert_recovered_and_checked(const lossy *l)
{
    bs_recover_report report;
    bs_check_summary sum;
    int64_t now;
    bs_ctx ctx;

    with_ctx(l, &ctx, &now);
    assert_int_equal(bs_recover_all(&ctx, &report, NULL, NULL), BS_OK);
    assert_int_equal(report.problems, 0);
    assert_int_equal(bs_check_run(&ctx, report_line, NULL, &sum), BS_OK);
    assert_int_equal(sum.violations, 0);
    assert_int_equal(sum.unfinished, 0);
    bs_store_close(ctx.store);
}

static void
add_account(const lossy *l, const char *name, int64_t funds)
{
    char key[BS_API_KEY_LEN + 1];
    int64_t now, balance;
    bs_ctx ctx;

    with_ctx(l, &ctx, &now);
    assert_int_equal(bs_credit_ensure_operator(&ctx), BS_OK);
    assert_int_equal(bs_accounts_create(&ctx, name, "password1", 9, key), BS_OK);
    if (funds > 0)
        assert_int_equal(bs_accounts_adjust(&ctx, name, funds, "funding", &balance), BS_OK);
    bs_store_close(ctx.store);
}

/* The ledger of `canon` (up to 1000 entries; free it). */
static bs_ledger_entry *
ledger_of(const lossy *l, const char *canon, size_t *count)
{
    bs_ledger_entry *entries;
    int64_t now;
    bs_ctx ctx;
    bool more;

    with_ctx(l, &ctx, &now);
    assert_int_equal(bs_books_history(&ctx, canon, 0, 1000, &entries, count, &more), BS_OK);
    assert_false(more);
    bs_store_close(ctx.store);
    return entries;
}

/* ---- adjustments -------------------------------------------------------------------- */

#define ADJUSTMENTS 60

static void
test_lossy_adjustments_apply_once(void **state)
{
    outcome got[ADJUSTMENTS];
    bs_ledger_entry *entries;
    size_t count;
    int64_t sum = 0;
    lossy l;

    (void)state;
    lossy_open(&l, 0.15, 0.05, 7, NULL);
    add_account(&l, "alice", 0);
    for (int i = 0; i < ADJUSTMENTS; i++) {
        char reason[16];
        snprintf(reason, sizeof(reason), "r%d", i);
        bs_test_output r = through(&l, ARGS("account", "adjust", "alice", "1", "--reason", reason));
        got[i] = outcome_of(&r);
        bs_test_output_release(&r);
    }
    entries = ledger_of(&l, "alice", &count);
    for (int i = 0; i < ADJUSTMENTS; i++) {
        char reason[16];
        int seen = 0;
        snprintf(reason, sizeof(reason), "r%d", i);
        for (size_t e = 0; e < count; e++)
            seen += strcmp(entries[e].memo, reason) == 0;
        if ((got[i] == DONE && seen != 1) || (got[i] == FAILED && seen != 0) || seen > 1)
            fail_msg("adjustment %s reported %d, applied %d times", reason, (int)got[i], seen);
    }
    for (size_t e = 0; e < count; e++)
        sum += entries[e].amount;
    free(entries);
    {
        bs_account a;
        int64_t now;
        bs_ctx ctx;
        with_ctx(&l, &ctx, &now);
        assert_int_equal(bs_docs_account(&ctx, "alice", &a, NULL), BS_OK);
        assert_int_equal(a.balance, sum);
        bs_account_release(&a);
        bs_store_close(ctx.store);
    }
    assert_true(lossy_close(&l) > 0);
    assert_recovered_and_checked(&l);
}

/* ---- purchases, campaigns and ads ---------------------------------------------------------- */

static unsigned char *
make_png(int *size)
{
    gdImagePtr im = gdImageCreateTrueColor(300, 250);
    unsigned char *png;

    gdImageFilledRectangle(im, 0, 0, 150, 125, gdTrueColor(30, 30, 200));
    png = gdImagePngPtr(im, size);
    gdImageDestroy(im);
    return png;
}

#define BUYS 30

/* alice and carol buy the slots of bob/0 one after another, an hour apart
 * (each slot lasts an hour: the price is back at the minimum each time). */
static void
test_lossy_purchases_debit_once(void **state)
{
    int done[2] = {0, 0}, unknown[2] = {0, 0}, owned[2] = {0, 0};
    int64_t paid[2] = {0, 0}, now;
    static const char *const buyers[2] = {"alice", "carol"};
    bs_image_reason reason;
    bs_ad_problem problem;
    unsigned char *png;
    bs_ctx ctx;
    bs_ref id;
    bs_ad ad;
    int size;
    lossy l;

    (void)state;
    lossy_open(&l, 0.15, 0.05, 11, NULL);
    add_account(&l, "bob", 0);
    add_account(&l, "alice", FUNDS);
    add_account(&l, "carol", FUNDS);
    png = make_png(&size);
    with_ctx(&l, &ctx, &now);
    bs_campaign_terms terms = {"bob", MIN_PRICE, 3600, 300, 250, "Bob's blog", NULL};
    assert_int_equal(bs_campaigns_create(&ctx, &terms, &id), BS_OK);
    for (int b = 0; b < 2; b++) {
        bs_ad_upload up = {buyers[b], png, (size_t)size, "https://example.com/", NULL, NULL, NULL};
        assert_int_equal(bs_ads_add(&ctx, &up, &ad, &problem, &reason), BS_OK);
    }
    bs_store_close(ctx.store);
    gdFree(png);

    for (int i = 0; i < BUYS; i++) {
        int b = i % 2;
        char ad_ref[32];
        bs_test_output r;
        outcome o;

        snprintf(ad_ref, sizeof(ad_ref), "%s/0", buyers[b]);
        l.now = T0 + 3600 * i;
        r = through(&l, ARGS("buy", buyers[b], "bob/0", "--ad", ad_ref));
        o = outcome_of(&r);
        done[b] += o == DONE;
        unknown[b] += o == UNKNOWN;
        bs_test_output_release(&r);
    }
    assert_true(lossy_close(&l) > 0);
    assert_recovered_and_checked(&l);

    /* Each buyer owns the slots it was told it bought (and at most the
     * unknown ones more), and paid exactly for those. */
    with_ctx(&l, &ctx, &now);
    for (uint32_t n = 0;; n++) {
        bs_slot slot;
        bs_status st = bs_docs_slot(&ctx, &id, n, &slot);
        if (st == BS_NOTFOUND)
            break;
        assert_int_equal(st, BS_OK);
        for (int b = 0; b < 2; b++) {
            if (strcmp(slot.buyer, buyers[b]) == 0) {
                owned[b]++;
                paid[b] += slot.price;
            }
        }
    }
    for (int b = 0; b < 2; b++) {
        bs_account a;
        print_message("%s: %d bought, %d unknown, %d slots owned\n", buyers[b], done[b], unknown[b],
                      owned[b]);
        assert_true(owned[b] >= done[b] && owned[b] <= done[b] + unknown[b]);
        assert_int_equal(bs_docs_account(&ctx, buyers[b], &a, NULL), BS_OK);
        assert_int_equal(a.balance, FUNDS - paid[b]);
        bs_account_release(&a);
    }
    bs_store_close(ctx.store);
}

#define CREATIONS 20

/* Campaigns and ads made through the lossy network: one document per
 * success, never two for one command. */
static void
test_lossy_creations_make_one_document(void **state)
{
    char png_path[PATH_SIZE], seen[CREATIONS][32];
    int campaigns = 0, ads = 0, unknown = 0, n_seen = 0;
    bs_campaign *clist;
    unsigned char *png;
    bs_ad *alist;
    size_t count;
    int64_t now;
    bs_ctx ctx;
    FILE *f;
    int size;
    lossy l;

    (void)state;
    lossy_open(&l, 0.2, 0.05, 13, NULL);
    add_account(&l, "bob", 0);
    snprintf(png_path, sizeof(png_path), "%s/ad.png", l.dir);
    png = make_png(&size);
    f = fopen(png_path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    gdFree(png);
    for (int i = 0; i < CREATIONS; i++) {
        bs_test_output r = through(&l, ARGS("campaign", "create", "bob", "--min-price", "1000",
                                            "--slot-seconds", "3600", "--size", "300x250"));
        outcome o = outcome_of(&r);
        campaigns += o == DONE;
        unknown += o == UNKNOWN;
        if (o == DONE) {
            for (int j = 0; j < n_seen; j++)
                if (strcmp(seen[j], r.out) == 0)
                    fail_msg("campaign %s reported twice", r.out);
            snprintf(seen[n_seen++], sizeof(seen[0]), "%s", r.out);
        }
        bs_test_output_release(&r);
        r = through(&l,
                    ARGS("ad", "add", "bob", "--image", png_path, "--url", "https://bob.example/"));
        o = outcome_of(&r);
        ads += o == DONE;
        unknown += o == UNKNOWN;
        bs_test_output_release(&r);
    }
    assert_true(lossy_close(&l) > 0);
    with_ctx(&l, &ctx, &now);
    assert_int_equal(bs_campaigns_list(&ctx, "bob", &clist, &count), BS_OK);
    print_message("%d campaigns, %d ads reported; %zu campaigns stored; %d unknown\n", campaigns,
                  ads, count, unknown);
    assert_true((int)count >= campaigns && (int)count <= campaigns + unknown);
    free(clist);
    assert_int_equal(bs_ads_list(&ctx, "bob", &alist, &count), BS_OK);
    assert_true((int)count >= ads && (int)count <= ads + unknown);
    free(alist);
    bs_store_close(ctx.store);
}

/* Import `count` new addresses of the node into the store, directly, on one
 * set of 2-key pages (so that pages are filled all the time). */
static void
import_direct(const lossy *l, int count)
{
    const char *env[3] = {NULL, "BITSLOT_NETWORK=regtest", NULL};
    char path[PATH_SIZE], direct_env[PATH_SIZE + 16];
    bs_test_output r;
    FILE *f;

    snprintf(path, sizeof(path), "%s/keys-%d.txt", l->dir, count);
    f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < count; i++) {
        char address[BS_RPC_ADDRESS_SIZE];
        assert_int_equal(bs_regtest_new_address(&node, address), BS_OK);
        fprintf(f, "%s\n", address);
    }
    fclose(f);
    snprintf(direct_env, sizeof(direct_env), "BITSLOT_STORE=%s", l->direct);
    env[0] = direct_env;
    r = bs_test_run(ARGS("init"), env, NULL); /* every command but init needs a store init made */
    assert_int_equal(r.exit_code, 0);
    bs_test_output_release(&r);
    r = bs_test_run(ARGS("keys", "import", path, "--sets", "1", "--page-size", "2"), env, NULL);
    assert_int_equal(r.exit_code, 0);
    bs_test_output_release(&r);
}

/* ---- funding: key hand-outs, page fills and Done -------------------------------------------- */

#define PAYERS 6
#define PAID   2000000

static void
test_lossy_funding_credits_once(void **state)
{
    char keys[PAYERS][BS_ADDRESS_MAX];
    char names[PAYERS][16];
    int unknown = 0;
    lossy l;

    (void)state;
    lossy_open(&l, 0.15, 0.05, 17, "lossy");
    /* Ten keys on one set of 2-key pages: page fills all the time. */
    import_direct(&l, 10);
    for (int i = 0; i < PAYERS; i++) {
        snprintf(names[i], sizeof(names[i]), "payer%d", i);
        add_account(&l, names[i], 0);
        keys[i][0] = '\0';
        /* Get Key until it answers: a failed or unknown one is asked again. */
        for (int attempt = 0; attempt < 10 && keys[i][0] == '\0'; attempt++) {
            bs_test_output r = through(&l, ARGS("funds", "get-key", names[i]));
            if (outcome_of(&r) == DONE)
                assert_int_equal(sscanf(r.out, "{\"key\":\"%90[^\"]\"}", keys[i]), 1);
            bs_test_output_release(&r);
        }
        assert_string_not_equal(keys[i], "");
        for (int j = 0; j < i; j++)
            assert_string_not_equal(keys[i], keys[j]);
        assert_int_equal(bs_regtest_send(&node, keys[i], PAID, NULL), BS_OK);
    }
    assert_int_equal(bs_regtest_mine(&node, 1), BS_OK);
    for (int i = 0; i < PAYERS; i++) {
        bool done = false;
        for (int attempt = 0; attempt < 10 && !done; attempt++) {
            bs_test_output r = through(&l, ARGS("funds", "done", names[i]));
            outcome o = outcome_of(&r);
            unknown += o == UNKNOWN;
            /* Done applied before its answer was lost: the next one finds no
             * key, and must credit nothing more. */
            done = o == DONE || (o == FAILED && strstr(r.err, "has no key") != NULL);
            bs_test_output_release(&r);
        }
        assert_true(done);
    }
    assert_true(lossy_close(&l) > 0);
    assert_recovered_and_checked(&l);
    for (int i = 0; i < PAYERS; i++) {
        size_t count;
        int64_t deposited = 0;
        bs_ledger_entry *entries = ledger_of(&l, names[i], &count);
        for (size_t e = 0; e < count; e++)
            deposited += entries[e].kind == BS_ENTRY_DEPOSIT ? entries[e].amount : 0;
        free(entries);
        assert_int_equal(deposited, PAID);
    }
    print_message("%d Done with an unknown outcome\n", unknown);
}

/* ---- the store gone half way --------------------------------------------------------- */

/* The store stops answering in the middle of a purchase (after the debit)
 * and of a key import (after it committed): each command says the outcome
 * is unknown, never that it failed (outside test: "cannot buy the slot:
 * unavailable" for a purchase that had been paid), and what it began is
 * finished by the next touch. */
static void
test_lossy_store_gone_half_way_says_outcome_unknown(void **state)
{
    char png_path[PATH_SIZE], keys_path[PATH_SIZE], now[64];
    const char *env[4] = {NULL, now, "BITSLOT_NETWORK=regtest", NULL};
    bs_image_reason reason;
    bs_ad_problem problem;
    bs_test_paused paused;
    bs_test_output r;
    unsigned char *png;
    int64_t clock;
    bs_account a;
    bs_ctx ctx;
    bs_ref id;
    bs_ad ad;
    FILE *f;
    int size;
    lossy l;

    (void)state;
    lossy_open(&l, 0, 0, 23, NULL);
    env[0] = l.store_env;
    snprintf(now, sizeof(now), "BITSLOT_NOW=%lld", (long long)l.now);
    add_account(&l, "bob", 0);
    add_account(&l, "alice", FUNDS);
    png = make_png(&size);
    with_ctx(&l, &ctx, &clock);
    bs_campaign_terms terms = {"bob", MIN_PRICE, 3600, 300, 250, "Bob's blog", NULL};
    assert_int_equal(bs_campaigns_create(&ctx, &terms, &id), BS_OK);
    bs_ad_upload up = {"alice", png, (size_t)size, "https://example.com/", NULL, NULL, NULL};
    assert_int_equal(bs_ads_add(&ctx, &up, &ad, &problem, &reason), BS_OK);
    bs_store_close(ctx.store);
    gdFree(png);
    (void)png_path;

    bs_test_start_paused(&paused, "purchase.debited",
                         ARGS("buy", "alice", "bob/0", "--ad", "alice/0"), env);
    lossy_close(&l);
    r = bs_test_resume(&paused);
    assert_int_equal(r.exit_code, 3);
    assert_string_equal(r.err,
                        "bitslot: the outcome of the purchase of slot 0 of \"bob/0\" is "
                        "unknown (the store stopped answering); if it began, your next "
                        "action finishes it: see 'bitslot account show alice' before you buy "
                        "again\n");
    bs_test_output_release(&r);
    /* It had been paid: the next touch (here, recovery) finishes it. */
    assert_recovered_and_checked(&l);
    with_ctx(&l, &ctx, &clock);
    assert_int_equal(bs_docs_account(&ctx, "alice", &a, NULL), BS_OK);
    assert_int_equal(a.balance, FUNDS - MIN_PRICE);
    bs_account_release(&a);
    bs_store_close(ctx.store);

    /* A key import, committed when the store goes away. */
    lossy_reopen(&l);
    env[0] = l.store_env;
    snprintf(keys_path, sizeof(keys_path), "%s/keys.txt", l.dir);
    f = fopen(keys_path, "w");
    assert_non_null(f);
    for (int i = 0; i < 3; i++) {
        char address[BS_RPC_ADDRESS_SIZE];
        assert_int_equal(bs_regtest_new_address(&node, address), BS_OK);
        fprintf(f, "%s\n", address);
    }
    fclose(f);
    bs_test_start_paused(&paused, "keys.import-committed",
                         ARGS("keys", "import", keys_path, "--sets", "1", "--page-size", "2"), env);
    lossy_close(&l);
    r = bs_test_resume(&paused);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "the outcome of the import is unknown"));
    bs_test_output_release(&r);
    lossy_reopen(&l);
    r = through(&l, ARGS("keys", "import", keys_path));
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, "{\"imported\":0,\"already_imported\":3}\n");
    bs_test_output_release(&r);
    lossy_close(&l);
    assert_recovered_and_checked(&l);
}

/* A store that takes no write at all: Get Key says so, and does not blame
 * the bitcoin node (outside test: "the bitcoin node is unavailable"). */
static void
test_lossy_store_down_is_not_the_node(void **state)
{
    bs_test_output r;
    lossy l;

    (void)state;
    lossy_open(&l, 0, 1.0, 29, "store-down");
    add_account(&l, "alice", 0);
    import_direct(&l, 2);
    r = through(&l, ARGS("funds", "get-key", "alice"));
    assert_int_equal(r.exit_code, 3);
    assert_string_equal(r.err,
                        "bitslot: the store is temporarily unavailable; retry in a few seconds\n");
    bs_test_output_release(&r);
    lossy_close(&l);
}

static int
group_setup(void **state)
{
    (void)state;
    return bs_regtest_start(&node, NULL, NULL) == BS_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    bs_regtest_stop(&node);
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lossy_adjustments_apply_once),
        cmocka_unit_test(test_lossy_purchases_debit_once),
        cmocka_unit_test(test_lossy_creations_make_one_document),
        cmocka_unit_test(test_lossy_funding_credits_once),
        cmocka_unit_test(test_lossy_store_gone_half_way_says_outcome_unknown),
        cmocka_unit_test(test_lossy_store_down_is_not_the_node),
    };
    const char *store = getenv("BITSLOT_TEST_STORE");

    if (store == NULL || strncmp(store, "etcd:http://", 12) != 0) {
        printf("skipped: needs an etcd store (tools/with-etcd)\n");
        return 77;
    }
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
