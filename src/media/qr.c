/*
 * qr.c — a text as a QR code in SVG path data (the policy is in qr.h).
 *
 * The steps: check the text -> QRcode_encodeString -> emit_runs once to
 * count the bytes -> one malloc -> emit_runs again to write them.
 *
 * Invariants:
 *   - libqrencode's errors are translated here and nowhere else: ENOMEM is
 *     BS_NOMEM; EINVAL and ERANGE (which a text of at most BS_QR_MAX_TEXT
 *     bytes cannot reach: version 40 at level M holds 2331 bytes) are
 *     BS_INVALID.
 *   - The two passes of emit_runs walk the same matrix with the same code,
 *     so the second writes exactly the bytes the first counted.
 *   - The symbol is freed on every path; the path string is the caller's
 *     only on BS_OK.
 *
 * Linked only into bitslot-serve (src/web/meson.build): the `bitslot`
 * command never loads libqrencode.
 */
#include "media/qr.h"

#include <assert.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

/* Bit 0 of a module of QRcode.data: 1 is dark. */
#define QR_DARK 1u

/* Write one subpath per horizontal run of dark modules into `out` (when it
 * is not NULL; it then has room for what a NULL pass returned, plus the
 * NUL) and return its length without the NUL. */
static size_t
emit_runs(const QRcode *qr, char *out)
{
    size_t len = 0;

    for (int y = 0; y < qr->width; y++) {
        const unsigned char *row = qr->data + (size_t)y * (size_t)qr->width;

        for (int x = 0; x < qr->width;) {
            if (!(row[x] & QR_DARK)) {
                x++;
                continue;
            }
            int start = x;
            while (x < qr->width && (row[x] & QR_DARK))
                x++;
            int run = x - start;
            /* At most "M184 184h177v1h-177z": 21 bytes and the NUL. */
            char one[32];
            int n = snprintf(one, sizeof(one), "M%d %dh%dv1h-%dz", start + BS_QR_QUIET_ZONE,
                             y + BS_QR_QUIET_ZONE, run, run);
            assert(n > 0 && (size_t)n < sizeof(one));
            if (out)
                memcpy(out + len, one, (size_t)n);
            len += (size_t)n;
        }
    }
    if (out)
        out[len] = '\0';
    return len;
}

bs_status
bs_qr_svg_path(const char *text, char **path_out, int *size_out)
{
    bs_status st = BS_OK;
    QRcode *qr = NULL;
    char *path = NULL;

    *path_out = NULL;
    *size_out = 0;
    if (!text || text[0] == '\0' || strnlen(text, BS_QR_MAX_TEXT + 1) > BS_QR_MAX_TEXT)
        return BS_INVALID;

    errno = 0;
    qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!qr) {
        st = errno == ENOMEM ? BS_NOMEM : BS_INVALID;
        goto out;
    }
    assert(qr->version >= 1 && qr->version <= 40 && qr->width == qr->version * 4 + 17);

    path = malloc(emit_runs(qr, NULL) + 1);
    if (!path) {
        st = BS_NOMEM;
        goto free_qr;
    }
    emit_runs(qr, path);
    *path_out = path;
    *size_out = qr->width + 2 * BS_QR_QUIET_ZONE;

free_qr:
    QRcode_free(qr);
out:
    return st;
}
