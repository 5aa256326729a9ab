/*
 * failpoint.c — see failpoint.h. The environment is read once per process
 * (pthread_once); after that a check is an integer compare.
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/failpoint.h"

static const char *const names[] = {
#define BS__FAILPOINT_NAME(id, name, op) name,
    BS_FAILPOINT_MAP(BS__FAILPOINT_NAME)
#undef BS__FAILPOINT_NAME
};

static const char *const operations[] = {
#define BS__FAILPOINT_OP(id, name, op) op,
    BS_FAILPOINT_MAP(BS__FAILPOINT_OP)
#undef BS__FAILPOINT_OP
};

static pthread_once_t armed_once = PTHREAD_ONCE_INIT;
static int armed = -1; /* the id named by BITSLOT_FAILPOINT, or -1 */
static bool pause_there;

static void
read_environment(void)
{
    const char *want = getenv("BITSLOT_FAILPOINT");
    size_t len;

    if (want == NULL)
        return;
    len = strcspn(want, ":");
    pause_there = strcmp(want + len, ":pause") == 0;
    for (int i = 0; i < BS__FAILPOINT_COUNT; i++)
        if (strlen(names[i]) == len && strncmp(want, names[i], len) == 0)
            armed = i;
}

void
bs_failpoint(bs_failpoint_id id)
{
    pthread_once(&armed_once, read_environment);
    if ((int)id != armed)
        return;
    if (!pause_there)
        _exit(BS_FAILPOINT_EXIT);
    raise(SIGSTOP);
}

const char *
bs_failpoint_name(bs_failpoint_id id)
{
    return (unsigned)id < BS__FAILPOINT_COUNT ? names[id] : "unknown";
}

const char *
bs_failpoint_operation(bs_failpoint_id id)
{
    return (unsigned)id < BS__FAILPOINT_COUNT ? operations[id] : "unknown";
}
