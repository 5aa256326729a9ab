/*
 * id.h — the one source of request ids and other random tokens (DESIGN.md
 * principle 6). Ids are BS_ID_LEN lowercase hex characters (128 bits).
 */
#ifndef BS_ID_H
#define BS_ID_H

#include <stdbool.h>

#define BS_ID_LEN 32

typedef struct bs_idsrc {
    /* Write BS_ID_LEN hex characters and a NUL into out. Thread-safe. */
    void (*next)(void *data, char out[BS_ID_LEN + 1]);
    void *data;
} bs_idsrc;

/* Random ids from libsodium's CSPRNG. */
bs_idsrc bs_idsrc_random(void);

static inline void
bs_id_next(const bs_idsrc *ids, char out[BS_ID_LEN + 1])
{
    ids->next(ids->data, out);
}

/* True when `id` is exactly BS_ID_LEN lowercase hex characters. */
bool bs_id_valid(const char *id);

#endif
