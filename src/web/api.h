/*
 * api.h — the works behind the routes of web/routes.c. Each runs on a
 * worker (web/pool.h), calls the same src/core function as the command,
 * and answers with the same sentence when it refuses (core/words.h).
 */
#ifndef BS_WEB_API_H
#define BS_WEB_API_H

#include "core/words.h"
#include "web/call.h"

/* GET /healthz: 200 {"store":"ok","node":"ok"|"none"}, or 503 saying which
 * is down. */
void bs_api_health(bs_web_call *call, bs_ctx *ctx);

/* GET /api/v1/openapi.json: the OpenAPI 3.1 description of every route
 * (src/web/files/openapi.json, carried by the binary). */
void bs_api_openapi(bs_web_call *call, bs_ctx *ctx);

/* POST /api/v1/accounts {"name","password"} → 201 {"name","api_key"}. */
void bs_api_account_create(bs_web_call *call, bs_ctx *ctx);

/* GET /api/v1/account → {"name","balance","lock",...} of the key's account. */
void bs_api_account_show(bs_web_call *call, bs_ctx *ctx);

/* GET /api/v1/account/history[?after=SEQ&limit=N] → {"entries","more"}. */
void bs_api_account_history(bs_web_call *call, bs_ctx *ctx);

/* POST /api/v1/account/key → {"key"} (Get Key); GET /api/v1/account/key →
 * {"key","pending","confirmed","cached"}; POST /api/v1/account/key/done →
 * {"credited","balance"}. */
void bs_api_key_get(bs_web_call *call, bs_ctx *ctx);
void bs_api_key_check(bs_web_call *call, bs_ctx *ctx);
void bs_api_key_done(bs_web_call *call, bs_ctx *ctx);

/* POST /api/v1/campaigns → 201 {"id"}; GET /api/v1/campaigns[?owner=NAME];
 * GET /api/v1/campaigns/{owner}/{index} with price_now and next_slot. */
void bs_api_campaign_create(bs_web_call *call, bs_ctx *ctx);
void bs_api_campaign_list(bs_web_call *call, bs_ctx *ctx);
void bs_api_campaign_show(bs_web_call *call, bs_ctx *ctx);

/* GET /api/v1/campaigns/{owner}/{index}/slots/{slot}: a sold slot with its
 * impressions and clicks (summed over every serve process). */
void bs_api_slot_show(bs_web_call *call, bs_ctx *ctx);

/* POST /api/v1/ads (multipart/form-data: image, url, hover, nickname,
 * categories) → 201 {"id"}; GET /api/v1/ads → the key's ads. */
void bs_api_ad_add(bs_web_call *call, bs_ctx *ctx);
void bs_api_ad_list(bs_web_call *call, bs_ctx *ctx);

/* POST /api/v1/campaigns/{owner}/{index}/buy {"ad","max_price","slot"} →
 * 201 the slot; with an Idempotency-Key, at most one slot per key. */
void bs_api_buy(bs_web_call *call, bs_ctx *ctx);

/* POST /api/v1/withdrawals {"amount","address"} → 201 {"withdrawal",
 * "balance"}: amount + fee reserved (core/withdraw.h); with an
 * Idempotency-Key, at most one withdrawal per key (200 and the same one
 * when sent again). GET /api/v1/withdrawals → {"withdrawals"}, newest
 * first. */
void bs_api_withdraw(bs_web_call *call, bs_ctx *ctx);
void bs_api_withdrawals(bs_web_call *call, bs_ctx *ctx);
/* Answer 200 {"withdrawals": [view...]} (model/withdrawal.h). */
void bs_api_withdrawal_list(bs_web_call *call, const bs_withdrawal *list, size_t count);

/* The caller's account (canonical name) from its API key; false after
 * answering 401 (or 503 when the store could not say). */
bool bs_api_authenticate(bs_web_call *call, bs_ctx *ctx, bs_name canon);

/* The operator's routes (web/api_admin.c): GET /api/v1/admin/stats → the
 * figures of `bitslot stats --json`; POST
 * /api/v1/admin/ads/{owner}/{index}/hide {"reason"} → 200 {"ad","hidden",
 * "reason","time","by","was_hidden"}; POST .../show → 200 {"ad","hidden":
 * false,"reason_was"}. */
void bs_api_admin_stats(bs_web_call *call, bs_ctx *ctx);
void bs_api_admin_withdrawals(bs_web_call *call, bs_ctx *ctx);
void bs_api_admin_ad_hide(bs_web_call *call, bs_ctx *ctx);
void bs_api_admin_ad_show(bs_web_call *call, bs_ctx *ctx);

/* bs_api_authenticate, and the account must be the operator's: false
 * after answering 401, or 403 for any other account. */
bool bs_api_authenticate_operator(bs_web_call *call, bs_ctx *ctx);

/* The request body as a JSON object with no field but those in `known`
 * (NULL-ended); NULL after answering 400. */
json_t *bs_api_body_object(bs_web_call *call, const char *const *known);

/* Field `name` of `body` as an integer in [min, max] into *out (left alone
 * when the field is absent and not `required`). False after answering 400
 * "\"name\" must be an integer: <rule>". */
bool bs_api_int_field(bs_web_call *call, json_t *body, const char *name, bool required, int64_t min,
                      int64_t max, const char *rule, int64_t *out);

/* Field `name` of `body` as a string (NULL when absent and not
 * `required`). False after answering 400. */
bool bs_api_string_field(bs_web_call *call, json_t *body, const char *name, bool required,
                         const char **out);

/* Query parameter `name`, decoded (web/form.h: the query is an
 * urlencoded form; the route table lists the names a route takes), into
 * out[size], or "" when absent. False after answering 400 for a malformed
 * query, a parameter given twice, empty, or too long for out. */
bool bs_api_query(bs_web_call *call, const char *name, char *out, size_t size);

/* The request's Idempotency-Key, when it has one, is well formed; else
 * false after answering 400. */
bool bs_api_idempotency_key_valid(bs_web_call *call);

/* The campaign named by the route's {owner}/{index} into *ref; false after
 * answering 404. `text` gets "owner/index" as written. */
bool bs_api_campaign_ref(bs_web_call *call, bs_ref *ref, char text[BS_REF_MAX]);

/* Answer the node-less refusal when this server has no bitcoin node. */
bool bs_api_need_node(bs_web_call *call, bs_ctx *ctx);

/* Answer with what core/words.h said. */
void bs_api_said(bs_web_call *call, const bs_said *said);

#endif
