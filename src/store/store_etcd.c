/*
 * store_etcd.c — the distributed store backend: an etcd v3 cluster through
 * its HTTP/JSON gateway ("etcd:http://h1:2379,http://h2:2379").
 *
 * The mapping (../shared/notes/etcd.md §0):
 *   get      POST /v3/kv/range {key}                       CAS = mod_revision
 *   add      txn [CREATE == 0] put, else range             CAS = header.revision
 *   replace  txn [CREATE > 0, MOD == cas] put, else range
 *   set      POST /v3/kv/put
 *   remove   txn [CREATE > 0, MOD == cas] delete, else range
 *   scan     range [start, prefix+1) sorted by key, limit
 *
 * Invariants:
 *   - A CAS is a mod_revision: etcd revisions only grow, so a key never gets
 *     a CAS it had before, even after remove and add.
 *   - Success of a txn is the presence of "succeeded": true, never the HTTP
 *     status (a failed compare is a 200 too). Keys and values are base64;
 *     int64 fields arrive as strings and are parsed as integers, never as
 *     doubles.
 *   - Every request carries "Grpc-Metadata-hasleader: true", so a member
 *     without a leader answers at once instead of after 7 s; a transport
 *     error, a timeout or a 5xx moves on to the next endpoint. Its "no
 *     leader" answer (a 503 saying "etcdserver: no leader") is a refusal
 *     before anything was proposed: it makes no write ambiguous, so when a
 *     cluster has lost its quorum a write fails at once as BS_UNAVAILABLE,
 *     not BS_UNCERTAIN.
 *   - Each request starts at the endpoint that last answered (then the
 *     others in order), so a dead member costs one failed attempt, not one
 *     per request (a host that is down answers no connect: that would be a
 *     connect timeout every time).
 *   - A write whose answer was lost may or may not have been applied. A
 *     request can reach etcd twice: libcurl sends it again by itself when a
 *     kept-alive connection dies before the answer, and post() moves on to
 *     the next endpoint. Such a write is "ambiguous": when its compare then
 *     fails (or its add finds the key) and the document holds exactly our
 *     value, the first send was applied and the write is BS_OK. (The values
 *     bitslot writes carry the id of the operation, so the same bytes mean
 *     the same operation.) When no endpoint answers at all, the key is read
 *     back: our value there is BS_OK, the document still at the CAS we
 *     expected is BS_UNAVAILABLE (not applied), anything else, or no answer
 *     to the read, is BS_UNCERTAIN.
 *   - Easy handles (kept-alive connections) sit in a small pool whose mutex
 *     guards only the pool, never data.
 *   - libcurl is opened at the first etcd URL checked or opened
 *     (util/libcurl.h): a process on LMDB never loads it.
 */
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_backend.h"
#include "util/libcurl.h"

#define ENDPOINTS_MAX 16
#define POOL_MAX      32
#define TIMEOUT_MS    3000L
#define RESPONSE_MAX  ((size_t)64 << 20)

/* An easy handle and whether its last transfer succeeded (so it may hold a
 * kept-alive connection that libcurl would reuse). */
typedef struct handle {
    CURL *curl;
    bool warm;
} handle;

typedef struct etcd_store {
    const bs_libcurl *lib; /* libcurl's functions */
    char *endpoints[ENDPOINTS_MAX];
    size_t endpoint_count;
    atomic_size_t first;       /* the endpoint that last answered: tried first */
    pthread_mutex_t pool_lock; /* guards `pool` only */
    handle pool[POOL_MAX];
    size_t pooled;
    struct curl_slist *headers;
} etcd_store;

typedef struct response {
    char *data;
    size_t len;
    bool too_large;
} response;

static size_t
collect(char *ptr, size_t size, size_t nmemb, void *arg)
{
    response *r = arg;
    size_t n = size * nmemb;
    char *grown;

    if (r->len + n > RESPONSE_MAX) {
        r->too_large = true;
        return 0;
    }
    grown = realloc(r->data, r->len + n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + r->len, ptr, n);
    r->data = grown;
    r->len += n;
    r->data[r->len] = '\0';
    return n;
}

static bool
take_handle(etcd_store *s, handle *h)
{
    bool pooled = false;

    pthread_mutex_lock(&s->pool_lock);
    if (s->pooled > 0) {
        *h = s->pool[--s->pooled];
        pooled = true;
    }
    pthread_mutex_unlock(&s->pool_lock);
    if (!pooled)
        *h = (handle){s->lib->easy_init(), false};
    return h->curl != NULL;
}

static void
give_handle(etcd_store *s, handle h)
{
    pthread_mutex_lock(&s->pool_lock);
    if (s->pooled < POOL_MAX) {
        s->pool[s->pooled++] = h;
        h.curl = NULL;
    }
    pthread_mutex_unlock(&s->pool_lock);
    if (h.curl != NULL)
        s->lib->easy_cleanup(h.curl);
}

/* Could this transfer have sent the request before the attempt that
 * answered? libcurl resends it, on a new connection, when a reused one died
 * before any answer; a warm handle that needed a new connection may have
 * done so. */
static bool
maybe_resent(const bs_libcurl *lib, CURL *c, bool warm)
{
    long connects = 0;

    return warm && lib->easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK &&
           connects > 0;
}

/* Is this answer etcd's "no leader" refusal (made before any proposal)? */
static bool
no_leader(long status, const response *r)
{
    return status == 503 && r->data != NULL && strstr(r->data, "etcdserver: no leader") != NULL;
}

/* POST `body` (whose reference this takes) to `path` on each endpoint in
 * turn, from the one that last answered, until one answers with a status
 * other than 5xx. On BS_OK *answer is
 * the parsed JSON (decref it). BS_UNAVAILABLE: no endpoint answered;
 * BS_INVALID: etcd refused the request; BS_NOSPACE: its quota is full.
 * *sent_before (may be NULL) tells whether the request may have reached etcd
 * more than once, or once without an answer. */
static bs_status
post(etcd_store *s, const char *path, json_t *body, json_t **answer, bool *sent_before)
{
    char *text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
    bs_status st = BS_UNAVAILABLE;
    bool ambiguous = false;
    size_t first = atomic_load(&s->first) % s->endpoint_count;
    handle h;

    json_decref(body);
    *answer = NULL;
    if (text == NULL)
        return BS_NOMEM;
    if (!take_handle(s, &h)) {
        free(text);
        return BS_NOMEM;
    }
    for (size_t n = 0; n < s->endpoint_count && st == BS_UNAVAILABLE; n++) {
        size_t i = (first + n) % s->endpoint_count;
        CURL *c = h.curl;
        char url[1024];
        response r = {NULL, 0, false};
        long status = 0;
        CURLcode rc;

        snprintf(url, sizeof(url), "%s%s", s->endpoints[i], path);
        s->lib->easy_setopt(c, CURLOPT_URL, url);
        s->lib->easy_setopt(c, CURLOPT_HTTPHEADER, s->headers);
        s->lib->easy_setopt(c, CURLOPT_POSTFIELDS, text);
        s->lib->easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(text));
        s->lib->easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
        s->lib->easy_setopt(c, CURLOPT_WRITEDATA, &r);
        s->lib->easy_setopt(c, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
        s->lib->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, TIMEOUT_MS);
        s->lib->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        s->lib->easy_setopt(c, CURLOPT_TCP_NODELAY, 1L);
        rc = s->lib->easy_perform(c);
        if (rc == CURLE_OK)
            s->lib->easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        ambiguous |= maybe_resent(s->lib, c, h.warm);
        h.warm = rc == CURLE_OK; /* a failed transfer leaves no connection to reuse */
        if (r.too_large) {
            st = BS_TOOLARGE;
        } else if (rc != CURLE_OK || status >= 500 || status == 0) {
            st = BS_UNAVAILABLE; /* the next endpoint */
            /* Unless it never connected or was refused for want of a
             * leader, the request may have been applied. */
            ambiguous |= rc != CURLE_COULDNT_CONNECT && rc != CURLE_COULDNT_RESOLVE_HOST &&
                         !no_leader(status, &r);
        } else if (status == 429) {
            st = BS_NOSPACE; /* quota exceeded, or a request too large */
        } else if (status >= 400) {
            st = BS_INVALID;
        } else {
            *answer = json_loadb(r.data ? r.data : "", r.len, 0, NULL);
            st = *answer != NULL ? BS_OK : BS_CORRUPT;
        }
        if (st != BS_UNAVAILABLE && i != first)
            atomic_store(&s->first, i);
        free(r.data);
    }
    give_handle(s, h);
    free(text);
    if (sent_before != NULL)
        *sent_before = ambiguous;
    return st;
}

static json_t *
b64(const void *data, size_t len)
{
    size_t n = sodium_base64_encoded_len(len, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc(n);
    json_t *s;

    if (text == NULL)
        return NULL;
    sodium_bin2base64(text, n, data, len, sodium_base64_VARIANT_ORIGINAL);
    s = json_string(text);
    free(text);
    return s;
}

/* Decode a base64 string field (missing: empty). *out is malloc'ed with a
 * NUL after *len bytes. */
static bs_status
unb64(json_t *obj, const char *name, char **out, size_t *len)
{
    json_t *field = json_object_get(obj, name);
    const char *text = json_is_string(field) ? json_string_value(field) : "";
    size_t cap = json_is_string(field) ? json_string_length(field) : 0;

    if (field != NULL && !json_is_string(field))
        return BS_CORRUPT;
    *out = malloc(cap + 1);
    if (*out == NULL)
        return BS_NOMEM;
    if (sodium_base642bin((unsigned char *)*out, cap + 1, text, cap, NULL, len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        free(*out);
        *out = NULL;
        return BS_CORRUPT;
    }
    (*out)[*len] = '\0';
    return BS_OK;
}

/* An int64 field etcd sends as a string (missing: 0). */
static int64_t
int_field(json_t *obj, const char *name)
{
    json_t *field = json_object_get(obj, name);

    if (json_is_string(field))
        return strtoll(json_string_value(field), NULL, 10);
    if (json_is_integer(field))
        return json_integer_value(field);
    return 0;
}

/* The first kv of a range response (NULL: the key is absent). */
static json_t *
first_kv(json_t *range)
{
    return json_array_get(json_object_get(range, "kvs"), 0);
}

static bs_status
etcd_get(void *impl, const char *key, char **value, size_t *len, bs_cas *cas)
{
    json_t *answer, *kv;
    bs_status st =
        post(impl, "/v3/kv/range", json_pack("{s:o}", "key", b64(key, strlen(key))), &answer, NULL);

    if (st != BS_OK)
        return st;
    kv = first_kv(answer);
    if (kv == NULL) {
        st = BS_NOTFOUND;
    } else {
        *cas = (bs_cas)int_field(kv, "mod_revision");
        st = unb64(kv, "value", value, len);
    }
    json_decref(answer);
    return st;
}

/* A txn that puts (or deletes) `key` if `compares` hold, else reads it. */
static json_t *
txn_body(const char *key, const void *value, size_t len, bs_store_write_mode mode, bs_cas cas)
{
    json_t *compares = json_array(), *ok;

    if (mode == BS_STORE_WRITE_ADD) {
        json_array_append_new(compares, json_pack("{s:o, s:s, s:s, s:s}", "key",
                                                  b64(key, strlen(key)), "target", "CREATE",
                                                  "result", "EQUAL", "create_revision", "0"));
    } else {
        char text[32];
        snprintf(text, sizeof(text), "%llu", (unsigned long long)cas);
        json_array_append_new(compares, json_pack("{s:o, s:s, s:s, s:s}", "key",
                                                  b64(key, strlen(key)), "target", "CREATE",
                                                  "result", "GREATER", "create_revision", "0"));
        json_array_append_new(compares,
                              json_pack("{s:o, s:s, s:s, s:s}", "key", b64(key, strlen(key)),
                                        "target", "MOD", "result", "EQUAL", "mod_revision", text));
    }
    if (mode == BS_STORE_WRITE_REMOVE)
        ok = json_pack("{s:{s:o}}", "request_delete_range", "key", b64(key, strlen(key)));
    else
        ok = json_pack("{s:{s:o, s:o}}", "request_put", "key", b64(key, strlen(key)), "value",
                       b64(value, len));
    return json_pack("{s:o, s:[o], s:[{s:{s:o}}]}", "compare", compares, "success", ok, "failure",
                     "request_range", "key", b64(key, strlen(key)));
}

/* Does kv (a range's first kv, or NULL) hold exactly `value`? */
static bool
holds_value(json_t *kv, const void *value, size_t len)
{
    char *now = NULL;
    size_t now_len;
    bool same;

    if (kv == NULL || unb64(kv, "value", &now, &now_len) != BS_OK)
        return false;
    same = now_len == len && memcmp(now, value, len) == 0;
    free(now);
    return same;
}

/* No endpoint answered a write that may have reached etcd: read the key back
 * (see the file's invariants). */
static bs_status
resolve_lost_write(etcd_store *s, bs_store_write_mode mode, const char *key, const void *value,
                   size_t len, bs_cas cas, bs_cas *new_cas)
{
    json_t *answer, *kv;
    bs_status st =
        post(s, "/v3/kv/range", json_pack("{s:o}", "key", b64(key, strlen(key))), &answer, NULL);

    if (st == BS_UNAVAILABLE)
        return BS_UNCERTAIN;
    if (st != BS_OK)
        return st;
    kv = first_kv(answer);
    if (mode == BS_STORE_WRITE_REMOVE) {
        st = kv == NULL                                     ? BS_OK
             : (bs_cas)int_field(kv, "mod_revision") == cas ? BS_UNAVAILABLE
                                                            : BS_UNCERTAIN;
    } else if (holds_value(kv, value, len)) {
        *new_cas = (bs_cas)int_field(kv, "mod_revision");
        st = BS_OK;
    } else if (mode == BS_STORE_WRITE_ADD) {
        st = kv == NULL ? BS_UNAVAILABLE : BS_UNCERTAIN;
    } else if (mode == BS_STORE_WRITE_REPLACE) {
        st = kv != NULL && (bs_cas)int_field(kv, "mod_revision") == cas ? BS_UNAVAILABLE
                                                                        : BS_UNCERTAIN;
    } else {
        st = BS_UNCERTAIN;
    }
    json_decref(answer);
    return st;
}

static bs_status
etcd_write(void *impl, bs_store_write_mode mode, const char *key, const void *value, size_t len,
           bs_cas cas, bs_cas *new_cas)
{
    etcd_store *s = impl;
    json_t *answer = NULL, *kv;
    bool sent_before = false;
    bs_status st;

    *new_cas = BS_STORE_CAS_NONE;
    if (mode == BS_STORE_WRITE_SET)
        st = post(s, "/v3/kv/put",
                  json_pack("{s:o, s:o}", "key", b64(key, strlen(key)), "value", b64(value, len)),
                  &answer, &sent_before);
    else
        st = post(s, "/v3/kv/txn", txn_body(key, value, len, mode, cas), &answer, &sent_before);
    if (st == BS_UNAVAILABLE && sent_before)
        return resolve_lost_write(s, mode, key, value, len, cas, new_cas);
    if (st != BS_OK)
        return st;
    if (mode == BS_STORE_WRITE_SET || json_is_true(json_object_get(answer, "succeeded"))) {
        if (mode != BS_STORE_WRITE_REMOVE)
            *new_cas = (bs_cas)int_field(json_object_get(answer, "header"), "revision");
        json_decref(answer);
        return BS_OK;
    }
    kv = first_kv(
        json_object_get(json_array_get(json_object_get(answer, "responses"), 0), "response_range"));
    if (sent_before && mode == BS_STORE_WRITE_REMOVE && kv == NULL) {
        st = BS_OK; /* our first send removed it */
    } else if (sent_before && mode != BS_STORE_WRITE_REMOVE && holds_value(kv, value, len)) {
        *new_cas = (bs_cas)int_field(kv, "mod_revision");
        st = BS_OK; /* our first send wrote it */
    } else if (mode == BS_STORE_WRITE_ADD) {
        st = BS_EXISTS;
    } else {
        st = kv == NULL ? BS_NOTFOUND : BS_CONFLICT;
    }
    json_decref(answer);
    return st;
}

static bs_status
etcd_scan(void *impl, const char *prefix, const char *after, size_t limit, bs_store_page *page)
{
    size_t plen = strlen(prefix), alen = after ? strlen(after) : 0;
    char *start = malloc((plen > alen ? plen : alen) + 2), *end = malloc(plen + 1);
    json_t *body = NULL, *answer = NULL, *kvs, *kv;
    size_t i, start_len, end_len = plen;
    bs_status st = BS_NOMEM;

    if (start == NULL || end == NULL)
        goto free_keys;
    /* From the key after `after` (after + NUL) or the prefix; to the first
     * key past the prefix (its last byte + 1; "\0" for everything). */
    if (after != NULL && strcmp(after, prefix) >= 0) {
        memcpy(start, after, alen);
        start[alen] = '\0';
        start_len = alen + 1;
    } else {
        memcpy(start, prefix, plen);
        start_len = plen;
    }
    if (start_len == 0)
        start[start_len++] = '\0';
    memcpy(end, prefix, plen);
    while (end_len > 0 && (unsigned char)end[end_len - 1] == 0xff)
        end_len--;
    if (end_len > 0)
        end[end_len - 1]++;
    else
        end[end_len++] = '\0';
    body = json_pack("{s:o, s:o, s:I}", "key", b64(start, start_len), "range_end",
                     b64(end, end_len), "limit", (json_int_t)limit);
    st = post(impl, "/v3/kv/range", body, &answer, NULL);
    if (st != BS_OK)
        goto free_keys;
    kvs = json_object_get(answer, "kvs");
    json_array_foreach(kvs, i, kv)
    {
        char *k = NULL, *v = NULL;
        size_t klen, vlen;
        st = unb64(kv, "key", &k, &klen);
        if (st == BS_OK)
            st = unb64(kv, "value", &v, &vlen);
        if (st == BS_OK)
            st = bs_store_page_push(page, k, klen, v, vlen, (bs_cas)int_field(kv, "mod_revision"));
        free(k);
        free(v);
        if (st != BS_OK)
            break;
    }
    page->more = json_is_true(json_object_get(answer, "more"));
    json_decref(answer);
free_keys:
    free(start);
    free(end);
    return st;
}

static void
etcd_close(void *impl)
{
    etcd_store *s = impl;

    if (s == NULL)
        return;
    for (size_t i = 0; i < s->pooled; i++)
        s->lib->easy_cleanup(s->pool[i].curl);
    for (size_t i = 0; i < s->endpoint_count; i++)
        free(s->endpoints[i]);
    if (s->lib != NULL)
        s->lib->slist_free_all(s->headers);
    pthread_mutex_destroy(&s->pool_lock);
    free(s);
}

/* An http(s) URL of a host (and port), nothing after it: libcurl's own URL
 * parser must read it, so a malformed one is a usage error here, not a
 * connection failure later. When libcurl cannot be loaded the URL is let
 * through: opening the store says why. */
static bool
endpoint_valid(const char *e)
{
    const bs_libcurl *lib;
    CURLU *u;
    char *host = NULL, *path = NULL, *query = NULL;
    bool ok;

    if (strncmp(e, "http://", 7) != 0 && strncmp(e, "https://", 8) != 0)
        return false;
    if (bs_libcurl_load(&lib) != BS_OK)
        return true;
    u = lib->url();
    if (u == NULL)
        return false;
    ok = lib->url_set(u, CURLUPART_URL, e, 0) == CURLUE_OK &&
         lib->url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && host[0] != '\0' &&
         lib->url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK && strcmp(path, "/") == 0 &&
         lib->url_get(u, CURLUPART_QUERY, &query, 0) == CURLUE_NO_QUERY;
    lib->free(host);
    lib->free(path);
    lib->free(query);
    lib->url_cleanup(u);
    return ok;
}

/* One to ENDPOINTS_MAX comma-separated endpoints (an empty one is refused),
 * each endpoint_valid once its trailing slashes are dropped. */
static bool
etcd_valid(const char *location)
{
    const char *p = location;

    for (size_t count = 1;; count++) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *endpoint;
        bool ok;

        while (len > 0 && p[len - 1] == '/')
            len--;
        if (count > ENDPOINTS_MAX || (endpoint = strndup(p, len)) == NULL)
            return false;
        ok = endpoint_valid(endpoint);
        free(endpoint);
        if (!ok || comma == NULL)
            return ok;
        p = comma + 1;
    }
}

static bs_status
etcd_open(const char *location, bool create, void **impl)
{
    etcd_store *s = calloc(1, sizeof(*s));
    const char *p = location;
    json_t *answer = NULL;
    bs_status st = BS_INVALID;

    (void)create; /* a cluster is there or not; what it holds is the caller's */
    *impl = NULL;
    if (s == NULL)
        return BS_NOMEM;
    pthread_mutex_init(&s->pool_lock, NULL);
    atomic_init(&s->first, 0);
    if (bs_libcurl_load(&s->lib) != BS_OK) {
        st = BS_UNAVAILABLE;
        goto fail;
    }
    for (;;) { /* every endpoint: store.c had etcd_valid check them */
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        while (len > 0 && p[len - 1] == '/')
            len--;
        if (s->endpoint_count == ENDPOINTS_MAX)
            goto fail;
        s->endpoints[s->endpoint_count] = strndup(p, len);
        if (s->endpoints[s->endpoint_count++] == NULL) {
            st = BS_NOMEM;
            goto fail;
        }
        if (comma == NULL)
            break;
        p = comma + 1;
    }
    s->headers = s->lib->slist_append(NULL, "Content-Type: application/json");
    if (s->headers != NULL)
        s->headers = s->lib->slist_append(s->headers, "Grpc-Metadata-hasleader: true");
    if (s->headers != NULL)
        s->headers = s->lib->slist_append(s->headers, "Expect:");
    if (s->headers == NULL) {
        st = BS_NOMEM;
        goto fail;
    }
    /* One read proves some member answers. */
    st = post(s, "/v3/kv/range", json_pack("{s:s}", "key", "AA=="), &answer, NULL);
    json_decref(answer);
    if (st != BS_OK)
        goto fail;
    *impl = s;
    return BS_OK;
fail:
    etcd_close(s);
    return st;
}

const bs_store_backend bs_store_etcd_backend = {
    .scheme = "etcd",
    .valid = etcd_valid,
    .open = etcd_open,
    .close = etcd_close,
    .get = etcd_get,
    .write = etcd_write,
    .scan = etcd_scan,
};
