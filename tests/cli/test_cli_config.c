/*
 * test_cli_config.c — the settings of `bitslot` as a user gives them
 * (src/cli/cli_config.c): --config FILE or BITSLOT_CONFIG, KEY = VALUE
 * lines; for each setting the command line beats the environment, which
 * beats the file, which beats the default (shown for --network and for
 * serve's --listen); every wrong file is one line naming the file and the
 * line, exit 2, whatever the command.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "webtest.h"

#define PATH_SIZE 4200
#define ADDRESS   "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ENV(...)  ((const char *const[]){__VA_ARGS__, NULL})

/* Write `text` (len bytes) to a new file `name` of the scratch directory;
 * its path into path[PATH_SIZE]. */
static void
write_file(char *path, const char *name, const char *text, size_t len)
{
    FILE *f;

    snprintf(path, PATH_SIZE, "%s/%s", bs_test_tmpdir(), name);
    f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void
write_config(char *path, const char *name, const char *text)
{
    write_file(path, name, text, strlen(text));
}

/* Run it and check the exit code, stdout (NULL: any) and stderr exactly. */
static void
expect(const char *const *args, const char *const *env, int code, const char *out, const char *err)
{
    bs_test_output r = bs_test_run(args, env, NULL);

    if (r.exit_code != code || (out != NULL && strcmp(r.out, out) != 0) || strcmp(r.err, err) != 0)
        fail_msg("exit %d (want %d)\nstdout: %s\nstderr: %s\nwant stderr: %s", r.exit_code, code,
                 r.out, r.err, err);
    bs_test_output_release(&r);
}

/* A store made by `init`, its URL in url[PATH_SIZE]. */
static void
new_store(char *url, const char *name)
{
    snprintf(url, PATH_SIZE, "lmdb:%s/%s", bs_test_tmpdir(), name);
    bs_test_output r = bs_test_run(ARGS("--store", url, "init"), NULL, NULL);
    assert_int_equal(r.exit_code, 0);
    bs_test_output_release(&r);
}

/* A store whose deposit keys are regtest's: `keys import` of its one
 * address again says "already imported" on regtest, and on any other
 * network names the network the command was given. */
static void
regtest_store(char *url, char *keys)
{
    new_store(url, "regtest");
    write_config(keys, "keys", ADDRESS "\n");
    expect(ARGS("--store", url, "--network", "regtest", "keys", "import", keys), NULL, 0,
           "{\"imported\":1,\"already_imported\":0}\n", "");
}

static void
network_was(const char *url, const char *keys, const char *config, const char *const *env,
            const char *flag, const char *network)
{
    const char *args[10] = {"--store", url, "--config", config};
    size_t n = 4;
    char err[256];

    if (flag != NULL) {
        args[n++] = "--network";
        args[n++] = flag;
    }
    args[n++] = "keys";
    args[n++] = "import";
    args[n++] = keys;
    if (strcmp(network, "regtest") == 0) {
        expect(args, env, 0, "{\"imported\":0,\"already_imported\":1}\n", "");
        return;
    }
    snprintf(err, sizeof(err),
             "bitslot: this store's deposit keys are for network \"regtest\", not \"%s\": give "
             "--network regtest (or BITSLOT_NETWORK=regtest)\n",
             network);
    expect(args, env, 2, "", err);
}

/* --network: the default, then the file, the environment and the flag, each
 * beating the one before. */
static void
test_cli_config_network_flag_beats_env_beats_file_beats_default(void **state)
{
    char url[PATH_SIZE], keys[PATH_SIZE], empty[PATH_SIZE], file[PATH_SIZE];

    (void)state;
    regtest_store(url, keys);
    write_config(empty, "empty.conf", "");
    write_config(file, "network.conf", "network = regtest\n");

    network_was(url, keys, empty, NULL, NULL, "main");
    network_was(url, keys, file, NULL, NULL, "regtest");
    network_was(url, keys, file, ENV("BITSLOT_NETWORK=signet"), NULL, "signet");
    network_was(url, keys, file, ENV("BITSLOT_NETWORK=signet"), "test", "test");
    network_was(url, keys, empty, ENV("BITSLOT_NETWORK=signet"), "regtest", "regtest");
    /* A variable set but empty is as if unset: the file's value holds. */
    network_was(url, keys, file, ENV("BITSLOT_NETWORK="), NULL, "regtest");
}

/* --fee-bp: only the value that wins is read, so a bad one shows which
 * source won; the file's own value is always checked. */
static void
test_cli_config_fee_bp_flag_beats_env_beats_file(void **state)
{
    char url[PATH_SIZE], file[PATH_SIZE], bad[PATH_SIZE], want[PATH_SIZE + 128];

    (void)state;
    new_store(url, "fee");
    write_config(file, "fee.conf", "fee-bp = 200\n");
    write_config(bad, "bad-fee.conf", "fee-bp = 20000\n");
    expect(ARGS("--store", url, "--config", file, "check"), NULL, 0, NULL, "");
    expect(ARGS("--store", url, "--config", file, "check"), ENV("BITSLOT_FEE_BP=abc"), 2, "",
           "bitslot: invalid fee \"abc\" (basis points, 0 to 10000)\n");
    expect(ARGS("--store", url, "--config", file, "--fee-bp", "100", "check"),
           ENV("BITSLOT_FEE_BP=abc"), 0, NULL, "");
    expect(ARGS("--store", url, "--config", file, "--fee-bp", "x", "check"),
           ENV("BITSLOT_FEE_BP=100"), 2, "",
           "bitslot: invalid fee \"x\" (basis points, 0 to 10000)\n");
    /* A bad line of the file is refused even where a flag overrides it. */
    snprintf(want, sizeof(want),
             "bitslot: %s:1: invalid fee \"20000\" (basis points, 0 to 10000)\n", bad);
    expect(ARGS("--store", url, "--config", bad, "--fee-bp", "100", "check"), NULL, 2, "", want);
}

/* Start serve with `args` and `env`, and check where it says it listens
 * ("http://127.0.0.N:"); then SIGTERM, exit 0. */
static void
serves_on(const char *const *args, const char *const *env, const char *host)
{
    bs_test_server s;
    bs_test_output r;
    char want[64];

    bs_test_server_start_with(&s, args, env);
    snprintf(want, sizeof(want), "http://%s:", host);
    if (strncmp(s.base, want, strlen(want)) != 0)
        fail_msg("serving on %s, not on %s", s.base, want);
    r = bs_test_server_stop(&s);
    assert_int_equal(r.exit_code, 0);
    bs_test_output_release(&r);
}

/* serve's --listen (port 0: any free port; hosts 127.0.0.1 to .3 all are
 * this machine's on Linux): the file beats the default (8080, never
 * used), the environment the file, the flag the environment. */
static void
test_cli_config_listen_flag_beats_env_beats_file(void **state)
{
    char url[PATH_SIZE], file[PATH_SIZE], store_file[PATH_SIZE], text[PATH_SIZE + 64];
    char env_config[PATH_SIZE + 32];

    (void)state;
    new_store(url, "serve");
    write_config(file, "serve.conf",
                 "listen = 127.0.0.1:0\npublic-url = http://ads.example/\nsweep-interval = 5\n");
    serves_on(ARGS("--store", url, "--config", file, "serve"), NULL, "127.0.0.1");
    serves_on(ARGS("--store", url, "--config", file, "serve"), ENV("BITSLOT_LISTEN=127.0.0.2:0"),
              "127.0.0.2");
    serves_on(ARGS("--store", url, "--config", file, "serve", "--listen", "127.0.0.3:0"),
              ENV("BITSLOT_LISTEN=127.0.0.2:0"), "127.0.0.3");
    /* The store from BITSLOT_CONFIG, when no --config is given. */
    snprintf(text, sizeof(text), "store = %s\nlisten = 127.0.0.2:0\n", url);
    write_config(store_file, "store.conf", text);
    snprintf(env_config, sizeof(env_config), "BITSLOT_CONFIG=%s", store_file);
    serves_on(ARGS("serve"), ENV(env_config), "127.0.0.2");
    /* --config beats BITSLOT_CONFIG. */
    serves_on(ARGS("--store", url, "--config", file, "serve"), ENV(env_config), "127.0.0.1");
}

/* Comments, blank lines, spaces and tabs around key and value, a CRLF line;
 * the value is all after the first '=', '=' and '#' included. */
static void
test_cli_config_comments_blanks_and_values_with_equals_and_hash(void **state)
{
    char file[PATH_SIZE], url[PATH_SIZE], text[PATH_SIZE + 256], out[PATH_SIZE + 64];
    char bad[PATH_SIZE], err[PATH_SIZE + 128];

    (void)state;
    /* A store in a directory named "a=b#c": init creates it. */
    snprintf(url, sizeof(url), "lmdb:%s/a=b#c", bs_test_tmpdir());
    snprintf(text, sizeof(text),
             "# settings for a test\n"
             "\n"
             "   # an indented comment: key = value\n"
             " \t \n"
             "  store\t=   %s  \n"
             "network = regtest\r\n"
             "#fee-bp = abc\n"
             "fee-bp=150",
             url);
    write_config(file, "comments.conf", text);
    snprintf(out, sizeof(out), "store \"%s\" is ready\n", url);
    expect(ARGS("--config", file, "init"), NULL, 0, out, "");

    /* A '#' after the value is part of it: no comment at the end of a
     * line. */
    write_config(bad, "trailing.conf", "network = regtest\nfee-bp = 150 # 1.5 %\n");
    snprintf(err, sizeof(err),
             "bitslot: %s:2: invalid fee \"150 # 1.5 %%\" (basis points, 0 to 10000)\n", bad);
    expect(ARGS("--config", bad, "check"), NULL, 2, "", err);
}

/* The line of the file and the sentence of the flag: each key with a bad
 * value says FILE:LINE: and then exactly what the flag says. */
static void
test_cli_config_bad_value_is_the_flag_sentence_at_its_line(void **state)
{
    static const struct {
        const char *key, *value;
        bool serve;
    } bad[] = {
        {"store", "foo:bar", false},
        {"fee-bp", "abc", false},
        {"node", "http://u:secret@127.0.0.1:1/", false},
        {"network", "moon", false},
        {"confirmations", "1001", false},
        {"min-deposit", "0", false},
        {"check-interval", "-1", false},
        {"listen", "127.0.0.1:99999", true},
        {"public-url", "ftp://x", true},
        {"sweep-interval", "0", true},
    };
    char file[PATH_SIZE], flag[64], text[256], want[PATH_SIZE + 512];

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        bs_test_output by_flag;

        snprintf(flag, sizeof(flag), "--%s", bad[i].key);
        by_flag = bad[i].serve ? bs_test_run(ARGS("serve", flag, bad[i].value), NULL, NULL)
                               : bs_test_run(ARGS(flag, bad[i].value, "check"), NULL, NULL);
        assert_int_equal(by_flag.exit_code, 2);
        assert_memory_equal(by_flag.err, "bitslot: invalid ", 17);
        snprintf(text, sizeof(text), "# line 1\n\n%s = %s\n", bad[i].key, bad[i].value);
        write_config(file, "bad-value.conf", text);
        snprintf(want, sizeof(want), "bitslot: %s:3: %s", file, by_flag.err + strlen("bitslot: "));
        /* For every command: serve's keys are checked by `check` too. */
        expect(ARGS("--config", file, "check"), NULL, 2, "", want);
        expect(ARGS("--config", file, "serve"), NULL, 2, "", want);
        assert_null(strstr(want, "secret")); /* the node's password is never shown */
        bs_test_output_release(&by_flag);
    }
}

/* Unknown key, key given twice, no '=', a NUL byte, no file, a directory:
 * one line each, exit 2, whatever the command. */
static void
test_cli_config_wrong_files_are_refused(void **state)
{
    static const char nul[] = "network = test\nfee-bp = 1\0\n";
    char file[PATH_SIZE], want[PATH_SIZE + 128], env[PATH_SIZE + 32];
    const char *dir;
    bs_test_output r;

    (void)state;
    write_config(file, "unknown.conf", "# ok\nstore = lmdb:x\ncolour = red\n");
    snprintf(want, sizeof(want), "bitslot: %s:3: unknown key \"colour\"\n", file);
    expect(ARGS("--config", file, "check"), NULL, 2, "", want);
    expect(ARGS("--config", file, "serve"), NULL, 2, "", want);

    /* A key is its option's name without the dashes, exactly. */
    write_config(file, "dashes.conf", "--store = lmdb:x\n");
    snprintf(want, sizeof(want), "bitslot: %s:1: unknown key \"--store\"\n", file);
    expect(ARGS("--config", file, "check"), NULL, 2, "", want);
    write_config(file, "config.conf", "config = other.conf\n");
    snprintf(want, sizeof(want), "bitslot: %s:1: unknown key \"config\"\n", file);
    expect(ARGS("--config", file, "check"), NULL, 2, "", want);

    write_config(file, "twice.conf",
                 "listen = 127.0.0.1:0\n\nnetwork = test\nlisten=127.0.0.1:0\n");
    snprintf(want, sizeof(want), "bitslot: %s:4: key \"listen\" is given twice (first on line 1)\n",
             file);
    expect(ARGS("--config", file, "check"), NULL, 2, "", want);

    write_config(file, "no-equals.conf", "network = test\nnetwork test\n");
    snprintf(want, sizeof(want), "bitslot: %s:2: expected KEY = VALUE\n", file);
    expect(ARGS("--config", file, "check"), NULL, 2, "", want);

    write_file(file, "nul.conf", nul, sizeof(nul) - 1);
    snprintf(want, sizeof(want), "bitslot: %s:2: a NUL byte in the line\n", file);
    expect(ARGS("--config", file, "check"), NULL, 2, "", want);

    snprintf(file, sizeof(file), "%s/no-such.conf", bs_test_tmpdir());
    snprintf(want, sizeof(want),
             "bitslot: cannot read config file \"%s\": no such file or directory\n", file);
    expect(ARGS("--config", file, "check"), NULL, 2, "", want);
    snprintf(env, sizeof(env), "BITSLOT_CONFIG=%s", file);
    r = bs_test_run(ARGS("check"), ENV(env), NULL);
    assert_int_equal(r.exit_code, 2);
    assert_non_null(strstr(r.err, "no such file or directory"));
    bs_test_output_release(&r);

    dir = bs_test_tmpdir();
    snprintf(want, sizeof(want), "bitslot: cannot read config file \"%s\": is a directory\n", dir);
    expect(ARGS("--config", dir, "check"), NULL, 2, "", want);

    /* Help needs no settings, so no file either. */
    r = bs_test_run(ARGS("--config", file, "check", "--help"), NULL, NULL);
    assert_int_equal(r.exit_code, 0);
    bs_test_output_release(&r);
}

/* --config is `bitslot`'s: without its value, or after the command. */
static void
test_cli_config_option_misplaced_or_without_value(void **state)
{
    (void)state;
    expect(ARGS("--config"), NULL, 2, "", "bitslot: option \"--config\" needs a value\n");
    expect(ARGS("check", "--config", "x.conf"), NULL, 2, "",
           "bitslot: option \"--config\" goes before the command: 'bitslot --config ... check'\n");
    /* serve's options are serve's: after the command. */
    expect(ARGS("--listen", "127.0.0.1:0", "serve"), NULL, 2, "",
           "bitslot: unknown option \"--listen\"; see 'bitslot --help'\n");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_config_network_flag_beats_env_beats_file_beats_default),
        cmocka_unit_test(test_cli_config_fee_bp_flag_beats_env_beats_file),
        cmocka_unit_test(test_cli_config_listen_flag_beats_env_beats_file),
        cmocka_unit_test(test_cli_config_comments_blanks_and_values_with_equals_and_hash),
        cmocka_unit_test(test_cli_config_bad_value_is_the_flag_sentence_at_its_line),
        cmocka_unit_test(test_cli_config_wrong_files_are_refused),
        cmocka_unit_test(test_cli_config_option_misplaced_or_without_value),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
