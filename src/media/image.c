/*
 * image.c — ad image normalization (the policy is in image.h).
 *
 * The steps, one function each:
 *   inspect: length limit -> detect_format (magic bytes) -> probe_<format>
 *            (dimensions and container structure, no pixels) -> 1..2048 on
 *            each side -> structure complete
 *   decode (libgd; PNG with libpng, see decode_png) -> the decoded size
 *            agrees with the probe
 *   place_on_canvas (only a GIF whose first frame is smaller than its screen)
 *   encode (libgd) -> at most BS_IMAGE_MAX_BYTES
 *
 * Invariants:
 *   - A decoder is given only bytes whose header was read here and whose
 *     sides are 1..BS_IMAGE_MAX_SIDE, so no allocation is ever made for more
 *     than 2048 x 2048 pixels (16 MiB as 32-bit pixels).
 *   - Where a libgd decoder accepts a truncated file, the probe walks the
 *     container and calls the file CORRUPT unless it is complete: libjpeg
 *     fills missing rows with grey and only warns, so a JPEG must reach EOI
 *     after its scans; the GIF reader stops quietly at the end of the data,
 *     so the first image's data blocks must end with their terminator.
 *     decode_png reads a PNG up to its IEND; libwebp and the BMP reader fail
 *     on truncation by themselves.
 *   - Nothing is printed: libgd's error method is silenced (media/codecs.c)
 *     and libpng gets silent handlers (decode_png).
 *   - libgd and libpng are opened at the first image that gets past
 *     inspect() (media/codecs.h), never before: a refusal by the header
 *     alone, and every command that decodes no image, never loads them.
 *   - Besides the libraries' tables (written once), everything is on the
 *     caller's stack or in the libgd and libpng objects of one call, so calls
 *     on many threads are safe.
 *   - libgd reads a 32-bit BMP's fourth byte as padding: such a BMP comes out
 *     opaque.
 */
#include <assert.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "media/codecs.h"
#include "media/image.h"

/* What the header says, before any pixel is decoded. */
struct probe {
    bs_image_format format;
    uint32_t width; /* the canvas the header declares */
    uint32_t height;
    uint32_t frame_left; /* the part libgd decodes: the whole canvas except */
    uint32_t frame_top;  /* for a GIF, whose decoder returns its first frame */
    uint32_t frame_width;
    uint32_t frame_height;
    bool intact;   /* the container structure is complete (JPEG, GIF) */
    bool lossless; /* WebP: the bitstream is VP8L */
};

static const bs_status reason_status[] = {
#define BS__IMAGE_REASON_STATUS(name, status, msg) BS_##status,
    BS_IMAGE_REASON_MAP(BS__IMAGE_REASON_STATUS)
#undef BS__IMAGE_REASON_STATUS
};

static const char *const reason_messages[] = {
#define BS__IMAGE_REASON_MESSAGE(name, status, msg) msg,
    BS_IMAGE_REASON_MAP(BS__IMAGE_REASON_MESSAGE)
#undef BS__IMAGE_REASON_MESSAGE
};

static const char *const format_mime[] = {
    [BS_IMAGE_FORMAT_NONE] = NULL,         [BS_IMAGE_FORMAT_JPEG] = "image/jpeg",
    [BS_IMAGE_FORMAT_PNG] = "image/png",   [BS_IMAGE_FORMAT_GIF] = "image/gif",
    [BS_IMAGE_FORMAT_WEBP] = "image/webp", [BS_IMAGE_FORMAT_BMP] = "image/bmp",
};

/* --- byte readers --------------------------------------------------------- */

static uint32_t
be16(const uint8_t *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t
le16(const uint8_t *p)
{
    return (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le24(const uint8_t *p)
{
    return (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

/* A two's-complement 32-bit field as a signed number, without relying on an
 * implementation-defined conversion. */
static int64_t
signed32(uint32_t u)
{
    return u < 0x80000000u ? (int64_t)u : (int64_t)u - 0x100000000;
}

/* --- format detection ----------------------------------------------------- */

/* The info-header sizes libgd's BMP reader understands: OS/2 v1 (12),
 * Windows v3 (40), OS/2 v2 (64), Windows v4 (108) and v5 (124). "BM" alone is
 * too weak a signature (text can start with it), so this is part of it. */
static bool
bmp_info_size_known(uint32_t size)
{
    return size == 12 || size == 40 || size == 64 || size == 108 || size == 124;
}

static bs_image_format
detect_format(const uint8_t *p, size_t len)
{
    static const uint8_t png_signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    if (len >= 8 && memcmp(p, png_signature, 8) == 0)
        return BS_IMAGE_FORMAT_PNG;
    if (len >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        return BS_IMAGE_FORMAT_JPEG;
    if (len >= 6 && (memcmp(p, "GIF87a", 6) == 0 || memcmp(p, "GIF89a", 6) == 0))
        return BS_IMAGE_FORMAT_GIF;
    if (len >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) == 0)
        return BS_IMAGE_FORMAT_WEBP;
    if (len >= 18 && p[0] == 'B' && p[1] == 'M' && bmp_info_size_known(le32(p + 14)))
        return BS_IMAGE_FORMAT_BMP;
    return BS_IMAGE_FORMAT_NONE;
}

/* --- header probes: each reads the canvas size, or says CORRUPT if it
 * cannot; JPEG and GIF also say whether the structure is complete ----------- */

static bs_image_reason
probe_png(const uint8_t *p, size_t len, struct probe *pr)
{
    /* The signature, then IHDR: length 13, "IHDR", width, height (big-endian),
     * five one-byte fields, CRC. libpng checks the CRC. */
    if (len < 8 + 8 + 13 + 4 || be32(p + 8) != 13 || memcmp(p + 12, "IHDR", 4) != 0)
        return BS_IMAGE_CORRUPT;
    pr->width = be32(p + 16);
    pr->height = be32(p + 20);
    return BS_IMAGE_OK;
}

static bool
jpeg_is_rst(uint8_t marker)
{
    return marker >= 0xD0 && marker <= 0xD7;
}

/* SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC). */
static bool
jpeg_is_sof(uint8_t marker)
{
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

/* Skip the entropy-coded data of a scan starting at `pos`: the offset of the
 * 0xFF of the next marker, or `len` if the data runs out first. Inside the
 * data a 0xFF is followed by 0x00 (a stuffed byte), a restart marker, or
 * another 0xFF (fill). */
static size_t
jpeg_skip_scan(const uint8_t *p, size_t len, size_t pos)
{
    while (pos + 1 < len) {
        const uint8_t *ff = memchr(p + pos, 0xFF, len - pos - 1);
        uint8_t next;

        if (ff == NULL)
            break;
        pos = (size_t)(ff - p);
        next = p[pos + 1];
        if (next == 0xFF)
            pos += 1;
        else if (next == 0x00 || jpeg_is_rst(next))
            pos += 2;
        else
            return pos;
    }
    return len;
}

/* Walk the markers from SOI to EOI: the first SOFn gives the size (as in
 * libjpeg, which refuses a second one), and the file is intact only if EOI
 * follows at least one scan. Bytes after EOI are ignored (libjpeg stops
 * there too, and cameras append data). */
static bs_image_reason
probe_jpeg(const uint8_t *p, size_t len, struct probe *pr)
{
    size_t pos = 2; /* after SOI */
    bool have_sof = false;
    bool have_scan = false;

    pr->intact = false;
    for (;;) {
        const uint8_t *ff = pos < len ? memchr(p + pos, 0xFF, len - pos) : NULL;
        size_t seglen;
        uint8_t marker;

        if (ff == NULL)
            break;
        /* libjpeg skips (with a warning) stray bytes before a marker, and any
         * number of 0xFF fill bytes may precede one. */
        pos = (size_t)(ff - p);
        while (pos < len && p[pos] == 0xFF)
            pos++;
        if (pos >= len)
            break;
        marker = p[pos++];
        if (marker == 0xD9) { /* EOI */
            pr->intact = have_scan;
            break;
        }
        if (jpeg_is_rst(marker) || marker == 0x01) /* no length field */
            continue;
        if (marker == 0x00 || marker == 0xD8 || len - pos < 2)
            break;
        seglen = be16(p + pos);
        if (seglen < 2 || seglen > len - pos)
            break;
        if (jpeg_is_sof(marker) && !have_sof) {
            /* length, precision, height, width, component count */
            if (seglen < 8)
                break;
            pr->height = be16(p + pos + 3);
            pr->width = be16(p + pos + 5);
            have_sof = true;
        }
        pos += seglen;
        if (marker == 0xDA) { /* SOS: entropy-coded data follows */
            if (!have_sof)
                break;
            have_scan = true;
            pos = jpeg_skip_scan(p, len, pos);
        }
    }
    return have_sof ? BS_IMAGE_OK : BS_IMAGE_CORRUPT;
}

static size_t
gif_color_table_size(uint8_t flags)
{
    return (flags & 0x80) ? (size_t)3 << ((flags & 0x07) + 1) : 0;
}

/* Skip a chain of data sub-blocks (a length byte, that many bytes, ...) up to
 * and including its zero-length terminator. False if the data ends first. */
static bool
gif_skip_sub_blocks(const uint8_t *p, size_t len, size_t *pos)
{
    for (;;) {
        size_t n;

        if (*pos >= len)
            return false;
        n = p[(*pos)++];
        if (n == 0)
            return true;
        if (n > len - *pos)
            return false;
        *pos += n;
    }
}

/* The logical screen is the canvas. Walk to the first image descriptor
 * (skipping extensions) and through its data: that frame is what libgd
 * decodes, and it must lie on the screen (libgd refuses it otherwise). */
static bs_image_reason
probe_gif(const uint8_t *p, size_t len, struct probe *pr)
{
    size_t pos;

    if (len < 13)
        return BS_IMAGE_CORRUPT;
    pr->width = le16(p + 6);
    pr->height = le16(p + 8);
    pr->intact = false;
    pos = 13 + gif_color_table_size(p[10]);
    while (pos < len && p[pos] == 0x21) { /* extension: label, sub-blocks */
        pos += 2;
        if (!gif_skip_sub_blocks(p, len, &pos))
            return BS_IMAGE_OK;
    }
    if (pos >= len || p[pos] != 0x2C || len - pos < 10)
        return BS_IMAGE_OK; /* no image before the trailer or the end */
    pr->frame_left = le16(p + pos + 1);
    pr->frame_top = le16(p + pos + 3);
    pr->frame_width = le16(p + pos + 5);
    pr->frame_height = le16(p + pos + 7);
    pos += 10 + gif_color_table_size(p[pos + 9]) + 1; /* + LZW minimum code size */
    pr->intact = pos <= len && gif_skip_sub_blocks(p, len, &pos) && pr->frame_width > 0 &&
                 pr->frame_height > 0 && pr->frame_left + pr->frame_width <= pr->width &&
                 pr->frame_top + pr->frame_height <= pr->height;
    return BS_IMAGE_OK;
}

/* After VP8X come optional chunks and then the bitstream chunk: lossless if it
 * is VP8L. */
static bool
webp_extended_is_lossless(const uint8_t *p, size_t len)
{
    size_t pos = 12; /* the first chunk, VP8X itself */

    while (len - pos >= 8) {
        uint32_t size = le32(p + pos + 4);
        size_t step = 8 + (size_t)size + (size & 1);

        if (memcmp(p + pos, "VP8L", 4) == 0)
            return true;
        if (memcmp(p + pos, "VP8 ", 4) == 0 || step > len - pos)
            return false;
        pos += step;
    }
    return false;
}

/* "RIFF", size, "WEBP", then the first chunk (fourcc, size, data at 20):
 *   "VP8 " lossy: 3-byte frame tag (bit 0 clear on a key frame), start code
 *          9d 01 2a, then 14-bit width and height (2 scale bits above each);
 *   "VP8L" lossless: signature 0x2f, then 14 bits width-1, 14 bits height-1;
 *   "VP8X" extended: flags (0x02 = animation), 3 reserved bytes, then 24-bit
 *          canvas width-1 and height-1. */
static bs_image_reason
probe_webp(const uint8_t *p, size_t len, struct probe *pr)
{
    if (len >= 30 && memcmp(p + 12, "VP8 ", 4) == 0) {
        if ((p[20] & 0x01) != 0 || p[23] != 0x9d || p[24] != 0x01 || p[25] != 0x2a)
            return BS_IMAGE_CORRUPT;
        pr->width = le16(p + 26) & 0x3FFF;
        pr->height = le16(p + 28) & 0x3FFF;
        pr->lossless = false;
    } else if (len >= 25 && memcmp(p + 12, "VP8L", 4) == 0) {
        uint32_t bits = le32(p + 21);

        if (p[20] != 0x2f)
            return BS_IMAGE_CORRUPT;
        pr->width = (bits & 0x3FFF) + 1;
        pr->height = ((bits >> 14) & 0x3FFF) + 1;
        pr->lossless = true;
    } else if (len >= 30 && memcmp(p + 12, "VP8X", 4) == 0) {
        /* libgd's WebP reader decodes still images only. */
        if ((p[20] & 0x02) != 0)
            return BS_IMAGE_ANIMATED_WEBP;
        pr->width = le24(p + 24) + 1;
        pr->height = le24(p + 27) + 1;
        pr->lossless = webp_extended_is_lossless(p, len);
    } else {
        return BS_IMAGE_CORRUPT;
    }
    return BS_IMAGE_OK;
}

/* "BM", file size, reserved, pixel offset (14 bytes), then the info header:
 * its size, then width and height — 16-bit unsigned in OS/2 v1, else 32-bit
 * signed, a negative height meaning rows run top-down. */
static bs_image_reason
probe_bmp(const uint8_t *p, size_t len, struct probe *pr)
{
    int64_t width, height;

    if (le32(p + 14) == 12) {
        if (len < 22)
            return BS_IMAGE_CORRUPT;
        width = le16(p + 18);
        height = le16(p + 20);
    } else {
        if (len < 26)
            return BS_IMAGE_CORRUPT;
        width = signed32(le32(p + 18));
        height = signed32(le32(p + 22));
        if (height < 0)
            height = -height;
    }
    if (width < 0)
        return BS_IMAGE_CORRUPT;
    pr->width = (uint32_t)width;
    pr->height = (uint32_t)height;
    return BS_IMAGE_OK;
}

/* Everything decided before libgd sees a byte. */
static bs_image_reason
inspect(const uint8_t *p, size_t len, struct probe *pr)
{
    bs_image_reason why = BS_IMAGE_CORRUPT;

    if (len > BS_IMAGE_MAX_BYTES)
        return BS_IMAGE_FILE_TOO_LARGE;
    if (len == 0 || p == NULL)
        return BS_IMAGE_EMPTY;
    pr->format = detect_format(p, len);
    pr->intact = true;
    switch (pr->format) {
    case BS_IMAGE_FORMAT_NONE:
        return BS_IMAGE_UNKNOWN_FORMAT;
    case BS_IMAGE_FORMAT_JPEG:
        why = probe_jpeg(p, len, pr);
        break;
    case BS_IMAGE_FORMAT_PNG:
        why = probe_png(p, len, pr);
        break;
    case BS_IMAGE_FORMAT_GIF:
        why = probe_gif(p, len, pr);
        break;
    case BS_IMAGE_FORMAT_WEBP:
        why = probe_webp(p, len, pr);
        break;
    case BS_IMAGE_FORMAT_BMP:
        why = probe_bmp(p, len, pr);
        break;
    }
    if (why != BS_IMAGE_OK)
        return why;
    if (pr->width == 0 || pr->height == 0)
        return BS_IMAGE_NO_PIXELS;
    if (pr->width > BS_IMAGE_MAX_SIDE || pr->height > BS_IMAGE_MAX_SIDE)
        return BS_IMAGE_TOO_MANY_PIXELS;
    if (!pr->intact)
        return BS_IMAGE_CORRUPT;
    if (pr->format != BS_IMAGE_FORMAT_GIF) {
        pr->frame_left = 0;
        pr->frame_top = 0;
        pr->frame_width = pr->width;
        pr->frame_height = pr->height;
    }
    return BS_IMAGE_OK;
}

/* --- decoding and encoding ---------------------------------------------------- */

/* libpng's messages. libgd 2.3.3 gives libpng an error handler but no
 * warning handler, so libpng prints its warnings (bad CRC in an ancillary
 * chunk, bad Adler-32, excess image data, ...) straight to stderr, and any
 * upload can trigger them. So PNG is decoded here, with libpng directly (the
 * library libgd itself would use) and handlers that say nothing, into a
 * libgd image; the rest of the pipeline is the same for every format. */
struct png_source {
    const uint8_t *data;
    size_t len;
    size_t pos;
};

static void
png_read_source(png_structp png, png_bytep out, size_t n)
{
    const bs_codecs *c;
    struct png_source *src;

    (void)bs_codecs_load(&c); /* loaded before any png struct was made */
    src = c->png.get_io_ptr(png);
    if (n > src->len - src->pos)
        c->png.error(png, "truncated");
    memcpy(out, src->data + src->pos, n);
    src->pos += n;
}

static void
png_quiet_error(png_structp png, png_const_charp message)
{
    const bs_codecs *c;

    (void)message;
    (void)bs_codecs_load(&c); /* loaded before any png struct was made */
    c->png.longjmp(png, 1);
}

static void
png_quiet_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message;
}

/* Every PNG becomes 8-bit RGBA rows, then a truecolor libgd image (palette
 * PNGs too: libgd would keep a palette, this does not, so their output is an
 * RGB or RGBA PNG). Ancillary chunks other than tRNS are not even parsed. The
 * whole file up to IEND must be readable: a cut anywhere is CORRUPT. */
static bs_image_reason
decode_png(const bs_codecs *c, const uint8_t *data, size_t len, gdImagePtr *out)
{
    struct png_source src = {data, len, 0};
    png_structp png;
    png_infop info = NULL;
    unsigned char *volatile pixels = NULL; /* volatile: set after setjmp */
    png_bytep *volatile rows = NULL;
    gdImagePtr volatile im = NULL;
    volatile bs_image_reason why = BS_IMAGE_CORRUPT;
    uint32_t width, height;

    *out = NULL;
    png =
        c->png.create_read_struct(PNG_LIBPNG_VER_STRING, NULL, png_quiet_error, png_quiet_warning);
    if (png == NULL)
        return BS_IMAGE_NO_MEMORY;
    info = c->png.create_info_struct(png);
    if (info == NULL) {
        why = BS_IMAGE_NO_MEMORY;
        goto destroy_png;
    }
    if (setjmp(*c->png.set_longjmp_fn(png, longjmp, sizeof(jmp_buf))) != 0) /* png_jmpbuf */
        goto free_pixels; /* `why` says CORRUPT or NO_MEMORY */

    c->png.set_read_fn(png, &src, png_read_source);
    c->png.set_user_limits(png, BS_IMAGE_MAX_SIDE, BS_IMAGE_MAX_SIDE);
#ifdef PNG_HANDLE_AS_UNKNOWN_SUPPORTED
    c->png.set_keep_unknown_chunks(png, PNG_HANDLE_CHUNK_NEVER, NULL, -1);
#endif
    c->png.read_info(png, info);
    c->png.set_expand(png); /* palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha */
    c->png.set_strip_16(png);
    c->png.set_gray_to_rgb(png);
    c->png.set_add_alpha(png, 0xFF, PNG_FILLER_AFTER);
    (void)c->png.set_interlace_handling(png);
    c->png.read_update_info(png, info);
    width = c->png.get_image_width(png, info);
    height = c->png.get_image_height(png, info);
    if (c->png.get_rowbytes(png, info) != (size_t)width * 4)
        goto free_pixels;

    why = BS_IMAGE_NO_MEMORY;
    pixels = malloc((size_t)height * width * 4);
    rows = malloc((size_t)height * sizeof(*rows));
    im = c->gd.ImageCreateTrueColor((int)width, (int)height);
    if (pixels == NULL || rows == NULL || im == NULL)
        goto free_pixels;
    for (uint32_t y = 0; y < height; y++)
        rows[y] = pixels + (size_t)y * width * 4;
    why = BS_IMAGE_CORRUPT;
    c->png.read_image(png, rows);
    c->png.read_end(png, NULL);

    for (uint32_t y = 0; y < height; y++) {
        const unsigned char *p = rows[y];
        for (uint32_t x = 0; x < width; x++, p += 4)
            im->tpixels[y][x] = gdTrueColorAlpha(p[0], p[1], p[2], gdAlphaMax - (p[3] >> 1));
    }
    *out = im;
    im = NULL;
    why = BS_IMAGE_OK;

free_pixels:
    if (im != NULL)
        c->gd.ImageDestroy(im);
    free(rows);
    free(pixels);
destroy_png:
    c->png.destroy_read_struct(&png, &info, NULL);
    return why;
}

/* Decode with libgd (PNG: see decode_png). */
static bs_image_reason
decode(const bs_codecs *c, bs_image_format format, const void *data, size_t len, gdImagePtr *im)
{
    /* libgd only reads the buffer, but its API is not const-correct. The size
     * fits an int: len <= BS_IMAGE_MAX_BYTES. */
    void *bytes = (void *)data;
    int size = (int)len;

    *im = NULL;
    switch (format) {
    case BS_IMAGE_FORMAT_PNG:
        return decode_png(c, data, len, im);
    case BS_IMAGE_FORMAT_JPEG:
        *im = c->gd.ImageCreateFromJpegPtr(size, bytes);
        break;
    case BS_IMAGE_FORMAT_GIF:
        *im = c->gd.ImageCreateFromGifPtr(size, bytes);
        break;
    case BS_IMAGE_FORMAT_WEBP:
        *im = c->gd.ImageCreateFromWebpPtr(size, bytes);
        break;
    case BS_IMAGE_FORMAT_BMP:
        *im = c->gd.ImageCreateFromBmpPtr(size, bytes);
        break;
    case BS_IMAGE_FORMAT_NONE:
        break;
    }
    /* libgd returns NULL for damage and for lack of memory alike; with the
     * size already bounded, damage is by far the likelier. */
    return *im != NULL ? BS_IMAGE_OK : BS_IMAGE_CORRUPT;
}

/* The GIF decoder returns the first frame alone. Put it where it belongs on a
 * transparent canvas the size of the logical screen: that is what a browser
 * shows, and the size the campaign's is compared with. */
static bs_image_reason
place_on_canvas(const bs_codecs *c, gdImagePtr *im, const struct probe *pr)
{
    gdImagePtr canvas = c->gd.ImageCreateTrueColor((int)pr->width, (int)pr->height);

    if (canvas == NULL)
        return BS_IMAGE_NO_MEMORY;
    c->gd.ImageAlphaBlending(canvas, 0);
    c->gd.ImageFilledRectangle(canvas, 0, 0, (int)pr->width - 1, (int)pr->height - 1,
                               gdTrueColorAlpha(0, 0, 0, gdAlphaTransparent));
    c->gd.ImageCopy(canvas, *im, (int)pr->frame_left, (int)pr->frame_top, 0, 0,
                    (int)pr->frame_width, (int)pr->frame_height);
    c->gd.ImageDestroy(*im);
    *im = canvas;
    return BS_IMAGE_OK;
}

static bool
has_transparency(gdImagePtr im)
{
    for (int y = 0; y < gdImageSY(im); y++)
        for (int x = 0; x < gdImageSX(im); x++)
            if (gdTrueColorGetAlpha(im->tpixels[y][x]) != gdAlphaOpaque)
                return true;
    return false;
}

static bs_image_format
output_format(bs_image_format input)
{
    return input == BS_IMAGE_FORMAT_JPEG || input == BS_IMAGE_FORMAT_WEBP ? input
                                                                          : BS_IMAGE_FORMAT_PNG;
}

/* Encode with libgd: a buffer to gdFree, or NULL (libgd's encoders fail only
 * for lack of memory once given a decoded image). */
static void *
encode(const bs_codecs *c, gdImagePtr im, bs_image_format format, bool lossless, int *size)
{
    c->gd.ImageInterlace(im, 0); /* baseline JPEG, non-interlaced PNG */
    switch (format) {
    case BS_IMAGE_FORMAT_JPEG:
        return c->gd.ImageJpegPtr(im, size, BS_IMAGE_JPEG_QUALITY);
    case BS_IMAGE_FORMAT_WEBP:
        return c->gd.ImageWebpPtrEx(im, size, lossless ? gdWebpLossless : BS_IMAGE_WEBP_QUALITY);
    case BS_IMAGE_FORMAT_PNG:
        /* Palette images are written as truecolor: libgd 2.3.3 can decode a
         * damaged GIF or BMP into a palette whose index 0 is marked unused,
         * and its PNG writer then fails (leaking its row copy) on the index
         * 255 it writes for it (found by fuzz/fuzz_image.c). */
        if (!gdImageTrueColor(im) && !c->gd.ImagePaletteToTrueColor(im))
            return NULL;
        c->gd.ImageSaveAlpha(im, has_transparency(im));
        return c->gd.ImagePngPtr(im, size);
    case BS_IMAGE_FORMAT_GIF:
    case BS_IMAGE_FORMAT_BMP:
    case BS_IMAGE_FORMAT_NONE:
        break;
    }
    return NULL;
}

/* --- public ------------------------------------------------------------------ */

bs_status
bs_image_normalize(const void *data, size_t len, bs_image *out, bs_image_reason *reason)
{
    struct probe pr = {0};
    const bs_codecs *c;
    gdImagePtr im = NULL;
    bs_image_format format;
    void *bytes = NULL;
    int size = 0;
    bs_image_reason why;

    assert(out != NULL);
    memset(out, 0, sizeof(*out));
    why = inspect(data, len, &pr);
    if (why == BS_IMAGE_TOO_MANY_PIXELS || why == BS_IMAGE_NO_PIXELS) {
        out->width = pr.width; /* the header's: what the size rule is told */
        out->height = pr.height;
    }
    if (why != BS_IMAGE_OK)
        goto refused;

    if (bs_codecs_load(&c) != BS_OK) {
        why = BS_IMAGE_NO_LIBRARY;
        goto refused;
    }
    why = decode(c, pr.format, data, len, &im);
    if (why != BS_IMAGE_OK)
        goto destroy_image;
    if ((uint32_t)gdImageSX(im) != pr.frame_width || (uint32_t)gdImageSY(im) != pr.frame_height) {
        why = BS_IMAGE_CORRUPT;
        goto destroy_image;
    }
    if (pr.frame_width != pr.width || pr.frame_height != pr.height) {
        why = place_on_canvas(c, &im, &pr);
        if (why != BS_IMAGE_OK)
            goto destroy_image;
    }
    format = output_format(pr.format);
    bytes = encode(c, im, format, pr.lossless, &size);
    if (bytes == NULL || size <= 0) {
        c->gd.Free(bytes);
        why = BS_IMAGE_NO_MEMORY;
        goto destroy_image;
    }
    assert((uint32_t)gdImageSX(im) == pr.width && (uint32_t)gdImageSY(im) == pr.height);
    out->len = (size_t)size;
    out->width = pr.width;
    out->height = pr.height;
    out->input_format = pr.format;
    out->output_format = format;
    out->mime = format_mime[format];
    if (out->len > BS_IMAGE_MAX_BYTES) { /* what is stored obeys the upload limit too */
        c->gd.Free(bytes);
        why = BS_IMAGE_ENCODED_TOO_LARGE;
        goto destroy_image;
    }
    out->data = bytes;

destroy_image:
    if (im != NULL)
        c->gd.ImageDestroy(im);
refused:
    if (reason != NULL)
        *reason = why;
    return reason_status[why];
}

void
bs_image_release(bs_image *img)
{
    const bs_codecs *c;

    if (img == NULL)
        return;
    /* Only an image libgd made has data: the libraries are loaded then. */
    if (img->data != NULL && bs_codecs_load(&c) == BS_OK)
        c->gd.Free(img->data);
    memset(img, 0, sizeof(*img));
}

const char *
bs_image_explain(bs_image_reason reason)
{
    if ((unsigned)reason >= BS__IMAGE_REASON_COUNT)
        return "unknown reason";
    return reason_messages[reason];
}

const char *
bs_image_mime_of(const void *data, size_t len)
{
    return format_mime[detect_format(data, len)];
}
