/*
 * image.h — checks an uploaded ad image ("slot filler") and re-encodes it
 * with libgd, so that what bitslot stores and serves is an image it has
 * decoded itself: no metadata, no trailing bytes, no surprises.
 *
 * Invariants:
 *   - The format is found from the content (magic bytes), never from a name.
 *     Accepted: JPEG, PNG, GIF, WebP, BMP.
 *   - At most BS_IMAGE_MAX_BYTES in; the length is checked before anything
 *     else is looked at. At most BS_IMAGE_MAX_BYTES out as well: an image
 *     that re-encodes larger (noise, a heavily compressed JPEG) is refused,
 *     so that what is stored is never larger than what may be uploaded.
 *   - Width and height are read from the file's own header (PNG IHDR, JPEG
 *     SOFn, GIF logical screen, WebP VP8/VP8L/VP8X, BMP info header) and must
 *     be 1..BS_IMAGE_MAX_SIDE before a decoder is given a byte, so a
 *     decompression bomb never allocates. The decoded image must then agree
 *     with the header.
 *   - Bad input never writes to stderr (libgd's and libpng's messages are
 *     silenced).
 *   - All functions are safe to call from many threads at once.
 *
 * Decoding is libgd's, except PNG, which is decoded with libpng directly
 * (libgd 2.3.3 lets libpng print warnings to stderr; see image.c).
 *
 * Output format (the input's family is kept where re-encoding would
 * otherwise lose something):
 *   JPEG in -> JPEG out, quality BS_IMAGE_JPEG_QUALITY, baseline.
 *   WebP in -> WebP out: lossless if the input's bitstream is lossless
 *              (VP8L), else lossy at quality BS_IMAGE_WEBP_QUALITY; alpha
 *              is kept. Animated WebP is refused (BS_IMAGE_ANIMATED_WEBP).
 *   PNG, GIF, BMP in -> PNG out (lossless; alpha/transparency kept, RGBA
 *              only when some pixel is not opaque, RGB otherwise: palettes
 *              are expanded, see encode() in image.c).
 *   A GIF is reduced to its first frame (an animation does not animate any
 *   more), drawn at its offset on a transparent canvas the size of the GIF's
 *   logical screen, so the dimensions are the screen's. An animated PNG
 *   likewise keeps only its default image. No Exif, ICC, text or other
 *   metadata survives; JPEG Exif orientation is not applied.
 */
#ifndef BS_MEDIA_IMAGE_H
#define BS_MEDIA_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

#define BS_IMAGE_MAX_BYTES    (4u * 1024u * 1024u) /* 4 MiB; one byte more is refused */
#define BS_IMAGE_MAX_SIDE     2048u                /* pixels, in either dimension */
#define BS_IMAGE_JPEG_QUALITY 90
#define BS_IMAGE_WEBP_QUALITY 90

typedef enum bs_image_format {
    BS_IMAGE_FORMAT_NONE = 0, /* no image (a failed call) */
    BS_IMAGE_FORMAT_JPEG,
    BS_IMAGE_FORMAT_PNG,
    BS_IMAGE_FORMAT_GIF,
    BS_IMAGE_FORMAT_WEBP,
    BS_IMAGE_FORMAT_BMP,
} bs_image_format;

/* Why an image was refused: name, the status bs_image_normalize returns for
 * it, and a short lowercase message with no full stop (for the CLI and the
 * web layer, which may also say it their own way). */
#define BS_IMAGE_REASON_MAP(X)                                                                     \
    X(OK, OK, "accepted")                                                                          \
    X(EMPTY, INVALID, "the file is empty")                                                         \
    X(FILE_TOO_LARGE, TOOLARGE, "the file is larger than 4 MiB")                                   \
    X(UNKNOWN_FORMAT, INVALID, "not a JPEG, PNG, GIF, WebP or BMP image")                          \
    X(TOO_MANY_PIXELS, TOOLARGE, "the image is wider or taller than 2048 pixels")                  \
    X(ENCODED_TOO_LARGE, TOOLARGE, "the image is larger than 4 MiB once re-encoded")               \
    X(NO_PIXELS, INVALID, "the image has a width or height of zero")                               \
    X(ANIMATED_WEBP, UNSUPPORTED, "animated WebP images are not supported")                        \
    X(CORRUPT, INVALID, "the image is truncated or damaged")                                       \
    X(NO_MEMORY, NOMEM, "out of memory")                                                           \
    X(NO_LIBRARY, UNAVAILABLE, "the image libraries (libgd, libpng) cannot be loaded")

typedef enum bs_image_reason {
#define BS__IMAGE_REASON_ENUM(name, status, msg) BS_IMAGE_##name,
    BS_IMAGE_REASON_MAP(BS__IMAGE_REASON_ENUM)
#undef BS__IMAGE_REASON_ENUM
        BS__IMAGE_REASON_COUNT
} bs_image_reason;

/* A normalized image (an open value struct). `data` is owned by the struct:
 * release it with bs_image_release(), never with free() (libgd allocated it).
 * `mime` is static storage ("image/png"). */
typedef struct bs_image {
    unsigned char *data;
    size_t len;
    uint32_t width;
    uint32_t height;
    bs_image_format input_format;  /* what the bytes were */
    bs_image_format output_format; /* what `data` is */
    const char *mime;              /* of output_format */
} bs_image;

/* Check `len` bytes at `data` and re-encode them (see the file comment).
 * `out` must not be NULL; `reason` may be NULL.
 *
 * Statuses (the reason says exactly which rule refused the image):
 *   BS_OK          accepted; *out holds the image, *reason is BS_IMAGE_OK
 *   BS_INVALID     EMPTY, UNKNOWN_FORMAT, NO_PIXELS, CORRUPT
 *   BS_TOOLARGE    FILE_TOO_LARGE, TOO_MANY_PIXELS, ENCODED_TOO_LARGE
 *   BS_UNSUPPORTED ANIMATED_WEBP
 *   BS_NOMEM       NO_MEMORY
 *   BS_UNAVAILABLE NO_LIBRARY: libgd or libpng cannot be loaded (they are
 *                  opened at the first image that passes the header checks;
 *                  bs_dynlib_failure() says why)
 * On any status but BS_OK, out->data is NULL and nothing is left allocated
 * (so bs_image_release on *out is a no-op); *out is all zero, except after
 * ENCODED_TOO_LARGE, where len, width, height and the formats describe the
 * re-encoding that was refused, and after TOO_MANY_PIXELS and NO_PIXELS,
 * where width and height are the header's (for the message: a size rule
 * says the size). `data` is only read, and not kept. */
bs_status bs_image_normalize(const void *data, size_t len, bs_image *out, bs_image_reason *reason);

/* Free the bytes of `img` and zero it. NULL, a zeroed struct, and a struct
 * already released are no-ops. */
void bs_image_release(bs_image *img);

/* The message of a reason (static storage; never NULL; an out-of-range value
 * gives "unknown reason"). */
const char *bs_image_explain(bs_image_reason reason);

/* The MIME type of the format `len` bytes at `data` are in, found from
 * the content as bs_image_normalize finds it ("image/png"; static
 * storage), or NULL when they are in none of the accepted formats. Looks
 * at the first bytes only: it checks nothing else. */
const char *bs_image_mime_of(const void *data, size_t len);

#endif
