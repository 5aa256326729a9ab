/*
 * status.h — the one status enum of bitslot, generated with its messages from
 * one table (BS_STATUS_MAP).
 *
 * Invariants:
 *   - BS_OK is 0, so `if (st != BS_OK)` and `if (st)` mean the same.
 *   - Every status has a stable upper-case name (bs_status_name) and a short
 *     lowercase human message (bs_strerror) with no full stop.
 *   - Foreign error codes (LMDB, errno, curl, HTTP) are translated into these
 *     inside the adapter that meets them and nowhere else.
 */
#ifndef BS_STATUS_H
#define BS_STATUS_H

#include <stdbool.h>

#define BS_STATUS_MAP(X)                                                                           \
    X(OK, "ok")                                                                                    \
    X(NOTFOUND, "not found")                                                                       \
    X(EXISTS, "already exists")                                                                    \
    X(CONFLICT, "changed by someone else at the same time; retry")                                 \
    X(LOCKED, "an operation is in progress; retry in a few seconds")                               \
    X(UNAVAILABLE, "temporarily unavailable")                                                      \
    X(INVALID, "invalid input")                                                                    \
    X(TOOLARGE, "too large")                                                                       \
    X(NOMEM, "out of memory")                                                                      \
    X(IO, "input/output error")                                                                    \
    X(NOSPACE, "no space left on the device")                                                      \
    X(ACCESS, "permission denied")                                                                 \
    X(BADPATH, "not a usable directory")                                                           \
    X(CORRUPT, "data is damaged or of an unknown format")                                          \
    X(UNSUPPORTED, "not supported")                                                                \
    X(AUTH, "authentication refused")                                                              \
    X(TIMEOUT, "timed out")                                                                        \
    X(REMOTE, "the remote side reported an error")                                                 \
    X(INSUFFICIENT, "not enough funds")                                                            \
    X(PRICE_LIMIT, "the price is above the limit you set")                                         \
    X(STALE, "changed since you looked; look again")                                               \
    X(SOLD, "sold to someone else first")                                                          \
    X(MISMATCH, "does not match")                                                                  \
    X(FORBIDDEN, "not allowed")                                                                    \
    X(EXHAUSTED, "none left")                                                                      \
    X(OVERFLOW, "a balance cannot pass 21 million BTC")                                            \
    X(NODE_DOWN, "the bitcoin node is unavailable")                                                \
    X(UNCERTAIN, "the outcome is unknown")                                                         \
    X(THROTTLED, "too many attempts; try again later")

typedef enum bs_status {
#define BS__STATUS_ENUM(name, msg) BS_##name,
    BS_STATUS_MAP(BS__STATUS_ENUM)
#undef BS__STATUS_ENUM
        BS__STATUS_COUNT
} bs_status;

/* The human message of a status. Static storage; never NULL (an out-of-range
 * value gives "unknown status"). */
const char *bs_strerror(bs_status st);

/* The upper-case name of a status ("NOTFOUND"). Static storage; never NULL. */
const char *bs_status_name(bs_status st);

/* True when a status says the store, the node or the machine failed (it is
 * unavailable, out of space or memory, or a write's outcome is unknown),
 * rather than something about the one item asked for. Work over many items
 * stops on an outage; on anything else it reports the item and goes on. */
bool bs_status_outage(bs_status st);

#endif
