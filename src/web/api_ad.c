/*
 * api_ad.c — ads over the API: upload one (POST /api/v1/ads,
 * multipart/form-data as a browser's file input or `curl -F` sends it:
 * fields image, url, hover, nickname, categories) and list the key's ads
 * (an ad the operator hid with "hidden": true and its "hidden_reason").
 * The form is parsed by web/form.h with hard limits; the ad's rules and
 * refusals are the same as `bitslot ad add`'s (core/ads.h, core/words.h).
 */
#include <stdlib.h>
#include <strings.h>

#include "core/ads.h"
#include "core/moderation.h"
#include "web/api.h"
#include "web/form.h"
#include "web/server.h"

#define TEXT_FIELD_MAX 4096
#define MULTIPART      "multipart/form-data"

static const bs_form_limit ad_fields[] = {
    {"image", BS_IMAGE_MAX_BYTES, true},   {"url", TEXT_FIELD_MAX, false},
    {"hover", TEXT_FIELD_MAX, false},      {"nickname", TEXT_FIELD_MAX, false},
    {"categories", TEXT_FIELD_MAX, false}, {NULL, 0, false},
};

static const char *
text(const bs_form *form, const char *name)
{
    const bs_form_field *f = bs_form_get(form, name);

    return f != NULL ? f->value : NULL;
}

void
bs_api_ad_add(bs_web_call *call, bs_ctx *ctx)
{
    bs_form_limits limits = {.body_max = BS_WEB_BODY_MAX, .fields = ad_fields};
    bs_image_reason reason = BS_IMAGE_OK;
    const bs_form_field *image;
    bs_ad_upload up = {0};
    bs_ad_problem problem;
    char id[BS_REF_MAX];
    const char *file;
    bs_form_error err;
    bs_name canon;
    bs_form form;
    bs_status st;
    bs_said said;
    bs_ad ad;

    if (!bs_api_authenticate(call, ctx, canon))
        return;
    if (call->content_type == NULL ||
        strncasecmp(call->content_type, MULTIPART, sizeof(MULTIPART) - 1) != 0) {
        bs_web_call_error(call, 415, "bad_form_type",
                          "an ad is uploaded as multipart/form-data (a form with a file input, or "
                          "curl -F image=@FILE -F url=URL)");
        return;
    }
    if (bs_form_parse_multipart(call->content_type, call->body, call->body_len, &limits, &form,
                                &err) != BS_OK) {
        bs_web_call_error(call, err.http, err.code, "%s", err.message);
        return;
    }
    image = bs_form_get(&form, "image");
    up.owner = canon;
    up.url = text(&form, "url");
    up.hover = text(&form, "hover");
    up.nickname = text(&form, "nickname");
    up.categories = text(&form, "categories");
    if (image == NULL || up.url == NULL) {
        bs_web_call_error(call, 400, "missing_field",
                          "an ad needs the fields \"image\" (a file) and \"url\"");
        goto release_form;
    }
    file = image->filename != NULL && image->filename[0] != '\0' ? image->filename : "image";
    problem = bs_ads_check_fields(&up);
    if (problem != BS_AD_OK) {
        bs_say_ad(problem, reason, file, &up, NULL, &said);
        bs_api_said(call, &said);
        goto release_form;
    }
    up.image = image->value;
    up.image_len = image->len;
    st = bs_ads_add(ctx, &up, &ad, &problem, &reason);
    if (problem != BS_AD_OK) {
        bs_say_ad(problem, reason, file, &up, &ad, &said);
        bs_api_said(call, &said);
    } else if (st != BS_OK) {
        bs_say_failure(st, "cannot store the ad", &said);
        bs_api_said(call, &said);
    } else {
        bs_ref_format(&ad.id, id);
        bs_web_call_json(call, 201, json_pack("{s:s}", "id", id));
    }
release_form:
    bs_form_release(&form);
}

void
bs_api_ad_list(bs_web_call *call, bs_ctx *ctx)
{
    bs_adhide *hidden = NULL;
    size_t nhidden = 0;
    bs_name canon;
    bs_ad *list;
    json_t *out;
    size_t count;
    bs_status st;
    bs_said said;

    if (!bs_api_authenticate(call, ctx, canon))
        return;
    st = bs_ads_list(ctx, canon, &list, &count);
    if (st == BS_OK) {
        st = bs_moderation_list(ctx, canon, &hidden, &nhidden, NULL);
        if (st != BS_OK)
            free(list);
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot list the ads", &said);
        bs_api_said(call, &said);
        return;
    }
    out = json_array();
    for (size_t i = 0; out != NULL && i < count; i++) {
        const bs_adhide *hide = bs_moderation_find(hidden, nhidden, &list[i].id);
        json_t *view = bs_ad_view(&list[i]);

        if (view != NULL && hide != NULL && bs_adhide_mark(view, hide) != BS_OK) {
            json_decref(view);
            view = NULL;
        }
        if (json_array_append_new(out, view) != 0) { /* NULL: refused */
            json_decref(out);
            out = NULL;
        }
    }
    free(hidden);
    free(list);
    bs_web_call_json(call, 200, out);
}
