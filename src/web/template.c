/*
 * template.c — see template.h. Templates are read as they are rendered (a
 * page is a few KB; no compiled form is kept): text up to the next "{{" is
 * copied as markup, each tag is looked up in the context stack and written
 * through the escaping calls of web/html.h.
 */
#include <stdio.h>
#include <string.h>

#include "web/template.h"

#define FRAMES_MAX 32 /* nested sections and partials */

typedef struct frames {
    json_t *at[FRAMES_MAX];
    size_t count;
    const bs_web_file *table; /* where partials are looked up */
} frames;

static bs_status render(bs_html *h, const char *p, const char *end, frames *f, int depth);

/* The next "{{" in [p, end), or NULL. */
static const char *
next_open(const char *p, const char *end)
{
    for (; p + 1 < end; p++)
        if (p[0] == '{' && p[1] == '{')
            return p;
    return NULL;
}

const bs_web_file *
bs_web_file_find(const bs_web_file *table, const char *name, size_t len)
{
    for (const bs_web_file *file = table; file->name != NULL; file++)
        if (strlen(file->name) == len && memcmp(file->name, name, len) == 0)
            return file;
    return NULL;
}

/* The value of `path` (len bytes) in the context stack, or NULL. */
static json_t *
lookup(const frames *f, const char *path, size_t len)
{
    const char *dot = memchr(path, '.', len);
    size_t first = dot != NULL ? (size_t)(dot - path) : len;
    json_t *v = NULL;
    char key[128];

    if (len == 1 && path[0] == '.')
        return f->count > 0 ? f->at[f->count - 1] : NULL;
    if (first == 0 || first >= sizeof(key))
        return NULL;
    memcpy(key, path, first);
    key[first] = '\0';
    for (size_t i = f->count; i-- > 0 && v == NULL;)
        v = json_object_get(f->at[i], key); /* NULL for a non-object */
    while (v != NULL && dot != NULL) {
        const char *name = dot + 1, *stop = path + len;
        size_t n;
        dot = memchr(name, '.', (size_t)(stop - name));
        n = (size_t)((dot != NULL ? dot : stop) - name);
        if (n == 0 || n >= sizeof(key))
            return NULL;
        memcpy(key, name, n);
        key[n] = '\0';
        v = json_object_get(v, key);
    }
    return v;
}

static bool
empty(json_t *v)
{
    return v == NULL || json_is_null(v) || json_is_false(v) ||
           (json_is_integer(v) && json_integer_value(v) == 0) ||
           (json_is_string(v) && json_string_length(v) == 0) ||
           (json_is_array(v) && json_array_size(v) == 0);
}

static void
write_value(bs_html *h, json_t *v, bool url)
{
    if (json_is_string(v))
        url ? bs_html_url(h, json_string_value(v)) : bs_html_text(h, json_string_value(v));
    else if (json_is_integer(v))
        bs_html_int(h, json_integer_value(v));
    else if (json_is_true(v))
        bs_html_markup(h, "true");
}

/* The tag at p ("{{" already seen): its kind and name, and where it ends. */
typedef struct tag {
    char kind; /* '#', '^', '/', '>', 'u' (url:) or 'v' (a value) */
    const char *name;
    size_t len;
    const char *after; /* just past "}}" */
} tag;

static bool
read_tag(const char *p, const char *end, tag *t)
{
    const char *close;

    p += 2;
    for (close = p; close + 1 < end && !(close[0] == '}' && close[1] == '}'); close++)
        ;
    if (close + 1 >= end)
        return false;
    t->after = close + 2;
    t->kind = 'v';
    if (p < close && strchr("#^/>", *p) != NULL)
        t->kind = *p++;
    else if (close - p > 4 && memcmp(p, "url:", 4) == 0) {
        t->kind = 'u';
        p += 4;
    }
    t->name = p;
    t->len = (size_t)(close - p);
    return t->len > 0;
}

/* The end of the section opened by `open`: *inner_end at its "{{/name}}",
 * *after just past it. False when it is not closed, or closed by another
 * name. */
static bool
section_end(const tag *open, const char *end, const char **inner_end, const char **after)
{
    int nested = 0;
    tag t;

    for (const char *p = open->after; (p = next_open(p, end)) != NULL;) {
        if (!read_tag(p, end, &t))
            return false;
        if (t.kind == '#' || t.kind == '^')
            nested++;
        else if (t.kind == '/' && nested > 0)
            nested--;
        else if (t.kind == '/') {
            if (t.len != open->len || memcmp(t.name, open->name, t.len) != 0)
                return false;
            *inner_end = p;
            *after = t.after;
            return true;
        }
        p = t.after;
    }
    return false;
}

static bs_status
render_in(bs_html *h, const char *p, const char *end, frames *f, int depth, json_t *context)
{
    bs_status st;

    if (f->count == FRAMES_MAX)
        return BS_CORRUPT;
    f->at[f->count++] = context;
    st = render(h, p, end, f, depth);
    f->count--;
    return st;
}

static bs_status
render_section(bs_html *h, const tag *t, const char *inner, const char *inner_end, frames *f,
               int depth)
{
    json_t *v = lookup(f, t->name, t->len);
    bs_status st = BS_OK;

    if (t->kind == '^')
        return empty(v) ? render(h, inner, inner_end, f, depth) : BS_OK;
    if (empty(v))
        return BS_OK;
    if (json_is_array(v)) {
        for (size_t i = 0; st == BS_OK && i < json_array_size(v); i++)
            st = render_in(h, inner, inner_end, f, depth, json_array_get(v, i));
        return st;
    }
    if (json_is_object(v))
        return render_in(h, inner, inner_end, f, depth, v);
    return render(h, inner, inner_end, f, depth);
}

static bs_status
render_partial(bs_html *h, const char *name, size_t len, frames *f, int depth)
{
    char file[128];
    const bs_web_file *t;

    if (depth >= BS_TEMPLATE_DEPTH || len + sizeof(".html") > sizeof(file))
        return BS_CORRUPT;
    memcpy(file, name, len);
    memcpy(file + len, ".html", sizeof(".html"));
    t = bs_web_file_find(f->table, file, strlen(file));
    if (t == NULL)
        return BS_CORRUPT;
    return render(h, (const char *)t->data, (const char *)t->data + t->len, f, depth + 1);
}

static bs_status
render(bs_html *h, const char *p, const char *end, frames *f, int depth)
{
    while (p < end) {
        const char *open = next_open(p, end), *inner_end, *after;
        bs_status st = BS_OK;
        tag t;

        if (open == NULL)
            open = end;
        bs_html__raw(h, p, (size_t)(open - p));
        if (open == end)
            break;
        if (!read_tag(open, end, &t))
            return BS_CORRUPT;
        p = t.after;
        switch (t.kind) {
        case '#':
        case '^':
            if (!section_end(&t, end, &inner_end, &after))
                return BS_CORRUPT;
            st = render_section(h, &t, t.after, inner_end, f, depth);
            p = after;
            break;
        case '/':
            return BS_CORRUPT; /* closes nothing open */
        case '>':
            st = render_partial(h, t.name, t.len, f, depth);
            break;
        default:
            write_value(h, lookup(f, t.name, t.len), t.kind == 'u');
        }
        if (st != BS_OK)
            return st;
    }
    return h->failed ? BS_NOMEM : BS_OK;
}

bs_status
bs_template_render(bs_html *h, const char *name, json_t *data)
{
    return bs_template_render_from(bs_web_pages, h, name, data);
}

bs_status
bs_template_render_from(const bs_web_file *table, bs_html *h, const char *name, json_t *data)
{
    char file[128];
    const bs_web_file *t;
    frames f = {.count = 0, .table = table};
    int n = snprintf(file, sizeof(file), "%s.html", name);

    if (n < 0 || (size_t)n >= sizeof(file) ||
        (t = bs_web_file_find(table, file, (size_t)n)) == NULL)
        return BS_NOTFOUND;
    f.at[f.count++] = data;
    return render(h, (const char *)t->data, (const char *)t->data + t->len, &f, 0);
}
