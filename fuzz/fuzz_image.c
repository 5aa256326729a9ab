/*
 * fuzz_image.c — bs_image_normalize (src/media/image.h) on arbitrary bytes,
 * the path every uploaded ad takes.
 *
 * Checks, besides what the sanitizers see (libgd, libpng, libjpeg and libwebp
 * are the system's uninstrumented builds: ASan sees their heap use through
 * its malloc/free, not their out-of-bounds reads):
 *   - the status is the one image.h's table gives for the reason;
 *   - on refusal *out is all zero (after ENCODED_TOO_LARGE: no data, and
 *     the length refused is over the limit); on success the image is
 *     1..2048 on each side, non-empty but at most BS_IMAGE_MAX_BYTES, of
 *     the family image.h promises;
 *   - what bitslot stores is accepted by bitslot again, with the same size
 *     (the output is normalized a second time).
 *   - BS_NOMEM never comes back: these inputs are small and the process has
 *     memory, so "out of memory" would be a wrong answer (image.c maps an
 *     encoder failure to it).
 * Leaks are LeakSanitizer's: the result is released here, twice (the second
 * release must be a no-op).
 *
 * Built with -DFUZZ_SKIP_GD_PALETTE_BUG (FUZZ_CFLAGS=... tools/fuzz image),
 * inputs that trigger the known finding kept in fuzz/corpus/image/ as
 * leak-gif-* and nomem-bmp-* (a GIF or BMP that libgd decodes to a palette
 * image its own PNG encoder refuses: bitslot answers "out of memory", and for
 * the GIF libgd leaks width x height bytes; see fuzz/README.md) are skipped,
 * so that fuzzing can go on past it until it is fixed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gd.h>

#include "media/image.h"

static const bs_status reason_status[] = {
#define FUZZ_REASON_STATUS(name, status, msg) BS_##status,
    BS_IMAGE_REASON_MAP(FUZZ_REASON_STATUS)
#undef FUZZ_REASON_STATUS
};

static int
all_zero(const bs_image *img)
{
    static const bs_image zero;

    return img->data == NULL && img->len == 0 && img->width == 0 && img->height == 0 &&
           img->input_format == zero.input_format && img->output_format == zero.output_format &&
           img->mime == NULL;
}

/* Is *img what image.h says it is after a refusal for `reason`? All zero,
 * but after ENCODED_TOO_LARGE (the refused re-encoding: no data, its length)
 * and after a refusal for the size (the header's width and height, which
 * break the rule of the reason). */
static int
refused_as_said(const bs_image *img, bs_image_reason reason)
{
    bs_image rest = *img;

    switch (reason) {
    case BS_IMAGE_ENCODED_TOO_LARGE:
        return img->data == NULL && img->len > BS_IMAGE_MAX_BYTES;
    case BS_IMAGE_NO_PIXELS:
        if (img->width != 0 && img->height != 0)
            return 0;
        break;
    case BS_IMAGE_TOO_MANY_PIXELS:
        if (img->width <= BS_IMAGE_MAX_SIDE && img->height <= BS_IMAGE_MAX_SIDE)
            return 0;
        break;
    default:
        return all_zero(img);
    }
    rest.width = 0;
    rest.height = 0;
    return all_zero(&rest);
}

static bs_image_format
expected_output(bs_image_format input)
{
    return input == BS_IMAGE_FORMAT_JPEG || input == BS_IMAGE_FORMAT_WEBP ? input
                                                                          : BS_IMAGE_FORMAT_PNG;
}

/* A broken rule: say which, then abort (libFuzzer keeps the input). */
static void
fail(const char *rule)
{
    fprintf(stderr, "fuzz_image: %s\n", rule);
    abort();
}

/* Normalize and check the contract; returns the status. */
static bs_status
normalize_checked(const uint8_t *data, size_t size, bs_image *img)
{
    bs_image_reason reason = BS__IMAGE_REASON_COUNT;
    bs_status st = bs_image_normalize(data, size, img, &reason);

    if ((unsigned)reason >= BS__IMAGE_REASON_COUNT || st != reason_status[reason])
        fail("the status is not the one of the reason");
    if (st == BS_NOMEM)
        fail("BS_NOMEM (\"out of memory\") for a small input");
    if (st != BS_OK) {
        if (!refused_as_said(img, reason))
            fail("*out is not as image.h says after a refusal");
        return st;
    }
    if (reason != BS_IMAGE_OK || img->data == NULL || img->len == 0 ||
        img->len > BS_IMAGE_MAX_BYTES || img->width < 1 || img->height < 1 ||
        img->width > BS_IMAGE_MAX_SIDE || img->height > BS_IMAGE_MAX_SIDE || img->mime == NULL ||
        img->input_format == BS_IMAGE_FORMAT_NONE ||
        img->output_format != expected_output(img->input_format))
        fail("an accepted image breaks a rule of image.h");
    return st;
}

#ifdef FUZZ_SKIP_GD_PALETTE_BUG
/* Would libgd's PNG encoder fail on libgd's own decoding of this GIF or BMP?
 * It does for a palette image whose pixels use an entry libgd marks unused
 * ("open") or lies beyond colorsTotal (the remapped index is 255: libpng
 * refuses it, and gd leaks its row copies), or that has no used entry at all
 * ("no colors in palette"). Slightly wider than the exact rule (libpng lets
 * it pass at bit depths below 8), which only skips a few more inputs. */
static bool
gd_palette_bug(const uint8_t *data, size_t size)
{
    gdImagePtr im = NULL;
    bool bad = false, any_used = false;

    /* Decode only what image.c would let through to libgd: sides from the
     * header of at most 2048 (libgd allocates what the header says). */
    if (size >= 13 && memcmp(data, "GIF8", 4) == 0) {
        if ((data[6] | data[7] << 8) <= BS_IMAGE_MAX_SIDE &&
            (data[8] | data[9] << 8) <= BS_IMAGE_MAX_SIDE)
            im = gdImageCreateFromGifPtr((int)size, (void *)data);
    } else if (size >= 26 && data[0] == 'B' && data[1] == 'M') {
        uint32_t w = (uint32_t)data[18] | (uint32_t)data[19] << 8;
        uint32_t h = data[14] == 12 ? (uint32_t)data[20] | (uint32_t)data[21] << 8
                                    : (uint32_t)data[22] | (uint32_t)data[23] << 8 |
                                          (uint32_t)data[24] << 16 | (uint32_t)data[25] << 24;

        if (data[14] != 12)
            w |= (uint32_t)data[20] << 16 | (uint32_t)data[21] << 24;
        if (h >= 0x80000000u)
            h = 0u - h;
        if (w <= BS_IMAGE_MAX_SIDE && h <= BS_IMAGE_MAX_SIDE)
            im = gdImageCreateFromBmpPtr((int)size, (void *)data);
    }
    if (im == NULL || gdImageTrueColor(im)) {
        if (im != NULL)
            gdImageDestroy(im);
        return false;
    }
    for (int i = 0; i < gdImageColorsTotal(im); i++)
        any_used = any_used || !im->open[i];
    for (int y = 0; !bad && y < gdImageSY(im); y++)
        for (int x = 0; !bad && x < gdImageSX(im); x++) {
            int v = im->pixels[y][x];

            bad = v >= gdImageColorsTotal(im) || im->open[v];
        }
    gdImageDestroy(im);
    return bad || !any_used;
}
#endif

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bs_image img, again;

#ifdef FUZZ_SKIP_GD_PALETTE_BUG
    if (size <= BS_IMAGE_MAX_BYTES && gd_palette_bug(data, size))
        return 0;
#endif

    if (normalize_checked(data, size, &img) == BS_OK) {
        /* The stored image must pass again, as the same size and family. */
        if (normalize_checked(img.data, img.len, &again) != BS_OK || again.width != img.width ||
            again.height != img.height || again.input_format != img.output_format)
            fail("the stored image is not accepted again as itself");
        bs_image_release(&again);
    }
    bs_image_release(&img);
    bs_image_release(&img);
    return 0;
}
