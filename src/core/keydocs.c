/*
 * keydocs.c — see keydocs.h.
 */
#include <stdlib.h>

#include "core/keydocs.h"

#define DOC_TYPE(name, type, release)                                                              \
    static bs_status name##_decode_any(const char *text, size_t len, void *doc)                    \
    {                                                                                              \
        return bs_##name##_decode(text, len, doc);                                                 \
    }                                                                                              \
    static char *name##_encode_any(const void *doc, size_t *len)                                   \
    {                                                                                              \
        return bs_##name##_encode(doc, len);                                                       \
    }                                                                                              \
    const bs_doc_type bs_##name##_type = {sizeof(type), name##_decode_any, name##_encode_any,      \
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

DOC_TYPE(keyconfig, bs_keyconfig, bs_docs_no_release)
DOC_TYPE(keyset, bs_keyset, bs_docs_no_release)
DOC_TYPE(keydoc, bs_keydoc, bs_docs_no_release)
DOC_TYPE(xpub_source, bs_xpub_source, bs_docs_no_release)
DOC_TYPE(keylist_page, bs_keylist_page, keylist_page_release_any)
DOC_TYPE(keypage, bs_keypage, keypage_release_any)
DOC_TYPE(keyimport, bs_keyimport, bs_docs_no_release)

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

const bs_doc_type bs_keylist_cursor_type = {sizeof(int64_t), cursor_decode_any, cursor_encode_any,
                                            bs_docs_no_release};

bs_status
bs_keydocs_add(bs_ctx *ctx, const char *key, char *text, const size_t *len)
{
    bs_status st;

    if (text == NULL)
        return BS_NOMEM;
    st = bs_store_add(ctx->store, key, text, *len, NULL);
    free(text);
    return st;
}
