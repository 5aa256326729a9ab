/*
 * grow.h — room for one more item at the end of a heap array.
 *
 * The one place arrays that only grow get their room: the capacity doubles
 * (starting at `first`), never overflows size_t, and on failure the array and
 * its capacity are left exactly as they were, so the caller can free what it
 * has and say BS_NOMEM.
 */
#ifndef BS_GROW_H
#define BS_GROW_H

#include <stddef.h>

#include "util/status.h"

/* Make *items (of *cap elements of `size` bytes, `count` of them used) hold at
 * least count + 1 elements. BS_OK, or BS_NOMEM with nothing changed. */
bs_status bs_grow(void *items, size_t *cap, size_t count, size_t size, size_t first);

#endif
