/*
 * rpc.h — a client for Bitcoin Core's JSON-RPC (and for anything that
 * answers like it, such as tools/regtest-node), over HTTP with libcurl.
 *
 * A bs_rpc is made from a URL "http://USER:PASS@HOST:PORT[/wallet/NAME]"
 * (https too); the user and password are URL-decoded, and may instead be
 * given in bs_rpc_options. Requests are JSON-RPC 1.0 POSTs with HTTP basic
 * auth and "Content-Type: application/json".
 *
 * Invariants:
 *   - One bs_rpc holds one libcurl easy handle, so its connection is kept
 *     alive between calls. A bs_rpc is NOT thread-safe: use it from one
 *     thread at a time (a server keeps one per worker thread). Different
 *     bs_rpc handles may be used from different threads at once.
 *   - Every failure is a bs_status; the library prints nothing. Foreign
 *     errors are translated here:
 *       node down, refused, unresolvable, connection lost -> BS_UNAVAILABLE
 *       (also an HTTP 502/503/504 whose body is not JSON-RPC)
 *       connect or total timeout                          -> BS_TIMEOUT
 *       HTTP 401 or 403                                   -> BS_AUTH
 *       the node's JSON-RPC error (any HTTP status)       -> BS_REMOTE, with
 *         its code and message in *err (e.g. -18 unknown wallet, -5 invalid
 *         address, -32601 method not found, -28 still warming up)
 *       anything else that is not a JSON-RPC answer       -> BS_CORRUPT
 *       an answer bigger than BS_RPC_MAX_RESPONSE         -> BS_TOOLARGE
 *     BS_TIMEOUT and BS_UNAVAILABLE after the request was sent mean the
 *     outcome is unknown: the node may have done it (matters for
 *     sendtoaddress, which is not idempotent).
 *   - Like any HTTP client with keep-alive, libcurl re-sends a request once
 *     when the kept-alive connection turns out to be closed before any byte
 *     of the answer arrived. bs_rpc_sendtoaddress() therefore always opens a
 *     new connection (which is never re-sent on); other non-idempotent
 *     methods sent with bs_rpc_call() do not get that protection.
 *   - Numbers are never turned into doubles. Before the answer is parsed with
 *     jansson, every JSON number with a fraction or an exponent (and every
 *     integer too long for json_int_t) is turned into a JSON *string* holding
 *     its exact text; other integers stay jansson integers. So in a result
 *     0.50000000 arrives as the string "0.50000000", 1e-8 as "1e-8", and 50
 *     as the integer 50. bs_rpc_read_amount() reads either form exactly; any
 *     other real-valued field (e.g. "difficulty") is a string too.
 *   - Amounts are sent as JSON numbers with 8 decimals ("0.50000000").
 */
#ifndef BS_CHAIN_RPC_H
#define BS_CHAIN_RPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/status.h"

/* Defaults for bs_rpc_options fields left 0. */
#define BS_RPC_CONNECT_TIMEOUT_MS 5000L
#define BS_RPC_TIMEOUT_MS         30000L

/* The largest answer accepted (bytes of body). */
#define BS_RPC_MAX_RESPONSE ((size_t)64 << 20)

/* Buffer sizes for results: an address and its NUL (bech32 addresses have at
 * most 90 characters), a txid in hex and its NUL, a descriptor checksum and
 * its NUL, the message in bs_rpc_error. */
#define BS_RPC_ADDRESS_SIZE       128
#define BS_RPC_TXID_SIZE          65
#define BS_RPC_DESCSUM_SIZE       9
#define BS_RPC_ERROR_MESSAGE_SIZE 256

/* Bitcoin Core error codes (src/rpc/protocol.h) that callers act on. */
enum {
    BS_RPC_ERR_MISC = -1,
    BS_RPC_ERR_WALLET = -4,              /* also "already exists" */
    BS_RPC_ERR_INVALID_ADDRESS = -5,     /* RPC_INVALID_ADDRESS_OR_KEY */
    BS_RPC_ERR_WALLET_INSUFFICIENT = -6, /* insufficient funds, dust */
    BS_RPC_ERR_WALLET_NOT_FOUND = -18,   /* unknown or not loaded */
    BS_RPC_ERR_WALLET_NOT_SPECIFIED = -19,
    BS_RPC_ERR_IN_WARMUP = -28,
    BS_RPC_ERR_WALLET_ALREADY_LOADED = -35,
    BS_RPC_ERR_METHOD_NOT_FOUND = -32601,
};

/* An opaque client handle. */
typedef struct bs_rpc bs_rpc;

/* A node's silence, shared by the handles of one server (its workers'):
 * once a call got no answer at all (its connection refused, or it timed
 * out; not a connection the node closed or reset: that fails one call), every
 * call of every handle sharing it fails at once with BS_UNAVAILABLE for
 * BS_RPC_QUIET_MS instead of waiting for the same silence; then one call
 * asks the node again (the others still fail at once) until it is answered.
 * Zero-initialise it; it must outlive the handles that use it. */
typedef struct bs_rpc_quiet {
    _Atomic int64_t until_ms; /* CLOCK_MONOTONIC ms; 0: the node answered last */
} bs_rpc_quiet;

#define BS_RPC_QUIET_MS 5000

/* Options for bs_rpc_open(); zero-initialise and set what you need. */
typedef struct bs_rpc_options {
    const char *user;        /* when non-NULL, replaces the URL's user */
    const char *password;    /* when non-NULL, replaces the URL's password */
    long connect_timeout_ms; /* 0: BS_RPC_CONNECT_TIMEOUT_MS */
    long timeout_ms;         /* whole request; 0: BS_RPC_TIMEOUT_MS */
    bs_rpc_quiet *quiet;     /* shared with other handles; NULL: none */
} bs_rpc_options;

/* What went wrong, for the caller to log or act on (the library never
 * prints it). Every call that takes one clears it first; it may be NULL. */
typedef struct bs_rpc_error {
    int code;        /* the node's JSON-RPC error code when BS_REMOTE, else 0 */
    int http_status; /* HTTP status of the answer, 0 if none arrived */
    /* BS_REMOTE: the node's message; transport failures: libcurl's
     * description; otherwise "". Always NUL-terminated, maybe truncated. */
    char message[BS_RPC_ERROR_MESSAGE_SIZE];
} bs_rpc_error;

/* ---- lifecycle ---- */

/* A wallet name bitslot accepts: 1..BS_RPC_WALLET_NAME_MAX of
 * [A-Za-z0-9_.-], not starting with '.' or '-' (so never a path, "..", a
 * quote or an option). The node would take almost any string; this rule is
 * what keeps a mistyped or escaped URL from creating an odd wallet. */
#define BS_RPC_WALLET_NAME_MAX  64
#define BS_RPC_WALLET_NAME_RULE "1 to 64 ASCII letters, digits, _ . or -, not starting with . or -"
bool bs_rpc_wallet_name_valid(const char *name);

/* Make a client for url (see the top of this file). opts may be NULL.
 * BS_INVALID for a URL that is not http(s)://[user[:pass]@]host[:port][path]
 * with path "", "/" or "/wallet/NAME" (NAME URL-encoded; decoded, it follows
 * bs_rpc_wallet_name_valid; the whole rule: chain/node_url.h), or for a
 * negative timeout; BS_NOMEM; BS_UNAVAILABLE if libcurl cannot be loaded or
 * initialised (it is opened here, at the first call). Nothing is sent. On
 * BS_OK *out is a handle to free with bs_rpc_close(). */
bs_status bs_rpc_open(const char *url, const bs_rpc_options *opts, bs_rpc **out);

/* Make a client for the same node, credentials, timeouts and quiet as base, but
 * for the wallet `wallet` (bs_rpc_wallet_name_valid, else BS_INVALID; its
 * characters need no escaping in a URL). Same errors and ownership. */
bs_status bs_rpc_open_wallet(const bs_rpc *base, const char *wallet, bs_rpc **out);

/* Free the handle and close its connection. NULL is a no-op. */
void bs_rpc_close(bs_rpc *rpc);

/* The wallet named in the URL (decoded), or NULL for the node's root
 * endpoint. Lives as long as rpc. */
const char *bs_rpc_wallet(const bs_rpc *rpc);

/* ---- generic calls ---- */

/* Call method with params (a JSON array or object, borrowed; NULL means
 * []). On BS_OK, *result (when result is non-NULL) is a new reference to the
 * "result" value (json_null() for a null result) for the caller to
 * json_decref(); numbers in it follow the rule at the top of this file. On
 * failure *result is NULL. BS_INVALID if method or params cannot be encoded
 * (invalid UTF-8, NULL method). */
bs_status bs_rpc_call(bs_rpc *rpc, const char *method, const json_t *params, json_t **result,
                      bs_rpc_error *err);

/* The same with params given as JSON text, sent as is (so amounts can be
 * sent as exact decimal numbers, see bs_amount_format()). */
bs_status bs_rpc_call_text(bs_rpc *rpc, const char *method, const char *params_text,
                           json_t **result, bs_rpc_error *err);

/* Read an amount in BTC from a value of a result (a string holding the
 * number's text, or an integer) into exact satoshis. BS_INVALID if it is of
 * another type, finer than a satoshi, above 21,000,000 BTC, or negative
 * while !negative_ok. *sats untouched on failure. */
bs_status bs_rpc_read_amount(const json_t *value, bool negative_ok, int64_t *sats);

/* ---- typed helpers (all fill *err as bs_rpc_call does) ---- */

/* The height of the best chain. */
bs_status bs_rpc_getblockcount(bs_rpc *rpc, int64_t *height, bs_rpc_error *err);

/* Satoshis received by addr in transactions with at least minconf
 * confirmations (0 counts the mempool), exactly. Needs a wallet that watches
 * addr (Core: -4 otherwise). BS_INVALID if minconf < 0. */
bs_status bs_rpc_getreceivedbyaddress(bs_rpc *rpc, const char *addr, int minconf, int64_t *sats,
                                      bs_rpc_error *err);

/* The wallet's balance with at least minconf confirmations (Core's
 * getbalance "*" minconf: trusted coins; watch-only included for a
 * watch-only wallet), exactly. BS_INVALID if minconf < 0. */
bs_status bs_rpc_getbalance(bs_rpc *rpc, int minconf, int64_t *sats, bs_rpc_error *err);

/* Watch addr in the (legacy or watch-only) wallet with label (NULL: ""),
 * rescanning the chain for past payments when rescan. Core's descriptor
 * wallets (the default since v23) refuse this: use
 * bs_rpc_importdescriptors_addr() there. */
bs_status bs_rpc_importaddress(bs_rpc *rpc, const char *addr, const char *label, bool rescan,
                               bs_rpc_error *err);

/* Watch addr through importdescriptors of "addr(ADDR)#CHECKSUM", with label
 * (NULL: none) and timestamp "now" (no rescan) or 0 (rescan from the start).
 * A per-descriptor failure ({"success":false,"error":{..}}) is BS_REMOTE with
 * its code and message. BS_INVALID if addr holds anything but letters and
 * digits. */
bs_status bs_rpc_importdescriptors_addr(bs_rpc *rpc, const char *addr, const char *label,
                                        bool rescan, bs_rpc_error *err);

/* The checksum Bitcoin Core appends to a descriptor after '#' (BIP 380):
 * desc is the descriptor without "#...". Writes 8 characters and a NUL.
 * BS_INVALID if desc holds a character outside the descriptor character set
 * (out is then ""). */
bs_status bs_rpc_descriptor_checksum(const char *desc, char out[BS_RPC_DESCSUM_SIZE]);

/* createwallet name disable_private_keys (true: a watch-only wallet).
 * An existing wallet is BS_REMOTE (-4). */
bs_status bs_rpc_createwallet(bs_rpc *rpc, const char *name, bool disable_private_keys,
                              bs_rpc_error *err);

/* loadwallet name. Unknown: BS_REMOTE -18; already loaded: BS_REMOTE -35
 * (-4 on Core before v22). */
bs_status bs_rpc_loadwallet(bs_rpc *rpc, const char *name, bs_rpc_error *err);

/* The names of the loaded wallets: on BS_OK *names is a new reference to a
 * JSON array of strings (json_decref() it). */
bs_status bs_rpc_listwallets(bs_rpc *rpc, json_t **names, bs_rpc_error *err);

/* Make sure the wallet named in rpc's URL is loaded, and is watch-only:
 * getwalletinfo; on -18, loadwallet; if that is -18 too, createwallet NAME
 * true. A wallet that another caller creates or loads meanwhile ("already
 * exists", "already loaded") is fine. Idempotent. BS_INVALID if the URL names
 * no wallet; BS_MISMATCH if the wallet exists but holds private keys. */
bs_status bs_rpc_ensure_wallet(bs_rpc *rpc, bs_rpc_error *err);

/* A new receiving address of the wallet (its default type) into out
 * (out_size bytes; BS_RPC_ADDRESS_SIZE is enough). BS_TOOLARGE if it does not
 * fit. */
bs_status bs_rpc_getnewaddress(bs_rpc *rpc, char *out, size_t out_size, bs_rpc_error *err);

/* Send sats (> 0) from the wallet to addr; the txid (64 hex digits) into
 * txid. BS_INVALID if sats <= 0 or above 21,000,000 BTC. Not idempotent: see
 * the note on BS_TIMEOUT above. */
bs_status bs_rpc_sendtoaddress(bs_rpc *rpc, const char *addr, int64_t sats,
                               char txid[BS_RPC_TXID_SIZE], bs_rpc_error *err);

/* Mine nblocks (> 0) blocks paying addr (regtest). When hashes is non-NULL,
 * *hashes is a new reference to the JSON array of block hashes. */
bs_status bs_rpc_generatetoaddress(bs_rpc *rpc, int nblocks, const char *addr, json_t **hashes,
                                   bs_rpc_error *err);

#endif
