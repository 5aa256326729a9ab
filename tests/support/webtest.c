/*
 * webtest.c — see webtest.h.
 */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "webtest.h"

void
bs_test_server_start(bs_test_server *s, const char *store, const char *const *env)
{
    static const char marker[] = "bitslot: serving on ";

    bs_test_spawn(&s->process,
                  (const char *const[]){"--store", store, "serve", "--listen", "127.0.0.1:0", NULL},
                  env);
    for (int tick = 0; tick < 2000; tick++) {
        FILE *f = fopen(s->process.err_path, "r");
        char line[512];

        while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
            if (strncmp(line, marker, sizeof(marker) - 1) == 0) {
                snprintf(s->base, sizeof(s->base), "%.*s",
                         (int)strcspn(line + sizeof(marker) - 1, "\n"), line + sizeof(marker) - 1);
                fclose(f);
                return;
            }
        }
        if (f != NULL)
            fclose(f);
        usleep(10000);
    }
    fprintf(stderr, "bitslot serve did not start\n");
    abort();
}

bs_test_output
bs_test_server_stop(bs_test_server *s)
{
    return bs_test_finish(&s->process, SIGTERM);
}

typedef struct buffer {
    char *data;
    size_t len;
} buffer;

static size_t
collect(char *ptr, size_t size, size_t n, void *arg)
{
    buffer *b = arg;
    char *grown = realloc(b->data, b->len + size * n + 1);

    if (grown == NULL)
        return 0;
    memcpy(grown + b->len, ptr, size * n);
    b->len += size * n;
    grown[b->len] = '\0';
    b->data = grown;
    return size * n;
}

static bs_test_response request(const bs_test_server *s, const char *method, const char *path,
                                const char *api_key, const char *body, const char *const *extra);

bs_test_response
bs_test_http(const bs_test_server *s, const char *method, const char *path, const char *api_key,
             const char *body)
{
    return request(s, method, path, api_key, body, NULL);
}

bs_test_response
bs_test_get(const bs_test_server *s, const char *path, const char *const *headers)
{
    return request(s, "GET", path, NULL, NULL, headers);
}

long long
bs_test_metric(const bs_test_server *s, const char *sample)
{
    bs_test_response r = bs_test_get(s, "/metrics", NULL);
    size_t n = strlen(sample);
    long long value = -1;

    for (const char *line = r.body; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        if (strncmp(line, sample, n) == 0 && line[n] == ' ') {
            value = strtoll(line + n + 1, NULL, 10);
            break;
        }
        line = end != NULL ? end + 1 : NULL;
    }
    bs_test_response_release(&r);
    return value;
}

int
bs_test_server_port(const bs_test_server *s)
{
    const char *colon = strrchr(s->base, ':');

    return colon != NULL ? (int)strtol(colon + 1, NULL, 10) : -1;
}

static bs_test_response
request(const bs_test_server *s, const char *method, const char *path, const char *api_key,
        const char *body, const char *const *extra)
{
    bs_test_response r = {0, NULL, NULL};
    buffer out = {calloc(1, 1), 0}, head = {calloc(1, 1), 0};
    struct curl_slist *headers = NULL;
    char url[4200], auth[256];
    CURL *curl = curl_easy_init();
    CURLcode rc;

    if (curl == NULL || out.data == NULL || head.data == NULL)
        abort();
    snprintf(url, sizeof(url), "%s%s", s->base, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    if (api_key != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", api_key);
        headers = curl_slist_append(headers, auth);
    }
    for (size_t i = 0; extra != NULL && extra[i] != NULL; i++)
        headers = curl_slist_append(headers, extra[i]);
    if (body != NULL) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        fprintf(stderr, "%s %s: %s\n", method, url, curl_easy_strerror(rc));
        abort();
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    r.body = out.data;
    r.headers = head.data;
    return r;
}

bool
bs_test_response_header(const bs_test_response *r, const char *name, char *out, size_t size)
{
    size_t n = strlen(name);

    for (const char *line = r->headers; line != NULL && *line != '\0';) {
        const char *end = strchr(line, '\n');
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            size_t len;
            while (*v == ' ')
                v++;
            len = end != NULL ? (size_t)(end - v) : strlen(v);
            while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n'))
                len--;
            snprintf(out, size, "%.*s", (int)len, v);
            return true;
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return false;
}

void
bs_test_response_release(bs_test_response *r)
{
    free(r->body);
    free(r->headers);
    r->body = r->headers = NULL;
}
