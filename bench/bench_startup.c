/*
 * bench_startup.c — what a command costs before it does anything: the wall
 * time of `bitslot --version` (which reads no setting and opens nothing),
 * and of `bitslot campaign show` on an LMDB store with one campaign, run
 * as a user runs them (a new process each time, output to /dev/null).
 * A benchmark, not a test: it prints figures and judges nothing.
 *
 * usage: bench_startup BITSLOT [RUNS]   (BITSLOT: the path of the binary;
 *        RUNS: runs of each command, default 200)
 *
 * The store is made with the command itself (init, account create,
 * campaign create) in a fresh directory under $TMPDIR, removed at the end.
 * The two commands alternate, run for run, so that both see the same load
 * of a shared machine, and each figure is the median of its runs. The
 * environment is the caller's without BITSLOT_* variables (a BITSLOT_NODE
 * would make every command check a node URL). Two rows (bench/table.h):
 * campaign show ÷ --version, and --version alone (its value is the figure:
 * the floor every command pays). Besides, it prints how many shared
 * libraries each command loads, dlopen()ed ones included (LD_DEBUG=files),
 * and the median of /bin/true run the same way, in the same loop: the
 * floor of any process on this machine at this moment.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <fcntl.h>
#include <ftw.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "table.h"

#define WARMUP 10

extern char **environ;

static char **clean_env;

/* environ without BITSLOT_* variables, plus `extra` (NULL: none). */
static char **
make_env(const char *extra)
{
    size_t n = 0, k = 0;
    char **env;

    while (environ[n] != NULL)
        n++;
    env = calloc(n + 2, sizeof(*env));
    if (env == NULL)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "BITSLOT_", 8) != 0)
            env[k++] = environ[i];
    if (extra != NULL)
        env[k++] = (char *)extra;
    return env;
}

/* Run argv with `input` on stdin (NULL: /dev/null), stdout to /dev/null
 * and stderr to `err_fd` (-1: /dev/null). The wall time in ms, or a
 * negative number when it could not run or did not exit 0. */
static double
run(char *const argv[], char **env, const char *input, int err_fd)
{
    posix_spawn_file_actions_t fa;
    struct timespec t0, t1;
    int in[2] = {-1, -1}, status = 0;
    pid_t pid;
    bool ok;

    if (input != NULL && pipe(in) != 0)
        return -1;
    posix_spawn_file_actions_init(&fa);
    if (input != NULL) {
        posix_spawn_file_actions_adddup2(&fa, in[0], 0);
        posix_spawn_file_actions_addclose(&fa, in[1]);
    } else {
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (err_fd >= 0)
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
    else
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ok = posix_spawn(&pid, argv[0], &fa, NULL, argv, env) == 0;
    posix_spawn_file_actions_destroy(&fa);
    if (input != NULL) {
        close(in[0]);
        if (ok && write(in[1], input, strlen(input)) != (ssize_t)strlen(input))
            ok = false;
        close(in[1]);
    }
    if (ok && waitpid(pid, &status, 0) != pid)
        ok = false;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (!ok || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return -1;
    return (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
}

/* The shared libraries argv loads, counted from the dynamic loader's own
 * report (LD_DEBUG=files: one "file=" line each, dlopen() included); -1 on
 * failure. */
static int
libraries(char *const argv[])
{
    char path[] = "/tmp/bench-startup-ld-XXXXXX", line[1024];
    char **env = make_env("LD_DEBUG=files");
    int fd = mkstemp(path), count = -1;
    FILE *f;

    if (fd < 0 || env == NULL)
        goto done;
    if (run(argv, env, NULL, fd) < 0)
        goto done;
    f = fopen(path, "r");
    if (f == NULL)
        goto done;
    count = 0;
    while (fgets(line, sizeof(line), f) != NULL)
        count += strstr(line, "file=") != NULL && strstr(line, "generating link map") == NULL;
    fclose(f);
done:
    if (fd >= 0) {
        close(fd);
        unlink(path);
    }
    free(env);
    return count;
}

static int
by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
percentile(double *v, int n, int p)
{
    qsort(v, (size_t)n, sizeof(*v), by_value);
    return v[(size_t)n * (size_t)p / 100 < (size_t)n ? (size_t)n * (size_t)p / 100 : (size_t)n - 1];
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int
main(int argc, char **argv)
{
    const char *tmp = getenv("TMPDIR");
    char dir[4096], store[4200];
    int runs = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 200, rc = 1;
    double *version_ms = NULL, *show_ms = NULL, *true_ms = NULL;

    if (argc < 2 || runs < 1) {
        fprintf(stderr, "usage: bench_startup BITSLOT [RUNS]\n");
        return 2;
    }
    snprintf(dir, sizeof(dir), "%s/bench-startup-XXXXXX", tmp != NULL && *tmp ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("bench_startup: mkdtemp");
        return 1;
    }
    snprintf(store, sizeof(store), "lmdb:%s/store", dir);
    clean_env = make_env(NULL);
    version_ms = calloc((size_t)runs, sizeof(double));
    show_ms = calloc((size_t)runs, sizeof(double));
    true_ms = calloc((size_t)runs, sizeof(double));
    if (clean_env == NULL || version_ms == NULL || show_ms == NULL || true_ms == NULL)
        goto done;

    char *bin = argv[1];
    char *init[] = {bin, "--store", store, "init", NULL};
    char *account[] = {bin, "--store", store, "account", "create", "bench", NULL};
    char *campaign[] = {bin,      "--store",     store,     "campaign",       "create",
                        "bench",  "--min-price", "1000",    "--slot-seconds", "86400",
                        "--size", "300x250",     "--title", "the bench",      NULL};
    char *version[] = {bin, "--version", NULL};
    char *show[] = {bin, "--store", store, "campaign", "show", "bench/0", NULL};
    char *true_[] = {"/bin/true", NULL};

    if (run(init, clean_env, NULL, -1) < 0 || run(account, clean_env, "bench-password\n", -1) < 0 ||
        run(campaign, clean_env, NULL, -1) < 0) {
        fprintf(stderr, "bench_startup: could not make a store with \"%s\"\n", bin);
        goto done;
    }
    for (int i = 0; i < WARMUP; i++)
        if (run(version, clean_env, NULL, -1) < 0 || run(show, clean_env, NULL, -1) < 0) {
            fprintf(stderr, "bench_startup: \"%s --version\" or \"campaign show\" failed\n", bin);
            goto done;
        }
    for (int i = 0; i < runs; i++) {
        version_ms[i] = run(version, clean_env, NULL, -1);
        show_ms[i] = run(show, clean_env, NULL, -1);
        true_ms[i] = run(true_, clean_env, NULL, -1);
        if (version_ms[i] < 0 || show_ms[i] < 0 || true_ms[i] < 0) {
            fprintf(stderr, "bench_startup: run %d failed\n", i);
            goto done;
        }
    }
    printf("bitslot --version: %d libraries loaded; campaign show: %d\n", libraries(version),
           libraries(show));
    printf("bitslot --version: median %.3f ms, p10 %.3f, p90 %.3f (%d runs)\n",
           percentile(version_ms, runs, 50), percentile(version_ms, runs, 10),
           percentile(version_ms, runs, 90), runs);
    printf("campaign show:     median %.3f ms, p10 %.3f, p90 %.3f (%d runs)\n",
           percentile(show_ms, runs, 50), percentile(show_ms, runs, 10),
           percentile(show_ms, runs, 90), runs);
    printf("/bin/true:         median %.3f ms (the floor of a process here, now)\n",
           percentile(true_ms, runs, 50));
    bench_row("bitslot campaign show ÷ bitslot --version", percentile(show_ms, runs, 50), "ms",
              "bitslot --version", percentile(version_ms, runs, 50), "ms", 0, 1.5);
    bench_value("bitslot --version", percentile(version_ms, runs, 50), "ms", 0, 4);
    rc = 0;
done:
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
    free(version_ms);
    free(show_ms);
    free(true_ms);
    free(clean_env);
    return rc;
}
