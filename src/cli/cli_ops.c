/*
 * cli_ops.c — the operator's screen:
 *   stats [--json]
 * The figures come from core/opstats.h in one call; this file only prints
 * them: as text (one block per group, its fields one a line), or as the
 * one-line JSON the API's GET /api/v1/admin/stats answers too. The text is
 * made from the JSON, so a group added to the view shows in both.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/opstats.h"

#define SAT_SUFFIX "_sat"

/* A JSON field name as words: "slots_sold" → "slots sold"; an amount's
 * "_sat" goes (the value says "sat"). */
static void
label(const char *name, char *out, size_t size)
{
    size_t n = strlen(name), suffix = sizeof(SAT_SUFFIX) - 1, i;

    if (n > suffix && strcmp(name + n - suffix, SAT_SUFFIX) == 0)
        n -= suffix;
    for (i = 0; i < n && i + 1 < size; i++)
        out[i] = name[i] == '_' ? ' ' : name[i];
    out[i] = '\0';
}

static bool
is_amount(const char *name)
{
    size_t n = strlen(name), suffix = sizeof(SAT_SUFFIX) - 1;

    return n > suffix && strcmp(name + n - suffix, SAT_SUFFIX) == 0;
}

static void
print_text(json_t *view)
{
    const char *group, *field;
    json_t *fields, *value;
    char words[64];

    json_object_foreach(view, group, fields)
    {
        label(group, words, sizeof(words));
        printf("%s\n", words);
        json_object_foreach(fields, field, value)
        {
            label(field, words, sizeof(words));
            printf("  %-22s %lld%s\n", words, (long long)json_integer_value(value),
                   is_amount(field) ? " sat" : "");
        }
    }
}

static int
run_stats(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"json", false, NULL}};
    const char *pos[1];
    bs_opstats stats;
    json_t *view;
    size_t npos;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 1, pos, 0, &npos);

    if (rc != BS_EXIT_OK || (rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_opstats_read(ctx, &stats);
    if (st == BS_CORRUPT)
        return bs_cli_fail(st, "cannot count: a document is damaged ('bitslot check' names it)");
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot count");
    if (opts[0].value != NULL)
        return bs_cli_print_json(bs_opstats_view(&stats));
    if ((view = bs_opstats_view(&stats)) == NULL) {
        bs_cli_error("out of memory");
        return BS_EXIT_UNAVAILABLE;
    }
    print_text(view);
    json_decref(view);
    return BS_EXIT_OK;
}

const bs_cli_command bs_cli_ops_commands[] = {
    {"stats", "[--json]", "the operator's figures, on one screen",
     "Counts, reading only: accounts (and those locked by an operation right now);\n"
     "campaigns, slots sold and the fees credited to the operator (a sale's fee is\n"
     "credited seconds after it with a server running, at once by 'bitslot recover');\n"
     "deposits credited; deposit keys in the list, left to hand out and handed out;\n"
     "ads hidden by the operator; and what recovery (bitslot recover, or a server's\n"
     "sweep) has finished to date. --json prints the same as one line of JSON, as\n"
     "GET /api/v1/admin/stats answers it.",
     run_stats},
    {NULL, NULL, NULL, NULL, NULL},
};
