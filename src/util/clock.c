/*
 * clock.c — the system clock and a fixed clock for tests and replay.
 */
#include <time.h>

#include "util/clock.h"

static int64_t
system_now(void *data)
{
    (void)data;
    return (int64_t)time(NULL);
}

static int64_t
fixed_now(void *data)
{
    return *(const int64_t *)data;
}

int64_t
bs_clock_monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

bs_clock
bs_clock_system(void)
{
    return (bs_clock){system_now, NULL};
}

bs_clock
bs_clock_fixed(const int64_t *seconds)
{
    return (bs_clock){fixed_now, (void *)seconds};
}
