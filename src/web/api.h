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

/* POST /api/v1/accounts {"name","password"} → 201 {"name","api_key"}. */
void bs_api_account_create(bs_web_call *call, bs_ctx *ctx);

/* GET /api/v1/account → {"name","balance","lock",...} of the key's account. */
void bs_api_account_show(bs_web_call *call, bs_ctx *ctx);

/* The caller's account (canonical name) from its API key; false after
 * answering 401 (or 503 when the store could not say). */
bool bs_api_authenticate(bs_web_call *call, bs_ctx *ctx, bs_name canon);

/* The request body as a JSON object; NULL after answering 400. */
json_t *bs_api_body_object(bs_web_call *call);

/* Answer with what core/words.h said. */
void bs_api_said(bs_web_call *call, const bs_said *said);

#endif
