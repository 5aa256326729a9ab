/*
 * codec.c — see codec.h.
 */
#include <string.h>

#include "model/codec.h"

json_t *
bs_codec_load(const char *text, size_t len)
{
    json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);

    if (doc != NULL && !json_is_object(doc)) {
        json_decref(doc);
        return NULL;
    }
    return doc;
}

char *
bs_codec_dump(json_t *doc, size_t *len)
{
    char *text;

    if (doc == NULL)
        return NULL;
    text = json_dumps(doc, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(doc);
    if (text != NULL && len != NULL)
        *len = strlen(text);
    return text;
}

bs_status
bs_codec_string(json_t *obj, const char *name, char *out, size_t size, bool optional)
{
    json_t *field = json_object_get(obj, name);
    size_t n;

    if (field == NULL && optional) {
        out[0] = '\0';
        return BS_OK;
    }
    if (!json_is_string(field))
        return BS_CORRUPT;
    n = json_string_length(field);
    if (n >= size || memchr(json_string_value(field), '\0', n) != NULL)
        return BS_CORRUPT;
    memcpy(out, json_string_value(field), n + 1);
    return BS_OK;
}

bs_status
bs_codec_int(json_t *obj, const char *name, int64_t *out)
{
    json_t *field = json_object_get(obj, name);

    if (!json_is_integer(field))
        return BS_CORRUPT;
    *out = (int64_t)json_integer_value(field);
    return BS_OK;
}

bs_status
bs_codec_ref(json_t *obj, const char *name, bs_ref *out)
{
    char text[BS_REF_MAX];

    if (bs_codec_string(obj, name, text, sizeof(text), false) != BS_OK ||
        bs_ref_parse(text, out) != BS_OK)
        return BS_CORRUPT;
    return BS_OK;
}

json_t *
bs_codec_ref_json(const bs_ref *ref)
{
    char text[BS_REF_MAX];

    bs_ref_format(ref, text);
    return json_string(text);
}
