/*
 * metrics.h — the process's counters, for operators (the server will show
 * them). The one piece of process-wide state in the library, by design:
 * counters only count, they never guard or hold data.
 */
#ifndef BS_METRICS_H
#define BS_METRICS_H

#include <stdint.h>

#define BS_METRIC_MAP(X)                                                                           \
    X(OUT_OF_KEYS, "bitslot_out_of_keys_total", "Get Key requests refused: no keys left")          \
    X(NODE_ERRORS, "bitslot_node_errors_total", "calls to the bitcoin node that failed")           \
    X(STORE_READS, "bitslot_store_reads_total", "store reads: gets, and pages of scans")           \
    X(STORE_WRITES, "bitslot_store_writes_total", "store writes: adds, replaces, sets, removes")   \
    X(STORE_COMMITS, "bitslot_store_commits_total",                                                \
      "durable commits of an LMDB store, each one flush; concurrent writes share one")             \
    X(STORE_ERRORS, "bitslot_store_errors_total",                                                  \
      "store calls that failed for the store's own reasons (unavailable, I/O, full, damaged)")     \
    X(PURCHASES, "bitslot_purchases_total", "slots bought through this process")                   \
    X(DEPOSITS, "bitslot_deposits_credited_total", "deposits credited to balances")                \
    X(DEPOSITS_SATS, "bitslot_deposits_credited_sats_total", "satoshis of deposits credited")      \
    X(RECOVERIES, "bitslot_recoveries_total",                                                      \
      "interrupted operations finished: purchases, key imports, key hand-outs")

typedef enum bs_metric {
#define BS__METRIC_ENUM(id, name, help) BS_METRIC_##id,
    BS_METRIC_MAP(BS__METRIC_ENUM)
#undef BS__METRIC_ENUM
        BS__METRIC_COUNT
} bs_metric;

void bs_metric_add(bs_metric m, int64_t n);
int64_t bs_metric_get(bs_metric m);
const char *bs_metric_name(bs_metric m);
const char *bs_metric_help(bs_metric m);

#endif
