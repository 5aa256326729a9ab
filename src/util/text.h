/*
 * text.h — checks on text that people type: UTF-8 that is safe to show,
 * http(s) URLs that every URL parser reads the same way, and whole numbers
 * in their one spelling (decimal, and lowercase hex). The rules per kind
 * of field (title, hover text, reason, ...) are in model/field.h, built on
 * these two.
 */
#ifndef BS_TEXT_H
#define BS_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is valid UTF-8 (no overlongs, no surrogates, nothing
 * above U+10FFFF) that is safe to show: no control characters (C0, DEL, C1),
 * no line or paragraph separators (U+2028, U+2029), no bidirectional
 * formatting characters (U+061C, U+200E, U+200F, U+202A..U+202E,
 * U+2066..U+2069: they can make text read backwards), no byte order mark
 * (U+FEFF) and no noncharacters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF).
 * *chars, when not NULL, receives the number of code points. */
bool bs_text_clean_utf8(const char *s, size_t len, size_t *chars);

/* True when `url` is at most `max` bytes of an absolute http:// or https://
 * URL in the strict form that every parser reads alike:
 *   scheme "://" host [":" port] [path] ["?" query] ["#" fragment]
 * with the scheme in any case; the host a DNS name (labels of letters,
 * digits and '-', not starting or ending with '-', separated by single dots),
 * an IPv4 address or a bracketed IPv6 address; no user information ('@'
 * before the host); a port of 1..65535; and after the host only the
 * characters A-Z a-z 0-9 - . _ ~ ! $ & ( ) * + , ; = : @ / ? and '%' followed
 * by two hex digits, with at most one '#'. So no spaces, quotes ('"' or
 * '\''), '<', '>', '\\', '^', '`', '{', '|', '}' or non-ASCII bytes. */
bool bs_text_http_url(const char *url, size_t max);

/* True when s[0..len) is a whole number in its one spelling: decimal digits,
 * at least one, no leading zero ("0" itself is one). So "05", "+5", " 5",
 * "5.0" and "1e3" are not, and every number has one text. */
bool bs_text_decimal(const char *s, size_t len);

/* The value of the hex digit c (either case), or -1 when it is none. */
int bs_text_hex_value(char c);

/* True when s[0..len) is lowercase hex digits (0-9, a-f), at least one: the
 * one spelling of a key or a digest in hex. */
bool bs_text_lower_hex(const char *s, size_t len);

#endif
