/*
 * store_backend.h — what a store backend implements (private to src/store).
 *
 * store.c checks every argument against the contract in store.h before it
 * calls a backend, so a backend may assume: keys are valid, values are within
 * BS_STORE_VALUE_MAX, CAS arguments of replace/remove are nonzero, scan limits
 * are within 1..BS_STORE_SCAN_MAX and `after` is NULL or nonempty.
 * A backend translates its own error codes into bs_status and never lets
 * them escape.
 */
#ifndef BS_STORE_BACKEND_H
#define BS_STORE_BACKEND_H

#include "store/store.h"

typedef enum bs_store_write_mode {
    BS_STORE_WRITE_ADD,     /* create; EXISTS if present */
    BS_STORE_WRITE_REPLACE, /* overwrite if cas matches; NOTFOUND, CONFLICT */
    BS_STORE_WRITE_SET,     /* create or overwrite */
    BS_STORE_WRITE_REMOVE,  /* delete if cas matches; NOTFOUND, CONFLICT */
} bs_store_write_mode;

typedef struct bs_store_backend {
    const char *scheme; /* "lmdb" for "lmdb:PATH" */
    /* Whether `location` (never empty) is well formed, without touching
     * anything; NULL: every location is. open may assume it is. */
    bool (*valid)(const char *location);
    /* `location` is the URL after "scheme:"; never empty. Unless `create`,
     * BS_NOTFOUND where the backend can tell that no store is there. */
    bs_status (*open)(const char *location, bool create, void **impl);
    void (*close)(void *impl);
    bs_status (*get)(void *impl, const char *key, char **value, size_t *len, bs_cas *cas);
    /* `value`/`len` are ignored for REMOVE; `cas` for ADD and SET. On BS_OK
     * *new_cas is the document's new CAS (0 after REMOVE). */
    bs_status (*write)(void *impl, bs_store_write_mode mode, const char *key, const void *value,
                       size_t len, bs_cas cas, bs_cas *new_cas);
    /* `page` starts empty; on error the caller releases what was pushed. */
    bs_status (*scan)(void *impl, const char *prefix, const char *after, size_t limit,
                      bs_store_page *page);
} bs_store_backend;

extern const bs_store_backend bs_store_lmdb_backend;
extern const bs_store_backend bs_store_etcd_backend;

/* Append a copy of one document to `page` (used by backends' scans). */
bs_status bs_store_page_push(bs_store_page *page, const char *key, size_t key_len,
                             const void *value, size_t len, bs_cas cas);

/* A malloc'ed copy of `len` bytes with a NUL after them, or NULL. */
char *bs_store_copy_value(const void *value, size_t len);

#endif
