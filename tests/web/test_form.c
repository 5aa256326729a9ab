/*
 * test_form.c — web/form: urlencoded and multipart/form-data bodies.
 *
 * Every limit is tried exactly at and one past. Every multipart body goes
 * through the stream parser in chunks of 1, 2, 3 and 7 bytes and whole, and
 * through bs_form_parse_multipart: all must give the same parts and data,
 * or the same refusal (check_multipart). Every refusal's message is checked
 * to be one line of printable ASCII. The curl bodies are what curl 7.88.1
 * sent for `curl -F image=@x.png -F url=... ...` (captured with a listener
 * on a spare port), byte for byte.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/form.h"

#define MiB (1024 * 1024)

static const bs_form_limit ad_fields[] = {
    {"image", 4 * MiB, true},  {"url", 4096, false},        {"hover", 4096, false},
    {"nickname", 4096, false}, {"categories", 4096, false}, {NULL, 0, false},
};
static const bs_form_limits ad_limits = {.body_max = 8 * MiB, .fields = ad_fields};
static const bs_form_limits any_limits = {.body_max = 8 * MiB, .others = true, .other_max = MiB};

#define CT "multipart/form-data; boundary=XyZ"
#define B  "--XyZ"
#define CD "Content-Disposition: form-data; name="

/* ---- a growing buffer ---- */

typedef struct buf {
    char *p;
    size_t len, cap;
} buf;

static void
buf_add(buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void
buf_str(buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void
buf_fill(buf *b, char c, size_t n)
{
    buf_add(b, "", 0);
    for (size_t i = 0; i < n; i++)
        buf_add(b, &c, 1);
}

static void
buf_free(buf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* ---- checks ---- */

static void
assert_printable_line(const char *message)
{
    assert_true(message[0] != '\0');
    for (const char *p = message; *p != '\0'; p++)
        assert_true(*p >= 0x20 && *p < 0x7f);
}

static void
assert_refusal(const bs_form_error *err, bs_status st, int http, const char *message)
{
    if (err->status != st || (message != NULL && strcmp(err->message, message) != 0))
        print_message("want %d \"%s\"\n got %d \"%s\"\n", st, message ? message : "", err->status,
                      err->message);
    assert_int_equal(err->status, st);
    assert_int_equal(err->http, http);
    assert_non_null(err->code);
    assert_printable_line(err->message);
    if (message != NULL)
        assert_string_equal(err->message, message);
}

/* A record of the handler's calls, data pieces joined. */
static bs_status
record_part(void *arg, const bs_form_part *part, bs_form_error *err)
{
    char line[200];

    (void)err;
    snprintf(line, sizeof(line), "[part %u %s max=%zu binary=%d filename=", part->index, part->name,
             part->max, part->binary);
    buf_str(arg, line);
    buf_str(arg, part->filename != NULL ? part->filename : "(none)");
    buf_str(arg, " type=");
    buf_str(arg, part->content_type != NULL ? part->content_type : "(none)");
    buf_str(arg, "]");
    return BS_OK;
}

static bs_status
record_data(void *arg, const bs_form_part *part, const void *bytes, size_t len, bs_form_error *err)
{
    (void)part;
    (void)err;
    assert_true(len > 0);
    buf_add(arg, bytes, len);
    return BS_OK;
}

static bs_status
record_end(void *arg, const bs_form_part *part, bs_form_error *err)
{
    (void)part;
    (void)err;
    buf_str(arg, "[end]");
    return BS_OK;
}

static const bs_form_handler recorder = {record_part, record_data, record_end};

/* Feed body in chunks of `chunk` bytes (0: whole) and finish. */
static bs_status
stream(const char *ct, const char *body, size_t len, size_t chunk, const bs_form_limits *limits,
       buf *record, bs_form_error *err)
{
    bs_form_multipart *mp;
    bs_status st = bs_form_multipart_new(ct, limits, &recorder, record, &mp, err);

    if (st != BS_OK)
        return st;
    if (chunk == 0)
        chunk = len > 0 ? len : 1;
    for (size_t at = 0; at < len && st == BS_OK; at += chunk)
        st = bs_form_multipart_feed(mp, body + at, len - at < chunk ? len - at : chunk, err);
    if (st == BS_OK)
        st = bs_form_multipart_finish(mp, err);
    bs_form_multipart_free(mp);
    return st;
}

/* Parse a multipart body every way: the same answer each time; `message`
 * (when not NULL) is the refusal's. On BS_OK *form holds the fields. */
static void
check_multipart_ct(const char *ct, const char *body, size_t len, const bs_form_limits *limits,
                   bs_status want, const char *message, bs_form *form)
{
    static const size_t chunks[] = {0, 1, 2, 3, 7};
    buf first = {0};
    bs_form_error err, first_err = {0};
    bs_form whole;
    bs_status st;

    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        buf record = {0};

        memset(&err, 0, sizeof(err));
        st = stream(ct, body, len, chunks[i], limits, &record, &err);
        if (st != want)
            print_message("chunk %zu: want %d got %d: %s\n", chunks[i], want, st, err.message);
        assert_int_equal(st, want);
        if (st != BS_OK) {
            assert_refusal(&err, want, err.http, message);
            if (i == 0)
                first_err = err;
            assert_string_equal(err.message, first_err.message);
            assert_int_equal(err.http, first_err.http);
        } else if (i == 0) {
            first = record;
            record.p = NULL;
        } else {
            assert_int_equal(record.len, first.len);
            assert_memory_equal(record.p, first.p, first.len);
        }
        buf_free(&record);
    }
    st = bs_form_parse_multipart(ct, body, len, limits, &whole, &err);
    assert_int_equal(st, want);
    if (st != BS_OK) {
        assert_string_equal(err.message, first_err.message);
        assert_null(whole.mem);
        assert_int_equal(whole.count, 0);
    }
    /* bs_form_parse says the same. */
    if (st == BS_OK && form != NULL) {
        *form = whole;
    } else {
        bs_form again;

        bs_form_release(&whole);
        assert_int_equal(bs_form_parse(ct, body, len, limits, &again, &err), want);
        bs_form_release(&again);
    }
    buf_free(&first);
}

static void
check_multipart(const char *body, size_t len, const bs_form_limits *limits, bs_status want,
                const char *message, bs_form *form)
{
    check_multipart_ct(CT, body, len, limits, want, message, form);
}

/* A body that must be refused with `st` and `message`. */
static void
refused(const char *body, const bs_form_limits *limits, bs_status st, const char *message)
{
    check_multipart(body, strlen(body), limits, st, message, NULL);
}

static void
assert_field(const bs_form *form, const char *name, const char *value, size_t len,
             const char *filename, const char *type)
{
    const bs_form_field *f = bs_form_get(form, name);

    assert_non_null(f);
    assert_string_equal(f->name, name);
    assert_int_equal(f->len, len);
    assert_memory_equal(f->value, value, len);
    assert_int_equal(f->value[len], '\0');
    if (filename == NULL)
        assert_null(f->filename);
    else
        assert_string_equal(f->filename, filename);
    if (type == NULL)
        assert_null(f->content_type);
    else
        assert_string_equal(f->content_type, type);
}

/* ---- urlencoded ---- */

static bs_status
urlencoded(const char *body, const bs_form_limits *limits, bs_form *form, bs_form_error *err)
{
    return bs_form_parse_urlencoded(body, strlen(body), limits, form, err);
}

static void
url_refused(const char *body, const bs_form_limits *limits, bs_status st, const char *message)
{
    bs_form form;
    bs_form_error err;

    assert_int_equal(urlencoded(body, limits, &form, &err), st);
    assert_refusal(&err, st, st == BS_TOOLARGE ? 413 : 400, message);
    assert_null(form.mem);
    assert_int_equal(form.count, 0);
    bs_form_release(&form);
}

static void
test_form_urlencoded_fields_in_order(void **state)
{
    bs_form form;
    bs_form_error err;

    (void)state;
    assert_int_equal(
        urlencoded("&a=1&&b=hello+world&c=%41%62%2b%25&d&e=&f=x=y&", &any_limits, &form, &err),
        BS_OK);
    assert_int_equal(form.count, 6);
    assert_string_equal(form.fields[0].name, "a");
    assert_string_equal(form.fields[5].name, "f");
    assert_field(&form, "a", "1", 1, NULL, NULL);
    assert_field(&form, "b", "hello world", 11, NULL, NULL);
    assert_field(&form, "c", "Ab+%", 4, NULL, NULL);
    assert_field(&form, "d", "", 0, NULL, NULL);
    assert_field(&form, "e", "", 0, NULL, NULL);
    assert_field(&form, "f", "x=y", 3, NULL, NULL);
    assert_null(bs_form_get(&form, "g"));
    assert_null(bs_form_get(&form, "A"));
    bs_form_release(&form);
    bs_form_release(&form);
    bs_form_release(NULL);

    assert_int_equal(urlencoded("", &any_limits, &form, &err), BS_OK);
    assert_int_equal(form.count, 0);
    bs_form_release(&form);
    assert_int_equal(bs_form_parse_urlencoded(NULL, 0, &any_limits, &form, &err), BS_OK);
    bs_form_release(&form);
}

static void
test_form_urlencoded_as_curl_sends_it(void **state)
{
    /* curl --data-urlencode 'hover=Buy nice things & more'
     *      --data-urlencode 'url=https://example.com/a?b=1' -d nickname=bob */
    static const char body[] = "hover=Buy+nice+things+%26+more&url=https%3A%2F%2Fexample.com%2Fa%"
                               "3Fb%3D1&nickname=bob";
    bs_form form;
    bs_form_error err;

    (void)state;
    assert_int_equal(bs_form_parse("application/x-www-form-urlencoded", body, strlen(body),
                                   &ad_limits, &form, &err),
                     BS_OK);
    assert_int_equal(form.count, 3);
    assert_field(&form, "hover", "Buy nice things & more", 22, NULL, NULL);
    assert_field(&form, "url", "https://example.com/a?b=1", 25, NULL, NULL);
    assert_field(&form, "nickname", "bob", 3, NULL, NULL);
    bs_form_release(&form);
    assert_int_equal(bs_form_parse("Application/X-WWW-Form-Urlencoded; charset=UTF-8", body,
                                   strlen(body), &ad_limits, &form, &err),
                     BS_OK);
    bs_form_release(&form);
}

static void
test_form_urlencoded_bad_escapes_are_malformed(void **state)
{
    static const char *const values[] = {"%", "%4", "%zz", "%4g", "%g4", "ab%", "a%%41"};
    char body[64], message[160];

    (void)state;
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        snprintf(body, sizeof(body), "url=%s", values[i]);
        url_refused(body, &ad_limits, BS_INVALID,
                    "the form is malformed: the field \"url\" has a '%' without two hex digits "
                    "after it");
        snprintf(body, sizeof(body), "u%s=1", values[i]);
        url_refused(body, &any_limits, BS_INVALID,
                    "the form is malformed: a field name has a '%' without two hex digits after "
                    "it");
    }
    url_refused("url=a%00b", &ad_limits, BS_INVALID,
                "the form is malformed: the field \"url\" holds a NUL byte (%00)");
    url_refused("u%00rl=1", &ad_limits, BS_INVALID,
                "the form is malformed: a field name holds a NUL byte (%00)");
    snprintf(message, sizeof(message), "the form is malformed: a field has no name");
    url_refused("=1", &any_limits, BS_INVALID, message);
    url_refused("a=1&=", &any_limits, BS_INVALID, message);
}

static void
test_form_urlencoded_text_must_be_utf8(void **state)
{
    static const char *const bad[] = {"%C3%28", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%FF", "%C3",
                                      "\xff",   "%E2%82", "%E0%80%80", "%F0%80%80%80"};
    bs_form form;
    bs_form_error err;
    char body[64];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(body, sizeof(body), "hover=%s", bad[i]);
        url_refused(body, &ad_limits, BS_INVALID,
                    "the form is malformed: the field \"hover\" is not UTF-8 text");
        snprintf(body, sizeof(body), "%s=1", bad[i]);
        url_refused(body, &any_limits, BS_INVALID,
                    "the form is malformed: a field name is not UTF-8 text");
    }
    assert_int_equal(
        urlencoded("hover=%C3%A9+%E2%82%AC+%F0%9F%98%80+\xc3\xbc", &ad_limits, &form, &err), BS_OK);
    assert_field(&form, "hover", "\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xc3\xbc", 14, NULL, NULL);
    bs_form_release(&form);
}

static void
test_form_urlencoded_limits_at_and_past(void **state)
{
    bs_form_limits five = {.body_max = 100, .others = true, .other_max = 5};
    bs_form_limits twenty = {.body_max = 20, .others = true, .other_max = 100};
    bs_form form;
    bs_form_error err;
    char message[160];
    buf b = {0};

    (void)state;
    /* 32 fields, then 33. */
    for (int i = 0; i < 32; i++) {
        char pair[16];

        snprintf(pair, sizeof(pair), "%sf%d=%d", i > 0 ? "&" : "", i, i);
        buf_str(&b, pair);
    }
    assert_int_equal(urlencoded(b.p, &any_limits, &form, &err), BS_OK);
    assert_int_equal(form.count, 32);
    assert_field(&form, "f31", "31", 2, NULL, NULL);
    bs_form_release(&form);
    buf_str(&b, "&f32=32");
    url_refused(b.p, &any_limits, BS_TOOLARGE, "the form has more than 32 fields");
    buf_free(&b);

    /* A name of 64 bytes, then 65 (decoded: %61 is one byte). */
    buf_fill(&b, 'n', 61);
    buf_str(&b, "%61%61%61=1");
    assert_int_equal(urlencoded(b.p, &any_limits, &form, &err), BS_OK);
    assert_int_equal(strlen(form.fields[0].name), 64);
    bs_form_release(&form);
    buf_free(&b);
    buf_fill(&b, 'n', 65);
    buf_str(&b, "=1");
    url_refused(b.p, &any_limits, BS_TOOLARGE,
                "the form field \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\" has a name longer than "
                "64 bytes");
    buf_free(&b);

    /* A value of 64 KiB decoded, then one byte more; %41 counts one. */
    buf_str(&b, "v=");
    buf_fill(&b, 'a', 64 * 1024 - 1);
    buf_str(&b, "%41");
    assert_int_equal(urlencoded(b.p, &any_limits, &form, &err), BS_OK);
    assert_int_equal(form.fields[0].len, 64 * 1024);
    bs_form_release(&form);
    buf_str(&b, "+");
    snprintf(message, sizeof(message), "the form field \"v\" is larger than %d bytes", 64 * 1024);
    url_refused(b.p, &any_limits, BS_TOOLARGE, message);
    buf_free(&b);

    /* The caller's limit of a field; the body's limit. */
    assert_int_equal(urlencoded("ab=%41%41%41%41%41&c=1", &five, &form, &err), BS_OK);
    bs_form_release(&form);
    url_refused("ab=%41%41%41%41%41%41", &five, BS_TOOLARGE,
                "the form field \"ab\" is larger than 5 bytes");
    assert_int_equal(urlencoded("a=1&b=2&c=3&d=4&e=55", &twenty, &form, &err), BS_OK);
    bs_form_release(&form);
    url_refused("a=1&b=2&c=3&d=4&e=555", &twenty, BS_TOOLARGE, "the form is larger than 20 bytes");
    /* The table's limit, capped at BS_FORM_VALUE_MAX. */
    buf_str(&b, "image=");
    buf_fill(&b, 'a', 64 * 1024 + 1);
    snprintf(message, sizeof(message), "the form field \"image\" is larger than %d bytes",
             64 * 1024);
    url_refused(b.p, &ad_limits, BS_TOOLARGE, message);
    buf_free(&b);
}

static void
test_form_urlencoded_refuses_a_name_twice_and_strangers(void **state)
{
    (void)state;
    url_refused("url=a&hover=b&url=c", &ad_limits, BS_INVALID,
                "the form gives the field \"url\" twice");
    url_refused("url=a&%75rl=a", &ad_limits, BS_INVALID, "the form gives the field \"url\" twice");
    url_refused("url=a&hoover=b", &ad_limits, BS_INVALID,
                "the form has the field \"hoover\", which this request does not take");
    url_refused("%C3%A9=1&%C3%A9=2", &any_limits, BS_INVALID,
                "the form gives the field \"??\" twice");
    url_refused("a%22%5C%01=1&a%22%5C%01=2", &any_limits, BS_INVALID,
                "the form gives the field \"a???\" twice");
}

/* ---- multipart: the Content-Type ---- */

static void
boundary_is(const char *ct, const char *want)
{
    char boundary[BS_FORM_BOUNDARY_MAX + 1];
    bs_form_error err;

    if (bs_form_boundary(ct, boundary, &err) != BS_OK)
        print_message("%s: %s\n", ct, err.message);
    assert_int_equal(bs_form_boundary(ct, boundary, &err), BS_OK);
    assert_string_equal(boundary, want);
}

static void
boundary_refused(const char *ct, bs_status st, int http, const char *message)
{
    char boundary[BS_FORM_BOUNDARY_MAX + 1];
    bs_form_multipart *mp = (bs_form_multipart *)&boundary; /* not NULL: must become NULL */
    bs_form_error err;

    assert_int_equal(bs_form_boundary(ct, boundary, &err), st);
    assert_refusal(&err, st, http, message);
    assert_int_equal(bs_form_multipart_new(ct, &ad_limits, &recorder, NULL, &mp, &err), st);
    assert_null(mp);
    assert_refusal(&err, st, http, message);
}

static void
test_form_boundary_from_the_content_type(void **state)
{
    char ct[160], b70[71];

    (void)state;
    boundary_is("multipart/form-data; boundary=XyZ", "XyZ");
    boundary_is("Multipart/Form-Data;BOUNDARY=XyZ", "XyZ");
    boundary_is("multipart/form-data; charset=utf-8; boundary=\"a b:c\"; x=\"y;z\"", "a b:c");
    boundary_is("multipart/form-data; boundary=\"q\\a\\:\"", "qa:");
    boundary_is("multipart/form-data ; boundary=\"'()+_,-./:=?\" ;", "'()+_,-./:=?");
    boundary_is("multipart/form-data; boundary=------------------------aaad8e26799cabfd",
                "------------------------aaad8e26799cabfd");
    memset(b70, 'b', 70);
    b70[70] = '\0';
    snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%s", b70);
    boundary_is(ct, b70);
    snprintf(ct, sizeof(ct), "multipart/form-data; boundary=\"%s\"", b70);
    boundary_is(ct, b70);
    snprintf(ct, sizeof(ct), "multipart/form-data; boundary=%sb", b70);
    boundary_refused(ct, BS_INVALID, 400,
                     "the form is malformed: the boundary in the Content-Type is longer than 70 "
                     "characters");

    boundary_refused("multipart/form-data", BS_INVALID, 400,
                     "the form is malformed: no boundary in the Content-Type");
    boundary_refused("multipart/form-data; charset=utf-8", BS_INVALID, 400,
                     "the form is malformed: no boundary in the Content-Type");
    boundary_refused("multipart/form-data; boundary=\"\"", BS_INVALID, 400,
                     "the form is malformed: the boundary in the Content-Type is empty");
    boundary_refused("multipart/form-data; boundary=a; Boundary=b", BS_INVALID, 400,
                     "the form is malformed: the Content-Type gives the boundary twice");
    boundary_refused("multipart/form-data; boundary=\"a<b\"", BS_INVALID, 400,
                     "the form is malformed: the boundary in the Content-Type holds a character "
                     "RFC 2046 does not allow");
    boundary_refused("multipart/form-data; boundary=\"ab \"", BS_INVALID, 400,
                     "the form is malformed: the boundary in the Content-Type ends with a space");
    boundary_refused("multipart/form-data; boundary=a:b", BS_INVALID, 400,
                     "the form is malformed: the parameters of the Content-Type are not "
                     "well-formed");
    boundary_refused("multipart/form-data; boundary=\"abc", BS_INVALID, 400,
                     "the form is malformed: the parameters of the Content-Type are not "
                     "well-formed");
    boundary_refused("multipart/form-data; boundary=\"ab\\", BS_INVALID, 400,
                     "the form is malformed: the parameters of the Content-Type are not "
                     "well-formed");
    boundary_refused("multipart/form-data; boundary=\"a\x01\"", BS_INVALID, 400,
                     "the form is malformed: the parameters of the Content-Type are not "
                     "well-formed");
    boundary_refused("multipart/form-data; boundary=\"a\\\x7f\"", BS_INVALID, 400,
                     "the form is malformed: the parameters of the Content-Type are not "
                     "well-formed");
    boundary_refused("multipart/form-data; boundary=; x=y", BS_INVALID, 400,
                     "the form is malformed: the parameters of the Content-Type are not "
                     "well-formed");
    boundary_refused("multipart/form-data; boundary", BS_INVALID, 400,
                     "the form is malformed: the parameters of the Content-Type are not "
                     "well-formed");
    boundary_refused("multipart/mixed; boundary=a", BS_UNSUPPORTED, 415,
                     "the form must be sent as multipart/form-data or "
                     "application/x-www-form-urlencoded");
    boundary_refused("multipart/form-datax; boundary=a", BS_UNSUPPORTED, 415, NULL);
    boundary_refused("", BS_UNSUPPORTED, 415, NULL);
    boundary_refused(NULL, BS_UNSUPPORTED, 415, NULL);
}

static void
test_form_parse_needs_a_form_type(void **state)
{
    bs_form form;
    bs_form_error err;

    (void)state;
    assert_int_equal(bs_form_parse("application/json", "{}", 2, &ad_limits, &form, &err),
                     BS_UNSUPPORTED);
    assert_refusal(&err, BS_UNSUPPORTED, 415,
                   "the form must be sent as multipart/form-data or "
                   "application/x-www-form-urlencoded");
    assert_string_equal(err.code, "bad_form_type");
    assert_null(form.mem);
    assert_int_equal(bs_form_parse(NULL, "a=1", 3, &ad_limits, &form, &err), BS_UNSUPPORTED);
    assert_int_equal(err.http, 415);
}

/* ---- multipart: bodies ---- */

/* curl 7.88.1: curl -F image=@x.png -F url=https://example.com/a?b=1
 *   -F 'hover=Buy nice things' -F nickname=bob -F categories=food,drink */
static const char curl_ct[] =
    "multipart/form-data; boundary=------------------------aaad8e26799cabfd";
static const char curl_png[] =
    "\x89PNG\r\n"
    "\x1a\n"
    "\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a"
    "s\x00\x00\x00\x10IDATx\x9c"
    "c\xf8\xcf\xc0\x00"
    "D\x0c\x10\n"
    "\x00\x1f\xee\x03\xfd\x8b_\x14\xd4\x00\x00\x00\x00IEND\xae"
    "B`\x82";
static const char curl_body[] =
    "--------------------------aaad8e26799cabfd\r\n"
    "Content-Disposition: form-data; name=\"image\"; filename=\"x.png\"\r\n"
    "Content-Type: image/png\r\n"
    "\r\n"
    "\x89PNG\r\n"
    "\x1a\n"
    "\x00\x00\x00\rIHDR\x00\x00\x00\x02\x00\x00\x00\x02\x08\x02\x00\x00\x00\xfd\xd4\x9a"
    "s\x00\x00\x00\x10IDATx\x9c"
    "c\xf8\xcf\xc0\x00"
    "D\x0c\x10\n"
    "\x00\x1f\xee\x03\xfd\x8b_\x14\xd4\x00\x00\x00\x00IEND\xae"
    "B`\x82\r\n"
    "--------------------------aaad8e26799cabfd\r\n"
    "Content-Disposition: form-data; name=\"url\"\r\n"
    "\r\n"
    "https://example.com/a?b=1\r\n"
    "--------------------------aaad8e26799cabfd\r\n"
    "Content-Disposition: form-data; name=\"hover\"\r\n"
    "\r\n"
    "Buy nice things\r\n"
    "--------------------------aaad8e26799cabfd\r\n"
    "Content-Disposition: form-data; name=\"nickname\"\r\n"
    "\r\n"
    "bob\r\n"
    "--------------------------aaad8e26799cabfd\r\n"
    "Content-Disposition: form-data; name=\"categories\"\r\n"
    "\r\n"
    "food,drink\r\n"
    "--------------------------aaad8e26799cabfd--\r\n";

static void
test_form_multipart_as_curl_sends_it(void **state)
{
    bs_form form;
    bs_form_error err;

    (void)state;
    assert_int_equal(sizeof(curl_png) - 1, 73);
    assert_int_equal(sizeof(curl_body) - 1, 691); /* curl's Content-Length */
    check_multipart_ct(curl_ct, curl_body, sizeof(curl_body) - 1, &ad_limits, BS_OK, NULL, &form);
    assert_int_equal(form.count, 5);
    assert_field(&form, "image", curl_png, 73, "x.png", "image/png");
    assert_field(&form, "url", "https://example.com/a?b=1", 25, NULL, NULL);
    assert_field(&form, "hover", "Buy nice things", 15, NULL, NULL);
    assert_field(&form, "nickname", "bob", 3, NULL, NULL);
    assert_field(&form, "categories", "food,drink", 10, NULL, NULL);
    assert_string_equal(form.fields[0].name, "image");
    assert_string_equal(form.fields[4].name, "categories");
    bs_form_release(&form);

    /* The same through bs_form_parse. */
    assert_int_equal(
        bs_form_parse(curl_ct, curl_body, sizeof(curl_body) - 1, &ad_limits, &form, &err), BS_OK);
    assert_field(&form, "image", curl_png, 73, "x.png", "image/png");
    bs_form_release(&form);
}

static void
test_form_multipart_curl_filename_with_quote_and_backslash(void **state)
{
    /* curl -F 'image=@x.png;filename=a"b\c.png' -F 'hover=é ü "q"': curl
     * writes '"' as %22 (as browsers do) and the backslash as it is, which
     * a quoted-string reads as an escape of the 'c'. */
    static const char body[] =
        "--------------------------9ea2d4ea7d4f1400\r\n"
        "Content-Disposition: form-data; name=\"image\"; filename=\"a%22b\\c.png\"\r\n"
        "Content-Type: image/png\r\n"
        "\r\n"
        "PNG\r\n"
        "--------------------------9ea2d4ea7d4f1400\r\n"
        "Content-Disposition: form-data; name=\"hover\"\r\n"
        "\r\n"
        "\xc3\xa9 \xc3\xbc \"q\"\r\n"
        "--------------------------9ea2d4ea7d4f1400--\r\n";
    bs_form form;

    (void)state;
    check_multipart_ct("multipart/form-data; boundary=------------------------9ea2d4ea7d4f1400",
                       body, sizeof(body) - 1, &ad_limits, BS_OK, NULL, &form);
    assert_field(&form, "image", "PNG", 3, "a%22bc.png", "image/png");
    assert_field(&form, "hover", "\xc3\xa9 \xc3\xbc \"q\"", 9, NULL, NULL);
    bs_form_release(&form);
}

static void
test_form_multipart_preamble_padding_epilogue(void **state)
{
    static const char body[] =
        "This is the preamble.\r\n-- XyZ --XyZ\n--XyZ\r\n"
        "\r\n" B " \t \r\n" CD "\"url\"\r\n"
        "\r\n"
        "u\r\n" B "\t\r\n" CD "nickname\r\n"
        "\r\n"
        "n\r\n" B "-- \t\r\n"
        "This is the epilogue.\r\n" B "\r\n" CD "\"x\"\r\n\r\n\r\n" B "--\r\n";
    static const char bare_close[] = B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--";
    static const char padded_close[] = B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--  ";
    static const char leading_crlf[] = "\r\n" B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--\r\n";
    bs_form form;

    (void)state;
    check_multipart(body, sizeof(body) - 1, &ad_limits, BS_OK, NULL, &form);
    assert_int_equal(form.count, 2);
    assert_field(&form, "url", "u", 1, NULL, NULL);
    assert_field(&form, "nickname", "n", 1, NULL, NULL);
    bs_form_release(&form);
    check_multipart(bare_close, sizeof(bare_close) - 1, &ad_limits, BS_OK, NULL, &form);
    assert_field(&form, "url", "u", 1, NULL, NULL);
    bs_form_release(&form);
    check_multipart(padded_close, sizeof(padded_close) - 1, &ad_limits, BS_OK, NULL, &form);
    bs_form_release(&form);
    check_multipart(leading_crlf, sizeof(leading_crlf) - 1, &ad_limits, BS_OK, NULL, &form);
    assert_field(&form, "url", "u", 1, NULL, NULL);
    bs_form_release(&form);
}

static void
test_form_multipart_boundary_lookalikes_are_data(void **state)
{
    /* The delimiter is CRLF "--XyZ": without the CRLF, or cut short, or
     * after a lone CR or LF, it is data. */
    static const char data[] = "--XyZ\r\n"
                               "a--XyZ--\r\n"
                               "\n--XyZ\n"
                               "\r--XyZ\r"
                               "\r\n--XyYZ\r\n-\r\n--\r\n--X\r\n--Xy\r\r\n\r\r\n\r\n-";
    buf b = {0};
    bs_form form;

    (void)state;
    buf_str(&b, B "\r\n" CD "\"image\"; filename=\"f\"\r\n\r\n");
    buf_str(&b, data);
    buf_str(&b, "\r\n" B "\r\n" CD "\"hover\"\r\n\r\n");
    buf_str(&b, data);
    buf_str(&b, "\r\n" B "--\r\n");
    check_multipart(b.p, b.len, &ad_limits, BS_OK, NULL, &form);
    assert_field(&form, "image", data, sizeof(data) - 1, "f", NULL);
    assert_field(&form, "hover", data, sizeof(data) - 1, NULL, NULL);
    bs_form_release(&form);
    buf_free(&b);

    /* The boundary as the prefix of a line is not data (RFC 2046 forbids
     * it): refused rather than guessed. */
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "X\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: a boundary is followed by more than white space on its "
            "line");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "-X\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: a boundary is followed by more than white space on its "
            "line");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--X\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the closing boundary is followed by more than white space "
            "on its line");
}

static void
test_form_multipart_bare_lf_is_malformed(void **state)
{
    (void)state;
    /* All LF: the first boundary line already. */
    refused(B "\n" CD "\"url\"\n\nu\n" B "--\n", &ad_limits, BS_INVALID,
            "the form is malformed: a boundary line ends with LF alone, not CRLF");
    /* Headers with LF. */
    refused(B "\r\n" CD "\"url\"\n\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: a header line of part 1 ends with LF alone, not CRLF");
    refused(B "\r\n" CD "\"url\"\r\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: a header line of part 1 ends with CR alone, not CRLF");
    /* A delimiter after a bare LF is data: the body never closes. */
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\n" B "--\n", &ad_limits, BS_INVALID,
            "the form is malformed: the body ends before its closing boundary line");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--\n", &ad_limits, BS_INVALID,
            "the form is malformed: the closing boundary line ends with LF alone, not CRLF");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--\rx", &ad_limits, BS_INVALID,
            "the form is malformed: the closing boundary line ends with CR alone, not CRLF");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "\rx", &ad_limits, BS_INVALID,
            "the form is malformed: a boundary line ends with CR alone, not CRLF");
}

static void
test_form_multipart_empty_parts_and_no_parts(void **state)
{
    static const char empty[] =
        B "\r\n" CD "\"url\"\r\n\r\n\r\n" B "\r\n" CD "\"image\"; filename=\"\"\r\n"
          "Content-Type: application/octet-stream\r\n\r\n\r\n" B "--\r\n";
    static const char none[] = B "--\r\n";
    bs_form form;

    (void)state;
    check_multipart(empty, sizeof(empty) - 1, &ad_limits, BS_OK, NULL, &form);
    assert_int_equal(form.count, 2);
    assert_field(&form, "url", "", 0, NULL, NULL);
    assert_field(&form, "image", "", 0, "", "application/octet-stream");
    bs_form_release(&form);
    check_multipart(none, sizeof(none) - 1, &ad_limits, BS_OK, NULL, &form);
    assert_int_equal(form.count, 0);
    bs_form_release(&form);
}

static void
test_form_multipart_missing_close_delimiter(void **state)
{
    (void)state;
    refused("", &ad_limits, BS_INVALID,
            "the form is malformed: the body holds no boundary line of its Content-Type");
    refused("--XyA\r\n" CD "\"url\"\r\n\r\nu\r\n--XyA--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the body holds no boundary line of its Content-Type");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu", &ad_limits, BS_INVALID,
            "the form is malformed: the body ends before its closing boundary line");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B, &ad_limits, BS_INVALID,
            "the form is malformed: the body ends before its closing boundary line");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "-", &ad_limits, BS_INVALID,
            "the form is malformed: the body ends before its closing boundary line");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the body ends before its closing boundary line");
    refused(B "\r\n" CD "\"url\"\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the body ends before its closing boundary line");
    refused(B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--\r", &ad_limits, BS_INVALID,
            "the form is malformed: the body ends before its closing boundary line");
}

static void
test_form_multipart_quoted_boundary(void **state)
{
    static const char body[] = "--a b:c?\r\n" CD "\"url\"\r\n\r\nu\r\n--a b:c? \r\n" CD
                               "\"hover\"\r\n\r\nh --a b:c\r\n--a b:c?--\r\n";
    bs_form form;

    (void)state;
    check_multipart_ct("multipart/form-data; boundary=\"a b:c?\"", body, sizeof(body) - 1,
                       &ad_limits, BS_OK, NULL, &form);
    assert_field(&form, "url", "u", 1, NULL, NULL);
    assert_field(&form, "hover", "h --a b:c", 9, NULL, NULL);
    bs_form_release(&form);
}

static void
test_form_multipart_parts_limit_at_and_past(void **state)
{
    buf b = {0};
    bs_form form;

    (void)state;
    for (int i = 0; i < 16; i++) {
        char part[80];

        snprintf(part, sizeof(part), B "\r\n" CD "\"f%d\"\r\n\r\n%d\r\n", i, i);
        buf_str(&b, part);
    }
    buf_str(&b, B "--\r\n");
    check_multipart(b.p, b.len, &any_limits, BS_OK, NULL, &form);
    assert_int_equal(form.count, 16);
    assert_field(&form, "f15", "15", 2, NULL, NULL);
    bs_form_release(&form);
    b.len -= strlen(B "--\r\n");
    buf_str(&b, B "\r\n" CD "\"f16\"\r\n\r\n16\r\n" B "--\r\n");
    check_multipart(b.p, b.len, &any_limits, BS_TOOLARGE, "the form has more than 16 parts", NULL);
    buf_free(&b);
}

/* A part whose header block is exactly `size` bytes, blank line included. */
static void
part_with_headers(buf *b, size_t size)
{
    static const char head[] = CD "\"url\"\r\nX-Pad: ";
    size_t pad = size - (sizeof(head) - 1) - 4;

    buf_str(b, B "\r\n");
    buf_str(b, head);
    buf_fill(b, 'p', pad);
    buf_str(b, "\r\n\r\nu\r\n" B "--\r\n");
}

static void
test_form_multipart_headers_limit_at_and_past(void **state)
{
    buf b = {0};
    bs_form form;

    (void)state;
    part_with_headers(&b, 8192);
    check_multipart(b.p, b.len, &ad_limits, BS_OK, NULL, &form);
    assert_field(&form, "url", "u", 1, NULL, NULL);
    bs_form_release(&form);
    buf_free(&b);
    part_with_headers(&b, 8193);
    check_multipart(b.p, b.len, &ad_limits, BS_TOOLARGE,
                    "the headers of part 1 of the form are larger than 8192 bytes", NULL);
    buf_free(&b);

    /* A filename that fills the headers. */
    buf_str(&b, B "\r\n" CD "\"image\"; filename=\"");
    buf_fill(&b, 'f', 8192 - strlen(CD "\"image\"; filename=\"") - 5);
    buf_str(&b, "\"\r\n\r\nI\r\n" B "--\r\n");
    check_multipart(b.p, b.len, &ad_limits, BS_OK, NULL, &form);
    assert_int_equal(strlen(bs_form_get(&form, "image")->filename),
                     8192 - strlen(CD "\"image\"; filename=\"") - 5);
    bs_form_release(&form);
    buf_free(&b);
}

/* A body with the field `name` (a file when `file`) of `len` bytes 'd'. */
static void
field_of(buf *b, const char *name, bool file, size_t len)
{
    buf_str(b, B "\r\n" CD "\"");
    buf_str(b, name);
    buf_str(b, file ? "\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n" : "\"\r\n\r\n");
    buf_fill(b, 'd', len);
    buf_str(b, "\r\n" B "--\r\n");
}

static void
test_form_multipart_field_limits_at_and_past(void **state)
{
    buf b = {0};
    bs_form form;

    (void)state;
    field_of(&b, "image", true, 4 * MiB);
    check_multipart(b.p, b.len, &ad_limits, BS_OK, NULL, &form);
    assert_int_equal(bs_form_get(&form, "image")->len, 4 * MiB);
    bs_form_release(&form);
    buf_free(&b);
    field_of(&b, "image", true, 4 * MiB + 1);
    check_multipart(b.p, b.len, &ad_limits, BS_TOOLARGE,
                    "the form field \"image\" is larger than 4194304 bytes", NULL);
    buf_free(&b);

    field_of(&b, "hover", false, 4096);
    check_multipart(b.p, b.len, &ad_limits, BS_OK, NULL, &form);
    assert_int_equal(bs_form_get(&form, "hover")->len, 4096);
    bs_form_release(&form);
    buf_free(&b);
    field_of(&b, "hover", false, 4097);
    check_multipart(b.p, b.len, &ad_limits, BS_TOOLARGE,
                    "the form field \"hover\" is larger than 4096 bytes", NULL);
    buf_free(&b);

    /* Limit 0: only empty. */
    {
        static const bs_form_limit zero[] = {{"z", 0, false}, {NULL, 0, false}};
        bs_form_limits limits = {.body_max = 1000, .fields = zero};

        refused(B "\r\n" CD "z\r\n\r\n\r\n" B "--\r\n", &limits, BS_OK, NULL);
        refused(B "\r\n" CD "z\r\n\r\nz\r\n" B "--\r\n", &limits, BS_TOOLARGE,
                "the form field \"z\" is larger than 0 bytes");
        /* Past the limit with bytes held back as a possible delimiter. */
        refused(B "\r\n" CD "z\r\n\r\n\r\n--X\r\n" B "--\r\n", &limits, BS_TOOLARGE,
                "the form field \"z\" is larger than 0 bytes");
    }
}

static void
test_form_multipart_body_limit_at_and_past(void **state)
{
    static const char body[] = B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--\r\n";
    bs_form_limits limits = ad_limits;
    char message[80];

    (void)state;
    limits.body_max = sizeof(body) - 1;
    check_multipart(body, sizeof(body) - 1, &limits, BS_OK, NULL, NULL);
    limits.body_max = sizeof(body) - 2;
    snprintf(message, sizeof(message), "the form is larger than %zu bytes", limits.body_max);
    check_multipart(body, sizeof(body) - 1, &limits, BS_TOOLARGE, message, NULL);
    /* What breaks a rule inside the limit is said first. */
    limits.body_max = 6;
    check_multipart("--XyZ\n0123456", 13, &limits, BS_INVALID,
                    "the form is malformed: a boundary line ends with LF alone, not CRLF", NULL);
}

static void
test_form_multipart_refuses_a_name_twice_and_strangers(void **state)
{
    (void)state;
    refused(B "\r\n" CD "\"url\"\r\n\r\na\r\n" B "\r\n" CD "\"hover\"\r\n\r\nb\r\n" B "\r\n" CD
              "url\r\n\r\nc\r\n" B "--\r\n",
            &ad_limits, BS_INVALID, "the form gives the field \"url\" twice");
    refused(B "\r\n" CD "\"hoover\"\r\n\r\nb\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form has the field \"hoover\", which this request does not take");
    refused(B "\r\n" CD "\"\xc3\xa9\\\"\"\r\n\r\nb\r\n" B "\r\n" CD
              "\"\xc3\xa9\\\"\"\r\n\r\nb\r\n" B "--\r\n",
            &any_limits, BS_INVALID, "the form gives the field \"???\" twice");
}

static void
test_form_multipart_content_disposition(void **state)
{
    bs_form form;
    buf b = {0};

    (void)state;
    /* Quoted-pairs, a token, any case, other parameters skipped. */
    refused(B "\r\ncontent-disposition: FORM-DATA; NAME=\"u\\rl\"; x=\"a;b\"; Filename=\"a\\\\b\"; "
              "y=z\r\n\r\nu\r\n" B "--\r\n",
            &any_limits, BS_OK, NULL);
    buf_str(&b, B "\r\nContent-Disposition:form-data;name=url;;\r\nContent-Type:  text/plain; "
                  "charset=utf-8  \r\nX-Other: \xff\r\n\r\nu\r\n" B "--\r\n");
    check_multipart(b.p, b.len, &ad_limits, BS_OK, NULL, &form);
    assert_field(&form, "url", "u", 1, NULL, "text/plain; charset=utf-8");
    bs_form_release(&form);
    buf_free(&b);

    refused(B "\r\nContent-Type: text/plain\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: part 1 has no Content-Disposition header");
    refused(B "\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: part 1 has no Content-Disposition header");
    refused(B "\r\nContent-Disposition: attachment; name=\"url\"\r\n\r\nu\r\n" B "--\r\n",
            &ad_limits, BS_INVALID,
            "the form is malformed: the Content-Disposition of part 1 is not form-data");
    refused(B "\r\nContent-Disposition: form-data; filename=\"a\"\r\n\r\nu\r\n" B "--\r\n",
            &ad_limits, BS_INVALID,
            "the form is malformed: part 1 has no name in its Content-Disposition");
    refused(B "\r\n" CD "\"\"\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: part 1 has an empty name");
    refused(B "\r\n" CD "\"url\"; name=\"url\"\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the Content-Disposition of part 1 gives name twice");
    refused(B "\r\n" CD "\"image\"; filename=a; filename=b\r\n\r\nu\r\n" B "--\r\n", &ad_limits,
            BS_INVALID,
            "the form is malformed: the Content-Disposition of part 1 gives filename twice");
    refused(B "\r\n" CD "\"url\" x\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the Content-Disposition of part 1 is not well-formed");
    refused(B "\r\n" CD "\"url\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the Content-Disposition of part 1 is not well-formed");
    refused(B "\r\n" CD "url = x\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the Content-Disposition of part 1 is not well-formed");
    refused(B "\r\n" CD "\"\xff\"\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the name of part 1 is not UTF-8 text");
    refused(B "\r\n" CD "\"image\"; filename=\"\xc3\"\r\n\r\nu\r\n" B "--\r\n", &ad_limits,
            BS_INVALID, "the form is malformed: the filename of part 1 is not UTF-8 text");
    refused(B "\r\n" CD "\"url\"\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: part 1 gives its Content-Disposition header twice");
    refused(B "\r\n" CD "\"url\"\r\nContent-Type: a\r\ncontent-type: b\r\n\r\nu\r\n" B "--\r\n",
            &ad_limits, BS_INVALID,
            "the form is malformed: part 1 gives its Content-Type header twice");
    refused(B "\r\n" CD "\"url\"\r\nContent-Type: \xc3\xa9\r\n\r\nu\r\n" B "--\r\n", &ad_limits,
            BS_INVALID,
            "the form is malformed: the Content-Type of the field \"url\" is not ASCII");
    refused(B "\r\n" CD "\"url\"\r\n folded\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: part 1 has a folded header line");
    refused(B "\r\n" CD "\"url\"\r\nNo colon\r\n\r\nu\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: part 1 has a header line that is not \"Name: value\"");
    refused(B "\r\n" CD "\"url\"\r\nX: a\x01"
              "b\r\n\r\nu\r\n" B "--\r\n",
            &ad_limits, BS_INVALID,
            "the form is malformed: part 1 has a control character in a header");
    {
        static const char nul[] = B "\r\n" CD "\"url\"\r\nX: a\0b\r\n\r\nu\r\n" B "--\r\n";

        check_multipart(nul, sizeof(nul) - 1, &ad_limits, BS_INVALID,
                        "the form is malformed: part 1 has a control character in a header", NULL);
    }
}

static void
test_form_multipart_name_limit_at_and_past(void **state)
{
    buf b = {0};
    bs_form form;

    (void)state;
    buf_str(&b, B "\r\n" CD "\"");
    buf_fill(&b, 'n', 63);
    buf_str(&b, "\\n\"\r\n\r\nv\r\n" B "--\r\n");
    check_multipart(b.p, b.len, &any_limits, BS_OK, NULL, &form);
    assert_int_equal(strlen(form.fields[0].name), 64);
    bs_form_release(&form);
    buf_free(&b);
    buf_str(&b, B "\r\n" CD "\"");
    buf_fill(&b, 'n', 65);
    buf_str(&b, "\"\r\n\r\nv\r\n" B "--\r\n");
    check_multipart(b.p, b.len, &any_limits, BS_TOOLARGE,
                    "the form field \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\" has a name longer "
                    "than 64 bytes",
                    NULL);
    buf_free(&b);
}

static void
test_form_multipart_refuses_what_it_does_not_read(void **state)
{
    (void)state;
    refused(B "\r\n" CD "\"image\"; filename*=UTF-8''%e2%82%ac.png\r\n\r\nu\r\n" B "--\r\n",
            &ad_limits, BS_UNSUPPORTED,
            "part 1 of the form gives filename*=, an encoded parameter that is not supported; "
            "send the name and filename as quoted UTF-8");
    refused(B "\r\nContent-Disposition: form-data; name*=UTF-8''url\r\n\r\nu\r\n" B "--\r\n",
            &ad_limits, BS_UNSUPPORTED,
            "part 1 of the form gives name*=, an encoded parameter that is not supported; send "
            "the name and filename as quoted UTF-8");
    refused(B "\r\n" CD "\"url\"\r\nContent-Transfer-Encoding: base64\r\n\r\ndQ==\r\n" B "--\r\n",
            &ad_limits, BS_UNSUPPORTED,
            "the form field \"url\" is sent in Content-Transfer-Encoding \"base64\", which is not "
            "supported");
    refused(B "\r\n" CD "\"url\"\r\nContent-Transfer-Encoding: Binary\r\n\r\nu\r\n" B "--\r\n",
            &ad_limits, BS_OK, NULL);
}

static void
test_form_multipart_text_and_binary(void **state)
{
    static const char nul[] = B "\r\n" CD "\"hover\"\r\n\r\na\0b\r\n" B "--\r\n";
    static const char file[] =
        B "\r\n" CD "\"image\"; filename=\"f\"\r\n\r\n\0\xff\xfe\r\n" B "--\r\n";
    bs_form form;

    (void)state;
    check_multipart(nul, sizeof(nul) - 1, &ad_limits, BS_INVALID,
                    "the form is malformed: the field \"hover\" holds a NUL byte", NULL);
    refused(B "\r\n" CD "\"hover\"\r\n\r\na\xff"
              "b\r\n" B "--\r\n",
            &ad_limits, BS_INVALID, "the form is malformed: the field \"hover\" is not UTF-8 text");
    /* Cut short by the delimiter. */
    refused(B "\r\n" CD "\"hover\"\r\n\r\na\xe2\x82\r\n" B "--\r\n", &ad_limits, BS_INVALID,
            "the form is malformed: the field \"hover\" is not UTF-8 text");
    refused(B "\r\n" CD "\"hover\"\r\n\r\na\xe2\r\n" B "\r\n" CD "url\r\n\r\nu\r\n" B "--\r\n",
            &ad_limits, BS_INVALID, "the form is malformed: the field \"hover\" is not UTF-8 text");
    refused(B "\r\n" CD "\"hover\"\r\n\r\n\xe2\x82\xac\xf0\x9f\x98\x80\r\n" B "--\r\n", &ad_limits,
            BS_OK, NULL);
    check_multipart(file, sizeof(file) - 1, &ad_limits, BS_OK, NULL, &form);
    assert_field(&form, "image", "\0\xff\xfe", 3, "f", NULL);
    bs_form_release(&form);
}

/* ---- the stream's handler ---- */

static bs_status
refuse_part(void *arg, const bs_form_part *part, bs_form_error *err)
{
    (void)arg;
    (void)err;
    return strcmp(part->name, "url") == 0 ? BS_FORBIDDEN : BS_OK;
}

static bs_status
refuse_data_with_words(void *arg, const bs_form_part *part, const void *bytes, size_t len,
                       bs_form_error *err)
{
    (void)arg;
    (void)part;
    (void)bytes;
    (void)len;
    snprintf(err->message, sizeof(err->message), "that image is not a PNG");
    err->http = 422;
    return BS_INVALID;
}

static void
test_form_multipart_handler_refusals_are_sticky(void **state)
{
    static const bs_form_handler h1 = {refuse_part, NULL, NULL};
    static const bs_form_handler h2 = {NULL, refuse_data_with_words, NULL};
    static const char body[] =
        B "\r\n" CD "\"hover\"\r\n\r\nh\r\n" B "\r\n" CD "\"url\"\r\n\r\nu\r\n" B "--\r\n";
    bs_form_multipart *mp;
    bs_form_error err;

    (void)state;
    assert_int_equal(bs_form_multipart_new(CT, &ad_limits, &h1, NULL, &mp, &err), BS_OK);
    assert_int_equal(bs_form_multipart_feed(mp, body, sizeof(body) - 1, &err), BS_FORBIDDEN);
    assert_string_equal(err.message, "the form field \"url\" was refused");
    memset(&err, 0, sizeof(err));
    assert_int_equal(bs_form_multipart_feed(mp, "x", 1, &err), BS_FORBIDDEN);
    assert_string_equal(err.message, "the form field \"url\" was refused");
    assert_int_equal(bs_form_multipart_finish(mp, &err), BS_FORBIDDEN);
    assert_string_equal(err.message, "the form field \"url\" was refused");
    bs_form_multipart_free(mp);

    assert_int_equal(bs_form_multipart_new(CT, &ad_limits, &h2, NULL, &mp, &err), BS_OK);
    assert_int_equal(bs_form_multipart_feed(mp, body, sizeof(body) - 1, &err), BS_INVALID);
    assert_string_equal(err.message, "that image is not a PNG");
    assert_int_equal(err.http, 422);
    assert_string_equal(err.code, "bad_form");
    bs_form_multipart_free(mp);
    bs_form_multipart_free(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_form_urlencoded_fields_in_order),
        cmocka_unit_test(test_form_urlencoded_as_curl_sends_it),
        cmocka_unit_test(test_form_urlencoded_bad_escapes_are_malformed),
        cmocka_unit_test(test_form_urlencoded_text_must_be_utf8),
        cmocka_unit_test(test_form_urlencoded_limits_at_and_past),
        cmocka_unit_test(test_form_urlencoded_refuses_a_name_twice_and_strangers),
        cmocka_unit_test(test_form_boundary_from_the_content_type),
        cmocka_unit_test(test_form_parse_needs_a_form_type),
        cmocka_unit_test(test_form_multipart_as_curl_sends_it),
        cmocka_unit_test(test_form_multipart_curl_filename_with_quote_and_backslash),
        cmocka_unit_test(test_form_multipart_preamble_padding_epilogue),
        cmocka_unit_test(test_form_multipart_boundary_lookalikes_are_data),
        cmocka_unit_test(test_form_multipart_bare_lf_is_malformed),
        cmocka_unit_test(test_form_multipart_empty_parts_and_no_parts),
        cmocka_unit_test(test_form_multipart_missing_close_delimiter),
        cmocka_unit_test(test_form_multipart_quoted_boundary),
        cmocka_unit_test(test_form_multipart_parts_limit_at_and_past),
        cmocka_unit_test(test_form_multipart_headers_limit_at_and_past),
        cmocka_unit_test(test_form_multipart_field_limits_at_and_past),
        cmocka_unit_test(test_form_multipart_body_limit_at_and_past),
        cmocka_unit_test(test_form_multipart_refuses_a_name_twice_and_strangers),
        cmocka_unit_test(test_form_multipart_content_disposition),
        cmocka_unit_test(test_form_multipart_name_limit_at_and_past),
        cmocka_unit_test(test_form_multipart_refuses_what_it_does_not_read),
        cmocka_unit_test(test_form_multipart_text_and_binary),
        cmocka_unit_test(test_form_multipart_handler_refusals_are_sticky),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
