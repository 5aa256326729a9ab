/*
 * fuzz_multipart.c — the multipart/form-data stream parser of web/form.c
 * (bs_form_multipart_*) and bs_form_parse_multipart.
 *
 * The input is two control bytes, then the body:
 *   byte 0, bits 0-1: the Content-Type (a boundary of 3 characters, curl's
 *           40, a quoted one with a space, a single '-');
 *           bits 2-3: the limits (the ad upload's, large, tiny, tiny files);
 *   byte 1: the seed of the chunk sizes (1..64 bytes, from a generator the
 *           seed and the body drive).
 * The body is parsed whole, in those chunks, a byte at a time, and by
 * bs_form_parse_multipart.
 *
 * Checks:
 *   - every way gives the same status; a refusal the same message, one line
 *     of printable ASCII, with the HTTP status of its kind (413 for
 *     BS_TOOLARGE, 400 else);
 *   - accepted, every way gives the same parts, names, filenames, types and
 *     data (data cut anywhere), and bs_form_parse_multipart the same fields;
 *   - the calls come in order (part, data..., end), a part's data never
 *     passes its limit, a text part's data is UTF-8 without NUL, a name is
 *     1..64 bytes of UTF-8 given once, there are at most 16 parts.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/form.h"

static const char *const content_types[] = {
    "multipart/form-data; boundary=XyZ",
    "multipart/form-data; boundary=------------------------aaad8e26799cabfd",
    "Multipart/Form-Data; charset=utf-8; BOUNDARY=\"a b:c?\"",
    "multipart/form-data; boundary=-",
};

static const bs_form_limit ad_fields[] = {
    {"image", 4 << 20, true},  {"url", 4096, false},        {"hover", 4096, false},
    {"nickname", 4096, false}, {"categories", 4096, false}, {NULL, 0, false},
};
static const bs_form_limit tiny_files[] = {
    {"image", 8, true}, {"f", 0, true}, {"url", 5, false}, {NULL, 0, false}};
static const bs_form_limits limits_of[] = {
    {.body_max = 8 << 20, .fields = ad_fields},
    {.body_max = 1 << 20, .others = true, .other_max = 1 << 20},
    {.body_max = 200, .others = true, .other_max = 3},
    {.body_max = 1 << 20, .fields = tiny_files, .others = true, .other_max = 2},
};

typedef struct record {
    char *p;
    size_t len, cap;
    bool in_part;
    size_t count; /* of the current part's data */
    unsigned parts;
    char names[BS_FORM_PARTS_MAX][BS_FORM_NAME_MAX + 1];
} record;

static void
add(record *r, const void *s, size_t n)
{
    if (r->len + n > r->cap) {
        r->cap = (r->len + n) * 2 + 64;
        r->p = realloc(r->p, r->cap);
        if (r->p == NULL)
            abort();
    }
    if (n > 0)
        memcpy(r->p + r->len, s, n);
    r->len += n;
}

static void
add_str(record *r, const char *s)
{
    add(r, s, strlen(s) + 1); /* with its NUL: no two records read alike */
}

/* UTF-8 without NUL, checked apart from form.c's own check. */
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

static void
check_name(const char *name)
{
    size_t n = strlen(name);

    if (n < 1 || n > BS_FORM_NAME_MAX || !utf8_text((const unsigned char *)name, n))
        abort();
}

static bs_status
on_part(void *arg, const bs_form_part *part, bs_form_error *err)
{
    record *r = arg;
    char line[64];

    (void)err;
    if (r->in_part || part->index != r->parts || r->parts == BS_FORM_PARTS_MAX)
        abort();
    check_name(part->name);
    for (unsigned i = 0; i < r->parts; i++)
        if (strcmp(r->names[i], part->name) == 0)
            abort();
    snprintf(r->names[r->parts], sizeof(r->names[0]), "%s", part->name);
    r->parts++;
    r->in_part = true;
    r->count = 0;
    if (part->filename != NULL &&
        !utf8_text((const unsigned char *)part->filename, strlen(part->filename)))
        abort();
    snprintf(line, sizeof(line), "part %u max %zu binary %d", part->index, part->max, part->binary);
    add_str(r, line);
    add_str(r, part->name);
    add_str(r, part->filename != NULL ? part->filename : "(no filename)");
    add_str(r, part->content_type != NULL ? part->content_type : "(no type)");
    return BS_OK;
}

static bs_status
on_data(void *arg, const bs_form_part *part, const void *bytes, size_t len, bs_form_error *err)
{
    record *r = arg;

    (void)err;
    if (!r->in_part || len == 0 || r->count + len > part->max)
        abort();
    r->count += len;
    add(r, bytes, len);
    return BS_OK;
}

static bs_status
on_end(void *arg, const bs_form_part *part, bs_form_error *err)
{
    record *r = arg;
    size_t at = r->len - r->count;

    (void)err;
    if (!r->in_part)
        abort();
    if (!part->binary && !utf8_text((const unsigned char *)r->p + at, r->count))
        abort();
    r->in_part = false;
    add_str(r, "end");
    return BS_OK;
}

static const bs_form_handler handler = {on_part, on_data, on_end};

static bool
same(const record *a, const record *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

/* Feed `body` in chunks: sizes from `seed` and the body (0: whole). */
static bs_status
run(const char *ct, const bs_form_limits *limits, const uint8_t *body, size_t len, int how,
    uint32_t seed, record *r, bs_form_error *err)
{
    bs_form_multipart *mp;
    bs_status st = bs_form_multipart_new(ct, limits, &handler, r, &mp, err);
    size_t at = 0;

    if (st != BS_OK)
        abort(); /* the content types are all good */
    while (at < len && st == BS_OK) {
        size_t n = len - at;

        if (how == 1) {
            seed = seed * 1103515245u + 12345u + body[at];
            n = 1 + (seed >> 16) % 64;
        } else if (how == 2) {
            n = 1;
        }
        if (n > len - at)
            n = len - at;
        st = bs_form_multipart_feed(mp, body + at, n, err);
        at += n;
    }
    if (st == BS_OK)
        st = bs_form_multipart_finish(mp, err);
    bs_form_multipart_free(mp);
    return st;
}

static void
check_refusal(const bs_form_error *err, bs_status st)
{
    if (err->status != st || err->message[0] == '\0' || err->code == NULL)
        abort();
    for (const char *p = err->message; *p != '\0'; p++)
        if (*p < 0x20 || *p >= 0x7f)
            abort();
    if (err->http != (st == BS_TOOLARGE ? 413 : 400))
        abort();
    if (st != BS_TOOLARGE && st != BS_INVALID && st != BS_UNSUPPORTED)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *ct;
    const bs_form_limits *limits;
    const uint8_t *body;
    size_t len;
    record r[3] = {{0}};
    bs_form_error err[3];
    bs_status st[3];
    bs_form form;
    bs_form_error ferr;
    bs_status fst;

    if (size < 2)
        return 0;
    ct = content_types[data[0] & 3];
    limits = &limits_of[(data[0] >> 2) & 3];
    body = data + 2;
    len = size - 2;
    for (int how = 0; how < 3; how++) {
        st[how] = run(ct, limits, body, len, how, data[1], &r[how], &err[how]);
        if (st[how] != BS_OK)
            check_refusal(&err[how], st[how]);
    }
    fst = bs_form_parse_multipart(ct, body, len, limits, &form, &ferr);
    for (int how = 1; how < 3; how++) {
        if (st[how] != st[0])
            abort();
        if (st[0] != BS_OK && strcmp(err[how].message, err[0].message) != 0)
            abort();
        if (st[0] == BS_OK && !same(&r[how], &r[0]))
            abort();
    }
    if (fst != st[0] || (fst != BS_OK && strcmp(ferr.message, err[0].message) != 0))
        abort();
    if (fst == BS_OK) {
        /* The form holds what the calls said, in order. */
        record again = {0};

        if (form.count != r[0].parts)
            abort();
        for (size_t i = 0; i < form.count; i++) {
            const bs_form_field *f = &form.fields[i];
            bs_form_part part = {.index = (unsigned)i,
                                 .name = f->name,
                                 .filename = f->filename,
                                 .content_type = f->content_type,
                                 .binary = true,
                                 .max = SIZE_MAX};

            if (f->value[f->len] != '\0' || bs_form_get(&form, f->name) != f)
                abort();
            /* max and binary are the parser's: take them from the record */
            {
                const bs_form_limit *l = limits->fields;

                part.max = limits->other_max;
                part.binary = false;
                for (; l != NULL && l->name != NULL; l++)
                    if (strcmp(l->name, f->name) == 0) {
                        part.max = l->max;
                        part.binary = l->binary;
                    }
            }
            on_part(&again, &part, NULL);
            if (f->len > 0)
                on_data(&again, &part, f->value, f->len, NULL);
            on_end(&again, &part, NULL);
        }
        if (!same(&again, &r[0]))
            abort();
        free(again.p);
    } else if (form.mem != NULL || form.count != 0) {
        abort();
    }
    bs_form_release(&form);
    for (int how = 0; how < 3; how++)
        free(r[how].p);
    return 0;
}
