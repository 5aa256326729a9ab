/*
 * test_events.c — live events of a campaign (web/events.h) from the
 * outside: GET /api/v1/campaigns/OWNER/I/events on real server processes,
 * purchases made with the `bitslot` command (another process), streams
 * read from raw sockets.
 *   - on connect: the price and the slot for sale; a purchase by another
 *     process: `sold` (slot, buyer, price, new price) within a second of
 *     it, then a price event every second while the price falls;
 *   - two servers on one store both tell it;
 *   - 500 idle listeners take no thread: a normal request (on a worker or
 *     from memory) is answered quickly while they listen;
 *   - SIGTERM with listeners connected: every stream ends cleanly and the
 *     server exits 0 at once (not after the 10 s drain);
 *   - a listener costs the server little memory (its connection is handed
 *     over from h2o), one that goes away is let go at once, and each
 *     stream is logged and counted for /metrics when it ends, with its
 *     whole life;
 *   - HEAD answers the headers alone;
 *   - an unknown campaign is a 404.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "market.h"

#define EVENTS "/api/v1/campaigns/bob/0/events"

static void
test_events_price_on_connect_then_sold_within_a_second(void **state)
{
    bs_test_paused buyer;
    bs_test_server s;
    heard h = {.len = 0};
    double bought, told;
    size_t mark;
    market m;
    int fd;

    (void)state;
    market_open(&m);
    market_serve(&m, &s);
    fd = raw_open(&s, EVENTS);
    assert_true(raw_wait(fd, &h, 0, "\r\n\r\n", 5));
    assert_int_equal(strncmp(h.text, "HTTP/1.1 200 OK\r\n", 17), 0);
    assert_non_null(strstr(h.text, "\r\ncontent-type: text/event-stream"));
    assert_true(raw_wait(fd, &h, 0,
                         "event: price\ndata: {\"campaign\":\"bob/0\",\"price\":1000,"
                         "\"slot\":0,",
                         5));
    assert_non_null(strstr(h.text, "\"showing\":null,\"falling\":false,"));

    mark = h.len;
    market_buy_paused(&m, "alice/0", &buyer); /* complete in the store, the command stopped */
    bought = wall_now();
    assert_true(
        raw_wait(fd, &h, mark,
                 "event: sold\ndata: {\"campaign\":\"bob/0\",\"slot\":0,\"buyer\":\"alice\","
                 "\"price\":1000,\"new_price\":2000,",
                 3));
    told = wall_now() - bought;
    print_message("sold told %.3f s after the purchase was complete\n", told);
    assert_true(told < 1.0);
    market_resume(&buyer);
    /* Then the price, falling, every second. */
    mark = h.len;
    assert_true(raw_wait(fd, &h, mark, "\"slot\":1,", 2));
    mark = h.len;
    assert_true(raw_wait(fd, &h, mark, "\"falling\":true", 1.5));
    mark = h.len;
    assert_true(raw_wait(fd, &h, mark, "\"falling\":true", 1.5));
    assert_non_null(strstr(h.text + mark, "\"showing\":0,"));
    close(fd);
    market_stop(&s);
}

static void
test_events_two_servers_tell_a_purchase(void **state)
{
    bs_test_server a, b;
    bs_test_paused buyer;
    heard ha = {.len = 0}, hb = {.len = 0};
    double bought;
    market m;
    int fa, fb;

    (void)state;
    market_open(&m);
    market_serve(&m, &a);
    market_serve(&m, &b);
    fa = raw_open(&a, EVENTS);
    fb = raw_open(&b, EVENTS);
    assert_true(raw_wait(fa, &ha, 0, "event: price", 5));
    assert_true(raw_wait(fb, &hb, 0, "event: price", 5));
    market_buy_paused(&m, "alice/0", &buyer);
    bought = wall_now();
    assert_true(raw_wait(fa, &ha, 0, "event: sold", 2));
    assert_true(raw_wait(fb, &hb, 0, "event: sold", 2));
    print_message("both told within %.3f s of the purchase\n", wall_now() - bought);
    assert_true(wall_now() - bought < 1.0);
    market_resume(&buyer);
    close(fa);
    close(fb);
    market_stop(&a);
    market_stop(&b);
}

static void
test_events_unknown_campaign_is_a_404(void **state)
{
    bs_test_response r;
    bs_test_server s;
    market m;

    (void)state;
    market_open(&m);
    market_serve(&m, &s);
    r = bs_test_get(&s, "/api/v1/campaigns/bob/9/events", NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"error\":{\"code\":\"no_campaign\",\"message\":\"no campaign "
                                "\\\"bob/9\\\"\"}}"); /* as the other campaign routes say it */
    bs_test_response_release(&r);
    r = bs_test_get(&s, "/api/v1/campaigns/nobody/0/events", NULL);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "{\"error\":{\"code\":\"no_campaign\",\"message\":\"no campaign "
                                "\\\"nobody/0\\\"\"}}");
    bs_test_response_release(&r);
    market_stop(&s);
}

#define LISTENERS 500

/* Enough descriptors for the listeners. */
static void
enough_files(void)
{
    struct rlimit files;

    assert_int_equal(getrlimit(RLIMIT_NOFILE, &files), 0);
    if (files.rlim_cur < LISTENERS + 64) {
        files.rlim_cur = files.rlim_max < LISTENERS + 64 ? files.rlim_max : LISTENERS + 64;
        setrlimit(RLIMIT_NOFILE, &files);
    }
}

/* The server's resident memory (VmRSS), in KiB. */
static long
resident_kib(const bs_test_server *s)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", s->process.pid);
    f = fopen(path, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, "VmRSS:", 6) == 0)
            kib = strtol(line + 6, NULL, 10);
    fclose(f);
    assert_true(kib > 0);
    return kib;
}

/* The time GET path takes, which must answer 200. */
static double
timed_get(const bs_test_server *s, const char *path)
{
    double start = wall_now();
    bs_test_response r = bs_test_get(s, path, NULL);

    assert_int_equal(r.status, 200);
    bs_test_response_release(&r);
    return wall_now() - start;
}

static void
test_events_idle_listeners_take_no_thread_and_end_on_stop(void **state)
{
    static heard h[LISTENERS];
    int fds[LISTENERS], status;
    double healthz, embed, start, stopped;
    bool stopped_line = false;
    bs_test_server s;
    char line[512];
    FILE *log;
    market m;

    (void)state;
    enough_files();
    market_open(&m);
    market_serve(&m, &s);
    for (int i = 0; i < LISTENERS; i++) {
        fds[i] = raw_open(&s, EVENTS);
        h[i].len = 0;
        h[i].closed = false;
    }
    for (int i = 0; i < LISTENERS; i++)
        assert_true(raw_wait(fds[i], &h[i], 0, "event: price", 10));
    assert_int_equal(bs_test_metric(&s, "bitslot_sse_listeners"), LISTENERS);

    /* Idle listeners take no worker and no thread: requests go on. */
    healthz = timed_get(&s, "/healthz");
    embed = timed_get(&s, "/embed/bob/0");
    print_message("with %d listeners: /healthz %.1f ms, /embed %.1f ms\n", LISTENERS,
                  healthz * 1000, embed * 1000);
    assert_true(healthz < 0.25 && embed < 0.25);

    /* Stop: every stream ends (the chunked body's last chunk), the server
     * exits 0 at once. */
    start = wall_now();
    assert_int_equal(kill(s.process.pid, SIGTERM), 0);
    assert_int_equal(waitpid(s.process.pid, &status, 0), s.process.pid);
    stopped = wall_now() - start;
    print_message("stopped with %d listeners in %.3f s\n", LISTENERS, stopped);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_true(stopped < 2.0);
    for (int i = 0; i < LISTENERS; i++) {
        assert_true(raw_wait(fds[i], &h[i], 0, "\r\n0\r\n\r\n", 2));
        close(fds[i]);
    }
    /* Its log says so. */
    log = fopen(s.process.err_path, "r");
    assert_non_null(log);
    while (fgets(line, sizeof(line), log) != NULL)
        stopped_line = stopped_line || strcmp(line, "bitslot: stopped\n") == 0;
    fclose(log);
    assert_true(stopped_line);
}

static void
test_events_listeners_cost_little_go_at_once_and_are_logged_whole(void **state)
{
    static heard h[LISTENERS + 1];
    static const char route[] = "{route=\"/api/v1/campaigns/{owner}/{index}/events\"";
    char sample[256], *log, *line;
    int fds[LISTENERS + 1], lines = 0;
    long before = 0, after;
    double until;
    bs_test_output out;
    bs_test_server s;
    market m;

    (void)state;
    enough_files();
    market_open(&m);
    market_serve(&m, &s);
    /* One first, so that what every listener shares is there before the
     * memory is measured. */
    for (int i = 0; i <= LISTENERS; i++) {
        h[i].len = 0;
        h[i].closed = false;
        fds[i] = raw_open(&s, EVENTS);
        assert_true(raw_wait(fds[i], &h[i], 0, "event: price", 10));
        if (i == 0)
            before = resident_kib(&s);
    }
    after = resident_kib(&s);
    print_message("%d listeners: %ld KiB more resident, %.0f bytes each\n", LISTENERS,
                  after - before, (after - before) * 1024.0 / LISTENERS);
/* Not under a sanitizer: ASan's redzones and quarantine, TSan's shadow
 * memory, are not the server's. */
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    /* h2o's HTTP/1 connection kept some 10 KiB a listener (its read
     * buffer, the request's pool): handed over, a listener is its socket
     * and its stream. */
    assert_true(after - before < LISTENERS * 2);
#endif
    assert_int_equal(bs_test_metric(&s, "bitslot_sse_listeners"), LISTENERS + 1);

    /* Gone: noticed at once, not at the next write (up to 15 s when the
     * price stands still, as here). */
    usleep(300000);
    for (int i = 0; i <= LISTENERS; i++)
        close(fds[i]);
    until = wall_now() + 1.0;
    while (bs_test_metric(&s, "bitslot_sse_listeners") != 0 && wall_now() < until)
        usleep(20000);
    assert_int_equal(bs_test_metric(&s, "bitslot_sse_listeners"), 0);

    /* Each stream counted, and logged with its whole life, when it ended. */
    snprintf(sample, sizeof(sample), "bitslot_http_requests_total%s,status=\"200\"}", route);
    assert_int_equal(bs_test_metric(&s, sample), LISTENERS + 1);
    snprintf(sample, sizeof(sample), "bitslot_http_request_duration_seconds_bucket%s,le=\"0.25\"}",
             route);
    assert_int_equal(bs_test_metric(&s, sample), 0); /* each was open longer than that */
    out = bs_test_server_stop(&s);
    log = out.err;
    for (line = strstr(log, " GET " EVENTS " 200 "); line != NULL;
         line = strstr(line + 1, " GET " EVENTS " 200 ")) {
        long long bytes, micros;
        assert_int_equal(
            sscanf(line + strlen(" GET " EVENTS " 200 "), "%lld %lld", &bytes, &micros), 2);
        assert_true(bytes > 0);
        assert_true(micros >= 300000); /* open that long at least */
        lines++;
    }
    assert_int_equal(lines, LISTENERS + 1);
    bs_test_output_release(&out);
}

static void
test_events_head_answers_the_headers_alone(void **state)
{
    bs_test_server s;
    heard h = {.len = 0};
    market m;
    int fd;

    (void)state;
    market_open(&m);
    market_serve(&m, &s);
    fd = raw_open_method(&s, "HEAD", EVENTS);
    assert_true(raw_wait(fd, &h, 0, "\r\n\r\n", 5));
    assert_int_equal(strncmp(h.text, "HTTP/1.1 200 OK\r\n", 17), 0);
    assert_non_null(strstr(h.text, "\r\ncontent-type: text/event-stream"));
    assert_false(raw_wait(fd, &h, 0, "event:", 1.2)); /* no stream */
    assert_int_equal(bs_test_metric(&s, "bitslot_sse_listeners"), 0);
    close(fd);
    market_stop(&s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_events_price_on_connect_then_sold_within_a_second),
        cmocka_unit_test(test_events_two_servers_tell_a_purchase),
        cmocka_unit_test(test_events_unknown_campaign_is_a_404),
        cmocka_unit_test(test_events_idle_listeners_take_no_thread_and_end_on_stop),
        cmocka_unit_test(test_events_listeners_cost_little_go_at_once_and_are_logged_whole),
        cmocka_unit_test(test_events_head_answers_the_headers_alone),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
