/*
 * address.c — address parsing against the network table, and address
 * encoding for the three forms bitslot hands out.
 *
 * Parsing tries bech32 first, then base58check (no string is valid in both:
 * a segwit address holds a '0' or 'l' as often as not, and where it does not,
 * its 32-bit base58 checksum would still have to match), then matches the
 * prefix against every row of the network table to build the set of
 * networks.
 */
#include "chain/address.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <nettle/ripemd160.h>
#include <nettle/sha2.h>

#include "chain/base58.h"
#include "chain/bech32.h"

/* Longer strings are refused before any decoding (the longest address is a
 * 90-character bech32 string). */
#define ADDRESS_TEXT_MAX 100

static const char *const address_type_names[BS_ADDRTYPE__COUNT] = {
    [BS_ADDRTYPE_P2WPKH] = "p2wpkh",
    [BS_ADDRTYPE_P2PKH] = "p2pkh",
    [BS_ADDRTYPE_P2SH_P2WPKH] = "p2sh-p2wpkh",
};

void
bs_address_hash160(const uint8_t *data, size_t len, uint8_t out[BS_HASH160_LEN])
{
    struct sha256_ctx sha;
    struct ripemd160_ctx rmd;
    uint8_t digest[SHA256_DIGEST_SIZE];

    sha256_init(&sha);
    sha256_update(&sha, len, data);
    sha256_digest(&sha, sizeof(digest), digest);
    ripemd160_init(&rmd);
    ripemd160_update(&rmd, sizeof(digest), digest);
    ripemd160_digest(&rmd, BS_HASH160_LEN, out);
}

/* Fill *info from a segwit address, or return false. */
static bool
address_parse_segwit(const char *addr, bs_address_info *info)
{
    bs_bech32_segwit sw;
    bs_network net;

    if (bs_bech32_segwit_decode(addr, &sw) != BS_OK)
        return false;
    for (net = BS_NETWORK_MAIN; net < BS_NETWORK__END; net++) {
        if (strcmp(sw.hrp, bs_network_params_of(net)->hrp) == 0)
            info->networks |= BS_NETWORK_BIT(net);
    }
    if (info->networks == 0)
        return false;
    if (sw.version == 0)
        info->kind = sw.program_len == 20 ? BS_ADDRESS_P2WPKH : BS_ADDRESS_P2WSH;
    else if (sw.version == 1 && sw.program_len == 32)
        info->kind = BS_ADDRESS_P2TR;
    else
        info->kind = BS_ADDRESS_WITNESS_OTHER;
    info->witness_version = (int)sw.version;
    memcpy(info->program, sw.program, sw.program_len);
    info->program_len = sw.program_len;
    return true;
}

/* Fill *info from a base58check P2PKH or P2SH address, or return false. */
static bool
address_parse_base58(const char *addr, bs_address_info *info)
{
    uint8_t payload[1 + BS_HASH160_LEN];
    size_t len;
    bs_network net;

    if (bs_base58check_decode(addr, payload, sizeof(payload), &len) != BS_OK ||
        len != sizeof(payload))
        return false;
    for (net = BS_NETWORK_MAIN; net < BS_NETWORK__END; net++) {
        const bs_network_params *p = bs_network_params_of(net);

        if (payload[0] == p->p2pkh_version) {
            info->kind = BS_ADDRESS_P2PKH;
            info->networks |= BS_NETWORK_BIT(net);
        } else if (payload[0] == p->p2sh_version) {
            info->kind = BS_ADDRESS_P2SH;
            info->networks |= BS_NETWORK_BIT(net);
        }
    }
    if (info->networks == 0)
        return false;
    info->witness_version = -1;
    memcpy(info->program, payload + 1, BS_HASH160_LEN);
    info->program_len = BS_HASH160_LEN;
    return true;
}

bs_status
bs_address_parse(const char *addr, bs_address_info *info)
{
    bs_address_info local;

    if (info == NULL)
        info = &local;
    memset(info, 0, sizeof(*info));
    if (strnlen(addr, ADDRESS_TEXT_MAX + 1) > ADDRESS_TEXT_MAX)
        return BS_INVALID;
    if (address_parse_segwit(addr, info))
        return BS_OK;
    memset(info, 0, sizeof(*info));
    if (address_parse_base58(addr, info))
        return BS_OK;
    memset(info, 0, sizeof(*info));
    return BS_INVALID;
}

bs_status
bs_address_validate(bs_network net, const char *addr, bs_address_info *info)
{
    bs_address_info local;
    bs_status st;

    if (info == NULL)
        info = &local;
    st = bs_address_parse(addr, info);
    if (st != BS_OK)
        return st;
    if (bs_network_params_of(net) == NULL || (info->networks & BS_NETWORK_BIT(net)) == 0)
        return BS_INVALID;
    return BS_OK;
}

bs_status
bs_address_canonical(bs_network net, const char *text, char out[BS_ADDRESS_MAX],
                     bs_address_info *info)
{
    bs_address_info local;
    bs_status st;

    if (info == NULL)
        info = &local;
    out[0] = '\0';
    st = bs_address_validate(net, text, info);
    if (st != BS_OK)
        return st;
    if (info->kind == BS_ADDRESS_WITNESS_OTHER)
        return BS_UNSUPPORTED;
    if (info->witness_version < 0) {
        snprintf(out, BS_ADDRESS_MAX, "%s", text);
        return BS_OK;
    }
    return bs_bech32_segwit_encode(bs_network_params_of(net)->hrp, (unsigned)info->witness_version,
                                   info->program, info->program_len, out, BS_ADDRESS_MAX);
}

/* base58check of version || hash. */
static bs_status
address_base58(uint8_t version, const uint8_t hash[BS_HASH160_LEN], char *out, size_t out_size)
{
    uint8_t payload[1 + BS_HASH160_LEN];

    payload[0] = version;
    memcpy(payload + 1, hash, BS_HASH160_LEN);
    return bs_base58check_encode(payload, sizeof(payload), out, out_size);
}

bs_status
bs_address_from_hash160(bs_network net, bs_address_type type, const uint8_t keyhash[BS_HASH160_LEN],
                        char *out, size_t out_size)
{
    const bs_network_params *p = bs_network_params_of(net);
    uint8_t redeem[2 + BS_HASH160_LEN];
    uint8_t scripthash[BS_HASH160_LEN];

    if (out_size > 0)
        out[0] = '\0';
    if (p == NULL)
        return BS_INVALID;
    switch (type) {
    case BS_ADDRTYPE_P2WPKH:
        return bs_bech32_segwit_encode(p->hrp, 0, keyhash, BS_HASH160_LEN, out, out_size);
    case BS_ADDRTYPE_P2PKH:
        return address_base58(p->p2pkh_version, keyhash, out, out_size);
    case BS_ADDRTYPE_P2SH_P2WPKH:
        /* The redeem script is the P2WPKH output script: OP_0 PUSH20 keyhash. */
        redeem[0] = 0x00;
        redeem[1] = BS_HASH160_LEN;
        memcpy(redeem + 2, keyhash, BS_HASH160_LEN);
        bs_address_hash160(redeem, sizeof(redeem), scripthash);
        return address_base58(p->p2sh_version, scripthash, out, out_size);
    case BS_ADDRTYPE__COUNT:
        break;
    }
    return BS_INVALID;
}

bs_status
bs_address_from_pubkey(bs_network net, bs_address_type type, const uint8_t pubkey[BS_PUBKEY_LEN],
                       char *out, size_t out_size)
{
    uint8_t keyhash[BS_HASH160_LEN];

    if (out_size > 0)
        out[0] = '\0';
    if (pubkey[0] != 0x02 && pubkey[0] != 0x03)
        return BS_INVALID;
    bs_address_hash160(pubkey, BS_PUBKEY_LEN, keyhash);
    return bs_address_from_hash160(net, type, keyhash, out, out_size);
}

bs_status
bs_address_type_parse(const char *name, bs_address_type *out)
{
    int t;

    *out = BS_ADDRTYPE_P2WPKH;
    for (t = 0; t < BS_ADDRTYPE__COUNT; t++) {
        if (strcmp(name, address_type_names[t]) == 0) {
            *out = (bs_address_type)t;
            return BS_OK;
        }
    }
    return BS_INVALID;
}

const char *
bs_address_type_name(bs_address_type type)
{
    if ((unsigned)type >= BS_ADDRTYPE__COUNT)
        return "invalid";
    return address_type_names[type];
}

const char *
bs_address_kind_name(bs_address_kind kind)
{
    switch (kind) {
    case BS_ADDRESS_P2PKH:
        return "p2pkh";
    case BS_ADDRESS_P2SH:
        return "p2sh";
    case BS_ADDRESS_P2WPKH:
        return "p2wpkh";
    case BS_ADDRESS_P2WSH:
        return "p2wsh";
    case BS_ADDRESS_P2TR:
        return "p2tr";
    case BS_ADDRESS_WITNESS_OTHER:
        return "witness";
    case BS_ADDRESS_UNKNOWN:
        break;
    }
    return "unknown";
}
