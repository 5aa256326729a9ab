/*
 * test_cli_startup.c — a command loads only what it uses (issue 9):
 * `--version` prints the version of the build and reads nothing; `campaign
 * show` and `account show` on LMDB load no HTTP client, image or server
 * library (the dynamic loader's own report, LD_DEBUG=files, is read), while
 * `ad add` loads the image libraries and an etcd store libcurl; when a
 * library cannot be loaded, the commands that need it say which and why
 * (exit 3) and the others do not notice; `serve` (run by `bitslot-serve`)
 * says it at its start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testutil.h"

#define URL_SIZE 4200

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define ENV(...)  ((const char *const[]){__VA_ARGS__, NULL})

/* The libraries no command on LMDB without an image may load (libqrencode
 * is linked only into bitslot-serve: no command ever loads it). */
static const char *const heavy[] = {"libcurl", "libgd",   "libpng",     "libh2o",
                                    "libssl",  "libheif", "libqrencode"};

/* A store with account "seller" and campaign seller/0, in *url. */
static void
store_with_campaign(char *url)
{
    bs_test_output r;

    snprintf(url, URL_SIZE, "lmdb:%s/store", bs_test_tmpdir());
    r = bs_test_run(ARGS("--store", url, "init"), NULL, NULL);
    assert_int_equal(r.exit_code, 0);
    bs_test_output_release(&r);
    r = bs_test_run(ARGS("--store", url, "account", "create", "seller"), NULL, "seller-password\n");
    assert_int_equal(r.exit_code, 0);
    bs_test_output_release(&r);
    r = bs_test_run(ARGS("--store", url, "campaign", "create", "seller", "--min-price", "1000",
                         "--slot-seconds", "3600", "--size", "300x250"),
                    NULL, NULL);
    assert_int_equal(r.exit_code, 0);
    bs_test_output_release(&r);
}

/* Whether the loader's report (LD_DEBUG=files on stderr) shows a library
 * whose name starts with `name` being loaded. */
static bool
loaded(const char *report, const char *name)
{
    char needle[64];

    snprintf(needle, sizeof(needle), "file=%s", name);
    return strstr(report, needle) != NULL;
}

static void
test_cli_startup_version_prints_the_build_version(void **state)
{
    const char *version = getenv("BITSLOT_VERSION");
    char expect[128];
    bs_test_output r;

    (void)state;
    assert_non_null(version);
    snprintf(expect, sizeof(expect), "bitslot %s\n", version);
    r = bs_test_run(ARGS("--version"), NULL, NULL);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, expect);
    assert_string_equal(r.err, "");
    bs_test_output_release(&r);

    /* It reads no setting: a config file that is not there is not noticed. */
    r = bs_test_run(ARGS("--version"), ENV("BITSLOT_CONFIG=/nonexistent/bitslot.conf"), NULL);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.out, expect);
    bs_test_output_release(&r);

    r = bs_test_run(ARGS("--help"), NULL, NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "  --version "));
    bs_test_output_release(&r);
}

static void
test_cli_startup_show_loads_no_http_image_or_server_library(void **state)
{
    char url[URL_SIZE], image[4096];
    const char *examples = getenv("BITSLOT_EXAMPLES");
    bs_test_output r;

    (void)state;
    assert_non_null(examples);
    store_with_campaign(url);
    r = bs_test_run(ARGS("--store", url, "campaign", "show", "seller/0"), ENV("LD_DEBUG=files"),
                    NULL);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.out, "\"id\":\"seller/0\""));
    assert_true(loaded(r.err, "libjansson")); /* the report is there */
    for (size_t i = 0; i < sizeof(heavy) / sizeof(heavy[0]); i++)
        assert_false(loaded(r.err, heavy[i]));
    bs_test_output_release(&r);

    r = bs_test_run(ARGS("--store", url, "account", "show", "seller"), ENV("LD_DEBUG=files"), NULL);
    assert_int_equal(r.exit_code, 0);
    for (size_t i = 0; i < sizeof(heavy) / sizeof(heavy[0]); i++)
        assert_false(loaded(r.err, heavy[i]));
    bs_test_output_release(&r);

    /* Every command checks a node URL it is given, without libcurl: a
     * command that does not talk to the node does not load it. */
    r = bs_test_run(ARGS("--store", url, "campaign", "show", "seller/0"),
                    ENV("LD_DEBUG=files", "BITSLOT_NODE=http://u:p@127.0.0.1:1/wallet/w"), NULL);
    assert_int_equal(r.exit_code, 0);
    assert_false(loaded(r.err, "libcurl"));
    bs_test_output_release(&r);
    r = bs_test_run(ARGS("--store", url, "campaign", "show", "seller/0"),
                    ENV("LD_DEBUG=files", "BITSLOT_NODE=http://u:p@127.0.0.1:1/"), NULL);
    assert_int_equal(r.exit_code, 2); /* no wallet: refused all the same */
    assert_false(loaded(r.err, "libcurl"));
    bs_test_output_release(&r);

    /* The command that decodes an image loads the image libraries, and
     * still no HTTP client or server. */
    snprintf(image, sizeof(image), "%s/ad-300x250.png", examples);
    r = bs_test_run(ARGS("--store", url, "ad", "add", "seller", "--image", image, "--url",
                         "https://seller.example/"),
                    ENV("LD_DEBUG=files"), NULL);
    assert_int_equal(r.exit_code, 0);
    assert_true(loaded(r.err, "libgd.so.3"));
    assert_true(loaded(r.err, "libpng16"));
    assert_false(loaded(r.err, "libcurl"));
    assert_false(loaded(r.err, "libh2o"));
    bs_test_output_release(&r);

    /* An etcd store is reached with libcurl: checking its URL loads it. */
    r = bs_test_run(ARGS("--store", "etcd:http://127.0.0.1:1", "campaign", "show", "seller/0"),
                    ENV("LD_DEBUG=files"), NULL);
    assert_int_equal(r.exit_code, 3);
    assert_true(loaded(r.err, "libcurl.so.4"));
    assert_false(loaded(r.err, "libgd"));
    bs_test_output_release(&r);
}

/* A directory where libgd.so.3 and libcurl.so.4 are empty files: with it
 * first on LD_LIBRARY_PATH, neither can be loaded. */
static const char *
broken_libraries(void)
{
    static char env[4200];
    const char *dir = bs_test_tmpdir();
    const char *const names[] = {"libgd.so.3", "libcurl.so.4"};

    for (size_t i = 0; i < 2; i++) {
        char path[4200];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        assert_true(fd >= 0);
        close(fd);
    }
    snprintf(env, sizeof(env), "LD_LIBRARY_PATH=%s", dir);
    return env;
}

static void
test_cli_startup_a_missing_library_is_named_by_the_commands_that_need_it(void **state)
{
    char url[URL_SIZE], image[4096];
    const char *examples = getenv("BITSLOT_EXAMPLES");
    const char *broken = broken_libraries();
    bs_test_output r;

    (void)state;
    store_with_campaign(url);
    r = bs_test_run(ARGS("--store", url, "campaign", "show", "seller/0"), ENV(broken), NULL);
    assert_int_equal(r.exit_code, 0);
    assert_string_equal(r.err, "");
    bs_test_output_release(&r);

    snprintf(image, sizeof(image), "%s/ad-300x250.png", examples);
    r = bs_test_run(ARGS("--store", url, "ad", "add", "seller", "--image", image, "--url",
                         "https://seller.example/"),
                    ENV(broken), NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "the image libraries (libgd, libpng) cannot be loaded\n"));
    assert_non_null(strstr(r.err, "\nbitslot: cannot load libgd.so.3: "));
    bs_test_output_release(&r);
    r = bs_test_run(ARGS("--store", url, "ad", "list", "seller"), NULL, NULL);
    assert_string_equal(r.out, "[]\n"); /* nothing was stored */
    bs_test_output_release(&r);

    r = bs_test_run(ARGS("--store", "etcd:http://127.0.0.1:1", "campaign", "show", "seller/0"),
                    ENV(broken), NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "\nbitslot: cannot load libcurl.so.4: "));
    bs_test_output_release(&r);

    /* serve (bitslot-serve, which bitslot runs) opens the image libraries
     * before it serves anything. */
    r = bs_test_run(ARGS("--store", url, "serve", "--listen", "127.0.0.1:0"), ENV(broken), NULL);
    assert_int_equal(r.exit_code, 3);
    assert_non_null(strstr(r.err, "bitslot: the image libraries (libgd, libpng) cannot be loaded\n"
                                  "bitslot: cannot load libgd.so.3: "));
    bs_test_output_release(&r);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_startup_version_prints_the_build_version),
        cmocka_unit_test(test_cli_startup_show_loads_no_http_image_or_server_library),
        cmocka_unit_test(test_cli_startup_a_missing_library_is_named_by_the_commands_that_need_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
