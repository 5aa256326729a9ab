/*
 * metrics.c — see metrics.h.
 */
#include <stdatomic.h>

#include "util/metrics.h"

static const char *const names[] = {
#define BS__METRIC_NAME(id, name, help) name,
    BS_METRIC_MAP(BS__METRIC_NAME)
#undef BS__METRIC_NAME
};

static const char *const helps[] = {
#define BS__METRIC_HELP(id, name, help) help,
    BS_METRIC_MAP(BS__METRIC_HELP)
#undef BS__METRIC_HELP
};

/* ---- process-wide state: the counters ---- */
static _Atomic int64_t counters[BS__METRIC_COUNT];

void
bs_metric_add(bs_metric m, int64_t n)
{
    /* Relaxed: a counter orders nothing; it only has to add up. */
    if ((unsigned)m < BS__METRIC_COUNT)
        atomic_fetch_add_explicit(&counters[m], n, memory_order_relaxed);
}

int64_t
bs_metric_get(bs_metric m)
{
    return (unsigned)m < BS__METRIC_COUNT ? atomic_load(&counters[m]) : 0;
}

const char *
bs_metric_name(bs_metric m)
{
    return (unsigned)m < BS__METRIC_COUNT ? names[m] : "unknown";
}

const char *
bs_metric_help(bs_metric m)
{
    return (unsigned)m < BS__METRIC_COUNT ? helps[m] : "unknown";
}
