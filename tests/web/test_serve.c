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
#include <time.h>
#include <unistd.h>

#include "testutil.h"
#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void
test_serve_register_then_show_the_account(void **state)
{
    char key[65], id[64], line[256], *log;
    bs_test_response r;
    bs_test_site s;

    (void)state;
    bs_test_site_open(&s, "store", NULL);
    bs_test_expect(&s, "GET", "/healthz", NULL, NULL, 200, "{\"store\":\"ok\",\"node\":\"none\"}");
    bs_test_register(&s, "Alice", key);
    r = bs_test_http(&s.server, "GET", "/api/v1/account", key, NULL);
    assert_int_equal(r.status, 200);
    assert_non_null(strstr(r.body, "{\"name\":\"Alice\",\"balance\":0,\"lock\":null,"));
    assert_true(bs_test_response_header(&r, "x-request-id", id, sizeof(id)));
    assert_int_equal(strlen(id), 16);
    bs_test_response_release(&r);
    log = bs_test_site_close(&s);
    /* One line per request: time, id, method, path, status, bytes, µs. */
    snprintf(line, sizeof(line), " %s GET /api/v1/account 200 ", id);
    assert_non_null(strstr(log, line));
    assert_non_null(strstr(log, " POST /api/v1/accounts 201 "));
    free(log);
}

/* Registration through the API is throttled per client address, as the
 * form's is: the 11th in a minute from one address is refused (429, the
 * form's sentence) and writes nothing; another address goes on. */
static void
test_serve_register_is_throttled_per_address(void **state)
{
    const char prefix[] = "{\"error\":{\"code\":\"too_many_attempts\",\"message\":\"too many "
                          "attempts, try again in ";
    char body[128], *before, *after, *end;
    bs_test_response r;
    bs_test_site s;
    long wait;

    (void)state;
    bs_test_site_open(&s, "throttle", NULL);
    for (int i = 0; i < 10; i++) {
        snprintf(body, sizeof(body), "{\"name\":\"user%d\",\"password\":\"password1\"}", i);
        r = bs_test_http_from(&s.server, "127.0.0.5", "POST", "/api/v1/accounts", NULL, body);
        assert_int_equal(r.status, 201);
        bs_test_response_release(&r);
    }
    before = bs_test_site_dump(&s);
    r = bs_test_http_from(&s.server, "127.0.0.5", "POST", "/api/v1/accounts", NULL,
                          "{\"name\":\"user10\",\"password\":\"password1\"}");
    assert_int_equal(r.status, 429);
    assert_true(strncmp(r.body, prefix, sizeof(prefix) - 1) == 0);
    wait = strtol(r.body + sizeof(prefix) - 1, &end, 10);
    assert_true(wait >= 1 && wait <= 60);
    assert_string_equal(end, " s\"}}");
    bs_test_response_release(&r);
    after = bs_test_site_dump(&s);
    assert_string_equal(after, before);
    free(before);
    free(after);
    r = bs_test_http_from(&s.server, "127.0.0.6", "POST", "/api/v1/accounts", NULL,
                          "{\"name\":\"user10\",\"password\":\"password1\"}");
    assert_int_equal(r.status, 201);
    bs_test_response_release(&r);
    free(bs_test_site_close(&s));
}

static void
test_serve_refusals_say_why_and_change_nothing(void **state)
{
    char key[65], wrong[65];
    bs_test_site s;

    (void)state;
    bs_test_site_open(&s, "store", NULL);
    bs_test_register(&s, "alice", key);
    bs_test_refused(
        &s, "POST", "/api/v1/accounts", NULL, "{\"name\":\"ALICE\",\"password\":\"password2\"}",
        409,
        "{\"error\":{\"code\":\"name_taken\",\"message\":\"account \\\"ALICE\\\" already "
        "exists (names are the same in any case)\"}}");
    bs_test_refused(
        &s, "POST", "/api/v1/accounts", NULL, "{\"name\":\"Operator\",\"password\":\"password2\"}",
        403,
        "{\"error\":{\"code\":\"name_reserved\",\"message\":\"account name \\\"Operator\\\" is "
        "reserved for the operator\"}}");
    bs_test_refused(&s, "POST", "/api/v1/accounts", NULL,
                    "{\"name\":\"no-body\",\"password\":\"password2\"}", 400,
                    "{\"error\":{\"code\":\"invalid_field\",\"message\":\"invalid account name "
                    "\\\"no-body\\\" (letters, digits and _, at most 64)\"}}");
    bs_test_refused(
        &s, "POST", "/api/v1/accounts", NULL, "{\"name\":\"bob\",\"password\":\"short\"}", 400,
        "{\"error\":{\"code\":\"bad_password\",\"message\":\"the password must be 8 to 1024 "
        "bytes long\"}}");
    bs_test_refused(
        &s, "POST", "/api/v1/accounts", NULL, "{\"name\":\"bob\"}", 400,
        "{\"error\":{\"code\":\"missing_field\",\"message\":\"an account needs \\\"name\\\" "
        "and \\\"password\\\", both strings\"}}");
    bs_test_refused(
        &s, "POST", "/api/v1/accounts", NULL, "[1]", 400,
        "{\"error\":{\"code\":\"bad_json\",\"message\":\"the body must be a JSON object\"}}");
    bs_test_refused(
        &s, "POST", "/api/v1/accounts", NULL,
        "{\"name\":\"bob\",\"name\":\"carol\",\"password\":\"password2\"}", 400,
        "{\"error\":{\"code\":\"bad_json\",\"message\":\"the body must be a JSON object that "
        "gives each key once\"}}");
    bs_test_refused(
        &s, "GET", "/api/v1/account", NULL, NULL, 401,
        "{\"error\":{\"code\":\"no_api_key\",\"message\":\"this needs your API key: send "
        "\\\"Authorization: Bearer <api key>\\\"\"}}");
    memcpy(wrong, key, sizeof(wrong));
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    bs_test_refused(
        &s, "GET", "/api/v1/account", wrong, NULL, 401,
        "{\"error\":{\"code\":\"bad_api_key\",\"message\":\"that API key is not one of this "
        "service's (\\\"Authorization: Bearer\\\" and the 64 characters account creation "
        "gave)\"}}");
    bs_test_refused(
        &s, "GET", "/api/v1/account", "short", NULL, 401,
        "{\"error\":{\"code\":\"bad_api_key\",\"message\":\"that API key is not one of this "
        "service's (\\\"Authorization: Bearer\\\" and the 64 characters account creation "
        "gave)\"}}");
    bs_test_refused(&s, "GET", "/api/v1/nothing", NULL, NULL, 404,
                    "{\"error\":{\"code\":\"not_found\",\"message\":\"no such page\"}}");
    bs_test_refused(
        &s, "DELETE", "/api/v1/accounts", NULL, NULL, 405,
        "{\"error\":{\"code\":\"method_not_allowed\",\"message\":\"this path does not take "
        "that method\"}}");
    free(bs_test_site_close(&s));
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

    /* Another serve's port: it would share it (SO_REUSEPORT) and split the
     * requests between two stores. */
    {
        bs_test_server other;
        bs_test_output o;

        bs_test_server_start(&other, url, NULL);
        snprintf(listen_at, sizeof(listen_at), "127.0.0.1:%d", bs_test_server_port(&other));
        r = bs_test_run(ARGS("--store", url, "serve", "--listen", listen_at), NULL, NULL);
        assert_int_equal(r.exit_code, 2);
        snprintf(want, sizeof(want), "bitslot: cannot listen on \"%s\": the address is in use\n",
                 listen_at);
        assert_string_equal(r.err, want);
        bs_test_output_release(&r);
        o = bs_test_server_stop(&other);
        assert_int_equal(o.exit_code, 0);
        bs_test_output_release(&o);
    }
}

/* A socket connected to the server's port (-1 when refused). */
static int
connect_to(const bs_test_site *s)
{
    struct sockaddr_in addr = {0};
    const char *colon = strrchr(s->server.base, ':');
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons((uint16_t)strtol(colon + 1, NULL, 10));
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void
send_text(int fd, const char *text)
{
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
}

/* What the server sends until it closes the connection (at most size-1). */
static void
read_all(int fd, char *out, size_t size)
{
    size_t used = 0;
    ssize_t n;

    while (used + 1 < size && (n = read(fd, out + used, size - 1 - used)) > 0)
        used += (size_t)n;
    out[used] = '\0';
}

/* SIGTERM: nothing new is accepted, an idle connection is closed, and a
 * request still being sent is answered; then exit 0. */
static void
test_serve_finishes_requests_in_flight_on_sigterm(void **state)
{
    static const char body[] = "{\"name\":\"late\",\"password\":\"password1\"}";
    char head[256], answer[4096];
    struct timespec t0, t1;
    int sending, idle;
    bs_test_site s;
    char *log;

    (void)state;
    bs_test_site_open(&s, "store", NULL);
    idle = connect_to(&s);
    send_text(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(read(idle, answer, sizeof(answer)) > 0); /* answered; kept alive */
    sending = connect_to(&s);
    snprintf(head, sizeof(head),
             "POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
             "Content-Length: %zu\r\n\r\n%.10s",
             strlen(body), body);
    send_text(sending, head);
    usleep(200000);

    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(kill(s.server.process.pid, SIGTERM), 0);
    usleep(300000);
    assert_int_equal(connect_to(&s), -1); /* no longer accepting */
    send_text(sending, body + 10);
    read_all(sending, answer, sizeof(answer));
    if (strstr(answer, "HTTP/1.1 201 ") == NULL)
        print_message("answer: [%s]\n", answer);
    assert_non_null(strstr(answer, "HTTP/1.1 201 "));
    assert_non_null(strstr(answer, "{\"name\":\"late\",\"api_key\":\""));
    read_all(idle, answer, sizeof(answer));
    assert_string_equal(answer, ""); /* the idle connection was closed */
    close(idle);
    close(sending);
    log = bs_test_site_close(&s);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true(t1.tv_sec - t0.tv_sec < 5); /* not the 10 s bound: nothing was left */
    assert_non_null(strstr(log, " POST /api/v1/accounts 201 "));
    free(log);
}

/* Bytes that are not UTF-8 in a path are shown escaped, never a 500 (the
 * JSON encoder refuses them). Over a raw socket: curl would encode them. */
static void
test_serve_raw_bytes_in_a_path_are_escaped(void **state)
{
    char answer[4096];
    bs_test_site s;
    int fd;

    (void)state;
    bs_test_site_open(&s, "store", NULL);
    fd = connect_to(&s);
    send_text(fd, "GET /api/v1/campaigns/se\xffller/0 HTTP/1.1\r\nHost: x\r\nConnection: "
                  "close\r\n\r\n");
    read_all(fd, answer, sizeof(answer));
    close(fd);
    assert_non_null(strstr(answer, "HTTP/1.1 404 "));
    assert_non_null(strstr(answer, "{\"error\":{\"code\":\"no_campaign\",\"message\":\"no campaign "
                                   "\\\"se\\\\xffller/0\\\"\"}}"));
    fd = connect_to(&s);
    send_text(fd, "GET /api/v1/campaigns/seller/0/slots/\xe2\x80\xae"
                  "1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    read_all(fd, answer, sizeof(answer));
    close(fd);
    assert_non_null(strstr(answer, "HTTP/1.1 404 "));
    free(bs_test_site_close(&s));
}

/* A POST of the request `head` (headers, no blank line) with `body`: the
 * whole answer into answer[size]. */
static void
raw_post(const bs_test_site *s, const char *head, const char *body, char *answer, size_t size)
{
    char request[1024];
    int fd = connect_to(s);

    snprintf(request, sizeof(request), "%sContent-Length: %zu\r\nConnection: close\r\n\r\n%s", head,
             strlen(body), body);
    send_text(fd, request);
    read_all(fd, answer, size);
    close(fd);
}

/* JSON bodies only: a form or text/plain body (what a page on another site
 * can make a browser send without asking) is refused; a body that is not
 * JSON is said without the parser's own words. */
static void
test_serve_json_bodies_only(void **state)
{
    static const char post[] = "POST /api/v1/accounts HTTP/1.1\r\nHost: x\r\n";
    static const char body[] = "{\"name\":\"eve\",\"password\":\"password1\"}";
    char head[256], answer[4096], *before, *after;
    bs_test_site s;

    (void)state;
    bs_test_site_open(&s, "store", NULL);
    before = bs_test_site_dump(&s);
    snprintf(head, sizeof(head), "%sContent-Type: text/plain\r\n", post);
    raw_post(&s, head, body, answer, sizeof(answer));
    assert_non_null(strstr(answer, "HTTP/1.1 415 "));
    assert_non_null(strstr(answer, "{\"error\":{\"code\":\"bad_content_type\",\"message\":\"the "
                                   "body must be JSON, sent with \\\"Content-Type: "
                                   "application/json\\\"\"}}"));
    snprintf(head, sizeof(head), "%sContent-Type: application/x-www-form-urlencoded\r\n", post);
    raw_post(&s, head, body, answer, sizeof(answer));
    assert_non_null(strstr(answer, "HTTP/1.1 415 "));
    raw_post(&s, post, body, answer, sizeof(answer)); /* no Content-Type at all */
    assert_non_null(strstr(answer, "HTTP/1.1 415 "));
    snprintf(head, sizeof(head), "%sContent-Type: application/json\r\n", post);
    raw_post(&s, head, "{\"name\":", answer, sizeof(answer));
    assert_non_null(strstr(answer, "HTTP/1.1 400 "));
    assert_non_null(strstr(answer, "\"message\":\"the body must be a JSON object: it is not valid "
                                   "JSON at line 1, column 8\"}}"));
    raw_post(&s, head, "{\"name\":\"a\\u0000b\",\"password\":\"password1\"}", answer,
             sizeof(answer));
    assert_non_null(strstr(answer, "(a \\\\u0000 in a string)"));
    after = bs_test_site_dump(&s);
    assert_string_equal(after, before);
    snprintf(head, sizeof(head), "%sContent-Type: Application/JSON; charset=utf-8\r\n", post);
    raw_post(&s, head, body, answer, sizeof(answer));
    assert_non_null(strstr(answer, "HTTP/1.1 201 "));
    free(before);
    free(after);
    free(bs_test_site_close(&s));
}

/* HEAD is GET without a body; a 405 says which methods the path takes. */
static void
test_serve_head_and_allow(void **state)
{
    bs_test_response r;
    char allow[64];
    bs_test_site s;

    (void)state;
    bs_test_site_open(&s, "store", NULL);
    r = bs_test_http(&s.server, "HEAD", "/api/v1/campaigns", NULL, NULL);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "");
    bs_test_response_release(&r);
    r = bs_test_http(&s.server, "DELETE", "/api/v1/account/key", NULL, NULL);
    assert_int_equal(r.status, 405);
    assert_true(bs_test_response_header(&r, "allow", allow, sizeof(allow)));
    assert_string_equal(allow, "POST, GET, HEAD");
    bs_test_response_release(&r);
    free(bs_test_site_close(&s));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_register_then_show_the_account),
        cmocka_unit_test(test_serve_register_is_throttled_per_address),
        cmocka_unit_test(test_serve_refusals_say_why_and_change_nothing),
        cmocka_unit_test(test_serve_refuses_what_it_cannot_serve),
        cmocka_unit_test(test_serve_finishes_requests_in_flight_on_sigterm),
        cmocka_unit_test(test_serve_raw_bytes_in_a_path_are_escaped),
        cmocka_unit_test(test_serve_json_bodies_only),
        cmocka_unit_test(test_serve_head_and_allow),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
