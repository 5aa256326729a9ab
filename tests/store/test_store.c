/*
 * test_store.c — the conformance suite of store.h. Every backend must pass
 * it. It is parameterised by the store URL ($BITSLOT_TEST_STORE; a fresh
 * LMDB store when unset) and keeps each test's keys in a namespace of its
 * own, so it can run against a shared store.
 *
 * Covered: each operation's success and failure cases; argument checks;
 * empty, binary and 1 MiB values and TOOLARGE; CAS never reused; scan order,
 * prefixes and pagination; 8 threads × 1000 read-modify-CAS increments ending
 * at exactly 8000, the same split over two processes; and a writer killed
 * with SIGKILL in the middle of writes never leaves a torn document and never
 * loses an acknowledged one; the URLs open refuses, known without opening.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "testutil.h"

#define KEY_SIZE 600

static bs_store *store;

static int
open_store(void **state)
{
    (void)state;
    return bs_store_open(bs_test_store_url(), &store) == BS_OK ? 0 : -1;
}

static int
close_store(void **state)
{
    (void)state;
    bs_store_close(store);
    store = NULL;
    return 0;
}

static void
make_key(char *out, const char *ns, const char *name)
{
    snprintf(out, KEY_SIZE, "%s%s", ns, name);
}

/* Assert that `key` holds exactly `expect` with CAS `cas` (0: any). */
static void
assert_doc(const char *key, const char *expect, size_t expect_len, bs_cas cas)
{
    char *value = NULL;
    size_t len = 0;
    bs_cas got = 0;

    assert_int_equal(bs_store_get(store, key, &value, &len, &got), BS_OK);
    assert_int_equal(len, expect_len);
    assert_memory_equal(value, expect, len);
    assert_int_equal(value[len], '\0');
    if (cas != 0)
        assert_int_equal(got, cas);
    free(value);
}

static void
test_store_get_missing_is_notfound(void **state)
{
    char ns[256], key[KEY_SIZE], *value = (char *)1;
    bs_cas cas = 77;

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "get");
    make_key(key, ns, "absent");
    assert_int_equal(bs_store_get(store, key, &value, NULL, &cas), BS_NOTFOUND);
    assert_null(value);
}

static void
test_store_add_creates_once(void **state)
{
    char ns[256], key[KEY_SIZE];
    bs_cas cas = 0, cas2 = 0;

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "add");
    make_key(key, ns, "doc");
    assert_int_equal(bs_store_add(store, key, "{\"n\":1}", 7, &cas), BS_OK);
    assert_int_not_equal(cas, BS_STORE_CAS_NONE);
    assert_doc(key, "{\"n\":1}", 7, cas);
    assert_int_equal(bs_store_add(store, key, "{\"n\":2}", 7, &cas2), BS_EXISTS);
    assert_doc(key, "{\"n\":1}", 7, cas);
}

static void
test_store_replace_checks_cas(void **state)
{
    char ns[256], key[KEY_SIZE], other[KEY_SIZE];
    bs_cas cas, cas2, cas3;

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "replace");
    make_key(key, ns, "doc");
    make_key(other, ns, "absent");
    assert_int_equal(bs_store_add(store, key, "one", 3, &cas), BS_OK);
    assert_int_equal(bs_store_replace(store, key, "two", 3, cas, &cas2), BS_OK);
    assert_int_not_equal(cas2, cas);
    assert_doc(key, "two", 3, cas2);
    /* The stale CAS loses and changes nothing. */
    assert_int_equal(bs_store_replace(store, key, "three", 5, cas, &cas3), BS_CONFLICT);
    assert_doc(key, "two", 3, cas2);
    /* Replace never creates. */
    assert_int_equal(bs_store_replace(store, other, "x", 1, cas2, NULL), BS_NOTFOUND);
    assert_int_equal(bs_store_get(store, other, &(char *){NULL}, NULL, NULL), BS_NOTFOUND);
}

static void
test_store_set_upserts(void **state)
{
    char ns[256], key[KEY_SIZE];
    bs_cas cas1, cas2;

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "set");
    make_key(key, ns, "doc");
    assert_int_equal(bs_store_set(store, key, "a", 1, &cas1), BS_OK);
    assert_doc(key, "a", 1, cas1);
    assert_int_equal(bs_store_set(store, key, "bb", 2, &cas2), BS_OK);
    assert_int_not_equal(cas1, cas2);
    assert_doc(key, "bb", 2, cas2);
}

static void
test_store_remove_checks_cas(void **state)
{
    char ns[256], key[KEY_SIZE];
    bs_cas cas1, cas2, cas3;

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "remove");
    make_key(key, ns, "doc");
    assert_int_equal(bs_store_add(store, key, "a", 1, &cas1), BS_OK);
    assert_int_equal(bs_store_replace(store, key, "b", 1, cas1, &cas2), BS_OK);
    assert_int_equal(bs_store_remove(store, key, cas1), BS_CONFLICT);
    assert_doc(key, "b", 1, cas2);
    assert_int_equal(bs_store_remove(store, key, cas2), BS_OK);
    assert_int_equal(bs_store_get(store, key, &(char *){NULL}, NULL, NULL), BS_NOTFOUND);
    assert_int_equal(bs_store_remove(store, key, cas2), BS_NOTFOUND);
    /* Added again, the key gets a CAS it never had before. */
    assert_int_equal(bs_store_add(store, key, "c", 1, &cas3), BS_OK);
    assert_int_not_equal(cas3, cas1);
    assert_int_not_equal(cas3, cas2);
    assert_int_equal(bs_store_replace(store, key, "d", 1, cas2, NULL), BS_CONFLICT);
}

static void
test_store_refuses_bad_arguments(void **state)
{
    char ns[256], key[KEY_SIZE], long_key[BS_STORE_KEY_MAX + 2];
    bs_store_page page;
    bs_cas cas;

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "args");
    make_key(key, ns, "doc");
    assert_int_equal(bs_store_add(store, "", "x", 1, NULL), BS_INVALID);
    assert_int_equal(bs_store_add(store, "has space", "x", 1, NULL), BS_INVALID);
    assert_int_equal(bs_store_add(store, "tab\there", "x", 1, NULL), BS_INVALID);
    assert_int_equal(bs_store_add(store, "caf\xc3\xa9", "x", 1, NULL), BS_INVALID);
    assert_int_equal(bs_store_get(store, "", &(char *){NULL}, NULL, NULL), BS_INVALID);

    memset(long_key, 'k', sizeof(long_key));
    long_key[BS_STORE_KEY_MAX + 1] = '\0';
    assert_int_equal(bs_store_set(store, long_key, "x", 1, NULL), BS_INVALID);
    /* The longest key is fine (in its own namespace: keep it unique). */
    memcpy(long_key, ns, strlen(ns));
    long_key[BS_STORE_KEY_MAX] = '\0';
    assert_int_equal(bs_store_set(store, long_key, "x", 1, NULL), BS_OK);

    assert_int_equal(bs_store_add(store, key, "x", 1, &cas), BS_OK);
    assert_int_equal(bs_store_replace(store, key, "y", 1, BS_STORE_CAS_NONE, NULL), BS_INVALID);
    assert_int_equal(bs_store_remove(store, key, BS_STORE_CAS_NONE), BS_INVALID);
    assert_int_equal(bs_store_scan(store, ns, NULL, 0, &page), BS_INVALID);
    assert_int_equal(bs_store_scan(store, ns, NULL, BS_STORE_SCAN_MAX + 1, &page), BS_INVALID);
    assert_int_equal(bs_store_scan(store, "bad prefix", NULL, 10, &page), BS_INVALID);
    assert_int_equal(page.count, 0);
    assert_doc(key, "x", 1, cas);
}

static void
test_store_keeps_empty_and_binary_values(void **state)
{
    static const char binary[] = {'a', '\0', 'b', '\xff', '\0'};
    char ns[256], key[KEY_SIZE], key2[KEY_SIZE];

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "values");
    make_key(key, ns, "empty");
    make_key(key2, ns, "binary");
    assert_int_equal(bs_store_add(store, key, NULL, 0, NULL), BS_OK);
    assert_doc(key, "", 0, 0);
    assert_int_equal(bs_store_add(store, key2, binary, sizeof(binary), NULL), BS_OK);
    assert_doc(key2, binary, sizeof(binary), 0);
}

static void
test_store_one_mib_values_and_toolarge(void **state)
{
    char ns[256], key[KEY_SIZE], key2[KEY_SIZE];
    char *big = malloc(BS_STORE_VALUE_MAX + 1);
    bs_cas cas;

    (void)state;
    assert_non_null(big);
    bs_test_namespace(ns, sizeof(ns), "large");
    make_key(key, ns, "max");
    make_key(key2, ns, "over");
    for (size_t i = 0; i <= BS_STORE_VALUE_MAX; i++)
        big[i] = (char)('a' + i % 26);
    assert_int_equal(bs_store_add(store, key, big, BS_STORE_VALUE_MAX, &cas), BS_OK);
    assert_doc(key, big, BS_STORE_VALUE_MAX, cas);

    assert_int_equal(bs_store_add(store, key2, big, BS_STORE_VALUE_MAX + 1, NULL), BS_TOOLARGE);
    assert_int_equal(bs_store_set(store, key2, big, BS_STORE_VALUE_MAX + 1, NULL), BS_TOOLARGE);
    assert_int_equal(bs_store_get(store, key2, &(char *){NULL}, NULL, NULL), BS_NOTFOUND);
    assert_int_equal(bs_store_replace(store, key, big, BS_STORE_VALUE_MAX + 1, cas, NULL),
                     BS_TOOLARGE);
    assert_doc(key, big, BS_STORE_VALUE_MAX, cas);
    free(big);
}

/* Scan all of `prefix` in pages of `limit`; return the keys joined by ','. */
static void
scan_all(const char *prefix, const char *after, size_t limit, char *out, size_t size, int *pages)
{
    char last[KEY_SIZE] = "";
    bs_store_page page;

    out[0] = '\0';
    *pages = 0;
    if (after != NULL)
        snprintf(last, sizeof(last), "%s", after);
    for (;;) {
        assert_int_equal(bs_store_scan(store, prefix, last, limit, &page), BS_OK);
        (*pages)++;
        assert_true(page.count <= limit);
        for (size_t i = 0; i < page.count; i++) {
            size_t n = strlen(out);
            snprintf(out + n, size - n, "%s%s", n ? "," : "", page.docs[i].key + strlen(prefix));
            /* Values and CAS come along with the keys. */
            assert_int_equal(page.docs[i].len, 1);
            assert_int_not_equal(page.docs[i].cas, 0);
        }
        if (!page.more) {
            bs_store_page_release(&page);
            return;
        }
        assert_int_equal(page.count, limit);
        snprintf(last, sizeof(last), "%s", page.docs[page.count - 1].key);
        bs_store_page_release(&page);
    }
}

static void
test_store_scan_orders_and_pages(void **state)
{
    static const char *const names[] = {"a/2", "a/10", "b", "a/1", "a0", "a/3/x", "a"};
    char ns[256], key[KEY_SIZE], prefix[KEY_SIZE], after[KEY_SIZE], got[4096];
    int pages;

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "scan");
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        make_key(key, ns, names[i]);
        assert_int_equal(bs_store_add(store, key, "v", 1, NULL), BS_OK);
    }
    /* Byte order, and only keys under the prefix. */
    scan_all(ns, NULL, 100, got, sizeof(got), &pages);
    assert_string_equal(got, "a,a/1,a/10,a/2,a/3/x,a0,b");
    assert_int_equal(pages, 1);
    make_key(prefix, ns, "a/");
    scan_all(prefix, NULL, 100, got, sizeof(got), &pages);
    assert_string_equal(got, "1,10,2,3/x");

    /* Pages of 2, 3 and 1 visit every key once. */
    scan_all(ns, NULL, 2, got, sizeof(got), &pages);
    assert_string_equal(got, "a,a/1,a/10,a/2,a/3/x,a0,b");
    assert_int_equal(pages, 4);
    scan_all(ns, NULL, 1, got, sizeof(got), &pages);
    assert_string_equal(got, "a,a/1,a/10,a/2,a/3/x,a0,b");
    /* An exact fit: the last page reports no more. */
    scan_all(prefix, NULL, 4, got, sizeof(got), &pages);
    assert_int_equal(pages, 1);

    /* Start after a key, present or not. */
    make_key(after, ns, "a/10");
    scan_all(prefix, after, 100, got, sizeof(got), &pages);
    assert_string_equal(got, "2,3/x");
    make_key(after, ns, "a/15");
    scan_all(prefix, after, 100, got, sizeof(got), &pages);
    assert_string_equal(got, "2,3/x");
    /* After a key before the prefix: from the prefix; after all: nothing. */
    scan_all(prefix, ns, 100, got, sizeof(got), &pages);
    assert_string_equal(got, "1,10,2,3/x");
    make_key(after, ns, "z");
    scan_all(prefix, after, 100, got, sizeof(got), &pages);
    assert_string_equal(got, "");
    /* A prefix with no documents. */
    make_key(prefix, ns, "nothing/");
    scan_all(prefix, NULL, 10, got, sizeof(got), &pages);
    assert_string_equal(got, "");
}

/* ---- concurrency: read-modify-CAS increments ---------------------------- */

#define INCREMENTS 1000
#define THREADS    8

typedef struct counter_job {
    bs_store *store;
    const char *key;
    int increments;
    int conflicts;
    bs_status failure;
} counter_job;

static bs_status
increment(bs_store *s, const char *key, int *conflicts)
{
    for (;;) {
        char *value, next[32];
        bs_cas cas;
        bs_status st = bs_store_get(s, key, &value, NULL, &cas);
        long n;

        if (st != BS_OK)
            return st;
        n = strtol(value, NULL, 10);
        free(value);
        snprintf(next, sizeof(next), "%ld", n + 1);
        st = bs_store_replace(s, key, next, strlen(next), cas, NULL);
        if (st != BS_CONFLICT)
            return st;
        (*conflicts)++;
    }
}

static void *
counter_thread(void *arg)
{
    counter_job *job = arg;

    for (int i = 0; i < job->increments && job->failure == BS_OK; i++)
        job->failure = increment(job->store, job->key, &job->conflicts);
    return NULL;
}

/* Run `threads` threads of `per_thread` increments each on `s`; return the
 * number of CAS conflicts seen. Fails the test on any other error. */
static int
run_counter_threads(bs_store *s, const char *key, int threads, int per_thread)
{
    pthread_t tids[THREADS];
    counter_job jobs[THREADS];
    int conflicts = 0;

    for (int i = 0; i < threads; i++) {
        jobs[i] = (counter_job){s, key, per_thread, 0, BS_OK};
        if (pthread_create(&tids[i], NULL, counter_thread, &jobs[i]) != 0)
            abort();
    }
    for (int i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        if (jobs[i].failure != BS_OK) {
            fprintf(stderr, "increment failed: %s\n", bs_strerror(jobs[i].failure));
            abort();
        }
        conflicts += jobs[i].conflicts;
    }
    return conflicts;
}

static void
test_store_counter_threads_reach_8000(void **state)
{
    char ns[256], key[KEY_SIZE];
    int conflicts;

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "counter-threads");
    make_key(key, ns, "n");
    assert_int_equal(bs_store_add(store, key, "0", 1, NULL), BS_OK);
    conflicts = run_counter_threads(store, key, THREADS, INCREMENTS);
    assert_doc(key, "8000", 4, 0);
    print_message("8 threads: 8000 increments, %d CAS conflicts retried\n", conflicts);
}

static void
test_store_counter_processes_reach_8000(void **state)
{
    char ns[256], key[KEY_SIZE];
    pid_t children[2];

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "counter-processes");
    make_key(key, ns, "n");
    assert_int_equal(bs_store_add(store, key, "0", 1, NULL), BS_OK);
    /* A handle must not cross fork(): close ours, each child opens its own. */
    close_store(NULL);
    for (int p = 0; p < 2; p++) {
        children[p] = fork();
        assert_true(children[p] >= 0);
        if (children[p] == 0) {
            bs_store *mine;
            if (bs_store_open(bs_test_store_url(), &mine) != BS_OK)
                _exit(10);
            run_counter_threads(mine, key, THREADS / 2, INCREMENTS);
            bs_store_close(mine);
            _exit(0);
        }
    }
    for (int p = 0; p < 2; p++) {
        int status;
        assert_int_equal(waitpid(children[p], &status, 0), children[p]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
    }
    assert_int_equal(open_store(NULL), 0);
    assert_doc(key, "8000", 4, 0);
}

/* ---- a writer killed mid-write --------------------------------------------- */

#define TORN_KEYS   12
#define TORN_ROUNDS 6

/* The value of document `k` at generation `g`: a header, then bytes that
 * follow from (k, g), of a length that varies up to ~300 KB so writes span
 * many pages. */
static char *
torn_value(int k, long g, size_t *len)
{
    uint64_t x = (uint64_t)g * 2654435761u + (uint64_t)k * 40503u + 1;
    size_t n = 64 + (size_t)((g * 7919 + k * 104729) % 300000);
    char *v = malloc(n);
    int head;

    if (v == NULL)
        abort();
    head = snprintf(v, n, "k=%d g=%ld n=%zu;", k, g, n);
    for (size_t i = (size_t)head; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v[i] = (char)(x & 0xff);
    }
    *len = n;
    return v;
}

/* The child: write generations g = start, start+1, ... of every key until
 * killed, reporting each acknowledged write as "k g\n" on `ack_fd`. */
static void
torn_writer(const char *ns, long start, int ack_fd)
{
    char key[KEY_SIZE], name[32], line[64];
    bs_store *mine;

    if (bs_store_open(bs_test_store_url(), &mine) != BS_OK)
        _exit(10);
    for (long g = start;; g++) {
        for (int k = 0; k < TORN_KEYS; k++) {
            size_t len;
            char *v = torn_value(k, g, &len);
            snprintf(name, sizeof(name), "%d", k);
            make_key(key, ns, name);
            if (bs_store_set(mine, key, v, len, NULL) != BS_OK)
                _exit(11);
            free(v);
            int n = snprintf(line, sizeof(line), "%d %ld\n", k, g);
            if (write(ack_fd, line, (size_t)n) != n)
                _exit(12);
        }
    }
}

/* Check every document is one whole value and none lost an acknowledged
 * generation; return the highest generation seen. */
static long
torn_verify(const char *ns, const long acked[TORN_KEYS])
{
    char key[KEY_SIZE], name[32];
    long highest = 0;

    for (int k = 0; k < TORN_KEYS; k++) {
        char *value, *expect;
        size_t len, expect_len;
        long g = 0;
        int kk = -1;

        snprintf(name, sizeof(name), "%d", k);
        make_key(key, ns, name);
        if (bs_store_get(store, key, &value, &len, NULL) == BS_NOTFOUND) {
            assert_int_equal(acked[k], 0);
            continue;
        }
        assert_int_equal(sscanf(value, "k=%d g=%ld", &kk, &g), 2);
        assert_int_equal(kk, k);
        expect = torn_value(k, g, &expect_len);
        assert_int_equal(len, expect_len);
        assert_memory_equal(value, expect, len);
        assert_true(g >= acked[k]);
        if (g > highest)
            highest = g;
        free(expect);
        free(value);
    }
    return highest;
}

static void
test_store_sigkill_leaves_no_torn_document(void **state)
{
    long acked[TORN_KEYS] = {0}, next_gen = 1;
    char ns[256];
    int total_acks = 0;

    (void)state;
    bs_test_namespace(ns, sizeof(ns), "torn");
    srand((unsigned)time(NULL));
    close_store(NULL);
    for (int round = 0; round < TORN_ROUNDS; round++) {
        int fds[2], status, k;
        long g;
        pid_t child;

        assert_int_equal(pipe(fds), 0);
        child = fork();
        assert_true(child >= 0);
        if (child == 0) {
            close(fds[0]);
            torn_writer(ns, next_gen, fds[1]);
        }
        close(fds[1]);
        usleep(30000 + (useconds_t)(rand() % 250000));
        kill(child, SIGKILL);
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFSIGNALED(status));

        /* Everything the child acknowledged before it died. */
        FILE *acks = fdopen(fds[0], "r");
        assert_non_null(acks);
        while (fscanf(acks, "%d %ld", &k, &g) == 2) {
            assert_true(k >= 0 && k < TORN_KEYS);
            acked[k] = g;
            total_acks++;
        }
        fclose(acks);

        assert_int_equal(open_store(NULL), 0);
        next_gen = torn_verify(ns, acked) + 1;
        close_store(NULL);
    }
    assert_int_equal(open_store(NULL), 0);
    print_message("%d kills, %d acknowledged writes, none torn or lost\n", TORN_ROUNDS, total_acks);
    assert_true(total_acks > TORN_ROUNDS);
}

/* bs_store_url_valid knows a URL's form without opening anything, and
 * open refuses what it refuses: one rule for the command's check of --store
 * (and of the config file) and for open. */
static void
test_store_url_valid_is_what_open_reads(void **state)
{
    static const char *const bad[] = {
        NULL,
        "",
        "lmdb:",
        "nosuch:/x",
        "/tmp/no-scheme",
        "etcd:",
        "etcd:ftp://x",
        "etcd:http://[::1",
        "etcd:http://",
        "etcd:http://h:99999",
        "etcd:http://h/path",
        "etcd:http://h?x=1",
        "etcd:http://a b",
        "etcd:http://h:1,ftp://x",
        "etcd:http://127.0.0.1:1,",
        "etcd:http://a:1,http://a:2,http://a:3,http://a:4,http://a:5,http://a:6,http://a:7,"
        "http://a:8,http://a:9,http://a:10,http://a:11,http://a:12,http://a:13,http://a:14,"
        "http://a:15,http://a:16,http://a:17",
    };
    bs_store *s;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (bs_store_url_valid(bad[i]))
            fail_msg("valid: %s", bad[i]);
        assert_int_equal(bs_store_open(bad[i], &s), BS_INVALID);
        assert_null(s);
    }
    assert_true(bs_store_url_valid("lmdb:./data"));
    assert_true(bs_store_url_valid("etcd:http://127.0.0.1:2379"));
    assert_true(bs_store_url_valid("etcd:http://a:1/,https://b.example:2"));
    assert_true(bs_store_url_valid(bs_test_store_url()));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_get_missing_is_notfound),
        cmocka_unit_test(test_store_add_creates_once),
        cmocka_unit_test(test_store_replace_checks_cas),
        cmocka_unit_test(test_store_set_upserts),
        cmocka_unit_test(test_store_remove_checks_cas),
        cmocka_unit_test(test_store_refuses_bad_arguments),
        cmocka_unit_test(test_store_keeps_empty_and_binary_values),
        cmocka_unit_test(test_store_one_mib_values_and_toolarge),
        cmocka_unit_test(test_store_scan_orders_and_pages),
        cmocka_unit_test(test_store_counter_threads_reach_8000),
        cmocka_unit_test(test_store_counter_processes_reach_8000),
        cmocka_unit_test(test_store_sigkill_leaves_no_torn_document),
        cmocka_unit_test(test_store_url_valid_is_what_open_reads),
    };
    print_message("store under test: %s\n", bs_test_store_url());
    return cmocka_run_group_tests(tests, open_store, close_store);
}
