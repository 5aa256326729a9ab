/*
 * cli.h — what the `bitslot` subcommands share: the command table, the exit
 * codes, the context (store, clock, settings) opened on first use, option
 * parsing, JSON output and error printing.
 *
 * Exit codes (every command): 0 done; 1 refused: the command was well formed
 * but the service says no (no such account, not enough funds, sold first, a
 * name taken, out of deposit keys...); 2 usage error: an unknown command or
 * option, a missing argument, or a value that is malformed or breaks its
 * rule (out of range, a bad URL, a title with control characters...); 3 the
 * store or the node is unavailable, or the outcome of a change is unknown. Errors go to stderr as
 * one line "bitslot: <lowercase message, subject quoted, no full stop>".
 * Data goes to stdout as JSON (one line); commands that create something
 * print its id.
 */
#ifndef BS_CLI_H
#define BS_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/ctx.h"
#include "core/words.h"
#include "model/field.h"
#include "store/store.h"
#include "util/status.h"

enum {
    BS_EXIT_OK = 0,
    BS_EXIT_REFUSED = 1,
    BS_EXIT_USAGE = 2,
    BS_EXIT_UNAVAILABLE = 3,
};

/* What a command needs of the store it is given. */
typedef enum bs_cli_store_need {
    BS_CLI_STORE_BITSLOT = 0, /* one that `init` made (every command but these) */
    BS_CLI_STORE_CREATE,      /* `init`: created when absent */
    BS_CLI_STORE_ANY,         /* `dump`: any store that is there, even not bitslot's */
} bs_cli_store_need;

#define BS_CLI_STORE_DEFAULT "lmdb:./data"

/* The settings. Each is an option (`--fee-bp`), a key of the config file
 * (`fee-bp = 150`) and an environment variable (BITSLOT_FEE_BP), read by one
 * check; cli_config.c holds their table. */
typedef enum bs_cli_key {
    BS_CLI_STORE,
    BS_CLI_FEE_BP,
    BS_CLI_NODE,
    BS_CLI_NETWORK,
    BS_CLI_CONFIRMATIONS,
    BS_CLI_MIN_DEPOSIT,
    BS_CLI_CHECK_INTERVAL,
    BS_CLI_PAYOUT_WALLET,
    BS_CLI_MIN_WITHDRAWAL,
    BS_CLI_WITHDRAW_FEE_BP,
    BS_CLI_LISTEN, /* serve's from here on */
    BS_CLI_PUBLIC_URL,
    BS_CLI_SWEEP_INTERVAL,
    BS_CLI_PAYOUTS,
    BS_CLI_TRUSTED_PROXY,
    BS_CLI_KEYS
} bs_cli_key;

/* Whose option a setting is: `bitslot`'s (before the command) or serve's. */
typedef enum bs_cli_scope {
    BS_CLI_GLOBAL,
    BS_CLI_SERVE,
} bs_cli_scope;

/* Where a setting's text came from, weakest first: a stronger source
 * replaces a weaker one. */
typedef enum bs_cli_source {
    BS_CLI_FROM_DEFAULT = 0,
    BS_CLI_FROM_FILE,
    BS_CLI_FROM_ENV,
    BS_CLI_FROM_FLAG,
} bs_cli_source;

typedef struct bs_cli_setting {
    const char *text; /* the strongest value given; NULL: none (the default) */
    bs_cli_source source;
    size_t line; /* BS_CLI_FROM_FILE: its line in the config file */
} bs_cli_setting;

typedef struct bs_cli {
    char **argv;                          /* the command line as given, NULL-terminated */
    bs_cli_setting settings[BS_CLI_KEYS]; /* what was given, and where */
    const char *config_path;              /* the config file; NULL: none */
    char *config_text;                    /* its contents, which settings point into */
    /* The values of the settings, set by bs_cli_settings_apply(): */
    const char *store_url;     /* --store */
    int64_t fee_bp;            /* --fee-bp */
    const char *node_url;      /* --node; NULL: none */
    bs_network network;        /* --network */
    int64_t confirmations;     /* --confirmations */
    int64_t min_deposit;       /* --min-deposit */
    int64_t check_interval;    /* --check-interval */
    const char *payout_wallet; /* --payout-wallet; NULL: none */
    int64_t min_withdrawal;    /* --min-withdrawal */
    int64_t withdraw_fee_bp;   /* --withdraw-fee-bp */
    const char *listen;        /* serve --listen */
    const char *public_url;    /* serve --public-url; NULL: none */
    int64_t sweep_interval;    /* serve --sweep-interval */
    bool payouts;              /* serve --payouts on|off */
    const char *trusted_proxy; /* serve --trusted-proxy ADDR[,ADDR...]; NULL: none */
    const char *now;           /* BITSLOT_NOW: a fixed clock (tests, replay) */
    int64_t now_value;
    bs_cli_store_need store_need; /* set by the command before bs_cli_ctx() */
    bool have_ctx;
    bs_ctx ctx; /* valid once bs_cli_ctx() succeeded */
} bs_cli;

/* ---- settings (cli_config.c) ----
 * Each setting's value comes from the strongest source that gives one: its
 * option on the command line, then its environment variable (when set and
 * not empty), then the config file (--config FILE or BITSLOT_CONFIG), then
 * its default. Every value goes through the one check of its setting,
 * wherever it came from. The order of calls: bs_cli_flag() for each option
 * of `bitslot`, bs_cli_settings_read(), bs_cli_settings_apply(BS_CLI_GLOBAL);
 * `serve` then gives its own options and applies BS_CLI_SERVE. */

/* The option's name without the dashes, which is also its config key. */
const char *bs_cli_key_name(bs_cli_key key);
bs_cli_scope bs_cli_key_scope(bs_cli_key key);

/* Whether `--name` (name[0..len)) is an option of `bitslot` itself. */
bool bs_cli_global_option(const char *name, size_t len);

/* A value given on the command line. `text` must live as long as cli. */
void bs_cli_flag(bs_cli *cli, bs_cli_key key, const char *text);

/* Read the config file `path` (NULL: none) and the environment. Every line
 * of the file is checked, keys of serve included, whatever the command and
 * whatever overrides it. On an error prints one line naming the file (and
 * line) and returns BS_EXIT_USAGE; else BS_EXIT_OK. cli keeps the file's
 * text until bs_cli_release(). */
int bs_cli_settings_read(bs_cli *cli, const char *path);

/* Check the value of each setting of `scope` and set it in cli (the
 * defaults included). On an error prints it (after FILE:LINE: when it came
 * from the file) and returns BS_EXIT_USAGE; else BS_EXIT_OK. */
int bs_cli_settings_apply(bs_cli *cli, bs_cli_scope scope);

/* Close the store and node the context opened, free the config file's text;
 * cli may then go. */
void bs_cli_release(bs_cli *cli);

typedef struct bs_cli_command {
    const char *name;    /* "init", or "account create" for a group */
    const char *args;    /* the usage after the name, e.g. "[PREFIX]" */
    const char *summary; /* one line for `bitslot --help` */
    const char *help;    /* the text after the usage for `bitslot NAME --help` */
    /* argv[0] is the (last word of the) command name. `--help` anywhere has
     * already been answered by the dispatcher. */
    int (*run)(bs_cli *cli, const struct bs_cli_command *cmd, int argc, char **argv);
} bs_cli_command;

/* The commands of each cli_*.c file, NULL-name terminated. */
extern const bs_cli_command bs_cli_store_commands[];
extern const bs_cli_command bs_cli_account_commands[];
extern const bs_cli_command bs_cli_campaign_commands[];
extern const bs_cli_command bs_cli_ad_commands[];
extern const bs_cli_command bs_cli_trade_commands[];
extern const bs_cli_command bs_cli_funds_commands[];
extern const bs_cli_command bs_cli_withdraw_commands[];
extern const bs_cli_command bs_cli_serve_commands[];
extern const bs_cli_command bs_cli_ops_commands[];

/* What `serve` runs (cli_serve.c has its table entry). Two programs are
 * built from the same commands and differ only here: `bitslot-serve`
 * (cli_serve_run.c) runs the web server in the process, and links h2o;
 * `bitslot` (cli_serve_exec.c) links no server, and replaces itself with
 * the `bitslot-serve` beside it, given the same command line, so that no
 * other command loads h2o and what it pulls in (issue 9). */
int bs_cli_serve_run(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv);

/* Open the store on first use and make the context. On failure prints the
 * error and returns the exit code to return; BS_EXIT_OK otherwise. */
int bs_cli_ctx(bs_cli *cli, bs_ctx **ctx);
int bs_cli_store(bs_cli *cli, bs_store **store);

/* The context for a command on deposit keys (with the node when
 * `with_node`), refused at once when the store's keys are of another
 * network than --network: every address would be checked against the wrong
 * one (outside test: "is not a main address" for a regtest address). */
int bs_cli_keys_ctx(bs_cli *cli, bool with_node, bs_ctx **ctx);

/* The context with the node connected (its watch-only wallet created if
 * missing). Prints the error and returns its exit code on failure. */
int bs_cli_ctx_with_node(bs_cli *cli, bs_ctx **ctx);

/* The context with the node and its payout wallet (--payout-wallet)
 * connected. Prints the error and returns its exit code on failure. */
int bs_cli_ctx_with_payout(bs_cli *cli, bs_ctx **ctx);

/* Print "bitslot: <message>" and a newline to stderr. */
void bs_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* bs_cli_error(), then BS_EXIT_REFUSED: for a refusal by a rule. */
int bs_cli_refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Say on one line that arguments are missing, with the usage of the
 * command, and return BS_EXIT_USAGE. */
int bs_cli_usage(const bs_cli_command *cmd);

/* The exit code for a status returned by the core or the store. */
int bs_cli_exit_code(bs_status st);

/* Print what core/words.h said, and return its exit code. */
int bs_cli_said(const bs_said *said);

/* Print the generic message for a store/core failure and return its exit
 * code: `what` says what was being done ("cannot read account \"bob\""). */
int bs_cli_fail(bs_status st, const char *what);

/* Print `value` as one line of JSON on stdout and drop the reference.
 * Returns the exit code (out of memory: 3). */
int bs_cli_print_json(json_t *value);

/* Print items[0..count) (each `size` bytes) as one JSON array, each item as
 * view() makes it. Returns the exit code. */
typedef json_t *(*bs_cli_view)(const void *item);
int bs_cli_print_list(const void *items, size_t count, size_t size, bs_cli_view view);

/* Options of a subcommand: `--name VALUE` or `--name=VALUE` (flag options
 * take no value). Everything else is positional, including negative numbers
 * such as -500; `--` ends the options. */
typedef struct bs_cli_option {
    const char *name; /* without the dashes */
    bool takes_value;
    const char *value; /* out: the value, or "" for a flag given; NULL if absent */
} bs_cli_option;

/* Parse argv[1..argc) into `options` and `positional` (at most `max_pos`).
 * On a usage error prints it and returns BS_EXIT_USAGE; else BS_EXIT_OK with
 * *npos set. */
int bs_cli_parse(const bs_cli_command *cmd, int argc, char **argv, bs_cli_option *options,
                 size_t noptions, const char **positional, size_t max_pos, size_t *npos);

/* For a command that takes no arguments: BS_EXIT_OK, or the usage error
 * naming the first stray argument. */
int bs_cli_no_arguments(const bs_cli_command *cmd, int argc, char **argv);

/* Parse an option or argument that must be a whole number in [min, max];
 * otherwise print "invalid <what> \"<text>\" (<rule>)" and return
 * BS_EXIT_USAGE. */
int bs_cli_integer(const char *text, const char *what, const char *rule, int64_t min, int64_t max,
                   int64_t *out);

/* The same check, printing nothing: false with that sentence (without
 * "bitslot: ") in why[size]. */
bool bs_cli_integer_check(const char *text, const char *what, const char *rule, int64_t min,
                          int64_t max, int64_t *out, char *why, size_t size);

/* The sentence for a store URL, or a node URL (shown without its password),
 * that is not well formed, into why[size]. */
void bs_cli_bad_store_url(const char *url, char *why, size_t size);
void bs_cli_bad_node_url(const char *url, char *why, size_t size);

/* Print "invalid <label> \"<text>\" (<rule>)" for a value that breaks the
 * rule of its field (model/field.h) and return BS_EXIT_USAGE. The text is
 * shown only when it is short and safe to print. */
int bs_cli_invalid(bs_field field, const char *text);

/* Parse a reference OWNER/NUMBER to a `what` ("campaign", "ad"), or print
 * why not and return BS_EXIT_USAGE. */
int bs_cli_ref(const char *text, const char *what, bs_ref *ref);

#endif
