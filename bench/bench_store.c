/*
 * bench_store.c — throughput of the store's get, add and replace, with 1 and
 * 16 threads, durable (every write is committed to disk before it returns).
 * A benchmark, not a test: it prints figures and judges nothing. The machine
 * is shared and noisy, so compare the ratios of one run (16 threads against
 * 1) rather than absolute figures across runs.
 *
 * Its figure of the table (bench/table.h): durable replaces per second with
 * 16 writers ÷ with 1 writer. Each is measured REPEATS times for
 * REPEAT_SECONDS, 1 and 16 writers taking turns so that both see the same
 * moments of a noisy machine, and the median of each is reported, with how
 * many writes shared a commit (bitslot_store_commits_total; LMDB only).
 *
 * usage: bench_store [STORE-URL]   (default: a fresh LMDB store in $TMPDIR)
 *        BENCH_SCALE=N multiplies the operation counts and times (default 1).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "support.h"
#include "table.h"
#include "util/metrics.h"

#define MAX_THREADS    16
#define DOC_BYTES      200
#define REPEATS        3
#define REPEAT_SECONDS 1.0

typedef enum bench_op { OP_ADD, OP_GET, OP_REPLACE } bench_op;

static const char *const op_names[] = {"add", "get", "replace"};

typedef struct bench_job {
    bs_store *store;
    bench_op op;
    int thread;
    int count;
    int keys; /* keys that exist, for get */
    int round;
    bs_cas *cas;     /* per key, for replace */
    double deadline; /* stop then, when nonzero, with `done` operations done */
    int done;
    bs_status failure;
} bench_job;

static char doc[DOC_BYTES];

static void *
bench_thread(void *arg)
{
    bench_job *job = arg;
    unsigned seed = (unsigned)job->thread * 7919u + 1;

    for (int i = 0; i < job->count && job->failure == BS_OK; i++, job->done++) {
        char key[64], *value;
        int k = job->op == OP_GET ? rand_r(&seed) % job->keys : i % job->keys;

        if (job->deadline != 0 && bench_seconds() >= job->deadline)
            break;
        snprintf(key, sizeof(key), "bench/r%d/t%02d/%06d", job->round, job->thread, k);
        switch (job->op) {
        case OP_ADD:
            job->failure = bs_store_add(job->store, key, doc, sizeof(doc), &job->cas[i]);
            break;
        case OP_GET:
            job->failure = bs_store_get(job->store, key, &value, NULL, NULL);
            if (job->failure == BS_OK)
                free(value);
            break;
        case OP_REPLACE:
            job->failure =
                bs_store_replace(job->store, key, doc, sizeof(doc), job->cas[k], &job->cas[k]);
            break;
        }
    }
    return NULL;
}

/* Run `op` on `threads` threads, `per_thread` operations each (or as many as
 * fit in `seconds`, when nonzero), on the `keys` keys per thread of `round`;
 * return ops/s. */
static double
run(bs_store *store, bench_op op, int threads, int per_thread, double seconds, int keys, int round,
    bs_cas **cas)
{
    pthread_t tids[MAX_THREADS];
    bench_job jobs[MAX_THREADS];
    double start = bench_seconds(), elapsed;
    int64_t done = 0;

    for (int t = 0; t < threads; t++) {
        jobs[t] = (bench_job){.store = store,
                              .op = op,
                              .thread = t,
                              .count = per_thread,
                              .keys = keys,
                              .round = round,
                              .cas = cas[t],
                              .deadline = seconds > 0 ? start + seconds : 0};
        pthread_create(&tids[t], NULL, bench_thread, &jobs[t]);
    }
    for (int t = 0; t < threads; t++) {
        pthread_join(tids[t], NULL);
        done += jobs[t].done;
        if (jobs[t].failure != BS_OK) {
            fprintf(stderr, "bench_store: %s failed: %s\n", op_names[op],
                    bs_strerror(jobs[t].failure));
            exit(1);
        }
    }
    elapsed = bench_seconds() - start;
    return (double)done / elapsed;
}

static int
rate_order(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The table's figure: durable replaces with 16 writers ÷ 1 writer, taking
 * turns, on the keys (and CAS) that round 0 (1 thread, `keys1` keys) and
 * round 1 (16 threads, `keys16` keys each) added. */
static void
replace_figure(bs_store *store, int keys1, int keys16, bs_cas **cas1, bs_cas **cas16,
               double seconds)
{
    double one[REPEATS], many[REPEATS];
    int64_t writes, commits;

    for (int r = 0; r < REPEATS; r++) {
        one[r] = run(store, OP_REPLACE, 1, INT32_MAX, seconds, keys1, 0, cas1);
        commits = bs_metric_get(BS_METRIC_STORE_COMMITS);
        writes = bs_metric_get(BS_METRIC_STORE_WRITES);
        many[r] = run(store, OP_REPLACE, MAX_THREADS, INT32_MAX, seconds, keys16, 1, cas16);
        commits = bs_metric_get(BS_METRIC_STORE_COMMITS) - commits;
        writes = bs_metric_get(BS_METRIC_STORE_WRITES) - writes;
        printf("replace, turn %d: 1 writer %.0f/s, 16 writers %.0f/s", r + 1, one[r], many[r]);
        if (commits > 0)
            printf(" (%.1f writes per commit)", (double)writes / (double)commits);
        printf("\n");
    }
    qsort(one, REPEATS, sizeof(double), rate_order);
    qsort(many, REPEATS, sizeof(double), rate_order);
    bench_row("LMDB durable replace, 16 writers ÷ 1 writer", many[REPEATS / 2], "/s", "1 writer",
              one[REPEATS / 2], "/s", 1, 8);
}

int
main(int argc, char **argv)
{
    const char *scale_env = getenv("BENCH_SCALE");
    int scale = scale_env ? (int)strtol(scale_env, NULL, 10) : 1;
    char url[4200], *dir = NULL;
    const int thread_counts[] = {1, 16};
    double rate[3][2];
    bs_cas *cas[2][MAX_THREADS];
    int writes[2];
    bs_store *store;

    if (scale < 1)
        scale = 1;
    if (argc > 1) {
        snprintf(url, sizeof(url), "%s", argv[1]);
    } else {
        dir = bench_tmpdir(NULL);
        snprintf(url, sizeof(url), "lmdb:%s", dir);
    }
    if (bs_store_open(url, &store) != BS_OK) {
        fprintf(stderr, "bench_store: cannot open %s\n", url);
        return 1;
    }
    memset(doc, 'x', sizeof(doc));
    memcpy(doc, "{\"bench\":\"", 10);
    doc[DOC_BYTES - 2] = '"';
    doc[DOC_BYTES - 1] = '}';

    printf("store %s, %ld cores, %d-byte documents, durable writes\n", url,
           sysconf(_SC_NPROCESSORS_ONLN), DOC_BYTES);
    printf("%-8s %8s %10s %12s\n", "op", "threads", "ops", "ops/s");
    for (int i = 0; i < 2; i++) {
        int threads = thread_counts[i];
        int reads = (threads == 1 ? 200000 : 20000) * scale;

        writes[i] = (threads == 1 ? 2000 : 250) * scale;
        for (int t = 0; t < threads; t++) {
            cas[i][t] = calloc((size_t)writes[i], sizeof(bs_cas));
            if (cas[i][t] == NULL)
                return 1;
        }
        rate[OP_ADD][i] = run(store, OP_ADD, threads, writes[i], 0, writes[i], i, cas[i]);
        rate[OP_GET][i] = run(store, OP_GET, threads, reads, 0, writes[i], i, cas[i]);
        rate[OP_REPLACE][i] = run(store, OP_REPLACE, threads, writes[i], 0, writes[i], i, cas[i]);
        for (bench_op op = OP_ADD; op <= OP_REPLACE; op++)
            printf("%-8s %8d %10d %12.0f\n", op_names[op], threads,
                   threads * (op == OP_GET ? reads : writes[i]), rate[op][i]);
    }
    printf("ratio 16 threads / 1 thread: add %.2f, get %.2f, replace %.2f\n",
           rate[OP_ADD][1] / rate[OP_ADD][0], rate[OP_GET][1] / rate[OP_GET][0],
           rate[OP_REPLACE][1] / rate[OP_REPLACE][0]);
    replace_figure(store, writes[0], writes[1], cas[0], cas[1], REPEAT_SECONDS * scale);
    for (int i = 0; i < 2; i++)
        for (int t = 0; t < thread_counts[i]; t++)
            free(cas[i][t]);
    bs_store_close(store);
    if (dir != NULL)
        bench_remove_tree(dir);
    free(dir);
    return 0;
}
