/*
 * test_words.c — core/words.c: a failure of the store or the node while
 * funding says which action failed ("cannot give you a key: ..."), never a
 * bare "cannot do it", with the status that fits it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "core/words.h"

static void
test_words_funds_name_the_action(void **state)
{
    bs_said said;

    (void)state;
    /* POST /account/key (the page) on a full disk. */
    bs_say_funds(BS_NOSPACE, "cannot give you a key", "alice", BS_VOICE_PAGE, &said);
    assert_int_equal(said.http, 507);
    assert_string_equal(said.code, "no_space");
    assert_string_equal(said.text, "cannot give you a key: the store is out of space; retry later");
    bs_say_funds(BS_NOSPACE, "cannot credit the key", "alice", BS_VOICE_COMMAND, &said);
    assert_int_equal(said.http, 507);
    assert_string_equal(said.text, "cannot credit the key: the store is out of space; retry later");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_words_funds_name_the_action),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
