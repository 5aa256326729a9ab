/*
 * bech32.c — the BCH checksum of BIP173 with the two constants of BIP350, the
 * 8-bit <-> 5-bit regrouping of witness programs, and the segwit rules.
 *
 * The checksum is computed incrementally (bech32_step) over the expanded HRP
 * (high bits of each character, a 0, low bits of each character), then the
 * data values, so no expanded copy is built.
 */
#include "chain/bech32.h"

#include <stdbool.h>
#include <string.h>

#define BECH32_CHECKSUM_LEN 6
#define BECH32_CONST        1u
#define BECH32M_CONST       0x2bc830a3u

static const char bech32_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* One step of the checksum: shift in the 5-bit value v. */
static uint32_t
bech32_step(uint32_t chk, uint8_t v)
{
    uint32_t top = chk >> 25;

    chk = ((chk & 0x1ffffffu) << 5) ^ v;
    if (top & 1u)
        chk ^= 0x3b6a57b2u;
    if (top & 2u)
        chk ^= 0x26508e6du;
    if (top & 4u)
        chk ^= 0x1ea119fau;
    if (top & 8u)
        chk ^= 0x3d4233ddu;
    if (top & 16u)
        chk ^= 0x2a1462b3u;
    return chk;
}

/* The checksum state after the expanded HRP (hrp_len lower-case bytes). */
static uint32_t
bech32_hrp_state(const char *hrp, size_t hrp_len)
{
    uint32_t chk = 1;
    size_t i;

    for (i = 0; i < hrp_len; i++)
        chk = bech32_step(chk, (uint8_t)((unsigned char)hrp[i] >> 5));
    chk = bech32_step(chk, 0);
    for (i = 0; i < hrp_len; i++)
        chk = bech32_step(chk, (uint8_t)((unsigned char)hrp[i] & 31u));
    return chk;
}

static uint32_t
bech32_const(bs_bech32_encoding enc)
{
    return enc == BS_BECH32M ? BECH32M_CONST : BECH32_CONST;
}

/* The value of a lower-case data character, or -1. */
static int
bech32_value(unsigned char c)
{
    const char *p;

    if (c == '\0')
        return -1;
    p = strchr(bech32_charset, c);
    return p ? (int)(p - bech32_charset) : -1;
}

/* Regroup in_len values of inbits bits into values of outbits bits. With pad,
 * the last group is filled with zero bits; without, leftover bits must be
 * fewer than inbits and all zero (BIP173). False on overflow of out_cap or a
 * padding violation. */
static bool
bech32_regroup(uint8_t *out, size_t out_cap, size_t *out_len, unsigned outbits, const uint8_t *in,
               size_t in_len, unsigned inbits, bool pad)
{
    uint32_t acc = 0;
    uint32_t maxv = (1u << outbits) - 1u;
    uint32_t maxacc = (1u << (inbits + outbits - 1u)) - 1u;
    unsigned bits = 0;
    size_t i, n = 0;

    for (i = 0; i < in_len; i++) {
        acc = ((acc << inbits) | in[i]) & maxacc;
        bits += inbits;
        while (bits >= outbits) {
            bits -= outbits;
            if (n == out_cap)
                return false;
            out[n++] = (uint8_t)((acc >> bits) & maxv);
        }
    }
    if (pad) {
        if (bits > 0) {
            if (n == out_cap)
                return false;
            out[n++] = (uint8_t)((acc << (outbits - bits)) & maxv);
        }
    } else if (bits >= inbits || ((acc << (outbits - bits)) & maxv) != 0) {
        return false;
    }
    *out_len = n;
    return true;
}

bs_status
bs_bech32_encode(bs_bech32_encoding enc, const char *hrp, const uint8_t *data, size_t data_len,
                 char *out, size_t out_size)
{
    size_t hrp_len, total, i, pos;
    uint32_t chk;

    if (out_size > 0)
        out[0] = '\0';
    if (enc != BS_BECH32 && enc != BS_BECH32M)
        return BS_INVALID;
    hrp_len = strnlen(hrp, BS_BECH32_HRP_MAX + 1);
    if (hrp_len < 1 || hrp_len > BS_BECH32_HRP_MAX)
        return BS_INVALID;
    for (i = 0; i < hrp_len; i++) {
        unsigned char c = (unsigned char)hrp[i];

        if (c < 33 || c > 126 || (c >= 'A' && c <= 'Z'))
            return BS_INVALID;
    }
    if (data_len > BS_BECH32_MAX_LEN)
        return BS_INVALID;
    total = hrp_len + 1 + data_len + BECH32_CHECKSUM_LEN;
    if (total > BS_BECH32_MAX_LEN)
        return BS_INVALID;
    if (total + 1 > out_size)
        return BS_TOOLARGE;

    chk = bech32_hrp_state(hrp, hrp_len);
    memcpy(out, hrp, hrp_len);
    pos = hrp_len;
    out[pos++] = '1';
    for (i = 0; i < data_len; i++) {
        if (data[i] >= 32) {
            out[0] = '\0';
            return BS_INVALID;
        }
        chk = bech32_step(chk, data[i]);
        out[pos++] = bech32_charset[data[i]];
    }
    for (i = 0; i < BECH32_CHECKSUM_LEN; i++)
        chk = bech32_step(chk, 0);
    chk ^= bech32_const(enc);
    for (i = 0; i < BECH32_CHECKSUM_LEN; i++)
        out[pos++] = bech32_charset[(chk >> (5 * (5 - i))) & 31u];
    out[pos] = '\0';
    return BS_OK;
}

bs_status
bs_bech32_decode(const char *str, bs_bech32_encoding *enc, char *hrp, size_t hrp_size,
                 uint8_t *data, size_t data_cap, size_t *data_len)
{
    uint8_t values[BS_BECH32_MAX_LEN];
    bool lower = false, upper = false;
    size_t len, sep, nvalues, i;
    uint32_t chk;

    len = strnlen(str, BS_BECH32_MAX_LEN + 1);
    if (len > BS_BECH32_MAX_LEN)
        return BS_INVALID;
    sep = len; /* none yet */
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)str[i];

        if (c < 33 || c > 126)
            return BS_INVALID;
        if (c >= 'a' && c <= 'z')
            lower = true;
        if (c >= 'A' && c <= 'Z')
            upper = true;
        if (c == '1')
            sep = i;
    }
    if (lower && upper)
        return BS_INVALID;
    /* No separator, empty HRP, or a data part shorter than the checksum. */
    if (sep == len || sep == 0 || len - sep - 1 < BECH32_CHECKSUM_LEN)
        return BS_INVALID;
    if (sep > BS_BECH32_HRP_MAX)
        return BS_INVALID;
    if (sep + 1 > hrp_size)
        return BS_TOOLARGE;
    for (i = 0; i < sep; i++) {
        unsigned char c = (unsigned char)str[i];

        hrp[i] = (char)((c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c);
    }
    hrp[sep] = '\0';

    nvalues = len - sep - 1;
    for (i = 0; i < nvalues; i++) {
        unsigned char c = (unsigned char)str[sep + 1 + i];
        int v = bech32_value((c >= 'A' && c <= 'Z') ? (unsigned char)(c + ('a' - 'A')) : c);

        if (v < 0)
            return BS_INVALID;
        values[i] = (uint8_t)v;
    }

    chk = bech32_hrp_state(hrp, sep);
    for (i = 0; i < nvalues; i++)
        chk = bech32_step(chk, values[i]);
    if (chk == BECH32_CONST)
        *enc = BS_BECH32;
    else if (chk == BECH32M_CONST)
        *enc = BS_BECH32M;
    else
        return BS_INVALID;

    nvalues -= BECH32_CHECKSUM_LEN;
    if (nvalues > data_cap)
        return BS_TOOLARGE;
    if (nvalues > 0)
        memcpy(data, values, nvalues);
    *data_len = nvalues;
    return BS_OK;
}

/* The segwit rules on (version, program length) and the encoding they imply. */
static bool
bech32_segwit_ok(unsigned version, size_t program_len)
{
    if (version > 16 || program_len < 2 || program_len > BS_BECH32_PROGRAM_MAX)
        return false;
    if (version == 0 && program_len != 20 && program_len != 32)
        return false;
    return true;
}

bs_status
bs_bech32_segwit_encode(const char *hrp, unsigned version, const uint8_t *program,
                        size_t program_len, char *out, size_t out_size)
{
    uint8_t data[BS_BECH32_DATA_MAX];
    size_t n;

    if (out_size > 0)
        out[0] = '\0';
    if (!bech32_segwit_ok(version, program_len))
        return BS_INVALID;
    data[0] = (uint8_t)version;
    if (!bech32_regroup(data + 1, sizeof(data) - 1, &n, 5, program, program_len, 8, true))
        return BS_INVALID;
    return bs_bech32_encode(version == 0 ? BS_BECH32 : BS_BECH32M, hrp, data, n + 1, out, out_size);
}

bs_status
bs_bech32_segwit_decode(const char *addr, bs_bech32_segwit *out)
{
    uint8_t data[BS_BECH32_DATA_MAX];
    uint8_t program[64]; /* 81 values of 5 bits fit in 51 bytes */
    bs_bech32_encoding enc;
    size_t data_len, program_len;
    bs_status st;

    st = bs_bech32_decode(addr, &enc, out->hrp, sizeof(out->hrp), data, sizeof(data), &data_len);
    if (st != BS_OK)
        return BS_INVALID;
    if (data_len < 1 || data[0] > 16)
        return BS_INVALID;
    if (!bech32_regroup(program, sizeof(program), &program_len, 8, data + 1, data_len - 1, 5,
                        false))
        return BS_INVALID;
    if (!bech32_segwit_ok(data[0], program_len))
        return BS_INVALID;
    if (enc != (data[0] == 0 ? BS_BECH32 : BS_BECH32M))
        return BS_INVALID;
    out->version = data[0];
    memcpy(out->program, program, program_len);
    out->program_len = program_len;
    return BS_OK;
}
