/*
 * fuzz_rpc_scan.c — the parser of a node's HTTP answer body in
 * src/chain/rpc.c: rpc_quote_numbers (which wraps every JSON number with a
 * fraction, an exponent or more than 18 digits in quotes) followed by
 * json_loadb, as rpc_interpret runs them. Both are static and reached only
 * through a network call, so rpc.c is compiled into this target (#include)
 * and the static functions called directly; src/ is not changed.
 *
 * Checks:
 *   - the counting pass and the writing pass agree on the length (the
 *     output buffer is allocated with exactly the counted size, so a longer
 *     write is a heap overflow ASan reports);
 *   - when the body is JSON jansson accepts, the scanner accepts it too and
 *     the quoted text parses to the same tree, except that every real, and
 *     every integer of more than 18 digits, is now a string whose text reads
 *     as the same number;
 *   - whatever the quoted text parses to holds no real.
 * A body with a NUL byte is left out of the comparison: jansson 2.14 skips a
 * NUL that directly follows a number ("1\0,2" loads as [1,2]; its stream
 * reader takes the pushed-back NUL for an empty buffer), while after quoting
 * the NUL follows a '"' and is refused, so bitslot is the stricter one.
 */
#include "chain/rpc.c"

static bool
no_reals(const json_t *v, int depth)
{
    const char *key;
    json_t *item;
    size_t i;

    if (json_is_real(v))
        return false;
    if (depth > 2048)
        return true;
    if (json_is_object(v)) {
        json_object_foreach((json_t *)v, key, item)
        {
            if (!no_reals(item, depth + 1))
                return false;
        }
    } else if (json_is_array(v)) {
        json_array_foreach(v, i, item)
        {
            if (!no_reals(item, depth + 1))
                return false;
        }
    }
    return true;
}

/* Is `quoted` the tree `orig` after quoting? */
static bool
same_tree(const json_t *orig, const json_t *quoted, int depth)
{
    const char *key;
    json_t *item;
    size_t i;

    if (depth > 2048)
        return true;
    switch (json_typeof(orig)) {
    case JSON_REAL:
        return json_is_string(quoted) &&
               strtod(json_string_value(quoted), NULL) == json_real_value(orig);
    case JSON_INTEGER:
        if (json_is_integer(quoted))
            return json_integer_value(quoted) == json_integer_value(orig);
        return json_is_string(quoted) &&
               strtoll(json_string_value(quoted), NULL, 10) == json_integer_value(orig) &&
               strspn(json_string_value(quoted), "-0123456789") == json_string_length(quoted) &&
               json_string_length(quoted) > RPC_INT_DIGITS_MAX;
    case JSON_STRING:
        return json_is_string(quoted) && json_string_length(quoted) == json_string_length(orig) &&
               memcmp(json_string_value(quoted), json_string_value(orig),
                      json_string_length(orig)) == 0;
    case JSON_OBJECT:
        if (!json_is_object(quoted) || json_object_size(quoted) != json_object_size(orig))
            return false;
        json_object_foreach((json_t *)orig, key, item)
        {
            if (!same_tree(item, json_object_get(quoted, key), depth + 1))
                return false;
        }
        return true;
    case JSON_ARRAY:
        if (!json_is_array(quoted) || json_array_size(quoted) != json_array_size(orig))
            return false;
        json_array_foreach(orig, i, item)
        {
            if (!same_tree(item, json_array_get(quoted, i), depth + 1))
                return false;
        }
        return true;
    case JSON_TRUE:
    case JSON_FALSE:
    case JSON_NULL:
        return json_typeof(quoted) == json_typeof(orig);
    }
    return false;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *body = (const char *)data;
    size_t counted = 0, written = 0;
    json_t *orig, *quoted_tree = NULL;
    char *quoted = NULL;
    bs_status st;

    orig = memchr(body, '\0', size) == NULL ? json_loadb(body, size, JSON_DECODE_ANY, NULL) : NULL;
    st = rpc_quote_numbers(body, size, NULL, &counted);
    if (st != BS_OK && st != BS_CORRUPT)
        abort();
    if (st == BS_OK) {
        quoted = malloc(counted > 0 ? counted : 1);
        if (quoted == NULL)
            abort();
        if (rpc_quote_numbers(body, size, quoted, &written) != BS_OK || written != counted)
            abort();
        quoted_tree = json_loadb(quoted, counted, JSON_DECODE_ANY, NULL);
        if (quoted_tree != NULL && !no_reals(quoted_tree, 0))
            abort();
    }
    if (orig != NULL && (st != BS_OK || quoted_tree == NULL || !same_tree(orig, quoted_tree, 0)))
        abort();
    json_decref(quoted_tree);
    json_decref(orig);
    free(quoted);
    return 0;
}
