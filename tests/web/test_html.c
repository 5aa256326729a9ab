/*
 * test_html.c — the page writer (web/html.h): every value is escaped for
 * where it lands, a URL that is not http(s) or a path from the root becomes
 * "#", and markup is whatever literal the code wrote.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "web/html.h"

static char *
page(bs_html *h)
{
    size_t len;
    char *text = bs_html_detach(h, &len);

    assert_non_null(text);
    assert_int_equal(strlen(text), len);
    return text;
}

static void
test_html_escapes_every_value(void **state)
{
    bs_html h = BS_HTML_INIT;
    char *text;

    (void)state;
    bs_html_markup(&h, "<p title=\"");
    bs_html_attr(&h, "a\"b'c<d>e&f");
    bs_html_markup(&h, "\">");
    bs_html_text(&h, "<script>alert('x') & \"y\"</script>");
    bs_html_markup(&h, "</p>");
    text = page(&h);
    assert_string_equal(text, "<p title=\"a&quot;b&#39;c&lt;d&gt;e&amp;f\">&lt;script&gt;alert("
                              "&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;</p>");
    free(text);
}

static void
test_html_urls_only_http_or_from_the_root(void **state)
{
    static const struct {
        const char *url;
        const char *written;
    } cases[] = {
        {"https://a.example/?x=1&y=2", "https://a.example/?x=1&amp;y=2"},
        {"http://a.example/", "http://a.example/"},
        {"/go/bob/0/1", "/go/bob/0/1"},
        {"javascript:alert(1)", "#"},
        {"//evil.example/", "#"},
        {"data:text/html,x", "#"},
        {"", "#"},
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        bs_html h = BS_HTML_INIT;
        char *text;

        bs_html_url(&h, cases[i].url);
        text = page(&h);
        assert_string_equal(text, cases[i].written);
        free(text);
    }
}

static void
test_html_numbers_and_growth(void **state)
{
    bs_html h = BS_HTML_INIT;
    char *text;

    (void)state;
    for (int i = 0; i < 1000; i++)
        bs_html_markup(&h, "0123456789");
    bs_html_int(&h, -42);
    text = page(&h);
    assert_int_equal(strlen(text), 10003);
    assert_string_equal(text + 10000, "-42");
    free(text);
    /* An empty writer gives an empty page; release of one is a no-op. */
    text = page(&h);
    assert_string_equal(text, "");
    free(text);
    bs_html_release(&h);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_escapes_every_value),
        cmocka_unit_test(test_html_urls_only_http_or_from_the_root),
        cmocka_unit_test(test_html_numbers_and_growth),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
