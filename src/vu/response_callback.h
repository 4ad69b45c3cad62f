/* response_callback.h — k6's response callbacks in lt.http: `http.expectedStatuses(...)` makes
 * one, `http.setResponseCallback(cb)` makes it the default, a request's `responseCallback` param
 * overrides the default for that request. A callback decides whether a response was expected: an
 * unexpected one counts 1 in http_req_failed and is tagged expected_response=false.
 *
 * Promises:
 * - The default, before any call, is k6's: statuses 200 to 399 are expected.
 * - `setResponseCallback(nil)` (or lt.json.null; `false` for a request's param, as a Lua table
 *   cannot hold nil) means no callback: no http_req_failed sample and no expected_response tag.
 * - Set at the script's top level, the default applies to every VU of the runtime; set inside an
 *   iteration (or setup/teardown), to that VU only, for its following requests, as in k6 where
 *   each VU has its own http module.
 * - A failed request (no complete response) is matched as status 0, as k6 does.
 */
#ifndef LT_VU_RESPONSE_CALLBACK_H
#define LT_VU_RESPONSE_CALLBACK_H
#include "vu/runtime.h"
#include <lua.h>
#include <stdbool.h>

/* Inclusive status ranges; an exact status is a range of one. */
typedef struct lt_statuses {
    int n;
    int range[][2];
} lt_statuses;

bool lt_statuses_match(const lt_statuses *s, int status);
/* The callback a request of v uses when its params give none (NULL: no callback). */
const lt_statuses *lt_vu_response_callback(const vu *v);
/* A request's params.responseCallback at idx: an expectedStatuses object, or false/lt.json.null
 * for none (*out = NULL). Raises a Lua error for anything else. */
void lt_response_callback_param(lua_State *L, int idx, const lt_statuses **out);
/* Adds expectedStatuses and setResponseCallback to the lt.http table at the top of L's stack. */
void lt_open_response_callback(lua_State *L, runtime *rt);
#endif
