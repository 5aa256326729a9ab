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

/* The same with `args` of its own (as bs_test_run: they must make `bitslot`
 * serve), for a test of how serve is started. */
void bs_test_server_start_with(bs_test_server *s, const char *const *args, const char *const *env);

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

/* The same with more header lines ("Name: value", NULL-ended; may be
 * NULL). When `must_answer` is false, a server that closes the connection
 * without answering (killed at a failpoint) gives status 0 instead of
 * aborting the test. */
bs_test_response bs_test_http_with(const bs_test_server *s, const char *method, const char *path,
                                   const char *api_key, const char *body,
                                   const char *const *headers, bool must_answer);

/* The same as bs_test_http from the local address `from` ("127.0.0.7":
 * the server counts registrations and logins per client address). */
bs_test_response bs_test_http_from(const bs_test_server *s, const char *from, const char *method,
                                   const char *path, const char *api_key, const char *body);

/* METHOD base+path with a body of body_len bytes of type `content_type`
 * (a form as a browser sends it) and the header lines `headers` ("Name:
 * value", NULL-ended; may be NULL: a Cookie, say). Aborts the test when the
 * server does not answer. */
bs_test_response bs_test_http_body(const bs_test_server *s, const char *method, const char *path,
                                   const char *content_type, const char *body, size_t body_len,
                                   const char *const *headers);

/* POST a multipart/form-data form to base+path, as `curl -F` sends it:
 * text fields from `fields` (name, value, name, value..., NULL-ended) and,
 * when `file_field` is not NULL, the file at `file_path` under that name. */
bs_test_response bs_test_http_form(const bs_test_server *s, const char *path, const char *api_key,
                                   const char *const *fields, const char *file_field,
                                   const char *file_path);

/* GET base+path with the header lines `headers` ("Name: value", a
 * NULL-terminated list, or NULL). */
bs_test_response bs_test_get(const bs_test_server *s, const char *path, const char *const *headers);

/* The value of the sample `sample` (its name and labels exactly as
 * written, e.g. "bitslot_store_reads_total") on the server's /metrics; -1
 * when it is not there. */
long long bs_test_metric(const bs_test_server *s, const char *sample);

/* The server's port. */
int bs_test_server_port(const bs_test_server *s);
/* Print to stderr whether the server still runs and the end of its
 * stderr: for a test to say why an answer was not the one it wanted. */
void bs_test_server_said(const bs_test_server *s);

/* The value of header `name` (lower case) in r->headers, copied into out;
 * false when absent. */
bool bs_test_response_header(const bs_test_response *r, const char *name, char *out, size_t size);

void bs_test_response_release(bs_test_response *r);

/* A store made by `bitslot init` in the test's directory, and a server on
 * it: what most web tests start from. */
typedef struct bs_test_site {
    char url[4200];
    bs_test_server server;
} bs_test_site;

/* Make the store `name` (under bs_test_tmpdir()) and start a server on it
 * with `env` (may be NULL). */
void bs_test_site_open(bs_test_site *s, const char *name, const char *const *env);

/* Stop the server: it must exit 0 having said "bitslot: stopped"; its log
 * is returned (free it). */
char *bs_test_site_close(bs_test_site *s);

/* `bitslot dump` of the whole store (free it). */
char *bs_test_site_dump(const bs_test_site *s);

/* Run `bitslot --store URL ARGS...`; it must exit `want_exit`; its standard
 * output is returned (free it). */
char *bs_test_site_run(const bs_test_site *s, int want_exit, const char *const *args);

/* A request that must get `status` and exactly `answer`. */
void bs_test_expect(const bs_test_site *s, const char *method, const char *path, const char *key,
                    const char *body, long status, const char *answer);

/* The same, and the store is byte for byte as it was. */
void bs_test_refused(const bs_test_site *s, const char *method, const char *path, const char *key,
                     const char *body, long status, const char *answer);

/* Register `name` over the API; its API key into key[65]. */
void bs_test_register(const bs_test_site *s, const char *name, char *key);

/* A PNG of width x height pixels at `path` (libgd). */
void bs_test_write_png(const char *path, int width, int height);

#endif
