/*
 * fuzz_amount.c — bs_amount_parse (src/chain/amount.h) on arbitrary bytes
 * (the text of a number in a node's answer), with and without negatives.
 *
 * Checks:
 *   - the two modes agree: without negatives a result is what the other mode
 *     gives; the other mode accepts more only for a text starting with '-';
 *   - a result is within +-BS_MAX_MONEY, and *sats is untouched on refusal;
 *   - bs_amount_format of a result parses back to the same value, in both
 *     modes for a non-negative one, and the NUL-terminated form
 *     (bs_amount_parse_str) of the text gives the same answer;
 *   - the result equals the value strtold reads from the same text, times
 *     10^8, rounded (exact for any amount: at most 2.1e15 satoshis, while a
 *     long double keeps 64 bits);
 *   - the other way round, for a text of the JSON number grammar (checked
 *     here independently) with at most 17 significant digits and an exponent
 *     below 400: it is accepted exactly when strtold says it is a whole
 *     number of satoshis within +-21,000,000 BTC (and not negative in the
 *     mode without negatives). With 17 digits, a value that is not whole is
 *     at least 10^-17 of its size away from every integer, far above the
 *     long double's error (about 10^-19 of it), so the test cannot misjudge;
 *   - bs_amount_format into a buffer too small gives BS_TOOLARGE and "".
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chain/amount.h"

#define UNTOUCHED INT64_C(0x5a5a5a5a5a5a5a5a)

static void
check_format(int64_t sats)
{
    char text[BS_AMOUNT_TEXT_SIZE];
    int64_t back = UNTOUCHED;
    size_t need;

    if (bs_amount_format(sats, text, sizeof(text)) != BS_OK)
        abort();
    if (bs_amount_parse_str(text, true, &back) != BS_OK || back != sats)
        abort();
    back = UNTOUCHED;
    if (sats >= 0 ? bs_amount_parse_str(text, false, &back) != BS_OK || back != sats
                  : bs_amount_parse_str(text, false, &back) != BS_INVALID || back != UNTOUCHED)
        abort();
    need = strlen(text) + 1;
    for (size_t n = 1; n < need; n++) {
        char small[BS_AMOUNT_TEXT_SIZE];

        memset(small, 'x', sizeof(small));
        if (bs_amount_format(sats, small, n) != BS_TOOLARGE || small[0] != '\0')
            abort();
    }
}

/* Does text[0..len) follow the JSON number grammar (RFC 8259)? If so, the
 * number of significant digits of its mantissa (without leading and trailing
 * zeros) and the magnitude of its exponent (saturated) go to *digits, *exp. */
static bool
json_number(const char *t, size_t len, size_t *digits, long *exp)
{
    size_t i = 0, first = SIZE_MAX, last = 0, pos = 0;

    *exp = 0;
    if (i < len && t[i] == '-')
        i++;
    if (i >= len || t[i] < '0' || t[i] > '9' ||
        (t[i] == '0' && i + 1 < len && t[i + 1] >= '0' && t[i + 1] <= '9'))
        return false;
    for (bool frac = false;; i++) {
        if (i < len && t[i] == '.' && !frac) {
            frac = true;
            if (i + 1 >= len || t[i + 1] < '0' || t[i + 1] > '9')
                return false;
            continue;
        }
        if (i >= len || t[i] < '0' || t[i] > '9')
            break;
        if (t[i] != '0') {
            if (first == SIZE_MAX)
                first = pos;
            last = pos;
        }
        pos++;
    }
    *digits = first == SIZE_MAX ? 0 : last - first + 1;
    if (i < len && (t[i] == 'e' || t[i] == 'E')) {
        size_t start;

        i++;
        if (i < len && (t[i] == '+' || t[i] == '-'))
            i++;
        start = i;
        for (; i < len && t[i] >= '0' && t[i] <= '9'; i++)
            if (*exp < 100000)
                *exp = *exp * 10 + (t[i] - '0');
        if (i == start)
            return false;
    }
    return i == len;
}

/* What bs_amount_parse must answer for a text json_number accepted with few
 * enough digits (see the file comment). */
static bool
expect_whole_amount(const char *text, bool negative_ok)
{
    long double x = strtold(text, NULL) * 100000000.0L;
    long double r = roundl(x);

    if (text[0] == '-' && !negative_ok)
        return false;
    return fabsl(x - r) <= fabsl(x) * 1e-18L && fabsl(r) <= (long double)BS_MAX_MONEY;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    int64_t pos = UNTOUCHED, any = UNTOUCHED, str = UNTOUCHED;
    bs_status st_pos = bs_amount_parse(text, size, false, &pos);
    bs_status st_any = bs_amount_parse(text, size, true, &any);
    char *copy;

    if ((st_pos != BS_OK && st_pos != BS_INVALID) || (st_any != BS_OK && st_any != BS_INVALID))
        abort();
    if (st_pos != BS_OK && pos != UNTOUCHED)
        abort();
    if (st_any != BS_OK && any != UNTOUCHED)
        abort();
    if (st_pos == BS_OK && (st_any != BS_OK || any != pos || pos < 0))
        abort();
    if (st_pos != BS_OK && st_any == BS_OK && (size == 0 || text[0] != '-'))
        abort();
    if (memchr(data, '\0', size) == NULL) {
        size_t digits;
        long exp;

        copy = malloc(size + 1);
        if (copy == NULL)
            return 0;
        memcpy(copy, data, size);
        copy[size] = '\0';
        if (json_number(text, size, &digits, &exp) && digits <= 17 && exp < 400 &&
            (expect_whole_amount(copy, false) != (st_pos == BS_OK) ||
             expect_whole_amount(copy, true) != (st_any == BS_OK)))
            abort();
        free(copy);
    }
    if (st_any != BS_OK)
        return 0;
    if (any < -BS_MAX_MONEY || any > BS_MAX_MONEY)
        abort();
    check_format(any);

    /* The same text NUL-terminated (a result means it holds no NUL). */
    copy = malloc(size + 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data, size);
    copy[size] = '\0';
    if (bs_amount_parse_str(copy, true, &str) != BS_OK || str != any)
        abort();
    if (llroundl(strtold(copy, NULL) * 100000000.0L) != any)
        abort();
    free(copy);
    return 0;
}
