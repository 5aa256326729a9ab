/*
 * account.h — the account document account/<canonical name> (DESIGN.md §2).
 *
 * It holds everything one CAS must see at once: the balance, the ledger
 * entries not yet copied out ("pending"), the lock (at most one intent in
 * progress). How far its sales are paid lives with each campaign
 * (model/credit.h), so no account grows with the campaigns it sold in.
 *
 * Invariants (kept by src/core, checked by `bitslot check`):
 *   - balance == the balance of the last ledger entry (0 with none), and
 *     ledger_next - 1 entries exist: ledger documents 1..k, then pending
 *     k+1..ledger_next-1.
 *   - lock is NONE or exactly one intent, with its request id.
 *   - every request of the account's own that changed it is in `recent`
 *     until BS_RECENT_MAX later ones push it out.
 *   - each hold (a withdrawal reserved, not yet paid or refunded) has a
 *     distinct id; at most BS_HOLDS_MAX.
 */
#ifndef BS_MODEL_ACCOUNT_H
#define BS_MODEL_ACCOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/address.h"
#include "model/ledger.h"
#include "model/names.h"
#include "model/withdrawal.h"
#include "util/id.h"
#include "util/status.h"

#define BS_PASSWORD_HASH_MAX 128
#define BS_API_KEY_HASH_LEN  64

typedef enum bs_lock_kind {
    BS_LOCK_NONE,
    BS_LOCK_FILL, /* a slot purchase in progress */
} bs_lock_kind;

/* The recorded intent of a purchase: everything later steps need. */
typedef struct bs_fill_intent {
    bs_ref campaign;
    uint32_t slot;
    bs_ref ad;
    int64_t price;
    int64_t fee;
    int64_t time;
    int64_t start;
    int64_t end;
    char request[BS_ID_LEN + 1];
} bs_fill_intent;

/* The bitcoin key state machine of the seed (DESIGN.md §4):
 *   none --Get Key--> getting{set, page, request} --key claimed--> have{address}
 *   --Done--> none */
typedef enum bs_btc_state {
    BS_BTC_NONE,
    BS_BTC_GETTING,
    BS_BTC_HAVE,
} bs_btc_state;

typedef struct bs_btc_key {
    bs_btc_state state;
    int64_t set;                  /* GETTING: the key set asked */
    int64_t page;                 /* GETTING: its page at the time */
    char request[BS_ID_LEN + 1];  /* GETTING, HAVE: the Get Key request */
    char address[BS_ADDRESS_MAX]; /* HAVE */
} bs_btc_key;

/* How much of what one handed-out key received has been credited. */
typedef struct bs_deposit_key {
    char address[BS_ADDRESS_MAX];
    int64_t credited;
} bs_deposit_key;

/* How many of the account's own requests it remembers (see bs_recent). */
#define BS_RECENT_MAX 32

/* A request of the account's own (a purchase, an adjustment, a deposit, a
 * key hand-out...) that changed it, remembered so that the same request
 * arriving again — a write re-sent after its answer was lost, a retry after
 * an unknown outcome — is recognised as applied even after other writes
 * followed it. */
typedef struct bs_recent {
    char request[BS_ID_LEN + 1];
    int64_t seq; /* its ledger entry; 0 when it made none */
    /* A purchase lost to another buyer (seq 0): the slot it asked for and
     * its price, so that its answer can be given again; -1 otherwise (and
     * in accounts written before they were kept). */
    int64_t lost_slot, lost_price;
} bs_recent;

typedef struct bs_account {
    bs_name name;                        /* as registered */
    char password[BS_PASSWORD_HASH_MAX]; /* argon2id string; "" cannot log in */
    /* lowercase hex, also the key of the account's index (model/apikey.h);
     * "" for the operator, which has no API key */
    char api_key_hash[BS_API_KEY_HASH_LEN + 1];
    int64_t created;
    bool is_operator;
    int64_t balance;
    int64_t ledger_next;
    bs_ledger_entry *pending; /* malloc'ed, pending_count entries */
    size_t pending_count;
    bs_lock_kind lock;
    bs_fill_intent fill; /* when lock == BS_LOCK_FILL */
    bs_btc_key btc;
    bs_deposit_key *deposits; /* every key ever handed out; malloc'ed */
    size_t deposits_count;
    bs_recent recent[BS_RECENT_MAX]; /* oldest first */
    size_t recent_count;
    /* withdrawals reserved and not yet paid or refunded (model/withdrawal.h) */
    bs_withdrawal_hold holds[BS_HOLDS_MAX];
    size_t holds_count;
} bs_account;

/* The document (malloc'ed, length in *len) or NULL when out of memory. */
char *bs_account_encode(const bs_account *account, size_t *len);

/* Decode into *account (which the caller releases with bs_account_release
 * on BS_OK; on failure nothing is left to release). */
bs_status bs_account_decode(const char *text, size_t len, bs_account *account);

/* Free the arrays of an account and zero it. NULL is a no-op. */
void bs_account_release(bs_account *account);

/* The JSON shown for `account show`: name, balance, lock, created. New
 * reference or NULL. */
json_t *bs_account_view(const bs_account *account);
json_t *bs_fill_intent_view(const bs_fill_intent *fill);

/* The remembered request `request`, or NULL when the account does not
 * remember it (never applied, or older than the last BS_RECENT_MAX). */
const bs_recent *bs_account_applied(const bs_account *account, const char *request);

/* Remember `request` (and its ledger entry, or 0), forgetting the oldest
 * beyond BS_RECENT_MAX. */
void bs_account_remember(bs_account *account, const char *request, int64_t seq);

/* Remember the purchase `request` lost to another buyer: slot `slot` at
 * `price` (no ledger entry). */
void bs_account_remember_lost(bs_account *account, const char *request, int64_t slot,
                              int64_t price);

/* The hold of withdrawal `id`, or NULL. */
const bs_withdrawal_hold *bs_account_hold(const bs_account *account, const char *id);

/* Remove the hold of withdrawal `id`; false when the account has none. */
bool bs_account_drop_hold(bs_account *account, const char *id);

/* The deposit record of `address` (NULL when the account never had it), and
 * adding one with nothing credited (BS_NOMEM possible). */
bs_deposit_key *bs_deposit_find(bs_account *account, const char *address);
bs_status bs_deposit_add(bs_account *account, const char *address);

#endif
