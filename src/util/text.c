/*
 * text.c — see text.h.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"

#define HOST_MAX  253
#define LABEL_MAX 63

/* Code points that are valid but not safe to show (see text.h). */
static bool
unsafe_code_point(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
           cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0xfeff || (cp >= 0xfdd0 && cp <= 0xfdef) ||
           (cp & 0xfffe) == 0xfffe;
}

bool
bs_text_clean_utf8(const char *s, size_t len, size_t *chars)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + len;
    size_t count = 0;

    while (p < end) {
        uint32_t cp;
        int extra;

        if (*p < 0x80) {
            cp = *p;
            extra = 0;
        } else if ((*p & 0xe0) == 0xc0) {
            cp = *p & 0x1f;
            extra = 1;
        } else if ((*p & 0xf0) == 0xe0) {
            cp = *p & 0x0f;
            extra = 2;
        } else if ((*p & 0xf8) == 0xf0) {
            cp = *p & 0x07;
            extra = 3;
        } else {
            return false;
        }
        if (end - p <= extra)
            return false;
        for (int i = 1; i <= extra; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return false;
            cp = (cp << 6) | (p[i] & 0x3f);
        }
        if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
            (extra == 3 && cp < 0x10000) || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        if (unsafe_code_point(cp))
            return false;
        p += extra + 1;
        count++;
    }
    if (chars != NULL)
        *chars = count;
    return true;
}

static bool
is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool
is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* A label that URL parsers (WHATWG) read as a number, making the whole host
 * an IPv4 address: decimal digits, or "0x" and hex digits (none at all
 * too). */
static bool
numeric_label(const char *label, size_t len)
{
    size_t i = 0;

    if (len >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X')) {
        for (i = 2; i < len && is_hex(label[i]); i++)
            ;
        return i == len;
    }
    for (; i < len && label[i] >= '0' && label[i] <= '9'; i++)
        ;
    return i == len;
}

/* A DNS name of labels [A-Za-z0-9-]{1,63} (no '-' at either end) joined by
 * single dots, whose last label is no number (parsers would read "1.2.3",
 * "example.123" or "0x7f000001" as an IPv4 address). */
static bool
dns_name(const char *host, size_t len)
{
    size_t label = 0;

    if (len == 0 || len > HOST_MAX)
        return false;
    for (size_t i = 0; i <= len; i++) {
        if (i == len || host[i] == '.') {
            if (label == 0 || label > LABEL_MAX || host[i - 1] == '-')
                return false;
            if (i == len)
                return !numeric_label(host + i - label, label);
            label = 0;
            continue;
        }
        if (!is_alnum(host[i]) && !(host[i] == '-' && label > 0))
            return false;
        label++;
    }
    return false;
}

/* A host: a DNS name, a dotted-quad IPv4 address (no leading zeros), or an
 * IPv6 address in brackets. */
static bool
url_host(const char *host, size_t len)
{
    char text[HOST_MAX + 1];
    unsigned char addr[16];

    if (len == 0 || len > HOST_MAX)
        return false;
    if (host[0] == '[') {
        if (len < 4 || host[len - 1] != ']')
            return false;
        memcpy(text, host + 1, len - 2);
        text[len - 2] = '\0';
        return inet_pton(AF_INET6, text, addr) == 1;
    }
    memcpy(text, host, len);
    text[len] = '\0';
    return dns_name(host, len) || inet_pton(AF_INET, text, addr) == 1;
}

/* ":" 1..5 digits, 1..65535. */
static bool
url_port(const char *port, size_t len)
{
    unsigned value = 0;

    if (len == 0 || len > 5)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (port[i] < '0' || port[i] > '9')
            return false;
        value = value * 10 + (unsigned)(port[i] - '0');
    }
    return value >= 1 && value <= 65535;
}

/* Path, query and fragment: the characters of text.h, valid percent
 * escapes, at most one '#'. */
static bool
url_rest(const char *rest)
{
    bool fragment = false;

    for (const char *p = rest; *p != '\0'; p++) {
        if (*p == '%') {
            if (!is_hex(p[1]) || !is_hex(p[2]))
                return false;
            p += 2;
        } else if (*p == '#') {
            if (fragment)
                return false;
            fragment = true;
        } else if (!is_alnum(*p) && strchr("-._~!$&()*+,;=:@/?", *p) == NULL) {
            return false;
        }
    }
    return true;
}

bool
bs_text_http_url(const char *url, size_t max)
{
    size_t len = strlen(url), scheme, authority, host_len;
    const char *host, *colon, *rest;

    if (len > max)
        return false;
    if (strncasecmp(url, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        scheme = 8;
    else
        return false;
    host = url + scheme;
    authority = strcspn(host, "/?#");
    rest = host + authority;
    /* The port's colon is the last one outside an IPv6 address's brackets. */
    colon = NULL;
    for (size_t i = authority; i > 0; i--) {
        if (host[i - 1] == ']')
            break;
        if (host[i - 1] == ':') {
            colon = host + i - 1;
            break;
        }
    }
    host_len = colon != NULL ? (size_t)(colon - host) : authority;
    if (!url_host(host, host_len))
        return false;
    if (colon != NULL && !url_port(colon + 1, (size_t)(rest - colon - 1)))
        return false;
    return url_rest(rest);
}

bool
bs_text_decimal(const char *s, size_t len)
{
    if (len == 0 || (s[0] == '0' && len > 1))
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool
bs_text_lower_hex(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

int
bs_text_hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}
