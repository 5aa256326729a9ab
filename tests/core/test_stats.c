/*
 * test_stats.c — impressions and clicks of sold slots (core/stats.h,
 * model/stats.h) on a real store, each case on an empty one:
 *   - each process writes its own document per slot (add, then CAS with the
 *     CAS it remembers: no read), and a slot's counts are the sum over the
 *     processes' documents;
 *   - a document not as its process left it (removed, or written by a
 *     write whose answer was lost) is read again and nothing is counted
 *     twice or lost;
 *   - a damaged document is skipped by the sum (and counted as damaged);
 *   - `bitslot check` passes over counts of a sold slot and names a
 *     document that is not counts, one under another slot's key, and counts
 *     of a slot that was never sold.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/stats.h"
#include "testutil.h"
#include "util/metrics.h"

#define T0    INT64_C(1700000000)
#define PROC1 "11111111111111111111111111111111"
#define PROC2 "22222222222222222222222222222222"

typedef struct fixture {
    char url[4200];
    int64_t now;
    bs_ctx ctx;
    bs_ref campaign;
} fixture;

/* An empty store with the operator's account and a campaign bob/0 whose
 * slot 0 was sold (the slot document alone: enough for the counts). */
static void
fixture_open(fixture *f)
{
    bs_store *store;
    bs_slot slot;

    memset(f, 0, sizeof(*f));
    bs_test_empty_store(f->url, sizeof(f->url));
    assert_int_equal(bs_store_open(f->url, &store), BS_OK);
    bs_ctx_init(&f->ctx, store);
    f->now = T0;
    f->ctx.clock = bs_clock_fixed(&f->now);
    assert_int_equal(bs_credit_ensure_operator(&f->ctx), BS_OK);
    snprintf(f->campaign.owner, sizeof(f->campaign.owner), "bob");
    memset(&slot, 0, sizeof(slot));
    slot.campaign = f->campaign;
    snprintf(slot.buyer, sizeof(slot.buyer), "alice");
    snprintf(slot.ad.owner, sizeof(slot.ad.owner), "alice");
    slot.price = 1000;
    slot.time = slot.start = T0;
    slot.end = T0 + 60;
    memcpy(slot.request, PROC1, sizeof(slot.request));
    assert_int_equal(bs_docs_add_slot(&f->ctx, &slot), BS_OK);
}

static void
fixture_close(fixture *f)
{
    bs_store_close(f->ctx.store);
}

static void
assert_sum(fixture *f, uint32_t slot, int64_t impressions, int64_t clicks, size_t processes,
           size_t damaged)
{
    bs_stats_sum sum;

    assert_int_equal(bs_stats_slot(&f->ctx, &f->campaign, slot, &sum), BS_OK);
    assert_int_equal(sum.impressions, impressions);
    assert_int_equal(sum.clicks, clicks);
    assert_int_equal(sum.processes, processes);
    assert_int_equal(sum.damaged, damaged);
}

static void
test_stats_each_process_its_document_summed(void **state)
{
    bs_stats_mine one, two;
    int64_t reads;
    fixture f;

    (void)state;
    fixture_open(&f);
    assert_sum(&f, 0, 0, 0, 0, 0);
    bs_stats_mine_init(&one, &f.campaign, 0, PROC1);
    bs_stats_mine_init(&two, &f.campaign, 0, PROC2);
    reads = bs_metric_get(BS_METRIC_STORE_READS);
    assert_int_equal(bs_stats_record(&f.ctx, &one, 10, 1), BS_OK);
    assert_int_equal(bs_stats_record(&f.ctx, &two, 5, 0), BS_OK);
    assert_int_equal(bs_stats_record(&f.ctx, &one, 7, 2), BS_OK);
    assert_int_equal(bs_stats_record(&f.ctx, &one, 0, 0), BS_OK); /* nothing new: no write */
    /* Written by add, then by CAS with the CAS remembered: never a read. */
    assert_int_equal(bs_metric_get(BS_METRIC_STORE_READS), reads);
    assert_int_equal(one.doc.seq, 2);
    assert_int_equal(one.doc.impressions, 17);
    assert_sum(&f, 0, 22, 3, 2, 0);
    assert_sum(&f, 1, 0, 0, 0, 0);
    assert_int_equal(bs_stats_record(&f.ctx, &one, -1, 0), BS_INVALID);
    fixture_close(&f);
}

static void
test_stats_reads_again_a_document_not_as_left(void **state)
{
    bs_stats_mine one, lost;
    char key[BS_KEY_BUF];
    bs_cas cas;
    char *value;
    size_t len;
    fixture f;

    (void)state;
    fixture_open(&f);
    bs_stats_mine_init(&one, &f.campaign, 0, PROC1);
    assert_int_equal(bs_stats_record(&f.ctx, &one, 3, 0), BS_OK);

    /* A write whose answer was lost: the store has it, the process does
     * not know its CAS. Its retry reads, finds its own seq: applied once. */
    lost = one;
    assert_int_equal(bs_stats_record(&f.ctx, &lost, 4, 1), BS_OK);
    assert_int_equal(bs_stats_record(&f.ctx, &one, 4, 1), BS_OK);
    assert_memory_equal(&one, &lost, sizeof(one));
    assert_sum(&f, 0, 7, 1, 1, 0);
    assert_int_equal(bs_stats_record(&f.ctx, &one, 1, 1), BS_OK);
    assert_sum(&f, 0, 8, 2, 1, 0);

    /* Removed under it: added again, with what it counted so far. */
    bs_key_stats(&f.campaign, 0, PROC1, key);
    assert_int_equal(bs_store_get(f.ctx.store, key, &value, &len, &cas), BS_OK);
    free(value);
    assert_int_equal(bs_store_remove(f.ctx.store, key, cas), BS_OK);
    assert_int_equal(bs_stats_record(&f.ctx, &one, 1, 0), BS_OK);
    assert_sum(&f, 0, 9, 2, 1, 0);

    /* Someone else's document under its key: refused, nothing counted. */
    assert_int_equal(bs_store_set(f.ctx.store, key, "{}", 2, NULL), BS_OK);
    assert_int_equal(bs_stats_record(&f.ctx, &one, 1, 0), BS_CORRUPT);
    assert_sum(&f, 0, 0, 0, 0, 1);
    fixture_close(&f);
}

typedef struct findings {
    char text[4096];
    bs_check_summary sum;
} findings;

static void
collect(void *arg, bool unfinished, const char *line)
{
    findings *fs = arg;
    size_t n = strlen(fs->text);

    snprintf(fs->text + n, sizeof(fs->text) - n, "%s: %s\n",
             unfinished ? "unfinished" : "violation", line);
}

static void
test_stats_check_names_what_is_not_counts(void **state)
{
    bs_stats_mine one, unsold;
    bs_stats moved;
    char key[BS_KEY_BUF], *text;
    size_t len;
    findings fs;
    fixture f;

    (void)state;
    fixture_open(&f);
    bs_stats_mine_init(&one, &f.campaign, 0, PROC1);
    assert_int_equal(bs_stats_record(&f.ctx, &one, 3, 1), BS_OK);
    memset(&fs, 0, sizeof(fs));
    assert_int_equal(bs_check_run(&f.ctx, collect, &fs, &fs.sum), BS_OK);
    /* The slot alone, without its campaign, is the check's business; the
     * counts are not. */
    assert_null(strstr(fs.text, "stats/"));

    bs_stats_mine_init(&unsold, &f.campaign, 5, PROC1);
    assert_int_equal(bs_stats_record(&f.ctx, &unsold, 1, 0), BS_OK);
    bs_key_stats(&f.campaign, 0, PROC2, key);
    assert_int_equal(bs_store_add(f.ctx.store, key, "[]", 2, NULL), BS_OK);
    moved = one.doc;
    bs_key_stats(&f.campaign, 1, PROC1, key);
    text = bs_stats_encode(&moved, &len);
    assert_int_equal(bs_store_add(f.ctx.store, key, text, len, NULL), BS_OK);
    free(text);
    memset(&fs, 0, sizeof(fs));
    assert_int_equal(bs_check_run(&f.ctx, collect, &fs, &fs.sum), BS_OK);
    assert_non_null(strstr(fs.text, "violation: document \"stats/bob/0000000000/0000000000/" PROC2
                                    "\" is not the counts of a slot\n"));
    assert_non_null(strstr(fs.text, "violation: document \"stats/bob/0000000000/0000000001/" PROC1
                                    "\" holds the counts of slot bob/0/0, not its own\n"));
    assert_non_null(strstr(fs.text, "violation: document \"stats/bob/0000000000/0000000005/" PROC1
                                    "\" counts slot bob/0/5, which was never sold\n"));
    assert_sum(&f, 0, 3, 1, 1, 1);
    fixture_close(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_each_process_its_document_summed),
        cmocka_unit_test(test_stats_reads_again_a_document_not_as_left),
        cmocka_unit_test(test_stats_check_names_what_is_not_counts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
