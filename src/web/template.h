/*
 * template.h — the pages' templates: HTML files in src/web/pages/, carried
 * by the binary (tools/embed --table), filled from a JSON value through the
 * page writer (web/html.h). A template can only put a value into a page
 * escaped: the language has no "raw" hole.
 *
 * The language (a small, logic-less subset of mustache):
 *   {{path}}            the value, escaped (text and double-quoted
 *                       attribute values escape alike); a string, an
 *                       integer in decimal, true as "true"; null, false
 *                       and a missing value write nothing
 *   {{url:path}}        the value as a URL (bs_html_url: http, https or a
 *                       path from the root; anything else becomes "#")
 *   {{#path}}…{{/path}} an array: the block once per element, the element
 *                       the innermost context; an object: once, in it;
 *                       any other value that is not "empty": once
 *   {{^path}}…{{/path}} the block once when the value is empty: missing,
 *                       null, false, 0, "" or []
 *   {{>name}}           the template `name` ("head" is pages/head.html),
 *                       in the same context
 *   {{.}}               the innermost context itself
 * A path is names joined by dots ("campaign.title"); its first name is
 * looked up from the innermost context outwards, the rest inside it.
 *
 * Invariants:
 *   - A template that is malformed (an unclosed {{, a section closed by
 *     another name, an unknown partial) renders nothing: BS_CORRUPT. A test
 *     renders every template, so the build's templates are well-formed.
 *   - Partials nest at most BS_TEMPLATE_DEPTH deep (a cycle is an error,
 *     not a stack overflow).
 */
#ifndef BS_WEB_TEMPLATE_H
#define BS_WEB_TEMPLATE_H

#include <jansson.h>
#include <stddef.h>

#include "util/status.h"
#include "web/html.h"

#define BS_TEMPLATE_DEPTH 16

/* A file the binary carries (tools/embed --table). */
typedef struct bs_web_file {
    const char *name; /* "home.html", "site.css" */
    const unsigned char *data;
    size_t len;
} bs_web_file;

/* The templates (src/web/pages) and static files (src/web/static), each
 * table ended by a NULL name. */
extern const bs_web_file bs_web_pages[];
extern const bs_web_file bs_web_static[];

/* The file `name` of `table`, or NULL. */
const bs_web_file *bs_web_file_find(const bs_web_file *table, const char *name, size_t len);

/* Render template `name` ("home" for pages/home.html) with `data` into `h`.
 * BS_NOTFOUND: no such template; BS_CORRUPT: it (or a partial) is
 * malformed; BS_NOMEM. */
bs_status bs_template_render(bs_html *h, const char *name, json_t *data);

/* The same with the templates of `table` (tests bring their own). */
bs_status bs_template_render_from(const bs_web_file *table, bs_html *h, const char *name,
                                  json_t *data);

#endif
