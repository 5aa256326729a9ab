/*
 * field.c — see field.h. The limits come from the documents' headers; the
 * rules' wording is built from the same numbers.
 */
#include <string.h>

#include "model/ad.h"
#include "model/adhide.h"
#include "model/campaign.h"
#include "model/field.h"
#include "model/ledger.h"
#include "model/names.h"
#include "util/text.h"

#define STR_(x) #x
#define STR(x)  STR_(x)
#define SAFE    " of text without control characters or direction overrides"

static bool
name_valid(const char *text)
{
    return bs_name_valid(text);
}

/* Clean text of at most `max_bytes` bytes and `max_chars` code points. */
static bool
text_within(const char *text, size_t min_bytes, size_t max_bytes, size_t max_chars)
{
    size_t len = strlen(text), chars;

    return len >= min_bytes && len <= max_bytes && bs_text_clean_utf8(text, len, &chars) &&
           chars <= max_chars;
}

static bool
title_valid(const char *text)
{
    return text_within(text, 0, BS_TITLE_MAX, BS_TITLE_MAX);
}

static bool
hover_valid(const char *text)
{
    return text_within(text, 0, BS_HOVER_MAX, BS_HOVER_CHARS);
}

static bool
nickname_valid(const char *text)
{
    return text_within(text, 0, BS_NICKNAME_MAX, BS_NICKNAME_MAX);
}

static bool
reason_valid(const char *text)
{
    return text_within(text, 1, BS_MEMO_MAX, BS_MEMO_MAX);
}

static bool
hide_reason_valid(const char *text)
{
    return text_within(text, 1, BS_HIDE_REASON_MAX, BS_HIDE_REASON_CHARS);
}

static bool
url_valid(const char *text)
{
    return bs_text_http_url(text, BS_URL_MAX);
}

static bool
categories_valid(const char *text)
{
    bs_categories set;

    return bs_categories_parse(text, &set) == BS_OK;
}

/* The rules' wording, built from the limits. (clang-format takes STR() for a
 * call and breaks the concatenations apart, so it is kept off here.) */
// clang-format off
#define NAME_RULE     "letters, digits and _, at most " STR(BS_NAME_MAX)
#define TITLE_RULE    "at most " STR(BS_TITLE_MAX) " bytes" SAFE
#define HOVER_RULE    "at most " STR(BS_HOVER_CHARS) " characters" SAFE
#define NICKNAME_RULE "at most " STR(BS_NICKNAME_MAX) " bytes" SAFE
#define REASON_RULE   "1 to " STR(BS_MEMO_MAX) " bytes" SAFE
#define HIDE_REASON_RULE "1 to " STR(BS_HIDE_REASON_CHARS) " characters" SAFE
#define URL_RULE                                                                \
    "an http:// or https:// address of at most " STR(BS_URL_MAX) " characters: " \
    "a host name (no user@), an optional port, then only letters, digits and "  \
    "-._~!$&()*+,;=:@/?#%"
#define CATEGORIES_RULE                                                         \
    "a comma-separated list of up to " STR(BS_CATEGORIES_MAX) " names of a-z, "  \
    "0-9 and -, each at most " STR(BS_CATEGORY_MAX) " long, without repeats"
// clang-format on

static const struct {
    const char *label;
    const char *rule;
    bool (*valid)(const char *text);
} fields[] = {
    [BS_FIELD_NAME] = {"account name", NAME_RULE, name_valid},
    [BS_FIELD_TITLE] = {"title", TITLE_RULE, title_valid},
    [BS_FIELD_HOVER] = {"hover text", HOVER_RULE, hover_valid},
    [BS_FIELD_NICKNAME] = {"nickname", NICKNAME_RULE, nickname_valid},
    [BS_FIELD_REASON] = {"reason", REASON_RULE, reason_valid},
    [BS_FIELD_HIDE_REASON] = {"reason", HIDE_REASON_RULE, hide_reason_valid},
    [BS_FIELD_URL] = {"URL", URL_RULE, url_valid},
    [BS_FIELD_CATEGORIES] = {"categories", CATEGORIES_RULE, categories_valid},
};

bool
bs_field_valid(bs_field f, const char *text)
{
    return (unsigned)f < BS__FIELD_COUNT && text != NULL && fields[f].valid(text);
}

const char *
bs_field_label(bs_field f)
{
    return (unsigned)f < BS__FIELD_COUNT ? fields[f].label : "field";
}

const char *
bs_field_rule(bs_field f)
{
    return (unsigned)f < BS__FIELD_COUNT ? fields[f].rule : "unknown";
}
