/*
 * embed.h — the publisher embed (DESIGN.md §5): what a publisher's page
 * shows in an <iframe>, and where its image and its link go. Every answer
 * comes from the cache of what campaigns show (web/showing.h), on the
 * loop: no store read per hit.
 *
 *   GET /embed/OWNER/I       a tiny HTML page, no script, no cookie: the
 *                            slot's image linked through /go/…, its hover
 *                            text as title; or "your ad here — N sat now"
 *                            linking to the campaign's page
 *   GET /embed/OWNER/I.json  the same as data
 *   GET /img/DIGEST.EXT      the image, content addressed: immutable,
 *                            ETag, 304 on If-None-Match
 *   GET /go/OWNER/I/SLOT     302 to the URL of the ad sold with that slot
 *                            (404 for a slot never sold)
 * An ad the operator hid (core/moderation.h) is not shown: its slot's
 * embed is "your ad here" (without a price: it falls while the slot runs),
 * and its image and its slot's /go answer 404 {"error":{"code":"hidden"}}.
 *
 * Invariants:
 *   - Every value in the page goes through web/html.h, escaped for where it
 *     lands; the JSON is jansson's.
 *   - The page may be framed by anyone, but sends nosniff and a CSP that
 *     allows no script, no form, no base, and only this server's images
 *     and the page's own style (by its hash).
 *   - An impression is an embed answered (HTML or JSON) while a slot
 *     shows; a click is a redirect answered. Both are counted in memory
 *     (web/tally.h).
 */
#ifndef BS_WEB_EMBED_H
#define BS_WEB_EMBED_H

#include "web/live.h"

void bs_embed_page(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX],
                   size_t nparams);
void bs_embed_image(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX],
                    size_t nparams);
void bs_embed_go(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX],
                 size_t nparams);

/* The renderer of the cache's phases (bs_web_render; `arg` is the live
 * state). */
bs_status bs_embed_render(void *arg, const bs_web_view *view, bs_web_phase *phase);

/* The embed's Content-Security-Policy, for a server at `public_url` ("":
 * none given). */
void bs_embed_csp(const char *public_url, char *out, size_t size);

/* "owner" and "index" route parameters as a campaign: false when they
 * cannot name one (then no campaign has that address). */
bool bs_embed_campaign_param(const char *owner, const char *index, bs_ref *out);

#endif
