/*
 * listen.c — the --listen address, read without the server (see listen.h).
 */
#include "web/listen.h"

#include <stdlib.h>
#include <string.h>

#include "util/text.h"

bool
bs_web_listen_split(const char *listen, char *host, size_t host_size, char *port, size_t port_size)
{
    const char *colon, *h = listen;
    size_t hlen, plen;

    if (listen[0] == '[') {
        const char *close = strchr(listen, ']');
        if (close == NULL || close[1] != ':')
            return false;
        h = listen + 1;
        hlen = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = strchr(listen, ':');
        if (colon == NULL || strchr(colon + 1, ':') != NULL)
            return false;
        hlen = (size_t)(colon - listen);
    }
    plen = strlen(colon + 1);
    if (hlen == 0 || hlen >= host_size || plen >= port_size || plen > 5 ||
        !bs_text_decimal(colon + 1, plen) || strtol(colon + 1, NULL, 10) > 65535)
        return false;
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    memcpy(port, colon + 1, plen + 1);
    return true;
}

bool
bs_web_listen_valid(const char *listen)
{
    char host[256], port[8];

    return bs_web_listen_split(listen, host, sizeof(host), port, sizeof(port));
}
