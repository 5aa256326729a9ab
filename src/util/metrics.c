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

/* ---- process-wide state: the counters ---- */
static _Atomic int64_t counters[BS__METRIC_COUNT];

void
bs_metric_add(bs_metric m, int64_t n)
{
    if ((unsigned)m < BS__METRIC_COUNT)
        atomic_fetch_add(&counters[m], n);
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
