/*
 * recover.c — see recover.h.
 */
#include <stdlib.h>
#include <string.h>

#include "core/books.h"
#include "core/credit.h"
#include "core/docs.h"
#include "core/keyimport.h"
#include "core/purchase.h"
#include "core/recover.h"
#include "core/withdraw.h"
#include "model/recovery.h"
#include "util/log.h"
#include "util/metrics.h"

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
        if (st == BS_OK)
            bs_metric_add(BS_METRIC_RECOVERIES, 1);
    }
    if (st == BS_OK)
        st = bs_withdraw_record_holds(ctx, canon, &a);
    bs_account_release(&a);
    if (st == BS_OK)
        st = bs_books_flush(ctx, canon);
    return st;
}

typedef struct sweep {
    bs_ctx *ctx;
    bs_recover_report *report;
    bs_recover_note note;
    void *arg;
} sweep;

bs_status
bs_recover_item(bs_recover_note note, void *arg, size_t *problems, bs_status st,
                const char *account, const char *campaign, const char *step)
{
    bs_recover_problem p = {account, campaign, step, st};

    if (st == BS_OK || bs_status_outage(st))
        return st;
    (*problems)++;
    if (note != NULL)
        note(arg, &p);
    return BS_OK;
}

static bs_status
noted(sweep *sw, bs_status st, const char *account, const char *campaign, const char *step)
{
    return bs_recover_item(sw->note, sw->arg, &sw->report->problems, st, account, campaign, step);
}

/* A touch of one account notes its problems in the operator's log. */
static void
log_problem(void *arg, const bs_recover_problem *p)
{
    (void)arg;
    bs_log_warning("recovery of account \"%s\" left campaign \"%s\" (%s): %s",
                   p->account ? p->account : "", p->campaign ? p->campaign : "", p->step,
                   bs_strerror(p->status));
}

/* One of the account's own campaigns: a seller who looks at the account is
 * paid for every final sale. */
static bs_status
credit_campaign_doc(const bs_store_doc *doc, void *arg)
{
    sweep *sw = arg;
    char ref[BS_REF_MAX];
    bs_campaign c;
    bs_status st = bs_campaign_decode(doc->value, doc->len, &c);

    if (st != BS_OK)
        return noted(sw, st, NULL, doc->key, "read");
    bs_ref_format(&c.id, ref);
    return noted(sw, bs_credit_campaign(sw->ctx, &c.id), c.id.owner, ref, "credit");
}

bs_status
bs_recover_account(bs_ctx *ctx, const char *canon)
{
    bs_recover_report report = {0};
    sweep sw = {ctx, &report, log_problem, NULL};
    char prefix[BS_KEY_BUF];
    bool finished;
    bs_status st = recover_one(ctx, canon, &finished);

    bs_prefix_campaigns_of(canon, prefix);
    if (st == BS_OK)
        st = bs_docs_each(ctx, prefix, credit_campaign_doc, &sw);
    return st;
}

static bs_status
recover_account_doc(const bs_store_doc *doc, void *arg)
{
    sweep *sw = arg;
    const char *canon = doc->key + strlen(BS_PREFIX_ACCOUNTS);
    bool finished;
    bs_status st = recover_one(sw->ctx, canon, &finished);

    sw->report->accounts++;
    if (finished && st == BS_OK)
        sw->report->purchases++;
    return noted(sw, st, canon, NULL, finished ? "purchase" : "ledger");
}

static bs_status
recover_campaign_doc(const bs_store_doc *doc, void *arg)
{
    sweep *sw = arg;
    char ref[BS_REF_MAX];
    bs_campaign c;
    bs_status st = bs_campaign_decode(doc->value, doc->len, &c);

    if (st != BS_OK)
        return noted(sw, st, NULL, doc->key, "read");
    sw->report->campaigns++;
    bs_ref_format(&c.id, ref);
    st = bs_purchase_sync(sw->ctx, &c.id, &c);
    if (st != BS_OK)
        return noted(sw, st, c.id.owner, ref, "purchase");
    return noted(sw, bs_credit_campaign(sw->ctx, &c.id), c.id.owner, ref, "credit");
}

/* A pass that finished something leaves its record (model/recovery.h) for
 * `bitslot stats`: one add under the pass's own id. A count is not worth
 * failing recovery for: a failure is logged. */
static void
record_pass(bs_ctx *ctx, const bs_recover_report *report)
{
    bs_recovery r = {(int64_t)report->purchases, (int64_t)report->imports, bs_ctx_now(ctx)};
    char id[BS_ID_LEN + 1], key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    if (report->purchases + report->imports == 0)
        return;
    bs_id_next(&ctx->ids, id);
    bs_key_recovered(id, key);
    text = bs_recovery_encode(&r, &len);
    st = text != NULL ? bs_store_add(ctx->store, key, text, len, NULL) : BS_NOMEM;
    free(text);
    if (st != BS_OK)
        bs_log_warning("recovery finished %zu purchases and %zu key imports, but cannot record "
                       "it for 'bitslot stats': %s",
                       report->purchases, report->imports, bs_strerror(st));
}

bs_status
bs_recover_all(bs_ctx *ctx, bs_recover_report *report, bs_recover_note note, void *arg)
{
    sweep sw = {ctx, report, note, arg};
    bs_status st;

    memset(report, 0, sizeof(*report));
    st = bs_docs_each(ctx, BS_PREFIX_ACCOUNTS, recover_account_doc, &sw);
    if (st == BS_OK)
        st = bs_docs_each(ctx, BS_PREFIX_CAMPAIGNS, recover_campaign_doc, &sw);
    if (st == BS_OK)
        st = bs_keys_finish_imports(ctx, &report->imports, &report->problems, note, arg);
    bs_metric_add(BS_METRIC_RECOVERIES, (int64_t)report->imports);
    record_pass(ctx, report);
    return st;
}
