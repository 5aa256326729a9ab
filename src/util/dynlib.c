/*
 * dynlib.c — opening a system library at first use (see dynlib.h).
 *
 * Invariants:
 *   - dlerror()'s text is copied at once into the caller's buffer: it is
 *     per-thread and overwritten by the next dl call.
 *   - The only process-global state is the pointer to the first failure's
 *     sentence, set once by compare-and-swap, so concurrent first uses on
 *     several threads are safe.
 */
#include "util/dynlib.h"

#include <dlfcn.h>
#include <stdatomic.h>
#include <stdio.h>

static _Atomic(const char *) first_failure;

static bs_status
failed(char *error)
{
    const char *none = NULL;

    atomic_compare_exchange_strong(&first_failure, &none, error);
    return BS_UNAVAILABLE;
}

bs_status
bs_dynlib_open(const char *soname, const char *const *names, size_t count, void **addrs,
               char *error)
{
    void *handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    const char *why;

    if (handle == NULL) {
        why = dlerror();
        snprintf(error, BS_DYNLIB_ERROR_SIZE, "cannot load %s: %s", soname,
                 why != NULL ? why : "unknown error");
        return failed(error);
    }
    for (size_t i = 0; i < count; i++) {
        (void)dlerror();
        addrs[i] = dlsym(handle, names[i]);
        if (addrs[i] == NULL) {
            why = dlerror();
            snprintf(error, BS_DYNLIB_ERROR_SIZE, "cannot load %s: no function %s (%s)", soname,
                     names[i], why != NULL ? why : "its address is null");
            dlclose(handle);
            return failed(error);
        }
    }
    return BS_OK;
}

const char *
bs_dynlib_failure(void)
{
    return atomic_load(&first_failure);
}
