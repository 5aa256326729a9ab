/*
 * test_faults.c — a crash at every failpoint of every multi-document
 * operation loses and invents nothing.
 *
 * For each failpoint in BS_FAILPOINT_MAP (so a new step cannot be added
 * without being covered here), on a fresh store: run the `bitslot` command
 * that reaches it with BITSLOT_FAILPOINT set and check that it died there
 * (exit 86); then recover it both ways, each on its own fresh store:
 *   A. the next touch: the buyer looks at the account, another buyer buys
 *      the next slot, the seller looks at the account;
 *   B. `bitslot recover`;
 * and check that `bitslot check` holds, no account is locked, and every
 * balance is exactly what the completed (or, for a buyer who lost the race,
 * abandoned) operation implies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/accounts.h"
#include "core/ads.h"
#include "core/campaigns.h"
#include "core/credit.h"
#include "core/docs.h"
#include "testutil.h"
#include "util/failpoint.h"

#define T0       1800000000 /* the fixed clock of every run */
#define FUNDS    100000
#define MIN      1000
#define URL_SIZE 4200

typedef struct scenario {
    char url[URL_SIZE];
    char store_env[URL_SIZE + 32];
    char image[URL_SIZE];
} scenario;

static void
with_ctx(const scenario *sc, bs_ctx *ctx, int64_t *now)
{
    bs_store *store;

    assert_int_equal(bs_store_open(sc->url, &store), BS_OK);
    bs_ctx_init(ctx, store);
    *now = T0;
    ctx->clock = bs_clock_fixed(now);
}

static unsigned char *
make_png(int w, int h, int *size)
{
    gdImagePtr im = gdImageCreateTrueColor(w, h);
    unsigned char *png;

    gdImageFilledRectangle(im, 0, 0, w / 2, h / 2, gdTrueColor(200, 30, 30));
    png = gdImagePngPtr(im, size);
    gdImageDestroy(im);
    return png;
}

/* alice and carol have FUNDS each; bob sells campaign bob/0 (1000 sat,
 * one-day slots, 300x250); alice/0 and carol/0 are ads of that size. */
static void
make_scenario(scenario *sc)
{
    unsigned char *png;
    int png_len;
    bs_image_reason reason;
    bs_ad_problem problem;
    int64_t now, balance;
    char key[BS_API_KEY_LEN + 1];
    bs_ctx ctx;
    bs_ref id;
    bs_ad ad;
    FILE *f;

    snprintf(sc->url, sizeof(sc->url), "lmdb:%s/store", bs_test_tmpdir());
    snprintf(sc->store_env, sizeof(sc->store_env), "BITSLOT_STORE=%s", sc->url);
    snprintf(sc->image, sizeof(sc->image), "%s/ad.png", bs_test_tmpdir());
    png = make_png(300, 250, &png_len);
    f = fopen(sc->image, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png, 1, (size_t)png_len, f), (size_t)png_len);
    fclose(f);

    with_ctx(sc, &ctx, &now);
    assert_int_equal(bs_credit_ensure_operator(&ctx), BS_OK);
    for (int i = 0; i < 3; i++) {
        const char *name = (const char *[]){"alice", "bob", "carol"}[i];
        assert_int_equal(bs_accounts_create(&ctx, name, "password1", 9, key), BS_OK);
    }
    assert_int_equal(bs_accounts_adjust(&ctx, "alice", FUNDS, "funding", &balance), BS_OK);
    assert_int_equal(bs_accounts_adjust(&ctx, "carol", FUNDS, "funding", &balance), BS_OK);
    bs_campaign_terms terms = {"bob", MIN, 86400, 300, 250, "Bob's blog", NULL};
    assert_int_equal(bs_campaigns_create(&ctx, &terms, &id), BS_OK);
    for (int i = 0; i < 2; i++) {
        bs_ad_upload up = {i == 0 ? "alice" : "carol",
                           png,
                           (size_t)png_len,
                           "https://example.com/",
                           NULL,
                           NULL,
                           NULL};
        assert_int_equal(bs_ads_add(&ctx, &up, &ad, &problem, &reason), BS_OK);
    }
    gdFree(png);
    bs_store_close(ctx.store);
}

/* Run bitslot on the scenario's store at T0, with an optional failpoint;
 * assert the exit code. */
static void
run(const scenario *sc, const char *failpoint, int expect_exit, const char *const *args)
{
    char fp[128];
    const char *env[4] = {sc->store_env, "BITSLOT_NOW=1800000000", NULL, NULL};
    bs_test_output out;

    if (failpoint != NULL) {
        snprintf(fp, sizeof(fp), "BITSLOT_FAILPOINT=%s", failpoint);
        env[2] = fp;
    }
    out = bs_test_run(args, env, NULL);
    if (out.exit_code != expect_exit) {
        char why[2048];
        snprintf(why, sizeof(why), "bitslot %s %s: exit %d, expected %d; stdout: %s; stderr: %s",
                 args[0], args[1] ? args[1] : "", out.exit_code, expect_exit, out.out, out.err);
        bs_test_output_release(&out);
        fail_msg("%s", why);
    }
    bs_test_output_release(&out);
}

static void
assert_balances(const scenario *sc, int64_t alice, int64_t bob, int64_t carol, int64_t op)
{
    const char *names[] = {"alice", "bob", "carol", "operator"};
    int64_t want[] = {alice, bob, carol, op};
    int64_t now;
    bs_ctx ctx;

    with_ctx(sc, &ctx, &now);
    for (int i = 0; i < 4; i++) {
        bs_account a;
        assert_int_equal(bs_docs_account(&ctx, names[i], &a, NULL), BS_OK);
        if (a.balance != want[i] || a.lock != BS_LOCK_NONE)
            fail_msg("%s: balance %lld (lock %d), expected %lld unlocked", names[i],
                     (long long)a.balance, (int)a.lock, (long long)want[i]);
        bs_account_release(&a);
    }
    bs_store_close(ctx.store);
}

static void
assert_check_holds(const scenario *sc)
{
    run(sc, NULL, 0, (const char *const[]){"check", NULL});
}

#define BUY(who) ((const char *const[]){"buy", who, "bob/0", "--ad", who "/0", NULL})

/* A crash anywhere in alice's purchase: afterwards the purchase is complete
 * (recovery resumes it: the slot was free). */
static void
crash_in_buy(const char *failpoint, bool next_touch)
{
    scenario sc;

    make_scenario(&sc);
    run(&sc, failpoint, BS_FAILPOINT_EXIT, BUY("alice"));
    if (next_touch) {
        run(&sc, NULL, 0, (const char *const[]){"account", "show", "alice", NULL});
        run(&sc, NULL, 0, BUY("carol")); /* slot 1 at twice the price */
        run(&sc, NULL, 0, (const char *const[]){"account", "show", "bob", NULL});
        assert_check_holds(&sc);
        assert_balances(&sc, FUNDS - 1000, 985 + 1970, FUNDS - 2000, 15 + 30);
    } else {
        run(&sc, NULL, 0, (const char *const[]){"recover", NULL});
        assert_check_holds(&sc);
        assert_balances(&sc, FUNDS - 1000, 985, FUNDS, 15);
    }
}

/* alice locks slot 0 and dies; carol buys slot 0 meanwhile; alice's
 * recovery finds the slot taken and unlocks her without a debit, and dies
 * there too. */
static void
crash_after_losing(const char *failpoint, bool next_touch)
{
    scenario sc;

    make_scenario(&sc);
    run(&sc, "purchase.locked", BS_FAILPOINT_EXIT, BUY("alice"));
    run(&sc, NULL, 0, BUY("carol"));
    run(&sc, failpoint, BS_FAILPOINT_EXIT, (const char *const[]){"recover", NULL});
    if (next_touch)
        run(&sc, NULL, 0, (const char *const[]){"account", "show", "alice", NULL});
    else
        run(&sc, NULL, 0, (const char *const[]){"recover", NULL});
    assert_check_holds(&sc);
    assert_balances(&sc, FUNDS, 985, FUNDS - 1000, 15);
}

static void
crash_in_adjust(const char *failpoint, bool next_touch)
{
    scenario sc;

    make_scenario(&sc);
    run(&sc, failpoint, BS_FAILPOINT_EXIT,
        (const char *const[]){"account", "adjust", "alice", "500", "--reason", "refund", NULL});
    if (next_touch)
        run(&sc, NULL, 0, (const char *const[]){"account", "history", "alice", NULL});
    else
        run(&sc, NULL, 0, (const char *const[]){"recover", NULL});
    assert_check_holds(&sc);
    assert_balances(&sc, FUNDS + 500, 0, FUNDS, 0);
}

/* Chunks stored, ad document not: no ad exists, and the retry takes the
 * same (first free) index. */
static void
crash_in_ad(const char *failpoint, bool next_touch)
{
    scenario sc;
    bs_test_output out;
    const char *env[2];

    (void)next_touch;
    make_scenario(&sc);
    env[0] = sc.store_env;
    env[1] = NULL;
    const char *add[] = {"ad", "add", "bob", "--image", sc.image, "--url", "https://b.example/",
                         NULL};
    run(&sc, failpoint, BS_FAILPOINT_EXIT, add);
    out = bs_test_run((const char *const[]){"ad", "list", "bob", NULL}, env, NULL);
    assert_string_equal(out.out, "[]\n");
    bs_test_output_release(&out);
    out = bs_test_run(add, env, NULL);
    assert_int_equal(out.exit_code, 0);
    assert_string_equal(out.out, "bob/0\n");
    bs_test_output_release(&out);
    assert_check_holds(&sc);
}

typedef struct crash_case {
    const char *operation;
    void (*run)(const char *failpoint, bool next_touch);
} crash_case;

static const crash_case cases[] = {
    {"buy", crash_in_buy},
    {"buy-lost", crash_after_losing},
    {"adjust", crash_in_adjust},
    {"ad", crash_in_ad},
};

static void
test_faults_every_failpoint_recovers(void **state)
{
    (void)state;
    for (int id = 0; id < BS__FAILPOINT_COUNT; id++) {
        const char *name = bs_failpoint_name((bs_failpoint_id)id);
        const char *op = bs_failpoint_operation((bs_failpoint_id)id);
        const crash_case *c = NULL;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
            if (strcmp(cases[i].operation, op) == 0)
                c = &cases[i];
        if (c == NULL)
            fail_msg("failpoint %s (operation %s) has no crash test", name, op);
        print_message("crash at %s, recovered by the next touch\n", name);
        c->run(name, true);
        print_message("crash at %s, recovered by bitslot recover\n", name);
        c->run(name, false);
    }
}

/* The check itself must notice what a crash can leave: a locked account. */
static void
test_faults_check_reports_unfinished_purchase(void **state)
{
    scenario sc;
    const char *env[2];
    bs_test_output out;

    (void)state;
    make_scenario(&sc);
    env[0] = sc.store_env;
    env[1] = NULL;
    run(&sc, "purchase.slot-added", BS_FAILPOINT_EXIT, BUY("alice"));
    out = bs_test_run((const char *const[]){"check", NULL}, env, NULL);
    assert_int_equal(out.exit_code, 1);
    assert_non_null(strstr(out.out, "violation: account \"alice\" is locked by an unfinished "
                                    "purchase of slot bob/0/0\n"));
    bs_test_output_release(&out);
    run(&sc, NULL, 0, (const char *const[]){"recover", NULL});
    assert_check_holds(&sc);
}

/* Several crashed purchases, then four `bitslot recover` at once: each
 * purchase is finished exactly once. */
static void
test_faults_concurrent_recovers_finish_once(void **state)
{
    const char *env[2];
    scenario sc;
    pid_t pids[4];

    (void)state;
    make_scenario(&sc);
    env[0] = sc.store_env;
    env[1] = NULL;
    /* alice dies holding the intent for slot 0; carol, not seeing any sold
     * slot, takes slot 0 and dies after adding it. */
    run(&sc, "purchase.locked", BS_FAILPOINT_EXIT, BUY("alice"));
    run(&sc, "purchase.slot-added", BS_FAILPOINT_EXIT, BUY("carol"));
    for (int i = 0; i < 4; i++) {
        pids[i] = fork();
        assert_true(pids[i] >= 0);
        if (pids[i] == 0) {
            bs_test_output out = bs_test_run((const char *const[]){"recover", NULL}, env, NULL);
            _exit(out.exit_code);
        }
    }
    for (int i = 0; i < 4; i++) {
        int status;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_check_holds(&sc);
    /* carol paid for slot 0 once; alice lost it and paid nothing. */
    assert_balances(&sc, FUNDS, 985, FUNDS - 1000, 15);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_faults_every_failpoint_recovers),
        cmocka_unit_test(test_faults_check_reports_unfinished_purchase),
        cmocka_unit_test(test_faults_concurrent_recovers_finish_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
