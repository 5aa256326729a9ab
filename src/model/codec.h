/*
 * codec.h — the JSON plumbing the document codecs of src/model share
 * (jansson). Decoders are strict: a missing or mistyped field, or a string
 * longer than its buffer, makes the document BS_CORRUPT, never a guess.
 */
#ifndef BS_CODEC_H
#define BS_CODEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/names.h"
#include "util/status.h"

/* Parse a document; NULL when it is not a JSON object. New reference. */
json_t *bs_codec_load(const char *text, size_t len);

/* Serialise `doc` compactly in insertion order and drop the reference.
 * Returns a malloc'ed string (length in *len) or NULL when out of memory. */
char *bs_codec_dump(json_t *doc, size_t *len);

/* Copy the string field `name` into out[size]. A missing field gives ""
 * when `optional`, BS_CORRUPT otherwise. */
bs_status bs_codec_string(json_t *obj, const char *name, char *out, size_t size, bool optional);

/* Read the integer field `name`; BS_CORRUPT when missing or not an integer. */
bs_status bs_codec_int(json_t *obj, const char *name, int64_t *out);

/* Read a reference "owner/index" from the string field `name`. */
bs_status bs_codec_ref(json_t *obj, const char *name, bs_ref *out);

/* A JSON string of a reference. New reference (NULL when out of memory). */
json_t *bs_codec_ref_json(const bs_ref *ref);

#endif
