/*
 * test_pages.c — the HTML pages of `bitslot serve` (issue 10) from the
 * outside, over real HTTP on a real LMDB store, as a browser without
 * JavaScript sees them: the cookies a visitor gets, the API key shown
 * once, every POST form refused without its CSRF token (and nothing
 * changed), no state change on GET, the session id changing at login and
 * dying at logout, the safety headers on every page but the embed, the
 * login's `next` never leaving the site, form errors keeping what was
 * typed with the API's sentence, user text only ever escaped, and the
 * Withdraw form of /account (a form sent twice reserves once).
 *
 * Invariants of the test itself:
 *   - The table of POST page routes (post_routes) is checked against
 *     bs_web_routes: a POST page route added without an entry here fails,
 *     so a new form cannot ship without its CSRF check being tested.
 *   - Each refusal is shown to be one: the same request with the right
 *     token is answered by the work (not 403), and the store is compared
 *     byte for byte (`bitslot dump`) around every refusal.
 *   - BITSLOT_NOW freezes the clock, so reading a session writes nothing:
 *     a GET that changes the store is a defect, not noise.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "web/routes.h"
#include "webtest.h"

#define ARGS(...)  ((const char *const[]){__VA_ARGS__, NULL})
#define URLENCODED "application/x-www-form-urlencoded"
#define BOUNDARY   "bitslot-test-boundary"
#define MULTIPART  "multipart/form-data; boundary=" BOUNDARY
#define HTML       "text/html; charset=utf-8"
#define HEX        "0123456789abcdef"
#define PASSWORD   "password1"
#define CSRF_REFUSAL                                                                               \
    "<p class=\"error\" id=\"error\">the form has expired or came from another site; reload the "  \
    "page and try again</p>"
#define SCRIPT         "<script>alert(1)</script>"
#define SCRIPT_ESCAPED "&lt;script&gt;alert(1)&lt;/script&gt;"

/* A browser: its cookies, and the CSRF token of the last page it saw. */
typedef struct browser {
    const bs_test_site *site;
    bool secure;          /* the server has an https public URL: __Host- names */
    char session[65];     /* the session cookie ("": none) */
    char pre[65];         /* the pre-login CSRF cookie ("": none) */
    char csrf[65];        /* the forms' token on the last page ("": none) */
    char cookies[2][256]; /* the Set-Cookie lines of the last answer */
    size_t ncookies;
} browser;

static void
browser_init(browser *b, const bs_test_site *site, bool secure)
{
    memset(b, 0, sizeof(*b));
    b->site = site;
    b->secure = secure;
}

static const char *
session_name(const browser *b)
{
    return b->secure ? "__Host-bitslot_session" : "bitslot_session";
}

static const char *
pre_name(const browser *b)
{
    return b->secure ? "__Host-bitslot_csrf" : "bitslot_csrf";
}

static bool
is_token(const char *s, size_t len)
{
    return len == 64 && strspn(s, HEX) >= 64;
}

/* Keep what a Set-Cookie line sets, as a browser would. */
static void
take_cookie(browser *b, const char *line)
{
    size_t n = strcspn(line, ";");
    const char *eq = memchr(line, '=', n);
    char *target;

    if (b->ncookies < 2)
        snprintf(b->cookies[b->ncookies++], sizeof(b->cookies[0]), "%s", line);
    if (eq == NULL)
        return;
    if ((size_t)(eq - line) == strlen(session_name(b)) &&
        strncmp(line, session_name(b), (size_t)(eq - line)) == 0)
        target = b->session;
    else if ((size_t)(eq - line) == strlen(pre_name(b)) &&
             strncmp(line, pre_name(b), (size_t)(eq - line)) == 0)
        target = b->pre;
    else
        return;
    if (is_token(eq + 1, (size_t)(line + n - eq - 1)))
        snprintf(target, 65, "%.64s", eq + 1);
    else
        target[0] = '\0'; /* cleared (Max-Age=0) */
}

/* METHOD path with the browser's cookies; keeps the cookies set and the
 * page's CSRF token. */
static bs_test_response
visit(browser *b, const char *method, const char *path, const char *type, const char *body,
      size_t len)
{
    char cookie[512] = "", *at;
    const char *headers[2] = {NULL, NULL};
    bs_test_response r;

    if (b->session[0] != '\0' || b->pre[0] != '\0') {
        snprintf(cookie, sizeof(cookie), "Cookie: %s%s%s%s%s%s", b->pre[0] ? pre_name(b) : "",
                 b->pre[0] ? "=" : "", b->pre, b->pre[0] && b->session[0] ? "; " : "",
                 b->session[0] ? session_name(b) : "", b->session[0] ? "=" : "");
        if (b->session[0] != '\0')
            snprintf(cookie + strlen(cookie), sizeof(cookie) - strlen(cookie), "%s", b->session);
        headers[0] = cookie;
    }
    r = bs_test_http_body(&b->site->server, method, path, type, body, len, headers);
    b->ncookies = 0;
    for (const char *line = r.headers; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        if (strncasecmp(line, "set-cookie: ", 12) == 0) {
            char value[256];
            snprintf(value, sizeof(value), "%.*s",
                     (int)((end != NULL ? (size_t)(end - line) : strlen(line)) - 12), line + 12);
            value[strcspn(value, "\r\n")] = '\0';
            take_cookie(b, value);
        }
        line = end != NULL ? end + 1 : NULL;
    }
    at = strstr(r.body, "name=\"csrf\" value=\"");
    if (at != NULL && is_token(at + 19, strcspn(at + 19, "\"")))
        snprintf(b->csrf, sizeof(b->csrf), "%.64s", at + 19);
    return r;
}

static bs_test_response
get(browser *b, const char *path)
{
    return visit(b, "GET", path, NULL, NULL, 0);
}

/* POST the urlencoded `fields` and, when `token` is not NULL, csrf=token. */
static bs_test_response
post(browser *b, const char *path, const char *fields, const char *token)
{
    char body[2048];

    snprintf(body, sizeof(body), "%s%s%s%s", fields, token != NULL && fields[0] ? "&" : "",
             token != NULL ? "csrf=" : "", token != NULL ? token : "");
    return visit(b, "POST", path, URLENCODED, body, strlen(body));
}

static void
expect_header(const bs_test_response *r, const char *name, const char *want)
{
    char got[1024];

    if (!bs_test_response_header(r, name, got, sizeof(got)))
        print_message("no %s header in:\n%s", name, r->headers);
    assert_true(bs_test_response_header(r, name, got, sizeof(got)));
    assert_string_equal(got, want);
}

static void
expect_status(const bs_test_response *r, long status)
{
    if (r->status != status)
        print_message("want %ld, got %ld:\n%s\n%s\n", status, r->status, r->headers, r->body);
    assert_int_equal(r->status, status);
}

static void
expect_in(const char *text, const char *part)
{
    if (strstr(text, part) == NULL)
        print_message("missing \"%s\" in:\n%s\n", part, text);
    assert_non_null(strstr(text, part));
}

static void
expect_not_in(const char *text, const char *part)
{
    if (strstr(text, part) != NULL)
        print_message("unexpected \"%s\" in:\n%s\n", part, text);
    assert_null(strstr(text, part));
}

/* A 303 to `location`; released. */
static void
expect_redirect(bs_test_response r, const char *location)
{
    expect_status(&r, 303);
    expect_header(&r, "location", location);
    bs_test_response_release(&r);
}

/* A page: `status`, HTML. */
static void
expect_page(const bs_test_response *r, long status)
{
    expect_status(r, status);
    expect_header(r, "content-type", HTML);
}

static void
site_open(bs_test_site *s, const char *name, const char *public_url)
{
    snprintf(s->url, sizeof(s->url), "lmdb:%s/%s", bs_test_tmpdir(), name);
    free(bs_test_site_run(s, 0, ARGS("init")));
    if (public_url == NULL)
        bs_test_server_start(&s->server, s->url, NULL);
    else
        bs_test_server_start_with(
            &s->server,
            ARGS("--store", s->url, "serve", "--listen", "127.0.0.1:0", "--public-url", public_url),
            NULL);
}

/* Register `name` through the pages: the browser is then logged in. */
static void
register_as(browser *b, const char *name)
{
    char fields[256];
    bs_test_response r = get(b, "/register");

    expect_page(&r, 200);
    bs_test_response_release(&r);
    snprintf(fields, sizeof(fields), "name=%s&password=" PASSWORD, name);
    expect_redirect(post(b, "/register", fields, b->csrf), "/account");
    assert_true(b->session[0] != '\0');
}

/* Log in as `name` through the pages (a GET of /login for the token). */
static void
login_as(browser *b, const char *name)
{
    char fields[256];
    bs_test_response r = get(b, "/login");

    expect_page(&r, 200);
    bs_test_response_release(&r);
    snprintf(fields, sizeof(fields), "name=%s&password=" PASSWORD, name);
    expect_redirect(post(b, "/login", fields, b->csrf), "/account");
}

/* GET /account: 200, logged in as `name`; the API key it shows (if any)
 * into key[65] ("" when none). */
static void
account_page(browser *b, const char *name, char key[65])
{
    static const char code[] = "<code id=\"api-key\">";
    char me[128];
    bs_test_response r = get(b, "/account");
    const char *at;

    expect_page(&r, 200);
    snprintf(me, sizeof(me), "<span id=\"me\">%s</span>", name);
    expect_in(r.body, me);
    key[0] = '\0';
    at = strstr(r.body, code);
    if (at != NULL) {
        at += sizeof(code) - 1;
        assert_true(is_token(at, strcspn(at, "<")));
        snprintf(key, 65, "%.64s", at);
    }
    bs_test_response_release(&r);
}

/* The API's answer to GET /api/v1/account with `key`. */
static long
api_status(const bs_test_site *s, const char *key, const char *name)
{
    bs_test_response r = bs_test_http(&s->server, "GET", "/api/v1/account", key, NULL);
    long status = r.status;
    char want[128];

    if (status == 200) {
        snprintf(want, sizeof(want), "\"name\":\"%s\"", name);
        expect_in(r.body, want);
    } else {
        assert_string_equal(r.body,
                            "{\"error\":{\"code\":\"bad_api_key\",\"message\":\"that API key is "
                            "not one of this service's (\\\"Authorization: Bearer\\\" and the 64 "
                            "characters account creation gave)\"}}");
    }
    bs_test_response_release(&r);
    return status;
}

static void
fund(const bs_test_site *s, const char *who, const char *amount)
{
    free(bs_test_site_run(s, 0, ARGS("account", "adjust", who, amount, "--reason", "test")));
}

/* An account made by the CLI (not the pages: registering through them is
 * throttled to 10 a minute, and the clock stands still). */
static void
cli_account(const bs_test_site *s, const char *name)
{
    bs_test_output out =
        bs_test_run(ARGS("--store", s->url, "account", "create", name), NULL, PASSWORD "\n");

    assert_int_equal(out.exit_code, 0);
    bs_test_output_release(&out);
}

static void
png(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s-300x250.png", bs_test_tmpdir(), name);
    bs_test_write_png(path, 300, 250);
}

static void
test_pages_cookies(void **state)
{
    bs_test_site site;
    browser b;
    bs_test_response r;
    char want[256];

    (void)state;
    site_open(&site, "cookies", NULL);
    browser_init(&b, &site, false);
    r = get(&b, "/register");
    expect_page(&r, 200);
    assert_int_equal(b.ncookies, 1);
    assert_true(b.pre[0] != '\0');
    snprintf(want, sizeof(want), "bitslot_csrf=%s; Path=/; HttpOnly; SameSite=Lax", b.pre);
    assert_string_equal(b.cookies[0], want);
    assert_string_equal(b.csrf, b.pre); /* the form carries the cookie's token */
    bs_test_response_release(&r);
    /* The cookie is not set again while the browser has it. */
    r = get(&b, "/login");
    expect_page(&r, 200);
    assert_int_equal(b.ncookies, 0);
    bs_test_response_release(&r);
    expect_redirect(post(&b, "/register", "name=alice&password=" PASSWORD, b.csrf), "/account");
    assert_int_equal(b.ncookies, 1);
    assert_true(b.session[0] != '\0');
    assert_string_not_equal(b.session, b.pre);
    snprintf(want, sizeof(want), "bitslot_session=%s; Path=/; HttpOnly; SameSite=Lax", b.session);
    assert_string_equal(b.cookies[0], want);
    free(bs_test_site_close(&site));

    /* Behind https: Secure, and the __Host- prefix (no Domain, Path=/). */
    site_open(&site, "cookies-https", "https://ads.example");
    browser_init(&b, &site, true);
    r = get(&b, "/register");
    expect_page(&r, 200);
    assert_int_equal(b.ncookies, 1);
    snprintf(want, sizeof(want), "__Host-bitslot_csrf=%s; Path=/; HttpOnly; SameSite=Lax; Secure",
             b.pre);
    assert_string_equal(b.cookies[0], want);
    bs_test_response_release(&r);
    expect_redirect(post(&b, "/register", "name=alice&password=" PASSWORD, b.csrf), "/account");
    assert_int_equal(b.ncookies, 1);
    snprintf(want, sizeof(want),
             "__Host-bitslot_session=%s; Path=/; HttpOnly; SameSite=Lax; Secure", b.session);
    assert_string_equal(b.cookies[0], want);
    free(bs_test_site_close(&site));
}

static void
test_pages_api_key_shown_once(void **state)
{
    char key[65], again[65], fresh[65];
    bs_test_site site;
    bs_test_response r;
    browser b;

    (void)state;
    site_open(&site, "apikey", NULL);
    browser_init(&b, &site, false);
    register_as(&b, "alice");
    account_page(&b, "alice", key);
    assert_true(key[0] != '\0');
    assert_int_equal(api_status(&site, key, "alice"), 200);
    account_page(&b, "alice", again);
    assert_string_equal(again, "");

    /* "New key": shown once; the old key dead, the new one working. */
    r = get(&b, "/account");
    expect_in(r.body, "<form id=\"new-key\" method=\"post\" action=\"/account/key\">");
    bs_test_response_release(&r);
    expect_redirect(post(&b, "/account/key", "", b.csrf), "/account");
    account_page(&b, "alice", fresh);
    assert_true(fresh[0] != '\0');
    assert_string_not_equal(fresh, key);
    account_page(&b, "alice", again);
    assert_string_equal(again, "");
    assert_int_equal(api_status(&site, key, "alice"), 401);
    assert_int_equal(api_status(&site, fresh, "alice"), 200);
    free(bs_test_site_close(&site));
}

/* Every POST route of the pages: what a form sends but its token, and the
 * answer when the token is right. */
typedef struct post_route {
    const char *pattern;  /* as in bs_web_routes */
    const char *path;     /* the pattern filled in */
    bool before_login;    /* a form of the pre-login token */
    bool multipart;       /* an upload (fields are then added by the test) */
    const char *fields;   /* urlencoded, without csrf */
    long status;          /* the answer with the right token */
    const char *location; /* its Location when a 303 */
} post_route;

static const post_route post_routes[] = {
    {"/account/key", "/account/key", false, false, "", 303, "/account"},
    {"/account/withdraw", "/account/withdraw", false, false,
     "amount=100000&address=bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4&request="
     "0123456789abcdef0123456789abcdef",
     303, "/account"},
    {"/account/funds/key", "/account/funds/key", false, false, "key=", 503, NULL},
    {"/account/funds/done", "/account/funds/done", false, false, "key=", 503, NULL},
    {"/ads/new", "/ads/new", false, true, NULL, 303, "/ads?added=alice/1"},
    {"/sell", "/sell", false, false,
     "title=Top&min_price=1000&slot_seconds=3600&width=300&height=250", 303,
     "/campaigns/alice/0?new=1"},
    {"/campaigns/{owner}/{index}/buy", "/campaigns/seller/0/buy", false, false,
     "ad=alice/0&slot=0&price=1000&confirm=yes", 303, "/campaigns/seller/0"},
    {"/logout", "/logout", false, false, "", 303, "/"},
    {"/register", "/register", true, false, "name=newcomer&password=" PASSWORD, 303, "/account"},
    {"/login", "/login", true, false, "name=alice&password=" PASSWORD, 303, "/account"},
};
#define POST_ROUTES (sizeof(post_routes) / sizeof(post_routes[0]))

static const post_route *
post_route_of(const char *pattern)
{
    for (size_t i = 0; i < POST_ROUTES; i++)
        if (strcmp(post_routes[i].pattern, pattern) == 0)
            return &post_routes[i];
    return NULL;
}

/* Does the route table have `method` `pattern`, and is it a page? */
static const bs_web_route *
route_of(const char *method, const char *pattern)
{
    for (const bs_web_route *r = bs_web_routes; r->method != NULL; r++)
        if (strcmp(r->method, method) == 0 && strcmp(r->pattern, pattern) == 0)
            return r;
    return NULL;
}

/* The multipart parts of an upload before its image: the token (when not
 * NULL), the link and the hover text. */
static void
upload_fields(char *out, size_t size, const char *token)
{
#define PART "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\""
    snprintf(out, size,
             "%s%s%s" PART "url\"\r\n\r\nhttps://shop.example/\r\n" PART
             "hover\"\r\n\r\nshoes\r\n" PART
             "image\"; filename=\"ad.png\"\r\nContent-Type: image/png\r\n\r\n",
             token != NULL ? PART "csrf\"\r\n\r\n" : "", token != NULL ? token : "",
             token != NULL ? "\r\n" : "");
#undef PART
}

/* POST the route's form as `b` with `token` (NULL: no csrf field). */
static bs_test_response
send_form(browser *b, const post_route *p, const char *token)
{
    static const char end[] = "\r\n--" BOUNDARY "--\r\n";
    char path[4200], fields[1024], *body;
    size_t len, image_len;
    bs_test_response r;
    FILE *f;

    if (!p->multipart)
        return post(b, p->path, p->fields, token);
    png("upload", path, sizeof(path));
    upload_fields(fields, sizeof(fields), token);
    len = strlen(fields);
    body = malloc(len + (1 << 20) + sizeof(end));
    assert_non_null(body);
    memcpy(body, fields, len);
    f = fopen(path, "rb");
    assert_non_null(f);
    image_len = fread(body + len, 1, 1 << 20, f);
    fclose(f);
    assert_true(image_len > 0 && image_len < (1 << 20));
    len += image_len;
    memcpy(body + len, end, sizeof(end) - 1);
    len += sizeof(end) - 1;
    r = visit(b, "POST", p->path, MULTIPART, body, len);
    free(body);
    return r;
}

/* A refusal of a form's missing or wrong token: 403, the sentence, no
 * cookie set. */
static void
expect_csrf_refusal(bs_test_response r, const char *why, const post_route *p, const browser *b)
{
    if (r.status != 403)
        print_message("POST %s %s: want 403, got %ld\n%s\n", p->path, why, r.status, r.body);
    expect_page(&r, 403);
    expect_in(r.body, CSRF_REFUSAL);
    assert_int_equal(b->ncookies, 0);
    bs_test_response_release(&r);
}

/* A site for the CSRF tests: alice (with an ad and 1000000 sat) and
 * mallory logged in through the pages, seller/0 for sale, two visitors not
 * logged in. */
typedef struct forms_site {
    bs_test_site site;
    browser alice, mallory, visitor, stranger;
} forms_site;

static void
forms_open(forms_site *f, const char *name)
{
    char image[4200];
    bs_test_response r;

    site_open(&f->site, name, NULL);
    browser_init(&f->alice, &f->site, false);
    browser_init(&f->mallory, &f->site, false);
    browser_init(&f->visitor, &f->site, false);
    browser_init(&f->stranger, &f->site, false);
    register_as(&f->alice, "alice");
    register_as(&f->mallory, "mallory");
    cli_account(&f->site, "seller");
    free(bs_test_site_run(&f->site, 0,
                          ARGS("campaign", "create", "seller", "--min-price", "1000",
                               "--slot-seconds", "3600", "--size", "300x250")));
    png("alice", image, sizeof(image));
    free(bs_test_site_run(
        &f->site, 0,
        ARGS("ad", "add", "alice", "--image", image, "--url", "https://shop.example/")));
    fund(&f->site, "alice", "1000000");
    r = get(&f->visitor, "/login");
    bs_test_response_release(&r);
    r = get(&f->stranger, "/login");
    bs_test_response_release(&r);
    assert_string_not_equal(f->visitor.pre, f->stranger.pre);
}

/* Every POST page route is in post_routes, and every entry is one. */
static void
test_pages_post_routes_all_listed(void **state)
{
    size_t posts = 0;

    (void)state;
    for (const bs_web_route *r = bs_web_routes; r->method != NULL; r++) {
        if (!r->page || strcmp(r->method, "POST") != 0)
            continue;
        if (post_route_of(r->pattern) == NULL)
            print_message("POST %s is a page route missing from post_routes: add it, with what "
                          "its form sends\n",
                          r->pattern);
        assert_non_null(post_route_of(r->pattern));
        posts++;
    }
    for (size_t i = 0; i < POST_ROUTES; i++) {
        const bs_web_route *r = route_of("POST", post_routes[i].pattern);
        assert_non_null(r);
        assert_true(r->page);
    }
    assert_int_equal(posts, POST_ROUTES);
}

static void
test_pages_csrf_refused_and_nothing_changed(void **state)
{
    forms_site f;

    (void)state;
    forms_open(&f, "csrf");
    for (size_t i = 0; i < POST_ROUTES; i++) {
        const post_route *p = &post_routes[i];
        browser *b = p->before_login ? &f.visitor : &f.alice;
        const char *other = p->before_login ? f.stranger.pre : f.mallory.csrf;
        char *before, *after;
        bs_test_response r;

        /* The page with the form first, as a browser would: b->csrf fresh. */
        r = get(b, p->before_login ? "/login" : "/account");
        expect_page(&r, 200);
        bs_test_response_release(&r);
        before = bs_test_site_dump(&f.site);
        expect_csrf_refusal(send_form(b, p, NULL), "without a token", p, b);
        expect_csrf_refusal(send_form(b, p, other), "with another's token", p, b);
        expect_csrf_refusal(send_form(b, p, ""), "with an empty token", p, b);
        if (!p->before_login) /* the pre-login token is not the session's */
            expect_csrf_refusal(send_form(b, p, b->pre), "with the pre-login token", p, b);
        after = bs_test_site_dump(&f.site);
        assert_string_equal(after, before);
        free(before);
        free(after);
        /* Still logged in (a refused logout logs nobody out), or still not. */
        r = get(b, "/account");
        if (p->before_login) {
            expect_redirect(r, "/login?next=/account");
        } else {
            expect_page(&r, 200);
            expect_in(r.body, "<span id=\"me\">alice</span>");
            bs_test_response_release(&r);
        }

        /* The same form with the right token does the work: the refusals
         * above were the token's. */
        r = send_form(b, p, b->csrf);
        expect_status(&r, p->status);
        if (p->location != NULL)
            expect_header(&r, "location", p->location);
        else
            expect_in(r.body, "this server has no bitcoin node");
        bs_test_response_release(&r);
        if (p->before_login)
            b->session[0] = '\0'; /* a visitor again */
        else if (strcmp(p->path, "/logout") == 0)
            login_as(b, "alice");
    }
    free(bs_test_site_close(&f.site));
}

/* GET of a POST-only page path: 405, an HTML page, Allow: POST, and
 * nothing done; GET of every page changes nothing either. */
static void
test_pages_get_changes_nothing(void **state)
{
    size_t post_only = 0;
    forms_site f;

    (void)state;
    forms_open(&f, "get");
    for (size_t i = 0; i < POST_ROUTES; i++) {
        const post_route *p = &post_routes[i];
        bs_test_response r;
        char *before, *after;

        if (route_of("GET", p->pattern) != NULL)
            continue;
        post_only++;
        r = get(&f.alice, "/account"); /* any notice taken: the dump is steady */
        bs_test_response_release(&r);
        before = bs_test_site_dump(&f.site);
        r = get(&f.alice, p->path);
        expect_page(&r, 405);
        expect_header(&r, "allow", "POST");
        expect_in(r.body, "<h1>Method not allowed</h1>");
        expect_in(r.body, "<p class=\"error\" id=\"error\">this page does not take that "
                          "method</p>");
        bs_test_response_release(&r);
        after = bs_test_site_dump(&f.site);
        assert_string_equal(after, before);
        free(before);
        free(after);
    }
    assert_int_equal(post_only, 6); /* logout, account/key and withdraw, funds key and done, buy */
    /* After GET /logout, still logged in. */
    {
        bs_test_response r = get(&f.alice, "/account");
        expect_page(&r, 200);
        expect_in(r.body, "<span id=\"me\">alice</span>");
        bs_test_response_release(&r);
    }
    /* Every GET page, logged in and not: the store as it was. */
    for (const bs_web_route *route = bs_web_routes; route->method != NULL; route++) {
        char path[256], *before, *after;
        bs_test_response r;
        const char *brace;

        if (!route->page || strcmp(route->method, "GET") != 0)
            continue;
        brace = strstr(route->pattern, "{owner}/{index}");
        snprintf(path, sizeof(path), "%.*s%s%s", (int)(brace ? brace - route->pattern : 10000),
                 route->pattern, brace ? "seller/0" : "", brace ? brace + 15 : "");
        before = bs_test_site_dump(&f.site);
        r = get(&f.alice, path);
        assert_true(r.status == 200 || r.status == 503); /* 503: Add Funds without a node */
        bs_test_response_release(&r);
        r = get(&f.visitor, path);
        assert_true(r.status == 200 || r.status == 303);
        bs_test_response_release(&r);
        after = bs_test_site_dump(&f.site);
        if (strcmp(after, before) != 0)
            print_message("GET %s changed the store\n", path);
        assert_string_equal(after, before);
        free(before);
        free(after);
    }
    free(bs_test_site_close(&f.site));
}

static void
test_pages_session_id_changes_at_login_and_dies_at_logout(void **state)
{
    char first[65], second[65];
    bs_test_site site;
    bs_test_response r;
    browser b, old;

    (void)state;
    site_open(&site, "sessions", NULL);
    browser_init(&b, &site, false);
    register_as(&b, "alice");
    snprintf(first, sizeof(first), "%s", b.session);
    old = b;
    /* Logging in again while logged in as alice: a new id; the old dead. */
    login_as(&b, "alice");
    assert_int_equal(b.ncookies, 1);
    snprintf(second, sizeof(second), "%s", b.session);
    assert_int_equal(strlen(second), 64);
    assert_string_not_equal(second, first);
    expect_redirect(get(&old, "/account"), "/login?next=/account");
    r = get(&b, "/account");
    expect_page(&r, 200);
    bs_test_response_release(&r);
    /* Log out: the cookie cleared, and the id dead even if kept. */
    old = b;
    expect_redirect(post(&b, "/logout", "", b.csrf), "/");
    assert_int_equal(b.ncookies, 1);
    assert_string_equal(b.cookies[0],
                        "bitslot_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    assert_string_equal(b.session, "");
    expect_redirect(get(&old, "/account"), "/login?next=/account");
    expect_redirect(get(&b, "/account"), "/login?next=/account");
    free(bs_test_site_close(&site));
}

/* The CSP of our pages: no framing, our script only, nothing inline. */
static void
expect_safety(const bs_test_response *r, const char *path)
{
    char csp[1024], v[256];

    if (!bs_test_response_header(r, "content-security-policy", csp, sizeof(csp)))
        print_message("GET %s: no content-security-policy\n", path);
    assert_true(bs_test_response_header(r, "content-security-policy", csp, sizeof(csp)));
    expect_in(csp, "frame-ancestors 'none'");
    expect_in(csp, "script-src 'self'");
    expect_not_in(csp, "unsafe-inline");
    expect_header(r, "x-content-type-options", "nosniff");
    assert_true(bs_test_response_header(r, "referrer-policy", v, sizeof(v)));
    assert_string_equal(v, "same-origin");
}

static void
test_pages_safety_headers(void **state)
{
    static const struct {
        const char *path;
        long status;
        const char *type;
    } pages[] = {
        {"/", 200, HTML},
        {"/login", 200, HTML},
        {"/account", 200, HTML},
        {"/campaigns/seller/0", 200, HTML},
        {"/campaigns/nobody/0", 404, HTML},
        {"/no/such/page", 404, HTML},
        {"/static/site.css", 200, "text/css; charset=utf-8"},
        {"/static/nothing.css", 404, HTML},
    };
    forms_site f;
    bs_test_response r;
    char csp[1024], v[64];

    (void)state;
    forms_open(&f, "safety");
    for (size_t i = 0; i < sizeof(pages) / sizeof(pages[0]); i++) {
        r = get(&f.alice, pages[i].path);
        expect_status(&r, pages[i].status);
        expect_header(&r, "content-type", pages[i].type);
        expect_safety(&r, pages[i].path);
        bs_test_response_release(&r);
    }
    r = get(&f.alice, "/campaigns/nobody/0");
    expect_in(r.body, "<p class=\"error\" id=\"error\">no campaign &quot;nobody/0&quot;</p>");
    bs_test_response_release(&r);
    r = get(&f.alice, "/no/such/page");
    expect_in(r.body, "<h1>Not found</h1>");
    expect_in(r.body, "<p class=\"error\" id=\"error\">no such page</p>");
    bs_test_response_release(&r);
    /* Publishers frame the embed. */
    r = get(&f.alice, "/embed/seller/0");
    expect_status(&r, 200);
    assert_true(bs_test_response_header(&r, "content-security-policy", csp, sizeof(csp)));
    expect_not_in(csp, "frame-ancestors 'none'");
    expect_not_in(csp, "unsafe-inline");
    assert_false(bs_test_response_header(&r, "x-frame-options", v, sizeof(v)));
    expect_header(&r, "x-content-type-options", "nosniff");
    bs_test_response_release(&r);
    /* The API's own 404 stays JSON. */
    r = get(&f.alice, "/api/v1/no/such/thing");
    expect_status(&r, 404);
    expect_header(&r, "content-type", "application/json");
    assert_string_equal(r.body,
                        "{\"error\":{\"code\":\"not_found\",\"message\":\"no such page\"}}");
    bs_test_response_release(&r);
    free(bs_test_site_close(&f.site));
}

static void
test_pages_login_next_stays_on_site(void **state)
{
    static const struct {
        const char *next; /* urlencoded */
        const char *location;
    } cases[] = {
        {"https%3A%2F%2Fevil.example%2F", "/account"},
        {"%2F%2Fevil.example%2F", "/account"},
        {"%2F%5Cevil.example", "/account"},
        {"%2F%09%2Fevil.example", "/account"}, /* browsers drop the tab: //evil */
        {"%2F%0D%0ASet-Cookie%3A+x%3D1", "/account"},
        {"", "/account"},
        {"evil", "/account"},
        {"%2Fsell", "/sell"},
        {"%2Fcampaigns%2Fseller%2F0", "/campaigns/seller/0"},
    };
    bs_test_site site;
    browser b;

    (void)state;
    site_open(&site, "next", NULL);
    cli_account(&site, "alice");
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char fields[256];
        bs_test_response r;

        browser_init(&b, &site, false);
        r = get(&b, "/login");
        bs_test_response_release(&r);
        snprintf(fields, sizeof(fields), "name=alice&password=" PASSWORD "&next=%s", cases[i].next);
        r = post(&b, "/login", fields, b.csrf);
        if (r.status == 303)
            print_message("next=%s\n", cases[i].next);
        expect_redirect(r, cases[i].location);
    }
    free(bs_test_site_close(&site));
}

static void
test_pages_form_error_keeps_what_was_typed(void **state)
{
    bs_test_output cli;
    char *before, *after, sentence[256];
    bs_test_response r;
    forms_site f;

    (void)state;
    forms_open(&f, "formerror");
    r = get(&f.alice, "/sell");
    bs_test_response_release(&r);
    before = bs_test_site_dump(&f.site);
    r = post(&f.alice, "/sell",
             "title=Big+%22banner%22&min_price=abc&slot_seconds=7200&width=728&height=90&"
             "disallow=gambling",
             f.alice.csrf);
    expect_page(&r, 400);
    expect_in(r.body, "<p class=\"error\" id=\"error\">&quot;min_price&quot; must be a whole "
                      "number</p>");
    expect_in(r.body, "name=\"title\" value=\"Big &quot;banner&quot;\"");
    expect_in(r.body, "name=\"min_price\" value=\"abc\"");
    expect_in(r.body, "name=\"slot_seconds\" value=\"7200\"");
    expect_in(r.body, "name=\"width\" value=\"728\"");
    expect_in(r.body, "name=\"height\" value=\"90\"");
    expect_in(r.body, "name=\"disallow\" value=\"gambling\"");
    expect_in(r.body, "name=\"csrf\" value=\"");
    bs_test_response_release(&r);

    /* A size the core refuses: the sentence `bitslot campaign create`
     * prints. */
    cli = bs_test_run(ARGS("--store", f.site.url, "campaign", "create", "alice", "--min-price",
                           "1000", "--slot-seconds", "3600", "--size", "0x250"),
                      NULL, NULL);
    assert_int_equal(cli.exit_code, 2);
    assert_string_equal(cli.err, "bitslot: the ad size must be 16 to 2048 pixels each way\n");
    snprintf(sentence, sizeof(sentence), "<p class=\"error\" id=\"error\">%.*s</p>",
             (int)strcspn(cli.err + 9, "\n"), cli.err + 9);
    bs_test_output_release(&cli);
    r = post(&f.alice, "/sell",
             "title=&min_price=1000&slot_seconds=3600&width=0&height=250&disallow=", f.alice.csrf);
    expect_page(&r, 400);
    expect_in(r.body, sentence);
    expect_in(r.body, "name=\"width\" value=\"0\"");
    expect_in(r.body, "name=\"height\" value=\"250\"");
    bs_test_response_release(&r);
    after = bs_test_site_dump(&f.site);
    assert_string_equal(after, before);
    free(before);
    free(after);
    free(bs_test_site_close(&f.site));
}

static void
test_pages_user_text_escaped(void **state)
{
    static const char *const paths[] = {"/", "/campaigns/evil/0", "/ads", "/account"};
    char image[4200];
    bs_test_site site;
    browser b;

    (void)state;
    site_open(&site, "escaping", NULL);
    cli_account(&site, "evil");
    free(bs_test_site_run(&site, 0,
                          ARGS("campaign", "create", "evil", "--min-price", "1000",
                               "--slot-seconds", "3600", "--size", "300x250", "--title", SCRIPT)));
    png("evil", image, sizeof(image));
    free(bs_test_site_run(&site, 0,
                          ARGS("ad", "add", "evil", "--image", image, "--url",
                               "https://shop.example/", "--hover", SCRIPT, "--nickname", SCRIPT)));
    fund(&site, "evil", "100000");
    free(bs_test_site_run(&site, 0, ARGS("buy", "evil", "evil/0", "--ad", "evil/0")));
    browser_init(&b, &site, false);
    login_as(&b, "evil");
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        bs_test_response r = get(&b, paths[i]);
        expect_page(&r, 200);
        expect_not_in(r.body, SCRIPT);
        expect_not_in(r.body, "<script>");
        if (strcmp(paths[i], "/account") != 0)
            expect_in(r.body, SCRIPT_ESCAPED);
        bs_test_response_release(&r);
    }
    /* The title, the hover text (as text and in attributes) on each page. */
    {
        bs_test_response r = get(&b, "/");
        expect_in(r.body, "title=\"" SCRIPT_ESCAPED "\"");
        expect_in(r.body, ">" SCRIPT_ESCAPED "<");
        bs_test_response_release(&r);
        r = get(&b, "/campaigns/evil/0");
        expect_in(r.body, "<title>" SCRIPT_ESCAPED " · bitslot</title>");
        expect_in(r.body, "title=\"" SCRIPT_ESCAPED "\"");
        bs_test_response_release(&r);
        r = get(&b, "/ads");
        expect_in(r.body, "<span class=\"hover\">" SCRIPT_ESCAPED "</span>");
        bs_test_response_release(&r);
    }
    free(bs_test_site_close(&site));
}

/* The buyer's balance, as the CLI shows it, must be `want`. */
static void
expect_balance(const bs_test_site *s, const char *who, long long want)
{
    char text[64], *out = bs_test_site_run(s, 0, ARGS("account", "show", who));

    snprintf(text, sizeof(text), "\"balance\":%lld", want);
    expect_in(out, text);
    free(out);
}

/* Outside test: the are-you-sure page named the page instead of the
 * campaign and confirmed whatever slot, price and ad the form made up; a
 * confirmed Buy sent twice (its answer lost) was told another tab changed
 * it; a link with a tracking parameter was refused. */
static void
test_pages_buy_confirm_and_resend(void **state)
{
    char image[4200];
    bs_test_site site;
    browser b;
    bs_test_response r;

    (void)state;
    site_open(&site, "buying", NULL);
    cli_account(&site, "seller");
    cli_account(&site, "buyer");
    cli_account(&site, "other");
    free(bs_test_site_run(&site, 0,
                          ARGS("campaign", "create", "seller", "--min-price", "1000",
                               "--slot-seconds", "3600", "--size", "300x250", "--title",
                               "Front page")));
    png("ads", image, sizeof(image));
    free(bs_test_site_run(
        &site, 0, ARGS("ad", "add", "buyer", "--image", image, "--url", "https://buyer.example/")));
    free(bs_test_site_run(
        &site, 0, ARGS("ad", "add", "other", "--image", image, "--url", "https://other.example/")));
    fund(&site, "buyer", "100000");
    browser_init(&b, &site, false);
    login_as(&b, "buyer");
    r = get(&b, "/campaigns/seller/0?utm_source=newsletter");
    expect_page(&r, 200);
    expect_in(r.body, "<span id=\"price\">1000</span>");
    bs_test_response_release(&r);

    /* A made-up slot and price: asked about the slot for sale now. */
    r = post(&b, "/campaigns/seller/0/buy", "ad=buyer/0&slot=7&price=1", b.csrf);
    expect_page(&r, 200);
    expect_in(r.body, "of “Front page” (seller/0)");
    expect_in(r.body, "<strong id=\"confirm-slot\">0</strong>");
    expect_in(r.body, "<strong id=\"confirm-price\">1000</strong>");
    expect_in(r.body, "id=\"moved\"");
    bs_test_response_release(&r);
    /* Someone else's ad, a slot in another spelling: refused at once. */
    r = post(&b, "/campaigns/seller/0/buy", "ad=other/0&slot=0&price=1000", b.csrf);
    expect_page(&r, 400);
    expect_in(r.body, "choose one of your ads of 300x250 pixels; the form needs the slot and the "
                      "price you saw");
    bs_test_response_release(&r);
    r = post(&b, "/campaigns/seller/0/buy", "ad=buyer/0&slot=00&price=1000&confirm=yes", b.csrf);
    expect_page(&r, 400);
    bs_test_response_release(&r);
    expect_balance(&site, "buyer", 100000);

    /* Bought; the same form again buys nothing and says so. */
    expect_redirect(
        post(&b, "/campaigns/seller/0/buy", "ad=buyer/0&slot=0&price=1000&confirm=yes", b.csrf),
        "/campaigns/seller/0");
    expect_balance(&site, "buyer", 99000);
    r = post(&b, "/campaigns/seller/0/buy", "ad=buyer/0&slot=0&price=1000&confirm=yes", b.csrf);
    expect_page(&r, 409);
    expect_in(r.body, "use one tab at a time: slot 0 of &quot;seller/0&quot; was bought in another "
                      "tab or window (or this form was sent twice); nothing more was charged");
    bs_test_response_release(&r);
    expect_balance(&site, "buyer", 99000);
    r = get(&b, "/campaigns/seller/0");
    expect_in(r.body, "<span id=\"for-sale\">1</span>");
    bs_test_response_release(&r);
    free(bs_test_site_close(&site));
}

#define WD_MAIN    "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
#define WD_TESTNET "tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx"

/* The Withdraw form's request id on page `body` into id[33]. */
static void
withdraw_request(const char *body, char id[33])
{
    static const char field[] = "name=\"request\" value=\"";
    const char *at = strstr(body, field);

    assert_non_null(at);
    snprintf(id, 33, "%.32s", at + sizeof(field) - 1);
    assert_int_equal(strspn(id, HEX), 32);
    assert_int_equal(at[sizeof(field) - 1 + 32], '"');
}

/* POST the Withdraw form; it must be refused with `status` and `sentence`
 * (as the page escapes it), show what was typed again, and change nothing.
 * The page's request id into id[33]. */
static void
withdraw_refused(browser *b, const char *fields, long status, const char *sentence,
                 const char *kept, char id[33])
{
    char *before = bs_test_site_dump(b->site), *after, error[768];
    bs_test_response r = post(b, "/account/withdraw", fields, b->csrf);

    expect_page(&r, status);
    snprintf(error, sizeof(error), "<p class=\"error\" id=\"error\">%s</p>", sentence);
    expect_in(r.body, error);
    expect_in(r.body, kept);
    expect_in(r.body, "<form id=\"withdraw\" method=\"post\" action=\"/account/withdraw\">");
    withdraw_request(r.body, id);
    bs_test_response_release(&r);
    after = bs_test_site_dump(b->site);
    assert_string_equal(after, before);
    free(before);
    free(after);
}

/* The Withdraw form of /account: the rule shown, each refusal the API's
 * sentence with what was typed kept, a form without its request id (or
 * with a bad one) refused, success a notice and a row, and the form sent
 * twice (its answer lost) reserving once. */
static void
test_pages_withdraw_form(void **state)
{
    char id[33], kept_id[33], fields[512], *before, *after;
    bs_test_response r;
    bs_test_site site;
    browser b;

    (void)state;
    site_open(&site, "withdraw", NULL);
    browser_init(&b, &site, false);
    register_as(&b, "alice");
    fund(&site, "alice", "1000000");
    r = get(&b, "/account");
    expect_page(&r, 200);
    expect_in(r.body, "The smallest withdrawal is <span id=\"min-withdrawal\">100000</span> sat. "
                      "The fee: <span id=\"withdraw-fee\">1.5 %</span> of the amount, rounded up "
                      "to the satoshi (1500 sat on 100000 sat)");
    expect_in(r.body, "<table id=\"withdrawals\">");
    expect_not_in(r.body, "<tr class=\"withdrawal\">");
    withdraw_request(r.body, id);
    bs_test_response_release(&r);

    /* No token: refused, nothing changed. */
    before = bs_test_site_dump(&site);
    snprintf(fields, sizeof(fields), "amount=100001&address=" WD_MAIN "&request=%s", id);
    r = post(&b, "/account/withdraw", fields, NULL);
    expect_page(&r, 403);
    expect_in(r.body, CSRF_REFUSAL);
    bs_test_response_release(&r);
    after = bs_test_site_dump(&site);
    assert_string_equal(after, before);
    free(before);
    free(after);

    /* Each refusal: the sentence, the form as typed, the same request id
     * (nothing was reserved under it). */
    snprintf(fields, sizeof(fields), "amount=abc&address=" WD_MAIN "&request=%s", id);
    withdraw_refused(&b, fields, 400, "&quot;amount&quot; must be a whole number",
                     "name=\"amount\" value=\"abc\"", kept_id);
    assert_string_equal(kept_id, id);
    snprintf(fields, sizeof(fields), "amount=99999&address=" WD_MAIN "&request=%s", id);
    withdraw_refused(&b, fields, 422, "99999 sat is below the smallest withdrawal, 100000 sat",
                     "<p class=\"cost\" id=\"withdraw-cost\">99999 sat costs 101499 sat with the "
                     "fee of 1500 sat.</p>",
                     kept_id);
    assert_string_equal(kept_id, id);
    snprintf(fields, sizeof(fields), "amount=990000&address=" WD_MAIN "&request=%s", id);
    withdraw_refused(&b, fields, 402,
                     "&quot;alice&quot; has 1000000 sat; withdrawing 990000 sat costs 1004850 sat "
                     "with the fee of 14850 sat",
                     "name=\"address\" value=\"" WD_MAIN "\"", kept_id);
    snprintf(fields, sizeof(fields), "amount=100001&address=" WD_TESTNET "&request=%s", id);
    withdraw_refused(&b, fields, 422,
                     "&quot;" WD_TESTNET "&quot; is an address of test and signet, not of main, "
                     "the network this service pays on",
                     "name=\"address\" value=\"" WD_TESTNET "\"", kept_id);
    snprintf(fields, sizeof(fields), "amount=100001&address=%%3Cb%%3E&request=%s", id);
    withdraw_refused(&b, fields, 422, "&quot;&lt;b&gt;&quot; is not a bitcoin address",
                     "name=\"address\" value=\"&lt;b&gt;\"", kept_id);
    assert_string_equal(kept_id, id);
    /* A form without its request id (not one the page made: sent twice it
     * would reserve twice), or with one that breaks the rule: refused, and
     * the form again with a new id. */
    for (int i = 0; i < 2; i++) {
        withdraw_refused(&b,
                         i == 0 ? "amount=100001&address=" WD_MAIN
                                : "amount=100001&address=" WD_MAIN "&request=",
                         400,
                         "this form is missing its request id: reload the page and send it again",
                         "name=\"amount\" value=\"100001\"", kept_id);
        assert_string_not_equal(kept_id, id);
    }
    withdraw_refused(
        &b, "amount=100001&address=" WD_MAIN "&request=0123456789ABCDEF0123456789abcdef", 400,
        "invalid request id &quot;0123456789ABCDEF0123456789abcdef&quot; (32 lowercase "
        "hex characters): send the form below again, with its new one",
        "name=\"amount\" value=\"100001\"", kept_id);
    assert_string_not_equal(kept_id, "0123456789ABCDEF0123456789abcdef");
    withdraw_refused(&b, "amount=100001&address=" WD_MAIN "&request=%3Cb%3E", 400,
                     "invalid request id &quot;&lt;b&gt;&quot; (32 lowercase hex characters): send "
                     "the form below again, with its new one",
                     "name=\"address\" value=\"" WD_MAIN "\"", kept_id);

    /* Asked for: amount + fee gone from the balance, a notice, a row. */
    snprintf(fields, sizeof(fields), "amount=100001&address=" WD_MAIN "&request=%s", id);
    expect_redirect(post(&b, "/account/withdraw", fields, b.csrf), "/account");
    r = get(&b, "/account");
    expect_page(&r, 200);
    expect_in(r.body,
              "<p class=\"notice\" id=\"notice\">withdrawal asked for: 100001 sat to " WD_MAIN
              ", with a fee of 1501 sat; your balance is 898498 sat; it is paid with "
              "the next payout</p>");
    expect_in(r.body, "<span id=\"balance\">898498</span>");
    expect_in(r.body, "<tr class=\"withdrawal\"><td class=\"time\">2027-01-15 08:00:00 "
                      "UTC</td><td class=\"amount\">100001</td><td class=\"fee\">1501</td><td "
                      "class=\"address\"><code>" WD_MAIN "</code></td><td "
                      "class=\"state\">requested</td><td class=\"reason\"></td><td "
                      "class=\"txid\"></td><td class=\"confirmations\"></td></tr>");
    withdraw_request(r.body, kept_id);
    assert_string_not_equal(kept_id, id); /* a new form, a new request */
    bs_test_response_release(&r);

    /* The same form again (its answer lost, or a double click): the same
     * withdrawal, nothing more reserved. */
    expect_redirect(post(&b, "/account/withdraw", fields, b.csrf), "/account");
    r = get(&b, "/account");
    expect_in(r.body, "<p class=\"notice\" id=\"notice\">this form was sent before: the same "
                      "withdrawal, nothing more reserved: 100001 sat to " WD_MAIN);
    expect_in(r.body, "<span id=\"balance\">898498</span>");
    {
        int rows = 0;
        for (const char *p = r.body; (p = strstr(p, "<tr class=\"withdrawal\">")) != NULL; p++)
            rows++;
        assert_int_equal(rows, 1);
    }
    bs_test_response_release(&r);

    /* The same form with another amount (after going back): refused, and
     * a new request id to ask again with. */
    snprintf(fields, sizeof(fields), "amount=100002&address=" WD_MAIN "&request=%s", id);
    withdraw_refused(&b, fields, 409,
                     "use one tab at a time: this form was sent before with another amount or "
                     "address (from another tab, or after going back); nothing more was "
                     "reserved: look at your withdrawals below, then ask again",
                     "name=\"amount\" value=\"100002\"", kept_id);
    assert_string_not_equal(kept_id, id);
    free(bs_test_site_close(&site));
}

/* Issue 11: an ad the operator hid is named on its buyer's account page,
 * with the operator's reason (escaped), beside the slot it fills, and on
 * My Ads; the campaign's page shows "your ad here" instead of it; buying a
 * slot with it is refused with the reason, writing nothing; the buyer's
 * money is not touched; shown again, the note goes. */
static void
test_pages_account_says_an_ad_is_hidden(void **state)
{
    char image[4200], *money, *after, *slots;
    bs_test_site site;
    bs_test_response r;
    browser b;

    (void)state;
    site_open(&site, "hidden", NULL);
    cli_account(&site, "seller");
    cli_account(&site, "buyer");
    free(bs_test_site_run(&site, 0,
                          ARGS("campaign", "create", "seller", "--min-price", "1000",
                               "--slot-seconds", "3600", "--size", "300x250")));
    png("hidden", image, sizeof(image));
    free(bs_test_site_run(
        &site, 0, ARGS("ad", "add", "buyer", "--image", image, "--url", "https://buyer.example/")));
    fund(&site, "buyer", "100000");
    free(bs_test_site_run(&site, 0, ARGS("buy", "buyer", "seller/0", "--ad", "buyer/0")));
    free(bs_test_site_run(&site, 0, ARGS("recover")));
    browser_init(&b, &site, false);
    login_as(&b, "buyer");
    r = get(&b, "/account");
    expect_page(&r, 200);
    expect_in(r.body, "<td class=\"clicks\">0</td><td class=\"note\"></td></tr>");
    expect_not_in(r.body, "hidden by the operator");
    bs_test_response_release(&r);
    money = bs_test_site_run(&site, 0, ARGS("dump", "account/"));

    free(bs_test_site_run(&site, 0,
                          ARGS("ad", "hide", "buyer/0", "--reason", "<b>misleading</b> & loud")));
    r = get(&b, "/account");
    expect_page(&r, 200);
    expect_in(r.body, "<td class=\"note\"><span class=\"hidden\">hidden by the operator: "
                      "&lt;b&gt;misleading&lt;/b&gt; &amp; loud</span></td></tr>");
    expect_in(r.body, "<span id=\"balance\">99000</span>");
    bs_test_response_release(&r);
    r = get(&b, "/campaigns/seller/0");
    expect_page(&r, 200);
    expect_in(r.body, "<div id=\"showing\"><span class=\"empty\">your ad here</span></div>");
    expect_not_in(r.body, "/go/seller/0/0");
    expect_not_in(r.body, "<option value=\"buyer/0\">"); /* not offered to buy with */
    bs_test_response_release(&r);
    /* My Ads says so too; a hidden ad is not bought. */
    r = get(&b, "/ads");
    expect_page(&r, 200);
    expect_in(r.body,
              " <span class=\"hidden\">hidden by the operator: &lt;b&gt;misleading&lt;/b&gt; "
              "&amp; loud</span></li>");
    bs_test_response_release(&r);
    slots = bs_test_site_run(&site, 0, ARGS("dump", "slot/"));
    r = post(&b, "/campaigns/seller/0/buy", "ad=buyer/0&slot=1&price=100000&confirm=yes", b.csrf);
    expect_page(&r, 403);
    expect_in(r.body, "<p class=\"error\" id=\"error\">ad &quot;buyer/0&quot; was hidden by the "
                      "operator: &lt;b&gt;misleading&lt;/b&gt; &amp; loud; choose another ad</p>");
    bs_test_response_release(&r);
    after = bs_test_site_run(&site, 0, ARGS("dump", "slot/"));
    assert_string_equal(after, slots);
    free(after);
    free(slots);
    after = bs_test_site_run(&site, 0, ARGS("dump", "account/"));
    assert_string_equal(after, money);
    free(after);

    free(bs_test_site_run(&site, 0, ARGS("ad", "show", "buyer/0")));
    r = get(&b, "/account");
    expect_not_in(r.body, "hidden by the operator");
    bs_test_response_release(&r);
    r = get(&b, "/ads");
    expect_not_in(r.body, "hidden by the operator");
    bs_test_response_release(&r);
    r = get(&b, "/campaigns/seller/0");
    expect_in(r.body, "<a href=\"/go/seller/0/0\">");
    expect_in(r.body, "<option value=\"buyer/0\">");
    bs_test_response_release(&r);
    after = bs_test_site_run(&site, 0, ARGS("dump", "account/"));
    assert_string_equal(after, money);
    free(after);
    free(money);
    free(bs_test_site_close(&site));
}

/* The operator's account has an API key for the admin routes once it asks
 * for one, but still no password: it cannot log in to the pages. */
static void
test_pages_operator_cannot_log_in(void **state)
{
    const char *const tries[] = {"name=operator&password=" PASSWORD,
                                 "name=operator&password=", "name=Operator&password=12345678"};
    bs_test_site site;
    bs_test_response r;
    char *before, *after;
    browser b;

    (void)state;
    site_open(&site, "operator", NULL);
    free(bs_test_site_run(&site, 0, ARGS("account", "new-key", "operator")));
    before = bs_test_site_run(&site, 0, ARGS("dump", "account/"));
    browser_init(&b, &site, false);
    for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
        r = get(&b, "/login");
        bs_test_response_release(&r);
        r = post(&b, "/login", tries[i], b.csrf);
        expect_page(&r, 401);
        expect_in(r.body, "that name and password do not match an account");
        assert_string_equal(b.session, "");
        bs_test_response_release(&r);
    }
    r = post(&b, "/register", "name=operator&password=" PASSWORD, b.csrf);
    expect_page(&r, 403);
    expect_in(r.body, "account name &quot;operator&quot; is reserved for the operator");
    bs_test_response_release(&r);
    after = bs_test_site_run(&site, 0, ARGS("dump", "account/"));
    assert_string_equal(after, before);
    free(before);
    free(after);
    free(bs_test_site_close(&site));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pages_post_routes_all_listed),
        cmocka_unit_test(test_pages_cookies),
        cmocka_unit_test(test_pages_api_key_shown_once),
        cmocka_unit_test(test_pages_csrf_refused_and_nothing_changed),
        cmocka_unit_test(test_pages_get_changes_nothing),
        cmocka_unit_test(test_pages_session_id_changes_at_login_and_dies_at_logout),
        cmocka_unit_test(test_pages_safety_headers),
        cmocka_unit_test(test_pages_login_next_stays_on_site),
        cmocka_unit_test(test_pages_form_error_keeps_what_was_typed),
        cmocka_unit_test(test_pages_user_text_escaped),
        cmocka_unit_test(test_pages_buy_confirm_and_resend),
        cmocka_unit_test(test_pages_withdraw_form),
        cmocka_unit_test(test_pages_account_says_an_ad_is_hidden),
        cmocka_unit_test(test_pages_operator_cannot_log_in),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
