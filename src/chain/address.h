/*
 * address.h — bitcoin addresses: is this string an address of this network
 * (and which kind), which networks is it an address of, and the address of a
 * public key in the forms bitslot hands out.
 *
 * Invariants:
 *   - An address is base58check (P2PKH, P2SH: 1 version byte + 20-byte hash)
 *     or a segwit address (bech32/bech32m, see chain/bech32.h). Nothing else
 *     is an address: not WIF private keys, not extended keys, not text with
 *     spaces around it (callers trim).
 *   - A valid string is an address of every network whose prefix it carries
 *     (bs_address_info.networks). Because test, signet and regtest share the
 *     base58 prefixes, "m..." and "2..." addresses are valid on all three;
 *     "tb1..." on test and signet; "bcrt1..." on regtest only.
 *   - Every witness version 1..16 is a valid destination (BIP350); the kind
 *     tells P2TR (v1, 32 bytes) apart from the rest (BS_ADDRESS_WITNESS_OTHER).
 *   - Nothing is allocated; all buffers belong to the caller. Thread-safe.
 */
#ifndef BS_CHAIN_ADDRESS_H
#define BS_CHAIN_ADDRESS_H

#include <stddef.h>
#include <stdint.h>

#include "chain/network.h"
#include "util/status.h"

#define BS_ADDRESS_MAX 91 /* buffer size for any address: 90 characters + NUL */
#define BS_HASH160_LEN 20 /* RIPEMD-160(SHA-256(x)) */
#define BS_PUBKEY_LEN  33 /* compressed SEC1 public key: 02/03 || x */
#define BS_PROGRAM_MAX 40 /* longest witness program */

/* What an address pays to. */
typedef enum bs_address_kind {
    BS_ADDRESS_UNKNOWN = 0,
    BS_ADDRESS_P2PKH,        /* base58, hash160 of a public key */
    BS_ADDRESS_P2SH,         /* base58, hash160 of a script */
    BS_ADDRESS_P2WPKH,       /* witness v0, 20 bytes */
    BS_ADDRESS_P2WSH,        /* witness v0, 32 bytes */
    BS_ADDRESS_P2TR,         /* witness v1, 32 bytes */
    BS_ADDRESS_WITNESS_OTHER /* witness v1 of another length, or v2..v16 */
} bs_address_kind;

/* The forms bitslot makes from one public key. P2WPKH is 0: the default. */
typedef enum bs_address_type {
    BS_ADDRTYPE_P2WPKH = 0,  /* native segwit "bc1q..." (BIP84) */
    BS_ADDRTYPE_P2PKH,       /* legacy "1..." (BIP44) */
    BS_ADDRTYPE_P2SH_P2WPKH, /* segwit nested in P2SH "3..." (BIP49) */
    BS_ADDRTYPE__COUNT
} bs_address_type;

/* A parsed address (an open value; copy it freely). */
typedef struct bs_address_info {
    bs_address_kind kind;
    unsigned networks;               /* set of BS_NETWORK_BIT(net) where the address is valid */
    int witness_version;             /* 0..16 for segwit kinds, -1 for P2PKH and P2SH */
    uint8_t program[BS_PROGRAM_MAX]; /* the 20-byte hash (base58) or the witness program */
    size_t program_len;
} bs_address_info;

/* Parse an address of any known network into *info (which may be NULL).
 * BS_OK if it is an address of at least one network; BS_INVALID otherwise
 * (a bad checksum, mixed case, an unknown prefix or HRP, a wrong length...),
 * with *info zeroed. */
bs_status bs_address_parse(const char *addr, bs_address_info *info);

/* Is addr an address of network net? BS_OK if so; BS_INVALID if it is not an
 * address at all, or is one of other networks only, or net is not a network.
 * *info (may be NULL) is filled whenever addr parses at all, so after
 * BS_INVALID a non-zero info->networks names the networks it belongs to
 * ("this is a mainnet address"). */
bs_status bs_address_validate(bs_network net, const char *addr, bs_address_info *info);

/* The one spelling bitslot stores and compares an address of network `net`
 * in, for an address it may pay to or take payments on: out (BS_ADDRESS_MAX
 * bytes) receives the address with a segwit address in lower case (BIP173
 * allows all upper case too: the same address) and a base58 address as
 * given (its case is significant). BS_INVALID when `text` is not an address
 * of `net` (mixed case included); BS_UNSUPPORTED when it is one whose coins
 * nobody can spend safely: witness version 2..16 (anyone can spend them
 * until a soft fork gives them a meaning) or version 1 with a program that
 * is not 32 bytes. *info (may be NULL) as for bs_address_validate. On failure
 * out holds "". */
bs_status bs_address_canonical(bs_network net, const char *text, char out[BS_ADDRESS_MAX],
                               bs_address_info *info);

/* Write into out (out_size bytes; BS_ADDRESS_MAX suffices) the address of
 * type `type` on network net for the public key whose hash160 is keyhash.
 * For P2SH-P2WPKH the script hash is hash160(0x00 0x14 keyhash).
 * BS_INVALID for an unknown network or type; BS_TOOLARGE if out is too small.
 * On failure out holds "" (if out_size > 0). */
bs_status bs_address_from_hash160(bs_network net, bs_address_type type,
                                  const uint8_t keyhash[BS_HASH160_LEN], char *out,
                                  size_t out_size);

/* The same from a compressed public key (hash160 taken here). BS_INVALID if
 * the first byte is not 02 or 03; the point itself is not checked here (keys
 * from chain/bip32.h are). */
bs_status bs_address_from_pubkey(bs_network net, bs_address_type type,
                                 const uint8_t pubkey[BS_PUBKEY_LEN], char *out, size_t out_size);

/* out = RIPEMD-160(SHA-256(data[0..len))). */
void bs_address_hash160(const uint8_t *data, size_t len, uint8_t out[BS_HASH160_LEN]);

/* Parse "p2wpkh", "p2pkh" or "p2sh-p2wpkh" into *out. BS_INVALID otherwise
 * (*out is then BS_ADDRTYPE_P2WPKH). */
bs_status bs_address_type_parse(const char *name, bs_address_type *out);

/* "p2wpkh", "p2pkh", "p2sh-p2wpkh"; "invalid" otherwise. Static storage. */
const char *bs_address_type_name(bs_address_type type);

/* "p2pkh", "p2sh", "p2wpkh", "p2wsh", "p2tr", "witness"; "unknown" otherwise.
 * Static storage. */
const char *bs_address_kind_name(bs_address_kind kind);

#endif
