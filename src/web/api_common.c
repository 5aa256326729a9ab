/*
 * api_common.c — see api.h: what every route of the API shares (the key,
 * the body, refusals) and /healthz.
 */
#include <string.h>

#include "core/accounts.h"
#include "core/docs.h"
#include "core/words.h"
#include "web/api.h"

void
bs_api_said(bs_web_call *call, const bs_said *said)
{
    bs_web_call_error(call, said->http, said->code, "%s", said->text);
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
bs_api_body_object(bs_web_call *call)
{
    json_error_t error;
    json_t *body = json_loadb(call->body, call->body_len, JSON_REJECT_DUPLICATES, &error);

    if (body != NULL && json_is_object(body))
        return body;
    json_decref(body);
    if (body == NULL && json_error_code(&error) == json_error_duplicate_key)
        bs_web_call_error(call, 400, "bad_json",
                          "the body must be a JSON object that gives each key once");
    else if (body == NULL && call->body_len > 0)
        bs_web_call_error(call, 400, "bad_json", "the body must be a JSON object: %s", error.text);
    else
        bs_web_call_error(call, 400, "bad_json", "the body must be a JSON object");
    return NULL;
}

void
bs_api_health(bs_web_call *call, bs_ctx *ctx)
{
    bs_account operator;
    bs_status store = bs_docs_account(ctx, ctx->operator_name, &operator, NULL);
    const char *node = "none";
    bs_rpc_error err = {0};
    int64_t height;
    bool down;

    if (store == BS_OK)
        bs_account_release(&operator);
    if (ctx->node != NULL)
        node = bs_rpc_getblockcount(ctx->node, &height, &err) == BS_OK ? "ok" : "down";
    down = store != BS_OK || strcmp(node, "down") == 0;
    bs_web_call_json(
        call, down ? 503 : 200,
        json_pack("{s:s, s:s}", "store", store == BS_OK ? "ok" : "down", "node", node));
}
