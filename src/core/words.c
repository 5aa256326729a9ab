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
    out->exit = http == 400 ? 2 : http >= 500 ? 3 : 1;
    out->slot = -1;
    out->price = -1;
    va_start(ap, fmt);
    vsnprintf(out->text, sizeof(out->text), fmt, ap);
    va_end(ap);
}

int
bs_said_exit_code(const bs_said *said)
{
    return said->exit;
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
    case BS_UNAVAILABLE:
        say(out, 503, "unavailable",
            "%s: the store is temporarily unavailable; retry in a few seconds", what);
        break;
    case BS_NOSPACE:
        say(out, 507, "no_space", "%s: the store is out of space; retry later", what);
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
    case BS_THROTTLED:
        say(out, 429, "too_many_attempts", "%s: %s", what, bs_strerror(st));
        break;
    default:
        say(out, 503, "unavailable", "%s: %s", what, bs_strerror(st));
        break;
    }
}

void
bs_say_throttled(int64_t retry_after, bs_said *out)
{
    say(out, 429, "too_many_attempts", "too many attempts, try again in %lld s",
        (long long)(retry_after < 1 ? 1 : retry_after));
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

/* The length of the UTF-8 sequence a lead byte starts (1 for anything
 * that is not a lead byte). */
static size_t
sequence_length(unsigned char lead)
{
    return lead >= 0xf0 && lead <= 0xf4  ? 4
           : lead >= 0xe0                ? 3
           : lead >= 0xc2 && lead < 0xe0 ? 2
                                         : 1;
}

/* `text` for a sentence: printable characters as they are (UTF-8 included),
 * every other byte as \xNN — a control byte, a direction override, a byte
 * that is not UTF-8 — so that neither a terminal nor a JSON encoder meets a
 * byte it acts on or refuses. NULL when too long to be worth showing. */
static const char *
escaped(const char *text, char *buf, size_t size)
{
    size_t used = 0;

    for (const unsigned char *p = (const unsigned char *)text; *p != '\0';) {
        size_t n = sequence_length(*p);

        if (used + 5 > size)
            return NULL;
        if (*p >= 0x20 && *p < 0x7f) {
            buf[used++] = (char)*p++;
        } else if (n > 1 && strnlen((const char *)p, n) == n &&
                   bs_text_clean_utf8((const char *)p, n, NULL)) {
            memcpy(buf + used, p, n);
            used += n;
            p += n;
        } else {
            used += (size_t)snprintf(buf + used, size - used, "\\x%02x", *p++);
        }
    }
    buf[used] = '\0';
    return buf;
}

void
bs_say_invalid_ref(const char *what, const char *text, bs_said *out)
{
    char buf[SHOWN_MAX * 4 + 1];
    const char *shown = escaped(text, buf, sizeof(buf));

    if (shown != NULL)
        say(out, 400, "invalid_field", "invalid %s \"%s\" (OWNER/NUMBER, e.g. bob/0)", what, shown);
    else
        say(out, 400, "invalid_field", "invalid %s (OWNER/NUMBER, e.g. bob/0)", what);
}

void
bs_say_no_account(const char *name, bs_said *out)
{
    say(out, 404, "no_account", "no account \"%s\"", name);
}

/* 404 "no <what> \"<text>\"", or "no such <what>" when the text is too
 * long to show; `code` (a static string: bs_said keeps it) names it. */
static void
say_none(const char *what, const char *code, const char *text, bs_said *out)
{
    char buf[SHOWN_MAX * 4 + 1];
    const char *shown = escaped(text, buf, sizeof(buf));

    if (shown != NULL)
        say(out, 404, code, "no %s \"%s\"", what, shown);
    else
        say(out, 404, code, "no such %s", what);
}

void
bs_say_no_campaign(const char *text, bs_said *out)
{
    say_none("campaign", "no_campaign", text, out);
}

void
bs_say_no_ad(const char *text, bs_said *out)
{
    say_none("ad", "no_ad", text, out);
}

void
bs_say_hide_needs_reason(bs_voice voice, bs_said *out)
{
    say(out, 400, "missing_reason", "hiding an ad needs %s: its buyer is shown why",
        voice == BS_VOICE_COMMAND ? "--reason TEXT" : "a \"reason\"");
}

void
bs_say_not_hidden(const char *text, bs_said *out)
{
    char buf[SHOWN_MAX * 4 + 1];
    const char *shown = escaped(text, buf, sizeof(buf));

    say(out, 409, "not_hidden", "ad \"%s\" is not hidden; nothing changed",
        shown != NULL ? shown : "(a long name)");
}

void
bs_say_not_operator(bs_said *out)
{
    say(out, 403, "not_operator",
        "only the operator may do this: send the operator account's API key (bitslot account "
        "new-key operator makes one)");
}

void
bs_say_no_slot(const char *slot, const char *campaign, bs_said *out)
{
    char buf[SHOWN_MAX * 4 + 1];
    const char *shown = escaped(slot, buf, sizeof(buf));

    say(out, 404, "no_slot", "no sold slot %s%s%s of \"%s\"", shown != NULL ? "\"" : "",
        shown != NULL ? shown : "", shown != NULL ? "\"" : "", campaign);
}

void
bs_say_campaign_terms(bs_campaign_problem problem, const bs_campaign_terms *terms, bs_said *out)
{
    switch (problem) {
    case BS_CAMPAIGN_BAD_MIN_PRICE:
        say(out, 400, "bad_min_price", "the minimum price must be 1 sat to 21 million BTC");
        break;
    case BS_CAMPAIGN_BAD_SLOT_SECONDS:
        say(out, 400, "bad_slot_seconds", "a slot must last %d seconds to %lld seconds (366 days)",
            BS_SLOT_SECONDS_MIN, (long long)BS_SLOT_SECONDS_MAX);
        break;
    case BS_CAMPAIGN_BAD_SIZE:
        say(out, 400, "bad_size", "the ad size must be %d to %d pixels each way", BS_AD_SIDE_MIN,
            BS_AD_SIDE_MAX);
        break;
    case BS_CAMPAIGN_BAD_TITLE:
        bs_say_invalid(BS_FIELD_TITLE, terms->title, out);
        break;
    case BS_CAMPAIGN_BAD_CATEGORIES:
    case BS_CAMPAIGN_TERMS_OK:
        bs_say_invalid(BS_FIELD_CATEGORIES, terms->disallowed, out);
        break;
    }
}

/* Is `canon` (a canonical name) the name `name`, in any case? */
static bool
is_same_name(const char *canon, const char *name)
{
    bs_name mine;

    if (!bs_name_valid(name))
        return false;
    bs_name_canonical(name, mine);
    return strcmp(canon, mine) == 0;
}

static bool
subject_is(const bs_purchase_result *res, const char *subject)
{
    return res->subject != NULL && strcmp(res->subject, subject) == 0;
}

/* A purchase with ad `ad` (as the user wrote it), which the operator hid
 * for `reason`; a reason too long for the sentence is cut at a character
 * and ends with "...". */
static void
say_hidden(const char *ad, const char *reason, bs_said *out)
{
    char buf[SHOWN_MAX * 4 + 1], cut[400];
    const char *shown = escaped(ad, buf, sizeof(buf));
    size_t len = strlen(reason);

    if (len >= sizeof(cut)) {
        len = sizeof(cut) - 4;
        while (len > 0 && ((unsigned char)reason[len] & 0xc0) == 0x80)
            len--; /* not in the middle of a character */
        snprintf(cut, sizeof(cut), "%.*s...", (int)len, reason);
        reason = cut;
    }
    say(out, 403, "ad_hidden", "ad \"%s\" was hidden by the operator: %s; choose another ad",
        shown != NULL ? shown : "(a long name)", reason);
}

void
bs_say_buy(bs_status st, const bs_purchase_order *o, const bs_purchase_result *r,
           const char *campaign, const char *ad, bs_voice voice, bs_said *out)
{
    long long next = r->next_slot, price = r->price;

    switch (st) {
    case BS_NOTFOUND:
        if (subject_is(r, "campaign"))
            bs_say_no_campaign(campaign, out);
        else if (subject_is(r, "ad"))
            bs_say_no_ad(ad, out);
        else
            bs_say_no_account(o->buyer, out);
        return;
    case BS_FORBIDDEN:
        if (subject_is(r, "category"))
            say(out, 403, "category_disallowed",
                "campaign \"%s\" does not take ads of category \"%s\"", campaign, r->detail);
        else if (subject_is(r, "hidden"))
            say_hidden(ad, r->hidden_reason, out);
        else
            say(out, 403, "not_your_ad", "ad \"%s\" is not an ad of \"%s\"", ad, o->buyer);
        return;
    case BS_MISMATCH:
        say(out, 422, "wrong_size",
            "ad \"%s\" is %lldx%lld pixels, but campaign \"%s\" takes %lldx%lld", ad,
            (long long)r->ad_width, (long long)r->ad_height, campaign, (long long)r->want_width,
            (long long)r->want_height);
        return;
    case BS_STALE:
        say(out, 409, "slot_changed",
            "slot %lld of \"%s\" is %s for sale; slot %lld is, at %lld sat",
            (long long)o->expect_slot, campaign,
            o->expect_slot > r->next_slot ? "not yet" : "no longer", next, price);
        break;
    case BS_PRICE_LIMIT:
        say(out, 409, "price_above_limit",
            "the price of slot %lld of \"%s\" is %lld sat, above your limit of %lld sat", next,
            campaign, price, (long long)o->max_price);
        break;
    case BS_INSUFFICIENT:
        say(out, 402, "insufficient_funds",
            "not enough funds: slot %lld of \"%s\" costs %lld sat and \"%s\" has %lld sat", next,
            campaign, price, o->buyer, (long long)r->balance);
        break;
    case BS_LOCKED:
        say(out, 423, "locked",
            "\"%s\" is buying another slot at this moment (another tab?); retry in a few seconds",
            o->buyer);
        return;
    case BS_OVERFLOW:
        say(out, 409, "balance_limit",
            "slot %lld of \"%s\" cannot be sold now: the %s's balance would pass 21 million BTC",
            next, campaign, r->subject != NULL ? r->subject : "seller");
        return;
    case BS_UNCERTAIN: {
        char look[BS_NAME_MAX + 32];

        if (voice == BS_VOICE_COMMAND)
            snprintf(look, sizeof(look), "'bitslot account show %s'", o->buyer);
        else
            snprintf(look, sizeof(look), "%s",
                     voice == BS_VOICE_API ? "GET /api/v1/account" : "your account page");
        if (r->cause == BS_NOSPACE) /* the store answered: it took the intent, not the rest */
            say(out, 507, "no_space",
                "the purchase of slot %lld of \"%s\" was begun, but the store is out of space: "
                "your next action once there is space finishes it; see %s before you buy again",
                next, campaign, look);
        else
            say(out, 503, "outcome_unknown",
                "the outcome of the purchase of slot %lld of \"%s\" is unknown (the store "
                "stopped answering); if it began, your next action finishes it: see %s before "
                "you buy again",
                next, campaign, look);
        return;
    }
    case BS_EXISTS:
        say(out, 422, "idempotency_key_reused",
            "this Idempotency-Key was sent before with another purchase; use a new key for a new "
            "purchase");
        return;
    case BS_SOLD:
        if (is_same_name(r->sold_to, o->buyer))
            say(out, 409, "sold_to_you",
                "slot %lld of \"%s\" was bought by another purchase of \"%s\" at the same "
                "moment (another tab?); this one charged nothing",
                next, campaign, o->buyer);
        else
            say(out, 409, "sold",
                "slot %lld of \"%s\" was sold to someone else first; nothing "
                "was charged; look at the price again and retry",
                next, campaign);
        break; /* and the slot lost, at the price offered */
    default:
        bs_say_failure(st, "cannot buy the slot", out);
        return;
    }
    /* The slot and price moved or stand in the way: say them. */
    out->slot = r->next_slot;
    out->price = r->price;
}

void
bs_say_no_node(bs_said *out)
{
    say(out, 503, "no_node",
        "this server has no bitcoin node (the operator starts it with --node), so it cannot hand "
        "out or check deposit keys");
}

void
bs_say_funds(bs_status st, const char *what, const char *name, bs_voice voice, bs_said *out)
{
    switch (st) {
    case BS_NOTFOUND:
        bs_say_no_account(name, out);
        break;
    case BS_LOCKED:
        say(out, 423, "locked", "\"%s\" is buying a slot; retry in a few seconds", name);
        break;
    case BS_CONFLICT:
        say(out, 409, "key_changed",
            "the key of \"%s\" was changed at the same moment (another tab?); use one tab at a "
            "time and look again",
            name);
        break;
    case BS_EXHAUSTED:
        say(out, 503, "out_of_keys",
            "out of deposit keys: the operator must add keys (bitslot keys import or keys "
            "derive); retry later");
        out->exit = 1;
        break;
    case BS_NODE_DOWN:
        say(out, 503, "node_unavailable", "the bitcoin node is unavailable; retry later");
        break;
    case BS_UNCERTAIN:
        say(out, 503, "outcome_unknown",
            "the outcome is unknown (the store stopped answering): see %s%s%s before you retry",
            voice == BS_VOICE_COMMAND ? "'bitslot account history "
            : voice == BS_VOICE_API   ? "GET /api/v1/account/history"
                                      : "your account page",
            voice == BS_VOICE_COMMAND ? name : "", voice == BS_VOICE_COMMAND ? "'" : "");
        break;
    case BS_MISMATCH:
        say(out, 400, "network_mismatch",
            "the store's deposit keys are for another network than --network; give the store's "
            "network");
        break;
    case BS_UNAVAILABLE:
        say(out, 503, "store_unavailable",
            "the store is temporarily unavailable; retry in a few seconds");
        break;
    default:
        bs_say_failure(st, what, out);
        break;
    }
}

void
bs_say_funds_no_key(const char *name, bs_voice voice, bs_said *out)
{
    if (voice == BS_VOICE_COMMAND)
        say(out, 404, "no_key", "\"%s\" has no key: get one with 'bitslot funds get-key %s'", name,
            name);
    else if (voice == BS_VOICE_PAGE)
        say(out, 404, "no_key", "\"%s\" has no key: press Get Key first", name);
    else
        say(out, 404, "no_key", "\"%s\" has no key: get one with POST /api/v1/account/key", name);
}

void
bs_say_one_tab(const char *what, bs_said *out)
{
    say(out, 409, "one_tab",
        "use one tab at a time: %s was changed in another tab or window; look again", what);
}

void
bs_say_already_yours(int64_t slot, const char *campaign, bs_said *out)
{
    say(out, 409, "already_yours",
        "use one tab at a time: slot %lld of \"%s\" was bought in another tab or window (or this "
        "form was sent twice); nothing more was charged",
        (long long)slot, campaign);
}

void
bs_say_funds_nothing_to_finish(const char *name, bs_said *out)
{
    say(out, 404, "no_key", "\"%s\" has no key to be done with", name);
}

void
bs_say_below_min_deposit(const char *name, int64_t confirmed, int64_t minimum, bs_said *out)
{
    say(out, 402, "below_min_deposit",
        "%lld sat confirmed on the key of \"%s\": less than the minimum deposit of %lld sat; "
        "keep the key and send more, or wait for confirmations",
        (long long)confirmed, name, (long long)minimum);
}

void
bs_say_ad(bs_ad_problem problem, bs_image_reason reason, const char *name, const bs_ad_upload *up,
          const bs_ad *ad, bs_said *out)
{
    char buf[SHOWN_MAX * 4 + 1];
    const char *file = escaped(name, buf, sizeof(buf));

    if (file == NULL)
        file = "(a long name)";
    switch (problem) {
    case BS_AD_BAD_URL:
        bs_say_invalid(BS_FIELD_URL, up->url, out);
        break;
    case BS_AD_BAD_HOVER:
        bs_say_invalid(BS_FIELD_HOVER, up->hover, out);
        break;
    case BS_AD_BAD_NICKNAME:
        bs_say_invalid(BS_FIELD_NICKNAME, up->nickname, out);
        break;
    case BS_AD_BAD_CATEGORIES:
        bs_say_invalid(BS_FIELD_CATEGORIES, up->categories, out);
        break;
    case BS_AD_BAD_SIZE:
        say(out, 422, "bad_image_size",
            "the image \"%s\" is %lldx%lld pixels; ads are %d to %d pixels a side", file,
            (long long)ad->width, (long long)ad->height, BS_AD_SIDE_MIN, BS_AD_SIDE_MAX);
        break;
    case BS_AD_BAD_IMAGE:
    case BS_AD_OK:
        if (reason == BS_IMAGE_ENCODED_TOO_LARGE && ad != NULL)
            say(out, 413, "image_too_large",
                "the image \"%s\" is too large once re-encoded (%lld bytes; at most %u): use fewer "
                "colours or a smaller picture",
                file, (long long)ad->image_len, BS_IMAGE_MAX_BYTES);
        else if (reason == BS_IMAGE_FILE_TOO_LARGE || reason == BS_IMAGE_ENCODED_TOO_LARGE)
            say(out, 413, "image_too_large", "image \"%s\": %s", file, bs_image_explain(reason));
        else if (reason == BS_IMAGE_NO_MEMORY || reason == BS_IMAGE_NO_LIBRARY)
            say(out, 503, "unavailable", "image \"%s\": %s", file, bs_image_explain(reason));
        else
            say(out, 415, "not_an_image", "image \"%s\": %s", file, bs_image_explain(reason));
        /* Not the image's fault when its decoder cannot be loaded. */
        out->exit = reason == BS_IMAGE_NO_LIBRARY ? 3 : 1;
        break;
    }
    if (problem == BS_AD_BAD_SIZE)
        out->exit = 1;
}

/* The networks of `set` (BS_NETWORK_BIT), as "main, test and signet". */
static void
network_names(unsigned set, char *out, size_t size)
{
    size_t used = 0, n = 0, total = 0;

    for (int net = BS_NETWORK_MAIN; net < BS_NETWORK__END; net++)
        total += (set & BS_NETWORK_BIT(net)) != 0;
    out[0] = '\0';
    for (int net = BS_NETWORK_MAIN; net < BS_NETWORK__END && used < size; net++) {
        if ((set & BS_NETWORK_BIT(net)) == 0)
            continue;
        n++;
        used += (size_t)snprintf(out + used, size - used, "%s%s",
                                 n == 1       ? ""
                                 : n == total ? " and "
                                              : ", ",
                                 bs_network_name((bs_network)net));
    }
}

void
bs_say_withdraw(bs_status st, const bs_ctx *ctx, const bs_withdraw_order *order,
                const bs_withdraw_result *res, bs_voice voice, bs_said *out)
{
    char buf[BS_ADDRESS_MAX * 5 + 8], nets[64];
    const char *address = escaped(order->address, buf, sizeof(buf));

    if (address == NULL)
        address = "(too long to show)";
    switch (res->problem) {
    case BS_WITHDRAW_BELOW_MIN:
        say(out, 422, "below_minimum", "%lld sat is below the smallest withdrawal, %lld sat",
            (long long)order->amount, (long long)ctx->min_withdrawal);
        return;
    case BS_WITHDRAW_TOO_MUCH:
        if (res->fee > 0)
            say(out, 422, "amount_too_large",
                "%lld sat and its fee of %lld sat are more than all the bitcoin there will ever "
                "be",
                (long long)order->amount, (long long)res->fee);
        else
            say(out, 422, "amount_too_large",
                "%lld sat is more than all the bitcoin there will ever be",
                (long long)order->amount);
        return;
    case BS_WITHDRAW_NOT_ADDRESS:
        say(out, 422, "invalid_address", "\"%s\" is not a bitcoin address", address);
        return;
    case BS_WITHDRAW_OTHER_NETWORK:
        network_names(res->networks, nets, sizeof(nets));
        say(out, 422, "wrong_network",
            "\"%s\" is an address of %s, not of %s, the network this service pays on", address,
            nets, bs_network_name(ctx->network));
        return;
    case BS_WITHDRAW_UNSPENDABLE:
        say(out, 422, "unspendable_address",
            "\"%s\" is a kind of address nobody can spend from safely yet; give another", address);
        return;
    case BS_WITHDRAW_TOO_MANY:
        say(out, 409, "too_many_withdrawals",
            "\"%s\" already has %d withdrawals waiting to be paid; ask again once one is paid",
            order->name, BS_HOLDS_MAX);
        return;
    case BS_WITHDRAW_OK:
        break;
    }
    switch (st) {
    case BS_INSUFFICIENT:
        say(out, 402, "insufficient_funds",
            "\"%s\" has %lld sat; withdrawing %lld sat costs %lld sat with the fee of %lld sat",
            order->name, (long long)res->balance, (long long)order->amount,
            (long long)(order->amount + res->fee), (long long)res->fee);
        break;
    case BS_MISMATCH: /* the request id, as each voice knows it */
        if (voice == BS_VOICE_API)
            say(out, 422, "idempotency_key_reused",
                "this Idempotency-Key was sent before with another withdrawal; use a new key for "
                "a new withdrawal");
        else if (voice == BS_VOICE_PAGE)
            say(out, 409, "form_reused",
                "use one tab at a time: this form was sent before with another amount or address "
                "(from another tab, or after going back); nothing more was reserved: look at your "
                "withdrawals below, then ask again");
        else
            say(out, 409, "request_reused",
                "this request id was already used for another withdrawal or another change; use "
                "a new one");
        break;
    case BS_INVALID: {
        char shown[BS_ID_LEN * 5 + 8];
        const char *id =
            escaped(order->request != NULL ? order->request : "", shown, sizeof(shown));

        say(out, 400, "invalid_request", "invalid request id \"%s\" (%d lowercase hex characters)",
            id != NULL ? id : "(too long to show)", BS_ID_LEN);
        break;
    }
    default:
        bs_say_funds(st, "cannot withdraw", order->name, voice, out);
        break;
    }
}

void
bs_say_no_payout_wallet(bs_said *out)
{
    say(out, 503, "no_payout_wallet",
        "withdrawals are not paid by this server: it was started without --payout-wallet");
}

void
bs_say_withdraw_request(const char *request, bs_voice voice, bs_said *out)
{
    char buf[SHOWN_MAX * 4 + 1];
    const char *shown = request != NULL ? escaped(request, buf, sizeof(buf)) : NULL;
    const char *next =
        voice == BS_VOICE_PAGE ? ": send the form below again, with its new one" : "";

    if ((request == NULL || request[0] == '\0') && voice == BS_VOICE_PAGE)
        say(out, 400, "missing_request",
            "this form is missing its request id: reload the page and send it again");
    else if (request == NULL || request[0] == '\0')
        say(out, 400, "missing_request", "the request id is missing (%d lowercase hex characters)",
            BS_ID_LEN);
    else if (shown != NULL)
        say(out, 400, "invalid_request",
            "invalid request id \"%s\" (%d lowercase hex characters)%s", shown, BS_ID_LEN, next);
    else
        say(out, 400, "invalid_request", "invalid request id (%d lowercase hex characters)%s",
            BS_ID_LEN, next);
}
