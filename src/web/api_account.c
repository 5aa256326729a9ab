/*
 * api_account.c — the account routes of the API: register, show, history.
 * Registration is throttled per client address as the form's is, under the
 * same kind (BS_THROTTLE_REGISTER_IP), so the form and the API share one
 * count per address.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/accounts.h"
#include "core/books.h"
#include "core/recover.h"
#include "core/throttle.h"
#include "core/words.h"
#include "model/field.h"
#include "util/text.h"
#include "web/api.h"

/* Has the client's address registered too often? Then said, answered. */
static bool
register_throttled(bs_web_call *call, bs_ctx *ctx)
{
    int64_t retry_after = 0;
    bs_status st;
    bs_said said;

    if (call->peer[0] == '\0')
        return false;
    st = bs_throttle_check(ctx, BS_THROTTLE_REGISTER_IP, call->peer, BS_THROTTLE_LIMIT,
                           BS_THROTTLE_WINDOW, &retry_after);
    if (st == BS_OK)
        return false;
    if (st == BS_THROTTLED)
        bs_say_throttled(retry_after, &said);
    else
        bs_say_failure(st, "cannot count attempts", &said);
    bs_api_said(call, &said);
    return true;
}

void
bs_api_account_create(bs_web_call *call, bs_ctx *ctx)
{
    char api_key[BS_API_KEY_LEN + 1];
    static const char *const fields[] = {"name", "password", NULL};
    json_t *body = bs_api_body_object(call, fields);
    const char *name, *password;
    size_t len;
    bs_status st;
    bs_said said;

    if (body == NULL)
        return;
    name = json_string_value(json_object_get(body, "name"));
    password = json_string_value(json_object_get(body, "password"));
    if (register_throttled(call, ctx)) {
        /* answered */
    } else if (name == NULL || password == NULL) {
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
        /* Counted once made: a refusal writes nothing. */
        (void)bs_throttle_count(ctx, BS_THROTTLE_REGISTER_IP, call->peer, BS_THROTTLE_WINDOW);
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

/* An integer query parameter in [min, max], or `fallback` when absent. */
static bool
query_integer(bs_web_call *call, const char *name, int64_t min, int64_t max, const char *rule,
              int64_t fallback, int64_t *out)
{
    char text[24];
    char *end;
    long long v;

    if (!bs_api_query(call, name, text, sizeof(text)))
        return false;
    *out = fallback;
    if (text[0] == '\0')
        return true;
    errno = 0;
    v = strtoll(text, &end, 10);
    if (!bs_text_decimal(text, strlen(text)) || errno != 0 || *end != '\0' || v < min || v > max) {
        bs_web_call_error(call, 400, "invalid_parameter", "invalid %s \"%s\" (%s)", name, text,
                          rule);
        return false;
    }
    *out = v;
    return true;
}

void
bs_api_account_history(bs_web_call *call, bs_ctx *ctx)
{
    bs_ledger_entry *entries;
    int64_t after, limit;
    json_t *list;
    bs_name canon;
    size_t count;
    bs_status st;
    bs_said said;
    bool more;

    if (!bs_api_authenticate(call, ctx, canon) ||
        !query_integer(call, "after", 0, INT64_MAX, "an entry number, 0 or more", 0, &after) ||
        !query_integer(call, "limit", 1, BS_STORE_SCAN_MAX, "1 to 1000", 100, &limit))
        return;
    st = bs_recover_account(ctx, canon);
    if (st == BS_OK)
        st = bs_books_history(ctx, canon, after, (size_t)limit, &entries, &count, &more);
    if (st != BS_OK) {
        bs_say_failure(st, "cannot read the ledger", &said);
        bs_api_said(call, &said);
        return;
    }
    list = json_array();
    for (size_t i = 0; list != NULL && i < count; i++)
        if (json_array_append_new(list, bs_ledger_entry_json(&entries[i])) != 0) {
            json_decref(list);
            list = NULL;
        }
    free(entries);
    bs_web_call_json(call, 200,
                     list != NULL ? json_pack("{s:o, s:b}", "entries", list, "more", more) : NULL);
}
