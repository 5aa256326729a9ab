/*
 * codecs.h — libgd and libpng, opened at the first image decoded (ad add,
 * an upload to serve), not at every start: libgd alone pulls in some 50
 * libraries (HEIF, AVIF, x265, TIFF, X11, fontconfig...) that no other
 * command needs.
 *
 * Call through the tables: codecs->gd.ImageDestroy(im) for gdImageDestroy(im),
 * codecs->png.read_info(p, i) for png_read_info(p, i). Members drop the "gd"
 * and "png_" prefixes (so no header macro of the same name expands over
 * them); their types are the headers' own (__typeof__). The headers' macros
 * that call a function (png_jmpbuf) are replaced by the table's function
 * at their call.
 *
 * Invariants:
 *   - Both libraries are opened once per process (pthread_once), by soname,
 *     with every listed function resolved, and never closed.
 *   - Thread-safe: the tables are written before bs_codecs_load() first
 *     returns them and never after.
 */
#ifndef BS_MEDIA_CODECS_H
#define BS_MEDIA_CODECS_H

#include <gd.h>
#include <png.h>

#include "util/status.h"

/* The functions of libgd bitslot calls, without their "gd" prefix. */
#define BS_CODECS_GD_FUNCTIONS(X)                                                                  \
    X(SetErrorMethod)                                                                              \
    X(Free)                                                                                        \
    X(ImageCreateTrueColor)                                                                        \
    X(ImageDestroy)                                                                                \
    X(ImageCreateFromJpegPtr)                                                                      \
    X(ImageCreateFromGifPtr)                                                                       \
    X(ImageCreateFromWebpPtr)                                                                      \
    X(ImageCreateFromBmpPtr)                                                                       \
    X(ImageAlphaBlending)                                                                          \
    X(ImageFilledRectangle)                                                                        \
    X(ImageCopy)                                                                                   \
    X(ImageInterlace)                                                                              \
    X(ImagePaletteToTrueColor)                                                                     \
    X(ImageSaveAlpha)                                                                              \
    X(ImageJpegPtr)                                                                                \
    X(ImageWebpPtrEx)                                                                              \
    X(ImagePngPtr)

/* The functions of libpng bitslot calls, without their "png_" prefix. */
#define BS_CODECS_PNG_FUNCTIONS(X)                                                                 \
    X(create_read_struct)                                                                          \
    X(create_info_struct)                                                                          \
    X(destroy_read_struct)                                                                         \
    X(set_longjmp_fn)                                                                              \
    X(longjmp)                                                                                     \
    X(error)                                                                                       \
    X(get_io_ptr)                                                                                  \
    X(set_read_fn)                                                                                 \
    X(set_user_limits)                                                                             \
    X(set_keep_unknown_chunks)                                                                     \
    X(read_info)                                                                                   \
    X(set_expand)                                                                                  \
    X(set_strip_16)                                                                                \
    X(set_gray_to_rgb)                                                                             \
    X(set_add_alpha)                                                                               \
    X(set_interlace_handling)                                                                      \
    X(read_update_info)                                                                            \
    X(get_image_width)                                                                             \
    X(get_image_height)                                                                            \
    X(get_rowbytes)                                                                                \
    X(read_image)                                                                                  \
    X(read_end)

#define BS__CODECS_ONE(name) +1

/* Each member is the function of its name; `addr` is the same pointers as
 * bs_dynlib_open() fills them (POSIX: a function pointer has a data
 * pointer's representation). */
typedef union bs_codecs_gd {
    struct {
#define BS__CODECS_GD_MEMBER(name) __typeof__(gd##name) *name;
        BS_CODECS_GD_FUNCTIONS(BS__CODECS_GD_MEMBER)
#undef BS__CODECS_GD_MEMBER
    };
    void *addr[0 BS_CODECS_GD_FUNCTIONS(BS__CODECS_ONE)];
} bs_codecs_gd;

typedef union bs_codecs_png {
    struct {
#define BS__CODECS_PNG_MEMBER(name) __typeof__(png_##name) *name;
        BS_CODECS_PNG_FUNCTIONS(BS__CODECS_PNG_MEMBER)
#undef BS__CODECS_PNG_MEMBER
    };
    void *addr[0 BS_CODECS_PNG_FUNCTIONS(BS__CODECS_ONE)];
} bs_codecs_png;

typedef struct bs_codecs {
    bs_codecs_gd gd;
    bs_codecs_png png;
} bs_codecs;

/* The tables, opening both libraries on the first call. BS_OK with *out
 * set; BS_UNAVAILABLE with *out NULL when either cannot be loaded
 * (bs_dynlib_failure() says which and why). */
bs_status bs_codecs_load(const bs_codecs **out);

#endif
