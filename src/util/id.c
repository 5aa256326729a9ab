/*
 * id.c — random ids from libsodium (which must be initialised; see
 * bs_idsrc_random).
 */
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/id.h"

static void
random_id(void *data, char out[BS_ID_LEN + 1])
{
    unsigned char bytes[BS_ID_LEN / 2];

    (void)data;
    randombytes_buf(bytes, sizeof(bytes));
    sodium_bin2hex(out, BS_ID_LEN + 1, bytes, sizeof(bytes));
}

bs_idsrc
bs_idsrc_random(void)
{
    if (sodium_init() < 0)
        abort(); /* no usable randomness: nothing safe can be done */
    return (bs_idsrc){random_id, NULL};
}

bool
bs_id_valid(const char *id)
{
    size_t n = 0;

    if (id == NULL)
        return false;
    for (; id[n] != '\0'; n++)
        if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
            return false;
    return n == BS_ID_LEN;
}
