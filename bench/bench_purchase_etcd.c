/*
 * bench_purchase_etcd.c — slot purchases per second on an etcd store, the
 * etcd figure of `make bench` (issue 9): 16 buyer threads, each on a
 * campaign of its own, ÷ 16 threads doing raw compare-and-put transactions
 * on the same etcd through its v3 HTTP/JSON gateway (POST /v3/kv/txn with
 * libcurl, one key per thread, CAS on mod_revision, a 512-byte value) —
 * what the store's own replace costs at the least. The raw rate is measured
 * half before and half after the purchases, so both see the same etcd.
 *
 * The raw clients speak to the gateway as the store backend does
 * (../shared/notes/etcd.md §10): one kept-alive easy handle per thread,
 * TCP_NODELAY, "Grpc-Metadata-hasleader: true", success read from
 * "succeeded", revisions parsed as integers.
 *
 * usage: tools/with-etcd bench_purchase_etcd   (an empty etcd of its own,
 *        named by $BITSLOT_TEST_STORE), or bench_purchase_etcd etcd:URL
 */
#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"
#include "table.h"

#define BUYERS     16
#define CLIENTS    16
#define SECONDS    4.0 /* the purchases; the raw clients get as long, in two halves */
#define VALUE_LEN  512
#define TIMEOUT_MS 3000L

static bench_buyer buyers[BUYERS];

/* A response body, growing. */
typedef struct body {
    char *data;
    size_t len, size;
} body;

static size_t
collect(char *data, size_t size, size_t n, void *arg)
{
    body *b = arg;
    size_t len = size * n;

    if (b->len + len + 1 > b->size) {
        size_t want = (b->len + len + 1) * 2;
        char *grown = realloc(b->data, want);
        if (grown == NULL)
            return 0;
        b->data = grown;
        b->size = want;
    }
    memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return len;
}

/* One raw client. */
typedef struct raw_client {
    const char *endpoint;
    int thread;
    double seconds;
    CURL *curl;
    struct curl_slist *headers;
    char key64[64], value64[VALUE_LEN * 2];
    long long revision; /* the key's mod_revision */
    body answer;
    long done;
    const char *failure;
} raw_client;

/* POST `json` to endpoint + `path`; on success the header's revision goes
 * to *revision and the result is whether "succeeded" was true (a put has
 * no such field: then true). */
static bool
post(raw_client *c, const char *path, const char *json, long long *revision)
{
    char url[512];
    json_t *root, *header, *succeeded;
    bool ok = false;

    snprintf(url, sizeof(url), "%s%s", c->endpoint, path);
    c->answer.len = 0;
    curl_easy_setopt(c->curl, CURLOPT_URL, url);
    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, json);
    if (curl_easy_perform(c->curl) != CURLE_OK || c->answer.data == NULL) {
        c->failure = "no answer";
        return false;
    }
    root = json_loads(c->answer.data, 0, NULL);
    header = json_object_get(root, "header");
    succeeded = json_object_get(root, "succeeded");
    if (json_is_string(json_object_get(header, "revision")) &&
        (succeeded == NULL || json_is_true(succeeded))) {
        *revision = strtoll(json_string_value(json_object_get(header, "revision")), NULL, 10);
        ok = true;
    } else {
        c->failure = "a compare-and-put failed, or a bad answer";
    }
    json_decref(root);
    return ok;
}

static void *
raw_thread(void *arg)
{
    raw_client *c = arg;
    char json[4096];
    double end = bench_seconds() + c->seconds;

    do {
        snprintf(json, sizeof(json),
                 "{\"compare\":[{\"key\":\"%s\",\"target\":\"MOD\",\"result\":\"EQUAL\","
                 "\"mod_revision\":\"%lld\"}],"
                 "\"success\":[{\"request_put\":{\"key\":\"%s\",\"value\":\"%s\"}}],"
                 "\"failure\":[{\"request_range\":{\"key\":\"%s\"}}]}",
                 c->key64, c->revision, c->key64, c->value64, c->key64);
        if (!post(c, "/v3/kv/txn", json, &c->revision))
            return NULL;
        c->done++;
    } while (bench_seconds() < end);
    return NULL;
}

/* Open the clients: a handle each, and its key put once. */
static void
raw_open(raw_client *clients, const char *endpoint)
{
    char key[32], value[VALUE_LEN], json[4096];

    memset(value, 'x', sizeof(value));
    for (int t = 0; t < CLIENTS; t++) {
        raw_client *c = &clients[t];

        memset(c, 0, sizeof(*c));
        c->endpoint = endpoint;
        c->thread = t;
        c->curl = curl_easy_init();
        c->headers = curl_slist_append(NULL, "Content-Type: application/json");
        c->headers = curl_slist_append(c->headers, "Grpc-Metadata-hasleader: true");
        c->headers = curl_slist_append(c->headers, "Expect:");
        if (c->curl == NULL || c->headers == NULL)
            bench_fail("raw client", BS_NOMEM);
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, c->headers);
        curl_easy_setopt(c->curl, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, TIMEOUT_MS);
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &c->answer);
        snprintf(key, sizeof(key), "bench/raw/%02d", t);
        sodium_bin2base64(c->key64, sizeof(c->key64), (const unsigned char *)key, strlen(key),
                          sodium_base64_VARIANT_ORIGINAL);
        sodium_bin2base64(c->value64, sizeof(c->value64), (const unsigned char *)value,
                          sizeof(value), sodium_base64_VARIANT_ORIGINAL);
        snprintf(json, sizeof(json), "{\"key\":\"%s\",\"value\":\"%s\"}", c->key64, c->value64);
        if (!post(c, "/v3/kv/put", json, &c->revision)) {
            fprintf(stderr, "bench_purchase_etcd: %s: %s\n", endpoint, c->failure);
            exit(1);
        }
    }
}

static void
raw_close(raw_client *clients)
{
    for (int t = 0; t < CLIENTS; t++) {
        curl_easy_cleanup(clients[t].curl);
        curl_slist_free_all(clients[t].headers);
        free(clients[t].answer.data);
    }
}

/* Run the clients for `seconds`; return the transactions done and set
 * *elapsed. */
static long
raw_run(raw_client *clients, double seconds, double *elapsed)
{
    pthread_t tids[CLIENTS];
    double start = bench_seconds();
    long done = 0;

    for (int t = 0; t < CLIENTS; t++) {
        clients[t].seconds = seconds;
        clients[t].done = 0;
        if (pthread_create(&tids[t], NULL, raw_thread, &clients[t]) != 0)
            bench_fail("pthread_create", BS_NOMEM);
    }
    for (int t = 0; t < CLIENTS; t++) {
        pthread_join(tids[t], NULL);
        if (clients[t].failure != NULL) {
            fprintf(stderr, "bench_purchase_etcd: raw client %d: %s\n", t, clients[t].failure);
            exit(1);
        }
        done += clients[t].done;
    }
    *elapsed = bench_seconds() - start;
    return done;
}

int
main(int argc, char **argv)
{
    const char *url = argc > 1 ? argv[1] : getenv("BITSLOT_TEST_STORE");
    char endpoint[256];
    raw_client clients[CLIENTS];
    bs_ref campaigns[BUYERS];
    double t1, t2, raw;
    long n1, n2;
    bs_store *store;
    bench_buying b;

    if (url == NULL || strncmp(url, "etcd:", 5) != 0) {
        fprintf(stderr, "usage: tools/with-etcd bench_purchase_etcd, or bench_purchase_etcd "
                        "etcd:URL (an empty etcd)\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    snprintf(endpoint, sizeof(endpoint), "%.*s", (int)strcspn(url + 5, ","), url + 5);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0 || sodium_init() < 0)
        bench_fail("libcurl, libsodium", BS_NOMEM);
    store = bench_open(url);
    bench_market(store, BUYERS, buyers);
    bench_seller(store, "seller");
    bench_campaigns(store, "seller", BUYERS, campaigns);
    raw_open(clients, endpoint);

    n1 = raw_run(clients, SECONDS / 2, &t1);
    b = (bench_buying){.store = store,
                       .buyers = buyers,
                       .threads = BUYERS,
                       .campaigns = campaigns,
                       .campaign_count = BUYERS,
                       .seconds = SECONDS};
    bench_buy(&b);
    n2 = raw_run(clients, SECONDS / 2, &t2);
    raw = (double)(n1 + n2) / (t1 + t2);
    printf("etcd %s\n", endpoint);
    printf("  raw txn, 16 clients                %6.0f/s before, %6.0f/s after: %8.1f/s\n",
           (double)n1 / t1, (double)n2 / t2, raw);
    printf("  16 buyers on 16 campaigns          %6ld bought in %6.2f s: %8.1f purchases/s\n",
           b.bought, b.elapsed, bench_buy_rate(&b));
    bench_row("purchases/s on etcd ÷ raw gateway txn/s (16 clients each)", bench_buy_rate(&b), "/s",
              "raw gateway compare-and-put, 16 clients", raw, "/s", 1, 0.2);
    raw_close(clients);
    bs_store_close(store);
    curl_global_cleanup();
    return 0;
}
