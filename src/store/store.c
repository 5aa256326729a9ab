/*
 * store.c — the store front: parses the URL, picks the backend, and checks
 * every argument against the contract of store.h so that each backend only
 * implements the storage itself and all backends refuse the same inputs in
 * the same way.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store/store_backend.h"
#include "util/metrics.h"

struct bs_store {
    const bs_store_backend *backend;
    void *impl;
    char *url;
};

static const bs_store_backend *const backends[] = {
    &bs_store_lmdb_backend,
    &bs_store_etcd_backend,
};

bool
bs_store_key_valid(const char *key)
{
    size_t n = 0;

    if (key == NULL)
        return false;
    for (; key[n] != '\0'; n++) {
        unsigned char c = (unsigned char)key[n];
        if (c < 0x21 || c > 0x7e || n >= BS_STORE_KEY_MAX)
            return false;
    }
    return n > 0;
}

static bool
prefix_valid(const char *prefix)
{
    return prefix != NULL && (prefix[0] == '\0' || bs_store_key_valid(prefix));
}

/* The backend of `url` and the location after its "scheme:", when the URL
 * is well formed; NULL otherwise. */
static const bs_store_backend *
parse_url(const char *url, const char **location)
{
    for (size_t i = 0; url != NULL && i < sizeof(backends) / sizeof(backends[0]); i++) {
        const bs_store_backend *backend = backends[i];
        size_t n = strlen(backend->scheme);

        if (strncmp(url, backend->scheme, n) == 0 && url[n] == ':') {
            *location = url + n + 1;
            return (*location)[0] != '\0' && (backend->valid == NULL || backend->valid(*location))
                       ? backend
                       : NULL;
        }
    }
    return NULL;
}

bool
bs_store_url_valid(const char *url)
{
    const char *location;

    return parse_url(url, &location) != NULL;
}

static bs_status
store_open(const char *url, bool create, bs_store **out)
{
    const char *location = NULL;
    const bs_store_backend *backend = parse_url(url, &location);
    bs_store *store = NULL;
    bs_status st;

    *out = NULL;
    if (backend == NULL)
        return BS_INVALID;

    store = calloc(1, sizeof(*store));
    if (store == NULL)
        return BS_NOMEM;
    store->backend = backend;
    store->url = strdup(url);
    if (store->url == NULL) {
        st = BS_NOMEM;
        goto free_store;
    }
    st = backend->open(location, create, &store->impl);
    if (st != BS_OK)
        goto free_store;
    *out = store;
    return BS_OK;

free_store:
    free(store->url);
    free(store);
    return st;
}

bs_status
bs_store_open(const char *url, bs_store **out)
{
    return store_open(url, true, out);
}

bs_status
bs_store_open_existing(const char *url, bs_store **out)
{
    return store_open(url, false, out);
}

void
bs_store_close(bs_store *store)
{
    if (store == NULL)
        return;
    store->backend->close(store->impl);
    free(store->url);
    free(store);
}

const char *
bs_store_url(const bs_store *store)
{
    return store->url;
}

/* The store's own failures, for the operator (bitslot_store_errors_total):
 * not the answers a caller expects (absent, present, changed). */
static bs_status
counted(bs_metric what, bs_status st)
{
    bs_metric_add(what, 1);
    if (st != BS_OK && st != BS_NOTFOUND && st != BS_EXISTS && st != BS_CONFLICT &&
        st != BS_INVALID && st != BS_TOOLARGE)
        bs_metric_add(BS_METRIC_STORE_ERRORS, 1);
    return st;
}

bs_status
bs_store_get(bs_store *store, const char *key, char **value, size_t *len, bs_cas *cas)
{
    size_t ignored_len;
    bs_cas ignored_cas;

    *value = NULL;
    if (!bs_store_key_valid(key))
        return BS_INVALID;
    return counted(BS_METRIC_STORE_READS,
                   store->backend->get(store->impl, key, value, len ? len : &ignored_len,
                                       cas ? cas : &ignored_cas));
}

static bs_status
store_write(bs_store *store, bs_store_write_mode mode, const char *key, const void *value,
            size_t len, bs_cas cas, bs_cas *new_cas)
{
    bs_cas ignored;

    if (!bs_store_key_valid(key))
        return BS_INVALID;
    if (mode != BS_STORE_WRITE_REMOVE) {
        if (value == NULL && len > 0)
            return BS_INVALID;
        if (len > BS_STORE_VALUE_MAX)
            return BS_TOOLARGE;
    }
    if ((mode == BS_STORE_WRITE_REPLACE || mode == BS_STORE_WRITE_REMOVE) &&
        cas == BS_STORE_CAS_NONE)
        return BS_INVALID;
    return counted(BS_METRIC_STORE_WRITES,
                   store->backend->write(store->impl, mode, key, value == NULL ? "" : value, len,
                                         cas, new_cas ? new_cas : &ignored));
}

bs_status
bs_store_add(bs_store *store, const char *key, const void *value, size_t len, bs_cas *new_cas)
{
    return store_write(store, BS_STORE_WRITE_ADD, key, value, len, BS_STORE_CAS_NONE, new_cas);
}

bs_status
bs_store_replace(bs_store *store, const char *key, const void *value, size_t len, bs_cas cas,
                 bs_cas *new_cas)
{
    return store_write(store, BS_STORE_WRITE_REPLACE, key, value, len, cas, new_cas);
}

bs_status
bs_store_set(bs_store *store, const char *key, const void *value, size_t len, bs_cas *new_cas)
{
    return store_write(store, BS_STORE_WRITE_SET, key, value, len, BS_STORE_CAS_NONE, new_cas);
}

bs_status
bs_store_remove(bs_store *store, const char *key, bs_cas cas)
{
    return store_write(store, BS_STORE_WRITE_REMOVE, key, NULL, 0, cas, NULL);
}

bs_status
bs_store_scan(bs_store *store, const char *prefix, const char *after, size_t limit,
              bs_store_page *page)
{
    bs_status st;

    memset(page, 0, sizeof(*page));
    if (after != NULL && after[0] == '\0')
        after = NULL;
    if (!prefix_valid(prefix) || (after != NULL && !bs_store_key_valid(after)))
        return BS_INVALID;
    if (limit == 0 || limit > BS_STORE_SCAN_MAX)
        return BS_INVALID;
    st = counted(BS_METRIC_STORE_READS,
                 store->backend->scan(store->impl, prefix, after, limit, page));
    if (st != BS_OK)
        bs_store_page_release(page);
    return st;
}

void
bs_store_page_release(bs_store_page *page)
{
    if (page == NULL)
        return;
    for (size_t i = 0; i < page->count; i++) {
        free(page->docs[i].key);
        free(page->docs[i].value);
    }
    free(page->docs);
    memset(page, 0, sizeof(*page));
}

char *
bs_store_copy_value(const void *value, size_t len)
{
    char *copy = malloc(len + 1);

    if (copy == NULL)
        return NULL;
    if (len > 0)
        memcpy(copy, value, len);
    copy[len] = '\0';
    return copy;
}

bs_status
bs_store_page_push(bs_store_page *page, const char *key, size_t key_len, const void *value,
                   size_t len, bs_cas cas)
{
    bs_store_doc *doc;

    /* The capacity is implied: 16, then doubled whenever count reaches a
     * power of two at or above 16. */
    if (page->count == 0 || (page->count >= 16 && (page->count & (page->count - 1)) == 0)) {
        size_t cap = page->count == 0 ? 16 : page->count * 2;
        bs_store_doc *docs = realloc(page->docs, cap * sizeof(*docs));
        if (docs == NULL)
            return BS_NOMEM;
        page->docs = docs;
    }
    doc = &page->docs[page->count];
    doc->key = bs_store_copy_value(key, key_len);
    doc->value = bs_store_copy_value(value, len);
    if (doc->key == NULL || doc->value == NULL) {
        free(doc->key);
        free(doc->value);
        return BS_NOMEM;
    }
    doc->len = len;
    doc->cas = cas;
    page->count++;
    return BS_OK;
}
