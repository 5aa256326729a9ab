/*
 * keyimport.h — adding deposit keys to the huge key list (DESIGN.md §4,
 * keylist.h): a list of addresses (`keys import`) or keys derived from an
 * extended public key (`keys derive`). An import is all or nothing, safe to
 * run twice at once with overlapping lists, and finished or undone by anyone
 * after a crash, whatever file is imported next.
 *
 * The protocol of import I (intent first, DESIGN.md §1.3):
 *   1. add keyimport/<I> {recording, ranges n, started, heartbeat}
 *                                                [failpoint keys.import-begun]
 *   2. add keyimport/<I>/<r>, each range (its addresses, or an xpub span)
 *   3. each address: add key/<address> {batch, import I}
 *                                                [failpoint keys.import-recorded]
 *      A key document already there is
 *        - I's own (a retry): fine;
 *        - handed out, of a committed import, or of one since finished: the
 *          address is known: I is aborted (BS_EXISTS);
 *        - of an aborted import: I takes it over (CAS);
 *        - of an import still recording: of the two, the one begun earlier
 *          (seconds, then ids: a total order) goes on; the later one, when
 *          it meets the earlier's key, gives way (BS_CONFLICT) — unless the
 *          earlier is dead: silent for BS_IMPORT_STALE seconds, or its
 *          intent still for PROBE_MS while watched (an import at work beats:
 *          its intent moves every BEAT_EVERY claims). A dead or later import
 *          met is aborted (aborted_by: who took over) and its key taken over.
 *          So of two imports of shared addresses at once exactly one goes
 *          on, an import run again after a crash takes over, and a refused
 *          import says why: known, given way, taken over, or stopped by an
 *          import that was refused itself (then: run it again).
 *   4. CAS keyimport/<I>: recording → committed, list_from := the last list
 *      page                                      [failpoint keys.import-committed]
 *   5. append its ranges to the list, in order (keylist.h)
 *                                                [failpoint keys.import-appended]
 *   6. CAS keyimport/<I>: committed → done; remove keyimport/<I>/<r>
 *   Abort: CAS recording → aborted; remove each key document that is still
 *   I's (none is on the list, none was ever handed out); CAS aborted →
 *   undone; remove the ranges.
 * The intent stays for good (a hundred bytes per import): a key document
 * names its import, and that import's state says what the document is — an
 * address on the list (done), or one free to take (undone: even a key
 * document that a live import, aborted by another, added after it was
 * undone).
 *
 * While it records, an import beats (its intent's `beats` and `heartbeat`
 * move) and stops as soon as it finds itself aborted.
 * Recovery (bs_keys_finish_imports) finishes a committed import, undoes an
 * aborted one, and aborts one silent for BS_IMPORT_STALE seconds.
 */
#ifndef BS_KEYIMPORT_H
#define BS_KEYIMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core/keylist.h"
#include "core/recover.h"

#define BS_IMPORT_STALE       600  /* seconds without a beat: dead */
#define BS_IMPORT_BEAT_CLAIMS 16   /* claims between two beats of an import at work */
#define BS_IMPORT_PROBE_MS    1000 /* an earlier import still this long: dead */
#define BS_DERIVE_MAX         1000000

/* Why an import was refused with BS_CONFLICT. */
typedef enum bs_import_why {
    BS_IMPORT_WHY_NONE,
    BS_IMPORT_WHY_EARLIER, /* an earlier import of some of the same addresses is at work:
                              this one gave way (retry when it is over) */
    BS_IMPORT_WHY_TAKEN,   /* another import of some of the same addresses took them
                              over and goes on */
    BS_IMPORT_WHY_AGAIN,   /* stopped by an import that was then refused itself, or by
                              recovery that took it for dead: run it again */
} bs_import_why;

typedef struct bs_import_report {
    size_t added;                 /* keys this call put on the list (0: all were known) */
    size_t bad;                   /* import: the index of the address a refusal is about */
    size_t repeat_of;             /* import, BS_EXISTS: the index of its earlier copy in
                                     the input, or SIZE_MAX when the store knows it */
    char address[BS_ADDRESS_MAX]; /* the address a refusal is about */
    int64_t first;                /* derive: the first index used */
    int64_t known;                /* derive: indexes skipped, their addresses known already */
    int problem;                  /* derive, BS_INVALID: a bs_bip32_problem */
    bs_import_why why;            /* BS_CONFLICT: why */
    char xpub_type[16];           /* derive, BS_MISMATCH: the address type the store
                                     already derives from this xpub ("" otherwise) */
} bs_import_report;

/* Import `count` addresses for ctx->network. Each is rewritten in place in
 * its canonical spelling (chain/address.h) first. All or nothing:
 *   BS_OK           every address is on the list now; r->added of them by
 *                   this call (0 when every one was there already);
 *   BS_INVALID      r->bad is not an address of the network;
 *   BS_UNSUPPORTED  r->bad is one nobody can spend safely;
 *   BS_EXISTS       r->bad repeats r->repeat_of, or is known already;
 *   BS_CONFLICT     another import met at r->address: r->why says what;
 *   BS_UNCERTAIN    the store stopped answering after the import began: it
 *                   is finished or undone by the next import or recovery;
 *   BS_MISMATCH     the store's keys are of another network or layout. */
bs_status bs_keys_import(bs_ctx *ctx, const bs_keys_layout *layout,
                         char (*addresses)[BS_ADDRESS_MAX], size_t count, bs_import_report *r);

/* Append the `count` (1..BS_DERIVE_MAX) next keys of extended public key
 * `xpub` (receive chain 0/i, type as given or the key's default): the
 * indexes are claimed in the xpub's document xpub/<source> so that none is
 * used twice, then the addresses not known already imported as above (an
 * address the store knows, from a list imported by hand, is skipped and
 * counted in r->known: a derive is never stuck at it). The source is the
 * key material (keylist.h bs_keylist_source_id), not the text: every
 * spelling of one key (xpub, ypub, zpub) goes on from the same next index.
 * One key, one type: the document's type is checked when it is read, and
 * again in the CAS that claims the indexes (a derive of another type may
 * have made the document in between)   [failpoint keys.derive-checked]
 * BS_INVALID with r->problem for a bad key; BS_MISMATCH for a type the key
 * cannot make, or (r->xpub_type set) for another type than the one the
 * store derives from this key already, in whatever spelling it was given;
 * BS_CONFLICT as above. On BS_OK, r->first is the first index. */
bs_status bs_keys_derive(bs_ctx *ctx, const bs_keys_layout *layout, const char *xpub,
                         const char *type, int64_t count, bs_import_report *r);

/* Recovery: finish every committed import, undo every aborted one, abort
 * and undo every one silent for BS_IMPORT_STALE seconds. *finished counts
 * them; `note` hears of imports that could not be handled. */
bs_status bs_keys_finish_imports(bs_ctx *ctx, size_t *finished, size_t *problems,
                                 bs_recover_note note, void *arg);

/* For `bitslot check`: calls `visit` with the id and intent of each import
 * that recovery would have to finish (committed, aborted, or stale). */
typedef void (*bs_keys_import_visit)(void *arg, const char *id, const bs_keyimport *intent);
bs_status bs_keys_unfinished_imports(bs_ctx *ctx, bs_keys_import_visit visit, void *arg);

#endif
