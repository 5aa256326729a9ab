/*
 * pages.h — the works behind the HTML pages (issue 10). Each runs on a
 * worker, reads its form through web/page.h (CSRF checked), calls the same
 * src/core function as the command and the API, and renders a template
 * (src/web/pages/NAME.html) or redirects; a refusal is the API's sentence
 * on the page the user was on.
 *
 *   /                     home: what bitslot is, every campaign with its
 *                         price now and the ad showing
 *   /register, /login     forms; POST logs in (a new session), throttled
 *   /logout               POST only
 *   /account              balance, withdraw form and withdrawals, ledger,
 *                         slots bought and sold, API key
 *   /account/key          POST: a new API key, shown once
 *   /account/withdraw     POST: ask for a withdrawal (the form on /account)
 *   /account/funds        Add Funds: the seed's Get Key → check → Done
 *   /ads, /ads/new        the visitor's ads; upload one
 *   /sell                 create a campaign, then its snippet
 *   /campaigns/O/I        a campaign: showing, queue, price, Buy
 */
#ifndef BS_WEB_PAGES_H
#define BS_WEB_PAGES_H

#include "web/call.h"

void bs_page_home(bs_web_call *call, bs_ctx *ctx);
void bs_page_register_form(bs_web_call *call, bs_ctx *ctx);
void bs_page_register(bs_web_call *call, bs_ctx *ctx);
void bs_page_login_form(bs_web_call *call, bs_ctx *ctx);
void bs_page_login_post(bs_web_call *call, bs_ctx *ctx);
void bs_page_logout_post(bs_web_call *call, bs_ctx *ctx);
void bs_page_account(bs_web_call *call, bs_ctx *ctx);
void bs_page_account_key(bs_web_call *call, bs_ctx *ctx);
void bs_page_withdraw(bs_web_call *call, bs_ctx *ctx);
void bs_page_funds(bs_web_call *call, bs_ctx *ctx);
void bs_page_funds_key(bs_web_call *call, bs_ctx *ctx);
void bs_page_funds_done(bs_web_call *call, bs_ctx *ctx);
void bs_page_ads(bs_web_call *call, bs_ctx *ctx);
void bs_page_ads_new(bs_web_call *call, bs_ctx *ctx);
void bs_page_ads_upload(bs_web_call *call, bs_ctx *ctx);
void bs_page_sell(bs_web_call *call, bs_ctx *ctx);
void bs_page_sell_post(bs_web_call *call, bs_ctx *ctx);
void bs_page_campaign(bs_web_call *call, bs_ctx *ctx);
void bs_page_buy(bs_web_call *call, bs_ctx *ctx);

#endif
