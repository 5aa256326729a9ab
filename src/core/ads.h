/*
 * ads.h — advertisers' ads ("slot fillers"): upload and list
 * (DESIGN.md §5). An ad is immutable once stored.
 *
 *   image checked and re-encoded (media/image.h); its sides are
 *   BS_AD_SIDE_MIN..MAX (the sizes a campaign may have)
 *     → chunks image/<sha256>/<c> added (identical on a retry)
 *       [failpoint ad.image-stored]
 *     → ad/<owner>/<k> added at the first free index
 * A crash between the two leaves chunks no ad refers to: garbage, never a
 * half ad.
 */
#ifndef BS_ADS_H
#define BS_ADS_H

#include <stddef.h>

#include "core/ctx.h"
#include "media/image.h"
#include "model/ad.h"

typedef struct bs_ad_upload {
    const char *owner;
    const void *image;
    size_t image_len;
    const char *url;        /* BS_FIELD_URL (model/field.h) */
    const char *hover;      /* may be NULL; BS_FIELD_HOVER */
    const char *nickname;   /* may be NULL; BS_FIELD_NICKNAME */
    const char *categories; /* may be NULL; BS_FIELD_CATEGORIES ("a,b") */
} bs_ad_upload;

typedef enum bs_ad_problem {
    BS_AD_OK,
    BS_AD_BAD_URL,
    BS_AD_BAD_HOVER,
    BS_AD_BAD_NICKNAME,
    BS_AD_BAD_CATEGORIES,
    BS_AD_BAD_IMAGE, /* see the image reason */
    BS_AD_BAD_SIZE,  /* a side outside BS_AD_SIDE_MIN..MAX (core/campaigns.h) */
} bs_ad_problem;

/* Check the text fields (not the image). */
bs_ad_problem bs_ads_check_fields(const bs_ad_upload *upload);

/* Store a new ad. On BS_OK *ad is it. BS_INVALID/BS_TOOLARGE/BS_UNSUPPORTED
 * with *problem (and *reason for the image); BS_NOTFOUND: no such owner.
 * Every image whose size breaks the rule is BS_AD_BAD_SIZE (BS_INVALID),
 * whether the image module refused it on its header (*reason
 * TOO_MANY_PIXELS or NO_PIXELS) or it was decoded first.
 * On BS_AD_BAD_SIZE, and on BS_AD_BAD_IMAGE with reason ENCODED_TOO_LARGE,
 * ad->width, ad->height and ad->image_len (the re-encoded length) say what
 * was refused, for the message; nothing is stored. */
bs_status bs_ads_add(bs_ctx *ctx, const bs_ad_upload *upload, bs_ad *ad, bs_ad_problem *problem,
                     bs_image_reason *reason);

/* Every ad of `owner`, in order; *out is malloc'ed (free it). */
bs_status bs_ads_list(bs_ctx *ctx, const char *owner, bs_ad **out, size_t *count);

/* The stored image whose sha256 is `digest` (64 lowercase hex digits): its
 * chunks read and joined. `chunks` is how many there are (the ad's
 * `chunks`), or 0 when unknown (read until one is missing). BS_NOTFOUND
 * when there is no such image; BS_CORRUPT when the bytes found do not hash
 * to `digest` (a chunk missing or damaged). On BS_OK *data is malloc'ed
 * (free it) and *len its length. */
bs_status bs_ads_image(bs_ctx *ctx, const char *digest, int64_t chunks, unsigned char **data,
                       size_t *len);

#endif
