/*
 * test_disk.c — a full disk under `bitslot serve` (issue 12, item 4), from
 * the outside, over real HTTP: an LMDB store on a small tmpfs (a mount
 * namespace of this process's own, so nothing is seen outside it; skipped
 * where mounting is not permitted), a ballast file beside it.
 *
 *   - Under a mix of ad uploads, registrations and purchases the disk fills:
 *     every write is answered 201 (it was stored) or 507 with its exact
 *     sentence ("...: the store is out of space; retry later"), never another
 *     status; ad uploads meet 507 first (they are the largest writes).
 *   - While it is full, reads go on: the account, the campaign and the
 *     publisher embed answer 200; the server does not crash.
 *   - The ballast removed, the same server (never restarted) takes writes
 *     again: an ad, a registration, and each purchase that was answered 507,
 *     sent again with its Idempotency-Key, buys at most one slot.
 *   - No torn document: `bitslot check` holds, and the money is exact: the
 *     buyer paid exactly the slots the client was told of, each once, the
 *     seller got price − fee of each and the operator the fees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <gd.h>
#include <jansson.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"
#include "webtest.h"

#define ARGS(...)  ((const char *const[]){__VA_ARGS__, NULL})
#define TMPFS_SIZE "4m"
#define ETCD_QUOTA "4000000"
#define BALLAST    (1024 * 1024)
#define GIFT       "1000000000000000" /* 10 million BTC: prices double with each sale */
#define ROUNDS_MAX 200
#define CAMPAIGNS  8 /* bought in turn, so that prices grow slower */
#define SLOTS_MAX  (2 * ROUNDS_MAX / CAMPAIGNS + 2)
#define FULL_TAIL  "the store is out of space; retry later\"}}"

static char fs[4096];      /* the tmpfs */
static char scratch[4096]; /* elsewhere: the ads before upload */
static bool tmpfs_mounted;

typedef struct purchase {
    int campaign; /* seller/CAMPAIGN */
    char key[32]; /* its Idempotency-Key */
    long status;  /* the first answer */
} purchase;

typedef struct site {
    bs_test_site site;
    char seller[65], buyer[65];
    purchase sent[SLOTS_MAX];
    size_t nsent;
    /* by campaign and slot index; 0: not known to the client */
    int64_t price[CAMPAIGNS][SLOTS_MAX];
    int64_t fee[CAMPAIGNS][SLOTS_MAX];
} site;

/* A 300x250 PNG of noise (it does not compress, so each ad takes its full
 * size in the store; `seed` makes each one another image). */
static void
noise_png(const char *path, unsigned seed)
{
    gdImagePtr im = gdImageCreateTrueColor(300, 250);
    void *png;
    int size = 0;
    FILE *f;

    assert_non_null(im);
    srand(seed);
    for (int y = 0; y < 250; y++)
        for (int x = 0; x < 300; x++)
            gdImageSetPixel(im, x, y, rand() & 0xffffff);
    png = gdImagePngPtr(im, &size);
    assert_non_null(png);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    gdFree(png);
    gdImageDestroy(im);
}

static json_t *
parse(const char *body)
{
    json_t *j = json_loads(body, 0, NULL);

    if (j == NULL)
        fail_msg("not JSON: %s", body);
    return j;
}

static int64_t
number(const char *body, const char *name)
{
    json_t *j = parse(body);
    json_t *v = json_object_get(j, name);
    int64_t n;

    if (!json_is_integer(v))
        fail_msg("no integer \"%s\" in %s", name, body);
    n = json_integer_value(v);
    json_decref(j);
    return n;
}

/* A write's answer: 201 (or `also`, when not 0), or 507 and exactly
 * "WHAT: the store is out of space; retry later". Returns the status. */
static long
stored_or_full(bs_test_response *r, const char *what, long also)
{
    char want[256];

    if (r->status == 507) {
        snprintf(want, sizeof(want),
                 "{\"error\":{\"code\":\"no_space\",\"message\":\"%s: " FULL_TAIL, what);
        assert_string_equal(r->body, want);
    } else if (r->status != 201 && r->status != also) {
        fail_msg("%s: %ld %s", what, r->status, r->body);
    }
    return r->status;
}

static long
upload_ad(site *s, unsigned seed)
{
    char path[4200];
    bs_test_response r;
    long status;

    snprintf(path, sizeof(path), "%s/ad.png", scratch);
    noise_png(path, seed);
    r = bs_test_http_form(&s->site.server, "/api/v1/ads", s->buyer,
                          ARGS("url", "https://buyer.example/"), "image", path);
    status = stored_or_full(&r, "cannot store the ad", 0);
    bs_test_response_release(&r);
    unlink(path);
    return status;
}

static long
register_user(site *s, int n)
{
    char body[128], from[32];
    bs_test_response r;
    long status;

    snprintf(body, sizeof(body), "{\"name\":\"user%d\",\"password\":\"password1\"}", n);
    /* each user from its own loopback address: an address may register 10
     * accounts a minute */
    snprintf(from, sizeof(from), "127.2.%d.%d", n / 250 % 250 + 1, n % 250 + 1);
    r = bs_test_http_from(&s->site.server, from, "POST", "/api/v1/accounts", NULL, body);
    status = stored_or_full(&r, "cannot create the account", 0);
    bs_test_response_release(&r);
    return status;
}

/* POST the buy with Idempotency-Key `key`; a slot bought is noted. 200 is
 * the answer to a key whose purchase was made before. */
static long
buy(site *s, const purchase *p)
{
    char header[64], path[64];
    bs_test_response r;
    long status;

    snprintf(header, sizeof(header), "Idempotency-Key: %s", p->key);
    snprintf(path, sizeof(path), "/api/v1/campaigns/seller/%d/buy", p->campaign);
    r = bs_test_http_with(&s->site.server, "POST", path, s->buyer, "{\"ad\":\"buyer/0\"}",
                          ARGS(header), true);
    if (r.status == 507 && strstr(r.body, "was begun") != NULL) {
        /* Refused after its intent was recorded: the next action finishes it. */
        char want[512];
        long long slot = -1;

        sscanf(r.body, "{\"error\":{\"code\":\"no_space\",\"message\":\"the purchase of slot %lld",
               &slot);
        snprintf(
            want, sizeof(want),
            "{\"error\":{\"code\":\"no_space\",\"message\":\"the purchase of slot %lld of "
            "\\\"seller/%d\\\" was begun, but the store is out of space: your next action once "
            "there is space finishes it; see GET /api/v1/account before you buy again\"}}",
            slot, p->campaign);
        assert_string_equal(r.body, want);
        status = 507;
    } else {
        status = stored_or_full(&r, "cannot buy the slot", 200);
    }
    if (status != 507) {
        int64_t index = number(r.body, "index");
        assert_in_range(index, 0, SLOTS_MAX - 1);
        s->price[p->campaign][index] = number(r.body, "price");
        s->fee[p->campaign][index] = number(r.body, "fee");
    }
    bs_test_response_release(&r);
    return status;
}

static void
reads_go_on(site *s)
{
    bs_test_response r = bs_test_http(&s->site.server, "GET", "/api/v1/account", s->buyer, NULL);

    assert_int_equal(r.status, 200);
    bs_test_response_release(&r);
    r = bs_test_http(&s->site.server, "GET", "/api/v1/campaigns/seller/0", NULL, NULL);
    assert_int_equal(r.status, 200);
    bs_test_response_release(&r);
    r = bs_test_get(&s->site.server, "/embed/seller/0", NULL);
    assert_int_equal(r.status, 200);
    bs_test_response_release(&r);
}

static void
write_ballast(const char *path)
{
    static char block[64 * 1024];
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    memset(block, 'b', sizeof(block));
    for (size_t done = 0; done < BALLAST; done += sizeof(block))
        assert_int_equal(fwrite(block, 1, sizeof(block), f), sizeof(block));
    assert_int_equal(fclose(f), 0);
}

static int64_t
balance(site *s, const char *key)
{
    bs_test_response r = bs_test_http(&s->site.server, "GET", "/api/v1/account", key, NULL);
    int64_t b;

    assert_int_equal(r.status, 200);
    b = number(r.body, "balance");
    bs_test_response_release(&r);
    return b;
}

/* The next slot of seller/`campaign`: how many were sold. */
static int64_t
slots_sold(site *s, int campaign)
{
    char path[64];
    bs_test_response r;
    json_t *j;
    int64_t n;

    snprintf(path, sizeof(path), "/api/v1/campaigns/seller/%d", campaign);
    r = bs_test_http(&s->site.server, "GET", path, NULL, NULL);
    assert_int_equal(r.status, 200);
    j = parse(r.body);
    n = json_integer_value(json_object_get(json_object_get(j, "next_slot"), "index"));
    json_decref(j);
    bs_test_response_release(&r);
    return n;
}

static int64_t
shown_balance(site *s, const char *name)
{
    bs_test_output o =
        bs_test_run(ARGS("--store", s->site.url, "account", "show", name), NULL, NULL);
    int64_t b;

    assert_int_equal(o.exit_code, 0);
    b = number(o.out, "balance");
    bs_test_output_release(&o);
    return b;
}

/* Fill the store of s->site (made, with no space to spare but what
 * make_room frees) under serve; make room; every write again; the money. */
static void
fill_then_make_room(site *s, void (*make_room)(void *), void *arg)
{
    int ads = 0, ads_full = 0, users = 0, users_full = 0, buys = 0, buys_full = 0, rounds = 0;
    int64_t paid = 0, fees = 0;
    bs_test_output o;
    bs_test_response r;

    bs_test_server_start(&s->site.server, s->site.url, ARGS("BITSLOT_SWEEP_INTERVAL=2"));
    bs_test_register(&s->site, "seller", s->seller);
    bs_test_register(&s->site, "buyer", s->buyer);
    free(bs_test_site_run(&s->site, 0,
                          ARGS("account", "adjust", "buyer", GIFT, "--reason", "test")));
    for (int c = 0; c < CAMPAIGNS; c++) {
        r = bs_test_http(&s->site.server, "POST", "/api/v1/campaigns", s->seller,
                         "{\"min_price\":1000,\"slot_seconds\":60,\"width\":300,"
                         "\"height\":250,\"title\":\"full disk\"}");
        assert_int_equal(r.status, 201);
        bs_test_response_release(&r);
    }
    assert_int_equal(upload_ad(s, 1), 201);

    /* Fill it under a mix of writes until each kind has met 507 (ads, the
     * largest, first); reads go on once it is full. */
    for (; rounds < ROUNDS_MAX && (ads_full == 0 || users_full == 0 || buys_full == 0); rounds++) {
        purchase *p = &s->sent[s->nsent++];

        if (ads_full == 0 || rounds % 8 == 0) {
            if (upload_ad(s, 100 + (unsigned)rounds) == 201)
                ads++;
            else
                ads_full++;
        }
        if (register_user(s, rounds) == 201)
            users++;
        else
            users_full++;
        p->campaign = rounds % CAMPAIGNS;
        snprintf(p->key, sizeof(p->key), "full-disk-%d", rounds);
        p->status = buy(s, p);
        if (p->status == 507)
            buys_full++;
        else
            buys++;
        if (ads_full > 0)
            reads_go_on(s);
    }
    print_message("%d rounds: %d ads stored, %d refused; %d registrations, %d refused; %d "
                  "purchases, %d refused\n",
                  rounds, ads, ads_full, users, users_full, buys, buys_full);
    assert_true(ads > 0 && users > 0 && buys > 0);
    assert_true(ads_full > 0 && users_full > 0 && buys_full > 0); /* the store did fill */
    assert_int_equal(kill(s->site.server.process.pid, 0), 0);     /* no crash */

    /* Space again: the same server takes every kind of write, and each
     * purchase refused, sent again, buys at most one slot. */
    make_room(arg);
    assert_int_equal(upload_ad(s, 7), 201);
    assert_int_equal(register_user(s, 1000), 201);
    for (size_t i = 0; i < s->nsent; i++)
        if (s->sent[i].status == 507)
            assert_true(buy(s, &s->sent[i]) != 507);
    s->sent[s->nsent] = (purchase){.campaign = 0, .key = "after-the-full-disk"};
    assert_int_equal(buy(s, &s->sent[s->nsent]), 201);

    /* Every slot sold is one the client was told of, paid once. */
    for (int c = 0; c < CAMPAIGNS; c++) {
        int64_t sold = slots_sold(s, c);

        for (int64_t n = 0; n < SLOTS_MAX; n++) {
            if (n < sold)
                assert_true(s->price[c][n] > 0);
            else
                assert_int_equal(s->price[c][n], 0);
            paid += s->price[c][n];
            fees += s->fee[c][n];
        }
    }
    assert_int_equal(balance(s, s->buyer), strtoll(GIFT, NULL, 10) - paid);
    free(bs_test_site_close(&s->site));
    o = bs_test_run(ARGS("--store", s->site.url, "recover"), NULL, NULL);
    assert_int_equal(o.exit_code, 0);
    bs_test_output_release(&o);
    assert_int_equal(shown_balance(s, "seller"), paid - fees);
    assert_int_equal(shown_balance(s, "operator"), fees);
    o = bs_test_run(ARGS("--store", s->site.url, "check"), NULL, NULL);
    if (o.exit_code != 0)
        fail_msg("check: %s%s", o.out, o.err);
    assert_non_null(strstr(o.out, "ok: "));
    assert_non_null(strstr(o.out, "adjustments " GIFT " "));
    bs_test_output_release(&o);
}

static void
remove_ballast(void *path)
{
    assert_int_equal(unlink(path), 0);
}

/* LMDB on a tmpfs with a ballast file beside it, removed to make room. */
static void
test_disk_full_lmdb(void **state)
{
    site *s = calloc(1, sizeof(*s));
    char ballast[4200];

    (void)state;
    if (!tmpfs_mounted) {
        print_message("skipped: a small tmpfs of our own needs root and a mount namespace\n");
        skip();
    }
    assert_non_null(s);
    snprintf(s->site.url, sizeof(s->site.url), "lmdb:%s/store", fs);
    snprintf(ballast, sizeof(ballast), "%s/ballast", fs);
    free(bs_test_site_run(&s->site, 0, ARGS("init")));
    write_ballast(ballast);
    fill_then_make_room(s, remove_ballast, ballast);
    free(s);
}

/* An etcd member of this test's own with a small quota (its gateway spoken
 * to as to any HTTP server). */
typedef struct etcd {
    pid_t pid;
    bs_test_server gateway;
} etcd;

static int
free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

    if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

static void
etcd_start(etcd *e)
{
    const char *dir = bs_test_tmpdir();
    char data[4200], log[4200], client[64], peer[64], cluster[80];
    int cport = free_port(), pport = free_port();

    snprintf(data, sizeof(data), "%s/data", dir);
    snprintf(log, sizeof(log), "%s/etcd.log", dir);
    snprintf(client, sizeof(client), "http://127.0.0.1:%d", cport);
    snprintf(peer, sizeof(peer), "http://127.0.0.1:%d", pport);
    snprintf(cluster, sizeof(cluster), "quota=%s", peer);
    e->pid = fork();
    assert_true(e->pid >= 0);
    if (e->pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        execlp("etcd", "etcd", "--name", "quota", "--data-dir", data, "--listen-client-urls",
               client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
               "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
               "--quota-backend-bytes", ETCD_QUOTA, (char *)NULL);
        _exit(127);
    }
    snprintf(e->gateway.base, sizeof(e->gateway.base), "%s", client);
    for (int tick = 0;; tick++) {
        bs_test_response r =
            bs_test_http_with(&e->gateway, "GET", "/health", NULL, NULL, NULL, false);
        bool up = r.status == 200 && strstr(r.body, "\"health\":\"true\"") != NULL;

        bs_test_response_release(&r);
        if (up)
            break;
        if (tick == 300)
            fail_msg("etcd did not start (see %s)", log);
        usleep(100 * 1000);
    }
}

static void
etcd_stop(etcd *e)
{
    int status;

    kill(e->pid, SIGTERM);
    waitpid(e->pid, &status, 0);
}

/* POST `body` to the gateway's `path`; the answer must be 200. */
static json_t *
etcd_call(etcd *e, const char *path, const char *body)
{
    bs_test_response r = bs_test_http(&e->gateway, "POST", path, NULL, body);
    json_t *j;

    if (r.status != 200)
        fail_msg("etcd %s: %ld %s", path, r.status, r.body);
    j = parse(r.body);
    bs_test_response_release(&r);
    return j;
}

/* The ballast: documents of the test's own outside bitslot's keys. */
static void
etcd_ballast(etcd *e)
{
    size_t raw = BALLAST / 2, len = (raw + 2) / 3 * 4;
    char *body = malloc(len + 128), *at;

    assert_non_null(body);
    for (int i = 0; i < 2; i++) {
        /* keys "ballast0" and "ballast1", base64 as the gateway takes them */
        at = body + snprintf(body, 128, "{\"key\":\"%s\",\"value\":\"",
                             i ? "YmFsbGFzdDE=" : "YmFsbGFzdDA=");
        memset(at, 'Q', len); /* base64 of bytes of 0x41 */
        snprintf(at + len, 8, "\"}");
        json_decref(etcd_call(e, "/v3/kv/put", body));
    }
    free(body);
}
/* What an operator does when etcd's quota is reached: remove what is not
 * needed, compact the history, defragment, and disarm the NOSPACE alarm. */
static void
etcd_make_room(void *arg)
{
    etcd *e = arg;
    char body[256];
    json_t *j, *alarms;

    /* keys "ballast" up to "ballasu" (every ballast key) */
    j = etcd_call(e, "/v3/kv/deleterange",
                  "{\"key\":\"YmFsbGFzdA==\",\"range_end\":\"YmFsbGFzdQ==\"}");
    snprintf(body, sizeof(body), "{\"revision\":\"%s\",\"physical\":true}",
             json_string_value(json_object_get(json_object_get(j, "header"), "revision")));
    json_decref(j);
    json_decref(etcd_call(e, "/v3/kv/compaction", body));
    json_decref(etcd_call(e, "/v3/maintenance/defragment", "{}"));
    j = etcd_call(e, "/v3/maintenance/alarm", "{\"action\":\"GET\"}");
    alarms = json_object_get(j, "alarms");
    assert_true(json_array_size(alarms) > 0); /* the quota was reached */
    for (size_t k = 0; k < json_array_size(alarms); k++) {
        snprintf(body, sizeof(body),
                 "{\"action\":\"DEACTIVATE\",\"memberID\":\"%s\",\"alarm\":\"NOSPACE\"}",
                 json_string_value(json_object_get(json_array_get(alarms, k), "memberID")));
        json_decref(etcd_call(e, "/v3/maintenance/alarm", body));
    }
    json_decref(j);
}

static bool
in_path(const char *program)
{
    const char *path = getenv("PATH");
    char dir[4096], file[4200];

    while (path != NULL && *path != '\0') {
        size_t n = strcspn(path, ":");
        snprintf(dir, sizeof(dir), "%.*s", (int)n, path);
        snprintf(file, sizeof(file), "%s/%s", dir, program);
        if (access(file, X_OK) == 0)
            return true;
        path += n + (path[n] == ':');
    }
    return false;
}

/* etcd with a small --quota-backend-bytes: "database space exceeded" is the
 * same 507, and writes resume once the operator made room (no restart). */
static void
test_disk_quota_etcd(void **state)
{
    site *s;
    etcd e;

    (void)state;
    if (!in_path("etcd")) {
        print_message("skipped: no etcd installed\n");
        skip();
    }
    s = calloc(1, sizeof(*s));
    assert_non_null(s);
    etcd_start(&e);
    snprintf(s->site.url, sizeof(s->site.url), "etcd:%s", e.gateway.base);
    free(bs_test_site_run(&s->site, 0, ARGS("init")));
    etcd_ballast(&e);
    fill_then_make_room(s, etcd_make_room, &e);
    etcd_stop(&e);
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_disk_full_lmdb),
        cmocka_unit_test(test_disk_quota_etcd),
    };
    int failed;

    snprintf(fs, sizeof(fs), "%s", bs_test_tmpdir());
    snprintf(scratch, sizeof(scratch), "%s", bs_test_tmpdir());
    tmpfs_mounted = bs_test_private_tmpfs(fs, TMPFS_SIZE);
    failed = cmocka_run_group_tests(tests, NULL, NULL);
    if (tmpfs_mounted)
        umount2(fs, MNT_DETACH); /* so that the scratch directory can go */
    return failed;
}
