/*
 * embed.c — see embed.h. Pages are rendered once per phase, when the cache
 * makes the phase (bs_embed_render, off the loop); a hit picks the phase
 * of this second and sends its bytes, held by reference until written.
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/call.h"
#include "web/embed.h"
#include "web/html.h"

/* The page's only style; the CSP allows it by its hash. */
#define EMBED_STYLE                                                                                \
    "html,body{margin:0;padding:0;width:100%;height:100%;overflow:hidden}"                         \
    "a,img{display:block;border:0}"                                                                \
    "a.free{display:flex;align-items:center;justify-content:center;box-sizing:border-box;"         \
    "width:100%;height:100%;border:1px dashed #888;background:#f4f4f4;color:#333;"                 \
    "font:14px/1.3 sans-serif;text-align:center;text-decoration:none}"

/* ---- parameters --------------------------------------------------------------------- */

bool
bs_embed_campaign_param(const char *owner, const char *index, bs_ref *out)
{
    char text[2 * BS_WEB_PARAM_MAX + 2];
    size_t owner_len = strlen(owner), index_len = strlen(index);

    /* The one spelling of a reference ("owner/index": no leading zero),
     * joined by hand: this runs on every embed hit. */
    if (owner_len + 1 + index_len >= sizeof(text))
        return false;
    memcpy(text, owner, owner_len);
    text[owner_len] = '/';
    memcpy(text + owner_len + 1, index, index_len + 1);
    return bs_ref_parse(text, out) == BS_OK;
}

/* A slot number, in the one spelling of an index. */
static bool
slot_param(const char *slot, uint32_t *out)
{
    bs_ref ref;

    if (!bs_embed_campaign_param("x", slot, &ref))
        return false;
    *out = ref.index;
    return true;
}

/* ---- rendering (off the loop) ------------------------------------------------------- */

void
bs_embed_csp(const char *public_url, char *out, size_t size)
{
    unsigned char digest[crypto_hash_sha256_BYTES];
    char hash[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    char origin[BS_WEB_PUBLIC_URL_MAX + 1] = "";
    const char *host;

    crypto_hash_sha256(digest, (const unsigned char *)EMBED_STYLE, sizeof(EMBED_STYLE) - 1);
    sodium_bin2base64(hash, sizeof(hash), digest, sizeof(digest), sodium_base64_VARIANT_ORIGINAL);
    /* Images come from this server: the page's own origin, and the public
     * URL's when one is set (behind a proxy the two may differ). */
    if (public_url[0] != '\0' && (host = strstr(public_url, "://")) != NULL) {
        size_t n = strcspn(host + 3, "/") + (size_t)(host + 3 - public_url);
        snprintf(origin, sizeof(origin), " %.*s", (int)n, public_url);
    }
    snprintf(out, size,
             "default-src 'none'; script-src 'none'; img-src 'self'%s; style-src 'sha256-%s'; "
             "base-uri 'none'; form-action 'none'",
             origin, hash);
}

/* PUBLIC/campaigns/OWNER/I etc.: an absolute link when a public URL is
 * set, else one from the root. */
static void
link_to(bs_html *h, const bs_web_live *live, const char *path)
{
    char url[BS_WEB_PUBLIC_URL_MAX + 256];

    snprintf(url, sizeof(url), "%s%s", live->public_url, path);
    bs_html_url(h, url);
}

static void
paths(const bs_web_live *live, const bs_web_phase *phase, const bs_campaign *c, char *go, char *img,
      char *page, size_t size)
{
    char ref[BS_REF_MAX];

    bs_ref_format(&c->id, ref);
    snprintf(page, size, "%s/campaigns/%s", live->public_url, ref);
    if (phase->showing) {
        snprintf(go, size, "%s/go/%s/%u", live->public_url, ref, (unsigned)phase->slot.index);
        snprintf(img, size, "%s/img/%s.%s", live->public_url, phase->image->digest,
                 phase->image->ext);
    }
}

static char *
render_html(const bs_web_live *live, const bs_web_view *view, const bs_web_phase *phase,
            size_t *len)
{
    const bs_campaign *c = &view->campaign;
    char ref[BS_REF_MAX], path[BS_REF_MAX + 64];
    bs_html h = BS_HTML_INIT;

    bs_ref_format(&c->id, ref);
    bs_html_markup(&h, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    bs_html_text(&h, c->title[0] != '\0' ? c->title : ref);
    bs_html_markup(&h, "</title><style>" EMBED_STYLE "</style></head><body>");
    if (phase->showing) {
        const char *alt = phase->ad.hover[0] != '\0' ? phase->ad.hover : phase->ad.nickname;

        bs_html_markup(&h, "<a href=\"");
        snprintf(path, sizeof(path), "/go/%s/%u", ref, (unsigned)phase->slot.index);
        link_to(&h, live, path);
        bs_html_markup(&h, "\" target=\"_blank\" rel=\"noopener\"");
        if (phase->ad.hover[0] != '\0') {
            bs_html_markup(&h, " title=\"");
            bs_html_attr(&h, phase->ad.hover);
            bs_html_markup(&h, "\"");
        }
        bs_html_markup(&h, "><img src=\"");
        snprintf(path, sizeof(path), "/img/%s.%s", phase->image->digest, phase->image->ext);
        link_to(&h, live, path);
        bs_html_markup(&h, "\" width=\"");
        bs_html_int(&h, phase->ad.width);
        bs_html_markup(&h, "\" height=\"");
        bs_html_int(&h, phase->ad.height);
        bs_html_markup(&h, "\" alt=\"");
        bs_html_attr(&h, alt[0] != '\0' ? alt : "ad");
        bs_html_markup(&h, "\"></a>");
    } else {
        bs_html_markup(&h, "<a class=\"free\" href=\"");
        snprintf(path, sizeof(path), "/campaigns/%s", ref);
        link_to(&h, live, path);
        bs_html_markup(&h, "\" target=\"_blank\" rel=\"noopener\">your ad here");
        /* A hidden ad's slot runs on while the price of the next one
         * falls: no price that this page, made once, would keep right. */
        if (!phase->hidden) {
            bs_html_markup(&h, " \xe2\x80\x94 ");
            bs_html_int(&h, phase->price);
            bs_html_markup(&h, " sat now");
        }
        bs_html_markup(&h, "</a>");
    }
    bs_html_markup(&h, "</body></html>\n");
    return bs_html_detach(&h, len);
}

static char *
render_json(const bs_web_live *live, const bs_web_view *view, const bs_web_phase *phase,
            size_t *len)
{
    const bs_campaign *c = &view->campaign;
    char ref[BS_REF_MAX], go[BS_WEB_PUBLIC_URL_MAX + 256], img[sizeof(go)], page[sizeof(go)];
    json_t *obj;
    char *text;

    bs_ref_format(&c->id, ref);
    paths(live, phase, c, go, img, page, sizeof(go));
    if (phase->hidden)
        obj = json_pack("{s:s, s:b, s:I, s:I, s:s}", "campaign", ref, "showing", 0, "width",
                        (json_int_t)c->width, "height", (json_int_t)c->height, "link", page);
    else if (phase->showing)
        obj = json_pack("{s:s, s:b, s:I, s:I, s:I, s:I, s:I, s:s, s:s, s:s, s:s, s:s}", "campaign",
                        ref, "showing", 1, "slot", (json_int_t)phase->slot.index, "start",
                        (json_int_t)phase->slot.start, "end", (json_int_t)phase->slot.end, "width",
                        (json_int_t)phase->ad.width, "height", (json_int_t)phase->ad.height,
                        "image", img, "link", go, "url", phase->ad.url, "hover", phase->ad.hover,
                        "campaign_page", page);
    else
        obj = json_pack("{s:s, s:b, s:I, s:I, s:I, s:s}", "campaign", ref, "showing", 0,
                        "price_now", (json_int_t)phase->price, "width", (json_int_t)c->width,
                        "height", (json_int_t)c->height, "link", page);
    text = obj != NULL ? json_dumps(obj, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(obj);
    *len = text != NULL ? strlen(text) : 0;
    return text;
}

bs_status
bs_embed_render(void *arg, const bs_web_view *view, bs_web_phase *phase)
{
    const bs_web_live *live = arg;

    phase->body[BS_WEB_FORM_HTML] =
        render_html(live, view, phase, &phase->body_len[BS_WEB_FORM_HTML]);
    phase->body[BS_WEB_FORM_JSON] =
        render_json(live, view, phase, &phase->body_len[BS_WEB_FORM_JSON]);
    return phase->body[BS_WEB_FORM_HTML] != NULL && phase->body[BS_WEB_FORM_JSON] != NULL
               ? BS_OK
               : BS_NOMEM;
}

/* ---- answers (on the loop) ---------------------------------------------------------- */

static void
release_view(void *view)
{
    bs_web_view_release(view);
}

static void
release_image(void *image)
{
    bs_web_image_release(image);
}

static void
embed_headers(h2o_req_t *req, bs_web_live *live, bool json)
{
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   json ? "application/json" : "text/html; charset=utf-8",
                   json ? sizeof("application/json") - 1 : sizeof("text/html; charset=utf-8") - 1);
    /* What shows changes with every sale: ask again each time. */
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-cache"));
    bs_web_header(req, "x-content-type-options", "nosniff");
    bs_web_header(req, "referrer-policy", "no-referrer");
    if (!json)
        bs_web_header(req, "content-security-policy", live->csp);
    else
        bs_web_header(req, "access-control-allow-origin", "*");
}

static void
embed_missing(h2o_req_t *req, bs_web_live *live, bool json)
{
    static const char page[] = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                               "<title>no such campaign</title></head><body>no such "
                               "campaign</body></html>\n";

    if (json) {
        bs_web_header(req, "x-content-type-options", "nosniff");
        bs_web_send_error(req, 404, "not_found", "no such campaign");
        return;
    }
    embed_headers(req, live, false);
    bs_web_send_bytes(req, 404, "Not Found", page, sizeof(page) - 1);
}

static void
unavailable(h2o_req_t *req, const char *what)
{
    char message[128];

    snprintf(message, sizeof(message),
             "cannot read %s now: the store is temporarily unavailable; retry in a few seconds",
             what);
    bs_web_send_error(req, 503, "unavailable", message);
}

/* The embed's own answer when the store cannot say: it shows inside a
 * publisher's iframe, so a tiny page (no script), never JSON, and never kept
 * by a cache (the next ask may well be answered). */
static void
embed_unavailable(h2o_req_t *req, bs_web_live *live, bool json)
{
    static const char page[] = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                               "<title>temporarily unavailable</title></head><body>temporarily "
                               "unavailable</body></html>\n";

    if (json) {
        unavailable(req, "this campaign");
        return;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/html; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    bs_web_header(req, "x-content-type-options", "nosniff");
    bs_web_header(req, "referrer-policy", "no-referrer");
    bs_web_header(req, "content-security-policy", live->csp);
    bs_web_send_bytes(req, 503, "Service Unavailable", page, sizeof(page) - 1);
}

/* Answer from the view (held by the call: the request keeps it). */
static void
send_embed(h2o_req_t *req, bs_web_live *live, bs_web_view *view, bool json)
{
    const bs_web_phase *phase = bs_web_view_at(view, bs_web_live_now(live));
    int form = json ? BS_WEB_FORM_JSON : BS_WEB_FORM_HTML;

    if (phase->showing)
        bs_web_count_impression(phase->count);
    bs_web_hold(req, release_view, view);
    embed_headers(req, live, json);
    bs_web_send_bytes(req, 200, "OK", phase->body[form], phase->body_len[form]);
}

typedef struct embed_job {
    bs_web_defer d;
    bs_ref campaign;
    bool json;
    bs_status st;
} embed_job;

static void
embed_work(bs_web_defer *d, bs_ctx *ctx)
{
    embed_job *j = (embed_job *)d;

    j->st = bs_web_showing_refresh(d->live->showing, ctx, &j->campaign);
}

static void
embed_answer(bs_web_defer *d, h2o_req_t *req)
{
    embed_job *j = (embed_job *)d;
    bs_web_view *view;
    bs_web_found found;

    if (req == NULL)
        return;
    found =
        j->st == BS_OK ? bs_web_showing_find(d->live->showing, &j->campaign, &view) : BS_WEB_ASK;
    if (found == BS_WEB_FOUND)
        send_embed(req, d->live, view, j->json);
    else if (j->st == BS_NOTFOUND || found == BS_WEB_MISSING)
        embed_missing(req, d->live, j->json);
    else
        embed_unavailable(req, d->live, j->json);
}

void
bs_embed_page(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX], size_t nparams)
{
    char *index = params[1];
    size_t len = strlen(index);
    bool json = len > 5 && strcmp(index + len - 5, ".json") == 0;
    bs_web_view *view;
    bs_ref campaign;
    embed_job *j;

    (void)nparams;
    if (json)
        index[len - 5] = '\0';
    if (!bs_embed_campaign_param(params[0], index, &campaign)) {
        embed_missing(req, live, json);
        return;
    }
    switch (bs_web_showing_find(live->showing, &campaign, &view)) {
    case BS_WEB_FOUND:
        send_embed(req, live, view, json);
        return;
    case BS_WEB_MISSING:
        embed_missing(req, live, json);
        return;
    case BS_WEB_ASK:
    case BS_WEB_HIDDEN: /* never for a campaign */
        break;
    }
    if ((j = calloc(1, sizeof(*j))) == NULL) {
        bs_web_send_error(req, 503, "unavailable", "the server is out of memory; retry later");
        return;
    }
    j->campaign = campaign;
    j->json = json;
    j->d.work = embed_work;
    j->d.answer = embed_answer;
    bs_web_defer_submit(live, req, &j->d);
}

/* ---- images ------------------------------------------------------------------------- */

/* Does If-None-Match name `etag`? (A list, weak or strong, or "*".) */
static bool
etag_matches(h2o_req_t *req, const char *etag)
{
    size_t n = strlen(etag);
    ssize_t at = -1;

    while ((at = h2o_find_header(&req->headers, H2O_TOKEN_IF_NONE_MATCH, at)) >= 0) {
        h2o_iovec_t v = req->headers.entries[at].value;
        size_t i = 0;

        while (i < v.len) {
            size_t start, end;

            while (i < v.len && (v.base[i] == ' ' || v.base[i] == ',' || v.base[i] == '\t'))
                i++;
            start = i;
            while (i < v.len && v.base[i] != ',')
                i++;
            end = i;
            while (end > start && (v.base[end - 1] == ' ' || v.base[end - 1] == '\t'))
                end--;
            if (end - start >= 2 && v.base[start] == 'W' && v.base[start + 1] == '/')
                start += 2;
            if ((end - start == 1 && v.base[start] == '*') ||
                (end - start == n && memcmp(v.base + start, etag, n) == 0))
                return true;
        }
    }
    return false;
}

static void
send_image(h2o_req_t *req, bs_web_image *image)
{
    bs_web_hold(req, release_image, image);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ETAG, NULL, image->etag,
                   strlen(image->etag));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("public, max-age=31536000, immutable"));
    bs_web_header(req, "x-content-type-options", "nosniff");
    bs_web_header(req, "access-control-allow-origin", "*");
    if (etag_matches(req, image->etag)) {
        bs_web_send_bytes(req, 304, "Not Modified", "", 0);
        return;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, image->mime,
                   strlen(image->mime));
    bs_web_send_bytes(req, 200, "OK", (const char *)image->data, image->len);
}

typedef struct image_job {
    bs_web_defer d;
    char digest[BS_DIGEST_HEX_LEN + 1];
    char ext[8];
    bs_status st;
} image_job;

/* DIGEST.EXT: 64 lowercase hex digits and an extension. */
static bool
image_param(const char *file, char digest[BS_DIGEST_HEX_LEN + 1], char ext[8])
{
    const char *dot = strchr(file, '.');

    if (dot == NULL || dot - file != BS_DIGEST_HEX_LEN ||
        strspn(file, "0123456789abcdef") != BS_DIGEST_HEX_LEN || strlen(dot + 1) == 0 ||
        strlen(dot + 1) >= 8)
        return false;
    memcpy(digest, file, BS_DIGEST_HEX_LEN);
    digest[BS_DIGEST_HEX_LEN] = '\0';
    memcpy(ext, dot + 1, strlen(dot + 1) + 1);
    return true;
}

/* The image, or 404; false when memory cannot say. */
static bool
answer_image(h2o_req_t *req, bs_web_live *live, const char *digest, const char *ext)
{
    bs_web_image *image;

    switch (bs_web_showing_image(live->showing, digest, &image)) {
    case BS_WEB_FOUND:
        if (strcmp(image->ext, ext) == 0) {
            send_image(req, image);
            return true;
        }
        bs_web_image_release(image);
        /* fall through */
    case BS_WEB_MISSING:
        bs_web_header(req, "x-content-type-options", "nosniff");
        bs_web_send_error(req, 404, "not_found", "no such image");
        return true;
    case BS_WEB_HIDDEN:
        bs_web_header(req, "x-content-type-options", "nosniff");
        bs_web_send_error(req, 404, "hidden", "this image is of an ad the operator hid");
        return true;
    case BS_WEB_ASK:
        break;
    }
    return false;
}

static void
image_work(bs_web_defer *d, bs_ctx *ctx)
{
    image_job *j = (image_job *)d;

    j->st = bs_web_showing_load_image(d->live->showing, ctx, j->digest);
}

static void
image_answer(bs_web_defer *d, h2o_req_t *req)
{
    image_job *j = (image_job *)d;

    if (req != NULL && !answer_image(req, d->live, j->digest, j->ext))
        unavailable(req, "this image");
}

void
bs_embed_image(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX], size_t nparams)
{
    char digest[BS_DIGEST_HEX_LEN + 1], ext[8];
    image_job *j;

    (void)nparams;
    if (!image_param(params[0], digest, ext)) {
        bs_web_send_error(req, 404, "not_found", "no such image");
        return;
    }
    if (answer_image(req, live, digest, ext))
        return;
    if ((j = calloc(1, sizeof(*j))) == NULL) {
        bs_web_send_error(req, 503, "unavailable", "the server is out of memory; retry later");
        return;
    }
    memcpy(j->digest, digest, sizeof(digest));
    memcpy(j->ext, ext, sizeof(ext));
    j->d.work = image_work;
    j->d.answer = image_answer;
    bs_web_defer_submit(live, req, &j->d);
}

/* ---- redirects ---------------------------------------------------------------------- */

typedef struct go_job {
    bs_web_defer d;
    bs_ref campaign;
    uint32_t slot;
    bs_status st;
} go_job;

/* 302 to the ad, or 404; false when memory cannot say. */
static bool
answer_go(h2o_req_t *req, bs_web_live *live, const bs_ref *campaign, uint32_t slot)
{
    char url[BS_URL_MAX + 1], *copy;
    bs_web_count *count;

    switch (bs_web_showing_slot(live->showing, campaign, slot, url, &count)) {
    case BS_WEB_FOUND:
        bs_web_count_click(count);
        bs_web_count_release(count);
        copy = h2o_strdup(&req->pool, url, SIZE_MAX).base;
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL, copy, strlen(copy));
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                       H2O_STRLIT("no-store"));
        bs_web_header(req, "referrer-policy", "no-referrer");
        bs_web_send_bytes(req, 302, "Found", "", 0);
        return true;
    case BS_WEB_MISSING:
        bs_web_send_error(req, 404, "not_found", "no such slot: it was never sold");
        return true;
    case BS_WEB_HIDDEN:
        bs_web_send_error(req, 404, "hidden", "the ad of this slot was hidden by the operator");
        return true;
    case BS_WEB_ASK:
        break;
    }
    return false;
}

static void
go_work(bs_web_defer *d, bs_ctx *ctx)
{
    go_job *j = (go_job *)d;

    j->st = bs_web_showing_load_slot(d->live->showing, ctx, &j->campaign, j->slot);
}

static void
go_answer(bs_web_defer *d, h2o_req_t *req)
{
    go_job *j = (go_job *)d;

    if (req != NULL && !answer_go(req, d->live, &j->campaign, j->slot))
        unavailable(req, "this slot");
}

void
bs_embed_go(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX], size_t nparams)
{
    bs_ref campaign;
    uint32_t slot;
    go_job *j;

    (void)nparams;
    if (!bs_embed_campaign_param(params[0], params[1], &campaign) ||
        !slot_param(params[2], &slot)) {
        bs_web_send_error(req, 404, "not_found", "no such slot: it was never sold");
        return;
    }
    if (answer_go(req, live, &campaign, slot))
        return;
    if ((j = calloc(1, sizeof(*j))) == NULL) {
        bs_web_send_error(req, 503, "unavailable", "the server is out of memory; retry later");
        return;
    }
    j->campaign = campaign;
    j->slot = slot;
    j->d.work = go_work;
    j->d.answer = go_answer;
    bs_web_defer_submit(live, req, &j->d);
}
