/*
 * campaign.h — the campaign and slot documents (DESIGN.md §2, §3).
 *
 * campaign/<owner>/<i>: the seller's terms (minimum price, slot length, ad
 *   size, title, disallowed categories) and `last`, a cache of the last sold
 *   slot. The slot documents are the truth; `last` only moves forward and
 *   only after that slot's buyer has been debited.
 * slot/<owner>/<i>/<n>: created only by `add` (the race point) with exactly
 *   the buyer's recorded intent; never changed afterwards.
 */
#ifndef BS_MODEL_CAMPAIGN_H
#define BS_MODEL_CAMPAIGN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/names.h"
#include "util/id.h"
#include "util/status.h"

#define BS_TITLE_MAX      200
#define BS_CATEGORY_MAX   32
#define BS_CATEGORIES_MAX 16

/* A set of categories: each [a-z0-9-]{1,32}, at most 16, no repeats. */
typedef struct bs_categories {
    char names[BS_CATEGORIES_MAX][BS_CATEGORY_MAX + 1];
    size_t count;
} bs_categories;

/* Parse "a,b,c" ("" is the empty set); BS_INVALID when malformed. */
bs_status bs_categories_parse(const char *text, bs_categories *out);
/* The JSON array of a set (new reference or NULL), and back (BS_CORRUPT). */
json_t *bs_categories_json(const bs_categories *set);
bs_status bs_categories_from_json(json_t *array, bs_categories *set);
bool bs_categories_intersect(const bs_categories *a, const bs_categories *b, const char **common);

typedef struct bs_slot {
    bs_ref campaign;
    uint32_t index;
    bs_name buyer; /* canonical */
    bs_ref ad;
    int64_t price; /* satoshis paid by the buyer */
    int64_t fee;   /* of which the operator's */
    int64_t time;  /* when it was bought */
    int64_t start; /* unix seconds, inclusive */
    int64_t end;   /* unix seconds, exclusive */
    char request[BS_ID_LEN + 1];
} bs_slot;

typedef struct bs_campaign {
    bs_ref id;
    int64_t min_price;
    int64_t slot_seconds;
    int64_t width;
    int64_t height;
    char title[BS_TITLE_MAX + 1];
    bs_categories disallowed;
    int64_t created;
    char request[BS_ID_LEN + 1]; /* the request that created it ("" before
                                    campaigns recorded it) */
    bool has_last;
    bs_slot last;
} bs_campaign;

/* Documents (malloc'ed JSON, length in *len; NULL when out of memory). */
char *bs_campaign_encode(const bs_campaign *campaign, size_t *len);
bs_status bs_campaign_decode(const char *text, size_t len, bs_campaign *campaign);
char *bs_slot_encode(const bs_slot *slot, size_t *len);
bs_status bs_slot_decode(const char *text, size_t len, bs_slot *slot);

/* The JSON shown to people (CLI, API): new references, NULL when out of
 * memory. */
json_t *bs_slot_view(const bs_slot *slot);
json_t *bs_campaign_view(const bs_campaign *campaign);

/* True when two slot documents record the same sale. */
bool bs_slot_equal(const bs_slot *a, const bs_slot *b);

#endif
