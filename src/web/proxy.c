/*
 * proxy.c — see proxy.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "web/proxy.h"

/* text[0..len) as an IPv4 or IPv6 address in inet_ntop's spelling. */
static bool
canonical(const char *text, size_t len, char out[BS_WEB_ADDRESS_MAX])
{
    unsigned char bin[16];
    char copy[BS_WEB_ADDRESS_MAX];
    int family;

    while (len > 0 && (*text == ' ' || *text == '\t')) {
        text++;
        len--;
    }
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof(copy))
        return false;
    memcpy(copy, text, len);
    copy[len] = '\0';
    family = strchr(copy, ':') != NULL ? AF_INET6 : AF_INET;
    return inet_pton(family, copy, bin) == 1 &&
           inet_ntop(family, bin, out, BS_WEB_ADDRESS_MAX) != NULL;
}

bool
bs_web_proxies_parse(const char *text, bs_web_proxies *out)
{
    const char *p = text;

    out->count = 0;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma != NULL ? (size_t)(comma - p) : strlen(p);

        if (out->count == BS_WEB_PROXIES_MAX || !canonical(p, len, out->address[out->count]))
            return false;
        out->count++;
        if (comma == NULL)
            return true;
        p = comma + 1;
    }
}

void
bs_web_proxies_client(const bs_web_proxies *proxies, const char *peer, const char *forwarded,
                      size_t len, char *out, size_t size)
{
    char address[BS_WEB_ADDRESS_MAX];
    bool trusted = false;
    size_t last = len;

    snprintf(out, size, "%s", peer);
    if (forwarded == NULL || !canonical(peer, strlen(peer), address))
        return;
    for (size_t i = 0; i < proxies->count && !trusted; i++)
        trusted = strcmp(proxies->address[i], address) == 0;
    if (!trusted)
        return;
    while (last > 0 && forwarded[last - 1] != ',')
        last--;
    if (canonical(forwarded + last, len - last, address))
        snprintf(out, size, "%s", address);
}
