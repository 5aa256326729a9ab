/*
 * codecs.c — libgd's and libpng's tables, filled once per process (see
 * codecs.h).
 *
 * Invariants:
 *   - `codecs` and `status` are written only inside load(), which
 *     pthread_once runs exactly once; every reader comes after it.
 *   - libgd's error method is set at once to one that drops every message:
 *     libgd's default prints to stderr, and damaged uploads are normal input
 *     whose reason image.c gives back. bitslot uses libgd nowhere else; a
 *     future user that wants the messages must share this decision.
 *   - The sonames are those of the headers compiled against: libpng's comes
 *     from png.h itself; libgd's ABI has been libgd.so.3 since 2.1.
 */
#include "media/codecs.h"

#include <pthread.h>
#include <stdarg.h>

#include "util/dynlib.h"

#define CODECS_TEXT(x)  #x
#define CODECS_VALUE(x) CODECS_TEXT(x)
#define GD_SONAME       "libgd.so.3"
#define PNG_SONAME                                                                                 \
    "libpng" CODECS_VALUE(PNG_LIBPNG_VER_DLLNUM) ".so." CODECS_VALUE(PNG_LIBPNG_VER_SONUM)

#define BS__CODECS_GD_NAME(name)  "gd" #name,
#define BS__CODECS_PNG_NAME(name) "png_" #name,
static const char *const gd_names[] = {BS_CODECS_GD_FUNCTIONS(BS__CODECS_GD_NAME)};
static const char *const png_names[] = {BS_CODECS_PNG_FUNCTIONS(BS__CODECS_PNG_NAME)};
#undef BS__CODECS_GD_NAME
#undef BS__CODECS_PNG_NAME

#define COUNT(names) (sizeof(names) / sizeof(names[0]))

_Static_assert(sizeof(bs_codecs_gd) == COUNT(gd_names) * sizeof(void *), "one pointer a name");
_Static_assert(sizeof(bs_codecs_png) == COUNT(png_names) * sizeof(void *), "one pointer a name");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bs_codecs codecs;
static bs_status status = BS_UNAVAILABLE;
static char gd_why[BS_DYNLIB_ERROR_SIZE], png_why[BS_DYNLIB_ERROR_SIZE];

static void
quiet_gd_error(int priority, const char *format, va_list args)
{
    (void)priority;
    (void)format;
    (void)args;
}

static void
load(void)
{
    if (bs_dynlib_open(PNG_SONAME, png_names, COUNT(png_names), codecs.png.addr, png_why) !=
            BS_OK ||
        bs_dynlib_open(GD_SONAME, gd_names, COUNT(gd_names), codecs.gd.addr, gd_why) != BS_OK)
        return;
    codecs.gd.SetErrorMethod(quiet_gd_error);
    status = BS_OK;
}

bs_status
bs_codecs_load(const bs_codecs **out)
{
    *out = NULL;
    if (pthread_once(&once, load) != 0)
        return BS_UNAVAILABLE;
    if (status == BS_OK)
        *out = &codecs;
    return status;
}
