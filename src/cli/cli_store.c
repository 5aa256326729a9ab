/*
 * cli_store.c — the commands that work on the store itself:
 *   init            create or open the store
 *   dump [PREFIX]   every document as one JSON line {"key","cas","value"}
 */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/credit.h"

#define DUMP_PAGE 200

static int
run_init(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_ctx *ctx;
    bs_status st;
    int rc;

    if ((rc = bs_cli_no_arguments(cmd, argc, argv)) != BS_EXIT_OK)
        return rc;
    cli->store_need = BS_CLI_STORE_CREATE;
    rc = bs_cli_ctx(cli, &ctx);
    if (rc != BS_EXIT_OK)
        return rc;
    st = bs_credit_ensure_operator(ctx);
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot create the operator's account");
    printf("store \"%s\" is ready\n", bs_store_url(ctx->store));
    return BS_EXIT_OK;
}

/* The JSON for a document's value: the document itself when it is JSON (all
 * of bitslot's are), otherwise {"base64": "..."} of its bytes. NULL when out
 * of memory. */
static json_t *
dump_value(const bs_store_doc *doc)
{
    json_t *value = json_loadb(doc->value, doc->len, JSON_DECODE_ANY, NULL);
    size_t b64_len;
    char *b64;

    if (value != NULL)
        return value;
    b64_len = sodium_base64_encoded_len(doc->len, sodium_base64_VARIANT_ORIGINAL);
    b64 = malloc(b64_len);
    if (b64 == NULL)
        return NULL;
    sodium_bin2base64(b64, b64_len, (const unsigned char *)doc->value, doc->len,
                      sodium_base64_VARIANT_ORIGINAL);
    value = json_pack("{s:s}", "base64", b64);
    free(b64);
    return value;
}

static bs_status
dump_page(const bs_store_page *page)
{
    for (size_t i = 0; i < page->count; i++) {
        const bs_store_doc *doc = &page->docs[i];
        json_t *line = json_pack("{s:s, s:I, s:o*}", "key", doc->key, "cas", (json_int_t)doc->cas,
                                 "value", dump_value(doc));
        char *text;

        if (line == NULL)
            return BS_NOMEM;
        text = json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
        json_decref(line);
        if (text == NULL)
            return BS_NOMEM;
        puts(text);
        free(text);
    }
    return BS_OK;
}

static int
run_dump(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    const char *pos[1] = {""}, *prefix;
    bs_store_page page = {0};
    char *after = NULL;
    bs_store *store;
    size_t npos;
    bs_status st;
    int rc;

    if ((rc = bs_cli_parse(cmd, argc, argv, NULL, 0, pos, 1, &npos)) != BS_EXIT_OK)
        return rc;
    prefix = pos[0];
    if (prefix[0] != '\0' && !bs_store_key_valid(prefix)) {
        bs_cli_error("invalid prefix \"%s\" (printable ASCII without spaces)", prefix);
        return BS_EXIT_USAGE;
    }
    cli->store_need = BS_CLI_STORE_ANY;
    rc = bs_cli_store(cli, &store);
    if (rc != BS_EXIT_OK)
        return rc;
    do {
        st = bs_store_scan(store, prefix, after, DUMP_PAGE, &page);
        free(after);
        after = NULL;
        if (st == BS_OK)
            st = dump_page(&page);
        if (st == BS_OK && page.more) {
            after = strdup(page.docs[page.count - 1].key);
            if (after == NULL)
                st = BS_NOMEM;
        }
        bs_store_page_release(&page);
    } while (st == BS_OK && after != NULL);
    free(after);
    if (st != BS_OK) {
        bs_cli_error("cannot read store \"%s\": %s", bs_store_url(store), bs_strerror(st));
        return bs_cli_exit_code(st);
    }
    return BS_EXIT_OK;
}

const bs_cli_command bs_cli_store_commands[] = {
    {"init", "", "create or open the store",
     "Creates the store if it does not exist yet, or opens it and checks its format,\n"
     "and creates the operator's account (which fees are paid to) if it is missing.",
     run_init},
    {"dump", "[PREFIX]", "print every document as one JSON line",
     "Prints each document whose key starts with PREFIX (all without one), in key order,\n"
     "as one line of JSON: {\"key\": KEY, \"cas\": CAS, \"value\": DOCUMENT}.\n"
     "A document that is not JSON is shown as {\"base64\": BYTES}.",
     run_dump},
    {NULL, NULL, NULL, NULL, NULL},
};
