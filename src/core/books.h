/*
 * books.h — the ledger of each account (DESIGN.md §6.1): every balance
 * change is a numbered entry, and the balance always equals the sum of the
 * account's entries.
 *
 * How an entry is born and kept, exactly once:
 *   1. bs_books_post() changes the balance of an account *in memory* and
 *      appends the entry to its "pending" list; the caller's one CAS of the
 *      account then writes both together, or neither.
 *   2. bs_books_flush() copies pending entries to ledger/<account>/<seq> with
 *      add() (an entry already there from an interrupted flush must be
 *      identical), then removes them from the account by CAS. A crash
 *      between the two leaves entries both places; the next flush finishes.
 */
#ifndef BS_BOOKS_H
#define BS_BOOKS_H

#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/account.h"

/* At most this many entries wait in an account document for a flush. The
 * last BS_BOOKS_PENDING_OWN of them are kept for the account's own
 * requests (a purchase's debit, a deposit): batched credits never take
 * them. A purchase flushes first once BS_BOOKS_FLUSH_AT entries wait. */
#define BS_BOOKS_PENDING_MAX 512
#define BS_BOOKS_PENDING_OWN 64
#define BS_BOOKS_FLUSH_AT    256

/* Apply `amount` to a's balance and append the entry to a->pending.
 * BS_INSUFFICIENT when the balance would go below zero, BS_OVERFLOW above
 * BS_MAX_MONEY, BS_INVALID for an amount out of range, BS_LOCKED when too many entries wait for a
 * flush, BS_NOMEM. On any error `a` is unchanged. */
bs_status bs_books_post(bs_account *a, bs_entry_kind kind, int64_t amount, int64_t time,
                        const char *ref, const char *request, const char *memo);

/* Move the pending entries of account/<canon> to ledger documents. */
bs_status bs_books_flush(bs_ctx *ctx, const char *canon);

/* Entry `seq` of account/<canon>, pending or copied out; BS_NOTFOUND when
 * the account has no such entry (yet). bs_books_entry_of() looks in `a`,
 * the account as the caller read it, before the ledger documents. */
bs_status bs_books_entry(bs_ctx *ctx, const char *canon, int64_t seq, bs_ledger_entry *entry);
bs_status bs_books_entry_of(bs_ctx *ctx, const bs_account *a, const char *canon, int64_t seq,
                            bs_ledger_entry *entry);

/* Up to `limit` entries of account/<canon> with seq > `after`, in order,
 * whether flushed or pending. On BS_OK *entries is malloc'ed (free it) and
 * *count set; *more tells whether further entries follow. */
bs_status bs_books_history(bs_ctx *ctx, const char *canon, int64_t after, size_t limit,
                           bs_ledger_entry **entries, size_t *count, bool *more);

#endif
