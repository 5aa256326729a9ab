/*
 * log.h — log lines for operators, on stderr: "bitslot: <level>: <text>".
 * For what the operator must act on (out of keys, a node that fails), not
 * for answers to a user (those are the edges' job).
 */
#ifndef BS_LOG_H
#define BS_LOG_H

void bs_log_warning(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void bs_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
