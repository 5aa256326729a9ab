/*
 * test_api.c — the JSON API of `bitslot serve` from the outside, over real
 * HTTP on a real LMDB store: campaigns, purchases with each status of the
 * list in issue 8 (each refusal shown to change nothing), and purchases
 * sent with an Idempotency-Key — twice, with another order, and again
 * after the process that served the first send was killed at each step of
 * the purchase; and the server paying the seller and the operator for a
 * sale at once, off the purchase's path, long before its next sweep.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "core/docs.h"
#include "util/failpoint.h"
#include "web/routes.h"
#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

#define CAMPAIGN_300 "{\"min_price\":1000,\"slot_seconds\":3600,\"width\":300,\"height\":250}"

/* A seller with campaigns and a buyer with ads, money and keys. */
typedef struct shop {
    bs_test_site site;
    char seller[65], buyer[65], other[65];
} shop;

static void
make_ad(const shop *s, const char *owner, const char *png, const char *categories)
{
    free(bs_test_site_run(&s->site, 0,
                          ARGS("ad", "add", owner, "--image", png, "--url", "https://ads.example/",
                               "--categories", categories)));
}

static void
shop_open(shop *s, const char *name, const char *const *env)
{
    char png[4200], wide[4200];

    bs_test_site_open(&s->site, name, env);
    bs_test_register(&s->site, "seller", s->seller);
    bs_test_register(&s->site, "buyer", s->buyer);
    bs_test_register(&s->site, "other", s->other);
    snprintf(png, sizeof(png), "%s/%s-300x250.png", bs_test_tmpdir(), name);
    snprintf(wide, sizeof(wide), "%s/%s-728x90.png", bs_test_tmpdir(), name);
    bs_test_write_png(png, 300, 250);
    bs_test_write_png(wide, 728, 90);
    make_ad(s, "buyer", png, "shoes");    /* buyer/0 */
    make_ad(s, "buyer", png, "gambling"); /* buyer/1 */
    make_ad(s, "buyer", wide, "shoes");   /* buyer/2 */
    make_ad(s, "other", png, "shoes");    /* other/0 */
}

/* POST a campaign of the seller's; it must be `id`. */
static void
campaign(const shop *s, const char *body, const char *id)
{
    char want[64];

    snprintf(want, sizeof(want), "{\"id\":\"%s\"}", id);
    bs_test_expect(&s->site, "POST", "/api/v1/campaigns", s->seller, body, 201, want);
}

static void
fund(const shop *s, const char *who, const char *amount)
{
    free(bs_test_site_run(&s->site, 0, ARGS("account", "adjust", who, amount, "--reason", "test")));
}

/* The balance of the account of `key`, from the API. */
static long long
balance(const shop *s, const char *key)
{
    bs_test_response r = bs_test_http(&s->site.server, "GET", "/api/v1/account", key, NULL);
    const char *at = strstr(r.body, "\"balance\":");
    long long b;

    assert_int_equal(r.status, 200);
    assert_non_null(at);
    b = strtoll(at + 10, NULL, 10);
    bs_test_response_release(&r);
    return b;
}

/* The index of the slot for sale in campaign `path`. */
static long long
next_slot(const shop *s, const char *path)
{
    bs_test_response r = bs_test_http(&s->site.server, "GET", path, NULL, NULL);
    static const char field[] = "\"next_slot\":{\"index\":";
    const char *at = strstr(r.body, field);
    long long n;

    assert_int_equal(r.status, 200);
    assert_non_null(at);
    n = strtoll(at + sizeof(field) - 1, NULL, 10);
    bs_test_response_release(&r);
    return n;
}

/* Wait until the server's background loop has done what a sale asks of
 * it (crediting the seller, copying the buyer's ledger entry out: at once,
 * but on its own thread), so that a refusal after a sale can be shown to
 * change nothing: two dumps 200 ms apart alike, for at most 10 s. */
static void
settle(const shop *s)
{
    char *before = bs_test_site_dump(&s->site);

    for (int i = 0; i < 50; i++) {
        char *after;
        usleep(200000);
        after = bs_test_site_dump(&s->site);
        if (strcmp(before, after) == 0) {
            free(after);
            break;
        }
        free(before);
        before = after;
    }
    free(before);
}

static void
check_holds(const shop *s)
{
    char *out = bs_test_site_run(&s->site, 0, ARGS("check"));

    assert_non_null(strstr(out, "ok: "));
    free(out);
}

static void
test_api_campaigns_create_list_show(void **state)
{
    static const char bad_field[] =
        "{\"error\":{\"code\":\"unknown_field\",\"message\":\"unknown field \\\"titel\\\" (known: "
        "\\\"min_price\\\", \\\"slot_seconds\\\", \\\"width\\\", \\\"height\\\", \\\"title\\\" and "
        "\\\"disallow\\\")\"}}";
    bs_test_response r;
    shop s;

    (void)state;
    shop_open(&s, "campaigns", NULL);
    campaign(&s,
             "{\"min_price\":1000,\"slot_seconds\":3600,\"width\":300,\"height\":250,"
             "\"title\":\"Top banner\",\"disallow\":\"gambling,crypto\"}",
             "seller/0");
    r = bs_test_http(&s.site.server, "GET", "/api/v1/campaigns/seller/0", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"id\":\"seller/0\",\"min_price\":1000,\"slot_seconds\":3600,"
                                   "\"width\":300,\"height\":250,\"title\":\"Top banner\","
                                   "\"disallowed\":[\"gambling\",\"crypto\"]"));
    assert_non_null(strstr(r.body, "\"price_now\":1000,\"next_slot\":{\"index\":0,"));
    bs_test_response_release(&r);
    r = bs_test_http(&s.site.server, "GET", "/api/v1/campaigns?owner=SELLER", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_true(r.body[0] == '[' && strstr(r.body, "\"id\":\"seller/0\"") != NULL);
    bs_test_response_release(&r);

    bs_test_refused(&s.site, "POST", "/api/v1/campaigns", NULL, CAMPAIGN_300, 401,
                    "{\"error\":{\"code\":\"no_api_key\",\"message\":\"this needs your API key: "
                    "send \\\"Authorization: Bearer <api key>\\\"\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns", s.seller,
                    "{\"min_price\":1000,\"slot_seconds\":3600,\"width\":300,\"height\":250,"
                    "\"titel\":\"x\"}",
                    400, bad_field);
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns", s.seller,
                    "{\"min_price\":0,\"slot_seconds\":3600,\"width\":300,\"height\":250}", 400,
                    "{\"error\":{\"code\":\"bad_min_price\",\"message\":\"the minimum price must "
                    "be 1 sat to 21 million BTC\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns", s.seller,
                    "{\"min_price\":\"1000\",\"slot_seconds\":3600,\"width\":300,\"height\":250}",
                    400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"\\\"min_price\\\" must "
                    "be a whole number (a JSON integer)\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns", s.seller,
                    "{\"min_price\":1000,\"slot_seconds\":59,\"width\":300,\"height\":250}", 400,
                    "{\"error\":{\"code\":\"bad_slot_seconds\",\"message\":\"a slot must last 60 "
                    "seconds to 31622400 seconds (366 days)\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns", s.seller,
                    "{\"min_price\":1000,\"slot_seconds\":3600,\"width\":3000,\"height\":250}", 400,
                    "{\"error\":{\"code\":\"bad_size\",\"message\":\"the ad size must be 16 to "
                    "2048 pixels each way\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns", s.seller,
                    "{\"min_price\":1000,\"slot_seconds\":3600,\"width\":300}", 400,
                    "{\"error\":{\"code\":\"missing_field\",\"message\":\"\\\"height\\\" must be a "
                    "whole number (a JSON integer)\"}}");
    bs_test_refused(&s.site, "GET", "/api/v1/campaigns/seller/7", NULL, NULL, 404,
                    "{\"error\":{\"code\":\"no_campaign\",\"message\":\"no campaign "
                    "\\\"seller/7\\\"\"}}");
    bs_test_refused(&s.site, "GET", "/api/v1/campaigns/seller/x", NULL, NULL, 404,
                    "{\"error\":{\"code\":\"no_campaign\",\"message\":\"no campaign "
                    "\\\"seller/x\\\"\"}}");
    bs_test_refused(&s.site, "GET", "/api/v1/campaigns?owner=nobody", NULL, NULL, 404,
                    "{\"error\":{\"code\":\"no_account\",\"message\":\"no account "
                    "\\\"nobody\\\"\"}}");
    bs_test_refused(&s.site, "GET", "/api/v1/campaigns?owner=a%20b", NULL, NULL, 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"invalid account "
                    "name \\\"a b\\\" (letters, digits and _, at most 64)\"}}");
    bs_test_refused(&s.site, "GET", "/api/v1/campaigns?owner=a&owner=b", NULL, NULL, 400,
                    "{\"error\":{\"code\":\"bad_query\",\"message\":\"the query string: the "
                    "form gives the field \\\"owner\\\" twice\"}}");
    bs_test_refused(&s.site, "GET", "/api/v1/campaigns?owner=%zz", NULL, NULL, 400,
                    "{\"error\":{\"code\":\"bad_query\",\"message\":\"the query string: the "
                    "form is malformed: the field \\\"owner\\\" has a '%' without two hex "
                    "digits after it\"}}");
    bs_test_refused(&s.site, "GET", "/api/v1/campaigns/seller/0?fields=all", NULL, NULL, 400,
                    "{\"error\":{\"code\":\"unknown_parameter\",\"message\":\"unknown query "
                    "parameter \\\"fields\\\" (this path takes none)\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns?owner=other", s.seller, CAMPAIGN_300, 400,
                    "{\"error\":{\"code\":\"unknown_parameter\",\"message\":\"unknown query "
                    "parameter \\\"owner\\\" (this path takes none)\"}}");
    bs_test_refused(&s.site, "GET", "/api/v1/campaigns?owner=", NULL, NULL, 400,
                    "{\"error\":{\"code\":\"invalid_parameter\",\"message\":\"the query "
                    "parameter \\\"owner\\\" is empty; leave it out, or give a value\"}}");
    bs_test_refused(&s.site, "GET", "/api/v1/campaigns?page=2", NULL, NULL, 400,
                    "{\"error\":{\"code\":\"unknown_parameter\",\"message\":\"unknown query "
                    "parameter \\\"page\\\" (known: \\\"owner\\\")\"}}");
    free(bs_test_site_close(&s.site));
}

static void
test_api_buy_says_each_status(void **state)
{
    shop s;

    (void)state;
    shop_open(&s, "statuses", NULL);
    campaign(&s, CAMPAIGN_300, "seller/0");
    campaign(&s,
             "{\"min_price\":1000,\"slot_seconds\":3600,\"width\":300,\"height\":250,"
             "\"disallow\":\"gambling\"}",
             "seller/1");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"buyer/0\"}", 402,
                    "{\"error\":{\"code\":\"insufficient_funds\",\"message\":\"not enough funds: "
                    "slot 0 of \\\"seller/0\\\" costs 1000 sat and \\\"buyer\\\" has 0 "
                    "sat\",\"slot\":0,\"price\":1000}}");
    fund(&s, "buyer", "100000");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", NULL, "{\"ad\":\"buyer/0\"}",
                    401,
                    "{\"error\":{\"code\":\"no_api_key\",\"message\":\"this needs your API key: "
                    "send \\\"Authorization: Bearer <api key>\\\"\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"other/0\"}", 403,
                    "{\"error\":{\"code\":\"not_your_ad\",\"message\":\"ad \\\"other/0\\\" is not "
                    "an ad of \\\"buyer\\\"\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/1/buy", s.buyer,
                    "{\"ad\":\"buyer/1\"}", 403,
                    "{\"error\":{\"code\":\"category_disallowed\",\"message\":\"campaign "
                    "\\\"seller/1\\\" does not take ads of category \\\"gambling\\\"\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"buyer/9\"}", 404,
                    "{\"error\":{\"code\":\"no_ad\",\"message\":\"no ad \\\"buyer/9\\\"\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/9/buy", s.buyer,
                    "{\"ad\":\"buyer/0\"}", 404,
                    "{\"error\":{\"code\":\"no_campaign\",\"message\":\"no campaign "
                    "\\\"seller/9\\\"\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"buyer/2\"}", 422,
                    "{\"error\":{\"code\":\"wrong_size\",\"message\":\"ad \\\"buyer/2\\\" is "
                    "728x90 pixels, but campaign \\\"seller/0\\\" takes 300x250\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"buyer/0\",\"max_price\":999}", 409,
                    "{\"error\":{\"code\":\"price_above_limit\",\"message\":\"the price of slot 0 "
                    "of \\\"seller/0\\\" is 1000 sat, above your limit of 999 "
                    "sat\",\"slot\":0,\"price\":1000}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"buyer\"}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"invalid ad "
                    "\\\"buyer\\\" (OWNER/NUMBER, e.g. bob/0)\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"buyer/0\",\"max_price\":\"5\"}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"\\\"max_price\\\" must "
                    "be whole satoshis, 0 or more\"}}");
    /* A number is written one way: -0 is not 0. */
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"buyer/0\",\"max_price\":-0}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"\\\"max_price\\\" must "
                    "be whole satoshis, 0 or more\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"buyer/0\",\"price\":5}", 400,
                    "{\"error\":{\"code\":\"unknown_field\",\"message\":\"unknown field "
                    "\\\"price\\\" (known: \\\"ad\\\", \\\"max_price\\\" and \\\"slot\\\")\"}}");

    /* Bought: 201 and the slot; the price doubles. */
    bs_test_expect(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                   "{\"ad\":\"buyer/0\",\"max_price\":1000,\"slot\":0}", 201,
                   "{\"campaign\":\"seller/0\",\"index\":0,\"buyer\":\"buyer\",\"ad\":\"buyer/0\","
                   "\"price\":1000,\"fee\":15,\"time\":1800000000,\"start\":1800000000,\"end\":"
                   "1800003600}");
    assert_int_equal(balance(&s, s.buyer), 99000);
    settle(&s);
    bs_test_refused(&s.site, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                    "{\"ad\":\"buyer/0\",\"slot\":0}", 409,
                    "{\"error\":{\"code\":\"slot_changed\",\"message\":\"slot 0 of "
                    "\\\"seller/0\\\" is no longer for sale; slot 1 is, at 2000 "
                    "sat\",\"slot\":1,\"price\":2000}}");
    check_holds(&s);
    free(bs_test_site_close(&s.site));
}

/* An upload that must be refused with `status` and `answer`, changing
 * nothing. */
static void
upload_refused(const shop *s, const char *const *fields, const char *file, long status,
               const char *answer)
{
    char *before = bs_test_site_dump(&s->site), *after;
    bs_test_response r =
        bs_test_http_form(&s->site.server, "/api/v1/ads", s->buyer, fields, "image", file);

    if (r.status != status || strcmp(r.body, answer) != 0)
        print_message("upload %s: want %ld %s\n got %ld %s\n", file, status, answer, r.status,
                      r.body);
    assert_int_equal(r.status, status);
    assert_string_equal(r.body, answer);
    bs_test_response_release(&r);
    after = bs_test_site_dump(&s->site);
    assert_string_equal(after, before);
    free(before);
    free(after);
}

static void
test_api_ads_upload_and_refusals(void **state)
{
    char tiny[4200], text[4200], big[4200], good[4200];
    bs_test_response r;
    FILE *f;
    shop s;

    (void)state;
    shop_open(&s, "ads", NULL);
    snprintf(good, sizeof(good), "%s/banner.png", bs_test_tmpdir());
    bs_test_write_png(good, 300, 250);
    r = bs_test_http_form(&s.site.server, "/api/v1/ads", s.buyer,
                          ARGS("url", "https://shop.example/", "hover", "Spring <sale>", "nickname",
                               "spring", "categories", "shoes,hats"),
                          "image", good);
    assert_int_equal(r.status, 201);
    assert_string_equal(r.body, "{\"id\":\"buyer/3\"}");
    bs_test_response_release(&r);
    r = bs_test_http(&s.site.server, "GET", "/api/v1/ads", s.buyer, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "\"id\":\"buyer/3\""));
    assert_non_null(strstr(r.body, "\"hover\":\"Spring <sale>\""));
    bs_test_response_release(&r);

    snprintf(tiny, sizeof(tiny), "%s/tiny.png", bs_test_tmpdir());
    bs_test_write_png(tiny, 10, 10);
    snprintf(text, sizeof(text), "%s/notes.txt", bs_test_tmpdir());
    f = fopen(text, "w");
    assert_non_null(f);
    fputs("not an image at all\n", f);
    fclose(f);
    snprintf(big, sizeof(big), "%s/big.png", bs_test_tmpdir());
    f = fopen(big, "w");
    assert_non_null(f);
    for (int i = 0; i < 4 * 1024 + 1; i++)
        for (int k = 0; k < 1024; k++)
            fputc('x', f);
    fclose(f);
    upload_refused(&s, ARGS("url", "https://shop.example/"), tiny, 422,
                   "{\"error\":{\"code\":\"bad_image_size\",\"message\":\"the image "
                   "\\\"tiny.png\\\" is 10x10 pixels; ads are 16 to 2048 pixels a side\"}}");
    upload_refused(&s, ARGS("url", "https://shop.example/"), text, 415,
                   "{\"error\":{\"code\":\"not_an_image\",\"message\":\"image "
                   "\\\"notes.txt\\\": not a JPEG, PNG, GIF, WebP or BMP image\"}}");
    upload_refused(&s, ARGS("url", "https://shop.example/"), big, 413,
                   "{\"error\":{\"code\":\"form_too_large\",\"message\":\"the form field "
                   "\\\"image\\\" is larger than 4194304 bytes\"}}");
    upload_refused(&s, ARGS("hover", "no url"), good, 400,
                   "{\"error\":{\"code\":\"missing_field\",\"message\":\"an ad needs the "
                   "fields \\\"image\\\" (a file) and \\\"url\\\"\"}}");
    upload_refused(&s, ARGS("url", "javascript:alert(1)"), good, 400,
                   "{\"error\":{\"code\":\"invalid_field\",\"message\":\"invalid URL "
                   "\\\"javascript:alert(1)\\\" (an http:// or https:// address of at most 2048 "
                   "characters: a host name (no user@), an optional port, then only letters, "
                   "digits and -._~!$&()*+,;=:@/?#%)\"}}");
    bs_test_refused(&s.site, "POST", "/api/v1/ads", s.buyer, "{\"url\":\"https://x.example/\"}",
                    415,
                    "{\"error\":{\"code\":\"bad_form_type\",\"message\":\"an ad is uploaded "
                    "as multipart/form-data (a form with a file input, or curl -F image=@FILE -F "
                    "url=URL)\"}}");
    free(bs_test_site_close(&s.site));
}

/* The same key twice: one slot, one debit, the same answer; the key with
 * another order: refused. */
static void
test_api_buy_idempotency_key_buys_once(void **state)
{
    const char *const key_a[] = {"Idempotency-Key: order-1", NULL};
    char long_key[17 + 256 + 1] = "Idempotency-Key: ";
    const char *const key_long[] = {long_key, NULL};
    bs_test_response first, again;
    char *before, *after;
    shop s;

    (void)state;
    memset(long_key + 17, 'k', 256); /* one more than the most */
    long_key[17 + 256] = '\0';
    shop_open(&s, "idempotent", NULL);
    campaign(&s, CAMPAIGN_300, "seller/0");
    fund(&s, "buyer", "100000");
    /* A send refused before it could buy leaves nothing behind: the key
     * may then be sent with another order. */
    before = bs_test_site_dump(&s.site);
    first = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                              "{\"ad\":\"buyer/0\",\"max_price\":10}", key_a, true);
    assert_int_equal(first.status, 409);
    bs_test_response_release(&first);
    after = bs_test_site_dump(&s.site);
    assert_string_equal(after, before);
    free(before);
    free(after);
    first = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                              "{\"ad\":\"buyer/0\"}", key_a, true);
    again = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                              "{\"ad\":\"buyer/0\"}", key_a, true);
    assert_int_equal(first.status, 201);
    assert_int_equal(again.status, 201);
    assert_string_equal(again.body, first.body);
    assert_int_equal(balance(&s, s.buyer), 99000);
    assert_int_equal(next_slot(&s, "/api/v1/campaigns/seller/0"), 1);
    bs_test_response_release(&first);
    bs_test_response_release(&again);

    again = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                              "{\"ad\":\"buyer/0\",\"max_price\":5000}", key_a, true);
    assert_int_equal(again.status, 422);
    assert_string_equal(again.body,
                        "{\"error\":{\"code\":\"idempotency_key_reused\",\"message\":\"this "
                        "Idempotency-Key was sent before with another purchase; use a new key for "
                        "a new purchase\"}}");
    bs_test_response_release(&again);
    again = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                              "{\"ad\":\"buyer/0\"}", key_long, true);
    assert_int_equal(again.status, 400);
    assert_string_equal(
        again.body, "{\"error\":{\"code\":\"bad_idempotency_key\",\"message\":\"the "
                    "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces)\"}}");
    bs_test_response_release(&again);
    /* Another buyer's same key is another purchase. */
    fund(&s, "other", "100000");
    free(bs_test_site_run(&s.site, 0, ARGS("buy", "other", "seller/0", "--ad", "other/0")));
    assert_int_equal(next_slot(&s, "/api/v1/campaigns/seller/0"), 2);
    assert_int_equal(balance(&s, s.buyer), 99000);
    check_holds(&s);
    free(bs_test_site_close(&s.site));
}

/* A header sent twice is, under HTTP, one value: "dupA, dupB". Two
 * Idempotency-Keys are refused as a malformed key (not read as the first:
 * the second alone would then buy again), two Authorizations as a bad API
 * key; neither writes anything. */
static void
test_api_header_sent_twice_is_refused(void **state)
{
    const char *const two_keys[] = {"Idempotency-Key: dupA", "Idempotency-Key: dupB", NULL};
    const char *const bad_key =
        "{\"error\":{\"code\":\"bad_idempotency_key\",\"message\":\"the "
        "Idempotency-Key must be 1 to 255 visible ASCII characters (no spaces)\"}}";
    char auth[2][100];
    const char *const two_auths[] = {auth[0], auth[1], NULL};
    bs_test_response r;
    char *before, *after;
    shop s;

    (void)state;
    shop_open(&s, "twice", NULL);
    campaign(&s, CAMPAIGN_300, "seller/0");
    fund(&s, "buyer", "100000");
    snprintf(auth[0], sizeof(auth[0]), "Authorization: Bearer %s", s.buyer);
    snprintf(auth[1], sizeof(auth[1]), "Authorization: Bearer %s", s.buyer);
    before = bs_test_site_dump(&s.site);
    r = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                          "{\"ad\":\"buyer/0\"}", two_keys, true);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, bad_key);
    bs_test_response_release(&r);
    r = bs_test_http_with(&s.site.server, "POST", "/api/v1/withdrawals", s.buyer,
                          "{\"amount\":1000,\"address\":\"bcrt1qxyz\"}", two_keys, true);
    assert_int_equal(r.status, 400);
    assert_string_equal(r.body, bad_key);
    bs_test_response_release(&r);
    r = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", NULL,
                          "{\"ad\":\"buyer/0\"}", two_auths, true);
    assert_int_equal(r.status, 401);
    assert_string_equal(r.body, "{\"error\":{\"code\":\"bad_api_key\",\"message\":\"that API "
                                "key is not one of this service's (\\\"Authorization: "
                                "Bearer\\\" and the 64 characters account creation gave)\"}}");
    bs_test_response_release(&r);
    after = bs_test_site_dump(&s.site);
    assert_string_equal(after, before);
    free(before);
    free(after);
    /* Each key alone then buys once, as a key never seen. */
    for (int i = 0; i < 2; i++) {
        const char *const one[] = {two_keys[i], NULL};

        r = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                              "{\"ad\":\"buyer/0\"}", one, true);
        assert_int_equal(r.status, 201);
        bs_test_response_release(&r);
    }
    assert_int_equal(next_slot(&s, "/api/v1/campaigns/seller/0"), 2);
    free(bs_test_site_close(&s.site));
}

/* The process that served the first send dies at each step of the
 * purchase; the key sent again to a new process buys nothing more. */
static void
test_api_buy_idempotency_key_survives_a_crash_at_each_step(void **state)
{
    long long expect_balance = 1000000, slot = 0;
    shop s;

    (void)state;
    shop_open(&s, "crashes", NULL);
    campaign(&s, "{\"min_price\":1000,\"slot_seconds\":60,\"width\":300,\"height\":250}",
             "seller/0");
    fund(&s, "buyer", "1000000");
    free(bs_test_site_close(&s.site));
    for (int fp = 0; fp < BS__FAILPOINT_COUNT; fp++) {
        char env[128], header[128], path[] = "/api/v1/campaigns/seller/0";
        const char *const headers[] = {header, NULL};
        bs_test_response r, again;
        bs_test_output dead;
        long long price;

        if (strcmp(bs_failpoint_operation((bs_failpoint_id)fp), "buy") != 0)
            continue;
        snprintf(env, sizeof(env), "BITSLOT_FAILPOINT=%s", bs_failpoint_name((bs_failpoint_id)fp));
        snprintf(header, sizeof(header), "Idempotency-Key: crash-%s",
                 bs_failpoint_name((bs_failpoint_id)fp));
        bs_test_server_start(&s.site.server, s.site.url, ARGS(env));
        r = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                              "{\"ad\":\"buyer/0\"}", headers, false);
        assert_int_equal(r.status, 0); /* no answer: the process died */
        bs_test_response_release(&r);
        dead = bs_test_finish(&s.site.server.process, 0);
        assert_int_equal(dead.exit_code, BS_FAILPOINT_EXIT);
        bs_test_output_release(&dead);

        bs_test_server_start(&s.site.server, s.site.url, NULL);
        again = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                                  "{\"ad\":\"buyer/0\"}", headers, true);
        if (again.status != 201)
            print_message("after %s: %ld %s\n", env, again.status, again.body);
        assert_int_equal(again.status, 201);
        price = strtoll(strstr(again.body, "\"price\":") + 8, NULL, 10);
        assert_int_equal(strtoll(strstr(again.body, "\"index\":") + 8, NULL, 10), slot);
        bs_test_response_release(&again);
        expect_balance -= price;
        slot++;
        assert_int_equal(balance(&s, s.buyer), expect_balance);
        assert_int_equal(next_slot(&s, path), slot);
        check_holds(&s);
        free(bs_test_site_close(&s.site));
    }
    assert_true(slot >= 4); /* locked, slot added, debited, campaign advanced */
}

/* A purchase with a key that lost its slot to another buyer: its answer,
 * 409 sold with the slot lost and the price offered, is the same however
 * often the key is sent again (the account remembers the slot it lost).
 * The loss is made certain: the first send dies once it holds the lock,
 * "other" buys the slot, and the send again finishes the purchase, lost. */
static void
test_api_buy_lost_answers_the_same_again(void **state)
{
    const char *const headers[] = {"Idempotency-Key: lost-1", NULL};
    const char prefix[] = "{\"error\":{\"code\":\"sold\",\"message\":\"slot 0 of "
                          "\\\"seller/0\\\" was sold to someone else first; nothing was "
                          "charged; look at the price again and retry\",\"slot\":0,\"price\":";
    char env[128];
    bs_test_response r, first, again;
    bs_test_output dead;
    shop s;

    (void)state;
    shop_open(&s, "lost", NULL);
    campaign(&s, CAMPAIGN_300, "seller/0");
    fund(&s, "buyer", "100000");
    fund(&s, "other", "100000");
    free(bs_test_site_close(&s.site));
    snprintf(env, sizeof(env), "BITSLOT_FAILPOINT=%s", bs_failpoint_name(BS_FP_PURCHASE_LOCKED));
    bs_test_server_start(&s.site.server, s.site.url, ARGS(env));
    r = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                          "{\"ad\":\"buyer/0\"}", headers, false);
    assert_int_equal(r.status, 0); /* no answer: the process died */
    bs_test_response_release(&r);
    dead = bs_test_finish(&s.site.server.process, 0);
    assert_int_equal(dead.exit_code, BS_FAILPOINT_EXIT);
    bs_test_output_release(&dead);
    free(bs_test_site_run(&s.site, 0, ARGS("buy", "other", "seller/0", "--ad", "other/0")));

    bs_test_server_start(&s.site.server, s.site.url, NULL);
    first = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                              "{\"ad\":\"buyer/0\"}", headers, true);
    again = bs_test_http_with(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                              "{\"ad\":\"buyer/0\"}", headers, true);
    assert_int_equal(first.status, 409);
    assert_int_equal(again.status, 409);
    assert_true(strncmp(first.body, prefix, sizeof(prefix) - 1) == 0);
    assert_true(strtoll(first.body + sizeof(prefix) - 1, NULL, 10) >= 1000);
    assert_string_equal(again.body, first.body);
    bs_test_response_release(&first);
    bs_test_response_release(&again);
    assert_int_equal(balance(&s, s.buyer), 100000);
    assert_int_equal(next_slot(&s, "/api/v1/campaigns/seller/0"), 1);
    check_holds(&s);
    free(bs_test_site_close(&s.site));
}

/* The served OpenAPI document lists exactly the server's routes: every
 * path and method of the route table, and nothing else. */
static void
test_api_openapi_lists_every_route(void **state)
{
    bs_test_response r;
    json_t *doc, *paths, *ops;
    size_t documented = 0, routes = 0;
    const char *path, *method;
    bs_test_site s;

    (void)state;
    bs_test_site_open(&s, "openapi", NULL);
    r = bs_test_http(&s.server, "GET", "/api/v1/openapi.json", NULL, NULL);
    assert_int_equal(r.status, 200);
    doc = json_loads(r.body, 0, NULL);
    assert_non_null(doc);
    assert_string_equal(json_string_value(json_object_get(doc, "openapi")), "3.1.0");
    paths = json_object_get(doc, "paths");
    for (const bs_web_route *route = bs_web_routes; route->method != NULL; route++) {
        char lower[8];
        size_t i;

        /* The pages and their style sheet and script are for people, not
         * programs: not part of the API. */
        if (route->page || strncmp(route->pattern, "/static/", 8) == 0)
            continue;
        for (i = 0; route->method[i] != '\0' && i + 1 < sizeof(lower); i++)
            lower[i] = (char)(route->method[i] - 'A' + 'a');
        lower[i] = '\0';
        if (json_object_get(json_object_get(paths, route->pattern), lower) == NULL)
            fail_msg("%s %s is served but not in openapi.json", route->method, route->pattern);
        routes++;
    }
    json_object_foreach(paths, path, ops)
    {
        json_t *op;
        json_object_foreach(ops, method, op)
        {
            bool found = false;
            for (const bs_web_route *route = bs_web_routes; route->method != NULL; route++)
                found |= strcmp(route->pattern, path) == 0 &&
                         strlen(route->method) == strlen(method) &&
                         strncasecmp(route->method, method, strlen(method)) == 0;
            if (!found)
                fail_msg("%s %s is in openapi.json but not served", method, path);
            /* Every write can meet a store that is down or full; every
             * read but these three a store that is down. */
            if (strcmp(method, "post") == 0 &&
                (json_object_get(json_object_get(op, "responses"), "503") == NULL ||
                 json_object_get(json_object_get(op, "responses"), "507") == NULL))
                fail_msg("POST %s lists no 503 or no 507", path);
            if (strcmp(method, "get") == 0 && strcmp(path, "/metrics") != 0 &&
                strcmp(path, "/api/v1/openapi.json") != 0 &&
                json_object_get(json_object_get(op, "responses"), "503") == NULL)
                fail_msg("GET %s lists no 503", path);
            documented++;
        }
    }
    assert_int_equal(documented, routes);
    json_decref(doc);
    bs_test_response_release(&r);
    free(bs_test_site_close(&s));
}

/* The balance of account/<canon> as the store holds it (read straight from
 * the store: `account show` would pay a seller itself), and how many of its
 * ledger entries wait in it to be copied out. */
static long long
stored_balance(const shop *s, const char *canon, size_t *pending)
{
    long long balance = -1;
    bs_store *store;
    bs_account a;
    bs_ctx ctx;

    assert_int_equal(bs_store_open(s->site.url, &store), BS_OK);
    bs_ctx_init(&ctx, store);
    if (bs_docs_account(&ctx, canon, &a, NULL) == BS_OK) {
        balance = a.balance;
        if (pending != NULL)
            *pending = a.pending_count;
        bs_account_release(&a);
    }
    bs_store_close(store);
    return balance;
}

/* A sale over the API is paid to the seller (price − fee) and the operator
 * (the fee), and the buyer's entry copied out of its account, by the
 * server's background loop at once — with its sweep an hour away, only the
 * purchase's own hint can have done it. */
static void
test_api_sale_is_paid_at_once(void **state)
{
    const char *const env[] = {"BITSLOT_SWEEP_INTERVAL=3600", NULL};
    long long seller = 0, op = 0;
    size_t pending = 1;
    bs_test_response r;
    shop s;

    (void)state;
    shop_open(&s, "paid", env);
    campaign(&s, CAMPAIGN_300, "seller/0");
    fund(&s, "buyer", "100000");
    assert_int_equal(stored_balance(&s, "seller", NULL), 0);
    r = bs_test_http(&s.site.server, "POST", "/api/v1/campaigns/seller/0/buy", s.buyer,
                     "{\"ad\":\"buyer/0\"}");
    assert_int_equal(r.status, 201);
    bs_test_response_release(&r);
    for (int i = 0; i < 100 && (seller != 985 || op != 15 || pending != 0); i++) {
        usleep(50 * 1000);
        seller = stored_balance(&s, "seller", NULL);
        op = stored_balance(&s, "operator", NULL);
        assert_int_equal(stored_balance(&s, "buyer", &pending), 99000);
    }
    assert_int_equal(seller, 985);
    assert_int_equal(op, 15);
    assert_int_equal(pending, 0);
    check_holds(&s);
    free(bs_test_site_close(&s.site));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_api_openapi_lists_every_route),
        cmocka_unit_test(test_api_campaigns_create_list_show),
        cmocka_unit_test(test_api_buy_says_each_status),
        cmocka_unit_test(test_api_ads_upload_and_refusals),
        cmocka_unit_test(test_api_buy_idempotency_key_buys_once),
        cmocka_unit_test(test_api_header_sent_twice_is_refused),
        cmocka_unit_test(test_api_buy_idempotency_key_survives_a_crash_at_each_step),
        cmocka_unit_test(test_api_buy_lost_answers_the_same_again),
        cmocka_unit_test(test_api_sale_is_paid_at_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
