/*
 * test_image.c — tests of media/image: every test image is drawn and encoded
 * here with libgd (or crafted byte by byte where libgd would not write it),
 * and every refusal is checked for its exact status and reason.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gd.h>

#include "media/image.h"

/* A byte buffer owned by a test (malloc'ed). */
typedef struct blob {
    unsigned char *data;
    size_t len;
} blob;

static blob
blob_copy(const void *data, size_t len)
{
    blob b = {malloc(len > 0 ? len : 1), len};

    assert_non_null(b.data);
    if (len > 0)
        memcpy(b.data, data, len);
    return b;
}

/* Take over a buffer libgd allocated. */
static blob
blob_from_gd(void *data, int size)
{
    blob b;

    assert_non_null(data);
    assert_true(size > 0);
    b = blob_copy(data, (size_t)size);
    gdFree(data);
    return b;
}

/* `a` with `len` bytes inserted at `at`. */
static blob
blob_insert(blob a, size_t at, const void *bytes, size_t len)
{
    blob b = {malloc(a.len + len), a.len + len};

    assert_non_null(b.data);
    assert_true(at <= a.len);
    memcpy(b.data, a.data, at);
    memcpy(b.data + at, bytes, len);
    memcpy(b.data + at + len, a.data + at, a.len - at);
    return b;
}

/* Append `len` bytes to `b`. */
static void
blob_append(blob *b, const void *bytes, size_t len)
{
    blob whole = blob_insert(*b, b->len, bytes, len);

    free(b->data);
    *b = whole;
}

static void
blob_free(blob *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

static bool
contains(const unsigned char *hay, size_t len, const void *needle, size_t n)
{
    for (size_t i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0)
            return true;
    return false;
}

static void
put_be32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

static void
put_le16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}

static void
put_le32(unsigned char *p, uint32_t v)
{
    put_le16(p, v);
    put_le16(p + 2, v >> 16);
}

/* CRC-32 as PNG uses it (ISO 3309, reflected, 0xEDB88320), bit by bit. */
static uint32_t
crc32_png(const unsigned char *p, size_t len)
{
    uint32_t crc = 0xFFFFFFFFu;

    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xFFFFFFFFu;
}

/* A PNG chunk: length, type, data, CRC over type and data. */
static blob
png_chunk(const char type[4], const void *data, size_t len)
{
    blob b = {malloc(12 + len), 12 + len};

    assert_non_null(b.data);
    put_be32(b.data, (uint32_t)len);
    memcpy(b.data + 4, type, 4);
    if (len > 0)
        memcpy(b.data + 8, data, len);
    put_be32(b.data + 8 + len, crc32_png(b.data + 4, 4 + len));
    return b;
}

static void
append_chunk(blob *b, const char type[4], const void *data, size_t len)
{
    blob chunk = png_chunk(type, data, len);

    blob_append(b, chunk.data, chunk.len);
    blob_free(&chunk);
}

static blob
png_signature_and_ihdr(uint32_t width, uint32_t height, int depth, int colour_type)
{
    static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    unsigned char ihdr[13] = {0};
    blob b = blob_copy(signature, sizeof(signature));

    put_be32(ihdr, width);
    put_be32(ihdr + 4, height);
    ihdr[8] = (unsigned char)depth;
    ihdr[9] = (unsigned char)colour_type;
    append_chunk(&b, "IHDR", ihdr, sizeof(ihdr));
    return b;
}

/* A PNG signature and an IHDR (8-bit RGB) with a correct CRC, nothing else:
 * a header that claims any size without any pixel data behind it. */
static blob
png_header_only(uint32_t width, uint32_t height)
{
    return png_signature_and_ihdr(width, height, 8, 2);
}

static uint32_t
adler32_of(const unsigned char *p, size_t len)
{
    uint32_t a = 1, b = 0;

    for (size_t i = 0; i < len; i++) {
        a = (a + p[i]) % 65521;
        b = (b + a) % 65521;
    }
    return b << 16 | a;
}

/* A whole PNG of the given scanlines (each a filter byte 0 and the samples),
 * deflated as stored blocks (no compression), for the variants libgd cannot
 * write. */
static blob
png_from_scanlines(uint32_t width, uint32_t height, int depth, int colour_type,
                   const unsigned char *raw, size_t len)
{
    blob png = png_signature_and_ihdr(width, height, depth, colour_type);
    blob z = blob_copy("\x78\x01", 2); /* zlib header */
    unsigned char field[5];
    size_t done = 0;

    do { /* stored blocks of at most 65535 bytes; the last one is final */
        size_t n = len - done < 65535 ? len - done : 65535;

        field[0] = done + n == len ? 1 : 0;
        put_le16(field + 1, (uint32_t)n);
        put_le16(field + 3, (uint32_t)~n);
        blob_append(&z, field, 5);
        blob_append(&z, raw + done, n);
        done += n;
    } while (done < len);
    put_be32(field, adler32_of(raw, len));
    blob_append(&z, field, 4);
    append_chunk(&png, "IDAT", z.data, z.len);
    append_chunk(&png, "IEND", NULL, 0);
    blob_free(&z);
    return png;
}

/* Something to look at: a half-transparent background (if `alpha`), a red
 * square and a blue line. */
static gdImagePtr
draw_picture(int width, int height, bool alpha)
{
    gdImagePtr im = gdImageCreateTrueColor(width, height);

    assert_non_null(im);
    gdImageAlphaBlending(im, 0);
    gdImageFilledRectangle(im, 0, 0, width - 1, height - 1,
                           gdTrueColorAlpha(20, 180, 40, alpha ? 64 : gdAlphaOpaque));
    gdImageFilledRectangle(im, 0, 0, width / 2, height / 2, gdTrueColor(230, 10, 10));
    gdImageLine(im, 0, height - 1, width - 1, 0, gdTrueColor(10, 10, 230));
    return im;
}

static blob
encode_as(gdImagePtr im, bs_image_format format)
{
    int size = 0;
    void *data = NULL;

    switch (format) {
    case BS_IMAGE_FORMAT_JPEG:
        data = gdImageJpegPtr(im, &size, 85);
        break;
    case BS_IMAGE_FORMAT_PNG:
        gdImageSaveAlpha(im, 1);
        data = gdImagePngPtr(im, &size);
        break;
    case BS_IMAGE_FORMAT_GIF:
        data = gdImageGifPtr(im, &size);
        break;
    case BS_IMAGE_FORMAT_WEBP:
        data = gdImageWebpPtrEx(im, &size, 80);
        break;
    case BS_IMAGE_FORMAT_BMP:
        data = gdImageBmpPtr(im, &size, 0);
        break;
    case BS_IMAGE_FORMAT_NONE:
        fail();
    }
    return blob_from_gd(data, size);
}

static blob
webp_lossless(gdImagePtr im)
{
    int size = 0;
    void *data = gdImageWebpPtrEx(im, &size, gdWebpLossless);

    return blob_from_gd(data, size);
}

static blob
picture(int width, int height, bs_image_format format)
{
    gdImagePtr im = draw_picture(width, height, false);
    blob b = encode_as(im, format);

    gdImageDestroy(im);
    return b;
}

static const bs_image_format all_formats[] = {
    BS_IMAGE_FORMAT_JPEG, BS_IMAGE_FORMAT_PNG, BS_IMAGE_FORMAT_GIF,
    BS_IMAGE_FORMAT_WEBP, BS_IMAGE_FORMAT_BMP,
};

static bs_image_format
expected_output(bs_image_format input)
{
    return input == BS_IMAGE_FORMAT_JPEG || input == BS_IMAGE_FORMAT_WEBP ? input
                                                                          : BS_IMAGE_FORMAT_PNG;
}

static gdImagePtr
decode_output(const bs_image *img)
{
    int size = (int)img->len;

    switch (img->output_format) {
    case BS_IMAGE_FORMAT_JPEG:
        return gdImageCreateFromJpegPtr(size, img->data);
    case BS_IMAGE_FORMAT_PNG:
        return gdImageCreateFromPngPtr(size, img->data);
    case BS_IMAGE_FORMAT_WEBP:
        return gdImageCreateFromWebpPtr(size, img->data);
    case BS_IMAGE_FORMAT_GIF:
    case BS_IMAGE_FORMAT_BMP:
    case BS_IMAGE_FORMAT_NONE:
        break;
    }
    fail_msg("unexpected output format %d", img->output_format);
    return NULL;
}

/* Normalize `b`, expect acceptance, and check everything the result says
 * against the bytes it holds. The caller releases *img. */
static void
expect_accepted(blob b, bs_image_format input, uint32_t width, uint32_t height, bs_image *img)
{
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    bs_image_reason reason = BS_IMAGE_CORRUPT;
    gdImagePtr back;

    assert_int_equal(bs_image_normalize(b.data, b.len, img, &reason), BS_OK);
    assert_int_equal(reason, BS_IMAGE_OK);
    assert_int_equal(img->input_format, input);
    assert_int_equal(img->output_format, expected_output(input));
    assert_int_equal(img->width, width);
    assert_int_equal(img->height, height);
    assert_non_null(img->data);
    assert_true(img->len > 0);
    switch (img->output_format) {
    case BS_IMAGE_FORMAT_JPEG:
        assert_string_equal(img->mime, "image/jpeg");
        assert_memory_equal(img->data, "\xFF\xD8\xFF", 3);
        break;
    case BS_IMAGE_FORMAT_PNG:
        assert_string_equal(img->mime, "image/png");
        assert_memory_equal(img->data, png_sig, 8);
        break;
    case BS_IMAGE_FORMAT_WEBP:
        assert_string_equal(img->mime, "image/webp");
        assert_memory_equal(img->data, "RIFF", 4);
        assert_memory_equal(img->data + 8, "WEBP", 4);
        break;
    default:
        fail();
    }
    back = decode_output(img);
    assert_non_null(back);
    assert_int_equal(gdImageSX(back), width);
    assert_int_equal(gdImageSY(back), height);
    gdImageDestroy(back);
}

/* Refused for `why`; *out all zero but for the width and height its header
 * gave, which a refusal for a size (TOO_MANY_PIXELS, NO_PIXELS) says. */
static void
expect_refused_sized(const void *data, size_t len, bs_status status, bs_image_reason why,
                     uint32_t width, uint32_t height)
{
    bs_image img;
    bs_image expect = {0};
    bs_image_reason reason = BS_IMAGE_OK;

    memset(&img, 0xA5, sizeof(img));
    assert_int_equal(bs_image_normalize(data, len, &img, &reason), status);
    assert_int_equal(reason, why);
    expect.width = width;
    expect.height = height;
    assert_int_equal(img.width, width);
    assert_int_equal(img.height, height);
    assert_memory_equal(&img, &expect, sizeof(img));
}

static void
expect_refused(const void *data, size_t len, bs_status status, bs_image_reason why)
{
    expect_refused_sized(data, len, status, why, 0, 0);
}

/* --- accepted images ------------------------------------------------------ */

static void
test_image_each_format_normalizes(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(all_formats) / sizeof(all_formats[0]); i++) {
        blob b = picture(64, 48, all_formats[i]);
        bs_image img;

        expect_accepted(b, all_formats[i], 64, 48, &img);
        bs_image_release(&img);
        blob_free(&b);
    }
}

static void
test_image_16_square_accepted(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(all_formats) / sizeof(all_formats[0]); i++) {
        blob b = picture(16, 16, all_formats[i]);
        bs_image img;

        expect_accepted(b, all_formats[i], 16, 16, &img);
        bs_image_release(&img);
        blob_free(&b);
    }
}

static void
test_image_2048_square_accepted(void **state)
{
    blob png = picture(2048, 2048, BS_IMAGE_FORMAT_PNG);
    blob jpeg = picture(2048, 2048, BS_IMAGE_FORMAT_JPEG);
    bs_image img;

    (void)state;
    expect_accepted(png, BS_IMAGE_FORMAT_PNG, 2048, 2048, &img);
    bs_image_release(&img);
    expect_accepted(jpeg, BS_IMAGE_FORMAT_JPEG, 2048, 2048, &img);
    bs_image_release(&img);
    blob_free(&png);
    blob_free(&jpeg);
}

/* No name is ever given; the bytes alone decide, whatever a file name said. */
static void
test_image_format_detected_by_content(void **state)
{
    blob jpeg = picture(20, 10, BS_IMAGE_FORMAT_JPEG);
    blob png = picture(20, 10, BS_IMAGE_FORMAT_PNG);
    bs_image img;

    (void)state;
    expect_accepted(jpeg, BS_IMAGE_FORMAT_JPEG, 20, 10, &img);
    bs_image_release(&img);
    expect_accepted(png, BS_IMAGE_FORMAT_PNG, 20, 10, &img);
    bs_image_release(&img);
    blob_free(&jpeg);
    blob_free(&png);
}

/* PNG keeps its alpha; an opaque input does not gain an alpha channel. */
static void
test_image_png_alpha_kept(void **state)
{
    gdImagePtr im = draw_picture(8, 8, true);
    blob b = encode_as(im, BS_IMAGE_FORMAT_PNG);
    blob opaque = picture(8, 8, BS_IMAGE_FORMAT_BMP);
    bs_image img;
    gdImagePtr back;

    (void)state;
    expect_accepted(b, BS_IMAGE_FORMAT_PNG, 8, 8, &img);
    back = decode_output(&img);
    assert_int_equal(gdTrueColorGetAlpha(gdImageGetTrueColorPixel(back, 7, 7)), 64);
    assert_int_equal(gdTrueColorGetAlpha(gdImageGetTrueColorPixel(back, 0, 0)), gdAlphaOpaque);
    assert_int_equal(img.data[25], 6); /* IHDR colour type: RGBA */
    gdImageDestroy(back);
    bs_image_release(&img);

    expect_accepted(opaque, BS_IMAGE_FORMAT_BMP, 8, 8, &img);
    assert_int_equal(img.data[25], 2); /* IHDR colour type: RGB */
    bs_image_release(&img);
    gdImageDestroy(im);
    blob_free(&b);
    blob_free(&opaque);
}

static bool
webp_has_chunk(const bs_image *img, const char fourcc[4])
{
    return contains(img->data, img->len, fourcc, 4);
}

/* Lossless WebP stays lossless (VP8L, pixel for pixel); lossy stays lossy. */
static void
test_image_webp_lossless_stays_lossless(void **state)
{
    gdImagePtr im = draw_picture(24, 24, true);
    blob lossless = webp_lossless(im);
    blob lossy = picture(24, 24, BS_IMAGE_FORMAT_WEBP);
    bs_image img;
    gdImagePtr back;

    (void)state;
    assert_memory_equal(lossless.data + 12, "VP8L", 4);
    expect_accepted(lossless, BS_IMAGE_FORMAT_WEBP, 24, 24, &img);
    assert_true(webp_has_chunk(&img, "VP8L"));
    back = decode_output(&img);
    for (int y = 0; y < 24; y++)
        for (int x = 0; x < 24; x++)
            assert_int_equal(gdImageGetTrueColorPixel(back, x, y),
                             gdImageGetTrueColorPixel(im, x, y));
    gdImageDestroy(back);
    bs_image_release(&img);

    expect_accepted(lossy, BS_IMAGE_FORMAT_WEBP, 24, 24, &img);
    assert_true(webp_has_chunk(&img, "VP8 "));
    assert_false(webp_has_chunk(&img, "VP8L"));
    bs_image_release(&img);
    gdImageDestroy(im);
    blob_free(&lossless);
    blob_free(&lossy);
}

/* A BMP stored top-down (negative height) has the same size. */
static void
test_image_bmp_top_down_accepted(void **state)
{
    blob b = picture(10, 6, BS_IMAGE_FORMAT_BMP);
    bs_image img;

    (void)state;
    put_le32(b.data + 22, (uint32_t)-6);
    expect_accepted(b, BS_IMAGE_FORMAT_BMP, 10, 6, &img);
    bs_image_release(&img);
    blob_free(&b);
}

/* Bytes after a JPEG's EOI (cameras append data) do not make it corrupt. */
static void
test_image_jpeg_trailing_bytes_accepted(void **state)
{
    blob jpeg = picture(12, 12, BS_IMAGE_FORMAT_JPEG);
    blob longer = blob_insert(jpeg, jpeg.len, "trailing bytes", 14);
    bs_image img;

    (void)state;
    expect_accepted(longer, BS_IMAGE_FORMAT_JPEG, 12, 12, &img);
    assert_false(contains(img.data, img.len, "trailing", 8));
    bs_image_release(&img);
    blob_free(&jpeg);
    blob_free(&longer);
}

/* PNG variants libgd cannot write, built by hand: 16-bit gray, gray with
 * alpha, 1-bit gray; and a palette with a transparent index and an
 * interlaced image, written by libgd. The pixels come out right. */
static void
test_image_png_variants_decode(void **state)
{
    static const unsigned char gray16[] = {0, 0x00, 0x00, 0xFF, 0xFF, 0, 0x80, 0x00, 0x12, 0x34};
    static const unsigned char gray_alpha[] = {0, 0x40, 0xFF, 0x80, 0x00};
    static const unsigned char gray1[] = {0, 0xA0};
    blob b;
    bs_image img;
    gdImagePtr back, im;
    int transparent;

    (void)state;
    b = png_from_scanlines(2, 2, 16, 0, gray16, sizeof(gray16));
    expect_accepted(b, BS_IMAGE_FORMAT_PNG, 2, 2, &img);
    back = decode_output(&img);
    assert_int_equal(gdImageGetTrueColorPixel(back, 0, 0), gdTrueColor(0x00, 0x00, 0x00));
    assert_int_equal(gdImageGetTrueColorPixel(back, 1, 0), gdTrueColor(0xFF, 0xFF, 0xFF));
    assert_int_equal(gdImageGetTrueColorPixel(back, 0, 1), gdTrueColor(0x80, 0x80, 0x80));
    assert_int_equal(gdImageGetTrueColorPixel(back, 1, 1), gdTrueColor(0x12, 0x12, 0x12));
    gdImageDestroy(back);
    bs_image_release(&img);
    blob_free(&b);

    b = png_from_scanlines(2, 1, 8, 4, gray_alpha, sizeof(gray_alpha));
    expect_accepted(b, BS_IMAGE_FORMAT_PNG, 2, 1, &img);
    back = decode_output(&img);
    assert_int_equal(gdImageGetTrueColorPixel(back, 0, 0), gdTrueColor(0x40, 0x40, 0x40));
    assert_int_equal(gdTrueColorGetAlpha(gdImageGetTrueColorPixel(back, 1, 0)), gdAlphaTransparent);
    gdImageDestroy(back);
    bs_image_release(&img);
    blob_free(&b);

    b = png_from_scanlines(8, 1, 1, 0, gray1, sizeof(gray1));
    expect_accepted(b, BS_IMAGE_FORMAT_PNG, 8, 1, &img);
    back = decode_output(&img);
    for (int x = 0; x < 8; x++)
        assert_int_equal(gdImageGetTrueColorPixel(back, x, 0),
                         x == 0 || x == 2 ? gdTrueColor(255, 255, 255) : gdTrueColor(0, 0, 0));
    gdImageDestroy(back);
    bs_image_release(&img);
    blob_free(&b);

    im = gdImageCreate(6, 6);
    gdImageColorAllocate(im, 200, 0, 0);
    transparent = gdImageColorAllocate(im, 0, 200, 0);
    gdImageColorTransparent(im, transparent);
    gdImageFilledRectangle(im, 3, 0, 5, 5, transparent);
    b = encode_as(im, BS_IMAGE_FORMAT_PNG);
    assert_int_equal(b.data[25], 3); /* a palette PNG went in */
    expect_accepted(b, BS_IMAGE_FORMAT_PNG, 6, 6, &img);
    back = decode_output(&img);
    assert_int_equal(gdImageGetTrueColorPixel(back, 0, 0), gdTrueColor(200, 0, 0));
    assert_int_equal(gdTrueColorGetAlpha(gdImageGetTrueColorPixel(back, 4, 4)), gdAlphaTransparent);
    gdImageDestroy(back);
    bs_image_release(&img);
    blob_free(&b);
    gdImageDestroy(im);

    im = draw_picture(33, 17, true);
    gdImageInterlace(im, 1);
    b = encode_as(im, BS_IMAGE_FORMAT_PNG);
    assert_int_equal(b.data[28], 1); /* Adam7 */
    expect_accepted(b, BS_IMAGE_FORMAT_PNG, 33, 17, &img);
    back = decode_output(&img);
    for (int y = 0; y < 17; y++)
        for (int x = 0; x < 33; x++)
            assert_int_equal(gdImageGetTrueColorPixel(back, x, y),
                             gdImageGetTrueColorPixel(im, x, y));
    gdImageDestroy(back);
    bs_image_release(&img);
    blob_free(&b);
    gdImageDestroy(im);
}

/* --- metadata --------------------------------------------------------------- */

static void
test_image_exif_is_stripped(void **state)
{
    /* APP1: marker, length (2 + 6 + 12), "Exif\0\0", a little-endian TIFF
     * header with an IFD of no entries. */
    static const unsigned char app1[] = {
        0xFF, 0xE1, 0x00, 0x14, 'E',  'x',  'i',  'f',  0x00, 0x00, 'I',
        'I',  0x2A, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    };
    blob jpeg = picture(32, 32, BS_IMAGE_FORMAT_JPEG);
    blob with_exif = blob_insert(jpeg, 2, app1, sizeof(app1)); /* right after SOI */
    bs_image img;

    (void)state;
    assert_true(contains(with_exif.data, with_exif.len, "Exif", 4));
    expect_accepted(with_exif, BS_IMAGE_FORMAT_JPEG, 32, 32, &img);
    assert_false(contains(img.data, img.len, "Exif", 4));
    assert_false(contains(img.data, img.len, "\xFF\xE1", 2)); /* no APP1 at all */
    bs_image_release(&img);
    blob_free(&jpeg);
    blob_free(&with_exif);
}

static void
test_image_png_text_is_stripped(void **state)
{
    static const char text[] = "Author\0Somebody Secret";
    blob png = picture(8, 8, BS_IMAGE_FORMAT_PNG);
    blob chunk = png_chunk("tEXt", text, sizeof(text) - 1);
    blob with_text = blob_insert(png, 8 + 25, chunk.data, chunk.len); /* after IHDR */
    bs_image img;

    (void)state;
    assert_true(contains(with_text.data, with_text.len, "Somebody", 8));
    expect_accepted(with_text, BS_IMAGE_FORMAT_PNG, 8, 8, &img);
    assert_false(contains(img.data, img.len, "Somebody", 8));
    assert_false(contains(img.data, img.len, "tEXt", 4));
    bs_image_release(&img);
    blob_free(&png);
    blob_free(&chunk);
    blob_free(&with_text);
}

/* --- GIF ---------------------------------------------------------------------- */

static gdImagePtr
palette_square(int side, int r, int g, int b)
{
    gdImagePtr im = gdImageCreate(side, side);

    assert_non_null(im);
    gdImageColorAllocate(im, r, g, b); /* the first colour fills the image */
    return im;
}

/* An animated GIF on a `screen` x `screen` logical screen whose first frame
 * is a red `side` square at (left, top), the second a blue full screen. */
static blob
animated_gif(int screen, int side, int left, int top)
{
    gdImagePtr screen_im = palette_square(screen, 0, 0, 0);
    gdImagePtr first = palette_square(side, 255, 0, 0);
    gdImagePtr second = palette_square(screen, 0, 0, 255);
    blob parts[4];
    blob whole;
    int size = 0;
    void *data;

    data = gdImageGifAnimBeginPtr(screen_im, &size, 1, 0);
    parts[0] = blob_from_gd(data, size);
    data = gdImageGifAnimAddPtr(first, &size, 1, left, top, 10, gdDisposalNone, NULL);
    parts[1] = blob_from_gd(data, size);
    data = gdImageGifAnimAddPtr(second, &size, 1, 0, 0, 10, gdDisposalNone, NULL);
    parts[2] = blob_from_gd(data, size);
    data = gdImageGifAnimEndPtr(&size);
    parts[3] = blob_from_gd(data, size);
    whole = blob_copy("", 0);
    for (int i = 0; i < 4; i++) {
        blob_append(&whole, parts[i].data, parts[i].len);
        blob_free(&parts[i]);
    }
    gdImageDestroy(screen_im);
    gdImageDestroy(first);
    gdImageDestroy(second);
    return whole;
}

static void
test_image_gif_animation_keeps_first_frame(void **state)
{
    blob gif = animated_gif(16, 16, 0, 0);
    bs_image img;
    gdImagePtr back;

    (void)state;
    expect_accepted(gif, BS_IMAGE_FORMAT_GIF, 16, 16, &img);
    back = decode_output(&img);
    assert_int_equal(gdImageGetTrueColorPixel(back, 8, 8) & 0xFFFFFF, 0xFF0000); /* red */
    gdImageDestroy(back);
    bs_image_release(&img);
    blob_free(&gif);
}

/* A first frame smaller than the screen is drawn at its offset on a
 * transparent canvas the size of the screen. */
static void
test_image_gif_small_first_frame_on_screen_canvas(void **state)
{
    blob gif = animated_gif(32, 8, 4, 6);
    bs_image img;
    gdImagePtr back;
    int inside, outside;

    (void)state;
    expect_accepted(gif, BS_IMAGE_FORMAT_GIF, 32, 32, &img);
    back = decode_output(&img);
    inside = gdImageGetTrueColorPixel(back, 4, 6);
    outside = gdImageGetTrueColorPixel(back, 3, 6);
    assert_int_equal(inside, gdTrueColor(255, 0, 0));
    assert_int_equal(gdImageGetTrueColorPixel(back, 11, 13), gdTrueColor(255, 0, 0));
    assert_int_equal(gdTrueColorGetAlpha(outside), gdAlphaTransparent);
    assert_int_equal(gdTrueColorGetAlpha(gdImageGetTrueColorPixel(back, 12, 14)),
                     gdAlphaTransparent);
    gdImageDestroy(back);
    bs_image_release(&img);
    blob_free(&gif);
}

/* --- refusals ------------------------------------------------------------------ */

static void
test_image_empty_is_invalid(void **state)
{
    (void)state;
    expect_refused("", 0, BS_INVALID, BS_IMAGE_EMPTY);
    expect_refused(NULL, 0, BS_INVALID, BS_IMAGE_EMPTY);
}

static void
test_image_random_bytes_are_invalid(void **state)
{
    uint32_t x = 2463534242u; /* xorshift32, fixed seed */

    (void)state;
    for (size_t len = 1; len <= 4096; len *= 2) {
        unsigned char *p = malloc(len);

        assert_non_null(p);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            p[i] = (unsigned char)x;
        }
        expect_refused(p, len, BS_INVALID, BS_IMAGE_UNKNOWN_FORMAT);
        free(p);
    }
}

static void
test_image_text_is_invalid(void **state)
{
    static const char text[] = "<html><body>not an image</body></html>\n";
    static const char bmw[] = "BMW is a car maker, and this line is not a bitmap at all.\n";

    (void)state;
    expect_refused(text, sizeof(text) - 1, BS_INVALID, BS_IMAGE_UNKNOWN_FORMAT);
    expect_refused(bmw, sizeof(bmw) - 1, BS_INVALID, BS_IMAGE_UNKNOWN_FORMAT);
}

static void
test_image_over_4mib_is_too_large(void **state)
{
    blob png = picture(16, 16, BS_IMAGE_FORMAT_PNG);
    unsigned char *p = calloc(1, BS_IMAGE_MAX_BYTES + 1);
    bs_image img;
    bs_image_reason reason;

    (void)state;
    assert_non_null(p);
    memcpy(p, png.data, png.len); /* a valid PNG, then zeros */
    assert_int_equal(bs_image_normalize(p, BS_IMAGE_MAX_BYTES, &img, &reason), BS_OK);
    assert_int_equal(reason, BS_IMAGE_OK);
    bs_image_release(&img);
    expect_refused(p, BS_IMAGE_MAX_BYTES + 1, BS_TOOLARGE, BS_IMAGE_FILE_TOO_LARGE);
    free(p);
    blob_free(&png);
}

/* Scanlines (filter byte 0) of random 8-bit samples, `channels` a pixel:
 * noise, which no compressor can shrink. Deterministic (xorshift32). */
static blob
noise_scanlines(uint32_t width, uint32_t height, uint32_t channels)
{
    size_t row = 1 + (size_t)width * channels;
    blob b = {malloc(row * height), row * height};
    uint32_t x = 2463534242u;

    assert_non_null(b.data);
    for (size_t i = 0; i < b.len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        b.data[i] = i % row == 0 ? 0 : (unsigned char)x;
    }
    return b;
}

/* The upload limit holds for what is stored too (outside test: a 3.99 MB
 * noise PNG was stored as 10.2 MB). Grey-with-alpha noise, under 4 MiB as
 * two bytes a pixel, re-encodes as RGBA at four: refused, and the refusal
 * says how large the re-encoding was. */
static void
test_image_reencoded_over_4mib_is_too_large(void **state)
{
    blob raw = noise_scanlines(2048, 1000, 2);
    blob png = png_from_scanlines(2048, 1000, 8, 4, raw.data, raw.len);
    bs_image_reason reason = BS_IMAGE_OK;
    bs_image img;

    (void)state;
    assert_true(png.len <= BS_IMAGE_MAX_BYTES);
    memset(&img, 0xA5, sizeof(img));
    assert_int_equal(bs_image_normalize(png.data, png.len, &img, &reason), BS_TOOLARGE);
    assert_int_equal(reason, BS_IMAGE_ENCODED_TOO_LARGE);
    assert_null(img.data);
    assert_true(img.len > BS_IMAGE_MAX_BYTES);
    assert_int_equal(img.width, 2048);
    assert_int_equal(img.height, 1000);
    assert_int_equal(img.output_format, BS_IMAGE_FORMAT_PNG);
    bs_image_release(&img); /* a no-op */
    assert_null(img.data);
    blob_free(&png);
    blob_free(&raw);
}

/* Signature and IHDR only: a decoder would call this CORRUPT (no IDAT), so
 * TOO_MANY_PIXELS shows it was refused on the header, before decoding. */
static void
test_image_png_bomb_refused_before_decoding(void **state)
{
    blob bomb = png_header_only(100000, 100000);
    blob small = png_header_only(16, 16);

    (void)state;
    assert_int_equal(bomb.len, 33);
    expect_refused_sized(bomb.data, bomb.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 100000,
                         100000);
    expect_refused(small.data, small.len, BS_INVALID, BS_IMAGE_CORRUPT); /* the contrast */
    blob_free(&bomb);
    blob_free(&small);
}

static void
test_image_2049_wide_refused(void **state)
{
    blob wide = picture(2049, 1, BS_IMAGE_FORMAT_PNG);
    blob tall = picture(1, 2049, BS_IMAGE_FORMAT_PNG);

    (void)state;
    expect_refused_sized(wide.data, wide.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 2049, 1);
    expect_refused_sized(tall.data, tall.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 1, 2049);
    blob_free(&wide);
    blob_free(&tall);
}

static void
test_image_zero_side_refused(void **state)
{
    blob png = png_header_only(0, 16);
    blob gif = picture(16, 16, BS_IMAGE_FORMAT_GIF);

    (void)state;
    expect_refused_sized(png.data, png.len, BS_INVALID, BS_IMAGE_NO_PIXELS, 0, 16);
    put_le16(gif.data + 8, 0); /* logical screen height */
    expect_refused_sized(gif.data, gif.len, BS_INVALID, BS_IMAGE_NO_PIXELS, 16, 0);
    blob_free(&png);
    blob_free(&gif);
}

static size_t
find_marker(const blob *b, unsigned char marker)
{
    for (size_t i = 2; i + 1 < b->len; i++)
        if (b->data[i] == 0xFF && b->data[i + 1] == marker)
            return i;
    fail_msg("marker %02x not found", marker);
    return 0;
}

/* Each format's own header field is read: a real 16 x 16 file with its
 * header patched to claim 3000 pixels is refused before libgd sees it. */
static void
test_image_oversized_header_refused_for_each_format(void **state)
{
    blob jpeg = picture(16, 16, BS_IMAGE_FORMAT_JPEG);
    blob gif = picture(16, 16, BS_IMAGE_FORMAT_GIF);
    blob webp = picture(16, 16, BS_IMAGE_FORMAT_WEBP);
    blob bmp = picture(16, 16, BS_IMAGE_FORMAT_BMP);
    blob png = picture(16, 16, BS_IMAGE_FORMAT_PNG);
    size_t sof = find_marker(&jpeg, 0xC0);

    (void)state;
    jpeg.data[sof + 5] = 3000 >> 8; /* SOF0: FF C0, length, precision, height */
    jpeg.data[sof + 6] = 3000 & 0xFF;
    expect_refused_sized(jpeg.data, jpeg.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 16, 3000);

    put_le16(gif.data + 6, 3000); /* logical screen width */
    expect_refused_sized(gif.data, gif.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 3000, 16);

    assert_memory_equal(webp.data + 12, "VP8 ", 4);
    put_le16(webp.data + 28, 3000); /* VP8 key frame height */
    expect_refused_sized(webp.data, webp.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 16, 3000);

    put_le32(bmp.data + 18, 3000); /* BITMAPINFOHEADER width */
    expect_refused_sized(bmp.data, bmp.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 3000, 16);

    put_be32(png.data + 16, 3000); /* IHDR width; the CRC is now wrong too */
    expect_refused_sized(png.data, png.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 3000, 16);

    blob_free(&jpeg);
    blob_free(&gif);
    blob_free(&webp);
    blob_free(&bmp);
    blob_free(&png);
}

/* The extended (VP8X) and lossless (VP8L) WebP headers are read too. */
static void
test_image_webp_headers_read(void **state)
{
    gdImagePtr im = draw_picture(16, 16, true);
    blob extended = encode_as(im, BS_IMAGE_FORMAT_WEBP);
    blob lossless = webp_lossless(im);
    uint32_t bits;

    (void)state;
    assert_memory_equal(extended.data + 12, "VP8X", 4); /* alpha makes it extended */
    extended.data[24] = (3000 - 1) & 0xFF;              /* canvas width - 1, 24 bits */
    extended.data[25] = (3000 - 1) >> 8;
    expect_refused_sized(extended.data, extended.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 3000,
                         16);

    /* A canvas one pixel wider than the bitstream inside: caught on decoding. */
    extended.data[24] = 16;
    extended.data[25] = 0;
    expect_refused(extended.data, extended.len, BS_INVALID, BS_IMAGE_CORRUPT);

    assert_memory_equal(lossless.data + 12, "VP8L", 4);
    bits = (uint32_t)lossless.data[21] | (uint32_t)lossless.data[22] << 8 |
           (uint32_t)lossless.data[23] << 16 | (uint32_t)lossless.data[24] << 24;
    bits = (bits & ~(uint32_t)0x3FFF) | (3000 - 1); /* width - 1, 14 bits */
    put_le32(lossless.data + 21, bits);
    expect_refused_sized(lossless.data, lossless.len, BS_TOOLARGE, BS_IMAGE_TOO_MANY_PIXELS, 3000,
                         16);

    gdImageDestroy(im);
    blob_free(&extended);
    blob_free(&lossless);
}

static void
test_image_animated_webp_unsupported(void **state)
{
    /* RIFF, size, WEBP, then VP8X (size 10): flags 0x02 = animation, canvas
     * 16 x 16; an ANIM chunk would follow. */
    unsigned char webp[30] = {'R', 'I', 'F', 'F', 0, 0,    0, 0, 'W', 'E', 'B', 'P', 'V', 'P', '8',
                              'X', 10,  0,   0,   0, 0x02, 0, 0, 0,   15,  0,   0,   15,  0,   0};

    (void)state;
    put_le32(webp + 4, sizeof(webp) - 8);
    expect_refused(webp, sizeof(webp), BS_UNSUPPORTED, BS_IMAGE_ANIMATED_WEBP);
}

static void
test_image_truncated_is_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(all_formats) / sizeof(all_formats[0]); i++) {
        blob b = picture(64, 48, all_formats[i]);

        expect_refused(b.data, b.len / 2, BS_INVALID, BS_IMAGE_CORRUPT);
        blob_free(&b);
    }
}

/* libjpeg decodes a JPEG cut anywhere after its first scan began (filling
 * grey, with a warning); the marker walk refuses every such cut. */
static void
test_image_jpeg_cut_before_eoi_is_invalid(void **state)
{
    blob jpeg = picture(64, 48, BS_IMAGE_FORMAT_JPEG);
    size_t sos = find_marker(&jpeg, 0xDA);

    (void)state;
    expect_refused(jpeg.data, jpeg.len - 2, BS_INVALID, BS_IMAGE_CORRUPT);
    expect_refused(jpeg.data, sos + (jpeg.len - sos) / 2, BS_INVALID, BS_IMAGE_CORRUPT);
    blob_free(&jpeg);
}

/* Every prefix of every format is refused, apart from a GIF cut in what
 * follows its first frame (here only the trailer byte). A prefix too short to
 * show its magic is UNKNOWN_FORMAT; any other is CORRUPT. */
static void
test_image_every_truncation_is_invalid(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(all_formats) / sizeof(all_formats[0]); i++) {
        bs_image_format format = all_formats[i];
        blob b = picture(16, 16, format);
        size_t needed = b.len;

        if (format == BS_IMAGE_FORMAT_GIF)
            needed = b.len - 1;
        for (size_t cut = 0; cut < needed; cut++) {
            bs_image img;
            bs_image_reason reason = BS_IMAGE_OK;
            bs_status st = bs_image_normalize(b.data, cut, &img, &reason);

            if (st == BS_OK)
                fail_msg("format %d accepted when cut to %zu of %zu bytes", format, cut, b.len);
            assert_int_equal(st, BS_INVALID);
            assert_true(reason == BS_IMAGE_EMPTY || reason == BS_IMAGE_UNKNOWN_FORMAT ||
                        reason == BS_IMAGE_CORRUPT);
        }
        blob_free(&b);
    }
}

/* Everything written to stderr between capture_stderr and release_stderr
 * goes to a temporary file; release_stderr says how many bytes that was. No
 * cmocka assertion may run in between (its message would be captured). */
struct capture {
    FILE *file;
    int saved;
};

static void
capture_stderr(struct capture *c)
{
    c->file = tmpfile();
    assert_non_null(c->file);
    fflush(stderr);
    c->saved = dup(STDERR_FILENO);
    assert_true(c->saved >= 0);
    assert_true(dup2(fileno(c->file), STDERR_FILENO) >= 0);
}

static long
release_stderr(struct capture *c, bool echo)
{
    long written;

    fflush(stderr);
    assert_true(dup2(c->saved, STDERR_FILENO) >= 0);
    close(c->saved);
    assert_int_equal(fseek(c->file, 0, SEEK_END), 0);
    written = ftell(c->file);
    if (written > 0 && echo) { /* show what should not have been said */
        char line[256];

        rewind(c->file);
        while (fgets(line, sizeof(line), c->file) != NULL)
            printf("stderr: %s", line);
    }
    fclose(c->file);
    return written;
}

/* Flip each byte of `b` in turn (b is restored). Count the results that
 * break the contract: an accepted image must have sides 1..2048, a refusal
 * must leave nothing allocated and give a reason other than OK. */
static int
flip_each_byte(blob b)
{
    int broken = 0;

    for (size_t at = 0; at < b.len; at++) {
        bs_image img;
        bs_image_reason reason = BS_IMAGE_OK;
        bs_status st;

        b.data[at] ^= 0x5A;
        st = bs_image_normalize(b.data, b.len, &img, &reason);
        b.data[at] ^= 0x5A;
        if (st == BS_OK) {
            broken += reason != BS_IMAGE_OK || img.width < 1 || img.height < 1 ||
                      img.width > BS_IMAGE_MAX_SIDE || img.height > BS_IMAGE_MAX_SIDE;
            bs_image_release(&img);
        } else {
            broken += img.data != NULL || reason == BS_IMAGE_OK || reason == BS_IMAGE_NO_MEMORY;
        }
    }
    return broken;
}

/* Flip each byte of each format in turn: never a crash or a leak (ASan), never
 * a word on stderr, and either a refusal with nothing allocated or an image
 * within the limits (JPEG entropy data and some header fields decode to other
 * pixels). */
static void
test_image_damaged_bytes_are_handled(void **state)
{
    gdImagePtr alpha = draw_picture(8, 8, true);
    blob inputs[7];
    struct capture cap;
    int broken = 0;

    (void)state;
    for (size_t i = 0; i < 5; i++)
        inputs[i] = picture(8, 8, all_formats[i]);
    inputs[5] = encode_as(alpha, BS_IMAGE_FORMAT_PNG);
    inputs[6] = encode_as(alpha, BS_IMAGE_FORMAT_WEBP); /* VP8X + ALPH */
    capture_stderr(&cap);
    for (size_t i = 0; i < 7; i++)
        broken += flip_each_byte(inputs[i]);
    assert_int_equal(release_stderr(&cap, true), 0);
    assert_int_equal(broken, 0);
    for (size_t i = 0; i < 7; i++)
        blob_free(&inputs[i]);
    gdImageDestroy(alpha);
}

/* A PNG whose pixel data is damaged (IDAT CRC) is refused by libpng. */
static void
test_image_png_damaged_data_is_invalid(void **state)
{
    blob png = picture(32, 32, BS_IMAGE_FORMAT_PNG);

    (void)state;
    png.data[png.len - 12 - 6] ^= 0xFF; /* inside the last IDAT, before its CRC */
    expect_refused(png.data, png.len, BS_INVALID, BS_IMAGE_CORRUPT);
    blob_free(&png);
}

/* The offset of the first chunk of `type` in a PNG (at its length field). */
static size_t
find_chunk(const blob *png, const char type[4])
{
    size_t at = 8;

    while (at + 12 <= png->len) {
        uint32_t len = (uint32_t)png->data[at] << 24 | (uint32_t)png->data[at + 1] << 16 |
                       (uint32_t)png->data[at + 2] << 8 | png->data[at + 3];

        if (memcmp(png->data + at + 4, type, 4) == 0)
            return at;
        at += 12 + len;
    }
    fail_msg("no %.4s chunk", type);
    return 0;
}

/* A PNG with damage libpng only warns about: a bad CRC on an ancillary chunk
 * (the pHYs libgd writes), as in many a damaged file. */
static blob
png_with_warning(void)
{
    blob png = picture(16, 16, BS_IMAGE_FORMAT_PNG);

    png.data[find_chunk(&png, "pHYs") + 8] ^= 0x01; /* data changed, CRC not */
    return png;
}

/* Bad input never writes to stderr. libgd's own messages are silenced; and
 * libpng's warnings, which libgd 2.3.3 lets through to stderr, never happen
 * inside libgd because PNG is decoded here. The first half shows the bytes
 * used really do make libgd's PNG reader print. */
static void
test_image_bad_input_is_silent(void **state)
{
    blob warns = png_with_warning();
    blob cuts[5];
    struct capture cap;
    bs_image img;
    gdImagePtr im;
    long libgd_said;
    bs_status warns_status;
    int accepted_cuts = 0;

    (void)state;
    for (size_t i = 0; i < 5; i++)
        cuts[i] = picture(64, 48, all_formats[i]);
    assert_int_equal(bs_image_normalize(cuts[0].data, cuts[0].len, &img, NULL), BS_OK);
    bs_image_release(&img); /* the quiet libgd error method is in place from here on */

    capture_stderr(&cap);
    im = gdImageCreateFromPngPtr((int)warns.len, warns.data);
    libgd_said = release_stderr(&cap, false);
    assert_true(libgd_said > 0);
    if (im != NULL)
        gdImageDestroy(im);

    capture_stderr(&cap);
    warns_status = bs_image_normalize(warns.data, warns.len, &img, NULL);
    bs_image_release(&img);
    for (size_t i = 0; i < 5; i++) {
        for (size_t cut = 1; cut < cuts[i].len; cut += 7) {
            accepted_cuts += bs_image_normalize(cuts[i].data, cut, &img, NULL) == BS_OK;
            bs_image_release(&img);
        }
    }
    assert_int_equal(release_stderr(&cap, true), 0);

    /* libpng only warned (the chunk is dropped anyway): the image is good. */
    assert_int_equal(warns_status, BS_OK);
    assert_int_equal(accepted_cuts, 0);
    blob_free(&warns);
    for (size_t i = 0; i < 5; i++)
        blob_free(&cuts[i]);
}

/* --- threads ----------------------------------------------------------------- */

struct worker {
    pthread_t thread;
    blob inputs[5];
    int failures;
};

static void *
worker_run(void *arg)
{
    struct worker *w = arg;

    for (int round = 0; round < 10; round++) {
        for (size_t i = 0; i < 5; i++) {
            bs_image img;
            bs_image_reason reason;

            if (bs_image_normalize(w->inputs[i].data, w->inputs[i].len, &img, &reason) != BS_OK ||
                img.width != 40 || img.height != 30)
                w->failures++;
            bs_image_release(&img);
            if (bs_image_normalize(w->inputs[i].data, w->inputs[i].len / 2, &img, &reason) !=
                    BS_INVALID ||
                reason != BS_IMAGE_CORRUPT)
                w->failures++;
        }
    }
    return NULL;
}

static void
test_image_many_threads(void **state)
{
    struct worker workers[8];

    (void)state;
    for (size_t t = 0; t < 8; t++) {
        workers[t].failures = 0;
        for (size_t i = 0; i < 5; i++)
            workers[t].inputs[i] = picture(40, 30, all_formats[i]);
    }
    for (size_t t = 0; t < 8; t++)
        assert_int_equal(pthread_create(&workers[t].thread, NULL, worker_run, &workers[t]), 0);
    for (size_t t = 0; t < 8; t++) {
        assert_int_equal(pthread_join(workers[t].thread, NULL), 0);
        assert_int_equal(workers[t].failures, 0);
        for (size_t i = 0; i < 5; i++)
            blob_free(&workers[t].inputs[i]);
    }
}

/* --- small API ------------------------------------------------------------------ */

static void
test_image_release_is_idempotent(void **state)
{
    blob b = picture(4, 4, BS_IMAGE_FORMAT_PNG);
    bs_image img = {0};
    bs_image zero = {0};

    (void)state;
    bs_image_release(NULL);
    bs_image_release(&img);
    assert_int_equal(bs_image_normalize(b.data, b.len, &img, NULL), BS_OK);
    bs_image_release(&img);
    assert_memory_equal(&img, &zero, sizeof(img));
    bs_image_release(&img);
    blob_free(&b);
}

static void
test_image_explain_every_reason(void **state)
{
    (void)state;
    for (unsigned r = 0; r < BS__IMAGE_REASON_COUNT; r++) {
        const char *msg = bs_image_explain((bs_image_reason)r);
        size_t n = strlen(msg);

        assert_true(n > 0);
        assert_true(msg[n - 1] != '.');
        assert_true(msg[0] >= 'a' && msg[0] <= 'z');
        for (unsigned s = 0; s < r; s++)
            assert_string_not_equal(msg, bs_image_explain((bs_image_reason)s));
    }
    assert_string_equal(bs_image_explain(BS__IMAGE_REASON_COUNT), "unknown reason");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_image_each_format_normalizes),
        cmocka_unit_test(test_image_16_square_accepted),
        cmocka_unit_test(test_image_2048_square_accepted),
        cmocka_unit_test(test_image_format_detected_by_content),
        cmocka_unit_test(test_image_png_alpha_kept),
        cmocka_unit_test(test_image_webp_lossless_stays_lossless),
        cmocka_unit_test(test_image_bmp_top_down_accepted),
        cmocka_unit_test(test_image_jpeg_trailing_bytes_accepted),
        cmocka_unit_test(test_image_png_variants_decode),
        cmocka_unit_test(test_image_exif_is_stripped),
        cmocka_unit_test(test_image_png_text_is_stripped),
        cmocka_unit_test(test_image_gif_animation_keeps_first_frame),
        cmocka_unit_test(test_image_gif_small_first_frame_on_screen_canvas),
        cmocka_unit_test(test_image_empty_is_invalid),
        cmocka_unit_test(test_image_random_bytes_are_invalid),
        cmocka_unit_test(test_image_text_is_invalid),
        cmocka_unit_test(test_image_over_4mib_is_too_large),
        cmocka_unit_test(test_image_reencoded_over_4mib_is_too_large),
        cmocka_unit_test(test_image_png_bomb_refused_before_decoding),
        cmocka_unit_test(test_image_2049_wide_refused),
        cmocka_unit_test(test_image_zero_side_refused),
        cmocka_unit_test(test_image_oversized_header_refused_for_each_format),
        cmocka_unit_test(test_image_webp_headers_read),
        cmocka_unit_test(test_image_animated_webp_unsupported),
        cmocka_unit_test(test_image_truncated_is_invalid),
        cmocka_unit_test(test_image_jpeg_cut_before_eoi_is_invalid),
        cmocka_unit_test(test_image_every_truncation_is_invalid),
        cmocka_unit_test(test_image_damaged_bytes_are_handled),
        cmocka_unit_test(test_image_png_damaged_data_is_invalid),
        cmocka_unit_test(test_image_bad_input_is_silent),
        cmocka_unit_test(test_image_many_threads),
        cmocka_unit_test(test_image_release_is_idempotent),
        cmocka_unit_test(test_image_explain_every_reason),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
