/*
 * accesslog.c — see accesslog.h. Lines are formatted by hand into the
 * buffer (no stdio: its locks and format parsing cost more than the line),
 * the time text once per second.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "web/accesslog.h"

#define BUFFER_SIZE PIPE_BUF /* a write of at most this is whole on a pipe */
#define ID_MAX      32
#define METHOD_MAX  32
#define PATH_MAX_   512

_Static_assert(BS_WEB_ACCESSLOG_LINE_MAX <= BUFFER_SIZE, "a line fits in the buffer");
_Static_assert(BS_WEB_ACCESSLOG_LINE_MAX >=
                   21 + ID_MAX + 1 + METHOD_MAX + 1 + PATH_MAX_ + 1 + 3 * 21,
               "the longest line fits in BS_WEB_ACCESSLOG_LINE_MAX");

struct bs_web_accesslog {
    int fd;
    size_t len;
    time_t second; /* of `when`; -1: none yet */
    char when[21]; /* "2026-12-01T05:52:07Z" */
    char buf[BUFFER_SIZE];
};

bs_web_accesslog *
bs_web_accesslog_new(int fd)
{
    bs_web_accesslog *log = malloc(sizeof(*log));

    if (log == NULL)
        return NULL;
    log->fd = fd;
    log->len = 0;
    log->second = -1;
    return log;
}

void
bs_web_accesslog_free(bs_web_accesslog *log)
{
    if (log == NULL)
        return;
    bs_web_accesslog_flush(log);
    free(log);
}

void
bs_web_accesslog_flush(bs_web_accesslog *log)
{
    size_t done = 0;

    while (done < log->len) {
        ssize_t n = write(log->fd, log->buf + done, log->len - done);
        if (n > 0)
            done += (size_t)n;
        else if (n < 0 && errno == EINTR)
            continue;
        else
            break; /* lost: see the invariants */
    }
    log->len = 0;
}

static char *
put(char *at, const char *s, size_t len)
{
    memcpy(at, s, len);
    return at + len;
}

static char *
put_decimal(char *at, unsigned long long n, bool negative)
{
    char digits[24];
    size_t i = sizeof(digits);

    do
        digits[--i] = (char)('0' + n % 10);
    while ((n /= 10) != 0);
    if (negative)
        digits[--i] = '-';
    return put(at, digits + i, sizeof(digits) - i);
}

static char *
put_signed(char *at, long long n)
{
    return put_decimal(at, n < 0 ? 0 - (unsigned long long)n : (unsigned long long)n, n < 0);
}

void
bs_web_accesslog_add(bs_web_accesslog *log, const bs_web_access *a)
{
    size_t method_len = a->method_len > METHOD_MAX ? METHOD_MAX : a->method_len;
    size_t path_len = a->path_len > PATH_MAX_ ? PATH_MAX_ : a->path_len;
    const char *id = a->id != NULL && a->id_len > 0 && a->id_len <= ID_MAX ? a->id : "-";
    size_t id_len = id == a->id ? a->id_len : 1;
    char *at;

    if (log->len + BS_WEB_ACCESSLOG_LINE_MAX > sizeof(log->buf))
        bs_web_accesslog_flush(log);
    if (a->end.tv_sec != log->second) {
        time_t now = a->end.tv_sec;
        struct tm tm;

        gmtime_r(&now, &tm);
        if (strftime(log->when, sizeof(log->when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
            memcpy(log->when, "-", 2); /* a year past 9999 */
        log->second = now;
    }
    at = log->buf + log->len;
    at = put(at, log->when, strlen(log->when));
    *at++ = ' ';
    at = put(at, id, id_len);
    *at++ = ' ';
    at = put(at, a->method, method_len);
    *at++ = ' ';
    at = put(at, a->path, path_len);
    *at++ = ' ';
    at = put_signed(at, a->status);
    *at++ = ' ';
    at = put_decimal(at, a->bytes, false);
    *at++ = ' ';
    at = put_signed(at, a->micros);
    *at++ = '\n';
    log->len = (size_t)(at - log->buf);
}
