/*
 * fuzz_urlencoded.c — bs_form_parse_urlencoded of web/form.c (and
 * bs_form_parse with its Content-Type).
 *
 * The input is one control byte, then the body; the control byte's bits
 * 0-1 choose the limits (the ad upload's, large, tiny, tiny body).
 *
 * Checks:
 *   - bs_form_parse says the same as bs_form_parse_urlencoded;
 *   - a refusal is one line of printable ASCII, 413 for BS_TOOLARGE and
 *     400 for BS_INVALID, and leaves the form empty;
 *   - accepted: at most 32 fields, names of 1..64 bytes given once, values
 *     within their limit and 64 KiB, every name and value UTF-8 without NUL
 *     (checked apart from form.c's own check);
 *   - the fields, percent-encoded again byte by byte (every other byte as
 *     %XX, a space as '+'), parse to the same fields.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/form.h"

static const bs_form_limit ad_fields[] = {
    {"image", 4 << 20, true},  {"url", 4096, false},        {"hover", 4096, false},
    {"nickname", 4096, false}, {"categories", 4096, false}, {NULL, 0, false},
};
static const bs_form_limits limits_of[] = {
    {.body_max = 8 << 20, .fields = ad_fields},
    {.body_max = 1 << 20, .others = true, .other_max = 1 << 20},
    {.body_max = 1 << 20, .others = true, .other_max = 3},
    {.body_max = 40, .fields = ad_fields, .others = true, .other_max = 8},
};

static bool
utf8_text(const unsigned char *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        unsigned char b = s[i];
        uint32_t cp;
        size_t more;

        if (b == 0)
            return false;
        if (b < 0x80) {
            i++;
            continue;
        }
        if (b >= 0xc2 && b <= 0xdf) {
            more = 1;
            cp = b & 0x1f;
        } else if (b >= 0xe0 && b <= 0xef) {
            more = 2;
            cp = b & 0x0f;
        } else if (b >= 0xf0 && b <= 0xf4) {
            more = 3;
            cp = b & 0x07;
        } else {
            return false;
        }
        if (i + more >= n)
            return false;
        for (size_t k = 1; k <= more; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3f);
        }
        if ((more == 2 && cp < 0x800) || (more == 3 && cp < 0x10000) || cp > 0x10ffff ||
            (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += more + 1;
    }
    return true;
}

static size_t
limit_of(const bs_form_limits *limits, const char *name)
{
    for (const bs_form_limit *l = limits->fields; l != NULL && l->name != NULL; l++)
        if (strcmp(l->name, name) == 0)
            return l->max;
    if (!limits->others)
        abort(); /* a stranger was taken */
    return limits->other_max;
}

static char *
encode(char *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];

        if (c == ' ') {
            *out++ = '+';
        } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            *out++ = (char)c;
        } else {
            static const char hex[] = "0123456789ABCDEF";

            *out++ = '%';
            *out++ = hex[c >> 4];
            *out++ = hex[c & 15];
        }
    }
    return out;
}

static void
check_form(const bs_form *form, const bs_form_limits *limits)
{
    if (form->count > BS_FORM_FIELDS_MAX)
        abort();
    for (size_t i = 0; i < form->count; i++) {
        const bs_form_field *f = &form->fields[i];
        size_t n = strlen(f->name), max = limit_of(limits, f->name);

        if (n < 1 || n > BS_FORM_NAME_MAX || !utf8_text((const unsigned char *)f->name, n))
            abort();
        if (f->len > max || f->len > BS_FORM_VALUE_MAX || strlen(f->value) != f->len ||
            !utf8_text((const unsigned char *)f->value, f->len))
            abort();
        if (f->filename != NULL || f->content_type != NULL || bs_form_get(form, f->name) != f)
            abort();
    }
}

static void
check_refusal(const bs_form_error *err, bs_status st, const bs_form *form)
{
    if (err->status != st || err->message[0] == '\0' || err->code == NULL)
        abort();
    for (const char *p = err->message; *p != '\0'; p++)
        if (*p < 0x20 || *p >= 0x7f)
            abort();
    if (err->http != (st == BS_TOOLARGE ? 413 : 400) || (st != BS_TOOLARGE && st != BS_INVALID))
        abort();
    if (form->mem != NULL || form->count != 0)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const bs_form_limits *limits;
    bs_form form, again;
    bs_form_error err, err2;
    bs_status st, st2;
    char *text, *end;
    size_t len;

    if (size < 1)
        return 0;
    limits = &limits_of[data[0] & 3];
    st = bs_form_parse_urlencoded(data + 1, size - 1, limits, &form, &err);
    st2 = bs_form_parse("application/x-www-form-urlencoded; charset=utf-8", data + 1, size - 1,
                        limits, &again, &err2);
    if (st != st2 || (st != BS_OK && strcmp(err.message, err2.message) != 0))
        abort();
    bs_form_release(&again);
    if (st != BS_OK) {
        check_refusal(&err, st, &form);
        return 0;
    }
    check_form(&form, limits);

    /* Encode again, parse again: the same fields. */
    text = malloc(3 * (size - 1) + 2 * form.count + 1);
    if (text == NULL)
        abort();
    end = text;
    for (size_t i = 0; i < form.count; i++) {
        if (i > 0)
            *end++ = '&';
        end = encode(end, form.fields[i].name, strlen(form.fields[i].name));
        *end++ = '=';
        end = encode(end, form.fields[i].value, form.fields[i].len);
    }
    len = (size_t)(end - text);
    {
        bs_form_limits roomy = *limits;

        roomy.body_max = len;
        st = bs_form_parse_urlencoded(text, len, &roomy, &again, &err);
    }
    if (st != BS_OK || again.count != form.count)
        abort();
    for (size_t i = 0; i < form.count; i++)
        if (strcmp(again.fields[i].name, form.fields[i].name) != 0 ||
            again.fields[i].len != form.fields[i].len ||
            memcmp(again.fields[i].value, form.fields[i].value, form.fields[i].len) != 0)
            abort();
    bs_form_release(&again);
    bs_form_release(&form);
    free(text);
    return 0;
}
