/*
 * test_template.c — the pages' templates (web/template.h): the language
 * (values escaped, URLs checked, sections, inverted sections, partials,
 * dotted paths), malformed templates refused whole, and the shipped
 * templates: each renders, shows a hostile value only as text, puts every
 * hole of an href/src/action through url:, quotes every attribute hole,
 * carries the CSRF token in every POST form; the style sheet stays under
 * 10 KB.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "web/template.h"

#define T(name, text)                                                                              \
    {                                                                                              \
        name, (const unsigned char *)text, sizeof(text) - 1                                        \
    }

static const bs_web_file tests[] = {
    T("value.html", "<p title=\"{{a}}\">{{a}}|{{n}}|{{t}}|{{missing}}|{{nul}}</p>"),
    T("url.html", "<a href=\"{{url:u}}\">x</a>"),
    T("list.html", "{{#items}}[{{name}}:{{outer}}]{{/items}}{{^items}}none{{/items}}"),
    T("object.html", "{{#o}}{{x}}-{{o.x}}{{/o}}{{#flag}}yes{{/flag}}{{^flag}}no{{/flag}}"),
    T("dots.html", "{{a.b.c}}/{{#list}}{{.}},{{/list}}"),
    T("outer.html", "<{{>inner}}>"),
    T("inner.html", "{{a}}"),
    T("unclosed.html", "{{#a}}x"),
    T("crossed.html", "{{#a}}{{#b}}{{/a}}{{/b}}"),
    T("stray.html", "x{{/a}}"),
    T("open.html", "x{{a"),
    T("unknown.html", "{{>nothere}}"),
    T("loop.html", "{{>loop}}"),
    {NULL, NULL, 0},
};

static char *
render(const bs_web_file *table, const char *name, const char *json, bs_status want)
{
    json_t *data = json_loads(json, 0, NULL);
    bs_html h = BS_HTML_INIT;
    size_t len;
    char *out;

    assert_non_null(data);
    assert_int_equal(bs_template_render_from(table, &h, name, data), want);
    json_decref(data);
    if (want != BS_OK) {
        bs_html_release(&h);
        return NULL;
    }
    out = bs_html_detach(&h, &len);
    assert_non_null(out);
    return out;
}

static void
expect(const char *name, const char *json, const char *want)
{
    char *out = render(tests, name, json, BS_OK);

    assert_string_equal(out, want);
    free(out);
}

static void
test_template_values_escaped(void **state)
{
    (void)state;
    expect("value", "{\"a\":\"<b x='1'>&\\\"\",\"n\":-7,\"t\":true,\"nul\":null}",
           "<p title=\"&lt;b x=&#39;1&#39;&gt;&amp;&quot;\">&lt;b x=&#39;1&#39;&gt;&amp;&quot;"
           "|-7|true||</p>");
    expect("url", "{\"u\":\"javascript:alert(1)\"}", "<a href=\"#\">x</a>");
    expect("url", "{\"u\":\"https://a.example/?a=1&b=\\\"2\"}",
           "<a href=\"https://a.example/?a=1&amp;b=&quot;2\">x</a>");
    expect("url", "{\"u\":\"/campaigns/bob/0\"}", "<a href=\"/campaigns/bob/0\">x</a>");
}

static void
test_template_sections(void **state)
{
    (void)state;
    expect("list", "{\"items\":[{\"name\":\"a\"},{\"name\":\"<\"}],\"outer\":\"o\"}",
           "[a:o][&lt;:o]");
    expect("list", "{\"items\":[]}", "none");
    expect("list", "{}", "none");
    expect("object", "{\"o\":{\"x\":1},\"flag\":\"s\"}", "1-1yes");
    expect("object", "{\"flag\":0}", "no");
    expect("object", "{\"flag\":\"\"}", "no");
    expect("object", "{\"flag\":false}", "no");
    expect("dots", "{\"a\":{\"b\":{\"c\":\"deep\"}},\"list\":[1,\"<\"]}", "deep/1,&lt;,");
    expect("outer", "{\"a\":\"&\"}", "<&amp;>");
}

static void
test_template_malformed_renders_nothing(void **state)
{
    static const char *const bad[] = {"unclosed", "crossed", "stray", "open", "unknown", "loop"};

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        render(tests, bad[i], "{\"a\":1,\"b\":1}", BS_CORRUPT);
    render(tests, "nosuch", "{}", BS_NOTFOUND);
}

static void
test_template_shipped_pages_render_hostile_values_as_text(void **state)
{
    /* Every field a page reads, as a hostile string, a list and an object. */
    static const char data[] =
        "{\"title\":\"H\",\"me\":\"H\",\"csrf\":\"H\",\"notice\":\"H\",\"error\":\"H\","
        "\"api_key\":\"H\",\"name\":\"H\",\"next\":\"H\",\"key\":\"H\",\"uri\":\"H\","
        "\"qr\":{\"path\":\"H\",\"size\":\"H\"},\"checked\":true,\"pending\":\"H\","
        "\"confirmed\":\"H\",\"id\":\"H\",\"owner\":\"H\",\"href\":\"H\",\"width\":\"H\","
        "\"height\":\"H\",\"price\":\"H\",\"min_price\":\"H\",\"slot_seconds\":\"H\","
        "\"snippet\":\"H\",\"embed\":\"H\",\"events\":\"H\",\"script\":\"H\",\"owner_view\":true,"
        "\"for_sale\":\"H\",\"for_sale_start\":\"H\",\"has_ads\":true,"
        "\"ads\":[{\"id\":\"H\",\"label\":\"H\",\"image\":\"H\",\"hover\":\"H\",\"url\":\"H\","
        "\"owner\":\"H\",\"index\":\"H\",\"nickname\":\"H\"}],"
        "\"showing\":{\"image\":\"H\",\"hover\":\"H\",\"go\":\"H\"},"
        "\"queue\":[{\"slot\":\"H\",\"start\":\"H\",\"end\":\"H\",\"buyer\":\"H\"}],"
        "\"campaigns\":[{\"title\":\"H\",\"href\":\"H\",\"showing\":{\"image\":\"H\"}}],"
        "\"history\":[{\"seq\":\"H\",\"kind\":\"H\",\"memo\":\"H\",\"ref\":\"H\"}],"
        "\"bought\":[{\"campaign\":\"H\",\"href\":\"H\"}],\"sold\":[{\"buyer\":\"H\"}],"
        "\"added\":{\"image\":\"H\",\"hover\":\"H\",\"url\":\"H\"},\"balance\":\"H\","
        "\"form\":{\"title\":\"H\",\"url\":\"H\",\"hover\":\"H\"},\"slot\":\"H\",\"ad\":\"H\"}";
    char *json = malloc(sizeof(data) * 12), *o = json;

    (void)state;
    assert_non_null(json);
    /* Each "H" becomes the hostile text. */
    for (const char *p = data; *p != '\0'; p++) {
        if (p[0] == '"' && p[1] == 'H' && p[2] == '"') {
            static const char h[] = "\"<script>alert(1)</script>\\\"'&\"";
            memcpy(o, h, sizeof(h) - 1);
            o += sizeof(h) - 1;
            p += 2;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    for (const bs_web_file *f = bs_web_pages; f->name != NULL; f++) {
        char name[64], *out;
        size_t n = strlen(f->name) - strlen(".html");

        memcpy(name, f->name, n);
        name[n] = '\0';
        out = render(bs_web_pages, name, json, BS_OK);
        if (strstr(out, "<script>alert") != NULL || strstr(out, "javascript:") != NULL)
            fail_msg("%s shows a value unescaped", f->name);
        free(out);
        out = render(bs_web_pages, name, "{}", BS_OK);
        free(out);
    }
    free(json);
}

/* A hole right after `attr="` must be a url: hole. */
static void
assert_url_holes(const char *file, const char *text, const char *attr)
{
    for (const char *p = text; (p = strstr(p, attr)) != NULL; p += strlen(attr))
        if (strncmp(p + strlen(attr), "{{", 2) == 0 && strncmp(p + strlen(attr), "{{url:", 6) != 0)
            fail_msg("%s: %s takes a hole that is not url:", file, attr);
}

static void
test_template_shipped_rules(void **state)
{
    (void)state;
    for (const bs_web_file *f = bs_web_pages; f->name != NULL; f++) {
        const char *text = (const char *)f->data;

        assert_url_holes(f->name, text, "href=\"");
        assert_url_holes(f->name, text, "src=\"");
        assert_url_holes(f->name, text, "action=\"");
        if (strstr(text, "={{") != NULL)
            fail_msg("%s: an attribute hole without quotes", f->name);
        for (const char *p = text; (p = strstr(p, "method=\"post\"")) != NULL; p++) {
            const char *end = strstr(p, "</form>");
            const char *csrf = strstr(p, "name=\"csrf\" value=\"{{csrf}}\"");
            if (end == NULL || csrf == NULL || csrf > end)
                fail_msg("%s: a POST form without the csrf field", f->name);
        }
    }
    for (const bs_web_file *f = bs_web_static; f->name != NULL; f++)
        if (strcmp(f->name, "site.css") == 0 && f->len >= 10 * 1024)
            fail_msg("site.css is %zu bytes; the page budget is under 10 KB", f->len);
}

int
main(void)
{
    const struct CMUnitTest all[] = {
        cmocka_unit_test(test_template_values_escaped),
        cmocka_unit_test(test_template_sections),
        cmocka_unit_test(test_template_malformed_renders_nothing),
        cmocka_unit_test(test_template_shipped_pages_render_hostile_values_as_text),
        cmocka_unit_test(test_template_shipped_rules),
    };

    return cmocka_run_group_tests(all, NULL, NULL);
}
