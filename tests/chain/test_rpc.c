/*
 * test_rpc.c — the JSON-RPC client (src/chain/rpc.c) against the project's
 * real regtest node (tools/regtest-node, bcoin answering like Bitcoin Core),
 * plus a few answers no healthy node gives (malformed JSON, exponents, a
 * node that never answers), served by sockets opened in this file.
 *
 * The group setup starts the node with the shared starter
 * (tests/support/regtest.h: a free port, its own process group, a
 * parent-death signal) and keeps the miner wallet's URL; the group teardown
 * stops it, also after a failed test. The node's credentials carry
 * characters that must be URL-encoded, so every test also checks decoding.
 * Needs BITSLOT_SOURCE_ROOT (set by meson) to find tools/regtest-node.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "chain/amount.h"
#include "chain/rpc.h"
#include "regtest.h"

#define PORT_FIRST    18600
#define PORT_COUNT    100
#define NODE_USER     "bit slot"
#define NODE_PASSWORD "p@ss:w/rd %+#?"
#define WATCH_WALLET  "bitslot"

/* The node shared by the whole group. */
static bs_regtest node = {.pid = -1};

/* ---- time and sockets ---- */

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A TCP socket bound to 127.0.0.1:port, listening when `listening`, or -1
 * if the port is taken. */
static int
bind_port(int port, bool listening)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || (listening && listen(fd, 4) != 0)) {
        close(fd);
        return -1;
    }
    return fd;
}

/* A socket on a free port of the range (not the node's), starting the
 * search at a place that depends on the process, so that two test runs at
 * once rarely collide. */
static int
bind_free_port(bool listening, int *port)
{
    int i, fd;

    for (i = 0; i < PORT_COUNT; i++) {
        int p = PORT_FIRST + (int)((getpid() + 37 * i) % PORT_COUNT);

        if (p == node.port)
            continue;
        fd = bind_port(p, listening);
        if (fd >= 0) {
            *port = p;
            return fd;
        }
    }
    return -1;
}

/* ---- the node ---- */

static int
group_setup(void **state)
{
    (void)state;
    return bs_regtest_start(&node, NODE_USER, NODE_PASSWORD) == BS_OK ? 0 : -1;
}

static int
group_teardown(void **state)
{
    (void)state;
    bs_regtest_stop(&node);
    return 0;
}

/* ---- helpers ---- */

static bs_rpc *
open_url(const char *url, const bs_rpc_options *opts)
{
    bs_rpc *rpc = NULL;

    assert_int_equal(bs_rpc_open(url, opts, &rpc), BS_OK);
    assert_non_null(rpc);
    return rpc;
}

static bs_rpc *
open_miner(void)
{
    return open_url(node.miner_url, NULL);
}

/* "http://127.0.0.1:PORT" + path, without credentials. */
static void
plain_url(char *out, size_t size, int port, const char *path)
{
    snprintf(out, size, "http://127.0.0.1:%d%s", port, path);
}

static int64_t
received(bs_rpc *rpc, const char *addr, int minconf)
{
    bs_rpc_error err;
    int64_t sats = -1;

    assert_int_equal(bs_rpc_getreceivedbyaddress(rpc, addr, minconf, &sats, &err), BS_OK);
    return sats;
}

static bool
is_hex64(const char *s)
{
    size_t i;

    if (strlen(s) != 64)
        return false;
    for (i = 0; i < 64; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

/* ---- tests against the node ---- */

static void
test_rpc_getblockcount(void **state)
{
    bs_rpc *rpc = open_miner();
    bs_rpc_error err;
    int64_t height = -1;

    (void)state;
    assert_int_equal(bs_rpc_getblockcount(rpc, &height, &err), BS_OK);
    assert_true(height >= 101);
    assert_int_equal(err.code, 0);
    assert_int_equal(err.http_status, 200);
    assert_string_equal(bs_rpc_wallet(rpc), "miner");
    bs_rpc_close(rpc);
}

static void
test_rpc_credentials_separately(void **state)
{
    bs_rpc_options opts = {.user = NODE_USER, .password = NODE_PASSWORD};
    char url[256];
    bs_rpc *rpc;
    int64_t height = -1;

    (void)state;
    /* No credentials in the URL. */
    plain_url(url, sizeof(url), node.port, "/");
    rpc = open_url(url, &opts);
    assert_null(bs_rpc_wallet(rpc));
    assert_int_equal(bs_rpc_getblockcount(rpc, &height, NULL), BS_OK);
    assert_true(height >= 101);
    bs_rpc_close(rpc);
    /* Options replace wrong credentials of the URL. */
    snprintf(url, sizeof(url), "http://x:wrong@127.0.0.1:%d", node.port);
    rpc = open_url(url, &opts);
    assert_int_equal(bs_rpc_getblockcount(rpc, &height, NULL), BS_OK);
    bs_rpc_close(rpc);
}

static void
test_rpc_keeps_connection_across_calls(void **state)
{
    bs_rpc *rpc = open_miner();
    int64_t height = -1, t0;
    int i;

    (void)state;
    t0 = now_ms();
    for (i = 0; i < 50; i++)
        assert_int_equal(bs_rpc_getblockcount(rpc, &height, NULL), BS_OK);
    print_message("50 getblockcount calls on one handle: %lld ms\n", (long long)(now_ms() - t0));
    bs_rpc_close(rpc);
}

static void
test_rpc_bad_password_is_auth(void **state)
{
    char url[256];
    bs_rpc *rpc;
    bs_rpc_error err;
    int64_t height = -1;

    (void)state;
    snprintf(url, sizeof(url), "http://bit%%20slot:nope@127.0.0.1:%d/", node.port);
    rpc = open_url(url, NULL);
    assert_int_equal(bs_rpc_getblockcount(rpc, &height, &err), BS_AUTH);
    assert_int_equal(err.http_status, 401);
    assert_int_equal(height, -1);
    bs_rpc_close(rpc);
    /* No credentials at all. */
    plain_url(url, sizeof(url), node.port, "/");
    rpc = open_url(url, NULL);
    assert_int_equal(bs_rpc_getblockcount(rpc, &height, &err), BS_AUTH);
    bs_rpc_close(rpc);
}

static void
test_rpc_ensure_wallet_idempotent(void **state)
{
    bs_rpc *miner = open_miner(), *watch = NULL;
    bs_rpc_error err;
    json_t *names = NULL, *name;
    size_t i;
    bool found = false;

    (void)state;
    assert_int_equal(bs_rpc_open_wallet(miner, WATCH_WALLET, &watch), BS_OK);
    assert_string_equal(bs_rpc_wallet(watch), WATCH_WALLET);
    assert_int_equal(bs_rpc_ensure_wallet(watch, &err), BS_OK);
    assert_int_equal(bs_rpc_ensure_wallet(watch, &err), BS_OK);
    assert_int_equal(bs_rpc_ensure_wallet(watch, NULL), BS_OK);
    assert_int_equal(bs_rpc_listwallets(miner, &names, &err), BS_OK);
    json_array_foreach(names, i, name)
    {
        if (strcmp(json_string_value(name), WATCH_WALLET) == 0)
            found = true;
    }
    assert_true(found);
    json_decref(names);
    /* createwallet itself refuses an existing wallet with -4. */
    assert_int_equal(bs_rpc_createwallet(miner, WATCH_WALLET, true, &err), BS_REMOTE);
    assert_int_equal(err.code, BS_RPC_ERR_WALLET);
    /* loadwallet of a loaded wallet: -35. */
    assert_int_equal(bs_rpc_loadwallet(miner, WATCH_WALLET, &err), BS_REMOTE);
    assert_int_equal(err.code, BS_RPC_ERR_WALLET_ALREADY_LOADED);
    /* The miner wallet holds keys: not a watch-only wallet. */
    assert_int_equal(bs_rpc_ensure_wallet(miner, &err), BS_MISMATCH);
    bs_rpc_close(watch);
    bs_rpc_close(miner);
}

static void
test_rpc_receive_exact(void **state)
{
    bs_rpc *miner = open_miner(), *watch = NULL;
    bs_rpc_error err;
    char a[BS_RPC_ADDRESS_SIZE], b[BS_RPC_ADDRESS_SIZE], c[BS_RPC_ADDRESS_SIZE];
    char coinbase[BS_RPC_ADDRESS_SIZE], txid[BS_RPC_TXID_SIZE];
    json_t *hashes = NULL, *list = NULL, *params, *entry;
    int64_t sats = -1, seen_a = -1, seen_b = -1;
    size_t i;

    (void)state;
    assert_int_equal(bs_rpc_open_wallet(miner, WATCH_WALLET, &watch), BS_OK);
    assert_int_equal(bs_rpc_ensure_wallet(watch, &err), BS_OK);
    assert_int_equal(bs_rpc_getnewaddress(miner, a, sizeof(a), &err), BS_OK);
    assert_int_equal(bs_rpc_getnewaddress(miner, b, sizeof(b), &err), BS_OK);
    assert_int_equal(bs_rpc_getnewaddress(miner, c, sizeof(c), &err), BS_OK);
    assert_int_equal(bs_rpc_getnewaddress(miner, coinbase, sizeof(coinbase), &err), BS_OK);
    assert_true(strncmp(a, "bcrt1", 5) == 0);
    assert_int_equal(bs_rpc_getnewaddress(miner, txid, 10, &err), BS_TOOLARGE);

    /* a by importaddress, b by importdescriptors, both without rescan. */
    assert_int_equal(bs_rpc_importaddress(watch, a, "deposit a", false, &err), BS_OK);
    assert_int_equal(bs_rpc_importaddress(watch, a, "deposit a", false, &err), BS_OK);
    assert_int_equal(bs_rpc_importdescriptors_addr(watch, b, "deposit b", false, &err), BS_OK);
    assert_int_equal(received(watch, a, 0), 0);
    assert_int_equal(received(watch, b, 0), 0);

    /* 0.5 BTC to a: seen at once with 0 confirmations, not with 1. */
    assert_int_equal(bs_rpc_sendtoaddress(miner, a, 50000000, txid, &err), BS_OK);
    assert_true(is_hex64(txid));
    assert_int_equal(received(watch, a, 0), 50000000);
    assert_int_equal(received(watch, a, 1), 0);
    /* 546 sat (printed 0.00000546) to b, and 0.25 BTC to c (not watched). */
    assert_int_equal(bs_rpc_sendtoaddress(miner, b, 546, txid, &err), BS_OK);
    assert_int_equal(received(watch, b, 0), 546);
    assert_int_equal(received(watch, b, 1), 0);
    assert_int_equal(bs_rpc_sendtoaddress(miner, c, 25000000, txid, &err), BS_OK);

    /* One block confirms them. */
    assert_int_equal(bs_rpc_generatetoaddress(miner, 1, coinbase, &hashes, &err), BS_OK);
    assert_true(json_is_array(hashes));
    assert_int_equal(json_array_size(hashes), 1);
    assert_true(is_hex64(json_string_value(json_array_get(hashes, 0))));
    json_decref(hashes);
    assert_int_equal(received(watch, a, 1), 50000000);
    assert_int_equal(received(watch, a, 2), 0);
    assert_int_equal(received(watch, b, 1), 546);
    assert_int_equal(bs_rpc_getbalance(watch, 1, &sats, &err), BS_OK);
    assert_int_equal(sats, 50000546);

    /* A late import with rescan finds the payment already in a block. */
    assert_int_equal(bs_rpc_importdescriptors_addr(watch, c, NULL, true, &err), BS_OK);
    assert_int_equal(received(watch, c, 1), 25000000);

    /* Amounts inside objects are exact too. */
    params = json_pack("[ibb]", 0, 0, 1);
    assert_int_equal(bs_rpc_call(watch, "listreceivedbyaddress", params, &list, &err), BS_OK);
    json_decref(params);
    json_array_foreach(list, i, entry)
    {
        const char *addr = json_string_value(json_object_get(entry, "address"));

        assert_non_null(addr);
        assert_true(json_is_string(json_object_get(entry, "amount"))); /* number text */
        if (strcmp(addr, a) == 0)
            assert_int_equal(bs_rpc_read_amount(json_object_get(entry, "amount"), false, &seen_a),
                             BS_OK);
        if (strcmp(addr, b) == 0)
            assert_int_equal(bs_rpc_read_amount(json_object_get(entry, "amount"), false, &seen_b),
                             BS_OK);
    }
    json_decref(list);
    assert_int_equal(seen_a, 50000000);
    assert_int_equal(seen_b, 546);
    bs_rpc_close(watch);
    bs_rpc_close(miner);
}

static void
test_rpc_generic_call_keeps_number_text(void **state)
{
    bs_rpc *rpc = open_miner();
    bs_rpc_error err;
    json_t *info = NULL, *params, *result = NULL;
    char addr[BS_RPC_ADDRESS_SIZE];
    int64_t sats = -1;

    (void)state;
    assert_int_equal(bs_rpc_call(rpc, "getblockchaininfo", NULL, &info, &err), BS_OK);
    assert_string_equal(json_string_value(json_object_get(info, "chain")), "regtest");
    assert_true(json_is_integer(json_object_get(info, "blocks")));
    /* A real number arrives as its exact text. */
    assert_true(json_is_string(json_object_get(info, "difficulty")));
    assert_non_null(strchr(json_string_value(json_object_get(info, "difficulty")), 'e'));
    json_decref(info);
    /* Named parameters (params as an object). */
    assert_int_equal(bs_rpc_getnewaddress(rpc, addr, sizeof(addr), &err), BS_OK);
    params = json_pack("{sssi}", "address", addr, "minconf", 0);
    assert_int_equal(bs_rpc_call(rpc, "getreceivedbyaddress", params, &result, &err), BS_OK);
    json_decref(params);
    assert_int_equal(bs_rpc_read_amount(result, false, &sats), BS_OK);
    assert_int_equal(sats, 0);
    json_decref(result);
    /* A null result is json_null(). */
    assert_int_equal(bs_rpc_call_text(rpc, "getrawmempool", "[]", &result, &err), BS_OK);
    assert_true(json_is_array(result));
    json_decref(result);
    /* Params that are not an array or object. */
    params = json_integer(1);
    assert_int_equal(bs_rpc_call(rpc, "getblockcount", params, &result, &err), BS_INVALID);
    assert_null(result);
    json_decref(params);
    bs_rpc_close(rpc);
}

static void
test_rpc_descriptor_checksum_matches_node(void **state)
{
    bs_rpc *rpc = open_miner();
    bs_rpc_error err;
    char addr[BS_RPC_ADDRESS_SIZE], desc[BS_RPC_ADDRESS_SIZE + 8], sum[BS_RPC_DESCSUM_SIZE];
    json_t *params, *info = NULL;

    (void)state;
    assert_int_equal(bs_rpc_getnewaddress(rpc, addr, sizeof(addr), &err), BS_OK);
    snprintf(desc, sizeof(desc), "addr(%s)", addr);
    assert_int_equal(bs_rpc_descriptor_checksum(desc, sum), BS_OK);
    params = json_pack("[s]", desc);
    assert_int_equal(bs_rpc_call(rpc, "getdescriptorinfo", params, &info, &err), BS_OK);
    json_decref(params);
    assert_string_equal(json_string_value(json_object_get(info, "checksum")), sum);
    json_decref(info);
    bs_rpc_close(rpc);
}

static void
test_rpc_invalid_address_is_remote_minus5(void **state)
{
    bs_rpc *miner = open_miner(), *watch = NULL;
    bs_rpc_error err;
    char txid[BS_RPC_TXID_SIZE];
    int64_t sats = -1;

    (void)state;
    assert_int_equal(bs_rpc_open_wallet(miner, WATCH_WALLET, &watch), BS_OK);
    assert_int_equal(bs_rpc_ensure_wallet(watch, NULL), BS_OK);
    assert_int_equal(bs_rpc_getreceivedbyaddress(watch, "notanaddress", 0, &sats, &err), BS_REMOTE);
    assert_int_equal(err.code, BS_RPC_ERR_INVALID_ADDRESS);
    assert_int_equal(err.http_status, 500);
    assert_true(strlen(err.message) > 0);
    assert_int_equal(sats, -1);
    /* A mainnet address is invalid on regtest. */
    assert_int_equal(
        bs_rpc_sendtoaddress(miner, "1BgGZ9tcN4rm9KBzDn7KprQz87SZ26SAMH", 1000, txid, &err),
        BS_REMOTE);
    assert_int_equal(err.code, BS_RPC_ERR_INVALID_ADDRESS);
    assert_int_equal(bs_rpc_generatetoaddress(miner, 1, "notanaddress", NULL, &err), BS_REMOTE);
    assert_int_equal(err.code, BS_RPC_ERR_INVALID_ADDRESS);
    /* An address nobody imported: -4. */
    assert_int_equal(bs_rpc_getreceivedbyaddress(
                         watch, "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080", 0, &sats, &err),
                     BS_REMOTE);
    assert_int_equal(err.code, BS_RPC_ERR_WALLET);
    /* Refused before anything is sent. */
    assert_int_equal(bs_rpc_importdescriptors_addr(watch, "bad)addr", NULL, false, &err),
                     BS_INVALID);
    assert_int_equal(bs_rpc_sendtoaddress(miner, "x", 0, txid, &err), BS_INVALID);
    assert_int_equal(bs_rpc_sendtoaddress(miner, "x", BS_MAX_MONEY + 1, txid, &err), BS_INVALID);
    assert_int_equal(bs_rpc_getreceivedbyaddress(watch, "x", -1, &sats, &err), BS_INVALID);
    bs_rpc_close(watch);
    bs_rpc_close(miner);
}

static void
test_rpc_unknown_wallet_is_remote_minus18(void **state)
{
    bs_rpc *miner = open_miner(), *ghost = NULL;
    bs_rpc_error err;
    int64_t sats = -1;

    (void)state;
    assert_int_equal(bs_rpc_open_wallet(miner, "no-such-wallet", &ghost), BS_OK);
    assert_string_equal(bs_rpc_wallet(ghost), "no-such-wallet");
    assert_int_equal(bs_rpc_getbalance(ghost, 0, &sats, &err), BS_REMOTE);
    assert_int_equal(err.code, BS_RPC_ERR_WALLET_NOT_FOUND);
    assert_int_equal(err.http_status, 500);
    assert_int_equal(bs_rpc_loadwallet(miner, "no-such-wallet", &err), BS_REMOTE);
    assert_int_equal(err.code, BS_RPC_ERR_WALLET_NOT_FOUND);
    bs_rpc_close(ghost);
    bs_rpc_close(miner);
}

static void
test_rpc_method_not_found_is_remote(void **state)
{
    bs_rpc *rpc = open_miner();
    bs_rpc_error err;
    json_t *result = NULL;

    (void)state;
    assert_int_equal(bs_rpc_call(rpc, "nosuchmethod", NULL, &result, &err), BS_REMOTE);
    assert_null(result);
    assert_int_equal(err.code, BS_RPC_ERR_METHOD_NOT_FOUND);
    assert_int_equal(err.http_status, 404);
    bs_rpc_close(rpc);
}

static void
test_rpc_closed_port_is_unavailable(void **state)
{
    char url[256];
    bs_rpc *rpc;
    bs_rpc_error err;
    int64_t height = -1, t0;
    int port, fd = bind_free_port(false, &port);

    (void)state;
    assert_true(fd >= 0);
    close(fd); /* now nothing listens there */
    snprintf(url, sizeof(url), "http://u:p@127.0.0.1:%d/", port);
    rpc = open_url(url, NULL);
    t0 = now_ms();
    assert_int_equal(bs_rpc_getblockcount(rpc, &height, &err), BS_UNAVAILABLE);
    assert_true(now_ms() - t0 < 2000);
    assert_int_equal(err.http_status, 0);
    assert_true(strlen(err.message) > 0);
    bs_rpc_close(rpc);
}

static void
test_rpc_unresolvable_host_is_unavailable(void **state)
{
    bs_rpc *rpc = open_url("http://u:p@bitslot-test.invalid:18600/", NULL);
    int64_t height = -1;

    (void)state;
    assert_int_equal(bs_rpc_getblockcount(rpc, &height, NULL), BS_UNAVAILABLE);
    bs_rpc_close(rpc);
}

static void
test_rpc_silent_node_is_timeout(void **state)
{
    bs_rpc_options opts = {.connect_timeout_ms = 500, .timeout_ms = 800};
    char url[256];
    bs_rpc *rpc;
    bs_rpc_error err;
    int64_t height = -1, t0, took;
    int port, fd = bind_free_port(true, &port); /* listens, never accepts */

    (void)state;
    assert_true(fd >= 0);
    snprintf(url, sizeof(url), "http://u:p@127.0.0.1:%d/", port);
    rpc = open_url(url, &opts);
    t0 = now_ms();
    assert_int_equal(bs_rpc_getblockcount(rpc, &height, &err), BS_TIMEOUT);
    took = now_ms() - t0;
    print_message("timeout after %lld ms (limit 800)\n", (long long)took);
    assert_true(took >= 700 && took < 2000);
    bs_rpc_close(rpc);
    close(fd);
}

/* ---- canned answers from a socket of this file ---- */

typedef struct fake {
    int fd;               /* listening */
    int status;           /* HTTP status to answer */
    const char *template; /* body; "@ID@" is replaced by the request's id */
    char request[8192];   /* what arrived: headers and body */
} fake;

static void
fake_replace_id(const char *template, const char *id, char *out, size_t size)
{
    const char *mark = strstr(template, "@ID@");

    if (mark == NULL)
        snprintf(out, size, "%s", template);
    else
        snprintf(out, size, "%.*s%s%s", (int)(mark - template), template, id, mark + 4);
}

/* Read one HTTP request (headers and Content-Length body) from conn into
 * buf; false on EOF or error before it is complete, or after wait_ms
 * without data. */
static bool
fake_read_request(int conn, char *buf, size_t cap, int wait_ms)
{
    const char *end, *cl;
    size_t used = 0, want;

    buf[0] = '\0';
    for (;;) {
        struct pollfd pfd = {.fd = conn, .events = POLLIN};
        ssize_t n;

        if (poll(&pfd, 1, wait_ms) <= 0)
            return false;
        n = read(conn, buf + used, cap - 1 - used);
        if (n <= 0)
            return false;
        used += (size_t)n;
        buf[used] = '\0';
        end = strstr(buf, "\r\n\r\n");
        if (end == NULL)
            continue;
        cl = strstr(buf, "Content-Length: ");
        want = (size_t)(end + 4 - buf) + (cl ? strtoul(cl + 16, NULL, 10) : 0);
        if (used >= want)
            return true;
    }
}

/* Answer request (as read by fake_read_request) on conn with status and
 * template, the request's id put in for "@ID@"; with close_header, the
 * answer says "Connection: close". */
static void
fake_answer(int conn, const char *request, int status, const char *template, bool close_header)
{
    char id[32] = "0", body[4096], head[256];
    const char *idp = strstr(request, "\"id\":");
    size_t k;

    if (idp != NULL) {
        for (k = 0; k < sizeof(id) - 1 && idp[5 + k] >= '0' && idp[5 + k] <= '9'; k++)
            id[k] = idp[5 + k];
        id[k] = '\0';
    }
    fake_replace_id(template, id, body, sizeof(body));
    snprintf(head, sizeof(head),
             "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n%s\r\n",
             status, strlen(body), close_header ? "Connection: close\r\n" : "");
    if (write(conn, head, strlen(head)) < 0 || write(conn, body, strlen(body)) < 0)
        return; /* the client will see it */
}

/* Serve one request on f->fd, then close the connection. */
static void *
fake_serve(void *arg)
{
    fake *f = arg;
    int conn = accept(f->fd, NULL, NULL);

    if (conn < 0)
        return NULL;
    if (fake_read_request(conn, f->request, sizeof(f->request), 5000))
        fake_answer(conn, f->request, f->status, f->template, true);
    close(conn);
    return NULL;
}

/* Accept a connection within wait_ms, or -1. */
static int
fake_accept(int fd, int wait_ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};

    if (poll(&pfd, 1, wait_ms) <= 0)
        return -1;
    return accept(fd, NULL, NULL);
}

/* The connection script of test_rpc_connections: what happened where. */
typedef struct fake_script {
    int fd;
    bool second_on_same;  /* request 2 came on connection 1 (kept alive) */
    bool third_on_new;    /* request 3 (after the fake closed 1) on a new one */
    bool send_on_new;     /* sendtoaddress came on a new connection */
    bool send_not_on_old; /* ... and nothing came on the kept-alive one */
    char request[8192];
} fake_script;

static void *
fake_script_run(void *arg)
{
    fake_script *sc = arg;
    int c1 = -1, c2 = -1, c3 = -1;

    /* 1, 2: two calls on one kept-alive connection; then the fake closes
     * it without a word, as idle servers do. */
    c1 = fake_accept(sc->fd, 5000);
    if (c1 < 0 || !fake_read_request(c1, sc->request, sizeof(sc->request), 5000))
        goto done;
    fake_answer(c1, sc->request, 200, "{\"result\":1,\"error\":null,\"id\":@ID@}", false);
    if (!fake_read_request(c1, sc->request, sizeof(sc->request), 5000))
        goto done;
    sc->second_on_same = true;
    fake_answer(c1, sc->request, 200, "{\"result\":2,\"error\":null,\"id\":@ID@}", false);
    close(c1);
    c1 = -1;
    /* 3: the client notices and connects again; that one stays open. */
    c2 = fake_accept(sc->fd, 5000);
    if (c2 < 0 || !fake_read_request(c2, sc->request, sizeof(sc->request), 5000))
        goto done;
    sc->third_on_new = true;
    fake_answer(c2, sc->request, 200, "{\"result\":3,\"error\":null,\"id\":@ID@}", false);
    /* 4: sendtoaddress must come on a new connection, not on c2. */
    c3 = fake_accept(sc->fd, 5000);
    if (c3 < 0 || !fake_read_request(c3, sc->request, sizeof(sc->request), 5000))
        goto done;
    sc->send_on_new = strstr(sc->request, "\"sendtoaddress\"") != NULL;
    {
        struct pollfd pfd = {.fd = c2, .events = POLLIN};

        sc->send_not_on_old = poll(&pfd, 1, 0) == 0;
    }
    fake_answer(c3, sc->request, 200,
                "{\"result\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
                "\"error\":null,\"id\":@ID@}",
                false);

done:
    if (c1 >= 0)
        close(c1);
    if (c2 >= 0)
        close(c2);
    if (c3 >= 0)
        close(c3);
    return NULL;
}

/* Point a new client (URL path `path`) at the fake and let it answer one
 * request with status and body template. Finish with fake_end(). */
static bs_rpc *
fake_begin(fake *f, int status, const char *template, const char *path, pthread_t *thread)
{
    char url[256];
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    bs_rpc *rpc;

    f->status = status;
    f->template = template;
    f->request[0] = '\0';
    assert_int_equal(getsockname(f->fd, (struct sockaddr *)&sa, &len), 0);
    snprintf(url, sizeof(url), "http://u%%3Ax:p%%40@127.0.0.1:%d%s", ntohs(sa.sin_port), path);
    rpc = open_url(url, NULL);
    assert_int_equal(pthread_create(thread, NULL, fake_serve, f), 0);
    return rpc;
}

static void
fake_end(bs_rpc *rpc, pthread_t thread)
{
    pthread_join(thread, NULL);
    bs_rpc_close(rpc);
}

/* Call method with params_text against the fake; the request it saw stays
 * in f->request. */
static bs_status
fake_call(fake *f, int status, const char *template, const char *method, const char *params_text,
          json_t **result, bs_rpc_error *err)
{
    pthread_t thread;
    bs_rpc *rpc = fake_begin(f, status, template, "/", &thread);
    bs_status st = bs_rpc_call_text(rpc, method, params_text, result, err);

    fake_end(rpc, thread);
    return st;
}

static fake *
fake_open(void)
{
    fake *f = calloc(1, sizeof(*f));
    int port;

    assert_non_null(f);
    f->fd = bind_free_port(true, &port);
    assert_true(f->fd >= 0);
    return f;
}

static void
fake_close(fake *f)
{
    close(f->fd);
    free(f);
}

static void
test_rpc_exponent_numbers_exact(void **state)
{
    fake *f = fake_open();
    json_t *r = NULL;
    bs_rpc_error err;
    int64_t sats = 0;

    (void)state;
    assert_int_equal(
        fake_call(f, 200,
                  "{\"result\":{\"a\":1e-8,\"b\":9.9e-7,\"c\":5.46e-6,\"d\":0.5,\"e\":50,"
                  "\"f\":[1234.56789012, 21000000 ,1E-8],\"g\":\"x\\\"1.5\\\\\",\"h\":-0.1,"
                  "\"i\":123456789012345678901234,\"j\":1e-9,\"k\":true},"
                  "\"error\":null,\"id\":@ID@}",
                  "getstuff", "[]", &r, &err),
        BS_OK);
    /* What went out: a JSON-RPC 1.0 POST with basic auth and a JSON type. */
    assert_non_null(strstr(f->request, "POST / HTTP/1.1\r\n"));
    assert_non_null(strstr(f->request, "Content-Type: application/json\r\n"));
    assert_non_null(strstr(f->request, "Authorization: Basic dTp4OnBA\r\n")); /* u:x:p@ */
    assert_non_null(strstr(f->request, "\"jsonrpc\":\"1.0\""));
    assert_non_null(strstr(f->request, "\"method\":\"getstuff\",\"params\":[]"));
    assert_int_equal(bs_rpc_read_amount(json_object_get(r, "a"), false, &sats), BS_OK);
    assert_int_equal(sats, 1);
    assert_int_equal(bs_rpc_read_amount(json_object_get(r, "b"), false, &sats), BS_OK);
    assert_int_equal(sats, 99);
    assert_int_equal(bs_rpc_read_amount(json_object_get(r, "c"), false, &sats), BS_OK);
    assert_int_equal(sats, 546);
    assert_int_equal(bs_rpc_read_amount(json_object_get(r, "d"), false, &sats), BS_OK);
    assert_int_equal(sats, 50000000);
    assert_true(json_is_integer(json_object_get(r, "e")));
    assert_int_equal(bs_rpc_read_amount(json_object_get(r, "e"), false, &sats), BS_OK);
    assert_int_equal(sats, 5000000000);
    assert_int_equal(bs_rpc_read_amount(json_array_get(json_object_get(r, "f"), 0), false, &sats),
                     BS_OK);
    assert_int_equal(sats, 123456789012);
    assert_int_equal(bs_rpc_read_amount(json_array_get(json_object_get(r, "f"), 1), false, &sats),
                     BS_OK);
    assert_int_equal(sats, 2100000000000000);
    assert_int_equal(bs_rpc_read_amount(json_array_get(json_object_get(r, "f"), 2), false, &sats),
                     BS_OK);
    assert_int_equal(sats, 1);
    /* Strings are left alone, escapes included. */
    assert_string_equal(json_string_value(json_object_get(r, "g")), "x\"1.5\\");
    assert_int_equal(bs_rpc_read_amount(json_object_get(r, "h"), false, &sats), BS_INVALID);
    assert_int_equal(bs_rpc_read_amount(json_object_get(r, "h"), true, &sats), BS_OK);
    assert_int_equal(sats, -10000000);
    assert_string_equal(json_string_value(json_object_get(r, "i")), "123456789012345678901234");
    assert_int_equal(bs_rpc_read_amount(json_object_get(r, "j"), false, &sats), BS_INVALID);
    assert_int_equal(bs_rpc_read_amount(json_object_get(r, "k"), false, &sats), BS_INVALID);
    assert_int_equal(bs_rpc_read_amount(NULL, false, &sats), BS_INVALID);
    json_decref(r);
    fake_close(f);
}

static void
test_rpc_sends_amount_as_exact_number(void **state)
{
    fake *f = fake_open();
    char txid[BS_RPC_TXID_SIZE];
    pthread_t thread;
    bs_rpc_error err;
    bs_rpc *rpc;

    (void)state;
    rpc = fake_begin(
        f, 200,
        "{\"result\":\"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\","
        "\"error\":null,\"id\":@ID@}",
        "/wallet/w%2Dx", &thread);
    assert_int_equal(bs_rpc_sendtoaddress(rpc, "bcrt1qxyz", 546, txid, &err), BS_OK);
    fake_end(rpc, thread);
    assert_string_equal(txid, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
    assert_non_null(strstr(f->request, "POST /wallet/w%2Dx HTTP/1.1\r\n"));
    assert_non_null(strstr(f->request, "\"params\":[\"bcrt1qxyz\",0.00000546]"));
    fake_close(f);
}

static void
test_rpc_connections(void **state)
{
    fake_script sc;
    pthread_t thread;
    char url[256], txid[BS_RPC_TXID_SIZE];
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    bs_rpc *rpc;
    int64_t v = 0;
    int port;

    (void)state;
    memset(&sc, 0, sizeof(sc));
    sc.fd = bind_free_port(true, &port);
    assert_true(sc.fd >= 0);
    assert_int_equal(getsockname(sc.fd, (struct sockaddr *)&sa, &len), 0);
    snprintf(url, sizeof(url), "http://u:p@127.0.0.1:%d/", ntohs(sa.sin_port));
    rpc = open_url(url, NULL);
    assert_int_equal(pthread_create(&thread, NULL, fake_script_run, &sc), 0);
    assert_int_equal(bs_rpc_getblockcount(rpc, &v, NULL), BS_OK);
    assert_int_equal(v, 1);
    assert_int_equal(bs_rpc_getblockcount(rpc, &v, NULL), BS_OK);
    assert_int_equal(v, 2);
    usleep(100 * 1000); /* let the close arrive */
    assert_int_equal(bs_rpc_getblockcount(rpc, &v, NULL), BS_OK);
    assert_int_equal(v, 3);
    assert_int_equal(bs_rpc_sendtoaddress(rpc, "a", 1, txid, NULL), BS_OK);
    pthread_join(thread, NULL);
    assert_true(sc.second_on_same);
    assert_true(sc.third_on_new);
    assert_true(sc.send_on_new);
    assert_true(sc.send_not_on_old);
    bs_rpc_close(rpc);
    close(sc.fd);
}

static void
test_rpc_malformed_answers_are_corrupt(void **state)
{
    static const struct {
        int status;
        const char *body;
        bs_status want;
    } cases[] = {
        {200, "not json", BS_CORRUPT},
        {200, "", BS_CORRUPT},
        {200, "[]", BS_CORRUPT},
        {200, "{\"result\":1.,\"error\":null,\"id\":@ID@}", BS_CORRUPT},
        {200, "{\"result\":.5,\"error\":null,\"id\":@ID@}", BS_CORRUPT},
        {200, "{\"result\":01,\"error\":null,\"id\":@ID@}", BS_CORRUPT},
        {200, "{\"result\":-,\"error\":null,\"id\":@ID@}", BS_CORRUPT},
        {200, "{\"result\":NaN,\"error\":null,\"id\":@ID@}", BS_CORRUPT},
        {200, "{\"result\":1,\"error\":null,\"id\":424242}", BS_CORRUPT},
        {200, "{\"result\":1,\"error\":null}", BS_CORRUPT},
        {200, "{\"error\":null,\"id\":@ID@}", BS_CORRUPT},
        {200, "{\"result\":null,\"error\":\"boom\",\"id\":@ID@}", BS_CORRUPT},
        {500, "{\"error\":{\"message\":\"Unexpected end of JSON input\"}}", BS_CORRUPT},
        {500, "{\"result\":1,\"error\":null,\"id\":@ID@}", BS_CORRUPT},
        {404, "", BS_CORRUPT},
        {503, "Service Unavailable", BS_UNAVAILABLE},
        {502, "", BS_UNAVAILABLE},
        {403, "{\"result\":null,\"error\":null,\"id\":@ID@}", BS_AUTH},
        {200, "{\"result\":null,\"error\":{\"code\":-28,\"message\":\"Loading\"},\"id\":@ID@}",
         BS_REMOTE},
    };
    fake *f = fake_open();
    json_t *r = NULL;
    bs_rpc_error err;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        print_message("case %zu: %d %s\n", i, cases[i].status, cases[i].body);
        assert_int_equal(fake_call(f, cases[i].status, cases[i].body, "x", "[]", &r, &err),
                         cases[i].want);
        assert_null(r);
    }
    assert_int_equal(err.code, BS_RPC_ERR_IN_WARMUP);
    assert_string_equal(err.message, "Loading");
    fake_close(f);
}

#define FAKE_RESULT(r) "{\"result\":" r ",\"error\":null,\"id\":@ID@}"

static void
test_rpc_typed_results_checked(void **state)
{
    fake *f = fake_open();
    pthread_t thread;
    bs_rpc_error err;
    bs_rpc *rpc;
    int64_t v = -7;
    char text[BS_RPC_ADDRESS_SIZE];
    json_t *list = NULL;

    (void)state;
    rpc = fake_begin(f, 200, FAKE_RESULT("\"abc\""), "/wallet/w", &thread);
    assert_int_equal(bs_rpc_getreceivedbyaddress(rpc, "a", 0, &v, &err), BS_CORRUPT);
    fake_end(rpc, thread);
    rpc = fake_begin(f, 200, FAKE_RESULT("1e-9"), "/wallet/w", &thread);
    assert_int_equal(bs_rpc_getbalance(rpc, 0, &v, &err), BS_CORRUPT);
    fake_end(rpc, thread);
    rpc = fake_begin(f, 200, FAKE_RESULT("-0.5"), "/wallet/w", &thread);
    assert_int_equal(bs_rpc_getbalance(rpc, 0, &v, &err), BS_CORRUPT);
    fake_end(rpc, thread);
    assert_int_equal(v, -7);
    rpc = fake_begin(f, 200, FAKE_RESULT("5.46e-6"), "/wallet/w", &thread);
    assert_int_equal(bs_rpc_getbalance(rpc, 0, &v, &err), BS_OK);
    fake_end(rpc, thread);
    assert_int_equal(v, 546);
    assert_non_null(strstr(f->request, "\"method\":\"getbalance\",\"params\":[\"*\",0]"));
    rpc = fake_begin(f, 200, FAKE_RESULT("-1"), "/", &thread);
    assert_int_equal(bs_rpc_getblockcount(rpc, &v, &err), BS_CORRUPT);
    fake_end(rpc, thread);
    rpc = fake_begin(f, 200, FAKE_RESULT("5"), "/wallet/w", &thread);
    assert_int_equal(bs_rpc_getnewaddress(rpc, text, sizeof(text), &err), BS_CORRUPT);
    fake_end(rpc, thread);
    rpc = fake_begin(f, 200, FAKE_RESULT("\"xyz\""), "/wallet/w", &thread);
    assert_int_equal(bs_rpc_sendtoaddress(rpc, "a", 1000, text, &err), BS_CORRUPT);
    fake_end(rpc, thread);
    assert_non_null(strstr(f->request, "\"params\":[\"a\",0.00001000]"));
    rpc = fake_begin(f, 200, FAKE_RESULT("[1]"), "/", &thread);
    assert_int_equal(bs_rpc_listwallets(rpc, &list, &err), BS_CORRUPT);
    assert_null(list);
    fake_end(rpc, thread);
    rpc = fake_begin(f, 200, FAKE_RESULT("{}"), "/", &thread);
    assert_int_equal(bs_rpc_generatetoaddress(rpc, 1, "a", NULL, &err), BS_CORRUPT);
    fake_end(rpc, thread);
    /* importdescriptors: a per-request failure is the node's error. */
    rpc = fake_begin(
        f, 200, FAKE_RESULT("[{\"success\":false,\"error\":{\"code\":-5,\"message\":\"bad\"}}]"),
        "/wallet/w", &thread);
    assert_int_equal(bs_rpc_importdescriptors_addr(rpc, "abc", "l", true, &err), BS_REMOTE);
    fake_end(rpc, thread);
    assert_int_equal(err.code, -5);
    assert_string_equal(err.message, "bad");
    assert_non_null(strstr(f->request, "\"desc\":\"addr(abc)#"));
    assert_non_null(strstr(f->request, "\"timestamp\":0"));
    assert_non_null(strstr(f->request, "\"label\":\"l\""));
    rpc = fake_begin(f, 200, FAKE_RESULT("[{\"success\":true}]"), "/wallet/w", &thread);
    assert_int_equal(bs_rpc_importdescriptors_addr(rpc, "abc", NULL, false, &err), BS_OK);
    fake_end(rpc, thread);
    assert_non_null(strstr(f->request, "\"timestamp\":\"now\""));
    rpc = fake_begin(f, 200, FAKE_RESULT("[]"), "/wallet/w", &thread);
    assert_int_equal(bs_rpc_importdescriptors_addr(rpc, "abc", NULL, false, &err), BS_CORRUPT);
    fake_end(rpc, thread);
    fake_close(f);
}

/* ---- no node needed ---- */

static void
test_rpc_open_checks_urls(void **state)
{
    static const char *const bad[] = {
        "", "not a url", "ftp://u:p@127.0.0.1:1/", "http://127.0.0.1:1/foo",
        "http://127.0.0.1:1/wallet/", "http://127.0.0.1:1/wallet/a/b", "http://127.0.0.1:1/wallet",
        "http://127.0.0.1:1/?x=1", "http://127.0.0.1:1/#frag", "http://127.0.0.1:1/wallet/a%00b",
        /* The wallet name's rule, on the decoded name (outside test: these
         * were taken, and the node made wallets ".." and q"w). */
        "http://127.0.0.1:1/wallet/%2e%2e", "http://127.0.0.1:1/wallet/q%22w",
        "http://127.0.0.1:1/wallet/q\"w", "http://127.0.0.1:1/wallet/q\\w",
        "http://127.0.0.1:1/wallet/a%20b", "http://127.0.0.1:1/wallet/a%2Fb",
        "http://127.0.0.1:1/wallet/.w", "http://127.0.0.1:1/wallet/-w",
        "http://127.0.0.1:1/wallet/"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
    };
    static const char *const bad_names[] = {
        "",
        "..",
        ".w",
        "-w",
        "a b/c%",
        "q\"w",
        "q\\w",
        "caf\xc3\xa9",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
    };
    static const char longest[] =
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    bs_rpc_options negative = {.timeout_ms = -1};
    bs_rpc *rpc = (bs_rpc *)1, *other = NULL;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("url: %s\n", bad[i]);
        assert_int_equal(bs_rpc_open(bad[i], NULL, &rpc), BS_INVALID);
        assert_null(rpc);
    }
    assert_int_equal(bs_rpc_open(NULL, NULL, &rpc), BS_INVALID);
    assert_int_equal(bs_rpc_open("http://h:1/", &negative, &rpc), BS_INVALID);
    assert_int_equal(bs_rpc_open("http://h:1", NULL, &rpc), BS_OK);
    assert_null(bs_rpc_wallet(rpc));
    for (i = 0; i < sizeof(bad_names) / sizeof(bad_names[0]); i++) {
        print_message("wallet: %s\n", bad_names[i]);
        assert_int_equal(bs_rpc_open_wallet(rpc, bad_names[i], &other), BS_INVALID);
        assert_null(other);
    }
    assert_int_equal(bs_rpc_open_wallet(rpc, NULL, &other), BS_INVALID);
    assert_int_equal(strlen(longest), 64);
    assert_int_equal(bs_rpc_open_wallet(rpc, longest, &other), BS_OK);
    assert_string_equal(bs_rpc_wallet(other), longest);
    bs_rpc_close(other);
    assert_int_equal(bs_rpc_open_wallet(rpc, "Shop_2.main-1", &other), BS_OK);
    assert_string_equal(bs_rpc_wallet(other), "Shop_2.main-1");
    assert_int_equal(bs_rpc_ensure_wallet(rpc, NULL), BS_INVALID); /* no wallet named */
    bs_rpc_close(other);
    bs_rpc_close(rpc);
    assert_int_equal(bs_rpc_open("HTTPS://u:p@[::1]:8332/wallet/a%2Db.c", NULL, &rpc), BS_OK);
    assert_string_equal(bs_rpc_wallet(rpc), "a-b.c");
    bs_rpc_close(rpc);
    bs_rpc_close(NULL);
}

static void
test_rpc_descriptor_checksum_vectors(void **state)
{
    /* BIP 380's example, and descriptors as Bitcoin Core printed them. */
    static const char *const vectors[][2] = {
        {"raw(deadbeef)", "89f8spxm"},
        {"wpkh([d34db33f/84h/0h/0h]0279be667ef9dcbbac55a06295Ce870b07029Bfcdb2dce28d959f2815b16f8"
         "1798)",
         "qwlqgth7"},
        {"addr(bcrt1qmwef6jf68fcgsnxwgxecmnjjse6ccqt0vmfe6m)", "cxppp4j9"},
        {"addr(bcrt1qd28npep0s8frcm3y7dxqajkcy2m40eysrkawj9)", "mcfu834t"},
        {"addr(bcrt1qnh264a38uxuh9kmlx2gdmsn5ku4cdvrv4hr559)", "x8caxavd"},
        {"addr(2NEgeCdxfyXSUB8D2TDez9WTC5YV3LJxE9i)", "957866pd"},
        {"addr(bcrt1q9mc2hc2f6x2lsxh7xnuu3fdjj628hvjatzgxcr)", "vgfdsvvs"},
        {"addr(bcrt1pfeesnyr2tx)", "swxgse0y"},
    };
    char sum[BS_RPC_DESCSUM_SIZE];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        assert_int_equal(bs_rpc_descriptor_checksum(vectors[i][0], sum), BS_OK);
        assert_string_equal(sum, vectors[i][1]);
    }
    assert_int_equal(bs_rpc_descriptor_checksum("addr(\xc3\xa9)", sum), BS_INVALID);
    assert_string_equal(sum, "");
    assert_int_equal(bs_rpc_descriptor_checksum("raw(dead\nbeef)", sum), BS_INVALID);
    assert_int_equal(bs_rpc_descriptor_checksum(NULL, sum), BS_INVALID);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpc_getblockcount),
        cmocka_unit_test(test_rpc_credentials_separately),
        cmocka_unit_test(test_rpc_keeps_connection_across_calls),
        cmocka_unit_test(test_rpc_bad_password_is_auth),
        cmocka_unit_test(test_rpc_ensure_wallet_idempotent),
        cmocka_unit_test(test_rpc_receive_exact),
        cmocka_unit_test(test_rpc_generic_call_keeps_number_text),
        cmocka_unit_test(test_rpc_descriptor_checksum_matches_node),
        cmocka_unit_test(test_rpc_invalid_address_is_remote_minus5),
        cmocka_unit_test(test_rpc_unknown_wallet_is_remote_minus18),
        cmocka_unit_test(test_rpc_method_not_found_is_remote),
        cmocka_unit_test(test_rpc_closed_port_is_unavailable),
        cmocka_unit_test(test_rpc_unresolvable_host_is_unavailable),
        cmocka_unit_test(test_rpc_silent_node_is_timeout),
        cmocka_unit_test(test_rpc_exponent_numbers_exact),
        cmocka_unit_test(test_rpc_sends_amount_as_exact_number),
        cmocka_unit_test(test_rpc_connections),
        cmocka_unit_test(test_rpc_malformed_answers_are_corrupt),
        cmocka_unit_test(test_rpc_typed_results_checked),
        cmocka_unit_test(test_rpc_open_checks_urls),
        cmocka_unit_test(test_rpc_descriptor_checksum_vectors),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
