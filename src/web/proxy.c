/*
 * proxy.c — see proxy.h.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "web/proxy.h"

/* text[0..len) as an IPv4 or IPv6 address in inet_ntop's spelling; an
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d) as the IPv4 address it maps. */
static bool
canonical(const char *text, size_t len, char out[BS_WEB_ADDRESS_MAX])
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
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
    if (inet_pton(family, copy, bin) != 1)
        return false;
    if (family == AF_INET6 && memcmp(bin, mapped, sizeof(mapped)) == 0)
        return inet_ntop(AF_INET, bin + sizeof(mapped), out, BS_WEB_ADDRESS_MAX) != NULL;
    return inet_ntop(family, bin, out, BS_WEB_ADDRESS_MAX) != NULL;
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
