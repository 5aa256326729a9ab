/*
 * form.h — the two kinds of HTML form body, parsed with hard limits:
 * application/x-www-form-urlencoded (WHATWG URL standard, "urlencoded
 * parsing") and multipart/form-data (RFC 7578 on RFC 2046 §5.1), the latter
 * also as a stream fed in chunks of any size. Pure C: no h2o, no
 * allocation but the form's own memory and the stream's handle, so the fuzz
 * build links form.c alone.
 *
 * The route that has the whole body in memory calls bs_form_parse with the
 * Content-Type header's value, then bs_form_get for each field:
 *
 *     static const bs_form_limit ad_fields[] = {
 *         {"image", 4 << 20, true}, {"url", 4096, false}, {"hover", 4096, false},
 *         {"nickname", 4096, false}, {"categories", 4096, false}, {NULL, 0, false}};
 *     bs_form_limits limits = {.body_max = BS_WEB_BODY_MAX, .fields = ad_fields};
 *     bs_form form;
 *     bs_form_error err;
 *
 *     if (bs_form_parse(content_type, body, len, &limits, &form, &err) != BS_OK) {
 *         bs_web_call_error(call, err.http, err.code, "%s", err.message);
 *         return;
 *     }
 *     image = bs_form_get(&form, "image");  // NULL when not sent
 *     ...
 *     bs_form_release(&form);
 *
 * Invariants of every field that a parse returns:
 *   - its name is 1..BS_FORM_NAME_MAX bytes of UTF-8 without NUL, and no
 *     other field of the form has that name (a name given twice refuses the
 *     whole form: two values for one field are ambiguous);
 *   - its value is at most the field's limit; a text field's value (every
 *     urlencoded value, and a multipart field whose limit is not `binary`)
 *     is UTF-8 without NUL bytes, so it may be used as a C string;
 *   - every refusal is one status and one line of text that names the field
 *     and never holds a byte of the body that is not printable ASCII.
 */
#ifndef BS_WEB_FORM_H
#define BS_WEB_FORM_H

#include <stdbool.h>
#include <stddef.h>

#include "util/status.h"

#define BS_FORM_NAME_MAX     64          /* bytes of a field name */
#define BS_FORM_FIELDS_MAX   32          /* fields of an urlencoded form */
#define BS_FORM_VALUE_MAX    (64 * 1024) /* bytes of an urlencoded value, decoded */
#define BS_FORM_PARTS_MAX    16          /* parts of a multipart form */
#define BS_FORM_HEADERS_MAX  (8 * 1024)  /* bytes of a part's header block, blank line included */
#define BS_FORM_BOUNDARY_MAX 70          /* characters of a multipart boundary (RFC 2046) */

/* Why a form was refused (an open value struct; no memory of its own).
 *   status  http  code           when
 *   BS_INVALID      400  "bad_form"       malformed: broken syntax, a name given twice, a field
 *                                         the limits do not take, text that is not UTF-8
 *   BS_UNSUPPORTED  400  "bad_form"       well-formed but not read here (filename*=, base64)
 *   BS_UNSUPPORTED  415  "bad_form_type"  the Content-Type is neither form type
 *   BS_TOOLARGE     413  "form_too_large" past a limit: the body, a field, a name, the fields
 *                                         or parts, a part's headers
 *   BS_NOMEM        500  "internal"       out of memory
 * and, from a bs_form_handler callback, whatever it returned and set. */
typedef struct bs_form_error {
    bs_status status;
    int http;
    const char *code;  /* static storage */
    char message[256]; /* "the form field \"image\" is larger than 4194304 bytes" */
} bs_form_error;

/* The largest value of one field, by name (exact, case-sensitive). A
 * `binary` field (a file) may hold any bytes in a multipart form; every
 * other value must be UTF-8 text without NUL bytes. */
typedef struct bs_form_limit {
    const char *name;
    size_t max;
    bool binary;
} bs_form_limit;

/* What a form may hold. `fields` lists the fields the caller takes, ended by
 * a NULL name; a field of another name is refused, unless `others` is set:
 * then it is text of at most `other_max` bytes. `fields` NULL lists none.
 * An urlencoded value is also never more than BS_FORM_VALUE_MAX. */
typedef struct bs_form_limits {
    size_t body_max; /* bytes of the whole body */
    const bs_form_limit *fields;
    bool others;
    size_t other_max;
} bs_form_limits;

typedef struct bs_form_field {
    const char *name;         /* NUL-terminated */
    const char *value;        /* `len` bytes and a NUL after them */
    size_t len;               /* bytes of value */
    const char *filename;     /* multipart: the filename parameter ("" when given empty);
                                 NULL when not given, and for urlencoded fields */
    const char *content_type; /* multipart: the part's Content-Type value; NULL when none */
} bs_form_field;

/* A parsed form. Every string of its fields lives in `mem`, owned by the
 * form until bs_form_release: none points into the body that was parsed. */
typedef struct bs_form {
    bs_form_field fields[BS_FORM_FIELDS_MAX]; /* in the order of the body */
    size_t count;
    char *mem; /* private */
    size_t mem_size, mem_used;
} bs_form;

/* Parse a whole form body as its Content-Type says: `content_type` is that
 * header's value (NUL-terminated; NULL when the request had none), and
 * chooses bs_form_parse_urlencoded or bs_form_parse_multipart. A body
 * longer than limits->body_max is refused as too large (multipart: unless
 * its first body_max bytes are refused for something else). On BS_OK *out
 * holds the fields (release it); on any other status *err says why, and *out
 * is zeroed with nothing allocated. `body` is only read, and not kept. */
bs_status bs_form_parse(const char *content_type, const void *body, size_t len,
                        const bs_form_limits *limits, bs_form *out, bs_form_error *err);

/* Parse an application/x-www-form-urlencoded body (or a URL's query):
 * '&'-separated name=value pairs, empty pairs skipped, '+' a space, %XX a
 * byte; a '%' without two hex digits, a decoded NUL, text that is not UTF-8
 * and an empty name are malformed; more than BS_FORM_FIELDS_MAX fields, a
 * name longer than BS_FORM_NAME_MAX, or a value past its limit are too
 * large. Ownership as bs_form_parse. */
bs_status bs_form_parse_urlencoded(const void *body, size_t len, const bs_form_limits *limits,
                                   bs_form *out, bs_form_error *err);

/* Parse a whole multipart/form-data body with the boundary of
 * `content_type` (as bs_form_boundary), through the stream parser below:
 * the same answer as feeding it in chunks. Ownership as bs_form_parse. */
bs_status bs_form_parse_multipart(const char *content_type, const void *body, size_t len,
                                  const bs_form_limits *limits, bs_form *out, bs_form_error *err);

/* The field named `name` (exact, case-sensitive), or NULL when the form has
 * none. The pointer lives as long as `form`. */
const bs_form_field *bs_form_get(const bs_form *form, const char *name);

/* Free what `form` holds and zero it. NULL, a zeroed form and a form
 * already released are no-ops. */
void bs_form_release(bs_form *form);

/* The boundary of a multipart/form-data Content-Type value: the media type
 * (any case), then parameters; the one "boundary" parameter (name in any
 * case) as a token or a quoted-string, 1..BS_FORM_BOUNDARY_MAX characters
 * of RFC 2046's bchars, not ending in a space. Other parameters are
 * skipped. Into boundary[] NUL-terminated; BS_INVALID (or BS_UNSUPPORTED,
 * 415, for another media type) with *err. */
bs_status bs_form_boundary(const char *content_type, char boundary[BS_FORM_BOUNDARY_MAX + 1],
                           bs_form_error *err);

/* ---- multipart/form-data as a stream ---- */

/* A part, from its headers. The strings live from the `part` callback until
 * the `end` callback of the same part returns (or the parse fails). */
typedef struct bs_form_part {
    unsigned index;           /* 0 for the first part */
    const char *name;         /* NUL-terminated, 1..BS_FORM_NAME_MAX bytes of UTF-8 */
    const char *filename;     /* NULL when the part gives none */
    const char *content_type; /* NULL when the part has no Content-Type header */
    size_t max;               /* its limit, from bs_form_limits */
    bool binary;              /* false: its data is checked to be text */
} bs_form_part;

/* What the stream parser calls, in the order of the body: for each part,
 * `part` once, `data` zero or more times with the next bytes of its data
 * (in pieces of any size, never past part->max, text already checked), and
 * `end` once its data is complete and its closing boundary line seen. A
 * NULL callback is skipped. Returning anything but BS_OK stops the parse with
 * that status: set *err's message (and http, code) to say why, or a generic
 * sentence naming the field is written. `bytes` lives only for the call. */
typedef struct bs_form_handler {
    bs_status (*part)(void *arg, const bs_form_part *part, bs_form_error *err);
    bs_status (*data)(void *arg, const bs_form_part *part, const void *bytes, size_t len,
                      bs_form_error *err);
    bs_status (*end)(void *arg, const bs_form_part *part, bs_form_error *err);
} bs_form_handler;

typedef struct bs_form_multipart bs_form_multipart;

/* A stream parser for one body with the boundary of `content_type` (as
 * bs_form_boundary). `limits` (and its `fields` table), `handler` and `arg`
 * must outlive the parser. Into *out (free it with bs_form_multipart_free);
 * on failure *out is NULL and *err says why. */
bs_status bs_form_multipart_new(const char *content_type, const bs_form_limits *limits,
                                const bs_form_handler *handler, void *arg, bs_form_multipart **out,
                                bs_form_error *err);

/* Parse the next `len` bytes of the body (any number, 0 included), calling
 * the handler. A refusal is the first one in the order of the body, the same
 * whatever the chunks: once refused, every later call answers the same
 * status and *err again, and calls nothing. */
bs_status bs_form_multipart_feed(bs_form_multipart *mp, const void *bytes, size_t len,
                                 bs_form_error *err);

/* The body is complete: BS_OK when it ended with its close delimiter
 * ("--boundary--", transport padding, then nothing or CRLF and an epilogue);
 * a body that stops before is malformed. */
bs_status bs_form_multipart_finish(bs_form_multipart *mp, bs_form_error *err);

/* Free the parser (NULL is a no-op). Calls nothing. */
void bs_form_multipart_free(bs_form_multipart *mp);

#endif
