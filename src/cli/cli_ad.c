/*
 * cli_ad.c — ad commands:
 *   ad add NAME --image FILE --url URL [--hover TEXT] [--nickname N]
 *          [--categories LIST]
 *   ad list NAME
 *   ad hide ID --reason TEXT   (the operator's moderation, core/moderation.h)
 *   ad show ID
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/ads.h"
#include "core/campaigns.h"
#include "core/moderation.h"

/* Read a whole regular file, up to `max` + 1 bytes (so that one byte too
 * many is seen). BS_NOTFOUND: cannot be opened; BS_BADPATH: not a regular
 * file. The file is opened without blocking and checked on the open
 * descriptor (no race with a rename): opening a named pipe would otherwise
 * wait for a writer forever, and a device is never read. */
static bs_status
read_file(const char *path, size_t max, unsigned char **data, size_t *len)
{
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    unsigned char *buf;
    bs_status st = BS_OK;
    struct stat sb;
    FILE *f;

    *data = NULL;
    if (fd < 0)
        return BS_NOTFOUND;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return BS_BADPATH;
    }
    f = fdopen(fd, "rb"); /* O_NONBLOCK changes nothing for a regular file */
    if (f == NULL) {
        close(fd);
        return BS_NOMEM;
    }
    buf = malloc(max + 1);
    if (buf == NULL) {
        st = BS_NOMEM;
        goto close_file;
    }
    *len = fread(buf, 1, max + 1, f);
    if (ferror(f)) {
        free(buf);
        st = BS_IO;
        goto close_file;
    }
    *data = buf;
close_file:
    fclose(f);
    return st;
}

/* A field that breaks its rule is a usage error; an image that is not an
 * acceptable ad is a refusal. `ad` is what bs_ads_add saw of the image
 * (NULL before it was looked at). */
static int
ad_problem(bs_ad_problem p, bs_image_reason reason, const char *file, const bs_ad_upload *up,
           const bs_ad *ad)
{
    bs_said said;

    bs_say_ad(p, reason, file, up, ad, &said);
    return bs_cli_said(&said);
}

static int
run_add(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"image", true, NULL},
                            {"url", true, NULL},
                            {"hover", true, NULL},
                            {"nickname", true, NULL},
                            {"categories", true, NULL}};
    bs_image_reason reason = BS_IMAGE_OK;
    bs_ad_upload up = {0};
    bs_ad_problem problem;
    char text[BS_REF_MAX];
    unsigned char *image;
    const char *pos[1];
    size_t npos;
    bs_ctx *ctx;
    bs_ad ad;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 5, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1 || opts[0].value == NULL || opts[1].value == NULL)
        return bs_cli_usage(cmd);
    up.owner = pos[0];
    up.url = opts[1].value;
    up.hover = opts[2].value;
    up.nickname = opts[3].value;
    up.categories = opts[4].value;
    if (!bs_name_valid(pos[0]))
        return bs_cli_invalid(BS_FIELD_NAME, pos[0]);
    problem = bs_ads_check_fields(&up);
    if (problem != BS_AD_OK)
        return ad_problem(problem, reason, opts[0].value, &up, NULL);
    st = read_file(opts[0].value, BS_IMAGE_MAX_BYTES, &image, &up.image_len);
    if (st != BS_OK)
        return bs_cli_refuse("cannot read image \"%s\": %s", opts[0].value,
                             st == BS_NOTFOUND  ? "no such file or not readable"
                             : st == BS_BADPATH ? "not a regular file"
                                                : bs_strerror(st));
    up.image = image;
    rc = bs_cli_ctx(cli, &ctx);
    if (rc == BS_EXIT_OK) {
        st = bs_ads_add(ctx, &up, &ad, &problem, &reason);
        if (st == BS_NOTFOUND) {
            bs_cli_error("no account \"%s\"", pos[0]);
            rc = BS_EXIT_REFUSED;
        } else if (problem != BS_AD_OK) {
            rc = ad_problem(problem, reason, opts[0].value, &up, &ad);
        } else if (st != BS_OK) {
            rc = bs_cli_fail(st, "cannot store the ad");
        } else {
            bs_ref_format(&ad.id, text);
            puts(text);
        }
    }
    free(image);
    return rc;
}

static json_t *
ad_view(const void *ad)
{
    return bs_ad_view(ad);
}

static int
run_list(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    const char *pos[1];
    bs_ad *list;
    size_t npos, count;
    bs_ctx *ctx;
    bs_status st;
    int rc = bs_cli_parse(cmd, argc, argv, NULL, 0, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if (!bs_name_valid(pos[0]))
        return bs_cli_invalid(BS_FIELD_NAME, pos[0]);
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_ads_list(ctx, pos[0], &list, &count);
    if (st == BS_NOTFOUND)
        return bs_cli_refuse("no account \"%s\"", pos[0]);
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot list ads");
    rc = bs_cli_print_list(list, count, sizeof(*list), ad_view);
    free(list);
    return rc;
}

/* The ad named by the argument `text`, or a printed usage error. */
static int
ad_ref(const char *text, bs_ref *ref)
{
    return bs_cli_ref(text, "ad", ref);
}

static int
run_hide(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    bs_cli_option opts[] = {{"reason", true, NULL}};
    const char *pos[1];
    bool was_hidden;
    bs_adhide hide;
    size_t npos;
    bs_ctx *ctx;
    bs_said said;
    bs_status st;
    json_t *view;
    bs_ref ad;
    int rc = bs_cli_parse(cmd, argc, argv, opts, 1, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if ((rc = ad_ref(pos[0], &ad)) != BS_EXIT_OK)
        return rc;
    if (opts[0].value == NULL || opts[0].value[0] == '\0') {
        bs_say_hide_needs_reason(BS_VOICE_COMMAND, &said);
        return bs_cli_said(&said);
    }
    if (!bs_field_valid(BS_FIELD_HIDE_REASON, opts[0].value))
        return bs_cli_invalid(BS_FIELD_HIDE_REASON, opts[0].value);
    if ((rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_moderation_hide(ctx, &ad, opts[0].value, "command", &hide, &was_hidden);
    if (st == BS_NOTFOUND) {
        bs_say_no_ad(pos[0], &said);
        return bs_cli_said(&said);
    }
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot hide the ad");
    view = bs_adhide_view(&hide);
    if (view != NULL && json_object_set_new(view, "was_hidden", json_boolean(was_hidden)) != 0) {
        json_decref(view);
        view = NULL;
    }
    return bs_cli_print_json(view);
}

static int
run_unhide(bs_cli *cli, const bs_cli_command *cmd, int argc, char **argv)
{
    char text[BS_REF_MAX];
    const char *pos[1];
    bool was_hidden;
    bs_adhide prior;
    size_t npos;
    bs_ctx *ctx;
    bs_said said;
    bs_status st;
    bs_ref ad;
    int rc = bs_cli_parse(cmd, argc, argv, NULL, 0, pos, 1, &npos);

    if (rc != BS_EXIT_OK)
        return rc;
    if (npos != 1)
        return bs_cli_usage(cmd);
    if ((rc = ad_ref(pos[0], &ad)) != BS_EXIT_OK || (rc = bs_cli_ctx(cli, &ctx)) != BS_EXIT_OK)
        return rc;
    st = bs_moderation_show(ctx, &ad, &prior, &was_hidden);
    if (st == BS_NOTFOUND) {
        bs_say_no_ad(pos[0], &said);
        return bs_cli_said(&said);
    }
    if (st != BS_OK)
        return bs_cli_fail(st, "cannot show the ad again");
    bs_name_canonical(ad.owner, ad.owner);
    bs_ref_format(&ad, text);
    if (!was_hidden) {
        bs_say_not_hidden(text, &said);
        return bs_cli_said(&said);
    }
    return bs_cli_print_json(
        json_pack("{s:s, s:b, s:s}", "ad", text, "hidden", 0, "reason_was", prior.reason));
}

const bs_cli_command bs_cli_ad_commands[] = {
    {"ad add", "NAME --image FILE --url URL [--hover TEXT] [--nickname N] [--categories LIST]",
     "upload an ad (a slot filler) for NAME",
     "Checks FILE (JPEG, PNG, GIF, WebP or BMP, found by its content; 16 to 2048 pixels\n"
     "a side; at most 4 MiB, and still at most 4 MiB once re-encoded), re-encodes it,\n"
     "stores it with the link URL (http or https), the hover text (up to 512\n"
     "characters) and a nickname, and prints the ad's id (NAME/NUMBER). An ad never\n"
     "changes once stored.",
     run_add},
    {"ad list", "NAME", "list the ads of NAME", "Prints the ads of NAME as a JSON array.",
     run_list},
    {"ad hide", "ID --reason TEXT", "hide an ad from every embed (operator)",
     "Hides ad ID (OWNER/NUMBER) for TEXT (1 to 200 characters of text without\n"
     "control characters or direction overrides): within seconds every embed shows\n"
     "its campaign's \"your ad here\" link instead, its image and click links answer\n"
     "404, and its buyer's account page shows \"hidden by the operator: TEXT\" beside\n"
     "each slot it fills. The slots stay sold and no money moves. Hiding a hidden ad\n"
     "again replaces the reason. Prints {\"ad\", \"hidden\", \"reason\", \"time\", \"by\",\n"
     "\"was_hidden\"}.",
     run_hide},
    {"ad show", "ID", "show a hidden ad again (operator)",
     "Undoes 'bitslot ad hide ID': the ad shows again in the slots it fills that have\n"
     "not ended. Refused when ID is not hidden. Prints {\"ad\", \"hidden\": false,\n"
     "\"reason_was\"}.",
     run_unhide},
    {NULL, NULL, NULL, NULL, NULL},
};
