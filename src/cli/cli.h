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

typedef struct bs_cli {
    const char *store_url;  /* from --store, BITSLOT_STORE or the default */
    int64_t fee_bp;         /* from --fee-bp or BITSLOT_FEE_BP */
    const char *node_url;   /* --node or BITSLOT_NODE; NULL: none */
    bs_network network;     /* --network or BITSLOT_NETWORK */
    int64_t confirmations;  /* --confirmations or BITSLOT_CONFIRMATIONS */
    int64_t min_deposit;    /* --min-deposit or BITSLOT_MIN_DEPOSIT */
    int64_t check_interval; /* --check-interval or BITSLOT_CHECK_INTERVAL */
    const char *now;        /* BITSLOT_NOW: a fixed clock (tests, replay) */
    int64_t now_value;
    bs_cli_store_need store_need; /* set by the command before bs_cli_ctx() */
    bool have_ctx;
    bs_ctx ctx; /* valid once bs_cli_ctx() succeeded */
} bs_cli;

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
extern const bs_cli_command bs_cli_serve_commands[];

/* Open the store on first use and make the context. On failure prints the
 * error and returns the exit code to return; BS_EXIT_OK otherwise. */
int bs_cli_ctx(bs_cli *cli, bs_ctx **ctx);
int bs_cli_store(bs_cli *cli, bs_store **store);

/* The context with the node connected (its watch-only wallet created if
 * missing). Prints the error and returns its exit code on failure. */
int bs_cli_ctx_with_node(bs_cli *cli, bs_ctx **ctx);

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

/* Print "invalid <label> \"<text>\" (<rule>)" for a value that breaks the
 * rule of its field (model/field.h) and return BS_EXIT_USAGE. The text is
 * shown only when it is short and safe to print. */
int bs_cli_invalid(bs_field field, const char *text);

/* Parse a reference OWNER/NUMBER to a `what` ("campaign", "ad"), or print
 * why not and return BS_EXIT_USAGE. */
int bs_cli_ref(const char *text, const char *what, bs_ref *ref);

#endif
