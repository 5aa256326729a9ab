/*
 * store_lmdb.c — the embedded store backend: one LMDB environment in a
 * directory ("lmdb:PATH").
 *
 * Layout: two named databases.
 *   "doc"  key → [8-byte big-endian CAS][value bytes]
 *   "meta" "format" → "1"; "cas" → the last CAS handed out (8 bytes, BE)
 *
 * Invariants:
 *   - Every write is applied inside one LMDB write transaction, so a
 *     document is always either its old or its new value (copy-on-write
 *     B-tree; a killed writer's transaction is simply never committed).
 *   - Group commit (store_group.c): the writes that this process's threads
 *     make at the same time share one transaction and one flush, each
 *     checked in turn against what the ones before it left and given its own
 *     result (lmdb_apply). A lone write is a transaction of its own.
 *   - The CAS of a write is meta "cas" + 1, bumped in the same transaction.
 *     LMDB serialises writers, even across processes, so CAS values are
 *     unique and increasing store-wide and never reused for any key.
 *   - Durable: a write returns only after its transaction was committed and
 *     then flushed. A commit writes the pages, fdatasyncs them, then writes
 *     the meta page that makes them the store's (MDB_NOMETASYNC: without a
 *     second fdatasync of its own); the next commit's first fdatasync, or
 *     lmdb_flush's when no commit follows at once, makes that meta page
 *     durable. A crash before then loses at most commits whose writes have
 *     not returned (though readers may have seen them, as they may see a
 *     meta page while LMDB syncs it), never the store's integrity (LMDB
 *     keeps the previous meta page and the pages it points to); and since
 *     any later commit's fdatasync covers it, a write made after reading a
 *     document is durable only with it. Each commit counts in
 *     bitslot_store_commits_total.
 *   - MDB_NOTLS: transactions are not tied to threads' TLS slots, so one
 *     handle serves any number of threads: reads each in their own
 *     transaction, writes in the group's.
 *   - The map grows on demand. `map_lock` guards only the map size (LMDB
 *     requires that no transaction be active in this process while it
 *     changes): every transaction and flush holds it shared, a resize holds
 *     it exclusively. It never guards data; CAS does.
 *   - A failed write of a meta page (a disk that failed a write: full, or
 *     an I/O error) makes LMDB refuse every later transaction of the
 *     environment (MDB_PANIC) for the rest of the process. The handle then
 *     closes the environment and opens it again (env_reopen, under
 *     map_lock held exclusively, so no transaction or flush of this process
 *     is active): LMDB finds the last meta page written whole and the pages
 *     it points to, so what was acknowledged is all there, and the process
 *     goes on serving once the disk takes writes again, without a restart.
 */
#define _GNU_SOURCE /* pthread_rwlockattr_setkind_np: let a resize wait out readers */
#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "store/store_backend.h"
#include "store/store_group.h"
#include "util/log.h"
#include "util/metrics.h"

#define CAS_BYTES        8
#define FORMAT_VERSION   "1"
#define INITIAL_MAP_SIZE ((size_t)64 << 20)
#define MAP_STEP_MAX     ((size_t)1 << 30)
#define MAP_SIZE_MAX     ((size_t)1 << 40)

typedef struct lmdb_store {
    char *path;
    MDB_env *env;
    MDB_dbi doc;
    MDB_dbi meta;
    pthread_rwlock_t map_lock;
    bs_store_group *group; /* concurrent writes share a transaction */
} lmdb_store;

static bs_status
status_from_lmdb(int rc)
{
    switch (rc) {
    case MDB_SUCCESS:
        return BS_OK;
    case MDB_NOTFOUND:
        return BS_NOTFOUND;
    case MDB_KEYEXIST:
        return BS_EXISTS;
    case MDB_MAP_FULL:
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
        return BS_NOSPACE;
    case ENOMEM:
        return BS_NOMEM;
    case EACCES:
    case EPERM:
    case EROFS:
        return BS_ACCESS;
    case ENOTDIR:
    case ENOENT:
        return BS_BADPATH;
    case MDB_INVALID:
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_VERSION_MISMATCH:
        return BS_CORRUPT;
    case MDB_READERS_FULL:
    case EAGAIN:
    case EBUSY:
        return BS_UNAVAILABLE;
    default:
        return BS_IO;
    }
}

static void
cas_encode(bs_cas cas, unsigned char out[CAS_BYTES])
{
    for (int i = CAS_BYTES - 1; i >= 0; i--) {
        out[i] = (unsigned char)(cas & 0xff);
        cas >>= 8;
    }
}

static bs_cas
cas_decode(const unsigned char in[CAS_BYTES])
{
    bs_cas cas = 0;

    for (int i = 0; i < CAS_BYTES; i++)
        cas = (cas << 8) | in[i];
    return cas;
}

/* mkdir -p: create `path` and any missing parents. */
static bs_status
make_directories(const char *path)
{
    char *copy = strdup(path);
    bs_status st = BS_OK;
    struct stat sb;

    if (copy == NULL)
        return BS_NOMEM;
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, 0700) != 0 && errno != EEXIST) {
            st = status_from_lmdb(errno);
            goto free_copy;
        }
        *p = saved;
        if (saved == '\0')
            break;
    }
    if (stat(path, &sb) != 0)
        st = status_from_lmdb(errno);
    else if (!S_ISDIR(sb.st_mode))
        st = BS_BADPATH;
free_copy:
    free(copy);
    return st;
}

/*
 * Change the map size with no transaction active in this process: `adopt`
 * takes the size another process grew the map to; otherwise grow from
 * `seen_size` unless another thread already did.
 */
static bs_status
map_resize(lmdb_store *s, size_t seen_size, bool adopt)
{
    MDB_envinfo info;
    int rc = 0;

    pthread_rwlock_wrlock(&s->map_lock);
    if (s->env == NULL) { /* a reopen failed: txn_begin tries again */
        pthread_rwlock_unlock(&s->map_lock);
        return BS_IO;
    }
    mdb_env_info(s->env, &info);
    if (adopt) {
        rc = mdb_env_set_mapsize(s->env, 0);
    } else if (info.me_mapsize == seen_size) {
        size_t step = seen_size < MAP_STEP_MAX ? seen_size : MAP_STEP_MAX;
        if (seen_size + step > MAP_SIZE_MAX)
            rc = MDB_MAP_FULL;
        else
            rc = mdb_env_set_mapsize(s->env, seen_size + step);
    }
    pthread_rwlock_unlock(&s->map_lock);
    return status_from_lmdb(rc);
}

static int open_databases(lmdb_store *s, bool create);

/* Create s->env and open the environment in s->path with the map at least
 * INITIAL_MAP_SIZE. On failure s->env is NULL. */
static int
env_open(lmdb_store *s)
{
    MDB_envinfo info;
    int rc = mdb_env_create(&s->env), dead;

    if (rc != MDB_SUCCESS) {
        s->env = NULL;
        return rc;
    }
    rc = mdb_env_set_maxdbs(s->env, 2);
    if (rc == MDB_SUCCESS)
        rc = mdb_env_set_maxreaders(s->env, 1024);
    if (rc == MDB_SUCCESS)
        rc = mdb_env_open(s->env, s->path, MDB_NOTLS | MDB_NOMETASYNC, 0600);
    if (rc == MDB_SUCCESS) {
        /* Readers left behind by killed processes would hold back page reuse. */
        mdb_reader_check(s->env, &dead);
        mdb_env_info(s->env, &info);
        if (info.me_mapsize < INITIAL_MAP_SIZE)
            rc = mdb_env_set_mapsize(s->env, INITIAL_MAP_SIZE);
    }
    if (rc != MDB_SUCCESS) {
        mdb_env_close(s->env);
        s->env = NULL;
    }
    return rc;
}

/* The environment `panicked` refused a transaction with MDB_PANIC (NULL:
 * an earlier reopen failed and left none): close it and open it again,
 * unless another thread did already. With map_lock held exclusively, so
 * that no transaction or flush of this process is active. */
static int
env_reopen(lmdb_store *s, MDB_env *panicked)
{
    int rc = MDB_SUCCESS;

    pthread_rwlock_wrlock(&s->map_lock);
    if (s->env == panicked) {
        if (s->env != NULL)
            mdb_env_close(s->env);
        rc = env_open(s);
        if (rc == MDB_SUCCESS)
            rc = open_databases(s, false);
        if (rc != MDB_SUCCESS && s->env != NULL) {
            mdb_env_close(s->env);
            s->env = NULL;
        }
        if (rc == MDB_SUCCESS)
            bs_log_warning("store: LMDB failed to write a meta page (MDB_PANIC); the "
                           "environment in %s was opened again",
                           s->path);
        else
            bs_log_error("store: cannot open the LMDB environment in %s again: %s", s->path,
                         mdb_strerror(rc));
    }
    pthread_rwlock_unlock(&s->map_lock);
    return rc;
}

/* Begin a transaction holding map_lock shared. On BS_OK the caller must end
 * it with txn_end(). *map_size is the map size the transaction runs with. */
static bs_status
txn_begin(lmdb_store *s, unsigned flags, MDB_txn **txn, size_t *map_size)
{
    bool reopened = false;

    for (;;) {
        MDB_envinfo info;
        MDB_env *env;
        int rc;

        pthread_rwlock_rdlock(&s->map_lock);
        env = s->env;
        if (env == NULL) { /* a reopen failed: try it again */
            pthread_rwlock_unlock(&s->map_lock);
            rc = reopened ? MDB_PANIC : env_reopen(s, NULL);
            reopened = true;
            if (rc != MDB_SUCCESS)
                return status_from_lmdb(rc);
            continue;
        }
        mdb_env_info(env, &info);
        *map_size = info.me_mapsize;
        rc = mdb_txn_begin(env, NULL, flags, txn);
        if (rc == MDB_SUCCESS)
            return BS_OK;
        pthread_rwlock_unlock(&s->map_lock);
        if (rc == MDB_PANIC && !reopened) {
            reopened = true;
            rc = env_reopen(s, env);
            if (rc == MDB_SUCCESS)
                continue;
            return status_from_lmdb(rc);
        }
        if (rc == MDB_MAP_RESIZED) {
            bs_status st = map_resize(s, 0, true);
            if (st != BS_OK)
                return st;
            continue;
        }
        if (rc == MDB_READERS_FULL) {
            int dead = 0;
            mdb_reader_check(s->env, &dead);
            if (dead > 0)
                continue;
        }
        return status_from_lmdb(rc);
    }
}

/* Commit (when `commit`) or abort, then release map_lock. */
static int
txn_end(lmdb_store *s, MDB_txn *txn, bool commit)
{
    int rc = MDB_SUCCESS;

    if (commit)
        rc = mdb_txn_commit(txn);
    else
        mdb_txn_abort(txn);
    pthread_rwlock_unlock(&s->map_lock);
    return rc;
}

static int
next_cas(lmdb_store *s, MDB_txn *txn, bs_cas *cas)
{
    MDB_val key = {4, "cas"}, val;
    unsigned char bytes[CAS_BYTES];
    int rc = mdb_get(txn, s->meta, &key, &val);

    if (rc == MDB_NOTFOUND) {
        *cas = 1;
    } else if (rc != MDB_SUCCESS) {
        return rc;
    } else if (val.mv_size != CAS_BYTES) {
        return MDB_CORRUPTED;
    } else {
        *cas = cas_decode(val.mv_data) + 1;
    }
    cas_encode(*cas, bytes);
    val.mv_size = CAS_BYTES;
    val.mv_data = bytes;
    return mdb_put(txn, s->meta, &key, &val, 0);
}

/* One write inside `txn`. Returns an LMDB code; on MDB_SUCCESS op->status
 * is BS_OK (applied, op->new_cas set) or the contract's refusal (EXISTS,
 * NOTFOUND, CONFLICT: nothing changed). What earlier writes of `txn` did is
 * seen, as if they had been committed alone just before. */
static int
write_in_txn(lmdb_store *s, MDB_txn *txn, bs_store_group_op *op)
{
    MDB_val k = {strlen(op->key), (void *)op->key}, v;
    bs_store_write_mode mode = op->mode;
    bs_cas old_cas = BS_STORE_CAS_NONE;
    int rc = mdb_get(txn, s->doc, &k, &v);

    if (rc == MDB_SUCCESS) {
        if (v.mv_size < CAS_BYTES)
            return MDB_CORRUPTED;
        old_cas = cas_decode(v.mv_data);
    } else if (rc != MDB_NOTFOUND) {
        return rc;
    }

    op->status = BS_OK;
    if (mode == BS_STORE_WRITE_ADD && old_cas != BS_STORE_CAS_NONE)
        op->status = BS_EXISTS;
    else if ((mode == BS_STORE_WRITE_REPLACE || mode == BS_STORE_WRITE_REMOVE) &&
             old_cas == BS_STORE_CAS_NONE)
        op->status = BS_NOTFOUND;
    else if ((mode == BS_STORE_WRITE_REPLACE || mode == BS_STORE_WRITE_REMOVE) &&
             old_cas != op->cas)
        op->status = BS_CONFLICT;
    if (op->status != BS_OK)
        return MDB_SUCCESS;

    if (mode == BS_STORE_WRITE_REMOVE) {
        op->new_cas = BS_STORE_CAS_NONE;
        return mdb_del(txn, s->doc, &k, NULL);
    }
    rc = next_cas(s, txn, &op->new_cas);
    if (rc != MDB_SUCCESS)
        return rc;
    v.mv_size = CAS_BYTES + op->len;
    v.mv_data = NULL;
    rc = mdb_put(txn, s->doc, &k, &v, MDB_RESERVE);
    if (rc != MDB_SUCCESS)
        return rc;
    cas_encode(op->new_cas, v.mv_data);
    if (op->len > 0)
        memcpy((unsigned char *)v.mv_data + CAS_BYTES, op->value, op->len);
    return MDB_SUCCESS;
}

/*
 * LMDB reports a short write as EIO, and a full disk usually gives a short
 * write: call it BS_NOSPACE when the file system has no room for the
 * document (with a margin for the B-tree pages around it).
 */
static bs_status
write_failure_status(lmdb_store *s, int rc, size_t len)
{
    struct statvfs fs;

    if (rc == EIO && statvfs(s->path, &fs) == 0 &&
        (uint64_t)fs.f_bavail * fs.f_frsize < (uint64_t)len + ((uint64_t)1 << 20))
        return BS_NOSPACE;
    return status_from_lmdb(rc);
}

/* One attempt at ops[0..n) in one write transaction. MDB_SUCCESS: every op
 * has its status — committed, refused by the contract, or the failure to
 * begin (when nothing was applied). Otherwise nothing was applied, and
 * *culprit is the op whose write LMDB failed, or n when the commit failed;
 * *map_size the map size the attempt ran with. */
static int
apply_together(lmdb_store *s, bs_store_group_op **ops, size_t n, size_t *culprit, size_t *map_size)
{
    bool changed = false;
    MDB_txn *txn;
    bs_status st = txn_begin(s, 0, &txn, map_size);
    int rc = MDB_SUCCESS;

    if (st != BS_OK) {
        for (size_t i = 0; i < n; i++)
            ops[i]->status = st;
        return MDB_SUCCESS;
    }
    for (*culprit = 0; *culprit < n; (*culprit)++) {
        rc = write_in_txn(s, txn, ops[*culprit]);
        if (rc != MDB_SUCCESS) {
            txn_end(s, txn, false);
            return rc;
        }
        changed |= ops[*culprit]->status == BS_OK;
    }
    if (!changed) {
        txn_end(s, txn, false); /* refusals only: nothing to commit */
        return MDB_SUCCESS;
    }
    rc = txn_end(s, txn, true);
    if (rc == MDB_SUCCESS)
        bs_metric_add(BS_METRIC_STORE_COMMITS, 1);
    return rc;
}

/*
 * Apply a batch of the group commit (store_group.h): ops[0..n) in one write
 * transaction and one commit, whose meta page the next commit's or
 * lmdb_flush's fdatasync makes durable. Each op is checked against what the
 * ops before it left, so each gets the result and the CAS it would have had
 * committed alone in that order (next_cas counts up op by op). A commit
 * fdatasyncs the file before it writes its meta page, so every commit
 * before it is durable then.
 *
 * An LMDB failure ends the whole transaction, so it must not become the
 * others' failure: a full map grows and the same ops run again; an op whose
 * write LMDB failed otherwise is moved behind the rest, which run again
 * without it, and it runs alone afterwards (as a batch of one, where its
 * failure is its own); when the commit of several fails (say, a disk too
 * full for all of them), each runs alone.
 */
static void
lmdb_apply(void *impl, bs_store_group_op **ops, size_t n)
{
    lmdb_store *s = impl;
    size_t together = n; /* ops[together..n) run alone afterwards */

    while (together > 0) {
        size_t culprit, map_size;
        bs_status grown = BS_OK;
        int rc = apply_together(s, ops, together, &culprit, &map_size);

        if (rc == MDB_SUCCESS)
            break;
        if (rc == MDB_MAP_FULL) {
            grown = map_resize(s, map_size, false);
            if (grown == BS_OK)
                continue;
        }
        if (together == 1) {
            ops[0]->status = grown != BS_OK ? grown : write_failure_status(s, rc, ops[0]->len);
        } else if (culprit == together) {
            together = 0;
        } else {
            bs_store_group_op *alone = ops[culprit];
            memmove(&ops[culprit], &ops[culprit + 1], (together - culprit - 1) * sizeof(*ops));
            ops[--together] = alone;
            continue;
        }
        break;
    }
    for (size_t i = together; i < n; i++)
        lmdb_apply(s, &ops[i], 1);
}

/* The group's flush: one fdatasync of the data file makes every commit
 * before it durable, its meta page included (see MDB_NOMETASYNC above). It
 * may run beside a transaction: LMDB's writer lock is not held. */
static bs_status
lmdb_flush(void *impl)
{
    lmdb_store *s = impl;
    int rc;

    pthread_rwlock_rdlock(&s->map_lock); /* the environment stays open */
    rc = s->env != NULL ? mdb_env_sync(s->env, 1) : MDB_PANIC;
    pthread_rwlock_unlock(&s->map_lock);
    return rc == MDB_SUCCESS ? BS_OK : write_failure_status(s, rc, 0);
}

static bs_status
lmdb_write(void *impl, bs_store_write_mode mode, const char *key, const void *value, size_t len,
           bs_cas cas, bs_cas *new_cas)
{
    lmdb_store *s = impl;
    bs_store_group_op op = {.mode = mode, .key = key, .value = value, .len = len, .cas = cas};
    bs_status st = bs_store_group_run(s->group, &op);

    if (st == BS_OK)
        *new_cas = op.new_cas;
    return st;
}

static bs_status
lmdb_get(void *impl, const char *key, char **value, size_t *len, bs_cas *cas)
{
    lmdb_store *s = impl;
    MDB_val k = {strlen(key), (void *)key}, v;
    size_t map_size;
    MDB_txn *txn;
    bs_status st = txn_begin(s, MDB_RDONLY, &txn, &map_size);
    int rc;

    if (st != BS_OK)
        return st;
    rc = mdb_get(txn, s->doc, &k, &v);
    if (rc != MDB_SUCCESS) {
        st = status_from_lmdb(rc);
        goto end_txn;
    }
    if (v.mv_size < CAS_BYTES) {
        st = BS_CORRUPT;
        goto end_txn;
    }
    *cas = cas_decode(v.mv_data);
    *len = v.mv_size - CAS_BYTES;
    *value = bs_store_copy_value((unsigned char *)v.mv_data + CAS_BYTES, *len);
    if (*value == NULL)
        st = BS_NOMEM;
end_txn:
    txn_end(s, txn, false);
    return st;
}

static bs_status
lmdb_scan(void *impl, const char *prefix, const char *after, size_t limit, bs_store_page *page)
{
    lmdb_store *s = impl;
    size_t prefix_len = strlen(prefix), map_size;
    MDB_cursor *cursor = NULL;
    MDB_val k, v;
    MDB_txn *txn;
    bs_status st = txn_begin(s, MDB_RDONLY, &txn, &map_size);
    int rc;

    if (st != BS_OK)
        return st;
    rc = mdb_cursor_open(txn, s->doc, &cursor);
    if (rc != MDB_SUCCESS)
        goto end_txn;

    /* Position at the first key > after, or >= prefix, whichever is later. */
    if (after != NULL && strcmp(after, prefix) >= 0) {
        k.mv_size = strlen(after);
        k.mv_data = (void *)after;
        rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
        if (rc == MDB_SUCCESS && k.mv_size == strlen(after) &&
            memcmp(k.mv_data, after, k.mv_size) == 0)
            rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    } else if (prefix_len > 0) {
        k.mv_size = prefix_len;
        k.mv_data = (void *)prefix;
        rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    } else {
        rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST);
    }

    for (; rc == MDB_SUCCESS; rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
        if (k.mv_size < prefix_len || memcmp(k.mv_data, prefix, prefix_len) != 0)
            break;
        if (page->count == limit) {
            page->more = true;
            break;
        }
        if (v.mv_size < CAS_BYTES) {
            st = BS_CORRUPT;
            goto close_cursor;
        }
        st = bs_store_page_push(page, k.mv_data, k.mv_size, (unsigned char *)v.mv_data + CAS_BYTES,
                                v.mv_size - CAS_BYTES, cas_decode(v.mv_data));
        if (st != BS_OK)
            goto close_cursor;
    }
    if (rc == MDB_NOTFOUND)
        rc = MDB_SUCCESS;
close_cursor:
    mdb_cursor_close(cursor);
end_txn:
    txn_end(s, txn, false);
    if (st == BS_OK)
        st = status_from_lmdb(rc);
    return st;
}

/* Open the two databases and check the format. `create`: create them (and
 * write the format) when absent, as a new store. Otherwise nothing is
 * written (a read-only transaction): an environment without them, or
 * without the format, is no bitslot store (MDB_NOTFOUND). */
static int
open_databases(lmdb_store *s, bool create)
{
    MDB_val key = {6, "format"}, val;
    unsigned flags = create ? MDB_CREATE : 0;
    bool created = false;
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->env, NULL, create ? 0 : MDB_RDONLY, &txn);

    if (rc != MDB_SUCCESS)
        return rc;
    rc = mdb_dbi_open(txn, "doc", flags, &s->doc);
    if (rc == MDB_SUCCESS)
        rc = mdb_dbi_open(txn, "meta", flags, &s->meta);
    if (rc == MDB_SUCCESS)
        rc = mdb_get(txn, s->meta, &key, &val);
    if (rc == MDB_NOTFOUND && create) {
        val.mv_size = strlen(FORMAT_VERSION);
        val.mv_data = FORMAT_VERSION;
        rc = mdb_put(txn, s->meta, &key, &val, 0);
        created = true;
    } else if (rc == MDB_SUCCESS && (val.mv_size != strlen(FORMAT_VERSION) ||
                                     memcmp(val.mv_data, FORMAT_VERSION, val.mv_size) != 0)) {
        rc = MDB_VERSION_MISMATCH;
    }
    if (rc != MDB_SUCCESS) {
        mdb_txn_abort(txn);
        return rc;
    }
    rc = mdb_txn_commit(txn); /* read-only too: it keeps the handles open */
    if (rc == MDB_SUCCESS && created)
        rc = mdb_env_sync(s->env, 1); /* MDB_NOMETASYNC: a new store is durable too */
    return rc;
}

static void
lmdb_close(void *impl)
{
    lmdb_store *s = impl;

    if (s == NULL)
        return;
    if (s->env != NULL)
        mdb_env_close(s->env);
    pthread_rwlock_destroy(&s->map_lock);
    bs_store_group_free(s->group);
    free(s->path);
    free(s);
}

/* Is there an LMDB environment in directory `path`? Not when data.mdb is
 * missing or empty: LMDB would take an empty one for a new environment and
 * write one there (grow the file, add lock.mdb). */
static bool
environment_exists(const char *path)
{
    char file[PATH_MAX];
    struct stat sb;

    if (snprintf(file, sizeof(file), "%s/data.mdb", path) >= (int)sizeof(file))
        return false;
    return stat(file, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

static bs_status
lmdb_open(const char *path, bool create, void **impl)
{
    pthread_rwlockattr_t attr;
    lmdb_store *s;
    bs_status st;
    int rc;

    *impl = NULL;
    if (!create && !environment_exists(path))
        return BS_NOTFOUND;
    st = make_directories(path);
    if (st != BS_OK)
        return st;
    s = calloc(1, sizeof(*s));
    if (s == NULL)
        return BS_NOMEM;
    s->path = strdup(path);
    s->group = bs_store_group_new(lmdb_apply, lmdb_flush, s);
    if (s->path == NULL || s->group == NULL) {
        bs_store_group_free(s->group);
        free(s->path);
        free(s);
        return BS_NOMEM;
    }
    pthread_rwlockattr_init(&attr);
    pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
    pthread_rwlock_init(&s->map_lock, &attr);
    pthread_rwlockattr_destroy(&attr);

    rc = env_open(s);
    if (rc != MDB_SUCCESS)
        goto fail;
    rc = open_databases(s, create);
    if (rc != MDB_SUCCESS)
        goto fail;
    *impl = s;
    return BS_OK;

fail:
    lmdb_close(s);
    return status_from_lmdb(rc);
}

const bs_store_backend bs_store_lmdb_backend = {
    .scheme = "lmdb",
    .valid = NULL, /* any path: what is there is lmdb_open's to find */
    .open = lmdb_open,
    .close = lmdb_close,
    .get = lmdb_get,
    .write = lmdb_write,
    .scan = lmdb_scan,
};
