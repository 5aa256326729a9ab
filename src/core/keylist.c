/*
 * keylist.c — see keylist.h.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/keydocs.h"
#include "core/keylist.h"

/* ---- configuration -------------------------------------------------------- */

bs_status
bs_keys_config(bs_ctx *ctx, bs_keyconfig *out)
{
    return bs_docs_read(ctx, BS_KEY_KEYCONFIG, &bs_keyconfig_type, out, NULL);
}

bs_status
bs_keylist_plan(bs_ctx *ctx, const bs_keys_layout *layout, bs_keyconfig *cfg)
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

bs_status
bs_keylist_ensure_config(bs_ctx *ctx, const bs_keyconfig *planned)
{
    bs_keyconfig cfg;
    size_t len;
    bs_status st = bs_keydocs_add(ctx, BS_KEY_KEYCONFIG, bs_keyconfig_encode(planned, &len), &len);

    if (st != BS_EXISTS && st != BS_UNCERTAIN)
        return st;
    st = bs_keys_config(ctx, &cfg);
    if (st == BS_OK && (strcmp(cfg.network, planned->network) != 0 || cfg.sets != planned->sets ||
                        cfg.page_size != planned->page_size))
        st = BS_MISMATCH;
    return st;
}

void
bs_keylist_batch_id(const char *seed, int64_t n, char out[BS_ID_LEN + 1])
{
    unsigned char digest[BS_ID_LEN / 2];
    char text[160];

    snprintf(text, sizeof(text), "%s/%lld", seed, (long long)n);
    crypto_generichash(digest, sizeof(digest), (const unsigned char *)text, strlen(text), NULL, 0);
    sodium_bin2hex(out, BS_ID_LEN + 1, digest, sizeof(digest));
}

/* ---- where keys come from ------------------------------------------------- */

bs_status
bs_keylist_open_xpub(bs_network net, const char *text, const char *type_name, bs_bip32_key *chain,
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

bs_status
bs_keylist_derive(const bs_bip32_key *chain, bs_address_type type, int64_t from, int64_t count,
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

void
bs_keylist_source_id(const bs_bip32_key *chain, char out[BS_SOURCE_ID_LEN + 1])
{
    unsigned char material[sizeof(chain->chain_code) + sizeof(chain->pubkey)];
    unsigned char digest[crypto_hash_sha256_BYTES];

    memcpy(material, chain->chain_code, sizeof(chain->chain_code));
    memcpy(material + sizeof(chain->chain_code), chain->pubkey, sizeof(chain->pubkey));
    crypto_hash_sha256(digest, material, sizeof(material));
    sodium_bin2hex(out, BS_SOURCE_ID_LEN + 1, digest, BS_SOURCE_ID_LEN / 2);
}

bs_status
bs_keylist_range_addresses(bs_ctx *ctx, const bs_key_range *range, char (**out)[BS_ADDRESS_MAX])
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
    st = bs_docs_read(ctx, key, &bs_xpub_source_type, &source, NULL);
    if (st == BS_OK)
        st = bs_keylist_open_xpub(ctx->network, source.xpub, source.type, &chain, &type, &problem);
    if (st == BS_OK)
        st = bs_keylist_derive(&chain, type, range->from, range->count, *out);
    if (st != BS_OK) {
        free(*out);
        *out = NULL;
    }
    return st == BS_NOTFOUND || st == BS_INVALID ? BS_CORRUPT : st;
}

/* ---- the list's pages and cursor ------------------------------------------ */

bs_status
bs_keylist_cursor(bs_ctx *ctx, int64_t *fill_from)
{
    bs_status st = bs_docs_read(ctx, BS_KEY_KEYLIST, &bs_keylist_cursor_type, fill_from, NULL);

    if (st == BS_NOTFOUND) {
        *fill_from = 0;
        return BS_OK;
    }
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

bs_status
bs_keylist_cursor_past(bs_ctx *ctx, int64_t past)
{
    return bs_docs_update(ctx, BS_KEY_KEYLIST, &bs_keylist_cursor_type, move_cursor, &past, NULL);
}

bs_status
bs_keylist_last_page(bs_ctx *ctx, int64_t *page)
{
    int64_t from;
    bs_status st = bs_keylist_cursor(ctx, &from);

    /* The fill cursor never passes the last page, and is 0 without pages. */
    *page = -1;
    for (int64_t p = from; st == BS_OK && bs_keylist_page_exists(ctx, p); p++)
        *page = p;
    return st;
}

bool
bs_keylist_page_exists(bs_ctx *ctx, int64_t page)
{
    char key[BS_KEY_BUF], *text;
    bs_status st;

    bs_key_keylist_page(page, key);
    st = bs_store_get(ctx->store, key, &text, NULL, NULL);
    free(text);
    return st == BS_OK;
}

/* ---- appending ------------------------------------------------------------ */

/* The size a range adds to a page's document. */
static size_t
range_size(const bs_key_range *range)
{
    size_t len = 0;
    char *text = bs_key_range_encode(range, &len);

    free(text);
    return len + 1; /* and a comma */
}

typedef struct appending {
    const bs_key_range *ranges;
    size_t count;
    size_t next_in; /* the first range not seen on the pages before this one */
    size_t next;    /* out: the first range not on the list after this page */
    bool full;      /* out: the page cannot take ranges[next] */
} appending;

/* Skip the ranges already on a page (in order), then add those that fit. */
static bs_status
append_to_page(void *doc, void *arg, bool *write)
{
    bs_keylist_page *page = doc;
    appending *a = arg;
    size_t len = 0;
    char *text;
    bs_status st;

    a->next = a->next_in;
    a->full = false;
    *write = false;
    for (size_t i = 0; i < page->count; i++)
        if (a->next < a->count && strcmp(page->ranges[i].batch, a->ranges[a->next].batch) == 0)
            a->next++;
    text = bs_keylist_page_encode(page, &len);
    if (text == NULL)
        return BS_NOMEM;
    free(text);
    while (a->next < a->count) {
        size_t more = range_size(&a->ranges[a->next]);
        if (page->count > 0 && len + more > BS_KEYLIST_PAGE_BYTES) {
            a->full = true;
            break;
        }
        st = bs_keylist_page_append(page, &a->ranges[a->next]);
        if (st != BS_OK)
            return st;
        len += more;
        a->next++;
        *write = true;
    }
    return BS_OK;
}

/* Walk pages from *page on while they exist, skipping our ranges found
 * there; *page ends at the last page (-1: none), *next at our first range
 * not found. */
static bs_status
walk_pages(bs_ctx *ctx, const bs_key_range *ranges, size_t count, int64_t *page, size_t *next)
{
    int64_t last = *page - 1;

    for (int64_t p = *page < 0 ? 0 : *page;; p++) {
        bs_keylist_page found;
        char key[BS_KEY_BUF];
        bs_status st;

        bs_key_keylist_page(p, key);
        st = bs_docs_read(ctx, key, &bs_keylist_page_type, &found, NULL);
        if (st == BS_NOTFOUND)
            break;
        if (st != BS_OK)
            return st;
        for (size_t i = 0; i < found.count; i++)
            if (*next < count && strcmp(found.ranges[i].batch, ranges[*next].batch) == 0)
                (*next)++;
        bs_keylist_page_release(&found);
        last = p;
    }
    *page = last;
    return BS_OK;
}

/* Add page `at` holding ranges[next..] as far as they fit (one at least). */
static bs_status
add_page(bs_ctx *ctx, int64_t at, const bs_key_range *ranges, size_t count, size_t next,
         size_t *added)
{
    bs_keylist_page page = {NULL, 0};
    char key[BS_KEY_BUF];
    size_t len = 0, n = 0;
    bs_status st = BS_OK;

    for (; next + n < count && st == BS_OK; n++) {
        size_t more = range_size(&ranges[next + n]);
        if (n > 0 && len + more > BS_KEYLIST_PAGE_BYTES)
            break;
        st = bs_keylist_page_append(&page, &ranges[next + n]);
        len += more;
    }
    if (st == BS_OK) {
        bs_key_keylist_page(at, key);
        st = bs_keydocs_add(ctx, key, bs_keylist_page_encode(&page, &len), &len);
    }
    bs_keylist_page_release(&page);
    *added = st == BS_OK ? n : 0;
    return st;
}

bs_status
bs_keylist_append(bs_ctx *ctx, const bs_key_range *ranges, size_t count, int64_t *page)
{
    size_t len, next = 0;
    int64_t last = *page;
    bs_status st = bs_keydocs_add(ctx, BS_KEY_KEYLIST, bs_keylist_cursor_encode(0, &len), &len);

    if (st != BS_OK && st != BS_EXISTS && st != BS_UNCERTAIN)
        return st;
    st = walk_pages(ctx, ranges, count, &last, &next);
    for (int attempt = 0; st == BS_OK && next < count && attempt < BS_DOCS_CAS_ATTEMPTS;
         attempt++) {
        char key[BS_KEY_BUF];
        size_t added;

        if (last >= 0) {
            appending a = {ranges, count, next, next, false};
            bs_key_keylist_page(last, key);
            st = bs_docs_update(ctx, key, &bs_keylist_page_type, append_to_page, &a, NULL);
            next = a.next;
            if (st != BS_OK || !a.full)
                continue;
        }
        /* The last page is full: the next one. Someone else may add it
         * first (then it is the last page, and the loop goes on there). */
        st = add_page(ctx, last + 1, ranges, count, next, &added);
        if (st == BS_EXISTS || st == BS_UNCERTAIN)
            st = BS_OK;
        next += added;
        last++;
    }
    if (st == BS_OK && next < count)
        st = BS_CONFLICT;
    if (st == BS_OK)
        *page = last;
    return st;
}
