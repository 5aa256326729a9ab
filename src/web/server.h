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
#define BS_WEB_SWEEP_DEFAULT  30 /* seconds */

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
