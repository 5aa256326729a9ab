/*
 * fuzz_request.c — what `bitslot serve` reads of an HTTP request itself,
 * once h2o has split it into a request line and headers: web/request.c
 * (route patterns, Authorization, Cookie, a JSON body's Content-Type and
 * object), the query string as the worker parses it and the Content-Type's
 * multipart boundary (web/form.c).
 *
 * The input is up to six fields split at '\n' (the last takes the rest):
 * a route pattern, the request target (path, then the query after the
 * first '?', as h2o splits it), an Authorization value, a Cookie header, a
 * Content-Type, and the body.
 *
 * Checks:
 *   - a path that matches a pattern gives at most 3 parameters of 1..127
 *     bytes without '/', and the pattern with them put back is the path;
 *     the route table's own patterns likewise;
 *   - a campaign's {owner}/{index}, parsed as the API does (bs_ref_parse),
 *     is a valid canonical name and an index within BS_INDEX_MAX, writes
 *     it back the same, and its store key has exactly the slashes of
 *     "campaign/OWNER/INDEX" (no key of another document can be named);
 *   - a Bearer key is exactly "bearer " (any case) and 64 lowercase hex,
 *     and then the key is those 64 characters; else the key is "";
 *   - a cookie value is 64 lowercase hex that the header holds as NAME=VALUE;
 *   - a JSON object has only known keys; a refusal is 400 with its code
 *     and a sentence that is clean UTF-8 (it goes into a JSON answer:
 *     jansson refuses to encode anything else, which would be a 500);
 *   - a boundary is 1..70 of RFC 2046's characters, not ending in a space;
 *   - the query parses (or is refused with 400/413) as the worker does.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/names.h"
#include "util/text.h"
#include "web/form.h"
#include "web/request.h"

#define FIELDS 6

/* The route table's patterns (web/routes.c), as shapes to match paths to. */
static const char *const patterns[] = {
    "/",
    "/api/v1/campaigns/{owner}/{index}",
    "/api/v1/campaigns/{owner}/{index}/slots/{slot}",
    "/go/{owner}/{index}/{slot}",
    "/img/{file}",
    "/api/v1/admin/ads/{owner}/{index}/hide",
    NULL,
};

static const char *const known[] = {"name", "password", "amount", "to", "reason", NULL};

static char *
dup_text(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);

    if (s == NULL)
        abort();
    memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* {owner}/{index} as bs_api_campaign_ref reads them. */
static void
check_ref(const char *owner, const char *index)
{
    char text[2 * BS_WEB_PARAM_MAX + 2], again[BS_REF_MAX], key[BS_KEY_BUF];
    bs_name canon;
    bs_ref ref, back;
    int slashes = 0;

    snprintf(text, sizeof(text), "%s/%s", owner, index);
    if (strlen(text) >= BS_REF_MAX || bs_ref_parse(text, &ref) != BS_OK)
        return;
    if (!bs_name_valid(ref.owner) || ref.index > BS_INDEX_MAX)
        abort();
    bs_name_canonical(ref.owner, canon);
    if (strcmp(canon, ref.owner) != 0)
        abort();
    bs_ref_format(&ref, again);
    if (bs_ref_parse(again, &back) != BS_OK || !bs_ref_equal(&ref, &back))
        abort();
    bs_key_campaign(&ref, key);
    for (const char *p = key; *p != '\0'; p++)
        slashes += *p == '/';
    if (slashes != 2 || strstr(key, "..") != NULL)
        abort();
}

/* The pattern with params put back, compared with path[0..len). */
static void
check_match(const char *pattern, const char *path, size_t len)
{
    char params[BS_WEB_PARAMS_MAX][BS_WEB_PARAM_MAX], rebuilt[8192];
    size_t nparams = 99, used = 0, next = 0;

    if (!bs_web_request_path_match(pattern, path, len, params, &nparams))
        return;
    if (nparams > BS_WEB_PARAMS_MAX)
        abort();
    for (size_t i = 0; i < nparams; i++) {
        size_t n = strlen(params[i]);
        if (n == 0 || n >= BS_WEB_PARAM_MAX || strchr(params[i], '/') != NULL)
            abort();
    }
    for (const char *p = pattern; *p != '\0';) {
        const char *end = strchr(p + 1, '/');
        size_t plen = end != NULL ? (size_t)(end - p) : strlen(p);
        const char *seg = p + 1;
        size_t slen = plen - 1;

        if (slen >= 2 && seg[0] == '{' && seg[slen - 1] == '}') {
            if (next == nparams)
                abort();
            seg = params[next++];
            slen = strlen(seg);
        }
        if (used + 1 + slen >= sizeof(rebuilt))
            return; /* too long to check here */
        rebuilt[used++] = '/';
        memcpy(rebuilt + used, seg, slen);
        used += slen;
        p += plen;
    }
    if (next != nparams || used != len || memcmp(rebuilt, path, len) != 0)
        abort();
    if (nparams >= 2)
        check_ref(params[0], params[1]);
}

static bool
lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strchr("0123456789abcdef", s[i]) == NULL || s[i] == '\0')
            return false;
    return true;
}

static void
check_bearer(const char *value, size_t len)
{
    char key[BS_WEB_HEX_SECRET_LEN + 1];
    bool want = len == 7 + 64 && strncasecmp(value, "bearer ", 7) == 0 && lower_hex(value + 7, 64);

    memset(key, 'x', sizeof(key));
    if (bs_web_request_bearer(value, len, key) != want)
        abort();
    if (want ? memcmp(key, value + 7, 64) != 0 || key[64] != '\0' : key[0] != '\0')
        abort();
}

static void
check_cookie(const char *header, const char *name)
{
    char out[BS_WEB_HEX_SECRET_LEN + 1], pair[128];

    if (!bs_web_request_cookie(header, name, out))
        return;
    if (strlen(out) != 64 || !lower_hex(out, 64))
        abort();
    snprintf(pair, sizeof(pair), "%s=%s", name, out);
    if (strstr(header, pair) == NULL)
        abort();
}

static void
check_json(const char *content_type, const uint8_t *body, size_t len)
{
    bs_web_request_error err = {0};
    json_t *object, *value;
    const char *key;

    (void)bs_web_request_is_json(content_type);
    object = bs_web_request_json_object((const char *)body, len, known, &err);
    if (object != NULL) {
        json_object_foreach(object, key, value)
        {
            bool found = false;
            for (size_t i = 0; known[i] != NULL; i++)
                found = found || strcmp(known[i], key) == 0;
            if (!found)
                abort();
        }
        json_decref(object);
        return;
    }
    if (err.http != 400 || err.code == NULL ||
        (strcmp(err.code, "bad_json") != 0 && strcmp(err.code, "unknown_field") != 0) ||
        err.message[0] == '\0' || !bs_text_clean_utf8(err.message, strlen(err.message), NULL))
        abort();
    /* The answer's body must encode. */
    value = json_pack("{s:{s:s, s:s}}", "error", "code", err.code, "message", err.message);
    if (value == NULL)
        abort();
    json_decref(value);
}

static void
check_boundary(const char *content_type)
{
    char boundary[BS_FORM_BOUNDARY_MAX + 1];
    bs_form_error err;
    size_t n;

    if (bs_form_boundary(content_type, boundary, &err) != BS_OK)
        return;
    n = strlen(boundary);
    if (n == 0 || n > BS_FORM_BOUNDARY_MAX || boundary[n - 1] == ' ')
        abort();
    for (size_t i = 0; i < n; i++)
        if (strchr("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'()+_,-./:=? ",
                   boundary[i]) == NULL)
            abort();
}

static void
check_query(const char *target, size_t len)
{
    const char *q = memchr(target, '?', len);
    bs_form_limits limits = {.body_max = 8192, .others = true, .other_max = 1024};
    bs_form_error err;
    bs_form form;
    size_t path_len = q != NULL ? (size_t)(q - target) : len;

    for (size_t i = 0; patterns[i] != NULL; i++)
        check_match(patterns[i], target, path_len);
    if (q == NULL)
        return;
    if (bs_form_parse_urlencoded(q + 1, len - path_len - 1, &limits, &form, &err) == BS_OK)
        bs_form_release(&form);
    else if (err.http != 400 && err.http != 413)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *field[FIELDS] = {0};
    size_t len[FIELDS] = {0}, n = 0, at = 0;
    char *pattern, *cookie, *content_type;

    while (n < FIELDS) {
        const uint8_t *nl = n + 1 < FIELDS ? memchr(data + at, '\n', size - at) : NULL;
        field[n] = data + at;
        len[n] = nl != NULL ? (size_t)(nl - (data + at)) : size - at;
        at += len[n] + (nl != NULL);
        n++;
        if (nl == NULL)
            break;
    }
    for (size_t i = n; i < FIELDS; i++)
        field[i] = data + size;
    /* C strings where the server has them (a NUL ends them there too). */
    pattern = dup_text(field[0], len[0]);
    cookie = dup_text(field[3], len[3]);
    content_type = dup_text(field[4], len[4]);

    check_match(pattern, (const char *)field[1], len[1]);
    check_query((const char *)field[1], len[1]);
    check_bearer((const char *)field[2], len[2]);
    check_cookie(cookie, "bitslot_session");
    check_cookie(cookie, "__Host-bitslot_csrf");
    check_json(content_type, field[5], len[5]);
    check_boundary(content_type);

    free(pattern);
    free(cookie);
    free(content_type);
    return 0;
}
