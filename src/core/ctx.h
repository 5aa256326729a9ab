/*
 * ctx.h — what every core operation is given: the store, the clock, the id
 * source and the service's settings. No core code reads globals, the wall
 * clock or the environment (DESIGN.md principles 1 and 6).
 */
#ifndef BS_CTX_H
#define BS_CTX_H

#include <stdint.h>

#include "model/names.h"
#include "store/store.h"
#include "util/clock.h"
#include "util/id.h"

#define BS_FEE_BP_DEFAULT   150 /* 1.5 % */
#define BS_OPERATOR_DEFAULT "operator"

typedef struct bs_ctx {
    bs_store *store;
    bs_clock clock;
    bs_idsrc ids;
    int64_t fee_bp;        /* the operator's fee on a sale, in basis points */
    bs_name operator_name; /* the account fees go to: always "operator", a
                              property of the store (its fee watermarks
                              live on that account), not a setting */
} bs_ctx;

/* Fill `ctx` with the defaults: system clock, random ids, 1.5 % fee to
 * "operator". The store is the caller's. */
void bs_ctx_init(bs_ctx *ctx, bs_store *store);

static inline int64_t
bs_ctx_now(const bs_ctx *ctx)
{
    return bs_clock_now(&ctx->clock);
}

#endif
