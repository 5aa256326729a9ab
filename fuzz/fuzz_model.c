/*
 * fuzz_model.c — every document decoder of src/model on the same input (a
 * store value: written by bitslot, but read back from LMDB or etcd, so
 * treated as untrusted): bs_account_decode, bs_campaign_decode,
 * bs_slot_decode, bs_ad_decode, bs_ledger_entry_decode and the decoders of
 * model/keys.h, bs_adhide_decode, bs_recovery_decode, bs_withdrawal_decode
 * and bs_payout_decode.
 *
 * Checks, for each decoder that accepts the input:
 *   - its encoder makes a document (e1), which decodes again (abort
 *     otherwise), and encodes to exactly e1 again (the round trip loses or
 *     changes nothing the second time);
 *   - whatever a decoder allocates is released with its _release function
 *     (LeakSanitizer reports the rest); a refused document leaves nothing to
 *     release.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/account.h"
#include "model/ad.h"
#include "model/adhide.h"
#include "model/campaign.h"
#include "model/keys.h"
#include "model/ledger.h"
#include "model/recovery.h"
#include "model/withdrawal.h"

/* decode -> encode (e1) -> decode -> encode (e2): e2 must be e1. TYPE is the
 * document struct, ENC(ptr, &len) its encoder, DEC(text, len, ptr) its
 * decoder, REL(ptr) what frees a decoded one. */
#define ROUND_TRIP(TYPE, ENC, DEC, REL, data, size)                                                \
    do {                                                                                           \
        TYPE *d1 = calloc(1, sizeof(TYPE)), *d2 = calloc(1, sizeof(TYPE));                         \
        char *e1 = NULL, *e2 = NULL;                                                               \
        size_t l1 = 0, l2 = 0;                                                                     \
                                                                                                   \
        if (d1 == NULL || d2 == NULL)                                                              \
            abort();                                                                               \
        if (DEC((const char *)(data), (size), d1) == BS_OK) {                                      \
            e1 = ENC(d1, &l1);                                                                     \
            if (e1 == NULL || strlen(e1) != l1)                                                    \
                abort();                                                                           \
            if (DEC(e1, l1, d2) != BS_OK)                                                          \
                abort();                                                                           \
            e2 = ENC(d2, &l2);                                                                     \
            if (e2 == NULL || l2 != l1 || memcmp(e1, e2, l1) != 0)                                 \
                abort();                                                                           \
            REL(d2);                                                                               \
            REL(d1);                                                                               \
        }                                                                                          \
        free(e1);                                                                                  \
        free(e2);                                                                                  \
        free(d1);                                                                                  \
        free(d2);                                                                                  \
    } while (0)

static void
no_release(void *p)
{
    (void)p;
}

/* The cursor document is a bare number. */
static char *
cursor_encode(const int64_t *fill_from, size_t *len)
{
    return bs_keylist_cursor_encode(*fill_from, len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ROUND_TRIP(bs_account, bs_account_encode, bs_account_decode, bs_account_release, data, size);
    ROUND_TRIP(bs_campaign, bs_campaign_encode, bs_campaign_decode, no_release, data, size);
    ROUND_TRIP(bs_slot, bs_slot_encode, bs_slot_decode, no_release, data, size);
    ROUND_TRIP(bs_ad, bs_ad_encode, bs_ad_decode, no_release, data, size);
    ROUND_TRIP(bs_ledger_entry, bs_ledger_entry_encode, bs_ledger_entry_decode, no_release, data,
               size);
    ROUND_TRIP(bs_keyconfig, bs_keyconfig_encode, bs_keyconfig_decode, no_release, data, size);
    ROUND_TRIP(int64_t, cursor_encode, bs_keylist_cursor_decode, no_release, data, size);
    ROUND_TRIP(bs_keylist_page, bs_keylist_page_encode, bs_keylist_page_decode,
               bs_keylist_page_release, data, size);
    ROUND_TRIP(bs_keyset, bs_keyset_encode, bs_keyset_decode, no_release, data, size);
    ROUND_TRIP(bs_keypage, bs_keypage_encode, bs_keypage_decode, bs_keypage_release, data, size);
    ROUND_TRIP(bs_keydoc, bs_keydoc_encode, bs_keydoc_decode, no_release, data, size);
    ROUND_TRIP(bs_xpub_source, bs_xpub_source_encode, bs_xpub_source_decode, no_release, data,
               size);
    ROUND_TRIP(bs_keyimport, bs_keyimport_encode, bs_keyimport_decode, no_release, data, size);
    ROUND_TRIP(bs_key_range, bs_key_range_encode, bs_key_range_decode, bs_key_range_release, data,
               size);
    ROUND_TRIP(bs_adhide, bs_adhide_encode, bs_adhide_decode, no_release, data, size);
    ROUND_TRIP(bs_recovery, bs_recovery_encode, bs_recovery_decode, no_release, data, size);
    ROUND_TRIP(bs_withdrawal, bs_withdrawal_encode, bs_withdrawal_decode, bs_withdrawal_release,
               data, size);
    ROUND_TRIP(bs_payout, bs_payout_encode, bs_payout_decode, bs_payout_release, data, size);
    return 0;
}
