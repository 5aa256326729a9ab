/*
 * cli_serve.c — the command that runs the web server:
 *   serve [--listen HOST:PORT] [--public-url URL] [--sweep-interval SECONDS]
 * Its options are settings of the BS_CLI_SERVE scope (cli_config.c): each
 * may also come from the environment (BITSLOT_LISTEN, BITSLOT_PUBLIC_URL,
 * BITSLOT_SWEEP_INTERVAL) or the config file; a flag wins.
 */
#include <stdio.h>

#include "cli/cli.h"
#include "web/server.h"

static int
run_serve(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[BS_CLI_KEYS];
    bs_cli_key keys[BS_CLI_KEYS];
    bs_web_config config = {0};
    size_t n = 0, npos;
    bs_ctx *ctx;
    int rc;

    for (bs_cli_key key = 0; key < BS_CLI_KEYS; key++) {
        if (bs_cli_key_scope(key) == BS_CLI_SERVE) {
            keys[n] = key;
            opts[n++] = (bs_cli_option){bs_cli_key_name(key), true, NULL};
        }
    }
    rc = bs_cli_parse(cmd, argc, argv, opts, n, NULL, 0, &npos);
    if (rc != BS_EXIT_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        if (opts[i].value != NULL)
            bs_cli_flag(cli, keys[i], opts[i].value);
    rc = bs_cli_settings_apply(cli, BS_CLI_SERVE);
    if (rc != BS_EXIT_OK)
        return rc;
    config.listen = cli->listen;
    config.public_url = cli->public_url;
    config.sweep_interval = cli->sweep_interval;
    config.node_url = cli->node_url;
    /* The store must be one `init` made, its deposit keys of --network, and
     * the node (when given) must answer with its wallet, before anything is
     * served. */
    rc = bs_cli_keys_ctx(cli, cli->node_url != NULL, &ctx);
    if (rc != BS_EXIT_OK)
        return rc;
    return bs_web_serve(ctx, &config);
}

const bs_cli_command bs_cli_serve_commands[] = {
    {"serve", "[--listen HOST:PORT] [--public-url URL] [--sweep-interval SECONDS]",
     "run the web server (JSON API, embed)",
     "Serves the JSON API under /api/v1/ (described at /api/v1/openapi.json), the\n"
     "publisher embed (/embed/OWNER/I, from memory), live price events, /metrics and\n"
     "/healthz on --listen (default 127.0.0.1:8080; also BITSLOT_LISTEN; port 0: any\n"
     "free port, printed). --public-url is what absolute links use. One event\n"
     "loop per core; store, node and password work on worker threads. Every\n"
     "--sweep-interval seconds (default 30; BITSLOT_SWEEP_INTERVAL) it finishes\n"
     "whatever crashed operations left, as 'bitslot recover' does. One log line per\n"
     "request on stderr. SIGTERM or SIGINT: stops accepting, finishes the requests in\n"
     "flight (at most 10 s) and exits 0. Any number of serve processes may share a store.\n"
     "Each option may also be a key of the config file (bitslot --config FILE serve).",
     run_serve},
    {NULL, NULL, NULL, NULL, NULL},
};
