/*
 * keys.c — the JSON of the key dispersement documents (see keys.h).
 *   keys/config    {"network":"regtest","sets":1000,"page_size":100}
 *   keylist        {"fill_from":0}
 *   keylist/<Z>    {"ranges":[{"batch":B,"kind":"addresses","count":n,
 *                    "addresses":[...],"claim":null|{"set":N,"page":Y,"fill":F}}
 *                   | {"batch":B,"kind":"xpub","source":S,"from":i,"count":n,
 *                    "claim":...}]}
 *   keyset/<N>     {"page":Y,"fill":null|{"id":F,"page":Y+1,"list_page":Z}}
 *   keyset/<N>/<Y> {"fill":F,"batch":B,"keys":[{"address":A,"request":R,
 *                    "account":name}...]}   (request/account "" when free)
 *   key/<address>  {"batch":B,"import":I,"owner":name,"request":R}   ("" when free)
 *   xpub/<source>  {"xpub":X,"type":"p2wpkh","next":i}
 *   keyimport/<id> {"state":"recording"|"committed"|"done"|"aborted"|"undone","ranges":n,
 *                   "started":T,"heartbeat":T,"beats":n,"list_from":Z,"aborted_by":I}
 *   keyimport/<id>/<r>  a range, as on a list page
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/codec.h"
#include "model/keys.h"

void
bs_key_keylist_page(int64_t page, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "keylist/%010lld", (long long)page);
}

void
bs_key_keyset(int64_t set, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "keyset/%010lld", (long long)set);
}

void
bs_key_keypage(int64_t set, int64_t page, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "keyset/%010lld/%010lld", (long long)set, (long long)page);
}

void
bs_key_keydoc(const char *address, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "key/%s", address);
}

void
bs_key_xpub_source(const char *source, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "xpub/%s", source);
}

void
bs_key_keyimport(const char *id, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "keyimport/%s", id);
}

void
bs_key_keyimport_range(const char *id, int64_t range, char out[BS_KEY_BUF])
{
    snprintf(out, BS_KEY_BUF, "keyimport/%s/%010lld", id, (long long)range);
}

/* Decode helper: parse, run `fn`, free. */
static bs_status
with_object(const char *text, size_t len, bs_status (*fn)(json_t *, void *), void *out)
{
    json_t *obj = bs_codec_load(text, len);
    bs_status st;

    if (obj == NULL)
        return BS_CORRUPT;
    st = fn(obj, out);
    json_decref(obj);
    return st;
}

char *
bs_keyconfig_encode(const bs_keyconfig *c, size_t *len)
{
    return bs_codec_dump(json_pack("{s:s, s:I, s:I}", "network", c->network, "sets",
                                   (json_int_t)c->sets, "page_size", (json_int_t)c->page_size),
                         len);
}

static bs_status
keyconfig_from(json_t *obj, void *out)
{
    bs_keyconfig *c = out;

    if (bs_codec_string(obj, "network", c->network, sizeof(c->network), false) ||
        bs_codec_int(obj, "sets", &c->sets) || bs_codec_int(obj, "page_size", &c->page_size) ||
        c->sets < 1 || c->page_size < 1 || c->page_size > BS_KEYS_PAGE_SIZE_MAX)
        return BS_CORRUPT;
    return BS_OK;
}

bs_status
bs_keyconfig_decode(const char *text, size_t len, bs_keyconfig *c)
{
    memset(c, 0, sizeof(*c));
    return with_object(text, len, keyconfig_from, c);
}

char *
bs_keylist_cursor_encode(int64_t fill_from, size_t *len)
{
    return bs_codec_dump(json_pack("{s:I}", "fill_from", (json_int_t)fill_from), len);
}

static bs_status
cursor_from(json_t *obj, void *out)
{
    return bs_codec_int(obj, "fill_from", out);
}

bs_status
bs_keylist_cursor_decode(const char *text, size_t len, int64_t *fill_from)
{
    return with_object(text, len, cursor_from, fill_from);
}

static json_t *
claim_json(const bs_range_claim *c)
{
    if (!c->claimed)
        return json_null();
    return json_pack("{s:I, s:I, s:s}", "set", (json_int_t)c->set, "page", (json_int_t)c->page,
                     "fill", c->fill);
}

static bs_status
claim_from(json_t *obj, bs_range_claim *c)
{
    memset(c, 0, sizeof(*c));
    if (json_is_null(obj))
        return BS_OK;
    if (!json_is_object(obj) || bs_codec_int(obj, "set", &c->set) ||
        bs_codec_int(obj, "page", &c->page) ||
        bs_codec_string(obj, "fill", c->fill, sizeof(c->fill), false))
        return BS_CORRUPT;
    c->claimed = true;
    return BS_OK;
}

static json_t *
range_json(const bs_key_range *r)
{
    json_t *obj;

    if (r->kind == BS_RANGE_XPUB)
        return json_pack("{s:s, s:s, s:s, s:I, s:I, s:o}", "batch", r->batch, "kind", "xpub",
                         "source", r->source, "from", (json_int_t)r->from, "count",
                         (json_int_t)r->count, "claim", claim_json(&r->claim));
    obj = json_array();
    for (int64_t i = 0; obj != NULL && i < r->count; i++) {
        if (json_array_append_new(obj, json_string(r->addresses[i])) != 0) {
            json_decref(obj);
            obj = NULL;
        }
    }
    return json_pack("{s:s, s:s, s:I, s:o, s:o}", "batch", r->batch, "kind", "addresses", "count",
                     (json_int_t)r->count, "addresses", obj, "claim", claim_json(&r->claim));
}

void
bs_key_range_release(bs_key_range *r)
{
    if (r == NULL)
        return;
    free(r->addresses);
    r->addresses = NULL;
}

static bs_status
range_from(json_t *obj, bs_key_range *r)
{
    char kind[16];
    json_t *list, *item;
    size_t i;

    memset(r, 0, sizeof(*r));
    if (!json_is_object(obj) || bs_codec_string(obj, "batch", r->batch, sizeof(r->batch), false) ||
        bs_codec_string(obj, "kind", kind, sizeof(kind), false) ||
        bs_codec_int(obj, "count", &r->count) || r->count < 1 || r->count > BS_KEYS_PAGE_SIZE_MAX ||
        claim_from(json_object_get(obj, "claim"), &r->claim))
        return BS_CORRUPT;
    if (strcmp(kind, "xpub") == 0) {
        r->kind = BS_RANGE_XPUB;
        if (bs_codec_string(obj, "source", r->source, sizeof(r->source), false) ||
            bs_codec_int(obj, "from", &r->from) || r->from < 0)
            return BS_CORRUPT;
        return BS_OK;
    }
    list = json_object_get(obj, "addresses");
    if (strcmp(kind, "addresses") != 0 || !json_is_array(list) ||
        json_array_size(list) != (size_t)r->count)
        return BS_CORRUPT;
    r->kind = BS_RANGE_ADDRESSES;
    r->addresses = calloc((size_t)r->count, sizeof(*r->addresses));
    if (r->addresses == NULL)
        return BS_NOMEM;
    json_array_foreach(list, i, item)
    {
        if (!json_is_string(item) || json_string_length(item) >= BS_ADDRESS_MAX) {
            bs_key_range_release(r);
            return BS_CORRUPT;
        }
        memcpy(r->addresses[i], json_string_value(item), json_string_length(item) + 1);
    }
    return BS_OK;
}

char *
bs_keylist_page_encode(const bs_keylist_page *p, size_t *len)
{
    json_t *ranges = json_array();

    for (size_t i = 0; ranges != NULL && i < p->count; i++) {
        if (json_array_append_new(ranges, range_json(&p->ranges[i])) != 0) {
            json_decref(ranges);
            ranges = NULL;
        }
    }
    return bs_codec_dump(json_pack("{s:o}", "ranges", ranges), len);
}

void
bs_keylist_page_release(bs_keylist_page *p)
{
    if (p == NULL)
        return;
    for (size_t i = 0; i < p->count; i++)
        bs_key_range_release(&p->ranges[i]);
    free(p->ranges);
    memset(p, 0, sizeof(*p));
}

static bs_status
keylist_page_from(json_t *obj, void *out)
{
    bs_keylist_page *p = out;
    json_t *ranges = json_object_get(obj, "ranges"), *item;
    size_t i;

    if (!json_is_array(ranges))
        return BS_CORRUPT;
    if (json_array_size(ranges) > 0) {
        p->ranges = calloc(json_array_size(ranges), sizeof(*p->ranges));
        if (p->ranges == NULL)
            return BS_NOMEM;
    }
    json_array_foreach(ranges, i, item)
    {
        bs_status st = range_from(item, &p->ranges[i]);
        if (st != BS_OK) {
            bs_keylist_page_release(p);
            return st;
        }
        p->count++;
    }
    return BS_OK;
}

bs_status
bs_keylist_page_decode(const char *text, size_t len, bs_keylist_page *p)
{
    memset(p, 0, sizeof(*p));
    return with_object(text, len, keylist_page_from, p);
}

bs_status
bs_keylist_page_append(bs_keylist_page *page, const bs_key_range *range)
{
    bs_key_range copy = *range; /* `range` may be one of the page's own */
    bs_key_range *grown;

    if (copy.kind == BS_RANGE_ADDRESSES) {
        copy.addresses = malloc((size_t)copy.count * sizeof(*copy.addresses));
        if (copy.addresses == NULL)
            return BS_NOMEM;
        memcpy(copy.addresses, range->addresses, (size_t)copy.count * sizeof(*copy.addresses));
    }
    grown = realloc(page->ranges, (page->count + 1) * sizeof(*grown));
    if (grown == NULL) {
        bs_key_range_release(&copy);
        return BS_NOMEM;
    }
    page->ranges = grown;
    grown[page->count++] = copy;
    return BS_OK;
}

char *
bs_keyset_encode(const bs_keyset *s, size_t *len)
{
    json_t *fill =
        s->filling ? json_pack("{s:s, s:I, s:I}", "id", s->fill, "page", (json_int_t)s->fill_page,
                               "list_page", (json_int_t)s->fill_list_page)
                   : json_null();

    return bs_codec_dump(json_pack("{s:I, s:o}", "page", (json_int_t)s->page, "fill", fill), len);
}

static bs_status
keyset_from(json_t *obj, void *out)
{
    bs_keyset *s = out;
    json_t *fill = json_object_get(obj, "fill");

    if (bs_codec_int(obj, "page", &s->page) || s->page < -1)
        return BS_CORRUPT;
    if (json_is_null(fill))
        return BS_OK;
    if (!json_is_object(fill) || bs_codec_string(fill, "id", s->fill, sizeof(s->fill), false) ||
        bs_codec_int(fill, "page", &s->fill_page) ||
        bs_codec_int(fill, "list_page", &s->fill_list_page))
        return BS_CORRUPT;
    s->filling = true;
    return BS_OK;
}

bs_status
bs_keyset_decode(const char *text, size_t len, bs_keyset *s)
{
    memset(s, 0, sizeof(*s));
    return with_object(text, len, keyset_from, s);
}

char *
bs_keypage_encode(const bs_keypage *p, size_t *len)
{
    json_t *keys = json_array();

    for (size_t i = 0; keys != NULL && i < p->count; i++) {
        const bs_page_key *k = &p->keys[i];
        if (json_array_append_new(keys, json_pack("{s:s, s:s, s:s}", "address", k->address,
                                                  "request", k->request, "account", k->account)) !=
            0) {
            json_decref(keys);
            keys = NULL;
        }
    }
    return bs_codec_dump(
        json_pack("{s:s, s:s, s:o}", "fill", p->fill, "batch", p->batch, "keys", keys), len);
}

void
bs_keypage_release(bs_keypage *p)
{
    if (p == NULL)
        return;
    free(p->keys);
    memset(p, 0, sizeof(*p));
}

static bs_status
keypage_from(json_t *obj, void *out)
{
    bs_keypage *p = out;
    json_t *keys = json_object_get(obj, "keys"), *item;
    size_t i;

    if (bs_codec_string(obj, "fill", p->fill, sizeof(p->fill), false) ||
        bs_codec_string(obj, "batch", p->batch, sizeof(p->batch), false) || !json_is_array(keys) ||
        json_array_size(keys) == 0)
        return BS_CORRUPT;
    p->keys = calloc(json_array_size(keys), sizeof(*p->keys));
    if (p->keys == NULL)
        return BS_NOMEM;
    json_array_foreach(keys, i, item)
    {
        bs_page_key *k = &p->keys[i];
        if (!json_is_object(item) ||
            bs_codec_string(item, "address", k->address, sizeof(k->address), false) ||
            bs_codec_string(item, "request", k->request, sizeof(k->request), false) ||
            bs_codec_string(item, "account", k->account, sizeof(k->account), false)) {
            bs_keypage_release(p);
            return BS_CORRUPT;
        }
        p->count++;
    }
    return BS_OK;
}

bs_status
bs_keypage_decode(const char *text, size_t len, bs_keypage *p)
{
    memset(p, 0, sizeof(*p));
    return with_object(text, len, keypage_from, p);
}

char *
bs_keydoc_encode(const bs_keydoc *k, size_t *len)
{
    return bs_codec_dump(json_pack("{s:s, s:s, s:s, s:s}", "batch", k->batch, "import", k->import,
                                   "owner", k->owner, "request", k->request),
                         len);
}

static bs_status
keydoc_from(json_t *obj, void *out)
{
    bs_keydoc *k = out;

    if (bs_codec_string(obj, "batch", k->batch, sizeof(k->batch), false) ||
        bs_codec_string(obj, "import", k->import, sizeof(k->import), true) ||
        bs_codec_string(obj, "owner", k->owner, sizeof(k->owner), false) ||
        bs_codec_string(obj, "request", k->request, sizeof(k->request), false))
        return BS_CORRUPT;
    return BS_OK;
}

bs_status
bs_keydoc_decode(const char *text, size_t len, bs_keydoc *k)
{
    memset(k, 0, sizeof(*k));
    return with_object(text, len, keydoc_from, k);
}

char *
bs_xpub_source_encode(const bs_xpub_source *s, size_t *len)
{
    return bs_codec_dump(
        json_pack("{s:s, s:s, s:I}", "xpub", s->xpub, "type", s->type, "next", (json_int_t)s->next),
        len);
}

static bs_status
xpub_source_from(json_t *obj, void *out)
{
    bs_xpub_source *s = out;

    if (bs_codec_string(obj, "xpub", s->xpub, sizeof(s->xpub), false) ||
        bs_codec_string(obj, "type", s->type, sizeof(s->type), false) ||
        bs_codec_int(obj, "next", &s->next) || s->next < 0)
        return BS_CORRUPT;
    return BS_OK;
}

bs_status
bs_xpub_source_decode(const char *text, size_t len, bs_xpub_source *s)
{
    memset(s, 0, sizeof(*s));
    return with_object(text, len, xpub_source_from, s);
}

static const char *const import_states[] = {
    [BS_IMPORT_RECORDING] = "recording", [BS_IMPORT_COMMITTED] = "committed",
    [BS_IMPORT_DONE] = "done",           [BS_IMPORT_ABORTED] = "aborted",
    [BS_IMPORT_UNDONE] = "undone",
};

char *
bs_keyimport_encode(const bs_keyimport *k, size_t *len)
{
    return bs_codec_dump(
        json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s}", "state", import_states[k->state], "ranges",
                  (json_int_t)k->ranges, "started", (json_int_t)k->started, "heartbeat",
                  (json_int_t)k->heartbeat, "beats", (json_int_t)k->beats, "list_from",
                  (json_int_t)k->list_from, "aborted_by", k->aborted_by),
        len);
}

static bs_status
keyimport_from(json_t *obj, void *out)
{
    bs_keyimport *k = out;
    char state[16];

    if (bs_codec_string(obj, "state", state, sizeof(state), false) ||
        bs_codec_int(obj, "ranges", &k->ranges) || bs_codec_int(obj, "started", &k->started) ||
        bs_codec_int(obj, "heartbeat", &k->heartbeat) || bs_codec_int(obj, "beats", &k->beats) ||
        bs_codec_int(obj, "list_from", &k->list_from) ||
        bs_codec_string(obj, "aborted_by", k->aborted_by, sizeof(k->aborted_by), false) ||
        k->ranges < 1 || k->list_from < 0)
        return BS_CORRUPT;
    for (size_t i = 0; i < sizeof(import_states) / sizeof(import_states[0]); i++) {
        if (strcmp(state, import_states[i]) == 0) {
            k->state = (bs_import_state)i;
            return BS_OK;
        }
    }
    return BS_CORRUPT;
}

bs_status
bs_keyimport_decode(const char *text, size_t len, bs_keyimport *k)
{
    memset(k, 0, sizeof(*k));
    return with_object(text, len, keyimport_from, k);
}

char *
bs_key_range_encode(const bs_key_range *r, size_t *len)
{
    return bs_codec_dump(range_json(r), len);
}

static bs_status
range_doc_from(json_t *obj, void *out)
{
    return range_from(obj, out);
}

bs_status
bs_key_range_decode(const char *text, size_t len, bs_key_range *r)
{
    memset(r, 0, sizeof(*r));
    return with_object(text, len, range_doc_from, r);
}
