/*
 * keys.c — see keys.h for the protocol and its failpoints.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/bip32.h"
#include "core/docs.h"
#include "core/keys.h"
#include "util/failpoint.h"
#include "util/log.h"
#include "util/metrics.h"

/* ---- document types for the generic CAS loop ----------------------------- */

#define CODEC(name, type, release)                                                                 \
    static bs_status name##_decode_any(const char *text, size_t len, void *doc)                    \
    {                                                                                              \
        return bs_##name##_decode(text, len, doc);                                                 \
    }                                                                                              \
    static char *name##_encode_any(const void *doc, size_t *len)                                   \
    {                                                                                              \
        return bs_##name##_encode(doc, len);                                                       \
    }                                                                                              \
    static const bs_doc_type name##_type = {sizeof(type), name##_decode_any, name##_encode_any,    \
                                            release};

static void
keylist_page_release_any(void *doc)
{
    bs_keylist_page_release(doc);
}

static void
keypage_release_any(void *doc)
{
    bs_keypage_release(doc);
}

CODEC(keyconfig, bs_keyconfig, bs_docs_no_release)
CODEC(keyset, bs_keyset, bs_docs_no_release)
CODEC(keydoc, bs_keydoc, bs_docs_no_release)
CODEC(xpub_source, bs_xpub_source, bs_docs_no_release)
CODEC(keylist_page, bs_keylist_page, keylist_page_release_any)
CODEC(keypage, bs_keypage, keypage_release_any)

/* add() of a document just encoded (`text` is freed; *len is read after the
 * encoder, an argument of the same call, has set it). */
static bs_status
add_doc(bs_ctx *ctx, const char *key, char *text, const size_t *len)
{
    bs_status st;

    if (text == NULL)
        return BS_NOMEM;
    st = bs_store_add(ctx->store, key, text, *len, NULL);
    free(text);
    return st;
}

/* ---- configuration -------------------------------------------------------- */

bs_status
bs_keys_config(bs_ctx *ctx, bs_keyconfig *out)
{
    return bs_docs_read(ctx, BS_KEY_KEYCONFIG, &keyconfig_type, out, NULL);
}

/* The configuration the store has, or would get from `layout` at its first
 * import (nothing is written). BS_MISMATCH when they disagree. */
static bs_status
planned_config(bs_ctx *ctx, const bs_keys_layout *layout, bs_keyconfig *cfg)
{
    bs_status st = bs_keys_config(ctx, cfg);

    if (st == BS_NOTFOUND) {
        memset(cfg, 0, sizeof(*cfg));
        snprintf(cfg->network, sizeof(cfg->network), "%s", bs_network_name(ctx->network));
        cfg->sets = layout->sets > 0 ? layout->sets : BS_KEYS_SETS_DEFAULT;
        cfg->page_size = layout->page_size > 0 ? layout->page_size : BS_KEYS_PAGE_SIZE_DEFAULT;
        return BS_OK;
    }
    if (st != BS_OK)
        return st;
    if (strcmp(cfg->network, bs_network_name(ctx->network)) != 0 ||
        (layout->sets > 0 && layout->sets != cfg->sets) ||
        (layout->page_size > 0 && layout->page_size != cfg->page_size))
        return BS_MISMATCH;
    return BS_OK;
}

/* Write the planned configuration unless one is there (then it must be the
 * same: two first imports at once). */
static bs_status
ensure_config(bs_ctx *ctx, const bs_keyconfig *planned)
{
    bs_keyconfig cfg;
    size_t len;
    bs_status st = add_doc(ctx, BS_KEY_KEYCONFIG, bs_keyconfig_encode(planned, &len), &len);

    if (st != BS_EXISTS)
        return st;
    st = bs_keys_config(ctx, &cfg);
    if (st == BS_OK && (strcmp(cfg.network, planned->network) != 0 || cfg.sets != planned->sets ||
                        cfg.page_size != planned->page_size))
        st = BS_MISMATCH;
    return st;
}

/* ---- the huge key list ------------------------------------------------------ */

/* A batch id: the hash of the range's addresses (imports) or of its source
 * and first index (xpubs), so the same range always gets the same id. */
static void
batch_id(const char (*addresses)[BS_ADDRESS_MAX], size_t count, const char *source, int64_t from,
         char out[BS_ID_LEN + 1])
{
    crypto_generichash_state h;
    unsigned char digest[BS_ID_LEN / 2];
    char text[64];

    crypto_generichash_init(&h, NULL, 0, sizeof(digest));
    for (size_t i = 0; addresses != NULL && i < count; i++)
        crypto_generichash_update(&h, (const unsigned char *)addresses[i],
                                  strlen(addresses[i]) + 1);
    if (source != NULL) {
        snprintf(text, sizeof(text), "%s/%lld", source, (long long)from);
        crypto_generichash_update(&h, (const unsigned char *)text, strlen(text));
    }
    crypto_generichash_final(&h, digest, sizeof(digest));
    sodium_bin2hex(out, BS_ID_LEN + 1, digest, sizeof(digest));
}

typedef struct list_scan {
    const char *batch;
    bool found;
    int64_t last_page; /* -1: no page */
} list_scan;

static bs_status
scan_list_page(const bs_store_doc *doc, void *arg)
{
    list_scan *scan = arg;
    bs_keylist_page page;
    uint32_t index;
    bs_status st = bs_key_last_index(doc->key, &index);

    if (st == BS_OK)
        st = bs_keylist_page_decode(doc->value, doc->len, &page);
    if (st != BS_OK)
        return st;
    scan->last_page = index;
    for (size_t i = 0; i < page.count; i++)
        if (strcmp(page.ranges[i].batch, scan->batch) == 0)
            scan->found = true;
    bs_keylist_page_release(&page);
    return BS_OK;
}

typedef struct append {
    const bs_key_range *range;
    bool full; /* out: the page has no room */
} append;

static bs_status
append_to_page(void *doc, void *arg, bool *write)
{
    bs_keylist_page *page = doc;
    append *a = arg;
    size_t len;
    char *text;
    bs_status st;

    for (size_t i = 0; i < page->count; i++) {
        if (strcmp(page->ranges[i].batch, a->range->batch) == 0) {
            *write = false; /* a retry after our own write */
            return BS_OK;
        }
    }
    st = bs_keylist_page_append(page, a->range);
    if (st != BS_OK)
        return st;
    text = bs_keylist_page_encode(page, &len);
    if (text == NULL)
        return BS_NOMEM;
    free(text);
    if (len > BS_KEYLIST_PAGE_BYTES && page->count > 1) {
        a->full = true;
        *write = false;
    }
    return BS_OK;
}

/* Append a range to the list unless a range of its batch is there. */
static bs_status
append_range(bs_ctx *ctx, const bs_key_range *range, bool *appended)
{
    size_t len;
    bs_status st = add_doc(ctx, BS_KEY_KEYLIST, bs_keylist_cursor_encode(0, &len), &len);

    if (st != BS_OK && st != BS_EXISTS)
        return st;
    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        list_scan scan = {range->batch, false, -1};
        append a = {range, false};
        char key[BS_KEY_BUF];

        st = bs_docs_each(ctx, BS_PREFIX_KEYLIST, scan_list_page, &scan);
        if (st != BS_OK || scan.found)
            return st;
        if (appended != NULL)
            *appended = true;
        if (scan.last_page >= 0) {
            bs_key_keylist_page(scan.last_page, key);
            st = bs_docs_update(ctx, key, &keylist_page_type, append_to_page, &a, NULL);
            if (st != BS_OK || !a.full)
                return st;
        }
        bs_keylist_page page = {(bs_key_range *)range, 1};
        bs_key_keylist_page(scan.last_page + 1, key);
        st = add_doc(ctx, key, bs_keylist_page_encode(&page, &len), &len);
        if (st != BS_EXISTS)
            return st;
    }
    return BS_CONFLICT;
}

/* add() key/<address> for a range's batch; one known from another batch is
 * BS_EXISTS. */
static bs_status
record_key(bs_ctx *ctx, const char *address, const char *batch)
{
    bs_keydoc k = {0}, existing;
    char key[BS_KEY_BUF];
    size_t len;
    bs_status st;

    memcpy(k.batch, batch, sizeof(k.batch));
    bs_key_keydoc(address, key);
    st = add_doc(ctx, key, bs_keydoc_encode(&k, &len), &len);
    if (st != BS_EXISTS)
        return st;
    st = bs_docs_read(ctx, key, &keydoc_type, &existing, NULL);
    if (st != BS_OK)
        return st;
    return strcmp(existing.batch, batch) == 0 ? BS_OK : BS_EXISTS;
}

/* Is `address` free to be added to the list in `batch`? */
static bs_status
key_is_new(bs_ctx *ctx, const char *address, const char *batch)
{
    char key[BS_KEY_BUF];
    bs_keydoc existing;
    bs_status st;

    bs_key_keydoc(address, key);
    st = bs_docs_read(ctx, key, &keydoc_type, &existing, NULL);
    if (st == BS_NOTFOUND)
        return BS_OK;
    if (st != BS_OK)
        return st;
    return strcmp(existing.batch, batch) == 0 ? BS_OK : BS_EXISTS;
}

/* Record the keys of a range, then append it; *appended (when not NULL)
 * tells whether it was not in the list already. */
static bs_status
add_range(bs_ctx *ctx, bs_key_range *range, const char (*addresses)[BS_ADDRESS_MAX], bool *appended)
{
    bs_status st = BS_OK;

    for (int64_t i = 0; i < range->count && st == BS_OK; i++)
        st = record_key(ctx, addresses[i], range->batch);
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_KEYS_IMPORT_RECORDED);
    return append_range(ctx, range, appended);
}

static int
compare_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The index of an address that repeats an earlier one, or `count` when
 * none does. */
static size_t
first_repeat(const char (*addresses)[BS_ADDRESS_MAX], size_t count)
{
    const char **sorted = malloc(count * sizeof(*sorted));
    size_t repeat = count;

    if (sorted == NULL)
        return count;
    for (size_t i = 0; i < count; i++)
        sorted[i] = addresses[i];
    qsort(sorted, count, sizeof(*sorted), compare_text);
    for (size_t i = 1; i < count; i++) {
        if (strcmp(sorted[i], sorted[i - 1]) == 0) {
            size_t a = (size_t)((const char(*)[BS_ADDRESS_MAX])sorted[i] - addresses);
            size_t b = (size_t)((const char(*)[BS_ADDRESS_MAX])sorted[i - 1] - addresses);
            size_t later = a > b ? a : b;
            if (later < repeat)
                repeat = later;
        }
    }
    free(sorted);
    return repeat;
}

bs_status
bs_keys_import(bs_ctx *ctx, const bs_keys_layout *layout, const char (*addresses)[BS_ADDRESS_MAX],
               size_t count, size_t *bad, size_t *added)
{
    bs_keyconfig cfg;
    bs_status st;

    *bad = 0;
    *added = 0;
    for (size_t i = 0; i < count; i++) {
        if (bs_address_validate(ctx->network, addresses[i], NULL) != BS_OK) {
            *bad = i;
            return BS_INVALID;
        }
    }
    *bad = first_repeat(addresses, count);
    if (*bad < count)
        return BS_EXISTS;
    st = planned_config(ctx, layout, &cfg);
    /* Nothing is written unless every address is new (or from this very
     * import, interrupted). */
    for (size_t from = 0; st == BS_OK && from < count; from += (size_t)cfg.page_size) {
        size_t n = count - from < (size_t)cfg.page_size ? count - from : (size_t)cfg.page_size;
        char batch[BS_ID_LEN + 1];

        batch_id(addresses + from, n, NULL, 0, batch);
        for (size_t i = 0; st == BS_OK && i < n; i++) {
            st = key_is_new(ctx, addresses[from + i], batch);
            if (st == BS_EXISTS)
                *bad = from + i;
        }
    }
    if (st == BS_OK)
        st = ensure_config(ctx, &cfg);
    for (size_t from = 0; st == BS_OK && from < count; from += (size_t)cfg.page_size) {
        bs_key_range range = {0};

        range.kind = BS_RANGE_ADDRESSES;
        range.count =
            (int64_t)(count - from < (size_t)cfg.page_size ? count - from : (size_t)cfg.page_size);
        range.addresses = (char(*)[BS_ADDRESS_MAX])addresses[from];
        batch_id(addresses + from, (size_t)range.count, NULL, 0, range.batch);
        bool appended = false;
        st = add_range(ctx, &range, addresses + from, &appended);
        if (appended)
            *added += (size_t)range.count;
    }
    return st;
}

/* ---- xpub sources --------------------------------------------------------- */

/* The chain key (receive chain 0) and address type of an xpub. */
static bs_status
open_xpub(bs_network net, const char *text, const char *type_name, bs_bip32_key *chain,
          bs_address_type *type, int *problem)
{
    bs_bip32_problem why = BS_BIP32_OK;
    bs_bip32_key key;
    bs_status st = bs_bip32_parse(net, text, &key, &why);

    *problem = (int)why;
    if (st != BS_OK)
        return st;
    if (type_name == NULL || type_name[0] == '\0')
        *type = bs_bip32_default_type(&key);
    else if (bs_address_type_parse(type_name, type) != BS_OK || !bs_bip32_allows(&key, *type))
        return BS_MISMATCH;
    return bs_bip32_derive_path(&key, "0", chain);
}

static bs_status
derive_addresses(const bs_bip32_key *chain, bs_address_type type, int64_t from, int64_t count,
                 char (*out)[BS_ADDRESS_MAX])
{
    for (int64_t i = 0; i < count; i++) {
        char path[24];
        bs_status st;

        snprintf(path, sizeof(path), "%lld", (long long)(from + i));
        st = bs_bip32_address(chain, path, type, out[i], BS_ADDRESS_MAX);
        if (st != BS_OK)
            return st == BS_NOTFOUND ? BS_CORRUPT : st;
    }
    return BS_OK;
}

static void
source_id(const char *xpub, char out[BS_SOURCE_ID_LEN + 1])
{
    unsigned char digest[crypto_hash_sha256_BYTES];

    crypto_hash_sha256(digest, (const unsigned char *)xpub, strlen(xpub));
    sodium_bin2hex(out, BS_SOURCE_ID_LEN + 1, digest, BS_SOURCE_ID_LEN / 2);
}

typedef struct index_claim {
    int64_t expect; /* the `next` the addresses were checked for */
    int64_t count;
} index_claim;

static bs_status
claim_indexes(void *doc, void *arg, bool *write)
{
    bs_xpub_source *s = doc;
    const index_claim *c = arg;

    (void)write;
    if (s->next != c->expect)
        return BS_STALE; /* another derive was first: check again */
    s->next += c->count;
    return BS_OK;
}

/* Are the `count` addresses from index `from` all new? */
static bs_status
derived_keys_new(bs_ctx *ctx, const bs_bip32_key *chain, bs_address_type type, const char *id,
                 const bs_keyconfig *cfg, int64_t from, int64_t count,
                 char (*addresses)[BS_ADDRESS_MAX])
{
    bs_status st = BS_OK;

    for (int64_t at = from; st == BS_OK && at < from + count; at += cfg->page_size) {
        int64_t n = from + count - at < cfg->page_size ? from + count - at : cfg->page_size;
        char batch[BS_ID_LEN + 1];

        batch_id(NULL, 0, id, at, batch);
        st = derive_addresses(chain, type, at, n, addresses);
        for (int64_t i = 0; st == BS_OK && i < n; i++)
            st = key_is_new(ctx, addresses[i], batch);
    }
    return st;
}

bs_status
bs_keys_derive(bs_ctx *ctx, const bs_keys_layout *layout, const char *xpub, const char *type_name,
               int64_t count, int64_t *first, int *problem)
{
    char id[BS_SOURCE_ID_LEN + 1], key[BS_KEY_BUF];
    char(*addresses)[BS_ADDRESS_MAX] = NULL;
    bs_xpub_source source = {0}, existing;
    index_claim claim = {0, count};
    bs_address_type type;
    bs_bip32_key chain;
    bs_keyconfig cfg;
    size_t len;
    bs_status st;

    *problem = 0;
    if (count < 1 || count > 1000000)
        return BS_INVALID;
    st = open_xpub(ctx->network, xpub, type_name, &chain, &type, problem);
    if (st == BS_OK)
        st = planned_config(ctx, layout, &cfg);
    if (st != BS_OK)
        return st;
    addresses = calloc((size_t)cfg.page_size, sizeof(*addresses));
    if (addresses == NULL)
        return BS_NOMEM;
    source_id(xpub, id);
    bs_key_xpub_source(id, key);
    snprintf(source.xpub, sizeof(source.xpub), "%s", xpub);
    snprintf(source.type, sizeof(source.type), "%s", bs_address_type_name(type));
    /* Every address is checked before anything is written; the indexes are
     * then claimed only if no other derive took them meanwhile. */
    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        st = bs_docs_read(ctx, key, &xpub_source_type, &existing, NULL);
        if (st == BS_NOTFOUND) {
            existing = source;
            st = BS_OK;
        }
        if (st == BS_OK && strcmp(existing.type, source.type) != 0)
            st = BS_MISMATCH;
        if (st == BS_OK && existing.next > (int64_t)0x7fffffff - count)
            st = BS_TOOLARGE;
        claim.expect = existing.next;
        if (st == BS_OK)
            st = derived_keys_new(ctx, &chain, type, id, &cfg, claim.expect, count, addresses);
        if (st == BS_OK)
            st = ensure_config(ctx, &cfg);
        if (st == BS_OK && claim.expect == 0) {
            st = add_doc(ctx, key, bs_xpub_source_encode(&source, &len), &len);
            if (st == BS_EXISTS)
                st = BS_OK;
        }
        if (st == BS_OK)
            st = bs_docs_update(ctx, key, &xpub_source_type, claim_indexes, &claim, NULL);
        if (st != BS_STALE)
            break;
    }
    if (st != BS_OK) {
        free(addresses);
        return st;
    }
    *first = claim.expect;
    for (int64_t from = claim.expect; st == BS_OK && from < claim.expect + count;
         from += cfg.page_size) {
        bs_key_range range = {0};

        range.kind = BS_RANGE_XPUB;
        range.from = from;
        range.count = claim.expect + count - from < cfg.page_size ? claim.expect + count - from
                                                                  : cfg.page_size;
        memcpy(range.source, id, sizeof(range.source));
        batch_id(NULL, 0, id, from, range.batch);
        st = derive_addresses(&chain, type, from, range.count, addresses);
        if (st == BS_OK)
            st = add_range(ctx, &range, addresses, NULL);
    }
    free(addresses);
    return st;
}

/* The addresses of a range (malloc'ed, range->count of them). */
static bs_status
range_addresses(bs_ctx *ctx, const bs_key_range *range, char (**out)[BS_ADDRESS_MAX])
{
    char key[BS_KEY_BUF];
    bs_xpub_source source;
    bs_address_type type;
    bs_bip32_key chain;
    int problem;
    bs_status st;

    *out = calloc((size_t)range->count, sizeof(**out));
    if (*out == NULL)
        return BS_NOMEM;
    if (range->kind == BS_RANGE_ADDRESSES) {
        memcpy(*out, range->addresses, (size_t)range->count * sizeof(**out));
        return BS_OK;
    }
    bs_key_xpub_source(range->source, key);
    st = bs_docs_read(ctx, key, &xpub_source_type, &source, NULL);
    if (st == BS_OK)
        st = open_xpub(ctx->network, source.xpub, source.type, &chain, &type, &problem);
    if (st == BS_OK)
        st = derive_addresses(&chain, type, range->from, range->count, *out);
    if (st != BS_OK) {
        free(*out);
        *out = NULL;
    }
    return st == BS_NOTFOUND || st == BS_INVALID ? BS_CORRUPT : st;
}

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

static bs_status
read_cursor(bs_ctx *ctx, int64_t *fill_from)
{
    char *text;
    size_t len;
    bs_status st = bs_store_get(ctx->store, BS_KEY_KEYLIST, &text, &len, NULL);

    *fill_from = 0;
    if (st == BS_NOTFOUND)
        return BS_OK;
    if (st != BS_OK)
        return st;
    st = bs_keylist_cursor_decode(text, len, fill_from);
    free(text);
    return st;
}

static bs_status
move_cursor(void *doc, void *arg, bool *write)
{
    int64_t *cursor = doc, past = *(const int64_t *)arg;

    if (*cursor > past)
        *write = false;
    else
        *cursor = past + 1;
    return BS_OK;
}

static bs_status
cursor_decode_any(const char *text, size_t len, void *doc)
{
    return bs_keylist_cursor_decode(text, len, doc);
}

static char *
cursor_encode_any(const void *doc, size_t *len)
{
    return bs_keylist_cursor_encode(*(const int64_t *)doc, len);
}

static const bs_doc_type cursor_type = {sizeof(int64_t), cursor_decode_any, cursor_encode_any,
                                        bs_docs_no_release};

static bool
list_page_exists(bs_ctx *ctx, int64_t page)
{
    char key[BS_KEY_BUF], *text;
    bs_status st;

    bs_key_keylist_page(page, key);
    st = bs_store_get(ctx->store, key, &text, NULL, NULL);
    free(text);
    return st == BS_OK;
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
            st = bs_docs_update(ctx, key, &keylist_page_type, find_or_claim_range, &f, NULL);
            if (st == BS_NOTFOUND)
                break;
            if (st != BS_OK)
                return st;
            if (f.take && f.page_exhausted && list_page_exists(ctx, z + 1))
                /* Ranges are only ever appended to the last page: the cursor
                 * may pass a full page, never the last one. */
                (void)bs_docs_update(ctx, BS_KEY_KEYLIST, &cursor_type, move_cursor, &z, NULL);
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
        return BS_UNAVAILABLE;
    for (int64_t i = 0; i < count; i++) {
        bs_rpc_error err;
        bs_status st =
            bs_rpc_importdescriptors_addr(ctx->node, addresses[i], "bitslot", rescan, &err);
        if (st != BS_OK) {
            bs_metric_add(BS_METRIC_NODE_ERRORS, 1);
            bs_log_error("node: cannot watch key \"%s\": %s %s", addresses[i], bs_strerror(st),
                         err.message);
            return st == BS_REMOTE ? BS_UNAVAILABLE : st;
        }
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
    if (st == BS_NOTFOUND) {
        bs_metric_add(BS_METRIC_OUT_OF_KEYS, 1);
        bs_log_warning("out of keys: key set %lld cannot be refilled; the operator must add keys "
                       "(bitslot keys import or keys derive)",
                       (long long)set);
        st = bs_docs_update(ctx, key, &keyset_type, end_fill, &(fill_end){ks->fill, -1}, NULL);
        return st == BS_OK ? BS_EXHAUSTED : st;
    }
    if (st != BS_OK)
        return st;
    st = range_addresses(ctx, &range, &addresses);
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
        st = add_doc(ctx, page_key, bs_keypage_encode(&page, &len), &len);
        if (st == BS_EXISTS) {
            bs_keypage existing;
            st = bs_docs_read(ctx, page_key, &keypage_type, &existing, NULL);
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
    return bs_docs_update(ctx, key, &keyset_type, end_fill, &(fill_end){ks->fill, ks->fill_page},
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
    st = bs_docs_read(ctx, key, &keyset_type, ks, NULL);
    if (st != BS_NOTFOUND)
        return st;
    st = add_doc(ctx, key, bs_keyset_encode(&fresh, &len), &len);
    if (st != BS_OK && st != BS_EXISTS)
        return st;
    return bs_docs_read(ctx, key, &keyset_type, ks, NULL);
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

    if (st == BS_NOTFOUND) {
        bs_metric_add(BS_METRIC_OUT_OF_KEYS, 1);
        bs_log_warning("out of keys: none was ever added; the operator must add keys "
                       "(bitslot keys import or keys derive)");
        return BS_EXHAUSTED;
    }
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

bs_status
bs_keys_claim(bs_ctx *ctx, int64_t set, int64_t from_page, const char *request, const char *canon,
              char address[BS_ADDRESS_MAX])
{
    key_claim c = {request, canon, false, false, ""};
    char key[BS_KEY_BUF];
    bs_status st = BS_CONFLICT;

    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS && !c.found; attempt++) {
        bs_keyset ks;

        st = load_keyset(ctx, set, &ks);
        if (st != BS_OK)
            return st;
        if (ks.filling) {
            st = finish_fill(ctx, set, &ks);
            if (st != BS_OK)
                return st;
            continue;
        }
        /* A claim this request made earlier, on its page or a later one. */
        c.take = false;
        for (int64_t p = from_page < 0 ? 0 : from_page; p <= ks.page && !c.found; p++) {
            bs_key_keypage(set, p, key);
            st = bs_docs_update(ctx, key, &keypage_type, claim_on_page, &c, NULL);
            if (st != BS_OK)
                return st == BS_NOTFOUND ? BS_CORRUPT : st;
        }
        if (c.found)
            break;
        if (ks.page >= 0) {
            c.take = true;
            bs_key_keypage(set, ks.page, key);
            st = bs_docs_update(ctx, key, &keypage_type, claim_on_page, &c, NULL);
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
        st = read_cursor(ctx, &s.list_page);
        if (st != BS_OK)
            return st;
        bs_key_keyset(set, key);
        st = bs_docs_update(ctx, key, &keyset_type, start_fill, &s, NULL);
        if (st != BS_OK)
            return st;
        bs_failpoint(BS_FP_FILL_LOCKED);
    }
    if (!c.found)
        return st == BS_OK ? BS_CONFLICT : st;
    bs_key_keydoc(c.address, key);
    st =
        bs_docs_update(ctx, key, &keydoc_type, record_owner, &(owner_record){canon, request}, NULL);
    if (st != BS_OK)
        return st == BS_NOTFOUND ? BS_CORRUPT : st;
    bs_failpoint(BS_FP_KEY_RECORDED);
    memcpy(address, c.address, BS_ADDRESS_MAX);
    return BS_OK;
}

static bs_status
finish_fill_of(const bs_store_doc *doc, void *arg)
{
    bs_ctx *ctx = arg;
    const char *rest = doc->key + strlen(BS_PREFIX_KEYSETS);
    bs_keyset ks;
    uint32_t set;
    bs_status st;

    if (strchr(rest, '/') != NULL) /* a page, not the set itself */
        return BS_OK;
    st = bs_key_last_index(doc->key, &set);
    if (st == BS_OK)
        st = bs_keyset_decode(doc->value, doc->len, &ks);
    if (st != BS_OK || !ks.filling)
        return st;
    st = finish_fill(ctx, set, &ks);
    /* Out of keys: the fill was dropped; no node: the next sweep. */
    return st == BS_EXHAUSTED || st == BS_UNAVAILABLE ? BS_OK : st;
}

bs_status
bs_keys_finish_fills(bs_ctx *ctx)
{
    return bs_docs_each(ctx, BS_PREFIX_KEYSETS, finish_fill_of, ctx);
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
