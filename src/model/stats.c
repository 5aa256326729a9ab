/*
 * stats.c — the JSON of a slot's counts (see stats.h):
 *   {"campaign":"bob/0","slot":3,"process":"<id>","impressions":N,
 *    "clicks":M,"seq":S,"updated":T}
 */
#include <string.h>

#include "model/codec.h"
#include "model/stats.h"

char *
bs_stats_encode(const bs_stats *s, size_t *len)
{
    return bs_codec_dump(json_pack("{s:o, s:I, s:s, s:I, s:I, s:I, s:I}", "campaign",
                                   bs_codec_ref_json(&s->campaign), "slot", (json_int_t)s->slot,
                                   "process", s->process, "impressions", (json_int_t)s->impressions,
                                   "clicks", (json_int_t)s->clicks, "seq", (json_int_t)s->seq,
                                   "updated", (json_int_t)s->updated),
                         len);
}

bs_status
bs_stats_decode(const char *text, size_t len, bs_stats *s)
{
    json_t *obj = bs_codec_load(text, len);
    char spelled[BS_REF_MAX], canonical[BS_REF_MAX];
    int64_t slot;
    bs_status st = BS_CORRUPT;

    memset(s, 0, sizeof(*s));
    if (obj == NULL)
        return BS_CORRUPT;
    if (bs_codec_string(obj, "campaign", spelled, sizeof(spelled), false) != BS_OK ||
        bs_ref_parse(spelled, &s->campaign) != BS_OK || bs_codec_int(obj, "slot", &slot) ||
        bs_codec_string(obj, "process", s->process, sizeof(s->process), false) ||
        bs_codec_int(obj, "impressions", &s->impressions) ||
        bs_codec_int(obj, "clicks", &s->clicks) || bs_codec_int(obj, "seq", &s->seq) ||
        bs_codec_int(obj, "updated", &s->updated))
        goto free_obj;
    bs_ref_format(&s->campaign, canonical);
    if (strcmp(spelled, canonical) != 0 || slot < 0 || slot > (int64_t)BS_INDEX_MAX ||
        !bs_id_valid(s->process) || s->impressions < 0 || s->clicks < 0 || s->seq < 0)
        goto free_obj;
    s->slot = (uint32_t)slot;
    st = BS_OK;
free_obj:
    json_decref(obj);
    if (st != BS_OK)
        memset(s, 0, sizeof(*s));
    return st;
}
