/*
 * text.h — checks on text that people type: UTF-8 validity, control
 * characters, and http(s) URLs.
 */
#ifndef BS_TEXT_H
#define BS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is valid UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF) without control characters (C0 except none, DEL, C1).
 * *chars, when not NULL, receives the number of code points. */
bool bs_text_clean_utf8(const char *s, size_t len, size_t *chars);

/* True when `url` is an absolute http:// or https:// URL with a host, of
 * printable ASCII without spaces, at most `max` bytes. */
bool bs_text_http_url(const char *url, size_t max);

#endif
