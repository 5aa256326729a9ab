/*
 * form.c — see form.h: the urlencoded parser, the multipart stream parser,
 * and bs_form, the value both fill.
 *
 * Urlencoded (bs_form_parse_urlencoded) is one pass over the body: each
 * '&'-separated pair is percent-decoded into the form's memory (decoding
 * never grows a string, so memory sized from the body always has room).
 *
 * Multipart (bs_form_multipart_feed) is a byte-exact state machine over
 * RFC 2046 §5.1.1:
 *
 *     multipart-body := [preamble CRLF] dash-boundary padding CRLF body-part
 *                       *(delimiter padding CRLF body-part) delimiter "--" padding [CRLF epilogue]
 *     delimiter      := CRLF "--" boundary           (mp->delim)
 *
 *   PREAMBLE --delimiter (the body's start counts as a CRLF)--> BOUNDARY   scan
 *   DATA     --delimiter--> BOUNDARY                   scan; data before it: data_emit
 *   BOUNDARY --SP/HT--> PAD --CR--> PAD_CR --LF--> HEADERS        line_byte; part_end of
 *   BOUNDARY --CR--> PAD_CR                                       the part before, if any
 *   BOUNDARY --'-'--> DASH --'-'--> CLOSE                          line_byte; part_end
 *   HEADERS  --blank line--> DATA                      header_byte, headers_done (handler->part)
 *   CLOSE    --SP/HT--> CLOSE --CR--> CLOSE_CR --LF--> EPILOGUE (ignored to the end)
 *   any      --refusal--> FAILED (sticky: every later call repeats it)
 *   finish: accepted in CLOSE and EPILOGUE only
 *
 * Invariants:
 *   - The parser never holds a part's data: bytes are passed on as soon as
 *     they cannot be the start of a delimiter. The bytes held back are
 *     always exactly mp->delim[0..match): the delimiter's only CR is its
 *     first byte and a boundary holds no CR or LF, so on a mismatch all of
 *     them are data and a new match can start only at the current byte.
 *   - What the parser decides about a byte depends only on the bytes
 *     before it and at most the delimiter's length after it, and every
 *     check (a limit, UTF-8, syntax) is made at the byte that breaks it, in
 *     the order of the body: the same body in any chunks gives the same
 *     calls (data cut differently) and the same refusal.
 *   - count <= part.max, total <= body_max, hlen <= BS_FORM_HEADERS_MAX,
 *     parts <= BS_FORM_PARTS_MAX; a line ends in CRLF, never CR or LF alone.
 *   - A message quotes only printable ASCII, at most 32 bytes of it (quote).
 */
#include <assert.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"
#include "web/form.h"

/* ---- refusals ---- */

static void
classify(bs_form_error *err, bs_status st)
{
    err->status = st;
    switch (st) {
    case BS_INVALID:
    case BS_UNSUPPORTED:
        err->http = 400;
        err->code = "bad_form";
        break;
    case BS_TOOLARGE:
        err->http = 413;
        err->code = "form_too_large";
        break;
    default:
        err->http = 500;
        err->code = "internal";
        break;
    }
}

static bs_status __attribute__((format(printf, 3, 4)))
fail(bs_form_error *err, bs_status st, const char *fmt, ...)
{
    va_list ap;

    classify(err, st);
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return st;
}

/* Bytes of the body for a message: printable ASCII kept, every other byte
 * (and '"', '\\') a '?', cut after 32 bytes with "...". */
typedef struct quoted {
    char s[40];
} quoted;

static const char *
quote(quoted *q, const char *s, size_t len)
{
    size_t i, n = 0;

    for (i = 0; i < len && n < 32; i++) {
        unsigned char c = (unsigned char)s[i];
        q->s[n++] = c >= 0x20 && c < 0x7f && c != '"' && c != '\\' ? (char)c : '?';
    }
    if (i < len) {
        memcpy(q->s + n, "...", 3);
        n += 3;
    }
    q->s[n] = '\0';
    return q->s;
}

/* ---- text ---- */

/* UTF-8 checked as it comes (RFC 3629: no overlongs, no surrogates, nothing
 * past U+10FFFF): `need` continuation bytes still to come, the next one in
 * lo..hi. */
typedef struct utf8 {
    unsigned char need, lo, hi;
} utf8;

enum { TEXT_OK, TEXT_NUL, TEXT_BAD };

static int
utf8_check(utf8 *u, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char b = p[i];

        if (u->need > 0) {
            if (b < u->lo || b > u->hi)
                return TEXT_BAD;
            u->need--;
            u->lo = 0x80;
            u->hi = 0xbf;
            continue;
        }
        if (b == 0)
            return TEXT_NUL;
        if (b < 0x80)
            continue;
        u->lo = 0x80;
        u->hi = 0xbf;
        if (b >= 0xc2 && b <= 0xdf) {
            u->need = 1;
        } else if (b >= 0xe0 && b <= 0xef) {
            u->need = 2;
            if (b == 0xe0)
                u->lo = 0xa0; /* no overlong */
            if (b == 0xed)
                u->hi = 0x9f; /* no surrogate */
        } else if (b >= 0xf0 && b <= 0xf4) {
            u->need = 3;
            if (b == 0xf0)
                u->lo = 0x90; /* no overlong */
            if (b == 0xf4)
                u->hi = 0x8f; /* nothing past U+10FFFF */
        } else {
            return TEXT_BAD;
        }
    }
    return TEXT_OK;
}

/* TEXT_OK when s[0..n) is whole UTF-8 without NUL. */
static int
text_check(const char *s, size_t n)
{
    utf8 u = {0, 0, 0};
    int r = utf8_check(&u, (const unsigned char *)s, n);

    return r == TEXT_OK && u.need > 0 ? TEXT_BAD : r;
}

/* The limit of the field `name`; false when the limits do not take it. */
static bool
limit_find(const bs_form_limits *limits, const char *name, size_t *max, bool *binary)
{
    for (const bs_form_limit *l = limits->fields; l != NULL && l->name != NULL; l++) {
        if (strcmp(l->name, name) == 0) {
            *max = l->max;
            *binary = l->binary;
            return true;
        }
    }
    *max = limits->other_max;
    *binary = false;
    return limits->others;
}

/* ---- the form's memory ---- */

static bs_status
form_init(bs_form *form, size_t size, bs_form_error *err)
{
    form->mem = malloc(size);
    if (form->mem == NULL)
        return fail(err, BS_NOMEM, "out of memory");
    form->mem_size = size;
    form->mem_used = 0;
    return BS_OK;
}

/* A NUL-terminated copy of s[0..n) in the form's memory; NULL when it has
 * no room, which its size (from the body's length) rules out. */
static char *
form_put(bs_form *form, const char *s, size_t n)
{
    char *at = form->mem + form->mem_used;

    if (form->mem_size - form->mem_used < n + 1) {
        assert(!"form memory is sized from the body");
        return NULL;
    }
    if (n > 0)
        memcpy(at, s, n);
    at[n] = '\0';
    form->mem_used += n + 1;
    return at;
}

const bs_form_field *
bs_form_get(const bs_form *form, const char *name)
{
    for (size_t i = 0; i < form->count; i++)
        if (strcmp(form->fields[i].name, name) == 0)
            return &form->fields[i];
    return NULL;
}

void
bs_form_release(bs_form *form)
{
    if (form == NULL)
        return;
    free(form->mem);
    memset(form, 0, sizeof(*form));
}

/* ---- application/x-www-form-urlencoded ---- */

enum { DECODE_OK, DECODE_ESCAPE, DECODE_NUL, DECODE_LONG };

/* Percent-decode s[0..n) ('+' is a space) into dst, which has room for n
 * bytes; stop at the first problem: a '%' without two hex digits, a decoded
 * NUL, or more than `max` bytes. *len: the bytes written. */
static int
percent_decode(const char *s, size_t n, char *dst, size_t max, size_t *len)
{
    size_t out = 0;

    for (size_t i = 0; i < n; i++) {
        char c = s[i];

        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < n ? bs_text_hex_value(s[i + 1]) : -1;
            int lo = i + 2 < n ? bs_text_hex_value(s[i + 2]) : -1;

            if (hi < 0 || lo < 0) {
                *len = out;
                return DECODE_ESCAPE;
            }
            c = (char)(hi << 4 | lo);
            i += 2;
        }
        if (c == '\0') {
            *len = out;
            return DECODE_NUL;
        }
        if (out == max) {
            *len = out;
            return DECODE_LONG;
        }
        dst[out++] = c;
    }
    *len = out;
    return DECODE_OK;
}

/* One name[=value] pair, s[0..n) (n > 0), into the next field of `form`. */
static bs_status
urlencoded_pair(bs_form *form, const char *s, size_t n, const bs_form_limits *limits,
                bs_form_error *err)
{
    const char *eq = memchr(s, '=', n);
    size_t name_raw = eq != NULL ? (size_t)(eq - s) : n;
    const char *value_raw = eq != NULL ? eq + 1 : s + n;
    size_t value_raw_len = eq != NULL ? n - name_raw - 1 : 0;
    bs_form_field *field = &form->fields[form->count];
    char *name = form->mem + form->mem_used, *value;
    size_t name_len, value_len, max;
    bool binary;
    quoted q;
    int r;

    if (form->count == BS_FORM_FIELDS_MAX)
        return fail(err, BS_TOOLARGE, "the form has more than %d fields", BS_FORM_FIELDS_MAX);
    /* The memory holds the body's length and a NUL per string: room. */
    r = percent_decode(s, name_raw, name, BS_FORM_NAME_MAX, &name_len);
    if (r == DECODE_ESCAPE)
        return fail(err, BS_INVALID,
                    "the form is malformed: a field name has a '%%' without two hex digits after "
                    "it");
    if (r == DECODE_NUL)
        return fail(err, BS_INVALID, "the form is malformed: a field name holds a NUL byte (%%00)");
    if (r == DECODE_LONG)
        return fail(err, BS_TOOLARGE, "the form field \"%s\" has a name longer than %d bytes",
                    quote(&q, name, name_len), BS_FORM_NAME_MAX);
    if (name_len == 0)
        return fail(err, BS_INVALID, "the form is malformed: a field has no name");
    if (text_check(name, name_len) != TEXT_OK)
        return fail(err, BS_INVALID, "the form is malformed: a field name is not UTF-8 text");
    name[name_len] = '\0';
    if (!limit_find(limits, name, &max, &binary))
        return fail(err, BS_INVALID,
                    "the form has the field \"%s\", which this request does not take",
                    quote(&q, name, name_len));
    if (bs_form_get(form, name) != NULL)
        return fail(err, BS_INVALID, "the form gives the field \"%s\" twice",
                    quote(&q, name, name_len));
    if (max > BS_FORM_VALUE_MAX)
        max = BS_FORM_VALUE_MAX;
    value = name + name_len + 1;
    r = percent_decode(value_raw, value_raw_len, value, max, &value_len);
    if (r == DECODE_ESCAPE)
        return fail(err, BS_INVALID,
                    "the form is malformed: the field \"%s\" has a '%%' without two hex digits "
                    "after it",
                    quote(&q, name, name_len));
    if (r == DECODE_NUL)
        return fail(err, BS_INVALID,
                    "the form is malformed: the field \"%s\" holds a NUL byte (%%00)",
                    quote(&q, name, name_len));
    if (r == DECODE_LONG)
        return fail(err, BS_TOOLARGE, "the form field \"%s\" is larger than %zu bytes",
                    quote(&q, name, name_len), max);
    if (text_check(value, value_len) != TEXT_OK)
        return fail(err, BS_INVALID, "the form is malformed: the field \"%s\" is not UTF-8 text",
                    quote(&q, name, name_len));
    value[value_len] = '\0';
    form->mem_used += name_len + 1 + value_len + 1;
    field->name = name;
    field->value = value;
    field->len = value_len;
    field->filename = NULL;
    field->content_type = NULL;
    form->count++;
    return BS_OK;
}

bs_status
bs_form_parse_urlencoded(const void *body, size_t len, const bs_form_limits *limits, bs_form *out,
                         bs_form_error *err)
{
    const char *s = body, *end;
    bs_status st;

    memset(out, 0, sizeof(*out));
    if (len > limits->body_max)
        return fail(err, BS_TOOLARGE, "the form is larger than %zu bytes", limits->body_max);
    /* Decoded names and values are no longer than the body; a NUL each. */
    st = form_init(out, len + 2 * BS_FORM_FIELDS_MAX + 1, err);
    if (st != BS_OK)
        return st;
    end = len > 0 ? s + len : s;
    while (s < end) {
        const char *amp = memchr(s, '&', (size_t)(end - s));
        const char *stop = amp != NULL ? amp : end;

        if (stop > s) {
            st = urlencoded_pair(out, s, (size_t)(stop - s), limits, err);
            if (st != BS_OK)
                goto release;
        }
        s = amp != NULL ? amp + 1 : end;
    }
    return BS_OK;

release:
    bs_form_release(out);
    return st;
}

/* ---- header values: RFC 9110 tokens, quoted-strings, parameters ---- */

static bool
is_tchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t
skip_ows(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

static size_t
skip_token(const char *s, size_t n, size_t i)
{
    while (i < n && is_tchar((unsigned char)s[i]))
        i++;
    return i;
}

typedef struct param {
    const char *name;
    size_t name_len;
    const char *value; /* a token, or inside the quotes of a quoted-string */
    size_t value_len;
    bool quoted;
} param;

/* The next parameter of s[0..n) from *pos, by RFC 9110 §5.6.6:
 *   parameters = *( OWS ";" OWS [ token "=" ( token / quoted-string ) ] )
 * 1 with *p, 0 at the end, -1 when malformed. A quoted-string is checked
 * here: qdtext and quoted-pairs (HT, SP, VCHAR, obs-text), closed. */
static int
param_next(const char *s, size_t n, size_t *pos, param *p)
{
    size_t i = *pos, start;

    for (;;) {
        i = skip_ows(s, n, i);
        if (i == n) {
            *pos = i;
            return 0;
        }
        if (s[i] != ';')
            return -1;
        i = skip_ows(s, n, i + 1);
        if (i < n && s[i] != ';')
            break;
    }
    start = i;
    i = skip_token(s, n, i);
    if (i == start || i == n || s[i] != '=')
        return -1;
    p->name = s + start;
    p->name_len = i - start;
    i++;
    if (i < n && s[i] == '"') {
        start = ++i;
        while (i < n && s[i] != '"') {
            unsigned char c = (unsigned char)s[i];

            if (c == '\\') {
                if (++i == n)
                    return -1;
                c = (unsigned char)s[i];
            }
            if (c != '\t' && (c < 0x20 || c == 0x7f))
                return -1;
            i++;
        }
        if (i == n)
            return -1;
        p->value = s + start;
        p->value_len = i - start;
        p->quoted = true;
        i++;
    } else {
        start = i;
        i = skip_token(s, n, i);
        if (i == start)
            return -1;
        p->value = s + start;
        p->value_len = i - start;
        p->quoted = false;
    }
    *pos = i;
    return 1;
}

/* The value of a parameter, quoted-pairs undone, into dst[0..cap) (not
 * NUL-terminated); returns its whole length, which may be more than cap. */
static size_t
param_value(const param *p, char *dst, size_t cap)
{
    size_t out = 0;

    for (size_t i = 0; i < p->value_len; i++) {
        char c = p->value[i];

        if (p->quoted && c == '\\')
            c = p->value[++i]; /* param_next saw a byte after each '\\' */
        if (out < cap)
            dst[out] = c;
        out++;
    }
    return out;
}

static bool
name_is(const char *s, size_t n, const char *name)
{
    return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/* The media type "type/subtype" at the start of s[0..n) (after OWS), in any
 * case; *pos after it. */
static bool
media_type_is(const char *s, size_t n, const char *type, size_t *pos)
{
    size_t i = skip_ows(s, n, 0), start = i;

    i = skip_token(s, n, i);
    if (i == start || i == n || s[i] != '/')
        return false;
    i = skip_token(s, n, i + 1);
    *pos = i;
    return name_is(s + start, i - start, type) &&
           (i == n || s[i] == ';' || s[i] == ' ' || s[i] == '\t');
}

static bs_status
fail_media_type(bs_form_error *err)
{
    fail(err, BS_UNSUPPORTED,
         "the form must be sent as multipart/form-data or application/x-www-form-urlencoded");
    err->http = 415;
    err->code = "bad_form_type";
    return BS_UNSUPPORTED;
}

/* RFC 2046 §5.1.1 bchars. */
static bool
is_bchar(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

bs_status
bs_form_boundary(const char *content_type, char boundary[BS_FORM_BOUNDARY_MAX + 1],
                 bs_form_error *err)
{
    size_t n = content_type != NULL ? strlen(content_type) : 0, pos, len;
    param p, found = {0};
    bool have = false;
    int r;

    if (content_type == NULL || !media_type_is(content_type, n, "multipart/form-data", &pos))
        return fail_media_type(err);
    while ((r = param_next(content_type, n, &pos, &p)) == 1) {
        if (!name_is(p.name, p.name_len, "boundary"))
            continue;
        if (have)
            return fail(err, BS_INVALID,
                        "the form is malformed: the Content-Type gives the boundary twice");
        found = p;
        have = true;
    }
    if (r < 0)
        return fail(err, BS_INVALID,
                    "the form is malformed: the parameters of the Content-Type are not "
                    "well-formed");
    if (!have)
        return fail(err, BS_INVALID, "the form is malformed: no boundary in the Content-Type");
    len = param_value(&found, boundary, BS_FORM_BOUNDARY_MAX);
    if (len == 0)
        return fail(err, BS_INVALID,
                    "the form is malformed: the boundary in the Content-Type is "
                    "empty");
    if (len > BS_FORM_BOUNDARY_MAX)
        return fail(err, BS_INVALID,
                    "the form is malformed: the boundary in the Content-Type is longer than %d "
                    "characters",
                    BS_FORM_BOUNDARY_MAX);
    for (size_t i = 0; i < len; i++)
        if (!is_bchar((unsigned char)boundary[i]))
            return fail(err, BS_INVALID,
                        "the form is malformed: the boundary in the Content-Type holds a "
                        "character RFC 2046 does not allow");
    if (boundary[len - 1] == ' ')
        return fail(err, BS_INVALID,
                    "the form is malformed: the boundary in the Content-Type ends with a space");
    boundary[len] = '\0';
    return BS_OK;
}

/* ---- multipart/form-data: the stream ---- */

typedef enum mp_state {
    MP_PREAMBLE, /* before the first boundary line: skipped */
    MP_BOUNDARY, /* just after a delimiter */
    MP_DASH,     /* after a delimiter and '-' */
    MP_PAD,      /* transport padding after a delimiter */
    MP_PAD_CR,   /* ... and CR */
    MP_HEADERS,  /* a part's header block, into hdr[] */
    MP_DATA,     /* a part's data */
    MP_CLOSE,    /* after the close delimiter (and padding) */
    MP_CLOSE_CR, /* ... and CR */
    MP_EPILOGUE, /* after the close delimiter's line: skipped */
    MP_FAILED,   /* refused: error[] is the answer */
} mp_state;

struct bs_form_multipart {
    mp_state state;
    const bs_form_limits *limits;
    const bs_form_handler *handler;
    void *arg;
    char delim[4 + BS_FORM_BOUNDARY_MAX]; /* CRLF "--" boundary */
    size_t dlen;
    size_t match;   /* delim[0..match) is held back (PREAMBLE, DATA) */
    size_t total;   /* bytes fed */
    unsigned parts; /* parts begun */
    bool in_part;   /* handler->part called, handler->end not yet */
    bs_form_part part;
    size_t count; /* bytes of the part's data passed on */
    utf8 text;    /* of the part's data, when it is text */
    bs_form_error error;
    size_t hlen;
    char hdr[BS_FORM_HEADERS_MAX];
    char name[BS_FORM_NAME_MAX + 1];
    char filename[BS_FORM_HEADERS_MAX + 1];
    char content_type[BS_FORM_HEADERS_MAX + 1];
    char names[BS_FORM_PARTS_MAX][BS_FORM_NAME_MAX + 1]; /* of the parts so far */
};

static bs_status __attribute__((format(printf, 2, 3)))
malformed(bs_form_multipart *mp, const char *fmt, ...)
{
    char text[200];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    return fail(&mp->error, BS_INVALID, "the form is malformed: %s", text);
}

/* What a handler callback returned: on a refusal, make sure error[] says
 * something. */
static bs_status
handled(bs_form_multipart *mp, bs_status st)
{
    quoted q;

    if (st == BS_OK)
        return BS_OK;
    if (mp->error.message[0] == '\0')
        return fail(&mp->error, st, "the form field \"%s\" was refused",
                    quote(&q, mp->part.name, strlen(mp->part.name)));
    if (mp->error.http == 0 || mp->error.code == NULL) {
        int http = mp->error.http;

        classify(&mp->error, st);
        if (http != 0)
            mp->error.http = http;
    }
    mp->error.status = st;
    return st;
}

static void
error_clear(bs_form_error *err)
{
    err->status = BS_OK;
    err->http = 0;
    err->code = NULL;
    err->message[0] = '\0';
}

/* `len` bytes of the current part's data (nothing in the preamble). */
static bs_status
data_emit(bs_form_multipart *mp, const void *bytes, size_t len)
{
    size_t room, take;
    quoted q;

    if (mp->state != MP_DATA || len == 0)
        return BS_OK;
    room = mp->part.max - mp->count;
    take = len < room ? len : room;
    if (!mp->part.binary) {
        int r = utf8_check(&mp->text, bytes, take);

        if (r == TEXT_NUL)
            return malformed(mp, "the field \"%s\" holds a NUL byte",
                             quote(&q, mp->name, strlen(mp->name)));
        if (r == TEXT_BAD)
            return malformed(mp, "the field \"%s\" is not UTF-8 text",
                             quote(&q, mp->name, strlen(mp->name)));
    }
    if (take < len)
        return fail(&mp->error, BS_TOOLARGE, "the form field \"%s\" is larger than %zu bytes",
                    quote(&q, mp->name, strlen(mp->name)), mp->part.max);
    mp->count += len;
    if (mp->handler->data == NULL)
        return BS_OK;
    error_clear(&mp->error);
    return handled(mp, mp->handler->data(mp->arg, &mp->part, bytes, len, &mp->error));
}

/* Find the delimiter in PREAMBLE or DATA, passing on the data before it. */
static bs_status
scan(bs_form_multipart *mp, const unsigned char **pp, const unsigned char *end)
{
    const unsigned char *p = *pp, *run = p; /* run: data from here is not passed on yet */
    bs_status st;

    while (p < end) {
        if (mp->match == 0) {
            const unsigned char *cr = memchr(p, '\r', (size_t)(end - p));

            if (cr == NULL) {
                p = end;
                break;
            }
            st = data_emit(mp, run, (size_t)(cr - run));
            if (st != BS_OK)
                return st;
            mp->match = 1;
            p = cr + 1;
            run = p;
            continue;
        }
        if (*p == (unsigned char)mp->delim[mp->match]) {
            p++;
            run = p;
            if (++mp->match == mp->dlen) {
                mp->match = 0;
                mp->state = MP_BOUNDARY;
                *pp = p;
                return BS_OK;
            }
            continue;
        }
        /* Not the delimiter: what was held back is data, and this byte is
         * looked at again (it may be a CR). */
        st = data_emit(mp, mp->delim, mp->match);
        if (st != BS_OK)
            return st;
        mp->match = 0;
        run = p;
    }
    *pp = p;
    return mp->match == 0 ? data_emit(mp, run, (size_t)(end - run)) : BS_OK;
}

/* The current part's data is complete and its closing line seen. */
static bs_status
part_end(bs_form_multipart *mp)
{
    quoted q;

    if (!mp->in_part)
        return BS_OK;
    mp->in_part = false;
    if (!mp->part.binary && mp->text.need > 0)
        return malformed(mp, "the field \"%s\" is not UTF-8 text",
                         quote(&q, mp->name, strlen(mp->name)));
    if (mp->handler->end == NULL)
        return BS_OK;
    error_clear(&mp->error);
    return handled(mp, mp->handler->end(mp->arg, &mp->part, &mp->error));
}

/* A byte of the transport padding after a delimiter, or the CR after it. */
static bs_status
pad_byte(bs_form_multipart *mp, unsigned char c)
{
    if (c == ' ' || c == '\t') {
        mp->state = MP_PAD;
        return BS_OK;
    }
    if (c == '\r') {
        mp->state = MP_PAD_CR;
        return BS_OK;
    }
    if (c == '\n')
        return malformed(mp, "a boundary line ends with LF alone, not CRLF");
    return malformed(mp, "a boundary is followed by more than white space on its line");
}

/* One byte of a boundary line, after the delimiter. */
static bs_status
line_byte(bs_form_multipart *mp, unsigned char c)
{
    bs_status st;

    switch (mp->state) {
    case MP_BOUNDARY:
        if (c == '-') {
            mp->state = MP_DASH;
            return BS_OK;
        }
        return pad_byte(mp, c);
    case MP_PAD:
        return pad_byte(mp, c);
    case MP_DASH:
        if (c != '-')
            return malformed(mp, "a boundary is followed by more than white space on its line");
        mp->state = MP_CLOSE;
        return part_end(mp);
    case MP_PAD_CR:
        if (c != '\n')
            return malformed(mp, "a boundary line ends with CR alone, not CRLF");
        st = part_end(mp);
        if (st != BS_OK)
            return st;
        if (mp->parts == BS_FORM_PARTS_MAX)
            return fail(&mp->error, BS_TOOLARGE, "the form has more than %d parts",
                        BS_FORM_PARTS_MAX);
        mp->parts++;
        mp->hlen = 0;
        mp->state = MP_HEADERS;
        return BS_OK;
    case MP_CLOSE:
        if (c == ' ' || c == '\t')
            return BS_OK;
        if (c == '\r') {
            mp->state = MP_CLOSE_CR;
            return BS_OK;
        }
        if (c == '\n')
            return malformed(mp, "the closing boundary line ends with LF alone, not CRLF");
        return malformed(mp,
                         "the closing boundary is followed by more than white space on its line");
    case MP_CLOSE_CR:
        if (c != '\n')
            return malformed(mp, "the closing boundary line ends with CR alone, not CRLF");
        mp->state = MP_EPILOGUE;
        return BS_OK;
    default:
        assert(!"line_byte in another state");
        return malformed(mp, "internal error");
    }
}

typedef struct span {
    const char *s;
    size_t n;
    bool given;
} span;

/* One header line h[0..n) (without its CRLF) of part mp->parts. */
static bs_status
header_line(bs_form_multipart *mp, const char *h, size_t n, span *disposition, span *type,
            span *encoding)
{
    size_t colon, start, stop;
    span *known = NULL;
    const char *what = NULL;

    if (h[0] == ' ' || h[0] == '\t')
        return malformed(mp, "part %u has a folded header line", mp->parts);
    colon = skip_token(h, n, 0);
    if (colon == 0 || colon == n || h[colon] != ':')
        return malformed(mp, "part %u has a header line that is not \"Name: value\"", mp->parts);
    for (size_t i = colon + 1; i < n; i++) {
        unsigned char c = (unsigned char)h[i];

        if (c != '\t' && (c < 0x20 || c == 0x7f))
            return malformed(mp, "part %u has a control character in a header", mp->parts);
    }
    start = skip_ows(h, n, colon + 1);
    stop = n;
    while (stop > start && (h[stop - 1] == ' ' || h[stop - 1] == '\t'))
        stop--;
    if (name_is(h, colon, "Content-Disposition")) {
        known = disposition;
        what = "Content-Disposition";
    } else if (name_is(h, colon, "Content-Type")) {
        known = type;
        what = "Content-Type";
    } else if (name_is(h, colon, "Content-Transfer-Encoding")) {
        known = encoding;
        what = "Content-Transfer-Encoding";
    }
    if (known == NULL)
        return BS_OK; /* another header: not for us */
    if (known->given)
        return malformed(mp, "part %u gives its %s header twice", mp->parts, what);
    known->s = h + start;
    known->n = stop - start;
    known->given = true;
    return BS_OK;
}

/* Content-Disposition: form-data; name="..."[; filename="..."] of part
 * mp->parts: into mp->name and mp->filename (part.filename set when given). */
static bs_status
disposition_parse(bs_form_multipart *mp, const span *d)
{
    size_t pos = skip_token(d->s, d->n, 0), len;
    bool have_name = false;
    param p;
    quoted q;
    int r;

    if (!name_is(d->s, pos, "form-data"))
        return malformed(mp, "the Content-Disposition of part %u is not form-data", mp->parts);
    mp->part.filename = NULL;
    while ((r = param_next(d->s, d->n, &pos, &p)) == 1) {
        if (p.name[p.name_len - 1] == '*')
            return fail(&mp->error, BS_UNSUPPORTED,
                        "part %u of the form gives %s=, an encoded parameter that is not "
                        "supported; send the name and filename as quoted UTF-8",
                        mp->parts, quote(&q, p.name, p.name_len));
        if (name_is(p.name, p.name_len, "name")) {
            if (have_name)
                return malformed(mp, "the Content-Disposition of part %u gives name twice",
                                 mp->parts);
            have_name = true;
            len = param_value(&p, mp->name, BS_FORM_NAME_MAX);
            if (len > BS_FORM_NAME_MAX)
                return fail(&mp->error, BS_TOOLARGE,
                            "the form field \"%s\" has a name longer than %d bytes",
                            quote(&q, mp->name, BS_FORM_NAME_MAX), BS_FORM_NAME_MAX);
            mp->name[len] = '\0';
            if (len == 0)
                return malformed(mp, "part %u has an empty name", mp->parts);
            if (text_check(mp->name, len) != TEXT_OK)
                return malformed(mp, "the name of part %u is not UTF-8 text", mp->parts);
        } else if (name_is(p.name, p.name_len, "filename")) {
            if (mp->part.filename != NULL)
                return malformed(mp, "the Content-Disposition of part %u gives filename twice",
                                 mp->parts);
            len = param_value(&p, mp->filename, BS_FORM_HEADERS_MAX);
            mp->filename[len] = '\0';
            if (text_check(mp->filename, len) != TEXT_OK)
                return malformed(mp, "the filename of part %u is not UTF-8 text", mp->parts);
            mp->part.filename = mp->filename;
        }
    }
    if (r < 0)
        return malformed(mp, "the Content-Disposition of part %u is not well-formed", mp->parts);
    if (!have_name)
        return malformed(mp, "part %u has no name in its Content-Disposition", mp->parts);
    return BS_OK;
}

/* The header block hdr[0..hlen) is complete: check it, then begin the
 * part. */
static bs_status
headers_done(bs_form_multipart *mp)
{
    span disposition = {NULL, 0, false}, type = {NULL, 0, false}, encoding = {NULL, 0, false};
    const char *h = mp->hdr, *end = mp->hdr + mp->hlen - 2; /* without the blank line */
    bs_form_part *part = &mp->part;
    bs_status st;
    quoted q, q2;

    while (h < end) {
        /* header_byte let no CR in without an LF after it */
        const char *eol = memchr(h, '\r', (size_t)(end - h));

        st = header_line(mp, h, (size_t)(eol - h), &disposition, &type, &encoding);
        if (st != BS_OK)
            return st;
        h = eol + 2;
    }
    if (!disposition.given)
        return malformed(mp, "part %u has no Content-Disposition header", mp->parts);
    st = disposition_parse(mp, &disposition);
    if (st != BS_OK)
        return st;
    if (encoding.given && !name_is(encoding.s, encoding.n, "binary") &&
        !name_is(encoding.s, encoding.n, "8bit") && !name_is(encoding.s, encoding.n, "7bit"))
        return fail(&mp->error, BS_UNSUPPORTED,
                    "the form field \"%s\" is sent in Content-Transfer-Encoding \"%s\", which is "
                    "not supported",
                    quote(&q, mp->name, strlen(mp->name)), quote(&q2, encoding.s, encoding.n));
    part->content_type = NULL;
    if (type.given) {
        for (size_t i = 0; i < type.n; i++)
            if ((unsigned char)type.s[i] >= 0x80)
                return malformed(mp, "the Content-Type of the field \"%s\" is not ASCII",
                                 quote(&q, mp->name, strlen(mp->name)));
        memcpy(mp->content_type, type.s, type.n);
        mp->content_type[type.n] = '\0';
        part->content_type = mp->content_type;
    }
    if (!limit_find(mp->limits, mp->name, &part->max, &part->binary))
        return fail(&mp->error, BS_INVALID,
                    "the form has the field \"%s\", which this request does not take",
                    quote(&q, mp->name, strlen(mp->name)));
    for (unsigned i = 0; i + 1 < mp->parts; i++)
        if (strcmp(mp->names[i], mp->name) == 0)
            return fail(&mp->error, BS_INVALID, "the form gives the field \"%s\" twice",
                        quote(&q, mp->name, strlen(mp->name)));
    memcpy(mp->names[mp->parts - 1], mp->name, sizeof(mp->name));
    part->index = mp->parts - 1;
    part->name = mp->name;
    mp->count = 0;
    memset(&mp->text, 0, sizeof(mp->text));
    mp->in_part = true;
    mp->state = MP_DATA;
    if (mp->handler->part == NULL)
        return BS_OK;
    error_clear(&mp->error);
    return handled(mp, mp->handler->part(mp->arg, part, &mp->error));
}

/* One byte of a part's header block. */
static bs_status
header_byte(bs_form_multipart *mp, char c)
{
    if (mp->hlen == BS_FORM_HEADERS_MAX)
        return fail(&mp->error, BS_TOOLARGE,
                    "the headers of part %u of the form are larger than %d bytes", mp->parts,
                    BS_FORM_HEADERS_MAX);
    if (mp->hlen > 0 && mp->hdr[mp->hlen - 1] == '\r' && c != '\n')
        return malformed(mp, "a header line of part %u ends with CR alone, not CRLF", mp->parts);
    if (c == '\n' && (mp->hlen == 0 || mp->hdr[mp->hlen - 1] != '\r'))
        return malformed(mp, "a header line of part %u ends with LF alone, not CRLF", mp->parts);
    mp->hdr[mp->hlen++] = c;
    if (c == '\n' && (mp->hlen == 2 || (mp->hlen >= 4 && mp->hdr[mp->hlen - 3] == '\n')))
        return headers_done(mp);
    return BS_OK;
}

bs_status
bs_form_multipart_new(const char *content_type, const bs_form_limits *limits,
                      const bs_form_handler *handler, void *arg, bs_form_multipart **out,
                      bs_form_error *err)
{
    char boundary[BS_FORM_BOUNDARY_MAX + 1];
    bs_form_multipart *mp;
    bs_status st;
    size_t blen;

    *out = NULL;
    st = bs_form_boundary(content_type, boundary, err);
    if (st != BS_OK)
        return st;
    mp = calloc(1, sizeof(*mp));
    if (mp == NULL)
        return fail(err, BS_NOMEM, "out of memory");
    blen = strlen(boundary);
    memcpy(mp->delim, "\r\n--", 4);
    memcpy(mp->delim + 4, boundary, blen);
    mp->dlen = 4 + blen;
    mp->match = 2; /* the body's start counts as the CRLF before the first "--" */
    mp->state = MP_PREAMBLE;
    mp->limits = limits;
    mp->handler = handler;
    mp->arg = arg;
    *out = mp;
    return BS_OK;
}

bs_status
bs_form_multipart_feed(bs_form_multipart *mp, const void *bytes, size_t len, bs_form_error *err)
{
    const unsigned char *p = bytes, *end;
    size_t take = len;
    bs_status st = BS_OK;

    if (mp->state == MP_FAILED)
        goto failed;
    if (take > mp->limits->body_max - mp->total)
        take = mp->limits->body_max - mp->total;
    mp->total += take;
    end = take > 0 ? p + take : p;
    while (p < end && st == BS_OK) {
        switch (mp->state) {
        case MP_PREAMBLE:
        case MP_DATA:
            st = scan(mp, &p, end);
            break;
        case MP_HEADERS:
            st = header_byte(mp, (char)*p++);
            break;
        case MP_EPILOGUE:
            p = end;
            break;
        default:
            st = line_byte(mp, *p++);
            break;
        }
    }
    if (st == BS_OK && take < len)
        st = fail(&mp->error, BS_TOOLARGE, "the form is larger than %zu bytes",
                  mp->limits->body_max);
    if (st == BS_OK)
        return BS_OK;
    mp->state = MP_FAILED;
failed:
    *err = mp->error;
    return mp->error.status;
}

bs_status
bs_form_multipart_finish(bs_form_multipart *mp, bs_form_error *err)
{
    switch (mp->state) {
    case MP_CLOSE:
    case MP_EPILOGUE:
        return BS_OK;
    case MP_FAILED:
        break;
    case MP_PREAMBLE:
        malformed(mp, "the body holds no boundary line of its Content-Type");
        break;
    default:
        malformed(mp, "the body ends before its closing boundary line");
        break;
    }
    mp->state = MP_FAILED;
    *err = mp->error;
    return mp->error.status;
}

void
bs_form_multipart_free(bs_form_multipart *mp)
{
    free(mp);
}

/* ---- multipart/form-data: a whole body into a bs_form ---- */

static bs_status
collect_part(void *arg, const bs_form_part *part, bs_form_error *err)
{
    bs_form *form = arg;
    bs_form_field *field = &form->fields[form->count];

    field->name = form_put(form, part->name, strlen(part->name));
    field->filename =
        part->filename != NULL ? form_put(form, part->filename, strlen(part->filename)) : NULL;
    field->content_type = part->content_type != NULL
                              ? form_put(form, part->content_type, strlen(part->content_type))
                              : NULL;
    field->value = form->mem + form->mem_used;
    field->len = 0;
    if (field->name == NULL || (part->filename != NULL && field->filename == NULL) ||
        (part->content_type != NULL && field->content_type == NULL))
        return fail(err, BS_NOMEM, "out of memory");
    form->count++;
    return BS_OK;
}

static bs_status
collect_data(void *arg, const bs_form_part *part, const void *bytes, size_t len, bs_form_error *err)
{
    bs_form *form = arg;
    bs_form_field *field = &form->fields[form->count - 1];

    (void)part;
    /* One byte stays for the NUL that collect_end writes. */
    if (form->mem_size - form->mem_used <= len) {
        assert(!"form memory is sized from the body");
        return fail(err, BS_NOMEM, "out of memory");
    }
    memcpy(form->mem + form->mem_used, bytes, len);
    form->mem_used += len;
    field->len += len;
    return BS_OK;
}

static bs_status
collect_end(void *arg, const bs_form_part *part, bs_form_error *err)
{
    bs_form *form = arg;

    (void)part;
    if (form_put(form, "", 0) == NULL)
        return fail(err, BS_NOMEM, "out of memory");
    return BS_OK;
}

bs_status
bs_form_parse_multipart(const char *content_type, const void *body, size_t len,
                        const bs_form_limits *limits, bs_form *out, bs_form_error *err)
{
    static const bs_form_handler collect = {collect_part, collect_data, collect_end};
    bs_form_multipart *mp;
    bs_status st;

    memset(out, 0, sizeof(*out));
    st = bs_form_multipart_new(content_type, limits, &collect, out, &mp, err);
    if (st != BS_OK)
        return st;
    /* Names, filenames, types and data are each no longer than the bytes
     * of the body they come from, and the stream reads at most body_max of
     * them; a NUL after each. The stream says when the body is too long, so
     * that a whole body is refused as any chunks of it would be. */
    st = form_init(
        out, (len < limits->body_max ? len : limits->body_max) + 4 * BS_FORM_PARTS_MAX + 1, err);
    if (st == BS_OK)
        st = bs_form_multipart_feed(mp, body, len, err);
    if (st == BS_OK)
        st = bs_form_multipart_finish(mp, err);
    bs_form_multipart_free(mp);
    if (st != BS_OK)
        bs_form_release(out);
    return st;
}

/* ---- either ---- */

bs_status
bs_form_parse(const char *content_type, const void *body, size_t len, const bs_form_limits *limits,
              bs_form *out, bs_form_error *err)
{
    size_t n = content_type != NULL ? strlen(content_type) : 0, pos;

    memset(out, 0, sizeof(*out));
    if (content_type != NULL &&
        media_type_is(content_type, n, "application/x-www-form-urlencoded", &pos))
        return bs_form_parse_urlencoded(body, len, limits, out, err);
    if (content_type != NULL && media_type_is(content_type, n, "multipart/form-data", &pos))
        return bs_form_parse_multipart(content_type, body, len, limits, out, err);
    return fail_media_type(err);
}
