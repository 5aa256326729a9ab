/*
 * webtest.h — a `bitslot serve` for a test, and HTTP requests to it over a
 * real socket (libcurl), as any client of the API would send them.
 */
#ifndef BS_WEBTEST_H
#define BS_WEBTEST_H

#include <stdbool.h>

#include "testutil.h"

typedef struct bs_test_server {
    bs_test_process process;
    char base[64]; /* "http://127.0.0.1:PORT" */
} bs_test_server;

/* Start `bitslot --store STORE serve --listen 127.0.0.1:0` with `env`
 * (may be NULL) and wait until it says where it listens. Aborts the test
 * when it does not within 20 s. */
void bs_test_server_start(bs_test_server *s, const char *store, const char *const *env);

/* SIGTERM, then its exit code and output. */
bs_test_output bs_test_server_stop(bs_test_server *s);

/* What came back. */
typedef struct bs_test_response {
    long status;
    char *body;    /* NUL-terminated; free with bs_test_response_release */
    char *headers; /* the raw header lines */
} bs_test_response;

/* METHOD base+path, with "Authorization: Bearer KEY" when api_key is not
 * NULL, and `body` (JSON) when not NULL. Aborts the test when the server
 * does not answer. */
bs_test_response bs_test_http(const bs_test_server *s, const char *method, const char *path,
                              const char *api_key, const char *body);

/* GET base+path with the header lines `headers` ("Name: value", a
 * NULL-terminated list, or NULL). */
bs_test_response bs_test_get(const bs_test_server *s, const char *path, const char *const *headers);

/* The value of the sample `sample` (its name and labels exactly as
 * written, e.g. "bitslot_store_reads_total") on the server's /metrics; -1
 * when it is not there. */
long long bs_test_metric(const bs_test_server *s, const char *sample);

/* The server's port. */
int bs_test_server_port(const bs_test_server *s);

/* The value of header `name` (lower case) in r->headers, copied into out;
 * false when absent. */
bool bs_test_response_header(const bs_test_response *r, const char *name, char *out, size_t size);

void bs_test_response_release(bs_test_response *r);

#endif
