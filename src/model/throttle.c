/*
 * throttle.c — the JSON of a throttle window (throttle.h):
 *   throttle/<kind>/<hash>  {"start","count","rev"}
 */
#include "model/codec.h"
#include "model/throttle.h"

char *
bs_throttle_encode(const bs_throttle_window *w, size_t *len)
{
    return bs_codec_dump(json_pack("{s:I, s:I, s:s}", "start", (json_int_t)w->start, "count",
                                   (json_int_t)w->count, "rev", w->rev),
                         len);
}

bs_status
bs_throttle_decode(const char *text, size_t len, bs_throttle_window *w)
{
    json_t *doc = bs_codec_load(text, len);
    bs_status st = BS_CORRUPT;

    if (doc == NULL)
        return BS_CORRUPT;
    if (json_object_size(doc) == 3 && bs_codec_int(doc, "start", &w->start) == BS_OK &&
        w->start >= 0 && bs_codec_int(doc, "count", &w->count) == BS_OK && w->count >= 1 &&
        bs_codec_string(doc, "rev", w->rev, sizeof(w->rev), false) == BS_OK && bs_id_valid(w->rev))
        st = BS_OK;
    json_decref(doc);
    return st;
}
