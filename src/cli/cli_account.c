/*
 * cli_account.c — account commands:
 *   account create NAME            (password on stdin)
 *   account show NAME
 *   account adjust NAME ±SATS --reason TEXT
 *   account history NAME [--after SEQ] [--limit N]
 *   account new-key NAME
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/accounts.h"
#include "core/books.h"
#include "core/docs.h"
#include "core/words.h"
#include "core/recover.h"
#include "util/money.h"

/* Read the password from stdin: everything up to EOF, without one trailing
 * newline. *len > BS_PASSWORD_MAX means too long. */
static void
read_password(char *buf, size_t size, size_t *len)
{
    size_t n = fread(buf, 1, size, stdin);

    if (n > 0 && buf[n - 1] == '\n')
        n--;
    if (n > 0 && buf[n - 1] == '\r')
        n--;
    *len = n;
}

static int
run_create(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    char password[BS_PASSWORD_MAX + 2], api_key[BS_API_KEY_LEN + 1];
    const char *pos[1];
    bs_said said;
    size_t npos, len;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, NULL, 0, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if (!bs_name_valid(pos[0]))
        return bs_cli_invalid(BS_FIELD_NAME, pos[0]);
    read_password(password, sizeof(password), &len);
    if (!bs_accounts_password_ok(len)) {
        bs_say_password_length("(read from standard input)", &said);
        return bs_cli_said(&said);
    }
    rc = bs_cli_ctx(cli, &ctx);
    if (rc != BS_EXIT_OK)
        return rc;
    st = bs_accounts_create(ctx, pos[0], password, len, api_key);
    memset(password, 0, sizeof(password));
    if (st != BS_OK) {
        bs_say_account_create(st, pos[0], &said);
        return bs_cli_said(&said);
    }
    return bs_cli_print_json(json_pack("{s:s, s:s}", "name", pos[0], "api_key", api_key));
}

/* A name that can be an account's, or a printed usage error. */
static int
account_name(const char *name)
{
    return bs_name_valid(name) ? BS_EXIT_OK : bs_cli_invalid(BS_FIELD_NAME, name);
}

static int
account_failure(bs_status st, const char *name)
{
    char what[128];

    if (st == BS_NOTFOUND)
        return bs_cli_refuse("no account \"%s\"", name);
    snprintf(what, sizeof(what), "account \"%s\"", name);
    return bs_cli_fail(st, what);
}

static int
run_show(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    const char *pos[1];
    bs_account a;
    size_t npos;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, NULL, 0, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if ((rc = account_name(pos[0])) != BS_EXIT_OK || (rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_accounts_show(ctx, pos[0], &a);
    if (st != BS_OK)
        return account_failure(st, pos[0]);
    rc = bs_cli_print_json(bs_account_view(&a));
    bs_account_release(&a);
    return rc;
}

static int
run_adjust(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"reason", true, NULL}};
    const char *pos[2];
    int64_t amount, balance;
    bs_account account;
    bs_name canon;
    size_t npos;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 1, pos, 2, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 2)
        return bs_cli_usage(cmd);
    if ((rc = account_name(pos[0])) != BS_EXIT_OK)
        return rc;
    if (bs_money_parse(pos[1], true, &amount) != BS_OK || amount == 0) {
        bs_cli_error("invalid amount \"%s\" (nonzero whole satoshis, with a sign to take away, "
                     "at most 21 million BTC)",
                     pos[1]);
        return BS_EXIT_USAGE;
    }
    if (opts[0].value == NULL || opts[0].value[0] == '\0') {
        bs_cli_error("an adjustment needs --reason TEXT (it goes into the ledger)");
        return BS_EXIT_USAGE;
    }
    if (!bs_field_valid(BS_FIELD_REASON, opts[0].value))
        return bs_cli_invalid(BS_FIELD_REASON, opts[0].value);
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_accounts_adjust(ctx, pos[0], amount, opts[0].value, &balance);
    if (st == BS_INSUFFICIENT)
        return bs_cli_refuse(
            "account \"%s\" has less than %lld sat: a balance cannot go below zero", pos[0],
            (long long)-amount);
    if (st == BS_OVERFLOW)
        return bs_cli_refuse("the balance of \"%s\" would be above 21 million BTC", pos[0]);
    if (st == BS_LOCKED)
        return bs_cli_refuse("account \"%s\" is buying a slot; retry in a few seconds", pos[0]);
    if (st == BS_UNCERTAIN) {
        bs_cli_error("the outcome of the adjustment is unknown (the store stopped answering): see "
                     "'bitslot account history %s' before you retry",
                     pos[0]);
        return BS_EXIT_UNAVAILABLE;
    }
    if (st != BS_OK)
        return account_failure(st, pos[0]);
    /* The account's name as registered, as `account show` prints it, not
     * as typed. */
    bs_name_canonical(pos[0], canon);
    if (bs_docs_account(ctx, canon, &account, NULL) == BS_OK) {
        rc = bs_cli_print_json(json_pack("{s:s, s:I, s:I}", "name", account.name, "amount", amount,
                                         "balance", balance));
        bs_account_release(&account);
    } else {
        rc = bs_cli_print_json(
            json_pack("{s:s, s:I, s:I}", "name", canon, "amount", amount, "balance", balance));
    }
    return rc;
}

static json_t *
entry_view(const void *entry)
{
    return bs_ledger_entry_json(entry);
}

static int
run_history(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"after", true, NULL}, {"limit", true, NULL}};
    int64_t after = 0, limit = 100;
    bs_ledger_entry *entries;
    const char *pos[1];
    bs_name canon;
    size_t npos, count;
    bs_ctx *ctx;
    bool more;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 2, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if ((opts[0].value && bs_cli_integer(opts[0].value, "--after", "an entry number, 0 or more", 0,
                                         INT64_MAX, &after) != BS_EXIT_OK) ||
        (opts[1].value && bs_cli_integer(opts[1].value, "--limit", "1 to 1000", 1,
                                         BS_STORE_SCAN_MAX, &limit) != BS_EXIT_OK))
        return BS_EXIT_USAGE;
    if ((rc = account_name(pos[0])) != BS_EXIT_OK || (rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    bs_name_canonical(pos[0], canon);
    st = bs_recover_account(ctx, canon);
    if (st == BS_OK)
        st = bs_books_history(ctx, canon, after, (size_t)limit, &entries, &count, &more);
    if (st != BS_OK)
        return account_failure(st, pos[0]);
    rc = bs_cli_print_list(entries, count, sizeof(*entries), entry_view);
    /* A page, not the whole ledger: say so, and where the next one starts. */
    if (rc == BS_EXIT_OK && more && count > 0)
        bs_cli_error("more entries follow: 'bitslot account history %s --after %lld'", canon,
                     (long long)entries[count - 1].seq);
    free(entries);
    return rc;
}

static int
run_new_key(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    char api_key[BS_API_KEY_LEN + 1];
    const char *pos[1];
    bs_account account;
    bs_name canon;
    size_t npos;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, NULL, 0, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if ((rc = account_name(pos[0])) != BS_EXIT_OK || (rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    bs_name_canonical(pos[0], canon);
    st = bs_accounts_new_api_key(ctx, canon, api_key);
    if (st == BS_UNCERTAIN) {
        bs_cli_error("the outcome of the new key is unknown (the store stopped answering): make "
                     "another with 'bitslot account new-key %s'",
                     canon);
        return BS_EXIT_UNAVAILABLE;
    }
    if (st != BS_OK)
        return account_failure(st, pos[0]);
    /* The name as registered, as `account show` prints it. */
    if (bs_docs_account(ctx, canon, &account, NULL) == BS_OK) {
        rc = bs_cli_print_json(json_pack("{s:s, s:s}", "name", account.name, "api_key", api_key));
        bs_account_release(&account);
    } else {
        rc = bs_cli_print_json(json_pack("{s:s, s:s}", "name", canon, "api_key", api_key));
    }
    sodium_memzero(api_key, sizeof(api_key));
    return rc;
}

const bs_cli_command bs_cli_account_commands[] = {
    {"account create", "NAME", "register an account (password on standard input)",
     "Registers NAME (letters, digits and _, at most 64; unique in any case) with the\n"
     "password read from standard input (8 to 1024 bytes; one trailing newline is\n"
     "dropped). Prints {\"name\", \"api_key\"}: the API key is shown this once.",
     run_create},
    {"account show", "NAME", "show an account's balance and lock",
     "Finishes anything the account was in the middle of, then prints it as JSON:\n"
     "name, balance (satoshis), lock (null or the purchase in progress), created.",
     run_show},
    {"account adjust", "NAME ±SATS --reason TEXT", "add to or take from a balance (operator)",
     "Changes the balance of NAME by SATS (e.g. 50000 or -1200), recording TEXT (1 to\n"
     "512 bytes of text without control characters or direction overrides) in its\n"
     "ledger. A balance never goes below zero, nor above 21 million BTC. Prints the\n"
     "new balance.",
     run_adjust},
    {"account history", "NAME [--after SEQ] [--limit N]", "list an account's ledger",
     "Prints the ledger entries of NAME in order as a JSON array: each balance change\n"
     "with its kind (adjust, purchase, sale, fee, deposit, withdrawal), amount and the\n"
     "balance after it. --after SEQ starts after entry SEQ; --limit N (default 100,\n"
     "at most 1000). When more entries follow, a line on stderr says how to see them.",
     run_history},
    {"account new-key", "NAME", "give an account a new API key (operator)",
     "Makes a new API key for NAME and prints {\"name\", \"api_key\"}: the key is shown\n"
     "this once, and the old one stops working. The operator's account gets its key so\n"
     "(bitslot account new-key operator): it is the only key the operator's routes of\n"
     "the API (/api/v1/admin/...) accept. The operator's account has no password and\n"
     "cannot log in to the pages.",
     run_new_key},
    {NULL, NULL, NULL, NULL, NULL},
};
