/*
 * showing.c — see showing.h for the states and the polling rule.
 *
 * One mutex (`lock`) guards the tables (campaigns, images, remembered
 * answers) and which view each campaign has; it is held for lookups and
 * pointer swaps only, never across a store call. Each campaign also has a
 * `poll_lock`, held across its poll so that two polls of one campaign never
 * run at once (the poller's and a worker's). Views, phases and images are
 * counted by reference: a loop holds what it uses, the poller drops what a
 * new view replaced, the last one out frees it.
 *
 * The hidden ads (showing.h) are two sorted arrays under `lock` — the ads,
 * and apart their images' digests — replaced whole by each scan that finds
 * them changed (which counts hidden_gen up); `scan_lock` keeps two scans
 * (the poller's, a worker's first) from running at once. Whether an ad that
 * is not hidden shares a hidden ad's image is a memo ("imageuse/<digest>")
 * that holds only while hidden_gen is the one it was found with.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/clock.h"
#include "core/ads.h"
#include "core/docs.h"
#include "core/moderation.h"
#include "core/purchase.h"
#include "util/log.h"
#include "web/showing.h"

/* The box `type` whose member `member` is at `ptr`. */
#define BOX_OF(type, member, ptr) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define BUCKETS       4096
#define TICK_MS       50
#define EVICT_MS      ((BS_WEB_WATCH_SECONDS + 60) * 1000)
#define IMAGE_IDLE_MS (120 * 1000)
#define SLOT_MEMO_MS  (60 * 1000)
#define ENTRIES_MAX   100000 /* campaigns remembered at most (missing ones are not kept beyond) */
#define MEMO_MAX      100000
#define MEMO_KEY_MAX  (BS_DIGEST_HEX_LEN + BS_REF_MAX + 16)

typedef enum entry_state {
    ENTRY_NEW,     /* never read */
    ENTRY_FOUND,   /* has a view */
    ENTRY_MISSING, /* no such campaign, until missing_until */
} entry_state;

typedef struct view_box {
    atomic_int refs;
    bs_web_view view;
} view_box;

typedef struct phase_box {
    atomic_int refs;
    bs_web_phase phase;
} phase_box;

typedef struct image_box {
    struct image_box *next; /* in its bucket */
    atomic_int refs;        /* the table's link is one */
    atomic_int_fast64_t last_use;
    bs_web_image image;
} image_box;

/* A remembered answer: a slot's ad URL, that a slot or an image is not
 * there, or whether an ad that is not hidden has a hidden ad's image. */
typedef struct memo {
    struct memo *next;
    char key[MEMO_KEY_MAX];
    bool found;
    char *url;
    bool has_ad; /* a slot's: `ad` is its ad */
    bs_ref ad;
    uint64_t hidden_gen; /* an image's use: the hidden ads it was found with */
    int64_t expires;     /* ms */
} memo;

struct bs_web_entry {
    bs_web_entry *next; /* in its bucket */
    bs_ref ref;
    pthread_mutex_t poll_lock;
    /* Under the cache's lock: */
    entry_state state;
    view_box *view;
    int refs;              /* holders (jobs, listeners); the table's link is not one */
    int64_t missing_until; /* ms */
    int64_t known_end;     /* the sold slots known end then (INT64_MIN: none) */
    bool rehide;           /* the hidden ads changed for a slot of its view: read again */
    /* Any thread (written under poll_lock): */
    atomic_int_fast64_t last_poll; /* ms; 0: never */
    bs_status last_failure;        /* under poll_lock: of the last poll (BS_OK: none) */
    atomic_int_fast64_t last_hit;  /* ms */
    atomic_int listeners;
};

struct bs_web_showing {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
    bs_web_entry *entries[BUCKETS];
    size_t nentries;
    image_box *images[BUCKETS];
    size_t nimages;
    memo *memos[BUCKETS];
    size_t nmemos;
    /* Under lock: the hidden ads as last scanned, sorted (see the top). */
    bs_ref *hidden_ads;
    size_t nhidden_ads;
    char (*hidden_images)[BS_DIGEST_HEX_LEN + 1];
    size_t nhidden_images;
    uint64_t hidden_gen; /* counts the changes of the hidden ads */
    bool hidden_loaded;
    /* Under scan_lock: */
    pthread_mutex_t scan_lock;
    bs_status scan_failure;               /* of the last scan (BS_OK: none) */
    atomic_int_fast64_t last_hidden_scan; /* ms; 0: never */
    bs_ctx ctx;                           /* the poller's */
    bs_web_tally *tally;
    bs_web_render render;
    bs_web_changed changed;
    void *arg;
    pthread_t thread;
    bool started;
};

static size_t
hash_text(const char *text, uint64_t more)
{
    uint64_t h = 1469598103934665603u;

    for (const char *p = text; *p != '\0'; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    h = (h ^ more) * 1099511628211u;
    return (size_t)(h % BUCKETS);
}

/* ---- views, phases, images --------------------------------------------------------- */

static void
image_unref(image_box *box)
{
    if (box != NULL && atomic_fetch_sub(&box->refs, 1) == 1) {
        free(box->image.data);
        free(box);
    }
}

void
bs_web_image_release(bs_web_image *image)
{
    if (image != NULL)
        image_unref(BOX_OF(image_box, image, image));
}

static void
phase_unref(phase_box *box)
{
    if (box == NULL || atomic_fetch_sub(&box->refs, 1) != 1)
        return;
    for (int f = 0; f < BS_WEB_FORMS; f++)
        free(box->phase.body[f]);
    bs_web_image_release(box->phase.image);
    bs_web_count_release(box->phase.count);
    free(box);
}

static void
view_unref(view_box *box)
{
    if (box == NULL || atomic_fetch_sub(&box->refs, 1) != 1)
        return;
    for (size_t i = 0; i < box->view.nphases; i++)
        phase_unref(BOX_OF(phase_box, phase, box->view.phases[i]));
    free(box->view.phases);
    free(box);
}

void
bs_web_view_release(bs_web_view *view)
{
    if (view != NULL)
        view_unref(BOX_OF(view_box, view, view));
}

const bs_web_phase *
bs_web_view_at(const bs_web_view *view, int64_t now)
{
    for (size_t i = 0; i < view->nphases; i++)
        if (now < view->phases[i]->until)
            return view->phases[i];
    return view->phases[view->nphases - 1];
}

/* Under lock. */
static image_box *
image_lookup(bs_web_showing *s, const char *digest)
{
    for (image_box *b = s->images[hash_text(digest, 0)]; b != NULL; b = b->next)
        if (strcmp(b->image.digest, digest) == 0)
            return b;
    return NULL;
}

/* The image with `digest`, held: from memory, or read (`chunks` as
 * bs_ads_image) and kept. `mime`: what the ad says, or NULL to find it from
 * the bytes. */
static bs_status
image_get(bs_web_showing *s, bs_ctx *ctx, const char *digest, int64_t chunks, const char *mime,
          image_box **out)
{
    image_box *box, *there;
    unsigned char *data;
    size_t len;
    bs_status st;

    pthread_mutex_lock(&s->lock);
    box = image_lookup(s, digest);
    if (box != NULL) {
        atomic_fetch_add(&box->refs, 1);
        atomic_store(&box->last_use, bs_clock_monotonic_ms());
    }
    pthread_mutex_unlock(&s->lock);
    if ((*out = box) != NULL)
        return BS_OK;

    st = bs_ads_image(ctx, digest, chunks, &data, &len);
    if (st != BS_OK)
        return st;
    if (mime == NULL)
        mime = bs_image_mime_of(data, len);
    else if (bs_image_mime_of(data, len) == NULL || strcmp(bs_image_mime_of(data, len), mime) != 0)
        mime = NULL; /* the bytes are not what the ad says they are */
    box = calloc(1, sizeof(*box));
    if (box == NULL || bs_ad_ext(mime) == NULL) {
        free(data);
        free(box);
        return box == NULL ? BS_NOMEM : BS_CORRUPT;
    }
    atomic_init(&box->refs, 2); /* the table's and the caller's */
    atomic_init(&box->last_use, bs_clock_monotonic_ms());
    memcpy(box->image.digest, digest, BS_DIGEST_HEX_LEN + 1);
    box->image.mime = bs_image_mime_of(data, len);
    box->image.ext = bs_ad_ext(box->image.mime);
    snprintf(box->image.etag, sizeof(box->image.etag), "\"%s\"", digest);
    box->image.data = data;
    box->image.len = len;

    pthread_mutex_lock(&s->lock);
    there = image_lookup(s, digest);
    if (there != NULL) { /* read at the same time by someone else: theirs */
        atomic_fetch_add(&there->refs, 1);
    } else {
        size_t b = hash_text(digest, 0);
        box->next = s->images[b];
        s->images[b] = box;
        s->nimages++;
    }
    pthread_mutex_unlock(&s->lock);
    if (there != NULL) {
        free(box->image.data);
        free(box);
        box = there;
    }
    *out = box;
    return BS_OK;
}

/* ---- remembered answers (under lock) ------------------------------------------------ */

static memo *
memo_lookup(bs_web_showing *s, const char *key, int64_t now)
{
    for (memo *m = s->memos[hash_text(key, 1)]; m != NULL; m = m->next)
        if (strcmp(m->key, key) == 0)
            return m->expires > now ? m : NULL;
    return NULL;
}

static memo *
memo_put(bs_web_showing *s, const char *key, bool found, const char *url, const bs_ref *ad,
         int64_t expires)
{
    size_t b = hash_text(key, 1);
    memo *m;

    for (m = s->memos[b]; m != NULL; m = m->next)
        if (strcmp(m->key, key) == 0)
            break;
    if (m == NULL) {
        if (s->nmemos >= MEMO_MAX || (m = calloc(1, sizeof(*m))) == NULL)
            return NULL; /* not remembered: asked again next time */
        snprintf(m->key, sizeof(m->key), "%s", key);
        m->next = s->memos[b];
        s->memos[b] = m;
        s->nmemos++;
    }
    free(m->url);
    m->url = url != NULL ? strdup(url) : NULL;
    m->found = found && (url == NULL || m->url != NULL);
    m->has_ad = ad != NULL;
    if (ad != NULL)
        m->ad = *ad;
    m->hidden_gen = 0;
    m->expires = expires;
    return m;
}

static void
slot_memo_key(const bs_ref *campaign, uint32_t slot, char key[MEMO_KEY_MAX])
{
    char ref[BS_REF_MAX];

    bs_slot_ref_format(campaign, slot, ref);
    snprintf(key, MEMO_KEY_MAX, "slot/%s", ref);
}

static void
image_memo_key(const char *digest, char key[MEMO_KEY_MAX])
{
    snprintf(key, MEMO_KEY_MAX, "image/%s", digest);
}

static void
use_memo_key(const char *digest, char key[MEMO_KEY_MAX])
{
    snprintf(key, MEMO_KEY_MAX, "imageuse/%s", digest);
}

/* ---- hidden ads ----------------------------------------------------------------------- */

static int
compare_refs(const void *a, const void *b)
{
    const bs_ref *x = a, *y = b;
    int c = strcmp(x->owner, y->owner);

    return c != 0 ? c : (x->index > y->index) - (x->index < y->index);
}

static int
compare_digests(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Under lock. */
static bool
ad_hidden(const bs_web_showing *s, const bs_ref *ad)
{
    return s->nhidden_ads > 0 &&
           bsearch(ad, s->hidden_ads, s->nhidden_ads, sizeof(*s->hidden_ads), compare_refs) != NULL;
}

/* Is `digest` the image of a hidden ad? (Whether another ad that is not
 * hidden has it too is image_use's question.) Under lock. */
static bool
image_hidden(const bs_web_showing *s, const char *digest)
{
    return s->nhidden_images > 0 && bsearch(digest, s->hidden_images, s->nhidden_images,
                                            sizeof(*s->hidden_images), compare_digests) != NULL;
}

/* What is remembered of hidden image `digest`: BS_WEB_FOUND when an ad
 * that is not hidden has it (it is served), BS_WEB_HIDDEN when none has,
 * BS_WEB_ASK when that is not known since the hidden ads last changed.
 * Under lock. */
static bs_web_found
image_use(bs_web_showing *s, const char *digest, int64_t ms)
{
    char key[MEMO_KEY_MAX];
    const memo *m;

    use_memo_key(digest, key);
    m = memo_lookup(s, key, ms);
    if (m == NULL || m->hidden_gen != s->hidden_gen)
        return BS_WEB_ASK;
    return m->found ? BS_WEB_FOUND : BS_WEB_HIDDEN;
}

/* Does a view this process keeps show an ad that is not hidden with image
 * `digest`? Under lock. */
static bool
image_showing(const bs_web_showing *s, const char *digest)
{
    for (size_t b = 0; b < BUCKETS; b++)
        for (const bs_web_entry *e = s->entries[b]; e != NULL; e = e->next)
            for (size_t i = 0; e->view != NULL && i < e->view->view.nphases; i++) {
                const bs_web_phase *p = e->view->view.phases[i];
                if (p->showing && strcmp(p->ad.image, digest) == 0 && !ad_hidden(s, &p->slot.ad))
                    return true;
            }
    return false;
}

static bool
hidden_by_cache(void *arg, const bs_ref *ad)
{
    bs_web_showing *s = arg;
    bool hidden;

    pthread_mutex_lock(&s->lock);
    hidden = ad_hidden(s, ad);
    pthread_mutex_unlock(&s->lock);
    return hidden;
}

/* On a worker: find out whether an ad that is not hidden has hidden image
 * `digest` — from the views kept here, or else by one scan of the ads
 * (core/moderation.h) — and remember it (SLOT_MEMO_MS, and only until the
 * hidden ads change). */
static bs_status
image_use_load(bs_web_showing *s, bs_ctx *ctx, const char *digest)
{
    char key[MEMO_KEY_MAX];
    uint64_t gen;
    bool shown;
    memo *m;
    bs_status st = BS_OK;

    pthread_mutex_lock(&s->lock);
    gen = s->hidden_gen;
    shown = image_showing(s, digest);
    pthread_mutex_unlock(&s->lock);
    if (!shown)
        st = bs_moderation_image_shown(ctx, digest, hidden_by_cache, s, &shown);
    if (st != BS_OK)
        return st;
    use_memo_key(digest, key);
    pthread_mutex_lock(&s->lock);
    if ((m = memo_put(s, key, shown, NULL, NULL, bs_clock_monotonic_ms() + SLOT_MEMO_MS)) != NULL)
        m->hidden_gen = gen; /* changed meanwhile: stale at once, asked again */
    pthread_mutex_unlock(&s->lock);
    return BS_OK;
}

/* Does a slot of `view` show (or hide) its ad otherwise than the hidden ads
 * now say? Under lock. */
static bool
hidden_differs(const bs_web_showing *s, const bs_web_view *view)
{
    for (size_t i = 0; i < view->nphases; i++) {
        const bs_web_phase *p = view->phases[i];
        if ((p->showing || p->hidden) && p->hidden != ad_hidden(s, &p->slot.ad))
            return true;
    }
    return false;
}

/* Read every hidden ad; when they changed, publish them and have each
 * campaign whose view they change read again. A failure keeps what was
 * known (said once). */
static void
hidden_scan(bs_web_showing *s, bs_ctx *ctx)
{
    char(*images)[BS_DIGEST_HEX_LEN + 1] = NULL;
    bs_ref *ads = NULL;
    bs_adhide *list;
    size_t count, nimages = 0;
    bool changed;
    bs_status st;

    pthread_mutex_lock(&s->scan_lock);
    atomic_store(&s->last_hidden_scan, bs_clock_monotonic_ms());
    st = bs_moderation_list(ctx, NULL, &list, &count, NULL);
    if (st == BS_OK && count > 0) {
        ads = calloc(count, sizeof(*ads));
        images = calloc(count, sizeof(*images));
        if (ads == NULL || images == NULL)
            st = BS_NOMEM;
    }
    if (st != BS_OK) {
        if (st != s->scan_failure)
            bs_log_warning("cannot read which ads are hidden (%s); going by what was read before",
                           bs_strerror(st));
        s->scan_failure = st;
        free(ads);
        free(images);
        free(list);
        pthread_mutex_unlock(&s->scan_lock);
        return;
    }
    if (s->scan_failure != BS_OK)
        bs_log_warning("hidden ads read again");
    s->scan_failure = BS_OK;
    for (size_t i = 0; i < count; i++) {
        ads[i] = list[i].ad;
        memcpy(images[i], list[i].image, sizeof(images[i]));
    }
    free(list);
    if (count > 1) {
        qsort(ads, count, sizeof(*ads), compare_refs);
        qsort(images, count, sizeof(*images), compare_digests);
    }
    for (size_t i = 0; i < count; i++) /* one ad per digest is enough */
        if (nimages == 0 || strcmp(images[nimages - 1], images[i]) != 0)
            memmove(images[nimages++], images[i], sizeof(images[i]));

    pthread_mutex_lock(&s->lock);
    changed = count != s->nhidden_ads;
    for (size_t i = 0; i < count && !changed; i++)
        changed = compare_refs(&ads[i], &s->hidden_ads[i]) != 0;
    if (changed) {
        bs_ref *old_ads = s->hidden_ads;
        void *old_images = s->hidden_images;
        s->hidden_ads = ads;
        s->nhidden_ads = count;
        s->hidden_images = images;
        s->nhidden_images = nimages;
        s->hidden_gen++;
        ads = old_ads;
        images = old_images;
        for (size_t b = 0; b < BUCKETS; b++)
            for (bs_web_entry *e = s->entries[b]; e != NULL; e = e->next)
                if (e->state == ENTRY_FOUND && e->view != NULL && hidden_differs(s, &e->view->view))
                    e->rehide = true;
    }
    s->hidden_loaded = true;
    pthread_mutex_unlock(&s->lock);
    free(ads);
    free(images);
    pthread_mutex_unlock(&s->scan_lock);
}

/* Before a worker's first read: the hidden ads, once. */
static void
hidden_ensure(bs_web_showing *s, bs_ctx *ctx)
{
    bool loaded;

    pthread_mutex_lock(&s->lock);
    loaded = s->hidden_loaded;
    pthread_mutex_unlock(&s->lock);
    if (!loaded)
        hidden_scan(s, ctx);
}

/* ---- campaigns (under lock) --------------------------------------------------------- */

static bs_web_entry *
entry_lookup(bs_web_showing *s, const bs_ref *ref)
{
    for (bs_web_entry *e = s->entries[hash_text(ref->owner, ref->index)]; e != NULL; e = e->next)
        if (bs_ref_equal(&e->ref, ref))
            return e;
    return NULL;
}

static bs_web_entry *
entry_add(bs_web_showing *s, const bs_ref *ref)
{
    size_t b = hash_text(ref->owner, ref->index);
    bs_web_entry *e;

    if (s->nentries >= ENTRIES_MAX || (e = calloc(1, sizeof(*e))) == NULL)
        return NULL;
    e->ref = *ref;
    pthread_mutex_init(&e->poll_lock, NULL);
    e->state = ENTRY_NEW;
    e->known_end = INT64_MIN;
    atomic_init(&e->last_hit, 0);
    atomic_init(&e->last_poll, 0);
    atomic_init(&e->listeners, 0);
    e->next = s->entries[b];
    s->entries[b] = e;
    s->nentries++;
    return e;
}

static void
entry_free(bs_web_entry *e)
{
    view_unref(e->view);
    pthread_mutex_destroy(&e->poll_lock);
    free(e);
}

static bool
watched(const bs_web_entry *e, int64_t now)
{
    return atomic_load(&e->listeners) > 0 ||
           now - atomic_load_explicit(&e->last_hit, memory_order_relaxed) <
               BS_WEB_WATCH_SECONDS * 1000;
}

/* ---- the poll ----------------------------------------------------------------------- */

static bool
same_campaign(const bs_campaign *a, const bs_campaign *b)
{
    return a->min_price == b->min_price && a->slot_seconds == b->slot_seconds &&
           a->width == b->width && a->height == b->height && strcmp(a->title, b->title) == 0 &&
           a->has_last == b->has_last && (!a->has_last || bs_slot_equal(&a->last, &b->last));
}

static bool
same_sales(const bs_campaign *a, const bs_campaign *b)
{
    return a->has_last == b->has_last && (!a->has_last || bs_slot_equal(&a->last, &b->last));
}

/* The phase of `old` that shows `slot` (hides it, when `hidden`), or NULL. */
static bs_web_phase *
old_phase(const bs_web_view *old, const bs_slot *slot, bool hidden)
{
    for (size_t i = 0; old != NULL && i < old->nphases; i++) {
        const bs_web_phase *p = old->phases[i];
        if ((p->showing || p->hidden) && p->hidden == hidden && bs_slot_equal(&p->slot, slot))
            return old->phases[i];
    }
    return NULL;
}

static const bs_slot *
old_slot(const bs_web_view *old, uint32_t index)
{
    for (size_t i = 0; old != NULL && i < old->nphases; i++)
        if ((old->phases[i]->showing || old->phases[i]->hidden) &&
            old->phases[i]->slot.index == index)
            return &old->phases[i]->slot;
    return NULL;
}

static phase_box *
phase_new(void)
{
    phase_box *box = calloc(1, sizeof(*box));

    if (box != NULL)
        atomic_init(&box->refs, 1);
    return box;
}

/* A phase of `slot`, whose ad the operator hid: nothing shows, rendered. */
static bs_status
hidden_phase(bs_web_showing *s, const bs_web_view *view, const bs_slot *slot, phase_box **out)
{
    phase_box *box = phase_new();
    bs_status st;

    *out = NULL;
    if (box == NULL)
        return BS_NOMEM;
    box->phase.hidden = true;
    box->phase.from = slot->start;
    box->phase.until = slot->end;
    box->phase.slot = *slot;
    st = s->render(s->arg, view, &box->phase);
    if (st != BS_OK) {
        phase_unref(box);
        return st;
    }
    *out = box;
    return BS_OK;
}

/* A phase showing `slot`: its ad, image and counter, rendered. */
static bs_status
showing_phase(bs_web_showing *s, bs_ctx *ctx, const bs_web_view *view, const bs_slot *slot,
              phase_box **out)
{
    phase_box *box = phase_new();
    image_box *image;
    bs_status st;

    *out = NULL;
    if (box == NULL)
        return BS_NOMEM;
    box->phase.showing = true;
    box->phase.from = slot->start;
    box->phase.until = slot->end;
    box->phase.slot = *slot;
    st = bs_docs_ad(ctx, &slot->ad, &box->phase.ad);
    if (st == BS_OK)
        st = image_get(s, ctx, box->phase.ad.image, box->phase.ad.chunks, box->phase.ad.mime,
                       &image);
    if (st == BS_OK) {
        box->phase.image = &image->image;
        box->phase.count = bs_web_tally_count(s->tally, &slot->campaign, slot->index);
        st = box->phase.count == NULL ? BS_NOMEM : s->render(s->arg, view, &box->phase);
    }
    if (st != BS_OK) {
        phase_unref(box);
        return st;
    }
    *out = box;
    return BS_OK;
}

/* A new view of campaign `c` (just read) at `now`: the slots sold that
 * have not ended, taken from `old` where it has them. */
static bs_status
build_view(bs_web_showing *s, bs_ctx *ctx, const bs_campaign *c, int64_t now,
           const bs_web_view *old, view_box **out)
{
    bs_slot *slots = NULL;
    size_t nslots = 0, cap = 0;
    bs_purchase_quote q;
    view_box *box = calloc(1, sizeof(*box));
    phase_box *nothing = NULL;
    bs_status st = BS_OK;

    *out = NULL;
    if (box == NULL)
        return BS_NOMEM;
    atomic_init(&box->refs, 1);
    box->view.campaign = *c;
    box->view.polled = now;

    /* From the last sale back to the slot showing now. */
    if (c->has_last) {
        bs_slot cur = c->last;
        while (cur.end > now) {
            if (nslots == cap) {
                size_t grown_cap = cap > 0 ? cap * 2 : 4;
                bs_slot *grown = realloc(slots, grown_cap * sizeof(*slots));
                if (grown == NULL) {
                    st = BS_NOMEM;
                    break;
                }
                slots = grown;
                cap = grown_cap;
            }
            slots[nslots++] = cur;
            if (cur.start <= now || cur.index == 0)
                break;
            if (old_slot(old, cur.index - 1) != NULL) {
                cur = *old_slot(old, cur.index - 1);
            } else if ((st = bs_docs_slot(ctx, &c->id, cur.index - 1, &cur)) != BS_OK) {
                st = st == BS_NOTFOUND ? BS_CORRUPT : st; /* slots are contiguous */
                break;
            }
        }
    }
    box->view.phases = st == BS_OK ? calloc(nslots + 1, sizeof(*box->view.phases)) : NULL;
    if (st == BS_OK && box->view.phases == NULL)
        st = BS_NOMEM;
    for (size_t i = 0; st == BS_OK && i < nslots; i++) {
        const bs_slot *slot = &slots[nslots - 1 - i]; /* in time order */
        bs_web_phase *reuse;
        phase_box *p;
        bool hidden;

        pthread_mutex_lock(&s->lock);
        hidden = ad_hidden(s, &slot->ad);
        pthread_mutex_unlock(&s->lock);
        reuse = old_phase(old, slot, hidden);
        if (reuse != NULL) {
            p = BOX_OF(phase_box, phase, reuse);
            atomic_fetch_add(&p->refs, 1);
        } else if ((st = hidden ? hidden_phase(s, &box->view, slot, &p)
                                : showing_phase(s, ctx, &box->view, slot, &p)) != BS_OK) {
            break;
        }
        box->view.phases[box->view.nphases++] = &p->phase;
    }
    /* Then nothing, at the price from the end of the last slot on. */
    if (st == BS_OK && (nothing = phase_new()) == NULL)
        st = BS_NOMEM;
    if (st == BS_OK) {
        nothing->phase.from = nslots > 0 ? slots[0].end : INT64_MIN;
        nothing->phase.until = INT64_MAX;
        bs_purchase_quote_at(c, nothing->phase.from > now ? nothing->phase.from : now, &q);
        nothing->phase.price = q.price;
        st = s->render(s->arg, &box->view, &nothing->phase);
        if (st == BS_OK)
            box->view.phases[box->view.nphases++] = &nothing->phase;
        else
            phase_unref(nothing);
    }
    free(slots);
    if (st != BS_OK) {
        view_unref(box);
        return st;
    }
    *out = box;
    return BS_OK;
}

/* Read the campaign and publish what it shows. Under e->poll_lock. */
static bs_status
poll_campaign(bs_web_showing *s, bs_web_entry *e, bs_ctx *ctx)
{
    bs_purchase_quote q;
    view_box *old, *fresh = NULL;
    bool sold = false, rehide;
    int64_t now;
    bs_status st;

    atomic_store(&e->last_poll, bs_clock_monotonic_ms());
    st = bs_purchase_quote_now(ctx, &e->ref, &q);
    now = bs_ctx_now(ctx);
    pthread_mutex_lock(&s->lock);
    old = e->view;
    if (old != NULL)
        atomic_fetch_add(&old->refs, 1);
    rehide = old != NULL && hidden_differs(s, &old->view);
    e->rehide = false;
    if (st == BS_NOTFOUND) {
        e->state = ENTRY_MISSING;
        e->missing_until = bs_clock_monotonic_ms() + BS_WEB_MISSING_SECONDS * 1000;
        e->view = NULL;
        if (old != NULL)
            atomic_fetch_sub(&old->refs, 1); /* the entry's */
    }
    pthread_mutex_unlock(&s->lock);
    if (st != BS_OK ||
        (old != NULL && !rehide && same_campaign(&old->view.campaign, &q.campaign))) {
        view_unref(old);
        return st;
    }

    st = build_view(s, ctx, &q.campaign, now, old != NULL ? &old->view : NULL, &fresh);
    if (st == BS_OK) {
        sold = old != NULL && !same_sales(&old->view.campaign, &q.campaign);
        pthread_mutex_lock(&s->lock);
        if (e->view != NULL)
            view_unref(e->view); /* the entry's hold on the old one (we still hold ours) */
        e->view = fresh;
        e->state = ENTRY_FOUND;
        e->known_end = fresh->view.phases[fresh->view.nphases - 1]->from;
        pthread_mutex_unlock(&s->lock);
        if (sold && atomic_load(&e->listeners) > 0 && s->changed != NULL)
            s->changed(s->arg, e);
    }
    view_unref(old);
    return st;
}

/* ---- the poller --------------------------------------------------------------------- */

/* Is `e` to be read now? Under lock. */
static bool
due(const bs_web_entry *e, int64_t ms, int64_t wall)
{
    if (e->state != ENTRY_FOUND || !watched(e, ms) ||
        ms - atomic_load(&e->last_poll) < BS_WEB_POLL_MS)
        return false;
    if (atomic_load(&e->listeners) > 0 || e->rehide)
        return true;
    /* Only the embed: a sale made now would start when the known ones end. */
    return e->known_end == INT64_MIN || e->known_end - 1 <= wall;
}

/* Drop what nobody uses any more. Under lock. */
static void
sweep(bs_web_showing *s, int64_t ms)
{
    for (size_t b = 0; b < BUCKETS; b++) {
        bs_web_entry **link = &s->entries[b];
        image_box **ilink = &s->images[b];
        memo **mlink = &s->memos[b];

        while (*link != NULL) {
            bs_web_entry *e = *link;
            bool gone =
                e->refs == 0 && atomic_load(&e->listeners) == 0 &&
                (e->state == ENTRY_MISSING ? ms >= e->missing_until
                                           : ms - atomic_load(&e->last_hit) >= EVICT_MS &&
                                                 ms - atomic_load(&e->last_poll) >= BS_WEB_POLL_MS);
            if (gone) {
                *link = e->next;
                s->nentries--;
                entry_free(e);
            } else {
                link = &e->next;
            }
        }
        while (*ilink != NULL) {
            image_box *i = *ilink;
            if (atomic_load(&i->refs) == 1 && ms - atomic_load(&i->last_use) >= IMAGE_IDLE_MS) {
                *ilink = i->next;
                s->nimages--;
                image_unref(i);
            } else {
                ilink = &i->next;
            }
        }
        while (*mlink != NULL) {
            memo *m = *mlink;
            if (m->expires <= ms) {
                *mlink = m->next;
                s->nmemos--;
                free(m->url);
                free(m);
            } else {
                mlink = &m->next;
            }
        }
    }
}

static void
poll_due(bs_web_showing *s)
{
    int64_t ms = bs_clock_monotonic_ms(), wall = bs_ctx_now(&s->ctx);
    bs_web_entry **todo = NULL;
    size_t n = 0, cap = 0;

    pthread_mutex_lock(&s->lock);
    for (size_t b = 0; b < BUCKETS; b++)
        for (bs_web_entry *e = s->entries[b]; e != NULL; e = e->next) {
            if (!due(e, ms, wall))
                continue;
            if (n == cap) {
                size_t grown_cap = cap > 0 ? cap * 2 : 16;
                bs_web_entry **grown = realloc(todo, grown_cap * sizeof(*todo));
                if (grown == NULL)
                    break;
                todo = grown;
                cap = grown_cap;
            }
            e->refs++;
            todo[n++] = e;
        }
    pthread_mutex_unlock(&s->lock);

    for (size_t i = 0; i < n; i++) {
        bs_web_entry *e = todo[i];
        char ref[BS_REF_MAX];
        bs_status st = BS_OK;

        bool news;

        pthread_mutex_lock(&e->poll_lock);
        if (bs_clock_monotonic_ms() - atomic_load(&e->last_poll) >= BS_WEB_POLL_MS)
            st = poll_campaign(s, e, &s->ctx);
        st = st == BS_NOTFOUND ? BS_OK : st;
        news = st != e->last_failure; /* said once, not twice a second */
        e->last_failure = st;
        pthread_mutex_unlock(&e->poll_lock);
        bs_ref_format(&e->ref, ref);
        if (news && st != BS_OK)
            bs_log_warning("campaign \"%s\": cannot read what it shows (%s); showing what it "
                           "showed until it can",
                           ref, bs_strerror(st));
        else if (news)
            bs_log_warning("campaign \"%s\": read again", ref);
        pthread_mutex_lock(&s->lock);
        e->refs--;
        pthread_mutex_unlock(&s->lock);
    }
    free(todo);
}

static void *
run_poller(void *arg)
{
    bs_web_showing *s = arg;
    int64_t last_sweep = 0;

    pthread_mutex_lock(&s->lock);
    while (!s->stopping) {
        struct timespec until;

        pthread_mutex_unlock(&s->lock);
        if (bs_clock_monotonic_ms() - atomic_load(&s->last_hidden_scan) >= BS_WEB_HIDE_POLL_MS)
            hidden_scan(s, &s->ctx);
        poll_due(s);
        pthread_mutex_lock(&s->lock);
        if (bs_clock_monotonic_ms() - last_sweep >= 1000) {
            sweep(s, bs_clock_monotonic_ms());
            last_sweep = bs_clock_monotonic_ms();
        }
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += TICK_MS * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        if (!s->stopping)
            pthread_cond_timedwait(&s->wake, &s->lock, &until);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

bs_status
bs_web_showing_start(const bs_ctx *ctx, bs_web_tally *tally, bs_web_render render,
                     bs_web_changed changed, void *arg, bs_web_showing **out)
{
    bs_web_showing *s = calloc(1, sizeof(*s));

    *out = NULL;
    if (s == NULL)
        return BS_NOMEM;
    pthread_mutex_init(&s->lock, NULL);
    pthread_mutex_init(&s->scan_lock, NULL);
    atomic_init(&s->last_hidden_scan, 0);
    pthread_cond_init(&s->wake, NULL);
    s->ctx = *ctx;
    s->ctx.node = NULL;
    s->tally = tally;
    s->render = render;
    s->changed = changed;
    s->arg = arg;
    if (pthread_create(&s->thread, NULL, run_poller, s) != 0) {
        pthread_cond_destroy(&s->wake);
        pthread_mutex_destroy(&s->scan_lock);
        pthread_mutex_destroy(&s->lock);
        free(s);
        return BS_NOMEM;
    }
    s->started = true;
    *out = s;
    return BS_OK;
}

void
bs_web_showing_stop(bs_web_showing *s)
{
    if (s == NULL || !s->started)
        return;
    pthread_mutex_lock(&s->lock);
    s->stopping = true;
    pthread_cond_signal(&s->wake);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    s->started = false;
}

/* ---- the loops' side ---------------------------------------------------------------- */

bs_web_found
bs_web_showing_find(bs_web_showing *s, const bs_ref *campaign, bs_web_view **view)
{
    int64_t ms = bs_clock_monotonic_ms();
    bs_web_found found = BS_WEB_ASK;
    bs_web_entry *e;

    *view = NULL;
    pthread_mutex_lock(&s->lock);
    e = entry_lookup(s, campaign);
    if (e != NULL && e->state == ENTRY_MISSING && ms < e->missing_until) {
        found = BS_WEB_MISSING;
    } else if (e != NULL && e->state == ENTRY_FOUND && e->view != NULL && watched(e, ms)) {
        /* Watched until now, so the poller kept the view right. */
        atomic_fetch_add(&e->view->refs, 1);
        *view = &e->view->view;
        if (atomic_load_explicit(&e->last_hit, memory_order_relaxed) != ms)
            atomic_store_explicit(&e->last_hit, ms, memory_order_relaxed);
        found = BS_WEB_FOUND;
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

bs_status
bs_web_showing_refresh(bs_web_showing *s, bs_ctx *ctx, const bs_ref *campaign)
{
    bs_web_entry *e;
    bs_status st;

    hidden_ensure(s, ctx);
    pthread_mutex_lock(&s->lock);
    e = entry_lookup(s, campaign);
    if (e == NULL)
        e = entry_add(s, campaign);
    if (e != NULL) {
        e->refs++;
        atomic_store(&e->last_hit, bs_clock_monotonic_ms());
    }
    pthread_mutex_unlock(&s->lock);
    if (e == NULL) { /* too many campaigns remembered: answer without keeping it */
        bs_campaign c;
        st = bs_docs_campaign(ctx, campaign, &c, NULL);
        return st == BS_OK ? BS_UNAVAILABLE : st;
    }

    pthread_mutex_lock(&e->poll_lock);
    if (atomic_load(&e->last_poll) != 0 &&
        bs_clock_monotonic_ms() - atomic_load(&e->last_poll) < BS_WEB_POLL_MS)
        st = BS_OK; /* just read (by whoever held the lock before us) */
    else
        st = poll_campaign(s, e, ctx);
    pthread_mutex_unlock(&e->poll_lock);

    pthread_mutex_lock(&s->lock);
    if (st == BS_OK && e->state == ENTRY_MISSING)
        st = BS_NOTFOUND;
    else if (st == BS_OK && e->state != ENTRY_FOUND)
        st = BS_UNAVAILABLE; /* the poll before ours failed; so may ours */
    e->refs--;
    pthread_mutex_unlock(&s->lock);
    return st;
}

bs_web_found
bs_web_showing_image(bs_web_showing *s, const char *digest, bs_web_image **image)
{
    char key[MEMO_KEY_MAX];
    bs_web_found found = BS_WEB_ASK;
    int64_t ms = bs_clock_monotonic_ms();
    image_box *box;

    *image = NULL;
    image_memo_key(digest, key);
    pthread_mutex_lock(&s->lock);
    box = image_lookup(s, digest);
    if (image_hidden(s, digest) && (found = image_use(s, digest, ms)) != BS_WEB_FOUND) {
        /* hidden, or not known whether another ad shows it: found says */
    } else if (box != NULL) {
        atomic_fetch_add(&box->refs, 1);
        if (atomic_load_explicit(&box->last_use, memory_order_relaxed) != ms)
            atomic_store_explicit(&box->last_use, ms, memory_order_relaxed);
        *image = &box->image;
        found = BS_WEB_FOUND;
    } else if (memo_lookup(s, key, ms) != NULL) {
        found = BS_WEB_MISSING;
    } else {
        found = BS_WEB_ASK;
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

bs_status
bs_web_showing_load_image(bs_web_showing *s, bs_ctx *ctx, const char *digest)
{
    char key[MEMO_KEY_MAX];
    bs_web_found use = BS_WEB_ASK;
    image_box *box;
    bs_status st;

    hidden_ensure(s, ctx);
    /* An image of a hidden ad: served only when an ad that is not hidden
     * has it too (asked again if the hidden ads changed meanwhile). */
    for (int attempt = 0; attempt < 3; attempt++) {
        pthread_mutex_lock(&s->lock);
        use =
            image_hidden(s, digest) ? image_use(s, digest, bs_clock_monotonic_ms()) : BS_WEB_FOUND;
        pthread_mutex_unlock(&s->lock);
        if (use != BS_WEB_ASK)
            break;
        if ((st = image_use_load(s, ctx, digest)) != BS_OK)
            return st;
    }
    if (use == BS_WEB_HIDDEN)
        return BS_OK; /* refused from memory: nothing to read */
    st = image_get(s, ctx, digest, 0, NULL, &box);

    if (st == BS_OK) {
        image_unref(box);
    } else if (st == BS_NOTFOUND || st == BS_CORRUPT || st == BS_INVALID) {
        image_memo_key(digest, key);
        pthread_mutex_lock(&s->lock);
        memo_put(s, key, false, NULL, NULL,
                 bs_clock_monotonic_ms() + BS_WEB_MISSING_SECONDS * 1000);
        pthread_mutex_unlock(&s->lock);
        st = BS_NOTFOUND;
    }
    return st;
}

bs_web_found
bs_web_showing_slot(bs_web_showing *s, const bs_ref *campaign, uint32_t slot,
                    char url[BS_URL_MAX + 1], bs_web_count **count)
{
    char key[MEMO_KEY_MAX];
    bs_web_found found = BS_WEB_ASK;
    int64_t ms = bs_clock_monotonic_ms();
    bs_web_entry *e;
    memo *m;

    *count = NULL;
    url[0] = '\0';
    slot_memo_key(campaign, slot, key);
    pthread_mutex_lock(&s->lock);
    e = entry_lookup(s, campaign);
    if (e != NULL && e->state == ENTRY_MISSING && ms < e->missing_until) {
        found = BS_WEB_MISSING;
    } else if (e != NULL && e->state == ENTRY_FOUND && e->view != NULL) {
        const bs_web_view *v = &e->view->view;
        for (size_t i = 0; i < v->nphases; i++) {
            const bs_web_phase *p = v->phases[i];
            if (p->hidden && p->slot.index == slot) {
                found = BS_WEB_HIDDEN;
            } else if (p->showing && p->slot.index == slot) {
                snprintf(url, BS_URL_MAX + 1, "%s", p->ad.url);
                found = BS_WEB_FOUND;
            }
        }
    }
    if (found == BS_WEB_ASK && (m = memo_lookup(s, key, ms)) != NULL) {
        found = !m->found                           ? BS_WEB_MISSING
                : m->has_ad && ad_hidden(s, &m->ad) ? BS_WEB_HIDDEN
                                                    : BS_WEB_FOUND;
        if (found == BS_WEB_FOUND)
            snprintf(url, BS_URL_MAX + 1, "%s", m->url);
    }
    pthread_mutex_unlock(&s->lock);
    if (found == BS_WEB_FOUND && (*count = bs_web_tally_count(s->tally, campaign, slot)) == NULL)
        found = BS_WEB_ASK; /* out of memory: the worker will say so */
    return found;
}

bs_status
bs_web_showing_load_slot(bs_web_showing *s, bs_ctx *ctx, const bs_ref *campaign, uint32_t slot)
{
    char key[MEMO_KEY_MAX];
    bs_slot sold;
    bs_ad ad;
    bs_status st;

    hidden_ensure(s, ctx);
    st = bs_docs_slot(ctx, campaign, slot, &sold);

    if (st == BS_OK)
        st = bs_docs_ad(ctx, &sold.ad, &ad);
    slot_memo_key(campaign, slot, key);
    pthread_mutex_lock(&s->lock);
    if (st == BS_OK)
        memo_put(s, key, true, ad.url, &sold.ad, bs_clock_monotonic_ms() + SLOT_MEMO_MS);
    else if (st == BS_NOTFOUND || st == BS_CORRUPT)
        memo_put(s, key, false, NULL, NULL,
                 bs_clock_monotonic_ms() + BS_WEB_MISSING_SECONDS * 1000);
    pthread_mutex_unlock(&s->lock);
    return st == BS_CORRUPT ? BS_NOTFOUND : st;
}

bs_web_entry *
bs_web_showing_listen(bs_web_showing *s, const bs_ref *campaign)
{
    bs_web_entry *e;

    pthread_mutex_lock(&s->lock);
    e = entry_lookup(s, campaign);
    if (e != NULL && e->state == ENTRY_FOUND) {
        e->refs++;
        atomic_fetch_add(&e->listeners, 1);
    } else {
        e = NULL;
    }
    pthread_mutex_unlock(&s->lock);
    return e;
}

void
bs_web_showing_unlisten(bs_web_showing *s, bs_web_entry *e)
{
    if (e == NULL)
        return;
    pthread_mutex_lock(&s->lock);
    atomic_fetch_sub(&e->listeners, 1);
    e->refs--;
    pthread_mutex_unlock(&s->lock);
}

bs_web_view *
bs_web_entry_view(bs_web_showing *s, bs_web_entry *e)
{
    bs_web_view *v = NULL;

    pthread_mutex_lock(&s->lock);
    if (e->view != NULL) {
        atomic_fetch_add(&e->view->refs, 1);
        v = &e->view->view;
    }
    pthread_mutex_unlock(&s->lock);
    return v;
}

void
bs_web_showing_sizes(bs_web_showing *s, size_t *campaigns, size_t *images)
{
    pthread_mutex_lock(&s->lock);
    *campaigns = s->nentries;
    *images = s->nimages;
    pthread_mutex_unlock(&s->lock);
}
