/*
 * base58.c — base58 and base58check by schoolbook base conversion.
 *
 * The value is converted one input digit at a time into a little-endian array
 * of output digits (carry propagation), so each call is O(n^2) in the bounded
 * length and needs no big-number library and no allocation. Leading zero
 * bytes and leading '1's are counted apart, as the format requires.
 */
#include "chain/base58.h"

#include <string.h>

#include <nettle/sha2.h>

static const char base58_alphabet[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* The digit value of c, or -1 if c is not in the alphabet. */
static int
base58_digit(unsigned char c)
{
    const char *p;

    if (c == '\0')
        return -1;
    p = strchr(base58_alphabet, c);
    return p ? (int)(p - base58_alphabet) : -1;
}

/* The first 4 bytes of SHA-256(SHA-256(data)). */
static void
base58_checksum(const uint8_t *data, size_t len, uint8_t out[BS_BASE58_CHECK_LEN])
{
    struct sha256_ctx ctx;
    uint8_t digest[SHA256_DIGEST_SIZE];

    sha256_init(&ctx);
    sha256_update(&ctx, len, data);
    sha256_digest(&ctx, sizeof(digest), digest);
    sha256_update(&ctx, sizeof(digest), digest);
    sha256_digest(&ctx, sizeof(digest), digest);
    memcpy(out, digest, BS_BASE58_CHECK_LEN);
}

bs_status
bs_base58_encode(const uint8_t *data, size_t len, char *out, size_t out_size)
{
    uint8_t digits[BS_BASE58_MAX_CHARS]; /* little-endian base-58 digits */
    size_t ndigits = 0, zeros = 0, i, j;

    if (out_size > 0)
        out[0] = '\0';
    if (len > BS_BASE58_MAX_BYTES)
        return BS_TOOLARGE;
    while (zeros < len && data[zeros] == 0)
        zeros++;
    for (i = zeros; i < len; i++) {
        unsigned carry = data[i];

        for (j = 0; j < ndigits; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry > 0) {
            /* 256^256 < 58^350, so the array never overflows. */
            digits[ndigits++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    if (zeros + ndigits + 1 > out_size)
        return BS_TOOLARGE;
    for (i = 0; i < zeros; i++)
        out[i] = '1';
    for (j = 0; j < ndigits; j++)
        out[zeros + j] = base58_alphabet[digits[ndigits - 1 - j]];
    out[zeros + ndigits] = '\0';
    return BS_OK;
}

bs_status
bs_base58_decode(const char *text, uint8_t *out, size_t out_cap, size_t *out_len)
{
    uint8_t bytes[BS_BASE58_MAX_BYTES + 8]; /* little-endian bytes of the value */
    size_t nbytes = 0, ones = 0, len, i, j;

    *out_len = 0;
    len = strnlen(text, BS_BASE58_MAX_CHARS + 1);
    if (len > BS_BASE58_MAX_CHARS)
        return BS_TOOLARGE;
    while (ones < len && text[ones] == '1')
        ones++;
    for (i = ones; i < len; i++) {
        int digit = base58_digit((unsigned char)text[i]);
        unsigned carry;

        if (digit < 0)
            return BS_INVALID;
        carry = (unsigned)digit;
        for (j = 0; j < nbytes; j++) {
            carry += (unsigned)bytes[j] * 58;
            bytes[j] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
        while (carry > 0) {
            if (nbytes == sizeof(bytes))
                return BS_TOOLARGE;
            bytes[nbytes++] = (uint8_t)(carry & 0xff);
            carry >>= 8;
        }
    }
    if (ones + nbytes > out_cap)
        return BS_TOOLARGE;
    if (ones > 0)
        memset(out, 0, ones);
    for (j = 0; j < nbytes; j++)
        out[ones + j] = bytes[nbytes - 1 - j];
    *out_len = ones + nbytes;
    return BS_OK;
}

bs_status
bs_base58check_encode(const uint8_t *payload, size_t len, char *out, size_t out_size)
{
    uint8_t buf[BS_BASE58_MAX_BYTES];

    if (out_size > 0)
        out[0] = '\0';
    if (len > BS_BASE58_MAX_BYTES - BS_BASE58_CHECK_LEN)
        return BS_TOOLARGE;
    if (len > 0)
        memcpy(buf, payload, len);
    base58_checksum(buf, len, buf + len);
    return bs_base58_encode(buf, len + BS_BASE58_CHECK_LEN, out, out_size);
}

bs_status
bs_base58check_decode(const char *text, uint8_t *out, size_t out_cap, size_t *out_len)
{
    uint8_t buf[BS_BASE58_MAX_BYTES];
    uint8_t check[BS_BASE58_CHECK_LEN];
    size_t n, payload_len;
    bs_status st;

    *out_len = 0;
    st = bs_base58_decode(text, buf, sizeof(buf), &n);
    if (st != BS_OK)
        return st;
    if (n < BS_BASE58_CHECK_LEN)
        return BS_INVALID;
    payload_len = n - BS_BASE58_CHECK_LEN;
    base58_checksum(buf, payload_len, check);
    if (memcmp(check, buf + payload_len, BS_BASE58_CHECK_LEN) != 0)
        return BS_CORRUPT;
    if (payload_len > out_cap)
        return BS_TOOLARGE;
    if (payload_len > 0)
        memcpy(out, buf, payload_len);
    *out_len = payload_len;
    return BS_OK;
}
