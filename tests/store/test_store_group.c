/*
 * test_store_group.c — group commit in the LMDB backend (store_group.c and
 * lmdb_apply in store_lmdb.c), on a real LMDB store with 16 threads.
 *
 * What it proves: writers that race inside one shared transaction still
 * each get their own result (one CAS replace, one add and one remove win per
 * round; the others see the winner's write: CONFLICT, EXISTS, NOTFOUND);
 * every CAS handed out is the one a lone write would have had (store-wide
 * consecutive); what was acknowledged is there after the store is reopened;
 * concurrent writes share commits (bitslot_store_commits_total counts fewer
 * commits than writes) while a lone writer commits each write at once; a
 * write that LMDB fails does not fail the writes batched with it; and a map
 * that fills up under concurrent writers grows without failing any of them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "testutil.h"
#include "util/metrics.h"

#define THREADS  16
#define ROUNDS   20
#define URL_SIZE 4200
#define MIB      (1024 * 1024)

/* ---- a crew: THREADS threads that run `step` once per round, each round
 * started by all of them together (a barrier) so that their writes race. */

typedef struct crew crew;
typedef void (*crew_step)(crew *c, int thread, int round);

struct crew {
    bs_store *store;
    int rounds;
    crew_step step;
    void *data;
    pthread_barrier_t go;
};

typedef struct crew_member {
    crew *crew;
    int thread;
} crew_member;

static void *
crew_thread(void *arg)
{
    crew_member *m = arg;

    for (int r = 0; r < m->crew->rounds; r++) {
        pthread_barrier_wait(&m->crew->go);
        m->crew->step(m->crew, m->thread, r);
    }
    return NULL;
}

/* Run `step` on THREADS threads for `rounds` rounds; return how many commits
 * the store made meanwhile. */
static int64_t
crew_run(bs_store *store, int rounds, crew_step step, void *data)
{
    crew c = {store, rounds, step, data, {{0}}};
    crew_member members[THREADS];
    pthread_t tids[THREADS];
    int64_t commits = bs_metric_get(BS_METRIC_STORE_COMMITS);

    assert_int_equal(pthread_barrier_init(&c.go, NULL, THREADS), 0);
    for (int t = 0; t < THREADS; t++) {
        members[t] = (crew_member){&c, t};
        assert_int_equal(pthread_create(&tids[t], NULL, crew_thread, &members[t]), 0);
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(tids[t], NULL);
    pthread_barrier_destroy(&c.go);
    return bs_metric_get(BS_METRIC_STORE_COMMITS) - commits;
}

static void
fresh_url(char *url, const char *name)
{
    snprintf(url, URL_SIZE, "lmdb:%s/%s", bs_test_tmpdir(), name);
}

static void
assert_doc(bs_store *s, const char *key, const char *expect, bs_cas cas)
{
    char *value;
    size_t len;
    bs_cas got;

    assert_int_equal(bs_store_get(s, key, &value, &len, &got), BS_OK);
    assert_int_equal(len, strlen(expect));
    assert_memory_equal(value, expect, len);
    if (cas != BS_STORE_CAS_NONE)
        assert_int_equal(got, cas);
    free(value);
}

/* ---- racing writers ---- */

enum { OP_REPLACE, OP_ADD, OP_REMOVE, OP_SET, OPS };

typedef struct race {
    bs_cas replace_cas[ROUNDS + 1]; /* what round r's replaces expect; the winner sets r + 1's */
    bs_cas remove_cas[ROUNDS];
    bs_status status[ROUNDS][THREADS][OPS];
    bs_cas new_cas[ROUNDS][THREADS][OPS];
} race;

static void
race_value(char *out, size_t size, int round, int thread)
{
    snprintf(out, size, "round %03d thread %02d", round, thread);
}

static void
race_step(crew *c, int t, int r)
{
    race *rc = c->data;
    char value[64], key[64];
    bs_cas *got = rc->new_cas[r][t];
    bs_status *st = rc->status[r][t];

    race_value(value, sizeof(value), r, t);
    st[OP_REPLACE] = bs_store_replace(c->store, "race/cas", value, strlen(value),
                                      rc->replace_cas[r], &got[OP_REPLACE]);
    if (st[OP_REPLACE] == BS_OK)
        rc->replace_cas[r + 1] = got[OP_REPLACE];
    snprintf(key, sizeof(key), "race/add/%03d", r);
    st[OP_ADD] = bs_store_add(c->store, key, value, strlen(value), &got[OP_ADD]);
    snprintf(key, sizeof(key), "race/remove/%03d", r);
    st[OP_REMOVE] = bs_store_remove(c->store, key, rc->remove_cas[r]);
    snprintf(key, sizeof(key), "race/own/%02d/%03d", t, r);
    st[OP_SET] = bs_store_set(c->store, key, value, strlen(value), &got[OP_SET]);
}

/* The one thread whose `op` of round `r` succeeded; every other thread got
 * `loser`. */
static int
race_winner(const race *rc, int r, int op, bs_status loser)
{
    int winner = -1;

    for (int t = 0; t < THREADS; t++) {
        if (rc->status[r][t][op] == BS_OK) {
            assert_int_equal(winner, -1);
            winner = t;
        } else {
            assert_int_equal(rc->status[r][t][op], loser);
        }
    }
    assert_int_not_equal(winner, -1);
    return winner;
}

/* What every round left in the store. */
static void
assert_race_docs(bs_store *s, const race *rc)
{
    char value[64], key[64], *ignored;

    for (int r = 0; r < ROUNDS; r++) {
        int adder = race_winner(rc, r, OP_ADD, BS_EXISTS);

        race_value(value, sizeof(value), r, adder);
        snprintf(key, sizeof(key), "race/add/%03d", r);
        assert_doc(s, key, value, rc->new_cas[r][adder][OP_ADD]);
        snprintf(key, sizeof(key), "race/remove/%03d", r);
        assert_int_equal(bs_store_get(s, key, &ignored, NULL, NULL), BS_NOTFOUND);
        for (int t = 0; t < THREADS; t++) {
            race_value(value, sizeof(value), r, t);
            snprintf(key, sizeof(key), "race/own/%02d/%03d", t, r);
            assert_doc(s, key, value, rc->new_cas[r][t][OP_SET]);
        }
    }
    race_value(value, sizeof(value), ROUNDS - 1,
               race_winner(rc, ROUNDS - 1, OP_REPLACE, BS_CONFLICT));
    assert_doc(s, "race/cas", value, rc->replace_cas[ROUNDS]);
}

static int
cas_order(const void *a, const void *b)
{
    bs_cas x = *(const bs_cas *)a, y = *(const bs_cas *)b;

    return x < y ? -1 : x > y;
}

/* The CAS values the successful writes got are consecutive, from just after
 * `last_before`: each write took the next one, as it would have alone. */
static void
assert_cas_consecutive(const race *rc, bs_cas last_before)
{
    bs_cas *all = malloc(sizeof(bs_cas) * ROUNDS * THREADS * OPS);
    size_t n = 0;

    assert_non_null(all);
    for (int r = 0; r < ROUNDS; r++)
        for (int t = 0; t < THREADS; t++)
            for (int op = 0; op < OPS; op++)
                if (op != OP_REMOVE && rc->status[r][t][op] == BS_OK)
                    all[n++] = rc->new_cas[r][t][op];
    assert_int_equal(n, (size_t)ROUNDS * (THREADS + 2));
    qsort(all, n, sizeof(*all), cas_order);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(all[i], last_before + 1 + i);
    free(all);
}

static void
test_store_group_racing_writers_each_get_their_own_result(void **state)
{
    char url[URL_SIZE], key[64];
    race *rc = calloc(1, sizeof(*rc));
    bs_store *s;
    int64_t commits;

    (void)state;
    assert_non_null(rc);
    fresh_url(url, "race");
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    for (int r = 0; r < ROUNDS; r++) {
        snprintf(key, sizeof(key), "race/remove/%03d", r);
        assert_int_equal(bs_store_add(s, key, "doomed", 6, &rc->remove_cas[r]), BS_OK);
    }
    assert_int_equal(bs_store_add(s, "race/cas", "start", 5, &rc->replace_cas[0]), BS_OK);

    commits = crew_run(s, ROUNDS, race_step, rc);
    for (int r = 0; r < ROUNDS; r++) {
        int replacer = race_winner(rc, r, OP_REPLACE, BS_CONFLICT);
        assert_int_equal(rc->new_cas[r][replacer][OP_REPLACE], rc->replace_cas[r + 1]);
        race_winner(rc, r, OP_ADD, BS_EXISTS);
        race_winner(rc, r, OP_REMOVE, BS_NOTFOUND);
        for (int t = 0; t < THREADS; t++)
            assert_int_equal(rc->status[r][t][OP_SET], BS_OK);
    }
    assert_cas_consecutive(rc, rc->replace_cas[0]);
    print_message("%d writes in %lld commits\n", ROUNDS * THREADS * OPS, (long long)commits);
    /* The races were decided inside shared transactions. */
    assert_true(commits < ROUNDS * THREADS * OPS);
    assert_race_docs(s, rc);

    /* Every acknowledged write is in the store when it is opened again. */
    bs_store_close(s);
    assert_int_equal(bs_store_open_existing(url, &s), BS_OK);
    assert_race_docs(s, rc);
    bs_store_close(s);
    free(rc);
}

/* ---- commits shared, and a lone writer's own ---- */

static void
set_step(crew *c, int t, int r)
{
    bs_status *st = c->data;
    char key[64];

    snprintf(key, sizeof(key), "share/%02d/%03d", t, r);
    st[r * THREADS + t] = bs_store_set(c->store, key, "v", 1, NULL);
}

static void
test_store_group_concurrent_writes_share_commits(void **state)
{
    char url[URL_SIZE];
    bs_status st[ROUNDS * THREADS];
    bs_store *s;
    int64_t before, commits;

    (void)state;
    fresh_url(url, "share");
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    /* Alone, each write is committed on its own: no waiting for company. */
    before = bs_metric_get(BS_METRIC_STORE_COMMITS);
    for (int i = 0; i < ROUNDS; i++) {
        bs_status alone = bs_store_set(s, "share/alone", "v", 1, NULL);
        if (alone != BS_OK)
            fail_msg("lone write %d: %s", i, bs_status_name(alone));
    }
    if (bs_metric_get(BS_METRIC_STORE_COMMITS) - before != ROUNDS)
        fail_msg("%d lone writes took %lld commits", ROUNDS,
                 (long long)(bs_metric_get(BS_METRIC_STORE_COMMITS) - before));

    commits = crew_run(s, ROUNDS, set_step, st);
    for (int i = 0; i < ROUNDS * THREADS; i++)
        if (st[i] != BS_OK)
            fail_msg("write %d of thread %d: %s", i / THREADS, i % THREADS, bs_status_name(st[i]));
    print_message("%d concurrent writes in %lld commits\n", ROUNDS * THREADS, (long long)commits);
    assert_true(commits < ROUNDS * THREADS);
    bs_store_close(s);
}

/* ---- a write LMDB fails, batched with good ones ---- */

/* Put a document too short to hold a CAS under `key`, behind the store's
 * back (store_lmdb.c's layout: database "doc", 8 bytes of CAS first). */
static void
plant_damaged_doc(const char *dir, const char *key)
{
    MDB_val k = {strlen(key), (void *)key}, v = {3, "bad"};
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;

    assert_int_equal(mdb_env_create(&env), MDB_SUCCESS);
    assert_int_equal(mdb_env_set_maxdbs(env, 2), MDB_SUCCESS);
    assert_int_equal(mdb_env_open(env, dir, 0, 0600), MDB_SUCCESS);
    assert_int_equal(mdb_txn_begin(env, NULL, 0, &txn), MDB_SUCCESS);
    assert_int_equal(mdb_dbi_open(txn, "doc", 0, &dbi), MDB_SUCCESS);
    assert_int_equal(mdb_put(txn, dbi, &k, &v, 0), MDB_SUCCESS);
    assert_int_equal(mdb_txn_commit(txn), MDB_SUCCESS);
    mdb_env_close(env);
}

/* Every fourth thread writes the damaged document, the others their own. */
static void
damaged_step(crew *c, int t, int r)
{
    bs_status *st = c->data;
    char key[64];

    if (t % 4 == 0)
        snprintf(key, sizeof(key), "damaged");
    else
        snprintf(key, sizeof(key), "fine/%02d/%03d", t, r);
    st[r * THREADS + t] = bs_store_set(c->store, key, "v", 1, NULL);
}

static void
test_store_group_a_failing_write_fails_alone(void **state)
{
    char url[URL_SIZE], key[64];
    bs_status st[ROUNDS * THREADS];
    bs_store *s;

    (void)state;
    fresh_url(url, "damaged");
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    bs_store_close(s);
    plant_damaged_doc(url + strlen("lmdb:"), "damaged");
    assert_int_equal(bs_store_open_existing(url, &s), BS_OK);

    crew_run(s, ROUNDS, damaged_step, st);
    for (int r = 0; r < ROUNDS; r++) {
        for (int t = 0; t < THREADS; t++) {
            assert_int_equal(st[r * THREADS + t], t % 4 == 0 ? BS_CORRUPT : BS_OK);
            if (t % 4 == 0)
                continue;
            snprintf(key, sizeof(key), "fine/%02d/%03d", t, r);
            assert_doc(s, key, "v", BS_STORE_CAS_NONE);
        }
    }
    bs_store_close(s);
}

/* ---- a map that fills up under concurrent writers ---- */

#define BIG_ROUNDS 6 /* 16 × 6 MiB: past the 64 MiB initial map */

static char *
big_value(int t, int r)
{
    char *v = malloc(MIB);

    if (v == NULL)
        abort(); /* in a crew thread, where cmocka cannot fail a test */
    memset(v, 'a' + (t + r) % 26, MIB);
    snprintf(v, 32, "thread %02d round %d", t, r);
    return v;
}

static void
big_step(crew *c, int t, int r)
{
    bs_status *st = c->data;
    char key[64], *v = big_value(t, r);

    snprintf(key, sizeof(key), "big/%02d/%d", t, r);
    st[r * THREADS + t] = bs_store_set(c->store, key, v, MIB, NULL);
    free(v);
}

static void
test_store_group_map_grows_under_concurrent_writers(void **state)
{
    char url[URL_SIZE], key[64];
    bs_status st[BIG_ROUNDS * THREADS];
    bs_store *s;

    (void)state;
    fresh_url(url, "big");
    assert_int_equal(bs_store_open(url, &s), BS_OK);
    crew_run(s, BIG_ROUNDS, big_step, st);
    for (int i = 0; i < BIG_ROUNDS * THREADS; i++)
        assert_int_equal(st[i], BS_OK);
    bs_store_close(s);
    assert_int_equal(bs_store_open_existing(url, &s), BS_OK);
    for (int r = 0; r < BIG_ROUNDS; r++) {
        for (int t = 0; t < THREADS; t++) {
            char *v = big_value(t, r), *got;
            size_t len;

            snprintf(key, sizeof(key), "big/%02d/%d", t, r);
            assert_int_equal(bs_store_get(s, key, &got, &len, NULL), BS_OK);
            assert_int_equal(len, MIB);
            assert_memory_equal(got, v, MIB);
            free(got);
            free(v);
        }
    }
    bs_store_close(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_group_racing_writers_each_get_their_own_result),
        cmocka_unit_test(test_store_group_concurrent_writes_share_commits),
        cmocka_unit_test(test_store_group_a_failing_write_fails_alone),
        cmocka_unit_test(test_store_group_map_grows_under_concurrent_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
