/*
 * page_funds.c — Add Funds, exactly the seed's flow: "Get Key" → the key
 * as text, as a QR code of its BIP21 URI and as a bitcoin: link; "Check for
 * Pending" and "Check for Confirmed" (asked of the node, throttled by
 * core/funding.h); "Done With This Key". Each form carries the key state it
 * was rendered for: a form that another tab made stale gets the seed's "use
 * one tab at a time" and changes nothing; a purchase in progress gets "retry
 * in a few seconds" (core/words.h) and no key changes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/funding.h"
#include "media/qr.h"
#include "web/page.h"
#include "web/pages.h"

static const bs_form_limit key_fields[] = {{"key", BS_ADDRESS_MAX, false}, {NULL, 0, false}};

/* The page's data for an account with `address` ("" for none). */
static json_t *
funds_data(const char *address)
{
    char uri[BS_ADDRESS_MAX + 16];
    json_t *data = json_object();
    char *path = NULL;
    int size = 0;

    if (data == NULL || address[0] == '\0')
        return data;
    snprintf(uri, sizeof(uri), "bitcoin:%s", address);
    json_object_set_new(data, "key", json_string(address));
    json_object_set_new(data, "uri", json_string(uri));
    if (bs_qr_svg_path(uri, &path, &size) == BS_OK) {
        json_object_set_new(data, "qr", json_pack("{s:s, s:i}", "path", path, "size", size));
        free(path);
    }
    return data;
}

/* The account's key now ("" for none) into address; false after
 * answering. */
static bool
current_key(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, char address[BS_ADDRESS_MAX])
{
    bs_account a;
    bs_status st = bs_accounts_show(ctx, user->canon, &a);
    bs_said said;

    if (st != BS_OK) {
        if (st == BS_NOTFOUND)
            bs_say_no_account(user->canon, &said);
        else
            bs_say_failure(st, "cannot read the account", &said);
        bs_page_said(call, ctx, user, &said);
        return false;
    }
    snprintf(address, BS_ADDRESS_MAX, "%s", a.btc.state == BS_BTC_HAVE ? a.btc.address : "");
    bs_account_release(&a);
    return true;
}

static void
render_funds(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const char *address, json_t *extra,
             const bs_said *said)
{
    json_t *data = funds_data(address);

    if (data != NULL && extra != NULL)
        json_object_update(data, extra);
    json_decref(extra);
    if (said != NULL)
        bs_page_form_error(call, ctx, user, "funds", "Add Funds", data, said);
    else
        bs_page_render(call, ctx, user, 200, "funds", "Add Funds", data);
}

void
bs_page_funds(bs_web_call *call, bs_ctx *ctx)
{
    char address[BS_ADDRESS_MAX], check[16];
    bs_funding_status s;
    bs_page_user user;
    json_t *extra = NULL;
    bs_status st;
    bs_said said;

    if (!bs_page_need_user(call, ctx, &user))
        return;
    if (ctx->node == NULL) {
        bs_say_no_node(&said);
        bs_page_said(call, ctx, &user, &said);
        return;
    }
    if (!current_key(call, ctx, &user, address))
        return;
    /* ?check=pending or ?check=confirmed: ask the node (a GET: nothing
     * changes but the cache of the node's answer). */
    check[0] = '\0';
    if (strncmp(call->query, "check=", 6) == 0)
        snprintf(check, sizeof(check), "%s", call->query + 6);
    if (check[0] != '\0' && address[0] != '\0') {
        st = bs_funding_check(ctx, user.canon, &s);
        if (st == BS_OK) {
            extra = json_pack("{s:I, s:I, s:b, s:b}", "pending", (json_int_t)s.pending, "confirmed",
                              (json_int_t)s.confirmed, "checked", 1, "cached", s.cached);
        } else {
            if (st == BS_NOTFOUND)
                bs_say_funds_no_key(user.canon, BS_VOICE_PAGE, &said);
            else
                bs_say_funds(st, "cannot check your key", user.canon, BS_VOICE_PAGE, &said);
            render_funds(call, ctx, &user, address, NULL, &said);
            return;
        }
    }
    render_funds(call, ctx, &user, address, extra, NULL);
}

/* The form's key (what the page showed: "" for none) against the
 * account's: false after answering the seed's "use one tab at a time". */
static bool
same_key(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const bs_form *form,
         const char *address)
{
    bs_said said;

    if (strcmp(bs_page_field(form, "key"), address) == 0)
        return true;
    bs_say_one_tab("this key", &said);
    render_funds(call, ctx, user, address, NULL, &said);
    return false;
}

/* Read the form and the account's key; false after answering. */
static bool
funds_post(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, bs_form *form,
           char address[BS_ADDRESS_MAX])
{
    if (!bs_page_need_user(call, ctx, user) ||
        !bs_page_form(call, ctx, user, key_fields, false, form))
        return false;
    bs_said said;

    if (ctx->node == NULL) {
        bs_say_no_node(&said);
        bs_page_said(call, ctx, user, &said);
    } else if (current_key(call, ctx, user, address) && same_key(call, ctx, user, form, address)) {
        return true;
    }
    bs_form_release(form);
    return false;
}

void
bs_page_funds_key(bs_web_call *call, bs_ctx *ctx)
{
    char address[BS_ADDRESS_MAX];
    bs_page_user user;
    bs_form form;
    bs_status st;
    bs_said said;

    if (!funds_post(call, ctx, &user, &form, address))
        return;
    st = bs_funding_get_key(ctx, user.canon, address);
    if (st == BS_OK) {
        bs_page_redirect(call, ctx, &user, "/account/funds",
                         "send bitcoin to this key, then check for it", NULL);
    } else {
        if (st == BS_CONFLICT)
            bs_say_one_tab("this key", &said);
        else
            bs_say_funds(st, "cannot give you a key", user.canon, BS_VOICE_PAGE, &said);
        if (current_key(call, ctx, &user, address))
            render_funds(call, ctx, &user, address, NULL, &said);
    }
    bs_form_release(&form);
}

void
bs_page_funds_done(bs_web_call *call, bs_ctx *ctx)
{
    char address[BS_ADDRESS_MAX], notice[160];
    int64_t credited = 0, balance = 0;
    bs_page_user user;
    bs_form form;
    bs_status st;
    bs_said said;

    if (!funds_post(call, ctx, &user, &form, address))
        return;
    if (address[0] == '\0') { /* the form showed none either */
        bs_say_funds_nothing_to_finish(user.canon, &said);
        render_funds(call, ctx, &user, address, NULL, &said);
        goto done;
    }
    st = bs_funding_done(ctx, user.canon, &credited, &balance);
    if (st == BS_OK) {
        snprintf(notice, sizeof(notice), "credited %lld sat; your balance is %lld sat",
                 (long long)credited, (long long)balance);
        bs_page_redirect(call, ctx, &user, "/account/funds", notice, NULL);
        goto done;
    }
    if (st == BS_NOTFOUND || st == BS_CONFLICT) /* Done in another tab meanwhile */
        bs_say_one_tab("this key", &said);
    else if (st == BS_INSUFFICIENT)
        bs_say_below_min_deposit(user.canon, credited, ctx->min_deposit, &said);
    else
        bs_say_funds(st, "cannot credit your key", user.canon, BS_VOICE_PAGE, &said);
    if (current_key(call, ctx, &user, address))
        render_funds(call, ctx, &user, address, NULL, &said);
done:
    bs_form_release(&form);
}
