/*
 * showing.h — what each watched campaign is showing, kept in memory by one
 * `serve` process for every loop and request (DESIGN.md §5, §5a): the
 * embed, its images, the redirects to ads and the live events are answered
 * from here, never with a store read per hit.
 *
 * A campaign is watched while it is embedded (a hit in the last
 * BS_WEB_WATCH_SECONDS) or streamed (a live events listener). For each, a
 * *view*: the campaign as last read (its `last` sale), and its *phases* —
 * the slot showing now and every slot already sold after it, each with its
 * ad, image and counter, then "nothing" (the minimum price) from the end of
 * the last one on. Views are immutable once published and counted by
 * reference, so a loop uses one without a lock while the poller publishes
 * the next.
 *
 *   (unknown) ──first hit: refresh on a worker──▶ found ──poll──▶ found …
 *        │                                          │ not hit for a while
 *        └──▶ missing (a 404 remembered for          ▼
 *             BS_WEB_MISSING_SECONDS)            idle (no polls; the next
 *                                                hit refreshes first)
 *
 * Polls (bs_purchase_quote_now: campaign and next slot, and whatever they
 * lead to) of one campaign are at least BS_WEB_POLL_MS apart, by the
 * poller thread or a worker. A watched campaign is polled that often while
 * anyone listens to its events, and otherwise only while a sale could
 * change what it shows within a second: once the slots known to be sold
 * end in less than a second (a slot bought now starts then), or show
 * nothing. So a purchase by any process shows in the embed within
 * BS_WEB_POLL_MS (and the poll's time) of its slot's start, in the events
 * within that of the purchase, and an embed whose sold slots run on costs
 * no store read at all until they end.
 *
 * Ads the operator hid (core/moderation.h) are known to the cache from one
 * scan of every hidden ad, made by the poller every BS_WEB_HIDE_POLL_MS
 * (and by a worker before its first read). A slot whose ad is hidden makes
 * a *hidden* phase: the campaign's "your ad here" link instead of the ad,
 * and its click route answers BS_WEB_HIDDEN. A scan that finds the set
 * changed has every campaign showing one of those ads read again by the
 * poller, so a hide or a show reaches every embed, image and click route of
 * the process within BS_WEB_HIDE_POLL_MS and a poll: still no store read
 * per hit.
 *
 * Images are content addressed, so two advertisers who uploaded one file
 * share an image: a hidden ad's image answers BS_WEB_HIDDEN only when no
 * ad that is not hidden has it. Whether one has is asked once (a worker
 * looks at the views kept here, or else scans the ads:
 * bs_moderation_image_shown) and remembered for a minute, and only until
 * the hidden ads change; a hit never reads the store.
 *
 * Invariants:
 *   - Nothing here decides a rule: prices and the slot for sale come from
 *     core/purchase.h (bs_purchase_quote_now, bs_purchase_quote_at), the
 *     documents from core/docs.h and core/ads.h.
 *   - A phase shows a slot only between its start (inclusive) and end
 *     (exclusive); a slot shows only once campaign.last reaches it (its
 *     buyer's debit is final).
 *   - Images are content addressed: one copy per digest, whatever shows
 *     it.
 */
#ifndef BS_WEB_SHOWING_H
#define BS_WEB_SHOWING_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/ad.h"
#include "model/campaign.h"
#include "web/tally.h"

#define BS_WEB_POLL_MS         500  /* at most two polls a second per campaign */
#define BS_WEB_WATCH_SECONDS   30   /* an embed hit keeps a campaign watched this long */
#define BS_WEB_MISSING_SECONDS 5    /* an unknown campaign is remembered this long */
#define BS_WEB_HIDE_POLL_MS    2000 /* hidden ads are read again this often */

typedef struct bs_web_showing bs_web_showing;
typedef struct bs_web_entry bs_web_entry;

/* An image, as served: immutable, counted by reference. */
typedef struct bs_web_image {
    char digest[BS_DIGEST_HEX_LEN + 1];
    const char *mime;                 /* "image/png" (static storage) */
    const char *ext;                  /* "png" (static storage) */
    char etag[BS_DIGEST_HEX_LEN + 3]; /* "\"<digest>\"" */
    unsigned char *data;
    size_t len;
} bs_web_image;

/* What a phase looks like in each form the embed serves (web/embed.c
 * renders them once, when the phase is made). */
enum { BS_WEB_FORM_HTML, BS_WEB_FORM_JSON, BS_WEB_FORMS };

typedef struct bs_web_phase {
    int64_t from;        /* unix seconds, inclusive */
    int64_t until;       /* exclusive; INT64_MAX for the last phase */
    bool showing;        /* a slot (else nothing: the campaign's for sale) */
    bool hidden;         /* a slot whose ad the operator hid: shown as nothing, with
                            `slot` set but no ad, image or counter */
    int64_t price;       /* nothing (not hidden): the price at `from` */
    bs_slot slot;        /* showing, hidden: the slot */
    bs_ad ad;            /* showing: its ad */
    bs_web_image *image; /* showing: the ad's image */
    bs_web_count *count; /* showing: the slot's impressions and clicks */
    char *body[BS_WEB_FORMS];
    size_t body_len[BS_WEB_FORMS];
} bs_web_phase;

typedef struct bs_web_view {
    bs_campaign campaign;  /* as read by the poll (`last` final) */
    int64_t polled;        /* the clock's time of that poll */
    bs_web_phase **phases; /* in time order, back to back; the last runs on */
    size_t nphases;
} bs_web_view;

/* Renders the forms of a phase of `view` into phase->body (malloc'ed);
 * BS_NOMEM when it cannot. Called by the poll, on the poller thread or a
 * worker. */
typedef bs_status (*bs_web_render)(void *arg, const bs_web_view *view, bs_web_phase *phase);

/* Called (on the poller thread or a worker) when a view with a new sale
 * was published for a campaign someone listens to. */
typedef void (*bs_web_changed)(void *arg, bs_web_entry *entry);

/* Start the cache and its poller, which reads with a copy of `ctx`. */
bs_status bs_web_showing_start(const bs_ctx *ctx, bs_web_tally *tally, bs_web_render render,
                               bs_web_changed changed, void *arg, bs_web_showing **out);

/* Stop the poller (the cache still answers; nothing is freed: the process
 * is about to exit). NULL is a no-op. */
void bs_web_showing_stop(bs_web_showing *s);

/* ---- the embed and its redirects (on the loops) ---- */

typedef enum bs_web_found {
    BS_WEB_FOUND,   /* *view holds it: release with bs_web_view_release */
    BS_WEB_MISSING, /* no such campaign (or slot, image), as of a moment ago */
    BS_WEB_ASK,     /* not known here now: run the refresh on a worker, then find again */
    BS_WEB_HIDDEN,  /* an image or slot of an ad the operator hid: not served */
} bs_web_found;

/* The view of `campaign`, right for any time from now on until a sale it
 * does not show yet (bs_web_view_at picks the phase); a hit: the campaign
 * is watched for BS_WEB_WATCH_SECONDS more. Never reads the store. */
bs_web_found bs_web_showing_find(bs_web_showing *s, const bs_ref *campaign, bs_web_view **view);

/* On a worker, after BS_WEB_ASK: read the campaign now (unless it was read
 * less than BS_WEB_POLL_MS ago). BS_NOTFOUND is remembered as missing;
 * any other failure is the store's, and is not remembered. */
bs_status bs_web_showing_refresh(bs_web_showing *s, bs_ctx *ctx, const bs_ref *campaign);

/* The phase of `view` at `now` (the first one before it starts). */
const bs_web_phase *bs_web_view_at(const bs_web_view *view, int64_t now);

void bs_web_view_release(bs_web_view *view);

/* The image with `digest`, held (release with bs_web_image_release), or
 * BS_WEB_MISSING / BS_WEB_ASK as above; BS_WEB_HIDDEN when an ad the
 * operator hid has this image and no ad that is not hidden has it. */
bs_web_found bs_web_showing_image(bs_web_showing *s, const char *digest, bs_web_image **image);
/* On a worker, after BS_WEB_ASK: read it from the store (and, for a
 * hidden ad's image, whether an ad that is not hidden has it). */
bs_status bs_web_showing_load_image(bs_web_showing *s, bs_ctx *ctx, const char *digest);
void bs_web_image_release(bs_web_image *image);

/* Where slot `slot` of `campaign` sends a click: its ad's URL (into
 * url[BS_URL_MAX + 1]) and its counter (held: release it), only for a slot
 * that was sold; BS_WEB_HIDDEN when its ad is hidden. From a phase of the
 * campaign's view or from what a bs_web_showing_load_slot remembered. */
bs_web_found bs_web_showing_slot(bs_web_showing *s, const bs_ref *campaign, uint32_t slot,
                                 char url[BS_URL_MAX + 1], bs_web_count **count);
/* On a worker, after BS_WEB_ASK: read the slot and its ad. */
bs_status bs_web_showing_load_slot(bs_web_showing *s, bs_ctx *ctx, const bs_ref *campaign,
                                   uint32_t slot);

/* ---- live events ---- */

/* A listener of `campaign`'s events: while it listens the campaign is
 * polled every BS_WEB_POLL_MS. NULL when the campaign is not found here
 * (find or refresh first). Any thread. */
bs_web_entry *bs_web_showing_listen(bs_web_showing *s, const bs_ref *campaign);
void bs_web_showing_unlisten(bs_web_showing *s, bs_web_entry *entry);

/* The entry's current view, held (NULL if none). Never reads the store. */
bs_web_view *bs_web_entry_view(bs_web_showing *s, bs_web_entry *entry);

/* Campaigns watched and images held, for /metrics. */
void bs_web_showing_sizes(bs_web_showing *s, size_t *campaigns, size_t *images);

#endif
