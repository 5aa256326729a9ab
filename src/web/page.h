/*
 * page.h — what every HTML page of `bitslot serve` shares (issue 10): who
 * is logged in (a session in the store, core/sessions.h, named by a
 * cookie), forms and their CSRF token, rendering a template with the
 * layout's data, one-time notices after a redirect, and error pages that
 * say the same sentence as the API.
 *
 * Invariants:
 *   - A page reaches the user only through bs_page_render (web/template.h:
 *     every value escaped); an error only through bs_page_said /
 *     bs_page_error, with the status and sentence of core/words.h.
 *   - Every POST of a page is read through bs_page_form, which refuses it
 *     (403, nothing changed) unless its "csrf" field is the session's
 *     token — or, before login, the token of the visitor's pre-login cookie
 *     — compared in constant time. GET never changes state.
 *   - The session cookie is HttpOnly and SameSite=Lax; with an https
 *     public URL it is also Secure and named with the __Host- prefix.
 *   - Session ids are never logged, never put in a page, and stored only
 *     as their hash (core/sessions.h).
 */
#ifndef BS_WEB_PAGE_H
#define BS_WEB_PAGE_H

#include <jansson.h>
#include <stdbool.h>

#include "core/sessions.h"
#include "model/campaign.h"
#include "core/words.h"
#include "web/call.h"
#include "web/form.h"

/* The visitor of a page. */
typedef struct bs_page_user {
    bool in;                                /* logged in */
    bs_name canon;                          /* the account, when in */
    char session_id[BS_SESSION_ID_LEN + 1]; /* the cookie's id, when in */
    bs_session session;
    char pre_csrf[BS_SESSION_ID_LEN + 1]; /* the pre-login token ("" when none) */
} bs_page_user;

/* Settings every page reads, set once before the server starts:
 * `public_url` ("": none) decides the cookies' names and Secure flag and
 * the embed snippet's address. */
void bs_page_configure(const char *public_url);

/* The absolute address of `path` ("/embed/o/0") for snippets: the public
 * URL's, else http://HOST of the request. */
void bs_page_absolute(const bs_web_call *call, const char *path, char *out, size_t size);

/* Who sent the call: a missing, unknown or expired session is "not in".
 * False after answering when the store failed. */
bool bs_page_visitor(bs_web_call *call, bs_ctx *ctx, bs_page_user *user);

/* The visitor, who must be logged in: false after answering (303 to
 * /login?next=PATH, or the store's error page). */
bool bs_page_need_user(bs_web_call *call, bs_ctx *ctx, bs_page_user *user);

/* Render template `name` with `data` (taken; NULL: {}) and the layout's
 * fields: "me" (the visitor's name), "csrf" (the token forms carry),
 * "notice" (a one-time notice left by the redirect before), "api_key" (a
 * key to show once), "title". */
void bs_page_render(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, int status,
                    const char *name, const char *title, json_t *data);

/* An error page: what the API would have answered, as a page. */
void bs_page_said(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const bs_said *said);
void bs_page_error(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, int status, const char *fmt,
                   ...) __attribute__((format(printf, 5, 6)));

/* Render the form page `name` again, with `said` as its error (status
 * said->http) and the fields the user typed (`data`, taken). */
void bs_page_form_error(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const char *name,
                        const char *title, json_t *data, const bs_said *said);

/* Redirect (303) to `location`, leaving `notice` (may be NULL) and
 * `api_key` (may be NULL) for the next page the session shows. */
void bs_page_redirect(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const char *location,
                      const char *notice, const char *api_key);

/* The POST's form (urlencoded, or multipart when `multipart`), with the
 * fields of `fields` (a "csrf" field is always allowed), after checking its
 * CSRF token: false after answering (400, 403, 413). */
bool bs_page_form(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const bs_form_limit *fields,
                  bool multipart, bs_form *form);

/* A text field of `form` ("" when absent). */
const char *bs_page_field(const bs_form *form, const char *name);

/* Field `name` of `form` as a whole number (decimal digits, no leading
 * zero; INT64_MAX when too large for one, for the field's own rule to
 * refuse) into *out; false with *said (400, "\"NAME\" must be a whole
 * number") when it is not one. */
bool bs_page_whole(const bs_form *form, const char *name, int64_t *out, bs_said *said);

/* Log `user` in as `canon`: a new session (the old one, if any, removed:
 * the id changes at login), its cookie set. False after answering. */
bool bs_page_login(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const char *canon);

/* Log out: the session removed, its cookie cleared. */
void bs_page_logout(bs_web_call *call, bs_ctx *ctx, bs_page_user *user);

/* The pre-login CSRF token (for the login and register forms), set as a
 * cookie when the visitor has none. */
void bs_page_pre_csrf(bs_web_call *call, bs_page_user *user);

/* `t` (unix seconds) as "2027-01-15 10:00:00 UTC" into out[32]. */
void bs_page_time(int64_t t, char out[32]);

/* What a page shows of a sold slot's ad: {"image": "/img/DIGEST.EXT",
 * "hover", "go": "/go/O/I/SLOT", "width", "height"}; NULL when the ad
 * cannot be read or the operator hid it (then the page shows "your ad
 * here", as the embed does). */
json_t *bs_page_slot_ad(bs_ctx *ctx, const bs_slot *slot);

/* Turn a JSON error set on a page's call (a malformed query, say) into the
 * same sentence as a page: the route table's hook for page routes. */
void bs_page_as_page(bs_web_call *call, bs_ctx *ctx);

#endif
