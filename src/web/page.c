/*
 * page.c — see page.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <sodium.h>

#include "core/docs.h"
#include "core/moderation.h"
#include "model/ad.h"
#include "util/text.h"
#include "web/page.h"
#include "web/routes.h"
#include "web/server.h"
#include "web/template.h"

#define MULTIPART   "multipart/form-data"
#define URLENCODED  "application/x-www-form-urlencoded"
#define FORM_FIELDS 16
#define CSRF_FIELD  "csrf"

static struct {
    char public_url[512];
    bool secure; /* https: Secure cookies with the __Host- prefix */
} settings;

void
bs_page_configure(const char *public_url)
{
    snprintf(settings.public_url, sizeof(settings.public_url), "%s",
             public_url != NULL ? public_url : "");
    settings.secure = strncmp(settings.public_url, "https://", 8) == 0;
}

static const char *
session_cookie(void)
{
    return settings.secure ? "__Host-bitslot_session" : "bitslot_session";
}

static const char *
csrf_cookie(void)
{
    return settings.secure ? "__Host-bitslot_csrf" : "bitslot_csrf";
}

void
bs_page_absolute(const bs_web_call *call, const char *path, char *out, size_t size)
{
    if (settings.public_url[0] != '\0')
        snprintf(out, size, "%s%s", settings.public_url, path);
    else
        snprintf(out, size, "http://%s%s", call->host != NULL ? call->host : "127.0.0.1", path);
}

_Static_assert(BS_SESSION_ID_LEN == BS_WEB_HEX_SECRET_LEN, "a session cookie is read as hex");

/* Who sent the call; false with *said when the store failed. */
static bool
visitor(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, bs_said *said)
{
    bs_status st;

    memset(user, 0, sizeof(*user));
    if (!bs_web_request_cookie(call->cookie, csrf_cookie(), user->pre_csrf))
        user->pre_csrf[0] = '\0';
    if (!bs_web_request_cookie(call->cookie, session_cookie(), user->session_id))
        return true;
    st = bs_sessions_find(ctx, user->session_id, &user->session);
    if (st == BS_NOTFOUND) {
        user->session_id[0] = '\0';
        return true;
    }
    if (st != BS_OK) {
        bs_say_failure(st, "cannot read your session", said);
        return false;
    }
    user->in = true;
    snprintf(user->canon, sizeof(user->canon), "%s", user->session.account);
    return true;
}

bool
bs_page_visitor(bs_web_call *call, bs_ctx *ctx, bs_page_user *user)
{
    bs_said said;

    if (visitor(call, ctx, user, &said))
        return true;
    bs_page_said(call, ctx, user, &said);
    return false;
}

bool
bs_page_need_user(bs_web_call *call, bs_ctx *ctx, bs_page_user *user)
{
    char location[512], path[256];

    if (!bs_page_visitor(call, ctx, user))
        return false;
    if (user->in)
        return true;
    /* Back here after logging in: only our own paths (no open redirect),
     * and only a page one can GET (a form sent after the session ended
     * comes back to the account, not to a path that only takes POST). */
    snprintf(path, sizeof(path), "%s", call->path != NULL ? call->path : "/account");
    if (!bs_web_route_gettable(path, strlen(path)))
        snprintf(path, sizeof(path), "/account");
    snprintf(location, sizeof(location), "/login?next=%s", path);
    for (char *p = location + 12; *p != '\0'; p++)
        if (*p == '?' || *p == '&' || *p == '#' || *p == '%' || *p == '+' || *p == ' ')
            *p = '\0';
    bs_web_call_redirect(call, location);
    return false;
}

static void
set_session_cookie(bs_web_call *call, const char *id, bool clear)
{
    char cookie[256];

    snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Lax%s%s", session_cookie(),
             clear ? "" : id, settings.secure ? "; Secure" : "", clear ? "; Max-Age=0" : "");
    bs_web_call_set_cookie(call, cookie);
}

void
bs_page_pre_csrf(bs_web_call *call, bs_page_user *user)
{
    unsigned char bytes[BS_SESSION_ID_LEN / 2];
    char cookie[256];

    if (user->pre_csrf[0] != '\0')
        return;
    randombytes_buf(bytes, sizeof(bytes));
    sodium_bin2hex(user->pre_csrf, sizeof(user->pre_csrf), bytes, sizeof(bytes));
    snprintf(cookie, sizeof(cookie), "%s=%s; Path=/; HttpOnly; SameSite=Lax%s", csrf_cookie(),
             user->pre_csrf, settings.secure ? "; Secure" : "");
    bs_web_call_set_cookie(call, cookie);
}

/* The page (layout fields added to data) as the call's answer. */
static void
render(bs_web_call *call, bs_page_user *user, int status, const char *name, const char *title,
       json_t *data, const char *notice, const char *api_key)
{
    bs_html h = BS_HTML_INIT;
    char *page;
    size_t len;

    if (data == NULL)
        data = json_object();
    if (data == NULL ||
        json_object_set_new(data, "me", user->in ? json_string(user->canon) : json_null()) != 0 ||
        json_object_set_new(data, "csrf",
                            json_string(user->in ? user->session.csrf : user->pre_csrf)) != 0 ||
        json_object_set_new(data, "title", json_string(title)) != 0 ||
        (notice != NULL && notice[0] != '\0' &&
         json_object_set_new(data, "notice", json_string(notice)) != 0) ||
        (api_key != NULL && api_key[0] != '\0' &&
         json_object_set_new(data, "api_key", json_string(api_key)) != 0) ||
        bs_template_render(&h, name, data) != BS_OK) {
        json_decref(data);
        bs_html_release(&h);
        bs_web_call_error(call, 500, "internal", "the server could not render the page");
        return;
    }
    json_decref(data);
    page = bs_html_detach(&h, &len);
    if (page == NULL)
        bs_web_call_error(call, 503, "unavailable", "the server is out of memory; retry later");
    else
        bs_web_call_page(call, status, page, len);
}

void
bs_page_render(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, int status, const char *name,
               const char *title, json_t *data)
{
    char notice[BS_SESSION_NOTICE_MAX + 1] = "", api_key[BS_SESSION_KEY_LEN + 1] = "";

    /* A notice left by the redirect before: shown once. */
    if (user->in && (user->session.notice[0] != '\0' || user->session.api_key[0] != '\0') &&
        bs_sessions_take_flash(ctx, user->session_id, notice, api_key) != BS_OK) {
        notice[0] = '\0';
        api_key[0] = '\0';
    }
    render(call, user, status, name, title, data, notice, api_key);
}

void
bs_page_said(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const bs_said *said)
{
    json_t *data = json_pack("{s:s, s:i}", "error", said->text, "status", said->http);

    (void)ctx;
    render(call, user, said->http, "error", "Error", data, NULL, NULL);
}

void
bs_page_error(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, int status, const char *fmt, ...)
{
    bs_said said = {.http = status, .code = "error", .slot = -1, .price = -1};
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(said.text, sizeof(said.text), fmt, ap);
    va_end(ap);
    bs_page_said(call, ctx, user, &said);
}

void
bs_page_form_error(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const char *name,
                   const char *title, json_t *data, const bs_said *said)
{
    (void)ctx;
    if (data == NULL)
        data = json_object();
    if (data != NULL)
        json_object_set_new(data, "error", json_string(said->text));
    render(call, user, said->http, name, title, data, NULL, NULL);
}

void
bs_page_redirect(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const char *location,
                 const char *notice, const char *api_key)
{
    /* A notice lost to a failed write is a notice not shown; the work
     * itself is done. */
    if (user->in && ((notice != NULL && notice[0] != '\0') || (api_key != NULL && api_key[0])))
        (void)bs_sessions_set_flash(ctx, user->session_id, notice != NULL ? notice : "",
                                    api_key != NULL ? api_key : "");
    bs_web_call_redirect(call, location);
}

static bool
type_is(const char *content_type, const char *type)
{
    size_t n = strlen(type);

    return content_type != NULL && strncasecmp(content_type, type, n) == 0 &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

bool
bs_page_form(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const bs_form_limit *fields,
             bool multipart, bs_form *form)
{
    bs_form_limit all[FORM_FIELDS + 1];
    bs_form_limits limits = {.body_max = BS_WEB_BODY_MAX, .fields = all};
    const bs_form_field *token;
    const char *expected;
    bs_form_error err;
    size_t n = 0;
    bs_status st;

    for (; fields != NULL && fields[n].name != NULL && n < FORM_FIELDS - 1; n++)
        all[n] = fields[n];
    all[n++] = (bs_form_limit){CSRF_FIELD, BS_SESSION_ID_LEN, false};
    all[n] = (bs_form_limit){NULL, 0, false};
    if (multipart ? !type_is(call->content_type, MULTIPART)
                  : !type_is(call->content_type, URLENCODED)) {
        bs_page_error(call, ctx, user, 415, "this form must be sent as %s",
                      multipart ? MULTIPART : URLENCODED);
        return false;
    }
    st = multipart ? bs_form_parse_multipart(call->content_type, call->body, call->body_len,
                                             &limits, form, &err)
                   : bs_form_parse_urlencoded(call->body, call->body_len, &limits, form, &err);
    if (st != BS_OK) {
        bs_page_error(call, ctx, user, err.http, "%s", err.message);
        return false;
    }
    token = bs_form_get(form, CSRF_FIELD);
    expected = user->in ? user->session.csrf : user->pre_csrf;
    if (token == NULL || expected[0] == '\0' || token->len != strlen(expected) ||
        sodium_memcmp(token->value, expected, token->len) != 0) {
        bs_form_release(form);
        bs_page_error(call, ctx, user, 403,
                      "the form has expired or came from another site; reload the page and try "
                      "again");
        return false;
    }
    return true;
}

const char *
bs_page_field(const bs_form *form, const char *name)
{
    const bs_form_field *f = bs_form_get(form, name);

    return f != NULL ? f->value : "";
}

bool
bs_page_whole(const bs_form *form, const char *name, int64_t *out, bs_said *said)
{
    const char *text = bs_page_field(form, name);
    char *end;
    long long v;

    errno = 0;
    v = strtoll(text, &end, 10);
    if (bs_text_decimal(text, strlen(text)) && *end == '\0') {
        /* Too large for any rule: the rule of the field says how large. */
        *out = errno == ERANGE ? INT64_MAX : v;
        return true;
    }
    *said = (bs_said){.http = 400, .code = "invalid_field", .slot = -1, .price = -1};
    snprintf(said->text, sizeof(said->text), "\"%s\" must be a whole number", name);
    return false;
}

bool
bs_page_login(bs_web_call *call, bs_ctx *ctx, bs_page_user *user, const char *canon)
{
    char id[BS_SESSION_ID_LEN + 1];
    bs_session session;
    bs_status st;
    bs_said said;

    if (user->in)
        (void)bs_sessions_remove(ctx, user->session_id);
    st = bs_sessions_create(ctx, canon, id, &session);
    if (st != BS_OK) {
        bs_say_failure(st, "cannot open a session", &said);
        user->in = false;
        bs_page_said(call, ctx, user, &said);
        return false;
    }
    user->in = true;
    snprintf(user->canon, sizeof(user->canon), "%s", canon);
    memcpy(user->session_id, id, sizeof(id));
    user->session = session;
    set_session_cookie(call, id, false);
    sodium_memzero(id, sizeof(id));
    return true;
}

void
bs_page_logout(bs_web_call *call, bs_ctx *ctx, bs_page_user *user)
{
    if (user->in)
        (void)bs_sessions_remove(ctx, user->session_id);
    set_session_cookie(call, "", true);
    user->in = false;
}

void
bs_page_as_page(bs_web_call *call, bs_ctx *ctx)
{
    json_t *error = json_object_get(call->answer, "error");
    const char *message = json_string_value(json_object_get(error, "message"));
    bs_page_user user;
    bs_said said;

    if (call->answer == NULL || message == NULL)
        return;
    if (!visitor(call, ctx, &user, &said))
        memset(&user, 0, sizeof(user));
    bs_page_error(call, ctx, &user, call->status, "%s", message);
}

void
bs_page_time(int64_t t, char out[32])
{
    time_t when = (time_t)t;
    struct tm tm;

    if (gmtime_r(&when, &tm) == NULL || strftime(out, 32, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(out, 32, "%lld", (long long)t);
}

json_t *
bs_page_slot_ad(bs_ctx *ctx, const bs_slot *slot)
{
    char image[128], go[BS_REF_MAX + 8], ref[BS_REF_MAX];
    const char *ext;
    bs_ad ad;

    bs_adhide hide;

    if (bs_docs_ad(ctx, &slot->ad, &ad) != BS_OK || (ext = bs_ad_ext(ad.mime)) == NULL ||
        bs_moderation_get(ctx, &slot->ad, &hide) != BS_NOTFOUND)
        return NULL; /* hidden by the operator (or cannot say): as the embed shows it */
    snprintf(image, sizeof(image), "/img/%s.%s", ad.image, ext);
    bs_slot_ref_format(&slot->campaign, slot->index, ref);
    snprintf(go, sizeof(go), "/go/%s", ref);
    return json_pack("{s:s, s:s, s:s, s:I, s:I}", "image", image, "hover", ad.hover, "go", go,
                     "width", (json_int_t)ad.width, "height", (json_int_t)ad.height);
}
