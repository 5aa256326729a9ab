/*
 * bip32.c — extended public keys and CKDpub.
 *
 * Serialization (BIP32): version(4) depth(1) parent fingerprint(4) child
 * number(4) chain code(32) key(33), all big-endian, then base58check.
 *
 * CKDpub((K, c), i), i < 2^31:
 *   I = HMAC-SHA512(key = c, data = serP(K) || ser32(i)); IL, IR = halves
 *   K_i = IL*G + K (secp256k1_ec_pubkey_tweak_add), c_i = IR
 *   invalid (skip i) if IL >= n or K_i is the point at infinity.
 *
 * Every libsecp256k1 call uses secp256k1_context_static: a read-only context
 * with static storage that suffices for public-key arithmetic, so nothing is
 * allocated or shared mutably between threads. secp256k1_selftest() runs once
 * per parse (cheap) as the library asks before using that context.
 */
#include "chain/bip32.h"

#include <string.h>

#include <nettle/hmac.h>
#include <secp256k1.h>

#include "chain/base58.h"

static uint32_t
bip32_read_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
bip32_write_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Classify the version bytes for network net: BS_BIP32_OK with *form set for
 * a public form of net, or the problem. */
static bs_bip32_problem
bip32_classify_version(bs_network net, uint32_t version, bs_xkey_form *form)
{
    const bs_network_params *mine = bs_network_params_of(net);
    bool other_network = false;
    bs_network n;
    int f;

    for (n = BS_NETWORK_MAIN; n < BS_NETWORK__END; n++) {
        const bs_network_params *p = bs_network_params_of(n);

        for (f = 0; f < BS_XKEY__COUNT; f++) {
            if (version == p->xkey_private[f])
                return BS_BIP32_PRIVATE;
            if (version == p->xkey_public[f] && version != mine->xkey_public[f])
                other_network = true;
        }
    }
    for (f = 0; f < BS_XKEY__COUNT; f++) {
        if (version == mine->xkey_public[f]) {
            *form = (bs_xkey_form)f;
            return BS_BIP32_OK;
        }
    }
    return other_network ? BS_BIP32_WRONG_NETWORK : BS_BIP32_UNKNOWN_VERSION;
}

static bool
bip32_point_ok(const uint8_t pubkey[BS_PUBKEY_LEN], secp256k1_pubkey *point)
{
    if (pubkey[0] != 0x02 && pubkey[0] != 0x03)
        return false;
    return secp256k1_ec_pubkey_parse(secp256k1_context_static, point, pubkey, BS_PUBKEY_LEN) == 1;
}

bs_status
bs_bip32_parse(bs_network net, const char *text, bs_bip32_key *key, bs_bip32_problem *problem)
{
    uint8_t raw[BS_BASE58_MAX_BYTES];
    bs_bip32_problem why = BS_BIP32_OK;
    secp256k1_pubkey point;
    bs_xkey_form form = BS_XKEY_XPUB;
    size_t len;
    bs_status st;

    memset(key, 0, sizeof(*key));
    secp256k1_selftest();
    if (bs_network_params_of(net) == NULL) {
        why = BS_BIP32_WRONG_NETWORK;
        goto out;
    }
    st = bs_base58check_decode(text, raw, sizeof(raw), &len);
    if (st == BS_CORRUPT)
        why = BS_BIP32_CHECKSUM;
    else if (st == BS_TOOLARGE)
        why = BS_BIP32_LENGTH;
    else if (st != BS_OK)
        why = BS_BIP32_NOT_BASE58;
    else if (len != BS_BIP32_SERIALIZED_LEN)
        why = BS_BIP32_LENGTH;
    else
        why = bip32_classify_version(net, bip32_read_be32(raw), &form);
    if (why != BS_BIP32_OK)
        goto out;

    key->network = net;
    key->form = form;
    key->depth = raw[4];
    memcpy(key->parent_fingerprint, raw + 5, 4);
    key->child_number = bip32_read_be32(raw + 9);
    memcpy(key->chain_code, raw + 13, 32);
    memcpy(key->pubkey, raw + 45, BS_PUBKEY_LEN);
    if (key->depth == 0 &&
        (bip32_read_be32(key->parent_fingerprint) != 0 || key->child_number != 0))
        why = BS_BIP32_BAD_HEADER;
    else if (!bip32_point_ok(key->pubkey, &point))
        why = BS_BIP32_BAD_POINT;

out:
    if (why != BS_BIP32_OK)
        memset(key, 0, sizeof(*key));
    if (problem != NULL)
        *problem = why;
    return why == BS_BIP32_OK ? BS_OK : BS_INVALID;
}

bs_status
bs_bip32_serialize(const bs_bip32_key *key, char *out, size_t out_size)
{
    const bs_network_params *p = bs_network_params_of(key->network);
    uint8_t raw[BS_BIP32_SERIALIZED_LEN];

    if (out_size > 0)
        out[0] = '\0';
    if (p == NULL || (unsigned)key->form >= BS_XKEY__COUNT)
        return BS_INVALID;
    bip32_write_be32(raw, p->xkey_public[key->form]);
    raw[4] = key->depth;
    memcpy(raw + 5, key->parent_fingerprint, 4);
    bip32_write_be32(raw + 9, key->child_number);
    memcpy(raw + 13, key->chain_code, 32);
    memcpy(raw + 45, key->pubkey, BS_PUBKEY_LEN);
    return bs_base58check_encode(raw, sizeof(raw), out, out_size);
}

bs_status
bs_bip32_derive_child(const bs_bip32_key *parent, uint32_t index, bs_bip32_key *child)
{
    struct hmac_sha512_ctx hmac;
    uint8_t data[BS_PUBKEY_LEN + 4];
    uint8_t digest[64]; /* IL = digest[0..32), IR = digest[32..64) */
    uint8_t parent_hash[BS_HASH160_LEN];
    secp256k1_pubkey point;
    bs_bip32_key next;
    size_t pubkey_len = BS_PUBKEY_LEN;

    if (index >= BS_BIP32_HARDENED || parent->depth == UINT8_MAX)
        return BS_INVALID;
    if (!bip32_point_ok(parent->pubkey, &point))
        return BS_INVALID;

    memcpy(data, parent->pubkey, BS_PUBKEY_LEN);
    bip32_write_be32(data + BS_PUBKEY_LEN, index);
    hmac_sha512_set_key(&hmac, sizeof(parent->chain_code), parent->chain_code);
    hmac_sha512_update(&hmac, sizeof(data), data);
    hmac_sha512_digest(&hmac, sizeof(digest), digest);

    /* Fails exactly when IL >= n or IL*G + K is the point at infinity. */
    if (!secp256k1_ec_pubkey_tweak_add(secp256k1_context_static, &point, digest))
        return BS_NOTFOUND;

    next.network = parent->network;
    next.form = parent->form;
    next.depth = (uint8_t)(parent->depth + 1);
    bs_address_hash160(parent->pubkey, BS_PUBKEY_LEN, parent_hash);
    memcpy(next.parent_fingerprint, parent_hash, 4);
    next.child_number = index;
    memcpy(next.chain_code, digest + 32, 32);
    secp256k1_ec_pubkey_serialize(secp256k1_context_static, next.pubkey, &pubkey_len, &point,
                                  SECP256K1_EC_COMPRESSED);
    *child = next;
    return BS_OK;
}

/* Read one path step at *p (decimal, < 2^31, no hardened mark) and move *p
 * past it and past a following '/'. False if the step is malformed, or the
 * '/' is the last character. */
static bool
bip32_path_step(const char **p, uint32_t *index)
{
    const char *s = *p;
    uint64_t v = 0; /* at most 10 digits: no overflow */
    size_t digits = 0;

    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (uint64_t)(*s - '0');
        if (++digits > 10 || v >= BS_BIP32_HARDENED)
            return false;
        s++;
    }
    if (digits == 0)
        return false;
    if (*s == '/') {
        s++;
        if (*s == '\0')
            return false;
    } else if (*s != '\0') {
        return false; /* "0'", "0h", "0H", spaces, anything else */
    }
    *p = s;
    *index = (uint32_t)v;
    return true;
}

bs_status
bs_bip32_derive_path(const bs_bip32_key *key, const char *path, bs_bip32_key *out)
{
    bs_bip32_key cur = *key;
    const char *p = path;
    uint32_t index;
    bs_status st;

    while (*p != '\0') {
        if (!bip32_path_step(&p, &index))
            return BS_INVALID;
        st = bs_bip32_derive_child(&cur, index, &cur);
        if (st != BS_OK)
            return st;
    }
    *out = cur;
    return BS_OK;
}

bool
bs_bip32_allows(const bs_bip32_key *key, bs_address_type type)
{
    if ((unsigned)type >= BS_ADDRTYPE__COUNT)
        return false;
    switch (key->form) {
    case BS_XKEY_XPUB:
        return true;
    case BS_XKEY_YPUB:
        return type == BS_ADDRTYPE_P2SH_P2WPKH;
    case BS_XKEY_ZPUB:
        return type == BS_ADDRTYPE_P2WPKH;
    case BS_XKEY__COUNT:
        break;
    }
    return false;
}

const char *
bs_bip32_form_name(bs_network net, bs_xkey_form form)
{
    static const char *const names[2][BS_XKEY__COUNT] = {{"xpub", "ypub", "zpub"},
                                                         {"tpub", "upub", "vpub"}};

    if (bs_network_params_of(net) == NULL || (unsigned)form >= BS_XKEY__COUNT)
        return "";
    return names[net == BS_NETWORK_MAIN ? 0 : 1][form];
}

bs_address_type
bs_bip32_default_type(const bs_bip32_key *key)
{
    return key->form == BS_XKEY_YPUB ? BS_ADDRTYPE_P2SH_P2WPKH : BS_ADDRTYPE_P2WPKH;
}

bs_status
bs_bip32_address(const bs_bip32_key *key, const char *path, bs_address_type type, char *out,
                 size_t out_size)
{
    bs_bip32_key child;
    bs_status st;

    if (out_size > 0)
        out[0] = '\0';
    if (!bs_bip32_allows(key, type))
        return BS_INVALID;
    st = bs_bip32_derive_path(key, path, &child);
    if (st != BS_OK)
        return st;
    return bs_address_from_pubkey(key->network, type, child.pubkey, out, out_size);
}
