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
 *   - libcurl is opened (and its global state initialised) at the first
 *     bs_rpc_open(), through util/libcurl.h, which the etcd store shares: a
 *     command that never talks to the node never loads it. The URL is read
 *     by chain/node_url.c, without libcurl, by the same rule the settings
 *     check uses.
 *   - A handle's buffers are reused between calls and freed only by
 *     bs_rpc_close(); nothing a call returns points into them.
 */
#include "util/clock.h"
#include "chain/rpc.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chain/amount.h"
#include "chain/node_url.h"
#include "util/libcurl.h"

/* Integers with more digits than this are quoted (json_int_t holds 18). */
#define RPC_INT_DIGITS_MAX 18

struct bs_rpc {
    const bs_libcurl *lib; /* libcurl's functions */
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
    bs_rpc_quiet *quiet; /* NULL: none */
    uint64_t next_id;
    /* The body of the last answer. */
    char *body;
    size_t body_len, body_cap;
    bool body_nomem; /* the write callback failed on memory, not size */
    char curl_error[CURL_ERROR_SIZE];
};

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
    const bs_libcurl *lib = rpc->lib;
    CURL *c = rpc->curl;
    CURLcode rc = CURLE_OK;
    struct curl_slist *list = NULL, *next;
    static const char *const headers[] = {
        "Content-Type: application/json", "Accept: application/json",
        "Expect:", /* no "100-continue" round trip on big bodies */
    };
    size_t i;

    for (i = 0; i < sizeof(headers) / sizeof(headers[0]); i++) {
        next = lib->slist_append(list, headers[i]);
        if (next == NULL) {
            lib->slist_free_all(list);
            return BS_NOMEM;
        }
        list = next;
    }
    rpc->headers = list;
    rc |= lib->easy_setopt(c, CURLOPT_URL, rpc->url);
    rc |= lib->easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    rc |= lib->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    rc |= lib->easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    rc |= lib->easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, rpc->connect_timeout_ms);
    rc |= lib->easy_setopt(c, CURLOPT_TIMEOUT_MS, rpc->timeout_ms);
    rc |= lib->easy_setopt(c, CURLOPT_HTTPHEADER, rpc->headers);
    rc |= lib->easy_setopt(c, CURLOPT_POST, 1L);
    rc |= lib->easy_setopt(c, CURLOPT_WRITEFUNCTION, rpc_write_cb);
    rc |= lib->easy_setopt(c, CURLOPT_WRITEDATA, rpc);
    rc |= lib->easy_setopt(c, CURLOPT_ERRORBUFFER, rpc->curl_error);
    if (rpc->user != NULL) {
        rc |= lib->easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        rc |= lib->easy_setopt(c, CURLOPT_USERNAME, rpc->user);
        rc |= lib->easy_setopt(c, CURLOPT_PASSWORD, rpc->password ? rpc->password : "");
    }
    return rc == CURLE_OK ? BS_OK : BS_NOMEM;
}

/* Make a handle from parts (all copied). wallet may be NULL. */
static bs_status
rpc_create(const bs_libcurl *lib, const char *base, const char *path, const char *wallet,
           const char *user, const char *password, long connect_timeout_ms, long timeout_ms,
           bs_rpc_quiet *quiet, bs_rpc **out)
{
    bs_rpc *rpc;
    bs_status st = BS_NOMEM;

    *out = NULL;
    rpc = calloc(1, sizeof(*rpc));
    if (rpc == NULL)
        return BS_NOMEM;
    rpc->lib = lib;
    rpc->connect_timeout_ms = connect_timeout_ms;
    rpc->timeout_ms = timeout_ms;
    rpc->quiet = quiet;
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
    rpc->curl = lib->easy_init();
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

bool
bs_rpc_wallet_name_valid(const char *name)
{
    static const char allowed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                  "0123456789_.-";
    size_t len = name != NULL ? strlen(name) : 0;

    return len >= 1 && len <= BS_RPC_WALLET_NAME_MAX && name[0] != '.' && name[0] != '-' &&
           strspn(name, allowed) == len;
}

bs_status
bs_rpc_open(const char *url, const bs_rpc_options *opts, bs_rpc **out)
{
    bs_node_url u;
    const bs_libcurl *lib;
    const char *user, *password;
    long connect_timeout_ms = BS_RPC_CONNECT_TIMEOUT_MS, timeout_ms = BS_RPC_TIMEOUT_MS;
    bs_status st;

    if (out == NULL)
        return BS_INVALID;
    *out = NULL;
    if (opts != NULL) {
        if (opts->connect_timeout_ms < 0 || opts->timeout_ms < 0)
            return BS_INVALID;
        if (opts->connect_timeout_ms > 0)
            connect_timeout_ms = opts->connect_timeout_ms;
        if (opts->timeout_ms > 0)
            timeout_ms = opts->timeout_ms;
    }
    st = bs_node_url_parse(url, &u);
    if (st != BS_OK)
        goto done;
    if (bs_libcurl_load(&lib) != BS_OK) {
        st = BS_UNAVAILABLE;
        goto done;
    }
    user = opts != NULL && opts->user != NULL ? opts->user : u.user;
    password = opts != NULL && opts->password != NULL ? opts->password : u.password;
    if (user == NULL && password != NULL)
        user = ""; /* a password alone is sent with an empty user */
    st = rpc_create(lib, u.base, u.path, u.wallet, user, password, connect_timeout_ms, timeout_ms,
                    opts != NULL ? opts->quiet : NULL, out);

done:
    bs_node_url_release(&u);
    return st;
}

bs_status
bs_rpc_open_wallet(const bs_rpc *base, const char *wallet, bs_rpc **out)
{
    char *path;
    bs_status st;

    if (out == NULL)
        return BS_INVALID;
    *out = NULL;
    if (base == NULL || !bs_rpc_wallet_name_valid(wallet))
        return BS_INVALID;
    path = rpc_concat("/wallet/", wallet); /* unreserved characters only: no escaping */
    if (path == NULL)
        return BS_NOMEM;
    st = rpc_create(base->lib, base->base, path, wallet, base->user, base->password,
                    base->connect_timeout_ms, base->timeout_ms, base->quiet, out);
    free(path);
    return st;
}

void
bs_rpc_close(bs_rpc *rpc)
{
    if (rpc == NULL)
        return;
    rpc->lib->easy_cleanup(rpc->curl);
    rpc->lib->slist_free_all(rpc->headers);
    free(rpc->base);
    free(rpc->path);
    free(rpc->url);
    free(rpc->wallet);
    free(rpc->user);
    free(rpc->password);
    free(rpc->body);
    free(rpc);
}

const char *
bs_rpc_wallet(const bs_rpc *rpc)
{
    return rpc != NULL ? rpc->wallet : NULL;
}

/* ---- exact numbers ---- */

static bool
rpc_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The length of the JSON number token at s[0..len), or 0 if s does not start
 * with one that follows the grammar. *plain: it has no fraction and no
 * exponent; *int_digits: the digits of its integer part. */
static size_t
rpc_number_token(const char *s, size_t len, bool *plain, size_t *int_digits)
{
    size_t i = 0, start;

    *plain = true;
    if (i < len && s[i] == '-')
        i++;
    start = i;
    if (i >= len || !rpc_is_digit(s[i]))
        return 0;
    if (s[i] == '0')
        i++;
    else
        while (i < len && rpc_is_digit(s[i]))
            i++;
    *int_digits = i - start;
    if (i < len && s[i] == '.') {
        *plain = false;
        start = ++i;
        while (i < len && rpc_is_digit(s[i]))
            i++;
        if (i == start)
            return 0;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        *plain = false;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        start = i;
        while (i < len && rpc_is_digit(s[i]))
            i++;
        if (i == start)
            return 0;
    }
    return i;
}

/* Copy in[0..len) to out (when out is non-NULL; it must hold *out_len bytes
 * as computed by a first call with out NULL) with every number that has a
 * fraction, an exponent or more than RPC_INT_DIGITS_MAX digits wrapped in
 * quotes; the output length in *out_len. BS_CORRUPT if a number outside a
 * string breaks the grammar. */
static bs_status
rpc_quote_numbers(const char *in, size_t len, char *out, size_t *out_len)
{
    size_t i = 0, o = 0, tok, int_digits = 0;
    bool in_string = false, plain, quote;

    while (i < len) {
        char c = in[i];

        if (in_string) {
            size_t n = (c == '\\' && i + 1 < len) ? 2 : 1;

            if (c == '"')
                in_string = false;
            if (out != NULL)
                memcpy(out + o, in + i, n);
            o += n;
            i += n;
            continue;
        }
        if (c == '-' || rpc_is_digit(c)) {
            tok = rpc_number_token(in + i, len - i, &plain, &int_digits);
            if (tok == 0)
                return BS_CORRUPT;
            quote = !plain || int_digits > RPC_INT_DIGITS_MAX;
            if (quote && out != NULL)
                out[o] = '"';
            o += quote;
            if (out != NULL)
                memcpy(out + o, in + i, tok);
            o += tok;
            if (quote && out != NULL)
                out[o] = '"';
            o += quote;
            i += tok;
            continue;
        }
        if (c == '"')
            in_string = true;
        if (out != NULL)
            out[o] = c;
        o++;
        i++;
    }
    *out_len = o;
    return BS_OK;
}

bs_status
bs_rpc_read_amount(const json_t *value, bool negative_ok, int64_t *sats)
{
    json_int_t whole;

    if (sats == NULL)
        return BS_INVALID;
    if (json_is_string(value))
        return bs_amount_parse(json_string_value(value), json_string_length(value), negative_ok,
                               sats);
    if (!json_is_integer(value))
        return BS_INVALID;
    whole = json_integer_value(value);
    if ((whole < 0 && !negative_ok) || whole > BS_MAX_MONEY / BS_SAT_PER_BTC ||
        whole < -(BS_MAX_MONEY / BS_SAT_PER_BTC))
        return BS_INVALID;
    *sats = (int64_t)whole * BS_SAT_PER_BTC;
    return BS_OK;
}

/* ---- one call ---- */

static bs_status
rpc_curl_status(CURLcode rc, bool nomem)
{
    switch (rc) {
    case CURLE_OK:
        return BS_OK;
    case CURLE_OPERATION_TIMEDOUT:
        return BS_TIMEOUT;
    case CURLE_OUT_OF_MEMORY:
        return BS_NOMEM;
    case CURLE_WRITE_ERROR: /* only our write callback refuses */
        return nomem ? BS_NOMEM : BS_TOOLARGE;
    case CURLE_UNSUPPORTED_PROTOCOL:
        return BS_UNSUPPORTED;
    case CURLE_URL_MALFORMAT:
        return BS_INVALID;
    case CURLE_LOGIN_DENIED:
        return BS_AUTH;
    default:
        /* Refused, unresolvable, reset, closed early, TLS failures: the node
         * cannot be reached as configured. */
        return BS_UNAVAILABLE;
    }
}

/* Turn the answer in rpc->body (HTTP status http, request id) into a
 * status and, on BS_OK, *result. */
static bs_status
rpc_interpret(bs_rpc *rpc, long http, uint64_t id, json_t **result, bs_rpc_error *err)
{
    char *quoted = NULL;
    size_t quoted_len = 0;
    json_t *root = NULL, *error, *code, *message, *value, *idv;
    json_error_t jerr;
    json_int_t c;
    bs_status st;

    if (http == 401 || http == 403)
        return BS_AUTH;
    st = rpc_quote_numbers(rpc->body ? rpc->body : "", rpc->body_len, NULL, &quoted_len);
    if (st == BS_OK) {
        quoted = malloc(quoted_len + 1);
        if (quoted == NULL)
            return BS_NOMEM;
        rpc_quote_numbers(rpc->body ? rpc->body : "", rpc->body_len, quoted, &quoted_len);
        root = json_loadb(quoted, quoted_len, 0, &jerr);
        if (root == NULL)
            rpc_error_message(err, jerr.text);
    } else {
        rpc_error_message(err, "malformed number in the answer");
    }
    if (!json_is_object(root)) {
        /* A proxy or a node that is starting may answer 50x without JSON. */
        st = (http == 502 || http == 503 || http == 504) ? BS_UNAVAILABLE : BS_CORRUPT;
        if (root != NULL)
            rpc_error_message(err, "answer is not a JSON object");
        goto done_root;
    }
    error = json_object_get(root, "error");
    if (error != NULL && !json_is_null(error)) {
        code = json_object_get(error, "code");
        message = json_object_get(error, "message");
        if (!json_is_integer(code)) {
            st = BS_CORRUPT;
            rpc_error_message(err, "error without an integer code");
            goto done_root;
        }
        c = json_integer_value(code);
        if (err != NULL) {
            err->code = c < INT32_MIN ? INT32_MIN : c > INT32_MAX ? INT32_MAX : (int)c;
            err->message[0] = '\0';
            if (json_is_string(message))
                rpc_error_message(err, json_string_value(message));
        }
        st = BS_REMOTE;
        goto done_root;
    }
    value = json_object_get(root, "result");
    idv = json_object_get(root, "id");
    if (http != 200 || value == NULL || !json_is_integer(idv) ||
        (uint64_t)json_integer_value(idv) != id) {
        st = BS_CORRUPT;
        rpc_error_message(err, "answer without a result for this request");
        goto done_root;
    }
    if (result != NULL)
        *result = json_incref(value);
    st = BS_OK;

done_root:
    json_decref(root);
    free(quoted);
    return st;
}

/* May this call ask the node (bs_rpc_quiet)? When the quiet time is over,
 * only the call that claims the next probe may. */
static bool
quiet_may_ask(const bs_rpc *rpc)
{
    int64_t until, now;

    if (rpc->quiet == NULL)
        return true;
    until = atomic_load(&rpc->quiet->until_ms);
    now = bs_clock_monotonic_ms();
    if (until == 0)
        return true;
    if (now < until)
        return false;
    /* The probe holds the others off for as long as it may wait. */
    return atomic_compare_exchange_strong(&rpc->quiet->until_ms, &until,
                                          now + rpc->connect_timeout_ms + rpc->timeout_ms);
}

/* The node answered (`answered`), or not at all. */
static void
quiet_note(const bs_rpc *rpc, bool answered)
{
    if (rpc->quiet != NULL)
        atomic_store(&rpc->quiet->until_ms,
                     answered ? 0 : bs_clock_monotonic_ms() + BS_RPC_QUIET_MS);
}

/* One request. With fresh, it goes on a new connection: libcurl re-sends a
 * request once, by itself, when a kept-alive connection turns out to be
 * closed before any byte of the answer came; on a new connection it never
 * does, which is what a call that must not run twice needs. */
static bs_status
rpc_call_text(bs_rpc *rpc, const char *method, const char *params_text, bool fresh, json_t **result,
              bs_rpc_error *err)
{
    char *method_text = NULL, *body = NULL;
    size_t body_size;
    uint64_t id;
    long http = 0;
    int n;
    CURLcode rc;
    bs_status st = BS_INVALID;

    rpc_error_clear(err);
    if (result != NULL)
        *result = NULL;
    if (rpc == NULL || method == NULL || method[0] == '\0' || params_text == NULL ||
        params_text[0] == '\0')
        return BS_INVALID;
    method_text = rpc_json_string_text(method);
    if (method_text == NULL)
        return BS_INVALID;
    id = rpc->next_id++;
    body_size = strlen(method_text) + strlen(params_text) + 80;
    body = malloc(body_size);
    if (body == NULL) {
        st = BS_NOMEM;
        goto done_method;
    }
    n = snprintf(body, body_size,
                 "{\"jsonrpc\":\"1.0\",\"id\":%" PRIu64 ",\"method\":%s,\"params\":%s}", id,
                 method_text, params_text);
    if (n < 0 || (size_t)n >= body_size) {
        st = BS_INVALID;
        goto done_body;
    }
    rpc->body_len = 0;
    rpc->body_nomem = false;
    rpc->curl_error[0] = '\0';
    if (rpc->lib->easy_setopt(rpc->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n) != CURLE_OK ||
        rpc->lib->easy_setopt(rpc->curl, CURLOPT_POSTFIELDS, body) != CURLE_OK) {
        st = BS_NOMEM;
        goto done_body;
    }
    if (fresh && rpc->lib->easy_setopt(rpc->curl, CURLOPT_FRESH_CONNECT, 1L) != CURLE_OK) {
        st = BS_NOMEM;
        goto done_body;
    }
    if (!quiet_may_ask(rpc)) {
        st = BS_UNAVAILABLE;
        rpc_error_message(err, "the node did not answer a moment ago");
        goto done_body;
    }
    rc = rpc->lib->easy_perform(rpc->curl);
    rpc->lib->easy_setopt(rpc->curl, CURLOPT_FRESH_CONNECT, 0L);
    if (rpc->lib->easy_getinfo(rpc->curl, CURLINFO_RESPONSE_CODE, &http) != CURLE_OK)
        http = 0;
    if (err != NULL)
        err->http_status = (int)http;
    if (rc != CURLE_OK) {
        st = rpc_curl_status(rc, rpc->body_nomem);
        /* Silence is a connection refused or a call timed out; a
         * connection the node closed or reset (a kept-alive one it let go
         * just as it was used) fails this call only. */
        quiet_note(rpc, rc != CURLE_OPERATION_TIMEDOUT && rc != CURLE_COULDNT_CONNECT);
        rpc_error_message(err, rpc->curl_error[0] ? rpc->curl_error : rpc->lib->easy_strerror(rc));
        goto done_body;
    }
    quiet_note(rpc, true);
    st = rpc_interpret(rpc, http, id, result, err);

done_body:
    /* curl keeps only the pointer; the next call sets a new one. */
    rpc->lib->easy_setopt(rpc->curl, CURLOPT_POSTFIELDS, NULL);
    free(body);
done_method:
    free(method_text);
    return st;
}

bs_status
bs_rpc_call_text(bs_rpc *rpc, const char *method, const char *params_text, json_t **result,
                 bs_rpc_error *err)
{
    return rpc_call_text(rpc, method, params_text, false, result, err);
}

bs_status
bs_rpc_call(bs_rpc *rpc, const char *method, const json_t *params, json_t **result,
            bs_rpc_error *err)
{
    char *params_text;
    bs_status st;

    if (params == NULL)
        return bs_rpc_call_text(rpc, method, "[]", result, err);
    rpc_error_clear(err);
    if (result != NULL)
        *result = NULL;
    if (!json_is_array(params) && !json_is_object(params))
        return BS_INVALID;
    params_text = json_dumps(params, JSON_COMPACT);
    if (params_text == NULL)
        return BS_INVALID;
    st = bs_rpc_call_text(rpc, method, params_text, result, err);
    free(params_text);
    return st;
}

/* ---- typed helpers ---- */

/* bs_rpc_call with params that the call owns (stolen); NULL params (a
 * json_pack that failed on a NULL or non-UTF-8 string) are BS_INVALID. */
static bs_status
rpc_call_owned(bs_rpc *rpc, const char *method, json_t *params, json_t **result, bs_rpc_error *err)
{
    bs_status st;

    if (params == NULL) {
        rpc_error_clear(err);
        if (result != NULL)
            *result = NULL;
        return BS_INVALID;
    }
    st = bs_rpc_call(rpc, method, params, result, err);
    json_decref(params);
    return st;
}

/* Call and read the result as an amount (BS_CORRUPT if it is not one). */
static bs_status
rpc_call_amount(bs_rpc *rpc, const char *method, json_t *params, int64_t *sats, bs_rpc_error *err)
{
    json_t *result = NULL;
    bs_status st;

    st = rpc_call_owned(rpc, method, params, &result, err);
    if (st != BS_OK)
        return st;
    if (bs_rpc_read_amount(result, false, sats) != BS_OK) {
        st = BS_CORRUPT;
        rpc_error_message(err, "result is not an amount");
    }
    json_decref(result);
    return st;
}

bs_status
bs_rpc_getblockcount(bs_rpc *rpc, int64_t *height, bs_rpc_error *err)
{
    json_t *result = NULL;
    bs_status st;

    if (height == NULL) {
        rpc_error_clear(err);
        return BS_INVALID;
    }
    st = bs_rpc_call(rpc, "getblockcount", NULL, &result, err);
    if (st != BS_OK)
        return st;
    if (!json_is_integer(result) || json_integer_value(result) < 0) {
        st = BS_CORRUPT;
        rpc_error_message(err, "result is not a height");
    } else {
        *height = (int64_t)json_integer_value(result);
    }
    json_decref(result);
    return st;
}

bs_status
bs_rpc_getreceivedbyaddress(bs_rpc *rpc, const char *addr, int minconf, int64_t *sats,
                            bs_rpc_error *err)
{
    if (sats == NULL || minconf < 0) {
        rpc_error_clear(err);
        return BS_INVALID;
    }
    return rpc_call_amount(rpc, "getreceivedbyaddress", json_pack("[si]", addr, minconf), sats,
                           err);
}

bs_status
bs_rpc_getbalance(bs_rpc *rpc, int minconf, int64_t *sats, bs_rpc_error *err)
{
    if (sats == NULL || minconf < 0) {
        rpc_error_clear(err);
        return BS_INVALID;
    }
    return rpc_call_amount(rpc, "getbalance", json_pack("[si]", "*", minconf), sats, err);
}

bs_status
bs_rpc_importaddress(bs_rpc *rpc, const char *addr, const char *label, bool rescan,
                     bs_rpc_error *err)
{
    return rpc_call_owned(rpc, "importaddress",
                          json_pack("[ssb]", addr, label ? label : "", (int)rescan), NULL, err);
}

/* The descriptor character set and checksum alphabet of BIP 380 (Bitcoin
 * Core's script/descriptor.cpp). A character's position gives 5 bits
 * (pos & 31) and a group (pos >> 5); groups are packed three at a time. */
static const char rpc_desc_input_charset[] = "0123456789()[],'/*abcdefgh@:$%{}"
                                             "IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~"
                                             "ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
static const char rpc_desc_checksum_charset[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

/* One step of the checksum's BCH code over GF(32): shift in 5 bits. */
static uint64_t
rpc_desc_polymod(uint64_t c, unsigned int val)
{
    static const uint64_t generator[5] = {
        UINT64_C(0xf5dee51989), UINT64_C(0xa9fdca3312), UINT64_C(0x1bab10e32d),
        UINT64_C(0x3706b1677a), UINT64_C(0x644d626ffd),
    };
    uint64_t top = c >> 35;
    int i;

    c = ((c & UINT64_C(0x7ffffffff)) << 5) ^ val;
    for (i = 0; i < 5; i++) {
        if ((top >> i) & 1)
            c ^= generator[i];
    }
    return c;
}

bs_status
bs_rpc_descriptor_checksum(const char *desc, char out[BS_RPC_DESCSUM_SIZE])
{
    uint64_t c = 1;
    unsigned int cls = 0, clscount = 0, pos;
    const char *hit;
    size_t i;
    int j;

    if (out == NULL)
        return BS_INVALID;
    out[0] = '\0';
    if (desc == NULL)
        return BS_INVALID;
    for (i = 0; desc[i] != '\0'; i++) {
        hit = memchr(rpc_desc_input_charset, desc[i], sizeof(rpc_desc_input_charset) - 1);
        if (hit == NULL)
            return BS_INVALID;
        pos = (unsigned int)(hit - rpc_desc_input_charset);
        c = rpc_desc_polymod(c, pos & 31);
        cls = cls * 3 + (pos >> 5);
        if (++clscount == 3) {
            c = rpc_desc_polymod(c, cls);
            cls = 0;
            clscount = 0;
        }
    }
    if (clscount > 0)
        c = rpc_desc_polymod(c, cls);
    for (j = 0; j < 8; j++)
        c = rpc_desc_polymod(c, 0);
    c ^= 1;
    for (j = 0; j < 8; j++)
        out[j] = rpc_desc_checksum_charset[(c >> (5 * (7 - j))) & 31];
    out[8] = '\0';
    return BS_OK;
}

static bool
rpc_is_alnum_text(const char *s)
{
    size_t i;

    if (s == NULL || s[0] == '\0')
        return false;
    for (i = 0; s[i] != '\0'; i++) {
        char c = s[i];

        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
            return false;
    }
    return true;
}

bs_status
bs_rpc_importdescriptors_addr(bs_rpc *rpc, const char *addr, const char *label, bool rescan,
                              bs_rpc_error *err)
{
    char desc[BS_RPC_ADDRESS_SIZE + 32], sum[BS_RPC_DESCSUM_SIZE];
    json_t *request = NULL, *params = NULL, *result = NULL, *entry, *success, *error, *code,
           *message;
    int n;
    bs_status st = BS_INVALID;

    rpc_error_clear(err);
    if (!rpc_is_alnum_text(addr) || strlen(addr) >= BS_RPC_ADDRESS_SIZE)
        return BS_INVALID;
    snprintf(desc, sizeof(desc), "addr(%s)", addr);
    if (bs_rpc_descriptor_checksum(desc, sum) != BS_OK)
        return BS_INVALID;
    n = snprintf(desc, sizeof(desc), "addr(%s)#%s", addr, sum);
    if (n < 0 || (size_t)n >= sizeof(desc))
        return BS_INVALID;
    request = rescan ? json_pack("{sssi}", "desc", desc, "timestamp", 0)
                     : json_pack("{ssss}", "desc", desc, "timestamp", "now");
    if (request == NULL) {
        st = BS_NOMEM;
        goto done_json;
    }
    if (label != NULL && json_object_set_new(request, "label", json_string(label)) != 0)
        goto done_json; /* not UTF-8 */
    params = json_pack("[[O]]", request);
    if (params == NULL) {
        st = BS_NOMEM;
        goto done_json;
    }
    st = bs_rpc_call(rpc, "importdescriptors", params, &result, err);
    if (st != BS_OK)
        goto done_json;
    entry = json_array_get(result, 0);
    success = json_object_get(entry, "success");
    if (!json_is_array(result) || json_array_size(result) != 1 || !json_is_boolean(success)) {
        st = BS_CORRUPT;
        rpc_error_message(err, "unexpected importdescriptors result");
        goto done_json;
    }
    if (json_is_false(success)) {
        error = json_object_get(entry, "error");
        code = json_object_get(error, "code");
        message = json_object_get(error, "message");
        if (err != NULL) {
            if (json_is_integer(code))
                err->code = (int)json_integer_value(code);
            if (json_is_string(message))
                rpc_error_message(err, json_string_value(message));
        }
        st = BS_REMOTE;
    }

done_json:
    json_decref(result);
    json_decref(params);
    json_decref(request);
    return st;
}

bs_status
bs_rpc_createwallet(bs_rpc *rpc, const char *name, bool disable_private_keys, bs_rpc_error *err)
{
    return rpc_call_owned(rpc, "createwallet", json_pack("[sb]", name, (int)disable_private_keys),
                          NULL, err);
}

bs_status
bs_rpc_loadwallet(bs_rpc *rpc, const char *name, bs_rpc_error *err)
{
    return rpc_call_owned(rpc, "loadwallet", json_pack("[s]", name), NULL, err);
}

bs_status
bs_rpc_listwallets(bs_rpc *rpc, json_t **names, bs_rpc_error *err)
{
    json_t *result = NULL, *item;
    size_t i;
    bs_status st;

    rpc_error_clear(err);
    if (names == NULL)
        return BS_INVALID;
    *names = NULL;
    st = bs_rpc_call(rpc, "listwallets", NULL, &result, err);
    if (st != BS_OK)
        return st;
    if (!json_is_array(result)) {
        st = BS_CORRUPT;
        goto done_result;
    }
    json_array_foreach(result, i, item)
    {
        if (!json_is_string(item)) {
            st = BS_CORRUPT;
            goto done_result;
        }
    }
    *names = json_incref(result);

done_result:
    if (st == BS_CORRUPT)
        rpc_error_message(err, "result is not a list of names");
    json_decref(result);
    return st;
}

/* getwalletinfo on rpc's wallet; *keys: private keys enabled (false when the
 * node does not say). */
static bs_status
rpc_wallet_keys(bs_rpc *rpc, bool *keys, bs_rpc_error *err)
{
    json_t *result = NULL, *flag;
    bs_status st;

    *keys = false;
    st = bs_rpc_call(rpc, "getwalletinfo", NULL, &result, err);
    if (st != BS_OK)
        return st;
    if (!json_is_object(result)) {
        st = BS_CORRUPT;
        rpc_error_message(err, "getwalletinfo result is not an object");
    } else {
        flag = json_object_get(result, "private_keys_enabled");
        *keys = json_is_true(flag);
    }
    json_decref(result);
    return st;
}

static bool
rpc_is_remote(bs_status st, const bs_rpc_error *err, int code)
{
    return st == BS_REMOTE && err != NULL && err->code == code;
}

/* Another process may be creating or loading the same wallet at this very
 * moment: its "already exists" can come before the wallet answers. Look
 * again this many times, this far apart. */
#define ENSURE_ATTEMPTS 50
#define ENSURE_PAUSE_NS (100L * 1000 * 1000)

bs_status
bs_rpc_ensure_wallet(bs_rpc *rpc, bs_rpc_error *err)
{
    bs_rpc_error local;
    bool keys = false;
    bs_status st = BS_UNAVAILABLE;

    if (err == NULL)
        err = &local; /* the codes decide the steps below */
    rpc_error_clear(err);
    if (rpc == NULL || rpc->wallet == NULL)
        return BS_INVALID;
    for (int attempt = 0; attempt < ENSURE_ATTEMPTS; attempt++) {
        if (attempt > 0)
            nanosleep(&(struct timespec){0, ENSURE_PAUSE_NS}, NULL);
        st = rpc_wallet_keys(rpc, &keys, err);
        if (!rpc_is_remote(st, err, BS_RPC_ERR_WALLET_NOT_FOUND))
            break;
        st = bs_rpc_loadwallet(rpc, rpc->wallet, err);
        if (st == BS_OK || rpc_is_remote(st, err, BS_RPC_ERR_WALLET_ALREADY_LOADED) ||
            rpc_is_remote(st, err, BS_RPC_ERR_WALLET))
            continue; /* loaded, by us or by someone else meanwhile: look again */
        if (!rpc_is_remote(st, err, BS_RPC_ERR_WALLET_NOT_FOUND))
            return st;
        st = bs_rpc_createwallet(rpc, rpc->wallet, true, err);
        if (st == BS_OK)
            return BS_OK; /* watch-only by construction */
        if (!rpc_is_remote(st, err, BS_RPC_ERR_WALLET))
            return st;
        /* "already exists": someone else is making it: look again. */
    }
    if (st == BS_OK && keys) {
        st = BS_MISMATCH;
        rpc_error_clear(err);
        rpc_error_message(err, "the wallet holds private keys");
    }
    return st;
}

bs_status
bs_rpc_getnewaddress(bs_rpc *rpc, char *out, size_t out_size, bs_rpc_error *err)
{
    json_t *result = NULL;
    size_t len;
    bs_status st;

    rpc_error_clear(err);
    if (out == NULL || out_size == 0)
        return BS_INVALID;
    out[0] = '\0';
    st = bs_rpc_call(rpc, "getnewaddress", NULL, &result, err);
    if (st != BS_OK)
        return st;
    if (!json_is_string(result) || !rpc_is_alnum_text(json_string_value(result))) {
        st = BS_CORRUPT;
        rpc_error_message(err, "result is not an address");
        goto done_result;
    }
    len = json_string_length(result);
    if (len >= out_size) {
        st = BS_TOOLARGE;
        goto done_result;
    }
    memcpy(out, json_string_value(result), len + 1);

done_result:
    json_decref(result);
    return st;
}

static bool
rpc_is_txid(const json_t *value)
{
    const char *s = json_string_value(value);
    size_t i;

    if (s == NULL || json_string_length(value) != BS_RPC_TXID_SIZE - 1)
        return false;
    for (i = 0; i < BS_RPC_TXID_SIZE - 1; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    }
    return true;
}

bs_status
bs_rpc_sendtoaddress(bs_rpc *rpc, const char *addr, int64_t sats, char txid[BS_RPC_TXID_SIZE],
                     bs_rpc_error *err)
{
    char amount[BS_AMOUNT_TEXT_SIZE], *addr_text = NULL, *params = NULL;
    size_t params_size;
    json_t *result = NULL;
    bs_status st = BS_INVALID;

    rpc_error_clear(err);
    if (txid == NULL)
        return BS_INVALID;
    txid[0] = '\0';
    if (sats <= 0 || bs_amount_format(sats, amount, sizeof(amount)) != BS_OK)
        return BS_INVALID;
    addr_text = rpc_json_string_text(addr);
    if (addr_text == NULL)
        return BS_INVALID;
    params_size = strlen(addr_text) + sizeof(amount) + 4;
    params = malloc(params_size);
    if (params == NULL) {
        st = BS_NOMEM;
        goto done_addr;
    }
    /* The amount goes out as a JSON number with its exact decimal text. */
    snprintf(params, params_size, "[%s,%s]", addr_text, amount);
    st = rpc_call_text(rpc, "sendtoaddress", params, true, &result, err);
    if (st != BS_OK)
        goto done_params;
    if (!rpc_is_txid(result)) {
        st = BS_CORRUPT;
        rpc_error_message(err, "result is not a txid");
        goto done_params;
    }
    memcpy(txid, json_string_value(result), BS_RPC_TXID_SIZE);

done_params:
    json_decref(result);
    free(params);
done_addr:
    free(addr_text);
    return st;
}

bs_status
bs_rpc_generatetoaddress(bs_rpc *rpc, int nblocks, const char *addr, json_t **hashes,
                         bs_rpc_error *err)
{
    json_t *result = NULL;
    bs_status st;

    if (hashes != NULL)
        *hashes = NULL;
    if (nblocks <= 0) {
        rpc_error_clear(err);
        return BS_INVALID;
    }
    st = rpc_call_owned(rpc, "generatetoaddress", json_pack("[is]", nblocks, addr), &result, err);
    if (st != BS_OK)
        return st;
    if (!json_is_array(result)) {
        st = BS_CORRUPT;
        rpc_error_message(err, "result is not a list of block hashes");
    } else if (hashes != NULL) {
        *hashes = json_incref(result);
    }
    json_decref(result);
    return st;
}
