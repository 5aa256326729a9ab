/*
 * chain_test.h — hex helpers shared by the tests of src/chain, which compare
 * bytes against the hex of published test vectors. Header-only (static
 * inline) so that each test executable stays one .c file.
 */
#ifndef BS_TESTS_CHAIN_TEST_H
#define BS_TESTS_CHAIN_TEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int
chain_test_nibble(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode hex into out (cap bytes); the byte count, or (size_t)-1 if the hex
 * is malformed or does not fit. */
static inline size_t
chain_test_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t len = strlen(hex), i;

    if (len % 2 != 0 || len / 2 > cap)
        return (size_t)-1;
    for (i = 0; i < len / 2; i++) {
        int hi = chain_test_nibble(hex[2 * i]), lo = chain_test_nibble(hex[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return (size_t)-1;
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return len / 2;
}

/* Lower-case hex of data into out (2 * len + 1 bytes). */
static inline void
chain_test_hex(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

#endif
