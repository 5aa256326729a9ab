/*
 * test_node_url.c — the node's URL read without libcurl: each part of a
 * good URL (default ports, decoded credentials, the last '@', IPv6 hosts,
 * the scheme in any case) and every way to break the rule of node_url.h
 * (scheme, host, port, escapes, query, fragment, path, characters).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "chain/node_url.h"

typedef struct good_case {
    const char *url, *base, *path, *wallet, *user, *password; /* NULL: absent */
} good_case;

static void
assert_part(const char *got, const char *want)
{
    if (want == NULL)
        assert_null(got);
    else
        assert_string_equal(got, want);
}

static void
test_node_url_reads_each_part(void **state)
{
    static const good_case cases[] = {
        {"http://h:1", "http://h:1", "/", NULL, NULL, NULL},
        {"http://127.0.0.1/", "http://127.0.0.1:80", "/", NULL, NULL, NULL},
        {"https://node.example", "https://node.example:443", "/", NULL, NULL, NULL},
        {"HTTPS://u:p@[::1]:8332/wallet/a%2Db.c", "https://[::1]:8332", "/wallet/a%2Db.c", "a-b.c",
         "u", "p"},
        {"http://us%40er:p%3Ass@h:18443/wallet/w", "http://h:18443", "/wallet/w", "w", "us@er",
         "p:ss"},
        {"http://u:p@ss@h:1/", "http://h:1", "/", NULL, "u", "p@ss"},
        {"http://:secret@h:1/", "http://h:1", "/", NULL, "", "secret"},
        {"http://u@h:1/", "http://h:1", "/", NULL, "u", NULL},
        {"http://u:@h:1/", "http://h:1", "/", NULL, "u", ""},
        {"http://h_1.example-2~x:65535/wallet/Shop_2.main-1", "http://h_1.example-2~x:65535",
         "/wallet/Shop_2.main-1", "Shop_2.main-1", NULL, NULL},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bs_node_url u;

        print_message("url: %s\n", cases[i].url);
        assert_int_equal(bs_node_url_parse(cases[i].url, &u), BS_OK);
        assert_part(u.base, cases[i].base);
        assert_part(u.path, cases[i].path);
        assert_part(u.wallet, cases[i].wallet);
        assert_part(u.user, cases[i].user);
        assert_part(u.password, cases[i].password);
        bs_node_url_release(&u);
        assert_null(u.base);
    }
}

static void
test_node_url_refuses_what_breaks_the_rule(void **state)
{
    static const char *const bad[] = {
        "", "not a url", "h:1", "http//h:1/", "http:/h:1/", "ftp://h:1/", "httpx://h:1/",
        /* host */
        "http://:1/", "http://u@:1/", "http://h h:1/", "http://%41:1/", "http://[::1/",
        "http://[]:1/", "http://[::1]x:1/", "http://[::g]:1/", "http://h\xc3\xa9:1/",
        /* port */
        "http://h:/", "http://h:0/", "http://h:65536/", "http://h:123456/", "http://h:1x/",
        "http://h:-1/",
        /* credentials */
        "http://u%zz@h:1/", "http://u%4@h:1/", "http://u%00@h:1/", "http://u:p%0a@h:1/",
        /* query, fragment, characters */
        "http://h:1/?x=1", "http://h:1/#f", "http://h:1?x", "http://h:1/wallet/w\t",
        /* path */
        "http://h:1/foo", "http://h:1//", "http://h:1/wallet", "http://h:1/wallet/",
        "http://h:1/wallet/w/", "http://h:1/wallet/a/b", "http://h:1/wallet/a%00b",
        "http://h:1/wallet/%2e%2e", "http://h:1/wallet/a%2Fb", "http://h:1/wallet/.w",
        "http://h:1/wallet/-w", "http://h:1/wallet/q\"w",
        "http://h:1/wallet/"
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* 65 */
    };
    bs_node_url u;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        print_message("url: %s\n", bad[i]);
        assert_int_equal(bs_node_url_parse(bad[i], &u), BS_INVALID);
        assert_null(u.base);
        assert_null(u.path);
        assert_null(u.wallet);
        assert_null(u.user);
        assert_null(u.password);
    }
    assert_int_equal(bs_node_url_parse(NULL, &u), BS_INVALID);
    bs_node_url_release(&u);
    bs_node_url_release(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_node_url_reads_each_part),
        cmocka_unit_test(test_node_url_refuses_what_breaks_the_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
