/*
 * regtest.h — the project's real bitcoin test node for the tests:
 * tools/regtest-node (bcoin 1.0.2 on regtest, answering like Bitcoin Core's
 * JSON-RPC), started on a free port of 127.0.0.1, with helpers that act on
 * its funded "miner" wallet (new addresses, payments, blocks).
 *
 * Lifecycle: bs_regtest_start() forks the node in its own process group
 * (with a parent-death signal, so it also ends if the test process dies
 * without its teardown), waits for its one READY line and keeps the URL it
 * prints; bs_regtest_stop() sends SIGTERM to the group and reaps it (SIGKILL
 * after 5 s). Call stop from a cmocka group teardown, which runs after a
 * failed test too, so that no node is left running. Stopping a node that is
 * not running is a no-op.
 *
 * Threads: the helpers below share one JSON-RPC handle (node->miner), so they
 * may be used from one thread at a time. A thread that needs its own
 * connection opens one with bs_rpc_open() on a URL from
 * bs_regtest_wallet_url().
 *
 * Needs BITSLOT_SOURCE_ROOT (meson passes it) to find tools/regtest-node.
 */
#ifndef BS_REGTEST_H
#define BS_REGTEST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "chain/rpc.h"

#define BS_REGTEST_URL_SIZE 1024

typedef struct bs_regtest {
    pid_t pid; /* the node (and its process group); -1 when not running */
    int port;
    /* From the READY line: "http://USER:PASS@127.0.0.1:PORT/wallet/miner",
     * credentials percent-encoded. */
    char miner_url[BS_REGTEST_URL_SIZE];
    bs_rpc *miner;                      /* a client of the miner wallet */
    char coinbase[BS_RPC_ADDRESS_SIZE]; /* where bs_regtest_mine() pays */
    char user[64], password[64];        /* as given to bs_regtest_start ("": none) */
} bs_regtest;

/* Start the node with RPC user and password (NULL: the node's defaults, a
 * random password) on a free port, trying a few ports if one is taken
 * meanwhile. On BS_OK *node describes the running node; otherwise (the
 * script is missing, no READY line within 150 s: the first start may install
 * npm packages) *node is stopped, nothing is left running, and the reason
 * was printed on stderr. */
bs_status bs_regtest_start(bs_regtest *node, const char *user, const char *password);

/* Start a node stopped by bs_regtest_stop() again, on its port and with the
 * user and password it was started with (give both to bs_regtest_start, so
 * that a client's URL still works): a node back after an outage. The node
 * keeps its chain in memory, so this one is a new chain with new wallets
 * (like a node whose wallets were not loaded at its start). Returns as
 * bs_regtest_start. */
bs_status bs_regtest_restart(bs_regtest *node);

/* SIGTERM to the node's group, reap it, close node->miner. Idempotent. */
void bs_regtest_stop(bs_regtest *node);

/* The URL of wallet `wallet` (percent-encoded here) of the node, with the
 * same credentials: the miner URL with its "/wallet/miner" replaced. */
void bs_regtest_wallet_url(const bs_regtest *node, const char *wallet, char *out, size_t size);

/* getnewaddress on the miner wallet (a bech32 regtest address). */
bs_status bs_regtest_new_address(bs_regtest *node, char out[BS_RPC_ADDRESS_SIZE]);

/* sendtoaddress from the miner wallet: `sats` satoshis to `address`. txid
 * may be NULL. */
bs_status bs_regtest_send(bs_regtest *node, const char *address, int64_t sats,
                          char txid[BS_RPC_TXID_SIZE]);

/* generatetoaddress: mine `blocks` blocks (paying the miner wallet), which
 * confirms whatever is in the mempool. */
bs_status bs_regtest_mine(bs_regtest *node, int blocks);

/* Create a spending wallet `name` (a payout wallet) and, when sats > 0,
 * fund it with sats from the miner wallet, confirmed by one block. */
bs_status bs_regtest_payout_wallet(bs_regtest *node, const char *name, int64_t sats);

/* What the miner wallet's address `address` received with at least
 * `minconf` confirmations. */
bs_status bs_regtest_received(bs_regtest *node, const char *address, int minconf, int64_t *sats);

#endif
