/*
 * test_request.c — web/request.c alone (no server): route patterns, the
 * Authorization and Cookie headers, a JSON body's type and object, each
 * with what a hostile client may send; and the findings of fuzz/
 * fuzz_request.c, one case each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <string.h>

#include "web/request.h"

#define HEX "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static void
test_request_path_match_captures_segments(void **state)
{
    char params[BS_WEB_PARAMS_MAX][BS_WEB_PARAM_MAX], long_seg[200];
    const char *pattern = "/api/v1/campaigns/{owner}/{index}";
    size_t n;

    (void)state;
    assert_true(bs_web_request_path_match(pattern, "/api/v1/campaigns/alice/2", 25, params, &n));
    assert_int_equal(n, 2);
    assert_string_equal(params[0], "alice");
    assert_string_equal(params[1], "2");
    /* Exact: no trailing slash, no prefix, no empty segment. */
    assert_false(bs_web_request_path_match(pattern, "/api/v1/campaigns/alice/2/", 26, params, &n));
    assert_false(bs_web_request_path_match(pattern, "/api/v1/campaigns/alice", 23, params, &n));
    assert_false(bs_web_request_path_match(pattern, "/api/v1/campaigns//2", 20, params, &n));
    /* The length is the path's end, whatever follows (the query). */
    assert_true(bs_web_request_path_match(pattern, "/api/v1/campaigns/a/1?x=/", 21, params, &n));
    assert_string_equal(params[1], "1");
    /* A segment too long for a parameter does not match. */
    memset(long_seg, 'a', sizeof(long_seg));
    memcpy(long_seg, "/img/", 5);
    assert_true(bs_web_request_path_match("/img/{f}", long_seg, 5 + 127, params, &n));
    assert_false(bs_web_request_path_match("/img/{f}", long_seg, 5 + 128, params, &n));
    /* Found by fuzz_request: a NUL in a segment cut its parameter short
     * ("a" for "a\0b"); h2o refuses it in a request target, but a
     * parameter must be the segment or nothing. */
    assert_false(bs_web_request_path_match("/img/{f}", "/img/a\0b", 8, params, &n));
    /* At most BS_WEB_PARAMS_MAX parameters. */
    assert_false(bs_web_request_path_match("/{a}/{b}/{c}/{d}", "/1/2/3/4", 8, params, &n));
}

static void
test_request_bearer_takes_only_a_hex_key(void **state)
{
    char key[BS_WEB_HEX_SECRET_LEN + 1];

    (void)state;
    assert_true(bs_web_request_bearer("Bearer " HEX, 71, key));
    assert_string_equal(key, HEX);
    assert_true(bs_web_request_bearer("bEARER " HEX, 71, key));
    assert_string_equal(key, HEX);
    assert_false(bs_web_request_bearer("Bearer abc", 10, key));
    assert_string_equal(key, "");
    /* Found writing the fuzz target against the old code's comment ("the
     * key when it is one (64 lowercase hex)"): any 64 bytes were taken. */
    assert_false(
        bs_web_request_bearer("Bearer ../../../../../../../../../../../../../../../../../../"
                              "../../../a",
                              71, key));
    assert_string_equal(key, "");
    assert_false(bs_web_request_bearer("Bearer 0123456789ABCDEF0123456789abcdef0123456789abcdef"
                                       "0123456789abcdef",
                                       71, key));
    assert_false(bs_web_request_bearer("Basic  " HEX, 71, key));
    assert_false(bs_web_request_bearer("Bearer", 6, key));
}

static void
test_request_cookie_finds_ours(void **state)
{
    char out[BS_WEB_HEX_SECRET_LEN + 1];

    (void)state;
    assert_true(bs_web_request_cookie("a=b; bitslot_session=" HEX, "bitslot_session", out));
    assert_string_equal(out, HEX);
    assert_true(bs_web_request_cookie(";;  \tbitslot_session=" HEX ";x", "bitslot_session", out));
    assert_false(bs_web_request_cookie("xbitslot_session=" HEX, "bitslot_session", out));
    assert_false(bs_web_request_cookie("bitslot_session=" HEX "0", "bitslot_session", out));
    assert_false(bs_web_request_cookie("bitslot_session=" HEX, "bitslot_csrf", out));
    assert_false(bs_web_request_cookie(NULL, "bitslot_session", out));
    assert_false(bs_web_request_cookie("", "bitslot_session", out));
}

static void
test_request_json_type_and_object(void **state)
{
    static const char *const known[] = {"name", "password", NULL};
    bs_web_request_error err;
    json_t *o;

    (void)state;
    assert_true(bs_web_request_is_json("application/json"));
    assert_true(bs_web_request_is_json("Application/JSON; charset=utf-8"));
    assert_false(bs_web_request_is_json("application/jsonp"));
    assert_false(bs_web_request_is_json("text/plain"));
    assert_false(bs_web_request_is_json(NULL));

    o = bs_web_request_json_object("{\"name\":\"a\"}", 12, known, &err);
    assert_non_null(o);
    json_decref(o);
    assert_null(bs_web_request_json_object("{\"name\":1,\"name\":2}", 19, known, &err));
    assert_int_equal(err.http, 400);
    assert_string_equal(err.code, "bad_json");
    assert_string_equal(err.message, "the body must be a JSON object that gives each key once");
    assert_null(bs_web_request_json_object("[1]", 3, known, &err));
    assert_string_equal(err.message, "the body must be a JSON object");
    assert_null(bs_web_request_json_object("{\"a\":", 5, known, &err));
    assert_string_equal(err.message,
                        "the body must be a JSON object: it is not valid JSON at line 1, column 5");
    assert_null(bs_web_request_json_object("{\"nom\":1}", 9, known, &err));
    assert_string_equal(err.code, "unknown_field");
    assert_string_equal(err.message, "unknown field \"nom\" (known: \"name\" and \"password\")");
    /* -0 is not a way to write 0: a whole-number field sees no integer
     * (and refuses it as it refuses 0.0); 0 and -1 stay what they are. */
    o = bs_web_request_json_object("{\"name\":-0,\"password\":0}", 24, known, &err);
    assert_non_null(o);
    assert_false(json_is_integer(json_object_get(o, "name")));
    assert_true(json_is_integer(json_object_get(o, "password")));
    json_decref(o);
    o = bs_web_request_json_object("{\"name\":\"-0\",\"password\":-1}", 27, known, &err);
    assert_non_null(o);
    assert_string_equal(json_string_value(json_object_get(o, "name")), "-0");
    assert_int_equal(json_integer_value(json_object_get(o, "password")), -1);
    json_decref(o);
    /* A name that is not clean text is not quoted back. */
    assert_null(bs_web_request_json_object("{\"\\u202e\":1}", 12, known, &err));
    assert_string_equal(err.message,
                        "unknown field \"(a field name)\" (known: \"name\" and \"password\")");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_path_match_captures_segments),
        cmocka_unit_test(test_request_bearer_takes_only_a_hex_key),
        cmocka_unit_test(test_request_cookie_finds_ours),
        cmocka_unit_test(test_request_json_type_and_object),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
