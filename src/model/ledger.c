/*
 * ledger.c — the JSON of a ledger entry:
 *   {"seq":N,"kind":"purchase","amount":-100,"balance":900,"time":T,
 *    "ref":"bob/0/3","request":"<id>","memo":"..."}   (ref, memo optional)
 */
#include <string.h>

#include "model/codec.h"
#include "model/ledger.h"

static const char *const kind_names[] = {
#define BS__ENTRY_NAME(id, name) name,
    BS_ENTRY_KIND_MAP(BS__ENTRY_NAME)
#undef BS__ENTRY_NAME
};

const char *
bs_entry_kind_name(bs_entry_kind kind)
{
    return (unsigned)kind < BS__ENTRY_COUNT ? kind_names[kind] : "unknown";
}

json_t *
bs_ledger_entry_json(const bs_ledger_entry *e)
{
    json_t *obj =
        json_pack("{s:I, s:s, s:I, s:I, s:I, s:s}", "seq", (json_int_t)e->seq, "kind",
                  bs_entry_kind_name(e->kind), "amount", (json_int_t)e->amount, "balance",
                  (json_int_t)e->balance, "time", (json_int_t)e->time, "request", e->request);

    if (obj == NULL)
        return NULL;
    if ((e->ref[0] != '\0' && json_object_set_new(obj, "ref", json_string(e->ref)) != 0) ||
        (e->memo[0] != '\0' && json_object_set_new(obj, "memo", json_string(e->memo)) != 0)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

bs_status
bs_ledger_entry_from_json(json_t *obj, bs_ledger_entry *e)
{
    char kind[32];

    memset(e, 0, sizeof(*e));
    if (!json_is_object(obj) || bs_codec_int(obj, "seq", &e->seq) ||
        bs_codec_string(obj, "kind", kind, sizeof(kind), false) ||
        bs_codec_int(obj, "amount", &e->amount) || bs_codec_int(obj, "balance", &e->balance) ||
        bs_codec_int(obj, "time", &e->time) ||
        bs_codec_string(obj, "request", e->request, sizeof(e->request), false) ||
        bs_codec_string(obj, "ref", e->ref, sizeof(e->ref), true) ||
        bs_codec_string(obj, "memo", e->memo, sizeof(e->memo), true))
        return BS_CORRUPT;
    for (int i = 0; i < BS__ENTRY_COUNT; i++) {
        if (strcmp(kind, kind_names[i]) == 0) {
            e->kind = (bs_entry_kind)i;
            return BS_OK;
        }
    }
    return BS_CORRUPT;
}

char *
bs_ledger_entry_encode(const bs_ledger_entry *entry, size_t *len)
{
    return bs_codec_dump(bs_ledger_entry_json(entry), len);
}

bs_status
bs_ledger_entry_decode(const char *text, size_t len, bs_ledger_entry *entry)
{
    json_t *obj = bs_codec_load(text, len);
    bs_status st;

    if (obj == NULL)
        return BS_CORRUPT;
    st = bs_ledger_entry_from_json(obj, entry);
    json_decref(obj);
    return st;
}

bool
bs_ledger_entry_equal(const bs_ledger_entry *a, const bs_ledger_entry *b)
{
    return a->seq == b->seq && a->kind == b->kind && a->amount == b->amount &&
           a->balance == b->balance && a->time == b->time && strcmp(a->ref, b->ref) == 0 &&
           strcmp(a->request, b->request) == 0 && strcmp(a->memo, b->memo) == 0;
}
