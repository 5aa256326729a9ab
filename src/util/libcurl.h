/*
 * libcurl.h — libcurl (libcurl.so.4), opened when a command first talks
 * HTTP: to the bitcoin node (chain/rpc.c) or to etcd (store/store_etcd.c).
 * Commands on LMDB without a node never load it, nor the ~30 libraries it
 * pulls in (TLS, Kerberos, LDAP, SSH, IDN...).
 *
 * Call through the table: curl->easy_init() for curl_easy_init(). The
 * members drop the "curl_" prefix, so that curl.h's type-checking macros
 * (curl_easy_setopt(h, opt, value) under GCC) do not expand over them; the
 * arguments are the same, the types are curl.h's own (__typeof__).
 *
 * Invariants:
 *   - The library is opened, and curl_global_init() run, once per process
 *     (pthread_once); never cleaned up. Every user of libcurl in bitslot
 *     shares this one table.
 *   - Thread-safe: the table is written before bs_libcurl_load() first
 *     returns it and never after.
 */
#ifndef BS_LIBCURL_H
#define BS_LIBCURL_H

#include <curl/curl.h>

#include "util/status.h"

/* The functions bitslot calls, without their "curl_" prefix. */
#define BS_LIBCURL_FUNCTIONS(X)                                                                    \
    X(global_init)                                                                                 \
    X(easy_init)                                                                                   \
    X(easy_cleanup)                                                                                \
    X(easy_setopt)                                                                                 \
    X(easy_perform)                                                                                \
    X(easy_getinfo)                                                                                \
    X(easy_strerror)                                                                               \
    X(easy_escape)                                                                                 \
    X(easy_unescape)                                                                               \
    X(free)                                                                                        \
    X(slist_append)                                                                                \
    X(slist_free_all)                                                                              \
    X(url)                                                                                         \
    X(url_cleanup)                                                                                 \
    X(url_get)                                                                                     \
    X(url_set)

/* The table: each member is the function of its name, typed by curl.h
 * (__typeof__); `addr` is the same pointers as bs_dynlib_open() fills them
 * (POSIX: a function pointer has a data pointer's representation). */
typedef union bs_libcurl {
    struct {
#define BS__LIBCURL_MEMBER(name) __typeof__(curl_##name) *name;
        BS_LIBCURL_FUNCTIONS(BS__LIBCURL_MEMBER)
#undef BS__LIBCURL_MEMBER
    };
#define BS__LIBCURL_ONE(name) +1
    void *addr[0 BS_LIBCURL_FUNCTIONS(BS__LIBCURL_ONE)];
#undef BS__LIBCURL_ONE
} bs_libcurl;

/* libcurl's table, opening the library (and initialising it) on the first
 * call. BS_OK with *out set; BS_UNAVAILABLE with *out NULL when the library
 * cannot be loaded or initialised (bs_dynlib_failure() says why, when it
 * could not be loaded). */
bs_status bs_libcurl_load(const bs_libcurl **out);

#endif
