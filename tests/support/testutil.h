/*
 * testutil.h — small helpers shared by the tests: scratch directories that
 * clean themselves up, the store URL under test, and unique key namespaces
 * so that tests can share one store (as they must on etcd).
 */
#ifndef BS_TESTUTIL_H
#define BS_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

/* A new empty directory, removed with its contents when the process exits
 * normally. The string lives until exit. Aborts the test on failure. */
const char *bs_test_tmpdir(void);

/* The store URL to test: $BITSLOT_TEST_STORE when set, otherwise a fresh
 * LMDB store in a scratch directory (the same one for the whole process).
 * Lives until exit. */
const char *bs_test_store_url(void);

/* A store with nothing in it, for a test that needs the whole store to
 * itself: a new LMDB store in a scratch directory, or, when
 * $BITSLOT_TEST_STORE is set (a server store such as etcd), that store with
 * every document removed. Writes the URL into out[size]. Aborts the test on
 * failure. */
void bs_test_empty_store(char *out, size_t size);

/* Write "<pid>-<n>/<name>/" into `out`: a key prefix no other test or process
 * uses. */
void bs_test_namespace(char *out, size_t size, const char *name);

/* What directory `dir` holds, as text: one "NAME SIZE" line per entry (the
 * size in bytes, "-" for what is not a regular file), in name order, or
 * "no such directory\n". Malloc'ed: free it. Two calls compare equal when
 * nothing was added, removed, grown or shrunk there. Aborts the test on
 * failure to read it. */
char *bs_test_dir_listing(const char *dir);

/* Move this process into a mount namespace of its own and mount a tmpfs of
 * `size` bytes (mount's syntax: "4m") on directory `dir`. Its children
 * (servers, commands) see it; nothing mounted there is seen outside the
 * namespace or outlives its last process. Call it before starting a thread
 * (unshare refuses a threaded process). False, with the reason on stderr,
 * where this is not permitted (not root) or cannot be kept private (the
 * mounts here propagate to another namespace and "/" cannot be made private,
 * as in a chroot of a shared mount): then skip the test. */
bool bs_test_private_tmpfs(const char *dir, const char *size);

/* The output of a command run by bs_test_run(). */
typedef struct bs_test_output {
    int exit_code; /* the exit code, or 128 + signal */
    char *out;     /* all of stdout, NUL-terminated; free() it */
    char *err;     /* all of stderr, NUL-terminated; free() it */
} bs_test_output;

/* Run the `bitslot` binary ($BITSLOT_BIN) with `args` (NULL-terminated, not
 * including the program name), `env` (NULL-terminated "NAME=value" entries
 * added to the environment, or NULL) and `input` on stdin (or NULL), and
 * collect its output. Aborts the test on failure to run it, and when its
 * stderr holds a ThreadSanitizer report. */
bs_test_output bs_test_run(const char *const *args, const char *const *env, const char *input);

/* The same for any program (looked up in PATH when it has no slash). */
bs_test_output bs_test_run_program(const char *program, const char *const *args,
                                   const char *const *env, const char *input);

/* Free the output of bs_test_run(). */
void bs_test_output_release(bs_test_output *out);

/* A `bitslot` process running in the background, its stdout and stderr
 * going to files. */
typedef struct bs_test_process {
    int pid;
    char out_path[4096];
    char err_path[4096];
} bs_test_process;

/* Start `bitslot` with `args` and `env` (as bs_test_run) in the background. */
void bs_test_spawn(bs_test_process *p, const char *const *args, const char *const *env);

/* Send `sig` to it (0: none), wait for it to end, and collect its output.
 * Aborts the test when its stderr holds a ThreadSanitizer report. */
bs_test_output bs_test_finish(bs_test_process *p, int sig);

/* A `bitslot` process stopped at a failpoint (BITSLOT_FAILPOINT=NAME:pause,
 * util/failpoint.h), so that a test can act at exactly that moment. */
typedef bs_test_process bs_test_paused;

/* Start `bitslot` with `args` and `env` (as bs_test_run) and wait until it
 * stops itself at `failpoint`. Aborts the test when it ends instead (it
 * never reached the point). */
void bs_test_start_paused(bs_test_paused *p, const char *failpoint, const char *const *args,
                          const char *const *env);

/* Let a paused process go on, wait for it to end, and collect its output
 * (release it with bs_test_output_release). */
bs_test_output bs_test_resume(bs_test_paused *p);

#endif
