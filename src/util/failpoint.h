/*
 * failpoint.h — named crash points at every step of every multi-document
 * protocol. With BITSLOT_FAILPOINT=<name> in the environment, the process
 * exits at once (_exit(BS_FAILPOINT_EXIT)) when it reaches that point, as if
 * the machine had lost power there. With BITSLOT_FAILPOINT=<name>:pause it
 * stops itself there instead (SIGSTOP), so that a test can act at exactly
 * that moment (another process's write between two steps) and then let it
 * go on with SIGCONT. Unset, a failpoint costs one load and one compare.
 *
 * Every failpoint is listed in BS_FAILPOINT_MAP with the operation that
 * reaches it; the crash tests iterate this table, so a step cannot be added
 * without a crash test that covers it.
 */
#ifndef BS_FAILPOINT_H
#define BS_FAILPOINT_H

#define BS_FAILPOINT_EXIT 86

/* X(id, "name", "operation that reaches it") */
#define BS_FAILPOINT_MAP(X)                                                                        \
    X(ACCOUNT_KEY_INDEXED, "account.key-indexed", "account-create")                                \
    X(PURCHASE_LOCKED, "purchase.locked", "buy")                                                   \
    X(PURCHASE_SLOT_ADDED, "purchase.slot-added", "buy")                                           \
    X(PURCHASE_DEBITED, "purchase.debited", "buy")                                                 \
    X(PURCHASE_CAMPAIGN_ADVANCED, "purchase.campaign-advanced", "buy")                             \
    X(PURCHASE_LOST_UNLOCKED, "purchase.lost-unlocked", "buy-lost")                                \
    X(CREDIT_SELLER_RESERVED, "credit.seller-reserved", "credit")                                  \
    X(CREDIT_SELLER, "credit.seller", "credit")                                                    \
    X(CREDIT_FEE_RESERVED, "credit.fee-reserved", "credit")                                        \
    X(CREDIT_FEE, "credit.fee", "credit")                                                          \
    X(LEDGER_ENTRY_WRITTEN, "ledger.entry-written", "adjust")                                      \
    X(AD_IMAGE_STORED, "ad.image-stored", "ad")                                                    \
    X(KEYS_IMPORT_BEGUN, "keys.import-begun", "keys-import")                                       \
    X(KEYS_IMPORT_RECORDED, "keys.import-recorded", "keys-import")                                 \
    X(KEYS_IMPORT_COMMITTED, "keys.import-committed", "keys-import")                               \
    X(KEYS_IMPORT_APPENDED, "keys.import-appended", "keys-import")                                 \
    X(KEYS_DERIVE_CHECKED, "keys.derive-checked", "keys-derive")                                   \
    X(KEY_GETTING, "key.getting", "get-key")                                                       \
    X(KEY_CLAIMED, "key.claimed", "get-key")                                                       \
    X(KEY_HANDED_OUT, "key.handed-out", "get-key")                                                 \
    X(KEY_RECORDED, "key.recorded", "get-key")                                                     \
    X(KEY_NONE_LEFT, "key.none-left", "get-key-none-left")                                         \
    X(FILL_LOCKED, "fill.locked", "get-key")                                                       \
    X(FILL_RANGE_CLAIMED, "fill.range-claimed", "get-key")                                         \
    X(FILL_PAGE_ADDED, "fill.page-added", "get-key")                                               \
    X(FUNDS_CREDITED, "funds.credited", "done")                                                    \
    X(FUNDS_SWEPT, "funds.swept", "sweep")                                                         \
    X(WITHDRAW_RECOVERED, "withdraw.recovered", "withdraw")                                        \
    X(WITHDRAW_RESERVED, "withdraw.reserved", "withdraw")                                          \
    X(WITHDRAW_RECORDED, "withdraw.recorded", "withdraw")                                          \
    X(PAYOUT_CLAIMED, "payout.claimed", "payout")                                                  \
    X(PAYOUT_SIGNED, "payout.signed", "payout")                                                    \
    X(PAYOUT_MARKED, "payout.marked", "payout")                                                    \
    X(PAYOUT_FEES, "payout.fees", "payout")                                                        \
    X(PAYOUT_RELEASED, "payout.released", "payout")                                                \
    X(PAYOUT_BROADCAST, "payout.broadcast", "payout")                                              \
    X(PAYOUT_REFUSED, "payout.refused", "payout-refused")                                          \
    X(PAYOUT_REFUNDED, "payout.refunded", "payout-refused")

typedef enum bs_failpoint_id {
#define BS__FAILPOINT_ENUM(id, name, op) BS_FP_##id,
    BS_FAILPOINT_MAP(BS__FAILPOINT_ENUM)
#undef BS__FAILPOINT_ENUM
        BS__FAILPOINT_COUNT
} bs_failpoint_id;

/* Exit the process now (or stop it) if BITSLOT_FAILPOINT names this point. */
void bs_failpoint(bs_failpoint_id id);

/* The name and the operation of a failpoint (static strings). */
const char *bs_failpoint_name(bs_failpoint_id id);
const char *bs_failpoint_operation(bs_failpoint_id id);

#endif
