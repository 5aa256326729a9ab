/*
 * call.h — one HTTP request on its way through `bitslot serve`: what the
 * loop copied out of it, the work a worker does for it, and the answer.
 *
 * A request's memory is h2o's and goes when the client goes, on the loop;
 * a worker never touches it. So the loop copies what the work needs (route
 * parameters, query, body, the API key) into the call, the worker fills in
 * the answer, and the loop sends it — unless the client went away meanwhile
 * (then the answer is dropped; the work itself was done, as it would have
 * been had the answer been lost on the network).
 *
 * Invariants:
 *   - A call is answered exactly once: with a page (bs_web_call_page), a
 *     redirect (bs_web_call_redirect), or a JSON body: either what
 *     bs_web_call_json set, or {"error":{"code","message"}}.
 *   - Every answer but the embed's (web/embed.h) carries the safety
 *     headers: a Content-Security-Policy that allows only this server's
 *     script, style and images and no framing, nosniff, Referrer-Policy.
 *   - Every answer carries the request's id (header X-Request-Id), which the
 *     log line of the request shows too.
 */
#ifndef BS_WEB_CALL_H
#define BS_WEB_CALL_H

#include <h2o.h>
#include <jansson.h>
#include <stdbool.h>

#include "core/ctx.h"
#include "model/names.h"
#include "web/pool.h"
#include "web/proxy.h"
#include "web/request.h"

#define BS_WEB_REQUEST_ID_LEN 16
#define BS_WEB_QUERY_MAX      8192 /* bytes of a query string */
#define BS_WEB_COOKIES_MAX    2    /* Set-Cookie headers of one answer */
#define BS_WEB_PEER_MAX       64   /* the client's address as text */

typedef struct bs_web_call bs_web_call;
typedef void (*bs_web_work)(bs_web_call *call, bs_ctx *ctx);

typedef struct call_anchor call_anchor;

struct bs_web_call {
    bs_web_job job;
    h2o_req_t *req;                 /* NULL once the client went away (loop only) */
    call_anchor *anchor;            /* in the request's pool: tells us when it goes */
    bs_web_work work;               /* the route's work, on a worker */
    const char *const *query_names; /* the route's query parameters (NULL: none) */
    /* Copied from the request on the loop: */
    char request_id[BS_WEB_REQUEST_ID_LEN + 1];
    char params[BS_WEB_PARAMS_MAX][BS_WEB_PARAM_MAX]; /* the route's {...} parts */
    size_t nparams;
    char *query; /* after '?', or "" */
    char *body;  /* the request body, NUL-terminated */
    size_t body_len;
    char api_key[65]; /* from "Authorization: Bearer ...", or "" (none or malformed) */
    bool has_authorization;
    char *content_type;    /* the Content-Type header, or NULL */
    char *idempotency_key; /* the Idempotency-Key header, or NULL */
    char *cookie;          /* the Cookie header, or NULL */
    char *host;            /* the Host header, or NULL */
    char *path;            /* the path, without the query */
    /* A page's route: turns a JSON error into a page (web/page.h). */
    void (*as_page)(bs_web_call *call, bs_ctx *ctx);
    /* the client's address ("127.0.0.1"; behind a trusted proxy, from its
     * X-Forwarded-For: web/proxy.h), or "" */
    char peer[BS_WEB_PEER_MAX];
    /* The answer, set by the work: */
    int status;
    json_t *answer; /* owned; or, for a page: */
    char *page;     /* owned HTML, page_len bytes */
    size_t page_len;
    char *location;                       /* owned: a redirect's target (303) */
    char *set_cookie[BS_WEB_COOKIES_MAX]; /* owned Set-Cookie values */
    size_t ncookies;
};

/* Copy what a call needs from `req` (the route's parameters already split
 * into params by the router; the client learnt as `proxies` say); NULL when
 * out of memory. */
bs_web_call *bs_web_call_new(h2o_req_t *req, const char *request_id,
                             char params[][BS_WEB_PARAM_MAX], size_t nparams,
                             const bs_web_proxies *proxies);

/* Run call->work on the pool, then answer on this loop. `back` is the
 * loop's receiver. Takes the call. */
void bs_web_call_submit(bs_web_call *call, bs_web_pool *pool, h2o_multithread_receiver_t *back);

/* Set the answer: `status` with `body` (taken), or the error body
 * {"error":{"code": code, "message": message}}. */
void bs_web_call_json(bs_web_call *call, int status, json_t *body);
void bs_web_call_error(bs_web_call *call, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Answer with the HTML page `html` (taken, len bytes), status `status`;
 * replaces an answer set before. */
void bs_web_call_page(bs_web_call *call, int status, char *html, size_t len);

/* Answer "303 See Other" to `location` (a path from the root). */
void bs_web_call_redirect(bs_web_call *call, const char *location);

/* Add a Set-Cookie header (`value` copied) to the answer; false when it
 * has BS_WEB_COOKIES_MAX already or memory ran out. */
bool bs_web_call_set_cookie(bs_web_call *call, const char *value);

/* Add the safety headers every answer but the embed carries (see above). */
void bs_web_safety_headers(h2o_req_t *req);

/* Answer `req` on the loop at once (no worker): JSON, or a JSON error. */
void bs_web_send_json(h2o_req_t *req, int status, json_t *body);
void bs_web_send_error(h2o_req_t *req, int status, const char *code, const char *message);

#endif
