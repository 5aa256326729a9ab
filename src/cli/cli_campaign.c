/*
 * cli_campaign.c — campaign commands:
 *   campaign create OWNER --min-price SATS --slot-seconds N --size WxH
 *                   [--title T] [--disallow CATEGORIES]
 *   campaign show OWNER/I
 *   campaign list [OWNER]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/campaigns.h"
#include "core/purchase.h"
#include "util/money.h"
#include "util/text.h"

/* Up to 9 decimal digits, in the one spelling of the number. */
static bool
parse_pixels(const char *text, size_t len, int64_t *out)
{
    int64_t value = 0;

    if (len > 9 || !bs_text_decimal(text, len))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        value = value * 10 + (text[i] - '0');
    }
    *out = value;
    return true;
}

/* "300x250" → width, height (syntax only; the rule is the core's). */
static int
parse_size(const char *text, int64_t *width, int64_t *height)
{
    const char *x = strchr(text, 'x');

    if (x == NULL || !parse_pixels(text, (size_t)(x - text), width) ||
        !parse_pixels(x + 1, strlen(x + 1), height)) {
        bs_cli_error("invalid size \"%s\" (WIDTHxHEIGHT in pixels, e.g. 300x250)", text);
        return BS_EXIT_USAGE;
    }
    return BS_EXIT_OK;
}

/* A term that breaks its rule: a usage error. */
static int
terms_problem(bs_campaign_problem p, const bs_campaign_terms *t)
{
    bs_said said;

    bs_say_campaign_terms(p, t, &said);
    return bs_cli_said(&said);
}

static int
run_create(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"min-price", true, NULL},
                            {"slot-seconds", true, NULL},
                            {"size", true, NULL},
                            {"title", true, NULL},
                            {"disallow", true, NULL}};
    bs_campaign_terms terms = {0};
    char text[BS_REF_MAX];
    const char *pos[1];
    bs_campaign_problem problem;
    size_t npos;
    bs_ctx *ctx;
    bs_ref id;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 5, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1 || !opts[0].value || !opts[1].value || !opts[2].value)
        return bs_cli_usage(cmd);
    terms.owner = pos[0];
    if (bs_money_parse(opts[0].value, false, &terms.min_price) != BS_OK) {
        bs_cli_error("invalid minimum price \"%s\" (whole satoshis, at most 21 million BTC)",
                     opts[0].value);
        return BS_EXIT_USAGE;
    }
    if (bs_cli_integer(opts[1].value, "slot length", "whole seconds, at least 60", 0,
                       INT64_C(1) << 40, &terms.slot_seconds) ||
        parse_size(opts[2].value, &terms.width, &terms.height))
        return BS_EXIT_USAGE;
    terms.title = opts[3].value;
    terms.disallowed = opts[4].value;
    problem = bs_campaigns_check_terms(&terms);
    if (problem != BS_CAMPAIGN_TERMS_OK)
        return terms_problem(problem, &terms);
    if (!bs_name_valid(pos[0]))
        return bs_cli_invalid(BS_FIELD_NAME, pos[0]);
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_campaigns_create(ctx, &terms, &id);
    if (st == BS_NOTFOUND)
        return bs_cli_refuse("no account \"%s\"", pos[0]);
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot create the campaign");
    bs_ref_format(&id, text);
    puts(text);
    return BS_EXIT_OK;
}

static int
run_show(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_purchase_quote q;
    const char *pos[1];
    size_t npos;
    bs_ctx *ctx;
    bs_ref id;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, NULL, 0, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if ((rc = bs_cli_ref(pos[0], "campaign", &id)) != BS_EXIT_OK ||
        (rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_purchase_quote_now(ctx, &id, &q);
    if (st == BS_NOTFOUND)
        return bs_cli_refuse("no campaign \"%s\"", pos[0]);
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot read the campaign");
    return bs_cli_print_json(bs_purchase_quote_view(&q));
}

static json_t *
campaign_view(const void *campaign)
{
    return bs_campaign_view(campaign);
}

static int
run_list(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    const char *pos[1];
    bs_campaign *list;
    size_t npos, count;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, NULL, 0, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos == 1 && !bs_name_valid(pos[0]))
        return bs_cli_invalid(BS_FIELD_NAME, pos[0]);
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_campaigns_list(ctx, npos == 1 ? pos[0] : NULL, &list, &count);
    if (st == BS_NOTFOUND)
        return bs_cli_refuse("no account \"%s\"", pos[0]);
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot list campaigns");
    rc = bs_cli_print_list(list, count, sizeof(*list), campaign_view);
    free(list);
    return rc;
}

const bs_cli_command bs_cli_campaign_commands[] = {
    {"campaign create",
     "OWNER --min-price SATS --slot-seconds N --size WxH [--title T] [--disallow LIST]",
     "create a campaign (a spot for ads on a site)",
     "Creates a campaign owned by OWNER and prints its id (OWNER/NUMBER). Its slots\n"
     "last N seconds (at least 60), start at SATS satoshis, and take ads of exactly\n"
     "WxH pixels (16 to 2048 each way). --disallow takes categories of ads it refuses,\n"
     "comma-separated (e.g. gambling,crypto).",
     run_create},
    {"campaign show", "OWNER/I", "show a campaign, its price now and its last sold slot",
     "Prints the campaign as JSON, with price_now (the price of its next slot at this\n"
     "second), next_slot and last (the last sold slot, or null).",
     run_show},
    {"campaign list", "[OWNER]", "list campaigns",
     "Prints every campaign, or every campaign of OWNER, as a JSON array.", run_list},
    {NULL, NULL, NULL, NULL, NULL},
};
