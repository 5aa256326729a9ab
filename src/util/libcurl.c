/*
 * libcurl.c — libcurl's table, filled once per process (see libcurl.h).
 *
 * Invariants:
 *   - `table` and `status` are written only inside load(), which
 *     pthread_once runs exactly once; every reader comes after it.
 */
#include "util/libcurl.h"

#include <pthread.h>

#include "util/dynlib.h"

#define LIBCURL_SONAME "libcurl.so.4" /* libcurl's ABI since 2006 */

#define BS__LIBCURL_NAME(name) "curl_" #name,
static const char *const names[] = {BS_LIBCURL_FUNCTIONS(BS__LIBCURL_NAME)};
#undef BS__LIBCURL_NAME

#define COUNT (sizeof(names) / sizeof(names[0]))

_Static_assert(sizeof(((bs_libcurl *)0)->addr) == COUNT * sizeof(void *), "one address a name");
_Static_assert(sizeof(bs_libcurl) == sizeof(((bs_libcurl *)0)->addr), "one pointer a function");

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bs_libcurl table;
static bs_status status = BS_UNAVAILABLE;
static char error[BS_DYNLIB_ERROR_SIZE];

static void
load(void)
{
    if (bs_dynlib_open(LIBCURL_SONAME, names, COUNT, table.addr, error) != BS_OK)
        return;
    if (table.global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK)
        status = BS_OK;
}

bs_status
bs_libcurl_load(const bs_libcurl **out)
{
    *out = NULL;
    if (pthread_once(&once, load) != 0)
        return BS_UNAVAILABLE;
    if (status == BS_OK)
        *out = &table;
    return status;
}
