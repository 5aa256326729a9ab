/*
 * recover.c — see recover.h.
 */
#include <string.h>

#include "core/books.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/purchase.h"
#include "core/recover.h"

/* Finish the account's intent; *finished tells whether there was one. */
static bs_status
recover_one(bs_ctx *ctx, const char *canon, bool *finished)
{
    bs_account a;
    bs_status st = bs_docs_account(ctx, canon, &a, NULL);

    *finished = false;
    if (st != BS_OK)
        return st;
    if (a.lock == BS_LOCK_FILL) {
        bs_fill_intent fill = a.fill;
        st = bs_purchase_resume(ctx, canon, &fill, NULL);
        if (st == BS_SOLD)
            st = BS_OK;
        *finished = true;
    }
    bs_account_release(&a);
    if (st == BS_OK)
        st = bs_books_flush(ctx, canon);
    return st;
}

static bs_status
credit_campaign_doc(const bs_store_doc *doc, void *arg)
{
    bs_ctx *ctx = arg;
    bs_campaign c;
    bs_status st = bs_campaign_decode(doc->value, doc->len, &c);

    return st == BS_OK ? bs_credit_campaign(ctx, &c.id) : st;
}

bs_status
bs_recover_account(bs_ctx *ctx, const char *canon)
{
    char prefix[BS_KEY_BUF];
    bool finished;
    bs_status st = recover_one(ctx, canon, &finished);

    /* A seller who looks at the account is paid for every final sale. */
    bs_prefix_campaigns_of(canon, prefix);
    if (st == BS_OK)
        st = bs_docs_each(ctx, prefix, credit_campaign_doc, ctx);
    return st;
}

typedef struct sweep {
    bs_ctx *ctx;
    bs_recover_report *report;
} sweep;

static bs_status
recover_account_doc(const bs_store_doc *doc, void *arg)
{
    sweep *sw = arg;
    bs_recover_report *report = sw->report;
    bool finished;
    bs_status st = recover_one(sw->ctx, doc->key + strlen(BS_PREFIX_ACCOUNTS), &finished);

    report->accounts++;
    if (finished)
        report->purchases++;
    return st;
}

static bs_status
recover_campaign_doc(const bs_store_doc *doc, void *arg)
{
    sweep *sw = arg;
    bs_campaign c;
    bs_status st = bs_campaign_decode(doc->value, doc->len, &c);

    if (st != BS_OK)
        return st;
    sw->report->campaigns++;
    st = bs_purchase_sync(sw->ctx, &c.id, &c);
    if (st == BS_OK)
        st = bs_credit_campaign(sw->ctx, &c.id);
    return st;
}

bs_status
bs_recover_all(bs_ctx *ctx, bs_recover_report *report)
{
    sweep sw = {ctx, report};
    bs_status st;

    memset(report, 0, sizeof(*report));
    st = bs_docs_each(ctx, BS_PREFIX_ACCOUNTS, recover_account_doc, &sw);
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_CAMPAIGNS, recover_campaign_doc, &sw);
    return st;
}
