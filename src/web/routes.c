/*
 * routes.c — see routes.h. The works themselves are in the api_*.c files.
 */
#include <stdio.h>
#include <string.h>

#include "web/api.h"
#include "web/assets.h"
#include "web/embed.h"
#include "web/events.h"
#include "web/metrics.h"
#include "web/pages.h"
#include "web/routes.h"

/* Routes of the worker pool leave `on_loop` out. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

static const char *const history_query[] = {"after", "limit", NULL};
static const char *const campaigns_query[] = {"owner", NULL};
static const char *const login_query[] = {"next", NULL};
static const char *const funds_query[] = {"check", NULL};
static const char *const ads_query[] = {"added", NULL};
static const char *const campaign_query[] = {"new", NULL}; /* just created */
static const char *const withdrawals_query[] = {"state", "account", NULL};

const bs_web_route bs_web_routes[] = {
    /* Answered on the loop, from memory (web/live.h). */
    {"GET", "/embed/{owner}/{index}", NULL, bs_embed_page},
    {"GET", "/img/{file}", NULL, bs_embed_image},
    {"GET", "/go/{owner}/{index}/{slot}", NULL, bs_embed_go},
    {"GET", "/api/v1/campaigns/{owner}/{index}/events", NULL, bs_events_stream},
    {"GET", "/metrics", NULL, bs_metrics_page},
    {"GET", "/static/{file}", NULL, bs_assets_static},
    /* The pages (web/pages.h), on a worker. */
    {"GET", "/", bs_page_home, .page = true},
    {"GET", "/register", bs_page_register_form, .page = true},
    {"POST", "/register", bs_page_register, .page = true},
    {"GET", "/login", bs_page_login_form, .query = login_query, .page = true},
    {"POST", "/login", bs_page_login_post, .page = true},
    {"POST", "/logout", bs_page_logout_post, .page = true},
    {"GET", "/account", bs_page_account, .page = true},
    {"POST", "/account/key", bs_page_account_key, .page = true},
    {"POST", "/account/withdraw", bs_page_withdraw, .page = true},
    {"GET", "/account/funds", bs_page_funds, .query = funds_query, .page = true},
    {"POST", "/account/funds/key", bs_page_funds_key, .page = true},
    {"POST", "/account/funds/done", bs_page_funds_done, .page = true},
    {"GET", "/ads", bs_page_ads, .query = ads_query, .page = true},
    {"GET", "/ads/new", bs_page_ads_new, .page = true},
    {"POST", "/ads/new", bs_page_ads_upload, .page = true},
    {"GET", "/sell", bs_page_sell, .page = true},
    {"POST", "/sell", bs_page_sell_post, .page = true},
    {"GET", "/campaigns/{owner}/{index}", bs_page_campaign, .query = campaign_query, .page = true},
    {"POST", "/campaigns/{owner}/{index}/buy", bs_page_buy, .page = true},
    /* On a worker (web/call.h). */
    {"GET", "/healthz", bs_api_health},
    {"GET", "/api/v1/openapi.json", bs_api_openapi},
    {"POST", "/api/v1/accounts", bs_api_account_create},
    {"GET", "/api/v1/account", bs_api_account_show},
    {"GET", "/api/v1/account/history", bs_api_account_history, .query = history_query},
    {"POST", "/api/v1/account/key", bs_api_key_get},
    {"GET", "/api/v1/account/key", bs_api_key_check},
    {"POST", "/api/v1/account/key/done", bs_api_key_done},
    {"POST", "/api/v1/campaigns", bs_api_campaign_create},
    {"GET", "/api/v1/campaigns", bs_api_campaign_list, .query = campaigns_query},
    {"GET", "/api/v1/campaigns/{owner}/{index}", bs_api_campaign_show},
    {"GET", "/api/v1/campaigns/{owner}/{index}/slots/{slot}", bs_api_slot_show},
    {"POST", "/api/v1/campaigns/{owner}/{index}/buy", bs_api_buy},
    {"POST", "/api/v1/ads", bs_api_ad_add},
    {"GET", "/api/v1/ads", bs_api_ad_list},
    {"POST", "/api/v1/withdrawals", bs_api_withdraw},
    {"GET", "/api/v1/withdrawals", bs_api_withdrawals},
    /* The operator's (web/api_admin.c). */
    {"GET", "/api/v1/admin/stats", bs_api_admin_stats},
    {"GET", "/api/v1/admin/withdrawals", bs_api_admin_withdrawals, .query = withdrawals_query},
    {"POST", "/api/v1/admin/ads/{owner}/{index}/hide", bs_api_admin_ad_hide},
    {"POST", "/api/v1/admin/ads/{owner}/{index}/show", bs_api_admin_ad_show},
    {NULL, NULL, NULL},
};

const bs_web_route *
bs_web_route_find(const char *method, size_t method_len, const char *path, size_t path_len,
                  char params[][BS_WEB_PARAM_MAX], size_t *nparams, bool *path_known)
{
    *path_known = false;
    for (const bs_web_route *r = bs_web_routes; r->method != NULL; r++) {
        if (!bs_web_request_path_match(r->pattern, path, path_len, params, nparams))
            continue;
        if (strlen(r->method) == method_len && memcmp(r->method, method, method_len) == 0)
            return r;
        /* HEAD is GET without the body (h2o leaves the body out). */
        if (strcmp(r->method, "GET") == 0 && method_len == 4 && memcmp(method, "HEAD", 4) == 0)
            return r;
        *path_known = true;
    }
    *nparams = 0;
    return NULL;
}

bool
bs_web_route_gettable(const char *path, size_t path_len)
{
    char params[BS_WEB_PARAMS_MAX][BS_WEB_PARAM_MAX];
    size_t nparams;
    bool path_known;

    return bs_web_route_find("GET", 3, path, path_len, params, &nparams, &path_known) != NULL;
}

void
bs_web_route_allowed(const char *path, size_t path_len, char *out, size_t size)
{
    char params[BS_WEB_PARAMS_MAX][BS_WEB_PARAM_MAX];
    size_t nparams, used = 0;

    out[0] = '\0';
    for (const bs_web_route *r = bs_web_routes; r->method != NULL; r++) {
        if (!bs_web_request_path_match(r->pattern, path, path_len, params, &nparams) ||
            used >= size)
            continue;
        used += (size_t)snprintf(out + used, size - used, "%s%s%s", used > 0 ? ", " : "", r->method,
                                 strcmp(r->method, "GET") == 0 ? ", HEAD" : "");
    }
}
