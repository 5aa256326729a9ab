/*
 * docs.c — see docs.h. One generic read-modify-CAS loop serves every
 * document type through a small table of its codec functions.
 */
#include <stdlib.h>
#include <string.h>

#include "core/docs.h"
#include "util/grow.h"

static bs_status
account_decode(const char *text, size_t len, void *doc)
{
    return bs_account_decode(text, len, doc);
}

static char *
account_encode(const void *doc, size_t *len)
{
    return bs_account_encode(doc, len);
}

static void
account_release(void *doc)
{
    bs_account_release(doc);
}

static bs_status
campaign_decode(const char *text, size_t len, void *doc)
{
    return bs_campaign_decode(text, len, doc);
}

static char *
campaign_encode(const void *doc, size_t *len)
{
    return bs_campaign_encode(doc, len);
}

void
bs_docs_no_release(void *doc)
{
    (void)doc;
}

static const bs_doc_type account_type = {sizeof(bs_account), account_decode, account_encode,
                                         account_release};
static const bs_doc_type campaign_type = {sizeof(bs_campaign), campaign_decode, campaign_encode,
                                          bs_docs_no_release};

bs_status
bs_docs_read(bs_ctx *ctx, const char *key, const bs_doc_type *type, void *doc, bs_cas *cas)
{
    char *text;
    size_t len;
    bs_status st = bs_store_get(ctx->store, key, &text, &len, cas);

    if (st != BS_OK)
        return st;
    st = type->decode(text, len, doc);
    free(text);
    return st;
}

/* The typed edit functions, called through one signature without casting
 * function pointers. */
typedef struct edit_closure {
    bs_account_edit account;
    bs_campaign_edit campaign;
    bs_docs_edit generic;
    void *arg;
} edit_closure;

static bs_status
call_edit(void *doc, const edit_closure *edit, bool *write)
{
    if (edit->account != NULL)
        return edit->account(doc, edit->arg, write);
    if (edit->campaign != NULL)
        return edit->campaign(doc, edit->arg, write);
    return edit->generic(doc, edit->arg, write);
}

/* The loop. `known` (or NULL): the document as the caller holds it, with
 * its CAS in *cas, used instead of the first read and taken over (released
 * here); `cas` (or NULL) receives the CAS of the document as written (or as
 * read, when nothing was written) on BS_OK. */
static bs_status
update_doc(bs_ctx *ctx, const char *key, const bs_doc_type *type, const edit_closure *edit,
           void *known, bs_cas *cas, void *after)
{
    void *doc = calloc(1, type->size);
    bs_status st = BS_CONFLICT;
    bool uncertain = false, again = false;
    bs_cas seen = 0, written = 0;

    if (doc == NULL) {
        if (known != NULL)
            type->release(known);
        return BS_NOMEM;
    }
    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        bool write = true;
        size_t len;
        char *text;

        if (known != NULL) {
            memcpy(doc, known, type->size); /* takes its arrays over */
            memset(known, 0, type->size);
            known = NULL;
            seen = *cas;
            st = BS_OK;
        } else {
            st = bs_docs_read(ctx, key, type, doc, &seen);
        }
        if (st != BS_OK)
            break;
        /* The edit's own refusal is final; only a lost CAS is tried again,
         * and so is a write of unknown outcome: the edit, shown the
         * document again, sees its own request there if it was applied. */
        st = call_edit(doc, edit, &write);
        again = false;
        written = seen;
        if (st == BS_OK && write) {
            text = type->encode(doc, &len);
            st = text == NULL ? BS_NOMEM
                              : bs_store_replace(ctx->store, key, text, len, seen, &written);
            free(text);
            again = st == BS_CONFLICT || st == BS_UNCERTAIN;
            uncertain |= st == BS_UNCERTAIN;
        }
        if (st != BS_OK || after == NULL)
            type->release(doc);
        if (!again)
            break;
    }
    /* Out of attempts, or out of store, after a write that may have landed. */
    if (uncertain && (again || bs_status_outage(st)))
        st = BS_UNCERTAIN;
    if (st == BS_OK && after != NULL)
        memcpy(after, doc, type->size); /* hands the arrays over to the caller */
    if (st == BS_OK && cas != NULL)
        *cas = written;
    free(doc);
    return st;
}

bs_status
bs_docs_update(bs_ctx *ctx, const char *key, const bs_doc_type *type, bs_docs_edit edit, void *arg,
               void *after)
{
    if (after != NULL)
        memset(after, 0, type->size);
    return update_doc(ctx, key, type, &(edit_closure){NULL, NULL, edit, arg}, NULL, NULL, after);
}

bs_status
bs_docs_account(bs_ctx *ctx, const char *canon, bs_account *out, bs_cas *cas)
{
    char key[BS_KEY_BUF];

    memset(out, 0, sizeof(*out));
    bs_key_account(canon, key);
    return bs_docs_read(ctx, key, &account_type, out, cas);
}

bs_status
bs_docs_account_exists(bs_ctx *ctx, const char *canon)
{
    char key[BS_KEY_BUF], *text;
    bs_status st;

    bs_key_account(canon, key);
    st = bs_store_get(ctx->store, key, &text, NULL, NULL);
    free(text);
    return st;
}

bs_status
bs_docs_update_account(bs_ctx *ctx, const char *canon, bs_account_edit edit, void *arg,
                       bs_account *after)
{
    return bs_docs_update_account_known(ctx, canon, NULL, NULL, edit, arg, after);
}

bs_status
bs_docs_update_account_known(bs_ctx *ctx, const char *canon, bs_account *known, bs_cas *cas,
                             bs_account_edit edit, void *arg, bs_account *after)
{
    char key[BS_KEY_BUF];

    if (after != NULL)
        memset(after, 0, sizeof(*after));
    bs_key_account(canon, key);
    return update_doc(ctx, key, &account_type, &(edit_closure){edit, NULL, NULL, arg}, known, cas,
                      after);
}

bs_status
bs_docs_campaign(bs_ctx *ctx, const bs_ref *id, bs_campaign *out, bs_cas *cas)
{
    char key[BS_KEY_BUF];

    bs_key_campaign(id, key);
    return bs_docs_read(ctx, key, &campaign_type, out, cas);
}

bs_status
bs_docs_update_campaign(bs_ctx *ctx, const bs_ref *id, bs_campaign_edit edit, void *arg,
                        bs_campaign *after)
{
    return bs_docs_update_campaign_known(ctx, id, NULL, NULL, edit, arg, after);
}

bs_status
bs_docs_update_campaign_known(bs_ctx *ctx, const bs_ref *id, bs_campaign *known, bs_cas *cas,
                              bs_campaign_edit edit, void *arg, bs_campaign *after)
{
    char key[BS_KEY_BUF];

    bs_key_campaign(id, key);
    return update_doc(ctx, key, &campaign_type, &(edit_closure){NULL, edit, NULL, arg}, known, cas,
                      after);
}

bs_status
bs_docs_slot(bs_ctx *ctx, const bs_ref *campaign, uint32_t index, bs_slot *out)
{
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    bs_key_slot(campaign, index, key);
    st = bs_store_get(ctx->store, key, &text, &len, NULL);
    if (st != BS_OK)
        return st;
    st = bs_slot_decode(text, len, out);
    free(text);
    return st;
}

bs_status
bs_docs_ad(bs_ctx *ctx, const bs_ref *id, bs_ad *out)
{
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    bs_key_ad(id, key);
    st = bs_store_get(ctx->store, key, &text, &len, NULL);
    if (st != BS_OK)
        return st;
    st = bs_ad_decode(text, len, out);
    free(text);
    return st;
}

bs_status
bs_docs_add_same(bs_ctx *ctx, const char *key, const char *text, size_t len, bs_docs_same same,
                 void *arg)
{
    bool uncertain = false;
    bs_status st = BS_CONFLICT;

    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        char *found;
        size_t found_len;

        st = bs_store_add(ctx->store, key, text, len, NULL);
        if (st != BS_EXISTS && st != BS_UNCERTAIN)
            return st;
        uncertain |= st == BS_UNCERTAIN;
        st = bs_store_get(ctx->store, key, &found, &found_len, NULL);
        if (st == BS_OK) {
            st = same(found, found_len, arg) ? BS_OK : BS_EXISTS;
            free(found);
            return st;
        }
        if (st != BS_NOTFOUND) /* else: removed meanwhile, or never added: again */
            break;
    }
    return uncertain && bs_status_outage(st) ? BS_UNCERTAIN : st;
}

static bool
same_slot(const char *text, size_t len, void *arg)
{
    bs_slot found;

    return bs_slot_decode(text, len, &found) == BS_OK && bs_slot_equal(&found, arg);
}

bs_status
bs_docs_add_slot(bs_ctx *ctx, const bs_slot *slot)
{
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    bs_key_slot(&slot->campaign, slot->index, key);
    text = bs_slot_encode(slot, &len);
    if (text == NULL)
        return BS_NOMEM;
    st = bs_docs_add_same(ctx, key, text, len, same_slot, (void *)slot);
    free(text);
    return st;
}

bs_status
bs_docs_each(bs_ctx *ctx, const char *prefix, bs_docs_visit fn, void *arg)
{
    char after[BS_STORE_KEY_MAX + 1] = "";

    for (;;) {
        bs_store_page page;
        bool more;
        bs_status st = bs_store_scan(ctx->store, prefix, after, BS_STORE_SCAN_MAX, &page);

        for (size_t i = 0; st == BS_OK && i < page.count; i++)
            st = fn(&page.docs[i], arg);
        if (page.count > 0)
            memcpy(after, page.docs[page.count - 1].key, strlen(page.docs[page.count - 1].key) + 1);
        more = page.more;
        bs_store_page_release(&page);
        if (st != BS_OK || !more)
            return st;
    }
}

typedef struct collection {
    size_t elem_size;
    bs_docs_decode decode;
    char *items;
    size_t count;
    size_t cap;
} collection;

static bs_status
collect_one(const bs_store_doc *doc, void *arg)
{
    collection *c = arg;

    if (bs_grow(&c->items, &c->cap, c->count, c->elem_size, 16))
        return BS_NOMEM;
    memset(c->items + c->count * c->elem_size, 0, c->elem_size);
    bs_status st = c->decode(doc->value, doc->len, c->items + c->count * c->elem_size);
    if (st == BS_OK)
        c->count++;
    return st;
}

bs_status
bs_docs_collect(bs_ctx *ctx, const char *prefix, size_t elem_size, bs_docs_decode decode,
                void **out, size_t *count)
{
    collection c = {elem_size, decode, NULL, 0, 0};
    bs_status st = bs_docs_each(ctx, prefix, collect_one, &c);

    *out = NULL;
    *count = 0;
    if (st != BS_OK) {
        free(c.items);
        return st;
    }
    *out = c.items;
    *count = c.count;
    return BS_OK;
}

/* Is there a document at `index` under `prefix`? */
static bs_status
taken(bs_ctx *ctx, const char *prefix, uint64_t index, bool *yes)
{
    char key[BS_KEY_BUF], *text = NULL;
    bs_status st;

    bs_key_join_index(prefix, (uint32_t)index, key);
    st = bs_store_get(ctx->store, key, &text, NULL, NULL);
    free(text);
    *yes = st == BS_OK;
    return st == BS_NOTFOUND ? BS_OK : st;
}

/* The first free index under `prefix`, by O(log n) reads rather than a scan
 * of the n documents there: indexes are contiguous from 0, so the taken
 * ones form a prefix — double a probe until it finds a free index, then
 * halve the gap between the last taken and the first free. */
static bs_status
first_free_index(bs_ctx *ctx, const char *prefix, uint32_t *out)
{
    uint64_t used = 0, free_at = 0; /* indexes < used are taken; free_at is free */
    bool yes = true;
    bs_status st = BS_OK;

    for (uint64_t probe = 0; yes; probe = probe * 2 + 1) {
        if (probe > BS_INDEX_MAX) { /* beyond the last index: as if free */
            free_at = BS_INDEX_MAX + 1u;
            break;
        }
        st = taken(ctx, prefix, probe, &yes);
        if (st != BS_OK)
            return st;
        if (yes)
            used = probe + 1;
        else
            free_at = probe;
    }
    while (used < free_at) {
        uint64_t mid = used + (free_at - used) / 2;

        st = taken(ctx, prefix, mid, &yes);
        if (st != BS_OK)
            return st;
        if (yes)
            used = mid + 1;
        else
            free_at = mid;
    }
    *out = (uint32_t)free_at;
    return BS_OK;
}

bs_status
bs_docs_add_next(bs_ctx *ctx, const char *prefix, bs_docs_encode_at encode, bs_docs_ours ours,
                 void *arg, uint32_t *index)
{
    uint32_t candidate = 0;
    bool uncertain = false;
    bs_status st = first_free_index(ctx, prefix, &candidate);

    for (int attempt = 0; st == BS_OK && attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        char key[BS_KEY_BUF], *text;
        size_t len;

        if (candidate > BS_INDEX_MAX)
            return BS_TOOLARGE;
        text = encode(candidate, arg, &len);
        if (text == NULL)
            return BS_NOMEM;
        bs_key_join_index(prefix, candidate, key);
        st = bs_store_add(ctx->store, key, text, len, NULL);
        free(text);
        if (st == BS_OK) {
            *index = candidate;
            return BS_OK;
        }
        if (st != BS_EXISTS && st != BS_UNCERTAIN)
            break;
        /* Taken: by this very call (an earlier send of it), or by another. */
        uncertain |= st == BS_UNCERTAIN;
        st = bs_store_get(ctx->store, key, &text, &len, NULL);
        if (st == BS_OK && ours(text, len, arg)) {
            free(text);
            *index = candidate;
            return BS_OK;
        }
        free(text);
        if (st == BS_OK)
            candidate++;
        else if (st == BS_NOTFOUND)
            st = BS_OK; /* the unknown add was not applied: again */
    }
    if (uncertain && bs_status_outage(st))
        return BS_UNCERTAIN;
    return st == BS_OK ? BS_CONFLICT : st;
}
