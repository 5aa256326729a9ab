/*
 * regtest.c — see regtest.h.
 */
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include "regtest.h"

#define READY_WAIT_MS 150000
#define START_TRIES   10
#define STOP_WAIT_MS  5000
#define MINER_SUFFIX  "/wallet/miner"

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A port of 127.0.0.1 that is free now (the kernel's choice), or -1. */
static int
free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

/* Send SIGTERM to the group of pid and reap pid, SIGKILL after a while. */
static void
end_group(pid_t pid)
{
    int64_t deadline = now_ms() + STOP_WAIT_MS;
    int status;

    kill(-pid, SIGTERM);
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now_ms() > deadline) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return;
        }
        usleep(10 * 1000);
    }
}

static void
child_exec(const char *script, int port, int out, const char *user, const char *password)
{
    char port_text[16];

    setpgid(0, 0);
#ifdef __linux__
    /* Ends the node if the test process dies without its teardown. */
    prctl(PR_SET_PDEATHSIG, SIGTERM);
#endif
    dup2(out, STDOUT_FILENO);
    if (user != NULL)
        setenv("REGTEST_RPC_USER", user, 1);
    if (password != NULL)
        setenv("REGTEST_RPC_PASSWORD", password, 1);
    snprintf(port_text, sizeof(port_text), "%d", port);
    execl(script, script, port_text, (char *)NULL);
    _exit(127);
}

/* Read the first line of fd (without its newline) into line, waiting until
 * the deadline. False when no whole line came. */
static bool
read_line(int fd, char *line, size_t size, int64_t deadline)
{
    size_t used = 0;
    char *nl;

    line[0] = '\0';
    while (used < size - 1 && (nl = memchr(line, '\n', used)) == NULL) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int64_t left = deadline - now_ms();
        ssize_t n;

        if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
            return false;
        n = read(fd, line + used, size - 1 - used);
        if (n <= 0)
            return false;
        used += (size_t)n;
        line[used] = '\0';
    }
    nl = memchr(line, '\n', used);
    if (nl == NULL)
        return false;
    *nl = '\0';
    return true;
}

/* Start the node once on `port`; true when it printed READY. */
static bool
start_on(bs_regtest *node, const char *script, int port, const char *user, const char *password)
{
    char line[BS_REGTEST_URL_SIZE + 16];
    int fds[2];
    pid_t pid;
    bool ready;

    if (pipe(fds) != 0)
        return false;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC); /* dup2() in the child clears it */
    pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return false;
    }
    if (pid == 0)
        child_exec(script, port, fds[1], user, password);
    setpgid(pid, pid); /* also here: no race with the kill below */
    close(fds[1]);
    ready = read_line(fds[0], line, sizeof(line), now_ms() + READY_WAIT_MS) &&
            strncmp(line, "READY ", 6) == 0 && strlen(line + 6) < sizeof(node->miner_url);
    close(fds[0]);
    if (!ready) {
        end_group(pid);
        return false;
    }
    snprintf(node->miner_url, sizeof(node->miner_url), "%s", line + 6);
    node->pid = pid;
    node->port = port;
    return true;
}

/* The script that starts the node into script[size]; false when it is not
 * there (said on stderr). */
static bool
node_script(char *script, size_t size)
{
    const char *root = getenv("BITSLOT_SOURCE_ROOT");

    if (root == NULL) {
        fprintf(stderr, "regtest: BITSLOT_SOURCE_ROOT is not set\n");
        return false;
    }
    snprintf(script, size, "%s/tools/regtest-node", root);
    if (access(script, X_OK) != 0) {
        fprintf(stderr, "regtest: %s is not an executable\n", script);
        return false;
    }
    return true;
}

/* Open the miner wallet of a node that printed READY. */
static bs_status
open_miner(bs_regtest *node)
{
    bs_rpc_error err;
    bs_status st = bs_rpc_open(node->miner_url, NULL, &node->miner);

    if (st == BS_OK)
        st = bs_rpc_getnewaddress(node->miner, node->coinbase, sizeof(node->coinbase), &err);
    if (st != BS_OK) {
        fprintf(stderr, "regtest: the miner wallet does not answer: %s\n", bs_strerror(st));
        bs_regtest_stop(node);
    }
    return st;
}

bs_status
bs_regtest_restart(bs_regtest *node)
{
    char script[4096];
    int64_t deadline = now_ms() + READY_WAIT_MS;

    bs_regtest_stop(node);
    if (!node_script(script, sizeof(script)))
        return BS_NOTFOUND;
    /* The port may be busy for a moment after the old node closed it. */
    while (!start_on(node, script, node->port, node->user[0] ? node->user : NULL,
                     node->password[0] ? node->password : NULL)) {
        if (now_ms() > deadline) {
            fprintf(stderr, "regtest: %s did not get ready again\n", script);
            return BS_UNAVAILABLE;
        }
        usleep(200 * 1000);
    }
    return open_miner(node);
}

bs_status
bs_regtest_start(bs_regtest *node, const char *user, const char *password)
{
    char script[4096];

    memset(node, 0, sizeof(*node));
    node->pid = -1;
    snprintf(node->user, sizeof(node->user), "%s", user != NULL ? user : "");
    snprintf(node->password, sizeof(node->password), "%s", password != NULL ? password : "");
    if (!node_script(script, sizeof(script)))
        return BS_NOTFOUND;
    for (int i = 0; i < START_TRIES && node->pid < 0; i++) {
        int port = free_port();
        if (port > 0)
            start_on(node, script, port, user, password);
    }
    if (node->pid < 0) {
        fprintf(stderr, "regtest: %s did not get ready\n", script);
        return BS_UNAVAILABLE;
    }
    return open_miner(node);
}

void
bs_regtest_stop(bs_regtest *node)
{
    bs_rpc_close(node->miner);
    node->miner = NULL;
    if (node->pid > 0)
        end_group(node->pid);
    node->pid = -1;
}

void
bs_regtest_wallet_url(const bs_regtest *node, const char *wallet, char *out, size_t size)
{
    size_t base = strlen(node->miner_url), used;

    if (base >= strlen(MINER_SUFFIX) &&
        strcmp(node->miner_url + base - strlen(MINER_SUFFIX), MINER_SUFFIX) == 0)
        base -= strlen(MINER_SUFFIX);
    used = (size_t)snprintf(out, size, "%.*s/wallet/", (int)base, node->miner_url);
    for (const unsigned char *c = (const unsigned char *)wallet; *c != '\0' && used < size; c++) {
        bool plain = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                     (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.';
        used += (size_t)snprintf(out + used, size - used, plain ? "%c" : "%%%02X", *c);
    }
}

static bs_status
report(const char *what, bs_status st, const bs_rpc_error *err)
{
    if (st != BS_OK)
        fprintf(stderr, "regtest: %s: %s (%d %s)\n", what, bs_strerror(st), err->code,
                err->message);
    return st;
}

bs_status
bs_regtest_new_address(bs_regtest *node, char out[BS_RPC_ADDRESS_SIZE])
{
    bs_rpc_error err;

    return report("getnewaddress",
                  bs_rpc_getnewaddress(node->miner, out, BS_RPC_ADDRESS_SIZE, &err), &err);
}

bs_status
bs_regtest_send(bs_regtest *node, const char *address, int64_t sats, char txid[BS_RPC_TXID_SIZE])
{
    char ignored[BS_RPC_TXID_SIZE];
    bs_rpc_error err;

    return report("sendtoaddress",
                  bs_rpc_sendtoaddress(node->miner, address, sats, txid ? txid : ignored, &err),
                  &err);
}

bs_status
bs_regtest_mine(bs_regtest *node, int blocks)
{
    bs_rpc_error err;

    return report("generatetoaddress",
                  bs_rpc_generatetoaddress(node->miner, blocks, node->coinbase, NULL, &err), &err);
}

bs_status
bs_regtest_payout_wallet(bs_regtest *node, const char *name, int64_t sats)
{
    char url[BS_REGTEST_URL_SIZE], address[BS_RPC_ADDRESS_SIZE];
    bs_rpc *wallet = NULL;
    bs_rpc_error err;
    bs_status st =
        report("createwallet", bs_rpc_createwallet(node->miner, name, false, &err), &err);

    if (st != BS_OK)
        return st;
    if (sats == 0)
        return BS_OK;
    bs_regtest_wallet_url(node, name, url, sizeof(url));
    st = bs_rpc_open(url, NULL, &wallet);
    if (st == BS_OK)
        st = report("getnewaddress", bs_rpc_getnewaddress(wallet, address, sizeof(address), &err),
                    &err);
    bs_rpc_close(wallet);
    if (st == BS_OK)
        st = bs_regtest_send(node, address, sats, NULL);
    if (st == BS_OK)
        st = bs_regtest_mine(node, 1);
    return st;
}

bs_status
bs_regtest_received(bs_regtest *node, const char *address, int minconf, int64_t *sats)
{
    bs_rpc_error err;

    return report("getreceivedbyaddress",
                  bs_rpc_getreceivedbyaddress(node->miner, address, minconf, sats, &err), &err);
}
