/*
 * test_members.c — an etcd cluster of three members losing members, at the
 * store and through `bitslot serve` (issue 12). Run by
 * `tools/with-etcd --members 3` (e2e_members_etcd3): BITSLOT_TEST_STORE names
 * every member, BITSLOT_TEST_ETCD_DIR holds mI.start and mI.pid.
 *
 * What it proves:
 *   - an endpoint that accepts connections and never answers costs the
 *     store one timeout, not one per request: each request starts at the
 *     member that last answered;
 *   - the leader killed (SIGKILL): reads and CAS writes go on, through the
 *     other members, within a few seconds while a new leader is elected and
 *     then at once; serve answers reads and writes;
 *   - a second member killed (no quorum): every store operation fails
 *     within a few seconds as BS_UNAVAILABLE — a write is never left
 *     "uncertain" once the member says it has no leader — and serve answers
 *     503 with "temporarily unavailable" on the JSON API and on pages, fast,
 *     and the embed (an iframe) a tiny HTML page, never JSON, no-store;
 *   - both members restarted: the store answers again with exactly what it
 *     held before (the refused writes left nothing), and the same serve
 *     process serves again, without a restart.
 *
 * Bounds are generous (a shared machine with two cores): "fast" is under
 * 2 s here where it takes milliseconds, "no hang" under 10 s where etcd
 * itself would wait 7 s and libcurl's timeout is 3 s per member.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"
#include "webtest.h"

#define MEMBERS 3
#define FAST    2.0  /* seconds: an answer that takes milliseconds */
#define NO_HANG 10.0 /* seconds: the slowest answer allowed at all */

#define CAMPAIGN "{\"min_price\":1000,\"slot_seconds\":3600,\"width\":300,\"height\":250}"
#define UNAVAILABLE_API(what)                                                                      \
    "{\"error\":{\"code\":\"unavailable\",\"message\":\"" what                                     \
    ": the store is temporarily unavailable; retry in a few seconds\"}}"

static char member_url[MEMBERS][256];

static double
now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
setup(void **state)
{
    const char *env = getenv("BITSLOT_TEST_STORE");
    const char *p;

    (void)state;
    if (env == NULL || strncmp(env, "etcd:", 5) != 0 || getenv("BITSLOT_TEST_ETCD_DIR") == NULL) {
        fprintf(stderr, "test_members: run by tools/with-etcd --members 3\n");
        return -1;
    }
    p = env + 5;
    for (int i = 0; i < MEMBERS; i++) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof(member_url[i])) {
            fprintf(stderr, "test_members: need 3 members in %s\n", env);
            return -1;
        }
        memcpy(member_url[i], p, len);
        member_url[i][len] = '\0';
        p += len + (p[len] == ',');
    }
    return 0;
}

static void
member_file(int i, const char *what, char *out, size_t size)
{
    snprintf(out, size, "%s/m%d.%s", getenv("BITSLOT_TEST_ETCD_DIR"), i + 1, what);
}

static const char *
text_or_zero(json_t *field)
{
    return json_is_string(field) ? json_string_value(field) : "0";
}

/* POST {} to a member's status; its member id and the leader it knows
 * (both 0 when it does not answer). */
static void
member_status(int i, unsigned long long *id, unsigned long long *leader)
{
    char url[300];
    bs_test_output r;
    json_t *status;

    snprintf(url, sizeof(url), "%s/v3/maintenance/status", member_url[i]);
    r = bs_test_run_program("curl", (const char *const[]){"-sS", "-m", "2", "-d", "{}", url, NULL},
                            NULL, NULL);
    status = r.exit_code == 0 ? json_loads(r.out, 0, NULL) : NULL;
    *id = strtoull(text_or_zero(json_object_get(json_object_get(status, "header"), "member_id")),
                   NULL, 10);
    *leader = strtoull(text_or_zero(json_object_get(status, "leader")), NULL, 10);
    json_decref(status);
    bs_test_output_release(&r);
}

/* The index of the member that leads (waits up to 20 s for one). */
static int
leader(void)
{
    for (int tries = 0; tries < 200; tries++) {
        for (int i = 0; i < MEMBERS; i++) {
            unsigned long long id, lead;
            member_status(i, &id, &lead);
            if (id != 0 && id == lead)
                return i;
        }
        usleep(100000);
    }
    fail_msg("no member leads");
    return -1;
}

static void
kill_member(int i)
{
    char path[4300];
    FILE *f;
    int pid = 0;

    member_file(i, "pid", path, sizeof(path));
    f = fopen(path, "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%d", &pid), 1);
    fclose(f);
    assert_int_equal(kill(pid, SIGKILL), 0);
    usleep(200000); /* the kernel closes its sockets */
}

/* Run mI.start in the background (it execs etcd) and write its pid to
 * mI.pid, as tools/with-etcd asks of whoever restarts a member. */
static void
start_member(int i)
{
    char script[4300], path[4300];
    FILE *f;
    pid_t pid;

    member_file(i, "start", script, sizeof(script));
    member_file(i, "pid", path, sizeof(path));
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl(script, script, (char *)NULL);
        _exit(127);
    }
    f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%d\n", (int)pid);
    fclose(f);
}

/* ---- a member that never answers ---------------------------------------------------------- */

static void
test_members_silent_endpoint_costs_one_timeout(void **state)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t addr_len = sizeof(addr);
    int silent = socket(AF_INET, SOCK_STREAM, 0);
    char url[1024], key[64], *value = NULL;
    bs_store *store;
    bs_cas cas;
    double t;

    (void)state;
    /* Listening, never accepting: connects succeed, requests get no answer. */
    assert_true(silent >= 0);
    assert_int_equal(bind(silent, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(silent, 64), 0);
    assert_int_equal(getsockname(silent, (struct sockaddr *)&addr, &addr_len), 0);
    snprintf(url, sizeof(url), "etcd:http://127.0.0.1:%d,%s,%s", ntohs(addr.sin_port),
             member_url[1], member_url[2]);
    assert_int_equal(bs_store_open(url, &store), BS_OK); /* waits for the silent one once */
    snprintf(key, sizeof(key), "members/silent-%d", (int)getpid());
    t = now_s();
    assert_int_equal(bs_store_add(store, key, "v", 1, &cas), BS_OK);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(bs_store_get(store, key, &value, NULL, NULL), BS_OK);
        free(value);
        assert_int_equal(bs_store_replace(store, key, "w", 1, cas, &cas), BS_OK);
    }
    /* Eleven requests: at 3 s each for the silent endpoint this would be 33 s. */
    t = now_s() - t;
    if (t >= FAST)
        fail_msg("11 requests took %.1f s: the silent endpoint was tried each time", t);
    assert_int_equal(bs_store_remove(store, key, cas), BS_OK);
    bs_store_close(store);
    close(silent);
}

/* ---- members lost and back ---------------------------------------------------------------- */

/* A request to serve that must answer `status` within `bound` seconds; its
 * body (free it). */
static char *
timed_http(const bs_test_server *s, const char *method, const char *path, const char *key,
           const char *body, long status, double bound)
{
    double t = now_s();
    bs_test_response r = bs_test_http(s, method, path, key, body);
    char *answer;

    t = now_s() - t;
    if (r.status != status || t >= bound)
        fail_msg("%s %s: %ld after %.1f s (want %ld within %.0f s): %s", method, path, r.status, t,
                 status, bound, r.body);
    answer = r.body;
    r.body = NULL;
    bs_test_response_release(&r);
    return answer;
}

/* st = expr, failing the test when it took `bound` seconds or more. */
#define TIMED(bound, st, expr)                                                                     \
    do {                                                                                           \
        double t_ = now_s();                                                                       \
        (st) = (expr);                                                                             \
        t_ = now_s() - t_;                                                                         \
        if (t_ >= (bound))                                                                         \
            fail_msg("%s took %.1f s, returned %s", #expr, t_, bs_status_name(st));                \
    } while (0)

static void
test_members_lost_and_back(void **state)
{
    const char *key_doc = "members/doc";
    char url[4200], api_key[65], *value = NULL, *body;
    bs_test_server server;
    bs_store *store;
    bs_cas cas, held_cas;
    bs_status st;
    int first, second, n;
    double t;

    (void)state;
    bs_test_empty_store(url, sizeof(url));
    {
        bs_test_output r =
            bs_test_run((const char *const[]){"--store", url, "init", NULL}, NULL, NULL);
        assert_int_equal(r.exit_code, 0);
        bs_test_output_release(&r);
    }
    bs_test_server_start(&server, url, NULL);
    {
        bs_test_site site;
        snprintf(site.url, sizeof(site.url), "%s", url);
        site.server = server;
        bs_test_register(&site, "alice", api_key);
    }
    free(timed_http(&server, "POST", "/api/v1/campaigns", api_key, CAMPAIGN, 201, NO_HANG));
    assert_int_equal(bs_store_open(url, &store), BS_OK);
    assert_int_equal(bs_store_add(store, key_doc, "v0", 2, &cas), BS_OK);

    /* The leader killed: reads and CAS writes go on. While a new leader is
     * elected an operation may wait (for the old leader, then the next
     * member); it never fails, and each is answered within NO_HANG. */
    first = leader();
    kill_member(first);
    for (int round = 1; round <= 10; round++) {
        char v[16];
        size_t len;
        bs_cas got;
        int vlen = snprintf(v, sizeof(v), "v%d", round);

        TIMED(NO_HANG, st, bs_store_get(store, key_doc, &value, &len, &got));
        assert_int_equal(st, BS_OK);
        assert_int_equal(got, cas);
        free(value);
        TIMED(NO_HANG, st, bs_store_replace(store, key_doc, v, (size_t)vlen, cas, &cas));
        assert_int_equal(st, BS_OK);
    }
    /* Settled: at once. */
    for (int round = 0; round < 5; round++) {
        TIMED(FAST, st, bs_store_get(store, key_doc, &value, NULL, NULL));
        assert_int_equal(st, BS_OK);
        assert_string_equal(value, "v10");
        free(value);
    }
    free(timed_http(&server, "GET", "/api/v1/account", api_key, NULL, 200, NO_HANG));
    free(timed_http(&server, "POST", "/api/v1/campaigns", api_key, CAMPAIGN, 201, NO_HANG));
    free(timed_http(&server, "GET", "/campaigns/alice/1", NULL, NULL, 200, FAST));

    /* A second member killed: no quorum. The first operations may wait for
     * the member to notice (a write it took then is "uncertain"); within
     * a few seconds it says it has no leader, and from then on every
     * operation fails at once, as BS_UNAVAILABLE. */
    held_cas = cas;
    second = leader();
    kill_member(second);
    t = now_s();
    n = 0;
    for (;;) {
        double one = now_s();
        TIMED(NO_HANG, st, bs_store_get(store, key_doc, &value, NULL, NULL));
        if (st == BS_OK)
            free(value);
        else
            assert_int_equal(st, BS_UNAVAILABLE); /* a read is never uncertain */
        n++;
        if ((st != BS_OK && now_s() - one < 1.0) || now_s() - t > 20)
            break;
    }
    assert_int_equal(st, BS_UNAVAILABLE);
    for (int round = 0; round < 5; round++) {
        TIMED(FAST, st, bs_store_get(store, key_doc, &value, NULL, NULL));
        assert_int_equal(st, BS_UNAVAILABLE);
        TIMED(FAST, st, bs_store_replace(store, key_doc, "lost", 4, held_cas, NULL));
        assert_int_equal(st, BS_UNAVAILABLE);
        TIMED(FAST, st, bs_store_add(store, "members/new", "lost", 4, NULL));
        assert_int_equal(st, BS_UNAVAILABLE);
    }
    /* serve: 503, "temporarily unavailable", fast — the JSON API, pages,
     * a registration (a write). */
    body = timed_http(&server, "GET", "/api/v1/account", api_key, NULL, 503, FAST);
    assert_string_equal(body, UNAVAILABLE_API("cannot check the API key"));
    free(body);
    body = timed_http(&server, "POST", "/api/v1/accounts", NULL,
                      "{\"name\":\"carol\",\"password\":\"password1\"}", 503, FAST);
    assert_non_null(strstr(body, "the store is temporarily unavailable; retry in a few seconds"));
    free(body);
    body = timed_http(&server, "GET", "/campaigns/alice/0", NULL, NULL, 503, FAST);
    assert_non_null(strstr(body, "the store is temporarily unavailable; retry in a few seconds"));
    free(body);
    /* The embed, in a publisher's iframe, of a campaign this serve has not
     * shown yet: a tiny HTML page, never JSON, kept by no cache. */
    {
        char value_of[64];
        double te = now_s();
        bs_test_response r = bs_test_http(&server, "GET", "/embed/alice/0", NULL, NULL);

        assert_true(now_s() - te < FAST);
        assert_int_equal(r.status, 503);
        assert_string_equal(r.body,
                            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                            "<title>temporarily unavailable</title></head><body>"
                            "temporarily unavailable</body></html>\n");
        assert_true(bs_test_response_header(&r, "content-type", value_of, sizeof(value_of)));
        assert_string_equal(value_of, "text/html; charset=utf-8");
        assert_true(bs_test_response_header(&r, "cache-control", value_of, sizeof(value_of)));
        assert_string_equal(value_of, "no-store");
        bs_test_response_release(&r);
    }
    free(timed_http(&server, "GET", "/healthz", NULL, NULL, 503, FAST));

    /* Both members back: the store answers with what it held, the refused
     * writes left nothing, and the same serve serves again. */
    start_member(first);
    start_member(second);
    t = now_s();
    while ((st = bs_store_get(store, key_doc, &value, NULL, &cas)) != BS_OK && now_s() - t < 30)
        usleep(200000);
    assert_int_equal(st, BS_OK);
    assert_string_equal(value, "v10");
    assert_int_equal(cas, held_cas);
    free(value);
    assert_int_equal(bs_store_get(store, "members/new", &value, NULL, NULL), BS_NOTFOUND);
    free(timed_http(&server, "GET", "/api/v1/account", api_key, NULL, 200, NO_HANG));
    free(timed_http(&server, "POST", "/api/v1/accounts", NULL,
                    "{\"name\":\"carol\",\"password\":\"password1\"}", 201, NO_HANG));
    free(timed_http(&server, "GET", "/campaigns/alice/0", NULL, NULL, 200, FAST));
    {
        bs_test_output r = bs_test_server_stop(&server);
        assert_int_equal(r.exit_code, 0);
        bs_test_output_release(&r);
    }
    bs_store_close(store);
    print_message("members: %d reads until the loss of quorum was answered at once\n", n);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_members_silent_endpoint_costs_one_timeout),
        cmocka_unit_test(test_members_lost_and_back),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
