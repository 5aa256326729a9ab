/*
 * books.c — see books.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/books.h"
#include "core/docs.h"
#include "util/failpoint.h"
#include "util/money.h"

bs_status
bs_books_post(bs_account *a, bs_entry_kind kind, int64_t amount, int64_t time, const char *ref,
              const char *request, const char *memo)
{
    int64_t balance = a->balance + amount;
    bs_ledger_entry *pending, *e;

    if (amount < -BS_MAX_MONEY || amount > BS_MAX_MONEY)
        return BS_INVALID;
    if (balance < 0)
        return BS_INSUFFICIENT;
    if (balance > BS_MAX_MONEY)
        return BS_OVERFLOW;
    if (a->pending_count >= BS_BOOKS_PENDING_MAX)
        return BS_LOCKED;
    pending = realloc(a->pending, (a->pending_count + 1) * sizeof(*pending));
    if (pending == NULL)
        return BS_NOMEM;
    a->pending = pending;
    e = &pending[a->pending_count];
    memset(e, 0, sizeof(*e));
    e->seq = a->ledger_next;
    e->kind = kind;
    e->amount = amount;
    e->balance = balance;
    e->time = time;
    snprintf(e->ref, sizeof(e->ref), "%s", ref ? ref : "");
    snprintf(e->request, sizeof(e->request), "%s", request ? request : "");
    snprintf(e->memo, sizeof(e->memo), "%s", memo ? memo : "");
    a->pending_count++;
    a->ledger_next++;
    a->balance = balance;
    /* The account's own requests are remembered; sales and fees are kept
     * exactly once by their watermarks instead. */
    if (kind != BS_ENTRY_SALE && kind != BS_ENTRY_FEE)
        bs_account_remember(a, e->request, e->seq);
    return BS_OK;
}

static bool
same_entry(const char *text, size_t len, void *arg)
{
    bs_ledger_entry found;

    return bs_ledger_entry_decode(text, len, &found) == BS_OK && bs_ledger_entry_equal(&found, arg);
}

/* add() one entry's document; an existing one must be the same entry. */
static bs_status
write_entry(bs_ctx *ctx, const char *canon, const bs_ledger_entry *e)
{
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    bs_key_ledger(canon, e->seq, key);
    text = bs_ledger_entry_encode(e, &len);
    if (text == NULL)
        return BS_NOMEM;
    st = bs_docs_add_same(ctx, key, text, len, same_entry, (void *)e);
    free(text);
    return st == BS_EXISTS ? BS_CORRUPT : st;
}

static bs_status
drop_flushed(bs_account *a, void *arg, bool *write)
{
    int64_t flushed = *(const int64_t *)arg;
    size_t kept = 0;

    for (size_t i = 0; i < a->pending_count; i++)
        if (a->pending[i].seq > flushed)
            a->pending[kept++] = a->pending[i];
    *write = kept != a->pending_count;
    a->pending_count = kept;
    return BS_OK;
}

bs_status
bs_books_flush(bs_ctx *ctx, const char *canon)
{
    bs_account a;
    int64_t flushed = 0;
    bs_status st = bs_docs_account(ctx, canon, &a, NULL);

    if (st != BS_OK)
        return st;
    for (size_t i = 0; i < a.pending_count && st == BS_OK; i++) {
        st = write_entry(ctx, canon, &a.pending[i]);
        if (st == BS_OK) {
            flushed = a.pending[i].seq;
            bs_failpoint(BS_FP_LEDGER_ENTRY_WRITTEN);
        }
    }
    bs_account_release(&a);
    if (st == BS_OK && flushed > 0)
        st = bs_docs_update_account(ctx, canon, drop_flushed, &flushed, NULL);
    return st;
}

bs_status
bs_books_entry_of(bs_ctx *ctx, const bs_account *a, const char *canon, int64_t seq,
                  bs_ledger_entry *entry)
{
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    if (seq < 1 || seq >= a->ledger_next)
        return BS_NOTFOUND;
    for (size_t i = 0; i < a->pending_count; i++) {
        if (a->pending[i].seq == seq) {
            *entry = a->pending[i];
            return BS_OK;
        }
    }
    /* Copied out (the document is written before the pending entry goes). */
    bs_key_ledger(canon, seq, key);
    st = bs_store_get(ctx->store, key, &text, &len, NULL);
    if (st != BS_OK)
        return st;
    st = bs_ledger_entry_decode(text, len, entry);
    free(text);
    return st;
}

bs_status
bs_books_entry(bs_ctx *ctx, const char *canon, int64_t seq, bs_ledger_entry *entry)
{
    bs_account a;
    bs_status st = bs_docs_account(ctx, canon, &a, NULL);

    if (st != BS_OK)
        return st;
    st = bs_books_entry_of(ctx, &a, canon, seq, entry);
    bs_account_release(&a);
    return st;
}

bs_status
bs_books_history(bs_ctx *ctx, const char *canon, int64_t after, size_t limit,
                 bs_ledger_entry **entries, size_t *count, bool *more)
{
    char prefix[BS_KEY_BUF], start[BS_KEY_BUF];
    bs_store_page page = {0};
    bs_ledger_entry *out;
    bs_account a;
    int64_t last = after;
    size_t n = 0;
    bs_status st;

    *entries = NULL;
    *count = 0;
    *more = false;
    if (limit == 0 || limit > BS_STORE_SCAN_MAX)
        return BS_INVALID;
    /* The account first: pending entries are newer than every document, and
     * a flush between the two reads only moves entries we then find in the
     * documents. */
    st = bs_docs_account(ctx, canon, &a, NULL);
    if (st != BS_OK)
        return st;
    out = calloc(limit, sizeof(*out));
    if (out == NULL) {
        st = BS_NOMEM;
        goto release_account;
    }
    bs_prefix_ledger_of(canon, prefix);
    bs_key_ledger(canon, after, start);
    st = bs_store_scan(ctx->store, prefix, after > 0 ? start : NULL, limit, &page);
    for (size_t i = 0; st == BS_OK && i < page.count; i++) {
        st = bs_ledger_entry_decode(page.docs[i].value, page.docs[i].len, &out[n]);
        if (st == BS_OK)
            last = out[n++].seq;
    }
    for (size_t i = 0; st == BS_OK && i < a.pending_count; i++) {
        if (a.pending[i].seq <= last)
            continue;
        if (n == limit) {
            *more = true;
            break;
        }
        out[n++] = a.pending[i];
        last = a.pending[i].seq;
    }
    if (page.more)
        *more = true;
    bs_store_page_release(&page);
    if (st != BS_OK) {
        free(out);
        goto release_account;
    }
    *entries = out;
    *count = n;
release_account:
    bs_account_release(&a);
    return st;
}
