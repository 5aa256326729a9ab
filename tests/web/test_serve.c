/*
 * test_serve.c — `bitslot serve` from the outside: a real server process on
 * a real LMDB store, requests over real sockets (libcurl). Each refusal is
 * checked for its status, code and sentence (the command's), and for
 * changing nothing (the whole `bitslot dump` before and after).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "testutil.h"
#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

typedef struct site {
    char url[4200];
    bs_test_server server;
} site;

static char *
dump(const site *s)
{
    bs_test_output r = bs_test_run(ARGS("--store", s->url, "dump"), NULL, NULL);
    assert_int_equal(r.exit_code, 0);
    free(r.err);
    return r.out;
}

/* A store made by `init`, and a server on it. */
static void
site_open(site *s)
{
    bs_test_output r;

    snprintf(s->url, sizeof(s->url), "lmdb:%s/store", bs_test_tmpdir());
    r = bs_test_run(ARGS("--store", s->url, "init"), NULL, NULL);
    assert_int_equal(r.exit_code, 0);
    bs_test_output_release(&r);
    bs_test_server_start(&s->server, s->url, NULL);
}

/* Stop the server: it exits 0 and its log is returned (free it). */
static char *
site_close(site *s)
{
    bs_test_output r = bs_test_server_stop(&s->server);

    if (r.exit_code != 0)
        print_message("serve exited %d: %s", r.exit_code, r.err);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "bitslot: stopped\n"));
    free(r.out);
    return r.err;
}

/* A request that must get `status` and exactly `body`. */
static void
expect(const site *s, const char *method, const char *path, const char *key, const char *body,
       long status, const char *answer)
{
    bs_test_response r = bs_test_http(&s->server, method, path, key, body);

    if (r.status != status || strcmp(r.body, answer) != 0)
        print_message("%s %s: want %ld %s\n got %ld %s\n", method, path, status, answer, r.status,
                      r.body);
    assert_int_equal(r.status, status);
    assert_string_equal(r.body, answer);
    bs_test_response_release(&r);
}

/* The same, and the store is as it was. */
static void
refused(const site *s, const char *method, const char *path, const char *key, const char *body,
        long status, const char *answer)
{
    char *before = dump(s), *after;

    expect(s, method, path, key, body, status, answer);
    after = dump(s);
    assert_string_equal(after, before);
    free(before);
    free(after);
}

/* Register `name`; its API key into key[65]. */
static void
registered(const site *s, const char *name, char *key)
{
    char body[256];
    const char *at;
    bs_test_response r;

    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"password1\"}", name);
    r = bs_test_http(&s->server, "POST", "/api/v1/accounts", NULL, body);
    assert_int_equal(r.status, 201);
    at = strstr(r.body, "\"api_key\":\"");
    assert_non_null(at);
    memcpy(key, at + 11, 64);
    key[64] = '\0';
    assert_int_equal(strspn(key, "0123456789abcdef"), 64);
    bs_test_response_release(&r);
}

static void
test_serve_register_then_show_the_account(void **state)
{
    char key[65], id[64], line[256], *log;
    bs_test_response r;
    site s;

    (void)state;
    site_open(&s);
    expect(&s, "GET", "/healthz", NULL, NULL, 200, "{\"store\":\"ok\",\"node\":\"none\"}");
    registered(&s, "Alice", key);
    r = bs_test_http(&s.server, "GET", "/api/v1/account", key, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "{\"name\":\"Alice\",\"balance\":0,\"lock\":null,"));
    assert_true(bs_test_response_header(&r, "x-request-id", id, sizeof(id)));
    assert_int_equal(strlen(id), 16);
    bs_test_response_release(&r);
    log = site_close(&s);
    /* One line per request: time, id, method, path, status, bytes, µs. */
    snprintf(line, sizeof(line), " %s GET /api/v1/account 200 ", id);
    assert_non_null(strstr(log, line));
    assert_non_null(strstr(log, " POST /api/v1/accounts 201 "));
    free(log);
}

static void
test_serve_refusals_say_why_and_change_nothing(void **state)
{
    char key[65], wrong[65];
    site s;

    (void)state;
    site_open(&s);
    registered(&s, "alice", key);
    refused(&s, "POST", "/api/v1/accounts", NULL, "{\"name\":\"ALICE\",\"password\":\"password2\"}",
            409,
            "{\"error\":{\"code\":\"name_taken\",\"message\":\"account \\\"ALICE\\\" already "
            "exists (names are the same in any case)\"}}");
    refused(&s, "POST", "/api/v1/accounts", NULL,
            "{\"name\":\"Operator\",\"password\":\"password2\"}", 403,
            "{\"error\":{\"code\":\"name_reserved\",\"message\":\"account name \\\"Operator\\\" is "
            "reserved for the operator\"}}");
    refused(&s, "POST", "/api/v1/accounts", NULL,
            "{\"name\":\"no-body\",\"password\":\"password2\"}", 400,
            "{\"error\":{\"code\":\"invalid_field\",\"message\":\"invalid account name "
            "\\\"no-body\\\" (letters, digits and _, at most 64)\"}}");
    refused(&s, "POST", "/api/v1/accounts", NULL, "{\"name\":\"bob\",\"password\":\"short\"}", 400,
            "{\"error\":{\"code\":\"bad_password\",\"message\":\"the password must be 8 to 1024 "
            "bytes long\"}}");
    refused(&s, "POST", "/api/v1/accounts", NULL, "{\"name\":\"bob\"}", 400,
            "{\"error\":{\"code\":\"missing_field\",\"message\":\"an account needs \\\"name\\\" "
            "and \\\"password\\\", both strings\"}}");
    refused(&s, "POST", "/api/v1/accounts", NULL, "[1]", 400,
            "{\"error\":{\"code\":\"bad_json\",\"message\":\"the body must be a JSON object\"}}");
    refused(&s, "POST", "/api/v1/accounts", NULL,
            "{\"name\":\"bob\",\"name\":\"carol\",\"password\":\"password2\"}", 400,
            "{\"error\":{\"code\":\"bad_json\",\"message\":\"the body must be a JSON object that "
            "gives each key once\"}}");
    refused(&s, "GET", "/api/v1/account", NULL, NULL, 401,
            "{\"error\":{\"code\":\"no_api_key\",\"message\":\"this needs your API key: send "
            "\\\"Authorization: Bearer <api key>\\\"\"}}");
    memcpy(wrong, key, sizeof(wrong));
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    refused(&s, "GET", "/api/v1/account", wrong, NULL, 401,
            "{\"error\":{\"code\":\"bad_api_key\",\"message\":\"that API key is not one of this "
            "service's (\\\"Authorization: Bearer\\\" and the 64 characters account creation "
            "gave)\"}}");
    refused(&s, "GET", "/api/v1/account", "short", NULL, 401,
            "{\"error\":{\"code\":\"bad_api_key\",\"message\":\"that API key is not one of this "
            "service's (\\\"Authorization: Bearer\\\" and the 64 characters account creation "
            "gave)\"}}");
    refused(&s, "GET", "/api/v1/nothing", NULL, NULL, 404,
            "{\"error\":{\"code\":\"not_found\",\"message\":\"no such page\"}}");
    refused(&s, "DELETE", "/api/v1/accounts", NULL, NULL, 405,
            "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"this path does not take "
            "that method\"}}");
    free(site_close(&s));
}

/* Where it cannot serve, it says so on one line and exits 2. */
static void
test_serve_refuses_what_it_cannot_serve(void **state)
{
    struct sockaddr_in addr = {0};
    socklen_t len = sizeof(addr);
    char url[4200], listen_at[64], want[4400];
    bs_test_output r;
    int fd;

    (void)state;
    snprintf(url, sizeof(url), "lmdb:%s/none", bs_test_tmpdir());
    r = bs_test_run(ARGS("--store", url, "serve", "--listen", "127.0.0.1:0"), NULL, NULL);
    assert_int_equal(r.exit_code, 2);
    snprintf(want, sizeof(want),
             "bitslot: no bitslot store at \"%s\": check --store (or BITSLOT_STORE), or create "
             "one with 'bitslot init'\n",
             url);
    assert_string_equal(r.err, want);
    bs_test_output_release(&r);
    r = bs_test_run(ARGS("--store", url, "init"), NULL, NULL);
    bs_test_output_release(&r);
    r = bs_test_run(ARGS("--store", url, "serve", "--listen", "127.0.0.1:99999"), NULL, NULL);
    assert_int_equal(r.exit_code, 2);
    assert_string_equal(r.err, "bitslot: invalid --listen \"127.0.0.1:99999\" (HOST:PORT, e.g. "
                               "127.0.0.1:8080)\n");
    bs_test_output_release(&r);
    /* A port another program holds. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(listen(fd, 1), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%u", (unsigned)ntohs(addr.sin_port));
    r = bs_test_run(ARGS("--store", url, "serve", "--listen", listen_at), NULL, NULL);
    assert_int_equal(r.exit_code, 2);
    snprintf(want, sizeof(want), "bitslot: cannot listen on \"%s\": the address is in use\n",
             listen_at);
    assert_string_equal(r.err, want);
    bs_test_output_release(&r);
    close(fd);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_register_then_show_the_account),
        cmocka_unit_test(test_serve_refusals_say_why_and_change_nothing),
        cmocka_unit_test(test_serve_refuses_what_it_cannot_serve),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
