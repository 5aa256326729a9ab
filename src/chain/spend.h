/*
 * spend.h — the payout wallet's calls to the node (Bitcoin Core 27's
 * JSON-RPC): build and sign one transaction paying several addresses,
 * broadcast it, follow it. The wallet chooses and signs the inputs; bitslot
 * never holds a private key.
 *
 * Invariants:
 *   - Building locks the inputs it chose in the wallet (fundrawtransaction's
 *     lockUnspents), so no other transaction of the wallet spends them while
 *     this one waits to be recorded and broadcast; bs_spend_release() frees
 *     them for a transaction that will never be sent.
 *   - Broadcasting is idempotent: the node answers the txid again for a
 *     transaction already in its mempool, and BS_OK is also what a
 *     transaction already in the chain is answered with ("outputs already in utxo set").
 *   - Amounts go out as exact 8-decimal numbers, never through a double.
 */
#ifndef BS_CHAIN_SPEND_H
#define BS_CHAIN_SPEND_H

#include <stddef.h>
#include <stdint.h>

#include "chain/rpc.h"

typedef struct bs_spend_output {
    const char *address;
    int64_t sats;
} bs_spend_output;

/* Core's codes for what a refusal of a payment looks like. */
enum {
    BS_RPC_ERR_TYPE = -3, /* an amount of the wrong type */
    BS_RPC_ERR_INVALID_PARAMETER = -8,
    BS_RPC_ERR_DESERIALIZATION = -22,
    BS_RPC_ERR_VERIFY = -25, /* inputs missing or spent */
    BS_RPC_ERR_VERIFY_REJECTED = -26,
    BS_RPC_ERR_VERIFY_ALREADY_IN_CHAIN = -27,
};

/* createrawtransaction + fundrawtransaction (lockUnspents, change to the
 * wallet) + signrawtransactionwithwallet. On BS_OK *hex is the signed
 * transaction (malloc'ed) and txid its id. BS_REMOTE with err: the node
 * refused (err->code says why: -4/-6 insufficient funds, -5 an address it
 * rejects, ...); BS_CORRUPT: the wallet could not sign it all. */
bs_status bs_spend_build(bs_rpc *wallet, const bs_spend_output *outputs, size_t count, char **hex,
                         char txid[BS_RPC_TXID_SIZE], bs_rpc_error *err);

/* Unlock the inputs of `hex` (a transaction that will never be sent). */
bs_status bs_spend_release(bs_rpc *wallet, const char *hex, bs_rpc_error *err);

/* Unlock every coin the wallet has locked (lockunspent true): for a
 * builder that knows nobody else is building, the locks of one that died. */
bs_status bs_spend_unlock_all(bs_rpc *wallet, bs_rpc_error *err);

/* sendrawtransaction. BS_OK when the node has it (now, or before, or in a
 * block). */
bs_status bs_spend_broadcast(bs_rpc *wallet, const char *hex, bs_rpc_error *err);

/* The wallet's confirmations of txid (gettransaction): 0 in the mempool or
 * not (yet) in it, N in a block N deep, negative when a conflicting
 * transaction is in the chain. BS_NOTFOUND when the wallet does not know it. */
bs_status bs_spend_confirmations(bs_rpc *wallet, const char *txid, int64_t *confirmations,
                                 bs_rpc_error *err);

#endif
