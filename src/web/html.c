/*
 * html.c — see html.h.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/grow.h"
#include "web/html.h"

void
bs_html__raw(bs_html *h, const char *bytes, size_t len)
{
    if (h->failed)
        return;
    while (h->len + len + 1 > h->cap) {
        if (len > SIZE_MAX / 2 || bs_grow(&h->data, &h->cap, h->cap, 1, 256) != BS_OK) {
            h->failed = true;
            return;
        }
    }
    memcpy(h->data + h->len, bytes, len);
    h->len += len;
    h->data[h->len] = '\0';
}

/* Escape the five characters that can end a text or an attribute. */
static void
escaped(bs_html *h, const char *s)
{
    const char *run = s;

    for (; *s != '\0'; s++) {
        const char *ref;
        switch (*s) {
        case '&':
            ref = "&amp;";
            break;
        case '<':
            ref = "&lt;";
            break;
        case '>':
            ref = "&gt;";
            break;
        case '"':
            ref = "&quot;";
            break;
        case '\'':
            ref = "&#39;";
            break;
        default:
            continue;
        }
        bs_html__raw(h, run, (size_t)(s - run));
        bs_html__raw(h, ref, strlen(ref));
        run = s + 1;
    }
    bs_html__raw(h, run, (size_t)(s - run));
}

void
bs_html_text(bs_html *h, const char *text)
{
    escaped(h, text);
}

void
bs_html_attr(bs_html *h, const char *value)
{
    escaped(h, value);
}

void
bs_html_url(bs_html *h, const char *url)
{
    if (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0 ||
        (url[0] == '/' && url[1] != '/'))
        escaped(h, url);
    else
        bs_html__raw(h, "#", 1);
}

void
bs_html_int(bs_html *h, int64_t n)
{
    char digits[24];
    int len = snprintf(digits, sizeof(digits), "%" PRId64, n);

    bs_html__raw(h, digits, (size_t)len);
}

char *
bs_html_detach(bs_html *h, size_t *len)
{
    char *page = h->failed ? NULL : h->data;

    if (page == NULL && !h->failed)
        page = calloc(1, 1);
    if (h->failed)
        free(h->data);
    *len = page != NULL ? h->len : 0;
    *h = (bs_html)BS_HTML_INIT;
    return page;
}

void
bs_html_release(bs_html *h)
{
    free(h->data);
    *h = (bs_html)BS_HTML_INIT;
}
