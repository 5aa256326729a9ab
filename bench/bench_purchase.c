/*
 * bench_purchase.c — slot purchases per second on LMDB stores, the
 * purchase figures of `make bench` (issue 9), each against a baseline from
 * the same run:
 *
 *   separate  16 buyer threads, each on a campaign of its own, ÷ one stream
 *             of 4 KB write + fdatasync on a file in the store's directory
 *             (the same disk), measured half before and half after them;
 *   race      16 buyer threads racing for the next slot of one campaign
 *             (only purchases that got their slot count; a lost race is
 *             retried) ÷ the separate figure;
 *   grown     16 buyers on 16 campaigns of a store grown to 10 000 sold
 *             campaigns of 4 sellers and ≈ 1 000 000 documents ÷ the same on
 *             a store of ≈ 100 documents, the two measured in turns, without
 *             flushes (both in /dev/shm: what grows with a store is work,
 *             which waiting for the disk hides); durable on the measured
 *             disk as well, a line of detail.
 *
 * How the grown store is made, through the public API only: the campaigns
 * are created one thread per seller; 16 buyer threads then buy one slot of
 * every campaign, the accounts are touched (what finishes their crediting
 * and ledgers), the documents counted, and the buyers buy as many further
 * slots of every campaign as the ≈ 1 000 000 documents need, at the rate of
 * documents per sale just counted. Every document is a real one: accounts,
 * campaigns, slots, ledger entries and the rest of a real sale. The store is
 * made in /dev/shm when it has room (fdatasync costs nothing there; the
 * durability of the making is not what is measured), then copied onto the
 * measured disk and opened there. When /dev/shm has no room, the store is
 * made in place and the figure is the durable one.
 *
 * usage: bench_purchase [separate|race|grown]...   (default: all three)
 *   stores live in $TMPDIR (or /tmp): the disk measured. BENCH_SCALE=F
 *   multiplies the grown store's campaigns and documents (0.01 for a quick
 *   run).
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "core/accounts.h"
#include "support.h"
#include "table.h"

#define BUYERS              16
#define SECONDS             4.0 /* each purchase figure */
#define SYNC_SECONDS        1.0 /* each half of the fdatasync baseline */
#define SYNC_BLOCK          4096
#define SYNC_FILE_BLOCKS    256
#define GROWN_CAMPAIGNS     10000
#define GROWN_DOCUMENTS     1000000
#define GROWN_SELLERS       4
#define STAGE_DIR           "/dev/shm"
#define STAGE_BYTES_PER_DOC 2048 /* room asked of STAGE_DIR per document */

static bench_buyer buyers[BUYERS];

/* dir + "/" + name, malloc'ed. */
static char *
path_join(const char *dir, const char *name)
{
    size_t size = strlen(dir) + strlen(name) + 2;
    char *path = malloc(size);

    if (path == NULL)
        bench_fail("path", BS_NOMEM);
    snprintf(path, size, "%s/%s", dir, name);
    return path;
}

/* The new directory `name` under `dir`, malloc'ed. */
static char *
new_dir(const char *dir, const char *name)
{
    char *path = path_join(dir, name);

    if (mkdir(path, 0700) != 0) {
        perror(path);
        exit(1);
    }
    return path;
}

/* The LMDB store in directory `path`. */
static bs_store *
open_lmdb(const char *path)
{
    char url[4200];

    snprintf(url, sizeof(url), "lmdb:%s", path);
    return bench_open(url);
}

/* Writes of 4 KB, each followed by fdatasync, per second, for `seconds`, on
 * a preallocated file in `dir` (written over in turn, as LMDB writes over
 * its pages). */
static double
sync_rate(const char *dir, double seconds, long *count)
{
    char *path = path_join(dir, "sync-baseline");
    static char block[SYNC_BLOCK];
    double start, elapsed;
    long n = 0;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

    if (fd < 0) {
        perror(path);
        exit(1);
    }
    memset(block, 'x', sizeof(block));
    for (int i = 0; i < SYNC_FILE_BLOCKS; i++)
        if (write(fd, block, sizeof(block)) != (ssize_t)sizeof(block))
            bench_fail("sync baseline", BS_IO);
    if (fsync(fd) != 0)
        bench_fail("sync baseline", BS_IO);
    start = bench_seconds();
    do {
        off_t at = (off_t)(n % SYNC_FILE_BLOCKS) * SYNC_BLOCK;
        if (pwrite(fd, block, sizeof(block), at) != (ssize_t)sizeof(block) || fdatasync(fd) != 0)
            bench_fail("sync baseline", BS_IO);
        n++;
    } while ((elapsed = bench_seconds() - start) < seconds);
    close(fd);
    unlink(path);
    free(path);
    *count = n;
    return (double)n / elapsed;
}

/* The small market: the operator, 16 buyers, one seller with `campaigns`
 * campaigns (≈ 100 documents). */
static bs_store *
small_store(const char *dir, const char *name, char **path, size_t campaigns, bs_ref *out)
{
    bs_store *store;

    *path = new_dir(dir, name);
    store = open_lmdb(*path);
    bench_market(store, BUYERS, buyers);
    bench_seller(store, "seller");
    bench_campaigns(store, "seller", campaigns, out);
    return store;
}

static bench_buying
buying(bs_store *store, const bs_ref *campaigns, size_t count, bool race, double seconds)
{
    return (bench_buying){.store = store,
                          .buyers = buyers,
                          .threads = BUYERS,
                          .campaigns = campaigns,
                          .campaign_count = count,
                          .race = race,
                          .seconds = seconds};
}

static void
print_buying(const char *label, const bench_buying *b)
{
    printf("  %-34s %6ld bought, %6ld lost races, %6.2f s: %8.1f purchases/s\n", label, b->bought,
           b->lost, b->elapsed, bench_buy_rate(b));
}

/* Figures "separate" and "race", on one fresh store. */
static void
fresh_figures(const char *dir, bool race)
{
    bs_ref campaigns[BUYERS + 1];
    long before_n, after_n;
    char *path;
    bs_store *store = small_store(dir, "fresh", &path, BUYERS + 1, campaigns);
    double before = sync_rate(path, SYNC_SECONDS, &before_n);
    bench_buying sep = buying(store, campaigns, BUYERS, false, SECONDS);
    double after, sync;

    bench_buy(&sep);
    after = sync_rate(path, SYNC_SECONDS, &after_n);
    sync = (double)(before_n + after_n) / (before_n / before + after_n / after);
    printf("fresh store %s, durable\n", path);
    printf("  4 KB write+fdatasync, 1 stream     %6.0f/s before, %6.0f/s after: %8.1f/s\n", before,
           after, sync);
    print_buying("16 buyers on 16 campaigns", &sep);
    bench_row("purchases/s, 16 buyers on 16 campaigns ÷ 4 KB write+fdatasync/s",
              bench_buy_rate(&sep), "/s", "4 KB write+fdatasync, 1 stream", sync, "/s", 1, 0.25);
    if (race) {
        bench_buying r = buying(store, &campaigns[BUYERS], 1, true, SECONDS);
        bench_buy(&r);
        print_buying("16 buyers racing for 1 campaign", &r);
        bench_row("16 buyers racing for one campaign ÷ 16 on separate campaigns",
                  bench_buy_rate(&r), "/s", "16 buyers on 16 campaigns", bench_buy_rate(&sep), "/s",
                  1, 0.5);
    }
    bs_store_close(store);
    free(path);
}

/* Campaign creation, one thread per seller. */
typedef struct seller_job {
    bs_store *store;
    char name[16];
    bs_ref *out;
    size_t count;
} seller_job;

static void *
seller_thread(void *arg)
{
    seller_job *job = arg;

    bench_campaigns(job->store, job->name, job->count, job->out);
    return NULL;
}

static void
grow_campaigns(bs_store *store, bs_ref *campaigns, size_t count)
{
    pthread_t tids[GROWN_SELLERS];
    seller_job jobs[GROWN_SELLERS];
    size_t from = 0;

    for (int s = 0; s < GROWN_SELLERS; s++) {
        size_t n = count / GROWN_SELLERS + ((size_t)s < count % GROWN_SELLERS);
        jobs[s] = (seller_job){store, "", &campaigns[from], n};
        snprintf(jobs[s].name, sizeof(jobs[s].name), "seller%d", s);
        bench_seller(store, jobs[s].name);
        from += n;
    }
    for (int s = 0; s < GROWN_SELLERS; s++)
        if (pthread_create(&tids[s], NULL, seller_thread, &jobs[s]) != 0)
            bench_fail("pthread_create", BS_NOMEM);
    for (int s = 0; s < GROWN_SELLERS; s++)
        pthread_join(tids[s], NULL);
}

/* Touch every account that sold or bought (bs_accounts_show finishes what
 * an account owes or is owed: its crediting and its ledger), so that the
 * documents counted are those of finished sales. */
static void
settle(bs_store *store)
{
    int64_t now = BENCH_T0;
    bs_ctx ctx;
    bs_name name;

    bench_ctx(&ctx, store, &now);
    for (int i = -1; i < GROWN_SELLERS + BUYERS; i++) {
        bs_account a;
        bs_status st;

        if (i < 0)
            snprintf(name, sizeof(name), "%s", ctx.operator_name);
        else if (i < GROWN_SELLERS)
            snprintf(name, sizeof(name), "seller%d", i);
        else
            snprintf(name, sizeof(name), "%s", buyers[i - GROWN_SELLERS].name);
        st = bs_accounts_show(&ctx, name, &a);
        if (st != BS_OK)
            bench_fail(name, st);
        bs_account_release(&a);
    }
}

/* Sell `per_campaign` more slots of every campaign; print what it took. */
static void
grow_sales(bs_store *store, const bs_ref *campaigns, size_t count, long per_campaign,
           const char *label)
{
    bench_buying b = buying(store, campaigns, count, false, 0);
    double start = bench_seconds();

    b.per_campaign = per_campaign;
    b.progress = 30;
    bench_buy(&b);
    settle(store);
    printf("  %-34s %6ld bought in %6.1f s (%.0f/s), settled in %.1f s\n", label, b.bought,
           b.elapsed, bench_buy_rate(&b), bench_seconds() - start - b.elapsed);
}

/* Copy `from` to `to` and flush it to disk. */
static void
copy_file(const char *from, const char *to)
{
    static char buf[1 << 20];
    int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ssize_t n;

    if (in < 0 || out < 0) {
        perror(in < 0 ? from : to);
        exit(1);
    }
    while ((n = read(in, buf, sizeof(buf))) > 0)
        if (write(out, buf, (size_t)n) != n)
            bench_fail(to, BS_IO);
    if (n < 0 || fsync(out) != 0)
        bench_fail(to, BS_IO);
    close(in);
    close(out);
}

/* Whether STAGE_DIR has room for the grown store. */
static bool
stage_fits(size_t documents)
{
    struct statvfs vfs;

    return statvfs(STAGE_DIR, &vfs) == 0 &&
           (double)vfs.f_bavail * (double)vfs.f_frsize >= (double)documents * STAGE_BYTES_PER_DOC;
}

/* "10 000" */
static void
grouped(size_t n, char *out, size_t size)
{
    if (n >= 1000000)
        snprintf(out, size, "%zu %03zu %03zu", n / 1000000, n / 1000 % 1000, n % 1000);
    else if (n >= 1000)
        snprintf(out, size, "%zu %03zu", n / 1000, n % 1000);
    else
        snprintf(out, size, "%zu", n);
}

/* The grown store, where it is made and then measured. */
typedef struct grown {
    bs_store *store;
    char *stage; /* the scratch directory it is made in */
    char *path;  /* its directory */
    bool staged; /* stage is in STAGE_DIR, not on the measured disk */
    bs_ref *refs;
    size_t campaigns;
} grown;

/* Make the grown store of `campaigns` campaigns and ≈ `documents` documents
 * in STAGE_DIR when it has room, else under `dir`. */
static void
grow(grown *g, const char *dir, size_t campaigns, size_t documents)
{
    double start = bench_seconds(), t;
    bench_census census;
    size_t first;
    long more;

    g->staged = stage_fits(documents);
    g->stage = bench_tmpdir(g->staged ? STAGE_DIR : dir);
    g->path = new_dir(g->stage, "grown");
    g->store = open_lmdb(g->path);
    g->campaigns = campaigns;
    g->refs = calloc(campaigns, sizeof(*g->refs));
    if (g->refs == NULL)
        bench_fail("campaigns", BS_NOMEM);
    printf("grown store: made in %s, %zu campaigns of %d sellers, %zu documents wanted\n", g->path,
           campaigns, GROWN_SELLERS, documents);
    bench_market(g->store, BUYERS, buyers);
    t = bench_seconds();
    grow_campaigns(g->store, g->refs, campaigns);
    printf("  %-34s %6zu made in %6.1f s\n", "campaigns", campaigns, bench_seconds() - t);
    bench_count(g->store, &census);
    first = census.total;
    grow_sales(g->store, g->refs, campaigns, 1, "first sale of every campaign");
    bench_count(g->store, &census);
    /* Documents per sale as just counted; sales enough for the rest. */
    more = (long)(((double)documents - (double)census.total) /
                  ((double)(census.total - first) / (double)campaigns) / (double)campaigns);
    if (more > 0)
        grow_sales(g->store, g->refs, campaigns, more, "further sales");
    bench_count(g->store, &census);
    bench_census_print("  grown store", &census);
    printf("  made in %.1f s in all\n", bench_seconds() - start);
}

/* Move the staged store onto the disk of `dir` and open it there. */
static void
move_to_disk(grown *g, const char *dir)
{
    char *from = path_join(g->path, "data.mdb"), *to;
    double t = bench_seconds();

    bs_store_close(g->store);
    free(g->path);
    g->path = new_dir(dir, "grown");
    to = path_join(g->path, "data.mdb");
    copy_file(from, to);
    bench_remove_tree(g->stage);
    printf("  copied to %s in %.1f s\n", g->path, bench_seconds() - t);
    g->store = open_lmdb(g->path);
    free(from);
    free(to);
}

/* 16 buyers on 16 campaigns of the grown store and of a new small store
 * under `dir`, in turns (so that both see the same moments of a shared
 * machine); their rates go to rates[0] (grown) and rates[1] (small). */
static void
compare(grown *g, const char *dir, const char *label, double rates[2])
{
    bench_buying runs[2] = {{0}, {0}};
    bs_ref spread[BUYERS], fresh[BUYERS];
    bench_census census;
    char *path;
    bs_store *small = small_store(dir, "small", &path, BUYERS, fresh);

    for (int i = 0; i < BUYERS; i++)
        spread[i] = g->refs[(size_t)i * (g->campaigns / BUYERS)];
    bench_count(small, &census);
    bench_census_print("small store", &census);
    for (int round = 0; round < 2; round++) {
        bench_buying r[2] = {buying(g->store, spread, BUYERS, false, SECONDS / 2),
                             buying(small, fresh, BUYERS, false, SECONDS / 2)};
        for (int i = 0; i < 2; i++) {
            bench_buy(&r[i]);
            runs[i].bought += r[i].bought;
            runs[i].lost += r[i].lost;
            runs[i].elapsed += r[i].elapsed;
        }
    }
    printf("%s\n", label);
    print_buying("16 buyers, grown store", &runs[0]);
    print_buying("16 buyers, small store", &runs[1]);
    for (int i = 0; i < 2; i++)
        rates[i] = bench_buy_rate(&runs[i]);
    bs_store_close(small);
    free(path);
}

/* Figure "grown": compared without flushes when the store could be made in
 * STAGE_DIR (what grows with the store is work, which waiting for the disk
 * hides), and durable on the measured disk (a line of detail then). */
static void
grown_figure(const char *dir)
{
    double scale = bench_scale(), durable[2], quick[2];
    size_t campaigns = (size_t)(GROWN_CAMPAIGNS * scale + 0.5);
    size_t documents = (size_t)(GROWN_DOCUMENTS * scale + 0.5);
    char figure[200], nc[32], nd[32];
    grown g;

    grow(&g, dir, campaigns < BUYERS ? BUYERS : campaigns, documents);
    if (g.staged) {
        compare(&g, g.stage, "without flush (" STAGE_DIR "):", quick);
        move_to_disk(&g, dir);
    }
    compare(&g, dir, "durable, on the disk measured:", durable);
    if (g.staged)
        printf("  ratio without flush %.3f, durable %.3f\n", quick[0] / quick[1],
               durable[0] / durable[1]);
    grouped(g.campaigns, nc, sizeof(nc));
    grouped(documents, nd, sizeof(nd));
    snprintf(figure, sizeof(figure),
             "purchase rate with %s sold campaigns and %s documents ÷ with 100 documents", nc, nd);
    if (g.staged)
        bench_row(figure, quick[0], "/s", "≈ 100 documents, 16 buyers, no flush", quick[1], "/s", 1,
                  0.8);
    else
        bench_row(figure, durable[0], "/s", "≈ 100 documents, 16 buyers, durable", durable[1], "/s",
                  1, 0.8);
    bs_store_close(g.store);
    free(g.stage);
    free(g.path);
    free(g.refs);
}

static bool
wanted(int argc, char **argv, const char *section)
{
    if (argc < 2)
        return true;
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], section) == 0)
            return true;
    return false;
}

int
main(int argc, char **argv)
{
    char *dir;

    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "separate") != 0 && strcmp(argv[i], "race") != 0 &&
            strcmp(argv[i], "grown") != 0) {
            fprintf(stderr, "usage: bench_purchase [separate|race|grown]...\n");
            return 2;
        }
    setvbuf(stdout, NULL, _IOLBF, 0); /* detail as it comes, between the rows */
    dir = bench_tmpdir(NULL);
    printf("bench_purchase: %ld cores, stores in %s\n", sysconf(_SC_NPROCESSORS_ONLN), dir);
    if (wanted(argc, argv, "separate") || wanted(argc, argv, "race"))
        fresh_figures(dir, wanted(argc, argv, "race"));
    if (wanted(argc, argv, "grown"))
        grown_figure(dir);
    bench_remove_tree(dir);
    free(dir);
    return 0;
}
