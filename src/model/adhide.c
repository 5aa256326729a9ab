/*
 * adhide.c — the JSON of an ad's moderation (see adhide.h):
 *   {"ad":"alice/0","image":"<sha256 hex>","reason":"...","time":T,
 *    "by":"command"}
 */
#include <string.h>

#include "model/adhide.h"
#include "model/codec.h"
#include "model/field.h"
#include "util/text.h"

char *
bs_adhide_encode(const bs_adhide *h, size_t *len)
{
    return bs_codec_dump(json_pack("{s:o, s:s, s:s, s:I, s:s}", "ad", bs_codec_ref_json(&h->ad),
                                   "image", h->image, "reason", h->reason, "time",
                                   (json_int_t)h->time, "by", h->by),
                         len);
}

bs_status
bs_adhide_decode(const char *text, size_t len, bs_adhide *h)
{
    json_t *obj = bs_codec_load(text, len);
    char spelled[BS_REF_MAX], canonical[BS_REF_MAX];
    bs_status st = BS_CORRUPT;

    memset(h, 0, sizeof(*h));
    if (obj == NULL)
        return BS_CORRUPT;
    if (bs_codec_string(obj, "ad", spelled, sizeof(spelled), false) != BS_OK ||
        bs_ref_parse(spelled, &h->ad) != BS_OK ||
        bs_codec_string(obj, "image", h->image, sizeof(h->image), false) ||
        bs_codec_string(obj, "reason", h->reason, sizeof(h->reason), false) ||
        bs_codec_int(obj, "time", &h->time) ||
        bs_codec_string(obj, "by", h->by, sizeof(h->by), false))
        goto free_obj;
    bs_ref_format(&h->ad, canonical);
    if (strcmp(spelled, canonical) != 0 || strlen(h->image) != BS_DIGEST_HEX_LEN ||
        !bs_text_lower_hex(h->image, BS_DIGEST_HEX_LEN) ||
        !bs_field_valid(BS_FIELD_HIDE_REASON, h->reason))
        goto free_obj;
    st = BS_OK;
free_obj:
    json_decref(obj);
    if (st != BS_OK)
        memset(h, 0, sizeof(*h));
    return st;
}

bs_status
bs_adhide_mark(json_t *view, const bs_adhide *h)
{
    return json_object_set_new(view, "hidden", json_true()) == 0 &&
                   json_object_set_new(view, "hidden_reason", json_string(h->reason)) == 0
               ? BS_OK
               : BS_NOMEM;
}

json_t *
bs_adhide_view(const bs_adhide *h)
{
    return json_pack("{s:o, s:b, s:s, s:I, s:s}", "ad", bs_codec_ref_json(&h->ad), "hidden", 1,
                     "reason", h->reason, "time", (json_int_t)h->time, "by", h->by);
}
