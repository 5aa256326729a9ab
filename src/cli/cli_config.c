/*
 * cli_config.c — the settings of `bitslot` and `serve` (see cli.h): one
 * table names each setting once — its option and config key, its
 * environment variable, its default and its check — and everything else
 * reads that table: main.c's getopt options, serve's options, the config
 * file's keys, the environment, "goes before the command".
 *
 * Invariants:
 *   - A setting holds one text and where it came from (bs_cli_setting); a
 *     stronger source replaces a weaker one, whatever the order they are
 *     read in: the command line > the environment > the file > the default.
 *   - The one check of a setting reads every value it is given, from any
 *     source, the default included; its sentence is the same whichever
 *     source, with "FILE:LINE: " before it when the value came from a file.
 *   - Every line of the config file is checked when it is read, serve's
 *     keys and values included and even when a stronger source overrides
 *     it: a wrong file is refused by every command, not only by the one
 *     that happens to read that key.
 *
 * Config file: one `KEY = VALUE` a line, spaces around each dropped; blank
 * lines and lines whose first non-blank character is `#` are skipped; the
 * value is everything after the first `=` (so it may hold `=` and `#`).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain/node_url.h"
#include "chain/rpc.h"
#include "cli/cli.h"
#include "util/grow.h"
#include "util/text.h"
#include "web/proxy.h"
#include "web/server.h"

#define CONFIG_MAX ((size_t)1 << 20) /* bytes: a file of settings, not a dump */

#define TEXT(n)  TEXT_(n)
#define TEXT_(n) #n

/* Check `text` for one setting and set its value in cli; or false with the
 * sentence (without "bitslot: ") in why[size]. */
typedef bool (*check_fn)(bs_cli *cli, const char *text, char *why, size_t size);

typedef struct setting_def {
    const char *name;     /* the option without its dashes, and the config key */
    const char *env;      /* its environment variable */
    const char *fallback; /* the default; NULL: none (the value stays NULL) */
    bs_cli_scope scope;
    check_fn check;
} setting_def;

static bool
check_store(bs_cli *cli, const char *text, char *why, size_t size)
{
    if (!bs_store_url_valid(text)) {
        bs_cli_bad_store_url(text, why, size);
        return false;
    }
    cli->store_url = text;
    return true;
}

static bool
check_fee_bp(bs_cli *cli, const char *text, char *why, size_t size)
{
    return bs_cli_integer_check(text, "fee", "basis points, 0 to 10000", 0, 10000, &cli->fee_bp,
                                why, size);
}

/* The URL as bs_rpc_open reads it (chain/node_url.h: nothing is sent, no
 * library loaded, so a command that never talks to the node stays light),
 * with a wallet: the rule bs_cli_ctx_with_node meets later. Out of memory,
 * the URL is let through: opening the node says why. */
static bool
check_node(bs_cli *cli, const char *text, char *why, size_t size)
{
    bs_node_url url;
    bs_status st = bs_node_url_parse(text, &url);
    bool ok = st == BS_OK ? url.wallet != NULL : st != BS_INVALID;

    bs_node_url_release(&url);
    if (!ok) {
        bs_cli_bad_node_url(text, why, size);
        return false;
    }
    cli->node_url = text;
    return true;
}

static bool
check_network(bs_cli *cli, const char *text, char *why, size_t size)
{
    if (bs_network_parse(text, &cli->network) != BS_OK) {
        snprintf(why, size, "invalid network \"%s\" (main, test, signet or regtest)", text);
        return false;
    }
    return true;
}

static bool
check_confirmations(bs_cli *cli, const char *text, char *why, size_t size)
{
    return bs_cli_integer_check(text, "number of confirmations", "0 to 1000", 0, 1000,
                                &cli->confirmations, why, size);
}

static bool
check_min_deposit(bs_cli *cli, const char *text, char *why, size_t size)
{
    return bs_cli_integer_check(text, "minimum deposit", "satoshis, 1 to 21 million BTC", 1,
                                INT64_C(2100000000000000), &cli->min_deposit, why, size);
}

static bool
check_check_interval(bs_cli *cli, const char *text, char *why, size_t size)
{
    return bs_cli_integer_check(text, "check interval", "seconds, 0 or more", 0, 86400,
                                &cli->check_interval, why, size);
}

static bool
check_payout_wallet(bs_cli *cli, const char *text, char *why, size_t size)
{
    if (!bs_rpc_wallet_name_valid(text)) {
        snprintf(why, size, "invalid payout wallet name \"%s\" (" BS_RPC_WALLET_NAME_RULE ")",
                 text);
        return false;
    }
    cli->payout_wallet = text;
    return true;
}

static bool
check_min_withdrawal(bs_cli *cli, const char *text, char *why, size_t size)
{
    return bs_cli_integer_check(text, "minimum withdrawal", "satoshis, 546 to 21 million BTC", 546,
                                INT64_C(2100000000000000), &cli->min_withdrawal, why, size);
}

static bool
check_withdraw_fee_bp(bs_cli *cli, const char *text, char *why, size_t size)
{
    return bs_cli_integer_check(text, "withdrawal fee", "basis points, 0 to 10000", 0, 10000,
                                &cli->withdraw_fee_bp, why, size);
}

static bool
check_payouts(bs_cli *cli, const char *text, char *why, size_t size)
{
    if (strcmp(text, "on") != 0 && strcmp(text, "off") != 0) {
        snprintf(why, size, "invalid --payouts \"%s\" (on or off)", text);
        return false;
    }
    cli->payouts = strcmp(text, "on") == 0;
    return true;
}

/* The address as the server reads it; whether it is this machine's is
 * learnt when the server listens. */
static bool
check_listen(bs_cli *cli, const char *text, char *why, size_t size)
{
    if (!bs_web_listen_valid(text)) {
        snprintf(why, size, "invalid --listen \"%s\" (" BS_WEB_LISTEN_RULE ")", text);
        return false;
    }
    cli->listen = text;
    return true;
}

static bool
check_public_url(bs_cli *cli, const char *text, char *why, size_t size)
{
    if (!bs_text_http_url(text, 512)) {
        snprintf(why, size, "invalid public URL \"%s\" (http:// or https:// and a host)", text);
        return false;
    }
    cli->public_url = text;
    return true;
}

static bool
check_sweep_interval(bs_cli *cli, const char *text, char *why, size_t size)
{
    return bs_cli_integer_check(text, "sweep interval", "seconds, 1 to 86400", 1, 86400,
                                &cli->sweep_interval, why, size);
}

static bool
check_trusted_proxy(bs_cli *cli, const char *text, char *why, size_t size)
{
    bs_web_proxies proxies;

    if (!bs_web_proxies_parse(text, &proxies)) {
        snprintf(why, size, "invalid --trusted-proxy \"%s\" (" BS_WEB_PROXIES_RULE ")", text);
        return false;
    }
    cli->trusted_proxy = text;
    return true;
}

static const setting_def settings[BS_CLI_KEYS] = {
    [BS_CLI_STORE] = {"store", "BITSLOT_STORE", BS_CLI_STORE_DEFAULT, BS_CLI_GLOBAL, check_store},
    [BS_CLI_FEE_BP] = {"fee-bp", "BITSLOT_FEE_BP", TEXT(BS_FEE_BP_DEFAULT), BS_CLI_GLOBAL,
                       check_fee_bp},
    [BS_CLI_NODE] = {"node", "BITSLOT_NODE", NULL, BS_CLI_GLOBAL, check_node},
    [BS_CLI_NETWORK] = {"network", "BITSLOT_NETWORK", "main", BS_CLI_GLOBAL, check_network},
    [BS_CLI_CONFIRMATIONS] = {"confirmations", "BITSLOT_CONFIRMATIONS",
                              TEXT(BS_CONFIRMATIONS_DEFAULT), BS_CLI_GLOBAL, check_confirmations},
    [BS_CLI_MIN_DEPOSIT] = {"min-deposit", "BITSLOT_MIN_DEPOSIT", TEXT(BS_MIN_DEPOSIT_DEFAULT),
                            BS_CLI_GLOBAL, check_min_deposit},
    [BS_CLI_CHECK_INTERVAL] = {"check-interval", "BITSLOT_CHECK_INTERVAL",
                               TEXT(BS_CHECK_INTERVAL_DEFAULT), BS_CLI_GLOBAL,
                               check_check_interval},
    [BS_CLI_PAYOUT_WALLET] = {"payout-wallet", "BITSLOT_PAYOUT_WALLET", NULL, BS_CLI_GLOBAL,
                              check_payout_wallet},
    [BS_CLI_MIN_WITHDRAWAL] = {"min-withdrawal", "BITSLOT_MIN_WITHDRAWAL",
                               TEXT(BS_MIN_WITHDRAWAL_DEFAULT), BS_CLI_GLOBAL,
                               check_min_withdrawal},
    [BS_CLI_WITHDRAW_FEE_BP] = {"withdraw-fee-bp", "BITSLOT_WITHDRAW_FEE_BP",
                                TEXT(BS_WITHDRAW_FEE_BP_DEFAULT), BS_CLI_GLOBAL,
                                check_withdraw_fee_bp},
    [BS_CLI_LISTEN] = {"listen", "BITSLOT_LISTEN", BS_WEB_LISTEN_DEFAULT, BS_CLI_SERVE,
                       check_listen},
    [BS_CLI_PUBLIC_URL] = {"public-url", "BITSLOT_PUBLIC_URL", NULL, BS_CLI_SERVE,
                           check_public_url},
    [BS_CLI_SWEEP_INTERVAL] = {"sweep-interval", "BITSLOT_SWEEP_INTERVAL",
                               TEXT(BS_WEB_SWEEP_DEFAULT), BS_CLI_SERVE, check_sweep_interval},
    [BS_CLI_PAYOUTS] = {"payouts", "BITSLOT_PAYOUTS", "off", BS_CLI_SERVE, check_payouts},
    [BS_CLI_TRUSTED_PROXY] = {"trusted-proxy", "BITSLOT_TRUSTED_PROXY", NULL, BS_CLI_SERVE,
                              check_trusted_proxy},
};

const char *
bs_cli_key_name(bs_cli_key key)
{
    return settings[key].name;
}

bs_cli_scope
bs_cli_key_scope(bs_cli_key key)
{
    return settings[key].scope;
}

/* The setting named name[0..len), or BS_CLI_KEYS. */
static bs_cli_key
find_key(const char *name, size_t len)
{
    bs_cli_key key = 0;

    while (key < BS_CLI_KEYS &&
           !(strlen(settings[key].name) == len && memcmp(settings[key].name, name, len) == 0))
        key++;
    return key;
}

bool
bs_cli_global_option(const char *name, size_t len)
{
    bs_cli_key key = find_key(name, len);

    return (key < BS_CLI_KEYS && settings[key].scope == BS_CLI_GLOBAL) ||
           (len == strlen("config") && memcmp(name, "config", len) == 0);
}

/* Keep `text` for `key` unless a stronger source gave one already. */
static void
give(bs_cli *cli, bs_cli_key key, const char *text, bs_cli_source source, size_t line)
{
    bs_cli_setting *s = &cli->settings[key];

    if (s->text == NULL || source >= s->source)
        *s = (bs_cli_setting){text, source, line};
}

void
bs_cli_flag(bs_cli *cli, bs_cli_key key, const char *text)
{
    give(cli, key, text, BS_CLI_FROM_FLAG, 0);
}

/* ---- the config file ----------------------------------------------------- */

/* All of `path`, NUL-terminated, into a heap buffer *text of *len bytes
 * (before the NUL). On failure, false with why[size] and nothing to free. */
static bool
read_file(const char *path, char **text, size_t *len, char *why, size_t size)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t cap = 0, n = 0, got;
    int error = 0;

    *text = NULL;
    if (f == NULL) {
        error = errno;
        goto done;
    }
    do {
        if (bs_grow(&buf, &cap, n + 1, 1, 4096) != BS_OK) {
            error = ENOMEM;
            break;
        }
        got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
    } while (got > 0 && n <= CONFIG_MAX);
    if (error == 0 && ferror(f))
        error = errno != 0 ? errno : EIO;
    fclose(f);
done:
    if (error != 0) {
        snprintf(why, size, "%s", strerror(error)); /* "Is a directory": lower case */
        why[0] = (char)tolower((unsigned char)why[0]);
    } else if (n > CONFIG_MAX) {
        snprintf(why, size, "larger than %zu MiB", CONFIG_MAX >> 20);
    } else {
        buf[n] = '\0';
        *text = buf;
        *len = n;
        return true;
    }
    free(buf);
    return false;
}

/* [start, end) without the blanks around it, NUL-terminated in place. */
static char *
trim(char *start, char *end)
{
    while (start < end && strchr(" \t\r\f\v", *start) != NULL)
        start++;
    while (end > start && strchr(" \t\r\f\v", end[-1]) != NULL)
        end--;
    *end = '\0';
    return start;
}

/* Say what is wrong at `line` of the file; BS_EXIT_USAGE. */
static int
refuse_line(const bs_cli *cli, size_t line, const char *why)
{
    bs_cli_error("%s:%zu: %s", cli->config_path, line, why);
    return BS_EXIT_USAGE;
}

/* One line, text[0..len) without its newline: nothing, a comment or a
 * setting; `seen` has the line each key was first given on. */
static int
read_line(bs_cli *cli, char *text, size_t len, size_t line, size_t seen[BS_CLI_KEYS])
{
    char why[1024], *key, *value, *eq;
    bs_cli_key k;

    if (memchr(text, '\0', len) != NULL) /* it would cut the line short */
        return refuse_line(cli, line, "a NUL byte in the line");
    key = trim(text, text + len);
    if (key[0] == '\0' || key[0] == '#')
        return BS_EXIT_OK;
    eq = strchr(key, '=');
    if (eq == NULL)
        return refuse_line(cli, line, "expected KEY = VALUE");
    value = trim(eq + 1, eq + strlen(eq));
    key = trim(key, eq);
    k = find_key(key, strlen(key));
    if (k == BS_CLI_KEYS) {
        snprintf(why, sizeof(why), "unknown key \"%s\"", key);
        return refuse_line(cli, line, why);
    }
    if (seen[k] != 0) {
        snprintf(why, sizeof(why), "key \"%s\" is given twice (first on line %zu)", key, seen[k]);
        return refuse_line(cli, line, why);
    }
    seen[k] = line;
    if (!settings[k].check(cli, value, why, sizeof(why)))
        return refuse_line(cli, line, why);
    give(cli, k, value, BS_CLI_FROM_FILE, line);
    return BS_EXIT_OK;
}

static int
read_config(bs_cli *cli, const char *path)
{
    size_t seen[BS_CLI_KEYS] = {0}, len, line = 1;
    char why[512], *p, *end;
    int rc = BS_EXIT_OK;

    cli->config_path = path;
    if (!read_file(path, &cli->config_text, &len, why, sizeof(why))) {
        bs_cli_error("cannot read config file \"%s\": %s", path, why);
        return BS_EXIT_USAGE;
    }
    end = cli->config_text + len;
    for (p = cli->config_text; rc == BS_EXIT_OK && p < end; line++) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl != NULL ? (size_t)(nl - p) : (size_t)(end - p);

        rc = read_line(cli, p, n, line, seen);
        p += n + 1;
    }
    return rc;
}

int
bs_cli_settings_read(bs_cli *cli, const char *path)
{
    int rc = path != NULL ? read_config(cli, path) : BS_EXIT_OK;

    for (bs_cli_key k = 0; rc == BS_EXIT_OK && k < BS_CLI_KEYS; k++) {
        const char *value = getenv(settings[k].env);

        if (value != NULL && value[0] != '\0') /* set but empty: as if unset */
            give(cli, k, value, BS_CLI_FROM_ENV, 0);
    }
    return rc;
}

int
bs_cli_settings_apply(bs_cli *cli, bs_cli_scope scope)
{
    char why[1024];

    for (bs_cli_key k = 0; k < BS_CLI_KEYS; k++) {
        const bs_cli_setting *s = &cli->settings[k];
        const char *text = s->text != NULL ? s->text : settings[k].fallback;

        if (settings[k].scope != scope || text == NULL)
            continue;
        if (!settings[k].check(cli, text, why, sizeof(why))) {
            if (s->source == BS_CLI_FROM_FILE)
                return refuse_line(cli, s->line, why);
            bs_cli_error("%s", why);
            return BS_EXIT_USAGE;
        }
    }
    return BS_EXIT_OK;
}
