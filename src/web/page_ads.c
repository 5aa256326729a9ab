/*
 * page_ads.c — the visitor's ads, and uploading one (multipart, the same
 * rules and refusals as `bitslot ad add` and POST /api/v1/ads); after an
 * upload the list shows the new ad's preview. An ad the operator hid says
 * so, with the operator's reason (core/moderation.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ads.h"
#include "core/docs.h"
#include "core/moderation.h"
#include "model/ad.h"
#include "web/page.h"
#include "web/pages.h"
#include "web/server.h"

#define TEXT_FIELD_MAX 4096

/* The image is bounded by the whole body's limit, not BS_IMAGE_MAX_BYTES:
 * a file over 4 MiB gets media/image.h's own refusal on the upload form,
 * with what was typed, instead of the form parser's on an error page. */
static const bs_form_limit ad_fields[] = {
    {"image", BS_WEB_BODY_MAX, true},      {"url", TEXT_FIELD_MAX, false},
    {"hover", TEXT_FIELD_MAX, false},      {"nickname", TEXT_FIELD_MAX, false},
    {"categories", TEXT_FIELD_MAX, false}, {NULL, 0, false},
};

/* An ad as a card; with the operator's reason when `hide` is not NULL. */
static json_t *
ad_card(const bs_ad *ad, const bs_adhide *hide)
{
    char id[BS_REF_MAX], image[128];
    const char *ext = bs_ad_ext(ad->mime);

    bs_ref_format(&ad->id, id);
    snprintf(image, sizeof(image), "/img/%s.%s", ad->image, ext != NULL ? ext : "bin");
    return json_pack("{s:s, s:s, s:I, s:s, s:s, s:s, s:s, s:I, s:I, s:s?}", "id", id, "owner",
                     ad->id.owner, "index", (json_int_t)ad->id.index, "image", image, "hover",
                     ad->hover, "nickname", ad->nickname, "url", ad->url, "width",
                     (json_int_t)ad->width, "height", (json_int_t)ad->height, "hidden",
                     hide != NULL ? hide->reason : NULL);
}

void
bs_page_ads(bs_web_call *call, bs_ctx *ctx)
{
    bs_page_user user;
    bs_ad *list = NULL;
    bs_adhide *hidden = NULL;
    json_t *cards, *added = NULL;
    size_t count = 0, nhidden = 0;
    bs_status st;
    bs_said said;
    bs_ref ref;

    if (!bs_page_need_user(call, ctx, &user))
        return;
    st = bs_ads_list(ctx, user.canon, &list, &count);
    if (st == BS_OK &&
        (st = bs_moderation_list(ctx, user.canon, &hidden, &nhidden, NULL)) != BS_OK) {
        free(list);
        list = NULL;
        count = 0;
    }
    if (st != BS_OK && st != BS_NOTFOUND) {
        bs_say_failure(st, "cannot list the ads", &said);
        bs_page_said(call, ctx, &user, &said);
        return;
    }
    cards = json_array();
    for (size_t i = 0; cards != NULL && i < count; i++) {
        const bs_adhide *hide = bs_moderation_find(hidden, nhidden, &list[i].id);
        char id[BS_REF_MAX];
        bs_ref_format(&list[i].id, id);
        /* ?added=OWNER/I: the ad just uploaded, shown first. */
        if (strncmp(call->query, "added=", 6) == 0 &&
            bs_ref_parse(call->query + 6, &ref) == BS_OK && ref.index == list[i].id.index &&
            strcmp(ref.owner, list[i].id.owner) == 0)
            added = ad_card(&list[i], hide);
        json_array_append_new(cards, ad_card(&list[i], hide));
    }
    free(hidden);
    free(list);
    bs_page_render(call, ctx, &user, 200, "ads", "My Ads",
                   json_pack("{s:o*, s:o*}", "ads", cards, "added", added));
}

void
bs_page_ads_new(bs_web_call *call, bs_ctx *ctx)
{
    bs_page_user user;

    if (bs_page_need_user(call, ctx, &user))
        bs_page_render(call, ctx, &user, 200, "ads_new", "Upload an ad", NULL);
}

static json_t *
typed(const bs_form *form)
{
    return json_pack("{s:{s:s, s:s, s:s, s:s}}", "form", "url", bs_page_field(form, "url"), "hover",
                     bs_page_field(form, "hover"), "nickname", bs_page_field(form, "nickname"),
                     "categories", bs_page_field(form, "categories"));
}

void
bs_page_ads_upload(bs_web_call *call, bs_ctx *ctx)
{
    bs_image_reason reason = BS_IMAGE_OK;
    char id[BS_REF_MAX], location[BS_REF_MAX + 16];
    const bs_form_field *image;
    bs_ad_upload up = {0};
    bs_ad_problem problem;
    bool looked = false; /* bs_ads_add saw the image */
    bs_page_user user;
    const char *file;
    bs_form form;
    bs_status st;
    bs_said said;
    bs_ad ad;

    if (!bs_page_need_user(call, ctx, &user) ||
        !bs_page_form(call, ctx, &user, ad_fields, true, &form))
        return;
    image = bs_form_get(&form, "image");
    up.owner = user.canon;
    up.url = bs_page_field(&form, "url");
    up.hover = bs_page_field(&form, "hover");
    up.nickname = bs_page_field(&form, "nickname");
    up.categories = bs_page_field(&form, "categories");
    if (up.categories[0] == '\0')
        up.categories = NULL;
    if (image == NULL || image->len == 0) {
        said = (bs_said){.http = 400, .code = "missing_field", .slot = -1, .price = -1};
        snprintf(said.text, sizeof(said.text), "choose an image file to upload");
        bs_page_form_error(call, ctx, &user, "ads_new", "Upload an ad", typed(&form), &said);
        goto done;
    }
    file = image->filename != NULL && image->filename[0] != '\0' ? image->filename : "image";
    problem = bs_ads_check_fields(&up);
    if (problem == BS_AD_OK) {
        up.image = image->value;
        up.image_len = image->len;
        st = bs_ads_add(ctx, &up, &ad, &problem, &reason);
        looked = true;
    } else {
        st = BS_INVALID;
    }
    if (problem != BS_AD_OK) {
        bs_say_ad(problem, reason, file, &up, looked ? &ad : NULL, &said);
        bs_page_form_error(call, ctx, &user, "ads_new", "Upload an ad", typed(&form), &said);
    } else if (st != BS_OK) {
        bs_say_failure(st, "cannot store the ad", &said);
        bs_page_form_error(call, ctx, &user, "ads_new", "Upload an ad", typed(&form), &said);
    } else {
        bs_ref_format(&ad.id, id);
        snprintf(location, sizeof(location), "/ads?added=%s", id);
        bs_page_redirect(call, ctx, &user, location, "your ad is uploaded", NULL);
    }
done:
    bs_form_release(&form);
}
