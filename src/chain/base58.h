/*
 * base58.h — base58 (bitcoin alphabet) and base58check (payload followed by
 * the first 4 bytes of SHA-256(SHA-256(payload))).
 *
 * Invariants:
 *   - Each leading zero byte is one leading '1' and back; the rest is the
 *     big-endian number in base 58, so encode and decode are exact inverses.
 *   - Sizes are bounded (BS_BASE58_MAX_BYTES, BS_BASE58_MAX_CHARS): the work
 *     is quadratic, so text from the outside is refused before it is decoded
 *     rather than decoded slowly.
 *   - Nothing is allocated; all buffers belong to the caller. Thread-safe.
 */
#ifndef BS_CHAIN_BASE58_H
#define BS_CHAIN_BASE58_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

/* The longest binary value handled, and the longest text (base58 of that many
 * 0xff bytes). Enough for extended keys (82 bytes with checksum) with room. */
#define BS_BASE58_MAX_BYTES 256
#define BS_BASE58_MAX_CHARS 350

/* Length of the base58check checksum. */
#define BS_BASE58_CHECK_LEN 4

/* Write the base58 text of data[0..len) and a NUL into out (out_size bytes).
 * BS_TOOLARGE if len > BS_BASE58_MAX_BYTES or out is too small (out is then
 * left holding an empty string when out_size > 0). */
bs_status bs_base58_encode(const uint8_t *data, size_t len, char *out, size_t out_size);

/* Decode NUL-terminated base58 text into out (out_cap bytes); the number of
 * bytes in *out_len. "" decodes to 0 bytes. BS_INVALID on a character outside
 * the alphabet (whitespace included); BS_TOOLARGE if the text is longer than
 * BS_BASE58_MAX_CHARS or the value does not fit out_cap. On failure *out_len
 * is 0 and out is unspecified. */
bs_status bs_base58_decode(const char *text, uint8_t *out, size_t out_cap, size_t *out_len);

/* base58 of payload || checksum. BS_TOOLARGE as bs_base58_encode (the payload
 * may hold at most BS_BASE58_MAX_BYTES - 4 bytes). */
bs_status bs_base58check_encode(const uint8_t *payload, size_t len, char *out, size_t out_size);

/* Decode base58check text and verify its checksum; the payload (without the
 * checksum) goes into out, its length into *out_len. BS_INVALID if the text is
 * not base58 or holds fewer than 4 bytes, BS_CORRUPT if the checksum does not
 * match (a typo), BS_TOOLARGE if the text or the payload is too long. On
 * failure *out_len is 0 and out is unspecified. */
bs_status bs_base58check_decode(const char *text, uint8_t *out, size_t out_cap, size_t *out_len);

#endif
