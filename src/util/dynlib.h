/*
 * dynlib.h — a system library opened when a command first needs it, rather
 * than by the dynamic loader at every start: libcurl (util/libcurl.h) and
 * the image codecs (media/codecs.h) are large trees of libraries that most
 * commands never call (issue 9: 87 libraries and 18 ms for any command).
 *
 * Each library's module lists the functions it calls, opens the library once
 * per process (pthread_once) with bs_dynlib_open() and keeps a table of typed
 * function pointers; its callers go through that table. The library is never
 * closed: once opened it stays for the life of the process, like a library
 * the loader opened.
 *
 * Invariants:
 *   - A library is opened by its soname with RTLD_NOW | RTLD_LOCAL: every
 *     listed function is resolved at once, or the open fails as a whole and
 *     nothing of it is used.
 *   - A failure is a clear sentence naming the library (and the function,
 *     if one is missing), kept for the edges: bs_dynlib_failure().
 */
#ifndef BS_DYNLIB_H
#define BS_DYNLIB_H

#include <stddef.h>

#include "util/status.h"

#define BS_DYNLIB_ERROR_SIZE 512

/* Open the library `soname` and find `names[0..count)` in it, each address
 * into addrs[i]. BS_OK; or BS_UNAVAILABLE with `error` (BS_DYNLIB_ERROR_SIZE
 * bytes) saying what is missing ("cannot load libcurl.so.4: ..."), which is
 * also what bs_dynlib_failure() returns from then on (the first failure of
 * the process is kept). The handle is never closed. `error` must be static
 * storage: it is kept by pointer. */
bs_status bs_dynlib_open(const char *soname, const char *const *names, size_t count, void **addrs,
                         char *error);

/* The sentence of the first library that could not be opened in this
 * process, or NULL when none failed. For the edges, to say why a command
 * found something unavailable. */
const char *bs_dynlib_failure(void);

#endif
