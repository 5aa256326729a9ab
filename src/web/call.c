/*
 * call.c — see call.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netdb.h>

#include "web/call.h"
#include "web/form.h"

/* Lives in the request's pool; h2o disposes of it with the request. */
struct call_anchor {
    bs_web_call *call; /* NULL once the call was answered */
};

static const char *
reason_phrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 303:
        return "See Other";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 402:
        return "Payment Required";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Payload Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Entity";
    case 423:
        return "Locked";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    case 507:
        return "Insufficient Storage";
    default:
        return "Internal Server Error";
    }
}

/* Only this server's script, style, images and frames (the embed's
 * preview on the sell page); no framing of our pages by anyone; forms post
 * only here. */
#define SAFETY_CSP                                                                                 \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "                    \
    "connect-src 'self'; frame-src 'self'; form-action 'self'; base-uri 'none'; "                  \
    "frame-ancestors 'none'"

void
bs_web_safety_headers(h2o_req_t *req)
{
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("content-security-policy"), 0,
                          NULL, H2O_STRLIT(SAFETY_CSP));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-content-type-options"), 0,
                          NULL, H2O_STRLIT("nosniff"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("referrer-policy"), 0, NULL,
                          H2O_STRLIT("same-origin"));
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-frame-options"), 0, NULL,
                          H2O_STRLIT("DENY"));
}

static void
send_body(h2o_req_t *req, int status, json_t *body)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT | JSON_ENSURE_ASCII) : NULL;
    size_t len;

    if (text == NULL) {
        status = 500;
        text = strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}");
    }
    len = text != NULL ? strlen(text) : 0;
    req->res.status = status;
    req->res.reason = reason_phrase(status);
    bs_web_safety_headers(req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("application/json"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    /* h2o_send_inline copies the body into the request's pool. */
    h2o_send_inline(req, text != NULL ? text : "", len);
    free(text);
    json_decref(body);
}

static json_t *
error_body(const char *code, const char *message)
{
    return json_pack("{s:{s:s, s:s}}", "error", "code", code, "message", message);
}

void
bs_web_send_json(h2o_req_t *req, int status, json_t *body)
{
    send_body(req, status, body);
}

void
bs_web_send_error(h2o_req_t *req, int status, const char *code, const char *message)
{
    send_body(req, status, error_body(code, message));
}

/* Forget an answer set before (a page, a redirect or JSON). */
static void
clear_answer(bs_web_call *call)
{
    json_decref(call->answer);
    call->answer = NULL;
    free(call->page);
    call->page = NULL;
    free(call->location);
    call->location = NULL;
}

void
bs_web_call_json(bs_web_call *call, int status, json_t *body)
{
    clear_answer(call);
    call->status = status;
    call->answer = body;
}

void
bs_web_call_page(bs_web_call *call, int status, char *html, size_t len)
{
    clear_answer(call);
    call->status = status;
    call->page = html;
    call->page_len = len;
}

void
bs_web_call_redirect(bs_web_call *call, const char *location)
{
    clear_answer(call);
    call->status = 303;
    call->location = strdup(location);
}

bool
bs_web_call_set_cookie(bs_web_call *call, const char *value)
{
    if (call->ncookies == BS_WEB_COOKIES_MAX ||
        (call->set_cookie[call->ncookies] = strdup(value)) == NULL)
        return false;
    call->ncookies++;
    return true;
}

void
bs_web_call_error(bs_web_call *call, int status, const char *code, const char *fmt, ...)
{
    char message[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    bs_web_call_json(call, status, error_body(code, message));
}

static void
call_free(bs_web_call *call)
{
    clear_answer(call);
    for (size_t i = 0; i < call->ncookies; i++)
        free(call->set_cookie[i]);
    free(call->cookie);
    free(call->host);
    free(call->path);
    free(call->query);
    free(call->body);
    free(call->content_type);
    free(call->idempotency_key);
    free(call);
}

/* The request is gone (answered, or its client went away). */
static void
on_request_gone(void *p)
{
    call_anchor *anchor = p;

    if (anchor->call != NULL)
        anchor->call->req = NULL;
}

/* The index of the header `token` (or, when NULL, `name`) after index
 * `after` (-1: the first), or -1. */
static ssize_t
next_header(h2o_req_t *req, const h2o_token_t *token, const char *name, ssize_t after)
{
    return token != NULL ? h2o_find_header(&req->headers, token, after)
                         : h2o_find_header_by_str(&req->headers, name, strlen(name), after);
}

/* Every value of a header, in order, joined by `sep` (HTTP reads a header
 * sent twice as one list: "a, b"; a Cookie header sent twice, as RFC 6265
 * and HTTP/2 do, as "a; b"), or NULL when the request has none (*present
 * false) or memory ran out (*present true). A value that means one thing
 * (an Idempotency-Key, an API key) thus cannot be read from its first
 * copy alone: sent twice it is a list, and refused as malformed. */
static char *
copy_header(h2o_req_t *req, const h2o_token_t *token, const char *name, const char *sep,
            bool *present)
{
    size_t len = 0, seplen = strlen(sep), n = 0;
    ssize_t at = -1;
    char *out;

    while ((at = next_header(req, token, name, at)) >= 0)
        len += (n++ > 0 ? seplen : 0) + req->headers.entries[at].value.len;
    *present = n > 0;
    if (n == 0 || (out = malloc(len + 1)) == NULL)
        return NULL;
    len = 0;
    n = 0;
    while ((at = next_header(req, token, name, at)) >= 0) {
        if (n++ > 0) {
            memcpy(out + len, sep, seplen);
            len += seplen;
        }
        memcpy(out + len, req->headers.entries[at].value.base, req->headers.entries[at].value.len);
        len += req->headers.entries[at].value.len;
    }
    out[len] = '\0';
    return out;
}

/* "Bearer <key>": the key when it is one (64 lowercase hex), else ""
 * (two Authorization headers are a list, never a key). False when memory
 * ran out. */
static bool
copy_api_key(bs_web_call *call, h2o_req_t *req)
{
    char *value = copy_header(req, H2O_TOKEN_AUTHORIZATION, NULL, ", ", &call->has_authorization);

    call->api_key[0] = '\0';
    if (value == NULL)
        return !call->has_authorization;
    bs_web_request_bearer(value, strlen(value), call->api_key);
    free(value);
    return true;
}

/* The client's address as text ("" when h2o cannot say): the socket's
 * peer, or, when that is a trusted proxy, the address its last
 * X-Forwarded-For header ends with (web/proxy.h). */
static void
copy_peer(bs_web_call *call, h2o_req_t *req, const bs_web_proxies *proxies)
{
    struct sockaddr_storage ss;
    socklen_t len = req->conn->callbacks->get_peername != NULL
                        ? req->conn->callbacks->get_peername(req->conn, (struct sockaddr *)&ss)
                        : 0;
    char host[NI_MAXHOST];
    size_t n = len > 0 ? h2o_socket_getnumerichost((struct sockaddr *)&ss, len, host) : SIZE_MAX;

    ssize_t at = -1, next;
    const h2o_iovec_t *forwarded = NULL;

    call->peer[0] = '\0';
    if (n == SIZE_MAX || n >= sizeof(call->peer))
        return;
    host[n] = '\0';
    if (proxies->count > 0) {
        while ((next = h2o_find_header_by_str(&req->headers, H2O_STRLIT("x-forwarded-for"), at)) !=
               -1)
            at = next;
        if (at != -1)
            forwarded = &req->headers.entries[at].value;
    }
    bs_web_proxies_client(proxies, host, forwarded != NULL ? forwarded->base : NULL,
                          forwarded != NULL ? forwarded->len : 0, call->peer, sizeof(call->peer));
}

static char *
copy_bytes(const char *base, size_t len)
{
    char *out = malloc(len + 1);

    if (out != NULL) {
        memcpy(out, base, len);
        out[len] = '\0';
    }
    return out;
}

bs_web_call *
bs_web_call_new(h2o_req_t *req, const char *request_id, char params[][BS_WEB_PARAM_MAX],
                size_t nparams, const bs_web_proxies *proxies)
{
    bs_web_call *call = calloc(1, sizeof(*call));
    bool present;

    if (call == NULL)
        return NULL;
    call->req = req;
    snprintf(call->request_id, sizeof(call->request_id), "%s", request_id);
    for (size_t i = 0; i < nparams && i < BS_WEB_PARAMS_MAX; i++)
        memcpy(call->params[i], params[i], BS_WEB_PARAM_MAX);
    call->nparams = nparams;
    if (req->query_at != SIZE_MAX)
        call->query =
            copy_bytes(req->path.base + req->query_at + 1, req->path.len - req->query_at - 1);
    else
        call->query = copy_bytes("", 0);
    call->body = copy_bytes(req->entity.base != NULL ? req->entity.base : "", req->entity.len);
    call->body_len = req->entity.len;
    if (!copy_api_key(call, req))
        call->body = NULL;
    call->content_type = copy_header(req, H2O_TOKEN_CONTENT_TYPE, NULL, ", ", &present);
    if (present && call->content_type == NULL)
        call->body = NULL; /* out of memory: give up below */
    call->idempotency_key = copy_header(req, NULL, "idempotency-key", ", ", &present);
    if (present && call->idempotency_key == NULL)
        call->body = NULL;
    call->cookie = copy_header(req, H2O_TOKEN_COOKIE, NULL, "; ", &present);
    if (present && call->cookie == NULL)
        call->body = NULL;
    if (req->authority.len > 0 &&
        (call->host = copy_bytes(req->authority.base, req->authority.len)) == NULL)
        call->body = NULL;
    call->path =
        copy_bytes(req->path.base, req->query_at != SIZE_MAX ? req->query_at : req->path.len);
    if (call->path == NULL)
        call->body = NULL;
    copy_peer(call, req, proxies);
    if (call->query == NULL || call->body == NULL) {
        call_free(call);
        return NULL;
    }
    return call;
}

static bool
is_one_of(const char *const *names, const char *name)
{
    for (size_t i = 0; names != NULL && names[i] != NULL; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Does the query name only parameters the route reads? Else answers 400
 * (a misspelt parameter silently ignored would be a wrong answer). */
static bool
query_known(bs_web_call *call)
{
    bs_form_limits limits = {.body_max = BS_WEB_QUERY_MAX, .others = true, .other_max = 1024};
    char names[256];
    bs_form_error err;
    bs_form form;

    if (call->query[0] == '\0')
        return true;
    if (bs_form_parse_urlencoded(call->query, strlen(call->query), &limits, &form, &err) != BS_OK) {
        bs_web_call_error(call, 400, "bad_query", "the query string: %s", err.message);
        return false;
    }
    for (size_t i = 0; i < form.count; i++) {
        /* A page's link may carry what others add (utm_source=...): a
         * person's browser, not a program to be told of a misspelling. */
        if (is_one_of(call->query_names, form.fields[i].name) || call->as_page != NULL)
            continue;
        bs_web_request_list_names(call->query_names, names, sizeof(names));
        if (call->query_names == NULL)
            bs_web_call_error(call, 400, "unknown_parameter",
                              "unknown query parameter \"%s\" (this path takes none)",
                              form.fields[i].name);
        else
            bs_web_call_error(call, 400, "unknown_parameter",
                              "unknown query parameter \"%s\" (known: %s)", form.fields[i].name,
                              names);
        bs_form_release(&form);
        return false;
    }
    bs_form_release(&form);
    return true;
}

static void
run_call(bs_web_job *job, bs_ctx *ctx)
{
    bs_web_call *call = H2O_STRUCT_FROM_MEMBER(bs_web_call, job, job);

    if (query_known(call))
        call->work(call, ctx);
    if (call->answer == NULL && call->page == NULL && call->location == NULL)
        bs_web_call_error(call, 500, "internal", "the server could not answer");
    if (call->answer != NULL && call->as_page != NULL)
        call->as_page(call, ctx);
}

/* A page or a redirect, with the cookies the work set. */
static void
send_page(bs_web_call *call)
{
    h2o_req_t *req = call->req;

    req->res.status = call->status;
    req->res.reason = reason_phrase(call->status);
    bs_web_safety_headers(req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    for (size_t i = 0; i < call->ncookies; i++)
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_SET_COOKIE, NULL,
                       h2o_strdup(&req->pool, call->set_cookie[i], SIZE_MAX).base,
                       strlen(call->set_cookie[i]));
    if (call->location != NULL) {
        h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_LOCATION, NULL,
                       h2o_strdup(&req->pool, call->location, SIZE_MAX).base,
                       strlen(call->location));
        h2o_send_inline(req, "", 0);
        return;
    }
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/html; charset=utf-8"));
    h2o_send_inline(req, call->page, call->page_len);
}

static void
answer_call(bs_web_job *job)
{
    bs_web_call *call = H2O_STRUCT_FROM_MEMBER(bs_web_call, job, job);

    if (call->req != NULL) {
        call->anchor->call = NULL;
        if (call->page != NULL || call->location != NULL)
            send_page(call);
        else
            send_body(call->req, call->status, call->answer);
        call->answer = NULL;
    }
    call_free(call);
}

void
bs_web_call_submit(bs_web_call *call, bs_web_pool *pool, h2o_multithread_receiver_t *back)
{
    call->anchor = h2o_mem_alloc_shared(&call->req->pool, sizeof(*call->anchor), on_request_gone);
    call->anchor->call = call;
    call->job.work = run_call;
    call->job.done = answer_call;
    call->job.back = back;
    bs_web_pool_submit(pool, &call->job);
}
