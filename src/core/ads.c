/*
 * ads.c — see ads.h.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ads.h"
#include "core/campaigns.h"
#include "core/docs.h"
#include "model/field.h"
#include "util/failpoint.h"

bs_ad_problem
bs_ads_check_fields(const bs_ad_upload *u)
{
    if (!bs_field_valid(BS_FIELD_URL, u->url))
        return BS_AD_BAD_URL;
    if (u->hover != NULL && !bs_field_valid(BS_FIELD_HOVER, u->hover))
        return BS_AD_BAD_HOVER;
    if (u->nickname != NULL && !bs_field_valid(BS_FIELD_NICKNAME, u->nickname))
        return BS_AD_BAD_NICKNAME;
    if (u->categories != NULL && !bs_field_valid(BS_FIELD_CATEGORIES, u->categories))
        return BS_AD_BAD_CATEGORIES;
    return BS_AD_OK;
}

/* An ad no campaign could ever take is refused at upload. */
static bool
side_fits(uint32_t side)
{
    return side >= BS_AD_SIDE_MIN && side <= BS_AD_SIDE_MAX;
}

/* An image the image module refuses for its size, before decoding, breaks
 * the ad size rule too, so it is refused under that one rule. */
_Static_assert(BS_IMAGE_MAX_SIDE >= BS_AD_SIDE_MAX, "an image module limit below the ad rule");

static bool
refused_for_size(bs_image_reason reason)
{
    return reason == BS_IMAGE_TOO_MANY_PIXELS || reason == BS_IMAGE_NO_PIXELS;
}

typedef struct chunk {
    const unsigned char *data;
    size_t len;
} chunk;

static bool
same_bytes(const char *text, size_t len, void *arg)
{
    const chunk *c = arg;

    return len == c->len && memcmp(text, c->data, len) == 0;
}

/* Add the image's chunks; a chunk already there has the same content (its
 * key names the digest of the whole image), even one whose add had an
 * unknown outcome. */
static bs_status
store_chunks(bs_ctx *ctx, const bs_image *img, const char *digest, int64_t *chunks)
{
    size_t count = (img->len + BS_IMAGE_CHUNK - 1) / BS_IMAGE_CHUNK;

    for (size_t c = 0; c < count; c++) {
        char key[BS_KEY_BUF];
        size_t off = c * BS_IMAGE_CHUNK;
        size_t len = img->len - off < BS_IMAGE_CHUNK ? img->len - off : BS_IMAGE_CHUNK;
        bs_status st;

        bs_key_image_chunk(digest, (uint32_t)c, key);
        st = bs_docs_add_same(ctx, key, (const char *)img->data + off, len, same_bytes,
                              &(chunk){img->data + off, len});
        if (st != BS_OK) /* EXISTS: other bytes under the digest of these: damage */
            return st == BS_EXISTS ? BS_CORRUPT : st;
    }
    *chunks = (int64_t)count;
    return BS_OK;
}

static char *
encode_ad_at(uint32_t index, void *arg, size_t *len)
{
    bs_ad *ad = arg;

    ad->id.index = index;
    return bs_ad_encode(ad, len);
}

static bool
ad_is_ours(const char *text, size_t len, void *arg)
{
    const bs_ad *ad = arg;
    bs_ad found;

    return bs_ad_decode(text, len, &found) == BS_OK && strcmp(found.request, ad->request) == 0;
}

bs_status
bs_ads_add(bs_ctx *ctx, const bs_ad_upload *u, bs_ad *ad, bs_ad_problem *problem,
           bs_image_reason *reason)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char prefix[BS_KEY_BUF];
    bs_image img = {0};
    bs_status st;

    *reason = BS_IMAGE_OK;
    *problem = bs_ads_check_fields(u);
    if (*problem != BS_AD_OK || !bs_name_valid(u->owner))
        return BS_INVALID;
    memset(ad, 0, sizeof(*ad));
    bs_name_canonical(u->owner, ad->id.owner);
    st = bs_docs_account_exists(ctx, ad->id.owner);
    if (st != BS_OK)
        return st;

    st = bs_image_normalize(u->image, u->image_len, &img, reason);
    ad->width = img.width;
    ad->height = img.height;
    ad->image_len = (int64_t)img.len;
    if (st != BS_OK && !refused_for_size(*reason)) {
        *problem = BS_AD_BAD_IMAGE;
        return st;
    }
    if (st != BS_OK || !side_fits(img.width) || !side_fits(img.height)) {
        bs_image_release(&img);
        *problem = BS_AD_BAD_SIZE;
        return BS_INVALID;
    }
    snprintf(ad->mime, sizeof(ad->mime), "%s", img.mime);
    crypto_hash_sha256(digest, img.data, img.len);
    sodium_bin2hex(ad->image, sizeof(ad->image), digest, sizeof(digest));
    snprintf(ad->nickname, sizeof(ad->nickname), "%s", u->nickname ? u->nickname : "");
    snprintf(ad->hover, sizeof(ad->hover), "%s", u->hover ? u->hover : "");
    snprintf(ad->url, sizeof(ad->url), "%s", u->url);
    bs_categories_parse(u->categories, &ad->categories);
    ad->created = bs_ctx_now(ctx);
    bs_id_next(&ctx->ids, ad->request);

    st = store_chunks(ctx, &img, ad->image, &ad->chunks);
    bs_image_release(&img);
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_AD_IMAGE_STORED);
    bs_prefix_ads_of(ad->id.owner, prefix);
    return bs_docs_add_next(ctx, prefix, encode_ad_at, ad_is_ours, ad, &ad->id.index);
}

static bs_status
decode_ad(const char *text, size_t len, void *elem)
{
    return bs_ad_decode(text, len, elem);
}

bs_status
bs_ads_list(bs_ctx *ctx, const char *owner, bs_ad **out, size_t *count)
{
    char prefix[BS_KEY_BUF];
    bs_name canon;

    *out = NULL;
    *count = 0;
    if (!bs_name_valid(owner))
        return BS_NOTFOUND;
    bs_name_canonical(owner, canon);
    bs_status st = bs_docs_account_exists(ctx, canon);
    if (st != BS_OK)
        return st;
    bs_prefix_ads_of(canon, prefix);
    return bs_docs_collect(ctx, prefix, sizeof(**out), decode_ad, (void **)out, count);
}

bs_status
bs_ads_image(bs_ctx *ctx, const char *digest, int64_t chunks, unsigned char **data, size_t *len)
{
    /* An image is at most BS_IMAGE_MAX_BYTES, so it has at most this many
     * chunks. */
    const int64_t most = (BS_IMAGE_MAX_BYTES + BS_IMAGE_CHUNK - 1) / BS_IMAGE_CHUNK;
    unsigned char got[crypto_hash_sha256_BYTES], want[crypto_hash_sha256_BYTES];
    unsigned char *bytes = NULL;
    size_t have = 0;
    int64_t c;
    bs_status st = BS_OK;

    *data = NULL;
    *len = 0;
    if (strlen(digest) != BS_DIGEST_HEX_LEN ||
        strspn(digest, "0123456789abcdef") != BS_DIGEST_HEX_LEN ||
        sodium_hex2bin(want, sizeof(want), digest, BS_DIGEST_HEX_LEN, NULL, NULL, NULL) != 0 ||
        chunks < 0 || chunks > most)
        return BS_INVALID;
    for (c = 0; c < (chunks > 0 ? chunks : most + 1) && st == BS_OK; c++) {
        char key[BS_KEY_BUF], *value;
        unsigned char *grown;
        size_t n;

        bs_key_image_chunk(digest, (uint32_t)c, key);
        st = bs_store_get(ctx->store, key, &value, &n, NULL);
        if (st == BS_NOTFOUND && chunks == 0 && c > 0) {
            st = BS_OK;
            break;
        }
        if (st != BS_OK)
            break;
        grown = have + n <= BS_IMAGE_MAX_BYTES ? realloc(bytes, have + n + 1) : NULL;
        if (grown == NULL) {
            st = have + n > BS_IMAGE_MAX_BYTES ? BS_CORRUPT : BS_NOMEM;
        } else {
            bytes = grown;
            memcpy(bytes + have, value, n);
            have += n;
        }
        free(value);
    }
    if (st == BS_OK) {
        crypto_hash_sha256(got, bytes, have);
        if (sodium_memcmp(got, want, sizeof(got)) != 0)
            st = BS_CORRUPT;
    }
    if (st == BS_NOTFOUND && chunks > 0)
        st = c > 0 ? BS_CORRUPT : BS_NOTFOUND; /* the first chunk there, a later one not */
    if (st != BS_OK) {
        free(bytes);
        return st;
    }
    *data = bytes;
    *len = have;
    return BS_OK;
}
