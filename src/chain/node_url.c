/*
 * node_url.c — reads the node's URL by the rule in node_url.h.
 *
 * One pass per part, left to right: the whole text (characters, no query or
 * fragment) -> scheme -> authority up to the first '/' -> userinfo up to its
 * last '@' -> host and port -> path. Each part is checked before anything is
 * allocated for it; decoding happens last, into new strings.
 */
#include "chain/node_url.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "chain/rpc.h"
#include "util/text.h"

#define HOST_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
#define V6_CHARS   "0123456789abcdefABCDEF:."

/* s[0..n) percent-decoded into a new string *out. BS_INVALID for a '%' not
 * followed by two hex digits, or a control character once decoded (a NUL
 * among them). */
static bs_status
decode(const char *s, size_t n, char **out)
{
    char *d = malloc(n + 1);
    size_t k = 0;

    *out = NULL;
    if (d == NULL)
        return BS_NOMEM;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == '%') {
            int hi = i + 2 < n ? bs_text_hex_value(s[i + 1]) : -1;
            int lo = hi >= 0 ? bs_text_hex_value(s[i + 2]) : -1;

            if (lo < 0) {
                free(d);
                return BS_INVALID;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if (c < 0x20 || c == 0x7f) {
            free(d);
            return BS_INVALID;
        }
        d[k++] = (char)c;
    }
    d[k] = '\0';
    *out = d;
    return BS_OK;
}

/* Printable ASCII but space, with no query or fragment. */
static bool
plain_text(const char *url)
{
    for (const char *p = url; *p != '\0'; p++)
        if (*p <= 0x20 || *p >= 0x7f || *p == '?' || *p == '#')
            return false;
    return true;
}

/* host[0..n) as the rule has it: a name or IPv4 address, or [IPv6]. */
static bool
host_valid(const char *host, size_t n)
{
    if (n >= 2 && host[0] == '[')
        return host[n - 1] == ']' && n > 2 && strspn(host + 1, V6_CHARS) == n - 2;
    return n > 0 && strspn(host, HOST_CHARS) >= n;
}

/* The port's text p[0..n): 1 to 5 digits, 1 to 65535. */
static bool
port_valid(const char *p, size_t n, long *port)
{
    *port = 0;
    if (n == 0 || n > 5)
        return false;
    for (size_t i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        *port = *port * 10 + (p[i] - '0');
    }
    return *port >= 1 && *port <= 65535;
}

/* The wallet of path[0..n): NULL for "" and "/", else "/wallet/NAME" with
 * NAME decoded and by the wallet rule. */
static bs_status
parse_path(const char *path, size_t n, char **wallet)
{
    static const char prefix[] = "/wallet/";
    const size_t plen = sizeof(prefix) - 1;
    bs_status st;

    *wallet = NULL;
    if (n == 0 || (n == 1 && path[0] == '/'))
        return BS_OK;
    if (n <= plen || strncmp(path, prefix, plen) != 0 || memchr(path + plen, '/', n - plen))
        return BS_INVALID;
    st = decode(path + plen, n - plen, wallet);
    if (st == BS_OK && !bs_rpc_wallet_name_valid(*wallet)) {
        free(*wallet);
        *wallet = NULL;
        st = BS_INVALID;
    }
    return st;
}

bs_status
bs_node_url_parse(const char *url, bs_node_url *out)
{
    const char *scheme_end, *authority, *path, *at, *host, *colon = NULL;
    size_t host_len, base_size;
    bool https;
    long port;
    bs_status st;

    memset(out, 0, sizeof(*out));
    if (url == NULL || !plain_text(url) || (scheme_end = strstr(url, "://")) == NULL)
        return BS_INVALID;
    if (scheme_end - url == 4 && strncasecmp(url, "http", 4) == 0)
        https = false;
    else if (scheme_end - url == 5 && strncasecmp(url, "https", 5) == 0)
        https = true;
    else
        return BS_INVALID;
    authority = scheme_end + 3;
    path = authority + strcspn(authority, "/");
    at = NULL;
    for (const char *p = authority; p < path; p++)
        if (*p == '@')
            at = p;
    host = at != NULL ? at + 1 : authority;
    /* The port's colon: the last one, after the brackets of an IPv6 host. */
    for (const char *p = host[0] == '[' ? memchr(host, ']', (size_t)(path - host)) : host;
         p != NULL && p < path; p++)
        if (*p == ':')
            colon = p;
    host_len = (size_t)((colon != NULL ? colon : path) - host);
    if (!host_valid(host, host_len))
        return BS_INVALID;
    if (colon == NULL)
        port = https ? 443 : 80;
    else if (!port_valid(colon + 1, (size_t)(path - colon - 1), &port))
        return BS_INVALID;

    base_size = strlen("https://") + host_len + 7;
    out->base = malloc(base_size);
    if (out->base == NULL) {
        st = BS_NOMEM;
        goto fail;
    }
    snprintf(out->base, base_size, "%s://%.*s:%ld", https ? "https" : "http", (int)host_len, host,
             port);
    st = parse_path(path, strlen(path), &out->wallet);
    if (st == BS_OK && (out->path = strdup(path[0] != '\0' ? path : "/")) == NULL)
        st = BS_NOMEM;
    if (st != BS_OK || at == NULL)
        goto done;
    {
        const char *sep = memchr(authority, ':', (size_t)(at - authority));
        size_t user_len = (size_t)((sep != NULL ? sep : at) - authority);

        st = decode(authority, user_len, &out->user);
        if (st == BS_OK && sep != NULL)
            st = decode(sep + 1, (size_t)(at - sep - 1), &out->password);
    }
done:
    if (st == BS_OK)
        return BS_OK;
fail:
    bs_node_url_release(out);
    return st;
}

void
bs_node_url_release(bs_node_url *u)
{
    if (u == NULL)
        return;
    free(u->base);
    free(u->path);
    free(u->wallet);
    free(u->user);
    free(u->password);
    memset(u, 0, sizeof(*u));
}
