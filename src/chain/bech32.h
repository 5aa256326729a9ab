/*
 * bech32.h — bech32 (BIP173) and bech32m (BIP350) strings, and segwit
 * addresses built on them.
 *
 * Invariants:
 *   - A string is at most 90 characters: HRP (1..83 characters in 33..126),
 *     the separator '1' (the last '1' in the string), and a data part of at
 *     least the 6 checksum characters. It is all lower case or all upper case,
 *     never mixed; decoding returns the HRP in lower case; encoding writes
 *     lower case only.
 *   - The checksum constant is 1 for bech32 and 0x2bc830a3 for bech32m; no
 *     string is valid in both.
 *   - A segwit address has witness version 0..16 and a program of 2..40
 *     bytes; version 0 programs are 20 or 32 bytes and use bech32, versions
 *     1..16 use bech32m (BIP350). Anything else is refused with BS_INVALID.
 *   - Nothing is allocated; all buffers belong to the caller. Thread-safe.
 */
#ifndef BS_CHAIN_BECH32_H
#define BS_CHAIN_BECH32_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

#define BS_BECH32_MAX_LEN     90 /* characters, without the NUL */
#define BS_BECH32_HRP_MAX     83 /* characters, without the NUL */
#define BS_BECH32_DATA_MAX    82 /* 5-bit values besides the checksum */
#define BS_BECH32_PROGRAM_MAX 40 /* bytes of a witness program */

typedef enum bs_bech32_encoding {
    BS_BECH32 = 1, /* BIP173, constant 1 */
    BS_BECH32M = 2 /* BIP350, constant 0x2bc830a3 */
} bs_bech32_encoding;

/* A decoded segwit address (an open value; copy it freely). */
typedef struct bs_bech32_segwit {
    char hrp[BS_BECH32_HRP_MAX + 1]; /* lower case, NUL-terminated */
    unsigned version;                /* 0..16 */
    uint8_t program[BS_BECH32_PROGRAM_MAX];
    size_t program_len; /* 2..40; 20 or 32 for version 0 */
} bs_bech32_segwit;

/* Write hrp '1' data checksum, NUL-terminated, into out (out_size bytes).
 * data holds data_len 5-bit values (each < 32). BS_INVALID if the HRP is
 * empty, longer than 83, has a character outside 33..126 or an upper-case
 * letter, a value is >= 32, or the result would exceed 90 characters;
 * BS_TOOLARGE if out is too small. On failure out holds "" (if out_size > 0). */
bs_status bs_bech32_encode(bs_bech32_encoding enc, const char *hrp, const uint8_t *data,
                           size_t data_len, char *out, size_t out_size);

/* Decode a bech32 or bech32m string. The encoding found goes into *enc, the
 * lower-case HRP into hrp (hrp_size bytes, BS_BECH32_HRP_MAX + 1 always
 * suffices), the 5-bit data values without the checksum into data (data_cap
 * values, BS_BECH32_DATA_MAX always suffices) and their count into *data_len.
 * BS_INVALID for any violation of the format or a bad checksum; BS_TOOLARGE if
 * a buffer is too small. On failure the outputs are unspecified. */
bs_status bs_bech32_decode(const char *str, bs_bech32_encoding *enc, char *hrp, size_t hrp_size,
                           uint8_t *data, size_t data_cap, size_t *data_len);

/* Write the segwit address of (version, program) with the given HRP into out
 * (BS_BECH32_MAX_LEN + 1 bytes always suffice). bech32 for version 0, bech32m
 * otherwise. BS_INVALID if the version or program length breaks the rules
 * above or the HRP is invalid; BS_TOOLARGE if out is too small. */
bs_status bs_bech32_segwit_encode(const char *hrp, unsigned version, const uint8_t *program,
                                  size_t program_len, char *out, size_t out_size);

/* Decode a segwit address of any HRP into *out; the caller compares out->hrp
 * with the HRP it expects. BS_INVALID if the string is not a valid segwit
 * address (including mixed case, the wrong checksum variant for its version,
 * bad padding). On failure *out is unspecified. */
bs_status bs_bech32_segwit_decode(const char *addr, bs_bech32_segwit *out);

#endif
