/*
 * webtest.c — see webtest.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <curl/curl.h>
#include <gd.h>
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
    bs_test_server_start_with(
        s, (const char *const[]){"--store", store, "serve", "--listen", "127.0.0.1:0", NULL}, env);
}

void
bs_test_server_start_with(bs_test_server *s, const char *const *args, const char *const *env)
{
    static const char marker[] = "bitslot: serving on ";

    bs_test_spawn(&s->process, args, env);
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

bs_test_response
bs_test_http(const bs_test_server *s, const char *method, const char *path, const char *api_key,
             const char *body)
{
    return bs_test_http_with(s, method, path, api_key, body, NULL, true);
}

bs_test_response
bs_test_get(const bs_test_server *s, const char *path, const char *const *headers)
{
    return bs_test_http_with(s, "GET", path, NULL, NULL, headers, true);
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

/* A request the server did not answer: is it still running, and the end
 * of what it wrote to stderr (a sanitizer's report, a crash), so that the
 * failure says why. */
void
bs_test_server_said(const bs_test_server *s)
{
    char tail[4096];
    FILE *f = fopen(s->process.err_path, "r");
    size_t n = 0;

    fprintf(stderr, "the server (pid %d) is %s; the end of its stderr:\n", s->process.pid,
            kill(s->process.pid, 0) == 0 ? "still running" : "gone");
    if (f == NULL)
        return;
    if (fseek(f, -(long)sizeof(tail) + 1, SEEK_END) != 0)
        rewind(f);
    n = fread(tail, 1, sizeof(tail) - 1, f);
    tail[n] = '\0';
    fclose(f);
    fprintf(stderr, "%s\n", tail);
}

/* One request: `content_type` names the body's type when body is not NULL. */
static bs_test_response
perform(const bs_test_server *s, const char *from, const char *method, const char *path,
        const char *api_key, const char *content_type, const char *body, size_t body_len,
        const char *const *more, bool must_answer)
{
    bs_test_response r = {0, NULL, NULL};
    buffer out = {calloc(1, 1), 0}, head = {calloc(1, 1), 0};
    struct curl_slist *headers = NULL;
    char url[4200], auth[256], type[256];
    CURL *curl = curl_easy_init();
    CURLcode rc;

    if (curl == NULL || out.data == NULL || head.data == NULL)
        abort();
    snprintf(url, sizeof(url), "%s%s", s->base, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    if (strcmp(method, "HEAD") == 0)
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L); /* no body will come */
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 30L);
    if (from != NULL)
        curl_easy_setopt(curl, CURLOPT_INTERFACE, from);
    if (api_key != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", api_key);
        headers = curl_slist_append(headers, auth);
    }
    if (body != NULL) {
        snprintf(type, sizeof(type), "Content-Type: %s", content_type);
        headers = curl_slist_append(headers, type);
        headers = curl_slist_append(headers, "Expect:"); /* send the body at once */
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    for (size_t i = 0; more != NULL && more[i] != NULL; i++)
        headers = curl_slist_append(headers, more[i]);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    rc = curl_easy_perform(curl);
    if (rc != CURLE_OK && must_answer) {
        fprintf(stderr, "%s %s: %s\n", method, url, curl_easy_strerror(rc));
        bs_test_server_said(s);
        abort();
    }
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    r.body = out.data;
    r.headers = head.data;
    return r;
}

bs_test_response
bs_test_http_from(const bs_test_server *s, const char *from, const char *method, const char *path,
                  const char *api_key, const char *body)
{
    return perform(s, from, method, path, api_key, "application/json", body,
                   body != NULL ? strlen(body) : 0, NULL, true);
}

bs_test_response
bs_test_http_with(const bs_test_server *s, const char *method, const char *path,
                  const char *api_key, const char *body, const char *const *more, bool must_answer)
{
    return perform(s, NULL, method, path, api_key, "application/json", body,
                   body != NULL ? strlen(body) : 0, more, must_answer);
}

bs_test_response
bs_test_http_body(const bs_test_server *s, const char *method, const char *path,
                  const char *content_type, const char *body, size_t body_len,
                  const char *const *headers)
{
    return perform(s, NULL, method, path, NULL, content_type, body, body_len, headers, true);
}

bs_test_response
bs_test_http_form(const bs_test_server *s, const char *path, const char *api_key,
                  const char *const *fields, const char *file_field, const char *file_path)
{
    bs_test_response r = {0, NULL, NULL};
    buffer out = {calloc(1, 1), 0}, head = {calloc(1, 1), 0};
    struct curl_slist *headers = NULL;
    char url[4200], auth[256];
    CURL *curl = curl_easy_init();
    curl_mime *mime;
    curl_mimepart *part;
    CURLcode rc;

    if (curl == NULL || out.data == NULL || head.data == NULL)
        abort();
    mime = curl_mime_init(curl);
    for (size_t i = 0; fields != NULL && fields[i] != NULL; i += 2) {
        part = curl_mime_addpart(mime);
        curl_mime_name(part, fields[i]);
        curl_mime_data(part, fields[i + 1], CURL_ZERO_TERMINATED);
    }
    if (file_field != NULL) {
        part = curl_mime_addpart(mime);
        curl_mime_name(part, file_field);
        curl_mime_filedata(part, file_path);
    }
    snprintf(url, sizeof(url), "%s%s", s->base, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_MIMEPOST, mime);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
    if (api_key != NULL) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", api_key);
        headers = curl_slist_append(headers, auth);
    }
    headers = curl_slist_append(headers, "Expect:"); /* send the body at once */
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        fprintf(stderr, "POST %s: %s\n", url, curl_easy_strerror(rc));
        bs_test_server_said(s);
        abort();
    }
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
    curl_slist_free_all(headers);
    curl_mime_free(mime);
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

void
bs_test_site_open(bs_test_site *s, const char *name, const char *const *env)
{
    snprintf(s->url, sizeof(s->url), "lmdb:%s/%s", bs_test_tmpdir(), name);
    free(bs_test_site_run(s, 0, (const char *const[]){"init", NULL}));
    bs_test_server_start(&s->server, s->url, env);
}

char *
bs_test_site_close(bs_test_site *s)
{
    bs_test_output r = bs_test_server_stop(&s->server);

    if (r.exit_code != 0)
        print_message("serve exited %d: %s", r.exit_code, r.err);
    assert_int_equal(r.exit_code, 0);
    assert_non_null(strstr(r.err, "bitslot: stopped\n"));
    free(r.out);
    return r.err;
}

char *
bs_test_site_run(const bs_test_site *s, int want_exit, const char *const *args)
{
    const char *argv[32] = {"--store", s->url};
    size_t n = 2;
    bs_test_output r;

    for (size_t i = 0; args[i] != NULL && n < 31; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    r = bs_test_run(argv, NULL, NULL);
    if (r.exit_code != want_exit)
        print_message("bitslot %s: exit %d, want %d: %s\n", args[0], r.exit_code, want_exit, r.err);
    assert_int_equal(r.exit_code, want_exit);
    free(r.err);
    return r.out;
}

char *
bs_test_site_dump(const bs_test_site *s)
{
    return bs_test_site_run(s, 0, (const char *const[]){"dump", NULL});
}

void
bs_test_expect(const bs_test_site *s, const char *method, const char *path, const char *key,
               const char *body, long status, const char *answer)
{
    bs_test_response r = bs_test_http(&s->server, method, path, key, body);

    if (r.status != status || strcmp(r.body, answer) != 0)
        print_message("%s %s: want %ld %s\n got %ld %s\n", method, path, status, answer, r.status,
                      r.body);
    assert_int_equal(r.status, status);
    assert_string_equal(r.body, answer);
    bs_test_response_release(&r);
}

void
bs_test_refused(const bs_test_site *s, const char *method, const char *path, const char *key,
                const char *body, long status, const char *answer)
{
    char *before = bs_test_site_dump(s), *after;

    bs_test_expect(s, method, path, key, body, status, answer);
    after = bs_test_site_dump(s);
    assert_string_equal(after, before);
    free(before);
    free(after);
}

void
bs_test_register(const bs_test_site *s, const char *name, char *key)
{
    char body[256];
    const char *at;
    bs_test_response r;

    snprintf(body, sizeof(body), "{\"name\":\"%s\",\"password\":\"password1\"}", name);
    r = bs_test_http(&s->server, "POST", "/api/v1/accounts", NULL, body);
    assert_int_equal(r.status, 201);
    at = strstr(r.body, "\"api_key\":\"");
    assert_non_null(at);
    memcpy(key, at + 11, 64);
    key[64] = '\0';
    assert_int_equal(strspn(key, "0123456789abcdef"), 64);
    bs_test_response_release(&r);
}

void
bs_test_write_png(const char *path, int width, int height)
{
    gdImagePtr im = gdImageCreateTrueColor(width, height);
    void *png;
    int size = 0;
    FILE *f;

    assert_non_null(im);
    gdImageFilledRectangle(im, 0, 0, width - 1, height - 1, gdTrueColor(0x20, 0x80, 0xe0));
    gdImageFilledRectangle(im, 2, 2, width / 2, height / 2, gdTrueColor(0xff, 0xd0, 0x00));
    png = gdImagePngPtr(im, &size);
    gdImageDestroy(im);
    assert_non_null(png);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(png, 1, (size_t)size, f), (size_t)size);
    assert_int_equal(fclose(f), 0);
    gdFree(png);
}
