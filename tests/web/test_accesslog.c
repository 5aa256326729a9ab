/*
 * test_accesslog.c — the request log of `bitslot serve` (web/accesslog.h):
 * the line's fields, nothing written before a flush and everything after,
 * whole lines in writes of at most PIPE_BUF bytes however many are added,
 * long fields cut, what is left written when the log is freed. The log
 * writes into one end of a socket pair of records (SOCK_SEQPACKET), so the
 * test sees each write(2) as it was made.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "web/accesslog.h"

typedef struct pair {
    int log;  /* the log writes here */
    int test; /* the test reads here */
} pair;

static pair
pair_open(void)
{
    int fds[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, fds), 0);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    return (pair){fds[0], fds[1]};
}

static void
pair_close(pair *p)
{
    close(p->log);
    close(p->test);
}

/* The next write the log made, NUL-terminated; its length (-1: none). */
static ssize_t
next_write(pair *p, char *buf, size_t size)
{
    ssize_t n = recv(p->test, buf, size - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
    return n;
}

static bs_web_access
access_of(const char *id, const char *method, const char *path)
{
    bs_web_access a = {
        .end = {.tv_sec = 1800000000, .tv_usec = 5},
        .id = id,
        .id_len = id != NULL ? strlen(id) : 0,
        .method = method,
        .method_len = strlen(method),
        .path = path,
        .path_len = strlen(path),
        .status = 200,
        .bytes = 674,
        .micros = 41,
    };

    return a;
}

static void
test_accesslog_one_line_per_request_written_at_the_flush(void **state)
{
    pair p = pair_open();
    bs_web_accesslog *log = bs_web_accesslog_new(p.log);
    bs_web_access a = access_of("6b0e608a00000001", "GET", "/embed/bob/0?x=1");
    char buf[8192];

    (void)state;
    assert_non_null(log);
    bs_web_accesslog_add(log, &a);
    a.end.tv_sec += 61;
    a.status = 404;
    a.bytes = 0;
    a.micros = 1234567;
    bs_web_accesslog_add(log, &a);
    assert_int_equal(next_write(&p, buf, sizeof(buf)), -1); /* nothing yet */
    bs_web_accesslog_flush(log);
    next_write(&p, buf, sizeof(buf));
    assert_string_equal(
        buf, "2027-01-15T08:00:00Z 6b0e608a00000001 GET /embed/bob/0?x=1 200 674 41\n"
             "2027-01-15T08:01:01Z 6b0e608a00000001 GET /embed/bob/0?x=1 404 0 1234567\n");
    bs_web_accesslog_flush(log); /* nothing left: no write */
    assert_int_equal(next_write(&p, buf, sizeof(buf)), -1);
    bs_web_accesslog_free(log);
    pair_close(&p);
}

static void
test_accesslog_writes_whole_lines_of_at_most_pipe_buf(void **state)
{
    pair p = pair_open();
    bs_web_accesslog *log = bs_web_accesslog_new(p.log);
    char path[600], buf[8192], expected[700];
    bs_web_access a;
    int lines = 0, writes = 0;
    ssize_t n;

    (void)state;
    memset(path, 'p', 500);
    path[0] = '/';
    path[500] = '\0';
    a = access_of("0123456789abcdef", "POST", path);
    for (int i = 0; i < 100; i++)
        bs_web_accesslog_add(log, &a);
    bs_web_accesslog_flush(log);
    snprintf(expected, sizeof(expected),
             "2027-01-15T08:00:00Z 0123456789abcdef POST %s 200 674 41\n", path);
    while ((n = next_write(&p, buf, sizeof(buf))) > 0) {
        writes++;
        assert_true(n <= PIPE_BUF);
        assert_int_equal(buf[n - 1], '\n');
        for (const char *line = buf; *line != '\0'; line += strlen(expected)) {
            assert_memory_equal(line, expected, strlen(expected));
            lines++;
        }
    }
    assert_int_equal(lines, 100);
    assert_true(writes >= 100 * (int)strlen(expected) / PIPE_BUF + 1);
    assert_true(writes < 100); /* batched */
    bs_web_accesslog_free(log);
    pair_close(&p);
}

static void
test_accesslog_cuts_long_fields(void **state)
{
    pair p = pair_open();
    bs_web_accesslog *log = bs_web_accesslog_new(p.log);
    char path[1200], method[64], id[64], buf[8192], *field;
    bs_web_access a;

    (void)state;
    memset(path, 'x', sizeof(path) - 1);
    path[0] = '/';
    path[sizeof(path) - 1] = '\0';
    memset(method, 'M', sizeof(method) - 1);
    method[sizeof(method) - 1] = '\0';
    memset(id, 'a', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    a = access_of(id, method, path);
    a.micros = -3;
    bs_web_accesslog_add(log, &a);
    a = access_of(NULL, "GET", "/");
    bs_web_accesslog_add(log, &a);
    bs_web_accesslog_flush(log);
    next_write(&p, buf, sizeof(buf));
    /* time, id, method, path: each cut or replaced by "-". */
    field = buf + strlen("2027-01-15T08:00:00Z ");
    assert_memory_equal(field, "- ", 2);
    field += 2;
    assert_int_equal(strcspn(field, " "), 32);
    field += 33;
    assert_int_equal(strcspn(field, " "), 512);
    field += 513;
    assert_string_equal(field, "200 674 -3\n2027-01-15T08:00:00Z - GET / 200 674 41\n");
    bs_web_accesslog_free(log);
    pair_close(&p);
}

static void
test_accesslog_free_writes_what_is_left(void **state)
{
    pair p = pair_open();
    bs_web_accesslog *log = bs_web_accesslog_new(p.log);
    bs_web_access a = access_of("6b0e608a00000002", "HEAD", "/healthz");
    char buf[8192];

    (void)state;
    bs_web_accesslog_add(log, &a);
    bs_web_accesslog_free(log);
    bs_web_accesslog_free(NULL);
    next_write(&p, buf, sizeof(buf));
    assert_string_equal(buf, "2027-01-15T08:00:00Z 6b0e608a00000002 HEAD /healthz 200 674 41\n");
    pair_close(&p);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accesslog_one_line_per_request_written_at_the_flush),
        cmocka_unit_test(test_accesslog_writes_whole_lines_of_at_most_pipe_buf),
        cmocka_unit_test(test_accesslog_cuts_long_fields),
        cmocka_unit_test(test_accesslog_free_writes_what_is_left),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
