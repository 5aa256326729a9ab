/*
 * cli_funds.c — deposit keys and funding:
 *   keys import FILE [--sets N] [--page-size N]
 *   keys derive --xpub KEY --count N [--type TYPE] [--sets N] [--page-size N]
 *   keys status
 *   funds get-key NAME      {"key": ADDRESS}
 *   funds check NAME        {"key", "pending", "confirmed", "cached"}
 *   funds done NAME         {"credited", "balance"}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chain/bip32.h"
#include "cli/cli.h"
#include "core/docs.h"
#include "core/funding.h"
#include "core/keyimport.h"
#include "core/keys.h"
#include "util/grow.h"

#define IMPORT_MAX BS_DERIVE_MAX

int
bs_cli_keys_ctx(bs_cli *cli, bool with_node, bs_ctx **ctx)
{
    bs_keyconfig cfg;
    bs_status st;
    int rc = bs_cli_ctx(cli, ctx);

    if (rc != BS_EXIT_OK)
        return rc;
    st = bs_keys_config(*ctx, &cfg);
    if (st == BS_OK && strcmp(cfg.network, bs_network_name((*ctx)->network)) != 0) {
        bs_cli_error("this store's deposit keys are for network \"%s\", not \"%s\": give "
                     "--network %s (or BITSLOT_NETWORK=%s)",
                     cfg.network, bs_network_name((*ctx)->network), cfg.network, cfg.network);
        return BS_EXIT_USAGE;
    }
    if (st != BS_OK && st != BS_NOTFOUND)
        return bs_cli_fail(st, "cannot read the store's key configuration");
    return with_node ? bs_cli_ctx_with_node(cli, ctx) : BS_EXIT_OK;
}

static int
layout_options(const bs_cli_option *sets, const bs_cli_option *page, bs_keys_layout *layout)
{
    layout->sets = 0;
    layout->page_size = 0;
    if ((sets->value != NULL && bs_cli_integer(sets->value, "number of key sets", "1 to 100000", 1,
                                               BS_KEYS_SETS_MAX, &layout->sets) != 0) ||
        (page->value != NULL && bs_cli_integer(page->value, "page size", "1 to 1000", 1,
                                               BS_KEYS_PAGE_SIZE_MAX, &layout->page_size) != 0))
        return BS_EXIT_USAGE;
    return BS_EXIT_OK;
}

static int
keys_refused(bs_status st, const bs_ctx *ctx)
{
    if (st == BS_MISMATCH) {
        bs_keyconfig cfg;
        if (bs_keys_config((bs_ctx *)ctx, &cfg) == BS_OK)
            bs_cli_error("the store's deposit keys are laid out as %lld sets of %lld-key pages; "
                         "give the same --sets and --page-size, or leave them out",
                         (long long)cfg.sets, (long long)cfg.page_size);
        else
            bs_cli_error("the key's address type does not match");
        return BS_EXIT_REFUSED;
    }
    return bs_cli_fail(st, "cannot add the keys");
}

/* An import that met another one: why nothing was imported (or added). */
static int
import_conflict(bs_import_why why, const char *verb)
{
    switch (why) {
    case BS_IMPORT_WHY_EARLIER:
        return bs_cli_refuse("an earlier import of some of the same addresses is at work; "
                             "nothing was %s by this one: retry when it is over",
                             verb);
    case BS_IMPORT_WHY_TAKEN:
        return bs_cli_refuse("another import of some of the same addresses took them over and "
                             "goes on; nothing was %s by this one",
                             verb);
    default:
        return bs_cli_refuse("this import was stopped by another import of some of the same "
                             "addresses, which was refused itself (or by recovery, which took "
                             "it for dead); nothing was %s: run it again",
                             verb);
    }
}

/* Stop reading the addresses of `path`: say why (with its line when
 * lineno > 0), free what was read. */
static int
refuse_addresses(FILE *f, const char *path, size_t lineno, const char *why,
                 char (**out)[BS_ADDRESS_MAX], size_t **lines)
{
    if (lineno > 0)
        bs_cli_error("\"%s\" line %zu: %s; nothing was imported", path, lineno, why);
    else
        bs_cli_error("cannot read \"%s\": %s", path, why);
    fclose(f);
    free(*out);
    free(*lines);
    *out = NULL;
    *lines = NULL;
    return BS_EXIT_REFUSED;
}

/* Read one address a line; blank lines and lines starting with # are
 * skipped, surrounding spaces dropped. A line is text: a NUL byte in it
 * refuses the whole file, never cuts the line short. */
static int
read_addresses(const char *path, char (**out)[BS_ADDRESS_MAX], size_t *count, size_t **lines)
{
    char *line = NULL;
    size_t line_size = 0, cap = 0, lines_cap = 0, lineno = 0;
    ssize_t len;
    struct stat sb;
    FILE *f = fopen(path, "r");
    int rc = BS_EXIT_OK;

    *out = NULL;
    *lines = NULL;
    *count = 0;
    if (f == NULL)
        return bs_cli_refuse("cannot read \"%s\": no such file or not readable", path);
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode))
        return refuse_addresses(f, path, 0, "it is a directory", out, lines);
    while ((len = getline(&line, &line_size, f)) > 0) {
        char *start = line, *end = line + len;

        lineno++;
        if (memchr(line, '\0', (size_t)len) != NULL) {
            rc = refuse_addresses(f, path, lineno, "a NUL byte (is it a text file?)", out, lines);
            break;
        }
        while (*start == ' ' || *start == '\t')
            start++;
        while (end > start &&
               (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
            *--end = '\0';
        if (*start == '\0' || *start == '#')
            continue;
        if ((size_t)(end - start) >= BS_ADDRESS_MAX || *count == IMPORT_MAX) {
            rc = refuse_addresses(f, path, lineno,
                                  *count == IMPORT_MAX ? "more than 1000000 addresses in one import"
                                                       : "not an address (too long)",
                                  out, lines);
            break;
        }
        if (bs_grow(out, &cap, *count, sizeof(**out), 256) ||
            bs_grow(lines, &lines_cap, *count, sizeof(**lines), 256)) {
            rc = refuse_addresses(f, path, 0, "out of memory", out, lines);
            break;
        }
        memcpy((*out)[*count], start, (size_t)(end - start) + 1);
        (*lines)[*count] = lineno;
        (*count)++;
    }
    if (rc == BS_EXIT_OK && ferror(f))
        rc = refuse_addresses(f, path, 0, "a read error before its end", out, lines);
    else if (rc == BS_EXIT_OK)
        fclose(f);
    free(line);
    return rc;
}

static int
run_import(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"sets", true, NULL}, {"page-size", true, NULL}};
    char(*addresses)[BS_ADDRESS_MAX];
    bs_import_report rep;
    bs_keys_layout layout;
    const char *pos[1];
    size_t npos, count, *lines;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 2, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if ((rc = layout_options(&opts[0], &opts[1], &layout)) != BS_EXIT_OK ||
        (rc = read_addresses(pos[0], &addresses, &count, &lines)) != BS_EXIT_OK)
        return rc;
    if (count == 0) {
        bs_cli_error("\"%s\" holds no address", pos[0]);
        rc = BS_EXIT_REFUSED;
        goto free_addresses;
    }
    if ((rc = bs_cli_keys_ctx(cli, false, &ctx)) != BS_EXIT_OK)
        goto free_addresses;
    st = bs_keys_import(ctx, &layout, addresses, count, &rep);
    if (st == BS_INVALID || st == BS_UNSUPPORTED) {
        bs_cli_error("\"%s\" line %zu: \"%s\" is not a %s address%s; nothing was imported", pos[0],
                     lines[rep.bad], rep.address, bs_network_name(ctx->network),
                     st == BS_UNSUPPORTED ? " that coins can be sent to safely (a witness "
                                            "version without a meaning yet)"
                                          : "");
        rc = BS_EXIT_REFUSED;
    } else if (st == BS_EXISTS && rep.repeat_of != SIZE_MAX) {
        bs_cli_error("\"%s\" line %zu: \"%s\" repeats line %zu; nothing was imported", pos[0],
                     lines[rep.bad], rep.address, lines[rep.repeat_of]);
        rc = BS_EXIT_REFUSED;
    } else if (st == BS_EXISTS) {
        bs_cli_error("\"%s\" line %zu: \"%s\" is already known; nothing was imported", pos[0],
                     lines[rep.bad], rep.address);
        rc = BS_EXIT_REFUSED;
    } else if (st == BS_CONFLICT) {
        rc = import_conflict(rep.why, "imported");
    } else if (st == BS_UNCERTAIN) {
        bs_cli_error("the outcome of the import is unknown (the store stopped answering after it "
                     "began): run the same import again to finish it or undo it, then see "
                     "'bitslot keys status'");
        rc = BS_EXIT_UNAVAILABLE;
    } else if (st != BS_OK) {
        rc = keys_refused(st, ctx);
    } else {
        /* The same list again adds nothing and says so. */
        rc = bs_cli_print_json(json_pack("{s:I, s:I}", "imported", (json_int_t)rep.added,
                                         "already_imported", (json_int_t)(count - rep.added)));
    }
free_addresses:
    free(addresses);
    free(lines);
    return rc;
}

static const char *
xpub_problem(int problem)
{
    switch ((bs_bip32_problem)problem) {
    case BS_BIP32_PRIVATE:
        return "that is a private key; give the extended public key (xpub/tpub)";
    case BS_BIP32_WRONG_NETWORK:
        return "that key is for another network";
    case BS_BIP32_CHECKSUM:
        return "its checksum does not match: a typo?";
    default:
        return "not an extended public key";
    }
}

static int
run_derive(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"xpub", true, NULL},
                            {"count", true, NULL},
                            {"type", true, NULL},
                            {"sets", true, NULL},
                            {"page-size", true, NULL}};
    bs_import_report rep;
    bs_keys_layout layout;
    int64_t count;
    const char *pos[1];
    size_t npos;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 5, pos, 0, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (opts[0].value == NULL || opts[1].value == NULL)
        return bs_cli_usage(cmd);
    if (bs_cli_integer(opts[1].value, "count", "1 to 1000000", 1, IMPORT_MAX, &count) != 0 ||
        (rc = layout_options(&opts[3], &opts[4], &layout)) != BS_EXIT_OK)
        return BS_EXIT_USAGE;
    if ((rc = bs_cli_keys_ctx(cli, false, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_keys_derive(ctx, &layout, opts[0].value, opts[2].value, count, &rep);
    if (st == BS_INVALID) {
        bs_cli_error("invalid extended public key: %s", xpub_problem(rep.problem));
        return BS_EXIT_USAGE;
    }
    if (st == BS_CONFLICT)
        return import_conflict(rep.why, "added");
    if (st == BS_UNCERTAIN) {
        bs_cli_error("the outcome of the derive is unknown (the store stopped answering after it "
                     "began): 'bitslot recover' finishes it or undoes it; see 'bitslot keys "
                     "status' before you derive again");
        return BS_EXIT_UNAVAILABLE;
    }
    /* One message for both roads to another type from the same key: --type,
     * or a spelling (ypub, zpub) that makes only another type. Whatever was
     * given, the plain form with --type makes the store's type. */
    if (st == BS_MISMATCH && rep.xpub_type[0] != '\0')
        return bs_cli_refuse("this store derives %s addresses from that key already; give it as "
                             "%s with --type %s to derive more (one key, one type: each index is "
                             "used once)",
                             rep.xpub_type, bs_bip32_form_name(ctx->network, BS_XKEY_XPUB),
                             rep.xpub_type);
    if (st == BS_MISMATCH && opts[2].value != NULL) {
        bs_cli_error("this key cannot make \"%s\" addresses (p2wpkh, p2pkh or p2sh-p2wpkh; a "
                     "zpub only p2wpkh, a ypub only p2sh-p2wpkh)",
                     opts[2].value);
        return BS_EXIT_USAGE;
    }
    if (st != BS_OK)
        return keys_refused(st, ctx);
    return bs_cli_print_json(json_pack("{s:I, s:I, s:I}", "first_index", (json_int_t)rep.first,
                                       "count", (json_int_t)count, "already_known",
                                       (json_int_t)rep.known));
}

static int
run_status(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_keys_stats s;
    bs_ctx *ctx;
    bs_status st;
    int rc;

    if ((rc = bs_cli_no_arguments(cmd, argc, argv)) != BS_EXIT_OK)
        return rc;
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_keys_status(ctx, &s);
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot read the keys");
    return bs_cli_print_json(
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "total", (json_int_t)s.total, "available",
                  (json_int_t)s.available, "handed_out", (json_int_t)s.handed_out,
                  "claimed_not_handed_out", (json_int_t)s.unused, "on_pages",
                  (json_int_t)s.on_pages, "fills_in_progress", (json_int_t)s.filling));
}

static int
run_watch(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"rescan", false, NULL}};
    const char *pos[1];
    int64_t count;
    size_t npos;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 1, pos, 0, &npos);

    if (rc != BS_EXIT_OK || (rc = bs_cli_keys_ctx(cli, true, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_keys_watch_all(ctx, opts[0].value != NULL, &count);
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot have the node watch the keys");
    return bs_cli_print_json(json_pack("{s:I}", "watched", (json_int_t)count));
}

/* The messages the three funds commands share. */
static int
funds_refused(bs_status st, const char *what, const char *name)
{
    bs_said said;

    bs_say_funds(st, what, name, BS_VOICE_COMMAND, &said);
    return bs_cli_said(&said);
}

/* The account must exist (so "no account" is not mistaken for "no key"). */
static int
funds_account(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv, const char **name,
              bs_ctx **ctx)
{
    size_t npos;
    int rc = bs_cli_parse(cmd, argc, argv, NULL, 0, name, 1, &npos);
    bs_account a;
    bs_name canon;
    bs_status st;

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if (!bs_name_valid(*name))
        return bs_cli_invalid(BS_FIELD_NAME, *name);
    if ((rc = bs_cli_keys_ctx(cli, true, ctx)) != BS_EXIT_OK)
        return rc;
    bs_name_canonical(*name, canon);
    st = bs_docs_account(*ctx, canon, &a, NULL);
    if (st != BS_OK)
        return funds_refused(st, "cannot read the account", *name);
    bs_account_release(&a);
    return BS_EXIT_OK;
}

static int
run_get_key(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    char address[BS_ADDRESS_MAX];
    const char *name;
    bs_ctx *ctx;
    bs_status st;
    int rc = funds_account(cli, cmd, argc, argv, &name, &ctx);

    if (rc != BS_EXIT_OK)
        return rc;
    st = bs_funding_get_key(ctx, name, address);
    if (st != BS_OK)
        return funds_refused(st, "cannot give a key", name);
    return bs_cli_print_json(json_pack("{s:s}", "key", address));
}

static int
run_check(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_funding_status s;
    const char *name;
    bs_ctx *ctx;
    bs_status st;
    int rc = funds_account(cli, cmd, argc, argv, &name, &ctx);

    if (rc != BS_EXIT_OK)
        return rc;
    st = bs_funding_check(ctx, name, &s);
    if (st == BS_NOTFOUND) {
        bs_said said;
        bs_say_funds_no_key(name, BS_VOICE_COMMAND, &said);
        return bs_cli_said(&said);
    }
    if (st != BS_OK)
        return funds_refused(st, "cannot check the key", name);
    return bs_cli_print_json(json_pack("{s:s, s:I, s:I, s:b}", "key", s.address, "pending",
                                       (json_int_t)s.pending, "confirmed", (json_int_t)s.confirmed,
                                       "cached", s.cached));
}

static int
run_done(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    int64_t credited, balance;
    const char *name;
    bs_ctx *ctx;
    bs_status st;
    int rc = funds_account(cli, cmd, argc, argv, &name, &ctx);

    if (rc != BS_EXIT_OK)
        return rc;
    st = bs_funding_done(ctx, name, &credited, &balance);
    if (st == BS_NOTFOUND || st == BS_INSUFFICIENT) {
        bs_said said;
        if (st == BS_NOTFOUND)
            bs_say_funds_nothing_to_finish(name, &said);
        else
            bs_say_below_min_deposit(name, credited, ctx->min_deposit, &said);
        return bs_cli_said(&said);
    }
    if (st != BS_OK)
        return funds_refused(st, "cannot credit the key", name);
    return bs_cli_print_json(
        json_pack("{s:I, s:I}", "credited", (json_int_t)credited, "balance", (json_int_t)balance));
}

const bs_cli_command bs_cli_funds_commands[] = {
    {"keys import", "FILE [--sets N] [--page-size N]", "add deposit addresses to the key list",
     "Adds the addresses in FILE (one a line; blank lines and # comments skipped) to the\n"
     "huge key list, for --network. Every address must be valid and new, or nothing is\n"
     "imported; an address is compared in its one spelling (a bech32 address in upper\n"
     "case is the same address). The same list again adds nothing. An import a crash\n"
     "stopped is finished, or undone, by the next import or 'bitslot recover'; of two\n"
     "imports of shared addresses at once, the later one goes on and the other is\n"
     "refused whole. --sets and --page-size fix the layout at the first import\n"
     "(defaults 1000 sets of 100-key pages).",
     run_import},
    {"keys derive", "--xpub KEY --count N [--type TYPE] [--sets N] [--page-size N]",
     "add N deposit addresses derived from an xpub",
     "Adds the next N addresses of the receive chain (0/i) of the extended public key\n"
     "KEY (xpub, tpub, zpub, vpub...): bitslot never holds a private key. TYPE is\n"
     "p2wpkh (default), p2pkh or p2sh-p2wpkh. An index is never used twice; one whose\n"
     "address is known already (imported by hand) is skipped and counted in\n"
     "\"already_known\". A key is known by its key material, not its spelling: given\n"
     "again as xpub, ypub or zpub it goes on from the next index, and it makes one\n"
     "type of address.",
     run_derive},
    {"keys status", "", "show how many deposit keys are left",
     "Prints the keys in the list, available, handed out, and claimed but never handed\n"
     "out, as JSON.",
     run_status},
    {"keys watch", "[--rescan]", "have the node watch every key again (needs --node)",
     "Tells the node to watch every key on a page of a key set, for a node or wallet\n"
     "that was replaced; --rescan also looks for past payments to them.",
     run_watch},
    {"funds get-key", "NAME", "hand NAME a deposit address (needs --node)",
     "Prints NAME's current deposit key, getting one if NAME has none: {\"key\": ADDRESS}.\n"
     "Send bitcoin to it, then 'funds check' and 'funds done'.",
     run_get_key},
    {"funds check", "NAME", "pending and confirmed amounts on NAME's key (needs --node)",
     "Asks the node what NAME's key received: {\"pending\": SATS, \"confirmed\": SATS}\n"
     "(confirmed: with --confirmations, not yet credited). At most once per\n"
     "--check-interval seconds per account; \"cached\" says when the answer is the last one.",
     run_check},
    {"funds done", "NAME", "credit what NAME's key received and retire it (needs --node)",
     "Asks the node, then credits NAME with what was confirmed on the key and retires it:\n"
     "{\"credited\": SATS, \"balance\": SATS}. Money that arrives later on a retired key is\n"
     "credited by 'bitslot recover'.",
     run_done},
    {NULL, NULL, NULL, NULL, NULL},
};
