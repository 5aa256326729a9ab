/*
 * test_admin.c — the operator's side of `bitslot serve` (issue 11, part 3)
 * from the outside, over real HTTP on a real LMDB store, the clock of the
 * server and the commands fixed (BITSLOT_NOW), so that every answer is
 * exact:
 *   - /api/v1/admin/... answer only the operator account's key: 200 with
 *     it, 403 with another account's, 401 with none or an unknown one;
 *     a refused call changes nothing;
 *   - hiding an ad over the API: within the cache's refresh the embed
 *     shows the campaign's "your ad here" link, not the ad (HTML and JSON),
 *     counts no impression, and the ad's image and its slot's /go answer
 *     404 "hidden" — in this server and in one that never saw the campaign;
 *     no account or ledger document changes (the money to the satoshi);
 *     showing it again brings the ad back;
 *   - an image two advertisers share (one file uploaded twice) stays
 *     served while an ad that is not hidden has it, and so do that ad's
 *     clicks; the hidden ad's own slot is refused;
 *   - a purchase with a hidden ad is refused (403 ad_hidden, the reason),
 *     with or without an Idempotency-Key, writing nothing; GET /api/v1/ads
 *     says the ad is hidden and why;
 *   - each refusal of hide and show (no such ad, no reason, a reason that
 *     breaks its rule, an unknown field, an ad not hidden) is its exact
 *     JSON error, with the store byte for byte as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"
#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NOW       "1800000000"
#define ENV       ARGS("BITSLOT_NOW=" NOW, "BITSLOT_SWEEP_INTERVAL=86400")
#define RULE      "1 to 200 characters of text without control characters or direction overrides"
#define NOT_OPERATOR                                                                               \
    "{\"error\":{\"code\":\"not_operator\",\"message\":\"only the operator may do this: send the " \
    "operator account's API key (bitslot account new-key operator makes one)\"}}"
#define NO_KEY                                                                                     \
    "{\"error\":{\"code\":\"no_api_key\",\"message\":\"this needs your API key: send "             \
    "\\\"Authorization: Bearer <api key>\\\"\"}}"
#define BAD_KEY                                                                                    \
    "{\"error\":{\"code\":\"bad_api_key\",\"message\":\"that API key is not one of this "          \
    "service's (\\\"Authorization: Bearer\\\" and the 64 characters account creation gave)\"}}"
#define X10  "xxxxxxxxxx"
#define X200 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10 X10
#define HIDE "/api/v1/admin/ads/alice/0/hide"
#define SHOW "/api/v1/admin/ads/alice/0/show"
#define HIDDEN_IMAGE                                                                               \
    "{\"error\":{\"code\":\"hidden\",\"message\":\"this image is of an ad the operator hid\"}}"
#define HIDDEN_GO                                                                                  \
    "{\"error\":{\"code\":\"hidden\",\"message\":\"the ad of this slot was hidden by the "         \
    "operator\"}}"

/* A site: bob sells bob/0 (1000 sat, hour slots, 300x250), alice has
 * 10000 sat and ad alice/0; the keys of alice and of the operator. */
typedef struct admin {
    bs_test_site site;
    char alice[65], bob[65], op[65];
} admin;

/* A key from the `{"name","api_key"}` a command printed. */
static void
key_of(char *out, char *printed)
{
    const char *at = strstr(printed, "\"api_key\":\"");

    assert_non_null(at);
    memcpy(out, at + 11, 64);
    out[64] = '\0';
    free(printed);
}

static void
admin_open(admin *a, const char *name)
{
    char png[4200];

    bs_test_site_open(&a->site, name, ENV);
    bs_test_register(&a->site, "alice", a->alice);
    bs_test_register(&a->site, "bob", a->bob);
    key_of(a->op, bs_test_site_run(&a->site, 0, ARGS("account", "new-key", "operator")));
    free(bs_test_site_run(&a->site, 0,
                          ARGS("account", "adjust", "alice", "10000", "--reason", "funds")));
    free(bs_test_site_run(&a->site, 0,
                          ARGS("campaign", "create", "bob", "--min-price", "1000", "--slot-seconds",
                               "3600", "--size", "300x250")));
    snprintf(png, sizeof(png), "%s/%s.png", bs_test_tmpdir(), name);
    bs_test_write_png(png, 300, 250);
    free(bs_test_site_run(
        &a->site, 0,
        ARGS("ad", "add", "alice", "--image", png, "--url", "https://alice.example/")));
}

static void
admin_close(admin *a)
{
    free(bs_test_site_close(&a->site));
}

/* GET path until its body holds `needle`, for at most `seconds`. */
static bool
wait_for(const bs_test_server *s, const char *path, const char *needle, int seconds)
{
    for (int i = 0; i < seconds * 50; i++) {
        bs_test_response r = bs_test_get(s, path, NULL);
        bool found = strstr(r.body, needle) != NULL;
        bs_test_response_release(&r);
        if (found)
            return true;
        usleep(20000);
    }
    return false;
}

/* Documents under `prefix`, twice alike 200 ms apart (the server's
 * background loop credits a sale a moment after it). */
static char *
settled(const admin *a, const char *prefix)
{
    char *before = bs_test_site_run(&a->site, 0, ARGS("dump", prefix));

    for (int i = 0; i < 50; i++) {
        char *after;
        usleep(200000);
        after = bs_test_site_run(&a->site, 0, ARGS("dump", prefix));
        if (strcmp(after, before) == 0) {
            free(after);
            break;
        }
        free(before);
        before = after;
    }
    return before;
}

/* The operator's list of withdrawals: every account's, by state or by
 * account; only with the operator's key; a bad state or an unknown account
 * said exactly. */
static void
test_admin_withdrawals(void **state)
{
    const char *to = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
    char *out, want[1024];
    long long when;
    admin a;

    (void)state;
    admin_open(&a, "withdrawals");
    free(bs_test_site_run(&a.site, 0,
                          ARGS("account", "adjust", "alice", "200000", "--reason", "funds")));
    out = bs_test_site_run(&a.site, 0,
                           ARGS("withdraw", "alice", "--amount", "100000", "--to", to, "--request",
                                "0123456789abcdef0123456789abcdef"));
    assert_non_null(strstr(out, "\"requested\":"));
    when = strtoll(strstr(out, "\"requested\":") + strlen("\"requested\":"), NULL, 10);
    free(out);
    bs_test_expect(&a.site, "GET", "/api/v1/admin/withdrawals?state=refused", a.op, NULL, 200,
                   "{\"withdrawals\":[]}");
    snprintf(want, sizeof(want),
             "{\"withdrawals\":[{\"id\":\"0123456789abcdef0123456789abcdef\",\"account\":"
             "\"alice\",\"amount\":100000,\"fee\":1500,\"address\":\"%s\",\"requested\":%lld,"
             "\"state\":\"requested\",\"updated\":%lld}]}",
             to, when, when);
    bs_test_expect(&a.site, "GET", "/api/v1/admin/withdrawals", a.op, NULL, 200, want);
    bs_test_expect(&a.site, "GET", "/api/v1/admin/withdrawals?state=requested&account=Alice", a.op,
                   NULL, 200, want);
    out = bs_test_site_run(&a.site, 0, ARGS("withdrawals", "list", "--state", "requested"));
    assert_int_equal(strncmp(out, want + strlen("{\"withdrawals\":"), strlen(out) - 2), 0);
    free(out);
    bs_test_expect(&a.site, "GET", "/api/v1/admin/withdrawals?state=paid", a.op, NULL, 400,
                   "{\"error\":{\"code\":\"invalid_parameter\",\"message\":\"invalid state "
                   "\\\"paid\\\" (requested, signed, broadcast, confirmed or refused)\"}}");
    bs_test_expect(
        &a.site, "GET", "/api/v1/admin/withdrawals?account=nobody", a.op, NULL, 404,
        "{\"error\":{\"code\":\"no_account\",\"message\":\"no account \\\"nobody\\\"\"}}");
    bs_test_expect(&a.site, "GET", "/api/v1/admin/withdrawals", a.alice, NULL, 403, NOT_OPERATOR);
    bs_test_expect(&a.site, "GET", "/api/v1/admin/withdrawals", NULL, NULL, 401, NO_KEY);
    admin_close(&a);
}

static void
test_admin_routes_take_only_the_operators_key(void **state)
{
    admin a;

    (void)state;
    admin_open(&a, "keys");
    bs_test_expect(
        &a.site, "GET", "/api/v1/admin/stats", a.op, NULL, 200,
        "{\"accounts\":{\"total\":3,\"locked_now\":0},\"sales\":{\"campaigns\":1,"
        "\"slots_sold\":0,\"fee_entries\":0,\"fees_sat\":0},\"deposits\":{\"credited\":0,"
        "\"amount_sat\":0},\"keys\":{\"total\":0,\"left_to_hand_out\":0,"
        "\"handed_out\":0},\"ads\":{\"hidden\":0},\"recoveries\":{\"passes\":0,"
        "\"purchases_finished\":0,\"imports_finished\":0},\"withdrawals_by_state\":{\"requested\":"
        "0,\"signed\":0,\"broadcast\":0,\"confirmed\":0,\"refused\":0,\"waiting_sat\":0,\"paid_"
        "sat\":0,\"refunded_sat\":0,\"fees_sat\":0}}");
    bs_test_expect(&a.site, "GET", "/api/v1/admin/stats", a.alice, NULL, 403, NOT_OPERATOR);
    bs_test_expect(&a.site, "GET", "/api/v1/admin/stats", NULL, NULL, 401, NO_KEY);
    bs_test_expect(&a.site, "GET", "/api/v1/admin/stats",
                   "0000000000000000000000000000000000000000000000000000000000000000", NULL, 401,
                   BAD_KEY);
    bs_test_refused(&a.site, "POST", HIDE, a.alice, "{\"reason\":\"spam\"}", 403, NOT_OPERATOR);
    bs_test_refused(&a.site, "POST", HIDE, a.bob, "{\"reason\":\"spam\"}", 403, NOT_OPERATOR);
    bs_test_refused(&a.site, "POST", HIDE, NULL, "{\"reason\":\"spam\"}", 401, NO_KEY);
    bs_test_refused(&a.site, "POST", SHOW, a.alice, NULL, 403, NOT_OPERATOR);
    bs_test_refused(&a.site, "POST", SHOW, NULL, NULL, 401, NO_KEY);
    /* The operator's old key stops working with a new one. */
    {
        char old[65];
        memcpy(old, a.op, sizeof(old));
        key_of(a.op, bs_test_site_run(&a.site, 0, ARGS("account", "new-key", "operator")));
        bs_test_expect(&a.site, "GET", "/api/v1/admin/stats", old, NULL, 401, BAD_KEY);
        bs_test_expect(&a.site, "POST", HIDE, a.op, "{\"reason\":\"spam\"}", 200,
                       "{\"ad\":\"alice/0\",\"hidden\":true,\"reason\":\"spam\",\"time\":" NOW
                       ",\"by\":\"api\",\"was_hidden\":false}");
    }
    admin_close(&a);
}

static void
test_admin_hidden_ad_gives_way_to_your_ad_here(void **state)
{
    char image[256], *money, *after, *at;
    bs_test_server fresh;
    long long impressions;
    bs_test_response r;
    admin a;

    (void)state;
    admin_open(&a, "hide");
    r = bs_test_http(&a.site.server, "POST", "/api/v1/campaigns/bob/0/buy", a.alice,
                     "{\"ad\":\"alice/0\"}");
    assert_int_equal(r.status, 201);
    bs_test_response_release(&r);
    assert_true(wait_for(&a.site.server, "/embed/bob/0", "/go/bob/0/0", 5));
    r = bs_test_get(&a.site.server, "/embed/bob/0.json", NULL);
    at = strstr(r.body, "\"image\":\"");
    assert_non_null(at);
    snprintf(image, sizeof(image), "%.*s", (int)strcspn(at + 9, "\""), at + 9);
    bs_test_response_release(&r);
    money = settled(&a, "account/");

    bs_test_expect(&a.site, "POST", HIDE, a.op, "{\"reason\":\"<b>misleading</b> \xc3\xa9\"}", 200,
                   "{\"ad\":\"alice/0\",\"hidden\":true,\"reason\":\"<b>misleading</b> \\u00E9\","
                   "\"time\":" NOW ",\"by\":\"api\",\"was_hidden\":false}");
    assert_true(wait_for(&a.site.server, "/embed/bob/0", "your ad here</a>", 10));
    r = bs_test_get(&a.site.server, "/embed/bob/0", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<body><a class=\"free\" href=\"/campaigns/bob/0\" "
                                   "target=\"_blank\" rel=\"noopener\">your ad here</a></body>"));
    assert_null(strstr(r.body, "/go/"));
    assert_null(strstr(r.body, "/img/"));
    bs_test_response_release(&r);
    bs_test_expect(&a.site, "GET", "/embed/bob/0.json", NULL, NULL, 200,
                   "{\"campaign\":\"bob/0\",\"showing\":false,\"width\":300,\"height\":250,"
                   "\"link\":\"/campaigns/bob/0\"}");
    bs_test_expect(&a.site, "GET", image, NULL, NULL, 404, HIDDEN_IMAGE);
    bs_test_expect(&a.site, "GET", "/go/bob/0/0", NULL, NULL, 404, HIDDEN_GO);
    /* A hidden ad is not shown, so it is not an impression. */
    impressions = bs_test_metric(&a.site.server, "bitslot_impressions_total");
    for (int i = 0; i < 10; i++)
        bs_test_expect(&a.site, "GET", "/embed/bob/0.json", NULL, NULL, 200,
                       "{\"campaign\":\"bob/0\",\"showing\":false,\"width\":300,\"height\":250,"
                       "\"link\":\"/campaigns/bob/0\"}");
    assert_int_equal(bs_test_metric(&a.site.server, "bitslot_impressions_total"), impressions);
    /* A server that never showed the campaign refuses the image too. */
    bs_test_server_start(&fresh, a.site.url, ENV);
    r = bs_test_get(&fresh, image, NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, HIDDEN_IMAGE);
    bs_test_response_release(&r);
    r = bs_test_get(&fresh, "/go/bob/0/0", NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, HIDDEN_GO);
    bs_test_response_release(&r);
    {
        bs_test_output out = bs_test_server_stop(&fresh);
        assert_int_equal(out.exit_code, 0);
        bs_test_output_release(&out);
    }
    /* Hiding is no money matter: every account as it was. */
    after = bs_test_site_run(&a.site, 0, ARGS("dump", "account/"));
    assert_string_equal(after, money);
    free(after);

    /* Shown again: the ad is back, in the embed, its image and its link. */
    bs_test_expect(&a.site, "POST", SHOW, a.op, NULL, 200,
                   "{\"ad\":\"alice/0\",\"hidden\":false,\"reason_was\":\"<b>misleading</b> "
                   "\\u00E9\"}");
    assert_true(wait_for(&a.site.server, "/embed/bob/0", "/go/bob/0/0", 10));
    r = bs_test_get(&a.site.server, image, NULL);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "\x89PNG", 4);
    bs_test_response_release(&r);
    r = bs_test_get(&a.site.server, "/go/bob/0/0", NULL);
    assert_int_equal(r.status, 302);
    bs_test_response_release(&r);
    after = bs_test_site_run(&a.site, 0, ARGS("dump", "account/"));
    assert_string_equal(after, money);
    free(after);
    free(money);
    after = bs_test_site_run(&a.site, 0, ARGS("check"));
    assert_non_null(strstr(after, "ok: "));
    free(after);
    admin_close(&a);
}

/* GET path until it answers `status`, for at most `seconds`. */
static bool
wait_status(const bs_test_server *s, const char *path, long status, int seconds)
{
    for (int i = 0; i < seconds * 50; i++) {
        bs_test_response r = bs_test_get(s, path, NULL);
        bool found = r.status == status;
        bs_test_response_release(&r);
        if (found)
            return true;
        usleep(20000);
    }
    return false;
}

/* GET path: `status`, and a PNG when 200, else exactly `body`. */
static void
expect_image(const bs_test_server *s, const char *path, long status, const char *body)
{
    bs_test_response r = bs_test_get(s, path, NULL);

    assert_int_equal(r.status, status);
    if (status == 200)
        assert_memory_equal(r.body, "\x89PNG", 4);
    else
        assert_string_equal(r.body, body);
    bs_test_response_release(&r);
}

/* The /img/... address the embed of `campaign` shows. */
static void
embed_image(const bs_test_server *s, const char *campaign, char *out, size_t size)
{
    char path[128];
    bs_test_response r;
    const char *at;

    snprintf(path, sizeof(path), "/embed/%s.json", campaign);
    r = bs_test_get(s, path, NULL);
    at = strstr(r.body, "\"image\":\"");
    assert_non_null(at);
    snprintf(out, size, "%.*s", (int)strcspn(at + 9, "\""), at + 9);
    bs_test_response_release(&r);
}

/* Two advertisers uploaded one file, so their ads share an image: hiding
 * alice/0 takes neither the image nor the clicks from s3/0, which is not
 * hidden — in this server and in one that never saw a campaign — while
 * alice/0's own slot stays refused. Once s3/0 is hidden too, the image
 * goes; shown again, it comes back. */
static void
test_admin_hiding_keeps_a_shared_image_of_an_ad_not_hidden(void **state)
{
    char image[256], other[256], png[4200], s3[65];
    bs_test_server fresh;
    bs_test_response r;
    admin a;

    (void)state;
    admin_open(&a, "shared");
    bs_test_register(&a.site, "s3", s3);
    free(bs_test_site_run(&a.site, 0,
                          ARGS("account", "adjust", "s3", "10000", "--reason", "funds")));
    free(bs_test_site_run(&a.site, 0,
                          ARGS("campaign", "create", "bob", "--min-price", "1000", "--slot-seconds",
                               "3600", "--size", "300x250")));
    snprintf(png, sizeof(png), "%s/shared.png", bs_test_tmpdir());
    bs_test_write_png(png, 300, 250); /* the file alice uploaded, again */
    free(bs_test_site_run(&a.site, 0,
                          ARGS("ad", "add", "s3", "--image", png, "--url", "https://s3.example/")));
    r = bs_test_http(&a.site.server, "POST", "/api/v1/campaigns/bob/0/buy", a.alice,
                     "{\"ad\":\"alice/0\"}");
    assert_int_equal(r.status, 201);
    bs_test_response_release(&r);
    r = bs_test_http(&a.site.server, "POST", "/api/v1/campaigns/bob/1/buy", s3,
                     "{\"ad\":\"s3/0\"}");
    assert_int_equal(r.status, 201);
    bs_test_response_release(&r);
    assert_true(wait_for(&a.site.server, "/embed/bob/0", "/go/bob/0/0", 5));
    assert_true(wait_for(&a.site.server, "/embed/bob/1", "/go/bob/1/0", 5));
    embed_image(&a.site.server, "bob/0", image, sizeof(image));
    embed_image(&a.site.server, "bob/1", other, sizeof(other));
    assert_string_equal(image, other); /* one image, two ads */

    bs_test_expect(&a.site, "POST", HIDE, a.op, "{\"reason\":\"spam\"}", 200,
                   "{\"ad\":\"alice/0\",\"hidden\":true,\"reason\":\"spam\",\"time\":" NOW
                   ",\"by\":\"api\",\"was_hidden\":false}");
    assert_true(wait_for(&a.site.server, "/embed/bob/0", "your ad here</a>", 10));
    r = bs_test_get(&a.site.server, "/embed/bob/1", NULL);
    assert_non_null(strstr(r.body, image)); /* s3/0 still shows, with the image */
    bs_test_response_release(&r);
    expect_image(&a.site.server, image, 200, NULL);
    expect_image(&a.site.server, image, 200, NULL); /* remembered */
    r = bs_test_get(&a.site.server, "/go/bob/1/0", NULL);
    assert_int_equal(r.status, 302);
    bs_test_response_release(&r);
    expect_image(&a.site.server, "/go/bob/0/0", 404, HIDDEN_GO);
    /* A server that never showed either campaign: the same. */
    bs_test_server_start(&fresh, a.site.url, ENV);
    expect_image(&fresh, image, 200, NULL);
    r = bs_test_get(&fresh, "/go/bob/1/0", NULL);
    assert_int_equal(r.status, 302);
    bs_test_response_release(&r);
    expect_image(&fresh, "/go/bob/0/0", 404, HIDDEN_GO);
    {
        bs_test_output out = bs_test_server_stop(&fresh);
        assert_int_equal(out.exit_code, 0);
        bs_test_output_release(&out);
    }

    /* Both hidden: no ad shows the image any more, so it is refused. */
    free(bs_test_site_run(&a.site, 0, ARGS("ad", "hide", "s3/0", "--reason", "spam too")));
    assert_true(wait_for(&a.site.server, "/embed/bob/1", "your ad here</a>", 10));
    assert_true(wait_status(&a.site.server, image, 404, 10));
    expect_image(&a.site.server, image, 404, HIDDEN_IMAGE);
    expect_image(&a.site.server, "/go/bob/1/0", 404, HIDDEN_GO);
    /* alice/0 shown again: the image is back at once, in its embed too. */
    bs_test_expect(&a.site, "POST", SHOW, a.op, NULL, 200,
                   "{\"ad\":\"alice/0\",\"hidden\":false,\"reason_was\":\"spam\"}");
    assert_true(wait_for(&a.site.server, "/embed/bob/0", "/go/bob/0/0", 10));
    expect_image(&a.site.server, image, 200, NULL);
    expect_image(&a.site.server, "/go/bob/1/0", 404, HIDDEN_GO);
    admin_close(&a);
}

#define AD_HIDDEN                                                                                  \
    "{\"error\":{\"code\":\"ad_hidden\",\"message\":\"ad \\\"alice/0\\\" was hidden by the "       \
    "operator: <b>spam</b> & more; choose another ad\"}}"

/* A purchase with an ad the operator hid: 403 with the reason, with or
 * without an Idempotency-Key, and nothing written (the key stays free);
 * GET /api/v1/ads says which ad is hidden and why. Shown again, the same
 * key buys. */
static void
test_admin_hidden_ad_is_not_bought(void **state)
{
    const char *const key_k[] = {"Idempotency-Key: k1", NULL};
    char *before, *after;
    bs_test_response r;
    admin a;

    (void)state;
    admin_open(&a, "nobuy");
    bs_test_expect(&a.site, "POST", HIDE, a.op, "{\"reason\":\"<b>spam</b> & more\"}", 200,
                   "{\"ad\":\"alice/0\",\"hidden\":true,\"reason\":\"<b>spam</b> & "
                   "more\",\"time\":" NOW ",\"by\":\"api\",\"was_hidden\":false}");
    bs_test_refused(&a.site, "POST", "/api/v1/campaigns/bob/0/buy", a.alice, "{\"ad\":\"alice/0\"}",
                    403, AD_HIDDEN);
    before = bs_test_site_dump(&a.site);
    r = bs_test_http_with(&a.site.server, "POST", "/api/v1/campaigns/bob/0/buy", a.alice,
                          "{\"ad\":\"alice/0\"}", key_k, true);
    assert_int_equal(r.status, 403);
    assert_string_equal(r.body, AD_HIDDEN);
    bs_test_response_release(&r);
    after = bs_test_site_dump(&a.site);
    assert_string_equal(after, before);
    free(before);
    free(after);
    r = bs_test_http(&a.site.server, "GET", "/api/v1/ads", a.alice, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"hidden\":true,\"hidden_reason\":\"<b>spam</b> & more\"}]"));
    bs_test_response_release(&r);

    bs_test_expect(&a.site, "POST", SHOW, a.op, NULL, 200,
                   "{\"ad\":\"alice/0\",\"hidden\":false,\"reason_was\":\"<b>spam</b> & "
                   "more\"}");
    r = bs_test_http(&a.site.server, "GET", "/api/v1/ads", a.alice, NULL);
    assert_null(strstr(r.body, "hidden"));
    bs_test_response_release(&r);
    r = bs_test_http_with(&a.site.server, "POST", "/api/v1/campaigns/bob/0/buy", a.alice,
                          "{\"ad\":\"alice/0\"}", key_k, true);
    assert_int_equal(r.status, 201);
    assert_non_null(strstr(r.body, "\"index\":0,"));
    bs_test_response_release(&r);
    admin_close(&a);
}

static void
test_admin_hide_and_show_refusals_change_nothing(void **state)
{
    char body[11 + 201 + 3];
    admin a;

    (void)state;
    admin_open(&a, "refusals");
    bs_test_refused(&a.site, "POST", "/api/v1/admin/ads/alice/7/hide", a.op,
                    "{\"reason\":\"spam\"}", 404,
                    "{\"error\":{\"code\":\"no_ad\",\"message\":\"no ad \\\"alice/7\\\"\"}}");
    bs_test_refused(&a.site, "POST", "/api/v1/admin/ads/nobody/0/hide", a.op,
                    "{\"reason\":\"spam\"}", 404,
                    "{\"error\":{\"code\":\"no_ad\",\"message\":\"no ad \\\"nobody/0\\\"\"}}");
    bs_test_refused(&a.site, "POST", "/api/v1/admin/ads/alice/x/hide", a.op,
                    "{\"reason\":\"spam\"}", 404,
                    "{\"error\":{\"code\":\"no_ad\",\"message\":\"no ad \\\"alice/x\\\"\"}}");
    bs_test_refused(&a.site, "POST", HIDE, a.op, "{\"reason\":\"\"}", 400,
                    "{\"error\":{\"code\":\"missing_reason\",\"message\":\"hiding an ad needs a "
                    "\\\"reason\\\": its buyer is shown why\"}}");
    bs_test_refused(&a.site, "POST", HIDE, a.op, "{}", 400,
                    "{\"error\":{\"code\":\"missing_reason\",\"message\":\"hiding an ad needs a "
                    "\\\"reason\\\": its buyer is shown why\"}}");
    bs_test_refused(&a.site, "POST", HIDE, a.op, "{\"reason\":\"tab\\there\"}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"invalid reason (" RULE
                    ")\"}}");
    memset(body, 'x', sizeof(body));
    memcpy(body, "{\"reason\":\"", 11);
    memcpy(body + 11 + 201, "\"}", 3); /* 201 characters */
    bs_test_refused(&a.site, "POST", HIDE, a.op, body, 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"invalid reason (" RULE
                    ")\"}}");
    body[11 + 200] = '"'; /* 200: not too many */
    memcpy(body + 11 + 201, "}", 2);
    bs_test_expect(&a.site, "POST", HIDE, a.op, body, 200,
                   "{\"ad\":\"alice/0\",\"hidden\":true,\"reason\":\"" X200 "\",\"time\":" NOW
                   ",\"by\":\"api\",\"was_hidden\":false}");
    bs_test_expect(&a.site, "POST", SHOW, a.op, NULL, 200,
                   "{\"ad\":\"alice/0\",\"hidden\":false,\"reason_was\":\"" X200 "\"}");
    bs_test_refused(&a.site, "POST", HIDE, a.op, "{\"reason\":5}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"\\\"reason\\\" must be a "
                    "string\"}}");
    bs_test_refused(&a.site, "POST", HIDE, a.op, "{\"reason\":\"spam\",\"why\":1}", 400,
                    "{\"error\":{\"code\":\"unknown_field\",\"message\":\"unknown field "
                    "\\\"why\\\" (known: \\\"reason\\\")\"}}");
    bs_test_refused(&a.site, "POST", SHOW, a.op, NULL, 409,
                    "{\"error\":{\"code\":\"not_hidden\",\"message\":\"ad \\\"alice/0\\\" is not "
                    "hidden; nothing changed\"}}");
    bs_test_refused(&a.site, "POST", "/api/v1/admin/ads/alice/3/show", a.op, NULL, 404,
                    "{\"error\":{\"code\":\"no_ad\",\"message\":\"no ad \\\"alice/3\\\"\"}}");
    bs_test_refused(&a.site, "GET", HIDE, a.op, NULL, 405,
                    "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"this path does not "
                    "take that method\"}}");
    /* Hiding again replaces the reason. */
    bs_test_expect(&a.site, "POST", HIDE, a.op, "{\"reason\":\"first\"}", 200,
                   "{\"ad\":\"alice/0\",\"hidden\":true,\"reason\":\"first\",\"time\":" NOW
                   ",\"by\":\"api\",\"was_hidden\":false}");
    bs_test_expect(&a.site, "POST", "/api/v1/admin/ads/ALICE/0/hide", a.op,
                   "{\"reason\":\"second\"}", 200,
                   "{\"ad\":\"alice/0\",\"hidden\":true,\"reason\":\"second\",\"time\":" NOW
                   ",\"by\":\"api\",\"was_hidden\":true}");
    admin_close(&a);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admin_routes_take_only_the_operators_key),
        cmocka_unit_test(test_admin_withdrawals),
        cmocka_unit_test(test_admin_hidden_ad_gives_way_to_your_ad_here),
        cmocka_unit_test(test_admin_hiding_keeps_a_shared_image_of_an_ad_not_hidden),
        cmocka_unit_test(test_admin_hidden_ad_is_not_bought),
        cmocka_unit_test(test_admin_hide_and_show_refusals_change_nothing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
