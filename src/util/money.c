/*
 * money.c — strict parsing of satoshi amounts typed by people.
 */
#include <stddef.h>
#include <string.h>

#include "util/money.h"
#include "util/text.h"

bs_status
bs_money_parse(const char *text, bool signed_ok, int64_t *out)
{
    int64_t value = 0;
    bool negative = false;
    size_t digits = 0;

    if (text == NULL)
        return BS_INVALID;
    if (signed_ok && (*text == '+' || *text == '-'))
        negative = *text++ == '-';
    if (!bs_text_decimal(text, strlen(text)) || (negative && strcmp(text, "0") == 0))
        return BS_INVALID;
    for (; *text >= '0' && *text <= '9'; text++) {
        if (++digits > 16)
            return BS_INVALID;
        value = value * 10 + (*text - '0');
    }
    if (*text != '\0' || digits == 0 || value > BS_MAX_MONEY)
        return BS_INVALID;
    *out = negative ? -value : value;
    return BS_OK;
}
