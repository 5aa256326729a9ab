/*
 * words.c — see words.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/accounts.h"
#include "core/words.h"
#include "util/text.h"

static void say(bs_said *out, int http, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
say(bs_said *out, int http, const char *code, const char *fmt, ...)
{
    va_list ap;

    out->http = http;
    out->code = code;
    va_start(ap, fmt);
    vsnprintf(out->text, sizeof(out->text), fmt, ap);
    va_end(ap);
}

int
bs_said_exit_code(const bs_said *said)
{
    return said->http == 400 ? 2 : said->http >= 500 ? 3 : 1;
}

void
bs_say_failure(bs_status st, const char *what, bs_said *out)
{
    switch (st) {
    case BS_CONFLICT:
        say(out, 409, "busy", "%s: too many changes at the same time; retry in a few seconds",
            what);
        break;
    case BS_UNCERTAIN:
        say(out, 503, "outcome_unknown",
            "%s: the outcome is unknown (the store stopped answering after the change was "
            "sent); look before you retry",
            what);
        break;
    case BS_NODE_DOWN:
        say(out, 503, "node_unavailable", "%s: the bitcoin node is unavailable; retry later", what);
        break;
    case BS_INVALID:
        say(out, 400, "invalid", "%s: %s", what, bs_strerror(st));
        break;
    case BS_NOTFOUND:
        say(out, 404, "not_found", "%s: %s", what, bs_strerror(st));
        break;
    case BS_EXISTS:
        say(out, 409, "exists", "%s: %s", what, bs_strerror(st));
        break;
    case BS_LOCKED:
        say(out, 423, "locked", "%s: %s", what, bs_strerror(st));
        break;
    case BS_FORBIDDEN:
        say(out, 403, "forbidden", "%s: %s", what, bs_strerror(st));
        break;
    default:
        say(out, 503, "unavailable", "%s: %s", what, bs_strerror(st));
        break;
    }
}

void
bs_say_account_create(bs_status st, const char *name, bs_said *out)
{
    if (st == BS_EXISTS)
        say(out, 409, "name_taken",
            "account \"%s\" already exists (names are the same in any case)", name);
    else if (st == BS_FORBIDDEN)
        say(out, 403, "name_reserved", "account name \"%s\" is reserved for the operator", name);
    else
        bs_say_failure(st, "cannot create the account", out);
}

void
bs_say_password_length(const char *where, bs_said *out)
{
    say(out, 400, "bad_password", "the password must be %d to %d bytes long%s%s", BS_PASSWORD_MIN,
        BS_PASSWORD_MAX, where[0] != '\0' ? " " : "", where);
}

#define SHOWN_MAX 64 /* bytes of a bad value quoted back */

void
bs_say_invalid(bs_field field, const char *text, bs_said *out)
{
    size_t len = text != NULL ? strlen(text) : 0;

    if (text != NULL && len <= SHOWN_MAX && bs_text_clean_utf8(text, len, NULL))
        say(out, 400, "invalid_field", "invalid %s \"%s\" (%s)", bs_field_label(field), text,
            bs_field_rule(field));
    else
        say(out, 400, "invalid_field", "invalid %s (%s)", bs_field_label(field),
            bs_field_rule(field));
}

void
bs_say_no_account(const char *name, bs_said *out)
{
    say(out, 404, "no_account", "no account \"%s\"", name);
}
