/*
 * docs.h — typed access to the store for the core: read a document and
 * decode it, and the read-modify-CAS loop every single-document change goes
 * through (DESIGN.md principle 2).
 *
 * bs_docs_update() reads the document, calls `edit` on the decoded copy, and
 * writes it back with replace() only if nobody changed it in between; on a
 * CAS conflict it reads again and calls `edit` again, so `edit` must decide
 * from what it is shown, never from what it saw on an earlier call. The same
 * after a write whose outcome is unknown (BS_UNCERTAIN from a remote store):
 * so `edit` must be idempotent by what the document shows — it finds its own
 * request id there when its earlier write was applied, even if other writes
 * followed it (see bs_account_applied), and then writes nothing. The loop
 * answers BS_UNCERTAIN only when it cannot read the document again. `edit`
 * sets *write to false to change nothing (the loop then returns BS_OK), or
 * returns a status other than BS_OK to refuse (returned as is, nothing
 * written).
 */
#ifndef BS_DOCS_H
#define BS_DOCS_H

#include <stdbool.h>

#include "core/ctx.h"
#include "model/account.h"
#include "model/ad.h"
#include "model/campaign.h"

/* How many times a CAS loop reads again before it answers BS_CONFLICT. */
#define BS_DOCS_CAS_ATTEMPTS 200

/* How to read and write one type of document. */
typedef struct bs_doc_type {
    size_t size;
    bs_status (*decode)(const char *text, size_t len, void *doc);
    char *(*encode)(const void *doc, size_t *len);
    void (*release)(void *doc); /* bs_docs_no_release when it owns nothing */
} bs_doc_type;

void bs_docs_no_release(void *doc);

/* Read and decode `key` into `doc` (type->size bytes); release it with
 * type->release on BS_OK. */
bs_status bs_docs_read(bs_ctx *ctx, const char *key, const bs_doc_type *type, void *doc,
                       bs_cas *cas);

/* The read-modify-CAS loop for any type; `after` (type->size bytes, or
 * NULL) as for the typed versions below. */
typedef bs_status (*bs_docs_edit)(void *doc, void *arg, bool *write);
bs_status bs_docs_update(bs_ctx *ctx, const char *key, const bs_doc_type *type, bs_docs_edit edit,
                         void *arg, void *after);

typedef bs_status (*bs_account_edit)(bs_account *account, void *arg, bool *write);
typedef bs_status (*bs_campaign_edit)(bs_campaign *campaign, void *arg, bool *write);

/* Read account/<canon>. On BS_OK release *out with bs_account_release. */
bs_status bs_docs_account(bs_ctx *ctx, const char *canon, bs_account *out, bs_cas *cas);

/* Read-modify-CAS of account/<canon>. When `after` is not NULL it receives
 * the account as written (or as read, when nothing was written) and must be
 * released by the caller; on error it is empty. */
bs_status bs_docs_update_account(bs_ctx *ctx, const char *canon, bs_account_edit edit, void *arg,
                                 bs_account *after);

/* The same, starting from `known`: the account as the caller read it, with
 * its CAS in *cas — no read unless that CAS is lost (a read fewer on a
 * remote store). `known` is taken over (released by the call; NULL: read
 * first as above). On BS_OK *cas (when `cas` is not NULL) is the CAS of the
 * account as written, or as read when nothing was written: the next update
 * can start from `after` and it. */
bs_status bs_docs_update_account_known(bs_ctx *ctx, const char *canon, bs_account *known,
                                       bs_cas *cas, bs_account_edit edit, void *arg,
                                       bs_account *after);

/* BS_OK when account/<canon> exists, BS_NOTFOUND when not. */
bs_status bs_docs_account_exists(bs_ctx *ctx, const char *canon);

bs_status bs_docs_campaign(bs_ctx *ctx, const bs_ref *id, bs_campaign *out, bs_cas *cas);
bs_status bs_docs_update_campaign(bs_ctx *ctx, const bs_ref *id, bs_campaign_edit edit, void *arg,
                                  bs_campaign *after);
bs_status bs_docs_update_campaign_known(bs_ctx *ctx, const bs_ref *id, bs_campaign *known,
                                        bs_cas *cas, bs_campaign_edit edit, void *arg,
                                        bs_campaign *after);

bs_status bs_docs_slot(bs_ctx *ctx, const bs_ref *campaign, uint32_t index, bs_slot *out);
bs_status bs_docs_ad(bs_ctx *ctx, const bs_ref *id, bs_ad *out);

/* add() of a document that may already exist from an earlier, interrupted
 * attempt (or from a send of this very add whose outcome was unknown):
 * BS_OK when it is absent and now added, or present with content that
 * `same` finds equal to ours (text, len: the document found); BS_EXISTS when
 * present with other content. */
typedef bool (*bs_docs_same)(const char *text, size_t len, void *arg);
bs_status bs_docs_add_same(bs_ctx *ctx, const char *key, const char *text, size_t len,
                           bs_docs_same same, void *arg);

/* bs_docs_add_same() of a slot document, compared decoded. */
bs_status bs_docs_add_slot(bs_ctx *ctx, const bs_slot *slot);

/* Call `fn` on every document whose key starts with `prefix`, in key order,
 * a page at a time; stop at the first status other than BS_OK and return
 * it. The document lives only during the call. */
typedef bs_status (*bs_docs_visit)(const bs_store_doc *doc, void *arg);
bs_status bs_docs_each(bs_ctx *ctx, const char *prefix, bs_docs_visit fn, void *arg);

/* Decode every document under `prefix` into a malloc'ed array of
 * `elem_size` elements (*out; free it) with `decode`. */
typedef bs_status (*bs_docs_decode)(const char *text, size_t len, void *elem);
bs_status bs_docs_collect(bs_ctx *ctx, const char *prefix, size_t elem_size, bs_docs_decode decode,
                          void **out, size_t *count);

/* Add a document at the first free index under `prefix` (keys made by
 * bs_key_join_index), after the highest index present — found in O(log n)
 * reads, never a scan of the n documents: indexes stay contiguous and no
 * shared counter document is needed. `encode` makes the
 * document for a candidate index (malloc'ed; NULL when out of memory).
 * `ours` tells whether a document found at a candidate index is this very
 * call's (the request id in it), written by an add whose answer was lost or
 * whose outcome was unknown: then that index is the answer, never a second
 * document. On BS_OK *index is the index taken. */
typedef char *(*bs_docs_encode_at)(uint32_t index, void *arg, size_t *len);
typedef bool (*bs_docs_ours)(const char *text, size_t len, void *arg);
bs_status bs_docs_add_next(bs_ctx *ctx, const char *prefix, bs_docs_encode_at encode,
                           bs_docs_ours ours, void *arg, uint32_t *index);

#endif
