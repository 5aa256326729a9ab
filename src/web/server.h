/*
 * server.h — `bitslot serve`: h2o event loops, one per core, each with its
 * own SO_REUSEPORT listener, a pool of workers for whatever may block, a
 * log line per request (web/accesslog.h: each loop writes its lines once
 * per turn of the loop), and a clean stop on SIGTERM or SIGINT (DESIGN.md
 * §5a).
 *
 * Invariants:
 *   - No event loop ever waits on the store, the node or argon2: routes
 *     that need them run on the pool (web/call.h).
 *   - Hostile clients are bounded: a head over BS_WEB_HEAD_MAX bytes is
 *     answered 431, a body over BS_WEB_BODY_MAX 413 before it is read when
 *     its Content-Length says so (h2o), and a connection that has not sent
 *     a whole request within BS_WEB_REQUEST_TIMEOUT_MS is closed, whether
 *     idle or trickling bytes. Out of descriptors, a loop stops accepting
 *     for BS_WEB_ACCEPT_REST_MS at a time (the kernel queues the
 *     connections) instead of spinning on its listener.
 *   - On SIGTERM/SIGINT the listeners close first (nothing new is
 *     accepted), then requests in flight get up to BS_WEB_DRAIN_SECONDS to
 *     be answered, then bs_web_serve returns 0. Live event streams are
 *     not waited for: each loop ends its own there and then (web/live.h).
 */
#ifndef BS_WEB_SERVER_H
#define BS_WEB_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/ctx.h"
#include "web/listen.h"
#include "web/proxy.h"

#define BS_WEB_DRAIN_SECONDS  10
#define BS_WEB_BODY_MAX       (5 * 1024 * 1024) /* an ad image and its form */
#define BS_WEB_LISTEN_DEFAULT "127.0.0.1:8080"
/* A request's head: its request line and headers, in bytes; more is
 * answered 431. */
#define BS_WEB_HEAD_MAX      32768
#define BS_WEB_HEAD_MAX_TEXT "32768"
/* ms for a request's head and body to arrive, and for a kept-alive
 * connection to send its next request: then it is closed. */
#define BS_WEB_REQUEST_TIMEOUT_MS 10000
/* Open files serve wants (its soft limit is raised to the hard one; it
 * says so when that is fewer), of which BS_WEB_FILES_SPARE are not
 * connections: listeners, the store, the node, logs. */
#define BS_WEB_FILES_WANTED  4096
#define BS_WEB_FILES_SPARE   64
#define BS_WEB_SWEEP_DEFAULT 30 /* seconds */

typedef struct bs_web_config {
    const char *listen;     /* HOST:PORT ([V6]:PORT); port 0: any free port */
    const char *public_url; /* what links and the embed snippet use */
    const char *node_url;   /* each worker's node; NULL: none */
    size_t loops;           /* event loops; 0: one per core */
    size_t workers;         /* worker threads; 0: the default */
    int64_t sweep_interval; /* seconds between background recoveries */
    /* the node's payout wallet the background loop pays withdrawals with
     * (core/payout.h); NULL: payouts off */
    const char *payout_wallet;
    /* the reverse proxies whose X-Forwarded-For names the client
     * (web/proxy.h); count 0: none, the socket's peer is the client */
    bs_web_proxies trusted_proxies;
} bs_web_config;

/* Serve until SIGTERM or SIGINT. `ctx` is the template every worker copies
 * (store, clock, settings); its node is not used (each worker opens its
 * own). Prints "bitslot: serving on http://HOST:PORT" on stderr once every
 * loop listens. Returns 0 after a clean stop; 2 when it cannot listen
 * (the address is taken, or not this machine's), after a one-line error. */
int bs_web_serve(const bs_ctx *ctx, const bs_web_config *config);

#endif
