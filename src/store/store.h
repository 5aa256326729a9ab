/*
 * store.h — the contract every bitslot store backend keeps: a document store
 * with per-document compare-and-swap (DESIGN.md §1–2). Nothing else: no
 * multi-document transactions, so the protocols above run unchanged on LMDB
 * and on etcd.
 *
 * Invariants every backend guarantees:
 *   - A key is 1..BS_STORE_KEY_MAX bytes of printable ASCII (0x21..0x7e);
 *     anything else is BS_INVALID before the backend is asked.
 *   - A value is 0..BS_STORE_VALUE_MAX bytes; larger is BS_TOOLARGE.
 *   - Every successful write of a document gives it a new CAS, a nonzero
 *     opaque 64-bit number that is never given to that key again (not even
 *     after remove and add). BS_STORE_CAS_NONE (0) is never a valid CAS.
 *   - A document read is always a whole value written by one call: never torn,
 *     even if a writer was killed in the middle.
 *   - An OK from a write means the write is durable (on LMDB: fsync'ed).
 *   - A handle is safe to use from many threads at once. Several processes
 *     may open the same store at once. Do not use a handle across fork():
 *     open the store in the child.
 *
 * Statuses: BS_OK; BS_NOTFOUND (no such key); BS_EXISTS (add of a present
 * key); BS_CONFLICT (CAS mismatch); BS_INVALID (bad key, URL, argument);
 * BS_TOOLARGE; BS_NOMEM; BS_NOSPACE (disk full); BS_ACCESS (permission);
 * BS_IO, BS_CORRUPT (unreadable store); BS_UNAVAILABLE (the store cannot be
 * reached; a write that returns it was not applied); BS_UNCERTAIN (a write
 * whose outcome could not be learned: the store stopped answering after it
 * may have applied it; only a remote store returns it). On any status but
 * BS_OK, out-parameters hold no result and no document was changed by a
 * write that returned BS_CONFLICT, BS_EXISTS, BS_NOTFOUND, BS_INVALID,
 * BS_TOOLARGE or BS_UNAVAILABLE.
 *
 * A write that a remote store may have received twice (a request re-sent
 * after its answer was lost) and whose second arrival finds exactly the
 * value it writes is reported BS_OK, not BS_CONFLICT or BS_EXISTS: the first
 * arrival applied it. So every value a caller writes must identify the
 * operation that writes it (bitslot's documents carry request ids): the same
 * bytes then mean the same operation, and reporting it applied is true.
 */
#ifndef BS_STORE_H
#define BS_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/status.h"

#define BS_STORE_KEY_MAX   480
#define BS_STORE_VALUE_MAX (1024 * 1024)
#define BS_STORE_SCAN_MAX  1000
#define BS_STORE_CAS_NONE  0

typedef uint64_t bs_cas;
typedef struct bs_store bs_store;

/* One document returned by a scan. Strings are NUL-terminated; `value` may
 * also contain NUL bytes (use `len`). */
typedef struct bs_store_doc {
    char *key;
    char *value;
    size_t len;
    bs_cas cas;
} bs_store_doc;

/* A page of a scan: docs[0..count) in key order; `more` is true when further
 * documents with the prefix follow the last one. */
typedef struct bs_store_page {
    bs_store_doc *docs;
    size_t count;
    bool more;
} bs_store_page;

/* Open the store named by `url`:
 *   lmdb:PATH     — an LMDB environment in directory PATH (created if absent)
 *   etcd:URL[,URL...] — an etcd v3 cluster through the HTTP/JSON gateways of
 *                   its members (http://HOST:PORT); BS_UNAVAILABLE when none
 *                   answers
 * An unknown scheme or malformed URL is BS_INVALID (nothing is created).
 * On BS_OK, *out is a handle to release with bs_store_close(). */
bs_status bs_store_open(const char *url, bs_store **out);

/* The same, but nothing is created: BS_NOTFOUND when `lmdb:PATH` holds no
 * store — no data.mdb, an empty one, or an LMDB environment without a
 * bitslot store's databases — and then nothing there is changed (so a
 * mistyped path is not a new, empty store). An etcd cluster always opens;
 * whether it holds a bitslot store is the caller's to read. */
bs_status bs_store_open_existing(const char *url, bs_store **out);

/* Whether `url` is one bs_store_open() reads (a known scheme and a well
 * formed location), found without opening or creating anything: open
 * refuses every URL this refuses, with BS_INVALID. */
bool bs_store_url_valid(const char *url);

/* Close a handle; NULL is a no-op. No call may be in flight on it. */
void bs_store_close(bs_store *store);

/* The URL the store was opened with. Lives as long as the handle. */
const char *bs_store_url(const bs_store *store);

/* Read a document. On BS_OK, *value is a malloc'ed copy with a NUL byte after
 * its `*len` bytes (so JSON can be parsed in place); the caller frees it.
 * `len` and `cas` may be NULL. */
bs_status bs_store_get(bs_store *store, const char *key, char **value, size_t *len, bs_cas *cas);

/* Create a document that must not exist (BS_EXISTS otherwise). `new_cas` may
 * be NULL. */
bs_status bs_store_add(bs_store *store, const char *key, const void *value, size_t len,
                       bs_cas *new_cas);

/* Overwrite a document only if its CAS is still `cas`: BS_CONFLICT if it has
 * changed, BS_NOTFOUND if it does not exist. `new_cas` may be NULL. */
bs_status bs_store_replace(bs_store *store, const char *key, const void *value, size_t len,
                           bs_cas cas, bs_cas *new_cas);

/* Write a document whether or not it exists. `new_cas` may be NULL. */
bs_status bs_store_set(bs_store *store, const char *key, const void *value, size_t len,
                       bs_cas *new_cas);

/* Delete a document only if its CAS is still `cas` (BS_CONFLICT otherwise,
 * BS_NOTFOUND if absent). */
bs_status bs_store_remove(bs_store *store, const char *key, bs_cas cas);

/* Up to `limit` (1..BS_STORE_SCAN_MAX) documents whose key starts with
 * `prefix` ("" for all), in byte order of the key, starting after the key
 * `after` (NULL or "" to start at the beginning). To page, pass the last key of
 * one page as `after` of the next. On BS_OK the caller releases *page with
 * bs_store_page_release(); on error *page is empty. */
bs_status bs_store_scan(bs_store *store, const char *prefix, const char *after, size_t limit,
                        bs_store_page *page);

/* Free the documents of a page and empty it; NULL or an empty page is a
 * no-op. */
void bs_store_page_release(bs_store_page *page);

/* True when `key` is acceptable to every backend (see the invariants). */
bool bs_store_key_valid(const char *key);

#endif
