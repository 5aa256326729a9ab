/*
 * test_embed.c — the publisher embed of `bitslot serve` (web/embed.h) from
 * the outside: real server processes on a real LMDB store, purchases made
 * with the `bitslot` command (another process), requests over real
 * sockets.
 *   - the embed shows "your ad here", then a purchase within a second of
 *     its slot's start, in one server and in two at once; a slot bought to
 *     follow the one showing shows from its start;
 *   - every value of the page is escaped; no script, no cookie, nosniff,
 *     a CSP that forbids scripts; the JSON says the same;
 *   - the image is content addressed: immutable, ETag, 304 on a match;
 *     another process reads it from the store;
 *   - /go redirects only for a sold slot; everything else is a 404;
 *   - no store read per hit: bitslot_store_reads_total stays put over 1000
 *     hits once the campaign is watched, but for the scan of hidden ads
 *     every 2 s (web/showing.h, BS_WEB_HIDE_POLL_MS), whatever the hits
 *     (and when nothing shows, polls are what reads, twice a second at
 *     most, however many hits);
 *   - an unknown campaign is a 404 remembered, not a read per hit;
 *   - impressions and clicks reach the store from two processes, each its
 *     own document, summed; `bitslot check` holds;
 *   - /metrics counts requests by route and status.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"
#include "market.h"

/* The body of GET path, which must answer `status` (free it). */
static char *
get_body(const bs_test_server *s, const char *path, long status)
{
    bs_test_response r = bs_test_get(s, path, NULL);
    char *body = r.body;

    if (r.status != status)
        fail_msg("GET %s: %ld, want %ld: %s", path, r.status, status, r.body);
    free(r.headers);
    return body;
}

/* The value of the JSON string field `name` in `json`, into out. */
static void
json_field(const char *json, const char *name, char *out, size_t size)
{
    char key[64];
    const char *at, *end;

    snprintf(key, sizeof(key), "\"%s\":\"", name);
    at = strstr(json, key);
    assert_non_null(at);
    at += strlen(key);
    end = strchr(at, '"');
    assert_non_null(end);
    snprintf(out, size, "%.*s", (int)(end - at), at);
}

static void
test_embed_shows_a_purchase_within_a_second(void **state)
{
    bs_test_paused buyer;
    bs_test_response r;
    bs_test_server s;
    char header[1024];
    double took;
    market m;

    (void)state;
    market_open(&m);
    market_serve(&m, &s);

    /* Nothing sold: the campaign is for sale at its minimum. */
    r = bs_test_get(&s, "/embed/bob/0", NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "<a class=\"free\" href=\"/campaigns/bob/0\" target=\"_blank\" "
                                   "rel=\"noopener\">your ad here \xe2\x80\x94 1000 sat now</a>"));
    assert_non_null(strstr(r.body, "<title>Bob&#39;s &lt;blog&gt;</title>"));
    assert_null(strstr(r.body, "<script"));
    assert_true(bs_test_response_header(&r, "content-type", header, sizeof(header)));
    assert_string_equal(header, "text/html; charset=utf-8");
    assert_true(bs_test_response_header(&r, "x-content-type-options", header, sizeof(header)));
    assert_string_equal(header, "nosniff");
    assert_true(bs_test_response_header(&r, "content-security-policy", header, sizeof(header)));
    assert_non_null(strstr(header, "default-src 'none'"));
    assert_non_null(strstr(header, "script-src 'none'"));
    assert_null(strstr(header, "frame-ancestors"));
    assert_false(bs_test_response_header(&r, "x-frame-options", header, sizeof(header)));
    assert_false(bs_test_response_header(&r, "set-cookie", header, sizeof(header)));
    bs_test_response_release(&r);
    r = bs_test_get(&s, "/embed/bob/0.json", NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"campaign\":\"bob/0\",\"showing\":false,\"price_now\":1000,"
                                "\"width\":300,\"height\":250,\"link\":\"/campaigns/bob/0\"}");
    bs_test_response_release(&r);

    /* Bought by another process: its slot starts now, and shows within a
     * second of the moment the purchase is complete in the store. */
    market_buy_paused(&m, "alice/0", &buyer);
    took = wait_for(&s, "/embed/bob/0", "/go/bob/0/0", 3);
    print_message("the purchase showed %.3f s after it was complete\n", took);
    assert_true(took >= 0 && took < 1.0);
    market_resume(&buyer);

    r = bs_test_get(&s, "/embed/bob/0", NULL);
    assert_int_equal(r.status, 200);
    /* Every value escaped: the hover text as title (and alt). */
    assert_non_null(strstr(r.body, "<a href=\"/go/bob/0/0\" target=\"_blank\" rel=\"noopener\" "
                                   "title=\"&lt;b&gt;&quot;Alice&#39;s&quot; &amp; "
                                   "co&lt;/b&gt;\"><img src=\"/img/"));
    assert_non_null(strstr(r.body, ".png\" width=\"300\" height=\"250\" alt=\"&lt;b&gt;&quot;"
                                   "Alice&#39;s&quot; &amp; co&lt;/b&gt;\"></a>"));
    assert_null(strstr(r.body, "<b>"));
    assert_null(strstr(r.body, AD_URL)); /* the ad's URL only through /go */
    bs_test_response_release(&r);
    r = bs_test_get(&s, "/embed/bob/0.json", NULL);
    assert_non_null(strstr(r.body, "{\"campaign\":\"bob/0\",\"showing\":true,\"slot\":0,"));
    assert_non_null(strstr(r.body, "\"link\":\"/go/bob/0/0\",\"url\":\"" AD_URL
                                   "\",\"hover\":\"<b>\\\"Alice's\\\" & co</b>\""));
    bs_test_response_release(&r);
    market_stop(&s);
}

/* A public URL makes every link absolute. */
static void
test_embed_links_through_the_public_url(void **state)
{
    bs_test_server s;
    char *body;
    market m;

    (void)state;
    market_open(&m);
    bs_test_server_start(
        &s, m.url,
        ARGS("BITSLOT_SWEEP_INTERVAL=86400", "BITSLOT_PUBLIC_URL=https://ads.example/x/"));
    body = get_body(&s, "/embed/bob/0", 200);
    assert_non_null(strstr(body, "href=\"https://ads.example/x/campaigns/bob/0\""));
    free(body);
    market_buy(&m, "alice/0", NULL);
    assert_true(wait_for(&s, "/embed/bob/0", "/go/bob/0/0", 3) >= 0);
    body = get_body(&s, "/embed/bob/0", 200);
    assert_non_null(strstr(body, "href=\"https://ads.example/x/go/bob/0/0\""));
    assert_non_null(strstr(body, "src=\"https://ads.example/x/img/"));
    free(body);
    market_stop(&s);
}

static void
test_embed_image_is_immutable_with_304(void **state)
{
    char image[256], path[300], etag[128], header[256], other[300], *json;
    const char *if_match[2] = {NULL, NULL};
    bs_test_response r;
    bs_test_server s, fresh;
    market m;

    (void)state;
    market_open(&m);
    market_buy(&m, "alice/0", NULL);
    market_serve(&m, &s);
    json = get_body(&s, "/embed/bob/0.json", 200);
    json_field(json, "image", image, sizeof(image));
    free(json);
    assert_int_equal(strncmp(image, "/img/", 5), 0);
    assert_int_equal(strlen(image), 5 + 64 + 4);
    snprintf(path, sizeof(path), "%s", image);

    r = bs_test_get(&s, path, NULL);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "\x89PNG\r\n\x1a\n", 8);
    assert_true(bs_test_response_header(&r, "content-type", header, sizeof(header)));
    assert_string_equal(header, "image/png");
    assert_true(bs_test_response_header(&r, "cache-control", header, sizeof(header)));
    assert_string_equal(header, "public, max-age=31536000, immutable");
    assert_true(bs_test_response_header(&r, "x-content-type-options", header, sizeof(header)));
    assert_string_equal(header, "nosniff");
    assert_true(bs_test_response_header(&r, "etag", etag, sizeof(etag)));
    assert_int_equal(strlen(etag), 66);
    assert_memory_equal(etag + 1, image + 5, 64);
    bs_test_response_release(&r);

    /* The same ETag (alone, in a list, weak): 304 and no body. */
    snprintf(header, sizeof(header), "If-None-Match: %s", etag);
    if_match[0] = header;
    r = bs_test_get(&s, path, if_match);
    assert_int_equal(r.status, 304);
    assert_string_equal(r.body, "");
    bs_test_response_release(&r);
    snprintf(header, sizeof(header), "If-None-Match: \"abc\", W/%s", etag);
    r = bs_test_get(&s, path, if_match);
    assert_int_equal(r.status, 304);
    bs_test_response_release(&r);
    snprintf(header, sizeof(header), "If-None-Match: \"abc\"");
    r = bs_test_get(&s, path, if_match);
    assert_int_equal(r.status, 200);
    bs_test_response_release(&r);

    /* Another extension, another digest, no digest: no such image. */
    snprintf(other, sizeof(other), "%.*s.jpg", (int)(strlen(path) - 4), path);
    free(get_body(&s, other, 404));
    free(get_body(&s, "/img/0000000000000000000000000000000000000000000000000000000000000000.png",
                  404));
    free(get_body(&s, "/img/x.png", 404));

    /* A process that never showed it reads it from the store. */
    market_serve(&m, &fresh);
    r = bs_test_get(&fresh, path, NULL);
    assert_int_equal(r.status, 200);
    assert_memory_equal(r.body, "\x89PNG\r\n\x1a\n", 8);
    bs_test_response_release(&r);
    market_stop(&fresh);
    market_stop(&s);
}

static void
expect_redirect(const bs_test_server *s, const char *path, const char *location)
{
    bs_test_response r = bs_test_get(s, path, NULL);
    char header[4096];

    assert_int_equal(r.status, 302);
    assert_true(bs_test_response_header(&r, "location", header, sizeof(header)));
    assert_string_equal(header, location);
    bs_test_response_release(&r);
}

static void
test_embed_go_redirects_only_sold_slots(void **state)
{
    static const char *const not_sold[] = {
        "/go/bob/0/1",  "/go/bob/0/7", "/go/bob/1/0",  "/go/nobody/0/0",
        "/go/bob/0/00", "/go/bob/0/x", "/go/bob/00/0", "/go/b-b/0/0",
    };
    bs_test_server s, fresh;
    market m;

    (void)state;
    market_open(&m);
    market_serve(&m, &s);
    free(get_body(&s, "/go/bob/0/0", 404)); /* not sold yet */
    market_buy(&m, "alice/0", NULL);
    assert_true(wait_for(&s, "/embed/bob/0", "/go/bob/0/0", 3) >= 0);
    expect_redirect(&s, "/go/bob/0/0", AD_URL);
    expect_redirect(&s, "/go/BOB/0/0", AD_URL);
    for (size_t i = 0; i < sizeof(not_sold) / sizeof(not_sold[0]); i++)
        free(get_body(&s, not_sold[i], 404));
    /* From the store, in a process that never showed it. */
    market_serve(&m, &fresh);
    expect_redirect(&fresh, "/go/bob/0/0", AD_URL);
    free(get_body(&fresh, "/go/bob/0/1", 404));
    market_stop(&fresh);
    market_stop(&s);
}

static void
test_embed_no_store_read_per_hit(void **state)
{
    long long reads, impressions, after;
    bs_test_server s;
    double start, elapsed;
    market m;

    (void)state;
    market_open(&m);
    market_buy(&m, "alice/0", NULL); /* shows for a minute */
    market_serve(&m, &s);
    free(get_body(&s, "/embed/bob/0", 200)); /* the first hit reads */
    usleep(300000);
    reads = bs_test_metric(&s, "bitslot_store_reads_total");
    impressions = bs_test_metric(&s, "bitslot_impressions_total");
    assert_true(reads > 0);
    start = wall_now();
    for (int i = 0; i < 1000; i++)
        free(get_body(&s, i % 2 ? "/embed/bob/0" : "/embed/bob/0.json", 200));
    elapsed = wall_now() - start;
    after = bs_test_metric(&s, "bitslot_store_reads_total");
    print_message("store reads: %lld before 1000 embed hits, %lld after, in %.2f s\n", reads, after,
                  elapsed);
    /* The only reads: the scan of hidden ads, one every 2 s. */
    assert_true(after - reads <= (long long)(elapsed / 2) + 1);
    assert_int_equal(bs_test_metric(&s, "bitslot_impressions_total"), impressions + 1000);

    /* Nothing showing: what reads is the poll that would see a sale, at
     * most twice a second (two reads each: the campaign, its next slot),
     * however many hits. */
    market_ok(&m, NULL, NULL,
              ARGS("campaign", "create", "bob", "--min-price", "5", "--slot-seconds", "60",
                   "--size", "300x250"));
    free(get_body(&s, "/embed/bob/1", 200));
    reads = bs_test_metric(&s, "bitslot_store_reads_total");
    start = wall_now();
    for (int i = 0; i < 1000; i++)
        free(get_body(&s, "/embed/bob/1", 200));
    elapsed = wall_now() - start;
    after = bs_test_metric(&s, "bitslot_store_reads_total");
    print_message("nothing showing: %lld store reads over 1000 hits in %.2f s\n", after - reads,
                  elapsed);
    assert_true(after - reads <= 2 * 2 * ((long long)elapsed + 2) + (long long)(elapsed / 2) + 1);
    market_stop(&s);
}

static void
test_embed_unknown_campaign_is_a_remembered_404(void **state)
{
    static const char *const none[] = {"/embed/nobody/0", "/embed/bob/7", "/embed/bob/00",
                                       "/embed/bob/0.txt", "/embed/b-b/0"};
    bs_test_response r;
    bs_test_server s;
    long long reads;
    market m;

    (void)state;
    market_open(&m);
    market_serve(&m, &s);
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
        r = bs_test_get(&s, none[i], NULL);
        assert_int_equal(r.status, 404);
        assert_non_null(strstr(r.body, "no such campaign"));
        bs_test_response_release(&r);
    }
    r = bs_test_get(&s, "/embed/nobody/0.json", NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body,
                        "{\"error\":{\"code\":\"not_found\",\"message\":\"no such campaign\"}}");
    bs_test_response_release(&r);
    /* A bad embed on a busy page: not a read per hit. */
    reads = bs_test_metric(&s, "bitslot_store_reads_total");
    for (int i = 0; i < 200; i++)
        free(get_body(&s, "/embed/nobody/0", 404));
    assert_true(bs_test_metric(&s, "bitslot_store_reads_total") - reads <= 4);
    market_stop(&s);
}

/* Slot 0 ends in five seconds; slot 1, bought now, starts then, and shows
 * from then on (within a second). */
static void
test_embed_a_following_slot_shows_at_its_start(void **state)
{
    char past[32], *json;
    bs_test_server s;
    double start, seen = -1;
    long long ends;
    market m;

    (void)state;
    market_open(&m);
    market_second_ad(&m, "https://alice.example/second");
    market_serve(&m, &s);
    free(get_body(&s, "/embed/bob/0", 200));
    ends = (long long)wall_now() + 5; /* time for two purchases, even sanitized */
    snprintf(past, sizeof(past), "%lld", ends - 60);
    market_buy(&m, "alice/0", past);
    assert_true(wait_for(&s, "/embed/bob/0", "/go/bob/0/0", 3) >= 0);
    market_buy(&m, "alice/1", NULL);
    start = (double)ends;
    json = get_body(&s, "/embed/bob/0.json", 200);
    assert_non_null(strstr(json, "\"slot\":0,"));
    free(json);
    while (wall_now() < start + 3) { /* from before the start to after it */
        double asked = wall_now();
        json = get_body(&s, "/embed/bob/0.json", 200);
        if (strstr(json, "\"slot\":1,") != NULL) {
            seen = asked;
            free(json);
            break;
        }
        free(json);
        usleep(20000);
    }
    print_message("slot 1 showed %.3f s after its start\n", seen - start);
    /* Asked before its start, a hit may be answered after it: a little
     * slack before; never a second late. */
    assert_true(seen > start - 0.1 && seen - start < 1.0);
    expect_redirect(&s, "/go/bob/0/1", "https://alice.example/second");
    expect_redirect(&s, "/go/bob/0/0", AD_URL); /* a click on an old page still goes */
    market_stop(&s);
}

static void
test_embed_two_servers_see_a_purchase(void **state)
{
    bs_test_server a, b;
    double took_a, took_b;
    bs_test_paused buyer;
    market m;

    (void)state;
    market_open(&m);
    market_serve(&m, &a);
    market_serve(&m, &b);
    free(get_body(&a, "/embed/bob/0", 200));
    free(get_body(&b, "/embed/bob/0", 200));
    market_buy_paused(&m, "alice/0", &buyer);
    took_a = wait_for(&a, "/embed/bob/0", "/go/bob/0/0", 3);
    took_b = wait_for(&b, "/embed/bob/0", "/go/bob/0/0", 3);
    market_resume(&buyer);
    print_message("shown by the first server after %.3f s, then by the second after %.3f s\n",
                  took_a, took_b);
    assert_true(took_a >= 0 && took_a < 1.0);
    assert_true(took_b >= 0 && took_a + took_b < 1.0);
    market_stop(&a);
    market_stop(&b);
}

static void
assert_counts(const market *m, int64_t impressions, int64_t clicks, size_t processes)
{
    bs_stats_sum sum;
    bs_store *store;
    bs_ctx ctx;
    bs_ref bob0 = {"bob", 0};

    assert_int_equal(bs_store_open_existing(m->url, &store), BS_OK);
    bs_ctx_init(&ctx, store);
    assert_int_equal(bs_stats_slot(&ctx, &bob0, 0, &sum), BS_OK);
    bs_store_close(store);
    if (sum.impressions != impressions || sum.clicks != clicks || sum.processes != processes)
        fail_msg("counts %lld impressions, %lld clicks in %zu documents; want %lld, %lld, %zu",
                 (long long)sum.impressions, (long long)sum.clicks, sum.processes,
                 (long long)impressions, (long long)clicks, processes);
}

/* What two processes counted reaches the store (each its own document,
 * within BS_WEB_TALLY_SECONDS), and is summed. */
static void
test_embed_counts_reach_the_store_summed(void **state)
{
    bs_test_server a, b;
    bs_stats_sum sum;
    bs_ref bob0 = {"bob", 0};
    double start;
    market m;

    (void)state;
    market_open(&m);
    market_buy(&m, "alice/0", NULL);
    market_serve(&m, &a);
    market_serve(&m, &b);
    start = wall_now();
    for (int i = 0; i < 30; i++)
        free(get_body(&a, "/embed/bob/0", 200));
    for (int i = 0; i < 20; i++)
        free(get_body(&b, "/embed/bob/0.json", 200));
    for (int i = 0; i < 3; i++)
        expect_redirect(&a, "/go/bob/0/0", AD_URL);
    for (int i = 0; i < 2; i++)
        expect_redirect(&b, "/go/bob/0/0", AD_URL);
    /* Written within 10 s (and not before a few seconds: no write per
     * hit). */
    for (;;) {
        bs_store *store;
        bs_ctx ctx;

        assert_int_equal(bs_store_open_existing(m.url, &store), BS_OK);
        bs_ctx_init(&ctx, store);
        assert_int_equal(bs_stats_slot(&ctx, &bob0, 0, &sum), BS_OK);
        bs_store_close(store);
        if (sum.impressions == 50 && sum.clicks == 5)
            break;
        assert_true(wall_now() - start < 12);
        usleep(200000);
    }
    print_message("counts in the store after %.1f s\n", wall_now() - start);
    assert_int_equal(sum.processes, 2);
    market_stop(&a);
    market_stop(&b);
    assert_counts(&m, 50, 5, 2);
    market_ok(&m, NULL, NULL, ARGS("check"));
}

/* Stopping writes what was not written yet. */
static void
test_embed_counts_written_on_stop(void **state)
{
    bs_test_server s;
    market m;

    (void)state;
    market_open(&m);
    market_buy(&m, "alice/0", NULL);
    market_serve(&m, &s);
    for (int i = 0; i < 7; i++)
        free(get_body(&s, "/embed/bob/0", 200));
    expect_redirect(&s, "/go/bob/0/0", AD_URL);
    market_stop(&s);
    assert_counts(&m, 7, 1, 1);
}

static void
test_embed_metrics_count_requests_by_route_and_status(void **state)
{
    bs_test_response r;
    bs_test_server s;
    char header[256];
    market m;

    (void)state;
    market_open(&m);
    market_serve(&m, &s);
    for (int i = 0; i < 3; i++)
        free(get_body(&s, "/embed/bob/0", 200));
    free(get_body(&s, "/embed/bob/9", 404));
    free(get_body(&s, "/nothing", 404));
    r = bs_test_get(&s, "/metrics", NULL);
    assert_int_equal(r.status, 200);
    assert_true(bs_test_response_header(&r, "content-type", header, sizeof(header)));
    assert_string_equal(header, "text/plain; version=0.0.4; charset=utf-8");
    assert_non_null(strstr(r.body, "# TYPE bitslot_http_requests_total counter\n"));
    assert_non_null(strstr(r.body, "\nbitslot_http_requests_total{route=\"/embed/{owner}/{index}\","
                                   "status=\"200\"} 3\n"));
    assert_non_null(strstr(r.body, "\nbitslot_http_requests_total{route=\"/embed/{owner}/{index}\","
                                   "status=\"404\"} 1\n"));
    assert_non_null(
        strstr(r.body, "\nbitslot_http_requests_total{route=\"none\",status=\"404\"} 1\n"));
    assert_non_null(strstr(r.body, "# TYPE bitslot_http_request_duration_seconds histogram\n"));
    assert_non_null(strstr(r.body, "\nbitslot_http_request_duration_seconds_bucket{route=\"/embed/"
                                   "{owner}/{index}\",le=\"+Inf\"} 4\n"));
    assert_non_null(strstr(r.body, "\nbitslot_http_request_duration_seconds_count{route=\"/embed/"
                                   "{owner}/{index}\"} 4\n"));
    static const char *const names[] = {
        "bitslot_store_reads_total ",
        "bitslot_store_writes_total ",
        "bitslot_store_errors_total 0",
        "bitslot_node_errors_total 0",
        "bitslot_purchases_total 0",
        "bitslot_deposits_credited_total 0",
        "bitslot_recoveries_total ",
        "bitslot_sse_listeners 0",
        "bitslot_keys_left 0",
        "bitslot_watched_campaigns ",
        "bitslot_impressions_total 0",
        "bitslot_clicks_total 0",
        "bitslot_deposits_credited_sats_total 0",
    };
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        char line[128];
        snprintf(line, sizeof(line), "\n%s", names[i]);
        if (strstr(r.body, line) == NULL)
            fail_msg("/metrics has no \"%s\":\n%s", names[i], r.body);
    }
    bs_test_response_release(&r);
    market_stop(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_embed_shows_a_purchase_within_a_second),
        cmocka_unit_test(test_embed_links_through_the_public_url),
        cmocka_unit_test(test_embed_image_is_immutable_with_304),
        cmocka_unit_test(test_embed_go_redirects_only_sold_slots),
        cmocka_unit_test(test_embed_no_store_read_per_hit),
        cmocka_unit_test(test_embed_unknown_campaign_is_a_remembered_404),
        cmocka_unit_test(test_embed_a_following_slot_shows_at_its_start),
        cmocka_unit_test(test_embed_two_servers_see_a_purchase),
        cmocka_unit_test(test_embed_counts_reach_the_store_summed),
        cmocka_unit_test(test_embed_counts_written_on_stop),
        cmocka_unit_test(test_embed_metrics_count_requests_by_route_and_status),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
