/*
 * fuzz_text.c — the rule of every kind of text people type
 * (bs_field_valid, src/model/field.h, on util/text.h), on a NUL-terminated
 * copy of the input: what every entry point (command, API, page) accepts.
 *
 * Checks, for text a rule accepts:
 *   - free text (title, hover, nickname, reason) is valid UTF-8 without a
 *     byte below 0x20 or 0x7f, and without the bytes of a direction
 *     override (U+202A..U+202E, U+2066..U+2069) or a line separator;
 *   - a URL is printable ASCII without space, quote, '<', '>', '\', '^',
 *     '`', '{', '|', '}', begins with http:// or https:// (any case) and has
 *     no '@' before its path;
 *   - a name is [A-Za-z0-9_]{1,64}.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model/field.h"

static void
check_free_text(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if (*p < 0x20 || *p == 0x7f)
            abort();
        /* E2 80 AA..AE, E2 81 A6..A9, E2 80 A8..A9 */
        if (p[0] == 0xe2 && p[1] == 0x80 && p[2] >= 0xa8 && p[2] <= 0xae)
            abort();
        if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
            abort();
    }
}

static void
check_url(const char *url)
{
    size_t scheme = strncasecmp(url, "https://", 8) == 0 ? 8 : 7;

    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        abort();
    for (const char *p = url; *p != '\0'; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("\"'<>\\^`{|}", *p) != NULL)
            abort();
    if (memchr(url + scheme, '@', strcspn(url + scheme, "/?#")) != NULL)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    for (int f = 0; f < BS__FIELD_COUNT; f++) {
        if (!bs_field_valid((bs_field)f, text))
            continue;
        switch ((bs_field)f) {
        case BS_FIELD_TITLE:
        case BS_FIELD_HOVER:
        case BS_FIELD_NICKNAME:
        case BS_FIELD_REASON:
        case BS_FIELD_HIDE_REASON:
            check_free_text(text);
            break;
        case BS_FIELD_URL:
            check_url(text);
            break;
        case BS_FIELD_NAME:
            if (strlen(text) < 1 || strlen(text) > 64 ||
                strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
                    strlen(text))
                abort();
            break;
        default:
            break;
        }
    }
    free(text);
    return 0;
}
