/*
 * server.c — see server.h. The main thread starts the pool, the sweeper
 * and the loops, then waits for a signal; each loop thread owns its h2o
 * context, its listener and its receivers, and nothing of another loop.
 *
 * Each loop makes its h2o context in its own thread (run_loop), as h2o's
 * own server does: h2o recycles socket buffers through a list per thread
 * (thread-local), and a socket takes the list of the thread that creates
 * it, for its whole life. A context made by main would give every loop's
 * queue pipe main's list, which the loops would then take from and give
 * back to at the same time, unlocked. The loops start one at a time (main
 * waits on loop_ready), so their registration in the shared parts is
 * never concurrent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "util/text.h"
#include "web/accesslog.h"
#include "web/assets.h"
#include "web/call.h"
#include "web/listen.h"
#include "web/page.h"
#include "web/live.h"
#include "web/routes.h"
#include "web/server.h"
#include "web/sweeper.h"

#define LOOPS_MAX 64

typedef struct loop {
    pthread_t thread;
    h2o_evloop_t *evloop;
    h2o_context_t context;
    h2o_accept_ctx_t accept;
    h2o_socket_t *listener;
    int fd;                               /* the listening socket */
    h2o_multithread_receiver_t jobs_back; /* answers from the pool */
    h2o_multithread_receiver_t control;   /* "stop listening" from main */
    h2o_multithread_message_t stop_message;
    size_t index;
    atomic_bool connected; /* an HTTP/1 connection is open (loop writes, main reads) */
    bs_web_accesslog *log; /* this loop's lines, written at the end of each iteration */
    uint32_t next_id;      /* this loop's request ids: index + 1, then every nloops-th */
    /* Out of descriptors (EMFILE): the listener rests a moment, then tries
     * again; the connections wait in the kernel's queue meanwhile. */
    h2o_timeout_t rest;
    h2o_timeout_entry_t rest_entry;
} loop;

typedef struct server {
    h2o_globalconf_t config;
    bs_web_pool *pool;
    bs_web_live *live; /* what the loops answer from memory */
    loop loops[LOOPS_MAX];
    size_t nloops;
    sem_t loop_ready;               /* posted by each loop once it listens */
    char id_prefix[8];              /* this process's part of every request id (hex, no NUL) */
    atomic_llong out_of_files_said; /* CLOCK_MONOTONIC second of the last such line, 0: none */
    bs_web_proxies proxies;         /* whose X-Forwarded-For names the client */
} server;

static server the_server; /* one per process: its loops point into it */

/* ---- requests ---------------------------------------------------------------------- */

typedef struct route_handler {
    h2o_handler_t super;
    server *srv;
} route_handler;

#define BS_WEB_STOP_IDLE_MS   1000 /* ms a connection may idle once stopping */
#define BS_WEB_ACCEPT_REST_MS 100  /* ms a listener rests when out of descriptors */

static loop *
loop_of(h2o_req_t *req)
{
    return H2O_STRUCT_FROM_MEMBER(loop, context, req->conn->ctx);
}

/* n as 8 lowercase hex digits (no NUL). */
static void
hex8(char out[8], uint32_t n)
{
    for (int i = 7; i >= 0; i--, n >>= 4)
        out[i] = "0123456789abcdef"[n & 0xf];
}

/* The next request id of loop `l`: the process's prefix and a number no
 * other loop of the process hands out (until it wraps at 2^32). */
static void
next_request_id(server *srv, loop *l, char id[BS_WEB_REQUEST_ID_LEN + 1])
{
    memcpy(id, srv->id_prefix, 8);
    hex8(id + 8, l->next_id);
    id[BS_WEB_REQUEST_ID_LEN] = '\0';
    l->next_id += (uint32_t)srv->nloops;
}

/* A path of the API (or /healthz, /metrics): programs, answered in JSON;
 * every other path is a page, answered in HTML. */
static bool
is_api(const char *path, size_t len)
{
    return (len >= 8 && memcmp(path, "/api/v1/", 8) == 0) ||
           (len == 8 && memcmp(path, "/healthz", 8) == 0) ||
           (len == 8 && memcmp(path, "/metrics", 8) == 0);
}

/* Bytes of the request's head as the client sent it (near enough: the
 * request line and every header line). */
static size_t
head_bytes(const h2o_req_t *req)
{
    size_t n = req->method.len + req->path.len + sizeof(" HTTP/1.1\r\n") + req->authority.len +
               sizeof("host: \r\n");

    for (size_t i = 0; i < req->headers.size; i++)
        n += req->headers.entries[i].name->len + req->headers.entries[i].value.len + 4;
    return n;
}

static int
on_request(h2o_handler_t *self, h2o_req_t *req)
{
    server *srv = ((route_handler *)self)->srv;
    char id[BS_WEB_REQUEST_ID_LEN + 1], params[BS_WEB_PARAMS_MAX][BS_WEB_PARAM_MAX], *copy;
    size_t path_len = req->query_at != SIZE_MAX ? req->query_at : req->path.len;
    const bs_web_route *route;
    bs_web_call *call;
    size_t nparams;
    bool path_known;

    /* h2o's timestamps are the loop's cached time (a millisecond apart at
     * best): the log line's duration is measured from here, precisely. */
    gettimeofday(&req->timestamps.request_begin_at, NULL);
    next_request_id(srv, loop_of(req), id);
    copy = h2o_mem_alloc_pool(&req->pool, BS_WEB_REQUEST_ID_LEN);
    memcpy(copy, id, BS_WEB_REQUEST_ID_LEN);
    h2o_add_header_by_str(&req->pool, &req->res.headers, H2O_STRLIT("x-request-id"), 0, NULL, copy,
                          BS_WEB_REQUEST_ID_LEN);
    if (head_bytes(req) > BS_WEB_HEAD_MAX) {
        /* h2o itself closes the connection only past ~400 KiB of head. */
        req->http1_is_persistent = 0;
        if (is_api(req->path.base, path_len))
            bs_web_send_error(req, 431, "headers_too_large",
                              "the request's headers are too large (at most " BS_WEB_HEAD_MAX_TEXT
                              " bytes)");
        else
            bs_assets_no_page(req, 431,
                              "the request's headers are too large (at most " BS_WEB_HEAD_MAX_TEXT
                              " bytes); clear this site's cookies and try again");
        return 0;
    }
    route = bs_web_route_find(req->method.base, req->method.len, req->path.base, path_len, params,
                              &nparams, &path_known);
    if (route == NULL) {
        if (path_known) {
            char allow[64];
            bs_web_route_allowed(req->path.base, path_len, allow, sizeof(allow));
            h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_ALLOW, NULL,
                           h2o_strdup(&req->pool, allow, SIZE_MAX).base, strlen(allow));
            if (is_api(req->path.base, path_len))
                bs_web_send_error(req, 405, "method_not_allowed",
                                  "this path does not take that method");
            else
                bs_assets_no_page(req, 405, "this page does not take that method");
        } else if (is_api(req->path.base, path_len)) {
            bs_web_send_error(req, 404, "not_found", "no such page");
        } else {
            bs_assets_no_page(req, 404, "no such page");
        }
        return 0;
    }
    if (route->on_loop != NULL) {
        route->on_loop(req, srv->live, params, nparams);
        return 0;
    }
    call = bs_web_call_new(req, id, params, nparams, &srv->proxies);
    if (call == NULL) {
        bs_web_send_error(req, 503, "unavailable", "the server is out of memory; retry later");
        return 0;
    }
    call->work = route->work;
    call->query_names = route->query;
    call->as_page = route->page ? bs_page_as_page : NULL;
    bs_web_call_submit(call, srv->pool, &loop_of(req)->jobs_back);
    return 0;
}

typedef struct route_logger {
    h2o_logger_t super;
    server *srv;
} route_logger;

/* One line per request (web/accesslog.h), and its count for /metrics. */
static void
log_access(h2o_logger_t *self, h2o_req_t *req)
{
    ssize_t at = h2o_find_header_by_str(&req->res.headers, H2O_STRLIT("x-request-id"), -1);
    const struct timeval *begin = &req->timestamps.request_begin_at;
    bs_web_live *live = ((route_logger *)self)->srv->live;
    bs_web_access a;

    if (req->res.status == BS_WEB_HANDED_OVER)
        return;                 /* its route says when it ends */
    gettimeofday(&a.end, NULL); /* the answer is sent: the request ends now */
    /* Not begun: refused by h2o before our handler saw it. */
    a.micros = begin->tv_sec == 0 ? 0
                                  : (long long)(a.end.tv_sec - begin->tv_sec) * 1000000 +
                                        (a.end.tv_usec - begin->tv_usec);
    if (a.micros < 0)
        a.micros = 0; /* the clock was set back meanwhile */
    a.id = at >= 0 ? req->res.headers.entries[at].value.base : NULL;
    a.id_len = at >= 0 ? req->res.headers.entries[at].value.len : 0;
    a.method = req->method.base != NULL ? req->method.base : "-";
    a.method_len = req->method.base != NULL ? req->method.len : 1;
    a.path = req->path.base != NULL ? req->path.base : "-";
    a.path_len = req->path.base != NULL ? req->path.len : 1;
    a.status = req->res.status;
    a.bytes = req->bytes_sent;
    bs_web_live_finished(bs_web_live_loop(live, req), &a);
}

/* ---- loops ------------------------------------------------------------------------- */

static void on_accept(h2o_socket_t *listener, const char *err);

/* One line a minute at most, from whichever loop runs out first. */
static void
say_out_of_files(int err)
{
    atomic_llong *said_at = &the_server.out_of_files_said;
    struct timespec now;
    long long last;

    clock_gettime(CLOCK_MONOTONIC, &now);
    last = atomic_load(said_at);
    if ((last != 0 && now.tv_sec - last < 60) ||
        !atomic_compare_exchange_strong(said_at, &last, (long long)now.tv_sec))
        return;
    fprintf(stderr,
            "bitslot: cannot accept a connection: %s; new connections wait (raise the open "
            "files limit, ulimit -n)\n",
            err == EMFILE ? "this process has no file descriptor left"
                          : "the system has no file descriptor left");
}

/* The rest is over: accept again (unless stopping meanwhile). */
static void
on_rested(h2o_timeout_entry_t *entry)
{
    loop *l = H2O_STRUCT_FROM_MEMBER(loop, rest_entry, entry);

    if (l->listener != NULL)
        h2o_socket_read_start(l->listener, on_accept);
}

static void
on_accept(h2o_socket_t *listener, const char *err)
{
    loop *l = listener->data;
    h2o_socket_t *sock;

    if (err != NULL)
        return;
    if ((sock = h2o_evloop_socket_accept(listener)) == NULL) {
        /* The listener stays readable while the process has no descriptor
         * left: without a rest the loop would spin on it. */
        if ((errno == EMFILE || errno == ENFILE) && !h2o_timeout_is_linked(&l->rest_entry)) {
            say_out_of_files(errno);
            h2o_socket_read_stop(listener);
            h2o_timeout_link(l->evloop, &l->rest, &l->rest_entry);
        }
        return;
    }
    h2o_accept(&l->accept, sock);
}

/* From the main thread, on a signal: accept nothing more. */
static void
on_control(h2o_multithread_receiver_t *receiver, h2o_linklist_t *messages)
{
    loop *l = H2O_STRUCT_FROM_MEMBER(loop, control, receiver);

    while (!h2o_linklist_is_empty(messages))
        h2o_linklist_unlink(messages->next);
    bs_web_live_loop_stop(the_server.live, &l->context);
    if (h2o_timeout_is_linked(&l->rest_entry))
        h2o_timeout_unlink(&l->rest_entry);
    if (l->listener != NULL) {
        h2o_socket_read_stop(l->listener);
        h2o_socket_close(l->listener);
        l->listener = NULL;
    }
    /* h2o_context_request_shutdown(&l->context): the others after their
     * response (h2o then answers with "Connection: close"). HTTP/1 has no
     * such hook in h2o 2.2, so idle keep-alive connections are given a
     * short wait for a next request instead: they close within a second.
     * So does a request still arriving that began more than a second ago:
     * h2o 2.2 does not re-arm the timeout on each read (web_hostile shows
     * a slow client closed however it trickles). */
    h2o_context_request_shutdown(&l->context);
    l->context.http1.req_timeout.timeout = BS_WEB_STOP_IDLE_MS;
}

/* Is `addr` free? The loops' listeners share their port (SO_REUSEPORT),
 * and so would another serve's, silently splitting the requests between
 * two stores: a socket without SO_REUSEPORT is refused by any listener
 * there. (A listener started between this probe and ours is not seen.) */
static bool
address_free(const struct sockaddr *addr, socklen_t len)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0), on = 1, saved;
    bool free_now;

    if (fd < 0)
        return true; /* the real bind says what is wrong */
    free_now = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
               bind(fd, addr, len) == 0 || errno != EADDRINUSE;
    saved = errno;
    close(fd);
    errno = saved;
    return free_now;
}

/* A listening socket on `addr` that shares its port with the other loops'. */
static int
listen_on(const struct sockaddr *addr, socklen_t len)
{
    int fd = socket(addr->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), on = 1;

    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) != 0 ||
        bind(fd, addr, len) != 0 || listen(fd, SOMAXCONN) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* In the loop's own thread; l->index and l->fd are set by main. */
static void
loop_init(server *srv, loop *l)
{
    l->next_id = (uint32_t)l->index + 1;
    if ((l->log = bs_web_accesslog_new(STDERR_FILENO)) == NULL) {
        fprintf(stderr, "bitslot: out of memory starting a loop\n");
        abort();
    }
    l->evloop = h2o_evloop_create();
    h2o_context_init(&l->context, l->evloop, &srv->config);
    l->accept.ctx = &l->context;
    l->accept.hosts = srv->config.hosts;
    bs_web_pool_receiver(l->context.queue, &l->jobs_back);
    bs_web_live_loop_init(srv->live, &l->context, l->log);
    h2o_multithread_register_receiver(l->context.queue, &l->control, on_control);
    h2o_timeout_init(l->evloop, &l->rest, BS_WEB_ACCEPT_REST_MS);
    l->rest_entry.cb = on_rested;
    l->listener = h2o_evloop_socket_create(l->evloop, l->fd, H2O_SOCKET_FLAG_DONT_READ);
    l->listener->data = l;
    h2o_socket_read_start(l->listener, on_accept);
}

static void *
run_loop(void *arg)
{
    loop *l = arg;

    loop_init(&the_server, l); /* here, not in main: see the top of this file */
    sem_post(&the_server.loop_ready);
    for (;;) {
        h2o_evloop_run(l->evloop, INT32_MAX);
        bs_web_accesslog_flush(l->log); /* the lines of this iteration's requests */
        atomic_store(&l->connected, !h2o_linklist_is_empty(&l->context.http1._conns));
    }
    return NULL;
}

/* ---- the address ------------------------------------------------------------------- */

static int
resolve(const char *listen, struct sockaddr_storage *addr, socklen_t *len)
{
    char host[256], port[8];
    struct addrinfo hints = {0}, *res;

    if (!bs_web_listen_split(listen, host, sizeof(host), port, sizeof(port))) {
        fprintf(stderr, "bitslot: invalid --listen \"%s\" (" BS_WEB_LISTEN_RULE ")\n", listen);
        return 2;
    }
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    if (getaddrinfo(host, port, &hints, &res) != 0) {
        fprintf(stderr, "bitslot: cannot listen on \"%s\": no such host\n", listen);
        return 2;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

static void
print_address(const struct sockaddr_storage *addr)
{
    char host[INET6_ADDRSTRLEN];
    unsigned port;

    if (addr->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)addr;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
        port = ntohs(a->sin6_port);
        fprintf(stderr, "bitslot: serving on http://[%s]:%u\n", host, port);
    } else {
        const struct sockaddr_in *a = (const struct sockaddr_in *)addr;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
        port = ntohs(a->sin_port);
        fprintf(stderr, "bitslot: serving on http://%s:%u\n", host, port);
    }
}

/* ---- open files ------------------------------------------------------------------- */

/* Raise the soft limit of open files to the hard one: each connection is a
 * descriptor, and the usual soft limit (1024) would cap them below
 * BS_WEB_FILES_WANTED. Says so when even the hard limit is lower. */
static void
raise_open_files(void)
{
    struct rlimit files;

    if (getrlimit(RLIMIT_NOFILE, &files) != 0)
        return;
    if (files.rlim_cur < files.rlim_max) {
        rlim_t soft = files.rlim_cur;
        files.rlim_cur = files.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &files) != 0)
            files.rlim_cur = soft;
    }
    if (files.rlim_cur != RLIM_INFINITY && files.rlim_cur < BS_WEB_FILES_WANTED)
        fprintf(stderr,
                "bitslot: at most %llu open files (the hard limit), so about %llu connections at "
                "once; raise it to %d or more (ulimit -Hn, or LimitNOFILE= in a systemd unit)\n",
                (unsigned long long)files.rlim_cur,
                (unsigned long long)(files.rlim_cur > BS_WEB_FILES_SPARE
                                         ? files.rlim_cur - BS_WEB_FILES_SPARE
                                         : 0),
                BS_WEB_FILES_WANTED);
}

/* ---- serve ------------------------------------------------------------------------- */

static size_t
default_loops(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);

    return n < 1 ? 1 : n > LOOPS_MAX ? LOOPS_MAX : (size_t)n;
}

static void
configure(server *srv)
{
    h2o_hostconf_t *host;
    h2o_pathconf_t *path;
    route_handler *handler;
    route_logger *logger;

    h2o_config_init(&srv->config);
    srv->config.max_request_entity_size = BS_WEB_BODY_MAX;
    /* One clock for a request's head and body, started when the server
     * begins to wait for it (accepted, or the previous answer sent): a
     * connection idle that long is closed, and so is a slow one, however
     * it trickles bytes (h2o 2.2 does not re-arm it on each read). */
    srv->config.http1.req_timeout = BS_WEB_REQUEST_TIMEOUT_MS;
    srv->config.server_name = h2o_iovec_init(H2O_STRLIT("bitslot"));
    /* HTTP/1.1 only (TLS and HTTP/2 are a reverse proxy's job): no h2c
     * upgrade, so that every request's connection can be handed over (a
     * live event stream takes its own: web/events.c). */
    srv->config.http1.upgrade_to_http2 = 0;
    host = h2o_config_register_host(&srv->config, h2o_iovec_init(H2O_STRLIT("default")), 65535);
    path = h2o_config_register_path(host, "/", 0);
    handler = (route_handler *)h2o_create_handler(path, sizeof(*handler));
    handler->super.on_req = on_request;
    handler->srv = srv;
    logger = (route_logger *)h2o_create_logger(path, sizeof(*logger));
    logger->super.log_access = log_access;
    logger->srv = srv;
}

static bool
busy(server *srv)
{
    if (bs_web_pool_busy(srv->pool) > 0)
        return true;
    for (size_t i = 0; i < srv->nloops; i++)
        if (atomic_load(&srv->loops[i].connected))
            return true;
    return false;
}

/* Wait until no request is in flight — none between the pool and its
 * answer, no connection open (one still sending its request, or being
 * answered) — for at most BS_WEB_DRAIN_SECONDS; then a moment for the
 * loops to write the last answers out. */
static void
drain(server *srv)
{
    for (int tick = 0; tick < BS_WEB_DRAIN_SECONDS * 100 && busy(srv); tick++)
        usleep(10000);
    usleep(100000);
}

int
bs_web_serve(const bs_ctx *ctx, const bs_web_config *config)
{
    server *srv = &the_server;
    struct sockaddr_storage addr;
    bs_web_sweeper *sweeper = NULL;
    bs_ctx worker_ctx;
    socklen_t addr_len;
    sigset_t signals;
    uint32_t prefix;
    int fd, sig, rc;
    bs_status st;

    rc = resolve(config->listen, &addr, &addr_len);
    if (rc != 0)
        return rc;
    raise_open_files();
    srv->nloops = config->loops > 0 ? config->loops : default_loops();
    if (srv->nloops > LOOPS_MAX)
        srv->nloops = LOOPS_MAX;
    /* The first listener learns the port (0: any free one); the others
     * share it. */
    if (!address_free((struct sockaddr *)&addr, addr_len)) {
        errno = EADDRINUSE;
        fd = -1;
    } else {
        fd = listen_on((struct sockaddr *)&addr, addr_len);
    }
    if (fd < 0 || getsockname(fd, (struct sockaddr *)&addr, &addr_len) != 0) {
        fprintf(stderr, "bitslot: cannot listen on \"%s\": %s\n", config->listen,
                errno == EADDRINUSE      ? "the address is in use"
                : errno == EADDRNOTAVAIL ? "not an address of this machine"
                : errno == EACCES        ? "permission denied (a port below 1024?)"
                                         : strerror(errno));
        if (fd >= 0)
            close(fd);
        return 2;
    }
    /* Signals are waited for here, not delivered to any thread. */
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    prefix = randombytes_random();
    hex8(srv->id_prefix, prefix);
    configure(srv);
    srv->proxies = config->trusted_proxies;
    if (sem_init(&srv->loop_ready, 0, 0) != 0) {
        fprintf(stderr, "bitslot: cannot start the loops: %s\n", strerror(errno));
        close(fd);
        return 3;
    }
    bs_page_configure(config->public_url);
    /* The sweeper first: the workers tell it of every sale. */
    st = bs_web_sweeper_start(ctx, config->node_url, config->payout_wallet, config->sweep_interval,
                              &sweeper);
    worker_ctx = *ctx;
    worker_ctx.payout = NULL; /* the sweeper's alone: a handle is one thread's */
    worker_ctx.sold = bs_web_sweeper_sold;
    worker_ctx.sold_arg = sweeper;
    if (st == BS_OK)
        st = bs_web_pool_start(&worker_ctx, config->node_url,
                               config->workers > 0 ? config->workers : 2 * srv->nloops + 2,
                               &srv->pool);
    if (st == BS_OK)
        st = bs_web_live_start(ctx, config, srv->pool, &srv->live);
    if (st != BS_OK) {
        fprintf(stderr, "bitslot: cannot start the workers: %s\n", bs_strerror(st));
        close(fd);
        return 3;
    }
    for (size_t i = 0; i < srv->nloops; i++) {
        int lfd = i == 0 ? fd : listen_on((struct sockaddr *)&addr, addr_len);
        if (lfd < 0) {
            fprintf(stderr, "bitslot: cannot listen again on \"%s\": %s\n", config->listen,
                    strerror(errno));
            return 3;
        }
        srv->loops[i].index = i;
        srv->loops[i].fd = lfd;
        h2o_multithread_create_thread(&srv->loops[i].thread, NULL, run_loop, &srv->loops[i]);
        while (sem_wait(&srv->loop_ready) != 0)
            ; /* EINTR */
    }
    print_address(&addr);

    do
        rc = sigwait(&signals, &sig);
    while (rc != 0);
    fprintf(stderr, "bitslot: stopping (signal %d): finishing requests in flight\n", sig);
    for (size_t i = 0; i < srv->nloops; i++)
        h2o_multithread_send_message(&srv->loops[i].control, &srv->loops[i].stop_message);
    drain(srv);
    bs_web_sweeper_stop(sweeper); /* after the workers: they tell it of sales */
    bs_web_live_stop(srv->live);
    fprintf(stderr, "bitslot: stopped\n");
    return 0;
}
