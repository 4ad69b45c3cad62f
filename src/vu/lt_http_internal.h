/* lt_http_internal.h — what lt.http's files share (lt_http.c: single requests, responses and
 * their metrics; lt_http_batch.c: http.batch). Not used outside src/vu.
 */
#ifndef LT_VU_LT_HTTP_INTERNAL_H
#define LT_VU_LT_HTTP_INTERNAL_H
#include "vu/runtime.h"
#include <lua.h>

/* What a response's samples are tagged with, fixed when its request is made. */
typedef struct {
    const char *method;                    /* one of lt_http_method's static names */
    const char *name;                      /* the `name` tag */
    bool plain;                            /* no params.tags: the VU's base tags */
    uint32_t tid;                          /* else the tag set of base tags plus params.tags */
    const struct lt_statuses *response_cb; /* NULL: none (response_callback.h) */
} lt_req_meta;

/* The registry field of a table of lt.http's get, post, put, patch and del that take the tag set
 * id of params.tags after params (lt_fast.c's wrappers pass it; lt_http_prepare's tags_tid). */
#define LT_HTTP_TID_FNS "lt.http.tid"

/* The VU running L, or a Lua error naming lt.http.<what> (called outside an iteration). */
vu *lt_http_vu(lua_State *L, const char *what);
/* The canonical (static) name of an HTTP method given in any case, NULL when lt has none. */
const char *lt_http_method(const char *m);
/* Reads one request (URL, body, params at those stack indices of L; 0 = none) into req and m;
 * tags_tid >= 0 is the tag set id of params.tags when the caller has it (lt_fast.c), -1: computed.
 * req points into L's stack (and into `headers`, room for 64, or a userdata left on the stack for
 * more); m->name into the VU's request arena, valid until the next call. Raises Lua errors. */
const char *lt_http_prepare(lua_State *L, vu *v, const char *method, int url_idx, int body_idx,
                            int params_idx, int tags_tid, http_request *req, http_header *headers,
                            lt_req_meta *m);
/* Records the response's http_* samples with m's tags. */
void lt_http_record(vu *v, const lt_req_meta *m, const http_result *res);

/* lt.http.batch (lt_http_batch.c), registered with lt.http's upvalues; lt_open_http_batch makes
 * its metatable. */
int lt_http_batch(lua_State *L);
void lt_open_http_batch(lua_State *L);
#endif
