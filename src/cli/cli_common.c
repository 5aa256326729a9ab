/*
 * cli_common.c — see cli.h: context, errors, JSON output, option parsing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/credit.h"
#include "core/docs.h"
#include "util/text.h"

/* The length of the UTF-8 sequence `p` begins (1 for a byte that begins
 * none). */
static size_t
sequence_length(const unsigned char *p)
{
    return *p >= 0xf0 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc0 ? 2 : 1;
}

/* Print `line` with what is not safe to show (control characters, terminal
 * escapes, direction overrides, invalid UTF-8: util/text.h) written as
 * \xNN, so that a message quoting what a user typed can never rewrite the
 * terminal or read backwards. */
static void
print_safely(const char *line, FILE *to)
{
    for (const unsigned char *p = (const unsigned char *)line; *p != '\0';) {
        size_t n = sequence_length(p);

        if (strnlen((const char *)p, n) == n && bs_text_clean_utf8((const char *)p, n, NULL)) {
            fwrite(p, 1, n, to);
            p += n;
        } else {
            fprintf(to, "\\x%02x", *p);
            p++;
        }
    }
}

static void
report(const char *fmt, va_list ap)
{
    char line[4096];

    vsnprintf(line, sizeof(line), fmt, ap);
    fputs("bitslot: ", stderr);
    print_safely(line, stderr);
    fputc('\n', stderr);
}

void
bs_cli_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
}

int
bs_cli_refuse(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(fmt, ap);
    va_end(ap);
    return BS_EXIT_REFUSED;
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
    case BS_INSUFFICIENT:
    case BS_PRICE_LIMIT:
    case BS_STALE:
    case BS_SOLD:
    case BS_MISMATCH:
    case BS_FORBIDDEN:
    case BS_EXHAUSTED:
    case BS_OVERFLOW:
    case BS_THROTTLED:
        return BS_EXIT_REFUSED;
    default:
        return BS_EXIT_UNAVAILABLE;
    }
}

int
bs_cli_said(const bs_said *said)
{
    bs_cli_error("%s", said->text);
    return bs_said_exit_code(said);
}

int
bs_cli_fail(bs_status st, const char *what)
{
    if (st == BS_CONFLICT)
        bs_cli_error("%s: too many changes at the same time; retry in a few seconds", what);
    else if (st == BS_UNCERTAIN)
        bs_cli_error("%s: the outcome is unknown (the store stopped answering after the change "
                     "was sent); look before you retry",
                     what);
    else
        bs_cli_error("%s: %s", what, bs_strerror(st));
    return bs_cli_exit_code(st);
}

int
bs_cli_store(bs_cli *cli, bs_store **store)
{
    bs_ctx *ctx;
    int rc = bs_cli_ctx(cli, &ctx);

    *store = rc == BS_EXIT_OK ? ctx->store : NULL;
    return rc;
}

/* A store URL that names no store: a typo must not look like a store
 * whose data is gone (nor become a new, empty one). */
static int
no_store(const char *url)
{
    bs_cli_error("no bitslot store at \"%s\": check --store (or BITSLOT_STORE), or create one "
                 "with 'bitslot init'",
                 url);
    return BS_EXIT_USAGE;
}

/* Every store that `init` made has the operator's account. */
static int
made_by_init(bs_cli *cli)
{
    bs_account operator;
    bs_status st = bs_docs_account(&cli->ctx, cli->ctx.operator_name, &operator, NULL);

    if (st == BS_OK) {
        bs_account_release(&operator);
        return BS_EXIT_OK;
    }
    if (st == BS_NOTFOUND)
        return no_store(cli->store_url);
    return bs_cli_fail(st, "cannot open the store");
}

int
bs_cli_ctx(bs_cli *cli, bs_ctx **out)
{
    bs_store *store;
    bs_status st;
    int rc;

    if (!cli->have_ctx) {
        st = cli->store_need == BS_CLI_STORE_CREATE
                 ? bs_store_open(cli->store_url, &store)
                 : bs_store_open_existing(cli->store_url, &store);
        if (st == BS_INVALID) {
            char why[1024];

            bs_cli_bad_store_url(cli->store_url, why, sizeof(why));
            bs_cli_error("%s", why);
            return BS_EXIT_USAGE;
        }
        if (st == BS_NOTFOUND)
            return no_store(cli->store_url);
        if (st != BS_OK) {
            bs_cli_error("cannot open store \"%s\": %s", cli->store_url, bs_strerror(st));
            return BS_EXIT_UNAVAILABLE;
        }
        bs_ctx_init(&cli->ctx, store);
        cli->ctx.fee_bp = cli->fee_bp;
        cli->ctx.network = cli->network;
        cli->ctx.confirmations = cli->confirmations;
        cli->ctx.min_deposit = cli->min_deposit;
        cli->ctx.check_interval = cli->check_interval;
        cli->ctx.min_withdrawal = cli->min_withdrawal;
        cli->ctx.withdraw_fee_bp = cli->withdraw_fee_bp;
        if (cli->now != NULL)
            cli->ctx.clock = bs_clock_fixed(&cli->now_value);
        cli->have_ctx = true;
        if (cli->store_need == BS_CLI_STORE_BITSLOT && (rc = made_by_init(cli)) != BS_EXIT_OK)
            return rc;
    }
    *out = &cli->ctx;
    return BS_EXIT_OK;
}

void
bs_cli_release(bs_cli *cli)
{
    if (cli->have_ctx) {
        bs_rpc_close(cli->ctx.payout);
        bs_rpc_close(cli->ctx.node);
        bs_store_close(cli->ctx.store);
        cli->have_ctx = false;
    }
    free(cli->config_text);
    cli->config_text = NULL;
}

int
bs_cli_print_json(json_t *value)
{
    char *text;

    if (value == NULL)
        return bs_cli_fail(BS_NOMEM, "cannot show the result");
    text = json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
    json_decref(value);
    if (text == NULL)
        return bs_cli_fail(BS_NOMEM, "cannot show the result");
    puts(text);
    free(text);
    return BS_EXIT_OK;
}

int
bs_cli_print_list(const void *items, size_t count, size_t size, bs_cli_view view)
{
    json_t *array = json_array();

    for (size_t i = 0; array != NULL && i < count; i++) {
        if (json_array_append_new(array, view((const char *)items + i * size)) != 0) {
            json_decref(array);
            array = NULL;
        }
    }
    return bs_cli_print_json(array);
}

static bs_cli_option *
find_option(bs_cli_option *options, size_t n, const char *name, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(options[i].name) == len && memcmp(options[i].name, name, len) == 0)
            return &options[i];
    return NULL;
}

int
bs_cli_parse(const bs_cli_command *cmd, int argc, char **argv, bs_cli_option *options,
             size_t noptions, const char **positional, size_t max_pos, size_t *npos)
{
    bool options_done = false;

    *npos = 0;
    for (size_t i = 0; i < noptions; i++)
        options[i].value = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!options_done && strcmp(arg, "--") == 0) {
            options_done = true;
        } else if (!options_done && arg[0] == '-' && !(arg[1] >= '0' && arg[1] <= '9')) {
            const char *name = arg + (arg[1] == '-' ? 2 : 1);
            const char *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            bs_cli_option *opt = arg[1] == '-' ? find_option(options, noptions, name, len) : NULL;

            if (opt == NULL && arg[1] == '-' && bs_cli_global_option(name, len)) {
                bs_cli_error("option \"--%.*s\" goes before the command: 'bitslot --%.*s ... %s'",
                             (int)len, name, (int)len, name, cmd->name);
                return BS_EXIT_USAGE;
            }
            if (opt == NULL) {
                bs_cli_error("unknown option \"%s\"; see 'bitslot %s --help'", arg, cmd->name);
                return BS_EXIT_USAGE;
            }
            if (opt->value != NULL) {
                bs_cli_error("option \"--%s\" is given twice", opt->name);
                return BS_EXIT_USAGE;
            }
            if (!opt->takes_value) {
                if (eq != NULL) {
                    bs_cli_error("option \"--%s\" takes no value", opt->name);
                    return BS_EXIT_USAGE;
                }
                opt->value = "";
            } else if (eq != NULL) {
                opt->value = eq + 1;
            } else if (i + 1 < argc) {
                opt->value = argv[++i];
            } else {
                bs_cli_error("option \"--%s\" needs a value", opt->name);
                return BS_EXIT_USAGE;
            }
        } else if (*npos < max_pos) {
            positional[(*npos)++] = arg;
        } else {
            bs_cli_error("unexpected argument \"%s\"; see 'bitslot %s --help'", arg, cmd->name);
            return BS_EXIT_USAGE;
        }
    }
    return BS_EXIT_OK;
}

int
bs_cli_no_arguments(const bs_cli_command *cmd, int argc, char **argv)
{
    size_t npos;

    return bs_cli_parse(cmd, argc, argv, NULL, 0, NULL, 0, &npos);
}

bool
bs_cli_integer_check(const char *text, const char *what, const char *rule, int64_t min, int64_t max,
                     int64_t *out, char *why, size_t size)
{
    char *end;
    long long value;

    errno = 0;
    value = strtoll(text, &end, 10);
    if (!bs_text_decimal(text + (text[0] == '-'), strlen(text + (text[0] == '-'))) ||
        strcmp(text, "-0") == 0 || *end != '\0' || errno != 0 || value < min || value > max) {
        snprintf(why, size, "invalid %s \"%s\" (%s)", what, text, rule);
        return false;
    }
    *out = value;
    return true;
}

int
bs_cli_integer(const char *text, const char *what, const char *rule, int64_t min, int64_t max,
               int64_t *out)
{
    char why[1024];

    if (!bs_cli_integer_check(text, what, rule, min, max, out, why, sizeof(why))) {
        bs_cli_error("%s", why);
        return BS_EXIT_USAGE;
    }
    return BS_EXIT_OK;
}

int
bs_cli_ref(const char *text, const char *what, bs_ref *ref)
{
    bs_said said;

    if (bs_ref_parse(text, ref) != BS_OK) {
        bs_say_invalid_ref(what, text, &said);
        return bs_cli_said(&said);
    }
    return BS_EXIT_OK;
}

int
bs_cli_invalid(bs_field field, const char *text)
{
    bs_said said;

    bs_say_invalid(field, text, &said);
    return bs_cli_said(&said);
}

/* The node URL without its password, for messages. */
static void
redact_url(const char *url, char *out, size_t size)
{
    const char *scheme = strstr(url, "://"), *at, *colon;

    snprintf(out, size, "%s", url);
    if (scheme == NULL)
        return;
    at = strchr(scheme + 3, '@');
    colon = strchr(scheme + 3, ':');
    if (at != NULL && colon != NULL && colon < at)
        snprintf(out, size, "%.*s:***%s", (int)(colon - url), url, at);
}

void
bs_cli_bad_store_url(const char *url, char *why, size_t size)
{
    snprintf(why, size,
             "invalid store URL \"%s\" (expected lmdb:PATH or etcd:http://HOST:PORT,...)", url);
}

void
bs_cli_bad_node_url(const char *url, char *why, size_t size)
{
    char shown[512];

    redact_url(url, shown, sizeof(shown));
    snprintf(why, size,
             "invalid node URL \"%s\" (http://USER:PASSWORD@HOST:PORT/wallet/NAME; a NAME "
             "is " BS_RPC_WALLET_NAME_RULE ")",
             shown);
}

int
bs_cli_ctx_with_node(bs_cli *cli, bs_ctx **out)
{
    char shown[512];
    bs_rpc_error err = {0};
    bs_status st;
    int rc = bs_cli_ctx(cli, out);

    if (rc != BS_EXIT_OK || (*out)->node != NULL)
        return rc;
    if (cli->node_url == NULL) {
        bs_cli_error("no bitcoin node is configured: give --node URL or set BITSLOT_NODE");
        return BS_EXIT_USAGE;
    }
    redact_url(cli->node_url, shown, sizeof(shown));
    st = bs_rpc_open(cli->node_url, NULL, &(*out)->node);
    if (st == BS_OK)
        st = bs_rpc_ensure_wallet((*out)->node, &err);
    if (st == BS_OK)
        return BS_EXIT_OK;
    bs_rpc_close((*out)->node);
    (*out)->node = NULL;
    if (st == BS_INVALID) { /* a malformed URL, or no wallet or a bad name in it */
        char why[1024];

        bs_cli_bad_node_url(cli->node_url, why, sizeof(why));
        bs_cli_error("%s", why);
        return BS_EXIT_USAGE;
    }
    if (st == BS_CORRUPT) /* rpc.h: an answer that is not JSON-RPC */
        bs_cli_error("the node at \"%s\" answered something that is not JSON-RPC", shown);
    else if (st == BS_AUTH)
        bs_cli_error("the node at \"%s\" refused the user name or password", shown);
    else if (st == BS_MISMATCH)
        bs_cli_error("the wallet of \"%s\" holds private keys; bitslot needs a watch-only wallet",
                     shown);
    else if (st == BS_REMOTE)
        bs_cli_error("the node at \"%s\" answered: %s", shown, err.message);
    else
        bs_cli_error("cannot reach the node at \"%s\": %s", shown, bs_strerror(st));
    return BS_EXIT_UNAVAILABLE;
}

int
bs_cli_ctx_with_payout(bs_cli *cli, bs_ctx **out)
{
    bs_rpc_error err = {0};
    int64_t balance;
    bs_status st;
    int rc;

    if (cli->payout_wallet == NULL) {
        bs_cli_error("no payout wallet is configured: give --payout-wallet NAME (a wallet of the "
                     "node that holds the coins to pay withdrawals with) or set "
                     "BITSLOT_PAYOUT_WALLET");
        return BS_EXIT_USAGE;
    }
    rc = bs_cli_ctx_with_node(cli, out);
    if (rc != BS_EXIT_OK || (*out)->payout != NULL)
        return rc;
    st = bs_rpc_open_wallet((*out)->node, cli->payout_wallet, &(*out)->payout);
    if (st == BS_OK)
        st = bs_rpc_getbalance((*out)->payout, 0, &balance, &err);
    if (st == BS_OK)
        return BS_EXIT_OK;
    bs_rpc_close((*out)->payout);
    (*out)->payout = NULL;
    if (st == BS_REMOTE && err.code == BS_RPC_ERR_WALLET_NOT_FOUND)
        bs_cli_error("the node has no payout wallet \"%s\" loaded (create it with createwallet, "
                     "fund it, or load it)",
                     cli->payout_wallet);
    else if (st == BS_REMOTE)
        bs_cli_error("the node's payout wallet \"%s\" answered: %s", cli->payout_wallet,
                     err.message);
    else
        bs_cli_error("cannot reach the node's payout wallet \"%s\": %s", cli->payout_wallet,
                     bs_strerror(st));
    return BS_EXIT_UNAVAILABLE;
}
