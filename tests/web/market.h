/*
 * market.h — what the embed and live events tests share: a store with a
 * seller, a funded buyer, a campaign and an ad, made with the `bitslot`
 * command as a user would; purchases with the command (another process
 * than the server); time; and a raw HTTP connection for streams.
 */
#ifndef BS_TEST_MARKET_H
#define BS_TEST_MARKET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* The hover text and URL of alice's ad: every character the page must
 * escape, and an '&' the URL keeps. */
#define HOVER  "<b>\"Alice's\" & co</b>"
#define AD_URL "https://alice.example/shop?a=1&b=2"

typedef struct market {
    char url[4200];
} market;

static inline double
wall_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* `bitslot --store URL ARGS` with `env` must exit 0; its output (free it). */
static inline char *
market_run(const market *m, const char *input, const char *const *env, const char *const *args)
{
    const char *argv[32] = {"--store", m->url};
    size_t n = 2;
    bs_test_output r;

    for (size_t i = 0; args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    r = bs_test_run(argv, env, input);
    if (r.exit_code != 0)
        fail_msg("bitslot %s: exit %d: %s", args[0], r.exit_code, r.err);
    free(r.err);
    return r.out;
}

static inline void
market_ok(const market *m, const char *input, const char *const *env, const char *const *args)
{
    free(market_run(m, input, env, args));
}

/* A new store: bob sells campaign bob/0 (1000 sat, 60 s slots, 300x250),
 * alice has 10 million sat and the ad alice/0 (HOVER, AD_URL). */
static inline void
market_open(market *m)
{
    char image[4200];
    const char *examples = getenv("BITSLOT_EXAMPLES");

    assert_non_null(examples);
    snprintf(image, sizeof(image), "%s/ad-300x250.png", examples);
    snprintf(m->url, sizeof(m->url), "lmdb:%s/store", bs_test_tmpdir());
    market_ok(m, NULL, NULL, ARGS("init"));
    market_ok(m, "password1\n", NULL, ARGS("account", "create", "alice"));
    market_ok(m, "password1\n", NULL, ARGS("account", "create", "bob"));
    market_ok(m, NULL, NULL, ARGS("account", "adjust", "alice", "10000000", "--reason", "funds"));
    market_ok(m, NULL, NULL,
              ARGS("campaign", "create", "bob", "--min-price", "1000", "--slot-seconds", "60",
                   "--size", "300x250", "--title", "Bob's <blog>"));
    market_ok(m, NULL, NULL,
              ARGS("ad", "add", "alice", "--image", image, "--url", AD_URL, "--hover", HOVER));
}

/* Another ad of alice's, alice/N, with another URL. */
static inline void
market_second_ad(const market *m, const char *url)
{
    char image[4200];

    snprintf(image, sizeof(image), "%s/ad-300x250.png", getenv("BITSLOT_EXAMPLES"));
    market_ok(m, NULL, NULL, ARGS("ad", "add", "alice", "--image", image, "--url", url));
}

/* alice buys the next slot of bob/0 with `ad`, by the command (another
 * process than any server); `now`: BITSLOT_NOW, or NULL for the clock. */
static inline void
market_buy(const market *m, const char *ad, const char *now)
{
    char env_now[64];

    snprintf(env_now, sizeof(env_now), "BITSLOT_NOW=%s", now != NULL ? now : "");
    market_ok(m, NULL, now != NULL ? ARGS(env_now) : NULL,
              ARGS("buy", "alice", "bob/0", "--ad", ad));
}

/* alice buys the next slot of bob/0 with `ad`, and the command stops
 * itself right after the purchase is complete in the store (failpoint
 * purchase.campaign-advanced): the moment a test measures from. Let it
 * finish with market_resume. */
static inline void
market_buy_paused(const market *m, const char *ad, bs_test_paused *p)
{
    bs_test_start_paused(p, "purchase.campaign-advanced",
                         ARGS("--store", m->url, "buy", "alice", "bob/0", "--ad", ad), NULL);
}

static inline void
market_resume(bs_test_paused *p)
{
    bs_test_output r = bs_test_resume(p);

    if (r.exit_code != 0)
        fail_msg("bitslot buy: exit %d: %s", r.exit_code, r.err);
    bs_test_output_release(&r);
}

/* A server on the market's store: no background recovery in the test's
 * time (it would read the whole store). */
static inline void
market_serve(const market *m, bs_test_server *s)
{
    bs_test_server_start(s, m->url, ARGS("BITSLOT_SWEEP_INTERVAL=86400"));
}

static inline void
market_stop(bs_test_server *s)
{
    bs_test_output r = bs_test_server_stop(s);

    if (r.exit_code != 0)
        fail_msg("serve exited %d: %s", r.exit_code, r.err);
    bs_test_output_release(&r);
}

/* GET path until its body contains `needle`, every 20 ms for at most
 * `seconds`: the time it took, or -1. */
static inline double
wait_for(const bs_test_server *s, const char *path, const char *needle, double seconds)
{
    double start = wall_now();

    for (;;) {
        bs_test_response r = bs_test_get(s, path, NULL);
        bool found = strstr(r.body, needle) != NULL;
        bs_test_response_release(&r);
        if (found)
            return wall_now() - start;
        if (wall_now() - start > seconds)
            return -1;
        usleep(20000);
    }
}

/* ---- a raw connection (for streams) ---- */

static inline int
raw_open_method(const bs_test_server *s, const char *method, const char *path)
{
    struct sockaddr_in addr = {0};
    char request[512];
    int fd = socket(AF_INET, SOCK_STREAM, 0), len;

    assert_true(fd >= 0);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)bs_test_server_port(s));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    len = snprintf(request, sizeof(request),
                   "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n", method,
                   path);
    assert_int_equal(write(fd, request, (size_t)len), len);
    return fd;
}

static inline int
raw_open(const bs_test_server *s, const char *path)
{
    return raw_open_method(s, "GET", path);
}

/* What a connection said so far. */
typedef struct heard {
    char text[16384];
    size_t len;
    bool closed;
} heard;

/* Read from `fd` into `h` until its text holds `needle` after byte `from`
 * (or the connection closes, or `seconds` pass): true when it does. */
static inline bool
raw_wait(int fd, heard *h, size_t from, const char *needle, double seconds)
{
    double end = wall_now() + seconds;

    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        double left = end - wall_now();
        ssize_t n;

        if (h->len > from && strstr(h->text + from, needle) != NULL)
            return true;
        if (h->closed || left <= 0)
            return false;
        if (poll(&p, 1, (int)(left * 1000) + 1) <= 0)
            continue;
        n = read(fd, h->text + h->len, sizeof(h->text) - 1 - h->len);
        if (n <= 0) {
            h->closed = true;
            continue;
        }
        h->len += (size_t)n;
        h->text[h->len] = '\0';
    }
}

#endif
