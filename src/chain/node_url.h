/*
 * node_url.h — the bitcoin node's URL, read by bitslot itself:
 *   http(s)://[USER[:PASSWORD]@]HOST[:PORT][/ | /wallet/NAME]
 * Every command checks --node (cli_config.c: the settings are checked whole, even
 * by a command that never talks to the node), and this reads it without
 * libcurl, so that such a command does not load libcurl (issue 9). The
 * client (chain/rpc.c) opens the node from these parts, so the check and
 * the use cannot disagree.
 *
 * The rule (stricter than a general URL parser, never looser):
 *   - ASCII only, no space or control character, no '?' or '#' (no query,
 *     no fragment);
 *   - the scheme http or https, in any case;
 *   - USER and PASSWORD percent-encoded (decoded here; a control character
 *     decoded is refused); the last '@' of the authority ends them;
 *   - HOST a name or IPv4 address of letters, digits, '-', '.', '_' and '~',
 *     or an IPv6 address in brackets (hex digits, ':' and '.');
 *   - PORT 1 to 65535 (5 digits at most); absent: 80 for http, 443 for https;
 *   - the path "", "/" or "/wallet/NAME", NAME percent-encoded and, decoded,
 *     following bs_rpc_wallet_name_valid (chain/rpc.h).
 */
#ifndef BS_CHAIN_NODE_URL_H
#define BS_CHAIN_NODE_URL_H

#include "util/status.h"

/* The parts of a node URL, each a malloc'ed string owned by the struct. */
typedef struct bs_node_url {
    char *base;     /* "scheme://host:port": scheme in lower case, port always given */
    char *path;     /* as written ("/wallet/a%2Db"), or "/" for "" */
    char *wallet;   /* the decoded wallet name; NULL: the node's root endpoint */
    char *user;     /* decoded; NULL: the URL has none */
    char *password; /* decoded; NULL: the URL has none */
} bs_node_url;

/* Read `url` by the rule above into *out. BS_OK; BS_INVALID when it breaks
 * the rule (or is NULL); BS_NOMEM. On failure *out is all NULL. Release
 * with bs_node_url_release() in every case. */
bs_status bs_node_url_parse(const char *url, bs_node_url *out);

/* Free the parts and zero the struct. NULL is a no-op. */
void bs_node_url_release(bs_node_url *u);

#endif
