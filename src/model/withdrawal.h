/*
 * withdrawal.h — withdrawals (DESIGN.md §2, §5; core/withdraw.h and
 * core/payout.h for the protocols):
 *
 *   - a hold on the account: a withdrawal reserved from the balance and not
 *     yet paid or refunded (account.holds, at most BS_HOLDS_MAX). The hold
 *     is the intent: it is written by the same CAS that takes amount + fee
 *     from the balance, and it leaves the account when the withdrawal is
 *     final — paid (its transaction recorded) or refused (then in the same
 *     CAS that gives the money back, so a refund happens exactly once);
 *   - the document withdrawal/<account>/<id>: the request and how far its
 *     payment went, requested → signed → broadcast → confirmed, or refused
 *     with the node's reason;
 *   - the document `payout`: the one batch being built, if any — the
 *     requests one transaction pays, and once signed that transaction.
 *
 * Invariants (every decoded document keeps them, or is BS_CORRUPT):
 *   - amounts are satoshis, amount > 0, fee >= 0, their sum <= 21 M BTC;
 *   - address is an address in its canonical spelling (chain/address.h);
 *   - signed, broadcast and confirmed withdrawals carry their batch, txid
 *     (64 lowercase hex), the signed transaction (hex) and their fee batch;
 *     refused ones a reason; a requested one none of these, unless it was
 *     reissued (its fee batch, how many times, the last dead txid).
 */
#ifndef BS_MODEL_WITHDRAWAL_H
#define BS_MODEL_WITHDRAWAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/address.h"
#include "model/names.h"
#include "util/id.h"
#include "util/status.h"

#define BS_HOLDS_MAX      8   /* withdrawals an account may have waiting */
#define BS_WD_REASON_MAX  256 /* bytes of a refusal's reason */
#define BS_TXID_LEN       64  /* hex characters */
#define BS_PAYOUT_MAX     100 /* requests one transaction pays at most */
#define BS_PAYOUT_HEX_MAX ((size_t)1 << 20)

/* A withdrawal reserved on its account (see above). */
typedef struct bs_withdrawal_hold {
    char id[BS_ID_LEN + 1];
    int64_t amount; /* to pay out */
    int64_t fee;    /* to the operator */
    int64_t time;
    char address[BS_ADDRESS_MAX];
} bs_withdrawal_hold;

#define BS_WD_STATE_MAP(X)                                                                         \
    X(REQUESTED, "requested")                                                                      \
    X(SIGNED, "signed")                                                                            \
    X(BROADCAST, "broadcast")                                                                      \
    X(CONFIRMED, "confirmed")                                                                      \
    X(REFUSED, "refused")

typedef enum bs_wd_state {
#define BS__WD_ENUM(id, name) BS_WD_##id,
    BS_WD_STATE_MAP(BS__WD_ENUM)
#undef BS__WD_ENUM
        BS__WD_STATE_COUNT
} bs_wd_state;

const char *bs_wd_state_name(bs_wd_state state);

/* The state named `name`; BS_INVALID for an unknown name. */
bs_status bs_wd_state_parse(const char *name, bs_wd_state *state);

typedef struct bs_withdrawal {
    bs_name account; /* canonical */
    bs_withdrawal_hold hold;
    bs_wd_state state;
    int64_t updated;                   /* unix seconds of the last change */
    char batch[BS_ID_LEN + 1];         /* SIGNED and later */
    char txid[BS_TXID_LEN + 1];        /* SIGNED and later */
    char *hex;                         /* SIGNED and later; malloc'ed */
    int64_t confirmations;             /* BROADCAST, CONFIRMED: as last seen */
    char reason[BS_WD_REASON_MAX + 1]; /* REFUSED */
    /* Paid once already (SIGNED and later, or REQUESTED again): the batch
     * whose one fee entry credited its fee to the operator. */
    char fee_batch[BS_ID_LEN + 1];
    /* SIGNED, BROADCAST: the block height at which the node first said its
     * transaction's coins are spent by another (0: never) */
    int64_t spent_at;
    /* Transactions of it that can never confirm (their coins spent by
     * another, deep in the chain): it went back to REQUESTED, its money
     * already out of the account, to be paid by a new one. */
    int64_t reissued;
    char dead_txid[BS_TXID_LEN + 1]; /* the last of them */
} bs_withdrawal;

/* The document (malloc'ed, length in *len), or NULL when out of memory. */
char *bs_withdrawal_encode(const bs_withdrawal *w, size_t *len);
bs_status bs_withdrawal_decode(const char *text, size_t len, bs_withdrawal *w);
void bs_withdrawal_release(bs_withdrawal *w);

/* The view shown to users and the operator (no signed transaction). New
 * reference or NULL. */
json_t *bs_withdrawal_view(const bs_withdrawal *w);

/* A hold as JSON, and back (BS_CORRUPT when malformed). */
json_t *bs_withdrawal_hold_json(const bs_withdrawal_hold *h);
bs_status bs_withdrawal_hold_from_json(json_t *obj, bs_withdrawal_hold *h);

/* One request of a batch. */
typedef struct bs_payout_item {
    bs_name account;
    char id[BS_ID_LEN + 1];
    bool refuse; /* REFUSING: this request is refused */
} bs_payout_item;

typedef enum bs_payout_state {
    BS_PAYOUT_IDLE,     /* no batch */
    BS_PAYOUT_OPEN,     /* requests chosen; no transaction recorded yet */
    BS_PAYOUT_SIGNED,   /* its transaction recorded: txid, hex */
    BS_PAYOUT_REFUSING, /* the node refused it: reason; the requests marked
                           `refuse` are refused and refunded, the others wait
                           for the next batch */
} bs_payout_state;

typedef struct bs_payout {
    bs_payout_state state;
    char batch[BS_ID_LEN + 1];
    int64_t started;
    bs_payout_item *items; /* malloc'ed, count entries */
    size_t count;
    /* OPEN: who is building its transaction, until when (a lease: one
     * builder at a time; a builder that died is replaced once it ends) */
    char builder[BS_ID_LEN + 1];
    int64_t lease;
    char txid[BS_TXID_LEN + 1];
    char *hex;      /* malloc'ed */
    int64_t fees;   /* Σ fees of the batch's paid requests (SIGNED) */
    int64_t fee_at; /* the operator's ledger entry the fees go to; 0: not chosen */
    char reason[BS_WD_REASON_MAX + 1]; /* REFUSING */
} bs_payout;

char *bs_payout_encode(const bs_payout *p, size_t *len);
bs_status bs_payout_decode(const char *text, size_t len, bs_payout *p);
void bs_payout_release(bs_payout *p);

/* True when `hex` is a non-empty string of lowercase hex of even length. */
bool bs_hex_valid(const char *hex, size_t max);

#endif
