/*
 * status.c — messages and names of bs_status, both generated from
 * BS_STATUS_MAP so that they can never drift apart from the enum.
 */
#include "util/status.h"

static const char *const status_messages[] = {
#define BS__STATUS_MESSAGE(name, msg) msg,
    BS_STATUS_MAP(BS__STATUS_MESSAGE)
#undef BS__STATUS_MESSAGE
};

static const char *const status_names[] = {
#define BS__STATUS_NAME(name, msg) #name,
    BS_STATUS_MAP(BS__STATUS_NAME)
#undef BS__STATUS_NAME
};

const char *
bs_strerror(bs_status st)
{
    if ((unsigned)st >= BS__STATUS_COUNT)
        return "unknown status";
    return status_messages[st];
}

const char *
bs_status_name(bs_status st)
{
    if ((unsigned)st >= BS__STATUS_COUNT)
        return "UNKNOWN";
    return status_names[st];
}

bool
bs_status_outage(bs_status st)
{
    switch (st) {
    case BS_UNAVAILABLE:
    case BS_UNCERTAIN:
    case BS_NODE_DOWN:
    case BS_TIMEOUT:
    case BS_NOMEM:
    case BS_IO:
    case BS_NOSPACE:
    case BS_ACCESS:
    case BS_BADPATH:
        return true;
    default:
        return false;
    }
}
