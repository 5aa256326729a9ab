/*
 * qr.h — a QR code of a text (a deposit address's BIP21 URI,
 * "bitcoin:bcrt1q...") as SVG path data, for the Add Funds page (issue 10).
 *
 * The page writes
 *     <svg viewBox="0 0 SIZE SIZE"><path d="PATH"/></svg>
 * with the two results below; one unit of the view box is one module.
 *
 * Encoding (libqrencode, QRcode_encodeString): error correction level M
 * (15% of the symbol may be lost), the smallest version that holds the text,
 * case-sensitive, hint QR_MODE_8: bytes are encoded as they are (UTF-8 labels
 * in a URI stay UTF-8), and libqrencode puts runs of digits or of upper-case
 * alphanumerics in their own, denser segments where that is shorter. The text
 * is never upper-cased here: BIP21 allows an upper-case bech32 address (which
 * would encode in the denser alphanumeric mode), but a base58 address and a
 * URI's parameters (label, message) are case-sensitive, so only the caller,
 * who knows what the text is, could choose that.
 *
 * Invariants:
 *   - The path is made only of the characters "Mhvz0123456789 -" (so it can
 *     go into an attribute without escaping): one subpath
 *     "M<x> <y>h<n>v1h-<n>z" per maximal horizontal run of dark modules,
 *     runs in row order, left to right, separated by nothing (each starts
 *     with M). Coordinates include a quiet zone of BS_QR_QUIET_ZONE light
 *     modules on every side.
 *   - SIZE is the symbol's width (version * 4 + 17) plus twice the quiet
 *     zone: every subpath lies inside 0..SIZE.
 *   - Safe to call from many threads at once (Debian's libqrencode is built
 *     with pthread; everything else is on the stack or in the call's own
 *     allocations).
 */
#ifndef BS_MEDIA_QR_H
#define BS_MEDIA_QR_H

#include "util/status.h"

#define BS_QR_MAX_TEXT   512u /* bytes; one more is refused */
#define BS_QR_QUIET_ZONE 4    /* modules of light margin on each side */

/* Encode the NUL-terminated `text` (see the file comment) and return the SVG
 * path data in *path_out and the size of the square, in modules with the
 * quiet zone, in *size_out. `path_out` and `size_out` must not be NULL.
 *
 * Statuses:
 *   BS_OK       *path_out is a malloc'ed NUL-terminated string the caller
 *               frees with free(); *size_out is 29..185 (versions 1..40)
 *   BS_INVALID  text is NULL, empty, or longer than BS_QR_MAX_TEXT bytes
 *   BS_NOMEM    out of memory
 * On any status but BS_OK, *path_out is NULL, *size_out is 0 and nothing is
 * left allocated. `text` is only read, and not kept. */
bs_status bs_qr_svg_path(const char *text, char **path_out, int *size_out);

#endif
