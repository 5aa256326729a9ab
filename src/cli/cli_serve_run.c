/*
 * cli_serve_run.c — `serve` in the program that links the web server
 * (`bitslot-serve`): reads serve's options and settings, opens the store
 * and the node, and runs src/web until SIGTERM or SIGINT.
 *
 * Invariants:
 *   - The image libraries are opened before anything is served: a server
 *     that could not take an upload says so at its start, with the reason,
 *     instead of answering 503 to the first upload.
 */
#include "cli/cli.h"
#include "media/codecs.h"
#include "media/image.h"
#include "web/server.h"

int
bs_cli_serve_run(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[BS_CLI_KEYS];
    bs_cli_key keys[BS_CLI_KEYS];
    bs_web_config config = {0};
    const bs_codecs *codecs;
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
    if (bs_codecs_load(&codecs) != BS_OK) {
        bs_cli_error("%s", bs_image_explain(BS_IMAGE_NO_LIBRARY)); /* main says why */
        return BS_EXIT_UNAVAILABLE;
    }
    config.listen = cli->listen;
    config.public_url = cli->public_url;
    config.sweep_interval = cli->sweep_interval;
    config.node_url = cli->node_url;
    if (cli->trusted_proxy != NULL)
        (void)bs_web_proxies_parse(cli->trusted_proxy, &config.trusted_proxies); /* checked */
    /* The store must be one `init` made, its deposit keys of --network, and
     * the node (when given) must answer with its wallet, before anything is
     * served. */
    rc = bs_cli_keys_ctx(cli, cli->node_url != NULL, &ctx);
    if (rc != BS_EXIT_OK)
        return rc;
    /* Payouts: the node's payout wallet must answer before anything is
     * served, so a mistyped name is said at once, not at the first sweep. */
    if (cli->payouts) {
        if ((rc = bs_cli_ctx_with_payout(cli, &ctx)) != BS_EXIT_OK)
            return rc;
        config.payout_wallet = cli->payout_wallet;
    }
    return bs_web_serve(ctx, &config);
}
