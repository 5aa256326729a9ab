/*
 * cli_serve.c — the command that runs the web server:
 *   serve [--listen HOST:PORT] [--public-url URL] [--sweep-interval SECONDS]
 * Each option may also come from the environment (BITSLOT_LISTEN,
 * BITSLOT_PUBLIC_URL, BITSLOT_SWEEP_INTERVAL); a flag wins.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "model/field.h"
#include "util/text.h"
#include "web/server.h"

static const char *
option_or_env(const char *flag, const char *env, const char *fallback)
{
    const char *value = getenv(env);

    if (flag != NULL)
        return flag;
    return value != NULL && value[0] != '\0' ? value : fallback;
}

static int
run_serve(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {
        {"listen", true, NULL}, {"public-url", true, NULL}, {"sweep-interval", true, NULL}};
    bs_web_config config = {0};
    const char *interval;
    size_t npos;
    bs_ctx *ctx;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 3, NULL, 0, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    config.listen = option_or_env(opts[0].value, "BITSLOT_LISTEN", BS_WEB_LISTEN_DEFAULT);
    config.public_url = option_or_env(opts[1].value, "BITSLOT_PUBLIC_URL", NULL);
    interval = option_or_env(opts[2].value, "BITSLOT_SWEEP_INTERVAL", NULL);
    config.sweep_interval = BS_WEB_SWEEP_DEFAULT;
    if (interval != NULL && bs_cli_integer(interval, "sweep interval", "seconds, 1 to 86400", 1,
                                           86400, &config.sweep_interval) != BS_EXIT_OK)
        return BS_EXIT_USAGE;
    if (config.public_url != NULL && !bs_text_http_url(config.public_url, 512)) {
        bs_cli_error("invalid public URL \"%s\" (http:// or https:// and a host)",
                     config.public_url);
        return BS_EXIT_USAGE;
    }
    config.node_url = cli->node_url;
    /* The store must be one `init` made, and the node (when given) must
     * answer with its wallet, before anything is served. */
    rc = cli->node_url != NULL ? bs_cli_ctx_with_node(cli, &ctx) : bs_cli_ctx(cli, &ctx);
    if (rc != BS_EXIT_OK)
        return rc;
    return bs_web_serve(ctx, &config);
}

const bs_cli_command bs_cli_serve_commands[] = {
    {"serve", "[--listen HOST:PORT] [--public-url URL] [--sweep-interval SECONDS]",
     "run the web server (JSON API, embed)",
     "Serves the JSON API under /api/v1/ and /healthz on --listen (default\n"
     "127.0.0.1:8080; also BITSLOT_LISTEN; port 0: any free port, printed). One event\n"
     "loop per core; store, node and password work on worker threads. Every\n"
     "--sweep-interval seconds (default 30; BITSLOT_SWEEP_INTERVAL) it finishes\n"
     "whatever crashed operations left, as 'bitslot recover' does. One log line per\n"
     "request on stderr. SIGTERM or SIGINT: stops accepting, finishes the requests in\n"
     "flight (at most 10 s) and exits 0. Any number of serve processes may share a store.",
     run_serve},
    {NULL, NULL, NULL, NULL, NULL},
};
