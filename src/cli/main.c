/*
 * main.c — the `bitslot` command: parses the global options, answers
 * --help and --version, and hands the rest to the subcommand from the
 * command tables. No business logic lives here or in the cli_*.c files:
 * they parse arguments, call the library and print its results.
 *
 * Invariants:
 *   - --version and --help read no setting and open nothing: they are the
 *     baseline of the start-up figure (bench/bench_startup).
 *   - A command that failed because a library it needed could not be loaded
 *     (util/dynlib.h) ends with one more line saying which and why.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/ctx.h"
#include "util/dynlib.h"
#include "version.h"

/* getopt's value for each long option: the settings' after the others. */
enum { OPT_CONFIG = 256, OPT_VERSION, OPT_SETTING };

static const bs_cli_command *const command_tables[] = {
    bs_cli_store_commands,    bs_cli_account_commands, bs_cli_campaign_commands,
    bs_cli_ad_commands,       bs_cli_trade_commands,   bs_cli_funds_commands,
    bs_cli_withdraw_commands, bs_cli_serve_commands,   bs_cli_ops_commands,
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
           "  --config FILE   settings from FILE (also BITSLOT_CONFIG): a line KEY = VALUE\n"
           "                  for each, KEY an option's name without the dashes (these\n"
           "                  and serve's: listen, public-url, sweep-interval, payouts,\n"
           "                  trusted-proxy); blank lines and lines starting with # are\n"
           "                  skipped. A flag beats\n"
           "                  the environment, which beats the file, which beats the\n"
           "                  default. A wrong line stops every command\n"
           "  --help          this text; `bitslot COMMAND --help` for a command\n"
           "  --version       print \"bitslot VERSION\" and exit\n"
           "\n"
           "Commands:\n",
           BS_CLI_STORE_DEFAULT, BS_FEE_BP_DEFAULT);
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

/* The long options of `bitslot`: a setting of BS_CLI_GLOBAL scope each
 * (cli_config.c), --config, --help and --version; `options` has room for
 * all of them and the zero entry that ends them. */
static void
long_options(struct option *options)
{
    for (bs_cli_key key = 0; key < BS_CLI_KEYS; key++)
        if (bs_cli_key_scope(key) == BS_CLI_GLOBAL)
            *options++ = (struct option){bs_cli_key_name(key), required_argument, NULL,
                                         OPT_SETTING + (int)key};
    *options++ = (struct option){"config", required_argument, NULL, OPT_CONFIG};
    *options++ = (struct option){"help", no_argument, NULL, 'h'};
    *options++ = (struct option){"version", no_argument, NULL, OPT_VERSION};
    *options = (struct option){NULL, 0, NULL, 0};
}

int
main(int argc, char **argv)
{
    struct option options[BS_CLI_KEYS + 4];
    const char *config = getenv("BITSLOT_CONFIG");
    bs_cli cli = {.argv = argv, .now = getenv("BITSLOT_NOW")};
    const bs_cli_command *cmd;
    int opt, rc, words;

    /* One write per line of stderr, so that the lines of processes sharing
     * it (a log file, a terminal) never mix. */
    setvbuf(stderr, NULL, _IOLBF, BUFSIZ);
    if (config != NULL && config[0] == '\0')
        config = NULL;
    if (cli.now != NULL && cli.now[0] == '\0')
        cli.now = NULL;
    long_options(options);
    /* '+': the options end at the command; ':': a missing value is ':'
     * (and getopt prints nothing). */
    while ((opt = getopt_long(argc, argv, "+:h", options, NULL)) != -1) {
        if (opt >= OPT_SETTING) {
            bs_cli_flag(&cli, (bs_cli_key)(opt - OPT_SETTING), optarg);
            continue;
        }
        switch (opt) {
        case OPT_CONFIG:
            config = optarg;
            break;
        case 'h':
            print_help();
            return BS_EXIT_OK;
        case OPT_VERSION:
            printf("bitslot %s\n", BS_VERSION);
            return BS_EXIT_OK;
        case ':':
            bs_cli_error("option \"--%s\" needs a value", option_name(options, optopt));
            return BS_EXIT_USAGE;
        default:
            bs_cli_error("unknown option \"%s\"; see 'bitslot --help'", argv[optind - 1]);
            return BS_EXIT_USAGE;
        }
    }
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
    /* Help needs no settings; every command needs them right. */
    rc = bs_cli_settings_read(&cli, config);
    if (rc == BS_EXIT_OK)
        rc = bs_cli_settings_apply(&cli, BS_CLI_GLOBAL);
    if (rc == BS_EXIT_OK && cli.now != NULL)
        rc = bs_cli_integer(cli.now, "BITSLOT_NOW", "unix seconds", 0, INT64_C(1) << 40,
                            &cli.now_value);
    if (rc == BS_EXIT_OK)
        rc = cmd->run(&cli, cmd, argc, argv);
    if (rc != BS_EXIT_OK && bs_dynlib_failure() != NULL)
        bs_cli_error("%s", bs_dynlib_failure());
    bs_cli_release(&cli);
    if (fflush(stdout) != 0 && rc == BS_EXIT_OK) {
        bs_cli_error("cannot write the output");
        rc = BS_EXIT_UNAVAILABLE;
    }
    return rc;
}
