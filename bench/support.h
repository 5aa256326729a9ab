/*
 * support.h — what the purchase benchmarks share: a monotonic clock, the
 * BENCH_SCALE knob, scratch directories, and a market to buy in (operator,
 * buyers with money and an ad, sellers' campaigns) bought from by many
 * threads at once.
 *
 * Invariants:
 *   - Everything goes through the public API of the core and the store
 *     (the headers of src/core and src/store/store.h), never around it: the figures follow
 *     the core and the backends as they change, with no change here.
 *   - Buyer i is account "bNN" (NN = i, two digits) with BENCH_BALANCE
 *     satoshis and one BENCH_AD_SIDE² ad; every campaign made here has that
 *     size, BENCH_PRICE as its minimum and 60 s slots. Slot n of any campaign
 *     is bought at the fixed time BENCH_T0 + 61·n, after slot n − 1 ended,
 *     so every purchase pays the minimum and no buyer runs out of money.
 *   - Any failure that is not part of what is measured (a lost race is)
 *     prints what failed and exits 1: a benchmark never reports a figure
 *     from a run that went wrong.
 */
#ifndef BS_BENCH_SUPPORT_H
#define BS_BENCH_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "core/ctx.h"
#include "model/names.h"
#include "store/store.h"

#define BENCH_BUYERS_MAX 16
#define BENCH_T0         1800000000
#define BENCH_BALANCE    INT64_C(1000000000) /* 10 BTC: a million slots */
#define BENCH_PRICE      1000
#define BENCH_AD_SIDE    16

/* Seconds on a monotonic clock. */
double bench_seconds(void);

/* BENCH_SCALE from the environment: a factor (0.01 shrinks a run to a
 * hundredth); 1 when unset. Exits on a value that is not a positive number. */
double bench_scale(void);

/* Print "PROGRAM: WHAT: status" and exit 1. */
_Noreturn void bench_fail(const char *what, bs_status st);

/* A new empty directory under `parent` (NULL: $TMPDIR or /tmp). Malloc'ed;
 * remove it with bench_remove_tree, then free it. */
char *bench_tmpdir(const char *parent);

/* Remove `dir` and everything under it. */
void bench_remove_tree(const char *dir);

/* Open the store at `url` (exits on failure). */
bs_store *bench_open(const char *url);

/* A context on `store` whose clock reads *now (the caller's). */
void bench_ctx(bs_ctx *ctx, bs_store *store, const int64_t *now);

/* A buyer: its account name and its one ad. */
typedef struct bench_buyer {
    bs_name name;
    bs_ref ad;
} bench_buyer;

/* On an empty store: the operator's account and buyers b00..b(count − 1),
 * each funded and with an ad, written into out[0..count). */
void bench_market(bs_store *store, int count, bench_buyer *out);

/* The account `name`, which sells. */
void bench_seller(bs_store *store, const char *name);

/* `count` new campaigns of `owner`; their references go to out[0..count). */
void bench_campaigns(bs_store *store, const char *owner, size_t count, bs_ref *out);

/* Buyer threads on a list of campaigns. Each thread takes the next campaign
 * of the list not yet taken and buys its next slots, one after another,
 * until it has bought `per_campaign` there (then it takes the next), or
 * the time is up. With `race`, every thread buys campaigns[0] instead: a
 * purchase that another thread beat to the slot is counted as lost and
 * tried again on the next slot. */
typedef struct bench_buying {
    bs_store *store;
    const bench_buyer *buyers; /* one thread per buyer */
    int threads;
    const bs_ref *campaigns;
    size_t campaign_count;
    bool race;
    long per_campaign; /* 0: no limit (then `seconds` must be set) */
    double seconds;    /* stop after this long; 0: when every campaign is done */
    double progress;   /* seconds between lines of progress on stdout; 0: none */
    /* What happened. */
    long bought;    /* purchases that got their slot */
    long lost;      /* SOLD, STALE or CONFLICT: beaten to the slot, retried */
    double elapsed; /* seconds, from the start to the last thread's end */
} bench_buying;

/* Run the buyers of `b` and fill in its results. */
void bench_buy(bench_buying *b);

/* Purchases per second of a finished bench_buy. */
double bench_buy_rate(const bench_buying *b);

/* Documents in the store, by kind (the key's first segment). */
typedef struct bench_census {
    size_t total;
    size_t kinds;
    struct {
        char name[24];
        size_t count;
    } kind[16]; /* the most common kinds; the rest count in "other" */
} bench_census;

/* Count every document of the store (a scan of all of it). */
void bench_count(bs_store *store, bench_census *census);

/* The census as one line: "1000000 documents: slot 250000, ledger ...". */
void bench_census_print(const char *label, const bench_census *census);

#endif
