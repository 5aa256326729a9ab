/*
 * listen.h — the address `bitslot serve --listen` takes: HOST:PORT or
 * [V6]:PORT. Every command checks the setting (cli_config.c), so this is
 * apart from the server: the `bitslot` program, which links no server,
 * reads it too.
 */
#ifndef BS_WEB_LISTEN_H
#define BS_WEB_LISTEN_H

#include <stdbool.h>
#include <stddef.h>

/* Whether `listen` is an address bs_web_serve can read: HOST:PORT or
 * [V6]:PORT, the port 0 to 65535 in one spelling. Whether the host is this
 * machine's is learnt only when serving. */
#define BS_WEB_LISTEN_RULE "HOST:PORT, e.g. 127.0.0.1:8080"
bool bs_web_listen_valid(const char *listen);

/* `listen` split into host (without the brackets of a V6 address) and port,
 * each NUL-terminated in the caller's buffers; false, with the buffers
 * undefined, when it is not such an address or a part does not fit. */
bool bs_web_listen_split(const char *listen, char *host, size_t host_size, char *port,
                         size_t port_size);

#endif
