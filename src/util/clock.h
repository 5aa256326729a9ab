/*
 * clock.h — the one source of "now" (DESIGN.md principle 6). The core never
 * reads the wall clock: it asks the bs_clock in its context, so tests can set
 * time to any second and replay any run.
 */
#ifndef BS_CLOCK_H
#define BS_CLOCK_H

#include <stdint.h>

typedef struct bs_clock {
    /* Unix seconds. Must be safe to call from many threads. */
    int64_t (*now)(void *data);
    void *data;
} bs_clock;

/* The system's wall clock. */
bs_clock bs_clock_system(void);

/* A clock that always reads *seconds (the caller owns and may change it). */
bs_clock bs_clock_fixed(const int64_t *seconds);

/* Milliseconds of CLOCK_MONOTONIC: for timeouts and intervals inside one
 * process (never "now" for the model: that is bs_clock's). */
int64_t bs_clock_monotonic_ms(void);

static inline int64_t
bs_clock_now(const bs_clock *clock)
{
    return clock->now(clock->data);
}

#endif
