/*
 * field.h — the one rule for each kind of text a person types into bitslot
 * (DESIGN.md principle 7): account names, campaign titles, hover texts,
 * nicknames, reasons (of an adjustment, of hiding an ad), ad URLs and
 * category lists. Every entry point (the commands, the server's API and
 * pages) checks a value with bs_field_valid() and words its refusal with
 * bs_field_label() and bs_field_rule(), so no entry point can accept what
 * another refuses.
 *
 * Free text is UTF-8 that is safe to show (util/text.h: no control
 * characters, no direction overrides); URLs are http(s) in the strict form
 * of util/text.h.
 */
#ifndef BS_MODEL_FIELD_H
#define BS_MODEL_FIELD_H

#include <stdbool.h>

#define BS_FIELD_MAP(X)                                                                            \
    X(NAME)                                                                                        \
    X(TITLE)                                                                                       \
    X(HOVER)                                                                                       \
    X(NICKNAME)                                                                                    \
    X(REASON)                                                                                      \
    X(HIDE_REASON)                                                                                 \
    X(URL)                                                                                         \
    X(CATEGORIES)

typedef enum bs_field {
#define BS__FIELD_ENUM(id) BS_FIELD_##id,
    BS_FIELD_MAP(BS__FIELD_ENUM)
#undef BS__FIELD_ENUM
        BS__FIELD_COUNT
} bs_field;

/* True when `text` (NUL-terminated; NULL is never valid) keeps the rule of
 * field `f`. */
bool bs_field_valid(bs_field f, const char *text);

/* "title"; "field" for a value out of range. Static storage. */
const char *bs_field_label(bs_field f);

/* The rule as a phrase ("at most 200 bytes of text ..."). Static storage. */
const char *bs_field_rule(bs_field f);

#endif
