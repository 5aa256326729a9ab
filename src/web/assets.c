/*
 * assets.c — see assets.h.
 */
#include <stdlib.h>
#include <string.h>

#include "web/assets.h"
#include "web/call.h"
#include "web/template.h"

static const char *
type_of(const char *name)
{
    const char *dot = strrchr(name, '.');

    if (dot != NULL && strcmp(dot, ".css") == 0)
        return "text/css; charset=utf-8";
    if (dot != NULL && strcmp(dot, ".js") == 0)
        return "text/javascript; charset=utf-8";
    return "application/octet-stream";
}

void
bs_assets_static(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX], size_t nparams)
{
    const bs_web_file *file =
        nparams == 1 ? bs_web_file_find(bs_web_static, params[0], strlen(params[0])) : NULL;
    const char *type;

    (void)live;
    if (file == NULL) {
        bs_assets_no_page(req, 404, "no such page");
        return;
    }
    type = type_of(file->name);
    req->res.status = 200;
    req->res.reason = "OK";
    bs_web_safety_headers(req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL, type, strlen(type));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("public, max-age=3600"));
    h2o_send_inline(req, (const char *)file->data, file->len);
}

void
bs_assets_no_page(h2o_req_t *req, int status, const char *message)
{
    const char *title = status == 405   ? "Method not allowed"
                        : status == 431 ? "Request headers too large"
                                        : "Not found";
    json_t *data =
        json_pack("{s:s, s:s, s:n, s:s}", "title", title, "error", message, "me", "csrf", "");
    bs_html h = BS_HTML_INIT;
    size_t len = 0;
    char *page = NULL;

    if (data != NULL && bs_template_render(&h, "error", data) == BS_OK)
        page = bs_html_detach(&h, &len);
    bs_html_release(&h);
    json_decref(data);
    req->res.status = status;
    req->res.reason = status == 405   ? "Method Not Allowed"
                      : status == 431 ? "Request Header Fields Too Large"
                                      : "Not Found";
    bs_web_safety_headers(req);
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CONTENT_TYPE, NULL,
                   H2O_STRLIT("text/html; charset=utf-8"));
    h2o_add_header(&req->pool, &req->res.headers, H2O_TOKEN_CACHE_CONTROL, NULL,
                   H2O_STRLIT("no-store"));
    h2o_send_inline(req, page != NULL ? page : message, page != NULL ? len : strlen(message));
    free(page);
}
