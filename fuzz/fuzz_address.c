/*
 * fuzz_address.c — bs_address_parse, bs_address_validate for every network
 * (and two values that are not networks), and bs_bip32_parse for every
 * network (src/chain/address.h, bip32.h), on a NUL-terminated copy of the
 * input: the text of a deposit address list or an extended public key.
 *
 * Checks:
 *   - validate(net) is OK exactly when parse is OK and net is in
 *     info.networks, and fills the same info;
 *   - a parsed address encodes back to the same text (base58check, or
 *     bech32/bech32m, ignoring case);
 *   - its canonical spelling for each of its networks is that text, in lower
 *     case for segwit, is canonical itself, and exists exactly for the
 *     addresses coins can be sent to safely (not witness v2..v16, nor v1
 *     that is not 32 bytes);
 *   - a parsed extended key serializes back to the same text; a derivation of
 *     "0/1" gives a key one level deeper, and each address type the key's form
 *     allows is a valid address of the key's network.
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/address.h"
#include "chain/base58.h"
#include "chain/bech32.h"
#include "chain/bip32.h"
#include "chain/network.h"

static bool
same_text_nocase(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

static void
check_canonical(const char *text, const bs_address_info *info)
{
    char canon[BS_ADDRESS_MAX], again[BS_ADDRESS_MAX];

    for (int net = BS_NETWORK_MAIN; net < BS_NETWORK__END; net++) {
        bs_status st = bs_address_canonical((bs_network)net, text, canon, NULL);

        if ((info->networks & BS_NETWORK_BIT(net)) == 0) {
            if (st != BS_INVALID || canon[0] != '\0')
                abort();
            continue;
        }
        if (info->kind == BS_ADDRESS_WITNESS_OTHER) {
            if (st != BS_UNSUPPORTED || canon[0] != '\0')
                abort();
            continue;
        }
        if (st != BS_OK || !same_text_nocase(canon, text) ||
            (info->witness_version < 0 && strcmp(canon, text) != 0))
            abort();
        for (const char *c = canon; info->witness_version >= 0 && *c != '\0'; c++)
            if (isupper((unsigned char)*c))
                abort();
        if (bs_address_canonical((bs_network)net, canon, again, NULL) != BS_OK ||
            strcmp(again, canon) != 0)
            abort();
    }
}

static void
check_address(const char *text)
{
    bs_address_info info, vinfo;
    bs_status st = bs_address_parse(text, &info);
    char out[BS_ADDRESS_MAX];

    for (int net = BS_NETWORK_INVALID; net <= BS_NETWORK__END; net++) {
        bool member;
        bs_status vst = bs_address_validate((bs_network)net, text, &vinfo);

        member = st == BS_OK && bs_network_params_of((bs_network)net) != NULL &&
                 (info.networks & BS_NETWORK_BIT(net)) != 0;
        if ((vst == BS_OK) != member || memcmp(&info, &vinfo, sizeof(info)) != 0)
            abort();
        if (bs_address_validate((bs_network)net, text, NULL) != vst)
            abort();
    }
    if (st != BS_OK) {
        static const bs_address_info zero;

        if (memcmp(&info, &zero, sizeof(info)) != 0)
            abort();
        return;
    }
    if (info.networks == 0 || info.program_len > BS_PROGRAM_MAX)
        abort();
    check_canonical(text, &info);
    if (info.witness_version < 0) {
        uint8_t payload[1 + BS_HASH160_LEN];
        const bs_network_params *p = NULL;

        for (int net = BS_NETWORK_MAIN; net < BS_NETWORK__END; net++)
            if (info.networks & BS_NETWORK_BIT(net))
                p = bs_network_params_of((bs_network)net);
        if (info.program_len != BS_HASH160_LEN ||
            (info.kind != BS_ADDRESS_P2PKH && info.kind != BS_ADDRESS_P2SH))
            abort();
        payload[0] = info.kind == BS_ADDRESS_P2PKH ? p->p2pkh_version : p->p2sh_version;
        memcpy(payload + 1, info.program, BS_HASH160_LEN);
        if (bs_base58check_encode(payload, sizeof(payload), out, sizeof(out)) != BS_OK ||
            strcmp(out, text) != 0)
            abort();
    } else {
        const char *hrp = NULL;

        for (int net = BS_NETWORK_MAIN; net < BS_NETWORK__END; net++)
            if (info.networks & BS_NETWORK_BIT(net))
                hrp = bs_network_params_of((bs_network)net)->hrp;
        if (info.witness_version > 16 || info.kind < BS_ADDRESS_P2WPKH ||
            bs_bech32_segwit_encode(hrp, (unsigned)info.witness_version, info.program,
                                    info.program_len, out, sizeof(out)) != BS_OK ||
            !same_text_nocase(out, text))
            abort();
    }
}

static void
check_bip32(const char *text)
{
    for (int net = BS_NETWORK_INVALID; net <= BS_NETWORK__END; net++) {
        bs_bip32_key key, child;
        bs_bip32_problem why = BS_BIP32_OK;
        char out[BS_BIP32_TEXT_MAX], addr[BS_ADDRESS_MAX];
        bs_status st = bs_bip32_parse((bs_network)net, text, &key, &why);

        if ((st == BS_OK) != (why == BS_BIP32_OK))
            abort();
        if (st != BS_OK)
            continue;
        if (bs_bip32_serialize(&key, out, sizeof(out)) != BS_OK || strcmp(out, text) != 0)
            abort();
        st = bs_bip32_derive_path(&key, "0/1", &child);
        if (st == BS_NOTFOUND || (st == BS_INVALID && key.depth >= UINT8_MAX - 1))
            continue;
        if (st != BS_OK || child.depth != key.depth + 2 || child.child_number != 1 ||
            child.network != key.network || child.form != key.form)
            abort();
        for (int type = 0; type < BS_ADDRTYPE__COUNT; type++) {
            st = bs_bip32_address(&key, "0/1", (bs_address_type)type, addr, sizeof(addr));
            if (!bs_bip32_allows(&key, (bs_address_type)type)) {
                if (st != BS_INVALID || addr[0] != '\0')
                    abort();
                continue;
            }
            if (st != BS_OK || bs_address_validate(key.network, addr, NULL) != BS_OK)
                abort();
        }
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    check_address(text);
    check_bip32(text);
    free(text);
    return 0;
}
