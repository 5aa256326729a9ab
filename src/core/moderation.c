/*
 * moderation.c — see moderation.h. Each change is one write of
 * adhide/<owner>/<k>, retried from a fresh read when another writer came
 * between (CONFLICT, EXISTS, a remove that finds the document gone) or when
 * the store could not say whether the write landed (UNCERTAIN: the next
 * read shows it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/docs.h"
#include "core/moderation.h"
#include "model/field.h"
#include "util/grow.h"

static bool
same_hide(const bs_adhide *a, const bs_adhide *b)
{
    return bs_ref_equal(&a->ad, &b->ad) && strcmp(a->image, b->image) == 0 &&
           strcmp(a->reason, b->reason) == 0 && a->time == b->time && strcmp(a->by, b->by) == 0;
}

/* The document of `ad` (canonical) as it is now: BS_OK with *found (and
 * its CAS), or BS_OK with !*found when there is none. A damaged document
 * counts as found (a hide replaces it, a show removes it). */
static bs_status
read_hide(bs_ctx *ctx, const char *key, bs_adhide *h, bs_cas *cas, bool *found)
{
    char *text;
    size_t len;
    bs_status st = bs_store_get(ctx->store, key, &text, &len, cas);

    *found = st == BS_OK;
    memset(h, 0, sizeof(*h));
    if (st == BS_NOTFOUND)
        return BS_OK;
    if (st != BS_OK)
        return st;
    (void)bs_adhide_decode(text, len, h);
    free(text);
    return BS_OK;
}

/* The ad as stored (its canonical reference and image), or BS_NOTFOUND. */
static bs_status
the_ad(bs_ctx *ctx, const bs_ref *ad, bs_ad *out)
{
    bs_ref canon = *ad;

    if (!bs_name_valid(ad->owner))
        return BS_NOTFOUND;
    bs_name_canonical(ad->owner, canon.owner);
    return bs_docs_ad(ctx, &canon, out);
}

bs_status
bs_moderation_hide(bs_ctx *ctx, const bs_ref *ad, const char *reason, const char *by,
                   bs_adhide *out, bool *was_hidden)
{
    char key[BS_KEY_BUF], *text;
    bool uncertain = false, found;
    bs_adhide want, there;
    size_t len;
    bs_cas cas;
    bs_ad stored;
    bs_status st;

    memset(out, 0, sizeof(*out));
    *was_hidden = false;
    if (!bs_field_valid(BS_FIELD_HIDE_REASON, reason) || by == NULL || strlen(by) > BS_HIDE_BY_MAX)
        return BS_INVALID;
    st = the_ad(ctx, ad, &stored);
    if (st != BS_OK)
        return st;
    memset(&want, 0, sizeof(want));
    want.ad = stored.id;
    bs_name_canonical(ad->owner, want.ad.owner);
    memcpy(want.image, stored.image, sizeof(want.image));
    snprintf(want.reason, sizeof(want.reason), "%s", reason);
    want.time = bs_ctx_now(ctx);
    snprintf(want.by, sizeof(want.by), "%s", by);
    text = bs_adhide_encode(&want, &len);
    if (text == NULL)
        return BS_NOMEM;
    bs_key_adhide(&want.ad, key);
    st = BS_CONFLICT;
    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        st = read_hide(ctx, key, &there, &cas, &found);
        if (st != BS_OK)
            break;
        if (uncertain && found && same_hide(&there, &want))
            break; /* our write landed */
        if (!uncertain)
            *was_hidden = found;
        st = found ? bs_store_replace(ctx->store, key, text, len, cas, NULL)
                   : bs_store_add(ctx->store, key, text, len, NULL);
        if (st != BS_CONFLICT && st != BS_EXISTS && st != BS_NOTFOUND && st != BS_UNCERTAIN)
            break;
        uncertain |= st == BS_UNCERTAIN;
        st = BS_CONFLICT;
    }
    free(text);
    if (st == BS_CONFLICT && uncertain)
        st = BS_UNCERTAIN;
    if (st == BS_OK)
        *out = want;
    return st;
}

bs_status
bs_moderation_show(bs_ctx *ctx, const bs_ref *ad, bs_adhide *prior, bool *was_hidden)
{
    char key[BS_KEY_BUF];
    bool uncertain = false, found;
    bs_adhide there;
    bs_cas cas;
    bs_ad stored;
    bs_ref canon;
    bs_status st;

    memset(prior, 0, sizeof(*prior));
    *was_hidden = false;
    st = the_ad(ctx, ad, &stored);
    if (st != BS_OK)
        return st;
    canon = stored.id;
    bs_name_canonical(ad->owner, canon.owner);
    bs_key_adhide(&canon, key);
    st = BS_CONFLICT;
    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        st = read_hide(ctx, key, &there, &cas, &found);
        if (st != BS_OK || !found)
            break; /* not hidden (any more: when uncertain, our remove landed) */
        *was_hidden = true;
        *prior = there;
        st = bs_store_remove(ctx->store, key, cas);
        if (st != BS_CONFLICT && st != BS_NOTFOUND && st != BS_UNCERTAIN)
            break;
        uncertain |= st == BS_UNCERTAIN;
        st = BS_CONFLICT;
    }
    if (st == BS_CONFLICT && uncertain)
        st = BS_UNCERTAIN;
    return st;
}

bs_status
bs_moderation_get(bs_ctx *ctx, const bs_ref *ad, bs_adhide *out)
{
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    memset(out, 0, sizeof(*out));
    bs_key_adhide(ad, key);
    st = bs_store_get(ctx->store, key, &text, &len, NULL);
    if (st != BS_OK)
        return st;
    st = bs_adhide_decode(text, len, out);
    free(text);
    return st;
}

typedef struct collected {
    bs_adhide *items;
    size_t count, cap, damaged;
} collected;

static bs_status
collect_hide(const bs_store_doc *doc, void *arg)
{
    collected *c = arg;
    char key[BS_KEY_BUF];
    bs_adhide h;

    if (bs_adhide_decode(doc->value, doc->len, &h) != BS_OK) {
        c->damaged++;
        return BS_OK;
    }
    bs_key_adhide(&h.ad, key);
    if (strcmp(key, doc->key) != 0) { /* names another ad than its key */
        c->damaged++;
        return BS_OK;
    }
    if (bs_grow(&c->items, &c->cap, c->count, sizeof(*c->items), 16))
        return BS_NOMEM;
    c->items[c->count++] = h;
    return BS_OK;
}

bs_status
bs_moderation_list(bs_ctx *ctx, const char *owner, bs_adhide **out, size_t *count, size_t *damaged)
{
    char prefix[BS_KEY_BUF];
    collected c = {0};
    bs_status st;

    *out = NULL;
    *count = 0;
    if (owner != NULL)
        bs_prefix_adhide_of(owner, prefix);
    else
        snprintf(prefix, sizeof(prefix), "%s", BS_PREFIX_ADHIDE);
    st = bs_docs_each(ctx, prefix, collect_hide, &c);
    if (st != BS_OK) {
        free(c.items);
        return st;
    }
    *out = c.items;
    *count = c.count;
    if (damaged != NULL)
        *damaged = c.damaged;
    return BS_OK;
}

/* Does text[0..len) hold `needle`? (A cheap look before a decode.) */
static bool
holds(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle);

    for (size_t i = 0; i + n <= len; i++)
        if (text[i] == needle[0] && memcmp(text + i, needle, n) == 0)
            return true;
    return false;
}

typedef struct image_search {
    const char *digest;
    bool (*hidden)(void *arg, const bs_ref *ad);
    void *arg;
    bool shown;
} image_search;

static bs_status
visit_ad(const bs_store_doc *doc, void *arg)
{
    image_search *search = arg;
    bs_ad ad;

    if (!holds(doc->value, doc->len, search->digest) ||
        bs_ad_decode(doc->value, doc->len, &ad) != BS_OK || strcmp(ad.image, search->digest) != 0 ||
        search->hidden(search->arg, &ad.id))
        return BS_OK;
    search->shown = true;
    return BS_EXISTS; /* found: stop the scan */
}

bs_status
bs_moderation_image_shown(bs_ctx *ctx, const char *digest,
                          bool (*hidden)(void *arg, const bs_ref *ad), void *arg, bool *shown)
{
    image_search search = {digest, hidden, arg, false};
    bs_status st = bs_docs_each(ctx, BS_PREFIX_ADS, visit_ad, &search);

    *shown = search.shown;
    return search.shown ? BS_OK : st;
}

const bs_adhide *
bs_moderation_find(const bs_adhide *list, size_t count, const bs_ref *ad)
{
    for (size_t i = 0; i < count; i++)
        if (bs_ref_equal(&list[i].ad, ad))
            return &list[i];
    return NULL;
}
