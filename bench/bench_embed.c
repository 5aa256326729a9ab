/*
 * bench_embed.c — the publisher embed at wire speed (issue 9, item 5):
 *
 *   1. requests/s of GET /embed/OWNER/I from `bitslot serve` ÷ requests/s
 *      of nginx serving the very same bytes as a static file;
 *   2. the same for the ad image the embed links to (/img/DIGEST.png);
 *   3. serve's peak resident memory (VmHWM) after that load;
 *   4. serve's resident memory (VmRSS) with 5 000 idle live event
 *      listeners (GET /api/v1/campaigns/OWNER/I/events) open.
 *
 * Everything is made here, in a temporary directory removed at the end: a
 * fresh LMDB store with a seller, a campaign, a buyer, an ad and a sale (by
 * the `bitslot` commands, as a user would), serve on 127.0.0.1 and a free
 * port, nginx with its own configuration on another (bench/README.md says
 * which settings and why). The load is `wrk -t2 -c64 -d5s` on loopback,
 * the two servers back to back, in rounds: the median round by ratio is
 * reported (the machine is shared; see compare()). A benchmark, not a test: it prints its
 * figures as bench/table.h rows and judges nothing; it exits 1 only when it
 * cannot measure (a tool missing, a server that does not answer right).
 *
 * usage: bench_embed BITSLOT   (the binary to measure, e.g. ./build/bitslot)
 *        needs nginx and wrk on PATH (tools/install-deps bench)
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "table.h"

#define EMBED_ROUNDS 5 /* odd: the median is a round */
#define IMAGE_ROUNDS 3
#define ROUNDS_MAX   5
#define WRK_ARGS     "-t2", "-c64", "-d5s"
#define LISTENERS    5000
#define SETTLE_S     3 /* seconds the listeners stay open before serve is measured */
#define EMBED_PATH   "/embed/seller/0"
#define EVENTS_PATH  "/api/v1/campaigns/seller/0/events"
#define DIR_MAX      1024 /* the temporary directory's path */
#define PATH_MAX_LEN (DIR_MAX + 64)

extern char **environ;

static char dir[DIR_MAX]; /* the temporary directory */

static void fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* ---- processes ---------------------------------------------------------------------- */

static void
cleanup(void)
{
    if (dir[0] != '\0') {
        pid_t pid = fork();
        if (pid == 0) {
            execlp("rm", "rm", "-rf", dir, (char *)NULL);
            _exit(127);
        }
        if (pid > 0)
            waitpid(pid, NULL, 0);
    }
}

static void
fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "bench_embed: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    exit(1); /* atexit: the servers are stopped, the directory removed */
}

/* Start argv[0] (looked up in PATH) with `input` on stdin (NULL: none),
 * stdout to out_path and stderr to err_path (NULL: /dev/null), or stdout
 * into a pipe whose read end is *out_fd when out_fd is not NULL. */
static pid_t
spawn(char *const argv[], const char *input, const char *out_path, const char *err_path,
      int *out_fd)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    pid_t pid;

    if ((input != NULL && pipe(in) != 0) || (out_fd != NULL && pipe(out) != 0))
        fail("pipe: %s", strerror(errno));
    pid = fork();
    if (pid < 0)
        fail("fork: %s", strerror(errno));
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        int o = out_fd != NULL     ? out[1]
                : out_path != NULL ? open(out_path, O_WRONLY | O_CREAT | O_APPEND, 0644)
                                   : devnull;
        int e = err_path != NULL ? open(err_path, O_WRONLY | O_CREAT | O_APPEND, 0644) : devnull;

        setpgid(0, 0); /* a ^C of the bench is the bench's to pass on */
        dup2(input != NULL ? in[0] : devnull, 0);
        dup2(o, 1);
        dup2(e, 2);
        for (int fd = 3; fd < 64; fd++)
            close(fd);
        execvp(argv[0], argv);
        fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    if (input != NULL) {
        close(in[0]);
        if (write(in[1], input, strlen(input)) != (ssize_t)strlen(input))
            fail("cannot write to %s", argv[0]);
        close(in[1]);
    }
    if (out_fd != NULL) {
        close(out[1]);
        *out_fd = out[0];
    }
    return pid;
}

static int
wait_for(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void
stop(pid_t *pid, int sig)
{
    if (*pid > 0) {
        kill(*pid, sig);
        wait_for(*pid);
        *pid = 0;
    }
}

static void
path_in_dir(char *out, const char *name)
{
    snprintf(out, PATH_MAX_LEN, "%s/%s", dir, name);
}

/* A `bitslot` command on the bench's store; its output goes to cli.log. */
static void
cli(const char *bitslot, const char *input, const char *const *args)
{
    char store[PATH_MAX_LEN + 8], log[PATH_MAX_LEN];
    char *argv[16];
    size_t n = 0;

    snprintf(store, sizeof(store), "lmdb:%s/store", dir);
    path_in_dir(log, "cli.log");
    argv[n++] = (char *)bitslot;
    argv[n++] = "--store";
    argv[n++] = store;
    while (*args != NULL && n < sizeof(argv) / sizeof(argv[0]) - 1)
        argv[n++] = (char *)*args++;
    argv[n] = NULL;
    if (wait_for(spawn(argv, input, log, log, NULL)) != 0)
        fail("`bitslot %s` failed; see %s", argv[3], log);
}

#define CLI(bitslot, input, ...) cli(bitslot, input, (const char *const[]){__VA_ARGS__, NULL})

/* ---- HTTP by hand ------------------------------------------------------------------- */

static int
connect_to(int port)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0)
        fail("socket: %s (raise ulimit -n?)", strerror(errno));
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* GET `path` (Connection: close): the status, the body in *body (malloc'ed). */
static int
http_get(int port, const char *path, char **body, size_t *len)
{
    char request[512], *data = NULL, *start;
    size_t have = 0, cap = 0;
    int fd = connect_to(port), status = -1;
    ssize_t n;

    *body = NULL;
    *len = 0;
    if (fd < 0)
        return -1;
    snprintf(request, sizeof(request),
             "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n\r\n", path, port);
    if (write(fd, request, strlen(request)) != (ssize_t)strlen(request)) {
        close(fd);
        return -1;
    }
    do {
        if (have + 4096 + 1 > cap) {
            cap = cap * 2 + 8192;
            if ((data = realloc(data, cap)) == NULL)
                fail("out of memory");
        }
        n = read(fd, data + have, cap - have - 1);
        have += n > 0 ? (size_t)n : 0;
    } while (n > 0 || (n < 0 && errno == EINTR));
    close(fd);
    if (data == NULL)
        return -1;
    data[have] = '\0';
    if (sscanf(data, "HTTP/1.1 %d", &status) != 1 || (start = strstr(data, "\r\n\r\n")) == NULL) {
        free(data);
        return -1;
    }
    start += 4;
    *len = have - (size_t)(start - data);
    *body = malloc(*len + 1);
    memcpy(*body, start, *len + 1);
    free(data);
    return status;
}

static int
free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port;

    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0)
        fail("no free port: %s", strerror(errno));
    port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* ---- the two servers ---------------------------------------------------------------- */

static pid_t serve_pid, nginx_pid;

static void
stop_servers(void)
{
    stop(&serve_pid, SIGTERM);
    stop(&nginx_pid, SIGQUIT);
}

/* serve on 127.0.0.1, any free port: its port. */
static int
start_serve(const char *bitslot)
{
    static const char marker[] = "bitslot: serving on http://127.0.0.1:";
    char store[PATH_MAX_LEN + 8], log[PATH_MAX_LEN], line[512];

    snprintf(store, sizeof(store), "lmdb:%s/store", dir);
    path_in_dir(log, "serve.log");
    serve_pid = spawn((char *const[]){(char *)bitslot, "--store", store, "serve", "--listen",
                                      "127.0.0.1:0", NULL},
                      NULL, NULL, log, NULL);
    for (int tick = 0; tick < 1000; tick++) {
        FILE *f = fopen(log, "r");
        while (f != NULL && fgets(line, sizeof(line), f) != NULL)
            if (strncmp(line, marker, sizeof(marker) - 1) == 0) {
                fclose(f);
                return (int)strtol(line + sizeof(marker) - 1, NULL, 10);
            }
        if (f != NULL)
            fclose(f);
        usleep(10000);
    }
    fail("bitslot serve did not start; see %s", log);
}

static void
write_file(const char *path, const char *data, size_t len)
{
    FILE *f = fopen(path, "w");

    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0)
        fail("cannot write %s", path);
}

/* nginx on 127.0.0.1:port, serving dir/www, as many workers as serve has
 * loops (one per core). */
static void
start_nginx(int port)
{
    char conf[PATH_MAX_LEN], text[16384], errlog[PATH_MAX_LEN];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int n;

    path_in_dir(conf, "nginx.conf");
    path_in_dir(errlog, "nginx-error.log");
    n = snprintf(text, sizeof(text),
                 "daemon off;\n"
                 "worker_processes %ld;\n"
                 "pid %s/nginx.pid;\n"
                 "error_log %s warn;\n"
                 "events { worker_connections 1024; }\n"
                 "http {\n"
                 "    types { image/png png; image/jpeg jpg; image/gif gif; image/webp webp; }\n"
                 "    default_type \"text/html; charset=utf-8\";\n"
                 "    access_log %s/nginx-access.log combined buffer=64k flush=1s;\n"
                 "    sendfile off;\n"
                 "    open_file_cache max=64 inactive=60s;\n"
                 "    keepalive_requests 1000000000;\n"
                 "    client_body_temp_path %s/tmp/body;\n"
                 "    proxy_temp_path %s/tmp/proxy;\n"
                 "    fastcgi_temp_path %s/tmp/fastcgi;\n"
                 "    uwsgi_temp_path %s/tmp/uwsgi;\n"
                 "    scgi_temp_path %s/tmp/scgi;\n"
                 "    server {\n"
                 "        listen 127.0.0.1:%d reuseport;\n"
                 "        root %s/www;\n"
                 "    }\n"
                 "}\n",
                 cores < 1 ? 1 : cores, dir, errlog, dir, dir, dir, dir, dir, dir, port, dir);
    if (n < 0 || (size_t)n >= sizeof(text))
        fail("the nginx configuration is too long");
    write_file(conf, text, (size_t)n);
    nginx_pid = spawn((char *const[]){"nginx", "-p", dir, "-c", conf, "-e", errlog, NULL}, NULL,
                      NULL, errlog, NULL);
    for (int tick = 0; tick < 500; tick++) {
        int fd = connect_to(port);
        if (fd >= 0) {
            close(fd);
            return;
        }
        usleep(10000);
    }
    fail("nginx did not start; see %s", errlog);
}

/* ---- wrk ---------------------------------------------------------------------------- */

/* CPU time (user and system, in seconds) of process `pid` and its
 * children that are alive (nginx's workers). */
static double
cpu_seconds(pid_t pid)
{
    char path[96], line[1024], *close_paren;
    unsigned long long ticks = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) != NULL && fgets(line, sizeof(line), f) != NULL &&
        (close_paren = strrchr(line, ')')) != NULL) {
        unsigned long long utime, stime;
        /* After "pid (comm)": state and 10 fields, then utime and stime. */
        if (sscanf(close_paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
                   &stime) == 2)
            ticks = utime + stime;
    }
    if (f != NULL)
        fclose(f);
    snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
    if ((f = fopen(path, "r")) != NULL) {
        int child;
        double more = 0;
        while (fscanf(f, "%d", &child) == 1)
            more += cpu_seconds(child);
        fclose(f);
        return (double)ticks / (double)sysconf(_SC_CLK_TCK) + more;
    }
    return (double)ticks / (double)sysconf(_SC_CLK_TCK);
}

/* One run of `wrk -t2 -c64 -d5s` on the server `pid` at `port`: its
 * requests/s, and the server's CPU time per request (µs) in *cpu_us. Fails
 * on any non-2xx answer or socket error. */
static double
wrk(pid_t pid, int port, const char *path, double *cpu_us)
{
    char url[512], out[8192];
    const char *rate, *bad, *total;
    double cpu = cpu_seconds(pid);
    size_t have = 0;
    ssize_t n;
    int fd;
    pid_t wrk_pid;

    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
    wrk_pid = spawn((char *const[]){"wrk", WRK_ARGS, url, NULL}, NULL, NULL, NULL, &fd);
    while ((n = read(fd, out + have, sizeof(out) - 1 - have)) > 0 || (n < 0 && errno == EINTR))
        have += n > 0 ? (size_t)n : 0;
    close(fd);
    out[have] = '\0';
    if (wait_for(wrk_pid) != 0 || (rate = strstr(out, "Requests/sec:")) == NULL ||
        (total = strstr(out, " requests in ")) == NULL)
        fail("wrk %s failed:\n%s", url, out);
    if ((bad = strstr(out, "Non-2xx")) != NULL || (bad = strstr(out, "Socket errors")) != NULL)
        fail("wrk %s: %.*s", url, (int)strcspn(bad, "\n"), bad);
    /* "  1234567 requests in 5.00s, ...": the number before. */
    while (total > out && total[-1] >= '0' && total[-1] <= '9')
        total--;
    *cpu_us = (cpu_seconds(pid) - cpu) * 1e6 / strtod(total, NULL);
    return strtod(rate + sizeof("Requests/sec:") - 1, NULL);
}

/* `rounds` rounds of a run of each server on `path`, back to back (which
 * one starts alternates): the round whose ratio serve ÷ nginx is the
 * median. Other programs come and go on a shared machine; the two runs of
 * a round see about the same of them, and the median round is neither the
 * luckiest nor the unluckiest. */
static void
compare(const char *what, int rounds, int serve_port, int nginx_port, const char *path,
        double *serve_rate, double *nginx_rate)
{
    double serve[ROUNDS_MAX], nginx[ROUNDS_MAX], serve_cpu, nginx_cpu;
    int order[ROUNDS_MAX];

    for (int r = 0; r < rounds; r++) {
        if (r % 2 == 0) {
            nginx[r] = wrk(nginx_pid, nginx_port, path, &nginx_cpu);
            serve[r] = wrk(serve_pid, serve_port, path, &serve_cpu);
        } else {
            serve[r] = wrk(serve_pid, serve_port, path, &serve_cpu);
            nginx[r] = wrk(nginx_pid, nginx_port, path, &nginx_cpu);
        }
        fprintf(stderr,
                "  %s, round %d: serve %6.0f /s (%4.1f µs CPU each), nginx %6.0f /s (%4.1f µs "
                "CPU each), ratio %.3f\n",
                what, r + 1, serve[r], serve_cpu, nginx[r], nginx_cpu, serve[r] / nginx[r]);
        order[r] = r;
    }
    for (int i = 1; i < rounds; i++) /* by ratio: a handful, insertion sort */
        for (int j = i;
             j > 0 && serve[order[j]] / nginx[order[j]] < serve[order[j - 1]] / nginx[order[j - 1]];
             j--) {
            int t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    *serve_rate = serve[order[rounds / 2]];
    *nginx_rate = nginx[order[rounds / 2]];
}

/* ---- memory ------------------------------------------------------------------------- */

/* A "VmRSS"-like field of /proc/PID/status, in MiB. */
static double
mib_of(pid_t pid, const char *field)
{
    char path[64], line[256];
    size_t n = strlen(field);
    double kb = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        fail("cannot read %s", path);
    while (fgets(line, sizeof(line), f) != NULL)
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtod(line + n + 1, NULL);
    fclose(f);
    if (kb < 0)
        fail("no %s in %s", field, path);
    return kb / 1024;
}

/* Enough descriptors for the listeners, here and in serve (which inherits
 * the limit). */
static void
raise_file_limit(void)
{
    struct rlimit r;

    if (getrlimit(RLIMIT_NOFILE, &r) != 0)
        fail("getrlimit: %s", strerror(errno));
    if (r.rlim_max != RLIM_INFINITY && r.rlim_max < LISTENERS + 256)
        r.rlim_max = LISTENERS + 256; /* only root may; then so be it */
    r.rlim_cur = r.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &r) != 0)
        fail("cannot raise the limit of open files to %d: %s", LISTENERS + 256, strerror(errno));
}

/* Read whatever is there on each ready listener; counts those that heard
 * their first event. */
static void
drain(int ep, bool *heard, size_t *nheard, int timeout_ms)
{
    static const char marker[] = "event: price";
    struct epoll_event ev[256];
    char buf[8192];
    int n = epoll_wait(ep, ev, 256, timeout_ms);

    for (int i = 0; i < n; i++) {
        int fd = ev[i].data.fd;
        ssize_t got;

        while ((got = read(fd, buf, sizeof(buf) - 1)) > 0) {
            buf[got] = '\0';
            /* The first event comes whole in the first answer's bytes. */
            if (!heard[fd] && strstr(buf, marker) != NULL) {
                heard[fd] = true;
                (*nheard)++;
            }
        }
        if (got == 0)
            fail("serve closed a live event stream");
    }
}

/* Open LISTENERS event streams, wait until each heard its first event,
 * keep them SETTLE_S seconds (reading what comes), then measure serve. */
static void
listeners(int port, double *rss, double *hwm)
{
    static const char request[] = "GET " EVENTS_PATH " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    static int fds[LISTENERS];
    bool *heard = calloc(LISTENERS + 1024, sizeof(*heard));
    int ep = epoll_create1(EPOLL_CLOEXEC);
    size_t nheard = 0;
    time_t until;

    if (heard == NULL || ep < 0)
        fail("cannot watch the listeners");
    for (int i = 0; i < LISTENERS; i++) {
        struct epoll_event ev = {.events = EPOLLIN};

        if ((fds[i] = connect_to(port)) < 0)
            fail("cannot open listener %d: %s", i + 1, strerror(errno));
        if (fds[i] >= LISTENERS + 1024)
            fail("descriptor %d is out of range", fds[i]);
        if (write(fds[i], request, sizeof(request) - 1) != (ssize_t)sizeof(request) - 1)
            fail("cannot ask for events: %s", strerror(errno));
        fcntl(fds[i], F_SETFL, O_NONBLOCK);
        ev.data.fd = fds[i];
        epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
        if (i % 100 == 99)
            drain(ep, heard, &nheard, 0);
    }
    until = time(NULL) + 30;
    while (nheard < LISTENERS && time(NULL) < until)
        drain(ep, heard, &nheard, 100);
    if (nheard < LISTENERS)
        fail("only %zu of %d listeners heard an event", nheard, LISTENERS);
    until = time(NULL) + SETTLE_S;
    while (time(NULL) < until)
        drain(ep, heard, &nheard, 100);
    *rss = mib_of(serve_pid, "VmRSS");
    *hwm = mib_of(serve_pid, "VmHWM");
    for (int i = 0; i < LISTENERS; i++)
        close(fds[i]);
    close(ep);
    free(heard);
}

/* ---- the run ------------------------------------------------------------------------ */

/* BITSLOT_* of the caller's shell (a store, a node, a config file) would
 * change what is measured. */
static void
clean_environment(void)
{
    char name[256];

    for (size_t i = 0; environ[i] != NULL;)
        if (strncmp(environ[i], "BITSLOT_", 8) == 0) {
            snprintf(name, sizeof(name), "%.*s", (int)strcspn(environ[i], "="), environ[i]);
            unsetenv(name);
        } else {
            i++;
        }
}

/* Store, seller, campaign, buyer, ad, sale: the embed shows a sold slot. */
static void
make_store(const char *bitslot)
{
    CLI(bitslot, NULL, "init");
    CLI(bitslot, "seller-password\n", "account", "create", "seller");
    CLI(bitslot, "buyer-password\n", "account", "create", "buyer");
    CLI(bitslot, NULL, "account", "adjust", "buyer", "1000000", "--reason", "bench");
    CLI(bitslot, NULL, "campaign", "create", "seller", "--min-price", "1000", "--slot-seconds",
        "86400", "--size", "300x250", "--title", "Bench spot");
    CLI(bitslot, NULL, "ad", "add", "buyer", "--image", BENCH_AD_IMAGE, "--url",
        "https://buyer.example/", "--hover", "The buyer's shop");
    CLI(bitslot, NULL, "buy", "buyer", "seller/0", "--ad", "buyer/0");
}

/* Fetch `path` from serve and put the same bytes at `path` in nginx's root. */
static void
mirror(int serve_port, const char *path, char **body, size_t *len)
{
    char file[PATH_MAX_LEN + 256], *slash;
    int status = http_get(serve_port, path, body, len);

    if (status != 200)
        fail("GET %s from serve: status %d", path, status);
    snprintf(file, sizeof(file), "%s/www%s", dir, path);
    for (slash = strchr(file + strlen(dir) + 1, '/'); slash != NULL;
         slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        mkdir(file, 0755);
        *slash = '/';
    }
    write_file(file, *body, *len);
}

/* nginx answers `path` with the same bytes as serve. */
static void
check_nginx(int port, const char *path, const char *body, size_t len)
{
    char *got;
    size_t got_len;
    int status = http_get(port, path, &got, &got_len);

    if (status != 200 || got_len != len || memcmp(got, body, len) != 0)
        fail("nginx does not answer %s with serve's bytes (status %d)", path, status);
    free(got);
}

int
main(int argc, char **argv)
{
    char *embed, *image, image_path[256], *src, sub[PATH_MAX_LEN];
    const char *tmp;
    size_t embed_len, image_len;
    double serve_rate, nginx_rate, image_serve, image_nginx, hwm_load, rss_sse, hwm_sse;
    int serve_port, nginx_port;

    if (argc != 2) {
        fprintf(stderr, "usage: bench_embed BITSLOT\n");
        return 2;
    }
    clean_environment();
    raise_file_limit();
    signal(SIGPIPE, SIG_IGN);
    tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    if (strlen(tmp) > DIR_MAX - 32)
        fail("TMPDIR is too long");
    snprintf(dir, sizeof(dir), "%s/bench-embed.XXXXXX", tmp);
    if (mkdtemp(dir) == NULL)
        fail("cannot make a temporary directory: %s", strerror(errno));
    chmod(dir, 0755); /* nginx's workers run as nobody when started by root */
    atexit(cleanup);
    atexit(stop_servers);
    path_in_dir(sub, "tmp");
    mkdir(sub, 0755);
    path_in_dir(sub, "www");
    mkdir(sub, 0755);

    make_store(argv[1]);
    serve_port = start_serve(argv[1]);
    mirror(serve_port, EMBED_PATH, &embed, &embed_len);
    /* The embed shows the sale: its image, linked through /go/. */
    src = strstr(embed, "<img src=\"/img/");
    if (src == NULL || strstr(embed, "/go/seller/0/0") == NULL)
        fail("the embed does not show the sold slot:\n%s", embed);
    src += sizeof("<img src=\"") - 1;
    snprintf(image_path, sizeof(image_path), "%.*s", (int)strcspn(src, "\""), src);
    mirror(serve_port, image_path, &image, &image_len);
    nginx_port = free_port();
    start_nginx(nginx_port);
    check_nginx(nginx_port, EMBED_PATH, embed, embed_len);
    check_nginx(nginx_port, image_path, image, image_len);
    fprintf(stderr, "  the embed: %zu bytes; its image: %zu bytes; wrk -t2 -c64 -d5s\n", embed_len,
            image_len);

    compare("embed", EMBED_ROUNDS, serve_port, nginx_port, EMBED_PATH, &serve_rate, &nginx_rate);
    compare("image", IMAGE_ROUNDS, serve_port, nginx_port, image_path, &image_serve, &image_nginx);
    hwm_load = mib_of(serve_pid, "VmHWM");
    stop(&nginx_pid, SIGQUIT);
    listeners(serve_port, &rss_sse, &hwm_sse);
    fprintf(stderr,
            "  serve: VmHWM %.1f MiB after the load; with %d listeners VmRSS %.1f MiB, "
            "VmHWM %.1f MiB\n",
            hwm_load, LISTENERS, rss_sse, hwm_sse);

    bench_row("embed requests/s (wrk -t2 -c64 -d5s, loopback)", serve_rate, "/s",
              "nginx, the same bytes as a static file", nginx_rate, "/s", 1, 1.0);
    bench_row("ad image requests/s (wrk -t2 -c64 -d5s, loopback)", image_serve, "/s",
              "nginx, the same bytes as a static file", image_nginx, "/s", 1, 1.0);
    bench_value("serve resident after the embed load (VmHWM)", hwm_load, "MiB", 0, 64);
    bench_value("serve resident with 5 000 idle SSE listeners (VmRSS)", rss_sse, "MiB", 0, 64);
    free(embed);
    free(image);
    return 0;
}
