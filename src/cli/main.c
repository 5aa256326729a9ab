/*
 * main.c — the `bitslot` command: parses the global options, answers
 * --help, and hands the rest to the subcommand from the command tables.
 * No business logic lives here or in the cli_*.c files: they parse
 * arguments, call the library and print its results.
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

#define DEFAULT_STORE "lmdb:./data"

static const bs_cli_command *const command_tables[] = {
    bs_cli_store_commands,
};

void
bs_cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("bitslot: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static void
print_usage(FILE *to, const bs_cli_command *cmd)
{
    fprintf(to, "usage: bitslot [--store URL] %s%s%s\n", cmd->name, cmd->args[0] ? " " : "",
            cmd->args);
}

int
bs_cli_usage(const bs_cli_command *cmd)
{
    print_usage(stderr, cmd);
    return BS_EXIT_USAGE;
}

int
bs_cli_exit_code(bs_status st)
{
    switch (st) {
    case BS_OK:
        return BS_EXIT_OK;
    case BS_NOTFOUND:
    case BS_EXISTS:
    case BS_CONFLICT:
    case BS_LOCKED:
    case BS_INVALID:
    case BS_TOOLARGE:
    case BS_UNSUPPORTED:
        return BS_EXIT_REFUSED;
    default:
        return BS_EXIT_UNAVAILABLE;
    }
}

int
bs_cli_store(bs_cli *cli, bs_store **store)
{
    bs_status st;

    if (cli->store == NULL) {
        st = bs_store_open(cli->store_url, &cli->store);
        if (st == BS_INVALID) {
            bs_cli_error("invalid store URL \"%s\" (expected lmdb:PATH)", cli->store_url);
            return BS_EXIT_USAGE;
        }
        if (st != BS_OK) {
            bs_cli_error("cannot open store \"%s\": %s", cli->store_url, bs_strerror(st));
            return BS_EXIT_UNAVAILABLE;
        }
    }
    *store = cli->store;
    return BS_EXIT_OK;
}

static void
print_help(void)
{
    printf("usage: bitslot [--store URL] COMMAND [ARGS]\n"
           "\n"
           "Sells time slots of advertising space for bitcoin.\n"
           "\n"
           "Options:\n"
           "  --store URL   the document store (default %s; also BITSLOT_STORE)\n"
           "                lmdb:PATH  an LMDB store in directory PATH\n"
           "  --help        this text; `bitslot COMMAND --help` for a command\n"
           "\n"
           "Commands:\n",
           DEFAULT_STORE);
    for (size_t t = 0; t < sizeof(command_tables) / sizeof(command_tables[0]); t++)
        for (const bs_cli_command *c = command_tables[t]; c->name != NULL; c++)
            printf("  %-12s %s\n", c->name, c->summary);
}

static const bs_cli_command *
find_command(const char *name)
{
    for (size_t t = 0; t < sizeof(command_tables) / sizeof(command_tables[0]); t++)
        for (const bs_cli_command *c = command_tables[t]; c->name != NULL; c++)
            if (strcmp(c->name, name) == 0)
                return c;
    return NULL;
}

static bool
asks_for_help(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return false;
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return true;
    }
    return false;
}

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        {"store", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bs_cli cli = {.store_url = getenv("BITSLOT_STORE")};
    const bs_cli_command *cmd;
    int opt, rc;

    if (cli.store_url == NULL || cli.store_url[0] == '\0')
        cli.store_url = DEFAULT_STORE;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            cli.store_url = optarg;
            break;
        case 'h':
            print_help();
            return BS_EXIT_OK;
        default:
            bs_cli_error("unknown option \"%s\"; see 'bitslot --help'", argv[optind - 1]);
            return BS_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        print_help();
        return BS_EXIT_USAGE;
    }
    cmd = find_command(argv[optind]);
    if (cmd == NULL) {
        bs_cli_error("unknown command \"%s\"; see 'bitslot --help'", argv[optind]);
        return BS_EXIT_USAGE;
    }
    argc -= optind;
    argv += optind;
    if (asks_for_help(argc, argv)) {
        print_usage(stdout, cmd);
        printf("\n%s\n", cmd->help);
        return BS_EXIT_OK;
    }
    optind = 0; /* reset getopt for the command's own options */
    rc = cmd->run(&cli, cmd, argc, argv);
    bs_store_close(cli.store);
    if (fflush(stdout) != 0 && rc == BS_EXIT_OK) {
        bs_cli_error("cannot write the output");
        rc = BS_EXIT_UNAVAILABLE;
    }
    return rc;
}
