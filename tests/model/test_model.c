/*
 * test_model.c — src/model: account names and their canonical form,
 * references "owner/index", store keys whose byte order is numeric order,
 * category sets, and the document codecs. Every document survives
 * encode → decode → equal (and re-encodes to the same bytes); every decoder
 * refuses, with BS_CORRUPT and nothing left to free, a missing field, a
 * mistyped field, an over-long string, duplicate keys, trailing garbage, a
 * non-object and unknown kinds; the API key index names only a canonical
 * name. The equality predicates see every field. A slot's counts document
 * (stats/<owner>/<i>/<slot>/<process>) names what its key names, in one
 * spelling, with counts that are never negative.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "model/account.h"
#include "model/ad.h"
#include "model/apikey.h"
#include "model/campaign.h"
#include "model/credit.h"
#include "model/ledger.h"
#include "model/names.h"
#include "model/session.h"
#include "model/stats.h"
#include "model/throttle.h"
#include "model/withdrawal.h"

#define T0       INT64_C(1700000000)
#define REQUEST  "0123456789abcdef0123456789abcdef"
#define REQUEST2 "fedcba9876543210fedcba9876543210"
#define DIGEST   "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

/* A malloc'ed string of `n` copies of `c`. */
static char *
repeat(char c, size_t n)
{
    char *s = malloc(n + 1);

    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

/* ---- names ---- */

static void
test_names_valid(void **state)
{
    char *len64 = repeat('a', 64), *len65 = repeat('a', 65);

    (void)state;
    assert_true(bs_name_valid("a"));
    assert_true(bs_name_valid("Z"));
    assert_true(bs_name_valid("Alice_92"));
    assert_true(bs_name_valid("_"));
    assert_true(bs_name_valid(len64));
    assert_false(bs_name_valid(len65));
    assert_false(bs_name_valid("a-b"));
    assert_false(bs_name_valid("a b"));
    assert_false(bs_name_valid("a/b"));
    assert_false(bs_name_valid("a."));
    assert_false(bs_name_valid(""));
    assert_false(bs_name_valid(NULL));
    assert_false(bs_name_valid("caf\xc3\xa9"));
    assert_false(bs_name_valid("\xc3\xa9"));
    free(len64);
    free(len65);
}

static void
test_names_canonical_is_lowercase(void **state)
{
    bs_name out;
    char *upper = repeat('Q', 64), *lower = repeat('q', 64);

    (void)state;
    bs_name_canonical("Alice_92", out);
    assert_string_equal(out, "alice_92");
    bs_name_canonical("ZZ_top", out);
    assert_string_equal(out, "zz_top");
    bs_name_canonical("bob", out);
    assert_string_equal(out, "bob");
    bs_name_canonical(upper, out);
    assert_string_equal(out, lower);
    free(upper);
    free(lower);
}

static void
test_names_ref_parse(void **state)
{
    bs_ref ref;
    char *owner64 = repeat('X', 64), *owner65 = repeat('x', 65);
    char *text64 = malloc(80), *text65 = malloc(80), *lower64 = repeat('x', 64);

    (void)state;
    assert_non_null(text64);
    assert_non_null(text65);
    assert_int_equal(bs_ref_parse("Bob/3", &ref), BS_OK);
    assert_string_equal(ref.owner, "bob");
    assert_int_equal(ref.index, 3);
    assert_int_equal(bs_ref_parse("alice_1/0", &ref), BS_OK);
    assert_string_equal(ref.owner, "alice_1");
    assert_int_equal(ref.index, 0);
    assert_int_equal(bs_ref_parse("bob/999999999", &ref), BS_OK);
    assert_int_equal(ref.index, 999999999);

    snprintf(text64, 80, "%s/7", owner64);
    assert_int_equal(bs_ref_parse(text64, &ref), BS_OK);
    assert_string_equal(ref.owner, lower64);
    assert_int_equal(ref.index, 7);
    snprintf(text65, 80, "%s/7", owner65);
    assert_int_equal(bs_ref_parse(text65, &ref), BS_INVALID);

    assert_int_equal(bs_ref_parse("bob", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("bob/", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("/3", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("bob/03", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("bob/00", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("bob/-1", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("bob/+1", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("bob/1/2", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("bob/1000000000", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("bob/1 ", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse(" bob/1", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("b-b/1", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("bob/1x", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse("", &ref), BS_INVALID);
    assert_int_equal(bs_ref_parse(NULL, &ref), BS_INVALID);
    free(owner64);
    free(owner65);
    free(lower64);
    free(text64);
    free(text65);
}

static void
test_names_ref_format_round_trip(void **state)
{
    bs_ref ref = {.owner = "bob", .index = 3}, back, other = {.owner = "bob", .index = 4};
    bs_ref max = {.owner = "z", .index = BS_INDEX_MAX};
    char text[BS_REF_MAX];

    (void)state;
    bs_ref_format(&ref, text);
    assert_string_equal(text, "bob/3");
    assert_int_equal(bs_ref_parse(text, &back), BS_OK);
    assert_true(bs_ref_equal(&ref, &back));
    assert_false(bs_ref_equal(&ref, &other));
    other.index = 3;
    memcpy(other.owner, "bor", 4);
    assert_false(bs_ref_equal(&ref, &other));

    bs_ref_format(&max, text);
    assert_string_equal(text, "z/999999999");
    assert_int_equal(bs_ref_parse(text, &back), BS_OK);
    assert_true(bs_ref_equal(&max, &back));

    bs_slot_ref_format(&ref, 12, text);
    assert_string_equal(text, "bob/3/12");
}

static void
test_names_keys_are_zero_padded(void **state)
{
    bs_ref two = {.owner = "bob", .index = 2}, ten = {.owner = "bob", .index = 10};
    char a[BS_KEY_BUF], b[BS_KEY_BUF];

    (void)state;
    bs_key_campaign(&two, a);
    bs_key_campaign(&ten, b);
    assert_string_equal(a, "campaign/bob/0000000002");
    assert_string_equal(b, "campaign/bob/0000000010");
    assert_true(strcmp(a, b) < 0);

    bs_key_slot(&two, 9, a);
    bs_key_slot(&two, 10, b);
    assert_string_equal(a, "slot/bob/0000000002/0000000009");
    assert_string_equal(b, "slot/bob/0000000002/0000000010");
    assert_true(strcmp(a, b) < 0);

    bs_key_ad(&ten, a);
    assert_string_equal(a, "ad/bob/0000000010");
    bs_key_account("bob", a);
    assert_string_equal(a, "account/bob");
    bs_key_apikey(DIGEST, a);
    assert_string_equal(a, "apikey/" DIGEST);
    assert_memory_equal(a, BS_PREFIX_APIKEYS, strlen(BS_PREFIX_APIKEYS));
    bs_key_ledger("bob", 7, a);
    bs_key_ledger("bob", 10, b);
    assert_string_equal(a, "ledger/bob/000000000007");
    assert_true(strcmp(a, b) < 0);
    bs_key_image_chunk(DIGEST, 3, a);
    assert_string_equal(a, "image/" DIGEST "/0003");

    bs_prefix_campaigns_of("bob", a);
    assert_string_equal(a, "campaign/bob/");
    bs_prefix_slots_of(&two, a);
    assert_string_equal(a, "slot/bob/0000000002/");
    bs_prefix_ads_of("bob", a);
    assert_string_equal(a, "ad/bob/");
    bs_prefix_ledger_of("bob", a);
    assert_string_equal(a, "ledger/bob/");
    bs_key_join_index("campaign/bob/", 3, a);
    assert_string_equal(a, "campaign/bob/0000000003");
}

static void
test_names_key_last_index(void **state)
{
    uint32_t index = 77;

    (void)state;
    assert_int_equal(bs_key_last_index("campaign/bob/0000000010", &index), BS_OK);
    assert_int_equal(index, 10);
    assert_int_equal(bs_key_last_index("ad/alice/0000000000", &index), BS_OK);
    assert_int_equal(index, 0);
    assert_int_equal(bs_key_last_index("slot/bob/0000000002/0999999999", &index), BS_OK);
    assert_int_equal(index, 999999999);

    index = 77;
    assert_int_equal(bs_key_last_index("campaign/bob/10", &index), BS_INVALID);
    assert_int_equal(bs_key_last_index("campaign/bob/00000000010", &index), BS_INVALID);
    assert_int_equal(bs_key_last_index("campaign/bob/00000000x1", &index), BS_INVALID);
    assert_int_equal(bs_key_last_index("campaign/bob/-000000001", &index), BS_INVALID);
    assert_int_equal(bs_key_last_index("campaign/bob/", &index), BS_INVALID);
    assert_int_equal(bs_key_last_index("0000000010", &index), BS_INVALID);
    assert_int_equal(index, 77);
}

static void
test_names_key_last_index_refuses_overflow(void **state)
{
    uint32_t index = 77;

    (void)state;
    /* Ten digits can spell more than any uint32: 4294967296 must not wrap
     * to 0, nor 9999999999 to 1410065407. */
    assert_int_equal(bs_key_last_index("campaign/bob/4294967296", &index), BS_INVALID);
    assert_int_equal(bs_key_last_index("campaign/bob/9999999999", &index), BS_INVALID);
    assert_int_equal(index, 77);
}

/* ---- categories ---- */

static void
test_campaign_categories_parse(void **state)
{
    bs_categories set;
    char *len32 = repeat('a', 32), *len33 = repeat('a', 33);

    (void)state;
    assert_int_equal(bs_categories_parse("news,sports-2,x9", &set), BS_OK);
    assert_int_equal(set.count, 3);
    assert_string_equal(set.names[0], "news");
    assert_string_equal(set.names[1], "sports-2");
    assert_string_equal(set.names[2], "x9");

    assert_int_equal(bs_categories_parse("", &set), BS_OK);
    assert_int_equal(set.count, 0);
    assert_int_equal(bs_categories_parse(NULL, &set), BS_OK);
    assert_int_equal(set.count, 0);

    assert_int_equal(bs_categories_parse(len32, &set), BS_OK);
    assert_int_equal(set.count, 1);
    assert_string_equal(set.names[0], len32);
    assert_int_equal(bs_categories_parse(len33, &set), BS_INVALID);

    assert_int_equal(bs_categories_parse("a,b,a", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse("a,a", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse("News", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse("a b", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse("a_b", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse("a, b", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse("caf\xc3\xa9", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse("a,,b", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse("a,", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse(",a", &set), BS_INVALID);
    assert_int_equal(bs_categories_parse(",", &set), BS_INVALID);
    free(len32);
    free(len33);
}

static void
test_campaign_categories_at_most_sixteen(void **state)
{
    bs_categories set;
    const char *sixteen = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p";
    const char *seventeen = "a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q";

    (void)state;
    assert_int_equal(bs_categories_parse(sixteen, &set), BS_OK);
    assert_int_equal(set.count, 16);
    assert_string_equal(set.names[15], "p");
    assert_int_equal(bs_categories_parse(seventeen, &set), BS_INVALID);
}

static void
test_campaign_categories_intersect(void **state)
{
    bs_categories a, b, none;
    const char *common = NULL;

    (void)state;
    assert_int_equal(bs_categories_parse("news,gambling,adult", &a), BS_OK);
    assert_int_equal(bs_categories_parse("food,adult", &b), BS_OK);
    assert_int_equal(bs_categories_parse("", &none), BS_OK);
    assert_true(bs_categories_intersect(&a, &b, &common));
    assert_string_equal(common, "adult");
    assert_true(bs_categories_intersect(&b, &a, &common));
    assert_string_equal(common, "adult");

    common = NULL;
    assert_int_equal(bs_categories_parse("food,drinks", &b), BS_OK);
    assert_false(bs_categories_intersect(&a, &b, &common));
    assert_false(bs_categories_intersect(&a, &none, &common));
    assert_false(bs_categories_intersect(&none, &a, &common));
    assert_null(common);
}

static void
test_campaign_categories_json_round_trip(void **state)
{
    bs_categories set, back;
    json_t *array, *bad;

    (void)state;
    assert_int_equal(bs_categories_parse("news,sports-2", &set), BS_OK);
    array = bs_categories_json(&set);
    assert_non_null(array);
    assert_int_equal(json_array_size(array), 2);
    assert_int_equal(bs_categories_from_json(array, &back), BS_OK);
    assert_int_equal(back.count, 2);
    assert_string_equal(back.names[0], "news");
    assert_string_equal(back.names[1], "sports-2");
    json_decref(array);

    bad = json_pack("[s, s]", "news", "news");
    assert_int_equal(bs_categories_from_json(bad, &back), BS_CORRUPT);
    json_decref(bad);
    bad = json_pack("[s, i]", "news", 1);
    assert_int_equal(bs_categories_from_json(bad, &back), BS_CORRUPT);
    json_decref(bad);
    bad = json_pack("[s]", "News");
    assert_int_equal(bs_categories_from_json(bad, &back), BS_CORRUPT);
    json_decref(bad);
    bad = json_string("news");
    assert_int_equal(bs_categories_from_json(bad, &back), BS_CORRUPT);
    json_decref(bad);
    assert_int_equal(bs_categories_from_json(NULL, &back), BS_CORRUPT);
}

/* ---- samples ---- */

static bs_ledger_entry
sample_entry(void)
{
    bs_ledger_entry e;

    memset(&e, 0, sizeof(e));
    e.seq = 2;
    e.kind = BS_ENTRY_PURCHASE;
    e.amount = -1500;
    e.balance = 8500;
    e.time = T0 + 5;
    memcpy(e.ref, "bob/2/7", sizeof("bob/2/7"));
    memcpy(e.request, REQUEST, sizeof(REQUEST));
    memcpy(e.memo, "first \xc3\xa9 purchase", sizeof("first \xc3\xa9 purchase"));
    return e;
}

static bs_slot
sample_slot(void)
{
    bs_slot s;

    memset(&s, 0, sizeof(s));
    memcpy(s.campaign.owner, "bob", 4);
    s.campaign.index = 2;
    s.index = 7;
    memcpy(s.buyer, "alice_1", 8);
    memcpy(s.ad.owner, "alice_1", 8);
    s.ad.index = 4;
    s.price = 1500;
    s.fee = 23;
    s.time = T0 + 5;
    s.start = T0 + 86400;
    s.end = T0 + 2 * 86400;
    memcpy(s.request, REQUEST, sizeof(REQUEST));
    return s;
}

static bs_ledger_entry pending_sample[2];

static bs_account
sample_account(void)
{
    bs_account a;
    bs_slot s = sample_slot();

    memset(&a, 0, sizeof(a));
    memcpy(a.name, "Alice_1", 8);
    snprintf(a.password, sizeof(a.password), "%s",
             "$argon2id$v=19$m=65536,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA");
    memcpy(a.api_key_hash, DIGEST, sizeof(DIGEST));
    a.created = T0;
    a.is_operator = true;
    a.balance = 8500;
    a.ledger_next = 4;

    pending_sample[0] = sample_entry();
    pending_sample[1] = sample_entry();
    pending_sample[1].seq = 3;
    pending_sample[1].kind = BS_ENTRY_ADJUST;
    pending_sample[1].amount = 0;
    pending_sample[1].ref[0] = '\0';
    memcpy(pending_sample[1].request, REQUEST2, sizeof(REQUEST2));
    a.pending = pending_sample;
    a.pending_count = 2;

    a.lock = BS_LOCK_FILL;
    a.fill.campaign = s.campaign;
    a.fill.slot = 8;
    a.fill.ad = s.ad;
    a.fill.price = 3000;
    a.fill.fee = 45;
    a.fill.time = T0 + 9;
    a.fill.start = T0 + 2 * 86400;
    a.fill.end = T0 + 3 * 86400;
    memcpy(a.fill.request, REQUEST2, sizeof(REQUEST2));
    return a;
}

static bs_campaign
sample_campaign(bool with_last)
{
    bs_campaign c;

    memset(&c, 0, sizeof(c));
    memcpy(c.id.owner, "bob", 4);
    c.id.index = 2;
    c.min_price = 1000;
    c.slot_seconds = 86400;
    c.width = 300;
    c.height = 250;
    snprintf(c.title, sizeof(c.title), "%s", "Bob's \"blog\" \xe2\x82\xac banner");
    assert_int_equal(bs_categories_parse("adult,gambling", &c.disallowed), BS_OK);
    c.created = T0 - 100;
    c.has_last = with_last;
    if (with_last)
        c.last = sample_slot();
    return c;
}

static void
sample_ad(bs_ad *ad)
{
    memset(ad, 0, sizeof(*ad));
    memcpy(ad->id.owner, "alice_1", 8);
    ad->id.index = 4;
    ad->width = 300;
    ad->height = 250;
    memcpy(ad->mime, "image/png", sizeof("image/png"));
    memcpy(ad->image, DIGEST, sizeof(DIGEST));
    ad->image_len = 12345;
    ad->chunks = 1;
    memcpy(ad->nickname, "Spring sale", sizeof("Spring sale"));
    snprintf(ad->hover, sizeof(ad->hover), "%s", "Cheap \xe2\x82\xac stuff \xf0\x9f\x98\x80");
    snprintf(ad->url, sizeof(ad->url), "%s", "https://example.com/x?y=1&z=%20");
    assert_int_equal(bs_categories_parse("food,drinks-2", &ad->categories), BS_OK);
    ad->created = T0 + 1;
}

/* ---- round trips ---- */

static void
assert_entry_equal(const bs_ledger_entry *a, const bs_ledger_entry *b)
{
    assert_int_equal(a->seq, b->seq);
    assert_int_equal(a->kind, b->kind);
    assert_int_equal(a->amount, b->amount);
    assert_int_equal(a->balance, b->balance);
    assert_int_equal(a->time, b->time);
    assert_string_equal(a->ref, b->ref);
    assert_string_equal(a->request, b->request);
    assert_string_equal(a->memo, b->memo);
    assert_true(bs_ledger_entry_equal(a, b));
}

static void
assert_categories_equal(const bs_categories *a, const bs_categories *b)
{
    assert_int_equal(a->count, b->count);
    for (size_t i = 0; i < a->count; i++)
        assert_string_equal(a->names[i], b->names[i]);
}

static void
test_ledger_entry_round_trip(void **state)
{
    bs_ledger_entry e = sample_entry(), back;
    size_t len = 0;
    char *text;

    (void)state;
    for (int kind = 0; kind < BS__ENTRY_COUNT; kind++) {
        e.kind = (bs_entry_kind)kind;
        text = bs_ledger_entry_encode(&e, &len);
        assert_non_null(text);
        assert_int_equal(len, strlen(text));
        memset(&back, 0x5a, sizeof(back));
        assert_int_equal(bs_ledger_entry_decode(text, len, &back), BS_OK);
        assert_entry_equal(&e, &back);
        free(text);
    }
    /* Without the optional ref and memo. */
    e.ref[0] = '\0';
    e.memo[0] = '\0';
    e.amount = 100000;
    text = bs_ledger_entry_encode(&e, &len);
    assert_non_null(text);
    assert_null(strstr(text, "\"ref\""));
    assert_null(strstr(text, "\"memo\""));
    assert_int_equal(bs_ledger_entry_decode(text, len, &back), BS_OK);
    assert_entry_equal(&e, &back);
    free(text);
}

static void
test_ledger_kind_names(void **state)
{
    (void)state;
    assert_string_equal(bs_entry_kind_name(BS_ENTRY_ADJUST), "adjust");
    assert_string_equal(bs_entry_kind_name(BS_ENTRY_PURCHASE), "purchase");
    assert_string_equal(bs_entry_kind_name(BS_ENTRY_SALE), "sale");
    assert_string_equal(bs_entry_kind_name(BS_ENTRY_FEE), "fee");
    assert_string_equal(bs_entry_kind_name(BS_ENTRY_DEPOSIT), "deposit");
    assert_string_equal(bs_entry_kind_name(BS_ENTRY_WITHDRAWAL), "withdrawal");
    assert_string_equal(bs_entry_kind_name(BS__ENTRY_COUNT), "unknown");
    assert_string_equal(bs_entry_kind_name((bs_entry_kind)-1), "unknown");
}

static void
assert_account_equal(const bs_account *a, const bs_account *b)
{
    assert_string_equal(a->name, b->name);
    assert_string_equal(a->password, b->password);
    assert_string_equal(a->api_key_hash, b->api_key_hash);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->is_operator, b->is_operator);
    assert_int_equal(a->balance, b->balance);
    assert_int_equal(a->ledger_next, b->ledger_next);
    assert_int_equal(a->pending_count, b->pending_count);
    for (size_t i = 0; i < a->pending_count; i++)
        assert_entry_equal(&a->pending[i], &b->pending[i]);
    assert_int_equal(a->lock, b->lock);
    if (a->lock == BS_LOCK_FILL) {
        assert_true(bs_ref_equal(&a->fill.campaign, &b->fill.campaign));
        assert_int_equal(a->fill.slot, b->fill.slot);
        assert_true(bs_ref_equal(&a->fill.ad, &b->fill.ad));
        assert_int_equal(a->fill.price, b->fill.price);
        assert_int_equal(a->fill.fee, b->fill.fee);
        assert_int_equal(a->fill.time, b->fill.time);
        assert_int_equal(a->fill.start, b->fill.start);
        assert_int_equal(a->fill.end, b->fill.end);
        assert_string_equal(a->fill.request, b->fill.request);
    }
}

static void
check_account_round_trip(const bs_account *a)
{
    bs_account back;
    size_t len = 0, len2 = 0;
    char *text = bs_account_encode(a, &len), *again;

    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    assert_int_equal(bs_account_decode(text, len, &back), BS_OK);
    assert_account_equal(a, &back);
    again = bs_account_encode(&back, &len2);
    assert_non_null(again);
    assert_string_equal(again, text);
    bs_account_release(&back);
    assert_null(back.pending);
    assert_int_equal(back.pending_count, 0);
    free(again);
    free(text);
}

static void
test_account_round_trip(void **state)
{
    bs_account a = sample_account();

    (void)state;
    check_account_round_trip(&a);

    /* Unlocked, nothing pending, not the operator. */
    a.lock = BS_LOCK_NONE;
    memset(&a.fill, 0, sizeof(a.fill));
    a.pending = NULL;
    a.pending_count = 0;
    a.is_operator = false;
    a.password[0] = '\0';
    check_account_round_trip(&a);
    bs_account_release(NULL);
}

#define TEXT(s) s, strlen(s)

/* The credit document of a campaign: marks with and without a batch come
 * back as written; a batch that does not fit its mark is damage. */
static void
test_credit_round_trip(void **state)
{
    bs_ref campaign = {.owner = "bob", .index = 7};
    bs_credit c, back;
    size_t len;
    char *text;

    (void)state;
    bs_credit_init(&c, &campaign);
    c.mark[BS_PAYEE_SELLER].paid = 41;
    c.mark[BS_PAYEE_SELLER].batch = (bs_credit_batch){true, 20, 22, 77};
    c.mark[BS_PAYEE_OPERATOR].paid = 12;
    text = bs_credit_encode(&c, &len);
    assert_non_null(text);
    assert_string_equal(text, "{\"campaign\":\"bob/7\",\"seller\":{\"paid\":41,\"batch\":"
                              "{\"from\":20,\"first\":22,\"at\":77}},\"fee\":{\"paid\":12}}");
    assert_int_equal(bs_credit_decode(text, len, &back), BS_OK);
    assert_memory_equal(&back, &c, sizeof(c));
    free(text);
    /* first beyond paid, at 0, a field too many */
    assert_int_equal(bs_credit_decode(TEXT("{\"campaign\":\"bob/7\",\"seller\":{\"paid\":21,"
                                           "\"batch\":{\"from\":20,\"first\":22,\"at\":7}},"
                                           "\"fee\":{\"paid\":-1}}"),
                                      &back),
                     BS_CORRUPT);
    assert_int_equal(bs_credit_decode(TEXT("{\"campaign\":\"bob/7\",\"seller\":{\"paid\":22,"
                                           "\"batch\":{\"from\":20,\"first\":22,\"at\":0}},"
                                           "\"fee\":{\"paid\":-1}}"),
                                      &back),
                     BS_CORRUPT);
    assert_int_equal(bs_credit_decode(TEXT("{\"campaign\":\"bob/7\",\"seller\":{\"paid\":2,"
                                           "\"x\":1},\"fee\":{\"paid\":-1}}"),
                                      &back),
                     BS_CORRUPT);
}

static void
assert_campaign_equal(const bs_campaign *a, const bs_campaign *b)
{
    assert_true(bs_ref_equal(&a->id, &b->id));
    assert_int_equal(a->min_price, b->min_price);
    assert_int_equal(a->slot_seconds, b->slot_seconds);
    assert_int_equal(a->width, b->width);
    assert_int_equal(a->height, b->height);
    assert_string_equal(a->title, b->title);
    assert_categories_equal(&a->disallowed, &b->disallowed);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->has_last, b->has_last);
    if (a->has_last)
        assert_true(bs_slot_equal(&a->last, &b->last));
}

static void
test_campaign_round_trip(void **state)
{
    (void)state;
    for (int with_last = 0; with_last <= 1; with_last++) {
        bs_campaign c = sample_campaign(with_last), back;
        size_t len = 0;
        char *text = bs_campaign_encode(&c, &len), *again;

        assert_non_null(text);
        assert_int_equal(len, strlen(text));
        assert_int_equal(bs_campaign_decode(text, len, &back), BS_OK);
        assert_campaign_equal(&c, &back);
        again = bs_campaign_encode(&back, NULL);
        assert_non_null(again);
        assert_string_equal(again, text);
        free(again);
        free(text);
    }
}

static void
test_campaign_slot_round_trip(void **state)
{
    bs_slot s = sample_slot(), back;
    size_t len = 0;
    char *text;

    (void)state;
    s.index = BS_INDEX_MAX;
    text = bs_slot_encode(&s, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    assert_int_equal(bs_slot_decode(text, len, &back), BS_OK);
    assert_true(bs_slot_equal(&s, &back));
    assert_string_equal(back.buyer, "alice_1");
    assert_int_equal(back.index, BS_INDEX_MAX);
    assert_int_equal(back.end, T0 + 2 * 86400);
    free(text);
}

static void
test_ad_round_trip(void **state)
{
    bs_ad *ad = malloc(sizeof(*ad)), *back = malloc(sizeof(*back));
    size_t len = 0;
    char *text, *again;

    (void)state;
    assert_non_null(ad);
    assert_non_null(back);
    sample_ad(ad);
    text = bs_ad_encode(ad, &len);
    assert_non_null(text);
    assert_int_equal(len, strlen(text));
    assert_int_equal(bs_ad_decode(text, len, back), BS_OK);
    assert_true(bs_ref_equal(&ad->id, &back->id));
    assert_int_equal(back->width, 300);
    assert_int_equal(back->height, 250);
    assert_string_equal(back->mime, ad->mime);
    assert_string_equal(back->image, ad->image);
    assert_int_equal(back->image_len, 12345);
    assert_int_equal(back->chunks, 1);
    assert_string_equal(back->nickname, ad->nickname);
    assert_string_equal(back->hover, ad->hover);
    assert_string_equal(back->url, ad->url);
    assert_categories_equal(&ad->categories, &back->categories);
    assert_int_equal(back->created, T0 + 1);
    again = bs_ad_encode(back, NULL);
    assert_non_null(again);
    assert_string_equal(again, text);
    free(again);
    free(text);
    free(ad);
    free(back);
}

/* ---- decoders refuse ---- */

/* One decoder, behind a common signature. On failure it checks that nothing
 * is left to free (and ASan's leak check confirms it). */
typedef struct decoder {
    const char *what;
    bs_status (*decode)(const char *text, size_t len);
} decoder;

static bs_status
decode_account(const char *text, size_t len)
{
    bs_account a;
    bs_status st = bs_account_decode(text, len, &a);

    if (st == BS_OK) {
        bs_account_release(&a);
        return st;
    }
    assert_null(a.pending);
    assert_null(a.deposits);
    assert_int_equal(a.pending_count, 0);
    return st;
}

static bs_status
decode_campaign(const char *text, size_t len)
{
    bs_campaign c;

    return bs_campaign_decode(text, len, &c);
}

static bs_status
decode_slot(const char *text, size_t len)
{
    bs_slot s;

    return bs_slot_decode(text, len, &s);
}

static bs_status
decode_ad(const char *text, size_t len)
{
    bs_ad *ad = malloc(sizeof(*ad));
    bs_status st;

    assert_non_null(ad);
    st = bs_ad_decode(text, len, ad);
    free(ad);
    return st;
}

static bs_status
decode_entry(const char *text, size_t len)
{
    bs_ledger_entry e;

    return bs_ledger_entry_decode(text, len, &e);
}

static bs_status
decode_apikey(const char *text, size_t len)
{
    bs_name canon;

    return bs_apikey_decode(text, len, canon);
}

static bs_stats
sample_stats(void)
{
    bs_stats s;

    memset(&s, 0, sizeof(s));
    snprintf(s.campaign.owner, sizeof(s.campaign.owner), "bob");
    s.campaign.index = 2;
    s.slot = 7;
    memcpy(s.process, REQUEST, sizeof(s.process));
    s.impressions = 1234;
    s.clicks = 5;
    s.seq = 3;
    s.updated = T0;
    return s;
}

static bs_status
decode_stats(const char *text, size_t len)
{
    bs_stats s;

    return bs_stats_decode(text, len, &s);
}

/* The encoded sample document of each decoder (malloc'ed). */
static char *
sample_text(const char *what)
{
    if (strcmp(what, "account") == 0) {
        bs_account a = sample_account();
        return bs_account_encode(&a, NULL);
    }
    if (strcmp(what, "campaign") == 0) {
        bs_campaign c = sample_campaign(true);
        return bs_campaign_encode(&c, NULL);
    }
    if (strcmp(what, "slot") == 0) {
        bs_slot s = sample_slot();
        return bs_slot_encode(&s, NULL);
    }
    if (strcmp(what, "ad") == 0) {
        bs_ad *ad = malloc(sizeof(*ad));
        char *text;
        assert_non_null(ad);
        sample_ad(ad);
        text = bs_ad_encode(ad, NULL);
        free(ad);
        return text;
    }
    if (strcmp(what, "apikey") == 0)
        return bs_apikey_encode("alice_1", NULL);
    if (strcmp(what, "stats") == 0) {
        bs_stats st = sample_stats();
        return bs_stats_encode(&st, NULL);
    }
    {
        bs_ledger_entry e = sample_entry();
        return bs_ledger_entry_encode(&e, NULL);
    }
}

enum { D_ACCOUNT, D_CAMPAIGN, D_SLOT, D_AD, D_ENTRY, D_APIKEY, D_STATS };

static const decoder decoders[] = {
    [D_ACCOUNT] = {"account", decode_account}, [D_CAMPAIGN] = {"campaign", decode_campaign},
    [D_SLOT] = {"slot", decode_slot},          [D_AD] = {"ad", decode_ad},
    [D_ENTRY] = {"entry", decode_entry},       [D_APIKEY] = {"apikey", decode_apikey},
    [D_STATS] = {"stats", decode_stats},
};
#define N_DECODERS (sizeof(decoders) / sizeof(decoders[0]))

static bs_status
decode_string(const decoder *d, const char *text)
{
    return d->decode(text, strlen(text));
}

/* The object inside `root` named by `where`: NULL is root itself; a key
 * whose value is an array names the array's first element. */
static json_t *
pick(json_t *root, const char *where)
{
    json_t *obj;

    if (where == NULL)
        return root;
    obj = json_object_get(root, where);
    if (json_is_array(obj))
        obj = json_array_get(obj, 0);
    assert_true(json_is_object(obj));
    return obj;
}

/* The sample of `d` with field `key` of object `where` replaced by `value`
 * (stolen), or deleted when `value` is NULL. Malloc'ed. */
static char *
mutate(const decoder *d, const char *where, const char *key, json_t *value)
{
    char *text = sample_text(d->what), *out;
    json_t *root = json_loads(text, 0, NULL), *obj;

    assert_non_null(root);
    obj = pick(root, where);
    assert_non_null(json_object_get(obj, key));
    if (value == NULL)
        assert_int_equal(json_object_del(obj, key), 0);
    else
        assert_int_equal(json_object_set_new(obj, key, value), 0);
    out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(out);
    json_decref(root);
    free(text);
    return out;
}

/* Fields a document may lack: a ledger entry's ref and memo, and the fields
 * added after documents without them were written (an account's remembered
 * requests, a campaign's and an ad's creating request). */
static bool
optional_field(const char *what, const char *where, const char *key)
{
    bool entry = strcmp(what, "entry") == 0 ||
                 (strcmp(what, "account") == 0 && where != NULL && strcmp(where, "pending") == 0);
    bool top = where == NULL;

    if (entry && (strcmp(key, "ref") == 0 || strcmp(key, "memo") == 0))
        return true;
    if (top && strcmp(what, "account") == 0 && strcmp(key, "recent") == 0)
        return true;
    return top && (strcmp(what, "campaign") == 0 || strcmp(what, "ad") == 0) &&
           strcmp(key, "request") == 0;
}

/* Values of the wrong type for a field holding `value`. */
static json_t *
wrong_value(const json_t *value, int variant)
{
    switch (json_typeof(value)) {
    case JSON_STRING:
        return variant == 0 ? json_integer(7) : json_null();
    case JSON_INTEGER:
        return variant == 0 ? json_string("7") : json_real(7.0);
    case JSON_TRUE:
    case JSON_FALSE:
        return variant == 0 ? json_integer(1) : json_string("true");
    case JSON_OBJECT:
        return variant == 0 ? json_string("x") : json_array();
    case JSON_ARRAY:
        return variant == 0 ? json_string("x") : json_object();
    case JSON_NULL:
        return variant == 0 ? json_integer(0) : json_string("null");
    default:
        return json_false();
    }
}

/* For every field of the object `where` of d's sample: without it the
 * document is corrupt (unless optional); with a value of another type it
 * is corrupt. Returns the number of fields visited. */
static size_t
check_each_field(const decoder *d, const char *where)
{
    char *text = sample_text(d->what);
    json_t *root = json_loads(text, 0, NULL), *obj;
    const char *key;
    json_t *value;
    size_t fields = 0;

    assert_non_null(root);
    obj = pick(root, where);
    json_object_foreach(obj, key, value)
    {
        char *changed = mutate(d, where, key, NULL);
        bs_status want = optional_field(d->what, where, key) ? BS_OK : BS_CORRUPT;
        if (decode_string(d, changed) != want)
            fail_msg("%s: without %s.%s: want %s", d->what, where ? where : "", key,
                     bs_status_name(want));
        free(changed);
        for (int variant = 0; variant < 2; variant++) {
            changed = mutate(d, where, key, wrong_value(value, variant));
            if (decode_string(d, changed) != BS_CORRUPT)
                fail_msg("%s: %s.%s of the wrong type (%d) accepted", d->what, where ? where : "",
                         key, variant);
            free(changed);
        }
        fields++;
    }
    json_decref(root);
    free(text);
    return fields;
}

static void
test_codec_decoders_accept_samples(void **state)
{
    (void)state;
    for (size_t i = 0; i < N_DECODERS; i++) {
        char *text = sample_text(decoders[i].what);
        assert_non_null(text);
        assert_int_equal(decode_string(&decoders[i], text), BS_OK);
        free(text);
    }
}

static void
test_codec_decoders_refuse_missing_or_mistyped_fields(void **state)
{
    (void)state;
    assert_int_equal(check_each_field(&decoders[D_ACCOUNT], NULL), 12);
    assert_int_equal(check_each_field(&decoders[D_ACCOUNT], "lock"), 10);
    assert_int_equal(check_each_field(&decoders[D_ACCOUNT], "pending"), 8);
    assert_int_equal(check_each_field(&decoders[D_CAMPAIGN], NULL), 10);
    assert_int_equal(check_each_field(&decoders[D_CAMPAIGN], "last"), 10);
    assert_int_equal(check_each_field(&decoders[D_SLOT], NULL), 10);
    assert_int_equal(check_each_field(&decoders[D_AD], NULL), 13);
    assert_int_equal(check_each_field(&decoders[D_ENTRY], NULL), 8);
    assert_int_equal(check_each_field(&decoders[D_APIKEY], NULL), 1);
    assert_int_equal(check_each_field(&decoders[D_STATS], NULL), 7);
}

/* A string field at its longest is accepted; one byte more is corrupt. */
typedef struct string_limit {
    size_t decoder;
    const char *where;
    const char *key;
    size_t max;
} string_limit;

static void
test_codec_decoders_refuse_overlong_strings(void **state)
{
    static const string_limit limits[] = {
        {D_ACCOUNT, NULL, "name", BS_NAME_MAX},
        {D_ACCOUNT, NULL, "password", BS_PASSWORD_HASH_MAX - 1},
        {D_ACCOUNT, NULL, "api_key_hash", BS_API_KEY_HASH_LEN},
        {D_ACCOUNT, "lock", "request", BS_ID_LEN},
        {D_ACCOUNT, "pending", "memo", BS_MEMO_MAX},
        {D_CAMPAIGN, NULL, "title", BS_TITLE_MAX},
        {D_CAMPAIGN, "last", "buyer", BS_NAME_MAX},
        {D_SLOT, NULL, "buyer", BS_NAME_MAX},
        {D_SLOT, NULL, "request", BS_ID_LEN},
        {D_AD, NULL, "mime", BS_MIME_MAX},
        {D_AD, NULL, "image", BS_DIGEST_HEX_LEN},
        {D_AD, NULL, "nickname", BS_NICKNAME_MAX},
        {D_AD, NULL, "hover", BS_HOVER_MAX},
        {D_AD, NULL, "url", BS_URL_MAX},
        {D_ENTRY, NULL, "request", BS_ID_LEN},
        {D_ENTRY, NULL, "memo", BS_MEMO_MAX},
        {D_ENTRY, NULL, "ref", BS_REF_MAX - 1},
        {D_APIKEY, NULL, "account", BS_NAME_MAX},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        const string_limit *l = &limits[i];
        const decoder *d = &decoders[l->decoder];
        char *value = repeat('a', l->max + 1), *text;

        text = mutate(d, l->where, l->key, json_string(value));
        if (decode_string(d, text) != BS_CORRUPT)
            fail_msg("%s: %s of %zu bytes accepted", d->what, l->key, l->max + 1);
        free(text);
        value[l->max] = '\0';
        text = mutate(d, l->where, l->key, json_string(value));
        if (decode_string(d, text) != BS_OK)
            fail_msg("%s: %s of %zu bytes refused", d->what, l->key, l->max);
        free(text);
        free(value);
    }
}

static void
test_codec_decoders_refuse_bad_references(void **state)
{
    static const struct {
        size_t decoder;
        const char *where;
        const char *key;
    } refs[] = {
        {D_ACCOUNT, "lock", "campaign"},
        {D_ACCOUNT, "lock", "ad"},
        {D_CAMPAIGN, NULL, "id"},
        {D_CAMPAIGN, "last", "campaign"},
        {D_SLOT, NULL, "campaign"},
        {D_SLOT, NULL, "ad"},
        {D_AD, NULL, "id"},
        {D_STATS, NULL, "campaign"},
    };
    static const char *const bad[] = {"bob", "bob/03", "bob/-1", "bob/1/2", "a-b/1", ""};
    char *owner65 = repeat('a', 65), long_ref[80];

    (void)state;
    snprintf(long_ref, sizeof(long_ref), "%s/1", owner65);
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        const decoder *d = &decoders[refs[i].decoder];
        for (size_t j = 0; j <= sizeof(bad) / sizeof(bad[0]); j++) {
            const char *value = j < sizeof(bad) / sizeof(bad[0]) ? bad[j] : long_ref;
            char *text = mutate(d, refs[i].where, refs[i].key, json_string(value));
            if (decode_string(d, text) != BS_CORRUPT)
                fail_msg("%s: %s \"%s\" accepted", d->what, refs[i].key, value);
            free(text);
        }
    }
    free(owner65);
}

static void
test_codec_decoders_refuse_out_of_range_indexes(void **state)
{
    char *text;

    (void)state;
    text = mutate(&decoders[D_SLOT], NULL, "index", json_integer(-1));
    assert_int_equal(decode_string(&decoders[D_SLOT], text), BS_CORRUPT);
    free(text);
    text = mutate(&decoders[D_SLOT], NULL, "index", json_integer(BS_INDEX_MAX + 1));
    assert_int_equal(decode_string(&decoders[D_SLOT], text), BS_CORRUPT);
    free(text);
    text = mutate(&decoders[D_ACCOUNT], "lock", "slot", json_integer(-1));
    assert_int_equal(decode_string(&decoders[D_ACCOUNT], text), BS_CORRUPT);
    free(text);
    text = mutate(&decoders[D_ACCOUNT], "lock", "slot", json_integer(BS_INDEX_MAX + 1));
    assert_int_equal(decode_string(&decoders[D_ACCOUNT], text), BS_CORRUPT);
    free(text);
    text = mutate(&decoders[D_CAMPAIGN], "last", "index", json_integer(BS_INDEX_MAX + 1));
    assert_int_equal(decode_string(&decoders[D_CAMPAIGN], text), BS_CORRUPT);
    free(text);
}

/* `text` with `insert` put before its final '}'. Malloc'ed. */
static char *
insert_before_end(const char *text, const char *insert)
{
    size_t n = strlen(text), m = strlen(insert);
    char *out = malloc(n + m + 1);

    assert_non_null(out);
    assert_int_equal(text[n - 1], '}');
    memcpy(out, text, n - 1);
    memcpy(out + n - 1, insert, m);
    memcpy(out + n - 1 + m, "}", 2);
    return out;
}

static void
test_codec_decoders_refuse_duplicates_garbage_and_non_objects(void **state)
{
    static const char *const non_objects[] = {"",      "[]",   "[{}]", "1",           "null",
                                              "\"x\"", "true", "{",    "{\"name\":}", "\xff"};
    static const char *const duplicates[] = {
        ",\"name\":\"bob\"",     ",\"id\":\"bob/2\"", ",\"campaign\":\"bob/2\"",
        ",\"id\":\"alice_1/4\"", ",\"seq\":2",        ",\"account\":\"alice_1\"",
        ",\"clicks\":5"};

    (void)state;
    for (size_t i = 0; i < N_DECODERS; i++) {
        const decoder *d = &decoders[i];
        char *text = sample_text(d->what), *changed;
        size_t len = strlen(text);

        /* The same field twice, even with the same value. */
        changed = insert_before_end(text, duplicates[i]);
        if (decode_string(d, changed) != BS_CORRUPT)
            fail_msg("%s: duplicate key accepted", d->what);
        free(changed);

        /* Trailing garbage; also a second document after the first. */
        changed = insert_before_end(text, "}x");
        if (decode_string(d, changed) != BS_CORRUPT)
            fail_msg("%s: trailing garbage accepted", d->what);
        free(changed);
        changed = insert_before_end(text, "}{}");
        if (decode_string(d, changed) != BS_CORRUPT)
            fail_msg("%s: two documents accepted", d->what);
        free(changed);
        /* A truncated document. */
        assert_int_equal(d->decode(text, len - 1), BS_CORRUPT);

        for (size_t j = 0; j < sizeof(non_objects) / sizeof(non_objects[0]); j++)
            if (decode_string(d, non_objects[j]) != BS_CORRUPT)
                fail_msg("%s: \"%s\" accepted", d->what, non_objects[j]);
        free(text);
    }
}

static void
test_codec_decoders_refuse_embedded_nul_and_huge_numbers(void **state)
{
    const char *nul = "{\"seq\":2,\"kind\":\"sale\",\"amount\":1,\"balance\":1,\"time\":1,"
                      "\"request\":\"a\\u0000b\"}";
    const char *huge = "{\"seq\":2,\"kind\":\"sale\",\"amount\":99999999999999999999,"
                       "\"balance\":1,\"time\":1,\"request\":\"ab\"}";
    const char *fine = "{\"seq\":2,\"kind\":\"sale\",\"amount\":1,\"balance\":1,\"time\":1,"
                       "\"request\":\"ab\"}";
    bs_ledger_entry e;

    (void)state;
    assert_int_equal(bs_ledger_entry_decode(nul, strlen(nul), &e), BS_CORRUPT);
    assert_int_equal(bs_ledger_entry_decode(huge, strlen(huge), &e), BS_CORRUPT);
    assert_int_equal(bs_ledger_entry_decode(fine, strlen(fine), &e), BS_OK);
    assert_int_equal(e.kind, BS_ENTRY_SALE);
    assert_string_equal(e.request, "ab");
    assert_string_equal(e.ref, "");
    assert_string_equal(e.memo, "");
}

static void
test_codec_decoders_refuse_unknown_kinds(void **state)
{
    static const char *const kinds[] = {"bogus", "refill", "Fill", "", "fill "};
    static const char *const entry_kinds[] = {"bonus", "Sale", "", "unknown", "sale "};
    char *text;

    (void)state;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        text = mutate(&decoders[D_ACCOUNT], "lock", "kind", json_string(kinds[i]));
        if (decode_string(&decoders[D_ACCOUNT], text) != BS_CORRUPT)
            fail_msg("lock kind \"%s\" accepted", kinds[i]);
        free(text);
    }
    for (size_t i = 0; i < sizeof(entry_kinds) / sizeof(entry_kinds[0]); i++) {
        text = mutate(&decoders[D_ENTRY], NULL, "kind", json_string(entry_kinds[i]));
        if (decode_string(&decoders[D_ENTRY], text) != BS_CORRUPT)
            fail_msg("entry kind \"%s\" accepted", entry_kinds[i]);
        free(text);
        /* The same inside an account's pending list, after memory for it
         * was allocated: nothing may be left to free. */
        text = mutate(&decoders[D_ACCOUNT], "pending", "kind", json_string(entry_kinds[i]));
        if (decode_string(&decoders[D_ACCOUNT], text) != BS_CORRUPT)
            fail_msg("pending entry kind \"%s\" accepted", entry_kinds[i]);
        free(text);
    }
}

static void
test_account_refuses_bad_deposits_and_pending(void **state)
{
    char *text;

    (void)state;
    /* A deposit key credited a negative or non-integer amount. */
    text = mutate(&decoders[D_ACCOUNT], NULL, "deposits",
                  json_pack("{s:i, s:i}", "bcrt1qexample0", 7, "bcrt1qexample1", -1));
    assert_int_equal(decode_string(&decoders[D_ACCOUNT], text), BS_CORRUPT);
    free(text);
    text =
        mutate(&decoders[D_ACCOUNT], NULL, "deposits", json_pack("{s:s}", "bcrt1qexample0", "7"));
    assert_int_equal(decode_string(&decoders[D_ACCOUNT], text), BS_CORRUPT);
    free(text);
    text = mutate(&decoders[D_ACCOUNT], NULL, "deposits", json_pack("[i]", 1));
    assert_int_equal(decode_string(&decoders[D_ACCOUNT], text), BS_CORRUPT);
    free(text);
    /* A pending list holding something other than an entry. */
    text = mutate(&decoders[D_ACCOUNT], NULL, "pending", json_pack("[i]", 1));
    assert_int_equal(decode_string(&decoders[D_ACCOUNT], text), BS_CORRUPT);
    free(text);
}

/* The API key index names an account by its canonical name, and by nothing
 * else: not another spelling of it, not something that is no name. */
static void
test_apikey_round_trip_and_refuses_other_names(void **state)
{
    static const char *const bad[] = {"Alice", "a-b", "", "alice ", "al/ice"};
    bs_name canon;
    size_t len;
    char *text = bs_apikey_encode("alice_1", &len);

    (void)state;
    assert_non_null(text);
    assert_string_equal(text, "{\"account\":\"alice_1\"}");
    assert_int_equal(bs_apikey_decode(text, len, canon), BS_OK);
    assert_string_equal(canon, "alice_1");
    free(text);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        text = mutate(&decoders[D_APIKEY], NULL, "account", json_string(bad[i]));
        if (decode_string(&decoders[D_APIKEY], text) != BS_CORRUPT)
            fail_msg("apikey naming \"%s\" accepted", bad[i]);
        free(text);
    }
}

/* ---- equality ---- */

/* A counts document round-trips; its campaign is in the canonical
 * spelling, its slot an index, its process an id, its counts >= 0; its key
 * and its slot's prefix are in key order. */
static void
test_stats_round_trip_and_refuses_what_is_not_counts(void **state)
{
    static const struct {
        const char *key;
        json_t *(*value)(void);
    } bad[] = {
        {"campaign", NULL},    {"slot", NULL},   {"process", NULL},
        {"impressions", NULL}, {"clicks", NULL}, {"seq", NULL},
    };
    json_t *values[] = {json_string("Bob/2"),
                        json_integer(BS_INDEX_MAX + 1),
                        json_string("0123456789ABCDEF0123456789ABCDEF"),
                        json_integer(-1),
                        json_integer(-1),
                        json_integer(-1)};
    bs_stats s = sample_stats(), back;
    char key[BS_KEY_BUF], prefix[BS_KEY_BUF];
    size_t len;
    char *text = bs_stats_encode(&s, &len), *again;

    (void)state;
    assert_non_null(text);
    assert_int_equal(bs_stats_decode(text, len, &back), BS_OK);
    assert_memory_equal(&s, &back, sizeof(s));
    again = bs_stats_encode(&back, NULL);
    assert_string_equal(again, text);
    free(again);
    free(text);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char *changed = mutate(&decoders[D_STATS], NULL, bad[i].key, values[i]);
        if (decode_string(&decoders[D_STATS], changed) != BS_CORRUPT)
            fail_msg("stats: %s out of range accepted: %s", bad[i].key, changed);
        free(changed);
    }
    bs_key_stats(&s.campaign, s.slot, s.process, key);
    assert_string_equal(key, "stats/bob/0000000002/0000000007/" REQUEST);
    bs_prefix_stats_of(&s.campaign, s.slot, prefix);
    assert_string_equal(prefix, "stats/bob/0000000002/0000000007/");
    assert_memory_equal(key, prefix, strlen(prefix));
    assert_memory_equal(key, BS_PREFIX_STATS, strlen(BS_PREFIX_STATS));
}

static void
test_campaign_slot_equal_sees_every_field(void **state)
{
    const bs_slot base = sample_slot();
    bs_slot s = base;
    int differ = 0;

    (void)state;
    assert_true(bs_slot_equal(&base, &s));
    for (int field = 0; field < 12; field++) {
        s = base;
        switch (field) {
        case 0:
            s.campaign.owner[0] = 'c';
            break;
        case 1:
            s.campaign.index++;
            break;
        case 2:
            s.index++;
            break;
        case 3:
            s.buyer[0] = 'b';
            break;
        case 4:
            s.ad.owner[0] = 'b';
            break;
        case 5:
            s.ad.index++;
            break;
        case 6:
            s.price++;
            break;
        case 7:
            s.fee++;
            break;
        case 8:
            s.time++;
            break;
        case 9:
            s.start++;
            break;
        case 10:
            s.end++;
            break;
        default:
            s.request[31] = '0';
            break;
        }
        if (bs_slot_equal(&base, &s) || bs_slot_equal(&s, &base))
            fail_msg("slot field %d not compared", field);
        differ++;
    }
    assert_int_equal(differ, 12);
}

static void
test_ledger_entry_equal_sees_every_field(void **state)
{
    const bs_ledger_entry base = sample_entry();
    bs_ledger_entry e = base;
    int differ = 0;

    (void)state;
    assert_true(bs_ledger_entry_equal(&base, &e));
    for (int field = 0; field < 8; field++) {
        e = base;
        switch (field) {
        case 0:
            e.seq++;
            break;
        case 1:
            e.kind = BS_ENTRY_SALE;
            break;
        case 2:
            e.amount++;
            break;
        case 3:
            e.balance++;
            break;
        case 4:
            e.time++;
            break;
        case 5:
            e.ref[0] = '\0';
            break;
        case 6:
            e.request[0] = '1';
            break;
        default:
            e.memo[0] = 'F';
            break;
        }
        if (bs_ledger_entry_equal(&base, &e) || bs_ledger_entry_equal(&e, &base))
            fail_msg("entry field %d not compared", field);
        differ++;
    }
    assert_int_equal(differ, 8);
}

/* ---- sessions and throttle windows ---- */

#define CSRF "aa00000000000000000000000000000000000000000000000000000000000000"

static void
test_session_round_trip_and_refuses_malformed(void **state)
{
    static const char *const bad[] = {
        /* each field missing, mistyped or out of range */
        "{\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":1,\"rev\":\"" REQUEST "\"}",
        "{\"account\":\"Bob\",\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":1,\"rev\":\"" REQUEST
        "\"}",
        "{\"account\":\"bob\",\"csrf\":\"AA" CSRF "\",\"created\":1,\"seen\":1,\"rev\":\"" REQUEST
        "\"}",
        "{\"account\":\"bob\",\"csrf\":\"0\",\"created\":1,\"seen\":1,\"rev\":\"" REQUEST "\"}",
        "{\"account\":\"bob\",\"csrf\":\"" CSRF "\",\"created\":-1,\"seen\":1,\"rev\":\"" REQUEST
        "\"}",
        "{\"account\":\"bob\",\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":\"1\",\"rev\":\"" REQUEST
        "\"}",
        "{\"account\":\"bob\",\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":1}",
        "{\"account\":\"bob\",\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":1,\"rev\":\"x\"}",
        /* an empty or unclean notice, a short or upper-case key */
        "{\"account\":\"bob\",\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":1,\"notice\":\"\","
        "\"rev\":\"" REQUEST "\"}",
        "{\"account\":\"bob\",\"csrf\":\"" CSRF
        "\",\"created\":1,\"seen\":1,\"notice\":\"a\\u0007\","
        "\"rev\":\"" REQUEST "\"}",
        "{\"account\":\"bob\",\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":1,\"api_key\":\"00\","
        "\"rev\":\"" REQUEST "\"}",
        "{\"account\":\"bob\",\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":1,\"api_key\":\"AA" CSRF
        "\",\"rev\":\"" REQUEST "\"}",
        /* an unknown field, a duplicate, not an object */
        "{\"account\":\"bob\",\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":1,\"rev\":\"" REQUEST
        "\",\"id\":\"x\"}",
        "{\"account\":\"bob\",\"account\":\"bob\",\"csrf\":\"" CSRF
        "\",\"created\":1,\"seen\":1,\"rev\":\"" REQUEST "\"}",
        "[]",
        "",
    };
    bs_session s = {.account = "bob",
                    .csrf = CSRF,
                    .created = T0,
                    .seen = T0 + 61,
                    .notice = "account \"bob\" created",
                    .api_key = DIGEST,
                    .rev = REQUEST};
    bs_session back;
    char *text, key[BS_KEY_BUF], big[BS_SESSION_NOTICE_MAX + 2];
    const char *good;
    size_t len;

    (void)state;
    text = bs_session_encode(&s, &len);
    assert_non_null(text);
    assert_string_equal(text, "{\"account\":\"bob\",\"csrf\":\"" CSRF
                              "\",\"created\":1700000000,\"seen\":1700000061,\"notice\":"
                              "\"account \\\"bob\\\" created\",\"api_key\":\"" DIGEST
                              "\",\"rev\":\"" REQUEST "\"}");
    assert_int_equal(bs_session_decode(text, len, &back), BS_OK);
    assert_string_equal(back.account, s.account);
    assert_string_equal(back.csrf, s.csrf);
    assert_int_equal(back.created, s.created);
    assert_int_equal(back.seen, s.seen);
    assert_string_equal(back.notice, s.notice);
    assert_string_equal(back.api_key, s.api_key);
    assert_string_equal(back.rev, s.rev);
    free(text);
    /* No flash: the fields are absent, and read back as "". */
    s.notice[0] = '\0';
    s.api_key[0] = '\0';
    text = bs_session_encode(&s, &len);
    assert_null(strstr(text, "notice"));
    assert_null(strstr(text, "api_key"));
    assert_int_equal(bs_session_decode(text, len, &back), BS_OK);
    assert_string_equal(back.notice, "");
    assert_string_equal(back.api_key, "");
    free(text);
    /* The documents below differ from this one in one way each. */
    good = "{\"account\":\"bob\",\"csrf\":\"" CSRF "\",\"created\":1,\"seen\":1,\"rev\":\"" REQUEST
           "\"}";
    assert_int_equal(bs_session_decode(good, strlen(good), &back), BS_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (bs_session_decode(bad[i], strlen(bad[i]), &back) != BS_CORRUPT)
            fail_msg("session accepted: %s", bad[i]);
    /* The longest notice decodes; one byte more does not. */
    memset(big, 'n', sizeof(big));
    big[BS_SESSION_NOTICE_MAX] = '\0';
    assert_true(bs_session_notice_valid(big));
    memcpy(s.notice, big, sizeof(s.notice));
    text = bs_session_encode(&s, &len);
    assert_int_equal(bs_session_decode(text, len, &back), BS_OK);
    free(text);
    big[BS_SESSION_NOTICE_MAX] = 'n';
    big[BS_SESSION_NOTICE_MAX + 1] = '\0';
    assert_false(bs_session_notice_valid(big));
    text = bs_session_encode(&s, &len);
    assert_non_null(text);
    {
        json_t *doc = json_loads(text, 0, NULL);
        char *longer;
        json_object_set_new(doc, "notice", json_string(big));
        longer = json_dumps(doc, JSON_COMPACT);
        assert_int_equal(bs_session_decode(longer, strlen(longer), &back), BS_CORRUPT);
        free(longer);
        json_decref(doc);
    }
    free(text);
    bs_key_session(DIGEST, key);
    assert_string_equal(key, "session/" DIGEST);
    assert_memory_equal(key, BS_PREFIX_SESSIONS, strlen(BS_PREFIX_SESSIONS));
}

static void
test_throttle_round_trip_and_refuses_malformed(void **state)
{
    static const char *const bad[] = {
        "{\"start\":1,\"count\":0,\"rev\":\"" REQUEST "\"}",
        "{\"start\":-1,\"count\":1,\"rev\":\"" REQUEST "\"}",
        "{\"start\":1,\"count\":1}",
        "{\"start\":1,\"count\":1,\"rev\":\"" REQUEST "\",\"kind\":\"x\"}",
        "{\"start\":1.5,\"count\":1,\"rev\":\"" REQUEST "\"}",
        "{\"count\":1,\"rev\":\"" REQUEST "\"}",
    };
    bs_throttle_window w = {.start = T0, .count = 10, .rev = REQUEST}, back;
    char *text, key[BS_KEY_BUF];
    const char *good;
    size_t len;

    (void)state;
    text = bs_throttle_encode(&w, &len);
    assert_non_null(text);
    assert_string_equal(text, "{\"start\":1700000000,\"count\":10,\"rev\":\"" REQUEST "\"}");
    assert_int_equal(bs_throttle_decode(text, len, &back), BS_OK);
    assert_int_equal(back.start, w.start);
    assert_int_equal(back.count, w.count);
    assert_string_equal(back.rev, w.rev);
    free(text);
    good = "{\"start\":1,\"count\":1,\"rev\":\"" REQUEST "\"}"; /* each below differs once */
    assert_int_equal(bs_throttle_decode(good, strlen(good), &back), BS_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (bs_throttle_decode(bad[i], strlen(bad[i]), &back) != BS_CORRUPT)
            fail_msg("throttle window accepted: %s", bad[i]);
    bs_key_throttle("login-ip", DIGEST, key);
    assert_string_equal(key, "throttle/login-ip/" DIGEST);
    assert_memory_equal(key, BS_PREFIX_THROTTLE, strlen(BS_PREFIX_THROTTLE));
}

#define WD_HOLD                                                                                    \
    "{\"id\":\"" REQUEST "\",\"amount\":100000,\"fee\":1500,\"time\":1700000000,\"address\":"      \
    "\"bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080\"}"
#define WD_TXID "8d97021f340b25a3ea2f9f271e7d883f42639a2899a91988ac618fccc7fe69d6"

/* Withdrawals (issue 11): each state's fields, and nothing else makes a
 * withdrawal, a hold or a batch; an account never holds one id twice. */
static void
test_withdrawal_round_trip_and_refuses_malformed(void **state)
{
    static const char *const good[] = {
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"requested\",\"updated\":1}",
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"signed\",\"updated\":1,\"batch\":"
        "\"" REQUEST "\",\"txid\":\"" WD_TXID "\",\"hex\":\"00ff\",\"confirmations\":0,"
        "\"fee_batch\":\"" REQUEST "\"}",
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"refused\",\"updated\":1,"
        "\"reason\":\"Insufficient funds\"}",
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"requested\",\"updated\":1,"
        "\"fee_batch\":\"" REQUEST "\",\"reissued\":1,\"dead_txid\":\"" WD_TXID "\"}",
    };
    static const char *const bad[] = {
        /* amount 0, a negative fee, no address */
        "{\"account\":\"alice\",\"hold\":{\"id\":\"" REQUEST "\",\"amount\":0,\"fee\":1,\"time\":1,"
        "\"address\":\"x\"},\"state\":\"requested\",\"updated\":1}",
        "{\"account\":\"alice\",\"hold\":{\"id\":\"" REQUEST "\",\"amount\":1,\"fee\":-1,"
        "\"time\":1,\"address\":\"x\"},\"state\":\"requested\",\"updated\":1}",
        "{\"account\":\"alice\",\"hold\":{\"id\":\"" REQUEST "\",\"amount\":1,\"fee\":1,\"time\":1,"
        "\"address\":\"\"},\"state\":\"requested\",\"updated\":1}",
        /* an unknown state; signed without its transaction, with a short txid */
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"paid\",\"updated\":1}",
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"signed\",\"updated\":1}",
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"signed\",\"updated\":1,\"batch\":"
        "\"" REQUEST "\",\"txid\":\"8d97\",\"hex\":\"00ff\",\"confirmations\":0,\"fee_batch\":"
        "\"" REQUEST "\"}",
        /* refused without a reason; reissued without its fee batch, or refused */
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"refused\",\"updated\":1}",
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"requested\",\"updated\":1,"
        "\"reissued\":1,\"dead_txid\":\"" WD_TXID "\"}",
        "{\"account\":\"alice\",\"hold\":" WD_HOLD ",\"state\":\"refused\",\"updated\":1,"
        "\"reason\":\"x\",\"fee_batch\":\"" REQUEST "\",\"reissued\":1,\"dead_txid\":\"" WD_TXID
        "\"}",
    };
    bs_withdrawal w, back;
    bs_payout p;
    bs_account a;
    char *text, *again;
    size_t len, len2;
    const char *doc;

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(bs_withdrawal_decode(good[i], strlen(good[i]), &w), BS_OK);
        text = bs_withdrawal_encode(&w, &len);
        assert_non_null(text);
        assert_int_equal(bs_withdrawal_decode(text, len, &back), BS_OK);
        again = bs_withdrawal_encode(&back, &len2);
        assert_string_equal(again, text);
        assert_int_equal(back.hold.amount, 100000);
        assert_int_equal(back.hold.fee, 1500);
        free(text);
        free(again);
        bs_withdrawal_release(&w);
        bs_withdrawal_release(&back);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (bs_withdrawal_decode(bad[i], strlen(bad[i]), &w) != BS_CORRUPT)
            fail_msg("withdrawal accepted: %s", bad[i]);

    /* A batch refusing: which requests, and why. */
    doc = "{\"state\":\"refusing\",\"batch\":\"" REQUEST "\",\"started\":1,\"items\":[{\"account\":"
          "\"alice\",\"id\":\"" REQUEST "\",\"refuse\":true}],\"builder\":\"\",\"lease\":0,"
          "\"reason\":\"Insufficient funds\"}";
    assert_int_equal(bs_payout_decode(doc, strlen(doc), &p), BS_OK);
    assert_int_equal(p.state, BS_PAYOUT_REFUSING);
    assert_true(p.items[0].refuse);
    assert_string_equal(p.reason, "Insufficient funds");
    text = bs_payout_encode(&p, &len);
    assert_string_equal(text, doc);
    free(text);
    bs_payout_release(&p);
    doc = "{\"state\":\"signed\",\"batch\":\"" REQUEST "\",\"started\":1,\"items\":[{\"account\":"
          "\"alice\",\"id\":\"" REQUEST "\"}],\"builder\":\"\",\"lease\":0}"; /* no transaction */
    assert_int_equal(bs_payout_decode(doc, strlen(doc), &p), BS_CORRUPT);
    doc = "{\"state\":\"open\",\"batch\":\"" REQUEST "\",\"started\":1,\"items\":[],\"builder\":"
          "\"\",\"lease\":0}"; /* nothing to pay */
    assert_int_equal(bs_payout_decode(doc, strlen(doc), &p), BS_CORRUPT);

    /* An account holding the same withdrawal twice is damaged. */
    doc = "{\"name\":\"alice\",\"password\":\"\",\"api_key_hash\":\"\",\"created\":1,\"operator\":"
          "false,\"balance\":0,\"ledger_next\":1,\"pending\":[],\"lock\":null,\"btc\":{\"state\":"
          "\"none\"},\"deposits\":{},\"recent\":[],\"withdrawals\":[" WD_HOLD "," WD_HOLD "]}";
    assert_int_equal(bs_account_decode(doc, strlen(doc), &a), BS_CORRUPT);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_valid),
        cmocka_unit_test(test_names_canonical_is_lowercase),
        cmocka_unit_test(test_names_ref_parse),
        cmocka_unit_test(test_names_ref_format_round_trip),
        cmocka_unit_test(test_names_keys_are_zero_padded),
        cmocka_unit_test(test_names_key_last_index),
        cmocka_unit_test(test_names_key_last_index_refuses_overflow),
        cmocka_unit_test(test_campaign_categories_parse),
        cmocka_unit_test(test_campaign_categories_at_most_sixteen),
        cmocka_unit_test(test_campaign_categories_intersect),
        cmocka_unit_test(test_campaign_categories_json_round_trip),
        cmocka_unit_test(test_ledger_entry_round_trip),
        cmocka_unit_test(test_ledger_kind_names),
        cmocka_unit_test(test_account_round_trip),
        cmocka_unit_test(test_credit_round_trip),
        cmocka_unit_test(test_campaign_round_trip),
        cmocka_unit_test(test_campaign_slot_round_trip),
        cmocka_unit_test(test_ad_round_trip),
        cmocka_unit_test(test_codec_decoders_accept_samples),
        cmocka_unit_test(test_codec_decoders_refuse_missing_or_mistyped_fields),
        cmocka_unit_test(test_codec_decoders_refuse_overlong_strings),
        cmocka_unit_test(test_codec_decoders_refuse_bad_references),
        cmocka_unit_test(test_codec_decoders_refuse_out_of_range_indexes),
        cmocka_unit_test(test_codec_decoders_refuse_duplicates_garbage_and_non_objects),
        cmocka_unit_test(test_codec_decoders_refuse_embedded_nul_and_huge_numbers),
        cmocka_unit_test(test_codec_decoders_refuse_unknown_kinds),
        cmocka_unit_test(test_account_refuses_bad_deposits_and_pending),
        cmocka_unit_test(test_apikey_round_trip_and_refuses_other_names),
        cmocka_unit_test(test_stats_round_trip_and_refuses_what_is_not_counts),
        cmocka_unit_test(test_session_round_trip_and_refuses_malformed),
        cmocka_unit_test(test_throttle_round_trip_and_refuses_malformed),
        cmocka_unit_test(test_campaign_slot_equal_sees_every_field),
        cmocka_unit_test(test_ledger_entry_equal_sees_every_field),
        cmocka_unit_test(test_withdrawal_round_trip_and_refuses_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
