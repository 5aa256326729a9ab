/*
 * testutil.c — see testutil.h.
 */
#define _GNU_SOURCE /* nftw, unshare */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"

#define MAX_DIRS 256

static char *dirs[MAX_DIRS];
static int dir_count;
static pid_t owner_pid;

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void
remove_dirs(void)
{
    if (getpid() != owner_pid) /* a forked child must not delete the parent's dirs */
        return;
    for (int i = 0; i < dir_count; i++) {
        nftw(dirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        free(dirs[i]);
    }
}

const char *
bs_test_tmpdir(void)
{
    const char *base = getenv("TMPDIR");
    char templ[4096];
    char *dir;

    if (dir_count == MAX_DIRS)
        abort();
    snprintf(templ, sizeof(templ), "%s/bitslot-test-XXXXXX", base ? base : "/tmp");
    if (mkdtemp(templ) == NULL) {
        perror("mkdtemp");
        abort();
    }
    dir = realpath(templ, NULL);
    if (dir == NULL)
        abort();
    if (dir_count == 0) {
        owner_pid = getpid();
        atexit(remove_dirs);
    }
    dirs[dir_count++] = dir;
    return dir;
}

/* No mount of this namespace propagates to or from another ("shared:" in
 * /proc/self/mountinfo); false when that cannot be read. */
static bool
no_shared_mounts(void)
{
    FILE *f = fopen("/proc/self/mountinfo", "r");
    char line[8192];
    bool none = f != NULL;

    while (none && fgets(line, sizeof(line), f) != NULL)
        none = strstr(line, " shared:") == NULL;
    if (f != NULL)
        fclose(f);
    return none;
}

bool
bs_test_private_tmpfs(const char *dir, const char *size)
{
    char options[64];

    if (unshare(CLONE_NEWNS) != 0) {
        fprintf(stderr, "no mount namespace of our own: %s\n", strerror(errno));
        return false;
    }
    /* A chroot's "/" may be no mount point (EINVAL): then it is enough that
     * nothing here is shared, as in a namespace made with private mounts. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 && !no_shared_mounts()) {
        fprintf(stderr, "cannot make the mounts private: %s\n", strerror(errno));
        return false;
    }
    snprintf(options, sizeof(options), "size=%s,mode=0700", size);
    if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, options) != 0) {
        fprintf(stderr, "cannot mount a tmpfs on %s: %s\n", dir, strerror(errno));
        return false;
    }
    return true;
}

const char *
bs_test_store_url(void)
{
    static char url[4200];
    const char *env = getenv("BITSLOT_TEST_STORE");

    if (env != NULL && env[0] != '\0')
        return env;
    if (url[0] == '\0')
        snprintf(url, sizeof(url), "lmdb:%s/store", bs_test_tmpdir());
    return url;
}

void
bs_test_namespace(char *out, size_t size, const char *name)
{
    static atomic_int counter;

    snprintf(out, size, "t%ld-%d/%s/", (long)getpid(), atomic_fetch_add(&counter, 1), name);
}

typedef struct growing {
    char *data;
    size_t len;
} growing;

static void
append(growing *g, const char *bytes, size_t n)
{
    char *data = realloc(g->data, g->len + n + 1);

    if (data == NULL)
        abort();
    memcpy(data + g->len, bytes, n);
    g->data = data;
    g->len += n;
    g->data[g->len] = '\0';
}

static int
not_dot(const struct dirent *d)
{
    return strcmp(d->d_name, ".") != 0 && strcmp(d->d_name, "..") != 0;
}

char *
bs_test_dir_listing(const char *dir)
{
    struct dirent **entries;
    growing g = {NULL, 0};
    int n = scandir(dir, &entries, not_dot, alphasort);

    append(&g, "", 0);
    if (n < 0) {
        if (errno != ENOENT)
            abort();
        append(&g, "no such directory\n", strlen("no such directory\n"));
        return g.data;
    }
    for (int i = 0; i < n; i++) {
        char path[8192], line[1024];
        struct stat sb;

        snprintf(path, sizeof(path), "%s/%s", dir, entries[i]->d_name);
        if (lstat(path, &sb) != 0)
            abort();
        if (S_ISREG(sb.st_mode))
            snprintf(line, sizeof(line), "%s %lld\n", entries[i]->d_name, (long long)sb.st_size);
        else
            snprintf(line, sizeof(line), "%s -\n", entries[i]->d_name);
        append(&g, line, strlen(line));
        free(entries[i]);
    }
    free(entries);
    return g.data;
}

static void
child_exec(const char *program, const char *const *args, const char *const *env, int in, int out,
           int err)
{
    char *argv[64];
    int n = 0;

    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    for (int i = 0; env != NULL && env[i] != NULL; i++)
        putenv((char *)env[i]);
    argv[n++] = (char *)program;
    for (int i = 0; args[i] != NULL && n < 63; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    execvp(argv[0], argv);
    _exit(127);
}

/* In a ThreadSanitizer build every program a test runs is instrumented too,
 * and tools/run-tests gives them TSAN_OPTIONS=halt_on_error=1: a race ends
 * the program (exit code 66) at its first report, on its stderr. A test may
 * not look at that exit code (a server it stops or kills), so the report
 * itself fails the test here, whatever the test expected of the program. */
static void
no_race_reported(const char *program, const char *err)
{
    const char *report = strstr(err, "ThreadSanitizer");

    if (report == NULL)
        return;
    while (report > err && report[-1] != '\n')
        report--; /* from the start of its line */
    fprintf(stderr, "%s: ThreadSanitizer reported in its stderr:\n%.16000s\n", program, report);
    abort();
}

bs_test_output
bs_test_run(const char *const *args, const char *const *env, const char *input)
{
    const char *bin = getenv("BITSLOT_BIN");

    return bs_test_run_program(bin ? bin : "bitslot", args, env, input);
}

bs_test_output
bs_test_run_program(const char *program, const char *const *args, const char *const *env,
                    const char *input)
{
    int in[2], out[2], err[2], status;
    growing got[2] = {{NULL, 0}, {NULL, 0}};
    bs_test_output result;
    pid_t pid;

    if (pipe(in) || pipe(out) || pipe(err))
        abort();
    pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        child_exec(program, args, env, in[0], out[1], err[1]);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    if (input != NULL && write(in[1], input, strlen(input)) < 0 && errno != EPIPE)
        abort();
    close(in[1]);
    append(&got[0], "", 0);
    append(&got[1], "", 0);

    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    for (int open_fds = 2; open_fds > 0;) {
        if (poll(fds, 2, -1) < 0 && errno != EINTR)
            abort();
        for (int i = 0; i < 2; i++) {
            char buf[4096];
            ssize_t n;
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            n = read(fds[i].fd, buf, sizeof(buf));
            if (n > 0) {
                append(&got[i], buf, (size_t)n);
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    if (waitpid(pid, &status, 0) != pid)
        abort();
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = got[0].data;
    result.err = got[1].data;
    no_race_reported(program, result.err);
    return result;
}

void
bs_test_output_release(bs_test_output *out)
{
    free(out->out);
    free(out->err);
    out->out = out->err = NULL;
}

void
bs_test_empty_store(char *out, size_t size)
{
    const char *env = getenv("BITSLOT_TEST_STORE");
    bs_store *store;

    if (env == NULL || env[0] == '\0') {
        snprintf(out, size, "lmdb:%s/store", bs_test_tmpdir());
        return;
    }
    snprintf(out, size, "%s", env);
    if (bs_store_open(env, &store) != BS_OK)
        abort();
    for (;;) {
        bs_store_page page;
        if (bs_store_scan(store, "", NULL, BS_STORE_SCAN_MAX, &page) != BS_OK)
            abort();
        for (size_t i = 0; i < page.count; i++)
            if (bs_store_remove(store, page.docs[i].key, page.docs[i].cas) != BS_OK)
                abort();
        size_t n = page.count;
        bs_store_page_release(&page);
        if (n == 0)
            break;
    }
    bs_store_close(store);
}

/* The whole of a file (NUL-terminated, malloc'ed). */
static char *
slurp(const char *path)
{
    growing g = {NULL, 0};
    char buf[4096];
    size_t n;
    FILE *f = fopen(path, "r");

    append(&g, "", 0);
    if (f == NULL)
        return g.data;
    while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
        append(&g, buf, n);
    fclose(f);
    return g.data;
}

/* Fork `bitslot` with `args` and `env`, its output to files of a new
 * scratch directory. */
static void
spawn(bs_test_process *p, const char *const *args, const char *const *env)
{
    const char *bin = getenv("BITSLOT_BIN");
    const char *dir = bs_test_tmpdir();
    int in, out, err;
    pid_t pid;

    snprintf(p->out_path, sizeof(p->out_path), "%s/out", dir);
    snprintf(p->err_path, sizeof(p->err_path), "%s/err", dir);
    in = open("/dev/null", O_RDONLY);
    out = open(p->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    err = open(p->err_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (in < 0 || out < 0 || err < 0)
        abort();
    pid = fork();
    if (pid < 0)
        abort();
    if (pid == 0)
        child_exec(bin ? bin : "bitslot", args, env, in, out, err);
    close(in);
    close(out);
    close(err);
    p->pid = pid;
}

void
bs_test_spawn(bs_test_process *p, const char *const *args, const char *const *env)
{
    spawn(p, args, env);
}

bs_test_output
bs_test_finish(bs_test_process *p, int sig)
{
    bs_test_output result;
    int status;

    if ((sig != 0 && kill(p->pid, sig) != 0) || waitpid(p->pid, &status, 0) != p->pid)
        abort();
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = slurp(p->out_path);
    result.err = slurp(p->err_path);
    no_race_reported(p->err_path, result.err);
    return result;
}

void
bs_test_start_paused(bs_test_paused *p, const char *failpoint, const char *const *args,
                     const char *const *env)
{
    static char fp[256];
    const char *all[64];
    int n = 0, status;

    snprintf(fp, sizeof(fp), "BITSLOT_FAILPOINT=%s:pause", failpoint);
    for (int i = 0; env != NULL && env[i] != NULL && n < 62; i++)
        all[n++] = env[i];
    all[n++] = fp;
    all[n] = NULL;
    spawn(p, args, all);
    if (waitpid(p->pid, &status, WUNTRACED) != p->pid)
        abort();
    if (!WIFSTOPPED(status)) {
        char *text = slurp(p->err_path);
        fprintf(stderr, "bitslot ended (status %d) before failpoint %s; stderr: %s\n", status,
                failpoint, text);
        free(text);
        abort();
    }
}

bs_test_output
bs_test_resume(bs_test_paused *p)
{
    return bs_test_finish(p, SIGCONT);
}
