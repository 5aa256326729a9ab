/*
 * cli_serve_exec.c — `serve` in `bitslot`, which links no web server:
 * replaces the process with the `bitslot-serve` program in the same
 * directory as this one, given the same command line. Same process id,
 * environment (failpoints, BITSLOT_*), descriptors and signals: to its
 * caller it is `bitslot serve`, which `bitslot-serve` then checks and runs
 * (cli_serve_run.c).
 *
 * Invariants:
 *   - The program is found from /proc/self/exe, never from PATH: a
 *     `bitslot` runs the `bitslot-serve` built or installed with it.
 *   - When it cannot be run, nothing has been done: one line says which
 *     file and why, exit 3.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"

#define SERVE_PROGRAM "bitslot-serve"

int
bs_cli_serve_run(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    char path[4096];
    ssize_t len = readlink("/proc/self/exe", path, sizeof(path) - 1);
    char *slash;

    (void)cmd;
    (void)argc;
    (void)argv;
    if (len <= 0) {
        bs_cli_error("cannot find the bitslot program: %s", strerror(errno));
        return BS_EXIT_UNAVAILABLE;
    }
    path[len] = '\0';
    slash = strrchr(path, '/');
    if (slash == NULL || (size_t)(slash + 1 - path) + sizeof(SERVE_PROGRAM) > sizeof(path)) {
        bs_cli_error("cannot find the bitslot program: \"%s\"", path);
        return BS_EXIT_UNAVAILABLE;
    }
    memcpy(slash + 1, SERVE_PROGRAM, sizeof(SERVE_PROGRAM));
    fflush(NULL);
    execv(path, cli->argv);
    bs_cli_error("cannot run \"%s\": %s (bitslot serve runs the program " SERVE_PROGRAM
                 ", installed beside bitslot)",
                 path, strerror(errno));
    return BS_EXIT_UNAVAILABLE;
}
