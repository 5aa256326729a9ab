/*
 * ad.h — the ad document ad/<owner>/<k> (a "slot filler"), immutable once
 * stored. Its image lives apart, in chunks image/<sha256>/<c> (content
 * addressed, so a retried upload writes identical chunks), because a
 * re-encoded image can be larger than one document may be.
 */
#ifndef BS_MODEL_AD_H
#define BS_MODEL_AD_H

#include <stddef.h>
#include <stdint.h>

#include "model/campaign.h"
#include "model/names.h"
#include "util/id.h"
#include "util/status.h"

#define BS_NICKNAME_MAX   64  /* bytes of UTF-8 */
#define BS_HOVER_CHARS    512 /* characters (code points) */
#define BS_HOVER_MAX      (BS_HOVER_CHARS * 4)
#define BS_URL_MAX        2048
#define BS_MIME_MAX       31
#define BS_DIGEST_HEX_LEN 64
#define BS_IMAGE_CHUNK    (512 * 1024)

typedef struct bs_ad {
    bs_ref id;
    int64_t width;
    int64_t height;
    char mime[BS_MIME_MAX + 1];
    char image[BS_DIGEST_HEX_LEN + 1]; /* sha256 of the stored image */
    int64_t image_len;
    int64_t chunks;
    char nickname[BS_NICKNAME_MAX + 1];
    char hover[BS_HOVER_MAX + 1];
    char url[BS_URL_MAX + 1];
    bs_categories categories;
    int64_t created;
    char request[BS_ID_LEN + 1]; /* the upload's ("" before ads recorded it) */
} bs_ad;

char *bs_ad_encode(const bs_ad *ad, size_t *len);
bs_status bs_ad_decode(const char *text, size_t len, bs_ad *ad);

/* The file extension of an ad image's MIME type ("png" for
 * "image/png"; static storage), or NULL for a type ads never have: the
 * ".EXT" of its address /img/DIGEST.EXT. */
const char *bs_ad_ext(const char *mime);

/* The JSON shown to people. New reference or NULL. */
json_t *bs_ad_view(const bs_ad *ad);

#endif
