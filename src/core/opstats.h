/*
 * opstats.h — the operator's figures (issue 11, `bitslot stats`, GET
 * /api/v1/admin/stats): one read-only pass over the store, grouped, each
 * group one struct of the result filled by one helper of opstats.c:
 *
 *   accounts     every account (the operator's included); those whose lock
 *                is set right now
 *   sales        campaigns; slots sold (final: each campaign's `last`); the
 *                operator's fee entries and what they add up to
 *   deposits     deposit entries of every ledger and what they add up to
 *   keys         deposit keys in the list, left to hand out, handed out
 *                (core/keys.h bs_keys_status)
 *   ads          ads hidden by the operator (core/moderation.h)
 *   recoveries   passes of `bitslot recover` or a server's sweep that
 *                finished something, and what they finished
 *                (model/recovery.h)
 *
 *   withdrawals  withdrawal requests by state (model/withdrawal.h), and the
 *                amounts (satoshis, fees apart) waiting (requested), paid
 *                out (signed, broadcast, confirmed) and refunded
 *                (refused); the fees the operator has of them
 *
 * A group is added by a struct member, its helper called from
 * bs_opstats_read, and its object in bs_opstats_view; the command prints
 * whatever the view holds.
 *
 * Invariants:
 *   - Nothing is written; every figure is counted from the documents that
 *     are the truth for it (the ledgers for money), never from a cache but
 *     campaign.last, which the purchase advances before it returns.
 *   - Fees are those credited: a sale's fee reaches the operator's ledger
 *     off the purchase's path (seconds later with a server running; at once
 *     with `bitslot recover`).
 */
#ifndef BS_OPSTATS_H
#define BS_OPSTATS_H

#include <jansson.h>
#include <stdint.h>

#include "core/ctx.h"
#include "model/withdrawal.h"

typedef struct bs_opstats {
    struct {
        int64_t total;
        int64_t locked; /* lock set right now */
    } accounts;
    struct {
        int64_t campaigns;
        int64_t slots_sold;
        int64_t fee_entries; /* the operator's */
        int64_t fees;        /* sat, their sum */
    } sales;
    struct {
        int64_t entries; /* deposit entries, every ledger */
        int64_t sats;
    } deposits;
    struct {
        int64_t total;
        int64_t left; /* not handed out yet: on no page, or free on one */
        int64_t handed_out;
    } keys;
    struct {
        int64_t hidden;
    } ads;
    struct {
        int64_t passes;
        int64_t purchases;
        int64_t imports;
    } recoveries;
    struct {
        int64_t by_state[BS__WD_STATE_COUNT];
        int64_t waiting_sats;  /* requested: amounts */
        int64_t paid_sats;     /* signed, broadcast, confirmed: amounts */
        int64_t refunded_sats; /* refused: amounts (their fees went back too) */
        int64_t fees_sats;     /* the operator's: the fees of those paid */
    } withdrawals;
} bs_opstats;

/* Count everything (a pass over accounts and their ledgers, campaigns, the
 * key list and sets, moderation and recovery records). BS_OK, or the
 * store's error (nothing is half counted: *out is zeroed). BS_CORRUPT when
 * a document it must read is damaged (`bitslot check` names it). */
bs_status bs_opstats_read(bs_ctx *ctx, bs_opstats *out);

/* The figures as JSON, one object per group in the order above (the last
 * "withdrawals_by_state"). New reference or NULL. Field names ending in "_sat" are amounts of
 * satoshis. */
json_t *bs_opstats_view(const bs_opstats *s);

#endif
