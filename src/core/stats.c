/*
 * stats.c — see stats.h.
 */
#include <stdlib.h>
#include <string.h>

#include "core/docs.h"
#include "core/stats.h"

/* How often one record reads the document again before it gives up for
 * this time (only a document changed under it makes it read). */
#define RECORD_ATTEMPTS 3

void
bs_stats_mine_init(bs_stats_mine *mine, const bs_ref *campaign, uint32_t slot,
                   const char process[BS_ID_LEN + 1])
{
    memset(mine, 0, sizeof(*mine));
    mine->doc.campaign = *campaign;
    mine->doc.slot = slot;
    memcpy(mine->doc.process, process, BS_ID_LEN + 1);
}

/* Read the document back: what the store holds now becomes `mine`. */
static bs_status
reread(bs_ctx *ctx, const char *key, bs_stats_mine *mine)
{
    bs_stats found;
    bs_cas cas;
    char *value;
    size_t len;
    bs_status st = bs_store_get(ctx->store, key, &value, &len, &cas);

    if (st == BS_NOTFOUND) {
        mine->cas = BS_STORE_CAS_NONE; /* removed: added again, counts kept */
        return BS_OK;
    }
    if (st != BS_OK)
        return st;
    st = bs_stats_decode(value, len, &found);
    free(value);
    if (st != BS_OK || !bs_ref_equal(&found.campaign, &mine->doc.campaign) ||
        found.slot != mine->doc.slot || strcmp(found.process, mine->doc.process) != 0)
        return BS_CORRUPT;
    mine->doc = found;
    mine->cas = cas;
    return BS_OK;
}

bs_status
bs_stats_record(bs_ctx *ctx, bs_stats_mine *mine, int64_t impressions, int64_t clicks)
{
    char key[BS_KEY_BUF];
    bs_status st = BS_CONFLICT;

    if (impressions < 0 || clicks < 0)
        return BS_INVALID;
    if (impressions == 0 && clicks == 0)
        return BS_OK;
    bs_key_stats(&mine->doc.campaign, mine->doc.slot, mine->doc.process, key);
    for (int attempt = 0; attempt < RECORD_ATTEMPTS; attempt++) {
        bs_stats want = mine->doc;
        bs_cas cas;
        size_t len;
        char *text;

        want.impressions += impressions;
        want.clicks += clicks;
        want.seq++;
        want.updated = bs_ctx_now(ctx);
        text = bs_stats_encode(&want, &len);
        if (text == NULL)
            return BS_NOMEM;
        if (mine->cas == BS_STORE_CAS_NONE)
            st = bs_store_add(ctx->store, key, text, len, &cas);
        else
            st = bs_store_replace(ctx->store, key, text, len, mine->cas, &cas);
        free(text);
        if (st == BS_OK) {
            mine->doc = want;
            mine->cas = cas;
            return BS_OK;
        }
        if (st != BS_EXISTS && st != BS_CONFLICT && st != BS_NOTFOUND && st != BS_UNCERTAIN)
            return st;
        /* Not as we left it, or unknown whether our write went in: the
         * document says (its seq is ours when it did). */
        st = reread(ctx, key, mine);
        if (st != BS_OK)
            return st;
        if (mine->cas != BS_STORE_CAS_NONE && mine->doc.seq == want.seq &&
            mine->doc.impressions == want.impressions && mine->doc.clicks == want.clicks)
            return BS_OK;
        st = BS_CONFLICT;
    }
    return st;
}

typedef struct summing {
    const bs_ref *campaign;
    uint32_t slot;
    bs_stats_sum *sum;
} summing;

static bs_status
add_doc(const bs_store_doc *doc, void *arg)
{
    summing *s = arg;
    char key[BS_KEY_BUF];
    bs_stats one;

    if (bs_stats_decode(doc->value, doc->len, &one) != BS_OK ||
        !bs_ref_equal(&one.campaign, s->campaign) || one.slot != s->slot ||
        (bs_key_stats(&one.campaign, one.slot, one.process, key), strcmp(key, doc->key) != 0) ||
        one.impressions > INT64_MAX - s->sum->impressions ||
        one.clicks > INT64_MAX - s->sum->clicks) {
        s->sum->damaged++;
        return BS_OK;
    }
    s->sum->impressions += one.impressions;
    s->sum->clicks += one.clicks;
    s->sum->processes++;
    return BS_OK;
}

bs_status
bs_stats_slot(bs_ctx *ctx, const bs_ref *campaign, uint32_t slot, bs_stats_sum *sum)
{
    char prefix[BS_KEY_BUF];
    summing s = {campaign, slot, sum};

    memset(sum, 0, sizeof(*sum));
    bs_prefix_stats_of(campaign, slot, prefix);
    return bs_docs_each(ctx, prefix, add_doc, &s);
}
