/*
 * ledger.h — a ledger entry: one change of one account's balance
 * (DESIGN.md §6.1). Entries are numbered 1, 2, 3, ... per account, without
 * gaps. An entry is born inside the account document, in the same CAS as the
 * balance change it records (the account's "pending" list), and is later
 * copied to its own immutable document ledger/<account>/<seq>.
 */
#ifndef BS_MODEL_LEDGER_H
#define BS_MODEL_LEDGER_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "model/names.h"
#include "util/id.h"
#include "util/status.h"

#define BS_MEMO_MAX 512

#define BS_ENTRY_KIND_MAP(X)                                                                       \
    X(ADJUST, "adjust")                                                                            \
    X(PURCHASE, "purchase")                                                                        \
    X(SALE, "sale")                                                                                \
    X(FEE, "fee")                                                                                  \
    X(DEPOSIT, "deposit")                                                                          \
    X(WITHDRAWAL, "withdrawal")

typedef enum bs_entry_kind {
#define BS__ENTRY_ENUM(id, name) BS_ENTRY_##id,
    BS_ENTRY_KIND_MAP(BS__ENTRY_ENUM)
#undef BS__ENTRY_ENUM
        BS__ENTRY_COUNT
} bs_entry_kind;

typedef struct bs_ledger_entry {
    int64_t seq;
    bs_entry_kind kind;
    int64_t amount;  /* signed satoshis */
    int64_t balance; /* the balance right after this entry */
    int64_t time;
    char ref[BS_REF_MAX];        /* the slot for purchase/sale/fee, else "" */
    char request[BS_ID_LEN + 1]; /* the request that made it */
    char memo[BS_MEMO_MAX + 1];  /* why (adjustments), else "" */
} bs_ledger_entry;

const char *bs_entry_kind_name(bs_entry_kind kind);

/* JSON of an entry. New reference, NULL when out of memory. */
json_t *bs_ledger_entry_json(const bs_ledger_entry *entry);

/* Decode an entry from a JSON object; BS_CORRUPT when malformed. */
bs_status bs_ledger_entry_from_json(json_t *obj, bs_ledger_entry *entry);

/* A ledger document (malloc'ed, length in *len), or NULL. */
char *bs_ledger_entry_encode(const bs_ledger_entry *entry, size_t *len);
bs_status bs_ledger_entry_decode(const char *text, size_t len, bs_ledger_entry *entry);

bool bs_ledger_entry_equal(const bs_ledger_entry *a, const bs_ledger_entry *b);

#endif
