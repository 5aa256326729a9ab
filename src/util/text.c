/*
 * text.c — see text.h.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "util/text.h"

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
        if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
            return false;
        p += extra + 1;
        count++;
    }
    if (chars != NULL)
        *chars = count;
    return true;
}

bool
bs_text_http_url(const char *url, size_t max)
{
    size_t len = strlen(url), scheme;
    const char *host;

    if (len > max)
        return false;
    if (strncasecmp(url, "http://", 7) == 0)
        scheme = 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        scheme = 8;
    else
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
            return false;
    host = url + scheme;
    return host[0] != '\0' && host[0] != '/' && host[0] != '?' && host[0] != '#' &&
           host[0] != '@' && host[0] != ':';
}
