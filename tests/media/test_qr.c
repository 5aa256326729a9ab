/*
 * test_qr.c — tests of media/qr: every path is parsed back into a module
 * matrix by a strict reader of the one subpath shape qr.h promises, and
 * compared module by module with libqrencode's own symbol for the same text
 * and settings (so a wrong offset, a dropped or an extra module fails);
 * the finder patterns and sizes are checked against the QR code standard
 * itself, apart from libqrencode. Out of memory is injected with the
 * linker's --wrap (tests/media/meson.build) at qr.c's allocation and at its
 * call of libqrencode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <qrencode.h>

#include "media/qr.h"

#define EXAMPLE  "bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"
#define MAX_SIZE (40 * 4 + 17 + 2 * BS_QR_QUIET_ZONE)

/* Fault injection: the next malloc called from a wrapped object (qr.c, this
 * file) fails, or the next QRcode_encodeString fails with this errno. */
static bool fail_next_malloc;
static int fail_next_encode;

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);
QRcode *__real_QRcode_encodeString(const char *string, int version, QRecLevel level,
                                   QRencodeMode hint, int casesensitive);
QRcode *__wrap_QRcode_encodeString(const char *string, int version, QRecLevel level,
                                   QRencodeMode hint, int casesensitive);

void *
__wrap_malloc(size_t size)
{
    if (fail_next_malloc) {
        fail_next_malloc = false;
        errno = ENOMEM;
        return NULL;
    }
    return __real_malloc(size);
}

QRcode *
__wrap_QRcode_encodeString(const char *string, int version, QRecLevel level, QRencodeMode hint,
                           int casesensitive)
{
    if (fail_next_encode) {
        errno = fail_next_encode;
        fail_next_encode = 0;
        return NULL;
    }
    return __real_QRcode_encodeString(string, version, level, hint, casesensitive);
}

/* A module matrix read back from a path: how many subpaths cover each
 * module, in the coordinates of the path (quiet zone included). */
typedef struct matrix {
    int size;
    unsigned char cover[MAX_SIZE][MAX_SIZE];
} matrix;

/* Read a decimal number of 1..3 digits at *p (a minus sign only when
 * `negative`), advancing *p. */
static int
read_number(const char **p, bool negative)
{
    int value = 0, digits = 0;

    if (negative) {
        assert_int_equal(**p, '-');
        (*p)++;
    }
    while (**p >= '0' && **p <= '9') {
        value = value * 10 + (**p - '0');
        (*p)++;
        digits++;
    }
    assert_in_range(digits, 1, 3);
    return negative ? -value : value;
}

static void
expect_char(const char **p, char c)
{
    assert_int_equal(**p, c);
    (*p)++;
}

/* Parse `path` ("M<x> <y>h<n>v1h-<n>z" repeated, nothing else) into `m`,
 * checking every subpath lies inside the square of `size`, runs do not
 * overlap, and no two runs touch in a row (each run is maximal). Returns
 * the number of subpaths. */
static int
read_path(const char *path, int size, matrix *m)
{
    int subpaths = 0;

    assert_in_range(size, 29, MAX_SIZE);
    memset(m, 0, sizeof(*m));
    m->size = size;
    for (const char *p = path; *p;) {
        expect_char(&p, 'M');
        int x = read_number(&p, false);
        expect_char(&p, ' ');
        int y = read_number(&p, false);
        expect_char(&p, 'h');
        int run = read_number(&p, false);
        expect_char(&p, 'v');
        expect_char(&p, '1');
        expect_char(&p, 'h');
        assert_int_equal(read_number(&p, true), -run);
        expect_char(&p, 'z');

        assert_true(run >= 1 && x + run <= size && y < size);
        for (int i = x; i < x + run; i++) {
            assert_int_equal(m->cover[y][i], 0);
            m->cover[y][i] = 1;
        }
        /* Maximal: the modules just before and after are not dark (a run
         * after this one would find this one's last module set). */
        if (x > 0)
            assert_int_equal(m->cover[y][x - 1], 0);
        subpaths++;
    }
    return subpaths;
}

/* Every byte of `path` is one of "Mhvz0123456789 -". */
static void
assert_allowed_characters(const char *path)
{
    assert_true(path[0] != '\0');
    assert_int_equal(strspn(path, "Mhvz0123456789 -"), strlen(path));
}

/* Encode `text`, check the path against libqrencode's own symbol for the
 * same settings, and return the size. */
static int
check_text(const char *text)
{
    static matrix m;
    char *path = NULL;
    int size = -1;

    assert_int_equal(bs_qr_svg_path(text, &path, &size), BS_OK);
    assert_non_null(path);
    assert_allowed_characters(path);

    QRcode *ref = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    assert_non_null(ref);
    assert_int_equal(ref->width, ref->version * 4 + 17);
    assert_int_equal(size, ref->width + 2 * BS_QR_QUIET_ZONE);

    int runs = read_path(path, size, &m);
    int dark = 0, expected_runs = 0;
    for (int y = 0; y < size; y++) {
        for (int x = 0; x < size; x++) {
            int sx = x - BS_QR_QUIET_ZONE, sy = y - BS_QR_QUIET_ZONE;
            bool inside = sx >= 0 && sy >= 0 && sx < ref->width && sy < ref->width;
            bool want = inside && (ref->data[sy * ref->width + sx] & 1);
            if (m.cover[y][x] != want)
                fail_msg("module (%d, %d) is %s in the path, %s in libqrencode's symbol", x, y,
                         m.cover[y][x] ? "dark" : "light", want ? "dark" : "light");
            if (want) {
                dark++;
                if (x == 0 || !m.cover[y][x - 1])
                    expected_runs++;
            }
        }
    }
    assert_true(dark > 0);
    assert_int_equal(runs, expected_runs); /* one subpath per run, merged */

    QRcode_free(ref);
    free(path);
    return size;
}

/* The 7x7 finder pattern with its top-left module at (x, y): a dark ring,
 * a light ring, a dark 3x3 centre; and the light separator around it. */
static void
assert_finder(const matrix *m, int x, int y)
{
    for (int j = -1; j <= 7; j++) {
        for (int i = -1; i <= 7; i++) {
            /* How far in from the pattern's edge: -1 is the separator. */
            int di = i < 6 - i ? i : 6 - i;
            int dj = j < 6 - j ? j : 6 - j;
            int d = di < dj ? di : dj;
            bool want = d == 0 || d >= 2;
            assert_int_equal(m->cover[y + j][x + i], want);
        }
    }
}

static void
test_qr_example_address_is_version_4(void **state)
{
    (void)state;
    char *path = NULL;
    int size = 0;

    /* 52 bytes, almost all lower-case (8-bit mode): level M holds 42 bytes
     * in version 3 and 62 in version 4, so version 4: 33 modules + 8. */
    assert_int_equal(strlen(EXAMPLE), 52);
    assert_int_equal(check_text(EXAMPLE), 41);

    assert_int_equal(bs_qr_svg_path(EXAMPLE, &path, &size), BS_OK);
    print_message("example address: size %d, path %zu bytes\n", size, strlen(path));
    free(path);
}

static void
test_qr_is_case_sensitive(void **state)
{
    (void)state;

    /* The same URI upper-cased is all alphanumeric: 52 characters fit
     * version 3 at level M (61), 29 + 8. The lower-case one stayed at
     * version 4 above, so the text was not upper-cased. */
    assert_int_equal(check_text("BITCOIN:BCRT1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KYGT080"), 37);
}

static void
test_qr_matches_libqrencode_for_many_texts(void **state)
{
    (void)state;
    char longest[BS_QR_MAX_TEXT + 1];

    /* Every byte value but NUL, over and over, up to the limit. */
    for (size_t i = 0; i < BS_QR_MAX_TEXT; i++)
        longest[i] = (char)(1 + i % 255);
    longest[BS_QR_MAX_TEXT] = '\0';

    assert_int_equal(check_text("a"), 21 + 8); /* version 1 */
    check_text("1");
    check_text("bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080?amount=0.015&label="
               "Caf%C3%A9%20Ren%C3%A9");
    check_text("bitcoin:bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080?label=Café René");
    check_text("bitcoin:mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn");
    assert_true(check_text(longest) > check_text(EXAMPLE));
}

static void
test_qr_finder_patterns_in_the_corners(void **state)
{
    (void)state;
    static matrix m;
    char *path = NULL;
    int size = 0;
    const int q = BS_QR_QUIET_ZONE;

    assert_int_equal(bs_qr_svg_path(EXAMPLE, &path, &size), BS_OK);
    read_path(path, size, &m);
    assert_finder(&m, q, q);
    assert_finder(&m, size - q - 7, q);
    assert_finder(&m, q, size - q - 7);
    /* The quiet zone is light all round. */
    for (int i = 0; i < size; i++) {
        for (int k = 0; k < q; k++) {
            assert_int_equal(m.cover[k][i], 0);
            assert_int_equal(m.cover[size - 1 - k][i], 0);
            assert_int_equal(m.cover[i][k], 0);
            assert_int_equal(m.cover[i][size - 1 - k], 0);
        }
    }
    free(path);
}

/* A refusal leaves *path_out NULL and *size_out 0. */
static void
assert_refused(const char *text, bs_status want)
{
    char *path = (char *)"untouched";
    int size = -1;

    assert_int_equal(bs_qr_svg_path(text, &path, &size), want);
    assert_null(path);
    assert_int_equal(size, 0);
}

static void
test_qr_empty_and_too_long_are_invalid(void **state)
{
    (void)state;
    char text[BS_QR_MAX_TEXT + 2];

    assert_refused("", BS_INVALID);
    assert_refused(NULL, BS_INVALID);

    memset(text, 'A', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    assert_int_equal(strlen(text), 513);
    assert_refused(text, BS_INVALID);

    text[BS_QR_MAX_TEXT] = '\0'; /* 512 bytes: accepted */
    check_text(text);
}

static void
test_qr_out_of_memory(void **state)
{
    (void)state;

    fail_next_malloc = true;
    assert_refused(EXAMPLE, BS_NOMEM);
    assert_false(fail_next_malloc); /* qr.c's allocation was the one refused */

    fail_next_encode = ENOMEM;
    assert_refused(EXAMPLE, BS_NOMEM);
    assert_int_equal(fail_next_encode, 0);

    fail_next_encode = ERANGE;
    assert_refused(EXAMPLE, BS_INVALID);
    fail_next_encode = EINVAL;
    assert_refused(EXAMPLE, BS_INVALID);

    check_text(EXAMPLE); /* and all is well again */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_qr_example_address_is_version_4),
        cmocka_unit_test(test_qr_is_case_sensitive),
        cmocka_unit_test(test_qr_matches_libqrencode_for_many_texts),
        cmocka_unit_test(test_qr_finder_patterns_in_the_corners),
        cmocka_unit_test(test_qr_empty_and_too_long_are_invalid),
        cmocka_unit_test(test_qr_out_of_memory),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
