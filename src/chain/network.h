/*
 * network.h — the bitcoin networks bitslot can serve, and the prefixes that
 * tell their addresses and extended keys apart.
 *
 * Invariants:
 *   - The names are Bitcoin Core's chain names ("main", "test", "signet",
 *     "regtest"), the ones `getblockchaininfo` reports, so a configured
 *     network can be compared with the node's.
 *   - The table is constant, static storage, and never changes at run time:
 *     thread-safe.
 *   - Prefixes are shared, not unique: test, signet and regtest share the
 *     base58 versions (m/n, 2) and the extended-key versions (tpub); test and
 *     signet share the HRP "tb"; regtest alone has "bcrt". So a string can
 *     belong to several networks at once, which is why "which network is this
 *     from" answers with a set (BS_NETWORK_BIT).
 *   - BS_NETWORK_INVALID is 0, so a zeroed configuration holds no network.
 */
#ifndef BS_CHAIN_NETWORK_H
#define BS_CHAIN_NETWORK_H

#include <stdint.h>

#include "util/status.h"

typedef enum bs_network {
    BS_NETWORK_INVALID = 0,
    BS_NETWORK_MAIN,
    BS_NETWORK_TEST,
    BS_NETWORK_SIGNET,
    BS_NETWORK_REGTEST,
    BS_NETWORK__END /* one past the last valid network */
} bs_network;

/* The bit of a network in a set of networks (an unsigned mask). */
#define BS_NETWORK_BIT(net) (1u << (unsigned)(net))

/* The forms of extended public key (SLIP-132 version bytes). The form says
 * which addresses the wallet that exported the key watches. */
typedef enum bs_xkey_form {
    BS_XKEY_XPUB = 0, /* xpub / tpub (BIP32/BIP44): no address type implied */
    BS_XKEY_YPUB,     /* ypub / upub (BIP49): P2SH-P2WPKH only */
    BS_XKEY_ZPUB,     /* zpub / vpub (BIP84): P2WPKH only */
    BS_XKEY__COUNT
} bs_xkey_form;

typedef struct bs_network_params {
    bs_network network;
    const char *name;      /* "main", "test", "signet", "regtest" */
    uint8_t p2pkh_version; /* base58 version byte of P2PKH: 0x00 or 0x6f */
    uint8_t p2sh_version;  /* base58 version byte of P2SH: 0x05 or 0xc4 */
    const char *hrp;       /* bech32 HRP: "bc", "tb", "tb", "bcrt" */
    /* Extended key version bytes per form: public (accepted) and private
     * (recognised only to refuse them with a clear reason). */
    uint32_t xkey_public[BS_XKEY__COUNT];
    uint32_t xkey_private[BS_XKEY__COUNT];
} bs_network_params;

/* Parse a network name (exactly "main", "test", "signet" or "regtest") into
 * *out. BS_INVALID, with *out = BS_NETWORK_INVALID, for anything else. */
bs_status bs_network_parse(const char *name, bs_network *out);

/* The parameters of a network: static storage, never to be freed. NULL for
 * BS_NETWORK_INVALID or a value out of range. */
const bs_network_params *bs_network_params_of(bs_network net);

/* The name of a network ("main"); "invalid" for anything not a network. */
const char *bs_network_name(bs_network net);

#endif
