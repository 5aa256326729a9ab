/*
 * campaign.c — the JSON of campaigns and slots.
 *   campaign: {"id":"bob/0","min_price":1000,"slot_seconds":86400,"width":300,
 *              "height":250,"title":"...","disallowed":["x"],"created":T,
 *              "last":SLOT|null,"request":R}   (request: the creating one)
 *   slot:     {"campaign":"bob/0","index":3,"buyer":"alice","ad":"alice/1",
 *              "price":P,"fee":F,"time":T,"start":S,"end":E,"request":"<id>"}
 */
#include <jansson.h>
#include <string.h>

#include "model/campaign.h"
#include "model/codec.h"

static bool
category_valid(const char *name, size_t len)
{
    if (len == 0 || len > BS_CATEGORY_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

static bs_status
categories_add(bs_categories *set, const char *name, size_t len)
{
    if (!category_valid(name, len) || set->count == BS_CATEGORIES_MAX)
        return BS_INVALID;
    for (size_t i = 0; i < set->count; i++)
        if (strlen(set->names[i]) == len && memcmp(set->names[i], name, len) == 0)
            return BS_INVALID;
    memcpy(set->names[set->count], name, len);
    set->names[set->count][len] = '\0';
    set->count++;
    return BS_OK;
}

bs_status
bs_categories_parse(const char *text, bs_categories *out)
{
    memset(out, 0, sizeof(*out));
    if (text == NULL || text[0] == '\0')
        return BS_OK;
    for (;;) {
        const char *comma = strchr(text, ',');
        size_t len = comma ? (size_t)(comma - text) : strlen(text);
        if (categories_add(out, text, len) != BS_OK)
            return BS_INVALID;
        if (comma == NULL)
            return BS_OK;
        text = comma + 1;
    }
}

bool
bs_categories_intersect(const bs_categories *a, const bs_categories *b, const char **common)
{
    for (size_t i = 0; i < a->count; i++) {
        for (size_t j = 0; j < b->count; j++) {
            if (strcmp(a->names[i], b->names[j]) == 0) {
                *common = a->names[i];
                return true;
            }
        }
    }
    return false;
}

json_t *
bs_categories_json(const bs_categories *set)
{
    json_t *array = json_array();

    for (size_t i = 0; array != NULL && i < set->count; i++) {
        if (json_array_append_new(array, json_string(set->names[i])) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return array;
}

bs_status
bs_categories_from_json(json_t *array, bs_categories *set)
{
    size_t i;
    json_t *item;

    memset(set, 0, sizeof(*set));
    if (!json_is_array(array))
        return BS_CORRUPT;
    json_array_foreach(array, i, item)
    {
        if (!json_is_string(item) ||
            categories_add(set, json_string_value(item), json_string_length(item)) != BS_OK)
            return BS_CORRUPT;
    }
    return BS_OK;
}

static json_t *
slot_json(const bs_slot *s)
{
    char campaign[BS_REF_MAX], ad[BS_REF_MAX];

    bs_ref_format(&s->campaign, campaign);
    bs_ref_format(&s->ad, ad);
    return json_pack("{s:s, s:I, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "campaign", campaign,
                     "index", (json_int_t)s->index, "buyer", s->buyer, "ad", ad, "price",
                     (json_int_t)s->price, "fee", (json_int_t)s->fee, "time", (json_int_t)s->time,
                     "start", (json_int_t)s->start, "end", (json_int_t)s->end, "request",
                     s->request);
}

static bs_status
slot_from_json(json_t *obj, bs_slot *s)
{
    int64_t index;

    memset(s, 0, sizeof(*s));
    if (!json_is_object(obj) || bs_codec_ref(obj, "campaign", &s->campaign) ||
        bs_codec_int(obj, "index", &index) ||
        bs_codec_string(obj, "buyer", s->buyer, sizeof(s->buyer), false) ||
        bs_codec_ref(obj, "ad", &s->ad) || bs_codec_int(obj, "price", &s->price) ||
        bs_codec_int(obj, "fee", &s->fee) || bs_codec_int(obj, "time", &s->time) ||
        bs_codec_int(obj, "start", &s->start) || bs_codec_int(obj, "end", &s->end) ||
        bs_codec_string(obj, "request", s->request, sizeof(s->request), false))
        return BS_CORRUPT;
    if (index < 0 || index > BS_INDEX_MAX)
        return BS_CORRUPT;
    s->index = (uint32_t)index;
    return BS_OK;
}

char *
bs_slot_encode(const bs_slot *slot, size_t *len)
{
    return bs_codec_dump(slot_json(slot), len);
}

bs_status
bs_slot_decode(const char *text, size_t len, bs_slot *slot)
{
    json_t *obj = bs_codec_load(text, len);
    bs_status st;

    if (obj == NULL)
        return BS_CORRUPT;
    st = slot_from_json(obj, slot);
    json_decref(obj);
    return st;
}

json_t *
bs_slot_view(const bs_slot *slot)
{
    json_t *view = slot_json(slot);

    if (view != NULL)
        json_object_del(view, "request");
    return view;
}

bool
bs_slot_equal(const bs_slot *a, const bs_slot *b)
{
    return bs_ref_equal(&a->campaign, &b->campaign) && a->index == b->index &&
           strcmp(a->buyer, b->buyer) == 0 && bs_ref_equal(&a->ad, &b->ad) &&
           a->price == b->price && a->fee == b->fee && a->time == b->time && a->start == b->start &&
           a->end == b->end && strcmp(a->request, b->request) == 0;
}

static json_t *
campaign_json(const bs_campaign *c, bool view)
{
    json_t *obj = json_pack(
        "{s:o, s:I, s:I, s:I, s:I, s:s, s:o, s:I, s:o}", "id", bs_codec_ref_json(&c->id),
        "min_price", (json_int_t)c->min_price, "slot_seconds", (json_int_t)c->slot_seconds, "width",
        (json_int_t)c->width, "height", (json_int_t)c->height, "title", c->title, "disallowed",
        bs_categories_json(&c->disallowed), "created", (json_int_t)c->created, "last",
        c->has_last ? (view ? bs_slot_view(&c->last) : slot_json(&c->last)) : json_null());
    if (obj != NULL && !view && json_object_set_new(obj, "request", json_string(c->request)) != 0) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

char *
bs_campaign_encode(const bs_campaign *campaign, size_t *len)
{
    return bs_codec_dump(campaign_json(campaign, false), len);
}

json_t *
bs_campaign_view(const bs_campaign *campaign)
{
    return campaign_json(campaign, true);
}

bs_status
bs_campaign_decode(const char *text, size_t len, bs_campaign *c)
{
    json_t *obj = bs_codec_load(text, len), *last;
    bs_status st = BS_CORRUPT;

    memset(c, 0, sizeof(*c));
    if (obj == NULL)
        return BS_CORRUPT;
    if (bs_codec_ref(obj, "id", &c->id) || bs_codec_int(obj, "min_price", &c->min_price) ||
        bs_codec_int(obj, "slot_seconds", &c->slot_seconds) ||
        bs_codec_int(obj, "width", &c->width) || bs_codec_int(obj, "height", &c->height) ||
        bs_codec_string(obj, "title", c->title, sizeof(c->title), false) ||
        bs_categories_from_json(json_object_get(obj, "disallowed"), &c->disallowed) ||
        bs_codec_int(obj, "created", &c->created) ||
        bs_codec_string(obj, "request", c->request, sizeof(c->request), true))
        goto free_obj;
    last = json_object_get(obj, "last");
    if (json_is_null(last)) {
        st = BS_OK;
    } else if (slot_from_json(last, &c->last) == BS_OK) {
        c->has_last = true;
        st = BS_OK;
    }
free_obj:
    json_decref(obj);
    return st;
}
