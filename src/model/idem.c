/*
 * idem.c — the JSON of a purchase sent with an Idempotency-Key (idem.h):
 *   idem/<canon>/<request>  {"campaign","ad","max_price","slot","ledger_at"}
 */
#include <stdbool.h>

#include "model/codec.h"
#include "model/idem.h"

char *
bs_idem_encode(const bs_idem *idem, size_t *len)
{
    return bs_codec_dump(
        json_pack("{s:o, s:o, s:I, s:I, s:I}", "campaign", bs_codec_ref_json(&idem->campaign), "ad",
                  bs_codec_ref_json(&idem->ad), "max_price", (json_int_t)idem->max_price, "slot",
                  (json_int_t)idem->expect_slot, "ledger_at", (json_int_t)idem->ledger_at),
        len);
}

bs_status
bs_idem_decode(const char *text, size_t len, bs_idem *idem)
{
    json_t *doc = bs_codec_load(text, len);
    bs_status st = BS_CORRUPT;

    if (doc == NULL)
        return BS_CORRUPT;
    if (json_object_size(doc) == 5 && bs_codec_ref(doc, "campaign", &idem->campaign) == BS_OK &&
        bs_codec_ref(doc, "ad", &idem->ad) == BS_OK &&
        bs_codec_int(doc, "max_price", &idem->max_price) == BS_OK &&
        bs_codec_int(doc, "slot", &idem->expect_slot) == BS_OK &&
        bs_codec_int(doc, "ledger_at", &idem->ledger_at) == BS_OK && idem->ledger_at >= 1)
        st = BS_OK;
    json_decref(doc);
    return st;
}

bool
bs_idem_same_order(const bs_idem *a, const bs_idem *b)
{
    return bs_ref_equal(&a->campaign, &b->campaign) && bs_ref_equal(&a->ad, &b->ad) &&
           (a->max_price < 0 ? b->max_price < 0 : a->max_price == b->max_price) &&
           (a->expect_slot < 0 ? b->expect_slot < 0 : a->expect_slot == b->expect_slot);
}
