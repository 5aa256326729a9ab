/*
 * session.c — the JSON of a web session (session.h):
 *   session/<hash>  {"account","csrf","created","seen"[,"notice"][,"api_key"],"rev"}
 * with "notice" and "api_key" present only when there is one to show.
 */
#include <string.h>

#include "model/codec.h"
#include "model/session.h"
#include "util/text.h"

bool
bs_session_notice_valid(const char *notice)
{
    size_t len = notice != NULL ? strlen(notice) : 0;

    return len == 0 || (len <= BS_SESSION_NOTICE_MAX && bs_text_clean_utf8(notice, len, NULL));
}

char *
bs_session_encode(const bs_session *s, size_t *len)
{
    json_t *doc = json_pack("{s:s, s:s, s:I, s:I}", "account", s->account, "csrf", s->csrf,
                            "created", (json_int_t)s->created, "seen", (json_int_t)s->seen);

    if (doc == NULL)
        return NULL;
    if ((s->notice[0] != '\0' && json_object_set_new(doc, "notice", json_string(s->notice)) != 0) ||
        (s->api_key[0] != '\0' &&
         json_object_set_new(doc, "api_key", json_string(s->api_key)) != 0) ||
        json_object_set_new(doc, "rev", json_string(s->rev)) != 0) {
        json_decref(doc);
        return NULL;
    }
    return bs_codec_dump(doc, len);
}

/* An optional string field: absent is "", present must not be empty. */
static bool
optional_string(json_t *doc, const char *name, char *out, size_t size, size_t *fields)
{
    if (json_object_get(doc, name) == NULL) {
        out[0] = '\0';
        return true;
    }
    (*fields)++;
    return bs_codec_string(doc, name, out, size, false) == BS_OK && out[0] != '\0';
}

bs_status
bs_session_decode(const char *text, size_t len, bs_session *s)
{
    json_t *doc = bs_codec_load(text, len);
    size_t fields = 5;
    bs_name canon;
    bool ok;

    if (doc == NULL)
        return BS_CORRUPT;
    ok = bs_codec_string(doc, "account", s->account, sizeof(s->account), false) == BS_OK &&
         bs_name_valid(s->account) &&
         (bs_name_canonical(s->account, canon), strcmp(canon, s->account) == 0) &&
         bs_codec_string(doc, "csrf", s->csrf, sizeof(s->csrf), false) == BS_OK &&
         strlen(s->csrf) == BS_SESSION_CSRF_LEN &&
         bs_text_lower_hex(s->csrf, BS_SESSION_CSRF_LEN) &&
         bs_codec_int(doc, "created", &s->created) == BS_OK && s->created >= 0 &&
         bs_codec_int(doc, "seen", &s->seen) == BS_OK && s->seen >= 0 &&
         optional_string(doc, "notice", s->notice, sizeof(s->notice), &fields) &&
         bs_session_notice_valid(s->notice) &&
         optional_string(doc, "api_key", s->api_key, sizeof(s->api_key), &fields) &&
         (s->api_key[0] == '\0' || (strlen(s->api_key) == BS_SESSION_KEY_LEN &&
                                    bs_text_lower_hex(s->api_key, BS_SESSION_KEY_LEN))) &&
         bs_codec_string(doc, "rev", s->rev, sizeof(s->rev), false) == BS_OK &&
         bs_id_valid(s->rev) && json_object_size(doc) == fields;
    json_decref(doc);
    return ok ? BS_OK : BS_CORRUPT;
}
