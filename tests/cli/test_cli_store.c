/*
 * test_cli_store.c — the `bitslot` binary as a user meets it: `init`,
 * `dump [PREFIX]`, `--help` everywhere, the store URL from --store or
 * BITSLOT_STORE, and for each wrong input one line on stderr with the
 * documented exit code (0 done, 1 refused, 2 usage, 3 store unavailable).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"

#define URL_SIZE 4200

#define RUN(out, ...)                                                                              \
    bs_test_output out = bs_test_run((const char *const[]){__VA_ARGS__, NULL}, NULL, NULL)

static void
fresh_url(char *url, const char *name)
{
    snprintf(url, URL_SIZE, "lmdb:%s/%s", bs_test_tmpdir(), name);
}

static void
assert_one_line(const char *text, const char *expect)
{
    char line[URL_SIZE + 200];

    snprintf(line, sizeof(line), "%s\n", expect);
    assert_string_equal(text, line);
}

static void
test_cli_store_init_creates_the_store(void **state)
{
    char url[URL_SIZE], expect[URL_SIZE + 64], data[URL_SIZE + 16];
    struct stat sb;

    (void)state;
    fresh_url(url, "fresh");
    RUN(r, "--store", url, "init");
    assert_int_equal(r.exit_code, 0);
    snprintf(expect, sizeof(expect), "store \"%s\" is ready", url);
    assert_one_line(r.out, expect);
    assert_string_equal(r.err, "");
    snprintf(data, sizeof(data), "%s/data.mdb", url + strlen("lmdb:"));
    assert_int_equal(stat(data, &sb), 0);
    bs_test_output_release(&r);

    /* Opening it again is fine; a new store holds only the operator's
     * account, which fees are paid to. */
    RUN(r2, "--store", url, "init");
    assert_int_equal(r2.exit_code, 0);
    bs_test_output_release(&r2);
    RUN(r3, "--store", url, "dump");
    assert_int_equal(r3.exit_code, 0);
    assert_memory_equal(r3.out, "{\"key\":\"account/operator\",\"cas\":", 32);
    assert_int_equal(strchr(r3.out, '\n')[1], '\0');
    bs_test_output_release(&r3);
    RUN(r4, "--store", url, "dump", "campaign/");
    assert_int_equal(r4.exit_code, 0);
    assert_string_equal(r4.out, "");
    bs_test_output_release(&r4);
}

static void
test_cli_store_dump_prints_json_lines(void **state)
{
    char url[URL_SIZE], expect[512];
    bs_cas cas_a, cas_b, cas_c;
    bs_store *s;

    (void)state;
    fresh_url(url, "dump");
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    assert_int_equal(bs_store_add(s, "account/bob", "{\"balance\":5}", 13, &cas_b), BS_OK);
    assert_int_equal(bs_store_add(s, "account/alice", "{\"balance\": 10}", 15, &cas_a), BS_OK);
    assert_int_equal(bs_store_add(s, "raw/x", "\x01\x02", 2, &cas_c), BS_OK);
    bs_store_close(s);

    RUN(all, "--store", url, "dump");
    assert_int_equal(all.exit_code, 0);
    snprintf(expect, sizeof(expect),
             "{\"key\":\"account/alice\",\"cas\":%llu,\"value\":{\"balance\":10}}\n"
             "{\"key\":\"account/bob\",\"cas\":%llu,\"value\":{\"balance\":5}}\n"
             "{\"key\":\"raw/x\",\"cas\":%llu,\"value\":{\"base64\":\"AQI=\"}}\n",
             (unsigned long long)cas_a, (unsigned long long)cas_b, (unsigned long long)cas_c);
    assert_string_equal(all.out, expect);
    bs_test_output_release(&all);

    RUN(some, "--store", url, "dump", "account/b");
    assert_int_equal(some.exit_code, 0);
    snprintf(expect, sizeof(expect),
             "{\"key\":\"account/bob\",\"cas\":%llu,\"value\":{\"balance\":5}}\n",
             (unsigned long long)cas_b);
    assert_string_equal(some.out, expect);
    bs_test_output_release(&some);
}

static void
test_cli_store_dump_pages_through_everything(void **state)
{
    char url[URL_SIZE], key[32], *line;
    bs_store *s;
    int n = 0;

    (void)state;
    fresh_url(url, "many");
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    for (int i = 0; i < 1234; i++) {
        snprintf(key, sizeof(key), "doc/%05d", i);
        assert_int_equal(bs_store_add(s, key, "{}", 2, NULL), BS_OK);
    }
    bs_store_close(s);
    RUN(r, "--store", url, "dump", "doc/");
    assert_int_equal(r.exit_code, 0);
    for (line = r.out; *line != '\0'; n++) {
        char expect[64];
        snprintf(expect, sizeof(expect), "{\"key\":\"doc/%05d\"", n);
        assert_memory_equal(line, expect, strlen(expect));
        line = strchr(line, '\n') + 1;
    }
    assert_int_equal(n, 1234);
    bs_test_output_release(&r);
}

static void
test_cli_store_url_from_environment(void **state)
{
    char url[URL_SIZE], env[URL_SIZE + 32], expect[URL_SIZE + 64];

    (void)state;
    fresh_url(url, "from-env");
    snprintf(env, sizeof(env), "BITSLOT_STORE=%s", url);
    bs_test_output r =
        bs_test_run((const char *const[]){"init", NULL}, (const char *const[]){env, NULL}, NULL);
    assert_int_equal(r.exit_code, 0);
    snprintf(expect, sizeof(expect), "store \"%s\" is ready", url);
    assert_one_line(r.out, expect);
    bs_test_output_release(&r);
}

static void
test_cli_store_bad_store_url_is_usage_error(void **state)
{
    (void)state;
    RUN(r, "--store", "foo:bar", "init");
    assert_int_equal(r.exit_code, 2);
    assert_one_line(
        r.err,
        "bitslot: invalid store URL \"foo:bar\" (expected lmdb:PATH or etcd:http://HOST:PORT,...)");
    assert_string_equal(r.out, "");
    bs_test_output_release(&r);
    RUN(r2, "--store", "lmdb:", "dump");
    assert_int_equal(r2.exit_code, 2);
    assert_one_line(
        r2.err,
        "bitslot: invalid store URL \"lmdb:\" (expected lmdb:PATH or etcd:http://HOST:PORT,...)");
    bs_test_output_release(&r2);
}

static void
test_cli_store_etcd_urls(void **state)
{
    (void)state;
    RUN(r, "--store", "etcd:ftp://x", "init");
    assert_int_equal(r.exit_code, 2);
    bs_test_output_release(&r);
    /* Malformed URLs are usage errors, not stores that do not answer
     * (issue 7: "[::1" was exit 3). */
    static const char *const malformed[] = {
        "etcd:http://[::1",        "etcd:http://",
        "etcd:http://h:99999",     "etcd:http://h/path",
        "etcd:http://h?x=1",       "etcd:http://a b",
        "etcd:http://h:1,ftp://x", "etcd:http://127.0.0.1:1,",
    };
    for (size_t i = 0; i < sizeof(malformed) / sizeof(malformed[0]); i++) {
        RUN(bad, "--store", malformed[i], "init");
        if (bad.exit_code != 2)
            fail_msg("%s: exit %d, %s", malformed[i], bad.exit_code, bad.err);
        bs_test_output_release(&bad);
    }
    /* Nothing listens on port 1. */
    RUN(r2, "--store", "etcd:http://127.0.0.1:1", "init");
    assert_int_equal(r2.exit_code, 3);
    assert_one_line(
        r2.err, "bitslot: cannot open store \"etcd:http://127.0.0.1:1\": temporarily unavailable");
    bs_test_output_release(&r2);
}

static void
test_cli_store_unusable_path_is_unavailable(void **state)
{
    char file[URL_SIZE - 64], url[URL_SIZE], expect[URL_SIZE + 100];
    FILE *f;

    (void)state;
    snprintf(file, sizeof(file), "%s/a-file", bs_test_tmpdir());
    f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(url, sizeof(url), "lmdb:%s", file);
    RUN(r, "--store", url, "init");
    assert_int_equal(r.exit_code, 3);
    snprintf(expect, sizeof(expect), "bitslot: cannot open store \"%s\": not a usable directory",
             url);
    assert_one_line(r.err, expect);
    bs_test_output_release(&r);
}

static void
test_cli_store_unwritable_path_is_unavailable(void **state)
{
    char dir[URL_SIZE - 64], url[URL_SIZE], expect[URL_SIZE + 100], *bin = getenv("BITSLOT_BIN");

    (void)state;
    /* Root may write anywhere: run the binary as nobody to meet a real
     * permission error. */
    if (geteuid() != 0 || access("/usr/bin/setpriv", X_OK) != 0 || bin == NULL) {
        print_message("skipped: needs root and setpriv\n");
        skip();
    }
    snprintf(dir, sizeof(dir), "%s/root-only", bs_test_tmpdir());
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(url, sizeof(url), "lmdb:%s/store", dir);
    /* The scratch directory itself must be reachable for nobody. */
    chmod(bs_test_tmpdir(), 0755);
    const char *args[] = {
        "--reuid=nobody", "--regid=nogroup", "--clear-groups", bin, "--store", url, "init", NULL};
    bs_test_output r = bs_test_run_program("/usr/bin/setpriv", args, NULL, NULL);
    assert_int_equal(r.exit_code, 3);
    snprintf(expect, sizeof(expect), "bitslot: cannot open store \"%s\": permission denied", url);
    assert_one_line(r.err, expect);
    bs_test_output_release(&r);
}

static void
test_cli_store_unknown_command_and_option(void **state)
{
    (void)state;
    RUN(r, "frobnicate");
    assert_int_equal(r.exit_code, 2);
    assert_one_line(r.err, "bitslot: unknown command \"frobnicate\"; see 'bitslot --help'");
    bs_test_output_release(&r);
    RUN(r2, "--colour", "init");
    assert_int_equal(r2.exit_code, 2);
    assert_one_line(r2.err, "bitslot: unknown option \"--colour\"; see 'bitslot --help'");
    bs_test_output_release(&r2);
    RUN(r3, "init", "extra");
    assert_int_equal(r3.exit_code, 2);
    assert_one_line(r3.err, "bitslot: unexpected argument \"extra\"; see 'bitslot init --help'");
    bs_test_output_release(&r3);
}

/* An option that takes a value, given last without one, says so (it was
 * "unknown option" for the global ones): each global, and a command's. */
static void
test_cli_store_option_without_its_value(void **state)
{
    static const char *const globals[] = {
        "store", "fee-bp", "node", "network", "confirmations", "min-deposit", "check-interval",
    };
    char flag[64], expect[128];

    (void)state;
    for (size_t i = 0; i < sizeof(globals) / sizeof(globals[0]); i++) {
        snprintf(flag, sizeof(flag), "--%s", globals[i]);
        snprintf(expect, sizeof(expect), "bitslot: option \"--%s\" needs a value", globals[i]);
        RUN(r, flag);
        assert_int_equal(r.exit_code, 2);
        assert_one_line(r.err, expect);
        assert_string_equal(r.out, "");
        bs_test_output_release(&r);
    }
    /* An abbreviation is named in full. */
    RUN(r2, "--sto");
    assert_int_equal(r2.exit_code, 2);
    assert_one_line(r2.err, "bitslot: option \"--store\" needs a value");
    bs_test_output_release(&r2);
    RUN(r3, "account", "history", "bob", "--after");
    assert_int_equal(r3.exit_code, 2);
    assert_one_line(r3.err, "bitslot: option \"--after\" needs a value");
    bs_test_output_release(&r3);
    RUN(r4, "serve", "--listen");
    assert_int_equal(r4.exit_code, 2);
    assert_one_line(r4.err, "bitslot: option \"--listen\" needs a value");
    bs_test_output_release(&r4);
}

static void
test_cli_store_dump_refuses_bad_prefix(void **state)
{
    char url[URL_SIZE];

    (void)state;
    fresh_url(url, "prefix");
    RUN(r, "--store", url, "dump", "two words");
    assert_int_equal(r.exit_code, 2);
    assert_one_line(r.err,
                    "bitslot: invalid prefix \"two words\" (printable ASCII without spaces)");
    bs_test_output_release(&r);
}

/* A mistyped store path is said to be one, and nothing is created there
 * (outside test: `check` said "ok: 0 accounts" on a new, empty store, as if
 * all the data were gone; `account create` made a second store). `dump`
 * reads any store that is there; only `init` creates one. */
static void
test_cli_store_only_init_creates_a_store(void **state)
{
    static const char *const commands[][4] = {
        {"check", NULL},
        {"account", "show", "alice", NULL},
        {"account", "create", "alice", NULL},
        {"campaign", "list", NULL},
        {"dump", NULL},
    };
    char url[URL_SIZE], path[URL_SIZE], expect[URL_SIZE + 128];
    struct stat sb;

    (void)state;
    fresh_url(url, "typo");
    snprintf(path, sizeof(path), "%s", url + strlen("lmdb:"));
    snprintf(expect, sizeof(expect),
             "bitslot: no bitslot store at \"%s\": check --store (or BITSLOT_STORE), or create "
             "one with 'bitslot init'",
             url);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const char *args[8] = {"--store", url};
        for (size_t j = 0; commands[i][j] != NULL; j++)
            args[2 + j] = commands[i][j];
        bs_test_output r = bs_test_run(args, NULL, "password1\n");
        assert_int_equal(r.exit_code, 2);
        assert_one_line(r.err, expect);
        assert_string_equal(r.out, "");
        bs_test_output_release(&r);
        assert_int_equal(stat(path, &sb), -1);
    }
    /* A store that is there but not bitslot's: dump reads it, the rest
     * refuse it. */
    {
        bs_store *s;
        assert_int_equal(bs_store_open(url, &s), BS_OK);
        bs_store_close(s);
    }
    RUN(d, "--store", url, "dump");
    assert_int_equal(d.exit_code, 0);
    assert_string_equal(d.out, "");
    bs_test_output_release(&d);
    RUN(c, "--store", url, "check");
    assert_int_equal(c.exit_code, 2);
    assert_one_line(c.err, expect);
    bs_test_output_release(&c);
    RUN(i, "--store", url, "init");
    assert_int_equal(i.exit_code, 0);
    bs_test_output_release(&i);
    RUN(ok, "--store", url, "check");
    assert_int_equal(ok.exit_code, 0);
    bs_test_output_release(&ok);
}

/* A directory with an empty data.mdb holds no store: every command but
 * init refuses it as a path with no store, and leaves it as it was (outside
 * test: it was opened read-write first, so LMDB grew data.mdb and made
 * lock.mdb before the refusal). */
static void
test_cli_store_empty_data_file_is_no_store(void **state)
{
    static const char *const commands[][4] = {
        {"check", NULL},
        {"account", "show", "alice", NULL},
        {"account", "create", "alice", NULL},
        {"campaign", "list", NULL},
        {"keys", "status", NULL},
        {"recover", NULL},
        {"dump", NULL},
    };
    char url[URL_SIZE], path[URL_SIZE], data[URL_SIZE + 16], expect[URL_SIZE + 128], *before;
    FILE *f;

    (void)state;
    fresh_url(url, "empty-data");
    snprintf(path, sizeof(path), "%s", url + strlen("lmdb:"));
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(data, sizeof(data), "%s/data.mdb", path);
    f = fopen(data, "w");
    assert_non_null(f);
    fclose(f);
    before = bs_test_dir_listing(path);
    assert_string_equal(before, "data.mdb 0\n");
    snprintf(expect, sizeof(expect),
             "bitslot: no bitslot store at \"%s\": check --store (or BITSLOT_STORE), or create "
             "one with 'bitslot init'",
             url);
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        const char *args[8] = {"--store", url};
        char *after;
        for (size_t j = 0; commands[i][j] != NULL; j++)
            args[2 + j] = commands[i][j];
        bs_test_output r = bs_test_run(args, NULL, "password1\n");
        if (r.exit_code != 2)
            fail_msg("%s: exit %d, %s", commands[i][0], r.exit_code, r.err);
        assert_one_line(r.err, expect);
        assert_string_equal(r.out, "");
        bs_test_output_release(&r);
        after = bs_test_dir_listing(path);
        assert_string_equal(after, before);
        free(after);
    }
    free(before);
    /* init makes a store of it. */
    RUN(i, "--store", url, "init");
    assert_int_equal(i.exit_code, 0);
    bs_test_output_release(&i);
    RUN(ok, "--store", url, "check");
    assert_int_equal(ok.exit_code, 0);
    bs_test_output_release(&ok);
}

static void
test_cli_store_help_everywhere(void **state)
{
    (void)state;
    RUN(r, "--help");
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "usage: bitslot [OPTIONS] COMMAND [ARGS]"));
    assert_non_null(strstr(r.out, "  init "));
    assert_non_null(strstr(r.out, "  dump "));
    bs_test_output_release(&r);
    RUN(r2, "dump", "--help");
    assert_int_equal(r2.exit_code, 0);
    assert_memory_equal(r2.out, "usage: bitslot [OPTIONS] dump [PREFIX]\n", 39);
    assert_string_equal(r2.err, "");
    bs_test_output_release(&r2);
    RUN(r3, "init", "-h");
    assert_int_equal(r3.exit_code, 0);
    assert_memory_equal(r3.out, "usage: bitslot [OPTIONS] init\n", 30);
    bs_test_output_release(&r3);
    /* Help needs no store: this URL would be refused. */
    RUN(r4, "--store", "nope:", "dump", "--help");
    assert_int_equal(r4.exit_code, 0);
    bs_test_output_release(&r4);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_store_init_creates_the_store),
        cmocka_unit_test(test_cli_store_dump_prints_json_lines),
        cmocka_unit_test(test_cli_store_dump_pages_through_everything),
        cmocka_unit_test(test_cli_store_url_from_environment),
        cmocka_unit_test(test_cli_store_bad_store_url_is_usage_error),
        cmocka_unit_test(test_cli_store_etcd_urls),
        cmocka_unit_test(test_cli_store_unusable_path_is_unavailable),
        cmocka_unit_test(test_cli_store_unwritable_path_is_unavailable),
        cmocka_unit_test(test_cli_store_unknown_command_and_option),
        cmocka_unit_test(test_cli_store_option_without_its_value),
        cmocka_unit_test(test_cli_store_dump_refuses_bad_prefix),
        cmocka_unit_test(test_cli_store_only_init_creates_a_store),
        cmocka_unit_test(test_cli_store_empty_data_file_is_no_store),
        cmocka_unit_test(test_cli_store_help_everywhere),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
