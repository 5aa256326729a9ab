/*
 * keylist.h — the huge key list (DESIGN.md §4): the store's key
 * configuration, where a range's keys come from (a list of addresses, or an
 * xpub and a span of its indexes), and appending ranges to the list pages
 * keylist/<Z>. Page fills (keys.h) take ranges from it; imports
 * (keyimport.h) add to it.
 *
 * Invariants: ranges are only ever appended, to the last page, which grows
 * to BS_KEYLIST_PAGE_BYTES before a new page follows it; a range's batch id
 * appears on the list at most once.
 */
#ifndef BS_KEYLIST_H
#define BS_KEYLIST_H

#include <stdbool.h>
#include <stdint.h>

#include "chain/bip32.h"
#include "core/ctx.h"
#include "model/keys.h"

/* Settings for the first import (they are then fixed in keys/config). */
typedef struct bs_keys_layout {
    int64_t sets;      /* 0: BS_KEYS_SETS_DEFAULT */
    int64_t page_size; /* 0: BS_KEYS_PAGE_SIZE_DEFAULT */
} bs_keys_layout;

/* The store's key configuration; BS_NOTFOUND before the first import. */
bs_status bs_keys_config(bs_ctx *ctx, bs_keyconfig *out);

/* The configuration the store has, or would get from `layout` at its first
 * import (nothing is written). BS_MISMATCH when they disagree, or when the
 * store's keys are of another network than ctx->network. */
bs_status bs_keylist_plan(bs_ctx *ctx, const bs_keys_layout *layout, bs_keyconfig *cfg);

/* Write the planned configuration unless one is there (then it must be the
 * same: BS_MISMATCH otherwise). */
bs_status bs_keylist_ensure_config(bs_ctx *ctx, const bs_keyconfig *planned);

/* A range's batch id: a hash of `seed` and `n` (an import's id and the
 * range's number, or an xpub source and the range's first index). */
void bs_keylist_batch_id(const char *seed, int64_t n, char out[BS_ID_LEN + 1]);

/* The receive chain (0) and address type of extended public key `text`
 * (type_name NULL or "": the key's default). BS_INVALID with *problem (a
 * bs_bip32_problem) for a bad key; BS_MISMATCH for a type it cannot make. */
bs_status bs_keylist_open_xpub(bs_network net, const char *text, const char *type_name,
                               bs_bip32_key *chain, bs_address_type *type, int *problem);

/* Addresses from..from+count-1 of a chain, in their canonical spelling. */
bs_status bs_keylist_derive(const bs_bip32_key *chain, bs_address_type type, int64_t from,
                            int64_t count, char (*out)[BS_ADDRESS_MAX]);

/* The id of an xpub source: a hash of its receive chain's chain code and
 * public key (`chain`, as bs_keylist_open_xpub gives it) — what every
 * address derived from it depends on, and nothing else. So one key is one
 * source whatever its spelling: xpub, ypub or zpub (version bytes), and any
 * depth, parent fingerprint or child number written with it. */
void bs_keylist_source_id(const bs_bip32_key *chain, char out[BS_SOURCE_ID_LEN + 1]);

/* The addresses of a range: *out is malloc'ed with range->count of them. */
bs_status bs_keylist_range_addresses(bs_ctx *ctx, const bs_key_range *range,
                                     char (**out)[BS_ADDRESS_MAX]);

/* The list's fill cursor (0 when there is no list yet). */
bs_status bs_keylist_cursor(bs_ctx *ctx, int64_t *fill_from);

/* Move the fill cursor past list page `past` (only forward). */
bs_status bs_keylist_cursor_past(bs_ctx *ctx, int64_t past);

/* The number of the list's last page (-1: no page yet). */
bs_status bs_keylist_last_page(bs_ctx *ctx, int64_t *page);

/* True when list page `page` exists. */
bool bs_keylist_page_exists(bs_ctx *ctx, int64_t page);

/* Append ranges[0..count), in this order, to the list, each unless its
 * batch is already there: safe to repeat and to run in several processes
 * at once. The ranges must be appended in this order by everyone (those of
 * one import), so that what is on the list is always a prefix of them.
 * *page: in, a page at or before the first of them on the list (if any is);
 * out, the page the last of them is on. */
bs_status bs_keylist_append(bs_ctx *ctx, const bs_key_range *ranges, size_t count, int64_t *page);

#endif
