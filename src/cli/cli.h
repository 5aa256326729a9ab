/*
 * cli.h — what the `bitslot` subcommands share: the command table, the exit
 * codes, lazy opening of the store, and error printing.
 *
 * Exit codes (every command): 0 done; 1 refused by a rule (the message says
 * which); 2 usage error; 3 store or node unavailable. Errors go to stderr as
 * one line "bitslot: <lowercase message, subject quoted, no full stop>".
 * Data goes to stdout as JSON.
 */
#ifndef BS_CLI_H
#define BS_CLI_H

#include "store/store.h"
#include "util/status.h"

enum {
    BS_EXIT_OK = 0,
    BS_EXIT_REFUSED = 1,
    BS_EXIT_USAGE = 2,
    BS_EXIT_UNAVAILABLE = 3,
};

typedef struct bs_cli {
    const char *store_url; /* from --store, BITSLOT_STORE or the default */
    bs_store *store;       /* NULL until bs_cli_store() opens it */
} bs_cli;

typedef struct bs_cli_command {
    const char *name;
    const char *args;    /* the usage after the name, e.g. "[PREFIX]" */
    const char *summary; /* one line for `bitslot --help` */
    const char *help;    /* the text after the usage for `bitslot NAME --help` */
    /* argv[0] is the command name; options are parsed by the command.
     * `--help` anywhere has already been answered by the dispatcher. */
    int (*run)(bs_cli *cli, const struct bs_cli_command *cmd, int argc, char **argv);
} bs_cli_command;

/* The commands of each cli_*.c file, NULL-name terminated. */
extern const bs_cli_command bs_cli_store_commands[];

/* Open the store on first use. On failure prints the error and returns the
 * exit code to return; BS_EXIT_OK otherwise. */
int bs_cli_store(bs_cli *cli, bs_store **store);

/* Print "bitslot: <message>" and a newline to stderr. */
void bs_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print the usage of a command to stderr and return BS_EXIT_USAGE. */
int bs_cli_usage(const bs_cli_command *cmd);

/* The exit code for a status returned by the core or the store. */
int bs_cli_exit_code(bs_status st);

#endif
