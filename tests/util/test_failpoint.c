/*
 * test_failpoint.c — the failpoint table and its trigger: every failpoint
 * has a distinct nonempty name and an operation; with BITSLOT_FAILPOINT
 * unset (or naming no failpoint) every failpoint returns; set to a name, the
 * process exits with BS_FAILPOINT_EXIT at exactly that failpoint and passes
 * every other one. The environment is read once per process, so every call
 * of bs_failpoint happens in a forked child that sets it first; this process
 * never calls bs_failpoint itself.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/failpoint.h"

#define PASSED 0
#define ALL    (-1)

/* In a child with BITSLOT_FAILPOINT set to `env` (unset when NULL), reach
 * failpoint `only`, or every failpoint except `except` when `only` is ALL,
 * then exit with PASSED. Returns the child's exit code (128 + signal when
 * it was killed). */
static int
run_child(const char *env, int only, int except)
{
    pid_t pid;
    int status;

    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        if (env == NULL ? unsetenv("BITSLOT_FAILPOINT") != 0
                        : setenv("BITSLOT_FAILPOINT", env, 1) != 0)
            _exit(99);
        if (only != ALL) {
            bs_failpoint((bs_failpoint_id)only);
        } else {
            for (int i = 0; i < BS__FAILPOINT_COUNT; i++)
                if (i != except)
                    bs_failpoint((bs_failpoint_id)i);
        }
        _exit(PASSED);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    assert_true(WIFEXITED(status));
    return WEXITSTATUS(status);
}

static void
test_failpoint_names_are_distinct_with_operations(void **state)
{
    (void)state;
    assert_true(BS__FAILPOINT_COUNT > 0);
    for (int i = 0; i < BS__FAILPOINT_COUNT; i++) {
        const char *name = bs_failpoint_name((bs_failpoint_id)i);
        const char *op = bs_failpoint_operation((bs_failpoint_id)i);
        assert_non_null(name);
        assert_non_null(op);
        assert_true(strlen(name) > 0);
        assert_true(strlen(op) > 0);
        assert_string_not_equal(name, "unknown");
        assert_string_not_equal(op, "unknown");
        assert_null(strchr(name, ' '));
        for (int j = 0; j < i; j++)
            assert_string_not_equal(name, bs_failpoint_name((bs_failpoint_id)j));
    }
    assert_string_equal(bs_failpoint_name(BS_FP_PURCHASE_LOCKED), "purchase.locked");
    assert_string_equal(bs_failpoint_operation(BS_FP_PURCHASE_LOCKED), "buy");
    assert_string_equal(bs_failpoint_name(BS__FAILPOINT_COUNT), "unknown");
    assert_string_equal(bs_failpoint_operation((bs_failpoint_id)-1), "unknown");
}

static void
test_failpoint_unset_returns(void **state)
{
    (void)state;
    assert_int_equal(run_child(NULL, ALL, ALL), PASSED);
    for (int i = 0; i < BS__FAILPOINT_COUNT; i++)
        assert_int_equal(run_child(NULL, i, ALL), PASSED);
}

static void
test_failpoint_unknown_name_returns(void **state)
{
    (void)state;
    assert_int_equal(run_child("", ALL, ALL), PASSED);
    assert_int_equal(run_child("no.such-point", ALL, ALL), PASSED);
    assert_int_equal(run_child("PURCHASE.LOCKED", ALL, ALL), PASSED);
    assert_int_equal(run_child("purchase.locked ", ALL, ALL), PASSED);
    assert_int_equal(run_child("purchase", ALL, ALL), PASSED);
}

static void
test_failpoint_named_point_exits(void **state)
{
    (void)state;
    assert_int_equal(BS_FAILPOINT_EXIT, 86);
    for (int i = 0; i < BS__FAILPOINT_COUNT; i++) {
        const char *name = bs_failpoint_name((bs_failpoint_id)i);
        int code = run_child(name, i, ALL);
        if (code != BS_FAILPOINT_EXIT)
            fail_msg("%s: exit %d, want %d", name, code, BS_FAILPOINT_EXIT);
    }
}

static void
test_failpoint_other_points_pass(void **state)
{
    (void)state;
    for (int i = 0; i < BS__FAILPOINT_COUNT; i++) {
        const char *name = bs_failpoint_name((bs_failpoint_id)i);
        int code = run_child(name, ALL, i);
        if (code != PASSED)
            fail_msg("%s set: another failpoint stopped the process (exit %d)", name, code);
    }
}

static void
test_failpoint_environment_read_once(void **state)
{
    pid_t pid;
    int status;

    (void)state;
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Read unset at the first call; a later setenv is not seen. */
        if (unsetenv("BITSLOT_FAILPOINT") != 0)
            _exit(99);
        bs_failpoint(BS_FP_PURCHASE_LOCKED);
        if (setenv("BITSLOT_FAILPOINT", bs_failpoint_name(BS_FP_PURCHASE_LOCKED), 1) != 0)
            _exit(99);
        bs_failpoint(BS_FP_PURCHASE_LOCKED);
        _exit(PASSED);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), PASSED);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failpoint_names_are_distinct_with_operations),
        cmocka_unit_test(test_failpoint_unset_returns),
        cmocka_unit_test(test_failpoint_unknown_name_returns),
        cmocka_unit_test(test_failpoint_named_point_exits),
        cmocka_unit_test(test_failpoint_other_points_pass),
        cmocka_unit_test(test_failpoint_environment_read_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
