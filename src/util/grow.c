/*
 * grow.c — see grow.h. `items` is a pointer to the caller's array pointer,
 * taken as void * so that any element type can be passed without a cast.
 */
#include "util/grow.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bs_status
bs_grow(void *items, size_t *cap, size_t count, size_t size, size_t first)
{
    void *array, *grown;
    size_t want;

    if (count < *cap)
        return BS_OK;
    if (*cap > SIZE_MAX / 2)
        return BS_NOMEM;
    want = *cap ? *cap * 2 : first;
    if (want > SIZE_MAX / size)
        return BS_NOMEM;
    memcpy(&array, items, sizeof(array));
    grown = realloc(array, want * size);
    if (grown == NULL)
        return BS_NOMEM;
    memcpy(items, &grown, sizeof(grown));
    *cap = want;
    return BS_OK;
}
