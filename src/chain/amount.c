/*
 * amount.c — exact BTC decimal text <-> satoshis.
 *
 * Parsing works on the digits themselves: the integer and fraction digits
 * form one digit string D, and the value is D * 10^e BTC with
 * e = exponent - (number of fraction digits). Leading and trailing zeros of D
 * are dropped (each trailing zero adds one to e), which leaves the
 * significant digits S and the value S * 10^(e + 8) satoshis. That is a whole
 * number exactly when e + 8 >= 0, and it fits BS_MAX_MONEY (16 digits) only
 * when the digits of S plus e + 8 are at most 16, so the final product is
 * computed in int64 without overflow. The exponent's own digits are summed
 * with saturation, so any text shorter than about 10^15 bytes is judged
 * exactly.
 */
#include "chain/amount.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Where exponent digits stop counting: far beyond any value that matters,
 * far below int64 overflow when combined with a text length. */
#define AMOUNT_EXP_CLAMP INT64_C(1000000000000000)

/* Digits of BS_MAX_MONEY (2100000000000000). */
#define AMOUNT_MAX_DIGITS 16

static bool
amount_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The digit at position k of the digit string made of [int_start, int_end)
 * followed by [frac_start, ...). */
static int
amount_digit_at(const char *text, size_t int_start, size_t n_int, size_t frac_start, size_t k)
{
    if (k < n_int)
        return text[int_start + k] - '0';
    return text[frac_start + (k - n_int)] - '0';
}

bs_status
bs_amount_parse(const char *text, size_t len, bool negative_ok, int64_t *sats)
{
    size_t i = 0, int_start, n_int, frac_start, n_frac = 0, n, first, last, k;
    bool negative = false;
    int64_t exponent = 0, e10, shift, value = 0;

    if (text == NULL || sats == NULL)
        return BS_INVALID;
    if (i < len && text[i] == '-') {
        if (!negative_ok)
            return BS_INVALID;
        negative = true;
        i++;
    }
    /* Integer part: "0" or a non-zero digit followed by digits. */
    if (i >= len || !amount_is_digit(text[i]))
        return BS_INVALID;
    int_start = i;
    if (text[i] == '0') {
        i++;
        if (i < len && amount_is_digit(text[i]))
            return BS_INVALID; /* leading zero */
    } else {
        while (i < len && amount_is_digit(text[i]))
            i++;
    }
    n_int = i - int_start;
    frac_start = i;
    /* Fraction: '.' and at least one digit. */
    if (i < len && text[i] == '.') {
        i++;
        frac_start = i;
        while (i < len && amount_is_digit(text[i]))
            i++;
        n_frac = i - frac_start;
        if (n_frac == 0)
            return BS_INVALID;
    }
    /* Exponent: 'e' or 'E', an optional sign, at least one digit. */
    if (i < len && (text[i] == 'e' || text[i] == 'E')) {
        bool exp_negative = false;
        size_t exp_start;

        i++;
        if (i < len && (text[i] == '+' || text[i] == '-')) {
            exp_negative = text[i] == '-';
            i++;
        }
        exp_start = i;
        while (i < len && amount_is_digit(text[i])) {
            if (exponent < AMOUNT_EXP_CLAMP)
                exponent = exponent * 10 + (text[i] - '0');
            i++;
        }
        if (i == exp_start)
            return BS_INVALID;
        if (exp_negative)
            exponent = -exponent;
    }
    if (i != len)
        return BS_INVALID;

    /* Significant digits [first, last] of the n-digit string. */
    n = n_int + n_frac;
    for (first = 0; first < n; first++) {
        if (amount_digit_at(text, int_start, n_int, frac_start, first) != 0)
            break;
    }
    if (first == n) {
        *sats = 0;
        return BS_OK;
    }
    for (last = n - 1; last > first; last--) {
        if (amount_digit_at(text, int_start, n_int, frac_start, last) != 0)
            break;
    }
    if (n_frac > (size_t)AMOUNT_EXP_CLAMP || n > (size_t)AMOUNT_EXP_CLAMP)
        return BS_INVALID;
    e10 = exponent - (int64_t)n_frac + (int64_t)(n - 1 - last);
    shift = e10 + 8; /* the value is S * 10^shift satoshis */
    if (shift < 0)
        return BS_INVALID; /* finer than one satoshi */
    if ((int64_t)(last - first + 1) + shift > AMOUNT_MAX_DIGITS)
        return BS_INVALID; /* at least 10^16 satoshis */
    for (k = first; k <= last; k++)
        value = value * 10 + amount_digit_at(text, int_start, n_int, frac_start, k);
    for (; shift > 0; shift--)
        value *= 10;
    if (value > BS_MAX_MONEY)
        return BS_INVALID;
    *sats = negative ? -value : value;
    return BS_OK;
}

bs_status
bs_amount_parse_str(const char *text, bool negative_ok, int64_t *sats)
{
    if (text == NULL)
        return BS_INVALID;
    return bs_amount_parse(text, strlen(text), negative_ok, sats);
}

bs_status
bs_amount_format(int64_t sats, char *out, size_t out_size)
{
    int64_t magnitude;
    int written;

    if (out == NULL || out_size == 0)
        return BS_TOOLARGE;
    out[0] = '\0';
    if (sats < -BS_MAX_MONEY || sats > BS_MAX_MONEY)
        return BS_INVALID;
    magnitude = sats < 0 ? -sats : sats;
    written = snprintf(out, out_size, "%s%" PRId64 ".%08" PRId64, sats < 0 ? "-" : "",
                       magnitude / BS_SAT_PER_BTC, magnitude % BS_SAT_PER_BTC);
    if (written < 0 || (size_t)written >= out_size) {
        out[0] = '\0';
        return BS_TOOLARGE;
    }
    return BS_OK;
}
