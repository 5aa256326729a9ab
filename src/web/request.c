/*
 * request.c — see request.h. Pure functions over bytes: no h2o, no store.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"
#include "web/request.h"

bool
bs_web_request_path_match(const char *pattern, const char *path, size_t len,
                          char params[][BS_WEB_PARAM_MAX], size_t *nparams)
{
    const char *end = path + len;

    *nparams = 0;
    while (*pattern != '\0') {
        const char *pseg_end, *seg_end;
        size_t plen, slen;

        if (*pattern != '/' || path >= end || *path != '/')
            return false;
        pattern++;
        path++;
        pseg_end = strchr(pattern, '/');
        if (pseg_end == NULL)
            pseg_end = pattern + strlen(pattern);
        seg_end = memchr(path, '/', (size_t)(end - path));
        if (seg_end == NULL)
            seg_end = end;
        plen = (size_t)(pseg_end - pattern);
        slen = (size_t)(seg_end - path);
        if (plen >= 2 && pattern[0] == '{' && pattern[plen - 1] == '}') {
            /* A parameter is a C string: a NUL in it would cut it short
             * (h2o refuses one in a request target; this does not rely on
             * it). */
            if (slen == 0 || slen >= BS_WEB_PARAM_MAX || *nparams == BS_WEB_PARAMS_MAX ||
                memchr(path, '\0', slen) != NULL)
                return false;
            memcpy(params[*nparams], path, slen);
            params[(*nparams)++][slen] = '\0';
        } else if (plen != slen || memcmp(pattern, path, slen) != 0) {
            return false;
        }
        pattern = pseg_end;
        path = seg_end;
    }
    return path == end;
}

static bool
lower_hex(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

bool
bs_web_request_bearer(const char *value, size_t len, char key[BS_WEB_HEX_SECRET_LEN + 1])
{
    static const char scheme[] = "bearer ";
    const size_t n = sizeof(scheme) - 1;

    key[0] = '\0';
    if (len != n + BS_WEB_HEX_SECRET_LEN || strncasecmp(value, scheme, n) != 0 ||
        !lower_hex(value + n, BS_WEB_HEX_SECRET_LEN))
        return false;
    memcpy(key, value + n, BS_WEB_HEX_SECRET_LEN);
    key[BS_WEB_HEX_SECRET_LEN] = '\0';
    return true;
}

bool
bs_web_request_cookie(const char *header, const char *name, char out[BS_WEB_HEX_SECRET_LEN + 1])
{
    size_t n = strlen(name);

    for (const char *p = header; p != NULL && *p != '\0';) {
        const char *end;
        size_t len;

        p += strspn(p, " \t;");
        end = strchr(p, ';');
        len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == n + 1 + BS_WEB_HEX_SECRET_LEN && strncmp(p, name, n) == 0 && p[n] == '=' &&
            lower_hex(p + n + 1, BS_WEB_HEX_SECRET_LEN)) {
            memcpy(out, p + n + 1, BS_WEB_HEX_SECRET_LEN);
            out[BS_WEB_HEX_SECRET_LEN] = '\0';
            return true;
        }
        p = end;
    }
    return false;
}

#define JSON_TYPE "application/json"

bool
bs_web_request_is_json(const char *content_type)
{
    const size_t n = sizeof(JSON_TYPE) - 1;

    return content_type != NULL && strncasecmp(content_type, JSON_TYPE, n) == 0 &&
           (content_type[n] == '\0' || content_type[n] == ';' || content_type[n] == ' ');
}

static bool
known_name(const char *const *known, const char *name, size_t len)
{
    for (size_t i = 0; known[i] != NULL; i++)
        if (strlen(known[i]) == len && memcmp(known[i], name, len) == 0)
            return true;
    return false;
}

/* A name from the request, quoted back only when short and printable. */
static const char *
shown(const char *name, size_t len, char *buf, size_t size)
{
    if (len == 0 || len >= size || len > 64 || !bs_text_clean_utf8(name, len, NULL))
        return "(a field name)";
    memcpy(buf, name, len);
    buf[len] = '\0';
    return buf;
}

static void refuse(bs_web_request_error *err, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
refuse(bs_web_request_error *err, const char *code, const char *fmt, ...)
{
    va_list ap;

    err->http = 400;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
}

/* A number is written one way: Jansson reads "-0" as the integer 0, so
 * each field given as -0 (a value of the object itself) is made a real,
 * which every field that wants a whole number refuses with its own
 * sentence, as it refuses 0.0 or 1e3. Only the text can tell: a lexical
 * pass over the body, outside strings, remembering the last key. */
static void
mark_minus_zero(const char *body, size_t len, json_t *object)
{
    const char *key = NULL;
    size_t key_len = 0;
    char name[256];

    for (size_t i = 0; i < len; i++) {
        if (body[i] == '"') {
            size_t start = ++i;
            bool escaped = false;

            while (i < len && body[i] != '"') {
                if (body[i] == '\\') {
                    escaped = true;
                    i++;
                }
                i++;
            }
            key = escaped ? NULL : body + start;
            key_len = i - start;
        } else if (body[i] == '-' && i + 1 < len && body[i + 1] == '0' &&
                   (i + 2 == len || strchr(".eE0123456789", body[i + 2]) == NULL ||
                    body[i + 2] == '\0')) {
            json_t *v;

            if (key == NULL || key_len >= sizeof(name))
                continue;
            memcpy(name, key, key_len);
            name[key_len] = '\0';
            v = json_object_get(object, name);
            if (v != NULL && json_is_integer(v) && json_integer_value(v) == 0)
                json_object_set_new(object, name, json_real(-0.0));
        }
    }
}

json_t *
bs_web_request_json_object(const char *body, size_t len, const char *const *known,
                           bs_web_request_error *err)
{
    char names[256], buf[128];
    json_error_t error;
    const char *key;
    json_t *object, *value;

    object = json_loadb(body, len, JSON_REJECT_DUPLICATES, &error);
    if (object == NULL || !json_is_object(object)) {
        json_decref(object);
        if (object == NULL && json_error_code(&error) == json_error_duplicate_key)
            refuse(err, "bad_json", "the body must be a JSON object that gives each key once");
        else if (object == NULL && len > 0)
            refuse(err, "bad_json",
                   "the body must be a JSON object: it is not valid JSON at line %d, column %d%s",
                   error.line, error.column,
                   json_error_code(&error) == json_error_null_character ? " (a \\u0000 in a string)"
                   : json_error_code(&error) == json_error_numeric_overflow
                       ? " (a number too large)"
                       : "");
        else
            refuse(err, "bad_json", "the body must be a JSON object");
        return NULL;
    }
    mark_minus_zero(body, len, object);
    json_object_foreach(object, key, value)
    {
        if (!known_name(known, key, strlen(key))) {
            bs_web_request_list_names(known, names, sizeof(names));
            refuse(err, "unknown_field", "unknown field \"%s\" (known: %s)",
                   shown(key, strlen(key), buf, sizeof(buf)), names);
            json_decref(object);
            return NULL;
        }
    }
    return object;
}

void
bs_web_request_list_names(const char *const *names, char *out, size_t size)
{
    size_t used = 0, n = 0;

    out[0] = '\0';
    while (names != NULL && names[n] != NULL)
        n++;
    for (size_t i = 0; i < n && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s\"%s\"",
                                 i == 0       ? ""
                                 : i + 1 == n ? " and "
                                              : ", ",
                                 names[i]);
}
