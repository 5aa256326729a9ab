/*
 * api_account.c — the account routes of the API: register, show.
 */
#include <string.h>

#include "core/accounts.h"
#include "core/words.h"
#include "model/field.h"
#include "web/api.h"

void
bs_api_account_create(bs_web_call *call, bs_ctx *ctx)
{
    char api_key[BS_API_KEY_LEN + 1];
    json_t *body = bs_api_body_object(call);
    const char *name, *password;
    size_t len;
    bs_status st;
    bs_said said;

    if (body == NULL)
        return;
    name = json_string_value(json_object_get(body, "name"));
    password = json_string_value(json_object_get(body, "password"));
    if (name == NULL || password == NULL) {
        bs_web_call_error(call, 400, "missing_field",
                          "an account needs \"name\" and \"password\", both strings");
    } else if (!bs_name_valid(name)) {
        bs_say_invalid(BS_FIELD_NAME, name, &said);
        bs_api_said(call, &said);
    } else if (len = json_string_length(json_object_get(body, "password")),
               !bs_accounts_password_ok(len) || memchr(password, '\0', len) != NULL) {
        bs_say_password_length("", &said);
        bs_api_said(call, &said);
    } else if ((st = bs_accounts_create(ctx, name, password, len, api_key)) != BS_OK) {
        bs_say_account_create(st, name, &said);
        bs_api_said(call, &said);
    } else {
        bs_web_call_json(call, 201, json_pack("{s:s, s:s}", "name", name, "api_key", api_key));
    }
    json_decref(body);
}

void
bs_api_account_show(bs_web_call *call, bs_ctx *ctx)
{
    bs_account a;
    bs_name canon;
    bs_status st;
    bs_said said;

    if (!bs_api_authenticate(call, ctx, canon))
        return;
    st = bs_accounts_show(ctx, canon, &a);
    if (st == BS_NOTFOUND) {
        bs_say_no_account(canon, &said);
        bs_api_said(call, &said);
        return;
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot read the account", &said);
        bs_api_said(call, &said);
        return;
    }
    bs_web_call_json(call, 200, bs_account_view(&a));
    bs_account_release(&a);
}
