/*
 * test_proxy.c — web/proxy.c: which address is the client behind a trusted
 * reverse proxy, and that nobody else can choose it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "web/proxy.h"

static void
client(const bs_web_proxies *p, const char *peer, const char *forwarded, const char *want)
{
    char out[64];

    bs_web_proxies_client(p, peer, forwarded, forwarded != NULL ? strlen(forwarded) : 0, out,
                          sizeof(out));
    assert_string_equal(out, want);
}

static void
test_proxy_parse(void **state)
{
    bs_web_proxies p;
    char many[1024] = "";

    (void)state;
    assert_true(bs_web_proxies_parse("127.0.0.1", &p));
    assert_int_equal(p.count, 1);
    assert_true(bs_web_proxies_parse(" 10.0.0.1 , 0:0::1,192.168.1.2", &p));
    assert_int_equal(p.count, 3);
    assert_string_equal(p.address[0], "10.0.0.1");
    assert_string_equal(p.address[1], "::1"); /* one spelling */
    assert_string_equal(p.address[2], "192.168.1.2");
    /* An IPv4-mapped IPv6 address is the IPv4 address it maps. */
    assert_true(bs_web_proxies_parse("::ffff:127.0.0.1,0:0:0:0:0:FFFF:7f00:2", &p));
    assert_string_equal(p.address[0], "127.0.0.1");
    assert_string_equal(p.address[1], "127.0.0.2");
    /* Refused: names, ranges, ports, empty entries, too many. */
    assert_false(bs_web_proxies_parse("", &p));
    assert_false(bs_web_proxies_parse("localhost", &p));
    assert_false(bs_web_proxies_parse("10.0.0.0/8", &p));
    assert_false(bs_web_proxies_parse("127.0.0.1:80", &p));
    assert_false(bs_web_proxies_parse("127.0.0.1,", &p));
    assert_false(bs_web_proxies_parse("127.0.0.1,,10.0.0.1", &p));
    assert_false(bs_web_proxies_parse("256.0.0.1", &p));
    for (int i = 0; i <= BS_WEB_PROXIES_MAX; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s10.0.0.%d", i ? "," : "", i);
    assert_false(bs_web_proxies_parse(many, &p));
    many[strlen(many) - strlen(",10.0.0.16")] = '\0';
    assert_true(bs_web_proxies_parse(many, &p));
    assert_int_equal(p.count, BS_WEB_PROXIES_MAX);
}

/* The setting spelled IPv4-mapped (the tester's "::ffff:127.0.0.1"): nginx
 * at 127.0.0.1 is trusted, so clients do not share one throttle. */
static void
test_proxy_mapped_setting_trusts_ipv4(void **state)
{
    bs_web_proxies p;

    (void)state;
    assert_true(bs_web_proxies_parse("::ffff:127.0.0.1", &p));
    client(&p, "127.0.0.1", "203.0.113.7", "203.0.113.7");
    client(&p, "127.0.0.2", "203.0.113.7", "127.0.0.2");
}

static void
test_proxy_client(void **state)
{
    bs_web_proxies none = {0}, p;

    (void)state;
    assert_true(bs_web_proxies_parse("127.0.0.1,::1", &p));
    /* From the trusted proxy: the last address of the header. */
    client(&p, "127.0.0.1", "203.0.113.7", "203.0.113.7");
    client(&p, "127.0.0.1", "1.2.3.4, 203.0.113.7", "203.0.113.7"); /* 1.2.3.4: a claim */
    client(&p, "127.0.0.1", "1.2.3.4,203.0.113.7 ", "203.0.113.7");
    client(&p, "::1", "2001:DB8:0:0::1", "2001:db8::1");
    client(&p, "0:0::1", "203.0.113.7", "203.0.113.7");
    client(&p, "::ffff:127.0.0.1", "203.0.113.7", "203.0.113.7"); /* a dual-stack socket's peer */
    client(&p, "127.0.0.1", "::ffff:203.0.113.7", "203.0.113.7");
    /* From the trusted proxy, no header or one that names nobody: the proxy. */
    client(&p, "127.0.0.1", NULL, "127.0.0.1");
    client(&p, "127.0.0.1", "", "127.0.0.1");
    client(&p, "127.0.0.1", "203.0.113.7, unknown", "127.0.0.1");
    client(&p, "127.0.0.1", "203.0.113.7,", "127.0.0.1");
    client(&p, "127.0.0.1", "203.0.113.7:4711", "127.0.0.1");
    /* Not from a trusted proxy: the header is ignored. */
    client(&p, "198.51.100.9", "203.0.113.7", "198.51.100.9");
    client(&none, "127.0.0.1", "203.0.113.7", "127.0.0.1");
    client(&none, "", "203.0.113.7", "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_proxy_parse),
        cmocka_unit_test(test_proxy_client),
        cmocka_unit_test(test_proxy_mapped_setting_trusts_ipv4),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
