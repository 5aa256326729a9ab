/*
 * cli_ad.c — ad commands:
 *   ad add NAME --image FILE --url URL [--hover TEXT] [--nickname N]
 *          [--categories LIST]
 *   ad list NAME
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
    {NULL, NULL, NULL, NULL, NULL},
};
