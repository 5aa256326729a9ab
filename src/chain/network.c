/*
 * network.c — the constant table of networks (Bitcoin Core chainparams for
 * the address prefixes; SLIP-132 for the extended key version bytes).
 */
#include "chain/network.h"

#include <stddef.h>
#include <string.h>

/* Extended-key version bytes: mainnet xpub/ypub/zpub, and the one set shared
 * by every test network tpub/upub/vpub. */
#define NETWORK_MAIN_XPUB                                                                          \
    {                                                                                              \
        0x0488B21Eu, 0x049D7CB2u, 0x04B24746u                                                      \
    }
#define NETWORK_MAIN_XPRV                                                                          \
    {                                                                                              \
        0x0488ADE4u, 0x049D7878u, 0x04B2430Cu                                                      \
    }
#define NETWORK_TEST_XPUB                                                                          \
    {                                                                                              \
        0x043587CFu, 0x044A5262u, 0x045F1CF6u                                                      \
    }
#define NETWORK_TEST_XPRV                                                                          \
    {                                                                                              \
        0x04358394u, 0x044A4E28u, 0x045F18BCu                                                      \
    }

static const bs_network_params network_table[] = {
    {BS_NETWORK_MAIN, "main", 0x00, 0x05, "bc", NETWORK_MAIN_XPUB, NETWORK_MAIN_XPRV},
    {BS_NETWORK_TEST, "test", 0x6f, 0xc4, "tb", NETWORK_TEST_XPUB, NETWORK_TEST_XPRV},
    {BS_NETWORK_SIGNET, "signet", 0x6f, 0xc4, "tb", NETWORK_TEST_XPUB, NETWORK_TEST_XPRV},
    {BS_NETWORK_REGTEST, "regtest", 0x6f, 0xc4, "bcrt", NETWORK_TEST_XPUB, NETWORK_TEST_XPRV},
};

_Static_assert(sizeof(network_table) / sizeof(network_table[0]) == BS_NETWORK__END - 1,
               "one row per network, in enum order from BS_NETWORK_MAIN");

bs_status
bs_network_parse(const char *name, bs_network *out)
{
    size_t i;

    *out = BS_NETWORK_INVALID;
    for (i = 0; i < sizeof(network_table) / sizeof(network_table[0]); i++) {
        if (strcmp(name, network_table[i].name) == 0) {
            *out = network_table[i].network;
            return BS_OK;
        }
    }
    return BS_INVALID;
}

const bs_network_params *
bs_network_params_of(bs_network net)
{
    if ((unsigned)net == BS_NETWORK_INVALID || (unsigned)net >= BS_NETWORK__END)
        return NULL;
    return &network_table[net - BS_NETWORK_MAIN];
}

const char *
bs_network_name(bs_network net)
{
    const bs_network_params *p = bs_network_params_of(net);

    return p ? p->name : "invalid";
}
