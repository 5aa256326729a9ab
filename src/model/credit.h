/*
 * credit.h — the document credit/<owner>/<i>: how far the sales of one
 * campaign have been paid out, to its seller and (the fees) to the operator
 * (DESIGN.md §3, core/credit.h for the protocol).
 *
 * One per campaign, so no account grows with the campaigns it sold in, and
 * crediting one campaign never contends with another's. For each payee:
 *   paid   the last slot index whose payment is made or reserved (-1: none);
 *   batch  the last reservation, when it posts entries: slots from+1..paid,
 *          paid by the entries the payee's account numbers from `at`, the
 *          first of them for slot `first`. It is applied exactly when the
 *          payee's ledger entry `at` is the entry of slot `first` (that entry
 *          is of that kind and names that slot); until then it is owed.
 *
 * Invariants: paid only grows; at most one batch per payee; a batch is
 * changed only after its account's ledger moved past `at` without it (then
 * nobody can ever apply it at `at`).
 */
#ifndef BS_MODEL_CREDIT_H
#define BS_MODEL_CREDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/names.h"
#include "util/status.h"

typedef enum bs_payee { BS_PAYEE_SELLER, BS_PAYEE_OPERATOR, BS__PAYEE_COUNT } bs_payee;

typedef struct bs_credit_batch {
    bool open;     /* a batch is recorded */
    int64_t from;  /* it pays slots from+1 .. paid */
    int64_t first; /* the slot of its first entry */
    int64_t at;    /* that entry's number in the payee's ledger */
} bs_credit_batch;

typedef struct bs_credit_mark {
    int64_t paid;
    bs_credit_batch batch;
} bs_credit_mark;

typedef struct bs_credit {
    bs_ref campaign;
    bs_credit_mark mark[BS__PAYEE_COUNT];
} bs_credit;

/* A campaign's credit document before its first payment. */
void bs_credit_init(bs_credit *credit, const bs_ref *campaign);

/* The document (malloc'ed, length in *len), or NULL when out of memory. */
char *bs_credit_encode(const bs_credit *credit, size_t *len);

/* BS_CORRUPT when malformed. */
bs_status bs_credit_decode(const char *text, size_t len, bs_credit *credit);

#endif
