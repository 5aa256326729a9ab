/*
 * api_doc.c — GET /api/v1/openapi.json: the API's description, which the
 * binary carries (built from src/web/files/openapi.json by tools/embed).
 * tests/web/test_api.c checks that it lists exactly the routes of
 * web/routes.c.
 */
#include "web/api.h"

extern const unsigned char bs_web_openapi[];
extern const size_t bs_web_openapi_len;

void
bs_api_openapi(bs_web_call *call, bs_ctx *ctx)
{
    (void)ctx;
    bs_web_call_json(call, 200,
                     json_loadb((const char *)bs_web_openapi, bs_web_openapi_len, 0, NULL));
}
