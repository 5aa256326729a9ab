/*
 * ad.c — the JSON of an ad:
 *   {"id":"alice/0","width":300,"height":250,"mime":"image/png",
 *    "image":"<sha256 hex>","image_len":N,"chunks":C,"nickname":"...",
 *    "hover":"...","url":"https://...","categories":[...],"created":T,
 *    "request":R}   (request: the upload's; the view leaves it out)
 */
#include <stdbool.h>
#include <string.h>

#include "model/ad.h"
#include "model/codec.h"

static json_t *
ad_json(const bs_ad *ad, bool view)
{
    json_t *obj =
        json_pack("{s:o, s:I, s:I, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:o, s:I}", "id",
                  bs_codec_ref_json(&ad->id), "width", (json_int_t)ad->width, "height",
                  (json_int_t)ad->height, "mime", ad->mime, "image", ad->image, "image_len",
                  (json_int_t)ad->image_len, "chunks", (json_int_t)ad->chunks, "nickname",
                  ad->nickname, "hover", ad->hover, "url", ad->url, "categories",
                  bs_categories_json(&ad->categories), "created", (json_int_t)ad->created);

    if (obj != NULL && !view &&
        json_object_set_new(obj, "request", json_string(ad->request)) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

char *
bs_ad_encode(const bs_ad *ad, size_t *len)
{
    return bs_codec_dump(ad_json(ad, false), len);
}

json_t *
bs_ad_view(const bs_ad *ad)
{
    return ad_json(ad, true);
}

bs_status
bs_ad_decode(const char *text, size_t len, bs_ad *ad)
{
    json_t *obj = bs_codec_load(text, len);
    bs_status st = BS_OK;

    memset(ad, 0, sizeof(*ad));
    if (obj == NULL)
        return BS_CORRUPT;
    if (bs_codec_ref(obj, "id", &ad->id) || bs_codec_int(obj, "width", &ad->width) ||
        bs_codec_int(obj, "height", &ad->height) ||
        bs_codec_string(obj, "mime", ad->mime, sizeof(ad->mime), false) ||
        bs_codec_string(obj, "image", ad->image, sizeof(ad->image), false) ||
        bs_codec_int(obj, "image_len", &ad->image_len) ||
        bs_codec_int(obj, "chunks", &ad->chunks) ||
        bs_codec_string(obj, "nickname", ad->nickname, sizeof(ad->nickname), false) ||
        bs_codec_string(obj, "hover", ad->hover, sizeof(ad->hover), false) ||
        bs_codec_string(obj, "url", ad->url, sizeof(ad->url), false) ||
        bs_categories_from_json(json_object_get(obj, "categories"), &ad->categories) ||
        bs_codec_int(obj, "created", &ad->created) ||
        bs_codec_string(obj, "request", ad->request, sizeof(ad->request), true))
        st = BS_CORRUPT;
    json_decref(obj);
    return st;
}

const char *
bs_ad_ext(const char *mime)
{
    static const char *const known[][2] = {{"image/png", "png"},
                                           {"image/jpeg", "jpg"},
                                           {"image/gif", "gif"},
                                           {"image/webp", "webp"},
                                           {"image/bmp", "bmp"}};

    for (size_t i = 0; mime != NULL && i < sizeof(known) / sizeof(known[0]); i++)
        if (strcmp(mime, known[i][0]) == 0)
            return known[i][1];
    return NULL;
}
