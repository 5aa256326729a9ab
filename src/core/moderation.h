/*
 * moderation.h — the operator hides an ad, and shows it again (issue 11).
 * Ads are immutable (core/ads.h), so an ad's moderation is its own
 * document, adhide/<owner>/<k> (model/adhide.h):
 *
 *   shown ──hide: add──▶ hidden ──hide again: CAS (the new reason)──▶ hidden
 *     ▲                    │
 *     └──show: remove (CAS)┘
 *
 * While an ad is hidden, the publisher embed shows its campaign's "your ad
 * here" link instead of it (web/showing.h), its slots' click routes refuse
 * it, and so does its image route — unless an ad that is not hidden has
 * the same image (images are content addressed: two advertisers who
 * uploaded one file share it). Its buyer's account page says "hidden by the
 * operator: REASON" beside each slot it fills, and a new purchase with it
 * is refused with the reason (core/purchase.h; one already recorded is
 * finished). Nothing else changes: the slot stays sold, no balance or
 * ledger is touched, and showing it again brings it back for whatever
 * remains of its slots.
 *
 * Invariants:
 *   - One document per ad, at most; a hide, a new reason or a show is one
 *     write of that document (add, CAS, remove), so two operators at once
 *     end with one of their writes, never a mix.
 *   - A refused call (no such ad, a reason that breaks its rule, an ad not
 *     hidden) writes nothing.
 */
#ifndef BS_MODERATION_H
#define BS_MODERATION_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ctx.h"
#include "model/adhide.h"

/* Hide ad `ad` (owner in any case) for `reason` (BS_FIELD_HIDE_REASON),
 * recording who did it (`by`: "command" or "api"). An ad already hidden
 * gets the new reason and time (*was_hidden true). BS_INVALID: the reason
 * breaks its rule; BS_NOTFOUND: no such ad. On BS_OK *out is the document
 * as written. */
bs_status bs_moderation_hide(bs_ctx *ctx, const bs_ref *ad, const char *reason, const char *by,
                             bs_adhide *out, bool *was_hidden);

/* Show ad `ad` again. BS_NOTFOUND: no such ad. BS_OK with *was_hidden
 * false when it was not hidden (nothing written); with *was_hidden true it
 * was, and *prior is what its document said. */
bs_status bs_moderation_show(bs_ctx *ctx, const bs_ref *ad, bs_adhide *prior, bool *was_hidden);

/* The moderation of ad `ad`: BS_OK when hidden (*out), BS_NOTFOUND when
 * not. One read. */
bs_status bs_moderation_get(bs_ctx *ctx, const bs_ref *ad, bs_adhide *out);

/* Every hidden ad of `owner` (canonical), or of everyone when `owner` is
 * NULL, in key order: *out malloc'ed (free it; NULL when none). A damaged
 * document is skipped (counted in *damaged, which may be NULL). */
bs_status bs_moderation_list(bs_ctx *ctx, const char *owner, bs_adhide **out, size_t *count,
                             size_t *damaged);

/* Is image `digest` the image of an ad that is not hidden — so that hiding
 * one ad never takes the image from another advertiser who uploaded the
 * same file? `hidden(arg, ad)` says whether ad `ad` is hidden, as the
 * caller knows it (the server's cache of hidden ads). One scan of every ad
 * (ad/...), stopping at the first that is not hidden: for a caller that
 * remembers the answer (web/showing.h), never one scan per request. */
bs_status bs_moderation_image_shown(bs_ctx *ctx, const char *digest,
                                    bool (*hidden)(void *arg, const bs_ref *ad), void *arg,
                                    bool *shown);

/* The entry of list[0..count) for ad `ad`, or NULL. */
const bs_adhide *bs_moderation_find(const bs_adhide *list, size_t count, const bs_ref *ad);

#endif
