/*
 * apikey.c — the JSON of the API key index (see apikey.h):
 *   apikey/<hash>  {"account":"<canonical name>"}
 */
#include <string.h>

#include "model/apikey.h"
#include "model/codec.h"

char *
bs_apikey_encode(const char *canon, size_t *len)
{
    return bs_codec_dump(json_pack("{s:s}", "account", canon), len);
}

bs_status
bs_apikey_decode(const char *text, size_t len, bs_name canon)
{
    json_t *doc = bs_codec_load(text, len);
    bs_name name;
    bs_status st = BS_CORRUPT;

    if (doc == NULL)
        return BS_CORRUPT;
    if (bs_codec_string(doc, "account", name, sizeof(name), false) != BS_OK || !bs_name_valid(name))
        goto release_doc;
    bs_name_canonical(name, canon);
    st = strcmp(canon, name) == 0 ? BS_OK : BS_CORRUPT;
    if (st != BS_OK)
        canon[0] = '\0';
release_doc:
    json_decref(doc);
    return st;
}
