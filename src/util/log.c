/*
 * log.c — see log.h. One fprintf per line, so lines from several threads
 * do not interleave.
 */
#include <stdarg.h>
#include <stdio.h>

#include "util/log.h"

static void
log_line(const char *level, const char *fmt, va_list ap)
{
    char text[1024];

    vsnprintf(text, sizeof(text), fmt, ap);
    fprintf(stderr, "bitslot: %s: %s\n", level, text);
}

void
bs_log_warning(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("warning", fmt, ap);
    va_end(ap);
}

void
bs_log_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_line("error", fmt, ap);
    va_end(ap);
}
