/*
 * names.c — see names.h.
 */
#include <stdio.h>
#include <string.h>

#include "model/names.h"

bool
bs_name_valid(const char *name)
{
    size_t n = 0;

    if (name == NULL)
        return false;
    for (; name[n] != '\0'; n++) {
        char c = name[n];
        bool ok =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
        if (!ok || n >= BS_NAME_MAX)
            return false;
    }
    return n > 0;
}

void
bs_name_canonical(const char *name, bs_name out)
{
    size_t n = 0;

    for (; name[n] != '\0' && n < BS_NAME_MAX; n++)
        out[n] = (name[n] >= 'A' && name[n] <= 'Z') ? (char)(name[n] - 'A' + 'a') : name[n];
    out[n] = '\0';
}

/* Parse 1..9 decimal digits without a leading zero (except "0"). */
static bs_status
parse_index(const char *text, const char *end, uint32_t *out)
{
    uint32_t value = 0;

    if (text == end || end - text > 9 || (*text == '0' && end - text > 1))
        return BS_INVALID;
    for (const char *p = text; p < end; p++) {
        if (*p < '0' || *p > '9')
            return BS_INVALID;
        value = value * 10 + (uint32_t)(*p - '0');
    }
    *out = value;
    return BS_OK;
}

bs_status
bs_ref_parse(const char *text, bs_ref *out)
{
    const char *slash;
    bs_name owner;
    size_t owner_len;

    if (text == NULL || (slash = strchr(text, '/')) == NULL)
        return BS_INVALID;
    owner_len = (size_t)(slash - text);
    if (owner_len == 0 || owner_len > BS_NAME_MAX)
        return BS_INVALID;
    memcpy(owner, text, owner_len);
    owner[owner_len] = '\0';
    if (!bs_name_valid(owner) ||
        parse_index(slash + 1, slash + 1 + strlen(slash + 1), &out->index) != BS_OK)
        return BS_INVALID;
    bs_name_canonical(owner, out->owner);
    return BS_OK;
}

void
bs_ref_format(const bs_ref *ref, char out[BS_REF_MAX])
{
    snprintf(out, BS_REF_MAX, "%s/%u", ref->owner, (unsigned)ref->index);
}

void
bs_slot_ref_format(const bs_ref *campaign, uint32_t slot, char out[BS_REF_MAX])
{
    snprintf(out, BS_REF_MAX, "%s/%u/%u", campaign->owner, (unsigned)campaign->index,
             (unsigned)slot);
}

bool
bs_ref_equal(const bs_ref *a, const bs_ref *b)
{
    return a->index == b->index && strcmp(a->owner, b->owner) == 0;
}

void
bs_key_account(const char *canon, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "account/%s", canon);
}

void
bs_key_apikey(const char *hash_hex, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_APIKEYS "%s", hash_hex);
}

void
bs_key_idem(const char *canon, const char *request, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_IDEM "%s/%s", canon, request);
}

void
bs_key_session(const char *hash_hex, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_SESSIONS "%s", hash_hex);
}

void
bs_key_throttle(const char *kind, const char *hash_hex, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_THROTTLE "%s/%s", kind, hash_hex);
}

bs_status
bs_slot_ref_parse(const char *text, bs_ref *campaign, uint32_t *slot)
{
    const char *last = text != NULL ? strrchr(text, '/') : NULL;
    char head[BS_REF_MAX];
    size_t len;

    if (last == NULL || (len = (size_t)(last - text)) >= sizeof(head))
        return BS_INVALID;
    memcpy(head, text, len);
    head[len] = '\0';
    if (bs_ref_parse(head, campaign) != BS_OK)
        return BS_INVALID;
    return parse_index(last + 1, last + 1 + strlen(last + 1), slot);
}

void
bs_key_campaign(const bs_ref *campaign, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "campaign/%s/%010u", campaign->owner, (unsigned)campaign->index);
}

void
bs_key_slot(const bs_ref *campaign, uint32_t slot, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "slot/%s/%010u/%010u", campaign->owner, (unsigned)campaign->index,
             (unsigned)slot);
}

void
bs_key_credit(const bs_ref *campaign, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "credit/%s/%010u", campaign->owner, (unsigned)campaign->index);
}

void
bs_key_ad(const bs_ref *ad, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "ad/%s/%010u", ad->owner, (unsigned)ad->index);
}

void
bs_key_ledger(const char *canon, int64_t seq, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "ledger/%s/%012lld", canon, (long long)seq);
}

void
bs_key_image_chunk(const char *digest_hex, uint32_t chunk, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "image/%s/%04u", digest_hex, (unsigned)chunk);
}

void
bs_key_stats(const bs_ref *campaign, uint32_t slot, const char *process, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_STATS "%s/%010u/%010u/%s", campaign->owner,
             (unsigned)campaign->index, (unsigned)slot, process);
}

void
bs_key_withdrawal(const char *canon, const char *id, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_WITHDRAWALS "%s/%s", canon, id);
}

void
bs_prefix_withdrawals_of(const char *canon, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_WITHDRAWALS "%s/", canon);
}

void
bs_prefix_campaigns_of(const char *canon, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "campaign/%s/", canon);
}

void
bs_prefix_slots_of(const bs_ref *campaign, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "slot/%s/%010u/", campaign->owner, (unsigned)campaign->index);
}

void
bs_prefix_ads_of(const char *canon, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "ad/%s/", canon);
}

void
bs_prefix_ledger_of(const char *canon, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "ledger/%s/", canon);
}

void
bs_prefix_stats_of(const bs_ref *campaign, uint32_t slot, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_STATS "%s/%010u/%010u/", campaign->owner,
             (unsigned)campaign->index, (unsigned)slot);
}

bs_status
bs_key_last_index(const char *key, uint32_t *index)
{
    const char *slash = strrchr(key, '/');
    uint32_t value = 0;

    if (slash == NULL || strlen(slash + 1) != 10)
        return BS_INVALID;
    for (const char *p = slash + 1; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || value > BS_INDEX_MAX / 10)
            return BS_INVALID;
        value = value * 10 + (uint32_t)(*p - '0');
    }
    if (value > BS_INDEX_MAX)
        return BS_INVALID;
    *index = value;
    return BS_OK;
}

void
bs_key_join_index(const char *prefix, uint32_t index, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "%s%010u", prefix, (unsigned)index);
}

void
bs_key_adhide(const bs_ref *ad, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_ADHIDE "%s/%010u", ad->owner, (unsigned)ad->index);
}

void
bs_key_recovered(const char *id, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_RECOVERED "%s", id);
}

void
bs_prefix_adhide_of(const char *canon, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, BS_PREFIX_ADHIDE "%s/", canon);
}
