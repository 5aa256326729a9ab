/*
 * assets.h — the pages' style sheet and script (src/web/static, carried by
 * the binary), and the HTML "no such page", answered on the loop from
 * memory.
 *
 *   GET /static/site.css, /static/live.js   with a content type, nosniff and
 *                                           an hour's caching
 */
#ifndef BS_WEB_ASSETS_H
#define BS_WEB_ASSETS_H

#include "web/live.h"

void bs_assets_static(h2o_req_t *req, bs_web_live *live, char params[][BS_WEB_PARAM_MAX],
                      size_t nparams);

/* 404 (or 405 when `method_known_elsewhere`) as a page: for every path
 * outside /api/, where a person is behind the browser. */
void bs_assets_no_page(h2o_req_t *req, int status, const char *message);

#endif
