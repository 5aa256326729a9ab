/*
 * names.h — account names, references to campaigns, ads and slots, and the
 * store keys of every document. The only code that knows how keys are
 * spelled (DESIGN.md §2).
 *
 * Invariants:
 *   - An account name is [A-Za-z0-9_]{1,64}; names are unique regardless of
 *     case, so keys and references use the lowercase "canonical" form.
 *   - Indexes in keys are zero-padded to 10 digits so that byte order (the
 *     order of a scan) is numeric order.
 *   - A reference is written "owner/index" (campaign, ad) or
 *     "owner/index/slot" (slot), owner canonical.
 */
#ifndef BS_NAMES_H
#define BS_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "util/status.h"

#define BS_NAME_MAX  64
#define BS_INDEX_MAX UINT32_C(999999999)
#define BS_REF_MAX   (BS_NAME_MAX + 24)
#define BS_KEY_BUF   160

typedef char bs_name[BS_NAME_MAX + 1];

/* A campaign or an ad: its owner's canonical name and its index. */
typedef struct bs_ref {
    bs_name owner;
    uint32_t index;
} bs_ref;

/* True when `name` is [A-Za-z0-9_]{1,64}. */
bool bs_name_valid(const char *name);

/* The canonical (lowercase) form of a valid name. */
void bs_name_canonical(const char *name, bs_name out);

/* Parse "owner/index" (owner in any case): BS_INVALID when malformed. */
bs_status bs_ref_parse(const char *text, bs_ref *out);

/* "owner/index" into out (BS_REF_MAX bytes). */
void bs_ref_format(const bs_ref *ref, char out[BS_REF_MAX]);

/* "owner/index/slot" into out (BS_REF_MAX bytes). */
void bs_slot_ref_format(const bs_ref *campaign, uint32_t slot, char out[BS_REF_MAX]);

bool bs_ref_equal(const bs_ref *a, const bs_ref *b);

/* Store keys (BS_KEY_BUF bytes each). `canon` is a canonical name. */
void bs_key_account(const char *canon, char out[BS_KEY_BUF]);
/* apikey/<hash>: the API key index (model/apikey.h); `hash_hex` is the
 * lowercase hex of the key's digest. */
void bs_key_apikey(const char *hash_hex, char out[BS_KEY_BUF]);
/* idem/<canon>/<request>: a purchase sent with an Idempotency-Key
 * (model/idem.h); `request` is the purchase's request id. */
void bs_key_idem(const char *canon, const char *request, char out[BS_KEY_BUF]);
/* session/<hash>: a web session (model/session.h); `hash_hex` is the
 * lowercase hex of the SHA-256 of the session id, which is never stored. */
void bs_key_session(const char *hash_hex, char out[BS_KEY_BUF]);
/* throttle/<kind>/<hash>: the attempts of one kind counted for one subject
 * (model/throttle.h); `hash_hex` is the lowercase hex of the SHA-256 of the
 * subject (an account name, a client address), so no subject is stored. */
void bs_key_throttle(const char *kind, const char *hash_hex, char out[BS_KEY_BUF]);
void bs_key_campaign(const bs_ref *campaign, char out[BS_KEY_BUF]);
void bs_key_slot(const bs_ref *campaign, uint32_t slot, char out[BS_KEY_BUF]);
/* credit/<owner>/<i>: how far the campaign's sales are paid out (model/credit.h). */
void bs_key_credit(const bs_ref *campaign, char out[BS_KEY_BUF]);
void bs_key_ad(const bs_ref *ad, char out[BS_KEY_BUF]);
void bs_key_ledger(const char *canon, int64_t seq, char out[BS_KEY_BUF]);
void bs_key_image_chunk(const char *digest_hex, uint32_t chunk, char out[BS_KEY_BUF]);
/* stats/<owner>/<i>/<slot>/<process>: one process's counts of a slot
 * (model/stats.h); `process` is that process's id (util/id.h). */
void bs_key_stats(const bs_ref *campaign, uint32_t slot, const char *process, char out[BS_KEY_BUF]);
/* adhide/<owner>/<k>: the operator's moderation of ad <owner>/<k>
 * (model/adhide.h). */
void bs_key_adhide(const bs_ref *ad, char out[BS_KEY_BUF]);
/* recovered/<id>: what one recovery pass finished (model/recovery.h). */
void bs_key_recovered(const char *id, char out[BS_KEY_BUF]);

/* withdrawal/<canon>/<id>: a withdrawal request (model/withdrawal.h). */
void bs_key_withdrawal(const char *canon, const char *id, char out[BS_KEY_BUF]);
/* The one document of the payout batch being built (model/withdrawal.h). */
#define BS_KEY_PAYOUT "payout"

/* Key prefixes for scans. */
#define BS_PREFIX_ACCOUNTS    "account/"
#define BS_PREFIX_APIKEYS     "apikey/"
#define BS_PREFIX_CAMPAIGNS   "campaign/"
#define BS_PREFIX_ADS         "ad/"
#define BS_PREFIX_IDEM        "idem/"
#define BS_PREFIX_STATS       "stats/"
#define BS_PREFIX_SESSIONS    "session/"
#define BS_PREFIX_THROTTLE    "throttle/"
#define BS_PREFIX_WITHDRAWALS "withdrawal/"
#define BS_PREFIX_ADHIDE      "adhide/"
#define BS_PREFIX_RECOVERED   "recovered/"
void bs_prefix_campaigns_of(const char *canon, char out[BS_KEY_BUF]);
void bs_prefix_slots_of(const bs_ref *campaign, char out[BS_KEY_BUF]);
void bs_prefix_ads_of(const char *canon, char out[BS_KEY_BUF]);
void bs_prefix_ledger_of(const char *canon, char out[BS_KEY_BUF]);
void bs_prefix_withdrawals_of(const char *canon, char out[BS_KEY_BUF]);
/* Every process's counts of one slot. */
void bs_prefix_stats_of(const bs_ref *campaign, uint32_t slot, char out[BS_KEY_BUF]);
/* The moderation of every ad of `canon`. */
void bs_prefix_adhide_of(const char *canon, char out[BS_KEY_BUF]);

/* prefix + the index padded as in keys ("campaign/bob/" + 3 →
 * "campaign/bob/0000000003"). */
void bs_key_join_index(const char *prefix, uint32_t index, char out[BS_KEY_BUF]);

/* "owner/index/slot" (as bs_slot_ref_format writes it) into *campaign and
 * *slot; BS_INVALID when it is not one. */
bs_status bs_slot_ref_parse(const char *text, bs_ref *campaign, uint32_t *slot);

/* Parse the index at the end of a campaign or ad key (after the last '/'). */
bs_status bs_key_last_index(const char *key, uint32_t *index);

#endif
