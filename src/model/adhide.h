/*
 * adhide.h — the operator's moderation of one ad (issue 11):
 *   adhide/<owner>/<k>   {"ad","image","reason","time","by"}
 * present while ad <owner>/<k> is hidden: the embed, its image and its
 * click route do not show it, and its buyer sees the reason. Ads are
 * immutable (model/ad.h), so their moderation lives apart, one document per
 * ad, written by add (hide), CAS (a new reason) and remove (show again);
 * no document grows with the number of ads hidden.
 *
 * Invariants:
 *   - The document names the ad its key names, and the digest of that ad's
 *     image (copied from the immutable ad, so that whoever refuses the
 *     image needs no read of the ad).
 *   - The reason keeps the rule of BS_FIELD_HIDE_REASON (model/field.h).
 *   - Hiding touches no money: no account, slot or ledger document.
 */
#ifndef BS_MODEL_ADHIDE_H
#define BS_MODEL_ADHIDE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "model/ad.h"
#include "model/names.h"
#include "util/status.h"

#define BS_HIDE_REASON_CHARS 200                        /* characters (code points) */
#define BS_HIDE_REASON_MAX   (BS_HIDE_REASON_CHARS * 4) /* bytes of UTF-8 */
#define BS_HIDE_BY_MAX       64

typedef struct bs_adhide {
    bs_ref ad;                         /* owner canonical */
    char image[BS_DIGEST_HEX_LEN + 1]; /* the ad's image digest */
    char reason[BS_HIDE_REASON_MAX + 1];
    int64_t time;                /* unix seconds of the last hide */
    char by[BS_HIDE_BY_MAX + 1]; /* who hid it: "command" or "api" */
} bs_adhide;

/* The document (malloc'ed, length in *len), or NULL when out of memory. */
char *bs_adhide_encode(const bs_adhide *hide, size_t *len);

/* BS_CORRUPT when `text` is not such a document: a field missing or of the
 * wrong type, an ad reference not in its canonical spelling, a digest that
 * is not 64 lowercase hex digits, a reason that breaks its rule. */
bs_status bs_adhide_decode(const char *text, size_t len, bs_adhide *hide);

/* The JSON shown to people: {"ad","hidden":true,"reason","time","by"}. New
 * reference or NULL. */
json_t *bs_adhide_view(const bs_adhide *hide);

/* What an ad's owner is shown of its moderation, added to the ad's view
 * (model/ad.h bs_ad_view): "hidden": true and "hidden_reason". BS_NOMEM
 * when it cannot be added (`view` is then as it was, or partly marked). */
bs_status bs_adhide_mark(json_t *view, const bs_adhide *hide);

#endif
