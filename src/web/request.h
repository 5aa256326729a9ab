/*
 * request.h — the parts of an HTTP request that bitslot reads itself, read
 * from bytes alone (no h2o, no store): the route pattern a path matches,
 * the API key of an Authorization header, a session cookie of a Cookie
 * header, and a JSON body as an object of known fields. h2o has already
 * split the request line and the headers; everything here is the client's
 * to choose, byte for byte, so fuzz/fuzz_request.c feeds it all.
 *
 * Invariants:
 *   - Every function reads at most the bytes it is given and writes at
 *     most its out-parameters' sizes; none keeps a pointer.
 *   - What comes out is checked: a captured path segment is 1..
 *     BS_WEB_PARAM_MAX - 1 bytes without '/' or NUL; an API key or a cookie value
 *     is exactly 64 lowercase hex characters, else nothing is given.
 *   - A refused JSON body leaves no object and a human sentence that
 *     quotes back a field name only when it is short, clean UTF-8.
 */
#ifndef BS_WEB_REQUEST_H
#define BS_WEB_REQUEST_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define BS_WEB_PARAMS_MAX     3   /* {...} segments of a route pattern */
#define BS_WEB_PARAM_MAX      128 /* bytes of one, with its NUL */
#define BS_WEB_HEX_SECRET_LEN 64  /* an API key, a session id: lowercase hex */

/* Does `pattern` ("/api/v1/campaigns/{owner}/{index}") match path[0..len)
 * exactly (no trailing slash, no prefix)? Its {...} segments captured in
 * order into params[0..*nparams). */
bool bs_web_request_path_match(const char *pattern, const char *path, size_t len,
                               char params[][BS_WEB_PARAM_MAX], size_t *nparams);

/* The key of an Authorization header value[0..len) that is "Bearer KEY"
 * (the scheme in any case, one space, KEY 64 lowercase hex) into key[65];
 * false (key "") for anything else. */
bool bs_web_request_bearer(const char *value, size_t len, char key[BS_WEB_HEX_SECRET_LEN + 1]);

/* The value of cookie `name` in the Cookie header `header` (NUL-ended, may
 * be NULL) when it is 64 lowercase hex, into out[65]; false otherwise (the
 * first such cookie of that name wins). */
bool bs_web_request_cookie(const char *header, const char *name,
                           char out[BS_WEB_HEX_SECRET_LEN + 1]);

/* Is `content_type` (may be NULL) application/json, with or without
 * parameters? */
bool bs_web_request_is_json(const char *content_type);

/* Why a JSON body was refused: the HTTP status, a code and a sentence. */
typedef struct bs_web_request_error {
    int http;
    const char *code; /* static */
    char message[512];
} bs_web_request_error;

/* body[0..len) as a JSON object whose keys are all in `known` (NULL-ended)
 * and each given once: the object (the caller's, json_decref it), or NULL
 * with *err set (400 "bad_json" or "unknown_field"). */
json_t *bs_web_request_json_object(const char *body, size_t len, const char *const *known,
                                   bs_web_request_error *err);

/* "a", "b" and "c" of a NULL-ended list (NULL: none), into out[size], for
 * messages that name what is known. */
void bs_web_request_list_names(const char *const *names, char *out, size_t size);

#endif
