/*
 * page_auth.c — register, log in, log out. Registering and logging in are
 * throttled through the store (core/throttle.h), so that every serve
 * process counts the same attempts: 10 registrations a minute per client
 * address; 10 wrong passwords a minute per client address and per account.
 * A login first finishes whatever the account was in the middle of
 * (DESIGN.md §5), then opens a new session: the id changes at login.
 */
#include <stdio.h>
#include <string.h>

#include "core/accounts.h"
#include "core/recover.h"
#include "core/throttle.h"
#include "model/field.h"
#include "web/page.h"
#include "web/pages.h"

static const bs_form_limit auth_fields[] = {{"name", 256, false},
                                            {"password", BS_PASSWORD_MAX, false},
                                            {"next", 512, false},
                                            {NULL, 0, false}};

/* The form again, with what was typed (never the password). */
static json_t *
typed(const bs_form *form)
{
    return json_pack("{s:s, s:s}", "name", bs_page_field(form, "name"), "next",
                     bs_page_field(form, "next"));
}

/* Is `kind` for `subject` over its limit? Then *said says when to retry. */
static bool
throttled(bs_ctx *ctx, const char *kind, const char *subject, bs_said *said)
{
    int64_t retry_after = 0;
    bs_status st;

    if (subject[0] == '\0')
        return false;
    st = bs_throttle_check(ctx, kind, subject, BS_THROTTLE_LIMIT, BS_THROTTLE_WINDOW, &retry_after);
    if (st == BS_OK)
        return false;
    if (st == BS_THROTTLED)
        bs_say_throttled(retry_after, said);
    else
        bs_say_failure(st, "cannot count attempts", said);
    return true;
}

static void
show_form(bs_web_call *call, bs_ctx *ctx, const char *name, const char *title, json_t *data)
{
    bs_page_user user;

    if (!bs_page_visitor(call, ctx, &user)) {
        json_decref(data);
        return;
    }
    bs_page_pre_csrf(call, &user);
    bs_page_render(call, ctx, &user, 200, name, title, data);
}

void
bs_page_register_form(bs_web_call *call, bs_ctx *ctx)
{
    show_form(call, ctx, "register", "Register", NULL);
}

void
bs_page_login_form(bs_web_call *call, bs_ctx *ctx)
{
    char next[512];
    bs_form_limits limits = {.body_max = BS_WEB_QUERY_MAX, .others = true, .other_max = 512};
    const bs_form_field *f = NULL;
    bs_form_error err;
    bs_form query;

    next[0] = '\0';
    if (bs_form_parse_urlencoded(call->query, strlen(call->query), &limits, &query, &err) ==
        BS_OK) {
        f = bs_form_get(&query, "next");
        snprintf(next, sizeof(next), "%s", f != NULL ? f->value : "");
        bs_form_release(&query);
    }
    show_form(call, ctx, "login", "Log in", json_pack("{s:s}", "next", next));
}

/* Where to go after logging in: a path of ours, never another site. Only
 * visible ASCII: browsers drop tabs and line breaks from a Location before
 * reading it, so "/<TAB>/evil.example" would become "//evil.example". */
static const char *
safe_next(const char *next)
{
    for (const char *p = next; *p != '\0'; p++)
        if (*p < '!' || *p > '~')
            return "/account";
    return next[0] == '/' && next[1] != '/' && next[1] != '\\' ? next : "/account";
}

void
bs_page_register(bs_web_call *call, bs_ctx *ctx)
{
    char api_key[BS_API_KEY_LEN + 1];
    const char *name, *password;
    bs_page_user user;
    bs_form form;
    bs_status st;
    bs_said said;
    size_t len;

    if (!bs_page_visitor(call, ctx, &user))
        return;
    if (!bs_page_form(call, ctx, &user, auth_fields, false, &form))
        return;
    name = bs_page_field(&form, "name");
    password = bs_page_field(&form, "password");
    len = strlen(password);
    if (throttled(ctx, BS_THROTTLE_REGISTER_IP, call->peer, &said)) {
        bs_page_form_error(call, ctx, &user, "register", "Register", typed(&form), &said);
    } else if (!bs_name_valid(name)) {
        bs_say_invalid(BS_FIELD_NAME, name, &said);
        bs_page_form_error(call, ctx, &user, "register", "Register", typed(&form), &said);
    } else if (!bs_accounts_password_ok(len)) {
        bs_say_password_length("", &said);
        bs_page_form_error(call, ctx, &user, "register", "Register", typed(&form), &said);
    } else {
        (void)bs_throttle_count(ctx, BS_THROTTLE_REGISTER_IP, call->peer, BS_THROTTLE_WINDOW);
        st = bs_accounts_create(ctx, name, password, len, api_key);
        if (st != BS_OK) {
            bs_say_account_create(st, name, &said);
            bs_page_form_error(call, ctx, &user, "register", "Register", typed(&form), &said);
        } else {
            bs_name canon;
            bs_name_canonical(name, canon);
            if (bs_page_login(call, ctx, &user, canon))
                bs_page_redirect(call, ctx, &user, "/account",
                                 "welcome: your account is ready. Your API key is below; it is "
                                 "shown this once",
                                 api_key);
        }
    }
    bs_form_release(&form);
}

void
bs_page_login_post(bs_web_call *call, bs_ctx *ctx)
{
    const char *name, *password;
    bs_page_user user;
    bs_name canon = "";
    bs_form form;
    bs_status st;
    bs_said said;

    if (!bs_page_visitor(call, ctx, &user))
        return;
    if (!bs_page_form(call, ctx, &user, auth_fields, false, &form))
        return;
    name = bs_page_field(&form, "name");
    password = bs_page_field(&form, "password");
    if (bs_name_valid(name))
        bs_name_canonical(name, canon);
    if (throttled(ctx, BS_THROTTLE_LOGIN_IP, call->peer, &said) ||
        throttled(ctx, BS_THROTTLE_LOGIN_ACCOUNT, canon, &said)) {
        bs_page_form_error(call, ctx, &user, "login", "Log in", typed(&form), &said);
        goto done;
    }
    st = bs_accounts_verify(ctx, name, password, strlen(password));
    if (st == BS_AUTH) {
        (void)bs_throttle_count(ctx, BS_THROTTLE_LOGIN_IP, call->peer, BS_THROTTLE_WINDOW);
        if (canon[0] != '\0')
            (void)bs_throttle_count(ctx, BS_THROTTLE_LOGIN_ACCOUNT, canon, BS_THROTTLE_WINDOW);
        said = (bs_said){.http = 401, .code = "bad_login", .slot = -1, .price = -1};
        snprintf(said.text, sizeof(said.text), "that name and password do not match an account");
        bs_page_form_error(call, ctx, &user, "login", "Log in", typed(&form), &said);
        goto done;
    }
    /* Whatever the account was in the middle of is finished first. */
    if (st == BS_OK)
        st = bs_recover_account(ctx, canon);
    if (st != BS_OK) {
        bs_say_failure(st, "cannot log in", &said);
        bs_page_form_error(call, ctx, &user, "login", "Log in", typed(&form), &said);
        goto done;
    }
    if (bs_page_login(call, ctx, &user, canon))
        bs_page_redirect(call, ctx, &user, safe_next(bs_page_field(&form, "next")), NULL, NULL);
done:
    bs_form_release(&form);
}

void
bs_page_logout_post(bs_web_call *call, bs_ctx *ctx)
{
    bs_page_user user;
    bs_form form;

    if (!bs_page_visitor(call, ctx, &user))
        return;
    if (!user.in) {
        bs_web_call_redirect(call, "/");
        return;
    }
    if (!bs_page_form(call, ctx, &user, NULL, false, &form))
        return;
    bs_form_release(&form);
    bs_page_logout(call, ctx, &user);
    bs_web_call_redirect(call, "/");
}
