/*
 * keydocs.h — the documents of key dispersement (model/keys.h) as types for
 * the generic read-modify-CAS loop of docs.h, shared by the modules that
 * keep them: keylist (the huge key list), keyimport (adding keys to it) and
 * keys (handing them out).
 */
#ifndef BS_KEYDOCS_H
#define BS_KEYDOCS_H

#include "core/docs.h"
#include "model/keys.h"

extern const bs_doc_type bs_keyconfig_type;      /* bs_keyconfig */
extern const bs_doc_type bs_keylist_cursor_type; /* int64_t fill_from */
extern const bs_doc_type bs_keylist_page_type;   /* bs_keylist_page */
extern const bs_doc_type bs_keyset_type;         /* bs_keyset */
extern const bs_doc_type bs_keypage_type;        /* bs_keypage */
extern const bs_doc_type bs_keydoc_type;         /* bs_keydoc */
extern const bs_doc_type bs_xpub_source_type;    /* bs_xpub_source */
extern const bs_doc_type bs_keyimport_type;      /* bs_keyimport */

/* add() of a document just encoded: `text` (NULL: out of memory) is freed;
 * *len is read after the encoder, an argument of the same call, has set it. */
bs_status bs_keydocs_add(bs_ctx *ctx, const char *key, char *text, const size_t *len);

#endif
