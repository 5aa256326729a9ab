/*
 * recovery.c — the JSON of a recovery pass's record (see recovery.h):
 *   {"purchases":P,"imports":I,"time":T}
 */
#include <string.h>

#include "model/codec.h"
#include "model/recovery.h"

char *
bs_recovery_encode(const bs_recovery *r, size_t *len)
{
    return bs_codec_dump(json_pack("{s:I, s:I, s:I}", "purchases", (json_int_t)r->purchases,
                                   "imports", (json_int_t)r->imports, "time", (json_int_t)r->time),
                         len);
}

bs_status
bs_recovery_decode(const char *text, size_t len, bs_recovery *r)
{
    json_t *obj = bs_codec_load(text, len);
    bs_status st = BS_CORRUPT;

    memset(r, 0, sizeof(*r));
    if (obj == NULL)
        return BS_CORRUPT;
    if (bs_codec_int(obj, "purchases", &r->purchases) == BS_OK &&
        bs_codec_int(obj, "imports", &r->imports) == BS_OK &&
        bs_codec_int(obj, "time", &r->time) == BS_OK && r->purchases >= 0 && r->imports >= 0)
        st = BS_OK;
    json_decref(obj);
    if (st != BS_OK)
        memset(r, 0, sizeof(*r));
    return st;
}
