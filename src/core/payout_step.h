/*
 * payout_step.h — one step of a withdrawal document along its states
 * (model/withdrawal.h), by read-modify-CAS: what the batch (core/payout.c)
 * and the following of its transaction (core/payout_follow.c) both do.
 *
 * Invariant: a step moves a document only from the state it names, and a
 * document already in the target state is the step done (by an earlier
 * run, or another processor): every step can be repeated and raced.
 */
#ifndef BS_PAYOUT_STEP_H
#define BS_PAYOUT_STEP_H

#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/withdrawal.h"

typedef struct bs_payout_step {
    bs_wd_state from, to;
    const bs_payout *p;    /* to SIGNED: the batch and its transaction */
    const char *reason;    /* to REFUSED: the node's reason */
    int64_t confirmations; /* to BROADCAST, CONFIRMED */
    int64_t now;           /* set by bs_payout_move */
    bool done;             /* out: the document is (now) in `to` */
} bs_payout_step;

/* Move withdrawal/<canon>/<id> as `s` says. */
bs_status bs_payout_move(bs_ctx *ctx, const char *canon, const char *id, bs_payout_step *s);

#endif
