/*
 * test_sessions.c — web sessions (core/sessions.h, model/session.h) and
 * the attempt throttle (core/throttle.h, model/throttle.h), on a real LMDB
 * store, each case on an empty one with a clock the test moves:
 *   - a session is created, found and removed; removing one that is not
 *     there is fine; the store holds it under session/<SHA-256 of the id>
 *     and the id appears nowhere in the store;
 *   - wrong, malformed, idle (> 30 min) and old (> 12 h) ids are
 *     BS_NOTFOUND, and an expired session is removed when found or swept;
 *   - `seen` is written at most once a minute, counted by the store's
 *     write metric and the document's CAS;
 *   - the CSRF token is compared exactly (length, case, every character);
 *   - a flash is shown once, also to two threads taking it at once;
 *   - the throttle refuses the attempt after `limit` in one window, with
 *     the seconds left, allows again when the window ends, and counts
 *     every attempt of two threads counting at once;
 *   - `bitslot check` and `bitslot dump` are content with session and
 *     throttle documents, also a session naming no account.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/check.h"
#include "core/credit.h"
#include "core/sessions.h"
#include "core/throttle.h"
#include "core/words.h"
#include "testutil.h"
#include "util/metrics.h"

#define T0       INT64_C(1700000000)
#define URL_SIZE 4200
#define API_KEY  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

typedef struct fixture {
    char url[URL_SIZE];
    int64_t now;
    bs_ctx ctx;
} fixture;

static void
fixture_open(fixture *f)
{
    bs_store *store;

    memset(f, 0, sizeof(*f));
    bs_test_empty_store(f->url, sizeof(f->url));
    assert_int_equal(bs_store_open(f->url, &store), BS_OK);
    bs_ctx_init(&f->ctx, store);
    f->now = T0;
    f->ctx.clock = bs_clock_fixed(&f->now);
}

static void
fixture_close(fixture *f)
{
    bs_store_close(f->ctx.store);
}

/* The lowercase hex of the SHA-256 of `text`, computed here from the rule
 * and not by the code under test. */
static void
sha256_hex(const char *text, char out[65])
{
    unsigned char digest[32];

    crypto_hash_sha256(digest, (const unsigned char *)text, strlen(text));
    sodium_bin2hex(out, 65, digest, sizeof(digest));
}

static void
session_key(const char *id, char key[BS_KEY_BUF])
{
    char hex[65];

    sha256_hex(id, hex);
    snprintf(key, BS_KEY_BUF, "session/%s", hex);
}

static void
create(fixture *f, const char *canon, char id[BS_SESSION_ID_LEN + 1], bs_session *s)
{
    assert_int_equal(bs_sessions_create(&f->ctx, canon, id, s), BS_OK);
    assert_int_equal(strlen(id), BS_SESSION_ID_LEN);
}

/* How many documents there are under `prefix`. */
static size_t
count_docs(fixture *f, const char *prefix)
{
    bs_store_page page;
    size_t n;

    assert_int_equal(bs_store_scan(f->ctx.store, prefix, NULL, BS_STORE_SCAN_MAX, &page), BS_OK);
    assert_false(page.more);
    n = page.count;
    bs_store_page_release(&page);
    return n;
}

static bs_cas
cas_of(fixture *f, const char *key)
{
    char *text;
    bs_cas cas;

    assert_int_equal(bs_store_get(f->ctx.store, key, &text, NULL, &cas), BS_OK);
    free(text);
    return cas;
}

static void
assert_not_found(fixture *f, const char *id)
{
    bs_session s;

    if (bs_sessions_find(&f->ctx, id, &s) != BS_NOTFOUND)
        fail_msg("session id \"%s\" was found", id ? id : "(null)");
}

/* ---- sessions ---- */

static void
test_sessions_create_find_remove(void **state)
{
    char id[BS_SESSION_ID_LEN + 1];
    bs_session made, found;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", id, &made);
    assert_string_equal(made.account, "alice");
    assert_int_equal(strlen(made.csrf), 64);
    assert_int_equal(made.created, T0);
    assert_int_equal(made.seen, T0);
    assert_string_equal(made.notice, "");
    assert_string_equal(made.api_key, "");

    assert_int_equal(bs_sessions_find(&f.ctx, id, &found), BS_OK);
    assert_string_equal(found.account, "alice");
    assert_string_equal(found.csrf, made.csrf);
    assert_int_equal(found.created, T0);

    /* A second session of the same account is another id and token. */
    {
        char id2[BS_SESSION_ID_LEN + 1];
        bs_session other;
        create(&f, "alice", id2, &other);
        assert_string_not_equal(id2, id);
        assert_string_not_equal(other.csrf, made.csrf);
        assert_int_equal(count_docs(&f, "session/"), 2);
        assert_int_equal(bs_sessions_remove(&f.ctx, id2), BS_OK);
    }

    assert_int_equal(bs_sessions_remove(&f.ctx, id), BS_OK);
    assert_not_found(&f, id);
    assert_int_equal(count_docs(&f, "session/"), 0);
    assert_int_equal(bs_sessions_remove(&f.ctx, id), BS_OK); /* logout twice */
    assert_int_equal(bs_sessions_remove(&f.ctx, "nonsense"), BS_OK);
    assert_int_equal(bs_sessions_remove(&f.ctx, NULL), BS_OK);

    /* Only canonical names of accounts. */
    memset(id, 'x', sizeof(id));
    assert_int_equal(bs_sessions_create(&f.ctx, "Alice", id, &made), BS_INVALID);
    assert_string_equal(id, "");
    assert_int_equal(bs_sessions_create(&f.ctx, "al/ice", id, &made), BS_INVALID);
    assert_int_equal(bs_sessions_create(&f.ctx, "", id, &made), BS_INVALID);
    assert_int_equal(count_docs(&f, ""), 0);
    fixture_close(&f);
}

static void
test_sessions_store_holds_only_the_hash(void **state)
{
    char id[BS_SESSION_ID_LEN + 1], key[BS_KEY_BUF];
    bs_store_page page;
    bs_session s;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "bob", id, &s);
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "welcome", API_KEY), BS_OK);
    session_key(id, key);

    assert_int_equal(bs_store_scan(f.ctx.store, "", NULL, BS_STORE_SCAN_MAX, &page), BS_OK);
    assert_int_equal(page.count, 1);
    assert_string_equal(page.docs[0].key, key);
    for (size_t i = 0; i < page.count; i++) {
        if (strstr(page.docs[i].key, id) != NULL || strstr(page.docs[i].value, id) != NULL)
            fail_msg("the session id is in the store: %s %s", page.docs[i].key, page.docs[i].value);
        /* What is stored is the session. */
        assert_non_null(strstr(page.docs[i].value, "\"account\":\"bob\""));
        assert_non_null(strstr(page.docs[i].value, s.csrf));
    }
    bs_store_page_release(&page);
    fixture_close(&f);
}

static void
test_sessions_find_refuses_wrong_ids(void **state)
{
    char id[BS_SESSION_ID_LEN + 1], changed[BS_SESSION_ID_LEN + 2];
    bs_session s;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", id, &s);

    memcpy(changed, id, sizeof(id));
    changed[BS_SESSION_ID_LEN - 1] = changed[BS_SESSION_ID_LEN - 1] == '0' ? '1' : '0';
    assert_not_found(&f, changed); /* well formed, no session */
    assert_int_equal(bs_sessions_remove(&f.ctx, changed), BS_OK);
    assert_not_found(&f, "0000000000000000000000000000000000000000000000000000000000000000");

    memcpy(changed, id, sizeof(id));
    changed[BS_SESSION_ID_LEN - 1] = '\0';
    assert_not_found(&f, changed); /* 63 characters */
    memcpy(changed, id, BS_SESSION_ID_LEN);
    memcpy(changed + BS_SESSION_ID_LEN, "0", 2);
    assert_not_found(&f, changed); /* 65 characters */
    for (size_t i = 0; i < BS_SESSION_ID_LEN; i++)
        changed[i] = (char)(id[i] >= 'a' && id[i] <= 'f' ? id[i] - 'a' + 'A' : id[i]);
    changed[BS_SESSION_ID_LEN] = '\0';
    assert_string_not_equal(changed, id); /* 32 random bytes hold a letter */
    assert_not_found(&f, changed);        /* upper case */
    memcpy(changed, id, sizeof(id));
    changed[0] = 'g';
    assert_not_found(&f, changed);
    assert_not_found(&f, "");
    assert_not_found(&f, NULL);

    /* None of that touched the session. */
    assert_int_equal(bs_sessions_find(&f.ctx, id, &s), BS_OK);
    assert_string_equal(s.account, "alice");
    fixture_close(&f);
}

static void
test_sessions_idle_expiry(void **state)
{
    char id[BS_SESSION_ID_LEN + 1], key[BS_KEY_BUF];
    bs_session s;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", id, &s);
    session_key(id, key);
    f.now = T0 + BS_SESSION_IDLE_SECONDS; /* idle exactly 30 minutes: still on */
    assert_int_equal(bs_sessions_find(&f.ctx, id, &s), BS_OK);
    assert_int_equal(s.seen, T0 + BS_SESSION_IDLE_SECONDS);

    f.now += BS_SESSION_IDLE_SECONDS + 1; /* idle one second longer */
    assert_int_equal(bs_sessions_find(&f.ctx, id, &s), BS_NOTFOUND);
    assert_string_equal(s.account, ""); /* nothing of it is handed out */
    assert_string_equal(s.csrf, "");
    assert_int_equal(count_docs(&f, "session/"), 0); /* removed */
    f.now -= BS_SESSION_IDLE_SECONDS + 1;            /* even going back does not bring it */
    assert_not_found(&f, id);
    fixture_close(&f);
}

static void
test_sessions_absolute_expiry(void **state)
{
    char id[BS_SESSION_ID_LEN + 1];
    bs_session s;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", id, &s);
    /* Busy all the time: a request every 20 minutes. */
    for (f.now = T0; f.now <= T0 + BS_SESSION_MAX_SECONDS; f.now += 1200) {
        if (bs_sessions_find(&f.ctx, id, &s) != BS_OK)
            fail_msg("busy session gone at %lld s", (long long)(f.now - T0));
    }
    f.now = T0 + BS_SESSION_MAX_SECONDS;
    assert_int_equal(bs_sessions_find(&f.ctx, id, &s), BS_OK); /* 12 h exactly */
    f.now = T0 + BS_SESSION_MAX_SECONDS + 1;
    assert_not_found(&f, id);
    assert_int_equal(count_docs(&f, "session/"), 0);
    fixture_close(&f);
}

static void
test_sessions_seen_written_at_most_once_a_minute(void **state)
{
    char id[BS_SESSION_ID_LEN + 1], key[BS_KEY_BUF];
    int64_t writes;
    bs_session s;
    bs_cas cas;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", id, &s);
    session_key(id, key);
    cas = cas_of(&f, key);
    writes = bs_metric_get(BS_METRIC_STORE_WRITES);

    /* A minute of requests, many a second: no write. */
    for (f.now = T0; f.now <= T0 + 60; f.now += 15)
        for (int i = 0; i < 20; i++) {
            assert_int_equal(bs_sessions_find(&f.ctx, id, &s), BS_OK);
            assert_int_equal(s.seen, T0);
        }
    assert_int_equal(bs_metric_get(BS_METRIC_STORE_WRITES) - writes, 0);
    assert_true(cas_of(&f, key) == cas);

    /* 61 s: one write, then none for the next minute. */
    f.now = T0 + 61;
    for (int i = 0; i < 20; i++) {
        assert_int_equal(bs_sessions_find(&f.ctx, id, &s), BS_OK);
        assert_int_equal(s.seen, T0 + 61);
    }
    assert_int_equal(bs_metric_get(BS_METRIC_STORE_WRITES) - writes, 1);
    assert_true(cas_of(&f, key) != cas);
    cas = cas_of(&f, key);
    f.now = T0 + 121;
    assert_int_equal(bs_sessions_find(&f.ctx, id, &s), BS_OK);
    assert_int_equal(s.seen, T0 + 61);
    assert_true(cas_of(&f, key) == cas);
    f.now = T0 + 122;
    assert_int_equal(bs_sessions_find(&f.ctx, id, &s), BS_OK);
    assert_int_equal(s.seen, T0 + 122);
    assert_int_equal(bs_metric_get(BS_METRIC_STORE_WRITES) - writes, 2);
    assert_int_equal(s.created, T0);
    fixture_close(&f);
}

static void
test_sessions_csrf_compare(void **state)
{
    char id[BS_SESSION_ID_LEN + 1], id2[BS_SESSION_ID_LEN + 1], token[BS_SESSION_CSRF_LEN + 2];
    bs_session s, other;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", id, &s);
    create(&f, "bob", id2, &other);
    assert_true(bs_sessions_csrf_ok(&s, s.csrf));
    assert_false(bs_sessions_csrf_ok(&s, other.csrf));
    for (size_t i = 0; i < BS_SESSION_CSRF_LEN; i += 7) {
        memcpy(token, s.csrf, BS_SESSION_CSRF_LEN + 1);
        token[i] = token[i] == 'a' ? 'b' : 'a';
        if (bs_sessions_csrf_ok(&s, token))
            fail_msg("token changed at %zu accepted", i);
    }
    memcpy(token, s.csrf, BS_SESSION_CSRF_LEN + 1);
    token[BS_SESSION_CSRF_LEN - 1] = '\0';
    assert_false(bs_sessions_csrf_ok(&s, token)); /* a prefix */
    memcpy(token, s.csrf, BS_SESSION_CSRF_LEN);
    memcpy(token + BS_SESSION_CSRF_LEN, "0", 2);
    assert_false(bs_sessions_csrf_ok(&s, token)); /* longer */
    for (size_t i = 0; i < BS_SESSION_CSRF_LEN; i++)
        token[i] = (char)(s.csrf[i] >= 'a' && s.csrf[i] <= 'f' ? s.csrf[i] - 'a' + 'A' : s.csrf[i]);
    token[BS_SESSION_CSRF_LEN] = '\0';
    assert_string_not_equal(token, s.csrf);
    assert_false(bs_sessions_csrf_ok(&s, token)); /* upper case */
    assert_false(bs_sessions_csrf_ok(&s, ""));
    assert_false(bs_sessions_csrf_ok(&s, NULL));
    /* The token the store gives back is the one made. */
    assert_int_equal(bs_sessions_find(&f.ctx, id, &other), BS_OK);
    assert_true(bs_sessions_csrf_ok(&other, s.csrf));
    fixture_close(&f);
}

static void
take(fixture *f, const char *id, const char *notice, const char *api_key)
{
    char n[BS_SESSION_NOTICE_MAX + 1], k[BS_SESSION_KEY_LEN + 1];

    assert_int_equal(bs_sessions_take_flash(&f->ctx, id, n, k), BS_OK);
    assert_string_equal(n, notice);
    assert_string_equal(k, api_key);
}

static void
test_sessions_flash_shown_once(void **state)
{
    char id[BS_SESSION_ID_LEN + 1], key[BS_KEY_BUF], notice[BS_SESSION_NOTICE_MAX + 2], *text;
    char n[BS_SESSION_NOTICE_MAX + 1], k[BS_SESSION_KEY_LEN + 1];
    bs_session s;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", id, &s);
    session_key(id, key);
    take(&f, id, "", ""); /* none yet */

    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "account \"alice\" created", API_KEY),
                     BS_OK);
    take(&f, id, "account \"alice\" created", API_KEY);
    take(&f, id, "", "");
    assert_int_equal(bs_store_get(f.ctx.store, key, &text, NULL, NULL), BS_OK);
    assert_null(strstr(text, API_KEY)); /* the key is gone from the store */
    assert_null(strstr(text, "notice"));
    free(text);

    /* A notice alone; a later flash replaces one not taken. */
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "first", NULL), BS_OK);
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "campaign bob/0 created", ""), BS_OK);
    take(&f, id, "campaign bob/0 created", "");
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, NULL, API_KEY), BS_OK);
    take(&f, id, "", API_KEY);

    /* 512 bytes is the most. */
    memset(notice, 'n', BS_SESSION_NOTICE_MAX);
    notice[BS_SESSION_NOTICE_MAX] = '\0';
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, notice, NULL), BS_OK);
    take(&f, id, notice, "");

    /* Bad flashes change nothing. */
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "kept", NULL), BS_OK);
    memset(notice, 'n', BS_SESSION_NOTICE_MAX + 1);
    notice[BS_SESSION_NOTICE_MAX + 1] = '\0';
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, notice, NULL), BS_INVALID);
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "bell\a", NULL), BS_INVALID);
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "\xff", NULL), BS_INVALID);
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, NULL, "0011"), BS_INVALID);
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, NULL,
                                           "00112233445566778899AABBCCDDEEFF"
                                           "00112233445566778899AABBCCDDEEFF"),
                     BS_INVALID);
    take(&f, id, "kept", "");

    /* No session, no flash. */
    assert_int_equal(bs_sessions_set_flash(&f.ctx, "0000", "x", NULL), BS_NOTFOUND);
    assert_int_equal(bs_sessions_set_flash(&f.ctx, API_KEY, "x", NULL), BS_NOTFOUND);
    memcpy(n, "untouched", 10);
    memcpy(k, "untouched", 10);
    assert_int_equal(bs_sessions_take_flash(&f.ctx, API_KEY, n, k), BS_NOTFOUND);
    assert_string_equal(n, "");
    assert_string_equal(k, "");
    /* An expired session's flash is not shown. */
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "late", NULL), BS_OK);
    f.now += BS_SESSION_IDLE_SECONDS + 1;
    assert_int_equal(bs_sessions_take_flash(&f.ctx, id, n, k), BS_NOTFOUND);
    assert_string_equal(n, "");
    fixture_close(&f);
}

typedef struct taker {
    fixture *f;
    const char *id;
    pthread_barrier_t *start;
    bs_status st;
    char notice[BS_SESSION_NOTICE_MAX + 1];
    char api_key[BS_SESSION_KEY_LEN + 1];
} taker;

static void *
take_at_once(void *arg)
{
    taker *t = arg;

    pthread_barrier_wait(t->start);
    t->st = bs_sessions_take_flash(&t->f->ctx, t->id, t->notice, t->api_key);
    return NULL;
}

static void
test_sessions_flash_two_takers_one_gets_it(void **state)
{
    char id[BS_SESSION_ID_LEN + 1];
    pthread_barrier_t start;
    bs_session s;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", id, &s);
    for (int round = 0; round < 40; round++) {
        taker t[2];
        pthread_t tid[2];
        int got = 0;

        assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "shown once", API_KEY), BS_OK);
        assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
        for (int i = 0; i < 2; i++) {
            t[i] = (taker){.f = &f, .id = id, .start = &start};
            assert_int_equal(pthread_create(&tid[i], NULL, take_at_once, &t[i]), 0);
        }
        for (int i = 0; i < 2; i++)
            pthread_join(tid[i], NULL);
        pthread_barrier_destroy(&start);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(t[i].st, BS_OK);
            if (t[i].notice[0] != '\0') {
                assert_string_equal(t[i].notice, "shown once");
                assert_string_equal(t[i].api_key, API_KEY);
                got++;
            } else {
                assert_string_equal(t[i].api_key, "");
            }
        }
        if (got != 1)
            fail_msg("round %d: the flash was shown %d times", round, got);
    }
    take(&f, id, "", "");
    fixture_close(&f);
}

static void
test_sessions_sweep_removes_expired(void **state)
{
    char idle[BS_SESSION_ID_LEN + 1], busy[BS_SESSION_ID_LEN + 1], old[BS_SESSION_ID_LEN + 1];
    size_t removed = 99, damaged = 99;
    bs_session s;
    fixture f;

    (void)state;
    fixture_open(&f);
    create(&f, "alice", old, &s);
    for (; f.now < T0 + BS_SESSION_MAX_SECONDS; f.now += 1200) {
        if (f.now == T0 + 40800)
            create(&f, "bob", idle, &s);
        if (f.now == T0 + 42000)
            create(&f, "carol", busy, &s);
        assert_int_equal(bs_sessions_find(&f.ctx, old, &s), BS_OK);
        if (f.now >= T0 + 42000)
            assert_int_equal(bs_sessions_find(&f.ctx, busy, &s), BS_OK);
    }
    /* old: past 12 h, though seen 1400 s ago; idle: idle 2600 s; busy: seen 1400 s ago. */
    f.now = T0 + BS_SESSION_MAX_SECONDS + 200;
    assert_int_equal(bs_sessions_sweep(&f.ctx, &removed, &damaged), BS_OK);
    assert_int_equal(removed, 2);
    assert_int_equal(damaged, 0);
    assert_int_equal(count_docs(&f, "session/"), 1);
    assert_int_equal(bs_sessions_find(&f.ctx, busy, &s), BS_OK);
    assert_string_equal(s.account, "carol");
    assert_int_equal(bs_sessions_sweep(&f.ctx, &removed, NULL), BS_OK);
    assert_int_equal(removed, 0);
    fixture_close(&f);
}

/* ---- throttle ---- */

static void
throttle_key(const char *kind, const char *subject, char key[BS_KEY_BUF])
{
    char hex[65];

    sha256_hex(subject, hex);
    snprintf(key, BS_KEY_BUF, "throttle/%s/%s", kind, hex);
}

/* The window stored for kind and subject, read with the model's decoder. */
static bs_throttle_window
window_of(fixture *f, const char *kind, const char *subject)
{
    char key[BS_KEY_BUF], *text;
    bs_throttle_window w;
    size_t len;

    throttle_key(kind, subject, key);
    assert_int_equal(bs_store_get(f->ctx.store, key, &text, &len, NULL), BS_OK);
    assert_int_equal(bs_throttle_decode(text, len, &w), BS_OK);
    free(text);
    return w;
}

static bs_status
check_login(fixture *f, const char *subject, int64_t *retry_after)
{
    return bs_throttle_check(&f->ctx, BS_THROTTLE_LOGIN_ACCOUNT, subject, BS_THROTTLE_LIMIT,
                             BS_THROTTLE_WINDOW, retry_after);
}

static void
test_throttle_refuses_the_eleventh_attempt(void **state)
{
    int64_t retry_after = -1;
    bs_throttle_window w;
    bs_said said;
    fixture f;

    (void)state;
    fixture_open(&f);
    /* Ten wrong passwords, a second apart: each allowed before it. */
    for (int i = 0; i < BS_THROTTLE_LIMIT; i++) {
        f.now = T0 + i;
        assert_int_equal(check_login(&f, "alice", &retry_after), BS_OK);
        assert_int_equal(retry_after, 0);
        assert_int_equal(
            bs_throttle_count(&f.ctx, BS_THROTTLE_LOGIN_ACCOUNT, "alice", BS_THROTTLE_WINDOW),
            BS_OK);
    }
    w = window_of(&f, BS_THROTTLE_LOGIN_ACCOUNT, "alice");
    assert_int_equal(w.start, T0);
    assert_int_equal(w.count, 10);

    /* The eleventh, 9 s after the first: refused for 51 s. */
    assert_int_equal(check_login(&f, "alice", &retry_after), BS_THROTTLED);
    assert_int_equal(retry_after, 51);
    bs_say_throttled(retry_after, &said);
    assert_string_equal(said.text, "too many attempts, try again in 51 s");
    assert_int_equal(said.http, 429);
    assert_string_equal(said.code, "too_many_attempts");
    f.now = T0 + 59;
    assert_int_equal(check_login(&f, "alice", &retry_after), BS_THROTTLED);
    assert_int_equal(retry_after, 1);

    /* Other subjects and kinds are their own. */
    assert_int_equal(check_login(&f, "bob", &retry_after), BS_OK);
    assert_int_equal(bs_throttle_check(&f.ctx, BS_THROTTLE_LOGIN_IP, "alice", BS_THROTTLE_LIMIT,
                                       BS_THROTTLE_WINDOW, &retry_after),
                     BS_OK);
    /* A higher limit is not reached. */
    assert_int_equal(bs_throttle_check(&f.ctx, BS_THROTTLE_LOGIN_ACCOUNT, "alice", 11,
                                       BS_THROTTLE_WINDOW, &retry_after),
                     BS_OK);

    /* The window ends: allowed, and the next count starts a new one. */
    f.now = T0 + 60;
    assert_int_equal(check_login(&f, "alice", &retry_after), BS_OK);
    assert_int_equal(retry_after, 0);
    assert_int_equal(
        bs_throttle_count(&f.ctx, BS_THROTTLE_LOGIN_ACCOUNT, "alice", BS_THROTTLE_WINDOW), BS_OK);
    w = window_of(&f, BS_THROTTLE_LOGIN_ACCOUNT, "alice");
    assert_int_equal(w.start, T0 + 60);
    assert_int_equal(w.count, 1);
    assert_int_equal(check_login(&f, "alice", &retry_after), BS_OK);

    /* A window a clock ahead began "later": refused for at most the window. */
    f.now = T0 + 30;
    for (int i = 0; i < 9; i++)
        assert_int_equal(
            bs_throttle_count(&f.ctx, BS_THROTTLE_LOGIN_ACCOUNT, "alice", BS_THROTTLE_WINDOW),
            BS_OK);
    assert_int_equal(check_login(&f, "alice", &retry_after), BS_THROTTLED);
    assert_int_equal(retry_after, 60);
    fixture_close(&f);
}

static void
test_throttle_stores_only_a_hash(void **state)
{
    char key[BS_KEY_BUF];
    bs_store_page page;
    fixture f;

    (void)state;
    fixture_open(&f);
    assert_int_equal(bs_throttle_count(&f.ctx, BS_THROTTLE_REGISTER_IP, "192.0.2.7", 60), BS_OK);
    throttle_key("register-ip", "192.0.2.7", key);
    assert_int_equal(bs_store_scan(f.ctx.store, "", NULL, BS_STORE_SCAN_MAX, &page), BS_OK);
    assert_int_equal(page.count, 1);
    assert_string_equal(page.docs[0].key, key);
    assert_null(strstr(page.docs[0].value, "192.0.2.7"));
    bs_store_page_release(&page);
    fixture_close(&f);
}

static void
test_throttle_refuses_bad_arguments(void **state)
{
    static const char *const kinds[] = {
        "", "Login", "login ip", "a/b", "login_ip", "0123456789abcdef0123456789abcdef0", NULL};
    char subject[BS_THROTTLE_SUBJECT_MAX + 2];
    int64_t retry_after;
    fixture f;

    (void)state;
    fixture_open(&f);
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (bs_throttle_count(&f.ctx, kinds[i], "x", 60) != BS_INVALID ||
            bs_throttle_check(&f.ctx, kinds[i], "x", 10, 60, &retry_after) != BS_INVALID)
            fail_msg("kind \"%s\" accepted", kinds[i] ? kinds[i] : "(null)");
    }
    memset(subject, 's', BS_THROTTLE_SUBJECT_MAX + 1);
    subject[BS_THROTTLE_SUBJECT_MAX + 1] = '\0';
    assert_int_equal(bs_throttle_count(&f.ctx, "k", subject, 60), BS_INVALID);
    assert_int_equal(bs_throttle_count(&f.ctx, "k", "", 60), BS_INVALID);
    assert_int_equal(bs_throttle_count(&f.ctx, "k", NULL, 60), BS_INVALID);
    assert_int_equal(bs_throttle_count(&f.ctx, "k", "x", 0), BS_INVALID);
    assert_int_equal(bs_throttle_count(&f.ctx, "k", "x", BS_THROTTLE_WINDOW_MAX + 1), BS_INVALID);
    assert_int_equal(bs_throttle_check(&f.ctx, "k", "x", 0, 60, &retry_after), BS_INVALID);
    assert_int_equal(count_docs(&f, ""), 0); /* nothing written */
    /* The longest kind and subject are fine. */
    subject[BS_THROTTLE_SUBJECT_MAX] = '\0';
    assert_int_equal(bs_throttle_count(&f.ctx, "0123456789abcdef0123456789abcdef", subject, 60),
                     BS_OK);
    fixture_close(&f);
}

typedef struct counter {
    fixture *f;
    pthread_barrier_t *start;
    int failures;
} counter;

static void *
count_fifty(void *arg)
{
    counter *c = arg;

    pthread_barrier_wait(c->start);
    for (int i = 0; i < 50; i++)
        if (bs_throttle_count(&c->f->ctx, BS_THROTTLE_LOGIN_IP, "198.51.100.1", 3600) != BS_OK)
            c->failures++;
    return NULL;
}

static void
test_throttle_two_counters_at_once_both_count(void **state)
{
    pthread_barrier_t start;
    pthread_t tid[2];
    counter c[2];
    fixture f;

    (void)state;
    fixture_open(&f);
    assert_int_equal(pthread_barrier_init(&start, NULL, 2), 0);
    for (int i = 0; i < 2; i++) {
        c[i] = (counter){.f = &f, .start = &start};
        assert_int_equal(pthread_create(&tid[i], NULL, count_fifty, &c[i]), 0);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(tid[i], NULL);
    pthread_barrier_destroy(&start);
    assert_int_equal(c[0].failures + c[1].failures, 0);
    assert_int_equal(window_of(&f, BS_THROTTLE_LOGIN_IP, "198.51.100.1").count, 100);
    fixture_close(&f);
}

static void
test_throttle_sweep_removes_old_windows(void **state)
{
    size_t removed = 99;
    fixture f;

    (void)state;
    fixture_open(&f);
    assert_int_equal(bs_throttle_count(&f.ctx, "login-ip", "a", 60), BS_OK);
    f.now = T0 + 1000;
    assert_int_equal(bs_throttle_count(&f.ctx, "login-ip", "b", 60), BS_OK);
    f.now = T0 + 3601;
    assert_int_equal(bs_throttle_sweep(&f.ctx, 3600, &removed), BS_OK);
    assert_int_equal(removed, 1);
    assert_int_equal(count_docs(&f, "throttle/"), 1);
    assert_int_equal(window_of(&f, "login-ip", "b").count, 1);
    assert_int_equal(bs_throttle_sweep(&f.ctx, 0, &removed), BS_INVALID);
    fixture_close(&f);
}

/* ---- the rest of bitslot ---- */

static void
collect(void *arg, bool unfinished, const char *line)
{
    char *text = arg;
    size_t n = strlen(text);

    snprintf(text + n, 4096 - n, "%s: %s\n", unfinished ? "unfinished" : "violation", line);
}

static void
test_sessions_check_and_dump_are_content(void **state)
{
    char id[BS_SESSION_ID_LEN + 1], ghost[BS_SESSION_ID_LEN + 1], store_env[URL_SIZE + 32];
    char findings[4096] = "";
    bs_check_summary sum;
    bs_test_output out;
    bs_session s;
    fixture f;

    (void)state;
    fixture_open(&f);
    assert_int_equal(bs_credit_ensure_operator(&f.ctx), BS_OK);
    create(&f, "operator", id, &s);
    assert_int_equal(bs_sessions_set_flash(&f.ctx, id, "hello", API_KEY), BS_OK);
    create(&f, "ghost", ghost, &s); /* names no account */
    assert_int_equal(bs_throttle_count(&f.ctx, "login-ip", "::1", 60), BS_OK);
    assert_int_equal(bs_throttle_count(&f.ctx, "login-account", "ghost", 60), BS_OK);

    assert_int_equal(bs_check_run(&f.ctx, collect, findings, &sum), BS_OK);
    assert_string_equal(findings, "");
    assert_int_equal(sum.violations, 0);
    assert_int_equal(sum.unfinished, 0);

    snprintf(store_env, sizeof(store_env), "BITSLOT_STORE=%s", f.url);
    out = bs_test_run((const char *const[]){"check", NULL}, (const char *const[]){store_env, NULL},
                      NULL);
    if (out.exit_code != 0)
        fail_msg("check: %d\n%s%s", out.exit_code, out.out, out.err);
    bs_test_output_release(&out);
    out = bs_test_run((const char *const[]){"dump", NULL}, (const char *const[]){store_env, NULL},
                      NULL);
    assert_int_equal(out.exit_code, 0);
    assert_string_equal(out.err, "");
    assert_non_null(strstr(out.out, "{\"key\":\"session/"));
    assert_non_null(strstr(out.out, "{\"key\":\"throttle/login-ip/"));
    assert_non_null(strstr(out.out, "\"account\":\"ghost\""));
    assert_null(strstr(out.out, ghost));
    bs_test_output_release(&out);
    fixture_close(&f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sessions_create_find_remove),
        cmocka_unit_test(test_sessions_store_holds_only_the_hash),
        cmocka_unit_test(test_sessions_find_refuses_wrong_ids),
        cmocka_unit_test(test_sessions_idle_expiry),
        cmocka_unit_test(test_sessions_absolute_expiry),
        cmocka_unit_test(test_sessions_seen_written_at_most_once_a_minute),
        cmocka_unit_test(test_sessions_csrf_compare),
        cmocka_unit_test(test_sessions_flash_shown_once),
        cmocka_unit_test(test_sessions_flash_two_takers_one_gets_it),
        cmocka_unit_test(test_sessions_sweep_removes_expired),
        cmocka_unit_test(test_throttle_refuses_the_eleventh_attempt),
        cmocka_unit_test(test_throttle_stores_only_a_hash),
        cmocka_unit_test(test_throttle_refuses_bad_arguments),
        cmocka_unit_test(test_throttle_two_counters_at_once_both_count),
        cmocka_unit_test(test_throttle_sweep_removes_old_windows),
        cmocka_unit_test(test_sessions_check_and_dump_are_content),
    };

    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
