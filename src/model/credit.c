/*
 * credit.c — the JSON of a campaign's credit document (credit.h):
 *   credit/<owner>/<i>  {"campaign":"bob/0",
 *                        "seller":{"paid":41,"batch":{"from":20,"first":21,"at":77}},
 *                        "fee":{"paid":41}}
 */
#include <string.h>

#include "model/codec.h"
#include "model/credit.h"

static const char *const payee_field[BS__PAYEE_COUNT] = {"seller", "fee"};

void
bs_credit_init(bs_credit *credit, const bs_ref *campaign)
{
    memset(credit, 0, sizeof(*credit));
    credit->campaign = *campaign;
    for (int p = 0; p < BS__PAYEE_COUNT; p++)
        credit->mark[p].paid = -1;
}

static json_t *
mark_json(const bs_credit_mark *m)
{
    json_t *obj = json_pack("{s:I}", "paid", (json_int_t)m->paid);

    if (obj != NULL && m->batch.open &&
        json_object_set_new(obj, "batch",
                            json_pack("{s:I, s:I, s:I}", "from", (json_int_t)m->batch.from, "first",
                                      (json_int_t)m->batch.first, "at", (json_int_t)m->batch.at)) !=
            0) {
        json_decref(obj);
        obj = NULL;
    }
    return obj;
}

char *
bs_credit_encode(const bs_credit *credit, size_t *len)
{
    return bs_codec_dump(json_pack("{s:o, s:o, s:o}", "campaign",
                                   bs_codec_ref_json(&credit->campaign), payee_field[0],
                                   mark_json(&credit->mark[0]), payee_field[1],
                                   mark_json(&credit->mark[1])),
                         len);
}

static bs_status
mark_from_json(json_t *obj, bs_credit_mark *m)
{
    json_t *batch;

    if (!json_is_object(obj) || bs_codec_int(obj, "paid", &m->paid) != BS_OK || m->paid < -1)
        return BS_CORRUPT;
    batch = json_object_get(obj, "batch");
    memset(&m->batch, 0, sizeof(m->batch));
    if (batch == NULL)
        return json_object_size(obj) == 1 ? BS_OK : BS_CORRUPT;
    m->batch.open = true;
    if (json_object_size(obj) != 2 || json_object_size(batch) != 3 ||
        bs_codec_int(batch, "from", &m->batch.from) != BS_OK ||
        bs_codec_int(batch, "first", &m->batch.first) != BS_OK ||
        bs_codec_int(batch, "at", &m->batch.at) != BS_OK)
        return BS_CORRUPT;
    /* from < first <= paid, and ledger entries are numbered from 1 */
    if (m->batch.from < -1 || m->batch.first <= m->batch.from || m->batch.first > m->paid ||
        m->batch.at < 1)
        return BS_CORRUPT;
    return BS_OK;
}

bs_status
bs_credit_decode(const char *text, size_t len, bs_credit *credit)
{
    json_t *doc = bs_codec_load(text, len);
    bs_status st = BS_CORRUPT;

    if (doc == NULL)
        return BS_CORRUPT;
    memset(credit, 0, sizeof(*credit));
    if (json_object_size(doc) == 3 && bs_codec_ref(doc, "campaign", &credit->campaign) == BS_OK) {
        st = BS_OK;
        for (int p = 0; p < BS__PAYEE_COUNT && st == BS_OK; p++)
            st = mark_from_json(json_object_get(doc, payee_field[p]), &credit->mark[p]);
    }
    json_decref(doc);
    return st;
}
