/*
 * keys.c — see keys.h for the protocol and its failpoints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keydocs.h"
#include "core/keys.h"
#include "util/failpoint.h"
#include "util/log.h"
#include "util/metrics.h"

/* ---- page fills ------------------------------------------------------------- */

typedef struct range_find {
    const char *fill;
    int64_t set, page;
    bool take;           /* claim the first free range when F has none */
    bool found;          /* out */
    bool page_exhausted; /* out: no free range left on this list page */
    bs_key_range range;  /* out: a copy (with addresses) */
} range_find;

static bs_status
copy_range(const bs_key_range *from, bs_key_range *to)
{
    *to = *from;
    if (from->kind != BS_RANGE_ADDRESSES)
        return BS_OK;
    to->addresses = malloc((size_t)from->count * sizeof(*to->addresses));
    if (to->addresses == NULL)
        return BS_NOMEM;
    memcpy(to->addresses, from->addresses, (size_t)from->count * sizeof(*to->addresses));
    return BS_OK;
}

/* On one list page: the range claimed by the fill, or (take) claim one. */
static bs_status
find_or_claim_range(void *doc, void *arg, bool *write)
{
    bs_keylist_page *page = doc;
    range_find *f = arg;
    size_t free_index = page->count, free_count = 0;

    *write = false;
    bs_key_range_release(&f->range);
    f->found = false;
    for (size_t i = 0; i < page->count; i++) {
        const bs_range_claim *c = &page->ranges[i].claim;
        if (c->claimed && strcmp(c->fill, f->fill) == 0) {
            f->found = true;
            return copy_range(&page->ranges[i], &f->range);
        }
        if (!c->claimed && free_count++ == 0)
            free_index = i;
    }
    f->page_exhausted = free_count == 0 || (f->take && free_count == 1);
    if (!f->take || free_index == page->count)
        return BS_OK;
    page->ranges[free_index].claim = (bs_range_claim){true, f->set, f->page, {0}};
    memcpy(page->ranges[free_index].claim.fill, f->fill,
           sizeof(page->ranges[free_index].claim.fill));
    *write = true;
    f->found = true;
    return copy_range(&page->ranges[free_index], &f->range);
}

/* The range of fill F: the one it claimed, or the first free one from list
 * page `from` on (claimed now). BS_NOTFOUND when no range is left. */
static bs_status
range_of_fill(bs_ctx *ctx, const bs_keyset *ks, int64_t set, bs_key_range *range)
{
    range_find f = {ks->fill, set, ks->fill_page, false, false, false, {.count = 0}};
    bs_status st = BS_OK;

    /* First look (read only) for a claim by F, then claim. */
    for (int pass = 0; pass < 2; pass++) {
        f.take = pass == 1;
        for (int64_t z = ks->fill_list_page;; z++) {
            char key[BS_KEY_BUF];

            bs_key_keylist_page(z, key);
            st = bs_docs_update(ctx, key, &bs_keylist_page_type, find_or_claim_range, &f, NULL);
            if (st == BS_NOTFOUND)
                break;
            if (st != BS_OK)
                return st;
            if (f.take && f.page_exhausted && bs_keylist_page_exists(ctx, z + 1))
                /* Ranges are only ever appended to the last page: the cursor
                 * may pass a full page, never the last one. */
                (void)bs_keylist_cursor_past(ctx, z);
            if (f.found) {
                if (f.take)
                    bs_failpoint(BS_FP_FILL_RANGE_CLAIMED);
                *range = f.range;
                return BS_OK;
            }
        }
    }
    return BS_NOTFOUND;
}

static bs_status
watch_keys(bs_ctx *ctx, const char (*addresses)[BS_ADDRESS_MAX], int64_t count, bool rescan)
{
    if (ctx->node == NULL)
        return BS_NODE_DOWN;
    for (int64_t i = 0; i < count; i++) {
        bs_rpc_error err;
        bs_status st =
            bs_rpc_importdescriptors_addr(ctx->node, addresses[i], "bitslot", rescan, &err);
        if (bs_ctx_node_wallet_back(ctx, st, &err))
            st = bs_rpc_importdescriptors_addr(ctx->node, addresses[i], "bitslot", rescan, &err);
        if (st != BS_OK)
            return bs_ctx_node_failed(st, &err, "importdescriptors", addresses[i]);
    }
    return BS_OK;
}

typedef struct fill_end {
    const char *fill;
    int64_t page; /* -1: drop the fill (out of keys) */
} fill_end;

static bs_status
end_fill(void *doc, void *arg, bool *write)
{
    bs_keyset *ks = doc;
    const fill_end *e = arg;

    if (!ks->filling || strcmp(ks->fill, e->fill) != 0) {
        *write = false;
        return BS_OK;
    }
    ks->filling = false;
    if (e->page >= 0)
        ks->page = e->page;
    return BS_OK;
}

/* Carry out the fill recorded in `ks` (steps b..e of keys.h). */
static bs_status
finish_fill(bs_ctx *ctx, int64_t set, const bs_keyset *ks)
{
    char key[BS_KEY_BUF], (*addresses)[BS_ADDRESS_MAX] = NULL;
    bs_keypage page = {0};
    bs_key_range range = {0};
    size_t len;
    bs_status st = range_of_fill(ctx, ks, set, &range);

    bs_key_keyset(set, key);
    if (st == BS_NOTFOUND) { /* out of keys for this set (another may have some) */
        st = bs_docs_update(ctx, key, &bs_keyset_type, end_fill, &(fill_end){ks->fill, -1}, NULL);
        return st == BS_OK ? BS_EXHAUSTED : st;
    }
    if (st != BS_OK)
        return st;
    st = bs_keylist_range_addresses(ctx, &range, &addresses);
    if (st == BS_OK)
        st = watch_keys(ctx, (const char(*)[BS_ADDRESS_MAX])addresses, range.count, false);
    if (st == BS_OK) {
        page.keys = calloc((size_t)range.count, sizeof(*page.keys));
        st = page.keys == NULL ? BS_NOMEM : BS_OK;
    }
    if (st == BS_OK) {
        char page_key[BS_KEY_BUF];
        memcpy(page.fill, ks->fill, sizeof(page.fill));
        memcpy(page.batch, range.batch, sizeof(page.batch));
        page.count = (size_t)range.count;
        for (size_t i = 0; i < page.count; i++)
            memcpy(page.keys[i].address, addresses[i], BS_ADDRESS_MAX);
        bs_key_keypage(set, ks->fill_page, page_key);
        st = bs_keydocs_add(ctx, page_key, bs_keypage_encode(&page, &len), &len);
        if (st == BS_EXISTS) {
            bs_keypage existing;
            st = bs_docs_read(ctx, page_key, &bs_keypage_type, &existing, NULL);
            if (st == BS_OK && strcmp(existing.fill, ks->fill) != 0)
                st = BS_CORRUPT;
            bs_keypage_release(&existing);
        }
    }
    free(page.keys);
    free(addresses);
    bs_key_range_release(&range);
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_FILL_PAGE_ADDED);
    return bs_docs_update(ctx, key, &bs_keyset_type, end_fill, &(fill_end){ks->fill, ks->fill_page},
                          NULL);
}

typedef struct fill_start {
    int64_t full_page; /* the page found full */
    char fill[BS_ID_LEN + 1];
    int64_t list_page;
} fill_start;

static bs_status
start_fill(void *doc, void *arg, bool *write)
{
    bs_keyset *ks = doc;
    const fill_start *s = arg;

    if (ks->filling || ks->page != s->full_page) {
        *write = false; /* someone else started it, or it is done */
        return BS_OK;
    }
    ks->filling = true;
    memcpy(ks->fill, s->fill, sizeof(ks->fill));
    ks->fill_page = s->full_page + 1;
    ks->fill_list_page = s->list_page;
    return BS_OK;
}

/* Read keyset/N, creating it (page -1) when absent. */
static bs_status
load_keyset(bs_ctx *ctx, int64_t set, bs_keyset *ks)
{
    bs_keyset fresh = {.page = -1};
    char key[BS_KEY_BUF];
    size_t len;
    bs_status st;

    bs_key_keyset(set, key);
    st = bs_docs_read(ctx, key, &bs_keyset_type, ks, NULL);
    if (st != BS_NOTFOUND)
        return st;
    st = bs_keydocs_add(ctx, key, bs_keyset_encode(&fresh, &len), &len);
    if (st != BS_OK && st != BS_EXISTS)
        return st;
    return bs_docs_read(ctx, key, &bs_keyset_type, ks, NULL);
}

/* ---- handing out keys -------------------------------------------------------- */

typedef struct key_claim {
    const char *request;
    const char *canon;
    bool take;                    /* claim a free key if the request has none */
    bool found;                   /* out */
    char address[BS_ADDRESS_MAX]; /* out */
} key_claim;

static bs_status
claim_on_page(void *doc, void *arg, bool *write)
{
    bs_keypage *page = doc;
    key_claim *c = arg;

    *write = false;
    c->found = false;
    for (size_t i = 0; i < page->count; i++) {
        if (strcmp(page->keys[i].request, c->request) == 0) {
            c->found = true;
            memcpy(c->address, page->keys[i].address, BS_ADDRESS_MAX);
            return BS_OK;
        }
    }
    for (size_t i = 0; c->take && i < page->count; i++) {
        if (page->keys[i].request[0] == '\0') {
            snprintf(page->keys[i].request, sizeof(page->keys[i].request), "%s", c->request);
            snprintf(page->keys[i].account, sizeof(page->keys[i].account), "%s", c->canon);
            memcpy(c->address, page->keys[i].address, BS_ADDRESS_MAX);
            c->found = true;
            *write = true;
            return BS_OK;
        }
    }
    return BS_OK;
}

typedef struct owner_record {
    const char *canon;
    const char *request;
} owner_record;

static bs_status
record_owner(void *doc, void *arg, bool *write)
{
    bs_keydoc *k = doc;
    const owner_record *o = arg;

    if (k->owner[0] != '\0') {
        *write = false;
        return strcmp(k->owner, o->canon) == 0 && strcmp(k->request, o->request) == 0 ? BS_OK
                                                                                      : BS_CORRUPT;
    }
    snprintf(k->owner, sizeof(k->owner), "%s", o->canon);
    snprintf(k->request, sizeof(k->request), "%s", o->request);
    return BS_OK;
}

bs_status
bs_keys_pick(bs_ctx *ctx, int64_t *set, int64_t *page)
{
    char id[BS_ID_LEN + 1];
    bs_keyconfig cfg;
    bs_keyset ks;
    bs_status st = bs_keys_config(ctx, &cfg);

    if (st == BS_NOTFOUND)
        return BS_EXHAUSTED; /* no key was ever added */
    if (st != BS_OK)
        return st;
    if (strcmp(cfg.network, bs_network_name(ctx->network)) != 0)
        return BS_MISMATCH; /* keys of another network: never hand them out */
    bs_id_next(&ctx->ids, id);
    id[12] = '\0'; /* 48 random bits are plenty to spread requests over the sets */
    *set = (int64_t)(strtoull(id, NULL, 16) % (unsigned long long)cfg.sets);
    st = load_keyset(ctx, *set, &ks);
    if (st == BS_OK)
        *page = ks.page;
    return st;
}

typedef struct free_search {
    bs_ctx *ctx;
    int64_t set;  /* out */
    int64_t page; /* out */
    bool found;
} free_search;

/* A page with a free key that is its set's current page. */
static bs_status
look_for_free_key(const bs_store_doc *doc, void *arg)
{
    free_search *f = arg;
    const char *rest = doc->key + strlen(BS_PREFIX_KEYSETS), *slash = strchr(rest, '/');
    bs_keypage page;
    bs_keyset ks;
    uint32_t set, index;
    bool has_free = false;
    bs_status st;

    if (f->found || slash == NULL)
        return BS_OK;
    st = bs_keypage_decode(doc->value, doc->len, &page);
    for (size_t i = 0; st == BS_OK && i < page.count; i++)
        has_free |= page.keys[i].request[0] == '\0';
    bs_keypage_release(&page);
    if (st != BS_OK || !has_free)
        return st;
    set = (uint32_t)strtoul(rest, NULL, 10);
    if (bs_key_last_index(doc->key, &index) != BS_OK || load_keyset(f->ctx, set, &ks) != BS_OK)
        return BS_OK;
    if (!ks.filling && ks.page == (int64_t)index) {
        f->set = set;
        f->page = index;
        f->found = true;
    }
    return BS_OK;
}

bs_status
bs_keys_pick_free(bs_ctx *ctx, int64_t *set, int64_t *page)
{
    free_search f = {ctx, 0, 0, false};
    bs_status st = bs_docs_each(ctx, BS_PREFIX_KEYSETS, look_for_free_key, &f);

    if (st != BS_OK)
        return st;
    if (!f.found)
        return BS_EXHAUSTED;
    *set = f.set;
    *page = f.page;
    return BS_OK;
}

/* The key request R claimed on a page of set N from `from_page` to `to_page`
 * (c->found tells). */
static bs_status
find_own_claim(bs_ctx *ctx, int64_t set, int64_t from_page, int64_t to_page, key_claim *c)
{
    char key[BS_KEY_BUF];

    c->take = false;
    c->found = false;
    for (int64_t p = from_page < 0 ? 0 : from_page; p <= to_page && !c->found; p++) {
        bs_status st;

        bs_key_keypage(set, p, key);
        st = bs_docs_update(ctx, key, &bs_keypage_type, claim_on_page, c, NULL);
        if (st != BS_OK)
            return st == BS_NOTFOUND ? BS_CORRUPT : st;
    }
    return BS_OK;
}

bs_status
bs_keys_claim(bs_ctx *ctx, int64_t set, int64_t from_page, const char *request, const char *canon,
              char address[BS_ADDRESS_MAX])
{
    key_claim c = {request, canon, false, false, ""};
    char key[BS_KEY_BUF];
    bs_status st = BS_CONFLICT;

    address[0] = '\0';
    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        bs_keyset ks;

        st = load_keyset(ctx, set, &ks);
        if (st != BS_OK)
            return st;
        /* A claim this request made earlier, on its page or a later one,
         * comes first: nothing else (a fill that cannot finish) may keep a
         * request from the key it already holds. */
        st = find_own_claim(ctx, set, from_page, ks.page, &c);
        if (st != BS_OK)
            return st;
        if (c.found)
            break;
        if (ks.filling) {
            st = finish_fill(ctx, set, &ks);
            if (st != BS_OK)
                return st;
            continue;
        }
        if (ks.page >= 0) {
            c.take = true;
            bs_key_keypage(set, ks.page, key);
            st = bs_docs_update(ctx, key, &bs_keypage_type, claim_on_page, &c, NULL);
            if (st != BS_OK)
                return st;
            if (c.found) {
                bs_failpoint(BS_FP_KEY_CLAIMED);
                break;
            }
        }
        /* The page is full (or there is none yet): fill the next. */
        fill_start s = {ks.page, "", 0};
        bs_id_next(&ctx->ids, s.fill);
        st = bs_keylist_cursor(ctx, &s.list_page);
        if (st != BS_OK)
            return st;
        bs_key_keyset(set, key);
        st = bs_docs_update(ctx, key, &bs_keyset_type, start_fill, &s, NULL);
        if (st != BS_OK)
            return st;
        bs_failpoint(BS_FP_FILL_LOCKED);
    }
    if (!c.found)
        return st == BS_OK ? BS_CONFLICT : st;
    memcpy(address, c.address, BS_ADDRESS_MAX);
    return BS_OK;
}

bs_status
bs_keys_record_owner(bs_ctx *ctx, const char *address, const char *canon, const char *request)
{
    char key[BS_KEY_BUF];
    bs_status st;

    bs_key_keydoc(address, key);
    st = bs_docs_update(ctx, key, &bs_keydoc_type, record_owner, &(owner_record){canon, request},
                        NULL);
    return st == BS_NOTFOUND ? BS_CORRUPT : st;
}

bs_status
bs_keys_owner(bs_ctx *ctx, const char *address, bs_keydoc *out)
{
    char key[BS_KEY_BUF];

    bs_key_keydoc(address, key);
    return bs_docs_read(ctx, key, &bs_keydoc_type, out, NULL);
}

typedef struct fill_sweep {
    bs_ctx *ctx;
    size_t *problems;
    bs_recover_note note;
    void *arg;
} fill_sweep;

static bs_status
finish_fill_of(const bs_store_doc *doc, void *arg)
{
    fill_sweep *f = arg;
    const char *rest = doc->key + strlen(BS_PREFIX_KEYSETS);
    bs_keyset ks;
    uint32_t set;
    bs_status st;

    if (strchr(rest, '/') != NULL) /* a page, not the set itself */
        return BS_OK;
    st = bs_key_last_index(doc->key, &set);
    if (st == BS_OK)
        st = bs_keyset_decode(doc->value, doc->len, &ks);
    if (st == BS_OK && ks.filling)
        st = finish_fill(f->ctx, set, &ks);
    /* Out of keys: the fill was dropped; no node: the next sweep. */
    if (st == BS_EXHAUSTED || st == BS_NODE_DOWN)
        st = BS_OK;
    return bs_recover_item(f->note, f->arg, f->problems, st, NULL, doc->key, "key fill");
}

bs_status
bs_keys_finish_fills(bs_ctx *ctx, size_t *problems, bs_recover_note note, void *arg)
{
    fill_sweep f = {ctx, problems, note, arg};

    return bs_docs_each(ctx, BS_PREFIX_KEYSETS, finish_fill_of, &f);
}

typedef struct rewatch {
    bs_ctx *ctx;
    bool rescan;
    int64_t count;
} rewatch;

static bs_status
watch_page(const bs_store_doc *doc, void *arg)
{
    rewatch *w = arg;
    bs_keypage page;
    bs_status st;

    if (strchr(doc->key + strlen(BS_PREFIX_KEYSETS), '/') == NULL)
        return BS_OK;
    st = bs_keypage_decode(doc->value, doc->len, &page);
    for (size_t i = 0; st == BS_OK && i < page.count; i++) {
        st = watch_keys(w->ctx, (const char(*)[BS_ADDRESS_MAX])page.keys[i].address, 1, w->rescan);
        w->count++;
    }
    bs_keypage_release(&page);
    return st;
}

bs_status
bs_keys_watch_all(bs_ctx *ctx, bool rescan, int64_t *count)
{
    rewatch w = {ctx, rescan, 0};
    bs_status st = bs_docs_each(ctx, BS_PREFIX_KEYSETS, watch_page, &w);

    *count = w.count;
    return st;
}

/* ---- status ------------------------------------------------------------------ */

static bs_status
count_list(const bs_store_doc *doc, void *arg)
{
    bs_keys_stats *s = arg;
    bs_keylist_page page;
    bs_status st = bs_keylist_page_decode(doc->value, doc->len, &page);

    if (st != BS_OK)
        return st;
    for (size_t i = 0; i < page.count; i++) {
        s->total += page.ranges[i].count;
        if (!page.ranges[i].claim.claimed)
            s->unpaged += page.ranges[i].count;
    }
    bs_keylist_page_release(&page);
    return BS_OK;
}

static bs_status
count_sets(const bs_store_doc *doc, void *arg)
{
    bs_keys_stats *s = arg;
    const char *rest = doc->key + strlen(BS_PREFIX_KEYSETS);
    bs_keypage page;
    bs_keyset ks;
    bs_status st;

    if (strchr(rest, '/') == NULL) {
        st = bs_keyset_decode(doc->value, doc->len, &ks);
        if (st == BS_OK && ks.filling)
            s->filling++;
        return st;
    }
    st = bs_keypage_decode(doc->value, doc->len, &page);
    if (st != BS_OK)
        return st;
    s->on_pages += (int64_t)page.count;
    for (size_t i = 0; i < page.count; i++)
        if (page.keys[i].request[0] != '\0')
            s->claimed++;
    bs_keypage_release(&page);
    return BS_OK;
}

static bs_status
count_owned(const bs_store_doc *doc, void *arg)
{
    bs_keys_stats *s = arg;
    bs_keydoc k;
    bs_status st = bs_keydoc_decode(doc->value, doc->len, &k);

    if (st == BS_OK && k.owner[0] != '\0')
        s->handed_out++;
    return st;
}

bs_status
bs_keys_status(bs_ctx *ctx, bs_keys_stats *out)
{
    bs_status st;

    memset(out, 0, sizeof(*out));
    st = bs_docs_each(ctx, BS_PREFIX_KEYLIST, count_list, out);
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_KEYSETS, count_sets, out);
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_KEYDOCS, count_owned, out);
    out->unused = out->claimed - out->handed_out;
    out->available = out->unpaged + out->on_pages - out->claimed;
    return st;
}
