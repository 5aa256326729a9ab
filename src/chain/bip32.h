/*
 * bip32.h — extended public keys: parse one (xpub/tpub, and the SLIP-132
 * ypub/upub and zpub/vpub forms) and check it belongs to the configured
 * network, derive non-hardened children (BIP32 CKDpub) along a path such as
 * "0/5", and give a child's address.
 *
 * Invariants:
 *   - A bs_bip32_key is an open value with no resources: copy it, keep it in
 *     a struct, share it read-only between threads; there is nothing to free.
 *     Every key that bs_bip32_parse or a derivation returned holds a valid
 *     compressed point on secp256k1 and the version form of its network.
 *   - Only public derivation exists here. A private extended key is refused
 *     (BS_BIP32_PRIVATE) and never kept; a hardened step is refused.
 *   - The form of the key limits the addresses made from it: a zpub/vpub
 *     gives P2WPKH only, a ypub/upub P2SH-P2WPKH only (the wallet that
 *     exported them watches nothing else); an xpub/tpub any type, P2WPKH by
 *     default (DESIGN.md §4).
 *   - Derivation is deterministic, allocates nothing and uses libsecp256k1's
 *     read-only static context: every function is thread-safe and may run in
 *     any number of threads at once.
 *   - Paths are relative to the key given, with no "m/": "" is the key itself,
 *     "0/5" is its child 0, then that key's child 5. Each step is a decimal
 *     index below 2^31.
 */
#ifndef BS_CHAIN_BIP32_H
#define BS_CHAIN_BIP32_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/address.h"
#include "chain/network.h"
#include "util/status.h"

#define BS_BIP32_SERIALIZED_LEN 78  /* bytes of an extended key, without checksum */
#define BS_BIP32_TEXT_MAX       120 /* buffer size for its base58check text (111 chars) */
#define BS_BIP32_HARDENED       0x80000000u

/* Why bs_bip32_parse refused a key: the detail behind BS_INVALID, so that the
 * edge can say what to do ("that is a private key; give the public one"). */
typedef enum bs_bip32_problem {
    BS_BIP32_OK = 0,
    BS_BIP32_NOT_BASE58,      /* a character outside base58 (a space, 0, O, I, l) */
    BS_BIP32_CHECKSUM,        /* the base58check checksum does not match: a typo */
    BS_BIP32_LENGTH,          /* not 78 bytes: some other kind of string */
    BS_BIP32_PRIVATE,         /* xprv/tprv/yprv/uprv/zprv/vprv: a private key */
    BS_BIP32_WRONG_NETWORK,   /* a public key of another network (xpub vs tpub) */
    BS_BIP32_UNKNOWN_VERSION, /* version bytes of no known form */
    BS_BIP32_BAD_HEADER,      /* depth 0 with a parent fingerprint or child number */
    BS_BIP32_BAD_POINT        /* key data is not a compressed point on the curve */
} bs_bip32_problem;

/* An extended public key. */
typedef struct bs_bip32_key {
    bs_network network; /* the network it was checked against */
    bs_xkey_form form;  /* xpub, ypub or zpub form (version bytes) */
    uint8_t depth;      /* 0 for a master key */
    uint8_t parent_fingerprint[4];
    uint32_t child_number; /* index of this key under its parent */
    uint8_t chain_code[32];
    uint8_t pubkey[BS_PUBKEY_LEN]; /* compressed, on the curve */
} bs_bip32_key;

/* Parse the base58check text of an extended public key for network net into
 * *key. BS_OK, or BS_INVALID with the reason in *problem (problem may be
 * NULL; it is BS_BIP32_OK on success). A testnet key (tpub/upub/vpub) is
 * valid for test, signet and regtest alike. A net that is not a network gives
 * BS_INVALID with BS_BIP32_WRONG_NETWORK. On failure *key is zeroed. */
bs_status bs_bip32_parse(bs_network net, const char *text, bs_bip32_key *key,
                         bs_bip32_problem *problem);

/* Write the base58check text of key (version bytes of its network and form)
 * into out (BS_BIP32_TEXT_MAX bytes suffice). BS_INVALID if key->network or
 * key->form is out of range; BS_TOOLARGE if out is too small. */
bs_status bs_bip32_serialize(const bs_bip32_key *key, char *out, size_t out_size);

/* CKDpub: the child of parent at index (< 2^31) into *child; child may be
 * parent. BS_INVALID for a hardened index, a parent at depth 255, or a parent
 * whose pubkey is not a valid point; BS_NOTFOUND if BIP32 says this index has
 * no key (probability below 2^-127) and the caller must skip to the next one.
 * On failure *child is unchanged. */
bs_status bs_bip32_derive_child(const bs_bip32_key *parent, uint32_t index, bs_bip32_key *child);

/* Derive along path ("0/5"; "" for the key itself) into *out; out may be key.
 * BS_INVALID for a malformed path (empty step, "m", a sign, spaces, a step
 * >= 2^31) or a hardened step ("0'", "0h", "0H"); otherwise as
 * bs_bip32_derive_child. On failure *out is unchanged. */
bs_status bs_bip32_derive_path(const bs_bip32_key *key, const char *path, bs_bip32_key *out);

/* May addresses of this type be made from key (see the form rule above)? */
bool bs_bip32_allows(const bs_bip32_key *key, bs_address_type type);

/* The four letters a key of this form on this network starts with ("xpub",
 * "ypub", "zpub"; "tpub", "upub", "vpub" on the test networks); "" for a
 * network or form out of range. Static storage. */
const char *bs_bip32_form_name(bs_network net, bs_xkey_form form);

/* The type to use when none is configured: P2SH-P2WPKH for a ypub/upub,
 * P2WPKH otherwise. */
bs_address_type bs_bip32_default_type(const bs_bip32_key *key);

/* The address of type `type` of the key at path under key, on the key's
 * network, into out (BS_ADDRESS_MAX bytes suffice). BS_INVALID if the key's
 * form does not allow the type, or as bs_bip32_derive_path; BS_NOTFOUND as
 * bs_bip32_derive_child; BS_TOOLARGE if out is too small. On failure out
 * holds "" (if out_size > 0). For many addresses under one chain, derive the
 * chain key once ("0") and call this with the index alone ("5"). */
bs_status bs_bip32_address(const bs_bip32_key *key, const char *path, bs_address_type type,
                           char *out, size_t out_size);

#endif
