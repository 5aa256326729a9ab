/*
 * payout_step.c — see payout_step.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/docs.h"
#include "core/payout_step.h"
#include "core/withdraw.h"

static bs_status
edit_step(void *doc, void *arg, bool *write)
{
    bs_withdrawal *w = doc;
    bs_payout_step *s = arg;

    s->done = false;
    if (w->state == s->to && (s->to != BS_WD_BROADCAST || w->confirmations == s->confirmations)) {
        s->done = true;
        *write = false;
        return BS_OK;
    }
    if (w->state != s->from) {
        *write = false;
        return BS_OK;
    }
    w->state = s->to;
    w->updated = s->now;
    if (s->to == BS_WD_SIGNED) {
        snprintf(w->batch, sizeof(w->batch), "%s", s->p->batch);
        snprintf(w->txid, sizeof(w->txid), "%s", s->p->txid);
        if (w->fee_batch[0] == '\0') /* else its fee went with an earlier batch */
            snprintf(w->fee_batch, sizeof(w->fee_batch), "%s", s->p->batch);
        w->hex = strdup(s->p->hex);
        if (w->hex == NULL)
            return BS_NOMEM;
        w->confirmations = 0;
    } else if (s->to == BS_WD_REFUSED) {
        snprintf(w->reason, sizeof(w->reason), "%s", s->reason);
    } else {
        w->confirmations = s->confirmations;
        w->spent_at = 0; /* the node has it after all */
    }
    s->done = true;
    return BS_OK;
}

bs_status
bs_payout_move(bs_ctx *ctx, const char *canon, const char *id, bs_payout_step *s)
{
    char key[BS_KEY_BUF];

    bs_key_withdrawal(canon, id, key);
    s->now = bs_ctx_now(ctx);
    return bs_docs_update(ctx, key, &bs_withdrawal_doc, edit_step, s, NULL);
}
