/*
 * cli_serve.c — the command that runs the web server:
 *   serve [--listen HOST:PORT] [--public-url URL] [--sweep-interval SECONDS] [--payouts on|off]
 *         [--trusted-proxy ADDR[,ADDR...]]
 * Its options are settings of the BS_CLI_SERVE scope (cli_config.c): each
 * may also come from the environment (BITSLOT_LISTEN, BITSLOT_PUBLIC_URL,
 * BITSLOT_SWEEP_INTERVAL, BITSLOT_PAYOUTS, BITSLOT_TRUSTED_PROXY) or the config file; a flag wins.
 * The table entry is here; what runs is bs_cli_serve_run (cli.h): in `bitslot-serve` the server
 * itself (cli_serve_run.c), in `bitslot` an exec of `bitslot-serve` (cli_serve_exec.c).
 */
#include "cli/cli.h"

const bs_cli_command bs_cli_serve_commands[] = {
    {"serve",
     "[--listen HOST:PORT] [--public-url URL] [--sweep-interval SECONDS] [--payouts on|off] "
     "[--trusted-proxy ADDR[,ADDR...]]",
     "run the web server (JSON API, embed)",
     "Serves the JSON API under /api/v1/ (described at /api/v1/openapi.json), the\n"
     "publisher embed (/embed/OWNER/I, from memory), live price events, /metrics and\n"
     "/healthz on --listen (default 127.0.0.1:8080; also BITSLOT_LISTEN; port 0: any\n"
     "free port, printed). --public-url is what absolute links use. One event\n"
     "loop per core; store, node and password work on worker threads. Every\n"
     "--sweep-interval seconds (default 30; BITSLOT_SWEEP_INTERVAL) it finishes\n"
     "whatever crashed operations left, as 'bitslot recover' does, and with --payouts\n"
     "on (BITSLOT_PAYOUTS; needs --node and --payout-wallet) pays and follows\n"
     "withdrawals, as 'bitslot withdrawals process' does. Behind a reverse proxy,\n"
     "--trusted-proxy (BITSLOT_TRUSTED_PROXY) names its addresses: a request from one\n"
     "of them is from the last address of its X-Forwarded-For (registration and login\n"
     "are throttled per client address). One log line per\n"
     "request on stderr. SIGTERM or SIGINT: stops accepting, finishes the requests in\n"
     "flight (at most 10 s) and exits 0. Any number of serve processes may share a store.\n"
     "Each option may also be a key of the config file (bitslot --config FILE serve).",
     bs_cli_serve_run},
    {NULL, NULL, NULL, NULL, NULL},
};
