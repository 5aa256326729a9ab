/*
 * words.h — what bitslot says when it refuses: one sentence per refusal,
 * with the HTTP status and error code that fit it, the same for the command
 * (which prints the sentence and exits with bs_said_exit_code) and for the
 * API (which answers {"error":{"code","message"}} with the status). So a
 * rule is explained in one place, and both say it the same way.
 *
 * Sentences follow the command's style: lower case, the subject quoted, no
 * full stop, and what to do when there is something to do.
 */
#ifndef BS_WORDS_H
#define BS_WORDS_H

#include "core/ads.h"
#include "core/campaigns.h"
#include "core/purchase.h"
#include "core/withdraw.h"
#include "model/field.h"
#include "util/status.h"

typedef struct bs_said {
    int http;         /* 400, 401, 402, 403, 404, 409, 413, 415, 422, 423, 429 or 503 */
    const char *code; /* a stable snake_case name for programs */
    char text[768];   /* the sentence */
    int exit;         /* the command's exit code: see bs_said_exit_code */
    /* A refused purchase whose slot or price moved: the slot for sale now
     * and its price (the API adds them to the error); -1 when not. */
    int64_t slot, price;
} bs_said;

/* Who the sentence speaks to, when it names the next step: a user of the
 * command ('bitslot funds get-key NAME') or of the API (POST
 * /api/v1/account/key). */
typedef enum bs_voice {
    BS_VOICE_COMMAND,
    BS_VOICE_API,
    BS_VOICE_PAGE, /* a user of the web pages: "your account page" */
} bs_voice;

/* The exit code of a command for what was said: 2 for bad input (400), 3
 * for an outage (503, except running out of deposit keys: 1), 1 for every
 * other refusal. */
int bs_said_exit_code(const bs_said *said);

/* An operation on `what` (e.g. "account \"bob\"") that failed with a
 * status no rule explains: the store or the node, busy or unknown. */
void bs_say_failure(bs_status st, const char *what, bs_said *out);

/* `account create NAME` / POST /api/v1/accounts refused with `st`. */
void bs_say_account_create(bs_status st, const char *name, bs_said *out);

/* A login or registration refused by its throttle (core/throttle.h):
 * "too many attempts, try again in N s", N = `retry_after` (at least 1),
 * 429. */
void bs_say_throttled(int64_t retry_after, bs_said *out);

/* The password's length is not BS_PASSWORD_MIN..MAX; `where` says where it
 * was read from ("read from standard input", or "" for the API). */
void bs_say_password_length(const char *where, bs_said *out);

/* A value that breaks the rule of its field (model/field.h): "invalid
 * <label> \"<text>\" (<rule>)", the text left out when it is long or not
 * clean text. */
void bs_say_invalid(bs_field field, const char *text, bs_said *out);

/* A reference to a campaign or an ad (`what`) that is not OWNER/NUMBER. */
void bs_say_invalid_ref(const char *what, const char *text, bs_said *out);

/* An account that was looked up and is not there. */
void bs_say_no_account(const char *name, bs_said *out);

/* A campaign (`text` as the user wrote it) that is not there. */
void bs_say_no_campaign(const char *text, bs_said *out);

/* A slot (`slot` as the user wrote it) of `campaign` that was never sold. */
void bs_say_no_slot(const char *slot, const char *campaign, bs_said *out);

/* An ad (`text` as the user wrote it) that is not there. */
void bs_say_no_ad(const char *text, bs_said *out);

/* Hiding an ad without a reason (an empty one included): the buyer is told
 * why, so there must be one. */
void bs_say_hide_needs_reason(bs_voice voice, bs_said *out);

/* Showing again an ad (`text`) that is not hidden. */
void bs_say_not_hidden(const char *text, bs_said *out);

/* An operator's route called with the API key of another account. */
void bs_say_not_operator(bs_said *out);

/* Campaign terms that break their rule (core/campaigns.h). */
void bs_say_campaign_terms(bs_campaign_problem problem, const bs_campaign_terms *terms,
                           bs_said *out);

/* A purchase refused with `st`: `campaign` and `ad` as the user wrote them. */
void bs_say_buy(bs_status st, const bs_purchase_order *order, const bs_purchase_result *res,
                const char *campaign, const char *ad, bs_voice voice, bs_said *out);

/* An ad refused with `problem` (core/ads.h): `file` names the image as the
 * user gave it; `ad` is what bs_ads_add saw of the image (NULL before it
 * was looked at). */
void bs_say_ad(bs_ad_problem problem, bs_image_reason reason, const char *file,
               const bs_ad_upload *up, const bs_ad *ad, bs_said *out);

/* Funding asked of a server started without a bitcoin node (--node). */
void bs_say_no_node(bs_said *out);

/* Get Key, check or Done refused with `st` for account `name`; a failure
 * of the store or node names the action `what` ("cannot give you a key"). */
void bs_say_funds(bs_status st, const char *what, const char *name, bs_voice voice, bs_said *out);

/* A check of `name`'s key when it has none. */
void bs_say_funds_no_key(const char *name, bs_voice voice, bs_said *out);

/* A form sent from a page that another tab or window of the same user
 * made stale (`what`: "this key", "slot 3 of \"bob/0\""): the seed's "use
 * one tab at a time". */
void bs_say_one_tab(const char *what, bs_said *out);

/* A purchase from a page of slot `slot` of `campaign` that the same
 * account already bought, or is buying: from another tab, or the same form
 * sent twice (an answer lost on the way). Nothing more was charged. */
void bs_say_already_yours(int64_t slot, const char *campaign, bs_said *out);

/* Done when `name` has no key to be done with. */
void bs_say_funds_nothing_to_finish(const char *name, bs_said *out);

/* Done refused: `confirmed` sat is less than the minimum deposit. */
void bs_say_below_min_deposit(const char *name, int64_t confirmed, int64_t minimum, bs_said *out);

/* A withdrawal request refused with `st` (core/withdraw.h); `address` as
 * the user typed it. */
void bs_say_withdraw(bs_status st, const bs_ctx *ctx, const bs_withdraw_order *order,
                     const bs_withdraw_result *res, bs_voice voice, bs_said *out);

/* Withdrawals asked of a server or command without a payout wallet. */
void bs_say_no_payout_wallet(bs_said *out);

/* A withdrawal's request id that breaks its rule (BS_ID_LEN lowercase hex
 * characters), or, with `request` NULL or "", a Withdraw form sent without
 * its request id (a form the page did not make: sent twice, it would
 * reserve twice). For the page, the sentence says what to do next. */
void bs_say_withdraw_request(const char *request, bs_voice voice, bs_said *out);

#endif
