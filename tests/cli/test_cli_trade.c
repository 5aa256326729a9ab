/*
 * test_cli_trade.c — the `bitslot` command end to end, as a new user meets
 * it: two accounts, one funded with `account adjust`, a campaign, an ad, and
 * slots bought one after another while the price doubles on each sale and
 * decays back to the minimum (DESIGN.md §3), with the clock fixed by
 * BITSLOT_NOW so that every price is exact.
 *
 * What it proves:
 *   - buy prints the slot (campaign, index, buyer, ad, price, fee, time,
 *     start, end); slots run back to back; `campaign show` gives the price
 *     of the line price(t) = min + (2P - min)(x2 - t)/(x2 - x1) at any second;
 *     the fee is 1.5 % rounded up, or --fee-bp N.
 *   - buyer, seller and operator balances and ledgers (`account history`) are
 *     right to the satoshi, and `bitslot check` says "ok:".
 *   - each bad input is refused with one exact line "bitslot: ..." on stderr
 *     (a missing argument prints the usage line instead), the documented exit
 *     code (1 refused by a rule, 2 usage error), nothing on stdout, and no
 *     change at all to the store (the whole `bitslot dump` is the same
 *     before and after).
 *   - `--help` on every command exits 0.
 * The last cases pin down behaviour that was once wrong or misleading.
 */
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <gd.h>
#include <jansson.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"
#include "webtest.h"

#define PATH_SIZE 4200
#define T0        INT64_C(1700000000) /* the clock at the start of each story */
#define T_TEXT    "1700000000"
#define DAY       INT64_C(86400)

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* One store and one scratch directory per case, and the clock of the next
 * command. */
typedef struct shop {
    char dir[PATH_SIZE / 2];
    char url[PATH_SIZE + 16];
    char store_env[PATH_SIZE + 32];
    int64_t now;
} shop;

static void
shop_open(shop *s)
{
    snprintf(s->dir, sizeof(s->dir), "%s", bs_test_tmpdir());
    snprintf(s->url, sizeof(s->url), "lmdb:%s/store", s->dir);
    snprintf(s->store_env, sizeof(s->store_env), "BITSLOT_STORE=%s", s->url);
    s->now = T0;
}

/* A path in the case's scratch directory. */
static void
shop_path(const shop *s, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", s->dir, name);
}

static bs_test_output
shop_run(const shop *s, const char *input, const char *const *args)
{
    char now[64];

    snprintf(now, sizeof(now), "BITSLOT_NOW=%lld", (long long)s->now);
    return bs_test_run(args, (const char *const[]){s->store_env, now, NULL}, input);
}

static void
print_command(const char *const *args)
{
    print_message("command: bitslot");
    for (size_t i = 0; args[i] != NULL; i++)
        print_message(" '%s'", args[i]);
    print_message("\n");
}

/* `text` is exactly `line` and a newline. */
static void
assert_line(const char *text, const char *line)
{
    size_t n = strlen(line);

    if (strncmp(text, line, n) != 0 || strcmp(text + n, "\n") != 0) {
        print_message("want: %s\n got: %s", line, text);
        fail();
    }
}

/* Run a command that must succeed; returns its stdout (free it). */
static char *
run_ok(const shop *s, const char *input, const char *const *args)
{
    bs_test_output r = shop_run(s, input, args);

    if (r.exit_code != 0 || r.err[0] != '\0') {
        print_command(args);
        print_message("exit %d, stderr: %s", r.exit_code, r.err);
        fail();
    }
    free(r.err);
    return r.out;
}

/* Run a command that must succeed and print exactly `line`. */
static void
ok_line(const shop *s, const char *line, const char *const *args)
{
    char *out = run_ok(s, NULL, args);

    print_command(args);
    assert_line(out, line);
    free(out);
}

/* The whole store, one document a line. */
static char *
dump(const shop *s)
{
    return run_ok(s, NULL, ARGS("dump"));
}

/* Run a command that must be refused with exit `code` and exactly `message`
 * on stderr, and must leave the store as it was. */
static void
refused(const shop *s, const char *input, int code, const char *message, const char *const *args)
{
    char *before = dump(s), *after;
    bs_test_output r = shop_run(s, input, args);

    print_command(args);
    assert_line(r.err, message);
    assert_int_equal(r.exit_code, code);
    assert_string_equal(r.out, "");
    bs_test_output_release(&r);
    after = dump(s);
    assert_string_equal(after, before);
    free(before);
    free(after);
}

/* For the bug cases: run a command that must be refused somehow (exit 1 or
 * 2, nothing on stdout, the store unchanged) and give its output to the
 * caller to judge (release it). */
static bs_test_output
refused_somehow(const shop *s, const char *const *args)
{
    char *before = dump(s), *after;
    bs_test_output r = shop_run(s, NULL, args);

    print_command(args);
    print_message("exit %d, stderr: %s", r.exit_code, r.err);
    assert_string_equal(r.out, "");
    assert_true(r.exit_code == 1 || r.exit_code == 2);
    after = dump(s);
    assert_string_equal(after, before);
    free(before);
    free(after);
    return r;
}

/* A width x height palette PNG of 256 colours in random order, made with
 * libgd: one byte a pixel that no compressor can shrink, and three once
 * re-encoded as RGB. Deterministic (xorshift32). */
static void
write_noise_png(const char *path, int width, int height)
{
    gdImagePtr im = gdImageCreate(width, height);
    uint32_t r = 2463534242u;
    void *png;
    int size = 0;
    FILE *f;

    assert_non_null(im);
    for (int c = 0; c < 256; c++)
        assert_int_equal(gdImageColorAllocate(im, c, 255 - c, (c * 7) & 255), c);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            r ^= r << 13;
            r ^= r >> 17;
            r ^= r << 5;
            im->pixels[y][x] = (unsigned char)r;
        }
    png = gdImagePngPtr(im, &size);
    gdImageDestroy(im);
    assert_non_null(png);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png, 1, (size_t)size, f), (size_t)size);
    assert_int_equal(fclose(f), 0);
    gdFree(png);
}

static void
write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    assert_int_equal(fclose(f), 0);
}

/* `count` copies of the UTF-8 character `ch` (malloc'ed). */
static char *
repeat(const char *ch, size_t count)
{
    size_t n = strlen(ch);
    char *text = malloc(n * count + 1);

    assert_non_null(text);
    for (size_t i = 0; i < count; i++)
        memcpy(text + i * n, ch, n);
    text[n * count] = '\0';
    return text;
}

/* `account history NAME` with each entry's request id taken out (into
 * requests[], checked to be 32 hex digits), as compact JSON. */
static char *
history(const shop *s, const char *name, char requests[][33], size_t max)
{
    char *out = run_ok(s, NULL, ARGS("account", "history", name));
    json_error_t error;
    json_t *list = json_loads(out, 0, &error), *entry;
    size_t i;
    char *text;

    free(out);
    assert_non_null(list);
    assert_true(json_is_array(list));
    assert_true(json_array_size(list) <= max);
    json_array_foreach(list, i, entry)
    {
        const char *request = json_string_value(json_object_get(entry, "request"));
        assert_non_null(request);
        assert_int_equal(strlen(request), 32);
        assert_int_equal(strspn(request, "0123456789abcdef"), 32);
        memcpy(requests[i], request, 33);
        assert_int_equal(json_object_del(entry, "request"), 0);
    }
    text = json_dumps(list, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(list);
    assert_non_null(text);
    return text;
}

/* `account create NAME` with `password` on stdin: prints the name as typed
 * and a 64-hex-digit API key. */
static void
registered(const shop *s, const char *name, const char *password)
{
    char *out = run_ok(s, password, ARGS("account", "create", name));
    json_t *obj = json_loads(out, 0, NULL);
    const char *key;

    assert_non_null(obj);
    assert_int_equal(json_object_size(obj), 2);
    assert_string_equal(json_string_value(json_object_get(obj, "name")), name);
    key = json_string_value(json_object_get(obj, "api_key"));
    assert_non_null(key);
    assert_int_equal(strlen(key), 64);
    assert_int_equal(strspn(key, "0123456789abcdef"), 64);
    json_decref(obj);
    free(out);
}

/* A fresh store with the operator's account, alice and Bob. */
static void
two_accounts(shop *s)
{
    char line[PATH_SIZE + 64];

    shop_open(s);
    snprintf(line, sizeof(line), "store \"%s\" is ready", s->url);
    ok_line(s, line, ARGS("init"));
    registered(s, "alice", "password1\n");
    registered(s, "Bob", "correct horse battery\n");
}

/* two_accounts(), then bob funded with FUNDS sat, a 300x250 campaign alice/0
 * at 1000 sat a slot of SLOT_SECONDS, and bob's ad bob/0 that fits it. */
static void
ready_to_buy(shop *s, const char *funds, const char *slot_seconds)
{
    char png[PATH_SIZE], line[128];

    two_accounts(s);
    shop_path(s, "ok.png", png, sizeof(png));
    bs_test_write_png(png, 300, 250);
    snprintf(line, sizeof(line), "{\"name\":\"Bob\",\"amount\":%s,\"balance\":%s}", funds, funds);
    ok_line(s, line, ARGS("account", "adjust", "bob", funds, "--reason", "funding"));
    ok_line(s, "alice/0",
            ARGS("campaign", "create", "alice", "--min-price", "1000", "--slot-seconds",
                 slot_seconds, "--size", "300x250"));
    ok_line(s, "bob/0", ARGS("ad", "add", "bob", "--image", png, "--url", "https://b.example/"));
}

/* price_now and next_slot of `campaign show REF`. */
static void
quote(const shop *s, const char *ref, int64_t *price, int64_t *index, int64_t *start, int64_t *end)
{
    char *out = run_ok(s, NULL, ARGS("campaign", "show", ref));
    json_t *obj = json_loads(out, 0, NULL), *next;

    assert_non_null(obj);
    next = json_object_get(obj, "next_slot");
    assert_non_null(next);
    *price = json_integer_value(json_object_get(obj, "price_now"));
    *index = json_integer_value(json_object_get(next, "index"));
    *start = json_integer_value(json_object_get(next, "start"));
    *end = json_integer_value(json_object_get(next, "end"));
    json_decref(obj);
    free(out);
}

static void
assert_quote(const shop *s, const char *ref, int64_t price, int64_t index, int64_t start,
             int64_t end)
{
    int64_t p, i, b, e;

    quote(s, ref, &p, &i, &b, &e);
    print_message("campaign show %s at %lld: price_now %lld, next slot %lld [%lld, %lld)\n", ref,
                  (long long)s->now, (long long)p, (long long)i, (long long)b, (long long)e);
    assert_int_equal(p, price);
    assert_int_equal(i, index);
    assert_int_equal(b, start);
    assert_int_equal(e, end);
}

static void
test_cli_trade_buy_doubles_the_price_then_it_decays(void **state)
{
    char png[PATH_SIZE], buys[8][33], sales[8][33], fees[8][33], *out, *text;
    json_t *ads, *ad;
    shop s;

    (void)state;
    two_accounts(&s);
    shop_path(&s, "banner.png", png, sizeof(png));
    bs_test_write_png(png, 300, 250);

    /* Fund the buyer (names are the same in any case). */
    ok_line(&s,
            "{\"name\":\"Bob\",\"balance\":0,\"lock\":null,\"created\":1700000000,"
            "\"operator\":false}",
            ARGS("account", "show", "bob"));
    ok_line(&s, "{\"name\":\"Bob\",\"amount\":10000,\"balance\":10000}",
            ARGS("account", "adjust", "bob", "10000", "--reason", "welcome credit"));

    /* alice sells a 300x250 spot: 1000 sat minimum, one-day slots. */
    ok_line(&s, "alice/0",
            ARGS("campaign", "create", "alice", "--min-price", "1000", "--slot-seconds", "86400",
                 "--size", "300x250", "--title", "Top banner"));
    ok_line(&s,
            "{\"id\":\"alice/0\",\"min_price\":1000,\"slot_seconds\":86400,\"width\":300,"
            "\"height\":250,\"title\":\"Top banner\",\"disallowed\":[],\"created\":1700000000,"
            "\"last\":null,\"price_now\":1000,\"next_slot\":{\"index\":0,\"start\":1700000000,"
            "\"end\":1700086400}}",
            ARGS("campaign", "show", "alice/0"));

    /* Bob uploads his ad. */
    ok_line(&s, "bob/0",
            ARGS("ad", "add", "Bob", "--image", png, "--url", "https://bob.example/shop", "--hover",
                 "Bob's shop", "--nickname", "spring"));
    out = run_ok(&s, NULL, ARGS("ad", "list", "bob"));
    ads = json_loads(out, 0, NULL);
    free(out);
    assert_int_equal(json_array_size(ads), 1);
    ad = json_array_get(ads, 0);
    assert_int_equal(strlen(json_string_value(json_object_get(ad, "image"))), 64);
    assert_true(json_integer_value(json_object_get(ad, "image_len")) > 0);
    json_object_del(ad, "image");
    json_object_del(ad, "image_len");
    text = json_dumps(ads, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text,
                        "[{\"id\":\"bob/0\",\"width\":300,\"height\":250,\"mime\":\"image/png\","
                        "\"chunks\":1,\"nickname\":\"spring\",\"hover\":\"Bob's shop\","
                        "\"url\":\"https://bob.example/shop\",\"categories\":[],"
                        "\"created\":1700000000}]");
    free(text);
    json_decref(ads);

    /* First sale at the minimum; the fee is 1.5 %. */
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":0,\"buyer\":\"bob\",\"ad\":\"bob/0\","
            "\"price\":1000,\"fee\":15,\"time\":1700000000,\"start\":1700000000,"
            "\"end\":1700086400}",
            ARGS("buy", "Bob", "alice/0", "--ad", "bob/0"));
    assert_quote(&s, "alice/0", 2000, 1, T0 + DAY, T0 + 2 * DAY);

    /* The second, the same second, costs double and starts when the first
     * ends. */
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":1,\"buyer\":\"bob\",\"ad\":\"bob/0\","
            "\"price\":2000,\"fee\":30,\"time\":1700000000,\"start\":1700086400,"
            "\"end\":1700172800}",
            ARGS("buy", "bob", "alice/0", "--ad", "bob/0"));
    assert_quote(&s, "alice/0", 4000, 2, T0 + 2 * DAY, T0 + 3 * DAY);

    /* Half a day later: x1 = T0, x2 = T0 + 2 days, so
     * 1000 + (4000 - 1000) * (172800 - 43200) / 172800 = 3250. */
    s.now = T0 + 43200;
    assert_quote(&s, "alice/0", 3250, 2, T0 + 2 * DAY, T0 + 3 * DAY);
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":2,\"buyer\":\"bob\",\"ad\":\"bob/0\","
            "\"price\":3250,\"fee\":49,\"time\":1700043200,\"start\":1700172800,"
            "\"end\":1700259200}",
            ARGS("buy", "bob", "alice/0", "--ad", "bob/0", "--max-price", "3250", "--slot", "2"));

    /* Now P = 3250, x1 = T0 + 43200, x2 = T0 + 3 days: 6500 at once, half
     * way down at the middle, rounded down, and the minimum once it ended. */
    assert_quote(&s, "alice/0", 6500, 3, T0 + 3 * DAY, T0 + 4 * DAY);
    s.now = T0 + 151200;
    assert_quote(&s, "alice/0", 3750, 3, T0 + 3 * DAY, T0 + 4 * DAY);
    s.now = T0 + 200000; /* 1000 + 5500 * 59200 / 216000 = 2507.4 */
    assert_quote(&s, "alice/0", 2507, 3, T0 + 3 * DAY, T0 + 4 * DAY);
    s.now = T0 + 3 * DAY - 1;
    assert_quote(&s, "alice/0", 1000, 3, T0 + 3 * DAY, T0 + 4 * DAY);
    s.now = T0 + 3 * DAY;
    assert_quote(&s, "alice/0", 1000, 3, T0 + 3 * DAY, T0 + 4 * DAY);

    /* After the last slot ended, a new one starts now. */
    s.now = T0 + 3 * DAY + 100;
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":3,\"buyer\":\"bob\",\"ad\":\"bob/0\","
            "\"price\":1000,\"fee\":15,\"time\":1700259300,\"start\":1700259300,"
            "\"end\":1700345700}",
            ARGS("buy", "bob", "alice/0", "--ad", "bob/0"));

    /* Every satoshi: bob paid 7250, alice got 7250 - 109, the operator 109. */
    ok_line(&s,
            "{\"name\":\"Bob\",\"balance\":2750,\"lock\":null,\"created\":1700000000,"
            "\"operator\":false}",
            ARGS("account", "show", "BOB"));
    ok_line(&s,
            "{\"name\":\"alice\",\"balance\":7141,\"lock\":null,\"created\":1700000000,"
            "\"operator\":false}",
            ARGS("account", "show", "alice"));
    ok_line(&s,
            "{\"name\":\"operator\",\"balance\":109,\"lock\":null,\"created\":1700000000,"
            "\"operator\":true}",
            ARGS("account", "show", "operator"));

    text = history(&s, "bob", buys, 8);
    assert_string_equal(text, "[{\"seq\":1,\"kind\":\"adjust\",\"amount\":10000,\"balance\":10000,"
                              "\"time\":1700000000,\"memo\":\"welcome credit\"},"
                              "{\"seq\":2,\"kind\":\"purchase\",\"amount\":-1000,\"balance\":9000,"
                              "\"time\":1700000000,\"ref\":\"alice/0/0\"},"
                              "{\"seq\":3,\"kind\":\"purchase\",\"amount\":-2000,\"balance\":7000,"
                              "\"time\":1700000000,\"ref\":\"alice/0/1\"},"
                              "{\"seq\":4,\"kind\":\"purchase\",\"amount\":-3250,\"balance\":3750,"
                              "\"time\":1700043200,\"ref\":\"alice/0/2\"},"
                              "{\"seq\":5,\"kind\":\"purchase\",\"amount\":-1000,\"balance\":2750,"
                              "\"time\":1700259300,\"ref\":\"alice/0/3\"}]");
    free(text);
    text = history(&s, "alice", sales, 8);
    assert_string_equal(text, "[{\"seq\":1,\"kind\":\"sale\",\"amount\":985,\"balance\":985,"
                              "\"time\":1700000000,\"ref\":\"alice/0/0\"},"
                              "{\"seq\":2,\"kind\":\"sale\",\"amount\":1970,\"balance\":2955,"
                              "\"time\":1700000000,\"ref\":\"alice/0/1\"},"
                              "{\"seq\":3,\"kind\":\"sale\",\"amount\":3201,\"balance\":6156,"
                              "\"time\":1700043200,\"ref\":\"alice/0/2\"},"
                              "{\"seq\":4,\"kind\":\"sale\",\"amount\":985,\"balance\":7141,"
                              "\"time\":1700259300,\"ref\":\"alice/0/3\"}]");
    free(text);
    text = history(&s, "operator", fees, 8);
    assert_string_equal(text, "[{\"seq\":1,\"kind\":\"fee\",\"amount\":15,\"balance\":15,"
                              "\"time\":1700000000,\"ref\":\"alice/0/0\"},"
                              "{\"seq\":2,\"kind\":\"fee\",\"amount\":30,\"balance\":45,"
                              "\"time\":1700000000,\"ref\":\"alice/0/1\"},"
                              "{\"seq\":3,\"kind\":\"fee\",\"amount\":49,\"balance\":94,"
                              "\"time\":1700043200,\"ref\":\"alice/0/2\"},"
                              "{\"seq\":4,\"kind\":\"fee\",\"amount\":15,\"balance\":109,"
                              "\"time\":1700259300,\"ref\":\"alice/0/3\"}]");
    free(text);
    /* The purchase, the sale and the fee of a slot share its request. */
    for (int i = 0; i < 4; i++) {
        assert_string_equal(buys[i + 1], sales[i]);
        assert_string_equal(buys[i + 1], fees[i]);
    }

    /* Four slots, sold once each, and the books balance. */
    out = run_ok(&s, NULL, ARGS("dump", "slot/"));
    text = out;
    for (int i = 0; i < 4; i++) {
        char key[64];
        snprintf(key, sizeof(key), "{\"key\":\"slot/alice/0000000000/%010d\"", i);
        assert_memory_equal(text, key, strlen(key));
        text = strchr(text, '\n') + 1;
    }
    assert_string_equal(text, "");
    free(out);
    ok_line(&s,
            "ok: 3 accounts, 1 campaigns, 4 slots, 13 ledger entries; balances 10000 + owed 0 = "
            "adjustments 10000 + deposits 0 - withdrawals 0 sat",
            ARGS("check"));
}

static void
test_cli_trade_fee_is_rounded_up_or_set_with_fee_bp(void **state)
{
    char png[PATH_SIZE], reqs[8][33], *text;
    shop s;

    (void)state;
    two_accounts(&s);
    shop_path(&s, "ad.png", png, sizeof(png));
    bs_test_write_png(png, 16, 16);
    ok_line(&s, "{\"name\":\"Bob\",\"amount\":10000,\"balance\":10000}",
            ARGS("account", "adjust", "bob", "10000", "--reason", "funding"));
    ok_line(&s, "alice/0",
            ARGS("campaign", "create", "alice", "--min-price", "999", "--slot-seconds", "60",
                 "--size", "16x16"));
    ok_line(&s, "bob/0", ARGS("ad", "add", "bob", "--image", png, "--url", "http://b.example"));

    /* 999 * 1.5 % = 14.985: 15. */
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":0,\"buyer\":\"bob\",\"ad\":\"bob/0\","
            "\"price\":999,\"fee\":15,\"time\":1700000000,\"start\":1700000000,"
            "\"end\":1700000060}",
            ARGS("buy", "bob", "alice/0", "--ad", "bob/0"));
    /* 1998 * 2.5 % = 49.95: 50. */
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":1,\"buyer\":\"bob\",\"ad\":\"bob/0\","
            "\"price\":1998,\"fee\":50,\"time\":1700000000,\"start\":1700000060,"
            "\"end\":1700000120}",
            ARGS("--fee-bp", "250", "buy", "bob", "alice/0", "--ad", "bob/0"));
    /* No fee at all: the operator gets no ledger entry. */
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":2,\"buyer\":\"bob\",\"ad\":\"bob/0\","
            "\"price\":3996,\"fee\":0,\"time\":1700000000,\"start\":1700000120,"
            "\"end\":1700000180}",
            ARGS("--fee-bp", "0", "buy", "bob", "alice/0", "--ad", "bob/0"));

    text = history(&s, "alice", reqs, 8);
    assert_string_equal(text, "[{\"seq\":1,\"kind\":\"sale\",\"amount\":984,\"balance\":984,"
                              "\"time\":1700000000,\"ref\":\"alice/0/0\"},"
                              "{\"seq\":2,\"kind\":\"sale\",\"amount\":1948,\"balance\":2932,"
                              "\"time\":1700000000,\"ref\":\"alice/0/1\"},"
                              "{\"seq\":3,\"kind\":\"sale\",\"amount\":3996,\"balance\":6928,"
                              "\"time\":1700000000,\"ref\":\"alice/0/2\"}]");
    free(text);
    text = history(&s, "operator", reqs, 8);
    assert_string_equal(text, "[{\"seq\":1,\"kind\":\"fee\",\"amount\":15,\"balance\":15,"
                              "\"time\":1700000000,\"ref\":\"alice/0/0\"},"
                              "{\"seq\":2,\"kind\":\"fee\",\"amount\":50,\"balance\":65,"
                              "\"time\":1700000000,\"ref\":\"alice/0/1\"}]");
    free(text);
    ok_line(&s,
            "{\"name\":\"Bob\",\"balance\":3007,\"lock\":null,\"created\":1700000000,"
            "\"operator\":false}",
            ARGS("account", "show", "bob"));
    ok_line(&s,
            "ok: 3 accounts, 1 campaigns, 3 slots, 9 ledger entries; balances 10000 + owed 0 = "
            "adjustments 10000 + deposits 0 - withdrawals 0 sat",
            ARGS("check"));
    refused(&s, NULL, 2, "bitslot: invalid fee \"10001\" (basis points, 0 to 10000)",
            ARGS("--fee-bp", "10001", "buy", "bob", "alice/0", "--ad", "bob/0"));
}

#define AMOUNT_RULE "(nonzero whole satoshis, with a sign to take away, at most 21 million BTC)"
#define TEXT_RULE   " of text without control characters or direction overrides)"
#define REASON_RULE "(1 to 512 bytes" TEXT_RULE
#define URL_RULE                                                                                   \
    "(an http:// or https:// address of at most 2048 characters: a host name (no user@), an "      \
    "optional port, then only letters, digits and -._~!$&()*+,;=:@/?#%)"
#define CATEGORIES_RULE                                                                            \
    "(a comma-separated list of up to 16 names of a-z, 0-9 and -, each at most 32 long, without "  \
    "repeats)"

static void
test_cli_trade_account_refusals_change_nothing(void **state)
{
    char name65[80], *reason513, *long_password;
    shop s;

    (void)state;
    two_accounts(&s);
    ok_line(&s, "{\"name\":\"Bob\",\"amount\":5000,\"balance\":5000}",
            ARGS("account", "adjust", "bob", "5000", "--reason", "funding"));

    /* Names: letters, digits and _, 1 to 64, unique in any case, and not
     * the operator's. */
    refused(&s, "password1\n", 2,
            "bitslot: invalid account name \"bad-name\" (letters, digits and _, at most 64)",
            ARGS("account", "create", "bad-name"));
    refused(&s, "password1\n", 2,
            "bitslot: invalid account name \"\" (letters, digits and _, at most 64)",
            ARGS("account", "create", ""));
    memset(name65, 'n', 65);
    name65[65] = '\0';
    refused(&s, "password1\n", 2,
            "bitslot: invalid account name (letters, digits and _, at most 64)",
            ARGS("account", "create", name65));
    refused(&s, "password1\n", 1,
            "bitslot: account \"ALICE\" already exists (names are the same in any case)",
            ARGS("account", "create", "ALICE"));
    refused(&s, "password1\n", 1,
            "bitslot: account \"bob\" already exists (names are the same in any case)",
            ARGS("account", "create", "bob"));
    refused(&s, "password1\n", 1, "bitslot: account name \"operator\" is reserved for the operator",
            ARGS("account", "create", "operator"));
    refused(&s, "password1\n", 1, "bitslot: account name \"Operator\" is reserved for the operator",
            ARGS("account", "create", "Operator"));

    /* Passwords: 8 to 1024 bytes, one trailing newline dropped. */
    refused(&s, "short\n", 2,
            "bitslot: the password must be 8 to 1024 bytes long (read from standard input)",
            ARGS("account", "create", "carol"));
    refused(&s, "1234567\n", 2,
            "bitslot: the password must be 8 to 1024 bytes long (read from standard input)",
            ARGS("account", "create", "carol"));
    refused(&s, "", 2,
            "bitslot: the password must be 8 to 1024 bytes long (read from standard input)",
            ARGS("account", "create", "carol"));
    long_password = repeat("p", 1025);
    refused(&s, long_password, 2,
            "bitslot: the password must be 8 to 1024 bytes long (read from standard input)",
            ARGS("account", "create", "carol"));
    free(long_password);

    /* Adjustments: a nonzero whole number, a reason, never below zero. */
    refused(&s, NULL, 2, "bitslot: invalid amount \"0\" " AMOUNT_RULE,
            ARGS("account", "adjust", "bob", "0", "--reason", "x"));
    refused(&s, NULL, 2, "bitslot: invalid amount \"-0\" " AMOUNT_RULE,
            ARGS("account", "adjust", "bob", "-0", "--reason", "x"));
    refused(&s, NULL, 2, "bitslot: an adjustment needs --reason TEXT (it goes into the ledger)",
            ARGS("account", "adjust", "bob", "100"));
    refused(&s, NULL, 2, "bitslot: an adjustment needs --reason TEXT (it goes into the ledger)",
            ARGS("account", "adjust", "bob", "100", "--reason", ""));
    refused(&s, NULL, 2, "bitslot: invalid amount \"abc\" " AMOUNT_RULE,
            ARGS("account", "adjust", "bob", "abc", "--reason", "x"));
    refused(&s, NULL, 2, "bitslot: invalid amount \"1.5\" " AMOUNT_RULE,
            ARGS("account", "adjust", "bob", "1.5", "--reason", "x"));
    refused(&s, NULL, 2, "bitslot: invalid amount \"1e3\" " AMOUNT_RULE,
            ARGS("account", "adjust", "bob", "1e3", "--reason", "x"));
    refused(&s, NULL, 2, "bitslot: invalid amount \"2100000000000001\" " AMOUNT_RULE,
            ARGS("account", "adjust", "bob", "2100000000000001", "--reason", "x"));
    refused(&s, NULL, 1,
            "bitslot: account \"bob\" has less than 5001 sat: a balance cannot go below zero",
            ARGS("account", "adjust", "bob", "-5001", "--reason", "x"));
    refused(&s, NULL, 1, "bitslot: the balance of \"bob\" would be above 21 million BTC",
            ARGS("account", "adjust", "bob", "2100000000000000", "--reason", "x"));
    reason513 = repeat("r", 513);
    refused(&s, NULL, 2, "bitslot: invalid reason " REASON_RULE,
            ARGS("account", "adjust", "bob", "1", "--reason", reason513));
    /* Not text: invalid UTF-8 (once "out of memory", exit 3), a new line, a
     * terminal escape sequence, a direction override (issue 7). */
    refused(&s, NULL, 2, "bitslot: invalid reason " REASON_RULE,
            ARGS("account", "adjust", "bob", "1", "--reason", "caf\xe9"));
    refused(&s, NULL, 2, "bitslot: invalid reason " REASON_RULE,
            ARGS("account", "adjust", "bob", "1", "--reason", "two\nlines"));
    refused(&s, NULL, 2, "bitslot: invalid reason " REASON_RULE,
            ARGS("account", "adjust", "bob", "1", "--reason", "\x1b[2J\x1b[31mred"));
    refused(&s, NULL, 2, "bitslot: invalid reason " REASON_RULE,
            ARGS("account", "adjust", "bob", "1", "--reason",
                 "refund \xe2\x80\xae"
                 "321"));
    free(reason513);
    refused(&s, NULL, 1, "bitslot: no account \"nobody\"",
            ARGS("account", "adjust", "nobody", "100", "--reason", "x"));
    refused(&s, NULL, 2,
            "bitslot: invalid account name \"no-body\" (letters, digits and _, at most 64)",
            ARGS("account", "adjust", "no-body", "100", "--reason", "x"));
    refused(&s, NULL, 1, "bitslot: no account \"nobody\"", ARGS("account", "show", "nobody"));
    refused(&s, NULL, 1, "bitslot: no account \"nobody\"", ARGS("account", "history", "nobody"));
    refused(&s, NULL, 2,
            "bitslot: missing arguments; "
            "usage: bitslot [OPTIONS] account adjust NAME \xc2\xb1SATS --reason TEXT",
            ARGS("account", "adjust", "bob"));

    /* The limits themselves are accepted. */
    ok_line(&s, "{\"name\":\"Bob\",\"amount\":-5000,\"balance\":0}",
            ARGS("account", "adjust", "bob", "-5000", "--reason", "all of it back"));
    registered(&s, "carol", "12345678");
    ok_line(&s,
            "ok: 4 accounts, 0 campaigns, 0 slots, 2 ledger entries; balances 0 + owed 0 = "
            "adjustments 0 + deposits 0 - withdrawals 0 sat",
            ARGS("check"));
}

static void
test_cli_trade_campaign_refusals_change_nothing(void **state)
{
    shop s;

    (void)state;
    two_accounts(&s);

#define CREATE(...) ARGS("campaign", "create", __VA_ARGS__)
    /* A value out of its range is a usage error, like a malformed one. */
    refused(&s, NULL, 2, "bitslot: the minimum price must be 1 sat to 21 million BTC",
            CREATE("alice", "--min-price", "0", "--slot-seconds", "86400", "--size", "300x250"));
    refused(&s, NULL, 2, "bitslot: a slot must last 60 seconds to 31622400 seconds (366 days)",
            CREATE("alice", "--min-price", "1000", "--slot-seconds", "59", "--size", "300x250"));
    refused(&s, NULL, 2, "bitslot: a slot must last 60 seconds to 31622400 seconds (366 days)",
            CREATE("alice", "--min-price", "1000", "--slot-seconds", "0", "--size", "300x250"));
    refused(
        &s, NULL, 2, "bitslot: a slot must last 60 seconds to 31622400 seconds (366 days)",
        CREATE("alice", "--min-price", "1000", "--slot-seconds", "31622401", "--size", "300x250"));
    refused(&s, NULL, 2, "bitslot: the ad size must be 16 to 2048 pixels each way",
            CREATE("alice", "--min-price", "1000", "--slot-seconds", "86400", "--size", "15x250"));
    refused(
        &s, NULL, 2, "bitslot: the ad size must be 16 to 2048 pixels each way",
        CREATE("alice", "--min-price", "1000", "--slot-seconds", "86400", "--size", "300x2049"));
    refused(&s, NULL, 2, "bitslot: invalid size \"300*250\" (WIDTHxHEIGHT in pixels, e.g. 300x250)",
            CREATE("alice", "--min-price", "1000", "--slot-seconds", "86400", "--size", "300*250"));
    refused(&s, NULL, 2, "bitslot: invalid size \"x250\" (WIDTHxHEIGHT in pixels, e.g. 300x250)",
            CREATE("alice", "--min-price", "1000", "--slot-seconds", "86400", "--size", "x250"));
    refused(&s, NULL, 2,
            "bitslot: invalid minimum price \"abc\" (whole satoshis, at most 21 million BTC)",
            CREATE("alice", "--min-price", "abc", "--slot-seconds", "86400", "--size", "300x250"));
    refused(&s, NULL, 2,
            "bitslot: invalid minimum price \"-5\" (whole satoshis, at most 21 million BTC)",
            CREATE("alice", "--min-price", "-5", "--slot-seconds", "86400", "--size", "300x250"));
    refused(&s, NULL, 2, "bitslot: invalid title (at most 200 bytes" TEXT_RULE,
            CREATE("alice", "--min-price", "1000", "--slot-seconds", "86400", "--size", "300x250",
                   "--title", "tab\there"));
    refused(&s, NULL, 2, "bitslot: invalid title (at most 200 bytes" TEXT_RULE,
            CREATE("alice", "--min-price", "1000", "--slot-seconds", "86400", "--size", "300x250",
                   "--title",
                   "Bob\xe2\x80\xae"
                   "golb s"));
    refused(&s, NULL, 2, "bitslot: invalid categories \"Gambling\" " CATEGORIES_RULE,
            CREATE("alice", "--min-price", "1000", "--slot-seconds", "86400", "--size", "300x250",
                   "--disallow", "Gambling"));
    refused(
        &s, NULL, 1, "bitslot: no account \"nobody\"",
        CREATE("nobody", "--min-price", "1000", "--slot-seconds", "86400", "--size", "300x250"));
    refused(&s, NULL, 2,
            "bitslot: missing arguments; "
            "usage: bitslot [OPTIONS] campaign create OWNER --min-price SATS --slot-seconds N "
            "--size WxH [--title T] [--disallow LIST]",
            CREATE("alice", "--min-price", "1000", "--slot-seconds", "86400"));
    refused(&s, NULL, 1, "bitslot: no campaign \"alice/0\"", ARGS("campaign", "show", "alice/0"));

    /* The limits themselves are accepted. */
    ok_line(&s, "alice/0",
            CREATE("ALICE", "--min-price", "1", "--slot-seconds", "60", "--size", "16x16"));
    ok_line(&s, "alice/1",
            CREATE("alice", "--min-price", "2100000000000000", "--slot-seconds", "31622400",
                   "--size", "2048x2048", "--disallow", "gambling,crypto"));
#undef CREATE
    ok_line(&s,
            "[{\"id\":\"alice/0\",\"min_price\":1,\"slot_seconds\":60,\"width\":16,\"height\":16,"
            "\"title\":\"\",\"disallowed\":[],\"created\":1700000000,\"last\":null},"
            "{\"id\":\"alice/1\",\"min_price\":2100000000000000,\"slot_seconds\":31622400,"
            "\"width\":2048,\"height\":2048,\"title\":\"\",\"disallowed\":[\"gambling\","
            "\"crypto\"],\"created\":1700000000,\"last\":null}]",
            ARGS("campaign", "list", "alice"));
}

static void
test_cli_trade_ad_refusals_change_nothing(void **state)
{
    char png[PATH_SIZE], text[PATH_SIZE], empty[PATH_SIZE], missing[PATH_SIZE],
        message[2 * PATH_SIZE], *hover, *out;
    json_t *ads;
    shop s;

    (void)state;
    two_accounts(&s);
    shop_path(&s, "ok.png", png, sizeof(png));
    bs_test_write_png(png, 300, 250);
    shop_path(&s, "notes.png", text, sizeof(text));
    write_text(text, "this is a text file, whatever its name says\n");
    shop_path(&s, "empty.png", empty, sizeof(empty));
    write_text(empty, "");
    shop_path(&s, "missing.png", missing, sizeof(missing));

    refused(&s, NULL, 2, "bitslot: invalid URL \"ftp://bob.example/\" " URL_RULE,
            ARGS("ad", "add", "bob", "--image", png, "--url", "ftp://bob.example/"));
    refused(&s, NULL, 2, "bitslot: invalid URL \"https://bob.example/a b\" " URL_RULE,
            ARGS("ad", "add", "bob", "--image", png, "--url", "https://bob.example/a b"));
    /* Read differently by different URL parsers: refused (issue 7). */
    refused(&s, NULL, 2,
            "bitslot: invalid URL \"https://a.example/\"><script>alert(1)</script>\" " URL_RULE,
            ARGS("ad", "add", "bob", "--image", png, "--url",
                 "https://a.example/\"><script>alert(1)</script>"));
    refused(&s, NULL, 2, "bitslot: invalid URL \"http://a\\@b\" " URL_RULE,
            ARGS("ad", "add", "bob", "--image", png, "--url", "http://a\\@b"));
    refused(&s, NULL, 2, "bitslot: invalid URL \"https://a.example/it's\" " URL_RULE,
            ARGS("ad", "add", "bob", "--image", png, "--url", "https://a.example/it's"));

    /* The hover text counts characters, not bytes: é is two bytes. */
    hover = repeat("\xc3\xa9", 513);
    refused(
        &s, NULL, 2, "bitslot: invalid hover text (at most 512 characters" TEXT_RULE,
        ARGS("ad", "add", "bob", "--image", png, "--url", "https://b.example/", "--hover", hover));
    free(hover);
    refused(&s, NULL, 2, "bitslot: invalid hover text (at most 512 characters" TEXT_RULE,
            ARGS("ad", "add", "bob", "--image", png, "--url", "https://b.example/", "--hover",
                 "Buy \xe2\x80\xae"
                 "won"));

    snprintf(message, sizeof(message),
             "bitslot: image \"%s\": not a JPEG, PNG, GIF, WebP or BMP image", text);
    refused(&s, NULL, 1, message,
            ARGS("ad", "add", "bob", "--image", text, "--url", "https://b.example/"));
    snprintf(message, sizeof(message), "bitslot: image \"%s\": the file is empty", empty);
    refused(&s, NULL, 1, message,
            ARGS("ad", "add", "bob", "--image", empty, "--url", "https://b.example/"));
    snprintf(message, sizeof(message),
             "bitslot: cannot read image \"%s\": no such file or not readable", missing);
    refused(&s, NULL, 1, message,
            ARGS("ad", "add", "bob", "--image", missing, "--url", "https://b.example/"));
    refused(&s, NULL, 1, "bitslot: no account \"nobody\"",
            ARGS("ad", "add", "nobody", "--image", png, "--url", "https://b.example/"));
    refused(&s, NULL, 2, "bitslot: invalid categories \"a,,b\" " CATEGORIES_RULE,
            ARGS("ad", "add", "bob", "--image", png, "--url", "https://b.example/", "--categories",
                 "a,,b"));
    refused(&s, NULL, 2,
            "bitslot: missing arguments; "
            "usage: bitslot [OPTIONS] ad add NAME --image FILE --url URL [--hover TEXT] "
            "[--nickname N] [--categories LIST]",
            ARGS("ad", "add", "bob", "--image", png));

    /* 512 characters are accepted, and kept whole: 1024 bytes of é, 2048
     * bytes of 😀. */
    hover = repeat("\xc3\xa9", 512);
    ok_line(
        &s, "bob/0",
        ARGS("ad", "add", "bob", "--image", png, "--url", "https://b.example/", "--hover", hover));
    free(hover);
    hover = repeat("\xf0\x9f\x98\x80", 512);
    ok_line(
        &s, "bob/1",
        ARGS("ad", "add", "bob", "--image", png, "--url", "https://b.example/", "--hover", hover));
    out = run_ok(&s, NULL, ARGS("ad", "list", "bob"));
    ads = json_loads(out, 0, NULL);
    free(out);
    assert_int_equal(json_array_size(ads), 2);
    assert_int_equal(strlen(json_string_value(json_object_get(json_array_get(ads, 0), "hover"))),
                     1024);
    assert_string_equal(json_string_value(json_object_get(json_array_get(ads, 1), "hover")), hover);
    json_decref(ads);
    free(hover);
}

static void
test_cli_trade_buy_refusals_change_nothing(void **state)
{
    char png[PATH_SIZE], small[PATH_SIZE];
    shop s;

    (void)state;
    two_accounts(&s);
    registered(&s, "carol", "password3\n");
    shop_path(&s, "ok.png", png, sizeof(png));
    bs_test_write_png(png, 300, 250);
    shop_path(&s, "small.png", small, sizeof(small));
    bs_test_write_png(small, 200, 100);
    ok_line(&s, "alice/0",
            ARGS("campaign", "create", "alice", "--min-price", "1000", "--slot-seconds", "86400",
                 "--size", "300x250"));
    ok_line(&s, "{\"name\":\"Bob\",\"amount\":1500,\"balance\":1500}",
            ARGS("account", "adjust", "bob", "1500", "--reason", "funding"));
    ok_line(&s, "{\"name\":\"carol\",\"amount\":100000,\"balance\":100000}",
            ARGS("account", "adjust", "carol", "100000", "--reason", "funding"));
    ok_line(&s, "bob/0", ARGS("ad", "add", "bob", "--image", png, "--url", "https://b.example/"));
    ok_line(&s, "carol/0",
            ARGS("ad", "add", "carol", "--image", png, "--url", "https://c.example/"));
    /* An ad of another size is accepted: ads belong to no campaign. */
    ok_line(&s, "carol/1",
            ARGS("ad", "add", "carol", "--image", small, "--url", "https://c.example/"));
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":0,\"buyer\":\"bob\",\"ad\":\"bob/0\","
            "\"price\":1000,\"fee\":15,\"time\":1700000000,\"start\":1700000000,"
            "\"end\":1700086400}",
            ARGS("buy", "bob", "alice/0", "--ad", "bob/0"));

#define BUY(...) ARGS("buy", __VA_ARGS__)
    refused(&s, NULL, 1,
            "bitslot: not enough funds: slot 1 of \"alice/0\" costs 2000 sat and \"bob\" has 500 "
            "sat",
            BUY("bob", "alice/0", "--ad", "bob/0"));
    refused(&s, NULL, 1,
            "bitslot: the price of slot 1 of \"alice/0\" is 2000 sat, above your limit of 1999 sat",
            BUY("carol", "alice/0", "--ad", "carol/0", "--max-price", "1999"));
    refused(&s, NULL, 1,
            "bitslot: slot 0 of \"alice/0\" is no longer for sale; slot 1 is, at 2000 sat",
            BUY("carol", "alice/0", "--ad", "carol/0", "--slot", "0"));
    refused(&s, NULL, 1, "bitslot: ad \"bob/0\" is not an ad of \"carol\"",
            BUY("carol", "alice/0", "--ad", "bob/0"));
    refused(&s, NULL, 1, "bitslot: ad \"nobody/0\" is not an ad of \"carol\"",
            BUY("carol", "alice/0", "--ad", "nobody/0"));
    refused(&s, NULL, 1, "bitslot: no ad \"carol/5\"", BUY("carol", "alice/0", "--ad", "carol/5"));
    refused(&s, NULL, 1, "bitslot: no campaign \"alice/7\"",
            BUY("carol", "alice/7", "--ad", "carol/0"));
    refused(&s, NULL, 1, "bitslot: no campaign \"nobody/0\"",
            BUY("carol", "nobody/0", "--ad", "carol/0"));
    refused(&s, NULL, 1, "bitslot: no account \"nobody\"",
            BUY("nobody", "alice/0", "--ad", "carol/0"));
    /* The wrong size is found at the purchase. */
    refused(&s, NULL, 1,
            "bitslot: ad \"carol/1\" is 200x100 pixels, but campaign \"alice/0\" takes 300x250",
            BUY("carol", "alice/0", "--ad", "carol/1"));
    refused(&s, NULL, 2, "bitslot: invalid maximum price \"abc\" (whole satoshis)",
            BUY("carol", "alice/0", "--ad", "carol/0", "--max-price", "abc"));
    refused(&s, NULL, 2, "bitslot: invalid slot number \"-1\" (0 or more)",
            BUY("carol", "alice/0", "--ad", "carol/0", "--slot", "-1"));
    refused(&s, NULL, 2,
            "bitslot: missing arguments; "
            "usage: bitslot [OPTIONS] buy NAME OWNER/I --ad ID [--max-price SATS] [--slot N]",
            BUY("carol", "alice/0"));
    refused(&s, NULL, 2, "bitslot: unknown option \"--colour\"; see 'bitslot buy --help'",
            BUY("carol", "alice/0", "--ad", "carol/0", "--colour", "red"));

    /* Exactly the limit and the right slot: sold. Then that slot, just
     * sold, is stale. */
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":1,\"buyer\":\"carol\",\"ad\":\"carol/0\","
            "\"price\":2000,\"fee\":30,\"time\":1700000000,\"start\":1700086400,"
            "\"end\":1700172800}",
            BUY("Carol", "Alice/0", "--ad", "CAROL/0", "--max-price", "2000", "--slot", "1"));
    refused(&s, NULL, 1,
            "bitslot: slot 1 of \"alice/0\" is no longer for sale; slot 2 is, at 4000 sat",
            BUY("carol", "alice/0", "--ad", "carol/0", "--max-price", "2000", "--slot", "1"));
#undef BUY
    ok_line(&s,
            "{\"name\":\"carol\",\"balance\":98000,\"lock\":null,\"created\":1700000000,"
            "\"operator\":false}",
            ARGS("account", "show", "carol"));
    /* alice and the operator are paid off the purchase's path: alice's own
     * look at her account pays her, and the operator, for her sales. */
    free(run_ok(&s, NULL, ARGS("account", "show", "alice")));
    ok_line(&s,
            "ok: 4 accounts, 1 campaigns, 2 slots, 8 ledger entries; balances 101500 + owed 0 = "
            "adjustments 101500 + deposits 0 - withdrawals 0 sat",
            ARGS("check"));
}

static void
test_cli_trade_disallowed_category_is_refused(void **state)
{
    char png[PATH_SIZE];
    shop s;

    (void)state;
    two_accounts(&s);
    shop_path(&s, "ok.png", png, sizeof(png));
    bs_test_write_png(png, 300, 250);
    ok_line(&s, "{\"name\":\"Bob\",\"amount\":5000,\"balance\":5000}",
            ARGS("account", "adjust", "bob", "5000", "--reason", "funding"));
    ok_line(&s, "alice/0",
            ARGS("campaign", "create", "alice", "--min-price", "1000", "--slot-seconds", "3600",
                 "--size", "300x250", "--disallow", "gambling,crypto"));
    ok_line(&s, "alice/1",
            ARGS("campaign", "create", "alice", "--min-price", "1000", "--slot-seconds", "3600",
                 "--size", "300x250"));
    ok_line(&s, "bob/0",
            ARGS("ad", "add", "bob", "--image", png, "--url", "https://b.example/", "--categories",
                 "news,crypto"));
    ok_line(&s, "bob/1", ARGS("ad", "add", "bob", "--image", png, "--url", "https://b.example/"));
    refused(&s, NULL, 1, "bitslot: campaign \"alice/0\" does not take ads of category \"crypto\"",
            ARGS("buy", "bob", "alice/0", "--ad", "bob/0"));
    /* The same ad elsewhere, and an ad without the category here, are fine. */
    ok_line(&s,
            "{\"campaign\":\"alice/1\",\"index\":0,\"buyer\":\"bob\",\"ad\":\"bob/0\","
            "\"price\":1000,\"fee\":15,\"time\":1700000000,\"start\":1700000000,"
            "\"end\":1700003600}",
            ARGS("buy", "bob", "alice/1", "--ad", "bob/0"));
    ok_line(&s,
            "{\"campaign\":\"alice/0\",\"index\":0,\"buyer\":\"bob\",\"ad\":\"bob/1\","
            "\"price\":1000,\"fee\":15,\"time\":1700000000,\"start\":1700000000,"
            "\"end\":1700003600}",
            ARGS("buy", "bob", "alice/0", "--ad", "bob/1"));
}

static void
test_cli_trade_malformed_references_and_commands(void **state)
{
    static const char *const bad_campaigns[] = {"alice",    "alice/x",  "alice/01",  "/0",
                                                "al-ice/0", "alice/-1", "alice/0/1", ""};
    shop s;

    (void)state;
    two_accounts(&s);
    for (size_t i = 0; i < sizeof(bad_campaigns) / sizeof(bad_campaigns[0]); i++) {
        char message[128];
        snprintf(message, sizeof(message),
                 "bitslot: invalid campaign \"%s\" (OWNER/NUMBER, e.g. bob/0)", bad_campaigns[i]);
        refused(&s, NULL, 2, message, ARGS("buy", "bob", bad_campaigns[i], "--ad", "bob/0"));
        refused(&s, NULL, 2, message, ARGS("campaign", "show", bad_campaigns[i]));
    }
    refused(&s, NULL, 2, "bitslot: invalid ad \"bob\" (OWNER/NUMBER, e.g. bob/0)",
            ARGS("buy", "bob", "alice/0", "--ad", "bob"));
    /* What the user typed is echoed, but never a byte a terminal would act on. */
    refused(&s, NULL, 2, "bitslot: invalid campaign \"bob\\x1b[31m/0\" (OWNER/NUMBER, e.g. bob/0)",
            ARGS("campaign", "show", "bob\x1b[31m/0"));
    refused(&s, NULL, 2, "bitslot: invalid ad \"bob/0\\x0a\" (OWNER/NUMBER, e.g. bob/0)",
            ARGS("buy", "bob", "alice/0", "--ad", "bob/0\n"));
    refused(&s, NULL, 2, "bitslot: unknown command \"account frob\"; see 'bitslot --help'",
            ARGS("account", "frob"));
    refused(&s, NULL, 2, "bitslot: 'account' needs a subcommand; see 'bitslot --help'",
            ARGS("account"));
    refused(&s, NULL, 2, "bitslot: unknown command \"campaign delete\"; see 'bitslot --help'",
            ARGS("campaign", "delete", "alice/0"));
    refused(&s, NULL, 2, "bitslot: unknown command \"sell\"; see 'bitslot --help'",
            ARGS("sell", "alice/0"));
}

static void
test_cli_trade_help_on_every_command(void **state)
{
    static const char *const commands[][2] = {
        {"init", NULL},        {"dump", NULL},         {"account", "create"},  {"account", "show"},
        {"account", "adjust"}, {"account", "history"}, {"campaign", "create"}, {"campaign", "show"},
        {"campaign", "list"},  {"ad", "add"},          {"ad", "list"},         {"buy", NULL},
        {"recover", NULL},     {"check", NULL},
    };
    bs_test_output all;
    shop s;

    (void)state;
    shop_open(&s);
    all = shop_run(&s, NULL, ARGS("--help"));
    assert_int_equal(all.exit_code, 0);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        char name[64], usage[128], listed[80];
        const char *second = commands[i][1];
        bs_test_output r;

        snprintf(name, sizeof(name), "%s%s%s", commands[i][0], second ? " " : "",
                 second ? second : "");
        snprintf(listed, sizeof(listed), "\n  %s ", name);
        print_message("help: %s\n", name);
        assert_non_null(strstr(all.out, listed));
        snprintf(usage, sizeof(usage), "usage: bitslot [OPTIONS] %s", name);
        r = shop_run(&s, NULL,
                     second ? ARGS(commands[i][0], second, "--help")
                            : ARGS(commands[i][0], "--help"));
        assert_int_equal(r.exit_code, 0);
        assert_string_equal(r.err, "");
        assert_memory_equal(r.out, usage, strlen(usage));
        assert_true(r.out[strlen(usage)] == ' ' || r.out[strlen(usage)] == '\n');
        bs_test_output_release(&r);
    }
    bs_test_output_release(&all);
    /* A group's help lists its commands (outside test: it was "unknown
     * command"); the exit codes are in the general help. */
    all = shop_run(&s, NULL, ARGS("--help"));
    assert_non_null(strstr(all.out, "\nExit codes:\n  0  done\n  1  refused: "));
    bs_test_output_release(&all);
    for (size_t i = 0; i < 5; i++) {
        const char *group = (const char *[]){"account", "campaign", "ad", "keys", "funds"}[i];
        char first[64];
        snprintf(first, sizeof(first), "usage: bitslot [OPTIONS] %s ", group);
        all = shop_run(&s, NULL, ARGS(group, "--help"));
        assert_int_equal(all.exit_code, 0);
        assert_memory_equal(all.out, first, strlen(first));
        bs_test_output_release(&all);
    }
    /* Help is answered even after other arguments. */
    all = shop_run(&s, NULL, ARGS("buy", "bob", "alice/0", "--help"));
    assert_int_equal(all.exit_code, 0);
    assert_memory_equal(all.out, "usage: bitslot [OPTIONS] buy NAME OWNER/I --ad ID", 49);
    bs_test_output_release(&all);
}

/* The bug cases: each prints every input whose answer is wrong and fails at
 * the end. */
static int
wrong(const char *what)
{
    print_message("BUG: %s\n", what);
    return 1;
}

/* `buy --slot N` with N beyond the slot for sale says slot N is "no longer
 * for sale": it never was, it is not for sale yet. */
static void
test_cli_trade_future_slot_is_not_for_sale_yet(void **state)
{
    bool about_slot_5, says_no_longer;
    bs_test_output r;
    int code;
    shop s;

    (void)state;
    ready_to_buy(&s, "5000", "3600");
    r = refused_somehow(&s, ARGS("buy", "bob", "alice/0", "--ad", "bob/0", "--slot", "5"));
    code = r.exit_code;
    about_slot_5 = strncmp(r.err, "bitslot: slot 5 of \"alice/0\" is ", 32) == 0;
    says_no_longer = strstr(r.err, "no longer for sale") != NULL;
    bs_test_output_release(&r);
    assert_int_equal(code, 1);
    assert_true(about_slot_5);
    if (says_no_longer)
        fail_msg("slot 5 was never for sale (slot 0 is): \"no longer for sale\" is false");
}

/* A purchase that a crash left half done: the buyer's next `buy` finishes
 * it, then goes on and buys the next slot (issue 7: it said "had another
 * purchase in progress; it is finished now" and bought nothing). */
static void
test_cli_trade_buy_finishes_a_crashed_purchase_then_goes_on(void **state)
{
    const char *env[4] = {NULL, "BITSLOT_NOW=1700000000", "BITSLOT_FAILPOINT=purchase.locked",
                          NULL};
    char *out;
    bs_test_output r;
    shop s;

    (void)state;
    ready_to_buy(&s, "5000", "3600");
    env[0] = s.store_env;
    r = bs_test_run(ARGS("buy", "bob", "alice/0", "--ad", "bob/0"), env, NULL);
    assert_int_equal(r.exit_code, 86); /* died holding the lock for slot 0 */
    bs_test_output_release(&r);
    out = run_ok(&s, NULL, ARGS("buy", "bob", "alice/0", "--ad", "bob/0"));
    assert_non_null(strstr(out, "\"index\":1,"));
    assert_non_null(strstr(out, "\"price\":2000,"));
    free(out);
    ok_line(&s,
            "{\"name\":\"Bob\",\"balance\":2000,\"lock\":null,\"created\":1700000000,"
            "\"operator\":false}",
            ARGS("account", "show", "bob"));
}

/* A sale is never dated before the sale before it, whatever the clock of
 * the machine that makes it says (issue 7: a clock behind the previous
 * sale dated the sale earlier, and the price then decayed from that). */
static void
test_cli_trade_sale_time_never_goes_back(void **state)
{
    char *out;
    shop s;

    (void)state;
    ready_to_buy(&s, "100000", "3600");
    free(run_ok(&s, NULL, ARGS("buy", "bob", "alice/0", "--ad", "bob/0")));
    s.now = T0 - 600; /* another machine, ten minutes behind */
    out = run_ok(&s, NULL, ARGS("buy", "bob", "alice/0", "--ad", "bob/0"));
    /* Dated at the previous sale's time, at the price of that moment (2P). */
    assert_non_null(strstr(out, "\"time\":" T_TEXT ","));
    assert_non_null(strstr(out, "\"price\":2000,"));
    free(out);
    s.now = T0;
    free(run_ok(&s, NULL, ARGS("account", "show", "alice"))); /* pays alice and the fees */
    ok_line(&s,
            "ok: 3 accounts, 1 campaigns, 2 slots, 7 ledger entries; balances 100000 + owed 0 = "
            "adjustments 100000 + deposits 0 - withdrawals 0 sat",
            ARGS("check"));
}

/* A malformed --size other than a missing width is reported as a bad
 * "height" or "width" with a range (0 to 1000000) that is not the rule
 * (16 to 2048); --slot-seconds likewise with 0 to 1099511627776 instead of
 * 60 to 31622400; a --min-price above 21 million BTC is called not "whole
 * satoshis". */
static void
test_cli_trade_campaign_number_messages_state_the_rules(void **state)
{
    int bugs = 0;
    bs_test_output r;
    shop s;

    (void)state;
    two_accounts(&s);

#define CREATE(...) ARGS("campaign", "create", "alice", __VA_ARGS__)
    r = refused_somehow(&s,
                        CREATE("--min-price", "1000", "--slot-seconds", "3600", "--size", "300x"));
    if (strcmp(r.err, "bitslot: invalid size \"300x\" (WIDTHxHEIGHT in pixels, e.g. 300x250)\n"))
        bugs += wrong("--size 300x: not called an invalid size");
    bs_test_output_release(&r);
    r = refused_somehow(
        &s, CREATE("--min-price", "1000", "--slot-seconds", "3600", "--size", "300x250x3"));
    if (strcmp(r.err,
               "bitslot: invalid size \"300x250x3\" (WIDTHxHEIGHT in pixels, e.g. 300x250)\n"))
        bugs += wrong("--size 300x250x3: not called an invalid size");
    bs_test_output_release(&r);
    r = refused_somehow(
        &s, CREATE("--min-price", "1000", "--slot-seconds", "3600", "--size", "5000000x250"));
    if (strstr(r.err, "1000000") != NULL)
        bugs += wrong("--size 5000000x250: states a range of 0 to 1000000 pixels");
    bs_test_output_release(&r);
    r = refused_somehow(
        &s, CREATE("--min-price", "1000", "--slot-seconds", "ten", "--size", "300x250"));
    if (strstr(r.err, "1099511627776") != NULL)
        bugs += wrong("--slot-seconds ten: states a range of 0 to 1099511627776 seconds");
    bs_test_output_release(&r);
    r = refused_somehow(&s, CREATE("--min-price", "2100000000000001", "--slot-seconds", "3600",
                                   "--size", "300x250"));
    if (strstr(r.err, "21 million BTC") == NULL)
        bugs += wrong("--min-price 2100000000000001: the message does not give the limit "
                      "(21 million BTC) but calls a whole number not whole satoshis");
    bs_test_output_release(&r);
    /* Each number in its one spelling (outside test: "0300x0250" and "05"
     * were taken, as 300x250 and 5). */
    r = refused_somehow(
        &s, CREATE("--min-price", "1000", "--slot-seconds", "3600", "--size", "0300x0250"));
    if (strcmp(r.err,
               "bitslot: invalid size \"0300x0250\" (WIDTHxHEIGHT in pixels, e.g. 300x250)\n"))
        bugs += wrong("--size 0300x0250: not called an invalid size");
    bs_test_output_release(&r);
    r = refused_somehow(
        &s, CREATE("--min-price", "01000", "--slot-seconds", "3600", "--size", "300x250"));
    if (strstr(r.err, "invalid minimum price \"01000\"") == NULL)
        bugs += wrong("--min-price 01000: not called an invalid price");
    bs_test_output_release(&r);
    r = refused_somehow(
        &s, CREATE("--min-price", "1000", "--slot-seconds", "03600", "--size", "300x250"));
    if (strstr(r.err, "\"03600\"") == NULL)
        bugs += wrong("--slot-seconds 03600: not refused");
    bs_test_output_release(&r);
    r = refused_somehow(&s, ARGS("account", "adjust", "alice", "007", "--reason", "x"));
    if (strstr(r.err, "\"007\"") == NULL)
        bugs += wrong("adjust 007: not refused");
    bs_test_output_release(&r);
#undef CREATE
    assert_int_equal(bugs, 0);
}

/* A directory given as --image is "input/output error", which reads like a
 * failing disk. */
static void
test_cli_trade_directory_as_image_is_not_a_file(void **state)
{
    bs_test_output r;
    bool says_io;
    shop s;

    (void)state;
    two_accounts(&s);
    r = refused_somehow(&s, ARGS("ad", "add", "bob", "--image", s.dir, "--url", "https://b.ex/"));
    says_io = strstr(r.err, "input/output error") != NULL;
    bs_test_output_release(&r);
    if (says_io)
        fail_msg("a directory is not an input/output error");
}

/* A named pipe given as --image waited for a writer forever (outside test):
 * the open blocked before the check that it is a regular file. Run under
 * timeout(1), so that the old behaviour fails the test instead of hanging
 * it. */
static void
test_cli_trade_named_pipe_as_image_is_not_a_file(void **state)
{
    char fifo[PATH_SIZE], message[2 * PATH_SIZE], now[64];
    const char *bin = getenv("BITSLOT_BIN");
    bs_test_output r;
    shop s;

    (void)state;
    two_accounts(&s);
    shop_path(&s, "fifo.png", fifo, sizeof(fifo));
    assert_int_equal(mkfifo(fifo, 0600), 0);
    snprintf(now, sizeof(now), "BITSLOT_NOW=%lld", (long long)s.now);
    r = bs_test_run_program("timeout",
                            ARGS("20", bin ? bin : "bitslot", "ad", "add", "bob", "--image", fifo,
                                 "--url", "https://b.example/"),
                            (const char *const[]){s.store_env, now, NULL}, NULL);
    print_message("exit %d, stderr: %s", r.exit_code, r.err);
    assert_int_not_equal(r.exit_code, 124); /* timed out: it blocked */
    snprintf(message, sizeof(message), "bitslot: cannot read image \"%s\": not a regular file",
             fifo);
    assert_line(r.err, message);
    assert_int_equal(r.exit_code, 1);
    bs_test_output_release(&r);
    snprintf(message, sizeof(message),
             "bitslot: cannot read image \"/dev/zero\": not a regular file");
    refused(&s, NULL, 1, message,
            ARGS("ad", "add", "bob", "--image", "/dev/zero", "--url", "https://b.example/"));
}

/* Campaigns are 16 to 2048 pixels a side: an ad no campaign could ever take
 * is refused at upload (outside test: 1x1 was accepted). */
static void
test_cli_trade_ad_no_campaign_could_take_is_refused(void **state)
{
    char tiny[PATH_SIZE], thin[PATH_SIZE], odd[PATH_SIZE], least[PATH_SIZE], message[2 * PATH_SIZE];
    shop s;

    (void)state;
    two_accounts(&s);
    shop_path(&s, "tiny.png", tiny, sizeof(tiny));
    bs_test_write_png(tiny, 1, 1);
    shop_path(&s, "thin.png", thin, sizeof(thin));
    bs_test_write_png(thin, 300, 15);
    shop_path(&s, "odd.png", odd, sizeof(odd));
    bs_test_write_png(odd, 300, 251);
    shop_path(&s, "least.png", least, sizeof(least));
    bs_test_write_png(least, 16, 16);

    snprintf(message, sizeof(message),
             "bitslot: the image \"%s\" is 1x1 pixels; ads are 16 to 2048 pixels a side", tiny);
    refused(&s, NULL, 1, message,
            ARGS("ad", "add", "bob", "--image", tiny, "--url", "https://b.example/"));
    snprintf(message, sizeof(message),
             "bitslot: the image \"%s\" is 300x15 pixels; ads are 16 to 2048 pixels a side", thin);
    refused(&s, NULL, 1, message,
            ARGS("ad", "add", "bob", "--image", thin, "--url", "https://b.example/"));
    ok_line(&s, "bob/0", ARGS("ad", "add", "bob", "--image", odd, "--url", "https://b.example/"));
    ok_line(&s, "bob/1", ARGS("ad", "add", "bob", "--image", least, "--url", "https://b.example/"));
}

/* One rule, one sentence: an image too large for an ad is said the way one
 * too small is, with its size (outside test: past 2048 pixels it was "the
 * image is wider or taller than 2048 pixels", refused before decoding). A
 * side of zero is a size too. */
static void
test_cli_trade_ad_size_rule_says_one_sentence(void **state)
{
    static const struct {
        const char *file;
        int width, height;
    } sizes[] = {{"wide.png", 2049, 16}, {"tall.png", 300, 2049}, {"small.png", 15, 300}};
    char path[PATH_SIZE], message[2 * PATH_SIZE];
    shop s;

    (void)state;
    two_accounts(&s);
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        shop_path(&s, sizes[i].file, path, sizeof(path));
        bs_test_write_png(path, sizes[i].width, sizes[i].height);
        snprintf(message, sizeof(message),
                 "bitslot: the image \"%s\" is %dx%d pixels; ads are 16 to 2048 pixels a side",
                 path, sizes[i].width, sizes[i].height);
        refused(&s, NULL, 1, message,
                ARGS("ad", "add", "bob", "--image", path, "--url", "https://b.example/"));
    }
    /* A BMP whose header says 20 pixels wide and none high. */
    {
        unsigned char bmp[54] = {'B', 'M', 54, 0,  0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40,
                                 0,   0,   0,  20, 0, 0, 0, 0, 0, 0, 0,  1, 0, 24};
        FILE *f;

        shop_path(&s, "flat.bmp", path, sizeof(path));
        f = fopen(path, "wb");
        assert_non_null(f);
        assert_int_equal(fwrite(bmp, 1, sizeof(bmp), f), sizeof(bmp));
        assert_int_equal(fclose(f), 0);
        snprintf(message, sizeof(message),
                 "bitslot: the image \"%s\" is 20x0 pixels; ads are 16 to 2048 pixels a side",
                 path);
        refused(&s, NULL, 1, message,
                ARGS("ad", "add", "bob", "--image", path, "--url", "https://b.example/"));
    }
}

/* The 4 MiB limit holds for what is stored too (outside test: a 3.99 MB
 * noise PNG was stored as 10.2 MB in 20 chunks). */
static void
test_cli_trade_image_too_large_once_reencoded_is_refused(void **state)
{
    static const char tail[] = " bytes; at most 4194304): use fewer colours or a smaller picture\n";
    char noise[PATH_SIZE], head[2 * PATH_SIZE];
    long long stored = 0;
    struct stat sb;
    bs_test_output r;
    shop s;

    (void)state;
    two_accounts(&s);
    shop_path(&s, "noise.png", noise, sizeof(noise));
    write_noise_png(noise, 2048, 2000);
    assert_int_equal(stat(noise, &sb), 0);
    assert_true(sb.st_size <= 4194304);
    r = refused_somehow(&s, ARGS("ad", "add", "bob", "--image", noise, "--url", "https://b.ex/"));
    snprintf(head, sizeof(head), "bitslot: the image \"%s\" is too large once re-encoded (", noise);
    assert_int_equal(r.exit_code, 1);
    assert_memory_equal(r.err, head, strlen(head));
    assert_int_equal(sscanf(r.err + strlen(head), "%lld", &stored), 1);
    assert_true(stored > 4194304);
    assert_non_null(strstr(r.err, tail));
    assert_string_equal(strstr(r.err, tail), tail);
    bs_test_output_release(&r);
}

#define NODE_URL_RULE                                                                              \
    "(http://USER:PASSWORD@HOST:PORT/wallet/NAME; a NAME is 1 to 64 ASCII letters, digits, _ . "   \
    "or -, not starting with . or -)"

/* One rule for the wallet name, on the decoded name (outside test: %2e%2e
 * and q%22w were taken, and the node made wallets ".." and q"w). Nothing is
 * sent: the port is closed. */
static void
test_cli_trade_node_wallet_names_follow_one_rule(void **state)
{
    static const char *const bad[] = {
        "%2e%2e",
        "q%22w",
        "q\"w",
        "q\\w",
        ".hidden",
        "-x",
        "a%20b",
        "a%2Fb",
        "%00",
        "a%2",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
    };
    char url[256], message[512];
    bs_test_output r;
    shop s;

    (void)state;
    two_accounts(&s);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(url, sizeof(url), "http://u:p@127.0.0.1:1/wallet/%s", bad[i]);
        snprintf(message, sizeof(message),
                 "bitslot: invalid node URL \"http://u:***@127.0.0.1:1/wallet/%s\" " NODE_URL_RULE,
                 bad[i]);
        refused(&s, NULL, 2, message, ARGS("--node", url, "funds", "check", "bob"));
    }
    /* A good name gets as far as the node (none there: exit 3). */
    r = shop_run(
        &s, NULL,
        ARGS("--node", "http://u:p@127.0.0.1:1/wallet/Shop_2.main-1", "funds", "check", "bob"));
    assert_int_equal(r.exit_code, 3);
    assert_null(strstr(r.err, "invalid node URL"));
    bs_test_output_release(&r);
}

/* A listener on 127.0.0.1 that answers every request with `reply`, until
 * told to stop: a node gone wrong (a fake only to inject that fault). */
typedef struct bad_node {
    int fd;
    int port;
    const char *reply;
    atomic_bool stop; /* set by the test, read by the listener's thread */
    pthread_t thread;
} bad_node;

static void *
bad_node_serve(void *arg)
{
    bad_node *n = arg;

    while (!atomic_load(&n->stop)) {
        struct pollfd p = {n->fd, POLLIN, 0};
        char buf[4096];
        int conn;

        if (poll(&p, 1, 50) <= 0)
            continue;
        conn = accept(n->fd, NULL, NULL);
        if (conn < 0)
            continue;
        (void)recv(conn, buf, sizeof(buf), 0); /* the request, or enough of it */
        (void)send(conn, n->reply, strlen(n->reply), MSG_NOSIGNAL);
        close(conn);
    }
    return NULL;
}

static void
bad_node_start(bad_node *n, const char *reply)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);

    n->reply = reply;
    atomic_init(&n->stop, false);
    n->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(n->fd >= 0);
    assert_int_equal(bind(n->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(listen(n->fd, 8), 0);
    assert_int_equal(getsockname(n->fd, (struct sockaddr *)&a, &len), 0);
    n->port = ntohs(a.sin_port);
    assert_int_equal(pthread_create(&n->thread, NULL, bad_node_serve, n), 0);
}

static void
bad_node_stop(bad_node *n)
{
    atomic_store(&n->stop, true);
    pthread_join(n->thread, NULL);
    close(n->fd);
}

/* A node whose answer is not JSON-RPC is said to be so (outside test: "data
 * is damaged or of an unknown format", which reads like a damaged store). */
static void
test_cli_trade_node_answering_garbage_is_not_json_rpc(void **state)
{
    static const char *const replies[] = {
        "HTTP/1.1 200 OK\r\nContent-Length: 8\r\nConnection: close\r\n\r\nnot json",
        "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    };
    char url[128], message[256];
    bad_node n;
    shop s;

    (void)state;
    two_accounts(&s);
    for (size_t i = 0; i < sizeof(replies) / sizeof(replies[0]); i++) {
        bad_node_start(&n, replies[i]);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/wallet/shop", n.port);
        snprintf(message, sizeof(message),
                 "bitslot: the node at \"%s\" answered something that is not JSON-RPC", url);
        refused(&s, NULL, 3, message, ARGS("--node", url, "funds", "check", "bob"));
        bad_node_stop(&n);
    }
}

/* `ad list` and `campaign list` of an account that does not exist print []
 * and exit 0, where every other command says no account "NAME" (exit 1): a
 * mistyped name looks like an account without ads. */
static void
test_cli_trade_listing_an_unknown_account_is_refused(void **state)
{
    int bugs = 0;
    bs_test_output r;
    shop s;

    (void)state;
    two_accounts(&s);
    r = shop_run(&s, NULL, ARGS("ad", "list", "nobody"));
    if (r.exit_code != 1 || strcmp(r.err, "bitslot: no account \"nobody\"\n") != 0)
        bugs += wrong("ad list nobody: no error");
    bs_test_output_release(&r);
    r = shop_run(&s, NULL, ARGS("campaign", "list", "nobody"));
    if (r.exit_code != 1 || strcmp(r.err, "bitslot: no account \"nobody\"\n") != 0)
        bugs += wrong("campaign list nobody: no error");
    bs_test_output_release(&r);
    assert_int_equal(bugs, 0);
}

/* Fees always go to the account "operator": its fee watermarks are part of
 * the store, so there is no option to send them elsewhere (a second
 * operator would be paid every old fee again). */
static void
test_cli_trade_fees_always_go_to_the_operator(void **state)
{
    shop s;

    (void)state;
    ready_to_buy(&s, "10000", "86400");
    free(run_ok(&s, NULL, ARGS("buy", "bob", "alice/0", "--ad", "bob/0")));
    refused(&s, NULL, 2, "bitslot: unknown option \"--operator\"; see 'bitslot --help'",
            ARGS("--operator", "boss", "buy", "bob", "alice/0", "--ad", "bob/0"));
    free(run_ok(&s, NULL, ARGS("buy", "bob", "alice/0", "--ad", "bob/0")));
    free(run_ok(&s, NULL, ARGS("recover"))); /* fees are paid off the purchase's path */
    ok_line(&s,
            "{\"name\":\"operator\",\"balance\":45,\"lock\":null,\"created\":" T_TEXT
            ",\"operator\":true}",
            ARGS("account", "show", "operator"));
    free(run_ok(&s, NULL, ARGS("check")));
}

/* The ledger comes a page at a time; a page that is not the last says so,
 * with the command for the next (outside test: 1010 entries, 100 shown,
 * nothing said). */
static void
test_cli_trade_history_says_when_more_follow(void **state)
{
    bs_test_output r;
    char *out;
    shop s;

    (void)state;
    two_accounts(&s);
    for (int i = 0; i < 3; i++)
        free(run_ok(&s, NULL, ARGS("account", "adjust", "bob", "100", "--reason", "gift")));
    r = shop_run(&s, NULL, ARGS("account", "history", "BOB", "--limit", "2"));
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.err,
                        "bitslot: more entries follow: 'bitslot account history bob --after 2'\n");
    assert_non_null(strstr(r.out, "\"seq\":2,"));
    assert_null(strstr(r.out, "\"seq\":3,"));
    bs_test_output_release(&r);
    out = run_ok(&s, NULL, ARGS("account", "history", "bob", "--after", "2", "--limit", "2"));
    assert_non_null(strstr(out, "[{\"seq\":3,"));
    free(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_trade_buy_doubles_the_price_then_it_decays),
        cmocka_unit_test(test_cli_trade_fee_is_rounded_up_or_set_with_fee_bp),
        cmocka_unit_test(test_cli_trade_account_refusals_change_nothing),
        cmocka_unit_test(test_cli_trade_campaign_refusals_change_nothing),
        cmocka_unit_test(test_cli_trade_ad_refusals_change_nothing),
        cmocka_unit_test(test_cli_trade_buy_refusals_change_nothing),
        cmocka_unit_test(test_cli_trade_disallowed_category_is_refused),
        cmocka_unit_test(test_cli_trade_malformed_references_and_commands),
        cmocka_unit_test(test_cli_trade_help_on_every_command),
        cmocka_unit_test(test_cli_trade_future_slot_is_not_for_sale_yet),
        cmocka_unit_test(test_cli_trade_buy_finishes_a_crashed_purchase_then_goes_on),
        cmocka_unit_test(test_cli_trade_sale_time_never_goes_back),
        cmocka_unit_test(test_cli_trade_campaign_number_messages_state_the_rules),
        cmocka_unit_test(test_cli_trade_directory_as_image_is_not_a_file),
        cmocka_unit_test(test_cli_trade_named_pipe_as_image_is_not_a_file),
        cmocka_unit_test(test_cli_trade_ad_no_campaign_could_take_is_refused),
        cmocka_unit_test(test_cli_trade_ad_size_rule_says_one_sentence),
        cmocka_unit_test(test_cli_trade_image_too_large_once_reencoded_is_refused),
        cmocka_unit_test(test_cli_trade_node_wallet_names_follow_one_rule),
        cmocka_unit_test(test_cli_trade_node_answering_garbage_is_not_json_rpc),
        cmocka_unit_test(test_cli_trade_listing_an_unknown_account_is_refused),
        cmocka_unit_test(test_cli_trade_fees_always_go_to_the_operator),
        cmocka_unit_test(test_cli_trade_history_says_when_more_follow),
    };

    /* Only what each run is given counts, not the caller's environment. */
    unsetenv("BITSLOT_STORE");
    unsetenv("BITSLOT_NOW");
    unsetenv("BITSLOT_FEE_BP");
    unsetenv("BITSLOT_OPERATOR");
    return cmocka_run_group_tests(tests, NULL, NULL);
}
