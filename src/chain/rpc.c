/*
 * rpc.c — Bitcoin Core JSON-RPC over libcurl.
 *
 * One call: build the body {"jsonrpc":"1.0","id":N,"method":..,"params":..}
 * -> POST on the handle's easy handle (connection kept alive) -> map the
 * curl code (rpc_curl_status) -> 401/403 is BS_AUTH -> quote the non-integer
 * numbers of the body (rpc_quote_numbers) -> parse with jansson -> an
 * "error" that is not null is BS_REMOTE, otherwise "result" (with our id) is
 * the answer (rpc_interpret).
 *
 * Exact numbers: jansson keeps reals only as doubles and does not keep the
 * text, so the body is rewritten first. A scanner that knows JSON strings
 * (and their escapes) finds every number token outside strings, checks it
 * against the JSON number grammar (a malformed one makes the answer
 * BS_CORRUPT) and wraps it in quotes when it has a fraction or an exponent
 * or more than 18 digits. Quoting changes nothing else (number text needs no
 * escaping), and keeps the rest of the answer a normal jansson tree.
 *
 * Invariants:
 *   - libcurl's global state is initialised once per process
 *     (pthread_once), never cleaned up here: other users of libcurl in the
 *     process (the etcd store) share it.
 *   - A handle's buffers are reused between calls and freed only by
 *     bs_rpc_close(); nothing a call returns points into them.
 */
#include "chain/rpc.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "chain/amount.h"

/* Integers with more digits than this are quoted (json_int_t holds 18). */
#define RPC_INT_DIGITS_MAX 18

struct bs_rpc {
    CURL *curl;
    struct curl_slist *headers;
    char *base;     /* "scheme://host:port", no credentials */
    char *path;     /* "/" or "/wallet/<encoded name>" */
    char *url;      /* base + path */
    char *wallet;   /* the decoded wallet name, or NULL */
    char *user;     /* NULL: no auth */
    char *password; /* NULL with user: "" */
    long connect_timeout_ms;
    long timeout_ms;
    uint64_t next_id;
    /* The body of the last answer. */
    char *body;
    size_t body_len, body_cap;
    bool body_nomem; /* the write callback failed on memory, not size */
    char curl_error[CURL_ERROR_SIZE];
};

/* ---- libcurl global init ---- */

static pthread_once_t rpc_curl_once = PTHREAD_ONCE_INIT;
/* Written once under rpc_curl_once; read after it. */
static CURLcode rpc_curl_init_rc = CURLE_FAILED_INIT;

static void
rpc_curl_init(void)
{
    rpc_curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- small helpers ---- */

static void
rpc_error_clear(bs_rpc_error *err)
{
    if (err == NULL)
        return;
    err->code = 0;
    err->http_status = 0;
    err->message[0] = '\0';
}

static void
rpc_error_message(bs_rpc_error *err, const char *message)
{
    if (err == NULL || message == NULL)
        return;
    snprintf(err->message, sizeof(err->message), "%s", message);
}

static char *
rpc_strdup(const char *s)
{
    size_t len;
    char *copy;

    if (s == NULL)
        return NULL;
    len = strlen(s);
    copy = malloc(len + 1);
    if (copy != NULL)
        memcpy(copy, s, len + 1);
    return copy;
}

/* A new string a + b, or NULL. */
static char *
rpc_concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);

    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    memcpy(s + la, b, lb + 1);
    return s;
}

/* The compact JSON text of a string value, or NULL (invalid UTF-8, NULL,
 * memory). Free with free(). */
static char *
rpc_json_string_text(const char *s)
{
    json_t *value;
    char *text;

    if (s == NULL)
        return NULL;
    value = json_string(s);
    if (value == NULL)
        return NULL;
    text = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT);
    json_decref(value);
    return text;
}

/* ---- handle creation ---- */

static size_t
rpc_write_cb(char *data, size_t size, size_t nmemb, void *userdata)
{
    bs_rpc *rpc = userdata;
    size_t n = size * nmemb, cap;
    char *grown;

    if (n > BS_RPC_MAX_RESPONSE - rpc->body_len)
        return 0; /* CURLE_WRITE_ERROR -> BS_TOOLARGE */
    if (rpc->body_len + n + 1 > rpc->body_cap) {
        cap = rpc->body_cap ? rpc->body_cap : 4096;
        while (cap < rpc->body_len + n + 1)
            cap *= 2;
        grown = realloc(rpc->body, cap);
        if (grown == NULL) {
            rpc->body_nomem = true;
            return 0;
        }
        rpc->body = grown;
        rpc->body_cap = cap;
    }
    memcpy(rpc->body + rpc->body_len, data, n);
    rpc->body_len += n;
    rpc->body[rpc->body_len] = '\0';
    return n;
}

/* Set the options every request of the handle shares. */
static bs_status
rpc_setup_curl(bs_rpc *rpc)
{
    CURL *c = rpc->curl;
    CURLcode rc = CURLE_OK;
    struct curl_slist *list = NULL, *next;
    static const char *const headers[] = {
        "Content-Type: application/json", "Accept: application/json",
        "Expect:", /* no "100-continue" round trip on big bodies */
    };
    size_t i;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        next = curl_slist_append(list, headers[i]);
        if (next == NULL) {
            curl_slist_free_all(list);
            return BS_NOMEM;
        }
        list = next;
    }
    rpc->headers = list;
    rc |= curl_easy_setopt(c, CURLOPT_URL, rpc->url);
    rc |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, rpc->connect_timeout_ms);
    rc |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rpc->timeout_ms);
    rc |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, rpc->headers);
    rc |= curl_easy_setopt(c, CURLOPT_POST, 1L);
    rc |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, rpc_write_cb);
    rc |= curl_easy_setopt(c, CURLOPT_WRITEDATA, rpc);
    rc |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, rpc->curl_error);
    if (rpc->user != NULL) {
        rc |= curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        rc |= curl_easy_setopt(c, CURLOPT_USERNAME, rpc->user);
        rc |= curl_easy_setopt(c, CURLOPT_PASSWORD, rpc->password ? rpc->password : "");
    }
    return rc == CURLE_OK ? BS_OK : BS_NOMEM;
}

/* Make a handle from parts (all copied). wallet may be NULL. */
static bs_status
rpc_create(const char *base, const char *path, const char *wallet, const char *user,
           const char *password, long connect_timeout_ms, long timeout_ms, bs_rpc **out)
{
    bs_rpc *rpc;
    bs_status st = BS_NOMEM;

    *out = NULL;
    if (pthread_once(&rpc_curl_once, rpc_curl_init) != 0 || rpc_curl_init_rc != CURLE_OK)
        return BS_UNAVAILABLE;
    rpc = calloc(1, sizeof(*rpc));
    if (rpc == NULL)
        return BS_NOMEM;
    rpc->connect_timeout_ms = connect_timeout_ms;
    rpc->timeout_ms = timeout_ms;
    rpc->next_id = 1;
    rpc->base = rpc_strdup(base);
    rpc->path = rpc_strdup(path);
    if (rpc->base == NULL || rpc->path == NULL)
        goto fail_rpc;
    rpc->url = rpc_concat(base, path);
    if (rpc->url == NULL)
        goto fail_rpc;
    if (wallet != NULL && (rpc->wallet = rpc_strdup(wallet)) == NULL)
        goto fail_rpc;
    if (user != NULL && (rpc->user = rpc_strdup(user)) == NULL)
        goto fail_rpc;
    if (password != NULL && (rpc->password = rpc_strdup(password)) == NULL)
        goto fail_rpc;
    rpc->curl = curl_easy_init();
    if (rpc->curl == NULL)
        goto fail_rpc;
    st = rpc_setup_curl(rpc);
    if (st != BS_OK)
        goto fail_rpc;
    *out = rpc;
    return BS_OK;

fail_rpc:
    bs_rpc_close(rpc);
    return st;
}

/* The wallet name of an "/wallet/<encoded>" path, decoded into *wallet
 * (NULL for "" and "/"). */
static bs_status
rpc_parse_path(CURL *curl, const char *path, char **wallet)
{
    static const char prefix[] = "/wallet/";
    const char *encoded;
    char *decoded;
    int len = 0;

    *wallet = NULL;
    if (path[0] == '\0' || strcmp(path, "/") == 0)
        return BS_OK;
    if (strncmp(path, prefix, sizeof(prefix) - 1) != 0)
        return BS_INVALID;
    encoded = path + sizeof(prefix) - 1;
    if (encoded[0] == '\0' || strchr(encoded, '/') != NULL)
        return BS_INVALID;
    decoded = curl_easy_unescape(curl, encoded, 0, &len);
    if (decoded == NULL)
        return BS_NOMEM;
    if (len <= 0 || (size_t)len != strlen(decoded)) {
        curl_free(decoded); /* empty, or a NUL inside */
        return BS_INVALID;
    }
    *wallet = rpc_strdup(decoded);
    curl_free(decoded);
    return *wallet != NULL ? BS_OK : BS_NOMEM;
}

/* Fetch one part of a parsed URL into *part (curl_free() it), NULL when the
 * URL has none. */
static bs_status
rpc_url_part(CURLU *u, CURLUPart which, unsigned int flags, char **part)
{
    CURLUcode rc;

    *part = NULL;
    rc = curl_url_get(u, which, part, flags);
    switch (rc) {
    case CURLUE_OK:
        return BS_OK;
    case CURLUE_NO_USER:
    case CURLUE_NO_PASSWORD:
    case CURLUE_NO_QUERY:
    case CURLUE_NO_FRAGMENT:
    case CURLUE_NO_OPTIONS:
        *part = NULL;
        return BS_OK;
    case CURLUE_OUT_OF_MEMORY:
        return BS_NOMEM;
    default:
        return BS_INVALID;
    }
}

bs_status
bs_rpc_open(const char *url, const bs_rpc_options *opts, bs_rpc **out)
{
    CURLU *u = NULL;
    CURL *scratch = NULL;
    char *scheme = NULL, *host = NULL, *port = NULL, *user = NULL, *password = NULL;
    char *path = NULL, *query = NULL, *fragment = NULL, *options = NULL, *wallet = NULL;
    char *base = NULL;
    const char *eff_user, *eff_password;
    long connect_timeout_ms = BS_RPC_CONNECT_TIMEOUT_MS, timeout_ms = BS_RPC_TIMEOUT_MS;
    size_t base_size;
    bs_status st = BS_INVALID;

    if (out == NULL)
        return BS_INVALID;
    *out = NULL;
    if (url == NULL)
        return BS_INVALID;
    if (opts != NULL) {
        if (opts->connect_timeout_ms < 0 || opts->timeout_ms < 0)
            return BS_INVALID;
        if (opts->connect_timeout_ms > 0)
            connect_timeout_ms = opts->connect_timeout_ms;
        if (opts->timeout_ms > 0)
            timeout_ms = opts->timeout_ms;
    }
    if (pthread_once(&rpc_curl_once, rpc_curl_init) != 0 || rpc_curl_init_rc != CURLE_OK)
        return BS_UNAVAILABLE;
    u = curl_url();
    scratch = curl_easy_init();
    if (u == NULL || scratch == NULL) {
        st = BS_NOMEM;
        goto done_parts;
    }
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto done_parts;
    if ((st = rpc_url_part(u, CURLUPART_SCHEME, 0, &scheme)) != BS_OK ||
        (st = rpc_url_part(u, CURLUPART_HOST, 0, &host)) != BS_OK ||
        (st = rpc_url_part(u, CURLUPART_PORT, CURLU_DEFAULT_PORT, &port)) != BS_OK ||
        (st = rpc_url_part(u, CURLUPART_USER, CURLU_URLDECODE, &user)) != BS_OK ||
        (st = rpc_url_part(u, CURLUPART_PASSWORD, CURLU_URLDECODE, &password)) != BS_OK ||
        (st = rpc_url_part(u, CURLUPART_OPTIONS, 0, &options)) != BS_OK ||
        (st = rpc_url_part(u, CURLUPART_PATH, 0, &path)) != BS_OK ||
        (st = rpc_url_part(u, CURLUPART_QUERY, 0, &query)) != BS_OK ||
        (st = rpc_url_part(u, CURLUPART_FRAGMENT, 0, &fragment)) != BS_OK)
        goto done_parts;
    st = BS_INVALID;
    if (scheme == NULL || host == NULL || port == NULL || path == NULL || query != NULL ||
        fragment != NULL || options != NULL)
        goto done_parts;
    if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
        goto done_parts;
    st = rpc_parse_path(scratch, path, &wallet);
    if (st != BS_OK)
        goto done_parts;
    base_size = strlen(scheme) + strlen(host) + strlen(port) + 5;
    base = malloc(base_size);
    if (base == NULL) {
        st = BS_NOMEM;
        goto done_parts;
    }
    snprintf(base, base_size, "%s://%s:%s", scheme, host, port);
    eff_user = opts != NULL && opts->user != NULL ? opts->user : user;
    eff_password = opts != NULL && opts->password != NULL ? opts->password : password;
    if (eff_user == NULL && eff_password != NULL)
        eff_user = ""; /* a password alone is sent with an empty user */
    st = rpc_create(base, wallet ? path : "/", wallet, eff_user, eff_password, connect_timeout_ms,
                    timeout_ms, out);

done_parts:
    free(base);
    free(wallet);
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(user);
    curl_free(password);
    curl_free(options);
    curl_free(path);
    curl_free(query);
    curl_free(fragment);
    curl_easy_cleanup(scratch);
    curl_url_cleanup(u);
    return st;
}
