/*
 * html.h — the one page writer of `bitslot serve` (STYLE.md §17): markup
 * comes only from string literals in the code, and every value goes in
 * through a call that escapes it for where it lands.
 *
 * Invariants:
 *   - bs_html_markup() takes a string literal and nothing else (the macro
 *     pastes "" around its argument, so a variable does not compile): there
 *     is no call that puts a caller's string into a page unescaped.
 *   - bs_html_text() and bs_html_attr() escape & < > " ' as character
 *     references; attribute values are always written between double
 *     quotes by the markup around them.
 *   - bs_html_url() writes only a URL that is http://, https:// or a path
 *     from the root ("/..."), escaped as an attribute; anything else (a
 *     javascript: URL, say) is written as "#".
 *   - Out of memory is sticky: every later call does nothing, and
 *     bs_html_detach() returns NULL.
 */
#ifndef BS_WEB_HTML_H
#define BS_WEB_HTML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bs_html {
    char *data; /* NUL-terminated while not failed */
    size_t len;
    size_t cap;
    bool failed;
} bs_html;

#define BS_HTML_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

/* Literal markup: `literal` must be a string literal. */
#define bs_html_markup(h, literal) bs_html__raw((h), "" literal "", sizeof(literal) - 1)

void bs_html_text(bs_html *h, const char *text);
void bs_html_attr(bs_html *h, const char *value);
void bs_html_url(bs_html *h, const char *url);
void bs_html_int(bs_html *h, int64_t n);

/* The page (malloc'ed, NUL-terminated; the caller frees it) and its length;
 * NULL when out of memory. `h` is empty afterwards. */
char *bs_html_detach(bs_html *h, size_t *len);

/* Free what `h` holds; a no-op on an empty writer. */
void bs_html_release(bs_html *h);

/* For bs_html_markup only. */
void bs_html__raw(bs_html *h, const char *bytes, size_t len);

#endif
