/*
 * withdraw.h — asking for a withdrawal (DESIGN.md §5; issue 11), and the
 * withdrawals as users and the operator see them. Paying them is
 * core/payout.h.
 *
 * A request first finishes what the account was in the middle of (recover.h:
 * a purchase a crash left holding it), then   failpoint withdraw.recovered
 * is two writes:
 *   1. CAS account/<name>: balance −= amount + fee, a "withdrawal" ledger
 *      entry, and a hold (model/withdrawal.h) — the intent — in the same
 *      write; refused while the account is locked by a purchase (the seed's
 *      rule for key transitions), and when the balance is short.
 *                                                  failpoint withdraw.reserved
 *   2. add withdrawal/<name>/<id> in state `requested`, with exactly the
 *      hold's content. Whoever touches the account next (recover.h) adds it
 *      if a crash came between.                    failpoint withdraw.recorded
 * The request id is the withdrawal's id: the same request sent again (an
 * answer lost on the network) finds its hold, or its document, and is the
 * same withdrawal, never a second one.
 *
 * The hold stays on the account until the withdrawal is final: paid (its
 * transaction recorded) or refused (then the CAS that drops the hold gives
 * amount + fee back, so a refund happens exactly once). So a balance never
 * counts money that is on its way out, and no purchase can spend it.
 */
#ifndef BS_WITHDRAW_H
#define BS_WITHDRAW_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "core/docs.h"
#include "model/account.h"
#include "model/withdrawal.h"

typedef struct bs_withdraw_order {
    const char *name;    /* the account, any spelling */
    int64_t amount;      /* satoshis to receive */
    const char *address; /* as typed */
    const char *request; /* the request id; "" or NULL: a fresh one */
} bs_withdraw_order;

/* Why a request was refused, beyond its status. */
typedef enum bs_withdraw_problem {
    BS_WITHDRAW_OK,
    BS_WITHDRAW_BELOW_MIN,     /* BS_INVALID: amount < ctx->min_withdrawal */
    BS_WITHDRAW_TOO_MUCH,      /* BS_INVALID: amount + fee above 21 million BTC */
    BS_WITHDRAW_NOT_ADDRESS,   /* BS_INVALID: not a bitcoin address at all */
    BS_WITHDRAW_OTHER_NETWORK, /* BS_INVALID: an address of other networks */
    BS_WITHDRAW_UNSPENDABLE,   /* BS_UNSUPPORTED: an address nobody can spend safely */
    BS_WITHDRAW_TOO_MANY,      /* BS_EXHAUSTED: BS_HOLDS_MAX already waiting */
} bs_withdraw_problem;

typedef struct bs_withdraw_result {
    bs_withdraw_problem problem;
    unsigned networks; /* OTHER_NETWORK: the networks it is an address of (chain/network.h) */
    int64_t fee;       /* the fee the amount costs (also when refused for the balance) */
    int64_t balance;   /* the balance after (or, BS_INSUFFICIENT, as it is) */
    bool again;        /* BS_OK: the request was made before (sent again): nothing new */
    bs_withdrawal withdrawal; /* BS_OK: the request as recorded (release it) */
} bs_withdraw_result;

/* The fee on withdrawing `amount`: amount × ctx->withdraw_fee_bp / 10000,
 * rounded up to the satoshi. */
int64_t bs_withdraw_fee(const bs_ctx *ctx, int64_t amount);

/* Ask for a withdrawal. BS_OK: reserved and recorded (res->withdrawal).
 * BS_INVALID, BS_UNSUPPORTED, BS_EXHAUSTED: see res->problem; BS_NOTFOUND:
 * no such account; BS_INSUFFICIENT: the balance is below amount + fee;
 * BS_LOCKED: a purchase is in progress; BS_MISMATCH: this request id was
 * already used for another withdrawal or another change of the account.
 * Nothing is changed on any refusal. */
bs_status bs_withdraw_request(bs_ctx *ctx, const bs_withdraw_order *order, bs_withdraw_result *res);

/* Add the document of each hold of `a` (account/<canon> as read) that has
 * none: step 2 for a request a crash interrupted. */
bs_status bs_withdraw_record_holds(bs_ctx *ctx, const char *canon, const bs_account *a);

/* The withdrawals of account `name` (any spelling), newest first; or, with
 * name NULL, every account's, oldest first, only those in `*state` when
 * state is not NULL. On BS_OK free the list with bs_withdraw_list_free. */
bs_status bs_withdraw_list(bs_ctx *ctx, const char *name, const bs_wd_state *state,
                           bs_withdrawal **list, size_t *count);
void bs_withdraw_list_free(bs_withdrawal *list, size_t count);

/* How withdrawal documents are read and written (core/docs.h). */
extern const bs_doc_type bs_withdrawal_doc;

/* The key of a withdrawal's document. */
void bs_withdraw_key(const bs_withdrawal *w, char out[BS_KEY_BUF]);

#endif
