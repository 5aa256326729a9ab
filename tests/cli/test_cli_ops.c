/*
 * test_cli_ops.c — the operator's commands (issue 11, part 3) as the
 * operator runs them, on a real LMDB store, the clock fixed by BITSLOT_NOW:
 *   - `stats` counts a scripted story exactly: accounts (and the one a
 *     crashed purchase left locked), campaigns, final sales, the fees
 *     credited to the operator (none until they are credited), deposit keys,
 *     hidden ads, and what `recover` finished (a pass that finishes nothing
 *     records nothing); as JSON and as the screen of text;
 *   - `ad hide` / `ad show`: exact output, hiding twice replaces the reason,
 *     showing brings the ad back; each refusal (no such ad, no reason, a
 *     reason that breaks its rule, showing an ad not hidden) is one exact
 *     line on stderr with its exit code, nothing on stdout, and the store
 *     byte for byte as it was; no money document is touched;
 *   - `buy` with an ad the operator hid: refused with the reason, nothing
 *     written; a purchase recorded before the hide is finished by `recover`;
 *   - `account new-key`: a key printed once, a new one each time, `check`
 *     still holds for the operator's account with its key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/failpoint.h"
#include "webtest.h"

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})
#define T_TEXT    "1700000000"
#define ADDRESS   "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080" /* BIP 173 */
#define RULE      "1 to 200 characters of text without control characters or direction overrides"

typedef struct ops {
    char dir[2048];
    char url[2100];
    char store_env[2200];
} ops;

static void
ops_open(ops *o)
{
    snprintf(o->dir, sizeof(o->dir), "%s", bs_test_tmpdir());
    snprintf(o->url, sizeof(o->url), "lmdb:%s/store", o->dir);
    snprintf(o->store_env, sizeof(o->store_env), "BITSLOT_STORE=%s", o->url);
}

/* `bitslot ARGS` on the store at T, with one more environment entry
 * (`extra`, or NULL). */
static bs_test_output
ops_run(const ops *o, const char *extra, const char *input, const char *const *args)
{
    return bs_test_run(
        args, (const char *const[]){o->store_env, "BITSLOT_NOW=" T_TEXT, extra, NULL}, input);
}

static char *
ok(const ops *o, const char *input, const char *const *args)
{
    bs_test_output r = ops_run(o, NULL, input, args);

    if (r.exit_code != 0 || r.err[0] != '\0')
        fail_msg("bitslot %s %s: exit %d: %s", args[0], args[1] ? args[1] : "", r.exit_code, r.err);
    free(r.err);
    return r.out;
}

/* A command that must print exactly `want` on stdout. */
static void
ok_is(const ops *o, const char *want, const char *const *args)
{
    char *out = ok(o, NULL, args);

    if (strcmp(out, want) != 0)
        print_message("bitslot %s: want\n%s got\n%s", args[0], want, out);
    assert_string_equal(out, want);
    free(out);
}

static char *
dump(const ops *o)
{
    return ok(o, NULL, ARGS("dump"));
}

/* Refused with exit `code` and exactly `line` on stderr; nothing on
 * stdout; the store as it was. */
static void
refused(const ops *o, int code, const char *line, const char *const *args)
{
    char *before = dump(o), *after;
    bs_test_output r = ops_run(o, NULL, NULL, args);

    if (r.exit_code != code || strcmp(r.err, line) != 0)
        print_message("bitslot %s: want %d %s got %d %s", args[0], code, line, r.exit_code, r.err);
    assert_int_equal(r.exit_code, code);
    assert_string_equal(r.err, line);
    assert_string_equal(r.out, "");
    after = dump(o);
    assert_string_equal(after, before);
    bs_test_output_release(&r);
    free(before);
    free(after);
}

/* The documents of the store whose keys start with `prefix`. */
static char *
dump_of(const ops *o, const char *prefix)
{
    return ok(o, NULL, ARGS("dump", prefix));
}

/* alice, bob and carol; alice and carol funded; bob sells bob/0 (1000 sat,
 * hour slots, 300x250); ads alice/0 and carol/0. */
static void
story_open(ops *o)
{
    char png[2100];

    ops_open(o);
    snprintf(png, sizeof(png), "%s/ad.png", o->dir);
    bs_test_write_png(png, 300, 250);
    free(ok(o, NULL, ARGS("init")));
    free(ok(o, "password1\n", ARGS("account", "create", "alice")));
    free(ok(o, "password1\n", ARGS("account", "create", "bob")));
    free(ok(o, "password1\n", ARGS("account", "create", "carol")));
    free(ok(o, NULL, ARGS("account", "adjust", "alice", "1000000", "--reason", "funds")));
    free(ok(o, NULL, ARGS("account", "adjust", "carol", "50000", "--reason", "funds")));
    free(ok(o, NULL,
            ARGS("campaign", "create", "bob", "--min-price", "1000", "--slot-seconds", "3600",
                 "--size", "300x250")));
    free(ok(o, NULL, ARGS("ad", "add", "alice", "--image", png, "--url", "https://a.example/")));
    free(ok(o, NULL, ARGS("ad", "add", "carol", "--image", png, "--url", "https://c.example/")));
}

static void
test_cli_ops_stats_counts_a_story(void **state)
{
    char keys[2100], *out;
    bs_test_output r;
    ops o;

    (void)state;
    story_open(&o);
    snprintf(keys, sizeof(keys), "%s/keys.txt", o.dir);
    {
        FILE *f = fopen(keys, "w");
        assert_non_null(f);
        fputs(ADDRESS "\n", f);
        fclose(f);
    }
    free(ok(&o, NULL, ARGS("--network", "regtest", "keys", "import", keys)));
    ok_is(
        &o,
        "{\"accounts\":{\"total\":4,\"locked_now\":0},\"sales\":{\"campaigns\":1,\"slots_sold\":0,"
        "\"fee_entries\":0,\"fees_sat\":0},\"deposits\":{\"credited\":0,\"amount_sat\":0},"
        "\"keys\":{\"total\":1,\"left_to_hand_out\":1,\"handed_out\":0},\"ads\":{\"hidden\":0},"
        "\"recoveries\":{\"passes\":0,\"purchases_finished\":0,\"imports_finished\":0},"
        "\"withdrawals_by_state\":{\"requested\":0,\"signed\":0,\"broadcast\":0,\"confirmed\":0,"
        "\"refused\":0,\"waiting_sat\":0,\"paid_sat\":0,\"refunded_sat\":0,\"fees_sat\":0}}\n",
        ARGS("stats", "--json"));

    /* Two sales at one second: 1000 (fee 15), then 2000 (fee 30). A third,
     * of 4000 (fee 60), crashes with the slot added: alice stays locked, and
     * the sale is not final yet. */
    free(ok(&o, NULL, ARGS("buy", "alice", "bob/0", "--ad", "alice/0")));
    free(ok(&o, NULL, ARGS("buy", "carol", "bob/0", "--ad", "carol/0")));
    r = ops_run(&o, "BITSLOT_FAILPOINT=purchase.slot-added", NULL,
                ARGS("buy", "alice", "bob/0", "--ad", "alice/0"));
    assert_int_equal(r.exit_code, 86);
    bs_test_output_release(&r);
    /* Fees are credited off the purchase's path: none yet. */
    ok_is(
        &o,
        "{\"accounts\":{\"total\":4,\"locked_now\":1},\"sales\":{\"campaigns\":1,\"slots_sold\":2,"
        "\"fee_entries\":0,\"fees_sat\":0},\"deposits\":{\"credited\":0,\"amount_sat\":0},"
        "\"keys\":{\"total\":1,\"left_to_hand_out\":1,\"handed_out\":0},\"ads\":{\"hidden\":0},"
        "\"recoveries\":{\"passes\":0,\"purchases_finished\":0,\"imports_finished\":0},"
        "\"withdrawals_by_state\":{\"requested\":0,\"signed\":0,\"broadcast\":0,\"confirmed\":0,"
        "\"refused\":0,\"waiting_sat\":0,\"paid_sat\":0,\"refunded_sat\":0,\"fees_sat\":0}}\n",
        ARGS("stats", "--json"));

    /* recover finishes the purchase and credits every sale. */
    ok_is(&o,
          "{\"accounts\":4,\"purchases_finished\":1,\"campaigns\":1,\"imports_finished\":0,"
          "\"keys_finished\":0,\"late_deposits_credited\":0,\"left_for_later\":0}\n",
          ARGS("recover"));
    out = dump_of(&o, "recovered/");
    assert_non_null(strstr(out, "\"value\":{\"purchases\":1,\"imports\":0,\"time\":" T_TEXT "}}"));
    free(out);
    /* A pass that finishes nothing records nothing. */
    free(ok(&o, NULL, ARGS("recover")));
    free(ok(&o, NULL, ARGS("ad", "hide", "carol/0", "--reason", "spam")));
    ok_is(
        &o,
        "{\"accounts\":{\"total\":4,\"locked_now\":0},\"sales\":{\"campaigns\":1,\"slots_sold\":3,"
        "\"fee_entries\":3,\"fees_sat\":105},\"deposits\":{\"credited\":0,\"amount_sat\":0},"
        "\"keys\":{\"total\":1,\"left_to_hand_out\":1,\"handed_out\":0},\"ads\":{\"hidden\":1},"
        "\"recoveries\":{\"passes\":1,\"purchases_finished\":1,\"imports_finished\":0},"
        "\"withdrawals_by_state\":{\"requested\":0,\"signed\":0,\"broadcast\":0,\"confirmed\":0,"
        "\"refused\":0,\"waiting_sat\":0,\"paid_sat\":0,\"refunded_sat\":0,\"fees_sat\":0}}\n",
        ARGS("stats", "--json"));
    /* The same as a screen of text. */
    ok_is(&o,
          "accounts\n"
          "  total                  4\n"
          "  locked now             0\n"
          "sales\n"
          "  campaigns              1\n"
          "  slots sold             3\n"
          "  fee entries            3\n"
          "  fees                   105 sat\n"
          "deposits\n"
          "  credited               0\n"
          "  amount                 0 sat\n"
          "keys\n"
          "  total                  1\n"
          "  left to hand out       1\n"
          "  handed out             0\n"
          "ads\n"
          "  hidden                 1\n"
          "recoveries\n"
          "  passes                 1\n"
          "  purchases finished     1\n"
          "  imports finished       0\n"
          "withdrawals by state\n"
          "  requested              0\n"
          "  signed                 0\n"
          "  broadcast              0\n"
          "  confirmed              0\n"
          "  refused                0\n"
          "  waiting                0 sat\n"
          "  paid                   0 sat\n"
          "  refunded               0 sat\n"
          "  fees                   0 sat\n",
          ARGS("stats"));
    /* The books agree: the operator's balance is the fees. */
    out = ok(&o, NULL, ARGS("account", "show", "operator"));
    assert_non_null(strstr(out, "\"balance\":105,"));
    free(out);
    out = ok(&o, NULL, ARGS("check"));
    assert_non_null(strstr(out, "ok: "));
    free(out);
    refused(&o, 2, "bitslot: unknown option \"--text\"; see 'bitslot stats --help'\n",
            ARGS("stats", "--text"));
}

static void
test_cli_ops_hide_and_show_an_ad(void **state)
{
    char long_reason[256], most[512], *before, *money, *out;
    ops o;

    (void)state;
    story_open(&o);
    free(ok(&o, NULL, ARGS("buy", "alice", "bob/0", "--ad", "alice/0")));
    free(ok(&o, NULL, ARGS("recover")));
    money = ok(&o, NULL, ARGS("dump", "account/"));

    /* Each refusal: one line, its exit code, nothing written. */
    refused(&o, 1, "bitslot: no ad \"alice/7\"\n",
            ARGS("ad", "hide", "alice/7", "--reason", "spam"));
    refused(&o, 1, "bitslot: no ad \"nobody/0\"\n",
            ARGS("ad", "hide", "nobody/0", "--reason", "spam"));
    refused(&o, 2, "bitslot: hiding an ad needs --reason TEXT: its buyer is shown why\n",
            ARGS("ad", "hide", "alice/0"));
    refused(&o, 2, "bitslot: hiding an ad needs --reason TEXT: its buyer is shown why\n",
            ARGS("ad", "hide", "alice/0", "--reason", ""));
    memset(long_reason, 'x', 201);
    long_reason[201] = '\0';
    refused(&o, 2, "bitslot: invalid reason (" RULE ")\n",
            ARGS("ad", "hide", "alice/0", "--reason", long_reason));
    refused(&o, 2, "bitslot: invalid reason (" RULE ")\n",
            ARGS("ad", "hide", "alice/0", "--reason", "tab\there"));
    refused(&o, 2, "bitslot: invalid reason (" RULE ")\n",
            ARGS("ad", "hide", "alice/0", "--reason", "bad \xff byte"));
    refused(&o, 2, "bitslot: invalid ad \"alice/x\" (OWNER/NUMBER, e.g. bob/0)\n",
            ARGS("ad", "hide", "alice/x", "--reason", "spam"));
    refused(&o, 1, "bitslot: ad \"alice/0\" is not hidden; nothing changed\n",
            ARGS("ad", "show", "alice/0"));
    refused(&o, 1, "bitslot: no ad \"alice/9\"\n", ARGS("ad", "show", "alice/9"));
    refused(&o, 2, "bitslot: missing arguments; usage: bitslot [OPTIONS] ad show ID\n",
            ARGS("ad", "show"));

    /* Hide (the name in any case), hide again: the reason replaced. */
    ok_is(&o,
          "{\"ad\":\"alice/0\",\"hidden\":true,\"reason\":\"misleading\",\"time\":" T_TEXT
          ",\"by\":\"command\",\"was_hidden\":false}\n",
          ARGS("ad", "hide", "ALICE/0", "--reason", "misleading"));
    /* 200 characters (two bytes each) are not too many. */
    for (int i = 0; i < 200; i++)
        memcpy(most + 2 * i, "\xc3\xa9", 2); /* é */
    most[400] = '\0';
    out = ok(&o, NULL, ARGS("ad", "hide", "alice/0", "--reason", most));
    assert_non_null(strstr(out, "\"was_hidden\":true}"));
    free(out);
    out = dump_of(&o, "adhide/");
    assert_non_null(strstr(out, "{\"key\":\"adhide/alice/0000000000\","));
    assert_non_null(strstr(out, most));
    assert_null(strstr(out, "misleading"));
    free(out);
    refused(&o, 1, "bitslot: no ad \"alice/7\"\n",
            ARGS("ad", "hide", "alice/7", "--reason", "spam"));

    /* No money moved: every account as it was. */
    before = ok(&o, NULL, ARGS("dump", "account/"));
    assert_string_equal(before, money);
    free(before);

    /* Show it again: back, and said once. */
    before = ok(&o, NULL, ARGS("ad", "show", "alice/0"));
    assert_non_null(strstr(before, "{\"ad\":\"alice/0\",\"hidden\":false,\"reason_was\":\""));
    free(before);
    ok_is(&o, "", ARGS("dump", "adhide/"));
    refused(&o, 1, "bitslot: ad \"alice/0\" is not hidden; nothing changed\n",
            ARGS("ad", "show", "alice/0"));
    out = ok(&o, NULL, ARGS("dump", "account/"));
    assert_string_equal(out, money);
    free(out);
    free(money);
    out = ok(&o, NULL, ARGS("check"));
    assert_non_null(strstr(out, "ok: "));
    free(out);
}

/* An ad the operator hid is not bought: the purchase is refused with the
 * operator's reason (cut at a character when long), changing nothing;
 * another buyer's ad still sells, and the ad sells again once shown. A
 * purchase recorded before the hide (its process stopped at
 * purchase.locked) is finished by `recover` all the same. */
static void
test_cli_ops_hidden_ad_is_not_bought(void **state)
{
    char most[512], line[1024], *out;
    bs_test_output r;
    ops o;

    (void)state;
    story_open(&o);
    r = ops_run(&o, "BITSLOT_FAILPOINT=purchase.locked", NULL,
                ARGS("buy", "alice", "bob/0", "--ad", "alice/0"));
    assert_int_equal(r.exit_code, BS_FAILPOINT_EXIT);
    bs_test_output_release(&r);
    free(ok(&o, NULL, ARGS("ad", "hide", "alice/0", "--reason", "misleading")));
    free(ok(&o, NULL, ARGS("recover")));
    out = dump_of(&o, "slot/");
    assert_non_null(strstr(out, "\"buyer\":\"alice\",\"ad\":\"alice/0\",\"price\":1000,"));
    free(out);
    out = ok(&o, NULL, ARGS("account", "show", "alice"));
    assert_non_null(strstr(out, "\"balance\":999000,"));
    free(out);

    refused(&o, 1,
            "bitslot: ad \"ALICE/0\" was hidden by the operator: misleading; choose another ad\n",
            ARGS("buy", "alice", "bob/0", "--ad", "ALICE/0"));
    /* 200 characters of two bytes: the sentence has the first 198. */
    for (int i = 0; i < 200; i++)
        memcpy(most + 2 * i, "\xc3\xa9", 2); /* é */
    most[400] = '\0';
    free(ok(&o, NULL, ARGS("ad", "hide", "alice/0", "--reason", most)));
    snprintf(line, sizeof(line),
             "bitslot: ad \"alice/0\" was hidden by the operator: %.396s...; choose another ad\n",
             most);
    refused(&o, 1, line, ARGS("buy", "alice", "bob/0", "--ad", "alice/0", "--max-price", "5000"));

    /* Another ad sells; alice/0 sells once shown again. */
    out = ok(&o, NULL, ARGS("buy", "carol", "bob/0", "--ad", "carol/0"));
    assert_non_null(strstr(out, "\"index\":1,"));
    free(out);
    free(ok(&o, NULL, ARGS("ad", "show", "alice/0")));
    out = ok(&o, NULL, ARGS("buy", "alice", "bob/0", "--ad", "alice/0"));
    assert_non_null(strstr(out, "\"index\":2,"));
    free(out);
    free(ok(&o, NULL, ARGS("recover")));
    out = ok(&o, NULL, ARGS("check"));
    assert_non_null(strstr(out, "ok: "));
    free(out);
}

static void
test_cli_ops_operator_gets_an_api_key(void **state)
{
    char first[65], *out, *at;
    ops o;

    (void)state;
    ops_open(&o);
    free(ok(&o, NULL, ARGS("init")));
    out = ok(&o, NULL, ARGS("account", "new-key", "operator"));
    assert_int_equal(strncmp(out, "{\"name\":\"operator\",\"api_key\":\"", 30), 0);
    assert_int_equal(strspn(out + 30, "0123456789abcdef"), 64);
    assert_string_equal(out + 94, "\"}\n");
    memcpy(first, out + 30, 64);
    first[64] = '\0';
    free(out);
    out = ok(&o, NULL, ARGS("account", "new-key", "Operator"));
    at = strstr(out, "\"api_key\":\"");
    assert_non_null(at);
    assert_int_not_equal(strncmp(at + 11, first, 64), 0); /* a new one each time */
    free(out);
    out = dump_of(&o, "apikey/");
    assert_int_equal(strncmp(out, "{\"key\":\"apikey/", 15), 0);
    assert_null(strchr(out, '\n') != NULL ? strstr(strchr(out, '\n') + 1, "apikey/") : NULL);
    free(out);
    out = ok(&o, NULL, ARGS("check"));
    assert_non_null(strstr(out, "ok: 1 accounts"));
    free(out);
    refused(&o, 1, "bitslot: no account \"nobody\"\n", ARGS("account", "new-key", "nobody"));
    refused(&o, 2, "bitslot: invalid account name \"a-b\" (letters, digits and _, at most 64)\n",
            ARGS("account", "new-key", "a-b"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_ops_stats_counts_a_story),
        cmocka_unit_test(test_cli_ops_hide_and_show_an_ad),
        cmocka_unit_test(test_cli_ops_hidden_ad_is_not_bought),
        cmocka_unit_test(test_cli_ops_operator_gets_an_api_key),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
