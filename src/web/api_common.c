/*
 * api_common.c — see api.h: what every route of the API shares (the key,
 * the body, refusals) and /healthz.
 */
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "util/clock.h"
#include "core/accounts.h"
#include "core/docs.h"
#include "core/purchase_once.h"
#include "core/words.h"
#include "util/text.h"
#include "web/api.h"
#include "web/form.h"

void
bs_api_said(bs_web_call *call, const bs_said *said)
{
    json_t *error = json_pack("{s:s, s:s}", "code", said->code, "message", said->text);

    if (error != NULL && said->slot >= 0 &&
        (json_object_set_new(error, "slot", json_integer(said->slot)) != 0 ||
         json_object_set_new(error, "price", json_integer(said->price)) != 0)) {
        json_decref(error);
        error = NULL;
    }
    bs_web_call_json(call, said->http, error != NULL ? json_pack("{s:o}", "error", error) : NULL);
}

bool
bs_api_authenticate(bs_web_call *call, bs_ctx *ctx, bs_name canon)
{
    bs_status st;
    bs_said said;

    if (!call->has_authorization) {
        bs_web_call_error(call, 401, "no_api_key",
                          "this needs your API key: send \"Authorization: Bearer <api key>\"");
        return false;
    }
    st = call->api_key[0] != '\0' ? bs_accounts_authenticate(ctx, call->api_key, canon) : BS_AUTH;
    if (st == BS_AUTH) {
        bs_web_call_error(call, 401, "bad_api_key",
                          "that API key is not one of this service's (\"Authorization: Bearer\" "
                          "and the 64 characters account creation gave)");
        return false;
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot check the API key", &said);
        bs_api_said(call, &said);
        return false;
    }
    return true;
}

json_t *
bs_api_body_object(bs_web_call *call, const char *const *known)
{
    bs_web_request_error err;
    json_t *body;

    /* JSON only: a form or text/plain body is what a page on any other
     * site can make a browser send (cross-site requests without a
     * preflight), so it is refused before it is read. */
    if (!bs_web_request_is_json(call->content_type)) {
        bs_web_call_error(call, 415, "bad_content_type",
                          "the body must be JSON, sent with \"Content-Type: application/json\"");
        return NULL;
    }
    body = bs_web_request_json_object(call->body, call->body_len, known, &err);
    if (body == NULL)
        bs_web_call_error(call, err.http, err.code, "%s", err.message);
    return body;
}

bool
bs_api_int_field(bs_web_call *call, json_t *body, const char *name, bool required, int64_t min,
                 int64_t max, const char *rule, int64_t *out)
{
    json_t *v = json_object_get(body, name);

    if (v == NULL && !required)
        return true;
    if (v == NULL || !json_is_integer(v) || json_integer_value(v) < min ||
        json_integer_value(v) > max) {
        bs_web_call_error(call, 400, v == NULL ? "missing_field" : "invalid_field",
                          "\"%s\" must be %s", name, rule);
        return false;
    }
    *out = json_integer_value(v);
    return true;
}

bool
bs_api_string_field(bs_web_call *call, json_t *body, const char *name, bool required,
                    const char **out)
{
    json_t *v = json_object_get(body, name);

    *out = NULL;
    if (v == NULL && !required)
        return true;
    if (v == NULL || !json_is_string(v) ||
        memchr(json_string_value(v), '\0', json_string_length(v)) != NULL) {
        bs_web_call_error(call, 400, v == NULL ? "missing_field" : "invalid_field",
                          "\"%s\" must be a string%s", name,
                          v != NULL && json_is_string(v) ? " without NUL characters" : "");
        return false;
    }
    *out = json_string_value(v);
    return true;
}

bool
bs_api_query(bs_web_call *call, const char *name, char *out, size_t size)
{
    bs_form_limits limits = {.body_max = BS_WEB_QUERY_MAX, .others = true, .other_max = 1024};
    const bs_form_field *f;
    bs_form_error err;
    bs_form form;

    out[0] = '\0';
    if (bs_form_parse_urlencoded(call->query, strlen(call->query), &limits, &form, &err) != BS_OK) {
        bs_web_call_error(call, 400, "bad_query", "the query string: %s", err.message);
        return false;
    }
    f = bs_form_get(&form, name);
    if (f != NULL && f->len == 0) { /* "?owner=": not "every owner" */
        bs_web_call_error(call, 400, "invalid_parameter",
                          "the query parameter \"%s\" is empty; leave it out, or give a value",
                          name);
        bs_form_release(&form);
        return false;
    }
    if (f != NULL && f->len >= size) {
        bs_web_call_error(call, 400, "invalid_parameter",
                          "the query parameter \"%s\" is longer than %zu bytes", name, size - 1);
        bs_form_release(&form);
        return false;
    }
    if (f != NULL)
        memcpy(out, f->value, f->len + 1);
    bs_form_release(&form);
    return true;
}

bool
bs_api_campaign_ref(bs_web_call *call, bs_ref *ref, char text[BS_REF_MAX])
{
    int n = snprintf(text, BS_REF_MAX, "%s/%s", call->params[0], call->params[1]);
    bs_said said;

    if (call->nparams < 2 || n < 0 || n >= BS_REF_MAX || bs_ref_parse(text, ref) != BS_OK) {
        bs_say_no_campaign(text, &said);
        bs_api_said(call, &said);
        return false;
    }
    return true;
}

bool
bs_api_need_node(bs_web_call *call, bs_ctx *ctx)
{
    bs_said said;

    if (ctx->node != NULL)
        return true;
    bs_say_no_node(&said);
    bs_api_said(call, &said);
    return false;
}

/* The node's health, asked by one worker at a time and remembered for
 * HEALTH_FRESH_SECONDS: a load balancer's probes must not each wait on a
 * node that hangs (every worker would, and the whole API with them). While
 * one probe waits, the others answer with the last answer, or "down" once
 * the probe has waited more than HEALTH_SLOW_SECONDS. */
#define HEALTH_FRESH_SECONDS 2
#define HEALTH_SLOW_SECONDS  2

static atomic_bool node_probing;
static _Atomic int64_t node_asked_at, node_answered_at; /* monotonic seconds */
static atomic_bool node_was_up;

static bool
node_up(bs_ctx *ctx)
{
    int64_t now = (bs_clock_monotonic_ms() / 1000), height;
    bs_rpc_error err = {0};
    bool expected = false, up;

    if (now - atomic_load(&node_answered_at) < HEALTH_FRESH_SECONDS ||
        !atomic_compare_exchange_strong(&node_probing, &expected, true))
        return atomic_load(&node_was_up) &&
               !(atomic_load(&node_probing) &&
                 now - atomic_load(&node_asked_at) > HEALTH_SLOW_SECONDS);
    atomic_store(&node_asked_at, now);
    up = bs_rpc_getblockcount(ctx->node, &height, &err) == BS_OK;
    atomic_store(&node_was_up, up);
    atomic_store(&node_answered_at, (bs_clock_monotonic_ms() / 1000));
    atomic_store(&node_probing, false);
    return up;
}

void
bs_api_health(bs_web_call *call, bs_ctx *ctx)
{
    bs_account operator;
    bs_status store = bs_docs_account(ctx, ctx->operator_name, &operator, NULL);
    const char *node = "none";
    bool down;

    if (store == BS_OK)
        bs_account_release(&operator);
    if (ctx->node != NULL)
        node = node_up(ctx) ? "ok" : "down";
    down = store != BS_OK || strcmp(node, "down") == 0;
    bs_web_call_json(
        call, down ? 503 : 200,
        json_pack("{s:s, s:s}", "store", store == BS_OK ? "ok" : "down", "node", node));
}

bool
bs_api_idempotency_key_valid(bs_web_call *call)
{
    const char *key = call->idempotency_key;

    if (key == NULL || bs_purchase_once_key_valid(key, strlen(key)))
        return true;
    bs_web_call_error(call, 400, "bad_idempotency_key",
                      "the Idempotency-Key must be 1 to %d visible ASCII characters (no spaces)",
                      BS_IDEMPOTENCY_KEY_MAX);
    return false;
}
