/*
 * keyimport.c — see keyimport.h for the protocol and its failpoints.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/keydocs.h"
#include "core/keyimport.h"
#include "util/failpoint.h"

#define PROBE_STEP   50 /* ms between two looks at an import that may be dead */
#define APPEND_CHUNK 64 /* ranges read back and appended to the list at once */

/* ---- the intent ------------------------------------------------------------ */

static bool
stale(const bs_ctx *ctx, const bs_keyimport *k)
{
    return bs_ctx_now(ctx) - k->heartbeat > BS_IMPORT_STALE;
}

/* Of two imports still recording that meet, did `a` (id a_id) begin before
 * `b`? Seconds first, then the ids: a total order, so that of two imports at
 * work exactly one goes on. */
static bool
began_before(const bs_keyimport *a, const char *a_id, const bs_keyimport *b, const char *b_id)
{
    return a->started < b->started || (a->started == b->started && strcmp(a_id, b_id) < 0);
}

static bs_status
read_intent(bs_ctx *ctx, const char *id, bs_keyimport *k)
{
    char key[BS_KEY_BUF];

    bs_key_keyimport(id, key);
    return bs_docs_read(ctx, key, &bs_keyimport_type, k, NULL);
}

typedef struct state_change {
    bs_import_state from;
    bs_import_state to;    /* the same: a beat */
    int64_t list_from;     /* to COMMITTED */
    const char *by;        /* to ABORTED: the import that takes over, or "" */
    int64_t now;           /* a beat's time */
    bs_import_state found; /* out */
} state_change;

static bs_status
change_state(void *doc, void *arg, bool *write)
{
    bs_keyimport *k = doc;
    state_change *c = arg;

    c->found = k->state;
    if (k->state != c->from) {
        *write = false;
        return BS_OK;
    }
    if (c->to == c->from) { /* a beat */
        k->beats++;
        if (c->now > k->heartbeat)
            k->heartbeat = c->now;
    }
    k->state = c->to;
    if (c->to == BS_IMPORT_COMMITTED)
        k->list_from = c->list_from;
    if (c->to == BS_IMPORT_ABORTED)
        snprintf(k->aborted_by, sizeof(k->aborted_by), "%s", c->by);
    return BS_OK;
}

/* Move import `id` from state `from` to `to` (with its arguments, as in
 * state_change); *now is its state afterwards, whoever moved it. */
static bs_status
move_import(bs_ctx *ctx, const char *id, state_change c, bs_import_state *now)
{
    char key[BS_KEY_BUF];
    bs_status st;

    c.found = c.from;
    bs_key_keyimport(id, key);
    st = bs_docs_update(ctx, key, &bs_keyimport_type, change_state, &c, NULL);
    if (st == BS_OK)
        *now = c.found == c.from ? c.to : c.found;
    return st;
}

static bs_status
abort_import(bs_ctx *ctx, const char *id, const char *by, bs_import_state *now)
{
    return move_import(ctx, id, (state_change){BS_IMPORT_RECORDING, BS_IMPORT_ABORTED, 0, by, 0, 0},
                       now);
}

static bs_status
advance_import(bs_ctx *ctx, const char *id, bs_import_state from, bs_import_state to,
               int64_t list_from, bs_import_state *now)
{
    return move_import(ctx, id, (state_change){from, to, list_from, "", 0, 0}, now);
}

/* Is import `id`, which began before the caller, at work? Its intent moves
 * at least every BS_IMPORT_BEAT_CLAIMS claims while it records; one that stays still
 * for BS_IMPORT_PROBE_MS is taken for dead (a crash). */
static bs_status
at_work(bs_ctx *ctx, const char *id, bool *alive)
{
    char key[BS_KEY_BUF], *text;
    bs_cas first, cas;
    bs_status st;

    *alive = true;
    bs_key_keyimport(id, key);
    st = bs_store_get(ctx->store, key, &text, NULL, &first);
    free(text);
    for (int waited = 0; st == BS_OK && waited < BS_IMPORT_PROBE_MS; waited += PROBE_STEP) {
        nanosleep(&(struct timespec){0, PROBE_STEP * 1000L * 1000L}, NULL);
        st = bs_store_get(ctx->store, key, &text, NULL, &cas);
        free(text);
        if (st == BS_OK && cas != first)
            return BS_OK;
    }
    *alive = false;
    return st;
}

/* ---- finishing and undoing -------------------------------------------------- */

static bs_status
read_range(bs_ctx *ctx, const char *id, int64_t r, bs_key_range *range)
{
    char key[BS_KEY_BUF], *text;
    size_t len;
    bs_status st;

    bs_key_keyimport_range(id, r, key);
    st = bs_store_get(ctx->store, key, &text, &len, NULL);
    if (st != BS_OK)
        return st;
    st = bs_key_range_decode(text, len, range);
    free(text);
    return st;
}

/* Remove a document, whatever its CAS (gone already: fine). */
static bs_status
remove_doc(bs_ctx *ctx, const char *key)
{
    bs_status st = BS_CONFLICT;

    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        bs_cas cas;
        char *text;

        st = bs_store_get(ctx->store, key, &text, NULL, &cas);
        free(text);
        if (st == BS_OK)
            st = bs_store_remove(ctx->store, key, cas);
        if (st == BS_NOTFOUND)
            return BS_OK;
        if (st != BS_CONFLICT && st != BS_UNCERTAIN)
            return st;
    }
    return st;
}

/* The range documents of an import that is over (its intent stays). */
static bs_status
remove_ranges(bs_ctx *ctx, const char *id, int64_t ranges)
{
    char key[BS_KEY_BUF];
    bs_status st = BS_OK;

    for (int64_t r = 0; r < ranges && st == BS_OK; r++) {
        bs_key_keyimport_range(id, r, key);
        st = remove_doc(ctx, key);
    }
    return st;
}

/* Remove key/<address> if import `id` recorded it (and nobody took it
 * over). */
static bs_status
unrecord(bs_ctx *ctx, const char *id, const char *address)
{
    char key[BS_KEY_BUF];
    bs_status st = BS_CONFLICT;

    bs_key_keydoc(address, key);
    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        bs_keydoc found;
        bs_cas cas;

        st = bs_docs_read(ctx, key, &bs_keydoc_type, &found, &cas);
        if (st == BS_NOTFOUND)
            return BS_OK;
        if (st != BS_OK)
            return st;
        if (strcmp(found.import, id) != 0 || found.owner[0] != '\0')
            return BS_OK;
        st = bs_store_remove(ctx->store, key, cas);
        if (st == BS_OK || st == BS_NOTFOUND)
            return BS_OK;
        if (st != BS_CONFLICT && st != BS_UNCERTAIN)
            return st;
    }
    return st;
}

/* An aborted import: its key documents go, it is undone, its ranges go. */
static bs_status
undo_import(bs_ctx *ctx, const char *id, const bs_keyimport *k)
{
    bs_import_state now;
    bs_status st = BS_OK;

    for (int64_t r = 0; r < k->ranges && st == BS_OK; r++) {
        char(*addresses)[BS_ADDRESS_MAX] = NULL;
        bs_key_range range;

        st = read_range(ctx, id, r, &range);
        if (st == BS_NOTFOUND) { /* never written (nothing of it recorded), or undone */
            st = BS_OK;
            continue;
        }
        if (st == BS_OK)
            st = bs_keylist_range_addresses(ctx, &range, &addresses);
        for (int64_t i = 0; st == BS_OK && i < range.count; i++)
            st = unrecord(ctx, id, addresses[i]);
        free(addresses);
        bs_key_range_release(&range);
    }
    if (st == BS_OK)
        st = advance_import(ctx, id, BS_IMPORT_ABORTED, BS_IMPORT_UNDONE, 0, &now);
    return st == BS_OK ? remove_ranges(ctx, id, k->ranges) : st;
}

/* A committed import: its ranges go onto the list, it is done, its ranges'
 * documents go. */
static bs_status
finish_import(bs_ctx *ctx, const char *id, const bs_keyimport *k)
{
    bs_key_range chunk[APPEND_CHUNK];
    int64_t page = k->list_from;
    bs_import_state now;
    bs_status st = BS_OK;

    for (int64_t r = 0; r < k->ranges && st == BS_OK; r += APPEND_CHUNK) {
        size_t n = 0;

        for (; n < APPEND_CHUNK && r + (int64_t)n < k->ranges && st == BS_OK; n++)
            st = read_range(ctx, id, r + (int64_t)n, &chunk[n]);
        if (st == BS_OK)
            st = bs_keylist_append(ctx, chunk, n, &page);
        else
            n--; /* the one that failed holds nothing */
        for (size_t i = 0; i < n; i++)
            bs_key_range_release(&chunk[i]);
    }
    if (st == BS_NOTFOUND) {
        /* A committed import has all its ranges, until someone else
         * finished it (done) and removed them. */
        bs_keyimport again;
        st = read_intent(ctx, id, &again);
        if (st == BS_OK)
            return again.state == BS_IMPORT_DONE ? BS_OK : BS_CORRUPT;
    }
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_KEYS_IMPORT_APPENDED);
    st = advance_import(ctx, id, BS_IMPORT_COMMITTED, BS_IMPORT_DONE, 0, &now);
    return st == BS_OK ? remove_ranges(ctx, id, k->ranges) : st;
}

/* ---- one import ------------------------------------------------------------- */

#define MET_MAX 16 /* aborted imports a run remembers, to undo them after */

typedef struct import_run {
    bs_ctx *ctx;
    char id[BS_ID_LEN + 1];
    bs_keyimport intent;              /* as begun */
    size_t claims;                    /* since the last look at the intent */
    char met[MET_MAX][BS_ID_LEN + 1]; /* aborted imports whose keys it took */
    size_t met_count;
} import_run;

/* Remember an aborted import whose key this run took over. */
static void
met_aborted(import_run *run, const char *id)
{
    for (size_t i = 0; i < run->met_count; i++)
        if (strcmp(run->met[i], id) == 0)
            return;
    if (run->met_count < MET_MAX)
        memcpy(run->met[run->met_count++], id, BS_ID_LEN + 1);
}

/* Undo the aborted imports the run met (their keys it did not take go);
 * anything left is recovery's. */
static void
undo_met(import_run *run)
{
    for (size_t i = 0; i < run->met_count; i++) {
        bs_keyimport k;
        if (read_intent(run->ctx, run->met[i], &k) == BS_OK && k.state == BS_IMPORT_ABORTED)
            (void)undo_import(run->ctx, run->met[i], &k);
    }
}

/* Record `address` as the run's: BS_OK; BS_EXISTS when it is known;
 * BS_STALE when an earlier import, at work, holds it: this one gives way. */
static bs_status
claim_key(import_run *run, const char *address, const char *batch)
{
    bs_ctx *ctx = run->ctx;
    bs_keydoc mine = {0};
    char key[BS_KEY_BUF];
    bs_status st = BS_CONFLICT;

    memcpy(mine.batch, batch, sizeof(mine.batch));
    memcpy(mine.import, run->id, sizeof(mine.import));
    bs_key_keydoc(address, key);
    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        bs_import_state now;
        bs_keyimport other;
        bs_keydoc found;
        bool alive;
        bs_cas cas;
        size_t len;

        st = bs_keydocs_add(ctx, key, bs_keydoc_encode(&mine, &len), &len);
        if (st != BS_EXISTS && st != BS_UNCERTAIN)
            return st;
        st = bs_docs_read(ctx, key, &bs_keydoc_type, &found, &cas);
        if (st == BS_NOTFOUND)
            continue;
        if (st != BS_OK)
            return st;
        if (strcmp(found.import, run->id) == 0)
            return BS_OK; /* ours: a retry */
        if (found.owner[0] != '\0' || found.import[0] == '\0')
            return BS_EXISTS; /* handed out, or from before imports were recorded */
        st = read_intent(ctx, found.import, &other);
        if (st == BS_NOTFOUND ||
            (st == BS_OK && (other.state == BS_IMPORT_COMMITTED || other.state == BS_IMPORT_DONE)))
            return BS_EXISTS; /* on the list, or about to be */
        if (st != BS_OK)
            return st;
        if (other.state == BS_IMPORT_RECORDING) {
            /* The earlier of two imports at work goes on; one that is dead
             * (silent too long, or still when watched) gives way to anyone. */
            if (!stale(ctx, &other) && began_before(&other, found.import, &run->intent, run->id)) {
                st = at_work(ctx, found.import, &alive);
                if (st != BS_OK)
                    return st;
                if (alive)
                    return BS_STALE;
            }
            st = abort_import(ctx, found.import, run->id, &now);
            if (st != BS_OK && st != BS_NOTFOUND)
                return st;
            continue; /* look again: aborted, or committed after all */
        }
        /* An aborted (or undone) import's: ours now (undoing leaves it
         * alone). */
        if (other.state == BS_IMPORT_ABORTED)
            met_aborted(run, found.import);
        char *text = bs_keydoc_encode(&mine, &len);
        if (text == NULL)
            return BS_NOMEM;
        st = bs_store_replace(ctx->store, key, text, len, cas, NULL);
        free(text);
        if (st == BS_OK)
            return BS_OK;
        if (st != BS_CONFLICT && st != BS_UNCERTAIN && st != BS_NOTFOUND)
            return st;
    }
    return st == BS_OK ? BS_CONFLICT : st;
}

/* Every BS_IMPORT_BEAT_CLAIMS claims: the run shows it is at work (its intent moves),
 * and learns whether another import aborted it (BS_CONFLICT). */
static bs_status
beat(import_run *run)
{
    bs_import_state now;
    bs_status st;

    if (++run->claims < BS_IMPORT_BEAT_CLAIMS)
        return BS_OK;
    run->claims = 0;
    st = move_import(
        run->ctx, run->id,
        (state_change){BS_IMPORT_RECORDING, BS_IMPORT_RECORDING, 0, "", bs_ctx_now(run->ctx), 0},
        &now);
    if (st == BS_OK && now != BS_IMPORT_RECORDING)
        st = BS_CONFLICT;
    return st;
}

/* Steps 1 and 2: the intent, then the ranges. *begun tells whether the
 * intent may be in the store (from then on, the import is somebody's to
 * finish or undo). */
static bs_status
begin_import(import_run *run, const bs_key_range *ranges, size_t count, bool *begun)
{
    char key[BS_KEY_BUF];
    size_t len;
    bs_status st;

    bs_key_keyimport(run->id, key);
    st = bs_keydocs_add(run->ctx, key, bs_keyimport_encode(&run->intent, &len), &len);
    *begun = st == BS_OK || st == BS_UNCERTAIN;
    if (st != BS_OK)
        return st;
    bs_failpoint(BS_FP_KEYS_IMPORT_BEGUN);
    for (size_t r = 0; r < count && st == BS_OK; r++) {
        bs_key_keyimport_range(run->id, (int64_t)r, key);
        st = bs_keydocs_add(run->ctx, key, bs_key_range_encode(&ranges[r], &len), &len);
        if (st == BS_EXISTS) /* written by an earlier send of this add */
            st = BS_OK;
    }
    return st;
}

/* Why import `id` was aborted by someone else: taken over by an import that
 * goes on, or stopped by one that was refused itself after all (or by
 * recovery, taking it for dead): then nothing is in, and it can run again. */
static bs_import_why
why_aborted(bs_ctx *ctx, const char *id)
{
    bs_keyimport self, killer;

    if (read_intent(ctx, id, &self) != BS_OK || self.aborted_by[0] == '\0' ||
        read_intent(ctx, self.aborted_by, &killer) != BS_OK)
        return BS_IMPORT_WHY_AGAIN;
    return killer.state == BS_IMPORT_ABORTED || killer.state == BS_IMPORT_UNDONE
               ? BS_IMPORT_WHY_AGAIN
               : BS_IMPORT_WHY_TAKEN;
}

/* Step 3: every address of every range. */
static bs_status
record_all(import_run *run, const bs_key_range *ranges, size_t count, bs_import_report *rep)
{
    bs_status st = BS_OK;

    for (size_t r = 0; r < count && st == BS_OK; r++) {
        char(*addresses)[BS_ADDRESS_MAX] = NULL;

        st = bs_keylist_range_addresses(run->ctx, &ranges[r], &addresses);
        for (int64_t i = 0; st == BS_OK && i < ranges[r].count; i++) {
            st = claim_key(run, addresses[i], ranges[r].batch);
            if (st == BS_EXISTS || st == BS_STALE)
                memcpy(rep->address, addresses[i], BS_ADDRESS_MAX);
            if (st == BS_OK)
                st = beat(run);
        }
        free(addresses);
    }
    return st;
}

/* Import `count` ranges as one import. A range of addresses gets its batch
 * id here, from the import's id; an xpub span has its own already. */
static bs_status
run_import(bs_ctx *ctx, bs_key_range *ranges, size_t count, bs_import_report *rep)
{
    import_run run = {ctx, "", {BS_IMPORT_RECORDING, (int64_t)count, 0, 0, 0, 0, ""}, 0, {{0}}, 0};
    bs_import_state now = BS_IMPORT_RECORDING;
    int64_t list_from = 0;
    bool begun = false;
    bs_status st, undo;

    bs_id_next(&ctx->ids, run.id);
    run.intent.started = run.intent.heartbeat = bs_ctx_now(ctx);
    for (size_t r = 0; r < count; r++)
        if (ranges[r].kind == BS_RANGE_ADDRESSES)
            bs_keylist_batch_id(run.id, (int64_t)r, ranges[r].batch);
    st = begin_import(&run, ranges, count, &begun);
    if (st == BS_OK)
        st = record_all(&run, ranges, count, rep);
    if (st == BS_OK) {
        bs_failpoint(BS_FP_KEYS_IMPORT_RECORDED);
        st = bs_keylist_last_page(ctx, &list_from);
    }
    if (list_from < 0)
        list_from = 0;
    if (st == BS_OK)
        st = advance_import(ctx, run.id, BS_IMPORT_RECORDING, BS_IMPORT_COMMITTED, list_from, &now);
    if (st == BS_OK && now == BS_IMPORT_COMMITTED) {
        bs_failpoint(BS_FP_KEYS_IMPORT_COMMITTED);
        run.intent.state = BS_IMPORT_COMMITTED;
        run.intent.list_from = list_from;
        st = finish_import(ctx, run.id, &run.intent);
        if (st != BS_OK) /* committed: whoever comes next finishes it */
            return bs_status_outage(st) ? BS_UNCERTAIN : st;
        undo_met(&run);
        for (size_t r = 0; r < count; r++)
            rep->added += (size_t)ranges[r].count;
        return BS_OK;
    }
    if (st == BS_OK)
        st = BS_CONFLICT; /* another import aborted this one */
    if (st != BS_EXISTS && st != BS_STALE && st != BS_CONFLICT) /* an outage */
        return begun && bs_status_outage(st) ? BS_UNCERTAIN : st;
    /* Refused (known), giving way (an earlier import at work), or aborted by
     * another: say why, and undo what it recorded. */
    undo = abort_import(ctx, run.id, "", &now);
    rep->why = st == BS_STALE      ? BS_IMPORT_WHY_EARLIER
               : st == BS_CONFLICT ? why_aborted(ctx, run.id)
                                   : BS_IMPORT_WHY_NONE;
    if (undo == BS_OK && now == BS_IMPORT_ABORTED)
        (void)undo_import(ctx, run.id, &run.intent); /* else recovery's */
    return st == BS_EXISTS ? BS_EXISTS : BS_CONFLICT;
}

/* ---- what the store knows already ------------------------------------------- */

/* The last import looked at, so that a run of addresses of one import costs
 * one read of its intent. */
typedef struct known_cache {
    char id[BS_ID_LEN + 1];
    bs_status st;
    bs_keyimport intent;
} known_cache;

/* Is `address` known: handed out, on the list, or recorded by a committed
 * import? (Recorded by an import still recording or aborted: not yet.) A
 * committed import met on the way is finished first when `finish`. */
static bs_status
known_already(bs_ctx *ctx, const char *address, known_cache *cache, bool finish, bool *known)
{
    char key[BS_KEY_BUF];
    bs_keydoc found;
    bs_status st;

    *known = false;
    bs_key_keydoc(address, key);
    st = bs_docs_read(ctx, key, &bs_keydoc_type, &found, NULL);
    if (st == BS_NOTFOUND)
        return BS_OK;
    if (st != BS_OK)
        return st;
    if (found.owner[0] != '\0' || found.import[0] == '\0') {
        *known = true;
        return BS_OK;
    }
    if (strcmp(cache->id, found.import) != 0) {
        memcpy(cache->id, found.import, sizeof(cache->id));
        cache->st = read_intent(ctx, found.import, &cache->intent);
        if (cache->st == BS_OK && cache->intent.state == BS_IMPORT_COMMITTED && finish) {
            cache->st = finish_import(ctx, found.import, &cache->intent);
            cache->intent.state = BS_IMPORT_DONE;
        }
    }
    if (cache->st != BS_OK && cache->st != BS_NOTFOUND)
        return cache->st;
    *known = cache->st == BS_NOTFOUND || cache->intent.state == BS_IMPORT_COMMITTED ||
             cache->intent.state == BS_IMPORT_DONE;
    return BS_OK;
}

/* Every import begins by finishing those a crash interrupted (their
 * problems are recovery's to report). */
static bs_status
finish_interrupted(bs_ctx *ctx)
{
    size_t finished = 0, problems = 0;

    return bs_keys_finish_imports(ctx, &finished, &problems, NULL, NULL);
}

/* ---- imports of addresses ----------------------------------------------------- */

static int
compare_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first address (in input order) that repeats an earlier one: *later
 * and *earlier, or *later == count when none does. */
static bs_status
first_repeat(const char (*addresses)[BS_ADDRESS_MAX], size_t count, size_t *later, size_t *earlier)
{
    const char **sorted = malloc(count * sizeof(*sorted));

    *later = count;
    *earlier = count;
    if (sorted == NULL)
        return BS_NOMEM;
    for (size_t i = 0; i < count; i++)
        sorted[i] = addresses[i];
    qsort(sorted, count, sizeof(*sorted), compare_text);
    for (size_t i = 1; i < count; i++) {
        if (strcmp(sorted[i], sorted[i - 1]) == 0) {
            size_t a = (size_t)((const char(*)[BS_ADDRESS_MAX])sorted[i] - addresses);
            size_t b = (size_t)((const char(*)[BS_ADDRESS_MAX])sorted[i - 1] - addresses);
            if ((a > b ? a : b) < *later) {
                *later = a > b ? a : b;
                *earlier = a > b ? b : a;
            }
        }
    }
    free(sorted);
    return BS_OK;
}

bs_status
bs_keys_import(bs_ctx *ctx, const bs_keys_layout *layout, char (*addresses)[BS_ADDRESS_MAX],
               size_t count, bs_import_report *rep)
{
    known_cache cache = {"", BS_OK, {0}};
    bs_key_range *ranges = NULL;
    size_t known = 0, first_known = count, nranges;
    bs_keyconfig cfg;
    bs_status st;

    memset(rep, 0, sizeof(*rep));
    rep->repeat_of = SIZE_MAX;
    st = finish_interrupted(ctx);
    for (size_t i = 0; st == BS_OK && i < count; i++) {
        char canon[BS_ADDRESS_MAX];

        st = bs_address_canonical(ctx->network, addresses[i], canon, NULL);
        if (st != BS_OK) {
            rep->bad = i;
            memcpy(rep->address, addresses[i], BS_ADDRESS_MAX);
            return st;
        }
        memcpy(addresses[i], canon, BS_ADDRESS_MAX);
    }
    if (st == BS_OK)
        st = first_repeat((const char(*)[BS_ADDRESS_MAX])addresses, count, &rep->bad,
                          &rep->repeat_of);
    if (st == BS_OK && rep->bad < count) {
        memcpy(rep->address, addresses[rep->bad], BS_ADDRESS_MAX);
        return BS_EXISTS;
    }
    rep->repeat_of = SIZE_MAX;
    if (st == BS_OK)
        st = bs_keylist_plan(ctx, layout, &cfg);
    /* Nothing is written while an address is known: all or none. */
    for (size_t i = 0; st == BS_OK && i < count; i++) {
        bool is_known;
        st = known_already(ctx, addresses[i], &cache, true, &is_known);
        if (is_known && known++ == 0)
            first_known = i;
    }
    if (st != BS_OK)
        return st;
    if (known == count)
        return BS_OK; /* the same import again: every address is on the list */
    if (known > 0) {
        rep->bad = first_known;
        memcpy(rep->address, addresses[first_known], BS_ADDRESS_MAX);
        return BS_EXISTS;
    }
    st = bs_keylist_ensure_config(ctx, &cfg);
    if (st != BS_OK)
        return st;
    nranges = (count + (size_t)cfg.page_size - 1) / (size_t)cfg.page_size;
    ranges = calloc(nranges, sizeof(*ranges));
    if (ranges == NULL)
        return BS_NOMEM;
    for (size_t r = 0; r < nranges; r++) {
        size_t from = r * (size_t)cfg.page_size;
        ranges[r].kind = BS_RANGE_ADDRESSES;
        ranges[r].count =
            (int64_t)(count - from < (size_t)cfg.page_size ? count - from : (size_t)cfg.page_size);
        ranges[r].addresses = &addresses[from];
    }
    st = run_import(ctx, ranges, nranges, rep);
    free(ranges);
    /* Which of the caller's addresses the refusal is about. */
    for (size_t i = 0; (st == BS_EXISTS || st == BS_CONFLICT) && i < count; i++) {
        if (strcmp(addresses[i], rep->address) == 0) {
            rep->bad = i;
            break;
        }
    }
    return st;
}

/* ---- keys derived from an xpub ------------------------------------------------- */

typedef struct index_claim {
    int64_t expect; /* the `next` the addresses were checked for */
    int64_t count;
    const char *type; /* the address type they are for */
    char found[16];   /* BS_MISMATCH: the source's type */
} index_claim;

/* The type is checked here again, in the CAS: a derive of another type that
 * made the source document after this one read it must not share it. */
static bs_status
claim_indexes(void *doc, void *arg, bool *write)
{
    bs_xpub_source *s = doc;
    index_claim *c = arg;

    (void)write;
    if (strcmp(s->type, c->type) != 0) {
        snprintf(c->found, sizeof(c->found), "%s", s->type);
        return BS_MISMATCH; /* one key, one type */
    }
    if (s->next != c->expect)
        return BS_STALE; /* another derive was first: check again */
    s->next += c->count;
    return BS_OK;
}

/* Which of the `count` addresses from index `from` are known already
 * (known[i] for index from + i; *how_many of them)? */
static bs_status
derived_known(bs_ctx *ctx, const bs_bip32_key *chain, bs_address_type type, const bs_keyconfig *cfg,
              int64_t from, int64_t count, bool *known, int64_t *how_many)
{
    char(*addresses)[BS_ADDRESS_MAX] = calloc((size_t)cfg->page_size, sizeof(*addresses));
    known_cache cache = {"", BS_OK, {0}};
    bs_status st = addresses == NULL ? BS_NOMEM : BS_OK;

    *how_many = 0;
    for (int64_t at = from; st == BS_OK && at < from + count; at += cfg->page_size) {
        int64_t n = from + count - at < cfg->page_size ? from + count - at : cfg->page_size;

        st = bs_keylist_derive(chain, type, at, n, addresses);
        for (int64_t i = 0; st == BS_OK && i < n; i++) {
            st = known_already(ctx, addresses[i], &cache, false, &known[at - from + i]);
            *how_many += known[at - from + i];
        }
    }
    free(addresses);
    return st;
}

/* The xpub spans of indexes from..from+count-1 that are not known: runs of
 * them, none longer than a page. *out is malloc'ed (free it). */
static bs_status
spans_of_new(const char *source, int64_t from, int64_t count, const bool *known, int64_t page_size,
             bs_key_range **out, size_t *n)
{
    bs_key_range *ranges = calloc((size_t)count, sizeof(*ranges)); /* enough, at most */

    *out = ranges;
    *n = 0;
    if (ranges == NULL)
        return BS_NOMEM;
    for (int64_t i = 0; i < count; i++) {
        bs_key_range *last = *n > 0 ? &ranges[*n - 1] : NULL;

        if (known[i])
            continue;
        if (last != NULL && last->from + last->count == from + i && last->count < page_size) {
            last->count++;
            continue;
        }
        last = &ranges[(*n)++];
        last->kind = BS_RANGE_XPUB;
        last->from = from + i;
        last->count = 1;
        memcpy(last->source, source, sizeof(last->source));
        bs_keylist_batch_id(source, from + i, last->batch);
    }
    return BS_OK;
}

bs_status
bs_keys_derive(bs_ctx *ctx, const bs_keys_layout *layout, const char *xpub, const char *type_name,
               int64_t count, bs_import_report *rep)
{
    char id[BS_SOURCE_ID_LEN + 1], key[BS_KEY_BUF];
    bs_xpub_source source = {0}, existing;
    index_claim claim = {0, count, NULL, ""};
    bs_key_range *ranges = NULL;
    size_t nranges = 0;
    bool *known = NULL;
    bs_address_type type;
    bs_bip32_key chain;
    bs_keyconfig cfg;
    size_t len;
    bs_status st;

    memset(rep, 0, sizeof(*rep));
    rep->repeat_of = SIZE_MAX;
    if (count < 1 || count > BS_DERIVE_MAX)
        return BS_INVALID;
    known = calloc((size_t)count, sizeof(*known));
    if (known == NULL)
        return BS_NOMEM;
    st = bs_keylist_open_xpub(ctx->network, xpub, type_name, &chain, &type, &rep->problem);
    if (st == BS_OK)
        st = finish_interrupted(ctx);
    if (st == BS_OK)
        st = bs_keylist_plan(ctx, layout, &cfg);
    if (st != BS_OK) {
        free(known);
        return st;
    }
    bs_keylist_source_id(&chain, id);
    bs_key_xpub_source(id, key);
    snprintf(source.xpub, sizeof(source.xpub), "%s", xpub);
    snprintf(source.type, sizeof(source.type), "%s", bs_address_type_name(type));
    claim.type = source.type;
    /* Every address is checked before anything is written; the indexes are
     * then claimed only if no other derive took them meanwhile. */
    for (int attempt = 0; attempt < BS_DOCS_CAS_ATTEMPTS; attempt++) {
        st = bs_docs_read(ctx, key, &bs_xpub_source_type, &existing, NULL);
        if (st == BS_NOTFOUND) {
            existing = source;
            st = BS_OK;
        }
        if (st == BS_OK && strcmp(existing.type, source.type) != 0) {
            snprintf(rep->xpub_type, sizeof(rep->xpub_type), "%s", existing.type);
            st = BS_MISMATCH;
        }
        if (st == BS_OK && existing.next > (int64_t)0x7fffffff - count)
            st = BS_TOOLARGE;
        claim.expect = existing.next;
        if (st == BS_OK)
            st = derived_known(ctx, &chain, type, &cfg, claim.expect, count, known, &rep->known);
        if (st == BS_OK)
            st = bs_keylist_ensure_config(ctx, &cfg);
        if (st == BS_OK)
            bs_failpoint(BS_FP_KEYS_DERIVE_CHECKED);
        if (st == BS_OK && claim.expect == 0) {
            st = bs_keydocs_add(ctx, key, bs_xpub_source_encode(&source, &len), &len);
            if (st == BS_EXISTS || st == BS_UNCERTAIN)
                st = BS_OK;
        }
        if (st == BS_OK)
            st = bs_docs_update(ctx, key, &bs_xpub_source_type, claim_indexes, &claim, NULL);
        if (st != BS_STALE)
            break;
    }
    if (st == BS_MISMATCH && claim.found[0] != '\0')
        snprintf(rep->xpub_type, sizeof(rep->xpub_type), "%s", claim.found);
    if (st == BS_OK) {
        rep->first = claim.expect;
        st = spans_of_new(id, claim.expect, count, known, cfg.page_size, &ranges, &nranges);
    }
    if (st == BS_OK && nranges > 0)
        st = run_import(ctx, ranges, nranges, rep);
    free(ranges);
    free(known);
    return st;
}

/* ---- recovery and the check ----------------------------------------------------- */

/* Call `fn` with the id and intent of every import. The walk sees an
 * import's intent just before its ranges (keyimport/<id> sorts before
 * keyimport/<id>/<r>): ranges left behind by an import that is over (a
 * crash while they were removed) go as it passes them. */
typedef bs_status (*intent_visit)(bs_ctx *ctx, const char *id, const bs_keyimport *k, void *arg);

typedef struct intent_walk {
    bs_ctx *ctx;
    intent_visit fn;
    void *arg;
    char over[BS_ID_LEN + 1]; /* the last import seen, when it is over */
} intent_walk;

static bool
is_over(bs_import_state state)
{
    return state == BS_IMPORT_DONE || state == BS_IMPORT_UNDONE;
}

static bs_status
visit_intent(const bs_store_doc *doc, void *arg)
{
    intent_walk *w = arg;
    const char *id = doc->key + strlen(BS_PREFIX_KEYIMPORTS), *slash = strchr(id, '/');
    bs_keyimport k;
    bs_status st;

    if (slash != NULL) { /* a range */
        bool over =
            strlen(w->over) == (size_t)(slash - id) && strncmp(w->over, id, strlen(w->over)) == 0;
        return over ? remove_doc(w->ctx, doc->key) : BS_OK;
    }
    st = bs_keyimport_decode(doc->value, doc->len, &k);
    if (st != BS_OK)
        return st;
    snprintf(w->over, sizeof(w->over), "%s", is_over(k.state) ? id : "");
    return w->fn(w->ctx, id, &k, w->arg);
}

static bs_status
each_intent(bs_ctx *ctx, intent_visit fn, void *arg)
{
    intent_walk w = {ctx, fn, arg, ""};

    return bs_docs_each(ctx, BS_PREFIX_KEYIMPORTS, visit_intent, &w);
}

typedef struct finishing {
    size_t *finished;
    size_t *problems;
    bs_recover_note note;
    void *arg;
} finishing;

static bs_status
finish_one(bs_ctx *ctx, const char *id, const bs_keyimport *k, void *arg)
{
    finishing *f = arg;
    bs_keyimport now = *k;
    bs_status st = BS_OK;

    if (is_over(k->state) || (k->state == BS_IMPORT_RECORDING && !stale(ctx, k)))
        return BS_OK; /* over, or alive as far as anyone can tell */
    if (k->state == BS_IMPORT_RECORDING)
        st = abort_import(ctx, id, "", &now.state);
    if (st == BS_OK && now.state == BS_IMPORT_COMMITTED)
        st = finish_import(ctx, id, &now);
    else if (st == BS_OK && now.state == BS_IMPORT_ABORTED)
        st = undo_import(ctx, id, &now);
    if (st == BS_NOTFOUND)
        st = BS_OK; /* finished meanwhile by someone else */
    if (st == BS_OK)
        (*f->finished)++;
    return bs_recover_item(f->note, f->arg, f->problems, st, NULL, NULL, "key import");
}

bs_status
bs_keys_finish_imports(bs_ctx *ctx, size_t *finished, size_t *problems, bs_recover_note note,
                       void *arg)
{
    finishing f = {finished, problems, note, arg};

    return each_intent(ctx, finish_one, &f);
}

typedef struct unfinished {
    bs_keys_import_visit visit;
    void *arg;
} unfinished;

static bs_status
report_unfinished(bs_ctx *ctx, const char *id, const bs_keyimport *k, void *arg)
{
    unfinished *u = arg;

    if (!is_over(k->state) && (k->state != BS_IMPORT_RECORDING || stale(ctx, k)))
        u->visit(u->arg, id, k);
    return BS_OK;
}

bs_status
bs_keys_unfinished_imports(bs_ctx *ctx, bs_keys_import_visit visit, void *arg)
{
    unfinished u = {visit, arg};

    return each_intent(ctx, report_unfinished, &u);
}
