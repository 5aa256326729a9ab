/*
 * accesslog.h — the log line of each request `bitslot serve` answers, on
 * one descriptor (stderr):
 *
 *   TIME ID METHOD PATH STATUS BYTES MICROSECONDS
 *   2026-12-01T05:52:07Z 6b0e608a00000001 GET /embed/bob/0 200 674 41
 *
 * buffered per event loop: each loop collects the lines of the requests it
 * finished and writes them with one write(2) at the end of its iteration
 * (bs_web_accesslog_flush), or sooner when the buffer is full. A busy loop
 * pays one system call per batch of lines instead of one per request, and
 * an idle one writes each line as soon as its request is done, as an
 * unbuffered log would.
 *
 * Invariants:
 *   - A log belongs to one thread (its loop's): no lock.
 *   - Every write holds whole lines only and at most PIPE_BUF bytes, so on
 *     a pipe (a supervisor, journald) the lines of several loops, and the
 *     other lines of the process, never cut into each other.
 *   - A line is at most BS_WEB_ACCESSLOG_LINE_MAX bytes: the method is cut
 *     at 32 bytes and the path at 512; an id longer than 32 bytes shows
 *     as "-".
 *   - A write that fails drops its lines (the server does not stop for its
 *     log); one interrupted by a signal or cut short is finished.
 */
#ifndef BS_WEB_ACCESSLOG_H
#define BS_WEB_ACCESSLOG_H

#include <stddef.h>
#include <sys/time.h>

#define BS_WEB_ACCESSLOG_LINE_MAX 700

typedef struct bs_web_accesslog bs_web_accesslog;

/* One request's line, as the server knows it. */
typedef struct bs_web_access {
    struct timeval end; /* when its answer was sent (the line's time) */
    const char *id;     /* the request id; NULL: "-" */
    size_t id_len;
    const char *method;
    size_t method_len;
    const char *path; /* with its query */
    size_t path_len;
    int status;
    size_t bytes;     /* of the body sent */
    long long micros; /* from its first byte read to its last one written */
} bs_web_access;

/* A log writing to `fd` (not closed by the log). NULL when out of memory. */
bs_web_accesslog *bs_web_accesslog_new(int fd);

/* Write what is left, and free the log. NULL is a no-op. */
void bs_web_accesslog_free(bs_web_accesslog *log);

/* Add the line of `a` (written at the next flush, or now if the buffer has
 * no room for it). */
void bs_web_accesslog_add(bs_web_accesslog *log, const bs_web_access *a);

/* Write the lines added since the last flush (none: no system call). */
void bs_web_accesslog_flush(bs_web_accesslog *log);

#endif
