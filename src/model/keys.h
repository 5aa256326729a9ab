/*
 * keys.h — the documents of key dispersement (DESIGN.md §4, the original's
 * "hella huge" design): where deposit addresses come from and how they are
 * handed out without a hot document.
 *
 *   keys/config        {network, sets, page_size}: fixed by the first import
 *   keylist            {fill_from: Z}: the first list page with unclaimed ranges
 *   keylist/<Z>        a page of the huge key list: ranges of page_size keys,
 *                      each claimed at most once by one page fill
 *   xpub/<source>      an extended public key (as first given), its address
 *                      type and its next unused index; <source> names the
 *                      key material, whatever its spelling (core/keylist.h)
 *   keyset/<N>         set N's current page and the lock of a fill in progress
 *   keyset/<N>/<Y>     page Y of set N: its keys and, per key, the request and
 *                      account that claimed it
 *   key/<address>      one per known address, in its canonical spelling
 *                      (chain/address.h): its batch and the import that
 *                      recorded it, and its owner once handed out (an
 *                      address belongs to one account, ever)
 *   keyimport/<id>     an import (core/keyimport.h): its state, kept for good
 *   keyimport/<id>/<r> range r of that import, while it is in progress
 *
 * Invariants: a range is claimed by at most one fill; a page is made from
 * exactly the range its fill claimed; a key on a page is claimed by at most
 * one request; a key's owner never changes once set.
 */
#ifndef BS_MODEL_KEYS_H
#define BS_MODEL_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/address.h"
#include "model/names.h"
#include "util/id.h"
#include "util/status.h"

#define BS_KEYS_SETS_DEFAULT      1000
#define BS_KEYS_PAGE_SIZE_DEFAULT 100
#define BS_KEYS_PAGE_SIZE_MAX     1000
#define BS_KEYS_SETS_MAX          100000
#define BS_XPUB_TEXT_MAX          120
#define BS_SOURCE_ID_LEN          32
#define BS_KEYLIST_PAGE_BYTES     (512 * 1024) /* a list page grows no further */

typedef struct bs_keyconfig {
    char network[16];
    int64_t sets;
    int64_t page_size;
} bs_keyconfig;

typedef enum bs_range_kind {
    BS_RANGE_ADDRESSES, /* a list of imported addresses */
    BS_RANGE_XPUB,      /* indexes from..from+count-1 of an xpub source */
} bs_range_kind;

/* Which fill claimed a range. */
typedef struct bs_range_claim {
    bool claimed;
    int64_t set;
    int64_t page;
    char fill[BS_ID_LEN + 1];
} bs_range_claim;

typedef struct bs_key_range {
    char batch[BS_ID_LEN + 1]; /* identifies the range (its import batch) */
    bs_range_kind kind;
    char source[BS_SOURCE_ID_LEN + 1]; /* BS_RANGE_XPUB */
    int64_t from;                      /* BS_RANGE_XPUB */
    int64_t count;
    char (*addresses)[BS_ADDRESS_MAX]; /* BS_RANGE_ADDRESSES: count of them */
    bs_range_claim claim;
} bs_key_range;

typedef struct bs_keylist_page {
    bs_key_range *ranges;
    size_t count;
} bs_keylist_page;

typedef struct bs_keyset {
    int64_t page; /* the current page; -1 before the first fill */
    bool filling;
    char fill[BS_ID_LEN + 1];
    int64_t fill_page;      /* the page the fill makes */
    int64_t fill_list_page; /* where the fill starts looking for a range */
} bs_keyset;

typedef struct bs_page_key {
    char address[BS_ADDRESS_MAX];
    char request[BS_ID_LEN + 1]; /* "" while unclaimed */
    bs_name account;
} bs_page_key;

typedef struct bs_keypage {
    char fill[BS_ID_LEN + 1];
    char batch[BS_ID_LEN + 1];
    bs_page_key *keys;
    size_t count;
} bs_keypage;

typedef struct bs_keydoc {
    char batch[BS_ID_LEN + 1];
    char import[BS_ID_LEN + 1];  /* the import that recorded it ("" before
                                    imports were recorded: finished) */
    bs_name owner;               /* "" until handed out */
    char request[BS_ID_LEN + 1]; /* the request that got it */
} bs_keydoc;

typedef enum bs_import_state {
    BS_IMPORT_RECORDING, /* recording its addresses' key documents */
    BS_IMPORT_COMMITTED, /* every address is its own: its ranges go into the list */
    BS_IMPORT_DONE,      /* its ranges are on the list (kept: its key documents name it) */
    BS_IMPORT_ABORTED,   /* refused or taken over: its key documents are to be undone */
    BS_IMPORT_UNDONE,    /* undone (kept: a key document it added late is free) */
} bs_import_state;

/* keyimport/<id>: one import of addresses (or of keys derived from an
 * xpub), from its intent to the list. */
typedef struct bs_keyimport {
    bs_import_state state;
    int64_t ranges;                 /* its ranges: keyimport/<id>/<r> for r < ranges */
    int64_t started;                /* when it began: of two imports that meet, the
                                       earlier one goes on */
    int64_t heartbeat;              /* when it last showed it is at work */
    int64_t beats;                  /* how often it did: a count that moves while it records */
    int64_t list_from;              /* COMMITTED: the list page its ranges go from */
    char aborted_by[BS_ID_LEN + 1]; /* ABORTED: the import that took over, or
                                       "" (refused, or stopped as silent) */
} bs_keyimport;

typedef struct bs_xpub_source {
    char xpub[BS_XPUB_TEXT_MAX];
    char type[16]; /* "p2wpkh", "p2pkh", "p2sh-p2wpkh" */
    int64_t next;  /* the first index not yet in the list */
} bs_xpub_source;

/* Keys of the documents. */
#define BS_KEY_KEYCONFIG  "keys/config"
#define BS_KEY_KEYLIST    "keylist"
#define BS_PREFIX_KEYLIST "keylist/"
#define BS_PREFIX_KEYSETS "keyset/"
#define BS_PREFIX_KEYDOCS "key/"
void bs_key_keylist_page(int64_t page, char out[BS_KEY_BUF]);
void bs_key_keyset(int64_t set, char out[BS_KEY_BUF]);
void bs_key_keypage(int64_t set, int64_t page, char out[BS_KEY_BUF]);
void bs_key_keydoc(const char *address, char out[BS_KEY_BUF]);
void bs_key_xpub_source(const char *source, char out[BS_KEY_BUF]);
#define BS_PREFIX_KEYIMPORTS "keyimport/"
void bs_key_keyimport(const char *id, char out[BS_KEY_BUF]);
void bs_key_keyimport_range(const char *id, int64_t range, char out[BS_KEY_BUF]);

/* Codecs: encoders return malloc'ed JSON (NULL when out of memory);
 * decoders return BS_CORRUPT for anything malformed. Pages and ranges own
 * arrays: release them with the matching _release (NULL-safe). */
char *bs_keyconfig_encode(const bs_keyconfig *c, size_t *len);
bs_status bs_keyconfig_decode(const char *text, size_t len, bs_keyconfig *c);
char *bs_keylist_cursor_encode(int64_t fill_from, size_t *len);
bs_status bs_keylist_cursor_decode(const char *text, size_t len, int64_t *fill_from);
char *bs_keylist_page_encode(const bs_keylist_page *p, size_t *len);
bs_status bs_keylist_page_decode(const char *text, size_t len, bs_keylist_page *p);
void bs_keylist_page_release(bs_keylist_page *p);
char *bs_keyset_encode(const bs_keyset *s, size_t *len);
bs_status bs_keyset_decode(const char *text, size_t len, bs_keyset *s);
char *bs_keypage_encode(const bs_keypage *p, size_t *len);
bs_status bs_keypage_decode(const char *text, size_t len, bs_keypage *p);
void bs_keypage_release(bs_keypage *p);
char *bs_keydoc_encode(const bs_keydoc *k, size_t *len);
bs_status bs_keydoc_decode(const char *text, size_t len, bs_keydoc *k);
char *bs_xpub_source_encode(const bs_xpub_source *s, size_t *len);
bs_status bs_xpub_source_decode(const char *text, size_t len, bs_xpub_source *s);

char *bs_keyimport_encode(const bs_keyimport *k, size_t *len);
bs_status bs_keyimport_decode(const char *text, size_t len, bs_keyimport *k);
/* One range as its own document (release it with bs_key_range_release). */
char *bs_key_range_encode(const bs_key_range *r, size_t *len);
bs_status bs_key_range_decode(const char *text, size_t len, bs_key_range *r);

/* Append a copy of `range` (with its addresses) to `page`. */
bs_status bs_keylist_page_append(bs_keylist_page *page, const bs_key_range *range);

/* Free a range's addresses. */
void bs_key_range_release(bs_key_range *range);

#endif
