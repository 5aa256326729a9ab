/*
 * test_store_lmdb.c — what only the LMDB backend has to prove, beyond the
 * conformance suite: the map grows on demand (in this process and when
 * another process grew it), a full disk is a clear BS_NOSPACE that leaves
 * every acknowledged document intact (for one writer and for 16 at once), an unusable path is
 * refused, a store of another format is not opened, and opening an existing store where there is
 * none (no data.mdb, an empty one, an LMDB environment that is not a bitslot store) changes nothing
 * on disk, and a failed write of a meta page (after which LMDB refuses the environment for the rest
 * of the process, MDB_PANIC) fails that write alone: the handle opens the environment again.
 */
#define _GNU_SOURCE /* RTLD_NEXT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <dlfcn.h>
#include <errno.h>
#include <lmdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"

#define MIB      (1024 * 1024)
#define BIG_DOCS 80 /* 80 MiB: past the 64 MiB initial map */
#define URL_SIZE 4200

/* A disk that fails LMDB's writes of its meta pages (the first two pages
 * of data.mdb) while `fail_meta` is set: this program's pwrite comes before
 * libc's for liblmdb, and calls it otherwise. */
static atomic_bool fail_meta;

ssize_t meta_failing_pwrite(int fd, const void *buf, size_t count, off_t offset) __asm__(
    "pwrite"); /* liblmdb's name for it, not this build's pwrite64 */

ssize_t
meta_failing_pwrite(int fd, const void *buf, size_t count, off_t offset)
{
    static ssize_t (*next)(int, const void *, size_t, off_t);

    if (next == NULL)
        *(void **)&next = dlsym(RTLD_NEXT, "pwrite");
    if (atomic_load(&fail_meta) && offset < 2 * (off_t)sysconf(_SC_PAGESIZE)) {
        errno = EIO;
        return -1;
    }
    return next(fd, buf, count, offset);
}

static char *
big_value(int i)
{
    char *v = malloc(MIB);

    if (v == NULL)
        abort();
    memset(v, 'a' + i % 26, MIB);
    snprintf(v, 32, "doc %d", i);
    return v;
}

/* Write docs [from, to) of 1 MiB each; return the first failure. */
static bs_status
write_big_docs(bs_store *s, int from, int to)
{
    for (int i = from; i < to; i++) {
        char key[32], *v = big_value(i);
        bs_status st;

        snprintf(key, sizeof(key), "big/%03d", i);
        st = bs_store_set(s, key, v, MIB, NULL);
        free(v);
        if (st != BS_OK)
            return st;
    }
    return BS_OK;
}

static void
assert_big_docs(bs_store *s, int from, int to)
{
    for (int i = from; i < to; i++) {
        char key[32], *v = big_value(i), *got;
        size_t len;

        snprintf(key, sizeof(key), "big/%03d", i);
        assert_int_equal(bs_store_get(s, key, &got, &len, NULL), BS_OK);
        assert_int_equal(len, MIB);
        assert_memory_equal(got, v, MIB);
        free(got);
        free(v);
    }
}

static void
fresh_url(char *url)
{
    snprintf(url, URL_SIZE, "lmdb:%s/store", bs_test_tmpdir());
}

static void
test_store_lmdb_map_grows_on_demand(void **state)
{
    char url[URL_SIZE];
    bs_store *s;

    (void)state;
    fresh_url(url);
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    assert_int_equal(write_big_docs(s, 0, BIG_DOCS), BS_OK);
    assert_big_docs(s, 0, BIG_DOCS);
    bs_store_close(s);
    /* Reopened, the larger map is kept and everything is there. */
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    assert_big_docs(s, 0, BIG_DOCS);
    assert_int_equal(write_big_docs(s, BIG_DOCS, BIG_DOCS + 4), BS_OK);
    bs_store_close(s);
}

static void
test_store_lmdb_adopts_map_grown_by_another_process(void **state)
{
    char url[URL_SIZE];
    bs_store *s;
    int status;
    pid_t child;

    (void)state;
    fresh_url(url);
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    assert_int_equal(bs_store_set(s, "small", "1", 1, NULL), BS_OK);
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        bs_store *mine;
        if (bs_store_open(url, &mine) != BS_OK)
            _exit(10);
        _exit(write_big_docs(mine, 0, BIG_DOCS) == BS_OK ? 0 : 11);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* Our handle still has the old, smaller map: reads and writes must
     * adopt the new size instead of failing. */
    assert_big_docs(s, 0, BIG_DOCS);
    assert_int_equal(write_big_docs(s, BIG_DOCS, BIG_DOCS + 2), BS_OK);
    bs_store_close(s);
}

#define FILL_MAX 64  /* documents per writer: more than the disk holds */
#define FILLED   100 /* exit code of a child that filled the disk, + documents */

/* One of the writers that fill the disk: documents i·FILL_MAX + 0, 1, ...
 * until the first failure. */
typedef struct filler {
    bs_store *store;
    int writer;
    int written;
    bs_status failure;
} filler;

static void *
fill_thread(void *arg)
{
    filler *f = arg;

    while (f->failure == BS_OK && f->written < FILL_MAX) {
        int i = f->writer * FILL_MAX + f->written;
        f->failure = write_big_docs(f->store, i, i + 1);
        if (f->failure == BS_OK)
            f->written++;
    }
    return NULL;
}

/* In the child: fill a small tmpfs with `writers` threads at once, then
 * check what is left. Returns the child's exit code: FILLED + the number of
 * documents written when the full disk gave every writer BS_NOSPACE and
 * every acknowledged document survived; 20 when mounts are not permitted
 * here; another code for what went wrong. */
static int
fill_small_disk(const char *dir, int writers)
{
    char url[URL_SIZE + 16];
    filler fillers[16];
    pthread_t tids[16];
    bs_store *s;
    int written = 0;

    if (!bs_test_private_tmpfs(dir, "8m"))
        return 20;
    snprintf(url, sizeof(url), "lmdb:%s/store", dir);
    if (bs_store_open(url, &s) != BS_OK)
        return 10;
    for (int w = 0; w < writers; w++) {
        fillers[w] = (filler){.store = s, .writer = w};
        if (pthread_create(&tids[w], NULL, fill_thread, &fillers[w]) != 0)
            return 16;
    }
    for (int w = 0; w < writers; w++) {
        pthread_join(tids[w], NULL);
        if (fillers[w].failure != BS_NOSPACE) {
            fprintf(stderr, "a full disk gave writer %d %s after %d documents\n", w,
                    bs_status_name(fillers[w].failure), fillers[w].written);
            return 11;
        }
        written += fillers[w].written;
    }
    bs_store_close(s);
    /* Reopened, every acknowledged document is whole. */
    if (bs_store_open(url, &s) != BS_OK)
        return 13;
    for (int w = 0; w < writers; w++) {
        for (int n = 0; n < fillers[w].written; n++) {
            int i = w * FILL_MAX + n;
            char key[32], *v = big_value(i), *got = NULL;
            size_t len = 0;
            snprintf(key, sizeof(key), "big/%03d", i);
            if (bs_store_get(s, key, &got, &len, NULL) != BS_OK || len != MIB ||
                memcmp(got, v, MIB) != 0)
                return 14;
            free(got);
            free(v);
        }
    }
    /* The store still takes a small write. */
    if (bs_store_set(s, "big/000", "x", 1, NULL) != BS_OK)
        return 15;
    bs_store_close(s);
    return FILLED + written;
}

/* Fill a small disk with `writers` threads at once; return how many
 * documents it took. */
static int
full_disk_documents(int writers)
{
    const char *dir = bs_test_tmpdir();
    int status;
    pid_t child;

    child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(fill_small_disk(dir, writers));
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == 20) {
        print_message("skipped: mounting a small tmpfs needs root and a mount namespace\n");
        skip();
    }
    assert_in_range(WEXITSTATUS(status), FILLED + 1, FILLED + 7);
    return WEXITSTATUS(status) - FILLED;
}

static void
test_store_lmdb_full_disk_is_nospace(void **state)
{
    (void)state;
    full_disk_documents(1);
}

/* Writers that the group commit batches: a batch too large for the disk is
 * not the end of the writes in it, which are tried alone and fill the disk
 * as far as a lone writer does (give or take the pages of a failed commit). */
static void
test_store_lmdb_full_disk_is_nospace_for_concurrent_writers(void **state)
{
    int alone, together;

    (void)state;
    alone = full_disk_documents(1);
    together = full_disk_documents(16);
    print_message("a lone writer filled the disk with %d documents, 16 writers with %d\n", alone,
                  together);
    assert_true(together >= alone - 1);
}

static void
test_store_lmdb_refuses_unusable_paths(void **state)
{
    char url[URL_SIZE + 16], file[URL_SIZE - 16];
    bs_store *s = (bs_store *)1;
    FILE *f;

    (void)state;
    snprintf(file, sizeof(file), "%s/plain-file", bs_test_tmpdir());
    f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(url, sizeof(url), "lmdb:%s", file);
    assert_int_equal(bs_store_open(url, &s), BS_BADPATH);
    assert_null(s);
    snprintf(url, sizeof(url), "lmdb:%s/below", file);
    assert_int_equal(bs_store_open(url, &s), BS_BADPATH);
    assert_int_equal(bs_store_open("lmdb:", &s), BS_INVALID);
    assert_int_equal(bs_store_open("nosuch:/x", &s), BS_INVALID);
    assert_int_equal(bs_store_open("/tmp/no-scheme", &s), BS_INVALID);
}

static void
test_store_lmdb_creates_missing_parents(void **state)
{
    char url[URL_SIZE];
    bs_store *s;

    (void)state;
    snprintf(url, sizeof(url), "lmdb:%s/a/b/c", bs_test_tmpdir());
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    assert_string_equal(bs_store_url(s), url);
    bs_store_close(s);
    bs_store_close(NULL);
}

/* The whole of file `path` (malloc'ed), its length in *len. */
static char *
file_bytes(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data = NULL;
    long size;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    size = ftell(f);
    assert_true(size >= 0);
    rewind(f);
    data = malloc((size_t)size + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *len = (size_t)size;
    return data;
}

/* bs_store_open_existing on `dir` finds no store, and leaves the directory
 * as it was: the same entries, of the same sizes. */
static void
assert_no_store_untouched(const char *dir)
{
    char url[URL_SIZE + 16], *before = bs_test_dir_listing(dir), *after;
    bs_store *s = (bs_store *)1;

    snprintf(url, sizeof(url), "lmdb:%s", dir);
    assert_int_equal(bs_store_open_existing(url, &s), BS_NOTFOUND);
    assert_null(s);
    after = bs_test_dir_listing(dir);
    assert_string_equal(after, before);
    free(before);
    free(after);
}

/* Outside test: an empty data.mdb was opened read-write before the refusal
 * (LMDB took it for a new environment: it grew to two pages, and lock.mdb
 * appeared). Only creating may write. */
static void
test_store_lmdb_open_existing_without_a_store_changes_nothing(void **state)
{
    char dir[URL_SIZE - 64], file[URL_SIZE], url[URL_SIZE + 16];
    bs_store *s;
    FILE *f;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/nothing-here", bs_test_tmpdir());
    assert_no_store_untouched(dir); /* no directory: none is made */
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_no_store_untouched(dir); /* an empty directory */
    snprintf(file, sizeof(file), "%s/data.mdb", dir);
    f = fopen(file, "w");
    assert_non_null(f);
    fclose(f);
    assert_no_store_untouched(dir); /* an empty data.mdb */
    {
        char *listing = bs_test_dir_listing(dir);
        assert_string_equal(listing, "data.mdb 0\n");
        free(listing);
    }
    /* init may make a store of it. */
    snprintf(url, sizeof(url), "lmdb:%s", dir);
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    assert_int_equal(bs_store_add(s, "k", "v", 1, NULL), BS_OK);
    bs_store_close(s);
    assert_int_equal(bs_store_open_existing(url, &s), BS_OK);
    bs_store_close(s);
}

/* An LMDB environment of some other program is no bitslot store: it is
 * not opened, and its data is not written (no databases or format added to
 * it). Its lock.mdb is LMDB's own scratch file (a table of readers), sized
 * by whoever opens it: it may change. */
static void
test_store_lmdb_open_existing_leaves_a_foreign_environment_alone(void **state)
{
    char dir[URL_SIZE - 64], file[URL_SIZE], url[URL_SIZE + 16];
    MDB_val key = {5, "other"}, val = {4, "data"};
    bs_store *s = (bs_store *)1;
    char *before, *after;
    size_t before_len, after_len;
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;

    (void)state;
    snprintf(dir, sizeof(dir), "%s/foreign", bs_test_tmpdir());
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(mdb_env_create(&env), MDB_SUCCESS);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), MDB_SUCCESS);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), MDB_SUCCESS);
    assert_int_equal(mdb_dbi_open(txn, NULL, 0, &dbi), MDB_SUCCESS);
    assert_int_equal(mdb_put(txn, dbi, &key, &val, 0), MDB_SUCCESS);
    assert_int_equal(mdb_txn_commit(txn), MDB_SUCCESS);
    mdb_env_close(env);

    snprintf(file, sizeof(file), "%s/data.mdb", dir);
    snprintf(url, sizeof(url), "lmdb:%s", dir);
    before = file_bytes(file, &before_len);
    assert_int_equal(bs_store_open_existing(url, &s), BS_NOTFOUND);
    assert_null(s);
    after = file_bytes(file, &after_len);
    assert_int_equal(after_len, before_len);
    assert_memory_equal(after, before, before_len);
    free(before);
    free(after);
    /* No other file appeared. */
    before = bs_test_dir_listing(dir);
    after = strchr(before, '\n');
    assert_memory_equal(before, "data.mdb ", 9);
    assert_memory_equal(after + 1, "lock.mdb ", 9);
    assert_string_equal(strchr(after + 1, '\n'), "\n");
    free(before);
}

static void
holds_value(bs_store *s, const char *key, const char *want)
{
    char *got = NULL;
    size_t len = 0;

    assert_int_equal(bs_store_get(s, key, &got, &len, NULL), BS_OK);
    assert_int_equal(len, strlen(want));
    assert_memory_equal(got, want, len);
    free(got);
}

/* LMDB flags the environment fatal when it cannot write a meta page; a
 * handle that did not open it again would fail every read and write until
 * the process restarts. */
static void
test_store_lmdb_meta_write_failure_reopens(void **state)
{
    char url[URL_SIZE + 16];
    char *got = NULL;
    size_t len;
    bs_store *s;

    (void)state;
    snprintf(url, sizeof(url), "lmdb:%s/store", bs_test_tmpdir());
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    assert_int_equal(bs_store_set(s, "before", "1", 1, NULL), BS_OK);
    atomic_store(&fail_meta, true);
    assert_int_equal(bs_store_set(s, "during", "2", 1, NULL), BS_IO);
    assert_int_equal(bs_store_set(s, "during", "2", 1, NULL), BS_IO);
    atomic_store(&fail_meta, false);
    holds_value(s, "before", "1"); /* reads first: they meet the fatal flag too */
    assert_int_equal(bs_store_set(s, "after", "3", 1, NULL), BS_OK);
    holds_value(s, "after", "3");
    assert_int_equal(bs_store_get(s, "during", &got, &len, NULL), BS_NOTFOUND);
    bs_store_close(s);
    /* And so another handle finds it. */
    assert_int_equal(bs_store_open_existing(url, &s), BS_OK);
    holds_value(s, "before", "1");
    holds_value(s, "after", "3");
    assert_int_equal(bs_store_get(s, "during", &got, &len, NULL), BS_NOTFOUND);
    bs_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_lmdb_map_grows_on_demand),
        cmocka_unit_test(test_store_lmdb_adopts_map_grown_by_another_process),
        cmocka_unit_test(test_store_lmdb_full_disk_is_nospace),
        cmocka_unit_test(test_store_lmdb_full_disk_is_nospace_for_concurrent_writers),
        cmocka_unit_test(test_store_lmdb_refuses_unusable_paths),
        cmocka_unit_test(test_store_lmdb_creates_missing_parents),
        cmocka_unit_test(test_store_lmdb_open_existing_without_a_store_changes_nothing),
        cmocka_unit_test(test_store_lmdb_open_existing_leaves_a_foreign_environment_alone),
        cmocka_unit_test(test_store_lmdb_meta_write_failure_reopens),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
