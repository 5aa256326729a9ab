/*
 * routes.h — the route table of `bitslot serve`: method, path pattern and
 * the work that answers it. One table, so that the OpenAPI document and the
 * server can be checked to list the same routes.
 *
 * A pattern is a path whose segments are literal or "{name}"; a "{name}"
 * segment matches one non-empty segment of at most BS_WEB_PARAM_MAX - 1
 * bytes, captured in order. Matching is exact: no trailing slash, no
 * prefix.
 */
#ifndef BS_WEB_ROUTES_H
#define BS_WEB_ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "web/call.h"

typedef struct bs_web_live bs_web_live; /* web/live.h */

/* A route answered on the loop, from memory (web/live.h): it must not
 * block. */
typedef void (*bs_web_on_loop)(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX],
                               size_t nparams);

typedef struct bs_web_route {
    const char *method;  /* "GET", "POST" */
    const char *pattern; /* "/api/v1/campaigns/{owner}/{index}" */
    bs_web_work work;    /* runs on a worker; or NULL, and: */
    bs_web_on_loop on_loop;
    /* A worker route's query parameters (NULL-ended), or NULL for none: a
     * query parameter of another name is refused (400) before the work
     * runs. Routes answered on the loop take any query (an embed's URL may
     * carry a publisher's cache-buster). */
    const char *const *query;
    /* An HTML page (web/page.h): its refusals are pages too. */
    bool page;
} bs_web_route;

/* The table, ended by a route with a NULL method. */
extern const bs_web_route bs_web_routes[];

/* The route for `method` and `path` (without the query), its parameters
 * in params[0..*nparams). NULL when none: then *path_known says whether
 * some route has that path with another method (405, else 404). */
const bs_web_route *bs_web_route_find(const char *method, size_t method_len, const char *path,
                                      size_t path_len, char params[][BS_WEB_PARAM_MAX],
                                      size_t *nparams, bool *path_known);

/* Does some route answer GET on `path`? */
bool bs_web_route_gettable(const char *path, size_t path_len);

/* The methods the routes of `path` take, "GET, HEAD, POST" (HEAD with
 * every GET), into out[size]: the Allow header of a 405. */
void bs_web_route_allowed(const char *path, size_t path_len, char *out, size_t size);

#endif
