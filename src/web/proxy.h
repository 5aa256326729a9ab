/*
 * proxy.h — who the client is behind a reverse proxy (serve's
 * --trusted-proxy). Behind nginx every request comes from the proxy's
 * address; the registration and login throttles (core/throttle.h) count by
 * client address, so serve must learn the client from X-Forwarded-For — but
 * only from a proxy it trusts, or any client could name itself anyone.
 *
 * Invariants:
 *   - The client is the socket's peer unless that peer is one of the
 *     trusted addresses and the request carries X-Forwarded-For; then it is
 *     the LAST address of the last such header: the one the trusted proxy
 *     itself appended (nginx's $proxy_add_x_forwarded_for) or set
 *     ($remote_addr). Addresses before it are the client's own claims.
 *   - A header whose last address is not a numeric IPv4 or IPv6 address
 *     (a misconfigured proxy) names nobody: the peer stays the client.
 *   - Addresses are compared and returned in one spelling (inet_ntop's),
 *     so "::1" and "0:0::1" are the same proxy and the same client, and an
 *     IPv4-mapped IPv6 address is its IPv4 address: "::ffff:127.0.0.1" in
 *     the setting trusts nginx at 127.0.0.1 (and a peer on a dual-stack
 *     socket spelled that way is 127.0.0.1).
 *   - Like listen.h, apart from the server: every command checks the
 *     setting, and the `bitslot` program links no server.
 */
#ifndef BS_WEB_PROXY_H
#define BS_WEB_PROXY_H

#include <stdbool.h>
#include <stddef.h>

#define BS_WEB_PROXIES_MAX 16
#define BS_WEB_ADDRESS_MAX 46 /* INET6_ADDRSTRLEN */

/* The trusted proxies (a value: copy it freely). count 0: none. */
typedef struct bs_web_proxies {
    size_t count;
    char address[BS_WEB_PROXIES_MAX][BS_WEB_ADDRESS_MAX];
} bs_web_proxies;

#define BS_WEB_PROXIES_RULE                                                                        \
    "numeric IP addresses separated by commas, at most " BS_WEB__TEXT(BS_WEB_PROXIES_MAX)
#define BS_WEB__TEXT(n)  BS_WEB__TEXT_(n)
#define BS_WEB__TEXT_(n) #n

/* Parse "ADDR[,ADDR...]" (spaces around each allowed) into *out; false
 * when an entry is not a numeric IP address or there are too many. */
bool bs_web_proxies_parse(const char *text, bs_web_proxies *out);

/* The client of a request from socket peer `peer` (numeric, as text) that
 * carried `forwarded` (the last X-Forwarded-For header's value, `len`
 * bytes, not NUL-terminated; NULL when none), into out[size]. */
void bs_web_proxies_client(const bs_web_proxies *proxies, const char *peer, const char *forwarded,
                           size_t len, char *out, size_t size);

#endif
