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
 *   - A call is answered exactly once, with a JSON body: either what
 *     bs_web_call_json set, or {"error":{"code","message"}}.
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

#define BS_WEB_PARAMS_MAX     3
#define BS_WEB_PARAM_MAX      128
#define BS_WEB_REQUEST_ID_LEN 16
#define BS_WEB_QUERY_MAX      8192 /* bytes of a query string */

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
    /* The answer, set by the work: */
    int status;
    json_t *answer; /* owned */
};

/* Copy what a call needs from `req` (the route's parameters already split
 * into params by the router); NULL when out of memory. */
bs_web_call *bs_web_call_new(h2o_req_t *req, const char *request_id,
                             char params[][BS_WEB_PARAM_MAX], size_t nparams);

/* Run call->work on the pool, then answer on this loop. `back` is the
 * loop's receiver. Takes the call. */
void bs_web_call_submit(bs_web_call *call, bs_web_pool *pool, h2o_multithread_receiver_t *back);

/* Set the answer: `status` with `body` (taken), or the error body
 * {"error":{"code": code, "message": message}}. */
void bs_web_call_json(bs_web_call *call, int status, json_t *body);
void bs_web_call_error(bs_web_call *call, int status, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* "a", "b" and "c" of a NULL-ended list (NULL: none), into out[size], for
 * messages that name what is known. */
void bs_web_list_names(const char *const *names, char *out, size_t size);

/* Answer `req` on the loop at once (no worker): JSON, or a JSON error. */
void bs_web_send_json(h2o_req_t *req, int status, json_t *body);
void bs_web_send_error(h2o_req_t *req, int status, const char *code, const char *message);

#endif
