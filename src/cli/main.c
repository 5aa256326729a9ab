/*
 * main.c — the `bitslot` command: parses the global options, answers
 * --help, and hands the rest to the subcommand from the command tables.
 * No business logic lives here or in the cli_*.c files: they parse
 * arguments, call the library and print its results.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/ctx.h"

#define DEFAULT_STORE "lmdb:./data"

static const bs_cli_command *const command_tables[] = {
    bs_cli_store_commands, bs_cli_account_commands, bs_cli_campaign_commands, bs_cli_ad_commands,
    bs_cli_trade_commands, bs_cli_funds_commands,   bs_cli_serve_commands,
};

#define TABLES (sizeof(command_tables) / sizeof(command_tables[0]))

static void
print_usage(FILE *to, const bs_cli_command *cmd)
{
    fprintf(to, "usage: bitslot [OPTIONS] %s%s%s\n", cmd->name, cmd->args[0] ? " " : "", cmd->args);
}

int
bs_cli_usage(const bs_cli_command *cmd)
{
    fprintf(stderr, "bitslot: missing arguments; ");
    print_usage(stderr, cmd);
    return BS_EXIT_USAGE;
}

static void
print_help(void)
{
    printf("usage: bitslot [OPTIONS] COMMAND [ARGS]\n"
           "\n"
           "Sells time slots of advertising space for bitcoin.\n"
           "\n"
           "Options:\n"
           "  --store URL     the document store (default %s; also BITSLOT_STORE)\n"
           "                  lmdb:PATH  an LMDB store in directory PATH\n"
           "                  etcd:http://HOST:PORT[,http://HOST:PORT...]  an etcd v3 cluster\n"
           "  --fee-bp N      the operator's fee on each sale in basis points\n"
           "                  (default %d = 1.5%%; also BITSLOT_FEE_BP)\n"
           "  --node URL      the bitcoin node's JSON-RPC, with the watch-only wallet bitslot\n"
           "                  keeps its keys in: http://USER:PASS@HOST:PORT/wallet/NAME\n"
           "                  (also BITSLOT_NODE; the wallet is created if missing)\n"
           "  --network NAME  main, test, signet or regtest (default main; BITSLOT_NETWORK)\n"
           "  --confirmations N  a deposit counts this deep (default 1; BITSLOT_CONFIRMATIONS)\n"
           "  --min-deposit SATS  'funds done' refuses less (default 10000; BITSLOT_MIN_DEPOSIT)\n"
           "  --check-interval SECONDS  node checks per account at most this often\n"
           "                  (default 10; BITSLOT_CHECK_INTERVAL)\n"
           "  --help          this text; `bitslot COMMAND --help` for a command\n"
           "\n"
           "Commands:\n",
           DEFAULT_STORE, BS_FEE_BP_DEFAULT);
    for (size_t t = 0; t < TABLES; t++)
        for (const bs_cli_command *c = command_tables[t]; c->name != NULL; c++)
            printf("  %-17s %s\n", c->name, c->summary);
    printf("\n"
           "Exit codes:\n"
           "  0  done\n"
           "  1  refused: no such account, not enough funds, sold first, already known,\n"
           "     out of deposit keys... (the message says which)\n"
           "  2  usage error: unknown command or option, missing argument, or a value that\n"
           "     is malformed or breaks its rule\n"
           "  3  the store or the node is unavailable, or the outcome of a change is unknown\n");
}

/* The command named by argv[0] (and argv[1] for a group such as
 * "account create"); *words says how many words the name took. */
static const bs_cli_command *
find_command(int argc, char **argv, int *words)
{
    char two[128];

    snprintf(two, sizeof(two), "%s %s", argv[0], argc > 1 ? argv[1] : "");
    for (size_t t = 0; t < TABLES; t++) {
        for (const bs_cli_command *c = command_tables[t]; c->name != NULL; c++) {
            if (argc > 1 && strcmp(c->name, two) == 0) {
                *words = 2;
                return c;
            }
            if (strcmp(c->name, argv[0]) == 0) {
                *words = 1;
                return c;
            }
        }
    }
    return NULL;
}

/* For "bitslot account" alone or with an unknown second word. */
static bool
is_group(const char *word)
{
    size_t n = strlen(word);

    for (size_t t = 0; t < TABLES; t++)
        for (const bs_cli_command *c = command_tables[t]; c->name != NULL; c++)
            if (strncmp(c->name, word, n) == 0 && c->name[n] == ' ')
                return true;
    return false;
}

/* `bitslot account --help`: the usage and summary of each command of a
 * group. */
static void
print_group(const char *word)
{
    size_t n = strlen(word);

    for (size_t t = 0; t < TABLES; t++) {
        for (const bs_cli_command *c = command_tables[t]; c->name != NULL; c++) {
            if (strncmp(c->name, word, n) == 0 && c->name[n] == ' ') {
                print_usage(stdout, c);
                printf("    %s\n", c->summary);
            }
        }
    }
    printf("\n`bitslot %s COMMAND --help` for one of them.\n", word);
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

/* The long name of the option whose getopt value is `val`. */
static const char *
option_name(const struct option *options, int val)
{
    for (; options->name != NULL; options++)
        if (options->val == val)
            return options->name;
    return "?";
}

static const char *
setting(const char *env, const char *fallback)
{
    const char *value = getenv(env);

    return value != NULL && value[0] != '\0' ? value : fallback;
}

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        {"store", required_argument, NULL, 's'},
        {"fee-bp", required_argument, NULL, 'f'},
        {"node", required_argument, NULL, 'n'},
        {"network", required_argument, NULL, 'w'},
        {"confirmations", required_argument, NULL, 'c'},
        {"min-deposit", required_argument, NULL, 'm'},
        {"check-interval", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *fee = setting("BITSLOT_FEE_BP", NULL);
    const char *network = setting("BITSLOT_NETWORK", "main");
    const char *confirmations = setting("BITSLOT_CONFIRMATIONS", NULL);
    const char *min_deposit = setting("BITSLOT_MIN_DEPOSIT", NULL);
    const char *interval = setting("BITSLOT_CHECK_INTERVAL", NULL);
    bs_cli cli = {
        .store_url = setting("BITSLOT_STORE", DEFAULT_STORE),
        .fee_bp = BS_FEE_BP_DEFAULT,
        .node_url = setting("BITSLOT_NODE", NULL),
        .confirmations = BS_CONFIRMATIONS_DEFAULT,
        .min_deposit = BS_MIN_DEPOSIT_DEFAULT,
        .check_interval = BS_CHECK_INTERVAL_DEFAULT,
        .now = setting("BITSLOT_NOW", NULL),
    };
    const bs_cli_command *cmd;
    int opt, rc, words;

    /* '+': the options end at the command; ':': a missing value is ':'
     * (and getopt prints nothing). */
    while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
        switch (opt) {
        case 's':
            cli.store_url = optarg;
            break;
        case 'f':
            fee = optarg;
            break;
        case 'n':
            cli.node_url = optarg;
            break;
        case 'w':
            network = optarg;
            break;
        case 'c':
            confirmations = optarg;
            break;
        case 'm':
            min_deposit = optarg;
            break;
        case 'i':
            interval = optarg;
            break;
        case 'h':
            print_help();
            return BS_EXIT_OK;
        case ':':
            bs_cli_error("option \"--%s\" needs a value", option_name(options, optopt));
            return BS_EXIT_USAGE;
        default:
            bs_cli_error("unknown option \"%s\"; see 'bitslot --help'", argv[optind - 1]);
            return BS_EXIT_USAGE;
        }
    }
    if (fee != NULL &&
        bs_cli_integer(fee, "fee", "basis points, 0 to 10000", 0, 10000, &cli.fee_bp) != 0)
        return BS_EXIT_USAGE;
    if (bs_network_parse(network, &cli.network) != BS_OK) {
        bs_cli_error("invalid network \"%s\" (main, test, signet or regtest)", network);
        return BS_EXIT_USAGE;
    }
    if ((confirmations != NULL && bs_cli_integer(confirmations, "number of confirmations",
                                                 "0 to 1000", 0, 1000, &cli.confirmations) != 0) ||
        (min_deposit != NULL &&
         bs_cli_integer(min_deposit, "minimum deposit", "satoshis, 1 to 21 million BTC", 1,
                        INT64_C(2100000000000000), &cli.min_deposit) != 0) ||
        (interval != NULL && bs_cli_integer(interval, "check interval", "seconds, 0 or more", 0,
                                            86400, &cli.check_interval) != 0))
        return BS_EXIT_USAGE;
    if (cli.now != NULL && bs_cli_integer(cli.now, "BITSLOT_NOW", "unix seconds", 0,
                                          INT64_C(1) << 40, &cli.now_value) != 0)
        return BS_EXIT_USAGE;
    if (optind >= argc) {
        print_help();
        return BS_EXIT_USAGE;
    }
    argc -= optind;
    argv += optind;
    cmd = find_command(argc, argv, &words);
    if (cmd == NULL && is_group(argv[0]) && argc > 1 &&
        (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        print_group(argv[0]);
        return BS_EXIT_OK;
    }
    if (cmd == NULL) {
        if (is_group(argv[0]) && argc > 1)
            bs_cli_error("unknown command \"%s %s\"; see 'bitslot --help'", argv[0], argv[1]);
        else if (is_group(argv[0]))
            bs_cli_error("'%s' needs a subcommand; see 'bitslot --help'", argv[0]);
        else
            bs_cli_error("unknown command \"%s\"; see 'bitslot --help'", argv[0]);
        return BS_EXIT_USAGE;
    }
    argc -= words - 1;
    argv += words - 1;
    if (asks_for_help(argc, argv)) {
        print_usage(stdout, cmd);
        printf("\n%s\n", cmd->help);
        return BS_EXIT_OK;
    }
    rc = cmd->run(&cli, cmd, argc, argv);
    if (cli.have_ctx) {
        bs_rpc_close(cli.ctx.node);
        bs_store_close(cli.ctx.store);
    }
    if (fflush(stdout) != 0 && rc == BS_EXIT_OK) {
        bs_cli_error("cannot write the output");
        rc = BS_EXIT_UNAVAILABLE;
    }
    return rc;
}
